"""Pathology's language, loaded from ``data/lexicon/breast-resection.yaml`` onto the kit (docs/kit.md).

The vocabulary is data: shorthand, finding words, the synoptic sorter's labels and strong/weak
element words (``LEXICON.data["sorter"]``) and the words the rule checks read
(``LEXICON.data["rules"]``). This module only loads it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pixtralogist.kit import Lexicon, load_lexicon
from pixtralogist.kit.lexicon import alternation

__all__ = ["EXTRA_TERMS", "LEXICON", "SORTER", "pattern", "rules"]

LEXICON: Lexicon = load_lexicon(Path(__file__).resolve().parent / "data" / "lexicon" / "breast-resection.yaml")
#: The synoptic sorter's vocabulary (labels, strong and weak words, ...).
SORTER: dict = LEXICON.data["sorter"]
#: Finding words added to the core sentence analyser (so negation and hedging attach to them).
EXTRA_TERMS: tuple[str, ...] = LEXICON.finding_terms


def rules(key: str) -> list[tuple[str, str]]:
    """``[(region, pattern), ...]`` of one of the sorter's rule lists (``labels``, ``strong``, ``weak``)."""
    return [(region, alternation(p)) for region, p in SORTER[key]]


@lru_cache(maxsize=None)
def pattern(*keys: str, flags: int = re.I) -> re.Pattern[str]:
    """The pattern at ``LEXICON.data[keys[0]][keys[1]]...`` (a string or a list of alternatives)."""
    value = LEXICON.data
    for k in keys:
        value = value[k]
    return re.compile(alternation(value), flags)
