"""Dictation failure classes fixed in the fourth dermatology/ophthalmology round (issue 13), one test per
class and specialty, through the built-in plugins' configured (offline) drafters. Inputs are new
shorthand, not rows of benchmarks/data/dictation_*.yaml."""

from __future__ import annotations

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
