"""Pathology and layout classes fixed in round 10 of issue 13 (h-derm10), tested as families over several forms and
made-up words (the mechanism must not depend on the vocabulary)."""

from __future__ import annotations

import pytest

from pixtralogist.kit.layout import lay_out
from test_dictation_skin_eye import host  # noqa: F401 (host is a fixture)


def draft(host, notes: str):
    from pixtralogist.core.models import Case

    template = host.template("breast-resection")
    case = Case(notes=notes, indication="", modality="", body_part="breast", specialty_hint="pathology")
    return host.drafter(template.specialty, template).draft(case, template)


def region(d, name: str) -> str:
    return " ".join(f.text for f in d.findings if f.region == name and not f.is_default)


# --- a statement that ends with whom it is from: the patient first, the statement whole -----------------------------

PATIENTS = ["a 19-year-old woman", "a 64 yo woman", "an 81 year old female patient", "a 45-year-old man",
            "this 52 y/o lady"]


@pytest.mark.parametrize("who", PATIENTS)
@pytest.mark.parametrize("prep", ["from", "of", "in"])
@pytest.mark.parametrize("stmt", ["Zorvic excision", "Left blorvic resection", "Tarvin ellipse, right side"])
def test_the_patient_after_a_statement_is_said_first(who, prep, stmt):
    out = lay_out(f"{stmt} {prep} {who}. Morstal carcinoma 12 mm.")
    first, second = out.split(". ")[:2]
    assert first == who.split(" ", 1)[1]
    assert second == stmt


@pytest.mark.parametrize("who", PATIENTS)
@pytest.mark.parametrize("proc", ["Left lumpectomy", "Right mastectomy", "Left wide local excision"])
def test_a_procedure_from_a_patient_keeps_its_procedure_and_side(host, who, proc):
    d = draft(host, f"{proc} from {who}. Invasive ductal carcinoma, 12 mm. Margins clear.")
    assert proc.split()[0].lower() in region(d, "laterality").lower(), proc
    assert proc.split()[-1].lower() in region(d, "procedure").lower()
    assert who.split()[1].split("-")[0] in str(d.indication)


def test_a_place_after_a_patient_is_no_statement_of_whom():
    text = "Nodule in the RUL in a 70 year old smoker."
    assert lay_out(text) == text


# --- a shortened word's period ends no sentence ("incl. keratin IHC", "e.g. ITCs", "assoc. LCIS") -------------------

@pytest.mark.parametrize("abbr", ["incl.", "e.g.", "i.e.", "esp.", "Incl."])
@pytest.mark.parametrize("rest", ["keratin IHC", "zorvic stain", "Tarvin panel"])
def test_an_abbreviation_period_keeps_the_sentence_whole(host, abbr, rest):
    d = draft(host, f"IDC, 12 mm. SLN 0/1 {abbr} {rest}. No LVI.")
    nodes = region(d, "lymph_nodes")
    assert rest in nodes, (abbr, nodes)


@pytest.mark.parametrize("short,long", [("Int-grade", "intermediate"), ("Hi-grade", "high"), ("Lo-grade", "low")])
@pytest.mark.parametrize("tail", ["DCIS, cribriform", "DCIS, solid, within the zorvic mass"])
def test_short_grades_of_dcis_are_written_out(host, short, long, tail):
    d = draft(host, f"IDC, 12 mm. {short} {tail}. Margins clear.")
    text = " ".join(f.text for f in d.findings if not f.is_default).lower()
    assert f"{long}-grade dcis" in text, text
