"""Routing signals for dental radiographs: DICOM modality and body part, words in the request.

``score_case(case)`` is a pure function of the case; the plugin's
``pixtralogist_route`` hook returns its result. Dental words alone must carry a
PNG case past the router's confidence threshold (0.6), and a chest X-ray case
must score nothing here.
"""

from __future__ import annotations

import re

from pixtralogist.core.models import Case, RouteScore

#: DICOM Modality codes: IO = intra-oral radiography, PX = panoramic X-ray.
DENTAL_MODALITIES = {"IO", "PX"}
DENTAL_BODY_PARTS = {"JAW", "MANDIBLE", "MAXILLA", "TOOTH", "TEETH", "TMJ"}
_DENTAL_WORDS = re.compile(
    r"\b(dental|dentition|tooth|teeth|molars?|premolars?|incisors?|canines?|wisdom|caries|carious|"
    r"bitewings?|periapical|panoramic|opg|orthopantomogram|intra-?oral|periodontal|perio|"
    r"restorations?|fillings?|amalgam|composite|crowns?|root canal|rct|endodontic|implants?|"
    r"alveolar|furcation|calculus|mandib\w*|maxill\w*)\b|(?<!\w)#[1-8]\d\b",
    re.I,
)
_RADIOGRAPH_WORDS = re.compile(r"\b(x-?ray|radiographs?|films?|bitewings?|opg)\b", re.I)


def score_case(case: Case, template_id: str = "dental") -> RouteScore:
    """A 0..1 score that ``case`` is a dental radiograph, with the reasons."""
    score = 0.0
    reasons: list[str] = []
    modality = (case.modality or "").upper()
    body = (case.body_part or "").upper()
    if modality in DENTAL_MODALITIES:
        score += 0.6
        reasons.append(f"DICOM modality {modality} ({'intra-oral' if modality == 'IO' else 'panoramic'})")
    elif modality:
        score -= 0.3
        reasons.append(f"DICOM modality {modality} is not a dental radiograph")
    if body in DENTAL_BODY_PARTS:
        score += 0.2
        reasons.append(f"body part {body}")
    request = " ".join([case.indication, case.notes, case.comparison])
    words = {m.group(0).lower() for m in _DENTAL_WORDS.finditer(request)}
    if words:
        score += min(0.6, 0.25 * len(words))
        reasons.append("dental words in request: " + ", ".join(sorted(words)[:5]))
        if _RADIOGRAPH_WORDS.search(request):
            score += 0.1
            reasons.append("radiograph named in request")
    if case.specialty_hint == "dental":
        score = max(score, 0.95)
        reasons.append("specialty requested")
    return RouteScore(specialty="dental", template_id=template_id, score=round(min(1.0, max(0.0, score)), 3),
                      reasons=reasons)
