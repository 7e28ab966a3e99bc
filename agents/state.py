"""The agent's state: typed, validated once where it enters, read as models by every node.

:class:`AgentState` is the graph's state schema (a pydantic model, as the LangGraph templates
write it): LangGraph hands each node an ``AgentState`` and the node returns a partial update of
model instances (``{"draft": draft}``). Channels hold the instances; the checkpointer stores them
with their class (LangGraph's msgpack ``pydantic`` encoding), and :data:`STATE_TYPES` is the list
of classes the service's checkpointer may rebuild (nothing else is imported when a checkpoint
is read).

Checkpoints written before the typed state hold plain JSON dicts (``"draft": {...}``,
``"pending": {"action": "edit_region", ...}``). They still open: LangGraph validates each node's
input into :class:`AgentState`, and readers call :func:`load_state` on ``get_state().values``;
the validators below turn the old shapes into the new ones (tests/test_agent_state.py reads a
thread written by the old code).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pixtralogist.agents.commands import Edits, Message, Sign, parse_command
from pixtralogist.agents.types import ChatMessage, Citation
from pixtralogist.core.models import Case, Draft, Flag, RouteScore

__all__ = ["AgentInput", "AgentState", "RouteRecord", "STATE_TYPES", "Snapshot", "load_state"]


class AgentInput(BaseModel):
    """What a caller passes to start a case."""

    case: Case


class RouteRecord(BaseModel):
    """How the case was routed: ``status`` ``routed``/``ask``, why, the ranked candidates and the choice."""

    model_config = ConfigDict(extra="ignore")

    status: str
    reason: str = ""
    candidates: list[RouteScore] = Field(default_factory=list)
    choice: RouteScore | None = None


class Snapshot(BaseModel):
    """An earlier state of the draft, for "undo"."""

    draft: Draft
    impression_locked: bool = False

    def as_chat_history(self) -> dict[str, Any]:
        """The entry as :class:`pixtralogist.agents.chat.ChatContext.history` reads it."""
        return {"draft": self.draft, "impression_locked": self.impression_locked}


class AgentState(BaseModel):
    """One case's state (one LangGraph thread)."""

    model_config = ConfigDict(extra="ignore")

    case: Case | None = None
    route: RouteRecord | None = None
    specialty: str | None = None
    template_id: str | None = None
    #: the first AI draft (kept for learning and "rewrite <region>")
    original_draft: Draft | None = None
    #: the current draft (AI draft plus the clinician's edits)
    draft: Draft | None = None
    #: finding id -> citations (retrieved with a similarity, or cited by a rule without one)
    citations: dict[str, list[Citation]] = Field(default_factory=dict)
    flags: list[Flag] = Field(default_factory=list)
    #: chat log (append-only reducer)
    messages: Annotated[list[ChatMessage], operator.add] = Field(default_factory=list)
    #: the clinician's last review command (the one being applied, or applied last)
    pending: Edits | Message | Sign | None = None
    #: whether the last command changed the draft (then retrieve and verify run again)
    changed: bool = False
    impression_locked: bool = False
    #: earlier states for "undo", oldest first
    history: list[Snapshot] = Field(default_factory=list)
    #: an edit a language model proposed in chat, waiting for the clinician's yes: {"region", "text"}
    proposal: dict[str, str] | None = None
    #: the signer's name once a sign-off is asked for (finalize signs with it)
    sign_as: str | None = None
    status: str = ""

    @model_validator(mode="before")
    @classmethod
    def _legacy_pending(cls, data: Any) -> Any:
        """Old shape: ``pending`` was ``{"action", ..., "changed": bool}``."""
        if isinstance(data, Mapping):
            pending = data.get("pending")
            if isinstance(pending, Mapping) and "action" in pending and "changed" not in data:
                data = {**data, "changed": bool(pending.get("changed"))}
        return data

    @field_validator("pending", mode="before")
    @classmethod
    def _command(cls, value: Any) -> Any:
        return parse_command(value)

    @property
    def signed(self) -> bool:
        return self.draft is not None and self.draft.is_signed


def load_state(values: Mapping[str, Any]) -> AgentState:
    """The typed state of a checkpoint's ``values`` (new or old shape)."""
    return AgentState.model_validate(dict(values))


#: The classes a checkpoint of this agent holds (given to the checkpointer's msgpack allowlist).
STATE_TYPES: tuple[type[BaseModel], ...] = (
    Case, Draft, Flag, RouteScore, Citation, ChatMessage, RouteRecord, Snapshot, Edits, Message, Sign, AgentState,
)
