"""Kit rules of the fifth issue-13 radiology round (h-rp5): a dated diagnosis after a sided sign (", acute
infarct") stays with the sign, and the impression leaves incidental findings out (the lexicon's
``dictation.incidental`` / ``dictation.significant``) when it has another finding.

Each test builds its own small lexicon and template (no plugin), so it checks the kit mechanism, not a
specialty's words.
"""

from __future__ import annotations

import pytest

from pixtralogist.core.models import Case, ImpressionRules, RegionSpec, Template
from pixtralogist.kit import load_lexicon, parse_dictation
from pixtralogist.kit.drafter import KitDrafter
from pixtralogist.kit.sorter import LexiconSorter

_LEXICON = """\
regions: [organ, bone, others]
catch_all: others
abbreviations: {fx: fracture}
dictation:
  vocabulary: [signal, infarct, mass, opacity, fracture, cyst, spur, lesion]
  describing_parts: true
  diagnoses: [infarct, infarction, hematoma, pneumonia]
  incidental: '\\b(?:old|healed)\\b|\\bincidental\\b|\\bspur\\b'
  significant: '\\b(?:new|suspicious)\\b'
sorter:
  rules:
    - [bone, '\\bribs?\\b|\\bspur\\b|\\bfracture']
    - [organ, '\\borgan\\b|\\bmass\\b|\\bsignal\\b|\\bcyst\\b|\\bopacity\\b|\\blesion\\b']
"""


def _load(tmp_path, text: str):
    path = tmp_path / "lexicon.yaml"
    path.write_text(text, encoding="utf-8")
    return load_lexicon(path)


@pytest.fixture()
def lexicon(tmp_path):
    return _load(tmp_path, _LEXICON)


def test_a_dated_diagnosis_after_a_sided_sign_stays_with_it(lexicon):
    got = parse_dictation("Abnormal signal L organ, upper pole, acute infarct.", lexicon=lexicon)
    assert got == ["Abnormal signal left organ, upper pole, acute infarct."]
    assert parse_dictation("Opacity R organ, subacute hematoma.", lexicon=lexicon) == \
        ["Opacity right organ, subacute hematoma."]


def test_a_dated_diagnosis_stays_apart_after_an_unsided_or_diagnosed_statement(lexicon):
    assert len(parse_dictation("Mild opacity, old infarct.", lexicon=lexicon)) == 2  # no side: two findings
    assert len(parse_dictation("Pneumonia R organ, old infarct.", lexicon=lexicon)) == 2  # already a diagnosis
    assert len(parse_dictation("Opacity R organ, acute mass.", lexicon=lexicon)) == 2  # not a diagnosis word


def _draft(lexicon, notes: str):
    template = Template(id="demo", specialty="demo", version="1", title="Demo",
                        regions=[RegionSpec(name="organ", label="Organ", normal="Normal organ."),
                                 RegionSpec(name="bone", label="Bone", normal="Normal bones."),
                                 RegionSpec(name="others", label="Other", normal="None.")],
                        impression=ImpressionRules(normal="Normal study.", max_items=5))
    drafter = KitDrafter(LexiconSorter.from_lexicon("demo", lexicon), lexicon, plugin="demo", plugin_version="1")
    return drafter.draft(Case(notes=notes), template)


def test_the_impression_leaves_incidental_findings_out_when_another_finding_is_left(lexicon):
    d = _draft(lexicon, "Old healed R rib fx. Mass L organ 3 cm. Incidental cyst organ.")
    assert d.impression == ["Mass left organ 3 cm."]
    regions = " ".join(f.text for f in d.findings if not f.is_default)
    assert "healed right rib fracture" in regions.lower() and "incidental cyst" in regions.lower()  # kept in findings


def test_significant_words_keep_an_incidental_looking_finding_and_incidental_only_keeps_all(lexicon):
    d = _draft(lexicon, "New fracture at the old rib fracture site. Bone spur.")
    assert any("new fracture" in i.lower() for i in d.impression)  # "new" outweighs "old"
    assert all("spur" not in i.lower() for i in d.impression)
    d = _draft(lexicon, "Old healed R rib fx. Bone spur.")  # only incidental findings: all stay
    assert len(d.impression) == 2 and d.impression != ["Normal study."]


_SUBJECTS = """\
regions: [organ, others]
catch_all: others
subjects:
  heart: {say: the heart, plural: false, normal_say: heart size is, normal_predicates: [normal]}
  mediastinum: {say: the mediastinum, plural: false}
  hila: {say: the hila, plural: true}
  lungs: {say: the lungs, plural: true}
"""


@pytest.fixture()
def subjects_lexicon(tmp_path):
    return _load(tmp_path, _SUBJECTS)


def test_slashed_or_listed_subjects_each_get_the_predicate_in_their_own_wording(subjects_lexicon):
    lex = subjects_lexicon
    both = ["Heart size is normal.", "The mediastinum is normal."]
    assert parse_dictation("Heart/mediastinum nl.", lexicon=lex) == both
    assert parse_dictation("Heart, mediastinum nl.", lexicon=lex) == both
    # no subject with its own wording of normal: one shared statement, as before
    assert parse_dictation("Hila, lungs unremarkable.", lexicon=lex) == ["Hila and lungs unremarkable."]
    # a slash between words that are not both subjects stays as dictated
    assert parse_dictation("Heart/lung ratio normal.", lexicon=lex) == ["Heart/lung ratio normal."]


def test_a_significant_finding_leads_the_impression_whatever_its_region(lexicon):
    d = _draft(lexicon, "Opacity R organ. New fracture R rib.")  # bone comes after organ in the template
    assert d.impression[0].lower().startswith("new fracture"), d.impression
    assert any("opacity" in i.lower() for i in d.impression[1:])


def test_ordinals_before_one_noun_are_one_list(lexicon):
    assert parse_dictation("Old L 3rd and 4th rib fx.", lexicon=lexicon) == ["Old left 3rd and 4th rib fracture."]
    assert parse_dictation("Old L 3rd, 4th rib fx.", lexicon=lexicon) == ["Old left 3rd, 4th rib fracture."]
    # a level that is not an ordinal keeps its own statement
    assert len(parse_dictation("Old L opacity. Fx T7, T8 cyst.", lexicon=lexicon)) >= 3


def test_a_source_part_follows_the_advice_it_introduces(lexicon):
    assert parse_dictation("Per ACR, repeat scan 3 months.", lexicon=lexicon) == ["Repeat scan 3 months, per ACR."]
    assert parse_dictation("According to BTS guidelines, aspiration.", lexicon=lexicon) == [
        "Aspiration, according to BTS guidelines."]
