"""Routing a case to a specialty template: pure functions over plugin scores.

Plugins score a case through the ``pixtralogist_route`` hook; this module turns
the scores into a decision. It never guesses: when no score is confident or the
two best specialties tie, the decision asks the clinician to choose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pixtralogist.core.models import RouteScore

#: A score at or above this is confident enough to route without asking.
CONFIDENT = 0.6
#: Two best scores (of different specialties) closer than this are a tie.
TIE_MARGIN = 0.1


@dataclass(frozen=True)
class RouteDecision:
    """The outcome of routing."""

    status: Literal["routed", "ask"]
    choice: RouteScore | None
    candidates: tuple[RouteScore, ...] = field(default=())
    reason: str = ""


def decide_route(
    scores: list[RouteScore],
    *,
    hint: str | None = None,
    confident: float = CONFIDENT,
    tie_margin: float = TIE_MARGIN,
) -> RouteDecision:
    """Pick a template from plugin scores.

    - An explicit specialty ``hint`` wins when a plugin of that specialty
      scored the case (its best template is chosen).
    - Otherwise the best score wins if it is confident and not tied with the
      best score of another specialty.
    - Otherwise the decision is ``ask`` with the candidates, best first.
    """
    ranked = sorted(scores, key=lambda s: -s.score)
    if hint:
        hinted = [s for s in ranked if s.specialty == hint.strip().lower()]
        if hinted:
            return RouteDecision("routed", hinted[0], tuple(ranked), f"specialty chosen explicitly: {hint}")
        return RouteDecision("ask", None, tuple(ranked), f"no installed plugin handles the requested specialty {hint!r}")
    if not ranked:
        return RouteDecision("ask", None, (), "no plugin recognised this case")
    best = ranked[0]
    if best.score < confident:
        return RouteDecision("ask", None, tuple(ranked), f"no confident match (best {best.specialty} {best.score:.2f})")
    rival = next((s for s in ranked[1:] if s.specialty != best.specialty), None)
    if rival is not None and best.score - rival.score < tie_margin:
        return RouteDecision(
            "ask", None, tuple(ranked), f"{best.specialty} and {rival.specialty} fit equally well"
        )
    return RouteDecision("routed", best, tuple(ranked), "; ".join(best.reasons) or "best score")
