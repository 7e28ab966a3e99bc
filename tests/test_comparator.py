"""The offline comparator ("offline-finding-match"): findings, error kinds, controls."""

from __future__ import annotations

import pytest

from pixtralogist.finetune.comparator import METRIC, compare, extract_findings

REF = ("The heart is normal in size. There is a small right pleural effusion. "
       "Calcified granuloma in the left upper lobe. No pneumothorax. Degenerative changes of the thoracic spine.")


def kinds(ref: str, cand: str) -> dict[str, int]:
    return {k: v for k, v in compare(ref, cand).significant.items() if v}


def test_identical_report_scores_one_and_is_labelled():
    r = compare(REF, REF)
    assert r.score == 1.0 and r.total_significant == 0
    assert r.metric == METRIC == "offline-finding-match"
    assert r.matched == 5


def test_findings_with_negation_laterality_severity():
    f = extract_findings("No focal consolidation, pneumothorax or large pleural effusion. "
                         "Mild cardiomegaly. 6 mm nodule in the right lower lobe. The heart is not enlarged.")
    fs = f.findings
    assert not fs["airspace opacity"].present and not fs["pneumothorax"].present
    assert not fs["pleural effusion"].present
    assert fs["cardiomegaly"].present and fs["cardiomegaly"].severity == {1}  # present wins over "not enlarged"
    nod = fs["nodule"]
    assert nod.present and ("side", "right") in nod.location and ("zone", "lower") in nod.location
    assert nod.sizes == {6.0}


@pytest.mark.parametrize("cand,kind", [
    (REF + " There is a large left pneumothorax.", "a"),                               # asserted negative
    (REF + " Focal consolidation in the right lower lobe.", "a"),                     # new finding
    (REF.replace("There is a small right pleural effusion. ", ""), "b"),            # deleted finding
    (REF.replace("No pneumothorax. ", ""), "b"),                                       # deleted pertinent negative
    (REF.replace("small right", "small left"), "c"),
    (REF.replace("left upper lobe", "left lower lobe"), "c"),
    (REF.replace("small right", "large right"), "d"),
    (REF.replace("Calcified granuloma", "Calcified 8 mm granuloma").replace("8 mm", "8 mm"), None),
])
def test_each_injected_error_kind_is_found(cand, kind):
    found = kinds(REF, cand)
    if kind is None:  # a size stated on one side only is no size conflict
        assert "c" not in found
        return
    assert found.get(kind, 0) >= 1, found
    assert compare(REF, cand).score < 1.0


def test_size_change_is_a_severity_error():
    ref = "There is a 6 mm nodule in the right upper lobe."
    assert kinds(ref, ref.replace("6 mm", "18 mm")) == {"d": 1}
    assert kinds(ref, ref.replace("6 mm", "0.6 cm")) == {}


@pytest.mark.parametrize("cand", [
    # reordered
    "No pneumothorax. Degenerative changes of the thoracic spine. Calcified granuloma in the left upper lobe. "
    "There is a small right pleural effusion. The heart is normal in size.",
    # paraphrased and synonyms
    "Heart size is normal. Small pleural effusion on the right. Left upper lobe calcified granuloma. "
    "No pneumothorax is seen. Thoracic spine spondylosis.",
    "Cardiac silhouette is within normal limits. A small right-sided effusion is present. "
    "There is a calcified granuloma in the left upper lobe. Pneumothorax is not identified. "
    "Degenerative disease of the thoracic spine.",
])
def test_meaning_preserving_rewrites_are_not_errors(cand):
    r = compare(REF, cand)
    assert r.total_significant == 0, r.significant_items
    assert r.score == 1.0


def test_organ_level_negative_covers_finding_negatives():
    assert kinds("No focal consolidation or pulmonary edema.", "The lungs are clear.") == {}
    assert kinds("The lungs are clear.", "No focal consolidation.") == {}
    # a finding the candidate asserts is still a false finding
    assert kinds("No focal consolidation.", "The lungs are clear. Right lower lobe atelectasis.") == {"a": 1}
    # member negatives cover an organ negative only when no member is asserted
    assert kinds("The lungs are clear.", "No consolidation. Left basilar atelectasis.") == {"a": 1, "b": 1}


def test_score_formula_and_empty_reference():
    r = compare("Small right effusion. No pneumothorax.", "Small right effusion.")
    assert r.matched == 1 and r.total_significant == 1 and r.score == pytest.approx(0.5)
    assert compare("", "Anything.").score is None
    assert compare("Large left pneumothorax.", "Normal chest.").score == 0.0


def test_unrecognised_statements_are_compared_by_content_words():
    ref = "Pulmonary arteries are prominent centrally. Lungs are clear."
    assert compare(ref, "Lungs are clear.").significant["b"] == 1
    ref2 = "The azygoesophageal recess is unusual. Lungs are clear."
    assert compare(ref2, "Lungs are clear.").significant["b"] == 1
    assert compare(ref2, "Lungs are clear. The azygoesophageal recess looks unusual.").total_significant == 0


def test_never_raises_on_odd_input():
    for text in ["", "....", "XXXX XXXX.", "No no no not without.", "1 x 2 x 3 cm", None, "(" * 50]:
        r = compare(text, "Normal.")  # type: ignore[arg-type]
        assert r.score is None or 0.0 <= r.score <= 1.0
