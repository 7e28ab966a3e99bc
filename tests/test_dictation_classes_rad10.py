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
