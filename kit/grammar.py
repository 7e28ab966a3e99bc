"""The sentence grammar behind multi-region rewriting: one sentence about several regions ->
region-specific statements that keep every negation, hedge and qualifier they are governed by.

:class:`RegionGrammar` is driven by a rules classifier (``classify_rules(text)`` -> an object
with ``regions`` and ``evidence``, or None when no rule fired) and a little language data from the
lexicon (``data.grammar``)::

    grammar:
      adjectives: 'cardiac|mediastinal|hilar|pulmonary'      # region adjectives that may lose their noun
      structure_heads: 'size|contours?|silhouettes?'         # nouns an adjective can be shared by
      plural_heads: [hila, apices, bases, lungs]             # plural nouns
      compounds:                                             # words that name two regions at once
        - words: 'cardio[- ]?mediastinal|cardiac[- ]mediastinal'
          parts: {heart: cardiac, mediastinal: mediastinal}
          silhouette_as_contours: [mediastinal]
      compound_heads: 'silhouettes?|contours?|structures?'

What it rewrites ("Heart and lungs normal." -> "Heart normal." + "Lungs normal."): clauses at
";" / ", and" / ", but" / "," where both sides are clauses; "X with Y" where X and Y are about
different regions; negated lists ("No effusion, pneumothorax or cardiomegaly."); a shared
procedure or hedge prefix ("Status post sternotomy and CABG.", "Possible cardiomegaly and edema.");
a shared adjective ("Normal heart size and mediastinal contours."); a shared predicate ("The heart
and mediastinum are normal."); bare lists; compounds ("cardiomediastinal silhouette"). Every
part must be about its region only, every region must get a part, and a clause-wide negation or
hedge must still be in every part; otherwise :meth:`RegionGrammar.rewrite_multi` returns None
and each region gets the whole sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pixtralogist.kit.rewriter import cap as _cap

__all__ = ["Compound", "RegionGrammar", "split_inner_sentences"]


@dataclass(frozen=True)
class Compound:
    """A word that names two regions at once ("cardiomediastinal") and its word in each."""

    words: str
    parts: Mapping[str, str]
    silhouette_as_contours: tuple[str, ...] = ()


# --------------------------------------------------------------------------- rewriting helpers
# A full stop inside a "sentence" that the splitter left alone: "No effusion. heart size is normal.",
# "...clear lungs.Heart size normal."
_INNER_BREAK = re.compile(r"(?<=[A-Za-z\]\)])\.(?:\s+(?=[a-z])|(?=[A-Z][a-z]))")

_ABBR_END = re.compile(r"\b(?:e\.g|i\.e|vs|approx|no|dr|st|etc|fig|cf|mr|mrs|ms|[a-z])$", re.I)

_NEG_CUE = re.compile(r"\b(?:no|not|without|negative|free of|none|nor)\b", re.I)

_NEG_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:specifically|otherwise|again|also|however)\s*,?\s*)?(?:there (?:is|are) )?"
    r"(?:no|negative for|without|free of)(?: (?:(?:radiographic |convincing |definite )?evidence|signs?) of)?)\s+(?P<rest>.+)$",
    re.I,
)

_NEG_SUFFIX = re.compile(
    r"\s+(?:(?:is|are|was|were|has been|have been)\s+)?(?:seen|noted|identified|present|demonstrated|evident|"
    r"appreciated|visualized|visible|detected|shown)\b.*$",
    re.I,
)

_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+|nor\s+)?|\s+(?:and|or|nor)\s+", re.I)

_SUBJ_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+", re.I)

_ADJ_FIRST = re.compile(
    r"^(?P<adj>(?:(?:stable|normal|unremarkable|unchanged|enlarged|prominent|overall|otherwise|grossly|"
    r"mild(?:ly)?|moderate(?:ly)?|severe|marked(?:ly)?|borderline|slight(?:ly)?|persistent|again),?\s+)+)(?P<rest>.+)$",
    re.I,
)

_PRED_START = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|looks?|"
    r"suggests?|indicates?|represents?|reflects?|"
    r"within|normal|unremarkable|clear|stable|intact|unchanged|enlarged|not|of normal|grossly|"
    r"upper limits?|at the upper|top normal|borderline|otherwise)\b",
    re.I,
)

_CLAUSE_PRED = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|seen|noted|"
    r"identified|present|visualized|evident|within normal limits|normal|clear|unremarkable|intact|stable|"
    r"unchanged|enlarged|midline|tortuous|engorged|no|not|without|negative)\b",
    re.I,
)

_CLAUSE_DELIM = re.compile(
    r"\s*;\s*|,\s*(?:and|but|while|whereas|however,?)\s+|,\s+|\s+(?:and|but|however|whereas)\s+", re.I
)

# verbs (and negation): what makes a word group a clause rather than a noun phrase
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|seen|noted|"
    r"identified|present|visualized|evident|no|not|without|negative|within normal limits|suggest\w*|indicat\w*|"
    r"represent\w*|reflect\w*|may|might|could|can)\b",
    re.I,
)

# a finite verb: what a clause joined by "and" needs on both sides
_FINITE = re.compile(
    r"\b(?:is|are|was|were|appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|suggests?|"
    r"indicates?|represents?|reflects?)\b",
    re.I,
)

# a word group that continues the previous clause instead of starting one with its own subject
_NO_SUBJECT = re.compile(
    r"^(?:may|might|could|can|would|should|will|is|are|was|were|has|have|had|appears?|remains?|seems?|shows?|"
    r"demonstrates?|reveals?|suggest\w*|represent\w*|indicat\w*|reflect\w*|measur\w*|which|that|who|with|without|"
    r"as well as|compatible|consistent|likely|possibly|probably|most|due|secondary|related|including|such as|"
    r"suspicious|concerning|worrisome|suggestive|in keeping|age indeterminate|of indeterminate age|"
    r"especially|particularly|specifically|e\.g\.?|i\.e\.?|not|but)\b",
    re.I,
)

_WITH_SPLIT = re.compile(
    r"(?<!compatible)(?<!consistent)(?<!keeping)(?<!associated)(?<!concordant)(?<!along)(?<!together)"
    r",?\s+(?P<w>with|without|as well as|and also)\s+",
    re.I,
)

_EXISTENTIAL = re.compile(r"^there (?:is|are) (?!no\b)", re.I)

_COPULA = re.compile(r"^(?:is|are|was|were)\s+", re.I)

_VERB = re.compile(
    r"^(?P<v>appears?|remains?|seems?|shows?|demonstrates?|reveals?|has|have|looks?|suggests?|indicates?|"
    r"represents?|reflects?)\b",
    re.I,
)

_SINGULAR = {
    "appear": "appears", "remain": "remains", "seem": "seems", "show": "shows", "demonstrate": "demonstrates",
    "reveal": "reveals", "have": "has", "look": "looks", "suggest": "suggests", "indicate": "indicates",
    "represent": "represents", "reflect": "reflects",
}

_PLURAL = {v: k for k, v in _SINGULAR.items()}

_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)

_CONJ_WORD = re.compile(r"\b(and|or|nor)\b", re.I)

_PROCEDURE_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:the )?patient (?:is )?)?(?:status post|s/p|post|postsurgical changes of|postoperative changes of|"
    r"changes of(?: prior)?|prior))\s+(?P<rest>.+)$",
    re.I,
)

# a hedge in front of a list governs every item: "Possible cardiomegaly and pulmonary edema."
_HEDGE_PREFIX = re.compile(
    r"^(?P<pre>(?:(?:findings|appearance) (?:are |is )?)?(?:possible|possibly|probable|probably|likely|questionable|"
    r"suspected|presumed|equivocal|(?:suspicious|concerning|worrisome) for|suggestive of|cannot (?:exclude|rule out)|"
    r"can not (?:exclude|rule out)|may represent|might represent|could represent|differential includes|"
    r"(?:consistent|compatible) with|evidence of))\s+(?P<rest>.+)$",
    re.I,
)

_HEDGE_CUE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|suspected|presumed|equivocal|suspicious|"
    r"concerning|worrisome|suggestive|suggest\w*|cannot|can not|may|might|could|differential|consistent|compatible|"
    r"evidence|versus|vs|or)\b|\?",
    re.I,
)

_POSTPOSED = re.compile(
    r"\b(?:normal|unremarkable|clear|stable|intact|unchanged|enlarged|midline|tortuous|limits)$", re.I
)


def split_inner_sentences(sentence: str) -> list[str]:
    """Split one sentence at full stops that :func:`split_sentences` leaves (before a lower-case
    word, or with no space: "effusion.Heart"). The pieces keep their text; a lower-case first
    letter is capitalised."""
    out: list[str] = []
    start = 0
    for m in _INNER_BREAK.finditer(sentence):
        left = sentence[start : m.start()]
        if _ABBR_END.search(left) or len(left.split()) < 2:
            continue
        out.append(sentence[start : m.start() + 1].strip())
        start = m.end()
    rest = sentence[start:].strip()
    if rest:
        out.append(rest)
    return [p[:1].upper() + p[1:] for p in out if p]


def _end(text: str) -> str:
    text = text.strip().rstrip(",;:").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _predicate_for(pred: str, plural: bool) -> str:
    """Drop a leading copula ("are within normal limits" -> "within normal limits"), agree other verbs."""
    pred = _COPULA.sub("", pred, count=1)
    m = _VERB.match(pred)
    if m:
        v = m.group("v")
        low = v.lower()
        if plural:
            new = _PLURAL.get(low, low)
        else:
            new = _SINGULAR.get(low, low)
        pred = new + pred[m.end():]
    return pred


def _join(items: list[str], conj: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def _pieces(text: str, splitter: re.Pattern) -> list[tuple[str, str]]:
    """``text`` cut at ``splitter``: ``[(delimiter before the item, item), ...]``."""
    out: list[tuple[str, str]] = []
    last, delim = 0, ""
    for m in splitter.finditer(text):
        if text[last : m.start()].strip():
            out.append((delim, text[last : m.start()].strip()))
            delim = m.group()
        last = m.end()
    if text[last:].strip():
        out.append((delim, text[last:].strip()))
    return out

class RegionGrammar:
    """Multi-region rewriting with a rules classifier and the lexicon's grammar data (module docstring).

    :param classify_rules: text -> the rules' classification (``.regions``, ``.evidence`` of
        ``(tag, text)``), or None when no rule fired.
    :param catch_all: the catch-all region.
    :param data: the lexicon's ``data.grammar`` mapping.
    :param max_chars: longer "sentences" (run-on dictation, pasted tables) are not rewritten.
    """

    def __init__(self, classify_rules: Callable[[str], Any], *, catch_all: str = "others",
                 data: Mapping[str, Any] | None = None, max_chars: int = 1000) -> None:
        data = dict(data or {})
        self.classify_rules = classify_rules
        self.catch_all = catch_all
        self._others = frozenset({catch_all})
        self.max_chars = max_chars
        adjectives = data.get("adjectives") or r"(?!x)x"
        self._adj_only = re.compile(r"^(?:(?:left|right|bilateral)\s+)?(?:" + adjectives + r")$", re.I)
        heads = data.get("structure_heads") or r"(?!x)x"
        self._structure_head = re.compile(r"\b(?:" + heads + r")$", re.I)
        self._plural_heads = frozenset(str(w).lower() for w in data.get("plural_heads") or ())
        self._compounds = tuple(Compound(str(c["words"]), dict(c.get("parts") or {}),
                                         tuple(c.get("silhouette_as_contours") or ()))
                                for c in data.get("compounds") or ())
        alts = "|".join(f"(?P<k{i}>{c.words})" for i, c in enumerate(self._compounds)) or r"(?!x)x"
        compound_heads = data.get("compound_heads") or r"(?!x)x"
        self._compound = re.compile(r"\b(?:" + alts + r")(?P<head>\s+(?:" + compound_heads + r"))?", re.I)
        self._rule_regions = lru_cache(maxsize=8192)(self._rule_regions)  # type: ignore[method-assign]

    def cache_clear(self) -> None:
        """Forget the per-text classifications cached so far."""
        self._rule_regions.cache_clear()

    def _rule_regions(self, text: str) -> frozenset[str]:
        res = self.classify_rules(text)
        return res.regions if res is not None else self._others

    def _decompound(self, text: str, region: str, context: str = "", contours: bool = True) -> str:
        """Replace a compound ("cardiomediastinal ...", "cardiopulmonary ...") by the word of one region."""

        def sub(m: re.Match) -> str:
            compound = next(c for k, c in enumerate(self._compounds) if m.group(f"k{k}"))
            head = m.group("head") or ""
            word = compound.parts.get(region)
            if region in compound.silhouette_as_contours and head.strip().lower().startswith("silhouette"):
                head = " silhouette" if (not contours or "contour" in context.lower()) else " contours"
            if word is None:
                return m.group(0)
            if m.group(0)[:1].isupper():
                word = word.capitalize()
            return word + head

        return self._compound.sub(sub, text)

    def _is_plural(self, np: str) -> bool:
        words = np.lower().split()
        if len(re.split(r"\s+and\s+", np.lower())) > 1:
            return True
        if not words:
            return False
        head = words[-1]
        if head in self._plural_heads:
            return True
        return head.endswith("s") and not head.endswith(("ss", "us", "is", "ax", "xxxx"))

    def _merge_unknown(self, pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """An item no rule says anything about ("tortuosity" in "aortic ectasia and tortuosity",
        "contour" in "size and contour") stays, with its original conjunction, with the item before it."""
        merged: list[tuple[str, str]] = []
        for delim, item in pieces:
            if merged and self.classify_rules(item) is None:
                d0, prev = merged[-1]
                merged[-1] = (d0, f"{prev}{delim}{item}")
            else:
                merged.append((delim, item))
        return merged

    def _borrow_heads(self, pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """"pleural or mediastinal air collections" -> "pleural air collections", "mediastinal air collections"."""
        out = list(pieces)
        for i in range(len(out) - 1):
            if self._adj_only.match(out[i][1]):
                j = i + 1
                while j < len(out) - 1 and self._adj_only.match(out[j][1]):
                    j += 1
                nxt = out[j][1].split()
                first = re.sub(r"^(?:(?:left|right|bilateral)\s+)", "", out[j][1], flags=re.I).split()
                if len(nxt) >= 2 and first and self._adj_only.match(first[0]):
                    out[i] = (out[i][0], out[i][1] + " " + " ".join(first[1:]))
        return out

    def _dangling(self, pieces: list[tuple[str, str]]) -> bool:
        """An adjective left without its noun ("Left hilar" in "Left hilar and left lower lobe calcifications")."""
        return any(self._adj_only.match(item) for _, item in pieces[:-1])

    def _regroup(self, 
        pieces: list[tuple[str, str]], *, context: str = "", compounds: bool = False
    ) -> dict[str, tuple[str, int]] | None:
        """List items -> ``{region: (its items joined, number of items)}``, keeping the conjunctions.

        Items of a region that stood next to each other keep the words between them ("atelectasis
        or scarring"); others are joined with the list's own conjunction, which must then be a
        single one ("A, B or C", not "A or B and C"). None when an item is about several regions
        (unless ``compounds`` and it is a "cardiomediastinal ..." phrase that can be split)."""
        members: dict[str, list[int]] = {}
        texts: dict[tuple[str, int], str] = {}
        for idx, (_, item) in enumerate(pieces):
            regs = self._rule_regions(item)
            if len(regs) == 1:
                r = next(iter(regs))
                members.setdefault(r, []).append(idx)
                texts[(r, idx)] = item
            elif compounds and self._compound.search(item):
                for r in sorted(regs):
                    members.setdefault(r, []).append(idx)
                    texts[(r, idx)] = self._decompound(item, r, context)
            else:
                return None
        conjs = {m.group(1).lower() for d, _ in pieces[1:] for m in [_CONJ_WORD.search(d)] if m}
        out: dict[str, tuple[str, int]] = {}
        for r, idxs in members.items():
            if len(idxs) == 1:
                out[r] = (texts[(r, idxs[0])], 1)
                continue
            if idxs == list(range(idxs[0], idxs[-1] + 1)):
                delims = [pieces[i][0] for i in idxs[1:]]
                if not _CONJ_WORD.search(delims[-1]):  # "A, B" cut out of "A, B and C": needs its conjunction
                    if len(conjs) != 1:
                        return None
                    delims[-1] = f" {next(iter(conjs))} "
                text = texts[(r, idxs[0])] + "".join(d + texts[(r, i)] for d, i in zip(delims, idxs[1:]))
            else:
                if len(conjs) > 1:
                    return None
                text = _join([texts[(r, i)] for i in idxs], next(iter(conjs)) if conjs else "and")
            out[r] = (text, len(idxs))
        return out

    def _negated_list(self, clause: str) -> dict[str, list[str]] | None:
        m = _NEG_PREFIX.match(clause.rstrip(". "))
        if not m:
            return None
        pre, rest = m.group("pre"), m.group("rest")
        suffix = ""
        sm = _NEG_SUFFIX.search(rest)
        if sm:
            suffix, rest = rest[sm.start():], rest[: sm.start()]
        pieces = _pieces(rest, _LIST_SPLIT)
        if len(pieces) < 2 or any(_FINITE.search(item) or _NO_SUBJECT.match(item) for _, item in pieces):
            return None
        pieces = self._borrow_heads(self._merge_unknown(pieces))
        groups = None if self._dangling(pieces) else self._regroup(pieces)
        if groups is None or len(groups) < 2:
            return None
        out = {}
        for r, (text, n) in groups.items():
            suf = suffix
            vm = re.match(r"\s+(is|are|has been|have been)\b", suf, re.I)
            if vm:
                plural = n > 1 or self._is_plural(text)
                verb = {"is": "are", "are": "are", "has been": "have been", "have been": "have been"}[vm.group(1).lower()]
                if not plural:
                    verb = {"are": "is", "have been": "has been"}[verb]
                suf = " " + verb + suf[vm.end():]
            out[r] = [_end(f"{pre} {text}{suf}")]
        return out

    def _adjective_first(self, clause: str) -> dict[str, list[str]] | None:
        m = _ADJ_FIRST.match(clause.rstrip(". "))
        if not m:
            return None
        adj, rest = m.group("adj").strip(), m.group("rest")
        if _CLAUSE_PRED.search(rest) or " and " not in f" {rest.lower()} ":
            return None
        pieces = self._borrow_heads(self._merge_unknown(_pieces(rest, _SUBJ_SPLIT)))
        if self._dangling(pieces) or not all(self._structure_head.search(item) for _, item in pieces):
            return None
        groups = self._regroup(pieces, compounds=True)
        if groups is None or len(groups) < 2:
            return None
        return {r: [_end(_cap(f"{adj} {text}"))] for r, (text, _) in groups.items()}

    def _shared_prefix(self, clause: str) -> dict[str, list[str]] | None:
        """"Status post sternotomy and CABG." -> "Status post sternotomy." + "Status post CABG.";
        "Possible cardiomegaly and edema." -> "Possible cardiomegaly." + "Possible edema."."""
        m = _PROCEDURE_PREFIX.match(clause.rstrip(". ")) or _HEDGE_PREFIX.match(clause.rstrip(". "))
        if not m or _VERBISH.search(m.group("rest")):
            return None
        pieces = _pieces(m.group("rest"), _LIST_SPLIT)
        if any(_NO_SUBJECT.match(item) for _, item in pieces):
            return None
        groups = self._regroup(self._merge_unknown(pieces))
        if groups is None or len(groups) < 2:
            return None
        return {r: [_end(_cap(f"{m.group('pre')} {text}"))] for r, (text, _) in groups.items()}

    def _subject_predicate(self, clause: str) -> dict[str, list[str]] | None:
        body = clause.rstrip(". ")
        m = None
        for cand in _PRED_START.finditer(body):
            if cand.start() > 0:
                m = cand
                break
        if m is None:
            return None
        subject, pred = body[: m.start()].strip().rstrip(","), body[m.start():].strip()
        if not subject or _FINITE.search(subject) or _NEG_CUE.search(subject):
            return None
        pieces = [(d, _LEADING_ARTICLE.sub("", item)) for d, item in _pieces(subject, _SUBJ_SPLIT)]
        pieces = self._borrow_heads(self._merge_unknown(pieces))
        if self._dangling(pieces) or any(_NO_SUBJECT.match(item) for _, item in pieces):
            return None
        groups = self._regroup(pieces, context=pred, compounds=True)
        if groups is None or len(groups) < 2:
            return None
        return {
            r: [_end(_cap(f"{text} {_predicate_for(pred, n > 1 or self._is_plural(text))}"))]
            for r, (text, n) in groups.items()
        }

    def _bare_list(self, clause: str) -> dict[str, list[str]] | None:
        body = _EXISTENTIAL.sub("", clause.rstrip(". "), count=1)
        if _VERBISH.search(body):
            return None
        pieces = _pieces(body, _LIST_SPLIT)
        if any(_NO_SUBJECT.match(item) for _, item in pieces):
            return None
        pieces = self._borrow_heads(self._merge_unknown(pieces))
        if len(pieces) < 2 or self._dangling(pieces):
            return None
        groups = self._regroup(pieces)
        if groups is None or len(groups) < 2:
            return None
        return {r: [_end(_cap(text))] for r, (text, _) in groups.items()}

    def _compound_only(self, clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
        if not self._compound.search(clause):
            return None
        out = {r: [_end(_cap(self._decompound(clause, r, clause, contours=False)))] for r in regions if r != self.catch_all}
        return out if len(out) >= 2 else None

    def _with_split(self, clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
        """"Cardiomegaly with pulmonary vascular congestion." -> heart + lung statements."""
        if _NEG_PREFIX.match(clause):
            return None
        body = clause.rstrip(". ")
        for m in _WITH_SPLIT.finditer(body):
            left, right = body[: m.start()].strip(), body[m.end():].strip()
            if not left or not right:
                continue
            if _FINITE.search(right):
                continue
            lr, rr = self._rule_regions(left), self._rule_regions(right)
            if lr == regions and rr <= lr and len(rr) == 1:
                left_parts = self._rewrite_clause(left, lr)
                if left_parts is None:
                    continue
                target = next(iter(rr))
                word = m.group("w").lower()
                texts = left_parts[target]
                texts[-1] = _end(texts[-1].rstrip(".") + f" {word} {right}")
                return left_parts
            left_parts = self._rewrite_clause(left, lr) if len(lr) > 1 else {next(iter(lr)): [_end(left)]}
            if left_parts is None:
                continue
            word = m.group("w").lower()
            right_text = f"No {right}" if word == "without" else _cap(right)
            right_parts = self._rewrite_clause(right_text, rr) if len(rr) > 1 else {next(iter(rr)): [_end(right_text)]}
            if right_parts is None:
                continue
            merged = {r: list(t) for r, t in left_parts.items()}
            for r, t in right_parts.items():
                merged.setdefault(r, []).extend(t)
            return merged
        return None

    def _rewrite_clause(self, clause: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
        """One clause about several regions -> parts, or None when no safe rewrite is found."""
        negated = bool(_NEG_PREFIX.match(clause))
        hedged = bool(_HEDGE_PREFIX.match(clause))
        for attempt in (
            lambda: self._with_split(clause, regions),
            lambda: self._negated_list(clause),
            lambda: self._shared_prefix(clause),
            lambda: self._adjective_first(clause),
            lambda: self._subject_predicate(clause),
            lambda: self._bare_list(clause),
            lambda: self._compound_only(clause, regions),
        ):
            parts = attempt()
            if parts is not None and self._valid(parts, regions, negated, hedged):
                return parts
        return None

    def _valid(self, parts: dict[str, list[str]], regions: frozenset[str], negated: bool, hedged: bool = False) -> bool:
        """Every part is about its region only, every region has a part, and a clause-wide
        negation or hedge is still in every part."""
        anatomical = {r for r in regions if r != self.catch_all}
        if {r for r in parts if r != self.catch_all} != anatomical:
            return False
        for region, texts in parts.items():
            for t in texts:
                regs = self._rule_regions(t)
                if region == self.catch_all:
                    if regs != self._others:
                        return False
                elif regs != {region}:
                    return False
                if negated and not _NEG_CUE.search(t):
                    return False
                if hedged and not _HEDGE_CUE.search(t):
                    return False
        return True

    def _is_others_phrase(self, text: str) -> bool:
        """A phrase about a device, soft tissue, the abdomen... ("right chest XXXX tip in the low SVC")."""
        res = self.classify_rules(text)
        return res is not None and res.regions == self._others and any(tag == self.catch_all for tag, _ in res.evidence)

    def _new_topic(self, left: str, right: str, delim: str) -> bool:
        """"Heart size within normal limits, mild aortic ectasia": a noun phrase about another region
        after a complete, affirmative clause (never after a negation, whose scope it may be in, and
        never inside "Normal heart size, mediastinal contours", where the adjective is shared)."""
        if "," not in delim or _NEG_CUE.search(left):
            return False
        if not (_VERBISH.search(left) or _POSTPOSED.search(left.strip())):
            return False
        lr, rr = self._rule_regions(left), self._rule_regions(right)
        return len(rr) == 1 and rr != self._others and not (rr & lr)

    def _clause_boundary(self, left: str, right: str, delim: str) -> bool:
        """Whether ``left`` and ``right`` (around ``delim``) are two clauses."""
        if len(left.split()) < 2 or len(right.split()) < 2 or _NO_SUBJECT.match(right.strip()):
            return False
        if self.classify_rules(left) is None or self.classify_rules(right) is None:
            return False
        if re.search(r"\band\b", delim, re.I):  # "X is normal and Y is clear": a verb on both sides
            return bool(_FINITE.search(left) and _FINITE.search(right))
        if not _CLAUSE_PRED.search(left):
            return False
        if _PRED_START.match(right.strip()) and not (self._rule_regions(right) - self._others):
            return False  # ", unchanged from prior", ", within normal limits": more predicate, no new subject
        return bool(_CLAUSE_PRED.search(right) or self._is_others_phrase(right) or self._new_topic(left, right, delim))

    def _split_clauses(self, sentence: str) -> list[str]:
        """Split at clause boundaries (";", ", and", ", but", ",") when both sides are clauses."""
        body = sentence.strip()
        pieces: list[str] = []
        last = 0
        for m in _CLAUSE_DELIM.finditer(body):
            left = body[last : m.start()]
            right_start = m.end()
            nxt = _CLAUSE_DELIM.search(body, right_start)
            right = body[right_start : nxt.start() if nxt else len(body)]
            if self._clause_boundary(left, right, m.group()):
                pieces.append(left)
                last = right_start
        pieces.append(body[last:])
        return [p.strip() for p in pieces if p.strip()]

    def rewrite_multi(self, sentence: str, regions: frozenset[str]) -> dict[str, list[str]] | None:
        """Region-specific statements of a sentence about several ``regions``, or None."""
        if len(sentence) > self.max_chars:
            return None
        clauses = self._split_clauses(sentence)
        out: dict[str, list[str]] = {}
        for clause in clauses:
            regs = self._rule_regions(clause)
            if len(regs) == 1:
                parts = {next(iter(regs)): [_end(_cap(clause))]}
            else:
                parts = self._rewrite_clause(clause, regs)
                if parts is None:
                    return None
            for r, texts in parts.items():
                out.setdefault(r, []).extend(texts)
        if {r for r in out if r != self.catch_all} != {r for r in regions if r != self.catch_all}:
            return None
        if len(clauses) == 1 and len(out) == 1:
            return None
        return out
