"""Dictation content classes fixed in the sixth dermatology/ophthalmology round (issue 13, "do5"), one test
per class and specialty, through the built-in plugins' configured (offline) drafters. Inputs are new
shorthand, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

import pytest

from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)


# --- dermatology -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("abbrev", "expanded"), [
    ("ACD", "allergic contact dermatitis"), ("CSU", "chronic spontaneous urticaria"), ("PR", "pityriasis rosea"),
    ("EN", "erythema nodosum"), ("CNH", "chondrodermatitis nodularis helicis"), ("LS", "lichen sclerosus"),
    ("DFSP", "dermatofibrosarcoma protuberans"),
])
def test_common_dermatology_abbreviations_are_expanded(host, abbrev, expanded):
    d = draft(host, "skin_lesion", f"R forearm erythematous plaque 2cm. Imp: {abbrev}.")
    assert any(expanded in i.lower() for i in d.impression)


@pytest.mark.parametrize("shape", ["annular", "polycyclic", "arcuate"])
def test_a_lesion_shape_word_is_morphology_not_the_site(host, shape):
    d = draft(host, "skin_lesion", f"R thigh 3cm {shape} red plaque, fine scale.")
    assert shape in region_text(d, "morphology").lower()
    assert shape not in region_text(d, "distribution_site").lower()


@pytest.mark.parametrize("symptom", ["bleeds when he shaves over it", "catches on her bra strap", "itches at night"])
def test_a_symptom_with_its_trigger_is_history_not_the_surface(host, symptom):
    d = draft(host, "skin_lesion", f"L chest wall 5mm papule. {symptom.capitalize()}.")
    assert symptom.split()[0] in region_text(d, "others").lower()
    assert symptom.split()[0] not in region_text(d, "surface").lower()


def test_a_past_event_is_history_and_an_imperative_plan_is_the_impression(host):
    d = draft(host, "skin_lesion", "Violaceous papules on both wrists. He began a new beta blocker three weeks ago. "
                                   "Check LFTs and stop the beta blocker.")
    assert "beta blocker three weeks ago" in region_text(d, "others").lower().replace("3 weeks", "three weeks")
    assert any(i.lower().startswith("check lfts") for i in d.impression)
    assert "check" not in region_text(d, "distribution_site").lower()


def test_narrative_demographics_with_an_article_are_the_indication(host):
    d = draft(host, "skin_lesion", "A 63 year old farmer with a keratotic papule on the right ear, 6 mm.")
    assert "63 year old" in (d.indication or "")
    assert "63" not in findings_text(d)


# --- ophthalmology -----------------------------------------------------------------------------------


def test_a_lesion_placed_relative_to_the_disc_is_not_the_disc(host):
    d = draft(host, "fundus", "OS: flat grey choroidal naevus 1.5 DD inferonasal to the optic disc. CDR 0.4 OS.")
    assert "naevus" in region_text(d, "periphery").lower()
    assert "naevus" not in region_text(d, "optic_disc").lower()
    assert "0.4" in region_text(d, "optic_disc")


def test_a_side_word_opening_a_clause_names_the_eye_of_its_structure(host):
    d = draft(host, "fundus", "Right optic nerve head pale temporally. Left CDR 0.6.")
    disc = region_text(d, "optic_disc").lower()
    assert "pale temporally in the right eye" in disc
    assert "0.6 in the left eye" in disc


def test_a_clause_after_and_with_its_own_subject_is_not_under_the_denial(host):
    d = draft(host, "fundus", "No drusen nasally and the fovea is flat.")
    assert "the fovea is flat" in region_text(d, "macula").lower()
    assert "no the" not in findings_text(d).lower()


@pytest.mark.parametrize("opening", ["Hx CRAO OD 2 yrs ago.", "Known BRVO OD since 2024.",
                                     "OCTA OD. Hemi-CRVO 5 weeks ago."])
def test_a_past_event_in_the_opening_lines_is_the_indication(host, opening):
    d = draft(host, "octa" if opening.startswith("OCTA") else "fundus", f"{opening} Disc pink. No NV OD.")
    assert "ago" in (d.indication or "").lower() or "since" in (d.indication or "").lower()


def test_a_hedged_verdict_stays_with_its_statement(host):
    d = draft(host, "fundus", "OD: 2 DD flat choroidal naevus superotemporal. Choroidal naevus, probably benign. Photos 12/12.")
    assert any("probably benign" in i.lower() for i in d.impression + [f.text for f in d.findings])
    assert not any(f.text.lower().startswith("probably benign") for f in d.findings)


def test_octa_collateral_vessels_are_split_from_the_faz(host):
    d = draft(host, "octa", "OCTA 6x6 OD. Irregular FAZ and collateral vessels crossing the raphe. No NV.")
    assert "collateral" in region_text(d, "others").lower()
    assert "collateral" not in region_text(d, "faz").lower()


def test_toxo_is_expanded(host):
    d = draft(host, "fundus", "OS: active retinochoroiditis next to a pigmented scar. Imp: toxo reactivation OS.")
    assert any("toxoplasma" in i.lower() for i in d.impression)
