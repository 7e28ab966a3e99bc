"""The clinician's review command: what resumes a case paused in review, in one graph run.

- :class:`Edits`: every changed region box and/or the impression, applied together (a Save);
- :class:`Message`: one chat message (an edit in words, a question, "undo", "sign as ...");
- :class:`Sign`: the signer's name, with the box edits still pending on screen (applied in the
  same run, re-checked, then signed: what the clinician saw is what is signed).

Each command carries the acting user (``user``: who is logged in, for the audit log) and the
clinician named on the screen (``clinician``: the signer, or the editor the feedback store names),
and an ``edit_id`` that makes its feedback rows idempotent when a crash re-runs the step.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = ["Edits", "Message", "ReviewCommand", "Sign", "parse_command"]


def _new_id() -> str:
    return uuid.uuid4().hex


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the logged-in user acting (the audit log's actor); "" when unknown
    user: str = ""
    #: the clinician named on screen (signer's name, or the editor recorded with the edits)
    clinician: str | None = None
    #: makes the step's feedback rows idempotent (``<edit_id>:<n>``) when a crash re-runs it
    edit_id: str = Field(default_factory=_new_id)


class Edits(_Command):
    """A Save: the changed region boxes (region name -> new text) and the impression (None: unchanged)."""

    kind: Literal["edits"] = "edits"
    regions: dict[str, str] = Field(default_factory=dict)
    impression: str | None = None

    @property
    def empty(self) -> bool:
        return not self.regions and self.impression is None


class Message(_Command):
    """A chat message."""

    kind: Literal["message"] = "message"
    text: str


class Sign(_Command):
    """Sign as ``clinician``, after applying ``edits`` (the boxes changed on screen, if any)."""

    kind: Literal["sign"] = "sign"
    edits: Edits | None = None


ReviewCommand = Annotated[Union[Edits, Message, Sign], Field(discriminator="kind")]
_ADAPTER: TypeAdapter = TypeAdapter(ReviewCommand)


def parse_command(value: Any) -> Edits | Message | Sign | None:
    """A review command from what a checkpoint holds: the command itself, its JSON, or the
    ``{"action": ...}`` dict that versions before the typed command stored (read, never written)."""
    if value is None or isinstance(value, (Edits, Message, Sign)):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"not a review command: {type(value).__name__}")
    if "kind" in value:
        return _ADAPTER.validate_python(dict(value))
    return _legacy(value)


def _legacy(old: Mapping[str, Any]) -> Edits | Message | Sign | None:
    """The pending input of the old state shape: ``{"action", "text", "region", "clinician", "actor", "edit_id"}``."""
    action = old.get("action")
    common = {"user": str(old.get("actor") or ""), "clinician": old.get("clinician"),
              "edit_id": str(old.get("edit_id") or _new_id())}
    if action == "edit_region":
        return Edits(regions={str(old.get("region")): str(old.get("text") or "")}, **common)
    if action == "edit_impression":
        return Edits(impression=str(old.get("text") or ""), **common)
    if action == "message":
        return Message(text=str(old.get("text") or ""), **common)
    if action == "sign":
        return Sign(**common)
    return None
