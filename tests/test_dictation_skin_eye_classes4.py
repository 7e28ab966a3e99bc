"""Dictation failure classes fixed in the fourth dermatology/ophthalmology round (issue 13), one test per
class and specialty, through the built-in plugins' configured (offline) drafters. Inputs are new
shorthand, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

import re

import pytest

from test_dictation_skin_eye import draft, findings_text, host, region_text  # noqa: F401 (host is a fixture)


# --- the reason for the exam said first, without a cue word, is the indication --------------------------


@pytest.mark.parametrize(("notes", "reason"), [
    ("New floaters OD 1/52. OD: PVD, no tear, periphery flat 360.", "floaters"),
    ("Gradual blurred vision OS. OS: soft drusen at macula, no haem.", "blurred vision"),
    ("Ocular hypertension OU. CDR 0.4 OU, rims healthy.", "ocular hypertension"),
    ("Diabetic eye screening. OU: few MAs, no exudates.", "screening"),
])
def test_eye_opening_reason_goes_to_the_indication(host, notes, reason):
    d = draft(host, "fundus", notes)
    assert reason in (d.indication or "").lower()
    assert reason not in findings_text(d).lower()
    assert findings_text(d).strip()


def test_eye_opening_reason_in_octa_and_a_closing_plan_stays_a_plan(host):
    d = draft(host, "octa", "Known POAG OU. Peripapillary VD reduced superotemporally OD.")
    assert "open-angle glaucoma" in (d.indication or "").lower()
    assert "glaucoma" not in findings_text(d).lower()
    later = draft(host, "fundus", "OU: mild NPDR, few MAs. Routine annual screening.")
    assert "screening" not in (later.indication or "").lower()
    assert any("screening" in i.lower() for i in later.impression)
    # a diagnosis said first is no reason for the exam: it stays the conclusion
    first = draft(host, "fundus", "Moderate NPDR OD. OD: dot-blot haems 2 quadrants.")
    assert "npdr" not in (first.indication or "").lower()


# --- the sex before the age ("F 34") is demographics ----------------------------------------------------


def test_skin_sex_then_age_goes_to_the_indication(host):
    d = draft(host, "skin_lesion", "M 57, crusted papule R forearm 6mm.")
    assert "57" in (d.indication or "")
    assert "57" not in findings_text(d)
    assert "Right forearm." in region_text(d, "distribution_site")


def test_eye_sex_then_age_goes_to_the_indication(host):
    d = draft(host, "fundus", "F, 66. OS: soft drusen at the macula.")
    assert "66" in (d.indication or "")
    assert "66" not in findings_text(d)


# --- a side after a count ("papules x4 R cheek") is the site's side -------------------------------------


def test_skin_side_after_a_count_is_kept(host):
    d = draft(host, "skin_lesion", "Pedunculated papules x4 R neck, 2mm each.")
    assert "right neck" in region_text(d, "distribution_site").lower()
    assert not re.search(r"\bR\b", findings_text(d))


# --- a body site said only in a history sentence is the lesion's site ------------------------------------


@pytest.mark.parametrize(("notes", "site"), [
    ("Hx: new mole R upper arm noticed by partner. O/E: 4 mm even brown macule.", "Right upper arm."),
    ("Previously excised SCC L forearm, now 9mm crusted nodule in the scar.", "Left forearm."),
])
def test_skin_site_said_only_in_the_history_is_the_site(host, notes, site):
    d = draft(host, "skin_lesion", notes)
    assert site in region_text(d, "distribution_site")


def test_skin_dictated_site_wins_over_the_history_and_two_sites_are_no_guess(host):
    d = draft(host, "skin_lesion", "Previous BCC L cheek. 5mm pearly papule R temple.")
    assert "Right temple." in region_text(d, "distribution_site")
    assert "cheek" not in region_text(d, "distribution_site").lower()
    two = draft(host, "skin_lesion", "Hx: BCC L cheek 2019, SCC R hand 2021. 5mm pearly papule.")
    assert "cheek" not in region_text(two, "distribution_site").lower()
    assert "hand" not in region_text(two, "distribution_site").lower()


# --- a plan said as an imperative ("Check BP and HbA1c.") is the impression's --------------------------


def test_eye_imperative_plan_goes_to_the_impression(host):
    d = draft(host, "fundus", "OD: flame haems along the superotemporal arcade, CWS. Arrange FFA. Check BP and HbA1c.")
    assert any(i.startswith("Arrange") for i in d.impression)
    assert any(i.startswith("Check BP") for i in d.impression)
    assert "Check" not in findings_text(d) and "Arrange" not in findings_text(d)


# --- a history label's section ends at its sentence when a size opens the next one ---------------------


def test_skin_history_label_ends_before_the_examined_lesion(host):
    for notes in ("History: itchy spot 3/12. 9mm scaly pink plaque R calf.", "Hx: itchy spot. 9mm scaly pink plaque R calf."):
        d = draft(host, "skin_lesion", notes)
        assert "Measures 9 mm." in region_text(d, "size")
        assert "Plaque." in region_text(d, "morphology")
        assert "Right calf." in region_text(d, "distribution_site")
        assert "plaque" not in region_text(d, "others").lower()
    approx = draft(host, "skin_lesion", "Approx. 9 mm papule R calf.")
    assert "Measures approximately 9 mm." in region_text(approx, "size")
