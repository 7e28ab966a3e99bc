"""The kit sorter's optional behaviours, set in a lexicon's ``sorter:`` section (off by default)."""

from __future__ import annotations

import pytest

from pixtralogist.kit import LexiconError, LexiconSorter
from pixtralogist.kit.lexicon import lexicon_from_mapping

RULES = [["faz", "faz"], ["deep", r"deep\s+plexus"], ["finding:dropout", r"capillary\s+dropout"],
         ["disc", "disc"], ["finding:periphery", "hemorrhages?"], ["others", "media"]]


def sorter(**options) -> LexiconSorter:
    lex = lexicon_from_mapping({"regions": ["faz", "deep", "dropout", "disc", "periphery", "others"],
                                "catch_all": "others", "sorter": {"rules": RULES, **options}})
    return LexiconSorter.from_lexicon("t", lex)


def test_a_place_after_a_finding_only_locates_it_when_asked():
    assert sorter().classify("Capillary dropout in the deep plexus.") == {"deep"}  # anatomy decides (default)
    s = sorter(places_after_findings_locate=True)
    assert s.classify("Capillary dropout in the deep plexus.") == {"dropout"}
    assert s.classify("Deep plexus capillary dropout.") == {"deep", "dropout"}  # the subject still counts
    assert s.classify("Enlarged FAZ, capillary dropout.") == {"faz", "dropout"}


def test_comma_clauses_and_a_shared_tail_split_without_losing_the_eye():
    sentence = "Disc pink, scattered hemorrhages in the right eye."
    assert sorter().rewrite(sentence) == {"disc": sentence, "periphery": sentence}  # default: not split at commas
    s = sorter(comma_clauses=True, shared_tail=r"\s+in\s+the\s+(?:right|left)\s+eye$")
    assert s.rewrite(sentence) == {"disc": "Disc pink in the right eye.",
                                   "periphery": "Scattered hemorrhages in the right eye."}
    # a negated list is never cut at its commas; the negation and the tail reach every part
    assert s.rewrite("No disc hemorrhages, media opacity or hemorrhages in the left eye.")["periphery"].startswith("No ")


@pytest.mark.parametrize("options, message", [({"bogus": True}, "unknown sorter option 'bogus'"),
                                              ({"comma_clauses": "yes"}, "must be a bool"),
                                              ({"shared_tail": "(x)"}, "capturing group")])
def test_bad_sorter_options_are_rejected_with_a_clear_error(options, message):
    with pytest.raises(LexiconError, match=message):
        lexicon_from_mapping({"regions": ["a", "others"], "sorter": {"rules": [], **options}})
