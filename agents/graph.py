"""The agent: one compiled LangGraph graph per runtime.

intake -> route -> draft -> retrieve -> verify -> review <-> apply -> finalize -> learn

- ``route`` pauses (``interrupt``) to let the clinician choose when routing is not confident.
- ``review`` pauses with the draft; the clinician's input resumes it into ``apply``,
  which edits, answers, or asks to sign; edits loop back through ``retrieve`` and
  ``verify`` so flags and citations stay current.
- ``finalize`` signs; ``learn`` writes draft and final report to the feedback store.

Routers are pure functions of the state (unit-tested on their own).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pixtralogist.agents import chat
from pixtralogist.agents.runtime import AgentRuntime
from pixtralogist.agents.state import AgentState
from pixtralogist.agents.types import ChatMessage, Citation
from pixtralogist.core import editing
from pixtralogist.core.checks import run_generic_checks
from pixtralogist.core.errors import PixtralogistError, UnknownSpecialtyError
from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, RouteScore
from pixtralogist.core.pipeline import route_case
from pixtralogist.core.text import ensure_plain_text


def _msg(role: str, text: str, sources: list[str] | None = None) -> dict[str, Any]:
    return ChatMessage(role=role, text=text, sources=sources or []).model_dump(mode="json")


def attach_rule_citations(citations: dict[str, list[Citation]], flags: list[Flag],
                          snippets: list[GuidelineSnippet]) -> dict[str, list[Citation]]:
    """Add the snippets each flag names to its finding's citations (pure; ``citations`` is not changed).

    A snippet a rule names is marked ``cited by rule <code>`` (``origin="rule"``, no similarity),
    or the rule's code is added to the retrieved citation of the same snippet, whose similarity
    stays as retrieved. A stance is set only where the flag carries one (:attr:`Flag.stance`);
    a conflict found by one rule is not overwritten by another rule's agreement.
    """
    by_id = {s.id: s for s in snippets}
    out = {k: [c.model_copy(deep=True) for c in v] for k, v in citations.items()}
    for fl in flags:
        if not fl.finding_id or not fl.snippet_ids:
            continue
        lst = out.setdefault(fl.finding_id, [])
        for sid in fl.snippet_ids:
            cit = next((c for c in lst if c.snippet.id == sid), None)
            if cit is None:
                if sid not in by_id:
                    continue
                cit = Citation(snippet=by_id[sid], origin="rule")
                lst.append(cit)
            if fl.code not in cit.rule_ids:
                cit.rule_ids.append(fl.code)
            if fl.stance is not None and cit.stance != "contradicts":
                cit.stance = fl.stance
    return {k: v for k, v in out.items() if v}


# --- routers (pure) ---------------------------------------------------------------


def after_apply(state: AgentState) -> Literal["finalize", "retrieve", "review"]:
    """Sign when a signature was given; re-check after an edit; otherwise back to review."""
    if state.get("sign_as"):
        return "finalize"
    pending = state.get("pending") or {}
    return "retrieve" if pending.get("changed") else "review"


# --- graph ---------------------------------------------------------------------------


def build_graph(rt: AgentRuntime, checkpointer=None):
    """Compile the agent graph over ``rt`` with an optional checkpointer."""
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import interrupt

    host = rt.host

    def _case(state: AgentState) -> Case:
        return Case.model_validate(state["case"])

    def _template(state: AgentState):
        return host.template(state["template_id"])

    def intake(state: AgentState) -> dict:
        case = _case(state)
        return {"case": case.model_dump(mode="json"), "status": "routing", "impression_locked": False,
                "sign_as": None, "pending": None, "history": [], "proposal": None}

    def route(state: AgentState) -> dict:
        case = _case(state)
        try:
            decision = route_case(case, host)
        except UnknownSpecialtyError as exc:
            decision = route_case(case.model_copy(update={"specialty_hint": None}), host)
            decision = type(decision)("ask", None, decision.candidates, str(exc))
        record = {"status": decision.status, "reason": decision.reason,
                  "candidates": [c.model_dump(mode="json") for c in decision.candidates]}
        choice = decision.choice
        if decision.status != "routed":
            specialty = interrupt({"kind": "choose_specialty", "reason": decision.reason,
                                   "candidates": record["candidates"]})
            ranked = [c for c in decision.candidates if c.specialty == specialty]
            if ranked:
                choice = ranked[0]
            else:
                tpl = host.templates(specialty)[0]
                choice = RouteScore(specialty=specialty, template_id=tpl.id, score=0.0, reasons=["chosen by clinician"])
            record["reason"] = f"chosen by the clinician ({decision.reason})"
        record["choice"] = choice.model_dump(mode="json")
        return {"route": record, "specialty": choice.specialty, "template_id": choice.template_id, "status": "drafting"}

    def draft(state: AgentState) -> dict:
        case, template = _case(state), _template(state)
        drafter = host.drafter(state["specialty"], template)
        d = drafter.draft(case, template)
        if not d.region_labels:
            d = d.model_copy(update={"region_labels": {r.name: r.label for r in template.regions}})
        dump = d.model_dump(mode="json")
        return {"draft": dump, "original_draft": dump}

    def retrieve(state: AgentState) -> dict:
        d, template = Draft.model_validate(state["draft"]), _template(state)
        cits = rt.cite_findings(state["specialty"], template, d.findings)
        findings = []
        for f in d.findings:
            ids = [c.snippet.id for c in cits.get(f.id, [])]
            if f.provenance.source != "clinician" or ids:
                f = f.model_copy(update={"provenance": f.provenance.model_copy(update={"guideline_ids": ids})})
            findings.append(f)
        all_ids = sorted({i for cs in cits.values() for i in (c.snippet.id for c in cs)})
        d = d.model_copy(update={"findings": findings,
                                 "provenance": d.provenance.model_copy(update={"guideline_ids": all_ids})})
        return {"draft": d.model_dump(mode="json"),
                "citations": {k: [c.model_dump(mode="json") for c in v] for k, v in cits.items()}}

    def verify(state: AgentState) -> dict:
        case, template = _case(state), _template(state)
        d = Draft.model_validate(state["draft"])
        snippets = host.guidelines(state["specialty"])
        flags = run_generic_checks(d, template) + host.verify(d, case, template, snippets)
        cits = attach_rule_citations(
            {k: [Citation.model_validate(c) for c in v] for k, v in (state.get("citations") or {}).items()},
            flags, snippets)
        d = d.model_copy(update={"flags": flags})
        return {"draft": d.model_dump(mode="json"), "flags": [f.model_dump(mode="json") for f in flags],
                "citations": {k: [c.model_dump(mode="json") for c in v] for k, v in cits.items()},
                "status": "review"}

    def review(state: AgentState) -> dict:
        value = interrupt({"kind": "review"})
        return {"pending": value}

    def apply(state: AgentState) -> dict:
        pending = dict(state.get("pending") or {})
        case, template = _case(state), _template(state)
        d = Draft.model_validate(state["draft"])
        action = pending.get("action")
        edit_id = pending.get("edit_id") or uuid.uuid4().hex
        actor = pending.get("clinician")
        out: dict[str, Any] = {}
        edits: list[dict] = []
        locked = bool(state.get("impression_locked"))
        draft_before, locked_before = d, locked
        try:
            if action == "message":
                offline = _offline_drafter(host, state["specialty"], template)
                ctx = chat.ChatContext(
                    template=template,
                    sorter=_sorter(host, state["specialty"], template),
                    flags=[Flag.model_validate(f) for f in state.get("flags") or []],
                    citations={k: [Citation.model_validate(c) for c in v] for k, v in (state.get("citations") or {}).items()},
                    search=lambda q, region: rt.search(state["specialty"], q, region),
                    original=Draft.model_validate(state["original_draft"]),
                    impression_locked=locked,
                    lexicon=getattr(offline, "lexicon", None),
                    history=list(state.get("history") or []),
                    proposal=state.get("proposal"),
                    llm=_chat_model(host, state["specialty"]),
                    dictate=chat.dictation_reader(offline, case, template) if offline is not None else None,
                )
                res = chat.handle(pending.get("text", ""), d, ctx)
                previous = {"draft": d.model_dump(mode="json"), "impression_locked": locked}
                d, edits, locked = res.draft, res.edits, res.impression_locked
                out["proposal"] = res.proposal
                if res.undo:
                    out["history"] = ctx.history[:-1]
                elif res.changed:
                    out["history"] = (ctx.history + [previous])[-_HISTORY:]
                if edits:  # one clinician change is one edit in the feedback store, whatever it touched
                    edits = [_one_edit(edits, d)]
                reply = res.reply
                if res.sign_requested:
                    name = res.sign_as or actor
                    if name:
                        out["sign_as"] = ensure_plain_text(name, "The signer's name")
                    else:
                        reply = "To sign, give your name: 'sign as <name>'."
                out["messages"] = [_msg("clinician", pending.get("text", "")), _msg("assistant", reply, res.sources)]
            elif action == "edit_region":
                region = pending["region"]
                before = d.region_dict().get(region, "")
                d = editing.replace_region(d, region, pending.get("text", ""), template, rebuild_impression=not locked)
                edits = [{"kind": "edit_region", "region": region, "before": before, "after": d.region_dict()[region]}]
            elif action == "edit_impression":
                before = "\n".join(d.impression)
                d = editing.set_impression(d, pending.get("text", ""))
                locked = True
                edits = [{"kind": "impression", "region": None, "before": before, "after": "\n".join(d.impression)}]
            elif action == "sign":
                out["sign_as"] = ensure_plain_text((pending.get("clinician") or "").strip(), "The signer's name") or None
                if not out["sign_as"]:
                    out["messages"] = [_msg("system", "A clinician's name is required to sign.")]
            else:
                out["messages"] = [_msg("system", f"Unknown action {action!r}.")]
        except PixtralogistError as exc:
            said = [_msg("clinician", pending.get("text", ""))] if action == "message" else []
            out = {"messages": said + [_msg("system", str(exc))]}
            edits = []
        changed = [e for e in edits if e["before"] != e["after"]]
        if changed and action in ("edit_region", "edit_impression"):  # "undo" in chat reverts these too
            out["history"] = _pushed(state, draft_before, locked_before)
        for i, e in enumerate(changed):
            rt.feedback.log_edit(f"{edit_id}:{i}", case.id, e["kind"], e["before"], e["after"],
                                 region=e["region"], actor=actor)
        pending["changed"] = bool(changed)
        out.update({"draft": d.model_dump(mode="json"), "pending": pending, "impression_locked": locked})
        return out

    def finalize(state: AgentState) -> dict:
        d = Draft.model_validate(state["draft"])
        signed = d.sign(state["sign_as"])
        # a signed report has no undo: its undo states go (the edits stay in the feedback store)
        return {"draft": signed.model_dump(mode="json"), "status": "signed", "history": [], "proposal": None,
                "messages": [_msg("system", f"Signed by {signed.signed_by}.")]}

    def learn(state: AgentState) -> dict:
        rt.feedback.record_report(_case(state), Draft.model_validate(state["original_draft"]),
                                  Draft.model_validate(state["draft"]))
        return {"status": "signed"}

    g = StateGraph(AgentState)
    for name, fn in [("intake", intake), ("route", route), ("draft", draft), ("retrieve", retrieve),
                     ("verify", verify), ("review", review), ("apply", apply), ("finalize", finalize),
                     ("learn", learn)]:
        g.add_node(name, fn)
    g.add_edge(START, "intake")
    g.add_edge("intake", "route")
    g.add_edge("route", "draft")
    g.add_edge("draft", "retrieve")
    g.add_edge("retrieve", "verify")
    g.add_edge("verify", "review")
    g.add_edge("review", "apply")
    g.add_conditional_edges("apply", after_apply, ["finalize", "retrieve", "review"])
    g.add_edge("finalize", "learn")
    g.add_edge("learn", END)
    return g.compile(checkpointer=checkpointer)


#: How many earlier states "undo" can go back to.
_HISTORY = 20


def _pushed(state: AgentState, d: Draft, locked: bool) -> list[dict]:
    return (list(state.get("history") or []) + [{"draft": d.model_dump(mode="json"), "impression_locked": locked}])[-_HISTORY:]


def _one_edit(edits: list[dict], d: Draft) -> dict:
    """The chat's change as one feedback edit: a region's before/after, or labelled lines when it touched several."""
    changed = [e for e in edits if e["before"] != e["after"]] or edits
    if len(changed) == 1:
        return changed[0]
    label = lambda r: d.region_labels.get(r, r) if r else "Impression"  # noqa: E731
    return {"kind": changed[0]["kind"], "region": ",".join(e["region"] or "impression" for e in changed),
            "before": "\n".join(f"{label(e['region'])}: {e['before']}" for e in changed),
            "after": "\n".join(f"{label(e['region'])}: {e['after']}" for e in changed)}


def _offline_drafter(host, specialty, template):
    """The specialty's offline (dictation) drafter: the chat reads statements as it reads dictation,
    with its kit lexicon (None when the plugin has none)."""
    from pixtralogist.core.models import ModelConfig

    try:
        return host.drafter(specialty, template, ModelConfig())
    except PixtralogistError:
        return None


def _chat_model(host, specialty):
    """prompt -> answer of the specialty's OpenAI-compatible model, when one is configured (else None)."""
    try:
        return chat.chat_model(host.model_config(specialty))
    except PixtralogistError:
        return None


def _sorter(host, specialty, template):
    try:
        return host.region_sorter(specialty, template)
    except PixtralogistError:
        return None
