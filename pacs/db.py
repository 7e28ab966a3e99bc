"""The SQLite opener of the PACS stores: :func:`pixtralogist.persistence.sqlite.open_durable`'s settings
(WAL, ``synchronous=FULL``: a queued report survives a crash or a power cut) in an owner-only file,
since these stores hold patient identity (the outbox's SR payloads, the received studies' headers)."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from pixtralogist.persistence.sqlite import open_durable

__all__ = ["open_private"]

log = logging.getLogger(__name__)


def _tighten(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
        except FileNotFoundError:
            continue


def open_private(path: str | Path | None, *, schema: str, what: str) -> sqlite3.Connection:
    """A durable connection to ``path`` (None: in memory), the file and its WAL created mode 0600."""
    p = Path(path) if path is not None else None
    if p is not None:
        p.parent.mkdir(parents=True, exist_ok=True)
        if not p.exists():
            try:
                os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                pass
    conn = open_durable(p, schema=schema, what=what)
    if p is not None:
        _tighten(p)
    return conn
