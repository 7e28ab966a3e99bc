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


# --- scoring the templates' declared signals (core.routing.score_templates) -------------------

from pixtralogist.core.models import ImpressionRules, RegionSpec, Template  # noqa: E402
from pixtralogist.core.routing import Evidence, score_templates  # noqa: E402


def tpl(tid, specialty, routing, **kw):
    return Template(id=tid, specialty=specialty, title=tid, routing=routing, impression=ImpressionRules(normal="-"),
                    regions=[RegionSpec(name="others", label="Other", normal="-")], **kw)


TEETH = tpl("teeth", "dental", {"modality": 0.6, "other_modality": -0.3,
                                "words": [{"label": "dental words", "words": ["teeth", "caries"], "weight": 0.3},
                                          {"label": "film", "words": ["x-?ray"], "weight": 0.1, "claims": False}]},
            modalities=["IO"])
CHEST = tpl("chest", "radiology", {"words": [{"label": "chest words", "words": ["cough", "chest"], "weight": 0.3},
                                             {"label": "film", "words": ["x-?ray"], "weight": 0.3}]})


def scores(case, templates=(TEETH, CHEST), bespoke=None):
    return {s.template_id: s for s in score_templates(case, list(templates), bespoke)}


def test_declared_signals_add_up_with_reasons():
    s = scores(Case(modality="IO", indication="caries in two teeth"))["teeth"]
    assert s.score == 1.0
    assert s.reasons == ["DICOM modality IO", "dental words in the request: caries, teeth"]
    assert scores(Case(modality="CT"))["teeth"].score == 0.0  # another modality counts against


def test_words_another_specialty_claims_count_against_and_unclaimed_ones_do_not():
    both = scores(Case(indication="cough, caries"))
    assert both["teeth"].score == 0.05 and "words of another specialty: cough" in both["teeth"].reasons
    assert both["chest"].score == 0.05  # caries: dental's claimed word
    # radiology claims 'x-ray', but it is one of dental's own words too, so dental does not lose for it;
    # dental's 'x-ray' cue claims nothing, so radiology loses only for 'teeth'
    xray = scores(Case(indication="teeth x-ray"))
    assert xray["teeth"].score == 0.4 and xray["chest"].score == 0.05
    without = tpl("teeth", "dental", {"words": [{"label": "dental words", "words": ["teeth"], "weight": 0.3}]})
    assert scores(Case(indication="teeth x-ray"), templates=(without, CHEST))["teeth"].score == 0.05


def test_bespoke_evidence_and_the_hint():
    lifted = scores(Case(indication="caries"), bespoke={"dental": lambda case, t: Evidence(0.2, ("a cue",))})
    assert lifted["teeth"].score == 0.5 and "a cue" in lifted["teeth"].reasons
    hinted = scores(Case(specialty_hint="radiology"))
    assert hinted["chest"].score == 0.95 and hinted["chest"].reasons[-1] == "specialty requested"


def test_sibling_templates_keep_their_gap_above_one():
    loud = tpl("loud", "dental", {"modality": 1.2, "words": [{"label": "w", "words": ["caries"], "weight": 0.3}]},
               modalities=["IO"])
    s = scores(Case(modality="IO", indication="caries"), templates=(TEETH, loud))
    assert s["loud"].score == 1.0 and s["teeth"].score == 0.4  # both shifted down by 1.5 - 1
