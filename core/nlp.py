"""Finding attributes of one report sentence: negation, hedging, laterality, size, abnormality.

:func:`analyze` answers, for one sentence, the questions a drafter needs to
build a :class:`~pixtralogist.core.models.Finding`::

    >>> analyze("No pleural effusion or pneumothorax.")
    FindingAttributes(negated=True, uncertain=False, laterality=None, size_mm=None, abnormal=False)
    >>> analyze("Possible 2 x 3 cm right upper lobe mass.")
    FindingAttributes(negated=False, uncertain=True, laterality='right', size_mm=25.0, abnormal=True)

How it works:

* Findings are recognised by a vocabulary: the generic words of
  ``GENERIC_FINDING_TERMS`` plus the specialty's own (``extra_terms``: the
  template's :attr:`~pixtralogist.core.models.Template.finding_terms`, from its
  plugin's lexicon data), and abnormal descriptors such as "enlarged" in
  ``DESCRIPTOR_TERMS``. Core holds no specialty's finding words. A sentence that contains no vocabulary term at all is
  answered by regular expressions alone (the fast pre-check: "Heart size is
  normal." never reaches spaCy).
* Otherwise negation comes from negspacy's NegEx (termset ``en_clinical`` plus
  a few radiology additions) over the entities of a blank spaCy ``en``
  pipeline with an EntityRuler; hedging comes from a second NegEx component
  whose trigger lists are hedge phrases ("possible", "cannot be excluded").
  The pipeline is built on first use and cached (no work at import time). spaCy is imported
  without torch when torch is not imported yet (:func:`_import_spacy`): thinc, under spaCy, imports
  torch when it can (about a second of a cold start) but a blank pipeline with rules never uses it.
* Without spaCy/negspacy installed (they are the optional ``nlp`` extra), or
  if spaCy fails on a string, the same NegEx algorithm runs on a regex
  tokenisation, so :func:`analyze` never raises. Should the analysis itself fail on a
  sentence, the answer says so (``analysis_failed=True``, logged without the text) instead
  of passing for a normal statement; the generic checks flag it on the draft.

Sentence-level rules: ``negated`` when the sentence has findings and every one
is negated (or, with no finding words, when it opens with a negation such as
"No acute process"); ``uncertain`` when a hedge applies to a finding (or, with
no finding words, when a hedge phrase occurs); ``abnormal`` when at least one
finding is asserted (not negated); ``laterality`` from left/right/bilateral
words (both sides -> ``'bilateral'``); ``size_mm`` is the largest size
mentioned, a two- or three-axis size being the average of the longest and
shortest axis (as Fleischner measures nodules), centimetres converted to mm.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from dataclasses import dataclass, field
from collections import OrderedDict
from functools import lru_cache
from typing import Iterable, Literal

from pixtralogist.core.spelling import americanize

__all__ = [
    "DESCRIPTOR_TERMS",
    "GENERIC_FINDING_TERMS",
    "FindingAnalyzer",
    "FindingAttributes",
    "analyze",
    "analyze_many",
    "get_analyzer",
    "mentions_finding",
    "parse_size_mm",
    "parse_laterality",
]

LateralityValue = Literal["left", "right", "bilateral"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FindingAttributes:
    """What one sentence asserts about its finding(s)."""

    negated: bool = False
    uncertain: bool = False
    laterality: LateralityValue | None = None
    size_mm: float | None = None
    abnormal: bool = False
    #: The analysis raised: the other fields are empty defaults, not an answer. Callers must not
    #: read ``abnormal=False`` as "normal" (:func:`pixtralogist.core.checks.check_analysis` flags it).
    analysis_failed: bool = field(default=False, repr=False)


# --- vocabulary --------------------------------------------------------------

#: Generic finding nouns (singular and plural spelled out; matched case-insensitively, whole words).
#:
#: Only general-pathology words that any specialty's report uses for "something is there",
#: whatever the organ or modality: a mass, a lesion, a nodule, a tumour, bleeding, swelling,
#: scarring, a fracture, an abnormality. No organ- or modality-specific finding belongs here:
#: a specialty adds its own words as data (the lexicon's ``dictation.vocabulary`` and
#: ``dictation.finding_terms``, which reach this module as :attr:`Template.finding_terms`
#: / ``extra_terms``); the chest radiograph vocabulary lives in the radiology plugin's lexicon.
GENERIC_FINDING_TERMS: tuple[str, ...] = (
    "fluid", "free fluid", "collapse", "edema", "congestion",
    "nodule", "nodules", "mass", "masses", "lesion", "lesions", "granuloma", "granulomas", "granulomata",
    "cavity", "cavitation", "fibrosis", "scarring", "scar", "scars",
    "tumor", "tumour", "neoplasm", "malignancy", "metastasis", "metastases", "hemorrhage",
    "enlargement", "lymphadenopathy", "adenopathy", "aneurysm", "dissection", "tortuosity", "ectasia",
    "calcification", "calcifications", "atherosclerosis", "hernia",
    "fracture", "fractures", "dislocation", "dislocations", "deformity", "deformities",
    "osteopenia", "osteoporosis", "degenerative change", "degenerative changes", "degenerative disease",
    "degenerative joint disease", "osteoarthritis", "lytic lesion", "sclerotic lesion",
    "foreign body", "abnormality", "abnormalities", "disease",
)

#: Abnormal descriptors: words that make a sentence abnormal unless negated ("not enlarged").
DESCRIPTOR_TERMS: tuple[str, ...] = (
    "enlarged", "widened", "widening", "blunted", "blunting", "elevated", "elevation", "tortuous",
    "calcified", "ectatic", "hyperinflated", "hyperexpanded", "prominent", "prominence", "increased",
    "thickened", "dilated", "dilatation", "dilation", "displaced", "deviated", "deviation", "collapsed",
    "flattened", "flattening", "opacified", "degenerative", "abnormal", "worsening", "worsened",
    "cavitary", "loculated", "herniated", "healed", "healing",
)

# --- NegEx trigger lists (radiology additions to negspacy's en_clinical) ----------

# Used by the regex backend and added to en_clinical in the spaCy backend.
_PRECEDING_NEGATIONS = (
    "no", "not", "without", "negative for", "no evidence of", "no sign of", "no signs of", "absence of",
    "free of", "resolution of", "resolved", "none", "nor", "neither", "cannot", "never",
    "no radiographic evidence of", "no definite", "no convincing", "no significant", "no acute",
    "no new", "no focal", "rule out", "ruled out", "r/o", "clear of", "interval resolution of",
    "isn't", "aren't", "doesn't", "don't", "fails to reveal", "no longer",
)
_FOLLOWING_NEGATIONS = (
    "unlikely", "was not", "were not", "is not", "are not", "is absent", "are absent", "has resolved",
    "have resolved", "resolved", "not seen", "not identified", "not present", "not visualized",
    "is not seen", "are not seen", "was ruled out", "were ruled out", "no longer seen", "free",
)
_PSEUDO_NEGATIONS = (
    "no change", "no significant change", "no interval change", "no significant interval change",
    "no definite change", "no increase", "no further", "not only", "not necessarily", "not certain if",
    "not certain whether", "not rule out", "not ruled out", "not been ruled out", "not excluded",
    "not be excluded", "cannot exclude", "can not exclude", "cannot be excluded", "can not be excluded",
    "cannot be entirely excluded", "cannot entirely exclude", "cannot rule out", "cannot be ruled out",
    "could not be excluded", "not entirely excluded", "no interval increase", "not significantly changed",
    "without change", "without interval change", "no substantial change",
)
_TERMINATIONS = (
    "but", "however", "although", "though", "except", "apart from", "aside from", "nevertheless",
    "yet", "which", "still", "otherwise", "with the exception of", "other than", "although there is",
)
# Hedges. "versus" is moved here from en_clinical's negations ("atelectasis versus pneumonia" is a hedge).
_PRECEDING_HEDGES = (
    "possible", "possibly", "probable", "probably", "likely", "questionable", "question of", "questioned",
    "suspicious for", "suspicious of", "suspected", "suspect", "suspicion of", "may represent", "may be",
    "may reflect", "may relate to", "might represent", "might be", "could represent", "could be",
    "could reflect", "can represent", "concerning for", "concern for", "suggestive of", "suggests",
    "suggesting", "worrisome for", "equivocal", "indeterminate", "uncertain", "presumed", "presumably",
    "borderline", "cannot exclude", "can not exclude", "cannot rule out", "differential includes",
    "differential diagnosis includes", "versus", "vs", "vs.", "?", "maybe", "perhaps", "apparent",
    "not excluded", "cannot be excluded", "equivocal for", "query", "favored", "favor", "favoring",
)
_FOLLOWING_HEDGES = (
    "is possible", "are possible", "not excluded", "is not excluded", "cannot be excluded",
    "can not be excluded", "cannot be entirely excluded", "cannot be ruled out", "not ruled out",
    "is suspected", "are suspected", "is questioned", "is likely", "are likely", "likely", "possible",
    "versus", "vs", "vs.", "?", "unlikely", "is favored", "suspected", "questionable",
)
# "likely benign" characterises a finding that is there; it does not doubt it.
_HEDGE_PSEUDO = ("likely benign", "likely postoperative", "likely postsurgical")

_NEG_REMOVED_FROM_EN_CLINICAL = ("versus",)

_MAX_SPACY_CHARS = 20_000  # longer strings are analysed by the regex backend (linear, never fails)


def _phrase_re(phrases: Iterable[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation, longest phrase first."""
    alts = sorted({p.lower() for p in phrases if p and p.strip()}, key=len, reverse=True)
    parts = []
    for p in alts:
        body = r"\s+".join(re.escape(w) for w in p.split())
        body = body.replace(r"\-", r"[-\s]?")
        left = r"(?<![\w])" if p[0].isalnum() else ""
        right = r"(?![\w])" if p[-1].isalnum() else ""
        parts.append(f"{left}{body}{right}")
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(parts), re.I)


_WORD_RE = re.compile(r"[^\W\d_]+|\d+|\?")


class _PhraseSet:
    """Fast whole-word phrase presence test (a word index, not a big regex alternation)."""

    def __init__(self, phrases: Iterable[str]):
        self._index: dict[str, list[tuple[str, ...]]] = {}
        for p in phrases:
            words = tuple(_WORD_RE.findall(p.lower()))
            if words:
                self._index.setdefault(words[0], []).append(words)

    def search(self, text: str) -> bool:
        words = _WORD_RE.findall(text.lower())
        index = self._index
        for i, w in enumerate(words):
            for phrase in index.get(w, ()):
                if len(phrase) == 1 or tuple(words[i : i + len(phrase)]) == phrase:
                    return True
        return False


_LEFT_RE = re.compile(r"\bleft\b", re.I)
_RIGHT_RE = re.compile(r"\bright\b", re.I)
_BILATERAL_RE = re.compile(r"\b(?:bilateral(?:ly)?|both|bibasilar|bibasal|biapical|bihilar)\b", re.I)

_NUM = r"(\d+(?:\.\d+)?|\.\d+)"
_UNIT = r"(mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)"
_BY = r"\s*(?:x|\u00d7|by|\*)\s*"
_DIMS_RE = re.compile(rf"(?<![\w.]){_NUM}\s*(?:{_UNIT})?{_BY}{_NUM}\s*(?:{_UNIT})?(?:{_BY}{_NUM})?\s*-?\s*{_UNIT}(?!\w)", re.I)
_RANGE_RE = re.compile(rf"(?<![\w.]){_NUM}\s*(?:-|\u2013|to)\s*{_NUM}\s*-?\s*{_UNIT}(?!\w)", re.I)
_SINGLE_RE = re.compile(rf"(?<![\w.]){_NUM}\s*-?\s*{_UNIT}(?!\w)", re.I)


def _to_mm(value: str, unit: str) -> float:
    v = float(value)
    return v * 10.0 if unit.lower().startswith("c") else v


def parse_size_mm(sentence: str) -> float | None:
    """The largest size mentioned in ``sentence``, in millimetres (``None`` when there is none).

    "7 mm" -> 7.0, "1.2 cm" -> 12.0, "8mm" -> 8.0, "2 x 3 cm" -> 25.0 (average of the longest
    and shortest axis), "5-7 mm" -> 7.0 (upper bound of a range).
    """
    if not sentence:
        return None
    sizes: list[float] = []
    text = sentence
    for m in _DIMS_RE.finditer(text):
        a, unit_a, b, unit_b, c, unit = m.groups()
        dims = [_to_mm(a, unit_a or unit), _to_mm(b, unit_b or unit)]
        if c is not None:
            dims.append(_to_mm(c, unit))
        sizes.append((max(dims) + min(dims)) / 2.0)
    text = _DIMS_RE.sub(" ", text)
    for m in _RANGE_RE.finditer(text):
        lo, hi, unit = m.groups()
        sizes.append(max(_to_mm(lo, unit), _to_mm(hi, unit)))
    text = _RANGE_RE.sub(" ", text)
    for m in _SINGLE_RE.finditer(text):
        sizes.append(_to_mm(*m.groups()))
    sizes = [s for s in sizes if s == s and s != float("inf")]  # drop NaN / overflow
    return round(max(sizes), 1) if sizes else None


def parse_laterality(sentence: str) -> LateralityValue | None:
    """'bilateral' for bilateral words or both sides named, else 'left' / 'right' / ``None``."""
    if _BILATERAL_RE.search(sentence):
        return "bilateral"
    left = _LEFT_RE.search(sentence) is not None
    right = _RIGHT_RE.search(sentence) is not None
    if left and right:
        return "bilateral"
    if left:
        return "left"
    if right:
        return "right"
    return None


# --- analyzers -------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[?]|[.;:!]|[^\w\s]", re.U)
_SENT_END = {".", ";", "!", ":"}


class FindingAnalyzer:
    """Analyzes sentences with one finding vocabulary (the built-in one plus ``extra_terms``).

    Use :func:`get_analyzer` (cached per vocabulary) or the module-level :func:`analyze`.
    ``use_spacy=False`` forces the regex backend (the one used when spaCy is missing).
    """

    def __init__(self, extra_terms: Iterable[str] = (), *, use_spacy: bool = True, cache_size: int = 8192):
        self.extra_terms: tuple[str, ...] = _key(extra_terms)
        self._findings = tuple(dict.fromkeys(GENERIC_FINDING_TERMS + self.extra_terms))
        self._vocab_re = _phrase_re(self._findings + DESCRIPTOR_TERMS)
        self._vocab_set = _PhraseSet(self._findings + DESCRIPTOR_TERMS)
        self._hedge_set = _PhraseSet(_PRECEDING_HEDGES + _FOLLOWING_HEDGES)
        self._pseudo_set = _PhraseSet(_PSEUDO_NEGATIONS)
        self._use_spacy = use_spacy
        self._nlp = None
        self._nlp_failed = False
        self._lock = threading.RLock()
        self._cache: OrderedDict[str, FindingAttributes] = OrderedDict()
        self._cache_size = cache_size
        # regex backend triggers
        self._re_pre_neg = _phrase_re(_PRECEDING_NEGATIONS)
        self._re_fol_neg = _phrase_re(_FOLLOWING_NEGATIONS)
        self._re_pseudo = _phrase_re(_PSEUDO_NEGATIONS)
        self._re_term = _phrase_re(_TERMINATIONS)
        self._re_pre_hedge = _phrase_re(_PRECEDING_HEDGES)
        self._re_fol_hedge = _phrase_re(_FOLLOWING_HEDGES)
        self._re_hedge_pseudo = _phrase_re(_HEDGE_PSEUDO)
        self._re_neg_start = re.compile(
            r"^\W*(?:no|not|none|without|negative for|absence of|free of|nothing)\b", re.I
        )

    # -- public -------------------------------------------------------------

    @property
    def backend(self) -> str:
        """'spacy' or 'regex': the backend used for sentences with finding words."""
        return "spacy" if self._get_nlp() is not None else "regex"

    @property
    def pipeline_loaded(self) -> bool:
        """Whether the spaCy pipeline has been built (it is built on the first sentence that needs it)."""
        return self._nlp is not None

    def analyze(self, sentence: str) -> FindingAttributes:
        """Attributes of ``sentence`` (cached by sentence; never raises)."""
        if not isinstance(sentence, str):
            sentence = "" if sentence is None else str(sentence)
        sentence = americanize(sentence)  # "oedema" is analysed as "edema"
        with self._lock:
            hit = self._cache.get(sentence)
            if hit is not None:
                self._cache.move_to_end(sentence)
                return hit
        attrs = self._analyze_uncached(sentence)
        if not attrs.analysis_failed:  # a failure is retried next time, and reported each time
            self._remember(sentence, attrs)
        return attrs

    def analyze_many(self, sentences: Iterable[str]) -> list[FindingAttributes]:
        """:meth:`analyze` for many sentences (new ones needing spaCy run as one batch)."""
        sentences = [americanize(s if isinstance(s, str) else ("" if s is None else str(s))) for s in sentences]
        with self._lock:
            todo = list(
                dict.fromkeys(
                    s for s in sentences
                    if s not in self._cache and len(s) <= _MAX_SPACY_CHARS and self._needs_nlp(s)
                )
            )
        nlp = self._get_nlp() if todo else None
        if nlp is not None:
            try:
                with self._lock:
                    docs = list(nlp.pipe(todo, batch_size=256))
                for s, doc in zip(todo, docs):
                    self._remember(s, self._attrs_from_doc(s, doc))
            except Exception:  # pragma: no cover - defensive: analyze() below handles each one
                pass
        return [self.analyze(s) for s in sentences]

    def mentions_finding(self, sentence: str) -> bool:
        """Whether ``sentence`` contains a vocabulary term (the pre-check that decides if spaCy is needed)."""
        return isinstance(sentence, str) and self._needs_nlp(americanize(sentence))

    def cache_clear(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- internals ------------------------------------------------------------

    def _remember(self, sentence: str, attrs: FindingAttributes) -> None:
        with self._lock:
            self._cache[sentence] = attrs
            self._cache.move_to_end(sentence)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _needs_nlp(self, sentence: str) -> bool:
        return bool(sentence) and self._vocab_set.search(sentence)

    def _analyze_uncached(self, sentence: str) -> FindingAttributes:
        try:
            laterality = parse_laterality(sentence)
            size = parse_size_mm(sentence)
            if not self._needs_nlp(sentence):
                # Fast pre-check: no finding or abnormal-descriptor word at all.
                return self._attrs_without_findings(sentence, laterality, size)
            nlp = self._get_nlp() if len(sentence) <= _MAX_SPACY_CHARS else None
            if nlp is not None:
                try:
                    with self._lock:
                        doc = nlp(sentence)
                    return self._attrs_from_doc(sentence, doc)
                except Exception:
                    pass
            return self._attrs_regex(sentence, laterality, size)
        except Exception as exc:  # never crash on any input, but never pass a failure off as "normal"
            # no clinical text in the log: the error type and the sentence's length only
            log.warning("finding analysis failed (%s) on a sentence of %d characters; its checks cannot run",
                        type(exc).__name__, len(sentence))
            return FindingAttributes(analysis_failed=True)

    def _attrs_without_findings(self, sentence: str, laterality, size) -> FindingAttributes:
        negated = bool(self._re_neg_start.search(sentence)) and not self._pseudo_set.search(sentence)
        uncertain = self._hedge_set.search(sentence)
        return FindingAttributes(negated=negated, uncertain=uncertain, laterality=laterality, size_mm=size, abnormal=False)

    @staticmethod
    def _combine(sentence: str, entities: list[tuple[bool, bool]]) -> FindingAttributes:
        """Sentence attributes from per-entity (negated, hedged)."""
        asserted = [e for e in entities if not e[0]]
        return FindingAttributes(
            negated=bool(entities) and not asserted,
            uncertain=any(h for _, h in entities),
            laterality=parse_laterality(sentence),
            size_mm=parse_size_mm(sentence),
            abnormal=bool(asserted),
        )

    def _attrs_from_doc(self, sentence: str, doc) -> FindingAttributes:
        ents = [(bool(e._.negex), bool(e._.hedged)) for e in doc.ents]
        if not ents:
            return self._attrs_without_findings(sentence, parse_laterality(sentence), parse_size_mm(sentence))
        return self._combine(sentence, ents)

    def _get_nlp(self):
        if not self._use_spacy or self._nlp_failed:
            return None
        if self._nlp is None:
            with self._lock:
                if self._nlp is None and not self._nlp_failed:
                    try:
                        self._nlp = _build_pipeline(self._findings)
                    except Exception:  # spaCy / negspacy missing or broken: regex backend
                        self._nlp_failed = True
        return self._nlp

    # regex backend: NegEx on a regex tokenisation --------------------------------

    def _attrs_regex(self, sentence: str, laterality, size) -> FindingAttributes:
        text = sentence
        ents = [(m.start(), m.end()) for m in self._vocab_re.finditer(text)]
        if not ents:
            return self._attrs_without_findings(sentence, laterality, size)
        # segment boundaries: sentence punctuation and termination terms
        bounds = sorted(
            {0, len(text)}
            | {m.start() for m in re.finditer(r"[.;!](?:\s|$)", text)}
            | {m.start() for m in self._re_term.finditer(text)}
        )
        neg_pseudo = [(m.start(), m.end()) for m in self._re_pseudo.finditer(text)]
        hedge_pseudo = [(m.start(), m.end()) for m in self._re_hedge_pseudo.finditer(text)]

        def triggers(rx: re.Pattern[str], pseudo: list[tuple[int, int]]) -> list[tuple[int, int]]:
            out = []
            for m in rx.finditer(text):
                if any(ps <= m.start() <= pe for ps, pe in pseudo):
                    continue
                out.append((m.start(), m.end()))
            return out

        pre_neg = triggers(self._re_pre_neg, neg_pseudo)
        fol_neg = triggers(self._re_fol_neg, neg_pseudo)
        pre_hedge = triggers(self._re_pre_hedge, hedge_pseudo)
        fol_hedge = triggers(self._re_fol_hedge, hedge_pseudo)

        def segment(pos: int) -> tuple[int, int]:
            lo, hi = 0, len(text)
            for b in bounds:
                if b <= pos:
                    lo = b
                elif b > pos:
                    hi = b
                    break
            return lo, hi

        def applies(trigs, start, end, preceding: bool) -> bool:
            lo, hi = segment(start)
            for ts, te in trigs:
                if not (lo <= ts < hi):
                    continue
                if preceding and ts < start and te <= start:
                    return True
                if not preceding and ts >= end:
                    return True
            return False

        flags = []
        for s, e in ents:
            neg = applies(pre_neg, s, e, True) or applies(fol_neg, s, e, False)
            hedge = applies(pre_hedge, s, e, True) or applies(fol_hedge, s, e, False)
            flags.append((neg, hedge))
        return self._combine(sentence, flags)


class _NoTorchHere:
    """A ``sys.meta_path`` finder that makes ``import torch`` fail in the threads importing spaCy
    (:attr:`threads`), so thinc sets itself up without torch; every other thread imports torch as usual.

    Installed once and never removed (removing a finder while another thread walks ``sys.meta_path``
    could make that thread skip one); it answers nothing when no thread is importing spaCy.
    """

    def __init__(self) -> None:
        self.threads: set[int] = set()

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if (name == "torch" or name.startswith("torch.")) and threading.get_ident() in self.threads:
            raise ModuleNotFoundError(f"{name} is not imported for spaCy's rule-based pipeline", name=name)
        return None


_NO_TORCH = _NoTorchHere()
_NO_TORCH_LOCK = threading.Lock()


#: spaCy's packages whose ``__init__`` waits for a first use (:func:`_import_spacy`): its command line.
SPACY_DEFERRED = ("spacy.cli",)


def _import_spacy():
    """``import spacy`` (and negspacy) without importing torch when this process has not imported it.

    thinc (under spaCy) imports torch if it can, for models this blank rule-based pipeline never
    runs; torch costs about a second of a cold start, before the first draft. When torch is already
    imported this is a plain import (thinc then sees it, as before). Either way the pipeline's
    output is the same (``tests/test_nlp_cold.py`` compares both on a committed sample).
    """
    if "torch" in sys.modules or "thinc.compat" in sys.modules:
        import spacy
        from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)

        return spacy
    with _NO_TORCH_LOCK:
        if _NO_TORCH not in sys.meta_path:
            sys.meta_path.insert(0, _NO_TORCH)
    from pixtralogist.core.deferred_imports import import_deferring

    me = threading.get_ident()
    _NO_TORCH.threads.add(me)
    try:
        # spacy.cli (spaCy's command line: typer, weasel, every command) is imported by spaCy's __init__
        # for its `info` function: its own __init__ waits for a first use (core.deferred_imports).
        import_deferring(["spacy"], deferred=SPACY_DEFERRED)
        import spacy
        from negspacy.negation import Negex  # noqa: F401, F811
    finally:
        _NO_TORCH.threads.discard(me)
    return spacy


def _build_pipeline(findings: tuple[str, ...]):
    """Blank spaCy ``en`` + sentencizer + EntityRuler (vocabulary) + NegEx (negation) + NegEx (hedges)."""
    spacy = _import_spacy()
    from negspacy.termsets import termset
    from spacy.tokens import Span

    base = termset("en_clinical").get_patterns()
    neg_ts = {
        "pseudo_negations": sorted(set(base["pseudo_negations"]) | set(_PSEUDO_NEGATIONS)),
        "preceding_negations": sorted(
            (set(base["preceding_negations"]) | set(_PRECEDING_NEGATIONS)) - set(_NEG_REMOVED_FROM_EN_CLINICAL)
        ),
        "following_negations": sorted(set(base["following_negations"]) | set(_FOLLOWING_NEGATIONS)),
        "termination": sorted(set(base["termination"]) | set(_TERMINATIONS)),
    }
    hedge_ts = {
        "pseudo_negations": sorted(_HEDGE_PSEUDO),
        "preceding_negations": sorted(_PRECEDING_HEDGES),
        "following_negations": sorted(_FOLLOWING_HEDGES),
        "termination": sorted(neg_ts["termination"]),
    }
    nlp = spacy.blank("en")
    # "?" is a hedge here ("? RLL opacity"), not a sentence end.
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", "!", ";", "\u3002", "\uff01"]})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": False})
    patterns = [{"label": "FINDING", "pattern": t} for t in findings]
    patterns += [{"label": "DESCRIPTOR", "pattern": t} for t in DESCRIPTOR_TERMS]
    ruler.add_patterns(patterns)
    nlp.add_pipe("negex", name="negex", config={"neg_termset": neg_ts, "extension_name": "negex"})
    nlp.add_pipe("negex", name="hedge", config={"neg_termset": hedge_ts, "extension_name": "hedged"})
    if not Span.has_extension("hedged"):  # pragma: no cover - set by the component
        Span.set_extension("hedged", default=False)
    return nlp


@lru_cache(maxsize=32)
def get_analyzer(extra_terms: tuple[str, ...] = (), use_spacy: bool = True) -> FindingAnalyzer:
    """The shared analyzer for a vocabulary (built once; the spaCy pipeline is built on first need)."""
    return FindingAnalyzer(extra_terms, use_spacy=use_spacy)


def _key(extra_terms: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({t.strip().lower() for t in extra_terms if t and t.strip()}))


def analyze(sentence: str, *, extra_terms: Iterable[str] = ()) -> FindingAttributes:
    """Attributes of one sentence (cached by sentence; never raises).

    :param sentence: any string (a report sentence; anything else is harmless).
    :param extra_terms: finding words a plugin adds to the built-in vocabulary.
    """
    return get_analyzer(_key(extra_terms)).analyze(sentence)


def analyze_many(sentences: Iterable[str], *, extra_terms: Iterable[str] = ()) -> list[FindingAttributes]:
    """:func:`analyze` for many sentences at once (faster when many are new)."""
    return get_analyzer(_key(extra_terms)).analyze_many(sentences)


def mentions_finding(sentence: str, *, extra_terms: Iterable[str] = ()) -> bool:
    """Whether ``sentence`` contains a finding word or an abnormal descriptor (negated or not)."""
    return get_analyzer(_key(extra_terms)).mentions_finding(sentence)
