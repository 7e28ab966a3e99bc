"""Chat-shape coverage: does the review chat make a plain edit to the draft's own findings, whatever the finding,
the template and the wording?

Generated, seeded and deterministic (issue 13, round 9), as ``benchmarks/phrasing_shapes.py`` is for dictation.
For every built-in template (radiology ``cxr``, ``ct_chest``, ``mri_brain``; pathology ``breast-resection``;
dermatology ``skin_lesion``; ophthalmology ``fundus``, ``octa``) the finding words of the lexicon are calibrated by
``phrasing_shapes.calibrate`` (each drafted alone, kept when the draft states it in exactly one findings region, its
**home**). Concepts are split in halves by ``sha1(template:term)`` (the value family by ``sha1(template:group:value)``):
the **tune** half, whose failures ``--errors`` lists, and the **holdout** half, drawn with another seed, whose
failures are never printed (report it as the honest figure).

For each sampled concept a case is dictated ("65M SOB. Moderate effusion. Cardiomegaly.", an eye header for eyes,
the specimen line for pathology), drafted through the reporting service, and one chat turn is sent per **family**:

* ``severity``   "effusion is mild", "pls make the effusion severe", "should be mild", "not moderate but mild"
* ``side``       right -> left ("it's the left X", "L not R", "left rather than right"); OD -> OS for eyes; the
                 site's side (dermatology) and the specimen's side (pathology)
* ``size``       7 mm -> 9 mm (pathology 2.5 cm -> 3.2 cm; the size region where the template has one)
* ``location``   RUL -> LLL (chest), frontal -> parietal (brain), forearm -> thigh (skin site)
* ``value``      one value of a lexicon value group for another (type, grade, count; "it's lobular not ductal")
* ``deny``       "actually there is no X": the home states X denied, not X
* ``remove``     "remove the X", "drop the X", "get rid of the X": X is gone from its home
* ``add``        "there is also Y" (a finding not in the draft) and ``add_denied`` ("actually there is Y" where
                 the draft says "No Y.")
* ``move``       "move the X to <another region's label>"
* ``impression`` "take the X out of the impression" / "put the X in the impression"
* ``place``      a place said alone ("left", "on the L", "OS", "in the LLL", "on the thigh")
* ``undo``       "undo" (and its wordings) after an edit of the families above: the draft is back as it was

The wordings mix plain, polite and shorthand forms ("pls", "actually", "should be", "not X but Y", "X rather than
Y", "L not R"). Each turn is judged by ``benchmarks/dictation.py``'s :func:`judge_turn` (the new value stated in
the same region, the old one gone, every other findings region unchanged; undo: every region and the impression
as before the edit) and by the reply: a changed draft is shown as one before/after line (``→``) per changed region.
A case whose draft does not state what was dictated is **skipped** (counted, left to the dictation benchmarks).

Prints the pass rate per family, per specialty and per wording for each half; ``--errors N`` lists tune-half
failures. Exits 1 when the tune or holdout half's overall pass rate is below ``THRESHOLD``.

Figures (``python benchmarks/chat_shapes.py``; turns pass / turns judged):

BEFORE (the code of 90a23fb; the generator frozen in its own commit before any fix; no silent wrong edit):

    family        tune            holdout
    severity       19/24  79.2%    18/24  75.0%
    side           24/24 100.0%    20/24  83.3%
    size           14/19  73.7%    15/20  75.0%
    location       10/12  83.3%    10/13  76.9%
    value          12/13  92.3%    13/17  76.5%
    deny           26/28  92.9%    28/28 100.0%
    remove         20/28  71.4%    27/28  96.4%
    add            24/24 100.0%    24/24 100.0%
    add_denied     24/24 100.0%    24/24 100.0%
    move           25/28  89.3%    22/28  78.6%
    impression     16/28  57.1%    13/28  46.4%
    place          14/21  66.7%    20/28  71.4%
    undo           46/52  88.5%    46/55  83.6%
    ALL           274/325 84.3%   280/341 82.1%   (skipped 19 / 13)
    dermatology    47/57  82.5%    47/58  81.0%
    ophthalmology  57/76  75.0%    63/79  79.7%
    pathology      32/35  91.4%    35/42  83.3%
    radiology     138/157 87.9%   135/162 83.3%
    wording polite 18/51  35.3%    15/51  29.4%  ("pls ...", "... pls")

AFTER (the chat fixes of round 9, tuned on the tune half only; the holdout half's misses never looked at; gate 92%):

    family        tune            holdout
    severity       24/24 100.0%    24/24 100.0%
    side           24/24 100.0%    21/24  87.5%
    size           19/19 100.0%    17/20  85.0%
    location       11/12  91.7%    10/13  76.9%
    value          13/13 100.0%    17/17 100.0%
    deny           28/28 100.0%    28/28 100.0%
    remove         28/28 100.0%    28/28 100.0%
    add            24/24 100.0%    24/24 100.0%
    add_denied     24/24 100.0%    24/24 100.0%
    move           28/28 100.0%    27/28  96.4%
    impression     28/28 100.0%    27/28  96.4%
    place          17/21  81.0%    22/28  78.6%
    undo           52/52 100.0%    55/55 100.0%
    ALL           320/325 98.5%   324/341 95.0%   (skipped 19 / 13; no silent wrong edit)
    dermatology    52/57  91.2%    52/58  89.7%
    ophthalmology  76/76 100.0%    75/79  94.9%
    pathology      35/35 100.0%    40/42  95.2%
    radiology     157/157 100.0%  157/162 96.9%
    wording polite 50/51  98.0%    50/51  98.0%

Classes fixed (tune half): courtesy shorthand ("pls", "plz", "thx") was written into the report as a finding
(``agents/chat_courtesy.py``); "X not in the impression" was not read; "change moderate to mild" wrote the range
"moderate to mild"; a hyphenated finding name of skipped words ("drop-out") named nothing, so "capillary drop-out
is mild" rewrote the plexus sentences; a place said alone without a side ("parietal") was appended as a sentence
or not read (``agents/chat_forms.py``); "not 2.5 cm but 3.2 cm" cut the decimal and answered "already says".
Still missed (tune): a new skin site said alone or as a statement ("L thigh", "on the thigh", "the lesion is on the
left thigh" for "On the left forearm.") is not swapped in (the dermatology lexicon has no anatomy concept for body
sites; "the lesion is on the left thigh" even answers "already says"); "pls change forearm to thigh" for
"Asymmetry on the L forearm".

Round 10: the FREE-FORM families (``FREE_FAMILIES``; frozen in their own commit before any fix; their own seed, so
the turns of the families above are unchanged; scored apart as ``FREE``, never in ``ALL``). Shapes the held-out
writers use that the families above do not, with NONCE words (made-up finding, impression and plan words) where the
mechanism must not lean on the vocabulary:

* ``correct``         a correction with the old and new value in any order and a reason ("please correct A to B",
                      "B, not A, on review", "A should read B", "A is wrong, it should be B", "correct A -> B",
                      "the X is B on review, not A"), over severities and every VALUE_FRAMES value group
* ``restate``         a size restated with context ("it's 9 mm on my recheck of the coronal", "measures 9 mm on
                      the axial", "9 mm on re-measurement", "remeasured: 9 mm")
* ``relabel``         a finding called by another name, a nonce one half the time ("call that X a zorvic
                      granuloma", "it's a Y rather than a X", "X should be called Y", "rename the X to Y")
* ``impression_text`` "make the impression '<nonce text>'", "impression should read ...", "impression: ..."
* ``plan``            "put in the plan: start IV zorvatide", "add to the plan ...", "plan: ...", "plan is ..."
                      (the plan is written in the impression: no template has a plan region)
* ``status``          a finding's course ("say it's partially regressed", "it's stable", "mark the X as improved",
                      "X: increased"; "it" only where the draft has one finding)
* ``normal``          a structure said normal, in one or both eyes or on one side ("the macula is normal in both
                      eyes", "left lung is clear", "normal pleura")
* ``grade_words``     a grade or a count set in words ("grade is three", "three of twelve nodes positive")

BEFORE (the code of 1e24370; ``python benchmarks/chat_shapes.py --free-only``; no silent wrong edit):

    family          tune            holdout
    correct          31/39  79.5%    27/36  75.0%
    restate          10/12  83.3%     8/12  66.7%
    relabel           6/28  21.4%     6/28  21.4%
    impression_text  14/28  50.0%    13/28  46.4%
    plan              0/28   0.0%     0/28   0.0%
    status           10/28  35.7%    11/28  39.3%
    normal           15/19  78.9%    15/20  75.0%
    grade_words       1/3   33.3%     3/7   42.9%
    FREE             87/185 47.0%    83/187 44.4%

AFTER (``agents/chat_free.py``, tuned on the tune half only; the holdout half's misses never looked at; the families
above unchanged, item for item: ALL tune 320/338 94.7% and holdout 316/335 94.3% before and after on this base):

    family          tune            holdout
    correct          39/39 100.0%    36/36 100.0%
    restate          12/12 100.0%    12/12 100.0%
    relabel          28/28 100.0%    28/28 100.0%
    impression_text  28/28 100.0%    28/28 100.0%
    plan             28/28 100.0%    28/28 100.0%
    status           28/28 100.0%    27/28  96.4%
    normal           19/19 100.0%    20/20 100.0%
    grade_words       3/3  100.0%     7/7  100.0%
    FREE            185/185 100.0%  186/187 99.5%   (no silent wrong edit)

Classes fixed (tune half): the impression's new text in free form was read as a finding; a plan item was written as a
finding ("To the plan: ..." in Other) or not read; a correction's reason ("on review", "on my recheck of the
coronal") was written into the report; "A should read B", "correct A -> B", "it should say B instead of A" were not
read; a re-labelled finding ("call that X a Y", "X should be called Y") was appended as "X is called Y" or not read;
a course ("say it's stable", "X: increased") was read as a value of nothing or a denial; "normal pleura" where the
region states only its default was not written; a count or grade in words ("grade should be three") wrote "Three.".

Round 11: the IMPERATIVE families (``IMP_FAMILIES``; frozen in their own commit; their own seed, the turns above
unchanged; scored apart as ``IMP``, never in ``ALL``), with nonce remarks, impression and plan words:

* ``remove_remark``   a removal with a remark after it or its verb said last ("take the X out, <remark>", "X is
                      unnecessary, delete", "that X is artefact, take it out")
* ``imp_put``         "put T in the impression", "the impression should also mention T", "T should be mentioned in
                      the impression"
* ``plan_add``        "add P to the plan", "can you add P to the plan?"
* ``add_that``        "add that there is Y", "add that it has Y" (Y a finding of another region)
* ``region_finding``  "change the <structure> to <finding>" where the structure is said normal
* ``add_side_denial`` a finding added in the right eye where the draft says "No Y OU": the left eye's denial stays
* ``undo_named``      "bring the X back", "no, revert the X" after "remove the X"

    family           BEFORE (ef197af)            AFTER (agents/chat_imperatives.py; holdout misses never read)
                     tune          holdout       tune            holdout
    remove_remark    12/28         15/28         27/28           28/28
    imp_put          11/28         10/28         28/28           28/28
    plan_add         28/28         28/28         28/28           28/28
    add_that         17/24         17/24         24/24           24/24
    region_finding   16/16         10/16         16/16           16/16
    add_side_denial   0/4           0/4           4/4             4/4
    undo_named        0/28          0/28         27/28           28/28
    IMP              84/156 53.8%  80/156 51.3%  154/156 98.7%   156/156 100.0%   (no silent wrong edit)

Still missed (tune): "remove the kerley b lines" (the abbreviation "b" is read as "bilateral" inside a finding's
name, so the removal finds nothing; the plain ``remove`` family misses it too).

    python benchmarks/chat_shapes.py [--split tune|holdout|all] [--errors N] [--family F] [--template T] [--free-only]
                                     [--imp-only]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dictation import (  # noqa: E402
    TEMPLATE_CASE, ChatItem, ChatOutcome, Fact, _case, _host, _last_reply, _present, _state, draft_sections,
    judge_turn,
)
from phrasing_shapes import Concept, calibrate, half_of, lexicon_of  # noqa: E402

SEEDS = {"tune": 9, "holdout": 909}
#: Concepts sampled per template and half.
PER_TEMPLATE = 4
#: Gate on each half's overall pass rate (frozen logic; raised with the fixes, a few points under the figures).
THRESHOLD = 0.92

TEMPLATES = ("cxr", "ct_chest", "mri_brain", "breast-resection", "skin_lesion", "fundus", "octa")
EYE = frozenset({"fundus", "octa"})
FAMILIES = ("severity", "side", "size", "location", "value", "deny", "remove", "add", "add_denied", "move",
            "impression", "place", "undo")
QUESTIONS = {
    "cxr": ["SOB", "cough"], "ct_chest": ["SOB", "weight loss"], "mri_brain": ["headache", "seizure"],
    "breast-resection": ["screen detected"], "skin_lesion": ["skin check", "GP referral"],
    "fundus": ["diabetic screen"], "octa": ["reduced vision"],
}
SEVERITY_SAY = {"mild": ("mild", "mildly"), "moderate": ("moderate", "moderately"), "severe": ("severe", "severely"),
                "small": ("small",), "large": ("large",)}
LEFT = ("left",)
RIGHT = ("right",)
LEFT_EYE = ("left eye", "left", "os")
RIGHT_EYE = ("right eye", "right", "od")
LOBES = {"cxr": ("right upper lobe", ("right upper lobe", "rul"), "left lower lobe", ("left lower lobe", "lll"), "RUL",
                 "LLL"),
         "ct_chest": ("right upper lobe", ("right upper lobe", "rul"), "left lower lobe", ("left lower lobe", "lll"),
                      "RUL", "LLL"),
         "mri_brain": ("frontal lobe", ("frontal",), "parietal lobe", ("parietal",), "frontal", "parietal")}
SITES = ("forearm", "thigh")
#: The value family: (template, value group, dictation frame with {v}); the values come from the lexicon's group.
VALUE_FRAMES = [
    ("breast-resection", "histologic_type", "Invasive {v} carcinoma, 2.1 cm."),
    ("breast-resection", "dcis_nuclear_grade", "DCIS present, {v}."),
    ("skin_lesion", "morphology", "Solitary {v} on the L forearm, 5 mm."),
    ("skin_lesion", "color", "{v} papule on the L forearm."),
    ("ct_chest", "nodule_solidity", "6 mm {v} nodule RUL."),
    ("mri_brain", "arterial_territory", "Acute {v} territory infarct, right."),
    ("mri_brain", "extra_axial_space", "Small right {v} hematoma."),
    ("fundus", "dme_extent", "OD: DME, {v}."),
]
#: Counts and grades in numbers (pathology): (frame, old, new, say old, say new).
NUMBER_FRAMES = [
    ("breast-resection", "Invasive ductal carcinoma. {v} lymph nodes positive.", "2/12", "3/12",
     ("2/12", "2 of 12", "2 out of 12"), ("3/12", "3 of 12", "3 out of 12"), ["it's {new} nodes", "actually {new}",
                                                                              "nodes should be {new}"]),
    ("breast-resection", "Invasive ductal carcinoma, Nottingham grade {v}.", "2", "3", ("grade 2", "grade ii"),
     ("grade 3", "grade iii"), ["grade is {new}", "pls make it grade {new}", "grade should be {new}, not {old}",
                                "grade {new} rather than {old}"]),
]

# --- the wordings: {X} the finding, {old}/{new} the values, {label} a region's label ---------------------------

W_SEVERITY = ["{X} is {new}", "make the {X} {new}", "pls make the {X} {new}", "actually the {X} is {new}",
              "{X} should be {new}", "not {old} but {new}", "{new} rather than {old} {X}", "{new} {X}, not {old}",
              "change {old} to {new}", "the {X} is {new}, not {old}"]
W_SIDE = ["it's the {new} {X}", "the {X} is on the {new}", "{Xc} should be {new}", "actually {new} not {old}",
          "{ns} not {os}", "no, {ns}", "{new} rather than {old}", "not {old} but {new}",
          "pls change the {X} to {new}", "{X} is {new} sided"]
W_EYE = ["{X} is {ns}", "the {X} is in the {new} eye", "that should be {ns} not {os}", "{ns} rather than {os}",
         "actually it's the {new} eye", "pls change {X} to {ns}", "{X} {ns} not {os}", "not {os} but {ns}"]
W_SIZE = ["{X} is {new}", "{X} measures {new}, not {old}", "size should be {new}", "pls make it {new}",
          "{new} rather than {old}", "actually {new}", "not {old} but {new}", "the {X} is {new}"]
W_LOCATION = ["the {X} is in the {new}", "it's {ns} not {os}", "{X} should be {ns}", "{ns} rather than {os}",
              "actually the {X} is in the {new}", "not {os} but {ns}", "pls change {os} to {ns}"]
W_VALUE = ["it's {new}", "it's {new} not {old}", "{new} rather than {old}", "should be {new}", "actually {new}",
           "not {old} but {new}", "pls change {old} to {new}", "change {old} to {new}"]
W_DENY = ["no {X}", "actually there is no {X}", "there's no {X}", "{Xc} not seen", "no {X} actually",
          "pls mark the {X} as absent", "{Xc} is not present"]
W_REMOVE = ["remove the {X}", "pls delete the {X}", "drop the {X}", "get rid of the {X}", "take out the {X}",
            "remove {X} pls", "delete {X}"]
W_ADD = ["there is also {Y}", "also {Y}", "add {Y}", "pls add {Y}", "there's {Y} too", "{Yc} also present"]
W_ADD_DENIED = ["actually there is {Y}", "there is {Y}", "{Yc} is present", "{Yc} present, not absent",
                "pls change to {Y} present", "actually {Y} is present"]
W_MOVE = ["move the {X} to {label}", "put the {X} under {label}", "pls move {X} to {label}",
          "{Xc} belongs in {label}", "the {X} should be in {label}", "move {X} into {label}"]
W_IMP_OUT = ["take the {X} out of the impression", "remove the {X} from the impression", "{Xc} not in the impression",
             "pls drop the {X} from the impression", "leave the {X} out of the impression"]
W_IMP_IN = ["put the {X} in the impression", "add the {X} to the impression", "pls add {X} to the impression",
            "{Xc} should be in the impression", "include the {X} in the impression"]
W_PLACE_SIDE = ["{new}", "on the {ns}", "{new} side", "{ns}", "actually {new}", "{new} pls"]
W_PLACE_EYE = ["{ns}", "{new} eye", "in the {new} eye", "actually {ns}", "{ns} pls"]
W_PLACE_LOC = ["{ns}", "in the {new}", "actually {ns}", "{new}"]
W_UNDO = ["undo", "pls undo that", "scratch that", "revert", "undo the last change", "actually, put it back",
          "go back"]


def style_of(turn: str) -> str:
    t = turn.lower()
    for key, test in (("polite", r"\b(?:pls|please)\b"), ("actually", r"\bactually\b"), ("should", r"\bshould\b"),
                      ("not-but", r"\bnot \S+(?: \S+)? but\b"), ("rather", r"\brather than\b"),
                      ("shorthand", r"^\S+(?: \S+)?$|\bnot\b")):
        if re.search(test, t):
            return key
    return "plain"


@dataclass
class GenItem:
    item: ChatItem
    family: str
    before_facts: list[Fact] = field(default_factory=list)  # what the case's draft must state (else skipped)
    key: str = ""
    context: dict = field(default_factory=dict)


@dataclass
class Result:
    gen: GenItem
    verdict: str  # pass | fail | skipped
    reasons: list[str] = field(default_factory=list)
    reply: str = ""
    before: Any = None
    after: Any = None


def _fmt(w: str, **kw) -> str:
    x = kw.get("X", "")
    y = kw.get("Y", "")
    out = w.format(Xc=x[:1].upper() + x[1:], Yc=y[:1].upper() + y[1:], **kw)
    return out


def _demo(rng: random.Random, template: str) -> str:
    age = rng.randint(30, 85)
    sex = rng.choice("MF")
    return f"{rng.choice([f'{age}{sex}', f'{age} yo {sex}'])} {rng.choice(QUESTIONS[template])}."


def _regions(host, template: str) -> dict[str, str]:
    tpl = host.template(template)
    return {r.name: (r.label or r.name.replace('_', ' ')) for r in tpl.regions}


def _item(iid: str, template: str, half: str, dictation: str, turn: str, *, before=(), present=(), absent=(),
          unchanged=None, undo=False) -> ChatItem:
    return ChatItem(id=iid, kind="undo" if undo else "statement", split=half, template=template, dictation=dictation,
                    indication="", before=list(before), turn=turn, change=True, present=list(present),
                    absent=list(absent), unchanged=unchanged, undo=undo, reply_all=[], reply_any=(), reply_none=(),
                    flag_about=())


def _case_text(rng: random.Random, c: Concept, target: str, other: Concept | None, denied: Concept | None,
               specimen: str = "") -> str:
    t = c.template
    parts = [_demo(rng, t)]
    if t == "breast-resection":
        parts.append(specimen or "Mastectomy.")
    if t in EYE:
        parts.append(target if target.startswith(("OD", "OS", "OU")) else f"OD: {target}")
        if other:
            parts.append(f"OS: {other.term}.")
        if denied:
            parts.append(f"No {denied.term}.")
    else:
        body = [target]
        if other:
            body.append(f"{other.term.capitalize()}.")
        rng.shuffle(body)
        parts += body
        if denied:
            parts.append(f"No {denied.term}.")
    return " ".join(parts)


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def companions(c: Concept, pool: list[Concept]) -> list[Concept]:
    """The concepts a case may state beside ``c``: of another region, sharing no wording with it (every family
    builder draws its second finding from these)."""
    return [o for o in pool if o.home != c.home and not set(o.say) & set(c.say)]


def unlike(others: list[Concept], other: Concept | None) -> list[Concept]:
    """The companions a third finding of a case is drawn from: not ``other`` (the case's second finding), nor of its
    region, nor sharing its wording."""
    return [o for o in others if o is not other and (other is None or (o.home != other.home
                                                                       and not set(o.say) & set(other.say)))]


def build_concept_items(rng: random.Random, c: Concept, pool: list[Concept], half: str, regions: dict[str, str],
                        n0: int) -> list[GenItem]:
    t, X, say, home = c.template, c.term, c.say, c.home
    others = companions(c, pool)
    other = rng.choice(others) if others else None
    fresh = unlike(others, other)
    out: list[GenItem] = []
    n = [n0]

    def add(family: str, target: str, turn: str, before_facts, present=(), absent=(), *, unchanged=None,
            denied: Concept | None = None, specimen: str = "", prior: list[str] | None = None) -> None:
        dictation = _case_text(rng, c, target, other, denied, specimen)
        iid = f"{t}:{X}:{family}:{n[0]}"
        n[0] += 1
        facts = list(before_facts) + ([Fact(other.home, (other.say,))] if other else [])
        out.append(GenItem(_item(iid, t, half, dictation, turn, before=prior or (), present=present, absent=absent,
                                 unchanged=unchanged, undo=bool(prior)), family if not prior else "undo", facts,
                           key=f"{t}:{X}", context={"edit_family": family}))

    eye = t in EYE
    base = f"{_cap(X)}."
    plain = Fact(home, (say,))
    attrs = {"skin_lesion": ("size", "distribution_site"), "breast-resection": ("size", "laterality")}.get(t)
    # severity
    if t != "breast-resection":
        scale = [w for w in c.severity if w in SEVERITY_SAY and w != "moderate"] or ["mild", "severe"]
        old = "moderate" if "moderate" in c.severity or not c.severity or scale == ["mild", "severe"] else None
        if old is None:
            scale = [w for w in c.severity if w in SEVERITY_SAY]
            old, scale = (scale[0], scale[1:]) if len(scale) > 1 else ("moderate", ["mild"])
        new = rng.choice(scale)
        w = rng.choice(W_SEVERITY)
        turn = _fmt(w, X=X, old=old, new=new)
        add("severity", f"{_cap(old)} {X}.", turn, [Fact(home, (say, SEVERITY_SAY[old]))],
            [Fact(home, (say, SEVERITY_SAY[new]))], [Fact(home, (say, SEVERITY_SAY[old]))])
        sev_turn = (f"{_cap(old)} {X}.", turn, [Fact(home, (say, SEVERITY_SAY[old]))])
    else:
        sev_turn = None
    # side
    side_case = None
    if eye:
        w = rng.choice(W_EYE)
        turn = _fmt(w, X=X, old="right", new="left", os="OD", ns="OS")
        add("side", f"OD: {X}.", turn, [Fact(home, (say, RIGHT_EYE))], [Fact(home, (say, LEFT_EYE))],
            [Fact(home, (say, ("right eye",)))])
        side_case = (f"OD: {X}.", [Fact(home, (say, RIGHT_EYE))], [Fact(home, (say, LEFT_EYE))],
                     [Fact(home, (say, ("right eye",)))], W_PLACE_EYE, {"old": "right", "new": "left", "os": "OD",
                                                                        "ns": "OS"}, None)
    elif t == "skin_lesion":
        reg = attrs[1]
        w = rng.choice(W_SIDE)
        kw = {"old": "right", "new": "left", "os": "R", "ns": "L"}
        turn = _fmt(w, X=X, **kw)
        tgt = f"{_cap(X)} on the R forearm."
        bf = [Fact(reg, (RIGHT, ("forearm",)))]
        pres, abs_ = [Fact(reg, (LEFT, ("forearm",)))], [Fact(reg, (RIGHT, ("forearm",)))]
        add("side", tgt, turn, bf, pres, abs_)
        side_case = (tgt, bf, pres, abs_, W_PLACE_SIDE, kw, None)
    elif t == "breast-resection":
        reg = attrs[1]
        w = rng.choice(W_SIDE)
        kw = {"old": "right", "new": "left", "os": "R", "ns": "L"}
        turn = _fmt(w, X=X, **kw)
        keep = [r for r in regions if r not in (reg, "procedure", "impression", "indication")]
        add("side", base, turn, [Fact(reg, (RIGHT,))], [Fact(reg, (LEFT,))], [Fact(reg, (RIGHT,))],
            unchanged=keep, specimen="R breast mastectomy.")
        side_case = (base, [Fact(reg, (RIGHT,))], [Fact(reg, (LEFT,))], [Fact(reg, (RIGHT,))], W_PLACE_SIDE, kw, keep)
    else:
        w = rng.choice(W_SIDE)
        kw = {"old": "right", "new": "left", "os": "R", "ns": "L"}
        turn = _fmt(w, X=X, **kw)
        tgt = f"R {X}."
        bf = [Fact(home, (say, RIGHT))]
        pres, abs_ = [Fact(home, (say, LEFT))], [Fact(home, (say, RIGHT))]
        add("side", tgt, turn, bf, pres, abs_)
        side_case = (tgt, bf, pres, abs_, W_PLACE_SIDE, kw, None)
    # size
    if not eye:
        o, nw = ("2.5 cm", "3.2 cm") if t == "breast-resection" else ("7 mm", "9 mm")
        reg = attrs[0] if attrs and (t == "skin_lesion" or home == "histologic_type") else home
        groups_old = ((o,),) if reg != home else (say, (o,))
        groups_new = ((nw,),) if reg != home else (say, (nw,))
        w = rng.choice(W_SIZE)
        turn = _fmt(w, X=X, old=o, new=nw)
        add("size", f"{_cap(X)} {o.replace(' ', '')}.", turn, [Fact(reg, groups_old)], [Fact(reg, groups_new)],
            [Fact(reg, groups_old)])
    # location
    if t in LOBES:
        old_w, old_say, new_w, new_say, os_, ns_ = LOBES[t]
        w = rng.choice(W_LOCATION)
        kw = {"old": old_w, "new": new_w, "os": os_, "ns": ns_}
        turn = _fmt(w, X=X, **kw)
        tgt = f"{_cap(X)} in the {os_}." if t != "mri_brain" else f"{_cap(X)} in the {old_w}."
        add("location", tgt, turn, [Fact(home, (say, old_say))], [Fact(home, (say, new_say))],
            [Fact(home, (say, old_say))])
        if rng.random() < 0.5:
            w = rng.choice(W_PLACE_LOC)
            add("place", tgt, _fmt(w, X=X, **kw), [Fact(home, (say, old_say))], [Fact(home, (say, new_say))],
                [Fact(home, (say, old_say))])
    elif t == "skin_lesion":
        reg = attrs[1]
        w = rng.choice(W_LOCATION)
        kw = {"old": "forearm", "new": "thigh", "os": "forearm", "ns": "thigh"}
        turn = _fmt(w, X=X, **kw)
        tgt = f"{_cap(X)} on the L forearm."
        add("location", tgt, turn, [Fact(reg, (("forearm",),))], [Fact(reg, (("thigh",),))],
            [Fact(reg, (("forearm",),))])
        w = rng.choice(["on the thigh", "thigh", "actually the thigh", "L thigh"])
        add("place", tgt, w, [Fact(reg, (("forearm",),))], [Fact(reg, (("thigh",),))], [Fact(reg, (("forearm",),))])
    # a side said alone
    if side_case and rng.random() < 0.7:
        tgt, bf, pres, abs_, words, kw, keep = side_case
        add("place", tgt, _fmt(rng.choice(words), X=X, **kw), bf, pres, abs_, unchanged=keep,
            specimen="R breast mastectomy." if t == "breast-resection" else "")
    # deny
    tgt = f"OD: {X}." if eye else base
    add("deny", tgt, _fmt(rng.choice(W_DENY), X=X), [plain], [Fact(home, (say,), polarity="negative")], [plain])
    # remove
    add("remove", tgt, _fmt(rng.choice(W_REMOVE), X=X), [plain], [], [plain])
    # add a new finding (and one the draft denies)
    if fresh:
        y = rng.choice(fresh)
        turn = _fmt(rng.choice(W_ADD), Y=y.term) + (" OS" if eye else "")
        pres = [Fact(y.home, (y.say,) + ((LEFT_EYE,) if eye else ()))]
        add("add", tgt, turn, [plain], pres, [])
        add_turn = (tgt, turn, [plain])
        z = rng.choice(fresh)
        turn = _fmt(rng.choice(W_ADD_DENIED), Y=z.term)
        add("add_denied", tgt, turn, [plain, Fact(z.home, (z.say,), polarity="negative")],
            [Fact(z.home, (z.say,))], [Fact(z.home, (z.say,), polarity="negative")], denied=z)
    else:
        add_turn = None
    # move to another findings region
    targets = [r for r in regions if r not in (home, "impression", "indication") and not (attrs and r in attrs)
               and (other is None or r != other.home)]
    if targets:
        r = rng.choice(targets)
        label = re.sub(r"\s*\(.*?\)", "", regions[r]).lower()  # "pathologic stage", not its bracket
        turn = _fmt(rng.choice(W_MOVE), X=X, label=label)
        add("move", tgt, turn, [plain], [Fact(r, (say,))], [plain])
        move_turn = (tgt, turn, [plain])
    else:
        move_turn = None
    # the impression: out when the draft puts it there, in otherwise (decided on the draft, see run_item)
    add("impression", tgt, "", [plain])
    out[-1].context["impression"] = (rng.choice(W_IMP_OUT), rng.choice(W_IMP_IN), X, say)
    # undo after an edit of two families
    edits = [e for e in (sev_turn, add_turn, move_turn) if e] + [(tgt, _fmt(rng.choice(W_REMOVE), X=X), [plain])]
    if side_case:
        edits.append((side_case[0], _fmt(rng.choice(W_EYE if eye else W_SIDE), X=X, **side_case[5]), side_case[1]))
    for tg, turn, bf in rng.sample(edits, min(2, len(edits))):
        add("undo", tg, rng.choice(W_UNDO), bf, prior=[turn],
            specimen="R breast mastectomy." if t == "breast-resection" and tg == base else "")
    return out


def _value_group_items(rng: random.Random, half: str, templates, family: str, wordings, *salt: str) -> list[GenItem]:
    """Items of ``family``: a case stating one value of a lexicon value group (``VALUE_FRAMES``), and a turn in one of
    ``wordings`` that changes it to another value of the group; ``salt`` keeps a family's halves its own."""
    out: list[GenItem] = []
    for t, group, frame in VALUE_FRAMES:
        if t not in templates:
            continue
        values = list(dict.fromkeys(lexicon_of(t).value_groups.get(group, ())))
        mine = [v for v in values if _vhalf(t, group, v, *salt) == half]
        if len(values) < 2 or not mine:
            continue
        for old in sorted(rng.sample(mine, min(2, len(mine)))):
            new = rng.choice([v for v in values if v != old and old not in v and v not in old] or
                             [v for v in values if v != old])
            turn = _fmt(rng.choice(wordings), old=old, new=new)
            dictation = f"{_demo(rng, t)} " + ("Mastectomy. " if t == "breast-resection" else "") + \
                frame.format(v=old)
            gi = GenItem(_item(f"{t}:{group}:{old}:{family}", t, half, dictation, turn), family, [],
                         key=f"{t}:{group}:{old}")
            gi.context["value"] = (old, new)
            out.append(gi)
    return out


def build_value_items(rng: random.Random, half: str, templates) -> list[GenItem]:
    out = _value_group_items(rng, half, templates, "value", W_VALUE)
    for t, frame, old, new, say_old, say_new, words in NUMBER_FRAMES:
        if t not in templates or _vhalf(t, frame, old) != half:
            continue
        for w in rng.sample(words, 2):
            dictation = f"{_demo(rng, t)} Mastectomy. " + frame.format(v=old)
            gi = GenItem(_item(f"{t}:{old}->{new}:{w}:value", t, half, dictation, _fmt(w, old=old, new=new)), "value",
                         [], key=f"{t}:{frame}")
            gi.context["value"] = (say_old, say_new)
            out.append(gi)
    return out


# --- round 10: the free-form families (shapes held-out writers use that the families above do not) -------------
#
# Generated with their own seed after the families above (whose turns are unchanged). Nonce words stand for the
# finding, impression and plan words wherever the mechanism must not lean on the vocabulary.

FREE_FAMILIES = ("correct", "restate", "relabel", "impression_text", "plan", "status", "normal", "grade_words")
FREE_SEED = 1010
NONCE_FINDINGS = ("zorvic granuloma", "blorvic cyst", "kellner lesion", "tramulent nodule", "quessic plaque",
                  "dravine body", "morlith focus", "pelquin scar")
NONCE_IMPRESSIONS = (("blorvic degeneration, likely benign", "blorvic"), ("Kellner sign, in keeping with zorvic change",
                     "kellner"), ("morlith dystrophy, stable", "morlith"), ("quessic plaque, no further action",
                                                                            "quessic"))
NONCE_PLANS = (("start IV zorvatide", "zorvatide"), ("repeat Kellner scan in 3 months", "kellner"),
               ("refer to the blorvic clinic", "blorvic"), ("trial of oral quessamine", "quessamine"),
               ("tramulography in 6 weeks", "tramulography"))
STATUS_SAY = {"partially regressed": ("partially regressed", "partial regression"), "resolved": ("resolved",),
              "stable": ("stable",), "improved": ("improved", "improving"), "increased": ("increased",),
              "unchanged": ("unchanged",), "progressed": ("progressed", "progression")}
#: A structure said normal: (template, region, the words said, the words the judge reads with a normal word)
STRUCTURES = {
    "cxr": [("lung", "left lung", ("lung",)), ("heart", "heart", ("heart", "cardiac")),
            ("mediastinal", "mediastinum", ("mediastinum", "mediastinal"))],
    "ct_chest": [("pleura", "pleura", ("pleura", "pleural")), ("upper_abdomen", "upper abdomen", ("abdomen",)),
                 ("mediastinum_hila", "mediastinum", ("mediastinum", "mediastinal"))],
    "mri_brain": [("ventricles_extraaxial", "ventricles", ("ventricles", "ventricular")),
                  ("vessels", "vessels", ("vessels", "flow voids"))],
    "fundus": [("macula", "macula", ("macula", "macular")), ("optic_disc", "optic disc", ("disc", "discs")),
               ("vessels", "retinal vessels", ("vessels",))],
    "octa": [("faz", "FAZ", ("faz", "foveal avascular zone")),
             ("neovascularization", "neovascularization", ("neovascularization", "nv"))],
}
NORMAL_SAY = ("normal", "clear", "unremarkable", "healthy", "within normal limits", "no abnormality")

W_CORRECT_V = ["please correct {old} to {new}", "{new}, not {old}, on review", "on review it's {new} rather than {old}",
               "{old} is wrong, it should be {new}", "correct {old} -> {new}", "it should say {new} instead of {old}",
               "{old} should read {new}", "{new} not {old} on second look", "replace {old} with {new} please",
               "on reflection {new}, not {old}"]
W_CORRECT_X = ["the {X} is {new} on review, not {old}", "{Xc}: {new}, not {old}", "correct the {X} to {new}",
               "on second look the {X} is {new} rather than {old}", "please correct {old} {X} to {new} {X}",
               "{new} {X} on review, not {old}"]
W_RESTATE = ["it's {new} on my recheck of the coronal", "{X} measures {new} on the axial", "{new} on re-measurement",
             "remeasured: {new}", "the {X} is {new} on my recheck", "on the sagittal it measures {new}",
             "measures {new} on the axial", "{Xc} {new} when remeasured"]
W_RELABEL = ["call that {X} a {Y}", "it's a {Y} rather than a {X}", "relabel the {X} as {Y}",
             "the {X} is actually a {Y}", "{Xc} should be called {Y}", "that's a {Y}, not a {X}",
             "rename the {X} to {Y}", "call it a {Y} instead of {X}"]
W_IMP_TEXT = ["make the impression '{T}'", "impression should read {T}", "impression: {T}",
              "change the impression to {T}", "the impression should say {T}", "replace the impression with {T}",
              "rewrite the impression as: {T}", "make the impression \"{T}\""]
W_PLAN = ["put in the plan: {P}", "add to the plan {P}", "plan: {P}", "add plan: {P}", "please add to the plan: {P}",
          "plan is {P}", "put {P} in the plan"]
W_STATUS = ["say it's {s}", "it's {s}", "now {s}", "the {X} is {s}", "say the {X} is {s}", "mark the {X} as {s}",
            "{Xc} now {s}", "{Xc}: {s}"]
W_NORMAL = ["the {S} is normal", "{S} normal", "{Sc} is clear", "{Sc} unremarkable", "normal {S}"]
W_NORMAL_EYE = ["the {S} is normal in both eyes", "{S} normal OU", "{Sc} is normal in the left eye",
                "left {S} is normal", "{S} healthy both eyes", "{Sc} normal in both eyes"]
SPOKEN = {"2": "two", "3": "three", "12": "twelve"}
WORD_FRAMES = [
    ("Invasive ductal carcinoma. {v} lymph nodes positive.", "2/12",
     ("2/12", "2 of 12", "2 out of 12", "two of twelve"), ("3/12", "3 of 12", "3 out of 12", "three of twelve"),
     ["three of twelve nodes positive", "nodes: three of twelve", "it's three out of twelve nodes",
      "make it three of twelve nodes", "change two of twelve to three of twelve nodes"]),
    ("Invasive ductal carcinoma, Nottingham grade {v}.", "2", ("grade 2", "grade ii", "grade two"),
     ("grade 3", "grade iii", "grade three"),
     ["grade is three", "make it grade three", "grade three, not two", "grade should be three", "it's grade three"]),
]


def build_free_items(rng: random.Random, c: Concept, pool: list[Concept], half: str, regions: dict[str, str],
                     n0: int) -> list[GenItem]:
    """The free-form families for one sampled concept (see FREE_FAMILIES)."""
    t, X, say, home = c.template, c.term, c.say, c.home
    eye = t in EYE
    others = companions(c, pool)
    other = rng.choice(others) if others else None
    out: list[GenItem] = []
    n = [n0]

    def add(family: str, target: str, turn: str, before_facts, present=(), absent=(), *, unchanged=None,
            alone: bool = False, change: bool | None = True) -> None:
        oth = None if alone else other
        dictation = _case_text(rng, c, target, oth, None)
        iid = f"{t}:{X}:{family}:f{n[0]}"
        n[0] += 1
        facts = list(before_facts) + ([Fact(oth.home, (oth.say,))] if oth else [])
        it = _item(iid, t, half, dictation, turn, present=present, absent=absent, unchanged=unchanged)
        it.change = change
        out.append(GenItem(it, family, facts, key=f"{t}:{X}", context={"edit_family": family}))

    base = f"{_cap(X)}."
    tgt = f"OD: {X}." if eye else base
    plain = Fact(home, (say,))
    # correct: a severity corrected in free form (old and new in any order, with a reason)
    if t != "breast-resection":
        new = rng.choice(["mild", "severe"])
        w = rng.choice(W_CORRECT_X + W_CORRECT_V)
        add("correct", f"Moderate {X}.", _fmt(w, X=X, old="moderate", new=new),
            [Fact(home, (say, SEVERITY_SAY["moderate"]))], [Fact(home, (say, SEVERITY_SAY[new]))],
            [Fact(home, (say, SEVERITY_SAY["moderate"]))])
    # restate: a size restated with where it was measured
    if not eye and t not in ("breast-resection", "skin_lesion"):
        add("restate", f"{_cap(X)} 7mm.", _fmt(rng.choice(W_RESTATE), X=X, new="9 mm"), [Fact(home, (say, ("7 mm",)))],
            [Fact(home, (say, ("9 mm",)))], [Fact(home, (say, ("7 mm",)))])
    # relabel: the finding called by another name (a nonce name half the time, a lexicon finding of its home else)
    same_home = [o for o in pool if o.home == home and o is not c and not set(o.say) & set(say)
                 and not set(o.term.split()) & set(X.split())]
    if same_home and rng.random() < 0.5:
        y = rng.choice(same_home)
        y_term, y_say = y.term, y.say
    else:
        y_term = rng.choice(NONCE_FINDINGS)
        y_say = (y_term,)
    add("relabel", tgt, _fmt(rng.choice(W_RELABEL), X=X, Y=y_term), [plain], [Fact(home, (y_say,))],
        [Fact(home, (say,), forbidden=y_say)])
    # the impression's text, and a plan, said in free form (nonce words)
    text, key = rng.choice(NONCE_IMPRESSIONS)
    findings = [r for r in regions if r not in ("impression", "indication")]
    add("impression_text", tgt, rng.choice(W_IMP_TEXT).format(T=text), [plain], [Fact("impression", ((key,),))],
        unchanged=findings)
    plan, key = rng.choice(NONCE_PLANS)
    add("plan", tgt, rng.choice(W_PLAN).format(P=plan), [plain], [Fact("impression", ((key,),))], unchanged=findings)
    # status: the finding's course said in words ("it" only when the draft has one finding)
    s = rng.choice(list(STATUS_SAY))
    w = rng.choice(W_STATUS)
    alone = "{X" not in w
    add("status", tgt, _fmt(w, X=X, s=s), [plain], [Fact(home, (say, STATUS_SAY[s]), polarity="any")], alone=alone)
    # normal: a structure said normal (in one or both eyes, on one side)
    cands = [st for st in STRUCTURES.get(t, []) if st[0] != home and (other is None or st[0] != other.home)]
    if cands:
        region, said, words = rng.choice(cands)
        w = rng.choice(W_NORMAL_EYE if eye else W_NORMAL)
        turn = w.format(S=said, Sc=_cap(said))
        add("normal", tgt, turn, [plain], [Fact(region, (words, NORMAL_SAY), polarity="any")], change=None)
    return out


def build_free_value_items(rng: random.Random, half: str, templates) -> list[GenItem]:
    """``correct`` over the lexicon's value groups, and ``grade_words`` (a grade or count said in words)."""
    out = _value_group_items(rng, half, templates, "correct", W_CORRECT_V, "free")
    for frame, old, say_old, say_new, words in WORD_FRAMES:
        if "breast-resection" not in templates:
            continue
        for w in words:
            if _vhalf(frame, w) != half:
                continue
            dictation = f"{_demo(rng, 'breast-resection')} Mastectomy. " + frame.format(v=old)
            gi = GenItem(_item(f"breast-resection:{w}:grade_words", "breast-resection", half, dictation, w),
                         "grade_words", [], key=f"breast-resection:{frame}")
            gi.context["value"] = (say_old, say_new)
            out.append(gi)
    return out


# --- round 10, fixer chat11s: STATEMENT families ----------------------------------------------------------------
# A statement merged as dictation, with the asides clinicians put around it. Their own seed (the turns above are
# unchanged); scored apart as ``STMT``, never in ``ALL`` or ``FREE``.

STATEMENT_FAMILIES = ("aside", "not_n", "contradicted")
STATEMENT_SEED = 1111
ASIDE_LEADS = ("sorry, ", "sorry - ", "my mistake - ", "my bad, ", "oops, ", "correction: ", "I missed that - ",
               "apologies, ", "just seen the old films - ", "having looked again, ", "")
ASIDE_TAILS = (", I missed that", ", sorry", " - my mistake", ", I missed it first time round", " after all",
               ", I didn't mention it before", ", my bad", "")
#: words of an aside: none may be written into the report
ASIDE_WORDS = ("sorry", "mistake", "missed", "oops", "apologies", "my bad", "after all", "correction")
W_ASIDE_SEV = ["the {X} is {new}", "{X} is {new}", "the {X} is {new} actually", "it's {new} {X}"]
W_NOT_N = ["the {X} is {new}, not {o}", "{X} {new} not {o}", "{new}, not {o}", "it's nearer {new}, not {o}",
           "the {X} measures {new} not {o}", "{X} is {new} rather than {o}"]
W_CONTRA = ["there is {Z}", "there IS {Z}", "actually there is {Z}", "{Zc} is present", "there's {Z}"]
W_CONTRA_EYE = ["there is {Z} in the left eye", "the left eye has {Z}", "{Zc} in the left eye", "{Zc} OS",
                "there is {Z} OS"]


def _aside(rng: random.Random, turn: str) -> str:
    lead, tail = rng.choice(ASIDE_LEADS), rng.choice(ASIDE_TAILS)
    if not lead and not tail:
        lead = "sorry, "
    return lead + turn + tail


def build_statement_items(rng: random.Random, c: Concept, pool: list[Concept], half: str, regions: dict[str, str],
                          n0: int) -> list[GenItem]:
    """The statement families for one sampled concept (see STATEMENT_FAMILIES)."""
    t, X, say, home = c.template, c.term, c.say, c.home
    eye = t in EYE
    others = companions(c, pool)
    out: list[GenItem] = []
    n = [n0]
    no_aside = Fact(home, (ASIDE_WORDS,), polarity="any")

    def add(family: str, dictation: str, turn: str, before_facts, present=(), absent=()) -> None:
        iid = f"{t}:{X}:{family}:s{n[0]}"
        n[0] += 1
        it = _item(iid, t, half, dictation, turn, present=present, absent=absent)
        out.append(GenItem(it, family, list(before_facts), key=f"{t}:{X}", context={"edit_family": family}))

    demo = _demo(rng, t) + (" Mastectomy." if t == "breast-resection" else "")
    # aside: a severity said with an apology or a miss owned around it
    if t != "breast-resection":
        new = rng.choice(["mild", "severe"])
        head = f"OD: moderate {X}." if eye else f"Moderate {X}."
        add("aside", f"{demo} {head}", _aside(rng, _fmt(rng.choice(W_ASIDE_SEV), X=X, new=new)),
            [Fact(home, (say, SEVERITY_SAY["moderate"]))], [Fact(home, (say, SEVERITY_SAY[new]))],
            [Fact(home, (say, SEVERITY_SAY["moderate"])), no_aside])
    # not_n: a size corrected with the old value said after "not" (its unit said or not)
    if not eye and t not in ("breast-resection", "skin_lesion"):
        o = rng.choice(["7", "7 mm"])
        turn = _fmt(rng.choice(W_NOT_N), X=X, new="9 mm", o=o)
        add("not_n", f"{demo} {_cap(X)} 7mm.", _aside(rng, turn) if rng.random() < 0.5 else turn,
            [Fact(home, (say, ("7 mm",)))], [Fact(home, (say, ("9 mm",)))], [Fact(home, (say, ("7 mm",))), no_aside])
    # contradicted: a finding the draft denies said present (for one eye of a denial of both: the other eye keeps it)
    if others:
        z = rng.choice(others)
        zhome = z.home
        if eye:
            dictation = f"{demo} OU: no {z.term}. OD: {X}."
            turn = _fmt(rng.choice(W_CONTRA_EYE), Z=z.term, Zc=_cap(z.term))
            add("contradicted", dictation, _aside(rng, turn) if rng.random() < 0.5 else turn,
                [Fact(zhome, (z.say,), polarity="negative")],
                [Fact(zhome, (z.say, LEFT_EYE)), Fact(zhome, (z.say, RIGHT_EYE), polarity="negative")],
                [Fact(zhome, (z.say, ("both eyes", "ou", "bilateral", "either eye")), polarity="negative"),
                 Fact(zhome, (ASIDE_WORDS,), polarity="any")])
        else:
            dictation = f"{demo} {_cap(X)}. No {z.term}."
            turn = _fmt(rng.choice(W_CONTRA), Z=z.term, Zc=_cap(z.term))
            add("contradicted", dictation, _aside(rng, turn) if rng.random() < 0.5 else turn,
                [Fact(zhome, (z.say,), polarity="negative")], [Fact(zhome, (z.say,))],
                [Fact(zhome, (z.say,), polarity="negative"), Fact(zhome, (ASIDE_WORDS,), polarity="any")])
    return out


# --- round 11: the imperative families (shapes of imperative turns the families above do not make) -----------
#
# Their own seed after the families above and the free-form ones (whose turns are unchanged); scored apart as
# ``IMP``. Nonce words stand for remarks, impression and plan text.

IMP_FAMILIES = ("remove_remark", "imp_put", "plan_add", "add_that", "region_finding", "add_side_denial",
                "undo_named")
IMP_SEED = 1111
NONCE_REMARKS = ("I didn't actually measure it", "irrelevant here", "not needed for the blorvic clinic",
                 "the kellner team asked", "wrong series", "not relevant for this referral")
NONCE_WHY = ("projection artefact", "unnecessary", "irrelevant for this question", "a morlith artefact",
             "not needed")
W_REMOVE_REMARK = ["take the {X} out, {R}", "delete the bit about the {X}, {R}", "{Xc} is {W}, delete",
                   "that {X} is {W}, take it out", "scrap the {X} - {R}", "remove the {X}, {R}",
                   "the {X} is {W}, get rid of it", "{Xc} is {W} - lose it"]
W_IMP_PUT = ["put {T} in the impression", "the impression should also mention {T}",
             "{T} should be mentioned in the impression", "add {T} to the impression",
             "impression should mention {T}", "{T} needs to go in the impression"]
W_PLAN_ADD = ["add {P} to the plan", "please add {P} to the plan", "add to the plan: {P}", "pls add {P} to the plan",
              "can you add {P} to the plan?", "put {P} in the plan"]
W_ADD_THAT = ["add that there is {Y}", "add that there is also {Y}", "note that there is {Y}", "add that it has {Y}",
              "please add that there's {Y}", "mention that there is {Y}"]
W_REGION_FINDING = ["change the {S} to {Y}", "pls change the {S} to {Y}", "change the {S} to {sev} {Y}",
                    "update the {S} to {Y}", "set the {S} to {Y}"]
W_ADD_SIDE = ["add {Y} in the right eye", "add {Y} OD", "pls add {Y} in the right eye", "add {Y} to the right eye",
              "there is also {Y} OD", "add some {Y} OD"]
W_UNDO_NAMED = ["bring the {X} back", "no, revert the {X}", "put the {X} back as it was", "hmm, restore the {X} as it was",
                "scrap that, put the {X} back", "undo the {X} removal", "put the {X} back"]


def build_imp_items(rng: random.Random, c: Concept, pool: list[Concept], half: str, regions: dict[str, str],
                    n0: int) -> list[GenItem]:
    """The imperative families for one sampled concept (see IMP_FAMILIES)."""
    t, X, say, home = c.template, c.term, c.say, c.home
    eye = t in EYE
    others = companions(c, pool)
    other = rng.choice(others) if others else None
    out: list[GenItem] = []
    n = [n0]
    findings = [r for r in regions if r not in ("impression", "indication")]

    def add(family: str, target: str, turn: str, before_facts, present=(), absent=(), *, unchanged=None,
            prior=(), extra: str = "", denied: Concept | None = None) -> None:
        dictation = _case_text(rng, c, target, other, denied) + (f" {extra}" if extra else "")
        iid = f"{t}:{X}:{family}:i{n[0]}"
        n[0] += 1
        facts = list(before_facts) + ([Fact(other.home, (other.say,))] if other else [])
        it = _item(iid, t, half, dictation, turn, before=prior, present=present, absent=absent, unchanged=unchanged,
                   undo=bool(prior))
        it.kind = "imperative" if not prior else "undo"
        out.append(GenItem(it, family, facts, key=f"{t}:{X}", context={"edit_family": family}))

    tgt = f"OD: {X}." if eye else f"{_cap(X)}."
    plain = Fact(home, (say,))
    # a removal with a remark, or with its verb said last
    w = rng.choice(W_REMOVE_REMARK)
    add("remove_remark", tgt, _fmt(w, X=X, R=rng.choice(NONCE_REMARKS), W=rng.choice(NONCE_WHY)), [plain], [], [plain])
    # the impression and the plan, said as imperatives (nonce words)
    text, key = rng.choice(NONCE_IMPRESSIONS)
    add("imp_put", tgt, rng.choice(W_IMP_PUT).format(T=text), [plain], [Fact("impression", ((key,),))],
        unchanged=findings)
    plan, key = rng.choice(NONCE_PLANS)
    add("plan_add", tgt, rng.choice(W_PLAN_ADD).format(P=plan), [plain], [Fact("impression", ((key,),))],
        unchanged=findings)
    # "add that <clause>": a finding of another region, placed by the drafter
    fresh = unlike(others, other)
    if fresh:
        y = rng.choice(fresh)
        turn = rng.choice(W_ADD_THAT).format(Y=y.term) + (" OS" if eye else "")
        add("add_that", tgt, turn, [plain], [Fact(y.home, (y.say,) + ((LEFT_EYE,) if eye else ()))])
    # "change the <structure> to <finding>": the structure's normal sentence gives way to the finding
    cands = [(st, y) for st in STRUCTURES.get(t, []) for y in pool
             if y.home == st[0] and st[0] != home and (other is None or st[0] != other.home)
             and not set(y.term.split()) & set(" ".join(st[2]).split())]
    if cands:
        (region, said, words), y = rng.choice(cands)
        sev = rng.choice(["mild", "moderate", "severe"])
        turn = _fmt(rng.choice(W_REGION_FINDING), S=said, Y=y.term, sev=sev)
        extra = f"{'OU' if eye else ''} {_cap(said)} normal.".strip()
        add("region_finding", tgt, turn, [plain, Fact(region, (words, NORMAL_SAY), polarity="any")],
            [Fact(region, (y.say,))], [Fact(region, (words, NORMAL_SAY), polarity="any")], extra=extra)
    # eyes: a finding added in one eye where the draft denies it in both: the other eye's denial stays
    if eye and fresh:
        z = rng.choice(fresh)
        turn = rng.choice(W_ADD_SIDE).format(Y=z.term)
        add("add_side_denial", tgt, turn, [plain, Fact(z.home, (z.say,), polarity="negative")],
            [Fact(z.home, (z.say, RIGHT_EYE)), Fact(z.home, (z.say, LEFT_EYE), polarity="negative")],
            [Fact(z.home, (z.say, ("both eyes", "either eye", "ou")), polarity="negative")],
            extra=f"No {z.term} OU.")
    # an undo that names what the last change removed
    add("undo_named", tgt, _fmt(rng.choice(W_UNDO_NAMED), X=X), [plain], prior=[f"remove the {X}"])
    return out


def _vhalf(*parts: str) -> str:
    return "holdout" if int(hashlib.sha1(":".join(parts).encode()).hexdigest(), 16) % 2 else "tune"


def generate(half: str, host, templates=TEMPLATES, free: bool = True, statement: bool = True,
             imp: bool = True) -> list[GenItem]:
    """The chat turns of one half, deterministic for its seed (``free``: with the round-10 families;
    ``statement``: with the statement families of fixer chat11s; ``imp``: with the round-11 imperative families)."""
    rng = random.Random(SEEDS[half])
    out: list[GenItem] = []
    samples = []
    for t in templates:
        pool = calibrate(t, host)
        mine = [c for c in pool if half_of(c) == half]
        sample = sorted(rng.sample(mine, min(PER_TEMPLATE, len(mine))), key=lambda c: c.term)
        regions = _regions(host, t)
        for c in sample:
            out += build_concept_items(rng, c, pool, half, regions, len(out))
        samples.append((sample, pool, regions))
    out += build_value_items(rng, half, templates)
    if free:  # the round-10 families: their own seed, the turns above unchanged
        frng = random.Random(FREE_SEED + SEEDS[half])
        for sample, pool, regions in samples:
            for c in sample:
                out += build_free_items(frng, c, pool, half, regions, len(out))
        out += build_free_value_items(frng, half, templates)
    if statement:  # the statement families: their own seed, the turns above unchanged
        srng = random.Random(STATEMENT_SEED + SEEDS[half])
        for sample, pool, regions in samples:
            for c in sample:
                out += build_statement_items(srng, c, pool, half, regions, len(out))
    if imp:  # the round-11 imperative families: their own seed, the turns above unchanged
        irng = random.Random(IMP_SEED + SEEDS[half])
        for sample, pool, regions in samples:
            for c in sample:
                out += build_imp_items(irng, c, pool, half, regions, len(out))
    return out


# --- running and judging -----------------------------------------------------------------------------------


def _sentences_with(draft, region: str, terms) -> bool:
    return _present(Fact(region, (tuple(terms),)), draft_sections(draft, include_defaults=True))


def _value_region(draft, value) -> str | None:
    sections = draft_sections(draft)
    terms = (value,) if isinstance(value, str) else tuple(value)
    for r, sents in sections.items():
        if r in ("impression", "indication"):
            continue
        if any(_present(Fact(r, (terms,)), {r: [s]}) for s in sents):
            return r
    return None


def reply_lines_ok(before, after, reply: str) -> list[str]:
    """A changed draft is shown as one before/after line per changed region (the impression when only it changed)."""
    b_regions, b_imp = _state(before)
    a_regions, a_imp = _state(after)
    changed = [r for r in a_regions if a_regions[r] != b_regions.get(r)]
    if not changed and a_imp == b_imp:
        return []
    lines, entry = [], ""
    for ln in reply.splitlines():  # an entry is "- Label: “before” → “after”", the texts may run over lines
        if ln.startswith("- ") and entry:
            lines.append(entry)
            entry = ""
        entry += ln + "\n" if (entry or ln.startswith("- ")) else ""
    lines = [e for e in lines + [entry] if "→" in e]
    labels = {r: before.region_labels.get(r, r) for r in before.regions}
    need = changed or ["impression"]
    missing = [r for r in need if not any(labels.get(r, r).lower() in ln.lower() or r.replace("_", " ") in ln.lower()
                                          for ln in lines)]
    return [f"reply shows no before/after line for {', '.join(missing)}"] if missing else []


def _rehomed(gen: GenItem, sections: dict[str, list[str]]) -> GenItem:
    """The target where the case's draft states it: when its first fact is not in the calibrated home but in one
    other findings region, every fact of that home is read in that region (the edit is judged where it was)."""
    if not gen.before_facts or _present(gen.before_facts[0], sections):
        return gen
    first = gen.before_facts[0]
    where = [r for r in sections if r not in ("impression", "indication") and _present(
        Fact(r, first.groups, first.forbidden, first.polarity), sections)]
    if len(where) != 1:
        return gen
    old, new = first.region, where[0]

    def move(fs):
        return [Fact(new, f.groups, f.forbidden, f.polarity, f.alts) if f.region == old else f for f in fs]

    it = gen.item
    it.present, it.absent = move(it.present), move(it.absent)
    gen.before_facts = move(gen.before_facts)
    return gen


def run_item(svc, gen: GenItem, specialty: str) -> Result:
    item = gen.item
    turn = svc.start(_case(item.template, item.dictation, item.indication))
    if turn.status == "choose_specialty":
        turn = svc.choose_specialty(turn.case_id, specialty)
    if turn.draft is None or turn.draft.template_id != item.template:
        return Result(gen, "skipped", ["not routed to the template"])
    draft = turn.draft
    sections = draft_sections(draft, include_defaults=True)
    gen = _rehomed(gen, sections)
    item = gen.item
    missing = [f.describe() for f in gen.before_facts if not _present(f, sections)]
    if missing:
        return Result(gen, "skipped", [f"the case's draft lacks {m}" for m in missing], before=draft)
    if gen.before_facts:
        first = gen.before_facts[0]
        twice = [r for r in sections if r not in ("impression", "indication")
                 and _present(Fact(r, (first.concept,)), sections)]
        if len(twice) > 1:
            return Result(gen, "skipped", [f"the case's draft states the target in {', '.join(twice)}"], before=draft)
    if gen.family in ("value", "correct", "grade_words") and "value" in gen.context:
        old, new = gen.context["value"]
        r = _value_region(draft, old)
        if r is None:
            return Result(gen, "skipped", ["the case's draft does not state the value"], before=draft)
        o = (old,) if isinstance(old, str) else tuple(old)
        nn = (new,) if isinstance(new, str) else tuple(new)
        item.present = [Fact(r, (nn,))]
        item.absent = [Fact(r, (o,), forbidden=nn)]
    if gen.family == "impression":
        w_out, w_in, x, say = gen.context["impression"]
        if _present(Fact("impression", (say,)), sections):
            item.turn = _fmt(w_out, X=x)
            item.absent = [Fact("impression", (say,))]
            gen.context["impression_dir"] = "out"
        else:
            item.turn = _fmt(w_in, X=x)
            item.present = [Fact("impression", (say,))]
            gen.context["impression_dir"] = "in"
        item.unchanged = [r for r in draft.regions]
    undo_target = None
    for msg in item.before:
        prev = _state(turn.draft)
        turn = svc.message(turn.case_id, msg)
        undo_target = prev if _state(turn.draft) != prev else None
    if item.before and undo_target is None:
        return Result(gen, "fail", [f"the edit to undo ({item.before[-1]!r}) changed nothing"], before=draft)
    before = turn.draft
    after_turn = svc.message(turn.case_id, item.turn)
    reply = _last_reply(after_turn) if after_turn.status != "error" else (after_turn.error or "")
    after = after_turn.draft if after_turn.draft is not None else before
    outcome: ChatOutcome = judge_turn(item, before, after, reply, turn.flags, undo_target=undo_target,
                                      labels={r: before.region_labels.get(r, r) for r in before.regions})
    reasons = list(outcome.reasons) if outcome.verdict != "correct" else []
    if outcome.verdict == "correct" or outcome.verdict == "wrong_answer":
        reasons += reply_lines_ok(before, after, reply)
    if outcome.silent:
        reasons.append("SILENT wrong edit")
    return Result(gen, "fail" if reasons else "pass", reasons, reply, before, after)


def run(generated: list[GenItem], host) -> list[Result]:
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.storage import StorageSettings

    out: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="pixtralogist-chat-shapes-") as tmp:
        svc = ReportingService.create(Path(tmp), host=host, storage=StorageSettings.from_sources(None, env={}))
        try:
            for g in generated:
                out.append(run_item(svc, g, TEMPLATE_CASE[g.item.template][0]))
        finally:
            svc.close()
    return out


# --- the report -------------------------------------------------------------------------------------------------


def summarise(results: list[Result]) -> dict[str, dict[str, list[int]]]:
    tables: dict[str, dict[str, list[int]]] = {"family": defaultdict(lambda: [0, 0, 0]),
                                               "specialty": defaultdict(lambda: [0, 0, 0]),
                                               "wording": defaultdict(lambda: [0, 0, 0])}
    for r in results:
        group = ("FREE" if r.gen.family in FREE_FAMILIES else "STMT" if r.gen.family in STATEMENT_FAMILIES
                 else "IMP" if r.gen.family in IMP_FAMILIES else "ALL")
        keys = {"family": [r.gen.family, group], "specialty": [TEMPLATE_CASE[r.gen.item.template][0]],
                "wording": [style_of(r.gen.item.turn)]}
        for table, ks in keys.items():
            for k in ks:
                row = tables[table][k]
                if r.verdict == "skipped":
                    row[2] += 1
                else:
                    row[0] += r.verdict == "pass"
                    row[1] += 1
    return tables


def _rate(v: list[int]) -> float:
    return v[0] / v[1] if v[1] else 1.0


def print_summary(half: str, results: list[Result]) -> dict:
    tables = summarise(results)
    silent = sum(any("SILENT" in x for x in r.reasons) for r in results)
    for name, table in tables.items():
        print(f"[{half}] turns passing per {name} (skipped: the case's draft lacked what was dictated):")
        order = [f for f in FAMILIES + FREE_FAMILIES + STATEMENT_FAMILIES + IMP_FAMILIES if f in table] \
            + ["ALL", "FREE", "STMT", "IMP"] \
            if name == "family" else sorted(table)
        for k in order:
            if k not in table:
                continue
            v = table[k]
            print(f"  {k:<13}{v[0]:>5}/{v[1]:<5}{100 * _rate(v):6.1f}%   skipped {v[2]}")
    print(f"[{half}] silent wrong edits: {silent}")
    return tables


def print_errors(results: list[Result], limit: int, family: str | None) -> None:
    shown = 0
    for r in results:
        if r.verdict != "fail" or r.gen.item.split != "tune" or (family and r.gen.family != family):
            continue
        it = r.gen.item
        print(f"- {it.id} [{r.gen.family}] {it.dictation!r}")
        for b in it.before:
            print(f"    before: {b!r}")
        print(f"    turn:   {it.turn!r}")
        for x in r.reasons:
            print(f"    {x}")
        print("    reply:  " + r.reply.replace("\n", "\n            ")[:600])
        shown += 1
        if shown >= limit:
            break


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    ap.add_argument("--errors", type=int, default=0, help="list the first N failing tune-half turns")
    ap.add_argument("--family", choices=FAMILIES + FREE_FAMILIES + STATEMENT_FAMILIES + IMP_FAMILIES)
    ap.add_argument("--template", choices=TEMPLATES, action="append")
    ap.add_argument("--free-only", action="store_true", help="only the round-10 free-form families")
    ap.add_argument("--statement-only", action="store_true", help="only the statement families (fixer chat11s)")
    ap.add_argument("--imp-only", action="store_true", help="only the round-11 imperative families")
    args = ap.parse_args(argv)
    host = _host()
    templates = tuple(args.template or TEMPLATES)
    misses = []
    for half in ("tune", "holdout") if args.split == "all" else (args.split,):
        t0 = time.perf_counter()
        gen = generate(half, host, templates)
        if args.free_only:
            gen = [g for g in gen if g.family in FREE_FAMILIES]
        if args.statement_only:
            gen = [g for g in gen if g.family in STATEMENT_FAMILIES]
        if args.imp_only:
            gen = [g for g in gen if g.family in IMP_FAMILIES]
        results = run(gen, host)
        tables = print_summary(half, results)
        print(f"({len(gen)} turns generated and run in {time.perf_counter() - t0:.1f} s)")
        allv = tables["family"]["ALL"]
        if not (args.free_only or args.statement_only or args.imp_only) and _rate(allv) < THRESHOLD:
            misses.append(f"{half} {100 * _rate(allv):.1f}% < {100 * THRESHOLD:.0f}%")
        if half == "tune" and args.errors:
            print(f"\nFirst {args.errors} failing tune turns:")
            print_errors(results, args.errors, args.family)
    if misses:
        print("\nTARGETS MISSED: " + "; ".join(misses))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
