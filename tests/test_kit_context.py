"""kit/context.py: plans, clinical context and demographics go where they belong whatever their position, in
every template (generated over forms x positions, not copies of benchmark rows)."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from pixtralogist.kit.context import (  # noqa: E402
    dictated_conclusions, is_context, is_plan, opening_question,
)

PLAN_LEADS = ["Plan: {a}", "Rec: {a}", "Mx - {a}", "=> {a}", "-> {a}", "For {a}"]
ACTIONS = ["excision", "MDT discussion", "repeat imaging", "anti-VEGF", "biopsy"]
VERBS = ["Discuss at MDT", "Review in 3/12", "Refer to retina", "Reassure and discharge", "Continue treat and extend",
         "Recall 12 months", "Urgent referral to plastics", "Rec CT 3 mo", "Excise", "Monitor 6-monthly", "Start PPI",
         "Rx: emollients"]


@pytest.mark.parametrize("lead,action", list(itertools.product(PLAN_LEADS, ACTIONS)))
def test_plan_openings_are_plans(lead, action):
    assert is_plan(lead.format(a=action))


@pytest.mark.parametrize("text", VERBS)
def test_verbs_of_management_are_plans(text):
    assert is_plan(text)


@pytest.mark.parametrize("text", ["For comparison, prior CT.", ">20 haemorrhages in 4 quadrants.", "Review of prior imaging.",
                                  "Formed opacity.", "Referred pain.", "Recurrent nodules.", "Monitoring device.",
                                  "For 3 months.", "For several years."])
def test_not_plans(text):
    assert not is_plan(text)


CONTEXTS = ["Known {x}", "Hx of {x}", "H/o {x}", "Referred by GP for {x}", "F/u of {x}", "Follow-up of {x}",
            "Eval for {x}", "Family history of {x}", "Staging of {x}"]


@pytest.mark.parametrize("form,x", list(itertools.product(CONTEXTS, ["glioma", "melanoma", "wet AMD", "lung cancer"])))
def test_context_openings(form, x):
    assert is_context(form.format(x=x))


@pytest.mark.parametrize("text", ["Known RUL mass, increased in size.", "Known 3 cm mass.", "F/u of nodule in 3 months.",
                                  "Follow-up of the nodule is recommended.", "Known glioma now with new enhancement."])
def test_findings_and_plans_are_no_context(text):
    assert not is_context(text)


def test_opening_question_needs_the_demographics_near():
    import re

    demo = re.compile(r"\d{1,3} ?(?:yo|y/o)? ?[mf]\b", re.I)
    assert opening_question("86F. ?PE. Small effusion.", demo) == "?PE"
    assert opening_question("?PE. 86F. Small effusion.", demo) == "?PE"
    assert opening_question("33 y/o F, query lymphoma. Nodes.", demo) == "query lymphoma"
    assert opening_question("?Porokeratosis. Annular plaque L shin.", demo) is None  # the working diagnosis
    assert opening_question("65M SOB. ?effusion.", demo) is None  # a hedged finding after the question


@pytest.mark.parametrize("form", ["Imp: {x}", "Impression: {x}", "Conclusion - {x}", "Summary: {x}", "Overall c/w {x}",
                                  "Findings c/w {x}", "IMP - {x}", "Likely {x}", "Most likely {x}"])
def test_dictated_conclusions_are_read(form):
    [c] = dictated_conclusions(f"Small thing. {form.format(x='subacute infarct')}. Plan: MRI.")
    assert "subacute infarct" in c.lower()


# --- end to end, every template: a plan, a context and the demographics at the start, middle and end -----------

CASES = {
    "cxr": ("Small R effusion.", "Cardiomegaly.", "effusion"),
    "ct_chest": ("8mm RUL nodule.", "Emphysema.", "nodule"),
    "mri_brain": ("Small vessel disease.", "Old lacunar infarct.", "vessel"),
    "skin_lesion": ("Pigmented papule L shoulder.", "Irregular border.", "papule"),
    "fundus": ("OD: dot blot haemorrhages.", "OS: hard exudates.", "haemorrhages"),
    "octa": ("OD: CNV.", "OS: drusen.", "cnv"),
    "breast-resection": ("L mastectomy.", "Invasive ductal carcinoma, grade 2.", "carcinoma"),
}
PARTS = [("72F.", "indication", "72"), ("Known diabetic, annual screen.", "indication", "diabetic"),
         ("Discuss at MDT.", "impression", "mdt"), ("Plan: review in 3/12.", "impression", "review")]


@pytest.fixture(scope="module")
def host():
    from dictation import _host

    return _host()


@pytest.mark.parametrize("template,where", list(itertools.product(sorted(CASES), ["start", "middle", "end"])))
def test_parts_are_routed_at_every_position(host, template, where):
    from dictation import _case

    a, b, _ = CASES[template]
    parts = " ".join(p for p, _, _ in PARTS)
    text = {"start": f"{parts} {a} {b}", "middle": f"{a} {parts} {b}", "end": f"{a} {b} {parts}"}[where]
    tpl = host.template(template)
    draft = host.drafter(tpl.specialty, tpl).draft(_case(template, text, ""), tpl)
    regions = " ".join(f.text for f in draft.findings if not f.is_default).lower()
    impression = " ".join(draft.impression).lower()
    indication = (draft.indication or "").lower()
    for _, home, key in PARTS:
        assert key in (indication if home == "indication" else impression), (text, home, key, draft)
        assert key not in regions, (text, key, regions)
    if home == "impression" and draft.impression:
        assert not is_plan(draft.impression[0]), draft.impression


# --- round 9: the shapes in words no lexicon knows (nonce drugs, tests, conditions) --------------------------------

NONCE_DRUG = ["zorvatide", "plenacor", "quistrabine"]
NONCE_TEST = ["Kellner assay", "brevoscopy", "Harrow titre"]
NONCE_COND = ["blorvic degeneration", "Tansley syndrome", "kravosis"]
NONCE_PLANS = ["Start IV {d}", "Admit for IV {d}", "Give {d} urgently", "Trial of topical {d}", "Will need {t}",
               "Proceed to {t}", "{t} would be confirmatory", "{c} should be excluded with {t}",
               "{t} testing, discuss {d}, genetic counselling", "{t} to confirm, review in 4 to 6 weeks",
               "Vitreous tap for PCR", "{t} and {t} recommended", "Extend {d} to 14/52", "Check {t}",
               "No follow-up needed", "No further follow-up required in the right eye", "Routine {t} screening 12/12",
               "Annual surveillance", "Topical {d} twice daily", "Consider {t}"]


@pytest.mark.parametrize("form,d,t,c", [(f, d, t, c) for f in NONCE_PLANS
                                        for d, t, c in zip(NONCE_DRUG, NONCE_TEST, NONCE_COND)])
def test_plan_shapes_in_nonce_words(form, d, t, c):
    assert is_plan(form.format(d=d, t=t, c=c) + ".")


@pytest.mark.parametrize("text", ["Oral mucosa normal.", "Sentinel lymph node biopsy x2.", "Visual acuity 6/12 stable.",
                                  "No pneumothorax.", "Optom referral ?glaucoma.", "Small left effusion.",
                                  "Malignancy cannot be excluded.", "Discharge from the nipple.",
                                  "Heart size normal - no effusion."])
def test_not_plan_shapes(text):
    assert not is_plan(text)


NONCE_CONCLUSIONS = ["= {c}", "C/w {c}", "Dx: {c}", "In keeping with {c}", "{c} is the leading consideration",
                     "In this context {c} is the leading consideration", "Highly suggestive of {c}",
                     "This is likely {c}", "{c} suspected", "Features favour {c}", "Suspect {c}", "Consistent with {c}",
                     "Picture is typical of {c}", "Diagnosis - {c}", "Probable {c}", "Mass in the hilum = {c}"]


@pytest.mark.parametrize("form,c", list(itertools.product(NONCE_CONCLUSIONS, NONCE_COND)))
def test_conclusion_shapes_in_nonce_words(form, c):
    notes = f"Small nodule. {form.format(c=c)}. Start IV zorvatide."
    assert any(c.lower() in x.lower() for x in dictated_conclusions(notes))


def test_not_conclusion_only_before_plans():
    assert dictated_conclusions("Large blorvic cups - not kravosis; discharge back to optom.")
    assert not dictated_conclusions("Heart normal - no effusion. Lungs clear.")
    assert not dictated_conclusions("Grade 2 (T3 N2 M1 = 6).")


NONCE_DEMOGRAPHICS = ["{a} {c}, ?{c2}", "{a}, known {c}", "{a} with {c}, ?{c2}", "URGENT: {a}, red eye 5 days, {c} 1 month ago",
                      "{a}, {c} x 3/12", "{a} - {c} since childhood", "{a}, {c}, on zorvatide", "{a} {c} 2 weeks ago"]


@pytest.mark.parametrize("form,a,c", [(f, a, c) for f in NONCE_DEMOGRAPHICS for a in ("66M", "34 yo F", "F 52")
                                      for c in NONCE_COND[:2]])
def test_demographics_with_history_in_nonce_words(form, a, c):
    import re

    from pixtralogist.kit.context import demographics_with_question
    demo = re.compile(r"^(?:\d{1,3}\s?(?:yo|y/o)?\s?[MF]\b|[MF]\s?\d{1,3}\b)", re.I)
    assert demographics_with_question(form.format(a=a, c=c, c2="kravosis"), demo)
    assert not demographics_with_question(f"{a}, 3 cm {c} in the RUL", demo)


@pytest.mark.parametrize("c,d", list(zip(NONCE_COND, NONCE_DRUG)))
def test_condition_then_treatment_split_from_demographics_is_history(c, d):
    from pixtralogist.kit.context import _orphan_history
    assert _orphan_history(f"{c.capitalize()}, on {d}.", lambda s: False)
    assert _orphan_history(f"{c.capitalize()}, since childhood.", lambda s: False)
    for finding in (f"{c.capitalize()}, on the left.", f"{c.capitalize()}, on CT.", f"{c.capitalize()}, on dermoscopy."):
        assert not _orphan_history(finding, lambda s: False)
    assert not _orphan_history(f"{c.capitalize()}, on {d}.", lambda s: True)  # a finding word: the reader's finding


@pytest.mark.parametrize("value", ["negative (group 5)", "positive", "equivocal", "not amplified", "low"])
@pytest.mark.parametrize("test", ["HER2/CEP17 ratio 1.3", "zorvin assay 4.2 units", "Kellner index 7"])
def test_a_test_value_after_equals_is_no_conclusion_and_its_sentence_stays(host, test, value):
    from dictation import _case

    tpl = host.template("breast-resection")
    text = f"L mastectomy. Invasive ductal carcinoma, grade 2, 24 mm. {test} = {value}. pT2 pN0."
    draft = host.drafter(tpl.specialty, tpl).draft(_case("breast-resection", text, ""), tpl)
    regions = " ".join(f.text for f in draft.findings if not f.is_default).lower()
    assert test.split()[0].lower() in regions and value.split()[0] in regions, regions
    assert not any(i.lower().startswith(value.split()[0]) for i in draft.impression), draft.impression
