"""Nottingham histologic grade (invasive breast carcinoma): parse the dictated scores, compute the grade.

Tubule formation, nuclear pleomorphism and mitotic count are each scored 1-3;
the total (3-9) gives the grade: 3-5 grade 1, 6-7 grade 2, 8-9 grade 3
(snippets ``nottingham-components`` and ``nottingham-grade-bands``).

>>> s = parse_scores("Nottingham grade 2 (tubules 3, pleomorphism 2, mitoses 2; total 7)")
>>> s.components, s.total, s.grade, s.expected_grade()
((3, 2, 2), 7, 2, 2)
>>> parse_scores("Grade 2 (3+3+2=8)").expected_grade()
3

The parser reads only what is written: a raw mitotic count ("12 mitoses per
10 HPF") is not a score, a DCIS nuclear grade is not read here (the caller
passes the grade element's text only), and a differentiation word ("poorly
differentiated") is not turned into a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NottinghamScores", "grade_from_total", "parse_scores"]

_NUM = r"(\d{1,2})"
_SEP = r"\s*(?:score|:|=|-|of)?\s*"
_TUBULES = re.compile(rf"\b(?:tubul\w*|gland(?:ular)? formation|glands?)(?: formation)?{_SEP}{_NUM}(?!\s*(?:%|percent))", re.I)
_PLEO = re.compile(rf"\b(?:nuclear )?pleomorph\w*{_SEP}{_NUM}", re.I)
_MITOSES = re.compile(
    rf"\bmito\w*(?: count| rate| activity| figures?)?{_SEP}{_NUM}(?!\s*(?:/|per|mitoses|mitotic|\d|hpf))", re.I)
_SUM = re.compile(r"(?<![\d.])([0-9])\s*\+\s*([0-9])\s*\+\s*([0-9])(?:\s*=\s*(\d{1,2}))?(?![\d.])")
_TOTAL = re.compile(r"\b(?:total(?: score)?|(?:overall|nottingham|combined) score|sum|score of)\s*(?:is|of|=|:)?\s*(\d{1,2})\b", re.I)
_GRADE = re.compile(r"\b(?:(?:nottingham|histologic(?:al)?|overall|combined|sbr)\s+)?grade\s*(?:is|:|=)?\s*(1|2|3|iii|ii|i)\b|\bg([1-3])\b", re.I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3}


def grade_from_total(total: int) -> int | None:
    """Nottingham grade for a total of 3-9 (None outside that range)."""
    if 3 <= total <= 5:
        return 1
    if 6 <= total <= 7:
        return 2
    if 8 <= total <= 9:
        return 3
    return None


@dataclass(frozen=True)
class NottinghamScores:
    """What the text states (None where it states nothing)."""

    tubules: int | None = None
    pleomorphism: int | None = None
    mitoses: int | None = None
    total: int | None = None
    grade: int | None = None

    @property
    def components(self) -> tuple[int | None, int | None, int | None]:
        return (self.tubules, self.pleomorphism, self.mitoses)

    @property
    def complete(self) -> bool:
        return None not in self.components

    @property
    def any_component(self) -> bool:
        return any(c is not None for c in self.components)

    def out_of_range(self) -> list[tuple[str, int]]:
        names = ("tubule formation", "nuclear pleomorphism", "mitotic count")
        return [(n, c) for n, c in zip(names, self.components) if c is not None and not 1 <= c <= 3]

    def computed_total(self) -> int | None:
        if not self.complete or self.out_of_range():
            return None
        return sum(self.components)  # type: ignore[arg-type]

    def expected_grade(self) -> int | None:
        total = self.computed_total()
        return grade_from_total(total) if total is not None else None


def parse_scores(text: str) -> NottinghamScores:
    """The Nottingham component scores, total and grade stated in ``text``."""
    text = text or ""
    tubules = pleo = mitoses = total = None
    m = _SUM.search(text)
    if m:
        tubules, pleo, mitoses = (int(m.group(i)) for i in (1, 2, 3))
        total = int(m.group(4)) if m.group(4) else None
    if (t := _TUBULES.search(text)):
        tubules = int(t.group(1))
    if (p := _PLEO.search(text)):
        pleo = int(p.group(1))
    if (mi := _MITOSES.search(text)):
        mitoses = int(mi.group(1))
    if (tot := _TOTAL.search(text)):
        total = int(tot.group(1))
    grade = None
    if (g := _GRADE.search(text)):
        raw = (g.group(1) or g.group(2)).lower()
        grade = _ROMAN.get(raw) or int(raw)
    return NottinghamScores(tubules, pleo, mitoses, total, grade)
