"""The case list as the agent keeps it: one row per case, written after each action.

The checkpointer holds the truth; the list (:class:`~pixtralogist.persistence.case_index.CaseIndex`,
in the checkpointer's database) only makes listing fast. :meth:`CaseList.record` writes a case's
row from the :class:`~pixtralogist.agents.types.Turn` an action returned; :meth:`CaseList.reconcile`
rewrites it when it disagrees with the checkpoint (after a crash between the two writes).
"""

from __future__ import annotations

from typing import Any

from pixtralogist.agents.types import CaseSummary, Turn

__all__ = ["CaseList"]


class CaseList:
    def __init__(self, index: Any) -> None:
        self._index = index

    def record(self, turn: Turn, indication: str | None = None) -> None:
        """Write ``turn``'s case row (status, specialty; the indication when the case is new)."""
        self._index.upsert(turn.case_id, turn.status, turn.draft.specialty if turn.draft else None, indication or "")

    def reconcile(self, turn: Turn) -> bool:
        """Rewrite the row when its status is not ``turn``'s; returns whether it had to."""
        if self._index.status(turn.case_id) == turn.status:
            return False
        self.record(turn)
        return True

    def status(self, case_id: str) -> str | None:
        return self._index.status(case_id)

    def list(self, limit: int = 200) -> list[CaseSummary]:
        return self._index.list(limit)

    def version(self) -> str:
        """A tag that changes whenever :meth:`list` would answer differently (see ``CaseIndex.version``)."""
        return self._index.version()
