"""Run-on dictation: one long unpunctuated statement cut where a new report element starts.

A dictation typed or spoken without punctuation ("left wle idc 12mm grade 1 margins clear sentinels 0/2 er pos")
is one statement to a parser that cuts at sentence ends, so every element's sorter sees all of it. A specialty
names, as data, the words that open an element of its report (its lexicon's ``dictation.run_on_breaks``:
regular expressions, non-capturing groups only); :func:`split_run_on` cuts a statement before each of them when
the statement has no punctuation of its own and is long enough to be a run-on. Linear time: one scan of the
break pattern, no nested quantifiers of its own.
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["compile_breaks", "split_run_on"]

#: Punctuation that shows the statement was already cut into clauses by its author.
_PUNCTUATED = re.compile(r"[,;:]|\.\s")
#: The word that joined a cut piece to the one before it.
_JOINER = re.compile(r"^(?:and|with|w/|&|\+)\s+", re.I)


def compile_breaks(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the break words, matched on whole words; None for no patterns."""
    alts = [str(p) for p in patterns or ()]
    if not alts:
        return None
    return re.compile(r"(?<![\w/'+-])(?:" + "|".join(f"(?:{p})" for p in alts) + r")(?![\w])", re.I)


def split_run_on(statement: str, breaks: re.Pattern[str] | None, *, min_words: int = 12,
                 min_breaks: int = 2) -> list[str]:
    """``statement`` cut before every match of ``breaks`` (not at its start) when it is a run-on: at least
    ``min_words`` words, no clause punctuation and at least ``min_breaks`` breaks; else ``[statement]``."""
    if breaks is None or len(statement.split()) < min_words or _PUNCTUATED.search(statement):
        return [statement]
    cuts = [m.start() for m in breaks.finditer(statement) if statement[:m.start()].strip()]
    if len(cuts) < min_breaks:
        return [statement]
    bounds = [0] + cuts + [len(statement)]
    pieces = [statement[a:b].strip() for a, b in zip(bounds, bounds[1:])]
    # a cut piece opens without the word that joined it to the one before ("... 22 mm with associated LCIS")
    pieces = pieces[:1] + [_JOINER.sub("", p) or p for p in pieces[1:]]
    return [p for p in pieces if p]
