"""Kit rules for interpretations, summary lines, elliptical counts and describing parts (issue 13).

Each test builds its own small lexicon (no plugin), so it checks the kit mechanism, not a
specialty's words: ``dictation.conclusions`` (an interpretation follows the finding before it and
is an impression item), ``dictation.summary`` (a whole-study line goes to the impression), and the
reader's describing parts (anatomy alone, a degree adverb with its predicate, a "max thickness"
size, a describing first part, subjects sharing a predicate, a ratio before a comparison sign).
"""

from __future__ import annotations

import pytest

from test_kit_dictation_attach import _lexicon

from pixtralogist.core.models import Case, ImpressionRules, RegionSpec, Template
from pixtralogist.kit import KitDrafter, LexiconSorter, parse_dictation

_LEXICON = """\
regions: [brain, spaces, vessels, others]
catch_all: others
abbreviations:
  sdh: subdural hematoma
  rv: right ventricle
  lv: left ventricle
  c/f: concerning for
subjects:
  heart: {say: the heart, plural: false}
  mediastinum: {say: the mediastinum, plural: false}
  hila: {say: the hila, plural: true}
concepts:
  - {id: place, kind: anatomy, synonyms: [occipital lobe, frontal lobe, subpleural]}
dictation:
  vocabulary: [hematoma, effusion, sinusitis]
  describing_parts: true
  attachments: [T1, T2, DWI]
  conclusions: true
  summary: '^no acute (?:intracranial )?(?:abnormality|process)\\b'
sorter:
  rules:
    - [spaces, '\\bsubdural\\w*|\\bextra-?axial']
    - [vessels, '\\bartery|\\baorta']
    - [brain, '\\boccipital|\\bfrontal|\\binfarct\\w*|\\blesions?\\b|\\bhematoma']
"""

_TEMPLATE = Template(
    id="t", version="1", specialty="s", title="T",
    regions=[RegionSpec(name="brain", label="Brain", normal="Normal brain."),
             RegionSpec(name="spaces", label="Spaces", normal="Normal spaces."),
             RegionSpec(name="vessels", label="Vessels", normal="Normal vessels."),
             RegionSpec(name="others", label="Others", normal="None.")],
    impression=ImpressionRules(normal="No acute abnormality."))


@pytest.fixture(scope="module")
def lex(tmp_path_factory):
    return _lexicon(tmp_path_factory.mktemp("lex"), _LEXICON)


def _draft(lexicon, notes: str):
    drafter = KitDrafter(LexiconSorter.from_lexicon("t", lexicon), lexicon, plugin="t", plugin_version="0")
    d = drafter.draft(Case(notes=notes), _TEMPLATE)
    return {(f.region, f.text) for f in d.findings if not f.is_default}, d.impression, d


def test_an_interpretation_follows_its_finding_and_is_an_impression_item(lex):
    placed, impression, _ = _draft(lex, "Small L SDH 5mm. C/w subacute hematoma.")
    # "hematoma" alone would be the brain's: the interpretation stays with the subdural finding
    assert ("spaces", "Consistent with subacute hematoma.") in placed
    assert "Consistent with subacute hematoma." in impression


def test_an_interpretation_without_a_finding_word_is_not_lost(lex):
    placed, impression, d = _draft(lex, "Occipital lesion 2 cm. Likely low grade glioma.")
    assert ("brain", "Likely low grade glioma.") in placed
    assert "Likely low grade glioma." in impression and not d.not_placed


def test_without_the_setting_an_interpretation_is_sorted_on_its_own(tmp_path):
    lx = _lexicon(tmp_path, _LEXICON.replace("  conclusions: true\n", ""))
    placed, impression, _ = _draft(lx, "Small L SDH 5mm. C/w subacute hematoma.")
    assert ("brain", "Consistent with subacute hematoma.") in placed


def test_a_trailing_hedge_of_a_several_region_statement_stays_with_its_part(lex):
    placed, _, _ = _draft(lex, "Frontal infarct with subdural collection, possible trauma.")
    # the infarct is not made uncertain by the hedge that follows the subdural part
    assert ("spaces", "Possible trauma.") in placed
    assert {r for r, _ in placed} == {"brain", "spaces"}
    assert not any(t.lower().startswith("possible frontal") for _, t in placed)
    # one finding with a hedge stays one statement
    placed, _, _ = _draft(lex, "Frontal infarct, possible embolic.")
    assert placed == {("brain", "Frontal infarct, possible embolic.")}


def test_a_summary_line_is_in_the_impression(lex):
    _, impression, _ = _draft(lex, "Occipital lesion 2 cm. No acute intracranial abnormality.")
    assert impression[-1] == "No acute intracranial abnormality."
    _, impression, _ = _draft(lex, "No acute intracranial abnormality.")
    assert impression == ["No acute intracranial abnormality."]  # not twice with the template's line


def test_a_count_after_a_finding_is_about_that_finding(lex):
    placed, _, d = _draft(lex, "Frontal lesions. 3 enhancing, likely active.")
    assert ("brain", "3 enhancing, likely active.") in placed and not d.not_placed
    # a bare qualifier stays not placed
    _, _, d = _draft(lex, "Frontal lesions. Mild.")
    assert d.not_placed == ["Mild."]
    # a count that names its own region is sorted on its own
    placed, _, _ = _draft(lex, "Subdural hematoma. Multiple occipital lesions.")
    assert ("brain", "Multiple occipital lesions.") in placed


def test_describing_parts_stay_with_their_finding(lex):
    assert parse_dictation("Acute infarct, occipital lobe, DWI bright.", lexicon=lex)[0].startswith(
        "Acute infarct, occipital lobe")
    assert parse_dictation("Aorta 4.2 cm, mildly dilated.", lexicon=lex) == ["Aorta 4.2 cm, mildly dilated."]
    assert parse_dictation("R SDH, max thickness 9mm.", lexicon=lex) == [
        "Right subdural hematoma, max thickness 9 mm."]
    assert parse_dictation("Reticulation, subpleural predominance.", lexicon=lex) == [
        "Reticulation, subpleural predominance."]
    # but a negated statement keeps its scope
    assert parse_dictation("No hematoma, mildly dilated.", lexicon=lex) == ["No hematoma.", "Mildly dilated."]


def test_a_differential_part_stays_with_its_finding_even_with_finding_words(lex):
    assert parse_dictation("Occipital lesion, ?hematoma vs effusion.", lexicon=lex) == [
        "Occipital lesion, possible hematoma versus effusion."]
    assert parse_dictation("Occipital lesion, ?hematoma.", lexicon=lex) == ["Occipital lesion.", "Possible hematoma."]


def test_an_extension_verb_part_stays_with_its_finding(lex):
    assert parse_dictation("Aorta dissection, extends to the arch.", lexicon=lex) == [
        "Aorta dissection, extends to the arch."]


def test_a_describing_first_part_goes_with_the_finding_after_it(lex):
    assert parse_dictation("T1 hypointense, T2 hyperintense lesion, 1 cm.", lexicon=lex) == [
        "T1 hypointense, T2 hyperintense lesion, 1 cm."]


def test_subjects_listed_before_a_predicate_share_it(lex):
    assert parse_dictation("Heart, mediastinum nl.", lexicon=lex) == ["Heart and mediastinum normal."]
    assert parse_dictation("Heart, mediastinum, hila nl.", lexicon=lex) == ["Heart, mediastinum and hila normal."]


def test_a_ratio_before_a_comparison_sign_keeps_its_shorthand(lex):
    assert parse_dictation("RV/LV >1.", lexicon=lex) == ["RV/LV ratio >1."]
    assert parse_dictation("RV/LV 0.9", lexicon=lex) == ["RV/LV ratio 0.9."]
