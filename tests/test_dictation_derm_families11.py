"""Dermatology dictation classes fixed in round 11 of issue 13 (h-derm11), each tested as a family over several
forms and made-up (nonce) words: the mechanism must not depend on the vocabulary. Drafts go through the
built-in plugin's configured (offline) drafter."""

from __future__ import annotations

import pytest

from pixtralogist.plugins.dermatology.dictation import parse_dictation
from pixtralogist.plugins.dermatology.sorter import SkinLesionSorter
from test_dictation_skin_eye import draft, region_text, host  # noqa: F401 (host is a fixture)

NONCE_NOUNS = ["zorvule", "blorvic plaque", "quellin", "tarvid", "morstal"]
NONCE_DX = ["Blorvic keratoma", "Zorvic dyschromia", "Quellin syndrome"]
SIDES = ["right", "left", "R", "L"]
SITES = ["posterior thigh", "upper arm", "shin", "flank"]


def _impression(d) -> str:
    return " ".join(d.impression).lower()


def _indication(d) -> str:
    return (d.indication or "").lower() if isinstance(d.indication, str) else str(d.indication).lower()


# --- a descriptor never leads a site sentence: words before the side that no rule claims are the lesion -------------

@pytest.mark.parametrize("noun", ["Zorvule", "Blorvic tarvid", "Quellin"])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("site", SITES)
def test_an_unknown_word_before_the_side_is_the_lesion_not_the_site(noun, side, site):
    parts = SkinLesionSorter().rewrite(f"{noun} {side} {site}")
    assert noun.lower() in parts.get("morphology", "").lower(), parts
    assert noun.lower() not in parts.get("distribution_site", "").lower(), parts
    assert f"{side} {site}" in parts.get("distribution_site", "").lower(), parts


@pytest.mark.parametrize("lead", ["Medial", "Upper", "Posterior", "Tip of", "Lateral aspect", "Mid", "Distal", "Inner"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_a_part_of_a_site_before_the_side_stays_the_site(lead, side):
    parts = SkinLesionSorter().rewrite(f"{lead} {side} thigh")
    assert parts == {"distribution_site": f"{lead} {side} thigh."}, parts


@pytest.mark.parametrize("colour", ["red", "violaceous", "pink"])
@pytest.mark.parametrize("side", ["right", "left"])
def test_a_ring_said_before_its_site_is_the_lesion(colour, side):
    parts = SkinLesionSorter().rewrite(f"Expanding {colour} ring {side} posterior thigh, 14 cm across")
    assert "ring" in parts.get("morphology", "").lower(), parts
    assert "ring" not in parts.get("distribution_site", "").lower(), parts


@pytest.mark.parametrize("where", ["under wedding ring", "under the ring", "beneath her ring"])
def test_the_ring_a_patient_wears_is_still_a_site(where):
    parts = SkinLesionSorter().rewrite(f"Scaly pink plaque {where}")
    assert "ring" in parts.get("distribution_site", "").lower(), parts


@pytest.mark.parametrize("sign", ["swelling", "swollen", "puffy", "boggy"])
def test_swelling_is_a_sign_not_the_site(sign):
    parts = SkinLesionSorter().rewrite(f"Left lower leg hot, {sign} ankle to mid-shin")
    assert sign in parts.get("morphology", "").lower(), parts
    assert "hot" in parts.get("others", "").lower(), parts
    assert sign not in parts.get("distribution_site", "").lower() and "hot" not in parts.get("distribution_site", "").lower()


# --- a secondary lesion placed on the lesion keeps its own size and side (no "Measures 3 cm." / "On left." orphan) ---

@pytest.mark.parametrize("where", ["central", "satellite", "focal", "peripheral"])
@pytest.mark.parametrize("noun", ["eschar", "erosion", "crust", "ulcer"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_secondary_lesion_keeps_its_size_and_side(where, noun, side):
    parts = SkinLesionSorter().rewrite(f"{where} zorvic {noun} 3 cm on {side}")
    assert set(parts) == {"surface"}, parts
    assert "3 cm" in parts["surface"] and side in parts["surface"], parts


@pytest.mark.parametrize("noun", ["ulcer", "erosion"])
def test_a_lesion_that_is_an_ulcer_keeps_its_size_in_size(noun):
    parts = SkinLesionSorter().rewrite(f"Shallow {noun} 4 x 3 cm with sloping edges")
    assert "4 x 3 cm" in parts.get("size", ""), parts


def test_a_secondary_lesion_in_a_dictation_leaves_no_bare_fragment(host):
    d = draft(host, "skin_lesion", "Violaceous zorvic purpura both medial thighs, largest 10 cm, central black necrotic "
                                   "eschar 3 cm on L, indurated surrounding skin. Likely blorvic keratoma.")
    assert "10 cm" in region_text(d, "size")
    assert "3 cm on left" in region_text(d, "surface").lower()
    for f in d.findings:
        assert f.text.strip(". ").lower() not in ("on left", "measures 3 cm"), f.text


# --- a sign quoted by its name, or a word said with the part of the lesion it lies on, is no diagnosis or plan ------

@pytest.mark.parametrize("quoted", ["'strawberries and cream'", "\"stuck on\"", "'moth-eaten cream'", "'zorvic review'"])
@pytest.mark.parametrize("noun", ["plaque", "papules", "patch"])
def test_a_quoted_sign_does_not_park_the_lesion_in_the_impression(host, quoted, noun):
    d = draft(host, "skin_lesion", f"72M. Itchy for 18 months. Well-demarcated moist red {noun} 6 x 5cm L inguinal fold, "
                                   f"scattered white scale islands ({quoted}). Likely blorvic keratoma.")
    assert noun.rstrip("s") in region_text(d, "morphology").lower()
    assert "6 x 5 cm" in region_text(d, "size")
    assert noun not in _impression(d)


@pytest.mark.parametrize("where", ["at the edges", "at the periphery", "in the centre", "around the rim"])
def test_a_diagnosis_word_on_a_part_of_the_lesion_is_a_finding(where):
    got = [s for s in parse_dictation(f"Violaceous purpura both thighs, largest 10 cm, livedo {where}. Blorvic keratoma.")
           if "livedo" in s.text.lower()]
    assert got and all(s.section is None for s in got), got


def test_a_diagnosis_said_alone_is_still_the_impression():
    got = [s for s in parse_dictation("Pink plaque left shin. Livedo reticularis.") if "livedo" in s.text.lower()]
    assert got and got[0].section == "impression", got


# --- an age in bare years: "11y girl" anywhere, "13y" when it opens the dictation --------------------------------

@pytest.mark.parametrize("age", ["11y", "7 y", "15y"])
@pytest.mark.parametrize("who", ["girl", "boy", "student", "patient"])
def test_an_age_in_bare_years_with_the_person_is_the_indication(host, age, who):
    d = draft(host, "skin_lesion", f"{age} {who}, rock-hard bluish zorvic nodule L upper arm 12mm. Likely blorvic keratoma.")
    assert f"{age} {who}" in _indication(d)
    assert age not in region_text(d, "others")


@pytest.mark.parametrize("age", ["13y", "9 y", "16y"])
def test_an_age_in_bare_years_opening_the_dictation_is_the_indication(host, age):
    d = draft(host, "skin_lesion", f"{age}, small brown zorvic papule upper back, 4mm, regular. Likely blorvic keratoma.")
    assert age in _indication(d)


@pytest.mark.parametrize("opening", ["3 yrs", "2 years"])
def test_a_span_in_years_opening_the_dictation_is_no_age(host, opening):
    d = draft(host, "skin_lesion", f"{opening}, small brown zorvic papule upper back, 4mm. Likely blorvic keratoma.")
    assert opening.split()[0] not in _indication(d)


@pytest.mark.parametrize("span", [">2y", "2y", "3 yrs"])
def test_a_duration_in_years_inside_a_finding_is_no_age(host, span):
    d = draft(host, "skin_lesion", f"Pink zorvic plaque left shin. Persistent {span}. Likely blorvic keratoma.")
    assert span not in _indication(d)


# --- the lexicon families added this round reach their regions -------------------------------------------------------

@pytest.mark.parametrize("said", ["skin lines run through it", "interrupts skin lines", "skin markings preserved",
                                  "exaggerated skin creases", "dermatoglyphics interrupted"])
def test_the_skin_lines_over_a_lesion_are_its_surface(said):
    assert set(SkinLesionSorter().rewrite(said)) == {"surface"}


@pytest.mark.parametrize("pattern", ["retiform", "stellate", "net-like", "nummular", "reticulate", "whorled"])
def test_the_pattern_of_a_lesion_is_its_morphology(pattern):
    parts = SkinLesionSorter().rewrite(f"Painful {pattern} violaceous purpura both thighs")
    assert pattern in parts.get("morphology", "").lower(), parts
    assert pattern not in parts.get("others", "").lower(), parts


@pytest.mark.parametrize("dx", ["Calciphylaxis", "Calcific uraemic arteriolopathy", "Warfarin-induced skin necrosis",
                                "Cholesterol emboli", "Antiphospholipid syndrome", "Heloma durum", "Clavus"])
def test_vascular_and_callosity_diagnoses_are_the_impression(host, dx):
    d = draft(host, "skin_lesion", f"Violaceous zorvic plaque both thighs, 10 cm. {dx} - high zorvic risk.")
    assert dx.lower() in _impression(d)


# --- "non-" before a word stays with it: "Non-itchy rash" never reads as "Itchy" -----------------------------------

@pytest.mark.parametrize("word", ["itchy", "tender", "scaly", "blanching", "pigmented"])
@pytest.mark.parametrize("joint", ["non-", "non "])
def test_non_before_a_word_stays_with_it(word, joint):
    parts = SkinLesionSorter().rewrite(f"{joint.capitalize()}{word} zorvic papules 2 weeks: multiple 5-10 mm copper-brown macules left shin")
    said = " ".join(parts.values()).lower()
    assert f"{joint}{word}" in said, parts
    assert not any(p.lower().startswith(word) for p in parts.values()), parts
    assert not any(p.strip(" .").lower() == "non" for p in parts.values()), parts
    assert not any(p.startswith(":") for p in parts.values()), parts


# --- a treatment said with the outcome it waits for is the plan ("benzathine penicillin if confirmed") ---------------

@pytest.mark.parametrize("drug", ["Zorvatide", "Benzathine blorvicillin", "Quellinazole 200 mg", "Morstal gel"])
@pytest.mark.parametrize("when", ["if confirmed", "if persistent", "if culture positive", "once biopsy confirms it",
                                  "if no improvement", "if it recurs", "if bothersome"])
def test_a_treatment_waiting_on_an_outcome_is_the_plan(host, drug, when):
    d = draft(host, "skin_lesion", f"Pink zorvic plaque L shin, 2 cm. Blorvic keratoma. {drug} {when}.")
    assert drug.lower() in _impression(d)
    assert drug.lower() not in region_text(d, "others").lower()


@pytest.mark.parametrize("sentence", ["Bleeds if scratched.", "Itchy if hot.", "Pink zorvic papule 4 mm left shin if confirmed."])
def test_a_finding_with_if_is_no_plan(host, sentence):
    got = [s for s in parse_dictation(f"Pink plaque left arm. {sentence} Blorvic keratoma.") if s.text.startswith(sentence.split()[0])]
    assert got and got[0].section != "impression", got


# --- a capitalised label that is no section ("Patient:", "Count:", "Lesion:") only announces what follows ----------

@pytest.mark.parametrize("label", ["Patient", "Count", "Lesion", "Zorvic note", "Blorvic"])
def test_a_bare_label_is_dropped_and_its_line_read(host, label):
    d = draft(host, "skin_lesion", f"Site: R lower back\n{label}: single uniform light-brown macule 35 x 20 mm, oval\n"
                                   "Impression: blorvic keratoma")
    said = " ".join(f.text for f in d.findings if not f.is_default) + " " + _impression(d)
    assert f"{label.lower()}:" not in said.lower()
    assert not any(f.text.startswith(":") for f in d.findings)
    assert "35 x 20 mm" in region_text(d, "size")
    assert "macule" in region_text(d, "morphology").lower()


@pytest.mark.parametrize("label", ["Site", "Plan", "Impression"])
def test_a_section_label_still_sorts_its_line(label):
    got = parse_dictation(f"{label}: right zorvic crest")
    assert got and got[0].section in ("distribution_site", "impression"), got


@pytest.mark.parametrize("label", ["L shin", "Right forearm", "BCC suspected"])
def test_a_site_or_diagnosis_label_stays(label):
    got = parse_dictation(f"{label}: pink pearly papule 4 mm")
    first = {"L": "left", "BCC": "basal cell carcinoma"}.get(label.split()[0], label.split()[0]).lower()
    assert any(first in s.text.lower() for s in got), got


@pytest.mark.parametrize("noun", ["CALMs", "zorvules", "blorvic macules"])
@pytest.mark.parametrize("check", ["on full skin check", "at total body exam", "on skin examination"])
def test_no_other_lesions_on_the_skin_check_is_the_rest_of_the_skin(noun, check):
    got = [s for s in parse_dictation(f"Tan macule left arm. No other {noun} {check}.") if "other" in s.text]
    assert got and got[0].section == "others", got


# --- a dictated impression and plan are never cut: items past the template's count join the last one --------------

@pytest.mark.parametrize("n", [6, 7, 9])
def test_every_dictated_plan_item_is_kept(host, n):
    steps = [f"Check zorvic level {i}" for i in range(n)]
    d = draft(host, "skin_lesion", "Pink zorvic plaque L shin, 2 cm. Blorvic keratoma. " + ". ".join(steps) + ".")
    said = _impression(d)
    for step in steps:
        assert step.lower() in said, (step, d.impression)
    assert len(d.impression) <= 5


@pytest.mark.parametrize("label", ["Two lesions", "Several zorvules", "Both blorvics"])
def test_a_label_that_counts_is_content(label):
    got = parse_dictation(f"{label}: 4mm papule L arm; 6mm papule R arm.")
    assert any(label.split()[0].lower() in s.text.lower() for s in got), got


# --- a lesion's story then what it is now ("herald patch 2 weeks ago, now multiple salmon macules") is a finding -----

@pytest.mark.parametrize("now", ["now"])
@pytest.mark.parametrize("noun", ["macules", "zorvic papules", "plaques"])
def test_then_and_now_keeps_what_it_is_now_in_the_findings(host, now, noun):
    d = draft(host, "skin_lesion", f"Blorvic patch L flank 3cm two weeks ago, {now} multiple oval salmon {noun} over back. "
                                   "Likely quellin rosea.")
    assert noun.split()[-1] in region_text(d, "morphology").lower()
    assert "salmon" in region_text(d, "color").lower()
    assert "3 cm" in region_text(d, "size")


@pytest.mark.parametrize("story", ["Zorvic mole excised 2 years ago.", "Blorvic rash 3 months ago, resolved."])
def test_a_story_alone_stays_history(story):
    got = parse_dictation(f"{story} Pink papule 4 mm left arm.")
    assert got[0].section == "others", got
