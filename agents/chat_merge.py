"""A clinician's statement merged into the draft as dictation (issue 13, round 10).

Two pieces the edit reader (``chat_edits``) lacked, each a shape, never a list of findings:

* **asides** (:func:`without_asides`): what a clinician says around a statement that is no part of it -- an
  apology or a slip owned ("sorry", "my mistake", "oops -", "correction:"), a miss owned ("I missed that", "I
  forgot this one earlier"), how they came to see it ("just seen the lateral -", "having checked the OCT,"), a
  hedge of surprise ("after all", "on second thought"), an emphasis ("actually," in mid-sentence). The statement
  is read without them, so they are never written into the report.
* **contradicted statements** (:func:`contradicted`): a new finding said of a structure the draft states as
  normal or denied in the same region ("OCT shows macular oedema" for "Macula dry.", "both discs are swollen" for
  "The optic discs are flat.", "there IS intraventricular extension" for "No intraventricular hemorrhage.")
  replaces that statement; said for one side or eye of a statement of both, the statement stays for the other
  ("No tears in both eyes." + a tear in the right eye -> "No tears in the left eye.").
"""

from __future__ import annotations

import re

_SEP = r"\s*(?:[,;:.!]+|\s[-\u2013\u2014]+|[-\u2013\u2014]+\s)\s*"
#: an apology or a slip owned: "sorry", "my mistake", "my bad", "oops", "apologies", "correction"
_SORRY = r"(?:sorry|apologies|my\s+(?:mistake|bad|error|apologies)|oops|whoops|oh\s+dear|correction|erratum)"
#: a miss owned: "I missed that", "I forgot this one earlier", "I didn't mention it the first time round"
_MISSED = (r"(?:i|we)\s+(?:(?:completely|totally)\s+)?(?:missed|forgot|overlooked|omitted|left\s+out|"
           r"(?:did\s*n['\u2019]?t|did\s+not)\s+(?:see|mention|notice|include|report|put\s+in))"
           r"(?:\s+(?:(?:this|that)\s+one|that|this|it|one|them|those|these|something|a\s+bit|a\s+finding))?"
           r"(?:\s+(?:earlier|before|initially|at\s+first|first\s+time(?:\s+(?:round|around))?|"
           r"the\s+first\s+time(?:\s+(?:round|around))?|in\s+the\s+dictation|in\s+my\s+dictation))*")
#: how they came to see it, said before the statement: "just seen the lateral -", "having checked the OCT,"
_SEEN = (r"(?:(?:i(?:['\u2019]ve|\s+have)?\s+)?(?:just|now)\s+|having\s+|after\s+|i(?:['\u2019]ve|\s+have)\s+)"
         r"(?:seen|looked\s+at|checked|reviewed|been\s+through|gone\s+(?:over|through)|had\s+a\s+look\s+at|"
         r"re-?looked\s+at|looking\s+at|checking|reviewing|seeing)\s+(?:(?:the|my|our|a|an|his|her)\s+)?"
         r"[\w/-]+(?:\s+[\w/-]+){0,3}?")
#: a hedge of surprise after the statement: "after all", "on second thought(s)", "now that I look again"
_AFTER_ALL = (r"(?:after\s+all|on\s+second\s+thoughts?|now\s+that\s+i\s+look(?:\s+again)?|"
              r"(?:when|now)\s+i\s+look\s+(?:again|closer|more\s+closely))")

#: how they measured it, said before the statement with no comma: "remeasured with the dermatoscope ruler it is 7 mm"
_MEASURED = (r"(?:i\s+)?(?:re-?measured|re-?checked|measured|checked)(?:\s+(?:it|them|this|that))?\s+(?:with|on|using|in)"
             r"\s+(?:the|a|an|my|our)\s+[\w-]+(?:\s+[\w-]+){0,3}?\s+(?=(?:it|they|and\s+it)(?:['\u2019]s|\s+is|\s+are|"
             r"\s+measures?)\b)")
#: how they know it, said after the statement: "... on my recheck of the coronal post-contrast", "... on my review"
_HOW_TAIL = (r"on\s+(?:my|the|a|our)\s+(?:re-?check|re-?review|review|re-?look|second\s+look|re-?measure(?:ment)?)"
             r"(?:\s+of\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+){0,3})?")
_LEAD = re.compile(rf"^(?:(?:{_SORRY}|{_MISSED}|{_SEEN}){_SEP}|{_SORRY}\s+(?=(?:it|that|this|the|there|its)\b)|"
                   rf"{_MEASURED})+", re.I)
_TAIL = re.compile(rf"(?:\s*[,;:-]*\s*(?:{_SORRY}|{_MISSED}|{_AFTER_ALL}|{_HOW_TAIL}))+\s*[.!]*$", re.I)
#: "actually", "in fact", "after all" said in mid-sentence before a comma: "the deep plexus is normal actually, 50% both eyes"
_MID = re.compile(rf"\s+(?:actually|in\s+fact|really|{_AFTER_ALL})(?=\s*[,;])", re.I)
#: a wrong body part said with the right side: "wrong leg - left", "wrong hand, it's the right one"
_WRONG_PART = re.compile(r"^(?:(?:that|it)(?:['\u2019]s|\s+is)\s+)?(?:the\s+)?wrong\s+(?P<p>[a-z]+)\s*[,;:.!-]+\s*"
                         r"(?:(?:it|that)(?:['\u2019]s|\s+is)\s+|should\s+be\s+)?(?:the\s+)?(?P<s>left|right)"
                         r"(?:\s+(?:one|side|(?P=p)))?$", re.I)
#: an emphasis in capitals ("there IS", "it IS present"): the plain word
_EMPHASIS = re.compile(r"\b(IS|ARE|WAS|WERE|DOES|DO|HAS)\b")


def without_asides(text: str) -> str:
    """``text`` without the asides around a statement (see the module docstring); ``text`` itself when
    nothing would be left, or when what is left has fewer than two words."""
    t = text.strip()
    out = _EMPHASIS.sub(lambda m: m.group().lower(), t)
    for _ in range(3):
        before = out
        out = _LEAD.sub("", out).strip()
        if (m := _TAIL.search(out)) and len(out[:m.start()].split()) >= 2:
            out = out[:m.start()].strip(" ,;:-")
        if out == before:
            break
    out = _MID.sub("", out)
    # "wrong leg - left", "wrong hand, it's the right one": the side of what the case reports on is wrong
    if (m := _WRONG_PART.match(out)) and m.group("p").lower() not in ("side", "eye", "laterality", "way"):
        out = f"wrong side, {m.group('s').lower()}"
    # a place said after a comma is the finding's ("intraventricular extension, into the left lateral ventricle")
    out = re.sub(r",\s+(?=(?:into|within|involving|extending\s+into)\s+(?:the|both|his|her)\s)", " ", out, flags=re.I)
    out = re.sub(r"^(?:[,;:.!-]|\s)+", "", out)
    return out if len(out.split()) >= 2 else t


# -- contradicted statements ------------------------------------------------------------------------------

#: words that say no finding of their own: sides, eyes, articles, copulas, "normal" and its everyday forms
_NOT_SUBJECT = frozenset("""
the a an of in on at to with and or is are was were be there this that it its both either each left right
bilateral bilaterally eye eyes side sides od os ou lt rt no not any normal clear unremarkable healthy intact
preserved seen shows show showed confirms confirmed demonstrates also now actually small large tiny
""".split())
_PLACE = re.compile(r"\s(?:in|at|on|of|within|along|under|over|into|involving|extending|with|without|from|to|"
                    r"near|above|below|and)\s", re.I)


def _structures(reader) -> set[str]:
    """The stems of the words of the structures the lexicon names as subjects ("macula", "optic disc", "FAZ")."""
    from pixtralogist.agents.chat_edits import _stem, _words

    return {_stem(w) for k in (getattr(reader.lexicon, "subjects", None) or {}) for w in _words(str(k).lower())
            if w not in _NOT_SUBJECT and len(w) >= 3}


def _key_words(reader, text: str) -> list[str]:
    """The stems of the words of ``text`` (expanded) that could name what it is about."""
    from pixtralogist.agents.chat_edits import _stem, _words

    return [_stem(w) for w in _words(reader.expand(text).lower()) if w not in _NOT_SUBJECT and not w.isdigit()
            and len(w) >= 3]


def _same_stem(a: str, b: str) -> bool:
    """Two stems of one word ("macula"/"macul" of "macular"): equal, or one a prefix (five letters or more) of
    the other."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short)


def _head_phrase(text: str) -> str:
    """What a sentence is about: its words before the first place word or clause ("No intraventricular
    hemorrhage into ..." -> "intraventricular hemorrhage"; "Macula dry in the right eye." -> "Macula dry")."""
    t = " " + re.sub(r"^\s*(?:there\s+(?:is|are)\s+)?(?:no|without)\s+", "", text.strip().rstrip("."), flags=re.I) + " "
    t = re.split(r"[,;:]", t)[0] + " "
    m = _PLACE.search(t)
    return (t[:m.start()] if m else t).strip()


def _said_side(reader, text: str) -> str | None:
    side = reader.attributes(text).laterality
    if side is None and re.search(r"\bboth\s+(?:the\s+)?[a-z]+(?:s|ae|i)\b", text, re.I):
        side = "bilateral"  # "both discs", "both kidneys": said of both sides
    return side


_HAS = re.compile(r"^(?:the\s+)?(?P<side>left|right)\s+(?P<part>eye|side|lung|breast)\s+(?:has|shows|showed|have)\s+"
                  r"(?:an?\s+|some\s+)?(?P<x>.+)$", re.I)


def _plain(said: str) -> str:
    """"the left eye has X" -> "X in the left eye": the finding first, as dictated."""
    said = said.strip().rstrip(".")
    if m := _HAS.match(said):
        return f"{m.group('x')} in the {m.group('side').lower()} {m.group('part').lower()}"
    return said


def contradicts(reader, said: str, t) -> bool:
    """Whether the new, positive statement ``said`` contradicts the normal or denying sentence of ``t``: the
    sentence states no abnormality (the drafter's flag) and is about what ``said`` is about -- a normal statement
    of the same structure ("Macula dry." for "macular oedema"), or a denial whose phrase opens with the same word
    ("No intraventricular hemorrhage." for "intraventricular extension"; never "No pericardial effusion." for a
    pleural effusion) -- on the same side or on both."""
    from pixtralogist.agents.chat_edits import IMPERATIVE

    from pixtralogist.agents.chat_edits import _antonyms, _words

    said = _plain(said)
    if t.abnormal or t.is_default:
        return False
    if any(_antonyms(a, b) for a in _words(said) for b in _words(t.text)):
        return False  # "symmetrical" for "Asymmetric ...": the opposite word is swapped in place (chat_edits)
    if any(IMPERATIVE.match(c.strip()) for c in re.split(r"[,;]|\s[-\u2013\u2014]\s", said)[1:]):
        return False  # "the wires are irrelevant here, lose them": a request, never a statement of the finding
    if reader.attributes(said).polarity == "absent":
        return False  # a normal or absent statement contradicts no normal statement
    if reader.attributes(t.text).severity and not (t.negated or _denies(t.text)):
        return False  # a sentence with a severity states an abnormality, whatever its flag: a value is changed there
    rest = re.split(r"\b(?:is|are|was|were)\b", said, maxsplit=1)
    if len(rest) == 2 and set(re.findall(r"[a-z]+", rest[1].lower())) <= set(reader.severity) | {"now", "a", "bit"}:
        return False  # "the X is mild": a severity, never a new statement of the structure
    mine = _key_words(reader, _head_phrase(said) if not re.match(r"^(?:both\s+)?[a-z]+\s+(?:is|are)\b", said, re.I)
                      else said)
    theirs = _key_words(reader, _head_phrase(t.text))
    if not mine or not theirs:
        return False
    denied_in = re.search(r"\b(?:with|and|but)\s+no\s+(?P<x>.+)$", t.text.rstrip("."), re.I)
    if denied_in and not re.match(r"^\s*no\b", t.text, re.I):
        theirs = _key_words(reader, _head_phrase(denied_in.group("x")))  # "Retina flat with no tears ...": "tears"
        if not theirs:
            return False
    if t.negated or denied_in or re.match(r"^\s*no\b", t.text, re.I):
        if len(theirs) > 1 and len(mine) > 1:
            ok = _same_stem(theirs[0], mine[0])  # the kind of the denied finding ("intraventricular", "pericardial")
        else:
            ok = _same_stem(theirs[-1], mine[-1]) or any(_same_stem(a, b) for a in theirs for b in mine if len(a) >= 6)
    else:  # a normal statement: of a structure the lexicon names as a subject ("macula", "discs", "FAZ"), never
        # a device or finding sentence the drafter left unflagged ("Endotracheal tube 2 cm above carina.")
        if any(m.kind == "device" for m in reader.extractor.extract(reader.expand(t.text))):
            return False  # a device's sentence ("Endotracheal tube 2 cm above carina.") is no normal statement
        structures = _structures(reader)
        ok = any(_same_stem(a, b) for a in theirs if any(_same_stem(a, st) for st in structures) for b in mine)
    if not ok:
        return False
    mine_side, their_side = _said_side(reader, said), _their_side(reader, t.text)
    return their_side in (None, "bilateral") or mine_side in (None, their_side, "bilateral")


_BOTH_SIDES = re.compile(r"\s*\b(?:(?:on\s+)?(?:both|either|each)\s+sides?|bilaterally)\b", re.I)
_EITHER = re.compile(r"\b(in\s+)?either\s+(eye|side|lung|breast)\b", re.I)


def _their_side(reader, text: str) -> str | None:
    """The side a sentence states; a denial said of either eye or side ("No AMD in either eye.") is of both."""
    return "bilateral" if _EITHER.search(text) or _BOTH_SIDES.search(text) else reader.attributes(text).laterality


def other_side(text: str, side: str) -> str | None:
    """``text``, said of both sides or eyes ("... in both eyes.", "... OU.", "No X in either eye."), said of
    ``side`` alone; None when it names both sides in no such words."""
    from pixtralogist.agents.chat_values import per_side

    if (m := _EITHER.search(text)) and len(_EITHER.findall(text)) == 1:
        return text[:m.start()] + f"{m.group(1) or ''}the {side} {m.group(2).lower()}" + text[m.end():]
    if len(_BOTH_SIDES.findall(text)) == 1:  # "No X bilaterally." -> "No X on the left."
        return _BOTH_SIDES.sub(f" on the {side}", text, count=1)
    return per_side(text, side)


def merged(reader, said: str, t) -> list[str] | None:
    """The sentences that replace ``t`` when ``said`` contradicts it (:func:`contradicts`): for one side of a
    sentence of both, the sentence for the other side (then ``said``); else ``said`` alone, said of ``t``'s sides
    when it names none ("both discs are swollen" for "The optic discs are flat in both eyes." -> "Discs are swollen
    in both eyes."). None when it does not contradict ``t``."""
    if not contradicts(reader, said, t):
        return None
    said = _plain(said)
    side = _said_side(reader, said)
    out: list[str] = []
    if side in ("left", "right") and _their_side(reader, t.text) == "bilateral":
        other = other_side(t.text, "right" if side == "left" else "left")
        if other is None:
            return None  # a sentence of both sides in words this cannot split: nothing is guessed
        out.append(other)
    elif side in (None, "bilateral") and (tail := re.search(r"\s+(?:in|of)\s+(?:both\s+eyes|either\s+eye|the\s+(?:left|"
                                                            r"right)\s+eye)\s*\.?$", t.text, re.I)) \
            and not reader.attributes(said).laterality:
        said = re.sub(r"^both\s+", "", said, flags=re.I) + tail.group().rstrip(".")
    return out + [said[:1].upper() + said[1:] + "."]


def _denies(text: str) -> bool:
    return bool(re.match(r"^\s*no\b", text, re.I) or re.search(r"\b(?:with|and|but)\s+no\b", text, re.I))


def contradicted(reader, said: str, draft, regions, *, denials_only: bool = False) -> list[tuple[object, list[str]]]:
    """The sentences of ``regions`` that a new finding ``said`` contradicts, each with what stays of it (its
    other side: "No tears in the left eye."; nothing when all of it is contradicted); ``denials_only``: a denial
    only, never a normal statement (a finding said as one more: "there is also ...")."""
    out = []
    for f in draft.findings:
        if denials_only and not (f.negated or _denies(f.text)):
            continue
        if f.region in regions and (texts := merged(reader, said, f)) is not None:
            out.append((f, texts[:-1]))
    return out


def normal_of_region(edit, t, draft) -> bool:
    """A statement that the structure a region is named after is normal ("the deep plexus is normal, 50% both
    eyes" for "Deep capillary plexus": "DCP vessel density reduced, mild."): every word of its subject is a word of
    that region's label or name, and the region's sentence states an abnormality. The sentence is restated as
    said (shown as a before/after line), never left with the abnormality the clinician has just denied."""
    from pixtralogist.agents.chat_edits import _stem, _words

    if edit.kind != "statement" or edit.attrs.polarity != "absent" or not t.abnormal or t.negated:
        return False
    label = {_stem(w) for w in _words(t.region.replace("_", " ") + " " + draft.region_labels.get(t.region, ""))}
    subject = {_stem(w) for w in edit.subject}
    return len(subject) >= 1 and subject <= label and not any(
        f.region == t.region and f.abnormal and f.id != t.id and not f.is_default for f in draft.findings)


_SIZE_AT = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:\s*(?:x|by)\s*\d+(?:\.\d+)?)*\s*(?:mm|cm)\b", re.I)


def part_size(subject: tuple[str, ...], size: str, text: str) -> str | None:
    """``text`` with the size of the part the statement names replaced, when ``text`` states two sizes or more
    ("the solid core measures 6 mm" for "Subsolid lesion 11 mm with 4 mm solid core." -> "... 11 mm with 6 mm solid
    core."): the size next to (at most three words from) the first word of ``text`` the subject names; None when
    ``text`` states one size or fewer, or no size lies next to a subject word (nothing is guessed)."""
    from pixtralogist.agents.chat_edits import _stem

    sizes = list(_SIZE_AT.finditer(text))
    if len(sizes) < 2 or not subject:
        return None
    stems = {_stem(w.lower()) for w in subject}
    words = list(re.finditer(r"[A-Za-z][\w-]*", text))
    named = [w for w in words if _stem(w.group().lower()) in stems and w.group().lower() not in ("mm", "cm")]
    if not named:
        return None

    def gap(a: int, b: int) -> int:  # words between two offsets
        lo, hi = sorted((a, b))
        return len(re.findall(r"[\w.]+", text[lo:hi]))

    best = None
    for w in named:
        for m in sizes:
            d = gap(m.end(), w.start()) if m.end() <= w.start() else gap(w.end(), m.start())
            if d <= 3 and (best is None or d < best[0]):
                best = (d, m)
    if best is None:
        return None
    m = best[1]
    return text[:m.start()] + size + text[m.end():]


def denial_kept(reader, side: str, text: str) -> str | None:
    """A denial of both sides ("No AMD in either eye.", "No X in both eyes.") that a finding said for ``side``
    contradicts, said of the other side ("No AMD in the right eye."); None for a denial of one side or of no side
    ("No pneumothorax." goes whole)."""
    if _their_side(reader, text) != "bilateral" or not (re.match(r"^\s*no\b", text, re.I) or _denies(text)):
        return None
    return other_side(text, "right" if side == "left" else "left")


_UNIT_VALUE = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)\s*(?P<u>[A-Za-z]{1,4}\d?)(?![\w])")


def unit_value(said: str, text: str) -> str | None:
    """``text`` with the number of a value in a unit other than mm or cm replaced by the one said in that unit
    ("it's nearer 6 DD across" for "... dome ~4 DD inferotemporal ..." -> "~6 DD"; "0.52 mm2" for "0.42 mm2"): the
    unit is the draft's own (said right after the number, as the sentence writes it) and the sentence states one
    value in it; else None (nothing is guessed)."""
    said_units = [(m.group("n"), m.group("u")) for m in _UNIT_VALUE.finditer(said)
                  if m.group("u").lower() not in ("mm", "cm", "of", "to", "and", "or", "in", "at", "on", "x", "by")]
    if len(said_units) != 1:
        return None
    n, unit = said_units[0]
    found = [m for m in _UNIT_VALUE.finditer(text) if m.group("u") == unit or m.group("u").lower() == unit.lower()]
    if len(found) != 1 or found[0].group("n") == n:
        return None
    m = found[0]
    return text[:m.start("n")] + n + text[m.end("n"):]
