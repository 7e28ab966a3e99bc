"""A case's images, stored once beside its checkpoints and referenced from the agent's state.

The agent checkpoints its whole state after every step (about seven per draft). With the study's
display PNGs inside the state, every step serialised and wrote them again, and a sign-off's
compaction deleted them again: most of a draft's checkpoint bytes and a third of a sign-off's CPU.
So the service stores each image once here, content-addressed by the SHA-256 of its PNG, before the
case's first checkpoint, and the state holds the case without its pixels: each image's ``png`` is
empty and its ``meta.sha256`` (which ingestion sets to that digest) names it (:meth:`ImageStore.detach`;
an image whose ``meta.sha256`` is not its digest keeps its pixels in the state). The agent gives
plugins and callers the whole case back (:meth:`ImageStore.attach`).

The table lives in the checkpointer's database (SQLite ``agent.sqlite`` or PostgreSQL), on the
checkpointer's connection and lock, like the case list: a case's checkpoints and its images are
kept, backed up and moved together. An image is committed (durably: the connection's
``synchronous=FULL``) before any checkpoint refers to it, so a crash leaves at worst an image no
checkpoint names, never a reference without its image. Compaction deletes checkpoints, never
images: a signed case keeps the images its exports and its audit need.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from pixtralogist.core.models import Case

__all__ = ["CACHE_BYTES", "ImageStore", "digest"]

log = logging.getLogger(__name__)

#: Bytes of PNG kept in memory (least recently used out): the images of the cases being worked on,
#: so the steps of a draft, a save or a sign-off read none back from the database.
CACHE_BYTES = 64 * 1024 * 1024

_DDL = {
    "sqlite": "CREATE TABLE IF NOT EXISTS pixtralogist_images (sha256 TEXT PRIMARY KEY, case_id TEXT NOT NULL, "
              "png BLOB NOT NULL)",
    "postgres": "CREATE TABLE IF NOT EXISTS pixtralogist_images (sha256 TEXT PRIMARY KEY, case_id TEXT NOT NULL, "
                "png BYTEA NOT NULL)",
}


def digest(png: bytes) -> str:
    """The key of an image: the SHA-256 of its PNG bytes (hex)."""
    return hashlib.sha256(png).hexdigest()


class ImageStore:
    """Content-addressed PNGs in the ``pixtralogist_images`` table (SQL shared by SQLite and PostgreSQL).

    Thread-safe: statements run under the checkpointer's lock (one transaction at a time on its
    connection). ``case_id`` names the case that stored an image first (what a case's storage is
    counted by; an image two cases share is stored once).
    """

    def __init__(self, conn: Any, *, kind: str, lock: Any = None, cache_bytes: int = CACHE_BYTES) -> None:
        self._conn = conn
        self._kind = kind
        self._lock = lock if lock is not None else threading.Lock()
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cached = 0
        self._cache_bytes = cache_bytes
        self._cache_lock = threading.Lock()
        self._exec(_DDL[kind])

    @classmethod
    def sqlite(cls, conn: Any, lock: Any = None) -> "ImageStore":
        """On the SQLite connection of the checkpointer; pass the checkpointer's ``lock``."""
        return cls(conn, kind="sqlite", lock=lock)

    @classmethod
    def postgres(cls, conn: Any, lock: Any = None) -> "ImageStore":
        """On the checkpointer's autocommit psycopg connection; pass the checkpointer's ``lock``."""
        return cls(conn, kind="postgres", lock=lock)

    def _exec(self, sql: str, args: tuple = ()) -> list:
        if self._kind == "postgres":
            sql = sql.replace("?", "%s")
        with self._lock:
            if self._kind == "sqlite" and self._conn.in_transaction:
                self._conn.commit()  # the sqlite3 module's implicit transaction of an earlier read
            cur = self._conn.execute(sql, args)
            rows = cur.fetchall() if cur.description else []
            if self._kind == "sqlite":
                self._conn.commit()
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

    # -- the cache ---------------------------------------------------------------------------

    def _keep(self, key: str, png: bytes) -> None:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return
            self._cache[key] = png
            self._cached += len(png)
            while self._cached > self._cache_bytes and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._cached -= len(old)

    def _cached_png(self, key: str) -> bytes | None:
        with self._cache_lock:
            png = self._cache.get(key)
            if png is not None:
                self._cache.move_to_end(key)
            return png

    # -- images --------------------------------------------------------------------------------

    def put(self, case_id: str, pngs: Sequence[bytes]) -> list[str]:
        """Store ``pngs`` (each once: an image stored before is not written again) and return their
        digests, in order. Committed when this returns."""
        keys = [digest(p) for p in pngs]
        if keys:
            sql = "INSERT INTO pixtralogist_images (sha256, case_id, png) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING"
            with self._lock:  # one transaction for the case's images
                if self._kind == "sqlite":
                    if self._conn.in_transaction:
                        self._conn.commit()
                    for key, png in zip(keys, pngs):
                        self._conn.execute(sql, (key, case_id, png))
                    self._conn.commit()
                else:
                    with self._conn.transaction():
                        for key, png in zip(keys, pngs):
                            self._conn.execute(sql.replace("?", "%s"), (key, case_id, png))
        for key, png in zip(keys, pngs):
            self._keep(key, bytes(png))
        return keys

    def find(self, key: str) -> bytes | None:
        """The PNG stored under ``key``, or None."""
        png = self._cached_png(key)
        if png is not None:
            return png
        rows = self._exec("SELECT png FROM pixtralogist_images WHERE sha256 = ?", (key,))
        if not rows:
            return None
        png = bytes(rows[0][0])
        self._keep(key, png)
        return png

    def bytes_of(self, case_ids: Iterable[str] | None = None) -> int:
        """Bytes of stored PNGs (of the images ``case_ids`` stored first; all when None)."""
        if case_ids is None:
            return int(self._exec("SELECT coalesce(sum(length(png)), 0) FROM pixtralogist_images")[0][0])
        total = 0
        for case_id in case_ids:
            total += int(self._exec("SELECT coalesce(sum(length(png)), 0) FROM pixtralogist_images WHERE case_id = ?",
                                    (case_id,))[0][0])
        return total

    # -- cases -----------------------------------------------------------------------------------

    def detach(self, case: Case) -> Case:
        """Store ``case``'s images and return the case without their pixels, for the agent's state.

        An image is referred to by its ``meta.sha256`` (what ingestion sets: the SHA-256 of the display
        PNG) and its ``png`` left empty; an image whose ``meta.sha256`` is not its PNG's digest keeps its
        pixels in the case (it would not be found again).
        """
        if not case.images:
            return case
        pngs = [img.png for img in case.images]
        keys = self.put(case.id, pngs)
        images = [img.model_copy(update={"png": b""}) if img.png and key == img.meta.sha256 else img
                  for img, key in zip(case.images, keys)]
        return case.model_copy(update={"images": images})

    def attach(self, case: Case) -> Case:
        """``case`` with its images' pixels put back (:meth:`detach`). An image with pixels (as the
        checkpoints written before this store hold them) is left as it is."""
        if all(img.png for img in case.images):
            return case
        images = []
        for img in case.images:
            png = None if img.png else self.find(img.meta.sha256)
            if png is None:
                if not img.png:  # started without pixels, or a damaged store: the plugins see no image
                    log.warning("case %s: an image has no pixels in the case store", case.id)
                images.append(img)
            else:
                images.append(img.model_copy(update={"png": png}))
        return case.model_copy(update={"images": images})
