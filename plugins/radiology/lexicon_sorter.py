"""A rules-only region sorter driven by an ordered lexicon (used for CT chest and MRI brain).

The chest radiograph sorter (:mod:`.sorter`) is tuned to chest X-ray report
language; this one is its smaller sibling for templates whose vocabulary is
more anatomical (:mod:`.lexicon_ct`, :mod:`.lexicon_mri`).

A lexicon is a list of ``(tag, pattern)`` rules, joined in order into one
alternation and scanned once from left to right (the first rule that matches
at a position wins and consumes its text, so specific phrases such as
"pulmonary artery" are listed before the words they contain). Tags:

* ``"<region>"`` or ``"<region> <region>"``: anatomy of that region ("right
  upper lobe", "pericardium", "basal ganglia"). Anatomy decides the sentence.
* ``"anatomy:<region>"``: anatomy of the catch-all region ("thyroid" in CT chest), which
  counts as anatomy rather than as an *others* phrase.
* ``"finding:<region>"``: a finding noun that has a usual home ("nodule" ->
  lungs, "effusion" -> pleura, "hyperintensity" -> parenchyma). Used only when
  no anatomy is named ("7 mm solid nodule." -> lungs; "thyroid nodule" ->
  the thyroid's region).
* ``"others"``: technique, comparison, recommendations, devices, statements
  without anatomy ("No acute intrathoracic abnormality."). Used when neither
  anatomy nor a finding noun fired.
* ``"weak:<region>"``: a faint hint, used only when nothing else fired.
* ``""``: a blocker (consumed, says nothing).

In a sentence about a device (``device`` pattern), the anatomy only locates
the device ("port catheter tip in the superior vena cava"): the sentence goes
to the catch-all region unless a finding noun also fired.

A sentence about several regions is rewritten for :meth:`LexiconSorter.sort`
only where that is safe: clauses joined by ";", ", and", ", but", ", while";
and negated lists of bare findings ("No mediastinal, hilar or axillary
lymphadenopathy." -> "No mediastinal or hilar lymphadenopathy." +
"No axillary lymphadenopathy."), with the negation kept in every part.
Otherwise every region it names gets the whole sentence.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pixtralogist.core.spelling import matching_form as _normalise  # "oedema" sorts like "edema"
from pixtralogist.core.text import split_sentences
from pixtralogist.plugins.radiology.sorter import _Scanner

__all__ = ["LexiconSorter", "Classification", "accuracy"]

_WS = re.compile(r"\s+")
_SEGMENT = re.compile(r"[,;]|\s(?:and|or|nor)\s")


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
    """

    def __init__(
        self,
        template_id: str,
        regions: Sequence[str],
        rules: list[tuple[str, str]],
        *,
        device: str | None = None,
        catch_all: str = "others",
    ) -> None:
        self.template_id = template_id
        self.regions: tuple[str, ...] = tuple(regions)
        if catch_all not in self.regions:
            raise ValueError(f"catch-all region {catch_all!r} is not one of {self.regions}")
        for tag, _ in rules:
            for part in tag.split():
                name = part.split(":", 1)[1] if ":" in part else part
                if name not in self.regions:
                    raise ValueError(f"lexicon tag {tag!r} names a region the template {template_id!r} lacks")
        self.catch_all = catch_all
        self._scanner = _Scanner(rules)
        self._device = re.compile(device) if device else None

    # -- classification ---------------------------------------------------------
    def scan(self, sentence: str) -> list[tuple[str, str]]:
        """The rules that fire on ``sentence``, in order: ``[(tag, matched text), ...]``."""
        return [(tag, text) for tag, text, _ in self._hits(_normalise(sentence))]

    def _hits(self, text: str) -> list[tuple[str, str, int]]:
        sc = self._scanner
        return [(sc.tags[sc._index[m.lastgroup]], m.group(), m.start()) for m in sc.rx.finditer(text)]

    def explain(self, sentence: str) -> Classification:
        """The regions of one sentence, with the kind of evidence that decided them.

        Anatomy and finding nouns are weighed per list item (the sentence is cut at commas,
        semicolons, "and", "or", "nor"): a finding noun counts for its usual region only in an
        item that names no anatomy ("No intracranial hemorrhage or extra-axial collection."
        -> parenchyma and extra-axial spaces; "Thyroid nodule." -> the thyroid's region).
        """
        text = _normalise(sentence)
        hits = self._hits(text)
        cuts = [m.start() for m in _SEGMENT.finditer(text)]
        anatomy: dict[int, set[str]] = {}
        finding: dict[int, set[str]] = {}
        weak: set[str] = set()
        others = False
        for tag, _, start in hits:
            seg = bisect.bisect_right(cuts, start)
            if not tag:
                continue
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
        found = set().union(*(f for seg, f in finding.items() if seg not in anatomy)) if finding else set()
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
        parts = self._split(sentence) if len(regions) > 1 else None
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

    def _split(self, sentence: str) -> dict[str, list[str]] | None:
        out: dict[str, list[str]] = {}
        for clause in _clauses(sentence):
            regs = self.classify(clause)
            if len(regs) == 1:
                parts: dict[str, list[str]] | None = {next(iter(regs)): [_end(_cap(clause))]}
            else:
                parts = self._negated_list(clause)
            if parts is None:
                return None
            for r, texts in parts.items():
                out.setdefault(r, []).extend(texts)
        whole = self.classify(sentence)
        if set(out) - {self.catch_all} != set(whole) - {self.catch_all} or len(out) < 2:
            return None
        return out

    def _negated_list(self, clause: str) -> dict[str, list[str]] | None:
        m = _NEG_LIST.match(clause.rstrip(". "))
        if not m:
            return None
        pre, body, tail = m.group("pre"), m.group("body"), m.group("tail") or ""
        items = [i.strip() for i in _ITEM_SPLIT.split(body) if i.strip()]
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
                adjs = [m[0] for m in members[:-1]] + [members[-1][1].rsplit(" " + head, 1)[0]]
                text = f"{_join(adjs)} {head}"
            else:
                text = _join([m[1] for m in members])
            out[region] = [_end(_cap(f"{pre} {text}{tail}"))]
        return out


# --- helpers -----------------------------------------------------------------------------

_CLAUSE_SPLIT = re.compile(r"\s*;\s*|,\s+(?:and|but|while|whereas)\s+|\.\s+(?=[A-Z])")
_NEG_LIST = re.compile(
    r"^(?P<pre>no|without|negative for|no evidence of|there is no|there are no)\s+(?P<body>.+?)"
    r"(?P<tail>\s+(?:is|are) (?:seen|identified|present|demonstrated))?$",
    re.I,
)
_ITEM_SPLIT = re.compile(r",\s*(?:or|and|nor)\s+|,\s*|\s+(?:or|and|nor)\s+", re.I)
# items that are not bare findings: the negation might not govern them the same way
_NOT_BARE = re.compile(
    r"\d|\b(?:small|tiny|trace|mild|moderate|large|severe|marked|new|old|stable|unchanged|possible|probable|"
    r"likely|suspected|with|without|but|measuring)\b",
    re.I,
)


_ADJECTIVE = re.compile(r"[a-z-]+(?:al|ar|ary|ic|ous|ial|eal|ine)", re.I)


def _clauses(sentence: str) -> list[str]:
    return [c.strip(" ,") for c in _CLAUSE_SPLIT.split(sentence.strip()) if c.strip(" ,.")]


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _end(text: str) -> str:
    text = text.rstrip(" ,;:")
    return text if text.endswith((".", "!", "?")) else text + "."


def accuracy(sorter: LexiconSorter, labelled: Iterable[tuple[str, Iterable[str]]]) -> tuple[float, list[tuple[str, set[str], set[str]]]]:
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
