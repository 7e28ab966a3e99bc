"""Round 9 (fixer chat9): classes of review-chat turns, generated over real drafts of the built-in plugins' offline
drafters (inputs written for these tests, never a benchmark row's words):

- a conclusion that gives a status to what its reason shows ("deeper levels show LVI, so it is present"): said of
  that finding;
- a clinician's impression statement is written with every word said ("no acute cardiopulmonary process" is never
  split into a pulmonary and a cardiac sentence), before the impression's other items, which stay;
- a number given to a structure or measure the lexicon names ("CDR is 0.5 in the right eye") with no such sentence on
  the draft yet: added in its region, never "not understood";
- a ratio of the two sides' structures ("RV/LV is 1.3") is a ratio's name, not a side: its number is replaced;
- a finding named in full ("perineural invasion is present") is the sentence that says it, not one whose region's
  label shares a word of it.
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_phrasing import canonical

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)

# --- a conclusion about what the reason shows --------------------------------------------------------------------

REASONS = ["deeper levels show {x}", "the recuts show {x}", "IHC confirms {x}", "the levels demonstrate {x}",
           "on review the slides have {x}", "I can see {x}"]
CONCLUSIONS = ["so it is present", "so it's present", "therefore it is present", "which means it is present",
               "so that's present"]


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("conclusion", CONCLUSIONS)
def test_conclusion_status_names_what_the_reason_shows(reason, conclusion):
    text = canonical(f"{reason.format(x='LVI')}, {conclusion}")
    assert text.lower() == "lvi is present", text


@pytest.mark.parametrize("message", ["I can see a few in the right eye too, so it's both eyes",
                                     "levels show ITCs in one node, so that's positive",
                                     "the recuts show it in two places, so it is present"])
def test_conclusion_without_a_shown_finding_is_left_as_said(message):
    # a conclusion that is no bare status, or a reason whose object is no finding name, is not rewritten
    assert canonical(message).lower().startswith(("it", "that")), canonical(message)


STATUS_CASES = [
    ("breast-resection", "L lumpectomy. IDC 2 cm G2. LVI not identified. Margins neg.", "LVI", "lvi", "present",
     "not identified"),
    ("breast-resection", "L lumpectomy. IDC 2 cm G2. LVI not identified. Margins neg.", "lymphovascular invasion",
     "lvi", "present", "not identified"),
    ("skin_lesion", "Nodule L cheek 8mm, no ulceration.", "ulceration", "surface", "present", "no ulceration"),
]


@pytest.mark.parametrize("template, dictation, x, region, new, old", STATUS_CASES)
@pytest.mark.parametrize("reason", REASONS[:4])
def test_conclusion_status_edits_the_finding(host, template, dictation, x, region, new, old, reason):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(f"{reason.format(x=x)}, so it is present", d, ctx)
    assert res.changed, res.reply
    assert new in said(res.draft, region) and old not in said(res.draft, region), res.draft.region_dict()


# --- the clinician's impression statement, every word kept --------------------------------------------------------

IMPRESSION_CASES = [
    ("cxr", "Hyperinflation. Lungs clear. Heart nl.", "no acute cardiopulmonary process", "hyperinflation"),
    ("cxr", "Small L effusion. Heart nl.", "no acute cardiopulmonary abnormality otherwise", "effusion"),
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "no acute cardiopulmonary findings", "nodule"),
    ("mri_brain", "Mild small vessel dz. No infarct.", "no acute intracranial process", "small vessel"),
]
IMPRESSION_FORMS = ["put {s} in the impression", "add {s} to the impression", "in the impression, say {s}",
                    "the impression should say {s}"]


@pytest.mark.parametrize("template, dictation, s, kept", IMPRESSION_CASES)
@pytest.mark.parametrize("form", IMPRESSION_FORMS)
def test_impression_statement_keeps_every_word(host, template, dictation, s, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(s=s), d, ctx)
    assert res.changed, res.reply
    imp = " ".join(res.draft.impression).lower()
    assert s in imp, res.draft.impression
    assert kept in imp, res.draft.impression  # the impression's other items stay
    assert res.draft.region_dict() == d.region_dict()  # the findings are not touched


# --- a value for a measure the draft does not state yet -------------------------------------------------------------

MEASURE_FORMS = ["CDR is {v} in the {side} eye", "the {side} CDR is {v}", "cup to disc ratio {v} in the {side} eye",
                 "c/d is {v} in the {side} eye", "{side} eye CDR is {v}"]


@pytest.mark.parametrize("form", MEASURE_FORMS)
@pytest.mark.parametrize("side, v", [("right", "0.5"), ("left", "0.7")])
@pytest.mark.parametrize("dictation", ["Macula flat OU. Vessels nl.", "Drusen OU. Macula dry.",
                                       "OD: few MAs. Macula flat."])
def test_value_of_a_measure_not_on_the_draft_is_added(host, form, side, v, dictation):  # noqa: F811
    d, ctx = drafted(host, "fundus", dictation)
    res = chat.handle(form.format(side=side, v=v), d, ctx)
    assert res.changed, res.reply
    disc = said(res.draft, "optic_disc")
    assert "cup" in disc and v in disc and side in disc, disc


# --- a ratio of the two sides --------------------------------------------------------------------------------------

RATIO_FORMS = ["RV/LV is {v}", "RV/LV {v}", "the RV/LV ratio is {v}", "RV:LV is {v}", "RV to LV ratio is {v}",
               "RV/LV is {v} on my remeasure", "the RV/LV ratio is now {v}"]


@pytest.mark.parametrize("form", RATIO_FORMS)
@pytest.mark.parametrize("dictation", ["Bilat segmental PE. RV/LV 0.8. No pulmonary infarct.",
                                       "Saddle PE. RV/LV ratio 1.4, septal bowing."])
def test_side_ratio_value_is_replaced(host, form, dictation):  # noqa: F811
    d, ctx = drafted(host, "ct_chest", dictation)
    old = "0.8" if "0.8" in dictation else "1.4"
    res = chat.handle(form.format(v="1.1"), d, ctx)
    assert res.changed, res.reply
    heart = said(res.draft, "heart_vessels")
    assert "1.1" in heart and old not in heart, heart


@pytest.mark.parametrize("text, side", [("right ventricle/left ventricle is 1.3", None),
                                        ("right atrium to left atrium ratio 1.2", None),
                                        ("right pleural effusion", "right"), ("left to right shunt", "left")])
def test_side_ratio_says_no_side(text, side):
    from pixtralogist.agents.chat_edits import EditReader

    assert EditReader().attributes(text).laterality == side


# --- a finding named in full ------------------------------------------------------------------------------------

@pytest.mark.parametrize("message", ["perineural invasion is present", "PNI is present", "PNI present",
                                     "there is perineural invasion"])
def test_finding_named_in_full_is_its_own_sentence(host, message):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "R lumpectomy. IDC 2 cm G2. PNI not identified. LVI not identified.")
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    assert said(res.draft, "lvi") == said(d, "lvi"), res.draft.region_dict()
    assert "perineural invasion" in said(res.draft, "others") and "not identified" not in said(res.draft, "others")


# --- a value for one side of a sentence said of both ------------------------------------------------------------

BOTH_SIDES = [
    # template, dictation, message, region (None: the impression), must say, must no longer say
    ("fundus", "Mild NPDR OU. Macula flat.", "moderate NPDR in the left eye", None,
     ["mild non-proliferative diabetic retinopathy in the right eye",
      "moderate non-proliferative diabetic retinopathy in the left eye"], ["both eyes"]),
    ("fundus", "Mild NPDR OU. Macula flat.", "OD is severe NPDR", None,
     ["mild non-proliferative diabetic retinopathy in the left eye",
      "severe non-proliferative diabetic retinopathy in the right eye"], ["both eyes"]),
    ("fundus", "CDR 0.4 OU. Macula flat.", "CDR 0.6 OS", "optic_disc", ["0.4 in the right eye", "0.6 in the left eye"],
     ["both eyes"]),
    ("fundus", "CDR 0.4 OU. Macula flat.", "the right CDR is 0.3", "optic_disc",
     ["0.4 in the left eye", "0.3 in the right eye"], ["both eyes"]),
    ("fundus", "Drusen OU. Macula dry.", "large drusen in the left eye", "macula",
     ["drusen in the right eye", "large drusen in the left eye"], ["both eyes"]),
    ("cxr", "Small bilat effusions. Heart nl.", "the left effusion is moderate", "lung",
     ["small right pleural effusion", "moderate left pleural effusion"], ["bilateral"]),
    ("cxr", "Small bilat effusions. Heart nl.", "moderate on the right", "lung",
     ["small left pleural effusion", "moderate right pleural effusion"], ["bilateral"]),
    ("mri_brain", "Mild bilateral frontal white matter hyperintensities.", "moderate on the right", "parenchyma",
     ["mild left frontal", "moderate right frontal"], ["bilateral"]),
]


@pytest.mark.parametrize("template, dictation, message, region, must, gone", BOTH_SIDES)
def test_one_side_of_a_sentence_said_of_both(host, template, dictation, message, region, must, gone):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    text = " ".join(res.draft.impression).lower() if region is None else said(res.draft, region)
    for m in must:
        assert m in text, text
    for g in gone:
        assert g not in text, text


@pytest.mark.parametrize("message", ["it's the left side", "no, it's on the left"])
def test_a_side_alone_still_moves_a_sentence_said_of_both(host, message):  # noqa: F811
    d, ctx = drafted(host, "cxr", "Small bilat effusions. Heart nl.")
    res = chat.handle(message, d, ctx)
    assert res.changed and "right" not in said(res.draft, "lung"), res.draft.region_dict()


# --- a value said as nearer the truth; the nearest margin ------------------------------------------------------

APPROX_FORMS = ["it's closer to {v}", "more like {v}", "it's nearer {v}", "the {x} is closer to {v}",
                "nearer to {v} actually"]


@pytest.mark.parametrize("form", APPROX_FORMS)
@pytest.mark.parametrize("template, dictation, x, region, v, old", [
    ("skin_lesion", "Brown macule R forearm 6mm, irregular border.", "macule", "size", "9 mm", "6 mm"),
    ("skin_lesion", "Pearly papule L nasal ala 4mm, arborizing vessels.", "papule", "size", "7 mm", "4 mm"),
    ("ct_chest", "8 mm solid nodule RUL. No LAD.", "nodule", "lungs_airways", "11 mm", "8 mm"),
])
def test_a_value_said_as_closer_to(host, form, template, dictation, x, region, v, old):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x, v=v), d, ctx)
    assert res.changed, res.reply
    assert v in said(res.draft, region) and old not in said(res.draft, region), said(res.draft, region)


MARGIN_DRAFTS = ["R breast WLE. IDC 1.3cm, grade 1. Margins negative, nearest 2mm.",
                 "L lumpectomy. IDC 1.2 cm G1. Margins neg, closest 2 mm."]


@pytest.mark.parametrize("dictation", MARGIN_DRAFTS)
@pytest.mark.parametrize("message, must", [
    ("the nearest margin, 2 mm, is medial", ["2 mm medial"]), ("the closest margin is medial", ["2 mm medial"]),
    ("nearest margin is superior", ["2 mm superior"]), ("nearest margin is 1 mm, deep", ["1 mm deep"]),
    ("closest margin is posterior at 1.5 mm", ["1.5 mm posterior"]), ("the nearest margin is 1 mm", ["1 mm"])])
def test_the_closest_margin_named_or_measured(host, dictation, message, must):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    text = said(res.draft, "margins")
    assert "negative" in text, text  # the margin status stays
    assert len(re.findall(r"\d+(?:\.\d+)? mm", text)) == 1, text  # the distance replaced, never a second one
    for m in must:
        assert m in text, text


# --- a hedge between the copula and the value; a recommendation placed in the impression -----------------------

@pytest.mark.parametrize("hedge", ["actually", "really", "definitely", "in fact", "indeed"])
@pytest.mark.parametrize("template, dictation, message, region, must, gone", [
    ("ct_chest", "7 mm nodule RUL. No LAD.", "the nodule is {h} LUL not RUL", "lungs_airways", "left upper lobe",
     "right upper lobe"),
    ("ct_chest", "7 mm nodule RUL. No LAD.", "the nodule is {h} 9 mm", "lungs_airways", "9 mm", "7 mm"),
    ("skin_lesion", "Brown macule R forearm 6mm.", "it's {h} 8 mm", "size", "8 mm", "6 mm"),
])
def test_a_hedge_before_the_value_is_never_written(host, hedge, template, dictation, message, region, must,
                                                   gone):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message.format(h=hedge), d, ctx)
    assert res.changed, res.reply
    text = said(res.draft, region)
    assert must in text and gone not in text and hedge not in text, text


@pytest.mark.parametrize("form", ["add a recommendation for {r} to the impression", "put a rec for {r} in the impression",
                                  "include a recommendation of {r} in the conclusion"])
@pytest.mark.parametrize("template, dictation, r", [
    ("skin_lesion", "Irregular pigmented macule L calf 7mm, asymmetric.", "excision"),
    ("ct_chest", "7 mm nodule RUL. No LAD.", "CT in 6 to 12 months"),
    ("fundus", "Mild NPDR OU. Macula flat.", "review in 12 months"),
])
def test_a_recommendation_for_the_impression_names_no_place(host, form, template, dictation, r):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(r=r), d, ctx)
    assert res.changed, res.reply
    last = res.draft.impression[-1].lower()
    assert r.lower() in last and "impression" not in last and "conclusion" not in last, res.draft.impression
    assert res.draft.region_dict() == d.region_dict()


# --- flag questions said as a tail, or about what no flag names --------------------------------------------------

FLAG_TAIL_FORMS = ["{x} flag - what's it for", "{x} flagged, explain", "{x} flag: why", "the {x} warning - why",
                   "reason for flagging the {x}", "the reason for the flag on the {x}"]


@pytest.mark.parametrize("form", FLAG_TAIL_FORMS)
@pytest.mark.parametrize("template, dictation, x", [
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "nodule"), ("ct_chest", "7mm solid nodule RUL. No LAD.", "adrenal lesion"),
    ("skin_lesion", "Evolving nodule scalp 1.2 cm, ulcerated.", "ulceration"),
    ("breast-resection", "R lumpectomy. IDC 1.8cm. Margins neg.", "lymph nodes")])
def test_flag_questions_said_as_a_tail_never_edit(host, form, template, dictation, x):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    message = form.format(x=x)
    assert chat.parse_intent(message, d.region_labels).kind == "question", message
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d, res.reply


@pytest.mark.parametrize("message", ["how come ER got flagged", "why is PR flagged?", "why the flag on the AV nicking?",
                                     "adrenal lesion flag - what's it for", "why is the adrenal lesion flagged?"])
@pytest.mark.parametrize("template, dictation", [("breast-resection", "R lumpectomy. IDC 1.8cm. Margins neg."),
                                                 ("ct_chest", "7mm solid nodule RUL. No LAD.")])
def test_a_flag_question_about_what_no_flag_names_quotes_none(host, message, template, dictation):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert not res.changed, res.reply
    assert "nothing about" in res.reply.lower() and "flags on this draft that match" not in res.reply.lower(), res.reply


# --- a place correction said with no verb ----------------------------------------------------------------------

@pytest.mark.parametrize("form", ["{x} {new} not {old}", "{x} {new}, not {old}", "{x} in the {new}, not the {old}",
                                  "the {x} is {new} not {old}"])
@pytest.mark.parametrize("template, dictation, x, new, old, region, must, gone", [
    ("ct_chest", "Small R effusion. 6 mm nodule RLL.", "nodule", "RML", "RLL", "lungs_airways", "right middle lobe",
     "lower lobe"),
    ("ct_chest", "8 mm nodule LUL. No LAD.", "nodule", "RUL", "LUL", "lungs_airways", "right upper lobe", "left"),
    ("mri_brain", "Acute infarct L MCA territory.", "infarct", "R PCA territory", "L MCA", "parenchyma",
     "right pca territory", "mca"),
])
def test_a_place_correction_without_a_verb(host, form, template, dictation, x, new, old, region, must,
                                           gone):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x, new=new, old=old), d, ctx)
    assert res.changed, res.reply
    text = said(res.draft, region)
    assert must in text and gone not in text and f"{x} {x}" not in text and "territory territory" not in text, text


# --- a predicate that belongs to another region of the template ------------------------------------------------

@pytest.mark.parametrize("word", ["lichenified", "scaly", "crusted", "ulcerated", "eroded"])
@pytest.mark.parametrize("form, dictation", [
    ("the plaques are {w}", "Erythematous plaques both shins, itchy."),
    ("the plaque is {w}", "Erythematous plaque R elbow 3 cm."),
    ("the nodule is {w}", "Pink nodule L cheek 8mm."),
])
def test_a_predicate_of_another_region_goes_there(host, word, form, dictation):  # noqa: F811
    d, ctx = drafted(host, "skin_lesion", dictation)
    res = chat.handle(form.format(w=word), d, ctx)
    assert res.changed, res.reply
    assert said(res.draft, "morphology") == said(d, "morphology"), res.draft.region_dict()
    assert word in said(res.draft, "surface"), res.draft.region_dict()
