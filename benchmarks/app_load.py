"""Throughput through the app: 20 clinicians draft, edit and sign at once on a real ``pixtralogist serve``.

    python benchmarks/app_load.py [--clients 20] [--port 0] [--client http|gradio]

What ``make run`` does, measured from outside: a ``pixtralogist serve`` process on
127.0.0.1 with a fresh data folder (cold: nothing indexed, nothing loaded), driven
through its HTTP API (each client its own browser session) by the requests a browser sends
(``benchmarks/gradio_http.py``: plain ``http.client``), or with ``--client gradio`` by
``gradio_client``, which costs about as much CPU per action as the server's own work and
runs on the same 2 cores (the clients' CPU per action is printed):

1. first draft: one client connects as soon as the server answers and drafts; the
   time from the process start to that draft is the cold start a clinician meets;
2. once the warm-up finished (``GET /stats``), ``--clients`` clients (one thread and one
   session each, specialties mixed,
   every note and image its own, no sentence seen before) then act together, each
   phase released at once for all of them (a barrier): Draft; Save edits with
   three region boxes changed (one save); Sign.

The engine's own rate comes from the same run: after the server has stopped,
``ReportingService`` in this process (same plugins, same warm-up, same first
case) drafts the same cases one after another (time inside ``start()``, as
``benchmarks/agent_latency.py`` counts it). The ratio app drafts/s : engine
cases/s says how much of the engine the app delivers.

Graph runs per save come from the app's ``GET /stats`` (``ReportingService.stats()``):
the counter's growth over the save phase divided by the number of saves ("not
counted" when the service has no counter yet).

Targets on 2 cores: p95 time to draft <= 2.5 s with 20 clients, ratio >= 0.5,
first draft <= 5 s after the process starts, one graph run per save of three
edits (when counted). Exits 1 on a miss or when a client's action fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

TARGET_P95_DRAFT_S = 2.5
TARGET_RATIO = 0.5
TARGET_FIRST_DRAFT_S = 5.0
TARGET_RUNS_PER_SAVE = 1
#: The line ``pixtralogist serve`` prints when it can draft without loading anything.
READY_MARK = "ready to draft"

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))


# --- inputs ------------------------------------------------------------------------------


@dataclass
class ClientCase:
    """One clinician's case: what the intake form gets."""

    i: int
    specialty: str
    notes: str
    indication: str
    image: Path
    #: filled in by the run
    times: dict[str, float] = field(default_factory=dict)
    case_id: str | None = None


_PATHOLOGY = (
    "Procedure: {side} breast lumpectomy\nLaterality: {lat}\nIDC NST\nNottingham grade {g}\n"
    "Tumor size {a}.{b} cm\nMargins clear, closest {c} mm\nLN {p}/{q} positive\nER {er}% PR {pr}% HER2 {her2}"
)
_DERMATOLOGY = (
    "{a}x{b}mm {shape} pigm macule {side} {site}, {border} border, {col} colours\n"
    "derm: {net} network, {dots} dots and globules"
)
_OPHTHALMOLOGY = "OD: CDR 0.{a}, {ma} MAs and DBH in {q} quads, {he} HE {pos} to fovea, no NV. OS: {os_}"


def client_cases(n: int, folder: Path, seed: int = 15) -> list[ClientCase]:
    """``n + 1`` cases (the first is the cold first draft): half radiology, the rest pathology,
    dermatology and ophthalmology in turn; each with its own numbers (no two share a sentence) and its
    own image (size and noise differ)."""
    from agent_latency import timed_notes

    rng = random.Random(seed)
    radiology = iter(timed_notes(n + 1, seed=seed))
    out: list[ClientCase] = []
    for i in range(n + 1):
        kind = "radiology" if i % 2 == 0 else ("pathology", "dermatology", "ophthalmology")[(i // 2) % 3]
        if kind == "radiology":
            notes, indication = next(radiology), "Cough, chest x-ray PA."
        elif kind == "pathology":
            notes = _PATHOLOGY.format(side=rng.choice("LR"), lat=rng.choice(["left", "right"]), g=rng.randint(1, 3),
                                      a=1 + i % 4, b=i % 10, c=1 + i, p=i % 3, q=3 + i, er=60 + i, pr=40 + i,
                                      her2=rng.choice(["0", "1+", "2+ FISH neg"]))
            indication = "Breast lumpectomy for carcinoma on core biopsy."
        elif kind == "dermatology":
            notes = _DERMATOLOGY.format(a=4 + i, b=3 + i // 2, shape=rng.choice(["asym", "symmetric"]),
                                        side=rng.choice("LR"), site=rng.choice(["upper back", "forearm", "shin"]),
                                        border=rng.choice(["irreg", "regular"]), col=rng.choice([2, 3]),
                                        net=rng.choice(["atypical", "typical"]), dots=rng.choice(["irreg", "regular"]))
            indication = f"Pigmented lesion, changing over {i + 2} months. Dermoscopy."
        else:
            notes = _OPHTHALMOLOGY.format(a=2 + i % 7, ma=rng.choice(["scattered", "few"]), q=1 + i % 4,
                                          he=rng.choice(["few", "several"]), pos=rng.choice(["temporal", "nasal"]),
                                          os_=f"{i + 1} MAs only, no NV")
            indication = f"Diabetic eye screening, {i + 4} years of type 2 diabetes."
        out.append(ClientCase(i, kind, notes, indication, _image(folder / f"img{i}.png", 192 + 16 * i, i,
                                                                  color=kind in ("dermatology", "ophthalmology"))))
    return out


def _image(path: Path, size: int, seed: int, *, color: bool) -> Path:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, size * size).reshape(size, size)
    arr = base + rng.integers(0, 24, (size, size))
    if color:
        arr = np.stack([arr, np.roll(arr, seed + 1, axis=0), np.roll(arr, 2 * seed + 1, axis=1)], axis=-1)
    Image.fromarray(arr.clip(0, 255).astype("uint8")).save(path)
    return path


# --- the app process --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """``pixtralogist serve`` in its own process; its output is kept with the time each line came."""

    def __init__(self, home: Path, port: int) -> None:
        exe = Path(sys.executable).parent / "pixtralogist"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pixtralogist"]
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "PIXTRALOGIST_HOME": str(home), "TMPDIR": str(home / "tmp"), "PYTHONUNBUFFERED": "1"}
        env.pop("PIXTRALOGIST_CONFIG", None)
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{port}/"
        self.lines: list[tuple[float, str]] = []
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd + ["serve", "--host", "127.0.0.1", "--port", str(port),
                                            "--data-dir", str(home / "data")],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter() - self.t0, line.rstrip()))

    def cpu(self) -> float:
        """CPU seconds (user + system) the app has used, its engine process included: unlike wall time,
        barely moved by other work on a shared machine."""
        return sum(self.cpu_parts())

    def cpu_parts(self) -> tuple[float, float]:
        """CPU seconds of the app's own process and of its child processes (the engine process of
        ``PIXTRALOGIST_ENGINE=process``; 0 when the engine runs inside the app)."""
        own = _proc_cpu(self.proc.pid)
        children = sum(_proc_cpu(pid) for pid in _descendants(self.proc.pid))
        return own, children

    def since_start(self, mark: str) -> float | None:
        return next((t for t, line in self.lines if mark in line), None)

    def output(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def wait_warm(self, timeout: float) -> float:
        """Wait (up to ``timeout`` s) until ``/stats`` says the warm-up finished; seconds waited (0 for an app
        without the flag)."""
        t = time.perf_counter()
        while time.perf_counter() - t < timeout:
            try:
                with urllib.request.urlopen(self.url + "stats", timeout=10) as resp:
                    if json.loads(resp.read()).get("warm") is not False:
                        break
            except Exception:  # noqa: BLE001 - no /stats: nothing to wait for
                break
            time.sleep(0.5)
        return time.perf_counter() - t

    def stats(self) -> dict | None:
        """``GET /stats``, or None when the app has no such endpoint or the service no counter."""
        try:
            with urllib.request.urlopen(self.url + "stats", timeout=10) as resp:
                body = json.loads(resp.read())
        except Exception:  # noqa: BLE001 - 404 before the endpoint exists
            return None
        return body if isinstance(body, dict) and "graph_runs" in body else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one living process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """The living child processes of ``pid``, and theirs."""
    out: list[int] = []
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


#: Which client library the simulated clinicians use: "http" (benchmarks/gradio_http.py, the browser's
#: requests over plain http.client) or "gradio" (gradio_client). Set by main().
CLIENT = {"kind": "http"}


def connect(url: str, deadline: float, app: "App | None" = None):
    """A client session, as soon as the server answers (AssertionError when it died)."""
    while True:
        if app is not None and app.proc.poll() is not None:
            time.sleep(0.5)  # the rest of its output
            raise AssertionError(f"the app exited ({app.proc.returncode}):\n{app.output()[-3000:]}")
        try:
            if CLIENT["kind"] == "http":
                from gradio_http import GradioHTTP

                return GradioHTTP(url, timeout=max(30.0, deadline - time.perf_counter()))
            from gradio_client import Client

            return Client(url, verbose=False, download_files=False, analytics_enabled=False, max_workers=4,
                          httpx_kwargs={"timeout": max(30.0, deadline - time.perf_counter())})
        except Exception:  # noqa: BLE001 - not listening yet
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.05)


# --- one clinician ------------------------------------------------------------------------------


def _outputs(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _status(out) -> str:
    texts = [o for o in _outputs(out) if isinstance(o, str)]
    return next((t for t in texts if "**Case**" in t or "Not applied" in t or "went wrong" in t), " | ".join(texts[:3]))


def layout(client) -> tuple[list[int], int]:
    """Positions of the region boxes and of the impression in a turn's outputs (the API leaves out
    layout blocks, buttons and the session state)."""
    if hasattr(client, "returns"):  # gradio_http
        returns = client.returns("/draft")
    else:
        returns = client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/draft"]["returns"]
    labels = [r.get("label") or "" for r in returns]
    regions = [i for i, label in enumerate(labels) if re.fullmatch(r"Region \d+", label)]
    return regions, next(i for i, label in enumerate(labels) if label.startswith("Impression"))


def _regions(out, where: tuple[list[int], int]) -> tuple[list[str], str, list[str]]:
    """(every region box's value, the impression, labels of the editable regions) from a turn's outputs."""
    values = _outputs(out)

    def value(v) -> str:
        return (v.get("value") if isinstance(v, dict) else v) or ""

    boxes = [values[i] for i in where[0]]
    labels = [b["label"] for b in boxes if isinstance(b, dict) and b.get("label") and b.get("interactive")]
    return [value(b) for b in boxes], value(values[where[1]]), labels


def draft(client, c: ClientCase):
    if hasattr(client, "returns"):  # gradio_http
        from gradio_http import FilePath as handle_file
    else:
        from gradio_client import handle_file

    return client.predict([handle_file(str(c.image))], c.indication, "", "", c.notes, c.specialty,
                          api_name="/draft")


def run_clients(app: App, cases: list[ClientCase], timeout: float) -> dict:
    """Every client drafts, then saves three edits, then signs; each phase released at once."""
    from concurrent.futures import ThreadPoolExecutor

    n = len(cases)
    marks: dict[str, float] = {}
    counts: dict[str, dict | None] = {}
    phase = iter(["draft", "save", "sign", "end"])

    cpu: dict[str, float] = {}
    parts: dict[str, tuple[float, float]] = {}
    clients_cpu: dict[str, float] = {}

    def release() -> None:  # runs once per phase, when every client is ready for it
        name = next(phase)
        counts[name] = app.stats()
        cpu[name] = app.cpu()
        parts[name] = app.cpu_parts()
        clients_cpu[name] = time.process_time()  # this process: the 20 clients, on the same cores
        marks[name] = time.perf_counter()

    barrier = threading.Barrier(n, action=release)
    errors: list[str] = []

    def one(c: ClientCase) -> None:
        client = connect(app.url, time.perf_counter() + timeout, app)
        try:
            where = layout(client)
            barrier.wait(timeout=timeout)
            t = time.perf_counter()
            out = draft(client, c)
            c.times["draft"] = time.perf_counter() - t
            status = _status(out)
            found = re.search(r"`(case-[0-9a-f]+)`", status)
            if not found or "review" not in status.lower():
                errors.append(f"client {c.i} ({c.specialty}) draft: {status[:200]}")
            c.case_id = found.group(1) if found else None
            regions, impression, labels = _regions(out, where)
            if len(labels) < 3:
                errors.append(f"client {c.i} ({c.specialty}): {len(labels)} editable regions")
            for k in range(min(3, len(labels))):
                regions[k] = (regions[k] + f" Reviewed by clinician {c.i}, box {k + 1}.").strip()
            barrier.wait(timeout=timeout)
            t = time.perf_counter()
            out = client.predict(impression, *regions, api_name="/save_edits")
            c.times["save"] = time.perf_counter() - t
            status = _status(out)
            if "Saved 3 edits" not in status:
                errors.append(f"client {c.i} ({c.specialty}) save: {status[:200]}")
            barrier.wait(timeout=timeout)
            t = time.perf_counter()
            out = client.predict(f"Dr Load {c.i}", impression, *regions, api_name="/sign")
            c.times["sign"] = time.perf_counter() - t
            status = _status(out)
            if "signed" not in status.lower():
                errors.append(f"client {c.i} ({c.specialty}) sign: {status[:200]}")
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            errors.append(f"client {c.i}: another client failed")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"client {c.i} ({c.specialty}): {type(exc).__name__}: {exc}"[:300])
            barrier.abort()
        finally:
            client.close()

    with ThreadPoolExecutor(n) as pool:
        list(pool.map(one, cases))
    return {"marks": marks, "counts": counts, "errors": errors, "cpu": cpu, "cpu_parts": parts,
            "clients_cpu": clients_cpu}


# --- the engine alone ---------------------------------------------------------------------------


def engine_rate(cases: list[ClientCase], first: ClientCase, home: Path) -> tuple[float, list[float], float]:
    """Cases/s of ``ReportingService.start`` in this process on the same cases, warmed up as the app is
    and with the app's torch threads; also the CPU seconds per case."""
    try:
        from pixtralogist.ui.serving import ServeSettings
    except ImportError:  # an app without serving settings: torch's defaults, as that app has
        pass
    else:
        ServeSettings.from_env().apply_torch_threads()
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_site_plugin_manager

    def case_of(c: ClientCase):
        return build_case([str(c.image)], indication=c.indication, notes=c.notes, specialty_hint=c.specialty)

    svc = ReportingService.create(home / "engine", host=get_site_plugin_manager())
    try:
        svc.warm_up()
        svc.start(case_of(first))
        built = [case_of(c) for c in cases]
        times = []
        cpu0 = time.process_time()
        for case in built:
            t = time.perf_counter()
            turn = svc.start(case)
            times.append(time.perf_counter() - t)
            if turn.status != "review":
                raise SystemExit(f"engine: case ended in {turn.status}: {turn.error}")
        cpu = (time.process_time() - cpu0) / len(times)
    finally:
        svc.close()
    return len(times) / sum(times), times, cpu


# --- the run ------------------------------------------------------------------------------------


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * len(xs))) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--port", type=int, default=0, help="port of the app (default: a free one)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds one action may take before it fails")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (server output, data)")
    ap.add_argument("--client", choices=["http", "gradio"], default="http",
                    help="the clients' library: the browser's requests over http.client (default; see "
                         "benchmarks/gradio_http.py) or gradio_client (about 0.1 s of CPU per action on the "
                         "same cores as the server)")
    args = ap.parse_args(argv)
    for key, value in (("GRADIO_ANALYTICS_ENABLED", "False"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
        os.environ.setdefault(key, value)

    tmp = Path(tempfile.mkdtemp(prefix="px-app-load-"))
    try:
        cases = client_cases(args.clients, tmp)
        first, cases = cases[0], cases[1:]
        CLIENT["kind"] = args.client
        if args.client == "gradio":
            import gradio_client  # noqa: F401 - the client's own import is not the server's start (same 2 cores)

        app = App(tmp / "app", args.port or _free_port())
        try:
            client = connect(app.url, app.t0 + args.timeout, app)
            out = draft(client, first)
            first_s = time.perf_counter() - app.t0
            first_cpu = app.cpu()
            client.close()
            if "review" not in _status(out).lower():
                print(f"first draft failed: {_status(out)[:300]}\n{app.output()[-3000:]}", file=sys.stderr)
                return 1
            warm_wait = app.wait_warm(args.timeout)  # the clinicians meet a running app, not its warm-up
            run = run_clients(app, cases, args.timeout)
            ready_s = app.since_start(READY_MARK)
            served = app.output()
        finally:
            app.stop()
        if run["errors"]:
            print("FAILED: " + "; ".join(run["errors"][:8]) + f"\n--- server output ---\n{served[-3000:]}",
                  file=sys.stderr)
            return 1
        engine_cps, engine_times, engine_cpu = engine_rate(cases, first, tmp)
    finally:
        if args.keep:
            print(f"(kept {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    n = len(cases)
    marks, counts = run["marks"], run["counts"]
    drafts = [c.times["draft"] for c in cases]
    saves = [c.times["save"] for c in cases]
    signs = [c.times["sign"] for c in cases]
    app_dps = n / (marks["save"] - marks["draft"])  # the draft phase: from release to the last draft back
    ratio = app_dps / engine_cps
    p95_draft = pct(drafts, 0.95)
    mix = ", ".join(f"{k} {sum(c.specialty == k for c in cases)}" for k in dict.fromkeys(c.specialty for c in cases))
    client_name = "gradio_client" if args.client == "gradio" else "the browser's requests, benchmarks/gradio_http.py"
    print(f"app load: `pixtralogist serve` on 127.0.0.1, fresh data folder, {n} clients at once through the HTTP "
          f"API ({client_name}), {mix}; os.cpu_count() = {os.cpu_count()}")
    app_cpu = run["cpu"]
    print(f"  first draft after the process started (cold): {first_s:.2f} s, {first_cpu:.1f} s of the app's CPU"
          + (f"   ('{READY_MARK}' printed at {ready_s:.2f} s)" if ready_s is not None else
             f"   (no '{READY_MARK}' line printed)"))
    if warm_wait > 0.5:
        print(f"  (the {n} clients started once the warm-up had finished: {warm_wait:.1f} s after the first draft)")
    print(f"  time to draft    p50 {statistics.median(drafts):.2f} s   p95 {p95_draft:.2f} s   max {max(drafts):.2f} s")
    print(f"  save 3 edits     p50 {statistics.median(saves):.2f} s   p95 {pct(saves, 0.95):.2f} s")
    print(f"  sign             p50 {statistics.median(signs):.2f} s   p95 {pct(signs, 0.95):.2f} s")
    print(f"  throughput: app {app_dps:.2f} drafts/s; engine alone {engine_cps:.2f} cases/s "
          f"(p50 {statistics.median(engine_times) * 1000:.0f} ms, same cases, in process); ratio {ratio:.2f}")
    print(f"  CPU per action in the app (its engine process included): draft {(app_cpu['save'] - app_cpu['draft']) / n:.3f} s "
          f"(engine alone {engine_cpu:.3f} s), save {(app_cpu['sign'] - app_cpu['save']) / n:.3f} s, "
          f"sign {(app_cpu['end'] - app_cpu['sign']) / n:.3f} s  (CPU time: little moved by other work on the machine)")
    parts = run["cpu_parts"]
    if parts["end"][1] > 0:  # the engine in its own process (PIXTRALOGIST_ENGINE=process)
        split = ", ".join(f"{a} {(parts[b][0] - parts[a][0]) / n:.3f} + {(parts[b][1] - parts[a][1]) / n:.3f} s"
                          for a, b in (("draft", "save"), ("save", "sign"), ("sign", "end")))
        print(f"    of which app process + engine process: {split}")
    ccpu = run["clients_cpu"]
    print("  CPU per action of the clients themselves (this process, on the same cores): "
          + ", ".join(f"{a} {(ccpu[b] - ccpu[a]) / n:.3f} s" for a, b in (("draft", "save"), ("save", "sign"),
                                                                           ("sign", "end"))))
    before, after = counts.get("save"), counts.get("sign")
    runs_per_save = None
    if before is not None and after is not None:
        runs_per_save = (after["graph_runs"] - before["graph_runs"]) / n
        print(f"  graph runs per save of three edits: {runs_per_save:g} (GET /stats)")
        sign_runs = counts.get("end")
        if sign_runs is not None:
            print(f"  graph runs per sign: {(sign_runs['graph_runs'] - after['graph_runs']) / n:g}")
    else:
        print("  graph runs per save of three edits: not counted (GET /stats has no graph_runs)")

    checks = [
        (f"p95 time to draft <= {TARGET_P95_DRAFT_S} s", p95_draft <= TARGET_P95_DRAFT_S),
        (f"app/engine ratio >= {TARGET_RATIO}", ratio >= TARGET_RATIO),
        (f"first draft <= {TARGET_FIRST_DRAFT_S} s after start", first_s <= TARGET_FIRST_DRAFT_S),
    ]
    if runs_per_save is not None:
        checks.append((f"{TARGET_RUNS_PER_SAVE} graph run per save", runs_per_save == TARGET_RUNS_PER_SAVE))
    print("  targets: " + "; ".join(f"{name} -> {'OK' if ok else 'MISSED'}" for name, ok in checks))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
