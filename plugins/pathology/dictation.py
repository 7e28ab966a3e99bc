"""Turn a pathologist's synoptic dictation or shorthand into full report sentences.

>>> parse_dictation("IDC NST, G2; LN 1/3 pos, no ENE\\nLVI neg")
['Invasive ductal carcinoma, no special type, grade 2.', 'Lymph nodes 1 of 3 positive, no extranodal extension.', 'Lymphovascular invasion negative.']

What it does, in order:

1. Clean the text (NFC, no control characters), drop bullet/list markers.
2. Split into statements on newlines, semicolons outside parentheses and
   sentence periods (not decimals, not "vs."). Commas do NOT split: a comma
   list usually belongs to one element ("LN 1/3 pos, macromet, no ENE"); the
   region sorter splits a statement that covers several elements.
3. Expand shorthand with the lexicon's ``abbreviations``
   (``data/lexicon/breast-resection.yaml``, on the kit's base shorthand) and
   these context rules: L/R/Lt/Rt only as laterality before a word, not after
   a number; "G2" is a grade; "1/3" next to lymph-node words is "1 of 3" ("0
   of 3 sentinel lymph nodes" plural); "LN" before "biopsy"/"dissection" is
   singular; "post" before ")" or "margin" is posterior; "?" before a word is
   "possible". A non-label head ("L breast mastectomy: ILC 4.1 cm") is a
   statement of its own.
4. Normalise numbers and units ("4mm" -> "4 mm"), capitalise (except pTNM
   categories, which keep their lower-case prefix), end with a period.

Negation and hedging words are always kept; nothing is made more certain
than dictated. Any text, including text that looks like instructions, is only
data: it becomes sentences, never behaviour.
"""

from __future__ import annotations

import re

from pixtralogist.core.text import clean_text
from pixtralogist.plugins.pathology.lexicon import LEXICON, rules

__all__ = ["expand_shorthand", "parse_dictation"]

_BULLET = re.compile(r"^\s*(?:[-*\u2022]+|\d+[.)])\s+")
_SPLIT = re.compile(r"\n+|;(?![^()]*\))|(?<=[a-z%)\]])\.\s+(?=[A-Za-z])|(?<=\d)\.\s+(?=[A-Z])", re.I)
_TOKEN = re.compile(r"(?<![\w/'&-])([A-Za-z][\w'&/-]*|&)(?![\w'/&-])")
_LN = re.compile(r"\bLNs?\b(?=\s+(biopsy|bx|dissection|sampling))?", re.I)
_GRADE = re.compile(r"\bG([1-3])\b")
_UNIT = re.compile(r"(\d)(mm|cm)\b", re.I)
_NODE_CONTEXT = re.compile(r"\b(lymph nodes?|nodes?|sentinel|axillary|LNs?|SLNs?)\b", re.I)
_COUNT = re.compile(r"\b(\d{1,3})\s*/\s*(\d{1,3})\b")
_SIDE = {"l": "left", "r": "right", "lt": "left", "rt": "right"}
_QUESTION = re.compile(r"\?\s*(?=[A-Za-z])")
_STAGE_START = re.compile(r"^(?:y?p|c)[TNM]")
_SIDE_OF = re.compile(r"\s+(?:breast|axilla\w*|mastectomy|lumpectomy|total|simple|modified|wle|slnb?|sentinel|"
                      r"skin|nipple|side|mrm|tm|ssm|nsm)\b", re.I)  # "G3 L breast": a side even after a number
_SIDE_CLOCK = re.compile(r"\s+\d{1,2}(?::[03]0)?\s*(?:o['\u2019]?\s?clock\b|:[03]0\b)", re.I)  # "L 3 o'clock", "R 12:00"
_SIDE_AFTER = re.compile(r"\b(?:lumpectomy|mastectomy|breast|excision|wle|axilla|grade [1-3]|carcinoma|mm|cm)$",
                         re.I)  # "Lumpectomy L", "IDC 3.0cm G2 R"
_HEAD = re.compile(r"^([^:]*[A-Za-z][^:]*?)\s*:\s+(\S.*)$")
_LABEL = re.compile(r"^\s*(?:" + "|".join(p for _, p in rules("labels")) + r")\s*$", re.I)
#: A receptor status written as a sign ("ER+/PR-", "HER2 -"): written out, as a report states it.
_RECEPTOR_SIGN = re.compile(r"\b(ER|PR|PgR|HR|HER-?2(?:/neu)?)\s?([+-])(?=[\s,;/.)]|$)"
                            r"(\s?/\s?(?=(?:ER|PR|PgR|HR|HER-?2)\b)|\s+(?=(?:ER|PR|PgR|HR|HER-?2)\b))?", re.I)
_PLURAL_NODES = re.compile(r"\b(\d+ of (?:[2-9]|\d{2,}) (?:sentinel )?lymph node)\b(?!s)")


def _expand_token(m: re.Match, text: str) -> str:
    word = m.group(1)
    low = word.lower()
    if low in _SIDE:
        after = text[m.end():]
        before = text[: m.start()].rstrip()
        if re.match(r"\s+[A-Za-z]", after) and (not re.search(r"\d$", before) or _SIDE_OF.match(after)) \
                or (re.match(r"\s*$", after) and _SIDE_AFTER.search(before)) or _SIDE_CLOCK.match(after):
            return _SIDE[low]
        return word
    expansion = LEXICON.expansion(low)
    if expansion is not None:
        return expansion
    if low == "post" and re.match(r"\s*(?:[).,;]|$|margins?\b)", text[m.end():]):
        return "posterior"  # "closest 2mm post)"; "post-NAC", "post neoadjuvant" stay
    return word


def expand_shorthand(statement: str) -> str:
    """Expand shorthand in one statement (see the module docstring)."""
    text = _RECEPTOR_SIGN.sub(lambda m: f"{m.group(1)} {'positive' if m.group(2) == '+' else 'negative'}"
                              + (", " if m.group(3) else ""), statement)
    text = _UNIT.sub(r"\1 \2", text)
    text = _QUESTION.sub("possible ", text)
    if _NODE_CONTEXT.search(text):
        text = _COUNT.sub(r"\1 of \2", text)
    text = _GRADE.sub(r"grade \1", text)
    text = _LN.sub(lambda m: "lymph node" if m.group(1) else "lymph nodes", text)
    text = _TOKEN.sub(lambda m: _expand_token(m, text), text)
    text = re.sub(r"\bcarcinoma,? no special type\b", "carcinoma, no special type", text)
    text = _PLURAL_NODES.sub(r"\1s", text)
    return " ".join(text.split())


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
    if not m or _LABEL.match(m.group(1)) or len(m.group(1).split()) < 2:
        return [chunk]
    return [m.group(1), m.group(2)]


def parse_dictation(notes: str) -> list[str]:
    """Full sentences from ``notes`` (empty list for empty notes)."""
    chunks = [c for piece in _SPLIT.split(clean_text(notes or ""))
              for c in _unlabelled_heads(_BULLET.sub("", piece or "").strip())]
    sentences = (_sentence(expand_shorthand(c)) for c in chunks if c)
    return [s for s in sentences if s and re.search(r"[A-Za-z0-9]", s)]
