"""Kit (issue 13, h-rad7): a finding's dictated interpretation part reaches the impression
(:func:`pixtralogist.kit.drafter.interpretations_left`), whether or not its statement was counted abnormal or is a
negative; nothing is said twice and a finding without an interpretation adds nothing."""

from __future__ import annotations

import pytest

from pixtralogist.core.models import Finding, Provenance
from pixtralogist.kit.drafter import interpretations_left

_PROV = Provenance(source="dictation", engine="offline-dictation", plugin="t", plugin_version="1", template_id="t",
                   template_version="1")


def _f(text: str, **kw) -> Finding:
    return Finding(region="r", text=text, provenance=_PROV, **kw)


_PHRASES = ["consistent with", "compatible with", "in keeping with", "typical of", "characteristic of", "diagnostic of",
            "most consistent with"]
_DIAGNOSES = ["posterior reversible encephalopathy syndrome", "osmotic demyelination", "lymphangioleiomyomatosis",
              "a pericardial cyst", "Merkel cell carcinoma", "angioid streaks"]


@pytest.mark.parametrize("phrase", _PHRASES)
@pytest.mark.parametrize("dx", _DIAGNOSES)
@pytest.mark.parametrize("negated", [False, True])
def test_an_interpretation_part_becomes_an_impression_line(phrase, dx, negated):
    lead = "Without restricted diffusion or enhancement" if negated else "Symmetric signal change"
    out = interpretations_left([_f(f"{lead}, {phrase} {dx}.", negated=negated)], [])
    assert out == [f"Findings {phrase} {dx}."]


@pytest.mark.parametrize("dx", _DIAGNOSES)
def test_an_interpretation_the_impression_already_says_is_not_repeated(dx):
    finding = _f(f"Scattered foci, consistent with {dx}.")
    assert interpretations_left([finding], [f"Scattered foci, consistent with {dx}."]) == []
    # two findings with the same interpretation: one line
    assert len(interpretations_left([finding, _f(f"Second area, consistent with {dx}.")], [])) == 1


@pytest.mark.parametrize("text", ["Consistent with atelectasis.", "Mild cardiomegaly.", "No effusion.",
                                  "Nodule, stable since 2019.", "Opacity consistent with atelectasis."])
def test_no_interpretation_part_adds_nothing(text):
    # an interpretation opening the statement or without a comma before it is the statement itself (the drafter's
    # own conclusion handling places it); a finding with none adds nothing
    assert interpretations_left([_f(text)], []) == []


def test_a_template_default_never_adds_a_line():
    assert interpretations_left([_f("Normal, consistent with age.", is_default=True)], []) == []
