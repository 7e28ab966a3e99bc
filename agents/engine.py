"""The compiled graph and its runtime: every graph run of the service goes through :meth:`Engine.run`.

One case is one LangGraph thread (thread id = case id). A run passes the
:class:`~pixtralogist.agents.runtime.AgentRuntime` as the graph's context, checkpoints each step
before the next one starts (``durability="sync"``: a crash never loses a finished step) and is
counted (:attr:`Engine.runs`: what one clinician action costs, e.g. a Save of any number of boxes
is one run).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from pixtralogist.agents.status import turn_from_snapshot, turn_from_values
from pixtralogist.agents.types import Turn
from pixtralogist.core.errors import CaseError, PixtralogistError

log = logging.getLogger(__name__)

__all__ = ["Engine"]


class Engine:
    """Runs the agent graph over one runtime; thread-safe (LangGraph threads are per case)."""

    def __init__(self, graph: Any, runtime: Any) -> None:
        self.graph = graph
        self.runtime = runtime
        self._runs = 0
        self._runs_lock = threading.Lock()

    @property
    def runs(self) -> int:
        """Graph invocations and resumes by this process (recovery re-runs included)."""
        return self._runs

    @staticmethod
    def config(case_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": case_id}}

    def exists(self, case_id: str) -> bool:
        return bool(self.graph.get_state(self.config(case_id)).values)

    def snapshot(self, case_id: str) -> Any:
        snap = self.graph.get_state(self.config(case_id))
        if not snap.values:
            raise CaseError(f"no case {case_id!r}; open one from the case list or start a new one")
        return snap

    def turn(self, case_id: str) -> Turn:
        return turn_from_snapshot(case_id, self.snapshot(case_id))

    def run(self, case_id: str, payload: Any) -> Turn:
        """Invoke (``payload``: the input, a ``Command(resume=...)``, or None to run on) and return the
        case as the run left it; a :class:`PixtralogistError` gives an ``error`` turn (the saved
        checkpoint stands)."""
        with self._runs_lock:
            self._runs += 1
        try:
            out = self.graph.invoke(payload, self.config(case_id), context=self.runtime, durability="sync")
        except PixtralogistError as exc:
            log.warning("case %s: %s", case_id, type(exc).__name__)
            turn = self.turn(case_id)
            turn.status, turn.error = "error", str(exc)
            return turn
        interrupts = out.pop("__interrupt__", None) or []
        return turn_from_values(case_id, out, interrupts[0].value if interrupts else None)

    def rewind_to_after(self, case_id: str, node: str) -> None:
        """Make the thread continue as if ``node`` had just finished (its next steps run on the next
        :meth:`run` with None), keeping the state as it stands."""
        self.graph.update_state(self.config(case_id), None, as_node=node)
