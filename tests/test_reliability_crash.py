"""Crash and restart: SIGKILL a real process over ReportingService, restart, nothing is lost.

A driver script (``test_reliability_support.WORK_DRIVER``) drafts, edits and
signs cases in a subprocess; the test kills it with SIGKILL (no cleanup runs)
while a case waits in review, at the boundaries between the steps of a sign-off
(kill points the test installs through its own launcher, ``tests/kill_points.py``:
no test hook is in the product), and at random moments. A second process then checks: every
case resumes at the same step, every edit reported before the kill is there,
and a signed report is either fully signed (checkpoint, feedback store, case
list, audit log) or not signed at all.
"""

from __future__ import annotations

import random
import sqlite3
import time

import pytest

from kill_points import MARKER
from test_reliability_support import (
    CHECK_DRIVER,
    WORK_DRIVER,
    check_consistency,
    driver,
    parse_events,
    read_until,
    run_driver,
    sigkill,
    until_self_killed,
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
    events = until_self_killed(driver(WORK_DRIVER, data, png, 1, 1, 0, kill_at=point), f"{MARKER} {point}",
                               stream="stderr")
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


#: A case in review, then an edit whose process dies (SIGKILL) at a point the test picks with a
#: hook installed here (no production code): once the edit's ``retrieve`` step has run, just before
#: the checkpoint after it is written. Its writes are saved; ``verify`` never runs. LangGraph then
#: shows the thread with no step to run and no pause while the draft is unsigned ("stranded").
STRAND_DRIVER = """
import signal, threading
png = sys.argv[2]
t = svc.start(build_case([png], notes="small L effusion, heart nl, 5 mm RUL nodule", specialty_hint="radiology"))
emit(kind="started", case_id=t.case_id, flags=sorted([f.code, f.region, f.severity] for f in t.flags))
armed = {"retrieved": False}
cite = svc.runtime.cite_findings

def cite_then_arm(*a, **k):
    out = cite(*a, **k)
    armed["retrieved"] = True
    return out

svc.runtime.cite_findings = cite_then_arm
saver = svc._checkpoints.saver
put, put_writes = saver.put, saver.put_writes
retrieve_saved = threading.Event()

def put_writes_and_note(config, writes, *a, **k):
    out = put_writes(config, writes, *a, **k)
    if armed["retrieved"] and any(channel == "citations" for channel, _ in writes):
        retrieve_saved.set()  # the retrieve step's writes are committed
    return out

def put_or_die(*a, **k):
    if armed["retrieved"]:
        # LangGraph writes a step's results and the checkpoint after it from worker threads:
        # wait for the retrieve writes, so the kill lands between them and that checkpoint
        emit(kind="killing", writes_saved=retrieve_saved.wait(60))
        os.kill(os.getpid(), signal.SIGKILL)
    return put(*a, **k)

saver.put_writes = put_writes_and_note
saver.put = put_or_die
svc.edit_region(t.case_id, "lung", sys.argv[3])
emit(kind="not killed")
"""

#: After the restart: the raw thread as the kill left it, then the case through get(); and a
#: control case given the same edit without a crash (the flags a real verify gives).
STRAND_CHECK = """
text = sys.argv[2]
(row,) = svc.list_cases()
cid = row.case_id
snap = svc.graph.get_state(svc._config(cid))
from pixtralogist.agents.state import load_state
stale = load_state(snap.values)
emit(kind="raw", next=list(snap.next), interrupt=svc._interrupt(snap), status=stale.draft.status,
     lung=stale.draft.region_dict()["lung"], flags=sorted([f.code, f.region, f.severity] for f in stale.flags))
t = svc.get(cid)
emit(kind="recovered", status=t.status, lung=t.draft.region_dict()["lung"],
     flags=sorted([f.code, f.region, f.severity] for f in t.flags))
c = svc.start(build_case([str(DATA.parent / "f.png")], notes="small L effusion, heart nl, 5 mm RUL nodule",
                         specialty_hint="radiology"))
c = svc.edit_region(c.case_id, "lung", text)
emit(kind="control", flags=sorted([f.code, f.region, f.severity] for f in c.flags))
s = svc.sign(cid, "Dr Ada Example")
emit(kind="signed", status=s.status)
"""


def test_a_case_stranded_by_a_real_kill_reruns_retrieve_and_verify(tmp_path):
    """SIGKILL between an edit's retrieve step and its checkpoint strands the case (no step, no
    pause, unsigned). Reopening re-runs retrieve and verify over the edited draft: the flags are
    the ones a full verify gives (here a contradiction the stale flags lack), then it can be signed."""
    png = write_png(tmp_path / "f.png")
    data = tmp_path / "data"
    edit = "Small left pleural effusion. No pleural effusion."  # contradicts itself: verify flags it
    events = until_self_killed(driver(STRAND_DRIVER, data, png, edit))
    assert [e["kind"] for e in events] == ["started", "killing"] and events[-1]["writes_saved"]
    after = run_driver(STRAND_CHECK, data, edit)
    raw = next(e for e in after if e["kind"] == "raw")
    # the stranded shape, as the kill left it: nothing to run, no pause, unsigned, the edit's text saved
    assert raw["next"] == [] and raw["interrupt"] is None and raw["status"] != "signed"
    assert raw["lung"] == edit
    assert ["contradiction", "lung", "critical"] not in raw["flags"]  # verify never ran on the edit
    recovered = next(e for e in after if e["kind"] == "recovered")
    control = next(e for e in after if e["kind"] == "control")
    assert recovered["status"] == "review" and recovered["lung"] == edit
    assert ["contradiction", "lung", "critical"] in control["flags"]
    assert recovered["flags"] == control["flags"]  # re-verified, not the stale flags
    assert next(e for e in after if e["kind"] == "signed")["status"] == "signed"


#: Sign a case, and SIGKILL the process between the moment the sign-off's ``finalize`` step has its
#: results saved and the checkpoint after it (the window a busy machine widens: LangGraph writes
#: both from worker threads).
SIGN_STRAND_DRIVER = """
import signal, threading
png = sys.argv[2]
t = svc.start(build_case([png], notes="small L effusion, heart nl", specialty_hint="radiology"))
t = svc.edit_region(t.case_id, "bone", "Old healed right rib fracture.")
emit(kind="started", case_id=t.case_id, regions=t.draft.region_dict())
saver = svc._checkpoints.saver
put, put_writes = saver.put, saver.put_writes
finalize_saved = threading.Event()

def put_writes_and_note(config, writes, *a, **k):
    out = put_writes(config, writes, *a, **k)
    if ("status", "signed") in [(c, v) for c, v in writes] and any(c == "messages" for c, _ in writes):
        finalize_saved.set()  # finalize's results (signed draft, status, message) are committed
    return out

def put_or_die(config, checkpoint, *a, **k):
    if (checkpoint.get("channel_values", {}).get("status")) == "signed":
        emit(kind="killing", writes_saved=finalize_saved.wait(60))
        os.kill(os.getpid(), signal.SIGKILL)
    return put(config, checkpoint, *a, **k)

saver.put_writes = put_writes_and_note
saver.put = put_or_die
svc.sign(t.case_id, "Dr Ada Example")
emit(kind="not killed")
"""

SIGN_STRAND_CHECK = """
(row,) = svc.list_cases()
cid = row.case_id
snap = svc.graph.get_state(svc._config(cid))
from pixtralogist.agents.state import load_state
emit(kind="raw", next=list(snap.next), status=load_state(snap.values).draft.status,
     reported=svc.runtime.feedback.has_report(cid))
t = svc.get(cid)
emit(kind="recovered", status=t.status, reported=svc.runtime.feedback.has_report(cid),
     regions={r["case_id"]: r["final"].region_dict() for r in svc.runtime.feedback.reports()}.get(cid),
     index=svc.list_cases()[0].status, audit=[(e.action, e.detail.get("status")) for e in svc.audit.events(cid)])
"""


def test_a_signoff_cut_between_its_results_and_its_checkpoint_is_completed(tmp_path):
    """The cause of the reliability benchmark's ``fb_signed=False``: SIGKILL after ``finalize``'s results
    are saved but before the checkpoint after it. LangGraph then shows the thread finished and signed
    (no next step) though ``learn`` never ran; reopening must finish it: the feedback store gets the
    signed report, the case list and the audit log say signed."""
    png = write_png(tmp_path / "f.png")
    data = tmp_path / "data"
    events = until_self_killed(driver(SIGN_STRAND_DRIVER, data, png))
    assert [e["kind"] for e in events] == ["started", "killing"] and events[-1]["writes_saved"]
    after = run_driver(SIGN_STRAND_CHECK, data)
    raw = next(e for e in after if e["kind"] == "raw")
    # the shape the kill left: looks finished and signed, but the feedback store has nothing
    assert raw["next"] == [] and raw["status"] == "signed" and not raw["reported"]
    rec = next(e for e in after if e["kind"] == "recovered")
    assert rec["status"] == "signed" and rec["reported"] and rec["index"] == "signed"
    assert rec["regions"] == events[0]["regions"]
    assert ("sign", "signed") in [tuple(a) for a in rec["audit"]]
