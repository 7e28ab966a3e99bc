"""Dermatology shorthand whose meaning depends on the rest of the dictation ("PG", "BP", "EM").

A dermatologist writes "PG" for a pyogenic granuloma (a friable bleeding papule) and for pyoderma
gangrenosum (an undermined ulcer in a patient with colitis); "BP" is bullous pemphigoid beside tense
bullae and a blood pressure beside "140/90". The candidates of each such abbreviation and the cue
words that speak for each are data (``dictation.ambiguous_abbreviations`` in
``data/lexicon/skin_lesion.yaml``). An abbreviation written in capitals is replaced by the candidate
whose cues the whole dictation names most often (or by the one whose ``next`` pattern follows that
occurrence: "BP 140/90", or ``prev`` precedes it: "nails NL"); where no candidate's cues appear, or two tie, it is left as written (a guess would invent a diagnosis the clinician did not dictate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pixtralogist.plugins.dermatology.lexicon import LEXICON, word_re

__all__ = ["Candidate", "resolve_ambiguous"]


@dataclass(frozen=True)
class Candidate:
    """One meaning of an ambiguous abbreviation and the words that speak for it."""

    expansion: str
    cues: re.Pattern[str] | None
    #: what, right after the abbreviation, makes this meaning that occurrence's ("BP 140/90": a blood pressure)
    next: re.Pattern[str] | None = None
    #: what, right before it, does the same ("nails NL": normal)
    prev: re.Pattern[str] | None = None

    def here(self, text: str, start: int, end: int) -> bool:
        """Whether the words around this occurrence (``text[start:end]``) make it this meaning."""
        return bool((self.next is not None and self.next.match(text, end))
                    or (self.prev is not None and self.prev.search(text[max(0, start - 40):start])))


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[re.Pattern[str], tuple[Candidate, ...]], ...]:
    raw = LEXICON.dictation.get("ambiguous_abbreviations") or {}
    table = []
    for abbr, candidates in raw.items():
        token = re.compile(r"(?<![\w-])" + re.escape(str(abbr).upper()) + r"(?![\w-])")  # as written: capitals
        table.append((token, tuple(Candidate(str(c["expansion"]), word_re(*c["cues"]) if c.get("cues") else None,
                                             re.compile(c["next"], re.I) if c.get("next") else None,
                                             re.compile(r"(?:" + c["prev"] + r")$", re.I) if c.get("prev") else None)
                                   for c in candidates)))
    return tuple(table)


def _choice(candidates: tuple[Candidate, ...], context: str) -> str | None:
    """The candidate whose cues ``context`` names most often; None where none does or two tie."""
    scores = sorted(((len(c.cues.findall(context)) if c.cues else 0, c.expansion) for c in candidates), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


def resolve_ambiguous(text: str) -> str:
    """``text`` with each ambiguous abbreviation (in capitals) replaced by the meaning its context names.

    An all-capitals dictation is left alone: there a capitalised "AN" or "TEN" is an ordinary word."""
    if sum(ch.isalpha() for ch in text) >= 8 and text.isupper():
        return text
    for token, candidates in _table():
        if not token.search(text):
            continue
        choice = _choice(candidates, text)

        def replace(m: re.Match[str], candidates: tuple[Candidate, ...] = candidates, choice: str | None = choice) -> str:
            here = next((c.expansion for c in candidates if c.here(m.string, m.start(), m.end())), None)
            return here or choice or m.group(0)

        text = token.sub(replace, text)
    return text
