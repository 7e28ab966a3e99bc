"""After a crash: re-run the steps it interrupted, then bring the records in line with the checkpoint.

The checkpoint is the outbox of every action. A process killed mid-action leaves one of these
shapes, each found from the checkpoint and the stores (never assumed done):

- a step cut off (:func:`~pixtralogist.agents.status.cut_off`): run the graph on; LangGraph applies
  the step's saved writes or runs the step again;
- an unsigned draft stranded with no step and no pause (:func:`~pixtralogist.agents.status.stranded`):
  nothing tells which steps after the draft ran, so ``retrieve`` and ``verify`` run again over the
  draft as it stands (every edit kept), then the case pauses in review (or, for a sign-off whose
  edits were being re-checked, is signed as asked);
- a signed checkpoint whose ``learn`` step did not record the report in the feedback store:
  the graph is set back to just after ``finalize`` and ``learn`` runs again (it is idempotent);
- the graph finished but the case list or the audit log missed it (:func:`reconcile_records`):
  the case's row is rewritten, and a sign-off without its audit event gets one, attributed to the
  user the checkpointed command names and marked ``recovered``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from pixtralogist.agents.cases import CaseList
from pixtralogist.agents.engine import Engine
from pixtralogist.agents.state import AgentState, load_state
from pixtralogist.agents.status import cut_off, stranded
from pixtralogist.agents.types import CaseSummary, Turn
from pixtralogist.core.errors import PixtralogistError

log = logging.getLogger(__name__)

__all__ = ["reconcile_records", "recover_all", "rerun_interrupted"]


def rerun_interrupted(engine: Engine, case_id: str, snap: Any) -> tuple[Any, list[str]]:
    """Re-run what a crash interrupted on ``case_id`` (the caller holds the case's lock).

    Returns the snapshot after (``snap`` itself when nothing had to run) and what was re-run.
    """
    done: list[str] = []
    state = load_state(snap.values)
    if cut_off(snap):
        log.warning("case %s: finishing a step a crash cut off", case_id)
        engine.run(case_id, None)
        done.append("cut-off step")
    elif stranded(snap, state):
        log.warning("case %s: found without a pending step after a restart; re-running retrieve and verify",
                    case_id)
        engine.rewind_to_after(case_id, "draft")  # next: retrieve -> verify -> review (or finalize)
        engine.run(case_id, None)
        done.append("retrieve+verify")
    if done:
        snap = engine.snapshot(case_id)
        state = load_state(snap.values)
    if state.signed and state.case is not None and state.original_draft is not None \
            and not cut_off(snap) and not engine.runtime.feedback.has_report(case_id):
        log.warning("case %s: the signed report is missing from the feedback store; re-running learn", case_id)
        engine.rewind_to_after(case_id, "finalize")  # next: learn
        engine.run(case_id, None)
        done.append("learn")
        snap = engine.snapshot(case_id)
    return snap, done


def reconcile_records(case_id: str, turn: Turn, state: AgentState, cases: CaseList, audit: Any,
                      record: Callable[..., None], fallback_actor: Callable[[], str]) -> None:
    """Rewrite the case list row when it disagrees with the checkpoint, and give a sign-off that has no
    ``sign`` audit event its event (``record``: the service's audit writer)."""
    cases.reconcile(turn)
    if turn.status != "signed":
        return
    if any(e.action == "sign" and e.detail.get("status") == "signed" for e in audit.events(case_id)):
        return
    actor = (state.pending.user if state.pending is not None else "") or fallback_actor()
    record("sign", case_id, turn, actor, signed_by=turn.draft.signed_by if turn.draft else None,
           recovered="after a restart")


def recover_all(cases: Iterable[CaseSummary], reported: set[str], get: Callable[[str], Turn],
                has_report: Callable[[str], bool]) -> int:
    """At start: open every case that may hold interrupted work (all but signed, reported ones) through
    ``get`` (which re-runs and reconciles); returns how many changed."""
    changed = 0
    for summary in cases:
        if summary.status == "signed" and summary.case_id in reported:
            continue
        try:
            turn = get(summary.case_id)
        except PixtralogistError:
            log.warning("case %s: could not be recovered", summary.case_id)
            continue
        if turn.status != summary.status or (turn.status == "signed" and has_report(summary.case_id)):
            changed += 1
    return changed
