"""Dermatology rule checks: 7-point checklist, ABCDE, size and site (on drafts from the real drafter)."""

from __future__ import annotations

import pytest

from pixtralogist.core.models import Case, ModelConfig
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.plugins.dermatology import plugin
from pixtralogist.plugins.dermatology.rules import (
    abcde_features,
    lesion_diameter_mm,
    mentions,
    seven_point_score,
    stated_seven_point_score,
    verify,
)
from pixtralogist.plugins.dermatology.templates import get_template

TPL = get_template()
SNIPPETS = get_plugin_manager(autoload=False).guidelines("dermatology")
IDS = {s.id for s in SNIPPETS}


def draft(notes: str, indication: str = ""):
    case = Case(notes=notes, indication=indication)
    d = plugin.drafter_for(TPL, ModelConfig())
    return case, d.draft(case, TPL)


def flags(notes: str, indication: str = ""):
    case, d = draft(notes, indication)
    out = verify(d, case, TPL, SNIPPETS)
    for f in out:  # every flag cites snippets that exist, regions of the template, findings of the draft
        assert set(f.snippet_ids) <= IDS
        assert f.region is None or f.region in TPL.region_names
        assert f.finding_id is None or f.finding_id in {x.id for x in d.findings}
    return {f.code: f for f in out}


# --- the score itself ---------------------------------------------------------------------


@pytest.mark.parametrize("sentences, score", [
    (["Atypical pigment network."], 2),
    (["Blue-whitish veil."], 2),
    (["Irregular linear vessels."], 2),
    (["Irregular streaks.", "Irregular dots and globules.", "Irregular blotches.", "Regression structures."], 4),
    (["Atypical pigment network.", "Blue-whitish veil.", "Polymorphous vessels.", "Irregular streaks.",
      "Irregular globules.", "Irregular blotch.", "Peppering."], 10),
    (["Typical pigment network.", "Regular globules.", "Regular streaks."], 0),
    (["No blue-whitish veil, regression or atypical vessels."], 0),
    (["Dermoscopy shows an atypical pigment network and irregular dots, without blue-whitish veil."], 3),
    (["Atypical network, no veil, irregular streaks."], 3),
    (["Atypical pigment network.", "Atypical network again."], 2),  # a criterion counts once
])
def test_seven_point_score(sentences, score):
    assert seven_point_score(sentences).score == score


def test_hedged_criteria_count_and_are_marked():
    res = seven_point_score(["Possible regression structures."])
    assert res.score == 1 and res.hits[0].hedged


def test_local_negation_scope():
    from pixtralogist.plugins.dermatology.rules import _RECOMMEND

    assert [(m.text, m.negated) for m in mentions("Melanoma unlikely; benign naevus.", _RECOMMEND)] == [("Melanoma", True)]
    assert not mentions("Plan: excision biopsy.", _RECOMMEND)[0].negated
    assert mentions("Excision not required.", _RECOMMEND)[0].negated
    assert mentions("No features of melanoma.", _RECOMMEND)[0].negated
    assert mentions("?melanoma", _RECOMMEND)[0].hedged


def test_sizes_and_stated_scores():
    assert lesion_diameter_mm("Measures 7 x 5 mm.") == 7.0
    assert lesion_diameter_mm("1.2 cm nodule") == 12.0
    assert lesion_diameter_mm("no size") is None
    assert stated_seven_point_score(["7-point checklist score 3.", "7pt score: 4", "Seven-point score of 2"]) == [3, 4, 2]


# --- flags -----------------------------------------------------------------------------------

SUSPICIOUS = "7x5mm asym pigm macule L upper back, irreg border, derm: APN, BWV, irreg dots, no regression"


def test_score_of_3_or_more_without_plan_is_flagged():
    f = flags(SUSPICIOUS)
    assert "5" in f["seven-point-score"].message and f["seven-point-score"].severity == "info"
    missing = f["seven-point-action-missing"]
    assert missing.severity == "warning" and missing.region == "dermoscopy"
    assert {"seven-point-threshold", "seven-point-atypical-network", "seven-point-blue-whitish-veil"} <= set(missing.snippet_ids)


@pytest.mark.parametrize("plan", ["imp: ?melanoma", "plan: excision biopsy 2mm margins",
                                  "imp: suspicious for melanoma, refer"])
def test_plan_or_suspicion_clears_the_action_flag(plan):
    f = flags(f"{SUSPICIOUS}\n{plan}")
    assert "seven-point-action-missing" not in f and "seven-point-score" in f


def test_negated_melanoma_does_not_clear_the_action_flag():
    f = flags(f"{SUSPICIOUS}\nimp: benign naevus, no features of melanoma")
    assert "seven-point-action-missing" in f


def test_negated_criteria_do_not_score():
    f = flags("4mm brown macule R forearm\nderm: no atypical network, no BWV, no atypical vessels, no regression")
    assert "seven-point-action-missing" not in f
    assert ": 0 (" in f["seven-point-score"].message


def test_stated_score_differing_from_computed_is_flagged():
    f = flags(f"{SUSPICIOUS}\nimp: 7-point score 2, excise")
    assert "seven-point-score-mismatch" in f and "5" in f["seven-point-score-mismatch"].message
    f = flags(f"{SUSPICIOUS}\nimp: 7-point score 5, excise")
    assert "seven-point-score-mismatch" not in f


def test_unqualified_structures_get_an_info_flag():
    f = flags("5mm brown papule L arm\nderm: streaks at the periphery")
    assert f["seven-point-unqualified"].severity == "info" and "streaks" in f["seven-point-unqualified"].message


def test_abcde_features_and_benign_call_without_comment():
    notes = "8mm asymmetric macule L shin, irregular border, tan, dark brown and black\nimp: benign naevus"
    f = flags(notes, indication="growing mole")
    info = f["abcde-features"].message
    assert all(x in info for x in ("A (asymmetry)", "B (irregular border)", "C (multiple colours", "D (diameter", "E (evolving"))
    warn = f["abcde-benign-without-comment"]
    assert warn.severity == "warning" and "abcde-melanoma" in warn.snippet_ids


def test_benign_call_with_a_comment_or_plan_is_not_flagged():
    notes = "8mm asymmetric macule L shin, irregular border\nimp: benign naevus despite asymmetry, review 3/12"
    assert "abcde-benign-without-comment" not in flags(notes)


def test_consistent_benign_lesion_raises_no_warning():
    notes = ("4mm symmetric uniformly brown macule R forearm, regular border, smooth surface\n"
             "derm: typical pigment network, regular globules, no BWV or regression\nimp: benign naevus")
    f = flags(notes)
    assert not [x for x in f.values() if x.severity != "info"], f
    assert "abcde-features" not in f


def test_abcde_details():
    case, d = draft("5mm tan macule L arm, no irregular border, not asymmetric", indication="no change")
    assert abcde_features(d.findings, case).features == {}
    case, d = draft("tan and brown macule 6 mm")
    res = abcde_features(d.findings, case)
    assert res.colours == ["brown", "tan"] and "C" in res.features and "D" not in res.features  # > 6 mm only


def test_missing_size_and_site_are_warnings():
    f = flags("pigmented macule, irregular border")
    assert f["lesion-size-missing"].severity == "warning" and f["lesion-size-missing"].region == "size"
    assert f["lesion-site-missing"].severity == "warning" and f["lesion-site-missing"].region == "distribution_site"
    f = flags("6mm pigmented macule L shoulder")
    assert "lesion-size-missing" not in f and "lesion-site-missing" not in f


def test_rules_do_not_change_the_draft():
    case, d = draft(SUSPICIOUS)
    before = d.model_dump()
    verify(d, case, TPL, SNIPPETS)
    assert d.model_dump() == before
