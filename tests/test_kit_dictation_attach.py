"""Kit reader and drafter rules that keep a dictated qualifier with its finding (issue 13).

Each test builds its own small lexicon (no plugin), so it checks the kit mechanism, not a
specialty's words.
"""

from __future__ import annotations

import pytest

from pixtralogist.core.models import Case, ImpressionRules, RegionSpec, Template
from pixtralogist.kit import KitDrafter, LexiconSorter, load_lexicon, parse_dictation, triage

_LEXICON = """\
regions: [brain, vessels, others]
catch_all: others
abbreviations:
  gbm: glioblastoma
  ivh: intraventricular hemorrhage
concepts:
  - {id: zone, kind: anatomy, synonyms: [basilar, apical, peripheral zone]}
  - {id: shape, kind: qualifier, synonyms: [peripheral, patchy]}
dictation:
  vocabulary: [effusion, hematoma]
  describing_parts: true
sorter:
  rules:
    - [vessels, '\\bvenous sinus\\w*|\\bartery']
    - [brain, '\\bthalam\\w*|\\btemporal lobe|\\bintraventricular']
    - [others, '\\bfilling defect']
"""


def _lexicon(folder, text: str):
    """A lexicon (on the kit's base) from YAML text written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return load_lexicon(path)


@pytest.fixture(scope="module")
def lex(tmp_path_factory):
    return _lexicon(tmp_path_factory.mktemp("lex"), _LEXICON)


def test_a_trailing_side_letter_is_the_side(lex):
    assert parse_dictation("Mastoid effusion L, small.", lexicon=lex) == ["Small mastoid effusion on the left."]
    assert parse_dictation("Sclerosis R: atrophy.", lexicon=lex) == ["Sclerosis on the right: atrophy."]
    # not after a number or a unit, and a leading letter is untouched
    assert parse_dictation("Effusion 5 L", lexicon=lex) == ["Effusion 5 L."]


def test_a_hedged_diagnosis_stays_with_its_finding_but_never_under_a_negation(lex):
    assert parse_dictation("Temporal lobe mass 4 cm, ?GBM.", lexicon=lex) == [
        "Temporal lobe mass 4 cm, possible glioblastoma."]
    # after a negated statement the hedge is a statement of its own
    assert parse_dictation("No hematoma, ?artifact", lexicon=lex) == ["No hematoma.", "Possible artifact."]
    # a hedged finding of the vocabulary is its own statement ("possible effusion" is another finding)
    assert parse_dictation("Thalamic mass, ?effusion", lexicon=lex) == ["Thalamic mass.", "Possible effusion."]


def test_qualifiers_with_anatomy_and_pattern_nouns_attach(lex):
    assert parse_dictation("Patchy opacities, peripheral + basilar", lexicon=lex) == [
        "Patchy opacities, peripheral + basilar."]
    assert parse_dictation("Microbleeds, peripheral distribution", lexicon=lex) == [
        "Microbleeds, peripheral distribution."]


def test_a_with_part_goes_on_with_its_finding(lex):
    assert parse_dictation("Thalamic hematoma 2.5 cm, w/ IVH", lexicon=lex) == [
        "Thalamic hematoma 2.5 cm, with intraventricular hemorrhage."]
    assert parse_dictation("No hematoma, with IVH", lexicon=lex) == ["No hematoma.", "With intraventricular hemorrhage."]


def test_a_ratio_keeps_its_shorthand_and_a_pair_is_spelled_out(tmp_path):
    lx = _lexicon(tmp_path, "abbreviations:\n  rv: right ventricle\n  ra: right atrium\n  lv: left ventricle\n")
    assert parse_dictation("RV/LV 1.2", lexicon=lx) == ["RV/LV ratio 1.2."]
    assert parse_dictation("leads in RA/RV", lexicon=lx) == ["Leads in right atrium and right ventricle."]


def test_a_one_word_acronym_keeps_its_capitals(lex):
    assert parse_dictation("Signal change, ?CJD", lexicon=lex) == ["Signal change, possible CJD."]
    assert parse_dictation("NO HEMATOMA", lexicon=lex) == ["No hematoma."]


def test_a_trailing_recommended_makes_a_recommendation(lex):
    kinds = [s.kind for s in triage(["Large effusion.", "Chest tube recommended.", "MRI is advised."], lex)]
    assert kinds == ["finding", "recommendation", "recommendation"]


def test_a_catch_all_head_takes_the_region_its_tail_names(lex):
    template = Template(id="t", version="1", specialty="s", title="T",
                        regions=[RegionSpec(name="brain", label="Brain", normal="Normal brain."),
                                 RegionSpec(name="vessels", label="Vessels", normal="Normal vessels."),
                                 RegionSpec(name="others", label="Others", normal="None.")],
                        impression=ImpressionRules(normal="Nothing."))
    sorter = LexiconSorter.from_lexicon("t", lex)
    drafter = KitDrafter(sorter, lex, plugin="t", plugin_version="0")
    draft = drafter.draft(Case(notes="Filling defect, c/w venous sinus thrombosis."), template)
    placed = {f.region: f.text for f in draft.findings if not f.is_default}
    assert placed == {"vessels": "Filling defect, consistent with venous sinus thrombosis."}
    # a head with a region of its own keeps it whatever its tail says
    draft = drafter.draft(Case(notes="Thalamic hematoma, c/w venous sinus thrombosis."), template)
    assert {f.region for f in draft.findings if not f.is_default} == {"brain"}


def test_spelling_corrects_one_letter_typos_of_finding_words_only_when_asked(tmp_path):
    lx = _lexicon(tmp_path, "dictation:\n  spelling: true\n  vocabulary: [consolidation, pneumothorax, effusion, atelectasis]\n")
    assert parse_dictation("Consolidaton RLL. Pnuemothorax, small. Atelectsis. Efusion.", lexicon=lx) == [
        "Consolidation RLL.", "Small pneumothorax.", "Atelectasis.", "Effusion."]
    # words the lexicon knows and their inflections are left alone, and so is a typo of a short word
    assert parse_dictation("Effusions. Consolidations. Cyts.", lexicon=lx) == ["Effusions.", "Consolidations.", "Cyts."]
    off = _lexicon(tmp_path / "off", "dictation:\n  vocabulary: [consolidation]\n")
    assert parse_dictation("Consolidaton.", lexicon=off) == ["Consolidaton."]


def test_a_typo_one_edit_from_two_words_takes_the_one_it_dropped_a_letter_of(tmp_path):
    lx = _lexicon(tmp_path, "dictation:\n  spelling: true\n  vocabulary: [pigment, pigmented, telangiectasia]\n")
    # "pigmentd" is one edit from "pigment" (an extra d) and "pigmented" (a dropped e): the dropped letter wins
    assert parse_dictation("Pigmentd macule. Telangiectasa.", lexicon=lx) == ["Pigmented macule.", "Telangiectasia."]
    # two words of the same length one substitution away stay ambiguous: the word is left as dictated
    both = _lexicon(tmp_path / "both", "dictation:\n  spelling: true\n  vocabulary: [abcdefgx, abcdefgy]\n")
    assert parse_dictation("Abcdefgz.", lexicon=both) == ["Abcdefgz."]
    # spelling_words: more targets that are no finding words
    extra = _lexicon(tmp_path / "extra", "dictation:\n  spelling: true\n  spelling_words: [erythematous]\n")
    assert parse_dictation("Erythmatous macule.", lexicon=extra) == ["Erythematous macule."]
    assert "erythematous" not in extra.finding_terms


def test_a_side_with_anatomy_words_places_the_finding_before_it(tmp_path):
    lx = _lexicon(tmp_path, _LEXICON.replace(
        "concepts:\n", "concepts:\n  - {id: place, kind: anatomy, synonyms: [frontal, thalamus]}\n"))
    assert parse_dictation("Contusion, R frontal. Mass, L thalamus", lexicon=lx) == [
        "Contusion, right frontal.", "Mass, left thalamus."]
    # a side with words that are no anatomy of the lexicon stays a statement of its own
    assert parse_dictation("Contusion, R chest tube", lexicon=lx) == ["Contusion.", "Right chest tube."]


def test_a_slash_pair_after_a_negation_is_an_or_list(tmp_path):
    lx = _lexicon(tmp_path, "abbreviations:\n  eff: effusion\n  ptx: pneumothorax\n")
    assert parse_dictation("No eff/PTX", lexicon=lx) == ["No effusion or pneumothorax."]
    assert parse_dictation("L eff/PTX", lexicon=lx) == ["Left effusion/pneumothorax."]


def test_a_change_or_extension_part_stays_with_its_finding(lex):
    assert parse_dictation("Thalamic mass 7 mm, previously 5 mm, increased", lexicon=lex) == [
        "Thalamic mass 7 mm, previously 5 mm, increased."]
    assert parse_dictation("Hematoma, tracking into the ventricle", lexicon=lex) == [
        "Hematoma, tracking into the ventricle."]


def test_a_sentence_opening_with_the_clinical_question_is_the_indication(lex):
    kinds = [s.kind for s in triage(["Eval for mass.", "Query hematoma.", "Mass 2 cm."], lex, finding_terms=lex.finding_terms)]
    assert kinds == ["indication", "finding", "finding"]


def test_demographics_before_a_finding_go_to_the_indication_and_the_finding_stays(lex):
    out = triage(["65M with large hematoma.", "72 yo F, small hematoma.", "65M SOB."], lex,
                 finding_terms=lex.finding_terms)
    assert [(s.text, s.kind) for s in out] == [
        ("65M.", "indication"), ("Large hematoma.", "finding"),
        ("72 yo F.", "indication"), ("Small hematoma.", "finding"), ("65M SOB.", "indication")]


def test_describing_parts_are_off_unless_the_lexicon_asks(tmp_path):
    """Attribute templates (a lesion's site, a tumour's grade) place each comma part themselves."""
    lx = _lexicon(tmp_path, _LEXICON.replace("  describing_parts: true\n", "").replace(
        "concepts:\n", "concepts:\n  - {id: place, kind: anatomy, synonyms: [groin]}\n"))
    assert parse_dictation("Papule 6 mm, ?GBM", lexicon=lx) == ["Papule 6 mm.", "Possible glioblastoma."]
    assert parse_dictation("Patch, L groin", lexicon=lx) == ["Patch.", "Left groin."]


def test_a_with_part_of_a_prose_sentence_stays_its_own_statement(lex):
    assert parse_dictation("Hematoma is noted, with IVH", lexicon=lex) == [
        "Hematoma is noted.", "With intraventricular hemorrhage."]


def test_a_place_or_single_adjective_part_describes_the_finding_before_it(lex):
    """describing_parts: "..., inferior pole", "..., lobar distribution", "..., calcified" stay with their finding."""
    assert parse_dictation("Thalamic hematoma 2 cm, posterior aspect, calcified.", lexicon=lex) == [
        "Thalamic hematoma 2 cm, posterior aspect, calcified."]
    assert parse_dictation("Scattered hematomas, lobar distribution.", lexicon=lex) == [
        "Scattered hematomas, lobar distribution."]
    # never under a negation: the part is a statement of its own
    assert parse_dictation("No hematoma, posterior aspect", lexicon=lex) == ["No hematoma.", "Posterior aspect."]


def test_place_parts_stay_apart_without_describing_parts(tmp_path):
    lx = _lexicon(tmp_path, _LEXICON.replace("  describing_parts: true\n", ""))
    assert parse_dictation("Thalamic hematoma 2 cm, posterior aspect", lexicon=lx) == [
        "Thalamic hematoma 2 cm.", "Posterior aspect."]


def test_the_numbers_of_an_inline_list_are_no_statements(lex):
    assert parse_dictation("1. Thalamic hematoma. 2. No IVH. 3. Old infarct", lexicon=lex) == [
        "Thalamic hematoma.", "No intraventricular hemorrhage.", "Old infarct."]
    # a number that ends a statement stays with it
    assert parse_dictation("Hematoma size 2. No IVH.", lexicon=lex) == ["Hematoma size 2.", "No intraventricular hemorrhage."]
    # a header after a sentence end goes too
    assert parse_dictation("Hematoma 2 cm. Findings: no IVH.", lexicon=lex) == [
        "Hematoma 2 cm.", "No intraventricular hemorrhage."]


def test_a_side_letter_with_a_measured_number_is_a_side(lex):
    assert parse_dictation("Bilateral hematomas, R 9mm, L 6 mm", lexicon=lex) == [
        "Bilateral hematomas, right 9 mm, left 6 mm."]
    # a letter before a number without a unit is left alone (a level, a label)
    assert parse_dictation("L 5 hematoma", lexicon=lex) == ["L 5 hematoma."]


def test_spelling_leaves_an_adjective_of_a_listed_noun_alone(tmp_path):
    lx = _lexicon(tmp_path, "dictation:\n  spelling: true\n  vocabulary: [osteopenia, scapula, basilar, vertebral]\n")
    # "osteopenic", "scapular", "vertebra(e)" are other forms of a listed word, one letter from it
    assert parse_dictation("Osteopenic bones. Scapular fracture. Vertebra. Vertebrae.", lexicon=lx) == [
        "Osteopenic bones.", "Scapular fracture.", "Vertebra.", "Vertebrae."]
    # a typo that keeps the adjective's ending is still corrected
    assert parse_dictation("Basillar opacity.", lexicon=lx) == ["Basilar opacity."]


def test_some_of_what_the_finding_named_stays_with_it(lex):
    assert parse_dictation("Multiple hematomas, some calcified, no IVH", lexicon=lex) == [
        "Multiple hematomas, some calcified.", "No intraventricular hemorrhage."]


def test_a_plural_of_an_anatomy_synonym_is_anatomy_too(tmp_path):
    lx = _lexicon(tmp_path, _LEXICON.replace(
        "concepts:\n", "concepts:\n  - {id: place, kind: anatomy, synonyms: [cerebral hemisphere]}\n"))
    # "cerebral hemispheres" is the listed "cerebral hemisphere": the side + anatomy part stays with its finding
    assert parse_dictation("Hematomas, bilat cerebral hemispheres", lexicon=lx) == [
        "Hematomas, bilateral cerebral hemispheres."]


def test_a_ranked_alternative_stays_with_the_interpretation_before_it(lex):
    assert parse_dictation("Thalamic hematoma, likely hypertensive, less likely amyloid.", lexicon=lex) == [
        "Thalamic hematoma, likely hypertensive, less likely amyloid."]


def test_acute_on_chronic_is_a_qualifier_part(lex):
    assert parse_dictation("Hematoma, R 8mm, acute on chronic", lexicon=lex) == [
        "Hematoma, right 8 mm, acute on chronic."]


def test_correct_spelling_for_a_specialty_reader(tmp_path):
    from pixtralogist.kit.dictation import correct_spelling

    on = _lexicon(tmp_path, "dictation:\n  spelling: true\n  vocabulary: [carcinoma]\n")
    off = _lexicon(tmp_path / "off", "dictation:\n  vocabulary: [carcinoma]\n")
    assert correct_spelling("carcinomma", lexicon=on) == "carcinoma"
    assert correct_spelling("carcinomma", lexicon=off) is None
