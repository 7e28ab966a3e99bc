"""Issue 13's failure classes, in radiology (chest radiograph, CT chest, brain MRI) and pathology.

For each class the issue names (severity after the finding, a qualifier landing in another
region, abbreviations, demographics in the findings, orphaned qualifiers, what cannot be placed),
a dictation written for this test (not a development-set row) is drafted exactly as
``pixtralogist draft`` does (the built-in plugins' configured offline drafter).
"""

from __future__ import annotations

import re

import pytest

from test_dictation_facts_derm_path import draft, host, region  # noqa: F401 (host is a fixture)

from pixtralogist.core.models import Draft


def dictated(d: Draft) -> dict[str, str]:
    return {f.region: region(d, f.region) for f in d.findings if not f.is_default}


def states(host, template_id: str, notes: str, where: str, words: list[str]) -> Draft:
    """The draft of ``notes``, after checking that region ``where`` states every one of ``words``."""
    d = draft(host, template_id, notes)
    text = region(d, where).lower()
    for w in words:
        assert w in text, (w, dictated(d))
    return d


_ORPHAN = re.compile(r"^(?:(?:mild|moderate|severe|small|large|acute|chronic|old|new|subacute|loculated|simple|"
                     r"nondisplaced|post-?traumatic|age[- ]related|incidental|globular|left|right|bilateral)[ ,.]*)+$", re.I)


def assert_no_orphans(d: Draft) -> None:
    for f in d.findings:
        if f.region == "laterality":
            continue  # "Left." is the value of pathology's laterality element
        for sentence in re.split(r"(?<=\.)\s+", f.text):
            assert not _ORPHAN.match(sentence.strip()), f"orphaned fragment in {f.region}: {f.text!r}"


# --- severity (or grade) dictated after the finding ----------------------------------------------

@pytest.mark.parametrize("template_id, notes, where, words", [
    ("cxr", "Atelectasis L base, mild.", "lung", ["mild", "atelectasis", "left"]),
    ("ct_chest", "Pericardial effusion, moderate.", "heart_vessels", ["moderate pericardial effusion"]),
    ("mri_brain", "Subdural hygromas bilat, small.", "ventricles_extraaxial", ["small subdural hygromas", "bilateral"]),
    ("breast-resection", "IDC 2.1cm G2 L breast UIQ.", "grade", ["grade 2"]),
])
def test_severity_after_the_finding_stays_with_it(host, template_id, notes, where, words):
    assert_no_orphans(states(host, template_id, notes, where, words))


def test_a_pathology_run_is_split_into_its_elements(host):
    d = draft(host, "breast-resection", "IDC 2.1cm G2 L breast UIQ.")
    assert "invasive ductal carcinoma" in region(d, "histologic_type").lower()
    assert region(d, "size") == "2.1 cm."
    assert "upper inner quadrant" in region(d, "site").lower()
    assert region(d, "laterality") == "Left."
    assert "2.1" not in region(d, "site")


# --- a qualifier never lands in another region ----------------------------------------------------

@pytest.mark.parametrize("template_id, notes, where, words", [
    ("ct_chest", "Fx R 6th rib, nondisplaced, acute.", "chest_wall_bones", ["nondisplaced", "acute", "right 6th rib"]),
    ("ct_chest", "Small L pleural effusion, loculated.", "pleura", ["loculated", "small left pleural effusion"]),
    ("mri_brain", "Encephalomalacia R frontal lobe, post-traumatic, chronic.", "parenchyma",
     ["post-traumatic", "chronic", "right frontal lobe"]),
    ("mri_brain", "Occluded L vertebral artery, filling defect, c/w dissection.", "vessels", ["dissection"]),
    ("mri_brain", "Acute infarct L PCA territory, restricted diffusion, 2cm.", "parenchyma",
     ["restricted diffusion", "2 cm", "left pca territory"]),
    ("cxr", "Cardiomegaly, severe, globular.", "heart", ["severe cardiomegaly", "globular"]),
    ("breast-resection", "Residual IDC 0.8cm, cellularity 30%.", "others", ["cellularity 30%"]),
])
def test_a_trailing_qualifier_stays_in_its_findings_region(host, template_id, notes, where, words):
    d = states(host, template_id, notes, where, words)
    others = region(d, "others").lower() if where != "others" else ""
    for w in words:
        assert w not in others, (w, dictated(d))
    assert_no_orphans(d)


def test_an_infarct_territory_is_parenchyma_not_vessels(host):
    d = draft(host, "mri_brain", "Acute infarct L PCA territory, restricted diffusion, 2cm.")
    assert set(dictated(d)) == {"parenchyma"}, dictated(d)
    # the artery itself (an occlusion) is still a vessel finding
    d = draft(host, "mri_brain", "Acute L MCA infarct w/ occlusion of the L MCA.")
    assert "vessels" in dictated(d)


# --- abbreviations are written out -------------------------------------------------------------------

@pytest.mark.parametrize("template_id, notes, where, words", [
    ("ct_chest", "Dilated main PA 3.5 cm, ?pulm HTN.", "heart_vessels",
     ["main pulmonary artery 3.5 cm", "possible pulmonary hypertension"]),
    ("ct_chest", "Enlarged L hilar node 1.6 cm.", "mediastinum_hila", ["left hilar lymph node 1.6 cm"]),
    ("mri_brain", "Lacunar infarcts bilat BG, chronic. No ICH.", "parenchyma",
     ["basal ganglia", "no intracranial hemorrhage"]),
    ("mri_brain", "Temporal lobe mass 5 cm, ?GBM. 4mm rightward MLS.", "parenchyma", ["possible glioblastoma"]),
    ("breast-resection", "R NSM. DCIS int grade 9mm.", "others", ["intermediate grade"]),
    ("breast-resection", "ILC 2 cm. ER+/PR-/HER2-.", "others", ["er positive, pr negative, her2 negative"]),
])
def test_abbreviations_are_expanded(host, template_id, notes, where, words):
    states(host, template_id, notes, where, words)


def test_midline_shift_abbreviation_goes_to_the_extra_axial_region(host):
    d = draft(host, "mri_brain", "Temporal lobe mass 5 cm, ?GBM. 4mm rightward MLS.")
    assert "4 mm rightward midline shift" in region(d, "ventricles_extraaxial")


# --- demographics and the clinical question go to the indication ----------------------------------

@pytest.mark.parametrize("template_id, notes, demo, finding_region, finding", [
    ("ct_chest", "71M smoker. Mild emphysema.", "71M", "lungs_airways", "emphysema"),
    ("mri_brain", "58F, worst headache of life. No SAH.", "58F", "ventricles_extraaxial", "subarachnoid"),
    ("breast-resection", "49F. L lumpectomy: IDC 1.1cm.", "49F", "histologic_type", "invasive ductal carcinoma"),
])
def test_demographics_go_to_the_indication(host, template_id, notes, demo, finding_region, finding):
    d = draft(host, template_id, notes)
    assert d.indication and demo in d.indication
    assert finding in region(d, finding_region).lower()
    for f in d.findings:
        assert demo.lower() not in f.text.lower(), f


# --- orphaned qualifiers and what cannot be placed -------------------------------------------------

@pytest.mark.parametrize("template_id, notes", [
    ("ct_chest", "Simple R renal cyst. Small L effusion, loculated. Hiatal hernia, small."),
    ("mri_brain", "Mild periventricular WM changes, age related. Arachnoid cyst posterior fossa, incidental."),
    ("cxr", "Elevated R hemidiaphragm, chronic. Scoliosis, mild."),
])
def test_no_orphaned_qualifier(host, template_id, notes):
    assert_no_orphans(draft(host, template_id, notes))


@pytest.mark.parametrize("template_id, notes, lone", [
    ("cxr", "Large L effusion. Moderate.", "Moderate."),
    ("ct_chest", "Mass RLL 3 cm. Severe.", "Severe."),
    ("mri_brain", "Hematoma R thalamus. Mild.", "Mild."),
    ("breast-resection", "IDC 1.4 cm, G1. Mild.", "Mild."),
])
def test_a_lone_qualifier_is_shown_as_not_placed(host, template_id, notes, lone):
    d = draft(host, template_id, notes)
    assert lone in (d.not_placed or []), (d.not_placed, dictated(d))
    assert all(f.text != lone for f in d.findings)


def test_a_breast_side_in_another_element_gives_the_laterality(host):
    d = draft(host, "breast-resection", "IDC R breast 2.2cm, G3.")
    assert region(d, "laterality") == "Right."
    assert any(fl.code == "laterality-from-dictation" for fl in d.flags)
