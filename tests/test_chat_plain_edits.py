"""Plain chat edits that generalise beyond one phrasing (issue 13): every failure class, every specialty.

A statement about a finding already in the draft changes that finding's attribute in place; "it",
"the lesion", "the tumour" mean the finding that states the attribute; value setting ("mark LVI as
present"); multi-word finding names whose first word is a severity ("small vessel disease"); more
ways to say undo; and a weak match changes nothing and says what was understood. The drafts come
from the built-in plugins' real offline drafters (see ``drafted`` in test_chat_edits).
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.agents import chat

from test_chat_edits import applied, drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)


def _check(host, template, dictation, message, region, present, absent):  # noqa: F811
    """``applied`` (the region says what it must, the change is shown), and only that region changed."""
    d, res = applied(host, template, dictation, message, region, present, absent)
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == {region} == {e["region"] for e in res.edits}
    return d, res


# --- a statement replaces the attribute of the finding it names (never appended beside it) -------

REPLACES = [
    ("cxr", "Small R PTX. Heart nl.", "the pneumothorax is large", "lung", ["large right pneumothorax"], ["small"]),
    ("ct_chest", "6mm solid nodule RML. Mild emphysema.", "the nodule measures 1.2 cm", "lungs_airways",
     ["1.2 cm solid nodule"], ["6 mm"]),
    ("ct_chest", "5mm nodule LLL. No LAD.", "nodule is in the right upper lobe", "lungs_airways",
     ["right upper lobe"], ["left lower lobe"]),
    ("mri_brain", "Acute infarct L MCA territory. No hemorrhage.", "the infarct is right-sided", "parenchyma",
     ["acute infarct right"], ["left"]),
    ("breast-resection", "R lumpectomy. IDC 1.7cm G1. Margins neg.", "the carcinoma is 2.3 cm", "size", ["2.3 cm"],
     ["1.7"]),
    ("skin_lesion", "Tan macule 5mm L forearm, regular border.", "the macule is on the right forearm",
     "distribution_site", ["right forearm"], ["left"]),
    ("fundus", "OS: few hard exudates. Macula flat OU.", "the exudates are in the right eye", "macula",
     ["exudates in the right eye"], ["left eye"]),
    ("octa", "OD FAZ enlarged. SCP density reduced.", "FAZ is normal", "faz", ["normal"], ["enlarged"]),
]


@pytest.mark.parametrize("template,dictation,message,region,present,absent", REPLACES,
                         ids=[f"{s[0]}:{s[2]}" for s in REPLACES])
def test_statement_replaces_the_attribute_in_place(host, template, dictation, message, region, present, absent):  # noqa: F811
    d, res = _check(host, template, dictation, message, region, present, absent)
    # replaced, not appended: the region has as many sentences as before
    def n(text: str) -> int:
        return len(re.findall(r"\.(?:\s|$)", text))
    assert n(res.draft.region_dict()[region]) == n(d.region_dict()[region])


# --- "it" / "the lesion" / "the tumour": the finding that states the attribute -------------------

ANAPHORA = [
    ("cxr", "Mod L effusion. Heart nl.", "it's small", "lung", ["small left pleural effusion"], ["moderate"]),
    ("ct_chest", "8mm nodule LUL. No LAD.", "it is 10 mm", "lungs_airways", ["10 mm"], ["8 mm"]),
    ("mri_brain", "Meningioma L frontal 1.5 cm.", "it is 1.9 cm", "ventricles_extraaxial", ["1.9 cm"], ["1.5 cm"]),
    ("breast-resection", "L mastectomy. IDC 4.2cm G3.", "the tumour measures 3.9 cm", "size", ["3.9 cm"], ["4.2"]),
    # ("actually it's the right breast" changes the procedure's side too: tests/test_chat_classes5.py)
    ("skin_lesion", "Pearly papule R temple 3mm.", "the lesion measures 5 mm", "size", ["5 mm"], ["3 mm"]),
    ("fundus", "OD: dot-blot hemes, few MAs. Macula flat OU.", "it's the left eye", "periphery", ["left eye"],
     ["right eye"]),
]


# --- value setting: "set/make/mark X (to/as) Y", "X is Y", in the clause of X only ---------------

VALUES = [
    ("breast-resection", "R lumpectomy. IDC 1.2cm G1. Margins neg. LVI not identified.", "mark LVI as present", "lvi",
     ["lymphovascular invasion present"], ["not identified"]),
    ("breast-resection", "R lumpectomy. IDC 1.2cm G1. Margins neg.", "make the margins involved", "margins",
     ["involved"], ["negative"]),
    ("breast-resection", "L lumpectomy. IDC 2cm G2. ER+ PR+ HER2 neg.", "set PR to negative", "others",
     ["er positive, pr negative, her2 negative"], []),
    ("breast-resection", "L lumpectomy. IDC 2cm G2. ER+ PR+ HER2 neg.", "HER2 positive not negative", "others",
     ["er positive, pr positive, her2 positive"], ["her2 negative"]),
    ("fundus", "OD: CDR 0.5. OS nl.", "set the cup to disc ratio to 0.7", "optic_disc", ["0.7"], ["0.5"]),
    ("octa", "OS FAZ enlarged. SCP density reduced.", "make the FAZ normal", "faz", ["normal"], ["enlarged"]),
    ("skin_lesion", "Symmetric brown macule 4mm, reg border. L calf.", "set the border to irregular", "border",
     ["irregular"], []),
    ("mri_brain", "Subacute infarct R PCA territory.", "make it chronic", "parenchyma", ["chronic infarct"],
     ["subacute"]),
]


# --- multi-word finding names and the other ways to ask ------------------------------------------

def test_multi_word_finding_name_with_a_severity_word(host):  # noqa: F811
    # "small" of "small vessel disease" is the name, "moderate" the value; the Vessels region stays
    _check(host, "mri_brain", "Mild small vessel ischemic disease. No acute infarct.",
           "make the small vessel disease moderate", "parenchyma", ["moderate small vessel"], ["mild"])
    _check(host, "mri_brain", "Moderate white matter hyperintensities. No acute infarct.",
           "white matter hyperintensities are mild", "parenchyma", ["mild white matter"], ["moderate"])


PHRASINGS = [
    ("cxr", "Mod R effusion. Heart nl.", "change the effusion from right to left", "lung", ["moderate left"], ["right"]),
    ("ct_chest", "Mod L pleural effusion. Lungs clear.", "switch the effusion to the right side", "pleura",
     ["moderate right"], ["left"]),
    ("mri_brain", "Acute infarct L MCA territory.", "swap the side of the infarct", "parenchyma", ["right"], ["left"]),
    ("breast-resection", "L lumpectomy. ILC 2cm G2.", "no, should be right sided", "laterality", ["right"], ["left"]),
    ("skin_lesion", "7mm pigmented papule R upper back, irreg border.", "lesion is on the left upper back",
     "distribution_site", ["left upper back"], ["right"]),
    ("fundus", "OD: few MAs, dot-blot hemes. Macula flat OU.", "hemes are OS not OD", "periphery",
     ["hemorrhages in the left eye"], []),
    ("fundus", "OU: dot-blot hemes, CWS. Macula flat OU.", "CWS only in OD", "periphery",
     ["cotton wool spots in the right eye", "hemorrhages in both eyes"], []),
    ("skin_lesion", "Asymmetric dark brown plaque L scalp 12mm.", "it's symmetric", "morphology", ["symmetric plaque"],
     ["asymmetric"]),
    ("mri_brain", "Acute infarct R frontal lobe. Mild atrophy.", "scratch the atrophy", "parenchyma", ["acute infarct"],
     ["atrophy"]),
    ("breast-resection", "L mastectomy. ILC 3.5cm G2. Margins neg, closest 2mm.", "the closest margin is 1 mm",
     "margins", ["negative", "1 mm"], ["2 mm"]),
]

CASES = [("pronoun", *c) for c in ANAPHORA] + [("value", *c) for c in VALUES] + [("phrasing", *c) for c in PHRASINGS]


@pytest.mark.parametrize("kind,template,dictation,message,region,present,absent", CASES,
                         ids=[f"{c[0]}:{c[1]}:{c[3]}" for c in CASES])
def test_pronouns_values_and_phrasings(host, kind, template, dictation, message, region, present, absent):  # noqa: F811
    """A pronoun means the finding stating the attribute; a value replaces the value of its comma part;
    from-to, swap, switch, "should be", "X not Y", "scratch the ..." need no fixed syntax."""
    _check(host, template, dictation, message, region, present, absent)


# --- undo, said the ways clinicians say it --------------------------------------------------------

@pytest.mark.parametrize("template,dictation,edit,undo", [
    ("cxr", "Small L effusion. Heart nl.", "make the effusion moderate", "undo my last change"),
    ("breast-resection", "R lumpectomy. IDC 1.8cm G2. Margins neg.", "grade should be 3", "revert that edit"),
    ("skin_lesion", "6mm pigmented papule L shoulder.", "it measures 8 mm", "oops, go back one step"),
    ("fundus", "OD: dot-blot hemes. Macula flat OU.", "that's OS", "can you undo that?"),
    # idioms (issue 13, chat2 round)
    ("cxr", "Small L effusion. Heart nl.", "make the effusion large", "scratch that"),
    ("skin_lesion", "4mm brown macule R shin.", "it's 6 mm", "put it back"),
    ("breast-resection", "R lumpectomy. IDC 1.3 cm, G1.", "grade 2", "change it back"),
])
def test_undo_synonyms(host, template, dictation, edit, undo):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    first = chat.handle(edit, d, ctx)
    assert first.changed, first.reply
    assert chat.parse_intent(undo, {}).kind == "undo"
    ctx.history = [{"draft": d.model_dump(mode="json"), "impression_locked": False}]
    res = chat.handle(undo, first.draft, ctx)
    assert res.undo and res.draft.region_dict() == d.region_dict()
    # a size or a value is not an undo ("revert the size to 8 mm" is an edit)
    assert chat.parse_intent("revert the size to 8 mm", {}).kind != "undo"
    assert chat.parse_intent("scratch the effusion", {}).kind != "undo"  # a removal


# --- a weak match changes nothing and says what was understood -----------------------------------

@pytest.mark.parametrize("template,dictation,message", [
    ("mri_brain", "No acute infarct. Ventricles nl.", "make the vessels mild"),
    ("cxr", "Small R effusion. Heart nl.", "make the mediastinum moderate"),
    ("breast-resection", "R lumpectomy. IDC 1.7cm G1.", "make the stage severe"),
    ("skin_lesion", "Pearly papule R temple 3mm.", "make the surface moderate"),
    ("fundus", "OS: few hard exudates. Macula flat OU.", "make the vessels large"),
    # a side, a size or a number about nothing of the draft is not guessed into it
    ("breast-resection", "R lumpectomy. IDC 1.7cm G2.", "she is left handed"),
    ("skin_lesion", "7mm pigmented papule R upper back.", "the photo is 2 cm off"),
    ("cxr", "Mod R effusion. Heart nl.", "the patient is 65"),
    ("fundus", "OD: few MAs. Macula flat OU.", "pressure is 21"),
])
def test_weak_match_changes_nothing(host, template, dictation, message):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d and not res.edits, res.reply
    assert "I read this as setting" in res.reply and "nothing was changed" in res.reply


@pytest.mark.parametrize("template,dictation,message", [
    ("mri_brain", "Acute infarct R frontal lobe. Mild atrophy.", "zap the atrophy"),
    ("fundus", "OU: moderate NPDR, dot-blot hemes. Macula flat OU.", "NPDR is severe"),  # no template sentence replaced
])
def test_unknown_verbs_and_umbrella_concepts_are_not_guessed(host, template, dictation, message):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    before, after = d.region_dict(), res.draft.region_dict()
    # no sentence of the draft is replaced or appended to with the message's words
    for r in before:
        if after[r] != before[r]:
            assert before[r] in after[r] or before[r].startswith("No other"), (r, before[r], after[r])
    assert "zap" not in " ".join(after.values()).lower()


# --- four general classes (issue 13): spelling, the case's side, denials, inflections --------------

BRITISH = [
    # a British spelling in the message matches the draft's American one: changed in place, not appended
    ("cxr", "Mild pulmonary edema. Small R effusion.", "the oedema is moderate", "lung",
     ["moderate pulmonary edema"], ["mild", "oedema is"]),
    ("mri_brain", "Acute infarct L MCA territory. Small hemorrhage R frontal.", "the haemorrhage is large", "parenchyma",
     ["large hemorrhage"], ["small", "haemorrhage is"]),
    ("fundus", "OD: dot-blot hemes, few MAs. Macula flat OU.", "the haemorrhages are in the left eye", "periphery",
     ["hemorrhages in the left eye"], ["haemorrhages are"]),
]


@pytest.mark.parametrize("template,dictation,message,region,present,absent", BRITISH, ids=[f"{s[0]}:{s[2]}" for s in BRITISH])
def test_british_spelling_matches_the_draft(host, template, dictation, message, region, present, absent):  # noqa: F811
    _check(host, template, dictation, message, region, present, absent)


def test_british_spelling_in_a_remove(host):  # noqa: F811
    d, res = applied(host, "cxr", "Mild pulmonary edema. Small R effusion.", "remove the oedema", "lung",
                     ["small right pleural effusion"], ["edema"])


CASE_SIDE = [
    # the generic word for a side: the case's findings stating the other side change, every region of them
    ("octa", "OD FAZ enlarged. SCP density reduced.", "the eye is OS", {"faz", "superficial_plexus"}),
    ("mri_brain", "Acute infarct L MCA territory.", "the side should be right", {"parenchyma"}),
    ("breast-resection", "L lumpectomy. IDC 2cm G2.", "laterality is right", {"laterality", "procedure"}),
]


@pytest.mark.parametrize("template,dictation,message,regions", CASE_SIDE, ids=[f"{s[0]}:{s[2]}" for s in CASE_SIDE])
def test_the_generic_side_word_changes_the_case_side(host, template, dictation, message, regions):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == regions
    for r in regions:
        assert re.search(r"\bright\b", before[r] + after[r], re.I) and re.search(r"\bleft\b", before[r] + after[r], re.I)
        assert ("right" in after[r].lower()) != ("right" in before[r].lower())
    # never a sentence rewritten into the message ("The eye is OS.", "The side is right.")
    assert not re.search(r"\b(?:eye|side|laterality) (?:is|should)", " ".join(after.values()), re.I)


def test_a_normal_statement_keeps_its_side_and_is_not_a_denial(host):  # noqa: F811
    d, res = _check(host, "octa", "OD FAZ normal. SCP density reduced OD.", "the eye is OS", "superficial_plexus",
                    ["reduced in the left eye"], ["right"])
    assert res.draft.region_dict()["faz"] == d.region_dict()["faz"]


def test_the_case_side_is_not_guessed_when_both_sides_have_findings(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: few MAs. OS: drusen.")
    res = chat.handle("the eye is OS", d, ctx)
    assert not res.changed and res.draft == d and "nothing was changed" in res.reply


ADDED = [
    # a place word of the new finding ("upper", "heart") does not make another region's sentence its denial
    ("ct_chest", "Mild emphysema. No LAD.", "there is also a 4 mm solid nodule in the right upper lobe",
     "lungs_airways", "upper_abdomen"),
    ("cxr", "Mod R effusion.", "there is also a 7 mm nodule in the right lung projecting over the heart", "lung", "heart"),
]


@pytest.mark.parametrize("template,dictation,message,region,kept", ADDED, ids=[f"{s[0]}:{s[4]}" for s in ADDED])
def test_an_added_finding_removes_only_a_denial_of_itself(host, template, dictation, message, region, kept):  # noqa: F811
    d, res = _check(host, template, dictation, message, region, ["nodule"], [])
    assert res.draft.region_dict()[kept] == d.region_dict()[kept]
    # the denial of the same finding is still replaced ("No pneumothorax.")
    _check(host, "cxr", "Mod R effusion. No PTX.", "there is also a small right apical pneumothorax", "lung",
           ["small right apical pneumothorax"], ["no pneumothorax"])


INFLECTED = [
    # a finding named in another inflection: only the modifier goes when the rest is a finding of its own
    ("ct_chest", "Calcified nodule 4mm LLL. Mild emphysema.", "drop the calcification", "lungs_airways",
     ["nodule 4 mm left lower lobe", "emphysema"], ["calcif"]),
    ("mri_brain", "Multiple enhancing lesions. Mild atrophy.", "remove the enhancement", "parenchyma",
     ["multiple lesions", "atrophy"], ["enhanc"]),
    ("skin_lesion", "Ulcerated nodule 8mm R calf.", "delete the ulcer", "surface", [], ["ulcer"]),
    ("fundus", "OD: hard exudates, few MAs. Macula flat OU.", "drop the microaneurysm", "periphery", [],
     ["microaneurysm"]),
]


@pytest.mark.parametrize("template,dictation,message,region,present,absent", INFLECTED,
                         ids=[f"{s[0]}:{s[2]}" for s in INFLECTED])
def test_finding_names_match_across_inflections(host, template, dictation, message, region, present, absent):  # noqa: F811
    d, res = applied(host, template, dictation, message, region, present, absent)
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == {region}


def test_the_light_stem_joins_inflections_and_keeps_other_words_apart():
    from pixtralogist.agents.chat_edits import _stem

    same = [("ulceration", "ulcerated"), ("ulcers", "ulcer"), ("calcified", "calcification"), ("nodules", "nodule"),
            ("enhancing", "enhancement"), ("haemorrhages", "hemorrhage"), ("lobes", "lobe"), ("masses", "mass")]
    apart = [("port", "portion"), ("side", "sided"), ("positive", "position"), ("note", "not"), ("lesion", "less")]
    assert all(_stem(a) == _stem(b) for a, b in same), [(a, b) for a, b in same if _stem(a) != _stem(b)]
    assert all(_stem(a) != _stem(b) for a, b in apart), [(a, b) for a, b in apart if _stem(a) == _stem(b)]


def test_british_spelling_in_a_flag_question(host):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "R mastectomy. ILC 3cm G2.")
    res = chat.handle("why is the tumour flagged?", d, ctx)
    assert not res.changed and "Nothing about" not in res.reply
    assert "Tumor site" in res.reply and "cap-core-element-missing" in res.reply, res.reply
