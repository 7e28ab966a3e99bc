"""More of the ways clinicians word an edit (issue 13): each class in at least two specialties.

Negated values ("mark LVI as not identified"), denials ("it's not ulcerated"), short finding names
and their adjectives ("scale"/"scaly"), more edit verbs and polite requests ("can you remove ..."),
"B, not A" and "change A to B" wordings, moves said as statements ("... belongs in upper abdomen"),
a side that picks one of two sentences ("the right CDR is 0.7"), "wrong eye", everyday words for
normal, two edits in one turn, clause removal ("drop the atelectasis" for "effusion with
atelectasis"), guideline questions about "this nodule", denials with a contraction ("isn't"), and
mistyped finding names ("efusion"). Weak or foreign messages change nothing
and say so. Drafts come from the built-in plugins' real offline drafters (``drafted``).
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat

from test_chat_edits import drafted, said  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)


def _edited(host, template, dictation, message, changes):  # noqa: F811
    """Apply ``message``; ``changes`` maps each region that must change to (must say, must no longer say);
    every other region is as it was and each change is shown as a before/after line."""
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed, res.reply
    before, after = d.region_dict(), res.draft.region_dict()
    assert {r for r in after if after[r] != before[r]} == set(changes), (after, res.reply)
    for region, (present, absent) in changes.items():
        text = said(res.draft, region)
        assert all(p in text for p in present), (region, text, res.reply)
        assert not any(a in text for a in absent), (region, text, res.reply)
        assert f"\u201c{res.draft.region_dict()[region] or '(empty)'}\u201d" in res.reply
    return res


def _unchanged(host, template, dictation, message):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d, res.reply
    return res


CASES = [
    # --- a negated value is the value, never a correction tail cut off --------------------------------
    ("breast-resection", "L mastectomy. ILC 4cm G2. LVI present. LN 3/10.", "mark LVI as not identified",
     {"lvi": (["lymphovascular invasion not identified"], ["present"])}),
    ("breast-resection", "R lumpectomy. IDC 1.4cm G1. LVI present.", "LVI is not identified",
     {"lvi": (["not identified"], ["present"])}),
    ("fundus", "OD: few MAs, hard exudates. OS nl.", "mark the microaneurysms as not seen",
     {"periphery": (["no microaneurysms in the right eye"], ["few"])}),
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "mark the cardiomegaly as absent",
     {"heart": (["no cardiomegaly"], ["mild"])}),
    # --- a denial: "it's not X" / "not X" / "the Y is not X" ---------------------------------------
    ("skin_lesion", "Pink papule R cheek 4mm, ulcerated.", "it's not ulcerated", {"surface": (["not ulcerated"], [])}),
    ("skin_lesion", "Scaly erythematous plaque L elbow 3cm.", "not scaly", {"surface": (["not scaly"], ["scaly surface"])}),
    ("ct_chest", "Calcified granuloma RLL. No LAD.", "the granuloma is not calcified",
     {"lungs_airways": (["granuloma in the right lower lobe"], ["calcified"])}),
    # --- a short finding name meets its adjective and participle ("scale"/"scaly"/"scaling") ----------
    ("skin_lesion", "Scaly erythematous plaque L elbow 3cm.", "get rid of the scale", {"surface": ([], ["scal"])}),
    ("skin_lesion", "6mm pink papule R cheek, scaly.", "ditch the scaling", {"surface": ([], ["scal"])}),
    ("ct_chest", "Scarring L apex. 5mm nodule RML.", "drop the apical scar",
     {"lungs_airways": (["5 mm nodule"], ["scar"])}),
    # --- more edit verbs; a verb the reader does not know is never written into the report ------------
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "take off the cardiomegaly", {"heart": ([], ["cardiomegaly", "take"])}),
    ("mri_brain", "Mild small vessel dz. Chronic lacune R thalamus.", "lose the lacune",
     {"parenchyma": (["small vessel"], ["lacune"])}),
    ("mri_brain", "Mild white matter hyperintensities. No acute infarct.", "upgrade the white matter disease to severe",
     {"parenchyma": (["severe white matter"], ["mild"])}),
    ("mri_brain", "Mild white matter hyperintensities. No acute infarct.", "the white matter changes are moderate",
     {"parenchyma": (["moderate white matter hyperintensities"], ["mild", "changes"])}),
    # --- polite requests are edits, not questions -----------------------------------------------------
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "can you remove the cardiomegaly?", {"heart": ([], ["cardiomegaly"])}),
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg.", "could you set the grade to 3 please",
     {"grade": (["grade 3"], ["grade 2"])}),
    # --- "B, not A" / "change A to B": the draft's wording A becomes B --------------------------------
    ("skin_lesion", "6mm pigmented papule R calf, irregular border.", "it's a macule not a papule",
     {"morphology": (["macule"], ["papule"])}),
    ("skin_lesion", "6mm pigmented papule R calf, irregular border.", "it's the thigh not the calf",
     {"distribution_site": (["right thigh"], ["calf", "the thigh"])}),
    ("ct_chest", "7mm solid nodule RUL. No LAD.", "change solid to part solid",
     {"lungs_airways": (["7 mm part solid nodule"], [])}),
    ("octa", "OD FAZ enlarged. SCP density reduced. No NV.", "change enlarged to normal",
     {"faz": (["the faz is normal in the right eye"], ["enlarged"])}),
    # --- a move said as a statement --------------------------------------------------------------------
    ("ct_chest", "7mm solid nodule RUL. No LAD. Small hiatal hernia.", "the hiatal hernia belongs in upper abdomen",
     {"upper_abdomen": (["hiatal hernia"], ["unremarkable"]), "mediastinum_hila": (["no lymphadenopathy"], ["hernia"])}),
    ("cxr", "Pacemaker L chest. Lungs clear.", "the pacemaker goes under heart",
     {"heart": (["pacemaker"], []), "others": ([], ["pacemaker"])}),
    # --- a side that picks one of the finding's sentences, not a new side for both --------------------
    ("fundus", "OD: CDR 0.4. OS: CDR 0.5. Macula flat OU.", "the right cup disc ratio is 0.7",
     {"optic_disc": (["0.7 in the right eye", "0.5 in the left eye"], ["0.4"])}),
    ("fundus", "OD: CDR 0.4. OS: CDR 0.5. Macula flat OU.", "CDR 0.8 OS",
     {"optic_disc": (["0.4 in the right eye", "0.8 in the left eye"], ["0.5"])}),
    ("cxr", "Small R effusion. Mod L effusion. Heart nl.", "the right effusion is large",
     {"lung": (["large right pleural effusion", "moderate left pleural effusion"], ["small"])}),
    ("fundus", "OD: dot-blot hemes, few MAs. OS nl. Macula flat OU.", "the haemorrhages are in both eyes",
     {"periphery": (["hemorrhages in both eyes", "microaneurysms in the right eye"], ["bilateral eye"])}),
    # --- "wrong eye" / "wrong side": the case's findings go to the other side --------------------------
    ("fundus", "OD: DME. OS nl.", "wrong eye", {"macula": (["left eye"], ["right eye", "wrong"])}),
    ("mri_brain", "Acute infarct L MCA territory. No hemorrhage.", "wrong side",
     {"parenchyma": (["acute infarct right"], ["left"])}),
    ("breast-resection", "L lumpectomy. IDC 2cm G2. Margins neg.", "wrong side",
     {"laterality": (["right"], ["left"]), "procedure": (["right"], ["left"])}),  # every sentence stating the side
    # --- everyday words for normal, about a structure; and words around the edit -----------------------
    ("octa", "OD FAZ enlarged. SCP density reduced. No NV.", "SCP density is fine",
     {"superficial_plexus": (["normal"], ["reduced", "fine"])}),
    ("octa", "OD FAZ enlarged. DCP density reduced. No NV.", "deep plexus density looks ok",
     {"deep_plexus": (["normal"], ["reduced", " ok"])}),
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "heart size is normal actually",
     {"heart": (["heart size is normal."], ["actually", "cardiomegaly"])}),
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg.", "grade is 1 actually", {"grade": (["grade 1."], ["actually"])}),
    # --- the severity written in the form the sentence uses -----------------------------------------
    ("cxr", "Mod L effusion. Moderately enlarged heart.", "make the heart mild", {"heart": (["mildly enlarged"], [])}),
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "the heart is moderately enlarged",
     {"heart": (["moderate cardiomegaly"], ["mild", "moderately cardiomegaly"])}),
    # --- two edits in one turn --------------------------------------------------------------------------
    ("cxr", "Mod R effusion w/ basilar atelectasis. Heart nl.", "make the effusion small and drop the atelectasis",
     {"lung": (["small right pleural effusion"], ["atelectasis", "moderate"])}),
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg. LVI present.",
     "set the grade to 3, then mark LVI as not identified",
     {"grade": (["grade 3"], []), "lvi": (["not identified"], ["present"])}),
    # --- the clinician's one-letter side, and "replace A with B" -------------------------------------
    ("cxr", "Mod R effusion. Heart nl.", "no, L", {"lung": (["moderate left pleural effusion"], ["right"])}),
    ("fundus", "OD: few MAs. OS nl.", "OS not OD", {"periphery": (["left eye"], ["right eye"])}),
    ("cxr", "Mod R effusion. Heart nl.", "replace 'moderate' with 'small'", {"lung": (["small right"], ["moderate"])}),
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg.", "replace ductal with lobular",
     {"histologic_type": (["invasive lobular carcinoma"], ["ductal"])}),
    # --- "the right one": the side picks the finding, it is not moved --------------------------------
    ("cxr", "Small R effusion. Mod L effusion. Heart nl.", "the right one is large",
     {"lung": (["large right pleural effusion", "moderate left pleural effusion"], ["small"])}),
    # --- a value for a region that states no finding (template default, a bare value) ------------------
    ("skin_lesion", "6mm pigmented papule R calf, irregular border.", "the colour is black",
     {"color": (["black."], ["pigmented"])}),
    ("skin_lesion", "6mm pigmented papule R calf, irregular border.", "colour: dark brown",
     {"color": (["dark brown."], ["pigmented", "colour"])}),
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg.", "site: upper outer quadrant",
     {"site": (["upper outer quadrant."], ["not reported"])}),
    # --- "X is B not A", a finding of the patient ("he has ..."), an adjective of a denied finding ------
    ("breast-resection", "L mastectomy. ILC 3cm G2. LVI present.", "pathology is ductal not lobular",
     {"histologic_type": (["invasive ductal carcinoma"], ["lobular"])}),
    ("ct_chest", "9 mm solid nodule LLL. No LAD.", "the nodule is part solid not solid",
     {"lungs_airways": (["part solid nodule"], [])}),
    ("fundus", "OD: few MAs. OS nl. Macula flat OU.", "he has macular oedema in the right eye too",
     {"macula": (["macular oedema"], ["hard exudates"])}),
    ("mri_brain", "Acute infarct L MCA territory. No hemorrhage.", "actually there is hemorrhagic transformation",
     {"parenchyma": (["hemorrhagic transformation"], ["no hemorrhage"])}),
    ("ct_chest", "Small L effusion. Cystic lesion L adrenal 1 cm.", "there is no cyst",
     {"upper_abdomen": (["lesion left adrenal 1 cm"], ["cystic", "no cyst"])}),
    # --- denials said with a contraction ---------------------------------------------------------------
    ("cxr", "Small L PTX. Heart nl.", "there isn't a pneumothorax", {"lung": (["no pneumothorax"], ["small"])}),
    ("skin_lesion", "Pink papule R cheek 4mm, ulcerated.", "it isn't ulcerated", {"surface": (["not ulcerated"], [])}),
    ("breast-resection", "L mastectomy. ILC 4cm G2. LVI present.", "LVI isn't present",
     {"lvi": (["not present"], ["invasion present"])}),
    # --- a mistyped finding name is the draft's finding (one letter, or two swapped) -------------------
    ("cxr", "Mod R effusion. Heart nl.", "the efusion is on the left", {"lung": (["moderate left pleural effusion"], ["efusion"])}),
    ("mri_brain", "Meningioma R frontal 1.5cm. No mass effect.", "the menigioma measures 2.1 cm",
     {"ventricles_extraaxial": (["meningioma right frontal 2.1 cm"], ["1.5"])}),
    ("skin_lesion", "Pink papule R cheek 4mm, telangiectasia.", "remove the telangiectsia", {"surface": ([], ["telangiect"])}),
    # --- "wrong eye, it's OS": the case's findings to the side said --------------------------------
    ("fundus", "OD: DME. OS nl.", "wrong eye, it's OS", {"macula": (["left eye"], ["right eye", "wrong"])}),
    ("mri_brain", "Acute infarct L MCA territory. No hemorrhage.", "wrong side, it's on the right",
     {"parenchyma": (["acute infarct right"], ["left", "wrong"])}),
    ("octa", "OS FAZ enlarged, DCP density reduced.", "wrong eye - OD",
     {"faz": (["right eye"], ["left eye"]), "deep_plexus": (["right eye"], ["left eye"])}),
    # --- removing a "with"/"and" clause keeps the rest of the sentence ------------------------------
    ("ct_chest", "Consolidation RLL with air bronchograms. Small R effusion.", "remove the air bronchograms",
     {"lungs_airways": (["consolidation right lower lobe."], ["bronchogram"])}),
    ("mri_brain", "Acute L MCA infarct with petechial hemorrhage.", "take out the hemorrhage",
     {"parenchyma": (["acute left mca infarct."], ["hemorrhage"])}),
    ("fundus", "OD: dot-blot hemes and cotton wool spots. OS nl.", "remove the cotton wool spots",
     {"periphery": (["dot-blot hemorrhages in the right eye"], ["cotton"])}),
]


@pytest.mark.parametrize("template,dictation,message,changes", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_wording(host, template, dictation, message, changes):  # noqa: F811
    _edited(host, template, dictation, message, changes)


def test_the_head_of_a_with_clause_takes_its_clause_along(host):  # noqa: F811
    res = _edited(host, "ct_chest", "Consolidation RLL with air bronchograms. Small R effusion.", "drop the consolidation",
                  {"lungs_airways": ([], ["consolidation", "bronchogram"])})
    assert "Removed" in res.reply


@pytest.mark.parametrize("template,dictation,message,reply", [
    # about the patient, not a finding of the draft
    ("fundus", "OD: DME, hard exudates. OS nl.", "the patient is not diabetic", "no language model"),
    ("mri_brain", "Acute infarct L MCA territory. No hemorrhage.", "the patient is not anticoagulated", "no language model"),
    # remarks
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "not sure", "no language model"),
    ("skin_lesion", "6mm pink papule R cheek, scaly.", "not yet, I need to check the photo", "no language model"),
    # "fine" about a finding is no normal finding: nothing is guessed
    ("cxr", "Mod L effusion. Mild cardiomegaly.", "the effusion is fine", "nothing was changed"),
    # a value the draft already states
    ("breast-resection", "R lumpectomy. IDC 2cm G2. Margins neg.", "margins are not involved", "already says"),
    ("octa", "OD FAZ enlarged. SCP density reduced.", "the patient is not myopic", "no language model"),
    # a value for a region that states a finding, or a severity for a structure: nothing is guessed
    ("skin_lesion", "Pink papule R cheek 4mm, ulcerated.", "the surface is smooth", "nothing was changed"),
    ("skin_lesion", "6mm pigmented papule R calf, irregular border.", "make the surface moderate", "nothing was changed"),
    ("mri_brain", "No acute infarct.", "make the vessels mild", "nothing was changed"),
    # "replace A with B" where A is in two sentences: which one is not guessed
    ("cxr", "Mod R effusion. Moderate cardiomegaly.", "replace moderate with small", "nothing was changed"),
    # "wrong side" with another change: which one is meant is not guessed
    ("cxr", "Mod R effusion. Heart nl.", "wrong side, it's small", "no language model"),
    # a word one letter from a place word ("check"/"cheek") is no typo of a finding
    ("skin_lesion", "6mm pink papule R cheek, scaly.", "I will check the photo", "no language model"),
    # a denial of something the draft does not state
    ("cxr", "Small L effusion. Heart nl.", "the effusion is not loculated", "nothing was removed"),
])
def test_weak_or_foreign_messages_change_nothing_and_say_so(host, template, dictation, message, reply):  # noqa: F811
    res = _unchanged(host, template, dictation, message)
    assert reply in res.reply


def test_a_polite_question_that_is_no_edit_stays_a_question(host):  # noqa: F811
    for template, dictation, message in [("cxr", "Mod L effusion. Mild cardiomegaly.", "could you check the heart size?"),
                                         ("fundus", "OD: DME. OS nl.", "can you tell me the grade?")]:
        d, ctx = drafted(host, template, dictation)
        assert chat.parse_intent(message, d.region_labels).kind == "question"
        assert not chat.handle(message, d, ctx).changed


@pytest.mark.parametrize("template,notes,question,snippet", [
    ("ct_chest", "9 mm solid nodule LLL. No LAD.", "what does Fleischner say about this nodule?",
     "fleischner-2017-solid-single-gt8mm"),
    ("ct_chest", "4 mm solid nodule LLL. No LAD.", "does this nodule need follow up?", "fleischner-2017-solid-single-lt6mm"),
    ("ct_chest", "1.2 cm L adrenal nodule. Lungs clear.", "what should we do with the adrenal nodule?",
     "acr-2017-adrenal-1-4cm-indeterminate"),
])
def test_a_guideline_question_about_this_finding_uses_its_size(service, template, notes, question, snippet):
    """"this nodule": the draft's own finding (its size and kind) picks the snippet (the real service and index)."""
    from pixtralogist.core.models import Case

    turn = service.start(Case(notes=notes, modality="CT", body_part="chest", specialty_hint="radiology"))
    assert turn.draft.template_id == template
    turn = service.message(turn.case_id, question)
    answer = turn.messages[-1]
    assert answer.sources and answer.sources[0] == snippet, answer.text
