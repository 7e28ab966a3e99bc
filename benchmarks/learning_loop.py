"""The learning loop end to end on a tiny random model built in the run (no downloads, CPU).

Simulated clinicians (:class:`pixtralogist.finetune.simulate.HabitClinician`)
review every AI draft through the real app service and always rewrite the
heart region's wording. The run:

1. signs 60 cases drafted by the base model (no adapter), keeping one case
   OPEN (drafted, not signed);
2. runs ``learn`` (threshold 50 new cases, the 15 most recent kept for
   evaluation): trains, evaluates against the base, promotes only when the
   paired bootstrap's lower 95% bound is above 0 - printed with its interval;
3. hot swap: the SAME running service drafts the next 30 cases with the new
   version (provenance), while the open case keeps the base version; prints
   the edit burden of the 30 cases before (base) and after (new version);
4. a deliberately worse version (random LoRA noise) is refused by the gate;
5. a forced promotion of that bad version is rolled back by the live check
   after its first M signed cases.

Exits 1 when any step does not behave as described. Usage::

    python benchmarks/learning_loop.py [--work DIR] [--steps 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

N_SIGNED, N_AFTER, EVAL_CASES, LIVE_M = 60, 30, 15, 10
LORA_TARGETS = r"(.*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)|lm_head)"


def burden(store, case_ids) -> float:
    from pixtralogist.finetune.quality import case_burden

    ids = set(case_ids)
    b = case_burden([r for r in store.quality_rows("radiology") if r.case_id in ids])
    return sum(b.values()) / len(b)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--steps", type=int, default=100, help="SFT optimizer steps")
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads (default 1: on a shared 2-core machine more threads spin-wait; "
                         "a training step took 10x the CPU time with 2)")
    args = ap.parse_args(argv)

    import logging

    import torch

    torch.set_num_threads(args.threads)

    logging.disable(logging.WARNING)
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.config import load_settings
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.learn import LearnConfig, gate_version, live_check, run_learn
    from pixtralogist.finetune.registry import AdapterRegistry, write_metadata
    from pixtralogist.finetune.simulate import HabitClinician, synthetic_case
    from pixtralogist.finetune.tiny import build_tiny_for_trying, make_lora_adapter

    work = args.work or Path(tempfile.mkdtemp(prefix="pixtralogist-learning-"))
    t0 = time.perf_counter()
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAIL'}] {what}")
        if not ok:
            failures.append(what)

    base = build_tiny_for_trying(work / "tiny-base")
    registry_root = work / "adapters"
    registry_root.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(
        "adapter_registry: adapters\nspecialties:\n  radiology:\n    backend: transformers\n"
        f"    base_model: {base}\n    max_new_tokens: 96\n    temperature: 0.0\n", "utf-8")
    host = get_plugin_manager(settings=load_settings(work / "config.yaml", env={}))
    data = work / "app"
    service = ReportingService.create(data, host=host, retrieval=False)
    clinician = HabitClinician()
    print(f"tiny random base built in {time.perf_counter() - t0:.1f}s at {base}")

    # 1. 60 signed cases drafted by the base model, one case left open
    t = time.perf_counter()
    base_ids = [clinician.handle(service, synthetic_case(i))[1].case_id for i in range(N_SIGNED)]
    open_turn = service.start(synthetic_case(10_000))
    print(f"1. {N_SIGNED} cases signed through the app in {time.perf_counter() - t:.1f}s; one case left open "
          f"(drafted with {open_turn.draft.provenance.adapter_version or 'base'})")
    store = FeedbackStore.open(data / "feedback.sqlite")
    b_before = burden(store, base_ids[-N_AFTER:])

    # 2. learn
    cfg = LearnConfig(specialty="radiology", feedback_db=data / "feedback.sqlite", registry=registry_root,
                      base_model=base, min_new_cases=50, eval_cases=EVAL_CASES, version="v1", max_new_tokens=96,
                      audit_db=data / "audit.sqlite", live_first_m=LIVE_M, live_margin=0.05,
                      train={"max_steps": args.steps, "learning_rate": args.lr, "lora_r": 32, "lora_alpha": 32,
                             "lora_dropout": 0.0, "batch_size": 2, "warmup_steps": 5, "encoded_cache_mb": 256,
                             # the output projection too: a tiny random model's logits are otherwise too flat
                             "target_modules": LORA_TARGETS})
    waiting = run_learn(LearnConfig(**{**cfg.__dict__, "min_new_cases": N_SIGNED + 1}), host=host)
    check(waiting.status == "waiting", f"below the threshold the loop waits: {waiting.reason}")
    t = time.perf_counter()
    out = run_learn(cfg, host=host)
    b = out.bootstrap or {}
    print(f"2. learn in {time.perf_counter() - t:.1f}s: {out.reason}")
    print(f"   train cases {out.train_cases}, evaluation cases {out.eval_cases}, preference pairs "
          f"{out.preference_pairs}")
    if out.evaluation:
        for r, v in out.evaluation["candidate"]["regions"].items():
            a = out.evaluation["active"]["regions"].get(r)
            print(f"   {r:12s} v1 {v if v is None else round(v, 3)}  base {a if a is None else round(a, 3)}")
    check(out.status == "promoted" and b.get("lower", -1) > 0,
          f"v1 promoted with improvement {b.get('mean', float('nan')):+.3f} "
          f"[{b.get('lower', float('nan')):+.3f}, {b.get('upper', float('nan')):+.3f}] (95%)")
    meta = AdapterRegistry(registry_root).version("radiology", "v1").metadata
    check(not set(meta["learning"]["eval_cases"]) & set(meta["learning"]["train_cases"]),
          "no evaluation case was trained on")

    # 3. hot swap: the same running service drafts with v1 now
    t = time.perf_counter()
    after = [clinician.handle(service, synthetic_case(20_000 + i)) for i in range(N_AFTER)]
    versions = {turn.draft.provenance.adapter_version for turn, _ in after}
    check(versions == {"v1"}, f"3. hot swap: the next {N_AFTER} cases drafted with {sorted(versions)} "
                              f"without a restart ({time.perf_counter() - t:.1f}s)")
    still_open = service.get(open_turn.case_id)
    check(still_open.status == "review" and still_open.draft.provenance.adapter_version is None,
          "the case opened before the promotion keeps its base draft (provenance: no adapter)")
    clinician.review(service, open_turn.case_id)
    b_after = burden(store, [s.case_id for _, s in after])
    print(f"   edit burden (mean normalised edit distance per case): {N_AFTER} cases before (base) {b_before:.3f}, "
          f"{N_AFTER} cases after (v1) {b_after:.3f}")
    check(b_after < b_before / 2, "edit burden at least halved after the promotion")

    # 4. a deliberately worse version is refused
    reg = AdapterRegistry(registry_root)
    bad = make_lora_adapter(base, registry_root / "radiology" / "noise", seed=7, r=8, scale=1.0)
    write_metadata(bad, base_model=str(base), plugin="radiology", version="noise", template_id="cxr",
                   data_fingerprint="none (random LoRA noise)", training_config={}, metrics={},
                   intended_use="benchmark: a deliberately bad adapter")
    decision = gate_version(cfg, "noise", host=host)
    bb = decision.details["bootstrap"]
    check(not decision.promoted and reg.active_name("radiology") == "v1",
          f"4. worse version refused: {bb['mean']:+.3f} [{bb['lower']:+.3f}, {bb['upper']:+.3f}]")

    # 5. a forced bad promotion is rolled back by the live check
    reg.promote("radiology", "noise", force=True)
    bad_cases = [clinician.handle(service, synthetic_case(30_000 + i)) for i in range(LIVE_M)]
    check({t.draft.provenance.adapter_version for t, _ in bad_cases} == {"noise"},
          f"the forced version drafts the next {LIVE_M} cases")
    live = live_check(store, reg, "radiology", first_m=LIVE_M, margin=0.05, audit_db=data / "audit.sqlite")
    print(f"5. live check: {live.reason}")
    check(live.status == "rolled-back" and reg.active_name("radiology") == "v1", "rolled back to v1")
    nxt = service.start(synthetic_case(40_000))
    check(nxt.draft.provenance.adapter_version == "v1", "the next case drafts with v1 again")
    from pixtralogist.persistence.audit import AuditLog

    audit = AuditLog.open(data / "audit.sqlite")
    actions = [e.action for e in audit.events() if e.case_id.startswith("adapter:")]
    audit.close()
    check({"learn_decision", "adapter_rollback"} <= set(actions), f"decisions in the audit log: {actions}")
    store.close()
    service.close()
    total = time.perf_counter() - t0
    print(f"total {total:.0f}s; work folder {work}")
    if failures:
        print(f"FAILED: {len(failures)} check(s): " + "; ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
