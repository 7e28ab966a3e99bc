"""The audit log's seal: its HMAC key and its anchored head, both kept outside the log's database.

Key
    32 random bytes (64 hex characters) in a file only its owner may read.
    Default: ``audit.key`` beside ``audit.sqlite`` (created, mode 0600, the
    first time the log is opened); ``PIXTRALOGIST_AUDIT_KEY_FILE`` names a
    file elsewhere (for example a secret mounted from another account). A key
    file readable or writable by other users is refused, and so is a missing
    key for a log that was already keyed: a silently new key would make every
    earlier event unverifiable.

Anchor
    ``audit.anchor`` beside ``audit.sqlite``: the number of events, the last
    event's sequence number and MAC, how many events predate the keyed chain,
    when the log was keyed and the key's id, all under an HMAC of its own. It
    is replaced atomically (temporary file, fsync, rename, fsync of the
    folder) after each event is committed, while an exclusive ``flock`` on
    ``audit.lock`` is held; readers take the same lock, so they never see the
    log and the anchor half way through a write.

On a shared PostgreSQL database (several app servers, :mod:`pixtralogist.core.storage`)
the key is a secret the site provisions once and mounts on every server
(``PIXTRALOGIST_AUDIT_KEY_FILE``; never created by a server, or two servers
would key one chain differently), and the anchor is the one row of the
``audit_anchor`` table, apart from the log rows and written in the same
transaction as each event under one advisory lock (:class:`DbAnchor`), so a
crash never leaves it behind.

Neither protects against someone who holds the key *and* can write the
files: they can rewrite history and re-seal it. Rolling the database and its
anchor back together to an earlier consistent copy is not detected either
(compare with a head written down elsewhere: ``pixtralogist audit verify --expect``).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from pixtralogist.core.errors import AuditError

__all__ = ["KEY_FILE_ENV", "MAC_PREFIX", "GENESIS", "Anchor", "AnchorFile", "AuditKey", "DbAnchor", "MemoryAnchor",
           "anchor_path_for", "key_path_for", "lock_path_for"]

#: Environment variable naming the key file (default: ``audit.key`` beside the log).
KEY_FILE_ENV = "PIXTRALOGIST_AUDIT_KEY_FILE"
#: Prefix of a keyed event's MAC in the ``hash`` column (an unkeyed, legacy event has 64 bare hex digits).
MAC_PREFIX = "hmac-sha256:"
#: The ``prev_hash`` of the first event.
GENESIS = "0" * 64

_KEY_BYTES = 32
_ANCHOR_VERSION = 1


def key_path_for(db_path: Path, env: dict[str, str] | None = None) -> Path:
    """The key file for the log at ``db_path``: ``$PIXTRALOGIST_AUDIT_KEY_FILE``, else ``<db>.key`` beside it."""
    configured = (env if env is not None else os.environ).get(KEY_FILE_ENV, "").strip()
    return Path(configured).expanduser() if configured else db_path.with_suffix(".key")


def anchor_path_for(db_path: Path) -> Path:
    return db_path.with_suffix(".anchor")


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_suffix(".lock")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class AuditKey:
    """The HMAC-SHA256 key; ``source`` says where it came from (a path, never the secret)."""

    secret: bytes = field(repr=False)
    source: str

    @property
    def key_id(self) -> str:
        """A public fingerprint of the key (tells a wrong key from an altered anchor)."""
        return hmac.new(self.secret, b"pixtralogist-audit-key-id", hashlib.sha256).hexdigest()[:16]

    def mac(self, fields: list) -> str:
        payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    @classmethod
    def ephemeral(cls) -> "AuditKey":
        """A random key for an in-memory log (lives as long as the process)."""
        return cls(secrets.token_bytes(_KEY_BYTES), "memory")

    @classmethod
    def read(cls, path: Path) -> "AuditKey":
        """The key in ``path``; :class:`AuditError` if it is unreadable, malformed or open to other users."""
        try:
            st = path.stat()
            text = path.read_text("ascii").strip()
        except FileNotFoundError:
            raise AuditError(f"the audit key file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditError(f"cannot read the audit key file {path}: {exc}") from None
        if st.st_mode & (stat.S_IWGRP | stat.S_IRWXO):
            raise AuditError(
                f"the audit key file {path} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}); "
                f"run `chmod 600 {path}`")
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            secret = b""
        if len(secret) < _KEY_BYTES:
            raise AuditError(f"the audit key file {path} must hold at least {_KEY_BYTES * 2} hex digits")
        return cls(secret, str(path))

    @classmethod
    def create(cls, path: Path) -> "AuditKey":
        """Write a new random key to ``path`` (mode 0600; refuses to overwrite an existing file)."""
        secret = secrets.token_bytes(_KEY_BYTES)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls.read(path)  # another process created it first
        except OSError as exc:
            raise AuditError(f"cannot create the audit key file {path}: {exc}") from None
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, (secret.hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(path.parent)
        return cls(secret, str(path))


@dataclass(frozen=True)
class Anchor:
    """The log's head as last written, under its own MAC."""

    count: int  #: events in the log
    seq: int  #: sequence number of the last event (0: none)
    head: str  #: the last event's ``hash`` column (:data:`GENESIS` for an empty log)
    legacy: int  #: the first ``legacy`` events carry the old unkeyed SHA-256 chain
    sealed_at: str  #: when the log was first keyed (UTC, ISO 8601)
    key_id: str  #: :attr:`AuditKey.key_id` of the key that wrote it
    mac: str = ""

    def _fields(self) -> list:
        return ["pixtralogist-audit-anchor", _ANCHOR_VERSION, self.count, self.seq, self.head, self.legacy,
                self.sealed_at, self.key_id]

    def signed(self, key: AuditKey) -> "Anchor":
        return replace(self, key_id=key.key_id, mac=key.mac(replace(self, key_id=key.key_id)._fields()))

    def mac_ok(self, key: AuditKey) -> bool:
        return hmac.compare_digest(self.mac, key.mac(self._fields()))

    def advanced(self, seq: int, head: str, by: int = 1) -> "Anchor":
        return replace(self, count=self.count + by, seq=seq, head=head, mac="")

    def to_json(self) -> str:
        return json.dumps({"version": _ANCHOR_VERSION, "count": self.count, "seq": self.seq, "head": self.head,
                           "legacy": self.legacy, "sealed_at": self.sealed_at, "key_id": self.key_id,
                           "mac": self.mac}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Anchor":
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != _ANCHOR_VERSION:
            raise ValueError("unknown anchor format")
        return cls(count=int(data["count"]), seq=int(data["seq"]), head=str(data["head"]),
                   legacy=int(data["legacy"]), sealed_at=str(data["sealed_at"]), key_id=str(data["key_id"]),
                   mac=str(data["mac"]))


@dataclass(frozen=True)
class AnchorState:
    """What :meth:`AnchorFile.load` found: an anchor, or why there is none (``missing`` / ``unreadable``)."""

    anchor: Anchor | None
    problem: str | None = None
    exists: bool = False


class AnchorFile:
    """The anchor beside the log, and the ``flock`` that orders writers and readers across processes."""

    in_database = False

    def __init__(self, path: Path, lock_path: Path) -> None:
        self.path = path
        self.lock_path = lock_path

    @contextmanager
    def locked(self, shared: bool = False) -> Iterator[None]:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock (also when the process dies)

    def load(self, tx=None) -> AnchorState:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return AnchorState(None, f"the anchor file {self.path} is missing", exists=False)
        except (OSError, UnicodeDecodeError) as exc:
            return AnchorState(None, f"the anchor file {self.path} cannot be read ({exc})", exists=True)
        try:
            return AnchorState(Anchor.from_json(text), exists=True)
        except (ValueError, KeyError, TypeError):
            return AnchorState(None, f"the anchor file {self.path} is unreadable (truncated or corrupted)",
                               exists=True)

    def write(self, anchor: Anchor, tx=None) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, anchor.to_json().encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)


class MemoryAnchor:
    """The anchor of an in-memory log (same interface as :class:`AnchorFile`)."""

    path = None
    in_database = False

    def __init__(self) -> None:
        self._anchor: Anchor | None = None
        self._lock = threading.Lock()

    @contextmanager
    def locked(self, shared: bool = False) -> Iterator[None]:
        with self._lock:
            yield

    def load(self, tx=None) -> AnchorState:
        if self._anchor is None:
            return AnchorState(None, "the in-memory anchor is missing", exists=False)
        return AnchorState(self._anchor, exists=True)

    def write(self, anchor: Anchor, tx=None) -> None:
        self._anchor = anchor


class DbAnchor:
    """The anchor as the one row of ``audit_anchor`` in the log's PostgreSQL database, read and written
    inside the caller's transaction (which holds the audit advisory lock: see
    :class:`pixtralogist.persistence.audit.AuditLog`)."""

    in_database = True

    def __init__(self, where: str) -> None:
        self.path = f"{where} (table audit_anchor)"

    @contextmanager
    def locked(self, shared: bool = False) -> Iterator[None]:
        yield  # the transaction's advisory lock orders writers and readers

    def load(self, tx) -> AnchorState:
        row = tx.execute("SELECT body FROM audit_anchor WHERE id = 1").fetchone()
        if row is None:
            return AnchorState(None, f"the anchor row of {self.path} is missing", exists=False)
        try:
            return AnchorState(Anchor.from_json(row[0]), exists=True)
        except (ValueError, KeyError, TypeError):
            return AnchorState(None, f"the anchor row of {self.path} is unreadable", exists=True)

    def write(self, anchor: Anchor, tx) -> None:
        tx.execute("INSERT INTO audit_anchor (id, body) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                   (anchor.to_json(),))
