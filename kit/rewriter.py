"""The one clause rewriter: a sentence about several regions -> one statement per region.

:class:`ClauseRewriter` is driven by a ``classify(text) -> frozenset[str]`` function (a region
sorter's) and rewrites only where that is safe:

* clauses joined by ";", ", and", ", but", ", while", ", whereas" or a full stop go to their
  own regions ("Heart size normal; small left effusion.");
* a negated list of bare findings is split with the negation kept in every part ("No
  mediastinal, hilar or axillary lymphadenopathy." -> "No mediastinal or hilar
  lymphadenopathy." + "No axillary lymphadenopathy.");
* trailing qualifiers (", mild", ", old", ", suspicious for malignancy") are never cut off:
  a comma part is only a clause of its own when ``is_qualifier`` says it is not a qualifier.

Otherwise every region the sentence names gets the whole sentence (``split`` returns None).

Two options, for specialties whose dictation needs them (lexicon ``sorter:`` section):

* ``comma_clauses``: a comma part is a clause of its own ("Cup-to-disc ratio 0.3, scattered
  hemorrhages") unless it only qualifies, is only a measure (", 2DD") or goes on with the clause
  before it (", with overlying drusen"), and never in a negated list;
* ``shared_tail``: a pattern for a phrase at the end of the sentence that governs all of it ("...
  in the right eye"): a part that lost it gets it back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ClauseRewriter", "cap", "end_sentence", "join_items"]

#: "... and the maculae are normal": "and" before a subject with its own verb opens a clause of its own
_AND_CLAUSE = r"|\s+(?:and|but|whereas)\s+(?=(?:the|both)\s+(?:\w+\s+){0,3}?(?:is|are|was|were|appears?|looks?)\b)"
_CLAUSE_SPLIT = re.compile(r"\s*;\s*|,\s+(?:and|but|while|whereas)\s+|\.\s+(?=[A-Z])" + _AND_CLAUSE)
_COMMA_CLAUSE_SPLIT = re.compile(r"\s*;\s*|,\s+(?:(?:and|but|while|whereas)\s+)?|\.\s+(?=[A-Z])" + _AND_CLAUSE)
_NEG_LIST = re.compile(
    r"^(?P<pre>no|without|negative for|no evidence of|there is no|there are no)\s+(?P<body>.+?)"
    r"(?P<tail>\s+(?:is|are) (?:seen|identified|present|demonstrated))?$",
    re.I,
)
_ITEM_SPLIT = re.compile(r",\s*(?:or|and|nor)\s+|,\s*|\s+(?:or|and|nor)\s+", re.I)
_ITEM_NEGATION = re.compile(r"^(?:no|without|nor)\s+", re.I)
# items that are not bare findings: the negation might not govern them the same way
_NOT_BARE = re.compile(
    r"\d|\b(?:small|tiny|trace|mild|moderate|large|severe|marked|new|old|stable|unchanged|possible|probable|"
    r"likely|suspected|with|without|but|measuring)\b"
    # an item with its own article is a clause of its own ("No haemorrhages or the maculae are normal")
    r"|^(?:the|both|all)\b",
    re.I,
)
#: a comma part that goes on with what the clause before it has (", with overlying drusen")
_WITH_PART = re.compile(r"^(?:with|along\s+with|together\s+with)\s+\S", re.I)
#: a comma part that is only a measure (", 2DD", ", ~350 um", ", 1.2 mm2"): the clause before it's
_MEASURE_PART = re.compile(r"^[~<>\u2248]?\s*\d+(?:\.\d+)?(?:\s*(?:x|-|to)\s*\d+(?:\.\d+)?)*\s*(?:[a-z\u00b5%\u00b2]{1,6}\d?)?$",
                           re.I)
#: a comma part that goes on with the clause before it whatever it names: a comparison with another place or structure
#: ("DCP reduced superiorly, worse than SCP") or more places of the same finding ("..., also sup frontal sulci")
_GOES_ON_PART = re.compile(r"^(?:(?:much|slightly|far|somewhat|a\s+little)\s+)?(?:worse|better|more|less|greater|milder|larger|"
                           r"smaller|denser|wider|deeper|lower|higher)(?:\s+\w+)?\s+than\s+\S|^also\s+(?!no\b|not\b)\S", re.I)
_ADJECTIVE = re.compile(r"[a-z-]+(?:al|ar|ary|ic|ous|ial|eal|ine)", re.I)


def cap(text: str) -> str:
    """``text`` with its first letter upper-case."""
    return text[:1].upper() + text[1:] if text else text


def end_sentence(text: str) -> str:
    """``text`` without trailing ",;:" and ending with a full stop (or its own "!"/"?")."""
    text = text.rstrip(" ,;:")
    return text if text.endswith((".", "!", "?")) else text + "."


def join_items(items: list[str], conj: str = "or") -> str:
    """"a, b or c"."""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


@dataclass(frozen=True)
class ClauseRewriter:
    """Splits multi-region sentences with a region classifier (see the module docstring).

    :param classify: text -> the regions it talks about (never empty).
    :param catch_all: the catch-all region (ignored when comparing a split with the whole).
    :param is_qualifier: comma part -> whether it only qualifies the clause before it.
    """

    classify: Callable[[str], frozenset[str]]
    catch_all: str = "others"
    is_qualifier: Callable[[str], bool] | None = None
    comma_clauses: bool = False
    shared_tail: re.Pattern[str] | None = None

    def clauses(self, sentence: str) -> list[str]:
        """The clauses of ``sentence`` (trailing qualifiers stay with the clause before them)."""
        out: list[str] = []
        split = _COMMA_CLAUSE_SPLIT if self.comma_clauses and not _NEG_LIST.match(sentence.strip()) else _CLAUSE_SPLIT
        for c in split.split(sentence.strip()):
            c = c.strip(" ,")
            if not c.strip(" ,."):
                continue
            if out and ((self.is_qualifier is not None and self.is_qualifier(c))
                        or _GOES_ON_PART.match(c)
                        or (self.comma_clauses and (_WITH_PART.match(c) or _MEASURE_PART.match(c)))):
                out[-1] = f"{out[-1]}, {c}"  # ", mild"; ", 2DD"; ", with overlying drusen": the clause before it's
            else:
                out.append(c)
        return out

    def split(self, sentence: str) -> dict[str, list[str]] | None:
        """``{region: [statements]}`` for a sentence about several regions, or None when it
        cannot be split safely."""
        tail = self.shared_tail.search(sentence.strip().rstrip(".")) if self.shared_tail is not None else None
        body = sentence.strip().rstrip(".")[: tail.start()] if tail is not None and tail.start() else sentence
        out: dict[str, list[str]] = {}
        for clause in self.clauses(body):
            regs = self.classify(clause)
            if len(regs) == 1:
                parts: dict[str, list[str]] | None = {next(iter(regs)): [end_sentence(cap(clause))]}
            else:
                parts = self.negated_list(clause)
            if parts is None:
                return None
            for r, texts in parts.items():
                out.setdefault(r, []).extend(texts)
        whole = self.classify(sentence)
        if set(out) - {self.catch_all} != set(whole) - {self.catch_all} or len(out) < 2:
            return None
        if body is not sentence:  # the shared tail governs every part
            phrase = tail.group().strip(" ,")
            out = {r: [f"{t.rstrip('.')} {phrase}." for t in texts] for r, texts in out.items()}
        return out

    def negated_list(self, clause: str) -> dict[str, list[str]] | None:
        """"No A, B or C" with items of different regions -> one negated statement per region."""
        m = _NEG_LIST.match(clause.rstrip(". "))
        if not m:
            return None
        pre, body, tail = m.group("pre"), m.group("body"), m.group("tail") or ""
        # "no A and no B": an item's own repeated negation is the head's ("No B.", never "No no B.")
        items = [_ITEM_NEGATION.sub("", i.strip()) for i in _ITEM_SPLIT.split(body) if i.strip()]
        if len(items) < 2 or any(_NOT_BARE.search(i) or len(i.split()) > 5 for i in items):
            return None
        words = items[-1].split(" ", 1)
        head = words[1] if len(words) == 2 else ""  # "axillary lymphadenopathy" -> "lymphadenopathy"
        # (as written, as a full phrase, whether it borrowed the head): "hilar" -> "hilar lymphadenopathy"
        full = [(i, f"{i} {head}", True) if head and k < len(items) - 1 and _ADJECTIVE.fullmatch(i) else (i, i, False)
                for k, i in enumerate(items)]
        groups: dict[str, list[tuple[str, str, bool]]] = {}
        for item in full:
            regs = self.classify(item[1])
            if len(regs) != 1:
                return None
            groups.setdefault(next(iter(regs)), []).append(item)
        if len(groups) < 2:
            return None
        out: dict[str, list[str]] = {}
        for region, members in groups.items():
            if len(members) > 1 and all(b for _, _, b in members[:-1]) and (
                members[-1][2] or members[-1][0] == items[-1]
            ):
                # adjectives sharing one head: "No mediastinal or hilar lymphadenopathy."
                adjs = [mm[0] for mm in members[:-1]] + [members[-1][1].rsplit(" " + head, 1)[0]]
                text = f"{join_items(adjs)} {head}"
            else:
                text = join_items([mm[1] for mm in members])
            out[region] = [end_sentence(cap(f"{pre} {text}{tail}"))]
        return out
