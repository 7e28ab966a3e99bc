"""The audit log is tamper-evident to anyone without its key: each attack, made with the triggers
dropped, fails the check with its own reason; a crash between an event and its anchor does not.

Everything runs on real SQLite files, a real key file and anchor file; the crash is a real SIGKILL
of a child process at the point between the commit and the anchor write (a kill point the test
installs through its launcher, ``tests/kill_points.py``); the CLI runs as the installed
``pixtralogist`` console script.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pixtralogist.persistence.audit import AuditLog, _digest
from pixtralogist.persistence.audit_seal import GENESIS, MAC_PREFIX, KEY_FILE_ENV, Anchor, AuditKey
from pixtralogist.core.errors import AuditError, DataError

from kill_points import MARKER
from test_reliability_support import child_env, python_cmd, until_self_killed

EVENTS = [("draft", "case-1", {"status": "review"}), ("edit_region", "case-1", {"region": "lung"}),
          ("message", "case-2", {"status": "review"}), ("sign", "case-1", {"signed_by": "Dr A", "status": "signed"})]


def _write(log: AuditLog, events=EVENTS) -> None:
    for action, case, detail in events:
        log.record(action, case, actor="dr_a", **detail)


def _new(tmp_path: Path, events=EVENTS) -> Path:
    db = tmp_path / "audit.sqlite"
    log = AuditLog.open(db)
    _write(log, events)
    log.close()
    return db


def _raw(db: Path) -> sqlite3.Connection:
    """A plain connection with the append-only triggers dropped (a tool that bypasses them)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("DROP TRIGGER IF EXISTS audit_no_update")
    con.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    return con


def _rechain(con: sqlite3.Connection, digest) -> None:
    """Recompute every row's chain with ``digest(seq, prev, at, actor, action, case_id, detail)``."""
    prev = GENESIS
    for seq, at, actor, action, case_id, detail in con.execute(
            "SELECT seq, at, actor, action, case_id, detail FROM audit ORDER BY seq").fetchall():
        h = digest(seq, prev, at, actor, action, case_id, detail)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h


def _check(db: Path):
    log = AuditLog.open(db, create=False)
    try:
        return log.check()
    finally:
        log.close()


# --- attacks -------------------------------------------------------------------------------------


def delete_tail(db: Path) -> None:
    _raw(db).execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")


def delete_middle(db: Path) -> None:
    _raw(db).execute("DELETE FROM audit WHERE seq = 2")


def rewrite_actor(db: Path) -> None:
    _raw(db).execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")


def rewrite_and_recompute_plain_sha(db: Path) -> None:
    con = _raw(db)
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")
    _rechain(con, lambda seq, prev, *f: _digest(prev, *f))


def _wrong_key_mac(key: AuditKey):
    from pixtralogist.persistence.audit import _mac

    return lambda seq, prev, *f: _mac(key, seq, prev, *f)


def rewrite_and_recompute_with_wrong_key(db: Path) -> None:
    con = _raw(db)
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")
    _rechain(con, _wrong_key_mac(AuditKey.ephemeral()))


def rewrite_recompute_and_reanchor_with_wrong_key(db: Path) -> None:
    wrong = AuditKey.ephemeral()
    con = _raw(db)
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 4")
    _rechain(con, _wrong_key_mac(wrong))
    seq, head = con.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    db.with_suffix(".anchor").write_text(
        Anchor(4, seq, head, 0, "2026-01-01T00:00:00+00:00", "").signed(wrong).to_json())


def delete_tail_and_edit_anchor(db: Path) -> None:
    """Drop the sign-off and rewind the anchor's fields to the event before (its MAC cannot be redone)."""
    con = _raw(db)
    seq, prev = con.execute("SELECT seq, prev_hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    con.execute("DELETE FROM audit WHERE seq = ?", (seq,))
    path = db.with_suffix(".anchor")
    data = json.loads(path.read_text())
    data.update(count=data["count"] - 1, seq=seq - 1, head=prev)
    path.write_text(json.dumps(data))


def truncate_anchor(db: Path) -> None:
    path = db.with_suffix(".anchor")
    path.write_bytes(path.read_bytes()[:40])


def delete_anchor(db: Path) -> None:
    db.with_suffix(".anchor").unlink()


def delete_anchor_and_recompute_plain_sha(db: Path) -> None:
    """Make the log look like one from an earlier release: the app must not seal it as one."""
    rewrite_and_recompute_plain_sha(db)
    delete_anchor(db)


def delete_tail_then_app_writes(db: Path) -> None:
    """The tail is deleted, then the app records another event: the anchor must not bless the gap."""
    delete_tail(db)
    log = AuditLog.open(db)
    log.record("message", "case-3", actor="dr_b")
    log.close()


ATTACKS = [
    (delete_tail, r"has 3 events but its anchor records 4 .*removed from the end"),
    (delete_middle, r"altered at event 3: it does not follow the event before it \(an event before it was removed"),
    (rewrite_actor, r"altered at event 4: its MAC does not verify with the audit key"),
    (rewrite_and_recompute_plain_sha, r"altered at event 1: it carries an unkeyed SHA-256 hash"),
    (rewrite_and_recompute_with_wrong_key, r"altered at event 1: its MAC does not verify"),
    (rewrite_recompute_and_reanchor_with_wrong_key, r"anchor was written with another key"),
    (delete_tail_and_edit_anchor, r"anchor's MAC does not verify: the anchor file was edited"),
    (truncate_anchor, r"anchor file .* is unreadable \(truncated or corrupted\)"),
    (delete_anchor, r"anchor file .* is missing: the log cannot be checked for removed events"),
    (delete_anchor_and_recompute_plain_sha, r"anchor file .* is missing: .*seal it once with `pixtralogist audit seal`"),
    (delete_tail_then_app_writes, r"altered at event 4: it is not the anchored head"),
]


@pytest.mark.parametrize("attack,reason", ATTACKS, ids=[a.__name__ for a, _ in ATTACKS])
def test_each_attack_fails_the_check_with_its_reason(tmp_path, attack, reason):
    db = _new(tmp_path)
    assert _check(db).ok
    attack(db)
    result = _check(db)
    assert not result.ok
    assert result.reason and re.search(reason, result.reason), result.reason
    log = AuditLog.open(db)  # the app still opens (and records) a tampered log; the check keeps failing
    try:
        with pytest.raises(AuditError, match=reason):
            log.verify()
        log.record("message", "case-9", actor="dr_c")
        assert not log.check().ok
    finally:
        log.close()


def test_intact_log_verifies_and_the_key_stays_outside_it(tmp_path):
    db = _new(tmp_path)
    key_file, anchor_file = tmp_path / "audit.key", tmp_path / "audit.anchor"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(anchor_file.stat().st_mode) == 0o600
    secret = key_file.read_text().strip()
    assert len(secret) == 64 and secret not in repr(AuditKey.read(key_file))
    for f in tmp_path.iterdir():  # the key is in its own file only (not in the log, WAL or anchor)
        if f != key_file and f.is_file():
            assert secret.encode() not in f.read_bytes(), f
    log = AuditLog.open(db)
    try:
        result = log.check()
        assert result.ok and result.reason is None and result.notes == ()
        assert result.events == 4 == log.verify() and result.legacy == 0
        rows = log._conn.execute("SELECT hash FROM audit").fetchall()
        assert all(h.startswith(MAC_PREFIX) for (h,) in rows)
        assert result.head == f"4:{rows[-1][0].removeprefix(MAC_PREFIX)[:16]}"
        assert [e.action for e in log.events("case-1")] == ["draft", "edit_region", "sign"]
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            log._conn.execute("DELETE FROM audit WHERE seq = 4")
    finally:
        log.close()
    anchor = json.loads(anchor_file.read_text())
    assert (anchor["count"], anchor["seq"], anchor["legacy"]) == (4, 4, 0)


def test_key_problems_are_clear_errors(tmp_path):
    db = _new(tmp_path)
    key_file = tmp_path / "audit.key"
    key_file.chmod(0o644)
    with pytest.raises(AuditError, match=r"open to other users \(mode 0644\); run `chmod 600"):
        AuditLog.open(db)
    key_file.chmod(0o600)
    moved = tmp_path / "elsewhere.key"
    key_file.rename(moved)
    with pytest.raises(AuditError, match="audit.key is missing, but the audit log .* was written with a key"):
        AuditLog.open(db)
    assert not key_file.exists()  # no silent new key
    log = AuditLog.open(db, key_file=moved)  # the key moved elsewhere (PIXTRALOGIST_AUDIT_KEY_FILE does the same)
    assert log.verify() == 4
    log.close()
    moved.write_text("not hex\n")
    with pytest.raises(AuditError, match="must hold at least 64 hex digits"):
        AuditLog.open(db, key_file=moved)
    assert issubclass(AuditError, DataError)


def test_key_file_from_the_environment(tmp_path, monkeypatch):
    key_dir = tmp_path / "secrets"
    key_dir.mkdir()
    monkeypatch.setenv(KEY_FILE_ENV, str(key_dir / "audit.key"))
    db = _new(tmp_path / "data")
    assert (key_dir / "audit.key").is_file() and not (tmp_path / "data" / "audit.key").exists()
    assert _check(db).ok
    monkeypatch.delenv(KEY_FILE_ENV)
    with pytest.raises(AuditError, match="is missing"):
        AuditLog.open(db)


def test_an_older_copy_of_the_database_is_caught_by_the_anchor_but_not_with_its_own_anchor(tmp_path):
    db = tmp_path / "audit.sqlite"
    log = AuditLog.open(db)
    _write(log, EVENTS[:2])
    old = tmp_path / "old"
    old.mkdir()
    snapshot = sqlite3.connect(old / "audit.sqlite")
    log._conn.backup(snapshot)
    snapshot.close()
    shutil.copy(tmp_path / "audit.anchor", old / "audit.anchor")
    early_head = log.check().head
    _write(log, EVENTS[2:])
    late_head = log.check().head
    log.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(old / "audit.sqlite", db)  # the old database under the current anchor
    result = _check(db)
    assert not result.ok and "has 2 events but its anchor records 4" in result.reason
    shutil.copy(old / "audit.anchor", tmp_path / "audit.anchor")  # ... and its own old anchor: NOT detected
    log = AuditLog.open(db, create=False)
    try:
        result = log.check()
        assert result.ok and result.events == 2 and result.head == early_head
        # A head written down elsewhere catches it.
        rolled = log.check(expect=late_head)
        assert not rolled.ok and "rolled back" in rolled.reason
        assert log.check(expect=early_head).ok
        with pytest.raises(AuditError, match="expected '<count>:<at least 8 hex digits>'"):
            log.check(expect="4:xy")
    finally:
        log.close()


def test_anchor_two_events_behind_fails(tmp_path):
    db = _new(tmp_path, EVENTS[:2])
    saved = (tmp_path / "audit.anchor").read_bytes()
    log = AuditLog.open(db)
    _write(log, EVENTS[2:])
    log.close()
    (tmp_path / "audit.anchor").write_bytes(saved)
    result = _check(db)
    assert not result.ok and "2 events follow the anchored head (event 2)" in result.reason


CRASH_DRIVER = """
import sys
from pixtralogist.persistence.audit import AuditLog
log = AuditLog.open(sys.argv[1])
log.record("draft", "case-1", actor="dr_a", status="review")   # killed after its commit, before its anchor
"""


def test_kill_between_the_event_and_its_anchor(tmp_path):
    db = tmp_path / "audit.sqlite"
    proc = subprocess.Popen(python_cmd("-c", CRASH_DRIVER, str(db), kill_at="audit.after_commit"), env=child_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until_self_killed(proc, f"{MARKER} audit.after_commit", stream="stderr", timeout=120)
    result = _check(db)  # checking writes nothing
    assert result.ok and result.events == 1
    assert len(result.notes) == 1 and "not anchored yet: the process stopped between writing it" in result.notes[0]
    assert json.loads((tmp_path / "audit.anchor").read_text())["count"] == 0
    log = AuditLog.open(db)  # the next start anchors it
    try:
        assert json.loads((tmp_path / "audit.anchor").read_text())["count"] == 1
        after = log.check()
        assert after.ok and after.notes == ()
        log.record("sign", "case-1", actor="dr_a", status="signed")
        assert log.verify() == 2
    finally:
        log.close()


WRITER_DRIVER = """
import sys
from pixtralogist.persistence.audit import AuditLog
log = AuditLog.open(sys.argv[1])
print("ready", flush=True)
for i in range(int(sys.argv[2])):
    log.record("message", f"case-{i % 5}", actor="dr_a", status="review")
log.close()
"""


def test_checks_while_another_process_writes_see_a_consistent_log(tmp_path):
    """The file lock orders writers and checks: a check never sees the log ahead of (or behind) its anchor."""
    db = tmp_path / "audit.sqlite"
    AuditLog.open(db).close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER_DRIVER, str(db), "150"], env=child_env(),
                            stdout=subprocess.PIPE, text=True)
    results = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        log = AuditLog.open(db, create=False)
        try:
            while proc.poll() is None:
                results.append(log.check())
            results.append(log.check())
        finally:
            log.close()
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert len({r.events for r in results}) > 2  # checks did interleave with the writes
    bad = [r for r in results if not r.ok or r.notes]
    assert not bad, bad[:3]
    assert results[-1].events == 150


def test_one_behind_is_accepted_only_when_the_extra_event_verifies(tmp_path):
    db = _new(tmp_path, EVENTS[:1])
    saved = (tmp_path / "audit.anchor").read_bytes()
    log = AuditLog.open(db)
    _write(log, EVENTS[1:2])
    log.close()
    (tmp_path / "audit.anchor").write_bytes(saved)  # as if killed before the anchor write
    assert _check(db).ok
    _raw(db).execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")  # a forged extra event is not
    result = _check(db)
    assert not result.ok and "altered at event 2: its MAC does not verify" in result.reason


# --- logs written before the keyed chain ------------------------------------------------------------

LEGACY_SCHEMA = """
CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, case_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"""


def _legacy_log(db: Path, n: int = 3) -> None:
    """A log as the previous release wrote it: plain SHA-256 chain, no key, no anchor."""
    con = sqlite3.connect(db, isolation_level=None)
    con.executescript(LEGACY_SCHEMA)
    prev = GENESIS
    for i in range(n):
        at, detail = f"2026-01-0{i + 1}T10:00:00+00:00", json.dumps({"status": "review"})
        h = _digest(prev, at, "dr_old", "draft", f"old-{i}", detail)
        con.execute("INSERT INTO audit (at, actor, action, case_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
                    (at, "dr_old", "draft", f"old-{i}", detail, prev, h))
        prev = h
    con.close()


def test_a_legacy_log_is_sealed_and_reported_as_unkeyed(tmp_path):
    db = tmp_path / "audit.sqlite"
    _legacy_log(db)
    unsealed = _check(db)  # checking alone neither makes a key nor seals
    assert not unsealed.ok and "no key yet (3 events with the old unkeyed SHA-256 chain" in unsealed.reason
    assert not (tmp_path / "audit.key").exists()
    log = AuditLog.open(db)  # the app's first start after the upgrade
    try:
        sealed = log.check()
        assert sealed.ok and sealed.legacy == 3 and sealed.events == 3
        assert "the first 3 events predate the keyed chain" in sealed.notes[0]
        log.record("sign", "old-0", actor="dr_a", status="signed")
        assert log.verify() == 4 and log.check().legacy == 3
    finally:
        log.close()
    # Changing a legacy event now (even recomputing their SHA-256 chain) is detected.
    con = _raw(db)
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    prev = GENESIS
    for seq, at, actor, action, case_id, detail in con.execute(
            "SELECT seq, at, actor, action, case_id, detail FROM audit WHERE seq <= 3 ORDER BY seq").fetchall():
        h = _digest(prev, at, actor, action, case_id, detail)
        con.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
        prev = h
    result = _check(db)
    assert not result.ok
    assert "altered at event 4: it does not follow the event before it (the 3 unkeyed events" in result.reason


def test_a_legacy_log_with_a_key_provisioned_beforehand_is_sealed_only_on_request(tmp_path):
    data, secrets_dir = tmp_path / "data", tmp_path / "secrets"
    data.mkdir()
    secrets_dir.mkdir()
    key = secrets_dir / "audit.key"
    AuditKey.create(key)
    _legacy_log(data / "audit.sqlite")
    env = child_env(**{KEY_FILE_ENV: str(key)})
    log = AuditLog.open(data / "audit.sqlite", key_file=key)  # the app starts: it does not seal by itself
    log.close()
    assert not (data / "audit.anchor").exists()
    refused = _cli("--data-dir", str(data), env=env)
    assert refused.returncode == 1 and "seal it once with `pixtralogist audit seal`" in refused.stderr
    exe = str(Path(sys.executable).with_name("pixtralogist"))
    sealed = subprocess.run([exe, "audit", "seal", "--data-dir", str(data)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert sealed.returncode == 0, sealed.stderr
    assert "sealed, 3 events (3 unkeyed)" in sealed.stdout
    ok = _cli("--data-dir", str(data), env=env)
    assert ok.returncode == 0 and "note: the first 3 events predate the keyed chain" in ok.stdout


def test_a_sealed_legacy_log_without_keyed_events_detects_a_recomputed_chain(tmp_path):
    db = tmp_path / "audit.sqlite"
    _legacy_log(db)
    AuditLog.open(db).close()
    con = _raw(db)
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    _rechain(con, lambda seq, prev, *f: _digest(prev, *f))
    result = _check(db)
    assert not result.ok and "altered at event 3: it is not the anchored head" in result.reason


def test_in_memory_log_is_keyed_too():
    log = AuditLog.open(None)
    _write(log)
    assert log.verify() == 4
    log._conn.execute("DROP TRIGGER audit_no_update")
    log._conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(AuditError, match="altered at event 2"):
        log.verify()
    log.close()


# --- the command line --------------------------------------------------------------------------------


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("pixtralogist")
    assert exe.is_file(), "the console script is installed with the package"
    return subprocess.run([str(exe), "audit", "verify", *args], capture_output=True, text=True, timeout=60,
                          env=env or child_env())


def test_cli_audit_verify(tmp_path):
    data = tmp_path / "data"
    _new(data)
    ok = _cli("--data-dir", str(data))
    assert ok.returncode == 0, ok.stderr
    assert "intact, 4 events, head 4:" in ok.stdout
    head = ok.stdout.split("head ")[1].split()[0]
    as_json = _cli("--json", env=child_env(PIXTRALOGIST_HOME=str(data)))
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["events"] == 4
    delete_tail(data / "audit.sqlite")
    bad = _cli("--data-dir", str(data))
    assert bad.returncode == 1
    assert "FAILED: the audit log has 3 events but its anchor records 4" in bad.stderr
    assert _cli("--data-dir", str(data), "--expect", head).returncode == 1
    (data / "audit.key").unlink()
    missing = _cli("--data-dir", str(data))
    assert missing.returncode == 2 and "audit.key is missing" in missing.stderr
    nolog = _cli("--data-dir", str(tmp_path / "nowhere"))
    assert nolog.returncode == 2 and "no audit log at" in nolog.stderr
    assert not (tmp_path / "nowhere").exists()


def test_cli_audit_verify_help():
    out = subprocess.run([str(Path(sys.executable).with_name("pixtralogist")), "audit", "verify", "--help"],
                         capture_output=True, text=True, timeout=60, env=child_env())
    assert out.returncode == 0 and "--expect" in out.stdout and "exit 0 when intact" in out.stdout


# --- the service writes the keyed log ---------------------------------------------------------------


def test_the_service_writes_the_keyed_log_and_refuses_to_start_without_its_key(tmp_path):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager

    from test_reliability_support import write_png

    host = get_plugin_manager(autoload=False)
    svc = ReportingService.create(tmp_path, host=host, retrieval=False)
    try:
        turn = svc.start(build_case([write_png(tmp_path / "f.png")], notes="heart nl", specialty_hint="radiology"))
        svc.sign(turn.case_id, "Dr A Example")
        assert [e.action for e in svc.audit.events(turn.case_id)] == ["draft", "sign"]
        assert all(h.startswith(MAC_PREFIX) for (h,) in svc.audit._conn.execute("SELECT hash FROM audit"))
        assert svc.audit.check().ok
    finally:
        svc.close()
    assert stat.S_IMODE((tmp_path / "audit.key").stat().st_mode) == 0o600
    (tmp_path / "audit.key").unlink()
    with pytest.raises(AuditError, match="audit.key is missing"):
        ReportingService.create(tmp_path, host=host, retrieval=False)
    assert not (tmp_path / "audit.key").exists()
