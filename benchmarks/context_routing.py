"""Context routing: do the non-finding parts of a dictation reach the indication and the impression?

Generated, seeded and deterministic (issue 13, round 8). Every built-in template (radiology ``cxr``, ``ct_chest``,
``mri_brain``; pathology ``breast-resection``; dermatology ``skin_lesion``; ophthalmology ``fundus``, ``octa``)
gets dictations made of one to three calibrated findings (the finding words of
``benchmarks/phrasing_shapes.py``'s calibration, each with its home region) around which the generator places,
each in one of several **forms** and **positions** (start, middle between findings, end):

* ``demographics`` "65M", "34 yo F", "F 52", "70-year-old man", "Pt is a 70-year-old man.", "65 y/o male";
  alone or joined to the clinical question ("65M ?PE.");
* ``question``     the clinical question and referral context: a symptom ("SOB"), "?X", "r/o X", "query X",
                   "referred by GP for ...", "f/u of ...", "known X, annual screen", "post-NAC", "eval for X";
* ``plan``         "Plan: excise", "Refer to retina", "Rec f/u CT 3 mo", "Suggest biopsy", "For MDT",
                   "=> anti-VEGF", "... advised", "Review in 3/12";
* ``conclusion``   "Imp: X", "Impression: X", "Conclusion - X", "Overall c/w X", "Likely X", "Findings in keeping
                   with X", where X is one of the dictated findings or another finding of the template.

Each item's checks (an item **passes** when all hold):

* every finding is stated in its home region (``benchmarks/dictation.py``'s :class:`Fact`);
* the age and the question's key word are stated in the indication, and in no findings region nor the
  impression (``leak``);
* the plan's key word is stated in the impression and in no findings region (a plan in "Other" fails);
* the conclusion's diagnosis is stated in the impression and not in the template's catch-all region ("Other"),
  unless the catch-all is that finding's home;
* no orphaned fragment; and the impression **leads** with a clinically significant finding (its first sentence
  names one of the dictated findings or the conclusion's diagnosis, not a plan nor the indication).

The phrase lists (questions, plans) and the finding concepts are split into a **tune** half and a **holdout**
half by ``sha1``; each half is drafted with its own seed; ``--errors`` lists tune-half failures only (report the
holdout half as the honest figure). Prints pass rates per family, per position and per specialty. Exits 1 when
the tune or holdout half is below ``THRESHOLD``.

A bare "?X", "r/o X" or "query X" question is placed only where it opens the dictation (after a finding it is the
reader's hedge, which ``benchmarks/phrasing_shapes.py`` scores as a hedged finding); joined to the demographics
("32 yo F - ?pneumonia.") it goes anywhere.

Figures (``python benchmarks/context_routing.py``; items pass / items):

BEFORE (code of 90a23fb, the generator frozen before any fix; key words of six phrases corrected in the second
commit: "tia" also "transient ischemic", "brca" also "brca1", "excis"/"cryo"/"reassur"/"neurosurg" as whole words):

    family/position      tune            holdout
    demographics         162/420 38.6%   143/420 34.0%
    question             121/352 34.4%   111/361 30.7%
    plan                  91/287 31.7%    77/286 26.9%
    conclusion            77/216 35.6%    78/206 37.9%
    demographics@end      65/185 35.1%    63/185 34.1%
    question@middle        7/32  21.9%     8/34  23.5%
    plan@end              73/231 31.6%    66/236 28.0%
    ALL                  162/420 38.6%   143/420 34.0%
    dermatology            4/60   6.7%     7/60  11.7%
    ophthalmology         69/120 57.5%    47/120 39.2%
    pathology              8/60  13.3%     9/60  15.0%
    radiology             81/180 45.0%    80/180 44.4%

AFTER (kit/context.py: plans, context and demographics-with-question routed in triage at any position, the drafted
report settled after every specialty's reader, dictated conclusions leading the impression; ophthalmology drug and
diabetic-review context; radiology leading arrows; the holdout half never looked at; gate raised to 72%):

    family/position      tune            holdout
    demographics         367/420 87.4%   319/420 76.0%
    question             299/352 84.9%   263/361 72.9%
    plan                 256/287 89.2%   209/286 73.1%
    conclusion           191/216 88.4%   169/206 82.0%
    demographics@end     158/185 85.4%   126/185 68.1%
    question@middle       25/32  78.1%    24/34  70.6%
    plan@end             208/231 90.0%   174/236 73.7%
    ALL                  367/420 87.4%   319/420 76.0%
    dermatology           35/60  58.3%    36/60  60.0%
    ophthalmology        109/120 90.8%    88/120 73.3%
    pathology             47/60  78.3%    41/60  68.3%
    radiology            176/180 97.8%   154/180 85.6%

Still missed (tune half), by class: a bare "?X"/"Query X" opening the dictation with no demographics next to it is
read as the clinician's working diagnosis (held-out writers annotate "?Porokeratosis. Annular plaque ..." so), which
the generator counts as a lost question; the dermatology and pathology readers keep some symptoms ("Itchy lesion",
"Skin check" after a finding, "Post-NAC", "BRCA1 carrier") as findings (lexicon words for them cost facts on the
check sets and were reverted); a derived grade ("Proliferative diabetic retinopathy ... (ICDR level drafted ...)")
leads the eye impression, which the frozen check does not count as a dictated finding, and its word "diabetic"
reads as a leaked "diabetic screen".

NONCE (``--nonce``, round 9): the same families in made-up drugs, tests and conditions ("Start IV zorvatide",
"Kellner assay would be confirmatory", "= blorvic degeneration", "Tansley syndrome is the leading consideration",
"66M quintaritis, ?Merrin disease", "URGENT: 48M, X 5 days, Y 1 month ago"); items pass / items, ALL:

    code                                         tune            holdout
    before (1e24370)                              28/210 13.3%    19/210  9.0%
    after (kit/context.py shapes, round 9)       186/210 88.6%   183/210 87.1%

and the phrase lists above on the same code: before tune 356/420 84.8%, holdout 314/420 74.8%; after tune 357/420
85.0%, holdout 325/420 77.4%. Still missed (nonce, tune): a labelled conclusion the reader strips to a bare
"X." in the catch-all stays there too (a dictated finding whose home is the catch-all looks the same); a bare
"?X"/"Exam for X" after a finding.

    python benchmarks/context_routing.py [--split tune|holdout|all] [--errors N] [--family F] [--template T] [--nonce]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dictation import (  # noqa: E402
    TEMPLATE_CASE, DictationItem, Fact, _host, draft_sections, print_draft, run_dictation, sentence_states,
)
from phrasing_shapes import EYE, TEMPLATES, Concept, calibrate, lexicon_of  # noqa: E402

SEEDS = {"tune": 9, "holdout": 909}
#: Concepts sampled per template and half; items per concept.
PER_TEMPLATE = 10
PER_CONCEPT = 6
FAMILIES = ("demographics", "question", "plan", "conclusion")
POSITIONS = ("start", "middle", "end")
#: Gate: each half's overall pass rate (raised with the fixes, a few points under the figures it guards).
THRESHOLD = 0.72

# --- the phrase lists: (typed, key words one of which the draft must keep) -----------------------------------
# {q}: a clinical question; the key words are what the indication must keep.

QUESTIONS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "cxr": [("SOB", ("sob", "shortness of breath", "breathless")), ("cough", ("cough",)),
            ("?pneumonia", ("pneumonia",)), ("r/o pneumothorax", ("pneumothorax",)), ("fever", ("fever",)),
            ("chest pain", ("chest pain",)), ("post line insertion", ("line",)), ("query infection", ("infection",)),
            ("referred by GP for persistent cough", ("cough",)), ("f/u of pneumonia", ("pneumonia",)),
            ("known COPD, worsening SOB", ("copd",)), ("pre-op", ("pre op", "preop", "pre-op"))],
    "ct_chest": [("?PE", ("pe", "pulmonary embolism", "pulmonary embolus")), ("weight loss", ("weight loss",)),
                 ("haemoptysis", ("haemoptysis", "hemoptysis")), ("r/o malignancy", ("malignancy",)),
                 ("staging of known lung ca", ("staging",)), ("f/u of pulmonary nodule", ("nodule",)),
                 ("referred by resp for ILD assessment", ("ild", "interstitial")), ("smoker", ("smoker",)),
                 ("query lymphoma", ("lymphoma",)), ("known sarcoid", ("sarcoid", "sarcoidosis")),
                 ("eval for mets", ("mets", "metastases", "metastatic")), ("post-COVID SOB", ("covid",))],
    "mri_brain": [("headache", ("headache",)), ("?MS", ("ms", "multiple sclerosis")), ("seizure", ("seizure",)),
                  ("r/o stroke", ("stroke",)), ("known glioma, post-op f/u", ("glioma",)), ("dizziness", ("dizziness",)),
                  ("referred by neuro for memory loss", ("memory",)), ("query mets", ("mets", "metastases")),
                  ("f/u of meningioma", ("meningioma",)), ("new confusion", ("confusion",)),
                  ("visual disturbance", ("visual",)), ("eval for TIA", ("tia", "transient ischaemic", "transient ischemic"))],
    "skin_lesion": [("mole check", ("mole check", "mole")), ("changing mole", ("changing",)),
                    ("referred by GP for new pigmented lesion", ("gp", "referred")), ("skin check", ("skin check",)),
                    ("?BCC", ("bcc", "basal cell")), ("r/o melanoma", ("melanoma",)), ("itchy lesion", ("itchy",)),
                    ("f/u of dysplastic naevus", ("dysplastic",)), ("lesion bleeding 3/12", ("bleeding",)),
                    ("known hx of melanoma, annual review", ("melanoma",)), ("family hx melanoma", ("family",)),
                    ("query SCC", ("scc", "squamous"))],
    "fundus": [("diabetic screen", ("diabetic", "screen")), ("blurred vision", ("blurred",)),
               ("known diabetic, annual screen", ("diabetic",)), ("?glaucoma", ("glaucoma",)),
               ("referred by optometrist for raised IOP", ("iop", "intraocular pressure")),
               ("f/u of BRVO", ("brvo", "branch retinal vein")), ("floaters", ("floaters",)),
               ("r/o papilloedema", ("papilloedema", "papilledema")), ("hypertensive, routine review", ("hypertensive",)),
               ("sudden loss of vision", ("loss of vision",)), ("on hydroxychloroquine, screening", ("hydroxychloroquine",)),
               ("query AMD", ("amd", "macular degeneration"))],
    "octa": [("reduced vision", ("reduced vision",)), ("known wet AMD", ("amd", "macular degeneration")),
             ("?CNV", ("cnv", "choroidal neovascularisation", "choroidal neovascularization")),
             ("diabetic, f/u", ("diabetic",)), ("f/u of wet AMD", ("amd", "macular degeneration")),
             ("referred by retina for DR assessment", ("dr", "diabetic retinopathy")), ("distortion", ("distortion",)),
             ("r/o MacTel", ("mactel", "macular telangiectasia")), ("post anti-VEGF x3", ("anti vegf", "anti-vegf")),
             ("query RVO", ("rvo", "retinal vein occlusion")), ("metamorphopsia", ("metamorphopsia",)),
             ("sickle cell, screening", ("sickle",))],
    "breast-resection": [("screen detected", ("screen",)), ("post-NAC", ("nac", "neoadjuvant")),
                         ("known IDC on core", ("core",)), ("?DCIS", ("dcis", "ductal carcinoma in situ")),
                         ("palpable lump", ("lump",)), ("BRCA1 carrier", ("brca", "brca1", "brca 1")),
                         ("referred by breast surgeon after core biopsy", ("core",)),
                         ("f/u of previous wide local excision", ("previous",)), ("r/o residual disease", ("residual",)),
                         ("post neoadjuvant chemo", ("neoadjuvant",)), ("family hx breast ca", ("family",)),
                         ("query multifocal", ("multifocal",))],
}

# plans: (typed, key words the impression must keep)
PLANS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "cxr": [("Plan: CTPA", ("ctpa", "ct pulmonary angiogram")), ("Rec f/u CXR 6 wks", ("follow", "f u")),
            ("Suggest CT chest", ("ct",)), ("Recommend clinical correlation", ("correlation",)),
            ("For repeat film after treatment", ("repeat",)), ("=> CT", ("ct",)),
            ("Refer to resp", ("resp", "respiratory")), ("Repeat CXR advised in 6/52", ("repeat",)),
            ("Review post antibiotics", ("antibiotics",)), ("Plan: chest drain", ("drain",))],
    "ct_chest": [("Rec f/u CT 3 mo", ("follow", "f u")), ("Suggest PET-CT", ("pet",)), ("For MDT", ("mdt",)),
                 ("Plan: CT-guided biopsy", ("biopsy",)), ("Refer to resp", ("resp", "respiratory")),
                 ("Recommend bronchoscopy", ("bronchoscopy",)), ("=> lung cancer pathway", ("pathway",)),
                 ("Fleischner f/u advised", ("fleischner",)), ("Discuss at lung MDT", ("mdt",)),
                 ("Review in 12 months", ("review", "12 months"))],
    "mri_brain": [("Refer to neurology", ("neurology",)), ("Rec f/u MRI 6 mo", ("follow", "f u")),
                  ("Suggest contrast study", ("contrast",)), ("For neuro MDT", ("mdt",)),
                  ("Plan: neurosurgical review", ("neurosurgical", "neurosurgery")), ("=> stroke team", ("stroke team",)),
                  ("Recommend LP", ("lp", "lumbar puncture")), ("Repeat MRI advised in 3/12", ("repeat",)),
                  ("Discuss with neuro-oncology", ("oncology",)), ("Suggest MR angiogram", ("angiogram", "mra"))],
    "skin_lesion": [("Plan: excise", ("excise", "excision")), ("Suggest biopsy", ("biopsy",)), ("Refer to plastics", ("plastics",)),
                    ("Rec punch biopsy", ("punch",)), ("For excision biopsy", ("excision",)),
                    ("=> 2WW referral", ("2ww", "two week wait")), ("Dermoscopy review in 3/12", ("review",)),
                    ("Plan: cryotherapy", ("cryotherapy", "cryo")), ("Reassure and discharge", ("reassure", "reassurance", "discharge")),
                    ("Recommend wide local excision", ("wide local",))],
    "fundus": [("Refer to retina", ("retina",)), ("=> anti-VEGF", ("anti vegf", "anti-vegf")), ("Plan: PRP", ("prp",)),
               ("Rec f/u 12 mo", ("follow", "f u")), ("Suggest OCT macula", ("oct",)), ("For FFA", ("ffa", "fluorescein")),
               ("Refer to glaucoma clinic", ("glaucoma clinic",)), ("Repeat screen in 12/12", ("repeat",)),
               ("Urgent referral to medical retina", ("referral",)), ("Recommend BP check", ("bp", "blood pressure"))],
    "octa": [("=> anti-VEGF", ("anti vegf", "anti-vegf")), ("Refer to retina", ("retina",)),
             ("Rec repeat OCTA 3 mo", ("repeat",)), ("Suggest FFA", ("ffa", "fluorescein")), ("For ICGA", ("icga",)),
             ("Plan: intravitreal injection", ("intravitreal", "injection")), ("f/u 4 wks", ("follow", "f u")),
             ("Continue treat and extend", ("treat and extend",)), ("Recommend PDT", ("pdt", "photodynamic")),
             ("Review in 6/52", ("review",))],
    "breast-resection": [("For MDT", ("mdt",)), ("Suggest re-excision of margin", ("re excision", "re-excision")),
                         ("Rec ER/PR/HER2 on block A3", ("her2",)), ("Refer to oncology", ("oncology",)),
                         ("Plan: adjuvant radiotherapy", ("radiotherapy",)), ("=> Oncotype DX", ("oncotype",)),
                         ("Discuss at breast MDT", ("mdt",)), ("Recommend genetic testing", ("genetic",)),
                         ("Suggest correlation with imaging", ("correlation",)), ("For completion ANC", ("anc",))],
}

HEDGED_QUESTION = re.compile(r"^(?:\?|r/o\b|query\b)", re.I)
AGE_FORMS = ["{a}{s}", "{a} yo {s}", "{a} y/o {s}", "{s} {a}", "{a}-year-old {w}", "{a} year old {w}",
             "Pt is a {a}-year-old {w}", "{a} y/o {g}", "{a}yo {s}"]
WHO = {"M": ("man", "male"), "F": ("woman", "female")}
QUESTION_JOIN = ["{d} {q}", "{d}, {q}", "{d} - {q}"]
CONCLUSION_FORMS = ["Imp: {x}", "Impression: {x}", "Conclusion - {x}", "Conclusion: {x}", "Overall c/w {x}",
                    "Overall in keeping with {x}", "Likely {x}", "Findings c/w {x}", "IMP - {x}", "Summary: {x}"]


# --- nonce parts (round 9): the same families in words no lexicon knows -----------------------------------------
# A plan is a plan by its verb or shape, a conclusion by its marker, a context by the demographics and a hedge or a
# history next to them, whatever the words: made-up drugs, tests and conditions (``--nonce``).
NONCE_DRUGS = ["zorvatide", "plenacor", "quistrabine", "travolimab", "dexmorafen", "orlistavir", "brumetazol",
               "kelvocin", "sanpritex", "vodamycin", "lurafenac", "moxatrine"]
NONCE_TESTS = ["Kellner assay", "brevoscopy", "lumetric panel", "Harrow titre", "plexography", "Tovin stain",
               "quorimetry", "Dask swab", "vellan mapping", "Oster levels", "trensography", "Marlow screen"]
NONCE_CONDITIONS = ["blorvic degeneration", "Tansley syndrome", "kravosis", "Merrin disease", "florastic change",
                    "Pellow dystrophy", "quintaritis", "Ravel syndrome", "oxbrine sclerosis", "Hadley complex",
                    "venturoma", "Strand disease"]
#: (form, which nonce list fills {x}) -- every form's key words are the nonce word(s).
NONCE_PLAN_FORMS = ["Start IV {d}", "Commence {d}", "{t} would be confirmatory", "{c} should be excluded with {t}",
                    "{t} testing, discuss {d}, genetic counselling", "{t} to confirm, review in 4 to 6 weeks",
                    "{t} for PCR", "Trial of topical {d}", "Admit for IV {d}", "Give {d} urgently",
                    "{t} and {t2} recommended", "Extend {d} to 14/52", "Check {t}", "Topical {d} twice daily",
                    "No follow-up needed", "{t} to exclude {c}", "Will need {t}", "Proceed to {t}"]
NONCE_CONCLUSION_FORMS = ["= {c}", "C/w {c}", "Likely {c}", "Dx: {c}", "In keeping with {c}",
                          "{c} is the leading consideration", "Highly suggestive of {c}", "Appearances suggest {c}",
                          "This is likely {c}", "{c} suspected", "Features favour {c}", "Suspect {c}",
                          "Consistent with {c}", "Picture is typical of {c}", "Diagnosis - {c}", "Probable {c}"]
NONCE_CONTEXT_FORMS = ["{d} {c}, ?{c2}", "{d}, known {c}", "{d} with {c}, ?{c2}", "URGENT: {d}, {c} 5 days, {c2} 1 month ago",
                       "{d}, {c} x 3/12", "{d} - {c} since childhood", "Known {c}", "Hx {c}, ?{c2}",
                       "GP referral ?{c}", "Optom referral ?{c}", "Exam for {c}", "{d}, {c}, on {dr}",
                       "{d} {c} 2 weeks ago"]


def _nonce(rng: random.Random, names: list[str], half: str) -> str:
    mine = [n for n in names if _sha_half(n) == half] or names
    return rng.choice(mine)


def _fill(form: str, rng: random.Random, half: str, **extra: str) -> tuple[str, tuple[str, ...]]:
    """``form`` with its nonce slots filled; the key words (the nonce words, lower case) the draft must keep."""
    vals = {"d": _nonce(rng, NONCE_DRUGS, half), "dr": _nonce(rng, NONCE_DRUGS, half),
            "t": _nonce(rng, NONCE_TESTS, half), "t2": _nonce(rng, NONCE_TESTS, half),
            "c": _nonce(rng, NONCE_CONDITIONS, half), "c2": _nonce(rng, NONCE_CONDITIONS, half)}
    vals.update({k: v for k, v in extra.items() if not k.startswith("_")})
    keyed = ("d", "dr", "t", "t2") if extra.pop("_no_condition_keys", "") else ("d", "dr", "t", "t2", "c", "c2")
    keys = tuple(dict.fromkeys(vals[k].split()[0].lower() for k in keyed if "{" + k + "}" in form))
    return form.format(**vals), keys


def build_nonce_item(rng: random.Random, c: Concept, pool: list[Concept], n: int, half: str) -> Generated:
    """One dictation of calibrated findings with nonce parts: a context (demographics with a made-up condition),
    a conclusion and a plan in made-up words, each at a random position."""
    t = c.template
    others = [o for o in pool if o.term != c.term and o.home != c.home and not set(o.say) & set(c.say)]
    findings = [c] + rng.sample(others, min(len(others), rng.choice([1, 2])))
    rng.shuffle(findings)
    parts: list[Part] = []
    fams = []
    age, sex = rng.randint(24, 88), rng.choice("MF")
    demo = rng.choice(AGE_FORMS[:4]).format(a=age, s=sex)
    if rng.random() < 0.8:
        form = _sha_pick(rng, NONCE_CONTEXT_FORMS, t, half)
        text, keys = _fill(form, rng, half, d=demo)
        facts = [Fact("indication", ((k,),), polarity="any") for k in keys]
        if "{d}" in form:
            facts.append(Fact("indication", ((str(age),),)))
            keys = (str(age),) + keys
        where = "start" if rng.random() < 0.7 else rng.choice(["middle", "end"])
        parts.append(Part("demographics", _cap(text) + ".", where, facts, keys))
        fams.append("demographics")
    conclusion: tuple[str, ...] = ()
    if rng.random() < 0.7:
        used = {k for p in parts for k in p.keys}
        for _ in range(20):  # a diagnosis other than the patient's history (that one belongs to the indication)
            text, keys = _fill(_sha_pick(rng, NONCE_CONCLUSION_FORMS, t, half), rng, half)
            if not set(keys) & used:
                break
        conclusion = keys
        parts.append(Part("conclusion", _cap(text) + ".", rng.choice(["middle", "end", "end"]),
                          [Fact("impression", (keys,), polarity="any")], keys, "catch_all"))
        fams.append("conclusion")
    if rng.random() < 0.8 or not parts:
        form = _sha_pick(rng, NONCE_PLAN_FORMS, t, half)
        used = {k for p in parts for k in p.keys}
        for _ in range(20):  # the plan's drug or test is its key; a condition it names is the conclusion's or history's
            text, keys = _fill(form, rng, half, _no_condition_keys="1")
            if not set(keys) & used:
                break
        keys = keys or ("follow",)
        parts.append(Part("plan", _cap(text) + ".", rng.choice(["middle", "end", "end", "end"]),
                          [Fact("impression", (keys,), polarity="any")], keys, "findings"))
        fams.append("plan")
    return _assemble(rng, c, t, n, half, findings, parts, fams, conclusion)


def _sha_pick(rng: random.Random, forms: list[str], template: str, half: str) -> str:
    return rng.choice([f for f in forms if _sha_half(f"{template}:{f}") == half] or forms)


def _sha_half(key: str) -> str:
    return "holdout" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 else "tune"


def half_of(c: Concept) -> str:
    return _sha_half(f"{c.template}:{c.term}")


def phrases(table: dict[str, list[tuple[str, tuple[str, ...]]]], template: str, half: str):
    return [p for p in table[template] if _sha_half(f"{template}:{p[0]}") == half]


@dataclass
class Part:
    """One non-finding sentence of a dictation and where it goes."""

    family: str  # demographics | question | plan | conclusion (a joined demographics+question: demographics)
    text: str
    position: str
    facts: list[Fact]
    keys: tuple[str, ...] = ()  # words that must not leak elsewhere
    leak_regions: str = "findings+impression"  # or "findings", "catch_all"


@dataclass
class Generated:
    item: DictationItem
    families: tuple[str, ...]
    positions: tuple[str, ...]
    concept: Concept
    parts: list[Part]
    findings: list[Concept]
    conclusion: tuple[str, ...] = ()


def _finding_sentence(c: Concept, rng: random.Random) -> str:
    if c.template in EYE:
        return f"{rng.choice(['OD', 'OS'])}: {c.term}."
    return f"{c.term.capitalize()}."


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def build_item(rng: random.Random, c: Concept, pool: list[Concept], n: int, half: str) -> Generated:
    t = c.template
    others = [o for o in pool if o.term != c.term and o.home != c.home and not set(o.say) & set(c.say)]
    findings = [c] + rng.sample(others, min(len(others), rng.choice([0, 1, 2])))
    rng.shuffle(findings)
    parts: list[Part] = []
    # demographics (always), with or without the question joined
    age, sex = rng.randint(24, 88), rng.choice("MF")
    demo = rng.choice(AGE_FORMS).format(a=age, s=sex, w=WHO[sex][0], g=WHO[sex][1])
    qs = phrases(QUESTIONS, t, half)
    words_used = {w for f in findings for w in f.say}
    qs = [q for q in qs if not any(k in words_used for k in q[1])] or qs
    q = rng.choice(qs) if rng.random() < 0.85 else None
    age_fact = Fact("indication", ((str(age),),))
    if q is not None and rng.random() < 0.45 and not demo.startswith("Pt is"):
        text = rng.choice(QUESTION_JOIN).format(d=demo, q=q[0])
        parts.append(Part("demographics", _cap(text) + ".", rng.choice(POSITIONS),
                          [age_fact, Fact("indication", (q[1],), polarity="any")], (str(age),) + q[1]))
        fams = ["demographics", "question"]
    else:
        parts.append(Part("demographics", _cap(demo) + ".", rng.choice(POSITIONS), [age_fact], (str(age),)))
        fams = ["demographics"]
        if q is not None:
            # a bare "?X", "r/o X", "query X" after a finding is the radiologist's hedge, not the question:
            # alone, those open the dictation (joined to the demographics they go anywhere)
            where = "start" if HEDGED_QUESTION.match(q[0]) else rng.choice(POSITIONS)
            parts.append(Part("question", _cap(q[0]) + ".", where, [Fact("indication", (q[1],), polarity="any")],
                              q[1]))
            fams.append("question")
    conclusion: tuple[str, ...] = ()
    if rng.random() < 0.5:
        x = rng.choice(findings)
        form = rng.choice(CONCLUSION_FORMS)
        conclusion = x.say
        leak = "none" if x.home == lexicon_of(t).catch_all else "catch_all"
        parts.append(Part("conclusion", _cap(form.format(x=x.term)) + ".", rng.choice(["middle", "end", "end"]),
                          [Fact("impression", (x.say,), polarity="any")], x.say, leak))
        fams.append("conclusion")
    if rng.random() < 0.7:
        p = rng.choice(phrases(PLANS, t, half))
        parts.append(Part("plan", _cap(p[0]) + ".", rng.choice(["middle", "end", "end", "end"]),
                          [Fact("impression", (p[1],), polarity="any")], p[1], "findings"))
        fams.append("plan")
    return _assemble(rng, c, t, n, half, findings, parts, fams, conclusion)


def _assemble(rng: random.Random, c: Concept, t: str, n: int, half: str, findings: list[Concept], parts: list[Part],
              fams: list[str], conclusion: tuple[str, ...]) -> Generated:
    """The body: findings with the parts at their positions (a conclusion before a plan at the end)."""
    body = [_finding_sentence(f, rng) for f in findings]
    start = [p.text for p in parts if p.position == "start"]
    rng.shuffle(start)
    middle = [p for p in parts if p.position == "middle"]
    end = [p for p in parts if p.position == "end"]
    end.sort(key=lambda p: {"conclusion": 0, "plan": 1}.get(p.family, rng.choice([0, 2])))
    if len(body) < 2:
        for p in middle:  # no middle with one finding: after it, before the end parts
            p.position = "end"
        end = middle + end
        middle = []
    at = rng.randint(1, len(body) - 1) if len(body) > 1 else len(body)
    text = " ".join(start + body[:at] + [p.text for p in middle] + body[at:] + [p.text for p in end])
    facts = [Fact(f.home, (f.say,)) for f in findings] + [f for p in parts for f in p.facts]
    spec = TEMPLATE_CASE[t][0]
    item = DictationItem(f"ctx:{t}:{c.term}:{n}", spec, t, half, text, "", facts)
    return Generated(item, tuple(fams), tuple(p.position for p in parts), c, parts, findings, conclusion)


def generate(half: str, host, templates=TEMPLATES, nonce: bool = False) -> list[Generated]:
    rng = random.Random(SEEDS[half] + (1000 if nonce else 0))
    build = build_nonce_item if nonce else build_item
    out: list[Generated] = []
    for t in templates:
        pool = calibrate(t, host)
        mine = [c for c in pool if half_of(c) == half]
        sample = sorted(rng.sample(mine, min(PER_TEMPLATE, len(mine))), key=lambda c: c.term)
        n = 0
        for c in sample:
            for _ in range(PER_CONCEPT // 2 if nonce else PER_CONCEPT):
                out.append(build(rng, c, pool, n, half))
                n += 1
    return out


# --- scoring ----------------------------------------------------------------------------------------------------


def _states(keys: tuple[str, ...], sentence: str) -> bool:
    return sentence_states(Fact("x", (keys,), polarity="any"), sentence)


def checks(g: Generated, draft: Any, score) -> list[str]:
    """Every failed check of one item ("" when it passes)."""
    fails = [f"{s}: {f.describe()}" for f, s in score.statuses if s != "correct"]
    fails += [f"orphan {r}: {s!r}" for r, s in score.orphans]
    sections = draft_sections(draft)
    catch_all = lexicon_of(g.item.template).catch_all
    findings_regions = [r for r in sections if r not in ("impression", "indication")]
    for p in g.parts:
        if p.leak_regions == "none":
            continue
        regions = {"findings+impression": findings_regions + ["impression"], "findings": findings_regions,
                   "catch_all": [catch_all]}[p.leak_regions]
        for r in regions:
            keys = tuple(k for k in p.keys if not k.isdigit()) if r == "impression" and p.family != "demographics" \
                else p.keys
            if p.family == "demographics" and r != "impression":
                # an age number may be a finding's measure: only a sentence with the age and no unit leaks
                hit = [s for s in sections.get(r, []) if re.search(rf"(?<![\d.]){keys[0]}(?![\d.]|\s*(?:mm|cm))", s)]
            else:
                hit = [s for s in sections.get(r, []) if keys and _states(keys, s)]
            if hit:
                fails.append(f"leak {p.family} -> {r}: {hit[0]!r}")
    imp = [s for s in sections.get("impression", [])]
    if imp:
        lead_keys = tuple(w for f in g.findings for w in f.say) + g.conclusion
        if not _states(lead_keys, imp[0]):
            fails.append(f"impression does not lead with a finding: {imp[0]!r}")
    return fails


def run(generated: list[Generated], host) -> list[tuple[Generated, Any, list[str]]]:
    results = run_dictation([g.item for g in generated], host)
    return [(g, d, checks(g, d, sc)) for g, (_, d, sc) in zip(generated, results)]


def summarise(results):
    tabs: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for g, _, fails in results:
        ok = not fails
        keys = {"family": list(g.families) + ["ALL"], "position": [f"{p.family}@{p.position}" for p in g.parts],
                "specialty": [g.item.specialty]}
        for tab, ks in keys.items():
            for k in ks:
                tabs[tab][k][0] += ok
                tabs[tab][k][1] += 1
    return tabs


def _rate(v: list[int]) -> float:
    return v[0] / v[1] if v[1] else 1.0


def print_summary(half: str, results):
    tabs = summarise(results)
    for tab, rows in tabs.items():
        print(f"\n[{half}] items passing, per {tab}:")
        for k in sorted(rows, key=lambda k: (k == "ALL", k)):
            print(f"  {k:<22}{rows[k][0]:>5}/{rows[k][1]:<5}{100 * _rate(rows[k]):6.1f}%")
    return tabs


def print_errors(results, limit: int) -> None:
    shown = 0
    for g, draft, fails in results:
        if not fails or g.item.split != "tune":
            continue
        print(f"- {g.item.id} {g.item.dictation!r}")
        for f in fails:
            print(f"    {f}")
        print(f"      | indication: {draft.indication}")
        print_draft(draft, skip_defaults=True)
        shown += 1
        if shown >= limit:
            break


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("tune", "holdout", "all"), default="all")
    ap.add_argument("--errors", type=int, default=0, help="list the first N failing tune-half items")
    ap.add_argument("--family", choices=FAMILIES, help="list errors of items with this family only")
    ap.add_argument("--template", choices=TEMPLATES, action="append")
    ap.add_argument("--nonce", action="store_true", help="the parts in made-up words (plans, conclusions, contexts)")
    args = ap.parse_args(argv)
    host = _host()
    templates = tuple(args.template or TEMPLATES)
    misses = []
    for half in ("tune", "holdout") if args.split == "all" else (args.split,):
        t0 = time.perf_counter()
        gen = generate(half, host, templates, nonce=args.nonce)
        results = run(gen, host)
        tabs = print_summary(half, results)
        print(f"({len(gen)} dictations generated and drafted in {time.perf_counter() - t0:.1f} s)")
        if _rate(tabs["family"]["ALL"]) < THRESHOLD:
            misses.append(f"{half} {100 * _rate(tabs['family']['ALL']):.1f}% < {100 * THRESHOLD:.0f}%")
        if half == "tune" and args.errors:
            sel = [r for r in results if args.family is None or args.family in r[0].families]
            print(f"\nFirst {args.errors} failing tune items:")
            print_errors(sel, args.errors)
    if misses:
        print("\nTARGETS MISSED: " + "; ".join(misses))
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
