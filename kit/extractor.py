"""The one finding extractor: text -> findings with concept, region, status and qualifiers.

    ex = Extractor(lexicon)                       # lexicon: pixtralogist.kit.load_lexicon(...)
    ex.extract("Cardiomegaly, mild. No pneumothorax. R hilar mass ~4 cm, suspicious for malignancy")
    # [Mention(concept='cardiomegaly', status='present', severity='mild', ...),
    #  Mention(concept='pneumothorax', status='absent', ...),
    #  Mention(concept='mass', status='uncertain', laterality='right', location='hilar', size_mm=40.0,
    #          clause='R hilar mass ~4 cm, suspicious for malignancy', ...)]

How it reads:

1. Sentences (:func:`pixtralogist.core.text.split_sentences`), then clauses at ";" and at commas.
   A comma part that only qualifies what came before - severity (", mild"), temporality
   (", old", ", age indeterminate"), certainty (", suspicious for malignancy", "? dissection"),
   a size or a location without a finding of its own - stays with its clause: qualifiers are
   never a clause of their own.
2. Shorthand is expanded from the lexicon (``L`` -> left before a word, ``ptx`` -> pneumothorax,
   a concept's ``abbreviations`` -> its name) before matching; the finding keeps the words.
3. Concepts of kind ``finding`` and ``device`` are found by their synonyms and patterns
   (longest first); ``anatomy`` concepts give the location and, when they have one, the region.
4. Status from the cue rules (:mod:`pixtralogist.kit.cues`): ``absent`` (negated),
   ``uncertain`` (hedged, or a trailing "?"), ``historical`` (old, healed, history of, s/p),
   else ``present``. Laterality, severity (the concept's or the lexicon's scale) and size
   (:func:`pixtralogist.core.nlp.parse_size_mm`) are read from the whole clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from pixtralogist.core.nlp import parse_laterality, parse_size_mm
from pixtralogist.core.spelling import americanize
from pixtralogist.core.text import clean_text, split_sentences
from pixtralogist.kit.cues import CueSet, base_cues
from pixtralogist.kit.lexicon import Concept, Lexicon, iter_terms, near_context

__all__ = ["INTERPRETS", "Mention", "Extractor", "Status", "context_expansion", "expand_abbreviations", "split_clauses"]

Status = Literal["present", "absent", "uncertain", "historical"]

_LATERAL = {"l": "left", "r": "right", "b": "bilateral", "lt": "left", "rt": "right", "bil": "bilateral"}
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'/&+-]*[A-Za-z/&+]|[A-Za-z&]|\d+(?:\.\d+)?|\S")
#: A comma part that interprets the statement before it ("..., c/w pneumonia", "..., likely atelectasis").
INTERPRETS = re.compile(
    r"^(?:(?:highly|very|strongly|most|somewhat|mildly|moderately|quite) )?"  # "highly suspicious for ..."
    r"(?:consistent with|compatible with|(?:suspicious|concerning|worrisome) (?:for|of)|suggestive of|likely|"
    r"probably|possibly|may represent|favou?r(?:ing|s)?|in keeping with|c/w)\b", re.I)
_SIZE_ONLY = re.compile(r"^(?:~|approx(?:imately)?|about|up to|measuring|measures)?\s*\d+(?:\.\d+)?\s*(?:x\s*\d+(?:\.\d+)?\s*)*(?:mm|cm)\b", re.I)


@dataclass(frozen=True)
class Mention:
    """One finding (or device) stated in the text, with everything the clause says about it."""

    concept: str
    kind: str
    text: str
    region: str | None
    status: Status
    laterality: str | None = None
    location: str | None = None
    severity: str | None = None
    size_mm: float | None = None
    qualifiers: tuple[str, ...] = ()
    clause: str = ""
    sentence: str = ""
    span: tuple[int, int] = (0, 0)
    categories: frozenset[str] = field(default_factory=frozenset)

    @property
    def negated(self) -> bool:
        return self.status == "absent"

    @property
    def uncertain(self) -> bool:
        return self.status == "uncertain" or "uncertain" in self.categories

    @property
    def historical(self) -> bool:
        return self.status == "historical" or "historical" in self.categories


def expand_abbreviations(text: str, lexicon: Lexicon) -> str:
    """``text`` with the lexicon's shorthand written out ("L 5th-7th ribs" -> "left 5th-7th ribs",
    "pacer leads in RA/RV" -> "... right atrium/right ventricle"). Laterality letters (L, R, B,
    Lt, Rt) expand only before a word, never after a number ("2 L")."""
    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    last = 0
    for i, (tok, s, e) in enumerate(toks):
        out.append(text[last:s])
        last = e
        low = tok.lower()
        prev = toks[i - 1][0] if i else ""
        nxt = toks[i + 1][0] if i + 1 < len(toks) else ""
        if low in _LATERAL and nxt[:1].isalpha() and not prev[:1].isdigit():
            out.append(_LATERAL[low])
            continue
        exp = lexicon.expansion(tok)
        if exp is None and "/" in tok and len(tok) > 2:
            parts = tok.split("/")
            if all(p and lexicon.expansion(p) for p in parts):
                exp = "/".join(lexicon.expansion(p) or p for p in parts)
        ctx = lexicon.context_abbreviations.get(low)
        if exp is None and ctx:
            exp = context_expansion(ctx, prev, nxt, [t[0] for t in toks[max(0, i - 12):i] if t[0][:1].isalpha()],
                                      [t[0] for t in toks[i + 1:i + 13] if t[0][:1].isalpha()])
        out.append(exp if exp is not None else tok)
    out.append(text[last:])
    return "".join(out)


def context_expansion(rule: dict, prev: str, nxt: str, before=(), after=()) -> str | None:
    """The expansion a ``context_abbreviations`` rule gives a token between ``prev`` and ``nxt`` (``before``/``after``:
    the clause's words either side, for ``near``), or None (left as written)."""
    if "not_after_number" in rule:
        return None if prev[:1].isdigit() else rule["not_after_number"]
    if "followed_by" in rule:
        return rule.get("expansion") if nxt.lower() in rule["followed_by"] else rule.get("otherwise")
    if "preceded_by" in rule:
        return rule.get("expansion") if prev.lower() in rule["preceded_by"] else rule.get("otherwise")
    if "before_noun" in rule:
        return rule["before_noun"] if nxt[:1].isalpha() else rule.get("otherwise")
    if "near" in rule:
        return rule.get("expansion") if near_context(rule, before, after) else rule.get("otherwise")
    return None


def split_clauses(sentence: str, is_qualifier) -> list[str]:
    """A sentence cut at ";" and commas, each comma part that only qualifies (``is_qualifier``)
    kept with the clause before it."""
    out: list[str] = []
    for piece in re.split(r"\s*;\s*", sentence):
        for part in re.split(r"(?<!\d),(?!\d)|,(?=\s)", piece):
            part = part.strip()
            if not part:
                continue
            if out and is_qualifier(part):
                out[-1] = f"{out[-1]}, {part}"
            else:
                out.append(part)
    return out


class Extractor:
    """Findings from text with one lexicon and its cue rules (see the module docstring).

    :param lexicon: the specialty's lexicon (:func:`~pixtralogist.kit.lexicon.load_lexicon`).
    :param cues: the cue rules (default: the kit's base cues extended by the lexicon's ``cues``).
    :param region_of: a region sorter's ``classify``: when given, a mention's region is the one
        region of its location and words ("hilar mass" -> the hila's region), else its concept's.
    """

    def __init__(self, lexicon: Lexicon, cues: CueSet | None = None,
                 region_of: Callable[[str], frozenset[str]] | None = None) -> None:
        self.lexicon = lexicon
        self.region_of = region_of
        self.cues = cues if cues is not None else base_cues().extend(lexicon.cues)
        self._targets, self._target_concepts = _matcher(lexicon.of_kind("finding", "device"))
        self._anatomy, self._anatomy_concepts = _matcher(lexicon.of_kind("anatomy"))
        self._qualifier, self._qualifier_concepts = _matcher(lexicon.of_kind("qualifier"))
        scale = tuple(dict.fromkeys(lexicon.severity))
        self._severity = re.compile(r"\b(" + "|".join(map(re.escape, sorted(scale, key=len, reverse=True))) + r")\b", re.I) if scale else None

    # -- pieces ------------------------------------------------------------------
    def normalise(self, text: str) -> str:
        """Clean, American-spelled, shorthand written out."""
        return expand_abbreviations(americanize(clean_text(text or "")), self.lexicon)

    def is_qualifier(self, part: str) -> bool:
        """Whether a comma part only qualifies the statement before it (no finding of its own)."""
        low = self.normalise(part).lower().strip(" .?")
        if not low:
            return True
        if INTERPRETS.match(low) or part.lstrip().startswith("?"):
            return True  # ", suspicious for malignancy", ", c/w pneumonia", "? dissection": about the finding before
        if self._targets.search(low):
            return False
        if _SIZE_ONLY.match(low):
            return True
        rest = self._qualifier.sub(" ", low)
        rest = self._anatomy.sub(" ", rest)
        rest = re.sub(r"\b(?:and|or|with|in|at|of|the|a|an|to|from|since|prior|left|right|bilateral|is|are|"
                      r"for|cm|mm|x|~|approximately|about)\b|\d+(?:\.\d+)?|[^\w\s]", " ", rest)
        return not rest.strip()

    def names_anatomy(self, text: str) -> bool:
        """Whether ``text`` names an anatomy concept of the lexicon ("The mediastinum is stable.")."""
        return bool(self._anatomy.search(self.normalise(text).lower()))

    def qualifier_concepts(self, text: str) -> set[str]:
        """The ids of the qualifier concepts ``text`` uses ("severity", "temporality", ...)."""
        low = self.normalise(text).lower()
        return {self._qualifier_concepts[m.lastgroup].id for m in self._qualifier.finditer(low)}

    def mentions(self, text: str) -> bool:
        """Whether ``text`` names a finding or device of the lexicon (no status, no attributes)."""
        return bool(self._targets.search(self.normalise(text).lower()))

    def clauses(self, text: str) -> list[tuple[str, str]]:
        """``(sentence, clause)`` pairs of ``text`` (trailing qualifiers kept with their clause)."""
        out = []
        for sentence in split_sentences(clean_text(text or "")):
            for clause in split_clauses(sentence, self.is_qualifier):
                out.append((sentence, clause))
        return out

    # -- extraction ----------------------------------------------------------------
    def extract(self, text: str) -> list[Mention]:
        """Every finding and device mention of ``text``, in text order."""
        out: list[Mention] = []
        for sentence, clause in self.clauses(text):
            out.extend(self.extract_clause(clause, sentence=sentence))
        return out

    def extract_clause(self, clause: str, *, sentence: str = "") -> list[Mention]:
        """The mentions of one clause (see :meth:`extract`)."""
        norm = self.normalise(clause)
        low = norm.lower()
        hits = [(m.start(), m.end(), self._target_concepts[m.lastgroup]) for m in self._targets.finditer(low)]
        if not hits:
            return []
        mods = self.cues.modifiers(low, [(s, e) for s, e, _ in hits])
        trailing_q = norm.rstrip().endswith("?") or bool(re.search(r"\?\s*\w", norm))
        anatomy = [(m.group(), self._anatomy_concepts[m.lastgroup]) for m in self._anatomy.finditer(low)]
        location = anatomy[0][0] if anatomy else None
        loc_region = next((c.region for _, c in anatomy if c.region), None)
        side = parse_laterality(low)
        size = parse_size_mm(low)
        quals = tuple(m.group() for m in self._qualifier.finditer(low))
        out = []
        for (s, e, concept), cats in zip(hits, mods):
            sev = self._severity_of(low, concept)
            if "negated" in cats:
                status: Status = "absent"
            elif "uncertain" in cats or trailing_q:
                status = "uncertain"
            elif "historical" in cats:
                status = "historical"
            else:
                status = "present"
            region = (loc_region or concept.region) if (concept.follows_anatomy or not concept.region) else concept.region
            if self.region_of is not None:
                where = location if location and concept.kind != "device" else ""  # a device is not where it sits
                regs = self.region_of(f"{where} {norm[s:e]}".strip())
                region = next(iter(regs)) if len(regs) == 1 else region
            out.append(Mention(
                concept=concept.id, kind=concept.kind, text=norm[s:e], region=region, status=status,
                laterality=side, location=location, severity=sev, size_mm=size, qualifiers=quals,
                clause=clause, sentence=sentence or clause, span=(s, e),
                categories=frozenset(cats | ({"uncertain"} if trailing_q else set())),
            ))
        return out

    def _severity_of(self, low: str, concept: Concept) -> str | None:
        if concept.severity:
            m = re.search(r"\b(" + "|".join(map(re.escape, concept.severity)) + r")\b", low)
            return m.group(1) if m else None
        if self._severity is None:
            return None
        m = self._severity.search(low)
        return m.group(1).lower() if m else None


@lru_cache(maxsize=64)
def _matcher(concepts: tuple[Concept, ...]) -> tuple[re.Pattern[str], dict[str, Concept]]:
    """One alternation over every term of ``concepts``, longest first; ``lastgroup`` -> concept."""
    entries: list[tuple[int, str, Concept]] = []
    for c, term, is_pattern in iter_terms(concepts):
        if is_pattern:
            entries.append((len(term) + 100, term, c))
        else:
            t = term.lower().strip()
            if not t:
                continue
            body = r"\s+".join(re.escape(w) for w in t.split()).replace(r"\-", r"[-\s]?")
            entries.append((len(t), body, c))
    entries.sort(key=lambda x: -x[0])
    groups: dict[str, Concept] = {}
    alts = []
    for i, (_, body, c) in enumerate(entries):
        groups[f"t{i}"] = c
        alts.append(f"(?P<t{i}>{body})")
    if not alts:
        return re.compile(r"(?!x)x"), groups
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])", re.I), groups


def concepts_in(text: str, extractor: Extractor, *, statuses: Iterable[str] = ("present", "uncertain", "historical", "absent")) -> set[str]:
    """The concept ids ``text`` mentions with one of ``statuses``."""
    wanted = set(statuses)
    return {m.concept for m in extractor.extract(text) if m.status in wanted}
