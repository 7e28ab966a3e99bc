"""Probe: would a nearest-labelled-sentence region chooser place the facts the drafter misplaces?

An analysis, not a gate (it always exits 0). Every committed dictation set except the ones named by ``--test``
(default: the fresh11 held-out pair) is drafted with the offline drafter; each sentence of a draft that states an
annotated fact in its right region becomes a labelled example (template, sentence, region). The test sets are then
drafted, and for each fact the nearest labelled sentences of the same template (MiniLM cosine, ``--k`` neighbours,
similarity-weighted vote) name a region for the sentence that carries it:

- for facts the drafter placed right: how often the vote agrees (a chooser that overrode the rules would break the
  rest);
- for facts the drafter misplaced: how often the vote names a right region, overall and for sentences the drafter
  left in the catch-all region ("others"), where a chooser could act without overriding a rule;
- ``confident``: the best neighbour at least ``--sim`` similar and the winner holding ``--share`` of the vote.

Usage: ``python benchmarks/region_knn_probe.py [--test GLOB ...] [--k 5] [--sim 0.7] [--share 0.6]``
(about 3 minutes on two cores: every set is drafted once and about 8,000 sentences are embedded).
"""

from __future__ import annotations

import argparse
import collections
import glob
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATCH_ALL = "others"


def _scorer():
    spec = importlib.util.spec_from_file_location("_dictation_scorer", HERE / "dictation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _facts(bd, host, path: str):
    """(item, fact, status, sections) for every fact of a set, on the current drafter."""
    _, items = bd.load_dictation_set(Path(path))
    for it, draft, sc in bd.run_dictation(items, host):
        secs = bd.draft_sections(draft)
        for f in it.facts:
            yield it, f, bd.fact_status(f, secs), secs


def _carrier(bd, f, secs, *, right: bool) -> tuple[str, str] | None:
    """(region, sentence) of the sentence stating ``f``: in a right region, or (``right`` False) in another."""
    options = (f,) + f.alts
    targets = {o.region for o in options}
    for region, sents in secs.items():
        if (region in targets) != right:
            continue
        for s in sents:
            if any(bd.sentence_states(bd.Fact(region, o.groups, o.forbidden, o.polarity), s) for o in options):
                return region, s
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--test", action="append", help="glob of the test sets (default: the fresh11 pair)")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--sim", type=float, default=0.7)
    ap.add_argument("--share", type=float, default=0.6)
    args = ap.parse_args(argv)
    import numpy as np

    from pixtralogist.core.embedding import get_embedder

    bd = _scorer()
    host = bd._host()
    emb = get_embedder()
    tests = sorted({p for g in (args.test or [str(HERE / "data/dictation_fresh11_*.yaml")]) for p in glob.glob(g)})
    train: dict[tuple[str, str], str] = {}
    for p in sorted(glob.glob(str(HERE / "data/dictation_*.yaml"))):
        if p in tests:
            continue
        for it, f, status, secs in _facts(bd, host, p):
            if status == "correct" and f.region != "indication" and (c := _carrier(bd, f, secs, right=True)):
                train[(it.template, c[1])] = c[0]
    keys = list(train)
    X = np.asarray(emb.encode([s for _, s in keys], normalize_embeddings=True))
    templates = np.array([t for t, _ in keys])
    labels = [train[k] for k in keys]
    print(f"labelled sentences: {len(keys)} from the committed sets other than {[Path(p).name for p in tests]}")

    def vote(template: str, sentence: str) -> tuple[str, bool]:
        v = np.asarray(emb.encode([sentence], normalize_embeddings=True))[0]
        idx = np.where(templates == template)[0]
        sims = X[idx] @ v
        order = np.argsort(-sims)[:args.k]
        votes: collections.Counter = collections.Counter()
        for j in order:
            votes[labels[idx[j]]] += float(sims[j])
        region, weight = votes.most_common(1)[0]
        return region, bool(sims[order[0]] >= args.sim and weight / sum(votes.values()) >= args.share)

    n: collections.Counter = collections.Counter()
    for p in tests:
        for it, f, status, secs in _facts(bd, host, p):
            if f.region == "indication" or status not in ("correct", "misplaced"):
                continue
            targets = {o.region for o in (f,) + f.alts}
            c = _carrier(bd, f, secs, right=status == "correct")
            if c is None:
                continue
            region, confident = vote(it.template, c[1])
            right = region in targets
            key = "placed right" if status == "correct" else "misplaced"
            n[f"{key}: facts"] += 1
            n[f"{key}: vote names a right region"] += right
            n[f"{key}: confident vote, wrong region"] += confident and not right
            n[f"{key}: confident vote, right region"] += confident and right
            if c[0] == CATCH_ALL:
                n[f"{key}, in {CATCH_ALL}: facts"] += 1
                n[f"{key}, in {CATCH_ALL}: vote names a right region"] += right
                n[f"{key}, in {CATCH_ALL}: vote moves it to a wrong region"] += (not right) and region != CATCH_ALL
                n[f"{key}, in {CATCH_ALL}: confident vote, right region"] += confident and right
                n[f"{key}, in {CATCH_ALL}: confident vote, wrong region"] += confident and not right \
                    and region != CATCH_ALL
            if status == "misplaced":
                n[f"misplaced from: {c[0]}"] += 1
    for k in sorted(n):
        print(f"  {k:<60}{n[k]:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
