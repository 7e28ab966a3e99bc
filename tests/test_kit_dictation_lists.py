"""The kit's one walk back over a dictated list to its negation head (issue 13).

:func:`pixtralogist.kit.dictation.join_negated_list` is shared by the kit's reader and the eye-aware
ophthalmology reader; these tests build their own small lexicon (no plugin) for the mechanism, then
check that both readers keep a negation over the whole list.
"""

from __future__ import annotations

from pixtralogist.kit import load_lexicon
from pixtralogist.kit import parse_dictation as kit_parse
from pixtralogist.kit.dictation import is_list_item, join_negated_list

_LEXICON = """\
regions: [organ, others]
catch_all: others
abbreviations:
  cx: cyst
subjects:
  gland: {say: the gland}
dictation:
  vocabulary: [cyst, nodule, stone]
  predicates: [bright]
"""


def _lexicon(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(_LEXICON, encoding="utf-8")
    return load_lexicon(path)


def test_join_folds_a_part_into_the_negated_list_it_closes(tmp_path):
    lex = _lexicon(tmp_path)
    items = ["no cyst", "nodule"]
    assert join_negated_list(items, "or stone", lexicon=lex) is True
    assert items == ["no cyst, nodule, or stone"]


def test_join_leaves_a_list_without_a_negation_head_alone(tmp_path):
    lex = _lexicon(tmp_path)
    items = ["large cyst", "nodule"]
    assert join_negated_list(items, "or stone", lexicon=lex) is False
    assert items == ["large cyst", "nodule"]
    assert join_negated_list([], "or stone", lexicon=lex) is False


def test_a_subject_statement_ends_the_walk(tmp_path):
    """"gland bright" is a statement of its own, not an item: the negation before it does not reach past it."""
    lex = _lexicon(tmp_path)
    assert is_list_item("nodule", lexicon=lex)
    assert not is_list_item("gland bright", lexicon=lex)
    assert not is_list_item("no stone", lexicon=lex)
    assert not is_list_item("one two three four five", lexicon=lex)
    items = ["no cyst", "gland bright"]
    assert join_negated_list(items, "or stone", lexicon=lex) is False
    assert items == ["no cyst", "gland bright"]


def test_absence_of_opens_a_negated_list(tmp_path):
    lex = _lexicon(tmp_path)
    items = ["absence of cyst", "nodule"]
    assert join_negated_list(items, "or stone", lexicon=lex)
    assert items == ["absence of cyst, nodule, or stone"]


def test_kit_reader_keeps_the_negation_over_the_list(tmp_path):
    lex = _lexicon(tmp_path)
    assert kit_parse("no cx, nodule or stone", lexicon=lex) == ["No cyst, nodule or stone."]


def test_eye_reader_uses_the_same_walk():
    """Ophthalmology's reader folds the list with the kit's function (its eye added after)."""
    from pixtralogist.plugins.ophthalmology.dictation import parse_dictation as eye_parse

    assert eye_parse("OS: no exudates, CWS, nor VB") == [
        "No exudates, cotton wool spots, nor venous beading in the left eye."]
    assert eye_parse("no drusen, GA or CNV OU") == [
        "No drusen, geographic atrophy or CNV in either eye."]


def test_protected_dots_are_no_sentence_ends(tmp_path):
    from pixtralogist.kit.dictation import protect_abbreviation_dots

    assert protect_abbreviation_dots("80 y.o. man, cyst vs. nodule, e.g. stone") == \
        "80 y/o man, cyst vs nodule, for example stone"
    lex = _lexicon(tmp_path)
    assert kit_parse("cyst vs. nodule", lexicon=lex) == ["Cyst versus nodule."]


def test_an_age_alone_is_demographics():
    """The base lexicon's demographics: "9yo", "72 y/o", "45-year-old" alone; "20 yrs" alone is a duration."""
    from pixtralogist.kit import base_lexicon, triage

    kinds = [s.kind for s in triage(["9yo.", "72 y/o.", "A 45-year-old.", "F, 40s.", "Man in his 70s.", "20 yrs."],
                                    base_lexicon())]
    assert kinds[:5] == ["indication"] * 5
    assert kinds[5] != "indication"


def test_comma_clauses_keep_with_parts_and_measures_with_their_clause():
    from pixtralogist.kit.rewriter import ClauseRewriter

    rw = ClauseRewriter(lambda t: frozenset({"a"}), comma_clauses=True)
    assert rw.clauses("mass superior, 2DD, with orange pigment, cyst nasal") == [
        "mass superior, 2DD, with orange pigment", "cyst nasal"]
    assert rw.clauses("mass, ~350 um, without pigment") == ["mass, ~350 um", "without pigment"]
    plain = ClauseRewriter(lambda t: frozenset({"a"}))
    assert plain.clauses("mass, with pigment; cyst") == ["mass, with pigment", "cyst"]


def test_correct_spelling_for_readers_with_their_own_tokeniser(tmp_path):
    from pixtralogist.kit.dictation import correct_spelling

    path = tmp_path / "spell.yaml"
    path.write_text(_LEXICON + "  spelling: true\n  spelling_words: [calcification]\n", encoding="utf-8")
    lex = load_lexicon(path)
    assert correct_spelling("calcifcation", lexicon=lex) == "calcification"
    assert correct_spelling("calcification", lexicon=lex) is None  # a known word is no typo
    assert correct_spelling("calcifcation", lexicon=_lexicon(tmp_path)) is None  # spelling off


def test_a_differential_list_is_one_statement_of_alternatives():
    from pixtralogist.kit.dictation import differential_as_alternatives

    assert differential_as_alternatives("Nodule. DDx: cyst, abscess, tumour. Drain.") == \
        "Nodule. cyst versus abscess versus tumour. Drain."
    assert differential_as_alternatives("Differential includes A or B") == "A versus B"
    assert differential_as_alternatives("DDx: cyst.") == "DDx: cyst."  # one item: as dictated
    assert differential_as_alternatives("Cyst, abscess.") == "Cyst, abscess."


def test_an_attachment_with_a_noun_never_joins_a_denial(tmp_path):
    path = tmp_path / "att.yaml"
    path.write_text(_LEXICON + "  attachments: [multiple, symmetric]\n", encoding="utf-8")
    lex = load_lexicon(path)
    assert kit_parse("no cyst, symmetric dots", lexicon=lex) == ["No cyst.", "Symmetric dots."]
    assert kit_parse("no cyst, multiple", lexicon=lex) == ["No cyst, multiple."]  # a qualifier of the denial
    assert kit_parse("small cyst, symmetric dots", lexicon=lex) == ["Small cyst, symmetric dots."]


def test_approx_before_a_new_sentence_keeps_its_stop():
    from pixtralogist.kit.dictation import protect_abbreviation_dots

    assert protect_abbreviation_dots("6 mm approx. Derm: dots") == "6 mm approx. Derm: dots"
    assert protect_abbreviation_dots("approx. 6 mm, vs. SCC") == "approx 6 mm, vs SCC"
