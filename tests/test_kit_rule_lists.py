"""kit: a sorter rule's pattern may be a list of alternatives (shared word lists via YAML anchors)."""

from __future__ import annotations

import pytest

from pixtralogist.kit import LexiconError, LexiconSorter, load_lexicon


def test_rule_lists_are_flattened_in_order(tmp_path):
    path = tmp_path / "lex.yaml"
    path.write_text(
        "regions: [site, others]\ncatch_all: others\n"
        "data:\n  sites: &sites ['nasal ala', 'nose']\n"
        "sorter:\n  rules:\n    - [site, [*sites, ['cheeks?']]]\n", encoding="utf-8")
    lex = load_lexicon(path, base=False)
    assert lex.sorter_rules == (("site", "nasal ala|nose|cheeks?"),)
    sorter = LexiconSorter.from_lexicon("t", lex)
    assert sorter.classify("Papule on the right nasal ala.") == frozenset({"site"})
    assert sorter.scan("left cheek") == [("site", "cheek")]


def test_a_bad_alternative_names_the_rule(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("regions: [site, others]\nsorter:\n  rules:\n    - [site, ['nose', '(unclosed']]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="sorter rule 0"):
        load_lexicon(path, base=False)
