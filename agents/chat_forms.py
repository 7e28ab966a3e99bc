"""Terse edit wordings written in the plain form the chat's readers know (round 9, found by the generated
``benchmarks/chat_shapes.py``). Generic words only: the severity scale comes from the caller (the lexicon's).

- "X not in the impression", "X shouldn't be in the impression", "X doesn't belong in the impression":
  ``remove X from the impression`` (:func:`terse_impression`);
- "change moderate to mild", "switch mild to severe", "change it from moderate to mild": two words of the severity
  scale joined by "to" after a change verb are the old and the new value, never a range ("moderate to mild");
  written ``replace moderate with mild`` (:func:`severity_swap`).
"""

from __future__ import annotations

import re

_IMP = r"(?:the\s+)?(?:impression|conclusion|summary)"
_NOT_IN_IMP = re.compile(
    rf"^(?:please\s*,?\s+)?(?P<x>[^,;:.]+?)\s+(?:(?:is\s+|should\s+be\s+|needs\s+to\s+be\s+)?not|shouldn['\u2019]?t\s+be|"
    rf"should\s+not\s+be|doesn['\u2019]?t\s+(?:belong|go)|does\s+not\s+(?:belong|go)|isn['\u2019]?t)"
    rf"\s+(?:in|into|part\s+of)\s+{_IMP}[\s.!]*$", re.I)
_CHANGE = r"(?:please\s+)?(?:change|switch|swap|correct|turn|amend|alter)"


def terse_impression(text: str) -> str | None:
    """``remove X from the impression`` for "X not in the impression" and its forms, else None."""
    m = _NOT_IN_IMP.match(text.strip())
    if not m or re.match(r"(?:it|this|that|there|which)$", m.group("x").strip(), re.I):
        return None
    return f"remove {m.group('x').strip()} from the impression"


def severity_swap(text: str, scale) -> str | None:
    """``replace A with B`` for "change A to B" (A and B two words of ``scale``), else None."""
    words = "|".join(re.escape(w) for w in sorted(scale, key=len, reverse=True))
    if not words:
        return None
    m = re.match(rf"^{_CHANGE}\s+(?:(?:the\s+|it\s+)?(?P<x>[\w -]+?)\s+)??(?:from\s+)?(?P<a>{words})\s+(?:to|into)\s+"
                 rf"(?P<b>{words})[\s.!]*$", text.strip(), re.I)
    if not m or m.group("a").lower() == m.group("b").lower():
        return None
    a, b, x = m.group("a").lower(), m.group("b").lower(), (m.group("x") or "").strip()
    if x and x.lower() not in ("it", "the", "from"):
        return f"change {a} to {b} in the {x}"  # the swap of a word in one finding (chat_edits._SWAP)
    return f"replace {a} with {b}"


_PLACE_LEAD = re.compile(r"^(?:(?:actually|no|sorry|oops|wait|please|it['\u2019]?s|it\s+is|its|that['\u2019]?s|that\s+is)"
                         r"\s*[,:;-]?\s+)*(?:(?:in|on|at|over|within)\s+)?(?:the\s+)?", re.I)


def place_alone(text: str, sentences: list[str], reader) -> str | None:
    """``replace <old place> with <new place>`` for a message that is only a place ("parietal", "actually in the
    parietal lobe", "it's in the LLL") when exactly one of the draft's finding ``sentences`` states a place of the same
    lexicon anatomy concept (the extractor's); else None. The new place keeps the old one's last word when the
    lexicon knows that form ("parietal" for "frontal lobe" -> "parietal lobe"). A place said with a side is left to
    the reader (its side and place are swapped together there)."""
    ext = getattr(reader, "extractor", None)
    if ext is None or not getattr(ext, "_anatomy", None):
        return None
    said = _PLACE_LEAD.sub("", reader.expand(text).strip().rstrip(".!")).strip()
    low = ext.normalise(said).lower().strip()
    m = ext._anatomy.fullmatch(low)
    if not m or reader.attributes(said).laterality:
        return None  # a place with its side ("LLL", "left lower lobe") is the side's and the place's edit already
    concept = ext._anatomy_concepts[m.lastgroup]
    olds = {(x.group(), ext._anatomy_concepts[x.lastgroup].id) for s in sentences
            for x in ext._anatomy.finditer(s.lower())}
    same = [o for o, cid in olds if cid == concept.id]
    if len(same) != 1 or same[0] == low:
        return None
    old, new = same[0], low
    if set(new.split()) <= set(old.split()):
        return None  # "lobe" of "frontal lobe": no other place
    last = old.split()[-1]
    if last not in new.split() and f"{new} {last}" in {str(s).lower() for s in concept.synonyms}:
        new = f"{new} {last}"
    return None if new == old else f"replace {old} with {new}"
