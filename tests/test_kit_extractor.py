"""The kit's finding extractor, abbreviation expansion, region sorter and clause rewriter."""

from __future__ import annotations

import pytest

from pixtralogist.kit import ClauseRewriter, Extractor, LexiconSorter, expand_abbreviations, load_lexicon
from pixtralogist.plugins.radiology.lexicons import lexicon_for
from pixtralogist.plugins.radiology.sorter import ChestXraySorter


@pytest.fixture(scope="module")
def ex() -> Extractor:
    return Extractor(lexicon_for("cxr"), region_of=ChestXraySorter(use_embedder=False).classify)


def _one(ex: Extractor, text: str, concept: str):
    got = [m for m in ex.extract(text) if m.concept == concept]
    assert got, f"{concept} not found in {text!r}: {ex.extract(text)}"
    return got[0]


@pytest.mark.parametrize(
    "text, concept, status",
    [
        ("No pneumothorax.", "pneumothorax", "absent"),
        ("No pleural effusion or pneumothorax.", "pneumothorax", "absent"),
        ("Effusion has resolved.", "pleural_effusion", "absent"),
        ("Possible RLL consolidation.", "airspace_opacity", "uncertain"),
        ("RLL opacity?", "airspace_opacity", "uncertain"),
        ("Old R rib fx.", "fracture", "historical"),
        ("T7 compression fx, age indeterminate.", "compression_deformity", "historical"),
        ("History of pneumonia.", "pneumonia", "historical"),
        ("No change in the small left effusion.", "pleural_effusion", "present"),
        ("Small left effusion.", "pleural_effusion", "present"),
    ],
)
def test_certainty_and_temporality(ex, text, concept, status):
    assert _one(ex, text, concept).status == status


def test_laterality_severity_size_location_and_region(ex):
    m = _one(ex, "R hilar mass ~4 cm, suspicious for malignancy", "mass")
    assert (m.laterality, m.location, m.size_mm, m.region) == ("right", "hilar", 40.0, "mediastinal")
    assert m.status == "present" and "suspicious for malignancy" in m.qualifiers
    assert m.clause == "R hilar mass ~4 cm, suspicious for malignancy"  # the qualifier stays with its finding
    m = _one(ex, "Bibasilar atelectasis, mild", "atelectasis")
    assert (m.laterality, m.severity, m.location) == ("bilateral", "mild", "bibasilar")
    m = _one(ex, "Small L apical PTX", "pneumothorax")
    assert (m.laterality, m.severity, m.region) == ("left", "small", "lung")
    m = _one(ex, "Pacer leads in RA/RV", "support_device")
    assert m.kind == "device" and m.region == "others"  # a device is not where its tip sits


@pytest.mark.parametrize(
    "text",
    ["Cardiomegaly, mild.", "Rib fracture, old.", "Compression fracture, age indeterminate.",
     "Hilar mass, suspicious for malignancy.", "Widened mediastinum, ? aortic aneurysm.",
     "Consolidation, c/w pneumonia.", "Nodule, 8 mm, RUL."],
)
def test_trailing_qualifiers_stay_with_their_finding(ex, text):
    clauses = ex.clauses(text)
    assert len(clauses) == 1, clauses
    assert all(m.clause == clauses[0][1] for m in ex.extract(text))


def test_a_second_finding_after_a_comma_is_its_own_clause(ex):
    assert [c for _, c in ex.clauses("Small L effusion, cardiomegaly.")] == ["Small L effusion", "cardiomegaly."]


def test_abbreviations_are_expanded_from_the_lexicon():
    lex = lexicon_for("cxr")
    assert expand_abbreviations("Pacemaker L chest, leads in RA/RV", lex) == \
        "Pacemaker left chest, leads in right atrium/right ventricle"
    assert expand_abbreviations("2 L of fluid", lex) == "2 L of fluid"  # not laterality after a number
    assert expand_abbreviations("R IJ CVC tip in SVC", lex) == "right internal jugular central venous catheter tip in SVC"
    assert expand_abbreviations("RUL and LLL", lex) == "right upper lobe and left lower lobe"


def test_lexicon_sorter_and_clause_rewriter(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text("""
regions: [lung, heart, others]
sorter:
  device: '\\bpacemaker'
  rules:
    - [others, '\\bcomparison\\b']
    - [heart, '\\bheart\\b|\\bcardiomegaly']
    - [lung, '\\blungs?\\b|\\bpneumothorax']
    - ['finding:lung', '\\bnodule']
""", encoding="utf-8")
    sorter = LexiconSorter.from_lexicon("demo", load_lexicon(path))
    assert sorter.classify("Cardiomegaly.") == {"heart"}
    assert sorter.classify("7 mm nodule.") == {"lung"}
    assert sorter.classify("Pacemaker lead in the heart.") == {"others"}  # the anatomy only locates the device
    assert sorter.classify("Comparison: none.") == {"others"}
    assert sorter.rewrite("Cardiomegaly; lungs clear.") == {"lung": "Lungs clear.", "heart": "Cardiomegaly."}
    assert sorter.rewrite("No pneumothorax or cardiomegaly.") == {
        "lung": "No pneumothorax.", "heart": "No cardiomegaly."}  # the negation kept in every part
    assert sorter.sort("Heart normal. Lungs clear.") == {"lung": "Lungs clear.", "heart": "Heart normal.", "others": ""}
    # a trailing qualifier is never split off its clause
    rw = ClauseRewriter(sorter.classify, is_qualifier=lambda part: part.strip(" .") in {"mild", "old"})
    assert rw.clauses("Cardiomegaly, mild; lungs clear") == ["Cardiomegaly, mild", "lungs clear"]


def test_ct_and_mri_sorters_come_from_yaml():
    from pixtralogist.plugins.radiology.region_sorters import sorter_for

    assert sorter_for("ct_chest").classify("Enlarged 16 mm subcarinal lymph node.") == {"mediastinum_hila"}
    assert sorter_for("mri_brain").classify("No acute infarct.") == {"parenchyma"}
    with pytest.raises(KeyError, match="no lexicon sorter"):
        sorter_for("cxr")
