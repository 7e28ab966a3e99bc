"""Guideline retrieval: a chromadb index of guideline snippets, one collection per specialty.

The agent looks up the guideline snippets relevant to each finding of a draft
("6 mm solid nodule in the right upper lobe" -> the Fleischner solid-nodule
snippet) and hands them to the plugins' checks. This module keeps those
snippets in chromadb, embedded with the local all-MiniLM-L6-v2
(:mod:`pixtralogist.core.embedding`); nothing is downloaded.

Opening a store::

    from pixtralogist.core.retrieval import GuidelineStore

    store = GuidelineStore.open("var/guidelines")     # on disk (chromadb PersistentClient)
    store = GuidelineStore.open(None)                 # in memory, private to this store
    store = GuidelineStore.connect("chroma.local", 8000)  # a Chroma server (chromadb.HttpClient)

Using it::

    store.sync("radiology", snippets)   # (re)index only if the corpus changed -> bool
    hits = store.search("radiology", "7 mm nodule in the right upper lobe", region="lung")
    hits[0].snippet.id, hits[0].score   # ('fleischner-2017-solid-single-6-8mm', 0.6...)
    per_finding = store.search_many("radiology", [f.text for f in draft.findings],
                                    region=[f.region for f in draft.findings])

Layout and guarantees:

* Collection ``guidelines-<specialty>``, cosine space. Its metadata holds
  ``corpus_sha256`` (:func:`~pixtralogist.core.guidelines.corpus_hash` of the
  snippets), the embedder id and the index format, so :meth:`GuidelineStore.sync`
  re-embeds nothing when the corpus, the model and the layout are unchanged,
  and otherwise re-embeds only the snippets whose content changed.
* Each snippet is one main record (id = snippet id, ``kind: snippet``) whose
  vector embeds its text and keywords and whose metadata holds the full
  snippet as JSON (hits are rebuilt as
  :class:`~pixtralogist.core.models.GuidelineSnippet` exactly), plus one record
  per keyword (``<id>#kw<i>``, ``kind: keyword``). A hit's score is the mean of
  the query's cosine similarity to the main record and to the closest keyword:
  dense embeddings of long texts do not separate size bands ("6 mm" vs "> 8
  mm"), short finding-like keywords do much better.
* Sizes: a keyword that states a size band ("6 to 8 mm", "under 6 mm", "over 8
  mm", "6 mm or larger", "1-4 cm") gives the snippet a band (``size_band``
  metadata). When a query states a size ("7 mm nodule", "2.2 cm") the
  similarity of a banded, already similar snippet is raised when the size is
  in its band and lowered when it is not (:data:`SIZE_MATCH`,
  :data:`SIZE_MISMATCH`), so "7 mm nodule" finds the 6-8 mm recommendation.
* Regions and template ids are stored as chromadb array metadata (``regions``,
  ``template_ids``) and filtered with ``$contains``; a snippet with no regions
  (or no template ids) applies to all of them (``all_regions`` /
  ``all_templates`` flags).
* The embedding function is always given to chromadb explicitly (a registered
  wrapper around the cached local model), so chromadb never falls back to its
  default ONNX model, which would try to download.
* Scores are cosine similarities (size-adjusted as above) clipped to ``[0, 1]``;
  higher is better. A corpus of up to 512 records (keywords included) is
  scored exhaustively; beyond that a bounded candidate pool is used.
* A lock serialises writes (``sync``) within a process, which is enough for one
  Gradio server. Several processes writing the same on-disk store at once are
  not supported by chromadb's embedded mode: use a Chroma server for that.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixtralogist.core.embedding import DEFAULT_MODEL_NAME, default_model_path, embed, embedder_id, get_embedder
from pixtralogist.core.errors import ConfigError, DataError
from pixtralogist.core.guidelines import corpus_hash, snippet_hash
from pixtralogist.core.models import GuidelineSnippet

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

    from pixtralogist.core.snippet_vectors import SnippetVectors

log = logging.getLogger(__name__)

__all__ = [
    "COLLECTION_PREFIX",
    "INDEX_FORMAT",
    "GuidelineStore",
    "Hit",
    "collection_name",
    "embedding_text",
    "query_size_mm",
    "size_band",
]

COLLECTION_PREFIX = "guidelines-"
#: Bump when what is stored or what is embedded changes: stores built by an older format are re-embedded.
INDEX_FORMAT = 1
EMBEDDING_FUNCTION_NAME = "pixtralogist-local-sentence-transformer"

#: A query that states a size ("7 mm nodule") and a snippet with a size band (a keyword such as
#: "6 to 8 mm"): the similarity is multiplied by SIZE_MATCH when the size is in the band, else by
#: SIZE_MISMATCH. Dense embeddings alone barely tell "7 mm" from "5 mm".
#: Only snippets already this similar get the size adjustment (size breaks ties between topically
#: relevant snippets; it must not lift an unrelated one, e.g. "tube 4 cm above the carina").
SIZE_MATCH = 1.1
SIZE_MISMATCH = 0.9
SIZE_MIN_SIMILARITY = 0.4

_WRITE_BATCH = 1000
# Candidate records fetched per query: every record of a small corpus (exact scores), a bounded pool otherwise.
_MIN_CANDIDATES = 512
_CANDIDATES_PER_HIT = 64
#: Query texts whose embedding (and ranked hits) a store keeps (:class:`_QueryCache`).
QUERY_CACHE_SIZE = 4096

_SPECIALTY = re.compile(r"^[a-z][a-z0-9_-]*[a-z0-9]$|^[a-z]$")


@dataclass(frozen=True)
class Hit:
    """One retrieved snippet and how similar it is to the query.

    ``score`` is a cosine similarity clipped to ``[0, 1]`` (higher is better): the mean of the
    query's similarity to the snippet (text and keywords) and to its closest keyword, adjusted
    when the query states a size and the snippet a size band (see the module docs).
    ``matched_keyword`` is that closest keyword (None when the snippet has none).
    """

    snippet: GuidelineSnippet
    score: float
    matched_keyword: str | None = None

    @property
    def id(self) -> str:
        return self.snippet.id


def collection_name(specialty: str) -> str:
    """The chromadb collection that holds ``specialty``'s snippets (``guidelines-<specialty>``)."""
    if not isinstance(specialty, str) or not _SPECIALTY.match(specialty):
        raise ConfigError(
            f"invalid specialty name {specialty!r}: use lower-case letters, digits, '-' or '_' (e.g. 'radiology')"
        )
    return f"{COLLECTION_PREFIX}{specialty}"


def embedding_text(snippet: GuidelineSnippet) -> str:
    """What is embedded (and stored as the document) for a snippet's main record: its text and keywords.

    Each keyword is also embedded on its own (one extra record per keyword): short finding-like
    keywords ("7 mm solid nodule") pick the right size band far better than the long text, whose
    follow-up intervals dominate its embedding.
    """
    if snippet.keywords:
        return f"{snippet.text}\nKeywords: {', '.join(snippet.keywords)}."
    return snippet.text


class GuidelineStore:
    """Guideline snippets indexed in chromadb, searchable per specialty, region and template.

    Build one with :meth:`open` (on disk or in memory) or :meth:`connect` (a
    Chroma server); the constructor takes an existing chromadb client.
    """

    def __init__(
        self,
        client: "ClientAPI",
        *,
        embedder: Any = None,
        model_path: str | Path | None = None,
        location: str = "",
        _owns_client: bool = False,
        _cleanup: Any = None,
    ) -> None:
        self._client = client
        self._ef = _embedding_function(embedder=embedder, model_path=model_path)
        self._lock = threading.RLock()
        self._sync_locks: dict[str, threading.RLock] = {}
        self._collections: dict[str, "Collection"] = {}
        self._record_counts: dict[str, int] = {}
        #: query text -> embedding, and query -> ranked hits, until this store syncs or drops (see search_many)
        self._queries = _QueryCache(QUERY_CACHE_SIZE)
        self._owns_client = _owns_client
        self._cleanup = _cleanup
        self._closed = False
        self.location = location
        #: How many snippet documents this store object has indexed (sync); queries are not counted.
        self.documents_embedded = 0
        #: How many records (snippets and keywords) took a precomputed vector instead of being embedded.
        self.vectors_reused = 0
        #: How many query texts this store object has embedded (search; a text answered from its cache is not counted).
        self.queries_embedded = 0

    # --- construction --------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        embedder: Any = None,
        client: "ClientAPI | None" = None,
        model_path: str | Path | None = None,
    ) -> "GuidelineStore":
        """Open a store on disk at ``path`` (created if needed), or in memory when ``path`` is None.

        :param embedder: a loaded sentence-transformers model to embed with (default: the cached
            local all-MiniLM-L6-v2 from :func:`~pixtralogist.core.embedding.get_embedder`, loaded on
            first use).
        :param client: an existing chromadb client to use instead (``path`` is then ignored).
        :param model_path: a local sentence-transformers model directory (instead of ``embedder``).

        An in-memory store gets its own chromadb database: chromadb's in-memory clients in one
        process otherwise share their data.
        """
        if client is not None:
            return cls(client, embedder=embedder, model_path=model_path, location="client")
        chromadb, settings = _chromadb()
        if path is None:
            database = f"pixtralogist-{uuid.uuid4().hex}"
            try:
                admin = chromadb.AdminClient(settings)
                admin.create_database(database)
                client = chromadb.EphemeralClient(settings=settings, database=database)
            except ValueError as exc:
                raise ConfigError(f"cannot open an in-memory guideline store: {exc}") from exc

            def cleanup() -> None:
                try:
                    admin.delete_database(database)
                except Exception:  # noqa: BLE001 - best effort on close
                    pass

            return cls(
                client, embedder=embedder, model_path=model_path, location=f"memory:{database}",
                _owns_client=True, _cleanup=cleanup,
            )
        p = Path(path).expanduser()
        if p.exists() and not p.is_dir():
            raise ConfigError(f"guideline store path {str(p)!r} exists and is not a directory")
        p.mkdir(parents=True, exist_ok=True)
        try:
            client = chromadb.PersistentClient(path=str(p), settings=settings)
        except ValueError as exc:
            raise ConfigError(f"cannot open the guideline store at {str(p)!r}: {exc}") from exc
        return cls(client, embedder=embedder, model_path=model_path, location=str(p.resolve()), _owns_client=True)

    @classmethod
    def connect(
        cls,
        host: str,
        port: int = 8000,
        *,
        ssl: bool = False,
        headers: dict[str, str] | None = None,
        embedder: Any = None,
        model_path: str | Path | None = None,
    ) -> "GuidelineStore":
        """Use a Chroma server (``chroma run --path DIR --port 8000``) through ``chromadb.HttpClient``.

        Embedding still happens locally, in this process; the server only stores and searches
        vectors. Use a server when several processes must write the same store.

        :raises ConfigError: the server cannot be reached.
        """
        chromadb, settings = _chromadb()
        try:
            client = chromadb.HttpClient(host=host, port=int(port), ssl=ssl, headers=headers, settings=settings)
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            raise ConfigError(f"cannot reach the Chroma server at {host}:{port}: {exc}") from exc
        scheme = "https" if ssl else "http"
        return cls(client, embedder=embedder, model_path=model_path, location=f"{scheme}://{host}:{port}",
                   _owns_client=True)

    def close(self) -> None:
        """Release the chromadb client (an in-memory store's data is dropped)."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            self._collections.clear()
        if self._cleanup is not None:
            self._cleanup()
        if self._owns_client:
            close = getattr(self._client, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> "GuidelineStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"GuidelineStore({self.location!r})"

    # --- indexing --------------------------------------------------------------

    def sync(self, specialty: str, snippets: Iterable[GuidelineSnippet], *,
             vectors: "SnippetVectors | None" = None) -> bool:
        """Make the ``specialty`` collection hold exactly ``snippets``; return whether anything changed.

        Nothing is embedded or written when the stored corpus hash, embedder and index format
        match. Otherwise only new or changed snippets are embedded, removed ones are deleted,
        and the new corpus hash is written last (an interrupted sync is redone next time).

        :param vectors: precomputed vectors of these records (the plugin's
            ``data/guidelines.vectors.npz``, :mod:`pixtralogist.core.snippet_vectors`): a record
            whose text has a vector made with this store's embedder weights is not embedded again;
            any other record is (logged).

        :raises DataError: a snippet belongs to another specialty, or two share an id.
        """
        name = collection_name(specialty)
        snippets = list(snippets)
        _check_snippets(specialty, snippets)
        digest = corpus_hash(snippets)
        model_id = self._ef.model_id()
        with self._sync_lock(name):  # one sync per collection; other specialties search meanwhile
            col = self._open_collection(name, create=True)
            meta = dict(col.metadata or {})
            same_model = meta.get("embedder") == model_id and meta.get("index_format") == INDEX_FORMAT
            if same_model and meta.get("corpus_sha256") == digest:
                return False

            self._queries.forget_hits()  # the hits change with the records (also for searches running now)
            # Mark the collection dirty first: if this sync is interrupted, the next one (even with
            # the previous corpus) sees a hash mismatch and repairs it.
            col.modify(metadata={**_collection_metadata(specialty, "", model_id, -1, -1), "syncing": True})
            existing = col.get(where={"kind": "snippet"}, include=["metadatas"])
            stored = {
                rid: (m or {}).get("snippet_sha256")
                for rid, m in zip(existing["ids"], existing["metadatas"] or [None] * len(existing["ids"]))
            }
            hashes = {s.id: snippet_hash(s) for s in snippets}
            changed = [s for s in snippets if not same_model or stored.get(s.id) != hashes[s.id]]
            # Every record of a removed or changed snippet goes (its main record and its keywords).
            remove = sorted((set(stored) - set(hashes)) | {s.id for s in changed if s.id in stored})
            if not same_model:
                remove = sorted(set(remove) | set(stored))
            for start in range(0, len(remove), 100):
                col.delete(where={"snippet_id": {"$in": remove[start:start + 100]}})
            if changed:
                ids, texts, metas = _records(changed, hashes)
                embeddings = self._embed_records(specialty, texts, vectors)
                for start in range(0, len(ids), _WRITE_BATCH):
                    stop = start + _WRITE_BATCH
                    col.add(ids=ids[start:stop], embeddings=embeddings[start:stop],
                            documents=texts[start:stop], metadatas=metas[start:stop])
                self.documents_embedded += len(changed)
            self._record_counts[name] = col.count()
            col.modify(
                metadata=_collection_metadata(specialty, digest, model_id, len(snippets), self._record_counts[name])
            )
            self._queries.forget_hits()
            return True

    def stored_hash(self, specialty: str) -> str | None:
        """The corpus hash the ``specialty`` collection was last synced with (None if never)."""
        try:
            col = self._open_collection(collection_name(specialty), create=False, fresh=True)
        except DataError:
            return None
        return (col.metadata or {}).get("corpus_sha256")

    def info(self, specialty: str) -> dict[str, Any]:
        """Provenance of the ``specialty`` index: corpus hash, embedder, counts, sync time, format."""
        col = self._open_collection(collection_name(specialty), create=False, fresh=True)
        return dict(col.metadata or {})

    def count(self, specialty: str) -> int:
        """Number of snippets stored for ``specialty``."""
        col = self._open_collection(collection_name(specialty), create=False)
        return len(col.get(where={"kind": "snippet"}, include=[])["ids"])

    def specialties(self) -> list[str]:
        """Specialties that have a guideline collection in this store."""
        names = [c.name for c in self._client.list_collections()]
        return sorted(n[len(COLLECTION_PREFIX):] for n in names if n.startswith(COLLECTION_PREFIX))

    def drop(self, specialty: str) -> bool:
        """Delete the ``specialty`` collection; return whether it existed."""
        name = collection_name(specialty)
        with self._sync_lock(name), self._lock:
            self._collections.pop(name, None)
            self._record_counts.pop(name, None)
            self._queries.forget_hits()
            try:
                self._client.delete_collection(name)
            except Exception as exc:  # noqa: BLE001 - chromadb raises NotFoundError / ValueError by version
                if _is_not_found(exc):
                    return False
                raise
            return True

    # --- lookup ----------------------------------------------------------------

    def get(self, snippet_id: str, specialty: str | None = None) -> GuidelineSnippet | None:
        """The stored snippet with ``snippet_id`` (in ``specialty``, or in any specialty), or None."""
        for spec in [specialty] if specialty is not None else self.specialties():
            try:
                col = self._open_collection(collection_name(spec), create=False)
            except DataError:
                continue
            res = col.get(ids=[snippet_id], where={"kind": "snippet"}, include=["metadatas"])
            if res["ids"]:
                return _snippet_from_metadata(res["metadatas"][0])
        return None

    def snippets(self, specialty: str) -> list[GuidelineSnippet]:
        """Every snippet stored for ``specialty``, sorted by id."""
        res = self._open_collection(collection_name(specialty), create=False).get(
            where={"kind": "snippet"}, include=["metadatas"]
        )
        return sorted((_snippet_from_metadata(m) for m in res["metadatas"]), key=lambda s: s.id)

    def search(
        self,
        specialty: str,
        query: str,
        *,
        region: str | None = None,
        template_id: str | None = None,
        k: int = 3,
        min_score: float = 0.0,
    ) -> list[Hit]:
        """The ``k`` snippets of ``specialty`` most similar to ``query``, best first.

        :param region: only snippets concerning this template region (or all regions).
        :param template_id: only snippets for this template (or every template).
        :param min_score: drop hits whose cosine similarity is below this.
        :raises DataError: ``specialty`` has never been synced into this store.
        """
        return self.search_many(
            specialty, [query], region=region, template_id=template_id, k=k, min_score=min_score
        )[0]

    def search_many(
        self,
        specialty: str,
        queries: Sequence[str],
        *,
        region: str | None | Sequence[str | None] = None,
        template_id: str | None = None,
        k: int = 3,
        min_score: float = 0.0,
    ) -> list[list[Hit]]:
        """:meth:`search` for many queries (e.g. every finding of a draft) in one go.

        The queries not answered before are embedded in one call (:attr:`queries_embedded`). ``region``
        is one region for all queries, or one per query (e.g. each finding's region): queries are
        grouped by region and each group is one chromadb query, so a single region means exactly
        one. A query this store answered before (same text, region, template, ``k`` and ``min_score``,
        the store not synced since) is answered from its cache (:class:`_QueryCache`): a Save
        re-checks only the findings it changed. Returns one hit list per query, in order.
        """
        if isinstance(queries, str):
            raise TypeError("search_many() takes a sequence of queries; use search() for one")
        queries = [str(q) for q in queries]
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if region is None or isinstance(region, str):
            regions: list[str | None] = [region] * len(queries)
        else:
            regions = list(region)
            if len(regions) != len(queries):
                raise ValueError(f"got {len(regions)} regions for {len(queries)} queries")
        col = self._open_collection(collection_name(specialty), create=False)
        if not queries:
            return []

        groups: dict[str | None, list[int]] = {}
        for i, r in enumerate(regions):
            groups.setdefault(r, []).append(i)
        records = self._record_count(col)
        n_candidates = max(1, min(records, max(_MIN_CANDIDATES, k * _CANDIDATES_PER_HIT)))
        exhaustive = n_candidates >= records

        # A query asked before (same text, region, template, k; e.g. the findings a Save left as they
        # were) is answered from the cache; the others are embedded (texts embedded before: from the
        # cache) and searched, one chromadb query per region as before.
        cache, generation = self._queries, self._queries.generation
        keys = [(col.name, regions[i], template_id, n_candidates, k, min_score, q) for i, q in enumerate(queries)]
        ranked: list[list[tuple[float, str, int | None]]] = [[] for _ in queries]
        bodies: dict[str, dict[str, Any]] = {}
        todo: list[int] = []
        for i, key in enumerate(keys):
            hit = cache.hits(key)
            if hit is None:
                todo.append(i)
            else:
                ranked[i], found = hit
                bodies.update(found)
        new = self._query_vectors([queries[i] for i in todo])  # one embedding call for the new texts
        vectors = {todo[j]: vector for j, vector in new.items()}
        for reg, idxs in groups.items():
            idxs = [i for i in idxs if i in vectors]
            if not idxs:
                continue
            res = col.query(
                query_embeddings=[vectors[i] for i in idxs],
                n_results=n_candidates,
                where=_where(reg, template_id),
                include=["distances"],  # the records' metadata: from the store's copy (_record_metadata)
            )
            by_id = self._record_metadata(col, {rid for row in res["ids"] for rid in row}, generation)
            for row, i in enumerate(idxs):
                metas = [by_id.get(rid) for rid in res["ids"][row]]
                for rid, meta in zip(res["ids"][row], metas):
                    if meta and meta.get("kind") == "snippet":
                        bodies[rid] = meta
                ranked[i] = _rank(
                    res["ids"][row], res["distances"][row], metas, query_size_mm(queries[i]), k, min_score, exhaustive
                )

        missing = sorted({sid for hits in ranked for _, sid, _ in hits} - bodies.keys())
        if missing:  # only when the candidate pool is not the whole collection
            got = col.get(ids=missing, include=["metadatas"])
            bodies.update(zip(got["ids"], got["metadatas"]))
        for i in vectors:
            cache.keep_hits(keys[i], ranked[i], {sid: bodies[sid] for _, sid, _ in ranked[i] if sid in bodies},
                            generation)
        snippets = {sid: _snippet_from_metadata(bodies[sid]) for hits in ranked for _, sid, _ in hits if sid in bodies}
        out: list[list[Hit]] = []
        for hits in ranked:
            row = []
            for score, sid, kw_index in hits:
                snippet = snippets.get(sid)
                if snippet is None:  # deleted between query and get (a concurrent sync)
                    continue
                keyword = snippet.keywords[kw_index] if kw_index is not None and kw_index < len(snippet.keywords) else None
                row.append(Hit(snippet=snippet, score=score, matched_keyword=keyword))
            out.append(row)
        return out

    # --- internals -------------------------------------------------------------

    def _embed_records(self, specialty: str, texts: list[str], precomputed: "SnippetVectors | None") -> list[Any]:
        """One vector per record text: the precomputed one when it matches, else embedded (one call)."""
        if precomputed is None:
            return self._ef(texts)
        from pixtralogist.core.snippet_vectors import embedder_sha256

        model = self._ef._model()
        digest = embedder_sha256(model)
        found = precomputed.lookup(texts, digest)
        probed = precomputed.probe(texts, found, model)  # the weights really give these vectors (a few ms)
        if not probed:
            log.warning("the embedder's weights do not give the vectors of %s (the weights file changed since it "
                        "was installed?): embedding the %d %s records", precomputed.source, len(texts), specialty)
            found = [None] * len(texts)
        missing = [i for i, v in enumerate(found) if v is None]
        self.vectors_reused += len(texts) - len(missing)
        if missing:
            if not probed:
                pass
            elif digest != precomputed.embedder_sha256:
                log.info("guideline vectors %s were made with other embedder weights: embedding the %d %s records",
                         precomputed.source, len(texts), specialty)
            else:
                log.info("%d of %d %s guideline records have no vector in %s (edited or added snippets): embedding "
                         "them; regenerate with tools/guideline_vectors.py", len(missing), len(texts), specialty,
                         precomputed.source)
            for i, v in zip(missing, self._ef([texts[i] for i in missing])):
                found[i] = v
        return found

    def _query_vectors(self, texts: list[str]) -> dict[int, Any]:
        """Embeddings of ``texts`` by position: texts embedded before come from the cache, the others
        (each distinct text once) are embedded in one call."""
        out: dict[int, Any] = {}
        new: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            vector = self._queries.vector(text)
            if vector is None:
                new.setdefault(text, []).append(i)
            else:
                out[i] = vector
        if new:
            for text, vector in zip(new, self._ef(list(new))):
                self._queries.keep_vector(text, vector)
                for i in new[text]:
                    out[i] = vector
            self.queries_embedded += len(new)
        return out

    def _record_metadata(self, col: "Collection", ids: set[str], generation: int) -> dict[str, Any]:
        """The stored metadata of records ``ids`` of ``col``: kept by the store once read (records change
        only when the store syncs, which forgets them, as it forgets cached hits), the others read in one
        ``get``. A query then asks chromadb for distances alone: converting every candidate's metadata
        (the snippet's JSON) at each query cost ten times the search itself."""
        known, missing = self._queries.records(col.name, ids)
        if missing:
            got = col.get(ids=sorted(missing), include=["metadatas"])
            read = dict(zip(got["ids"], got["metadatas"] or [None] * len(got["ids"])))
            self._queries.keep_records(col.name, read, generation)
            known.update(read)
        return known

    def clear_query_cache(self) -> None:
        """Forget every cached query embedding and hit list (benchmarks that time uncached searches)."""
        self._queries.clear()

    def _sync_lock(self, name: str) -> threading.RLock:
        """The lock of collection ``name``'s syncs and drops (a sync embeds for seconds on a cold
        start: it must not hold up searches of the other specialties)."""
        with self._lock:
            return self._sync_locks.setdefault(name, threading.RLock())

    def _record_count(self, col: "Collection") -> int:
        """Records (snippets and keywords) in ``col``, cached until this store syncs it again."""
        count = self._record_counts.get(col.name)
        if count is None:
            count = self._record_counts[col.name] = col.count()
        return count

    def _open_collection(self, name: str, *, create: bool, fresh: bool = False) -> "Collection":
        with self._lock:
            if create or fresh:
                self._collections.pop(name, None)  # re-read metadata another process may have changed
                self._record_counts.pop(name, None)
            col = self._collections.get(name)
            if col is not None:
                return col
            try:
                col = self._client.get_collection(name, embedding_function=self._ef)
            except Exception as exc:  # noqa: BLE001
                if not _is_not_found(exc):
                    raise DataError(
                        f"cannot open guideline collection {name!r} in {self.location}: {exc}. "
                        f"Delete it (GuidelineStore.drop) and sync again."
                    ) from exc
                if not create:
                    raise DataError(
                        f"no guidelines indexed for {name[len(COLLECTION_PREFIX):]!r} in {self.location}: "
                        f"call GuidelineStore.sync(specialty, snippets) first"
                    ) from None
                col = self._client.create_collection(
                    name,
                    embedding_function=self._ef,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={"index_format": INDEX_FORMAT, "specialty": name[len(COLLECTION_PREFIX):]},
                )
            self._collections[name] = col
            return col


# --- chromadb glue ---------------------------------------------------------------


#: Optional modules left out of chromadb's import (:func:`pixtralogist.core.deferred_imports.import_deferring`):
#: httpx's command line (``httpx._main``, with click, rich and pygments), which httpx imports when it can.
CHROMADB_BLOCKED = ("httpx._main",)


def _marked_override(method: Any = None, *, check_signature: bool = True, check_at_runtime: bool = False) -> Any:
    """``overrides.override`` while chromadb is imported: marks the method as an override (what the
    ``EnforceOverrides`` classes check) without the import-time signature check, which reads every
    decorated class statement's bytecode (~0.15 s of a cold start for chromadb's ~150 methods; a
    development check that chromadb's own tests run). Nor does it copy a missing docstring from the base."""
    if method is None:
        return _marked_override
    method.__override__ = True
    return method


def _chromadb() -> tuple[Any, Any]:
    from pixtralogist.core.deferred_imports import import_deferring

    try:
        import_deferring(["chromadb", "chromadb.config"], blocked=CHROMADB_BLOCKED,
                         overrides={"overrides": {"override": _marked_override, "overrides": _marked_override}})
        import chromadb
        from chromadb.config import Settings
    except ImportError as exc:
        raise ConfigError("chromadb is not installed; install the `pixtralogist[retrieval]` extra") from exc
    return chromadb, Settings(anonymized_telemetry=False)


def _is_not_found(exc: Exception) -> bool:
    try:
        from chromadb.errors import NotFoundError
    except ImportError:  # pragma: no cover
        NotFoundError = ()  # type: ignore[assignment]
    if isinstance(exc, NotFoundError):
        return True
    msg = str(exc).lower()
    return "does not exist" in msg or "not found" in msg


@lru_cache(maxsize=1)
def _embedding_function_class() -> type:
    """The chromadb EmbeddingFunction wrapper around the local model (defined lazily, registered once)."""
    import numpy as np
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    class LocalSentenceTransformerEF(EmbeddingFunction[Documents]):
        """Embeds with the cached local sentence-transformers model; never downloads.

        Its stored config is ``{"model_path": None}`` for the packaged all-MiniLM-L6-v2 (found
        wherever it is installed) or the absolute path of another local model.
        """

        def __init__(self, model_path: str | None = None, embedder: Any = None) -> None:
            self.model_path = model_path
            self._embedder = embedder
            self._lock = threading.Lock()

        def _model(self) -> Any:
            if self._embedder is None:
                with self._lock:
                    if self._embedder is None:
                        self._embedder = get_embedder(self.model_path)
            return self._embedder

        def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - chromadb's signature
            return [np.asarray(v, dtype=np.float32) for v in embed(list(input), embedder=self._model())]

        def model_id(self) -> str:
            if self._embedder is not None and getattr(self._embedder, "_pixtralogist_model_path", None) is None:
                return embedder_id(self._embedder)  # a caller-supplied model
            if self.model_path is None:
                return f"{DEFAULT_MODEL_NAME}:normalized"
            return f"{Path(self.model_path).name}:normalized"

        @staticmethod
        def name() -> str:
            return EMBEDDING_FUNCTION_NAME

        def default_space(self) -> str:
            return "cosine"

        def supported_spaces(self) -> list[str]:
            return ["cosine", "ip", "l2"]

        def get_config(self) -> dict[str, Any]:
            return {"model_path": self.model_path}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "LocalSentenceTransformerEF":
            return LocalSentenceTransformerEF(model_path=config.get("model_path"))

        def is_legacy(self) -> bool:
            return False

    register_embedding_function(LocalSentenceTransformerEF)
    return LocalSentenceTransformerEF


def _embedding_function(*, embedder: Any = None, model_path: str | Path | None = None) -> Any:
    cls = _embedding_function_class()
    if embedder is not None:
        path = getattr(embedder, "_pixtralogist_model_path", None)
        if path is not None and Path(path) == default_model_path():
            path = None
        return cls(model_path=path, embedder=embedder)
    if model_path is not None:
        from pixtralogist.core.embedding import resolve_model_path

        resolved = resolve_model_path(model_path)  # fail early, with a ConfigError
        return cls(model_path=None if resolved == default_model_path() else str(resolved))
    return cls(model_path=None)


class _QueryCache:
    """What a store keeps of the queries it answered, each at most ``size`` entries (least recently used
    out): the embedding of each query text (a pure function of the text and the embedder) and the
    ranked hits of each query (text, region, template, candidate pool, k, min_score), with the
    stored bodies of those hits.

    Hits depend on the records: :meth:`forget_hits` drops them when the store syncs or drops a
    collection, and a search that started before keeps nothing (``generation``). Like the store's
    record counts, this knows only this store's own syncs: a collection re-synced by another
    process is seen by this one after a restart (guideline corpora change with plugin versions).
    Thread-safe.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.generation = 0
        self._lock = threading.Lock()
        self._vectors: OrderedDict[str, Any] = OrderedDict()
        self._hits: OrderedDict[tuple, tuple[list, dict[str, dict[str, Any]]]] = OrderedDict()
        #: collection name -> record id -> its stored metadata (index data, not a query's: kept until a sync)
        self._records: dict[str, dict[str, Any]] = {}

    @staticmethod
    def _get(table: OrderedDict, key: Any) -> Any:
        value = table.get(key)
        if value is not None:
            table.move_to_end(key)
        return value

    def _put(self, table: OrderedDict, key: Any, value: Any) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > self.size:
            table.popitem(last=False)

    def vector(self, text: str) -> Any:
        with self._lock:
            return self._get(self._vectors, text)

    def keep_vector(self, text: str, vector: Any) -> None:
        with self._lock:
            self._put(self._vectors, text, vector)

    def hits(self, key: tuple) -> tuple[list, dict[str, dict[str, Any]]] | None:
        """``(ranked hits, their bodies by snippet id)`` of a query answered before, or None."""
        with self._lock:
            found = self._get(self._hits, key)
        return None if found is None else (list(found[0]), dict(found[1]))

    def keep_hits(self, key: tuple, ranked: list, bodies: dict[str, dict[str, Any]], generation: int) -> None:
        """Keep a query's hits, unless the records changed since the search began (``generation``)."""
        with self._lock:
            if generation == self.generation:
                self._put(self._hits, key, (list(ranked), dict(bodies)))

    def records(self, name: str, ids: set[str]) -> tuple[dict[str, Any], set[str]]:
        """``(metadata by record id, ids not known)`` of collection ``name``'s records ``ids``."""
        with self._lock:
            known = self._records.get(name, {})
            found = {rid: known[rid] for rid in ids if rid in known}
        return found, ids - found.keys()

    def keep_records(self, name: str, metadata: dict[str, Any], generation: int) -> None:
        """Keep records' metadata, unless the records changed since the search began (``generation``)."""
        with self._lock:
            if generation == self.generation:
                self._records.setdefault(name, {}).update(metadata)

    def forget_hits(self) -> None:
        """The records changed (a sync or a drop): forget the hits and the records' metadata."""
        with self._lock:
            self.generation += 1
            self._hits.clear()
            self._records.clear()

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._hits.clear()
            self._vectors.clear()


# --- records ---------------------------------------------------------------------

_KW_SEP = "#kw"


def _rank(
    record_ids: list[str],
    dists: list[float],
    metas: list[dict[str, Any] | None],
    size_mm: float | None,
    k: int,
    min_score: float,
    exhaustive: bool,
) -> list[tuple[float, str, int | None]]:
    """Combine one query's candidate records into per-snippet scores; the best ``k`` as (score, id, keyword index).

    A snippet's similarity is the mean of the similarity to its main record and to its closest
    keyword record (just the main record's when it has no keywords). When the candidates are not
    every record (``exhaustive`` false) a missing component is estimated by the lowest similarity
    seen, an upper bound. If the query states a size, the snippet has a size band and the
    similarity is at least :data:`SIZE_MIN_SIMILARITY`, it is multiplied by :data:`SIZE_MATCH`
    (size in the band) or :data:`SIZE_MISMATCH`.
    """
    if not record_ids:
        return []
    text_sim: dict[str, float] = {}
    kw_sim: dict[str, tuple[float, int]] = {}
    bands: dict[str, str] = {}
    for rid, dist, meta in zip(record_ids, dists, metas):
        sim = 1.0 - float(dist)
        sid, sep, idx = rid.partition(_KW_SEP)
        if meta and meta.get("size_band"):
            bands[sid] = meta["size_band"]
        if not sep:
            text_sim[sid] = sim
        elif sid not in kw_sim or sim > kw_sim[sid][0]:
            kw_sim[sid] = (sim, int(idx))
    floor = 1.0 - float(max(dists))
    scored: list[tuple[float, str, int | None]] = []
    for sid in text_sim.keys() | kw_sim.keys():
        t = text_sim.get(sid, floor)
        if sid in kw_sim:
            kw, kw_index = kw_sim[sid]
        else:
            kw, kw_index = (t if exhaustive else floor), None
        score = (t + kw) / 2.0
        if size_mm is not None and sid in bands and score >= SIZE_MIN_SIMILARITY:
            score *= SIZE_MATCH if _in_band(size_mm, bands[sid]) else SIZE_MISMATCH
        score = min(1.0, max(0.0, score))
        if score >= min_score:
            scored.append((score, sid, kw_index))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return scored[:k]


# --- sizes ------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = r"\s*(mm|cm)\b"
_SIZE = re.compile(_NUM + _UNIT, re.IGNORECASE)
_BAND_PATTERNS = [  # (regex, kind) over a keyword; sizes in mm after unit conversion
    (re.compile(_NUM + r"\s*(?:to|-|\u2013)\s*" + _NUM + _UNIT, re.I), "range"),
    (re.compile(r"(?:under|below|less than|smaller than|<)\s*" + _NUM + _UNIT, re.I), "below"),
    (re.compile(r"(?:over|above|more than|larger than|greater than|>)\s*" + _NUM + _UNIT, re.I), "above"),
    (re.compile(_NUM + _UNIT + r"\s*or\s*(?:larger|more|greater|bigger|above)", re.I), "at-least"),
]


def _mm(value: str, unit: str) -> float:
    return float(value) * (10.0 if unit.lower() == "cm" else 1.0)


def query_size_mm(text: str) -> float | None:
    """The largest size stated in ``text`` ("7 mm", "1.2 cm"), in millimetres, or None."""
    sizes = [_mm(v, u) for v, u in _SIZE.findall(text or "")]
    return max(sizes) if sizes else None


def size_band(keywords: Sequence[str]) -> str | None:
    """The size band a snippet's keywords state, in interval notation over millimetres, or None.

    Recognised: "6 to 8 mm" / "1-4 cm" -> ``[6,8]``; "under 6 mm" -> ``[0,6)``; "over 8 mm" ->
    ``(8,inf)``; "6 mm or larger" -> ``[6,inf)``. Several bands combine into their hull.
    """
    lo: tuple[float, bool] | None = None  # (value, inclusive)
    hi: tuple[float, bool] | None = None
    found = False
    for keyword in keywords:
        for pattern, kind in _BAND_PATTERNS:
            m = pattern.search(keyword)
            if not m:
                continue
            found = True
            if kind == "range":
                a, b = _mm(m.group(1), m.group(3)), _mm(m.group(2), m.group(3))
                cand_lo, cand_hi = (a, True), (b, True)
            elif kind == "below":
                cand_lo, cand_hi = (0.0, True), (_mm(m.group(1), m.group(2)), False)
            elif kind == "above":
                cand_lo, cand_hi = (_mm(m.group(1), m.group(2)), False), (math.inf, False)
            else:
                cand_lo, cand_hi = (_mm(m.group(1), m.group(2)), True), (math.inf, False)
            lo = cand_lo if lo is None or cand_lo[0] < lo[0] else lo
            hi = cand_hi if hi is None or cand_hi[0] > hi[0] else hi
            break
    if not found or lo is None or hi is None:
        return None
    hi_text = "inf" if math.isinf(hi[0]) else f"{hi[0]:g}"
    return f"{'[' if lo[1] else '('}{lo[0]:g},{hi_text}{']' if hi[1] else ')'}"


def _in_band(size: float, band: str) -> bool:
    lo_incl, hi_incl = band[0] == "[", band[-1] == "]"
    lo_text, hi_text = band[1:-1].split(",")
    lo, hi = float(lo_text), float(hi_text)
    above = size >= lo if lo_incl else size > lo
    below = size <= hi if hi_incl else size < hi
    return above and below


def _check_snippets(specialty: str, snippets: list[GuidelineSnippet]) -> None:
    seen: set[str] = set()
    for s in snippets:
        if not isinstance(s, GuidelineSnippet):
            raise DataError(f"expected GuidelineSnippet objects, got {type(s).__name__}")
        if s.specialty != specialty:
            raise DataError(f"snippet {s.id!r} belongs to {s.specialty!r}, not {specialty!r}")
        if s.id in seen:
            raise DataError(f"duplicate guideline snippet id {s.id!r} for {specialty!r}")
        seen.add(s.id)


def _records(
    snippets: list[GuidelineSnippet], hashes: dict[str, str]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Records for ``snippets``: one main record (``<id>``) and one per keyword (``<id>#kw<i>``)."""
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, Any]] = []
    for s in snippets:
        common: dict[str, Any] = {
            "snippet_id": s.id,
            "specialty": s.specialty,
            "snippet_sha256": hashes[s.id],
            "all_regions": not s.regions,
            "all_templates": not s.template_ids,
        }
        # chromadb rejects empty lists as metadata values: the all_* flags stand for "every one".
        if s.regions:
            common["regions"] = list(s.regions)
        if s.template_ids:
            common["template_ids"] = list(s.template_ids)
        band = size_band(s.keywords)
        if band:
            common["size_band"] = band
        ids.append(s.id)
        texts.append(embedding_text(s))
        metas.append(
            {**common, "kind": "snippet", "source": s.source, "snippet_json": s.model_dump_json(),
             "keyword_count": len(s.keywords)}
        )
        for i, keyword in enumerate(s.keywords):
            ids.append(f"{s.id}{_KW_SEP}{i}")
            texts.append(keyword)
            metas.append({**common, "kind": "keyword", "keyword": keyword})
    return ids, texts, metas


def _collection_metadata(specialty: str, digest: str, model_id: str, count: int, records: int) -> dict[str, Any]:
    return {
        "specialty": specialty,
        "corpus_sha256": digest,
        "embedder": model_id,
        "index_format": INDEX_FORMAT,
        "snippet_count": count,
        "record_count": records,
        "synced_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "generator": "pixtralogist.core.retrieval",
    }


def _snippet_from_metadata(meta: dict[str, Any] | None) -> GuidelineSnippet:
    if not meta or "snippet_json" not in meta:
        raise DataError("a guideline record has no stored snippet: drop the collection and sync again")
    return GuidelineSnippet.model_validate(json.loads(meta["snippet_json"]))


def _where(region: str | None, template_id: str | None) -> dict[str, Any] | None:
    clauses = []
    if region is not None:
        clauses.append({"$or": [{"regions": {"$contains": region}}, {"all_regions": True}]})
    if template_id is not None:
        clauses.append({"$or": [{"template_ids": {"$contains": template_id}}, {"all_templates": True}]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
