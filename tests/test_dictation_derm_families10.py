"""Dermatology dictation classes fixed in round 10 of issue 13 (h-derm10), each tested as a family over several
forms and made-up (nonce) words: the mechanism must not depend on the vocabulary. Drafts go through the
built-in plugin's configured (offline) drafter."""

from __future__ import annotations

import re

import pytest

from pixtralogist.kit.layout import lay_out
from pixtralogist.plugins.dermatology.sorter import SkinLesionSorter
from test_dictation_skin_eye import draft, region_text, host  # noqa: F401 (host is a fixture)

NONCE_SITES = ["zorvic crest", "blorvic joints", "quellin fold", "Tarvin prominence", "morstal ridge"]
PLACE_LEADS = ["over", "overlying", "around", "involving", "affecting"]
LESIONS = [("Erythema", "color"), ("Pink plaques", "color"), ("Violaceous papules", "color"),
           ("Scaly plaques", "surface"), ("Umbilicated papules", "morphology")]


# --- a place word opens the body site even when the lexicon does not know the site ----------------------------------

@pytest.mark.parametrize("lead", PLACE_LEADS)
@pytest.mark.parametrize("site", NONCE_SITES)
def test_a_place_phrase_with_unknown_words_is_the_body_site(lead, site):
    for lesion, region in LESIONS:
        parts = SkinLesionSorter().rewrite(f"{lesion} {lead} the {site}")
        assert site.lower() in parts.get("distribution_site", "").lower(), (lesion, lead, site, parts)
        assert site.lower() not in parts.get(region, "").lower(), parts


@pytest.mark.parametrize("lead", ["over", "around"])
@pytest.mark.parametrize("time", ["4 days", "the past year", "the weekend", "the last 2 months", "a period of time"])
def test_a_time_after_a_place_word_is_no_body_site(lead, time):
    parts = SkinLesionSorter().rewrite(f"Pink plaques spreading {lead} {time}")
    assert time.split()[-1] not in parts.get("distribution_site", ""), parts


@pytest.mark.parametrize("site", NONCE_SITES)
def test_a_place_phrase_reaches_the_site_region_in_the_draft(host, site):
    d = draft(host, "skin_lesion", f"Red scaly plaque over the {site}, 12mm. Likely blorvic keratoma.")
    assert site.lower() in region_text(d, "distribution_site").lower()
    assert site.lower() not in region_text(d, "color").lower()


# --- an inline numbered list whose numbers follow the words before them without a stop ------------------------------

ITEMS = ["44F, gardener, zorvic papules", "tawny plaque L forearm", "Kellner sign positive",
         "blorvic keratoma", "trial of zorvatide gel"]


@pytest.mark.parametrize("n", [3, 4, 5])
@pytest.mark.parametrize("mark", ["{}.", "{})", "({})"])
def test_an_inline_list_without_stops_breaks_into_items(n, mark):
    text = " ".join(f"{mark.format(i + 1)} {item}" for i, item in enumerate(ITEMS[:n]))
    lines = lay_out(text).split("\n")
    assert len(lines) == n, lines
    for line, item in zip(lines, ITEMS):
        assert line.rstrip(".") == item
        assert not any(ch.isdigit() for ch in line.split()[-1]) or item[-1].isdigit()


@pytest.mark.parametrize("text", ["1. Zorvic plaque grade 2. Margins clear",
                                  "1. Blorvic papule 5 mm, 2 of them on the arm",
                                  "Zorvic papules 2. Tarvin stain 3. Morstal"])
def test_a_number_that_does_not_count_on_from_1_stays(text):
    assert lay_out(text).count("\n") == 0 or not text.startswith("1.")
    assert "2" in lay_out(text)


# --- the patient's age and sex said as an item of a comma list ("L shin, 80F: ...") is the indication ---------------

DEMOGRAPHICS = ["58f", "44M", "80 F", "72 yo woman", "61 year old man"]


@pytest.mark.parametrize("who", DEMOGRAPHICS)
@pytest.mark.parametrize("after", [": ", ", "])
def test_demographics_as_a_list_item_are_the_indication(host, who, after):
    d = draft(host, "skin_lesion", f"R {NONCE_SITES[0]}, {who}{after}tawny plaque 8mm. Likely blorvic keratoma.")
    ind = (d.indication or "").lower() if isinstance(d.indication, str) else str(d.indication).lower()
    assert who.lower() in ind, (who, d.indication)
    assert NONCE_SITES[0] in region_text(d, "distribution_site").lower()
    assert who.lower() not in region_text(d, "distribution_site").lower()


# --- the part of a site ("sides of", "tips of", "backs of") and the place word before it stay with the site ----------

@pytest.mark.parametrize("part", ["sides of", "the tips of", "backs of", "the pads of", "the webs of"])
@pytest.mark.parametrize("lead", ["along", "on", "over", "across"])
@pytest.mark.parametrize("site", ["fingers", "hands", "the left foot", "toes"])
def test_the_part_of_a_site_is_the_site(part, lead, site):
    parts = SkinLesionSorter().rewrite(f"Deep-seated vesicles {lead} {part} {site}")
    where = parts.get("distribution_site", "").lower()
    assert f"{part} {site}".lower() in where, parts
    assert part.split()[-2] not in parts.get("morphology", "").lower(), parts


# --- a narrative opening: the patient, then what they noticed ("A 17 year old girl developed a ...") ----------------

@pytest.mark.parametrize("verb", ["developed", "noticed", "reports", "describes", "complains of", "presented with",
                                  "has noticed", "first noticed"])
@pytest.mark.parametrize("who", ["A 17 year old girl", "This 61 year old gardener", "28F", "A 44-year-old man"])
def test_a_narrative_opening_gives_the_patient_to_the_indication(host, verb, who):
    d = draft(host, "skin_lesion", f"{who} {verb} a tawny zorvic plaque over the {NONCE_SITES[1]}, 8mm. "
                                   "Likely blorvic keratoma.")
    age = re.search(r"\d+", who).group()
    assert age in str(d.indication), (who, verb, d.indication)
    assert "tawny" in findings_text_of(d)
    assert not any(age in f.text for f in d.findings if not f.is_default), placed_of(d)


def findings_text_of(d) -> str:
    return " ".join(f.text for f in d.findings if not f.is_default).lower()


def placed_of(d) -> list[tuple[str, str]]:
    return [(f.region, f.text) for f in d.findings if not f.is_default]
