"""The kit's dictation reader and drafter: every dictated fact kept, in its place."""

from __future__ import annotations

import pytest

from pixtralogist.core.models import Case
from pixtralogist.kit import KitDrafter, LexiconSorter, load_lexicon, parse_dictation, triage
from pixtralogist.plugins.radiology.drafter import DictationDrafter
from pixtralogist.plugins.radiology.lexicons import lexicon_for
from pixtralogist.plugins.radiology.sorter import ChestXraySorter
from pixtralogist.plugins.radiology.templates import get_template


@pytest.fixture(scope="module")
def cxr_draft():
    drafter = DictationDrafter(ChestXraySorter(use_embedder=False), plugin_version="test")

    def draft(notes: str):
        d = drafter.draft(Case(notes=notes), get_template("cxr"))
        by = {r: [f.text for f in d.findings if f.region == r and not f.is_default] for r in d.regions}
        return d, by

    return draft


def test_issue_example_keeps_every_fact(cxr_draft):
    d, by = cxr_draft("65M SOB. Mod R effusion w/ basilar atelectasis. Cardiomegaly, mild. No PTX. "
                      "Degenerative changes T-spine. Pacemaker L chest, leads in RA/RV.")
    assert d.indication == "65M SOB."                     # demographics and the question: the indication
    assert by["heart"] == ["Mild cardiomegaly."]          # the severity stays with its finding
    assert "Degenerative changes of the thoracic spine." in by["bone"]
    # abbreviations expanded; the leads stay with their device (h-rad9: a device's part after a comma describes it)
    assert any("leads in right atrium and right ventricle" in s.lower() for s in by["others"])
    assert not any("65" in t or t.lower() in ("mild.", "sob.") for ts in by.values() for t in ts)  # no orphans
    assert d.not_placed == []


def test_trailing_qualifier_stays_in_the_findings_region(cxr_draft):
    d, by = cxr_draft("R hilar mass ~4 cm, suspicious for malignancy. Lungs otherwise clear.")
    assert by["mediastinal"] == ["Right hilar mass ~4 cm, suspicious for malignancy."]
    assert not any("suspicious" in t.lower() for t in by["lung"])


def test_recommendations_go_to_the_impression_never_a_region(cxr_draft):
    d, by = cxr_draft("8mm nodule LUL. recommend CT chest in 3 months.")
    assert d.impression[-1] == "Recommend CT chest in 3 months."
    assert not any("recommend" in t.lower() for ts in by.values() for t in ts)
    assert d.impression[0] == "8 mm nodule in the left upper lobe."


def test_what_cannot_be_placed_is_shown_not_guessed(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text("regions: [skin, others]\nsorter: {rules: [[skin, '\\bskin\\b|\\blesion']]}\n", encoding="utf-8")
    lex = load_lexicon(path)
    kinds = [s.kind for s in triage(["72F, eval for melanoma.", "Lesion on the skin.", "Mild.",
                                     "Recommend excision biopsy."], lex)]
    assert kinds == ["indication", "finding", "not_placed", "recommendation"]


def test_kit_drafter_on_a_specialty_lexicon(tmp_path):
    from pixtralogist.core.models import ImpressionRules, RegionSpec, Template

    path = tmp_path / "demo.yaml"
    path.write_text("""
regions: [morphology, site, others]
abbreviations: {irreg: irregular, pigm: pigmented}
sorter:
  rules:
    - [site, '\\b(?:left|right) (?:shoulder|arm|back)']
    - [morphology, '\\blesion|\\bmacule|\\bpigmented']
""", encoding="utf-8")
    lex = load_lexicon(path)
    template = Template(id="demo", specialty="demo", version="1", title="Demo",
                        regions=[RegionSpec(name="morphology", label="Morphology", normal="No lesion."),
                                 RegionSpec(name="site", label="Site", normal="Not stated."),
                                 RegionSpec(name="others", label="Other", normal="None.")],
                        impression=ImpressionRules(normal="Benign.", max_items=3))
    drafter = KitDrafter(LexiconSorter.from_lexicon("demo", lex), lex, plugin="demo", plugin_version="1")
    d = drafter.draft(Case(notes="54M. 6mm irreg pigm lesion, asymmetric. L shoulder. Recommend excision."), template)
    texts = {r: [f.text for f in d.findings if f.region == r and not f.is_default] for r in d.regions}
    assert texts["morphology"] == ["6 mm irregular pigmented lesion, asymmetric."]
    assert texts["site"] == ["Left shoulder."]
    assert d.indication == "54M."
    assert d.impression[-1] == "Recommend excision."
    assert d.provenance.plugin == "demo" and d.status == "ai-draft-unsigned"


def test_reader_is_the_same_for_ct_and_mri_with_their_own_words():
    assert parse_dictation("no acute", lexicon=lexicon_for("ct_chest")) == ["No acute intrathoracic abnormality."]
    assert parse_dictation("R cp angle mass", lexicon=lexicon_for("mri_brain")) == ["Right cerebellopontine angle mass."]
    assert parse_dictation("R cp angle blunting", lexicon=lexicon_for("cxr")) == ["Right costophrenic angle blunting."]
    assert parse_dictation("2cm mass", lexicon=lexicon_for("mri_brain")) == ["2 cm mass."]
