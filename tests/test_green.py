"""GREEN prompt, parser and score (fixtures hand-written in the paper's output format)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixtralogist.finetune.green import (
    LETTERS,
    SUBCATEGORIES,
    JudgeResult,
    build_prompt,
    green_score,
    parse_judge_output,
    truncate_words,
)

FIXTURES = Path(__file__).parent / "fixtures" / "green"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text("utf-8")


def test_score_formula():
    assert green_score(3, 1) == pytest.approx(0.75)
    assert green_score(2, 0) == 1.0
    assert green_score(0, 5) == 0.0
    assert green_score(0, None) == 0.0
    assert green_score(None, 0) is None
    assert green_score(4, None) is None


def test_prompt_has_the_papers_sections_and_truncates_to_300_words():
    ref = " ".join(f"r{i}" for i in range(400))
    cand = "Small left pleural effusion."
    p = build_prompt(ref, cand)
    for section in ("[Explanation]:", "[Clinically Significant Errors]:", "[Clinically Insignificant Errors]:",
                    "[Matched Findings]:", "2. Reference Report:", "3. Candidate Report:"):
        assert section in p
    for text in SUBCATEGORIES.values():
        assert text in p
    assert "r299" in p and "r300" not in p
    assert cand in p
    assert truncate_words("a  b\n c", 2) == "a b"


def test_well_formed():
    r = parse_judge_output(fixture("well_formed.txt"))
    assert r.parsed and r.metric == "GREEN"
    assert r.matched == 2
    assert r.significant == {"a": 0, "b": 1, "c": 1, "d": 0, "e": 0, "f": 0}
    assert r.insignificant["b"] == 1 and sum(r.insignificant.values()) == 1
    assert r.score == pytest.approx(2 / 4)
    assert r.significant_items["b"] == ["Cardiomegaly"]
    assert r.significant_items["c"] == ["Pleural effusion on the left instead of the right"]
    assert r.significant_items["a"] == []  # "No errors" is not an item
    assert r.matched_items == ["No pneumothorax", "Clear upper lungs"]
    assert r.explanation.startswith("The candidate report describes a left pleural effusion")


def test_markdown_bold_bullets_word_counts_and_multiline_lists():
    r = parse_judge_output(fixture("markdown.txt"))
    assert r.significant == {"a": 1, "b": 0, "c": 0, "d": 2, "e": 0, "f": 0}
    assert r.insignificant == dict.fromkeys(LETTERS, 0)  # "None."
    assert r.matched == 4
    assert r.score == pytest.approx(4 / 7)
    assert r.significant_items["d"] == ["Large instead of small left effusion", "Severe instead of mild cardiomegaly"]
    assert r.matched_items == ["Left pleural effusion", "Cardiomegaly", "No pneumothorax", "Normal mediastinum"]


def test_partial_output_missing_sections_still_scores():
    r = parse_judge_output(fixture("partial.txt"))
    assert r.parsed
    assert r.significant["b"] == 2 and r.total_significant == 2
    assert r.matched == 3 and r.score == pytest.approx(3 / 5)
    assert r.explanation == ""


def test_zero_matched_scores_zero():
    r = parse_judge_output(fixture("no_matched.txt"))
    assert r.matched == 0 and r.score == 0.0 and r.parsed
    assert r.significant_items["b"] == ["Large right pneumothorax"]


def test_numbered_subcategories():
    r = parse_judge_output(fixture("numbered.txt"))
    assert r.significant["f"] == 1 and r.total_significant == 1
    assert r.matched == 5 and r.score == pytest.approx(5 / 6)


def test_garbled_output_is_unscored():
    r = parse_judge_output(fixture("garbled.txt"))
    assert r.score is None and not r.parsed and r.matched is None
    assert r.raw == fixture("garbled.txt")


@pytest.mark.parametrize("text", ["", "   \n", "[Matched Findings]:", "[Matched Findings]: lots of them",
                                  "[Clinically Significant Errors]: (a) False report: 1. x"])
def test_unreadable_answers_are_none(text):
    assert parse_judge_output(text).score is None


def test_significant_section_missing_with_matched_findings_is_unscored():
    assert parse_judge_output("[Matched Findings]:\n3. a; b; c").score is None
    # ... unless M is 0, which scores 0 whatever the errors are
    assert parse_judge_output("[Matched Findings]:\n0. none").score == 0.0


def test_chat_debris_and_extra_whitespace():
    text = ("<s>[INST] prompt [/INST]<|assistant|>\n\n  [Clinically Significant Errors]:   \n"
            "(a)   False report of a finding in the candidate:    three.  x; y; z\n\n"
            "[Matched Findings]:\n   6.   a; b</s>")
    r = parse_judge_output(text)
    assert r.significant["a"] == 3 and r.significant_items["a"] == ["x", "y", "z"]
    assert r.matched == 6 and r.score == pytest.approx(6 / 9)


def test_to_dict_round_trip():
    d = parse_judge_output(fixture("well_formed.txt")).to_dict()
    assert d["total_significant"] == 2 and d["score"] == pytest.approx(0.5)
    assert set(d["significant"]) == set(LETTERS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.text(),
    st.lists(st.sampled_from([
        "[Explanation]:", "[Clinically Significant Errors]:", "[Clinically Insignificant Errors]:",
        "[Matched Findings]:", "**", "(a)", "(b) Missing:", "(f)", "1)", ": ", "two", "none", "0.", "3.", ";",
        "\n", " ", "- ", "```", "<|assistant|>", "xyz", "(c) wrong: 12.", "(z)", "[", "]",
    ]) | st.text(max_size=5), max_size=40).map("".join),
))
def test_parser_never_crashes_and_returns_a_valid_structure(text):
    r = parse_judge_output(text)
    assert isinstance(r, JudgeResult)
    assert set(r.significant) == set(LETTERS) == set(r.insignificant)
    assert all(isinstance(v, int) and v >= 0 for v in r.significant.values())
    assert all(isinstance(v, int) and v >= 0 for v in r.insignificant.values())
    assert all(isinstance(x, str) for v in r.significant_items.values() for x in v)
    assert r.score is None or 0.0 <= r.score <= 1.0
    assert r.parsed == (r.score is not None)
    if r.score is not None:
        assert r.matched is not None and r.matched >= 0
        assert r.score == green_score(r.matched, r.total_significant)
