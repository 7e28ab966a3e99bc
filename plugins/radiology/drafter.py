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
from typing import Iterable, Sequence

from pixtralogist.core.drafting import (
    ENGINE,
    DictationDraftBase,
    cap_impression,
    coverage_flags,
    impression_from_findings,
    require_sorter,
)
from pixtralogist.core.errors import DraftingError
from pixtralogist.core.models import Case, Finding, Flag, Template
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.plugins.radiology.dictation import DictationProfile, parse_dictation

__all__ = ["DictationDrafter", "ENGINE"]

# Hedge words already present in a statement (the impression then keeps the statement's own words).
_HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|questionably|question of|suspicious|"
    r"suspected|suspect|may|might|could|cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|"
    r"concerning for|suggestive of|equivocal|borderline|indeterminate|uncertain)\b",
    re.I,
)


class DictationDrafter(DictationDraftBase):
    """Drafts every region of a template from the case's dictation (``case.notes``).

    The draft assembly is :class:`~pixtralogist.core.drafting.DictationDraftBase`'s; this
    class reads the dictation and writes the impression and flags.

    :param sorter: any :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: the radiology plugin's version, recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    :param extra_terms: finding words added to :mod:`pixtralogist.core.nlp`'s vocabulary.
    :param fallback_region: where a sentence goes when the sorter names a region the template
        does not have (default: ``'others'`` when the template has it, else its last region).
    :param profile: how to read the dictation (:data:`~.dictation.CXR_PROFILE` by default;
        :mod:`~pixtralogist.plugins.radiology.dictation_profiles` has the CT chest and brain MRI ones).
    """

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
        super().__init__(plugin=plugin, plugin_version=plugin_version, extra_terms=extra_terms)
        self.sorter = require_sorter(sorter, "DictationDrafter")
        self.fallback_region = fallback_region
        self.profile = profile

    def read(self, case: Case) -> list[str]:
        try:
            return parse_dictation(case.notes, profile=self.profile)
        except Exception as exc:  # pragma: no cover - parse_dictation accepts any text
            raise DraftingError(f"could not read the dictation: {exc}") from exc

    def conclude(
        self, statements: Sequence[str], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """The abnormal findings in region order (hedges kept), capped; the coverage flags."""
        items = impression_from_findings(findings, template, hedge_re=_HEDGE_RE)
        impression, truncated = cap_impression(items, template)
        return impression, coverage_flags(template, dictated=bool(statements), defaults=defaults, truncated=truncated)
