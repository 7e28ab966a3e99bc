"""benchmarks/context_routing.py: the generator is seeded and deterministic, its halves are disjoint, and its
checks fail a draft that leaves a plan in a findings region."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import context_routing as cr  # noqa: E402


def test_generation_is_deterministic_and_halves_are_disjoint():
    host = cr._host()
    tune = cr.generate("tune", host, ("ct_chest", "skin_lesion"))
    again = cr.generate("tune", host, ("ct_chest", "skin_lesion"))
    hold = cr.generate("holdout", host, ("ct_chest", "skin_lesion"))
    assert [g.item.dictation for g in tune] == [g.item.dictation for g in again]
    assert {(g.concept.template, g.concept.term) for g in tune}.isdisjoint(
        {(g.concept.template, g.concept.term) for g in hold})
    tune_plans = {p.text for g in tune for p in g.parts if p.family == "plan"}
    hold_plans = {p.text for g in hold for p in g.parts if p.family == "plan"}
    assert tune_plans and hold_plans and tune_plans.isdisjoint(hold_plans)
    assert set(cr.FAMILIES) <= {f for g in tune for f in g.families}
    assert {p.position for g in tune for p in g.parts} == set(cr.POSITIONS)
    for g in tune:
        assert any(f.region == "indication" for f in g.item.facts), g.item.id


def test_a_plan_left_in_a_findings_region_fails_its_item():
    host = cr._host()
    g = next(g for g in cr.generate("tune", host, ("ct_chest",)) if "plan" in g.families)
    [(_, draft, _)] = cr.run([g], host)
    plan = next(p for p in g.parts if p.family == "plan")
    region = next(f for f in draft.findings if not f.is_default)
    region.text = f"{region.text} {plan.text}"  # the same draft with the plan also stated as a finding
    from dictation import score_draft

    fails = cr.checks(g, draft, score_draft(draft, g.item.facts))
    assert any(f.startswith("leak plan") for f in fails)
