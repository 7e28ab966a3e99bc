"""Issue 13 failure classes of the round-7 radiology misses (h-rad7), each as a class over word lists written for this
test from a textbook's index (not benchmark rows), drafted as ``pixtralogist draft`` does (the built-in radiology
drafter):

* a condition, sign or device named by its usual term goes to its template region (``tests/rad7_families.py``: the
  chest radiograph's, chest CT's and brain MRI's regions);
* radiologists' qualifier shorthand (prox, mult, lvl, amt, ipsilat, diam) is written out;
* a diagnosis the radiologist draws in a comma part ("..., c/w X", "..., in keeping with X") reaches the impression,
  after a negative too; a "pattern =" / "pattern concerning for" conclusion is the impression's;
* any referral ("urgent neurosurg referral", "IR referral") is a recommendation (the impression's);
* an extent or shape qualifier part (", partially imaged", ", moderate amt", ", uniform") stays with its finding.
"""

from __future__ import annotations

import itertools

import pytest

from rad7_families import FAMILIES
from test_dictation_classes_rad6 import draft
from test_dictation_facts_derm_path import assert_no_orphans, host, region  # noqa: F401 (host is a fixture)

_CASES = [(t, r, text, word) for t, regs in FAMILIES.items() for r, items in regs.items() for text, word in items]


@pytest.mark.parametrize("template, region_name, text, word", _CASES, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(_CASES)])
def test_a_named_condition_goes_to_its_region(host, template, region_name, text, word):
    d = draft(host, template, f"{text}.")
    assert word in region(d, region_name).lower(), {f.region: f.text for f in d.findings if not f.is_default}
    assert_no_orphans(d)


_SHORTHAND = [("prox", "proximal"), ("mult", "multiple"), ("lvl", "level"), ("amt", "amount"), ("ipsilat", "ipsilateral"),
              ("diam", "diameter")]
_SHORTHAND_LINES = {
    "cxr": ["Cavity RUL w/ air-fluid {lvl}.", "{Mult} nodules bilat.", "Lytic lesion {prox} humerus.",
            "R hilar adenopathy, {ipsilat} effusion.", "Free air, small {amt}.", "Aortic knob 4cm {diam}."],
    "ct_chest": ["{Mult} nodules RUL.", "Fluid {lvl} in esophagus.", "{Prox} desc aorta 4.1cm {diam}.",
                 "Mod {amt} of ascites.", "{Ipsilat} hilar nodes."],
    "mri_brain": ["{Mult} WM lesions.", "Severe stenosis {prox} L MCA.", "Air-fluid {lvl} in R maxillary sinus.",
                  "{Ipsilat} mastoid effusion.", "Small {amt} of SAH."],
}


def _fill(line: str) -> tuple[str, list[str], list[str]]:
    raw, full = [], []
    for short, long in _SHORTHAND:
        for form in (short, short.capitalize()):
            if "{" + form + "}" in line:
                line = line.replace("{" + form + "}", form)
                raw.append(short)
                full.append(long)
    return line, raw, full


@pytest.mark.parametrize("template, line", [(t, ln) for t, lines in _SHORTHAND_LINES.items() for ln in lines])
def test_qualifier_shorthand_is_written_out(host, template, line):
    text, raw, full = _fill(line)
    d = draft(host, template, text)
    said = " ".join(f.text for f in d.findings if not f.is_default).lower()
    for short, long in zip(raw, full):
        assert long in said and f" {short} " not in f" {said} ", (text, said)


_DIAGNOSES = {
    "cxr": [("Free air under both hemidiaphragms", "perforation"), ("Thick walled cavity RUL", "tuberculosis"),
            ("Superior mediastinal widening", "retrosternal goiter"), ("Bilat hilar adenopathy", "sarcoidosis")],
    "ct_chest": [("Innumerable thin-walled cysts bilat", "lymphangioleiomyomatosis"),
                 ("Lobulated anterior mediastinal mass", "thymoma"), ("Dilated fluid filled esophagus", "achalasia"),
                 ("Nodular liver contour, splenomegaly", "cirrhosis"), ("Crazy paving bilat", "alveolar proteinosis")],
    "mri_brain": [("Parieto-occipital subcortical edema", "posterior reversible encephalopathy syndrome"),
                  ("Central pontine T2 hyperintensity", "osmotic demyelination"),
                  ("Mammillary body and medial thalamic FLAIR signal", "Wernicke encephalopathy"),
                  ("Multiple peripheral microhemorrhages", "cerebral amyloid angiopathy"),
                  ("Cortical ribboning on DWI", "Creutzfeldt-Jakob disease"),
                  ("Cystic lesions w/ scolex", "neurocysticercosis")],
}
_LINKS = ["c/w", "consistent with", "in keeping with", "typical of"]


@pytest.mark.parametrize("template, finding, dx, link",
                         [(t, f, dx, ln) for t, items in _DIAGNOSES.items() for (f, dx), ln in itertools.product(items, _LINKS)][::2])
def test_a_dictated_diagnosis_reaches_the_impression(host, template, finding, dx, link):
    d = draft(host, template, f"{finding}, {link} {dx}.")
    assert any(dx.lower() in i.lower() for i in d.impression), d.impression
    assert_no_orphans(d)


@pytest.mark.parametrize("template, negative, dx", [
    ("mri_brain", "No restricted diffusion or enhancement", "posterior reversible encephalopathy syndrome"),
    ("mri_brain", "Without enhancement", "radiation necrosis"),
    ("ct_chest", "No enhancement", "a pericardial cyst"),
    ("cxr", "No effusion", "congestive heart failure"),
])
def test_a_diagnosis_after_a_negative_still_reaches_the_impression(host, template, negative, dx):
    d = draft(host, template, f"Mild abnormality. {negative}, in keeping with {dx}.")
    assert any(dx.lower() in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("template, dx", [("mri_brain", "moyamoya"), ("mri_brain", "CJD"), ("ct_chest", "UIP"),
                                          ("ct_chest", "hypersensitivity pneumonitis"), ("cxr", "miliary TB")])
@pytest.mark.parametrize("lead", ["Pattern = {dx}.", "Pattern concerning for {dx}.", "Pattern is typical of {dx}."])
def test_a_pattern_conclusion_is_the_impressions(host, template, dx, lead):
    d = draft(host, template, "Abnormal signal bilat. " + lead.format(dx=dx) if template == "mri_brain"
              else "Bilat opacities. " + lead.format(dx=dx))
    key = {"CJD": "creutzfeldt", "miliary TB": "miliary", "UIP": "usual interstitial"}.get(dx, dx.lower())
    assert any(key in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("template", ["cxr", "ct_chest", "mri_brain"])
@pytest.mark.parametrize("referral", ["Urgent neurosurg referral.", "IR referral for embolization.",
                                      "Pulmonology referral.", "Recommend thoracic surgery referral."])
def test_any_referral_is_a_recommendation(host, template, referral):
    d = draft(host, template, f"Mass 3cm. {referral}")
    assert any("referral" in i.lower() for i in d.impression), d.impression


@pytest.mark.parametrize("template, finding", [("ct_chest", "2.8cm solid mass L kidney upper pole"),
                                               ("cxr", "Free air under both hemidiaphragms"),
                                               ("ct_chest", "Innumerable thin-walled cysts bilat"),
                                               ("mri_brain", "Ring enh lesion R frontal")])
@pytest.mark.parametrize("part", ["partially imaged", "moderate amt", "uniform", "thick walled", "incompletely evaluated"])
def test_an_extent_or_shape_part_stays_with_its_finding(host, template, finding, part):
    d = draft(host, template, f"{finding}, {part}.")
    word = part.split()[0]
    texts = [f.text.lower() for f in d.findings if not f.is_default]
    assert any(word in t and finding.split()[-1].lower()[:5] in t for t in texts), texts
