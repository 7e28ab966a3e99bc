"""Edit-burden records: one row per region of a signed case (specialty-free, standard library only).

:class:`QualityRow` is what the feedback store keeps for every signed case and region
(:meth:`pixtralogist.persistence.feedback.FeedbackStore.quality_rows`); how rows are summarised and
judged lives in :mod:`pixtralogist.finetune.quality`. The store scores a draft region against
the signed text with a :data:`Scorer`; its default is the one registered under the entry-point
group ``pixtralogist.edit_scorers`` with the name ``offline`` (the offline comparator, which
lives above core), so core names no module above it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Callable

__all__ = ["BASE_VERSION", "DEFAULT_SCORER", "QualityRow", "Scorer", "SCORER_GROUP", "iso_week", "load_scorer",
           "normalized_edit_distance"]

#: ``adapter_version`` recorded for drafts made without an adapter (the base model, or a non-model drafter).
BASE_VERSION = "base"

#: ``scorer(reference, candidate) -> (score or None, metric name)``.
Scorer = Callable[[str, str], "tuple[float | None, str]"]


#: The entry-point group of edit-burden scorer factories, and the default's name.
SCORER_GROUP = "pixtralogist.edit_scorers"
DEFAULT_SCORER = "offline"


def load_scorer(name: str = DEFAULT_SCORER) -> Scorer:
    """The scorer the factory registered as ``name`` in :data:`SCORER_GROUP` makes.

    :raises LookupError: when no installed package registers ``name`` (reinstall with ``pip install -e .``).
    """
    from importlib.metadata import entry_points

    found = entry_points(group=SCORER_GROUP, name=name)
    if not found:
        raise LookupError(f"no edit-burden scorer {name!r} is registered under the entry-point group "
                          f"{SCORER_GROUP!r}; reinstall pixtralogist (pip install -e .)")
    return next(iter(found)).load()()


def _words(text: str) -> list[str]:
    return " ".join((text or "").split()).lower().split()


def normalized_edit_distance(before: str, after: str) -> float:
    """Word-level Levenshtein distance / the longer text's word count (0..1; 0 for two empty texts).

    Case and whitespace are ignored, so re-spacing a sentence is no edit.
    """
    a, b = _words(before), _words(after)
    if not a and not b:
        return 0.0
    if not a or not b:
        return 1.0
    prev = list(range(len(b) + 1))
    for i, wa in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, wb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (wa != wb))
        prev = cur
    return prev[-1] / max(len(a), len(b))


def iso_week(timestamp: str | datetime) -> str:
    """``'2026-W49'`` for an ISO timestamp."""
    dt = datetime.fromisoformat(timestamp) if isinstance(timestamp, str) else timestamp
    year, week, _ = dt.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class QualityRow:
    """One region of one signed case (see the module docstring). No report text, no identifiers."""

    case_id: str
    specialty: str
    region: str
    adapter_version: str
    edited: bool
    edit_distance: float
    score: float | None
    metric: str | None
    signed_at: str

    @property
    def week(self) -> str:
        return iso_week(self.signed_at)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "week": self.week}
