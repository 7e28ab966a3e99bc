"""Warm-up: load, before the first clinician presses Draft, everything a draft would load on first use.

A fresh process loads lazily: the sentence embedder and each specialty's guideline index
(built on a fresh data folder), each template's lexicon and finding vocabulary (YAML and
compiled patterns), each specialty's drafter, and one negation/uncertainty pipeline per
template's vocabulary (spaCy). Measured by ``benchmarks/app_load.py``, the first case of each
specialty took 1 to 6 s more than the next ones until this ran them all at start.

:func:`warm_up` runs one specialty at a time, each through the same code a draft runs (route,
draft, guideline retrieval, checks) on the specialty's own example case, in memory: nothing is
saved (no checkpoint, no case list row, no feedback, no audit event). A failing specialty is
logged and skipped: warming up never stops the app.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["WarmUpReport", "warm_up"]

log = logging.getLogger(__name__)


@dataclass
class WarmUpReport:
    """What :func:`warm_up` did: seconds per specialty and the specialties that failed (with why)."""

    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def warm_up(runtime: Any) -> WarmUpReport:
    """Load what the first draft of every installed specialty needs (see the module docstring)."""
    from pixtralogist.core.nlp import analyze

    report = WarmUpReport()
    t = time.perf_counter()
    analyze("No mass.")  # the generic pipeline (a case before routing, chat edits)
    report.seconds["nlp"] = time.perf_counter() - t
    for specialty in runtime.host.specialties():
        t = time.perf_counter()
        try:
            _specialty(runtime, specialty)
        except Exception as exc:  # noqa: BLE001 - the first draft of this specialty will load the rest
            log.warning("warm-up of %s failed (%s); its first draft will be slower", specialty, type(exc).__name__)
            report.failed[specialty] = type(exc).__name__
        report.seconds[specialty] = time.perf_counter() - t
    return report


def _specialty(runtime: Any, specialty: str) -> None:
    from pixtralogist.core.checks import run_generic_checks
    from pixtralogist.core.examples import example_to_case
    from pixtralogist.core.nlp import analyze
    from pixtralogist.core.pipeline import draft_case

    host = runtime.host
    runtime.search(specialty, "warm-up", k=1)  # the embedder and this specialty's guideline index
    for template in host.templates(specialty):
        host.drafter(specialty, template)
        terms = tuple(template.finding_terms or ())
        analyze(f"No {terms[0]}." if terms else "No mass.", extra_terms=terms)  # this vocabulary's pipeline
    examples = host.examples(specialty)
    if not examples:
        return
    case = example_to_case(examples[0])
    draft, _ = draft_case(case, host, specialty=specialty)  # routing, the drafter, the region sorter
    template = host.template(draft.template_id)
    runtime.cite_findings(specialty, template, draft.findings)
    run_generic_checks(draft, template)
    host.verify(draft, case, template, host.guidelines(specialty))
