"""Kit mechanics of the sixth round (h-rad): a patient's age and sex then their history ("72F post CABG", "81M known
CHF") is the indication even when the history names a disease; generated over ages, sexes, history markers and
histories (not benchmark rows)."""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.kit import base_lexicon, triage
from pixtralogist.kit.drafter import _concept_re, history_opening

_PEOPLE = ["72F", "81M", "45 yo M", "63 y/o female", "F 54,"]
_MARKERS = ["post", "s/p", "status post", "hx", "h/o", "known", "history of", "with hx of", "on", "prior"]
_HISTORIES = ["CABG", "CHF", "breast ca", "R mastectomy", "warfarin", "MS", "lung cancer, treated", "COPD and CKD"]


@pytest.mark.parametrize("person, marker, history", list(itertools.product(_PEOPLE, _MARKERS, _HISTORIES))[::7])
def test_age_sex_then_history_is_the_indication(person, marker, history):
    lexicon = base_lexicon()
    sentence = f"{person} {marker} {history}."
    assert history_opening(sentence, _concept_re(lexicon, "demographics")), sentence
    kinds = [s.kind for s in triage([sentence, "Mild cardiomegaly."], lexicon)]
    assert kinds == ["indication", "finding"], (sentence, kinds)


@pytest.mark.parametrize("sentence", [
    "72F post CABG, now 3 cm RUL mass.",             # a measured finding after the history
    "81M known CHF with new large R effusion and RLL collapse and a mass.",  # too long to be history only
    "65M with R effusion.",                          # no history marker: the finding is split off elsewhere
    "Post CABG changes.",                            # no age or sex
    "72F.",                                          # nothing after the demographics
])
def test_what_is_not_a_history_opening(sentence):
    assert not history_opening(sentence, _concept_re(base_lexicon(), "demographics")), sentence


# --- a side letter before an ordinal range opens the sentence ---------------------------------------------------

_SIDES = {"L": "left", "R": "right", "Lt": "left", "Rt": "right"}
_ORDINALS = ["1st", "2nd-4th", "3rd-5th", "4th through 6th", "9th-11th", "5th and 6th", "10th to 12th"]
_TAILS = ["rib fxs.", "posterior rib fractures.", "ribs, healed fractures.", "rib fx, nondisplaced."]


@pytest.mark.parametrize("side, ordinal, tail", list(itertools.product(_SIDES, _ORDINALS, _TAILS))[::3])
def test_a_side_before_an_ordinal_range_is_written_out(side, ordinal, tail):
    from pixtralogist.kit import expand_shorthand
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    for template in ("cxr", "ct_chest"):
        out = expand_shorthand(f"{side} {ordinal} {tail}", lexicon=lexicon_for(template))
        assert out.lower().startswith(f"{_SIDES[side]} {ordinal.split()[0].split('-')[0]}"), out


@pytest.mark.parametrize("text", ["L 5 compression deformity.", "L 4-5 disc bulge."])
def test_a_leading_side_letter_before_a_plain_number_stays(text):
    from pixtralogist.kit import expand_shorthand
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    assert expand_shorthand(text, lexicon=lexicon_for("cxr")).startswith("L "), text
