"""Pathology routing: pure scoring, and the real plugin manager against radiology."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pixtralogist.core.examples import example_to_case, list_examples
from pixtralogist.core.imaging import build_case
from pixtralogist.core.models import Case
from pixtralogist.core.pipeline import route_case
from pixtralogist.core.routing import TIE_MARGIN
from pixtralogist.plugins.pathology.examples import he_png, sm_dicom
from pixtralogist.core.testing import route_score
from pixtralogist.plugins.pathology.routing import he_fraction


def score_case(case):
    """Pathology's best template score, with every builtin template scored together (as in the app)."""
    return route_score(case, "pathology")


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def gray_png() -> bytes:
    return _png(Image.linear_gradient("L").resize((128, 128)))


def _scores(host, case) -> dict[str, float]:
    """Best score per specialty (a plugin may score several templates)."""
    out: dict[str, float] = {}
    for s in host.route(case):
        out[s.specialty] = max(out.get(s.specialty, 0.0), s.score)
    return out


def test_sm_dicom_is_strong_evidence():
    case = build_case([sm_dicom(seed=3)])
    assert case.modality == "SM" and case.body_part == "BREAST"
    s = score_case(case)
    assert s.score >= 0.6 and any("SM" in r for r in s.reasons)


def test_he_colours_are_measured_on_rgb_images_only(gray_png):
    he = build_case([he_png(seed=2)]).images[0]
    assert he_fraction(he) >= 0.5
    assert he_fraction(build_case([gray_png]).images[0]) == 0.0
    red = build_case([_png(Image.new("RGB", (64, 64), (200, 40, 30)))]).images[0]  # reddish photo, not H&E
    assert he_fraction(red) < 0.2


def test_words_and_other_specialty_words():
    assert score_case(Case(notes="L breast lumpectomy, IDC NST, margins neg")).score >= 0.45
    assert score_case(Case(indication="Cough. Chest x-ray.")).score == 0.0
    assert score_case(Case(indication="Biopsy", notes="chest x-ray, pneumonia")).score < 0.2


def test_other_dicom_modalities_count_against():
    mammo = Case(modality="MG", body_part="BREAST", indication="screening mammogram")
    assert score_case(mammo).score < 0.3


def test_hint_wins():
    assert score_case(Case(specialty_hint="pathology")).score >= 0.95


def test_chest_xray_png_still_routes_to_radiology_with_a_margin(host, gray_png):
    case = build_case([gray_png], indication="Cough. Chest x-ray.", notes="small L effusion, heart nl")
    scores = _scores(host, case)
    assert "pathology" in scores
    assert scores["radiology"] - scores["pathology"] >= 2 * TIE_MARGIN
    decision = route_case(case, host)
    assert decision.status == "routed" and decision.choice.specialty == "radiology"


def test_pathology_cases_route_to_pathology_not_radiology(host, gray_png):
    cases = [
        build_case([sm_dicom(seed=5)], notes="IDC NST, G2"),
        build_case([he_png(seed=4)], indication="Breast lumpectomy, H&E", notes="ILC, margins negative, LN 0/2"),
        build_case([gray_png], indication="Left mastectomy specimen", notes="IDC, grade 3, margins negative, pT2 pN0"),
    ]
    for case in cases:
        scores = _scores(host, case)
        decision = route_case(case, host)
        assert decision.status == "routed" and decision.choice.specialty == "pathology", scores
        assert decision.choice.template_id == "breast-resection"
        assert scores["pathology"] - scores["radiology"] >= 2 * TIE_MARGIN


def test_every_example_ingests_and_routes_to_its_template(host):
    examples = list_examples(host)
    assert len(examples) >= 2 and len({e.id for e in examples}) == len(examples)
    formats = set()
    for ex in examples:
        assert all(len(img.data) < 200_000 for img in ex.images)
        case = example_to_case(ex)
        formats |= {img.meta.format for img in case.images}
        decision = route_case(case, host)
        assert decision.status == "routed" and decision.choice.template_id == ex.expected_template
    assert {"dicom", "png"} <= formats


def test_examples_are_deterministic():
    from pixtralogist.plugins.pathology.examples import example_cases

    a, b = example_cases(), example_cases()
    assert [i.data for e in a for i in e.images] == [i.data for e in b for i in e.images]
