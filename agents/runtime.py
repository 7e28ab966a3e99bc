"""What the agent's nodes use at run time: plugins, guideline store, feedback store.

Built by :meth:`AgentRuntime.create` from a data directory; nothing is created
at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pixtralogist.agents.types import Citation
from pixtralogist.persistence.feedback import FeedbackStore
from pixtralogist.core.models import Case, Finding, Template
from pixtralogist.core.plugins import PluginHost, get_site_plugin_manager

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.core.storage import StorageSettings


@dataclass
class AgentRuntime:
    host: PluginHost
    feedback: FeedbackStore
    store: object | None = None  # pixtralogist.core.retrieval.GuidelineStore
    #: the cases' images (pixtralogist.persistence.images.ImageStore; the service sets it to its case store's)
    images: object | None = None
    k: int = 3
    min_score: float = 0.3
    _synced: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sync_locks: dict[str, threading.Lock] = field(default_factory=dict)

    @classmethod
    def create(cls, data_dir: Path | None, *, host: PluginHost | None = None, retrieval: bool = True,
               storage: "StorageSettings | None" = None, feedback: FeedbackStore | None = None) -> "AgentRuntime":
        """The runtime of a service: plugins, the feedback store under ``data_dir`` (or ``feedback``,
        opened by the caller) and the guideline index (embedded under ``data_dir`` or a Chroma server,
        from ``storage``)."""
        host = host or get_site_plugin_manager()
        if feedback is None:
            shared = getattr(storage, "database", None)  # the site's PostgreSQL, for every store
            feedback = FeedbackStore.open(shared or (data_dir / "feedback.sqlite" if data_dir else None))
        store = None
        if retrieval:
            from pixtralogist.persistence.checkpoints import open_guideline_store

            try:
                store = open_guideline_store(data_dir, storage)
            except BaseException:
                feedback.close()
                raise
        return cls(host=host, feedback=feedback, store=store)

    def case_of(self, state) -> Case:
        """The state's case with its images' pixels (the state names them; they are kept once, in the case
        store: :mod:`pixtralogist.persistence.images`)."""
        if self.images is None or state.case is None:
            return state.case
        return self.images.attach(state.case)

    # -- retrieval -----------------------------------------------------------------

    def _ensure_synced(self, specialty: str) -> None:
        if self.store is None or specialty in self._synced:
            return
        with self._lock:  # one lock per specialty: a draft never waits for another specialty's index
            lock = self._sync_locks.setdefault(specialty, threading.Lock())
        with lock:
            if specialty not in self._synced:
                self.store.sync(specialty, self.host.guidelines(specialty),
                                vectors=self.host.guideline_vectors(specialty))  # shipped: not embedded again
                self._synced.add(specialty)

    def warm_up(self, busy: Callable[[], bool] | None = None):
        """Load what the first draft of each specialty would otherwise wait for: the sentence embedder,
        every guideline index, templates, drafters and NLP pipelines (:mod:`pixtralogist.agents.warmup`;
        ``busy``: whether clinicians' actions run, the warm-up then waits)."""
        from pixtralogist.agents.warmup import warm_up

        return warm_up(self, busy=busy)

    def cite_findings(self, specialty: str, template: Template, findings: list[Finding]) -> dict[str, list[Citation]]:
        """Top guideline snippets of the finding's region for every finding that is not a default."""
        if self.store is None:
            return {}
        self._ensure_synced(specialty)
        items = [f for f in findings if not f.is_default]
        if not items:
            return {}
        results = self.store.search_many(specialty, [f.text for f in items], region=[f.region for f in items],
                                         template_id=template.id, k=self.k)
        out: dict[str, list[Citation]] = {}
        for f, hits in zip(items, results):
            cits = [Citation(snippet=h.snippet, score=round(float(h.score), 4)) for h in hits if h.score >= self.min_score]
            if cits:
                out[f.id] = cits
        return out

    def search(self, specialty: str, query: str, region: str | None = None, k: int = 8) -> list[Citation]:
        if self.store is None:
            return []
        self._ensure_synced(specialty)
        hits = self.store.search(specialty, query, region=region, k=k)
        return [Citation(snippet=h.snippet, score=round(float(h.score), 4)) for h in hits]
