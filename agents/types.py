"""What the agent hands to its callers (the app, the CLI, tests): one :class:`Turn` per step."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pixtralogist.persistence.case_index import CaseSummary, TurnStatus
from pixtralogist.core.models import Draft, Flag, GuidelineSnippet, RouteScore, utcnow



CitationOrigin = Literal["retrieved", "rule"]
Stance = Literal["supports", "contradicts"]


class Citation(BaseModel):
    """A guideline snippet attached to a finding, and how it came to be attached.

    - ``origin="retrieved"``: found by similarity search over the specialty's snippets;
      ``score`` is that cosine similarity (0..1).
    - ``origin="rule"``: named by a rule check's flag and not retrieved; ``score`` is ``None``
      (no similarity was computed). ``rule_ids`` lists the flag codes that cite the snippet,
      also for a retrieved snippet that a rule cites too.
    - ``stance``: how the finding stands against the snippet, set only where a rule computed it
      (:attr:`Flag.stance`, e.g. a stated size that contradicts the guideline's threshold);
      ``None`` otherwise. Nothing else guesses a stance.

    Citations stored by older versions (``score`` 1.0 with an invented stance for every snippet
    a flag named) load as ``origin="rule"`` without score or stance.
    """

    model_config = ConfigDict(extra="forbid")

    snippet: GuidelineSnippet
    origin: CitationOrigin = "retrieved"
    score: float | None = Field(default=None, ge=0.0, le=1.0, description="Similarity, for retrieved snippets only.")
    rule_ids: list[str] = Field(default_factory=list, description="Codes of the rule flags that cite the snippet.")
    stance: Stance | None = None

    @model_validator(mode="before")
    @classmethod
    def _upgrade_legacy(cls, data: object) -> object:
        if not isinstance(data, dict) or "origin" in data:
            return data
        data = dict(data)
        stance = data.pop("stance", None)
        if stance in ("supports", "contradicts") and data.get("score") == 1.0:
            # written by the old verify step: a rule named the snippet, the score and stance were made up
            data["origin"], data["score"] = "rule", None
        else:
            data["origin"] = "retrieved"
        return data

    @model_validator(mode="after")
    def _score_matches_origin(self) -> "Citation":
        if self.origin == "retrieved" and self.score is None:
            raise ValueError("a retrieved citation needs its similarity score")
        if self.origin == "rule" and self.score is not None:
            raise ValueError("a citation named by a rule has no similarity score")
        if self.stance is not None and not self.rule_ids:
            raise ValueError("a stance needs the rule that computed it (rule_ids)")
        return self

    def describe(self) -> str:
        """How the snippet came to be cited, in words: 'similarity 0.62', 'cited by rule x', and the stance."""
        parts = []
        if self.score is not None:
            parts.append(f"retrieved, similarity {self.score:.2f}")
        if self.rule_ids:
            parts.append("cited by rule " + ", ".join(self.rule_ids))
        elif self.origin == "rule":
            parts.append("cited by a rule")
        if self.stance is not None:
            parts.append(f"the rule found the report {'consistent with' if self.stance == 'supports' else 'in conflict with'} it")
        return "; ".join(parts)


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
    version: str = Field(default="", description="Fingerprint of the case as shown (draft, status, messages): "
                                                  "pass it back as expect_version so a stale action is refused.")


