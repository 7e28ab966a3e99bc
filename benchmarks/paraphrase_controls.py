"""Paraphrase control set for the offline comparator: meaning-preserving rewrites of IU X-Ray reports.

The set is DATA, frozen before the comparator was tuned on it:

* ``benchmarks/data/paraphrase_rules.json``: rewrite rules (one regex and a
  template each, grouped into kinds such as ``british_spelling``,
  ``neither_nor``, ``active_passive``, ``organ_statement``), written from the
  report sentences and general radiology English, independently of the
  comparator's vocabulary;
* ``benchmarks/data/paraphrase_controls.jsonl``: one row per pair: report id,
  kind, split and the edits (sentence index, a short hash of that sentence,
  the rule to apply; kind ``combined`` has two edits of different kinds); the split (``dev``: may be inspected while improving the comparator;
  ``holdout``: figures only, failures not inspected).

The report text (CC BY-NC-ND 4.0) is never stored: pairs are rebuilt at run
time from the torchxrayvision wheel's ``NLMCXR_reports.tgz`` (reference = the
FINDINGS section; candidate = the same section with one sentence rewritten, or
two neighbouring sentences swapped). A row whose sentence hash no longer
matches is reported and skipped.

    python benchmarks/paraphrase_controls.py --show 20 [--kind hedge_kept] [--split dev]
    python benchmarks/paraphrase_controls.py --generate   # rewrote the frozen file once; do not rerun to tune
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
RULES_FILE = DATA / "paraphrase_rules.json"
SET_FILE = DATA / "paraphrase_controls.jsonl"
REORDER = "swap_next"
PER_KIND = 26
SEED = 2026
# A sentence that leans on its neighbour cannot be moved without changing what it refers to.
_ANAPHORA = re.compile(r"^(?:this|these|that|it|they|otherwise|again|which|also|however|there is also)\b", re.I)
_GROUP = re.compile(r"\{(\d+)(?:\|(\w+))?\}")


def sha8(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def split_of(report_id: str) -> str:
    """Deterministic split by report: about 40% held out."""
    return "holdout" if int(hashlib.sha1(f"para:{report_id}".encode()).hexdigest(), 16) % 5 < 2 else "dev"


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    whole: bool
    regex: re.Pattern | None
    template: str


@dataclass(frozen=True)
class ControlPair:
    kind: str
    rule: str
    split: str
    report_id: str
    reference: str
    candidate: str


def load_rules(path: Path = RULES_FILE) -> tuple[dict[str, Rule], dict[str, dict[str, str]]]:
    raw = json.loads(path.read_text("utf-8"))
    rules = {}
    for r in raw["rules"]:
        flags = re.I if "i" in r.get("flags", "") else 0
        rx = re.compile(r["pattern"], flags) if r["pattern"] else None
        rules[r["name"]] = Rule(r["name"], r["kind"], bool(r["whole"]), rx, r["template"])
    return rules, raw.get("filters", {})


def _render(template: str, m: re.Match, filters: dict[str, dict[str, str]]) -> str:
    def one(g: re.Match) -> str:
        value = m.group(int(g.group(1))) or ""
        f = g.group(2)
        if not f or not value:
            return value
        if f == "lc":
            return value[0].lower() + value[1:]
        if f == "cap":
            return value[0].upper() + value[1:]
        if f == "cm2mm":
            return f"{float(value) * 10:g}"
        table = {k.lower(): v for k, v in filters[f].items()}
        out = table.get(value.lower(), value)
        return out.capitalize() if value[0].isupper() and f in ("num", "ordword") else out

    return _GROUP.sub(one, template)


def apply_rule(rule: Rule, sentence: str, filters: dict[str, dict[str, str]]) -> str | None:
    """The rewritten sentence, or None when the rule does not apply or changes nothing."""
    if rule.regex is None:
        return None
    if rule.whole:
        m = rule.regex.fullmatch(sentence)
        if not m:
            return None
        new = _render(rule.template, m, filters)
    else:
        if not rule.regex.search(sentence):
            return None
        new = rule.regex.sub(lambda m: _render(rule.template, m, filters), sentence)
    new = re.sub(r"\s+", " ", new).strip()
    if new:
        new = new[0].upper() + new[1:]
    return new if new != sentence else None


def rewrite(sentences: list[str], index: int, rule: Rule, filters) -> list[str] | None:
    """The report's sentences with the edit applied (None when it does not apply)."""
    if rule.name == REORDER:
        if index + 1 >= len(sentences) or any(_ANAPHORA.search(s) for s in sentences[index:index + 3]):
            return None
        out = list(sentences)
        out[index], out[index + 1] = out[index + 1], out[index]
        return out
    new = apply_rule(rule, sentences[index], filters)
    if new is None:
        return None
    out = list(sentences)
    out[index] = new
    return out


def _findings(archive: str | None) -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from pixtralogist.plugins.radiology.iu_xray import read_reports

    return {r.id: r.findings for r in read_reports(archive) if r.findings.strip()}


def load_rows(path: Path = SET_FILE) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def apply_edits(sentences: list[str], edits: list[dict], rules: dict[str, Rule], filters) -> list[str] | None:
    """Apply a row's edits (each to a sentence of the ORIGINAL list); None when one is stale or does not apply."""
    out = list(sentences)
    for e in edits:
        i = e["sentence"]
        if i >= len(sentences) or sha8(sentences[i]) != e["sha1"]:
            return None
        if e["rule"] == REORDER:
            new = rewrite(sentences, i, rules[e["rule"]], filters)
            if new is None or len(edits) != 1:
                return None
            return new
        new_sentence = apply_rule(rules[e["rule"]], sentences[i], filters)
        if new_sentence is None:
            return None
        out[i] = new_sentence
    return out


def build_pairs(archive: str | None = None, *, findings: dict[str, str] | None = None) -> tuple[list[ControlPair], int]:
    """The frozen control pairs rebuilt from the report text; returns (pairs, rows skipped as stale)."""
    from pixtralogist.core.text import split_sentences

    rules, filters = load_rules()
    findings = findings if findings is not None else _findings(archive)
    pairs: list[ControlPair] = []
    stale = 0
    for row in load_rows():
        text = findings.get(row["report"])
        new = apply_edits(split_sentences(text), row["edits"], rules, filters) if text else None
        if new is None:
            stale += 1
            continue
        pairs.append(ControlPair(row["kind"], "+".join(e["rule"] for e in row["edits"]), row["split"],
                                 row["report"], text, " ".join(new)))
    return pairs, stale


def generate(archive: str | None = None, per_kind: int = PER_KIND, seed: int = SEED) -> list[dict]:
    """Draw the set: per kind, up to ``per_kind`` pairs from distinct reports, rules taken in turn."""
    from pixtralogist.core.text import split_sentences

    rules, filters = load_rules()
    findings = _findings(archive)
    rng = random.Random(seed)
    by_rule: dict[str, list[tuple[str, int]]] = {name: [] for name in rules}
    for rid, text in findings.items():
        sents = split_sentences(text)
        for i, s in enumerate(sents):
            if "XXXX" in s:
                continue
            for name, rule in rules.items():
                if rewrite(sents, i, rule, filters) is not None:
                    by_rule[name].append((rid, i))
    kinds: dict[str, list[str]] = {}
    for name, rule in rules.items():
        kinds.setdefault(rule.kind, []).append(name)
    rows = []
    for kind, names in kinds.items():
        pools = {n: rng.sample(by_rule[n], len(by_rule[n])) for n in names}
        used: set[str] = set()
        taken = 0
        while taken < per_kind and any(pools.values()):
            for n in names:
                while pools[n]:
                    rid, i = pools[n].pop()
                    if rid in used:
                        continue
                    used.add(rid)
                    sent = split_sentences(findings[rid])[i]
                    rows.append({"report": rid, "kind": kind, "split": split_of(rid),
                                 "edits": [{"sentence": i, "sha1": sha8(sent), "rule": n}]})
                    taken += 1
                    break
                if taken >= per_kind:
                    break
    # Combined: two edits of different kinds (no reorder or split) on two sentences of one report.
    by_report: dict[str, list[tuple[int, str]]] = {}
    for name, hits in by_rule.items():
        if rules[name].kind in ("sentence_reorder", "sentence_split"):
            continue
        for rid, i in hits:
            by_report.setdefault(rid, []).append((i, name))
    candidates = sorted(rid for rid, hits in by_report.items() if len({i for i, _ in hits}) >= 2)
    rng.shuffle(candidates)
    for rid in candidates[:per_kind]:
        hits = by_report[rid]
        i1, n1 = rng.choice(hits)
        others = [(i, n) for i, n in hits if i != i1 and rules[n].kind != rules[n1].kind]
        if not others:
            continue
        i2, n2 = rng.choice(others)
        sents = split_sentences(findings[rid])
        rows.append({"report": rid, "kind": "combined", "split": split_of(rid),
                     "edits": [{"sentence": i, "sha1": sha8(sents[i]), "rule": n} for i, n in sorted([(i1, n1), (i2, n2)])]})
    rows.sort(key=lambda r: (r["kind"], int(re.sub(r"\D", "", r["report"])), r["edits"][0]["sentence"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", default=None)
    ap.add_argument("--generate", action="store_true", help="rewrite the frozen set file (done once)")
    ap.add_argument("--show", type=int, default=0, help="print up to N pairs (changed sentences only)")
    ap.add_argument("--kind", default=None)
    ap.add_argument("--split", default=None)
    args = ap.parse_args(argv)
    if args.generate:
        rows = generate(args.archive)
        SET_FILE.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
        print(f"wrote {len(rows)} rows to {SET_FILE}")
    pairs, stale = build_pairs(args.archive)
    kinds = Counter(p.kind for p in pairs)
    print(f"{len(pairs)} pairs ({sum(p.split == 'dev' for p in pairs)} dev, "
          f"{sum(p.split == 'holdout' for p in pairs)} holdout), {len(kinds)} kinds, {stale} stale rows")
    for k, n in sorted(kinds.items()):
        print(f"  {k:<24}{n:>4}")
    from pixtralogist.core.text import split_sentences

    shown = 0
    for p in pairs:
        if shown >= args.show or (args.kind and p.kind != args.kind) or (args.split and p.split != args.split):
            continue
        a, b = split_sentences(p.reference), split_sentences(p.candidate)
        old = [s for s in a if s not in b]
        new = [s for s in b if s not in a]
        print(f"[{p.kind}/{p.rule}] {' | '.join(old) or '(order)'}\n    -> {' | '.join(new) or ' '.join(b)}")
        shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
