"""Agent latency on the offline engine: N cases end to end (start -> review), warm.

Prints p50/p95 per case, cases per second, and guideline retrieval p95 per
finding query. Targets on 2 cores, warm: p50 <= 150 ms per case, retrieval p95 <= 30 ms.

    python benchmarks/agent_latency.py [--cases 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

NOTES = [
    "small L effusion, heart nl, old R rib fx",
    "7 mm RUL nodule, heart nl, lungs otherwise clear",
    "no acute disease",
    "cardiomegaly, mild pulmonary edema, small bilateral effusions",
    "? RLL opacity, poss pneumonia, mediastinum nl",
    "s/p sternotomy, ett 4 cm above carina, ngt in stomach",
    "large R ptx 3 cm rim, no mediastinal shift",
    "hyperinflated lungs c/w copd, degenerative changes of the spine",
]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=60)
    args = ap.parse_args(argv)

    from PIL import Image

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "cxr.png"
        Image.linear_gradient("L").resize((512, 512)).save(png)
        t0 = time.perf_counter()
        svc = ReportingService.create(Path(tmp) / "data", host=get_plugin_manager(autoload=False))
        store = svc.runtime.store
        # Warm-up: loads the embedder, spaCy, builds the guideline index.
        for n in NOTES:
            svc.start(build_case([png], notes=n, indication="chest x-ray"))
        warm_s = time.perf_counter() - t0

        # Instrument retrieval (per finding query) without changing behaviour.
        retrieval: list[float] = []
        per_query: list[float] = []
        orig = store.search_many

        def timed(specialty, queries, **kw):
            t = time.perf_counter()
            res = orig(specialty, queries, **kw)
            ms = (time.perf_counter() - t) * 1000
            retrieval.append(ms)
            per_query.extend([ms / max(1, len(queries))] * len(queries))
            return res

        store.search_many = timed
        cases = [build_case([png], notes=NOTES[i % len(NOTES)], indication="chest x-ray") for i in range(args.cases)]
        times = []
        t_all = time.perf_counter()
        for case in cases:
            t = time.perf_counter()
            turn = svc.start(case)
            times.append((time.perf_counter() - t) * 1000)
            if turn.status != "review":
                print(f"case ended in {turn.status}: {turn.error}", file=sys.stderr)
                return 1
        total = time.perf_counter() - t_all
        svc.close()

    print(f"agent latency, offline engine, {args.cases} cases (start -> draft -> retrieve -> verify -> review pause)")
    print(f"  cold start incl. model loads and index build: {warm_s:.2f} s")
    print(f"  per case  p50 {statistics.median(times):.1f} ms   p95 {pct(times, 0.95):.1f} ms   max {max(times):.1f} ms")
    print(f"  throughput {args.cases / total:.1f} cases/s")
    print(f"  retrieval per case (all findings, one batched call)  p50 {statistics.median(retrieval):.2f} ms   "
          f"p95 {pct(retrieval, 0.95):.2f} ms  ({len(retrieval)} calls)")
    print(f"  retrieval per finding query (batch time / queries in the batch)  p50 {statistics.median(per_query):.2f} ms"
          f"   p95 {pct(per_query, 0.95):.2f} ms  ({len(per_query)} queries)")
    print("  targets: p50 <= 150 ms per case, retrieval p95 <= 30 ms per query")
    return 0


if __name__ == "__main__":
    sys.exit(main())
