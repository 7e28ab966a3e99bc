"""Dictation fidelity and chat edits: does the draft keep every dictated fact, in its region?

Two hand-written development sets, frozen in a commit before this scorer was first run
against the drafter (issue 13):

* ``benchmarks/data/dictation_dev.yaml``: 208 shorthand dictations over the four
  specialties (radiology: chest radiograph, CT chest, brain MRI; dermatology;
  ophthalmology: fundus, OCT angiography; pathology: breast resection), each with the
  facts the draft must state and where (the file's header defines the fact format);
* ``benchmarks/data/chat_dev.yaml``: 66 clinician chat turns (statements, imperatives,
  undo, flag questions, guideline questions, turns that must change nothing), each with
  its expected effect.

About 30% of the rows of each set are ``split: holdout`` (``int(sha1(id), 16) % 10 < 3``):
report tuning figures on them as rows not tuned on.

Every dictation is drafted with the built-in plugins' configured drafter (the offline
dictation drafter by default; no site configuration, no third-party plugins, no network)
exactly as ``pixtralogist draft`` does after routing (``host.drafter(...).draft(case,
template)``). Every chat turn goes through :class:`pixtralogist.agents.service.ReportingService`
(``start`` then ``message``) with a temporary data directory. One service serves every turn
(its guideline index and embedder are built once, as in the app); each turn starts a new case,
so no turn sees another's draft, flags or undo history. Nearly all of a turn's time is the
guideline retrieval the agent runs after drafting and after each edit (the chat's own reading
of the message takes milliseconds); the first turn of each specialty also indexes its snippets.

Terms match whole words after normalisation (see :func:`normalize`); a term's last word also
matches its regular plural ("papule" matches "papules", "opacity" "opacities"), since a fact
names a concept, not a count.

A fact is **correct** when one sentence of its region states it (all term groups, none of
the forbidden terms, the right polarity); **misplaced** when a sentence of another region
states it; **distorted** when its concept is in the draft but not as dictated (a qualifier
lost or wrong, negated, ...); **lost** when its concept is nowhere in the draft. Template
default statements (``is_default``) never count as stating a dictated fact.

An **orphaned fragment** is a sentence of a findings region (any region, "Other" included;
not template defaults) that names the concept of none of the item's facts (indication facts
aside) and whose words
are all qualifiers, numbers and units, demographics, clinical-question words, generic nouns
("lesion", "finding") or stop words: "Mild.", "65m sob.", "Lesion.".

**Not placed** counts the drafter's own list of dictation it could not place
(``Draft.not_placed``, shown to the clinician as "not placed: ..."; a model with ``unplaced``
instead is read the same way). It is reported, not scored: a fact whose words are only there
counts as lost, and the column is no target.

A chat turn is **correct** when every expectation holds; a **wrong edit** when the draft
changed but not as expected (or changed when it must not); a **wrong answer** when the draft
was rightly left alone but the reply misses what it must say; **not understood** when an
expected change did not happen, or when the reply to a statement, imperative or undo says the
message was not understood (even if the draft already read as asked); **setup failed** when an earlier message the turn builds on
(for undo) did not change the draft. A wrong edit is **silent** when the reply names neither
the region it changed nor the text it added or removed.

Targets: >= 98% of facts correct, 0 orphaned fragments, >= 95% of chat turns correct,
0 wrong edits applied silently. Exits 1 when a target is missed, 2 when a data file is invalid.

    python benchmarks/dictation.py [--dictation PATH] [--chat PATH] [--errors N] [--skip-chat] [--skip-dictation]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

DATA = Path(__file__).resolve().parent / "data"
DICTATION_SET = DATA / "dictation_dev.yaml"
CHAT_SET = DATA / "chat_dev.yaml"

TARGET_FACTS = 0.98
TARGET_ORPHANS = 0
TARGET_CHAT = 0.95
TARGET_SILENT = 0

#: How each template's cases are presented (modality, body part), as their DICOM headers would.
TEMPLATE_CASE = {
    "cxr": ("radiology", "CR", "CHEST"),
    "ct_chest": ("radiology", "CT", "CHEST"),
    "mri_brain": ("radiology", "MR", "BRAIN"),
    "skin_lesion": ("dermatology", "XC", "SKIN"),
    "fundus": ("ophthalmology", "OP", "EYE"),
    "octa": ("ophthalmology", "OPT", "EYE"),
    "breast-resection": ("pathology", "SM", "BREAST"),
}
SPECIAL_REGIONS = ("impression", "indication")
INDICATION_FIELDS = ("indication", "clinical_information", "history")
UNPLACED_FIELDS = ("unplaced", "not_placed")


def split_of(item_id: str) -> str:
    """The fixed split rule: holdout when ``int(sha1(id), 16) % 10 < 3``."""
    return "holdout" if int(hashlib.sha1(item_id.encode("utf-8")).hexdigest(), 16) % 10 < 3 else "dev"


# --- text normalisation and sentences -------------------------------------------------------

_NUM_UNIT = re.compile(r"(\d)([a-zµ])")
_TIMES = re.compile(r"(\d)\s*[x×]\s*(?=\d)")
_PUNCT = re.compile(r"[-–/()\[\]_,:;'\"’`*=<>]")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower case; "+" -> " positive"; hyphens, slashes, brackets, commas, quotes -> spaces;
    "4.1cm" -> "4.1 cm"; "6x5" -> "6 x 5"; a full stop that is not a decimal point -> space."""
    t = str(text).lower().replace("+", " positive ")
    t = _TIMES.sub(r"\1 x ", t)
    t = _PUNCT.sub(" ", t)
    t = re.sub(r"\.(?!\d)", " ", t)
    t = re.sub(r"[!?]", " ", t)
    t = _NUM_UNIT.sub(r"\1 \2", t)
    return _SPACES.sub(" ", t).strip()


_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_ABBREV = re.compile(r"(?:\b(?:dr|mr|mrs|ms|vs|approx|e\.g|i\.e|st|no|fig|cf)|\b[a-z])\.$", re.I)


def sentences(text: str) -> list[str]:
    """Split text into sentences on ., ! or ? followed by white space (any case), and newlines;
    not after common abbreviations or a single letter ("e.g.", "vs.")."""
    out: list[str] = []
    for chunk in _SPLIT.split(text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        if out and _ABBREV.search(out[-1]):
            out[-1] = f"{out[-1]} {chunk}"
        else:
            out.append(chunk)
    return out


def _term_re(term: str) -> re.Pattern[str]:
    """A term as whole words; its last word also matches its regular English plural ("papule" ->
    "papules", "opacity" -> "opacities"): a fact names a concept, and a sentence that states it in
    the plural ("Papules and plaques.") states it. Only words of three letters or more ("od" stays "od")."""
    norm = normalize(term)
    body = re.escape(norm)
    last = norm.rsplit(" ", 1)[-1]
    if last.isalpha() and len(last) >= 3:
        if last.endswith("y") and last[-2] not in "aeiou":
            body = re.escape(norm[:-1]) + "(?:y|ies)"
        elif not last.endswith("s"):
            body += "(?:s|es)?"
    return re.compile(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")


_RE_CACHE: dict[str, re.Pattern[str]] = {}


def find_term(term: str, norm_sentence: str) -> list[int]:
    """Start offsets of ``term`` (whole words, normalised) in a normalised sentence."""
    pat = _RE_CACHE.get(term)
    if pat is None:
        pat = _RE_CACHE[term] = _term_re(term)
    if not normalize(term):
        return []
    return [m.start() for m in pat.finditer(norm_sentence)]


# --- negation ---------------------------------------------------------------------------------

_NEG_BEFORE = re.compile(
    r"(?<![a-z])(no|not|without|negative for|free of|absence of|absent|neither|nor|resolved|ruled out|"
    r"rule out|excluded|never)(?![a-z])")
_NEG_AFTER = re.compile(
    r"^\s*(?:is |are |was |were |has |have )?(?:been )?(?:not (?:seen|identified|present|detected|demonstrated|"
    r"visualized|visualised|evident|noted)|absent|resolved|excluded|negative)(?![a-z])")
_CLAUSE = re.compile(r"(?<![a-z])(but|however|although|though|whereas|with|which|while)(?![a-z])|[.;]")


def is_negated(norm_sentence: str, pos: int, end: int) -> bool:
    """Whether the mention at ``pos..end`` is denied: a negation cue earlier in its clause
    ("no", "without", "negative for", ...) or a denial right after it ("... not identified")."""
    before = norm_sentence[:pos]
    cut = max((m.end() for m in _CLAUSE.finditer(before)), default=0)
    if _NEG_BEFORE.search(before[cut:]):
        return True
    after = norm_sentence[end:]
    # a denial within the next few words of the mention ("lymphovascular invasion not identified")
    window = " ".join(after.split()[:5])
    return bool(re.search(r"(?<![a-z])(not (?:seen|identified|present|detected|demonstrated|visualized|"
                          r"visualised|evident|noted)|absent|excluded)(?![a-z])", window)) or bool(_NEG_AFTER.match(after))


# --- the data -----------------------------------------------------------------------------------


class DataError(ValueError):
    """A development-set file does not follow its format."""


@dataclass(frozen=True)
class Fact:
    """One fact the draft must state: ``groups`` (the first is the concept) in one sentence of
    ``region``, none of ``forbidden``, with ``polarity``; or any of ``alts`` instead."""

    region: str
    groups: tuple[tuple[str, ...], ...]
    forbidden: tuple[str, ...] = ()
    polarity: str = "positive"
    alts: tuple["Fact", ...] = ()

    @property
    def concept(self) -> tuple[str, ...]:
        return self.groups[0]

    def describe(self) -> str:
        g = " + ".join("/".join(grp[:3]) + ("/..." if len(grp) > 3 else "") for grp in self.groups)
        pol = "" if self.polarity == "positive" else f" ({self.polarity})"
        return f"{self.region}: {g}{pol}"


def _expand(group: Any, synonyms: dict[str, list[str]], where: str) -> tuple[str, ...]:
    items = group if isinstance(group, list) else [group]
    out: list[str] = []
    for term in items:
        if isinstance(term, (int, float)) and not isinstance(term, bool):
            term = str(term)
        if not isinstance(term, str) or not term.strip():
            raise DataError(f"{where}: a term must be a non-empty string, got {term!r}")
        if term.startswith("@"):
            if term[1:] not in synonyms:
                raise DataError(f"{where}: unknown synonym list {term!r}")
            out.extend(str(t) for t in synonyms[term[1:]])
        else:
            out.append(term)
    return tuple(dict.fromkeys(out))


def parse_fact(raw: dict, synonyms: dict[str, list[str]], regions: Iterable[str], where: str,
               parent: "Fact | None" = None) -> Fact:
    if not isinstance(raw, dict):
        raise DataError(f"{where}: a fact must be a mapping, got {raw!r}")
    unknown = set(raw) - {"region", "all", "none", "polarity", "alt"}
    if unknown:
        raise DataError(f"{where}: unknown fact keys {sorted(unknown)}")
    region = raw.get("region") or (parent.region if parent else None)
    allowed = set(regions) | set(SPECIAL_REGIONS)
    if region not in allowed:
        raise DataError(f"{where}: region {region!r} is not one of {sorted(allowed)}")
    raw_groups = raw.get("all") or (list(parent.groups) if parent else None)
    if not raw_groups:
        raise DataError(f"{where}: a fact needs 'all' (its term groups)")
    groups = tuple(g if isinstance(g, tuple) else _expand(g, synonyms, where) for g in raw_groups)
    forbidden = tuple(t for term in raw.get("none") or [] for t in _expand(term, synonyms, where))
    polarity = raw.get("polarity", "positive")
    if polarity not in ("positive", "negative", "any"):
        raise DataError(f"{where}: polarity must be positive, negative or any, got {polarity!r}")
    fact = Fact(region, groups, forbidden, polarity)
    alts = tuple(parse_fact(a, synonyms, regions, f"{where} alt", fact) for a in raw.get("alt") or [])
    return Fact(region, groups, forbidden, polarity, alts)


def _load_yaml(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise DataError(f"{path}: expected a mapping with an 'items' list")
    return data


def template_regions() -> dict[str, list[str]]:
    """Region names of every built-in template, read from the plugins' templates.yaml files."""
    import yaml

    root = Path(__file__).resolve().parent.parent / "plugins"
    out: dict[str, list[str]] = {}
    for f in sorted(root.glob("*/data/templates.yaml")):
        for t in yaml.safe_load(f.read_text("utf-8")) or []:
            out[t["id"]] = [r["name"] for r in t["regions"]]
    return out


def _check_common(item: dict, seen: set[str], path: Path) -> str:
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise DataError(f"{path}: an item without an id: {item!r:.80}")
    if item_id in seen:
        raise DataError(f"{path}: duplicate id {item_id!r}")
    seen.add(item_id)
    if item.get("split") != split_of(item_id):
        raise DataError(f"{path}: {item_id}: split must be {split_of(item_id)!r} (the fixed rule), got {item.get('split')!r}")
    return item_id


@dataclass
class DictationItem:
    id: str
    specialty: str
    template: str
    split: str
    dictation: str
    indication: str
    facts: list[Fact]
    style: list[str] = field(default_factory=list)


def load_dictation_set(path: Path = DICTATION_SET, regions: dict[str, list[str]] | None = None
                       ) -> tuple[dict[str, list[str]], list[DictationItem]]:
    """The synonym lists and the items of a dictation set; :class:`DataError` if malformed."""
    regions = regions or template_regions()
    data = _load_yaml(path)
    synonyms = data.get("synonyms") or {}
    items, seen = [], set()
    for raw in data["items"]:
        item_id = _check_common(raw, seen, path)
        tpl = raw.get("template")
        if tpl not in regions:
            raise DataError(f"{path}: {item_id}: unknown template {tpl!r}")
        if raw.get("specialty") != TEMPLATE_CASE.get(tpl, (None,))[0]:
            raise DataError(f"{path}: {item_id}: specialty {raw.get('specialty')!r} does not own template {tpl!r}")
        if not str(raw.get("dictation") or "").strip() or not raw.get("facts"):
            raise DataError(f"{path}: {item_id}: needs a dictation and facts")
        facts = [parse_fact(f, synonyms, regions[tpl], f"{path.name}:{item_id}") for f in raw["facts"]]
        items.append(DictationItem(item_id, raw["specialty"], tpl, raw["split"], str(raw["dictation"]),
                                   str(raw.get("indication") or ""), facts, list(raw.get("style") or [])))
    return synonyms, items


@dataclass
class ChatItem:
    id: str
    kind: str
    split: str
    template: str
    dictation: str
    indication: str
    before: list[str]
    turn: str
    change: bool | None
    present: list[Fact]
    absent: list[Fact]
    unchanged: list[str] | None
    undo: bool
    reply_all: list[tuple[str, ...]]
    reply_any: tuple[str, ...]
    reply_none: tuple[str, ...]
    flag_about: tuple[str, ...]


CHAT_KINDS = ("statement", "imperative", "undo", "flag_question", "guideline_question", "no_change")


def load_chat_set(path: Path = CHAT_SET, synonyms: dict[str, list[str]] | None = None,
                  regions: dict[str, list[str]] | None = None) -> list[ChatItem]:
    regions = regions or template_regions()
    synonyms = synonyms if synonyms is not None else load_dictation_set(DICTATION_SET, regions)[0]
    data = _load_yaml(path)
    items, seen = [], set()
    for raw in data["items"]:
        item_id = _check_common(raw, seen, path)
        if raw.get("kind") not in CHAT_KINDS:
            raise DataError(f"{path}: {item_id}: kind must be one of {CHAT_KINDS}")
        case = raw.get("case") or {}
        tpl = case.get("template")
        if tpl not in regions or tpl not in TEMPLATE_CASE:
            raise DataError(f"{path}: {item_id}: unknown template {tpl!r}")
        exp = raw.get("expect") or {}
        unknown = set(exp) - {"change", "present", "absent", "unchanged", "undo", "reply_all", "reply_any",
                              "reply_none", "flag_about"}
        if unknown:
            raise DataError(f"{path}: {item_id}: unknown expect keys {sorted(unknown)}")
        where = f"{path.name}:{item_id}"
        unchanged = exp.get("unchanged")
        if unchanged is not None and set(unchanged) - set(regions[tpl]):
            raise DataError(f"{where}: unchanged names regions the template lacks: {unchanged}")
        if not str(raw.get("turn") or "").strip():
            raise DataError(f"{where}: needs a turn")
        items.append(ChatItem(
            id=item_id, kind=raw["kind"], split=raw["split"], template=tpl, dictation=str(case.get("dictation") or ""),
            indication=str(case.get("indication") or ""), before=[str(b) for b in raw.get("before") or []],
            turn=str(raw["turn"]), change=exp.get("change"),
            present=[parse_fact(f, synonyms, regions[tpl], where) for f in exp.get("present") or []],
            absent=[parse_fact(f, synonyms, regions[tpl], where) for f in exp.get("absent") or []],
            unchanged=list(unchanged) if unchanged is not None else None, undo=bool(exp.get("undo")),
            reply_all=[_expand(g, synonyms, where) for g in exp.get("reply_all") or []],
            reply_any=_expand(exp["reply_any"], synonyms, where) if exp.get("reply_any") else (),
            reply_none=_expand(exp["reply_none"], synonyms, where) if exp.get("reply_none") else (),
            flag_about=tuple(str(w) for w in exp.get("flag_about") or []),
        ))
    return items


# --- matching a fact against a draft ------------------------------------------------------------


def sentence_states(fact: Fact, sentence: str) -> bool:
    """Whether one sentence states ``fact`` (every group, no forbidden term, the polarity)."""
    norm = normalize(sentence)
    for group in fact.groups:
        if not any(find_term(t, norm) for t in group):
            return False
    if any(find_term(t, norm) for t in fact.forbidden):
        return False
    if fact.polarity == "any":
        return True
    spans = [(p, p + len(normalize(t))) for t in fact.concept for p in find_term(t, norm)]
    negated = [is_negated(norm, a, b) for a, b in spans]
    return any(negated) if fact.polarity == "negative" else not all(negated)


def mentions(terms: Iterable[str], sentence: str) -> bool:
    norm = normalize(sentence)
    return any(find_term(t, norm) for t in terms)


def draft_sections(draft: Any, *, include_defaults: bool = False) -> dict[str, list[str]]:
    """``{region: [sentences]}`` of a draft, plus "impression" and, when the draft model has one,
    "indication". Template default statements are left out unless ``include_defaults``."""
    out: dict[str, list[str]] = {r: [] for r in draft.regions}
    for f in draft.findings:
        if f.is_default and not include_defaults:
            continue
        out[f.region].extend(sentences(f.text))
    out["impression"] = [s for item in draft.impression for s in sentences(item)]
    ind = _indication_text(draft)
    if ind is not None:
        out["indication"] = sentences(ind)
    return out


def _indication_text(draft: Any) -> str | None:
    for name in INDICATION_FIELDS:
        value = getattr(draft, name, None)
        if isinstance(value, str):
            return value
        if name in getattr(draft, "regions", []):
            return " ".join(f.text for f in draft.findings if f.region == name)
    return None


def fact_status(fact: Fact, sections: dict[str, list[str]]) -> str:
    """correct | misplaced | distorted | lost (see the module docstring)."""
    options = (fact,) + fact.alts
    targets = {o.region for o in options}
    if fact.region == "indication" and "indication" not in sections:
        # No indication field in the draft model: the item belongs to the case's indication, so
        # it is correct as long as no findings region or the impression states it.
        elsewhere = any(sentence_states(Fact(r, o.groups, o.forbidden, o.polarity), s)
                        for o in options for r, sents in sections.items() for s in sents)
        return "misplaced" if elsewhere else "correct"
    for o in options:
        if any(sentence_states(o, s) for s in sections.get(o.region, [])):
            return "correct"
    for o in options:
        for region, sents in sections.items():
            if region in targets:
                continue
            if any(sentence_states(Fact(region, o.groups, o.forbidden, o.polarity), s) for s in sents):
                return "misplaced"
    if any(mentions(o.concept, s) for o in options for sents in sections.values() for s in sents):
        return "distorted"
    return "lost"


# --- orphaned fragments -------------------------------------------------------------------------

ORPHAN_WORDS = frozenset("""
a an the is are was were be been of in on at to with and or for by as it its this that there which also
noted seen present identified appears appear
mild mildly moderate moderately severe severely marked markedly small smaller large larger tiny trace minimal
slight slightly significant
left right bilateral bilaterally both r l lt rt od os ou side sided
upper lower mid middle anterior posterior superior inferior medial lateral proximal distal
acute chronic subacute old new stable unchanged improved improving worse worsening increased decreased
possible possibly probable probably likely unlikely suspicious questionable query approx approximately about
cm mm um x measuring measures measured size sized
focal diffuse partial complete multiple single few several scattered
m f male female man woman yo y yr yrs year years old aged pt patient boy girl child
sob dyspnea dyspnoea shortness breath cough fever pain cp hx history h o eval evaluate evaluation rule out
follow up fu preop pre op postop post screening indication clinical question
lesion lesions finding findings abnormality abnormalities area areas region change changes feature features
type
""".split())


def is_orphan(sentence: str, concepts: Iterable[tuple[str, ...]]) -> bool:
    """A findings sentence that names no fact's concept and has only qualifier-like words."""
    if any(mentions(c, sentence) for c in concepts):
        return False
    words = normalize(sentence).split()
    return all(w in ORPHAN_WORDS or re.fullmatch(r"\d+(\.\d+)?", w) for w in words)


def orphans(draft: Any, facts: Iterable[Fact]) -> list[tuple[str, str]]:
    """(region, sentence) of every orphaned fragment of a draft's findings regions."""
    # demographics and the clinical question do not make a findings sentence a finding
    concepts = [o.concept for f in facts for o in (f,) + f.alts if o.region != "indication"]
    out = []
    for f in draft.findings:
        if f.is_default:
            continue
        for s in sentences(f.text):
            if is_orphan(s, concepts):
                out.append((f.region, s))
    return out


def not_placed(draft: Any) -> tuple[int, bool]:
    """(count, whether the draft model has an unplaced list at all)."""
    for name in UNPLACED_FIELDS:
        value = getattr(draft, name, None)
        if value is not None:
            return len(value), True
    return 0, False


@dataclass
class DraftScore:
    statuses: list[tuple[Fact, str]]
    orphans: list[tuple[str, str]]
    unplaced: int
    has_unplaced: bool

    def count(self, status: str) -> int:
        return sum(1 for _, s in self.statuses if s == status)


def score_draft(draft: Any, facts: list[Fact]) -> DraftScore:
    sections = draft_sections(draft)
    n, has = not_placed(draft)
    return DraftScore([(f, fact_status(f, sections)) for f in facts], orphans(draft, facts), n, has)


# --- chat -----------------------------------------------------------------------------------------

NOT_FLAGGED = ("not flagged", "no flag", "no flags", "nothing about", "is not flagged", "are not flagged",
               "nothing is flagged", "no warning", "no warnings", "not the subject of any flag", "none of the flags")


#: Replies that say the assistant did not understand the message.
NOT_RECOGNISED = ("did not recognise", "did not recognize", "didn t recognise", "didn t recognize",
                  "did not understand", "didn t understand", "not understood", "could not understand",
                  "couldn t understand", "could not interpret", "not sure what you mean")
#: Kinds whose message asks for an action: a "not understood" reply is never right for them.
ACTION_KINDS = ("statement", "imperative", "undo")


def _state(draft: Any) -> tuple[dict[str, str], tuple[str, ...]]:
    return draft.region_dict(), tuple(draft.impression)


def _present(fact: Fact, sections: dict[str, list[str]]) -> bool:
    return any(sentence_states(o, s) for o in (fact,) + fact.alts for s in sections.get(o.region, []))


@dataclass
class ChatOutcome:
    item: ChatItem
    verdict: str  # correct | wrong_edit | wrong_answer | not_understood | setup_failed
    silent: bool = False
    reasons: list[str] = field(default_factory=list)
    reply: str = ""


def judge_turn(item: ChatItem, before: Any, after: Any, reply: str, flags: list[Any], *,
               undo_target: tuple[dict[str, str], tuple[str, ...]] | None = None,
               labels: dict[str, str] | None = None) -> ChatOutcome:
    """Classify one chat turn from the draft before and after it and the assistant's reply."""
    reasons: list[str] = []
    b_regions, b_imp = _state(before)
    a_regions, a_imp = _state(after)
    changed_regions = [r for r in a_regions if a_regions[r] != b_regions.get(r)]
    changed = bool(changed_regions) or a_imp != b_imp
    sections = draft_sections(after, include_defaults=True)
    nreply = normalize(reply)

    if item.undo:
        if undo_target is None:
            return ChatOutcome(item, "setup_failed", reasons=["the edit to undo did not change the draft"], reply=reply)
        if (a_regions, a_imp) != undo_target:
            reasons.append("draft is not back to its state before the last edit")
    if item.change is True and not changed:
        reasons.append("the draft did not change")
    if item.change is False and changed:
        reasons.append(f"the draft changed ({', '.join(changed_regions) or 'impression'})")
    for f in item.present:
        if not _present(f, sections):
            reasons.append(f"missing after the turn: {f.describe()}")
    for f in item.absent:
        if _present(f, sections):
            reasons.append(f"still/now stated: {f.describe()}")
    named = {o.region for f in item.present + item.absent for o in (f,) + f.alts}
    keep = item.unchanged if item.unchanged is not None else [r for r in b_regions if r not in named]
    if not item.undo:
        for r in keep:
            if a_regions.get(r) != b_regions.get(r):
                reasons.append(f"region {r} changed: {b_regions.get(r)!r} -> {a_regions.get(r)!r}")
    reply_reasons: list[str] = []
    for group in item.reply_all:
        if not any(find_term(t, nreply) for t in group):
            reply_reasons.append(f"reply lacks {'/'.join(group[:3])}")
    if item.reply_any and not any(find_term(t, nreply) for t in item.reply_any):
        reply_reasons.append(f"reply lacks any of {'/'.join(item.reply_any[:4])}")
    if item.reply_none and any(find_term(t, nreply) for t in item.reply_none):
        reply_reasons.append("reply has a forbidden term")
    if item.flag_about:
        about = [normalize(w) for w in item.flag_about]
        findings = {f.id: f.text for f in before.findings}
        relevant = []
        for fl in flags:
            text = normalize(" ".join([fl.message, fl.code, fl.region or "", (labels or {}).get(fl.region or "", ""),
                                       findings.get(fl.finding_id or "", "")]))
            if any(re.search(r"(?<![a-z0-9])" + re.escape(w), text) for w in about):
                relevant.append(fl)
        if relevant:
            if not any(normalize(fl.message) in nreply for fl in relevant):
                reply_reasons.append("reply does not explain the flag on " + "/".join(item.flag_about))
        else:
            if not any(find_term(t, nreply) for t in NOT_FLAGGED):
                reply_reasons.append(f"nothing about {item.flag_about[0]} is flagged, the reply does not say so")
            others = [fl for fl in flags if normalize(fl.message) in nreply]
            if others:
                reply_reasons.append(f"reply quotes unrelated flags ({', '.join(fl.code for fl in others)})")
    if (not changed and item.kind in ACTION_KINDS and not reasons
            and any(find_term(t, nreply) for t in NOT_RECOGNISED)):
        # e.g. "move the granuloma to lungs" when it already is there: the reply must not say
        # that the message was not understood
        reasons.append("the reply says the message was not understood")
    if not reasons and not reply_reasons:
        return ChatOutcome(item, "correct", reply=reply)
    everything = reasons + reply_reasons
    if changed:
        if item.change is False or reasons:
            silent = not _disclosed(changed_regions, b_regions, a_regions, b_imp, a_imp, nreply, labels or {})
            return ChatOutcome(item, "wrong_edit", silent=silent, reasons=everything, reply=reply)
        return ChatOutcome(item, "wrong_answer", reasons=everything, reply=reply)
    if reasons:  # an expected change (or undo, or a fact to state) did not happen
        return ChatOutcome(item, "not_understood", reasons=everything, reply=reply)
    return ChatOutcome(item, "wrong_answer", reasons=everything, reply=reply)


def _disclosed(changed_regions, b_regions, a_regions, b_imp, a_imp, nreply: str, labels: dict[str, str]) -> bool:
    """Whether the reply shows the clinician every change: for each changed findings region its label or
    name or one of its added/removed sentences (the impression only when no findings region changed)."""
    def shown(region: str, before: str, after: str) -> bool:
        names = [region.replace("_", " "), labels.get(region, "")]
        if any(n and normalize(n) in nreply for n in names):
            return True
        diff = set(sentences(before)) ^ set(sentences(after))
        return any(normalize(s) and normalize(s) in nreply for s in diff)

    if changed_regions:  # an impression rebuilt from the edited findings follows them; not judged apart
        return all(shown(r, b_regions.get(r, ""), a_regions.get(r, "")) for r in changed_regions)
    return shown("impression", " ".join(b_imp), " ".join(a_imp))


# --- running the drafter and the service -----------------------------------------------------------


def _host():
    from pixtralogist.core.plugins import get_plugin_manager

    return get_plugin_manager(autoload=False)  # built-in plugins, their default (offline) drafters


def _case(template: str, dictation: str, indication: str):
    from pixtralogist.core.models import Case

    specialty, modality, body_part = TEMPLATE_CASE[template]
    return Case(notes=dictation, indication=indication, modality=modality, body_part=body_part,
                specialty_hint=specialty)


def print_misses(sc) -> None:
    """The facts of a scored draft that are not correct, and its orphans, one line each (for ``--errors``)."""
    for f, s in sc.statuses:
        if s != "correct":
            print(f"    {s:<9} {f.describe()}")
    for region, s in sc.orphans:
        print(f"    orphan    {region}: {s!r}")


def print_draft(draft, *, skip_defaults: bool = False, impression: bool = True) -> None:
    """A draft's regions (with ``skip_defaults``, only those not left at the template's default) and impression."""
    for region, text in draft.region_dict().items():
        if not skip_defaults or (text and not any(f.region == region and f.is_default for f in draft.findings)):
            print(f"      | {region}: {text}")
    if impression:
        print(f"      | impression: {' / '.join(draft.impression)}")


def run_dictation(items: list[DictationItem], host=None) -> list[tuple[DictationItem, Any, DraftScore]]:
    host = host or _host()
    out = []
    for item in items:
        template = host.template(item.template)
        drafter = host.drafter(template.specialty, template)
        draft = drafter.draft(_case(item.template, item.dictation, item.indication), template)
        out.append((item, draft, score_draft(draft, item.facts)))
    return out


def _last_reply(turn: Any) -> str:
    for m in reversed(turn.messages):
        if m.role in ("assistant", "system"):
            return m.text
    return ""


def run_chat(items: list[ChatItem], host=None) -> list[ChatOutcome]:
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.storage import StorageSettings

    host = host or _host()
    out: list[ChatOutcome] = []
    with tempfile.TemporaryDirectory(prefix="pixtralogist-dictation-bench-") as tmp:
        svc = ReportingService.create(Path(tmp), host=host, storage=StorageSettings.from_sources(None, env={}))
        try:
            for item in items:
                out.append(_run_chat_item(svc, item))
        finally:
            svc.close()
    return out


def _run_chat_item(svc, item: ChatItem) -> ChatOutcome:
    from pixtralogist.core.errors import PixtralogistError

    specialty = TEMPLATE_CASE[item.template][0]
    try:
        turn = svc.start(_case(item.template, item.dictation, item.indication))
        if turn.status == "choose_specialty":
            turn = svc.choose_specialty(turn.case_id, specialty)
        if turn.draft is None or turn.draft.template_id != item.template:
            got = turn.draft.template_id if turn.draft else turn.status
            return ChatOutcome(item, "setup_failed", reasons=[f"routed to {got}, not {item.template}"])
        undo_target = None
        for msg in item.before:
            prev = _state(turn.draft)
            turn = svc.message(turn.case_id, msg)
            undo_target = prev if _state(turn.draft) != prev else None
        before, flags = turn.draft, turn.flags
        after_turn = svc.message(turn.case_id, item.turn)
    except PixtralogistError as exc:
        return ChatOutcome(item, "setup_failed", reasons=[f"{type(exc).__name__}: {exc}"])
    if item.before and undo_target is None:
        return ChatOutcome(item, "setup_failed", reasons=[f"the earlier message {item.before[-1]!r} changed nothing"])
    reply = _last_reply(after_turn) if after_turn.status != "error" else (after_turn.error or "")
    after = after_turn.draft if after_turn.draft is not None else before
    return judge_turn(item, before, after, reply, flags, undo_target=undo_target,
                      labels={r: before.region_labels.get(r, r) for r in before.regions})


# --- reporting ---------------------------------------------------------------------------------------


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   - "


def print_dictation(results, errors: int) -> dict[str, float]:
    print("Dictation fidelity (facts per specialty and split)")
    head = f"{'specialty':<14}{'split':<9}{'items':>6}{'facts':>7}{'correct':>9}{'%':>8}{'misplaced':>11}" \
           f"{'distorted':>11}{'lost':>6}{'orphans':>9}{'not placed':>12}"
    print(head)
    print("-" * len(head))
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for item, draft, sc in results:
        for key in ((item.specialty, item.split), (item.specialty, "all"), ("ALL", item.split), ("ALL", "all")):
            groups[key].append(sc)
    order = sorted({k[0] for k in groups if k[0] != "ALL"}) + ["ALL"]
    totals = {}
    for spec in order:
        for split in ("dev", "holdout", "all"):
            scs = groups.get((spec, split))
            if not scs:
                continue
            n = sum(len(s.statuses) for s in scs)
            c = {k: sum(s.count(k) for s in scs) for k in ("correct", "misplaced", "distorted", "lost")}
            orph = sum(len(s.orphans) for s in scs)
            unpl = sum(s.unplaced for s in scs)
            print(f"{spec:<14}{split:<9}{len(scs):>6}{n:>7}{c['correct']:>9}{_pct(c['correct'], n):>8}"
                  f"{c['misplaced']:>11}{c['distorted']:>11}{c['lost']:>6}{orph:>9}{unpl:>12}")
            if spec == "ALL" and split == "all":
                totals = {"facts": n, "correct": c["correct"], "orphans": orph, "unplaced": unpl}
        if spec != order[-1]:
            print()
    has_list = any(sc.has_unplaced for _, _, sc in results)
    if not has_list:
        print("(not placed: the draft model has no list of unplaced dictation, so 0 by definition)")
    by_region = Counter()
    for item, _, sc in results:
        for f, s in sc.statuses:
            if s != "correct":
                by_region[f"{item.template}/{f.region}"] += 1
    if by_region:
        print("facts not correct, by template/region: " + ", ".join(f"{k} {v}" for k, v in by_region.most_common(12)))
    if errors:
        print(f"\nFirst {errors} dictation errors (dev split only; holdout rows are not shown):")
        shown = 0
        for item, draft, sc in results:
            if item.split != "dev":
                continue
            bad = [(f, s) for f, s in sc.statuses if s != "correct"]
            if not bad and not sc.orphans:
                continue
            print(f"- {item.id} [{item.template}] {item.dictation!r}")
            print_misses(sc)
            print_draft(draft)
            shown += 1
            if shown >= errors:
                break
    return totals


def print_chat(outcomes: list[ChatOutcome], errors: int) -> dict[str, int]:
    print("\nChat turns (per kind and split)")
    verdicts = ("correct", "wrong_edit", "wrong_answer", "not_understood", "setup_failed")
    head = f"{'kind':<20}{'split':<9}{'turns':>6}{'correct':>9}{'%':>8}{'wrong edit':>12}{'(silent)':>10}" \
           f"{'wrong answer':>14}{'not understood':>16}{'setup failed':>14}"
    print(head)
    print("-" * len(head))
    groups: dict[tuple[str, str], list[ChatOutcome]] = defaultdict(list)
    for o in outcomes:
        for key in ((o.item.kind, o.item.split), (o.item.kind, "all"), ("ALL", o.item.split), ("ALL", "all")):
            groups[key].append(o)
    totals = {}
    for kind in [k for k in CHAT_KINDS if any(g[0] == k for g in groups)] + ["ALL"]:
        for split in ("dev", "holdout", "all"):
            os_ = groups.get((kind, split))
            if not os_:
                continue
            c = Counter(o.verdict for o in os_)
            silent = sum(o.silent for o in os_)
            print(f"{kind:<20}{split:<9}{len(os_):>6}{c['correct']:>9}{_pct(c['correct'], len(os_)):>8}"
                  f"{c['wrong_edit']:>12}{silent:>10}{c['wrong_answer']:>14}{c['not_understood']:>16}{c['setup_failed']:>14}")
            if kind == "ALL" and split == "all":
                totals = {"turns": len(os_), "correct": c["correct"], "silent": silent,
                          **{v: c[v] for v in verdicts}}
    if errors:
        print(f"\nFirst {errors} chat errors (dev split only):")
        for o in [o for o in outcomes if o.verdict != "correct" and o.item.split == "dev"][:errors]:
            print(f"- {o.item.id} [{o.item.kind}] {o.item.turn!r} -> {o.verdict}{' (silent)' if o.silent else ''}")
            for r in o.reasons[:4]:
                print(f"    {r}")
            print(f"    reply: {o.reply[:160]!r}")
    return totals


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dictation", type=Path, default=DICTATION_SET, help="dictation set (YAML)")
    p.add_argument("--chat", type=Path, default=CHAT_SET, help="chat set (YAML)")
    p.add_argument("--errors", type=int, default=0, help="print the first N failing dev rows of each set")
    p.add_argument("--skip-chat", action="store_true")
    p.add_argument("--skip-dictation", action="store_true")
    args = p.parse_args(argv)
    try:
        regions = template_regions()
        synonyms, items = load_dictation_set(args.dictation, regions)
        chat_items = [] if args.skip_chat else load_chat_set(args.chat, synonyms, regions)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    misses: list[str] = []
    host = _host()
    if not args.skip_dictation:
        t0 = time.perf_counter()
        results = run_dictation(items, host)
        totals = print_dictation(results, args.errors)
        print(f"({len(items)} dictations drafted in {time.perf_counter() - t0:.1f} s)")
        frac = totals["correct"] / totals["facts"] if totals["facts"] else 0.0
        print(f"\nfacts stated correctly: {100 * frac:.1f}% (target >= {100 * TARGET_FACTS:.0f}%); "
              f"orphaned fragments: {totals['orphans']} (target {TARGET_ORPHANS})")
        if frac < TARGET_FACTS:
            misses.append(f"facts correct {100 * frac:.1f}% < {100 * TARGET_FACTS:.0f}%")
        if totals["orphans"] > TARGET_ORPHANS:
            misses.append(f"{totals['orphans']} orphaned fragments > {TARGET_ORPHANS}")
    if not args.skip_chat:
        t0 = time.perf_counter()
        outcomes = run_chat(chat_items, host)
        ct = print_chat(outcomes, args.errors)
        print(f"({len(chat_items)} chat turns in {time.perf_counter() - t0:.1f} s)")
        frac = ct["correct"] / ct["turns"] if ct["turns"] else 0.0
        print(f"\nchat turns correct: {100 * frac:.1f}% (target >= {100 * TARGET_CHAT:.0f}%); "
              f"wrong edits applied silently: {ct['silent']} (target {TARGET_SILENT})")
        if frac < TARGET_CHAT:
            misses.append(f"chat correct {100 * frac:.1f}% < {100 * TARGET_CHAT:.0f}%")
        if ct["silent"] > TARGET_SILENT:
            misses.append(f"{ct['silent']} silent wrong edits > {TARGET_SILENT}")
    if misses:
        print("\nTARGETS MISSED: " + "; ".join(misses))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
