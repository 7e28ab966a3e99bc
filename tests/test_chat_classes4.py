"""Chat classes of issue 13's fourth round, each in the specialties it concerns, with the built-in plugins' real
offline drafters (``drafted``; inputs written for these tests, not taken from a benchmark set):

- a side said of the eye or the specimen is the case's side ("it's the left eye": every finding moves);
- a new time drops the contrary time word ("Old healed ... fracture" + "acute" -> "Acute ... fracture");
- a denial said of a named finding changes only the sentence naming both (not another sharing the stem);
- a region named in shorthand ("abdo", "mediast");
- a value said of a "with X" phrase is X's value, never the clause's count's;
- a count said alone goes to the sentence with a count, and a positive count writes its value;
- a flag on a finding is about the finding's region ("why is the retina flagged?");
- the pathology impression is rebuilt by the pathology drafter's rules after an edit;
- the polite form of every imperative verb is an edit (one verb list per form);
- drafter faults the chat exposed: "in in the right eye", "2/in 4 quadrants", "Measures 5 mm nodular BCC".
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents import chat_edits
from pixtralogist.agents.chat_edits import IMPERATIVE, resolve_region

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_wordings import _edited, _unchanged


# --- a side said of the eye or the specimen: the case's side ---------------------------------------------------


def test_a_side_said_with_side_still_changes_only_the_main_finding(host):  # noqa: F811
    _edited(host, "cxr", "L pleural effusion, small. L 7th rib fx.", "no, it's the right side",
            {"lung": (["small right pleural effusion"], ["left"])})


# --- a new time drops the contrary one -------------------------------------------------------------------------


def test_acute_on_chronic_keeps_both_times():
    assert chat_edits._without_contrary_times("Subacute on chronic left subdural hematoma.", "subacute",
                                              ["chronic"]) == "Subacute on chronic left subdural hematoma."
    assert chat_edits._without_contrary_times("Acute healed rib fracture.", "acute", ["healed"]) == "Acute rib fracture."


# --- a denial said of a named finding ------------------------------------------------------------------------


def test_a_denial_whose_finding_is_another_sentence_still_denies(host):  # noqa: F811
    _edited(host, "skin_lesion", "1cm ulcerated nodule L temple, pearly.", "the nodule is not ulcerated",
            {"surface": (["not ulcerated"], [])})


# --- a region in shorthand --------------------------------------------------------------------------------

@pytest.mark.parametrize("template, said_as, region", [
    ("ct_chest", "upper abdo", "upper_abdomen"), ("ct_chest", "abd", "upper_abdomen"),
    ("ct_chest", "mediastinal", "mediastinum_hila"), ("cxr", "mediast", "mediastinal"),
    ("mri_brain", "extra axial", "ventricles_extraaxial"), ("skin_lesion", "surf", "surface"),
    ("fundus", "periph", "periphery"), ("octa", "non perf", "non_perfusion"), ("breast-resection", "marg", "margins"),
    ("breast-resection", "hist", None),  # "Histologic type" and "Histologic grade": nothing is guessed
    ("cxr", "left", None),
])
def test_a_region_said_in_shorthand(host, template, said_as, region):  # noqa: F811
    t = host.template(template)
    assert resolve_region(said_as, {r.name: r.label for r in t.regions}) == region


def test_a_side_of_the_body_part_of_an_unsided_template_is_no_case_side(host):  # noqa: F811
    _unchanged(host, "cxr", "Small L effusion. L 7th rib fx.", "it's the right chest")  # nothing is guessed


def test_not_sure_just_is_no_replacement(host):  # noqa: F811
    _unchanged(host, "skin_lesion", "8mm crusted plaque L forearm.", "not sure, just crusted")


def test_findings_on_both_eyes_take_no_case_side(host):  # noqa: F811
    _unchanged(host, "fundus", "OD: few MAs. OS: hard exudates.", "it's the left eye")


def test_a_move_to_no_region_is_never_written_as_a_finding(host):  # noqa: F811
    _unchanged(host, "ct_chest", "Small hiatal hernia. No effusion.", "the hernia goes under the tummy bit")


# --- a value of a "with X" phrase; counts ---------------------------------------------------------------------


# --- flags about a region; the specialty's impression ---------------------------------------------------------

def test_a_flag_on_a_finding_is_about_its_region(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: dot-blot hemorrhages, CWS. Mild NPDR OD.")
    assert any(f.finding_id and not f.region for f in ctx.flags)  # the ICDR flag names its finding, not a region
    res = chat.handle("why is the retina flagged?", d, ctx)
    assert not res.changed and "icdr-grade-mismatch" in res.reply, res.reply


def test_a_pathology_edit_rebuilds_the_final_diagnosis_lines(host):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "L mastectomy. IDC 2.5 cm, G2. 1/5 LN pos.")
    assert ctx.conclude is not None
    res = chat.handle("grade is 3", d, ctx)
    assert res.changed
    assert res.draft.impression[:3] == ["Invasive ductal carcinoma.", "Grade 3.", "Tumor size: 2.5 cm."], res.draft.impression
    assert any(i.startswith("Regional lymph nodes: 1 of 5") for i in res.draft.impression)


def test_other_specialties_keep_the_generic_impression_builder(host):  # noqa: F811
    for template in ("cxr", "skin_lesion"):
        t = host.template(template)
        assert chat.impression_builder(host.drafter(t.specialty, t), t) is None


# --- the polite form of every verb -----------------------------------------------------------------------------

def test_every_verb_of_every_form_is_an_imperative():
    forms = (chat_edits._REMOVE_VERBS, chat_edits._MOVE_VERBS, chat_edits._SET_VERBS, chat_edits._FROM_TO_VERBS,
             chat_edits._REPLACE_VERBS, chat_edits._SAY_VERBS, chat_edits._ADD_VERBS[:-1])
    for verbs in forms:
        for v in verbs:
            said_as = re.sub(r"\\s\+", " ", v)
            assert IMPERATIVE.match(f"{said_as} the thing"), v
    assert not IMPERATIVE.match("also explain the flag")  # "also" opens an addition, but is no verb
    assert not IMPERATIVE.match("take a look at the flag")  # "take" alone is no edit


def test_a_polite_question_is_still_a_question():
    regions = {"lung": "Lungs and pleura"}
    assert chat.parse_intent("can you also explain the flag?", regions).kind == "question"
    assert chat.parse_intent("could you take a look at the effusion?", regions).kind == "question"


# --- drafter faults the chat exposed ---------------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, region, written, never", [
    ("fundus", "CWS in the left eye", "periphery", "cotton wool spots in the left eye", "in in"),
    ("octa", "reduced SCP density in the left eye", "superficial_plexus", "in the left eye", "in in"),
    ("fundus", "OS: MAs 3/4 quadrants", "periphery", "microaneurysms in 3/4 quadrants", "/in"),
    ("skin_lesion", "4mm superficial BCC R shoulder", "size", "superficial basal cell carcinoma, 4 mm", "measures 4 mm superficial"),
    ("skin_lesion", "6mm pigmented macule L arm", "size", "measures 6 mm", "macule, 6 mm"),  # a size alone: as before
    # "on" is no eye's; the macula's status of a detachment is the macula region's line (round do4)
    ("fundus", "OS: superior RD, macula on.", "macula", "macula on in the left eye", "in in"),
])
def test_drafter_sentences_the_chat_exposed(host, template, dictation, region, written, never):  # noqa: F811
    d, _ = drafted(host, template, dictation)
    text = said(d, region)
    assert written in text and never not in text, text


def test_a_count_of_quadrants_is_read_as_its_first_number():
    from pixtralogist.plugins.ophthalmology.grading import quadrants_of

    assert quadrants_of("Dot-blot hemorrhages in 2/4 quadrants") == 2
    assert quadrants_of("IRMA 1/4 quads") == 1
    assert quadrants_of("hemorrhages in 4 quadrants") == 4


def test_a_finding_added_in_chat_reads_as_dictated(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: few MAs. OS nl.")
    res = chat.handle("there are also CWS in the right eye", d, ctx)
    assert res.changed and "in in" not in said(res.draft, "periphery"), res.reply


# --- "not X, just Y"; a finding named by two words together ----------------------------------------------------


# --- one table: the edits of each class above (class, template, dictation, message, changes) -------------------

EDITS = [
    ("count", "breast-resection", "R lumpectomy. IDC 1.2 cm, G1. 0/4 SLN.", "1/4 sentinel nodes positive",
     {"lymph_nodes": (["1 of 4 sentinel lymph nodes positive"], ["0 of 4"])}),
    ("count", "breast-resection", "R lumpectomy. IDC 1.2 cm, G1. 0/4 SLN.", "actually 3/4",
     {"lymph_nodes": (["3 of 4"], ["0 of 4"])}),
    ("case side", "octa", "OD: enlarged FAZ, reduced DCP density, non-perfusion nasal macula.", "this is the left eye",
     {"faz": (["left eye"], ["right"]), "deep_plexus": (["left eye"], ["right"]),
      "non_perfusion": (["left eye"], ["right"])}),
    ("case side", "fundus", "OD: few MAs, hard exudates. OS nl.", "it's the left eye",
     {"macula": (["hard exudates in the left eye"], ["right"]),
      "periphery": (["microaneurysms in the left eye"], ["right"])}),
    ("case side", "breast-resection", "L mastectomy. IDC 2 cm, G2. 0/3 SLN.", "actually it's the right breast",
     {"laterality": (["right"], ["left"]), "procedure": (["right"], ["left"])}),  # the procedure names the side too
    ("time", "cxr", "Old healed R 7th rib fx. Heart nl.", "the fracture is acute",
     {"bone": (["acute right 7th rib fracture"], ["healed", "old"])}),
    ("time", "mri_brain", "Remote healed L frontal contusion. Ventricles nl.", "it's subacute",
     {"parenchyma": (["subacute"], ["remote", "healed"])}),
    ("denial", "ct_chest", "Calcified granuloma LLL. Aortic valve calcification.", "the granuloma isn't calcified",
     {"lungs_airways": (["granuloma in the left lower lobe"], ["calcified"])}),
    ("denial", "mri_brain", "Calcified meningioma R frontal convexity 8mm. Pineal calcification.", "the meningioma is not calcified",
     {"ventricles_extraaxial": (["meningioma right frontal convexity"], ["calcified"])}),
    ("shorthand", "ct_chest", "Small hiatal hernia. No effusion.", "move the hernia to abdo",
     {"mediastinum_hila": ([], ["hernia"]), "upper_abdomen": (["small hiatal hernia"], [])}),
    ("shorthand", "cxr", "ETT tip 4 cm above carina. Lungs clear.", "the ETT belongs under mediast",
     {"mediastinal": (["endotracheal tube"], []), "others": ([], ["endotracheal"])}),
    ("with phrase", "breast-resection", "R mastectomy. ILC 3 cm, G2. LN 1/8 pos with ENE.", "ENE not identified",
     {"lymph_nodes": (["1 of 8 positive", "extranodal extension not identified"], ["absent with", "not identified with"])}),
    ("with phrase", "cxr", "Mod R effusion w/ basal atelectasis. Heart nl.", "atelectasis is absent",
     {"lung": (["moderate right pleural effusion", "atelectasis absent"], ["effusion absent"])}),
    ("polite verb", "cxr", "Mod R effusion w/ basal atelectasis. Heart nl.", "can you kill the atelectasis?",
     {"lung": (["moderate right pleural effusion"], ["atelectasis"])}),
    ("polite verb", "cxr", "Mod R effusion. Heart nl.", "could you substitute moderate with small?",
     {"lung": (["small right pleural effusion"], ["moderate"])}),
    ("not x just y", "skin_lesion", "8mm crusted plaque L forearm.", "isn't crusted, just scaly",
     {"surface": (["scaly"], ["crusted"])}),
    ("not x just y", "skin_lesion", "4mm pink papule R cheek.", "it's not a papule but a nodule",
     {"morphology": (["nodule"], ["papule"])}),
    ("not x just y", "ct_chest", "6mm solid nodule LUL. No effusion.", "it's not solid, it's part solid",
     {"lungs_airways": (["part solid nodule"], ["mm solid"])}),
    ("two-word name", "mri_brain", "Large R MCA infarct. No midline shift.", "there is 4 mm of midline shift to the left",
     {"ventricles_extraaxial": (["4 mm of midline shift to the left"], ["no midline shift"])}),
]


@pytest.mark.parametrize("kind, template, dictation, message, changes", EDITS, ids=[f"{e[0]}:{e[3]}" for e in EDITS])
def test_an_edit_of_each_class(host, kind, template, dictation, message, changes):  # noqa: F811
    """``changes`` maps each region that must change to (must say, must no longer say); every other region is as
    it was, and each change is shown as a before/after line."""
    _edited(host, template, dictation, message, changes)
