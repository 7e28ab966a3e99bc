"""Routing signals for radiology: DICOM modality and body part, and words in the request."""

from __future__ import annotations

import re

from pixtralogist.core.models import Case, RouteScore

XRAY_MODALITIES = {"CR", "DX", "RG", "DR"}
CHEST_BODY_PARTS = {"CHEST", "THORAX", "LUNG", "PORT CHEST"}
_CHEST_WORDS = re.compile(
    r"\b(chest|cxr|thorax|thoracic|lungs?|pulmonary|pneumonia|pneumothorax|effusion|cough|dyspn(?:o)?ea|"
    r"shortness of breath|sob|heart failure|chf|cardiomegaly|rib|pleura[l]?|atelectasis|consolidation|"
    r"tb|tuberculosis|line placement|tube placement|pa and lateral|pa/lat|frontal and lateral|"
    r"heart|cardiac|mediastin\w*|hil(?:ar|um|a)|nodules?|ptx|rul|rml|rll|lul|lll|lingula|ett|ngt|"
    r"costophrenic|hemidiaphragm|sternotomy|granulomas?|emphysema|copd|airspace|opacity|opacities)\b",
    re.I,
)
_XRAY_WORDS = re.compile(r"\b(x-?ray|radiograph|cxr|film|pa and lateral|portable)\b", re.I)
_OTHER_SPECIALTY = re.compile(
    r"\b(skin|rash|mole|dermoscop\w*|lesion on (?:the )?(?:arm|leg|back|face)|fundus|retina\w*|oct\b|"
    r"optic disc|macula\w*|biopsy|histolog\w*|slide|resection specimen|margin status)\b",
    re.I,
)


def score_case(case: Case, template_id: str = "cxr") -> RouteScore:
    """A 0..1 score that ``case`` is a chest radiograph, with reasons."""
    score = 0.0
    reasons: list[str] = []
    modality = (case.modality or "").upper()
    body = (case.body_part or "").upper()
    if modality in XRAY_MODALITIES:
        score += 0.55
        reasons.append(f"DICOM modality {modality}")
    elif modality:
        score -= 0.3
        reasons.append(f"DICOM modality {modality} is not a radiograph")
    if body in CHEST_BODY_PARTS:
        score += 0.35
        reasons.append(f"body part {body}")
    elif body:
        score -= 0.2
    views = {img.meta.view for img in case.images if img.meta.view}
    if views & {"PA", "AP", "LL", "RL", "LATERAL", "LAT"}:
        score += 0.05
        reasons.append("radiographic view position")
    request = " ".join([case.indication, case.notes, case.comparison])
    words = {m.group(0).lower() for m in _CHEST_WORDS.finditer(request)}
    if words:
        score += min(0.5, 0.2 * len(words))
        reasons.append("chest words in request: " + ", ".join(sorted(words)[:5]))
    if _XRAY_WORDS.search(request):
        score += 0.25
        reasons.append("radiograph named in request")
    other = {m.group(0).lower() for m in _OTHER_SPECIALTY.finditer(request)}
    if other:
        score -= min(0.5, 0.2 * len(other))
        reasons.append("words of another specialty: " + ", ".join(sorted(other)[:5]))
    if case.specialty_hint == "radiology":
        score = max(score, 0.95)
        reasons.append("specialty requested")
    return RouteScore(specialty="radiology", template_id=template_id, score=round(min(1.0, max(0.0, score)), 3), reasons=reasons)
