"""What the agent hands to its callers (the app, the CLI, tests): one :class:`Turn` per step."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pixtralogist.core.models import Draft, Flag, GuidelineSnippet, RouteScore, utcnow

TurnStatus = Literal["choose_specialty", "review", "signed", "error"]


class Citation(BaseModel):
    """A guideline snippet retrieved for a finding, with its similarity score (0..1)."""

    model_config = ConfigDict(extra="forbid")

    snippet: GuidelineSnippet
    score: float
    stance: Literal["supports", "contradicts", "related"] = "related"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["clinician", "assistant", "system"]
    text: str
    at: datetime = Field(default_factory=utcnow)
    sources: list[str] = Field(default_factory=list, description="Snippet ids an answer relies on.")


class Turn(BaseModel):
    """The state of one case after the agent has run as far as it can.

    - ``choose_specialty``: routing was not confident; ``candidates`` lists the options.
    - ``review``: a draft waits for the clinician (edit, ask, sign).
    - ``signed``: the report is final (``draft.status == 'signed'``).
    - ``error``: ``error`` says what went wrong; nothing saved was lost.
    """

    model_config = ConfigDict(extra="forbid")

    case_id: str
    status: TurnStatus
    draft: Draft | None = None
    flags: list[Flag] = Field(default_factory=list)
    citations: dict[str, list[Citation]] = Field(default_factory=dict, description="finding id -> citations")
    candidates: list[RouteScore] = Field(default_factory=list)
    messages: list[ChatMessage] = Field(default_factory=list)
    error: str | None = None


class CaseSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: str
    status: TurnStatus
    specialty: str | None = None
    indication: str = ""
    updated_at: datetime | None = None
