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
from typing import Iterable

from pixtralogist.core.errors import DraftingError
from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Draft, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes, analyze, analyze_many
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.pathology.dictation import parse_dictation

__all__ = ["ENGINE", "EXTRA_TERMS", "IMPRESSION_REGIONS", "PATHOLOGY_INSTRUCTION", "PathologyModelDrafter",
           "SynopticDictationDrafter"]

ENGINE = "offline-dictation"

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


class SynopticDictationDrafter:
    """Drafts every element of a synoptic template from the case's dictation (``case.notes``).

    :param sorter: a :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    :param extra_terms: finding words added to the NLP vocabulary (default :data:`EXTRA_TERMS`).
    """

    name = ENGINE

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, plugin: str = "pathology",
                 extra_terms: Iterable[str] = EXTRA_TERMS) -> None:
        if sorter is None or not callable(getattr(sorter, "classify", None)) or not callable(getattr(sorter, "sort", None)):
            raise DraftingError("SynopticDictationDrafter needs a region sorter with classify() and sort() methods.")
        self.sorter = sorter
        self.plugin = plugin
        self.plugin_version = plugin_version
        self.extra_terms = tuple(extra_terms)

    def draft(self, case: Case, template: Template) -> Draft:
        sentences = parse_dictation(case.notes)
        regions = template.region_names
        prov = self._provenance(template, "dictation")
        default_prov = self._provenance(template, "template-default")
        statements = self._assign(sentences, template)
        attrs = analyze_many([t for _, t, _ in statements] + [s for _, _, s in statements], extra_terms=self.extra_terms)
        n = len(statements)
        by_region: dict[str, list[Finding]] = {r: [] for r in regions}
        for i, (region, text, sentence) in enumerate(statements):
            a = attrs[i]
            if text != sentence:
                a, text = self._faithful(a, attrs[n + i], text, sentence, template.impression.uncertain_prefix)
            by_region[region].append(self._finding(region, text, a, prov))

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

        defaults = [r for r in regions if not by_region[r]]
        for r in defaults:
            by_region[r].append(Finding(region=r, text=template.region(r).normal, is_default=True,
                                        provenance=default_prov))
        findings = [f for r in regions for f in by_region[r]]
        flags = self._flags(template, sentences, defaults) + flags
        return Draft(
            case_id=case.id,
            specialty=template.specialty,
            template_id=template.id,
            template_version=template.version,
            regions=regions,
            region_labels={r.name: r.label for r in template.regions},
            findings=findings,
            impression=self.impression(findings, template),
            flags=flags,
            provenance=prov if sentences else default_prov,
        )

    # -- steps --------------------------------------------------------------

    def _provenance(self, template: Template, source: str) -> Provenance:
        return Provenance(source=source, engine=ENGINE, plugin=self.plugin, plugin_version=self.plugin_version,
                          template_id=template.id, template_version=template.version)

    def _assign(self, sentences: list[str], template: Template) -> list[tuple[str, str, str]]:
        names = template.region_names
        order = {r: i for i, r in enumerate(names)}
        fallback = "others" if "others" in names else names[-1]
        out: list[tuple[str, str, str]] = []
        for sentence in sentences:
            try:
                labels = {r if r in order else fallback for r in self.sorter.classify(sentence)} or {fallback}
                parts = self.sorter.sort(sentence) if len(labels) > 1 else {}
            except Exception as exc:
                raise DraftingError(f"the region sorter failed on a dictated sentence: {exc}") from exc
            if len(labels) == 1:
                out.append((labels.pop(), sentence, sentence))
                continue
            parts = {(r if r in order else fallback): (t or "").strip() for r, t in (parts or {}).items()}
            for region in sorted(labels | {r for r, t in parts.items() if t}, key=order.__getitem__):
                out.append((region, parts.get(region) or sentence, sentence))
        return out

    def _faithful(self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, prefix: str):
        if part.abnormal and not whole.abnormal:
            return whole, sentence
        if whole.negated and not part.negated and part.abnormal:
            return whole, sentence
        if whole.uncertain and part.abnormal and not part.uncertain:
            hedged = f"{prefix} {text[:1].lower()}{text[1:]}"
            a = analyze(hedged, extra_terms=self.extra_terms)
            return (a, hedged) if a.uncertain else (whole, sentence)
        return part, text

    @staticmethod
    def _finding(region: str, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
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

    @staticmethod
    def _flags(template: Template, sentences: list[str], defaults: list[str]) -> list[Flag]:
        flags: list[Flag] = []
        if not sentences:
            flags.append(Flag(code="no-dictation", severity="warning",
                              message="Nothing was dictated: every element reads 'Not reported.'. Dictate or edit "
                                      "the elements before signing."))
        if defaults:
            labels = ", ".join(f"{template.region(r).label} ({r})" for r in defaults)
            flags.append(Flag(code="default-regions", severity="info",
                              message=f"Not dictated, left as the template default: {labels}.",
                              region=defaults[0] if len(defaults) == 1 else None))
        return flags


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
