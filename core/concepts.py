"""Finding concepts: a small canonical vocabulary used by consistency checks and edits.

``concepts(text)`` returns the canonical finding names a sentence mentions
(with laterality when the sentence states one). Plugins may pass extra
synonym tables. Matching is on word boundaries, case-insensitive.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping

#: canonical concept -> synonyms (regular expressions, word-bounded)
DEFAULT_CONCEPTS: dict[str, tuple[str, ...]] = {
    "pleural effusion": (r"(?:pleural )?effusions?",),
    "pneumothorax": (r"pneumothora(?:x|ces)", r"ptx"),
    "consolidation": (r"consolidations?", r"consolidative"),
    "airspace disease": (r"airspace (?:disease|opacit(?:y|ies))", r"infiltrates?"),
    "opacity": (r"opacit(?:y|ies)", r"opacification"),
    "nodule": (r"nodules?", r"nodular (?:opacit(?:y|ies)|density)"),
    "mass": (r"mass(?:es)?",),
    "fracture": (r"fractures?", r"fx"),
    "cardiomegaly": (r"cardiomegaly", r"enlarged (?:heart|cardiac silhouette)", r"cardiac enlargement"),
    "pulmonary edema": (r"(?:pulmonary |interstitial |alveolar )?edema", r"vascular congestion"),
    "atelectasis": (r"atelecta(?:sis|tic)",),
    "pneumonia": (r"pneumonia",),
    "granuloma": (r"granulomas?", r"granulomatous"),
    "emphysema": (r"emphysema(?:tous)?", r"hyperinflat(?:ion|ed)", r"copd"),
    "hiatal hernia": (r"hiatal hernia",),
    "lymphadenopathy": (r"lymphadenopathy", r"enlarged (?:lymph )?nodes?"),
    "scoliosis": (r"scoliosis",),
    "degenerative change": (r"degenerative (?:changes?|disease)", r"spondylosis", r"osteophytes?"),
    "mediastinal widening": (r"widen(?:ed|ing) (?:of the )?mediastin(?:um|al)", r"mediastinal widening"),
    "aortic tortuosity": (r"tortu(?:ous|osity)(?: of the)? (?:thoracic )?aort[ai]c?", r"aort(?:a|ic)[a-z ]{0,20}tortu\w+"),
    "calcification": (r"calcifi(?:ed|cations?)",),
    "scarring": (r"scar(?:ring)?", r"fibrosis", r"fibrotic"),
    "pleural thickening": (r"pleural thickening",),
    "free air": (r"free (?:intraperitoneal )?air", r"pneumoperitoneum"),
    "lesion": (r"lesions?",),
    "hemorrhage": (r"ha?emorrhages?",),
}

_LATERALITY = re.compile(r"\b(bilateral(?:ly)?|both|left|right)\b", re.I)


def laterality_of(text: str) -> str | None:
    """'left', 'right', 'bilateral' or None, from the words of ``text``."""
    found = {m.group(1).lower() for m in _LATERALITY.finditer(text)}
    if {"bilateral", "bilaterally", "both"} & found or {"left", "right"} <= found:
        return "bilateral"
    if "left" in found:
        return "left"
    if "right" in found:
        return "right"
    return None


@lru_cache(maxsize=8)
def _compiled(table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, re.compile(r"\b(?:" + "|".join(syns) + r")\b", re.I)) for name, syns in table)


def concepts(text: str, extra: Mapping[str, Iterable[str]] | None = None) -> set[str]:
    """Canonical concepts mentioned in ``text``."""
    table = dict(DEFAULT_CONCEPTS)
    for name, syns in (extra or {}).items():
        table[name] = tuple(table.get(name, ())) + tuple(syns)
    return {name for name, rx in _compiled(tuple((k, tuple(v)) for k, v in table.items())) if rx.search(text)}
