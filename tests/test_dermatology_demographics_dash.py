"""The age and sex said as an item of a finding's comma list, then a spaced dash and the patient's worry or request
("Zorvic papule R thigh, 31F - worried about melanoma."): the demographics and what follows the dash are the
indication's, the finding keeps its own sentence (it was drafted whole into the indication, twice when it named a
diagnosis). Made-up lesion words."""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.plugins.dermatology.dictation import parse_dictation

LESIONS = ["Zorvic papule R thigh", "Solitary blorvoma L forearm", "Kellner plaque upper back"]
DEMOS = ["31F", "62M", "45 yo F"]
DASHES = [" - ", " \u2013 ", " -- "]
TAILS = ["worried about melanoma", "wants it removed", "concerned as it is growing"]


@pytest.mark.parametrize("lesion, demo, dash, tail", list(itertools.product(LESIONS, DEMOS, DASHES, TAILS))[::3])
def test_demographics_and_worry_after_a_dash_leave_the_finding(lesion, demo, dash, tail):
    texts = [s.text for s in parse_dictation(f"{lesion}, {demo}{dash}{tail}. Red 4 mm.")]
    with_demo = [t for t in texts if demo.split()[0] in t]
    assert len(with_demo) == 1 and not any(w in with_demo[0].lower() for w in ("papule", "plaque", "blorvoma"))
    assert any(tail.split()[0] in t.lower() and "papule" not in t.lower() for t in texts)
    head = lesion.split()[0].lower()
    assert [t for t in texts if head in t.lower() and demo.split()[0] not in t], texts


@pytest.mark.parametrize("lesion, demo", list(itertools.product(LESIONS, DEMOS)))
def test_demographics_item_without_a_dash_still_split(lesion, demo):
    texts = [s.text for s in parse_dictation(f"{lesion}, {demo}. Red.")]
    assert texts[0].rstrip(".") == demo and any(lesion.split()[0].lower() in t.lower() for t in texts[1:])
