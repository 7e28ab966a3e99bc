"""Chat classes of issue 13's sixth round, as GENERATORS: real cases of each specialty are drafted with the
built-in plugins' offline drafters, and the messages are built from each draft's own findings (their words,
sizes, devices and grades), in the statement and imperative shapes clinicians use, never from a benchmark row:

- a statement or imperative about an existing finding matches it by its own words, never by a generic head
  noun another sentence shares ("remove the sinus disease" is not about "Mild small vessel disease.");
- a new distance or place of a device the draft states replaces the old one ("the ETT tip is 5 cm above the
  carina" for "Endotracheal tube 2 cm above carina."), never appended beside it;
- a list of named values ("ER 90%, PR 60%, HER2 negative") sets each value in the sentence that gives them;
- a grade said as a severity ("change the grade to severe", "left eye is severe NPDR, IRMA in 2 quadrants")
  re-grades the graded impression item (for that eye), the supporting lesion added;
- a new description of a finding or device, even of a numbered part ("the top two sternal wires are broken"),
  is written beside it;
- a statement that opens with a move verb's noun ("Shift of the midline is 4 mm") is a statement, not a move;
- "make the LVI not identified": a negated value said after the subject;
- "the deep margin is involved" for "Margins negative. Closest margin 3 mm deep.": the value of a part restates
  the general value.
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_edits import _ABSENT, _FILLER, _LATERALITY, _PRESENT, _TEMPORAL, _words

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if s]


def _shown(res) -> None:
    """Every changed region is shown as a before/after line."""
    assert res.edits
    for e in res.edits:
        if e["region"]:
            assert f"\u201c{e['after'] or '(empty)'}\u201d" in res.reply, res.reply


# --- a finding is matched by its own words, never by a generic head noun ----------------------------------------

MATCH_CASES = [
    ("mri_brain", "Mild small vessel disease. Mucosal thickening R maxillary sinus. Chronic L cerebellar infarct."),
    ("cxr", "Degenerative changes of the thoracic spine. Small L effusion. Mild cardiomegaly."),
    ("ct_chest", "Mild emphysematous changes. 5 mm nodule RML. Small hiatal hernia."),
    ("fundus", "OD: drusen at the macula, pigmentary changes. OS: disc pallor. Mild NPDR OU."),
    ("skin_lesion", "6 mm pink scaly plaque L forearm with central crust. Surrounding actinic changes."),
    ("breast-resection", "R lumpectomy. IDC 1.9 cm G2. Margins negative. Fibrocystic changes in background breast."),
]
_VERBS = ("remove", "delete", "drop")


def _own_words(reader, f, others) -> list[str]:
    """Words only ``f`` has among the draft's findings, that name something (no attribute, side, number)."""
    theirs = {w for o in others for w in _words(reader.expand(o.text))} | {w for o in others for w in _words(o.text)}
    skip = set(_FILLER) | set(_LATERALITY) | set(_TEMPORAL) | set(reader.severity) | {_w for _w in ("eye", "eyes")}
    skip |= {"few", "some", "small", "large", "with", "central", "surrounding", "background"}
    skip |= set(_PRESENT) | set(_ABSENT) | {"negative", "positive"}
    return [w for w in dict.fromkeys(_words(f.text)) if w.isalpha() and len(w) >= 5 and w not in theirs
            and w not in skip and w not in {"changes", "change", "disease", "abnormality"}]


@pytest.mark.parametrize("template, dictation", MATCH_CASES)
def test_remove_by_own_word_and_generic_head(host, template, dictation):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    reader = chat.reader_for(d, ctx.lexicon, ctx.template)
    findings = [f for f in d.findings if not f.is_default]
    tried = 0
    for f in [f for f in findings if reader.attributes(f.text).polarity != "absent"]:  # (no normal statement)
        others = [o for o in findings if o.id != f.id]
        for word in _own_words(reader, f, others)[:2]:
            for verb, head in zip(_VERBS, ("disease", "changes", "abnormality")):
                message = f"{verb} the {word} {head}"
                res = chat.handle(message, d, ctx)
                tried += 1
                assert res.changed, (message, res.reply)
                after = res.draft
                # the sentence naming the word lost it; every other finding is still there, word for word
                assert not any(word in s.lower() for s in _sentences(after.region_dict()[f.region])), (message, after)
                kept = " ".join(after.region_dict().values())
                for o in others:
                    assert o.text in kept or word in o.text.lower(), (message, o.text, res.reply)
                _shown(res)
    assert tried >= 6


@pytest.mark.parametrize("template, dictation, message", [
    ("mri_brain", "Mild small vessel disease. Ventricles nl.", "remove the sinus disease"),
    ("cxr", "Degenerative changes of the thoracic spine. Lungs clear.", "drop the pleural changes"),
    ("fundus", "OD: pigmentary changes at the macula. OS nl.", "delete the vascular changes"),
    ("skin_lesion", "5 mm brown macule R calf, regular border. Background sun damage changes.",
     "remove the nail changes"),
])
def test_a_generic_head_alone_picks_nothing(host, template, dictation, message):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert not res.changed and res.draft == d, res.reply


# --- a device's new distance or place replaces the old one ----------------------------------------------------

DEVICES = [  # (dictation, the device as the clinician says it, a word of the draft's place)
    ("ETT 2 cm above carina. Lungs clear.", ["ETT", "endotracheal tube"], "2 cm"),
    ("NGT tip in the stomach. Lungs clear.", ["NGT", "NG tube"], "stomach"),
    ("R PICC tip in the SVC. Lungs clear.", ["PICC", "PICC line"], "svc"),
    ("L chest tube tip at the apex. Small L PTX.", ["chest tube"], "apex"),
]
PLACES = ["5 cm above the carina", "at the cavoatrial junction", "in the right atrium", "below the diaphragm",
          "in the distal esophagus"]
SHAPES = ["{d} tip is {p}", "the {d} is {p}", "{d} tip now {p}", "the {d} tip is now {p}"]


@pytest.mark.parametrize("dictation, names, old", DEVICES)
def test_a_device_new_place_replaces_the_old(host, dictation, names, old):  # noqa: F811
    d, ctx = drafted(host, "cxr", dictation)
    before = d.region_dict()
    for name in names:
        for i, place in enumerate(PLACES):
            message = SHAPES[i % len(SHAPES)].format(d=name, p=place)
            res = chat.handle(message, d, ctx)
            assert res.changed, (message, res.reply)
            after = res.draft.region_dict()
            changed = [r for r in after if after[r] != before[r]]
            assert len(changed) == 1, (message, changed)
            text = after[changed[0]].lower()
            assert place.split()[-1] in text and old not in text, (message, before[changed[0]], text)
            assert len(_sentences(after[changed[0]])) == len(_sentences(before[changed[0]])), (message, text)
            _shown(res)


def test_a_statement_without_a_place_about_a_device_is_not_a_new_place(host):  # noqa: F811
    d, ctx = drafted(host, "cxr", "ETT 2 cm above carina. Lungs clear.")
    res = chat.handle("the ETT is kinked", d, ctx)  # a description: written beside it, the place kept
    assert res.changed and "2 cm above carina" in res.draft.region_dict()["others"].lower(), res.reply


# --- a list of named values -------------------------------------------------------------------------------------

MARKERS = {"ER": ["90%", "5%", "negative", "positive (80%)"], "PR": ["60%", "0%", "negative", "weak 10%"],
           "HER2": ["negative", "2+ equivocal", "3+ positive", "1+"], "Ki-67": ["20%", "35%", "5%"]}
RECEPTOR_DRAFTS = [
    "L lumpectomy + SLNB. IDC 1.1 cm G1. SLN 0/3.",
    "R mastectomy. ILC 3.0 cm G2. LN 1/8 pos. ER+ PR+ HER2 neg.",
    "R lumpectomy. IDC 2.0 cm G3. Margins negative. ER 95%, PR 40%, HER2 negative.",
]


@pytest.mark.parametrize("dictation", RECEPTOR_DRAFTS)
def test_a_list_of_named_values_sets_each(host, dictation):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", dictation)
    names = list(MARKERS)
    for k in range(6):
        chosen = [names[(k + j) % len(names)] for j in range(2 + k % 2)]
        pairs = [(n, MARKERS[n][(k + j) % len(MARKERS[n])]) for j, n in enumerate(chosen)]
        message = ", ".join(f"{n} {v}" for n, v in pairs)
        res = chat.handle(message, d, ctx)
        assert res.changed, (message, res.reply)
        text = res.draft.region_dict()["others"]
        for n, v in pairs:
            assert f"{n} {v}".lower() in text.lower(), (message, text)
        # a value said replaces the one the draft gave for that name (never both)
        for n, _ in pairs:
            assert len(re.findall(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I)) == 1, (message, text)
        assert [r for r in res.draft.region_dict() if res.draft.region_dict()[r] != d.region_dict()[r]] == ["others"]
        _shown(res)


def test_a_list_of_findings_is_no_list_of_values(host):  # noqa: F811
    d, ctx = drafted(host, "cxr", "Small R effusion. Mild cardiomegaly.")
    res = chat.handle("effusion small, cardiomegaly mild", d, ctx)
    assert "others" not in [e["region"] for e in res.edits], res.reply


# --- a grade said as a severity -----------------------------------------------------------------------------------

LEVELS = ["mild", "moderate", "severe"]
LESIONS = ["IRMA in 2 quadrants", "venous beading in 1 quadrant", "dot blot hemorrhages in 4 quadrants"]
EYES = {"right": ["OD", "right eye", "the right eye"], "left": ["OS", "left eye", "the left eye"]}


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("old", LEVELS)
def test_a_grade_said_as_a_severity(host, side, old):  # noqa: F811
    eye, other = ("OD", "OS") if side == "right" else ("OS", "OD")
    d, ctx = drafted(host, "fundus", f"{eye}: {old} NPDR with scattered MAs. {other}: PDR with NVD.")
    for new in [x for x in LEVELS if x != old]:
        for message in (f"change the grade to {new}", f"make the grade {new}", f"the grade is {new}"):
            res = chat.handle(message, d, ctx)
            # two graded items (NPDR in one eye, PDR in the other): only the NPDR's level fits the word said
            assert res.changed, (message, res.reply)
            imp = " ".join(res.draft.impression).lower()
            assert re.search(rf"{new} non-proliferative diabetic retinopathy[^.]* the {side} eye", imp), (message, imp)
            assert f"{old} non-proliferative" not in imp, (message, imp)
        for i, lesion in enumerate(LESIONS):
            said = EYES[side][i % 3]
            message = f"{said} is {new} NPDR, {lesion}"
            res = chat.handle(message, d, ctx)
            assert res.changed, (message, res.reply)
            imp = " ".join(res.draft.impression).lower()
            assert re.search(rf"{new} non-proliferative diabetic retinopathy[^.]* the {side} eye", imp), (message, imp)
            findings = " ".join(res.draft.region_dict().values()).lower()
            assert lesion.split(" in ")[0].lower() in findings and f"{side} eye" in findings, (message, findings)
            assert "is " + new not in findings, (message, findings)  # the grade is never written as a finding
            _shown(res)


def test_a_grade_with_two_graded_eyes_is_not_guessed(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: mild NPDR, few MAs. OS: moderate NPDR with dot blot hemes.")
    res = chat.handle("change the grade to severe", d, ctx)
    assert not res.changed, res.reply


def test_make_it_severe_is_about_a_finding_that_states_a_severity(host):  # noqa: F811
    d, ctx = drafted(host, "fundus", "OD: moderate NPDR. Mild macular edema OD.")
    res = chat.handle("make the edema severe", d, ctx)
    assert res.changed and "severe macular edema" in res.draft.region_dict()["macula"].lower(), res.reply


# --- a new description of a finding or device, numbered parts included --------------------------------------------

DESCRIBED = [  # (template, dictation, what the clinician calls it, new words)
    ("cxr", "Sternotomy wires. Mild cardiomegaly.", ["sternal wires", "sternotomy wires"], ["broken", "fractured"]),
    ("cxr", "Small R effusion. Heart nl.", ["effusion"], ["loculated"]),
    ("ct_chest", "6 mm solid nodule RUL. 4 mm nodule LLL.", ["nodules"], ["spiculated", "cavitating"]),
    ("mri_brain", "Two chronic lacunar infarcts in the L basal ganglia. Ventricles nl.", ["lacunar infarcts"],
     ["cavitated"]),
    ("skin_lesion", "3 mm pink papule L cheek, pearly.", ["papule"], ["friable"]),
]
QUANTIFIERS = ["the {x} are {y}", "the top two {x} are {y}", "both {x} are {y}", "the lower three {x} are {y}",
               "one of the {x} is {y}"]


@pytest.mark.parametrize("template, dictation, names, values", DESCRIBED)
def test_a_new_description_is_written_beside_the_finding(host, template, dictation, names, values):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    before = d.region_dict()
    for name in names:
        for value in values:
            for shape in QUANTIFIERS:
                message = shape.format(x=name, y=value)
                res = chat.handle(message, d, ctx)
                assert res.changed, (message, res.reply)
                after = res.draft.region_dict()
                changed = [r for r in after if after[r] != before[r]]
                assert len(changed) == 1, (message, changed)
                assert all(x in after[changed[0]] for x in _sentences(before[changed[0]])), (message, after)
                assert value in after[changed[0]].lower(), (message, after)
                _shown(res)


# --- a move verb's noun opens a statement --------------------------------------------------------------------------

@pytest.mark.parametrize("template, dictation, message, region, new", [
    ("mri_brain", "Large L MCA infarct with edema. No midline shift.", "Shift of the midline is 4 mm to the right",
     "ventricles_extraaxial", "4 mm"),
    ("mri_brain", "3 cm R frontal meningioma. No midline shift.", "shift of midline is 6 mm", "ventricles_extraaxial",
     "6 mm"),
    ("cxr", "Lungs clear. Heart nl.", "placement of the ETT is 4 cm above the carina", "others", "4 cm"),
])
def test_a_move_verb_noun_opens_a_statement(host, template, dictation, message, region, new):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(message, d, ctx)
    assert res.changed and new in res.draft.region_dict()[region], res.reply


@pytest.mark.parametrize("message", ["put the infarct in the midline", "move the infarct to the left"])
def test_a_move_to_no_region_still_changes_nothing(host, message):  # noqa: F811
    d, ctx = drafted(host, "mri_brain", "Large L MCA infarct with edema. No midline shift.")
    res = chat.handle(message, d, ctx)
    assert not res.changed, res.reply


# --- values of template fields -------------------------------------------------------------------------------------

@pytest.mark.parametrize("verb", ["make", "mark", "set"])
@pytest.mark.parametrize("value", ["not identified", "not seen", "not present"])
def test_a_negated_value_after_the_subject(host, verb, value):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "L lumpectomy. IDC 1.6cm G2. SLN 1/2 pos. LVI present.")
    res = chat.handle(f"{verb} the LVI {value}", d, ctx)
    assert res.changed and res.draft.region_dict()["lvi"] == f"Lymphovascular invasion {value}.", res.reply


@pytest.mark.parametrize("part", ["deep", "anterior", "posterior", "superior", "inferior", "medial", "lateral"])
@pytest.mark.parametrize("value", ["involved", "positive"])
def test_a_value_of_a_part_restates_the_general_value(host, part, value):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "L mastectomy. IDC 2.6cm G2. Margins neg, closest 3mm deep.")
    res = chat.handle(f"the {part} margin is {value}", d, ctx)
    text = res.draft.region_dict()["margins"].lower()
    assert res.changed and f"{part} margin is {value}" in text and "negative" not in text, (text, res.reply)
    # then another part's value is added beside it, never written over it
    res2 = chat.handle("the superficial margin is negative", res.draft, ctx)
    text2 = res2.draft.region_dict()["margins"].lower()
    assert f"{part} margin is {value}" in text2 and "superficial margin is negative" in text2, text2


# --- several undo phrases in one message -----------------------------------------------------------------------------

UNDO_PHRASES = ["undo that", "revert", "go back", "put it back", "change it back", "take that back", "scratch that"]


def test_several_undo_phrases_in_one_message():
    from pixtralogist.agents.chat import _UNDO

    for a in UNDO_PHRASES:
        for b in UNDO_PHRASES:
            for sep in (", ", " and ", " - ", "; "):
                assert _UNDO.match(f"{a}{sep}{b}"), f"{a}{sep}{b}"
    for text in ("undo the effusion", "put it back in the lungs", "go back to the nodule and make it 6 mm"):
        assert not _UNDO.match(text), text


# --- a hyphenated state and its opposite ("macula-on" / "macula-off") --------------------------------------------

@pytest.mark.parametrize("dictation, old, new", [
    ("OS macula-on RD sup temporal, 2 quadrants. OD nl.", "macula-on", "macula-off"),
    ("OD macula-off RD inferior, 3 quadrants. OS nl.", "macula-off", "macula-on"),
])
@pytest.mark.parametrize("shape", ["make it {n}", "it's {n}", "the RD is {n}", "the detachment is {n}",
                                   "no, it is {n}"])
def test_a_hyphenated_state_takes_its_opposite(host, dictation, old, new, shape):  # noqa: F811
    d, ctx = drafted(host, "fundus", dictation)
    res = chat.handle(shape.format(n=new), d, ctx)
    text = res.draft.region_dict()["periphery"].lower()
    assert res.changed and new in text and old not in text, (shape, res.reply)
    _shown(res)


# --- a recommendation goes to the impression -------------------------------------------------------------------------

RECOMMENDATIONS = [
    ("cxr", "RLL pneumonia. Small R effusion.", ["repeat CXR in 6 weeks to confirm resolution", "CT chest if no improvement"]),
    ("ct_chest", "7 mm solid nodule RUL. No LAD.", ["follow-up CT in 6 to 12 months", "PET-CT"]),
    ("mri_brain", "2 cm enhancing mass L frontal lobe.", ["neurosurgical referral", "MR perfusion"]),
    ("skin_lesion", "7 mm irregular brown macule L calf.", ["excisional biopsy", "dermoscopic follow-up in 3 months"]),
    ("fundus", "OD: moderate NPDR. OS nl.", ["repeat dilated exam in 6 months", "referral to retina"]),
    ("octa", "OD: enlarged FAZ. Reduced SCP density OD.", ["repeat OCTA in 6 months"]),
    ("breast-resection", "R lumpectomy. IDC 1.2 cm G1.", ["HER2 FISH testing", "correlation with imaging"]),
]
REC_SHAPES = ["add a rec for {r}", "recommend {r}", "add recommendation: {r}", "suggest {r}",
              "please add a recommendation for {r}", "include a rec of {r}"]


@pytest.mark.parametrize("template, dictation, recs", RECOMMENDATIONS)
def test_a_recommendation_goes_to_the_impression(host, template, dictation, recs):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    for rec in recs:
        for shape in REC_SHAPES:
            message = shape.format(r=rec)
            res = chat.handle(message, d, ctx)
            assert res.changed and res.draft.region_dict() == d.region_dict(), (message, res.reply)
            last = res.draft.impression[-1].lower()
            assert last.startswith("recommend") and rec.split()[-1].lower() in last, (message, res.draft.impression)
            assert res.draft.impression[:-1] == d.impression, (message, res.draft.impression)
            assert "Impression" in res.reply and "\u2192" in res.reply, res.reply


# --- a flag question names an attribute in other words than the flag's --------------------------------------------

@pytest.mark.parametrize("dictation", ["Irreg pigmented lesion L thigh 8mm, 3 colours, asymmetric.",
                                       "Asymmetric brown and black macule R back 11 mm, irregular border."])
@pytest.mark.parametrize("topic, said", [("size", "diameter"), ("diameter", "diameter"), ("measurement", "diameter"),
                                          ("colour", "colour"), ("color", "colour"), ("shape", "asymmetr")])
def test_a_flag_question_about_an_attribute(host, dictation, topic, said):  # noqa: F811
    d, ctx = drafted(host, "skin_lesion", dictation)
    res = chat.handle(f"why is the {topic} flagged?", d, ctx)
    assert not res.changed and said in res.reply.lower() and "Rule:" in res.reply, res.reply


def test_a_flag_question_about_an_attribute_no_flag_states(host):  # noqa: F811
    d, ctx = drafted(host, "cxr", "Mild cardiomegaly. Lungs clear.")
    res = chat.handle("why is the size flagged?", d, ctx)
    assert not res.changed and "Rule:" not in res.reply, res.reply
