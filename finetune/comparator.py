"""The offline comparator: a deterministic, finding-level comparison of two reports.

Metric name: ``"offline-finding-match"`` (:data:`METRIC`). It is NOT GREEN: it
needs no judge model and exists for machines without one and for tests. It
answers in GREEN's terms (:class:`~pixtralogist.finetune.green.JudgeResult`)
so the two can be tabulated the same way, and scores with GREEN's formula
(``M / (M + significant errors)``, 0 when M = 0).

How a report becomes findings (:func:`extract_findings`):

1. Normalisation: British spelling becomes American
   (:func:`pixtralogist.core.spelling.americanize`: "oedema" is "edema",
   "haemidiaphragm" is "hemidiaphragm"), then the vocabulary's equivalences
   ("superior vena cava" -> "svc", "cp angle" -> "costophrenic angle",
   "air-space" -> "airspace"). Sentences
   (:func:`pixtralogist.core.text.split_sentences`); de-identified ``XXXX``
   words are ignored; sentences about technique or comparison only are
   skipped.
2. **Concepts.** The specialty's finding vocabulary
   (:class:`~pixtralogist.core.vocabulary.FindingVocabulary`; by default
   :func:`pixtralogist.kit.vocabulary.finding_vocabulary` of the radiology plugin's chest
   radiograph lexicon, ``plugins/radiology/data/lexicon/cxr.yaml``: the same concepts the kit's
   extractor and drafter read, and its ``data.check_concepts`` table) maps synonyms to one
   concept ("enlarged heart", "cardiac enlargement" and "cardiomegaly" are
   one finding; "consolidation", "infiltrate" and "airspace disease" are
   one). Overlapping matches keep the longest ("subcutaneous emphysema" is
   not "emphysema"). **Statements about an organ** (the vocabulary's
   ``statements``) are findings too: a subject ("heart", "cardiomediastinal silhouette",
   "lungs", "osseous structures") in the same clause as a predicate —
   abnormal ("enlarged", "widened") or normal ("normal", "clear", "within
   normal limits") — so "The heart is not enlarged" and "Heart size is
   normal" are both *cardiomegaly, absent*.
3. **Negation and hedging** per mention, NegEx-style with the trigger lists of
   :mod:`pixtralogist.core.nlp`: a preceding trigger ("no", "without",
   "negative for") covers the mentions after it up to a termination word
   ("but", "however", ...) so "No focal consolidation, pneumothorax or large
   effusion" negates all three; a following trigger ("is not seen", "has
   resolved") covers the mentions before it.
4. **Location and severity** per mention from its clause (the sentence cut at
   commas, semicolons, "with", "but", ...): side (left / right / bilateral,
   lobe abbreviations), zone (upper / middle / lower, perihilar,
   retrocardiac, lingula), anterior/posterior, medial/lateral; severity on a
   three-step scale (minimal/small/mild -> 1, moderate -> 2,
   large/severe/marked -> 3) and a size in mm
   (:func:`pixtralogist.core.nlp.parse_size_mm`). When a clause holds several
   mentions each modifier goes to the nearest one.
5. Per concept, the mentions are merged: *present* wins over *absent*; the
   locations and severities of present mentions are pooled.
6. A sentence that says something (content words) but names no known concept
   becomes an *unrecognised statement*, matched by content-word coverage.

How two reports are compared (:func:`compare`), reference concept by concept:

* both present: (c) **wrong location** when an axis is stated on both sides
  and differs; (d) **wrong severity** when the severity steps differ (one side
  stating a severity the other does not counts too), or the sizes differ by
  more than 15%; otherwise matched;
* both absent: matched;
* reference absent, candidate present, or only the candidate has a present
  concept: (a) **false finding**;
* reference present, candidate absent or silent: (b) **missing finding**;
  reference absent (a pertinent negative such as "no pneumothorax") and
  candidate silent: (b) as well (``negatives_significant=True``, the default;
  set it False to count those as insignificant);
* a candidate's extra negative ("no effusion" that the reference does not
  mention) is not an error; a hedge difference ("possible" vs certain) is an
  insignificant (d);
* unrecognised statements: a reference one whose content words are mostly
  absent from the candidate is (b); a candidate one mostly absent from the
  reference is (a);
* **semantic fallback** (``semantic=True``, default;
  :mod:`pixtralogist.finetune.semantic_match`): before those (a)/(b) are
  counted, what is left over on both sides is compared by meaning with the
  packaged MiniLM when at least one side is an unrecognised statement, and a
  remaining unrecognised statement is compared with every sentence of the
  other report. A pair counts as matched only when the cosine similarity is
  at least 0.80 AND both sentences agree on negation, side, zone, severity
  words and numbers ("No air in the pleural space." may match "No
  pneumothorax."; "There is air in the pleural space." never does). The
  model loads on first need (:meth:`OfflineComparator.warm` loads it now);
  without it the comparison is the same minus the fallback.

Differentials share their modifiers: "minimal atelectasis versus scarring"
and "minimal scarring or atelectasis" say the same thing.

Comparisons (e)/(f) are not assessed (always 0). Apart from the fallback's
model, everything is regular expressions and sets: about a thousand pairs per
CPU-second (``python benchmarks/comparator.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from pixtralogist.core.nlp import (
    _FOLLOWING_HEDGES,
    _FOLLOWING_NEGATIONS,
    _PRECEDING_HEDGES,
    _PRECEDING_NEGATIONS,
    _PSEUDO_NEGATIONS,
    _TERMINATIONS,
    parse_size_mm,
)
from pixtralogist.core.spelling import americanize
from pixtralogist.core.text import split_sentences
from pixtralogist.core.vocabulary import FindingVocabulary
from pixtralogist.finetune.green import LETTERS, JudgeResult, green_score
from pixtralogist.finetune.semantic_match import SemanticMatcher

__all__ = ["METRIC", "Finding", "Mention", "OfflineComparator", "compare", "extract_findings"]

METRIC = "offline-finding-match"

# --- vocabulary ----------------------------------------------------------------------------

# The concepts, organ statements, umbrellas and equivalences come from the specialty's finding
# vocabulary: a kit lexicon's concepts and ``data.comparator`` (the radiology chest radiograph one by default).


def default_vocabulary() -> FindingVocabulary:
    """The chest radiograph finding vocabulary of the radiology plugin's lexicon (one shared instance)."""
    from pixtralogist.kit.vocabulary import finding_vocabulary
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    return finding_vocabulary(lexicon_for("cxr"))


_SEVERITY: tuple[tuple[int, str], ...] = (
    (1, r"minimal(?:ly)?|trace|tiny|slight(?:ly)?|small(?:er)?|mild(?:ly)?|minor|subtle|little|faint"),
    (2, r"moderate(?:ly)?|medium|intermediate"),
    (3, r"large(?:r)?|severe(?:ly)?|marked(?:ly)?|extensive(?:ly)?|massive(?:ly)?|huge|big|substantial(?:ly)?|"
        r"considerabl[ey]|gross(?:ly)?|significant(?:ly)?|pronounced"),
)
_LOCATION_AXES: tuple[tuple[str, str, str], ...] = (
    # axis, value, pattern
    ("side", "bilateral", r"bilateral(?:ly)?|both|bibasilar|bibasal|biapical|bihilar|symmetric(?:al|ally)?"),
    ("side", "left", r"left|leftward|lt"),
    ("side", "right", r"right|rightward|rt"),
    ("zone", "upper", r"upper|apical|apex|apices|biapical|superior"),
    ("zone", "middle", r"middle|mid|midlung|mid-lung|midzone|lingula|lingular"),
    ("zone", "lower", r"lower|basilar|base|bases|basal|bibasilar|bibasal|basally|inferior|infrahilar"),
    ("zone", "perihilar", r"perihilar|parahilar|hilar|central(?:ly)?"),
    ("zone", "retrocardiac", r"retrocardiac"),
    ("zone", "peripheral", r"peripheral(?:ly)?|subpleural"),
    ("ap", "anterior", r"anterior(?:ly)?|ventral"),
    ("ap", "posterior", r"posterior(?:ly)?|dorsal"),
    ("ml", "lateral", r"lateral(?:ly)?"),
    ("ml", "medial", r"medial(?:ly)?"),
    ("spine", "cervical", r"cervical"),
    ("spine", "thoracic", r"thoracic(?= spine| vertebra| vertebral| level)|mid[- ]?thoracic|lower thoracic|upper thoracic"),
    ("spine", "lumbar", r"lumbar|thoracolumbar"),
)
_LOBES = {"rul": ("right", "upper"), "rml": ("right", "middle"), "rll": ("right", "lower"),
          "lul": ("left", "upper"), "lll": ("left", "lower")}

_CLAUSE_SPLIT = re.compile(
    r"[,;:()]|\s(?:with|but|however|while|whereas|although|though|which|and there (?:is|are)|and (?:a|an|the)\b)\s", re.I
)
_TERMINATION = tuple(t for t in _TERMINATIONS if t not in ("which",)) + ("with", "there is", "there are", "there has been")
_NEG_EXTRA_PRE = ("no evidence for", "no radiographic signs of", "negative", "free of", "clear of", "there is no", "there are no",
                  "not", "nor", "no", "without", "absent", "resolution of")
_NEG_EXTRA_POST = ("not seen", "not identified", "not appreciated", "not demonstrated", "not visualized", "not present",
                   "not evident", "not noted", "not detected", "absent", "resolved", "has resolved", "have resolved",
                   "is gone", "no longer seen", "no longer visible", "not enlarged", "excluded", "ruled out",
                   "not convincingly seen")
_SKIP_SENTENCE = re.compile(
    r"^\W*(?:(?:the )?(?:xxxx )?(?:exam(?:ination)?|study|radiographs?|views?|images?|films?) (?:consists?|consist|are|is|was|were)|"
    r"(?:pa|ap|frontal|lateral|portable|upright|supine)(?: and (?:pa|ap|frontal|lateral))? (?:views?|radiographs?|images?|projections?)|"
    r"comparison|compared (?:to|with)|(?:correlat|clinical correlation|follow-?up|recommend)\w*)",
    re.I,
)
_DIFFERENTIAL = re.compile(r"\s*(?:,\s*)?(?:or|versus|vs\.?|and/or|/)\s*", re.I)
_NOT_BEFORE = re.compile(r"\b(?:not|non|never)\s+(?:\w+\s+)?$")
_GLUED = re.compile(r"(?<=[a-z\d])\.(?=[A-Z])|<br\s*/?>", re.I)
_STOP = frozenset(
    """a an the is are was were be been being of in on at to for from by with without and or but as that this these those
    there here it its their his her they which who whom what when where while again also still now then than very
    no not nor none any some all both each either neither more most less least other otherwise same such only
    seen noted identified appreciated visualized demonstrated present appear appears appearing shown show shows
    evidence finding findings unchanged stable prior previous previously since interval new persistent again
    xxxx there's redemonstrated redemonstration re-demonstrated visible suggest suggests consistent compatible
    likely may might could can possibly probably possible probable given overall otherwise essentially
    within limits normal unremarkable clear""".split()
)


def _alt(patterns: Iterable[str]) -> str:
    return "|".join(sorted(patterns, key=len, reverse=True))


def _word_re(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + _alt(patterns) + r")(?![\w-])", re.I)


@lru_cache(maxsize=8)
def _compiled(vocab: FindingVocabulary):
    table: dict[str, list[str]] = {}
    canon = dict(vocab.canonical)
    for name, syns in vocab.core_terms:
        if name in vocab.replaces_core:  # the vocabulary's patterns replace core's for these
            continue
        table.setdefault(canon.get(name, name), []).extend(syns)
    for name, syns in vocab.terms:
        table.setdefault(name, []).extend(syns)
    # ONE alternation, a named group per synonym pattern, longest pattern first: scanned once per
    # sentence; leftmost match wins, and at one position the longer phrase is tried first
    alts = sorted(((name, syn) for name, syns in table.items() for syn in syns), key=lambda x: -len(x[1]))
    group_concept = {f"g{i}": name for i, (name, _) in enumerate(alts)}
    terms = (
        re.compile(r"(?<![\w-])(?:" + "|".join(f"(?P<g{i}>{syn})" for i, (_, syn) in enumerate(alts)) + r")(?![\w-])",
                   re.I),
        group_concept,
    )
    statements = [
        (name, _word_re([subj]), _word_re([pred]) if pred else None) for name, subj, pred in vocab.statements
    ]
    normal = _word_re([vocab.normal])
    neg_pre = _word_re(re.escape(t) for t in set(_PRECEDING_NEGATIONS) | set(_NEG_EXTRA_PRE))
    neg_post = _word_re(re.escape(t) for t in set(_FOLLOWING_NEGATIONS) | set(_NEG_EXTRA_POST))
    pseudo = _word_re(re.escape(t) for t in _PSEUDO_NEGATIONS)
    hedge_pre = _word_re(re.escape(t) for t in _PRECEDING_HEDGES if t not in ("?",))
    hedge_post = _word_re(re.escape(t) for t in _FOLLOWING_HEDGES if t not in ("?",))
    term = _word_re(re.escape(t) for t in _TERMINATION)
    severity = [(lvl, _word_re([p])) for lvl, p in _SEVERITY]
    # "right-sided", "left-sided": the side word counts even when hyphenated
    locations = [(axis, value, re.compile(r"(?<![\w])(?:" + p + r")(?![\w])", re.I)) for axis, value, p in _LOCATION_AXES]
    lobes = _word_re(_LOBES)
    return terms, statements, normal, neg_pre, neg_post, pseudo, hedge_pre, hedge_post, term, severity, locations, lobes


@lru_cache(maxsize=8)
def _equivalents(vocab: FindingVocabulary):
    """One scan for all equivalences: an alternation of named groups, each match rewritten by its own rule."""
    if not vocab.equivalents:
        return None
    rules = [(re.compile(p, re.I), r) for p, r in vocab.equivalents]
    combined = re.compile(
        r"(?<![\w-])(?:" + "|".join(f"(?P<e{i}>{p})" for i, (p, _) in enumerate(vocab.equivalents)) + r")(?![\w-])",
        re.I,
    )

    def rewrite(m: re.Match[str]) -> str:
        rx, repl = rules[int(m.lastgroup[1:])]
        return rx.sub(repl, m.group(0), count=1)

    return combined, rewrite


def normalise_text(text: str, vocab: FindingVocabulary) -> str:
    """American spelling, then the vocabulary's equivalences ("superior vena cava" -> "svc")."""
    text = americanize(text)
    eq = _equivalents(vocab)
    return eq[0].sub(eq[1], text) if eq else text


# --- findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One concept mentioned in one sentence."""

    concept: str
    present: bool
    uncertain: bool
    location: frozenset[tuple[str, str]]
    severity: frozenset[int]
    size_mm: float | None
    sentence: str


@dataclass
class Finding:
    """A concept's merged mentions in one report."""

    concept: str
    present: bool
    uncertain: bool = False
    location: set[tuple[str, str]] = field(default_factory=set)
    severity: set[int] = field(default_factory=set)
    sizes: set[float] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if not self.present:
            return f"no {self.concept}"
        loc = " ".join(v for _, v in sorted(self.location))
        sev = {1: "mild/small", 2: "moderate", 3: "severe/large"}
        s = " ".join(sev[x] for x in sorted(self.severity))
        return " ".join(p for p in (s, loc, self.concept) if p)


@dataclass
class Unrecognised:
    """A sentence with content but no known concept: kept by its content words."""

    sentence: str
    words: frozenset[str]


@dataclass
class ReportFindings:
    findings: dict[str, Finding]
    unrecognised: list[Unrecognised]
    words: frozenset[str]
    sentences: tuple[str, ...] = ()  # the analysed sentences (normalised text), for the semantic fallback


def _stem(w: str) -> str:
    for suf in ("ations", "ation", "ities", "ity", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s", "y"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def _content_words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _STOP)


def _spans(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in rx.finditer(text)]


@lru_cache(maxsize=65536)
def _mentions(sentence: str, vocab: FindingVocabulary) -> tuple[Mention, ...]:
    """The mentions of one sentence (cached: report sentences repeat a lot)."""
    return tuple(_find_mentions(sentence, vocab))


def _find_mentions(sentence: str, vocab: FindingVocabulary) -> list[Mention]:
    (terms, statements, normal, neg_pre, neg_post, pseudo, hedge_pre, hedge_post, term, severity, locations,
     lobes) = _compiled(vocab)
    text = sentence.lower().replace("xxxx", "    ")
    n = len(text)
    # clause boundaries (for statements, location and severity)
    cuts = sorted({0, n} | {m.start() for m in _CLAUSE_SPLIT.finditer(text)})

    def clause_of(pos: int) -> tuple[int, int]:
        lo, hi = 0, n
        for c in cuts:
            if c <= pos:
                lo = c
            else:
                hi = c
                break
        return lo, hi

    # raw mentions: (start, end, concept, kind) kind: 'term' | 'abn' | 'normal'
    raw: list[tuple[int, int, str, str]] = []
    term_rx, group_concept = terms
    for m in term_rx.finditer(text):
        raw.append((m.start(), m.end(), group_concept[m.lastgroup], "term"))
    normal_spans = _spans(normal, text)
    for name, subj, pred in statements:
        subj_spans = _spans(subj, text)
        if not subj_spans:
            continue
        for s0, s1 in subj_spans:
            lo, hi = clause_of(s0)
            for p0, p1 in normal_spans:
                if lo <= p0 < hi and not (s0 <= p0 < s1):
                    raw.append((p0, p1, name, "normal"))
            if pred is not None:
                for m in pred.finditer(text, lo, hi):
                    if not (s0 <= m.start() < s1):
                        raw.append((m.start(), m.end(), name, "abn"))
    if not raw:
        return []
    # longest match wins among overlapping TERM mentions; statements keep their own concept
    raw.sort(key=lambda r: (r[0], -(r[1] - r[0])))
    kept: list[tuple[int, int, str, str]] = []
    for r in raw:
        if r[3] == "term" and any(k[3] == "term" and k[0] < r[1] and r[0] < k[1] and k[2] != r[2] for k in kept):
            continue
        if any(k[2] == r[2] and k[0] < r[1] and r[0] < k[1] for k in kept):
            continue
        kept.append(r)
    # statement mentions (normal/abn) that overlap a term mention of another concept: a term wins
    # ("enlarged lymph nodes" is lymphadenopathy, not "mediastinum enlarged")
    kept = [r for r in kept if r[3] == "term" or not any(
        k[3] == "term" and k[0] < r[1] and r[0] < k[1] for k in kept)]

    # negation / hedging triggers
    pseudo_sp = _spans(pseudo, text)

    def trig(rx):
        return [(a, b) for a, b in _spans(rx, text) if not any(ps <= a < pe for ps, pe in pseudo_sp)]

    npre, npost, hpre, hpost = trig(neg_pre), trig(neg_post), _spans(hedge_pre, text), _spans(hedge_post, text)
    bounds = sorted({0, n} | {a for a, _ in _spans(term, text)} | {m.start() for m in re.finditer(r"[.!?](?:\s|$)", text)})

    def segment(pos: int) -> tuple[int, int]:
        lo, hi = 0, n
        for b in bounds:
            if b <= pos:
                lo = b
            else:
                hi = b
                break
        return lo, hi

    def applies(pre, post, s, e) -> bool:
        lo, hi = segment(s)
        if any(lo <= a < s for a, _ in pre):  # "no acute osseous abnormality": the trigger may overlap the mention
            return True
        return any(e <= a < hi for a, _ in post)

    # modifiers: location and severity spans, each given to the nearest mention of its clause
    mods: list[tuple[int, int, str, object]] = []
    for axis, value, rx in locations:
        for a, b in _spans(rx, text):
            mods.append((a, b, "loc", (axis, value)))
    for a, b in _spans(lobes, text):
        side, zone = _LOBES[text[a:b]]
        mods.append((a, b, "loc", ("side", side)))
        mods.append((a, b, "loc", ("zone", zone)))
    for lvl, rx in severity:
        for a, b in _spans(rx, text):
            mods.append((a, b, "sev", lvl))
    assigned: dict[int, list[tuple[str, object]]] = {i: [] for i in range(len(kept))}
    for a, b, kind, val in mods:
        lo, hi = clause_of(a)
        best, best_d = None, None
        for i, (s, e, _, _) in enumerate(kept):
            if not (lo <= s < hi):
                continue
            if s <= a < e:  # a modifier inside the mention's own words ("right upper lobe opacity" term)
                d = 0
            else:
                d = (s - b) if b <= s else (a - e) + 0.5  # ties go to the following noun
            if best_d is None or d < best_d:
                best, best_d = i, d
        if best is not None:
            assigned[best].append((kind, val))

    # a differential ("atelectasis versus scarring", "effusion or scarring") shares its modifiers:
    # "minimal atelectasis versus scarring" and "minimal scarring or atelectasis" say the same thing
    order = sorted(range(len(kept)), key=lambda i: kept[i][0])
    for x, y in zip(order, order[1:]):
        if kept[x][3] == kept[y][3] == "term" and _DIFFERENTIAL.fullmatch(text, kept[x][1], kept[y][0]):
            shared = list(dict.fromkeys(assigned[x] + assigned[y]))
            assigned[x] = assigned[y] = shared

    out: list[Mention] = []
    for i, (s, e, name, kind) in enumerate(kept):
        lo, hi = clause_of(s)
        if kind == "normal":
            # only a negation right before the predicate turns it ("heart size is not normal");
            # "No effusion, heart size is normal" keeps the heart normal
            present = bool(_NOT_BEFORE.search(text, lo, s))
        else:
            present = not applies(npre, npost, s, e)
        uncertain = applies(hpre, hpost, s, e)
        loc = frozenset(v for k, v in assigned[i] if k == "loc")
        sev = frozenset(v for k, v in assigned[i] if k == "sev")
        size = parse_size_mm(text[lo:hi]) if present else None
        out.append(Mention(name, present, uncertain, loc, sev, size, sentence))
    return out


def extract_findings(text: str, vocabulary: FindingVocabulary | None = None) -> ReportFindings:
    """The findings of a report (see the module docstring). Never raises on any string.

    Results are cached by text: treat them as read-only.
    """
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    return _extract_cached(text, vocabulary or default_vocabulary())


@lru_cache(maxsize=8192)
def _extract_cached(text: str, vocab: FindingVocabulary) -> ReportFindings:
    findings: dict[str, Finding] = {}
    unrecognised: list[Unrecognised] = []
    text = text if isinstance(text, str) else ("" if text is None else str(text))
    text = _GLUED.sub(". ", text)  # "effusion.Heart size", "previously<BR>described"
    text = normalise_text(text, vocab)
    analysed: list[str] = []
    for sentence in split_sentences(text) if text.strip() else []:
        if _SKIP_SENTENCE.search(sentence):
            continue
        analysed.append(sentence)
        mentions = _mentions(sentence, vocab)
        if not mentions:
            words = _content_words(sentence)
            if len(words) >= 2:
                unrecognised.append(Unrecognised(sentence, words))
            continue
        for m in mentions:
            f = findings.get(m.concept)
            if f is None:
                f = findings[m.concept] = Finding(m.concept, m.present)
            elif m.present and not f.present:  # present wins: drop what the absent mentions said
                f.present, f.location, f.severity, f.sizes = True, set(), set(), set()
            elif f.present and not m.present:
                f.sentences.append(sentence)
                continue
            f.uncertain = f.uncertain or (m.uncertain and m.present)
            if m.present:
                f.location |= m.location
                f.severity |= m.severity
                if m.size_mm is not None:
                    f.sizes.add(m.size_mm)
            f.sentences.append(sentence)
    return ReportFindings(findings, unrecognised, _content_words(text), tuple(analysed))


# --- comparison ------------------------------------------------------------------------------


def _axis_conflicts(a: set[tuple[str, str]], b: set[tuple[str, str]]) -> list[str]:
    out = []
    for axis in sorted({x for x, _ in a} & {x for x, _ in b}):
        va = {v for x, v in a if x == axis}
        vb = {v for x, v in b if x == axis}
        if axis == "side":  # "left and right" == "bilateral"
            va = {"bilateral"} if "bilateral" in va or {"left", "right"} <= va else va
            vb = {"bilateral"} if "bilateral" in vb or {"left", "right"} <= vb else vb
        if va != vb:
            out.append(f"{axis}: {'/'.join(sorted(va))} vs {'/'.join(sorted(vb))}")
    return out


def _sizes_differ(a: set[float], b: set[float], tol: float = 0.15) -> bool:
    if not a or not b:
        return False
    x, y = max(a), max(b)
    return abs(x - y) > tol * max(x, y)


def _negative_covered(concept: str, cand: dict[str, "Finding"], umbrellas: dict[str, frozenset[str]]) -> bool:
    """A reference negative the candidate states in other words: an umbrella negative, or one of its members."""
    for umbrella, members in umbrellas.items():
        if concept in members and umbrella in cand and not cand[umbrella].present:
            return True
    members = umbrellas.get(concept)
    if members:
        negs = [m for m in members if m in cand]
        return bool(negs) and all(not cand[m].present for m in negs)
    return False


_MATCHER: SemanticMatcher | None = None


def default_matcher() -> SemanticMatcher:
    """The shared semantic matcher (one model and one embedding cache per process)."""
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = SemanticMatcher()
    return _MATCHER


COVERAGE = 0.5  # share of an unrecognised statement's content words the other report must contain


@dataclass
class OfflineComparator:
    """Deterministic finding-level comparison (metric ``offline-finding-match``; see the module docstring).

    :param negatives_significant: a pertinent negative of the reference ("no
        pneumothorax") that the candidate leaves out counts as a significant
        missing finding (True, default) or an insignificant one.
    :param severity_one_sided: a severity stated on one side only counts as (d).
    """

    negatives_significant: bool = True
    severity_one_sided: bool = True
    metric: str = METRIC
    vocabulary: FindingVocabulary | None = None
    semantic: bool = True
    matcher: SemanticMatcher | None = field(default=None, repr=False)

    def _matcher(self) -> SemanticMatcher:
        return self.matcher if self.matcher is not None else default_matcher()

    def compare(self, reference: str, candidate: str) -> JudgeResult:
        vocab = self.vocabulary or default_vocabulary()
        umbrellas = dict(vocab.umbrellas)
        ref, cand = extract_findings(reference, vocab), extract_findings(candidate, vocab)
        sig: dict[str, list[str]] = {k: [] for k in LETTERS}
        ins: dict[str, list[str]] = {k: [] for k in LETTERS}
        matched: list[str] = []
        # what the vocabulary leaves over: (description, sentences, unrecognised statement?)
        ref_left: list[tuple[str, list[str], bool]] = []
        cand_left: list[tuple[str, list[str], bool]] = []
        for name, r in ref.findings.items():
            c = cand.findings.get(name)
            if c is None:
                if not r.present and _negative_covered(name, cand.findings, umbrellas):
                    matched.append(r.describe())  # "no consolidation" vs "the lungs are clear"
                    continue
                if r.present or self.negatives_significant:
                    ref_left.append((r.describe(), r.sentences, False))
                else:
                    ins["b"].append(r.describe())
                continue
            if r.present and not c.present:
                sig["b"].append(f"{r.describe()} (candidate: {c.describe()})")
                continue
            if not r.present and c.present:
                sig["a"].append(f"{c.describe()} (reference: {r.describe()})")
                continue
            if not r.present:
                matched.append(r.describe())
                continue
            problems = False
            loc = _axis_conflicts(r.location, c.location)
            if loc:
                sig["c"].append(f"{name}: {'; '.join(loc)}")
                problems = True
            sev_differs = (r.severity != c.severity) if self.severity_one_sided else (
                bool(r.severity) and bool(c.severity) and r.severity != c.severity)
            if sev_differs or _sizes_differ(r.sizes, c.sizes):
                sig["d"].append(f"{name}: {r.describe()} vs {c.describe()}")
                problems = True
            if not problems:
                matched.append(r.describe())
                if r.uncertain != c.uncertain:
                    ins["d"].append(f"{name}: certainty differs")
        for name, c in cand.findings.items():
            if name not in ref.findings and c.present:
                cand_left.append((c.describe(), c.sentences, False))
        for u in ref.unrecognised:
            covered = len(u.words & cand.words) / len(u.words)
            if covered >= COVERAGE:
                matched.append(u.sentence)
            else:
                ref_left.append((u.sentence, [u.sentence], True))
        for u in cand.unrecognised:
            if len(u.words & ref.words) / len(u.words) < COVERAGE:
                cand_left.append((u.sentence, [u.sentence], True))
        if self.semantic and any(x[2] for x in ref_left + cand_left):
            matched.extend(self._semantic_pairs(ref_left, cand_left, ref.sentences, cand.sentences))
        sig["b"].extend(d for d, _, _ in ref_left)
        sig["a"].extend(d for d, _, _ in cand_left)
        sig_counts = {k: len(v) for k, v in sig.items()}
        ins_counts = {k: len(v) for k, v in ins.items()}
        m = len(matched)
        score = green_score(m, sum(sig_counts.values()))
        if m == 0 and not any(sig_counts.values()) and not ref.findings and not ref.unrecognised:
            score = None  # nothing to compare (empty reference)
        explanation = (
            f"{m} matched finding(s); significant errors: "
            + ", ".join(f"({k}) {n}" for k, n in sig_counts.items() if n)
            if any(sig_counts.values()) else f"{m} matched finding(s); no significant errors."
        )
        return JudgeResult(
            score=score,
            matched=m,
            significant=sig_counts,
            insignificant=ins_counts,
            significant_items=sig,
            insignificant_items=ins,
            matched_items=matched,
            explanation=explanation,
            parsed=score is not None,
            raw="",
            metric=self.metric,
        )

    def warm(self) -> None:
        """Compile the vocabulary and, when the semantic fallback is on, load its model now
        (otherwise the first comparison that needs it pays the load)."""
        _compiled(self.vocabulary or default_vocabulary())
        if self.semantic:
            self._matcher()._vectors(["The heart is normal in size."])

    def _semantic_pairs(self, ref_left: list, cand_left: list, ref_sentences, cand_sentences) -> list[str]:
        """Statements the vocabulary does not recognise, matched by meaning (:mod:`.semantic_match`).

        First leftovers that say the same thing in other words (at least one side an unrecognised
        statement); then each remaining unrecognised statement against every sentence of the other
        report. Matched items are removed from the lists; their descriptions are returned.
        """
        matcher = self._matcher()
        left = [(k, s) for k, item in enumerate(ref_left) for s in dict.fromkeys(item[1])]
        right = [(k, s) for k, item in enumerate(cand_left) for s in dict.fromkeys(item[1])]
        done_r: set[int] = set()
        done_c: set[int] = set()
        out: list[str] = []
        if left and right:
            for i, j, score in matcher.pairs([s for _, s in left], [s for _, s in right]):
                rk, ck = left[i][0], right[j][0]
                if rk in done_r or ck in done_c or not (ref_left[rk][2] or cand_left[ck][2]):
                    continue
                done_r.add(rk)
                done_c.add(ck)
                out.append(f"{ref_left[rk][0]} ~ {cand_left[ck][0]} (semantic match {score:.2f})")
        for items, done, others in ((ref_left, done_r, cand_sentences), (cand_left, done_c, ref_sentences)):
            for k, (desc, _, unrec) in enumerate(items):
                if not unrec or k in done or not others:
                    continue
                best = matcher.pairs([desc], list(others))
                if best:
                    done.add(k)
                    out.append(f"{desc} ~ {others[best[0][1]]} (semantic match {best[0][2]:.2f})")
        ref_left[:] = [x for k, x in enumerate(ref_left) if k not in done_r]
        cand_left[:] = [x for k, x in enumerate(cand_left) if k not in done_c]
        return out

    def compare_many(self, pairs: Iterable[tuple[str, str]]) -> list[JudgeResult]:
        return [self.compare(r, c) for r, c in pairs]


def compare(reference: str, candidate: str, **options) -> JudgeResult:
    """:meth:`OfflineComparator.compare` with default options."""
    return OfflineComparator(**options).compare(reference, candidate)
