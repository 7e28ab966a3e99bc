"""Pathology dictation forms of round 5 (issue 13): each fix class with inputs of its own (not from a benchmark set)."""

from __future__ import annotations

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)


def test_rt_after_a_treatment_is_radiotherapy_not_the_right_side(host):
    d = draft(host, "breast-resection", "Lt breast re-excision, recurrence after WLE and RT. IDC 9 mm, G2.")
    assert "left" in region(d, "laterality").lower()
    assert "right" not in " ".join(f.text for f in d.findings).lower()
    assert "radiotherapy" in " ".join(f.text for f in d.findings).lower()
    d = draft(host, "breast-resection", "RT breast lumpectomy: ILC 1.4 cm.")
    assert "right" in region(d, "laterality").lower() or "right" in region(d, "procedure").lower()


def test_a_numbered_list_marker_is_no_statement(host):
    d = draft(host, "breast-resection", "1. L mastectomy\n2. ILC 2.2 cm, grade 2\n3. 1/4 SLN positive, 3 mm\n4. pT2 pN1a(sn)")
    assert "1 of 4" in region(d, "lymph_nodes")
    assert not any(f.text.strip() in ("3.", "2.", "4.") for f in d.findings)


def test_a_stage_with_its_in_situ_descriptor_stays_whole(host):
    d = draft(host, "breast-resection", "R excision. DCIS, grade 3, 12 mm. Margins clear. 0/2 SLN. pTis (DCIS) pN0(sn).")
    assert "pTis (DCIS) pN0(sn)" in region(d, "stage")
    assert "pTis" not in region(d, "others")


def test_a_distance_to_a_named_margin_is_a_margin_statement(host):
    d = draft(host, "breast-resection", "IDC 1.1 cm, G1. Margins clear, closest inf 2mm; DCIS 1.5mm from med.")
    assert "1.5 mm from medial" in region(d, "margins")
    assert "1.5 mm" not in region(d, "others")


def test_an_axilla_label_is_the_lymph_nodes(host):
    d = draft(host, "breast-resection", "L WLE + ALND. IDC 3.1 cm. Ax: 2/11 positive, largest 8 mm.")
    nodes = region(d, "lymph_nodes").lower()
    assert "2 of 11" in nodes and "lymph nodes" in nodes and "8 mm" in nodes


def test_the_largest_focus_of_a_multifocal_tumor_is_the_size(host):
    d = draft(host, "breast-resection", "ILC, multicentric, largest 3.3 cm, grade 2.")
    assert "3.3 cm" in region(d, "size")
    assert "multicentric" in region(d, "extent").lower() and "3.3" not in region(d, "extent")
    d = draft(host, "breast-resection", "Skin: dermal invasion, largest 4 mm.")  # not focality: stays with its element
    assert "4 mm" in region(d, "extent")


def test_each_of_two_tumors_keeps_its_type_with_its_size(host):
    d = draft(host, "breast-resection", "R mastectomy, two tumours: a) 10:00 ILC 1.6 cm, G2; b) 4:00 IDC 0.5 cm, G1.")
    size = region(d, "size").lower()
    assert "1.6 cm (invasive lobular carcinoma)" in size and "0.5 cm (invasive ductal carcinoma)" in size
    d = draft(host, "breast-resection", "IDC 2.2 cm, G3.")  # one tumor: the size stays bare
    assert region(d, "size") == "2.2 cm."


def test_an_inline_enumerator_keeps_the_parts_apart(host):
    d = draft(host, "breast-resection", "L mastectomy, 2 lesions: (a) IDC 1.2 cm, G3; (b) IDC 0.4 cm, G1.")
    assert region(d, "grade") == "Grade 3. Grade 1."
    text = " ".join(f.text for f in d.findings)
    assert "(a)" not in text and "(b)" not in text


def test_a_finding_head_keeps_its_value(host):
    d = draft(host, "breast-resection", "Residual cancer burden: RCB-III\nTreatment effect: marked, in the breast")
    others = region(d, "others")
    assert "Residual cancer burden: RCB-III." in others and "Treatment effect: marked, in the breast." in others


def test_an_in_situ_label_with_a_closest_margin_is_a_margin(host):
    d = draft(host, "breast-resection", "Margins: invasive neg, closest ant 4 mm. DCIS: neg, closest inferior 0.8 mm.")
    assert "0.8 mm" in region(d, "margins") and "0.8 mm" not in region(d, "others")
    d = draft(host, "breast-resection", "DCIS: intermediate grade, cribriform, 9 mm.")  # no margin: the DCIS finding
    assert "cribriform" in region(d, "others")


def test_a_tumour_bed_is_not_the_tumor_size(host):
    d = draft(host, "breast-resection", "ypT1a. Tumor bed 4.0 x 3.5 cm, cellularity 5%.")
    assert "4.0" not in region(d, "size") and "Tumor bed" in region(d, "others")
    d = draft(host, "breast-resection", "Residual ILC 0.9 cm within a 2.5 cm tumor bed, G2.")
    assert region(d, "size").startswith("0.9 cm") and "2.5" not in region(d, "size")


def test_paget_disease_and_the_carcinoma_under_it_are_two_statements(host):
    d = draft(host, "breast-resection", "L mastectomy. Paget's disease of nipple with underlying DCIS, intermediate grade, 2 cm.")
    assert "Paget" in region(d, "extent") and "DCIS" not in region(d, "extent")
    assert "Underlying DCIS, intermediate grade, 2 cm." in region(d, "others")


def test_a_margin_status_after_the_closest_margin_comes_first(host):
    d = draft(host, "breast-resection", "ILC 1.5 cm. Margins: nearest superior 1.5 mm, uninvolved.")
    assert region(d, "margins") == "Margins uninvolved. Nearest margin superior 1.5 mm."


def test_met_ca_not_id_and_a_nodes_treatment_effect(host):
    d = draft(host, "breast-resection", "3/9 LNs with met ca, largest 6 mm, with marked treatment effect. PNI not id.")
    nodes = region(d, "lymph_nodes")
    assert "metastatic carcinoma" in nodes and "treatment effect" in nodes and "treatment" not in region(d, "others")
    assert "not identified" in " ".join(f.text for f in d.findings)


def test_bilateral_specimens_take_the_side_whose_carcinoma_is_not_denied(host):
    d = draft(host, "breast-resection", "Bilateral mastectomy. R: no carcinoma. L: ILC 2.4 cm, G2.")
    assert region(d, "laterality") == "Left."


def test_a_closest_margin_after_a_semicolon_is_its_own_sentence(host):
    d = draft(host, "breast-resection", "IDC 1 cm. Margins: all free; nearest deep 1.2 mm.")
    assert "Nearest margin deep 1.2 mm." in region(d, "margins")


def test_margin_distances_listed_with_one_unit_each_get_it(host):
    d = draft(host, "breast-resection", "IDC 9 mm. Margins: ant 3, post 1.5, sup 7 mm.")
    assert "anterior 3 mm, posterior 1.5 mm, superior 7 mm" in region(d, "margins")
    d = draft(host, "breast-resection", "IDC 9 mm. Margins: ant 3 mm, post 2.")  # no unit after the last: left as dictated
    assert "posterior 2." in region(d, "margins")


def test_what_an_extraction_leaves_reads_as_a_sentence(host):
    d = draft(host, "breast-resection", "There is a 3.6 cm invasive ductal carcinoma in the lower inner quadrant.")
    assert region(d, "histologic_type") == "There is an invasive ductal carcinoma."
    assert "lower inner quadrant" in region(d, "site").lower() and region(d, "size") == "3.6 cm."


def test_seg_and_a_distance_within_a_margin(host):
    d = draft(host, "breast-resection", "R breast seg: DCIS, grade 2, 14 mm, extends to within 0.5 mm of the lateral margin.")
    assert "segmental excision" in region(d, "procedure").lower()
    assert "0.5 mm" in region(d, "margins") and "0.5 mm" not in region(d, "extent")


def test_a_statement_about_some_of_the_nodes_stays_with_their_count(host):
    d = draft(host, "breast-resection", "ALND: 4/15 LNs positive, largest 7 mm; 2 show tx effect. ILC 3 cm.")
    assert "2 show treatment effect" in region(d, "lymph_nodes") and "treatment" not in region(d, "others")


def test_inline_dash_bullets_core_and_nuclear_grade(host):
    d = draft(host, "breast-resection", "Breast, left, excision: - ILC, 1.9 cm, grade 2. - Margins clear. - 1/2 SLN positive.")
    assert region(d, "histologic_type") == "Invasive lobular carcinoma."
    assert region(d, "margins") == "Margins clear." and "1 of 2" in region(d, "lymph_nodes")
    d = draft(host, "breast-resection", "L breast core: DCIS, low NG, cribriform.")
    assert "core" in region(d, "procedure").lower() and "low nuclear grade" in region(d, "others")


def test_what_lies_beside_the_tumor_is_an_additional_finding(host):
    d = draft(host, "breast-resection", "IDC 2.7 cm, grade 3, with adjacent atypical lobular hyperplasia.")
    assert region(d, "histologic_type") == "Invasive ductal carcinoma." and region(d, "size") == "2.7 cm."
    assert "atypical lobular hyperplasia" in region(d, "others")
    d = draft(host, "breast-resection", "Lobular neoplasia: ALH and LCIS.")  # a finding head: not a histologic type
    assert "Lobular neoplasia: atypical lobular hyperplasia and LCIS." in region(d, "others") and not region(d, "histologic_type")


def test_a_node_only_specimen_takes_the_side_of_its_axilla(host):
    d = draft(host, "breast-resection", "Right axillary sentinel node: micrometastasis 1.1 mm. pN1mi(sn).")
    assert region(d, "laterality") == "Right."


def test_a_node_statement_keeps_its_treatment_effect(host):
    d = draft(host, "breast-resection", "ALND 2/13, largest 5 mm w/ tx effect. Treatment effect in breast: partial.")
    assert "treatment effect" in region(d, "lymph_nodes")
    assert region(d, "others") == "Treatment effect in breast: partial."


def test_a_sign_before_a_full_stop_ends_the_statement(host):
    d = draft(host, "breast-resection", "Calcs +. 2/2 SLN negative.")
    assert "2 of 2" in region(d, "lymph_nodes") and "2 of 2" not in region(d, "others")


def test_an_in_situ_diagnosis_line_is_the_carcinoma_not_its_stage(host):
    d = draft(host, "breast-resection", "DCIS, intermediate grade, 8 mm. Margins clear. pTis (DCIS).")
    assert d.impression[0].startswith("DCIS, intermediate grade")
    d = draft(host, "breast-resection", "Paget dz w/ underlying DCIS. pTis (DCIS).")
    assert region(d, "extent") == "Paget disease." and "Underlying DCIS." in region(d, "others")
