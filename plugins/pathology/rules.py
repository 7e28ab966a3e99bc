"""Pathology rule checks (``pixtralogist_verify``): CAP core elements, Nottingham grade,
laterality agreement, lymph-node counts.

Each rule cites the guideline snippets it relies on (ids from ``data/guidelines.yaml``)
and never changes the draft: it flags. A rule only reads what the report states; it
never fills in a value (a computed Nottingham grade appears in a flag message, never
in the report).

- ``cap-core-element-missing``: a CAP core element of the template
  (``data/core_elements.yaml``) is empty, holds only the template default, or says
  "not reported"; severity per element (info when the procedure is a biopsy, since
  the synoptic requirement is for definitive resections, flagged once as
  ``cap-synoptic-scope``).
- ``nottingham-*``: component outside 1-3, stated total not the sum, stated grade
  not the grade of the components, grade missing although the components are given,
  or (info) the stated grade agrees with its components.
- ``synoptic-laterality-mismatch``: the laterality element and the side named in the
  procedure or tumor site disagree (or procedure and site disagree with each other).
- ``lymph-nodes-involved-exceeds-examined``: more nodes involved than examined.
"""

from __future__ import annotations

import re

from pixtralogist.core.concepts import laterality_of
from pixtralogist.core.models import Case, Draft, Finding, Flag, GuidelineSnippet, Template
from pixtralogist.plugins.pathology.lexicon import pattern
from pixtralogist.plugins.pathology.nottingham import parse_scores
from pixtralogist.plugins.pathology.templates import core_elements

__all__ = ["RULES", "is_biopsy", "is_not_reported", "node_counts", "verify"]

_NOT_REPORTED = pattern("rules", "not_reported")
_BIOPSY = pattern("rules", "biopsy")
_RESECTION = pattern("rules", "resection")
_NODE_PROC = pattern("rules", "node_proc")

_PAIR = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:of|/|out of)\s*(\d{1,3})(?!\d|\.\d)", re.I)
_EXAMINED = re.compile(
    r"(?:(?:examined|retrieved|identified|submitted|received|total)\s*(?:nodes?)?\s*[:=]?\s*(\d{1,3})\b)|"
    r"(?:\b(\d{1,3})\s+(?:\w+\s+){0,2}?(?:lymph\s+)?nodes?\s+(?:were\s+|are\s+)?(?:examined|retrieved|identified|submitted|received))",
    re.I,
)
_INVOLVED = re.compile(
    r"(?:(?:involved|positive|with (?:macro|micro)?metasta\w*)\s*(?:nodes?)?\s*[:=]\s*(\d{1,3})\b)|"
    r"(?:\b(\d{1,3})\s+(?:\w+\s+){0,2}?(?:lymph\s+)?nodes?\s+(?:were\s+|are\s+)?(?:involved|positive))",
    re.I,
)


def _known(ids: list[str], snippets: dict[str, GuidelineSnippet]) -> list[str]:
    return [i for i in ids if i in snippets]


def is_not_reported(text: str) -> bool:
    """Whether a statement only says the element was not reported ("Not reported.", "Margins: N/A")."""
    return bool(_NOT_REPORTED.search(text or ""))


def _stated(draft: Draft, region: str) -> list[Finding]:
    """The region's statements that actually report something (no defaults, no 'not reported')."""
    return [f for f in draft.findings if f.region == region and not f.is_default and not is_not_reported(f.text)]


def _region_text(draft: Draft, region: str) -> str:
    return " ".join(f.text for f in _stated(draft, region))


def is_biopsy(draft: Draft) -> bool:
    """The procedure names a biopsy and no resection (a sentinel node biopsy with a resection is a resection)."""
    text = _region_text(draft, "procedure") if "procedure" in draft.regions else ""
    return bool(text) and bool(_BIOPSY.search(_NODE_PROC.sub(" ", text))) and not _RESECTION.search(text)


def check_core_elements(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    elements = core_elements(template.id)
    if not elements:
        return []
    biopsy = is_biopsy(draft)
    flags: list[Flag] = []
    if biopsy:
        flags.append(Flag(code="cap-synoptic-scope", severity="info", region="procedure",
                          message="The procedure reads as a biopsy: the CAP synoptic case summary is required for "
                                  "definitive resections, so missing elements are listed for information only.",
                          snippet_ids=_known(["cap-synoptic-required"], snippets)))
    slug = {"histologic_type": "histologic-type", "lymph_nodes": "lymph-nodes"}
    for region, severity in elements.items():
        if region not in draft.regions or _stated(draft, region):
            continue
        present = [f for f in draft.findings if f.region == region]
        why = "empty" if not present else "not reported"
        ids = [f"cap-core-{slug.get(region, region)}" if region != "stage" else "ajcc-8-pathologic-stage",
               "cap-core-elements"]
        flags.append(Flag(
            code="cap-core-element-missing",
            severity="info" if biopsy else severity,
            region=region,
            finding_id=present[0].id if present else None,
            message=f"{template.region(region).label}: {why}. It is a CAP core element: report it, or state why it "
                    "cannot be assessed.",
            snippet_ids=_known(ids, snippets),
        ))
    return flags


def check_nottingham(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    if "grade" not in draft.regions:
        return []
    stated = _stated(draft, "grade")
    if not stated:
        return []
    text = " ".join(f.text for f in stated)
    s = parse_scores(text)
    fid = stated[0].id
    ids = _known(["nottingham-components", "nottingham-grade-bands"], snippets)
    flags: list[Flag] = []

    def flag(code: str, severity: str, message: str, stance: str | None = None) -> None:
        flags.append(Flag(code=code, severity=severity, region="grade", finding_id=fid, message=message,
                          snippet_ids=ids, stance=stance))

    bad = s.out_of_range()
    if bad:
        listed = ", ".join(f"{name} {score}" for name, score in bad)
        flag("nottingham-component-out-of-range", "critical",
             f"Nottingham component score outside 1-3: {listed}. Each component is scored 1, 2 or 3.")
        return flags
    if not s.any_component:
        return flags
    if not s.complete:
        missing = [n for n, c in zip(("tubule formation", "nuclear pleomorphism", "mitotic count"), s.components) if c is None]
        flag("nottingham-components-incomplete", "info",
             f"Nottingham components given in part: {', '.join(missing)} not stated, so the grade cannot be checked.")
        return flags
    total = s.computed_total()
    expected = s.expected_grade()
    parts = f"{s.tubules}+{s.pleomorphism}+{s.mitoses} = {total}"
    if s.total is not None and s.total != total:
        flag("nottingham-total-mismatch", "warning",
             f"Stated Nottingham total {s.total} is not the sum of the component scores ({parts}).", "contradicts")
    if s.grade is None:
        flag("nottingham-grade-missing", "warning",
             f"Component scores are given ({parts}) but no grade is stated; by the Nottingham bands that total "
             f"corresponds to grade {expected}. State the grade.")
    elif s.grade != expected:
        flag("nottingham-grade-mismatch", "critical",
             f"Stated grade {s.grade} does not match the component scores ({parts}), which give grade {expected} "
             "(totals 3-5 grade 1, 6-7 grade 2, 8-9 grade 3).", "contradicts")
    elif s.total is None or s.total == total:
        flag("nottingham-grade", "info", f"Nottingham grade {s.grade} agrees with the component scores ({parts}).", "supports")
    return flags


def _sides(draft: Draft, region: str) -> set[str]:
    out = set()
    for f in _stated(draft, region):
        side = laterality_of(f.text)
        if side:
            out.add(side)
    return out


def check_laterality(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    if "laterality" not in draft.regions:
        return []
    ids = _known(["cap-core-laterality"], snippets)
    stated = {r: _sides(draft, r) for r in ("laterality", "procedure", "site") if r in draft.regions}
    flags: list[Flag] = []

    def conflict(a: set[str], b: set[str]) -> bool:
        a, b = a - {"bilateral"}, b - {"bilateral"}
        return bool(a and b and a != b)

    lat = stated.get("laterality", set())
    lat_f = next(iter(_stated(draft, "laterality")), None)
    for region in ("procedure", "site"):
        other = stated.get(region, set())
        if lat and conflict(lat, other):
            flags.append(Flag(
                code="synoptic-laterality-mismatch", severity="critical", region="laterality",
                finding_id=lat_f.id if lat_f else None,
                message=f"Laterality says {', '.join(sorted(lat))}, but the {template.region(region).label.lower()} "
                        f"says {', '.join(sorted(other))}. Check the specimen side.",
                snippet_ids=ids))
    if not lat and conflict(stated.get("procedure", set()), stated.get("site", set())):
        flags.append(Flag(
            code="synoptic-laterality-mismatch", severity="critical", region="laterality",
            message=f"The procedure says {', '.join(sorted(stated['procedure']))} and the tumor site says "
                    f"{', '.join(sorted(stated['site']))}. Check the specimen side.",
            snippet_ids=ids))
    return flags


def node_counts(text: str) -> list[tuple[int, int]]:
    """``(involved, examined)`` pairs stated in ``text``: "2 of 15", "2/15", or "examined: 15 ... involved: 2"."""
    pairs = [(int(a), int(b)) for a, b in _PAIR.findall(text or "")]
    ex = [int(a or b) for a, b in _EXAMINED.findall(text or "")]
    inv = [int(a or b) for a, b in _INVOLVED.findall(text or "")]
    if ex and inv:
        pairs.append((sum(inv) if len(inv) > 1 and len(ex) == 1 else inv[0], ex[0]))
    return pairs


def check_lymph_nodes(draft: Draft, case: Case, template: Template, snippets: dict[str, GuidelineSnippet]) -> list[Flag]:
    if "lymph_nodes" not in draft.regions:
        return []
    ids = _known(["cap-core-lymph-nodes"], snippets)
    flags: list[Flag] = []
    for f in _stated(draft, "lymph_nodes"):
        for involved, examined in node_counts(f.text):
            if involved > examined:
                flags.append(Flag(
                    code="lymph-nodes-involved-exceeds-examined", severity="critical", region="lymph_nodes",
                    finding_id=f.id,
                    message=f"'{f.text}': {involved} nodes involved but only {examined} examined. The number "
                            "involved cannot exceed the number examined.",
                    snippet_ids=ids))
                break
    return flags


RULES = (check_core_elements, check_nottingham, check_laterality, check_lymph_nodes)


def verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
    by_id = {s.id: s for s in snippets}
    out: list[Flag] = []
    for rule in RULES:
        out.extend(rule(draft, case, template, by_id))
    return out

