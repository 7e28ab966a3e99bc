"""Warm-up: load, before the first clinician presses Draft, everything a draft would load on first use.

A fresh process loads lazily: the sentence embedder and each specialty's guideline index
(built on a fresh data folder), each template's lexicon and finding vocabulary (YAML and
compiled patterns), each specialty's drafter, and one negation/uncertainty pipeline per
template's vocabulary (spaCy). Measured by ``benchmarks/app_load.py``, the first case of each
specialty took 1 to 6 s more than the next ones until this ran them all at start.

:func:`warm_up` runs one specialty at a time, each through the same code a draft runs (route,
draft, guideline retrieval, checks) on the specialty's own example case, in memory: nothing is
saved (no checkpoint, no case list row, no feedback, no audit event). A failing specialty is
logged and skipped: warming up never stops the app. It steps aside while clinicians' actions
run (``busy``): a draft that comes during the warm-up loads only what it needs itself (the
embedder, its own specialty's guideline index: one lock per specialty) and does not queue
behind the indexing of the others.

Order: what the first draft most likely needs comes first (:func:`warm_up_order`):
:data:`FIRST_SPECIALTY`'s guideline index and its example draft (its example template's lexicon,
drafter and vocabulary pipeline), then its other templates, then the generic negation pipeline
(no draft uses it: a draft analyses its sentences with its template's vocabulary; chat edits and
ad-hoc analyses without a template do), then the other specialties in registration order, each
the same way; last, the sign-off's edit-burden scorer (half a second that the first sign-off paid otherwise).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FIRST_SPECIALTY", "WarmUpReport", "warm_up", "warm_up_order"]

log = logging.getLogger(__name__)


@dataclass
class WarmUpReport:
    """What :func:`warm_up` did: seconds per specialty and the specialties that failed (with why)."""

    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    #: the steps run, in order: ``"nlp"``, then ``"<specialty>:<step>"`` (index, example, templates), then
    #: ``"sign-off scorer"``
    steps: list[str] = field(default_factory=list)
    #: seconds spent waiting for clinicians' actions (not counted in :attr:`total`)
    yielded: float = 0.0

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


#: Longest wait (s) of the warm-up for clinicians' actions to finish before its next step: under
#: constant load it goes on anyway (it then shares the CPU, as the actions load what they need).
MAX_YIELD_S = 20.0

#: The specialty warmed up first (when installed): the one most first drafts are for.
FIRST_SPECIALTY = "radiology"


def warm_up_order(specialties: list[str], first: str = FIRST_SPECIALTY) -> list[str]:
    """``specialties`` with ``first`` moved to the front (registration order otherwise)."""
    return sorted(specialties, key=lambda name: name != first)


def warm_up(runtime: Any, *, busy: Callable[[], bool] | None = None) -> WarmUpReport:
    """Load what the first draft of every installed specialty needs (see the module docstring).

    :param busy: says whether clinicians' actions are running (e.g. ``service.in_flight > 0``);
        before each step the warm-up then waits (up to :data:`MAX_YIELD_S`) until none is, so that
        on a cold start the first draft gets the CPU and loads only what it needs (the embedder,
        its own specialty's index) instead of queueing behind every other specialty's.
    """
    report = WarmUpReport()
    wait = _yielder(busy, report)
    order = warm_up_order(list(runtime.host.specialties()))
    for i, specialty in enumerate(order):
        if i == 1:  # after the first specialty: none of its drafts needs the generic pipeline
            _generic_nlp(wait, report)
        for name, step in _steps(runtime, specialty):
            wait()
            report.steps.append(f"{specialty}:{name}")
            t = time.perf_counter()
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - the first draft of this specialty will load the rest
                log.warning("warm-up of %s (%s) failed (%s); its first draft will be slower", specialty, name,
                            type(exc).__name__)
                report.failed[specialty] = type(exc).__name__
                report.seconds[specialty] = report.seconds.get(specialty, 0.0) + time.perf_counter() - t
                break
            report.seconds[specialty] = report.seconds.get(specialty, 0.0) + time.perf_counter() - t
    if len(order) < 2:
        _generic_nlp(wait, report)
    wait()
    t = time.perf_counter()
    try:
        runtime.feedback.warm_up()  # the sign-off's edit-burden scorer
        report.steps.append("sign-off scorer")
    except Exception as exc:  # noqa: BLE001 - the first sign-off will load it
        log.warning("warm-up of the sign-off scorer failed (%s)", type(exc).__name__)
    report.seconds["sign-off"] = time.perf_counter() - t
    return report


def _generic_nlp(wait: Callable[[], None], report: WarmUpReport) -> None:
    """The negation pipeline without a template's vocabulary (chat edits, analyses outside a draft)."""
    from pixtralogist.core.nlp import analyze

    wait()
    t = time.perf_counter()
    analyze("No mass.")
    report.seconds["nlp"] = time.perf_counter() - t
    report.steps.append("nlp")


def _yielder(busy: Callable[[], bool] | None, report: WarmUpReport) -> Callable[[], None]:
    def wait() -> None:
        if busy is None:
            return
        t = time.perf_counter()
        while busy() and time.perf_counter() - t < MAX_YIELD_S:
            time.sleep(0.05)
        report.yielded += time.perf_counter() - t

    return wait


def _steps(runtime: Any, specialty: str) -> list[tuple[str, Callable[[], None]]]:
    """The warm-up of one specialty in steps of a second or two (the warm-up yields between them):
    its index, its example draft (what a first draft of its main template loads), its other templates."""
    return [("index", lambda: runtime.search(specialty, "warm-up", k=1)),  # the embedder, this specialty's index
            ("example", lambda: _example(runtime, specialty)),
            ("templates", lambda: _templates(runtime, specialty))]


def _example(runtime: Any, specialty: str) -> None:
    from pixtralogist.core.checks import run_generic_checks
    from pixtralogist.core.examples import example_to_case
    from pixtralogist.core.pipeline import draft_case

    host = runtime.host
    examples = host.examples(specialty)
    if not examples:
        return
    case = example_to_case(examples[0])
    draft, _ = draft_case(case, host, specialty=specialty)  # routing, the drafter, the region sorter, NLP
    template = host.template(draft.template_id)
    runtime.cite_findings(specialty, template, draft.findings)
    run_generic_checks(draft, template)
    host.verify(draft, case, template, host.guidelines(specialty))


def _templates(runtime: Any, specialty: str) -> None:
    """Every template's drafter and vocabulary pipeline (those of the example's are loaded already)."""
    from pixtralogist.core.nlp import analyze

    host = runtime.host
    for template in host.templates(specialty):
        host.drafter(specialty, template)
        terms = tuple(template.finding_terms or ())
        analyze(f"No {terms[0]}." if terms else "No mass.", extra_terms=terms)  # this vocabulary's pipeline
