"""The offline ophthalmology drafter: a fundus or OCTA draft from the clinician's dictation, no vision model.

``EyeDictationDrafter(plugin_version=...).draft(case, template)``:

1. :func:`~pixtralogist.plugins.ophthalmology.dictation.parse_statements` turns
   ``case.notes`` ("OD: CDR 0.3, scattered MAs, no NV") into sentences, each
   naming its eye when the dictation gave one.
2. The template's region sorter assigns each sentence to its region(s); a
   sentence about several regions is rewritten so each region gets its part,
   and a part never claims more than the dictated sentence (a part that lost
   the negation gets the whole sentence; one that lost the hedge is hedged with
   the template's prefix; one that lost the eye gets it back).
3. Each statement becomes a :class:`~pixtralogist.core.models.Finding` with
   attributes from :func:`pixtralogist.core.nlp.analyze_many` (with the
   ophthalmic vocabulary) and dictation provenance; its laterality is the eye
   the statement names (``bilateral`` for both eyes), never guessed. Regions
   nothing was dictated for get the template's normal statement with
   ``is_default=True`` and a ``default-regions`` flag.
4. The impression lists dictated grade statements ("Moderate NPDR in the right
   eye") first, then the abnormal, non-negated findings in region order (hedged
   ones keep their hedge), at most ``impression.max_items``; the template's normal
   impression when nothing abnormal was dictated. No ICDR grade is invented: the
   rule checks suggest one when the findings support it.

The indication, comparison and prior report are context, not findings. Empty
notes give an all-default draft with a ``no-dictation`` warning. Same case, same
statements, attributes, impression and flags (ids and timestamps aside).
"""

from __future__ import annotations

import re

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.impression import impression_item
from pixtralogist.core.models import Case, Draft, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes, analyze, analyze_many
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.dictation import parse_statements
from pixtralogist.plugins.ophthalmology.grading import stated_grades

__all__ = ["ENGINE", "EyeDictationDrafter"]

ENGINE = "offline-dictation"
_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspicious|suspected|suspect|may|might|could|"
    r"cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|concerning for|suggestive of|equivocal|"
    r"uncertain)\b",
    re.I,
)


class EyeDictationDrafter:
    """Drafts every region of an ophthalmology template from ``case.notes``.

    :param sorter_for: callable ``template -> RegionSorter`` (default: the plugin's sorters).
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    """

    name = ENGINE

    def __init__(self, *, plugin_version: str, plugin: str = "ophthalmology", sorter_for=None) -> None:
        self.plugin = plugin
        self.plugin_version = plugin_version
        self._sorter_for = sorter_for
        self.extra_terms = lexicon.NLP_TERMS

    def sorter(self, template: Template) -> RegionSorter:
        if self._sorter_for is not None:
            sorter = self._sorter_for(template)
        else:
            from pixtralogist.plugins.ophthalmology.plugin import sorter_for

            sorter = sorter_for(template.id)
        if sorter is None or not callable(getattr(sorter, "classify", None)):
            raise DraftingError(f"no region sorter for the ophthalmology template {template.id!r}")
        return sorter

    # -- public ----------------------------------------------------------------------

    def draft(self, case: Case, template: Template) -> Draft:
        """Draft ``case`` with ``template`` (raises :class:`DraftingError` if the sorter fails)."""
        statements = parse_statements(case.notes)
        sorter = self.sorter(template)
        regions = template.region_names
        prov = self._provenance(template, "dictation")
        default_prov = self._provenance(template, "template-default")

        rows = self._assign(statements, template, sorter)  # [(region, text, sentence, eyes)]
        attrs = analyze_many([t for _, t, _, _ in rows] + [s for _, _, s, _ in rows], extra_terms=self.extra_terms)
        n = len(rows)
        by_region: dict[str, list[Finding]] = {r: [] for r in regions}
        for i, (region, text, sentence, eyes) in enumerate(rows):
            a = attrs[i]
            if text != sentence:
                a, text = self._faithful(a, attrs[n + i], text, sentence, template.impression.uncertain_prefix)
            by_region[region].append(self._finding(region, text, a, eyes, prov))

        defaults = [r for r in regions if not by_region[r]]
        for r in defaults:
            by_region[r].append(Finding(region=r, text=template.region(r).normal, is_default=True,
                                        provenance=default_prov))
        findings = [f for r in regions for f in by_region[r]]
        impression, truncated = self._impression(findings, template)
        return Draft(
            case_id=case.id,
            specialty=template.specialty,
            template_id=template.id,
            template_version=template.version,
            regions=regions,
            region_labels={r.name: r.label for r in template.regions},
            findings=findings,
            impression=impression,
            flags=self._flags(template, statements, defaults, truncated),
            provenance=prov if statements else default_prov,
        )

    # -- steps ---------------------------------------------------------------------------

    def _provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(source=source, engine=ENGINE, plugin=self.plugin, plugin_version=self.plugin_version,
                          template_id=template.id, template_version=template.version)

    @staticmethod
    def _assign(statements, template: Template, sorter: RegionSorter) -> list[tuple[str, str, str, frozenset[str]]]:
        names = template.region_names
        order = {r: i for i, r in enumerate(names)}
        fallback = "others" if "others" in names else names[-1]
        out = []
        for st in statements:
            sentence = str(st)
            eyes = getattr(st, "eyes", frozenset()) or lexicon.eyes_of(sentence)
            try:
                labels = {r if r in order else fallback for r in sorter.classify(sentence)} or {fallback}
                parts = {}
                if len(labels) > 1:
                    parts = {(r if r in order else fallback): (t or "").strip()
                             for r, t in (sorter.sort(sentence) or {}).items() if (t or "").strip()}
            except Exception as exc:
                raise DraftingError(f"the region sorter failed on a dictated sentence: {exc}") from exc
            if len(labels) == 1:
                out.append((labels.pop(), sentence, sentence, eyes))
                continue
            for region in sorted(labels | set(parts), key=order.__getitem__):
                out.append((region, parts.get(region) or sentence, sentence, eyes))
        return out

    def _faithful(self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, prefix: str):
        """A rewritten part may not claim more than the dictated sentence (negation, hedge, eye)."""
        if part.abnormal and not whole.abnormal:
            return whole, sentence
        if lexicon.eyes_of(sentence) and lexicon.eyes_of(text) != lexicon.eyes_of(sentence):
            return whole, sentence
        if whole.uncertain and part.abnormal and not part.uncertain:
            hedged = f"{prefix} {text[:1].lower()}{text[1:]}" if text[1:2].islower() else f"{prefix} {text}"
            a = analyze(hedged, extra_terms=self.extra_terms)
            if a.uncertain and a.abnormal:
                return a, hedged
            return whole, sentence
        return part, text

    @staticmethod
    def _finding(region: str, text: str, a: FindingAttributes, eyes: frozenset[str], prov: Provenance) -> Finding:
        named = lexicon.eyes_of(text) or eyes
        laterality = "bilateral" if len(named) == 2 else next(iter(named), None)
        return Finding(region=region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=laterality, size_mm=a.size_mm, provenance=prov)

    @staticmethod
    def _impression(findings: list[Finding], template: Template) -> tuple[list[str], int]:
        order = {r: i for i, r in enumerate(template.region_names)}
        abnormal = [f for f in findings if not f.is_default and not f.negated
                    and (f.abnormal or stated_grades([f.text]))]
        # grade statements first (the headline of an eye report), then region order, certain before hedged
        abnormal.sort(key=lambda f: (0 if stated_grades([f.text]) else 1, order.get(f.region, len(order)), f.uncertain))
        items: list[str] = []
        seen: set[str] = set()
        for f in abnormal:
            if f.uncertain and _HEDGE_RE.search(f.text):
                item = f.text.strip().rstrip(".") + "."
                item = item[0].upper() + item[1:]
            else:
                item = impression_item(f, template)
            if item.lower() not in seen:
                seen.add(item.lower())
                items.append(item)
        if not items:
            return [template.impression.normal], 0
        cap = template.impression.max_items
        return items[:cap], max(0, len(items) - cap)

    @staticmethod
    def _flags(template: Template, statements, defaults: list[str], truncated: int) -> list[Flag]:
        flags: list[Flag] = []
        if not statements:
            flags.append(Flag(
                code="no-dictation", severity="warning",
                message="Nothing was dictated: every region holds the template's normal statement and the "
                        "impression is the template's normal impression. Review the images and dictate or edit "
                        "the findings before signing."))
        if defaults:
            labels = ", ".join(f"{template.region(r).label} ({r})" for r in defaults)
            flags.append(Flag(
                code="default-regions", severity="info",
                message=f"Not dictated, filled with the template's normal statement (verify before signing): {labels}.",
                region=defaults[0] if len(defaults) == 1 else None))
        if truncated:
            flags.append(Flag(
                code="impression-truncated", severity="info",
                message=f"{truncated} more abnormal finding(s) are in the findings but not in the impression "
                        f"(the template allows {template.impression.max_items} items)."))
        return flags
