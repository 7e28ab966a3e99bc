"""Routing signals for ophthalmology: DICOM modality and body part, descriptions, words, an image cue.

One score per template (``fundus``, ``octa``), 0..1, with reasons. Signals, in
order of weight:

* DICOM modality: ``OP`` (ophthalmic photography) -> fundus; ``OPT`` (ophthalmic
  tomography), ``OPTENF`` (en face), ``OPTBSV`` (B-scan volume analysis) -> OCT /
  OCT angiography. A non-ophthalmic modality (CR, DX, CT, MR, SM, ...) lowers both.
  ``IVOCT`` (intravascular OCT) is cardiology, not the eye.
* Body part ``EYE`` (or RETINA/ORBIT).
* Study and series descriptions ("Color fundus", "OCT Angiography 3x3 macula").
* Words in the indication, notes and comparison: eye words (fundus, retina,
  retinopathy, macula, optic disc, OD/OS/OU, visual acuity, diabetic eye
  screening) and words of each template (cup-to-disc, AV nicking vs FAZ,
  vessel density, capillary plexus); chest/skin/pathology words lower the score.
* A cheap image cue for colour photographs without metadata: a bright, reddish,
  roughly round disc on a black surround (:func:`fundus_like`). It is a hint
  only: it never routes a case on its own.
* An explicit ``specialty_hint == "ophthalmology"``.
"""

from __future__ import annotations

import io
import re

from pixtralogist.core.models import Case, RouteScore, StudyImage

NAME = "ophthalmology"
FUNDUS_MODALITIES = {"OP", "XC"}  # XC (external camera photography) only counts with eye signals
OCT_MODALITIES = {"OPT", "OPTENF", "OPTBSV", "OCT"}
EYE_MODALITIES = {"OP", "OPT", "OPTENF", "OPTBSV", "OPM", "OPV", "OAM", "OPR", "OCT"}
EYE_BODY_PARTS = {"EYE", "RETINA", "ORBIT", "EYE RIGHT", "EYE LEFT"}

_EYE_WORDS = re.compile(
    r"\b(?:eyes?|fundus|fundi|fundoscop\w*|funduscop\w*|retina[ls]?|retinopathy|macula[r]?|fovea[l]?|optic\s+discs?|"
    r"optic\s+nerve|ophthalm\w*|visual\s+acuity|vision|diabetic\s+eye\s+screening|dr\s+screening|npdr|pdr|dme|csme|"
    r"oct|octa|o\.?d\.?|o\.?s\.?|o\.?u\.?|microaneurysms?|cotton\s+wool|glaucoma|papilledema|intraocular|iop|"
    r"vitreous|exudates?|drusen|amd|neovasculari[sz]ation|nv[de]|retinal\s+detachment|floaters?|blurred\s+vision)\b",
    re.I,
)
_FUNDUS_WORDS = re.compile(
    r"\b(?:fundus|fundi|fundus\s+photo\w*|colou?r\s+photo\w*|photograph\w*|cup[- ]to[- ]disc|c/d|cdr|disc\s+pallor|"
    r"av\s+nicking|nicking|venous\s+beading|cotton\s+wool|hard\s+exudates?|dot[- ]?blot|flame|periphery|"
    r"fundoscop\w*|funduscop\w*|retinal\s+photo\w*|non-?mydriatic|mydriatic|screening\s+photo\w*)\b",
    re.I,
)
_OCT_WORDS = re.compile(
    r"\b(?:oct|octa|oct[- ]?a|oct\s+angio\w*|angio-?oct|angiograph\w*|faz|foveal\s+avascular\s+zone|vessel\s+density|"
    r"capillary\s+plexus|plexus|plexuses|scp|dcp|non-?perfusion|capillary\s+drop-?out|en[- ]face|b-?scan|"
    r"retinal\s+thickness|macular\s+cube|slab|flow\s+voids?|tomograph\w*)\b",
    re.I,
)
_OTHER_SPECIALTY = re.compile(
    r"\b(?:chest|cxr|lungs?|pulmonary|pneumonia|pneumothorax|pleural|cough|dyspn(?:o)?ea|shortness\s+of\s+breath|"
    r"x-?ray|radiograph\w*|rib|cardiomegaly|mediastin\w*|skin|rash|mole|dermoscop\w*|nevus\s+on|biopsy|"
    r"histolog\w*|slide|resection|specimen|margins?\s+status|ct\s+(?:chest|abdomen|head)|abdomen)\b",
    re.I,
)


def _words(rx: re.Pattern[str], text: str) -> set[str]:
    return {re.sub(r"\s+", " ", m.group(0).lower()) for m in rx.finditer(text)}


def fundus_like(image: StudyImage) -> bool:
    """Whether a display image looks like a colour fundus photograph: a bright, red-dominant,
    roughly round field on a dark surround (corners dark, centre bright). Cheap: reads a
    64-pixel thumbnail. Never raises (False on any problem)."""
    try:
        if image.meta.channels < 3 or not 0.6 <= image.meta.width / image.meta.height <= 1.7:
            return False
        from PIL import Image

        im = Image.open(io.BytesIO(image.png))
        im.draft("RGB", (64, 64))
        im = im.convert("RGB").resize((64, 64))
        px = im.load()

        def mean(box: tuple[int, int, int, int]) -> tuple[float, float, float]:
            x0, y0, x1, y1 = box
            vals = [px[x, y] for x in range(x0, x1) for y in range(y0, y1)]
            n = len(vals)
            return tuple(sum(v[c] for v in vals) / n for c in range(3))  # type: ignore[return-value]

        corners = [mean(b) for b in ((0, 0, 6, 6), (58, 0, 64, 6), (0, 58, 6, 64), (58, 58, 64, 64))]
        centre = mean((20, 20, 44, 44))
        dark_corners = all(sum(c) / 3 < 25 for c in corners)
        bright_centre = sum(centre) / 3 > 45
        reddish = centre[0] > centre[1] * 1.15 and centre[0] > centre[2] * 1.3
        return dark_corners and bright_centre and reddish
    except Exception:  # noqa: BLE001 - a routing hint must never fail a case
        return False


def score_case(case: Case) -> list[RouteScore]:
    """Scores of the ``fundus`` and ``octa`` templates for ``case``, best first.

    ``eye`` evidence (modality, body part, descriptions, words, image cue, minus other specialties'
    words) is shared; each template's *affinity* (its modality, description and words) only lowers
    the other template, by a quarter of the difference, so the two never tie on clear signals.
    """
    eye = 0.0
    aff = {"fundus": 0.0, "octa": 0.0}
    why = {"fundus": [], "octa": []}
    common: list[str] = []
    modalities = {(case.modality or "").upper()} | {(img.meta.modality or "").upper() for img in case.images}
    modalities.discard("")
    if "OP" in modalities:
        eye += 0.6
        aff["fundus"] += 1.0
        why["fundus"].append("DICOM modality OP (ophthalmic photography)")
    if modalities & OCT_MODALITIES:
        eye += 0.6
        aff["octa"] += 1.0
        why["octa"].append("DICOM modality " + "/".join(sorted(modalities & OCT_MODALITIES)) + " (ophthalmic tomography)")
    if modalities & {"OPM", "OPV", "OAM", "OPR"}:
        eye += 0.3
        common.append("ophthalmic DICOM modality")
    if modalities and not modalities & (EYE_MODALITIES | FUNDUS_MODALITIES):
        eye -= 0.4
        common.append("DICOM modality " + "/".join(sorted(modalities)) + " is not ophthalmic")
    bodies = {(case.body_part or "").upper()} | {(img.meta.body_part or "").upper() for img in case.images}
    bodies.discard("")
    if bodies & EYE_BODY_PARTS:
        eye += 0.3
        common.append("body part EYE")
    elif bodies:
        eye -= 0.2

    descriptions = " ".join(filter(None, [d for img in case.images for d in (img.meta.study_description,
                                                                              img.meta.series_description)]))
    if descriptions:
        if _OCT_WORDS.search(descriptions):
            eye += 0.2
            aff["octa"] += 0.6
            why["octa"].append("OCT named in the study description")
        elif _FUNDUS_WORDS.search(descriptions):
            eye += 0.2
            aff["fundus"] += 0.6
            why["fundus"].append("fundus named in the study description")
        elif _EYE_WORDS.search(descriptions):
            eye += 0.1

    request = " ".join([case.indication, case.notes, case.comparison])
    words = _words(_EYE_WORDS, request)
    if words:
        eye += min(0.5, 0.2 * len(words))
        common.append("eye words in request: " + ", ".join(sorted(words)[:5]))
    for tid, rx in (("fundus", _FUNDUS_WORDS), ("octa", _OCT_WORDS)):
        found = _words(rx, request)
        if found:
            eye += min(0.2, 0.1 * len(found))
            aff[tid] += min(0.6, 0.2 * len(found))
            why[tid].append(("fundus" if tid == "fundus" else "OCT/OCTA") + " words: " + ", ".join(sorted(found)[:4]))
    other = _words(_OTHER_SPECIALTY, request)
    if other:
        eye -= min(0.6, 0.2 * len(other))
        common.append("words of another specialty: " + ", ".join(sorted(other)[:5]))

    if any(fundus_like(img) for img in case.images):
        eye += 0.25
        aff["fundus"] += 0.4
        why["fundus"].append("image looks like a colour fundus photograph (round bright field on black)")

    eye = min(1.0, max(0.0, eye))
    scores = {t: eye - 0.25 * max(0.0, aff[o] - aff[t]) for t, o in (("fundus", "octa"), ("octa", "fundus"))}
    if case.specialty_hint == NAME:
        best = max(scores, key=lambda k: (scores[k], k == "fundus"))
        other_id = "octa" if best == "fundus" else "fundus"
        scores[best] = max(scores[best], 0.95)
        scores[other_id] = max(scores[other_id], 0.9)
        common.append("specialty requested")
    out = [RouteScore(specialty=NAME, template_id=t, score=round(min(1.0, max(0.0, scores[t])), 3),
                      reasons=why[t] + common) for t in ("fundus", "octa")]
    return sorted(out, key=lambda s: -s.score)
