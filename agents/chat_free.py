"""Free-form edit wordings written in the plain forms the chat's readers know (round 10, found by the free-form
families of ``benchmarks/chat_shapes.py``, nonce words included). Shapes only: no finding vocabulary lives here.

- the impression's new text said in free form ("make the impression 'X'", "impression should read X",
  "impression: X", "change the impression to X"): the impression is replaced (:func:`impression_text`);
- a plan item ("put in the plan: X", "add to the plan X", "plan: X", "plan is X", "put X in the plan"): added to
  the impression, where the template's recommendations live (:func:`plan_item`);
- a correction said with its reason ("mild, not moderate, on review", "9 mm on my recheck of the coronal",
  "measures 9 mm on the axial", "on reflection mild"): the reason is dropped (:func:`without_reason`);
- a correction said with its old and new value in any order ("please correct A to B", "correct A -> B",
  "A should read B", "A is wrong, it should be B", "it should say B instead of A"): ``change A to B``
  (:func:`correction`);
- a finding re-labelled ("call that X a Y", "relabel the X as Y", "X should be called Y", "rename the X to Y",
  "call it a Y instead of X", "it's a Y rather than a X", "the X is actually a Y"): ``replace X with Y`` when X is
  what one of the draft's sentences says (:func:`relabel`); "it's Y, not X" without an article is a value's
  correction, the reader's ("it's acute, not old", "it's IDC not ILC");
- a finding's course ("say it's partially regressed", "it's stable", "mark the X as improved", "X: increased",
  "X now unchanged"): the finding's sentence gets the course word (:func:`course`).
"""

from __future__ import annotations

import re

_Q = "'\"\u2018\u2019\u201c\u201d"
_IMP = r"(?:the\s+)?(?:impression|conclusion|summary)"
_PLEASE = r"(?:please\s*,?\s+)?"
_IMPRESSION_TEXT = re.compile(
    rf"^{_PLEASE}(?:make|set|change|amend|update|edit|alter)\s+{_IMP}\s*(?:to\s+(?:read|say)\b|to\b|read\b|say\b|"
    rf"into\b|as\b)?\s*:?\s*(?P<x>\S.*)$"
    rf"|^{_IMP}\s+(?:should|must|needs\s+to|ought\s+to|has\s+to)\s+read\s*:?\s*(?P<x2>\S.*)$"
    rf"|^{_IMP}\s*(?::|=|\s-)\s*(?P<x3>\S.*)$"
    rf"|^{_PLEASE}(?:rewrite|replace|reword)\s+{_IMP}\s+(?:with|as|to)\s*:?\s*(?P<x4>\S.*)$", re.I | re.S)
#: words that make the rest no impression text: an instruction ("impression: remove the cyst"), a length
_NOT_TEXT = re.compile(r"^(?:shorter|longer|briefer|remove|delete|drop|add|include|put|take|move|also|mention|"
                       r"without|less|more)\b", re.I)


def _unquote(text: str) -> str:
    text = text.strip().rstrip(".!").strip()
    if len(text) >= 2 and text[0] in _Q and text[-1] in _Q:
        text = text[1:-1].strip()
    return text


def impression_text(text: str) -> str | None:
    """The new impression of "make the impression 'X'" and its forms, else None."""
    m = _IMPRESSION_TEXT.match(text.strip())
    if not m:
        return None
    x = _unquote(next(g for g in m.groups() if g is not None))
    if not x or _NOT_TEXT.match(x) or len(x.split()) < 2 and not x[:1].isupper():
        return None
    return x


_PLAN = r"(?:the\s+|a\s+)?(?:plan|management(?:\s+plan)?)"
_PLAN_ITEM = re.compile(
    rf"^{_PLEASE}(?:put|add|write|include|insert|note)\s+(?:in|into|to|under)\s+{_PLAN}\s*[:,;-]?\s*(?P<x>\S.*)$"
    rf"|^{_PLEASE}(?:add|put|write|include|insert|note)\s+{_PLAN}\s*[:,;-]?\s*(?P<x2>\S.*)$"
    rf"|^{_PLAN}\s*(?::|=|\s-|\s+is(?:\s+to)?\b|\s+should\s+be\b)\s*(?P<x3>\S.*)$"
    rf"|^{_PLEASE}(?:put|add|write|include|insert|note)\s+(?P<x4>\S.*?)\s+(?:in|into|to|under)\s+{_PLAN}$", re.I | re.S)


def plan_item(text: str) -> str | None:
    """``add to impression: X`` for "put in the plan: X" and its forms (the plan is the impression's), else None."""
    m = _PLAN_ITEM.match(text.strip())
    if not m:
        return None
    x = _unquote(next(g for g in m.groups() if g is not None))
    return f"add to impression: {x[:1].upper() + x[1:]}" if x else None


#: how the clinician knows, said around a correction: "on review", "on my recheck of the coronal", "on the axial",
#: "when remeasured", "on second look", "on reflection", "after re-review"
_HOW = (r"(?:re-?)?(?:review|reviewing|reflection|inspection|recheck|re-?look|look|read|measurement|measuring|measure|"
        r"examination|second\s+look|closer\s+look|closer\s+inspection|second\s+thoughts?)")
_VIEW = r"(?:coronals?|axials?|sagittals?|series|sequences?|images?|views?|reformats?|recons?|reconstructions?|slices?)"
_REASON = re.compile(
    rf"(?:\s*,\s*|\s+|^)(?:(?:on|at|after|upon|with)\s+(?:(?:my|the|a|our|closer|further|second)\s+)*{_HOW}"
    rf"(?:\s+of\s+(?:the\s+)?(?:[\w-]+\s+){{0,2}}?{_VIEW})?|on\s+(?:the\s+)?(?:[\w-]+\s+)?{_VIEW}"
    rf"|when\s+(?:re-?)?measured|(?:re-?)?measured\s+again|on\s+re-?measurement|on\s+remeasuring)(?=\s*[,.;!]|\s*$|\s+(?:not|it|rather)\b)\s*,?",
    re.I)
_LEAD_REASON = re.compile(rf"^(?:on|at|after|upon)\s+(?:(?:my|the|a|our|closer|further|second)\s+)*{_HOW}\s*[,;:-]?\s+(?=\S)",
                          re.I)
_RESTATED = re.compile(r"^(?:re-?measured|measures|measuring|measured)\s*:?\s*(?=\d)", re.I)


def without_reason(text: str) -> str | None:
    """``text`` without the clause that says how the clinician knows ("on review", "on the axial"), when it has one
    and something is left; else None."""
    out = _LEAD_REASON.sub("", text.strip())
    out = _REASON.sub(lambda m: ", " if "," in m.group() else " ", out).strip(" ,;")
    out = _RESTATED.sub("", out).strip()  # "remeasured: 9 mm", "measures 9 mm": the size said
    out = re.sub(r"(?:\s*,)+", ",", re.sub(r"\s{2,}", " ", out)).strip(" ,")
    return out if out and out != text.strip() else None


_V = r"[\w.+/%-]+(?:\s+[\w.+/%-]+){0,3}?"
_CORRECTION = re.compile(
    rf"^{_PLEASE}correct\s+(?:the\s+)?(?P<a>{_V})\s+(?:to|into|->|\u2192)\s+(?P<b>{_V})$"
    rf"|^(?:change\s+|correct\s+)?(?P<a2>{_V})\s*(?:->|\u2192|=>)\s*(?P<b2>{_V})$"
    rf"|^(?:it\s+)?should\s+(?:say|read|be)\s+(?P<b5>{_V})\s+(?:instead\s+of|not|rather\s+than)\s+(?P<a5>{_V})$"
    rf"|^(?P<a3>{_V})\s+(?:should|must)\s+(?:read|say|be\s+changed\s+to|become)\s+(?P<b3>{_V})$"
    rf"|^(?P<a4>{_V})\s+(?:is|was)\s+(?:wrong|incorrect|a\s+mistake|an\s+error)\s*[,;:-]?\s*(?:it\s+)?"
    rf"(?:should\s+(?:be|read|say)|is)\s+(?P<b4>{_V})$",
    re.I)


def correction(text: str, sentences: list[str] | None = None, expand=None) -> str | None:
    """``change A to B`` for a correction said with its old value A and new value B in free form, else None (and
    None when ``sentences``, the draft's finding sentences, are given and none says A: "histology should read
    lobular" names a field, not its old value)."""
    m = _CORRECTION.match(text.strip().rstrip(".!"))
    if not m:
        return None
    g = m.groupdict()
    a = next(g[k] for k in ("a", "a2", "a3", "a4", "a5") if g[k])
    b = next(g[k] for k in ("b", "b2", "b3", "b4", "b5") if g[k])
    if a.lower() in ("it", "this", "that") or a.lower() == b.lower() or re.fullmatch(_IMP, a, re.I):
        return None  # "the impression should say X": the impression's (chat_phrasing)
    if bool(re.search(r"\d", a)) != bool(re.search(r"\d", b)):
        return None  # "left CDR should read 0.7": a field and its value, the reader's; never a swap of words
    if sentences is not None and not _stated(a, sentences) \
            and not (expand is not None and _stated(expand(a), sentences)):
        return None
    return f"change {a} to {b}"


_ART = r"(?:(?:the|that|this|a|an)\s+)?"
_Y = r"[\w'-]+(?:\s+[\w'-]+){0,4}"
_RELABEL = re.compile(
    rf"^{_PLEASE}(?:call|label|name|term)\s+(?:it|this|that)\s+(?:as\s+)?(?:an?\s+)?(?P<y2>{_Y}?)\s+"
    rf"(?:instead\s+of|rather\s+than|not)\s+{_ART}(?P<x2>{_Y})$"
    rf"|^{_PLEASE}(?:call|label|name|term|describe|report|re-?label|re-?name)\s+{_ART}(?P<x>{_Y}?)\s+(?:as\s+|to\s+)?"
    rf"(?:an?\s+)?(?P<y>{_Y}?)(?:\s+instead)?$"
    rf"|^{_ART}(?P<x3>{_Y}?)\s+(?:should\s+be|is\s+better|would\s+be\s+better)\s+(?:called|labell?ed|named|termed|"
    rf"described\s+as|reported\s+as)\s+(?:an?\s+)?(?P<y3>{_Y})$"
    rf"|^(?:it['\u2019]?s|it\s+is|that['\u2019]?s|that\s+is|this\s+is)\s+(?:an?\s+)(?P<y4>{_Y}?)\s*,?\s+"
    rf"(?:rather\s+than|not|instead\s+of)\s+{_ART}(?P<x4>{_Y})$"
    rf"|^{_ART}(?P<x5>{_Y}?)\s+is\s+(?:actually|really|in\s+fact)\s+(?:an?\s+)(?P<y5>{_Y})$", re.I)


def _stated(words: str, sentences: list[str]) -> bool:
    """Whether one of ``sentences`` says ``words`` (each of its words, as whole words)."""
    ws = [w for w in re.findall(r"[\w'-]+", words.lower())]
    return bool(ws) and any(all(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", s.lower()) for w in ws)
                            for s in sentences)


def _name_split(words: str, sentences: list[str], expand=None) -> tuple[str, str] | None:
    """(old name, new name) of "X [as|to] [a|an] Y" said as one run of words ("lobular carcinoma in situ a dcis"):
    the cut after the longest opening the draft states (as said, or expanded) where an article, "as" or "to" opens
    the rest; None when no such cut is found (the pattern's own split stands)."""
    ws = words.split()
    for i in range(len(ws) - 2, 0, -1):  # the cut word needs words on both sides
        if ws[i].lower() not in ("a", "an", "as", "to"):
            continue
        x = " ".join(ws[:i])
        y = re.sub(r"^(?:an?\s+)", "", " ".join(ws[i + 1:]), flags=re.I)
        if y and (_stated(x, sentences) or (expand is not None and _stated(expand(x), sentences))):
            return x, y
    return None


def relabel(text: str, sentences: list[str], expand=None) -> str | None:
    """``replace X with Y`` for "call that X a Y" and its forms when one of the draft's finding ``sentences`` says
    X (and none says Y), else None."""
    m = _RELABEL.match(text.strip().rstrip(".!"))
    if not m:
        return None
    g = m.groupdict()
    x = next((g[k] for k in ("x", "x2", "x3", "x4", "x5") if g[k]), None)
    y = next((g[k] for k in ("y", "y2", "y3", "y4", "y5") if g[k]), None)
    if g["x"] and g["y"]:  # "call that X a Y": X is the longest opening the draft states, cut at an article
        x, y = _name_split(f"{g['x']} {g['y']}", sentences, expand) or (x, y)
    if not x or not y or x.lower() in ("it", "this", "that") or _stated(y, sentences):
        return None
    if not _stated(x, sentences):  # "nvd" of "Neovascularization of the disc": the words the draft wrote
        x = expand(x) if expand is not None else x
        if not _stated(x, sentences):
            return None
    return f"replace {x} with {y}"


#: a finding's course (general report words, no specialty's)
_DEGREE = r"(?:(?:partially|partly|largely|mostly|completely|slightly|significantly|further|markedly)\s+)?"
#: said as "X is S": never a finding's own predicate ("the heart is enlarged", "density is decreased") nor its
#: denial ("the pneumothorax has resolved": the reader's "No pneumothorax.")
_COURSE_PLAIN = (_DEGREE + r"(?:regressed|regressing|stable|unchanged|improved|improving|progressed|progressing|"
                 r"worsened|worsening|static)(?:\s+in\s+size)?")
#: said only as an instruction or a label ("say it's resolved", "mark the X as increased", "X: increased")
_COURSE = (_DEGREE + r"(?:regressed|regressing|resolved|resolving|stable|unchanged|improved|improving|increased|"
           r"decreased|progressed|progressing|worsened|worsening|static)(?:\s+in\s+size)?")
_COURSE_RE = re.compile(
    rf"^{_PLEASE}(?:say|write|state|note|document|record|report)\s+(?:that\s+)?(?P<x>.+?)(?:['\u2019]s|\s+is|\s+are|"
    rf"\s+has|\s+have)\s+(?:now\s+|been\s+)*(?P<s>{_COURSE})$"
    rf"|^{_PLEASE}(?:mark|set|record|list|describe|document|report)\s+(?P<x2>.+?)\s+as\s+(?:now\s+|being\s+)?"
    rf"(?P<s2>{_COURSE})$"
    rf"|^(?P<x3>.+?)(?:['\u2019]s|\s+is|\s+are|\s+has|\s+have)\s+(?:now\s+|been\s+)*(?P<s3>{_COURSE_PLAIN})$"
    rf"|^(?P<x4>.+?)\s*(?::|\s-|\s+now)\s*(?P<s4>{_COURSE})$"
    rf"|^(?:now\s+)(?P<s5>{_COURSE})$|^(?P<s6>{_COURSE_PLAIN})(?:\s+now)?$", re.I)
_IT = frozenset({"it", "its", "this", "that", "they", "these", "the finding", "the lesion", "it now"})
#: a course the sentence already ends with (", stable", " has resolved"): replaced, never a word of its finding
_COURSE_WORDS = re.compile(rf"(?:,\s*(?:now\s+)?|\s+(?:has|have)\s+(?:now\s+)?){_COURSE}\s*$", re.I)


def course(text: str) -> tuple[str, str] | None:
    """(what it is said of, the course) for "say it's partially regressed" and its forms; "it" for a pronoun or
    nothing; else None."""
    m = _COURSE_RE.match(text.strip().rstrip(".!"))
    if not m:
        return None
    g = m.groupdict()
    x = next((g[k] for k in ("x", "x2", "x3", "x4") if g[k]), "it") or "it"
    s = next(g[k] for k in ("s", "s2", "s3", "s4", "s5", "s6") if g[k])
    x = re.sub(r"^(?:the|that|this)\s+", "", x.strip(), flags=re.I) if x.lower() not in _IT else "it"
    return x, s.lower()


def with_course(sentence: str, status: str) -> str:
    """``sentence`` saying ``status`` as its course (any course it said replaced): "X, stable." / "X has resolved."."""
    base = _COURSE_WORDS.sub("", sentence.strip().rstrip(".")).strip(" ,")
    if status.endswith(("resolved",)):
        return f"{base} has {status}."
    return f"{base}, {status}."


def free_form(text: str, sentences: list[str], expand=None) -> str | None:
    """``text`` in the plain form the reader knows when it is said in one of the families above (the course
    excepted: :func:`course`); else None. ``sentences``: the draft's finding sentences."""
    t = text.strip()
    if (p := plan_item(t)) is not None:
        return p
    r = spoken_numbers(without_reason(t) or t)
    if (c := correction(r, sentences, expand)) is not None:
        return c
    if (c := relabel(r, sentences, expand)) is not None:
        return c
    return r if r != t else None


_NORMAL = r"(?:normal|clear|unremarkable|healthy|within\s+normal\s+limits)"
_WHERE = (r"(?:\s+(?:in\s+|on\s+)?(?:both\s+eyes|both\s+sides|(?:the\s+)?(?:left|right)\s+(?:eye|side)|ou|od|os|"
          r"bilaterally|on\s+both\s+sides))?")
_SIDE_WORD = re.compile(r"^(?:(?:the|both|left|right|bilateral|od|os|ou|l|r)\s+)+", re.I)
_NORMAL_RE = re.compile(
    rf"^(?:the\s+)?(?P<s>[a-z][\w -]{{0,40}}?)\s+(?:(?:is|are|looks?|appears?|seems?)\s+)?(?:now\s+)?{_NORMAL}"
    rf"(?P<w>{_WHERE})$"
    rf"|^{_NORMAL}\s+(?P<s2>[a-z][\w -]{{0,40}}?)(?P<w2>{_WHERE})$", re.I)


def normal_structure(text: str) -> tuple[str, str] | None:
    """(the structure, the sentence to write) for "the macula is normal in both eyes", "left lung is clear",
    "normal pleura" (the structure without its side words), else None."""
    t = text.strip().rstrip(".!")
    m = _NORMAL_RE.match(t)
    if not m:
        return None
    s = (m.group("s") or m.group("s2")).strip()
    structure = _SIDE_WORD.sub("", s).strip()
    if not structure or structure.lower() in ("it", "this", "that", "everything", "all", "rest", "the rest"):
        return None
    return structure, t[:1].upper() + t[1:] + "."


_SPOKEN = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                           "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())}
_N = r"(?:" + "|".join(sorted(_SPOKEN, key=len, reverse=True)) + r")"
_SPOKEN_COUNT = re.compile(rf"\b(?P<a>{_N}|\d+)\s+(?P<of>of|out\s+of)\s+(?P<b>{_N}|\d+)\b", re.I)
_SPOKEN_GRADE = re.compile(rf"\b(?P<k>grade|score|level|category|stage|type|class)\s+(?P<v>(?:is|should\s+be|was|=|:|"
                           rf"of)\s+|)(?P<n>{_N})\b", re.I)


def spoken_numbers(text: str) -> str:
    """A count or a grade said in words written in digits: "three of twelve" -> "3 of 12", "grade should be
    three" -> "grade should be 3"."""
    def num(w: str) -> str:
        return _SPOKEN.get(w.lower(), w)

    text = _SPOKEN_COUNT.sub(lambda m: f"{num(m.group('a'))} {m.group('of')} {num(m.group('b'))}", text)
    return _SPOKEN_GRADE.sub(lambda m: f"{m.group('k')} {m.group('v')}{num(m.group('n'))}", text)
