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


# --- a comma part that names a feature, the diagnosis of a still unnamed sign, or what a measured structure has ----

def _parse(text: str, template: str = "ct_chest") -> list[str]:
    from pixtralogist.kit import parse_dictation
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    return parse_dictation(text, lexicon=lexicon_for(template))


_FINDINGS = ["R paratracheal node 2.1 cm", "LUL mass 3cm", "Enhancing lesion L frontal 2cm", "RUL nodule 9mm",
             "Cavernoma L pons 7mm"]
_FEATURES = ["necrotic center", "thin enhancing rim", "popcorn appearance w/ hemosiderin rim", "blooming on SWI",
             "ground glass halo", "central low attenuation", "fat density", "spiculated margins", "lobulated contour",
             "peripheral enhancement", "mural nodule", "fluid-fluid level"]


@pytest.mark.parametrize("finding, feature", list(itertools.product(_FINDINGS, _FEATURES))[::4])
def test_a_feature_of_the_finding_stays_with_it(finding, feature):
    template = "mri_brain" if "L frontal" in finding or "pons" in finding else "ct_chest"
    out = _parse(f"{finding}, {feature}. Heart nl.", template)
    assert len(out) == 2 and feature.split()[-1] in out[0].lower(), out


_SIGNS = ["1.8cm R adrenal nodule, -5 HU", "9mm hypodense liver lesion", "RLL opacity", "2cm L renal lesion"]
_NAMES = ["adenoma", "simple cyst", "cyst", "hemangioma", "pneumonia", "granuloma"]


@pytest.mark.parametrize("sign, name", list(itertools.product(_SIGNS, _NAMES))[::3])
def test_the_name_of_an_unnamed_sign_stays_with_it(sign, name):
    out = _parse(f"{sign}, {name}. No effusion.")
    assert len(out) == 2 and name in out[0].lower(), out


@pytest.mark.parametrize("structure, has", [
    ("Descending thoracic aorta 5.2 cm", "fusiform aneurysm w/ mural thrombus"),
    ("Ascending aorta 4.8 cm", "aneurysmal dilatation"),
    ("Main PA 3.6 cm", "pulmonary hypertension"),
    ("Aortic root 4.6 cm", "aneurysm"),
])
def test_what_a_measured_structure_has_stays_with_it(structure, has):
    out = _parse(f"{structure}, {has}.")
    assert len(out) == 1 and has.split()[0] in out[0].lower(), out


@pytest.mark.parametrize("text", [
    "Mild cardiomegaly, small effusion.",       # two findings of two regions
    "Cardiomegaly, pulmonary edema.",
    "RLL opacity, no effusion.",                # a denial is a statement of its own
    "Lungs clear, heart nl.",
    "Mild cardiomegaly, R effusion.",           # a side names a finding of its own place
    "Asc aorta 4.2 cm, 3 cm R adrenal nodule.",  # a measured finding of its own
])
def test_separate_findings_stay_separate(text):
    assert len(_parse(text)) == 2, _parse(text)
