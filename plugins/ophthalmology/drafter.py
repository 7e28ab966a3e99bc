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
from typing import Sequence

from pixtralogist.core.drafting import (
    ENGINE,
    DictationDraftBase,
    Row,
    cap_impression,
    coverage_flags,
    fallback_region,
    impression_from_findings,
    split_sentence,
)
from pixtralogist.core.errors import DraftingError
from pixtralogist.core.models import Case, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.dictation import parse_statements
from pixtralogist.plugins.ophthalmology.grading import Described, drafted_grades, is_grade_statement, stated_grades

__all__ = ["ENGINE", "EyeDictationDrafter"]

_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspicious|suspected|suspect|may|might|could|"
    r"cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|concerning for|suggestive of|equivocal|"
    r"uncertain)\b",
    re.I,
)


class EyeDictationDrafter(DictationDraftBase):
    """Drafts every region of an ophthalmology template from ``case.notes``.

    The draft assembly is :class:`~pixtralogist.core.drafting.DictationDraftBase`'s; this class
    reads the dictation, carries each sentence's eye to its parts and writes the impression and flags.

    :param sorter_for: callable ``template -> RegionSorter`` (default: the plugin's sorters).
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    """

    def __init__(self, *, plugin_version: str, plugin: str = "ophthalmology", sorter_for=None) -> None:
        super().__init__(plugin=plugin, plugin_version=plugin_version, extra_terms=lexicon.NLP_TERMS)
        self._sorter_for = sorter_for

    def sorter(self, template: Template) -> RegionSorter:  # type: ignore[override]
        if self._sorter_for is not None:
            sorter = self._sorter_for(template)
        else:
            sorter = lexicon.sorter_for(template.id)
        if sorter is None or not callable(getattr(sorter, "classify", None)):
            raise DraftingError(f"no region sorter for the ophthalmology template {template.id!r}")
        return sorter

    def region_sorter(self, template: Template) -> RegionSorter:
        return self.sorter(template)

    # -- the ophthalmology parts -----------------------------------------------------------

    def read(self, case: Case) -> list:
        statements = _Dictation(parse_statements(case.notes))
        statements.diabetic = any(lexicon.DIABETIC_CONTEXT_RE.search(t or "")
                                  for t in (case.indication, case.notes, case.prior_report))
        return statements

    def rows(self, statements: Sequence, template: Template) -> list[Row]:
        """Rows in dictation order, each carrying the eyes its sentence named (``Row.context``)."""
        sorter = self.region_sorter(template)
        order = {r: i for i, r in enumerate(template.region_names)}
        fallback = fallback_region(template)
        out: list[Row] = []
        for st in statements:
            sentence = str(st)
            if is_grade_statement(sentence):
                continue  # "Mild NPDR in the right eye." is the impression's, not a findings region's
            eyes = getattr(st, "eyes", frozenset()) or lexicon.eyes_of(sentence)
            out.extend(Row(region, text, sentence, eyes) for region, text in split_sentence(sorter, sentence, order, fallback))
        return out

    def faithful(
        self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, template: Template
    ) -> tuple[FindingAttributes, str]:
        """A rewritten part may not claim more than the dictated sentence (negation, hedge, eye)."""
        if lexicon.eyes_of(sentence) and lexicon.eyes_of(text) != lexicon.eyes_of(sentence):
            return whole, sentence
        return super().faithful(part, whole, text, sentence, template)

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """The laterality is the eye the statement (or else its sentence) names, never guessed."""
        named = lexicon.eyes_of(text) or row.context
        laterality = "bilateral" if len(named) == 2 else next(iter(named), None)
        return Finding(region=row.region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=laterality, size_mm=a.size_mm, provenance=prov)

    def conclude(
        self, statements: Sequence, findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """Dictated grade statements first (the headline of an eye report), then an ICDR level drafted
        from the lesions for each eye the dictation gave none (flagged for confirmation), then the
        abnormal findings."""
        stated = [str(s) for s in statements if is_grade_statement(str(s))]
        described = [Described(f.text, lexicon.eyes_of(f.text) or _eyes(f.laterality), f.id)
                     for f in findings if not f.is_default]
        drafted = drafted_grades(described, stated, diabetic=getattr(statements, "diabetic", False))
        items = impression_from_findings(findings, template, hedge_re=_HEDGE_RE,
                                         include=lambda f: f.abnormal or _graded(f), first=_graded)
        seen = {i.lower() for i in stated + drafted}
        impression, truncated = cap_impression(stated + drafted + [i for i in items if i.lower() not in seen], template)
        return impression, coverage_flags(template, dictated=bool(statements), defaults=defaults, truncated=truncated)


class _Dictation(list):
    """The dictated statements, and whether the case is diabetic (the ICDR grade applies)."""

    diabetic: bool = False


def _graded(f: Finding) -> bool:
    return bool(stated_grades([f.text]))


def _eyes(laterality: str | None) -> frozenset[str]:
    if laterality == "bilateral":
        return frozenset({"right", "left"})
    return frozenset({laterality}) if laterality in ("right", "left") else frozenset()
