"""Generic dictation forms (issue 13, forms round): kit.layout and the drafters of all four specialties.

The way a clinician lays out a dictation - units spelled out or split by voice recognition, SOAP labels,
numbered and bullet lists, eye headers over bullet lines, part labels, a plan after a spaced dash, a
narrative opening with the patient's age - must not cost a fact. Inputs are new, not rows of
benchmarks/data/dictation_*.yaml.
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.core.models import Case, Draft
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.kit.layout import demographics_apart, lay_out

CASES = {"cxr": ("CR", "CHEST", "radiology"), "ct_chest": ("CT", "CHEST", "radiology"),
         "skin_lesion": ("XC", "SKIN", "dermatology"), "fundus": ("OP", "EYE", "ophthalmology"),
         "breast-resection": ("SM", "BREAST", "pathology")}


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def draft(host, template_id: str, notes: str) -> Draft:
    modality, body, specialty = CASES[template_id]
    template = host.template(template_id)
    case = Case(notes=notes, modality=modality, body_part=body, specialty_hint=specialty)
    return host.drafter(template.specialty, template).draft(case, template)


def region(d: Draft, name: str) -> str:
    return " ".join(f.text for f in d.findings if f.region == name and not f.is_default)


def everything(d: Draft) -> str:
    return " ".join([d.indication or ""] + [f.text for f in d.findings if not f.is_default] + d.impression)


_LABEL_LEFT = re.compile(r"(?:^|\s)(?:[SOAP]|[1-9]|\(?[1-9]\)|[AB])[.:)]?\s*$")


def assert_no_fragments(d: Draft) -> None:
    """No sentence is a bare list number, SOAP or part label."""
    for f in d.findings:
        assert not _LABEL_LEFT.fullmatch(f.text.rstrip(". ")), f"fragment in {f.region}: {f.text!r}"
        assert not re.match(r"^[SOAP]:|^[AB][.:] ", f.text), f"label left in {f.region}: {f.text!r}"
    for line in d.impression:
        assert not re.match(r"^[SOAP]:|^[AB][.:] ", line), f"label left in the impression: {line!r}"


# --- kit.layout, on its own ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("a 6 by 4 millimetre macule", "a 6 x 4 mm macule"),
    ("3 milli metre papule", "3 mm papule"),
    ("mass of three centimetres", "mass of 3 cm"),
    ("nodule 2.4 centimeters", "nodule 2.4 cm"),
    ("a 12-millimeter cyst", "a 12 mm cyst"),
    ("membrane of 0.8 square millimetres", "membrane of 0.8 square millimetres"),  # an area stays as dictated
])
def test_units_spelled_out_or_split(text, expected):
    assert lay_out(text) == expected


def test_voice_recognition_splits_join_only_into_a_known_word():
    words = {"dermoscopy", "lymphovascular"}
    assert lay_out("Dermo scopy: globules. Lympho vascular invasion.", words=words) == \
        "Dermoscopy: globules. Lymphovascular invasion."
    assert lay_out("sub total resection", words=words) == "sub total resection"  # "subtotal" is not a known word


def test_soap_labels_need_two_of_them():
    assert lay_out("S: 50M, cough. O: R effusion. A: parapneumonic. P: tap.") == \
        "50M, cough.\nR effusion.\nImpression: parapneumonic.\nPlan: tap."
    assert lay_out("A: Right breast, IDC.") == "A: Right breast, IDC."  # one "A:" is no SOAP note


def test_inline_numbered_lists_and_part_labels():
    # a section label before the list labels its items (round 12: "Findings." was a sentence, drafted as an orphan)
    assert lay_out("Findings: 1) RUL nodule; 2) small effusion. (3) no ptx") == \
        "Findings:\nRUL nodule;\nsmall effusion.\nno ptx"
    assert lay_out("Right lumpectomy: 1) IDC; 2) 14 mm. (3) margins clear") == \
        "Right lumpectomy.\nIDC;\n14 mm.\nmargins clear"  # a heading that is no section label closes as before
    assert lay_out("Nottingham grade: 2. Margins clear.") == "Nottingham grade: 2. Margins clear."  # a value, no list
    assert lay_out("A. Left breast, WLE: IDC. B. Left axilla: 0/4 nodes.") == "Left breast, WLE: IDC.\nLeft axilla: 0/4 nodes."


def test_eye_header_goes_onto_its_bullet_lines_and_a_generic_header_goes():
    assert lay_out("LE:\n- disc: CDR 0.5\n- macula: flat\nPlan: review") == \
        "LE: disc: CDR 0.5\nLE: macula: flat\nPlan: review"
    assert lay_out("Examination:\n- 5 mm papule") == "- 5 mm papule"
    assert lay_out("Right eye:\nTear at 2 o'clock.") == "Right eye:\nTear at 2 o'clock."  # no bullets: as dictated


def test_plan_after_a_spaced_dash_is_a_sentence_and_label_dashes_are_labels():
    assert lay_out("ETT tip at the carina - withdraw 2 cm. Imp - ETT low.") == \
        "ETT tip at the carina. withdraw 2 cm. Impression: ETT low."
    assert lay_out("Nodule 2 - 3 mm - stable.") == "Nodule 2 - 3 mm - stable."  # no plan word: as dictated


def test_suggest_is_a_plan_only_when_it_opens_the_sentence(host):
    d = draft(host, "cxr", "Clips in the right upper quadrant suggest prior cholecystectomy. Suggest lateral view.")
    assert d.impression[-1] == "Suggest lateral view."
    assert "cholecystectomy" in " ".join(f.text for f in d.findings)


def test_narrative_demographics_apart():
    assert demographics_apart("The patient is a 47-year-old lady seen in clinic with a 4 mm papule on the nose.") == \
        (["47-year-old lady seen in clinic"], "A 4 mm papule on the nose.")
    assert demographics_apart("Nodule RUL. He is a 70 yo smoker.") == (["70 yo smoker"], "Nodule RUL.")
    assert demographics_apart("This is a 3 year old scar.") == ([], "This is a 3 year old scar.")
    assert demographics_apart("IDC.\npT2 pN0.") == ([], "IDC.\npT2 pN0.")  # letter case as dictated


# --- through the drafters, per specialty -----------------------------------------------------------


def test_radiology_forms(host):
    d = draft(host, "cxr", "S: 77F, fever. O: L basal consolidation, small L effusion. A: LLL pneumonia. "
                           "P: follow-up film in 6 wks.")
    assert "77F" in (d.indication or "")
    assert "consolidation" in region(d, "lung").lower()
    assert any("pneumonia" in i.lower() for i in d.impression)
    assert any("6 weeks" in i for i in d.impression)
    assert_no_fragments(d)
    d = draft(host, "cxr", "Feeding tube tip in the upper oesophagus - advance 12 cm. Lungs clear.")
    assert "oesophagus" in everything(d) and "Advance 12 cm." in d.impression
    assert "advance" not in " ".join(f.text for f in d.findings).lower()
    d = draft(host, "ct_chest", "This is a 59 year old woman with a 2.2 centimetre spiculated nodule in the right upper lobe.")
    assert d.indication and d.indication.startswith("59 year old woman")
    assert "2.2 cm" in region(d, "lungs_airways") and "right upper lobe" in region(d, "lungs_airways").lower()


def test_pathology_forms(host):
    d = draft(host, "breast-resection", "A. Right breast, wide local excision: invasive ductal carcinoma, grade 2, "
                                        "18 milli metres. B. Right axillary sentinel nodes: 0/3.")
    assert "18 mm" in region(d, "size")
    assert "0 of 3" in region(d, "lymph_nodes") or "0/3" in region(d, "lymph_nodes")
    assert "Right" in region(d, "laterality")
    assert_no_fragments(d)
    d = draft(host, "breast-resection", "Left mastectomy: 1) ILC, grade 2; 2) 4.5 centimetres; 3) margins clear, closest "
                                        "deep 2 mm; 4) LVI not identified.\npT3 pN0.")
    assert "pT3" in region(d, "stage")
    assert "4.5 cm" in region(d, "size") and "lobular" in region(d, "histologic_type").lower()
    assert "2 mm" in region(d, "margins")
    assert not region(d, "procedure").endswith(":.")
    assert_no_fragments(d)


def test_dermatology_forms(host):
    d = draft(host, "skin_lesion", "S: 38F, changing mole. O: 7 by 5 millimetre pigmented macule R thigh, irregular border. "
                                   "A: dysplastic naevus. P: excision biopsy.")
    assert "38F" in (d.indication or "")
    assert "7 x 5 mm" in region(d, "size")
    assert any("naevus" in i.lower() for i in d.impression)
    assert_no_fragments(d)
    d = draft(host, "skin_lesion", "Patient is a 70 year old man with a 9 mm pearly nodule on the left temple.")
    assert d.indication and "70 year old man" in d.indication
    assert "9 mm" in region(d, "size") and "temple" in region(d, "distribution_site").lower()
    assert "70" not in " ".join(f.text for f in d.findings)


def test_ophthalmology_forms(host):
    d = draft(host, "fundus", "RE:\n- disc: CDR 0.7, inferior rim thinning\n- macula: flat\nLE:\n- disc: CDR 0.4\n"
                              "Impression - glaucoma suspect right eye")
    disc = [f for f in d.findings if f.region == "optic_disc" and not f.is_default]
    assert any("0.7" in f.text and f.laterality == "right" for f in disc)
    assert any("0.4" in f.text and f.laterality == "left" for f in disc)
    assert_no_fragments(d)
    d = draft(host, "fundus", "S: 55M, floaters. O: OS retinal tear at 11 o'clock, no detachment. A: retinal tear OS. "
                              "P: laser retinopexy today.")
    assert any("laser" in i.lower() for i in d.impression)
    assert "tear" in region(d, "periphery").lower()
    assert_no_fragments(d)


def test_first_person_plan_and_impression_and_narrative_eye():
    assert lay_out("My diagnosis is that this is a dermatofibroma and we will review in 3 months.") == \
        "Impression: dermatofibroma. Plan: review in 3 months."
    assert lay_out("I have reviewed the prior study. I have requested a CT.") == \
        "I have reviewed the prior study. Plan: requested a CT."  # reviewing is no plan
    assert lay_out("In the left eye there is a cotton wool spot. The right eye shows only drusen. Discs pink.") == \
        "Left eye: there is a cotton wool spot.\nRight eye: drusen.\nDiscs pink."  # the eye holds for its sentence


def test_first_person_plan_reaches_the_impression(host):
    d = draft(host, "fundus", "The left eye has a few dot haemorrhages at the posterior pole. "
                              "I will see him again in 12 months with photographs.")
    assert any(i.startswith("Plan:") and "12 months" in i for i in d.impression)
    assert "12 months" not in " ".join(f.text for f in d.findings)
    assert any(f.laterality == "left" and "haemorrhage" in f.text.lower() for f in d.findings)
    d = draft(host, "skin_lesion", "On the left forearm there is a 5 mm firm pink papule with a central white patch on "
                                   "dermoscopy. My impression is that this is a dermatofibroma and I have advised "
                                   "no treatment.")
    assert any("dermatofibroma" in i.lower() for i in d.impression)
    assert any("no treatment" in i.lower() for i in d.impression)


def test_sizes_in_words_and_the_indication_without_its_label(host):
    assert lay_out("nine by seven millimetre papule, one point five centimetres") == "9 x 7 mm papule, 1.5 cm"
    d = draft(host, "skin_lesion", "Exam: eight by six millimetre brown macule on the L upper arm.")
    assert "8 x 6 mm" in region(d, "size")
    d = draft(host, "cxr", "CLINICAL HISTORY: 80F fall.\nFINDINGS: Displaced fracture of the R 7th rib.")
    assert d.indication == "80F fall."
    assert "fracture" in region(d, "bone").lower()


def test_spoken_punctuation_and_content_headers():
    assert lay_out("Small R effusion full stop no pneumothorax new paragraph heart normal") == \
        "Small R effusion. no pneumothorax.\nheart normal"
    assert lay_out("comma vessels. New line in the R IJ.") == "comma vessels. New line in the R IJ."  # words, not speech
    assert lay_out("Right breast, mastectomy:\n- ILC\nClinical history:\n- lump") == \
        "Right breast, mastectomy.\n- ILC\nClinical history:\n- lump"  # a section label stays a label


def test_pathology_content_header_over_bullets(host):
    d = draft(host, "breast-resection", "A. Right breast, wide local excision:\n- invasive lobular carcinoma, 2.6 cm\n"
                                        "- margins clear\nB. Right axillary sentinel nodes:\n- 1/3 positive")
    assert not any(f.text.endswith(":.") for f in d.findings)
    assert "2.6 cm" in region(d, "size") and "lobular" in region(d, "histologic_type").lower()
    assert_no_fragments(d)


def test_compound_number_words_and_bullet_marks():
    assert lay_out("a twenty-two by fifteen millimetre plaque") == "a 22 x 15 mm plaque"
    assert lay_out("LE:\n\u2022 disc: pale\n\u2013 vessels: attenuated") == "LE: disc: pale\nLE: vessels: attenuated"
    assert lay_out("-10 HU adrenal nodule\n>6 mm nodule") == "-10 HU adrenal nodule\n>6 mm nodule"  # signs stay


def test_note_labels_and_dashed_soap_labels():
    assert lay_out("O/E: 4 mm papule. Mx: cryotherapy.") == "4 mm papule.\nPlan: cryotherapy."
    assert lay_out("S - 30F, rash.\nO - scaly plaque.\nA - psoriasis.\nP - emollients.") == \
        "30F, rash.\nscaly plaque.\nImpression: psoriasis.\nPlan: emollients."


def test_study_eye_header_over_a_numbered_list(host):
    assert lay_out("OCT-A RE:\n1) FAZ irregular\n2) no NV\nIMP: normal") == \
        "RE: FAZ irregular\nRE: no NV\nImpression: normal"
    d = draft(host, "fundus", "Fundus LE:\n1. disc: CDR 0.8, inferior notch\n2. macula: flat\nImpr: glaucomatous cupping LE")
    disc = [f for f in d.findings if f.region == "optic_disc" and not f.is_default]
    assert disc and all(f.laterality == "left" for f in disc)
    assert not any(i.lower().startswith("impr") for i in d.impression)


def test_a_list_number_alone_on_its_line_goes():
    assert lay_out("1.\nLUL nodule 6 mm.\n(2)\nNo effusion.\nSLN:\n2") == "LUL nodule 6 mm.\nNo effusion.\nSLN:\n2"


def test_presenting_symptoms_of_a_soap_note_are_the_indication(host):
    d = draft(host, "cxr", "S: 64M, productive cough and fever for a week. O: RML consolidation. A: pneumonia.")
    assert "cough" in (d.indication or "").lower()
    assert "cough" not in " ".join(f.text for f in d.findings).lower()
    assert "consolidation" in region(d, "lung").lower()
    d = draft(host, "fundus", "S: 70F, metamorphopsia left eye. O: OS soft drusen and subretinal fluid at the macula. "
                              "A: wet AMD OS. P: anti-VEGF.")
    assert "metamorphopsia" in (d.indication or "").lower()
    assert "drusen" in region(d, "macula").lower()


def test_an_examination_label_ends_the_history_section(host):
    d = draft(host, "skin_lesion", "Hx: new mole R calf. O/E: 5 x 4 mm brown macule, regular border.")
    assert "5 x 4 mm" in region(d, "size")
    assert "macule" in region(d, "morphology").lower()


def test_numbers_in_words_where_a_report_writes_digits(host):
    assert lay_out("grade three, three of twelve nodes, review in four weeks; one of the nodes, two-tone") == \
        "grade 3, 3 of 12 nodes, review in 4 weeks; one of the nodes, two-tone"
    d = draft(host, "breast-resection", "Right mastectomy. Invasive lobular carcinoma, Nottingham grade two, thirty "
                                        "millimetres. Three of eleven lymph nodes contain metastatic carcinoma.")
    assert "grade 2" in region(d, "grade").lower()
    assert "30 mm" in region(d, "size")
    assert "3 of 11" in region(d, "lymph_nodes")


def test_first_person_seeing_goes(host):
    assert lay_out("On dermoscopy we can see white shiny lines. I note a 3 mm papule.") == \
        "On dermoscopy white shiny lines. a 3 mm papule."
    d = draft(host, "cxr", "I note a moderate right pleural effusion. We see no pneumothorax.")
    assert region(d, "lung").startswith("A moderate right pleural effusion.")
    assert " I " not in f" {region(d, 'lung')} "


def test_pathology_section_labels(host):
    d = draft(host, "breast-resection", "Clinical: 61F, palpable lump L breast.\nMacroscopic: left wide local excision.\n"
                                        "Microscopic: invasive lobular carcinoma, grade 2, 1.9 cm.")
    assert d.indication and d.indication.startswith("61F")
    assert region(d, "histologic_type").startswith("Invasive lobular carcinoma")
    assert not any("scopic" in f.text for f in d.findings)


def test_region_header_over_bullet_lines():
    finding = lambda s: "effusion" in s or "nodule" in s  # noqa: E731 - the drafter passes its lexicon's test
    assert lay_out("Lungs:\n- clear\n- 5 mm nodule\nImpression:\n- normal", is_finding=finding) == \
        "Lungs: clear\n5 mm nodule\nImpression:\n- normal"  # a section label over its bullets stays


def test_region_headers_in_every_specialty(host):
    d = draft(host, "cxr", "Lungs:\n- clear\nPleura:\n- small L effusion\nBones:\n- intact")
    assert region(d, "lung") == "The lungs are clear. Small left pleural effusion."
    assert region(d, "bone") == "The bones are intact."
    assert not any(f.text.rstrip(".") in ("Lungs", "Pleura", "Bones", "Clear", "Intact") for f in d.findings)
    d = draft(host, "fundus", "Macula:\n- flat\n- drusen\nVessels:\n- normal calibre")
    assert not any(f.text.rstrip(".") in ("Macula", "Vessels", "Flat") for f in d.findings)
    assert "drusen" in region(d, "macula").lower()
    d = draft(host, "skin_lesion", "Border:\n- irregular\nDermoscopy:\n- atypical network")
    assert "irregular" in region(d, "border").lower() and "network" in region(d, "dermoscopy").lower()
    d = draft(host, "breast-resection", "Right mastectomy.\nMargins:\n- clear\n- closest deep 5 mm")
    assert "5 mm" in region(d, "margins") and not any(f.text == "Clear." for f in d.findings)


def test_a_narrative_eye_holds_for_its_sentence_only(host):
    d = draft(host, "fundus", "The left eye has a small macular hole. Both discs are pink and healthy.")
    disc = [f for f in d.findings if f.region == "optic_disc" and not f.is_default]
    assert disc and all(f.laterality != "left" for f in disc)
    assert any(f.laterality == "left" and "hole" in f.text.lower() for f in d.findings)


def test_clinic_letter_courtesies_go(host):
    assert lay_out("Dear Dr Lee,\nThank you for seeing this 50 year old man. Lungs clear. Thanks for the referral. "
                   "Yours sincerely, Dr Khan") == "50 year old man. Lungs clear."
    assert lay_out("Thank you, will review in 3 months.") == "Thank you, will review in 3 months."  # a plan stays
    d = draft(host, "fundus", "Dear Dr Patel, thank you for referring this 62 year old man with reduced vision in the "
                              "left eye. OS: drusen and subretinal fluid at the macula. Best wishes, Dr Rao")
    assert d.indication and "62 year old man" in d.indication
    assert not any("dear" in f.text.lower() or "wishes" in f.text.lower() for f in d.findings)
    assert "subretinal fluid" in region(d, "macula").lower()


def test_section_headings_without_a_colon(host):
    assert lay_out("CLINICAL HISTORY\nfall\nFINDINGS\nNo fracture.\nConclusion") == \
        "CLINICAL HISTORY: fall\nFINDINGS: No fracture."
    d = draft(host, "cxr", "HISTORY\n70F dyspnoea\nFINDINGS\nModerate cardiomegaly.\nIMPRESSION\nCardiomegaly.")
    assert d.indication == "70F dyspnoea."
    assert not any(f.text.rstrip(".").lower() in ("findings", "impression", "history") for f in d.findings)
    assert "cardiomegaly" in region(d, "heart").lower()
    d = draft(host, "skin_lesion", "Findings\n5 mm pearly papule L nasal ala\nImpression\nBCC")
    assert not any(f.text.rstrip(".").lower() in ("findings", "impression") for f in d.findings)
    assert any("basal cell carcinoma" in i.lower() for i in d.impression)
