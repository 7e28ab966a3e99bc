"""Durable SQLite connections: the settings every store of the app uses."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pixtralogist.core.errors import DataError

__all__ = ["open_durable"]


def open_durable(path: str | Path | None, *, schema: str = "", what: str = "database",
                 isolation_level: str | None = "") -> sqlite3.Connection:
    """A connection to ``path`` (created with its folder if absent; ``None`` means in memory)
    in WAL mode with ``synchronous=FULL`` (a committed edit or sign-off survives a crash or a power
    cut) and a 10 s busy timeout, shareable between threads (callers serialise with a lock).

    :param schema: SQL script run once the connection is open (``CREATE ... IF NOT EXISTS``).
    :param what: what the file is, for the error message.
    :param isolation_level: ``None`` for autocommit with explicit transactions; ``""`` (default)
        for the sqlite3 module's implicit transactions.
    :raises DataError: the file is not a database or cannot be opened.
    """
    p = Path(path) if path is not None else None
    if p is not None:
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(str(p) if p else ":memory:", check_same_thread=False, isolation_level=isolation_level)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        if schema:
            conn.executescript(schema)
    except sqlite3.DatabaseError as exc:
        raise DataError(f"cannot open the {what} at {p}: {exc}") from exc
    return conn
