"""The audit log: who drafted, edited and signed which case, and when.

Append-only by construction. The log is one SQLite table whose triggers abort
every ``UPDATE`` and ``DELETE``, and every row carries a SHA-256 chained over
the previous row's hash, so :meth:`AuditLog.verify` also notices rows removed
or altered by tools that bypass the triggers (for example a dropped table
rebuilt by hand).

What goes in: the time (UTC), the actor (the logged-in user, or ``'local'``
when the app runs without a login or from the CLI), the action, the case id and
a few non-clinical details (region name, status, the name given at sign-off).
What never goes in: notes, report text, file names or any image metadata, so
the log carries no patient data.

>>> log = AuditLog.open(data_dir / "audit.sqlite")               # doctest: +SKIP
>>> with acting_as("dr_a"):                                         # doctest: +SKIP
...     log.record("sign", case_id, signed_by="Dr A. Example")
>>> [e.action for e in log.events(case_id)]                         # doctest: +SKIP
['draft', 'edit_region', 'sign']
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import DataError

__all__ = ["ACTIONS", "LOCAL_ACTOR", "AuditEvent", "AuditLog", "acting_as", "current_actor"]

#: The actor recorded when nobody is logged in (local app without a login, the CLI, scripts).
LOCAL_ACTOR = "local"

#: The actions the service records.
ACTIONS = ("draft", "choose_specialty", "message", "edit_region", "edit_impression", "sign",
           # the learning loop (pixtralogist.finetune.learn): case id "adapter:<plugin>/<version>"
           "learn_decision", "adapter_live_check", "adapter_rollback")

#: Detail keys that may be stored; anything else is dropped (keeps clinical text out).
_DETAIL_KEYS = frozenset({"status", "region", "specialty", "signed_by", "edit_id", "error", "images",
                         "recovered", "decision", "figures", "version"})
_MAX_DETAIL = 200

_actor: ContextVar[str | None] = ContextVar("pixtralogist_actor", default=None)

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_case ON audit(case_id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;
"""

_GENESIS = "0" * 64


def current_actor() -> str:
    """The actor of the current context (:func:`acting_as`), or ``'local'``."""
    return _actor.get() or LOCAL_ACTOR


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Record actions in this block (this thread or task) as ``actor``."""
    token = _actor.set((actor or "").strip() or None)
    try:
        yield
    finally:
        _actor.reset(token)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    case_id: str
    detail: dict[str, Any]


def _digest(prev: str, at: str, actor: str, action: str, case_id: str, detail: str) -> str:
    payload = json.dumps([prev, at, actor, action, case_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _clean_detail(detail: dict[str, Any]) -> str:
    kept = {k: str(v)[:_MAX_DETAIL] for k, v in sorted(detail.items()) if k in _DETAIL_KEYS and v is not None}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True)


class AuditLog:
    """Open with :meth:`open`; safe to share between threads (one lock, one connection)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None) -> "AuditLog":
        """The log at ``path`` (created if absent; WAL, synchronous FULL); ``None`` means in memory."""
        from pixtralogist.core.sqlite import open_durable

        p = Path(path) if path is not None else None
        conn = open_durable(p, schema=SCHEMA, what="audit log", isolation_level=None)
        return cls(conn, p)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record(self, action: str, case_id: str, *, actor: str | None = None, **detail: Any) -> AuditEvent:
        """Append one event (one transaction). ``actor`` defaults to :func:`current_actor`."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}; expected one of {', '.join(ACTIONS)}")
        who = (actor or "").strip() or current_actor()
        at = datetime.now(timezone.utc).isoformat()
        body = _clean_detail(detail)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                prev = row[0] if row else _GENESIS
                digest = _digest(prev, at, who, action, case_id, body)
                cur = self._conn.execute(
                    "INSERT INTO audit (at, actor, action, case_id, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (at, who, action, case_id, body, prev, digest),
                )
                seq = cur.lastrowid
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return AuditEvent(seq, datetime.fromisoformat(at), who, action, case_id, json.loads(body))

    def events(self, case_id: str | None = None) -> list[AuditEvent]:
        """Events in the order they were recorded (of one case, or all)."""
        q, args = "SELECT seq, at, actor, action, case_id, detail FROM audit", ()
        if case_id:
            q, args = q + " WHERE case_id = ?", (case_id,)
        with self._lock:
            rows = self._conn.execute(q + " ORDER BY seq", args).fetchall()
        return [AuditEvent(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def verify(self) -> int:
        """Check the hash chain; returns the number of events, raises :class:`DataError` at the first break."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, at, actor, action, case_id, detail, prev_hash, hash FROM audit ORDER BY seq").fetchall()
        prev = _GENESIS
        for seq, at, actor, action, case_id, detail, prev_hash, digest in rows:
            if prev_hash != prev or _digest(prev, at, actor, action, case_id, detail) != digest:
                raise DataError(f"the audit log was altered at event {seq}: its hash chain is broken")
            prev = digest
        return len(rows)
