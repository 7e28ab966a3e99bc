"""Checkpoint compaction (pixtralogist.persistence.compaction) on SQLite and a real local PostgreSQL.

A signed case keeps its final checkpoint only; it still opens, exports the same bytes, and reopens in a new
service; an open case is left alone; compacting twice changes nothing; a process killed in the middle of a
compaction (SIGKILL, no cleanup) leaves the case exactly as before it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pg_fixtures import fresh_database, on_postgres, pg_cluster  # noqa: F401 (fixture)
from test_reliability_support import (
    DRIVER_PRELUDE,
    REPO,
    child_env,
    parse_events,
    read_until,
    sigkill,
    write_phi_dicom,
    write_png,
)

BACKENDS = ["sqlite", on_postgres()]
FORMATS = ("text", "json", "fhir", "dicom-sr")


@pytest.fixture(params=BACKENDS)
def storage(request, audit_key):
    from pixtralogist.core.storage import StorageSettings

    if request.param == "sqlite":
        return StorageSettings()
    return StorageSettings(checkpointer=fresh_database(request.getfixturevalue("pg_cluster"), "cmp"))


def open_service(data_dir: Path, storage):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager

    return ReportingService.create(data_dir, host=get_plugin_manager(autoload=False), retrieval=False,
                                   storage=storage)


def rows(store, case_id: str) -> dict[str, int]:
    """Checkpoint rows of one case, per table."""
    saver = store.saver
    postgres = type(saver).__name__ == "PostgresSaver"
    tables = ("checkpoints", "checkpoint_writes", "checkpoint_blobs") if postgres else ("checkpoints", "writes")
    out = {}
    with saver.lock:
        for t in tables:
            r = saver.conn.execute(f"SELECT count(*) AS n FROM {t} WHERE thread_id = {'%s' if postgres else '?'}",
                                   (case_id,)).fetchone()
            out[t] = r["n"] if isinstance(r, dict) else r[0]
    return out


def exports(svc, case_id: str) -> dict[str, bytes]:
    return {fmt: svc.export(case_id, fmt) for fmt in FORMATS}


def test_signed_case_keeps_its_final_state_and_reads_the_same(storage, tmp_path):
    from langgraph.channels.delta import DeltaChannel

    from pixtralogist.core.imaging import build_case
    from pixtralogist.persistence.compaction import checkpoint_bytes, compact_signed_cases, compact_thread

    data = tmp_path / "data"
    svc = open_service(data, storage)
    try:
        # compaction keeps the latest checkpoint only: no channel may need older ones (a DeltaChannel does)
        assert not [n for n, ch in svc.graph.channels.items() if isinstance(ch, DeltaChannel)]
        dcm = write_phi_dicom(tmp_path / "ct.dcm")
        still_open = svc.start(build_case([str(write_png(tmp_path / "a.png"))], notes="heart nl",
                                          specialty_hint="radiology")).case_id
        svc.edit_region(still_open, "bone", "Old healed right rib fracture.")
        open_rows = rows(svc._checkpoints, still_open)

        svc._checkpoints.compaction = False  # sign as before compaction existed
        first = svc.start(build_case([str(dcm)], notes="small L effusion, heart nl", specialty_hint="radiology"))
        case_id, region = first.case_id, first.draft.regions[0]
        svc.edit_region(case_id, region, "Moderate left pleural effusion.")
        signed = svc.sign(case_id, "Dr Ada Example")
        assert signed.status == "signed"
        before, again = exports(svc, case_id), exports(svc, case_id)
        stable = [f for f in FORMATS if before[f] == again[f]]
        assert {"text", "json", "fhir"} <= set(stable)
        full = rows(svc._checkpoints, case_id)
        full_bytes = checkpoint_bytes(svc._checkpoints, [case_id])
        assert full["checkpoints"] > 5 and (full.get("writes") or full.get("checkpoint_writes")) > 10

        svc._checkpoints.compaction = True
        result = compact_thread(svc._checkpoints, case_id)
        assert result.changed and (result.checkpoints_after, result.writes_after) == (1, 0)
        assert result.checkpoints_before == full["checkpoints"]
        after = rows(svc._checkpoints, case_id)
        assert after["checkpoints"] == 1
        if "checkpoint_blobs" in after:  # PostgreSQL: the kept checkpoint's blobs only
            assert 0 < after["checkpoint_blobs"] < full["checkpoint_blobs"]
        assert checkpoint_bytes(svc._checkpoints, [case_id]) < full_bytes / 3
        assert rows(svc._checkpoints, still_open) == open_rows  # the open case is untouched

        turn = svc.get(case_id)
        assert turn.status == "signed" and turn.version == signed.version and turn.draft == signed.draft
        assert turn.draft.region_dict()[region] == "Moderate left pleural effusion."
        assert svc.graph.get_state(svc._config(case_id)).values["history"] == []  # no undo once signed
        assert {f: svc.export(case_id, f) for f in stable} == {f: before[f] for f in stable}
        assert {s.case_id: s.status for s in svc.list_cases()} == {case_id: "signed", still_open: "review"}

        assert not compact_thread(svc._checkpoints, case_id).changed  # idempotent
        done, skipped = compact_signed_cases(svc._checkpoints)
        assert [c.thread_id for c in done] == [case_id] and not done[0].changed and not skipped
        assert rows(svc._checkpoints, still_open) == open_rows
    finally:
        svc.close()

    svc = open_service(data, storage)  # a re-opened app
    try:
        assert svc.recover() == 0
        turn = svc.get(case_id)
        assert turn.status == "signed" and turn.version == signed.version
        assert {f: svc.export(case_id, f) for f in stable} == {f: before[f] for f in stable}
        assert svc.runtime.feedback.has_report(case_id)
        # the open case resumes where it paused; its sign-off compacts it through the service
        assert svc.get(still_open).draft.region_dict()["bone"] == "Old healed right rib fracture."
        assert svc.sign(still_open, "Dr Ada Example").status == "signed"
        assert rows(svc._checkpoints, still_open)["checkpoints"] == 1
        assert svc.get(still_open).status == "signed"
        assert [e.action for e in svc.audit.events(still_open)][-1] == "sign"
    finally:
        svc.close()


def test_maintenance_compact_an_old_sqlite_folder(tmp_path, audit_key, capsys):
    """A data folder from before compaction (auto_vacuum NONE, every checkpoint kept): the command compacts
    its signed cases, is idempotent, and --vacuum turns the file incremental and shrinks it."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    from pixtralogist.cli import main
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.storage import StorageSettings

    data = tmp_path / "data"
    data.mkdir()
    old = sqlite3.connect(data / "agent.sqlite", check_same_thread=False)
    SqliteSaver(old).setup()  # the tables as an earlier release created them
    old.close()
    svc = open_service(data, StorageSettings())
    ids = []
    try:
        svc._checkpoints.compaction = False
        for i in range(3):
            cid = svc.start(build_case([str(write_png(tmp_path / f"{i}.png", seed=i))], notes="heart nl",
                                       specialty_hint="radiology")).case_id
            svc.edit_region(cid, "lung", f"Small left pleural effusion {i}.")
            if i < 2:
                svc.sign(cid, "Dr Ada Example")
            ids.append(cid)
        open_rows = rows(svc._checkpoints, ids[2])
        versions = [svc.get(c).version for c in ids]
    finally:
        svc.close()
    con = sqlite3.connect(data / "agent.sqlite")
    assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    con.close()

    assert main(["maintenance", "compact", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 signed cases compacted" in out and "--vacuum" in out
    assert main(["maintenance", "compact", "--data-dir", str(data)]) == 0
    assert "0 of 2 signed cases compacted" in capsys.readouterr().out
    size = (data / "agent.sqlite").stat().st_size
    assert main(["maintenance", "compact", "--data-dir", str(data), "--vacuum"]) == 0
    assert "auto_vacuum=incremental" in capsys.readouterr().out
    assert (data / "agent.sqlite").stat().st_size < size
    con = sqlite3.connect(data / "agent.sqlite")
    assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    con.close()

    svc = open_service(data, StorageSettings())
    try:
        assert [rows(svc._checkpoints, c)["checkpoints"] for c in ids[:2]] == [1, 1]
        assert rows(svc._checkpoints, ids[2]) == open_rows
        assert [svc.get(c).version for c in ids] == versions
    finally:
        svc.close()
    assert main(["maintenance", "compact", "--data-dir", str(tmp_path / "nowhere")]) == 2


# --- killed mid-compaction -------------------------------------------------------------------

# The driver signs one case with compaction off, prints its checkpoint count, then compacts it. On SQLite the
# test wraps the checkpointer's connection so that the compaction's COMMIT never comes: the process prints
# "paused" inside the transaction (after its deletes) and waits there to be killed.
KILL_DRIVER = DRIVER_PRELUDE + """
from pixtralogist.persistence.compaction import compact_thread
store = svc._checkpoints
store.compaction = False
png = sys.argv[2]
cid = svc.start(build_case([png], notes="small L effusion, heart nl", specialty_hint="radiology")).case_id
svc.edit_region(cid, "lung", "Moderate left pleural effusion.")
t = svc.sign(cid, "Dr Ada Example")
emit(kind="signed", case_id=cid, version=t.version)
if type(store.saver).__name__ == "SqliteSaver":
    class PauseBeforeCommit:
        def __init__(self, conn):
            self._conn, self._deleted = conn, False
        def execute(self, sql, *args):
            if sql.startswith("DELETE FROM checkpoints"):
                self._deleted = True
            if sql == "COMMIT" and self._deleted:
                n = self._conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = ?", (cid,)).fetchone()[0]
                emit(kind="paused", in_transaction=n)
                time.sleep(600)
            return self._conn.execute(sql, *args)
        def __getattr__(self, name):
            return getattr(self._conn, name)
    store.saver.conn = PauseBeforeCommit(store.saver.conn)
else:
    sys.stdin.readline()  # the test holds a lock that stops the compaction inside its transaction
    emit(kind="compacting")
compact_thread(store, cid)
emit(kind="compacted")
"""


def _check_uncompacted_then_compact(data: Path, storage, case_id: str, version: str) -> None:
    from pixtralogist.persistence.compaction import compact_signed_cases

    svc = open_service(data, storage)
    try:
        full = rows(svc._checkpoints, case_id)
        assert full["checkpoints"] > 5  # nothing was deleted: the transaction never committed
        assert svc.recover() == 0
        turn = svc.get(case_id)
        assert turn.status == "signed" and turn.version == version
        assert svc.runtime.feedback.has_report(case_id)
        assert any(e.action == "sign" for e in svc.audit.events(case_id))
        done, _ = compact_signed_cases(svc._checkpoints)  # running it again completes it
        assert done[0].changed and rows(svc._checkpoints, case_id)["checkpoints"] == 1
        assert svc.get(case_id).version == version
    finally:
        svc.close()


@pytest.mark.timeout(240)
def test_kill_during_sqlite_compaction_loses_nothing(tmp_path, audit_key):
    from pixtralogist.core.storage import StorageSettings

    data = tmp_path / "data"
    proc = _driver(data, write_png(tmp_path / "f.png"), child_env(PIXTRALOGIST_AUDIT_KEY_FILE=str(audit_key)))
    try:
        lines = read_until(proc.stdout, '"paused"', 180, proc)
    finally:
        sigkill(proc)
    events = {e["kind"]: e for e in parse_events(lines)}
    assert events["paused"]["in_transaction"] == 1  # killed after the deletes, before COMMIT
    _check_uncompacted_then_compact(data, StorageSettings(), events["signed"]["case_id"],
                                    events["signed"]["version"])


@pytest.mark.timeout(240)
@pytest.mark.parametrize("backend", [on_postgres()])
def test_kill_during_postgres_compaction_loses_nothing(backend, tmp_path, audit_key, request):
    """The test holds an EXCLUSIVE lock on checkpoint_blobs (reads pass, deletes wait): the compaction
    deletes the superseded writes and checkpoints, then waits inside its transaction on the blobs'
    delete; the process is killed there, the lock released, and the server rolls the transaction back."""
    import psycopg

    from pixtralogist.core.storage import StorageSettings

    url = fresh_database(request.getfixturevalue("pg_cluster"), "kill")
    data = tmp_path / "data"
    proc = _driver(data, write_png(tmp_path / "f.png"),
                   child_env(PIXTRALOGIST_AUDIT_KEY_FILE=str(audit_key), PIXTRALOGIST_CHECKPOINTER_URL=url))
    try:
        lines = read_until(proc.stdout, '"signed"', 180, proc)
        with psycopg.connect(url) as held, psycopg.connect(url, autocommit=True) as watch:
            held.execute("LOCK TABLE checkpoint_blobs IN EXCLUSIVE MODE")  # one transaction, open until the end
            proc.stdin.write("go\n")
            proc.stdin.flush()
            deadline = time.monotonic() + 60
            while True:
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM checkpoint_blobs%'").fetchone()[0]
                if waiting:
                    break
                assert time.monotonic() < deadline, "the compaction never reached the blobs"
                time.sleep(0.1)
            sigkill(proc)
        # the lock is released: the orphaned server process finds its client gone and rolls back
        with psycopg.connect(url, autocommit=True) as conn:
            deadline = time.monotonic() + 30
            while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid() AND state <> 'idle'").fetchone()[0]:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        if proc.poll() is None:
            sigkill(proc)
    signed = {e["kind"]: e for e in parse_events(lines)}["signed"]
    _check_uncompacted_then_compact(data, StorageSettings(checkpointer=url), signed["case_id"], signed["version"])


def _driver(data: Path, png: Path, env: dict[str, str]) -> subprocess.Popen:
    """KILL_DRIVER over ReportingService(data) in a subprocess (stdin open for the test's "go")."""
    return subprocess.Popen([sys.executable, "-c", KILL_DRIVER, str(data), str(png)], cwd=REPO.parent, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_delta_channel_thread_is_refused_and_left_whole(caplog):
    """A LangGraph DeltaChannel rebuilds its value from older checkpoints: compacting would lose it."""
    from types import SimpleNamespace
    from typing import Annotated, TypedDict

    from langgraph.channels.delta import DeltaChannel
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph import END, START, StateGraph

    from pixtralogist.core.errors import DataError
    from pixtralogist.persistence.compaction import compact_signed, compact_thread

    def extend(state, writes):
        return list(state or []) + [x for w in writes for x in w]

    g = StateGraph(TypedDict("S", {"items": Annotated[list, DeltaChannel(extend)]}))
    g.add_node("a", lambda s: {"items": ["x"]})
    g.add_node("b", lambda s: {"items": ["y"]})
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", END)
    saver = SqliteSaver(sqlite3.connect(":memory:", check_same_thread=False))
    saver.setup()
    app, cfg = g.compile(checkpointer=saver), {"configurable": {"thread_id": "t"}}
    app.invoke({"items": ["s"]}, cfg)
    n = saver.conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0]
    with pytest.raises(DataError, match="DeltaChannel"):
        compact_thread(saver, "t")
    assert compact_signed(SimpleNamespace(saver=saver, compaction=True), "t") is None  # logged, never raised
    assert "compaction failed" in caplog.text
    assert saver.conn.execute("SELECT count(*) FROM checkpoints").fetchone()[0] == n
    assert app.get_state(cfg).values == {"items": ["s", "x", "y"]}
