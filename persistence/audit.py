"""The audit log: who drafted, edited and signed which case, and when.

Append-only by construction, and tamper-evident to anyone without the key:

- one SQLite table whose triggers abort every ``UPDATE`` and ``DELETE``;
- every event carries an HMAC-SHA256 over its sequence number, its fields and
  the previous event's MAC, keyed with a secret kept outside the database
  (``audit.key``, mode 0600, or ``PIXTRALOGIST_AUDIT_KEY_FILE``);
- the head (event count, last sequence number and MAC) is kept apart in
  ``audit.anchor``, under its own HMAC (see :mod:`pixtralogist.persistence.audit_seal`).

So :meth:`AuditLog.check` notices, with the triggers dropped, an event removed
from the middle or the end, an event altered, the chain recomputed as plain
SHA-256 or with another key, and a missing, truncated or edited anchor. It
does not notice a rewrite by someone holding the key, or the database and its
anchor rolled back together to an earlier copy (``check(expect=...)`` compares
with a head written down elsewhere).

Crash safety: an event is committed, then the anchor is replaced atomically,
both under one cross-process lock. A kill between the two leaves the anchor
one event behind; the check accepts exactly that case when the extra event's
MAC verifies and chains to the anchored head, says so, and the next write or
open moves the anchor on.

On a shared PostgreSQL database (several app servers) the same chain lives in
the ``audit`` table (append-only by trigger), its key is the servers' shared
secret (``PIXTRALOGIST_AUDIT_KEY_FILE``, required there) and its anchor is the
``audit_anchor`` row, written in the event's own transaction under an advisory
lock: every server appends to one chain, in one order.

Logs written before the keyed chain (plain SHA-256 per event) are kept as
they are: the open that creates the key seals them (the anchor records how
many there are, and the first keyed event chains over their last hash); with a
key provisioned beforehand, ``pixtralogist audit seal`` does it once. Nothing
else seals, so a deleted anchor plus events rewritten in the old format do not
pass for an old log. The check reports sealed events as *unkeyed*: a change
made to them before they were sealed cannot be detected.

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
>>> log.check().ok                                                  # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pixtralogist.persistence.audit_seal import (
    GENESIS,
    MAC_PREFIX,
    Anchor,
    AnchorFile,
    AuditKey,
    DbAnchor,
    MemoryAnchor,
    anchor_path_for,
    key_path_for,
    lock_path_for,
)
from pixtralogist.core.errors import AuditError

__all__ = ["ACTIONS", "LOCAL_ACTOR", "AuditCheck", "AuditEvent", "AuditLog", "acting_as", "current_actor"]

log = logging.getLogger(__name__)

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

_TABLE = """
CREATE TABLE IF NOT EXISTS audit (
    seq {seq},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_case ON audit(case_id);
"""

SCHEMA = _TABLE.format(seq="INTEGER PRIMARY KEY AUTOINCREMENT") + """
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;
"""

PG_SCHEMA = _TABLE.format(seq="BIGINT PRIMARY KEY") + """
CREATE TABLE IF NOT EXISTS audit_anchor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);
CREATE OR REPLACE FUNCTION pixtralogist_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only: rows cannot be changed or deleted'; END $$;
CREATE OR REPLACE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION pixtralogist_audit_append_only();
CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION pixtralogist_audit_append_only();
"""
#: Advisory lock key of the audit chain on PostgreSQL (one writer at a time across servers).
AUDIT_LOCK = 0x5078_4155  # "PxAU"

_ROW_DOMAIN = "pixtralogist-audit-event-v2"
_COLUMNS = "seq, at, actor, action, case_id, detail, prev_hash, hash"


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


@dataclass(frozen=True)
class AuditCheck:
    """The result of :meth:`AuditLog.check`.

    ``ok`` is False with ``reason`` at the first problem found. ``notes`` says
    what an intact log still cannot vouch for (unkeyed legacy events, an event
    not anchored yet after a crash). ``head`` is ``"<count>:<first 16 hex of the
    last MAC>"``, to write down elsewhere and pass back as ``expect``.
    """

    ok: bool
    events: int
    legacy: int = 0
    reason: str | None = None
    notes: tuple[str, ...] = ()
    head: str | None = None
    sealed_at: str | None = None


def _digest(prev: str, at: str, actor: str, action: str, case_id: str, detail: str) -> str:
    """The unkeyed SHA-256 chain of logs written before the keyed chain (legacy events)."""
    payload = json.dumps([prev, at, actor, action, case_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _mac(key: AuditKey, seq: int, prev: str, at: str, actor: str, action: str, case_id: str, detail: str) -> str:
    return MAC_PREFIX + key.mac([_ROW_DOMAIN, seq, prev, at, actor, action, case_id, detail])


def _clean_detail(detail: dict[str, Any]) -> str:
    kept = {k: str(v)[:_MAX_DETAIL] for k, v in sorted(detail.items()) if k in _DETAIL_KEYS and v is not None}
    return json.dumps(kept, ensure_ascii=False, sort_keys=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _short(head: str) -> str:
    return head.removeprefix(MAC_PREFIX)[:16]


class AuditLog:
    """Open with :meth:`open`; safe to share between threads (one lock, one connection) and between
    processes (writers and checks take the anchor's file lock)."""

    def __init__(self, db: Any, path: Path | str | None, key: AuditKey | None,
                 anchors: AnchorFile | MemoryAnchor | DbAnchor) -> None:
        self._db = db  # pixtralogist.persistence.database.Database
        self._lock = threading.Lock()
        self.path = path
        self._key = key
        self._anchors = anchors
        self._warned = False

    @classmethod
    def open(cls, path: str | Path | None, *, key_file: str | Path | None = None,
             create: bool = True, seal_legacy: bool = False) -> "AuditLog":
        """The log at ``path`` (created if absent; WAL, synchronous FULL); ``None`` means in memory
        (with a random key that lives as long as the process).

        :param key_file: the HMAC key (default ``$PIXTRALOGIST_AUDIT_KEY_FILE``, else ``audit.key``
            beside the log).
        :param create: create the key (0600) and the anchor when the log has none yet, seal a log
            from an earlier release when this open creates its key, and move an anchor left one event
            behind by a crash. ``False`` (``pixtralogist audit
            verify``) writes no key and no anchor (opening still re-creates dropped triggers and the
            lock file ``audit.lock``); a log without a key is then reported as not sealed.
        :param seal_legacy: seal a log of unkeyed events that has no anchor even though its key
            already exists (a key provisioned before the upgrade; ``pixtralogist audit seal``).
            Never done otherwise: an anchor deleted and the events rewritten in the old format
            must not pass for an old log.
        ``path`` may be a ``postgresql://`` URL (the site's shared database): the key file must then be
        configured (``key_file`` or ``$PIXTRALOGIST_AUDIT_KEY_FILE``) and is never created.

        :raises AuditError: the log was keyed (it has keyed events or an anchor) but its key file is
            missing, or the key file is malformed or open to other users.
        """
        from pixtralogist.persistence.database import Database, is_postgres_url

        if is_postgres_url(path):
            return cls._open_shared(str(path), key_file=key_file, create=create, seal_legacy=seal_legacy)
        p = Path(path) if path is not None else None
        db = Database.open(p, sqlite_schema=SCHEMA, postgres_schema=PG_SCHEMA, what="audit log")
        conn = db.raw
        try:
            if p is None:
                audit = cls(db, None, AuditKey.ephemeral(), MemoryAnchor())
                audit._start(seal_legacy=False)
                return audit
            p.parent.mkdir(parents=True, exist_ok=True)
            anchors = AnchorFile(anchor_path_for(p), lock_path_for(p))
            audit = cls(db, p, None, anchors)
            kpath = Path(key_file).expanduser() if key_file is not None else key_path_for(p)
            with anchors.locked():
                if kpath.exists():
                    audit._key = AuditKey.read(kpath)
                else:
                    keyed = conn.execute(
                        "SELECT 1 FROM audit WHERE hash LIKE ? LIMIT 1", (MAC_PREFIX + "%",)).fetchone()
                    if keyed or anchors.load().exists:
                        raise AuditError(
                            f"the audit key file {kpath} is missing, but the audit log {p} was written with a key: "
                            "restore the key file from backup (or point PIXTRALOGIST_AUDIT_KEY_FILE at it); "
                            "a new key would make every recorded event unverifiable")
                    if create:
                        audit._key = AuditKey.create(kpath)
                        seal_legacy = True  # the first start after the upgrade
                if create and audit._key is not None:
                    audit._start(seal_legacy=seal_legacy)
            return audit
        except BaseException:
            conn.close()
            raise

    @classmethod
    def _open_shared(cls, url: str, *, key_file: str | Path | None, create: bool, seal_legacy: bool) -> "AuditLog":
        """The log in the site's shared PostgreSQL database, keyed with the servers' shared secret."""
        from pixtralogist.persistence.audit_seal import KEY_FILE_ENV
        from pixtralogist.persistence.database import Database

        configured = str(key_file) if key_file is not None else os.environ.get(KEY_FILE_ENV, "").strip()
        db = Database.open(url, sqlite_schema=SCHEMA, postgres_schema=PG_SCHEMA, what="audit log")
        try:
            if not configured:
                raise AuditError(
                    f"the audit log is in the shared database {db.where}: every server must use the same key. "
                    f"Set {KEY_FILE_ENV} to a file holding the site's key (64 hex digits, mode 0600; make it once "
                    "with `python -c \"import secrets; print(secrets.token_hex(32))\"`) on every server")
            audit = cls(db, db.where, None, DbAnchor(db.where))
            kpath = Path(configured).expanduser()
            if kpath.exists():
                audit._key = AuditKey.read(kpath)
            elif create:
                raise AuditError(f"the audit key file {kpath} ({KEY_FILE_ENV}) does not exist: provision the site's "
                                 "shared key there (a server never makes one: each would key the chain differently)")
            if create and audit._key is not None:
                with db.tx() as tx:
                    tx.execute("SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK,))
                    audit._start(seal_legacy=seal_legacy, tx=tx)
            return audit
        except BaseException:
            db.close()
            raise

    @property
    def _conn(self) -> Any:
        """The underlying connection (tests tamper with the log through it)."""
        return self._db.raw

    def _start(self, *, seal_legacy: bool, tx: Any = None) -> None:
        """Anchor a new log, seal one written before the keyed chain (``seal_legacy``), catch up an
        anchor a crash left one event behind. Called with the anchor lock held (on PostgreSQL: inside
        ``tx``, which holds the audit advisory lock)."""
        c = tx if tx is not None else self._conn
        state = self._anchors.load(c)
        if state.anchor is None:
            if state.exists:
                return  # unreadable anchor: left as evidence; check() reports it
            rows = c.execute("SELECT seq, hash FROM audit ORDER BY seq").fetchall()
            if any(h.startswith(MAC_PREFIX) for _, h in rows):
                log.error("the audit log %s has keyed events but no anchor; `pixtralogist audit verify` "
                          "reports it", self.path)
                return
            if rows and not seal_legacy:
                log.error("the audit log %s has no anchor; if it comes from an earlier release and its key "
                          "was provisioned beforehand, seal it once with `pixtralogist audit seal`", self.path)
                return
            last_seq, head = rows[-1] if rows else (0, GENESIS)
            anchor = Anchor(count=len(rows), seq=last_seq, head=head, legacy=len(rows), sealed_at=_now(),
                            key_id="").signed(self._key)
            self._anchors.write(anchor, c)
            if rows:
                log.warning("audit log %s: sealed %d events written before the keyed chain; a change made to "
                            "them before now cannot be detected", self.path, len(rows))
            return
        follows = self._follows(state.anchor, c)
        if follows is not None and follows.seq != state.anchor.seq:
            self._anchors.write(follows.signed(self._key), c)
            log.warning("audit log %s: the anchor was one event behind (the process stopped between writing "
                        "event %d and its anchor); the event verifies and is now anchored", self.path, follows.seq)

    def _follows(self, anchor: Anchor, c: Any) -> Anchor | None:
        """The anchor for the log's current last event if ``anchor`` matches it, or is exactly one event
        behind and that event's MAC verifies and chains to the anchored head; None otherwise."""
        key = self._key
        if key is None or anchor.key_id != key.key_id or not anchor.mac_ok(key):
            return None
        rows = c.execute(f"SELECT {_COLUMNS} FROM audit WHERE seq >= ? ORDER BY seq LIMIT 3",
                                  (anchor.seq,)).fetchall()
        if anchor.seq == 0:
            rows = [(0, "", "", "", "", "", "", GENESIS), *rows]
        if not rows or rows[0][0] != anchor.seq or rows[0][7] != anchor.head:
            return None
        if len(rows) == 1:
            return anchor
        if len(rows) == 2:
            seq, at, actor, action, case_id, detail, prev, digest = rows[1]
            if prev == anchor.head and hmac.compare_digest(
                    digest, _mac(key, seq, prev, at, actor, action, case_id, detail)):
                return anchor.advanced(seq, digest)
        return None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(self, action: str, case_id: str, *, actor: str | None = None, **detail: Any) -> AuditEvent:
        """Append one event (one transaction), then move the anchor on. ``actor`` defaults to
        :func:`current_actor`. If the log no longer matches its anchor (tampering, a lost anchor), the
        event is still recorded but the anchor is left as it is, so the check keeps failing."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}; expected one of {', '.join(ACTIONS)}")
        if self._key is None:
            raise AuditError(f"the audit log {self.path} was opened for checking only; it cannot record")
        who = (actor or "").strip() or current_actor()
        at = _now()
        body = _clean_detail(detail)
        in_db = self._anchors.in_database
        with self._lock, self._anchors.locked():
            with self._db.tx() as c:
                if self._db.is_postgres:
                    c.execute("SELECT pg_advisory_xact_lock(?)", (AUDIT_LOCK,))
                state = self._anchors.load(c)
                base = self._follows(state.anchor, c) if state.anchor is not None else None
                row = c.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
                prev_seq, prev = row if row else (0, GENESIS)
                seq = prev_seq + 1
                digest = _mac(self._key, seq, prev, at, who, action, case_id, body)
                c.execute(f"INSERT INTO audit ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          (seq, at, who, action, case_id, body, prev, digest))
                if in_db and base is not None:  # event and anchor in one transaction
                    self._anchors.write(base.advanced(seq, digest).signed(self._key), c)
            if not in_db and base is not None:  # the event is committed; now its anchor (a file)
                self._anchor_committed(base.advanced(seq, digest))
            if base is None and not self._warned:
                self._warned = True
                log.error("the audit log %s does not match its anchor; events are still recorded but the "
                          "anchor is not moved. Run `pixtralogist audit verify`", self.path)
        return AuditEvent(seq, datetime.fromisoformat(at), who, action, case_id, json.loads(body))

    def _anchor_committed(self, anchor: Anchor) -> None:
        """Move the anchor file on to an event already committed (the second step of :meth:`record`
        when the anchor is a file). A crash before it leaves one event past the anchor, which the check
        accepts when it verifies and the next write or start anchors."""
        try:
            self._anchors.write(anchor.signed(self._key))
        except OSError as exc:  # the event stands; the next write or start anchors it
            log.error("audit log %s: event %d recorded but its anchor could not be written (%s)",
                      self.path, anchor.seq, exc.strerror or exc)

    def events(self, case_id: str | None = None) -> list[AuditEvent]:
        """Events in the order they were recorded (of one case, or all)."""
        q, args = "SELECT seq, at, actor, action, case_id, detail FROM audit", ()
        if case_id:
            q, args = q + " WHERE case_id = ?", (case_id,)
        with self._lock:
            rows = self._db.execute(q + " ORDER BY seq", args)
        return [AuditEvent(r[0], datetime.fromisoformat(r[1]), r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def check(self, expect: str | None = None) -> AuditCheck:
        """Check every event against the key and the anchor; never raises for a broken log.

        :param expect: a head written down earlier (``"<count>:<hex prefix>"``, :attr:`AuditCheck.head`);
            the log must still hold that event with that MAC (detects a rollback of log and anchor).
        """
        with self._lock, self._anchors.locked(shared=True):
            if self._db.is_postgres:
                with self._db.tx() as c:
                    c.execute("SELECT pg_advisory_xact_lock_shared(?)", (AUDIT_LOCK,))
                    state = self._anchors.load(c)
                    rows = [tuple(r) for r in c.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq").fetchall()]
            else:
                state = self._anchors.load(self._conn)
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq")
        return self._judge(rows, state, expect)

    def verify(self) -> int:
        """:meth:`check`, raising :class:`AuditError` with the reason when it fails; returns the number of events."""
        result = self.check()
        if not result.ok:
            raise AuditError(result.reason or "the audit log fails verification")
        return result.events

    # -- the check itself ------------------------------------------------------------------

    def _judge(self, rows: list[tuple], state, expect: str | None) -> AuditCheck:
        n = len(rows)
        key, anchor = self._key, state.anchor

        def fail(reason: str, legacy: int = 0) -> AuditCheck:
            return AuditCheck(False, n, legacy, reason)

        if key is None:
            return fail(f"the audit log has no key yet ({n} events with the old unkeyed SHA-256 chain, "
                        "not sealed): start the app once to key and anchor it")
        if anchor is None:
            hint = ""
            if not state.exists and rows and not any(r[7].startswith(MAC_PREFIX) for r in rows):
                hint = (f" (its {n} events carry the old unkeyed chain: if the log comes from an earlier release "
                        "and its key was provisioned beforehand, seal it once with `pixtralogist audit seal`)")
            return fail(f"{state.problem}: the log cannot be checked for removed events{hint}")
        if anchor.key_id != key.key_id:
            return fail(f"the anchor was written with another key (key id {anchor.key_id}, configured key "
                        f"{key.key_id}): the wrong key is configured, or the anchor was replaced")
        if not anchor.mac_ok(key):
            return fail("the anchor's MAC does not verify: the anchor file was edited")
        legacy = anchor.legacy
        prev, prev_seq = GENESIS, 0
        for i, (seq, at, actor, action, case_id, detail, prev_hash, digest) in enumerate(rows, 1):
            if i <= legacy:
                if prev_hash != prev or digest != _digest(prev, at, actor, action, case_id, detail):
                    return fail(f"the audit log was altered at event {seq}: the unkeyed hash chain of the "
                                f"{legacy} events sealed on {anchor.sealed_at} is broken", legacy)
            else:
                if not digest.startswith(MAC_PREFIX):
                    return fail(f"the audit log was altered at event {seq}: it carries an unkeyed SHA-256 hash, "
                                f"but the log is keyed from event {legacy + 1} on (rewritten without the key)",
                                legacy)
                if seq <= prev_seq:
                    return fail(f"the audit log was altered at event {seq}: sequence numbers go backwards", legacy)
                if prev_hash != prev:
                    what = (f"the {legacy} unkeyed events before it were changed" if i == legacy + 1 and legacy
                            else "an event before it was removed or inserted")
                    return fail(f"the audit log was altered at event {seq}: it does not follow the event before "
                                f"it ({what})", legacy)
                if not hmac.compare_digest(digest, _mac(key, seq, prev, at, actor, action, case_id, detail)):
                    return fail(f"the audit log was altered at event {seq}: its MAC does not verify with the "
                                "audit key", legacy)
            if i == anchor.count and (seq != anchor.seq or digest != anchor.head):
                return fail(f"the audit log was altered at event {seq}: it is not the anchored head "
                            f"(event {anchor.seq}); events were removed or replaced", legacy)
            prev, prev_seq = digest, seq
        if anchor.count == 0 and (anchor.seq != 0 or anchor.head != GENESIS):
            return fail("the anchor is inconsistent", legacy)
        notes: list[str] = []
        if n < anchor.count:
            return fail(f"the audit log has {n} events but its anchor records {anchor.count} "
                        f"(up to event {anchor.seq}): events were removed from the end", legacy)
        if n == anchor.count + 1:
            notes.append(f"the last event ({rows[-1][0]}) is not anchored yet: the process stopped between "
                         "writing it and its anchor; its MAC verifies and chains to the anchored head, and "
                         "the next start anchors it")
        elif n > anchor.count + 1:
            return fail(f"{n - anchor.count} events follow the anchored head (event {anchor.seq}): the anchor was "
                        "replaced by an older copy or could not be written", legacy)
        if legacy:
            notes.append(f"the first {legacy} events predate the keyed chain; they were sealed on "
                         f"{anchor.sealed_at} and a change made to them before then cannot be detected")
        head = f"{n}:{_short(rows[-1][7]) if rows else _short(GENESIS)}"
        if expect is not None:
            problem = self._expect(rows, expect)
            if problem:
                return fail(problem, legacy)
        return AuditCheck(True, n, legacy, None, tuple(notes), head, anchor.sealed_at)

    @staticmethod
    def _expect(rows: list[tuple], expect: str) -> str | None:
        count, _, prefix = expect.partition(":")
        if not count.isdigit() or len(prefix) < 8:
            raise AuditError(f"--expect {expect!r}: expected '<count>:<at least 8 hex digits>' as printed by "
                             "`pixtralogist audit verify`")
        c = int(count)
        if c > len(rows):
            return (f"the audit log has {len(rows)} events but a head recorded earlier has {c}: the log and its "
                    "anchor were rolled back or events removed")
        digest = rows[c - 1][7] if c else GENESIS
        if not _short(digest).startswith(prefix.lower()[:16]):
            return f"event {c} differs from the head recorded earlier ({expect}): the log was rewritten"
        return None
