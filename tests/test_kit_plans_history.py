"""Kit triage, shorthand and clause rewriting (issue 13, round "do4"): a first-person plan is a recommendation,
a treatment already given is a finding, shorthand glued to a number keeps its space, a negated list that repeats
its "no" is said once per region. Inputs are new, not benchmark rows."""

from __future__ import annotations

import pytest

from pixtralogist.kit import expand_shorthand, triage
from pixtralogist.kit.rewriter import ClauseRewriter
from pixtralogist.kit.lexicon import base_lexicon
from pixtralogist.plugins.dermatology.lexicon import LEXICON as SKIN
from pixtralogist.plugins.ophthalmology import lexicon as eye


@pytest.mark.parametrize("sentence", [
    "I will refer her to the oculoplastics team for biopsy.",
    "I have arranged a repeat scan with contrast in 3 months.",
    "We'll see him again in 6 weeks with fields.",
    "I would suggest a dermatology review of the other moles.",
])
def test_first_person_plan_is_a_recommendation(sentence):
    kinds = [s.kind for s in triage([sentence], base_lexicon())]
    assert kinds == ["recommendation"]


@pytest.mark.parametrize("sentence", [
    "I can see a few scattered drusen at the macula.",
    "I have reviewed the OCT, which shows subretinal fluid.",
])
def test_first_person_observation_stays_a_finding(sentence):
    assert [s.kind for s in triage([sentence], eye.lexicon_for("fundus"))] == ["finding"]


@pytest.mark.parametrize("sentence", ["Previous sectoral laser photocoagulation in the left eye.",
                                      "S/p wide local excision of the scar."])
def test_treatment_already_given_is_not_a_plan(sentence):
    assert [s.kind for s in triage([sentence], eye.lexicon_for("fundus"))] != ["recommendation"]


def test_shorthand_glued_to_a_number_keeps_a_space():
    assert expand_shorthand("papule 2yrs, rash 4wks, 7mm", lexicon=SKIN) == "papule 2 years, rash 4 weeks, 7 mm"
    # what does not expand stays glued ("T2DM", "L5")
    assert expand_shorthand("T2DM, L5", lexicon=SKIN) == "T2DM, L5"


def test_negated_list_repeating_its_no_is_split_without_a_double_negation():
    regions = {"effusion": "pleura", "nodule": "lungs"}
    rewriter = ClauseRewriter(lambda t: frozenset(r for w, r in regions.items() if w in t.lower()) or frozenset({"others"}))
    parts = rewriter.split("No effusion and no nodule.")
    assert parts == {"pleura": ["No effusion."], "lungs": ["No nodule."]}


def test_presenting_reason_later_in_the_dictation_is_no_indication():
    lex = eye.lexicon_for("fundus")
    late = triage(["The cup-to-disc ratio is 0.7 in the left eye.", "Probable ocular hypertension in the left eye.",
                   "Glaucoma suspect in the left eye."], lex)
    assert late[1].kind != "indication" and late[2].kind != "indication"
    first = triage(["Ocular hypertension.", "The cup-to-disc ratio is 0.4 in both eyes."], lex)
    assert first[0].kind == "indication"


def test_clinician_sees_pattern_leaves_what_was_seen():
    import re

    from pixtralogist.kit.dictation import CLINICIAN_SEES

    rx = re.compile("^" + CLINICIAN_SEES)
    assert rx.sub("", "I can see an atypical pigment network.") == "atypical pigment network."
    assert rx.sub("", "We note that there are a few drusen.") == "few drusen."
    assert rx.sub("", "Irregular dots seen.") == "Irregular dots seen."


def test_presenting_reason_after_a_soap_label_in_the_opening_line_is_the_indication():
    lex = eye.lexicon_for("octa")
    kinds = [s.kind for s in triage(["S: known POAG OD on latanoprost.", "Reduced peripapillary VD OD."], lex)]
    assert kinds[0] == "indication"
