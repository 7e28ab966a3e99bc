"""Dermatology drafters: from dictation (offline) and from a vision-language model.

:class:`DictationDrafter` writes a ``skin_lesion`` draft from the clinician's
dictation (``case.notes``), with no model:

1. :func:`~pixtralogist.plugins.dermatology.dictation.parse_dictation` turns
   shorthand ("6mm asym pigm macule L upper back, derm: APN, BWV, imp: ?MM")
   into sentences, each with the section it was dictated under.
2. Sentences dictated under a region label ("site: L shin", "derm: ...") go to
   that region; diagnosis and plan statements ("?melanoma", "plan: excision
   biopsy") go to the impression; the rest are sorted by the region sorter,
   which splits a sentence that describes several attributes into per-region
   parts. A part never claims more than its sentence: a part that lost the
   sentence's negation is replaced by the whole sentence, one that lost its
   hedge gets the template's hedge prefix.
3. Each statement becomes a :class:`~pixtralogist.core.models.Finding` with
   attributes from :func:`pixtralogist.core.nlp.analyze_many` (dermatology
   vocabulary added) and dictation provenance. ``size_mm`` is the LARGEST
   dimension stated ("7 x 5 mm" -> 7), the lesion diameter that ABCDE uses.
   Regions nothing was dictated for get the template's neutral statement
   ("Size not recorded.") marked ``is_default=True``, listed in a
   ``default-regions`` flag.
4. The impression is the clinician's dictated impression and plan when there
   is one; otherwise the abnormal, non-negated findings in region order
   (hedges kept), at most ``impression.max_items``. The drafter never adds a
   diagnosis, a score or a recommendation of its own: the rule checks flag
   what the clinician should consider.

:class:`DermatologyModelDrafter` is the core
:class:`~pixtralogist.core.model_drafter.ModelDrafter` with dermatology
instructions added to the prompt (no size without a scale, say which
dermoscopic structures are absent, no diagnosis stated as certain) and the
dermatology vocabulary for finding attributes.
"""

from __future__ import annotations

import re

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.impression import impression_item
from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Draft, Finding, Flag, ModelConfig, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes, analyze, analyze_many
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.dermatology.dictation import parse_dictation
from pixtralogist.plugins.dermatology.lexicon import EXTRA_TERMS
from pixtralogist.plugins.dermatology.rules import lesion_diameter_mm

__all__ = ["DERMATOLOGY_INSTRUCTIONS", "DermatologyModelDrafter", "DictationDrafter", "ENGINE"]

ENGINE = "offline-dictation"

_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspicious|suspected|may|might|could|"
    r"cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|concerning for|suggestive of|equivocal|"
    r"uncertain)\b",
    re.I,
)


class DictationDrafter:
    """Drafts every region of a dermatology template from the case's dictation (``case.notes``).

    :param sorter: a :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    """

    name = ENGINE

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, plugin: str = "dermatology") -> None:
        if sorter is None or not callable(getattr(sorter, "classify", None)) or not callable(getattr(sorter, "sort", None)):
            raise DraftingError("DictationDrafter needs a region sorter with classify() and sort() methods.")
        self.sorter = sorter
        self.plugin = plugin
        self.plugin_version = plugin_version

    def draft(self, case: Case, template: Template) -> Draft:
        """Draft ``case`` with ``template`` (raises :class:`DraftingError` if the sorter fails)."""
        statements = parse_dictation(case.notes)
        regions = template.region_names
        prov = self._provenance(template, "dictation")
        default_prov = self._provenance(template, "template-default")

        dictated_impression = [s.text for s in statements if s.section == "impression"]
        rows = self._assign([s for s in statements if s.section != "impression"], template)
        attrs = analyze_many([t for _, t, _ in rows] + [s for _, _, s in rows], extra_terms=EXTRA_TERMS)
        n = len(rows)
        by_region: dict[str, list[Finding]] = {r: [] for r in regions}
        for i, (region, text, sentence) in enumerate(rows):
            a = attrs[i]
            if text != sentence:
                a, text = self._faithful(a, attrs[n + i], text, sentence, template.impression.uncertain_prefix)
            by_region[region].append(self._finding(region, text, a, prov))

        defaults = [r for r in regions if not by_region[r]]
        for r in defaults:
            by_region[r].append(Finding(region=r, text=template.region(r).normal, is_default=True,
                                        provenance=default_prov))
        findings = [f for r in regions for f in by_region[r]]
        impression, truncated = self._impression(findings, dictated_impression, template)
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

    # -- steps --------------------------------------------------------------

    def _provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(source=source, engine=ENGINE, plugin=self.plugin, plugin_version=self.plugin_version,
                          template_id=template.id, template_version=template.version)

    def _assign(self, statements, template: Template) -> list[tuple[str, str, str]]:
        """(region, statement, dictated sentence) in dictation order."""
        names = template.region_names
        order = {r: i for i, r in enumerate(names)}
        fallback = "others" if "others" in names else names[-1]
        out: list[tuple[str, str, str]] = []
        for st in statements:
            sentence = st.text
            if st.section in order:
                out.append((st.section, sentence, sentence))
                continue
            try:
                labels = {r if r in order else fallback for r in (self.sorter.classify(sentence) or {fallback})}
                parts = {}
                if len(labels) > 1:
                    parts = {(r if r in order else fallback): (t or "").strip()
                             for r, t in (self.sorter.sort(sentence) or {}).items() if (t or "").strip()}
            except Exception as exc:
                raise DraftingError(f"the region sorter failed on a dictated sentence: {exc}") from exc
            if len(labels) == 1 or not parts:
                out.append((min(labels, key=order.__getitem__), sentence, sentence))
                continue
            for region in sorted(parts, key=order.__getitem__):
                out.append((region, parts[region], sentence))
        return out

    @staticmethod
    def _faithful(part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, prefix: str):
        """A part may not claim more than its sentence (see the module docstring)."""
        if part.abnormal and not whole.abnormal:
            return whole, sentence
        if whole.uncertain and part.abnormal and not part.uncertain:
            hedged = f"{prefix} {text[:1].lower()}{text[1:]}"
            a = analyze(hedged, extra_terms=EXTRA_TERMS)
            if a.uncertain:
                return a, hedged
            return whole, sentence
        return part, text

    @staticmethod
    def _finding(region: str, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        diameter = lesion_diameter_mm(text) if region != "dermoscopy" else a.size_mm
        return Finding(region=region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=a.laterality, size_mm=diameter, provenance=prov)

    @staticmethod
    def _impression(findings: list[Finding], dictated: list[str], template: Template) -> tuple[list[str], int]:
        """(items, how many did not fit). The clinician's dictated impression wins when there is one."""
        items: list[str] = []
        if dictated:
            for text in dictated:
                if text.lower() not in {i.lower() for i in items}:
                    items.append(text)
        else:
            order = {r: i for i, r in enumerate(template.region_names)}
            abnormal = [f for f in findings if f.abnormal and not f.negated and not f.is_default]
            abnormal.sort(key=lambda f: (order.get(f.region, len(order)), f.uncertain))
            for f in abnormal:
                if f.uncertain and _HEDGE_RE.search(f.text):
                    item = f.text.strip().rstrip(".") + "."
                    item = item[0].upper() + item[1:]
                else:
                    item = impression_item(f, template)
                if item.lower() not in {i.lower() for i in items}:
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
                message="Nothing was dictated: every region says it was not described and the impression is "
                        "the template's. Examine the lesion and dictate or edit the findings before signing.",
            ))
        if defaults:
            labels = ", ".join(f"{template.region(r).label} ({r})" for r in defaults)
            flags.append(Flag(
                code="default-regions", severity="info", region=defaults[0] if len(defaults) == 1 else None,
                message=f"Not dictated, filled with the template's neutral statement: {labels}.",
            ))
        if truncated:
            flags.append(Flag(
                code="impression-truncated", severity="info",
                message=f"{truncated} more item(s) did not fit in the impression (the template allows "
                        f"{template.impression.max_items}).",
            ))
        return flags


#: Added to the core structured prompt for dermatology templates.
DERMATOLOGY_INSTRUCTIONS = (
    "Dermatology rules:",
    "- Describe the lesion with the standard terms: primary morphology (macule, patch, papule, plaque, nodule, "
    "vesicle, bulla, pustule), size, colour, shape, border, surface change, distribution and body site.",
    '- Give a size in mm only if a ruler or scale is visible or the notes state it; otherwise write "Size not recorded."',
    "- In \"dermoscopy\", name each 7-point checklist structure you see and say which are absent: atypical pigment "
    "network, blue-whitish veil, atypical vascular pattern, irregular streaks, irregular dots/globules, irregular "
    "blotches, regression structures. Say regular or irregular, typical or atypical.",
    "- Do not state a diagnosis as certain; write suspicions as suspicions (\"suspicious for melanoma\").",
)


class DermatologyModelDrafter(ModelDrafter):
    """:class:`~pixtralogist.core.model_drafter.ModelDrafter` with the dermatology instructions and vocabulary."""

    def __init__(self, model: ModelConfig, *, plugin_version: str, backend=None) -> None:
        super().__init__(model, specialty="dermatology", plugin="dermatology", plugin_version=plugin_version,
                         backend=backend, extra_terms=EXTRA_TERMS)

    def prompt(self, case: Case, template: Template) -> str:
        base = super().prompt(case, template)
        extra = "\n".join(DERMATOLOGY_INSTRUCTIONS) + "\n\n"
        marker = "Clinical context."
        if marker in base:
            return base.replace(marker, extra + marker, 1)
        return base + "\n\n" + extra.strip()
