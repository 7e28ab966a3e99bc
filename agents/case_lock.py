"""One writer per case: across threads, processes and app servers.

Every clinician action on a case (draft, edit, message, sign, and the recovery
a read may run) holds the case's lock for its whole read-modify-write: read
the checkpoint, run the step, write the checkpoint, the case list and the
audit log. Two actions on the same case therefore run one after the other,
whichever server each one reached; the second sees the first's result (and is
refused as stale when its clinician had not seen it: see
:class:`pixtralogist.core.errors.StaleCaseError`).

- one machine (SQLite stores): a ``threading.Lock`` per case in the process,
  and an open-file-description byte-range lock (Linux ``F_OFD_SETLK``) on
  ``<data dir>/cases.lock`` for other processes on the same data directory;
- a shared PostgreSQL database: a session advisory lock keyed by the case id
  (``pg_try_advisory_lock``) on a connection held for the action. PostgreSQL
  releases it when that connection ends, so a server killed mid-action never
  leaves a case locked.

A case still locked after ``timeout`` seconds gives a :class:`CaseBusyError`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import CaseError

__all__ = ["CaseBusyError", "CaseLocks", "case_lock_key"]

#: How long an action waits for another one on the same case before giving up.
DEFAULT_TIMEOUT = 120.0


class CaseBusyError(CaseError):
    """Another action on the same case did not finish in time."""


def case_lock_key(case_id: str) -> int:
    """A signed 64-bit key for ``case_id`` (PostgreSQL advisory locks take a ``bigint``)."""
    return int.from_bytes(hashlib.sha256(case_id.encode("utf-8")).digest()[:8], "big", signed=True)


class CaseLocks:
    """Open with :meth:`open`; :meth:`hold` is a context manager around one action."""

    def __init__(self, *, lock_file: Path | None = None, database: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self._database = database
        self._guard = threading.Lock()
        self._local: dict[int, threading.Lock] = {}
        self._idle: list[Any] = []  # PostgreSQL connections not holding a lock
        self._fd: int | None = None
        if lock_file is not None:
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)

    @classmethod
    def open(cls, data_dir: Path | None, database: str | None = None, *,
             timeout: float = DEFAULT_TIMEOUT) -> "CaseLocks":
        """Advisory locks in ``database`` (a ``postgresql://`` URL), else a lock file in ``data_dir``
        (in-process locks only when both are None)."""
        if database:
            return cls(database=database, timeout=timeout)
        return cls(lock_file=Path(data_dir) / "cases.lock" if data_dir is not None else None, timeout=timeout)

    def _thread_lock(self, key: int) -> threading.Lock:
        with self._guard:
            return self._local.setdefault(key, threading.Lock())

    @contextmanager
    def hold(self, case_id: str) -> Iterator[None]:
        """Hold ``case_id``'s lock for the block (waits up to :attr:`timeout` seconds)."""
        key = case_lock_key(case_id)
        lock = self._thread_lock(key & 0x7FFF_FFFF)  # the byte offset: two ids on one byte share a lock
        if not lock.acquire(timeout=self.timeout):
            raise self._busy(case_id)
        try:
            if self._database:
                with self._advisory(case_id, key):
                    yield
            elif self._fd is not None:
                with self._byte_range(case_id, key):
                    yield
            else:
                yield
        finally:
            lock.release()

    def _busy(self, case_id: str) -> CaseBusyError:
        return CaseBusyError(f"case {case_id} is busy: another action on it (perhaps by a colleague, or on another "
                             f"server) did not finish within {self.timeout:.0f} s. Try again in a moment.")

    @contextmanager
    def _byte_range(self, case_id: str, key: int) -> Iterator[None]:
        offset = key & 0x7FFF_FFFF
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                _ofd_lock(self._fd, fcntl.F_WRLCK, offset)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise self._busy(case_id) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            _ofd_lock(self._fd, fcntl.F_UNLCK, offset)

    def _connection(self) -> Any:
        from pixtralogist.persistence.database import pg_connect

        with self._guard:
            if self._idle:
                return self._idle.pop()
        return pg_connect(self._database, what="case lock database")

    @contextmanager
    def _advisory(self, case_id: str, key: int) -> Iterator[None]:
        conn = self._connection()
        try:
            deadline = time.monotonic() + self.timeout
            while not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise self._busy(case_id)
                time.sleep(0.02)
        except BaseException:
            conn.close()
            raise
        try:
            yield
        finally:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                with self._guard:
                    self._idle.append(conn)
            except Exception:  # noqa: BLE001 - a broken connection: closing it releases the lock
                conn.close()

    def close(self) -> None:
        with self._guard:
            idle, self._idle = self._idle, []
            fd, self._fd = self._fd, None
        for conn in idle:
            conn.close()
        if fd is not None:
            os.close(fd)


def _ofd_lock(fd: int, kind: int, offset: int) -> None:
    """Lock (or unlock) one byte at ``offset`` as an open-file-description lock: unlike POSIX record
    locks it conflicts with another descriptor of the same process too, and is dropped with its
    descriptor (a killed process leaves nothing locked). Raises OSError when another holds it."""
    F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)  # Linux
    fcntl.fcntl(fd, F_OFD_SETLK, struct.pack("hhqqixxxx", kind, os.SEEK_SET, offset, 1, 0))
