"""Round 12, class SEGMENTATION: a finding kept with its words, whatever the words (made-up ones here).

* a finding, a spaced dash and a comma list of its places or parts ("Acute infarct L MCA territory - insula, frontal
  operculum, corona radiata") is one statement: no item becomes a sentence of its own (radiology's kit reader,
  ophthalmology's reader);
* a comma part led by "also" that names no finding of its own ("..., also sup frontal sulci") continues the finding
  before it, in its region only (radiology, ophthalmology, dermatology);
* a statement is placed by its head, not by the words of its list or continuation ("NGT malpositioned - courses down
  R main bronchus, tip over RLL" is the tube's), nor by a structure it is compared with (", worse than SCP");
* two places said as one part (", diaphragmatic and posterolateral") describe the finding before it.

The real drafters draft each dictation (no mocks); the words are made up.
"""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.core.plugins import get_plugin_manager
from test_round12_layout import draft as drafted  # the templates as their studies present them, the real drafter

_HOST = get_plugin_manager(autoload=False)


def _draft(template_id: str, notes: str) -> dict[str, str]:
    draft = drafted(_HOST, template_id, notes)
    defaults = {f.region for f in draft.findings if f.is_default}
    return {r: t for r, t in draft.region_dict().items() if t and r not in defaults}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in text.replace("\n", " ").split(". ") if s.strip()]


NONCE = ["zorvic", "blemtal", "quarnic", "fossimal", "dranic", "plevorn"]
DASHES = [" - ", " \u2013 "]


# -- a dash list -------------------------------------------------------------------------------------------------
RAD_HEADS = [("mri_brain", "Acute infarct L MCA territory", "parenchyma"),
             ("mri_brain", "Subacute haematoma R frontal lobe", "parenchyma"),
             ("ct_chest", "Varicose bronchiectasis", "lungs_airways")]


@pytest.mark.parametrize("template, head, region, dash, words",
                         [(t, h, r, d, w) for (t, h, r), d, w in itertools.product(
                             RAD_HEADS, DASHES, [NONCE[:3], NONCE[3:], NONCE[1:4]])])
def test_radiology_dash_list_stays_with_its_finding(template, head, region, dash, words):
    notes = f"{head}{dash}{words[0]} lobule, {words[1]} operculum, {words[2]} radiata. No midline shift."
    regions = _draft(template, notes)
    holder = [s for s in _sentences(regions.get(region, "")) if words[0] in s.lower()]
    assert holder and all(w in holder[0].lower() for w in words), regions
    for r, text in regions.items():  # no item is a sentence of its own
        assert not any(s.lower().startswith((words[1], words[2])) for s in _sentences(text)), (r, text)


@pytest.mark.parametrize("dash, words", list(itertools.product(DASHES, [NONCE[:3], NONCE[2:5], NONCE[3:]])))
def test_device_is_placed_by_its_head_not_its_course(dash, words):
    notes = (f"NGT malpositioned{dash}courses down R main bronchus, {words[0]} {words[1]}, tip projects over RLL. "
             f"Heart normal.")
    regions = _draft("cxr", notes)
    assert "malpositioned" in regions.get("others", "").lower(), regions
    assert "malpositioned" not in regions.get("lung", "").lower(), regions


@pytest.mark.parametrize("negated", ["no haemorrhage", "no mass effect"])
def test_dash_list_stops_at_a_denial(negated):
    notes = f"Acute infarct L MCA territory - zorvic lobule, blemtal operculum, {negated}."
    regions = _draft("mri_brain", notes)
    text = " ".join(regions.values()).lower()
    assert f"blemtal operculum, {negated}" not in text, regions
    assert any(s.lower().startswith("no ") for s in _sentences(regions.get("parenchyma", ""))), regions


def test_dash_before_a_qualifier_is_still_a_comma_part():
    regions = _draft("cxr", "Effusion - small, R. Heart normal.")
    assert "small" in regions.get("lung", regions.get("others", "")).lower(), regions


OPH = [("fundus", "LE: Hard exudates", "macula"), ("fundus", "RE: Cotton wool spots", None),
       ("octa", "OCTA 3x3 OD. Capillary dropout", "non_perfusion")]


@pytest.mark.parametrize("template, head, region, dash, words",
                         [(t, h, r, d, w) for (t, h, r), d, w in itertools.product(
                             OPH, DASHES, [NONCE[:3], NONCE[3:]])])
def test_ophthalmology_dash_list_stays_with_its_finding(template, head, region, dash, words):
    notes = f"{head}{dash}{words[0]} ring, {words[1]} arc, {words[2]} rim. Disc pink."
    regions = _draft(template, notes)
    holders = [(r, s) for r, text in regions.items() for s in _sentences(text) if words[0] in s.lower()]
    assert holders and all(all(w in s.lower() for w in words) for _, s in holders), regions
    if region:
        assert any(r == region for r, _ in holders), regions
    for r, text in regions.items():
        assert not any(s.lower().startswith((words[1], words[2])) for s in _sentences(text)), (r, text)


# -- "also" -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("word", NONCE)
def test_radiology_also_part_continues_the_finding(word):
    notes = f"Bilat symmetric parieto-occipital FLAIR hyperintensity, also {word} sulci. No restricted diffusion."
    regions = _draft("mri_brain", notes)
    assert f"hyperintensity, also {word} sulci" in regions.get("parenchyma", "").lower(), regions
    others = {r: t for r, t in regions.items() if r != "parenchyma" and word in t.lower()}
    assert not others, regions


@pytest.mark.parametrize("word", NONCE[:3])
def test_radiology_also_part_with_its_own_finding_stays_apart(word):
    notes = f"Small L effusion, also {word} R pneumothorax. Heart normal."
    regions = _draft("cxr", notes)
    text = " ".join(regions.values())
    assert "effusion, also" not in text.lower(), regions


@pytest.mark.parametrize("word", ["7th", "8th", "9th"])
def test_radiology_also_part_names_another_rib(word):
    regions = _draft("cxr", f"Old healed fracture R 6th rib, also R {word}. Lungs clear.")
    assert f"also right {word}" in regions.get("bone", "").lower(), regions
    assert word not in regions.get("others", ""), regions


@pytest.mark.parametrize("word", NONCE[:4])
def test_ophthalmology_also_part_continues_the_finding(word):
    regions = _draft("fundus", f"LE: Microaneurysms scattered, also nasal to the {word}. Disc pink.")
    holder = [s for text in regions.values() for s in _sentences(text) if word in s.lower()]
    assert holder and all("microaneurysm" in s.lower() for s in holder), regions


@pytest.mark.parametrize("word", NONCE[:4])
def test_dermatology_also_part_is_more_of_where(word):
    regions = _draft("skin_lesion", f"Erythematous papules on the chest, also on the {word}. Itchy.")
    site = regions.get("distribution_site", "").lower()
    assert "chest" in site and f"also on the {word}" in site, regions
    regions = _draft("skin_lesion", f"Lichenified {word} skin, also on the neck. Itchy.")
    assert not any(t.lower().rstrip(".").endswith(("and also", " also")) for t in regions.values()), regions
    assert "neck" in regions.get("distribution_site", "").lower(), regions


# -- a comparison or a place said after the finding ----------------------------------------------------------------
@pytest.mark.parametrize("word", NONCE[:4])
def test_octa_comparison_with_another_plexus_stays_with_its_plexus(word):
    regions = _draft("octa", f"OCTA 6x6 LE. DCP {word} superiorly, worse than SCP. FAZ 0.3 mm2.")
    assert "worse than scp" in regions.get("deep_plexus", "").lower(), regions
    assert "worse than" not in regions.get("superficial_plexus", "").lower(), regions


@pytest.mark.parametrize("pair", ["zorvical and posterolateral", "anterior and blemtal", "quarnic and dranical"])
def test_two_places_in_one_part_describe_the_finding(pair):
    regions = _draft("ct_chest", f"Bilateral calcified pleural plaques, {pair}; no effusion.")
    assert f"pleural plaques, {pair}" in regions.get("pleura", "").lower(), regions
    assert pair.split()[0] not in regions.get("others", "").lower(), regions


@pytest.mark.parametrize("word, side", list(itertools.product(NONCE[:3], ["L", "R"])))
def test_dash_list_of_signs_with_their_own_predicates_stays_apart(word, side):
    notes = f"Lobar collapse {side}UL - {word}-like haziness over {side} hemithorax, trachea pulled to {side}, " \
            f"{side} hilum elevated. Heart normal."
    regions = _draft("cxr", notes)
    assert "trachea" in regions.get("mediastinal", "").lower(), regions
    assert "trachea" not in regions.get("lung", "").lower(), regions
