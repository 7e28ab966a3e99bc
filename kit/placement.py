"""Rows no sorter rule placed: a fragment stays with the statement before it; an unknown finding may ask the embedder.

After a drafter has sorted its statements into rows (:meth:`~pixtralogist.kit.KitDrafter.settled`), a row in the
catch-all region that no sorter rule placed (the sorter's evidence is ``default``: none of the lexicon's words) is
one of two things:

* a **fragment**: a short part with no finding of its own that says more about the statement before it ("6th
  displaced.", "Extending to the minor fissure.", "Saddle component absent.", "Upper zone predominance.", "0.6 in
  the left eye."). It joins the row before it (same region, same sentence: "Acute fracture right 5th-7th ribs,
  6th displaced."), so it is never an orphan sentence of the catch-all region;
* a statement about a condition no lexicon knows ("Os acromiale.", "Concha bullosa."). With a
  :class:`~pixtralogist.kit.embedder.PrototypeEmbedder` (prototypes from the lexicon's concepts and their regions,
  :func:`concept_prototypes`; the model loaded lazily, on first need), it goes to the region of the nearest
  prototype when that one is a clear winner; without one, or when nothing is close, it stays in the catch-all.

A fragment is told by its shape, not its words (generic English only, never a specialty's): it opens with an
ordinal, a number, a participle or gerund ("extending", "displaced") or a preposition; or it ends with a predicate
word ("absent", "present", "displaced", "spared"); or it says how the finding before it is spread ("upper zone
predominance"); and it has at most :data:`FRAGMENT_WORDS` words, no denial of its own and no finding word the
drafter knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from pixtralogist.core.drafting import Row
from pixtralogist.kit.extractor import INTERPRETS

__all__ = ["FRAGMENT_WORDS", "concept_prototypes", "is_fragment", "qualifier_only", "settle_rows"]

#: The most words a fragment has.
FRAGMENT_WORDS = 6

_NUMBER_START = re.compile(r"^(?:[~<>]?\d|(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\b)", re.I)
_PARTICIPLE_START = re.compile(r"^[a-z]{5,}(?:ing|ed)\s+\S", re.I)  # "Extending medially" (one word is an adjective)
_PREPOSITION_START = re.compile(r"^(?:to|into|onto|towards?|at|along|across|beyond|through|with|without|from|"
                                r"abutting|involving|extending|reaching|sparing|crossing)\b", re.I)
_PREDICATE_END = re.compile(r"\b(?:absent|present|noted|seen|displaced|involved|uninvolved|spared|preserved|intact|"
                            r"identified|affected)$", re.I)
_SPREAD = re.compile(r"\b(?:predominance|predominant|predom|distribution|pattern|configuration|component|"
                     r"extension|involvement)\b", re.I)
_DENIAL_START = re.compile(r"^(?:no|not|without|neg(?:ative)?(?: for)?|never)\b", re.I)
_DENIED_AFTER = re.compile(r"^(?P<np>[A-Za-z][\w/-]*(?: [\w/-]+){0,3}) (?:absent|not seen|not identified|not present)$", re.I)
_COPULA = re.compile(r"\b(?:is|are|was|were|has|have)\b", re.I)
#: what was done about the report, not the finding ("Team informed.", "Discussed with Dr X.")
_REPORTED = re.compile(r"\b(?:informed|notified|discussed|called|contacted|communicated|paged|emailed|phoned|telephoned|"
                       r"rang|texted|messaged|bleeped|aware|booked|"
                       r"arranged|requested|referred|advised|isolated|reviewed)\b", re.I)
_LEFT = re.compile(r"\b(?:left|os|lt)\b", re.I)
_RIGHT = re.compile(r"\b(?:right|od|rt)\b", re.I)
#: an initialism names a thing of its own ("MYC amplified.", "HER2 equivocal."), not more of the statement before
_INITIALISM_START = re.compile(r"^[A-Z][A-Z0-9]+\b")
_SIDE_TAIL = re.compile(r"\s+(?:in|on|of)\s+(?:the\s+|both\s+)?(?:right|left|bilateral)(?:\s+[a-z]+)?$", re.I)
#: when it began, not more of the finding ("Following a course of amoxicillin.", "Since childhood."): history
_HISTORY_START = re.compile(r"^(?:following|after|since|before|during|post|prior|status|s/p)\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9/.:%+-]+")


def _body(text: str) -> str:
    """``text`` without its closing stop and a trailing side ("... in the right eye", "... on the left")."""
    return _SIDE_TAIL.sub("", text.strip().rstrip(".").strip()).strip()


def continues(text: str) -> bool:
    """Whether ``text`` opens as a continuation of the statement before it: a participle, gerund or preposition
    with no subject ("Extending to the lower edge.", "Involving the chest wall.")."""
    body = _body(text)
    return bool(_PARTICIPLE_START.match(body) or _PREPOSITION_START.match(body))


_ASIDE = re.compile(r"\s*\([^()]*\)")
#: a comma part that only says how the statement changed or since when ("new since the film 2 months ago")
_CHANGE_PART = re.compile(r"^(?:new|old|unchanged|stable|increased|decreased|enlarged|improved|improving|worse|worsened|"
                          r"worsening|since|compared|previously|again|as before|now)\b", re.I)


def _head(text: str, qualifies: Callable[[str], bool] | None = None) -> str:
    """``text``'s body, less its comma parts after the first when they only say how it changed or qualify it
    ("Globular configuration, new since the film 2 months ago": the shape is the head's)."""
    body = _body(text)
    head, *tail = body.split(", ")
    if tail and all(_CHANGE_PART.match(p) or (qualifies is not None and qualifies(p)) for p in tail):
        return head
    return body


def qualifier_only(text: str, qualifies: Callable[[str], bool] | None) -> bool:
    """Whether ``text`` names no head noun at all: only words ``qualifies`` (a lexicon's qualifiers, sides, sizes)
    accepts, a bracketed aside apart ("Early subacute (T1 iso, T2 hypo).", "Late subacute.")."""
    if qualifies is None:
        return False
    core = _ASIDE.sub("", _body(text)).strip(" ,;:")
    if not _WORD.findall(core) or _DENIAL_START.match(core) or core.startswith("?") or INTERPRETS.match(core.lower()):
        return False  # an interpretation ("C/w X.", "?X.") is a conclusion of its own, not a qualifier of the finding
    return qualifies(core)


def is_fragment(text: str, *, names_finding: Callable[[str], bool] | None = None,
                qualifies: Callable[[str], bool] | None = None) -> bool:
    """Whether ``text`` only says more about the statement before it (see the module docstring); with ``qualifies``
    also a statement of qualifiers alone (:func:`qualifier_only`)."""
    if qualifier_only(text, qualifies):
        return names_finding is None or not names_finding(_ASIDE.sub("", _body(text)))
    body = _head(text, qualifies)
    words = _WORD.findall(body)
    if not words or len(words) > FRAGMENT_WORDS or _DENIAL_START.match(body):
        return False
    if _COPULA.search(body) or _REPORTED.search(body) or _INITIALISM_START.match(body):
        return False  # "Heterologous differentiation is present.": a sentence of its own
    # the closing predicate only describes ("6th displaced": "displaced" is no finding of its own here)
    if _HISTORY_START.match(body) or not (_NUMBER_START.match(body) or _PARTICIPLE_START.match(body)
                                          or _PREPOSITION_START.match(body) or _PREDICATE_END.search(body)
                                          or _SPREAD.search(body)):
        return False
    return names_finding is None or not names_finding(_PREDICATE_END.sub("", body).strip())


def _joined(before: str, part: str) -> str:
    """``part`` after ``before`` in one sentence ("Acute fracture right 5th-7th ribs" + "6th displaced.")."""
    head = before.rstrip().rstrip(".")
    body = part.strip().rstrip(".")
    denied = _DENIED_AFTER.match(body)
    if denied:  # "Saddle component absent" -> "no saddle component": the denial stays with its own noun
        np = denied.group("np")
        body = "no " + (np if np[1:2].isupper() else np[:1].lower() + np[1:])
    first = body.split(" ", 1)[0]
    keep = len(first) > 1 and (first[1:2].isupper() or any(ch.isdigit() for ch in first))  # "CT", "6th"
    return f"{head}, {body if keep else body[:1].lower() + body[1:]}."


def _conflicting_sides(before: str, part: str) -> bool:
    """Whether ``part`` names only a side ``before`` does not name while ``before`` names the other one."""
    left, right = bool(_LEFT.search(part)), bool(_RIGHT.search(part))
    if left == right:
        return False
    mine, other = (_LEFT, _RIGHT) if left else (_RIGHT, _LEFT)
    return bool(other.search(before)) and not mine.search(before)


def concept_prototypes(lexicon: Any, regions: Sequence[str],
                       place: Callable[[str], str | None] | None = None) -> dict[str, tuple[str, ...]]:
    """Prototype phrases per region for :class:`~pixtralogist.kit.embedder.PrototypeEmbedder`: the lexicon's own
    ``data.prototypes`` when it has them; else its words (concept names and synonyms, ``dictation`` finding
    terms) each under the region a concept names, or the one region ``place`` (the sorter's rules: text -> region,
    or None when no rule decides) gives the word alone."""
    own = (getattr(lexicon, "data", None) or {}).get("prototypes")
    if isinstance(own, Mapping) and own:
        return {str(r): tuple(str(t) for t in v) for r, v in own.items() if r in regions and v}
    out: dict[str, list[str]] = {}
    words: list[tuple[str, str | None]] = []
    for c in getattr(lexicon, "concepts", ()) or ():
        for t in [getattr(c, "name", "")] + list(getattr(c, "synonyms", ()) or ()):
            words.append((t, getattr(c, "region", None)))
    words += [(t, None) for t in getattr(lexicon, "finding_terms", ()) or ()]
    for term, region in words:
        term = str(term).strip()
        if len(term) <= 2 or not re.search(r"[a-z]", term):
            continue
        region = region or (place(term) if place is not None else None)
        if region in regions:
            out.setdefault(region, []).append(term)
    return {r: tuple(dict.fromkeys(v)) for r, v in out.items()}


def settle_rows(rows: Sequence[Row], *, catch_all: str, unplaced: Callable[[str, str], bool],
                names_finding: Callable[[str], bool] | None = None, join: bool = True,
                embed: Callable[[str], str | None] | None = None,
                qualifies: Callable[[str], bool] | None = None) -> list[Row]:
    """``rows`` with each row that ``unplaced`` (text, region) says nothing placed settled (see the module
    docstring): a fragment joins the row before it (with ``join``); another row of the catch-all goes where
    ``embed`` (text -> region or None) says. With ``qualifies`` (a lexicon's qualifier test), a catch-all row of
    qualifiers alone joins too, even where a rule of the catch-all matched a word of its bracketed aside ("Early
    subacute (T1 iso, T2 hypo)." after the haematoma)."""
    out: list[Row] = []
    for row in rows:
        fragment = join and bool(out) and is_fragment(row.text, names_finding=names_finding, qualifies=qualifies)
        if not fragment and (embed is None or row.region != catch_all):
            out.append(row)  # (cheap tests first: the sorter is asked only about a fragment or an embedder's row)
            continue
        headless = fragment and row.region == catch_all and qualifier_only(row.text, qualifies)
        # a fragment's head is what a rule must not have placed ("..., new since the film" names a comparison)
        if not headless and not unplaced(_head(row.text, qualifies) + "." if fragment else row.text, row.region):
            out.append(row)  # a rule (or the drafter's reader) placed it ("Bones intact." stays apart)
            continue
        if fragment:
            # the rows the statement before it made (one per region it named) all take it, so they stay alike
            said = out[-1].sentence
            i = len(out)
            while i > 0 and out[i - 1].sentence == said:
                i -= 1
            same = {out[k].text for k in range(i, len(out))}
            if _conflicting_sides(out[-1].text, row.text):
                out.append(row)  # "0.6 in the left eye" after a right-eye statement is not about it
                continue
            # a statement split into identical rows (one per region) takes it in each; else its head (the first part)
            for k in (range(i, len(out)) if len(same) == 1 else (i,)):
                prev = out[k]
                text = _joined(prev.text, row.text)
                whole = prev.sentence.strip() == prev.text.strip()
                out[k] = replace(prev, text=text, sentence=text if whole else _joined(prev.sentence, row.text))
            continue
        if row.region != catch_all:
            out.append(row)  # a guess of the sorter's own (its embedder) stands
            continue
        region = embed(row.text) if embed is not None else None
        out.append(replace(row, region=region) if region and region != catch_all else row)
    return out
