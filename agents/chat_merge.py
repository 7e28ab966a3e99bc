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
from dataclasses import dataclass, field

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


# -- statement shapes of round 12 ---------------------------------------------------------------------------------
#
# * an opinion said as the clinician's ("I'd call the X moderate, not mild", "the X looks moderate to me rather than
#   small"): the statement "the X is moderate, not mild" (:func:`plain_opinion`);
# * a conclusion given as a bare value after its reason ("LVI is there after all, one focus on level 3 - so
#   present", "the oedema is extensive, so severe"): "LVI is present", "the oedema is severe" (:func:`bare_conclusion`);
# * reported speech ("she says it's been getting bigger", "patient reports orthopnoea"): the patient's report,
#   written as such in the template's catch-all region, never read as a finding of the images (:func:`reported`);
# * a correction that names the old value ("X, not Y", "X rather than Y", "not Y but X", "isn't Y but X") or a bare
#   new value after "no," ("no, it's inferotemporal", "no, moderate"): the value is swapped in the one finding that
#   states the old value (or the one value of the same kind); when more than one finding could be meant, the
#   clinician is asked which, and nothing is changed (:func:`value_swap`).

_OPINION = re.compile(
    r"^(?:i['\u2019]?d|i\s+would|we['\u2019]?d|we\s+would|i['\u2019]?ll|i\s+will)\s+(?:call|grade|rate|describe|"
    r"class(?:ify)?|score|put|say)\s+(?P<x>.+?)\s+(?:as\s+|at\s+)?(?P<v>[\w.+/%-]+)"
    r"(?P<rest>\s*,?\s*(?:not|rather\s+than|instead\s+of)\s+.+)?$", re.I)
_LOOKS = re.compile(r"^(?P<x>.+?)\s+(?:looks|seems|appears|look|seem|appear)\s+(?:more\s+|rather\s+)?(?P<v>[\w.+/%-]+"
                    r"(?:\s+[\w.+/%-]+)?)\s+to\s+(?:me|us)\b\s*(?P<rest>.*)$", re.I)


def plain_opinion(text: str) -> str:
    """"I'd call the X V[, not W]" / "the X looks V to me [rather than W]" -> "the X is V[, not W]"; else ``text``."""
    t = text.strip().rstrip(".!")
    if (m := _OPINION.match(t)) and not re.search(r"\b(?:is|are|was|were)\b", m.group("x"), re.I):
        return f"{m.group('x')} is {m.group('v')}{m.group('rest') or ''}"
    if m := _LOOKS.match(t):
        rest = m.group("rest").strip()
        return f"{m.group('x')} is {m.group('v')}" + ("" if not rest else rest if rest.startswith(",") else " " + rest)
    return text


#: a finding said as seen by the clinician: "saw LVI on the deeper levels", "I can see a small pneumothorax"
_SEEN_LEAD = re.compile(r"^(?:(?:i|we)\s+(?:can\s+|could\s+|do\s+|did\s+)?(?:see|spot|find|notice)\s+|"
                        r"(?:(?:i|we)\s+)?(?:saw|spotted|noticed|found|can\s+see|could\s+see)\s+)"
                        r"(?!(?:the\s+)?(?:patient|pt|her|him|them|it|that|this|you|is|was|should|are)\b)"
                        r"(?:an?\s+|some\s+)?(?P<x>\S.*)$", re.I)


def seen_as_there(text: str) -> str:
    """"saw LVI on the deeper levels" -> "there is LVI on the deeper levels": a finding the clinician saw is a
    finding stated; else ``text``."""
    m = _SEEN_LEAD.match(text.strip())
    return f"there is {m.group('x')}" if m else text


#: a bare value concluded after a reason: "..., so present", "... - so severe", "...; therefore positive"
_BARE_CONCLUSION = re.compile(r"^(?P<r>.+?)\s*(?:[,;]|\s[-\u2013\u2014]+)\s*(?:so|therefore|hence|thus)\s+"
                              r"(?:(?:it|that|this)(?:['\u2019]s|\s+is)\s+)?(?P<v>(?:not\s+)?[a-z][\w-]*)\s*[.!]*$", re.I)
#: the finding a reason names: "X is there / seen / present ...", "there is X", "shows X"
_REASON_SUBJECT = (
    re.compile(r"^(?:on\s+[\w -]+?,?\s+)?there\s+(?:is|are|was|were)\s+(?:an?\s+|some\s+|definite\s+|focal\s+)?"
               r"(?P<x>[a-z][\w/-]*(?:\s+[a-z][\w/-]*){0,3})$", re.I),
    re.compile(r"^(?P<x>(?:the\s+)?[a-z][\w/-]*(?:\s+[a-z][\w/-]*){0,3}?)\s+(?:is|are|was|were|['\u2019]s)\b", re.I),
)


def bare_conclusion(text: str) -> str | None:
    """"LVI is there after all, one focus on level 3 - so present" -> "LVI is present"; "the oedema is extensive,
    so severe" -> "the oedema is severe": the conclusion said of the finding the reason's first clause names; None
    when the text is no such shape or the reason names no finding."""
    m = _BARE_CONCLUSION.match(text.strip())
    if m is None or m.group("v").lower() in ("it", "that", "this", "they", "the", "there", "i", "we", "one", "a", "an"):
        return None
    first = re.split(r"\s*(?:[,;:]|\s[-\u2013\u2014]+\s)\s*", m.group("r").strip())[0]
    first = re.sub(rf"\s+{_AFTER_ALL}\s*$", "", first, flags=re.I).strip()
    for form in _REASON_SUBJECT:
        if (s := form.match(first)) and s.group("x").split()[-1].lower() not in _NOT_SUBJECT | {"there"}:
            return f"{s.group('x')} is {m.group('v')}"
    return None


#: speech reported from the patient or their family: "she says ...", "patient reports ...", "mum tells me ..."
_REPORTED = re.compile(
    r"^(?:the\s+)?(?:patient|pt|she|he|they|mum|mom|mother|father|dad|parents?|husband|wife|partner|family|carer)\s+"
    r"(?:says|said|reports|reported|mentions|mentioned|tells\s+me|told\s+me|tells\s+us|told\s+us|notes|noted|"
    r"describes|described|complains\s+of|complained\s+of|feels|felt|thinks|noticed|has\s+noticed)\s+(?:that\s+)?"
    r"(?P<x>\S.*)$", re.I)
#: everyday words for a course, written as a report writes them ("it's been getting bigger": enlarging)
_LAY_COURSE = ((re.compile(r"\b(?:getting|grown|growing)\s+(?:bigger|larger)\b", re.I), "enlarging"),
               (re.compile(r"\b(?:getting|got)\s+smaller\b", re.I), "getting smaller"),
               (re.compile(r"\bgot\s+(?:bigger|larger)\b", re.I), "enlarged"))


def reported(text: str) -> str | None:
    """The sentence that records speech reported from the patient ("she says it's been getting bigger over the
    last 3 months" -> "Patient reports it has been enlarging over the last 3 months."), else None."""
    m = _REPORTED.match(text.strip().rstrip(".!"))
    if m is None or len(m.group("x").split()) < 1:
        return None
    x = m.group("x").strip()
    for form, word in _LAY_COURSE:
        x = form.sub(word, x)
    x = re.sub(r"\bit['\u2019]s\s+been\b", "it has been", x, flags=re.I)
    x = re.sub(r"\b(she|he)['\u2019]s\b", lambda g: g.group(1) + " has", x, flags=re.I)
    return f"Patient reports {x[:1].lower() + x[1:] if not x[:2].isupper() else x}."


# value swaps -------------------------------------------------------------------------------------------------

_V = r"[\w.+/%-]+(?:\s+[\w.+/%-]+){0,3}"
_NOT_OLD = re.compile(rf"^(?P<head>.*?)\s*,?\s+(?:not|rather\s+than|instead\s+of)\s+(?:the\s+|an?\s+)?(?P<old>{_V}?)"
                      rf"(?:\s+one)?$", re.I)
_NOT_BUT = re.compile(rf"^(?P<head>.*?)\b(?:is\s*n['\u2019]?t|is\s+not|are\s*n['\u2019]?t|are\s+not|not)\s+"
                      rf"(?:the\s+|an?\s+)?(?P<old>{_V}?)\s*,?\s+but\s+(?:rather\s+)?(?:the\s+|an?\s+)?(?P<new>{_V})$",
                      re.I)
_BARE_NO = re.compile(rf"^(?:(?:no|nope|wrong)\s*[,.;:!-]+\s*)?(?:(?:it|that|this|they)(?:['\u2019]s|['\u2019]re|\s+is|\s+are)"
                      rf"\s+|should\s+be\s+)?(?:the\s+|an?\s+)?(?P<new>{_V})$", re.I)
_NUM = re.compile(r"(?<![\w.])(?P<n>\d+(?:\.\d+)?)(?:\s*(?P<u>mm2|mm|cm|dd|%|ml))?(?![\w%]|\.\d)", re.I)
#: units of one kind of value (a value in one may be said in the other)
_UNIT_KIND = {"mm": "length", "cm": "length"}
_OF = re.compile(r"(?<![\w.])(?P<a>\d+)\s*(?:/|of|out\s+of)\s*(?P<b>\d+)(?!\w|\.\d)", re.I)
#: the kinds of a value said alone: one word of a direction (compound or not), of a grade of severity, a keyword
#: with its number ("type 2", "grade 3"), a number in a unit
_DIRS = ("superior inferior anterior posterior medial lateral temporal nasal upper lower inner outer proximal distal "
         "central peripheral dorsal ventral superficial deep").split()
_DIR = re.compile(r"\b(?:(?:supero|infero|antero|postero|medio|latero)[\s-]?)?(?:" + "|".join(_DIRS) + r")\b", re.I)
_SEVERITY = re.compile(r"\b(?:minimal|mild|moderate|severe|marked|trace|tiny|small|large|massive)\b", re.I)
_KEYED = re.compile(r"\b(?P<k>type|grade|stage|zone|level|category|class)\s+(?P<n>[0-9ivx]+[a-c]?)\b", re.I)


#: words that are no value of their own (an old or new value of one of these is no swap)
_NOT_VALUE = frozenset("the a an of in on at to with and or is are was were be there this that it its both either "
                       "each one ones i we you he she they me".split())


@dataclass
class Swap:
    """A value swap: the finding whose text changes and its new text; or, with ``candidates``, the findings that
    could be meant (ask which)."""
    target: object = None
    new_text: str = ""
    also: list = field(default_factory=list)  # the same sentence drafted into other regions: swapped the same way
    candidates: list = field(default_factory=list)
    said: str = ""
    bare: bool = False  # a value said alone ("no, it's inferotemporal"): only when the reader changed nothing
    by_last: bool = False  # of the finding the last change wrote, one of several that could be meant


def _case_as(old: str, new: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def _phrase(text: str, words: str) -> list[re.Match[str]]:
    return list(re.finditer(r"(?<![\w-])" + r"[\s-]+".join(re.escape(w) for w in words.split()) + r"(?![\w-])",
                            text, re.I))


def _swap_in(text: str, old: str, new: str) -> str | None:
    """``text`` with its one statement of ``old`` replaced by ``new`` (a number keeps the sentence's unit when the
    new value says none; "2/4" and "2 of 4" are one value); None when ``text`` states ``old`` not exactly once."""
    o, n = _OF.fullmatch(old.strip()), _OF.fullmatch(new.strip())
    if o and n:
        found = [m for m in _OF.finditer(text) if (m.group("a"), m.group("b")) == (o.group("a"), o.group("b"))]
        if len(found) != 1:
            return None
        m = found[0]
        sep = text[m.end("a"):m.start("b")]
        return text[:m.start()] + n.group("a") + sep + n.group("b") + text[m.end():]
    o, n = _NUM.fullmatch(old.strip()), _NUM.fullmatch(new.strip())
    if o and n:
        unit = (o.group("u") or n.group("u") or "").lower()
        found = [m for m in _NUM.finditer(text) if m.group("n") == o.group("n")
                 and (not unit or (m.group("u") or "").lower() in (unit, ""))]
        if len(found) != 1:
            return None
        m = found[0]
        return text[:m.start("n")] + n.group("n") + text[m.end("n"):]
    if _NUM.search(old) or _OF.search(old):
        return None
    found = _phrase(text, old)
    if len(found) != 1:
        return None
    m = found[0]
    return text[:m.start()] + _case_as(m.group(), new) + text[m.end():]


def _new_value(head: str, old: str) -> str | None:
    """The new value at the end of ``head`` ("the white matter change is moderate" -> "moderate"; "the tube sits
    2 cm above the carina" with old "5" -> "2 cm"): a number (in its unit) when the old value is one, else as many
    words as the old value has (one more when the last word of the old value ends the head's too)."""
    if _OF.fullmatch(old.strip()):
        found = list(_OF.finditer(head))
        return found[-1].group() if found else None
    if _NUM.fullmatch(old.strip()):
        found = list(_NUM.finditer(head))
        return found[-1].group() if found else None
    words = re.findall(r"[\w.+/%-]+", head)
    k = len(old.split())
    if len(words) < k:
        return None
    return " ".join(words[-k:])


def _kind_of(value: str) -> re.Pattern[str] | None:
    """The kind (a pattern that finds its values) of a value said: a direction, a grade of severity, a keyed number."""
    return next((k for k in (_DIR, _SEVERITY, _KEYED) if k.fullmatch(value.strip())), None)


def _candidates(findings, old: str, new: str, head: str) -> list[tuple[object, str]]:
    """The findings whose sentence states ``old`` once, each with its sentence with ``new``; when several, those
    whose words the head names (the stems of five letters or more of the statement's subject)."""
    from pixtralogist.agents.chat_edits import _stems

    if (_kind_of(old) or _kind_of(new)) is not None and _kind_of(old) is not _kind_of(new):
        return []  # "severe" for "upper": no value of one kind for another
    out = [(f, t) for f in findings if (t := _swap_in(f.text, old, new)) is not None
           and (_NUM.search(new) or not _phrase(f.text, new))]  # never a word the sentence already says
    if len(out) > 1:
        want = {w for w in _stems(head) if len(w) >= 4}
        named = [(f, t) for f, t in out if want & _stems(f.text)]
        out = named or out
    return out


def _same_kind(new: str, text: str) -> list[re.Match[str]]:
    """The values of ``text`` of the kind of the value ``new`` said alone, that differ from it."""
    if (k := _KEYED.fullmatch(new.strip())):
        return [m for m in _KEYED.finditer(text) if m.group("k").lower() == k.group("k").lower()
                and m.group("n").lower() != k.group("n").lower()]
    if (n := _NUM.fullmatch(new.strip())) and n.group("u"):
        # a length is one kind whatever its unit: "it's 5 cm" may mean the 8 mm nodule as well as the 4 cm mass
        unit = _UNIT_KIND.get(n.group("u").lower(), n.group("u").lower())
        return [m for m in _NUM.finditer(text)
                if _UNIT_KIND.get((m.group("u") or "").lower(), (m.group("u") or "").lower()) == unit
                and m.group(0).lower().replace(" ", "") != new.strip().lower().replace(" ", "")]
    for kind in (_DIR, _SEVERITY):
        if kind.fullmatch(new.strip()):
            norm = re.sub(r"[\s-]+", "", new.lower())
            return [m for m in kind.finditer(text) if re.sub(r"[\s-]+", "", m.group().lower()) != norm]
    return []


#: a finding said to lie in a place: "the tumour is in the lower outer quadrant", "the dropout sits nasally"
_LOCATED = re.compile(rf"^(?:the\s+|its\s+)?(?P<subj>.+?)\s+(?:is|are|lies|lie|sits|sit|was|were)\s+(?:(?:located|situated|"
                      rf"centred|centered)\s+)?(?:in|at|on|within)\s+(?:the\s+)?(?P<new>{_V})$", re.I)
#: words of a position on a part ("lower outer quadrant": "lower outer" of "quadrant")
_POSITION_WORDS = frozenset(_DIRS) | {"mid", "middle", "apical", "basal"}


def _placed(findings, new: str, subject: str) -> list[tuple[object, str]]:
    """The findings whose sentence names the part ``new`` names at another position ("Upper outer quadrant." for
    "lower outer quadrant"), each with the sentence at the new position; when several, those the subject names."""
    from pixtralogist.agents.chat_edits import _stems

    ws = new.lower().split()
    k = 0
    while k < len(ws) and (ws[k] in _POSITION_WORDS or _DIR.fullmatch(ws[k])):
        k += 1
    if k == 0 or k != len(ws) - 1:
        return []  # no position, or more than one word after it: no part said at a position
    part, pos = ws[-1], " ".join(ws[:k])
    form = re.compile(r"(?<![\w-])((?:(?:" + "|".join(sorted(_POSITION_WORDS)) + r")[\s-]+)+)" + re.escape(part)
                      + r"(?![\w-])", re.I)
    out = []
    for f in findings:
        found = list(form.finditer(f.text))
        if len(found) == 1 and " ".join(found[0].group(1).lower().split()) != pos:
            m = found[0]
            out.append((f, f.text[:m.start(1)] + _case_as(m.group(1), pos) + " " + f.text[m.end(1):]))
    if len(out) > 1:
        want = {w for w in _stems(subject) if len(w) >= 4}
        out = [(f, t) for f, t in out if want & _stems(f.text)] or out
    return out


#: a count said: "2 of the 3 sentinel nodes are positive", "1 out of 4"
_COUNT = re.compile(r"(?<![\w.])(?P<a>\d+)\s+(?:of|out\s+of)\s+(?:the\s+)?(?P<b>\d+)(?![\w.])", re.I)


def _count_said(text: str) -> tuple[str, str] | None:
    from pixtralogist.agents.chat_free import spoken_numbers

    found = list(_COUNT.finditer(spoken_numbers(text)))
    return (found[0].group("a"), found[0].group("b")) if len(found) == 1 else None


def _counted(findings, a: str, b: str) -> list[tuple[object, str]]:
    """The findings that state one count of ``b`` ("0/3", "0 of 3") other than ``a``, each with ``a`` in it."""
    out = []
    for f in findings:
        found = [m for m in _OF.finditer(f.text) if m.group("b") == b]
        if len(found) == 1 and found[0].group("a") != a:
            m = found[0]
            out.append((f, f.text[:m.start("a")] + a + f.text[m.end("a"):]))
    return out


def value_swap(said: str, draft, last_edited: set[str] | frozenset[str] = frozenset()) -> Swap | None:
    """The swap a correction asks for (see the comment above), else None: nothing of this shape, or no finding
    states the old value (the edit reader's, as before). ``last_edited``: the texts of the findings the last
    change wrote; a value said alone is of the one of them that could be meant, when several could."""
    t = said.strip().rstrip(".!")
    findings = [f for f in draft.findings if not f.is_default]
    if m := _NOT_BUT.match(t):
        pairs = [(m.group("head"), m.group("old"), m.group("new"))]
    elif (m := _NOT_OLD.match(t)) and m.group("head").strip():
        head, old = m.group("head").strip(" ,"), m.group("old")
        new = _new_value(head, old)
        pairs = [(head, old, new)] if new else []
        if new and not _NUM.search(old) and (kind := _kind_of(old)) is not None:
            # "it's in the lower lobe, not the upper": the new value is the head's last word of the old one's kind
            said = [m.group() for m in kind.finditer(head)]
            pairs = [(head, old, said[-1])] if said else []
        elif new and not _NUM.search(old):  # "the left eye is severe, not moderate": one word said for one
            pairs = [(head, " ".join(old.split()[:k]), " ".join(head.split()[-k:]))
                     for k in range(len(old.split()), 0, -1) if len(head.split()) >= k]
    elif (m := _LOCATED.match(t)) and (hits := _placed(findings, m.group("new"), m.group("subj"))):
        if len(hits) > 1:
            return Swap(candidates=[f for f, _ in hits], said=m.group("new"))
        return Swap(target=hits[0][0], new_text=hits[0][1], said=m.group("new"))
    elif (c := _count_said(t)) is not None and (hits := _counted(findings, *c)):
        if len({f.text for f, _ in hits}) > 1:
            return Swap(candidates=[f for f, _ in hits], said=f"{c[0]} of {c[1]}")
        return Swap(target=hits[0][0], new_text=hits[0][1], said=f"{c[0]} of {c[1]}", also=[f for f, _ in hits[1:]])
    elif m := _BARE_NO.match(t):
        new = m.group("new").strip()
        hits = [(f, ms) for f in findings if (ms := _same_kind(new, f.text))]
        if not hits:
            return None
        by_last = len(hits) > 1 and len(last := [(f, ms) for f, ms in hits if f.text in last_edited]) == 1
        if by_last:
            hits = last  # "no, it's inferotemporal" just after an edit: of the finding that edit wrote
        if len({f.text for f, _ in hits}) > 1 or len(hits[0][1]) > 1:
            return Swap(candidates=[f for f, _ in hits], said=new, bare=True)
        f, (mm,) = hits[0]
        new_text = f.text[:mm.start()] + _case_as(mm.group(), new) + f.text[mm.end():]
        return Swap(target=f, new_text=new_text, said=new, bare=True, also=[g for g, _ in hits[1:]], by_last=by_last)
    else:
        return None
    for head, old, new in pairs:
        if not old or not new or old.lower() == new.lower() or old.lower() in _NOT_VALUE or new.lower() in _NOT_VALUE:
            continue
        found = _candidates(findings, old.strip(), new.strip(), head)
        if len({f.text for f, _ in found}) == 1:
            return Swap(target=found[0][0], new_text=found[0][1], said=new, also=[f for f, _ in found[1:]])
        if len(found) > 1:
            return Swap(candidates=[f for f, _ in found], said=new)
    return None
