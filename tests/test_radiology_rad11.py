"""Issue 13, round 10 (helper rad11): radiology dictation classes, each proved over made-up words.

* a statement of qualifiers alone ("Early subacute (T1 iso, T2 hypo).", "Late subacute.") has no head noun: it joins
  the finding before it, even where a technique word of its bracketed aside matched a catch-all rule;
* a fragment's shape is its head's when its other comma parts only say how it changed ("Globular configuration,
  new since the film 2 months ago.");
* a report action ("Referring team phoned 11:20.") is no fragment, whatever its first word;
* a comma part of numbered organ parts with their measures ("seg 6 (14 mm) + seg 8 (9 mm)") stays with its finding;
* an interpretation part (", suspicious for mets") names what a placed finding may be, not where it is: the head's
  anatomy decides the region;
* a sequence read out with its signal ("DWI: restricted", "low ADC", "SWI: blooming") is a brain finding (and an
  abnormal one), a sequence list stays the technique's; the dural CSF pouches (Meckel cave) are CSF spaces;
* the parts of a broken bone ("lateral fragment displaced, 1.5 cm overlap") are the bone's;
* a conclusion marked after it ("X is the main concern, sputum advised") leads the impression with its hedge kept;
  so do "Appearances of X", "Features supportive of X", "Findings are in keeping with X".
"""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.kit.context import dictated_conclusions
from pixtralogist.kit.placement import is_fragment, qualifier_only, settle_rows
from pixtralogist.core.drafting import Row
from test_dictation_classes_rad6 import draft
from test_dictation_facts_derm_path import host  # noqa: F401 (host is a fixture)

NONCE_FINDING = ["zorbic lesion", "blorvic focus", "kravotic mass"]
NONCE_COND = ["blorvic degeneration", "Tansley syndrome", "kravosis"]


def _regions(d, word: str) -> set[str]:
    return {f.region for f in d.findings if not f.is_default and word.lower() in f.text.lower()}


# --- a statement of qualifiers alone joins the finding before it ------------------------------------------------

_STAGES = ["Early subacute", "Late subacute", "Hyperacute", "Chronic", "Subacute, evolving"]
_ASIDES = ["", " (T1 iso, T2 hypo)", " (T1 bright, DWI dark)"]


def _qualifies(text: str) -> bool:
    words = {"early", "late", "subacute", "hyperacute", "chronic", "evolving", "acute", "mild"}
    return all(w.strip(",") in words for w in text.lower().split())


@pytest.mark.parametrize("stage,aside", list(itertools.product(_STAGES, _ASIDES)))
def test_qualifiers_alone_are_a_headless_fragment(stage, aside):
    text = f"{stage}{aside}."
    assert qualifier_only(text, _qualifies) and is_fragment(text, qualifies=_qualifies)
    rows = [Row("parenchyma", "Zorbic lesion right frontal.", "Zorbic lesion right frontal."),
            Row("others", text, text)]
    # a catch-all rule matched a word of the aside (the technique's "T1"): the row still joins
    out = settle_rows(rows, catch_all="others", unplaced=lambda t, r: "t1" not in t.lower(), qualifies=_qualifies)
    assert len(out) == 1 and out[0].region == "parenchyma" and stage.split(",")[0].lower() in out[0].text.lower()


@pytest.mark.parametrize("text", ["No acute zorbic.", "C/w kravosis.", "?Blorvic degeneration.", "Zorbic lesion.",
                                  "Team informed."])
def test_a_denial_an_interpretation_or_a_noun_is_not_qualifiers_alone(text):
    assert not qualifier_only(text, _qualifies)


@pytest.mark.parametrize("finding,stage,aside", list(itertools.product(
    NONCE_FINDING, ["Early subacute", "Late subacute", "Hyperacute"], ["", " (T1 iso, T2 hypo)"])))
def test_a_drafted_stage_stays_with_its_finding(host, finding, stage, aside):
    d = draft(host, "mri_brain", f"R frontal {finding} 2.1 cm. {stage}{aside}. No hydrocephalus.")
    holding = [f for f in d.findings if not f.is_default and stage.lower() in f.text.lower()]
    assert holding and all(finding in f.text.lower() and f.region == "parenchyma" for f in holding), d.findings


# --- a head with a change tail; report actions ------------------------------------------------------------------

@pytest.mark.parametrize("shape,tail", list(itertools.product(
    ["Globular configuration", "Zorbic-shaped configuration", "Upper zone predominance", "Peripheral distribution"],
    ["new since the film 2 months ago", "unchanged", "increased since prior", "stable"])))
def test_a_fragment_with_a_change_tail_is_a_fragment(shape, tail):
    assert is_fragment(f"{shape}, {tail}.")


@pytest.mark.parametrize("text", ["Referring team phoned 11:20.", "Ward telephoned at 14:05.", "Registrar bleeped.",
                                  "Reporting clinician rang."])
def test_a_report_action_is_no_fragment(text):
    assert not is_fragment(text)


@pytest.mark.parametrize("finding", ["Heart enlarged", "Cardiac silhouette markedly enlarged"])
@pytest.mark.parametrize("shape", ["Globular water-bottle configuration", "Boot-shaped configuration",
                                   "Flask-shaped configuration"])
def test_a_drafted_silhouette_shape_stays_with_the_heart(host, finding, shape):
    d = draft(host, "cxr", f"{finding}. {shape}, new since film 2 months ago. Lungs clear.")
    assert _regions(d, "configuration") == {"heart"}, d.findings


# --- numbered organ parts and interpretation parts -----------------------------------------------------------------

@pytest.mark.parametrize("organ,parts", list(itertools.product(
    ["liver", "hepatic"], ["seg 6 (14 mm) + seg 8 (9 mm)", "segments 2 and 3", "seg 4a (11 mm)", "segment VII"])))
@pytest.mark.parametrize("tail", ["", ", suspicious for mets", ", c/w zorbic cysts"])
def test_numbered_parts_and_an_interpretation_stay_with_the_organ(host, organ, parts, tail):
    d = draft(host, "ct_chest", f"2 hypodense {organ} lesions, {parts}{tail}. No effusion. Referring team phoned 11:20.")
    seg = parts.split()[0].lower()[:3]
    holding = [f for f in d.findings if not f.is_default and seg in f.text.lower()]
    assert holding and all(f.region == "upper_abdomen" and organ in f.text.lower() for f in holding), d.findings
    assert "phoned" not in " ".join(f.text for f in holding)


# --- brain MRI: a sequence with its signal, the CSF pouches --------------------------------------------------------

@pytest.mark.parametrize("signal", ["DWI: restricted", "ADC low", "Low ADC", "SWI: blooming", "DWI bright, ADC dark",
                                    "Diffusion restricted"])
@pytest.mark.parametrize("lead", ["", "Blorvic lesion L parietal. "])
def test_a_sequence_with_its_signal_is_a_brain_finding(host, signal, lead):
    d = draft(host, "mri_brain", f"{lead}{signal}. Flow voids nl.")
    key = next(w for w in ("dwi", "adc", "swi", "diffusion") if w in signal.lower())
    assert _regions(d, key) == {"parenchyma"}, d.findings
    assert not any(i.lower().startswith("no acute") for i in d.impression), d.impression


@pytest.mark.parametrize("technique", ["Axial T1, T2, FLAIR, DWI and SWI sequences.", "DWI and ADC maps obtained."])
def test_a_sequence_list_stays_the_technique(host, technique):
    d = draft(host, "mri_brain", f"{technique} Blorvic lesion L parietal.")
    assert _regions(d, "sequences" if "sequences" in technique else "maps") <= {"others"}


@pytest.mark.parametrize("pouch", ["Meckel caves symmetric", "Meckel's cave on the left expanded by zorbic tissue",
                                   "Trigeminal caves normal", "Cavum septum pellucidum"])
def test_the_dural_csf_pouches_are_csf_spaces(host, pouch):
    d = draft(host, "mri_brain", f"Brain nl. {pouch}.")
    word = pouch.split()[0].lower()
    assert _regions(d, word) == {"ventricles_extraaxial"}, d.findings


# --- the parts of a broken bone ------------------------------------------------------------------------------------

@pytest.mark.parametrize("template_id,region", [("cxr", "bone"), ("ct_chest", "chest_wall_bones")])
@pytest.mark.parametrize("part", ["Lateral fragment displaced inferiorly ~1 shaft width, 1.5 cm overlap.",
                                  "Butterfly fragment, 10 degrees of angulation.", "Distal fragment overriding by 12 mm.",
                                  "Comminution at the midshaft."])
def test_the_parts_of_a_fracture_are_the_bone(host, template_id, region, part):
    d = draft(host, template_id, f"Acute displaced L clavicle fx. {part} Lungs clear.")
    key = part.split()[0].lower()
    assert _regions(d, key) == {region}, d.findings


def test_a_retained_metallic_fragment_is_not_a_bone_part(host):
    d = draft(host, "cxr", "Retained metallic fragments in the soft tissues of the L axilla. Lungs clear.")
    assert "bone" not in _regions(d, "metallic")


# --- conclusions marked after the diagnosis, and "appearances of" --------------------------------------------------

_AFTER = ["{c} is the main concern, sputum advised", "{c} is the leading consideration", "{c} is the primary concern",
          "{c} is the chief differential"]
_BEFORE = ["Appearances of {c}", "Features supportive of {c}", "Findings are in keeping with {c}",
           "Appearances are those of {c}", "Findings consistent with {c}"]


@pytest.mark.parametrize("form,c", list(itertools.product(_AFTER + _BEFORE, NONCE_COND)))
def test_conclusion_shapes_reach_the_conclusions(form, c):
    got = dictated_conclusions(f"Small zorbic nodule. {form.format(c=c)}.")
    assert any(c.lower() in x.lower() for x in got), got
    if form in _AFTER:  # the hedge after the diagnosis is kept, the plan after the comma is not
        assert any(form.split("{c} ")[1].split(",")[0] in x for x in got) and not any("sputum" in x for x in got), got


@pytest.mark.parametrize("form,c", list(itertools.product(_AFTER[:2] + _BEFORE[:2], NONCE_COND)))
@pytest.mark.parametrize("template_id,findings", [("cxr", "Cavity at the R apex, 3 cm. No effusion."),
                                                  ("mri_brain", "T2 hyperintensity in the central pons. No enhancement.")])
def test_a_closing_diagnosis_leads_the_impression(host, form, c, template_id, findings):
    d = draft(host, template_id, f"{findings} {form.format(c=c)}.")
    assert d.impression and c.lower() in d.impression[0].lower(), d.impression
    catch_all = host.template(template_id).region_names[-1]
    assert not any(f.region == catch_all and c.lower() in f.text.lower() for f in d.findings if not f.is_default)


# --- round 2: brackets, denied features, "not excluded", white matter disease, a device's colon list ----------------

@pytest.mark.parametrize("places", ["R corona radiata, pons, L MCP", "L zorbic nucleus, R blorvic tract, pons",
                                    "R frontal, L kravotic gyrus"])
@pytest.mark.parametrize("template_id", ["mri_brain", "ct_chest"])
def test_a_list_in_brackets_is_never_cut_at_its_commas(places, template_id):
    from pixtralogist.kit import parse_dictation
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    said = parse_dictation(f"3 new zorbic lesions ({places}), none enhance. Rest stable.", lexicon=lexicon_for(template_id))
    holding = [s for s in said if "zorbic lesions" in s.lower()]
    assert len(holding) == 1 and all(p.split()[-1].lower() in holding[0].lower() for p in places.split(", ")), said
    assert not any(s.rstrip(".").endswith(")") and "(" not in s for s in said), said


@pytest.mark.parametrize("feature", ["nodularity", "calcification", "irregularity", "enhancement", "septations"])
@pytest.mark.parametrize("finding,region", [("Smooth R pleural thickening", "pleura"),
                                            ("Zorbic L adrenal nodule 2 cm", "upper_abdomen")])
def test_a_denied_feature_stays_with_its_finding(host, feature, finding, region):
    d = draft(host, "ct_chest", f"{finding}, no {feature}. Lungs clear.")
    assert _regions(d, feature) == {region}, d.findings


@pytest.mark.parametrize("form", ["{c} not excluded", "{c} cannot be excluded", "{c} cannot be ruled out",
                                  "Honeycombing absent - probable {c}"])
@pytest.mark.parametrize("c", NONCE_COND)
def test_a_hedged_closing_diagnosis_reaches_the_impression(host, form, c):
    d = draft(host, "ct_chest", f"Smooth R pleural thickening, no nodularity. Small R effusion. {form.format(c=c)}.")
    assert any(c.lower() in i.lower() for i in d.impression), d.impression
    hedge = [i for i in d.impression if c.lower() in i.lower()]
    assert all(any(w in i.lower() for w in ("not", "cannot", "probable")) for i in hedge), hedge  # the hedge is kept


@pytest.mark.parametrize("wm", ["Extensive leukoaraiosis, Fazekas 3", "Moderate leucoaraiosis", "White matter disease, Fazekas 2",
                                "Confluent deep white matter ischaemic change"])
def test_white_matter_disease_by_its_other_names_is_the_brain(host, wm):
    d = draft(host, "mri_brain", f"{wm}. Old L thalamic lacune. Flow voids nl.")
    key = wm.split(",")[0].split()[-1].lower()
    assert _regions(d, key) == {"parenchyma"}, d.findings


@pytest.mark.parametrize("n,places", [("2 leads", "RA appendage, RV apex"), ("3 leads", "RA appendage, RV apex (shock coil), CS vein"),
                                      ("2 wires", "R atrium, R ventricle (zorbic coil)")])
def test_a_devices_colon_list_only_locates_the_device(host, n, places):
    d = draft(host, "cxr", f"Dual chamber pacemaker L chest. {n}: {places}. Lungs clear.")
    assert _regions(d, n.split()[1]) == {"others"}, d.findings
    assert not any(f.region == "heart" and "apex" in f.text.lower() for f in d.findings if not f.is_default)
