"""Chest X-ray region sorter: which regions a findings sentence talks about.

Regions (the ``cxr`` template): ``lung``, ``heart``, ``mediastinal``, ``bone``,
``others``, labelled as in the project's region guide: a sentence gets the SET
of regions it talks about; ``others`` (soft tissues, diaphragm and upper
abdomen, devices, technique, comparison, no anatomy) only when it names none of
the four anatomical regions.

Method: the ordered rules of the chest radiograph lexicon (``data/lexicon/cxr.yaml``,
``sorter``) decide almost every sentence. Only when no rule fires at all, the local MiniLM
sentence embedder (:class:`pixtralogist.kit.embedder.PrototypeEmbedder`, prototypes in the
lexicon's ``data.prototypes``, loaded lazily on first need) assigns the region of the nearest
labelled prototype sentence, or ``others`` when nothing is close enough. Without the embedder
the sorter still works, rules only (``embedder_available`` is False). Multi-region sentences
are rewritten by the kit's grammar (:class:`pixtralogist.kit.grammar.RegionGrammar`, with the
lexicon's ``data.grammar``): "No acute cardiopulmonary abnormality." -> "No acute cardiac
abnormality." + "No acute pulmonary abnormality.".

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

import re
from dataclasses import dataclass
from functools import lru_cache

from pixtralogist.core.spelling import matching_form as _normalise  # "oedema" sorts like "edema"
from pixtralogist.core.text import clean_text, split_sentences
from pixtralogist.kit.embedder import PrototypeEmbedder
from pixtralogist.kit.grammar import RegionGrammar, split_inner_sentences
from pixtralogist.kit.sorter import ContextScanner, continued_head
from pixtralogist.plugins.radiology.lexicons import lexicon_for

__all__ = ["REGIONS", "PROTOTYPES", "ChestXraySorter", "Classification", "PrototypeEmbedder", "SorterStats",
           "classify_rules", "rewrite_multi", "scan", "split_inner_sentences"]

REGIONS: tuple[str, ...] = ("lung", "heart", "mediastinal", "bone", "others")
_OTHERS = frozenset({"others"})
_WS = re.compile(r"\s+")
_LEXICON = lexicon_for("cxr")
_SCANNER = ContextScanner(_LEXICON.sorter_rules, _LEXICON.sorter_contexts)
#: Prototype sentences per region for the embedder fallback (the lexicon's ``data.prototypes``).
PROTOTYPES: dict[str, tuple[str, ...]] = {r: tuple(v) for r, v in _LEXICON.data["prototypes"].items()}


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
    return _SCANNER.scan(_normalise(sentence))


def classify_rules(sentence: str) -> Classification | None:
    """The rules' answer, or None when no rule fired (the embedder's turn)."""
    head = continued_head(sentence)
    if head is not None:  # "NGT malpositioned - courses down R main bronchus, tip over RLL": the head places it
        placed = classify_rules(head)
        if placed is not None:
            return placed
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


@lru_cache(maxsize=1)
def _grammar() -> RegionGrammar:
    return RegionGrammar(classify_rules, catch_all="others", data=_LEXICON.data.get("grammar"))


def cache_clear() -> None:
    """Forget the per-sentence rule answers cached by the rewriting grammar."""
    _grammar().cache_clear()


def rewrite_multi(sentence: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
    """Region-specific statements of a sentence about several ``regions``, or None."""
    return _grammar().rewrite_multi(sentence, regions)


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
        self.embedder = embedder if embedder is not None else (PrototypeEmbedder(PROTOTYPES) if use_embedder else None)
        self.stats = SorterStats()

    @property
    def embedder_available(self) -> bool:
        """True when the MiniLM fallback can be (or has been) loaded; False means rules only."""
        return bool(self.use_embedder and self.embedder is not None and self.embedder.available)

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

    def rewrite(self, sentence: str) -> dict[str, str]:
        """Region-specific statements of one sentence: ``{region: text}``.

        A single-region sentence is returned verbatim under its region. A multi-region sentence
        is split into parts ("The heart and mediastinum are normal." -> heart: "Heart normal.",
        mediastinal: "Mediastinum normal."); negation, uncertainty and qualifiers stay with every
        part they govern. Parts about the *others* region that can be cut off cleanly are returned
        under ``"others"``. When a sentence cannot be split safely, every region it talks about
        gets the whole sentence.
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
        """Findings text -> ``{region: text}`` with exactly the five regions, in template order
        (each sentence classified, multi-region sentences rewritten; a repeated statement kept once)."""
        out: dict[str, list[str]] = {r: [] for r in REGIONS}
        seen: set[tuple[str, str]] = set()
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        for sentence in split_sentences(clean_text(text)):
            for region, part in self.rewrite(sentence).items():
                if (region, part) not in seen:
                    seen.add((region, part))
                    out[region].append(part)
        return {r: " ".join(out[r]) for r in REGIONS}
