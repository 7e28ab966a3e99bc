"""British medical spellings are one concept with American ones wherever vocabularies match text."""

from __future__ import annotations

import pytest

from pixtralogist.core.nlp import FindingAnalyzer
from pixtralogist.core.spelling import americanize
from pixtralogist.plugins.radiology.region_sorters import sorter_for
from pixtralogist.plugins.radiology.sorter import ChestXraySorter, classify_rules


@pytest.mark.parametrize("british,american", [
    ("Mild pulmonary oedema.", "Mild pulmonary edema."),
    ("Oedematous soft tissues", "Edematous soft tissues"),
    ("Elevated right haemidiaphragm", "Elevated right hemidiaphragm"),
    ("small left haemothorax and haemorrhage", "small left hemothorax and hemorrhage"),
    ("HAEMATOMA", "HEMATOMA"),
    ("Distal oesophageal thickening; oesophagus", "Distal esophageal thickening; esophagus"),
    ("No tumour. Localised opacity in the centre.", "No tumor. Localized opacity in the center."),
    ("ischaemic change, anaemia", "ischemic change, anemia"),
])
def test_americanize(british, american):
    assert americanize(british) == american


@pytest.mark.parametrize("text", ["The heart is normal.", "the hemidiaphragms", "concentre", "Mild edema.", ""])
def test_americanize_leaves_american_and_other_words(text):
    # "concentre" is not "centre" as a whole word; American text is untouched
    assert americanize(text) == text


def test_region_sorter_sorts_british_like_american():
    s = ChestXraySorter(use_embedder=False)
    pairs = [("Mild pulmonary oedema.", "Mild pulmonary edema."),
             ("Elevation of the left haemidiaphragm.", "Elevation of the left hemidiaphragm."),
             ("Hiatus hernia behind the oesophagus.", "Hiatus hernia behind the esophagus.")]
    for gb, us in pairs:
        assert classify_rules(gb) is not None
        assert s.classify(gb) == s.classify(us), gb
    report = "Mild pulmonary oedema. Heart size is normal."
    sorted_gb = s.sort(report)
    assert "oedema" in sorted_gb["lung"]  # the user's spelling is kept in the output
    assert {r for r, t in sorted_gb.items() if t} == {r for r, t in s.sort(americanize(report)).items() if t}


def test_lexicon_sorters_match_british_spelling():
    ct = sorter_for("ct_chest")
    assert ct.classify("Small haemothorax on the right.") == ct.classify("Small hemothorax on the right.")


def test_nlp_attributes_of_british_spelling():
    a = FindingAnalyzer(use_spacy=False)
    gb, us = a.analyze("There is mild pulmonary oedema."), a.analyze("There is mild pulmonary edema.")
    assert gb == us and gb.abnormal
    assert a.analyze("No pulmonary oedema.").negated
    assert a.mentions_finding("Pulmonary oedema") and a.mentions_finding("Pulmonary edema")
