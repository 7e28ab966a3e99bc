"""Finding concepts: a small canonical vocabulary used by consistency checks and edits.

``concepts(text)`` returns the canonical finding names a sentence mentions
(with laterality when the sentence states one): core's generic table
(:data:`GENERIC_CONCEPTS`) plus the template's own (:attr:`Template.concepts`, which
the plugin fills from its lexicon's ``data.check_concepts``). Matching is on word
boundaries, case-insensitive.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Mapping

#: canonical concept -> synonyms (regular expressions, word-bounded): the generic table every
#: template's checks use. Only findings that every specialty names the same way and that are
#: checked the same way: a mass, nodule, lesion, fracture, calcification, hemorrhage, scar or
#: granuloma is the same finding in a radiograph, a fundus photo, a skin exam or a pathology
#: report, and asserting and denying it in one report is a contradiction anywhere. Organ-specific
#: concepts (pleural effusion, macular edema ...) are the specialty's: its lexicon's
#: ``data.check_concepts``, which its plugin puts in :attr:`Template.concepts`.
GENERIC_CONCEPTS: dict[str, tuple[str, ...]] = {
    "nodule": ("nodules?", "nodular (?:opacit(?:y|ies)|density)"),
    "mass": ("mass(?:es)?",),
    "fracture": ("fractures?", "fx"),
    "granuloma": ("granulomas?", "granulomatous"),
    "calcification": ("calcifi(?:ed|cations?)",),
    "scarring": ("scar(?:ring)?", "fibrosis", "fibrotic"),
    "lesion": ("lesions?",),
    "hemorrhage": ("ha?emorrhages?",),
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
    """Canonical concepts mentioned in ``text``: the generic table and ``extra`` (the template's
    :attr:`Template.concepts`; same concept name: the patterns are added)."""
    table = dict(GENERIC_CONCEPTS)
    for name, syns in (extra or {}).items():
        table[name] = tuple(table.get(name, ())) + tuple(syns)
    return {name for name, rx in _compiled(tuple((k, tuple(v)) for k, v in table.items())) if rx.search(text)}
