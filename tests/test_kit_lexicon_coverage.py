"""Abbreviation coverage of the built-in lexicons (benchmarks/lexicon_coverage.py, issue 13 sweep h-abbr).

The fast tests draft a few abbreviations per specialty with the configured drafters (the ones this sweep
added and a sample of the old ones) and check the checker itself; the full lexicon-wide run is ``slow``.
Dictations here are the checker's own carrier forms, not rows of any benchmark set.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import lexicon_coverage as cov  # noqa: E402
from dictation import normalize  # noqa: E402

from pixtralogist.kit import base_lexicon, expand_abbreviations  # noqa: E402


@pytest.fixture(scope="module")
def host():
    return cov._host()


def _failures(outcomes):
    return [(o.entry.token, o.why, o.dictation) for o in outcomes if not o.passed]


def test_base_history_shorthand_is_written_out():
    lex = base_lexicon()
    out = expand_abbreviations("c/o cough, pmhx asthma, fhx of dm, b/l wheeze, dx unclear, tx started", lex)
    for words in ("complains of", "past medical history", "family history", "bilateral", "diagnosis", "treatment"):
        assert words in out.lower(), out


@pytest.mark.parametrize("specialty,tokens", [
    ("radiology", ["hh", "aaa", "ctpa", "ln", "lap", "pleff", "bpf", "tia", "mra", "pcomm", "gre", "ptx", "rul", "mca"]),
    ("pathology", ["alh", "adh", "fea", "udh", "tils", "rcb", "nact", "snb", "fish", "nhg", "idc", "lvi", "sln"]),
    ("dermatology", ["c/o", "dx", "bcc", "scc"]),
    ("ophthalmology", ["b/l", "sx", "crvo", "nvd"]),
])
def test_abbreviations_are_written_out_and_placed(host, specialty, tokens):
    outcomes = cov.check(specialty, host, tokens=tokens)
    assert {o.entry.token for o in outcomes} == set(tokens)  # every token is a lexicon abbreviation
    assert _failures(outcomes) == []


def test_checker_fails_a_shorthand_the_drafter_keeps_raw(host):
    # "7pcl" in lower case stays raw in a dermatology draft (a known gap): the checker must see it
    outcomes = cov.check("dermatology", host, tokens=["7pcl"])
    assert len(outcomes) == 1 and not outcomes[0].passed and outcomes[0].why == "not written out"


def test_homes_follow_the_concept():
    lex = cov.lexicon_of("cxr")
    assert cov.concept_home(lex, "pneumothorax")[1] == "lung"
    assert cov.concept_home(lex, "left upper lobe")[1] is None  # anatomy: any region but the catch-all


@pytest.mark.slow
def test_every_lexicon_abbreviation_is_written_out_and_placed(host):
    bad = []
    for specialty in cov.SPECIALTY_TEMPLATES:
        bad += [(specialty, *f) for f in _failures(cov.check(specialty, host))
                if (cov.plan_template(specialty, f[0]), f[0]) not in cov.KNOWN_GAPS]
    assert bad == []


# -- the kit pieces this sweep added ------------------------------------------------------------------


def _lad_lexicon():
    from pixtralogist.kit.lexicon import lexicon_from_mapping

    return lexicon_from_mapping({"name": "t", "context_abbreviations": {
        "lad": {"preceded_by": ["the", "proximal"], "expansion": "LAD", "otherwise": "lymphadenopathy"}}})


def test_preceded_by_context_abbreviation_in_the_extractor():
    lex = _lad_lexicon()
    assert expand_abbreviations("Stent in the LAD; bulky hilar LAD.", lex) == "Stent in the LAD; bulky hilar lymphadenopathy."
    assert expand_abbreviations("proximal lad plaque", lex) == "proximal LAD plaque"


def test_preceded_by_context_abbreviation_in_dictation():
    from pixtralogist.kit import expand_shorthand

    lex = _lad_lexicon()
    assert "lymphadenopathy" in expand_shorthand("Bulky axillary LAD.", lexicon=lex)
    out = expand_shorthand("Calcified plaque in the LAD.", lexicon=lex)
    assert "LAD" in out and "lymphadenopathy" not in out


@pytest.mark.parametrize("template,dictation,expect_region,words", [
    ("ct_chest", "Heavy calcified plaque in the LAD. Bulky R hilar LAD.", "heart_vessels", "in the lad"),
    ("ct_chest", "Heavy calcified plaque in the LAD. Bulky R hilar LAD.", "mediastinum_hila", "hilar lymphadenopathy"),
    ("cxr", "PMHx asthma. Patchy RLL opacity.", "indication", "past medical history asthma"),
    ("mri_brain", "Recurrent TIAs. Old R cerebellar infarct.", "indication", "transient ischemic attacks"),
    ("ct_chest", "Known prostate ca. Sclerotic T9 lesion.", "indication", "prostate cancer"),
])
def test_radiology_context_lands_where_it_belongs(host, template, dictation, expect_region, words):
    sections = _sections(host, template, dictation)
    assert any(words in normalize(s) for s in sections.get(expect_region, [])), sections


@pytest.mark.parametrize("template,dictation,words", [
    ("ct_chest", "4 mm LUL nodule. F/u 12 mo.", "follow up 12 mo"),
    ("cxr", "LLL consolidation. Rpt CXR in 8/52.", "repeat chest radiograph"),
    ("mri_brain", "Tiny falcine meningioma. F/u MRI 2 yrs.", "follow up mri"),
])
def test_short_follow_up_is_the_impressions(host, template, dictation, words):
    sections = _sections(host, template, dictation)
    assert any(words in normalize(s) for s in sections["impression"]), sections
    assert not any(words in normalize(s) for s in sections[cov.lexicon_of(template).catch_all]), sections


def _sections(host, template: str, dictation: str) -> dict[str, list[str]]:
    """``{region: sentences}`` of the configured drafter's draft of ``dictation``."""
    tpl = host.template(template)
    draft = host.drafter(tpl.specialty, tpl).draft(cov._case(template, dictation, ""), tpl)
    return cov.draft_sections(draft)
