"""The offline drafter: a report draft (chest radiograph, CT chest, brain MRI) from the clinician's dictation, no vision model.

``DictationDrafter(sorter, plugin_version=...).draft(case, template)``:

1. :func:`~pixtralogist.plugins.radiology.dictation.parse_dictation` turns
   ``case.notes`` ("small L effusion, heart nl, old R rib fx") into sentences.
2. The region sorter assigns each sentence to its region(s); a sentence that
   talks about several regions is rewritten by the sorter so each region gets
   its part. A rewritten part never claims more than the dictated sentence: a
   part that lost the sentence's negation is replaced by the whole sentence, and
   one that lost its hedge gets the template's hedge prefix ("Possible ...").
3. Each statement becomes a :class:`~pixtralogist.core.models.Finding` with
   attributes from :func:`pixtralogist.core.nlp.analyze_many` and dictation
   provenance. Regions nothing was dictated for get the template's normal
   statement with ``is_default=True`` (verify before signing) and a
   ``default-regions`` flag lists them.
4. The impression lists the abnormal, non-negated findings in template region
   order (hedged ones keep their hedge), at most ``impression.max_items``; the
   template's normal impression when nothing abnormal was dictated.

The case's indication, comparison and prior report are context, never
findings, and are not read. Empty notes give an all-default draft with a
``no-dictation`` warning. The draft is ``ai-draft-unsigned`` with the
disclaimer. The same case always gives the same statements, attributes,
impression and flags (ids and timestamps aside).
"""

from __future__ import annotations

import re
from typing import Iterable

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.impression import impression_item
from pixtralogist.core.models import Case, Draft, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes, analyze, analyze_many
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.radiology.dictation import DictationProfile, parse_dictation

__all__ = ["DictationDrafter", "ENGINE"]

ENGINE = "offline-dictation"

# Hedge words already present in a statement (the impression then keeps the statement's own words).
_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|questionably|question of|suspicious|"
    r"suspected|suspect|may|might|could|cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|"
    r"concerning for|suggestive of|equivocal|borderline|indeterminate|uncertain)\b",
    re.I,
)


class DictationDrafter:
    """Drafts every region of a template from the case's dictation (``case.notes``).

    :param sorter: any :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: the radiology plugin's version, recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    :param extra_terms: finding words added to :mod:`pixtralogist.core.nlp`'s vocabulary.
    :param fallback_region: where a sentence goes when the sorter names a region the template
        does not have (default: ``'others'`` when the template has it, else its last region).
    :param profile: how to read the dictation (:data:`~.dictation.CXR_PROFILE` by default;
        :mod:`~pixtralogist.plugins.radiology.dictation_profiles` has the CT chest and brain MRI ones).
    """

    name = ENGINE

    def __init__(
        self,
        sorter: RegionSorter,
        *,
        plugin_version: str,
        plugin: str = "radiology",
        extra_terms: Iterable[str] = (),
        fallback_region: str | None = None,
        profile: DictationProfile | None = None,
    ) -> None:
        if sorter is None or not callable(getattr(sorter, "classify", None)) or not callable(getattr(sorter, "sort", None)):
            raise DraftingError("DictationDrafter needs a region sorter with classify() and sort() methods.")
        self.sorter = sorter
        self.plugin = plugin
        self.plugin_version = plugin_version
        self.extra_terms = tuple(extra_terms)
        self.fallback_region = fallback_region
        self.profile = profile

    # -- public -------------------------------------------------------------

    def draft(self, case: Case, template: Template) -> Draft:
        """Draft ``case`` with ``template`` (raises :class:`DraftingError` if the sorter fails)."""
        try:
            sentences = parse_dictation(case.notes, profile=self.profile)
        except Exception as exc:  # pragma: no cover - parse_dictation accepts any text
            raise DraftingError(f"could not read the dictation: {exc}") from exc

        regions = template.region_names
        prov = self._provenance(template, "dictation")
        default_prov = self._provenance(template, "template-default")

        statements = self._assign(sentences, template)  # [(region, text, sentence)]
        attrs = analyze_many(
            [t for _, t, _ in statements] + [s for _, _, s in statements], extra_terms=self.extra_terms
        )
        n = len(statements)
        by_region: dict[str, list[Finding]] = {r: [] for r in regions}
        for i, (region, text, sentence) in enumerate(statements):
            a = attrs[i]
            if text != sentence:
                a, text = self._faithful(a, attrs[n + i], text, sentence, template.impression.uncertain_prefix)
            by_region[region].append(self._finding(region, text, a, prov))

        defaults = [r for r in regions if not by_region[r]]
        for r in defaults:
            spec = template.region(r)
            by_region[r].append(Finding(region=r, text=spec.normal, is_default=True, provenance=default_prov))

        findings = [f for r in regions for f in by_region[r]]
        impression, truncated = self._impression(findings, template)
        flags = self._flags(template, sentences, defaults, truncated)
        return Draft(
            case_id=case.id,
            specialty=template.specialty,
            template_id=template.id,
            template_version=template.version,
            regions=regions,
            region_labels={r.name: r.label for r in template.regions},
            findings=findings,
            impression=impression,
            flags=flags,
            provenance=prov if sentences else default_prov,
        )

    # -- steps --------------------------------------------------------------

    def _provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(
            source=source,
            engine=ENGINE,
            plugin=self.plugin,
            plugin_version=self.plugin_version,
            template_id=template.id,
            template_version=template.version,
        )

    def _fallback(self, template: Template) -> str:
        names = template.region_names
        if self.fallback_region in names:
            return self.fallback_region  # type: ignore[return-value]
        return "others" if "others" in names else names[-1]

    def _assign(self, sentences: list[str], template: Template) -> list[tuple[str, str, str]]:
        """(region, statement, dictated sentence) in dictation order."""
        names = template.region_names
        order = {r: i for i, r in enumerate(names)}
        fallback = self._fallback(template)
        out: list[tuple[str, str, str]] = []
        for sentence in sentences:
            try:
                labels = set(self.sorter.classify(sentence)) or {fallback}
                labels = {r if r in order else fallback for r in labels}
                parts: dict[str, str] = {}
                if len(labels) > 1:
                    parts = {
                        (r if r in order else fallback): (t or "").strip()
                        for r, t in (self.sorter.sort(sentence) or {}).items()
                    }
            except Exception as exc:
                raise DraftingError(f"the region sorter failed on a dictated sentence: {exc}") from exc
            if len(labels) == 1:
                out.append((labels.pop(), sentence, sentence))
                continue
            for region in sorted(labels, key=order.__getitem__):
                part = parts.get(region, "")
                out.append((region, part or sentence, sentence))
            # a region the sorter's rewrite added beyond classify() also gets its part
            for region in sorted(set(parts) - labels, key=order.__getitem__):
                if parts[region]:
                    out.append((region, parts[region], sentence))
        return out

    def _faithful(self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, prefix: str):
        """A rewritten part may not claim more than the dictated sentence.

        If the part asserts a finding the sentence does not (a lost negation), the region gets
        the whole sentence. If the part lost the sentence's hedge ("possible cardiomegaly and
        small effusion" -> "Small effusion."), the part is hedged with the template's prefix
        (whose scope is ambiguous in the dictation, so the draft stays on the uncertain side);
        failing that, the region gets the whole sentence.
        """
        if part.abnormal and not whole.abnormal:
            return whole, sentence
        if whole.uncertain and part.abnormal and not part.uncertain:
            hedged = f"{prefix} {text[:1].lower()}{text[1:]}" if text[1:2].islower() else f"{prefix} {text}"
            a = analyze(hedged, extra_terms=self.extra_terms)
            if a.uncertain and a.abnormal:
                return a, hedged
            return whole, sentence
        return part, text

    @staticmethod
    def _finding(region: str, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        return Finding(
            region=region,
            text=text,
            abnormal=a.abnormal,
            negated=a.negated,
            uncertain=a.uncertain,
            laterality=a.laterality,
            size_mm=a.size_mm,
            provenance=prov,
        )

    @staticmethod
    def _impression(findings: list[Finding], template: Template) -> tuple[list[str], int]:
        """(items, how many distinct abnormal items did not fit)."""
        order = {r: i for i, r in enumerate(template.region_names)}
        abnormal = [f for f in findings if f.abnormal and not f.negated and not f.is_default]
        abnormal.sort(key=lambda f: (order.get(f.region, len(order)), f.uncertain))
        items: list[str] = []
        seen: set[str] = set()
        for f in abnormal:
            if f.uncertain and _HEDGE_RE.search(f.text):
                item = f.text.strip().rstrip(".") + "."  # keeps its own hedge words
                item = item[0].upper() + item[1:]
            else:
                item = impression_item(f, template)  # adds the template's hedge prefix if needed
            key = item.lower()
            if key not in seen:
                seen.add(key)
                items.append(item)
        if not items:
            return [template.impression.normal], 0
        cap = template.impression.max_items
        return items[:cap], max(0, len(items) - cap)

    @staticmethod
    def _flags(template: Template, sentences: list[str], defaults: list[str], truncated: int) -> list[Flag]:
        flags: list[Flag] = []
        if not sentences:
            flags.append(
                Flag(
                    code="no-dictation",
                    severity="warning",
                    message="Nothing was dictated: every region holds the template's normal statement and "
                    "the impression is the template's normal impression. Review the images and dictate or "
                    "edit the findings before signing.",
                )
            )
        if defaults:
            labels = ", ".join(f"{template.region(r).label} ({r})" for r in defaults)
            flags.append(
                Flag(
                    code="default-regions",
                    severity="info",
                    message=f"Not dictated, filled with the template's normal statement (verify before "
                    f"signing): {labels}.",
                    region=defaults[0] if len(defaults) == 1 else None,
                )
            )
        if truncated:
            flags.append(
                Flag(
                    code="impression-truncated",
                    severity="info",
                    message=f"{truncated} more abnormal finding(s) are in the findings but not in the "
                    f"impression (the template allows {template.impression.max_items} items).",
                )
            )
        return flags
