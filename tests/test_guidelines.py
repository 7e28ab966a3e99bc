"""Guideline snippet files: the radiology corpus and the loader's validation."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from pixtralogist.core.errors import DataError
from pixtralogist.core.guidelines import canonical_json, corpus_hash, load_snippet_file, parse_snippets
from pixtralogist.core.models import GuidelineSnippet
from pixtralogist.plugins.radiology.templates import REGIONS_BY_TEMPLATE, load_templates

RESOURCE = files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml")

EXPECTED_IDS = {
    "fleischner-2017-scope",
    "fleischner-2017-measurement",
    "fleischner-2017-solid-single-lt6mm",
    "fleischner-2017-solid-single-6-8mm",
    "fleischner-2017-solid-single-gt8mm",
    "fleischner-2017-solid-multiple-lt6mm",
    "fleischner-2017-solid-multiple-6mm-plus",
    "fleischner-2017-ground-glass-single-lt6mm",
    "fleischner-2017-ground-glass-single-6mm-plus",
    "fleischner-2017-part-solid-single-6mm-plus",
    "fleischner-2017-subsolid-multiple-lt6mm",
    "fleischner-2017-subsolid-multiple-6mm-plus",
    "local-convention-cxr-nodule-ct-first",
    "cxr-cardiomegaly-ctr-pa",
    "bts-2010-pneumothorax-size",
    "acr-2017-adrenal-lt1cm",
    "acr-2017-adrenal-benign-features",
    "acr-2017-adrenal-1-4cm-indeterminate",
    "acr-2017-adrenal-gt4cm",
    "acr-2015-thyroid-incidental-under-35",
    "acr-2015-thyroid-incidental-35-plus",
    "acr-mediastinal-lymph-node-short-axis",
    "rsna-radreport-cxr-sections",
    "rsna-radreport-cxr-findings-subsections",
    "rsna-radreport-ct-chest-sections",
    "rsna-radreport-mri-brain-sections",
}


@pytest.fixture(scope="module")
def snippets() -> list[GuidelineSnippet]:
    return load_snippet_file(RESOURCE, specialty="radiology")


def by_id(snippets: list[GuidelineSnippet]) -> dict[str, GuidelineSnippet]:
    return {s.id: s for s in snippets}


# --- the radiology corpus -----------------------------------------------------------


def test_radiology_corpus_loads_from_package_resources(snippets):
    assert 18 <= len(snippets) <= 30
    assert all(isinstance(s, GuidelineSnippet) for s in snippets)
    assert {s.id for s in snippets} == EXPECTED_IDS


def test_loading_by_path_equals_loading_by_resource(snippets):
    path = Path(str(RESOURCE))
    assert load_snippet_file(path) == snippets
    assert load_snippet_file(str(path)) == snippets


def test_every_snippet_is_complete(snippets):
    ids = [s.id for s in snippets]
    assert len(ids) == len(set(ids)), "snippet ids must be unique"
    template_ids = {t.id for t in load_templates()}
    for s in snippets:
        assert s.specialty == "radiology"
        assert s.source.strip(), s.id
        assert len(s.applicability) >= 40, f"{s.id}: applicability must say what it covers and what it does not"
        assert s.keywords, s.id
        assert s.regions, f"{s.id}: name the regions it concerns"
        assert set(s.template_ids) <= template_ids, s.id
        allowed = set().union(*(REGIONS_BY_TEMPLATE[t] for t in (s.template_ids or REGIONS_BY_TEMPLATE)))
        assert set(s.regions) <= allowed, s.id
        assert len(s.text) <= 320, f"{s.id}: one atomic fact per snippet"
        assert s.text == s.text.strip() and "\n" not in s.text


def test_fleischner_snippets_cite_the_paper_and_state_scope(snippets):
    fleischner = [s for s in snippets if s.id.startswith("fleischner-2017-")]
    assert len(fleischner) == 12
    for s in fleischner:
        assert "Fleischner Society 2017" in s.source and "MacMahon" in s.source, s.id
        assert s.regions == ["lung", "lungs_airways"] and s.template_ids == ["cxr", "ct_chest"], s.id
    scope = by_id(snippets)["fleischner-2017-scope"]
    for word in ("35", "screening", "cancer", "immunosuppress"):
        assert word in scope.text
    for s in fleischner:
        if s.id not in {"fleischner-2017-scope", "fleischner-2017-measurement"}:
            assert "Does not cover" in s.applicability, s.id


def test_solid_nodule_size_bands(snippets):
    s = by_id(snippets)
    assert "smaller than 6 mm" in s["fleischner-2017-solid-single-lt6mm"].text
    assert "6 to 8 mm" in s["fleischner-2017-solid-single-6-8mm"].text
    assert "6-12 months" in s["fleischner-2017-solid-single-6-8mm"].text
    assert "larger than 8 mm" in s["fleischner-2017-solid-single-gt8mm"].text
    assert "PET/CT" in s["fleischner-2017-solid-single-gt8mm"].text


def test_local_convention_is_labelled_as_not_fleischner(snippets):
    s = by_id(snippets)["local-convention-cxr-nodule-ct-first"]
    assert s.text.startswith("LOCAL CONVENTION, NOT FLEISCHNER")
    assert "not part of the Fleischner" in s.source
    assert "local" in s.applicability.lower()


def test_cardiomegaly_is_pa_only(snippets):
    s = by_id(snippets)["cxr-cardiomegaly-ctr-pa"]
    assert "0.5" in s.text and "PA" in s.text
    assert "AP" in s.applicability and "portable" in s.applicability
    assert s.regions == ["heart"] and s.template_ids == ["cxr"]


def test_unverified_lymph_node_threshold_says_so(snippets):
    s = by_id(snippets)["acr-mediastinal-lymph-node-short-axis"]
    assert "UNVERIFIED" in s.applicability
    assert "confirmed against the ACR white paper" in s.applicability
    assert s.regions == ["mediastinal", "mediastinum_hila"]


def test_bts_and_radreport(snippets):
    s = by_id(snippets)
    assert "2 cm" in s["bts-2010-pneumothorax-size"].text and "hilar" in s["bts-2010-pneumothorax-size"].text
    assert "2010" in s["bts-2010-pneumothorax-size"].source
    assert "radreport.org" in s["rsna-radreport-cxr-sections"].source


# --- corpus hash ----------------------------------------------------------------------


def test_corpus_hash_is_stable_and_order_independent(snippets):
    h = corpus_hash(snippets)
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert corpus_hash(list(reversed(snippets))) == h
    assert corpus_hash([s.model_copy() for s in snippets]) == h
    assert canonical_json(snippets).startswith('[{"applicability":')


def test_corpus_hash_changes_with_any_field(snippets):
    h = corpus_hash(snippets)
    changed = [snippets[0].model_copy(update={"text": snippets[0].text + " "})] + snippets[1:]
    assert corpus_hash(changed) != h
    changed = [snippets[0].model_copy(update={"keywords": [*snippets[0].keywords, "x"]})] + snippets[1:]
    assert corpus_hash(changed) != h
    assert corpus_hash(snippets[1:]) != h


# --- validation errors -------------------------------------------------------------------

GOOD = """
- id: ok-1
  specialty: radiology
  text: A fact.
  source: A source
  regions: [lung]
"""


def write(tmp_path: Path, text: str, name: str = "snips.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_item_error_names_file_index_id_and_field(tmp_path):
    p = write(tmp_path, GOOD + "- id: bad-2\n  specialty: radiology\n  text: Missing its source.\n")
    with pytest.raises(DataError) as err:
        load_snippet_file(p)
    msg = str(err.value)
    assert str(p) in msg and "item 1" in msg and "'bad-2'" in msg and "source" in msg


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("- id: Bad Id\n  specialty: radiology\n  text: t\n  source: s\n", "field 'id'"),
        ("- id: x\n  specialty: radiology\n  text: t\n  source: s\n  colour: red\n", "colour"),
        ("- id: x\n  specialty: radiology\n  text: t\n  source: s\n  keywords: [a, 0.5]\n", "keywords.1"),
        ("- id: x\n  specialty: radiology\n  text: '   '\n  source: s\n", "field 'text'"),
        ("- just a string\n", "expected a mapping"),
    ],
)
def test_invalid_items(tmp_path, item, expected):
    p = write(tmp_path, GOOD + item)
    with pytest.raises(DataError, match=re.escape(expected)) as err:
        load_snippet_file(p)
    assert "item 1" in str(err.value) and str(p) in str(err.value)


def test_duplicate_ids(tmp_path):
    p = write(tmp_path, GOOD + GOOD)
    with pytest.raises(DataError, match=r"item 1 \(id 'ok-1'\): duplicate id 'ok-1' \(first used by item 0\)"):
        load_snippet_file(p)


def test_specialty_mismatch(tmp_path):
    p = write(tmp_path, GOOD)
    with pytest.raises(DataError, match="holds 'dermatology' snippets"):
        load_snippet_file(p, specialty="dermatology")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "empty"), ("id: x\n", "expected a list"), ("- [unclosed\n", "not valid YAML")],
)
def test_file_level_errors(tmp_path, text, expected):
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=expected) as err:
        load_snippet_file(p)
    assert str(p) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_snippet_file(tmp_path / "nope.yaml")


def test_json_is_accepted_and_strings_are_trimmed():
    got = parse_snippets('[{"id": "j", "specialty": "radiology", "text": "  T.  ", "source": " S "}]')
    assert got == [GuidelineSnippet(id="j", specialty="radiology", text="T.", source="S")]
