"""Synoptic region sorter: which CAP element(s) a pathology sentence talks about.

Regions (the ``breast-resection`` template): ``procedure``, ``site``,
``laterality``, ``histologic_type``, ``grade``, ``size``, ``extent``,
``margins``, ``lymph_nodes``, ``lvi``, ``stage``, ``others``.

Method (rules only, deterministic, no model): the vocabulary in
``data/lexicon/breast-resection.yaml`` (``data.sorter``).

1. A synoptic label at the start ("Margins: ...", "pTNM - ...") decides.
2. A sentence that is only a side ("Left.", "Laterality: right") is laterality.
3. Otherwise every STRONG word votes for its element. A match inside a longer
   match of another element does not count ("sentinel lymph node biopsy" is a
   procedure, not a node count); node words with no count or status in a
   procedure sentence are part of the procedure; in-situ disease (DCIS) is an
   additional finding unless the sentence is about margins, extent, nodes or
   size, and its nuclear grade is not the Nottingham grade.
4. With no strong word, WEAK words vote (histologic type, tumor size, side;
   the side only when nothing else fired).
5. Nothing at all: ``others``.

:meth:`SynopticSorter.sort` rewrites a sentence that covers several elements
clause by clause ("IDC NST, grade 2, 2.1 cm" -> type / grade / size); a
clause with no element word stays with the clause before it, and a tumor size
inside another clause ("2.1 cm invasive ductal carcinoma") is moved to
``size``. Negations and hedges are never split from their clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pixtralogist.core.text import clean_text, split_sentences
from pixtralogist.kit.lexicon import alternation
from pixtralogist.plugins.pathology.lexicon import LEXICON, SORTER, rules

__all__ = ["REGIONS", "TYPE_BY_HEAD", "Classification", "SynopticSorter", "classify"]

REGIONS: tuple[str, ...] = LEXICON.regions
_OTHERS = frozenset({"others"})


def _word(p: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9])(?:{p})(?![a-z0-9])")


#: A synoptic label: its words, a bracketed qualifier of the label ("Margins (invasive):"), then a colon or a dash
#: before a space ("Nipple - uninvolved"; not "nipple-sparing").
_LABEL_NOTE = r"(?:\s*\([^()]{1,40}\))?"
_LABELS = tuple((region, re.compile(rf"^\s*(?:{p}){_LABEL_NOTE}\s*(?::|[\-\u2013](?=\s))\s*\S"))
                for region, p in rules("labels"))
#: Where the tumour lies relative to an earlier operation ("adjacent to the prior lumpectomy scar"): the site.
_SITE_RELATION = alternation(SORTER["site_relation"])
#: A stage said inside prose ("(stage IA, T1 N0 M0)", "AJCC prognostic stage IIB"): the lexicon's ``sorter.stage_said``.
_STAGE_SAID = alternation(SORTER["stage_said"])
_STRONG = tuple((region, _word(p)) for region, p in rules("strong")) + (("site", _word(_SITE_RELATION)),
                                                                        ("stage", _word(_STAGE_SAID)),
                                                                        ("site", _word(alternation(SORTER["site_names"]))))
#: A histologic type recognised by its head (round 11): a generic tumour noun with a word naming its kind before it
#: ("glorbic tumour", "myofibroblastic tumor", "spindle cell neoplasm"; not "residual tumour", "the tumour", "no
#: tumour", "2 cm tumour"): the lexicon's ``sorter.type_heads`` and the words that name no kind
#: (``type_head_not_after`` and the tumour-size words).
_NO_KIND = rf"(?:{alternation(SORTER['type_head_not_after'])}|{' '.join(str(SORTER['size_words']).split())})"
TYPE_BY_HEAD = (rf"(?!{_NO_KIND}\s)[a-z][a-z-]*[a-z]\s+(?:{alternation(SORTER['type_heads'])})"
                 rf"(?!\s+(?:{alternation(SORTER['type_head_not_before'])})\b)")
#: A type named by its head noun ("... consistent with glorbic sarcoma" after "Sheets of atypical spindle cells"): the
#: tumour, not more of the additional finding before it (a type word alone, "cribriform" after DCIS, is the DCIS's).
_TYPE_NAME_END = rf"[a-z]*(?:{alternation(SORTER['type_name_ends'])})"
_TYPE_HEAD_WORD = _word(_TYPE_NAME_END + "|" + TYPE_BY_HEAD)
_WEAK = tuple((region, _word(p)) for region, p in rules("weak")) + (("histologic_type", _TYPE_HEAD_WORD),)
_SIDE_ONLY = re.compile(SORTER["side_only"])
_NODE_STATUS = re.compile(SORTER["node_status"])
_MARGIN_STATUS = re.compile(SORTER["margin_status"])
_CONTINUING = frozenset(SORTER["continuing"])
_MEASURE = _word(SORTER["measure"])
#: The words a tumour-size statement may hold beside its size (anything else named makes it another finding's).
_SIZE_WORD = re.compile(rf"^(?:{' '.join(str(SORTER['size_words']).split())})$")
_REEXCISION = _word(SORTER["reexcision"])
_ADDITIONAL_MARGIN = _word(SORTER["additional_margin"])
_IN_SITU = _word(SORTER["in_situ"])
_INVASIVE = _word(SORTER["invasive"])
_SIZE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:\s?(?:x|by)\s?\d+(?:\.\d+)?)*\s?(?:mm|cm)\b")
#: Clause ends: commas and semicolons (not inside "(tubules 3, pleomorphism 2; total 7)"), and a "+" joining two
#: named things ("ILC 1.1 cm + LCIS"; not "3 + 2 + 1").
_CLAUSE_SPLIT = re.compile(r"\s*[;,]\s*(?![^()]*\))|(?<=[a-z)])\s+\+\s+(?=[a-z])"
                           r"|(?<=\w)\s+(?=with (?:adjacent|associated|background|surrounding|(?:an? )?extensive intraductal) )"
                           # the lexicon's ``sorter.with_clause``: "IDC 4.5 cm with dermal lymphatic tumour emboli"
                           r"|(?<=\w)\s+(?=(?:with|w/) (?:" + alternation(SORTER["with_clause"]) + r")\b)", re.I)
#: ("ILC 2 cm with adjacent ALH": the tumor, then what lies beside it.)
_MICROINVASION = re.compile(r"\bmicro-?invasi\w*", re.I)
_WITH_LEAD = re.compile(r"^\s*(?:with|w/)\s+(?=(?:" + alternation(SORTER["with_clause"]) + r")\b)", re.I)
_NODES = frozenset({"lymph_nodes"})
_EXTENT = frozenset({"extent"})
#: Focality ("multifocal", "3 foci"): a "largest 2.6 cm" after it is the size of the largest focus, the tumor size.
_FOCALITY = re.compile(r"\b(?:multifocal\w*|multicentric\w*|foci|focality)\b")
#: A clause that counts some of the nodes the clause before it counted ("2 with treatment effect", "1 of which ...").
_SOME_OF_THEM = re.compile(r"^(?:\d{1,2}|one|two|three|four|five|all|none|both)\s+(?:of (?:them|these|which)\s+)?"
                           r"(?:with|show|shows|showing|had|has|have|having|contain|contains|containing|are|is|were)\b"
                           # "2/11 LNs with met ca, largest 4 mm, with treatment effect": the nodes' treatment effect
                           r"|^(?:with|showing)\s+(?:\w+\s+){0,2}(?:treatment effect|(?:therapy|treatment)[- ]related|regression)\b",
                           re.I)
#: A clause that only measures what the clause before it named ("2 of 5 nodes with metastases, largest 3 mm").
_MEASURES_PREVIOUS = re.compile(r"^(?:the )?(?:largest|biggest|measuring|measures|up to|spanning|greatest)\b", re.I)
#: pTNM categories with their prefixes (y: after neoadjuvant therapy, r: recurrence) and suffixes ("pT1mi",
#: "pN0(i+)(sn)", "pT2(m)").
_STAGE_TOKENS = re.compile(r"\(?(?<![a-z0-9])(?:(?:r?y?p|c)[tnm](?:is|x|[0-4])[a-d]?(?:mi)?(?:\((?:i|mol|sn|m|f)[+-]?\))*"
                           r"(?:\s?\((?:dcis|paget)\))?\s*)+\)?", re.I)  # "pTis (DCIS)", "pTis (Paget)"
#: Parts of a clause that can be moved to their own element: tumor size, stage categories.
_GRADE_TOKENS = re.compile(r"(?<![\w])(?:nottingham |histologic |overall )?grade [1-3](?:\s*\([^)]*\))?", re.I)
_TYPE_HEAD = re.compile(r"^.*?\b(?:carcinoma(?:,? no special type)?|adenocarcinoma)\b", re.I)
#: Parts of a clause that can be moved to their own element: stage categories, tumor size, grade, and
#: the histologic type the clause opens with.
#: A tumor size, not a distance ("2 cm from the nipple", "1 mm to the margin").
_TUMOR_SIZE = re.compile(r"(?<!separated by )(?<!separated by a )" + _SIZE.pattern
                         + r"(?!\s*(?:from|to|away|apart|beyond|deep|below|above|(?:residual )?tumou?r bed)\b)")
#: Where in the breast: a quadrant, a clock position, a distance from the nipple ("lumpectomy L UIQ 2 o'clock").
_SITE_TOKENS = re.compile(
    r"(?<![\w])(?:(?:upper|lower) (?:outer|inner) quadrant|(?:sub|retro|peri)areolar"
    r"|(?:1[0-2]|0?[1-9])(?::[0-5][05])?(?:\s?(?:-|to)\s?(?:1[0-2]|0?[1-9]))?\s?o['\u2019]?\s?clock(?: position)?"
    r"|(?:1[0-2]|0?[1-9]):[0-5][05]|\d+(?:\.\d+)?\s?cm from (?:the )?nipple|" + _SITE_RELATION
    + r"|" + alternation(SORTER["site_names"]) + r")(?![\w])", re.I)
#: A site with the preposition that ties it to the tumour ("1.2 cm at 12:00", "IDC in the UOQ"): what an extraction removes.
_SITE_WITH_PREP = re.compile(r"(?:(?<![\w])(?:at|in|@)\s+(?:the\s+)?)?(?:" + _SITE_TOKENS.pattern + r")(?:\s*(?:,|and|&|/)\s*(?:the\s+)?(?:"
                             + _SITE_TOKENS.pattern + "))*", re.I)
#: A size inside brackets ("multifocal (2 foci, 2nd 0.8 cm)"): a focus's size, not the tumour's.
_BRACKETED = re.compile(r"\([^()]*\)")
#: A focus other than the largest ("2nd 0.8 cm", "second focus", "smaller", "satellite").
_OTHER_FOCUS = re.compile(r"\b(?:2nd|second|3rd|third|other|another|smaller|satellite|additional)\b", re.I)
#: A specimen and what it shows ("mastectomy specimen with DCIS", "excision showing IDC").
_PROCEDURE_WITH = re.compile(r"^(?P<proc>.+?)\s+(?:with|showing|containing|demonstrating)\s+(?P<rest>\S.*)$", re.I)
#: A tumor size with the verb before it ("carcinoma measuring 2.8 cm"): the verb goes with the size.
#: An approximate or bounded value ("~1.5 cm", "approximately 2 cm", "<1 mm"): the qualifier stays with its value.
_APPROX = r"(?:(?:~|\u2248|<=?|>=?|\u2264|\u2265|(?<![\w.])(?:approx(?:imately|\.)?|about|circa|c\.))\s?)?"
#: A tumour size with its approximation ("~2.5 cm"): what an extraction moves to the size element.
_TUMOR_SIZE_APPROX = re.compile(_APPROX + _TUMOR_SIZE.pattern)
_SIZE_VERB = re.compile(r"(?:\b(?:measuring|measures|measured|sized|largest|up to|spanning)\s+)?" + _TUMOR_SIZE_APPROX.pattern)
#: What an extraction leaves at the end ("There is an invasive lobular carcinoma in the [upper outer quadrant]").
_DANGLING = re.compile(r"\s+(?:in|at|of|on|within|from)(?:\s+the)?\s*$"
                       r"|\s+(?:lies|lying|sits|is|are)(?:\s+(?:located|situated))?\s*$", re.I)  # "The carcinoma [lies] ..."
#: "a" before a vowel once a size between them is gone ("a [4.2 cm] invasive carcinoma").
_ARTICLE = re.compile(r"\b([Aa])(?=\s+[aeiou])")
#: What an extraction leaves of a bracket ("(3 foci, )" -> "(3 foci)", "( )" -> "").
_EMPTY_BRACKET = (re.compile(r"\(\s*[,;]?\s*\)"), re.compile(r"\s*[,;]?\s+\)|\s*[,;]\s*\)"))
#: The stage parts of a clause: pTNM categories and a stage said in prose.
_STAGE_PARTS = re.compile(_STAGE_TOKENS.pattern + r"|(?<![a-z0-9])(?:" + _STAGE_SAID + r")(?![a-z0-9])", re.I)
#: A word of a statement that is not about staging ("with no infiltration (stage IA)"; not "Final stage (pT2)").
_NOT_STAGE_WORD = re.compile(r"\b(?!(?:stag\w*|final|summary|pathologic\w*|ajcc|tnm|anatomic\w*|prognostic|group|is|was|the|of|"
                             r"overall|clinical|category|categories)\b)[a-z]{3,}\b")
#: A bracket that ends a statement and says only its stage ("(stage IA, T1 N0 M0)", "(pT1a)").
_STAGE_BRACKET = re.compile(r"\((?:\s*(?:" + _STAGE_PARTS.pattern + r")\s*[,;]?)+\)\W*$", re.I)
_EXTRACT = (("site", _SITE_TOKENS), ("stage", _STAGE_PARTS), ("size", _TUMOR_SIZE_APPROX), ("grade", _GRADE_TOKENS), ("histologic_type", _TYPE_HEAD))
#: Strong elements a clause may name beside the tumor's type and size ("IDC 1.9 cm G3 L lumpectomy",
#: "IDC 2.9 cm R breast LOQ").
_CARRIES_TUMOR = frozenset({"grade", "procedure", "stage", "site", "extent"})
_STAGE_START = re.compile(r"^(?:r?y?p|a?c|r?yc)[TNM]")
#: Elements that name the specimen: a carcinoma in the clause after them is the tumor, not more specimen.
_SPECIMEN = frozenset({"procedure", "site"})
#: A margin clause with no subject of its own ("..., extending to lateral margin") and the lesions one may be about
#: (the lexicon's ``sorter.margin_predicate`` / ``margin_subject``): the clause takes the last lesion named before it.
_MARGIN_PREDICATE = re.compile(SORTER["margin_predicate"], re.I)
_MARGIN_SUBJECT = _word(SORTER["margin_subject"])
#: A part of a two-sided dictation labelled by its side ("Right: benign, fibrocystic change").
_SIDE_LABEL = re.compile(r"^(?:left|right)\s*:\s*(?=\S)")


@dataclass(frozen=True)
class Classification:
    """Why a sentence got its regions: ``source`` is 'label', 'side', 'strong', 'weak' or 'default'."""

    regions: frozenset[str]
    source: str
    evidence: tuple[tuple[str, str], ...] = ()


def _hits(patterns, text: str) -> list[tuple[str, int, int, str]]:
    out = []
    for region, rx in patterns:
        out += [(region, m.start(), m.end(), m.group()) for m in rx.finditer(text)]
    return out


def _drop_contained(hits: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """A match strictly inside a longer match of another region does not count."""
    keep = []
    for h in hits:
        inside = any(o[0] != h[0] and o[1] <= h[1] and h[2] <= o[2] and (o[2] - o[1]) > (h[2] - h[1]) for o in hits)
        if not inside:
            keep.append(h)
    return keep


def _strong(text: str) -> tuple[set[str], list[tuple[str, int, int, str]]]:
    hits = _drop_contained(_hits(_STRONG, text) + _additional_margin_hits(text))
    regions = {h[0] for h in hits}
    if "procedure" in regions and "lymph_nodes" in regions and not _NODE_STATUS.search(text):
        regions.discard("lymph_nodes")
    if "procedure" in regions and "margins" in regions and _REEXCISION.search(text) and not _MARGIN_STATUS.search(text):
        regions.discard("margins")  # "re-excision of the superior margin"
    if {"lymph_nodes", "others"} <= regions and all(h[3] == "treatment effect" for h in hits if h[0] == "others"):
        regions.discard("others")  # "SLN 1/3 micromet w/ treatment effect": the nodes' treatment effect
    _in_situ_rules(text, regions)
    return regions, hits


def _additional_margin_hits(text: str) -> list[tuple[str, int, int, str]]:
    """A separately submitted margin specimen ("Additional superior margin, left breast") is a procedure; with a
    status of its own ("New posterior margin clear", "additional inferior margin 2 mm") it is a margin statement."""
    found = list(_ADDITIONAL_MARGIN.finditer(text)) if "margin" in text else []
    if not found:
        return []
    region = "margins" if _MARGIN_STATUS.search(_ADDITIONAL_MARGIN.sub(" ", text)) else "procedure"
    return [(region, m.start(), m.end(), m.group()) for m in found]


def _in_situ_rules(text: str, regions: set[str]) -> None:
    in_situ = bool(_IN_SITU.search(text))
    if in_situ and not _INVASIVE.search(text):
        regions.discard("grade")  # DCIS nuclear grade is not the Nottingham grade
        regions.discard("histologic_type")
        if not regions:
            regions.add("others")
    if in_situ and regions & {"margins", "extent", "lymph_nodes", "size"}:
        regions.discard("others")  # "margins negative for invasive carcinoma and DCIS"


@lru_cache(maxsize=4096)
def classify(sentence: str) -> Classification:
    """The element(s) one sentence talks about (never empty)."""
    text = " ".join(sentence.lower().split())
    text = _SIDE_LABEL.sub("", text) or text  # "Right: benign" is about what the right side shows, not the laterality
    for region, rx in _LABELS:
        if rx.search(text):
            if region == "others" and _IN_SITU.match(text) and "margins" in _strong(text.split(":", 1)[-1])[0]:
                region = "margins"  # "DCIS: negative, closest superior 1 mm" (after "Margins: invasive ..."): a margin
            return Classification(frozenset({region}), "label", ((region, text.split(":")[0]),))
    if _SIDE_ONLY.search(text):
        return Classification(frozenset({"laterality"}), "side", (("laterality", text),))
    regions, hits = _strong(text)
    regions -= _counted_nodes_words(text)
    bracket = _STAGE_BRACKET.search(text) if regions == {"stage"} else None
    if bracket and not _STAGE_PARTS.search(text[:bracket.start()]) and _NOT_STAGE_WORD.search(text[:bracket.start()]):
        # "the disease is confined to ... (stage IA, T1 N0 M0)": a statement of its own with its stage in a bracket
        # after it: its own element too (or others), the stage moved out of it
        regions |= classify(text[:bracket.start()]).regions
    if regions:
        ev = tuple((h[0], h[3]) for h in hits if h[0] in regions)
        clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
        if len(clauses) > 1 or regions <= _CARRIES_TUMOR:  # "IDC NST, grade 2, 2.1 cm": weak clauses count too
            previous: set[str] = set()
            for clause in clauses:
                strong = _strong(clause)[0]
                if strong and strong <= _CARRIES_TUMOR:  # "IDC 1.9 cm G3 L breast lumpectomy"
                    extra = _weak_regions(clause) - {"laterality"}
                    if strong == _EXTENT and _FOCALITY.search(clause) and not _SIZE.search(_BRACKETED.sub(" ", clause)) \
                            and _OTHER_FOCUS.search(clause):
                        extra.discard("size")  # "multifocal (2 foci, 2nd 0.8 cm)": the other focus's size stays with it
                    regions |= extra
                    ev += tuple((r, clause) for r in sorted(extra))
                if strong:
                    previous = strong
                    continue
                if previous and previous <= _CONTINUING and not (
                        "histologic_type" in _weak_regions(clause)
                        and (previous <= _SPECIMEN or (previous == _OTHERS and (_INVASIVE.search(clause)
                                                                               or _TYPE_HEAD_WORD.search(clause))))):
                    continue  # "closest margin superior, 1 mm": the same element goes on (not a tumor after the specimen)
                weak = _weak_regions(clause)
                regions |= weak
                ev += tuple((r, clause) for r in sorted(weak))
            _in_situ_rules(text, regions)
            if len(clauses) > 1 and any(_IN_SITU.search(c) and _strong(c)[0] == _OTHERS for c in clauses):
                regions.add("others")  # "DCIS int grade 1.2 cm, margins neg": the DCIS has a clause of its own
        return Classification(frozenset(regions), "strong", ev)
    weak = _hits(_WEAK, text)
    regions = {h[0] for h in weak}
    if len(regions) > 1:
        regions.discard("laterality")
    if regions == {"histologic_type", "size"} and _MEASURE.search(text):
        regions = {"size"}  # "the invasive carcinoma measures 18 mm"
    if regions == {"size"} and _names_other_than_tumour(text):
        # "Perineural invasion, 2 mm", "Metastasis, 4 mm": a size of another finding (an additional finding alone;
        # a clause of a longer statement stays with the element before it: "margins neg, others >10 mm")
        return Classification(_OTHERS, "default")
    if regions:
        return Classification(frozenset(regions), "weak", tuple((h[0], h[3]) for h in weak if h[0] in regions))
    return Classification(_OTHERS, "default")


def _names_other_than_tumour(text: str) -> bool:
    """Whether a size-only statement names something other than the tumour ("perineural invasion, 2 mm"; not
    "tumour ~4 cm", "largest focus 1.6 cm"): a word outside the lexicon's ``sorter.size_words``."""
    words = re.findall(r"[a-z]+", _TUMOR_SIZE_APPROX.sub(" ", text))
    return any(not _SIZE_WORD.match(w) for w in words)


def _counted_nodes_words(text: str) -> set[str]:
    """Elements named only inside a clause that counts some of the nodes the clause before it counted
    ("0/14 LNs, 2 with treatment effect": the treatment effect is the nodes', not an additional finding)."""
    prev: set[str] = set()
    dropped: set[str] = set()
    kept: set[str] = set()
    for clause in (c.strip() for c in _CLAUSE_SPLIT.split(text) if c.strip()):
        strong = _strong(clause)[0]
        if prev == _NODES and _SOME_OF_THEM.match(clause):
            dropped |= strong - _NODES
            strong = set(_NODES)
        else:
            kept |= strong
        prev = strong or prev
    return dropped - kept


def _weak_regions(text: str) -> set[str]:
    regions = {h[0] for h in _hits(_WEAK, text)}
    if len(regions) > 1:
        regions.discard("laterality")
    return regions - {"laterality"} if regions == {"laterality"} and len(text.split()) > 3 else regions


def _clause_regions(clause: str) -> frozenset[str] | None:
    """Regions of a clause, or None when it names no element (it then stays with its neighbour)."""
    c = classify(clause)
    return None if c.source == "default" else c.regions


def _balanced(text: str) -> str:
    """A stage match without the brackets around it that it does not close ("(pT2 pN0(sn))" -> "pT2 pN0(sn)";
    "pN0(sn)" keeps its own)."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _nests(text[1:-1]):
        text = text[1:-1].strip()  # "(pN1a)"
    while text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].strip()
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].strip()
    return text


def _nests(text: str) -> bool:
    """Whether every bracket of ``text`` closes in order."""
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _cap(text: str) -> str:
    text = text.strip(" ,;")
    if not text or _STAGE_START.match(text):
        return text  # "pT2", not "PT2"
    return text[:1].upper() + text[1:]


def _end(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


_CLOCK_TIME = re.compile(r"(1[0-2]|0?[1-9]):([0-5][05])")


def _clock_face(site: str) -> str:
    """A clock position written as a time ("12:00", "7:30") -> "12 o'clock", "7:30 o'clock" (a site part moved out of
    its clause stands alone: "12:00." reads as a bare number)."""
    m = _CLOCK_TIME.fullmatch(site.strip())
    if not m:
        return site
    return f"{int(m.group(1))} o'clock" if m.group(2) == "00" else f"{int(m.group(1))}:{m.group(2)} o'clock"


def _with_subject(subject: str, clause: str) -> str:
    """"Extending to lateral margin" after "Pleomorphic LCIS ..." -> "Pleomorphic LCIS extending to lateral margin"."""
    clause = clause.strip()
    if not re.match(r"[A-Z]{2}", clause):
        clause = clause[:1].lower() + clause[1:]
    return f"{subject} {clause}"


class SynopticSorter:
    """Implements :class:`~pixtralogist.core.protocols.RegionSorter` for the synoptic templates."""

    def __init__(self, regions: tuple[str, ...] = REGIONS) -> None:
        self.regions = tuple(regions)
        self._fallback = "others" if "others" in self.regions else self.regions[-1]

    def explain(self, sentence: str) -> Classification:
        return classify(clean_text(sentence))

    def classify(self, sentence: str) -> frozenset[str]:
        found = classify(clean_text(sentence)).regions
        mapped = frozenset(r if r in self.regions else self._fallback for r in found)
        return mapped or frozenset({self._fallback})

    def rewrite(self, sentence: str) -> dict[str, str]:
        """``{region: part}`` for one sentence (one entry when it covers one element)."""
        sentence = clean_text(sentence)
        regions = self.classify(sentence)
        if len(regions) == 1:
            return {next(iter(regions)): _end(_cap(sentence))}
        parts: dict[str, list[str]] = {}
        clauses = [c for c in _CLAUSE_SPLIT.split(sentence.rstrip(".")) if c.strip()]
        labelled: list[tuple[frozenset[str] | None, str]] = [(_clause_regions(c), c) for c in clauses]
        # a clause that names no element stays with the previous one (or the next, at the start)
        last: frozenset[str] | None = next((r for r, _ in labelled if r), None)
        in_situ = False  # the last clause that named an element was about in situ disease (DCIS)
        previous_clause = ""
        subject = ""  # the last lesion a clause named (what a subjectless margin clause after it is about)
        for regs, clause in labelled:
            if regs == frozenset({"margins"}) and subject and _MARGIN_PREDICATE.match(clause.strip()) \
                    and not _MARGIN_SUBJECT.search(clause.lower()):
                clause = _with_subject(subject, clause)
            named = list(_MARGIN_SUBJECT.finditer(clause.lower()))
            subject = clause[named[-1].start():named[-1].end()] if named else subject
            if last and last <= _CONTINUING and _MEASURES_PREVIOUS.match(clause) and classify(clause).source == "weak" \
                    and not (last == _EXTENT and previous_clause and _FOCALITY.search(previous_clause.lower())):
                regs = last  # "..., largest 3 mm" measures the nodes (or deposit, margin) before it, not the tumor
            elif last == _NODES and _SOME_OF_THEM.match(clause):
                regs = last  # "0/14 LNs, 2 with treatment effect": some of the nodes just counted
            if (in_situ and regs and regs <= {"size", "histologic_type", "grade"} and "others" in self.regions
                    and classify(clause).source == "weak" and not _INVASIVE.search(clause.lower())):
                # "DCIS, cribriform, 6.5 cm extent": the DCIS's, not the invasive tumor's (with the DCIS where it went:
                # "Paget disease of the nipple with underlying DCIS, 3.5 cm")
                regs = frozenset({"others"}) if "others" in parts or not last else last
            if regs:
                in_situ = bool(_IN_SITU.search(clause.lower())) or (in_situ and not regs - {"others"})
            regs = regs or last
            split = _PROCEDURE_WITH.match(clause) if regs and "procedure" in regs and len(regs) > 1 else None
            if split and _clause_regions(split.group("proc")) == frozenset({"procedure"}) and \
                    "procedure" not in (_clause_regions(split.group("rest")) or {"procedure"}):
                # "mastectomy specimen with DCIS": the specimen is the procedure, what it shows its own element(s)
                parts.setdefault("procedure", []).append(split.group("proc"))
                clause = split.group("rest")
                regs = _clause_regions(clause) or regs - {"procedure"}
            last = regs
            regs = frozenset(r if r in self.regions else self._fallback for r in regs or {self._fallback})
            for region, rx in _EXTRACT:
                if len(regs) < 2 or region not in regs:
                    continue
                found = [_balanced(m.group()) if region == "stage" else m.group().strip() for m in rx.finditer(clause)]
                rest = {"size": _SIZE_VERB, "site": _SITE_WITH_PREP}.get(region, rx).sub(" ", clause)
                rest = " ".join(_EMPTY_BRACKET[1].sub(")", _EMPTY_BRACKET[0].sub(" ", rest)).split()).strip(" ,;")
                rest = re.sub(r"\(\s+", "(", rest)  # "(Lugano stage IE pending scans)" -> "(pending scans)"
                rest = _DANGLING.sub("", _ARTICLE.sub(lambda a: a.group(1) + "n", rest))  # "a 4 cm invasive ... in the UOQ"
                if region == "stage" and not found and regs - {"stage"}:
                    regs = regs - {"stage"}  # a clause of the sentence that does not say its stage: its other element's
                    continue
                if found and rest and (_clause_regions(rest) or (region == "stage" and regs - {"stage"})) \
                        and not re.fullmatch(r"\([^()]*\)", rest):
                    # (a bracket left alone qualifies what it followed: "multifocal IDC (2 foci)" stays whole)
                    # two sites ("UOQ", "LIQ" of a multicentric tumour) are a list; stage categories read as one
                    if region == "site":
                        found = [_clock_face(f) for f in found]  # "12:00" alone is "12 o'clock", as a report writes it
                    elif region == "size" and _MICROINVASION.search(clause):
                        found = ["Microinvasive focus"] + found  # the size of the microinvasion (pT1mi), said as such
                    parts.setdefault(region, []).append((" and " if region == "site" else " ").join(found))
                    regs = regs - {region}
                    clause = rest
            previous_clause = clause
            last = regs  # what the extractions left: a clause naming no element after "ILC 1.6 cm" is the type's
            for r in regs:
                # "with dermal tumour emboli" cut from its tumour opens its element's statement without the "with"
                parts.setdefault(r, []).append(clause if parts.get(r) else _WITH_LEAD.sub("", clause))
        return {r: _end(_cap(", ".join(parts[r]))) for r in self.regions if r in parts}

    def sort(self, text: str) -> dict[str, str]:
        out: dict[str, list[str]] = {r: [] for r in self.regions}
        for line in clean_text(text).split("\n"):
            for sentence in split_sentences(line):
                for region, part in self.rewrite(sentence).items():
                    if part:
                        out[region].append(part)
        return {r: " ".join(v) for r, v in out.items()}
