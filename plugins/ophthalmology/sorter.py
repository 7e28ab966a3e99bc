"""Region sorters for the ophthalmology templates (``fundus`` and ``octa``).

A sentence is cut into pieces (commas, semicolons, and "and"/"or" between two
pieces that each name something); each piece gets the regions its words name:

* an **anatomy** word (disc, macula, vessels, periphery; FAZ, superficial or
  deep plexus) wins over a lesion's usual region inside its piece
  ("hemorrhage at the disc" -> optic disc);
* otherwise a **lesion** word gives its usual region ("NVD" -> optic disc,
  "dot-blot hemorrhages" -> periphery, "hard exudates" -> macula, "reduced
  vessel density" -> both plexuses);
* media, image quality, grades and comparison words go to ``others`` (the
  catch-all, also used when nothing is recognised);
* a piece naming nothing (a size, "pink", an eye) stays with the piece before it;
  list items before a piece whose place is introduced by a preposition share
  that place ("hemorrhages and exudates at the macula").

Rewriting a multi-region sentence gives each region its pieces and keeps what
governs the whole sentence: a leading negation ("No hemorrhages, exudates or
NVE" -> "No hemorrhages or NVE." + "No exudates."), a leading hedge, and the
eye ("... in the right eye") when the region's part lost it. The sorter never
decides negation or uncertainty itself.

    sorter = FundusSorter()
    sorter.classify("Cup-to-disc ratio 0.3, scattered dot-blot hemorrhages.")  # {"optic_disc", "periphery"}
    sorter.sort(findings_text)  # {"optic_disc": ..., "macula": ..., "vessels": ..., "periphery": ..., "others": ...}
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core.text import split_sentences
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.templates import FUNDUS_REGIONS, OCTA_REGIONS

__all__ = ["FUNDUS_REGIONS", "OCTA_REGIONS", "EyeRegionSorter", "FundusSorter", "OctaSorter", "Piece"]


_NEG_START = re.compile(r"^\s*(?:no|not|without|negative\s+for|absence\s+of|free\s+of|neither)\b", re.I)
_NEG_ANY = re.compile(r"\b(?:no|not|without|negative|absent|nor|neither|none)\b", re.I)
_HEDGE_START = re.compile(
    r"^\s*(?:possible|possibly|probable|probably|likely|questionable|suspected|suspicious\s+for|"
    r"cannot\s+exclude|query|\?)\s*",
    re.I,
)
_HEDGE_ANY = re.compile(r"\b(?:possible|possibly|probable|probably|likely|questionable|suspect\w*|may|might|"
                        r"cannot\s+(?:be\s+)?exclude\w*|not\s+excluded|query|versus)\b", re.I)
_PIECE_SPLIT = re.compile(r"\s*[;,]\s*|\s+(?:and|or|nor|as\s+well\s+as|plus)\s+", re.I)
_CONJ = re.compile(r"^(?:and|or|nor|as\s+well\s+as|plus)\s+", re.I)
_PREP_BEFORE_PLACE = re.compile(
    r"\b(?:at|in|near|around|along|within|involving|temporal\s+to|nasal\s+to|superior\s+to|inferior\s+to|"
    r"of|on|over|adjacent\s+to|close\s+to)\s+(?:the\s+)?(?:\w+\s+){0,2}$",
    re.I,
)
_DETERMINERS = re.compile(r"^(?:the|a|an|both|in|at|of)\s+", re.I)
_EYE_TAIL = re.compile(
    r"(?:\s*,?\s*(?:in\s+)?(?:the\s+)?(?:right|left)\s+eye|\s*,?\s*(?:in\s+)?both\s+eyes|\s*,?\s*\b(?:od|os|ou)\b)\s*$",
    re.I,
)


@dataclass(frozen=True)
class Piece:
    """One piece of a sentence and the regions it names."""

    text: str
    regions: frozenset[str]
    anatomy: tuple[tuple[str, int, int], ...]  # (region, start, end) of anatomy words in ``text``
    lesion_only: bool  # names a lesion but no place


class EyeRegionSorter:
    """A rule-based :class:`~pixtralogist.core.protocols.RegionSorter` over region rules.

    :param regions: the template's regions, in order (the last is the catch-all).
    :param rules: ``(region, kind, pattern)`` rules from :mod:`~pixtralogist.plugins.ophthalmology.lexicon`.
    :param both: optional pattern whose match names every region in ``both_regions`` (as anatomy).
    :param place_wins: inside a piece, a place word overrides the lesion's usual region (fundus:
        "hemorrhage at the disc" is optic disc). When False (OCTA, whose regions are features), the
        lesion's region always counts and a place counts only as the subject, before the lesion.
    """

    def __init__(self, regions: tuple[str, ...], rules: tuple[lexicon.RegionRule, ...], *,
                 both: re.Pattern[str] | None = None, both_regions: tuple[str, ...] = (),
                 place_wins: bool = True) -> None:
        self.regions = tuple(regions)
        self.place_wins = place_wins
        self.catch_all = self.regions[-1]
        self._rules = tuple(rules)
        alternation = "|".join(f"(?P<g{i}>{pat})" for i, (_, _, pat) in enumerate(rules))
        self._rx = re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")
        if self._rx.groups != len(rules):
            raise ValueError("region rule patterns must only use non-capturing groups")
        self._both = both
        self._both_regions = frozenset(both_regions)

    # -- scanning -----------------------------------------------------------------

    def scan(self, text: str) -> list[tuple[str, str, int, int]]:
        """``[(region, kind, start, end)]`` of the rules that fire on ``text`` (lower-cased)."""
        low = text.lower()
        hits = []
        for m in self._rx.finditer(low):
            region, kind, _ = self._rules[int(m.lastgroup[1:])]
            hits.append((region, kind, m.start(), m.end()))
        if self._both is not None:
            for m in self._both.finditer(low):
                hits += [(r, "anatomy", m.start(), m.end()) for r in sorted(self._both_regions)]
        return hits

    def _piece(self, text: str) -> Piece:
        hits = self.scan(text)
        if self._both is not None:
            specific = {r for r, k, _, _ in hits if k == "anatomy" and r in self._both_regions}
            both = [h for h in hits if h[1] == "anatomy" and h[0] in self._both_regions and self._both.fullmatch(text.lower()[h[2]:h[3]])]
            named = [h for h in hits if h[1] == "anatomy" and h[0] in self._both_regions and h not in both]
            if specific and both and named:
                # a named plexus wins over "vessel density" unless they overlap ("superficial and deep plexus")
                hits = [h for h in hits if h not in both or any(n[2] < h[3] and h[2] < n[3] for n in named)]
        anatomy = tuple((r, s, e) for r, k, s, e in hits if k == "anatomy" and r != self.catch_all)
        lesions = {r for r, k, _, _ in hits if k == "lesion" and r != self.catch_all}
        others = any(r == self.catch_all for r, _, _, _ in hits)
        if anatomy and lesions and not self.place_wins:
            # features first: a place counts only when it is the subject, before the first lesion word
            first_lesion = min(s for r, k, s, _ in hits if k == "lesion" and r != self.catch_all)
            anatomy = tuple(a for a in anatomy if a[1] < first_lesion)
            regions = frozenset(lesions | {r for r, _, _ in anatomy})
        elif anatomy:
            regions = frozenset(r for r, _, _ in anatomy)
        elif lesions:
            regions = frozenset(lesions)
        elif others:
            regions = frozenset({self.catch_all})
        else:
            regions = frozenset()
        return Piece(text, regions, anatomy, lesion_only=bool(lesions) and not anatomy)

    def pieces(self, sentence: str) -> list[Piece]:
        """The sentence's pieces with their regions (attachments merged, shared places applied)."""
        raw = self._split(sentence)
        pieces = [self._piece(t) for t in raw]
        # shared place: "hemorrhages and exudates at the macula", "MAs, hemorrhages near the fovea"
        for i in range(len(pieces) - 1, 0, -1):
            nxt = pieces[i]
            if not nxt.anatomy:
                continue
            start = min(s for _, s, _ in nxt.anatomy)
            if not _PREP_BEFORE_PLACE.search(nxt.text[:start]):
                continue
            j = i - 1
            while j >= 0 and pieces[j].lesion_only and len(pieces[j].text.split()) <= 4:
                pieces[j] = Piece(pieces[j].text, nxt.regions, (), False)
                j -= 1
        # attachments: pieces that name nothing join the piece before them
        merged: list[Piece] = []
        for p in pieces:
            if not p.regions and merged:
                prev = merged[-1]
                merged[-1] = Piece(f"{prev.text}, {p.text}", prev.regions, prev.anatomy, prev.lesion_only)
            else:
                merged.append(p)
        if len(merged) > 1 and not merged[0].regions:
            first = merged.pop(0)
            nxt = merged[0]
            merged[0] = Piece(f"{first.text}, {nxt.text}", nxt.regions, nxt.anatomy, nxt.lesion_only)
        return merged

    def _split(self, sentence: str) -> list[str]:
        text = sentence.strip().rstrip(".!")
        parts: list[str] = []
        pos = 0
        for m in _PIECE_SPLIT.finditer(text):
            left, right = text[pos:m.start()], text[m.end():]
            if m.group().strip() in (",", ";") or (self.scan(left) and self.scan(_first_piece(right))):
                parts.append(left)
                parts.append(m.group().strip())  # keep the delimiter for rebuilding
                pos = m.end()
        parts.append(text[pos:])
        # fold delimiters: "and"/"or" prefixes stay on the next piece
        out: list[str] = []
        pending = ""
        for p in parts:
            if p in (",", ";"):
                pending = ""
            elif p.lower() in ("and", "or", "nor", "plus") or re.fullmatch(r"as\s+well\s+as", p, re.I):
                pending = p + " "
            else:
                if p.strip():
                    out.append(pending + p.strip())
                pending = ""
        return out or [text]

    # -- the protocol ----------------------------------------------------------------

    def classify(self, sentence: str) -> frozenset[str]:
        """The regions ``sentence`` talks about (the catch-all when none)."""
        regions = frozenset().union(*(p.regions for p in self.pieces(sentence or ""))) if sentence else frozenset()
        return regions or frozenset({self.catch_all})

    def rewrite(self, sentence: str) -> dict[str, str]:
        """``{region: text}`` for one sentence: each region gets its pieces (see the module docstring)."""
        pieces = self.pieces(sentence)
        regions = [r for r in self.regions if any(r in p.regions for p in pieces)] or [self.catch_all]
        if len(regions) == 1:
            return {regions[0]: _finish(sentence)}
        negated = bool(_NEG_START.match(sentence))
        hedge = _HEDGE_START.match(sentence)
        eye_tail = _EYE_TAIL.search(sentence.strip().rstrip(".!"))
        eyes = lexicon.eyes_of(sentence)
        out: dict[str, str] = {}
        for region in regions:
            own = [p for p in pieces if region in p.regions]
            texts = [self._for_region(p, region, pieces) for p in own]
            text = _join(texts, "or" if negated else "and")
            if negated and not _NEG_START.match(text):
                text = "No " + _lower_first(_CONJ.sub("", text))
            elif hedge and not _HEDGE_ANY.search(text):
                text = f"{hedge.group().strip().capitalize()} {_lower_first(text)}"
            if eyes and not lexicon.eyes_of(text):
                tail = eye_tail.group().strip(" ,") if eye_tail else _eye_phrase(eyes, negated)
                if not tail.lower().startswith("in ") and not re.match(r"(?i)o[dsu]\b", tail):
                    tail = "in " + tail
                text = f"{text.rstrip('.')} {tail}"
            out[region] = _finish(text)
        return out

    def _for_region(self, piece: Piece, region: str, pieces: list[Piece]) -> str:
        """A piece's text for ``region``; a bare place ("macula" after "hemorrhages at the disc")
        borrows the previous piece's words with the place swapped."""
        text = _CONJ.sub("", piece.text).strip()
        bare = _DETERMINERS.sub("", _EYE_TAIL.sub("", text).strip())
        if piece.anatomy and len(bare.split()) <= 3 and all(s <= 6 for _, s, _ in piece.anatomy):
            idx = pieces.index(piece)
            for prev in reversed(pieces[:idx]):
                if prev.anatomy and region not in prev.regions:
                    _, s, e = prev.anatomy[0]
                    return prev.text[:s] + bare + prev.text[e:]
        return text  # a piece naming several regions ("at the disc and macula") stays whole

    def sort(self, text: str) -> dict[str, str]:
        """``{region: text}`` with exactly the template's regions as keys, in order."""
        out: dict[str, list[str]] = {r: [] for r in self.regions}
        for sentence in split_sentences(text or ""):
            sentence = sentence.strip()
            if not sentence:
                continue
            for region, part in self.rewrite(sentence).items():
                out[region if region in out else self.catch_all].append(part)
        return {r: " ".join(v) for r, v in out.items()}


def _first_piece(text: str) -> str:
    m = _PIECE_SPLIT.search(text)
    return text[: m.start()] if m else text


def _lower_first(text: str) -> str:
    if not text:
        return text
    first = text.split(" ", 1)[0].strip(",.;")
    if first.upper() == first and len(first) > 1:  # an acronym (NVD, DME)
        return text
    return text[0].lower() + text[1:]


def _join(texts: list[str], conj: str) -> str:
    texts = [t.strip().rstrip(".") for t in texts if t.strip()]
    texts = [texts[0]] + [_CONJ.sub("", t) for t in texts[1:]] if texts else texts
    if len(texts) <= 1:
        return texts[0] if texts else ""
    if _NEG_START.match(texts[0]) and conj == "or":
        return ", ".join(texts[:-1]) + f" or {texts[-1]}"
    return "; ".join(texts) if any(len(t.split()) > 4 for t in texts) else ", ".join(texts[:-1]) + f" {conj} {texts[-1]}"


def _eye_phrase(eyes: frozenset[str], negated: bool = False) -> str:
    if len(eyes) == 2:
        return "in either eye" if negated else "in both eyes"
    return f"in the {next(iter(eyes))} eye"


def _finish(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


class FundusSorter(EyeRegionSorter):
    """Sorter of the ``fundus`` template: optic disc, macula, vessels, periphery, others."""

    def __init__(self) -> None:
        super().__init__(FUNDUS_REGIONS, lexicon.FUNDUS_RULES)


class OctaSorter(EyeRegionSorter):
    """Sorter of the ``octa`` template: FAZ, superficial and deep plexus, non-perfusion, neovascularization, others.

    "Vessel density" without a plexus named goes to both plexus regions (whole sentence to each).
    """

    def __init__(self) -> None:
        super().__init__(OCTA_REGIONS, lexicon.OCTA_RULES, both=lexicon.OCTA_BOTH_PLEXUSES_RE,
                         both_regions=("superficial_plexus", "deep_plexus"), place_wins=False)
