"""Round 10 (issue 13, fixer "ophth10"): eye dictation classes by FAMILY.

Generated over several findings, eyes and made-up (nonce) description words, so that the mechanism, not the
vocabulary, is what is tested (inputs written for these tests, not copied from any benchmark set):
- a plain description the lexicon does not know ("Clusters of tiny grey zorvic flecks.", "No elevation."), said
  right after a finding of a region for the same eye, follows that finding's region instead of Other;
- a clause about the patient or the team, a verdict, a hedge, a plan, a measure or another eye's statement
  does not follow;
- OCT angiography: a neovascular network described by its look ("mature fibrovascular network", "big trunk
  vessels", "dark halo") is neovascularization.
"""
from __future__ import annotations

import itertools
import re

import pytest

from pixtralogist.plugins.ophthalmology import lexicon
from test_dictation_skin_eye import draft, host, region_text  # noqa: F401 (host is a fixture)

# (a finding the lexicon places, its region)
LEADS = [
    ("lamellar macular hole with irregular foveal contour", "macula"),
    ("soft drusen at the fovea", "macula"),
    ("sector of grouped pigmentation inferonasally", "periphery"),
    ("horseshoe tear at 11 o'clock", "periphery"),
    ("disc swelling with blurred margins", "optic_disc"),
]
# descriptions in words the lexicon does not know (nonce words among them)
DESCRIPTIONS = [
    "clusters of tiny flat grey zorvic specks",
    "blorvic proliferation at the edge",
    "kellner stippling along its edge",
    "no elevation",
    "getting smaller towards the zantic border",
]
EYES = [("RE", "right eye", "LE"), ("OS", "left eye", "OD")]


@pytest.mark.parametrize("lead, description, eye", list(itertools.product(LEADS, DESCRIPTIONS, EYES)))
def test_a_plain_description_follows_the_finding_before_it(host, lead, description, eye):
    said, name, other = eye
    finding, region = lead
    d = draft(host, "fundus", f"{said}: {finding}. {description.capitalize()}. {other}: normal.")
    key = description.split()[-1]
    assert key in region_text(d, region).lower(), d.region_dict()
    assert key not in region_text(d, "others").lower(), d.region_dict()


NOT_DESCRIPTIONS = [  # (text, its nonce word)
    ("She is zorvatic", "zorvatic"),  # the patient
    ("Blorvin team aware", "blorvin"),  # the team
    ("Not quellic currently", "quellic"),  # a verdict
    ("Dravic specks 3 mm", "dravic"),  # a measure
    ("Plonic, snerric and wuvic specks", "plonic"),  # a list
]


@pytest.mark.parametrize("lead, said", list(itertools.product(LEADS, NOT_DESCRIPTIONS)))
def test_a_clause_verdict_or_measure_does_not_follow(host, lead, said):
    finding, region = lead
    text, nonce = said
    d = draft(host, "fundus", f"RE: {finding}. {text}. LE: normal.")
    assert nonce not in region_text(d, region).lower(), d.region_dict()


@pytest.mark.parametrize("lead, description", list(itertools.product(LEADS, DESCRIPTIONS[:3])))
def test_a_description_of_the_other_eye_does_not_follow(host, lead, description):
    finding, region = lead
    d = draft(host, "fundus", f"RE: {finding}. LE: {description}.")
    assert description.split()[-1] not in region_text(d, region).lower(), d.region_dict()


@pytest.mark.parametrize("description", DESCRIPTIONS[:3])
def test_a_description_with_no_finding_before_it_stays_in_other(host, description):
    d = draft(host, "fundus", f"{description.capitalize()} in the right eye. Left eye normal.")
    assert description.split()[-1] in region_text(d, "others").lower(), d.region_dict()


NETWORKS = ["large mature fibrovascular network", "fibrovascular complex", "immature filamentous network",
            "big trunk vessels", "feeder vessel at the centre", "dark halo around the lesion"]


@pytest.mark.parametrize("network, eye", list(itertools.product(NETWORKS, ["OD", "OS"])))
def test_octa_network_described_by_its_look_is_neovascularization(host, network, eye):
    d = draft(host, "octa", f"{eye}: {network} in the outer retina slab. SCP normal.")
    assert network.split()[1] in region_text(d, "neovascularization").lower(), d.region_dict()


@pytest.mark.parametrize("description", ["long filamentous zorvic loops", "blorvic pruning at the margin", "no kellner halo"])
def test_octa_description_after_the_network_follows_it(host, description):
    d = draft(host, "octa", f"OD: mature fibrovascular network under the fovea. {description.capitalize()}. OS normal.")
    assert description.split()[1] in region_text(d, "neovascularization").lower(), d.region_dict()


# a plan said as a noun phrase, whatever the test or drug (nonce names): the impression's, without the eye of the
# finding said before it
NOUN_PLANS = [
    ("Zorvatin gene testing", "zorvatin"),
    ("KLX4 testing", "klx4"),
    ("Trial of topical blorvex", "blorvex"),
    ("Kellner scan and AF to confirm", "kellner"),
    ("No follow-up needed", "follow-up"),
    ("No further treatment required", "treatment"),
    ("Vitreous tap for zorvic PCR", "zorvic"),
    ("Discuss quellamide", "quellamide"),
    ("Routine digital screening 12/12", "screening"),
]


@pytest.mark.parametrize("plan, eye", list(itertools.product(NOUN_PLANS, ["OD", "LE"])))
def test_a_noun_phrase_plan_goes_to_the_impression_without_the_carried_eye(host, plan, eye):
    text, key = plan
    d = draft(host, "fundus", f"{eye}: inferotemporal schisis with inner leaf holes. {text}.")
    hit = [s for s in d.impression if key in s.lower()]
    assert hit and not any("eye" in s.lower() for s in hit), (d.impression, d.region_dict())
    assert key not in region_text(d, "others").lower(), d.region_dict()


PRIORITY = ["URGENT:", "Urgent -", "STAT:", "Emergency:", "ASAP:"]
PATIENTS = ["48M, red painful eye 5 days", "62 yo F, sudden floaters", "Pt 33F, zorvatic headache 2 weeks"]


@pytest.mark.parametrize("label, patient", list(itertools.product(PRIORITY, PATIENTS)))
def test_a_priority_label_does_not_make_the_patient_a_plan(host, label, patient):
    d = draft(host, "fundus", f"{label} {patient}. LE: dense vitritis, disc swollen. RE clear.")
    age = patient.split(",")[0].split()[-1]
    assert not any(age in s for s in d.impression), d.impression
    assert any("urgent" in s.lower() for s in d.impression), d.impression


SOURCES = ["Optom referral", "GP referral", "Optometrist referral", "Kellner clinic referral", "Referral"]
QUESTIONS = ["?glaucoma", "possible disc swelling", "query CRVO", "?zorvic maculopathy", "re blorvic flecks"]
_RECOMMENDATION = [re.compile(p, re.I) for p in lexicon.EYE.concept("eye_recommendation").patterns]


@pytest.mark.parametrize("source, question", list(itertools.product(SOURCES, QUESTIONS)))
def test_a_referral_with_its_question_is_no_recommendation(source, question):
    text = f"{source} {question}"
    assert not any(rx.search(text) for rx in _RECOMMENDATION), text


@pytest.mark.parametrize("plan", ["Refer to MR clinic", "Urgent VR referral today", "Referral to zorvic clinic",
                                  "GP to check BP", "Refer HES routine", "Referred to kellner service"])
def test_a_referral_as_a_plan_stays_a_recommendation(plan):
    assert any(rx.search(plan) for rx in _RECOMMENDATION), plan


def test_an_opening_referral_with_its_question_goes_to_the_indication(host):
    d = draft(host, "fundus", "Optom referral ?glaucoma, IOP 19/18. Both discs large, CDR 0.65 OU. Maculae nl.")
    assert "glaucoma" in (d.indication or "").lower() and not any("referral" in s.lower() for s in d.impression)
