"""The offline drafter: a dental draft from the clinician's dictation, no vision model.

``DentalDictationDrafter(sorter).draft(case, template)``:

1. :func:`parse_dictation` splits ``case.notes`` into clauses (newlines,
   semicolons, sentence ends, commas), expands shorthand (:data:`ABBREVIATIONS`:
   "nl" -> "normal", "PA" -> "periapical", "#36" -> "tooth 36") and makes each a
   sentence. Negations and hedges are kept word for word.
2. The region sorter names the regions of each sentence; the sentence goes to the
   first of them in template order (a simple rule: this is an example plugin).
3. Each sentence becomes a :class:`~pixtralogist.core.models.Finding` with its
   attributes from :func:`pixtralogist.core.nlp.analyze_many` (negation,
   uncertainty, laterality, size) and ``dictation`` provenance. Regions nothing
   was dictated for get the template's normal statement, ``is_default=True``.
4. The impression is :func:`pixtralogist.core.impression.build_impression` of the
   dictated findings (the template's normal impression when none is abnormal).

The draft is ``ai-draft-unsigned`` and carries the AI disclaimer.
"""

from __future__ import annotations

import re

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.impression import build_impression
from pixtralogist.core.models import Case, Draft, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import analyze_many
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.core.text import clean_text

__all__ = ["ABBREVIATIONS", "DENTAL_TERMS", "ENGINE", "DentalDictationDrafter", "parse_dictation"]

ENGINE = "offline-dictation"

#: Finding words added to the core NLP vocabulary (so "caries" makes a sentence abnormal unless negated).
DENTAL_TERMS: tuple[str, ...] = (
    "caries", "carious lesion", "decay", "radiolucency", "lucency", "bone loss", "calculus", "impaction",
    "resorption", "overhang", "impacted", "recurrent caries", "secondary caries", "widening",
)

#: Shorthand -> words (whole tokens, case-insensitive).
ABBREVIATIONS: dict[str, str] = {
    "nl": "normal", "nml": "normal", "wnl": "within normal limits", "perio": "periodontal",
    "pa": "periapical", "rct": "root canal treatment", "resto": "restoration", "restos": "restorations",
    "amalg": "amalgam", "comp": "composite", "imp": "implant", "fx": "fracture", "bl": "bone loss",
    "w/": "with", "w/o": "without", "l": "left", "r": "right", "?": "possible",
}
_TOKEN = re.compile(r"(?<![\w/])(?:w/o|w/|\?|[A-Za-z]+)(?![\w/])")
_TOOTH_HASH = re.compile(r"(?<!\w)#(\d{2})\b")
_SPLIT = re.compile(r"\n+|;\s*|(?<=[^\d])\.\s+|(?<=[^\d])\.$|,\s+(?!\d)")


def _expand(clause: str) -> str:
    clause = _TOOTH_HASH.sub(r"tooth \1", clause)

    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.isupper() and len(word) > 1 and word.lower() not in ("pa", "rct", "bl", "nl"):
            return word  # surface codes such as MOD stay as written
        return ABBREVIATIONS.get(word.lower(), word)

    return _TOKEN.sub(repl, clause)


def parse_dictation(notes: str) -> list[str]:
    """Dictation -> full sentences (capitalised, ending with a period), in dictated order."""
    out = []
    for clause in _SPLIT.split(clean_text(notes or "")):
        clause = _expand(clause.strip(" .-*\t"))
        clause = re.sub(r"\s+", " ", clause).strip()
        if clause:
            out.append(clause[0].upper() + clause[1:] + ("" if clause.endswith((".", "!", "?")) else "."))
    return out


class DentalDictationDrafter:
    """Drafts every region of the dental template from ``case.notes`` (see the module docstring)."""

    name = ENGINE

    def __init__(self, sorter: RegionSorter, *, plugin: str = "dental", plugin_version: str) -> None:
        self.sorter = sorter
        self.plugin = plugin
        self.plugin_version = plugin_version

    def _provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(source=source, engine=ENGINE, plugin=self.plugin, plugin_version=self.plugin_version,
                          template_id=template.id, template_version=template.version)

    def draft(self, case: Case, template: Template) -> Draft:
        sentences = parse_dictation(case.notes)
        names = template.region_names
        fallback = "others" if "others" in names else names[-1]
        prov, default_prov = self._provenance(template, "dictation"), self._provenance(template, "template-default")
        by_region: dict[str, list[Finding]] = {r: [] for r in names}
        try:
            regions = [sorted(self.sorter.classify(s) & set(names), key=names.index) or [fallback] for s in sentences]
        except Exception as exc:
            raise DraftingError(f"the dental region sorter failed: {exc}") from exc
        for sentence, region, a in zip(sentences, regions, analyze_many(sentences, extra_terms=DENTAL_TERMS)):
            by_region[region[0]].append(Finding(
                region=region[0], text=sentence, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                laterality=a.laterality, size_mm=a.size_mm, provenance=prov))
        defaults = [r for r in names if not by_region[r]]
        for r in defaults:
            by_region[r].append(Finding(region=r, text=template.region(r).normal, is_default=True,
                                        provenance=default_prov))
        findings = [f for r in names for f in by_region[r]]
        flags = []
        if not sentences:
            flags.append(Flag(code="no-dictation", severity="warning",
                              message="Nothing was dictated: every region holds the template's normal statement. "
                              "Review the images and dictate or edit before signing."))
        if defaults:
            flags.append(Flag(code="default-regions", severity="info",
                              message="Not dictated, filled with the template's normal statement (verify before "
                              "signing): " + ", ".join(template.region(r).label for r in defaults) + ".",
                              region=defaults[0] if len(defaults) == 1 else None))
        return Draft(
            case_id=case.id, specialty=template.specialty, template_id=template.id,
            template_version=template.version, regions=names,
            region_labels={r.name: r.label for r in template.regions}, findings=findings,
            impression=build_impression([f for f in findings if not f.is_default], template), flags=flags,
            provenance=prov if sentences else default_prov,
        )
