"""The clinician's chat in review: edit commands and guideline questions (offline).

``parse_intent`` is a pure function from a message to an :class:`Intent`;
``handle`` applies it to a draft and writes the reply. Notes and messages are
data: nothing in them changes how the assistant behaves beyond the listed
commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pixtralogist.agents.types import Citation
from pixtralogist.core import editing
from pixtralogist.core.models import Draft, Finding, Flag, Template
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.core.text import clean_text, ensure_plain_text

IntentKind = Literal["rewrite", "shorter", "sign", "undo", "confirm", "decline", "question", "help", "edit",
                     "unknown"]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    arg: str = ""
    region: str | None = None


_REWRITE = re.compile(
    r"^(?:please\s+)?(?:rewrite|replace)\s+(?:the\s+)?(?P<region>[a-z ]+?)(?:\s+region)?"
    r"(?:\s*(?::|\bas\b|\bwith\b)\s*(?P<arg>.+))?$"
    r"|^(?:please\s+)?(?:change|set)\s+(?:the\s+)?(?P<region2>[a-z ]+?)(?:\s+region)?\s*:\s*(?P<arg2>.+)$",
    re.I | re.S,
)
_UNDO_PHRASE = (r"(?:undo|revert|go back|roll ?back|reverse|take (?:that|it|this) back|scrap that|cancel that|scratch that|"
                r"put (?:it|that|this|things|everything) back|change (?:it|that|this) back|set (?:it|that|this) back|"
                r"bring (?:it|that|this|them) back|restore|reinstate|undo|(?:go )?back to (?:the )?(?:previous|original|old|"
                r"last|prior|earlier) (?:version|draft|text|wording|one)|"
                r"(?:(?:back|leave it|keep it|have it|put it back) )?(?:how|the way|as) (?:it|they) (?:was|were)(?: before)?|"
                r"(?:go )?back to (?:how|the way) (?:it|they) (?:was|were)(?: before)?|"
                # what the assistant did, named: "undo what you just changed", "revert the last thing you did"
                r"(?:what|whatever|the (?:last )?(?:thing|change|edit)s?) (?:you|i|we)(?: have|['\u2019]ve)? (?:just |last )?"
                r"(?:changed|did|done|edited|made|added|removed|wrote|put in|changed there))")
#: words that open an undo without changing it: "no", "never mind", "hmm no", "no wait", "on second thought"
_UNDO_LEAD = r"(?:no|nope|oops|sorry|actually|ok|okay|hmm+|wait|never ?mind|nevermind|forget (?:it|that)|on second thoughts?|ah|oh)"
_UNDO = re.compile(
    r"^(?:" + _UNDO_LEAD + r"\b[,!.]?\s*)*(?:(?:can|could|would) you\s+)?(?:please\s+)?"
    + _UNDO_PHRASE +
    r"(?:\s*[,;:!-]?\s*(?:(?:and|then)\s+)?(?:" + _UNDO_PHRASE + r"|that|it|this|the|my|your|last|previous|prior|latest|"
    r"recent|change|changes|edit|edits|one|step|please|again|back|version|draft|text|wording|state|original|old))*"
    r"\s*[.!?]*$", re.I)
# several undo phrases in one message: "go back, revert", "undo that, put it back", "revert and change it back"
_CONFIRM = re.compile(r"^(?:yes|y|ok|okay|apply|apply it|confirm|do it|go ahead|yes,? apply(?: it)?)\s*[.!]?$", re.I)
_DECLINE = re.compile(r"^(?:no|n|cancel|discard|don'?t|do not apply|never ?mind)\s*[.!]?$", re.I)
_SHORTER = re.compile(r"^(?:please\s+)?(?:make\s+(?:the\s+)?)?(?:shorter|shorten|briefer|condense)\s*(?:the\s+)?impression\b|^(?:make\s+)?(?:the\s+)?impression\s+shorter", re.I)
_SIGN = re.compile(r"^(?:please\s+)?sign(?:\s+(?:it|the report|off))?(?:\s+(?:as|by)\s+(?P<arg>.+))?\s*\.?$", re.I)
_HELP = re.compile(r"^(?:help|\?|commands?)\s*$", re.I)
#: A question: a question mark, a question word, or an auxiliary opening a question ("is the effusion
#: small"); "should be right sided" (no subject after the auxiliary) is a statement.
_QUESTION = re.compile(r"\?\s*$|^(?:why|what|how|which|when|where|who|explain|tell me)\b"
                       # a request for information said without a question mark: "remind me of the ...", "I'd like
                       # to know ...", "quick question - ...", "do you know ...": never an edit
                       r"|^(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:remind|tell|show)\s+(?:me|us)\b"
                       r"|^(?:please\s+)?(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?(?:explain|clarify)\b"
                       r"|^(?:i['\u2019]?d\s+like|i\s+would\s+like|i\s+want|i\s+need)\s+to\s+(?:know|check|understand)\b"
                       r"|^(?:i\s+(?:was\s+|am\s+|['\u2019]m\s+)?)?wonder(?:ing)?\b|^(?:do|does)\s+(?:you|anyone)\s+know\b"
                       r"|^(?:any\s+idea|quick\s+(?:question|query|check)|just\s+(?:checking|wondering))\b|^(?:question|query)\s*[:-]"
                       r"|^(?:what|how|who|where|when)['\u2019]?s\b"
                       # a flag named, then asked about: "adrenal flag - what's it for", "nodule flagged, explain",
                       # "reason for flagging the nicking"
                       r"|\b(?:flag|flags|flagged|flagging|warning|alert)\b[^?]{0,60}?[-,:;\u2013\u2014]\s*(?:why|what|how|explain|"
                       r"reason|meaning|because)\b|^(?:the\s+|what\s+is\s+the\s+)?reasons?\s+(?:for|behind)\s+(?:the\s+)?"
                       r"(?:flag|flags|flagging|warning|alert)\b"
                       r"|^(?:does|do|did|is|are|was|were|should|can|could|would|will|has|have)\s+"
                       r"(?:the|this|that|these|those|it|there|he|she|we|i|you|they|a|an|any|my|our|his|her|its)\b",
                       re.I)

#: A request put as a question or a wish ("can you ...", "could you please ...", "let's ...", "I'd like to ...").
_POLITE = re.compile(r"^(?:please\s+)?(?:(?:can|could|would|will)\s+(?:you|we|i)|let['\u2019]?s|i['\u2019]?d\s+like\s+to|"
                     r"i\s+(?:would\s+like|want|need)\s+to|we\s+(?:should|need\s+to)|you\s+(?:can|should))\s+"
                     r"(?:please\s+|just\s+)*(?P<rest>.+?)[\s?.!]*$", re.I)

HELP_TEXT = (
    "I can edit the draft from plain sentences: say a finding ('effusion is small', 'there is also a small "
    "left pneumothorax', 'no, it's the left side') or ask for a change ('make the effusion small', 'drop the "
    "atelectasis', 'move the granuloma to lungs', 'rewrite <region>: <text>', 'shorter impression'); 'undo' "
    "reverts the last change; 'sign as <name>' signs. I answer questions about this draft's flags ('why is the "
    "nodule flagged?') and from the installed guideline snippets ('what does Fleischner say for 7 mm?')."
)


def parse_intent(message: str, regions: dict[str, str], *, proposal_pending: bool = False) -> Intent:
    """Classify a clinician message. ``regions`` maps region names to labels (for 'rewrite heart').

    Anything that is not a command, a question or a confirmation is ``edit``: a statement or an
    imperative for :mod:`pixtralogist.agents.chat_edits`.
    """
    from pixtralogist.agents.chat_courtesy import spell_out

    text = spell_out(clean_text(message))
    if not text:
        return Intent("unknown")
    if _HELP.match(text):
        return Intent("help")
    if proposal_pending and _CONFIRM.match(text):
        return Intent("confirm")
    if proposal_pending and _DECLINE.match(text):
        return Intent("decline")
    if _UNDO.match(text):
        return Intent("undo")
    from pixtralogist.agents.chat_imperatives import undo_of, undo_said

    if undo_said(text, lambda p: bool(_UNDO.match(p))):  # "go back, that was right before" (chat_imperatives)
        return Intent("undo")

    if (named := undo_of(text)) is not None:  # "bring the atrophy sentence back", "revert the X" (chat_imperatives)
        return Intent("undo", named)
    if m := _SIGN.match(text):
        return Intent("sign", (m.group("arg") or "").strip().rstrip("."))
    if _SHORTER.search(text):
        return Intent("shorter")
    from pixtralogist.agents.chat_free import impression_text

    if (new_impression := impression_text(text)) is not None:  # "make the impression 'X'", "impression: X"
        return Intent("rewrite", new_impression, "impression")
    if m := _REWRITE.match(text):
        region = resolve_region(m.group("region") or m.group("region2"), regions)
        if region is not None:
            return Intent("rewrite", (m.group("arg") or m.group("arg2") or "").strip(), region)
    from pixtralogist.agents.chat_edits import IMPERATIVE
    from pixtralogist.agents.chat_phrasing import canonical

    if (m := _POLITE.match(text)) and (IMPERATIVE.match(m.group("rest")) or canonical(m.group("rest")) != m.group("rest")):
        return Intent("edit", m.group("rest"))  # "can you remove the cardiomegaly?": an edit asked politely
    if _QUESTION.search(text):
        return Intent("question", text)
    return Intent("edit", text)


def resolve_region(word: str, regions: dict[str, str]) -> str | None:
    """The region (name) a clinician's word names, "impression", or None (see :func:`chat_edits.resolve_region`)."""
    from pixtralogist.agents.chat_edits import resolve_region as resolve

    return resolve(word, regions)


@dataclass
class ChatContext:
    template: Template
    sorter: RegionSorter | None
    flags: list[Flag]
    citations: dict[str, list[Citation]]
    search: Callable[[str, str | None], list[Citation]]
    original: Draft | None = None
    impression_locked: bool = False
    #: the routed template's lexicon (:mod:`pixtralogist.kit`); None: the kit's base lexicon
    lexicon: Any = None
    #: earlier states of this draft, oldest first: ``{"draft": Draft JSON, "impression_locked": bool}``
    history: list[dict] = field(default_factory=list)
    #: an edit a language model proposed, waiting for the clinician's yes: ``{"region", "text"}``
    proposal: dict | None = None
    #: prompt -> answer of the configured language model (None offline)
    llm: Callable[[str], str] | None = None
    #: the specialty's dictation reader: statement -> ``[(region, sentence)]`` (None: the region sorter)
    dictate: Callable[[str], list[tuple[str, str]]] | None = None
    #: the specialty's impression builder: (findings, impression before the edit) -> impression items (None:
    #: core's generic one); one marked ``complete`` keeps what it keeps of the impression before by itself
    conclude: Callable[..., list[str]] | None = None


@dataclass
class ChatResult:
    draft: Draft
    reply: str
    sources: list[str] = field(default_factory=list)
    changed: bool = False
    sign_as: str | None = None
    sign_requested: bool = False
    edits: list[dict] = field(default_factory=list)  # {"kind","region","before","after"}
    impression_locked: bool = False
    #: True: the draft is the last entry of ``ChatContext.history`` (pop it); False with ``changed``: push
    undo: bool = False
    #: the proposal to keep waiting for confirmation (None: no proposal pending)
    proposal: dict | None = None


#: Commands that write the message's text into the report, and what the refusal calls that text.
_WRITES = {"edit": "The finding", "rewrite": "The new text", "sign": "The signer's name"}


def _region_labels(draft: Draft) -> dict[str, str]:
    return {r: draft.region_labels.get(r, r) for r in draft.regions}


def reader_for(draft: Draft, lexicon: Any = None, template: Template | None = None):
    """The plain-edit reader for ``draft``'s regions, the routed lexicon and the template's finding words."""
    from pixtralogist.agents.chat_edits import EditReader

    if template is None:
        return EditReader(lexicon, _region_labels(draft))
    specimen = tuple(re.split(r"[-_\s]+", template.id.lower())) + tuple(b.lower() for b in template.body_parts)
    return EditReader(lexicon, _region_labels(draft), tuple(template.finding_terms), specimen)


def _diff_edits(kind: str, before: Draft, after: Draft) -> list[dict]:
    """One ``{"kind","region","before","after"}`` per changed findings region (the impression when none)."""
    b, a = before.region_dict(), after.region_dict()
    out = [{"kind": kind, "region": r, "before": b.get(r, ""), "after": a.get(r, "")} for r in after.regions
           if b.get(r, "") != a.get(r, "")]
    if list(before.impression) != list(after.impression) and not out:
        out.append({"kind": kind, "region": None, "before": "\n".join(before.impression),
                    "after": "\n".join(after.impression)})
    return out


def show_changes(edits: list[dict], draft: Draft) -> str:
    """Before/after lines for the reply, one per changed region."""
    labels = _region_labels(draft)
    lines = []
    for e in edits:
        label = labels.get(e["region"], "Impression") if e["region"] else "Impression"
        lines.append(f"- {label}: \u201c{e['before'] or '(empty)'}\u201d \u2192 \u201c{e['after'] or '(empty)'}\u201d")
    return "\n".join(lines)


def handle(message: str, draft: Draft, ctx: ChatContext) -> ChatResult:
    """Apply one clinician message to ``draft``."""
    intent = parse_intent(message, _region_labels(draft), proposal_pending=ctx.proposal is not None)
    if intent.kind in _WRITES:
        # parse_intent reads cleaned text; what would be written is checked as typed
        ensure_plain_text(message, _WRITES[intent.kind])
    rebuild = not ctx.impression_locked
    res = ChatResult(draft=draft, reply="", impression_locked=ctx.impression_locked)
    if intent.kind == "help":
        res.reply = HELP_TEXT
    elif intent.kind == "sign":
        res.sign_requested = True
        res.sign_as = intent.arg or None
        res.reply = f"Signing as {intent.arg}." if intent.arg else "Signing."
    elif intent.kind == "undo":
        res = _undo(draft, ctx, res, intent.arg)
    elif intent.kind == "confirm":
        res = _confirm(draft, ctx, res, rebuild)
    elif intent.kind == "decline":
        res.reply = "Discarded the proposed change; the draft is as it was."
    elif intent.kind == "edit":
        res = _compound_edit(intent.arg, draft, ctx, res, rebuild)
    elif intent.kind == "rewrite":
        res = _rewrite(intent, draft, ctx, res, rebuild)
        if res.changed:
            res.reply += "\n" + show_changes(res.edits, draft)
    elif intent.kind == "shorter":
        new = editing.shorten_impression(draft)
        res.draft, res.changed, res.impression_locked = new, True, True
        res.edits = [{"kind": "impression", "region": None, "before": "\n".join(draft.impression),
                      "after": "\n".join(new.impression)}]
        res.reply = "Impression shortened.\n" + show_changes(res.edits, draft)
    elif intent.kind == "question":
        res.reply, res.sources = answer(intent.arg, draft, ctx)
    else:
        res.reply = HELP_TEXT
    res.changed = res.changed and bool(res.edits)
    return res


def _undo(draft: Draft, ctx: ChatContext, res: ChatResult, named: str = "") -> ChatResult:
    if not ctx.history:
        res.reply = "There is no change to undo: the draft is as drafted."
        return res
    last = ctx.history[-1]
    prev = Draft.model_validate(last["draft"])
    if named:  # "bring the atrophy sentence back": only when the last change touched it
        from pixtralogist.agents.chat_edits import _stems
        from pixtralogist.agents.chat_imperatives import touched

        def state(d: Draft) -> dict[str, str]:
            return {**d.region_dict(), "impression": " ".join(d.impression)}

        said = f"{named} {reader_for(draft, ctx.lexicon, ctx.template).expand(named)}"  # "CNV": its name written out
        if not touched(said, state(draft), state(prev), _region_labels(draft), _stems):
            res.reply = (f"The last change did not touch '{named}', so nothing was undone; say 'undo' to revert the "
                         "last change as it was.")
            return res
    # keep what the checks and retrieval computed for the current draft's findings: they are redone
    res.draft, res.undo, res.impression_locked = prev, True, bool(last.get("impression_locked"))
    res.edits = _diff_edits("undo", draft, prev)
    res.changed = True
    res.reply = "Undone: the last change is reverted.\n" + show_changes(res.edits, draft)
    return res


#: Where one message states two things ("the effusion is large, with collapse of the left lower lobe"), or asks
#: for two edits ("make the effusion small and drop the atelectasis", "remove the scale, then add crust").
_COMPOUND = re.compile(r";\s+|,\s+(?:with|and also|and)\s+(?=\w)|(?<=\w{4})\.\s+(?=[A-Za-z]\w*\s)"
                       r"|(?:,\s*(?:and\s+then\s+|and\s+|then\s+)?|\s+(?:and\s+then|and|then|also)\s+)"
                       r"(?=(?:remove|delete|drop|make|change|set|mark|move|put|add|swap|switch|take\s+out|get\s+rid\s+of|"
                       r"undo)\s)", re.I)


def _compound_edit(text: str, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult:
    """A turn of clauses: a reason, remark or lead-in beside the edit is dropped, "<statement>, add it" adds the
    statement, and the edit clauses are applied in order as ONE change (chat_imperatives.compound_command,
    lead_in_dropped). A turn of plain statements is read whole first; its clauses only when the whole is not."""
    from pixtralogist.agents.chat_imperatives import compound_command, dropped_clauses, lead_in_dropped
    from pixtralogist.agents.chat_merge import without_asides

    reader = reader_for(draft, ctx.lexicon, ctx.template)
    plain = without_asides(text)
    if (parts := compound_command(plain, reader.names_finding)) == []:
        # "<remark>, add it": the whole turn's reading is kept only when it writes no bare pronoun ("It.")
        whole = _edit(text, draft, ctx, res, rebuild)
        if whole.changed and whole.edits and not any(_BARE_PRONOUN.search(e["after"]) for e in whole.edits):
            return whole
        return ChatResult(draft=draft, impression_locked=ctx.impression_locked,
                          reply=(f"I could not tell what 'it' is in '{text.strip()}': nothing beside it names a "
                                 "finding, so nothing was changed. Say the finding to add."))
    if parts is not None:
        # the whole turn read as one edit is kept unless it writes a dropped remark into the report ("Cardiomegaly.
        # AP portable so I can't comment on heart size."), or changes nothing
        whole = _edit(text, draft, ctx, ChatResult(draft=draft, reply="", impression_locked=res.impression_locked),
                      rebuild)
        dropped = dropped_clauses(plain, parts)
        if whole.changed and whole.edits and not _writes_remark(whole, dropped, draft):
            return whole
        empty = [m.group("r") for c in dropped if (m := _EMPTY_REGION.match(c.strip(" ,.")))]
        if len(parts) == 1 and len(empty) == 1 and _PUT_BARE.match(parts[0]):
            # "stage is blank, put pT2 pN0": the remark says where the command puts what it says
            there = _in_order([f"{parts[0].rstrip(' .')} in the {empty[0]}"], draft, ctx,
                              ChatResult(draft=draft, reply="", impression_locked=res.impression_locked), rebuild)
            if there.changed:
                return there
        return _in_order(parts, draft, ctx, res, rebuild)
    whole = _edit(text, draft, ctx, res, rebuild)
    if whole.changed and whole.edits:
        return whole
    if (parts := lead_in_dropped(plain, reader.names_finding)) is None:
        return whole
    done = _in_order(parts, draft, ctx, ChatResult(draft=draft, reply="", impression_locked=ctx.impression_locked),
                     rebuild)
    return done if done.changed else whole


#: a remark that a region is empty: "stage is blank", "the site's missing", "margins not filled in"
_EMPTY_REGION = re.compile(r"^(?:the\s+)?(?P<r>[a-z][\w /-]{1,40}?)\s*(?:['\u2019]s|\s+is|\s+are)?\s+(?:blank|missing|empty|"
                           r"not\s+(?:filled(?:\s+in)?|reported|stated|given))$", re.I)
#: a command that puts what it says without saying where: "put pT2 pN0", "fill in 12 o'clock"
_PUT_BARE = re.compile(r"^(?:please\s+)?(?:put|fill\s+in|write|enter|add|type)\s+(?!.*\b(?:in|into|under|to)\s+the\s+)\S", re.I)
_BARE_PRONOUN = re.compile(r"(?:^|[.!?]\s+)(?:it|them|that|this|those|these)\.(?:\s|$)", re.I)


def _writes_remark(res: ChatResult, remarks: list[str], draft: Draft) -> bool:
    """Whether an edit wrote most of a remark's words (four letters or more) that were not in the draft before; a
    word that names a region of ``draft`` ("stage is blank, put pT2 pN0") says where, and is no remark's word."""
    before = " ".join(e["before"] for e in res.edits).lower()
    after = " ".join(e["after"] for e in res.edits).lower()
    named = {w for region, label in _region_labels(draft).items()
             for w in re.findall(r"[a-z]{4,}", f"{region} {label}".lower().replace("_", " "))}
    for r in remarks:
        words = [w for w in re.findall(r"[a-z]{4,}", r.lower()) if w not in named]
        new = [w for w in words if w in after and w not in before]
        if words and len(new) * 2 >= len(words):
            return True
    return False


def _in_order(parts: list[str], draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult:
    """Each edit clause applied, in order, to the draft the one before left; one change with before/after lines
    for each region. A clause not understood, or one that undoes an earlier clause, applies nothing."""
    if len(parts) == 1:
        return _edit(parts[0], draft, ctx, res, rebuild)
    current, locked, replies, seen = draft, res.impression_locked, [], {}
    for part in parts:
        sub = _edit(part, current, ctx, ChatResult(draft=current, reply="", impression_locked=locked),
                    rebuild and not locked)
        if not (sub.changed and sub.edits):
            res.reply = (f"I did not understand '{part}' in that message, so nothing was changed. "
                         + sub.reply.split("\n")[0])
            return res
        for e in _diff_edits("edit", current, sub.draft):
            if e["region"] in seen and e["after"] == seen[e["region"]]:
                res.reply = (f"'{part}' undoes what the message said before it, so nothing was changed; say the "
                             "edits one at a time.")
                return res
            seen.setdefault(e["region"], e["before"])
        current, locked = sub.draft, sub.impression_locked
        replies.append(sub.reply.split("\n")[0])
    res.draft, res.changed, res.impression_locked = current, True, locked
    res.edits = [e for e in _diff_edits("edit", draft, current) if e["region"]]
    if list(draft.impression) != list(current.impression):
        res.edits.append({"kind": "impression", "region": None, "before": "\n".join(draft.impression),
                          "after": "\n".join(current.impression)})
    res.reply = " ".join(replies) + "\n" + show_changes(res.edits, draft)
    return res


def _graded_and_finding(text: str, reader: Any) -> list[str]:
    """"left eye is severe NPDR, IRMA in 2 quadrants": a grade (a value of a lexicon value group) and, after a
    comma, a finding that supports it are two statements; the finding takes the grade's eye when it says none
    ("IRMA in 2 quadrants in the left eye"). Else ``[text]``."""
    from pixtralogist.agents.chat_values import find_values

    m = re.match(r"^(?P<a>[^,;]+),\s*(?P<b>[^,;]+)$", text.strip())
    if m is None or not reader.value_groups:
        return [text]
    a, b = m.group("a").strip(), m.group("b").strip().rstrip(".")
    if not find_values(reader.expand(a), reader.value_groups) or find_values(reader.expand(b), reader.value_groups) \
            or not reader.names_finding(b) or re.match(r"(?:not|no|with|without|and|but)\b", b, re.I):
        return [text]
    side = reader.attributes(a).laterality
    if side in ("left", "right") and reader.attributes(b).laterality is None \
            and re.search(r"\b(?:eye|od|os)\b", a, re.I):
        b = f"{b} in the {side} eye"
    return [a, b]


def _shares_name(message: str, sentence: str) -> bool:
    """Whether ``message`` names something ``sentence`` states: a word of five letters or more, stemmed, that is
    no size word ("measures")."""
    from pixtralogist.agents.chat_edits import _SIZE_WORDS, _stems

    said = {w for w in _stems(message) if len(w) >= 4} - {w for w in _stems(" ".join(_SIZE_WORDS))}
    return bool(said & _stems(sentence))


def _edit(text: str, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult:
    from pixtralogist.agents.chat_edits import apply_edit
    from pixtralogist.agents.chat_forms import place_alone
    from pixtralogist.agents.chat_free import free_form
    from pixtralogist.agents.chat_imperatives import (cleared_region, imperative_form, in_draft, put_in_region,
                                                      restated_elsewhere)
    from pixtralogist.agents.chat_phrasing import with_unit

    from pixtralogist.agents.chat_merge import (bare_conclusion, plain_opinion, reported, seen_as_there, value_swap,
                                                 without_asides)

    reader = reader_for(draft, ctx.lexicon, ctx.template)
    text = without_asides(text)  # "sorry", "I missed that", "just seen the lateral -": never written (chat_merge)
    text = seen_as_there(plain_opinion(text))  # "saw LVI on the deeper levels": "there is LVI ..."; "I'd call the X moderate, not mild": "the X is moderate, not mild" (chat_merge)
    text = bare_conclusion(text) or text  # "X is there after all, ... - so present": "X is present" (chat_merge)
    if (done := _reported_edit(reported(text), draft, ctx, res, rebuild)) is not None:
        return done  # "she says it's been getting bigger": the patient's report, never a finding (chat_merge)
    swap = value_swap(text, draft, _last_edited(draft, ctx))  # "X, not Y", "no, it's inferotemporal": Y's finding (chat_merge)
    text = with_unit(text, [f.text for f in draft.findings if not f.is_default], _shares_name)
    text = place_alone(text, [f.text for f in draft.findings if not f.is_default], reader) or text  # "parietal"
    text = free_form(text, [f.text for f in draft.findings if not f.is_default], reader.expand) or text  # "X, not Y, on review"
    if (put := put_in_region(text, reader.resolve_region, lambda x: in_draft(x, draft, reader),
                             _region_labels(draft))) is not None:
        return _write_in_region(*put, draft, ctx, res, rebuild)  # "put 'X' in the dermoscopy" (chat_imperatives)
    text, cleared = imperative_form(text, draft, reader)  # "take the X out, <remark>", "add that ..." (chat_imperatives)
    if (done := _course_edit(text, draft, ctx, res, rebuild)) is not None:
        return done  # "say it's partially regressed", "mark the X as stable" (chat_free)
    if (done := _normal_edit(text, draft, ctx, res, rebuild, reader)) is not None:
        return done  # "the macula is normal in both eyes", "normal pleura" (chat_free)
    parts = [p for p in _COMPOUND.split(text) if p.strip()]
    if len(parts) > 1 and not all(reader.read(p) for p in parts):
        parts = [text]
    if len(parts) == 1:
        parts = _graded_and_finding(text, reader)
    current, summaries, impression, results, kinds = draft, [], False, [], []
    if cleared is not None:  # "change the heart to <finding>": the region's normal sentences give way to it
        current = cleared_region(draft, cleared, reader)
    for part in parts:
        edit = reader.read(part)
        # (an impression an earlier part changed, "left eye is severe NPDR, ...", is not rebuilt by a later one)
        result = apply_edit(reader, edit, current, ctx.template, ctx.sorter, rebuild_impression=rebuild and not impression,
                            dictate=ctx.dictate) if edit else None
        results.append(result)
        if result is not None and result.changed:
            current = result.draft
            impression = impression or result.impression_changed
            summaries.append(result.summary)
            kinds.append(edit.kind)
    if cleared is not None and not summaries:
        current = draft  # nothing was written: the normal sentences stay
    if swap is not None and (done := _swapped(swap, text, draft, current, ctx, res, rebuild)) is not None:
        return done
    if current is not draft:  # one lesion drafted into two regions keeps one size (chat_imperatives)
        current = restated_elsewhere(draft, current)
    if current is not draft:
        if rebuild and not impression:
            current = _concluded(draft, current, ctx)
        res.draft, res.changed = current, True
        if impression:
            res.impression_locked = True
            # the findings a turn changed beside the impression are shown (and logged) too
            res.edits = [e for e in _diff_edits("edit", draft, current) if e["region"]] + [
                {"kind": "impression", "region": None, "before": "\n".join(draft.impression),
                 "after": "\n".join(current.impression)}]
        else:
            res.edits = _diff_edits(kinds[0] if len(set(kinds)) == 1 else "edit", draft, current)
        missed = [r.summary for r in results if r is not None and not r.changed]
        res.reply = " ".join(summaries + missed) + "\n" + show_changes(res.edits, draft)
        return res
    result = results[0] if len(results) == 1 else None
    if result is not None and result.understood:
        res.reply = result.summary
        return res
    from pixtralogist.agents.chat_edits import is_history

    if is_history(text):  # the template has no region for history: it is written nowhere, and the reply says so
        res.reply = ("That reads as the patient's history, not a finding of this study; this template has no "
                     "section for history, so nothing was changed. Put it in the case's clinical information.")
        return res
    if ctx.llm is not None:
        return _ask_model(text, draft, ctx, res)
    understood = next((r.summary + " " for r in results if r is not None and r.summary.startswith("I read this as")), "")
    res.reply = (understood + "I could not match that to a finding of this draft, and no language model is configured "
                 "for free-form requests (offline). " + HELP_TEXT)
    return res


#: a side or an eye said in a statement: a swap of its value is the side's (the edit reader's), never the whole
#: sentence's when the sentence is of both sides or of the other one
_SIDE_SAID = re.compile(r"\b(?:left|right|od|os|re|le|lt|rt)\b", re.I)
_SIDES_WRITTEN = re.compile(r"\b(?:both|bilateral|bilaterally|ou|left|right|either)\b", re.I)


def _swapped(swap: Any, said: str, draft: Draft, current: Draft, ctx: ChatContext, res: ChatResult,
             rebuild: bool) -> ChatResult | None:
    """A correction that names its old value, or a bare value after "no," (:func:`chat_merge.value_swap`), when the
    edit reader left the old value stated (it added the new one beside it, or changed nothing): the value is swapped
    in the one finding that states it; when several could be meant and nothing was changed, the clinician is asked
    which. None: the reader's edit stands."""
    from pixtralogist.agents.chat_edits import _replace

    if swap.target is None:  # several findings could be meant: a value said alone is asked about even when the
        # reader picked one (its pick is a guess), a correction naming its old value only when the reader did nothing
        if (current is not draft and not swap.bare) or not swap.candidates or ctx.template is None:
            return None
        named = "; ".join(f"'{f.text}'" for f in swap.candidates[:4])
        res.reply = (f"'{swap.said}' could be said of more than one finding ({named}); nothing was changed. "
                     "Say which one, e.g. 'the <finding> is " + swap.said + "'.")
        return res
    t = swap.target
    if ctx.template is None or (_SIDE_SAID.search(said) and _SIDES_WRITTEN.search(t.text)):
        return None
    if current is not draft and (t.text.strip() not in current.region_text(t.region) or swap.bare and not swap.by_last):
        return None  # the reader changed the sentence itself (or, for a value said alone, anything): its edit stands
    new = draft
    for f in [t] + list(swap.also):
        new = new.model_copy(update={"findings": _replace(new, f, [swap.new_text], f.region, ctx.template)})
    return _settle(draft, list(new.findings), ctx, res, rebuild, kind="edit", region=t.region, lead="Changed {label}.")


def _last_edited(draft: Draft, ctx: ChatContext) -> set[str]:
    """The texts of the findings of ``draft`` that the last change of this chat wrote (none before any change)."""
    if not ctx.history:
        return set()
    try:
        prev = {f.text for f in Draft.model_validate(ctx.history[-1]["draft"]).findings}
    except (KeyError, ValueError, TypeError):
        return set()
    return {f.text for f in draft.findings if f.text not in prev and not f.is_default}


def _reported_edit(sentence: str | None, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool
                   ) -> ChatResult | None:
    """Speech reported from the patient ("she says it's been getting bigger"): written as the patient's report in
    the template's catch-all region (none of the templates has a region for history), shown before/after."""
    if sentence is None or ctx.template is None:
        return None
    region = getattr(ctx.sorter, "catch_all", None) or "others"
    if region not in draft.regions:
        return None
    return _write_in_region(sentence, region, draft, ctx, res, rebuild, kind="edit",
                            lead="Added to {label} as the patient's report (history, not a finding of the study).")


def _concluded(draft: Draft, current: Draft, ctx: ChatContext) -> Draft:
    """``current`` (an edit of ``draft``'s findings) with its impression rebuilt as the chat rebuilds it."""
    if ctx.conclude is not None and current.findings != draft.findings:
        current = current.model_copy(update={"impression": ctx.conclude(list(current.findings),
                                                                        list(draft.impression))})
    if not (getattr(ctx.conclude, "complete", False) and current.findings != draft.findings):
        current = _keep_impression_statements(draft, current, ctx.template)
    return _without_stale_items(draft, current)


def _course_edit(text: str, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult | None:
    """A finding's course said ("say it's partially regressed", "mark the X as stable", "X: increased"): the one
    finding it names ("it": the draft's only finding) is written with it (:mod:`chat_free`); else None."""
    from pixtralogist.agents.chat_edits import _replace, _stems
    from pixtralogist.agents.chat_free import course, with_course

    said = course(text)
    if said is None or ctx.template is None:
        return None
    x, status = said
    found = [f for f in draft.findings if not f.is_default]
    if x != "it":
        want = {w for w in _stems(x) if len(w) >= 3}
        found = [f for f in found if want and want <= _stems(f.text)]
    if len(found) > 1 and x == "it":  # "it": the one abnormal finding the draft states
        found = [f for f in found if f.abnormal and not f.negated]
    if len(found) != 1:
        return None
    target = found[0]
    # a resolved finding named is said resolved by its name ("The pneumothorax has resolved."), its old size and
    # grade no part of what is now said
    new_text = with_course(x if x != "it" and status == "resolved" else target.text, status)
    if new_text.lower() == target.text.strip().lower():
        return None
    return _settle(draft, _replace(draft, target, [new_text], target.region, ctx.template), ctx, res, rebuild,
                   kind="edit", region=target.region, lead=f"Changed {{label}}: {status}.")


def _write_in_region(sentence: str, region: str, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool,
                     *, kind: str = "add", lead: str | None = None) -> ChatResult:
    """``sentence`` written into ``region`` as said (the region's template default gives way to it), the impression
    rebuilt as the chat rebuilds it; shown as one before/after edit of ``kind``, the reply opening with ``lead``
    (default "Added to <region>.")."""
    prov = editing.clinician_provenance(draft)
    terms = ctx.template.finding_terms if ctx.template is not None else ()
    new = editing.make_findings([sentence], region, prov, extra_terms=terms)
    kept = [f for f in draft.findings if not (f.region == region and f.is_default)]
    return _settle(draft, kept + new, ctx, res, rebuild, kind=kind, region=region, lead=lead or "Added to {label}.")


def _settle(draft: Draft, findings: list, ctx: ChatContext, res: ChatResult, rebuild: bool, *, kind: str,
            region: str, lead: str) -> ChatResult:
    """``draft`` with ``findings`` (an edit of its findings), its impression rebuilt as the chat rebuilds it, set on
    ``res`` as one edit of ``kind`` shown before/after; the reply opens with ``lead`` (``{label}``: ``region``'s
    label)."""
    current = editing._with(draft, findings, ctx.template, rebuild_impression=rebuild)
    if rebuild:
        current = _concluded(draft, current, ctx)
    res.draft, res.changed = current, True
    res.edits = _diff_edits(kind, draft, current)
    res.reply = lead.replace("{label}", _region_labels(draft).get(region, region), 1) + "\n" + show_changes(res.edits, draft)
    return res


def _normal_edit(text: str, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool, reader: Any
                 ) -> ChatResult | None:
    """A structure said normal whose region (the one the structure's word names) states nothing but its default
    ("normal pleura", "the macula is normal in both eyes"): the region says it, as said (:mod:`chat_free`); else
    None (a region with a finding is the edit reader's: the finding is denied or changed there)."""
    from pixtralogist.agents.chat_free import normal_structure

    said = normal_structure(text)
    if said is None or ctx.template is None:
        return None
    structure, sentence = said
    region = reader.resolve_region(structure)
    if region in (None, "impression") or any(f.region == region and not f.is_default for f in draft.findings):
        return None
    return _write_in_region(sentence, region, draft, ctx, res, rebuild, kind="edit", lead="Changed {label}.")


def _without_stale_items(before: Draft, after: Draft) -> Draft:
    """``after`` without the impression items that restate, word for word, a finding the turn changed or removed
    ("Mild non-proliferative diabetic retinopathy ... in the right eye." once the finding says "Moderate ..."):
    a rebuilt impression that kept the one before never states the old and the new finding side by side."""
    now = {f.text.strip().lower() for f in after.findings}
    stale = {f.text.strip().lower() for f in before.findings} - now
    items = [i for i in after.impression if i.strip().lower() not in stale]
    if not items or items == list(after.impression):
        return after
    return after.model_copy(update={"impression": items})


def _keep_impression_statements(before: Draft, after: Draft, template: Template | None) -> Draft:
    """``after`` whose rebuilt impression keeps the abnormal statements the impression held that restate no
    finding (a dictated ICDR grade "Mild non-proliferative diabetic retinopathy in the right eye.", a
    recommendation): an edit of the findings never drops what only the impression said. A normal or
    negated statement ("No acute cardiopulmonary abnormality.") is never kept."""
    from pixtralogist.core.nlp import analyze

    def restates(item: str) -> bool:
        low = item.lower()
        return any(f.text.strip().rstrip(".").lower() in low for f in before.findings if f.text.strip())

    from pixtralogist.agents.chat_free import _NORMAL

    terms = tuple(template.finding_terms) if template is not None else ()
    normal = template.impression.normal if template is not None else None
    # a diagnosis or plan the lexicon does not know ("Pitted keratolysis.", "Topical clindamycin.") is kept as an
    # abnormal statement is: only a normal statement (normal words, the template's normal text) or a denial goes
    kept = [i for i in before.impression if i not in after.impression and not restates(i) and i != normal
            and not (a := analyze(i, extra_terms=terms)).negated
            and (a.abnormal or not re.search(rf"\b{_NORMAL}\b", i, re.I))]
    if not kept:
        return after
    rest = [i for i in after.impression if i != normal]
    return after.model_copy(update={"impression": kept + rest})


def chat_model(config: Any) -> Callable[[str], str] | None:
    """prompt -> answer of an OpenAI-compatible model when ``config`` (a ModelConfig) names one; else None."""
    if getattr(config, "backend", None) != "openai" or not getattr(config, "endpoint", None):
        return None
    from pixtralogist.core.backends.openai_backend import OpenAIBackend

    backend = OpenAIBackend(config)
    return lambda prompt: backend.complete_text(prompt, max_new_tokens=min(config.max_new_tokens, 512))


def impression_builder(drafter: Any, template: Template) -> Callable[[list[Finding]], list[str]] | None:
    """findings -> impression items by the specialty drafter's own rules, when its drafter has them (an
    ``impression(findings, template)`` method: the pathology final-diagnosis lines, "Tumor size: 2.3 cm."), so
    that an edit rebuilds the impression as the drafter wrote it; None: core's generic builder (the abnormal
    findings in region order, which is what the other drafters write from findings alone)."""
    redo = getattr(drafter, "reconclude", None)
    if callable(redo):
        # the drafter rebuilds the whole impression from the edited findings and the one before the edit (the
        # ophthalmology ICDR grades: a grade the edit made untrue goes, none is stated twice)
        def rebuild(findings: list[Finding], previous: list[str] = ()) -> list[str]:
            return list(redo(findings, template, list(previous)))
        rebuild.complete = True  # type: ignore[attr-defined]
        return rebuild
    impression = getattr(drafter, "impression", None)
    if not callable(impression):
        return None
    return lambda findings, previous=(): list(impression(findings, template))


def dictation_reader(drafter: Any, case: Any, template: Template) -> Callable[[str], list[tuple[str, str]]]:
    """statement -> ``[(region, sentence)]``: the specialty's offline drafter reads it as dictation."""
    def dictate(text: str) -> list[tuple[str, str]]:
        d = drafter.draft(case.model_copy(update={"notes": text, "indication": ""}), template)
        return [(f.region, f.text) for f in d.findings if not f.is_default]
    return dictate


_LLM_PROMPT = """You edit a clinical report draft for the clinician. Regions (name: current text):
{regions}
Impression: {impression}

The clinician wrote: "{message}"

If this asks to change the findings, answer with JSON only: {{"region": "<region name>", "text": "<the region's new full text>"}}.
Otherwise answer with JSON only: {{"reply": "<a short answer>"}}. Never invent findings the clinician did not state."""


def _ask_model(text: str, draft: Draft, ctx: ChatContext, res: ChatResult) -> ChatResult:
    """A free-form turn for the configured language model: its edit is proposed, not applied."""
    import json

    from pixtralogist.core.errors import PixtralogistError

    regions = "\n".join(f"- {r} ({draft.region_labels.get(r, r)}): {t or '(empty)'}" for r, t in draft.region_dict().items())
    prompt = _LLM_PROMPT.format(regions=regions, impression=" ".join(draft.impression), message=text)
    try:
        raw = ctx.llm(prompt)
    except PixtralogistError as exc:
        res.reply = f"The language model could not be reached ({exc}); nothing was changed. " + HELP_TEXT
        return res
    m = re.search(r"\{.*\}", raw or "", re.S)
    try:
        data = json.loads(m.group()) if m else {}
    except ValueError:
        data = {}
    region = data.get("region") if isinstance(data, dict) else None
    if isinstance(region, str) and region in draft.regions and isinstance(data.get("text"), str):
        new_text = clean_text(ensure_plain_text(data["text"], "The model's proposed text"))
        res.proposal = {"region": region, "text": new_text}
        label = draft.region_labels.get(region, region)
        res.reply = (f"Proposed by the language model (not applied yet):\n- {label}: "
                     f"\u201c{draft.region_dict()[region] or '(empty)'}\u201d \u2192 \u201c{new_text or '(empty)'}\u201d\n"
                     "Reply 'yes' to apply it or 'no' to discard it.")
    elif isinstance(data, dict) and isinstance(data.get("reply"), str):
        res.reply = "Language model (unverified): " + clean_text(data["reply"])
    else:
        res.reply = "The language model gave no usable answer; nothing was changed. " + HELP_TEXT
    return res


def _confirm(draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult:
    p = ctx.proposal or {}
    region = p.get("region")
    if region not in draft.regions:
        res.reply = "There is no proposed change to apply."
        return res
    new = editing.replace_region(draft, region, p.get("text", ""), ctx.template, rebuild_impression=rebuild)
    res.draft, res.changed = new, True
    res.edits = _diff_edits("model_edit", draft, new)
    res.reply = "Applied the proposed change.\n" + show_changes(res.edits, draft)
    return res


def _rewrite(intent: Intent, draft: Draft, ctx: ChatContext, res: ChatResult, rebuild: bool) -> ChatResult:
    if intent.region == "impression":
        if not intent.arg:
            res.reply = "Give the new impression, e.g. 'rewrite impression: small left pleural effusion'."
            return res
        new = editing.set_impression(draft, intent.arg)
        res.draft, res.changed, res.impression_locked = new, True, True
        res.edits = [{"kind": "impression", "region": None, "before": "\n".join(draft.impression),
                      "after": "\n".join(new.impression)}]
        res.reply = "Impression replaced."
        return res
    region = intent.region
    label = _region_labels(draft)[region]
    before = draft.region_dict()[region]
    if intent.arg:
        new = editing.replace_region(draft, region, intent.arg, ctx.template, rebuild_impression=rebuild)
        res.reply = f"{label} rewritten: {new.region_dict()[region]}"
    elif ctx.original is not None:
        kept = [f for f in draft.findings if f.region != region]
        restored = [f for f in ctx.original.findings if f.region == region]
        new = editing._with(draft, kept + restored, ctx.template, rebuild_impression=rebuild)
        res.reply = (f"{label} restored to the AI draft: {new.region_dict()[region] or '(empty)'}. "
                     f"To replace it, type 'rewrite {region}: <text>'.")
    else:
        res.reply = f"Give the new text, e.g. 'rewrite {region}: <text>'."
        return res
    res.draft, res.changed = new, new.region_dict()[region] != before
    if res.changed:
        res.edits = [{"kind": "rewrite", "region": region, "before": before, "after": new.region_dict()[region]}]
    return res


# --- questions -------------------------------------------------------------------

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(mm|cm)\b", re.I)
_RANGE = re.compile(
    # "mm" as a length only: "100 mm3" is a volume and must not read as "under 100 mm".
    r"(?:(?P<lo>\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(?P<hi>\d+(?:\.\d+)?)\s*mm(?![0-9³]))"
    r"|(?:(?P<lt>under|below|less than|smaller than|<)\s*(?P<ltv>\d+(?:\.\d+)?)\s*mm(?![0-9³]))"
    r"|(?:(?P<gt>over|above|more than|larger than|greater than|>=?|at least)\s*(?P<gtv>\d+(?:\.\d+)?)\s*mm(?![0-9³]))",
    re.I,
)


def _size_mm(text: str) -> float | None:
    m = _SIZE.search(text)
    if not m:
        return None
    v = float(m.group(1))
    return v * 10 if m.group(2).lower() == "cm" else v


def size_matches(snippet_text: str, size: float) -> bool:
    """Whether a snippet states a size range that contains ``size`` (mm)."""
    for m in _RANGE.finditer(snippet_text):
        if m.group("lo") and float(m.group("lo")) <= size <= float(m.group("hi")):
            return True
        if m.group("lt") and (size < float(m.group("ltv")) or (m.group("lt") == "<" and size < float(m.group("ltv")))):
            return True
        if m.group("gt"):
            v, op = float(m.group("gtv")), m.group("gt").lower()
            if size > v or (op in (">=", "at least") and size >= v):
                return True
    return False


def _cite(c: Citation) -> str:
    return f"{c.snippet.text} [{c.snippet.id}; {c.snippet.source}]"


def answer(question: str, draft: Draft, ctx: ChatContext) -> tuple[str, list[str]]:
    """Answer from flags and guideline snippets only; say so when nothing relevant is found."""
    q = question.lower()
    if re.search(r"\bflag|\bwarn|\balert", q) or q.startswith("why"):
        about = _about_words(question)
        matched = _flags_about(question, draft, ctx.flags)
        if matched:
            return explain_flags(matched, draft, ctx)
        if re.search(r"\bflag|\bwarn|\balert", q):
            topic = " ".join(about) or "that"
            others = len(ctx.flags)
            tail = (f" This draft has {others} other flag{'s' if others != 1 else ''}; ask 'why is <topic> flagged?' "
                    "about one of them.") if others else " This draft has no flags."
            return f"Nothing about {topic} is flagged on this draft.{tail}", []
    pointed = _pointed_finding(question, draft)
    hits = ctx.search(f"{question} {pointed}" if pointed else question, None)
    from pixtralogist.agents.chat_guidelines import asked_size

    size = asked_size(question) or _size_mm(question) or (_size_mm(pointed) if pointed else None)
    named = _named_sources(question, hits)
    # A guideline the question names ("what does Fleischner say") comes first, then the snippet
    # whose size range holds the size asked about, then semantic similarity.
    if named:  # answer from the guideline asked about only
        hits = [c for c in hits if _names_source(c, named)]
    hits = sorted(hits, key=lambda c: (
        size is not None and not size_matches(c.snippet.text, size),
        -(c.score or 0.0),
    ))
    # only retrieved snippets carry a similarity; the search returns nothing else
    hits = [c for c in hits if c.score is not None and c.score >= 0.25]
    if hits:
        from pixtralogist.agents.chat_guidelines import none_covers, relevant, uncovered_name

        # the nearest snippets are quoted only when one is about the question's subject (a key term shared)
        if not (hits := relevant(question, hits)):
            return none_covers(question), []
        if (name := uncovered_name(question, [c.snippet for c in hits])) is not None:
            return none_covers(name), []  # "which Lung-RADS category ...": a snippet of another scheme is no answer
    hits = hits[:3]
    if not hits:
        return ("I found no guideline snippet that answers this. The offline assistant answers only from the "
                "installed guideline snippets; please consult the source guideline."), []
    lines = [f"{i}. {_cite(c)}" for i, c in enumerate(hits, 1)]
    return "From the guideline snippets (verify against the source):\n" + "\n".join(lines), [c.snippet.id for c in hits]


def _pointed_finding(question: str, draft: Draft) -> str:
    """The draft sentence a guideline question points at ("what does Fleischner say about this nodule?" ->
    "9 mm solid nodule in the left lower lobe."), so the answer is about its size and kind; "" when the
    question points at nothing of the draft."""
    if not re.search(r"\b(?:this|these|that|the|our|my|here)\b", question, re.I):
        return ""
    def words(text: str) -> set[str]:
        return {w[:-1] if w.endswith("s") and len(w) > 4 else w for w in re.findall(r"[a-z]{4,}", text.lower())}
    asked = words(question) - _NOT_POINTING
    for f in draft.findings:
        if not f.is_default and not f.negated and asked & words(f.text):
            return f.text
    return ""


#: Words of a guideline question that name no finding ("what does the guideline recommend for this one?").
_NOT_POINTING = frozenset("what does should would could recommend recommendation suggest guideline guidelines say "
                          "about this these that there here with from into have follow followup next management "
                          "manage need needs patient risk high which when where tell explain mean means".split())


def _source_words(c: Citation) -> set[str]:
    return set(re.findall(r"[a-z]{3,}", f"{c.snippet.id} {c.snippet.source}".lower()))


def _named_sources(question: str, hits: list[Citation]) -> set[str]:
    """Words of the question that name a source among the hits (e.g. 'fleischner', 'bts', 'acr')."""
    q = set(re.findall(r"[a-z]{3,}", question.lower())) - _QUESTION_WORDS
    return {w for c in hits for w in _source_words(c) & q}


def _names_source(c: Citation, named: set[str]) -> bool:
    return bool(_source_words(c) & named)


_QUESTION_WORDS = frozenset({"what", "does", "say", "says", "for", "the", "and", "with", "about", "how", "which",
                             "when", "should", "nodule", "nodules", "size", "follow", "guideline", "guidelines"})


_NOT_ABOUT = frozenset({"flag", "flags", "flagged", "why", "this", "that", "what", "does", "is", "are", "the", "was",
                        "about", "warning", "warned", "alert", "there", "any", "a", "an", "of", "on", "it", "so",
                        "anything", "something", "being", "getting"}
                       # the ways of asking why a flag is there: "what triggered the flag on ...", "how come the
                       # nodule got a flag", "what's behind the warning for ...", "what caused the alert about ..."
                       | frozenset("triggered trigger triggers caused cause causes made make makes raised raise "
                                   "raises prompted prompt led lead behind reason reasons for how come did get got "
                                   "gets gave give given has have had you your whats what's explain tell me us with "
                                   "here set put came up shows showing shown was were been mean means meaning "
                                   "alerts alerted warnings flagging off".split()))


#: Words naming the case's one lesion, tumour or specimen as a whole rather than one finding of it: a flag
#: question about them alone is about every flag of the draft.
_THE_CASE = frozenset("lesion lesions tumour tumor tumours tumors mass specimen case report draft finding findings "
                      "one thing things".split())


def _about_words(question: str) -> list[str]:
    from pixtralogist.core.spelling import matching_form

    short = {w.lower() for w in re.findall(r"\b[A-Z]{2}\b", question)}  # "ER", "AV", "PR": an abbreviation said
    return [w for w in re.findall(r"[a-z0-9-]+", matching_form(question))
            if (len(w) > 2 or w in short) and w not in _NOT_ABOUT]


def _flag_text(fl: Flag, draft: Draft) -> str:
    by_id = {f.id: f for f in draft.findings}
    finding = by_id.get(fl.finding_id or "")
    # a flag on a finding is about the finding's region too ("why is the macula flagged?")
    region = fl.region or (finding.region if finding is not None else "")
    label = draft.region_labels.get(region, "") if region else ""
    from pixtralogist.core.spelling import matching_form

    return matching_form(" ".join([fl.message, fl.code.replace("-", " "), region.replace("_", " "), label,
                                   finding.text if finding is not None else ""]))


#: An attribute a flag question names and the words a flag's message says it in ("why is the size flagged?" for
#: "D (diameter > 6 mm: 8 mm)"; "the colour" for "C (multiple colours)"; "the shape" for "A (asymmetry)").
_FLAG_TOPICS = {
    "size": ("diameter", "dimension", "measur", "mm", "cm"), "diameter": ("size", "dimension", "mm"),
    "measurement": ("size", "diameter", "mm", "cm"), "dimension": ("size", "diameter"),
    "colour": ("color", "pigment"), "color": ("colour", "pigment"), "pigment": ("colour", "color"),
    "shape": ("asymmetr", "symmetr", "contour"), "symmetry": ("asymmetr",), "asymmetry": ("asymmetr",),
    "edge": ("border", "margin"), "border": ("edge", "margin"), "outline": ("border",),
    "side": ("laterality", "left", "right"), "laterality": ("side", "left", "right"),
    "grade": ("level", "stage", "icdr"), "stage": ("ptnm", "pt", "grade"), "level": ("grade", "icdr"),
    "growth": ("evolv", "grow", "enlarg", "chang"), "change": ("evolv", "grow", "enlarg"),
}


def _flags_about(question: str, draft: Draft, flags: list[Flag]) -> list[Flag]:
    """The flags whose message, rule, region or finding names a word of the question (all when it names none)."""
    words = _about_words(question)
    # "why is the retinal detachment flagged?": a flag naming only the modifier ("Retinal vessels") is not about it;
    # the words that name the thing (not a describing word: -al, -ar, -ic, -ous, -ive, -ed) must match
    named = [w for w in words if not (len(w) > 4 and re.search(r"(?:al|ar|ic|ous|ive|ed)$", w))]
    if named and len(named) < len(words):
        # "adrenal lesion flag": where the named words are only the case's generic ones ("lesion"), an organ's
        # adjective (-al, -ar, -ic: "adrenal", "renal", "hepatic") is what the question is about; a describing
        # participle ("pigmented lesion") leaves the question about the case
        organ = [w for w in words if w not in named and re.search(r"(?:al|ar|ic)$", w)]
        words = organ if organ and all(w in _THE_CASE for w in named) else named
    out = []
    for fl in flags:
        text = _flag_text(fl, draft)
        stems = {w.rstrip("s") for w in words}
        stems |= {t for w in stems for t in _FLAG_TOPICS.get(w, ())}  # "the size": "diameter > 6 mm"
        # (a two-letter abbreviation is a whole word of the flag: "ER" never matches "erythema")
        if not words or any(re.search(r"(?<![a-z0-9])" + re.escape(w) + (r"(?![a-z])" if len(w) < 3 else ""), text)
                            for w in stems):
            out.append(fl)
    if not out and words and all(w in _THE_CASE for w in words):
        out = list(flags)  # "why is the lesion flagged?": the lesion is the case itself, so every flag on it
    return [f for f in out if f.severity != "info"] or out


def explain_flags(flags: list[Flag], draft: Draft, ctx: ChatContext) -> tuple[str, list[str]]:
    """Each flag: its message, the rule, what it read from the draft and the snippet behind it."""
    from pixtralogist.core.nlp import parse_size_mm
    from pixtralogist.core.concepts import laterality_of

    by_id = {f.id: f for f in draft.findings}
    lines, sources = [], []
    for fl in flags:
        lines.append(f"- [{fl.severity}] {fl.message}")
        lines.append(f"  Rule: {fl.code}")
        f = by_id.get(fl.finding_id or "")
        if f is not None:
            label = draft.region_labels.get(f.region, f.region)
            values = []
            if f.size_mm is not None or parse_size_mm(f.text) is not None:
                values.append(f"size {f.size_mm if f.size_mm is not None else parse_size_mm(f.text):g} mm")
            side = f.laterality or laterality_of(f.text)
            if side:
                values.append(f"side {side}")
            values.append("negated" if f.negated else "uncertain" if f.uncertain else "stated as present")
            lines.append(f"  Read from the draft ({label}): \u201c{f.text}\u201d ({', '.join(values)})")
        elif fl.region:
            label = draft.region_labels.get(fl.region, fl.region)
            lines.append(f"  Read from the draft ({label}): \u201c{draft.region_dict().get(fl.region, '') or '(empty)'}\u201d")
        for sid in fl.snippet_ids:
            cit = next((c for c in ctx.citations.get(fl.finding_id or "", []) if c.snippet.id == sid), None) \
                or next((c for cs in ctx.citations.values() for c in cs if c.snippet.id == sid), None)
            if cit is not None:
                lines.append(f"  Source (cited by rule {fl.code}): {_cite(cit)}")
            sources.append(sid)
    return "Flags on this draft that match your question:\n" + "\n".join(lines), sources
