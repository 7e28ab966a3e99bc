"""The one region sorter: which regions of a template a sentence talks about, from lexicon rules.

A lexicon's ``sorter.rules`` is an ordered list of ``[tag, pattern]``, joined in order into one
alternation and scanned once from left to right (:class:`Scanner`: the first rule that matches
at a position wins and consumes its text, so specific phrases such as "pulmonary artery" are
listed before the words they contain). Tags:

* ``"<region>"`` or ``"<region> <region>"``: anatomy of that region ("right upper lobe",
  "pericardium", "basal ganglia"). Anatomy decides the sentence.
* ``"anatomy:<region>"``: anatomy of the catch-all region ("thyroid" in CT chest), which
  counts as anatomy rather than as a catch-all phrase.
* ``"finding:<region>"``: a finding noun that has a usual home ("nodule" -> lungs, "effusion"
  -> pleura). Used only in a list item that names no anatomy ("7 mm solid nodule." -> lungs;
  "thyroid nodule" -> the thyroid's region).
* ``"<catch_all>"``: technique, comparison, recommendations, devices, statements without
  anatomy ("No acute intrathoracic abnormality."). Used when no anatomy or finding fired.
* ``"weak:<region>"``: a faint hint, used only when nothing else fired.
* ``""``: a blocker (consumed, says nothing).

With ``sorter.places_after_findings_locate: true`` (templates whose regions are features, such
as OCT angiography's non-perfusion), a finding noun counts in every list item, and anatomy named
after a finding in its item only locates it ("capillary dropout in the deep plexus" is
non-perfusion; "deep plexus density reduced" is the deep plexus).

In a sentence about a device (the lexicon's ``sorter.device`` pattern), the anatomy only
locates the device ("port catheter tip in the superior vena cava"): the sentence goes to the
catch-all region unless a finding noun also fired.

A sentence about several regions is split by :class:`~pixtralogist.kit.rewriter.ClauseRewriter`
where that is safe; otherwise every region it names gets the whole sentence.

    sorter = LexiconSorter.from_lexicon("ct_chest", lexicon)
    sorter.classify("Enlarged 16 mm subcarinal lymph node.")   # frozenset({"mediastinum_hila"})
    sorter.sort("7 mm nodule in the right upper lobe. No pleural effusion.")
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pixtralogist.core.spelling import matching_form as _normalise  # "oedema" sorts like "edema"
from pixtralogist.core.text import split_sentences
from pixtralogist.kit.lexicon import Lexicon
from pixtralogist.kit.rewriter import ClauseRewriter

__all__ = ["Scanner", "ContextScanner", "LexiconSorter", "Classification", "accuracy", "continued_head"]

_WS = re.compile(r"\s+")
_SEGMENT = re.compile(r"[,;]|\s(?:and|or|nor)\s")
#: A statement and what goes on with it: a spaced dash before a comma list of its places or parts ("infarct L MCA -
#: insula, operculum"), a comma part led by "also" ("..., also sup frontal sulci") or a comparison with another structure
#: ("DCP reduced superiorly, worse than SCP"); the head places the whole.
_CONTINUED = re.compile(r"(?<=[^\W\d_])\s+[-\u2013\u2014]+\s+(?=\w[^,;]*,)|,\s+also\s+(?=\w)"
                        r"|,\s+(?:(?:much|slightly|far|somewhat)\s+)?(?:worse|better|more|less|greater|milder|larger|smaller|"
                        r"denser|lower|higher)(?:\s+\w+)?\s+than\s+(?=\w)")


def continued_head(sentence: str) -> str | None:
    """The head of a statement that goes on with a dash list or an "also" part (see :data:`_CONTINUED`): what places
    the whole sentence ("Nasogastric tube malpositioned - courses down the R main bronchus, tip over the RLL" is the
    tube's, not the lung's); None for any other sentence."""
    text = sentence.strip()
    m = _CONTINUED.search(text)
    head = text[:m.start()].strip() if m is not None else ""
    return head if head and ";" not in head and any(ch.isalnum() for ch in head) else None


#: a list item that interprets the statement ("suspicious for metastases", "c/w abscess", "likely infarct")
_INTERPRETING = re.compile(r"^(?:(?:highly|very|strongly|most|somewhat) )?(?:consistent with|compatible with|"
                           r"(?:suspicious|concerning|worrisome) (?:for|of)|suggestive of|in keeping with|c/w)\b")


class Scanner:
    """One left-to-right pass of an ordered alternation of ``(tag, pattern)`` rules."""

    def __init__(self, rules: Sequence[tuple[str, str]]):
        self.tags = [tag for tag, _ in rules]
        # Every rule starts at the beginning of a word: checking that once, before the
        # alternation, lets the engine skip the other positions quickly (about 4x faster).
        alternation = "|".join(f"(?P<g{i}>{pat})" for i, (_, pat) in enumerate(rules))
        self.rx = re.compile(rf"(?<![a-z0-9])(?=[a-z0-9])(?:{alternation})")
        if self.rx.groups != len(rules):  # a capturing group inside a pattern would break lastgroup
            raise ValueError("lexicon patterns must only use non-capturing groups")
        self._index = {f"g{i}": i for i in range(len(rules))}

    def scan(self, text: str) -> list[tuple[str, str]]:
        """``[(tag, matched text), ...]`` in order."""
        idx = self._index
        tags = self.tags
        return [(tags[idx[m.lastgroup]], m.group()) for m in self.rx.finditer(text)]

    def hits(self, text: str) -> list[tuple[str, str, int]]:
        """``[(tag, matched text, start), ...]`` in order."""
        idx = self._index
        tags = self.tags
        return [(tags[idx[m.lastgroup]], m.group(), m.start()) for m in self.rx.finditer(text)]


class ContextScanner:
    """A :class:`Scanner` of ``rules``, with other rules tried first in some sentences.

    :param contexts: ``((when patterns, first rules), ...)``: in a sentence every ``when``
        pattern matches (the first such context), ``first`` rules are scanned before ``rules``
        ("tip in the right atrium" is only a location in a sentence about a device).
    """

    def __init__(self, rules: Sequence[tuple[str, str]],
                 contexts: Sequence[tuple[Sequence[str], Sequence[tuple[str, str]]]] = ()) -> None:
        self.base = Scanner(list(rules))
        patterns = list(dict.fromkeys(w for when, _ in contexts for w in when))  # each distinct pattern once
        self._when = [re.compile(w) for w in patterns]
        self._rules = list(rules)
        # A context's scanner (its rules, then all the others: one more compile of the whole alternation)
        # is compiled when a sentence first needs it, not at start (about 0.05 s per context of a cold
        # start); its own rules are checked now, as the base scanner's are.
        for _, first in contexts:
            if any(re.compile(pattern).groups for _, pattern in first):
                raise ValueError("lexicon patterns must only use non-capturing groups")
        self.contexts = [(tuple(patterns.index(w) for w in when), tuple(first)) for when, first in contexts]
        self._scanners: dict[int, Scanner] = {}

    def pick(self, text: str) -> Scanner:
        """The scanner for ``text`` (lower-cased, normalised)."""
        if not self.contexts:
            return self.base
        seen: dict[int, bool] = {}
        for k, (when, first) in enumerate(self.contexts):
            ok = True
            for i in when:
                if i not in seen:
                    seen[i] = self._when[i].search(text) is not None
                if not seen[i]:
                    ok = False
                    break
            if ok:
                scanner = self._scanners.get(k)
                if scanner is None:  # two threads may both compile it: the same scanner either way
                    scanner = self._scanners.setdefault(k, Scanner(list(first) + self._rules))
                return scanner
        return self.base

    def scan(self, text: str) -> list[tuple[str, str]]:
        return self.pick(text).scan(text)

    def hits(self, text: str) -> list[tuple[str, str, int]]:
        return self.pick(text).hits(text)


@dataclass(frozen=True)
class Classification:
    """Why a sentence got its regions: ``source`` is ``"anatomy"``, ``"finding"``, ``"others"``,
    ``"weak"``, ``"device"`` or ``"default"`` (nothing fired)."""

    regions: frozenset[str]
    source: str
    evidence: tuple[tuple[str, str], ...] = ()


class LexiconSorter:
    """Region sorter for one template from an ordered lexicon (see the module docstring).

    :param template_id: the template the regions belong to.
    :param regions: the template's regions, in order.
    :param rules: ordered ``(tag, pattern)`` rules; patterns are written for lower-cased
        text and use non-capturing groups only.
    :param device: a pattern that marks a sentence as being about a device (optional).
    :param catch_all: the region for sentences nothing else claims (default ``"others"``).
    :param is_qualifier: comma part -> whether it only qualifies the clause before it (kept
        with it when a sentence is split; default: no such test).
    :param contexts: rules tried first in some sentences (see :class:`ContextScanner`).
    :param places_after_findings_locate: findings count in every list item and anatomy after a
        finding only locates it (see the module docstring).
    :param comma_clauses: / :param shared_tail: the clause rewriter's options
        (:class:`~pixtralogist.kit.rewriter.ClauseRewriter`).
    """

    def __init__(
        self,
        template_id: str,
        regions: Sequence[str],
        rules: Sequence[tuple[str, str]],
        *,
        device: str | None = None,
        catch_all: str = "others",
        is_qualifier: Callable[[str], bool] | None = None,
        contexts: Sequence[tuple[Sequence[str], Sequence[tuple[str, str]]]] = (),
        places_after_findings_locate: bool = False,
        comma_clauses: bool = False,
        shared_tail: str | None = None,
    ) -> None:
        self.template_id = template_id
        self.places_after_findings_locate = places_after_findings_locate
        self.regions: tuple[str, ...] = tuple(regions)
        if catch_all not in self.regions:
            raise ValueError(f"catch-all region {catch_all!r} is not one of {self.regions}")
        for tag, _ in rules:
            for part in tag.split():
                name = part.split(":", 1)[1] if ":" in part else part
                if name not in self.regions:
                    raise ValueError(f"lexicon tag {tag!r} names a region the template {template_id!r} lacks")
        self.catch_all = catch_all
        self._scanner = ContextScanner(rules, contexts)
        self._device = re.compile(device) if device else None
        self.rewriter = ClauseRewriter(self.classify, catch_all, is_qualifier, comma_clauses=comma_clauses,
                                       shared_tail=re.compile(shared_tail, re.I) if shared_tail else None)

    @classmethod
    def from_lexicon(cls, template_id: str, lexicon: Lexicon, *, regions: Sequence[str] | None = None,
                     is_qualifier: Callable[[str], bool] | None = None) -> "LexiconSorter":
        """The sorter a lexicon's ``regions``, ``catch_all`` and ``sorter`` section describe."""
        regs = tuple(regions or lexicon.regions)
        if not regs:
            raise ValueError(f"lexicon {lexicon.name!r} names no regions; pass regions=")
        return cls(template_id, regs, lexicon.sorter_rules, device=lexicon.device,
                   catch_all=lexicon.catch_all or ("others" if "others" in regs else regs[-1]),
                   is_qualifier=is_qualifier, contexts=lexicon.sorter_contexts, **lexicon.sorter_options)

    # -- classification ---------------------------------------------------------
    def scan(self, sentence: str) -> list[tuple[str, str]]:
        """The rules that fire on ``sentence``, in order: ``[(tag, matched text), ...]``."""
        return self._scanner.scan(_normalise(sentence))

    def explain(self, sentence: str) -> Classification:
        """The regions of one sentence, with the kind of evidence that decided them.

        Anatomy and finding nouns are weighed per list item (the sentence is cut at commas,
        semicolons, "and", "or", "nor"): a finding noun counts for its usual region only in an
        item that names no anatomy ("No intracranial hemorrhage or extra-axial collection."
        -> parenchyma and extra-axial spaces; "Thyroid nodule." -> the thyroid's region).
        """
        text = _normalise(sentence)
        head = continued_head(text)
        if head is not None:
            # "NGT malpositioned - courses down R main bronchus, tip over RLL", "FLAIR hyperintensity, also sup frontal
            # sulci": the statement is its head's; the list or continuation after it only says where it goes
            placed = self.explain(head)
            if placed.source not in ("default", "weak"):
                return placed
        hits = self._scanner.hits(text)
        cuts = [m.start() for m in _SEGMENT.finditer(text)]
        anatomy: dict[int, set[str]] = {}
        finding: dict[int, set[str]] = {}
        weak: set[str] = set()
        others = False
        first_finding: dict[int, int] = {}
        for tag, _, start in hits:
            if tag.startswith("finding:"):
                first_finding.setdefault(bisect.bisect_right(cuts, start), start)
        for tag, _, start in hits:
            seg = bisect.bisect_right(cuts, start)
            if not tag:
                continue
            if (self.places_after_findings_locate and start > first_finding.get(seg, start)
                    and not tag.startswith("finding:") and tag != self.catch_all):
                continue  # a place after the feature only locates it
            if tag == self.catch_all:
                others = True
            elif tag.startswith("anatomy:"):
                anatomy.setdefault(seg, set()).add(tag[8:])
            elif tag.startswith("finding:"):
                finding.setdefault(seg, set()).add(tag[8:])
            elif tag.startswith("weak:"):
                weak.add(tag[5:])
            else:
                anatomy.setdefault(seg, set()).update(tag.split())
        ev = tuple((tag, t) for tag, t, _ in hits)
        catch = frozenset({self.catch_all})
        if self._device is not None and self._device.search(text) and not finding:
            return Classification(catch, "device", ev)
        named = set().union(*anatomy.values()) if anatomy else set()
        bounds = [0, *cuts, len(text)]
        found = set().union(*(f for seg, f in finding.items()
                              if (seg not in anatomy or self.places_after_findings_locate)
                              # an interpretation part of a placed statement (", suspicious for mets") names what the
                              # finding may be, not where it is: the head's anatomy decides
                              and not (named and _INTERPRETING.match(text[bounds[seg]:bounds[seg + 1]].lstrip(" ,;"))))
                    ) if finding else set()
        if named or found:
            return Classification(frozenset(named | found), "anatomy" if named else "finding", ev)
        if others:
            return Classification(catch, "others", ev)
        if weak:
            return Classification(frozenset(weak), "weak", ev)
        return Classification(catch, "default", ev)

    def classify(self, sentence: str) -> frozenset[str]:
        """The set of regions ``sentence`` talks about (never empty)."""
        return self.explain(sentence).regions

    # -- rewriting multi-region sentences -----------------------------------------
    def rewrite(self, sentence: str) -> dict[str, str]:
        """``{region: its part of the sentence}``; every region of a sentence that cannot be split
        safely gets the whole sentence."""
        sentence = _WS.sub(" ", sentence or "").strip()
        if not sentence:
            return {}
        regions = self.classify(sentence)
        parts = self.rewriter.split(sentence) if len(regions) > 1 else None
        if parts is None:
            return {r: sentence for r in self._ordered(regions)}
        return {r: " ".join(parts[r]) for r in self._ordered(parts)}

    def sort(self, text: str) -> dict[str, str]:
        """``{region: text}`` with exactly the template's regions as keys (``""`` where nothing)."""
        out: dict[str, list[str]] = {r: [] for r in self.regions}
        for sentence in split_sentences(text or ""):
            for region, part in self.rewrite(sentence).items():
                out[region].append(part)
        return {r: " ".join(v) for r, v in out.items()}

    def _ordered(self, regions: Iterable[str]) -> list[str]:
        order = {r: i for i, r in enumerate(self.regions)}
        return sorted(regions, key=order.__getitem__)


def accuracy(sorter, labelled: Iterable[tuple[str, Iterable[str]]]) -> tuple[float, list[tuple[str, set[str], set[str]]]]:
    """Exact-set accuracy of ``sorter`` on ``(sentence, regions)`` pairs, and the misses
    ``(sentence, expected, got)``."""
    n = 0
    misses: list[tuple[str, set[str], set[str]]] = []
    for sentence, expected in labelled:
        n += 1
        got = set(sorter.classify(sentence))
        if got != set(expected):
            misses.append((sentence, set(expected), got))
    return ((n - len(misses)) / n if n else 0.0), misses
