"""Guideline retrieval latency: build a store on disk, then time warm queries.

Builds a GuidelineStore in a temporary directory from the radiology corpus,
syncs it, and times N warm single queries (``search``) and M batched calls
(``search_many`` with 8 findings, one region per finding, as the agent does).
Target on 2 CPU cores, warm: single-query p95 <= 30 ms.

    python benchmarks/retrieval.py [--queries 200] [--batches 50] [--batch-size 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

FINDINGS = [
    ("6 mm solid nodule in the right upper lobe", "lung"),
    ("enlarged cardiac silhouette", "heart"),
    ("pneumothorax 3 cm rim", "lung"),
    ("small left pleural effusion", "lung"),
    ("Mediastinal contours within normal limits.", "mediastinal"),
    ("Old healed fracture of the right posterior 6th rib.", "bone"),
    ("Right adrenal lesion measuring 5 cm", "others"),
    ("Subcarinal lymph node measuring 11 mm", "mediastinal"),
    ("Multiple bilateral ground-glass nodules, the largest 4 mm", "lung"),
    ("Heart size is normal.", "heart"),
    ("Endotracheal tube tip 4 cm above the carina.", "others"),
    ("12 mm spiculated nodule in the left lower lobe", "lung"),
]

TARGET_P95_MS = 30.0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=200, help="warm single queries to time")
    ap.add_argument("--batches", type=int, default=50, help="search_many calls to time")
    ap.add_argument("--batch-size", type=int, default=8, help="findings per search_many call")
    ap.add_argument("--k", type=int, default=3)
    args = ap.parse_args(argv)

    from importlib.resources import files

    from pixtralogist.core.embedding import get_embedder
    from pixtralogist.core.guidelines import load_snippet_file
    from pixtralogist.core.retrieval import GuidelineStore

    snippets = load_snippet_file(files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml"))

    t0 = time.perf_counter()
    get_embedder()
    load_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "guidelines"
        t0 = time.perf_counter()
        store = GuidelineStore.open(path)
        open_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rebuilt = store.sync("radiology", snippets)
        sync_s = time.perf_counter() - t0
        records = store.info("radiology")["record_count"]
        t0 = time.perf_counter()
        unchanged = store.sync("radiology", snippets)
        resync_s = time.perf_counter() - t0
        assert rebuilt and not unchanged

        for q, r in FINDINGS:  # warm-up
            store.search("radiology", q, region=r, k=args.k)

        single: list[float] = []
        for i in range(args.queries):
            q, r = FINDINGS[i % len(FINDINGS)]
            t = time.perf_counter()
            store.search("radiology", q, region=r, k=args.k)
            single.append((time.perf_counter() - t) * 1000)

        batched: list[float] = []
        for i in range(args.batches):
            items = [FINDINGS[(i + j) % len(FINDINGS)] for j in range(args.batch_size)]
            t = time.perf_counter()
            store.search_many("radiology", [q for q, _ in items], region=[r for _, r in items],
                              template_id="cxr", k=args.k)
            batched.append((time.perf_counter() - t) * 1000)

        one_region: list[float] = []
        for i in range(args.batches):
            items = [FINDINGS[(i + j) % len(FINDINGS)] for j in range(args.batch_size)]
            t = time.perf_counter()
            store.search_many("radiology", [q for q, _ in items], region="lung", k=args.k)
            one_region.append((time.perf_counter() - t) * 1000)
        store.close()

    p95 = pct(single, 0.95)
    print(f"guideline retrieval: {len(snippets)} radiology snippets ({records} records), chromadb on disk, CPU")
    print(f"  embedder load {load_s:.2f} s; store open {open_s * 1000:.0f} ms; "
          f"build (sync, embed all) {sync_s * 1000:.0f} ms; re-sync unchanged {resync_s * 1000:.1f} ms")
    print(f"  search (1 query, region filter, k={args.k})      p50 {statistics.median(single):6.2f} ms   "
          f"p95 {p95:6.2f} ms  ({len(single)} queries)")
    print(f"  search_many ({args.batch_size} findings, per-finding regions)  p50 {statistics.median(batched):6.2f} ms   "
          f"p95 {pct(batched, 0.95):6.2f} ms  ({len(batched)} calls; "
          f"{statistics.median(batched) / args.batch_size:.2f} ms per finding)")
    print(f"  search_many ({args.batch_size} findings, one region)          p50 {statistics.median(one_region):6.2f} ms   "
          f"p95 {pct(one_region, 0.95):6.2f} ms  ({len(one_region)} calls)")
    ok = p95 <= TARGET_P95_MS
    print(f"  target: single-query p95 <= {TARGET_P95_MS:.0f} ms -> {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
