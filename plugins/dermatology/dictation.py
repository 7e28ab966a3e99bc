"""Turn a clinician's skin lesion dictation or shorthand into full report sentences.

>>> [s.text for s in parse_dictation("6mm asym pigm macule L upper back, irreg border, derm: APN, BWV, no regression")]
['6 mm asymmetric pigmented macule left upper back.', 'Irregular border.', 'Atypical pigment network.', 'Blue-whitish veil.', 'No regression.']

Each :class:`Statement` carries the section it was dictated under:

* ``dermoscopy`` after "derm:", "dermoscopy:", "DS:" (the items that follow
  describe the dermoscopic appearance, even "asymmetric");
* ``impression`` after "imp:", "impression:", "dx:", "ddx:", "plan:", and for
  any sentence that names a diagnosis or a plan ("?melanoma", "excise",
  "review 3/12");
* a region name after a region label ("site: L shin", "size: 7x5mm",
  "border: regular");
* ``None`` otherwise (the region sorter decides).

What it does, in order: clean the text; split into lines, on semicolons and
sentence periods (not decimals), then on commas (a negated list "no A, B or C"
stays one statement so the negation keeps its scope); expand shorthand with
the lexicon's shorthand (``data/lexicon/skin_lesion.yaml``, on the kit's base
shorthand) and the context rules (L/R/B only as laterality before a
word; "lt" is "light" before a colour; "?" is a hedge, "possible"; "3/12" is
"3 months", "6/52" is "6 weeks"; "7x5mm" is "7 x 5 mm"); rewrite terse
"subject predicate" statements ("border irreg" -> "The border is irregular.");
capitalise and end with a period. Negation and hedge words are always kept;
nothing is made more certain than dictated; text that looks like an
instruction is only data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core.text import clean_text
from pixtralogist.kit.drafter import HEDGE_RE as _HEDGE
from pixtralogist.plugins.dermatology.lexicon import LEXICON, WORDS, word_re

__all__ = ["Statement", "expand_shorthand", "parse_dictation"]


@dataclass(frozen=True)
class Statement:
    """One dictated sentence, the section it was dictated under (``None``: let the sorter decide) and
    its kind for the kit drafter (``finding``, ``indication``, ``recommendation`` or ``not_placed``)."""

    text: str
    section: str | None = None
    kind: str = "finding"


_DICTATION = LEXICON.dictation
_LATERALITY = {"l": "left", "r": "right", "lt": "left", "rt": "right", "b": "bilateral"}
_COLOUR_NEXT = frozenset(_DICTATION["colours_after_lt"])
_UNITS = {"mm", "cm"}
#: Section labels ("derm:", "site:", "imp:") -> the region (or impression / plan) they introduce.
_SECTION_REGION: dict[str, str] = _DICTATION["sections"]
_SECTION = re.compile(
    r"^\s*(?P<label>" + "|".join(sorted(map(re.escape, _SECTION_REGION), key=len, reverse=True)) + r")\s*[:\-]\s*",
    re.I,
)

_DIAGNOSIS = word_re(*WORDS["diagnosis"])
_PLAN = word_re(*WORDS["plan"])
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<frac>\d{1,2}/(?:12|52))(?!\d)|(?P<slash>[^\W\d_]{1,3}/[^\W\d_]{0,3}(?![\w/]))"
    r"|(?P<num>\d+(?:\.\d+)?)|(?P<word>[+-]?[^\W\d_]+(?:['\-][^\W\d_]+)*)|(?P<other>.)",
    re.S,
)
_DISTRIBUTION_ONLY = re.compile(r"^\s*(?:" + "|".join(WORDS["distribution"]) + r")\s*$", re.I)
_SEVEN_POINT = re.compile(r"\b(?:7|seven)[- ]?(?:pt|point)s?(?:\s+(?:checklist|score))*\s*[:=]?\s*(\d{1,2})\b(?!\s*mm)", re.I)
_NEG_START = re.compile(r"^\s*(?:no|not|without|negative for|nil|absent)\b", re.I)
_NEG_ANY = re.compile(r"\b(?:no|not|without|negative for|nil|absent)\b", re.I)

#: "subject predicate" shorthand -> sentence ("border irreg" -> "The border is irregular.")
_SUBJECTS = {k: f"{v.say} {'are' if v.plural else 'is'}" for k, v in LEXICON.subjects.items()}
_PREDICATES = tuple(_DICTATION["predicates"])
_SUBJECT_RE = re.compile(
    r"^(?:the\s+)?(?P<subj>" + "|".join(sorted(map(re.escape, _SUBJECTS), key=len, reverse=True)) + r")\s+"
    r"(?P<adv>(?:(?:slightly|mildly|very|focally|partly|markedly|not)\s+)*)"
    r"(?P<pred>" + "|".join(sorted(map(re.escape, _PREDICATES), key=len, reverse=True)) + r")\b(?P<tail>.*)$",
    re.I | re.S,
)


def _expansion(word: str) -> str | None:
    return LEXICON.expansion(word) if word not in _UNITS else None


def _expand_tokens(text: str) -> str:
    text = _SEVEN_POINT.sub(r"7-point checklist score \1", _COLOUR_SLASH.sub(" and ", text))
    toks = [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text)]

    def neighbour(i: int, step: int) -> tuple[str, str] | None:
        j = i + step
        while 0 <= j < len(toks):
            if toks[j][0] != "ws":
                return toks[j]
            j += step
        return None

    out: list[str] = []
    for i, (kind, tok) in enumerate(toks):
        prev, nxt = neighbour(i, -1), neighbour(i, +1)
        low = tok.lower()
        if kind == "ws":
            out.append(" ")
        elif kind == "frac":
            n, d = tok.split("/")
            unit = "months" if d == "12" else "weeks"
            out.append(f"{n} {unit[:-1] if n == '1' else unit}")
        elif kind == "num":
            out.append(tok)
            if nxt is not None and nxt[1].lower() in _UNITS | {"x"} and toks[i + 1][0] != "ws":
                out.append(" ")
        elif tok == "?":
            if nxt is not None and nxt[0] in ("word", "num", "slash"):
                out.append(" possible ")
            elif prev is not None:
                out.append(" ?")  # trailing: hedges the statement (see _finish)
        elif kind == "word":
            prev_num = prev is not None and prev[0] == "num"
            if low == "x" and prev_num and nxt is not None and nxt[0] == "num":
                out.append(" x ")
            elif low in _UNITS and prev_num:
                out.append(low)
            elif low == "mm" and tok == "MM":
                out.append("melanoma")
            elif low == "lt" and nxt is not None and nxt[1].lower() in _COLOUR_NEXT:
                out.append("light")
            elif low in _LATERALITY and nxt is not None and nxt[0] == "word" and not prev_num:
                out.append(_LATERALITY[low])
            elif _expansion(low) is not None:
                out.append(_expansion(low))
            else:
                out.append(tok)
        elif kind == "slash":
            if _expansion(low) is not None:
                out.append(_expansion(low))
            else:  # "tan/brown" -> "tan and brown" for colours, keep otherwise
                parts = [_expansion(p) or p for p in tok.split("/")]
                out.append(" and ".join(p for p in parts if p) if all(parts) else tok)
        elif tok == "&":
            out.append("and")
        else:
            out.append(tok)
    return _REVIEW_IN.sub(r"\1 in ", re.sub(r"\s+", " ", "".join(out)).strip())


_COLOUR_WORD = r"(?:light|dark|mid)?[ -]?(?:brown|tan|black|blue(?:-gr[ae]y)?|gr[ae]y|white|red|pink|brn|blk)"
_COLOUR_SLASH = re.compile(rf"(?<=\w)/(?={_COLOUR_WORD}\b)|(?<=brown|black|white)/(?=\w)|(?<=tan|red)/(?=\w)|(?<=grey|gray|pink)/(?=\w)", re.I)
_REVIEW_IN = re.compile(r"\b(review|follow-up|reassess)\s+(?=\d)", re.I)


def expand_shorthand(text: str) -> str:
    """Expand the shorthand of one phrase (no splitting, no sentence finishing)."""
    return _expand_tokens(text)


_STRONG_SPLIT = re.compile(r"\n+|;+|(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)")
_COMMA_SPLIT = re.compile(r"(?<!\d),|,(?!\d)")
_LEAD_CONJ = re.compile(r"^(?:and|or|nor|also|plus)\s+", re.I)


_OR = re.compile(r"\b(?:or|nor)\b", re.I)


def _merge_negated_lists(parts: list[str]) -> list[str]:
    """'no A', 'B', 'or C' -> 'no A, B, or C'; 'no A', 'B or C' -> 'no A, B or C' (one negated list)."""
    out: list[str] = []
    for part in parts:
        lead = _LEAD_CONJ.match(part)
        conj = lead.group(0).strip().lower() if lead else ""
        closes_list = conj in ("or", "nor") or (bool(_OR.search(part)) and not _NEG_ANY.search(part))
        if out and closes_list:
            j = len(out) - 1
            while j > 0 and len(out[j].split()) <= 4 and not _NEG_ANY.search(out[j]):
                j -= 1
            if _NEG_START.match(out[j]):
                out[j:] = [", ".join(out[j:] + [part])]
                continue
        out.append(part[lead.end():] if lead and conj == "and" else part)
    return out


def _finish(text: str) -> str | None:
    text = re.sub(r"\s+", " ", text).strip(" \t,;:-")
    text = _LEAD_CONJ.sub("", text).strip()
    if not any(ch.isalnum() for ch in text):
        return None
    trailing_q = text.endswith("?")
    text = text.rstrip("?").strip()
    m = _SUBJECT_RE.match(text.rstrip("."))
    if m:
        adv = m.group("adv").strip()
        text = " ".join(x for x in (_SUBJECTS[m.group("subj").lower()], adv, m.group("pred").lower()) if x)
        text += m.group("tail")
    if trailing_q and not _HEDGE.search(text):
        text = ("uncertain: " if _NEG_START.match(text) else "possible ") + text[0].lower() + text[1:]
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!" else text + "."


def _section_of(sentence: str, header: str | None) -> str | None:
    if header in ("impression", "plan"):
        return "impression"
    if header is not None:
        return header
    if _DIAGNOSIS.search(sentence) or _PLAN.search(sentence):
        return "impression"
    return None


def parse_dictation(text: str | None) -> list[Statement]:
    """Full report sentences, with their dictated section, from dictation or shorthand (``[]`` for none)."""
    if not text or not isinstance(text, str):
        return []
    text = clean_text(text)
    out: list[Statement] = []
    for line in text.split("\n"):
        header: str | None = None
        for clause in _STRONG_SPLIT.split(line):
            clause = clause.strip()
            if not clause:
                continue
            sm = _SECTION.match(clause)
            if sm:
                header = _SECTION_REGION[sm.group("label").lower()]
                clause = clause[sm.end():]
                if header == "plan":
                    clause = f"plan: {clause}" if clause else clause
            if clause.isupper() and sum(ch.isalpha() for ch in clause) >= 3:
                clause = re.sub(r"\b(?!MM\b)([A-Z]{2,})\b", lambda m: m.group(1).lower(), clause)
            # a section label may also open a comma part ("..., irreg border, derm: APN, BWV")
            groups: list[tuple[str | None, list[str]]] = [(header, [])]
            for raw in _COMMA_SPLIT.split(clause):
                pm = _SECTION.match(raw)
                if pm:
                    header = _SECTION_REGION[pm.group("label").lower()]
                    raw = raw[pm.end():]
                    groups.append((header, []))
                    if header == "plan" and raw.strip():
                        raw = f"plan: {raw}"
                part = _expand_tokens(raw)
                if part and groups[-1][1] and _DISTRIBUTION_ONLY.match(part):
                    groups[-1][1][-1] += f", {part}"  # "trunk, multiple": the distribution of what came before
                elif part:
                    groups[-1][1].append(part)
            for group_header, parts in groups:
                if group_header == "plan" and parts:  # "plan: excise, photograph" is one plan
                    parts = [", ".join(parts)]
                for part in _merge_negated_lists(parts):
                    done = _finish(part)
                    if done:
                        if done.lower().startswith("plan: "):
                            done = "Plan: " + done[6:]
                        out.append(Statement(done, _section_of(done, group_header)))
    return out
