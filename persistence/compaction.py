"""Checkpoint compaction: a signed case keeps only its final state in the checkpointer.

LangGraph saves a full checkpoint of a case after every step (about ten per
draft-edit-sign) plus each step's pending writes. A signed case needs none of
that history: its edits and the signed report are in the feedback store, who
did what is in the audit log, and ``get``, the exports, the case list and a
re-opened app read only the *latest* checkpoint. So once a sign-off is complete
:func:`compact_signed` keeps the latest checkpoint of the case's thread (one per
checkpoint namespace) with its own pending writes, and deletes every older
checkpoint and their writes (and, on PostgreSQL, the channel blobs only they
referenced). The kept checkpoint loses its parent link (its parent is gone).

Safe for any thread at rest, open or signed: resuming a paused graph (or
finishing a step a crash cut off) reads the latest checkpoint and its pending
writes only, and both are kept. The caller holds the case's lock
(:mod:`pixtralogist.agents.case_lock`), so no run appends to the thread meanwhile.
Threads whose graph uses a LangGraph ``DeltaChannel`` (values rebuilt from older
checkpoints) are refused; the agent's state uses none.

One transaction per thread: SQLite ``BEGIN IMMEDIATE`` ... ``COMMIT`` on the
checkpointer's own connection and lock; PostgreSQL through LangGraph's
``PostgresSaver.prune(strategy="keep_latest")`` (one snapshot-isolated
transaction per thread). A process killed during compaction leaves the thread
exactly as before it (the transaction never committed); running it again is safe.

SQLite space (the VACUUM policy): deleted rows free pages inside the file, which
later checkpoints reuse, so a data directory stops growing once signed cases are
compacted. New ``agent.sqlite`` files are created with ``auto_vacuum=INCREMENTAL``
(:func:`prepare_new_sqlite`); after a compaction, free pages beyond
:data:`FREE_PAGES_KEPT` (slack kept for the next cases' checkpoints) go back to the
operating system with ``PRAGMA incremental_vacuum`` (:func:`reclaim_space`), so the
file also shrinks. A file created before this (``auto_vacuum=NONE``) still reuses
its free pages; ``pixtralogist maintenance compact --vacuum`` rewrites it once
(``VACUUM``) into incremental mode.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from pixtralogist.core.errors import DataError

__all__ = ["FREE_PAGES_KEPT", "Compaction", "SpaceReport", "checkpoint_bytes", "compact_signed",
           "compact_signed_cases", "compact_thread", "prepare_new_sqlite", "reclaim_space", "signed_case_ids",
           "thread_ids", "vacuum_to_incremental"]

log = logging.getLogger(__name__)

#: Free SQLite pages (4 KiB each: 1 MiB) left in the file after a compaction, for the next cases' checkpoints
#: to reuse without growing the file; the excess is returned to the operating system.
FREE_PAGES_KEPT = 256

# Metadata keys LangGraph writes for threads whose graph uses a DeltaChannel (see PostgresSaver.prune).
_DELTA_MARKERS = ("counters_since_delta_snapshot", "delta_writes_versioned")


@dataclass(frozen=True)
class Compaction:
    """What one compaction removed from a thread (all zero when it was already compact)."""

    thread_id: str
    checkpoints_before: int
    checkpoints_after: int
    writes_before: int
    writes_after: int

    @property
    def changed(self) -> bool:
        return (self.checkpoints_before, self.writes_before) != (self.checkpoints_after, self.writes_after)


@dataclass(frozen=True)
class SpaceReport:
    """The SQLite file's page accounting after :func:`reclaim_space`."""

    auto_vacuum: str  #: "none", "full" or "incremental"
    free_pages: int
    pages_released: int


def _kind(saver: Any) -> str:
    name = type(saver).__name__
    if name == "SqliteSaver":
        return "sqlite"
    if name == "PostgresSaver":
        return "postgres"
    raise DataError(f"checkpoint compaction does not know the {name} checkpointer")


def _saver(store_or_saver: Any) -> Any:
    return getattr(store_or_saver, "saver", store_or_saver)


# --- counting ---------------------------------------------------------------------------------

_TABLES = {"sqlite": ("checkpoints", "writes"), "postgres": ("checkpoints", "checkpoint_writes")}


def _count(saver: Any, thread_id: str) -> tuple[int, int]:
    kind = _kind(saver)
    ph = "?" if kind == "sqlite" else "%s"
    out = []
    with saver.lock:
        for table in _TABLES[kind]:
            row = saver.conn.execute(f"SELECT count(*) AS n FROM {table} WHERE thread_id = {ph}",
                                     (thread_id,)).fetchone()
            out.append(int(row["n"] if isinstance(row, dict) else row[0]))
        if kind == "sqlite":
            saver.conn.commit()  # end the read transaction the sqlite3 module may hold
    return out[0], out[1]


def checkpoint_bytes(store_or_saver: Any, thread_ids: Iterable[str] | None = None) -> int:
    """Bytes of checkpoint rows (checkpoints, pending writes and, on PostgreSQL, channel blobs) of
    ``thread_ids`` (every thread when None): payload columns only, without the engine's page overhead.
    Given a :class:`~pixtralogist.persistence.checkpoints.CheckpointStore`, the PNGs of the cases' images
    (kept beside the checkpoints, :mod:`pixtralogist.persistence.images`) are counted too."""
    images = getattr(store_or_saver, "images", None)
    if images is not None:
        ids = None if thread_ids is None else list(thread_ids)
        return checkpoint_bytes(_saver(store_or_saver), ids) + images.bytes_of(ids)
    saver = _saver(store_or_saver)
    kind = _kind(saver)
    if kind == "sqlite":
        parts = [("checkpoints", "coalesce(length(checkpoint),0) + coalesce(length(metadata),0)"),
                 ("writes", "coalesce(length(value),0)")]
        length = "?"
    else:
        parts = [("checkpoints", "pg_column_size(checkpoint) + pg_column_size(metadata)"),
                 ("checkpoint_writes", "coalesce(octet_length(blob),0)"),
                 ("checkpoint_blobs", "coalesce(octet_length(blob),0)")]
        length = "%s"
    ids = None if thread_ids is None else list(thread_ids)
    total = 0
    with saver.lock:
        for table, expr in parts:
            if ids is None:
                row = saver.conn.execute(f"SELECT coalesce(sum({expr}),0) AS n FROM {table}").fetchone()
                total += int(row["n"] if isinstance(row, dict) else row[0])
                continue
            for tid in ids:
                row = saver.conn.execute(f"SELECT coalesce(sum({expr}),0) AS n FROM {table} "
                                         f"WHERE thread_id = {length}", (tid,)).fetchone()
                total += int(row["n"] if isinstance(row, dict) else row[0])
        if kind == "sqlite":
            saver.conn.commit()
    return total


def thread_ids(store_or_saver: Any) -> list[str]:
    """Every thread (case) with a checkpoint."""
    saver = _saver(store_or_saver)
    with saver.lock:
        rows = saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints").fetchall()
        if _kind(saver) == "sqlite":
            saver.conn.commit()
    return [r["thread_id"] if isinstance(r, dict) else r[0] for r in rows]


def signed_case_ids(store: Any) -> list[str]:
    """The cases the case list shows as signed (``store`` is a
    :class:`~pixtralogist.persistence.checkpoints.CheckpointStore`)."""
    return [s.case_id for s in store.cases.list(limit=10_000_000) if s.status == "signed"]


# --- compaction --------------------------------------------------------------------------------


def compact_thread(store_or_saver: Any, thread_id: str) -> Compaction:
    """Keep the latest checkpoint of ``thread_id`` (per namespace) with its pending writes; delete the
    rest, in one transaction. Idempotent. The caller holds the case's lock.

    :raises DataError: the thread's graph uses a DeltaChannel, or the checkpointer is not SQLite or PostgreSQL.
    """
    saver = _saver(store_or_saver)
    kind = _kind(saver)
    before = after = _count(saver, thread_id)
    if before[0] > 1 or before[1] > 0:
        (_compact_sqlite if kind == "sqlite" else _compact_postgres)(saver, thread_id)
        after = _count(saver, thread_id)
    return Compaction(thread_id, before[0], after[0], before[1], after[1])


@contextmanager
def _no_fsync(conn: sqlite3.Connection) -> Iterator[None]:
    """``synchronous=NORMAL`` for the block (the caller holds the saver's lock): in WAL mode a commit is
    then atomic and never corrupts, but not forced to disk until the next durable commit. A compaction
    lost to a power cut only brings the deleted history back, so it need not wait for an fsync."""
    was = conn.execute("PRAGMA synchronous").fetchone()[0]
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA synchronous={int(was)}")


def _compact_sqlite(saver: Any, thread_id: str) -> None:
    conn: sqlite3.Connection = saver.conn
    with saver.lock:
        if conn.in_transaction:  # the sqlite3 module's implicit transaction of an earlier read
            conn.commit()
        with _no_fsync(conn):
            _delete_in_one_transaction(conn, thread_id)


def _delete_in_one_transaction(conn: sqlite3.Connection, thread_id: str) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        _delete_superseded(conn, thread_id)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _delete_superseded(conn: sqlite3.Connection, thread_id: str) -> None:
    """The deletes of one thread, inside the caller's transaction (mirrors PostgresSaver's keep_latest)."""
    delta = conn.execute(
        "SELECT 1 FROM checkpoints WHERE thread_id = ? AND (" +
        " OR ".join("instr(CAST(metadata AS TEXT), ?) > 0" for _ in _DELTA_MARKERS) + ") LIMIT 1",
        (thread_id, *_DELTA_MARKERS)).fetchone()
    if delta:
        raise DataError(f"thread {thread_id!r} uses a DeltaChannel; compacting it would lose state")
    heads = conn.execute("SELECT checkpoint_ns, max(checkpoint_id) FROM checkpoints WHERE thread_id = ? "
                         "GROUP BY checkpoint_ns", (thread_id,)).fetchall()
    for ns, head in heads:
        args = (thread_id, ns, head)
        conn.execute("DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id IN "
                     "(SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                     "AND checkpoint_id <> ?)", (thread_id, ns, *args))
        conn.execute("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id <> ?", args)
        conn.execute("UPDATE checkpoints SET parent_checkpoint_id = NULL WHERE thread_id = ? AND checkpoint_ns = ? "
                     "AND checkpoint_id = ?", args)


def _compact_postgres(saver: Any, thread_id: str) -> None:
    try:
        saver.prune([thread_id], strategy="keep_latest")
    except NotImplementedError as exc:  # a DeltaChannel thread
        raise DataError(f"thread {thread_id!r} uses a DeltaChannel; compacting it would lose state") from exc


def compact_signed(store: Any, case_id: str) -> Compaction | None:
    """After a completed sign-off: compact the case's thread and return SQLite's excess free pages to the
    system. Never raises (a failure is logged with the case id only and the thread stays as it was);
    None when it failed or when ``store.compaction`` is off."""
    if not getattr(store, "compaction", True):
        return None
    try:
        result = compact_thread(store, case_id)
        if result.changed and _kind(store.saver) == "sqlite":
            reclaim_space(store, keep=FREE_PAGES_KEPT)
        return result
    except Exception:  # noqa: BLE001 - the sign-off stands; `pixtralogist maintenance compact` retries
        log.exception("case %s: checkpoint compaction failed; the case is kept uncompacted", case_id)
        return None


def _latest_is_signed(saver: Any, case_id: str) -> bool:
    tup = saver.get_tuple({"configurable": {"thread_id": case_id, "checkpoint_ns": ""}})
    draft = (tup.checkpoint.get("channel_values") or {}).get("draft") if tup is not None else None
    status = draft.get("status") if isinstance(draft, dict) else getattr(draft, "status", None)  # old: JSON
    return status == "signed"


def compact_signed_cases(store: Any, hold: Callable[[str], AbstractContextManager] | None = None
                         ) -> tuple[list[Compaction], list[str]]:
    """Compact every case the case list shows as signed and whose latest checkpoint holds a signed draft
    (a data directory from before compaction, or a case whose compaction failed). Idempotent.

    :param hold: the case lock (``CaseLocks.hold``) taken around each case, so a running app never acts on
        a case while it is compacted.
    :returns: the compactions, and the case ids skipped (the case list says signed, the checkpoint does not:
        the app's recovery reconciles those at its next start).
    """
    done: list[Compaction] = []
    skipped: list[str] = []
    for case_id in signed_case_ids(store):
        with (hold(case_id) if hold is not None else nullcontext()):
            if not _latest_is_signed(store.saver, case_id):
                skipped.append(case_id)
                continue
            done.append(compact_thread(store, case_id))
    return done, skipped


# --- SQLite space ------------------------------------------------------------------------------

_AUTO_VACUUM = {0: "none", 1: "full", 2: "incremental"}


def prepare_new_sqlite(conn: sqlite3.Connection) -> None:
    """Make a new, empty SQLite database incremental-vacuum (before any table is created; WAL mode has
    already written its header, so an empty ``VACUUM`` applies the setting). A file with tables is left as is."""
    if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        return
    if conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        if conn.in_transaction:
            conn.commit()
        conn.execute("VACUUM")


def reclaim_space(store_or_saver: Any, *, keep: int = 0) -> SpaceReport:
    """Return SQLite free pages beyond ``keep`` to the operating system (``PRAGMA incremental_vacuum``;
    nothing happens on a file in ``auto_vacuum=NONE``). The file shrinks at the next WAL checkpoint."""
    saver = _saver(store_or_saver)
    conn: sqlite3.Connection = saver.conn
    with saver.lock:
        mode = _AUTO_VACUUM.get(conn.execute("PRAGMA auto_vacuum").fetchone()[0], "none")
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        released = 0
        if mode == "incremental" and free > keep:
            if conn.in_transaction:
                conn.commit()
            with _no_fsync(conn):  # executescript steps the pragma to the end (execute frees one page a step)
                conn.executescript(f"PRAGMA incremental_vacuum({int(free - keep)})")
            left = conn.execute("PRAGMA freelist_count").fetchone()[0]
            released, free = free - left, left
        if conn.in_transaction:
            conn.commit()
    return SpaceReport(mode, free, released)


def vacuum_to_incremental(store_or_saver: Any) -> SpaceReport:
    """Rewrite the SQLite file once (``VACUUM``) in ``auto_vacuum=INCREMENTAL`` mode, dropping every free
    page. Holds the database's write lock for the whole rewrite and needs free disk space about the
    file's size: run it while the app is stopped."""
    saver = _saver(store_or_saver)
    conn: sqlite3.Connection = saver.conn
    with saver.lock:
        if conn.in_transaction:
            conn.commit()
        conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        try:
            conn.execute("VACUUM")
        except sqlite3.OperationalError as exc:
            raise DataError(f"cannot VACUUM the case store ({exc}); stop the app and try again") from exc
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return reclaim_space(saver)
