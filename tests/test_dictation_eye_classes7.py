"""Ophthalmology dictation classes fixed in round 7 (issue 13, helper "h-ophth"): each class is tested as a
whole by a generator over word lists (prefix forms, grade words, diseases, plans), never with a benchmark
row's words. Parser-level generators are fast (no drafter); drafter-level ones use the configured plugins."""

from __future__ import annotations

import itertools
import re

import pytest

from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.dictation import parse_dictation
from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)

# --- per-eye prefixes: every form clinicians write keeps the eye on every finding under it ----------------

_RIGHT_PREFIXES = ["OD:", "OD -", "OD \u2013", "RE:", "RE -", "R eye:", "R eye -", "Rt eye -", "Rt eye:", "RT EYE:",
                   "Rt. eye:", "Right eye:", "Right eye -", "Right eye shows", "In the right eye,", "R:", "Rt:", "Right:",
                   "R eye", "Rt eye", "Right eye", "OD", "The right eye has"]
_SWAP = (("OD", "OS"), ("RE", "LE"), ("Rt", "Lt"), ("RT", "LT"), ("R eye", "L eye"), ("R:", "L:"), ("Right", "Left"),
         ("right", "left"))
#: findings with sizes, counts and grades in a comma list (and how many statements each should give at least)
_UNDER_PREFIX = [("scattered drusen, 63-125 um, RPE mottling", 2), ("CDR 0.6, inferior rim thinning", 2),
                 ("few MAs + dot hems 2 quads, IRMA sup", 2), ("geographic atrophy 2 DD involving fovea", 1),
                 ("flame haems along sup arcade, 3 CWS", 2), ("mild vit haem, NVE inf temp", 2),
                 ("ERM w/ mild traction, lamellar hole ~150um", 2)]


def _left(prefix: str) -> str:
    for a, b in _SWAP:
        prefix = prefix.replace(a, b)
    return prefix


def test_every_per_eye_prefix_form_keeps_its_eye_on_every_finding_under_it():
    missed = []
    for prefix, (finding, n) in itertools.product(_RIGHT_PREFIXES, _UNDER_PREFIX):
        other = _UNDER_PREFIX[0][0] if finding != _UNDER_PREFIX[0][0] else _UNDER_PREFIX[1][0]
        text = f"{prefix} {finding}. {_left(prefix)} {other}."
        eyes = [lexicon.eyes_of(s) for s in parse_dictation(text)]
        if eyes.count({"right"}) < n or {"left"} not in eyes or frozenset() in eyes:
            missed.append(text)
    assert not missed, missed[:5]


_BOTH_PREFIXES = ["OU:", "OU -", "Both eyes:", "Both eyes -", "Bilat:", "Bilateral -", "B/E:", "BE -", "In both eyes,"]


def test_every_both_eyes_prefix_form_keeps_both_eyes_on_every_finding_under_it():
    missed = []
    for prefix, (finding, n) in itertools.product(_BOTH_PREFIXES, _UNDER_PREFIX):
        eyes = [lexicon.eyes_of(s) for s in parse_dictation(f"{prefix} {finding}. OS: CDR 0.4.")]
        if eyes.count({"right", "left"}) < n or eyes[-1] != {"left"}:
            missed.append(f"{prefix} {finding}")
    assert not missed, missed[:5]


# --- per-eye grades: the second eye's grade leaves out the disease; the eye stays on each grade -----------

_GRADES = [("Dry", "AMD"), ("Wet", "AMD"), ("Intermediate", "AMD"), ("Mild", "NPDR"), ("Mod", "NPDR"), ("Severe", "NPDR"),
           ("Early", "AMD"), ("Moderate", "DR"), ("Non-neovascular", "AMD"), ("Mild", "hypertensive retinopathy"),
           ("Early", "glaucoma"), ("Severe", "diabetic maculopathy")]
_FIRST_EYES = [("OD", {"right"}), ("both eyes", {"right", "left"}), ("OU", {"right", "left"}), ("RE", {"right"}),
               ("right eye", {"right"}), ("bilaterally", {"right", "left"})]
_SECOND = ["advanced", "severe", "moderate", "mod", "late", "sev", "mild", "intermediate", "neovascular", "wet"]
_SECOND_EYES = ["OS", "L", "LE", "left eye"]


def _core(sentence: str) -> str:
    return re.sub(r"\s+in (?:the (?:right|left) eye|both eyes)\.$", "", sentence).lower()


@pytest.mark.parametrize("order", ["grade eye", "eye grade"])
def test_a_second_eyes_grade_without_its_disease_is_that_diseases_grade_in_that_eye(order):
    missed = []
    for (first, disease), (eye1, eyes1), second, eye2 in itertools.product(_GRADES, _FIRST_EYES, _SECOND, _SECOND_EYES):
        if second[:3].lower() == first[:3].lower():
            continue
        tail = f"{second} {eye2}" if order == "grade eye" else f"{eye2} {second}"
        if order == "eye grade" and eye2 == "left eye":
            tail = f"the left eye {second}"
        out = parse_dictation(f"Scattered drusen. {first} {disease} {eye1}, {tail}.")
        graded = [s for s in out if _core(s).startswith(second[:3].lower()) and len(_core(s).split()) >= 2
                  and lexicon.eyes_of(s) == {"left"}]
        kept = [s for s in out if _core(s).startswith(first[:3].lower()) and lexicon.eyes_of(s) == eyes1]
        if not graded or not kept:
            missed.append((first, disease, eye1, tail, out))
    assert not missed, missed[:5]


# --- investigations, treatment and follow-up go to the impression, whatever lead or shorthand -------------

_LEADS = ["Confirm with", "Arrange", "Request", "Book", "Needs", "For", "Obtain", "Organise", "Plan", "Consider",
          "Proceed to", "Will need", "Please arrange", "Then", "Awaiting", "List for"]
_INVESTIGATIONS = ["B-scan US", "B-scan ultrasound", "OCT macula", "FFA", "fluorescein angiography", "ICG", "ICGA", "OCTA",
                   "FAF", "autofluorescence", "HVF 24-2", "visual fields", "MRI orbits", "CT orbits", "ERG", "EOG",
                   "ESR/CRP", "carotid dopplers", "OCT RNFL", "genetic testing", "toxo serology", "echocardiogram"]
_TREATMENTS = ["anti-VEGF", "intravitreal aflibercept", "PRP", "focal laser", "PDT", "vitrectomy", "Ozurdex", "IVTA",
               "laser barricade", "cryotherapy", "scleral buckle", "sectoral PRP", "IV methylpred", "oral steroids",
               "ganciclovir", "observation", "photodynamic therapy", "faricimab"]
_FOLLOW_UPS = ["review 3 months", "r/v 4/52", "F/u 6/12", "rescreen 1y", "see 2 wks", "FU 6m", "recall 12 months",
               "follow up 6 mo", "review in 6 weeks", "RV 3/12", "f/u 1 yr", "next visit 4 wks", "return 6 months",
               "repeat OCT 3/12", "reassess in 1 month"]
_CONTEXTS = [("fundus", "OD: scattered drusen, RPE mottling. OS nl. Early AMD OD"),
             ("fundus", "Disc swelling OU, flame haems peripapillary. Papilloedema"),
             ("octa", "OS: type 1 MNV under flat PED. Active nAMD OS"),
             ("fundus", "OS: mod NPDR, CSME. OD: mild NPDR")]
_INTERVAL = re.compile(r"\b(?:\d+|one|two|three|four|six|twelve)\s+(?:days?|weeks?|months?|years?)\b", re.I)


def _plans():
    led = [f"{lead} {what}" for lead, what in zip(itertools.cycle(_LEADS), _INVESTIGATIONS + _TREATMENTS)]
    return led + _TREATMENTS + _INVESTIGATIONS[:8] + _FOLLOW_UPS


def test_investigations_treatment_and_follow_up_go_to_the_impression(host):
    missed = []
    for k, plan in enumerate(_plans()):
        template, context = _CONTEXTS[k % len(_CONTEXTS)]
        sep = (". ", " \u2013 ", " -> ")[k % 3]
        d = draft(host, template, f"{context}{sep}{plan}.")
        lead = plan.split()[0].lower()
        lead = (lexicon.EYE.expansion(lead) or lead).split()[0].lower()  # "FFA." is written out
        findings = findings_text(d).lower()
        if plan in _FOLLOW_UPS:  # the interval written out ("FU 6m" -> "in 6 months"), in the impression only
            ok = any(_INTERVAL.search(i) for i in d.impression) and not _INTERVAL.search(findings)
        else:
            ok = any(i.lower().startswith(lead) for i in d.impression) and not re.search(
                rf"(?<![\w-]){re.escape(lead)}(?![\w-])", findings)
        if not ok:
            missed.append((plan, d.impression))
    assert not missed, missed[:5]


def test_a_plan_keeps_no_carried_eye_and_a_past_treatment_stays_a_finding(host):
    d = draft(host, "fundus", "OD: PRP scars 3 quads, regressed NVE. Laser scars temporal macula. OS: mod NPDR. FU 6m.")
    assert "prp scars" in region_text(d, "periphery").lower()
    assert "laser scars" in findings_text(d).lower()
    assert "Follow-up in 6 months." in d.impression or any(i.lower() == "fu in 6 months." for i in d.impression)


# --- demographics and history: opening, after a visit word, or inside a finding's sentence: the indication ----

_DEMOGRAPHICS = ["68M", "54 yo F", "72F", "45-year-old man", "80 y/o male", "12yo F", "33M"]
_HISTORIES = [("HTN", ("htn", "hypertension")), ("T2DM 15y", ("t2dm", "type 2")), ("HbSS", ("hbss",)),
              ("on HCQ 6y", ("hcq", "hydroxychloroquine")), ("HIV, CD4 90", ("hiv",)), ("headache + blurring", ("headache",)),
              ("known POAG", ("poag", "primary open")), ("T1DM, poor control", ("t1dm", "type 1"))]
_FORMS = ["{d} {h}. {f}.", "{d}, {h}. {f}.", "{d} w/ {h}. {f}.", "Pt {d}, {h}. {f}.", "Seen today, {d}, {h}. {f}.",
          "{f} in this {d} with {h}.", "{f}, in a {d} with {h}.", "Reviewed in clinic - {d}, {h}. {f}."]
_FINDINGS = [("fundus", "OD: CDR 0.7, inferior notch"), ("fundus", "Flame haems OU, disc swelling OU"),
             ("octa", "FAZ 0.41 mm2 OD, irregular"), ("fundus", "Dot blot hems 3 quads OS")]


def test_demographics_and_history_anywhere_in_the_opening_are_the_indication(host):
    missed = []
    combos = list(itertools.product(_DEMOGRAPHICS, _HISTORIES, _FORMS))
    for k, (demo, (history, keys), form) in enumerate(combos[::4]):
        template, finding = _FINDINGS[k % len(_FINDINGS)]
        d = draft(host, template, form.format(d=demo, h=history, f=finding))
        indication = (d.indication or "").lower()
        age = re.search(r"\d+", demo).group()
        if age not in indication or not any(key in indication for key in keys) or re.search(
                rf"(?<![\d.]){age}\s*(?:yo|y/o|-year|m\b|f\b)", findings_text(d).lower()):
            missed.append((form.format(d=demo, h=history, f=finding), d.indication))
    assert not missed, missed[:5]


@pytest.mark.parametrize(("study", "indication"), [
    ("OCTA OU, sickle cell.", "sickle cell"), ("OCT angiography of the left eye in a patient with chronic CSCR.", "cscr"),
    ("Fundus photos for DR screening.", "screening"), ("OCTA 3x3 OD - known T2DM 20y.", "t2dm"),
    ("Widefield imaging OU, on hydroxychloroquine 8 years.", "hydroxychloroquine"),
    ("OCTA 6x6 OS in a 71yo woman with metamorphopsia.", "metamorphopsia"),
])
def test_a_study_line_carrying_the_indication_gives_it_to_the_indication(host, study, indication):
    template = "octa" if "oct" in study.lower() else "fundus"
    d = draft(host, template, f"{study} Scattered MAs temporal macula OS. No NV.")
    written = (lexicon.EYE.expansion(indication) or indication).lower()  # "CSCR" is written out
    assert written in (d.indication or "").lower()
    assert written not in findings_text(d).lower()


def test_a_study_line_followed_by_a_finding_keeps_the_finding():
    out = parse_dictation("OCTA OU, FAZ enlarged OD. SCP VD reduced OS.")
    assert any("enlarged" in s and lexicon.eyes_of(s) == {"right"} for s in out)
    assert not any(s.lower().startswith("indication") for s in out)


# --- OCTA per-eye values and comparisons: each value and sign keeps its eye and its plexus ------------------

@pytest.mark.parametrize("unit", ["mm2", "mm\u00b2", " mm2"])
@pytest.mark.parametrize("sign", ["capillary ring disrupted", "FAZ irregular", "perifoveal ring broken"])
def test_octa_values_per_eye_then_a_sign_of_one_eye_keep_each_eye(host, unit, sign):
    d = draft(host, "octa", f"FAZ 0.36{unit} OD, 0.52{unit} OS, OS {sign}. No NV.")
    faz = [f for f in d.findings if f.region == "faz" and not f.is_default]
    said = " ".join(f.text for f in faz)
    assert re.search(r"0\.36 mm2 (?:in )?(?:the )?right eye", said) and re.search(r"0\.52 mm2 (?:in )?(?:the )?left eye", said)
    assert any(sign.split()[-1] in f.text and f.laterality == "left" for f in faz)


@pytest.mark.parametrize("comparison", ["worse than SCP", "more marked than in the SCP", "less than DCP", "denser than before"])
def test_a_comparison_part_stays_with_its_statement(comparison):
    out = parse_dictation(f"OS: diffuse DCP flow loss, {comparison}. FAZ enlarged.")
    assert any("flow loss" in s and comparison.split()[0] in s and lexicon.eyes_of(s) == {"left"} for s in out)


# --- the lexicon: sorter words of the fundus and OCTA families, diagnoses, grading shorthand ------------------

@pytest.mark.parametrize(("template", "words", "region"), [
    ("fundus", ["salmon patch", "black sunburst", "iridescent spots", "sea fan", "CMV retinitis", "retinochoroiditis",
                "chorioretinitis", "multifocal choroiditis", "choroidal granuloma", "snowballs"], "periphery"),
    ("fundus", ["macular thickening", "retinal thickening", "cystoid spaces"], "macula"),
    ("fundus", ["vitritis", "vitreous haze"], "others"),
    ("octa", ["capillary ring disrupted", "perifoveal capillary ring broken", "parafoveal ring irregular"], "faz"),
    ("octa", ["flat irregular network of flow beneath the RPE", "flow signal in the outer retina",
              "sub-RPE flow", "tangled flow network"], "neovascularization"),
])
def test_eye_sorter_word_families_go_to_their_region(template, words, region):
    sorter = lexicon.sorter_for(template)
    wrong = [w for w in words if region not in sorter.classify(f"{w[:1].upper()}{w[1:]} in the right eye.")]
    assert not wrong, wrong


@pytest.mark.parametrize("diagnosis", ["Pachychoroid neovasculopathy", "Polypoidal choroidal vasculopathy", "Birdshot chorioretinopathy",
                                       "VKH", "Stargardt disease", "NAION", "Endophthalmitis", "Acute retinal necrosis",
                                       "Choroidal haemangioma", "Sympathetic ophthalmia"])
def test_a_stated_diagnosis_goes_to_the_impression(host, diagnosis):
    d = draft(host, "fundus", f"OS: subretinal fluid temporal macula, few drusen. {diagnosis} OS.")
    first = diagnosis.split()[0]
    written = (lexicon.EYE.expansion(first.lower()) or first).split()[0].lower()  # "NAION", "VKH" are written out
    assert any(written in i.lower() for i in d.impression)


@pytest.mark.parametrize(("short", "word"), [("intermed", "intermediate"), ("mult", "multiple"), ("occ", "occasional"),
                                             ("scatt", "scattered"), ("adv", "advanced"), ("lge", "large")])
def test_grading_shorthand_is_written_out(short, word):
    assert word in " ".join(parse_dictation(f"OD: {short} drusen macula.")).lower()


@pytest.mark.parametrize("text", ["FAZ 0.29/0.33 mm2 OD/OS.", "FAZ area 0.29 (OD) and 0.33 (OS) mm2.", "FAZ OD 0.29, OS 0.33 mm2.",
                                  "FAZ 0.29 mm2 OD, 0.33 mm2 OS.", "FAZ 0.29mm\u00b2 RE, 0.33mm\u00b2 LE."])
def test_octa_value_pairs_in_every_form_give_each_eye_its_value_and_subject(text):
    out = parse_dictation(text)
    assert any("0.29" in s and "faz" in s.lower() and lexicon.eyes_of(s) == {"right"} for s in out), out
    assert any("0.33" in s and "faz" in s.lower() and lexicon.eyes_of(s) == {"left"} for s in out), out
