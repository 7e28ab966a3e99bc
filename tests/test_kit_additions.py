"""Small kit additions made while porting dermatology and pathology (rule lists, bare values)."""

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


def test_place_bare_values_keeps_attribute_values_but_not_bare_qualifiers():
    """A KitDrafter for an attribute template places a bare "Irregular." its sorter has a rule for (a
    border) and leaves "Mild." (no rule) in not_placed; a plain KitDrafter leaves both."""
    from pixtralogist.core.models import Case, ImpressionRules, RegionSpec, Template
    from pixtralogist.kit import KitDrafter, base_lexicon

    lex = base_lexicon().with_(regions=("border", "others"), catch_all="others",
                               sorter_rules=(("border", r"irregular\b"),))
    template = Template(id="t", version="1", specialty="s", title="T",
                        regions=[RegionSpec(name="border", label="Border", normal="Not described."),
                                 RegionSpec(name="others", label="Others", normal="None.")],
                        impression=ImpressionRules(normal="Nothing."))

    class Drafter(KitDrafter):
        place_bare_values = True

    sorter = LexiconSorter.from_lexicon("t", lex)
    draft = Drafter(sorter, lex, plugin="t", plugin_version="0").draft(Case(notes="Irregular. Mild."), template)
    assert [f.text for f in draft.findings if f.region == "border" and not f.is_default] == ["Irregular."]
    assert draft.not_placed == ["Mild."]
    plain = KitDrafter(sorter, lex, plugin="t", plugin_version="0").draft(Case(notes="Irregular. Mild."), template)
    assert plain.not_placed == ["Irregular.", "Mild."]


def test_lexicon_predicates_and_attachments(tmp_path):
    """dictation.predicates extends the terse predicates; dictation.attachments keeps a describing comma part."""
    from pixtralogist.kit import parse_dictation

    path = _write(tmp_path, "subjects:\n  border: {say: the border}\n"
                  "dictation:\n  predicates: [irregular]\n  attachments: [grouped]\n")
    lex = load_lexicon(path)
    assert parse_dictation("border irregular", lexicon=lex) == ["The border is irregular."]
    assert parse_dictation("trunk, grouped", lexicon=lex) == ["Trunk, grouped."]
    plain = load_lexicon(path, base=True).with_(dictation={})
    assert parse_dictation("trunk, grouped", lexicon=plain) == ["Trunk.", "Grouped."]
    assert parse_dictation("border irregular", lexicon=plain) == ["Border irregular."]


def test_a_bare_predicate_after_a_subject_statement_joins_it(tmp_path):
    """"border ill-defined, notched": one subject, two predicates, one sentence (no bare "Notched.");
    a predicate after a statement that is not a subject statement stays its own sentence."""
    from pixtralogist.kit import parse_dictation

    lex = load_lexicon(_write(tmp_path, "subjects:\n  border: {say: the border}\n  edges: {say: the edges, plural: true}\n"
                              "dictation:\n  predicates: [ill-defined, notched, blurred, irregular]\n"))
    assert parse_dictation("border ill-defined, notched", lexicon=lex) == ["The border is ill-defined and notched."]
    assert parse_dictation("edges irregular, blurred", lexicon=lex) == ["The edges are irregular and blurred."]
    assert parse_dictation("papule, notched", lexicon=lex) == ["Papule.", "Notched."]


def _write(tmp_path, text: str):
    """A lexicon file with ``text`` (a dermatology-like lexicon for the reader tests)."""
    path = tmp_path / "derm.yaml"
    path.write_text(text, encoding="utf-8")
    return path
