"""One SQL connection for a store, on an embedded SQLite file or a shared PostgreSQL database.

Every store of the app (feedback, audit log, identity, case list) speaks the
same small SQL through :class:`Database`: ``?`` placeholders (rewritten to
``%s`` for PostgreSQL), ``INSERT ... ON CONFLICT`` (both engines), and
:meth:`Database.tx` for one transaction (``BEGIN IMMEDIATE`` on SQLite). Only
the schema differs (``BLOB`` / ``BYTEA``, triggers), so each store gives one
DDL script per engine.

A *target* is a path (SQLite, created with its folder; ``None`` means in
memory) or a ``postgresql://`` URL. Schema changes on PostgreSQL run under one
advisory lock, so several app servers starting at once create the tables once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pixtralogist.core.errors import ConfigError, DataError

__all__ = ["Database", "SCHEMA_LOCK", "is_postgres_url", "pg_connect", "redact_url", "schema_lock"]

#: Advisory lock key held while a server creates or migrates tables (one server at a time).
SCHEMA_LOCK = 0x5078_5343  # "PxSC"


def is_postgres_url(target: Any) -> bool:
    return isinstance(target, str) and urlsplit(target).scheme.lower() in ("postgres", "postgresql")


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def pg_connect(url: str, *, what: str = "database", **kwargs: Any):
    """An autocommit psycopg connection to ``url``; :class:`ConfigError` when the driver or server is missing."""
    try:
        import psycopg
    except ImportError as exc:
        raise ConfigError("PostgreSQL storage needs the 'postgres' extra: pip install 'pixtralogist[postgres]'") from exc
    try:
        return psycopg.connect(url, autocommit=True, prepare_threshold=None, connect_timeout=10, **kwargs)
    except psycopg.Error as exc:
        raise ConfigError(f"cannot reach the PostgreSQL {what} at {redact_url(url)}: {type(exc).__name__}") from None


@contextmanager
def schema_lock(conn: Any, timeout: float = 600.0) -> Iterator[None]:
    """Hold :data:`SCHEMA_LOCK` on the autocommit psycopg ``conn`` while the block changes the schema.

    Taken by polling ``pg_try_advisory_lock`` between short statements, never by a blocking wait:
    a server waiting inside a statement is an open transaction, and LangGraph's migrations
    (``CREATE INDEX CONCURRENTLY``) wait for every open transaction, which would deadlock.
    """
    import time

    deadline = time.monotonic() + timeout
    def locked() -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (SCHEMA_LOCK,)).fetchone()
        return bool(row["ok"] if isinstance(row, dict) else row[0])  # tuple or dict rows

    while not locked():
        if time.monotonic() > deadline:
            raise DataError("another server held the schema lock for too long (a migration stuck?)")
        time.sleep(0.1)
    try:
        yield
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


class _Tx:
    """The statements of one transaction (``?`` placeholders)."""

    def __init__(self, db: "Database") -> None:
        self._db = db

    def execute(self, sql: str, args: tuple | list = ()):
        return self._db._raw(sql, args)


class Database:
    """A thread-safe connection (one lock) to SQLite or PostgreSQL. Open with :meth:`open`."""

    def __init__(self, conn: Any, kind: str, where: str) -> None:
        self._conn = conn
        self.kind = kind  #: ``"sqlite"`` or ``"postgres"``
        self.where = where  #: the file or the redacted URL, for messages
        self.lock = threading.RLock()

    @property
    def is_postgres(self) -> bool:
        return self.kind == "postgres"

    @property
    def raw(self) -> Any:
        """The underlying connection (sqlite3 or psycopg); callers hold :attr:`lock`."""
        return self._conn

    @classmethod
    def open(cls, target: str | Path | None, *, sqlite_schema: str, postgres_schema: str,
             what: str = "database") -> "Database":
        """Open ``target`` and create the store's tables if absent.

        :raises ConfigError: PostgreSQL is unreachable or its driver is missing.
        :raises DataError: the SQLite file is not a database.
        """
        if is_postgres_url(target):
            conn = pg_connect(str(target), what=what)
            db = cls(conn, "postgres", redact_url(str(target)))
            try:
                with schema_lock(conn), db.tx():
                    conn.execute(postgres_schema)
            except Exception as exc:
                conn.close()
                raise DataError(f"cannot create the tables of the {what} at {db.where}: {exc}") from exc
            return db
        from pixtralogist.persistence.sqlite import open_durable

        conn = open_durable(target, schema=sqlite_schema, what=what, isolation_level=None)
        return cls(conn, "sqlite", str(target) if target is not None else ":memory:")

    def _raw(self, sql: str, args: tuple | list = ()):
        if self.kind == "postgres":
            return self._conn.execute(sql.replace("?", "%s"), tuple(args)) if args else self._conn.execute(sql)
        return self._conn.execute(sql, tuple(args))

    def execute(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        """Run one statement on its own (autocommit); returns its rows."""
        with self.lock:
            cur = self._raw(sql, args)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    def one(self, sql: str, args: tuple | list = ()) -> tuple | None:
        rows = self.execute(sql, args)
        return rows[0] if rows else None

    @contextmanager
    def tx(self) -> Iterator[_Tx]:
        """One transaction, under the lock: committed when the block ends, rolled back on an exception."""
        with self.lock:
            if self.kind == "postgres":
                with self._conn.transaction():
                    yield _Tx(self)
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Tx(self)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self.lock:
            self._conn.close()
