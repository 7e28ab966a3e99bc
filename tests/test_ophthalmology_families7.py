"""Round 7 (issue 13): eye conditions by FAMILY keep their region and reach the impression.

Generator tests over the families the ophthalmology lexicon knows (retinal vascular, macular, inherited,
inflammatory/infective, tumours, optic nerve, peripheral retina, OCT angiography): each condition is
dictated in a sentence of its own, with its eye, and must land in the region it belongs to; a concluded
diagnosis must reach the impression; real eye words are never "corrected" into other words. Inputs are
written for these tests, not copied from any benchmark set.
"""
from __future__ import annotations

import pytest

from pixtralogist.core.models import Case
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.dictation import parse_dictation
from pixtralogist.plugins.ophthalmology.templates import get_template

SPEC = "ophthalmology"

# (family, what the clinician saw, a word the report keeps, its region in the fundus template)
FINDINGS = [
    ("macular", "egg-yolk vitelliform lesion at the fovea", "vitelliform", "macula"),
    ("macular", "pseudohypopyon of the lesion", "pseudohypopyon", "macula"),
    ("macular", "beaten-bronze atrophy with yellow flecks", "beaten-bronze", "macula"),
    ("macular", "choroidal folds across the posterior pole", "folds", "macula"),
    ("optic nerve", "optic disc pit inferotemporally", "pit", "optic_disc"),
    ("optic nerve", "myelinated nerve fibres along the superior arcade", "myelinated", "optic_disc"),
    ("optic nerve", "bow-tie atrophy", "bow-tie", "optic_disc"),
    ("optic nerve", "angioid streaks radiating outwards", "angioid", "optic_disc"),
    ("optic nerve", "melanocytoma, jet black, 1 DD", "melanocytoma", "optic_disc"),
    ("tumours", "flat CHRPE with lacunae", "congenital hypertrophy of the rpe", "periphery"),
    ("tumours", "bear tracks in the superior quadrant", "bear tracks", "periphery"),
    ("tumours", "astrocytic hamartoma near the arcade", "hamartoma", "periphery"),
    ("tumours", "retinal haemangioblastoma 2 DD", "haemangioblastoma", "periphery"),
    ("peripheral retina", "commotio retinae temporally", "commotio", "periphery"),
    ("peripheral retina", "retinal dialysis inferotemporal", "dialysis", "periphery"),
    ("peripheral retina", "choroidal detachment 360 degrees", "choroidal detachment", "periphery"),
    ("peripheral retina", "snail track degeneration", "snail track", "periphery"),
    ("inherited", "scalloped areas of gyrate atrophy", "gyrate", "periphery"),
    ("inflammatory", "Dalen-Fuchs nodules in the midperiphery", "dalen-fuchs", "periphery"),
    ("retinal vascular", "sea fan neovascularisation temporally", "sea fan", "periphery"),
]


@pytest.mark.parametrize("family, seen, key, region", FINDINGS, ids=[f"{f}:{k}" for f, _, k, _ in FINDINGS])
def test_condition_of_each_family_lands_in_its_region(host, family, seen, key, region):
    tpl = get_template("fundus")
    d = host.drafter(SPEC, tpl).draft(Case(notes=f"RE: {seen}. LE normal.", indication="blurred vision"), tpl)
    placed = d.region_dict()[region].lower()
    assert key in placed and "right eye" in placed, (region, d.region_dict())


# (family, a concluded diagnosis as a clinician writes it)
DIAGNOSES = [
    ("retinal vascular", "Purtscher retinopathy"), ("retinal vascular", "Terson syndrome"),
    ("retinal vascular", "retinal arterial macroaneurysm"), ("retinal vascular", "Susac syndrome"),
    ("macular", "angioid streaks"), ("macular", "solar maculopathy"), ("macular", "Irvine-Gass CMO"),
    ("macular", "myopic foveoschisis"), ("inherited", "Best disease"), ("inherited", "choroideremia"),
    ("inherited", "gyrate atrophy"), ("inherited", "X-linked retinoschisis"), ("inherited", "Bietti crystalline dystrophy"),
    ("inflammatory", "POHS"), ("inflammatory", "toxocariasis"), ("inflammatory", "ocular syphilis"),
    ("inflammatory", "VKH"), ("inflammatory", "sarcoid uveitis"), ("inflammatory", "APMPPE"),
    ("tumours", "choroidal haemangioma"), ("tumours", "uveal melanoma"), ("tumours", "combined hamartoma"),
    ("tumours", "vasoproliferative tumour"), ("optic nerve", "MRNF"), ("optic nerve", "band atrophy"),
    ("optic nerve", "optic nerve hypoplasia"), ("peripheral retina", "commotio retinae"),
    ("peripheral retina", "retinal dialysis"), ("peripheral retina", "PVR grade C"),
]


_EXPANDED = {"VKH": "Vogt-Koyanagi-Harada", "POHS": "presumed ocular histoplasmosis", "APMPPE": "placoid",
             "MRNF": "myelinated retinal nerve fibres", "Irvine-Gass CMO": "Irvine-Gass", "PVR grade C": "proliferative vitreoretinopathy"}


@pytest.mark.parametrize("family, dx", DIAGNOSES, ids=[f"{f}:{d}" for f, d in DIAGNOSES])
def test_concluded_diagnosis_of_each_family_reaches_the_impression(host, family, dx):
    assert lexicon.DIAGNOSIS_RE.search(dx), dx
    tpl = get_template("fundus")
    notes = f"Discs pink, vessels normal. Few small drusen OD, pigment mottling OS, MAs OS. Likely {dx} OS. Review 3 months."
    d = host.drafter(SPEC, tpl).draft(Case(notes=notes, indication="blurred vision"), tpl)
    said = _EXPANDED.get(dx, dx).lower()  # an abbreviation comes back written out
    assert any(said in i.lower() for i in d.impression), d.impression


OCTA_CONCLUSIONS = ["choriocapillaris flow deficits", "microvascular damage", "vascular traction from the ERM",
                    "quiescent MNV"]


@pytest.mark.parametrize("dx", OCTA_CONCLUSIONS)
def test_octa_conclusion_reaches_the_impression(host, dx):
    tpl = get_template("octa")
    notes = f"FAZ 0.31 mm2 OD. SCP VD 44% OD. DCP normal. Imp: {dx} OD."
    d = host.drafter(SPEC, tpl).draft(Case(notes=notes, indication="review"), tpl)
    assert any(dx.split()[0].lower() in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("word", ["macroaneurysm", "macroaneurysms", "myelinated", "angioid", "vitelliform",
                                  "hamartoma", "osteoma", "choroideremia", "papillitis", "retinitis"])
def test_real_eye_words_are_never_corrected_into_other_words(word):
    assert word in parse_dictation(f"Small {word} OD.")[0]


def test_a_true_typo_is_still_corrected():
    assert "haemorrhages" in parse_dictation("Blot haemorrhges OD.")[0].lower()


@pytest.mark.parametrize("notes, said, not_said", [
    ("Vit A deficiency suspected.", "Vitamin A", "vitreous"),
    ("Vit B12 low, ?nutritional optic neuropathy.", "Vitamin B12", "vitreous"),
    ("Vit haem OD.", "Vitreous", "vitamin"),
])
def test_vit_is_a_vitamin_before_its_letter_and_the_vitreous_otherwise(notes, said, not_said):
    out = " ".join(parse_dictation(notes))
    assert said in out and not_said not in out.lower()


# --- the shapes of an eye or a qualifier said after its statement (laterality, severity, temporality) ------------


@pytest.mark.parametrize("notes, expected", [
    ("Attenuation, LE. OD: epiretinal membrane.", "Attenuation in the left eye."),
    ("No notching, OD. OS: drusen.", "No notching in the right eye."),
    ("Probable macular hole, moderate, RE. OS: lattice.", "Probable macular hole, moderate in the right eye."),
    ("OS: drusen. Flat scar, OU.", "Flat scar in both eyes."),
])
def test_an_eye_said_alone_after_its_statement_is_that_statements_eye(notes, expected):
    assert expected in parse_dictation(notes)


@pytest.mark.parametrize("notes, expected", [
    ("OS: drusen. OD: Pigment clumping, stable since last visit.", "Pigment clumping, stable since last visit in the right eye."),
    ("OD: lattice, age indeterminate.", "Lattice, age indeterminate in the right eye."),
    ("OS: tortuosity. Venous beading - moderate in RE.", "Venous beading, moderate in the right eye."),
    ("OS: drusen. Pigment mottling, unchanged - moderate left eye.", "Pigment mottling, unchanged, moderate in the left eye."),
])
def test_a_dash_or_dated_qualifier_stays_with_its_statement(notes, expected):
    assert expected in parse_dictation(notes)


def test_a_qualifier_after_a_dash_never_goes_under_a_denial():
    out = parse_dictation("PVD OS, 360 indentation - no breaks")
    assert any(s.startswith("No breaks") for s in out), out


@pytest.mark.parametrize("notes, expected", [
    ("Discs, maculae, periphery nl OS.", ["The optic discs are normal in the left eye.", "The maculae are normal in the left eye.",
                                          "The periphery is normal in the left eye."]),
    ("FAZ, SCP and DCP normal.", ["The FAZ is normal.", "The SCP is normal.", "The DCP is normal."]),
])
def test_a_list_of_structures_shares_its_predicate(notes, expected):
    assert parse_dictation(notes) == expected


def test_observe_for_a_time_is_written_out():
    assert parse_dictation("Observe 6 mo.") == ["Observe for 6 months."]


@pytest.mark.parametrize("notes", [
    "LE: pigmented lesion temporal periphery 1 DD, surrounding halo. No elevation, no SRF.",
    "RE: astrocytic hamartoma inferior to the arcade. No elevation, no SRF. LE normal.",
])
def test_a_peripheral_lesions_denied_signs_stay_with_it(host, notes):
    tpl = get_template("fundus")
    d = host.drafter(SPEC, tpl).draft(Case(notes=notes, indication="incidental lesion"), tpl)
    periphery = d.region_dict()["periphery"]
    assert "No elevation" in periphery and "No subretinal fluid" in periphery, d.region_dict()
