"""Routing signals for pathology: DICOM modality SM, body part, H&E-like colours, words.

Pure functions; :func:`score_case` adds up evidence into a 0..1 score with reasons:

* DICOM modality ``SM`` (slide microscopy) is strong evidence; another DICOM
  modality (CR, DX, CT, MG, OP, ...) counts against;
* a body part the templates cover (BREAST) adds a little;
* photomicrograph colours: most of the image pink/purple (eosin and
  haematoxylin), measured on a 64 x 64 thumbnail of an RGB image;
* pathology words in the indication/notes (biopsy, resection, lumpectomy,
  carcinoma, margins, H&E, synoptic, pT2 ...), minus words of other
  specialties (chest radiograph, skin lesion, fundus);
* an explicit ``specialty_hint`` of ``pathology``.
"""

from __future__ import annotations

import io
import re

from pixtralogist.core.models import Case, RouteScore, StudyImage

__all__ = ["BODY_PARTS", "PATHOLOGY_MODALITIES", "he_fraction", "score_case"]

PATHOLOGY_MODALITIES = {"SM"}
BODY_PARTS = {"BREAST"}

_WORDS = re.compile(
    r"\b(biops(?:y|ies)|bx|resections?|resected|excisions?|excisional|re-?excision|mastectomy|lumpectomy|"
    r"segmentectomy|quadrantectomy|histolog\w*|histopatholog\w*|patholog\w*|h\s?&\s?e|h and e|slides?|"
    r"carcinomas?|adenocarcinoma|idc|ilc|dcis|margins?|synoptic|cap protocols?|specimens?|frozen section|"
    r"nottingham|sentinel (?:lymph )?node|lymph nodes?|lymphovascular|lvi|immunohistochem\w*|ihc|"
    r"y?p[tn][0-4x][a-d]?|ptnm|tumou?r (?:size|grade)|microscop\w*|photomicrograph\w*|whole slide|wsi|"
    r"mitos[ie]s|pleomorphism|tubules?)\b",
    re.I,
)
_OTHER = re.compile(
    r"\b(chest x-?ray|cxr|radiograph\w*|x-?ray|cough|dyspn\w*|pneumonia|pneumothorax|effusion|"
    r"ct scan|mri|mammogra\w*|ultrasound|dermoscop\w*|rash|mole|skin lesion|fundus|retina\w*|oct|"
    r"optic disc|macula\w*|visual acuity)\b",
    re.I,
)


def he_fraction(image: StudyImage, size: int = 64) -> float:
    """Fraction of pixels with H&E-like colour: pink to purple hue (about 270-345 degrees), saturated, not dark.

    0.0 for grayscale images.
    """
    if image.meta.channels < 3:
        return 0.0
    from PIL import Image

    im = Image.open(io.BytesIO(image.png))
    if im.mode not in ("RGB", "RGBA"):
        return 0.0
    hsv = im.convert("RGB").resize((size, size)).convert("HSV")
    h, s, v = (list(c.getdata()) for c in hsv.split())
    lo, hi = round(270 / 360 * 255), round(345 / 360 * 255)
    hits = sum(1 for hh, ss, vv in zip(h, s, v) if lo <= hh <= hi and ss >= 25 and vv >= 60)
    return hits / float(size * size)


def score_case(case: Case, template_id: str = "breast-resection") -> RouteScore:
    """A 0..1 score that ``case`` is a pathology (slide) case for ``template_id``, with reasons."""
    score = 0.0
    reasons: list[str] = []
    modality = (case.modality or "").upper()
    body = (case.body_part or "").upper()
    if modality in PATHOLOGY_MODALITIES:
        score += 0.6
        reasons.append(f"DICOM modality {modality} (slide microscopy)")
    elif modality:
        score -= 0.3
        reasons.append(f"DICOM modality {modality} is not slide microscopy")
    if body in BODY_PARTS:
        score += 0.1
        reasons.append(f"body part {body}")
    if case.images and modality not in PATHOLOGY_MODALITIES:
        fractions = [he_fraction(img) for img in case.images]
        best = max(fractions)
        if best >= 0.5:
            score += 0.35
            reasons.append(f"H&E-like colours in {best:.0%} of an image")
    request = " ".join([case.indication, case.notes, case.comparison])
    words = {m.group(0).lower() for m in _WORDS.finditer(request)}
    if words:
        score += min(0.7, 0.15 * len(words))
        reasons.append("pathology words in request: " + ", ".join(sorted(words)[:5]))
    other = {m.group(0).lower() for m in _OTHER.finditer(request)}
    if other:
        score -= min(0.6, 0.25 * len(other))
        reasons.append("words of another specialty: " + ", ".join(sorted(other)[:5]))
    if case.specialty_hint == "pathology":
        score = max(score, 0.95)
        reasons.append("specialty requested")
    return RouteScore(specialty="pathology", template_id=template_id, score=round(min(1.0, max(0.0, score)), 3),
                      reasons=reasons)
