"""Routing accuracy: does the app pick the template a clinician expects, or ask when it should?

Scores two sets with every built-in plugin plus the dental example plugin
(``examples/pixtralogist-dental``, put on ``sys.path`` here, registered like a third-party plugin):

* ``benchmarks/data/routing_dev.yaml``: hand-written text-and-header cases (indication, notes,
  DICOM modality/body part/study description, no images), frozen before the routing was rewritten;
  ``expect`` is a template id or ``ask``;
* every example case of every installed specialty (synthetic images, their ``expected_template``).

A case counts as right when :func:`pixtralogist.core.routing.decide_route` routes it to the
expected template, or asks when ``ask`` is expected. Prints accuracy per set and the misses.
Targets: accuracy >= 0.80 on the dev cases (what the per-plugin routers scored on 2026-12-06,
40/49) and 1.0 on the example cases. Exits 1 when a target is missed.

    python benchmarks/routing.py [--misses 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "routing_dev.yaml"
DENTAL = ROOT / "examples" / "pixtralogist-dental"
#: Accuracy targets per set (the dev target is the accuracy measured before the routing rewrite).
TARGETS = {"dev cases": 0.8, "example cases": 1.0}


def _host():
    sys.path.insert(0, str(DENTAL))
    import pixtralogist_dental.plugin as dental
    from pixtralogist.core.plugins import get_plugin_manager

    host = get_plugin_manager(autoload=False, extra=[dental])
    if host.failures:
        raise SystemExit(f"plugin failures: {host.failures}")
    return host


def _dev_cases():
    from pixtralogist.core.models import Case, ImageMeta, StudyImage

    for row in yaml.safe_load(DATA.read_text("utf-8")):
        images = []
        if row.get("study_description"):
            meta = ImageMeta(label="image-1.dcm", format="dicom", width=8, height=8, channels=1, sha256="0" * 64,
                             modality=row.get("modality"), study_description=row["study_description"])
            images = [StudyImage(png=b"", meta=meta)]
        case = Case(indication=row.get("indication", ""), notes=row.get("notes", ""),
                    comparison=row.get("comparison", ""), modality=row.get("modality"),
                    body_part=row.get("body_part"), images=images)
        yield row.get("indication") or f"<{row.get('modality')}/{row.get('body_part')}>", case, row["expect"]


def _example_cases(host):
    from pixtralogist.core.examples import example_to_case

    for name in sorted(host.specialties()):
        for ex in host.examples(name):
            if ex.expected_template and not ex.specialty_hint:
                yield ex.id, example_to_case(ex), ex.expected_template


def _judge(host, rows):
    from pixtralogist.core.routing import decide_route

    right, misses = 0, []
    for label, case, expect in rows:
        d = decide_route(host.route(case), hint=case.specialty_hint)
        got = d.choice.template_id if d.status == "routed" else "ask"
        if got == expect:
            right += 1
        else:
            top = ", ".join(f"{s.template_id} {s.score:.2f}" for s in d.candidates[:3])
            misses.append(f"{label!r}: expected {expect}, got {got} ({top})")
    return right, misses


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--misses", type=int, default=20)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    host = _host()
    ok = True
    for name, rows in (("dev cases", list(_dev_cases())), ("example cases", list(_example_cases(host)))):
        right, misses = _judge(host, rows)
        acc = right / len(rows)
        ok &= acc >= TARGETS[name]
        print(f"{name}: {right}/{len(rows)} routed as expected, accuracy {acc:.3f} (target >= {TARGETS[name]})")
        for m in misses[: args.misses]:
            print("  miss:", m)
    print(f"took {time.perf_counter() - t0:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
