"""The identity store: patient and study identity by case id, apart from the case.

See :mod:`pixtralogist.core.identity` for what it holds and why. The store is its own
SQLite file (``identity.sqlite`` under ``$PIXTRALOGIST_HOME``), created owner-only (0600,
its WAL and shared-memory files too), or the ``identity`` table of the site's shared
PostgreSQL database (its research secret is then made once for all servers).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pixtralogist.core.errors import DataError
from pixtralogist.core.identity import CaseIdentity

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.persistence.database import Database

log = logging.getLogger(__name__)

# --- the store -----------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS identity (
    case_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS secret (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""
_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS identity (
    case_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
);
CREATE TABLE IF NOT EXISTS secret (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
"""
_OWNER_ONLY = 0o600


def _owner_only(path: Path) -> None:
    """Create ``path`` with mode 0600 if absent; tighten it (and its WAL/SHM files) when broader."""
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _OWNER_ONLY))
        except FileExistsError:  # created meanwhile by another process
            pass
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = p.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode != _OWNER_ONLY:
            log.warning("identity store file %s had mode %o; set to 600 (owner only)", p.name, mode)
            os.chmod(p, _OWNER_ONLY)


class IdentityStore:
    """Patient and study identity by case id, in an owner-only SQLite file. Thread-safe.

    >>> store = IdentityStore.open(home / "identity.sqlite")        # doctest: +SKIP
    >>> store.put(case.id, case_identity(case))                     # doctest: +SKIP
    """

    def __init__(self, db: "Database", path: Path | str | None) -> None:
        self._db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None) -> "IdentityStore":
        """Open (or create, mode 0600) the store at ``path``, a ``postgresql://`` URL (the site's shared
        database), or ``None`` (in memory, tests)."""
        from pixtralogist.persistence.database import Database, is_postgres_url

        if is_postgres_url(path):
            db = Database.open(path, sqlite_schema=_SCHEMA, postgres_schema=_PG_SCHEMA, what="identity store")
            return cls(db, db.where)
        p = Path(path) if path is not None else None
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
            _owner_only(p)
        db = Database.open(p, sqlite_schema=_SCHEMA, postgres_schema=_PG_SCHEMA, what="identity store")
        if p is not None:
            _owner_only(p)  # WAL and shared-memory files now exist
        return cls(db, p)

    def close(self) -> None:
        self._db.close()

    def put(self, case_id: str, identity: CaseIdentity) -> None:
        """File ``identity`` for ``case_id`` (replacing what was there)."""
        record = identity.model_dump_json()
        with self._db.tx() as tx:
            tx.execute("INSERT INTO identity (case_id, record) VALUES (?, ?) "
                       "ON CONFLICT (case_id) DO UPDATE SET record = excluded.record", (case_id, record))

    def get(self, case_id: str) -> CaseIdentity | None:
        """The identity filed for ``case_id``; None when there is none (PNG/JPEG cases, older cases)."""
        row = self._db.one("SELECT record FROM identity WHERE case_id = ?", (case_id,))
        if row is None:
            return None
        try:
            return CaseIdentity.model_validate(json.loads(row[0]))
        except (ValueError, ValidationError):
            raise DataError(f"the identity record of case {case_id} in the identity store is damaged") from None

    def delete(self, case_id: str) -> bool:
        with self._db.tx() as tx:
            return tx.execute("DELETE FROM identity WHERE case_id = ?", (case_id,)).rowcount > 0

    def research_key(self) -> bytes:
        """This installation's secret for research UIDs and pseudonyms (32 random bytes, made once:
        the first server to ask writes it, every other one reads that one)."""
        with self._db.tx() as tx:
            tx.execute("INSERT INTO secret (name, value) VALUES ('research', ?) ON CONFLICT (name) DO NOTHING",
                       (secrets.token_bytes(32),))
            row = tx.execute("SELECT value FROM secret WHERE name = 'research'").fetchone()
        return bytes(row[0])
