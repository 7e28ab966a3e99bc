"""Issue 13, round 12 (fixer "impression"): what goes into the IMPRESSION, each class proved over made-up words.

* a conclusion sentence that names a diagnosis in a shape ("Typical X", "overall X", "Picture fits X", "Appearances
  would fit X in this clinical context", "<finding> would fit X", "Favour X", "Picture is X") leads the impression, its
  hedge kept, in every specialty;
* a plan said as a noun phrase after its diagnosis ("X; widefield zorbography, sectoral zorvotherapy if it grows",
  "Zorbic MDT", "inform zorbology", "7) Urgent MRI zorbic", "IV zorvatide + zorbaglobulin") is a recommendation: it
  leaves the findings regions and closes the impression; a test that only says what was found ("autofluorescent on
  FAF", "Structural OCT dry", "Biopsy site changes", "Oncotype sent") stays where it is;
* a pertinent negative never leads the impression ahead of a positive finding;
* a diagnosis said as a bare label no region takes (the opening label before the patient, "Zorvikosis. 48M. ...";
  the last statement before the closing plans) leads the impression.
"""

from __future__ import annotations

import pytest

from pixtralogist.kit.context import dictated_conclusions, is_plan_fragment, plan_heads_re
from test_dictation_classes_rad6 import draft
from test_dictation_facts_derm_path import host  # noqa: F401 (host is a fixture)

NONCE_DX = ["Zorvikosis", "Blorvan syndrome", "kravotic encephalopathy"]
_FINDING_WORDS = ("hyperintensity", "nodule", "papule", "haemorrhage", "effusion")


def _in_findings(d, word: str) -> list[str]:
    return [f.region for f in d.findings if not f.is_default and word.lower() in f.text.lower()]


# --- conclusion shapes -------------------------------------------------------------------------------------------

_SHAPES = ["Typical {x}", "Overall {x}", "Picture fits {x}", "The appearances would fit {x} in this clinical context",
           "Appearances fit {x}", "Favour {x} over metastasis", "Picture is {x}", "Fits {x}",
           "Hilar nodes would fit {x}"]


@pytest.mark.parametrize("shape", _SHAPES)
@pytest.mark.parametrize("x", NONCE_DX)
def test_conclusion_shapes_are_read(shape, x):
    got = dictated_conclusions(f"Small thing. {shape.format(x=x)}; zorbic MDT.")
    assert any(x.lower() in c.lower() for c in got), got
    assert not any("mdt" in c.lower() for c in got)
    assert not any("clinical context" in c.lower() for c in got)


def test_a_hedged_query_stays_in_an_overall_conclusion():
    [c] = dictated_conclusions("Thin cysts. overall zorvikosis, ?blorvan complex.")
    assert "zorvikosis" in c.lower() and "blorvan" in c.lower()


@pytest.mark.parametrize("text", ["Seizure fits since childhood.", "Typical for age.", "Overall, the lungs are clear.",
                                  "Picture is normal."])
def test_no_conclusion_without_a_diagnosis(text):
    assert dictated_conclusions(text) == []


_CASES = [
    ("mri_brain", "Bilateral symmetric parieto-occipital FLAIR hyperintensity. No restricted diffusion. "
                  "No haemorrhage on SWI. {shape}; rec f/u MRI 6 wks."),
    ("ct_chest", "Numerous thin-walled cysts throughout both lungs. Small left pneumothorax. No effusion. {shape}."),
    ("cxr", "Bilateral hilar enlargement. The heart is normal in size. No effusion. {shape}."),
    ("octa", "OCTA 6x6 OS: sectoral flow loss in SCP and DCP inferonasally. FAZ 0.29 mm2, regular. No NV. {shape}."),
    ("skin_lesion", "Solitary 5 mm firm skin-coloured dome papule L index finger. Dsc: dotted vessels. {shape}."),
]


@pytest.mark.parametrize("template,notes", _CASES)
@pytest.mark.parametrize("shape", ["Typical {x}", "Picture fits {x}", "The appearances would fit {x}"])
def test_a_shaped_conclusion_leads_the_impression(host, template, notes, shape):
    x = "Blorvan syndrome"
    d = draft(host, template, notes.format(shape=shape.format(x=x)))
    assert d.impression and x.lower() in d.impression[0].lower(), d.impression


# --- plan fragments ------------------------------------------------------------------------------------------------

_HEADS = plan_heads_re(["zorbography", "zorvotherapy"])


@pytest.mark.parametrize("text", ["Widefield zorbography.", "Sectoral zorvotherapy if blorvic vessels develop.",
                                  "Zorbic MDT.", "ENT/zorbic base MDT.", "Inform zorbology.", "Zorbology.",
                                  "7) Urgent MRI zorbic with contrast.", "IV zorvatide + zorbaglobulin.",
                                  "Zorvotherapy as an option.", "Zorbography for blorvic wall staining, zorbology.",
                                  "CT chest, zorbic clinic referral.", "Zorbic bloods x3."])
def test_a_plan_said_as_a_noun_phrase_is_a_plan(text):
    assert is_plan_fragment(text, _HEADS, lambda t: any(w in t.lower() for w in _FINDING_WORDS))


@pytest.mark.parametrize("text", ["Autofluorescent on zorbography.", "Structural OCT dry.", "Biopsy site changes.",
                                  "Oncotype sent.", "Zorbology informed.", "OCTA 6x6 in the left eye.",
                                  "CT chest: 4 mm nodule.", "Axillary clearance 0/12.", "Unchanged vs photo 2019.",
                                  "OCT parafoveal zorbic ellipsoid loss.", "Oral mucosa spared.",
                                  "Blood and thunder haemorrhages in 4 quadrants.", "MRI zorbic nodule.",
                                  "On admission zorvotherapy."])
def test_what_a_test_found_is_no_plan(text):
    assert not is_plan_fragment(text, _HEADS, lambda t: any(w in t.lower() for w in _FINDING_WORDS))


_PLAN_CASES = [
    ("octa", "OCTA 6x6 LE. Large area of capillary non-perfusion superotemporal. FAZ enlarged 0.48 mm2. No NV. "
             "{dx}; {plan}.", [("widefield FFA, sectoral PRP if zorbic NVE develops", "angiography"),
                               ("widefield FFA, sectoral PRP if zorbic NVE develops", "PRP"),
                               ("zorbology, IV zorvatide + IVIG", "zorvatide"), ("PDT as an option", "PDT"),
                               ("inform zorbology", "zorbology")]),
    ("mri_brain", "R IAC lesion extending into CPA, 14 mm CPA component, avid enhancement. Brain parenchyma nl. "
                  "{dx}; {plan}.", [("ENT/zorbic base MDT", "MDT"), ("zorbology, IV zorvatide", "zorvatide"),
                                    ("MRI zorbic if needed", "zorbic")]),
    ("cxr", "Right apical pleural cap 2 cm with destruction of the posterior 3rd rib. Mediastinum normal. {dx}; {plan}.",
     [("CT chest with contrast, zorbic clinic referral", "referral"), ("zorbology MDT", "MDT")]),
]


@pytest.mark.parametrize("template,notes,plans", _PLAN_CASES)
@pytest.mark.parametrize("dx", ["Favour Blorvan syndrome", "Zorvikosis"])
def test_a_plan_fragment_goes_to_the_impression(host, template, notes, plans, dx):
    for plan, head in plans:
        d = draft(host, template, notes.format(dx=dx, plan=plan))
        assert not _in_findings(d, head), (plan, [(f.region, f.text) for f in d.findings if not f.is_default])
        assert any(head.lower() in i.lower() for i in d.impression), (plan, d.impression)


def test_a_numbered_plan_goes_to_the_impression(host):
    d = draft(host, "fundus", "1) 47F, slow field loss. 2) Both discs: band pallor nasally and temporally, CDR 0.3. "
                              "3) Maculae normal. 4) Impression: band atrophy both eyes. 5) Urgent MRI zorbic with "
                              "contrast, formal visual fields, zorbic bloods.")
    assert any("mri zorbic" in i.lower() for i in d.impression), d.impression
    assert not _in_findings(d, "MRI zorbic")


def test_tests_listed_with_a_plan_are_plans(host):
    d = draft(host, "skin_lesion", "Violaceous flat-topped papules over MCP joints both hands, heliotrope rash upper "
                                   "eyelids. 55F. Zorvikosis. CK, zorbic Abs, malignancy screen incl CT CAP.")
    assert not _in_findings(d, "zorbic Abs")
    assert any("zorbic abs" in i.lower() for i in d.impression), d.impression


# --- pertinent negatives follow the positive findings ----------------------------------------------------------------

@pytest.mark.parametrize("negatives", ["No restricted diffusion. No haemorrhage on SWI.",
                                       "No enhancement. No restricted diffusion. No midline shift."])
def test_pertinent_negatives_do_not_lead(host, negatives):
    d = draft(host, "mri_brain", f"Bilateral symmetric parieto-occipital FLAIR hyperintensity. {negatives} Ventricles "
                                 f"nl. Typical blorvan encephalopathy; rec f/u MRI.",
              indication="post-partum, BP 190/110, seizure, cortical blindness")
    items = [i.lower() for i in d.impression]
    assert "blorvan" in items[0], items
    first_negative = next(k for k, i in enumerate(items) if i.startswith("no "))
    assert any("hyperintensity" in i for i in items[:first_negative]), items


# --- a bare diagnosis label leads --------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["ZVFK", "Blorvan zorvikoma", "Kravotic zorvikosis"])
def test_an_opening_label_before_the_patient_leads(host, label):
    d = draft(host, "skin_lesion", f"{label}. 48M. Solitary 5 mm firm skin-coloured dome papule L index finger. "
                                   "Dsc: dotted vessels peripherally. DDx wart. Shave excision flush with the base.")
    assert d.impression and label.lower() in d.impression[0].lower(), d.impression


def test_a_label_before_the_closing_plans_leads(host):
    d = draft(host, "fundus", "RE: choroidal folds across the posterior pole, disc oedema with hyperaemia. Macula: "
                              "shallow subretinal fluid. Vessels normal calibre. LE normal. Zorbic kravitis RE. "
                              "B-scan for T-sign, start oral prednisolone 1 mg/kg, rheumatology.")
    assert d.impression and "zorbic kravitis" in d.impression[0].lower(), d.impression
