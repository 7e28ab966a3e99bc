"""Turn a pathologist's synoptic dictation or shorthand into full report sentences.

>>> parse_dictation("IDC NST, G2; LN 1/3 pos, no ENE\\nLVI neg")
['Invasive ductal carcinoma, no special type, grade 2.', 'Lymph nodes 1 of 3 positive, no extranodal extension.', 'Lymphovascular invasion negative.']

What it does, in order:

1. Clean the text (NFC, no control characters), drop bullet/list markers.
2. Split into statements on newlines, semicolons outside parentheses (not inside a
   statement that opens with a synoptic label: "Margins: sup 2mm; ant 4mm") and
   sentence periods (not decimals, not "vs."). Commas do NOT split: a comma
   list usually belongs to one element ("LN 1/3 pos, macromet, no ENE"); the
   region sorter splits a statement that covers several elements.
3. Expand shorthand with the lexicon's ``abbreviations``
   (``data/lexicon/breast-resection.yaml``, on the kit's base shorthand) and
   these context rules: L/R/Lt/Rt only as laterality before a word, not after
   a number; "G2" is a grade; "LVI+", "+ ENE" are "present", "PNI-" "negative"; "1/3" next to lymph-node words is "1 of 3" ("0
   of 3 sentinel lymph nodes" plural); "LN" before "biopsy"/"dissection" is
   singular; "post" before ")" or "margin" is posterior; "?" before a word is
   "possible"; Nottingham component scores without a total get their sum
   ("2+3+2" -> "2+3+2=7", "tubules 3, nuclei 2, mitoses 1" -> "..., score 6"); "Breast, L, excision" is "Left breast, excision";
   a part labelled by its side ("R: benign. L: IDC") is "Right: benign. Left: IDC"; a diagnosis header
   ("Diagnosis:", "Final dx:") is dropped (what follows names its own elements); a one-letter typo of a long
   finding word is corrected ("lobualr carcinomma" -> "lobular carcinoma"; the kit's ``dictation.spelling``);
   a node procedure with its count ("ALND 3/15", also with a side and a number taken: "SLNB R x3: 1/3") is the
   procedure and a lymph node statement ("3 of 15 axillary lymph nodes"). A non-label head ("L breast mastectomy:
   ILC 4.1 cm") is a statement of its own; a label may carry a bracketed qualifier ("Margins (invasive): sup 3mm,
   inf 8mm" stays one margin statement). "gr3" is grade 3; a side after a comma at the end ("Lumpectomy, L") is the
   side; sizes listed with one unit each get it ("3 foci (2.1, 1.0 and 0.4 cm)" -> "2.1 cm, 1.0 cm and 0.4 cm");
   a closest margin in brackets at the end of a statement ("Margins neg (closest inf, 1.5mm)") is a statement
   of its own ("Closest margin inferior, 1.5 mm."), out of reach of the status's negation.
   Round 6: "L lump"/"Lump L:" is the lumpectomy; "SLN x2" is "2 SLNs"; a plural acronym takes its expansion's
   plural ("IDCs"); a side between commas or in brackets is the side ("Nipple-areola complex, R, excision");
   "c."/"circa" before a measured value is "approximately"; "sup/inf" is written out part by part; a tumour bed
   named inside another clause ("IDC 3 mm in 2.5 cm tumor bed") is a statement of its own; an additional-margin
   specimen heading what it shows ("Additional lateral margin: residual DCIS") is a statement of its own; a
   clause after a labelled value that names another element by itself ("Size: 3.1 cm, multifocal") is too; a
   denial clause inside a list is a sentence of its own after what the list asserts (the first clause never moves).
4. Normalise numbers and units ("4mm" -> "4 mm"), capitalise (except pTNM
   categories, which keep their lower-case prefix), end with a period.

Negation and hedging words are always kept; nothing is made more certain
than dictated. Any text, including text that looks like instructions, is only
data: it becomes sentences, never behaviour.
"""

from __future__ import annotations

import re

from pixtralogist.core.text import clean_text
from pixtralogist.kit.dictation import correct_spelling
from pixtralogist.kit.runon import compile_breaks, split_run_on
from pixtralogist.plugins.pathology.lexicon import LEXICON, rules

__all__ = ["expand_shorthand", "parse_dictation"]

_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\d+[.)])\s+")
#: Paget disease with the carcinoma under it ("Paget disease of the nipple with underlying DCIS, high grade"): the
#: nipple's involvement (extent) and the underlying carcinoma (what the stage follows) are two statements.
_PAGET_WITH = re.compile(r"\b(paget(?:'s)?\s+(?:disease|dz)(?:\s+of\s+(?:the\s+)?nipple)?)\s*,?\s+(?:with|and|w/|w)\s*"
                         r"(underlying|associated)\b", re.I)
#: An inline dash bullet after a sentence end or a colon ("...: - IDC 2 cm. - Margins negative.").
_INLINE_DASH = re.compile(r"([.;:])[ \t]+[-\u2022*][ \t]+(?=\S)")
#: An inline list marker after a colon or a clause end ("two tumors: a) IDC ...; b) ILC ..."): not a bracket, so
#: the semicolon before it still ends a statement.
_ENUMERATOR = re.compile(r"(?:^|(?<=[;:,.]))[ \t]*\(?(?:\d{1,2}|[a-hA-H])\)[ \t]+(?=\S)", re.M)
#: A list marker at the start of any line of the text ("1. R breast, mastectomy\n2. IDC ...").
_LINE_BULLET = re.compile(r"^[ \t]*(?:[-*\u2022]+|\d{1,2}[.)])[ \t]+", re.M)
#: Sentence ends: newlines and sentence periods (not decimals, not "vs."; "DCIS 4mm. 1/2 SLN" and
#: "grade 2. 0/12 LN" are two).
_SENTENCE = re.compile(r"\n+|(?<=[a-z%)\]+?-])\.\s+(?=[A-Za-z]|\?\s*\w|[<>]\s?\d)|(?<=\d)\.\s+(?=[A-Z]|\d+\s*(?:/|of)\s*\d|"
                       r"(?:<\s?|>\s?)?\d+(?:\.\d+)?\s?(?:mm|cm)\b)"  # "G2. 2 mm from deep margin": a decimal has no space
                       r"|(?<=[a-z%)\]+])(?<!\bvs)(?<!\bno)(?<!\bapprox)(?<!\bc)(?<!\bca)\.\s+(?=\d)", re.I)
#: The period of a shortened word inside a sentence ("incl. keratin IHC", "e.g. ITCs", "assoc. LCIS"): no sentence end.
_ABBREVIATION_STOP = re.compile(r"\b(incl|esp|cf|assoc|e\.g|i\.e|viz)\.(?=[ \t]+[A-Za-z(])", re.I)
#: Where the text was cut at a semicolon (a labelled statement's clauses stay together: "Margins: sup 2mm; ant 4mm").
_SEMI = re.compile(r";(?![^()]*\))")
_TOKEN = re.compile(r"(?<![\w/'&-])([A-Za-z][\w'&/-]*|&)(?![\w'/&-])")
_LN = re.compile(r"\bLNs?\b(?=\s+(biopsy|bx|dissection|sampling))?", re.I)
#: A grade written short: "G2", "G 2", "gr3", "Gr. 3".
_GRADE = re.compile(r"\b(?:G\s?|g(?=[1-3]\b)|[Gg][Rr]\.?\s?)([1-3])\b")  # "g2" typed in lower case too
_UNIT = re.compile(r"(\d)(mm|cm)\b", re.I)
_NODE_CONTEXT = re.compile(r"\b(lymph nodes?|nodes?|sentinels?|axillary|axilla|LNs?|SLNs?|SLNBs?|ALND)\b|^\s*ax\s*:", re.I)  # "Ax: 5/17"
#: A node procedure followed by its count ("SLNB 0/2", "ALND: 3/15 pos"): the procedure, then the count as a
#: lymph node statement ("3 of 15 axillary lymph nodes positive").
_PROC_COUNT = re.compile(r"^(?P<head>.*?\b(?P<proc>SLNB|SNB|SLN\s?bx|sentinel (?:lymph )?node biopsy|ALND|TAD|"
                         r"(?:targeted )?axillary (?:lymph node |node )?(?:dissection|clearance|sampling))(?:,?\s+(?:left|right|lt|rt|l|r)\b)?(?:\s*x\s*\d{1,2}\b)?)"
                         r"\s*[:,-]?\s*(?P<n>\d{1,3})\s*(?:/|of)\s*(?P<of>\d{1,3})\b"
                         r"(?P<noun>\s*(?:SLNs?|sentinel|LNs?|lymph|nodes?)\b)?(?P<rest>.*)$", re.I)
#: Named Nottingham components without their total ("tubules 3, nuclei 2, mitoses 1"): the score is their sum.
_NAMED_COMPONENTS = re.compile(r"\btubul\w*(?: formation)?\s*[:=]?\s*([1-3])\b[^.;]{0,40}?\b(?:nucle\w*|pleo\w*)"
                               r"(?: pleomorphism)?\s*[:=]?\s*([1-3])\b[^.;]{0,40}?\bmito\w*(?: (?:count|rate|score))?"
                               r"\s*[:=]?\s*([1-3])\b(?![^.]*\b(?:score|total|sum)\b)(?!\s*(?:=|/\s*9))", re.I)
#: "Breast, L, excision" (the specimen header order): the side before the organ ("Left breast, excision").
_ORGAN_SIDE = re.compile(r"\bbreast\s*(?:,\s*|\(\s*)(left|right|lt|rt|l|r)\b\.?\s*\)?\s*(?:,\s*)?", re.I)
#: Nottingham component scores without their total ("G2 (2+3+2)"): the total is their sum.
_COMPONENTS = re.compile(r"(?<![\d+])([1-3])\s*\+\s*([1-3])\s*\+\s*([1-3])(?!\s*[+=\d])(?!\s*(?:/|of)\s*9)")
_COUNT = re.compile(r"\b(\d{1,3})\s*/\s*(\d{1,3})\b")
_SIDE = {"l": "left", "r": "right", "lt": "left", "rt": "right"}
_QUESTION = re.compile(r"(?<![\w+)-])\?\s*(?=[A-Za-z\d])")  # "?DCIS", "?4 mm PNI"; not "pT2? pN0"
#: A "?" after what it doubts, ending the statement or its first clause ("DCIS?", "Metastatic carcinoma?, 4 mm").
_QUESTION_AFTER = re.compile(r"(?<=[A-Za-z)])\s?\?+(?=\s*(?:[,;.]|$))")
#: "R/o X" opening a later statement of the report ("IDC 2 cm. R/o metastases."): X in question, never denied.
_RULE_OUT = re.compile(r"^\s*(?:r/o|rule out)\s+(?=[\w?~<])", re.I)
#: A question the pathologist answers at once ("Bilat? no - L only"): the answer stands, the question goes.
_ANSWERED = re.compile(r"(?:^|(?<=[.;\n]))\s*[A-Za-z][\w /-]{0,30}\?\s*no\s*[-\u2013,:]\s*(?=\S)", re.I)
#: Words that already hedge a statement (a "?" after them adds no doubt to write).
_HEDGED = re.compile(r"\b(?:possible|possibly|probable|probably|likely|suspicious|suspected|questionable|favou?r\w*|"
                     r"cannot (?:be )?(?:exclude|excluded|rule)|may|might|uncertain|equivocal|consistent with|c/w)\b", re.I)
#: A pTNM category opens the statement ("pT2", "ypN1a", "rpT1c", "ypT0"): it keeps its lower-case prefix.
_STAGE_START = re.compile(r"^(?:r?y?p|a?c|r?yc)[TNM]")
_SIDE_OF = re.compile(r"\s+(?:breast|axilla\w*|mastectomy|lumpectomy|total|simple|modified|wle|slnb?|sentinel|"
                      r"skin|nipple|side|mrm|tm|ssm|nsm)\b", re.I)  # "G3 L breast": a side even after a number
#: What comes before "RT" when it is radiotherapy ("lumpectomy + RT", "s/p chemo and RT", "post RT").
_THERAPY_BEFORE = re.compile(r"(?:[+&/]|\b(?:and|after|post|prior|with|adjuvant|s/p|plus|previous|following))$", re.I)
_SIDE_CLOCK = re.compile(r"\s+\d{1,2}(?::[03]0)?\s*(?:o['\u2019]?\s?clock\b|:[03]0\b)", re.I)  # "L 3 o'clock", "R 12:00"
_SIDE_AFTER = re.compile(r"\b(?:lumpectomy|mastectomy|breast|excision|wle|axilla|grade [1-3]|carcinoma|mm|cm)$",
                         re.I)  # "Lumpectomy L", "IDC 3.0cm G2 R"
class _HeadMatch:
    """A labelled statement's head (group 1) and value (group 2), read as ``re.Match.group(1)``/``(2)`` read them."""

    def __init__(self, head: str, value: str) -> None:
        self._groups = {1: head, 2: value}

    def group(self, n: int) -> str:
        return self._groups[n]


class _Head:
    """"Margins: neg" -> head "Margins", value "neg": the text before the first colon that is not a clock time
    ("4:30" is no colon), when it has a letter, and what follows the colon's white space. Scanned in linear
    time: as one regular expression (two unbounded runs around a letter) a 20,000-letter note without such a
    colon backtracked for a minute."""

    _COLON = re.compile(r"(?<!\d):|:(?!\d)")
    _VALUE = re.compile(r"\s+(\S.*)$")
    _LETTER = re.compile(r"[A-Za-z]")

    def match(self, text: str) -> _HeadMatch | None:
        colon = self._COLON.search(text)
        if colon is None:
            return None
        head, value = text[:colon.start()].rstrip(), self._VALUE.match(text, colon.end())
        if value is None or not self._LETTER.search(head):
            return None
        return _HeadMatch(head, value.group(1))


_HEAD = _Head()
#: A synoptic label, with a bracketed qualifier of its own ("Margins (invasive)", "Lymph nodes (sentinel)").
_LABEL = re.compile(r"^\s*(?:" + "|".join(p for _, p in rules("labels")) + r")(?:\s*\([^()]{1,40}\))?\s*$", re.I)
#: A clause that opens another element's label ("LN 0/3"; not "DCIS 1 mm from ...", which a margin statement holds).
_NODE_HEAD = re.compile(r"\b(?:SLNs?|LNs?|lymph nodes?|sentinel nodes?|nodes?)\b(?!\s*(?:biopsy|bx|dissection))", re.I)
#: A short head that ends with a label ("Deep margin: 0.5mm", "Closest margin: ant 2 mm"): a labelled statement.
_LABEL_END = re.compile(r"\s(?:" + "|".join(p for r, p in rules("labels") if r != "laterality") + r")\s*$", re.I)
_LABEL_START = re.compile(r"^\s*(?:" + "|".join(p for r, p in rules("labels") if r != "others") + r")\b", re.I)
#: A receptor status written as a sign ("ER+/PR-", "HER2 -"): written out, as a report states it.
_RECEPTOR_SIGN = re.compile(r"\b(ER|PR|PgR|HR|HER-?2(?:/neu)?)\s?([+-])(?=[\s,;/.)]|$|(?:ER|PR|PgR|HR|HER-?2)\b)"
                            r"(\s?/\s?(?=(?:ER|PR|PgR|HR|HER-?2)\b)|\s+(?=(?:ER|PR|PgR|HR|HER-?2)\b)|(?=(?:ER|PR|PgR|HR|HER-?2)\b))?",
                            re.I)  # "ER+PR-HER2+" (run together) too
#: An invasion or extension dictated as a sign ("LVI+", "+ ENE", "PNI-"): written out.
#: (A dash set apart between words is punctuation, not a sign: "no ENE - counted as an axillary node".)
_FEATURE_SIGN = re.compile(r"(?:(?<![\w+])\+\s?(?P<pre>ENE|ECE|LVI|LVSI|PNI)\b|\b(?P<word>ENE|ECE|LVI|LVSI|PNI)"
                           r"(?:\s(?=[+-]\s*(?:[,;.)]|$))|(?=[+-]))(?P<sign>[+-])(?=[\s,;.)]|$))", re.I)
#: A diagnosis header ("Diagnosis:", "Final dx:", "DX -"): what follows it holds several elements.
_DIAGNOSIS_LABEL = re.compile(r"(^|[.;\n]\s*)(?:final\s+)?(?:(?:pathologic(?:al)?|histologic(?:al)?)\s+)?"
                              r"(?:diagnos[ie]s|dx|impression|interpretation)\s*(?::|\s-)\s*(?=\S)", re.I)
#: A part labelled by its side alone ("R: benign", "Lt: IDC"), at the start of the text or of a statement.
_SIDE_LABEL = re.compile(r"(^|[.;\n]\s*)(l|r|lt|rt)\s*:\s*(?=\S)", re.I)
#: A clause about some of the nodes the clause before it counted ("3 show treatment effect", "2 with ITCs").
_SOME_NODES = re.compile(r"^\s*(?:\d{1,2}|one|two|three|four|five|all|both)\s+(?:of (?:them|these|which)\s+)?"
                         r"(?:with|w/|show|shows|showing|had|has|have|having|contain\w*)(?=\s)", re.I)
#: A node count dictated with a sign ("1/3 SLN +", "LN+"): positive.
_NODE_SIGN = re.compile(r"\b(SLNs?|LNs?|lymph nodes?|nodes?)\s?\+(?=[\s,;.)]|$)", re.I)
#: "inv" before what it qualifies as invasive ("inv ca", "inv ductal"); elsewhere it may mean involved.
_INVASIVE_SHORT = re.compile(r"\binv\.?(?=\s+(?:ca|carc|carcinoma|ductal|lobular|mammary|tumou?r|component|disease|foci|focus)\b)",
                             re.I)
#: Sizes listed with one unit at the end ("3 foci (2.1, 1.0 and 0.4 cm)", "sizes 5, 7 and 9 mm"): each is a size.
_UNIT_LIST = re.compile(r"(?P<lead>\(\s*|(?<!\d):\s*|\b(?:measuring|measure|measures|sizes?|foci|of)\s+)"
                        r"(?P<nums>\d+(?:\.\d+)?(?:\s*,\s*\d+(?:\.\d+)?)*\s*,?\s*(?:and|&|or)\s*\d+(?:\.\d+)?)"
                        r"\s?(?P<unit>mm|cm)\b", re.I)
#: The closest margin dictated in brackets at the end of a margin statement ("Margins neg (closest inf, 1.5mm)"):
#: a statement of its own, so the status's negation does not reach it.
_CLOSEST_BRACKET = re.compile(r"\s*\(\s*(closest\b[^()]*)\)(?=\s*(?:[.;\n]|$))", re.I)
#: A status written as a sign before "for" ("Margins + for DCIS at sup", "+ve for invasive"): positive.
_POSITIVE_FOR = re.compile(r"(?<![\w+])\+(?:ve\b)?(?=\s*for\b)|\b(?<=margins )\+(?=\s|$)|(?<=margin )\+(?=\s|$)", re.I)
#: Nodes counted with "x" ("SLN x2 neg", "LNs x 4: all negative"): that many nodes ("2 SLNs neg"); not a procedure
#: ("SLNB x3", whose count is the procedure's).
_NODES_TIMES = re.compile(r"\b(?P<noun>SLNs?|LNs?|(?:sentinel |axillary )?(?:lymph )?nodes?)\s*[x\u00d7]\s*(?P<n>\d{1,2})\b"
                          r"(?!\s*(?:/|of)\s*\d)", re.I)
#: A lumpectomy written "lump" after its side ("L lump", "Rt lump + SLNB"); "breast lump" is the lump itself.
_LUMP = re.compile(r"(?:^|(?<=[\s(]))(?P<side>L|R|Lt|Rt|left|right)\.?\s+lump\b(?!\s+(?:of|in|at|on|with)\b)", re.I)
#: ... or before it, opening the statement ("Lump L: IDC 1.2 cm", "Lump, R + SLNB").
_LUMP_FIRST = re.compile(r"^\s*lump(?=\s*[,(]?\s*(?:L|R|Lt|Rt|left|right)\)?\s*(?:[:,;+]|$|\s+(?:w/|with\b|and\b)))", re.I)
#: A tumour bed named inside another clause ("Residual IDC 3 mm in a 2.5 cm tumor bed with fibrosis"): the bed and
#: its size are a statement of their own (an additional finding after therapy, not the tumour's size).
_BED_IN = re.compile(r"\s+(?:in|within)\s+(?:an?\s+|the\s+)?(?P<size>\d+(?:\.\d+)?(?:\s*[x\u00d7]\s*\d+(?:\.\d+)?)*\s*"
                     r"(?:mm|cm))\s+(?P<bed>(?:residual\s+)?tumou?r\s+bed)\b", re.I)
#: A tumour bed with the residual carcinoma it holds ("Tumour bed 3.5 x 2 cm with scattered residual IDC, largest focus
#: 4 mm"): the bed (an additional finding) and the residual tumour (type and size) are statements of their own.
_BED_WITH = re.compile(r"(?P<bed>\b(?:residual\s+)?tumou?r\s+bed\s*:?\s*(?:of\s+|measuring\s+)?\d+(?:\.\d+)?(?:\s*[x\u00d7]\s*\d+(?:\.\d+)?)*"
                       r"\s*(?:mm|cm))\s*,?\s*(?:with|containing|w/|showing)\s+(?=(?:(?:scattered|multiple|several|a few|few|small|"
                       r"rare|occasional|\d+|two|three|foci of)\s+)*residual\b)", re.I)
#: The largest residual focus measured after a tumour bed ("Tumor bed 3.1 cm, largest focus 1.6 cm"): the tumour size.
_BED_LARGEST = re.compile(r"(?P<bed>\btumou?r\s+bed\b(?:[^;\n,.]|\.(?=\d))*)\s*,\s*(?=largest\s+(?:residual\s+)?(?:invasive\s+)?"
                          r"(?:tumou?r\s+)?focus\b)", re.I)
#: A clause after a labelled value that names another element by itself ("Size: 3.1 cm, multifocal (2 foci)",
#: "Histologic type: IDC, triple neg"): the lexicon's ``sorter.label_detachable``.
_DETACHABLE = re.compile(str(LEXICON.data["sorter"]["label_detachable"]), re.I)
#: A separately submitted margin specimen as the head of what it shows ("Additional lateral margin: residual DCIS",
#: "Re-excision of superior margin, L: benign"): the specimen (a procedure), then its findings.
_MARGIN_SPECIMEN = re.compile(r"^\s*(?:[A-H][.)]\s*)?(?:additional|new|separate(?:ly submitted)?|shaved?|re-?excis\w*"
                              r"(?:\s+of)?)[\s,]+(?:the\s+)?(?:(?:superior|inferior|medial|lateral|anterior|posterior|deep|"
                              r"superficial|nipple|cavity|sup|inf|med|lat|ant|post)\b\s*(?:,|and|&|/)?\s*)*"
                              r"(?:shave\s+)?margins?\b", re.I)
#: Clauses of a statement: commas and semicolons outside brackets.
_CLAUSE = re.compile(r"\s*[,;]\s*(?![^()]*\))")
#: A clause that opens with a denial ("no necrosis", "without ENE", "negative for LVI").
_DENIAL_FIRST = re.compile(r"^(?:no(?! special type)|without|negative for|neg for|free of|absence of)\s+\S", re.I)
#: A clause that ends with a denial of what it names ("ENE absent", "LVI not identified").
_DENIAL_LAST = re.compile(r"^\S.*\s(?:absent|not (?:identified|seen|present|detected))$", re.I)
#: What a margin label lists ("New margins: superior and medial clear, lateral 0.4mm", "...: all negative").
_MARGIN_VALUES = re.compile(r"^\s*(?:all|closest|nearest|widely|(?:un)?involved|positive|negative|neg|pos|clear|clr|free|close|"
                            r"superior|inferior|medial|lateral|anterior|posterior|deep|superficial|sup|inf|med|lat|ant|post|"
                            r"[<>\u2264\u2265]|\d)", re.I)
#: "c." or "circa" before a measured value ("c. 3 cm", "circa 40%"): approximately ("ca." stays carcinoma).
#: A feature given the value "none" or "nil" ("LVI none", "ENE: nil"): its denial, as a report writes it ("no LVI").
_FEATURE_NONE = re.compile(r"\b(LVI|LVSI|PNI|ENE|ECE|lymphovascular invasion|extranodal extension)\s*[:-]?\s*(?:none|nil)\b"
                           r"(?!\s+(?:seen|identified|present|detected))", re.I)
_CIRCA = re.compile(r"(?<![\w.])(?:c\.|circa)\s*(?=\d+(?:\.\d+)?\s*(?:mm|cm|%))", re.I)
#: A pTNM category typed in lower case ("pt2 pn0(sn)", "ypt1c"): its letter in capitals, as a report writes it.
_STAGE_LOWER = re.compile(r"(?<![\w/-])(r?y?p)([tnm])(?=(?:is|x|[0-4])[a-d]?(?:mi)?(?![\w]))", re.I)
#: A status written "+ve" / "-ve" (not before "for", which ``_POSITIVE_FOR`` reads): positive / negative.
_SIGN_VE = re.compile(r"(?<![+\-])\s?([+-])\s?ve\b(?!\s*for\b)", re.I)
#: Where an unpunctuated run-on statement is cut (the lexicon's ``dictation.run_on_breaks``; kit/runon.py).
_RUN_ON = compile_breaks(LEXICON.dictation.get("run_on_breaks") or ())
_PLURAL_NODES = re.compile(r"\b(\d+ of (?:[2-9]|\d{2,}) (?:sentinel )?lymph node)\b(?!s)")


def _expand_token(m: re.Match, text: str) -> str:
    word = m.group(1)
    low = word.lower()
    if low in _SIDE:
        after = text[m.end():]
        before = text[: m.start()].rstrip()
        if low == "rt" and _THERAPY_BEFORE.search(before) and not _SIDE_OF.match(after):
            return "radiotherapy"  # "lumpectomy + RT", "after chemo and RT": the treatment, not the right side
        if re.match(r"\s+[A-Za-z]", after) and (not re.search(r"\d$", before) or _SIDE_OF.match(after)) \
                or (re.match(r"\s*$", after) and (_SIDE_AFTER.search(before) or before.endswith(","))) \
                or _SIDE_CLOCK.match(after) \
                or (before.endswith((",", "(")) and re.match(r"\s*[,:)]", after)):  # "Nipple-areola complex, R, excision"
            return _SIDE[low]
        return word
    if low == "ax" and re.match(r"\s*:", text[m.end():]):
        return "Axillary lymph nodes"  # "Ax: 5/17 positive" (a label)
    if low == "met" and re.match(r"\s+(?:ca|carc|carcinoma)\b", text[m.end():], re.I):
        return "metastatic"  # "met ca" is metastatic carcinoma
    if low == "inv" and re.search(r"\bmarg(?:in|n)?s?\s*:?\s*$", text[: m.start()], re.I):
        return "involved"  # "marg inv (ant)", "margins: inv": the margin's status ("inv ca" is invasive)
    if low == "id" and re.search(r"\bnot\s*$", text[: m.start()], re.I):
        return "identified"  # "LVI not id"
    expansion = LEXICON.expansion(low)
    if expansion is not None:
        return expansion
    if "/" in word and all(p.isalpha() for p in word.split("/")):  # "sup/inf/med/lat": each part written out
        parts = [LEXICON.expansion(p.lower()) for p in word.split("/")]
        if any(parts):
            return "/".join(e or p for e, p in zip(parts, word.split("/")))
    if len(word) > 3 and word.endswith("s") and word[:-1].isupper():  # "IDCs", "SLNBs": the expansion's plural
        single = LEXICON.expansion(low[:-1])
        if single and single[-1:].isalpha() and not single.isupper():
            return _plural(single)
    if low == "post" and re.match(r"\s*(?:[).,;(<>\u2264\u2265]|$|margins?\b|\d|(?:un)?involved\b|positive\b|negative\b|"
                                  r"neg\b|pos\b|clear\b|close\b|free\b|at ink\b)", text[m.end():]):
        return "posterior"  # "closest 2mm post)", "post (fascia) 1 mm", "post 2 mm"; "post-NAC", "post neoadjuvant" stay
    return (correct_spelling(word, lexicon=LEXICON) if word.isalpha() else None) or word  # "carcinomma"


def _question_after(text: str) -> str:
    """"DCIS?" -> "possible DCIS", "Metastatic carcinoma?, 4 mm" -> "possible Metastatic carcinoma, 4 mm" (the capital
    is mended when the sentence is written): a trailing "?" doubts the statement, never made more certain."""
    found = _QUESTION_AFTER.search(text)
    if not found or re.search(r"[,;:]", text[:found.start()]):
        return text  # a "?" after a later clause ("Margins: sup 2 mm; ant?") doubts that clause: it stays as said
    text = _QUESTION_AFTER.sub("", text)
    return text if _HEDGED.search(text) else "possible " + text[:1].lower() + text[1:] \
        if not re.match(r"[A-Z]{2}", text) else "possible " + text


def _plural(words: str) -> str:
    """"invasive ductal carcinoma" -> "invasive ductal carcinomas", "core biopsy" -> "core biopsies"."""
    if re.search(r"[^aeiou]y$", words):
        return words[:-1] + "ies"
    return words if words.endswith("s") else words + ("es" if re.search(r"(?:s|x|ch|sh)$", words) else "s")


def _nodes_times(m: re.Match) -> str:
    """"SLN x2" -> "2 SLNs", "node x 1" -> "1 node"."""
    noun, n = m.group("noun"), int(m.group("n"))
    if n != 1 and not noun.lower().endswith("s"):
        noun += "s"
    return f"{n} {noun}"


def expand_shorthand(statement: str) -> str:
    """Expand shorthand in one statement (see the module docstring)."""
    text = _RECEPTOR_SIGN.sub(lambda m: f"{m.group(1)} {'positive' if m.group(2) == '+' else 'negative'}"
                              + (", " if m.group(3) is not None else ""), statement)
    text = _FEATURE_SIGN.sub(lambda m: f"{m.group('pre')} present" if m.group("pre") else
                             f"{m.group('word')} {'present' if m.group('sign') == '+' else 'negative'}", text)
    text = _NODE_SIGN.sub(lambda m: f"{m.group(1)} positive", text)
    text = _FEATURE_NONE.sub(lambda m: f"no {m.group(1)}", text)
    text = _SIGN_VE.sub(lambda m: " positive" if m.group(1) == "+" else " negative", text)  # "2/14 LN +ve", "ER -ve"
    text = _POSITIVE_FOR.sub("positive", text)  # "Margins + for DCIS", "+ve for ILC"
    text = _NODES_TIMES.sub(_nodes_times, text)
    text = _CIRCA.sub("approximately ", text)
    text = re.sub(r"\b(approx)\.\s*(?=\d)", r"\1 ", text, flags=re.I)  # "approx. 2cm": no sentence end
    text = _LUMP.sub(lambda m: f"{m.group('side')} lumpectomy", text)
    text = _LUMP_FIRST.sub("Lumpectomy", text)
    text = _UNIT.sub(r"\1 \2", text)
    text = _INVASIVE_SHORT.sub("invasive", text)
    text = _UNIT_LIST.sub(_unit_list, text)
    text = _margin_units(text)
    text = _QUESTION.sub("possible ", _question_after(text))
    if _NODE_CONTEXT.search(text):
        text = _COUNT.sub(r"\1 of \2", text)
    text = _GRADE.sub(r"grade \1", text)
    text = _STAGE_LOWER.sub(lambda m: m.group(1).lower() + m.group(2).upper(), text)  # "pt2 pn0" -> "pT2 pN0"
    text = _NAMED_COMPONENTS.sub(lambda m: f"{m.group(0)}, score {sum(int(m.group(i)) for i in (1, 2, 3))}", text)
    text = _COMPONENTS.sub(lambda m: f"{m.group(1)}+{m.group(2)}+{m.group(3)}="
                           f"{sum(int(m.group(i)) for i in (1, 2, 3))}", text)
    text = _LN.sub(lambda m: "lymph node" if m.group(1) else "lymph nodes", text)
    text = _TOKEN.sub(lambda m: _expand_token(m, text), text)
    text = re.sub(r"\bcarcinoma,? no special type\b", "carcinoma, no special type", text)
    text = _PLURAL_NODES.sub(r"\1s", text)
    return " ".join(text.split())


#: A margin and its distance ("sup 6", "inferior: 4", "post 5 mm"), with the unit when it has one.
_MARGIN_DISTANCE = re.compile(r"\b(?P<dir>superior|inferior|medial|lateral|anterior|posterior|deep|superficial|"
                              r"sup|inf|med|lat|ant|post)\s*:?\s*(?P<num>\d+(?:\.\d+)?)(?![\d.])"
                              r"(?P<unit>\s?(?:mm|cm)\b)?(?!\s*(?:/|x\b|of\b|o'?clock|:\d))", re.I)


def _margin_units(text: str) -> str:
    """"Margins: sup 6, inf 4, post 5 mm" -> "sup 6 mm, inf 4 mm, post 5 mm": a list of margin distances with one unit at
    its end gives that unit to each (only to a distance with a later one that has its unit)."""
    found = list(_MARGIN_DISTANCE.finditer(text))
    if len(found) < 2 or not any(m.group("unit") for m in found):
        return text
    unit, out = None, text
    for m in reversed(found):
        if m.group("unit"):
            unit = m.group("unit").strip()
        elif unit:
            out = out[: m.end("num")] + f" {unit}" + out[m.end("num"):]
    return out


def _unit_list(m: re.Match) -> str:
    """"(2.1, 1.0 and 0.4 cm" -> "(2.1 cm, 1.0 cm and 0.4 cm": every size of the list with its unit."""
    unit = m.group("unit")
    nums = re.sub(r"(\d+(?:\.\d+)?)", rf"\1 {unit}", m.group("nums"))
    return m.group("lead") + nums


def _denials_apart(statement: str) -> list[str]:
    """A denial clause inside a list is a sentence of its own, after what the statement asserts, so it denies only
    what it names: "DCIS, cribriform, no necrosis, ~1.5 cm" -> "DCIS, cribriform, ~1.5 cm" + "No necrosis";
    "3/14 LN pos, largest 4 mm, ENE absent" -> "..., largest 4 mm" + "ENE absent". The first clause never moves, a
    denial already last stays ("..., no ENE"), and a clause moves only when its own words keep it in the element(s)
    of the statement ("Lymph nodes: 3/14, ENE absent"; not "IDC, no necrosis, 2 cm")."""
    from pixtralogist.plugins.pathology.sorter import classify  # the sorter reads this module's lexicon too

    clauses = [c for c in _CLAUSE.split(statement.strip().rstrip(".")) if c.strip()]
    if len(clauses) < 2:
        return [statement]
    moved = [i for i, c in enumerate(clauses) if i and (_DENIAL_LAST.match(c) or
                                                        _DENIAL_FIRST.match(c) and i < len(clauses) - 1)]
    if not moved or len(moved) == len(clauses) - 1 and all(_DENIAL_FIRST.match(clauses[i]) for i in moved):
        return [statement]
    kept = ", ".join(c for i, c in enumerate(clauses) if i not in moved)
    if not all(classify(clauses[i]).regions <= classify(kept).regions for i in moved):
        return [statement]
    return [kept] + [clauses[i] for i in moved]


def _sentence(text: str) -> str:
    text = text.strip(" ,;.")
    if not text:
        return ""
    if not _STAGE_START.match(text):
        text = text[0].upper() + text[1:]
    return text + "."


def _unlabelled_heads(chunk: str) -> list[str]:
    """"L breast mastectomy: ILC 4.1 cm" -> the specimen and what it shows, as two statements; a
    synoptic label ("Margins: neg") stays the head of its statement."""
    m = _HEAD.match(chunk)
    if m and _MARGIN_SPECIMEN.match(m.group(1)) and not _MARGIN_VALUES.match(m.group(2)):
        return [m.group(1), m.group(2)]  # "Additional lateral margin: residual DCIS": the specimen, then its findings
    if m and re.search(r"\bmargins?\b", m.group(1), re.I) and _MARGIN_VALUES.match(m.group(2)):
        return [chunk]  # "Cavity shave margins x6: all neg": the margins and their status
    if not m or _LABEL.match(m.group(1)) or (len(m.group(1).split()) < 2 and not _procedure_head(m.group(1))) \
            or _NODE_HEAD.search(m.group(1)) \
            or _PROC_COUNT.match(chunk) or (len(m.group(1).split()) <= 3 and _LABEL_END.search(m.group(1))) \
            or _finding_head(m.group(1)):
        return [chunk]  # "Left SLN x3: all neg" is one node statement
    return [m.group(1), m.group(2)]


def _procedure_head(head: str) -> bool:
    """A one-word head that names the specimen ("WLE: IDC 2 cm G2", "Mastectomy: ILC 4 cm"): a statement of its own."""
    from pixtralogist.plugins.pathology.sorter import classify  # the sorter reads this module's lexicon too

    found = classify(expand_shorthand(head))
    return found.source == "strong" and found.regions == {"procedure"}


def _finding_head(head: str) -> bool:
    """A head that names an additional finding, not a specimen ("Treatment effect: present in breast and nodes",
    "Residual cancer burden: RCB-II"): its value stays with it."""
    from pixtralogist.plugins.pathology.sorter import classify  # the sorter reads this module's lexicon too

    found = classify(expand_shorthand(head))
    return found.source == "strong" and found.regions == {"others"}


def _focality_apart(chunk: str) -> list[str]:
    """"Size: 3.1 cm, multifocal (2 foci)" -> the labelled value, then the focality (the extent element) on its own;
    "Histologic type: IDC, triple neg" -> the type, then the receptors. A clause that its label already names stays
    ("Focality: unifocal", "Receptors: ER+, PR-")."""
    head = _HEAD.match(chunk)
    if not head or not _LABEL.match(head.group(1)):
        return [chunk]
    from pixtralogist.plugins.pathology.sorter import classify  # the sorter reads this module's lexicon too

    label = classify(chunk).regions
    clauses = _CLAUSE.split(chunk)
    out = [clauses[0]]
    for clause in clauses[1:]:
        if _DETACHABLE.match(clause.strip()) and not classify(expand_shorthand(clause)).regions <= label:
            out.append(clause)
        else:
            out[-1] += ", " + clause
    return [c for c in out if c.strip()]


def _node_counts(chunk: str) -> list[str]:
    """"ALND 3/15" -> the procedure and its count as two statements ("ALND", "3/15 axillary LNs")."""
    m = _PROC_COUNT.match(chunk)
    if not m:
        return [chunk]
    sentinel = not re.match(r"alnd|axillary|tad|targeted", m.group("proc"), re.I)
    nodes = m.group("noun") or (" sentinel lymph node" if sentinel else " axillary lymph node") \
        + ("" if m.group("of") == "1" else "s")  # "SNB 0/1": "0 of 1 sentinel lymph node"
    return [m.group("head"), f"{m.group('n')}/{m.group('of')}{nodes}{m.group('rest')}"]


def _pieces(text: str) -> list[str]:
    """Statements cut at newlines, sentence periods and semicolons; the clauses after a semicolon stay with
    a statement that opens with a synoptic label ("Margins: sup 2 mm; ant 4 mm") unless one opens a label."""
    out: list[str] = []
    for sentence in _SENTENCE.split(text):
        for i, part in enumerate(_SEMI.split(sentence or "")):
            if i and out and (_labelled(out[-1]) and not _LABEL_START.match(expand_shorthand(part))
                              or _SOME_NODES.match(part) and _NODE_CONTEXT.search(out[-1])):
                out[-1] = f"{out[-1]};{part}"  # "6/19 LNs w/ mets; 3 show tx effect": some of the nodes just counted
            else:
                out.append(part)
    return out


def _labelled(statement: str) -> bool:
    head = _HEAD.match(_BULLET.sub("", statement).strip())
    return bool(head and _LABEL.match(head.group(1)))


def parse_dictation(notes: str) -> list[str]:
    """Full sentences from ``notes`` (empty list for empty notes)."""
    text = _ORGAN_SIDE.sub(lambda m: f"{_SIDE.get(m.group(1).lower(), m.group(1).lower())} breast, ",
                           clean_text(notes or ""))
    text = re.sub(r"(^|[.:;\n]\s*)(left|right) breast", lambda m: m.group(1) + m.group(2).capitalize() + " breast",
                  text)
    # "Diagnosis: IDC, 2.3 cm, grade 2": a diagnosis header names no element; what follows is sorted
    text = _DIAGNOSIS_LABEL.sub(lambda m: m.group(1), text)
    text = _ANSWERED.sub(" ", text)  # "Bilat? no - L only": "L only"
    text = _ABBREVIATION_STOP.sub(r"\1", text)  # "SLN 0/1 incl. keratin IHC": an abbreviation's period ends no sentence
    text = _CLOSEST_BRACKET.sub(lambda m: ". " + (m.group(1) if re.search(r"\bmargin", m.group(1), re.I)
                                                  else re.sub(r"^closest", "closest margin", m.group(1), flags=re.I)),
                                text)
    # a part of a two-sided dictation labelled by its side ("R: benign. L: IDC 2.6 cm"): the side written out
    text = _SIDE_LABEL.sub(lambda m: m.group(1) + _SIDE[m.group(2).lower()].capitalize() + ": ", text)
    text = _PAGET_WITH.sub(lambda m: f"{m.group(1)}. {m.group(2).capitalize()}", text)
    text = _BED_IN.sub(lambda m: f". {m.group('bed')[:1].upper()}{m.group('bed')[1:]} {m.group('size')}", text)
    text = _BED_WITH.sub(lambda m: m.group("bed") + ". ", text)
    text = _BED_LARGEST.sub(lambda m: m.group("bed") + ". ", text)
    text = _LINE_BULLET.sub("", text)  # "6. 2/5 LN" (a numbered list): the number is no sentence of its own
    # inline dash bullets ("mastectomy: - IDC, 2.3 cm. - Margins negative."): each item a statement of its own
    text = _INLINE_DASH.sub(lambda m: m.group(1) + ("\n" if m.group(1) in ".;" else " "), text)
    text = _ENUMERATOR.sub(" ", text)  # "two tumors: 1) IDC 2.5 cm; 2) ILC 0.7 cm": the markers go, the parts stay apart
    chunks = [c for whole in _pieces(text) for piece in split_run_on(_BULLET.sub("", whole or "").strip(), _RUN_ON)
              for h in _unlabelled_heads(piece)
              for n in _node_counts(h)
              for c in _focality_apart(n)]
    # "R/o X" after the opening (which may be the clinical question) is X in question, neither denied nor asserted
    chunks = chunks[:1] + [_RULE_OUT.sub("possible ", c) for c in chunks[1:]]
    sentences = (_sentence(d) for c in chunks if c for d in _denials_apart(expand_shorthand(c)))
    return _margin_subjects([s for s in sentences if s and re.search(r"[A-Za-z0-9]", s)])


def _margin_subjects(sentences: list[str]) -> list[str]:
    """A margin sentence with no subject ("DCIS int grade 12 mm. Extends to sup margin.", "LCIS classic. Extending to
    inferior margin.") takes the lesion the sentence before it named ("DCIS extends to superior margin."): the
    sorter's ``margin_predicate`` / ``margin_subject`` (lexicon data), across a sentence end as within a statement."""
    from pixtralogist.plugins.pathology.sorter import _MARGIN_PREDICATE, _MARGIN_SUBJECT, _with_subject, classify

    out, subject = [], ""
    for sentence in sentences:
        low = sentence.lower()
        if subject and _MARGIN_PREDICATE.match(sentence) and not _MARGIN_SUBJECT.search(low) \
                and "margins" in (regions := classify(sentence).regions) and regions <= {"margins", "extent"}:
            sentence = _with_subject(subject, sentence)
        named = list(_MARGIN_SUBJECT.finditer(low))
        if named:  # a denied lesion ("No invasive carcinoma.") is no subject of what follows
            subject = "" if re.match(r"(?:no|without|negative for)\b", low) else sentence[named[-1].start():named[-1].end()]
        out.append(sentence)
    return out
