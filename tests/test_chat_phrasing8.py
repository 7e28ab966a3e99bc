"""Round 8: families of plain-English phrasing, generated over real drafts of every specialty (the built-in
plugins' offline drafters; inputs written for these tests, never a benchmark row's words):

- a request for information said without a question mark ("remind me of ...", "I'd like to know ...", "quick
  question - ...", "do you know ..."): a question, which never changes the draft;
- an undo that names what was done ("undo what you just changed"): an undo; with nothing to undo it says so;
- the impression as the place of an addition ("add X to the impression", "add to impression: X");
- a removal followed by who does not want it ("..., the referrer doesn't want it in", "..., not needed").

Each change is shown as a before/after line; what is not understood changes nothing.
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_phrasing7 import DRAFTS, _stem_of, removed_then_undone

#: a guideline or reference subject of each specialty (no finding of the drafts is edited by asking about it)
SUBJECTS = {"cxr": "the cardiothoracic ratio cut-off", "ct_chest": "Fleischner follow-up for a 7 mm solid nodule",
            "mri_brain": "the Fazekas grading scale", "breast-resection": "the Nottingham points for grade 3",
            "skin_lesion": "the ABCDE criteria for melanoma", "fundus": "the ETDRS definition of CSME",
            "octa": "normal FAZ size in adults"}
QUESTION_FORMS = ["remind me of {s}", "please remind me what {s} is", "can you remind me of {s}",
                  "tell me {s}", "could you tell me {s}", "explain {s}", "can you clarify {s}",
                  "I'd like to know {s}", "I need to check {s}", "I was wondering about {s}",
                  "wondering about {s}", "do you know {s}", "any idea what {s} is", "quick question - {s}",
                  "question: {s}", "just checking {s}", "what's {s}", "show me {s}"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", QUESTION_FORMS)
def test_information_requests_never_edit(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    message = form.format(s=SUBJECTS[template])
    assert chat.parse_intent(message, d.region_labels).kind == "question"
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d and not res.edits, res.reply


@pytest.mark.parametrize("message", ["question of early consolidation at the left base", "query fracture of the 6th rib",
                                     "the effusion is small", "clarification: the nodule is 9 mm"])
def test_statements_that_open_like_questions_stay_edits(message):
    assert chat.parse_intent(message, {"lung": "Lungs"}).kind == "edit"


UNDO_NAMED = ["can you undo what you just changed", "undo what you did", "revert the last change you made",
              "please undo whatever you just edited", "undo the last thing you did", "revert what I just added"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", UNDO_NAMED)
def test_undo_naming_what_was_done(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, res = removed_then_undone(host, template, dictation, x, form)
    assert res.undo and res.draft.region_dict() == d.region_dict(), res.reply
    # with nothing to undo: said so, nothing changed, never a guideline answer
    d2, ctx2 = drafted(host, template, dictation)
    res2 = chat.handle(form, d2, ctx2)
    assert not res2.changed and res2.draft == d2, res2.reply
    assert "no change to undo" in res2.reply.lower(), res2.reply


RECOMMENDATIONS = {"cxr": "clinical correlation for infection", "ct_chest": "follow-up CT in 12 months",
                   "mri_brain": "vascular risk factor management", "breast-resection": "discussion at the breast MDT",
                   "skin_lesion": "complete excision with 4 mm margins", "fundus": "review in 4 months",
                   "octa": "correlation with fluorescein angiography"}
ADD_IMP_FORMS = ["add {r} to the impression", "add to impression: {r}", "add to the impression - {r}",
                 "please include {r} in the impression", "put in the impression: {r}", "can you add {r} to the conclusion?"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", ADD_IMP_FORMS)
def test_adding_to_the_impression(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    r = RECOMMENDATIONS[template]
    res = chat.handle(form.format(r=r), d, ctx)
    assert res.changed, res.reply
    assert res.draft.region_dict() == d.region_dict(), res.reply  # no findings region gets it
    assert r.lower() in " ".join(res.draft.impression).lower()
    assert "impression" not in " ".join(res.draft.impression).lower()
    assert "\u2192" in res.reply


REASONS = [", the referrer doesn't want it in", ", cardiology does not need it", ", oncology won't use it",
           ", not needed", " - it's not relevant", ", they don't want it mentioned"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("form", ["take the {x} out", "remove the {x}", "drop the {x}"])
def test_removal_with_who_does_not_want_it(host, template, dictation, x, region, kept, form, reason):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x) + reason, d, ctx)
    assert res.changed, res.reply
    assert _stem_of(x) not in said(res.draft, region), res.reply
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == {region}, res.reply
    for word in ("want", "need", "relevant", "referrer", "cardiology", "oncology"):
        assert word not in " ".join(after.values()).lower()
    assert "\u2192" in res.reply


#: a finding's place written out from an abbreviation in the draft, corrected with "X is A, not B" (B as abbreviated)
PLACES = [
    ("cxr", "Consolidation RLL. Small L effusion.", "consolidation", "lung", "right middle lobe", "right lower lobe",
     ["the consolidation is RML, not RLL", "the consolidation is in the RML, not the RLL"]),
    ("ct_chest", "9 mm solid nodule LLL. Mild emphysema.", "nodule", "lungs_airways", "right upper lobe",
     "left lower lobe", ["the nodule is RUL, not LLL", "the nodule is in the RUL, not the LLL"]),
    ("mri_brain", "Small chronic infarct L MCA territory. Mild small vessel change.", "infarct", "parenchyma",
     "right pca territory", "left mca", ["the infarct is R PCA territory, not L MCA", "the infarct is R PCA, not L MCA"]),
]


@pytest.mark.parametrize("template, dictation, x, region, new, old, messages", PLACES)
def test_a_place_corrected_replaces_the_old_place(host, template, dictation, x, region, new, old, messages):  # noqa: F811
    for message in messages:
        d, ctx = drafted(host, template, dictation)
        region = next(r for r in d.region_dict() if region in r)
        assert old in said(d, region)
        res = chat.handle(message, d, ctx)
        assert res.changed, res.reply
        text = said(res.draft, region)
        assert new in text and old not in text and text.count(x) == said(d, region).count(x), res.reply
        assert "territory territory" not in text and " not " not in text
        assert "\u2192" in res.reply


#: where the clinician saw it, before or after the edit (never written), over a finding with a size of each kind
WHERE_SEEN = ["on the coronal - {m}", "remeasured on the axial images, {m}", "on the lung windows {m}",
              "{m} on my remeasure", "{m} on the sagittal reformats", "on the DWI {m}", "on deeper levels, {m}"]
SIZED = [("ct_chest", "9 mm solid nodule LLL. Mild emphysema.", "the nodule is 11 mm", "lungs_airways", "11 mm", "9 mm"),
         ("mri_brain", "12 mm meningioma L frontal convexity.", "the meningioma is 15 mm", "extraaxial", "15 mm",
          "12 mm"),
         ("breast-resection", "L mastectomy. IDC 2.4 cm grade 2.", "the tumor is 2.9 cm", "size", "2.9 cm", "2.4 cm"),
         ("skin_lesion", "8 mm pink scaly plaque R shin.", "it measures 10 mm", "size", "10 mm", "8 mm")]


@pytest.mark.parametrize("template, dictation, m, region, new, old", SIZED)
@pytest.mark.parametrize("form", WHERE_SEEN)
def test_where_it_was_seen_is_never_written(host, template, dictation, m, region, new, old, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    region = next(r for r in d.region_dict() if region in r)
    res = chat.handle(form.format(m=m), d, ctx)
    assert res.changed, res.reply
    text = said(res.draft, region)
    assert new in text and old not in text, res.reply
    for word in ("coronal", "axial", "windows", "remeasure", "sagittal", "dwi", "levels"):
        assert word not in " ".join(res.draft.region_dict().values()).lower()


#: a number said in another unit than the draft's size: never replaces the size
OTHER_UNITS = [("ct_chest", "Incidental L adrenal nodule 1.8 cm, homogeneous. No effusion.", "adrenal nodule",
                "1.8 cm", ["8 HU", "-5 HU"]),
               ("ct_chest", "Ascending aorta 4.1 cm. No effusion.", "aorta", "4.1 cm", ["40 HU"]),
               ("mri_brain", "12 mm meningioma L frontal convexity.", "meningioma", "12 mm", ["30 %"])]


@pytest.mark.parametrize("template, dictation, x, size, values", OTHER_UNITS)
@pytest.mark.parametrize("form", ["the {x} measures {v}", "the {x} is {v}", "on the unenhanced series the {x} is {v}"])
def test_a_number_in_another_unit_never_replaces_a_size(host, template, dictation, x, size, values, form):  # noqa: F811
    for v in values:
        d, ctx = drafted(host, template, dictation)
        res = chat.handle(form.format(x=x, v=v), d, ctx)
        allt = " ".join(res.draft.region_dict().values())
        assert size in allt, res.reply  # the size stays
        if res.changed:
            assert v.replace(" ", "") in allt.replace(" ", "") and "\u2192" in res.reply


#: a flag question naming a finding by modifier + name: a flag that names only the modifier is not about it
FLAG_NAMED = [
    ("ct_chest", "11 mm solid nodule RUL. Mild emphysema.", "pulmonary nodule", "fleischner", "pulmonary embolism"),
    ("skin_lesion", "10mm black-brown patch L calf, 3 colours, notched border. Derm: blue-white veil.",
     "pigmented lesion", "melanoma", "pigmented scar"),
    ("fundus", "OD: scattered hard exudates. OS: few microaneurysms. CDR 0.3 OU.", "retinal vessels", "vessels",
     "retinal detachment"),
    ("octa", "Enlarged FAZ OD. Reduced SCP density OD.", "deep capillary plexus", "deep capillary plexus",
     "neovascular membrane"),
]
FLAG_FORMS = ["why is the {x} flagged?", "what triggered the flag on the {x}?", "why did the {x} get flagged?"]


@pytest.mark.parametrize("template, dictation, x, quoted, absent", FLAG_NAMED)
@pytest.mark.parametrize("form", FLAG_FORMS)
def test_a_flag_naming_only_the_modifier_is_not_about_the_finding(host, template, dictation, x, quoted, absent,
                                                                  form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert ctx.flags
    res = chat.handle(form.format(x=x), d, ctx)
    assert not res.changed and quoted in res.reply.lower() and "nothing about" not in res.reply.lower(), res.reply
    res = chat.handle(form.format(x=absent), d, ctx)
    assert not res.changed and "nothing about" in res.reply.lower(), res.reply
    assert absent.split()[-1] in res.reply.lower()


#: the closest margin corrected with a new name and distance: the old margin's name never stays beside the new one
MARGINS = [
    ("breast-resection", "L lumpectomy. IDC 1.8 cm grade 2. Margins negative, posterior closest 2 mm.", "posterior",
     "2 mm"),
    ("breast-resection", "R WLE. ILC 2.1 cm grade 2. Margins clear, closest superior 4 mm.", "superior", "4 mm"),
    # (skin_lesion has no margin region: its "Margins" are the lesion's border, so no skin row here)
]
MARGIN_FORMS = ["closest margin is actually {n} at {d}, fix that", "the closest margin is {n} at {d}",
                "nearest margin is {n}, {d}"]


@pytest.mark.parametrize("template, dictation, old, old_d", MARGINS)
@pytest.mark.parametrize("form", MARGIN_FORMS)
@pytest.mark.parametrize("new", ["anterior", "deep", "medial"])
def test_a_margin_corrected_replaces_the_old_margin(host, template, dictation, old, old_d, form, new):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(n=new, d="1 mm"), d, ctx)
    assert res.changed, res.reply
    before = " ".join(d.region_dict().values()).lower()
    after = " ".join(res.draft.region_dict().values()).lower()
    assert old in before and old not in after and new in after and "1 mm" in after and old_d not in after, res.reply
    assert "\u2192" in res.reply


@pytest.mark.parametrize("said, text", [("it is on the lower arm", "Upper back."),
                                        ("the nodule is lower lobe", "Upper outer quadrant."),
                                        ("it is anterior", "Anterior and posterior margins clear.")])
def test_a_direction_of_another_part_or_of_two_is_no_swap(said, text):
    from pixtralogist.agents.chat_edits import _direction_swap

    assert _direction_swap(said, text) is None
