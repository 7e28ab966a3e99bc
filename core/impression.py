"""Building an impression from findings, by the template's impression rules."""

from __future__ import annotations

import re

from pixtralogist.core.models import Finding, Template

_HEDGED = re.compile(r"^\s*(possible|probable|likely|questionable|suspected|suspicious for|may represent|cannot exclude)\b", re.I)


def impression_item(f: Finding, template: Template) -> str:
    """A finding restated as an impression item; hedged findings keep their hedge."""
    text = f.text.strip().rstrip(".") + "."
    if f.uncertain and not _HEDGED.search(text) and not re.search(r"\b(possible|probable|likely|may|cannot|question|suspect)", text, re.I):
        text = f"{template.impression.uncertain_prefix} {text[0].lower()}{text[1:]}"
    return text[0].upper() + text[1:]


def build_impression(findings: list[Finding], template: Template) -> list[str]:
    """Abnormal, non-negated findings in template region order, at most ``max_items``;
    the template's normal impression when there are none."""
    order = {r: i for i, r in enumerate(template.region_names)}
    abnormal = [f for f in findings if f.abnormal and not f.negated]
    abnormal.sort(key=lambda f: (order.get(f.region, len(order)), f.uncertain))
    items: list[str] = []
    for f in abnormal:
        item = impression_item(f, template)
        if item not in items:
            items.append(item)
    if not items:
        return [template.impression.normal]
    return items[: template.impression.max_items]
