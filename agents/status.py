"""Where a case stands, read from its LangGraph thread: the :class:`~pixtralogist.agents.types.Turn`
callers get, and the shapes a crash can leave (:func:`cut_off`, :func:`stranded`).

Pure functions of a state snapshot (``graph.get_state(...)``) or of a run's output; nothing here
writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pixtralogist.agents.state import AgentState, load_state
from pixtralogist.agents.types import Turn
from pixtralogist.core.models import RouteScore

__all__ = ["case_version", "cut_off", "interrupt_of", "stranded", "turn_from_snapshot", "turn_from_values"]


def interrupt_of(snap: Any) -> dict | None:
    """The value of the pause the thread waits in (``{"kind": "review"}``, ...), or None."""
    for task in snap.tasks:
        for intr in task.interrupts:
            return intr.value
    return None


def cut_off(snap: Any) -> bool:
    """Whether a crash cut a step off: a step to run (``next``), or a step whose results are saved
    but not the checkpoint after it, with no pause.

    LangGraph saves a step's results (its "writes") and then the checkpoint after the step, from
    worker threads. A kill between the two leaves the thread looking finished: ``next`` is empty
    (LangGraph leaves out a task whose writes are saved) while ``tasks`` still holds that task.
    Running the graph on (``invoke(None)``) applies the saved writes and goes on. Missing this
    after a sign-off's ``finalize`` step left a signed case whose ``learn`` step never ran.
    """
    if interrupt_of(snap) is not None:
        return False
    return bool(snap.next) or any(not t.interrupts for t in snap.tasks)


def stranded(snap: Any, state: AgentState | None = None) -> bool:
    """An unsigned draft with no step to run, no saved step to finish and no pause to resume: the
    thread looks finished though it is not (a kill between a step's writes and its checkpoint,
    seen with a step LangGraph does not list as a task)."""
    if cut_off(snap) or interrupt_of(snap) is not None:
        return False
    state = state if state is not None else load_state(snap.values)
    return state.draft is not None and not state.signed


def case_version(state: AgentState, status: str) -> str:
    """A fingerprint of the case as a clinician sees it: its draft, status and conversation."""
    h = hashlib.sha256(status.encode("utf-8"))
    h.update(state.draft.model_dump_json().encode("utf-8") if state.draft is not None else b"null")
    h.update(str(len(state.messages)).encode("ascii"))
    return h.hexdigest()[:16]


def turn_from_values(case_id: str, values: Mapping[str, Any] | AgentState, intr: Mapping | None) -> Turn:
    """The Turn of a thread whose state is ``values`` and that waits in pause ``intr`` (None: none)."""
    state = values if isinstance(values, AgentState) else load_state(values)
    kind = (intr or {}).get("kind")
    if kind == "choose_specialty":
        status = "choose_specialty"
    elif state.signed:
        status = "signed"
    elif kind == "review":
        status = "review"
    else:
        status = "error"
    choosing = status == "choose_specialty"
    return Turn(
        case_id=case_id,
        status=status,
        draft=state.draft,
        flags=state.flags,
        citations=state.citations,
        candidates=[RouteScore.model_validate(c) for c in intr.get("candidates", [])] if choosing else [],
        messages=state.messages,
        error=intr.get("reason") if choosing else None,
        version=case_version(state, status),
    )


def turn_from_snapshot(case_id: str, snap: Any) -> Turn:
    return turn_from_values(case_id, snap.values, interrupt_of(snap))
