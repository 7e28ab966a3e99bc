"""Generic draft checks that apply to every specialty.

Each check is a pure function ``(draft, template) -> list[Flag]``; plugins add
their own rules through the ``pixtralogist_verify`` hook.

- ``analysis-failed``: the text analysis failed on a statement, so the checks below could not judge it.
- ``contradiction``: the same finding (and side) is asserted in one sentence and denied in another.
- ``laterality-mismatch``: the impression puts a finding on the other side than the findings do.
- ``region-empty``: a template region has no statement at all.
- ``default-unverified``: regions still carry the template's normal default.
- ``impression-unsupported``: the impression names a finding the findings do not assert.
- ``overconfident``: wording that claims more certainty than an image report can.
"""

from __future__ import annotations

import re
from typing import Callable

from pixtralogist.core.concepts import concepts, laterality_of
from pixtralogist.core.models import Draft, Finding, Flag, Template

Check = Callable[[Draft, Template], list[Flag]]


def _attrs(text: str, template: Template):
    from pixtralogist.core.nlp import analyze

    return analyze(text, extra_terms=template.finding_terms)


def _sides_conflict(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b and "bilateral" not in (a, b)


def check_contradictions(draft: Draft, template: Template) -> list[Flag]:
    asserted: dict[str, list[Finding]] = {}
    denied: dict[str, list[Finding]] = {}
    for f in draft.findings:
        if f.is_default and not f.abnormal:
            continue  # an unverified normal default is flagged separately
        bucket = denied if f.negated else asserted if f.abnormal else None
        if bucket is None:
            continue
        for c in concepts(f.text, template.concepts):
            bucket.setdefault(c, []).append(f)
    flags = []
    for concept, pos in asserted.items():
        for p in pos:
            for n in denied.get(concept, []):
                if p.id == n.id or _sides_conflict(p.laterality, n.laterality):
                    continue
                flags.append(
                    Flag(
                        code="contradiction",
                        severity="critical",
                        region=p.region,
                        finding_id=p.id,
                        message=f"'{p.text}' contradicts '{n.text}' ({concept} both reported and denied).",
                    )
                )
                break
    return flags


def check_impression_laterality(draft: Draft, template: Template) -> list[Flag]:
    flags = []
    for item in draft.impression:
        side = laterality_of(item)
        if side is None:
            continue
        for concept in concepts(item, template.concepts):
            related = [f for f in draft.findings if concept in concepts(f.text, template.concepts) and not f.negated]
            if related and all(_sides_conflict(side, f.laterality) for f in related):
                sides = ", ".join(sorted({f.laterality or "?" for f in related}))
                flags.append(
                    Flag(
                        code="laterality-mismatch",
                        severity="critical",
                        region=related[0].region,
                        finding_id=related[0].id,
                        message=f"Impression says {side} {concept}; the findings say {sides}.",
                    )
                )
    return flags


def check_regions(draft: Draft, template: Template) -> list[Flag]:
    flags = []
    by_region = draft.by_region()
    defaults = []
    for region in template.region_names:
        items = by_region.get(region)
        if not items:
            flags.append(
                Flag(code="region-empty", severity="warning", region=region,
                     message=f"{template.region(region).label}: no statement. Describe it or state it is normal.")
            )
        elif all(f.is_default for f in items):
            defaults.append(region)
    for region in defaults:
        flags.append(
            Flag(code="default-unverified", severity="info", region=region,
                 message=f"{template.region(region).label}: template normal statement, not from the dictation. "
                 "Verify it against the images.")
        )
    return flags


def check_impression_support(draft: Draft, template: Template) -> list[Flag]:
    asserted: set[str] = set()
    for f in draft.findings:
        if not f.negated:
            asserted |= concepts(f.text, template.concepts)
    flags = []
    for item in draft.impression:
        if _attrs(item, template).negated:
            continue
        missing = sorted(concepts(item, template.concepts) - asserted)
        if missing:
            flags.append(
                Flag(code="impression-unsupported", severity="warning",
                     message=f"The impression names {', '.join(missing)}, which the findings do not report.")
            )
    return flags


_OVERCONFIDENT = re.compile(
    r"\b(definite(?:ly)?|certain(?:ly)?|undoubted(?:ly)?|no doubt|unequivocal(?:ly)?|pathognomonic|"
    r"diagnostic of|proves?|confirm(?:s|ed)? (?:the )?diagnosis|rules? out|100 ?%|always|guaranteed)\b",
    re.I,
)


def check_overconfidence(draft: Draft, template: Template) -> list[Flag]:
    flags = []
    for f in draft.findings:
        m = _OVERCONFIDENT.search(f.text)
        if m:
            flags.append(
                Flag(code="overconfident", severity="warning", region=f.region, finding_id=f.id,
                     message=f"'{m.group(0)}' claims more certainty than an image report supports: '{f.text}'.")
            )
    for item in draft.impression:
        m = _OVERCONFIDENT.search(item)
        if m:
            flags.append(
                Flag(code="overconfident", severity="warning",
                     message=f"Impression: '{m.group(0)}' claims more certainty than an image report supports.")
            )
    return flags


def check_analysis(draft: Draft, template: Template) -> list[Flag]:
    """Statements whose text analysis failed (:attr:`FindingAttributes.analysis_failed`).

    Negation, hedging and abnormality come from :func:`pixtralogist.core.nlp.analyze`; when it fails
    on a statement, the contradiction and impression checks cannot judge it, so the draft says so
    instead of treating the statement as normal. Failures are not cached, so the analysis is retried here.
    """
    from pixtralogist.core.nlp import analyze

    terms = tuple(template.finding_terms)
    flags = []
    for f in draft.findings:
        if not f.is_default and analyze(f.text, extra_terms=terms).analysis_failed:
            flags.append(
                Flag(code="analysis-failed", severity="warning", region=f.region, finding_id=f.id,
                     message=f"'{f.text}': the text analysis failed on this statement, so the contradiction "
                             "and impression checks could not run on it. Check it yourself.")
            )
    for item in draft.impression:
        if analyze(item, extra_terms=terms).analysis_failed:
            flags.append(
                Flag(code="analysis-failed", severity="warning",
                     message=f"Impression '{item}': the text analysis failed on this item, so the impression "
                             "checks could not run on it. Check it yourself.")
            )
    return flags


GENERIC_CHECKS: tuple[Check, ...] = (
    check_analysis,
    check_contradictions,
    check_impression_laterality,
    check_regions,
    check_impression_support,
    check_overconfidence,
)


def run_generic_checks(draft: Draft, template: Template) -> list[Flag]:
    out: list[Flag] = []
    for check in GENERIC_CHECKS:
        out.extend(check(draft, template))
    return out
