"""Dermatology routing: its templates' scores among every builtin's, and decisions with the real plugin manager (every builtin)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pixtralogist.core.imaging import build_case
from pixtralogist.core.models import Case
from pixtralogist.core.pipeline import route_case
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.plugins.dermatology.examples import dicom_photo, lesion_image
from pixtralogist.core.testing import route_score


def score_case(case):
    """Dermatology's best template score, with every builtin template scored together (as in the app)."""
    return route_score(case, "dermatology")


def _png(rgb: bool) -> bytes:
    img = Image.fromarray(lesion_image("naevus", size=64)) if rgb else Image.linear_gradient("L").resize((64, 64))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def by_specialty(host, case):
    best: dict[str, float] = {}
    for s in host.route(case):
        best[s.specialty] = max(best.get(s.specialty, 0.0), s.score)
    return best


# --- pure scores -------------------------------------------------------------------------


def test_dicom_modalities_and_skin_body_part():
    assert score_case(Case(modality="DMS")).score >= 0.6
    assert score_case(Case(modality="XC", body_part="SKIN")).score >= 0.8
    assert score_case(Case(modality="VL")).score > score_case(Case()).score
    assert score_case(Case(modality="DX")).score == 0.0
    assert score_case(Case(modality="OP", indication="skin")).score < score_case(Case(indication="skin")).score


def test_words_in_indication_and_notes():
    strong = score_case(Case(indication="Changing mole on the back", notes="dermoscopy: atypical pigment network"))
    assert strong.score >= 0.6 and any("skin words" in r for r in strong.reasons)
    assert score_case(Case(indication="Lesion on the scalp")).score < 0.6  # weak words alone ask
    assert score_case(Case(indication="Cough. Chest x-ray.")).score == 0.0
    assert score_case(Case(indication="pigmented lesion", notes="histology slide, H&E")).score < \
        score_case(Case(indication="pigmented lesion")).score


def test_hint_wins():
    s = score_case(Case(specialty_hint="dermatology"))
    assert s.score >= 0.95 and "specialty requested" in s.reasons


def test_colour_photograph_counts_a_little():
    colour = build_case([_png(True)], indication="mole")
    gray = build_case([_png(False)], indication="mole")
    assert score_case(colour).score > score_case(gray).score


def test_study_description_counts():
    data = dicom_photo(lesion_image("naevus", size=32), modality="OT", study_description="Dermoscopy skin lesion")
    case = build_case([data])
    s = score_case(case)
    assert any("study description" in r for r in s.reasons)


# --- with every builtin plugin ----------------------------------------------------------------


def test_chest_xray_png_stays_with_radiology_by_a_clear_margin(host):
    case = build_case([_png(False)], indication="Cough. Chest x-ray.", notes="small L effusion, heart nl")
    scores = by_specialty(host, case)
    assert scores["radiology"] - scores["dermatology"] >= 0.3, scores
    decision = route_case(case, host)
    assert decision.status == "routed" and decision.choice.specialty == "radiology"


def test_chest_xray_dicom_stays_with_radiology(host):
    from pydicom.data import get_testdata_file

    data = open(get_testdata_file("CT_small.dcm"), "rb").read()
    case = build_case([data], indication="Chest CT for nodule follow-up")
    assert by_specialty(host, case)["dermatology"] == 0.0


@pytest.mark.parametrize("kw", [
    dict(indication="Changing mole on the left shoulder", notes="6mm asym pigm macule, derm: APN, BWV"),
    dict(indication="Pigmented lesion on the chest wall, dermoscopy"),  # 'chest' is a body site here
    dict(indication="Itchy rash on both elbows", notes="erythematous scaly plaques"),
])
def test_skin_cases_route_to_dermatology(host, kw):
    case = build_case([_png(True)], **kw)
    scores = by_specialty(host, case)
    decision = route_case(case, host)
    assert decision.status == "routed" and decision.choice.specialty == "dermatology", scores
    assert decision.choice.template_id == "skin_lesion"
    assert scores["dermatology"] - scores.get("radiology", 0.0) >= 0.3


def test_xc_photograph_routes_without_any_words(host):
    case = build_case([dicom_photo(lesion_image("naevus", size=64), modality="XC", body_part="SKIN")])
    decision = route_case(case, host)
    assert decision.status == "routed" and decision.choice.specialty == "dermatology"
