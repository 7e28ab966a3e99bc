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
"""

from __future__ import annotations

import re
from typing import Any, Callable

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
    if names_finding(tail) or not is_removal(head):
        return None
    return head


#: "X is unnecessary, delete", "that X is artefact - take it out", "X are irrelevant here, lose them"
_TRAILING = re.compile(
    rf"^(?P<x>.+?)(?:\s+(?:is|are|was|were|looks?|seems?)\s+(?P<why>[^,;]+?))?\s*(?:,|;|\s[-\u2013\u2014]+\s|:)\s*"
    rf"(?:(?:so|just|then|please|pls)\s+)*(?P<v>{_REMOVE_VERBS})(?:\s+{_PRONOUN})?(?:\s+(?:out|off))?"
    rf"(?:\s+(?:please|pls|thanks))?\s*[.!]*$", re.I)


def trailing_removal(text: str, names_finding: Callable[[str], bool]) -> str | None:
    """``remove X`` for a removal verb said after what it removes, else None. The subject must name a finding
    (a pronoun alone, "it's wrong, delete it", is never guessed)."""
    m = _TRAILING.match(text.strip())
    if not m:
        return None
    x = _unquote(m.group("x"))
    x = re.sub(r"^(?:that|this|those|these|the)\s+", "", x, flags=re.I)
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

    if (head := removal_with_remark(text, reader.names_finding, is_removal)) is not None:
        return head, None
    if (plain := trailing_removal(text, reader.names_finding)) is not None:
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
