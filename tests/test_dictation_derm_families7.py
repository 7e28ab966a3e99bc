"""Dermatology dictation classes fixed in round 7 of issue 13 (h-derm7), each tested as a family generated
from what a dermatologist writes in a year (diagnoses by family, ambiguous abbreviations and the words
that decide them, test results, record fields, qualifiers), never from the words of a benchmark row.
Drafts go through the built-in plugin's configured (offline) drafter."""

from __future__ import annotations

import pytest

from pixtralogist.plugins.dermatology.abbreviations import resolve_ambiguous
from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)


def impression(d) -> str:
    return " ".join(d.impression).lower()


# --- ambiguous abbreviations: the dictation's other words decide, or the abbreviation stays as written ----------

#: (abbreviation, the rest of the dictation, the meaning those words name, the meaning they do not)
AMBIGUOUS = [
    ("PG", "Crohn's disease. Painful ulcer L calf 3cm, undermined edge, necrotic base.", "pyoderma gangrenosum",
     "pyogenic granuloma"),
    ("PG", "Pedunculated friable red papule lower lip 6mm, bleeds on touch.", "pyogenic granuloma", "pyoderma gangrenosum"),
    ("BP", "Widespread tense blisters flexor forearms and thighs, very itchy.", "bullous pemphigoid", "blood pressure"),
    ("EM", "Tick bite on a hike 10 days ago. Expanding annular erythema R thigh 12cm.", "erythema migrans",
     "erythema multiforme"),
    ("EM", "Target lesions both palms, recurrent after herpes labialis.", "erythema multiforme", "erythema migrans"),
    ("DM", "Heliotrope rash both eyelids, papules over the knuckles (Gottron), proximal weakness.", "dermatomyositis",
     "diabetes mellitus"),
    ("VL", "Soft compressible blue papule on the ear helix 4mm, blanches.", "venous lake", "viral load"),
    ("NL", "Diabetic. Atrophic yellow-brown plaque L shin 5cm with telangiectasias.", "necrobiosis lipoidica", "normal"),
    ("PPP", "Sterile yellow pustules on both palms and soles, smoker.", "palmoplantar pustulosis", "penile"),
    ("TEN", "Day 10 of allopurinol. Painful dusky erythema with epidermal detachment 40% BSA, mucosal erosions.",
     "toxic epidermal necrolysis", "stevens"),
]


@pytest.mark.parametrize(("abbr", "rest", "meant", "not_meant"), AMBIGUOUS)
def test_an_ambiguous_abbreviation_is_the_meaning_its_dictation_names(host, abbr, rest, meant, not_meant):
    d = draft(host, "skin_lesion", f"{rest} ?{abbr}. Review 4/52.")
    assert meant in impression(d), (abbr, d.impression)
    assert not_meant not in impression(d), (abbr, d.impression)


@pytest.mark.parametrize("abbr", ["PG", "BP", "EM", "DM", "VL"])
def test_an_ambiguous_abbreviation_without_telling_words_is_left_as_written(abbr):
    text = f"6mm macule on the back. {abbr}."
    assert resolve_ambiguous(text) == text


def test_each_occurrence_can_name_its_own_meaning_and_all_capitals_are_left_alone():
    assert resolve_ambiguous("Tense bullae trunk. ?BP. BP 150/90.") == \
        "Tense bullae trunk. ?bullous pemphigoid. blood pressure 150/90."
    assert resolve_ambiguous("Diabetic, atrophic shins. Nails NL. NL.") == \
        "Diabetic, atrophic shins. Nails normal. necrobiosis lipoidica."
    shouted = "AN ITCHY RASH ON THE SHINS, TEN DAYS."
    assert resolve_ambiguous(shouted) == shouted


# --- diagnoses by family: an unseen condition is the impression, not "Other" ----------------------------------

#: a dermatologist's year, by family (words written out or as dermatologists abbreviate them)
DIAGNOSES = {
    "tumour": ["Cylindroma", "Spiradenoma", "Trichilemmoma", "Angiosarcoma", "Steatocystoma multiplex",
               "Stucco keratoses", "Clear cell acanthoma", "Cutaneous metastasis", "CTCL", "Lymphomatoid papulosis"],
    "inflammatory": ["Lichen amyloidosis", "Erythema annulare centrifugum", "Granuloma faciale", "LSC", "PLEVA",
                     "Eosinophilic folliculitis", "Panniculitis"],
    "bullous and drug": ["Linear IgA disease", "Epidermolysis bullosa acquisita", "AGEP", "DRESS syndrome",
                         "Morbilliform drug eruption", "FDE"],
    "connective tissue": ["SCLE", "Eosinophilic fasciitis"],
    "infective": ["Leishmaniasis", "Sporotrichosis", "Herpetic whitlow", "Orf", "Cutaneous larva migrans",
                  "Secondary syphilis", "Mpox"],
    "vascular": ["Hereditary haemorrhagic telangiectasia", "Lipodermatosclerosis", "Arteriovenous malformation", "PWS"],
    "hair and nail": ["Traction alopecia", "FFA", "LPP", "Koilonychia", "Onychogryphosis", "AGA"],
    "genital and oral": ["Zoon's balanitis", "Fordyce spots", "Geographic tongue", "Leukoplakia", "Mucocele"],
    "paediatric": ["JXG", "Incontinentia pigmenti", "Gianotti-Crosti syndrome", "Erythema toxicum neonatorum",
                   "Miliaria", "Porphyria cutanea tarda"],
}
FAMILY_ROWS = [(family, dx) for family, names in DIAGNOSES.items() for dx in names]
FINDINGS = ["Crop of 4mm pink papules R forearm", "Scaly violaceous plaque L shin 3cm", "Firm nodule on the scalp 9mm",
            "Several brown macules upper back", "Erythematous patches both axillae"]


@pytest.mark.parametrize(("family", "dx"), FAMILY_ROWS)
def test_a_diagnosis_of_each_family_is_the_impression(host, family, dx):
    finding = FINDINGS[FAMILY_ROWS.index((family, dx)) % len(FINDINGS)]
    d = draft(host, "skin_lesion", f"{finding}. {dx}. Review 3/12.")
    said = d.impression and impression(d)
    first = dx.split()[0].lower()
    words = {"ctcl": "lymphoma", "lsc": "lichen simplex", "pleva": "pityriasis lichenoides", "agep": "pustulosis",
             "fde": "fixed drug", "scle": "lupus", "pws": "port wine", "ffa": "alopecia", "lpp": "lichen planopilaris",
             "aga": "alopecia", "jxg": "xanthogranuloma"}
    word = words.get(first, first.rstrip("'s"))
    assert said and word in said, (family, dx, d.impression)
    assert word not in region_text(d, "others").lower(), (family, dx, region_text(d, "others"))


# --- a test said with its result is history; a test to order is the plan ---------------------------------------

RESULTS = ["HIV+", "HCV positive", "CD4 low", "HbA1c 74", "ANA neg", "Ferritin low", "Quantiferon negative"]


@pytest.mark.parametrize("result", RESULTS)
def test_a_test_with_its_result_is_history_not_the_plan(host, result):
    d = draft(host, "skin_lesion", f"Violaceous papules L shin 5mm. {result}. ?Lichen planus. Punch bx.")
    test = result.split()[0].rstrip("+").lower()
    assert test in region_text(d, "others").lower(), (result, region_text(d, "others"))
    assert test not in impression(d), (result, d.impression)


def test_a_test_to_order_is_still_the_plan(host):
    d = draft(host, "skin_lesion", "Violaceous papules L shin 5mm. ?Lichen planus. Check HCV.")
    assert "hcv" in impression(d)


# --- record fields, qualifiers after a dash or a comma, a query said as "R/o" ------------------------------------

def test_pipes_separate_the_fields_of_a_record(host):
    d = draft(host, "skin_lesion", "Site: R forearm | Age 71 | Lesion: 6mm scaly pink papule | Dx: AK | Plan: cryo")
    assert "right forearm" in region_text(d, "distribution_site").lower()
    assert "actinic keratosis" in impression(d) and "cryo" in impression(d)
    assert "|" not in findings_text(d) + impression(d)


@pytest.mark.parametrize("severity", ["mild", "moderate", "severe", "marked"])
@pytest.mark.parametrize(("finding", "region"), [("Scale", "surface"), ("Crusting", "surface"), ("Erythema", "color")])
def test_a_severity_after_a_dash_stays_with_its_finding(host, severity, finding, region):
    d = draft(host, "skin_lesion", f"Plaque R elbow 2cm. {finding} - {severity}.")
    said = region_text(d, region).lower()
    assert severity in said and finding.lower() in said, (severity, finding, said)


@pytest.mark.parametrize("dx", ["SCC", "melanoma", "BCC", "Spitz naevus"])
def test_r_o_opening_a_sentence_is_a_query(host, dx):
    d = draft(host, "skin_lesion", f"Pink nodule R cheek 8mm. R/o {dx}.")
    assert "possible" in impression(d), d.impression


@pytest.mark.parametrize(("side", "word"), [("L", "left"), ("R", "right"), ("Lt", "left"), ("Rt", "right")])
@pytest.mark.parametrize("site", ["elbow", "cheek", "thigh", "temple"])
def test_a_side_after_a_comma_is_the_sites(host, side, word, site):
    d = draft(host, "skin_lesion", f"Scaly plaque {site}, {side}. Scale.")
    assert f"{word} {site}" in region_text(d, "distribution_site").lower()
    assert all(f.text.strip(". ") != side for f in d.findings)


# --- the surface, border and colour of ulcers, bullae and inflammatory plaques -----------------------------------

@pytest.mark.parametrize(("phrase", "region"), [
    ("moist surface", "surface"), ("purulent base", "surface"), ("two draining sinus tracts", "surface"),
    ("cigarette-paper wrinkling", "surface"), ("glistening", "surface"), ("undermined edge", "border"),
    ("dusky", "color"), ("lilac rim", "color"), ("poikilodermatous", "color"),
])
def test_the_descriptors_of_ulcers_and_plaques_find_their_region(host, phrase, region):
    d = draft(host, "skin_lesion", f"Plaque L calf 4cm, {phrase}. ?Vasculitis.")
    assert phrase.split()[-1] in region_text(d, region).lower() or phrase.split()[0] in region_text(d, region).lower(), \
        (phrase, [(f.region, f.text) for f in d.findings if not f.is_default])


# --- a labelled record: what a "morphology:" field holds beside the morphology, and "feature: none" ---------------

@pytest.mark.parametrize(("size", "surface"), [("5 x 3 cm", "shiny"), ("12mm", "scaly"), ("2.5cm", "crusted"),
                                               ("8 x 6 mm", "verrucous")])
def test_a_size_and_surface_in_a_morphology_field_find_their_regions(host, size, surface):
    d = draft(host, "skin_lesion", f"Site: R flank\nMorphology: firm plaque {size}, {surface}\nImp: ?morphoea")
    assert "plaque" in region_text(d, "morphology").lower()
    assert size.replace("mm", " mm").replace("cm", " cm").replace("  ", " ").split()[0] in region_text(d, "size")
    assert surface in region_text(d, "surface").lower(), [(f.region, f.text) for f in d.findings if not f.is_default]


@pytest.mark.parametrize(("feature", "region"), [("Scale", "surface"), ("Ulceration", "surface"), ("Crust", "surface")])
@pytest.mark.parametrize("none", ["none", "nil", "absent"])
def test_a_feature_labelled_none_is_denied(host, feature, region, none):
    d = draft(host, "skin_lesion", f"Site: L forearm\nMorph: pink papule 6mm\n{feature}: {none}\nImp: ?BCC")
    said = [f for f in d.findings if f.region == region and not f.is_default and feature.lower()[:4] in f.text.lower()]
    assert said and all(f.negated for f in said), [(f.region, f.text, f.negated) for f in d.findings]


@pytest.mark.parametrize("span", ["yrs", "years", "many years", "mos", "wks"])
def test_a_bare_span_of_time_is_how_long_the_lesion_has_been_there(host, span):
    d = draft(host, "skin_lesion", f"Soft blue papule upper lip 4mm, elderly pt, {span}. Reassure.")
    said = region_text(d, "others").lower()
    assert "present for" in said, [(f.region, f.text) for f in d.findings if not f.is_default]


@pytest.mark.parametrize(("typo", "word"), [("enlargng", "enlarging"), ("growng", "growing"), ("darkenng", "darkening"),
                                            ("expandng", "expanding")])
def test_a_mistyped_word_of_change_is_read(host, typo, word):
    d = draft(host, "skin_lesion", f"Slowly {typo} brown plaque R chest 3cm. ?DFSP.")
    assert word in findings_text(d).lower(), findings_text(d)
