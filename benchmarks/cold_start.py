"""The engine's cold path: from process start to the first radiology draft, without gradio.

What a clinician meets after ``make run`` on a fresh data folder, minus the web layer: each
measurement is a fresh Python process (nothing imported, nothing cached in memory) on a fresh data
folder (no guideline index, no database), which imports the service, opens it
(``ReportingService.create``) and drafts an unseen radiology case (``ReportingService.start``),
then one case of each other specialty, then the radiology case again: the cold first draft must be
the warm engine's draft (same content; exit 1 otherwise). No warm-up runs: the first draft loads
what it needs.

Two kinds of child process:

* ``path`` (``--runs`` of them): import -> create -> first radiology draft -> the other specialties'
  first drafts. Its time from the parent's spawn to the end of the radiology draft is the figure
  the target applies to (median over the runs).
* ``breakdown`` (one): the same, with the first draft's loads done one at a time before it
  (the generic NLP pipeline, the sentence embedder, the radiology guideline index), to show where
  the time goes. Its sum is about the ``path`` total.

Each child also says which heavy modules the first radiology draft had imported (torch, spacy,
chromadb, langgraph, transformers) and its CPU seconds. Target on a quiet 2-core machine: first
radiology draft <= 3.0 s after the process starts (exit 1 on a miss).

    python benchmarks/cold_start.py [--runs 3] [--target 3.0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

TARGET_S = 3.0
HEAVY = ("torch", "spacy", "thinc", "chromadb", "langgraph", "transformers", "sentence_transformers", "gradio")
SPECIALTY_CASES = {"radiology": 0, "pathology": 1, "dermatology": 3, "ophthalmology": 5}  # client_cases indices


# --- the child ----------------------------------------------------------------------------------


def _child(mode: str, spec_path: str) -> None:
    """One cold process: print one JSON line of wall stamps (time.time) and facts."""
    stamps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    facts: dict[str, object] = {}

    def mark(name: str) -> None:
        stamps[name] = time.time()
        cpu[name] = time.process_time()  # this process's CPU (all threads) since it started

    spec = json.loads(Path(spec_path).read_text())
    mark("interpreter")
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case

    mark("imports")
    service = ReportingService.create(Path(spec["data_dir"]))
    mark("create")
    cases = {name: build_case([c["image"]], notes=c["notes"], indication=c["indication"])
             for name, c in spec["cases"].items()}
    mark("cases")
    if mode == "breakdown":
        from pixtralogist.core.embedding import get_embedder
        from pixtralogist.core.nlp import analyze

        analyze("No mass.")
        mark("nlp")
        get_embedder()
        mark("embedder")
        service.runtime._ensure_synced("radiology")
        mark("index")
    turn = service.start(cases["radiology"])
    if turn.draft is None or turn.draft.specialty != "radiology":
        raise SystemExit(f"the radiology case was not drafted as radiology: {turn.draft and turn.draft.specialty}")
    mark("draft:radiology")
    facts["loaded_at_first_draft"] = [m for m in HEAVY if m in sys.modules]
    from pixtralogist.core.deferred_imports import waiting

    facts["deferred_at_first_draft"] = sorted(waiting())  # package inits not run (core.deferred_imports)
    facts["cpu_at_first_draft"] = time.process_time()
    for name in ("pathology", "dermatology", "ophthalmology"):
        t = service.start(cases[name])
        if t.draft is None:
            raise SystemExit(f"the {name} case got no draft")
        mark(f"draft:{name}")
    c = spec["cases"]["radiology"]  # the same case again (a new case id) on the now warm engine
    again = service.start(build_case([c["image"]], notes=c["notes"], indication=c["indication"]))
    facts["same_as_warm"] = _content(turn.draft) == _content(again.draft)
    facts["cpu_total"] = resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(
        resource.RUSAGE_SELF).ru_stime
    service.close()
    print("RESULT " + json.dumps({"stamps": stamps, "cpu": cpu, "facts": facts}), flush=True)


#: What differs between two drafts of one case besides their content (new ids, times).
_NOT_CONTENT = frozenset({"id", "case_id", "finding_id", "created_at", "updated_at"})


def _content(draft) -> object:
    """A draft's content: its JSON without ids and times (what a warm engine must give again)."""
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _NOT_CONTENT}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(draft.model_dump(mode="json"))


# --- the parent ---------------------------------------------------------------------------------


def _spawn(mode: str, folder: Path, cases: dict[str, dict[str, str]], i: int) -> dict:
    data_dir = folder / f"home-{mode}-{i}"  # fresh, never used before
    spec = folder / f"spec-{mode}-{i}.json"
    spec.write_text(json.dumps({"data_dir": str(data_dir), "cases": cases}))
    env = dict(os.environ, PIXTRALOGIST_HOME=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False")
    t0 = time.time()
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(spec)], capture_output=True, text=True,
                          env=env, cwd=str(REPO), timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"cold-start child ({mode}) failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    out["t0"] = t0
    return out


def _since(out: dict) -> dict[str, float]:
    return {k: v - out["t0"] for k, v in out["stamps"].items()}


def _steps(out: dict) -> list[tuple[str, float, float]]:
    """(step, wall seconds, CPU seconds) in order: each stamp minus the one before (the first from the spawn)."""
    prev, prev_cpu = out["t0"], 0.0
    steps = []
    for name, t in out["stamps"].items():
        steps.append((name, t - prev, out["cpu"][name] - prev_cpu))
        prev, prev_cpu = t, out["cpu"][name]
    return steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="cold processes timed for the target (median)")
    ap.add_argument("--target", type=float, default=TARGET_S, help="seconds to the first radiology draft")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "SPEC"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0

    from app_load import client_cases

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="pixtralogist-cold-") as tmp:
        folder = Path(tmp)
        all_cases = client_cases(max(SPECIALTY_CASES.values()), folder)
        cases = {}
        for name, idx in SPECIALTY_CASES.items():
            c = all_cases[idx]
            assert c.specialty == name, (c.specialty, name)
            cases[name] = {"notes": c.notes, "indication": c.indication, "image": str(c.image)}

        breakdown = _spawn("breakdown", folder, cases, 0)
        print("breakdown (one cold process, loads one at a time; wall and CPU seconds per step):")
        for name, secs, cpu in _steps(breakdown):
            label = {"interpreter": "interpreter start", "imports": "import service",
                     "create": "ReportingService.create", "cases": "case ingestion (4 cases)",
                     "nlp": "generic NLP pipeline", "embedder": "sentence embedder",
                     "index": "radiology guideline index"}.get(name, name.replace("draft:", "first draft: "))
            print(f"  {label:<34} {secs:6.2f} wall {cpu:6.2f} CPU")
        facts = breakdown["facts"]
        print(f"  modules loaded at the first radiology draft: {', '.join(facts['loaded_at_first_draft']) or '-'}")
        print(f"  package inits not run by then: {', '.join(facts['deferred_at_first_draft']) or '-'}")

        totals, cpus, same = [], [], [breakdown["facts"]["same_as_warm"]]
        for i in range(args.runs):
            out = _spawn("path", folder, cases, i)
            since = _since(out)
            totals.append(since["draft:radiology"])
            cpus.append(out["facts"]["cpu_at_first_draft"])
            same.append(out["facts"]["same_as_warm"])
            print(f"run {i + 1}: imports {since['imports']:.2f} | create {since['create']:.2f} | "
                  f"first radiology draft {since['draft:radiology']:.2f} s ({out['facts']['cpu_at_first_draft']:.2f} s CPU)"
                  f" | all four specialties {since['draft:ophthalmology']:.2f} s"
                  f" | loaded: {', '.join(out['facts']['loaded_at_first_draft']) or '-'}"
                  f" | same draft as warm: {'yes' if out['facts']['same_as_warm'] else 'NO'}")
    if not all(same):
        print("the cold first radiology draft differs from the same case drafted again on the warm engine")
    total = statistics.median(totals)
    load = os.getloadavg()
    print(f"first radiology draft after the process started (cold, median of {args.runs}): {total:.2f} s "
          f"({statistics.median(cpus):.2f} s CPU); target <= {args.target:.1f} s; "
          f"load average {load[0]:.2f} at the end")
    ok = total <= args.target and all(same)
    print("OK" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
