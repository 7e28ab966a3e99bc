"""Dermatology: a dictation that opens with who the patient is and why they came keeps that in the indication
(issue 13, round 6; ``benchmarks/phrasing_shapes.py`` found it), even when the reason reads like a plan
("skin check", "GP referral"): the reader files such words as a plan, the kit's triage reads the opening
sentence as the indication. Generated over the demographic forms and reasons, not rows of a set."""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.core.models import Case
from pixtralogist.core.plugins import get_plugin_manager

DEMOGRAPHICS = ("74F", "74 yo F", "74 y/o M", "M 74", "F 74")
REASONS = ("skin check", "GP referral", "referred by GP", "routine review")


@pytest.fixture(scope="module")
def drafter_and_template():
    host = get_plugin_manager(autoload=False)
    template = host.template("skin_lesion")
    return host.drafter(template.specialty, template), template


def test_an_opening_of_demographics_and_reason_is_the_indication(drafter_and_template):
    drafter, template = drafter_and_template
    for demo, reason in itertools.product(DEMOGRAPHICS, REASONS):
        notes = f"{demo} {reason}. Pink papule L shoulder 4mm. Plan: excision."
        d = drafter.draft(Case(notes=notes, modality="XC", body_part="SKIN", specialty_hint="dermatology"), template)
        assert demo in (d.indication or ""), (notes, d.indication)
        assert not any(demo in item for item in d.impression), (notes, d.impression)
        assert any("excision" in item.lower() for item in d.impression), (notes, d.impression)


def test_a_plan_later_in_the_dictation_stays_a_plan(drafter_and_template):
    drafter, template = drafter_and_template
    d = drafter.draft(Case(notes="Pink papule L shoulder 4mm. GP referral.", modality="XC", body_part="SKIN",
                           specialty_hint="dermatology"), template)
    assert any("referral" in item.lower() for item in d.impression), d.impression
    assert "referral" not in (d.indication or "").lower()
