"""The agent: one compiled LangGraph graph, nodes at module level over a typed state.

intake -> route -> draft -> retrieve -> verify -> review <-> apply -> finalize -> learn

- ``route`` pauses (``interrupt``) to let the clinician choose when routing is not confident.
- ``review`` pauses with the draft; the clinician's :mod:`review command <pixtralogist.agents.commands>`
  resumes it into ``apply``, which hands it to the command's handler (:data:`HANDLERS`):
  ``Edits`` (a Save: every changed box at once), ``Message`` (chat) or ``Sign`` (with the boxes
  still pending). A change loops back through ``retrieve`` and ``verify`` once, so flags and
  citations stay current; a sign-off then goes on to ``finalize``, all in the same graph run.
- ``finalize`` signs; ``learn`` writes draft and final report to the feedback store.

Nodes take the state (:class:`~pixtralogist.agents.state.AgentState`) and LangGraph's
``Runtime`` whose ``context`` is the :class:`~pixtralogist.agents.runtime.AgentRuntime`
(plugins, guideline store, feedback store), passed by the caller with each run
(``graph.invoke(..., context=runtime)``). Routers are pure functions of the state
(unit-tested on their own).
"""

from __future__ import annotations

from typing import Any, Callable, Literal

from langgraph.runtime import Runtime

from pixtralogist.agents import chat
from pixtralogist.agents.commands import Edits, Message, Sign, parse_command
from pixtralogist.agents.runtime import AgentRuntime
from pixtralogist.agents.state import AgentState, RouteRecord, Snapshot
from pixtralogist.agents.types import ChatMessage, Citation
from pixtralogist.core import editing
from pixtralogist.core.checks import run_generic_checks
from pixtralogist.core.errors import PixtralogistError, UnknownSpecialtyError
from pixtralogist.core.models import Draft, Flag, GuidelineSnippet, RouteScore, Template
from pixtralogist.core.pipeline import route_case
from pixtralogist.core.text import ensure_plain_text

#: A feedback edit: {"kind", "region", "before", "after"}.
EditRow = dict[str, Any]


def _msg(role: str, text: str, sources: list[str] | None = None) -> ChatMessage:
    return ChatMessage(role=role, text=text, sources=sources or [])


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
    """Re-check after a change (a sign-off goes on after the check); sign when asked; else back to review."""
    if state.changed:
        return "retrieve"
    return "finalize" if state.sign_as else "review"


def after_verify(state: AgentState) -> Literal["finalize", "review"]:
    """A sign-off whose edits were just re-checked goes on to be signed; anything else pauses in review."""
    return "finalize" if state.sign_as and not state.signed else "review"


# --- nodes -----------------------------------------------------------------------------


def _template(state: AgentState, rt: AgentRuntime) -> Template:
    return rt.host.template(state.template_id)


def intake(state: AgentState) -> dict:
    return {"status": "routing", "impression_locked": False, "sign_as": None, "pending": None, "changed": False,
            "history": [], "proposal": None}


def route(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    from langgraph.types import interrupt

    host, case = runtime.context.host, runtime.context.case_of(state)
    try:
        decision = route_case(case, host)
    except UnknownSpecialtyError as exc:
        decision = route_case(case.model_copy(update={"specialty_hint": None}), host)
        decision = type(decision)("ask", None, decision.candidates, str(exc))
    record = RouteRecord(status=decision.status, reason=decision.reason, candidates=list(decision.candidates))
    choice = decision.choice
    if decision.status != "routed":
        specialty = interrupt({"kind": "choose_specialty", "reason": decision.reason,
                               "candidates": [c.model_dump(mode="json") for c in decision.candidates]})
        ranked = [c for c in decision.candidates if c.specialty == specialty]
        if ranked:
            choice = ranked[0]
        else:
            tpl = host.templates(specialty)[0]
            choice = RouteScore(specialty=specialty, template_id=tpl.id, score=0.0, reasons=["chosen by clinician"])
        record.reason = f"chosen by the clinician ({decision.reason})"
    record.choice = choice
    return {"route": record, "specialty": choice.specialty, "template_id": choice.template_id, "status": "drafting"}


def draft(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    host = runtime.context.host
    template = _template(state, runtime.context)
    d = host.drafter(state.specialty, template).draft(runtime.context.case_of(state), template)
    if not d.region_labels:
        d = d.model_copy(update={"region_labels": {r.name: r.label for r in template.regions}})
    return {"draft": d, "original_draft": d}


def retrieve(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    d, template = state.draft, _template(state, runtime.context)
    cits = runtime.context.cite_findings(state.specialty, template, d.findings)
    findings = []
    for f in d.findings:
        ids = [c.snippet.id for c in cits.get(f.id, [])]
        if f.provenance.source != "clinician" or ids:
            f = f.model_copy(update={"provenance": f.provenance.model_copy(update={"guideline_ids": ids})})
        findings.append(f)
    all_ids = sorted({c.snippet.id for cs in cits.values() for c in cs})
    d = d.model_copy(update={"findings": findings,
                             "provenance": d.provenance.model_copy(update={"guideline_ids": all_ids})})
    return {"draft": d, "citations": cits}


def verify(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    host, template = runtime.context.host, _template(state, runtime.context)
    snippets = host.guidelines(state.specialty)
    flags = run_generic_checks(state.draft, template) + host.verify(state.draft, runtime.context.case_of(state),
                                                                    template, snippets)
    return {"draft": state.draft.model_copy(update={"flags": flags}), "flags": flags,
            "citations": attach_rule_citations(state.citations, flags, snippets), "status": "review"}


def review(state: AgentState) -> dict:
    from langgraph.types import interrupt

    return {"pending": parse_command(interrupt({"kind": "review"})), "changed": False}


def apply(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    """Hand the pending command to its handler; record each change in the feedback store (one row per
    changed region or impression, idempotent by the command's ``edit_id`` when a crash re-runs this)."""
    rt, cmd = runtime.context, state.pending
    handler = HANDLERS.get(type(cmd))
    if handler is None:
        return {"messages": [_msg("system", "There is nothing to apply.")], "changed": False}
    try:
        out, edits, editor = handler(state, rt, cmd)
    except PixtralogistError as exc:
        said = [_msg("clinician", cmd.text)] if isinstance(cmd, Message) else []
        return {"messages": [*said, _msg("system", str(exc))], "changed": False}
    changed = [e for e in edits if e["before"] != e["after"]]
    for i, e in enumerate(changed):
        rt.feedback.log_edit(f"{cmd.edit_id}:{i}", state.case.id, e["kind"], e["before"], e["after"],
                             region=e["region"], actor=editor)
    return {**out, "changed": bool(changed)}


def finalize(state: AgentState) -> dict:
    signed = state.draft.sign(state.sign_as)
    # a signed report has no undo: its undo states go (the edits stay in the feedback store)
    return {"draft": signed, "status": "signed", "history": [], "proposal": None,
            "messages": [_msg("system", f"Signed by {signed.signed_by}.")]}


def learn(state: AgentState, runtime: Runtime[AgentRuntime]) -> dict:
    runtime.context.feedback.record_report(runtime.context.case_of(state), state.original_draft, state.draft)
    return {"status": "signed"}


# --- command handlers: (state, runtime, command) -> (state update, feedback edits, editor) ---------------


def _box_edits(d: Draft, locked: bool, cmd: Edits, template: Template) -> tuple[Draft, bool, list[EditRow]]:
    """Apply the changed region boxes in order (the impression is rebuilt unless the clinician wrote
    it), then the impression (which then stays as written)."""
    edits: list[EditRow] = []
    for region, text in cmd.regions.items():
        before = d.region_dict().get(region, "")
        d = editing.replace_region(d, region, text or "", template, rebuild_impression=not locked)
        edits.append({"kind": "edit_region", "region": region, "before": before, "after": d.region_dict()[region]})
    if cmd.impression is not None:
        before = "\n".join(d.impression)
        d, locked = editing.set_impression(d, cmd.impression), True
        edits.append({"kind": "impression", "region": None, "before": before, "after": "\n".join(d.impression)})
    return d, locked, edits


def handle_edits(state: AgentState, rt: AgentRuntime, cmd: Edits) -> tuple[dict, list[EditRow], str | None]:
    """A Save: every changed box at once; one undo step for the whole save."""
    d, locked, edits = _box_edits(state.draft, state.impression_locked, cmd, _template(state, rt))
    out: dict[str, Any] = {"draft": d, "impression_locked": locked}
    if any(e["before"] != e["after"] for e in edits):  # "undo" in chat reverts the save
        out["history"] = _pushed(state, state.draft, state.impression_locked)
    return out, edits, cmd.clinician


def handle_sign(state: AgentState, rt: AgentRuntime, cmd: Sign) -> tuple[dict, list[EditRow], str | None]:
    """Apply the boxes still pending on screen, then ask for the sign-off (re-checked first when they
    changed the draft: :func:`after_apply`)."""
    name = ensure_plain_text((cmd.clinician or "").strip(), "The signer's name")
    if not name:
        return {"messages": [_msg("system", "A clinician's name is required to sign.")]}, [], None
    out: dict[str, Any] = {}
    edits: list[EditRow] = []
    if cmd.edits is not None and not cmd.edits.empty:
        out, edits, _ = handle_edits(state, rt, cmd.edits)
    return {**out, "sign_as": name}, edits, (cmd.edits.clinician if cmd.edits else None) or name


def handle_message(state: AgentState, rt: AgentRuntime, cmd: Message) -> tuple[dict, list[EditRow], str | None]:
    """A chat message: an edit in words, a question, "undo", or "sign as <name>"."""
    host, specialty, template = rt.host, state.specialty, _template(state, rt)
    d, locked = state.draft, state.impression_locked
    offline = _offline_drafter(host, specialty, template)
    history = [s.as_chat_history() for s in state.history]
    ctx = chat.ChatContext(
        template=template,
        sorter=_sorter(host, specialty, template),
        flags=list(state.flags),
        citations=state.citations,
        search=lambda q, region: rt.search(specialty, q, region),
        original=state.original_draft,
        impression_locked=locked,
        lexicon=getattr(offline, "lexicon", None),
        history=history,
        proposal=state.proposal,
        llm=_chat_model(host, specialty),
        dictate=chat.dictation_reader(offline, rt.case_of(state), template) if offline is not None else None,
        conclude=chat.impression_builder(offline, template) if offline is not None else None,
    )
    res = chat.handle(cmd.text, d, ctx)
    out: dict[str, Any] = {"draft": res.draft, "impression_locked": res.impression_locked, "proposal": res.proposal}
    if res.undo:
        out["history"] = state.history[:-1]
    elif res.changed:
        out["history"] = _pushed(state, d, locked)
    edits = [_one_edit(res.edits, res.draft)] if res.edits else []  # one clinician change is one edit
    reply = res.reply
    if res.sign_requested:
        name = res.sign_as or cmd.clinician
        if name:
            out["sign_as"] = ensure_plain_text(name, "The signer's name")
        else:
            reply = "To sign, give your name: 'sign as <name>'."
    out["messages"] = [_msg("clinician", cmd.text), _msg("assistant", reply, res.sources)]
    return out, edits, cmd.clinician


#: The handler of each review command.
HANDLERS: dict[type, Callable[..., tuple[dict, list[EditRow], "str | None"]]] = {
    Edits: handle_edits, Message: handle_message, Sign: handle_sign,
}


# --- graph ---------------------------------------------------------------------------

NODES = {"intake": intake, "route": route, "draft": draft, "retrieve": retrieve, "verify": verify,
         "review": review, "apply": apply, "finalize": finalize, "learn": learn}


def build_graph(checkpointer=None):
    """Compile the agent graph with an optional checkpointer; run it with ``context=<AgentRuntime>``."""
    from langgraph.graph import END, START, StateGraph

    g = StateGraph(AgentState, context_schema=AgentRuntime)
    for name, fn in NODES.items():
        g.add_node(name, fn)
    g.add_edge(START, "intake")
    g.add_edge("intake", "route")
    g.add_edge("route", "draft")
    g.add_edge("draft", "retrieve")
    g.add_edge("retrieve", "verify")
    g.add_conditional_edges("verify", after_verify, ["finalize", "review"])
    g.add_edge("review", "apply")
    g.add_conditional_edges("apply", after_apply, ["finalize", "retrieve", "review"])
    g.add_edge("finalize", "learn")
    g.add_edge("learn", END)
    return g.compile(checkpointer=checkpointer)


#: How many earlier states "undo" can go back to.
_HISTORY = 20


def _pushed(state: AgentState, d: Draft, locked: bool) -> list[Snapshot]:
    """The undo history with ``d`` (the draft before a change) added, the oldest dropped past :data:`_HISTORY`."""
    return [*state.history, Snapshot(draft=d, impression_locked=locked)][-_HISTORY:]


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
