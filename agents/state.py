"""The agent's state: plain JSON values, so the SQLite checkpointer stores them safely.

Nodes validate what they read with the pydantic models of
:mod:`pixtralogist.core.models` and write back ``model_dump(mode="json")``.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class AgentInput(TypedDict):
    """What a caller passes to start a case."""

    case: dict[str, Any]  # Case JSON


class AgentState(TypedDict, total=False):
    case: dict[str, Any]
    #: routing decision: {"status", "reason", "candidates": [RouteScore JSON], "choice": RouteScore JSON | None}
    route: dict[str, Any]
    specialty: str
    template_id: str
    #: the first AI draft (kept for learning and "rewrite <region>")
    original_draft: dict[str, Any]
    #: the current draft (AI draft plus the clinician's edits)
    draft: dict[str, Any]
    #: finding id -> [Citation JSON] (retrieved with a similarity, or cited by a rule without one)
    citations: dict[str, list[dict[str, Any]]]
    flags: list[dict[str, Any]]
    #: chat log (append-only reducer)
    messages: Annotated[list[dict[str, Any]], operator.add]
    #: the clinician's last input in review: {"action", "edit_id", ...}
    pending: dict[str, Any] | None
    impression_locked: bool
    #: earlier states for "undo", oldest first: [{"draft": Draft JSON, "impression_locked": bool}]
    history: list[dict[str, Any]]
    #: an edit a language model proposed in chat, waiting for the clinician's yes: {"region", "text"} or None
    proposal: dict[str, Any] | None
    sign_as: str | None
    status: str
