"""Dermatology rule checks (``pixtralogist_verify``): the dermoscopy 7-point checklist, ABCDE, and the
lesion description conventions (size and body site stated).

Each rule cites the guideline snippets it relies on (ids from ``data/guidelines.yaml``) and never
changes the draft: it flags. The checks read the WORDS of the draft's non-default findings and
impression; a negated mention ("no blue-whitish veil", "melanoma is unlikely") never counts, a
hedged one ("possible regression") counts and is said to be hedged.

Flags:

* ``seven-point-score`` (info): the 7-point checklist score computed from the dermoscopic features
  described (major criteria 2 points, minor 1), with the criteria that scored.
* ``seven-point-action-missing`` (warning): the score is 3 or more and neither the findings nor
  the impression recommend excision or biopsy or name a suspicion of melanoma.
* ``seven-point-score-mismatch`` (warning): the report states a 7-point score that differs from
  the computed one.
* ``seven-point-unqualified`` (info): a structure is described without saying whether it is
  regular/typical or irregular/atypical, which decides whether it scores.
* ``abcde-features`` (info): ABCDE features present.
* ``abcde-benign-without-comment`` (warning): ABCDE features are present and the impression calls
  the lesion benign without addressing them (no mention of the features, no qualifier, no plan).
* ``lesion-size-missing`` / ``lesion-site-missing`` (warning): no measured size / no body site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pixtralogist.core.models import Case, Draft, Finding, Flag, GuidelineSnippet, Template
from pixtralogist.kit import base_cues
from pixtralogist.plugins.dermatology.lexicon import LEXICON, WORDS, pattern

__all__ = [
    "ABCDEResult",
    "Criterion",
    "CRITERIA",
    "Mention",
    "SevenPointResult",
    "abcde_features",
    "lesion_diameter_mm",
    "mentions",
    "seven_point_score",
    "stated_seven_point_score",
    "verify",
]

_SEVEN = LEXICON.data["seven_point"]
_ABCDE = LEXICON.data["abcde"]
#: ABCDE: diameter strictly above this (mm) is the D feature.
DIAMETER_MM = float(_ABCDE["diameter_mm"])
#: ABCDE: this many distinct colour categories (tan, brown, black, red, white, blue) count as "multiple".
MIN_COLOURS = int(_ABCDE["min_colours"])
#: 7-point checklist: a total at or above this suggests melanoma (Argenziano 1998).
SEVEN_POINT_THRESHOLD = int(_SEVEN["threshold"])

# --- local negation and hedging: the kit's cue rules (base + the lexicon's), within one clause ----------

_CUES = base_cues().extend(LEXICON.cues)
_NEG_START = re.compile(r"^\s*(?:no|not|without|negative for|absence of|absent|free of|nil|lack of|neither)\b", re.I)
_TERMINATOR = re.compile(r"[.;:!]|\b(?:but|however|although|though|except|whereas|while|with)\b", re.I)


@dataclass(frozen=True)
class Mention:
    """One match of a pattern in a text, with its negation and hedging."""

    text: str
    negated: bool
    hedged: bool
    start: int


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``text[start:end]``: between terminators, commas closing it unless the
    clause is a negated list ("no A, B or C")."""
    lo = 0
    for m in _TERMINATOR.finditer(text, 0, start):
        lo = m.end()
    hi_m = _TERMINATOR.search(text, end)
    hi = hi_m.start() if hi_m else len(text)
    # commas: the clause runs to the comma unless the comma-separated run ends in "or"/"nor"/"and" and
    # starts with a negation (a list); a comma before the match starts a new clause in the same way.
    seg = text[lo:hi]
    is_list = bool(_NEG_START.match(seg.strip())) and bool(re.search(r",[^,]*\b(?:or|nor|and)\b", seg))
    if not is_list:
        comma = text.rfind(",", lo, start)
        if comma >= 0:
            lo = comma + 1
        comma = text.find(",", end, hi)
        if comma >= 0:
            hi = comma
    return lo, hi


def mentions(text: str, pattern: re.Pattern[str]) -> list[Mention]:
    """Every match of ``pattern`` in ``text`` with local (clause-level) negation and hedging."""
    out = []
    for m in pattern.finditer(text or ""):
        lo, hi = _clause_bounds(text, m.start(), m.end())
        cats = _CUES.modifiers(text[lo:hi], [(m.start() - lo, m.end() - lo)])[0]
        out.append(Mention(m.group(0), "negated" in cats, "uncertain" in cats, m.start()))
    return out


def _asserted(text: str, pattern: re.Pattern[str]) -> list[Mention]:
    return [m for m in mentions(text, pattern) if not m.negated]


# --- 7-point checklist -------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    points: int
    pattern: re.Pattern[str]
    snippet_id: str


CRITERIA: tuple[Criterion, ...] = tuple(
    Criterion(c["key"], c["label"], int(c["points"]), re.compile(c["pattern"], re.I), c["snippet"])
    for c in _SEVEN["criteria"]
)

#: Structures whose wording decides whether they score; described bare, they are "unqualified".
_UNQUALIFIED = tuple((u["name"], re.compile(u["bare"], re.I), re.compile(u["qualified"], re.I))
                     for u in _SEVEN["unqualified"])


@dataclass(frozen=True)
class CriterionHit:
    key: str
    label: str
    points: int
    hedged: bool
    finding_id: str | None
    snippet_id: str


@dataclass
class SevenPointResult:
    """The 7-point checklist computed from described features."""

    score: int = 0
    hits: list[CriterionHit] = field(default_factory=list)
    unqualified: list[str] = field(default_factory=list)
    described: bool = False  # any dermoscopic statement at all

    @property
    def suggests_melanoma(self) -> bool:
        return self.score >= SEVEN_POINT_THRESHOLD

    def summary(self) -> str:
        parts = [f"{h.label} ({h.points}{', hedged' if h.hedged else ''})" for h in self.hits]
        return ", ".join(parts) if parts else "no scoring criterion described"


def seven_point_score(findings: list[Finding] | list[str]) -> SevenPointResult:
    """Score the 7-point checklist over ``findings`` (Finding objects or plain sentences).

    Template defaults are ignored; negated criteria do not count; each criterion counts once.
    """
    res = SevenPointResult()
    seen: set[str] = set()
    for f in findings:
        text, fid = (f, None) if isinstance(f, str) else (f.text, f.id)
        if not isinstance(f, str) and f.is_default:
            continue
        if isinstance(f, str) or f.region == "dermoscopy":
            res.described = True
        for c in CRITERIA:
            if c.key in seen:
                continue
            ms = _asserted(text, c.pattern)
            if ms:
                seen.add(c.key)
                res.hits.append(CriterionHit(c.key, c.label, c.points, all(m.hedged for m in ms), fid, c.snippet_id))
        for name, bare, qualified in _UNQUALIFIED:
            if name in res.unqualified:
                continue
            if _asserted(text, bare) and not qualified.search(text):
                res.unqualified.append(name)
    res.score = sum(h.points for h in res.hits)
    return res


_STATED = re.compile(_SEVEN["stated"], re.I)


def stated_seven_point_score(texts: list[str]) -> list[int]:
    """7-point scores stated in ``texts`` ("7-point checklist score 3", "7pt score: 4")."""
    return [int(m.group(1)) for t in texts for m in _STATED.finditer(t)]


# --- ABCDE -----------------------------------------------------------------------------------

_ASYMMETRY = pattern("abcde", "asymmetry")
_BORDER = pattern("abcde", "border")
_COLOUR = re.compile("|".join(f"(?P<{k}>\\b(?:{v})\\b)" for k, v in LEXICON.data["colour_categories"].items()), re.I)
_VARIEGATED = pattern("abcde", "variegated")
_EVOLVING = pattern("abcde", "evolving")
_SIZE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*(mm|cm)?((?:\s*(?:x|\u00d7|by)\s*\d+(?:\.\d+)?\s*(?:mm|cm)?)*)\s*(mm|cm)\b", re.I
)


def lesion_diameter_mm(text: str) -> float | None:
    """The largest dimension stated in ``text`` in mm ("7 x 5 mm" -> 7.0, "1.2 cm" -> 12.0), or None."""
    best: float | None = None
    for m in _SIZE.finditer(text or ""):
        unit = m.group(4).lower()
        values = [(m.group(1), m.group(2) or unit)]
        values += [(v, u or unit) for v, u in re.findall(r"(\d+(?:\.\d+)?)\s*(mm|cm)?", m.group(3) or "")]
        for v, u in values:
            mm = float(v) * (10.0 if u.lower() == "cm" else 1.0)
            best = mm if best is None else max(best, mm)
    return best


@dataclass
class ABCDEResult:
    """ABCDE features present in a draft: feature letter -> evidence (and finding id)."""

    features: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    colours: list[str] = field(default_factory=list)
    diameter_mm: float | None = None

    def letters(self) -> str:
        return "".join(k for k in "ABCDE" if k in self.features)


_ABCDE_SNIPPETS: dict[str, str] = _ABCDE["snippets"]
_ABCDE_WORDS: dict[str, str] = _ABCDE["addressed"]


def abcde_features(findings: list[Finding], case: Case | None = None) -> ABCDEResult:
    """ABCDE features asserted in the clinical (non-dermoscopy, non-default) findings; E also from the indication."""
    res = ABCDEResult()
    clinical = [f for f in findings if not f.is_default and f.region != "dermoscopy"]
    colours: dict[str, str | None] = {}
    for f in clinical:
        if "A" not in res.features and _asserted(f.text, _ASYMMETRY):
            res.features["A"] = (f.text, f.id)
        if "B" not in res.features and _asserted(f.text, _BORDER):
            res.features["B"] = (f.text, f.id)
        if f.region in ("color", "morphology", "surface", "border"):
            for m in mentions(f.text, _COLOUR):
                if not m.negated:
                    cat = next(k for k, v in _COLOUR.match(m.text).groupdict().items() if v)  # type: ignore[union-attr]
                    colours.setdefault(cat, f.id)
            if "C" not in res.features and _asserted(f.text, _VARIEGATED):
                res.features["C"] = (f.text, f.id)
        if f.region not in ("others",):
            d = lesion_diameter_mm(f.text)
            if d is not None and (res.diameter_mm is None or d > res.diameter_mm):
                res.diameter_mm = d
                if d > DIAMETER_MM:
                    res.features["D"] = (f.text, f.id)
        if "E" not in res.features and _asserted(f.text, _EVOLVING):
            res.features["E"] = (f.text, f.id)
    res.colours = sorted(colours)
    if "C" not in res.features and len(colours) >= MIN_COLOURS:
        res.features["C"] = (", ".join(res.colours), next(iter(colours.values())))
    if "E" not in res.features and case is not None and _asserted(case.indication, _EVOLVING):
        res.features["E"] = (f"indication: {case.indication[:120]}", None)
    return res


# --- verify ------------------------------------------------------------------------------------

_RECOMMEND = pattern("recommend")
_BENIGN = pattern("benign")
_COMMENT = pattern("comment")
_GENERIC_SITES = {r"sites?", r"locat(?:ed|ion)", r"extremit(?:y|ies)", r"limbs?"}
_SITE = re.compile(r"(?<![\w-])(?:" + "|".join(p for p in WORDS["body_sites"] if p not in _GENERIC_SITES) + r")(?![\w])",
                   re.I)


def _known(ids: list[str], snippets: dict[str, GuidelineSnippet]) -> list[str]:
    return [i for i in ids if i in snippets]


def _texts(draft: Draft) -> list[str]:
    return [f.text for f in draft.findings if not f.is_default]


def check_seven_point(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    res = seven_point_score(draft.findings)
    flags: list[Flag] = []
    base = _known(["seven-point-checklist", "seven-point-threshold"], snippets)
    stated = stated_seven_point_score(draft.impression + _texts(draft))
    if not res.described and not res.hits and not stated:
        return flags
    hedged = [h for h in res.hits if h.hedged]
    note = f" ({len(hedged)} criterion/criteria hedged in the report)" if hedged else ""
    first = res.hits[0].finding_id if res.hits else None
    ids = base + _known([h.snippet_id for h in res.hits], snippets)
    flags.append(Flag(
        code="seven-point-score", severity="info", region="dermoscopy", finding_id=first,
        message=(f"7-point checklist computed from the dermoscopic features described: {res.score} "
                 f"({res.summary()}){note}. A total of {SEVEN_POINT_THRESHOLD} or more suggests melanoma "
                 "(Argenziano 1998); the score covers only the features the report describes."),
        snippet_ids=ids,
    ))
    if res.suggests_melanoma:
        corpus = draft.impression + _texts(draft)
        acted = any(_asserted(t, _RECOMMEND) for t in corpus)
        if not acted:
            flags.append(Flag(
                code="seven-point-action-missing", severity="warning", region="dermoscopy", finding_id=first,
                message=(f"7-point checklist score {res.score} (>= {SEVEN_POINT_THRESHOLD}) from {res.summary()}, "
                         "but the report neither recommends excision or biopsy nor names a suspicion of "
                         "melanoma. Review the dermoscopy and state the plan."),
                snippet_ids=ids,
            ))
    for n in sorted(set(stated)):
        if n != res.score:
            flags.append(Flag(
                code="seven-point-score-mismatch", severity="warning", region="dermoscopy", finding_id=first,
                message=(f"The report states a 7-point score of {n}; the features described add up to "
                         f"{res.score} ({res.summary()}). Correct the score or the description."),
                snippet_ids=ids,
                stance="contradicts",
            ))
    if res.unqualified:
        flags.append(Flag(
            code="seven-point-unqualified", severity="info", region="dermoscopy",
            message=("Described without saying regular/typical or irregular/atypical: "
                     f"{', '.join(res.unqualified)}. The 7-point checklist counts only the irregular or "
                     "atypical forms; state which."),
            snippet_ids=_known(["seven-point-checklist"], snippets),
        ))
    return flags


def check_abcde(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    res = abcde_features(draft.findings, case)
    if not res.features:
        return []
    names = {"A": "asymmetry", "B": "irregular border", "C": "multiple colours", "D": "diameter > 6 mm",
             "E": "evolving"}
    present = ", ".join(
        f"{k} ({names[k]}{': ' + ', '.join(res.colours) if k == 'C' and res.colours else ''}"
        f"{f': {res.diameter_mm:g} mm' if k == 'D' and res.diameter_mm else ''})"
        for k in "ABCDE" if k in res.features
    )
    ids = _known(["abcde-melanoma"] + [_ABCDE_SNIPPETS[k] for k in "ABCDE" if k in res.features], snippets)
    first = next((fid for _, fid in res.features.values() if fid), None)
    flags = [Flag(code="abcde-features", severity="info", finding_id=first,
                  message=f"ABCDE features described: {present}. They are warning signs for melanoma, "
                          "not a diagnosis.", snippet_ids=ids)]
    benign = [item for item in draft.impression if _asserted(item, _BENIGN)]
    if benign:
        words = re.compile(r"\b(?:" + "|".join(_ABCDE_WORDS[k] for k in res.features) + r")\b", re.I)
        commented = any(_COMMENT.search(item) or words.search(item) for item in draft.impression)
        if not commented:
            flags.append(Flag(
                code="abcde-benign-without-comment", severity="warning", finding_id=first,
                message=(f"The impression calls the lesion benign ('{benign[0]}') without comment, but the "
                         f"findings describe ABCDE features: {present}. Explain why they are not concerning "
                         "or state the plan (for example dermoscopy, monitoring or excision)."),
                snippet_ids=ids,
            ))
    return flags


def check_description(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    flags: list[Flag] = []
    described = [f for f in draft.findings if not f.is_default]
    regions = set(template.region_names)
    if not any(lesion_diameter_mm(f.text) is not None for f in described if f.region != "dermoscopy"):
        flags.append(Flag(
            code="lesion-size-missing", severity="warning", region="size" if "size" in regions else None,
            message="No measured size: state the lesion's largest diameter in mm (needed for the D of ABCDE and "
                    "for comparison over time).",
            snippet_ids=_known(["lesion-description-size", "abcde-diameter"], snippets),
        ))
    if not any(_SITE.search(f.text) for f in described):
        flags.append(Flag(
            code="lesion-site-missing", severity="warning",
            region="distribution_site" if "distribution_site" in regions else None,
            message="No body site: state where the lesion is, with laterality (e.g. left upper back).",
            snippet_ids=_known(["lesion-description-site"], snippets),
        ))
    return flags


RULES = (check_seven_point, check_abcde, check_description)


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    by_id = {s.id: s for s in snippets}
    out: list[Flag] = []
    for rule in RULES:
        out.extend(rule(draft, case, template, by_id))
    return out
