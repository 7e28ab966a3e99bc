"""Round 7: families of plain-English phrasing, generated over real drafts of every specialty (the built-in
plugins' offline drafters; inputs written for these tests, never a benchmark row's words):

- removal: the particle after the object ("take the X out"), a wish ("I don't need the X in the report"),
  "the X can go", "the X isn't needed"; asked politely too;
- removal from the impression only ("take the X out of the impression"): the findings stay;
- naming in the impression ("call it X in the impression", "in the impression, call the mass X");
- undo idioms ("never mind, undo", "bring it back", "restore that", "put it back how it was");
- asking why a finding is flagged ("what triggered the flag on ...", "how come the X got a flag?");
- a clause saying how the clinician knows it ("measured it again, ...") and a size with no unit ("measures 11");
- a region's value as an assignment ("put X as the site", "site: X") and its everyday name ("the edge is ...");
- a reason after the edit ("- mitoses are brisk") and a clause naming no finding ("some have burst") never written.

Each change is shown as a before/after line; what is not understood changes nothing.
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_phrasing import canonical, with_unit

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)

#: one real draft per template: (template, dictation, a finding's name, its region, a word of another finding kept)
DRAFTS = [
    ("cxr", "Mod cardiomegaly. Small L effusion. Mild pulm venous congestion.", "congestion", "lung", "effusion"),
    ("ct_chest", "9 mm solid nodule LLL. Mild paraseptal emphysema. Small hiatal hernia.", "emphysema",
     "lungs_airways", "nodule"),
    ("mri_brain", "Mild chronic small vessel ischemic change. Mild R ethmoid mucosal thickening.", "mucosal thickening",
     "skull_soft_tissues", "small vessel"),
    ("breast-resection", "R lumpectomy. IDC 2.2 cm grade 2. Margins negative. LVI present. 0/3 SLN.", "LVI", "lvi",
     "grade"),
    ("skin_lesion", "8 mm pink scaly plaque R shin, well demarcated, dotted vessels.", "dotted vessels", "dermoscopy",
     "plaque"),
    ("fundus", "OD: scattered hard exudates. OS: few microaneurysms. CDR 0.3 OU.", "microaneurysms", "periphery",
     "exudates"),
    ("octa", "Enlarged FAZ OD. Reduced SCP density OD. Mild capillary dropout DCP OD.", "dropout", "non_perfusion", "faz"),
]

REMOVE_FORMS = ["take the {x} out", "get the {x} out of there", "leave the {x} out", "cut the {x} out of the report",
                "I don't need the {x} in the report", "we don't want the {x}", "no need to mention the {x}",
                "don't mention the {x}", "the {x} can go", "the {x} isn't needed", "can you take the {x} out?",
                "please keep the {x} out"]


def _stem_of(x: str) -> str:
    return {"LVI": "lymphovascular", "microaneurysms": "microaneurysm"}.get(x, x.lower())


def _changed(host, template, dictation, message):  # noqa: F811
    """(draft, result) of ``message`` on a real draft; the message must change it."""
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    return d, res


def _history(d):
    return [{"draft": d.model_dump(mode="json"), "impression_locked": False}]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", REMOVE_FORMS)
def test_removal_phrasings(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert _stem_of(x) in said(d, region)
    res = chat.handle(form.format(x=x), d, ctx)
    assert res.changed, res.reply
    assert _stem_of(x) not in said(res.draft, region), res.reply
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == {region}, res.reply
    assert kept in " ".join(after.values()).lower()
    assert "\u2192" in res.reply  # shown as a before/after line


@pytest.mark.parametrize("template, dictation, x", [
    ("cxr", "Mod cardiomegaly. Small L effusion.", "look at the effusion"),  # no particle: no removal
    ("ct_chest", "9 mm solid nodule LLL. Small hiatal hernia.", "take the clips out"),  # nothing of the draft
    ("skin_lesion", "8 mm pink scaly plaque R shin.", "the ulcer can go"),
])
def test_removal_phrasings_change_nothing_they_do_not_name(host, template, dictation, x):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(x, d, ctx)
    assert not res.changed and res.draft == d, res.reply


@pytest.mark.parametrize("template, dictation, x", [
    ("cxr", "Mod cardiomegaly. Small L effusion. Mild pulm venous congestion.", "congestion"),
    ("ct_chest", "9 mm solid nodule LLL. Mild paraseptal emphysema. Small hiatal hernia.", "hernia"),
    ("mri_brain", "Mild chronic small vessel ischemic change. 6 mm DVA L cerebellum.", "venous anomaly"),
    ("fundus", "OD: scattered hard exudates. OS: few microaneurysms. CDR 0.3 OU.", "exudates"),
])
@pytest.mark.parametrize("form", ["take the {x} out of the impression", "remove the {x} from the impression",
                                  "drop the {x} from the conclusion", "I don't want the {x} in the impression"])
def test_removal_from_the_impression_keeps_the_findings(host, template, dictation, x, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert any(x in i.lower() for i in d.impression)
    res = chat.handle(form.format(x=x), d, ctx)
    assert res.changed, res.reply
    assert res.draft.region_dict() == d.region_dict()
    assert not any(x in i.lower() for i in res.draft.impression)
    assert "\u2192" in res.reply


def test_removal_from_an_impression_that_does_not_name_it_changes_nothing(host):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "R lumpectomy. IDC 2.2 cm grade 2. LVI present.")
    res = chat.handle("take the LVI out of the impression", d, ctx)
    assert not res.changed and res.draft == d, res.reply


DIAGNOSES = {"cxr": "congestive cardiac failure", "ct_chest": "smoking related lung disease",
             "mri_brain": "chronic microangiopathy", "breast-resection": "multifocal disease excluded",
             "skin_lesion": "superficial basal cell carcinoma", "fundus": "diabetic maculopathy",
             "octa": "diabetic macular ischemia"}
NAMING_FORMS = ["call it {dx} in the impression", "in the impression, call it {dx}", "in the impression put {dx}",
                "the impression should read {dx}", "for the impression, say {dx}", "label it {dx} in the conclusion",
                "could you call it {dx} in the impression?"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", NAMING_FORMS)
def test_naming_in_the_impression(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    dx = DIAGNOSES[template]
    res = chat.handle(form.format(dx=dx), d, ctx)
    assert res.changed, res.reply
    assert res.draft.region_dict() == d.region_dict()
    assert dx in " ".join(res.draft.impression).lower()
    assert "\u2192" in res.reply


def test_naming_a_finding_with_an_interpretation_keeps_its_name(host):  # noqa: F811
    d, ctx = drafted(host, "ct_chest", "Spiculated 3 cm mass RUL. No effusion.")
    res = chat.handle("in the impression, call the mass concerning for primary lung malignancy", d, ctx)
    assert "Mass concerning for primary lung malignancy." in res.draft.impression


UNDO_FORMS = ["never mind, undo", "bring it back", "hmm no, restore that", "no wait, put it back how it was",
              "restore the previous version", "go back to how it was", "on second thought, bring it back",
              "forget it, put things back the way they were", "reinstate it", "nevermind, change it back"]


def removed_then_undone(host, template, dictation, x, form):  # noqa: F811
    """Draft ``dictation``, remove ``x`` through the chat, then send ``form``: the first draft and the reply."""
    d, ctx = drafted(host, template, dictation)
    edited = chat.handle(f"remove the {x}", d, ctx)
    assert edited.changed, edited.reply
    ctx.history = _history(d)
    return d, chat.handle(form, edited.draft, ctx)


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", UNDO_FORMS)
def test_undo_idioms(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, res = removed_then_undone(host, template, dictation, x, form)
    assert res.undo and res.draft.region_dict() == d.region_dict() and res.draft.impression == d.impression, res.reply


@pytest.mark.parametrize("message", ["bring the nodule to the radiologist's attention", "restore the contrast",
                                     "it was like that before"])
def test_undo_needs_an_undo_phrase(message):
    assert chat.parse_intent(message, {"lungs": "Lungs"}).kind != "undo"


FLAGGED = [("ct_chest", "11 mm solid nodule RUL. Mild emphysema.", "nodule", "Fleischner"),
           ("skin_lesion", "10mm black-brown patch L calf, 3 colours, notched border. Derm: blue-white veil.",
            "lesion", "melanoma")]
WHY_FORMS = ["what triggered the flag on the {x}?", "how come the {x} got a flag?",
             "what's behind the warning about the {x}?", "what caused the flag on this {x}?",
             "what set off the alert for the {x}?", "why did the {x} get flagged?", "what made you flag the {x}?"]


@pytest.mark.parametrize("template, dictation, x, quoted", FLAGGED)
@pytest.mark.parametrize("form", WHY_FORMS)
def test_asking_why_a_finding_is_flagged(host, template, dictation, x, quoted, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert ctx.flags
    res = chat.handle(form.format(x=x), d, ctx)
    assert not res.changed
    assert quoted.lower() in res.reply.lower() and "nothing about" not in res.reply.lower(), res.reply


def test_asking_why_about_what_no_flag_names_says_so(host):  # noqa: F811
    d, ctx = drafted(host, "ct_chest", "11 mm solid nodule RUL. Mild emphysema.")
    res = chat.handle("what triggered the flag on the thyroid?", d, ctx)
    assert "nothing about thyroid is flagged" in res.reply.lower(), res.reply


@pytest.mark.parametrize("template, dictation, message, region, new, old", [
    ("ct_chest", "9 mm solid nodule LLL. No effusion.", "measured it again, the nodule is 11 mm", "lungs_airways",
     "11 mm", "9 mm"),
    ("skin_lesion", "8 mm pink scaly plaque R shin.", "on review, it measures 10 mm", "size", "10 mm", "8 mm"),
    ("breast-resection", "L mastectomy. IDC 2.4 cm grade 2.", "having looked again, the tumor is 2.9 cm", "size",
     "2.9 cm", "2.4 cm"),
    # a size with no unit: the unit of the draft's sentence about the same finding
    ("ct_chest", "Descending aorta 3.1 cm. No effusion.", "descending aorta measures 3.6 today", "heart_vessels",
     "3.6 cm", "3.1 cm"),
    ("ct_chest", "9 mm solid nodule LLL. No effusion.", "the nodule is now 12", "lungs_airways", "12 mm", "9 mm"),
    ("skin_lesion", "6 mm pink papule R cheek.", "the papule measures 7", "size", "7 mm", "6 mm"),
])
def test_how_known_leads_and_sizes_without_a_unit(host, template, dictation, message, region, new, old):  # noqa: F811
    d, res = _changed(host, template, dictation, message)
    assert new in said(res.draft, region) and old not in said(res.draft, region), res.reply


def test_a_unit_is_never_guessed():
    def shares(m, s):
        return "nodule" in m and "nodule" in s.lower()

    assert with_unit("the nodule measures 9", ["Nodule 7 mm.", "Nodule 1.2 cm."], shares) == "the nodule measures 9"
    assert with_unit("the nodule measures 9", ["Grade 2."], shares) == "the nodule measures 9"
    assert with_unit("the nodule measures 9", ["Nodule 7 mm."], shares) == "the nodule measures 9 mm"
    assert with_unit("the nodule measures 9 cm", ["Nodule 7 mm."], shares) == "the nodule measures 9 cm"


@pytest.mark.parametrize("template, dictation, message, region, must", [
    ("breast-resection", "L lumpectomy at 3 o'clock. IDC 1.1 cm G1.", "put lower outer quadrant as the site", "site",
     "lower outer quadrant"),
    ("breast-resection", "L lumpectomy at 3 o'clock. IDC 1.1 cm G1.", "site: lower outer quadrant", "site",
     "lower outer quadrant"),
    ("breast-resection", "L lumpectomy at 3 o'clock. IDC 1.1 cm G1.", "use lower outer quadrant for the site", "site",
     "lower outer quadrant"),
    ("skin_lesion", "Pink nodule 1.2 cm L forearm.", "the edge is ill defined", "border", "ill defined"),
    ("skin_lesion", "Pink nodule 1.2 cm L forearm.", "the outline is irregular", "border", "irregular"),
])
def test_a_regions_value_as_an_assignment_or_its_everyday_name(host, template, dictation, message, region,  # noqa: F811
                                                               must):
    d, res = _changed(host, template, dictation, message)
    assert must in said(res.draft, region), res.reply


def test_a_move_is_no_assignment():
    resolve = {"upper abdomen": "upper_abdomen", "heart": "heart"}.get
    assert canonical("put the hernia under upper abdomen", resolve) == "put the hernia under upper abdomen"
    assert canonical("mark margins as involved", resolve) == "mark margins as involved"


@pytest.mark.parametrize("template, dictation, message, region, must, never", [
    ("breast-resection", "L mastectomy. IDC 2.4 cm grade 2.", "grade is 3 - mitoses are brisk", "grade", "3", "brisk"),
    ("cxr", "Small R effusion. Mild cardiomegaly.", "the effusion is moderate, because it has grown", "lung",
     "moderate", "grown"),
    ("skin_lesion", "Tense bullae L forearm up to 1 cm.", "several have burst, leaving crusted erosions", "surface",
     "erosions", "burst"),
    # position words of the same part are swapped ("it's on the lower back" for "Upper back.")
    ("skin_lesion", "4 mm brown macule upper back.", "it's on the lower back", "distribution_site", "lower back",
     "upper"),
    ("skin_lesion", "7 mm pink papule L distal forearm.", "actually it's on the proximal forearm", "distribution_site",
     "proximal forearm", "distal"),
    ("skin_lesion", "7 mm pink papule R lateral thigh.", "it is on the medial thigh", "distribution_site",
     "medial thigh", "lateral"),
])
def test_a_reason_or_a_clause_naming_no_finding_is_never_written_and_a_position_is_swapped(  # noqa: F811
        host, template, dictation, message, region, must, never):
    d, res = _changed(host, template, dictation, message)
    assert must in said(res.draft, region)
    assert never not in " ".join(res.draft.region_dict().values()).lower(), res.reply


@pytest.mark.parametrize("template, dictation, message, region, must, never, kept", [
    ("mri_brain", "2 cm R parietal meningioma with mild vasogenic edema. No midline shift.",
     "midline shift is 4 mm to the left", "ventricles_extraaxial", "4 mm", "no midline shift", "2 cm right parietal"),
    ("ct_chest", "Small L effusion. 6 mm nodule RUL. No pneumothorax.", "pneumothorax is small on the right", "pleura",
     "pneumothorax is small on the right", "no pneumothorax", "6 mm nodule"),
])
def test_a_value_of_a_finding_the_draft_denies_replaces_the_denial(host, template, dictation, message, region,  # noqa: F811
                                                                   must, never, kept):
    # (never the size or side of another finding that shares only a number or a side word)
    d, res = _changed(host, template, dictation, message)
    text = " ".join(res.draft.region_dict().values()).lower()
    assert must in said(res.draft, region) and never not in text and kept in text, res.reply


def test_a_place_of_another_part_is_no_position_swap():
    from pixtralogist.agents.chat_edits import _position_swap

    assert _position_swap("it is on the lower arm", "Upper back.") is None
    assert _position_swap("it is on the upper back", "Upper back.") is None
    assert _position_swap("it is on the lower back", "Upper back.") == "Lower back."


@pytest.mark.parametrize("template, dictation, message, region, must, never", [
    ("fundus", "OS: 3 flame haemorrhages superotemporal. OD nl.", "there are some in the right eye as well, so it's both eyes",
     "periphery", "both eyes", "left eye"),
    ("cxr", "Small R effusion. Mild cardiomegaly.", "I compared with the old film, so the effusion is moderate", "lung",
     "moderate", "small"),
])
def test_a_conclusion_after_its_reason_is_the_edit(host, template, dictation, message, region, must, never):  # noqa: F811
    d, res = _changed(host, template, dictation, message)
    text = " ".join(res.draft.region_dict().values()).lower()
    assert must in text and never not in text and "compared" not in text, res.reply
