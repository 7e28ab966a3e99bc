"""The kit's ``presenting_reason`` context concept: the dictation's opening sentence that says why the
patient is examined is the indication, even with a finding word in it; the same words later are not."""

from __future__ import annotations

from pixtralogist.kit import load_lexicon, triage

_LEXICON = r"""
regions: [skin, others]
sorter: {rules: [[skin, '\bskin\b|\blesion|\bmole']]}
concepts:
  - id: presenting_reason
    kind: context
    patterns: ['(?:new|changing)\s+mole(?![\w])', 'itch(?:y|ing)?(?![\w])']
"""


def _kinds(tmp_path, sentences):
    path = tmp_path / "demo.yaml"
    path.write_text(_LEXICON, encoding="utf-8")
    return [s.kind for s in triage(sentences, load_lexicon(path))]


def test_opening_reason_is_the_indication_even_with_a_finding_word(tmp_path):
    assert _kinds(tmp_path, ["Changing mole, bleeding lesion.", "Lesion on the skin of the back."]) == [
        "indication", "finding"]
    # after demographics it still opens the dictation
    assert _kinds(tmp_path, ["60F.", "New mole.", "Lesion on the skin."]) == ["indication", "indication", "finding"]


def test_reason_words_after_a_finding_or_alone_are_no_opening(tmp_path):
    assert _kinds(tmp_path, ["Lesion on the skin.", "Changing mole, bleeding lesion."])[1] == "finding"
    # a dictation of one sentence is its finding, not only a reason
    assert _kinds(tmp_path, ["Changing mole, bleeding lesion."]) == ["finding"]


def test_without_the_concept_nothing_changes(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(_LEXICON.split("concepts:")[0], encoding="utf-8")
    kinds = [s.kind for s in triage(["Changing mole, bleeding lesion.", "Lesion on the skin."], load_lexicon(path))]
    assert kinds == ["finding", "finding"]


def test_a_side_after_a_count_is_a_side_litres_are_not():
    from pixtralogist.kit import parse_dictation

    assert parse_dictation("Nodules x3 R lung. Drain output 2 L.") == ["Nodules x3 right lung.", "Drain output 2 L."]
