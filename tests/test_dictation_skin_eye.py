"""Dictation fidelity for dermatology and ophthalmology (issue 13): the failure classes the issue names,
one test per specialty, through the built-in plugins' configured (offline) drafters. Inputs are new
shorthand, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pixtralogist.core.models import Case
from pixtralogist.core.plugins import get_plugin_manager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from dictation import is_orphan  # noqa: E402  (the benchmark's own orphan test)

#: a sentence that states a size is not an orphan ("Measures 5 mm.")
SIZES = [("mm", "cm", "um")]
CASES = {"skin_lesion": ("XC", "SKIN", "dermatology"), "fundus": ("OP", "EYE", "ophthalmology"),
         "octa": ("OPT", "EYE", "ophthalmology")}


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def draft(host, template_id: str, notes: str, indication: str = ""):
    modality, body, specialty = CASES[template_id]
    template = host.template(template_id)
    case = Case(notes=notes, indication=indication, modality=modality, body_part=body, specialty_hint=specialty)
    return host.drafter(template.specialty, template).draft(case, template)


def region_text(d, region: str) -> str:
    return " ".join(f.text for f in d.findings if f.region == region and not f.is_default)


def findings_text(d) -> str:
    return " ".join(f.text for f in d.findings if not f.is_default)


# --- dermatology -----------------------------------------------------------------------------------


def test_skin_qualifier_after_its_finding_stays_with_it(host):
    d = draft(host, "skin_lesion", "Brown macule L arm 5mm. Border ill-defined, scalloped. Irreg, blurred edge.")
    border = region_text(d, "border")
    assert "The border is ill-defined and scalloped." in border
    assert "Irregular and blurred edge." in border
    assert not any(is_orphan(f.text, SIZES) for f in d.findings if not f.is_default)


def test_skin_qualifier_never_lands_in_another_region(host):
    d = draft(host, "skin_lesion", "Pink papule R knee 4mm, comma + hairpin vessels, blotch at periphery, rapid growth.")
    assert "Comma and hairpin vessels." in region_text(d, "dermoscopy")
    assert "blotch at periphery" in region_text(d, "dermoscopy").lower()
    assert "Rapid growth." in region_text(d, "others")
    assert "hairpin" not in region_text(d, "distribution_site") and "periphery" not in region_text(d, "others").lower()


def test_skin_abbreviations_expand(host):
    d = draft(host, "skin_lesion", "Erythematous papule R post neck 3mm. ?KA. Cryo. Seb K L temple.")
    assert "Right posterior neck." in region_text(d, "distribution_site")
    assert any("keratoacanthoma" in i for i in d.impression)
    assert any("seborrhoeic keratosis" in i.lower() for i in d.impression)
    assert "Cryo." not in findings_text(d)


def test_skin_unknown_site_keeps_its_side_and_demographics_go_to_the_indication(host):
    d = draft(host, "skin_lesion", "61F. Pigmented macule R infrascapular 6mm, asymm.")
    assert "Right infrascapular." in region_text(d, "distribution_site")  # never dropped, never "Right."
    assert "61" not in findings_text(d)
    assert "61" in (d.indication or "")


def test_skin_dash_and_on_dermoscopy_keep_findings_out_of_the_impression(host):
    d = draft(host, "skin_lesion", "Brown papule L flank, on dermoscopy regular globules - benign naevus, reassure.")
    assert "Papule." in region_text(d, "morphology")
    assert "Regular globules." in region_text(d, "dermoscopy")
    assert any("benign naevus" in i.lower() for i in d.impression)
    assert not any("globules" in i.lower() for i in d.impression)


# --- ophthalmology ---------------------------------------------------------------------------------


def test_eye_qualifier_after_its_finding_stays_with_it(host):
    d = draft(host, "fundus", "OS macular hole, lamellar, ~250um. OD: drusen, medium, few.")
    assert "Macular hole, lamellar, ~250 um in the left eye." in region_text(d, "macula")
    assert "Drusen, medium, few in the right eye." in region_text(d, "macula")
    assert not any(is_orphan(f.text, SIZES) for f in d.findings if not f.is_default)


def test_eye_of_a_sentence_holds_for_the_parts_after_it_and_the_sentences_after(host):
    d = draft(host, "fundus", "OS CRVO, flame hems 4 quads, CME. Disc swelling. OD nl.")
    assert "Cystoid macular edema in the left eye." in region_text(d, "macula")
    assert "Disc swelling in the left eye." in region_text(d, "optic_disc")
    assert d.impression[0].startswith("Central retinal vein occlusion in the left eye")  # the diagnosis leads


def test_eye_list_closed_by_an_eye_and_eye_comparisons(host):
    d = draft(host, "fundus", "Blot hems, MAs, CWS OS. Peripapillary atrophy OS > OD.")
    periphery = region_text(d, "periphery")
    assert "Blot hemorrhages in the left eye." in periphery and "Microaneurysms in the left eye." in periphery
    assert "left eye greater than right eye" in region_text(d, "optic_disc")
    # dot-blot/blot lesions with microaneurysms: the drafted ICDR level, per eye, marked for confirmation
    assert any(i.startswith("Moderate non-proliferative diabetic retinopathy in the left eye") for i in d.impression)


def test_eye_abbreviations_and_places(host):
    d = draft(host, "fundus", "OD: NVE w/ preretinal hge, MAs post pole. PVD OU. Bull's eye maculopathy OS. Review 1 yr.")
    assert "Neovascularization elsewhere with preretinal haemorrhage in the right eye." in region_text(d, "periphery")
    assert "Microaneurysms in the posterior pole in the right eye." in region_text(d, "macula")
    assert "Posterior vitreous detachment in both eyes." in region_text(d, "others")
    assert "maculopathy" in region_text(d, "macula")
    assert any("1 year" in i for i in d.impression)


def test_eye_undecided_421_element_is_said_not_guessed(host):
    d = draft(host, "fundus", "T2DM. OD: IRMA sup temporal, hems 2 quads.")
    graded = [i for i in d.impression if "diabetic retinopathy" in i]
    assert graded and graded[0].startswith("Moderate non-proliferative diabetic retinopathy in the right eye; "
                                           "severe non-proliferative diabetic retinopathy if the IRMA is prominent")
    assert "T2DM" not in findings_text(d)


def test_octa_artefact_is_not_a_plexus_finding(host):
    d = draft(host, "octa", "Projection artefact SCP OD. DCP density reduced OD, mild.")
    assert "artefact" in region_text(d, "others").lower()
    assert "artefact" not in region_text(d, "superficial_plexus").lower()
    assert "mild" in region_text(d, "deep_plexus").lower()
