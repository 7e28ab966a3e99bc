"""British -> American medical spelling, so that "oedema" and "edema" are one concept everywhere.

Clinicians outside the US write "oedema", "haemorrhage", "oesophagus",
"haemidiaphragm", "tumour", "localised". The vocabularies of this project
(concept synonyms, region-sorter lexicons, NLP finding terms) are written in
American spelling; :func:`americanize` maps a text onto that spelling before
it is matched. It is used on the MATCHING path only (the comparator's
findings, the region sorters' scan, :mod:`pixtralogist.core.nlp`): the text a
user reads keeps the spelling it was written in.

The table is data (:data:`BRITISH_TO_AMERICAN`): each key is the British start
of a word (matched at a word beginning, case-insensitively), each value its
American replacement; the rest of the word is kept ("oedematous" ->
"edematous", "haemorrhagic" -> "hemorrhagic"). :data:`WHOLE_WORDS` lists
spellings replaced only as whole words ("centre", "fibre", "localised"),
where a prefix rule would hit unrelated words.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: British word start -> American word start (lower case).
BRITISH_TO_AMERICAN: dict[str, str] = {
    "oedem": "edem",  # oedema, oedematous
    "haem": "hem",  # haemorrhage, haematoma, haemothorax, haemidiaphragm, haemithorax, haemoptysis, haemangioma
    "oesophag": "esophag",  # oesophagus, oesophageal, oesophagectomy, oesophagogastric, oesophagram
    "anaem": "anem",
    "ischaem": "ischem",
    "leukaem": "leukem",
    "septicaem": "septicem",
    "hyperaem": "hyperem",
    "anaesthe": "anesthe",
    "orthopaed": "orthoped",
    "paediatr": "pediatr",
    "aetiolog": "etiolog",
    "diarrhoe": "diarrhe",
    "dyspnoe": "dyspne",
    "apnoe": "apne",
    "oestrogen": "estrogen",
    "foet": "fet",  # foetal, foetus
    "caesarean": "cesarean",
    "tumour": "tumor",
}
#: Whole words only (lower case).
WHOLE_WORDS: dict[str, str] = {
    "centre": "center", "centres": "centers", "centred": "centered",
    "fibre": "fiber", "fibres": "fibers", "calibre": "caliber", "litre": "liter", "litres": "liters",
    "millimetre": "millimeter", "millimetres": "millimeters", "centimetre": "centimeter", "centimetres": "centimeters",
    "grey": "gray", "colour": "color", "behaviour": "behavior",
    "localised": "localized", "generalised": "generalized", "visualised": "visualized", "characterised": "characterized",
    "demineralised": "demineralized", "demineralisation": "demineralization", "cephalisation": "cephalization",
    "organised": "organized", "organising": "organizing", "recognised": "recognized", "minimised": "minimized",
    "hospitalised": "hospitalized", "catheterisation": "catheterization", "immobilisation": "immobilization",
}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    prefixes = sorted(BRITISH_TO_AMERICAN, key=len, reverse=True)
    words = sorted((w for w, a in WHOLE_WORDS.items() if w != a), key=len, reverse=True)
    return re.compile(
        r"\b(?:(?P<prefix>" + "|".join(map(re.escape, prefixes)) + r")|(?P<word>(?:"
        + "|".join(map(re.escape, words)) + r")\b))",
        re.I,
    )


def _same_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _replace(m: re.Match[str]) -> str:
    text = m.group(0)
    table = BRITISH_TO_AMERICAN if m.group("prefix") else WHOLE_WORDS
    return _same_case(text, table[text.lower()])


def americanize(text: str) -> str:
    """``text`` with British medical spellings replaced by American ones (case kept; other text untouched)."""
    if not text:
        return text
    return _pattern().sub(_replace, text)


_WS = re.compile(r"\s+")


def matching_form(text: str | None) -> str:
    """``text`` as lexicons match it: American spelling, lower case, single spaces, trimmed."""
    return _WS.sub(" ", americanize(text or "").lower()).strip()
