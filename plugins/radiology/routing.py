"""Routing signals for radiology: DICOM modality and body part, study description and words in the request.

One pure scoring function per template, each returning a
:class:`~pixtralogist.core.models.RouteScore` in 0..1 with human-readable reasons:

* :func:`score_cxr` - chest radiograph (CR/DX modality, or a PNG/JPEG with chest words);
* :func:`score_ct_chest` - CT of the chest (CT + CHEST/THORAX/LUNG, or "CT chest" words);
* :func:`score_mri_brain` - MRI of the brain (MR + BRAIN/HEAD, or "MRI brain" words).

:func:`score_all` scores every template; an explicit ``specialty_hint`` of
``radiology`` lifts only the best-fitting template (so a hinted CT chest does
not become a chest radiograph). :func:`score_case` is one template's entry of
:func:`score_all`.

The request is the case's indication, notes and comparison plus the images'
DICOM study and series descriptions. The indication and descriptions (what the
study *is*) name the modality; notes and comparison (which may mention another
study: "recommend CT in 3 months", "compared with CT 2023") only add topic words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from pixtralogist.core.models import Case, RouteScore

XRAY_MODALITIES = {"CR", "DX", "RG", "DR"}
CT_MODALITIES = {"CT"}
MR_MODALITIES = {"MR"}
CHEST_BODY_PARTS = {"CHEST", "THORAX", "LUNG", "PORT CHEST"}
CT_CHEST_BODY_PARTS = {"CHEST", "THORAX", "LUNG", "LUNGS", "CHEST_TO_PELVIS", "CHESTABDOMEN", "CHEST ABDOMEN"}
BRAIN_BODY_PARTS = {"BRAIN", "HEAD", "SKULL", "HEAD_NECK", "HEADNECK"}

_CHEST_WORDS = re.compile(
    r"\b(chest|cxr|thorax|thoracic|lungs?|pulmonary|pneumonia|pneumothorax|effusion|cough|dyspn(?:o)?ea|"
    r"shortness of breath|sob|heart failure|chf|cardiomegaly|rib|pleura[l]?|atelectasis|consolidation|"
    r"tb|tuberculosis|line placement|tube placement|pa and lateral|pa/lat|frontal and lateral|"
    r"heart|cardiac|mediastin\w*|hil(?:ar|um|a)|nodules?|ptx|rul|rml|rll|lul|lll|lingula|ett|ngt|"
    r"costophrenic|hemidiaphragm|sternotomy|granulomas?|emphysema|copd|airspace|opacity|opacities)\b",
    re.I,
)
_XRAY_WORDS = re.compile(r"\b(x-?ray|radiograph|cxr|film|pa and lateral|portable)\b", re.I)
_CT_WORDS = re.compile(r"\b(ct|cta|hrct|ldct|computed tomography|cat scan)\b", re.I)
_MR_WORDS = re.compile(r"\b(mri?|mra|magnetic resonance|flair|dwi|swi|diffusion[- ]weighted)\b", re.I)
_BRAIN_WORDS = re.compile(
    r"\b(brain|head|cranial|intracranial|cerebr\w*|cerebell\w*|neuro\w*|stroke|tia|infarct\w*|seizures?|"
    r"epilep\w*|headaches?|migraine|dementia|memory loss|cognitive|multiple sclerosis|demyelinat\w*|"
    r"glioma|meningioma|metastas[ie]s to the brain|hydrocephalus|ventric\w*|white matter|pituitary|sella|"
    r"aphasia|hemiparesis|weakness|numbness|vertigo|dizziness|syncope|confusion|visual loss|diplopia|"
    r"ataxia|encephal\w*|subdural|subarachnoid|aneurysm)\b",
    re.I,
)
_OTHER_SPECIALTY = re.compile(
    r"\b(skin|rash|mole|dermoscop\w*|lesion on (?:the )?(?:arm|leg|back|face)|fundus|retina\w*|oct\b|"
    r"optic disc|macula\w*|biopsy|histolog\w*|slide|resection specimen|margin status)\b",
    re.I,
)


def _words(rx: re.Pattern[str], text: str) -> set[str]:
    return {m.group(0).lower() for m in rx.finditer(text)}


def _descriptions(case: Case) -> str:
    parts: list[str] = []
    for img in case.images:
        parts += [img.meta.study_description or "", img.meta.series_description or ""]
    return " ".join(p for p in parts if p)


def _study_text(case: Case) -> str:
    """What the study is: the indication and the DICOM descriptions."""
    return " ".join([case.indication, _descriptions(case)])


def _request_text(case: Case) -> str:
    """Everything that may carry topic words: indication, notes, comparison, DICOM descriptions."""
    return " ".join([case.indication, case.notes, case.comparison, _descriptions(case)])


def _other_specialty(request: str, score: float, reasons: list[str]) -> float:
    other = _words(_OTHER_SPECIALTY, request)
    if other:
        score -= min(0.5, 0.2 * len(other))
        reasons.append("words of another specialty: " + ", ".join(sorted(other)[:5]))
    return score


def _score(template_id: str, score: float, reasons: list[str]) -> RouteScore:
    return RouteScore(specialty="radiology", template_id=template_id, score=round(min(1.0, max(0.0, score)), 3),
                      reasons=reasons)


def score_cxr(case: Case) -> RouteScore:
    """A 0..1 score that ``case`` is a chest radiograph (hint not applied)."""
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
    request = _request_text(case)
    words = _words(_CHEST_WORDS, request)
    if words:
        score += min(0.5, 0.2 * len(words))
        reasons.append("chest words in request: " + ", ".join(sorted(words)[:5]))
    xray_named = bool(_XRAY_WORDS.search(request))
    if xray_named:
        score += 0.25
        reasons.append("radiograph named in request")
        named_alone = not (_CT_WORDS.search(request) or _MR_WORDS.search(request))
        if words & {"chest", "cxr"} and named_alone and (not modality or modality in XRAY_MODALITIES):
            score = max(score, 0.7)  # "chest x-ray", "CXR": the request names the study itself
    study = _study_text(case)
    if not xray_named and (_CT_WORDS.search(study) or _MR_WORDS.search(study)):
        score -= 0.4
        reasons.append("the study is named as CT or MRI, not a radiograph")
    score = _other_specialty(request, score, reasons)
    return _score("cxr", score, reasons)


@dataclass(frozen=True)
class _CrossSectional:
    """What scores one cross-sectional template (CT chest, MRI brain): the same evidence, other words."""

    template_id: str
    modalities: frozenset[str]
    modality_label: str        # "CT", "MR"
    body_parts: frozenset[str]
    body_label: str            # "the chest"
    named: re.Pattern[str]     # the study named in the indication / description
    named_label: str           # "CT", "MRI"
    words: re.Pattern[str]     # anatomy words in the request
    words_label: str           # "chest"
    other_words: re.Pattern[str]  # the other template's anatomy
    radiograph_named_lowers: bool = False


def _score_cross_sectional(case: Case, t: _CrossSectional) -> RouteScore:
    score = 0.0
    reasons: list[str] = []
    modality = (case.modality or "").upper()
    body = (case.body_part or "").upper()
    if modality in t.modalities:
        score += 0.5
        reasons.append(f"DICOM modality {modality}")
    elif modality:
        score -= 0.4
        reasons.append(f"DICOM modality {modality} is not {t.modality_label}")
    if body in t.body_parts:
        score += 0.35
        reasons.append(f"body part {body}")
    elif body:
        score -= 0.3
        reasons.append(f"body part {body} is not {t.body_label}")
    study = _study_text(case)
    request = _request_text(case)
    named = bool(t.named.search(study))
    if named:
        score += 0.3
        reasons.append(f"{t.named_label} named in the indication or study description")
    words = _words(t.words, request)
    if words:
        score += min(0.4, 0.15 * len(words))
        reasons.append(f"{t.words_label} words in request: " + ", ".join(sorted(words)[:5]))
    if not modality and not named:
        score = min(score, 0.45)  # anatomy words alone may describe a radiograph or a CT head as well
    if t.radiograph_named_lowers and _XRAY_WORDS.search(study) and not named:
        score -= 0.3
        reasons.append("the study is named as a radiograph")
    if _words(t.other_words, request) and not words:
        score -= 0.2
    score = _other_specialty(request, score, reasons)
    return _score(t.template_id, score, reasons)


_CT_CHEST = _CrossSectional(
    "ct_chest", frozenset(CT_MODALITIES), "CT", frozenset(CT_CHEST_BODY_PARTS), "the chest", _CT_WORDS, "CT",
    _CHEST_WORDS, "chest", _BRAIN_WORDS,
    radiograph_named_lowers=True)
_MRI_BRAIN = _CrossSectional(
    "mri_brain", frozenset(MR_MODALITIES), "MR", frozenset(BRAIN_BODY_PARTS), "the brain", _MR_WORDS, "MRI",
    _BRAIN_WORDS, "brain", _CHEST_WORDS)


def score_ct_chest(case: Case) -> RouteScore:
    """A 0..1 score that ``case`` is a CT of the chest (hint not applied)."""
    return _score_cross_sectional(case, _CT_CHEST)


def score_mri_brain(case: Case) -> RouteScore:
    """A 0..1 score that ``case`` is an MRI of the brain (hint not applied)."""
    return _score_cross_sectional(case, _MRI_BRAIN)


#: Template id -> its scoring function, in template order.
SCORERS: dict[str, Callable[[Case], RouteScore]] = {
    "cxr": score_cxr,
    "ct_chest": score_ct_chest,
    "mri_brain": score_mri_brain,
}


def score_all(case: Case) -> list[RouteScore]:
    """Scores of every radiology template, in template order.

    With ``case.specialty_hint == 'radiology'`` the best-fitting template (the
    first on a tie) is lifted to at least 0.95, with the reason "specialty
    requested"; the others keep their own scores.
    """
    scores = [fn(case) for fn in SCORERS.values()]
    if case.specialty_hint == "radiology":
        best = max(range(len(scores)), key=lambda i: (scores[i].score, -i))
        s = scores[best]
        scores[best] = s.model_copy(update={"score": max(s.score, 0.95), "reasons": [*s.reasons, "specialty requested"]})
    return scores


def score_case(case: Case, template_id: str = "cxr") -> RouteScore:
    """The 0..1 score that ``case`` fits ``template_id`` (its entry of :func:`score_all`)."""
    if template_id not in SCORERS:
        raise KeyError(f"no radiology template {template_id!r}; templates: {sorted(SCORERS)}")
    return next(s for s in score_all(case) if s.template_id == template_id)
