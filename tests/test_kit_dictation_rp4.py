"""Kit reader rules of the fourth issue-13 round (h-rp4): a word one letter short of a long finding word is
its typo, a ratio's slash shorthand stays, "worst in ..." parts and hedged diagnoses (the lexicon's
``dictation.diagnoses``) stay with their finding, a change-only sentence joins its finding, and an
interpretation may open with a degree adverb ("highly suspicious for").

Each test builds its own small lexicon (no plugin), so it checks the kit mechanism, not a specialty's words.
"""

from __future__ import annotations

import pytest

from pixtralogist.kit import load_lexicon, parse_dictation
from pixtralogist.kit.dictation import correct_spelling

_LEXICON = """\
regions: [organ, others]
catch_all: others
abbreviations:
  rv: right ventricle
  lv: left ventricle
  fx: fracture
concepts:
  - {id: bleed, kind: finding, synonyms: [haematocele, hydrocele]}
dictation:
  vocabulary: [infarct, effusion, opacity, thickening, haematocele, hydrocele, lesion, extranodal, osteopenia]
  describing_parts: true
  spelling: true
  diagnoses: [abscess, neoplasm, metastasis]
"""


@pytest.fixture()
def lexicon(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(_LEXICON, encoding="utf-8")
    return load_lexicon(path)


def test_a_word_one_letter_short_of_a_long_finding_word_is_its_typo(lexicon):
    assert correct_spelling("infrct", lexicon=lexicon) == "infarct"  # a letter dropped inside the word
    assert correct_spelling("opcity", lexicon=lexicon) == "opacity"
    assert correct_spelling("infarc", lexicon=lexicon) is None  # its last letter missing: another word as likely
    assert correct_spelling("lesio", lexicon=lexicon) is None  # five letters: never



def test_a_swap_of_the_last_two_letters_is_a_typo_not_another_form(lexicon):
    assert correct_spelling("extranodla", lexicon=lexicon) == "extranodal"
    assert correct_spelling("osteopenic", lexicon=lexicon) is None  # another form of "osteopenia", left alone
    assert "infarct" in parse_dictation("Old infrct.", lexicon=lexicon)[0]


def test_a_ratio_keeps_its_slash_shorthand(lexicon):
    assert parse_dictation("RV/LV ratio 1.1.", lexicon=lexicon) == ["RV/LV ratio 1.1."]
    assert parse_dictation("RV/LV 1.1.", lexicon=lexicon) == ["RV/LV ratio 1.1."]
    assert "right ventricle and left ventricle" in parse_dictation("RV/LV dilated.", lexicon=lexicon)[0].lower()


def test_where_a_finding_is_worst_stays_with_it(lexicon):
    assert parse_dictation("Diffuse wall thickening, worst at the apex, predominantly anterior.",
                           lexicon=lexicon) == ["Diffuse wall thickening, worst at the apex, predominantly anterior."]


def test_a_hedged_diagnosis_interprets_the_finding_before_it(lexicon):
    assert parse_dictation("Rim-enhancing lesion 2 cm, ?abscess.", lexicon=lexicon) == \
        ["Rim-enhancing lesion 2 cm, possible abscess."]
    # a hedged finding of its own (not a diagnosis of the lexicon) stays a statement of its own
    assert parse_dictation("Focal opacity, ?effusion.", lexicon=lexicon) == ["Focal opacity.", "Possible effusion."]
    # never under a negation
    assert parse_dictation("No lesion, ?abscess.", lexicon=lexicon)[0] == "No lesion."
    # "cannot exclude" hedges as well
    assert parse_dictation("Rim-enhancing lesion, cannot exclude abscess.", lexicon=lexicon) == \
        ["Rim-enhancing lesion, cannot exclude abscess."]
    assert parse_dictation("Focal opacity, cannot exclude effusion.", lexicon=lexicon) == \
        ["Focal opacity.", "Cannot exclude effusion."]


def test_a_change_only_sentence_joins_its_finding(lexicon):
    assert parse_dictation("Hydrocele 3 cm. Unchanged since 2021.", lexicon=lexicon) == \
        ["Hydrocele 3 cm, unchanged since 2021."]
    assert parse_dictation("Lesion 8 mm. Slightly larger vs prior.", lexicon=lexicon) == \
        ["Lesion 8 mm, slightly larger versus prior."]
    # not after a denial, and not a sentence that names a finding of its own
    assert parse_dictation("No effusion. Stable.", lexicon=lexicon) == ["No effusion.", "Stable."]
    assert parse_dictation("Lesion 8 mm. New opacity.", lexicon=lexicon) == ["Lesion 8 mm.", "New opacity."]


def test_a_change_only_sentence_needs_describing_parts(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(_LEXICON.replace("  describing_parts: true\n", ""), encoding="utf-8")
    assert parse_dictation("Hydrocele 3 cm. Unchanged.", lexicon=load_lexicon(path)) == ["Hydrocele 3 cm.", "Unchanged."]


def test_an_interpretation_may_open_with_a_degree_adverb(lexicon):
    assert parse_dictation("Mass 4 cm, highly suspicious for neoplasm.", lexicon=lexicon) == \
        ["Mass 4 cm, highly suspicious for neoplasm."]


def test_a_finding_with_a_list_of_places_gives_one_statement_per_place(lexicon):
    assert parse_dictation("2 lesions: L lobe 9mm, R lobe 4 mm.", lexicon=lexicon) == \
        ["Left lobe lesion, 9 mm.", "Right lobe lesion, 4 mm."]
    # a count other than the number listed is a fact of its own; what follows the list stays with its last item
    assert parse_dictation("Multiple lesions: upper pole 7mm, lower pole 5mm, with calcification.", lexicon=lexicon) == \
        ["Multiple lesions.", "Upper pole lesion, 7 mm.", "Lower pole lesion, 5 mm, with calcification."]
    # not a finding head, or items that are not place + measure: left alone
    assert not any("pole organ" in t.lower() for t in parse_dictation("Organ: upper pole 7mm, lower pole 5mm.",
                                                                      lexicon=lexicon))
    assert len(parse_dictation("Lesions: several, small.", lexicon=lexicon)) == 1


def test_a_list_of_places_needs_describing_parts(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text(_LEXICON.replace("  describing_parts: true\n", ""), encoding="utf-8")
    assert not any("lobe lesion" in t.lower()
                   for t in parse_dictation("2 lesions: L lobe 9mm, R lobe 4 mm.", lexicon=load_lexicon(path)))


def test_a_comparison_then_a_change_joins_its_finding(lexicon):
    assert parse_dictation("Lesion 9 mm. Compared to 2024, increased in size and number.", lexicon=lexicon) == \
        ["Lesion 9 mm, compared to 2024, increased in size and number."]
    # a hedged change is a statement of its own
    assert parse_dictation("Lesion 9 mm. Possibly larger.", lexicon=lexicon) == ["Lesion 9 mm.", "Possibly larger."]
