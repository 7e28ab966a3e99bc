"""ICDR grading from described findings, and grades stated in an impression. Pure functions.

The International Clinical Diabetic Retinopathy scale (Wilkinson et al.,
Ophthalmology 2003), as summarised in the project's clinical-facts note:

* 0 no apparent retinopathy;
* 1 mild NPDR: microaneurysms only;
* 2 moderate NPDR: more than microaneurysms, less than severe;
* 3 severe NPDR: any element of the 4-2-1 rule (> 20 intraretinal hemorrhages
  in each of 4 quadrants, definite venous beading in >= 2 quadrants, prominent
  IRMA in >= 1 quadrant) and no PDR sign;
* 4 PDR: neovascularization and/or vitreous or preretinal hemorrhage.

Diabetic macular edema is graded separately and never changes the level.

What the text does not say is not assumed: hemorrhages in 4 quadrants meet the
4-2-1 element only when the text also says they are numerous (> 20, numerous,
extensive, severe); venous beading needs >= 2 quadrants stated; IRMA needs
"prominent" (or a synonym). Otherwise the level stays moderate and
:attr:`Derived.details` says what would have to be stated. A hedged lesion
("possible NVE") raises only the *possible* level, never the definite one.
Choroidal neovascularization (CNV) is not a PDR sign.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from pixtralogist.kit import base_cues
from pixtralogist.plugins.ophthalmology import lexicon

__all__ = [
    "GRADE_NAMES", "Derived", "Described", "LesionMention", "StatedGrade", "derive", "dr_typical", "drafted_grades",
    "grade_name",
    "is_grade_statement", "lesion_mentions", "scope", "stated_grades",
]

# --- how the rule reads the text: quadrant counts, the 4-2-1 words, grades stated in words ----------

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "single": 1, "all": 4, "all four": 4, "each": 4}
QUADRANTS_RE = re.compile(
    r"(?:(\d)|(one|two|three|four|single|all\s+four|all|each))\s*(?:(?:of\s+(?:the\s+)?|/\s*)(?:4|four)\s+)?quadrants?"
    r"|(?:in\s+)?(\d)\s*(?:(?:of|/)\s*4\s+)?quads?\b|(?<![a-z])([1-4])q(?![a-z])",
    re.I,
)


def quadrants_of(text: str) -> int | None:
    """How many quadrants ``text`` says a lesion is in ("2 quadrants", "all four quadrants"), or None."""
    best: int | None = None
    for m in QUADRANTS_RE.finditer(text or ""):
        digit = m.group(1) or m.group(3) or m.group(4)
        if digit:
            n = int(digit)
        else:
            n = _NUMBER_WORDS.get(re.sub(r"\s+", " ", m.group(2).lower()), 0)
        if 1 <= n <= 4:
            best = max(best or 0, n)
    return best


MANY_HEMORRHAGES_RE = re.compile(
    r"(?:>|more\s+than|over|greater\s+than)\s*20|numerous|extensive|innumerable|severe|many|multiple\s+(?:blot|dot)",
    re.I,
)
PROMINENT_RE = re.compile(r"\b(?:prominent|marked|extensive|definite|florid)\b", re.I)
#: ICDR levels, in order.
GRADES: tuple[str, ...] = (
    "no apparent retinopathy",
    "mild NPDR",
    "moderate NPDR",
    "severe NPDR",
    "PDR",
)

_NP = r"(?:npdr|non-?\s?proliferative(?:\s+diabetic)?(?:\s+retinopathy)?|background(?:\s+diabetic)?\s+retinopathy)"
_PDR = r"(?:(?<![a-z-])pdr|(?<!non-)(?<!non)(?<!non )proliferative(?:\s+diabetic)?\s+retinopathy)"
GRADE_PATTERNS: tuple[tuple[tuple[int, int], re.Pattern[str]], ...] = (
    ((3, 3), re.compile(rf"(?:severe|pre-?proliferative)\s+{_NP}|very\s+severe\s+{_NP}", re.I)),
    ((2, 2), re.compile(rf"moderate(?:ly\s+severe)?\s+{_NP}|mild[- ]to[- ]moderate\s+{_NP}", re.I)),
    ((1, 1), re.compile(rf"(?:mild|minimal|early)\s+{_NP}", re.I)),
    ((4, 4), re.compile(rf"(?:high[- ]risk\s+|active\s+|early\s+)?{_PDR}", re.I)),
    ((0, 0), re.compile(
        r"no\s+(?:apparent\s+|evidence\s+of\s+|signs?\s+of\s+|)(?:diabetic\s+)?retinopathy|no\s+(?:apparent\s+)?dr\b|"
        r"no\s+(?:diabetic\s+)?retinopathy", re.I)),
    ((1, 3), re.compile(rf"{_NP}", re.I)),
)
NEGATED_GRADE_RE = re.compile(r"\b(?:no|without|not|nor|absence\s+of|negative\s+for)\s+(?:\w+\s+){0,2}$", re.I)

GRADE_NAMES = GRADES
#: What marks an impression grade the drafter derived rather than the clinician dictated.
DRAFTED_NOTE = "ICDR level drafted from the findings described; confirm"
#: How a draft writes each level in full.
GRADE_WORDS = ("no apparent diabetic retinopathy", "mild non-proliferative diabetic retinopathy",
               "moderate non-proliferative diabetic retinopathy", "severe non-proliferative diabetic retinopathy",
               "proliferative diabetic retinopathy")
DR_LESIONS = ("microaneurysm", "hemorrhage", "hard_exudate", "cotton_wool_spot", "venous_beading", "irma",
              "neovascularization", "vitreous_hemorrhage", "preretinal_hemorrhage")
#: lesions that point to diabetic retinopathy on their own (others need a diabetic context)
DR_SPECIFIC = ("microaneurysm", "venous_beading", "irma")
#: dot-blot (deep intraretinal) hemorrhages are the diabetic pattern too, unlike flame hemorrhages
DR_TYPICAL_RE = re.compile(r"\bdot[- ]?(?:and[- ])?blot\b", re.I)


def dr_typical(derived: "Derived", sentences: Iterable["Described"]) -> bool:
    """Whether the lesions described point to diabetic retinopathy without a diabetic context: a lesion
    of :data:`DR_SPECIFIC` or a (non-negated) dot-blot hemorrhage."""
    if derived.lesions & set(DR_SPECIFIC):
        return True
    return any(m.lesion == "hemorrhage" and not m.negated and DR_TYPICAL_RE.search(m.text)
               for s in sentences for m in lesion_mentions(s.text))

#: Negation, hedging and temporality: the kit's cue rules with the eye lexicon's additions.
_CUES = base_cues().extend(lexicon.EYE.cues)
_SEGMENT_BREAK = re.compile(r"[;,.]|\bbut\b|\bhowever\b|\bwith\b|\bwhile\b|\balthough\b", re.I)


def grade_name(level: int) -> str:
    return GRADE_NAMES[level]


@dataclass(frozen=True)
class LesionMention:
    """One lesion named in one sentence."""

    lesion: str
    text: str
    start: int
    negated: bool
    uncertain: bool
    quadrants: int | None
    many: bool
    prominent: bool


def _masked(text: str) -> str:
    """``text`` with CNV phrases blanked (same length), so they never count as PDR signs."""
    return lexicon.CNV_RE.sub(lambda m: " " * len(m.group()), text)


def lesion_mentions(text: str) -> list[LesionMention]:
    """Every lesion of :data:`~pixtralogist.plugins.ophthalmology.lexicon.LESIONS` named in ``text``,
    with its own negation/hedge (read in its clause), quadrant count and descriptors. Remembered per
    text (the drafter and several checks read the same sentences)."""
    if not text:
        return []
    return list(_lesion_mentions(text))


@lru_cache(maxsize=2048)
def _lesion_mentions(text: str) -> tuple[LesionMention, ...]:
    work = _masked(text)
    taken: list[tuple[int, int]] = []
    out: list[LesionMention] = []
    for lesion, rx in lexicon.LESION_RES.items():
        for m in rx.finditer(work):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue  # "vitreous hemorrhage" is not also an intraretinal hemorrhage
            taken.append((m.start(), m.end()))
            if lesion == "other_hemorrhage":
                continue
            out.append(_mention(lesion, text, m.start(), m.end()))
    out.sort(key=lambda x: x.start)
    return tuple(out)


def _mention(lesion: str, text: str, start: int, end: int) -> LesionMention:
    breaks = [m.end() for m in _SEGMENT_BREAK.finditer(text, 0, start)]
    seg_start = breaks[-1] if breaks else 0
    nxt = _SEGMENT_BREAK.search(text, end)
    seg_end = nxt.start() if nxt else len(text)
    before = text[seg_start:start]
    after = text[end:seg_end]
    # a negation at the head of a list governs every item of it: "No MAs, hemorrhages or NV"
    head = text[:start]
    list_neg = bool(re.match(r"^\s*(?:no|without|negative\s+for|absence\s+of)\b", head, re.I)) and not re.search(
        r"[;.]|\bbut\b|\bhowever\b", head, re.I) and not re.search(r"\b(?:with|and\s+(?:few|some|several|scattered|many))\b", head, re.I)
    segment = text[seg_start:seg_end]
    # a cue after the lesion counts only in its own conjunct ("hemorrhages and possible NVE")
    conjunct = re.search(r"\s(?:and|or)\s", text[end:seg_end])
    own = text[seg_start:end + conjunct.start()] if conjunct else segment
    cues = _CUES.modifiers(own, [(start - seg_start, end - seg_start)])[0]
    negated = "negated" in cues or list_neg
    uncertain = "uncertain" in cues or "?" in after
    window = text[max(0, start - 40):min(len(text), end + 60)]
    return LesionMention(
        lesion=lesion, text=text[start:end], start=start, negated=negated, uncertain=uncertain,
        quadrants=quadrants_of(segment) or quadrants_of(window),
        many=bool(MANY_HEMORRHAGES_RE.search(window)),
        prominent=bool(PROMINENT_RE.search(window)),
    )


#: What would make an undecided 4-2-1 element severe, said as a condition ("if the IRMA is prominent").
SEVERE_IF = {
    "hemorrhage": "there are more than 20 intraretinal hemorrhages in each of 4 quadrants",
    "venous_beading": "venous beading is definite in 2 or more quadrants",
    "irma": "the IRMA is prominent",
}


def lesion_level(m: LesionMention) -> tuple[int, str | None]:
    """(ICDR level this one lesion supports, a detail to state when the 4-2-1 element is undecided)."""
    if m.lesion in ("neovascularization", "vitreous_hemorrhage", "preretinal_hemorrhage"):
        return 4, None
    if m.lesion == "hemorrhage":
        if m.quadrants == 4 and m.many:
            return 3, None
        if m.quadrants == 4:
            return 2, "hemorrhages in 4 quadrants: say whether there are more than 20 in each (4-2-1 rule)"
        return 2, None
    if m.lesion == "venous_beading":
        if m.quadrants is not None and m.quadrants >= 2:
            return 3, None
        if m.quadrants is None:
            return 2, "venous beading: state the number of quadrants (definite beading in >= 2 is severe NPDR)"
        return 2, None
    if m.lesion == "irma":
        if m.prominent:
            return 3, None
        return 2, "IRMA: say whether it is prominent (prominent IRMA in >= 1 quadrant is severe NPDR)"
    if m.lesion in ("hard_exudate", "cotton_wool_spot"):
        return 2, None
    if m.lesion == "microaneurysm":
        return 1, None
    return 0, None


@dataclass
class Derived:
    """The ICDR level the findings support, for one eye (or the whole study)."""

    definite: int = 0
    possible: int = 0
    drivers: list[tuple[str, str, str | None]] = field(default_factory=list)  # (lesion, sentence, finding id)
    details: list[str] = field(default_factory=list)
    lesions: set[str] = field(default_factory=set)
    #: conditions that would raise the level to severe NPDR (the undecided 4-2-1 elements)
    severe_if: list[str] = field(default_factory=list)

    @property
    def has_dr_lesions(self) -> bool:
        return bool(self.lesions & set(DR_LESIONS))

    def accepts(self, low: int, high: int) -> bool:
        """Whether a stated range of levels fits ``definite..possible``."""
        return low <= self.possible and high >= self.definite

    def label(self) -> str:
        if self.possible > self.definite:
            return f"{grade_name(self.definite)} ({grade_name(self.possible)} if the hedged finding is confirmed)"
        return grade_name(self.definite)


@dataclass(frozen=True)
class Described:
    """One findings sentence as the grader reads it."""

    text: str
    eyes: frozenset[str]
    finding_id: str | None = None


def derive(sentences: Iterable[Described]) -> dict[str, Derived]:
    """``{"right": ..., "left": ..., "any": ..., "unspecified": ...}``: the level per eye, overall, and
    from sentences that name no eye."""
    out = {k: Derived() for k in ("right", "left", "any", "unspecified")}
    for s in sentences:
        keys = ["any"] + (sorted(s.eyes) if s.eyes else ["unspecified"])
        for m in lesion_mentions(s.text):
            if m.negated:
                continue
            level, detail = lesion_level(m)
            for k in keys:
                d = out[k]
                d.lesions.add(m.lesion)
                if level:
                    d.possible = max(d.possible, level)
                    if not m.uncertain:
                        d.definite = max(d.definite, level)
                    d.drivers.append((m.lesion, s.text, s.finding_id))
                if detail and detail not in d.details:
                    d.details.append(detail)
                    if not m.uncertain and m.lesion in SEVERE_IF and SEVERE_IF[m.lesion] not in d.severe_if:
                        d.severe_if.append(SEVERE_IF[m.lesion])
    for d in out.values():
        d.possible = max(d.possible, d.definite)
    return out


@dataclass(frozen=True)
class StatedGrade:
    """A grade stated in an impression item: levels ``low..high`` (NPDR without severity is 1..3)."""

    low: int
    high: int
    eyes: frozenset[str]
    text: str
    item: str
    uncertain: bool = False

    def label(self) -> str:
        if self.low == self.high:
            return grade_name(self.low)
        return "NPDR (severity not stated)"


_CLAUSES = re.compile(r"\s*[;,]\s*|\s+and\s+(?=(?:mild|moderate|severe|no|pdr|npdr|proliferative|non|the|in|o[dsu]|"
                      r"right|left|both|very|early|high|active)\b)|\.\s+", re.I)


def stated_grades(items: Iterable[str]) -> list[StatedGrade]:
    """Grades stated in impression items, each with the eye(s) its clause names."""
    out: list[StatedGrade] = []
    for item in items:
        clauses = [c for c in _CLAUSES.split(item or "") if c and c.strip()]
        found: list[tuple[int, int, str, bool, str]] = []  # (low, high, matched text, uncertain, clause)
        clause_eyes: list[frozenset[str]] = []
        for clause in clauses:
            eyes = lexicon.eyes_of(clause)
            grade = _grade_in(clause)
            if grade is None:
                if eyes and found and not clause_eyes[-1]:
                    clause_eyes[-1] = eyes  # "Moderate NPDR, right eye"
                continue
            found.append((*grade, clause))
            clause_eyes.append(eyes)
        item_eyes = lexicon.eyes_of(item) if len(found) == 1 else frozenset()
        for (low, high, matched, unc, clause), eyes in zip(found, clause_eyes):
            out.append(StatedGrade(low, high, eyes or item_eyes, matched, item, unc))
    return out


_CONDITIONAL = re.compile(r"^(?:\s+in\s+the\s+(?:right|left)\s+eye|\s+in\s+both\s+eyes)?\s+(?:if|when|should)\b", re.I)


def _grade_in(clause: str) -> tuple[int, int, str, bool] | None:
    for (low, high), rx in GRADE_PATTERNS:
        for m in rx.finditer(clause):
            before = clause[:m.start()]
            if (low, high) != (0, 0) and NEGATED_GRADE_RE.search(before):
                continue  # "no PDR", "without proliferative retinopathy"
            if _CONDITIONAL.match(clause[m.end():]):
                continue  # "severe NPDR if the IRMA is prominent" states no grade
            uncertain = "uncertain" in _CUES.modifiers(clause, [(m.start(), m.end())])[0]
            return low, high, m.group(), uncertain
    return None


def scope(derived: dict[str, Derived], sentences: Iterable[Described]) -> dict[str, Derived]:
    """Per-eye levels when every sentence with a DR lesion names its eye; else one study-level entry."""
    lesion_sentences = [s for s in sentences if any(not m.negated for m in lesion_mentions(s.text))]
    if lesion_sentences and all(s.eyes for s in lesion_sentences):
        return {k: derived[k] for k in ("right", "left") if derived[k].has_dr_lesions or derived[k].lesions}
    return {"any": derived["any"]} if derived["any"].lesions else {}


def is_grade_statement(text: str) -> bool:
    """A statement that only states an ICDR level ("Mild NPDR in the right eye."): it belongs in the
    impression, not in a findings region."""
    return bool(stated_grades([text])) and not any(not m.negated for m in lesion_mentions(text))


def drafted_grades(sentences: Iterable[Described], stated: Iterable[str], *, diabetic: bool) -> list[str]:
    """Impression items for the ICDR level the described lesions support, for each eye (or the study)
    whose level the ``stated`` impression items do not give.

    Only for diabetic retinopathy: a lesion typical of it (microaneurysms, venous beading, IRMA) or a
    diabetic context. Never more certain than the findings: a level that rests on a hedged lesion
    says so, and the 4-2-1 details missing for a higher level are named.
    """
    sentences = list(sentences)
    derived = derive(sentences)
    relevant = derived["any"].has_dr_lesions and (diabetic or dr_typical(derived["any"], sentences))
    if not relevant:
        return []
    grades = stated_grades(stated)
    covered = {e for g in grades for e in (g.eyes or {"right", "left", "any"})} | ({"any"} if grades else set())
    out: list[str] = []
    for key, d in scope(derived, sentences).items():
        if not d.has_dr_lesions or key in covered or (key == "any" and grades):
            continue
        where = f" in the {key} eye" if key != "any" else ""
        if d.definite == 0:  # only a hedged lesion: the level is as hedged as the lesion
            text = f"Possible {GRADE_WORDS[d.possible]}{where}"
        else:
            text = GRADE_WORDS[d.definite][0].upper() + GRADE_WORDS[d.definite][1:] + where
        if d.definite < d.possible and d.definite:
            text += f"; {GRADE_WORDS[d.possible]} if the possible finding is confirmed"
        elif d.definite == 2 and d.possible == 2 and d.severe_if:
            # an undecided 4-2-1 element: say what would make it severe rather than guess
            text += f"; {GRADE_WORDS[3]} if {' or '.join(d.severe_if)}"
        out.append(f"{text} ({DRAFTED_NOTE}).")
    return out
