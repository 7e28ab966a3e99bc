"""Pathology drafters: from dictation (offline) or from a vision-language model.

``SynopticDictationDrafter(sorter, plugin_version=...).draft(case, template)``:

1. :func:`~pixtralogist.plugins.pathology.dictation.parse_dictation` turns
   ``case.notes`` ("L lumpectomy; IDC NST, G2; LN 1/3 pos") into sentences.
2. The synoptic sorter assigns each sentence to its element(s); a sentence that
   covers several elements is rewritten clause by clause. A rewritten part never
   claims more than the dictated sentence (a part that lost the sentence's
   negation gets the whole sentence; one that lost its hedge gets the template's
   hedge prefix).
3. Each statement becomes a :class:`~pixtralogist.core.models.Finding` with
   attributes from :func:`pixtralogist.core.nlp.analyze_many` (with pathology
   finding words, :data:`EXTRA_TERMS`) and dictation provenance. A node
   statement with none involved ("0 of 3") is not abnormal.
4. The laterality element, when not dictated, takes the single side the
   procedure or tumor site names ("left breast lumpectomy" -> "Left."), with a
   ``laterality-from-dictation`` info flag saying so.
5. Elements nothing was dictated for get the template default ("Not
   reported.") with ``is_default=True``: no element is ever presumed normal.
6. The impression (final diagnosis lines) lists the dictated statements of
   histologic type, grade, size, margins, lymph nodes and stage, in that order,
   at most ``impression.max_items``; with no histologic type dictated it is the
   template's "no diagnosis was dictated" line.

:class:`PathologyModelDrafter` is the core model drafter with a pathology
instruction added to the prompt and the pathology finding words.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from pixtralogist.core.drafting import ENGINE, CoverageMessages, DictationDraftBase, Row, coverage_flags, require_sorter
from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.pathology.dictation import parse_dictation

__all__ = ["ENGINE", "EXTRA_TERMS", "IMPRESSION_REGIONS", "PATHOLOGY_INSTRUCTION", "PathologyModelDrafter",
           "SynopticDictationDrafter"]

#: Finding words added to the core NLP vocabulary (so negation and hedging attach to them).
EXTRA_TERMS: tuple[str, ...] = (
    "carcinoma", "carcinomas", "invasive carcinoma", "invasive ductal carcinoma", "invasive lobular carcinoma",
    "adenocarcinoma", "metastatic carcinoma", "ductal carcinoma in situ", "lobular carcinoma in situ", "dcis",
    "lcis", "lymphovascular invasion", "vascular invasion", "perineural invasion", "invasion", "involvement",
    "metastasis", "metastases", "macrometastasis", "macrometastases", "micrometastasis", "micrometastases",
    "isolated tumor cells", "extranodal extension", "residual carcinoma", "residual tumor", "tumor",
    "microcalcifications", "atypia", "atypical ductal hyperplasia", "paget disease",
)

#: Elements whose statements make up the impression (final diagnosis), in order.
IMPRESSION_REGIONS: tuple[str, ...] = ("histologic_type", "grade", "size", "margins", "lymph_nodes", "stage")

PATHOLOGY_INSTRUCTION = (
    "This is a synoptic pathology report (CAP-style case summary): one value per element. "
    "Report an element only from what the images and the pathologist's notes show; for any element they "
    "do not establish, write exactly \"Not reported.\" Never infer a grade, stage, size, margin distance or "
    "lymph node count that is not stated or clearly visible. Keep the notes' component scores (tubules, "
    "pleomorphism, mitoses) in \"grade\" and the pTNM categories in \"stage\" as written."
)

_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspicious|suspected|may|might|could|"
    r"cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|concerning for|suggestive of|"
    r"equivocal|indeterminate|favou?r(?:ed)?)\b",
    re.I,
)
_ZERO_NODES = re.compile(r"(?<![\d.])0\s*(?:of|/)\s*\d+|\b(?:no|none of the|zero)\b[^.]*\bnodes?\b|\bnegative\b", re.I)
#: Elements that describe the specimen rather than a finding: never "abnormal".
_DESCRIPTIVE = frozenset({"procedure", "site", "laterality"})
_NODE_POSITIVE = re.compile(r"(?<![\d.])[1-9]\d*\s*(?:of|/)\s*\d+|\bpositive\b|\bmetasta", re.I)


def _side_word(text: str) -> str | None:
    from pixtralogist.core.concepts import laterality_of

    return laterality_of(text)


_MESSAGES = CoverageMessages(
    no_dictation="Nothing was dictated: every element reads 'Not reported.'. Dictate or edit the elements before "
    "signing.",
    default_regions="Not dictated, left as the template default: {labels}.",
)


class SynopticDictationDrafter(DictationDraftBase):
    """Drafts every element of a synoptic template from the case's dictation (``case.notes``).

    The draft assembly is :class:`~pixtralogist.core.drafting.DictationDraftBase`'s; this class
    reads the dictation, decides what counts as abnormal, derives laterality and writes the
    final diagnosis lines and flags.

    :param sorter: a :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    :param extra_terms: finding words added to the NLP vocabulary (default :data:`EXTRA_TERMS`).
    """

    # a part that drops a negation reverts to its sentence; a hedge prefix always lower-cases the first letter
    strict_negation = True
    hedge_keeps_initialisms = False
    hedged_part_must_be_abnormal = False

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, plugin: str = "pathology",
                 extra_terms: Iterable[str] = EXTRA_TERMS) -> None:
        super().__init__(plugin=plugin, plugin_version=plugin_version, extra_terms=extra_terms)
        self.sorter = require_sorter(sorter, "SynopticDictationDrafter")

    def read(self, case: Case) -> list[str]:
        return parse_dictation(case.notes)

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """Specimen elements are never abnormal; a node count decides the lymph node element."""
        region = row.region
        abnormal = a.abnormal
        if region in _DESCRIPTIVE:
            abnormal = False  # "axillary dissection" is a procedure, not a finding
        elif region == "lymph_nodes" and not a.negated:
            if _NODE_POSITIVE.search(text) and not _ZERO_NODES.search(text):
                abnormal = True  # "2 of 15 positive"
            elif _ZERO_NODES.search(text) and not _NODE_POSITIVE.search(text):
                abnormal = False  # "0 of 3 lymph nodes", "lymph nodes negative"
        return Finding(region=region, text=text, abnormal=abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=a.laterality, size_mm=a.size_mm, provenance=prov)

    def complete(self, by_region: dict[str, list[Finding]], template: Template, prov: Provenance) -> list[Flag]:
        """An undictated laterality element takes the one side the procedure or site names (flagged)."""
        flags: list[Flag] = []
        if "laterality" in by_region and not by_region["laterality"]:
            derived = self._derive_laterality(by_region)
            if derived:
                side, source_region = derived
                by_region["laterality"].append(Finding(region="laterality", text=f"{side.capitalize()}.",
                                                       laterality=side, provenance=prov))  # type: ignore[arg-type]
                flags.append(Flag(code="laterality-from-dictation", severity="info", region="laterality",
                                  message=f"Laterality was not dictated on its own; '{side}' is taken from the "
                                          f"{template.region(source_region).label.lower()} statement. Confirm it."))
        return flags

    def conclude(
        self, statements: Sequence[str], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        flags = coverage_flags(template, dictated=bool(statements), defaults=defaults, messages=_MESSAGES)
        return self.impression(findings, template), flags

    @staticmethod
    def _derive_laterality(by_region: dict[str, list[Finding]]) -> tuple[str, str] | None:
        """The one side named by the procedure and site statements (None if none or conflicting)."""
        sides: dict[str, str] = {}
        for region in ("procedure", "site"):
            for f in by_region.get(region, []):
                side = _side_word(f.text)
                if side:
                    sides.setdefault(side, region)
        if len(sides) == 1:
            side, region = next(iter(sides.items()))
            return (side, region) if side in ("left", "right") else None
        return None

    @staticmethod
    def impression(findings: list[Finding], template: Template) -> list[str]:
        """Final-diagnosis lines: the dictated statements of the diagnostic elements, in order."""
        dictated = [f for f in findings if not f.is_default]
        if "histologic_type" in template.region_names and not any(f.region == "histologic_type" for f in dictated):
            return [template.impression.normal]
        items: list[str] = []
        for region in [r for r in IMPRESSION_REGIONS if r in template.region_names] or template.region_names:
            for f in dictated:
                if f.region != region:
                    continue
                item = f.text.strip()
                if f.uncertain and not _HEDGE_RE.search(item):
                    item = f"{template.impression.uncertain_prefix} {item[:1].lower()}{item[1:]}"
                if item not in items:
                    items.append(item)
        return items[: template.impression.max_items] or [template.impression.normal]


class PathologyModelDrafter(ModelDrafter):
    """The core :class:`~pixtralogist.core.model_drafter.ModelDrafter` with the pathology instruction."""

    def __init__(self, model, **kw) -> None:
        kw.setdefault("extra_terms", EXTRA_TERMS)
        super().__init__(model, **kw)

    def prompt(self, case: Case, template: Template) -> str:
        base = super().prompt(case, template)
        marker = "Answer now with the JSON object only."
        if marker in base:
            return base.replace(marker, f"{PATHOLOGY_INSTRUCTION}\n{marker}")
        return f"{base}\n{PATHOLOGY_INSTRUCTION}"
