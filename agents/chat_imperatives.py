"""Imperative turns the plain readers miss, written in the forms they know (round 11, shapes only: no finding
vocabulary lives here; tested with nonce words in tests/test_chat_imperatives.py and the imperative families of
benchmarks/chat_shapes.py).

- a removal said with a remark after it ("take the size out, I didn't measure them", "delete the bit about the
  X, irrelevant here"): the remark is dropped when it names no finding (:func:`removal_with_remark`);
- a removal verb said last ("X is unnecessary, delete", "that X is artefact, take it out", "X are irrelevant
  here, lose them"): ``remove X`` (:func:`trailing_removal`);
- "add that <clause>" / "note that <clause>" ("add that they scrape off easily"): the clause is a statement about
  the draft's finding, added as dictated (:func:`add_that`);
- "X should also be mentioned in the impression", "the impression should also mention X": ``add X to the
  impression`` (:func:`mention_in_impression`);
- "change the <region> to <finding>" ("change the heart to <severity> <finding>"), where the region states a
  normal or default sentence: the finding, said as a statement, which the region's normal sentences give way to
  (its other sentences and its denials stay) (:func:`region_to_finding`);
- a size said of the word "size" ("<X> size should read 17 mm", "size is 3.6 cm - <remark>"): ``the X measures N``
  ("it measures N": the finding that states a size) (:func:`size_of`);
- an added finding replaces the denial of the same finding concept in the region it is written to, on its side
  (or both sides), never the other eye's or side's denial (:func:`same_side_denials`).

Round 12 (fixer chatimp; tested with nonce words in tests/test_round12_chatimp.py):

- an undo said with a remark that the draft was right before the last change ("go back, that was right before",
  "undo, it was fine", "I prefer the original, revert it"), that remark alone when it says *before* ("it was right
  before"), and "go back a step", "revert to before" (:func:`undo_said`);
- an addition said with a particle ("put in X", "stick X in", "pop in X too", "..., I forgot it"), X a new finding
  (:func:`particle_add`);
- a sentence put into a region by its name ("put 'X' in the dermoscopy"): written there as said
  (:func:`put_in_region`);
- the object said first and the command after it with a pronoun ("the X one - lose it, it was artefact")
  (:func:`object_first`), a removal said last with a negated copula or after "I was wrong about the X"
  (:func:`trailing_removal`), the object the draft's own words where the vocabulary lacks them (:func:`in_draft`);
- phrasal changes ("tone the X down to mild", "turn X into Y", "swap X for Y") (:func:`phrasal_change`).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from pixtralogist.core.text import upper_first

_Q = "'\"\u2018\u2019\u201c\u201d"
_PLEASE = r"(?:(?:please|pls|can\s+you|could\s+you|just)\s*,?\s+)?"
_PRONOUN = r"(?:it|them|that|this|those|these)"


def _removal_verbs() -> str:
    """The plain reader's removal verbs (one list, ``chat_edits``), each also with a pronoun before its particle
    ("take it out", "leave them out", "get rid of it")."""
    from pixtralogist.agents.chat_edits import _REMOVE_VERBS

    forms = [v.replace(r"\s+", rf"\s+(?:{_PRONOUN}\s+)?", 1) if r"\s+" in v else v for v in _REMOVE_VERBS]
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


_REMOVE_VERBS = _removal_verbs()


def _unquote(text: str) -> str:
    text = text.strip().strip(" ,;:-").strip()
    if len(text) >= 2 and text[0] in _Q and text[-1] in _Q:
        text = text[1:-1].strip()
    return text


#: "take the X out, <remark>", "delete the bit about the X - <remark>"
_REMOVAL_HEAD = re.compile(
    rf"^(?P<head>{_PLEASE}(?:{_REMOVE_VERBS}|take|get\s+rid\s+of)\b.+?)\s*(?:,|;|\s[-\u2013\u2014]+\s|\.\s)\s*(?P<tail>\S.*)$",
    re.I)


def removal_with_remark(text: str, names_finding: Callable[[str], bool], is_removal: Callable[[str], bool]) -> str | None:
    """The removal of "<removal>, <remark>" when the remark names no finding and the head alone reads as a
    removal; else None."""
    m = _REMOVAL_HEAD.match(text.strip())
    if not m:
        return None
    head, tail = m.group("head").strip(), m.group("tail").strip()
    if (names_finding(tail) and not _REASON_TAIL.match(tail)) or not is_removal(head):
        return None  # ("..., it was just a vessel": a reason that names another finding is still a reason)
    return head


#: "X is unnecessary, delete", "that X is artefact - take it out", "X are irrelevant here, lose them"
_TRAILING = re.compile(
    rf"^(?P<x>.+?)(?:\s+(?:is|are|was|were|looks?|seems?|(?:is|are|was|were)(?:\s+not|n['\u2019]?t)|"
    rf"(?:does|do)(?:\s+not|n['\u2019]?t)\s+(?:exist|look\s+\w+))(?:\s+(?P<why>[^,;]+?))?)?\s*"
    rf"(?:,|;|\s[-\u2013\u2014]+\s|:)\s*"
    rf"(?:(?:so|just|then|please|pls)\s+)*(?P<v>{_REMOVE_VERBS})(?:\s+{_PRONOUN})?(?:\s+(?:out|off))?"
    rf"(?:\s+(?:please|pls|thanks))?\s*[.!]*$", re.I)


def trailing_removal(text: str, names_finding: Callable[[str], bool]) -> str | None:
    """``remove X`` for a removal verb said after what it removes, else None. The subject must name a finding
    (a pronoun alone, "it's wrong, delete it", is never guessed)."""
    m = _TRAILING.match(text.strip())
    if not m:
        return None
    x = _unquote(m.group("x"))
    if re.fullmatch(r"i|we", x, re.I) and m.group("why"):  # "I was wrong about the X, take it out"
        x = re.sub(r"^.*?\b(?:about|with|on|re|regarding)\s+", "", m.group("why"), flags=re.I)
    # "I was wrong about the X, take it out", "I don't think there's an X, lose it": the thing named
    x = re.sub(r"^(?:i|we)\s+(?:was|were|am|['\u2019]m|got|made\s+a\s+mistake|think|thought|don['\u2019]?t\s+think|"
               r"do\s+not\s+think)\b.*?\b(?:about|with|on|re|regarding|there['\u2019]?s|there\s+is|is)\s+(?:an?\s+)?",
               "", x, flags=re.I)
    x = re.sub(r"^(?:that|this|those|these|the)\s+", "", x, flags=re.I)
    x = re.sub(r"\s+(?:one|line|sentence|bit|mention)$", "", x, flags=re.I)
    if not x or not names_finding(x) or re.match(rf"^{_PRONOUN}$", x, re.I):
        return None
    return f"remove {x}"


#: (not "say/state/write/note that ...": the plain reader's statement about a finding the draft has)
_ADD_THAT = re.compile(rf"^{_PLEASE}(?:add|mention|include)(?:\s+in)?\s+that\s+(?P<c>\S.*)$", re.I)
#: a clause's subject that points back at the draft's finding
_BACK = re.compile(r"^(?:it|they|these|this|those|the\s+lesions?|the\s+lesion|the\s+finding)\s+(?=\S)", re.I)


def add_that(text: str) -> str | None:
    """The clause of "add that <clause>" as a statement about the draft's finding ("they scrape off easily" ->
    "also scrape off easily": the pronoun names no finding; the drafter places the rest); else None."""
    m = _ADD_THAT.match(text.strip())
    if not m:
        return None
    clause = m.group("c").strip().rstrip(".!")
    clause = re.sub(r"^(?:it|they|these|those|this)(?:['\u2019]s|['\u2019]re)\s+", "", clause, flags=re.I)
    clause = re.sub(r"^there(?:\s+is|\s+are|['\u2019]s)\s+(?:also\s+)?", "", clause, flags=re.I)
    clause = _BACK.sub("", clause)
    clause = re.sub(r"^(?:has|have|shows?|showed)\s+", "", clause, flags=re.I)  # "it has a X": the X
    clause = re.sub(r"^(?:is|are|was|were)\s+", "", clause, flags=re.I)
    return f"there is also {clause}" if clause else None


_IMP = r"(?:the\s+)?(?:impression|conclusion|summary)"
_MENTION = re.compile(
    rf"^{_IMP}\s+(?:should|must|needs\s+to|ought\s+to|has\s+to)\s+(?:also\s+)?(?:mention|include|say|state|list)\s+(?P<x>\S.*)$"
    rf"|^(?P<x2>\S.*?)\s+(?:should|must|needs\s+to|ought\s+to|has\s+to)\s+(?:also\s+)?(?:be\s+)?(?:mentioned|included|listed|"
    rf"stated|added|put|go)\s+(?:in|into|to|under)\s+{_IMP}$", re.I)


def mention_in_impression(text: str) -> str | None:
    """``add X to the impression`` for "the impression should (also) mention X", "X should be mentioned in the
    impression"; else None."""
    m = _MENTION.match(text.strip().rstrip(".!"))
    if not m:
        return None
    x = _unquote(m.group("x") or m.group("x2"))
    x = re.sub(r"^also\s+", "", x, flags=re.I)
    return f"add {x} to the impression" if x else None


_REGION_TO = re.compile(rf"^{_PLEASE}(?:change|set|make|update|amend)\s+(?:the\s+)?(?P<r>[\w /-]+?)\s+(?:to|into)\s+"
                        r"(?:an?\s+)?(?P<y>\S.*)$", re.I)


def region_to_finding(text: str, resolve: Callable[[str], str | None], names_finding: Callable[[str], bool],
                      region_text: Callable[[str], list[Any]]) -> str | None:
    """The statement of "change the <region> to <finding>" when the words name a region (not a finding) whose
    sentences are all normal or default statements, and the new words name a finding; else None."""
    m = _REGION_TO.match(text.strip().rstrip(".!"))
    if not m:
        return None
    said, new = m.group("r").strip(), m.group("y").strip()
    region = resolve(said)
    if region in (None, "impression") or names_finding(said) or not names_finding(new):
        return None
    if not any(region_text(region)):
        return None  # no normal sentence the finding replaces: which sentence changes is the plain reader's to decide
    return f"there is {new}"


def same_side_denials(reader: Any, placed: list[tuple[str, str]], findings: list[Any], side: str | None) -> list[Any]:
    """The denials an added finding replaces: a sentence of a region a new sentence is written to that denies a
    finding concept the new sentence states, said of the new side, of both, or of none; never the other
    side's denial."""
    out = []
    for region, text in placed:
        concepts = reader.concepts_of(reader.expand(text))
        if not concepts:
            continue
        for f in findings:
            if f.region != region or f in out or getattr(f, "is_default", False):
                continue
            attrs = reader.attributes(f.text)
            if attrs.polarity != "absent" or not (reader.concepts_of(reader.expand(f.text)) & concepts):
                continue
            if of_other_side(reader, f, side):
                continue  # "No X in the left eye." stays when X is added in the right eye
            out.append(f)
    return out


def of_other_side(reader: Any, f: Any, side: str | None) -> bool:
    """Whether ``f`` is said of one side and ``side`` is the other."""
    theirs = reader.attributes(reader.expand(f.text)).laterality
    return side in ("left", "right") and theirs in ("left", "right") and theirs != side


def _normal_sentence(reader: Any, f: Any) -> bool:
    """A sentence that says its structure is normal: a template default, a normal statement ("Heart size is
    normal.", "The lungs are clear."); never a denial of a finding ("No pneumothorax." stays beside a new one)."""
    from pixtralogist.agents.chat_free import _NORMAL

    return bool(getattr(f, "is_default", False) or re.search(rf"\b{_NORMAL}\b", f.text, re.I)
                and not re.search(r"^\s*(?:no|without)\b|\bno\s+(?!\w+\s+(?:is|are)\b)", f.text, re.I))


def imperative_form(text: str, draft: Any, reader: Any) -> tuple[str, str | None]:
    """``(text, region)``: the message in the plain form the reader knows, and, for "change the <region> to
    <finding>", the region whose normal sentences the finding replaces (else None). The message itself when no
    form here applies."""
    def is_removal(head: str) -> bool:
        edit = reader.read(head)
        return edit is not None and edit.kind in ("remove", "unimpress")

    def names(x: str) -> bool:  # a finding of the vocabulary, or the draft's own words for one ("hiatus hernia")
        return reader.names_finding(x) or in_draft(x, draft, reader)

    if (said := object_first(text, names)) is not None:
        text = said  # "the X one - lose it": "lose the X"
    if (head := removal_with_remark(text, reader.names_finding, is_removal)) is not None:
        return head, None
    if (plain := trailing_removal(text, names)) is not None:
        return plain, None
    if (plain := phrasal_change(text)) is not None:
        return plain, None
    if (plain := particle_add(text, names)) is not None:
        return plain, None
    if (plain := mention_in_impression(text)) is not None:
        return plain, None
    if (plain := size_of(text, reader.names_finding)) is not None:
        return plain, None
    if (plain := add_that(text)) is not None:
        return plain, None
    region_of = {}

    def region_text(region: str) -> list[bool]:
        return [_normal_sentence(reader, f) for f in draft.findings if f.region == region]

    def resolve(said: str) -> str | None:
        region_of[said] = reader.resolve_region(said)
        return region_of[said]

    if (plain := region_to_finding(text, resolve, reader.names_finding, region_text)) is not None:
        m = _REGION_TO.match(text.strip().rstrip(".!"))
        return plain, region_of.get(m.group("r").strip())
    return text, None


def in_draft(said: str, draft: Any, reader: Any) -> bool:
    """Whether ``said`` names what one of the draft's own sentences states: each of its words of four letters or
    more (stemmed; the words that only point at a sentence or a side left aside) is a word of that sentence."""
    from pixtralogist.agents.chat_edits import _stem, _stems

    words = {w for w in _stems(reader.expand(said)) if len(w) >= 4} - {_stem(w) for w in _POINTERS}
    if not words:
        return False
    return any(words <= _stems(reader.expand(f.text)) for f in draft.findings if not getattr(f, "is_default", False))


_POINTERS = frozenset("that this those these line sentence mention part about there here with left right both "
                      "please".split())


def cleared_region(draft: Any, region: str, reader: Any) -> Any:
    """``draft`` without the normal or default sentences of ``region``."""
    return draft.model_copy(update={"findings": [f for f in draft.findings
                                                 if not (f.region == region and _normal_sentence(reader, f))]})


#: "bring the X back", "put X back as it was", "revert the X", "restore the X", "scrap that, put X back": an undo
#: that names what the last change touched
_UNDO_LEAD = (r"(?:(?:no|nope|oops|sorry|actually|ok|okay|hmm+|wait|never ?mind|ah|oh|scrap\s+that|scratch\s+that|"
              r"undo\s+that|cancel\s+that)\b[,!.;:-]?\s*)*")
_AS_WAS = r"(?:\s+(?:to\s+)?(?:as|how|the\s+way|what)\s+(?:it|they|that)\s+(?:was|were|said)(?:\s+(?:before|originally|earlier))?)"
_UNDO_OF = re.compile(
    rf"^(?P<lead>{_UNDO_LEAD}){_PLEASE}(?:(?P<v1>bring|put|get|set|change|switch|turn)\s+(?P<x1>.+?)\s+back{_AS_WAS}?"
    rf"|(?P<v2>revert|restore|reinstate|undo|reverse|roll\s*back)\s+(?P<x2>.+?)(?P<back>\s+back)?(?P<was>{_AS_WAS})?"
    rf"(?P<before>\s+(?:to\s+)?(?:before|the\s+original|the\s+previous\s+(?:version|wording|text)))?)\s*[.!?]*$", re.I)
#: the words around a named thing that name no finding ("the atrophy sentence", "the bit about the X")
_PART = re.compile(r"\b(?:the|my|your|last|sentence|sentences|line|lines|bit|part|wording|statement|text|change|"
                   r"edit|about|on|of|mention)\b", re.I)


def undo_of(text: str) -> str | None:
    """What an undo names ("bring the atrophy sentence back" -> "atrophy"), else None (a plain "undo" is the
    undo reader's)."""
    m = _UNDO_OF.match(text.strip())
    if not m:
        return None
    if m.group("v2") and re.match(r"(?:restore|reinstate)", m.group("v2"), re.I) \
            and not (m.group("lead").strip() or m.group("back") or m.group("was") or m.group("before")):
        return None  # "restore the contrast": no undo unless said as one ("no, restore ...", "... as it was")
    if re.search(r"\s(?:to|into|as|with)\s|\d", m.group("x1") or m.group("x2")):
        return None  # "revert the size to 8 mm": a value said is an edit
    x = _PART.sub(" ", m.group("x1") or m.group("x2"))
    x = " ".join(x.split())
    if not x or re.fullmatch(rf"{_PRONOUN}|everything|things|all", x, re.I):
        return None
    return x


def touched(said: str, before: dict[str, str], after: dict[str, str], labels: dict[str, str], stems) -> bool:
    """Whether the change from ``before`` to ``after`` (region -> text, "impression" included) touched what
    ``said`` names: a word of it (stemmed) in a changed region's text before or after, or its name or label."""
    words = {w for w in stems(said) if len(w) >= 3}
    changed = [r for r in set(before) | set(after) if before.get(r, "") != after.get(r, "")]
    if any(r != "impression" for r in changed):  # the impression an edit of the findings rebuilt is not what it touched
        changed = [r for r in changed if r != "impression"]
    for region in changed:
        b, a = (set(re.split(r"(?<=[.;])\s+", d.get(region, ""))) for d in (before, after))
        # the sentences the change wrote or took away, never a sentence it left as it was beside them
        where = f"{' '.join(b ^ a)} {region.replace('_', ' ')} {labels.get(region, '')}"
        if words & stems(where):
            return True
    return False


#: a place said after a finding's name ("NVE at the edge of the non-perfused area", "X along the Y")
_PLACE_AFTER = re.compile(r"\s+(?:at|along|on|in|near|adjacent\s+to|next\s+to|within|around|beside|bordering|"
                          r"over|overlying|inside|outside|beyond)\s+", re.I)


def head_regions(placed: list[tuple[str, str]], dictate: Callable[[str], list[tuple[str, str]]] | None
                 ) -> list[tuple[str, str]]:
    """One added sentence written to several regions because its place names another finding ("NVE at the edge
    of the non-perfused area"): only the region(s) of the finding it opens with, as the drafter places that name
    alone; else ``placed`` as it is."""
    texts = {t for _, t in placed}
    if dictate is None or len(texts) != 1 or len({r for r, _ in placed}) < 2:
        return placed
    text = next(iter(texts))
    m = _PLACE_AFTER.search(text)
    if not m or m.start() == 0:
        return placed
    head = {r for r, _ in dictate(text[:m.start()].strip() + ".")}
    keep = [(r, t) for r, t in placed if r in head]
    return keep if keep and len(keep) < len(placed) else placed


#: "<finding> size should read 17 mm", "size is 3.6 cm - <remark>": a size said of the word that only says it is one
_SIZE_OF = re.compile(
    r"^(?:the\s+)?(?P<x>(?:[\w'-]+\s+){0,4}?)(?:size|diameter|measurement|maximum\s+dimension|greatest\s+dimension|"
    r"long\s+axis)(?:\s+(?:is|should\s+(?:be|read|say)|needs\s+to\s+be)\b|\s*[=:])\s*(?P<v>~?\d+(?:\.\d+)?\s*(?:mm|cm))"
    r"(?:\s*(?:,|;|\s[-\u2013\u2014]+\s)\s*(?P<tail>\S.*))?\s*[.!]*$", re.I)


def size_of(text: str, names_finding: Callable[[str], bool]) -> str | None:
    """``<the X> measures N`` ("it measures N" when no finding is named) for a size said of the size word, the
    remark after it dropped when it names no finding and states no number; else None."""
    m = _SIZE_OF.match(text.strip())
    if not m:
        return None
    tail = m.group("tail") or ""
    if tail and (names_finding(tail) or re.search(r"\d", tail)):
        return None
    x = m.group("x").strip()
    x = re.sub(r"^(?:the|its|it['\u2019]?s)\s*", "", x, flags=re.I)
    if x and not names_finding(x):
        return None  # "the lesion size" names a finding; "my remeasured size" is not guessed
    return f"the {x} measures {m.group('v')}" if x else f"it measures {m.group('v')}"


_SIZE_END = re.compile(r"~?\d+(?:\.\d+)?\s*(?:mm|cm)\b", re.I)


def restated_elsewhere(before: Any, after: Any) -> Any:
    """``after`` where a size changed in one sentence is changed too in each other sentence that states the same
    finding with the same words up to the old size (a lesion the drafter wrote into two regions: "Epidermoid cyst
    left CPA 3.1 cm, ..." in both), so the draft never states two sizes of one lesion."""
    now_texts = {(f.region, f.text) for f in after.findings}
    was_texts = {(f.region, f.text) for f in before.findings}
    gone = [f for f in before.findings if (f.region, f.text) not in now_texts]
    new = [f for f in after.findings if (f.region, f.text) not in was_texts]
    swaps = []
    for b in gone:
        for f in new:
            if f.region != b.region:
                continue
            i = next((k for k, (x, y) in enumerate(zip(b.text, f.text)) if x != y), None)
            if i is None or i < 10:
                continue
            start = b.text.rfind(" ", 0, i) + 1
            mo, mn = _SIZE_END.match(b.text, start), _SIZE_END.match(f.text, start)
            if mo and mn:
                swaps.append((b.text[:mo.end()], f.text[:mn.end()]))
    if not swaps:
        return after
    out = []
    for f in after.findings:
        for was, now in swaps:
            if (f.region, f.text) in was_texts and not getattr(f, "is_default", False) and f.text.startswith(was):
                f = f.model_copy(update={"text": now + f.text[len(was):]})
        out.append(f)
    return after.model_copy(update={"findings": out})


# --- round 12: imperative and undo shapes said without a fixed syntax (fixer chatimp) ---------------------------

#: a remark that says the draft was right before the last change: "that was right before", "it was fine",
#: "the original was correct", "I prefer the original", "that was better before", "my mistake"
_WAS_RIGHT = (r"(?:(?:no\s+|yes\s+|ok\s+|okay\s+|actually\s+|hmm+\s+|sorry\s+|oh\s+|ah\s+)*"
              r"(?:(?:that|it|this|they|the\s+first\s+one)(?:['\u2019]s|\s+was|\s+were|\s+is|\s+are)|"
              r"(?:the\s+)?(?:original|previous|old|earlier|first|last)(?:\s+(?:version|one|wording|text|draft|sentence))?"
              r"(?:['\u2019]s|\s+was|\s+were|\s+is))\s+(?:(?:actually|all|perfectly|quite|much|absolutely|totally)\s+)?"
              r"(?:right|correct|fine|ok|okay|good|better|accurate|true|spot\s+on)"
              r"(?:\s+(?:before|originally|the\s+first\s+time|as\s+it\s+was|as\s+(?:it|they)\s+(?:was|were)|to\s+begin\s+with))?"
              r"|i\s+(?:prefer(?:red)?|liked?)\s+(?:it|the\s+(?:original|previous|old|earlier|first)"
              r"(?:\s+(?:version|one|wording|text))?)(?:\s+(?:before|better|more))?"
              r"|(?:my\s+(?:mistake|bad|error)|i\s+was\s+wrong|that\s+was\s+(?:a\s+)?(?:mistake|wrong|an\s+error)|"
              r"wrong\s+(?:change|edit)))")
_WAS_RIGHT_RE = re.compile(rf"^{_WAS_RIGHT}$", re.I)
#: the same remark said with when it was right, so an undo even alone: "it was right before", "the original was fine"
_ANCHORED = re.compile(r"\b(?:before|originally|the\s+first\s+time|to\s+begin\s+with|original|previous|earlier|"
                       r"first\s+one|as\s+it\s+was)\b", re.I)
#: undo wordings the plain undo reader lacks: "go back a step", "go back to what it was", "revert to before"
_MORE_UNDO = re.compile(
    r"^(?:(?:no|nope|ok|okay|hmm+|actually|sorry|oops|wait)\b[,!.]?\s*)*(?:please\s+|just\s+)?"
    r"(?:go\s+back|revert|roll\s*back|change\s+(?:it|that|this)\s+back|set\s+(?:it|that|this)\s+back|"
    r"put\s+(?:it|that|this|things|everything)\s+back|undo(?:\s+(?:it|that|this))?)"
    r"(?:\s+(?:a|one)\s+step|\s+one|\s+(?:to\s+)?(?:what|how|the\s+way)\s+(?:it|they)\s+(?:was|were)(?:\s+before)?|"
    r"\s+to\s+(?:before|the\s+(?:original|previous|old|earlier)(?:\s+(?:version|one|wording|text|draft))?)|"
    r"\s+(?:it|that|this)(?=\s+(?:please|pls))|\s+(?:please|pls|then|again))*\s*[.!]*$", re.I)
_INTERJECTION = re.compile(r"(?:(?:no|nope|ok|okay|hmm+|actually|sorry|oops|wait|ah|oh|right|yeah|yes)\s*)+", re.I)
_CLAUSES = re.compile(r"\s*(?:[,;:]|\.\s+|\s[-\u2013\u2014]+\s)\s*")


def undo_said(text: str, is_undo: Callable[[str], bool]) -> bool:
    """Whether ``text`` asks to undo the last change, said with a remark that the draft was right before it ("go
    back, that was right before", "undo, it was fine", "I prefer the original, revert it please") or as that remark
    alone when it says when ("it was right before", "the original was correct"), or in a wording the plain undo
    reader lacks ("go back a step", "revert to before"). ``is_undo`` is the plain undo reader."""
    t = text.strip().rstrip(".!")
    if not t or "?" in t:
        return False
    if _MORE_UNDO.match(t):
        return True
    parts = [p.strip() for p in _CLAUSES.split(t) if p and p.strip()]
    parts = [p for p in parts if not _INTERJECTION.fullmatch(p)]  # "no, go back, ...": the "no" says nothing more
    remarks = [p for p in parts if _WAS_RIGHT_RE.match(p)]
    rest = [p for p in parts if p not in remarks]
    if not remarks:
        return False
    if not rest:  # the remark alone: an undo only when it says the draft was right *before*
        return any(_ANCHORED.search(p) for p in remarks)
    return all(is_undo(p) or _MORE_UNDO.match(p) for p in rest)


#: an addition said with a particle ("put in X", "pop in X", "stick X in", "throw in X too", "add in X")
_ADD_VERB = r"(?:put|stick|pop|throw|chuck|slip|bung|squeeze|pencil|add|write|jot|tack)"
_FILLER_END = re.compile(r"(?:\s*,?\s+(?:as\s+well|too|also|in\s+there|there|please|pls|thanks|thank\s+you|for\s+me|"
                         r"then|again))+\s*[.!]*$", re.I)
_PARTICLE_ADD = re.compile(
    rf"^(?:(?:please|pls|can\s+you|could\s+you|would\s+you|just|also|then|and|so|now|ok|okay)\s*,?\s+)*"
    rf"{_ADD_VERB}\s+(?:(?:in|down)\s+(?P<y>\S.*)|(?P<y2>\S.*?)\s+in)$", re.I)


def particle_add(text: str, names_finding: Callable[[str], bool]) -> str | None:
    """``add Y`` for an addition said with a particle ("put in Y", "stick Y in", "pop in Y as well", "throw in
    Y too"), the remark after it dropped when it names no finding and states no number ("put in Y, I forgot it");
    else None. Y must name a finding (the vocabulary's or the draft's words) and be said as a new one: "put the X in",
    "put it back in", "put in the size 8 mm" are not additions."""
    t = text.strip().rstrip("?.!").strip()
    m = None
    parts = [p for p in _CLAUSES.split(t) if p.strip()]
    if len(parts) > 1:
        # the remark said around it names no finding and states no number ("I forgot it", "missed that one")
        heads = [p for p in parts if _PARTICLE_ADD.match(_FILLER_END.sub("", p.strip()))]
        if len(heads) == 1 and not any(names_finding(p) or re.search(r"\d", p) for p in parts if p not in heads):
            m = _PARTICLE_ADD.match(_FILLER_END.sub("", heads[0].strip()))
    m = m or _PARTICLE_ADD.match(_FILLER_END.sub("", t))
    if m is None:
        return None
    y = _FILLER_END.sub("", (m.group("y") or m.group("y2") or "").strip()).strip()
    if not y or ":" in y or not names_finding(y) or re.match(
            r"(?:the|this|that|these|those|it|them|its|my|your|our|for|to|with|at|on|back)\b", y, re.I):
        return None  # "put the X in", "put it back in", "pop in for review": no new finding named
    if re.search(r"(?:^|\s(?:in|into|to|under)\s+)(?:the\s+)?(?:impression|conclusion|summary|plan)\b", y, re.I):
        return None  # the impression's own forms
    return f"add {y}"


#: a sentence put into a region by name: "put 'X' in the dermoscopy", "stick X under the margins"
_INTO_REGION = re.compile(
    rf"^(?:(?:please|pls|can\s+you|could\s+you|just|also|and|so|now|ok|okay)\s*,?\s+)*(?:{_ADD_VERB}|insert|include|"
    rf"place|type)\s+(?:in\s+)?(?P<x>\S.+?)\s+(?:in|into|to|under|in\s+to|within)\s+(?:the\s+)?(?P<r>[\w /-]+?)"
    rf"(?:\s+(?:section|region|box|heading|part|bit|field))?(?:\s+(?:too|as\s+well|please|pls))?\s*[.!]*$", re.I)


def put_in_region(text: str, resolve: Callable[[str], str | None], in_draft: Callable[[str], bool],
                  labels: dict[str, str] | None = None) -> tuple[str, str] | None:
    """``(sentence, region)`` for a sentence put into a findings region named by the clinician ("put 'no dermoscopic
    features of melanoma' in the dermoscopy", "stick a small nodule in the lungs"): the sentence quoted is written as
    said; one not quoted only when the draft states nothing of it (else it is a move of the draft's finding, the
    plain reader's). None otherwise (the impression has its own forms)."""
    m = _INTO_REGION.match(text.strip())
    if not m:
        return None
    region = resolve(m.group("r").strip())
    if region in (None, "impression", "indication"):
        return None
    raw = m.group("x").strip()
    quoted = len(raw) >= 2 and raw[0] in _Q and raw[-1] in _Q
    if not quoted:
        # words not quoted go only where the region is said by its own name ("in the dermoscopy"), never a place
        # of the finding that a region's name resembles ("temporal to fovea", "in the right upper lobe")
        said = re.sub(r"^the\s+", "", m.group("r").strip().lower())
        names = {region.replace("_", " ")} | ({(labels or {}).get(region, "").lower()} - {""})
        if said not in names or not re.search(r"\s(?:in|into|under)\s+the\s", text, re.I):
            return None
    x = _unquote(raw)
    x = re.sub(r"^(?:that|the\s+line|the\s+sentence|the\s+words?)\s+", "", x, flags=re.I) if quoted else x
    if not x or re.fullmatch(rf"{_PRONOUN}", x, re.I) or (not quoted and in_draft(x)):
        return None
    return upper_first(x).rstrip(".") + ".", region  # "pT2(m) pN0" stays as written


#: a change said with a phrasal verb: "tone the X down to mild", "tone down the X to mild", "turn the X into Y",
#: "dial the X back to moderate", "knock the grade down to 1", "swap the X for Y"
_PHRASAL_SET = re.compile(
    r"^(?P<lead>(?:(?:please|pls|can\s+you|could\s+you|just|ok|okay|so|and|then)\s*,?\s+)*)"
    r"(?:(?P<v>tone|bump|dial|knock|bring|turn|step|ratchet|nudge|scale)\s+"
    r"(?:(?P<p1>up|down|back)\s+(?P<x1>.+?)|(?P<x2>.+?)\s+(?P<p2>up|down|back))"
    r"\s+(?:to|into)\s+(?P<y>\S.*?)"
    r"|(?:turn|convert|make|change)\s+(?P<x3>.+?)\s+into\s+(?P<y3>\S.*?)"
    r"|(?:swap|switch|exchange|trade)\s+(?:out\s+)?(?P<x4>.+?)\s+for\s+(?P<y4>\S.*?))\s*[.!]*$", re.I)


def phrasal_change(text: str) -> str | None:
    """The plain form of a change said with a phrasal verb: ``change X to Y`` ("tone the X down to mild", "turn the X
    into Y"), ``replace X with Y`` ("swap the X for Y"); else None."""
    m = _PHRASAL_SET.match(text.strip())
    if not m:
        return None
    if m.group("x4"):
        return f"replace {m.group('x4').strip()} with {m.group('y4').strip()}"
    x = (m.group("x1") or m.group("x2") or m.group("x3") or "").strip()
    y = (m.group("y") or m.group("y3") or "").strip()
    if not x or not y or re.fullmatch(rf"{_PRONOUN}", x, re.I) and m.group("x3"):
        return None
    return f"change {x} to {y}"


#: the object said first, then the command with a pronoun for it: "the X one - tone it down to mild", "that X, swap
#: it for Y", "the X line: lose it"
_OBJECT_FIRST = re.compile(
    r"^(?:(?:ok|okay|right|so|and|now|then)\s*,?\s+)?(?:that|the|this|those|these)\s+(?P<x>[^,;:]+?)"
    r"(?:\s+(?:one|ones|line|lines|bit|sentence|mention|part))?\s*(?:,|;|:|\s[-\u2013\u2014]+)\s*"
    r"(?P<cmd>[a-z].*)$", re.I)


def object_first(text: str, names_finding: Callable[[str], bool]) -> str | None:
    """The command of "<the X (one)>, <command with it/them>" with the X said in the pronoun's place ("the X one -
    tone it down to mild" -> "tone the X down to mild"); else None. X must name a finding, and the command must
    point at it once."""
    m = _OBJECT_FIRST.match(text.strip())
    if not m:
        return None
    x, cmd = m.group("x").strip(), m.group("cmd").strip()
    if re.search(r"\s(?:is|are|was|were|isn['\u2019]?t|aren['\u2019]?t)\b", x, re.I) or not names_finding(x):
        return None  # "that X is artefact, take it out": the trailing removal's
    head = re.split(r"\s*(?:,|;|\s[-\u2013\u2014]+\s)\s*", cmd, maxsplit=1)
    if len(head) == 2 and _REASON_TAIL.match(head[1]):
        cmd = head[0]  # "..., lose it, they were just <other>": the reason goes
    if not re.match(r"(?:please\s+|pls\s+|just\s+|can\s+you\s+)?[a-z]+\b", cmd, re.I) \
            or len(re.findall(r"\b(?:it|them)\b", cmd, re.I)) != 1:
        return None
    return re.sub(r"\b(?:it|them)\b", f"the {x}", cmd, count=1, flags=re.I)


#: a reason said after a command, pointing back at what it names: "it was a reflection", "they're just vessels"
_REASON_TAIL = re.compile(r"^(?:(?:it|they|that|this)(?:['\u2019]s|['\u2019]re|\s+is|\s+are|\s+was|\s+were)|"
                          r"(?:i|we)\s+(?:was|were|am|think|thought|checked|looked|re-?checked|re-?measured|"
                          r"did\s*n['\u2019]?t|do\s*n['\u2019]?t|can['\u2019]?t|could\s*n['\u2019]?t))\b.*$", re.I)


# -- compound turns: a reason, a remark or a lead-in said beside the edit, or an edit said in two clauses ---------

def _command_verbs() -> str:
    from pixtralogist.agents.chat_edits import _MOVE_VERBS, _REMOVE_VERBS as _RV, _SET_VERBS

    verbs = list(_RV) + list(_MOVE_VERBS) + list(_SET_VERBS) + ["add", "include", "mention", "replace", "insert",
                                                                  "note", "write", "put\\s+in"]
    return "(?:" + "|".join(sorted(set(verbs), key=len, reverse=True)) + ")"


_CMD = _command_verbs()
#: a clause that is a command: a verb of editing first (after "please", "so", "then")
_COMMAND = re.compile(rf"^(?:(?:so|then|and|just)\s+)*{_PLEASE}{_CMD}\b", re.I)
#: a command whose object is a pronoun: the statement said beside it is what it adds
_PRONOUN_ADD = re.compile(rf"^(?:(?:so|then|and|just)\s+)*{_PLEASE}(?:add|include|mention|note|insert|write|put)\s+"
                          rf"{_PRONOUN}(?:\s+(?:in|down|too|as\s+well|please|in\s+the\s+report))*\s*[.!]*$", re.I)
#: where a turn's clauses meet: a dash, a semicolon, ", so", a comma before a command verb
_CLAUSE_CUT = re.compile(rf"\s+[-\u2013\u2014]+\s+|;\s+|,\s+(?=so\s)|,\s+(?=(?:(?:so|then|and|just)\s+)*{_PLEASE}{_CMD}\b)",
                         re.I)
#: a clause that gives a reason or a remark, never an edit ("AP portable so I can't comment on X", "the vessels
#: were fine", "it was just a vessel")
_REASON = re.compile(r"\b(?:so\s+(?:i|we)|(?:i|we)\s+can['\u2019]?t|can(?:not|['\u2019]t)\s+(?:comment|assess|say|tell)|"
                     r"because|since|(?:was|were|is|are|looked|looks)\s+(?:fine|ok|okay|normal|unremarkable|alright)|"
                     r"(?:is|are|was|were|looks?)\s+(?:a\s+(?:little|bit)|slightly|somewhat)\b)", re.I)
#: a lead-in said before a colon: "forgot one:", "one more:", "also:"
_LEAD_IN = re.compile(r"^(?P<lead>[^:]{1,40}?)\s*:\s+(?P<rest>\S.*)$")


_SIDED = re.compile(r"\b(?:left|right|bilateral|both|od|os|ou|lt|rt)\b", re.I)
#: a place said at the end of a clause: "at the right apex", "over the left shin"
_PLACE = re.compile(r"\b(?:at|in|on|over|of)\s+the\s+(?:left|right)\b[^,;]*$", re.I)


#: a command with no object of its own: a verb and at most where it goes ("add to the impression", "put in")
_NO_OBJECT = re.compile(rf"^{_PLEASE}{_CMD}(?:\s+(?:to|in|into|under|on|onto)(?:\s+(?:the|a)\s+\w+|\s+\w+)?)?\s*[.!:]*$",
                        re.I)


def dropped_clauses(text: str, kept: list[str]) -> list[str]:
    """The clauses of ``text`` that are not among ``kept`` (the remarks and reasons a compound reading dropped)."""
    return [c for c in _clauses(text) if not any(c in k or k in c for k in kept)]


def _clauses(text: str) -> list[str]:
    return [c.strip(" ,.;:") for c in _CLAUSE_CUT.split(text.strip()) if c.strip(" ,.;:")]


def compound_command(text: str, names_finding: Callable[[str], bool]) -> list[str] | None:
    """The edit clauses of a turn with ONE command and clauses beside it, in order, else None:
    "<reason> - drop the X" / "drop the X, <remark>" -> ["drop the X"]; "<statement>, add it" -> ["<statement>"]
    (the pronoun is the statement beside it, the nearest one before; ``[]`` when no clause before it names a
    finding). A clause beside a command with its own
    object is a reason when it names no finding or says a reason; else both are edits (statement, then command)."""
    clauses = _clauses(text)
    if _COMMAND.match(clauses[0]) and ", " in clauses[0]:  # "drop the X, the Y were fine": a reason after a comma
        head, tail = clauses[0].split(", ", 1)
        if _REASON.search(tail) or _REASON_TAIL.match(tail):
            clauses[:1] = [head, tail]
    if len(clauses) < 2:
        return None
    cmds = [i for i, c in enumerate(clauses) if _COMMAND.match(c)]
    if len(cmds) != 1:
        return None
    i = cmds[0]
    cmd = re.sub(r"^(?:(?:so|then|and|just)\s+)+", "", clauses[i], flags=re.I)
    if _PRONOUN_ADD.match(cmd):
        said = [c for c in clauses[:i] if names_finding(c) and not _REASON.search(c)]
        if clauses[i + 1:]:
            return None
        if not said:
            return []  # "<remark>, add it": nothing the pronoun can be
        stmt = said[-1]
        # "I can see a thin line at the right apex - small pneumothorax, add it": the place said by the observation
        # beside the statement goes with it when the statement says none
        seen = [c for c in clauses[:i] if c not in said]
        if seen and not _SIDED.search(stmt) and (at := _PLACE.search(seen[-1])):
            stmt = f"{stmt} {at.group(0)}"
        return [stmt]
    if re.search(rf"\b{_PRONOUN}\b", cmd, re.I) and not names_finding(cmd):
        return None  # "<X>, lose it": the older readers take the pronoun
    if _NO_OBJECT.match(cmd):
        return None  # "add to the impression - <X>": the clause beside the command is its object
    rest = clauses[:i] + clauses[i + 1:]
    edits = [c for c in rest if names_finding(c) and not _REASON.search(c) and not _REASON_TAIL.match(c)]
    if edits:
        return None  # a statement beside the command: two edits are the older compound reader's
    return [cmd]


def lead_in_dropped(text: str, names_finding: Callable[[str], bool]) -> list[str] | None:
    """The statement clauses of a turn without a command, its lead-in ("forgot one:") dropped and a trailing
    "though" dropped, when it is cut into two or more clauses or had a lead-in; else None."""
    text = re.sub(r"[,\s]+though\s*[.!]*$", "", text.strip(), flags=re.I)
    lead = False
    m = _LEAD_IN.match(text)
    if m and not names_finding(m.group("lead")):
        text, lead = m.group("rest"), True
    clauses = [c for c in _clauses(text) if not _REASON.search(c)]
    if not all(names_finding(c) for c in clauses):
        return None
    clauses = [re.sub(r"^(?:reviewing|looking\s+at|on)\s+the\s+\w+\s*,\s*", "", c, flags=re.I) for c in clauses]
    if any(_COMMAND.match(c) for c in clauses) or not clauses:
        return None
    if len(clauses) < 2 and not lead:
        return None
    return clauses
