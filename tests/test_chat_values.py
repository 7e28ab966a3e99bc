"""A value that replaces another of the same kind (issue 13): the lexicons' ``value_groups`` read by
``agents/chat_values.py`` ("no, it's lobular" for "Invasive ductal carcinoma.", "it's a plaque" for
"Papule.", "the nodule is ground glass" for "... solid nodule ..."), in every specialty; a weak or
ambiguous match changes nothing and says what it read; a mixed-case first word ("pT1b") is written
as said. Also: counts ("2/12"), grades said in words, undo idioms ("scratch that"), a severity or side
written before the finding's modifiers ("Small left pleural effusion."), and statements about the
patient ("the patient is a smoker") that are no finding. Drafts come from the built-in plugins' real offline drafters (``drafted``).
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_values import find_values
from pixtralogist.core.editing import make_findings
from pixtralogist.core.text import upper_first
from pixtralogist.kit import LexiconError
from pixtralogist.kit.lexicon import lexicon_from_mapping

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_wordings import _edited, _unchanged

CASES = [
    # --- pathology: histologic type, procedure -------------------------------------------------------
    ("breast-resection", "R lumpectomy. IDC 1.6 cm, G2. Margins neg.", "no it's lobular",
     {"histologic_type": (["invasive lobular carcinoma"], ["ductal"])}),
    ("breast-resection", "L mastectomy. ILC 3.2 cm, G2. 0/4 LN.", "histology: ductal",
     {"histologic_type": (["invasive ductal carcinoma"], ["lobular"])}),
    ("breast-resection", "R lumpectomy. Mucinous carcinoma 1.1 cm, G1.", "switch the histologic type to tubular",
     {"histologic_type": (["tubular carcinoma"], ["ucinous"])}),
    ("breast-resection", "L breast lumpectomy. IDC 2.2 cm, G3.", "it was a mastectomy",
     {"procedure": (["left breast mastectomy"], ["lumpectomy"])}),
    # --- radiology: nodule solidity, arterial territory, extra-axial space ---------------------------------
    ("ct_chest", "7mm solid nodule RML. No effusion.", "the nodule is actually part-solid",
     {"lungs_airways": (["7 mm part solid nodule in the right middle lobe"], ["mm solid nodule"])}),
    ("ct_chest", "11mm part solid nodule LLL. Mild emphysema.", "make the nodule ground glass",
     {"lungs_airways": (["11 mm ground glass nodule"], ["part solid"])}),
    ("mri_brain", "Acute infarct R MCA territory. Ventricles nl.", "it's ACA territory",
     {"parenchyma": (["right aca territory"], ["mca"])}),
    ("mri_brain", "Thin L frontal subdural collection 3 mm. No midline shift.", "it's epidural",
     {"ventricles_extraaxial": (["left frontal epidural collection"], ["subdural"])}),
    # --- dermatology: morphology, colour --------------------------------------------------------------
    ("skin_lesion", "5mm pink papule R forearm.", "it's more like a plaque",
     {"morphology": (["plaque."], ["papule"])}),
    ("skin_lesion", "9mm brown macule L shin, regular border.", "colour is black",
     {"color": (["black."], ["brown"])}),
]


@pytest.mark.parametrize("template, dictation, message, changes", CASES)
def test_a_value_replaces_another_of_its_kind(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message, item, gone", [
    ("fundus", "OD: scattered dot hemorrhages, few CWS. OS nl. Mild NPDR OD.", "it's moderate NPDR",
     "Moderate non-proliferative diabetic retinopathy in the right eye", "Mild non-proliferative"),
    ("fundus", "OU: dot-blot hemorrhages, NVE OD. PDR OU.", "downgrade to severe NPDR",
     "Severe non-proliferative diabetic retinopathy", "Proliferative diabetic retinopathy in"),
])
def test_an_icdr_level_said_replaces_the_level_of_the_impression(host, template, dictation, message, item,
                                                                  gone):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed and res.draft.findings == d.findings, res.reply
    joined = " | ".join(res.draft.impression)
    assert item in joined and gone not in joined, joined
    assert res.impression_locked  # a rebuild from the findings would not undo it


@pytest.mark.parametrize("template, dictation, message, reply", [
    # two sentences could take the value: nothing is guessed, the reply says what it read
    ("ct_chest", "8mm solid nodule RUL. 4mm solid nodule LLL.", "make it part solid", "more than one sentence"),
    ("skin_lesion", "Two lesions: 4mm papule L arm; 6mm papule R arm.", "it's a nodule", "more than one sentence"),
])
def test_a_value_two_sentences_could_take_changes_nothing_and_says_so(host, template, dictation, message,
                                                                      reply):  # noqa: F811
    res = _unchanged(host, template, dictation, message)
    assert reply in res.reply and "nothing was changed" in res.reply


@pytest.mark.parametrize("template, dictation, message, changes", [
    # the finding named picks the sentence
    ("ct_chest", "8mm solid nodule RUL. 4mm solid nodule LLL.", "the LLL nodule is ground glass",
     {"lungs_airways": (["8 mm solid nodule in the right upper lobe", "4 mm ground glass nodule in the left lower lobe"],
                        [])}),
])
def test_the_finding_named_picks_the_sentence_of_the_value(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message, keep", [
    # a new finding that carries a group value is added, never written over the other one
    ("ct_chest", "9mm part solid nodule RLL. No effusion.", "there is a 3 mm solid nodule in the lingula",
     "9 mm part solid nodule in the right lower lobe"),
    ("skin_lesion", "6mm papule L cheek.", "there is also a 2 cm plaque on the back", "Papule."),
])
def test_a_new_finding_with_a_group_value_is_added_not_written_over(host, template, dictation, message,
                                                                    keep):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert keep in " ".join(res.draft.region_dict().values()), res.reply


def test_a_value_group_of_another_kind_is_not_swapped(host):  # noqa: F811
    # "lobular" is no procedure: the procedure sentence is not touched, only the histologic type
    _edited(host, "breast-resection", "L lumpectomy. IDC 1.2 cm G1.", "actually lobular",
            {"histologic_type": (["lobular"], ["ductal"])})


@pytest.mark.parametrize("template, dictation, message, written", [
    ("breast-resection", "R lumpectomy. IDC 1.9 cm, G1. 0/2 SLN. pT1c N0.", "stage is pT1b N0", "pT1b N0."),
    ("breast-resection", "L lumpectomy. ILC 2 cm, G2.", "set the stage to ypT1a N0", "ypT1a N0."),
])
def test_a_mixed_case_first_word_is_written_as_said(host, template, dictation, message, written):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed and res.draft.region_dict()["stage"] == written, res.reply


def test_upper_first_keeps_mixed_case_words(host):  # noqa: F811
    d, _ = drafted(host, "breast-resection", "L lumpectomy. ILC 2 cm, G2.")
    assert upper_first("pT2 N1a") == "pT2 N1a"
    assert upper_first("mRNA expression") == "mRNA expression"
    assert upper_first("small effusion") == "Small effusion"
    assert upper_first("") == ""
    assert [f.text for f in make_findings(["ypN0", "x-ray clear"], "stage", d.provenance)] == ["ypN0.", "X-ray clear."]


def test_find_values_takes_the_longest_and_never_part_of_a_hyphenated_word():
    groups = {"solidity": ("solid", "part solid"), "color": ("blue", "white")}
    found = find_values("A part-solid nodule; blue-white veil", groups)
    assert [(v.group, v.value) for v in found] == [("solidity", "part solid")]


def test_value_groups_are_merged_by_name_and_checked():
    base = lexicon_from_mapping({"value_groups": {"a": ["x", "y"], "b": ["p", "q"]}})
    top = lexicon_from_mapping({"value_groups": {"b": ["P", "Q", "R"]}})
    merged = base.extend(top)
    assert dict(merged.value_groups) == {"a": ("x", "y"), "b": ("p", "q", "r")}
    with pytest.raises(LexiconError, match="two values"):
        lexicon_from_mapping({"value_groups": {"a": ["x"]}})
    with pytest.raises(LexiconError, match="value_groups"):
        lexicon_from_mapping({"value_groups": ["x", "y"]})


# --- counts, grades said in words (undo idioms: test_chat_plain_edits.test_undo_synonyms) ------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message, changes", [
    ("breast-resection", "L mastectomy. ILC 3 cm, G2. 3/14 LN positive.", "4 out of 14 nodes",
     {"lymph_nodes": (["4 of 14 lymph nodes positive"], ["3 of 14"])}),
    ("breast-resection", "R lumpectomy. IDC 1.3 cm, G1. 1/3 SLN pos.", "0/3 SLN",
     {"lymph_nodes": (["0 of 3 sentinel"], ["1 of 3"])}),
    ("ct_chest", "2 of 6 hilar nodes enlarged. No effusion.", "actually 3/6",
     {"mediastinum_hila": (["3 of 6"], ["2 of 6"])}),
])
def test_a_count_replaces_the_count_of_the_finding(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message, changes", [
    ("breast-resection", "R lumpectomy. IDC 1.3 cm, G1. Margins neg.", "grade two",
     {"grade": (["grade 2"], ["grade 1"])}),
    ("breast-resection", "R lumpectomy. IDC 1.3 cm, G1. Margins neg.", "it's grade III",
     {"grade": (["grade 3"], ["grade 1"])}),
    ("mri_brain", "Fazekas grade 2 white matter change. No infarct.", "Fazekas grade three",
     {"parenchyma": (["fazekas grade 3"], ["grade 2"])}),
])
def test_a_grade_said_in_words_or_roman_numerals_is_a_number(host, template, dictation, message,
                                                             changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


def test_a_flag_question_about_anything_names_only_its_topic(host):  # noqa: F811
    d, ctx = drafted(host, "skin_lesion", "7mm pigmented papule L back, irregular border.")
    res = chat.handle("is anything flagged on the colour?", d, ctx)
    assert not res.changed and "anything" not in res.reply.split("flagged")[0], res.reply


# --- a severity, side or time written before the finding's modifiers; the patient's history is no finding ---

@pytest.mark.parametrize("template, dictation, message, changes", [
    ("cxr", "Left pleural effusion. Heart nl.", "effusion is moderate",
     {"lung": (["moderate left pleural effusion"], ["pleural moderate"])}),
    ("mri_brain", "2cm mass R frontal lobe with vasogenic oedema.", "the oedema is marked",
     {"parenchyma": (["with marked vasogenic oedema"], ["vasogenic marked"])}),
    ("ct_chest", "Paraseptal emphysema. No effusion.", "emphysema is mild",
     {"lungs_airways": (["mild paraseptal emphysema"], [])}),
])
def test_a_new_attribute_is_written_before_the_modifiers_of_the_finding(host, template, dictation, message,
                                                                         changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message", [
    ("cxr", "Moderate R effusion. Mild cardiomegaly.", "the patient is a smoker"),
    ("fundus", "OD: dot haemorrhages. OS nl.", "she's diabetic"),
    ("breast-resection", "R lumpectomy. IDC 2.1 cm, G2.", "patient has a history of ovarian cancer"),
])
def test_a_statement_about_the_patient_is_not_written_as_a_finding(host, template, dictation, message):  # noqa: F811
    _unchanged(host, template, dictation, message)


# --- an edit of the findings keeps what only the impression said --------------------------------------

@pytest.mark.parametrize("template, dictation, message, kept", [
    ("fundus", "OS: few MAs, hard exudates. OD nl. Mild NPDR OS.", "the exudates are OD",
     "Mild non-proliferative diabetic retinopathy in the left eye."),
    ("fundus", "OD: NVD, vitreous haemorrhage. PDR OD.", "remove the vitreous haemorrhage",
     "Proliferative diabetic retinopathy in the right eye."),
])
def test_a_findings_edit_keeps_the_dictated_grade_of_the_impression(host, template, dictation, message,
                                                                      kept):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert kept in d.impression
    res = chat.handle(message, d, ctx)
    assert res.changed and kept in res.draft.impression, (res.draft.impression, res.reply)


@pytest.mark.parametrize("template, dictation, message, gone", [
    ("cxr", "ETT tip 3 cm above carina. Lungs clear. Heart nl.", "there is also a small left pneumothorax",
     "No acute cardiopulmonary abnormality."),
    ("octa", "OU: FAZ nl. SCP and DCP density preserved. No NV.", "there is also reduced SCP density OD",
     "No abnormality on OCT angiography."),
])
def test_a_normal_impression_is_not_kept_next_to_a_new_finding(host, template, dictation, message,
                                                               gone):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert gone in d.impression
    res = chat.handle(message, d, ctx)
    assert res.changed and gone not in res.draft.impression, (res.draft.impression, res.reply)


@pytest.mark.parametrize("template, dictation, message, changes", [
    # the old value named too: the one the draft says is replaced by the other
    ("ct_chest", "10mm ground glass nodule RUL. No effusion.", "make the ground-glass nodule solid",
     {"lungs_airways": (["10 mm solid nodule in the right upper lobe"], ["ground"])}),
    ("skin_lesion", "5mm pink papule L wrist.", "make the papule a plaque", {"morphology": (["plaque"], ["papule"])}),
    # a value in British spelling in the draft
    ("fundus", "OD: hard exudates. DME centre-involving OD. OS nl.", "DME is non-centre-involving",
     {"macula": (["non-center-involving"], ["centre-involving in"])}),
])
def test_a_value_said_with_the_old_one_or_in_another_spelling(host, template, dictation, message,
                                                              changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


def test_an_icdr_level_said_with_its_eye_changes_that_eye_only(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OS: few MAs. OD nl. Mild NPDR OS.")
    res = chat.handle("moderate NPDR OS", d, ctx)
    assert "Moderate non-proliferative diabetic retinopathy in the left eye." in res.draft.impression, res.reply
    other = chat.handle("moderate NPDR OD", d, ctx)  # the draft grades the left eye only: nothing is guessed
    assert not any("Moderate non-proliferative" in i and "left" in i for i in other.draft.impression), other.reply


# --- "resolved", "-ical" antonyms, "X's" as "X is", TNM categories and several values in one message ----

@pytest.mark.parametrize("template, dictation, message, changes", [
    ("cxr", "Small L PTX. Lungs otherwise clear.", "the pneumothorax has resolved",
     {"lung": (["no left pneumothorax"], ["small"])}),
    ("fundus", "OD: vitreous haemorrhage. OS nl.", "vitreous haemorrhage resolved",
     {"periphery": (["no vitreous"], [])}),
    ("skin_lesion", "7mm brown papule L arm, asymmetric.", "the lesion is symmetrical",
     {"morphology": (["symmetrical"], ["asymmetric"])}),
    ("mri_brain", "Asymmetric lateral ventricles. No hydrocephalus.", "ventricles are symmetrical",
     {"ventricles_extraaxial": (["symmetrical lateral ventricles"], ["asymmetric"])}),
    ("skin_lesion", "7mm brown papule L arm, irregular border.", "the border's regular",
     {"border": (["regular border"], ["irregular", "border's"])}),
    ("ct_chest", "Small R effusion. Mild emphysema.", "the effusion's moderate",
     {"pleura": (["moderate right pleural effusion"], ["small"])}),
    ("breast-resection", "L mastectomy. ILC 3.5 cm, G2. 3/12 LN pos. pT2 N1a.", "N stage is N2a",
     {"stage": (["pt2 n2a"], ["n1a"])}),
    ("breast-resection", "L mastectomy. ILC 3.5 cm, G2. 3/12 LN pos. pT2 N1a.", "T3",
     {"stage": (["pt3 n1a"], ["pt2"])}),
    ("breast-resection", "L mastectomy. ILC 3.5 cm, G2. 3/12 LN pos. pT2 N1a.", "stage pT3 N2a",
     {"stage": (["pt3 n2a"], ["pt2", "n1a"])}),
    ("skin_lesion", "7mm pink papule R arm.", "it's a red nodule",
     {"morphology": (["nodule"], ["papule"]), "color": (["red"], ["pink"])}),
])
def test_more_values_and_wordings(host, template, dictation, message, changes):  # noqa: F811
    res = _edited(host, template, dictation, message, changes)
    if template == "breast-resection":
        assert res.draft.region_dict()["stage"][:2] == "pT"  # written as the draft writes it


@pytest.mark.parametrize("template, dictation, message", [
    # a group value said with another side than the draft's: neither is guessed
    ("mri_brain", "Acute infarct R MCA territory.", "it's a L PCA infarct"),
    ("skin_lesion", "8mm papule R shin.", "it's a nodule on the left"),
])
def test_a_value_said_with_another_side_changes_nothing_and_says_so(host, template, dictation, message):  # noqa: F811
    res = _unchanged(host, template, dictation, message)
    assert "nothing was changed" in res.reply


@pytest.mark.parametrize("template, dictation, message, changes", [
    # a denied word that opens its sentence: what the sentence is about stays
    ("octa", "OD: enlarged FAZ, reduced SCP density. No NV.", "the FAZ isn't enlarged",
     {"faz": (["faz not enlarged in the right eye"], [])}),
    ("skin_lesion", "4mm pearly papule L nose.", "not pearly", {"surface": (["surface not pearly"], [])}),
])
def test_a_denial_keeps_what_its_sentence_is_about(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message, changes", [
    # a finding name meets its "-ar" adjective ("lacune"/"lacunar", "nodule"/"nodular")
    ("mri_brain", "Chronic lacunar infarct L thalamus. No haemorrhage.", "the lacune is on the right",
     {"parenchyma": (["lacunar infarct right thalamus"], ["left"])}),
    ("ct_chest", "Nodular opacity RUL 9 mm. No effusion.", "the nodule is 11 mm",
     {"lungs_airways": (["11 mm"], ["9 mm"])}),
])
def test_a_finding_name_meets_its_ar_adjective(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


@pytest.mark.parametrize("template, dictation, message", [
    # a normal or absent statement for the other side says nothing of the finding on this side
    ("octa", "OD: enlarged FAZ. No NV.", "the left FAZ is normal"),
    ("cxr", "Mod R effusion. Mild cardiomegaly.", "no effusion on the left"),
])
def test_a_normal_statement_for_the_other_side_leaves_the_finding(host, template, dictation, message):  # noqa: F811
    res = _unchanged(host, template, dictation, message)
    assert "other side" in res.reply
