"""How often core/nlp.py's regex NegEx backend agrees with the spaCy one, sentence by sentence.

Sentences: every IU X-Ray report sentence (findings, impression, indication, comparison; the
torchxrayvision wheel's ``NLMCXR_reports.tgz``, when installed), every string of
``benchmarks/data/*.yaml`` (whole and split into sentences) and ``tests/fixtures/nlp_sample.txt``.
Each is analysed with every installed template's vocabulary by both backends; the script prints
how many (sentence, vocabulary) pairs give different :class:`FindingAttributes`, per field, and the
sentences that differ. The regex backend may only become the default when this prints 0.

    python tools/nlp_backend_agreement.py [--show 40] [--write-sample tests/fixtures/nlp_sample.txt]

``--write-sample`` writes the committed sample ``tests/test_nlp_cold.py`` runs: every sentence that
differs plus a fixed selection of sentences with finding words.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "fixtures" / "nlp_sample.txt"
FIELDS = ("negated", "uncertain", "abnormal", "laterality", "size_mm")


def sentences() -> list[str]:
    import yaml

    from pixtralogist.core.text import split_sentences

    out: set[str] = set()
    try:
        from pixtralogist.plugins.radiology.iu_xray import read_reports

        for r in read_reports():
            for text in (r.findings, r.impression, r.indication, r.comparison):
                out.update(split_sentences(text or ""))
    except Exception as exc:  # noqa: BLE001 - the archive is optional
        print(f"(no IU X-Ray reports: {type(exc).__name__})", file=sys.stderr)

    def walk(x: object) -> None:
        if isinstance(x, str):
            out.add(x)
            out.update(split_sentences(x))
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for path in sorted((REPO / "benchmarks" / "data").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    if SAMPLE.is_file():
        out.update(line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip())
    return sorted(s for s in out if s.strip())


def vocabularies() -> list[tuple[str, ...]]:
    from pixtralogist.core.plugins import get_plugin_manager

    host = get_plugin_manager(autoload=False)
    vocabs = {()}
    for specialty in host.specialties():
        for template in host.templates(specialty):
            vocabs.add(tuple(template.finding_terms or ()))
    return sorted(vocabs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=20, help="sentences that differ to print")
    ap.add_argument("--write-sample", type=Path, default=None)
    args = ap.parse_args(argv)

    from pixtralogist.core.nlp import FindingAnalyzer

    texts = sentences()
    vocabs = vocabularies()
    pairs, differ = 0, []
    with_findings: set[str] = set()
    for vocab in vocabs:
        spacy_backend, regex_backend = FindingAnalyzer(vocab), FindingAnalyzer(vocab, use_spacy=False)
        if spacy_backend.backend != "spacy":
            print("spaCy/negspacy are not installed: nothing to compare", file=sys.stderr)
            return 2
        for s, a, b in zip(texts, spacy_backend.analyze_many(texts), (regex_backend.analyze(t) for t in texts)):
            pairs += 1
            if spacy_backend.mentions_finding(s):
                with_findings.add(s)
            if a != b:
                differ.append((s, vocab, a, b))
    fields = collections.Counter(f for _, _, a, b in differ for f in FIELDS if getattr(a, f) != getattr(b, f))
    distinct = sorted({s for s, *_ in differ})
    print(f"{len(texts)} sentences x {len(vocabs)} vocabularies = {pairs} pairs; the backends differ on "
          f"{len(differ)} pairs ({100 * len(differ) / max(1, pairs):.2f}%), {len(distinct)} distinct sentences")
    print("fields that differ: " + ", ".join(f"{k} {v}" for k, v in fields.most_common()))
    for s in distinct[: args.show]:
        s_, vocab, a, b = next(d for d in differ if d[0] == s)
        print(f"  {s[:120]!r}\n     spacy {a}\n     regex {b}")
    if args.write_sample:
        rng = random.Random(15)
        rest = sorted(with_findings - set(distinct))
        sample = sorted(set(distinct) | set(rng.sample(rest, min(400, len(rest)))))
        sample = [s for s in sample if "\n" not in s]
        args.write_sample.write_text("\n".join(sample) + "\n", encoding="utf-8")
        print(f"wrote {len(sample)} sentences to {args.write_sample}")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
