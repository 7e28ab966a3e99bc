"""Dermatology's language, loaded from ``data/lexicon/skin_lesion.yaml`` onto the kit (docs/kit.md).

The vocabulary is data: shorthand, section labels, the sorter's ordered rules, and the word lists
and criteria the rule checks read (``LEXICON.data``). This module only loads it and compiles the
word lists the Python rules use.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pixtralogist.kit import Lexicon, load_lexicon
from pixtralogist.kit.lexicon import alternation

__all__ = ["EXTRA_TERMS", "LEXICON", "WORDS", "pattern", "word_re"]

LEXICON: Lexicon = load_lexicon(Path(__file__).resolve().parent / "data" / "lexicon" / "skin_lesion.yaml")
#: Word lists (regular-expression alternatives) by name: ``WORDS["body_sites"]``.
WORDS: dict[str, list[str]] = LEXICON.data["words"]
#: Finding words the core sentence analyser should know for dermatology sentences.
EXTRA_TERMS: tuple[str, ...] = LEXICON.finding_terms


def word_re(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive, whole-word alternation (longest alternatives first)."""
    alts = sorted(set(alternatives), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w])", re.I)


@lru_cache(maxsize=None)
def pattern(*keys: str) -> re.Pattern[str]:
    """The case-insensitive pattern at ``LEXICON.data[keys[0]][keys[1]]...`` (a string or list of alternatives)."""
    value = LEXICON.data
    for k in keys:
        value = value[k]
    return re.compile(alternation(value), re.I)
