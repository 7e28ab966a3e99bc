"""Routing signals for dermatology: DICOM modality, image metadata, and words in the request.

:func:`score_case` is a pure function of the :class:`~pixtralogist.core.models.Case`
(no I/O, no model) returning a 0..1 score with the reasons a clinician can read.

Signals, strongest first:

* an explicit ``specialty_hint='dermatology'`` (score at least 0.95);
* DICOM modality ``DMS`` (dermoscopy) or ``XC`` (external-camera photography),
  or ``VL`` (visible light); any other modality (CR, DX, CT, OP, SM, ...) counts
  against;
* body part ``SKIN`` or a study/series description naming skin, lesion,
  dermoscopy, naevus/nevus, mole, melanoma, rash;
* skin words in the indication and notes (strong: skin, mole, naevus/nevus,
  rash, dermoscopy, melanoma, pigmented, primary morphology terms and
  dermoscopic structures; weak: lesion, nodule, plaque, body sites);
* colour photographs (RGB) count a little for, grayscale images a little
  against (radiographs are grayscale).

Words of radiology ("chest x-ray", "cough", "lungs", "CT") and of the other
specialties (fundus, retina, OCT, histology slide) count against, so a plain
"Cough. Chest x-ray" case stays with radiology by a wide margin.
"""

from __future__ import annotations

import re

from pixtralogist.core.models import Case, RouteScore

NAME = "dermatology"
DERMATOLOGY_MODALITIES = {"DMS": 0.65, "XC": 0.5, "VL": 0.45}
SKIN_BODY_PARTS = {"SKIN", "SKIN LESION"}

_STRONG = re.compile(
    r"\b(skin|cutaneous|dermatolog\w*|derm|moles?|naev(?:us|i)|nev(?:us|i)|rash(?:es)?|dermoscop\w*|"
    r"dermatoscop\w*|melanomas?|pigmented|macules?|papules?|vesicles?|bullae?|pustules?|wheals?|"
    r"pigment network|blue[- ]whit(?:e|ish) veil|globules|streaks|regression structures|abcde|"
    r"7[- ]point checklist|seven[- ]point|psl|bcc|basal cell|seborrh?o?eic|keratosis|eczema|psoriasis|"
    r"dermatitis|urticaria|lentigo|freckles?|itchy|pruritic|ulcerated)\b",
    re.I,
)
_WEAK = re.compile(
    r"\b(lesions?|nodules?|plaques?|patch(?:es)?|spots?|growths?|scaly|crust\w*|erythematous|asymmetric|"
    r"irregular border|colou?r change|changing|scalp|face|forearm|shin|back|shoulder|thigh|cheek)\b",
    re.I,
)
_RADIOLOGY = re.compile(
    r"\b(x-?rays?|radiographs?|cxr|ct|mri|ultrasound|cough|dyspn(?:o)?ea|shortness of breath|lungs?|"
    r"pulmonary|pneumo\w+|effusions?|cardiomegaly|pa and lateral|portable|fracture|consolidation)\b",
    re.I,
)
_OTHER_SPECIALTY = re.compile(
    r"\b(fundus|retina\w*|oct\b|optic disc|macula\w*|diabetic retinopathy|slides?|histolog\w*|"
    r"h ?& ?e|microscop\w*|resection specimen|frozen section)\b",
    re.I,
)
_DESCRIPTION = re.compile(
    r"\b(skin|dermoscop\w*|dermatoscop\w*|dermatolog\w*|lesion|mole|naev\w*|nev(?:us|i)|melanoma|rash|"
    r"clinical photo\w*)\b",
    re.I,
)


def score_case(case: Case, template_id: str = "skin_lesion") -> RouteScore:
    """A 0..1 score that ``case`` is a skin lesion study, with reasons."""
    score = 0.0
    reasons: list[str] = []
    modality = (case.modality or "").upper()
    if modality in DERMATOLOGY_MODALITIES:
        score += DERMATOLOGY_MODALITIES[modality]
        reasons.append(f"DICOM modality {modality}")
    elif modality:
        score -= 0.4
        reasons.append(f"DICOM modality {modality} is not a skin photograph")
    body = (case.body_part or "").upper()
    if body in SKIN_BODY_PARTS:
        score += 0.3
        reasons.append(f"body part {body}")
    descriptions = " ".join(
        d for img in case.images for d in (img.meta.study_description, img.meta.series_description) if d
    )
    if _DESCRIPTION.search(descriptions):
        score += 0.3
        reasons.append("study description names skin or dermoscopy")

    if case.images:
        colour = [img.meta.channels >= 3 for img in case.images]
        if all(colour):
            score += 0.1
            reasons.append("colour photographs")
        elif not any(colour):
            score -= 0.1
            reasons.append("grayscale images")

    request = " ".join([case.indication, case.notes, case.comparison])
    strong = {m.group(0).lower() for m in _STRONG.finditer(request)}
    weak = {m.group(0).lower() for m in _WEAK.finditer(request)} - strong
    if strong:
        score += min(0.7, 0.3 * len(strong))
        reasons.append("skin words in request: " + ", ".join(sorted(strong)[:5]))
    if weak:
        score += min(0.2, 0.1 * len(weak))
        reasons.append("lesion words in request: " + ", ".join(sorted(weak)[:5]))
    radiology = {m.group(0).lower() for m in _RADIOLOGY.finditer(request)}
    if radiology:
        score -= min(0.6, 0.3 * len(radiology))
        reasons.append("radiology words in request: " + ", ".join(sorted(radiology)[:5]))
    other = {m.group(0).lower() for m in _OTHER_SPECIALTY.finditer(request)}
    if other:
        score -= min(0.5, 0.25 * len(other))
        reasons.append("words of another specialty: " + ", ".join(sorted(other)[:5]))
    if case.specialty_hint == NAME:
        score = max(score, 0.95)
        reasons.append("specialty requested")
    return RouteScore(specialty=NAME, template_id=template_id, score=round(min(1.0, max(0.0, score)), 3),
                      reasons=reasons)
