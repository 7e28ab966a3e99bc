"""The dental plugin's one rule: every abnormal tooth-level statement names its tooth.

A reporting-structure check (snippet ``dental-structure-tooth-reference``), not a clinical rule:
it says nothing about what a finding means. Its words are the lexicon's (``data/lexicon.yaml``).
"""

from __future__ import annotations

import re

from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, Template

SNIPPET_ID = "dental-structure-tooth-reference"


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    """A ``tooth-number-missing`` warning per abnormal, asserted statement that names no tooth."""
    from pixtralogist_dental.plugin import lexicon

    data = lexicon().data
    names_tooth = re.compile("|".join(data["tooth_reference"]), re.I)
    cite = [SNIPPET_ID] if SNIPPET_ID in {s.id for s in snippets} else []
    return [
        Flag(code="tooth-number-missing", severity="warning", region=f.region, finding_id=f.id, snippet_ids=cite,
             message=f"Name the tooth this statement concerns (for example 'tooth 36'): {f.text!r}")
        for f in draft.findings
        if f.region in data["tooth_regions"] and f.abnormal and not (f.is_default or f.negated)
        and not names_tooth.search(f.text)
    ]
