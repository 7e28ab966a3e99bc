"""Routing decisions are pure functions of plugin scores."""

from __future__ import annotations

from pixtralogist.core.models import Case, RouteScore
from pixtralogist.core.routing import decide_route


def rs(spec, score, tpl=None):
    return RouteScore(specialty=spec, template_id=tpl or f"{spec}-t", score=score)


def test_confident_best_wins():
    d = decide_route([rs("radiology", 0.9), rs("dermatology", 0.2)])
    assert d.status == "routed" and d.choice.specialty == "radiology"


def test_tie_between_specialties_asks():
    d = decide_route([rs("radiology", 0.8), rs("dermatology", 0.75)])
    assert d.status == "ask" and d.choice is None
    assert [c.specialty for c in d.candidates] == ["radiology", "dermatology"]


def test_two_templates_of_one_specialty_are_not_a_tie():
    d = decide_route([rs("radiology", 0.8, "cxr"), rs("radiology", 0.78, "ct-chest"), rs("pathology", 0.1)])
    assert d.status == "routed" and d.choice.template_id == "cxr"


def test_low_confidence_asks():
    d = decide_route([rs("radiology", 0.4)])
    assert d.status == "ask" and "no confident match" in d.reason


def test_no_scores_asks():
    assert decide_route([]).status == "ask"


def test_hint_overrides_scores():
    d = decide_route([rs("radiology", 0.9), rs("dermatology", 0.1)], hint="Dermatology")
    assert d.status == "routed" and d.choice.specialty == "dermatology"


def test_hint_for_absent_specialty_asks():
    d = decide_route([rs("radiology", 0.9)], hint="pathology")
    assert d.status == "ask" and "pathology" in d.reason


def test_radiology_scores_from_case_signals(host):
    def radiology(case):  # the best radiology template (other plugins score the case too)
        return max((s for s in host.route(case) if s.specialty == "radiology"), key=lambda s: s.score)

    plain = radiology(Case())
    chest = radiology(Case(indication="Cough and fever, chest x-ray PA and lateral"))
    skin = radiology(Case(indication="changing mole on the back, dermoscopy"))
    assert chest.score >= 0.6 > plain.score
    assert skin.score < 0.3
    assert any("chest words" in r for r in chest.reasons)


def test_a_request_naming_the_chest_radiograph_is_confident(host):
    def cxr(**kw):
        return next(s for s in host.route(Case(**kw)) if s.template_id == "cxr").score

    assert cxr(indication="chest x-ray", notes="no acute disease") >= 0.6
    assert cxr(indication="CXR") >= 0.6
    # ... but not when the request is about a CT (a prior radiograph is only a comparison)
    assert cxr(indication="CT chest, compare with chest x-ray from 2020") < 0.6
