"""The synoptic region sorter on a labelled set of pathology sentences (rules only, no model)."""

from __future__ import annotations

import pytest

from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.pathology.sorter import REGIONS, SynopticSorter
from pixtralogist.plugins.pathology.templates import get_template

# (sentence, expected set of regions). Written for this test; not taken from any report.
LABELLED: list[tuple[str, set[str]]] = [
    # procedure
    ("Procedure: left breast lumpectomy with sentinel lymph node biopsy.", {"procedure"}),
    ("Right total mastectomy with axillary lymph node dissection.", {"procedure"}),
    ("Wide local excision of the left breast.", {"procedure"}),
    ("Re-excision of the superior margin.", {"procedure"}),
    ("Specimen type: partial mastectomy.", {"procedure"}),
    ("Modified radical mastectomy.", {"procedure"}),
    ("Segmental resection of the right breast with sentinel node biopsy.", {"procedure"}),
    # site
    ("Tumor site: upper outer quadrant.", {"site"}),
    ("Upper inner quadrant, 10 o'clock, 4 cm from the nipple.", {"site"}),
    ("The tumor is located in the subareolar region.", {"site"}),
    ("Located in the lower outer quadrant at 5 o'clock.", {"site"}),
    ("Site: central portion of the breast.", {"site"}),
    # laterality
    ("Laterality: left.", {"laterality"}),
    ("Right.", {"laterality"}),
    ("Left breast.", {"laterality"}),
    ("Specimen laterality: right.", {"laterality"}),
    # histologic type
    ("Invasive ductal carcinoma, no special type.", {"histologic_type"}),
    ("Invasive lobular carcinoma, classic type.", {"histologic_type"}),
    ("Histologic type: mucinous carcinoma.", {"histologic_type"}),
    ("Invasive carcinoma of no special type with focal micropapillary features.", {"histologic_type"}),
    ("Tubular carcinoma.", {"histologic_type"}),
    ("Invasive mammary carcinoma with mixed ductal and lobular features.", {"histologic_type"}),
    # grade
    ("Nottingham grade 2 (tubules 3, pleomorphism 2, mitoses 2; total 7).", {"grade"}),
    ("Histologic grade: 3.", {"grade"}),
    ("Tubule formation score 3, nuclear pleomorphism score 3, mitotic count score 1.", {"grade"}),
    ("Overall grade 1 (3+1+1).", {"grade"}),
    ("Moderately differentiated.", {"grade"}),
    ("Mitotic count 12 per 10 high-power fields, score 2.", {"grade"}),
    # size
    ("Tumor size 2.1 cm.", {"size"}),
    ("The invasive carcinoma measures 18 mm in greatest dimension.", {"size"}),
    ("Size of invasive tumor: 2.3 x 1.8 x 1.5 cm.", {"size"}),
    ("Greatest dimension of the largest focus: 9 mm.", {"size"}),
    # extent
    ("No skin or chest wall involvement.", {"extent"}),
    ("The carcinoma invades the dermis without ulceration.", {"extent"}),
    ("Nipple: Paget disease not identified.", {"extent"}),
    ("Skeletal muscle is free of tumor.", {"extent"}),
    ("Tumor focality: single focus.", {"extent"}),
    ("Multifocal invasive carcinoma, three foci.", {"extent"}),
    # margins
    ("Margins negative for invasive carcinoma, closest 4 mm posterior.", {"margins"}),
    ("Invasive carcinoma present at the inked anterior margin.", {"margins"}),
    ("All margins are free of tumor.", {"margins"}),
    ("Closest margin: superior, 1 mm.", {"margins"}),
    ("Margin status: negative.", {"margins"}),
    ("Margins negative for invasive carcinoma and DCIS, closest 2 mm anterior.", {"margins"}),
    # lymph nodes
    ("Lymph nodes 1 of 3 positive, macrometastasis, no extranodal extension.", {"lymph_nodes"}),
    ("Two sentinel lymph nodes, both negative for metastatic carcinoma.", {"lymph_nodes"}),
    ("Number of lymph nodes examined: 15; number involved: 2.", {"lymph_nodes"}),
    ("Isolated tumor cells in one sentinel node.", {"lymph_nodes"}),
    ("Micrometastasis (1.2 mm) in 1 of 2 sentinel lymph nodes.", {"lymph_nodes"}),
    ("Regional lymph nodes: no lymph nodes submitted or found.", {"lymph_nodes"}),
    ("Extranodal extension present, 3 mm.", {"lymph_nodes"}),
    # lvi
    ("Lymphovascular invasion not identified.", {"lvi"}),
    ("LVI: present, focal.", {"lvi"}),
    ("Lymphovascular invasion present in the peritumoral stroma.", {"lvi"}),
    ("Dermal lymphovascular invasion is identified.", {"lvi"}),
    # stage
    ("pT2 pN1a.", {"stage"}),
    ("Pathologic stage classification (pTNM, AJCC 8th edition): pT1c pN0.", {"stage"}),
    ("ypT1b ypN0(i+).", {"stage"}),
    ("Stage: pT3 pN2a pMX.", {"stage"}),
    # others
    ("DCIS present, intermediate nuclear grade, solid and cribriform.", {"others"}),
    ("Ductal carcinoma in situ, high grade, with comedonecrosis.", {"others"}),
    ("ER positive (95%), PR positive (60%), HER2 negative (1+).", {"others"}),
    ("Microcalcifications present in benign ducts.", {"others"}),
    ("Fibrocystic changes in the background breast.", {"others"}),
    ("Biopsy site changes are present.", {"others"}),
    ("Ki-67 approximately 20%.", {"others"}),
    # several elements in one sentence
    ("Invasive ductal carcinoma, no special type, grade 2, 2.1 cm.", {"histologic_type", "grade", "size"}),
    ("2.1 cm invasive ductal carcinoma.", {"histologic_type", "size"}),
    ("Metastatic carcinoma in 2 of 15 axillary lymph nodes (pN1a).", {"lymph_nodes", "stage"}),
    ("Lymphovascular invasion present, margins negative.", {"lvi", "margins"}),
]


@pytest.fixture(scope="module")
def sorter():
    return SynopticSorter()


def test_labelled_set_is_big_enough_and_covers_every_region():
    assert len(LABELLED) >= 60
    covered = set().union(*(regions for _, regions in LABELLED))
    assert covered == set(REGIONS)


def test_accuracy_on_labelled_set(sorter):
    wrong = [(s, sorted(sorter.classify(s)), sorted(exp)) for s, exp in LABELLED if set(sorter.classify(s)) != exp]
    accuracy = 1 - len(wrong) / len(LABELLED)
    assert accuracy >= 0.9, f"accuracy {accuracy:.2f}; wrong: {wrong}"


def test_implements_the_protocol_and_sorts_into_exactly_the_template_regions(sorter):
    assert isinstance(sorter, RegionSorter)
    tpl = get_template("breast-resection")
    assert sorter.regions == tuple(tpl.region_names)
    out = sorter.sort("Left lumpectomy. IDC NST, grade 2, 2.1 cm.\nLN 0/2. pT2 pN0.")
    assert list(out) == tpl.region_names
    assert out["procedure"] == "Left lumpectomy." and out["histologic_type"] == "IDC NST."  # verbatim: no expansion here
    assert out["lymph_nodes"] == "LN 0/2."
    assert out["grade"] == "Grade 2." and out["size"] == "2.1 cm."
    assert out["stage"] == "pT2 pN0." and out["margins"] == ""


def test_rewrite_moves_the_stage_and_size_out_of_other_statements(sorter):
    parts = sorter.rewrite("Metastatic carcinoma in 2 of 15 axillary lymph nodes (pN1a).")
    assert parts == {"lymph_nodes": "Metastatic carcinoma in 2 of 15 axillary lymph nodes.", "stage": "pN1a."}
    parts = sorter.rewrite("2.1 cm invasive ductal carcinoma.")
    assert parts == {"histologic_type": "Invasive ductal carcinoma.", "size": "2.1 cm."}


def test_negation_stays_with_its_clause(sorter):
    parts = sorter.rewrite("Lymphovascular invasion not identified, margins negative for carcinoma.")
    assert parts["lvi"] == "Lymphovascular invasion not identified."
    assert parts["margins"] == "Margins negative for carcinoma."


def test_unknown_text_goes_to_others_and_a_sorter_for_fewer_regions_falls_back(sorter):
    assert sorter.classify("The weather was fine.") == frozenset({"others"})
    small = SynopticSorter(("histologic_type", "margins", "others"))
    assert small.classify("pT2 pN1a.") == frozenset({"others"})
    assert set(small.sort("IDC. Margins negative.")) == {"histologic_type", "margins", "others"}
