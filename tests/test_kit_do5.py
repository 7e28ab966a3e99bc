"""Kit rules of the sixth dermatology/ophthalmology round (issue 13, "do5"): a narrative opening with a bare
article or a "has" verb, a clause after "and the X is ...", and a presenting reason after a bare study line.
Inputs are new, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

import pytest

from pixtralogist.kit import Statement, triage
from pixtralogist.kit.layout import demographics_apart
from pixtralogist.kit.rewriter import _CLAUSE_SPLIT, _NOT_BARE
from pixtralogist.plugins.ophthalmology import lexicon as eye


@pytest.mark.parametrize(("text", "head", "rest"), [
    ("A 58 year old woman with a scaly patch on the left calf.", "58 year old woman", "A scaly patch on the left calf."),
    ("This 71 year old man has a crusted nodule on the scalp.", "71 year old man", "A crusted nodule on the scalp."),
    ("A 45 year old baker with a wart on the thumb.", "45 year old baker", "A wart on the thumb."),
    ("An 80 yo gentleman presents with a pearly papule.", "80 yo gentleman presents", "A pearly papule."),
])
def test_narrative_opening_with_an_article_or_has_is_the_demographics(text, head, rest):
    heads, plain = demographics_apart(text)
    assert heads == [head]
    assert plain == rest


def test_a_sentence_with_no_age_keeps_its_article():
    heads, plain = demographics_apart("A pigmented macule on the back has grown.")
    assert heads == [] and plain == "A pigmented macule on the back has grown."


def test_and_before_a_subject_with_its_own_verb_opens_a_clause():
    parts = [p.strip() for p in _CLAUSE_SPLIT.split("No exudates temporally and the fovea is flat")]
    assert parts == ["No exudates temporally", "the fovea is flat"]
    assert len(_CLAUSE_SPLIT.split("No exudates or haemorrhages temporally")) == 1
    assert _NOT_BARE.search("the fovea is flat") and not _NOT_BARE.search("haemorrhages are noted")


def test_presenting_reason_after_a_bare_study_line_is_still_the_indication():
    lex = eye.lexicon_for("octa")
    out = triage(["OCTA 3x3 in the right eye.", "Branch retinal artery occlusion 2 weeks ago in the right eye.",
                  "Capillary dropout inferiorly in the right eye."], lex, finding_terms=eye.NLP_TERMS)
    assert out[1] == Statement("Branch retinal artery occlusion 2 weeks ago in the right eye.", "indication")
    assert out[2].kind == "finding"
    # a finding first: the later presenting reason is not the opening any more
    late = triage(["Capillary dropout inferiorly in the right eye.", "Branch retinal artery occlusion 2 weeks ago.",
                   "No NV."], lex, finding_terms=eye.NLP_TERMS)
    assert late[1].kind != "indication"
