"""Radiology and pathology shorthand the fresh dictation sets showed (issue 13, second round).

Each dictation is written for this test (no development or fresh set row) and drafted exactly
as ``pixtralogist draft`` does (the built-in plugins' configured offline drafter).
"""

from __future__ import annotations

import pytest

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)


# --- radiology: shorthand --------------------------------------------------------------------------

@pytest.mark.parametrize("template_id, notes, where, words", [
    ("ct_chest", "Lobar and subseg PEs bilat.", "heart_vessels", ["subsegmental pulmonary emboli", "bilateral"]),
    ("cxr", "L base opacity, c/f aspiration.", "lung", ["concerning for aspiration"]),
    ("cxr", "Small R effusion, unchgd.", "lung", ["unchanged"]),
    ("mri_brain", "R CPA mass 2 cm.", "ventricles_extraaxial", ["cerebellopontine angle"]),
    ("mri_brain", "Atrophic L hippocampus, ?MTS.", "parenchyma", ["mesial temporal sclerosis"]),
    ("ct_chest", "Consolodation LLL.", "lungs_airways", ["consolidation", "left lower lobe"]),
])
def test_radiology_shorthand_is_written_out(host, template_id, notes, where, words):
    text = region(draft(host, template_id, notes), where).lower()
    assert all(w in text for w in words), text


def test_an_interpretation_sentence_stays_with_its_finding_and_in_the_impression(host):
    d = draft(host, "mri_brain", "Thin L convexity SDH 3mm. C/w chronic hematoma.")
    assert "consistent with chronic hematoma" in region(d, "ventricles_extraaxial").lower()
    assert not region(d, "parenchyma")
    assert any("chronic hematoma" in item.lower() for item in d.impression)
    d = draft(host, "ct_chest", "Tree-in-bud opacities RLL. Likely aspiration bronchiolitis.")
    assert "likely aspiration bronchiolitis" in region(d, "lungs_airways").lower()
    assert not d.not_placed


def test_a_differential_sentence_reaches_the_impression(host):
    d = draft(host, "cxr", "Bilat hilar enlargement. DDx lymphoma vs sarcoid.")
    assert any("lymphoma" in item.lower() for item in d.impression)


def test_no_acute_summary_is_an_impression_line(host):
    d = draft(host, "mri_brain", "Few nonspecific WM foci. No acute intracranial abn.")
    assert d.impression[-1] == "No acute intracranial abnormality."


def test_a_trailing_hedge_does_not_make_the_first_finding_uncertain(host):
    d = draft(host, "cxr", "Lg L PTX with mediastinal shift to the R, ?tension.")
    lung = region(d, "lung").lower()
    assert "large left pneumothorax" in lung and "possible large" not in lung


def test_describing_parts_of_radiology_findings(host):
    d = draft(host, "ct_chest", "Desc aorta 4.0cm, mildly dilated.")
    assert region(d, "heart_vessels") == "Descending aorta 4.0 cm, mildly dilated."
    d = draft(host, "mri_brain", "Acute infarct L MCA territory, frontal lobe, DWI bright.")
    assert "frontal lobe" in region(d, "parenchyma") and not region(d, "others")
    d = draft(host, "mri_brain", "L frontal EDH, max thickness 6mm.")
    assert "max thickness 6 mm" in region(d, "ventricles_extraaxial")
    d = draft(host, "mri_brain", "T1 hyperintense, T2 hypointense lesion L thalamus, 8 mm.")
    assert region(d, "parenchyma").startswith("T1 hyperintense, T2 hypointense lesion")
    d = draft(host, "mri_brain", "Sinuses, mastoids clear.")
    assert region(d, "skull_soft_tissues") == "Sinuses and mastoid air cells clear."


def test_a_count_sentence_is_about_the_finding_before_it(host):
    d = draft(host, "mri_brain", "Numerous WM lesions. 4 enhancing, active.")
    assert "4 enhancing, active" in region(d, "parenchyma") and not d.not_placed


# --- pathology ----------------------------------------------------------------------------------

def test_node_procedure_with_its_count_gives_the_node_element(host):
    d = draft(host, "breast-resection", "R lumpectomy + ALND 4/17. IDC 2 cm.")
    assert "4 of 17 axillary lymph nodes" in region(d, "lymph_nodes")
    assert "axillary lymph node dissection" in region(d, "procedure").lower()
    d = draft(host, "breast-resection", "SLNB: 1 of 3 SLN with micromet.")
    assert "1 of 3" in region(d, "lymph_nodes") and "micrometastasis" in region(d, "lymph_nodes")


def test_specimen_header_side_is_the_laterality(host):
    d = draft(host, "breast-resection", "Breast, Rt, wide local excision: ILC 9 mm.")
    assert "right" in region(d, "laterality").lower()
    d = draft(host, "breast-resection", "Breast (left), mastectomy: IDC.")
    assert "left" in region(d, "laterality").lower()


def test_grade_components_get_their_total(host):
    d = draft(host, "breast-resection", "IDC, grade 3 (3+3+2).")
    assert "3+3+2=8" in region(d, "grade")
    d = draft(host, "breast-resection", "ILC, grade 2: tubules 3, pleomorphism 2, mitoses 2.")
    assert "score 7" in region(d, "grade")


def test_a_labelled_statement_keeps_its_semicolon_clauses(host):
    d = draft(host, "breast-resection", "IDC 12 mm. Margins: invasive 3 mm from inferior; DCIS 1 mm from anterior. SLN 0/2.")
    margins = region(d, "margins")
    assert "inferior" in margins and "DCIS 1 mm from anterior" in margins
    assert "0 of 2" in region(d, "lymph_nodes")


def test_feature_signs_and_sentences_before_a_number(host):
    d = draft(host, "breast-resection", "IDC 15 mm. LVI+. ENE-. DCIS 6mm. 2/3 SLN pos.")
    assert region(d, "lvi") == "Lymphovascular invasion present."
    assert "2 of 3" in region(d, "lymph_nodes") and "DCIS" not in region(d, "lymph_nodes")


def test_in_situ_only_and_complete_response_are_diagnosis_lines(host):
    d = draft(host, "breast-resection", "L excision: DCIS, intermediate grade, cribriform, 12 mm. Margins neg.")
    assert d.impression[0].startswith("DCIS, intermediate grade")
    d = draft(host, "breast-resection", "R mastectomy post NACT. No residual carcinoma. 0/4 LN. ypT0 ypN0. pCR.")
    assert d.impression[0] == "No residual carcinoma."
    assert "Pathologic complete response." in d.impression
