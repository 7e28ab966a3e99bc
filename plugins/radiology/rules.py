"""Radiology rule checks (``pixtralogist_verify``): Fleischner 2017, BTS pneumothorax size,
cardiothoracic ratio on PA films.

Each rule cites the guideline snippets it relies on (ids from ``data/guidelines.yaml``)
and states what it does not cover. The rules never change the draft: they flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core.concepts import concepts
from pixtralogist.core.models import Case, Draft, Finding, Flag, GuidelineSnippet, Template

_GGO = re.compile(r"\b(ground[- ]glass|ggo|ggn)\b", re.I)
_PART_SOLID = re.compile(r"\b(part[- ]solid|semi[- ]?solid|mixed (?:solid|attenuation))\b", re.I)
_MULTIPLE = re.compile(r"\b(nodules|multiple|several|numerous|bilateral nodul\w+)\b", re.I)
_RECOMMEND = re.compile(r"\b(ct|computed tomography|follow[- ]?up|recommend\w*|pet|biopsy|tissue sampling|surveillance)\b", re.I)
_SMALL = re.compile(r"\b(small|tiny|trace|minimal)\b", re.I)
_LARGE = re.compile(r"\b(large|big|massive|tension)\b", re.I)
_CTR = re.compile(r"\b(?:ctr|cardiothoracic ratio)\D{0,12}(0?\.\d+)", re.I)
_AP = re.compile(r"\b(ap|portable|supine|bedside)\b", re.I)


@dataclass(frozen=True)
class NoduleCategory:
    snippet_id: str
    label: str
    action: str


def fleischner_category(size_mm: float, *, kind: str = "solid", multiple: bool = False) -> NoduleCategory:
    """The Fleischner 2017 row for an incidental nodule of ``size_mm`` (mean diameter, rounded)."""
    size = round(size_mm)
    if kind == "solid":
        if multiple:
            if size < 6:
                return NoduleCategory("fleischner-2017-solid-multiple-lt6mm", "multiple solid < 6 mm",
                                      "no routine follow-up (low risk); optional CT at 12 months (high risk)")
            return NoduleCategory("fleischner-2017-solid-multiple-6mm-plus", "multiple solid >= 6 mm",
                                  "CT at 3-6 months, then consider CT at 18-24 months")
        if size < 6:
            return NoduleCategory("fleischner-2017-solid-single-lt6mm", "single solid < 6 mm",
                                  "no routine follow-up (low risk); optional CT at 12 months (high risk)")
        if size <= 8:
            return NoduleCategory("fleischner-2017-solid-single-6-8mm", "single solid 6-8 mm",
                                  "CT at 6-12 months, then CT at 18-24 months (considered for low risk)")
        return NoduleCategory("fleischner-2017-solid-single-gt8mm", "single solid > 8 mm",
                              "consider CT at 3 months, PET/CT, or tissue sampling")
    if multiple:
        if size < 6:
            return NoduleCategory("fleischner-2017-subsolid-multiple-lt6mm", "multiple subsolid < 6 mm",
                                  "CT at 3-6 months, then consider CT at 2 and 4 years")
        return NoduleCategory("fleischner-2017-subsolid-multiple-6mm-plus", "multiple subsolid >= 6 mm",
                              "CT at 3-6 months, then manage by the most suspicious nodule")
    if kind == "part-solid" and size >= 6:
        return NoduleCategory("fleischner-2017-part-solid-single-6mm-plus", "single part-solid >= 6 mm",
                              "CT at 3-6 months; if unchanged with solid part < 6 mm, annual CT for 5 years")
    if size < 6:
        return NoduleCategory("fleischner-2017-ground-glass-single-lt6mm", f"single {kind} < 6 mm",
                              "no routine follow-up")
    return NoduleCategory("fleischner-2017-ground-glass-single-6mm-plus", "single ground-glass >= 6 mm",
                          "CT at 6-12 months, then every 2 years until 5 years if persistent")


def nodule_kind(text: str) -> str:
    if _PART_SOLID.search(text):
        return "part-solid"
    if _GGO.search(text):
        return "ground-glass"
    return "solid"


def _asserted(f: Finding, concept: str) -> bool:
    return not f.negated and concept in concepts(f.text)


def _known(ids: list[str], snippets: dict[str, GuidelineSnippet]) -> list[str]:
    return [i for i in ids if i in snippets]


def check_nodules(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    flags: list[Flag] = []
    recommended = bool(_RECOMMEND.search(" ".join(draft.impression))) or any(
        _RECOMMEND.search(f.text) for f in draft.findings if f.region == "lung" or f.region == "others")
    on_radiograph = template.id == "cxr"
    for f in draft.findings:
        if not _asserted(f, "nodule"):
            continue
        if f.size_mm is None:
            flags.append(Flag(code="nodule-size-missing", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': no size given. State the mean diameter so a Fleischner "
                                      "category can be applied.",
                              snippet_ids=_known(["fleischner-2017-measurement"], snippets)))
            continue
        cat = fleischner_category(f.size_mm, kind=nodule_kind(f.text), multiple=bool(_MULTIPLE.search(f.text)))
        ids = _known([cat.snippet_id, "fleischner-2017-scope"], snippets)
        scope = ("Fleischner applies to incidental nodules on CT in adults >= 35, not to screening, known cancer "
                 "or immunosuppression")
        if on_radiograph:
            ids += _known(["local-convention-cxr-nodule-ct-first"], snippets)
            scope += "; on a radiograph, local convention is to characterise the nodule with CT first"
        flags.append(Flag(code="fleischner-category", severity="info", region=f.region, finding_id=f.id,
                          message=f"{f.size_mm:g} mm nodule: Fleischner 2017 {cat.label}: {cat.action} ({scope}).",
                          snippet_ids=ids))
        if not recommended:
            flags.append(Flag(code="fleischner-followup-missing", severity="warning", region=f.region, finding_id=f.id,
                              message=f"{f.size_mm:g} mm nodule with no follow-up recommendation in the report. "
                                      f"Fleischner 2017 {cat.label}: {cat.action}.",
                              snippet_ids=ids))
    return flags


def check_pneumothorax(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    flags = []
    ids = _known(["bts-2010-pneumothorax-size"], snippets)
    for f in draft.findings:
        if not _asserted(f, "pneumothorax") or f.size_mm is None:
            continue
        large = f.size_mm >= 20
        if large and _SMALL.search(f.text):
            flags.append(Flag(code="pneumothorax-size-inconsistent", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': a {f.size_mm:g} mm rim is large by BTS 2010 (>= 2 cm at the hilum).",
                              snippet_ids=ids))
        elif not large and _LARGE.search(f.text) and "tension" not in f.text.lower():
            flags.append(Flag(code="pneumothorax-size-inconsistent", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': a {f.size_mm:g} mm rim is below the BTS 2010 'large' threshold "
                                      "(2 cm at the hilum).", snippet_ids=ids))
        else:
            flags.append(Flag(code="pneumothorax-size", severity="info", region=f.region, finding_id=f.id,
                              message=f"{f.size_mm:g} mm rim: {'large' if large else 'small'} by BTS 2010 "
                                      "(large if >= 2 cm at the level of the hilum).", snippet_ids=ids))
    return flags


def check_cardiomegaly(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    if template.id != "cxr":
        return []
    flags = []
    ids = _known(["cxr-cardiomegaly-ctr-pa"], snippets)
    views = {(img.meta.view or "").upper() for img in case.images}
    context = " ".join([case.indication, case.notes])
    ap_film = "AP" in views or bool(_AP.search(context))
    for f in draft.findings:
        if not _asserted(f, "cardiomegaly"):
            m = _CTR.search(f.text)
            if m and float(m.group(1)) > 0.5 and not f.negated:
                flags.append(Flag(code="ctr-above-threshold", severity="warning", region=f.region, finding_id=f.id,
                                  message=f"CTR {m.group(1)} is above 0.5, yet cardiomegaly is not reported "
                                          "(valid on PA films only).", snippet_ids=ids))
            continue
        m = _CTR.search(f.text)
        if m and float(m.group(1)) <= 0.5:
            flags.append(Flag(code="ctr-below-threshold", severity="warning", region=f.region, finding_id=f.id,
                              message=f"Cardiomegaly reported with CTR {m.group(1)}, which is not above 0.5.",
                              snippet_ids=ids))
        if ap_film:
            flags.append(Flag(code="cardiomegaly-ap-film", severity="warning", region=f.region, finding_id=f.id,
                              message="Cardiomegaly on an AP/portable film: the cardiothoracic ratio criterion is "
                                      "valid on PA films only; consider wording such as 'cardiac silhouette "
                                      "appears enlarged, AP technique'.", snippet_ids=ids))
    return flags


RULES = (check_nodules, check_pneumothorax, check_cardiomegaly)


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    by_id = {s.id: s for s in snippets}
    out: list[Flag] = []
    for rule in RULES:
        out.extend(rule(draft, case, template, by_id))
    return out
