"""Agent latency on the offline engine: N cases end to end (start -> review), on notes it has not seen.

What a user meets: the app is started and warmed up (models loaded, guideline index
built) on a few notes, then every timed case brings a note the service has never
seen: the notes are generated so that no timed sentence occurs in the warm-up notes
or in another timed case, and the per-sentence caches (NLP attributes, region sorter,
cue matches, ophthalmology lesion mentions, guideline query embeddings and hits)
are emptied before each timed case, so none of its sentences is answered from a cache.

Prints p50/p95 per case, cases per second, and guideline retrieval per single call:
after each timed case, every finding query the agent sent (in one batched
``search_many`` call) is sent again as its own ``search`` call with its region and
timed one by one. The agent's batched call is printed too (per call, not divided by
its queries). Targets on 2 cores: p50 <= 150 ms per case, retrieval p95 <= 30 ms per
single call. Exits 1 when a target is missed or a case does not reach review.

    python benchmarks/agent_latency.py [--cases 40]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_P50_MS = 150.0
TARGET_RETRIEVAL_P95_MS = 30.0

#: Warm-up notes: their sentences never occur in a timed case (checked below).
WARMUP_NOTES = [
    "small L effusion, heart nl, old R rib fx",
    "no acute disease",
    "s/p sternotomy, ett 4 cm above carina, ngt in stomach",
    "hyperinflated lungs c/w copd, degenerative changes of the spine",
]

# Timed notes are drawn from these parts; every note gets a size, a distance or a side
# that makes its sentences new (the size/distance of each case is unique).
_LUNG = [
    "{n} mm {lobe} nodule", "{side} pleural effusion, {sev}", "{side} ptx {n2} cm rim", "? {lobe} opacity, poss pneumonia",
    "{sev} pulmonary edema and {side} basal atelectasis", "{lobe} consolidation {n2} cm",
]
_HEART = ["heart nl size", "cardiomegaly, {sev}", "heart borderline enlarged", "pericardial effusion ? {sev}"]
_OTHER = [
    "mediastinum nl", "widened mediastinum {n2} cm", "{side} {rib} rib fx, healing", "ett {n2} cm above carina",
    "degenerative changes thoracic spine, {sev}", "ngt tip below diaphragm",
]
_LOBES = ["RUL", "RML", "RLL", "LUL", "LLL", "lingula"]
_SIDES = ["R", "L", "bilat"]
_SEV = ["mild", "moderate", "severe", "small", "large"]
_RIBS = ["4th", "5th", "6th", "7th", "8th", "9th"]


def timed_notes(n: int, seed: int = 7) -> list[str]:
    """``n`` notes whose sentences are all distinct from each other's and from the warm-up notes'."""
    rng = random.Random(seed)
    notes: list[str] = []
    for i in range(n):
        size, dist = 3 + i, 1.0 + 0.1 * i  # unique per case: no two cases share a sized sentence
        parts = [rng.choice(_LUNG), rng.choice(_HEART), rng.choice(_OTHER)]
        fill = {"n": size, "n2": f"{dist:.1f}", "lobe": rng.choice(_LOBES), "side": rng.choice(_SIDES),
                "sev": rng.choice(_SEV), "rib": rng.choice(_RIBS)}
        sized = [p for p in parts if "{n}" in p or "{n2}" in p]
        if not sized:  # every note carries at least one sentence no other case has
            parts[0] = f"{size} mm {fill['lobe']} nodule"
        notes.append(", ".join(p.format(**fill) for p in parts) + f", {i + 2} days of cough")
    return notes


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def sentence_caches() -> list:
    """The clear functions of every per-sentence cache the pipeline keeps (NLP attributes, region sorter)."""
    from pixtralogist.plugins.radiology import sorter as sorter_mod

    modules = {"pixtralogist.core.nlp", "pixtralogist.plugins.radiology.sorter", "pixtralogist.kit.embedder"}
    caches: list = []
    for obj in gc.get_objects():
        if type(obj).__module__ in modules and isinstance(getattr(obj, "_cache", None), dict):
            caches.append(obj._cache.clear)
    # the rewriting grammar's rule cache (pixtralogist.kit.grammar since issue 12; a module function before)
    caches.append(getattr(sorter_mod, "cache_clear", None) or sorter_mod._rule_regions.cache_clear)
    # the cue scanner's matches per clause and the ophthalmology lesion reader's mentions per sentence
    # (pixtralogist.kit.cues, pixtralogist.plugins.ophthalmology.grading, since issue 15)
    import importlib

    for module, name in (("pixtralogist.kit.cues", "_matches"),
                         ("pixtralogist.plugins.ophthalmology.grading", "_lesion_mentions")):
        fn = getattr(importlib.import_module(module), name, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            caches.append(fn.cache_clear)
    # the guideline stores' query embeddings and hits (pixtralogist.core.retrieval, since issue 15)
    caches.extend(obj.clear_query_cache for obj in gc.get_objects()
                  if type(obj).__name__ == "GuidelineStore" and hasattr(obj, "clear_query_cache"))
    return caches


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=40)
    args = ap.parse_args(argv)

    from PIL import Image

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.text import split_sentences

    notes = timed_notes(args.cases)
    seen = {s.lower() for n in WARMUP_NOTES for s in split_sentences(n.replace(", ", ". "))}
    overlap = [n for n in notes if seen & {s.lower() for s in split_sentences(n.replace(", ", ". "))}]
    if overlap:
        print(f"benchmark bug: timed notes share sentences with the warm-up: {overlap[:3]}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "cxr.png"
        Image.linear_gradient("L").resize((512, 512)).save(png)
        t0 = time.perf_counter()
        svc = ReportingService.create(Path(tmp) / "data", host=get_plugin_manager(autoload=False))
        store = svc.runtime.store
        # Warm-up on other notes: loads the embedder, spaCy, builds the guideline index.
        for n in WARMUP_NOTES:
            svc.start(build_case([png], notes=n, indication="chest x-ray"))
        warm_s = time.perf_counter() - t0
        clear = sentence_caches()

        batched: list[float] = []
        calls: list[tuple[str, list[str], list, str | None, int]] = []
        orig = store.search_many

        def recorded(specialty, queries, **kw):
            t = time.perf_counter()
            res = orig(specialty, queries, **kw)
            batched.append((time.perf_counter() - t) * 1000)
            region = kw.get("region")
            regions = list(region) if isinstance(region, (list, tuple)) else [region] * len(queries)
            calls.append((specialty, list(queries), regions, kw.get("template_id"), kw.get("k", 3)))
            return res

        store.search_many = recorded
        cases = [build_case([png], notes=n, indication="chest x-ray") for n in notes]
        times: list[float] = []
        single: list[float] = []
        busy = 0.0
        for case in cases:
            for c in clear:
                c()
            calls.clear()
            t = time.perf_counter()
            turn = svc.start(case)
            ms = (time.perf_counter() - t) * 1000
            times.append(ms)
            busy += ms / 1000
            if turn.status != "review":
                print(f"case ended in {turn.status}: {turn.error}", file=sys.stderr)
                return 1
            # the same finding queries, one per call, each timed on its own
            for specialty, queries, regions, template_id, k in calls:
                for q, r in zip(queries, regions):
                    if hasattr(store, "clear_query_cache"):
                        store.clear_query_cache()  # each single call embeds and searches, as the agent's first did
                    t = time.perf_counter()
                    orig(specialty, [q], region=[r], template_id=template_id, k=k)
                    single.append((time.perf_counter() - t) * 1000)
        svc.close()

    p50 = statistics.median(times)
    r95 = pct(single, 0.95) if single else float("nan")
    print(f"agent latency, offline engine, {args.cases} cases on unseen notes, per-sentence caches emptied "
          f"before each case ({len(clear)} caches) (start -> draft -> retrieve -> verify -> review pause)")
    print(f"  cold start incl. model loads, index build and {len(WARMUP_NOTES)} warm-up cases: {warm_s:.2f} s")
    print(f"  per case  p50 {p50:.1f} ms   p95 {pct(times, 0.95):.1f} ms   max {max(times):.1f} ms")
    print(f"  throughput {args.cases / busy:.1f} cases/s (time inside start())")
    print(f"  retrieval, the agent's batched call per case (all its findings)  p50 {statistics.median(batched):.2f} ms"
          f"   p95 {pct(batched, 0.95):.2f} ms  ({len(batched)} calls)")
    print(f"  retrieval, single call (one finding query per call, timed individually)  p50 "
          f"{statistics.median(single):.2f} ms   p95 {r95:.2f} ms  ({len(single)} calls)")
    ok_p50, ok_r = p50 <= TARGET_P50_MS, bool(single) and r95 <= TARGET_RETRIEVAL_P95_MS
    print(f"  targets: p50 <= {TARGET_P50_MS:.0f} ms per case -> {'OK' if ok_p50 else 'MISSED'}; "
          f"retrieval p95 <= {TARGET_RETRIEVAL_P95_MS:.0f} ms per single call -> {'OK' if ok_r else 'MISSED'}")
    return 0 if ok_p50 and ok_r else 1


if __name__ == "__main__":
    sys.exit(main())
