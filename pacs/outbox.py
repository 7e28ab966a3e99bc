"""The durable outbox of signed reports waiting to be filed.

One row per (target, key): ``target`` is ``pacs`` (a DICOM SR, stored with STOW-RS or C-STORE) or
``fhir`` (a FHIR R4 DiagnosticReport); ``key`` is the SR's SOP Instance UID, the report's identity on
both targets. The payload is written once, when the report is queued, so every retry sends the same
bytes with the same UID: a retry can never file a second, different report. A row is queued in the
same transaction that records it; it leaves the ``waiting`` state only when the target confirmed it
(``filed``). Failures count tries, keep the last error (no patient data: the targets' own short
messages) and wait with exponential backoff.

Its own SQLite file (``pacs-outbox.sqlite``, owner-only: the SRs carry patient identity).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pixtralogist.pacs.db import open_private

__all__ = ["OUTBOX_FILE", "Outbox", "OutboxItem", "backoff"]

OUTBOX_FILE = "pacs-outbox.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('pacs', 'fhir')),
    key TEXT NOT NULL,
    study_uid TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    payload BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'filed')),
    tries INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt REAL NOT NULL DEFAULT 0,
    queued_at REAL NOT NULL,
    filed_at REAL,
    UNIQUE (target, key),
    UNIQUE (case_id, target, signed_at)
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt);
"""


def backoff(tries: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``tries``-th failure: base, 2 base, 4 base ... at most ``cap``."""
    return min(cap, base * (2 ** max(0, tries - 1)))


@dataclass(frozen=True)
class OutboxItem:
    id: int
    case_id: str
    target: str
    key: str
    study_uid: str
    signed_at: str
    payload: bytes
    state: str
    tries: int
    last_error: str | None
    next_attempt: float
    queued_at: float
    filed_at: float | None


_COLUMNS = ("id, case_id, target, key, study_uid, signed_at, payload, state, tries, last_error, next_attempt, "
            "queued_at, filed_at")


class Outbox:
    """Thread-safe; several processes may share the file (SQLite's locking, one transaction per change)."""

    def __init__(self, conn, path: Path | None) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path | None) -> "Outbox":
        p = Path(path) if path is not None else None
        return cls(open_private(p, schema=_SCHEMA, what="PACS outbox"), p)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def queue(self, *, case_id: str, target: str, key: str, study_uid: str, signed_at: str, payload: bytes,
              now: float | None = None) -> bool:
        """Queue one report; False (and nothing changed) when this case's signed report is already queued
        for ``target``, or ``key`` is: queuing twice never files twice."""
        now = time.time() if now is None else now
        with self._lock, self._conn:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO outbox (case_id, target, key, study_uid, signed_at, payload, queued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (case_id, target, key, study_uid, signed_at, payload, now))
            return cur.rowcount > 0

    def due(self, now: float | None = None, limit: int = 50) -> list[OutboxItem]:
        """Waiting items whose next attempt is due, oldest first."""
        now = time.time() if now is None else now
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = 'waiting' AND next_attempt <= ? "
                "ORDER BY queued_at, id LIMIT ?", (now, limit)).fetchall()
        return [OutboxItem(*r) for r in rows]

    def mark_filed(self, item_id: int, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._lock, self._conn:
            self._conn.execute("UPDATE outbox SET state = 'filed', filed_at = ?, last_error = NULL WHERE id = ?",
                               (now, item_id))

    def mark_failed(self, item_id: int, error: str, *, base: float, cap: float, now: float | None = None) -> int:
        """Count a failed try and schedule the next one; returns the number of tries so far."""
        now = time.time() if now is None else now
        with self._lock, self._conn:
            tries = self._conn.execute("SELECT tries FROM outbox WHERE id = ?", (item_id,)).fetchone()[0] + 1
            self._conn.execute("UPDATE outbox SET tries = ?, last_error = ?, next_attempt = ? WHERE id = ?",
                               (tries, error[:300], now + backoff(tries, base, cap), item_id))
        return tries

    def retry_now(self, case_id: str | None = None) -> int:
        """Make waiting items due now (all, or one case's); returns how many."""
        with self._lock, self._conn:
            if case_id is None:
                return self._conn.execute("UPDATE outbox SET next_attempt = 0 WHERE state = 'waiting'").rowcount
            return self._conn.execute("UPDATE outbox SET next_attempt = 0 WHERE state = 'waiting' AND case_id = ?",
                                      (case_id,)).rowcount

    def items(self, case_id: str | None = None) -> list[OutboxItem]:
        with self._lock:
            if case_id is None:
                rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox ORDER BY id").fetchall()
            else:
                rows = self._conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE case_id = ? ORDER BY id",
                                          (case_id,)).fetchall()
        return [OutboxItem(*r) for r in rows]

    def status(self, case_id: str) -> str | None:
        """What the case shows: ``filed``, ``waiting to file (n tries, last error: ...)``, or None (nothing queued)."""
        items = self.items(case_id)
        if not items:
            return None
        waiting = [i for i in items if i.state == "waiting"]
        if not waiting:
            return "filed"
        parts = []
        for i in waiting:
            where = "PACS" if i.target == "pacs" else "FHIR server"
            tries = f"{i.tries} {'try' if i.tries == 1 else 'tries'}"
            parts.append(f"{where}: {tries}" + (f", last error: {i.last_error}" if i.last_error else ""))
        return "waiting to file (" + "; ".join(parts) + ")"

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        return {state: n for state, n in rows}
