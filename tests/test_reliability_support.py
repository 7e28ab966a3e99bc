"""Helpers shared by the reliability and security tests and ``benchmarks/reliability.py``.

No tests here: real servers in subprocesses, driver scripts, and hostile inputs
built cheaply (a decompression bomb is a few hundred bytes, never allocated).
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Identifiers planted in test DICOMs; they must never appear in anything the app writes.
PHI = {
    "PatientName": "Zyxwvutson^Quirinella",
    "PatientID": "PIDX-7731-QQ",
    "PatientBirthDate": "19310704",
    "AccessionNumber": "ACCX99817",
    "InstitutionName": "Hospital of Saint Quux",
    "ReferringPhysicianName": "Referrerdoc^Ozymandias",
    "OtherPatientIDs": "ALTX-55102",
    "PatientAddress": "42 Plughole Lane Kwijibo",
}
#: The byte strings searched for: every planted value and the parts of the names.
PHI_NEEDLES = sorted({v for v in PHI.values()} | {"Zyxwvutson", "Quirinella", "Referrerdoc", "Ozymandias",
                                                  "Kwijibo", "Plughole"})


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONUNBUFFERED": "1", "PIXTRALOGIST_TEST_RETRIEVAL": "0"}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- inputs -------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid-looking grayscale PNG header claiming width x height over a tiny IDAT (never allocated)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)  # the first rows' worth of zeros; the rest is "missing"
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def write_png(path: Path, size: int = 96, seed: int = 0) -> Path:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    arr = (np.linspace(0, 255, size * size).reshape(size, size) + rng.integers(0, 8, (size, size))).astype("uint8")
    Image.fromarray(arr).save(path)
    return Path(path)


def write_phi_dicom(path: Path) -> Path:
    """pydicom's CT_small with recognisable patient identifiers planted in its header (and descriptions)."""
    import pydicom
    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for key, value in PHI.items():
        setattr(ds, key, value)
    # Identifiers typed into free-text descriptions by mistake are scrubbed too.
    ds.StudyDescription = f"CHEST {PHI['PatientName'].split('^')[0]} follow-up"
    ds.SeriesDescription = f"axial {PHI['PatientID']}"
    ds.BodyPartExamined = "CHEST"
    ds.save_as(path)
    return Path(path)


# --- processes ------------------------------------------------------------------------------


DRIVER_PRELUDE = """
import json, os, sys, time
from pathlib import Path
from pixtralogist.agents.service import ReportingService
from pixtralogist.core.imaging import build_case
from pixtralogist.core.plugins import get_plugin_manager
DATA = Path(sys.argv[1])
def emit(**kw):
    print("EVENT " + json.dumps(kw), flush=True)
# PIXTRALOGIST_TEST_RETRIEVAL=0 skips the guideline store (faster start; crash tests do not need it)
svc = ReportingService.create(DATA, host=get_plugin_manager(autoload=False),
                              retrieval=os.environ.get("PIXTRALOGIST_TEST_RETRIEVAL", "1") != "0")
"""


#: The test-side launcher that installs a kill point, then runs the program (tests/kill_points.py).
KILL_LAUNCHER = Path(__file__).resolve().parent / "kill_points.py"


def python_cmd(*program: str, kill_at: str | None = None) -> list[str]:
    """``python -c CODE ...`` / ``python -m MODULE ...``, or the same through the kill-point launcher."""
    return [sys.executable, *([str(KILL_LAUNCHER), kill_at] if kill_at else []), *program]


def driver(code: str, data_dir: Path, *args: str, env: dict[str, str] | None = None,
           kill_at: str | None = None) -> subprocess.Popen:
    """Start a driver script over ReportingService(data_dir); it reports with ``emit(...)`` lines on stdout.
    ``kill_at``: a point of :mod:`kill_points` where the process SIGKILLs itself."""
    script = DRIVER_PRELUDE + textwrap.dedent(code)
    return subprocess.Popen(python_cmd("-c", script, str(data_dir), *map(str, args), kill_at=kill_at),
                            cwd=REPO.parent, env=env or child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def run_driver(code: str, data_dir: Path, *args: str, timeout: float = 180,
               env: dict[str, str] | None = None) -> list[dict]:
    """Run a driver to completion; returns its events."""
    proc = driver(code, data_dir, *args, env=env)
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"driver failed ({proc.returncode}):\n{err[-3000:]}")
    return parse_events(out.splitlines())


def parse_events(lines) -> list[dict]:
    import json

    return [json.loads(line[6:]) for line in lines if line.startswith("EVENT ")]


def read_until(stream, marker: str, timeout: float, proc: subprocess.Popen) -> list[str]:
    """Lines of ``stream`` up to and including the first containing ``marker`` (blocking reads)."""
    import threading

    lines: list[str] = []
    found = threading.Event()

    def pump() -> None:
        for line in stream:
            lines.append(line)
            if marker in line:
                found.set()
                return

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    if not found.wait(timeout):
        raise AssertionError(f"{marker!r} not seen within {timeout}s (rc={proc.poll()}):\n{''.join(lines)[-3000:]}")
    return lines


def sigkill(proc: subprocess.Popen, *, read_stdout: bool = False) -> list[str]:
    """Kill the process for real (no cleanup handlers run), reap it; optionally the rest of its stdout."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    rest = proc.stdout.read().splitlines() if read_stdout and proc.stdout else []
    for s in (proc.stdout, proc.stderr):
        if s is not None:
            s.close()
    return rest


def until_self_killed(proc: subprocess.Popen, marker: str = '"killing"', *, stream: str = "stdout",
                      timeout: float = 180) -> list[dict]:
    """The events of a driver that kills itself with SIGKILL after writing ``marker`` (on ``stream``).
    Fails unless it died of SIGKILL (no cleanup ran)."""
    try:
        seen = read_until(getattr(proc, stream), marker, timeout, proc)
        proc.wait(timeout=60)
        lines = proc.stdout.read().splitlines()
        if stream == "stdout":
            lines = seen + lines
    finally:
        if proc.poll() is None:
            sigkill(proc)
        for s in (proc.stdout, proc.stderr):
            if s is not None:
                s.close()
    assert proc.returncode == -signal.SIGKILL, f"rc={proc.returncode}: it did not die of SIGKILL"
    return parse_events(lines)


def start_server(data_dir: Path, port: int, *, users_file: Path | None = None, log_file: Path | None = None,
                 export_dir: Path | None = None, timeout: float = 90) -> subprocess.Popen:
    """The real app (``pixtralogist.ui.app.serve``) in its own process on 127.0.0.1:``port``."""
    import httpx

    env = child_env(**({"PIXTRALOGIST_USERS_FILE": str(users_file)} if users_file else {}))
    env["TMPDIR"] = str(export_dir) if export_dir else env.get("TMPDIR", "/tmp")
    logging_setup = ""
    if log_file is not None:
        logging_setup = (
            "import logging; logging.basicConfig(filename=%r, level=logging.DEBUG, "
            "format='%%(asctime)s %%(name)s %%(levelname)s %%(message)s', force=True); " % str(log_file)
        )
    code = logging_setup + f"from pixtralogist.ui.app import serve; serve(port={port}, data_dir={str(data_dir)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO.parent, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + timeout
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", timeout=2)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None or time.time() > deadline:
                why = (f"the server exited (rc={proc.returncode})" if proc.poll() is not None
                       else f"the server did not answer within {timeout:.0f} s")
                out = stop_server(proc)  # what it printed up to now says how far it got
                raise AssertionError(f"{why}; its output:\n{out[-3000:]}")
            time.sleep(0.3)


def stop_server(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return out or ""
    return proc.stdout.read() if proc.stdout else ""


def users_file(path: Path, users: dict[str, str]) -> Path:
    from pixtralogist.ui.auth import hash_password

    path.write_text("".join(f"{u}:{hash_password(p, iterations=1000)}\n" for u, p in users.items()), "utf-8")
    return path


# --- crash drivers ---------------------------------------------------------------------------

#: Start a case, make edits (each reported once committed), then (optionally) sign.
#: argv: DATA, PNG, N (cases), SIGN ("1"/"0"), then sleeps (to be killed) when HOLD is "1".
WORK_DRIVER = """
png, n, sign, hold = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
for i in range(n):
    case = build_case([png], notes=f"small L effusion, heart nl, {i + 3} mm RUL nodule", specialty_hint="radiology")
    t = svc.start(case)
    emit(kind="started", case_id=t.case_id)
    t = svc.edit_region(t.case_id, "bone", f"Old healed right rib fracture {i}.")
    emit(kind="edit", case_id=t.case_id, region="bone", text=t.draft.region_dict()["bone"])
    t = svc.message(t.case_id, "add small right pleural effusion")
    emit(kind="edit", case_id=t.case_id, region="lung", text=t.draft.region_dict()["lung"])
    if sign:
        emit(kind="signing", case_id=t.case_id, regions=t.draft.region_dict())
        t = svc.sign(t.case_id, "Dr Crash Test")
        emit(kind="signed", case_id=t.case_id, status=t.status, regions=t.draft.region_dict())
emit(kind="done")
if hold:
    time.sleep(600)
"""

#: After a restart: the raw feedback store first (what the crash left), then each case through get().
CHECK_DRIVER = """
import sqlite3
fb = svc.runtime.feedback
raw_reports = {r["case_id"]: len(r["final"].regions) for r in fb.reports()}
con = sqlite3.connect(str(DATA / "feedback.sqlite"))
raw_regions = dict(con.execute("SELECT case_id, COUNT(*) FROM regions GROUP BY case_id").fetchall())
con.close()
emit(kind="raw", reports=raw_reports, regions=raw_regions)
for c in svc.list_cases():
    t = svc.get(c.case_id)
    rep = next((r for r in fb.reports() if r["case_id"] == c.case_id), None)
    row = next(x for x in svc.list_cases() if x.case_id == c.case_id)
    emit(kind="case", case_id=c.case_id, status=t.status, signed_by=t.draft.signed_by if t.draft else None,
         regions=t.draft.region_dict() if t.draft else {}, fb_signed=bool(rep and rep["final"].is_signed),
         fb_regions=raw_regions.get(c.case_id, 0) if rep is None else len(rep["final"].regions),
         index_status=row.status, error=t.error,
         next=list(svc.graph.get_state(svc._config(c.case_id)).next),
         audit=[(e.action, e.actor, e.detail.get("status")) for e in svc.audit.events(c.case_id)])
svc.audit.verify()
emit(kind="checked")
"""


def check_consistency(events: list[dict], committed: dict[tuple[str, str], str]) -> tuple[int, list[str]]:
    """Items lost and problems after a restart, from CHECK_DRIVER's events.

    ``committed`` maps (case id, region) -> text of every edit the killed process reported as done.
    """
    problems: list[str] = []
    raw = next(e for e in events if e["kind"] == "raw")
    for cid, n in raw["reports"].items():  # what the crash left: a report row means all its region rows
        if raw["regions"].get(cid, 0) != n:
            problems.append(f"{cid}: half-written sign-off in the feedback store")
    cases = {e["case_id"]: e for e in events if e["kind"] == "case"}
    lost = 0
    for (cid, region), text in committed.items():
        if cid not in cases or cases[cid]["regions"].get(region) != text:
            lost += 1
            problems.append(f"{cid}: edit of {region} lost")
    for cid, c in cases.items():
        signed = c["status"] == "signed"
        if signed != c["fb_signed"]:
            problems.append(f"{cid}: checkpoint says {c['status']}, feedback store signed={c['fb_signed']}")
        if signed and (c["fb_regions"] != len(c["regions"]) or c["index_status"] != "signed"
                       or not any(a == "sign" and s == "signed" for a, _, s in c["audit"])):
            problems.append(f"{cid}: signed but not fully recorded ({c})")
        if not signed and c["status"] not in ("review", "choose_specialty"):
            problems.append(f"{cid}: resumed in state {c['status']} (error {c.get('error')!r}, "
                            f"next {c.get('next')}, audit {c['audit'][-2:]})")
    return lost, problems


# --- concurrent sessions ----------------------------------------------------------------------


def concurrent_drafts(base_url: str, png: Path, n: int = 20, *, auth: tuple[str, str] | None = None,
                      timeout: float = 80) -> list[dict]:
    """``n`` simultaneous sessions through the app's HTTP API, each drafting its own notes.

    Each session is its own ``gradio_client.Client`` (its own session hash and
    ``gr.State``); session i dictates a nodule of ``i + 3`` mm. Returns one dict
    per session: notes, case id, the draft text it got back, seconds to draft.
    """
    import re
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client, handle_file

    barrier = threading.Barrier(n)

    def one(i: int) -> dict:
        # httpx's default 5 s read timeout broke the set-up (not the timed draft) of sessions on a saturated
        # machine (load 11 on 2 cores): 20 clients fetching the app's config at once wait longer
        client = Client(base_url, auth=auth, verbose=False, httpx_kwargs={"timeout": timeout})
        notes = f"{i + 3} mm RUL nodule, heart nl"
        barrier.wait(timeout=timeout)
        t0 = time.perf_counter()
        job = client.submit([handle_file(str(png))], f"cough {i}", "", "", notes, "radiology", api_name="/draft")
        out = job.result(timeout=timeout)
        dt = time.perf_counter() - t0
        texts = [o if isinstance(o, str) else o.get("value") if isinstance(o, dict) else None for o in out]
        status = next((t for t in texts if isinstance(t, str) and "**Case**" in t), None)
        if status is None:
            raise AssertionError(f"session {i} got no draft: {[t for t in texts if t][:4]}")
        # the region boxes (labelled updates with a value): the draft's findings text
        draft = " ".join(o["value"] for o in out if isinstance(o, dict) and o.get("label") and
                         isinstance(o.get("value"), str))
        client.close()
        return {"i": i, "notes": notes, "case_id": re.search(r"`(case-[0-9a-f]+)`", status).group(1),
                "draft": draft, "seconds": dt}

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(0.95 * len(s))) - 1))]
