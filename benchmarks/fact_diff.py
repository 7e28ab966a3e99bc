"""Compare two codes fact by fact on one dictation (and chat) set.

A set's percentage can stay flat while facts move both ways; this script shows the moves. Run ``dump`` in each
tree (each with its own venv), then ``compare`` the two files::

    python benchmarks/fact_diff.py dump --dictation D.yaml [--chat C.yaml] --out before.json   # in the old tree
    python benchmarks/fact_diff.py dump --dictation D.yaml [--chat C.yaml] --out after.json    # in the new tree
    python benchmarks/fact_diff.py compare before.json after.json

``dump`` writes ``{"<item id>#<fact index>": status, "<item id>#orphans": n, "<chat id>": verdict}`` with the
scorer's own loaders and judges (``benchmarks/dictation.py``). ``compare`` prints the facts and turns gained, lost
and otherwise changed, and a net line. An analysis: it always exits 0 unless its inputs are unreadable.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def dump(dictation: Path, chat: Path | None) -> dict[str, object]:
    import dictation as D  # the scorer next to this file

    out: dict[str, object] = {}
    synonyms, items = D.load_dictation_set(dictation)
    for item, _draft, sc in D.run_dictation(items):
        for i, (_fact, status) in enumerate(sc.statuses):
            out[f"{item.id}#{i}"] = status
        out[f"{item.id}#orphans"] = len(sc.orphans)
    if chat is not None:
        for o in D.run_chat(D.load_chat_set(chat, synonyms=synonyms)):
            out[o.item.id] = o.verdict + (" silent" if o.silent else "")
    return out


def compare(before: dict[str, object], after: dict[str, object]) -> dict[str, list[str]]:
    """Keys gained (now correct), lost (no longer correct) and changed otherwise (orphans, kinds of miss)."""
    keys = [k for k in before if k in after and before[k] != after[k]]
    gained = [k for k in keys if after[k] == "correct"]
    lost = [k for k in keys if before[k] == "correct"]
    other = [f"{k}: {before[k]} -> {after[k]}" for k in keys if k not in gained and k not in lost]
    return {"gained": gained, "lost": lost, "other": other}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="per-fact statuses and per-turn verdicts of this tree's code")
    d.add_argument("--dictation", type=Path, required=True)
    d.add_argument("--chat", type=Path)
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare", help="facts and turns gained and lost between two dumps")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        args.out.write_text(json.dumps(dump(args.dictation, args.chat), indent=0), encoding="utf-8")
        return 0
    res = compare(json.loads(args.before.read_text(encoding="utf-8")), json.loads(args.after.read_text(encoding="utf-8")))
    for name in ("gained", "lost", "other"):
        print(f"{name} ({len(res[name])}):", ", ".join(res[name]) or "-")
    facts = [k for k in res["gained"] + res["lost"] if "#" in k]
    print(f"net facts {sum(1 for k in res['gained'] if '#' in k) - sum(1 for k in res['lost'] if '#' in k):+d} "
          f"({len(facts)} moved); net turns "
          f"{sum(1 for k in res['gained'] if '#' not in k) - sum(1 for k in res['lost'] if '#' not in k):+d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
