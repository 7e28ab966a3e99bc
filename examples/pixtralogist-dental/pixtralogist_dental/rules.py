"""A structural rule check for dental drafts: every abnormal tooth-level statement names its tooth.

It is a reporting-structure check (snippet ``dental-structure-tooth-reference``),
not a clinical rule: it says nothing about what a finding means.
"""

from __future__ import annotations

from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, Template

from pixtralogist_dental.sorter import TOOTH_REFERENCE

TOOTH_REGIONS = ("teeth", "periapical", "restorations")
SNIPPET_ID = "dental-structure-tooth-reference"


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    """A ``tooth-number-missing`` warning per abnormal, asserted statement that names no tooth."""
    have = {s.id for s in snippets}
    flags = []
    for f in draft.findings:
        if f.region not in TOOTH_REGIONS or f.is_default or not f.abnormal or f.negated:
            continue
        if TOOTH_REFERENCE.search(f.text):
            continue
        flags.append(Flag(
            code="tooth-number-missing", severity="warning", region=f.region, finding_id=f.id,
            message=f"Name the tooth this statement concerns (for example 'tooth 36'): {f.text!r}",
            snippet_ids=[SNIPPET_ID] if SNIPPET_ID in have else [],
        ))
    return flags
