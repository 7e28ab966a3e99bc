"""Issue 13 failure classes found on unseen radiology and pathology dictation (fourth round).

Each class has a dictation written for this test (not a benchmark row), drafted exactly as
``pixtralogist draft`` does (the built-in plugins' offline drafters).

Pathology: a label with a bracketed qualifier ("Margins (invasive):") keeps its whole list in its element;
pTNM with an r/y prefix or an "mi"/"(i+)" suffix is the stage; "gr3" is a grade; a node procedure with
its side and count ("SLNB L x2: 1/2 ...") gives a node statement; a side after a comma at the end
("..., R.") is the laterality; a typo of a procedure word is corrected; a denial in a later clause
("LVI not identified") does not take the type, grade and size with it; a bracketed closest margin is a
statement of its own; sizes listed with one unit each get the unit; "Tumor 2.4 x 1.1 x 0.9 cm" gives
its greatest dimension.
"""

from __future__ import annotations

import pytest

from test_dictation_classes_rad_path import assert_no_orphans, dictated, states
from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)


# -- pathology -------------------------------------------------------------------------------------

def test_a_label_with_a_bracketed_qualifier_keeps_its_list(host):
    d = states(host, "breast-resection",
               "R lumpectomy: ILC, 1.9 cm. Margins (DCIS): ant 2mm, post 6mm, lat 9mm.", "margins",
               ["anterior 2 mm", "posterior 6 mm", "lateral 9 mm"])
    assert "mm" not in region(d, "size").replace("1.9 cm", "")  # no margin distance became a tumor size
    assert_no_orphans(d)


@pytest.mark.parametrize("stage", ["ypT2 ypN0", "rpT1b", "pT1c pN1mi", "pN0(i+)(sn)", "ypT1a ypN1a(sn)"])
def test_prefixed_and_suffixed_ptnm_is_the_stage(host, stage):
    d = draft(host, "breast-resection", f"L mastectomy. IDC 1.5 cm, grade 1. {stage}.")
    assert region(d, "stage") == f"{stage}.", dictated(d)
    assert stage not in region(d, "others")


def test_short_grade_and_procedure_typo(host):
    d = draft(host, "breast-resection", "R lumpectomey. ILC 2.1cm gr2. Margins neg.")
    assert region(d, "grade") == "Grade 2.", dictated(d)
    assert "lumpectomy" in region(d, "procedure").lower()


def test_a_node_procedure_with_side_and_count_gives_a_node_statement(host):
    d = states(host, "breast-resection", "SLNB L x2: 1/2 with micromet 1.1mm. IDC 1.2 cm G1.", "lymph_nodes",
               ["1 of 2 sentinel lymph nodes", "micrometastasis 1.1 mm"])
    assert "sentinel lymph node biopsy" in region(d, "procedure").lower()


def test_a_side_after_a_comma_at_the_end_is_the_laterality(host):
    d = draft(host, "breast-resection", "Mastectomy + ALND, R. ILC 5.5 cm, grade 2.")
    assert region(d, "laterality") == "Right.", dictated(d)


def test_a_denial_in_a_later_clause_keeps_type_grade_and_size(host):
    d = draft(host, "breast-resection", "L lumpectomy. ILC 2.7cm gr2, ENE absent, LVI negative.")
    assert region(d, "histologic_type") == "Invasive lobular carcinoma.", dictated(d)
    assert region(d, "size") == "2.7 cm."
    assert "lymphovascular invasion negative" in region(d, "lvi").lower()
    # a leading denial may govern what follows it: the sentence stays whole
    d = draft(host, "breast-resection", "R excision. No invasive carcinoma, DCIS 4 mm.")
    assert "no invasive carcinoma" in " ".join(f.text.lower() for f in d.findings)
    assert not any(f.text.lower().startswith("invasive carcinoma") for f in d.findings)


def test_a_bracketed_closest_margin_is_its_own_statement(host):
    d = states(host, "breast-resection", "L excision. IDC 1.0 cm. Margins free of carcinoma (closest sup 3mm).",
               "margins", ["closest margin superior 3 mm"])
    closest = next(s for s in region(d, "margins").split(". ") if "closest" in s.lower())
    assert "free" not in closest.lower()


def test_sizes_listed_with_one_unit_and_three_axis_tumor_size(host):
    d = states(host, "breast-resection", "R mastectomy. IDC, 2 foci (1.8 and 0.5 cm), grade 2.", "size",
               ["1.8 cm", "0.5 cm"])
    d = states(host, "breast-resection", "R mastectomy. IDC grade 3. Tumor 2.4 x 1.1 x 0.9 cm.", "size",
               ["2.4 cm in greatest dimension", "2.4 x 1.1 x 0.9 cm"])
    assert_no_orphans(d)
    # a grade and a node count before a size are no list of sizes
    d = draft(host, "breast-resection", "R mastectomy. IDC grade 2, 0.9 cm.")
    assert "2 cm" not in region(d, "grade") + region(d, "size")


# -- radiology -------------------------------------------------------------------------------------

@pytest.mark.parametrize("template_id, notes, where, words", [
    ("cxr", "Patchy LLL opacity, ?aspiration. No PTX.", "lung", ["left lower lobe opacity, possible aspiration"]),
    ("ct_chest", "Sclerotic lesion T9 1.2cm, ?met.", "chest_wall_bones", ["sclerotic lesion", "possible metastasis"]),
    ("mri_brain", "Ring-enhancing lesion R parietal 2cm, ?abscess.", "parenchyma",
     ["right parietal", "possible abscess"]),
])
def test_a_hedged_diagnosis_stays_with_its_finding(host, template_id, notes, where, words):
    d = states(host, template_id, notes, where, words)
    assert not any(f.text.lower().startswith("possible") for f in d.findings), dictated(d)
    assert_no_orphans(d)


@pytest.mark.parametrize("template_id, notes, where, words", [
    ("cxr", "Rounded opacity LUL 2cm, dense, smooth margins. Heart nl.", "lung", ["2 cm, dense, smooth margins"]),
    ("ct_chest", "Mediastinal nodes, worst in the subcarinal station, up to 1.4 cm.", "mediastinum_hila",
     ["worst in the subcarinal station"]),
    ("mri_brain", "Cavernous malformation L frontal 9mm, popcorn, hemosiderin rim.", "parenchyma",
     ["popcorn", "hemosiderin rim"]),
    ("mri_brain", "Chronic SDH R convexity 7mm, heterogeneous signal, stable.", "ventricles_extraaxial",
     ["heterogeneous signal, stable"]),
])
def test_a_describing_word_stays_with_its_finding(host, template_id, notes, where, words):
    d = states(host, template_id, notes, where, words)
    assert_no_orphans(d)
    others = " ".join(f.text.lower() for f in d.findings if f.region != where)
    assert not any(w in others for w in words), dictated(d)


def test_a_change_only_sentence_joins_its_finding_in_the_draft(host):
    d = states(host, "ct_chest", "GGO RUL 14mm. Unchanged since 2023. No effusion.", "lungs_airways",
               ["unchanged since 2023"])
    assert any("14 mm" in f.text and "unchanged" in f.text for f in d.findings)


@pytest.mark.parametrize("notes, where, word", [
    ("Segmental PE RLL. No pulmonary infarct.", "lungs_airways", "infarct"),
    ("Small pericardial effusion. No tamponade.", "heart_vessels", "tamponade"),
    ("S/p R pneumonectomy. Pneumonectomy space partly fluid-filled.", "pleura", "pneumonectomy space"),
    ("Segmental PE LLL. RV/LV ratio 1.2.", "heart_vessels", "rv/lv ratio 1.2"),
    ("Moderate cardiomegaly. Anasarca.", "chest_wall_bones", "anasarca"),
])
def test_ct_chest_statements_find_their_region(host, notes, where, word):
    states(host, "ct_chest", notes, where, [word])


def test_a_normal_study_sentence_is_the_impression(host):
    d = draft(host, "mri_brain", "Unremarkable MRI of the brain.")
    assert any("unremarkable mri" in line.lower() for line in d.impression), d.impression


def test_pack_years_and_screening_are_the_indication(host):
    d = draft(host, "ct_chest", "Annual LDCT screening, 40 pk-yr smoker. LUL nodule 5 mm.")
    assert "40 pk-yr" in (d.indication or ""), d.indication
    assert "smoker" not in " ".join(f.text for f in d.findings)


@pytest.mark.parametrize("template_id, notes, where, first, second", [
    ("mri_brain", "2 enhancing foci: L temporal 6mm, R occipital 11mm. No hydrocephalus.", "parenchyma",
     ["left temporal", "6 mm"], ["right occipital", "11 mm"]),
    ("ct_chest", "Two nodules: LUL 5mm, RLL 8mm.", "lungs_airways",
     ["left upper lobe", "5 mm"], ["right lower lobe", "8 mm"]),
])
def test_a_list_of_places_keeps_each_side_and_size_apart(host, template_id, notes, where, first, second):
    d = draft(host, template_id, notes)
    sentences = [s for f in d.findings if f.region == where for s in f.text.split(". ")]
    for words, other in ((first, second), (second, first)):
        hit = [s.lower() for s in sentences if all(w in s.lower() for w in words)]
        assert hit and not any(w in hit[0] for w in other), sentences


def test_a_short_head_ending_with_a_label_keeps_its_value(host):
    d = states(host, "breast-resection", "R mastectomy. ILC 3.1 cm. Posterior margin: 0.8mm. LN 0/4.", "margins",
               ["posterior margin: 0.8 mm"])
    assert "0.8" not in region(d, "size")


def test_a_tube_in_the_esophagus_is_a_device_statement(host):
    d = states(host, "cxr", "OG tube tip in the distal esophagus. Lungs clear.", "others", ["tip in the distal esophagus"])
    assert "esophagus" not in region(d, "mediastinal")


def test_some_of_the_counted_nodes_stay_with_the_nodes(host):
    d = states(host, "breast-resection", "R mastectomy. IDC 1.2 cm. 0/9 LNs, 3 with treatment effect. ypT1c ypN0.",
               "lymph_nodes", ["0 of 9 lymph nodes, 3 with treatment effect"])
    assert "treatment effect" not in region(d, "others")


def test_inv_before_carcinoma_is_invasive(host):
    d = states(host, "breast-resection", "L excision. IDC 1.1 cm. Margins neg for inv ca.", "margins",
               ["negative for invasive carcinoma"])


@pytest.mark.parametrize("template_id, notes, word", [
    ("mri_brain", "No interval change in the R frontal meningioma.", "interval"),
    ("mri_brain", "78M with confusion. No acute infarct.", "confusion"),
    ("mri_brain", "Chronic infarct L lingual gyrus.", "lingual"),
    ("breast-resection", "IDC 1.2 cm. Margins neg; interior of specimen with biopsy site.", "interior"),
])
def test_real_words_next_to_finding_words_are_not_corrected(host, template_id, notes, word):
    d = draft(host, template_id, notes)
    text = " ".join([f.text for f in d.findings] + list(d.impression) + [d.indication or ""]).lower()
    assert word in text, text
