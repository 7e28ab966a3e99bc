"""Ophthalmology rule checks (``pixtralogist_verify``): ICDR grade, eye laterality, DME in the impression.

Each rule reads the draft's findings and impression TEXT (so clinician edits are
checked the same way as drafted text), cites the guideline snippets it relies on
(ids from ``data/guidelines.yaml``) and never changes the draft.

* ``icdr-grade-derived`` (info): the ICDR level the findings described support,
  per eye where the findings name the eye, with the lesions that drive it.
* ``icdr-grade-mismatch`` (warning): the impression states another level.
* ``icdr-grade-missing`` (warning): diabetic retinopathy findings are described
  but the impression states no level (for that eye). Findings count as diabetic
  retinopathy when the case is diabetic (indication, notes, findings or
  impression say so) or a lesion typical of it is named (microaneurysms, venous
  beading, IRMA); hemorrhages alone in a non-diabetic case are not graded.
* ``icdr-grade-drafted`` (info): the impression holds a level the offline drafter derived from
  the dictated lesions (not dictated): confirm or correct it.
* ``icdr-421-detail`` (info): what the findings would have to state for the
  4-2-1 rule to be applied (hemorrhage count, beading quadrants, IRMA prominence).
* ``eye-laterality-mismatch`` (warning): the impression puts a finding or a
  grade in an eye where the findings do not describe it, while they do in the
  other eye.
* ``dme-missing-from-impression`` (warning): the findings describe (diabetic)
  macular edema and the impression does not mention it (DME is graded separately).
* ``dme-severity-unstated`` (info): DME is described without centre involvement
  or distance from the fovea.

Not covered: referral or treatment advice, glaucoma or papilledema criteria, other
retinal vascular diseases, and images themselves (only the text is checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, Template
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.grading import (
    DRAFTED_NOTE,
    Derived,
    Described,
    derive,
    dr_typical,
    lesion_mentions,
    scope as _scope,
    stated_grades,
)

__all__ = ["RULES", "SNIPPETS", "verify"]

GRADE_SNIPPETS = {
    0: "icdr-2003-no-apparent-retinopathy",
    1: "icdr-2003-mild-npdr",
    2: "icdr-2003-moderate-npdr",
    3: "icdr-2003-severe-npdr-4-2-1",
    4: "icdr-2003-pdr",
}
SCALE = "icdr-2003-scale"
DME_SEPARATE = "icdr-2003-dme-separate"
DME_SEVERITY = "icdr-2003-dme-severity"
LATERALITY = "local-convention-eye-laterality"
#: Every snippet id a rule may cite (a test checks they exist in the corpus).
SNIPPETS = frozenset(GRADE_SNIPPETS.values()) | {SCALE, DME_SEPARATE, DME_SEVERITY, LATERALITY}

_DME_DETAIL = re.compile(r"cent(?:er|re)[- ]involv\w*|\b(?:mild|moderate|severe)\b|\bfovea\w*|\bdisc\s+diameters?\b|"
                         r"\b\d+(?:\.\d+)?\s*(?:mm|um|µm|microns?)\b|\bcsme\b|clinically\s+significant", re.I)
#: Concepts compared between findings and impression for laterality (besides the lesions): lexicon data.
_EXTRA_CONCEPTS: dict[str, re.Pattern[str]] = {
    c: re.compile("|".join(lexicon.EYE.concept(c).patterns), re.I) for c in lexicon.EYE.data["laterality_concepts"]}
_NEG = re.compile(r"^\s*(?:no|without|negative\s+for|absence\s+of)\b", re.I)


@dataclass(frozen=True)
class _Sentence:
    text: str
    eyes: frozenset[str]
    finding_id: str | None
    region: str | None


def _eyes(text: str, laterality: str | None) -> frozenset[str]:
    eyes = lexicon.eyes_of(text)
    if eyes:
        return eyes
    if laterality == "bilateral":
        return frozenset({"right", "left"})
    return frozenset({laterality}) if laterality in ("right", "left") else frozenset()


def _findings(draft: Draft) -> list[_Sentence]:
    """Findings the clinician or the drafter wrote (template defaults say nothing was described)."""
    return [_Sentence(f.text, _eyes(f.text, f.laterality), f.id, f.region) for f in draft.findings if not f.is_default]


def _known(ids: list[str], snippets: dict[str, GuidelineSnippet]) -> list[str]:
    return [i for i in dict.fromkeys(ids) if i in snippets]


def _eye_label(eyes: frozenset[str]) -> str:
    if len(eyes) == 2:
        return "both eyes"
    return f"{next(iter(eyes))} eye" if eyes else "eye not stated"


def diabetic_context(draft: Draft, case: Case) -> bool:
    texts = [case.indication, case.notes, case.prior_report, *draft.impression, *(f.text for f in draft.findings)]
    return any(lexicon.DIABETIC_CONTEXT_RE.search(t or "") for t in texts)


# --- ICDR grade ----------------------------------------------------------------------------------


def check_icdr(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    sentences = _findings(draft)
    described = [Described(s.text, s.eyes, s.finding_id) for s in sentences]
    derived = derive(described)
    stated = stated_grades(draft.impression)
    dr_specific = dr_typical(derived["any"], described)
    relevant = derived["any"].has_dr_lesions and (dr_specific or diabetic_context(draft, case))
    if not relevant and not stated:
        return []
    flags: list[Flag] = []
    scope = {k: v for k, v in _scope(derived, described).items() if v.has_dr_lesions}
    per_eye = "any" not in scope and bool(scope)

    # info: the derived level, per eye
    if relevant:
        for key, d in scope.items():
            where = f" ({key} eye)" if key != "any" else ""
            drivers = sorted({lesion.replace("_", " ") for lesion, _, _ in d.drivers})
            first = next((fid for _, _, fid in d.drivers if fid), None)
            ids = _known([GRADE_SNIPPETS[d.definite], GRADE_SNIPPETS[d.possible], SCALE], snippets)
            flags.append(Flag(
                code="icdr-grade-derived", severity="info", region=None, finding_id=first,
                message=f"Findings described{where} fit ICDR {d.label()} (lesions: {', '.join(drivers)}). "
                        "This is a reading of the text, not of the images; grade per eye.",
                snippet_ids=ids))
            if d.details:
                flags.append(Flag(
                    code="icdr-421-detail", severity="info", region=None, finding_id=first,
                    message=f"To apply the 4-2-1 rule{where}: " + "; ".join(d.details) + ".",
                    snippet_ids=_known([GRADE_SNIPPETS[3]], snippets)))

    for item in draft.impression:
        if DRAFTED_NOTE in item:
            flags.append(Flag(
                code="icdr-grade-drafted", severity="info", region=None,
                message=f"Impression: '{item.strip()}' was drafted from the lesions described, not dictated: "
                        "confirm or correct the level (per eye).", snippet_ids=_known([SCALE], snippets)))

    # the impression's grades against the findings
    covered: set[str] = set()
    for g in stated:
        # an eye-named grade is compared with that eye when the findings name eyes; otherwise with the study
        targets = sorted(g.eyes) if (per_eye and g.eyes) else ["any"]
        covered |= set(targets) if targets != ["any"] else {"any", "right", "left"}
        for key in targets:
            d = derived[key]
            if d.accepts(g.low, g.high):
                continue
            other = {"right": "left", "left": "right"}.get(key)
            if per_eye and other and not d.has_dr_lesions and derived[other].accepts(g.low, g.high) and g.low > 0:
                flags.append(Flag(
                    code="eye-laterality-mismatch", severity="warning", region=None,
                    finding_id=next((fid for _, _, fid in derived[other].drivers if fid), None),
                    message=f"Impression: '{g.item.strip()}' puts {g.label()} in the {key} eye, but the findings "
                            f"describe these lesions in the {other} eye only. Check the eye (OD/OS).",
                    snippet_ids=_known([LATERALITY, GRADE_SNIPPETS[g.low]], snippets)))
                continue
            where = f" in the {key} eye" if key != "any" else ""
            flags.append(Flag(
                code="icdr-grade-mismatch", severity="warning", region=None,
                finding_id=next((fid for _, _, fid in d.drivers if fid), None),
                message=f"Impression states {g.label()}{where}, but the findings described fit ICDR {d.label()}"
                        + (f" ({', '.join(sorted({l.replace('_', ' ') for l, _, _ in d.drivers}))})" if d.drivers else
                           " (no diabetic retinopathy lesion described)")
                        + ". Reconcile the grade with the findings.",
                snippet_ids=_known([GRADE_SNIPPETS[d.definite], GRADE_SNIPPETS[min(g.low, 4)], SCALE], snippets), stance="contradicts"))

    # findings with DR lesions and no grade (for that eye)
    if relevant:
        for key, d in scope.items():
            if key in covered:
                continue
            where = f" for the {key} eye" if key != "any" else ""
            flags.append(Flag(
                code="icdr-grade-missing", severity="warning", region=None,
                finding_id=next((fid for _, _, fid in d.drivers if fid), None),
                message=f"Diabetic retinopathy lesions are described{where} but the impression states no ICDR "
                        f"level; the findings fit {d.label()}. Add the grade (per eye) if this is diabetic "
                        "retinopathy.",
                snippet_ids=_known([GRADE_SNIPPETS[d.definite], SCALE], snippets)))
    return flags


# --- laterality of findings in the impression -----------------------------------------------------


def _concepts(text: str) -> set[str]:
    out = {m.lesion for m in lesion_mentions(text) if not m.negated}
    for name, rx in _EXTRA_CONCEPTS.items():
        m = rx.search(text)
        if m and not _NEG.match(text[: m.start()] + " ") and not re.search(r"\bno\s+(?:\w+\s+){0,2}$", text[: m.start()], re.I):
            out.add(name)
    if "hemorrhage" in out:
        out.add("any_hemorrhage")
    return out


def check_laterality(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    where: dict[str, set[str]] = {}
    first: dict[str, str | None] = {}
    for s in _findings(draft):
        if not s.eyes:
            continue
        for c in _concepts(s.text):
            where.setdefault(c, set()).update(s.eyes)
            first.setdefault(c, s.finding_id)
    flags: list[Flag] = []
    for item in draft.impression:
        if stated_grades([item]) and not {c for c in _concepts(item)} - {"any_hemorrhage"}:
            continue  # grade statements are checked by check_icdr
        for clause in re.split(r"\s*;\s*|\.\s+", item):
            eyes = lexicon.eyes_of(clause)
            if not eyes:
                continue
            for c in sorted(_concepts(clause) - {"any_hemorrhage"}):
                seen = where.get(c)
                if not seen or eyes & seen:
                    continue
                flags.append(Flag(
                    code="eye-laterality-mismatch", severity="warning", region=None, finding_id=first.get(c),
                    message=f"Impression: '{clause.strip()}' names the {_eye_label(eyes)}, but the findings describe "
                            f"{c.replace('_', ' ')} in the {_eye_label(frozenset(seen))}. Check the eye (OD/OS).",
                    snippet_ids=_known([LATERALITY], snippets)))
    return flags


# --- DME -----------------------------------------------------------------------------------------


def check_dme(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    dme = [s for s in _findings(draft) if any(m.lesion == "dme" and not m.negated for m in lesion_mentions(s.text))]
    if not dme:
        return []
    flags: list[Flag] = []
    in_impression = any(m.lesion == "dme" and not m.negated for item in draft.impression for m in lesion_mentions(item))
    if not in_impression:
        eyes = frozenset().union(*(s.eyes for s in dme))
        where = f" ({_eye_label(eyes)})" if eyes else ""
        flags.append(Flag(
            code="dme-missing-from-impression", severity="warning", region=dme[0].region, finding_id=dme[0].finding_id,
            message=f"The findings describe macular edema{where} ('{dme[0].text}') but the impression does not "
                    "mention it. Diabetic macular edema is graded separately from the retinopathy level: state "
                    "it (present, and its severity) in the impression.",
            snippet_ids=_known([DME_SEPARATE, DME_SEVERITY], snippets)))
    if not any(_DME_DETAIL.search(s.text) for s in dme) and not any(_DME_DETAIL.search(i) for i in draft.impression
                                                                   if "edema" in i.lower() or "dme" in i.lower()):
        flags.append(Flag(
            code="dme-severity-unstated", severity="info", region=dme[0].region, finding_id=dme[0].finding_id,
            message="Macular edema is described without its severity or its distance from the fovea centre "
                    "(centre-involving or not).",
            snippet_ids=_known([DME_SEVERITY], snippets)))
    return flags


RULES = (check_icdr, check_laterality, check_dme)


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    """Every ophthalmology rule on ``draft`` (flags only; the draft is not modified)."""
    by_id = {s.id: s for s in snippets}
    out: list[Flag] = []
    for rule in RULES:
        out.extend(rule(draft, case, template, by_id))
    return out
