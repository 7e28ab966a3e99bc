"""Crash and restart: SIGKILL a real process over ReportingService, restart, nothing is lost.

A driver script (``test_reliability_support.WORK_DRIVER``) drafts, edits and
signs cases in a subprocess; the test kills it with SIGKILL (no cleanup runs)
while a case waits in review, and while a sign-off is being written (the
test-only pause points of :mod:`pixtralogist.core.faults` make that moment
deterministic), and at random moments. A second process then checks: every
case resumes at the same step, every edit reported before the kill is there,
and a signed report is either fully signed (checkpoint, feedback store, case
list, audit log) or not signed at all.
"""

from __future__ import annotations

import random
import sqlite3
import time

import pytest

from pixtralogist.core.faults import MARKER, PAUSE_ENV

from test_reliability_support import (
    CHECK_DRIVER,
    WORK_DRIVER,
    check_consistency,
    child_env,
    driver,
    parse_events,
    read_until,
    run_driver,
    sigkill,
    write_png,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def committed_edits(events: list[dict]) -> dict[tuple[str, str], str]:
    return {(e["case_id"], e["region"]): e["text"] for e in events if e["kind"] == "edit"}


def test_sqlite_stores_use_wal_and_full_sync(tmp_path):
    run_driver("svc.close()\n", tmp_path)
    for name in ("agent.sqlite", "feedback.sqlite", "audit.sqlite"):
        con = sqlite3.connect(tmp_path / name)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal", name
        con.close()
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager

    svc = ReportingService.create(tmp_path, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        assert svc._checkpoints.saver.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert svc.runtime.feedback._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert svc.audit._conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    finally:
        svc.close()


def test_kill_while_paused_in_review_then_resume(tmp_path):
    png = write_png(tmp_path / "f.png")
    data = tmp_path / "data"
    proc = driver(WORK_DRIVER, data, png, 1, 0, 1)
    try:
        lines = read_until(proc.stdout, '"done"', 180, proc)
    finally:
        sigkill(proc)
    events = parse_events(lines)
    edits = committed_edits(events)
    assert len(edits) == 2
    # Restart: check, then keep working on the resumed case (sign it) in the same process.
    after = run_driver(CHECK_DRIVER + """
cid = svc.list_cases()[0].case_id
t = svc.sign(cid, "Dr Resumed")
emit(kind="resigned", status=t.status, regions=t.draft.region_dict())
""", data)
    lost, problems = check_consistency(after, edits)
    assert lost == 0 and not problems, problems
    (case,) = [e for e in after if e["kind"] == "case"]
    assert case["status"] == "review" and case["index_status"] == "review"
    signed = after[-1]
    assert signed["status"] == "signed" and signed["regions"] == case["regions"]


@pytest.mark.parametrize("point", ["feedback.record_report", "service.after_sign"])
def test_kill_while_the_sign_off_is_written(tmp_path, point):
    png = write_png(tmp_path / "f.png")
    data = tmp_path / "data"
    proc = driver(WORK_DRIVER, data, png, 1, 1, 0, env=child_env(**{PAUSE_ENV: f"{point}:120"}))
    try:
        read_until(proc.stderr, MARKER, 180, proc)
    finally:
        lines = sigkill(proc, read_stdout=True)
    events = parse_events(lines)
    assert [e["kind"] for e in events][-1] == "signing"  # killed inside sign()
    expected = events[-1]["regions"]
    after = run_driver(CHECK_DRIVER, data)
    raw = next(e for e in after if e["kind"] == "raw")
    if point == "feedback.record_report":
        assert raw["reports"] == {} and raw["regions"] == {}  # the half-written transaction was rolled back
    lost, problems = check_consistency(after, committed_edits(events))
    assert lost == 0 and not problems, problems
    (case,) = [e for e in after if e["kind"] == "case"]
    # The checkpoint had the signature before the kill: the restart completes the sign-off, all of it.
    assert case["status"] == "signed" and case["signed_by"] == "Dr Crash Test" and case["regions"] == expected
    signs = [a for a in case["audit"] if a[0] == "sign"]
    assert signs == [["sign", "local", "signed"]]  # recorded once, attributed from the checkpoint


def test_kill_at_random_moments(tmp_path):
    """A few rounds of drafting/editing/signing killed at a random moment; nothing is ever half done."""
    png = write_png(tmp_path / "f.png")
    rng = random.Random(8)
    for rnd in range(2):
        data = tmp_path / f"data{rnd}"
        proc = driver(WORK_DRIVER, data, png, 40, 1, 1)
        try:
            read_until(proc.stdout, '"started"', 180, proc)  # past start-up: the case work is under way
            time.sleep(rng.uniform(0.1, 2.0))
        finally:
            lines = sigkill(proc, read_stdout=True)
        after = run_driver(CHECK_DRIVER, data)
        lost, problems = check_consistency(after, committed_edits(parse_events(lines)))
        assert lost == 0 and not problems, (rnd, problems)
