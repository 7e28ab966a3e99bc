"""Pathology drafters: from dictation (offline) or from a vision-language model.

``SynopticDictationDrafter(sorter, plugin_version=...).draft(case, template)`` is the kit's
:class:`~pixtralogist.kit.KitDrafter` with pathology's lexicon (``data/lexicon/breast-resection.yaml``):

1. :func:`~pixtralogist.plugins.pathology.dictation.parse_dictation` turns ``case.notes``
   ("L lumpectomy; IDC NST, G2; LN 1/3 pos") into sentences; the kit triages them
   (demographics to the indication, recommendations to the impression).
2. The synoptic sorter assigns each sentence to its element(s); a sentence that covers several
   elements is rewritten clause by clause, and a part never claims more than the dictated
   sentence (the kit's drafting base), except that a denial in another clause that cannot reach the
   part ("IDC 3.8 cm G3, LVI not identified") does not revert the type, grade and size to the whole sentence.
3. Specimen elements (procedure, site, laterality) are never abnormal; a node statement with none
   involved ("0 of 3") is not abnormal.
4. The laterality element, when not dictated, takes the single side the procedure or tumor site
   names ("left breast lumpectomy" -> "Left."; "bilateral mastectomies" -> "Bilateral." unless one side alone
   has the carcinoma), with a ``laterality-from-dictation`` info flag.
5. Elements nothing was dictated for get the template default ("Not reported.") with
   ``is_default=True``: no element is ever presumed normal.
6. The impression (final diagnosis lines) lists the dictated statements of the lexicon's
   ``impression_regions`` (histologic type, grade, size, margins, lymph nodes, stage), at most
   ``impression.max_items``; with no histologic type dictated it opens with the dictated in situ
   carcinoma ("DCIS, high nuclear grade, 18 mm.") or the absence of residual carcinoma, or, without
   one (and without a complete response), is the template's "no diagnosis
   was dictated" line.

:class:`PathologyModelDrafter` is the core model drafter with the pathology instruction added to
the prompt and the pathology finding words.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from pixtralogist.core.concepts import laterality_of
from pixtralogist.core.drafting import ENGINE, CoverageMessages, Row, coverage_flags
from pixtralogist.core.model_drafter import ModelDrafter
from pixtralogist.core.models import Case, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.kit import KitDrafter, Statement, triage
from pixtralogist.kit.lexicon import alternation
from pixtralogist.plugins.pathology.dictation import parse_dictation
from pixtralogist.plugins.pathology.lexicon import EXTRA_TERMS, LEXICON
from pixtralogist.plugins.pathology.sorter import TYPE_BY_HEAD

__all__ = ["ENGINE", "EXTRA_TERMS", "IMPRESSION_REGIONS", "PATHOLOGY_INSTRUCTION", "PathologyModelDrafter",
           "SynopticDictationDrafter"]

#: Elements whose statements make up the impression (final diagnosis), in order.
IMPRESSION_REGIONS: tuple[str, ...] = tuple(LEXICON.dictation["impression_regions"])
#: Added to the model drafter's prompt.
PATHOLOGY_INSTRUCTION: str = LEXICON.dictation["model_instruction"]

_ZERO_NODES = re.compile(r"(?<![\d.])0\s*(?:of|/)\s*\d+|\b(?:no|none of the|zero)\b[^.]*\bnodes?\b|\bnegative\b", re.I)
#: Elements that describe the specimen rather than a finding: never "abnormal".
_DESCRIPTIVE = frozenset({"procedure", "site", "laterality"})
#: Elements that describe the tumour itself: a side named there is the specimen's.
_TUMOR_ELEMENTS = frozenset({"histologic_type", "grade", "size"})
_BREAST_SIDE = re.compile(r"\b(left|right)\s+(?:breast|axilla|axillary)\b", re.I)
_IN_SITU = re.compile(r"\b(?:" + str(LEXICON.data["sorter"]["in_situ"]) + r")\b", re.I)
_NO_RESIDUAL = re.compile(r"\bno residual\b", re.I)
_MARGIN = re.compile(r"\bmargins?\b", re.I)
_NODE_POSITIVE = re.compile(r"(?<![\d.])[1-9]\d*\s*(?:of|/)\s*\d+|\bpositive\b|\bmetasta", re.I)

_MESSAGES = CoverageMessages(
    no_dictation="Nothing was dictated: every element reads 'Not reported.'. Dictate or edit the elements before "
    "signing.",
    default_regions="Not dictated, left as the template default: {labels}.",
)


#: A size given as two or three dimensions and nothing else ("3.2 x 2.8 x 2.0 cm.").
_DIMENSIONS = re.compile(r"^(?P<label>[A-Za-z ()]+:\s*|(?:tumou?r|invasive carcinoma|carcinoma|mass|lesion)\s+)?(?P<dims>\d+(?:\.\d+)?(?:\s?[x\u00d7]\s?\d+(?:\.\d+)?){1,2})\s?(?P<unit>mm|cm)\.?$", re.I)


def _greatest_dimension(text: str) -> str:
    """"3.2 x 2.8 x 2.0 cm." (or "Tumor 3.2 x 2.8 x 2.0 cm.") -> "3.2 cm in greatest dimension (3.2 x 2.8 x 2.0 cm).": the tumor size element
    reports the greatest dimension first (CAP), with the additional dimensions as dictated."""
    m = _DIMENSIONS.match(text.strip())
    if not m:
        return text
    values = re.findall(r"\d+(?:\.\d+)?", m.group("dims"))
    greatest = max(values, key=float)
    return (f"{m.group('label') or ''}{greatest} {m.group('unit')} in greatest dimension "
            f"({m.group('dims')} {m.group('unit')}).")


#: A tumour bed measured in two or three dimensions ("Tumour bed 3.1 x 2.0 cm with fibrosis").
_BED_DIMENSIONS = re.compile(r"\b(?P<bed>(?:residual )?tumou?r bed(?: (?:measures|measuring|of))?:?\s+)(?P<dims>\d+(?:\.\d+)?"
                             r"(?:\s?[x\u00d7]\s?\d+(?:\.\d+)?){1,2})\s?(?P<unit>mm|cm)\b", re.I)
#: A diagnosis another element holds (the lexicon's ``impression_diagnosis``: Paget disease of the nipple).
_DIAGNOSIS_ELSEWHERE = re.compile(str(LEXICON.dictation.get("impression_diagnosis") or r"(?!x)x"), re.I)


def _bed_greatest_dimension(text: str) -> str:
    """"Tumour bed 3.1 x 2.0 cm ..." -> "Tumour bed 3.1 cm in greatest dimension (3.1 x 2.0 cm) ...": the bed's
    extent read as the tumour size is, greatest dimension first."""
    def one(m: re.Match) -> str:
        greatest = max(re.findall(r"\d+(?:\.\d+)?", m.group("dims")), key=float)
        return f"{m.group('bed')}{greatest} {m.group('unit')} in greatest dimension ({m.group('dims')} {m.group('unit')})"
    return _BED_DIMENSIONS.sub(one, text)


#: The closest margin after the margin status ("Margins negative for invasive and DCIS, closest 4 mm inferior").
_CLOSEST = re.compile(r"[,;]\s+(?P<word>closest|nearest)\b(?P<margin>\s+margins?\b)?", re.I)


#: A margin status dictated after the closest margin ("Margins: closest lateral 0.5 mm, negative.").
_STATUS_LAST = re.compile(r"^(?P<head>margins?)\s*[:\-\u2013]?\s*(?P<closest>(?:closest|nearest)\b[^,;]*\d[^,;]*?)\s*,\s*"
                          r"(?P<status>negative|clear|free|uninvolved|widely clear)\s*\.?$", re.I)


def _closest_apart(text: str) -> str:
    """"Margins negative for invasive carcinoma, closest 4 mm inferior." -> "Margins negative for invasive
    carcinoma. Closest margin 4 mm inferior.": the closest margin is a statement of its own (the status's
    negation does not reach its distance), as the synoptic element lists it."""
    last = _STATUS_LAST.match(text.strip())
    if last:  # the status first, then the closest margin on its own (the status's "negative" does not reach it)
        closest = last.group("closest")
        closest = re.sub(r"^(closest|nearest)\b(?!\s+margin)", r"\1 margin", closest, flags=re.I)
        return f"{last.group('head').capitalize()} {last.group('status').lower()}. {closest[:1].upper()}{closest[1:]}."
    return _CLOSEST.sub(lambda m: f". {m.group('word').capitalize()} margin{'s' if (m.group('margin') or '').strip().endswith('s') else ''}",
                        text, count=1)


#: A clause of a margin list that names its own margin ("..., inferior (DCIS) 1 mm", "..., others neg >2mm").
_NEXT_MARGIN = re.compile(r"\s*[,;]\s*(?![^()]*\))(?=(?:the\s+)?(?:superior|inferior|medial|lateral|anterior|posterior|deep|"
                          r"superficial|nipple|(?:all\s+)?others?|remaining|(?:the\s+)?rest|remainder)\b)", re.I)
#: A denial inside a clause that would reach the clauses after it ("anterior involved (skin not included)").
_DENIAL_CUE = re.compile(r"\b(?:no|not|without|negative for|free of|absence of|neither|nor)\b", re.I)


def _margins_apart(text: str) -> str:
    """A margin list whose clause holds a denial ("Margins: anterior involved (skin not included), others negative
    >2 mm"): each margin after that clause is a sentence of its own, so the denial stays with its margin."""
    parts = _NEXT_MARGIN.split(text.strip())
    if len(parts) < 2 or not any(_DENIAL_CUE.search(p) for p in parts[:-1]):
        return text
    out = [parts[0]]
    for prev, part in zip(parts, parts[1:]):
        if _DENIAL_CUE.search(prev):
            out[-1] = out[-1].rstrip(" .") + "."
            out.append(part[:1].upper() + part[1:])
        else:
            out[-1] += ", " + part
    return " ".join(out)


#: A denial word ("LVI not identified", "no ENE", "margins negative").
_DENIAL = re.compile(r"\b(?:no|not|without|negative|absent|free of|none)\b", re.I)
_LEADING_DENIAL = re.compile(r"^\s*(?:no|not|without|negative for|free of|absent)\b", re.I)
#: Comma and semicolon clauses of a statement (not inside brackets).
_CLAUSES = re.compile(r"\s*[;,]\s*(?![^()]*\))")


def _denial_in_other_clause(part: str, sentence: str) -> bool:
    """Whether every denial of ``sentence`` lies in a clause other than the one(s) ``part`` comes from, and cannot
    reach it: a later clause, or one whose denial follows its own element ("IDC 3.8 cm G3, LVI not identified":
    the type is not denied). A leading "no" before the part's clause ("No IDC, DCIS ...") may govern it: False."""
    clauses = [c.strip().lower() for c in _CLAUSES.split(sentence.strip().rstrip(".")) if c.strip()]
    body = part.strip().rstrip(".").lower()
    own = [i for i, c in enumerate(clauses) if body and (body in c or c in body)]
    denied = [i for i, c in enumerate(clauses) if _DENIAL.search(c)]
    if not own or not denied:
        return False
    return all(i not in own and (i > max(own) or not _LEADING_DENIAL.match(clauses[i])) for i in denied)


#: A value that names no element ("7 cm.", "~2.5 cm.", "approximately 2 cm.").
_BARE_VALUE = re.compile(r"^(?:~|\u2248|<|>|\u2264|\u2265|approx(?:imately|\.)?\s|about\s)?\s?\d", re.I)
#: A bare tumor size ("0.7 cm.", "1.8 cm in greatest dimension (1.8 x 1.2 cm).").
_BARE_SIZE = re.compile(r"^\d+(?:\.\d+)?\s?(?:mm|cm)\b[^A-Za-z]*(?:in greatest dimension\b[^A-Za-z]*)?$", re.I)


def _sizes_with_types(by_region: dict[str, list[Finding]]) -> None:
    """Two or more tumors, each dictated with its type and size ("1) IDC 2.5 cm, gr 3; 2) ILC 0.7 cm, gr 2"): each
    bare size names its tumor's type ("0.7 cm (invasive lobular carcinoma)."), so no size reads as a loose number.
    Only when every size is bare and there are as many types as sizes (in dictation order)."""
    sizes, types = by_region.get("size") or [], [f for f in by_region.get("histologic_type") or [] if not f.negated]
    if len(sizes) < 2 or len(types) != len(sizes) or not all(_BARE_SIZE.match(f.text.strip()) for f in sizes):
        return
    by_region["size"] = [f.model_copy(update={"text": f"{f.text.strip().rstrip('.')} ({_lower_first(t.text)})."})
                         for f, t in zip(sizes, types)]


#: A lesion that is the specimen's diagnosis when no tumour type is stated (round 11; the lexicon's
#: ``sorter.main_lesion``): it opens its statement, after at most three words naming its kind.
_MAIN_LESION = re.compile(r"^(?:[\w-]+\s+){0,3}?(?:" + alternation(LEXICON.data["sorter"]["main_lesion"]) + r")(?![\w])|"
                          r"^(?:[\w-]+\s+){0,2}?" + TYPE_BY_HEAD, re.I)


def _diagnosis_from_others(by_region: dict[str, list[Finding]]) -> None:
    """A specimen excised for a lesion that is no carcinoma ("Desmoid-type fibromatosis.", "Mammary myofibroblastoma.",
    "Granular cell tumour 9 mm."): when no statement of the histologic type states a tumour (none, or only a denial:
    "No carcinoma."), the first additional finding that opens with such a lesion is the diagnosis, the type."""
    types, others = by_region.get("histologic_type"), by_region.get("others") or []
    if types is None or any(not f.negated and not f.is_default for f in types):
        return
    elsewhere = {g.text for r, found in by_region.items() if r != "others" for g in found}
    for i, f in enumerate(others):
        # (a statement the sorter gave another element too names the specimen: "Excision of papilloma.")
        if not f.negated and not f.is_default and f.text not in elsewhere and _MAIN_LESION.match(f.text.strip()):
            text, size = _size_apart(f.text) if not any(not s.is_default for s in by_region.get("size") or []) \
                else (f.text, None)
            types.insert(0, f.model_copy(update={"region": "histologic_type", "text": text}))
            if size is not None and "size" in by_region:
                by_region["size"].insert(0, f.model_copy(update={"region": "size", "text": size, "abnormal": False}))
            del others[i]
            return


#: The lesion's size said in its first clauses ("Fibromatosis, 42 mm, infiltrative", "Papilloma 7 mm").
_LESION_SIZE = re.compile(r"^(?P<head>[^,;()]+?)(?:\s*,\s*|\s+)(?:measuring\s+)?(?P<size>(?:~|approx(?:imately|\.)?\s)?"
                          r"\d+(?:\.\d+)?(?:\s?(?:x|by)\s?\d+(?:\.\d+)?)*\s?(?:mm|cm))(?!\s*(?:from|to|away|apart)\b)"
                          r"(?P<rest>(?:\s*[,;].*)?)\.?$", re.I)


def _size_apart(text: str) -> tuple[str, str | None]:
    """"Fibromatosis, 42 mm, infiltrative." -> ("Fibromatosis, infiltrative.", "42 mm.")."""
    m = _LESION_SIZE.match(text.strip())
    if not m:
        return text, None
    rest = m.group("rest").strip()
    return m.group("head").strip() + (", " + rest.lstrip(",; ").rstrip(".") if rest else "") + ".", m.group("size") + "."


def _lower_first(text: str) -> str:
    text = text.strip().rstrip(".")
    return text if text[:2].isupper() else text[:1].lower() + text[1:]



#: A breast side in the clinical line ("27F, L breast lump"): the specimen's side when no finding names one.
_INDICATION_SIDE = re.compile(r"\b(left|right)\s+breast\b", re.I)


def _side_from_indication(statements: list[Statement]) -> list[Statement]:
    """"27F, L breast lump. Lumpectomy. Secretory carcinoma 1.7 cm.": the side the demographic line gives the breast
    is the laterality ("Left."), when no finding statement names a side of its own and that line names one side."""
    if any(laterality_of(s.text) for s in statements if s.kind != "indication"):
        return statements
    sides = {m.group(1).lower() for s in statements if s.kind == "indication" for m in _INDICATION_SIDE.finditer(s.text)}
    if len(sides) != 1:
        return statements
    return statements + [Statement(f"{next(iter(sides)).capitalize()}.", "finding")]

#: The elements a clinical line names without being a statement of the specimen ("L breast lump": a side, a place).
_CLINICAL_LINE_ELEMENTS = frozenset({"laterality", "site", "others"})


class SynopticDictationDrafter(KitDrafter):
    """Drafts every element of a synoptic template from the case's dictation (``case.notes``).

    The kit's :class:`~pixtralogist.kit.KitDrafter` with pathology's lexicon, reader and rules:
    what counts as abnormal, the laterality derived from the procedure, the final diagnosis lines.

    :param sorter: a :class:`~pixtralogist.core.protocols.RegionSorter` for the template.
    :param plugin_version: recorded in every provenance.
    :param plugin: the plugin name recorded in provenance.
    :param extra_terms: finding words added to the NLP vocabulary (default :data:`EXTRA_TERMS`).
    """

    # a part that drops a negation reverts to its sentence; a hedge prefix always lower-cases the first letter
    strict_negation = True
    hedge_keeps_initialisms = False
    hedged_part_must_be_abnormal = False
    place_bare_values = True  # "Multifocal." is the extent, "Left." the laterality

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, plugin: str = "pathology",
                 extra_terms: Iterable[str] = EXTRA_TERMS) -> None:
        super().__init__(sorter, LEXICON, plugin=plugin, plugin_version=plugin_version, extra_terms=extra_terms)

    def statements(self, case: Case) -> list[Statement]:
        """Pathology's reader, triaged by the kit (demographics to the indication, recommendations to the impression)."""
        return _side_from_indication(self.placed(triage(parse_dictation(case.notes), self.lexicon,
                                                        extractor=self.extractor, finding_terms=self.extra_terms,
                                                        placeable=self.placeable)))

    def placeable(self, text: str) -> bool:
        """The synoptic sorter's rules are the report's elements: a text one of them holds (the procedure) is
        split from the age and sex said beside it ("R mastectomy + SLNB, 47F."); a side or a place alone is the
        clinical line's ("27F, L breast lump." stays the indication, its side the specimen's when none is said)."""
        return self._has_rule_for(text) and bool(set(self.sorter.classify(text)) - _CLINICAL_LINE_ELEMENTS)

    def rows(self, statements, template):
        """Each statement split by the synoptic sorter (a size or grade comma part is its own element: "IDC with
        lobular features, 2.2 cm" is a type and a size), not kept whole as a finding with a qualifier tail."""
        findings = [s.text for s in statements if s.kind in ("finding", "summary")]
        return super(KitDrafter, self).rows(findings, template)

    def faithful(self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str,
                 template: Template) -> tuple[FindingAttributes, str]:
        """As the kit's, except that a part from a clause no denial of the sentence reaches keeps its own element
        ("IDC 3.8 cm G3, LVI not identified": the type, grade and size are not reverted to the whole sentence)."""
        if whole.negated and not part.negated and not (whole.uncertain and not part.uncertain) \
                and _denial_in_other_clause(text, sentence):
            return part, text
        return super().faithful(part, whole, text, sentence, template)

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """Specimen elements are never abnormal; a node count decides the lymph node element."""
        region = row.region
        abnormal = a.abnormal
        text = _bed_greatest_dimension(text)
        if region == "size":
            text = _greatest_dimension(text)
        elif region == "margins":
            text = _margins_apart(_closest_apart(text))
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
        _diagnosis_from_others(by_region)
        _sizes_with_types(by_region)
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
        self, statements: Sequence[Statement], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        flags = coverage_flags(template, dictated=bool(statements), defaults=defaults, messages=_MESSAGES)
        recommendations = [s.text for s in statements if s.kind == "recommendation"]
        return self.impression(findings, template) + recommendations, flags

    @staticmethod
    def _derive_laterality(by_region: dict[str, list[Finding]]) -> tuple[str, str] | None:
        """The one side named by the procedure and site statements (None if none or conflicting); of bilateral
        specimens, the side with the carcinoma, else "bilateral"."""
        sides: dict[str, str] = {}
        for region in ("procedure", "site"):
            for f in by_region.get(region, []):
                side = laterality_of(f.text)
                if side:
                    sides.setdefault(side, region)
        if not sides:  # "IDC R breast 1.6 cm", "IDC 3.0 cm G2 R": the side named in another element
            for region, found in by_region.items():
                for f in found:
                    side = laterality_of(f.text) if region in _TUMOR_ELEMENTS else None
                    for m in _BREAST_SIDE.finditer(f.text):
                        side = m.group(1).lower()
                    if side:
                        sides.setdefault(side, region)
        if "bilateral" in sides:  # bilateral mastectomies: the synoptic reports the side with the tumour
            # "L: no residual carcinoma. R: IDC 1.2 cm": a side whose carcinoma is denied has no tumour
            tumour = {laterality_of(f.text) for r in _TUMOR_ELEMENTS for f in by_region.get(r, []) if not f.negated} - {None}
            if len(tumour) == 1 and tumour <= {"left", "right"}:
                return next(iter(tumour)), next(r for r in _TUMOR_ELEMENTS for f in by_region.get(r, [])
                                                if laterality_of(f.text) in tumour and not f.negated)
            return "bilateral", sides["bilateral"]  # no one tumour side: the specimens are bilateral
        if len(sides) == 1:
            return next(iter(sides.items()))
        return None

    def impression(self, findings: list[Finding], template: Template) -> list[str]:
        """Final-diagnosis lines: the dictated statements of the diagnostic elements, in order."""
        dictated = [f for f in findings if not f.is_default]
        items: list[str] = []
        if "histologic_type" in template.region_names and not any(f.region == "histologic_type" and not f.negated
                                                                  for f in dictated):
            # no invasive type (or "No invasive carcinoma."): an in situ carcinoma dictated elsewhere ("DCIS, high
            # grade, 18 mm") is the diagnosis
            in_situ = [f.text.strip() for f in dictated if f.region not in ("margins", "lymph_nodes", "stage")
                       and _IN_SITU.search(f.text) and not f.negated and not _MARGIN.search(f.text)]
            items = (in_situ or [f.text.strip() for f in dictated if f.region not in ("margins", "lymph_nodes")
                                 and _NO_RESIDUAL.search(f.text)])[:1]
            response = LEXICON.dictation.get("impression_also")
            if not items and not (response and any(re.search(str(response), f.text, re.I) for f in dictated)) \
                    and not any(_DIAGNOSIS_ELSEWHERE.search(f.text) and not f.negated for f in dictated):
                return [template.impression.normal]
        # a diagnosis another element holds ("Paget disease of the nipple.", in extent) follows the in situ line
        items += [f.text.strip() for f in dictated if f.region not in IMPRESSION_REGIONS and not f.negated
                  and _DIAGNOSIS_ELSEWHERE.search(f.text) and f.text.strip() not in items]
        for region in [r for r in IMPRESSION_REGIONS if r in template.region_names] or template.region_names:
            for f in dictated:
                if f.region != region:
                    continue
                item = f.text.strip()
                if _BARE_VALUE.match(item):  # "7 cm." -> "Tumor size: 7 cm." (a bare value names its element; "~2 cm." too)
                    item = f"{template.region(region).label}: {item[:1].lower()}{item[1:]}"
                if f.uncertain and not self.hedge_re.search(item):
                    item = f"{template.impression.uncertain_prefix} {item[:1].lower()}{item[1:]}"
                if item not in items:
                    items.append(item)
        response = LEXICON.dictation.get("impression_also")  # "Pathologic complete response." is a diagnosis line
        if response:
            items += [f.text.strip() for f in dictated if f.region not in IMPRESSION_REGIONS
                      and re.search(str(response), f.text, re.I) and f.text.strip() not in items]
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
