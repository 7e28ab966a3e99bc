"""benchmarks/fact_diff.py: facts gained and lost between two codes are counted each way, not netted away."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _mod():
    spec = importlib.util.spec_from_file_location("fact_diff", ROOT / "benchmarks" / "fact_diff.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_compare_counts_each_way():
    before = {"a#0": "correct", "a#1": "misplaced", "a#orphans": 1, "c-1": "not_understood", "c-2": "correct"}
    after = {"a#0": "lost", "a#1": "correct", "a#orphans": 0, "c-1": "wrong_edit", "c-2": "correct"}
    res = _mod().compare(before, after)
    assert res["gained"] == ["a#1"] and res["lost"] == ["a#0"]
    assert res["other"] == ["a#orphans: 1 -> 0", "c-1: not_understood -> wrong_edit"]


def test_compare_prints_net(tmp_path, capsys):
    b, a = tmp_path / "b.json", tmp_path / "a.json"
    b.write_text(json.dumps({"x#0": "misplaced", "x#1": "misplaced", "t": "wrong_edit"}))
    a.write_text(json.dumps({"x#0": "correct", "x#1": "correct", "t": "correct"}))
    assert _mod().main(["compare", str(b), str(a)]) == 0
    out = capsys.readouterr().out
    assert "net facts +2 (2 moved); net turns +1" in out
