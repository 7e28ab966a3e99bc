"""The shared mechanism of the offline dictation drafters (no vision model).

Every specialty's offline drafter turns ``case.notes`` into a draft the same
way; only reading the dictation, assigning regions, the impression and the
flags are the specialty's own. :class:`DictationDraftBase` does the rest:

1. the plugin reads the dictation (:meth:`~DictationDraftBase.read`) and turns it
   into :class:`Row` s, one per (region, statement, dictated sentence)
   (:meth:`~DictationDraftBase.rows`; :func:`split_sentence` applies the region
   sorter to one sentence);
2. all statements and their dictated sentences are analysed in one batch
   (:func:`pixtralogist.core.nlp.analyze_many`, with the plugin's
   ``extra_terms``);
3. a statement the sorter rewrote never claims more than the dictated sentence
   (:meth:`~DictationDraftBase.faithful`): a part that lost the sentence's
   negation is replaced by the whole sentence, one that lost its hedge gets the
   template's hedge prefix (or, failing that, the whole sentence);
4. each statement becomes a :class:`~pixtralogist.core.models.Finding` with
   dictation provenance (:meth:`~DictationDraftBase.finding`); regions nothing
   was dictated for get the template's default statement with
   ``is_default=True`` and ``template-default`` provenance;
5. findings are ordered by template region and the
   :class:`~pixtralogist.core.models.Draft` is assembled with the plugin's
   impression and flags (:meth:`~DictationDraftBase.conclude`).

:func:`impression_from_findings`, :func:`cap_impression` and
:func:`coverage_flags` are the common impression and flag pieces the plugins
combine in :meth:`~DictationDraftBase.conclude`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.impression import impression_item
from pixtralogist.core.models import Case, Draft, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes, analyze, analyze_many
from pixtralogist.core.protocols import RegionSorter

__all__ = [
    "ENGINE",
    "CoverageMessages",
    "DictationDraftBase",
    "Row",
    "cap_impression",
    "coverage_flags",
    "fallback_region",
    "impression_from_findings",
    "require_sorter",
    "split_sentence",
]

#: The engine name every offline dictation drafter records in its provenance.
ENGINE = "offline-dictation"


@dataclass(frozen=True)
class Row:
    """One statement of the draft: its region, its text, the dictated sentence it came from.

    ``context`` is whatever else the plugin's :meth:`DictationDraftBase.finding` needs
    (e.g. the eyes a sentence named); the shared code never reads it.
    """

    region: str
    text: str
    sentence: str
    context: Any = None


def require_sorter(sorter: Any, who: str) -> RegionSorter:
    """``sorter`` if it has ``classify()`` and ``sort()``, else :class:`DraftingError`."""
    if sorter is None or not callable(getattr(sorter, "classify", None)) or not callable(getattr(sorter, "sort", None)):
        raise DraftingError(f"{who} needs a region sorter with classify() and sort() methods.")
    return sorter


def fallback_region(template: Template, preferred: str | None = None) -> str:
    """Where a sentence goes when the sorter names no region of the template.

    ``preferred`` when the template has it, else ``'others'`` when it has that, else its last region.
    """
    names = template.region_names
    if preferred in names:
        return preferred  # type: ignore[return-value]
    return "others" if "others" in names else names[-1]


def split_sentence(
    sorter: RegionSorter,
    sentence: str,
    order: Mapping[str, int],
    fallback: str,
    *,
    keep_unsplit_labels: bool = True,
) -> list[tuple[str, str]]:
    """(region, statement) pairs for one dictated sentence, in template region order.

    The sorter's :meth:`classify` names the regions (unknown ones become ``fallback``;
    none gives ``fallback``). A sentence with one region is kept whole. A sentence with
    several is rewritten by the sorter's :meth:`sort` into per-region parts (a region
    the rewrite adds beyond ``classify`` also gets its part):

    - ``keep_unsplit_labels=True``: every classified region gets its part, or the whole
      sentence when the rewrite gave it none;
    - ``keep_unsplit_labels=False``: only the regions the rewrite gave a part get one,
      and with no parts at all the sentence goes whole to its first region.

    :raises DraftingError: if the sorter fails.
    """
    try:
        labels = {r if r in order else fallback for r in (sorter.classify(sentence) or ())} or {fallback}
        parts: dict[str, str] = {}
        if len(labels) > 1:
            for r, t in (sorter.sort(sentence) or {}).items():
                key, text = (r if r in order else fallback), (t or "").strip()
                if text or key not in parts:  # an empty part never hides a non-empty one
                    parts[key] = text
    except Exception as exc:
        raise DraftingError(f"the region sorter failed on a dictated sentence: {exc}") from exc
    if len(labels) == 1:
        return [(next(iter(labels)), sentence)]
    split = {r: t for r, t in parts.items() if t}
    if keep_unsplit_labels:
        return [(r, split.get(r) or sentence) for r in sorted(labels | set(split), key=order.__getitem__)]
    if not split:
        return [(min(labels, key=order.__getitem__), sentence)]
    return [(r, split[r]) for r in sorted(split, key=order.__getitem__)]


def impression_from_findings(
    findings: Iterable[Finding],
    template: Template,
    *,
    hedge_re: re.Pattern[str],
    include: Callable[[Finding], bool] | None = None,
    first: Callable[[Finding], bool] | None = None,
) -> list[str]:
    """Impression items (not capped) from the dictated, non-negated findings.

    A finding counts when it is abnormal (or ``include(f)`` is true). Items come
    ``first(f)`` ones first, then in template region order, certain before hedged,
    without duplicates (case-insensitive). An uncertain finding whose text already
    matches ``hedge_re`` keeps its own words; others go through
    :func:`~pixtralogist.core.impression.impression_item` (which adds the template's
    hedge prefix when needed).
    """
    order = {r: i for i, r in enumerate(template.region_names)}
    counts = include or (lambda f: f.abnormal)
    chosen = [f for f in findings if not f.is_default and not f.negated and counts(f)]
    chosen.sort(key=lambda f: (0 if first is not None and first(f) else 1, order.get(f.region, len(order)), f.uncertain))
    items: list[str] = []
    seen: set[str] = set()
    for f in chosen:
        if f.uncertain and hedge_re.search(f.text):
            item = f.text.strip().rstrip(".") + "."  # keeps its own hedge words
            item = item[0].upper() + item[1:]
        else:
            item = impression_item(f, template)
        if item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return items


def cap_impression(items: Sequence[str], template: Template) -> tuple[list[str], int]:
    """(at most ``impression.max_items`` items, how many did not fit); the template's
    normal impression when there are none."""
    if not items:
        return [template.impression.normal], 0
    cap = template.impression.max_items
    return list(items[:cap]), max(0, len(items) - cap)


@dataclass(frozen=True)
class CoverageMessages:
    """The texts of the ``no-dictation``, ``default-regions`` and ``impression-truncated`` flags.

    ``default_regions`` may use ``{labels}``; ``truncated`` may use ``{truncated}`` and
    ``{max_items}``.
    """

    no_dictation: str = (
        "Nothing was dictated: every region holds the template's normal statement and "
        "the impression is the template's normal impression. Review the images and dictate or "
        "edit the findings before signing."
    )
    default_regions: str = "Not dictated, filled with the template's normal statement (verify before signing): {labels}."
    truncated: str = (
        "{truncated} more abnormal finding(s) are in the findings but not in the "
        "impression (the template allows {max_items} items)."
    )


def coverage_flags(
    template: Template,
    *,
    dictated: bool,
    defaults: Sequence[str],
    truncated: int = 0,
    messages: CoverageMessages = CoverageMessages(),
) -> list[Flag]:
    """``no-dictation`` (warning) when nothing was dictated, ``default-regions`` (info) listing the
    regions filled with the template default, ``impression-truncated`` (info) when items did not fit."""
    flags: list[Flag] = []
    if not dictated:
        flags.append(Flag(code="no-dictation", severity="warning", message=messages.no_dictation))
    if defaults:
        labels = ", ".join(f"{template.region(r).label} ({r})" for r in defaults)
        flags.append(Flag(code="default-regions", severity="info", message=messages.default_regions.format(labels=labels),
                          region=defaults[0] if len(defaults) == 1 else None))
    if truncated:
        flags.append(Flag(code="impression-truncated", severity="info",
                          message=messages.truncated.format(truncated=truncated,
                                                            max_items=template.impression.max_items)))
    return flags


class DictationDraftBase:
    """The draft assembly every offline dictation drafter shares (see the module docstring).

    Subclasses implement :meth:`read` and :meth:`conclude`, and override :meth:`rows`,
    :meth:`finding`, :meth:`faithful` or :meth:`complete` where their specialty differs.
    The class attributes below tune :meth:`faithful` and :meth:`rows`.

    :param plugin: the plugin name recorded in provenance.
    :param plugin_version: the plugin's version, recorded in every provenance.
    :param extra_terms: finding words added to :mod:`pixtralogist.core.nlp`'s vocabulary.
    """

    name = ENGINE

    #: :func:`split_sentence`'s ``keep_unsplit_labels`` in the default :meth:`rows`.
    keep_unsplit_labels: bool = True
    #: A part that asserts, un-negated, a finding its (partly negated) sentence negates gets the whole sentence.
    strict_negation: bool = False
    #: The hedge prefix leaves a part's first letter as written when the second is not lower case ("CT ...").
    hedge_keeps_initialisms: bool = True
    #: A hedged part is kept only when it still reads as abnormal (else the whole sentence).
    hedged_part_must_be_abnormal: bool = True
    #: Where a sentence goes when the sorter names no region of the template (see :func:`fallback_region`).
    fallback_region: str | None = None

    sorter: RegionSorter | None = None

    def __init__(self, *, plugin: str, plugin_version: str, extra_terms: Iterable[str] = ()) -> None:
        self.plugin = plugin
        self.plugin_version = plugin_version
        self.extra_terms = tuple(extra_terms)

    # -- the specialty's parts ------------------------------------------------

    def read(self, case: Case) -> Sequence[Any]:
        """The dictated statements of ``case`` (anything :meth:`rows` and :meth:`conclude` understand)."""
        raise NotImplementedError

    def conclude(
        self, statements: Sequence[Any], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """(impression, flags) of the draft."""
        raise NotImplementedError

    def region_sorter(self, template: Template) -> RegionSorter:
        """The region sorter for ``template`` (default: ``self.sorter``)."""
        return require_sorter(self.sorter, type(self).__name__)

    def rows(self, statements: Sequence[Any], template: Template) -> list[Row]:
        """The statements' rows in dictation order (default: each statement is a sentence for the sorter)."""
        sorter = self.region_sorter(template)
        order = {r: i for i, r in enumerate(template.region_names)}
        fallback = fallback_region(template, self.fallback_region)
        return [
            Row(region, text, sentence)
            for sentence in statements
            for region, text in split_sentence(sorter, sentence, order, fallback,
                                               keep_unsplit_labels=self.keep_unsplit_labels)
        ]

    def settled(self, rows: list[Row], template: Template) -> list[Row]:
        """``rows`` after :meth:`rows`, before the findings are made (default: as they are; the kit's drafter keeps
        fragments with their statement and may place unknown findings, :mod:`pixtralogist.kit.placement`)."""
        return rows

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """The finding for one row (``text`` is the statement after :meth:`faithful`)."""
        return Finding(region=row.region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=a.laterality, size_mm=a.size_mm, provenance=prov)

    def complete(self, by_region: dict[str, list[Finding]], template: Template, prov: Provenance) -> list[Flag]:
        """Add findings derived from the dictated ones (before template defaults fill the rest); returns flags."""
        return []

    # -- shared steps ---------------------------------------------------------

    def provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(source=source, engine=ENGINE, plugin=self.plugin, plugin_version=self.plugin_version,
                          template_id=template.id, template_version=template.version)

    def hedge(self, text: str, prefix: str) -> str:
        """``text`` with the template's hedge prefix."""
        if self.hedge_keeps_initialisms and not text[1:2].islower():
            return f"{prefix} {text}"
        return f"{prefix} {text[:1].lower()}{text[1:]}"

    def faithful(
        self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, template: Template
    ) -> tuple[FindingAttributes, str]:
        """A rewritten part may not claim more than the dictated sentence.

        If the part asserts a finding the sentence does not (a lost negation), the region gets
        the whole sentence. If the part lost the sentence's hedge ("possible cardiomegaly and
        small effusion" -> "Small effusion."), the part is hedged with the template's prefix
        (whose scope is ambiguous in the dictation, so the draft stays on the uncertain side);
        failing that, the region gets the whole sentence.
        """
        if part.abnormal and not whole.abnormal:
            return whole, sentence
        if self.strict_negation and whole.negated and not part.negated and part.abnormal:
            return whole, sentence
        if whole.uncertain and part.abnormal and not part.uncertain:
            hedged = self.hedge(text, template.impression.uncertain_prefix)
            a = analyze(hedged, extra_terms=self.extra_terms)
            if a.uncertain and (a.abnormal or not self.hedged_part_must_be_abnormal):
                return a, hedged
            return whole, sentence
        return part, text

    def draft(self, case: Case, template: Template) -> Draft:
        """Draft ``case`` with ``template`` (raises :class:`DraftingError` if the sorter fails)."""
        statements = self.read(case)
        regions = template.region_names
        prov = self.provenance(template, "dictation")
        default_prov = self.provenance(template, "template-default")

        rows = self.settled(self.rows(statements, template), template)
        attrs = analyze_many([r.text for r in rows] + [r.sentence for r in rows], extra_terms=self.extra_terms)
        n = len(rows)
        by_region: dict[str, list[Finding]] = {r: [] for r in regions}
        for i, row in enumerate(rows):
            a, text = attrs[i], row.text
            if text != row.sentence:
                a, text = self.faithful(a, attrs[n + i], text, row.sentence, template)
            by_region[row.region].append(self.finding(row, text, a, prov))
        derived_flags = self.complete(by_region, template, prov)

        defaults = [r for r in regions if not by_region[r]]
        for r in defaults:
            by_region[r].append(Finding(region=r, text=template.region(r).normal, is_default=True,
                                        provenance=default_prov))
        findings = [f for r in regions for f in by_region[r]]
        impression, flags = self.conclude(statements, findings, defaults, template)
        return Draft(
            case_id=case.id,
            specialty=template.specialty,
            template_id=template.id,
            template_version=template.version,
            regions=regions,
            region_labels={r.name: r.label for r in template.regions},
            findings=findings,
            impression=impression,
            flags=flags + derived_flags,
            provenance=prov if statements else default_prov,
        )
