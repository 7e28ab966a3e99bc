"""Offline comparator (metric "offline-finding-match"): error detection, false alarms, speed.

The development set is built at run time from the IU X-Ray FINDINGS sections
(read from the torchxrayvision wheel's ``NLMCXR_reports.tgz`` by
:mod:`pixtralogist.plugins.radiology.iu_xray`; the report text is CC BY-NC-ND
and is not stored in the repository). From each sampled report (seeded) it
makes candidates with ONE injected error of a GREEN kind:

* (a) false finding: a sentence asserting a finding the report does not
  mention is added, or a negated finding ("No pneumothorax.") is asserted;
* (b) missing finding: a sentence that states a finding is deleted;
* (c) wrong location: left/right, upper/lower, apex/base, anterior/posterior
  swapped in a finding sentence;
* (d) wrong severity: small/large, mild/severe, moderate/severe swapped, a
  severity word added to an unqualified finding, or a size changed;

and meaning-preserving controls: sentences reordered, rule-based paraphrases
("There is no X." <-> "No X is seen.", "The heart is normal in size." <->
"Heart size is normal.") and synonym swaps ("normal" <-> "unremarkable",
"consolidation" <-> "airspace disease", ...).

The controls above mirror the comparator's own patterns, so a second control
set is scored too: the FROZEN paraphrase control set
(:mod:`paraphrase_controls`, ``benchmarks/data/paraphrase_controls.jsonl``):
572 meaning-preserving rewrites of IU X-Ray findings in 22 kinds (British
spelling, neither/nor, active/passive, organ-level statements, abbreviations,
number and unit forms, hedges kept, reordering, ...), written independently
of the comparator's vocabulary and frozen before it was improved. Its ``dev``
part was looked at while improving the comparator; its ``holdout`` part only
as figures. Both are printed separately.

Detection: the comparator reports at least one clinically significant error
(and, separately, one of the injected kind). False alarm: a control gets any
significant error. Targets: detection >= 90%, false alarms <= 5% on the
injected set's controls and on each part of the paraphrase set, >= 200
pairs/s (wall clock, after the cold start, which is printed: vocabulary and
the semantic fallback's MiniLM). Exit status 1 on any miss. The IU X-Ray
archive must be installed (``make`` does); without it the run fails with the
reader's message.

    python benchmarks/comparator.py [--archive PATH] [--reports 400] [--seed 13] [--show 5]

The injectors here are deliberately simple and written without looking at the
comparator's vocabulary.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT.parent) not in sys.path:  # pragma: no cover - running from a checkout
    sys.path.insert(0, str(ROOT.parent))

from pixtralogist.core.text import split_sentences  # noqa: E402

TARGET_DETECTION = 0.90
TARGET_FALSE_ALARM = 0.05
TARGET_SPEED = 200.0

FINDING_WORDS = re.compile(
    r"\b(effusions?|pneumothorax|consolidation|opacit(?:y|ies)|atelectasis|edema|nodules?|mass|granulomas?|"
    r"cardiomegaly|enlarged|fractures?|degenerative|scoliosis|emphysema|hyperexpan\w+|hyperinflat\w+|scarring|"
    r"infiltrates?|pneumonia|calcifi\w+|tortuous|hernia|normal|clear|unremarkable|airspace|spondylosis|"
    r"osteophytes?|kyphosis|lymph|adenopathy|thickening|congestion|interstitial)\b",
    re.I,
)
ABNORMAL_WORDS = re.compile(
    r"\b(effusions?|pneumothorax|consolidation|opacit(?:y|ies)|atelectasis|edema|nodules?|mass|granulomas?|"
    r"cardiomegaly|enlarged|fractures?|degenerative|scoliosis|emphysema|hyperexpan\w+|hyperinflat\w+|scarring|"
    r"infiltrates?|pneumonia|calcifi\w+|tortuous|hernia|spondylosis|osteophytes?|kyphosis|thickening|congestion)\b",
    re.I,
)
NEGATION = re.compile(r"\b(no|not|without|negative|free of|clear)\b", re.I)

FALSE_FINDINGS = [
    ("effusion", "There is a small left pleural effusion."),
    ("effusion", "Moderate right pleural effusion is present."),
    ("pneumothorax", "There is a small right apical pneumothorax."),
    ("consolidation", "Focal consolidation is present in the right lower lobe."),
    ("opacit", "There is a patchy opacity in the left lung base."),
    ("nodule", "A 9 mm nodule projects over the right upper lung."),
    ("cardiomegaly|enlarged", "The heart is enlarged."),
    ("fracture", "There is an acute fracture of the left posterior sixth rib."),
    ("atelectasis", "Linear atelectasis is noted at the left base."),
    ("edema", "There is mild interstitial pulmonary edema."),
    ("mass", "There is a 3 cm mass in the left upper lobe."),
    ("hernia", "A large hiatal hernia is present."),
    ("scoliosis", "There is moderate scoliosis of the thoracic spine."),
]
NEGATED_TO_POSITIVE = [
    (re.compile(r"\bno (?:evidence of )?(?:acute |focal |visible |visualized |definite )?(pneumothorax|pleural effusion|effusion|consolidation|edema|nodules?|masses|mass|fracture)s?\b", re.I),
     lambda m: f"there is a {m.group(1).lower().rstrip('s') if m.group(1).lower() not in ('pneumothorax', 'mass') else m.group(1).lower()}"),
    (re.compile(r"\bthere is no\b", re.I), lambda m: "there is a"),
    (re.compile(r"\bthe heart is not enlarged\b", re.I), lambda m: "the heart is enlarged"),
]
LOCATION_SWAPS = [("left", "right"), ("upper", "lower"), ("apex", "base"), ("apical", "basilar"), ("anterior", "posterior")]
SEVERITY_SWAPS = [("small", "large"), ("mild", "severe"), ("minimal", "extensive"), ("moderate", "severe"), ("tiny", "large"),
                  ("mildly", "markedly"), ("slight", "marked"), ("large", "small"), ("severe", "mild"), ("marked", "mild")]
PARAPHRASES = [
    (r"^There is no ([^.,;]+)\.$", r"No \1 is seen."),
    (r"^No ([^.,;]+) is (?:seen|identified)\.$", r"There is no \1."),
    (r"^No ([a-z ]+)\.$", r"There is no \1."),
    (r"^The heart is normal in size\.$", "Heart size is normal."),
    (r"^(?:The )?[Hh]eart size is normal\.$", "The heart is normal in size."),
    (r"^The lungs are clear\.$", "Lungs are clear."),
    (r"^Lungs are clear\.$", "The lungs are clear."),
    (r"^(?:The )?[Cc]ardiomediastinal silhouette is (?:normal|within normal limits)\.$", "The heart and mediastinum are normal."),
    (r"^There (?:is|are) ([^.,;]+)\.$", r"\1 noted."),
    (r"^The ([a-z ]+) (?:is|are) normal\.$", r"Normal \1."),
]
SYNONYMS = [
    ("within normal limits", "normal"), ("unremarkable", "normal"), ("normal", "unremarkable"),
    ("airspace disease", "consolidation"), ("consolidation", "airspace disease"), ("osseous", "bony"),
    ("bony", "osseous"), ("pneumothorax", "pneumothorax"), ("cardiomegaly", "enlarged heart"),
    ("degenerative changes", "degenerative disease"), ("opacity", "opacification"), ("pleural effusions", "pleural fluid collections"),
    ("Heart size", "Cardiac size"), ("heart size", "cardiac size"), ("visualized", "seen"), ("skeletal", "bony"),
    ("mild", "minimal"), ("small", "minimal"), ("pulmonary vascularity", "pulmonary vasculature"),
    ("identified", "seen"), ("granuloma", "granulomatous nodule"), ("lungs", "lung fields"),
]


def _sentences(text: str) -> list[str]:
    return split_sentences(text)


def inject_false(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    options = [s for key, s in FALSE_FINDINGS if not re.search(key, report, re.I)]
    negated = [i for i, s in enumerate(sents) if any(rx.search(s) for rx, _ in NEGATED_TO_POSITIVE)]
    if negated and rng.random() < 0.4:
        i = rng.choice(negated)
        for rx, fn in NEGATED_TO_POSITIVE:
            if rx.search(sents[i]):
                new = rx.sub(fn, sents[i], count=1)
                sents[i] = new[0].upper() + new[1:]
                break
        return " ".join(sents)
    if not options:
        return None
    sents.insert(rng.randrange(len(sents) + 1), rng.choice(options))
    return " ".join(sents)


def inject_missing(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    if len(sents) < 2:
        return None
    abnormal = [i for i, s in enumerate(sents) if ABNORMAL_WORDS.search(s) and not NEGATION.search(s)]
    findings = [i for i, s in enumerate(sents) if FINDING_WORDS.search(s)]
    pool = abnormal or findings
    if not pool:
        return None
    del sents[rng.choice(pool)]
    return " ".join(sents)


def _swap_word(sentence: str, a: str, b: str) -> str:
    return re.sub(rf"\b({a}|{b})\b", lambda m: (b if m.group(1).lower() == a else a) if m.group(1).islower()
                  else (b if m.group(1).lower() == a else a).capitalize(), sentence, flags=re.I)


def inject_location(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    cands = [(i, a, b) for i, s in enumerate(sents) for a, b in LOCATION_SWAPS
             if re.search(rf"\b({a}|{b})\b", s, re.I) and ABNORMAL_WORDS.search(s) and not NEGATION.search(s)]
    if not cands:
        return None
    i, a, b = rng.choice(cands)
    new = _swap_word(sents[i], a, b)
    if new == sents[i]:
        return None
    sents[i] = new
    return " ".join(sents)


def inject_severity(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    cands = [(i, a, b) for i, s in enumerate(sents) for a, b in SEVERITY_SWAPS
             if re.search(rf"\b{a}\b", s, re.I) and not NEGATION.search(s)]
    sized = [i for i, s in enumerate(sents) if re.search(r"\b\d+(?:\.\d+)? ?(?:mm|cm)\b", s)]
    plain = [i for i, s in enumerate(sents) if ABNORMAL_WORDS.search(s) and not NEGATION.search(s)]
    r = rng.random()
    if cands and r < 0.6:
        i, a, b = rng.choice(cands)
        sents[i] = re.sub(rf"\b{a}\b", lambda m: b if m.group(0).islower() else b.capitalize(), sents[i], count=1, flags=re.I)
    elif sized and r < 0.8:
        i = rng.choice(sized)
        sents[i] = re.sub(r"\b(\d+(?:\.\d+)?)( ?)(mm|cm)\b", lambda m: f"{float(m.group(1)) * 3:g}{m.group(2)}{m.group(3)}",
                          sents[i], count=1)
    elif plain:
        i = rng.choice(plain)
        m = ABNORMAL_WORDS.search(sents[i])
        word = rng.choice(["severe", "large", "marked", "extensive"])
        s = sents[i]
        sents[i] = s[: m.start()] + word + " " + s[m.start():]
        sents[i] = sents[i][0].upper() + sents[i][1:]
    else:
        return None
    return " ".join(sents)


def control_reorder(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    if len(sents) < 2:
        return None
    order = list(range(len(sents)))
    while order == sorted(order):
        rng.shuffle(order)
    return " ".join(sents[i] for i in order)


def control_paraphrase(report: str, rng: random.Random) -> str | None:
    sents = _sentences(report)
    changed = False
    for i, s in enumerate(sents):
        for pat, rep in PARAPHRASES:
            if re.match(pat, s) and rng.random() < 0.8:
                new = re.sub(pat, rep, s)
                new = new[0].upper() + new[1:]
                if new != s:
                    sents[i], changed = new, True
                break
    return " ".join(sents) if changed else None


def control_synonyms(report: str, rng: random.Random) -> str | None:
    out, changed = report, False
    for a, b in rng.sample(SYNONYMS, len(SYNONYMS)):
        if re.search(rf"\b{re.escape(a)}\b", out) and a != b:
            out = re.sub(rf"\b{re.escape(a)}\b", b, out)
            changed = True
    return out if changed else None


INJECTORS = {"a": inject_false, "b": inject_missing, "c": inject_location, "d": inject_severity}
CONTROLS = {"reorder": control_reorder, "paraphrase": control_paraphrase, "synonyms": control_synonyms}


def build_pairs(reports: list[str], seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    pairs = []
    for rep in reports:
        for kind, fn in {**INJECTORS, **CONTROLS}.items():
            cand = fn(rep, rng)
            if cand and cand.strip() != rep.strip():
                pairs.append((kind, rep, cand))
    return pairs


def _rates(rows: list[tuple[str, bool]]) -> tuple[Counter, Counter]:
    hit, total = Counter(), Counter()
    for kind, flagged in rows:
        total[kind] += 1
        hit[kind] += flagged
    return hit, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", default=None)
    ap.add_argument("--reports", type=int, default=400)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--show", type=int, default=0, help="print up to N misses / false alarms per kind (dev split only)")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from paraphrase_controls import build_pairs as build_paraphrases

    from pixtralogist.finetune.comparator import METRIC, OfflineComparator
    from pixtralogist.plugins.radiology.iu_xray import read_reports

    findings = {r.id: r.findings for r in read_reports(args.archive) if r.findings.strip()}
    reports = list(findings.values())
    rng = random.Random(args.seed)
    sample = rng.sample(reports, min(args.reports, len(reports)))
    pairs = build_pairs(sample, args.seed)
    paraphrases, stale = build_paraphrases(findings=findings)

    t0 = time.perf_counter()
    comp = OfflineComparator()
    comp.warm()  # cold start: vocabulary, compiled patterns, the MiniLM of the semantic fallback
    comp.compare(sample[0], sample[0])
    cold = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), time.process_time()
    results = [comp.compare(ref, cand) for _, ref, cand in pairs]
    para_results = [comp.compare(p.reference, p.candidate) for p in paraphrases]
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    n_pairs = len(pairs) + len(paraphrases)

    right_kind: Counter = Counter()
    shown: dict[str, int] = defaultdict(int)
    injected_rows = []
    for (kind, ref, cand), res in zip(pairs, results):
        flagged = res.total_significant > 0
        injected_rows.append((kind, flagged))
        if kind in INJECTORS:
            right_kind[kind] += res.significant.get(kind, 0) > 0
        bad = (not flagged) if kind in INJECTORS else flagged
        if bad and shown[kind] < args.show:
            shown[kind] += 1
            print(f"--- {kind} {'MISS' if kind in INJECTORS else 'FALSE ALARM'}\nREF:  {ref}\nCAND: {cand}\n"
                  f"     {res.significant_items}\n")
    for p, res in zip(paraphrases, para_results):
        key = f"para:{p.kind}"
        if p.split == "dev" and res.total_significant > 0 and shown[key] < args.show:
            shown[key] += 1
            print(f"--- paraphrase {p.kind} ({p.rule}) FALSE ALARM\nREF:  {p.reference}\nCAND: {p.candidate}\n"
                  f"     {res.significant_items}\n")

    hit, total = _rates(injected_rows)
    print(f"metric: {METRIC} (not GREEN)")
    print(f"== injected-error set: {len(sample)} IU X-Ray reports, seed {args.seed}, {len(pairs)} pairs")
    print(f"{'kind':<12}{'pairs':>7}{'flagged':>10}{'right kind':>12}")
    inj_hit = inj_total = 0
    for kind in INJECTORS:
        inj_hit += hit[kind]
        inj_total += total[kind]
        print(f"({kind}){'':<9}{total[kind]:>7}{hit[kind] / max(total[kind], 1):>10.1%}"
              f"{right_kind[kind] / max(total[kind], 1):>12.1%}")
    ctl_hit = ctl_total = 0
    for kind in CONTROLS:
        ctl_hit += hit[kind]
        ctl_total += total[kind]
        print(f"{kind:<12}{total[kind]:>7}{hit[kind] / max(total[kind], 1):>10.1%}   (false alarms)")
    detection = inj_hit / max(inj_total, 1)
    false_alarm = ctl_hit / max(ctl_total, 1)

    print(f"== paraphrase control set (frozen, benchmarks/data/paraphrase_controls.jsonl): {len(paraphrases)} pairs, "
          f"{stale} stale rows skipped")
    split_rates = {}
    by_split = {s: [(p.kind, r.total_significant > 0) for p, r in zip(paraphrases, para_results) if p.split == s]
                for s in ("dev", "holdout")}
    kinds = sorted({p.kind for p in paraphrases})
    print(f"{'kind':<24}{'dev':>12}{'holdout':>14}   (false alarms)")
    dh, dt = _rates(by_split["dev"])
    hh, ht = _rates(by_split["holdout"])
    for kind in kinds:
        print(f"{kind:<24}{dh[kind]:>4}/{dt[kind]:<3}{dh[kind] / max(dt[kind], 1):>5.0%}"
              f"{hh[kind]:>6}/{ht[kind]:<3}{hh[kind] / max(ht[kind], 1):>5.0%}")
    for s, (h, t) in {"dev": (dh, dt), "holdout": (hh, ht)}.items():
        split_rates[s] = sum(h.values()) / max(sum(t.values()), 1)
        print(f"paraphrase false alarms, {s}: {split_rates[s]:.1%} of {sum(t.values())} "
              f"(target <= {TARGET_FALSE_ALARM:.0%})")

    speed = n_pairs / elapsed if elapsed else float("inf")
    print(f"detection rate (injected errors): {detection:.1%} (target >= {TARGET_DETECTION:.0%})")
    print(f"false alarms on the injected set's controls: {false_alarm:.1%} (target <= {TARGET_FALSE_ALARM:.0%})")
    print(f"speed: {speed:,.0f} pairs/s ({elapsed:.2f} s for {n_pairs} pairs; target >= {TARGET_SPEED:.0f}); "
          f"cold start (vocabulary + MiniLM load, once per process) {cold:.2f} s; CPU time {cpu:.2f} s ({n_pairs / max(cpu, 1e-9):,.0f} pairs per CPU-second: "
          "the wall figure falls when other processes share the cores)")
    from pixtralogist.finetune.comparator import default_matcher

    m = default_matcher()
    print(f"semantic fallback (MiniLM): {m.calls} sentences embedded; model "
          f"{'loaded' if m.loaded else 'not needed' if m.error is None else 'unavailable: ' + m.error}")
    ok = (detection >= TARGET_DETECTION and false_alarm <= TARGET_FALSE_ALARM and speed >= TARGET_SPEED
          and all(r <= TARGET_FALSE_ALARM for r in split_rates.values()) and paraphrases)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
