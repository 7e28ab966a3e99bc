"""Dermatology drafters: from dictation (offline) and from a vision-language model.

:class:`DictationDrafter` writes a ``skin_lesion`` draft from the clinician's
dictation (``case.notes``), with no model:

1. :func:`~pixtralogist.plugins.dermatology.dictation.parse_dictation` turns
   shorthand ("6mm asym pigm macule L upper back, derm: APN, BWV, imp: ?MM")
   into sentences, each with the section it was dictated under.
2. Sentences dictated under a region label ("site: L shin", "derm: ...") go to
   that region; diagnosis and plan statements ("?melanoma", "plan: excision
   biopsy") go to the impression; the kit triages the rest (demographics and the
   clinical question to the indication, a bare qualifier to ``not_placed``,
   recommendations to the impression); findings are sorted by the region sorter,
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
from dataclasses import replace
from typing import Sequence

from pixtralogist.core.drafting import (
    ENGINE,
    CoverageMessages,
    Row,
    cap_impression,
    coverage_flags,
    fallback_region,
    impression_from_findings,
    split_sentence,
)
from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Finding, Flag, ModelConfig, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.kit import KitDrafter, triage
from pixtralogist.plugins.dermatology.dictation import Statement, is_demographics, is_visit_reason, parse_dictation
from pixtralogist.plugins.dermatology.lexicon import EXTRA_TERMS, LEXICON, WORDS
from pixtralogist.plugins.dermatology.rules import lesion_diameter_mm

__all__ = ["DERMATOLOGY_INSTRUCTIONS", "DermatologyModelDrafter", "DictationDrafter", "ENGINE"]

_MESSAGES = CoverageMessages(
    no_dictation="Nothing was dictated: every region says it was not described and the impression is "
    "the template's. Examine the lesion and dictate or edit the findings before signing.",
    default_regions="Not dictated, filled with the template's neutral statement: {labels}.",
    truncated="{truncated} more item(s) did not fit in the impression (the template allows {max_items}).",
)


class DictationDrafter(KitDrafter):
    """Drafts every region of a dermatology template from the case's dictation (``case.notes``).

    The kit's :class:`~pixtralogist.kit.KitDrafter` with dermatology's lexicon and reader: a
    sentence dictated under a region label goes to that region, diagnosis and plan statements to
    the impression; the kit triages the rest (demographics to the indication, bare qualifiers to
    ``not_placed``). The lesion diameter is kept as ``size_mm``.

    :param sorter: a :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    """

    # a split sentence gives only its parts; a hedge prefix always lower-cases the part's first letter
    keep_unsplit_labels = False
    hedge_keeps_initialisms = False
    hedged_part_must_be_abnormal = False
    place_bare_values = True  # "Irregular." is the border, "New." the lesion's history

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, plugin: str = "dermatology") -> None:
        super().__init__(sorter, LEXICON, plugin=plugin, plugin_version=plugin_version, extra_terms=EXTRA_TERMS)

    def statements(self, case: Case) -> list[Statement]:
        """Dermatology's reader; sentences with no dictated section are triaged by the kit."""
        out: list[Statement] = []
        for s in parse_dictation(case.notes):
            if self._opening_indication(s, out):
                out.append(replace(s, section=None, kind="indication"))
                continue
            if s.section is not None:
                out.append(replace(s, kind="finding"))
                continue
            opening = all(o.kind == "indication" for o in out)
            if is_demographics(s.text, opening=opening) or (is_visit_reason(s.text) and opening):
                out.append(replace(s, kind="indication"))  # "Routine mole check." opening the dictation: why they came
                continue
            # triage may part one sentence ("66 y/o woman, 4 mm papule ..." -> the indication, then the finding)
            out += [replace(s, text=k.text, kind=k.kind) for k in
                    triage([s.text], self.lexicon, extractor=self.extractor, finding_terms=self.extra_terms)]
        return self.placed(out)

    def _opening_indication(self, s, before: list[Statement]) -> bool:
        """Whether a sentence the reader put under a plan or impression ("74F skin check.", "F 73 GP referral.")
        opens the dictation with who the patient is and why they came: the kit's triage reads it as the indication."""
        return (s.section == "impression" and all(b.kind == "indication" for b in before)
                and [k.kind for k in triage([s.text], self.lexicon, extractor=self.extractor,
                                            finding_terms=self.extra_terms)] == ["indication"])

    def rows(self, statements: Sequence[Statement], template: Template) -> list[Row]:
        """Rows of the finding statements; one dictated under a region label goes to that region."""
        order = {r: i for i, r in enumerate(template.region_names)}
        fallback = fallback_region(template)
        out: list[Row] = []
        for st in statements:
            if st.section == "impression" or st.kind != "finding":
                continue
            if st.section in order:
                out.append(Row(st.section, st.text, st.text))
                continue
            out.extend(Row(region, text, st.text) for region, text in
                       split_sentence(self.sorter, st.text, order, fallback, keep_unsplit_labels=False))
        said = [s.text for s in statements if s.section == "impression" or s.kind == "indication"]
        return _site_from_history(_join_bare_counts(out), said)

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """``size_mm`` is the largest stated dimension (the lesion diameter), except in dermoscopy."""
        diameter = lesion_diameter_mm(text) if row.region != "dermoscopy" else a.size_mm
        return Finding(region=row.region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=a.laterality, size_mm=diameter, provenance=prov)

    def conclude(
        self, statements: Sequence[Statement], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """The clinician's dictated impression and plan win when there are some (a bare "Benign." joins the diagnosis
        before it); else the abnormal findings."""
        dictated = [s.text for s in statements if s.section == "impression" or s.kind == "recommendation"]
        if dictated:
            # what the clinician said is never cut: the items past the template's count join the last one
            items, truncated = _fit_dictated(_join_bare_calls(list(dict.fromkeys(dictated))), template.impression.max_items), 0
        else:
            items, truncated = cap_impression(impression_from_findings(findings, template, hedge_re=self.hedge_re),
                                              template)
        flags = coverage_flags(template, dictated=bool(statements), defaults=defaults, truncated=truncated,
                               messages=_MESSAGES)
        return items, flags


def _fit_dictated(items: list[str], cap: int) -> list[str]:
    """At most ``cap`` items, none dropped: the dictated items past the cap join the last one ("HIV test; partner
    notification; benzathine penicillin if confirmed.")."""
    if len(items) <= cap:
        return items
    tail = [i.strip().rstrip(".") for i in items[cap - 1:]]
    return items[:cap - 1] + ["; ".join([tail[0]] + [t[:1].lower() + t[1:] if not t[1:2].isupper() else t for t in tail[1:]]) + "."]


#: a call said on its own after the diagnosis ("Acral naevus. Benign."): it qualifies that diagnosis
_BARE_CALL = re.compile(r"^(?:benign|banal|benign[- ]appearing|benign[- ]looking|reassuring|innocent|harmless)\.?$", re.I)
_PLAN_ITEM = re.compile(r"^(?:plan\b|refer|review|excis|biops|reassur|follow|monitor|discharge|no\s+(?:further|f/u|follow))", re.I)


def _join_bare_calls(items: list[str]) -> list[str]:
    """"Acral naevus left sole." + "Benign." -> "Acral naevus left sole, benign.": a bare call joins the diagnosis
    before it (never a plan), so the impression says what is benign."""
    out: list[str] = []
    for item in items:
        if _BARE_CALL.match(item.strip()) and out and not _PLAN_ITEM.match(out[-1]) and not _BARE_CALL.match(out[-1]):
            out[-1] = f"{out[-1].rstrip().rstrip('.')}, {item.strip().rstrip('.').lower()}."
            continue
        out.append(item)
    return out


_BARE_COUNT = re.compile(r"^(?:multiple|several|numerous|scattered|solitary|single|isolated|few|many)\.?$", re.I)


def _join_bare_counts(rows: list[Row]) -> list[Row]:
    """A bare count ("Multiple.") split off one sentence joins the body site said in another
    ("Multiple, right axilla."), so the site statement says how many lesions are there."""
    sites = [i for i, r in enumerate(rows) if r.region == "distribution_site"]
    bare = [i for i in sites if _BARE_COUNT.match(rows[i].text.strip())]
    other = [i for i in sites if i not in bare]
    if not bare or not other:
        return rows
    target = rows[other[0]]
    words = ", ".join(rows[i].text.strip().rstrip(".") for i in bare)
    joined = f"{words}, {target.text[:1].lower()}{target.text[1:]}"
    out = [r for i, r in enumerate(rows) if i not in bare]
    out[out.index(target)] = Row(target.region, joined, f"{' '.join(rows[i].sentence for i in bare)} {target.sentence}",
                                 target.context)
    return out


_GENERIC_SITES = {r"sites?", r"locat(?:ed|ion)", r"extremit(?:y|ies)", r"limbs?", r"acral"}
#: A side with a body site ("left thigh", "right upper arm", "L 4th fingernail" after the reader's expansion).
_SIDED_SITE = re.compile(
    r"(?<![\w-])(?:left|right|bilateral)\s+(?:(?:upper|lower|mid|medial|lateral|dorsal|anterior|posterior|inner|outer)\s+)?(?:"
    + "|".join(p for p in WORDS["body_sites"] if p not in _GENERIC_SITES) + r")(?![\w])", re.I)


def _site_from_history(rows: list[Row], said: Sequence[str] = ()) -> list[Row]:
    """A lesion whose body site is said only in a history sentence ("Hx: changing mole L thigh.", "Previously
    treated BCC L cheek, now ...") has that site: when no row is the distribution/site's, the first side and
    body site of another row, or of the indication or the impression sentences ``said``, is stated there
    too (the history sentence keeps its words); two different sites are no guess."""
    if any(r.region == "distribution_site" for r in rows):
        return rows
    found = [(m.group(0), sentence) for text, sentence in [(r.text, r.sentence) for r in rows] + [(t, t) for t in said]
             for m in _SIDED_SITE.finditer(text)]
    if len({site.lower() for site, _ in found}) != 1:
        return rows
    site, sentence = found[0]
    return rows + [Row("distribution_site", site[:1].upper() + site[1:] + ".", sentence)]


#: Added to the core structured prompt for dermatology templates (the lexicon's ``dictation.model_instructions``).
DERMATOLOGY_INSTRUCTIONS: tuple[str, ...] = tuple(LEXICON.dictation["model_instructions"])


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
