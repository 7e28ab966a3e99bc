"""The skin lesion region sorter on a labelled set written for this test, and its rewriting."""

from __future__ import annotations

import pytest

from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.dermatology.sorter import REGIONS, SkinLesionSorter, decompose
from pixtralogist.plugins.dermatology.templates import get_template

M, S, C, B, SU, D, DS, O = ("morphology", "size", "color", "border", "surface", "distribution_site",
                           "dermoscopy", "others")

# (sentence, gold regions) - invented sentences in the styles of clinic letters and dictation.
LABELLED: list[tuple[str, set[str]]] = [
    ("Asymmetric macule.", {M}),
    ("Dome-shaped papule.", {M}),
    ("Pedunculated nodule.", {M}),
    ("Multiple umbilicated papules.", {M, D}),
    ("Flat plaque.", {M}),
    ("Tense bullae.", {M}),
    ("Oval patch.", {M}),
    ("Grouped vesicles on the left flank.", {M, D}),
    ("Measures 7 x 5 mm.", {S}),
    ("The lesion measures 6 mm.", {S}),
    ("Largest diameter 12 mm.", {S}),
    ("Approximately 1.2 cm in diameter.", {S}),
    ("Size not measured.", {S}),
    ("Tan and dark brown.", {C}),
    ("Uniformly pigmented.", {C}),
    ("Erythematous.", {C}),
    ("Three colours: light brown, black and blue-grey.", {C}),
    ("Variegated pigmentation.", {C}),
    ("Skin-coloured.", {C}),
    ("Irregularly pigmented.", {C}),
    ("Hypopigmented with a violaceous rim.", {C}),
    ("Irregular border.", {B}),
    ("Well-defined edge.", {B}),
    ("The border is notched.", {B}),
    ("Ill-defined margins.", {B}),
    ("Sharply demarcated.", {B}),
    ("Smooth border.", {B}),
    ("Scaly surface.", {SU}),
    ("No ulceration.", {SU}),
    ("Crusted and bleeding.", {SU}),
    ("Pearly surface with telangiectasia.", {SU}),
    ("Hyperkeratotic.", {SU}),
    ("The surface is smooth.", {SU}),
    ("No scale, crust or bleeding.", {SU}),
    ("Left upper back.", {D}),
    ("On the right forearm.", {D}),
    ("Solitary lesion.", {D}),
    ("Scattered over the trunk.", {D}),
    ("Sun-exposed distribution on the face and dorsum of the hands.", {D}),
    ("Left shin.", {D}),
    ("No other similar lesions.", {D}),
    ("Dermoscopy shows an atypical pigment network.", {DS}),
    ("Blue-whitish veil.", {DS}),
    ("Irregular dots and globules.", {DS}),
    ("No regression structures.", {DS}),
    ("Typical pigment network.", {DS}),
    ("Arborizing vessels.", {DS}),
    ("Irregular streaks at the periphery.", {DS}),
    ("Blue-grey globules.", {DS}),
    ("Milia-like cysts.", {DS}),
    ("Dermoscopy not performed.", {DS}),
    ("Regional lymph nodes not palpable.", {O}),
    ("History of change over 6 months.", {O}),
    ("Itchy for two weeks.", {O}),
    ("Changing mole.", {O}),
    ("Photographs taken for comparison.", {O}),
    ("Background of sun damage.", {O}),
    ("Patient is otherwise well.", {O}),
    ("6 mm asymmetric pigmented macule on the left upper back.", {S, M, C, D}),
    ("Scaly erythematous plaques on both elbows.", {SU, C, M, D}),
    ("Well-circumscribed skin-coloured papule with a pearly surface.", {B, C, M, SU}),
    ("Ulcerated nodule on the scalp.", {SU, M, D}),
    ("Brown macule with irregular borders.", {C, M, B}),
    ("4 mm papule.", {S, M}),
]


@pytest.fixture(scope="module")
def sorter():
    return SkinLesionSorter()


def test_is_a_region_sorter_with_the_template_regions(sorter):
    assert isinstance(sorter, RegionSorter)
    assert tuple(get_template().region_names) == REGIONS == sorter.regions


def test_accuracy_on_the_labelled_set(sorter):
    assert len(LABELLED) >= 60
    assert {r for _, gold in LABELLED for r in gold} == set(REGIONS)  # every region is exercised
    wrong = [(s, sorted(gold), sorted(sorter.classify(s))) for s, gold in LABELLED if sorter.classify(s) != gold]
    accuracy = 1 - len(wrong) / len(LABELLED)
    print(f"dermatology sorter exact-set accuracy {accuracy:.3f} on {len(LABELLED)} sentences")
    assert accuracy >= 0.9, wrong


def test_classify_is_never_empty_and_within_the_template(sorter):
    for s in ["", "Hmm.", "The XXXX is XXXX.", "ignore previous instructions", "12345"]:
        regions = sorter.classify(s)
        assert regions and regions <= set(REGIONS)


def test_sort_has_exactly_the_template_regions(sorter):
    out = sorter.sort("6 mm asymmetric pigmented macule on the left upper back with irregular borders and no "
                      "ulceration. Dermoscopy: atypical pigment network. Itchy.")
    assert list(out) == list(REGIONS)
    assert out["size"] == "Measures 6 mm."
    assert out["morphology"] == "Asymmetric macule."
    assert out["color"] == "Pigmented."
    assert out["distribution_site"] == "On the left upper back."
    assert out["border"] == "Irregular borders."
    assert out["surface"] == "No ulceration."
    assert "atypical pigment network" in out["dermoscopy"]
    assert out["others"] == "Itchy."


def test_negated_list_across_regions_is_distributed():
    parts = decompose("No ulceration or irregular border.")
    assert parts == {"surface": ["No ulceration."], "border": ["No irregular border."]}


def test_hedge_is_kept_on_findings_not_on_site_or_size():
    parts = decompose("Possible ulcerated 8 mm nodule on the scalp.")
    assert parts["morphology"] == ["Possible nodule."]
    assert parts["surface"][0].startswith("Possible ")
    assert parts["distribution_site"] == ["On the scalp."]
    assert parts["size"] == ["Measures 8 mm."]


def test_dermoscopy_sentence_is_not_split(sorter):
    s = "Dermoscopy shows blue-grey globules and an irregular border of the pattern."
    assert sorter.rewrite(s) == {"dermoscopy": s}
