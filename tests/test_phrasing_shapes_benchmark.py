"""benchmarks/phrasing_shapes.py: the generator is seeded and deterministic, and its items are well formed."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import phrasing_shapes as ps  # noqa: E402


def test_generation_is_deterministic_and_halves_are_disjoint():
    host = ps._host()
    tune = ps.generate("tune", host, ("ct_chest", "fundus"))
    again = ps.generate("tune", host, ("ct_chest", "fundus"))
    hold = ps.generate("holdout", host, ("ct_chest", "fundus"))
    assert [g.item.dictation for g in tune] == [g.item.dictation for g in again]
    assert {(g.concept.template, g.concept.term) for g in tune}.isdisjoint(
        {(g.concept.template, g.concept.term) for g in hold})
    fams = {f for g in tune for f in g.families}
    assert set(ps.FAMILIES) <= fams
    assert any(len(g.families) == 3 for g in tune)
    for g in tune:
        regions = [f.region for f in g.item.facts]
        assert "indication" in regions and len(regions) >= 3, g.item.id
        if "negation" in g.families:
            assert g.item.facts[0].polarity == "negative"


def test_a_draft_that_drops_a_qualifier_fails_its_item():
    host = ps._host()
    g = next(g for g in ps.generate("tune", host, ("ct_chest",)) if g.families == ("severity",))
    [(_, draft, _)] = ps.run([g], host)
    finding = g.item.facts[0]
    for f in draft.findings:  # the same draft with the severity word gone
        for word in finding.groups[1]:
            f.text = f.text.replace(word.capitalize(), "").replace(word, "")
    from dictation import score_draft  # the benchmark's scorer

    assert not ps.passed(score_draft(draft, g.item.facts))
