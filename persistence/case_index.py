"""The case list beside the checkpoints: one row per case, for listing and reopening.

The checkpointer holds the truth (every step of every case); this index only
makes the list fast. It lives in the same database as the checkpoints (SQLite
or PostgreSQL), so a case and its list entry are on the same server.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CaseIndex", "CaseSummary", "TurnStatus"]

#: Where a case stands (the agent's turn statuses).
TurnStatus = Literal["choose_specialty", "review", "signed", "error"]


class CaseSummary(BaseModel):
    """One row of the case list."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    status: TurnStatus
    specialty: str | None = None
    indication: str = ""
    updated_at: datetime | None = None

_DDL = """
CREATE TABLE IF NOT EXISTS pixtralogist_cases (
    case_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    specialty TEXT,
    indication TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""

_UPSERT = (
    "INSERT INTO pixtralogist_cases (case_id, status, specialty, indication, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(case_id) DO UPDATE SET status=excluded.status, "
    "specialty=COALESCE(excluded.specialty, pixtralogist_cases.specialty), updated_at=excluded.updated_at"
)


class CaseIndex:
    """Thread-safe access to the ``pixtralogist_cases`` table (SQL shared by SQLite and PostgreSQL)."""

    def __init__(self, conn: Any, *, placeholder: str, commit: bool, lock: Any = None) -> None:
        self._conn = conn
        self._ph = placeholder
        self._commit = commit
        #: the checkpointer's own lock when the connection is shared with it (one transaction at a time)
        self._lock = lock if lock is not None else threading.Lock()
        self._exec(_DDL)

    @classmethod
    def sqlite(cls, conn: Any, lock: Any = None) -> "CaseIndex":
        """On the SQLite connection of the checkpointer; pass the checkpointer's ``lock``."""
        return cls(conn, placeholder="?", commit=True, lock=lock)

    @classmethod
    def postgres(cls, conn: Any, lock: Any = None) -> "CaseIndex":
        """On the checkpointer's autocommit psycopg connection; pass the checkpointer's ``lock``."""
        return cls(conn, placeholder="%s", commit=False, lock=lock)

    def _exec(self, sql: str, args: tuple = ()) -> list:
        if self._ph != "?":
            sql = sql.replace("?", self._ph)
        with self._lock:
            cur = self._conn.execute(sql, args)
            rows = cur.fetchall() if cur.description else []
            if self._commit:
                self._conn.commit()
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

    def upsert(self, case_id: str, status: str, specialty: str | None, indication: str = "") -> None:
        now = datetime.now(timezone.utc).isoformat()
        self._exec(_UPSERT, (case_id, status, specialty, (indication or "")[:200], now, now))

    def status(self, case_id: str) -> str | None:
        rows = self._exec("SELECT status FROM pixtralogist_cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    def version(self) -> str:
        """A tag that changes whenever the list does (a case added, or one's status changed): the number
        of cases and the latest change. Cheap (one aggregate row), so the app asks it each turn and
        sends the list again only when the tag moved."""
        rows = self._exec("SELECT COUNT(*), MAX(updated_at) FROM pixtralogist_cases")
        count, latest = rows[0] if rows else (0, None)
        return f"{count}:{latest or ''}"

    def list(self, limit: int = 200) -> list[CaseSummary]:
        rows = self._exec("SELECT case_id, status, specialty, indication, updated_at FROM pixtralogist_cases "
                          "ORDER BY updated_at DESC LIMIT ?", (int(limit),))
        return [CaseSummary(case_id=r[0], status=r[1], specialty=r[2], indication=r[3],
                            updated_at=datetime.fromisoformat(r[4])) for r in rows]
