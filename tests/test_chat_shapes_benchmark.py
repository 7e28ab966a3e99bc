"""benchmarks/chat_shapes.py: the generator is seeded and deterministic, its halves are disjoint, and a small slice runs
through the reporting service and is judged."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import chat_shapes as cs  # noqa: E402


def test_generation_is_deterministic_and_halves_are_disjoint():
    host = cs._host()
    tune = cs.generate("tune", host, ("cxr", "skin_lesion"))
    again = cs.generate("tune", host, ("cxr", "skin_lesion"))
    hold = cs.generate("holdout", host, ("cxr", "skin_lesion"))
    assert [(g.item.dictation, g.item.turn) for g in tune] == [(g.item.dictation, g.item.turn) for g in again]
    assert {g.key for g in tune}.isdisjoint({g.key for g in hold})
    fams = {g.family for g in tune}
    assert {"severity", "side", "size", "location", "deny", "remove", "add", "add_denied", "move", "impression",
            "undo", "value"} <= fams
    assert set(cs.FREE_FAMILIES) - {"grade_words"} <= fams  # the round-10 free-form families (grade: pathology)
    for g in tune:
        if g.family not in ("impression", "value") and "value" not in g.context:
            assert g.before_facts and (g.item.present or g.item.absent or g.item.undo), g.item.id
        if g.family == "undo":
            assert g.item.before and g.item.undo


def test_a_small_slice_runs_and_a_wrong_edit_fails():
    host = cs._host()
    gen = [g for g in cs.generate("tune", host, ("cxr",)) if g.family in ("deny", "undo")][:3]
    results = cs.run(gen, host)
    assert len(results) == 3 and all(r.verdict in ("pass", "fail", "skipped") for r in results)
    tables = cs.summarise(results)
    assert sum(tables["family"]["ALL"][:1] + tables["family"]["ALL"][2:]) <= 3
    # the reply check: a change shown by no before/after line is a miss
    r = next(r for r in results if r.after is not None and r.before is not None)
    assert cs.reply_lines_ok(r.before, r.before, "") == []
    if r.after.region_dict() != r.before.region_dict():
        assert cs.reply_lines_ok(r.before, r.after, "Done.")


def test_style_of_names_the_wording():
    assert cs.style_of("pls make the effusion mild") == "polite"
    assert cs.style_of("not moderate but mild") == "not-but"
    assert cs.style_of("mild rather than moderate effusion") == "rather"
    assert cs.style_of("L not R") == "shorthand"
    assert cs.style_of("the effusion is on the left") == "plain"
