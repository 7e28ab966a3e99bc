"""Precomputed guideline vectors: a plugin ships the embeddings of its snippets next to them.

On a fresh data folder the guideline index embeds every record of a specialty (each snippet's
text and keywords, then each keyword alone: :func:`pixtralogist.core.retrieval.embedding_text`):
about 1.6 s of MiniLM for radiology before its first draft. A plugin therefore ships
``data/guidelines.vectors.npz`` beside ``data/guidelines.yaml``, and
:meth:`pixtralogist.core.retrieval.GuidelineStore.sync` takes a record's vector from it when

* the file was made with the same embedder weights (the SHA-256 of ``model.safetensors``,
  :attr:`SnippetVectors.embedder_sha256`), and
* it holds a vector for that record's exact text (rows are keyed by the SHA-256 of the text).

Any other record is embedded as before (with a log line), so an edited snippet or another
embedding model never gets a stale vector; the index is the same either way (same ids, metadata,
and vectors to float rounding). Regenerate the files with ``python tools/guideline_vectors.py``;
``tests/test_snippet_vectors.py`` fails when a committed file is stale for the current snippets or
embedder.

File layout (``numpy.savez``, no pickles): ``embedder_sha256`` (0-d string), ``text_sha256``
(N strings), ``vectors`` (N x dim float32, unit length).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["VECTORS_FILE", "SnippetVectors", "embedder_sha256", "package_vectors", "record_texts", "text_key"]

log = logging.getLogger(__name__)

#: Where a plugin's vectors live, beside ``data/guidelines.yaml`` (inside the plugin's package).
VECTORS_FILE = "data/guidelines.vectors.npz"


def text_key(text: str) -> str:
    """The row key of a record's text (SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedder_sha256(embedder: Any) -> str | None:
    """The SHA-256 of a loaded embedder's weights file, or None when it cannot say (then no
    precomputed vector is used: only :class:`~pixtralogist.core.minilm.MiniLMEncoder` says).

    The digest its installer recorded when there is one (``weights_digest``: nothing read), else the
    file hashed (``weights_sha256``). Either way :meth:`SnippetVectors.probe` then checks that the
    weights really give these vectors before an index takes them."""
    for attr in ("weights_digest", "weights_sha256"):
        digest = getattr(embedder, attr, None)
        if isinstance(digest, str) and digest:
            return digest
    return None


def record_texts(snippets: Iterable[Any]) -> list[str]:
    """The texts the guideline index embeds for ``snippets`` (every record, in index order)."""
    from pixtralogist.core.guidelines import snippet_hash
    from pixtralogist.core.retrieval import _records

    snippets = list(snippets)
    return _records(snippets, {s.id: snippet_hash(s) for s in snippets})[1]


@dataclass(frozen=True)
class SnippetVectors:
    """The precomputed vectors of one plugin's guideline records (see the module docstring)."""

    embedder_sha256: str
    text_sha256: tuple[str, ...]
    vectors: Any  # numpy float32 array, one row per key
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.text_sha256) != len(self.vectors):
            raise ValueError(f"{len(self.text_sha256)} keys for {len(self.vectors)} vectors")

    @property
    def rows(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.text_sha256)}

    def mismatch(self, texts: Sequence[str], embedder_digest: str | None) -> str | None:
        """Why these vectors are stale for the records ``texts`` and these weights (None: they fit exactly)."""
        if embedder_digest != self.embedder_sha256:
            return "made with other embedder weights"
        wanted, have = {text_key(t) for t in texts}, set(self.text_sha256)
        if wanted != have:
            return f"{len(wanted - have)} records without a vector, {len(have - wanted)} vectors of no record"
        return None

    def lookup(self, texts: Sequence[str], embedder_digest: str | None) -> list[Any]:
        """The vector of each text (a float32 row) or None where there is none for these weights."""
        if embedder_digest is None or embedder_digest != self.embedder_sha256:
            return [None] * len(texts)
        rows = self.rows
        return [self.vectors[rows[k]] if (k := text_key(t)) in rows else None for t in texts]

    def probe(self, texts: Sequence[str], found: Sequence[Any], embedder: Any, *, rows: int = 2,
              tolerance: float = 1e-4) -> bool:
        """Whether ``embedder`` gives these vectors: it embeds up to ``rows`` of the ``texts`` that have
        a vector in ``found`` (the shortest: a keyword record costs a few milliseconds, a snippet's main
        record up to 0.1 s) and compares (largest difference <= ``tolerance``).

        The check that matters before an index takes shipped vectors, for a few milliseconds: the
        digest only says which weights file was installed (:func:`embedder_sha256`), this says the
        loaded weights still compute the same vectors (a file changed since, a broken copy, another
        backend drifting would all fail it). True when no text has a vector (nothing to check)."""
        import numpy as np

        from pixtralogist.core.embedding import embed

        have = [i for i, v in enumerate(found) if v is not None]
        if not have:
            return True
        distinct = {texts[i]: i for i in reversed(have)}  # the first row of each text
        picks = sorted(distinct.values(), key=lambda i: (len(texts[i]), i))[:max(1, rows)]
        got = np.asarray(embed([texts[i] for i in picks], embedder=embedder), dtype=np.float32)
        want = np.stack([np.asarray(found[i], dtype=np.float32) for i in picks])
        return got.shape == want.shape and float(np.abs(got - want).max()) <= tolerance

    # --- files ------------------------------------------------------------------------------

    @classmethod
    def compute(cls, texts: Sequence[str], embedder: Any, *, source: str = "") -> "SnippetVectors":
        """Embed ``texts`` (unique, in order) with ``embedder`` (as the index does) into a new set."""
        import numpy as np

        from pixtralogist.core.embedding import embed

        digest = embedder_sha256(embedder)
        if digest is None:
            raise ValueError("this embedder has no weights digest; precomputed vectors need a MiniLMEncoder")
        unique = list(dict.fromkeys(texts))
        vectors = np.asarray(embed(unique, embedder=embedder), dtype=np.float32).reshape(len(unique), -1)
        return cls(digest, tuple(text_key(t) for t in unique), vectors, source)

    def save(self, path: str | Path) -> None:
        import numpy as np

        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, embedder_sha256=np.array(self.embedder_sha256),
                     text_sha256=np.array(self.text_sha256, dtype="U64"),
                     vectors=np.asarray(self.vectors, dtype=np.float32))
        tmp.replace(path)

    @classmethod
    def load(cls, source: str | Path | BinaryIO, *, label: str = "") -> "SnippetVectors | None":
        """Read a vectors file; None (logged) when it is missing or unreadable: the records are then embedded."""
        import numpy as np

        label = label or str(source)
        try:
            with np.load(source, allow_pickle=False) as data:
                return cls(str(data["embedder_sha256"]), tuple(str(k) for k in data["text_sha256"]),
                           np.asarray(data["vectors"], dtype=np.float32), label)
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a broken file only costs the embedding time
            log.warning("precomputed guideline vectors %s are unreadable (%s); the snippets will be embedded",
                        label, type(exc).__name__)
            return None

    @classmethod
    def from_package(cls, package: str, path: str = VECTORS_FILE) -> "SnippetVectors | None":
        """The vectors file ``path`` inside ``package`` (None when the package ships none)."""
        from importlib import resources

        resource = resources.files(package).joinpath(path)
        if not resource.is_file():
            return None
        with resource.open("rb") as fh:
            return cls.load(fh, label=f"{package}/{path}")


def package_vectors(package: str, path: str = VECTORS_FILE) -> SnippetVectors | None:
    """:meth:`SnippetVectors.from_package` (what a bundle laid out the built-ins' way loads)."""
    return SnippetVectors.from_package(package, path)
