"""Radiology rule checks (``pixtralogist_verify``): Fleischner 2017 (CT chest; on a chest radiograph
only the local CT-first convention, since Fleischner is defined on CT), ACR incidental adrenal and
thyroid nodules (any template that reports them, in practice CT chest), BTS pneumothorax size and
cardiothoracic ratio (chest radiograph only; the ratio on PA films only).

The mediastinal lymph node threshold (15 mm short axis) is marked "(check)" in
the project's clinical notes and is deliberately NOT encoded as a rule until it
has been confirmed against the ACR white paper. Brain MRI has no rules: the
clinical notes hold no brain-specific fact to check against.

Each rule cites the guideline snippets it relies on (ids from ``data/guidelines.yaml``)
and states what it does not cover; no rule cites a snippet whose applicability its own test
rejects as backing for a category. A flag's ``stance`` is set only where the rule compared the
report's wording with the guideline (``contradicts``/``supports``). The rules never change the
draft: they flag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

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

#: Regions holding lung findings, by template.
LUNG_REGIONS = {"lung", "lungs_airways"}
#: Templates on which pulmonary nodules are checked against Fleischner 2017.
NODULE_TEMPLATES = {"cxr", "ct_chest"}
# a nodule of another organ is not a pulmonary nodule
_NON_PULMONARY = re.compile(
    r"\b(thyroid|adrenal|lymph|nodes?|liver|hepatic|renal|kidneys?|splen\w*|pancrea\w*|breasts?|skin|"
    r"subcutaneous|axilla\w*|pleural|goiter)\b", re.I)
_SCREENING = re.compile(r"\b(lung cancer screening|screening (?:low[- ]dose )?ct|ldct|screening)\b", re.I)
_KNOWN_CANCER = re.compile(
    r"\b(known (?:\w+ )?(?:cancer|malignancy|carcinoma|primary|metasta\w*)|metastatic|history of (?:\w+ ){0,2}"
    r"(?:cancer|carcinoma|malignancy|lymphoma|melanoma|sarcoma)|(?:cancer|carcinoma|lymphoma|melanoma) staging|"
    r"staging|oncolog\w*|on chemotherapy)\b", re.I)
_IMMUNO = re.compile(
    r"\b(immunosuppress\w*|immunocompromis\w*|immune[- ]?compromis\w*|transplant\w*|hiv|aids|neutropeni\w*)\b", re.I)
_AGE = re.compile(
    r"\b(\d{1,3})[- ]?(?:year|yr)s?[- ]old\b|\b(\d{1,3}) ?(?:y/?o|yo)\b|\bage[d]?:? (\d{1,3})\b",
    re.I)
_ADRENAL = re.compile(r"\badrenal", re.I)
_THYROID = re.compile(r"\bthyroid", re.I)
_LESION = re.compile(r"\b(nodules?|mass(?:es)?|lesions?|adenomas?|incidentalomas?)\b", re.I)
_HU = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:hu|hounsfield)", re.I)
_UNENHANCED = re.compile(r"\b(unenhanced|non-?contrast|noncontrast|non-?enhanced|without (?:iv |intravenous )?contrast)\b", re.I)
_MACRO_FAT = re.compile(r"\b(macroscopic fat|fat[- ]containing|contains? (?:macroscopic )?fat)\b", re.I)
_ADRENAL_PLAN = re.compile(
    r"\b(recommend\w*|consider\w*|adrenal (?:protocol )?(?:ct|mri?)|washout|dedicated (?:ct|mri?)|resection|"
    r"surg\w*|endocrin\w*|work-?up|follow-?up)\b", re.I)
_COMPARED = re.compile(r"\b(stable|unchanged|prior|previous|compared|since \d{4})\b", re.I)
_THYROID_SUSPICIOUS = re.compile(
    r"\b(suspicious|invasi\w*|extrathyroidal|abnormal (?:cervical )?lymph|microcalcification\w*)\b", re.I)


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


@lru_cache(maxsize=1)
def _concept_table() -> dict[str, tuple[str, ...]]:
    """Radiology's check concepts (``data.check_concepts`` of common.yaml, shared by its templates)."""
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    return lexicon_for("cxr").check_concepts


def _asserted(f: Finding, concept: str) -> bool:
    return not f.negated and concept in concepts(f.text, _concept_table())


def _known(ids: list[str], snippets: dict[str, GuidelineSnippet]) -> list[str]:
    return [i for i in ids if i in snippets]


def patient_age(text: str) -> int | None:
    """The patient's age in years stated in ``text`` ("58-year-old", "58 yo", "aged 58"), or None."""
    for m in _AGE.finditer(text or ""):
        value = next(g for g in m.groups() if g)
        age = int(value)
        if 0 < age < 120:
            return age
    return None


def fleischner_exclusion(case: Case) -> str | None:
    """Why Fleischner 2017 does not apply to ``case`` (from its indication and notes), or None.

    Fleischner 2017 is for incidental nodules in adults aged 35 or older; not for lung cancer
    screening, patients with a known cancer, or immunosuppressed patients.
    """
    context = " ".join([case.indication, case.notes])
    age = patient_age(context)
    if age is not None and age < 35:
        return f"the patient is {age} (Fleischner 2017 covers adults aged 35 or older)"
    for rx, what in ((_SCREENING, "lung cancer screening"), (_KNOWN_CANCER, "a known cancer"),
                     (_IMMUNO, "immunosuppression")):
        m = rx.search(context)
        if m:
            return f"the request mentions '{m.group(0)}' ({what} is outside Fleischner 2017)"
    return None


def _pulmonary_nodule(f: Finding) -> bool:
    return _asserted(f, "nodule") and not _NON_PULMONARY.search(f.text)


def check_nodules(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    """Fleischner 2017 for pulmonary nodules on CT chest; the CT-first convention on a chest radiograph.

    Fleischner 2017 is defined on CT (``fleischner-2017-scope``), so on a chest radiograph no
    Fleischner size category or measurement snippet is cited: the radiograph rule cites only the
    local CT-first convention, and asks for a recommendation (CT) when the report has none.
    """
    if template.id not in NODULE_TEMPLATES:
        return []
    flags: list[Flag] = []
    recommended = bool(_RECOMMEND.search(" ".join(draft.impression))) or any(
        _RECOMMEND.search(f.text) for f in draft.findings if f.region in LUNG_REGIONS or f.region == "others")
    on_radiograph = template.id == "cxr"
    excluded = fleischner_exclusion(case)
    for f in draft.findings:
        if not _pulmonary_nodule(f):
            continue
        if on_radiograph:
            flags.extend(_radiograph_nodule(f, recommended, snippets))
            continue
        if excluded is not None:
            flags.append(Flag(code="fleischner-not-applicable", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': Fleischner 2017 categories are not applied: {excluded}. "
                                      "Follow the pathway that fits this patient.",
                              snippet_ids=_known(["fleischner-2017-scope"], snippets)))
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
        flags.append(Flag(code="fleischner-category", severity="info", region=f.region, finding_id=f.id,
                          message=f"{f.size_mm:g} mm nodule: Fleischner 2017 {cat.label}: {cat.action} ({scope}).",
                          snippet_ids=ids))
        if not recommended:
            flags.append(Flag(code="fleischner-followup-missing", severity="warning", region=f.region, finding_id=f.id,
                              message=f"{f.size_mm:g} mm nodule with no follow-up recommendation in the report. "
                                      f"Fleischner 2017 {cat.label}: {cat.action}.",
                              snippet_ids=ids))
    return flags


def _radiograph_nodule(f: Finding, recommended: bool, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    """A nodule on a chest radiograph: Fleischner categories are defined on CT, so none is applied."""
    ids = _known(["local-convention-cxr-nodule-ct-first"], snippets)
    size = f"{f.size_mm:g} mm nodule" if f.size_mm is not None else "Nodule"
    flags = [Flag(code="cxr-nodule-ct-first", severity="info", region=f.region, finding_id=f.id,
                  message=f"{size} on a chest radiograph: Fleischner 2017 size categories are defined on CT and are "
                          "not applied to a radiograph. Local convention (not Fleischner): characterise the nodule "
                          "with CT first, then apply Fleischner to the CT.",
                  snippet_ids=ids)]
    if not recommended:
        flags.append(Flag(code="cxr-nodule-recommendation-missing", severity="warning", region=f.region,
                          finding_id=f.id,
                          message=f"{size} on a chest radiograph with no recommendation in the report; by local "
                                  "convention a CT is usually recommended to characterise it.",
                          snippet_ids=ids))
    return flags


def check_pneumothorax(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    if template.id != "cxr":  # the BTS 2010 size criterion is measured on a chest radiograph
        return []
    flags = []
    ids = _known(["bts-2010-pneumothorax-size"], snippets)
    for f in draft.findings:
        if not _asserted(f, "pneumothorax") or f.size_mm is None:
            continue
        large = f.size_mm >= 20
        if large and _SMALL.search(f.text):
            flags.append(Flag(code="pneumothorax-size-inconsistent", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': a {f.size_mm:g} mm rim is large by BTS 2010 (>= 2 cm at the hilum).",
                              snippet_ids=ids, stance="contradicts"))
        elif not large and _LARGE.search(f.text) and "tension" not in f.text.lower():
            flags.append(Flag(code="pneumothorax-size-inconsistent", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': a {f.size_mm:g} mm rim is below the BTS 2010 'large' threshold "
                                      "(2 cm at the hilum).", snippet_ids=ids, stance="contradicts"))
        else:
            # the report's own size word, where it gives one, was checked against the threshold above
            worded = bool(_LARGE.search(f.text) if large else _SMALL.search(f.text))
            flags.append(Flag(code="pneumothorax-size", severity="info", region=f.region, finding_id=f.id,
                              message=f"{f.size_mm:g} mm rim: {'large' if large else 'small'} by BTS 2010 "
                                      "(large if >= 2 cm at the level of the hilum).", snippet_ids=ids,
                              stance="supports" if worded else None))
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
            # the CTR criterion is valid on PA films only: on an AP film it is not applied at all
            if m and float(m.group(1)) > 0.5 and not f.negated and not ap_film:
                flags.append(Flag(code="ctr-above-threshold", severity="warning", region=f.region, finding_id=f.id,
                                  message=f"CTR {m.group(1)} is above 0.5, yet cardiomegaly is not reported "
                                          "(valid on PA films only).", snippet_ids=ids, stance="contradicts"))
            continue
        if ap_film:
            # the cited snippet is the criterion the rule says does not apply here: cited without a stance
            flags.append(Flag(code="cardiomegaly-ap-film", severity="warning", region=f.region, finding_id=f.id,
                              message="Cardiomegaly on an AP/portable film: the cardiothoracic ratio criterion is "
                                      "valid on PA films only; consider wording such as 'cardiac silhouette "
                                      "appears enlarged, AP technique'.", snippet_ids=ids))
            continue
        m = _CTR.search(f.text)
        if m and float(m.group(1)) <= 0.5:
            flags.append(Flag(code="ctr-below-threshold", severity="warning", region=f.region, finding_id=f.id,
                              message=f"Cardiomegaly reported with CTR {m.group(1)}, which is not above 0.5.",
                              snippet_ids=ids, stance="contradicts"))
    return flags


def _report_text(draft: Draft) -> str:
    return " ".join([*(f.text for f in draft.findings if not f.is_default), *draft.impression])


def check_adrenal(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    """ACR 2017 incidental adrenal nodule size bands (< 1 cm; >= 1 cm with benign features; 1-4 cm
    indeterminate; > 4 cm)."""
    flags: list[Flag] = []
    report = _report_text(draft)
    context = " ".join([case.indication, case.notes, *(img.meta.study_description or "" for img in case.images)])
    cancer = _KNOWN_CANCER.search(" ".join([case.indication, case.notes]))
    for f in draft.findings:
        if f.negated or f.is_default or not (_ADRENAL.search(f.text) and _LESION.search(f.text)) or f.size_mm is None:
            continue
        if cancer is not None:
            # the ACR size bands are for incidental adrenal nodules; with a known cancer the nodule is not incidental
            flags.append(Flag(code="acr-adrenal-not-applicable", severity="info", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': the ACR 2017 incidental adrenal categories are not applied: the "
                                      f"request mentions '{cancer.group(0)}', so the nodule is not an incidental "
                                      "finding. Follow the pathway that fits this patient."))
            continue
        size = f.size_mm
        hu = [float(v) for v in _HU.findall(f.text)]
        unenhanced = bool(_UNENHANCED.search(f.text) or _UNENHANCED.search(context))
        benign = bool(_MACRO_FAT.search(f.text)) or (bool(hu) and min(hu) <= 10 and unenhanced)
        planned = bool(_ADRENAL_PLAN.search(report.replace(f.text, "")) or _ADRENAL_PLAN.search(f.text))
        if size < 10:
            ids, label, action = ["acr-2017-adrenal-lt1cm"], "under 1 cm", "no further work-up"
        elif benign:
            ids, label, action = (["acr-2017-adrenal-benign-features"], "1 cm or more with benign features "
                                  "(macroscopic fat, or 10 HU or less unenhanced)", "no follow-up")
        elif size <= 40:
            ids, label, action = (["acr-2017-adrenal-1-4cm-indeterminate"], "1-4 cm, indeterminate",
                                  "if there is no prior imaging, consider dedicated adrenal CT or MRI")
        else:
            ids, label, action = ["acr-2017-adrenal-gt4cm"], "over 4 cm", "consider resection"
        ids = _known(ids, snippets)
        flags.append(Flag(code="acr-adrenal-category", severity="info", region=f.region, finding_id=f.id,
                          message=f"{size:g} mm adrenal nodule: ACR 2017 incidental adrenal mass, {label}: {action} "
                                  "(applies to incidentally found adrenal nodules).", snippet_ids=ids))
        needs_plan = size > 40 or (size >= 10 and not benign and not (case.comparison or _COMPARED.search(f.text)))
        if needs_plan and not planned:
            flags.append(Flag(code="acr-adrenal-workup-missing", severity="warning", region=f.region, finding_id=f.id,
                              message=f"{size:g} mm adrenal nodule with no work-up recommendation in the report. "
                                      f"ACR 2017, {label}: {action}.", snippet_ids=ids))
    return flags


def check_thyroid(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    """ACR 2015 incidental thyroid nodules: no further imaging under 1 cm (age < 35) or under 1.5 cm
    (age >= 35) without suspicious features; anything else is referred to the white paper."""
    flags: list[Flag] = []
    age = patient_age(" ".join([case.indication, case.notes]))
    young, older = "acr-2015-thyroid-incidental-under-35", "acr-2015-thyroid-incidental-35-plus"
    for f in draft.findings:
        if f.negated or f.is_default or not (_THYROID.search(f.text) and _LESION.search(f.text)) or f.size_mm is None:
            continue
        size = f.size_mm
        if _THYROID_SUSPICIOUS.search(f.text):
            flags.append(Flag(code="acr-thyroid-beyond-criterion", severity="warning", region=f.region, finding_id=f.id,
                              message=f"'{f.text}': suspicious features are described, so the ACR 2015 "
                                      "no-further-imaging criterion for incidental thyroid nodules does not apply; "
                                      "consult the white paper.", snippet_ids=_known([young, older], snippets)))
            continue
        limit = None if age is None else (10 if age < 35 else 15)
        ids = _known([young] if age is not None and age < 35 else [older] if age is not None else [young, older],
                     snippets)
        if size < 10 or (limit is not None and size < limit):
            rule = "under 1 cm" if size < 10 else "under 1.5 cm at age 35 or older"
            flags.append(Flag(code="acr-thyroid-category", severity="info", region=f.region, finding_id=f.id,
                              message=f"{size:g} mm incidental thyroid nodule, {rule}: no further imaging by the "
                                      "ACR 2015 white paper if it has no suspicious features.", snippet_ids=ids))
        elif limit is None and size < 15:
            flags.append(Flag(code="acr-thyroid-age-needed", severity="info", region=f.region, finding_id=f.id,
                              message=f"{size:g} mm incidental thyroid nodule: the ACR 2015 no-further-imaging "
                                      "threshold is 1 cm under age 35 and 1.5 cm at 35 or older; the age is not "
                                      "stated in the request.", snippet_ids=ids))
        else:
            flags.append(Flag(code="acr-thyroid-beyond-criterion", severity="warning", region=f.region, finding_id=f.id,
                              message=f"{size:g} mm incidental thyroid nodule is not below the ACR 2015 "
                                      "no-further-imaging size for this age; consult the white paper for work-up.",
                              snippet_ids=ids))
    return flags


RULES = (check_nodules, check_pneumothorax, check_cardiomegaly, check_adrenal, check_thyroid)


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    by_id = {s.id: s for s in snippets}
    out: list[Flag] = []
    for rule in RULES:
        out.extend(rule(draft, case, template, by_id))
    return out
