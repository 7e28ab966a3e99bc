"""Round-9 radiology dictation classes (helper rad10): a side comparison said after its finding ("..., larger on the
right"), a grade on a named scale after a diagnosis ("..., Koos 2"), a denied feature split off its finding ("...,
smooth, no calcification") following the finding's region, a subject's second predicate ("heart narrow, normal sz"),
a named aortic segment with its measure ("Arch 3.2, desc 2.6"). Generated over nonce words and several forms of each
family, not copies of rows."""

from __future__ import annotations

import itertools
import os

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from test_dictation_facts_derm_path import draft, host  # noqa: E402,F401 (host is a fixture)
from test_dictation_facts_derm_path import region as region_text  # noqa: E402

from pixtralogist.plugins.radiology.dictation import parse_dictation  # noqa: E402

_NONCE_FINDINGS = ["zorvic densities", "blorvic lucencies", "Kellner shadows", "free air"]
_COMPARED = ["larger on the right", "worse on the L", "slightly more on the R", "more prominent on the left side",
             "greater on the Rt"]


@pytest.mark.parametrize("finding,comp", list(itertools.product(_NONCE_FINDINGS, _COMPARED)))
def test_a_side_comparison_after_its_bilateral_finding_stays_with_it(finding, comp):
    for both in ("under both hemidiaphragms", "bilat", "in both lungs"):
        out = parse_dictation(f"{finding.capitalize()} {both}, {comp}. No PTX.", template="cxr")
        assert len(out) == 2 and comp.split()[0] in out[0].lower(), out


def test_a_side_comparison_after_a_one_sided_finding_stays_apart():
    out = parse_dictation("Lungs clear, larger on the right.", template="cxr")
    assert len(out) == 2, out


_SCALES = ["Koos 2", "Kellner 3", "WHO grade II", "Bosniak IIF", "Zorvat stage 4A", "grade 3", "Lung-RADS 4B"]
_DIAGNOSES = ["L vestibular schwannoma", "R zorvatoma", "blorvic glioma of the L temporal lobe", "4 cm Kellner mass"]


@pytest.mark.parametrize("dx,scale", list(itertools.product(_DIAGNOSES, _SCALES)))
def test_a_grade_on_a_named_scale_stays_with_its_diagnosis(dx, scale):
    for template in ("mri_brain", "ct_chest"):
        out = parse_dictation(f"{dx}, {scale}. No hydroceph.", template=template)
        assert len(out) == 2 and scale in out[0], out


def test_a_grade_after_a_denial_stays_apart():
    assert len(parse_dictation("No zorvatoma, Kellner 3.", template="mri_brain")) == 2


def test_hydroceph_is_written_out():
    out = parse_dictation("No hydroceph.", template="mri_brain")
    assert out == ["No hydrocephalus."], out


@pytest.mark.parametrize("feature", ["calcification", "fat", "internal septations", "enhancement", "cavitation"])
def test_a_denied_feature_follows_its_finding_region(host, feature):
    text = f"R pleural thickening, 6 mm, smooth, no {feature}. Lungs clear."
    d = draft(host, "ct_chest", text)
    pleura = region_text(d, "pleura").lower()
    others = region_text(d, "others").lower()
    if feature in ("calcification", "fat", "enhancement"):  # the lexicon's descriptor nouns
        assert f"no {feature}" in pleura and f"no {feature}" not in others, (pleura, others)


@pytest.mark.parametrize("subject,word,pred", list(itertools.product(["Heart", "Trachea"], ["narrow", "zorvic"],
                                                                      ["normal sz", "nl size", "normal in size"])))
def test_a_second_predicate_stays_with_its_subject(subject, word, pred):
    out = parse_dictation(f"{subject} {word}, {pred}. No PTX.", template="cxr")
    assert len(out) == 2 and word in out[0] and "normal" in out[0], out


@pytest.mark.parametrize("segments", ["Arch 3.2, desc 2.6", "Desc aorta 3.1", "Root 4.0, STJ 3.6", "asc 4.4 cm"])
def test_a_named_aortic_segment_measure_is_heart_vessels(host, segments):
    d = draft(host, "ct_chest", f"Lungs clear. {segments} - normal.")
    assert region_text(d, "heart_vessels"), [(f.region, f.text) for f in d.findings]
    assert not region_text(d, "others"), [(f.region, f.text) for f in d.findings]


@pytest.mark.parametrize("noun,where,region", [
    ("mass", "in the anterior mediastinum", "mediastinum_hila"), ("nodule", "in the R lower lobe", "lungs_airways"),
    ("lesion", "in the prevascular space", "mediastinum_hila"), ("density", "in the L upper lobe", "lungs_airways"),
    ("masses", "in the subcarinal region", "mediastinum_hila")])
def test_soft_tissue_saying_what_a_finding_is_made_of_is_no_chest_wall(noun, where, region):
    from pixtralogist.plugins.radiology.region_sorters import sorter_for
    sorter = sorter_for("ct_chest")
    for adj in ("lobulated", "zorvic", "3 cm"):
        got = sorter.classify(f"{adj.capitalize()} soft tissue {noun} {where}.")
        assert region in got and "chest_wall_bones" not in got, got
    assert "chest_wall_bones" in sorter.classify("Soft tissue swelling of the chest wall.")
    assert "chest_wall_bones" in sorter.classify(f"Subcutaneous soft tissue {noun}.")


@pytest.mark.parametrize("touched", ["abutting thickened pleura", "contacting the major fissure", "abutting the aorta",
                                     "closely applied to the pericardium", "touching the L hemidiaphragm",
                                     "abutting the chest wall", "contacting the mediastinum"])
def test_anatomy_a_lung_finding_only_touches_is_no_region_of_its_own(touched):
    from pixtralogist.plugins.radiology.region_sorters import sorter_for
    sorter = sorter_for("ct_chest")
    for finding in ("3 cm blorvic opacity posterior RLL", "Zorvic mass-like opacity LLL"):
        got = sorter.classify(f"{finding} {touched}.")
        assert got == frozenset({"lungs_airways"}), (finding, touched, got)


@pytest.mark.parametrize("air,where", list(itertools.product(
    ["Linear lucencies", "Streaky air", "Gas", "A vertical lucency"],
    ["outlining the mediastinum", "outlining the heart and aortic knob", "extending into the soft tissues of the neck"])))
def test_air_outlining_anatomy_is_the_pneumomediastinum_sentence_only(air, where):
    from pixtralogist.plugins.radiology.sorter import ChestXraySorter
    got = ChestXraySorter(use_embedder=False).classify(f"{air} {where}, c/w pneumomediastinum.")
    assert "lung" not in got and "others" not in got and "mediastinal" in got, got


@pytest.mark.parametrize("sign", ["continuous diaphragm sign", "continuous left hemidiaphragm sign",
                                  "ring around the artery sign", "spinnaker sail sign"])
def test_named_signs_of_mediastinal_air_are_mediastinal(sign):
    from pixtralogist.plugins.radiology.sorter import ChestXraySorter
    got = ChestXraySorter(use_embedder=False).classify(f"The {sign} is present.")
    assert got == frozenset({"mediastinal"}), got


@pytest.mark.parametrize("first,comp,second", list(itertools.product(["R", "L", "Rt"], ["greater", "worse", "larger", "more"],
                                                                      ["L", "R", "Lt"])))
def test_a_side_against_side_comparison_keeps_its_sides_plain(first, comp, second):
    if first[0] == second[0]:
        return
    out = parse_dictation(f"Blorvic opacities both bases, {first} {comp} than {second}. No PTX.", template="cxr")
    assert len(out) == 2 and f"{comp} than" in out[0] and "than on the" not in out[0], out


@pytest.mark.parametrize("measure", ["Main PA 3.4 cm.", "PA 3.3 cm.", "PA trunk: 3.1 cm.", "Arch 3.2.", "Prox desc 3.0 cm.",
                                     "Root 4.1, STJ 3.6.", "Asc 4.9 cm (prev 4.7)."])
def test_a_measured_vessel_segment_is_heart_vessels(measure):
    from pixtralogist.plugins.radiology.region_sorters import sorter_for
    assert sorter_for("ct_chest").classify(measure) == frozenset({"heart_vessels"})
    assert sorter_for("ct_chest").classify("PA and lateral views.") != frozenset({"heart_vessels"})
