"""The clinician's chat in review: edit commands and guideline questions (offline).

``parse_intent`` is a pure function from a message to an :class:`Intent`;
``handle`` applies it to a draft and writes the reply. Notes and messages are
data: nothing in them changes how the assistant behaves beyond the listed
commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Literal

from pixtralogist.agents.types import Citation
from pixtralogist.core import editing
from pixtralogist.core.models import Draft, Flag, Template
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.core.text import clean_text, ensure_plain_text

IntentKind = Literal["add", "remove", "rewrite", "shorter", "sign", "question", "help", "unknown"]


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    arg: str = ""
    region: str | None = None


_ADD = re.compile(r"^(?:please\s+)?(?:add|insert|include|also)\s*:?\s+(?P<arg>.+)$", re.I | re.S)
_REMOVE = re.compile(r"^(?:please\s+)?(?:remove|delete|drop|take out|strike)\s*:?\s+(?P<arg>.+)$", re.I | re.S)
_REWRITE = re.compile(
    r"^(?:please\s+)?(?:rewrite|replace|change|set)\s+(?:the\s+)?(?P<region>[a-z ]+?)(?:\s+region)?"
    r"(?:\s*(?::|\bas\b|\bto\b|\bwith\b)\s*(?P<arg>.+))?$",
    re.I | re.S,
)
_SHORTER = re.compile(r"^(?:please\s+)?(?:make\s+(?:the\s+)?)?(?:shorter|shorten|briefer|condense)\s*(?:the\s+)?impression\b|^(?:make\s+)?(?:the\s+)?impression\s+shorter", re.I)
_SIGN = re.compile(r"^(?:please\s+)?sign(?:\s+(?:it|the report|off))?(?:\s+(?:as|by)\s+(?P<arg>.+))?\s*\.?$", re.I)
_HELP = re.compile(r"^(?:help|\?|commands?)\s*$", re.I)
_QUESTION = re.compile(r"\?\s*$|^(?:why|what|how|which|when|where|who|does|do|is|are|should|can|could|explain|tell me)\b", re.I)

HELP_TEXT = (
    "Commands: 'add <finding>', 'remove <finding>', 'rewrite <region>: <text>', 'shorter impression', "
    "'sign as <name>'. Or ask a question, e.g. 'why is the nodule flagged?' or "
    "'what does Fleischner say for 7 mm?'."
)


def parse_intent(message: str, regions: dict[str, str]) -> Intent:
    """Classify a clinician message. ``regions`` maps region names to labels (for 'rewrite heart')."""
    text = clean_text(message)
    if not text:
        return Intent("unknown")
    if _HELP.match(text):
        return Intent("help")
    if m := _SIGN.match(text):
        return Intent("sign", (m.group("arg") or "").strip().rstrip("."))
    if _SHORTER.search(text):
        return Intent("shorter")
    if m := _REWRITE.match(text):
        region = resolve_region(m.group("region"), regions)
        if region is not None:
            return Intent("rewrite", (m.group("arg") or "").strip(), region)
    if _QUESTION.search(text):
        return Intent("question", text)
    if m := _ADD.match(text):
        return Intent("add", m.group("arg").strip())
    if m := _REMOVE.match(text):
        return Intent("remove", re.sub(r"^(?:the|a|an)\s+", "", m.group("arg").strip(), flags=re.I))
    return Intent("unknown", text)


_REGION_ALIASES = {
    "lungs": "lung", "pleura": "lung", "pulmonary": "lung", "cardiac": "heart", "cardiac silhouette": "heart",
    "mediastinum": "mediastinal", "hila": "mediastinal", "hilum": "mediastinal", "bones": "bone",
    "osseous": "bone", "skeleton": "bone", "other": "others", "misc": "others", "impression": "impression",
}


def resolve_region(word: str, regions: dict[str, str]) -> str | None:
    w = word.strip().lower()
    if w in regions:
        return w
    for name, label in regions.items():
        if w == label.lower() or w == name.rstrip("s"):
            return name
    alias = _REGION_ALIASES.get(w)
    if alias == "impression":
        return "impression"
    return alias if alias in regions else None


@dataclass
class ChatContext:
    template: Template
    sorter: RegionSorter | None
    flags: list[Flag]
    citations: dict[str, list[Citation]]
    search: Callable[[str, str | None], list[Citation]]
    original: Draft | None = None
    impression_locked: bool = False


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


#: Commands that write the message's text into the report, and what the refusal calls that text.
_WRITES = {"add": "The finding to add", "rewrite": "The new text", "sign": "The signer's name"}


def _region_labels(draft: Draft) -> dict[str, str]:
    return {r: draft.region_labels.get(r, r) for r in draft.regions}


def handle(message: str, draft: Draft, ctx: ChatContext) -> ChatResult:
    """Apply one clinician message to ``draft``."""
    intent = parse_intent(message, _region_labels(draft))
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
    elif intent.kind == "add":
        new, regions = editing.add_statement(draft, intent.arg, ctx.template, ctx.sorter, rebuild_impression=rebuild)
        before = draft.region_dict()
        after = new.region_dict()
        res.draft, res.changed = new, True
        res.edits = [{"kind": "add", "region": r, "before": before[r], "after": after[r]} for r in regions]
        labels = ", ".join(_region_labels(draft)[r] for r in regions)
        res.reply = f"Added to {labels}: {' '.join(after[r] for r in regions)}"
    elif intent.kind == "remove":
        new, gone = editing.remove_matching(draft, intent.arg, ctx.template, rebuild_impression=rebuild)
        if not gone:
            res.reply = f"No finding matches '{intent.arg}'. Nothing was removed."
        else:
            before, after = draft.region_dict(), new.region_dict()
            regions = sorted({f.region for f in gone}, key=draft.regions.index)
            res.draft, res.changed = new, True
            res.edits = [{"kind": "remove", "region": r, "before": before[r], "after": after[r]} for r in regions]
            res.reply = "Removed: " + " ".join(f"'{f.text}'" for f in gone)
    elif intent.kind == "rewrite":
        res = _rewrite(intent, draft, ctx, res, rebuild)
    elif intent.kind == "shorter":
        new = editing.shorten_impression(draft)
        res.draft, res.changed, res.impression_locked = new, True, True
        res.edits = [{"kind": "impression", "region": None, "before": "\n".join(draft.impression),
                      "after": "\n".join(new.impression)}]
        res.reply = "Impression shortened: " + " ".join(new.impression)
    elif intent.kind == "question":
        res.reply, res.sources = answer(intent.arg, draft, ctx)
    else:
        res.reply = "I did not recognise that as a command or a question. " + HELP_TEXT
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
    if "flag" in q or q.startswith("why"):
        matched = _flags_about(question, draft, ctx.flags)
        if matched:
            lines, sources = [], []
            for f in matched:
                lines.append(f"- [{f.severity}] {f.message}")
                for sid in f.snippet_ids:
                    cit = next((c for c in ctx.citations.get(f.finding_id or "", []) if c.snippet.id == sid), None) \
                        or next((c for cs in ctx.citations.values() for c in cs if c.snippet.id == sid), None)
                    if cit is not None:
                        lines.append(f"  Source (cited by rule {f.code}): {_cite(cit)}")
                    sources.append(sid)
            return "Flags on this draft that match your question:\n" + "\n".join(lines), sources
    hits = ctx.search(question, None)
    size = _size_mm(question)
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
    hits = [c for c in hits if c.score is not None and c.score >= 0.25][:3]
    if not hits:
        return ("I found no guideline snippet that answers this. The offline assistant answers only from the "
                "installed guideline snippets; please consult the source guideline."), []
    lines = [f"{i}. {_cite(c)}" for i, c in enumerate(hits, 1)]
    return "From the guideline snippets (verify against the source):\n" + "\n".join(lines), [c.snippet.id for c in hits]


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


def _flags_about(question: str, draft: Draft, flags: list[Flag]) -> list[Flag]:
    words = {w for w in re.findall(r"[a-z]+", question.lower()) if len(w) > 3} - {"flag", "flagged", "why", "this", "that", "what", "does"}
    by_id = {f.id: f for f in draft.findings}
    out = []
    for fl in flags:
        text = fl.message.lower() + " " + (by_id[fl.finding_id].text.lower() if fl.finding_id in by_id else "")
        if not words or any(w in text or w.rstrip("s") in text for w in words):
            out.append(fl)
    return [f for f in out if f.severity != "info"] or out
