"""ConText-style cue rules as data, and the one algorithm that applies them.

A :class:`CueRule` is one line of data (medspaCy's ``ConTextRule``, simplified): a literal
phrase or a pattern, a category (``negated``, ``uncertain``, ``historical``, ``hypothetical``,
``pseudo``, ``termination``), a direction (``forward``, ``backward``, ``bidirectional``,
``terminate``, ``pseudo``) and a maximum scope in words. The base rules are
``kit/data/cues.yaml``; a specialty adds groups in its lexicon (``cues:``) and
:meth:`CueSet.extend` appends them - nothing is copied.

:meth:`CueSet.modifiers` answers, for target spans in one clause, which categories govern each::

    cues = base_cues()
    cues.modifiers("no effusion or pneumothorax", [(3, 11), (15, 27)])   # [{"negated"}, {"negated"}]
    cues.modifiers("effusion has resolved", [(0, 8)])                    # [{"negated"}]
    cues.modifiers("no change in the effusion", [(17, 25)])              # [set()] (pseudo cue)

A cue's scope ends at the clause end, at a ``termination`` cue ("but", "however", "which"), or
after ``max_scope`` words; a ``pseudo`` cue ("no change", "not excluded") consumes its words so
the shorter negation inside it does not fire. Where two cues overlap, the longer one wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pixtralogist.core.yamlio import safe_load as safe_load_yaml

__all__ = ["CATEGORIES", "DIRECTIONS", "CueRule", "CueSet", "CueError", "base_cues", "rules_from_groups"]

Category = Literal["negated", "uncertain", "historical", "hypothetical", "pseudo", "termination"]
Direction = Literal["forward", "backward", "bidirectional", "terminate", "pseudo"]
CATEGORIES: tuple[str, ...] = ("negated", "uncertain", "historical", "hypothetical", "pseudo", "termination")
DIRECTIONS: tuple[str, ...] = ("forward", "backward", "bidirectional", "terminate", "pseudo")

_DATA = Path(__file__).resolve().parent / "data" / "cues.yaml"
_WORD = re.compile(r"[\w/'-]+|\?")


class CueError(ValueError):
    """A cue rule is malformed (unknown category or direction, bad pattern)."""


@dataclass(frozen=True)
class CueRule:
    """One cue: ``literal`` (words) or ``pattern`` (a regular expression), its category,
    direction and scope (words; ``None``: to the end of the clause)."""

    category: Category
    direction: Direction
    literal: str | None = None
    pattern: str | None = None
    max_scope: int | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise CueError(f"unknown cue category {self.category!r}; use one of {CATEGORIES}")
        if self.direction not in DIRECTIONS:
            raise CueError(f"unknown cue direction {self.direction!r}; use one of {DIRECTIONS}")
        if (self.literal is None) == (self.pattern is None):
            raise CueError("a cue rule needs exactly one of 'literal' and 'pattern'")
        if self.pattern is not None:
            try:
                rx = re.compile(self.pattern)
            except re.error as exc:
                raise CueError(f"bad cue pattern {self.pattern!r}: {exc}") from exc
            if rx.groups:
                raise CueError(f"cue pattern {self.pattern!r} has a capturing group; use (?:...)")

    def regex(self) -> str:
        """The rule as a regular expression over lower-cased text (whole words)."""
        if self.pattern is not None:
            return self.pattern
        lit = self.literal.lower().strip()
        body = r"\s+".join(re.escape(w) for w in lit.split()).replace(r"\-", r"[-\s]?")
        left = r"(?<![\w/])" if lit[:1].isalnum() else ""
        right = r"(?![\w])" if lit[-1:].isalnum() else ""
        return f"{left}{body}{right}"


def rules_from_groups(groups: Iterable[Mapping[str, Any]]) -> tuple[CueRule, ...]:
    """Expand YAML groups (``category``, ``direction``, ``max_scope``, ``literals``, ``patterns``)."""
    out: list[CueRule] = []
    for g in groups:
        cat, direction, scope = g.get("category"), g.get("direction", "forward"), g.get("max_scope")
        for lit in g.get("literals") or ():
            out.append(CueRule(cat, direction, literal=str(lit), max_scope=scope))
        for pat in g.get("patterns") or ():
            out.append(CueRule(cat, direction, pattern=str(pat), max_scope=scope))
        if g.get("literal") is not None or g.get("pattern") is not None:
            out.append(CueRule(cat, direction, literal=g.get("literal"), pattern=g.get("pattern"), max_scope=scope))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class CueSet:
    """An ordered set of cue rules compiled into one scanner."""

    rules: tuple[CueRule, ...]

    def extend(self, more: Iterable[CueRule] | Iterable[Mapping[str, Any]]) -> "CueSet":
        """A new set with ``more`` rules (or YAML groups) added after these."""
        items = list(more)
        extra = tuple(r for r in items if isinstance(r, CueRule)) + rules_from_groups(
            r for r in items if not isinstance(r, CueRule))
        return CueSet(self.rules + extra)

    def _compiled(self) -> re.Pattern[str]:
        return _compile(self)

    def matches(self, text: str) -> list[tuple[int, int, tuple[CueRule, ...]]]:
        """Non-overlapping cue matches in lower-cased ``text``, longest first at each position:
        ``[(start, end, rules), ...]`` (several rules may share one phrase). Remembered per text
        (:func:`_matches`): a clause is scanned by several checks of one draft, and the scan (one
        alternation of every rule) costs milliseconds."""
        return list(_matches(self, text.lower()))

    def modifiers(self, clause: str, targets: Sequence[tuple[int, int]]) -> list[set[str]]:
        """For each ``(start, end)`` target span of ``clause``, the categories that govern it."""
        cues = self.matches(clause)
        words = [(m.start(), m.end()) for m in _WORD.finditer(clause)]

        def word_index(pos: int) -> int:
            for i, (s, e) in enumerate(words):
                if e > pos:
                    return i
            return len(words)

        terms = [word_index(s) for s, _, rules in cues if any(r.direction == "terminate" for r in rules)]
        out: list[set[str]] = []
        for ts, te in targets:
            got: set[str] = set()
            t_first, t_last = word_index(ts), word_index(max(ts, te - 1))
            for cs, ce, rules in cues:
                if any(r.direction in ("pseudo", "terminate") for r in rules):
                    continue
                if cs < te and ce > ts:
                    continue  # a cue inside the target ("no" in "no-reflow") governs nothing
                c_first, c_last = word_index(cs), word_index(max(cs, ce - 1))
                for r in rules:
                    if r.direction in ("forward", "bidirectional") and c_last < t_first:
                        if any(c_last < t < t_first for t in terms):
                            continue
                        if r.max_scope is None or t_first - c_last <= r.max_scope:
                            got.add(r.category)
                    if r.direction in ("backward", "bidirectional") and c_first > t_last:
                        if any(t_last < t < c_first for t in terms):
                            continue
                        if r.max_scope is None or c_first - t_last <= r.max_scope:
                            got.add(r.category)
            out.append(got)
        return out


@lru_cache(maxsize=4096)
def _matches(cues: CueSet, low: str) -> tuple[tuple[int, int, tuple[CueRule, ...]], ...]:
    """:meth:`CueSet.matches` of lower-cased text (a pure function of the set and the text)."""
    rx, by_group = _compile(cues)
    found: list[tuple[int, int, tuple[CueRule, ...]]] = []
    pos = 0
    while True:
        m = rx.search(low, pos)
        if m is None:
            break
        best_end, best = m.end(), by_group[m.lastgroup]
        # the longest phrase starting here wins (alternation order is only a first guess)
        for alt in _alternatives_at(cues, low, m.start()):
            if alt[0] > best_end:
                best_end, best = alt
        found.append((m.start(), best_end, best))
        pos = max(best_end, m.start() + 1)
    return tuple(found)


@lru_cache(maxsize=32)
def _compile(cues: CueSet) -> tuple[re.Pattern[str], dict[str, tuple[CueRule, ...]]]:
    by_regex: dict[str, list[CueRule]] = {}
    for r in cues.rules:
        by_regex.setdefault(r.regex(), []).append(r)
    ordered = sorted(by_regex, key=len, reverse=True)
    groups = {f"c{i}": tuple(by_regex[rx]) for i, rx in enumerate(ordered)}
    alternation = "|".join(f"(?P<c{i}>{rx})" for i, rx in enumerate(ordered)) or r"(?!x)x"
    return re.compile(alternation, re.I), groups


def _alternatives_at(cues: CueSet, low: str, start: int) -> list[tuple[int, tuple[CueRule, ...]]]:
    _, groups = _compile(cues)
    out = []
    for rx, rules in _singles(cues):
        m = rx.match(low, start)
        if m:
            out.append((m.end(), rules))
    return out


@lru_cache(maxsize=32)
def _singles(cues: CueSet) -> tuple[tuple[re.Pattern[str], tuple[CueRule, ...]], ...]:
    _, groups = _compile(cues)
    by_regex: dict[str, list[CueRule]] = {}
    for r in cues.rules:
        by_regex.setdefault(r.regex(), []).append(r)
    return tuple((re.compile(rx, re.I), tuple(rules)) for rx, rules in by_regex.items())


@lru_cache(maxsize=1)
def base_cues() -> CueSet:
    """The kit's base cue vocabulary (``kit/data/cues.yaml``)."""
    raw = safe_load_yaml(_DATA.read_text(encoding="utf-8")) or {}
    return CueSet(rules_from_groups(raw.get("rules") or ()))
