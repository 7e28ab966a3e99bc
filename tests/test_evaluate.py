"""Per-region evaluation: the table, CSV, PNG, pairs JSONL, the CLI and the promotion-gate function."""

from __future__ import annotations

import csv
import json
import math

import pytest

from pixtralogist.cli import main
from pixtralogist.core.annotation import AnnotationEntry, write_annotation
from pixtralogist.finetune.evaluate import (
    evaluate,
    evaluate_adapter,
    make_scorer,
    region_table,
    score_pairs,
    table_markdown,
    write_outputs,
)
from pixtralogist.finetune.green import JudgeResult, parse_judge_output


class CannedJudge:
    """A GREEN-format judge whose answer is written by hand per candidate text (the parser does the rest)."""

    metric = "GREEN"

    def __init__(self, answers: dict[str, str]):
        self.answers = answers
        self.calls = 0

    def judge(self, pairs):
        self.calls += 1
        return [parse_judge_output(self.answers.get(c, "no idea")) for _, c in pairs]

    def describe(self):
        return {"judge": "canned"}


def answer(matched: int, errors: int) -> str:
    return (f"[Clinically Significant Errors]:\n(a) False report of a finding in the candidate: {errors}. x\n\n"
            f"[Matched Findings]:\n{matched}. y")


ITEMS = [
    ("c1", "val", {"lung": "L1", "heart": "H1", "mediastinal": "", "bone": "B1", "others": "O1"},
     {"lung": "l-good", "heart": "h-half", "bone": "b-garbage", "others": "anything"}),
    ("c2", "val", {"lung": "L2", "heart": "H2", "mediastinal": "M2"},
     {"lung": "l-zero", "heart": "h-good", "mediastinal": "m-good"}),
    ("c3", "test", {"lung": "L3", "heart": "H3", "mediastinal": "M3", "bone": "B3"},
     {"lung": "l-good", "heart": "h-good", "mediastinal": "m-third", "bone": "b-good"}),
]
ANSWERS = {"l-good": answer(2, 0), "h-half": answer(1, 1), "l-zero": answer(0, 3), "h-good": answer(4, 0),
           "m-good": answer(1, 0), "m-third": answer(1, 2), "b-good": answer(3, 0)}


def test_region_table_values_and_outputs(tmp_path):
    judge = CannedJudge(ANSWERS)
    records = score_pairs(ITEMS, judge)
    assert judge.calls == 1  # one batch for the whole set
    # empty reference regions and "others" are skipped
    assert {(r.case_id, r.region) for r in records} == {
        ("c1", "lung"), ("c1", "heart"), ("c1", "bone"), ("c2", "lung"), ("c2", "heart"), ("c2", "mediastinal"),
        ("c3", "lung"), ("c3", "heart"), ("c3", "mediastinal"), ("c3", "bone")}
    table = region_table(records, ["val", "test"])
    assert table["lung"]["val"].mean == pytest.approx((1.0 + 0.0) / 2)
    assert table["heart"]["val"].mean == pytest.approx((0.5 + 1.0) / 2)
    assert table["mediastinal"]["val"].mean == pytest.approx(1.0)
    assert table["bone"]["val"].mean is None and table["bone"]["val"].n_unscored == 1
    assert table["mediastinal"]["test"].mean == pytest.approx(1 / 3)
    md = table_markdown(table, "GREEN")
    assert "| Lung | 0.500 (n=2) | 1.000 (n=1) |" in md
    assert "| Bone | n/a (n=0, 1 unscored) | 1.000 (n=1) |" in md
    assert "Others" not in md and "Validation (GREEN)" in md

    paths = write_outputs(records, tmp_path, metric="GREEN", splits=["val", "test"])
    with paths["csv"].open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 8
    got = {(r["region"], r["split"]): r for r in rows}
    assert float(got[("heart", "validation")]["mean"]) == pytest.approx(0.75)
    assert got[("bone", "validation")]["mean"] == "" and got[("bone", "validation")]["n_unscored"] == "1"
    assert float(got[("mediastinal", "test")]["mean"]) == pytest.approx(1 / 3)
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    lines = [json.loads(x) for x in paths["pairs"].read_text().splitlines()]
    assert len(lines) == 10
    heart = next(x for x in lines if x["case_id"] == "c1" and x["region"] == "heart")
    assert heart["score"] == 0.5 and heart["significant"]["a"] == 1 and heart["significant_errors"]["a"] == ["x"]
    assert heart["reference"] == "H1" and heart["candidate"] == "h-half" and heart["judge_output"]
    assert "| Lung |" in paths["markdown"].read_text()


@pytest.fixture
def annotation(tmp_path):
    root = tmp_path / "data"
    reports = {
        "v1": ("val", {"lung": "The lungs are clear. No pleural effusion or pneumothorax.",
                       "heart": "The heart is normal in size.", "mediastinal": "", "bone": "", "others": ""}),
        "v2": ("val", {"lung": "Large right pleural effusion.", "heart": "Cardiomegaly.",
                       "mediastinal": "Mediastinal contours are normal.", "bone": "No acute bony abnormality.",
                       "others": ""}),
        "t1": ("test", {"lung": "Left lower lobe consolidation.", "heart": "Heart size is normal.",
                        "mediastinal": "", "bone": "Degenerative changes of the spine.", "others": ""}),
        "tr": ("train", {"lung": "Clear.", "heart": "", "mediastinal": "", "bone": "", "others": ""}),
    }
    write_annotation(root, [AnnotationEntry(id=k, image_path=[f"{k}/0.png"], report=v, split=s)
                            for k, (s, v) in reports.items()])
    return root


def test_cli_eval_offline_end_to_end(annotation, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["eval", "--plugin", "radiology", "--split", "val", "--split", "test", "--judge", "offline",
               "--data", str(annotation), "--out", str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "| Region | Validation (offline-finding-match) | Test (offline-finding-match) |" in printed
    for name in ("results.md", "region_scores.csv", "region_scores.png", "pairs.jsonl", "summary.json"):
        assert (out / name).is_file()
    pairs = [json.loads(x) for x in (out / "pairs.jsonl").read_text().splitlines()]
    assert {p["split"] for p in pairs} == {"val", "test"}  # train is not drafted
    assert all(p["metric"] == "offline-finding-match" for p in pairs)
    # the offline drafter writes the template's normal statements: a normal reference matches,
    # an abnormal one does not
    by = {(p["case_id"], p["region"]): p for p in pairs}
    assert by[("v1", "heart")]["score"] == 1.0
    assert by[("v2", "heart")]["score"] == 0.0 and by[("v2", "heart")]["significant"]["b"] == 1
    assert by[("t1", "lung")]["score"] == 0.0
    assert ("v1", "mediastinal") not in by  # empty reference region skipped
    with (out / "region_scores.csv").open() as fh:
        rows = {(r["region"], r["split"]): r for r in csv.DictReader(fh)}
    heart_val = [by[(c, "heart")]["score"] for c in ("v1", "v2")]
    assert float(rows[("heart", "validation")]["mean"]) == pytest.approx(sum(heart_val) / 2)


def test_evaluate_adapter_is_the_mean_of_region_means(annotation):
    rep = evaluate(annotation, ["val"], "offline")
    means = [c["val"].mean for c in rep.table.values() if c["val"].mean is not None]
    value = evaluate_adapter(None, annotation, "validation", "offline")
    assert value == pytest.approx(sum(means) / len(means))
    assert 0.0 <= value <= 1.0
    score = make_scorer(annotation, "offline")
    assert score(None, "val") == pytest.approx(value)


def test_evaluate_adapter_without_cases_is_nan(tmp_path):
    write_annotation(tmp_path, [])
    assert math.isnan(evaluate_adapter(None, tmp_path, "val"))


def test_eval_help():
    with pytest.raises(SystemExit) as exc:
        main(["eval", "--help"])
    assert exc.value.code == 0


def test_judge_result_defaults():
    r = JudgeResult(score=None, matched=None)
    assert r.total_significant == 0 and r.metric == "GREEN"
