"""Round 12 (fixer "chatstmt"): chat STATEMENTS merged as dictation, as shapes over made-up (nonce) finding words in
every specialty, with the built-in plugins' real offline drafters (no mocks):

- a correction that names its old value ("X, not Y", "X rather than Y", "not Y but X", "isn't Y but X"), said plainly
  or as the clinician's opinion ("I'd call the X V, not W", "the X looks V to me rather than W"): the value is swapped
  in the sentence that states it, never a new sentence beside it;
- a value said alone ("no, it's inferonasal", "no, nasal", "no, it's type 2"): swapped in the one finding with a
  value of its kind; when several could be meant, the clinician is asked which and nothing changes; just after an
  edit, the finding that edit wrote is meant;
- a place said of a finding ("the X is in the lower outer quadrant"), a count ("2 of the 3 nodes are positive"), a
  bare value concluded after its reason ("..., so severe", "... - so present");
- speech reported from the patient ("she says it's been getting bigger"): written as the patient's report in the
  catch-all region, never as a finding of another region.

Every change is shown as a before/after line.
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_merge import bare_conclusion, plain_opinion, reported, seen_as_there

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)

NONCE = ("zorvic", "plimber", "tessac", "quendal", "vorrin", "glimmet", "brevic")

#: (template, dictation with "{x}" and an old severity "mild", the phrase the statement names)
SEVERITY_CASES = [
    ("cxr", "Mild {x} opacity right upper zone. Heart nl.", "{x} opacity"),
    ("ct_chest", "Mild {x} thickening. 5 mm nodule RLL.", "{x} thickening"),
    ("mri_brain", "Mild {x} change in the white matter. Ventricles nl.", "{x} change"),
    ("skin_lesion", "{X} papule 5 mm L forearm, mild scale.", "scale"),
    ("octa", "OD: mild {x} dropout temporal to the fovea. FAZ nl.", "{x} dropout"),
]
CORRECTION_FORMS = [
    "the {s} is moderate, not mild",
    "{s} is moderate rather than mild",
    "the {s} isn't mild but moderate",
    "I'd call the {s} moderate, not mild",
    "the {s} looks moderate to me rather than mild",
]


def _fill(text: str, x: str) -> str:
    return text.replace("{x}", x).replace("{X}", x.capitalize())


def _changed_regions(before, after) -> set[str]:
    b, a = before.region_dict(), after.region_dict()
    return {r for r in a if a[r] != b.get(r)}


@pytest.mark.parametrize("x", NONCE[:3])
@pytest.mark.parametrize("template, dictation, subject", SEVERITY_CASES)
@pytest.mark.parametrize("form", CORRECTION_FORMS)
def test_a_correction_naming_its_old_value_swaps_it(host, template, dictation, subject, form, x):  # noqa: F811
    d, ctx = drafted(host, template, _fill(dictation, x))
    home = next(r for r, t in d.region_dict().items() if "mild" in t.lower())
    res = chat.handle(form.format(s=_fill(subject, x)), d, ctx)
    assert res.changed, res.reply
    assert _changed_regions(d, res.draft) == {home}, res.reply
    text = res.draft.region_dict()[home].lower()
    assert "moderate" in text and "mild" not in text, res.reply
    assert len(text.split(".")) == len(d.region_dict()[home].split(".")), "a new sentence beside the old one"
    assert "\u2192" in res.reply


#: (template, dictation with one finding at a direction, the said direction, the old one)
DIRECTION_CASES = [
    ("fundus", "OD: {x} patch superotemporal to the disc. OS nl.", "no, it's inferonasal", "superotemporal"),
    ("octa", "OD: mild {x} dropout temporal to the fovea. FAZ nl.", "no, nasal", "temporal"),
    ("breast-resection", "R WLE. {X} carcinoma 15 mm. Closest margin 4 mm (anterior).", "no, posterior", "anterior"),
    ("mri_brain", "{X} lesion in the superior cerebellum 8 mm. Ventricles nl.", "no, it's inferior", "superior"),
]


@pytest.mark.parametrize("x", NONCE[3:6])
@pytest.mark.parametrize("template, dictation, message, old", DIRECTION_CASES)
def test_a_direction_said_alone_is_swapped_in_the_one_finding_with_one(host, template, dictation, message, old,
                                                                       x):  # noqa: F811
    d, ctx = drafted(host, template, _fill(dictation, x))
    home = next(r for r, t in d.region_dict().items() if old in t.lower())
    new = message.split()[-1]
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    assert _changed_regions(d, res.draft) == {home}, res.reply
    text = res.draft.region_dict()[home].lower()
    assert new in text and not __import__("re").search(rf"\b{old}\b", text), res.reply
    assert "\u2192" in res.reply


#: two findings could be meant: asked, nothing changed
AMBIGUOUS = [
    ("fundus", "OD: {x} patch superotemporal. OS: glimmet spot inferotemporal.", "no, it's inferonasal"),
    ("ct_chest", "RUL {x} nodule 6 mm. LLL nodule 4 mm. No effusion.", "no, it's 8 mm"),
    ("mri_brain", "Small L frontal {x} lesion. Small chronic lacunar infarct R thalamus.", "no, it's moderate"),
    ("skin_lesion", "Two {x} papules: 4 mm L forearm, 6 mm R forearm.", "no, it's 5 mm"),
]


@pytest.mark.parametrize("x", NONCE[:2])
@pytest.mark.parametrize("template, dictation, message", AMBIGUOUS)
def test_a_value_said_alone_that_could_be_of_several_findings_is_asked_about(host, template, dictation, message,
                                                                             x):  # noqa: F811
    d, ctx = drafted(host, template, _fill(dictation, x))
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d, res.reply
    assert "which" in res.reply.lower(), res.reply


@pytest.mark.parametrize("x", NONCE[:3])
def test_a_value_said_alone_after_an_edit_is_of_the_finding_that_edit_wrote(host, x):  # noqa: F811
    d, ctx = drafted(host, "mri_brain", f"Small L frontal {x} lesion. Small chronic lacunar infarct R thalamus.")
    first = chat.handle(f"the {x} lesion is 12 mm", d, ctx)
    assert first.changed, first.reply
    ctx.history = [{"draft": d.model_dump(mode="json"), "impression_locked": False}]
    res = chat.handle("no, it's moderate", first.draft, ctx)
    assert res.changed, res.reply
    after = " ".join(res.draft.region_dict().values()).lower()
    assert f"moderate left frontal {x} lesion" in after and "small chronic lacunar infarct" in after, res.reply


@pytest.mark.parametrize("x", NONCE[:3])
@pytest.mark.parametrize("template, dictation, message, region, new, old", [
    ("breast-resection", "R mastectomy. {X} carcinoma 22 mm G2. Site UOQ. 0/3 SLN.",
     "the tumour is in the lower outer quadrant", "site", "lower outer quadrant", "upper outer"),
    ("skin_lesion", "Pigmented {x} macule 6 mm upper back, regular.", "it's on the lower back", "distribution_site",
     "lower back", "upper back"),
    ("breast-resection", "L WLE. {X} carcinoma 14 mm G1. SLN 0/3. Margins clear.", "2 of the 3 sentinel nodes are "
     "positive", "lymph_nodes", "2 of 3", "0 of 3"),
    ("mri_brain", "{X} lesion L parietal 12 mm with mild surrounding oedema.", "the oedema is extensive, so severe",
     "parenchyma", "severe", "mild"),
])
def test_a_place_a_count_or_a_concluded_value_replaces_the_old_one(host, template, dictation, message, region, new,
                                                                   old, x):  # noqa: F811
    d, ctx = drafted(host, template, _fill(dictation, x))
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    assert _changed_regions(d, res.draft) == {region}, res.reply
    text = res.draft.region_dict()[region].lower().replace("/", " of ")
    assert new in text and old not in text, res.reply


@pytest.mark.parametrize("x", NONCE[:2])
@pytest.mark.parametrize("template, dictation", [
    ("skin_lesion", "{X} papule 5 mm L forearm, mild scale."),
    ("breast-resection", "L WLE. {X} carcinoma 14 mm G1. Margins clear. 0/4 SLN."),
    ("fundus", "OD: {x} patch superotemporal to the disc. OS nl."),
    ("cxr", "Mild {x} opacity right upper zone. Heart nl."),
])
@pytest.mark.parametrize("message, written", [
    ("she says it's been getting bigger over the last 3 months", "enlarging over the last 3 months"),
    ("patient reports it itches at night", "itches at night"),
    ("he tells me the {x} started after a fall", "started after a fall"),
])
def test_speech_reported_from_the_patient_is_written_as_the_patients_report(host, template, dictation, x, message,
                                                                           written):  # noqa: F811
    d, ctx = drafted(host, template, _fill(dictation, x))
    res = chat.handle(_fill(message, x), d, ctx)
    assert res.changed, res.reply
    assert _changed_regions(d, res.draft) == {"others"}, res.reply
    text = res.draft.region_dict()["others"]
    assert "Patient reports" in text and written in text.split("Patient reports")[-1], res.reply
    assert "\u2192" in res.reply


@pytest.mark.parametrize("x", NONCE)
def test_the_shapes_are_read_whatever_the_finding_word(x):
    assert plain_opinion(f"I'd call the {x} change moderate, not mild") == f"the {x} change is moderate, not mild"
    assert plain_opinion(f"{x} fluid looks moderate to me rather than small") == f"{x} fluid is moderate rather than small"
    assert bare_conclusion(f"{x} is there after all, one focus on the level 3 slide - so present") == f"{x} is present"
    assert bare_conclusion(f"on the deeper levels there is {x} invasion, so positive") == f"{x} invasion is positive"
    assert seen_as_there(f"saw {x} on the deeper levels") == f"there is {x} on the deeper levels"
    assert reported(f"mum says the {x} got bigger") == f"Patient reports the {x} enlarged."
    assert reported(f"the {x} is moderate") is None and bare_conclusion(f"the {x} is moderate") is None
    assert seen_as_there("I saw the patient yesterday") == "I saw the patient yesterday"
