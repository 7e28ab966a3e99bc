"""The frozen paraphrase control set of benchmarks/comparator.py: data only, no report text, rules that apply."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import paraphrase_controls as pc  # noqa: E402

HAS_IU = importlib.util.find_spec("torchxrayvision") is not None


def test_frozen_set_is_ids_hashes_and_rule_names_only():
    rules, _ = pc.load_rules()
    rows = pc.load_rows()
    assert len(rows) >= 300
    kinds = {r["kind"] for r in rows}
    assert len(kinds - {"combined"}) >= 15
    assert {r["split"] for r in rows} == {"dev", "holdout"}
    for r in rows:
        assert set(r) == {"report", "kind", "split", "edits"}  # no text field: the report text is never stored
        assert r["report"].startswith("CXR") and r["split"] == pc.split_of(r["report"])
        for e in r["edits"]:
            assert set(e) == {"sentence", "sha1", "rule"} and len(e["sha1"]) == 8
            assert e["rule"] in rules
            assert r["kind"] == "combined" or rules[e["rule"]].kind == r["kind"]


@pytest.mark.parametrize("rule,sentence,expected", [
    ("edema_uk", "No pulmonary edema.", "No pulmonary oedema."),
    ("no_a_or_b_to_neither", "No pleural effusion or pneumothorax.", "Neither pleural effusion nor pneumothorax is seen."),
    ("cm_to_mm", "Mass measuring 4.5 x 6.8 cm.", "Mass measuring 45 x 68 mm."),
    ("cm_to_mm", "A 2 cm nodule.", "A 20 mm nodule."),
    ("word_to_digit", "Two views of the chest.", "2 views of the chest."),
    ("hedge_versus", "Left basilar atelectasis versus scarring.", "Left basilar scarring or atelectasis."),
    ("no_a_b_or_c_rotate", "No focal consolidation, pneumothorax or large pleural effusion.",
     "No large pleural effusion, focal consolidation or pneumothorax."),
])
def test_rules_rewrite_as_written(rule, sentence, expected):
    rules, filters = pc.load_rules()
    assert pc.apply_rule(rules[rule], sentence, filters) == expected


def test_rule_that_does_not_apply_gives_none():
    rules, filters = pc.load_rules()
    assert pc.apply_rule(rules["edema_uk"], "The lungs are clear.", filters) is None
    assert pc.rewrite(["It is stable.", "No effusion."], 0, rules[pc.REORDER], filters) is None  # anaphora stays put


@pytest.mark.skipif(not HAS_IU, reason="IU X-Ray reports (torchxrayvision wheel data) not installed")
def test_every_row_rebuilds_from_the_reports():
    pairs, stale = pc.build_pairs()
    assert stale == 0 and len(pairs) == len(pc.load_rows())
    assert all(p.candidate != p.reference for p in pairs)
