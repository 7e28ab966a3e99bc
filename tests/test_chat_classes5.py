"""Chat classes of issue 13's fifth round, each in the specialties it concerns, with the built-in plugins' real
offline drafters (inputs written for these tests, not taken from a benchmark set):

- clinical history said of the patient ("she underwent radiotherapy in 2019") is written nowhere;
- a size said with a word that only says it is a size ("diameter", "across", "long axis");
- a place said alone ("on the L shin") is what "it is" on;
- "wrong side, it's the right temple": the side of the sentence naming that place;
- "these are all in the left eye": the case's side;
- several undo verbs in one message ("go back, undo");
- a flag question about "the lesion" / "the tumour" is about every flag of the case;
- the specimen's side moves every sentence stating it (procedure, laterality);
- the ophthalmology impression is re-graded after an edit (no untrue grade kept, none stated twice).
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_edits import is_history

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_wordings import _edited, _unchanged


# --- clinical history -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message", [
    ("breast-resection", "L lumpectomy. IDC 2.2 cm, G1. Margins clear. 0/2 SLN.",
     "the patient underwent radiotherapy to the right chest in 2019"),
    ("cxr", "Mild cardiomegaly. Small R effusion.", "he had a valve replacement years ago"),
    ("skin_lesion", "7mm pigmented macule L calf, irregular border.", "she had a melanoma excised from her back in 2018"),
    ("fundus", "OD: scattered MAs and dot hemorrhages. OS nl.", "pt received laser to the left eye last spring"),
])
def test_history_said_of_the_patient_is_written_nowhere(host, template, dictation, message):  # noqa: F811
    res = _unchanged(host, template, dictation, message)
    assert "history" in res.reply


@pytest.mark.parametrize("text, history", [
    ("s/p right mastectomy", True), ("he has had two strokes", True), ("she was treated for DME", True),
    ("he has macular oedema in the right eye", False), ("the effusion is larger than before", False),
    ("there is a 4 mm nodule", False),
])
def test_what_reads_as_history(text, history):
    assert is_history(text) is history


# --- a size said with a size word ---------------------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message, region, new, old", [
    ("skin_lesion", "9mm pink papule R nasal tip, pearly.", "the diameter is 14 mm", "size", "14 mm", "9 mm"),
    ("breast-resection", "R mastectomy. ILC 3.1 cm, G2. LVI absent. 0/4 LN.", "greatest dimension 3.6 cm", "size",
     "3.6 cm", "3.1 cm"),
    ("ct_chest", "11 mm spiculated nodule LUL. No effusion.", "long axis is 13mm", "lungs_airways", "13 mm", "11 mm"),
])
def test_a_size_said_with_a_size_word(host, template, dictation, message, region, new, old):  # noqa: F811
    _edited(host, template, dictation, message, {region: ([new], [old])})


# --- a place said alone; "wrong side, it's the ..." ---------------------------------------------------------------

def test_a_place_said_alone_takes_its_side(host):  # noqa: F811
    _edited(host, "skin_lesion", "6mm scaly plaque R shin, well demarcated.", "on the L shin",
            {"distribution_site": (["left shin"], ["right"])})


def test_wrong_side_with_the_place(host):  # noqa: F811
    _edited(host, "skin_lesion", "4mm pearly papule L temple with telangiectasia.", "wrong side, it's the right temple",
            {"distribution_site": (["right temple"], ["left"])})


def test_wrong_side_with_the_specimen(host):  # noqa: F811
    res = _edited(host, "breast-resection", "L mastectomy. IDC 2.8 cm, G3. 2/12 LN pos.",
                  "wrong side - it's the right breast",
                  {"procedure": (["right"], ["left"]), "laterality": (["right"], ["left"])})
    assert res.changed


def test_wrong_side_with_something_else_is_not_guessed(host):  # noqa: F811
    _unchanged(host, "skin_lesion", "4mm pearly papule L temple with telangiectasia.", "wrong side, it's 5 mm")


# --- the case's side said of "all" --------------------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message, changes", [
    ("octa", "OD: FAZ enlarged. SCP density reduced.", "these are all in the left eye",
     {"faz": (["left eye"], ["right"]), "superficial_plexus": (["left eye"], ["right"])}),
    ("fundus", "OS: soft drusen at the macula. Few MAs.", "everything is in the right eye",
     {"macula": (["right eye"], ["left"]), "periphery": (["right eye"], ["left"])}),
])
def test_all_in_one_eye_is_the_case_side(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


# --- undo with several verbs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["go back, undo", "revert - roll back", "undo, undo that"])
def test_several_undo_verbs(message):
    assert chat.parse_intent(message, {}).kind == "undo"


# --- a flag question about the lesion itself ----------------------------------------------------------------------

def test_a_flag_question_about_the_lesion_is_about_every_flag(host):  # noqa: F811
    d, ctx = drafted(host, "skin_lesion", "7mm asymmetric macule L calf, irregular border, blue-white veil.")
    assert ctx.flags and not any("lesion" in f.message.lower() for f in ctx.flags)
    res = chat.handle("why is the lesion flagged?", d, ctx)
    assert not res.changed and "Flags on this draft" in res.reply, res.reply
    assert any(f.message in res.reply for f in ctx.flags), res.reply


# --- the specimen's side moves every sentence stating it -------------------------------------------------------

def test_the_specimen_side_moves_the_procedure_too(host):  # noqa: F811
    _edited(host, "breast-resection", "R breast lumpectomy. ILC 1.2 cm, G2. Margins neg. 0/1 SLN.",
            "actually it's the left breast", {"procedure": (["left"], ["right"]), "laterality": (["left"], ["right"])})


# --- the ophthalmology impression re-graded ----------------------------------------------------------------------

def _grades(impression: list[str]) -> list[str]:
    return [i for i in impression if "retinopathy" in i.lower()]


def test_an_eye_side_edit_moves_the_icdr_grade(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OS: few MAs. Mild NPDR OS. OD no DR. Repeat photos in 1 year.")
    assert ctx.conclude is not None
    res = chat.handle("it's the right eye", d, ctx)
    assert res.changed, res.reply
    grades = _grades(res.draft.impression)
    assert grades and all("left eye" not in g for g in grades), res.draft.impression
    assert any("mild non-proliferative" in g.lower() and "right eye" in g for g in grades), res.draft.impression
    assert any("repeat" in i.lower() for i in res.draft.impression)  # the recommendation is kept


def test_a_new_lesion_regrades_the_eye_once(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: few MAs. Mild NPDR OD.")
    res = chat.handle("add hard exudates in the right eye", d, ctx)
    assert res.changed, res.reply
    grades = _grades(res.draft.impression)
    assert len(grades) == 1 and "moderate" in grades[0].lower(), res.draft.impression
    assert "confirm" in grades[0]  # drafted from the findings: marked for confirmation


def test_a_grade_that_still_holds_is_kept_as_dictated(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: dot blot hemes, CWS. Moderate NPDR OD.")
    res = chat.handle("add a few microaneurysms in the right eye", d, ctx)
    assert res.changed, res.reply
    assert _grades(res.draft.impression)[0].startswith("Moderate non-proliferative diabetic retinopathy in the right eye"), \
        res.draft.impression
    assert len(_grades(res.draft.impression)) == 1


# --- a severity range; a generic head noun -------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message, region, new, old", [
    ("ct_chest", "Mild paraseptal emphysema. 5 mm nodule RML.", "emphysema is moderate-severe", "lungs_airways",
     "moderate to severe paraseptal emphysema", "mild"),
    ("cxr", "Small L effusion. Heart nl.", "the effusion is small to moderate", "lung", "small to moderate", "small left"),
    ("fundus", "OS: moderate NPDR features, dot blot hemes 2 quadrants, venous beading.",
     "make the hemorrhages mild to moderate", "periphery", "mild to moderate", None),
])
def test_a_severity_range_is_written_whole(host, template, dictation, message, region, new, old):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    text = res.draft.region_dict()[region].lower()
    assert new in text, (text, res.reply)
    if old:
        assert old not in text.replace(new, ""), text


def test_a_generic_head_noun_names_the_same_finding(host):  # noqa: F811
    _edited(host, "mri_brain", "Moderate chronic small vessel ischemic change. No acute infarct.",
            "small vessel disease is mild", {"parenchyma": (["mild chronic small vessel"], ["moderate", "disease"])})


def test_the_closest_margin_named_by_its_orientation(host):  # noqa: F811
    _edited(host, "breast-resection", "R lumpectomy. ILC 1.6 cm, G2. Margins negative, closest 3 mm superior.",
            "closest margin is medial", {"margins": (["3 mm medial"], ["superior"])})


# --- a move whose thing to move itself says "in" (the region is the rest after the LAST fitting "in") ----------

@pytest.mark.parametrize("template, dictation, message, text", [
    ("skin_lesion", "7mm irregular pigmented macule L calf, asymmetric.",
     "put lentigo maligna vs melanoma in situ in the impression", "lentigo maligna"),
    ("cxr", "Small R effusion. Heart nl.", "move parapneumonic effusion in the right base to the impression",
     "parapneumonic effusion"),
])
def test_a_move_to_the_impression_whose_text_says_in(host, template, dictation, message, text):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    assert any(text in i.lower() for i in res.draft.impression), (res.draft.impression, res.reply)
    assert not any(message.lower()[:12] in s.lower() for s in res.draft.region_dict().values()), res.draft.region_dict()


@pytest.mark.parametrize("template, dictation, message", [
    ("skin_lesion", "5mm pearly papule R nasal ala.", "put the papule in the differential box"),
    ("cxr", "Small R effusion. Heart nl.", "move the effusion into the abdomen section"),
])
def test_a_move_to_no_region_is_never_written_as_a_finding(host, template, dictation, message):  # noqa: F811
    _unchanged(host, template, dictation, message)
