"""The direct drafting pipeline (route -> draft), without the agent's review loop.

The CLI's ``draft`` command uses it; the agent's nodes call the same functions.
"""

from __future__ import annotations

from pixtralogist.core.errors import RoutingError
from pixtralogist.core.models import Case, Draft, Template
from pixtralogist.core.plugins import PluginHost
from pixtralogist.core.routing import RouteDecision, decide_route
from pixtralogist.core.text import ensure_plain_case_text


def route_case(case: Case, host: PluginHost, *, specialty: str | None = None) -> RouteDecision:
    """Score ``case`` with every plugin and decide (an explicit specialty overrides the case hint)."""
    hint = specialty or case.specialty_hint
    if hint:
        host.specialty(hint)  # raises UnknownSpecialtyError with the installed list
    return decide_route(host.route(case), hint=hint)


def resolve_template(decision: RouteDecision, host: PluginHost) -> Template:
    if decision.status != "routed" or decision.choice is None:
        names = ", ".join(f"{c.specialty} ({c.score:.2f})" for c in decision.candidates) or "none"
        raise RoutingError(
            f"Cannot choose a specialty for this case: {decision.reason}. Candidates: {names}. "
            "Choose one explicitly (--specialty in the CLI, the specialty menu in the app).",
            decision.candidates,
        )
    return host.template(decision.choice.template_id)


def draft_case(case: Case, host: PluginHost, *, specialty: str | None = None) -> tuple[Draft, RouteDecision]:
    """Route ``case`` and draft it with the chosen plugin's configured drafter.

    Case text with markup is refused first (:func:`~pixtralogist.core.text.ensure_plain_case_text`).
    """
    ensure_plain_case_text(case)
    decision = route_case(case, host, specialty=specialty)
    template = resolve_template(decision, host)
    drafter = host.drafter(template.specialty, template)
    return drafter.draft(case, template), decision
