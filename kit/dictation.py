"""The one dictation reader: a clinician's shorthand -> full report sentences, driven by a lexicon.

>>> from pixtralogist.kit import load_lexicon
>>> parse_dictation("small L effusion, heart nl, old R rib fx", lexicon=radiology_cxr_lexicon)  # doctest: +SKIP
['Small left pleural effusion.', 'Heart size is normal.', 'Old right rib fracture.']

What it does, in order (the words come from the lexicon; the steps are the same for every specialty):

1. Clean the text (NFC, no control characters), drop bullet/list markers and section headers
   ("Findings:"), and expand "L>R"-style comparisons.
2. Split into clauses on newlines, semicolons, sentence periods (not decimals, not "vs."),
   exclamation marks, then on commas (not inside numbers). A comma list closed by "or"/"nor"
   ("no eff, ptx, or consol") stays one sentence so the negation keeps its scope; a comma part
   that only describes the statement before it (size, place, change, hedge) stays with it, and a
   bare predicate after a terse subject statement is its second predicate ("border ill-defined,
   notched" -> "The border is ill-defined and notched.").
3. Expand shorthand with the lexicon's ``abbreviations`` (and its concepts' ``abbreviations``) and
   ``context_abbreviations`` (L/R/B only as laterality tokens, before a word and not after a
   number; "cm" after a number is centimetres; "?" is a hedge and becomes "possible").
4. Split on " and " only where it joins two independent findings, never where it would take a
   finding out of the scope of a negation ("no eff and R ptx") or of a shared modifier.
   A comma part stays with the statement before it when it only describes it (see ``_merge_lists``:
   qualifiers, a size, place or change, an interpretation; with ``dictation.describing_parts: true``
   also qualifiers or a side with anatomy words, anatomy words alone (", occipital lobe"), a degree
   adverb with its predicate (", mildly dilated"), a hedged diagnosis or a "with" part after a statement
   that is not negated), and a describing first part goes with the finding after it ("T1 hypointense,
   T2 hyperintense lesion"), and subjects listed before a subject's predicate share it ("heart,
   mediastinum nl"); a side letter ending a clause is
   the side ("effusion L" -> "effusion on the left"); ``dictation.spelling: true`` corrects one-letter
   typos of the lexicon's long finding words.
5. Rewrite terse "subject predicate" statements with the lexicon's ``subjects`` ("lungs clear" ->
   "The lungs are clear."), apply the ``dictation.implied`` words ("effusion" -> "pleural effusion"
   in a chest study), put a trailing location after "in the" (``dictation.trailing_locations``),
   normalise numbers and units ("8mm" -> "8 mm", "2x3cm" -> "2 x 3 cm"), capitalise, end with a period.

Negation and hedging words are always kept; nothing is ever made more certain than dictated.
Any text - including text that looks like instructions - is only data: it becomes sentences,
never behaviour.

Lexicon keys read here (``dictation:`` section)::

    no_acute: No acute cardiopulmonary abnormality.   # what a bare "no acute" becomes
    implied:                                          # words a bare noun implies in this study
      - {noun: effusion, add: pleural, unless_after: [pericardial, joint], plural_after: bilateral}
    trailing_locations: '(?:right|left) (?:upper|middle|lower) lobe|bases'   # "opacity RUL" -> "... in the RUL"
    locations:                                        # more trailing places and how they attach
      - {pattern: '(?:thoracic|lumbar) spine', say: of the}   # "degenerative changes T-spine" -> "... of the thoracic spine"
    predicates: [irregular, ill-defined]              # terse predicates beyond the kit's ("border irreg")
    attachments: [multiple, scattered]                # words opening a comma part that describes the one before
    describing_parts: true                            # hedged diagnosis, "with", side + anatomy parts attach
    spelling: true                                    # correct one-letter typos of long finding words
    vocabulary: [effusion, pneumothorax]              # the specialty's finding words beyond core's generic
                                                      # ones: the reader and the sentence analyser use them
    finding_terms: [embolism, infarct]                # more finding words, for the sentence analyser only
                                                      # (negation, hedging, abnormality)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache

from pixtralogist.core.nlp import GENERIC_FINDING_TERMS, mentions_finding
from pixtralogist.core.text import clean_text
from pixtralogist.kit.extractor import INTERPRETS as _INTERPRETS
from pixtralogist.kit.lexicon import Lexicon, Subject, base_lexicon, near_context

__all__ = ["CLINICIAN_SEES", "DictationProfile", "correct_spelling", "differential_as_alternatives", "expand_shorthand",
           "feature_none_as_denial",
           "dash_list", "is_list_item", "join_negated_list", "strip_lead_conjunction", "parse_dictation", "profile_for_lexicon", "protect_abbreviation_dots"]

#: The clinician saying they see what follows ("I can see an atypical network", "we note a few drusen"): a
#: specialty reader drops these words and keeps what was seen (a pattern; anchor it as the reader needs).
CLINICIAN_SEES = (r"(?:I|[Ww]e)\s+(?:can\s+)?(?:also\s+)?(?:see|note|observe|noted|observed|notice|noticed|found|find)\s+"
                  r"(?:that\s+)?(?:there\s+(?:is|are)\s+)?(?:an?\s+)?(?=\w)")


@dataclass(frozen=True, eq=False)
class DictationProfile:
    """What the reader needs from a lexicon, compiled once (:func:`profile_for_lexicon`)."""

    lexicon: Lexicon
    no_acute: str = "No acute abnormality."
    implied: tuple[dict, ...] = ()
    trailing_location: re.Pattern[str] | None = None
    #: ``((pattern, preposition), ...)``: "degenerative changes thoracic spine" -> "... of the thoracic spine".
    trailing_other: tuple[tuple[re.Pattern[str], str], ...] = ()
    finding_terms: tuple[str, ...] = ()
    #: The lexicon's ``dictation.vocabulary``: finding words beyond core's generic ones that tell the
    #: reader a clause names a finding (radiology's chest words live there, not in core).
    vocabulary: tuple[str, ...] = ()
    finding_nouns: frozenset[str] = frozenset()
    subjects: dict[str, Subject] = field(default_factory=dict)
    subject_re: re.Pattern[str] | None = None
    reverse_re: re.Pattern[str] | None = None
    predicate_re: re.Pattern[str] | None = None
    attach_re: re.Pattern[str] | None = None
    #: ``dictation.describing_parts: true``: a hedged diagnosis, a "with" part, a side with anatomy words
    #: and qualifiers with anatomy words stay with the finding before them (off for attribute templates,
    #: whose sorter places each comma part itself).
    describing_parts: bool = False
    #: ``dictation.diagnoses``: what a finding may be interpreted as ("metastasis", "aspiration"): a hedged
    #: comma part naming only these ("RLL opacity, ?aspiration") interprets the finding before it.
    diagnoses_re: re.Pattern[str] | None = None
    #: ``dictation.descriptor_nouns``: nouns that name a part or feature of a finding ("center", "rim", "halo",
    #: "appearance"): a short comma part that ends with one describes the finding before it ("necrotic center").
    descriptor_re: re.Pattern[str] | None = None
    #: ``dictation.spelling: true``: long finding words of the lexicon, for one-letter typos ("consolidaton").
    spelling: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()


@lru_cache(maxsize=64)
def profile_for_lexicon(lexicon: Lexicon) -> DictationProfile:
    """The reader's compiled view of ``lexicon`` (cached per lexicon)."""
    d = lexicon.dictation
    terms = tuple(d.get("finding_terms") or ())
    vocabulary = tuple(d.get("vocabulary") or ())
    loc = d.get("trailing_locations")
    trailing = re.compile(
        r"^(?P<head>.*?\b(?P<noun>[\w-]+))\s+(?P<loc>" + loc + r")(?P<end>[.!]?)$", re.I) if loc else None
    other = tuple(
        (re.compile(r"^(?P<head>.*?\b(?P<noun>[\w-]+))\s+(?P<loc>" + str(r["pattern"]) + r")(?P<end>[.!]?)$", re.I),
         str(r.get("say") or "in the"))
        for r in d.get("locations") or ())
    subjects = dict(lexicon.subjects)
    forward, reverse = _subject_patterns(subjects) if subjects else (None, None)
    return DictationProfile(
        lexicon=lexicon,
        no_acute=str(d.get("no_acute") or "No acute abnormality."),
        implied=tuple(dict(r) for r in d.get("implied") or ()),
        trailing_location=trailing,
        trailing_other=other,
        finding_terms=terms,
        vocabulary=vocabulary,
        finding_nouns=frozenset(t.split()[-1] for t in GENERIC_FINDING_TERMS + vocabulary),
        subjects=subjects,
        subject_re=forward,
        reverse_re=reverse,
        predicate_re=_predicate_re(tuple(d.get("predicates") or ())),
        attach_re=re.compile(r"^(?:" + "|".join(re.escape(w) for w in d["attachments"]) + r")\b", re.I)
        if d.get("attachments") else None,
        describing_parts=bool(d.get("describing_parts")),
        diagnoses_re=re.compile(r"\b(?:" + "|".join(re.escape(str(w)) for w in d["diagnoses"]) + r")(?:e?s)?\b", re.I)
        if d.get("diagnoses") else None,
        descriptor_re=re.compile(r"\b(?:" + "|".join(re.escape(str(w)) for w in d["descriptor_nouns"]) + r")$", re.I)
        if d.get("descriptor_nouns") else None,
        **(_spelling_words(lexicon, terms + vocabulary + tuple(d.get("spelling_words") or ())) if d.get("spelling")
           else {}),
    )


_MIN_SPELLING = 7  # only words this long are corrected: a short word's neighbours are real words


def _spelling_words(lexicon: Lexicon, terms: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """The words a typo may be corrected to (single words of the finding vocabulary and the finding and
    anatomy concepts, at least :data:`_MIN_SPELLING` letters) and every word the lexicon knows."""
    words: set[str] = set()
    known: set[str] = set()
    phrases = list(terms) + list(GENERIC_FINDING_TERMS)
    for c in lexicon.concepts:
        phrases += list(c.synonyms)
        if c.kind in ("finding", "anatomy"):
            words.update(w for syn in c.synonyms for w in re.findall(r"[a-z]+", syn.lower()))
    phrases += [str(v) for v in lexicon.abbreviations.values()]
    # words the lexicon writes elsewhere are real words too ("maculae" a subject, "parafovea" in a sorter rule)
    phrases += [f"{k} {v.say}" for k, v in lexicon.subjects.items()]
    # (``dictation.spelling_known`` lists real words one letter away from a finding word: "interval", "confusion")
    phrases += [str(w) for v in lexicon.dictation.values() if isinstance(v, (list, tuple)) for w in v]
    for phrase in phrases:
        known.update(re.findall(r"[a-z]+", str(phrase).lower()))
    for pat in [p for _, p in lexicon.sorter_rules] + [p for c in lexicon.concepts for p in c.patterns]:
        known.update(re.findall(r"(?<![\\a-z])[a-z]{4,}", str(pat).lower()))  # literal words of a pattern
    words.update(w for t in list(terms) + list(GENERIC_FINDING_TERMS) for w in re.findall(r"[a-z]+", t.lower()))
    return {"spelling": frozenset(w for w in words if len(w) >= _MIN_SPELLING), "known": frozenset(known)}


_INFLECTIONS = ("s", "es", "d", "ed", "ing", "al", "ic", "ly", "ous", "ity", "ies")
#: Endings of another form of the same word ("osteopenic"/"osteopenia", "vertebra"/"vertebrae"/"vertebral").
_FORM_ENDS = ("ic", "ar", "al", "ia", "ae", "ra", "la", "is", "us", "um", "es")


def _other_form(word: str, target: str) -> bool:
    """Whether ``word`` differs from ``target`` only in its last two letters and they end like two forms of
    one word, both ("vertebra" is no typo of "vertebral", nor "osteopenic" of "osteopenia"; "telangiectasa" is one)."""
    n = min(len(word), len(target))
    common = next((i for i in range(n) if word[i] != target[i]), n)
    if len(word) == len(target) and word[:-2] == target[:-2] and word[-2:] == target[-2:][::-1]:
        return False  # its last two letters swapped ("extranodla") is a typo, not another form
    return common >= n - 2 and word[-2:] != target[-2:] and word.endswith(_FORM_ENDS) and target.endswith(_FORM_ENDS)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or swap of neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


def _spelling_fix(word: str) -> str | None:
    """The lexicon's finding word ``word`` is a one-letter typo of ("consolidaton" -> "consolidation"),
    when there is exactly one and ``word`` is no word the lexicon knows nor an inflection of one."""
    prof = _profile()
    low = word.lower()
    if not prof.spelling or len(low) < _MIN_SPELLING - 1 or not low.isalpha() or low in prof.known:
        return None  # a word one letter short of a long finding word ("infrct") may be its typo; nothing shorter
    if any(low.endswith(e) and low[: -len(e)] in prof.known and (e != "d" or low[-2:-1] == "e") for e in _INFLECTIONS):
        return None  # an inflection of a known word ("d" only after an e: "pigmentd" is no inflection)
    hits = [w for w in prof.spelling if w[0] == low[0] and _one_edit(low, w) and not _other_form(low, w)
            and (len(low) >= _MIN_SPELLING or (len(w) == len(low) + 1 and w[:-1] != low))]
    # a word one letter short: only a letter dropped inside it ("infrct"), not one more at its end ("mucosa")
    if len(hits) > 1:  # a dropped letter is the likeliest typo ("pigmentd": "pigmented", not "pigment")
        hits = [w for w in hits if len(w) == len(low) + 1] or hits
    if len(hits) != 1 or any(hits[0] + e == low or low + e == hits[0] for e in _INFLECTIONS):
        return None
    return hits[0].capitalize() if word[:1].isupper() else hits[0]


def correct_spelling(word: str, *, lexicon: Lexicon) -> str | None:
    """The lexicon's finding word that ``word`` is a one-letter typo of, or None (see :func:`_spelling_fix`;
    only with the lexicon's ``dictation.spelling: true``): for readers with their own tokeniser."""
    with _reading(lexicon):
        return _spelling_fix(word)


_PROFILE: ContextVar[DictationProfile | None] = ContextVar("pixtralogist_kit_dictation_profile", default=None)


def _profile() -> DictationProfile:
    p = _PROFILE.get()
    return p if p is not None else profile_for_lexicon(base_lexicon())


_LATERALITY = {"l": "left", "r": "right", "b": "bilateral", "lt": "left", "rt": "right"}
_UNITS = {"mm", "cm", "cms", "mms", "ml", "cc"}
_HEDGE_WORDS_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|question|suspicious|suspected|suspect|"
    r"may|might|could|cannot exclude|not excluded|versus|concerning|suggestive|equivocal|borderline|"
    r"indeterminate)\b",
    re.I,
)
_NEG_START_RE = re.compile(r"^\s*(?:no|not|without|negative for|none|free of|nor|neither|absence of)\b", re.I)
_NEG_ANY_RE = re.compile(r"\b(?:no|not|without|negative for|none|free of|nor|neither)\b", re.I)

_TOKEN_RE = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<slash>[^\W\d_]{1,4}/[^\W\d_]{0,4}(?![\w/]))"
    r"|(?P<num>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<word>[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*)"
    r"|(?P<other>.)",
    re.S,
)

# --- subject / predicate rewriting ("lungs clear" -> "The lungs are clear.") ------------

_ADVERBS = {
    "not", "mildly", "slightly", "moderately", "markedly", "severely", "minimally", "grossly", "otherwise",
    "again", "still", "now", "stably", "borderline", "possibly", "probably", "likely", "top", "upper", "low",
    "somewhat", "very", "newly", "also", "remain", "remains", "persistently",
}
_HEDGE_ADVERB = {"possible": "possibly", "probable": "probably", "poss": "possibly", "prob": "probably"}
_PREDICATES = (
    "within normal limits", "normal in size", "normal size", "upper limits of normal", "grossly normal",
    "normal", "clear", "unremarkable", "intact", "stable", "unchanged", "midline", "sharp", "negative",
    "satisfactory", "preserved", "patent", "well expanded", "well aerated", "enlarged", "tortuous",
    "calcified", "widened", "elevated", "hyperinflated", "hyperexpanded", "prominent", "ectatic",
    "flattened", "blunted", "dilated", "displaced", "deviated", "increased", "decreased", "thickened",
    "opacified", "osteopenic", "atherosclerotic", "low", "small", "large", "no abnormality detected",
)
_VERBS = {"is", "are", "was", "were", "appears", "appear", "looks", "look", "seems", "remains", "remain"}


def _subject_patterns(subjects: dict[str, Subject]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    alternatives = "|".join(re.escape(s) for s in sorted(subjects, key=len, reverse=True))
    forward = re.compile(
        r"^(?:the\s+)?(?P<side>(?:left|right|bilateral)\s+)?(?P<subj>" + alternatives + r")\b\s*:?\s*(?P<rest>.*)$",
        re.I | re.S,
    )
    reverse = re.compile(
        r"^(?P<pred>normal|clear|unremarkable)\s+(?:the\s+)?(?P<side>(?:left|right)\s+)?(?P<subj>" + alternatives + r")$",
        re.I,
    )
    return forward, reverse


_PRED_RE = re.compile(
    r"^(?P<adv>(?:(?:" + "|".join(sorted(_ADVERBS | set(_HEDGE_ADVERB), key=len, reverse=True)) + r")\s+)*)"
    r"(?P<pred>" + "|".join(re.escape(p) for p in sorted(_PREDICATES, key=len, reverse=True)) + r")\b(?P<tail>.*)$",
    re.I | re.S,
)
@lru_cache(maxsize=16)
def _predicate_re(extra: tuple[str, ...]) -> re.Pattern[str]:
    """The predicates of terse subject statements: the kit's, plus a lexicon's ``dictation.predicates``."""
    if not extra:
        return _PRED_RE
    preds = sorted(set(_PREDICATES) | {p.lower() for p in extra}, key=len, reverse=True)
    return re.compile(
        r"^(?P<adv>(?:(?:" + "|".join(sorted(_ADVERBS | set(_HEDGE_ADVERB), key=len, reverse=True)) + r")\s+)*)"
        r"(?P<pred>" + "|".join(re.escape(p) for p in preds) + r")\b(?P<tail>.*)$",
        re.I | re.S,
    )


def _subject_sentence(text: str, hedge: bool) -> str | None:
    """'lungs clear' -> 'The lungs are clear' (no final period); None when it is not that shape."""
    prof = _profile()
    subjects, subject_re, reverse_re = prof.subjects, prof.subject_re, prof.reverse_re
    if subject_re is None or reverse_re is None:
        return None
    m = subject_re.match(text)
    pred_m = None
    if m:
        rest = m.group("rest").strip()
        if rest.split(" ", 1)[0].lower() in _VERBS:
            return None  # already a sentence ("lungs are clear")
        pred_m = (prof.predicate_re or _PRED_RE).match(rest)
    if m is None or pred_m is None:
        r = reverse_re.match(text.strip())
        if r is None:
            return None
        return _subject_sentence(f"{(r.group('side') or '')}{r.group('subj')} {r.group('pred')}", hedge)
    side = (m.group("side") or "").strip().lower()
    subject = subjects[m.group("subj").lower()]
    name, plural = subject.say, subject.plural
    if side:
        name = name.replace("the ", f"the {side} ", 1) if name.startswith("the ") else f"{side} {name}"
    adv_words = [_HEDGE_ADVERB.get(w.lower(), w.lower()) for w in pred_m.group("adv").split()]
    if hedge and not any(_HEDGE_WORDS_RE.search(w) for w in adv_words):
        adv_words.insert(0, "possibly")
    pred = pred_m.group("pred").lower()
    tail = pred_m.group("tail")
    adv = " ".join(adv_words)
    verb = "are" if plural else "is"
    if (subject.normal_say and not side and pred in subject.normal_predicates
            and (subject.normal_adverbs or not adv_words)):
        if pred in ("normal in size", "normal size"):
            pred = "normal"
        return _join(subject.normal_say, adv, pred, tail)  # "heart nl" -> "Heart size is normal."
    return _join(f"{name} {verb}", adv, pred, tail)


def _join(*parts: str) -> str:
    out = ""
    for p in parts:
        p = (p or "").strip()
        if p:
            out = f"{out}{p}" if (not out or p[0] in ",;:)") else f"{out} {p}"
    return out


# --- tokens ------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN_RE.finditer(text)]


def _neighbour(tokens: list[tuple[str, str]], i: int, step: int) -> tuple[str, str] | None:
    j = i + step
    while 0 <= j < len(tokens):
        if tokens[j][0] != "ws":
            return tokens[j]
        j += step
    return None


def _after_count(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether token ``i`` follows a count ("papules x6 L axilla", "x 3"): a side then, not litres."""
    j = i - 1
    while j >= 0 and tokens[j][0] == "ws":
        j -= 1
    if j < 0 or tokens[j][0] != "num":
        return False
    before = _neighbour(tokens, j, -1)
    return before is not None and before[1].lower() in {"x", "\u00d7"}


def _after_number(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether token ``i`` follows a number, across one hyphen ("2-cm")."""
    j = i - 1
    seen_hyphen = False
    while j >= 0:
        kind, tok = tokens[j]
        if kind == "num":
            return True
        if kind == "ws" or (tok == "-" and not seen_hyphen):
            seen_hyphen = seen_hyphen or tok == "-"
            j -= 1
            continue
        return False
    return False


def _expand_word(word: str) -> str | None:
    return _profile().lexicon.expansion(word)


# words after which a token is not "before a noun" (``before_noun`` context abbreviations)
_NOT_NOUN = {"is", "are", "nl", "normal", "wnl", "unremarkable", "and", "or"}


def _context_word(low: str, tok: str, prev, nxt, prev_num: bool, next_word: bool,
                  toks: list[tuple[str, str]] = (), i: int = 0) -> str | None:
    """The lexicon's context-dependent expansion of one word token, or None (not such a token)."""
    rule = _profile().lexicon.context_abbreviations.get(low)
    if rule is None:
        return None
    if not rule:
        return tok  # switched off by this study's lexicon
    if "not_after_number" in rule:
        return tok if prev_num else rule["not_after_number"]
    if "followed_by" in rule:
        follows = nxt is not None and nxt[1].lower() in set(rule["followed_by"])
        return rule.get("expansion", tok) if follows else rule.get("otherwise", tok)
    if "preceded_by" in rule:
        after = prev is not None and prev[1].lower() in set(rule["preceded_by"])
        return rule.get("expansion", tok) if after else rule.get("otherwise", tok)
    if "before_noun" in rule:
        noun_next = next_word and nxt[1].lower() not in _NOT_NOUN
        return rule["before_noun"] if noun_next else rule.get("otherwise", tok)
    if "near" in rule:  # a neighbour word within a few words of the clause: "GA 26 weeks" vs "GA at the fovea"
        before, after = _words_around(toks, i)
        return rule.get("expansion", tok) if near_context(rule, before, after) else rule.get("otherwise", tok)
    return tok


def _words_around(toks, i: int, span: int = 24) -> tuple[list[str], list[str]]:
    """The word tokens of the few tokens either side of token ``i`` (a ``near`` rule's neighbourhood)."""
    return ([t for k, t in toks[max(0, i - span):i] if k == "word"], [t for k, t in toks[i + 1:i + 1 + span] if k == "word"])


def _ordinal_at(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether token ``i`` is a number with an ordinal suffix ("3rd", "11th"): a rib's, never a vertebra's ("L 5")."""
    return (i + 1 < len(tokens) and tokens[i][0] == "num" and tokens[i + 1][0] == "word"
            and tokens[i + 1][1].lower() in ("st", "nd", "rd", "th"))


#: words after which a capital letter is a category of a classification, never a side ("type B", "grade A",
#: "class C"); a study adds its own in ``data.class_letter_after`` (word -> what it classifies:
#: radiology's "kerley", pathology's "luminal")
#: (never a word a side may follow: "fluid level R maxillary", "zone L", "pattern R")
_CLASS_SLOTS = frozenset({"type", "types", "grade", "class", "group", "stage", "category", "subtype", "variant", "tier",
                          "classification"})


@lru_cache(maxsize=32)
def _lexicon_words(lexicon: Lexicon) -> frozenset[str]:
    """Every word the study's lexicon says anywhere (its terms, abbreviations, expansions, subjects, data), lower
    case: a capitalised word outside it ("Stanford", "Zorvak") is a name."""
    words: set[str] = set()

    def walk(x) -> None:
        if isinstance(x, str):
            words.update(re.findall(r"[a-z]+", x.lower()))
        elif isinstance(x, dict) or hasattr(x, "items"):
            for k, v in x.items():
                walk(k)
                walk(v)
        elif isinstance(x, (list, tuple, set, frozenset)):
            for v in x:
                walk(v)
        elif hasattr(x, "__dataclass_fields__"):
            for f in x.__dataclass_fields__:
                walk(getattr(x, f))

    for part in (lexicon.severity, lexicon.abbreviations, lexicon.context_abbreviations, lexicon.subjects,
                 lexicon.concepts, lexicon.dictation, lexicon.data, lexicon.value_groups, lexicon.cues):
        walk(part)
    return frozenset(words)


def _class_letter(tok: str, prev, toks: list[tuple[str, str]], i: int) -> bool:
    """Whether the capital letter ``tok`` names a category of a classification rather than a side: after a slot
    word ("type B", "grade A"; the study's own in ``data.class_letter_after``: "Kerley B") or after a proper name,
    a word capitalised inside its part that the study's lexicon does not know ("Incidental Stanford B dissection",
    "a Zorvak L lesion")."""
    if not tok.isupper() or prev is None or prev[0] != "word":
        return False
    word = prev[1]
    low = word.lower()
    lexicon = _profile().lexicon
    if low in _CLASS_SLOTS or low in (lexicon.data.get("class_letter_after") or {}):
        return True
    if len(word) < 3 or not word[0].isupper() or not word[1:].islower():
        return False
    j = max(k for k in range(i) if toks[k][0] == "word")
    if not any(kind in ("word", "num") for kind, _ in toks[:j]):
        return False  # a capital that opens its part says nothing ("Polymicrogyria R perisylvian cortex")
    # an English word the lexicon happens not to hold ("Effacement L lateral ventricle") is no name; nor one of
    # the plain words every study shares (base data.plain_words: "Subtle R basal opacity")
    return (low not in _lexicon_words(lexicon) and low not in GENERIC_FINDING_TERMS
            and not _ENGLISH_ENDING.search(low))


#: the endings of English derived words (nouns, adjectives, participles): a word with one is no proper name
_ENGLISH_ENDING = re.compile(r"(?:ment|tion|sion|ness|ity|ous|ive|ing|ed|ly|al|ic|ary|ory|ent|ant|ar|ure|ence|ance|"
                             r"ism|osis|itis|oma|emia|aemia|able|ible|less|ful|ics|ise|ize|es)$")


def _written_side(tok: str) -> bool:
    """A two-letter side written as one ("Lt", "lt", "Rt"); "RT" in capitals is radiotherapy, never a side."""
    return tok.lower() in ("lt", "rt") and tok != "RT"


#: What may follow a side that closes its clause: nothing, a colon, or only a measure or bracket ("bullae Lt ~4cm").
_AFTER_CLOSING_SIDE = re.compile(r"^\s*(?::.*|[(\[].*|[~<>\u2264\u2265]?\s*\d+(?:\.\d+)?\s*(?:x\s*\d+(?:\.\d+)?\s*)*(?:mm|cm)\b.*)?$",
                                 re.I)


#: The most tokens a closing side may have after it (a colon, a bracket or a measure: "Lt ~4 x 3 cm").
_CLOSING_TOKENS = 16


def _closes_clause(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether the side token ``i`` ends its clause's words: nothing after it but a colon, a bracket or a measure."""
    if len(tokens) - i - 1 > _CLOSING_TOKENS:
        return False
    return _AFTER_CLOSING_SIDE.match("".join(t for _, t in tokens[i + 1:])) is not None


def _unit_after(tokens: list[tuple[str, str]], i: int) -> bool:
    """Whether the number after token ``i`` carries a length unit ("R 9mm", "L 6 mm", "R 4 x 3 cm")."""
    j = next((k for k in range(i + 1, len(tokens)) if tokens[k][0] != "ws"), None)
    while j is not None and j + 2 < len(tokens) and _neighbour(tokens, j, +1) is not None \
            and _neighbour(tokens, j, +1)[1].lower() == "x":
        j = next((k for k in range(j + 1, len(tokens)) if tokens[k][0] == "num"), None)  # "4 x 3 cm": the last number
    after = _neighbour(tokens, j, +1) if j is not None else None
    return after is not None and after[0] == "word" and after[1].lower() in ("mm", "cm")


def _spelled_out_after_number(word: str) -> bool:
    """Whether shorthand glued to a number expands to a word of its own ("yr" -> "year", "wks" -> "weeks")."""
    exp = _expand_word(word)
    return bool(exp) and exp.lower() != word.lower() and exp.isalpha() and len(exp) > 3


def _expand_tokens(text: str) -> tuple[str, bool]:
    """Expand shorthand in one clause. Returns (text, trailing_question) where a '?' after the
    last word asks to hedge the whole statement."""
    toks = _tokens(text)
    out: list[str] = []
    trailing_q = False
    for i, (kind, tok) in enumerate(toks):
        prev = _neighbour(toks, i, -1)
        nxt = _neighbour(toks, i, +1)
        low = tok.lower().replace("\u2019", "'")
        if kind == "ws":
            out.append(" ")
            continue
        if tok == "?":
            # "? RLL opacity", "?ptx": hedge what follows; "RLL opacity?": hedge the statement.
            if nxt is not None and nxt[0] in ("word", "num", "slash"):
                nxt_exp = (_expand_word(nxt[1]) or nxt[1]).lower()
                if not _HEDGE_WORDS_RE.match(nxt_exp):
                    mid = prev is not None and prev[0] in ("word", "num", "slash") and "".join(out).strip()
                    if mid:
                        while out and out[-1] == " ":
                            out.pop()
                    out.append(", possible " if mid else " possible ")
            elif prev is not None and prev[0] != "other":
                trailing_q = True
            continue
        if kind == "num":
            if tok.startswith("."):
                tok = "0" + tok
            # "8mm" -> "8 mm"; "2x3" handled on the 'x' token
            out.append(tok)
            if nxt is not None and nxt[0] == "word" and toks[i + 1][0] != "ws" and (
                    nxt[1].lower() in _UNITS or _spelled_out_after_number(nxt[1])):
                out.append(" ")  # "8mm" -> "8 mm"; "1yr" -> "1 year" (not "1year")
            continue
        if kind == "word":
            prev_num = prev is not None and (prev[0] == "num" or (prev[1] == "-" and _after_number(toks, i)))
            next_word = nxt is not None and nxt[0] in ("word", "slash")
            if low in ("x", "by") and prev_num and nxt is not None and nxt[0] == "num":
                out.append(" x " if low == "x" else " by ")
                continue
            if low in _UNITS and prev_num:
                out.append({"cms": "cm", "mms": "mm"}.get(low, low if low != "ml" else "mL"))
                continue
            if low in _LATERALITY:
                is_letter = len(low) == 1
                ok = next_word and (not prev_num or _after_count(toks, i))
                if ok and low == "b":
                    ok = nxt[1].lower() not in {"line", "lines", "cell", "cells"}
                if ok and is_letter and _class_letter(tok, prev, toks, i):
                    ok = False  # "Stanford B dissection", "type B dissection", "Zorvak L lesion": a class, no side
                side_token = is_letter or _written_side(tok)
                if not ok and side_token and _closes_clause(toks, i) and prev is not None \
                        and prev[1].lower() in {"the", "on", "to"}:
                    ok = True  # "effusion on the L", "shift to L", "scoliosis on the Rt"
                if (not ok and side_token and low in ("l", "r", "lt", "rt") and _closes_clause(toks, i)
                        and prev is not None and prev[0] == "word"
                        and len(prev[1]) > 2 and prev[1].lower() not in _UNITS):
                    if prev[1].lower() == "than":  # "R greater than L", "R worse than L": the compared side
                        out.append(_LATERALITY[low])
                        continue
                    out.append(f"on the {_LATERALITY[low]}")  # "mastoid effusion L" -> "... on the left"
                    continue
                if not ok and not prev_num and nxt is not None and nxt[0] == "num" and i + 1 < len(toks) \
                        and toks[i + 1][0] == "ws" and (i > 0 or _ordinal_at(toks, i + 2)):
                    ok = True  # "fx L 6th-8th ribs", "R 4-6 ribs", a leading "L 3rd-5th" (not "L1", not a leading "L 5")
                if not ok and ((is_letter and low in "lr") or _written_side(tok)) and nxt is not None and nxt[0] == "num" \
                        and _unit_after(toks, i):
                    ok = True  # "SDH, R 9mm, L 6mm": a side with its measurement (a vertebra "L 5" has no unit)
                out.append(_LATERALITY[low] if ok else tok)
                continue
            ctx = _context_word(low, tok, prev, nxt, prev_num, next_word, toks, i)
            if ctx is not None:
                out.append(ctx)
                continue
            if "-" in low and _expand_word(low) is None:
                head, _, rest = low.partition("-")
                if head in _LATERALITY and rest in {"sided", "side"}:
                    out.append(f"{_LATERALITY[head]}-{rest}")
                    continue
            exp = _expand_word(tok)
            out.append(exp if exp is not None else (_spelling_fix(tok) or tok))
            continue
        if kind == "slash":
            exp = _expand_word(tok)
            j = next((k for k in range(i + 1, len(toks)) if toks[k][0] != "ws"), None)
            after = _neighbour(toks, j, +1) if j is not None and toks[j][1] in "<>~\u2264\u2265" else None
            if exp is None and nxt is not None and (nxt[0] == "num" or (after is not None and after[0] == "num")):
                exp = f"{tok.upper()} ratio"  # "RV/LV 1.2", "RV/LV >1": a ratio, in its shorthand
            elif exp is None and nxt is not None and nxt[1].lower() in ("ratio", "ratios", "index"):
                exp = tok.upper()  # "RV/LV ratio 0.9": the ratio's own shorthand, not "right ventricle and ..."
            elif exp is None:
                parts = tok.split("/")
                words = [_expand_word(p) for p in parts]
                if (all(w is not None for w in words) and prev is not None
                        and prev[1].lower() in ("no", "without", "nor", "neither")):
                    exp = " or ".join(words)  # "no eff/PTX" -> "no effusion or pneumothorax"
                elif all(w is not None and " " in w for w in words):
                    exp = " and ".join(words)  # "RA/RV" -> "right atrium and right ventricle"
                else:
                    exp = "/".join(w or p for w, p in zip(words, parts))
            out.append(exp)
            continue
        # other characters
        if tok in ("\u00d7", "*") and prev is not None and prev[0] == "num" and nxt is not None and nxt[0] == "num":
            out.append(" x ")
            continue
        if tok == "&":
            out.append("and")
            continue
        out.append(tok)
    text = "".join(out)
    return _SPACES.sub(" ", text).strip(), trailing_q


_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2023\u25e6>]+|\(?\d{1,2}[.)])\s+")
_HEADER = re.compile(r"^\s*(?:findings?|impressions?|dictation|notes?|comments?)\s*:\s*", re.I)
_COMPARE = re.compile(r"(?<![\w])([LR])\s*(>|<)\s*([LR])(?![\w])", re.I)
_STRONG_SPLIT = re.compile(r"\n+|;+|!+|(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)")
_PROTECT = re.compile(r"\b(vs|approx|appx|dr|incl|cf|e\.g|i\.e|y\.o)\.", re.I)
_PROTECTED = {"e.g": "for example", "i.e": "that is", "y.o": "y/o", "incl": "including"}


#: "DDx: amelanotic MM, SCC, PG": a differential diagnosis opening a sentence, and its list
_DIFFERENTIAL = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:ddx|d/dx|differentials?|differential\s+diagnos[ie]s)"
                           r"(?:\s*[:\-]|\s+includes?|\s)\s*(?P<body>[^.;]+)", re.I)


def differential_as_alternatives(line: str) -> str:
    """A differential list written as alternatives ("DDx: A, B, C" -> "A versus B versus C"), so that a reader
    that splits comma lists never states each item as a diagnosis of its own (a one-item "DDx: A" is left as is)."""

    def alternatives(m: re.Match[str]) -> str:
        items = [i.strip() for i in re.split(r"\s*,\s*|\s+(?:or|vs\.?|versus)\s+|\s*/\s*", m.group("body").strip())
                 if i.strip()]
        return " versus ".join(items) if len(items) > 1 else m.group(0)

    return _DIFFERENTIAL.sub(alternatives, line)


_FEATURE_NONE = re.compile(r"(?:(?<=^)|(?<=[.;]\s)|(?<=\n))(?P<f>[A-Za-z][A-Za-z/ -]{1,30}?)(?P<colon>\s*:\s*|\s+)"
                           r"(?:none|nil|absent|not\s+seen|none\s+seen)(?=\s*(?:[.;,]|$))", re.I)


def feature_none_as_denial(line: str, *, keep: frozenset[str] = frozenset(), bare: bool = False) -> str:
    """A feature said with "none" as its value ("Non-perfusion: none", "NV: nil", and with ``bare`` also
    "NV none") is the feature denied ("No non-perfusion"); a label in ``keep`` (lower case: a section or an
    eye, "Other: none", "OS: nil") is left as it is."""

    def deny(m: re.Match[str]) -> str:
        feature = m.group("f").strip()
        if feature.lower() in keep or (not bare and ":" not in m.group("colon")):
            return m.group(0)
        first = feature.split()[0]
        return f"No {feature if first.isupper() or any(ch.isdigit() for ch in first) else feature[:1].lower() + feature[1:]}"

    return _FEATURE_NONE.sub(deny, line)


#: abbreviations that may end a sentence: their stop is a sentence end before a capitalised word
_MAY_END = frozenset({"approx", "appx", "incl", "cf"})
_NEXT_SENTENCE = re.compile(r"\s+[A-Z][a-z]")


def protect_abbreviation_dots(line: str, *, lexicon: Lexicon | None = None) -> str:
    """Abbreviations whose full stop is no sentence end, written without it ("vs." -> "vs", "e.g." ->
    "for example", "80 y.o. man" -> "80 y/o man"): for readers that split sentences themselves. A word
    that ``lexicon`` expands to a phrase keeps its full stop ("No DR." in an eye study is
    diabetic retinopathy, not "Dr.")."""
    own = (lexicon or _profile().lexicon).abbreviations

    def keep(m: re.Match[str]) -> str:
        word = m.group(1).lower()
        if word in own and word not in _PROTECTED and " " in str(own[word]):
            return m.group(0)
        if word in _MAY_END and _NEXT_SENTENCE.match(line, m.end()):
            return m.group(0)  # "diameter 6 mm approx. Derm: ...": here the stop ends the sentence
        return _PROTECTED.get(word, m.group(1))

    return _PROTECT.sub(keep, line)
_TRAILING_Q = re.compile(r"(?<=[^\s?,;:])(\?+)(?=\s+\S)")
_COMMA_SPLIT = re.compile(r"(?<!\d),|,(?!\d)")
_QUESTION_REST = re.compile(r"[^.;\n?]*")


def _qualifying_tail(rest: str) -> bool:
    """Whether ``rest`` is only qualifiers of a finding: sides, measures, severity or qualifier words, in comma
    parts or brackets."""
    pieces = [p.strip() for p in re.split(r"[,()]", rest) if p.strip()]
    return bool(pieces) and all(_MEASURE_PART.fullmatch(p) or _side_part(p) or _severity_word(p) or _qualifier_only(p)
                                for p in pieces)


def _carry_questions(line: str) -> str:
    """``line`` with each '?' that only qualifiers of the finding follow ("effusion? on the Rt (4 mm)", "edema?
    severe") moved to the end of its clause, where it hedges the whole statement; any other '?' inside a clause
    still closes its statement ("RLL opacity? no ptx")."""
    out, pos = [], 0
    for m in _TRAILING_Q.finditer(line):
        rest = _QUESTION_REST.match(line, m.end()).group(0)
        if _qualifying_tail(rest):
            out.append(line[pos:m.start()] + rest + m.group(1))
            pos = m.end() + len(rest)
    return "".join(out) + line[pos:]


#: A clause that is only the number of an inline list item ("1", "(2)").
_LIST_NUMBER = re.compile(r"^\s*\(?\d{1,2}\)?\s*$")
#: The number of an inline list item opening a clause ("2) LUL nodule").
_LIST_ITEM = re.compile(r"^\s*\(?\d{1,2}\)\s+(?=[^\W\d_])")


def _compare_sub(m: re.Match[str]) -> str:
    a = "left" if m.group(1).lower() == "l" else "right"
    b = "left" if m.group(3).lower() == "l" else "right"
    rel = "greater than" if m.group(2) == ">" else "less than"
    return f"{a} {rel} {b}"


def _bracketed_whole(parts: list[str]) -> list[str]:
    """``parts`` with a bracket's comma parts joined again: a list inside brackets is one part of the statement it
    is in ("3 new T2 lesions (R corona radiata, pons, L MCP)"), never cut at its commas."""
    out: list[str] = []
    depth = 0
    for p in parts:
        if depth > 0 and out:
            out[-1] = f"{out[-1]}, {p}"
        else:
            out.append(p)
        depth = max(0, depth + p.count("(") - p.count(")"))
    return out


def _comma_parts(text: str) -> list[str]:
    """The comma parts of a clause, its trailing tails as parts, a bracket kept whole."""
    return _bracketed_whole([p.strip() for p in _COMMA_SPLIT.split(_tails_as_parts(text))])


def _clauses(text: str) -> list[list[str]]:
    """Clauses (strong punctuation) of comma parts, raw (not yet expanded)."""
    clauses: list[list[str]] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line)
        line = _HEADER.sub("", line)
        line = _COMPARE.sub(_compare_sub, line)
        line = _carry_questions(line)  # "effusion? on the Rt": the '?' hedges the statement, after its qualifiers
        line = _TRAILING_Q.sub(r"\1;", line)  # "RLL opacity? no ptx": the '?' closes its statement
        line = protect_abbreviation_dots(line)  # "vs." is no sentence end
        for clause in _STRONG_SPLIT.split(line):
            clause = _HEADER.sub("", clause)  # "... Findings: RLL opacity": a header after a sentence end
            if _LIST_NUMBER.match(clause):
                continue  # "1. RLL pneumonia. 2. Small effusion": the numbers of an inline list
            clause = _LIST_ITEM.sub("", clause)  # "... 2) LUL nodule"
            listed = dash_list(clause)
            if listed is not None:  # "infarct L MCA - insula, operculum, corona radiata": one statement, its parts
                lead, head, rest = listed
                parts = (_comma_parts(lead) if lead else []) + [head] + _comma_parts(rest)
            else:
                parts = _comma_parts(clause)
            parts = [q for p in parts if p for q in _closing_severity(p)]
            if parts:
                clauses.append(parts)
    return clauses


#: A spaced dash after a word ("infarct L MCA - insula, ..."); "3 - 4 mm" is a range.
_SPACED_DASH = re.compile(r"(?<=[^\W\d_])\s+[-\u2013\u2014]+\s+(?=[^\W_])")


#: The most words of a place or part in a finding's dash list, and a word that says something of it ("elevated").
_PLACE_WORDS = 4
_PARTICIPLE = re.compile(r"[a-z]{3,}(?:ed|en)", re.I)
#: A list item that is one of the things its head counted ("2 lesions - one subfoveal ..., the other inferonasal").
_PARTITIVE_ITEM = re.compile(r"^(?:one|another|the other|the others|other|others|both|each|either|the (?:larger|smaller|"
                             r"largest|smallest|first|second|third)|(?:the )?(?:first|second|third|larger|smaller|largest|"
                             r"smallest))\b", re.I)


def dash_list(clause: str, *, describes: Callable[[str], bool] | None = None,
              own_finding: Callable[[str], bool] | None = None,
              lexicon: Lexicon | None = None) -> tuple[str, str, str] | None:
    """``(lead, statement, rest)`` when ``clause`` has a finding followed by a spaced dash and a comma list of its
    places, parts or features ("Acute infarct L MCA territory - insula, frontal operculum, corona radiata, DWI
    bright"; "2 lesions - one subfoveal 1 DD, one inferonasal"): ``statement`` keeps the finding and its list whole,
    each item being the finding's, never a sentence of its own. The finding is the comma part before the dash, with
    the parts before it that only describe (``describes``; default: the lexicon's qualifiers: "Drusen, large, soft -
    perifoveal, ..."); ``lead`` is what comes before it. The list runs to the first item that denies something, opens
    with a conjunction or is a terse statement of its own ("..., no haemorrhage"), which with what follows is
    ``rest`` (each read as usual). None: no such list (one item after the dash; a dash before a qualifier, measure or
    side alone, "effusion - mild, ...", is a comma part as before; a head naming no finding, "Progressing OD - step up
    treatment, VF in 4/12", a denied or a terse one has no such list). An item
    that names a finding of its own (``own_finding``; default: the vocabulary's finding words and sign nouns) is no
    place or part of the head, nor is one of more than a few words or with a predicate of its own ("Lobar collapse
    LUL - veil-like haziness over L hemithorax, trachea pulled to L": the signs, each a statement of its own), unless it
    picks one of what the head counted ("one subfoveal with overlying SRF"): the list ends before it."""
    with _reading(lexicon):
        m = _SPACED_DASH.search(clause)
        if m is None:
            return None
        before = [p.strip() for p in _COMMA_SPLIT.split(clause[:m.start()])]
        items = [p.strip() for p in _COMMA_SPLIT.split(clause[m.end():])]
        if "(" in clause or ")" in clause or not all(before) or not items[0]:
            return None
        test = describes or (lambda p: _qualifier_only(p) or _severity_word(p))
        named = own_finding or (lambda p: _finding_word(p) or _SIGN_NOUN.search(p) is not None)

        def of_head(item: str) -> bool:
            # one of what the head counted, or a place or part: a few words, no finding and no predicate of their own
            # ("insula", "frontal operculum"; never "trachea pulled to L", "L hilum elevated")
            words = item.split()
            if _ATTACH_START.match(item):  # where or how it goes on: "courses down R main bronchus", "extending to ..."
                return len(words) <= _DESCRIPTOR_WORDS
            return bool(_PARTITIVE_ITEM.match(item)) or (
                not named(item) and len(words) <= _PLACE_WORDS and not any(_PARTICIPLE.fullmatch(w) for w in words[1:]))

        k = len(before) - 1
        while k > 0 and test(before[k]):
            k -= 1
        head = before[k]
        first = items[0]
        said = named(head) or any(_PARTICIPLE.fullmatch(w) for w in head.split()[1:])  # "NGT malpositioned - ..."
        if (not said or _NEG_ANY_RE.search(" ".join(before[k:])) or _subject_sentence(head, False) is not None or _bare_subject(head)
                or _MEASURE_PART.fullmatch(first) or _side_part(first) or _severity_word(first)
                or _NEG_START_RE.match(first) or _subject_sentence(first, False) is not None or not of_head(first)):
            return None
        n = 1
        while (n < len(items) and items[n] and not _NEG_START_RE.match(items[n]) and not _LEAD_CONJ.match(items[n])
               and _subject_sentence(items[n], False) is None and not _SPACED_DASH.search(items[n])
               and of_head(items[n])):
            n += 1
        if n < 2 or _SPACED_DASH.search(first):
            return None  # one item after the dash: a comma part as before
        return ", ".join(before[:k]), f"{', '.join(before[k:])} - {', '.join(items[:n])}", ", ".join(items[n:])


#: A part after a spaced dash (to the next comma) or in brackets: "calcification - severe", "aneurysm (mild)".
_DASH_OR_BRACKET = re.compile(r"\s+-\s+(?P<dash>[^,()]+?)\s*(?=,|$)|\s*\((?P<bracket>[^()]+)\)")


def _tails_as_parts(clause: str) -> str:
    """A qualifier, side or measure after a spaced dash or in brackets is a comma part ("effusion - mild",
    "nodule (4x3mm)", "effusion (R)" -> "effusion, mild", ...), so it is attached as one: the same
    statement whatever the punctuation ("mild pleural effusion")."""
    def part(m: re.Match[str]) -> str:
        body = (m.group("dash") or m.group("bracket")).strip()
        if _MEASURE_PART.fullmatch(body) or _side_part(body) or _severity_word(body) or _qualifier_only(body):
            return f", {body}"
        return m.group(0)

    return _DASH_OR_BRACKET.sub(part, clause)


def _closing_severity(part: str) -> list[str]:
    """A comma part whose last word is a severity word after its finding ("edema severe", "opacity mild") as
    two parts, so the word is attached as one ("severe edema"); a terse subject statement ("heart size
    borderline"), a predicate ("effusion is small") and a part naming no finding before it ("no acute") stay."""
    head, _, word = part.rstrip(" ?").rpartition(" ")
    before = head.rsplit(None, 1)[-1].lower() if head.strip() else ""
    if (not before or not word.isalpha() or not _severity_word(word) or before in _VERBS_BEFORE_PREDICATE
            or _subject_sentence(part, False) is not None or _bare_subject(head) or not _mentions_finding(head)):
        return [part]  # "no acute", "acute on chronic": no finding before the word
    return [head.rstrip(), part[len(head):].strip()]


#: Words after which a closing severity word is a predicate ("effusion is small") or the start of a phrase ("in the
#: bilateral ..."), not a qualifier of the finding before it.
_VERBS_BEFORE_PREDICATE = frozenset({"is", "are", "was", "were", "be", "been", "appears", "appear", "remains", "remain",
                                     "looks", "seems", "and", "or", "not", "very", "too", "now", "became", "becomes",
                                     "the", "a", "an", "in", "of", "on", "at", "to", "with", "for", "by", "from"})


_LEAD_CONJ = re.compile(r"^(?:and|or|nor|also|plus)\s+", re.I)


@lru_cache(maxsize=32)
def _conjunction_led_terms(lexicon: Lexicon) -> tuple[str, ...]:
    """A lexicon's literal terms whose first word is a conjunction ("plus disease"): that word is no conjunction."""
    from pixtralogist.kit.lexicon import iter_terms

    return tuple(sorted({t.lower() for _, t, pat in iter_terms(lexicon.concepts)
                         if not pat and _LEAD_CONJ.match(t) and " " in t.strip()}, key=len, reverse=True))


def strip_lead_conjunction(text: str, lexicon: Lexicon | None = None) -> str:
    """``text`` without a leading "and"/"or"/"also"/"plus" ("plus RUL nodule" -> "RUL nodule"), unless that word
    begins one of the lexicon's terms ("plus disease in 2 quadrants" stays whole)."""
    lex = lexicon or _profile().lexicon
    low = text.lower()
    if any(low.startswith(t) and not low[len(t):len(t) + 1].isalnum() for t in _conjunction_led_terms(lex)):
        return text
    return _LEAD_CONJ.sub("", text)


def _is_bare(text: str) -> bool:
    """A short item of a list: a few words, a finding, no negation of its own, not a statement."""
    words = text.split()
    return 0 < len(words) <= 4 and not _NEG_ANY_RE.search(text) and _subject_sentence(text, False) is None


def _list_head(items: list[str]) -> int:
    """Where the list that ``items`` ends with starts: walk back over its bare items to the head
    ("no MAs", "hemes" -> 0; the head is the first item, bare or not)."""
    j = len(items) - 1
    while j > 0 and _is_bare(items[j]):
        j -= 1
    return j


@contextmanager
def _reading(lexicon: Lexicon | None) -> Iterator[None]:
    """Read with ``lexicon``'s profile (``None``: the profile already in use)."""
    token = _PROFILE.set(profile_for_lexicon(lexicon)) if lexicon is not None else None
    try:
        yield
    finally:
        if token is not None:
            _PROFILE.reset(token)


def is_list_item(text: str, *, lexicon: Lexicon | None = None) -> bool:
    """Whether ``text`` is a bare item of a dictated list under ``lexicon``: at most four words, no
    negation of its own, not a terse "subject predicate" statement of the lexicon ("disc pink")."""
    with _reading(lexicon):
        return _is_bare(text)


def join_negated_list(items: list[str], part: str, *, lexicon: Lexicon | None = None) -> bool:
    """Fold ``part`` into the negated list that ``items`` ends with, in place, and say whether it did.

    The list's head is found by walking back over its bare items (:func:`is_list_item`); when the head
    opens with a negation ("no MAs", "hemes" + "or NV"), the head, its items and ``part`` become one
    statement ("no MAs, hemes, or NV"), so the negation keeps its scope and never asserts the last item.
    Every specialty's reader uses this one walk (the kit's and ophthalmology's eye-aware one)."""
    if not items:
        return False
    with _reading(lexicon):
        j = _list_head(items)
        if not _NEG_START_RE.match(items[j]):
            return False
    items[j:] = [", ".join(items[j:] + [part])]
    return True


_ATTACH_START = re.compile(
    r"^(?:[-~<>\u2264\u2265]?\s?\d|(?:the )?(?:largest|biggest|dominant)\b|(?:max|maximum|maximal|greatest|mean) "
    r"(?:thickness|diameter|dimension|depth|width|size|caliber|calibre|length)\b|(?:measuring|measures|measured|at|in|on|with|along|extending|involving|overlying|projecting|near|"
    r"up to|approximately|about|rim|tip|sized?|unchanged|stable|new|increased|decreased|increasing|decreasing|"
    r"improved|improving|worse|worsened|worsening|similar|since|from|compared|likely|possibly|probably|"
    r"which|that|slightly|minimally|mildly|grossly|previously|formerly|prior|then|now|was|were|up from|down from|"
    r"tracking|dissecting|spreading|causing|resulting|extends?|extended|involves?|abuts?|abutting|encases?|"
    r"encasing|invades?|invading|crosses|crossing|"
    # how a line or tube runs ("NGT malpositioned - courses down R main bronchus")
    r"courses|coursing|runs|running|passes|passing|loops|looping|terminates|terminating|projects|lies|lying|"
    # where the finding is worst or mostly ("worst in the lower lobes", "predominantly peripheral")
    r"worst|most (?:pronounced|severe|marked|prominent|conspicuous|extensive)|greatest|predominantly|mainly|mostly|"
    r"chiefly|largely|particularly|especially)\b)",
    re.I,
)


_COMPARISON_ONLY = re.compile(
    r"^(?:(?:left|right) (?:greater|less|more|worse|larger|smaller|bigger|better) than (?:left|right)|(?:on the )?(?:left|right|bilateral)(?: side| sided)?)$", re.I)
# words a qualifier-only part may hold besides the lexicon's qualifiers (sides, lobes, numbers, units)
_QUALIFIER_FILLER = re.compile(
    r"\b(?:left|right|bilateral|bilaterally|side|sided|upper|middle|lower|lobe|lobes|zone|predominant|predominantly|greater|"
    r"less|more|than|and|or|on|with|in|at|of|the|a|an|to|from|x|mm|cm|hu|in size|size|distribution|pattern|configuration|"
    r"appearance|morphology|component|components|in nature|in appearance|appearing|predominance|sparing|residual|"
    r"remaining)\b|\d+(?:\.\d+)?|[^\w\s]", re.I)
#: With ``dictation.describing_parts``: the finding's outline or appearance a qualifier describes (", smooth margins",
#: ", lobulated contour", ", thick walls", ", mixed density"); attribute templates sort such a part themselves.
_OUTLINE_FILLER = re.compile(r"\b(?:margins?|borders?|contours?|walls?|outlines?|edges?|density|densities|attenuation|"
                             r"signal|intensity|echogenicity|enhancement)\b", re.I)


def _mentions_finding(text: str) -> bool:
    """Whether ``text`` names a finding of core's generic vocabulary or the lexicon's ``dictation.vocabulary``."""
    return mentions_finding(text, extra_terms=_profile().vocabulary)


def _is_attachment(text: str) -> bool:
    """A comma part that only describes the previous statement: a size, place, change or hedge
    ("3 cm rim at the hilum", "likely atelectasis"), qualifiers only (", mild", ", old", ", age
    indeterminate", ", suspicious"), or an interpretation (", c/w pneumonia")."""
    if _NEG_ANY_RE.search(text) or _subject_sentence(text, False) is not None:
        return False
    if _INTERPRETS.match(text) or _COMPARISON_ONLY.match(text) or _qualifier_only(text):
        return True
    if _mentions_finding(text):
        return False
    attach = _profile().attach_re  # the lexicon's dictation.attachments ("trunk, multiple")
    return _ATTACH_START.match(text) is not None or (attach is not None and attach.match(text) is not None)


def _bare_subject(text: str) -> bool:
    """Whether ``text`` is only the lexicon's terse-statement subjects ("heart", "heart, mediastinum")."""
    subjects = _profile().subjects
    items = [t.strip().lower() for t in text.strip().rstrip(".").split(",")]
    return bool(subjects) and all(t in subjects for t in items)


def _each_with_predicate(subjects: list[str], part: str) -> list[str] | None:
    """``["heart"]`` + ``"mediastinum nl"`` -> ``["heart nl", "mediastinum nl"]``: the predicate of ``part`` given to
    each bare subject before it, when one of the subjects has its own wording of normal (``normal_say``: "heart
    size is normal"); None when none has, when ``part`` does not open with its subject or when a subject would not
    read as a statement with it."""
    m = _profile().subject_re.match(part.strip()) if _profile().subject_re is not None else None
    rest = m.group("rest").strip() if m is not None else ""
    if not rest or m.group("side"):
        return None
    subs = _profile().subjects
    if not any(getattr(subs.get(t.strip().lower()), "normal_say", None) for t in [*subjects, m.group("subj")]):
        return None  # no subject has its own wording: one shared statement reads best
    items = [f"{s.strip()} {rest}" for s in subjects]
    if any(_subject_sentence(item, False) is None for item in items):
        return None
    return [*items, part]


#: Two subjects joined by a slash ("Heart/mediastinum nl"): a list of the two.
_SLASHED = re.compile(r"^(?P<a>[a-z][a-z ]*?)\s*/\s*(?P<b>[a-z][a-z ]*?)(?P<rest>\s.*)?$", re.I)


def _slashed_subjects(text: str) -> list[str]:
    """``"Heart/mediastinum normal"`` -> ``["Heart", "mediastinum normal"]`` when both sides of the slash are the
    lexicon's terse-statement subjects; else ``[text]``."""
    m = _SLASHED.match(text.strip())
    subjects = _profile().subjects
    if m is None or m.group("a").lower() not in subjects or m.group("b").lower() not in subjects:
        return [text]
    return [m.group("a"), f"{m.group('b')}{m.group('rest') or ''}"]


def _subject_with_word(text: str) -> bool:
    """A subject of the profile and one or two words the profile does not know as its predicate ("heart narrow",
    "trachea midline"), not negated: what a bare predicate after it ("normal size") goes on describing."""
    rx = _profile().subject_re
    m = rx.match(text.strip()) if rx is not None else None
    if m is None or _NEG_ANY_RE.search(text):
        return False
    rest = m.group("rest").strip().rstrip(".")
    return 0 < len(rest.split()) <= 2 and not _MEASURE.search(rest) and not _finding_word(rest)


def _bare_predicate(text: str) -> bool:
    """Whether ``text`` is only a terse-statement predicate, with its adverbs ("notched", "mildly enlarged")."""
    m = (_profile().predicate_re or _PRED_RE).match(text.strip())
    return m is not None and not m.group("tail").strip()


#: A statement written as prose ("Cardiomegaly is noted, with ..."): its "with" part may be a finding of its own.
_PROSE_VERB = re.compile(r"\b(?:is|are|was|were|noted|seen|identified|demonstrated|there)\b", re.I)
#: A comma part that goes on with what the finding before it has ("thalamic hematoma, w/ IVH").
_WITH_START = re.compile(r"^(?:with|along with|together with)\s+\S", re.I)
_HEDGED_PART = re.compile(r"^(?:possible|probable|questionable|query|suspected|presumed|presumably|"
                          r"(?:can'?t|cannot|can not) (?:exclude|rule out)|not excluded:?|difficult to exclude)\s+\S", re.I)


def _is_hedged_diagnosis(text: str, before: str) -> bool:
    """A comma part that hedges a diagnosis the finding before it suggests ("L temporal mass, ?GBM":
    "possible glioblastoma"): it names no finding word of the vocabulary (a separate finding such as
    "possible effusion" stays a statement of its own) or is a differential ("?met vs hemangioma") and the statement before it is not negated
    (the hedge never falls under its negation)."""
    return (_HEDGED_PART.match(text) is not None and (not _mentions_finding(text) or _VERSUS.search(text) is not None
                                                       or _names_a_diagnosis(text))
            and not _NEG_ANY_RE.search(before)
            and _subject_sentence(before, False) is None and _subject_sentence(text, False) is None)


_HEDGE_LEAD = re.compile(r"^(?:(?:can'?t|cannot|can not) (?:exclude|rule out)|not excluded:?|difficult to exclude|\S+)\s+",
                         re.I)


def _names_a_diagnosis(text: str) -> bool:
    """Whether a hedged part ("possible aspiration", "possible metastatic disease") is a short interpretation naming a
    diagnosis of the lexicon's ``dictation.diagnoses``, not a finding of its own ("possible effusion")."""
    rx = _profile().diagnoses_re
    rest = _HEDGE_LEAD.sub("", text.strip())  # the words after the hedge
    return rx is not None and len(rest.split()) <= 4 and rx.search(rest) is not None


_SIDE_START = re.compile(r"^(?:left|right|bilateral|bilaterally|bilat|b/l|lt|rt|[lrb])(?![\w/])", re.I)
#: A side as dictated, alone in a comma part ("effusion, L", "bullae, Rt", "opacities, B/L").
_SIDE_TOKEN = re.compile(r"(?<![\w/])(?:bilat|b/l|lt|rt|[lr])(?![\w/])", re.I)
#: A differential ("possible metastasis versus hemangioma") interprets the finding before it, even with finding words.
_VERSUS = re.compile(r"\b(?:versus|vs)\b", re.I)


def _qualifier_only(text: str) -> bool:
    """Whether ``text`` is nothing but the lexicon's qualifier words (severity, temporality,
    certainty, morphology), sides, lobes, numbers and units."""
    prof = _profile()
    lexicon = prof.lexicon
    rx = _qualifier_re(lexicon)
    anatomy = _qualifier_re(lexicon, "anatomy") if prof.describing_parts else None
    if rx is None or not (rx.search(text) or (prof.describing_parts and _SIDE_START.match(text))
                          or (anatomy is not None and anatomy.match(text.strip()) and not _bare_subject(text))):
        return False  # a qualifier, or (describing_parts) a side or anatomy: ", R frontal", ", occipital lobe"
    rest = rx.sub(" ", text)
    if prof.describing_parts:  # a dictated side ("L", "Rt", "B/L") is a side word here
        rest = _SIDE_TOKEN.sub(" ", rest)
    if anatomy is not None:  # ", peripheral + basilar": qualifiers and the lexicon's anatomy words
        rest = anatomy.sub(" ", rest)
    if prof.describing_parts:
        rest = _OUTLINE_FILLER.sub(" ", rest)
    return not _QUALIFIER_FILLER.sub(" ", rest).strip()


@lru_cache(maxsize=64)
def _qualifier_re(lexicon: Lexicon, kind: str = "qualifier") -> re.Pattern[str] | None:
    """The synonyms (singular or plural) and patterns of the lexicon's concepts of ``kind`` (qualifiers by default)."""
    alts = []
    for c in lexicon.of_kind(kind):
        # a synonym's plural matches too ("cerebral hemisphere" -> "cerebral hemispheres")
        alts += [r"\s+".join(re.escape(w) for w in t.lower().split()).replace(r"\-", r"[-\s]?") + r"(?:e?s)?"
                 for t in c.synonyms]
        alts += list(c.patterns)
    alts.sort(key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])", re.I) if alts else None


def _severity_word(text: str) -> bool:
    """A single word of the lexicon's severity scale or a temporal/extent word that reads before
    its noun ("mild", "small", "chronic", "complete")."""
    word = text.strip().lower()
    return " " not in word and (word in _profile().lexicon.severity or word in _PREPOSED or word == "bilateral")


_LEAD_HEDGE = re.compile(r"^(?:possible|possibly|probable|probably|likely|questionable|suspected|presumed|rule out|"
                         r"(?:most )?(?:consistent|compatible) with|in keeping with|(?:suspicious|concerning) for|"
                         r"suggestive of|cannot (?:be )?exclude(?:d)?|query)\s+", re.I)
_PREPOSED = {"chronic", "acute", "old", "new", "subacute", "remote", "healed", "complete", "partial", "diffuse",
             "focal", "patchy", "extensive", "minimal", "trace"}


def _side_part(part: str) -> str | None:
    """The side a comma part names when it is only a dictated side ("L", "Rt", "bilat", "on the R"), written out."""
    m = re.fullmatch(r"\s*(?:on the\s+)?(bilat|b/l|bilateral|lt|rt|left|right|[lr])\s*", part, re.I)
    if m is None:
        return None
    low = m.group(1).lower()
    return {"bilat": "bilateral", "b/l": "bilateral"}.get(low) or _LATERALITY.get(low, low)


_SIDES_SAID = r"(?:on the\s+)?(?:bilat|b/l|bilateral|lt|rt|left|right|[lr])"
#: A comma part of a side and one severity word, either way round ("moderate Rt", "Rt moderate").
_SIDE_EDGE = re.compile(rf"(?P<side>{_SIDES_SAID})\s+(?P<rest>\S.*)|(?P<rest2>.*?\S)\s+(?P<side2>{_SIDES_SAID})", re.I)
_MEASURE_PART = re.compile(r"[~<>]?\s*\d+(?:\.\d+)?(?:\s*x\s*\d+(?:\.\d+)?)*\s*(?:mm|cm)", re.I)


def _attach(statement: str, part: str) -> str:
    """``part`` attached to ``statement``: a single severity word goes in front ("Cardiomegaly",
    "mild" -> "mild cardiomegaly"), so does a side alone ("Effusion", "L" -> "effusion on the left";
    "bilat" -> "bilateral effusion") or with one severity word ("moderate Rt"); anything else follows after a
    comma (a side with a measure, "R 8 mm", stays a measure of that side)."""
    edge = _SIDE_EDGE.fullmatch(part.strip())
    rest = edge and (edge.group("rest") or edge.group("rest2"))
    if rest and not _SIDE_WORD.search(statement) and _severity_word(rest):
        # "moderate Rt": the side, then the rest, each in its place
        return _attach(_attach(statement, edge.group("side") or edge.group("side2")), rest)
    side = _side_part(part)
    if side is not None and not _SIDE_WORD.search(statement):
        if side == "bilateral":
            part = side  # before the noun, as a severity word goes
        else:
            return f"{statement} on the {side}"
    if _severity_word(part) and not _NEG_START_RE.match(statement) and _subject_sentence(statement, False) is None \
            and not _severity_word(statement.split(" ", 1)[0]):
        first = statement.split(" ", 1)[0]
        keep = len(first) > 1 and (first[1:2].isupper() or any(ch.isdigit() for ch in first))  # "CT", "T7"
        lowered = statement if keep else statement[:1].lower() + statement[1:]
        hedge = _LEAD_HEDGE.match(lowered)
        if hedge:  # "possible small infarct" + "subacute" -> "possible subacute small infarct"
            return f"{hedge.group(0)}{part.strip().lower()} {lowered[hedge.end():]}"
        return f"{part.strip().lower()} {lowered}"
    return f"{statement}, {part}"


#: A comma part that says where in the finding before it, or how it is spread: "post segment", "anterolateral",
#: "R side of gland", "lateral aspect", "lobar distribution", "upper lobe predominant".
_PLACE_PART = re.compile(
    r"^(?:(?:left|right|bilateral)\s+)?(?:(?:antero|postero|supero|infero)?(?:lateral|medial)|anterior|posterior|superior|"
    r"inferior|apical|basal|basilar|central|peripheral|proximal|distal|dependent|mid|upper|lower|ant|post|sup|inf|med|lat|"
    r"left|right)(?:\s+(?:segment|segments|aspect|portion|part|wall|side|half|third|surface|pole|end|component)"
    r"(?:\s+of(?:\s+the)?(?:\s+[a-z-]+){1,2})?)?$"
    r"|^[a-z-]+(?:\s+[a-z-]+)?\s+(?:distribution|pattern|predominance|predominant|predom|configuration)$"
    # numbered parts of the organ, each with its measure ("seg 6 (14 mm) + seg 8 (9 mm)", "segments 2 and 3", "level IVa")
    r"|^(?:in\s+)?(?:seg(?:ment)?s?|levels?|stations?|sectors?|zones?)\s*(?:[0-9]{1,2}|[ivx]{1,4})[ab]?(?:\s*\([^()]*\))?"
    r"(?:\s*(?:\+|and|&|/|,|or)\s*(?:seg(?:ment)?s?\s*|levels?\s*|stations?\s*)?(?:[0-9]{1,2}|[ivx]{1,4})[ab]?(?:\s*\([^()]*\))?)*$",
    re.I)
#: One word that interprets the finding before it (", benign", ", incidental").
_INTERPRETING_WORDS = frozenset({"benign", "malignant", "indeterminate", "nonspecific", "incidental", "physiologic",
                                 "postoperative", "postsurgical", "artifactual", "reactive", "degenerative"})
#: A single descriptive adjective ("aneurysmal", "nondisplaced", "hypoenhancing", "calcified").
_ADJECTIVE_PART = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:al|ic|ous|ed|ing|ar|ary|oid|ent|ant|ive)$", re.I)
#: A ranked alternative that cannot stand alone (", less likely infection", ", favored over ...").
_RANKED_PART = re.compile(r"^(?:less|more|much less|somewhat less) likely\s+\S|^unlikely\s+\S", re.I)
#: Some of what the finding before it named, with an adjective: ", some cavitary", ", most calcified".
_PARTITIVE_PART = re.compile(r"^(?:some|most|many|all|several|a few|few)(?: of (?:them|these|which))?\s+(?P<adj>[a-z-]+)$", re.I)


#: Two or three places or adjectives said as one part ("diaphragmatic and posterolateral", "medial/lateral").
_JOINED_PARTS = re.compile(r"\s*(?:\band\b|\bor\b|/|&|\+)\s*", re.I)


def _describes_statement(part: str, before: str) -> bool:
    """With ``dictation.describing_parts``: a comma part that only says where in the finding before it (or how it
    is spread), a short differential of it, or one descriptive or interpreting adjective, after a finding
    statement that is not negated nor a terse subject statement ("Acute fx R 5th rib, anterolateral,
    nondisplaced"; "asc aorta 4.6 cm, aneurysmal"; "bibasilar opacities, atelectasis vs aspiration";
    "4 mm nodule, benign")."""
    text = part.strip()
    if _NEG_ANY_RE.search(text) or _NEG_ANY_RE.search(before) or _subject_sentence(before, False) is not None:
        return False
    if _subject_sentence(text, False) is not None:
        return False
    if _RANKED_PART.match(text):
        return True  # "likely edema, less likely atypical infection": the ranking of the interpretation before it
    partitive = _PARTITIVE_PART.match(text)
    if partitive and _ADJECTIVE_PART.match(partitive.group("adj")):
        return True
    pair = _JOINED_PARTS.split(text)
    if len(pair) > 1 and all(p and (_PLACE_PART.match(p) or (" " not in p and _ADJECTIVE_PART.match(p))) for p in pair):
        return True  # "pleural plaques, diaphragmatic and posterolateral": where in the finding, two places at once
    if _PLACE_PART.match(text) or (_VERSUS.search(text) and len(text.split()) <= 6):
        return True  # where in the finding; or a short differential of it (", atelectasis vs aspiration")
    if _dated_diagnosis(text, before):
        return True  # "restricted diffusion L PCA territory, acute infarct": what the sign before it is
    return " " not in text and (_ADJECTIVE_PART.match(text) is not None or text.lower() in _INTERPRETING_WORDS)


_SIDE_WORD = re.compile(r"\b(?:left|right|bilateral|bilaterally)\b", re.I)

#: A comma part that picks out one of the numbered things the finding before it named ("5th-7th rib fx" + "6th
#: displaced", "T4-T6 compression fx" + "T5 worst"): an ordinal or level and a word or two about it.
_PICKED_ITEM = re.compile(r"^(?:the\s+)?(?:" + r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
                          r"tenth|eleventh|twelfth)" + r"|[ctl]\d{1,2})(?:\s+(?:one|rib|level|vertebra))?\s+(?P<what>[a-z-]+(?:\s+[a-z-]+)?)$",
                          re.I)
#: What such a picked item is said to be: adjectives only ("displaced", "most comminuted"), never a noun ("T8 cyst").
_SUPERLATIVES = frozenset({"worst", "most", "least", "largest", "smallest", "biggest", "greatest", "mildest"})
_NUMBERED = re.compile(r"\d(?:st|nd|rd|th)\b|\b[ctl]\d{1,2}\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|"
                       r"eighth|ninth|tenth|eleventh|twelfth)\b", re.I)
#: A comma part comparing the two sides of a bilateral finding before it ("bilat cervical ribs" + "L larger").
_SIDE_COMPARED = re.compile(r"^(?:the\s+)?(?:left|right|lt|rt|l|r)(?:\s+(?:side|sided))?\s+(?:larger|smaller|greater|bigger|"
                            r"worse|more (?:prominent|extensive|severe|marked)|less (?:prominent|extensive|severe|marked)|"
                            r"predominant|dominant|predominance)$", re.I)
_BOTH_SIDES = re.compile(r"\b(?:bilateral|bilaterally|both|bilat|b/l)\b", re.I)
#: The same comparison said the other way round ("larger on the right", "slightly worse on the L", "more on the R side").
_COMPARED_ON_SIDE = re.compile(r"^(?:(?:slightly|somewhat|much|far|a little)\s+)?(?:larger|smaller|greater|bigger|worse|more|"
                               r"less|more (?:prominent|extensive|severe|marked|pronounced)|less (?:prominent|extensive|severe|"
                               r"marked|pronounced))\s+(?:on|at|in)\s+(?:the\s+)?(?:left|right|lt|rt|l|r)(?:\s+(?:side|hemithorax|"
                               r"lung|hemisphere))?$", re.I)
#: A grade of the finding before it on a named scale: a capitalised name (or a grade word) and its value ("Koos 2",
#: "WHO grade II", "Fazekas 1", "Bosniak IIF", "grade 3"); it cannot stand as a statement of its own.
_NAMED_GRADE = re.compile(r"^(?:(?:[A-Z][A-Za-z]*(?:-[A-Za-z]+)?)(?:\s+(?:grade|score|stage|class|type|category|gr))?"
                          r"|(?:grade|score|stage|class|type|category|gr))\s+(?:\d{1,2}[a-cA-C]?|[IVX]{1,4}[a-cA-CF]?)$")
def _refers_back(part: str, before: str) -> bool:
    """With ``dictation.describing_parts``: a trailing comma part that cannot stand as a statement of its own because it
    points back into the finding before it (not negated, not a terse subject statement): one of its numbered items
    ("5th-7th rib fx, 6th displaced"), the comparison of its two sides ("bilat cervical ribs, L larger", "air under
    both hemidiaphragms, larger on the right") or its grade on a named scale ("schwannoma, Koos 2"). Kept
    whole, it stays in that finding's region instead of falling alone to the catch-all. (A part that denies a
    component, "saddle component absent", stays a sentence, which follows the finding's region: see the drafter's
    ``POINTS_BACK_RE``.)"""
    text = part.strip().rstrip(".")
    if not text or _NEG_START_RE.match(before) or _subject_sentence(before, False) is not None:
        return False
    picked = _PICKED_ITEM.match(text)
    if picked:
        words = picked.group("what").split()
        return (_NUMBERED.search(before) is not None
                and all(w.lower() in _SUPERLATIVES or _ADJECTIVE_PART.match(w) for w in words))
    if _NAMED_GRADE.match(text):
        return True  # "L vestibular schwannoma, Koos 2": the finding's grade
    return ((_SIDE_COMPARED.match(text) is not None or _COMPARED_ON_SIDE.match(text) is not None)
            and _BOTH_SIDES.search(before) is not None)


#: A comma part that ends on an article and an adjective ("There is a lobulated", "an irregular"): the first of two
#: coordinate adjectives, whose noun comes in the next part ("..., homogeneously enhancing mass").
_DANGLING_ADJECTIVE = re.compile(r"(?:^|\s)(?:an?|the)\s+[a-z]+(?:-[a-z]+)?(?:al|ic|ous|ed|ing|ar|ary|oid|ent|ant|ive|ular)$", re.I)
#: A diagnosis with its age and nothing else (", acute infarct", ", subacute hematoma", ", old infarcts").
_DATED_PART = re.compile(r"^(?:hyper)?(?:acute|subacute|chronic|old|early|late|recent|remote)(?:\s+(?:or|to|on)\s+(?:subacute|"
                         r"chronic|acute))?\s+(?P<rest>[a-z-]+(?:\s+[a-z-]+)?)$", re.I)


def _dated_diagnosis(part: str, before: str) -> bool:
    """A comma part naming only a diagnosis of the lexicon's ``dictation.diagnoses`` with its age (", acute
    infarct") after a statement that names none and has a side (the sign: "restricted diffusion L PCA territory"): it
    says what that sign is, so it stays with it (its side and place); "mild atrophy, old infarct" stays two. A statement that already names a diagnosis ("mild
    cardiomegaly, chronic edema") keeps the part apart."""
    rx = _profile().diagnoses_re
    m = _DATED_PART.match(part.strip().rstrip("."))
    return (rx is not None and m is not None and rx.fullmatch(m.group("rest")) is not None
            and rx.search(before) is None and _SIDE_WORD.search(before) is not None)


_INNER_OR = re.compile(r"^(.+?)\s+(?:or|nor)\s+\S", re.I)
#: A predicate with a degree adverb (", mildly dilated", ", markedly enlarged"): it describes the finding before it.
_ADVERB_PREDICATE = re.compile(r"^(?:minimally|mildly|moderately|severely|markedly|slightly|massively|diffusely|focally)\s+\w",
                               re.I)


#: A trailing "on SWI", "in the arterial phase", "at the hilum": where or how a descriptor was seen, not its noun.
_SEEN_ON = re.compile(r"\s+(?:on|in|at)\s+(?:the\s+)?[\w/-]+(?:\s+[\w/-]+)?$", re.I)
#: A comma part about what lies around the finding before it ("surrounding edema", "associated mass effect").
_AROUND_IT = re.compile(r"^(?:surrounding|adjacent|associated|perilesional|peritumou?ral|perifocal|with associated)\s+\S", re.I)
#: What a sign is called before it has a name: what a comma part naming its diagnosis interprets.
_SIGN_NOUN = re.compile(r"\b(?:lesions?|nodules?|mass(?:es)?|opacit(?:y|ies)|foc(?:us|i)|densit(?:y|ies)|hypodensit(?:y|ies)|"
                        r"hyperdensit(?:y|ies)|hypoattenuation|abnormalit(?:y|ies)|collections?|nodes?|structures?|"
                        r"thickening|hyperintensit(?:y|ies)|signal|enhancement)\b", re.I)
#: The most words of a descriptor or diagnosis part that still only describe the finding before it.
_DESCRIPTOR_WORDS = 6
_MEASURE = re.compile(r"\d(?:\.\d+)?\s?(?:mm|cm)\b", re.I)


def _completes_finding(part: str, before: str) -> bool:
    """With ``dictation.describing_parts``, a comma part that belongs to the finding before it (which is not negated
    nor a terse subject statement), although it names a noun: a feature of it ending with one of the lexicon's
    ``dictation.descriptor_nouns`` ("necrotic center", "popcorn appearance w/ hemosiderin rim", "blooming on SWI",
    "crazy paving"); a diagnosis of the lexicon's ``dictation.diagnoses`` with only qualifiers before it naming
    what a still unnamed sign is ("adrenal nodule, -5 HU, adenoma", "liver lesion, simple cyst"); or a finding
    without a side that says what a measured structure has ("desc aorta 5.2 cm, fusiform aneurysm")."""
    prof = _profile()
    text = part.strip().rstrip(".")
    if (not text or len(text.split()) > _DESCRIPTOR_WORDS or _NEG_ANY_RE.search(text) or _NEG_ANY_RE.search(before)
            or _SIDE_WORD.search(text) or _subject_sentence(before, False) is not None
            or _subject_sentence(text, False) is not None or not _names_a_finding(before)):
        return False
    if prof.descriptor_re is not None and prof.descriptor_re.search(_SEEN_ON.sub("", text)):
        return True
    if _AROUND_IT.match(text):
        return True  # "..., surrounding vasogenic edema", "..., adjacent DVA": what lies around the finding
    rx = prof.diagnoses_re
    if rx is not None and _SIGN_NOUN.search(before) and rx.search(before) is None and not _DATED_PART.match(text):
        # (a dated diagnosis, "old infarct", is :func:`_dated_diagnosis`'s: with a sided sign only)
        m = rx.search(text)
        if m is not None and m.end() == len(text) and len(text.split()) <= 3 and (
                not text[:m.start()].strip() or _qualifier_only(text[:m.start()])):
            return True
    return False


def _names_a_finding(text: str) -> bool:
    """A finding of the vocabulary or of the lexicon's ``dictation.finding_terms``, a sign noun or a measurement."""
    return bool(_SIGN_NOUN.search(text) or _MEASURE.search(text) or _finding_word(text))


def _finding_word(text: str) -> bool:
    """A finding word of the vocabulary or of the lexicon's ``dictation.finding_terms``."""
    prof = _profile()
    return mentions_finding(text, extra_terms=prof.vocabulary + prof.finding_terms)


def _measured_structure(part: str, before: str) -> bool:
    """A finding without a side or its own measurement after a measured structure that names no finding ("Desc
    thoracic aorta 5.2 cm" + "fusiform aneurysm w/ mural thrombus"): what that structure has."""
    text = part.strip()
    return (_profile().describing_parts and bool(_MEASURE.search(before)) and not _finding_word(before)
            and _finding_word(text) and not _SIDE_WORD.search(text) and not _MEASURE.search(text)
            and not _NEG_ANY_RE.search(text) and not _NEG_ANY_RE.search(before)
            and _subject_sentence(before, False) is None and len(text.split()) <= _DESCRIPTOR_WORDS)


def _denies_more(statement: str, part: str) -> bool:
    """Whether attaching ``part`` to a denial would deny more than a qualifier of it: "no BWV" + "symmetric
    globules" is a finding of its own ("no effusion" + "bilaterally" still attaches)."""
    return bool(_NEG_START_RE.match(statement)) and not _qualifier_only(part) and not _COMPARISON_ONLY.match(part) \
        and _profile().attach_re is not None and _profile().attach_re.match(part) is not None \
        and len(part.split()) > 1


_BRACKET_ASIDE = re.compile(r"\s*\([^()]*\)")


def _continues_finding(rest: str, before: str) -> bool:
    """Whether the words after "also" in a comma part ("..., also sup frontal sulci", "fx R 6th rib, also R 7th")
    only say where else the finding before it is: they name no finding of their own, no denial, no terse
    statement, after a finding statement that is not denied."""
    text = rest.strip()
    return (bool(text) and len(text.split()) <= _DESCRIPTOR_WORDS and not _NEG_ANY_RE.search(text)
            and not _NEG_START_RE.match(before) and _subject_sentence(text, False) is None
            and _subject_sentence(before, False) is None and not _finding_word(text) and not _SIGN_NOUN.search(text))


def _merge_lists(parts: list[str]) -> list[str]:
    """Keep "no A, B, or C" together (negation scope) and "A, B, or C" (alternatives);
    "small A, B, and C" become separate items."""
    out: list[str] = []
    if (_profile().describing_parts and len(parts) > 1 and len(parts[0].split()) <= 5 and _is_attachment(parts[0])
            and not _mentions_finding(parts[0]) and not _NEG_ANY_RE.search(parts[0]) and _mentions_finding(parts[1])):
        parts = [f"{parts[0]}, {parts[1]}", *parts[2:]]  # "T1 hypointense, T2 hyperintense lesion": the lesion's
    for part in parts:
        lead = _LEAD_CONJ.match(part)
        conj = lead.group(0).strip().lower() if lead else ""
        if out and conj == "also" and _continues_finding(part[lead.end():], out[-1]):
            out[-1] = f"{out[-1]}, {part}"  # "FLAIR hyperintensity, also sup frontal sulci": more places of it
            continue
        if out and not conj and _DANGLING_ADJECTIVE.search(out[-1].strip()):
            out[-1] = f"{out[-1]}, {part}"  # "There is a lobulated, enhancing mass": coordinate adjectives, one noun
            continue
        # a bracketed aside never decides whether a part belongs ("RV apex (shock coil)" is judged as "RV apex")
        bare = _BRACKET_ASIDE.sub("", part).strip() or part
        if out and not conj and ((_is_attachment(bare) and not _denies_more(out[-1], bare)) or (_profile().describing_parts and (
                _is_hedged_diagnosis(bare, out[-1]) or _describes_statement(bare, out[-1])
                or _completes_finding(bare, out[-1]) or _measured_structure(bare, out[-1])
                or _refers_back(bare, out[-1])
                or (_WITH_START.match(part) and not _NEG_ANY_RE.search(out[-1])
                                                        and not _PROSE_VERB.search(out[-1])
                                                        and _subject_sentence(out[-1], False) is None)))):
            out[-1] = _attach(out[-1], part)  # "small R ptx, 3 cm rim at the hilum": one statement
            continue
        if out and not conj and _bare_subject(out[-1]) and _subject_sentence(part, False) is not None:
            j = len(out) - 1  # "heart, mediastinum nl": the subjects before share the last one's predicate
            while j > 0 and _bare_subject(out[j - 1]):
                j -= 1
            own = _each_with_predicate(out[j:], part)
            # each subject its own statement where each reads as one ("Heart size is normal. The mediastinal
            # contours are normal."): each goes to its own region, with the lexicon's own wording of "normal"
            out[j:] = own if own is not None else [f"{', '.join(out[j:])} and {part[:1].lower()}{part[1:]}"]
            continue
        if out and not conj and _bare_predicate(part) and _subject_sentence(out[-1], False) is not None:
            out[-1] = f"{out[-1]} and {part}"  # "border ill-defined, notched": one subject, two predicates
            continue
        if out and not conj and _bare_predicate(part) and _subject_with_word(out[-1]):
            out[-1] = f"{out[-1]}, {part}"  # "heart narrow, normal sz": the subject's second predicate, not a subject
            continue
        if (out and not conj and _profile().describing_parts and _ADVERB_PREDICATE.match(part)
                and _bare_predicate(part) and not _NEG_ANY_RE.search(out[-1])):
            out[-1] = f"{out[-1]}, {part}"  # "asc aorta 4.1 cm, mildly dilated": the finding before it
            continue
        inner = _INNER_OR.match(part)
        if out and not conj and inner and _is_bare(inner.group(1)) and join_negated_list(out, part):
            # "no A, B or C" without the serial comma: the last item is "B or C"; the negation
            # governs it as well ("no eff, ptx or consol" never asserts a pneumothorax)
            continue
        if out and not conj and _SOURCE_PART.match(out[-1]) and not _SOURCE_PART.match(part):
            src = out[-1].strip()
            out[-1] = f"{part}, {src[:1].lower()}{src[1:]}"  # "Per Fleischner, f/u CT 6-12 mo": the advice, then its source
            continue
        if out and _ordinal_series(out[-1], part[lead.end():] if lead else part):
            out[-1] = f"{out[-1]}{' and ' if conj == 'and' else ', '}{part[lead.end():] if lead else part}"
            continue  # "healed L 5th, 6th rib fx": the ordinals share the noun after the last one
        if not out or conj not in ("or", "nor", "and"):
            out.append(part)
            continue
        if join_negated_list(out, part):  # "no A, B, or C" / "no A, B, and C": one negated list
            continue
        j = _list_head(out)
        if conj in ("or", "nor"):
            start = min(j if _is_bare(out[j]) else j + 1, len(out) - 1)  # alternatives stay together
        else:
            out.append(part[lead.end():])  # "small A, B, and C": separate items
            continue
        out[start:] = [", ".join(out[start:] + [part])]
    return out


_LEAD_CUE = re.compile(
    r"^\s*(?:(?:no|not|without|negative for|possible|possibly|probable|probably|likely|questionable|"
    r"question of|suspected|suspicious for|uncertain:?)\s+)+",
    re.I,
)
_SHARED_TAIL_RE = re.compile(r"\b(?:are|were|have|both|unlikely|resolved|seen|present|noted|identified)\b", re.I)


#: A comma part that only names the source of what follows ("Per Fleischner", "as per ACR", "according to BTS").
_SOURCE_PART = re.compile(r"^\s*(?:as per|per|according to|based on)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?(?:\s+(?:guidelines?|criteria|"
                          r"recommendations?))?\s*$", re.I)
_ORDINAL = r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)"
_ENDS_ORDINAL = re.compile(r"\b" + _ORDINAL + r"\s*$", re.I)
_STARTS_ORDINAL = re.compile(r"^\s*" + _ORDINAL + r"(?:\s*(?:-|to|through)\s*\S+)?\s+[a-z]", re.I)


def _ordinal_series(left: str, right: str) -> bool:
    """Whether ``left`` ends with an ordinal that has no noun of its own and ``right`` opens with another before its
    noun: "healed L 5th" + "6th rib fx" is one list of ribs."""
    return _ENDS_ORDINAL.search(left.strip().rstrip(".")) is not None and _STARTS_ORDINAL.match(right) is not None


def _split_and(text: str) -> list[str]:
    """Split on ' and ' where it joins two independent findings."""
    pieces = re.split(r"\s+and\s+", text)
    if len(pieces) == 1:
        return [text]
    out = [pieces[0]]
    for right in pieces[1:]:
        left = out[-1]
        left_complete = _mentions_finding(left) or _subject_sentence(left, False) is not None
        right_stmt = _subject_sentence(right, False) is not None
        right_neg = bool(_LEAD_CUE.match(right))  # its own leading negation or hedge
        head = right.split(",", 1)[0]  # an attached tail (", compatible with ...") does not make it a finding
        right_complete = right_stmt or right_neg or (_mentions_finding(head) and len(head.split()) >= 2)
        left_neg = bool(_NEG_ANY_RE.search(left))
        left_hedged = bool(_HEDGE_WORDS_RE.search(left))
        # a hedge, negation or plural verb after the start of the right side may govern both sides:
        # "cardiomegaly and small effusion are likely", "eff and ptx are not seen"
        right_body = _LEAD_CUE.sub("", right)
        shared_tail = bool(_HEDGE_WORDS_RE.search(right_body) or _NEG_ANY_RE.search(right_body)
                           or _SHARED_TAIL_RE.search(right_body))
        keeps_scope = (
            (left_neg and not (right_neg or right_stmt)) or (left_hedged and not (right_neg or right_stmt)) or shared_tail
        )
        if left_complete and right_complete and not keeps_scope and not _ordinal_series(left, right):
            out.append(right)
        else:
            out[-1] = f"{left} and {right}"
    return out


@lru_cache(maxsize=64)
def _noun_re(noun: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + re.escape(noun) + r"s?)\b", re.I)


def _implied(text: str, rule: dict) -> str:
    """One ``dictation.implied`` rule: ``add`` before a bare ``noun`` ("left effusion" -> "left
    pleural effusion") unless a word of ``unless_after`` precedes it; after ``plural_after``
    ("bilateral effusion") the noun becomes plural."""
    rx = _noun_re(str(rule["noun"]))
    if not rx.search(text):
        return text
    unless = {str(w).lower() for w in rule.get("unless_after") or ()}
    plural_after = str(rule.get("plural_after") or "").lower()
    words = text.split(" ")
    out: list[str] = []
    for i, w in enumerate(words):
        m = rx.fullmatch(w.rstrip(".,;:!?"))
        if m is None:
            out.append(w)
            continue
        prev = words[i - 1].lower().strip(",;:()") if i else ""
        if prev in unless:
            out.append(w)
            continue
        if plural_after and plural_after in (x.lower() for x in words[max(0, i - 3) : i]) and not m.group(1).lower().endswith("s"):
            w = w.replace(m.group(1), m.group(1) + "s", 1)
        if i == 0 and w[:1].isupper() and w[1:2].islower():
            w = w[:1].lower() + w[1:]  # "Effusion" -> "pleural effusion" (the sentence is capitalised later)
        out.append(f"{rule['add']} " + w)
    return " ".join(out)


def _locate(text: str) -> str:
    """'ground-glass opacity right upper lobe' -> '... opacity in the right upper lobe'."""
    prof = _profile()
    for rx, say in ((prof.trailing_location, "in the"),) + prof.trailing_other:
        m = rx.match(text) if rx is not None else None
        if m is not None and m.group("noun").lower() in prof.finding_nouns:
            return f"{m.group('head')} {say} {m.group('loc')}{m.group('end')}"
    return text


_NUMBER_FIXES = (
    (re.compile(r"(\d)\s*-?\s*(mm|cm)\b", re.I), lambda m: f"{m.group(1)} {m.group(2).lower()}"),
    (re.compile(r"(\d)\s*[x\u00d7]\s*(?=\d)", re.I), lambda m: f"{m.group(1)} x "),
)


def _hedge_statement(text: str) -> str:
    """Hedge a statement dictated with a trailing '?' without making it more certain."""
    if not text or _HEDGE_WORDS_RE.search(text):
        return text
    stmt = _subject_sentence(text, True)
    if stmt is not None:
        return stmt  # "heart enlarged?" -> "the heart is possibly enlarged"
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and not (len(first) > 1 and first.isupper()):
        text = text[0].lower() + text[1:]  # "Nodule ...?" -> "possible nodule ..."
    if _NEG_START_RE.match(text):
        return "uncertain: " + text  # "no eff?" -> "Uncertain: no pleural effusion."
    return "possible " + text


def _finish(text: str) -> str | None:
    text = _SPACES.sub(" ", text).strip(" \t,;:")
    text = re.sub(r"^[-\u2013\u2014\s]+(?!\d)|[-\u2013\u2014\s]+$", "", text)  # a minus sign stays ("-5 HU")
    text = strip_lead_conjunction(text).strip()
    if not any(ch.isalnum() for ch in text):
        return None
    low = text.lower().rstrip(".!")
    if low in ("no acute", "no acute findings", "no acute change", "no acute changes", "nothing acute"):
        return _profile().no_acute
    stmt = _subject_sentence(text.rstrip(".!"), False)
    if stmt is not None:
        text = stmt
    else:
        text = _locate(text)
    for rule in _profile().implied:
        text = _implied(text, rule)
    for rx, fn in _NUMBER_FIXES:
        text = rx.sub(fn, text)
    text = text[0].upper() + text[1:]
    text = text.rstrip(" ,;:")
    if text[-1] not in ".!":
        text += "."
    elif text.endswith("!"):
        text = text[:-1] + "."
    return text


def expand_shorthand(text: str, *, lexicon: Lexicon | None = None) -> str:
    """Expand the shorthand of one phrase (no splitting, no sentence finishing)."""
    token = _PROFILE.set(profile_for_lexicon(lexicon) if lexicon is not None else _PROFILE.get())
    try:
        expanded, _ = _expand_tokens(text)
    finally:
        _PROFILE.reset(token)
    return expanded


def parse_dictation(text: str | None, *, lexicon: Lexicon | None = None) -> list[str]:
    """Full report sentences from dictation or shorthand (``[]`` for empty text).

    :param text: free text; anything is accepted and treated as data.
    :param lexicon: the study's lexicon (default: the kit's base lexicon: generic shorthand only).
    :return: sentences, capitalised and ending with a period, in dictation order.
    """
    if not text or not isinstance(text, str):
        return []
    token = _PROFILE.set(profile_for_lexicon(lexicon or base_lexicon()))
    try:
        return _parse(text)
    finally:
        _PROFILE.reset(token)


#: A sentence that only says how the finding before it changed ("Stable vs 6 mo ago.", "Unchanged since 2019.",
#: "Slightly larger.", "Compared to 3/2025, increased in size and number."): with ``dictation.describing_parts`` it
#: joins that finding's sentence (not a denial's: "No effusion. Stable." stays apart).
_CHANGE_ONLY = re.compile(
    r"^(?:(?:compared (?:to|with)|when compared (?:to|with)|relative to|versus|vs|since) (?P<prior>[^,]{1,30}),\s*)?"  # "Compared to 3/2025, ..."
    r"(?:(?:overall|grossly|essentially|otherwise|all|both) )?(?:stable|unchanged|new|increased|decreased|improved|improving|"
    r"worse|worsened|worsening|enlarging|enlarged|grown|growing|smaller|larger|resolving|progressed|progressing|"
    r"persistent|similar|slightly (?:larger|smaller|increased|decreased|improved|worse)|not significantly changed|"
    r"no (?:significant |interval )?change)"
    r"(?: in (?:size|appearance|extent|number)(?: and (?:size|appearance|extent|number))?)?"
    r"(?:,?\s+(?:vs|versus|since|from|compared|when compared|relative to|over|on|than|as of|to|in|at)\b(?P<tail>[^.]*))?\.?$",
    re.I)


def _joins_previous(sentence: str, before: str) -> bool:
    """Whether ``sentence`` only says how the finding of ``before`` changed (see :data:`_CHANGE_ONLY`)."""
    m = _CHANGE_ONLY.match(sentence)
    return (_profile().describing_parts and m is not None
            and not _mentions_finding(f"{m.group('prior') or ''} {m.group('tail') or ''}")  # names nothing of its own
            and _mentions_finding(before) and not _NEG_START_RE.match(before)
            and not _HEDGE_WORDS_RE.search(re.sub(r"\b(?:vs|versus)\b", " ", sentence))  # "vs 6 mo ago" compares
            and _subject_sentence(before.rstrip("."), False) is None)


#: "3 enhancing lesions: R cerebellar 12mm, L occipital 8mm": a finding (with its count) and a list of where each is.
_COLON_HEAD = re.compile(r"^(?P<head>[^:]{3,60}?)\s*:\s+(?P<first>\S.*)$")
#: One item of such a list: a place (side, anatomy words) and its measure ("R cerebellar 12mm", "L frontal ~1.5 cm").
_PLACE_MEASURE = re.compile(r"^(?P<place>(?:[a-z][a-z/-]*\s+){1,4}?)(?P<size>[~<>]?\s?\d+(?:\.\d+)?(?:\s?x\s?\d+(?:\.\d+)?)*\s?(?:mm|cm))$",
                            re.I)
_COUNT_WORD = re.compile(r"^(?P<count>\d+|two|three|four|five|six|seven|eight|nine|ten|multiple|several|numerous|few|"
                         r"a few|scattered)\s+", re.I)
_SINGULAR = {"foci": "focus", "metastases": "metastasis", "masses": "mass", "opacities": "opacity",
             "bullae": "bulla", "emboli": "embolus"}
#: Nouns a count of findings is made of besides the finding words ("2 enhancing foci: ...").
_COUNTED_NOUNS = frozenset({"focus", "area", "spot", "deposit", "implant"})
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}


def _singular(noun_phrase: str) -> str:
    """"enhancing lesions" -> "enhancing lesion" (the last word; a few irregular plurals)."""
    head, _, last = noun_phrase.rpartition(" ")
    low = last.lower()
    one = _SINGULAR.get(low) or (last[:-1] if low.endswith("s") and not low.endswith(("ss", "us", "is")) else last)
    return f"{head} {one}".strip()


def _distributed_list(parts: list[str]) -> list[list[str]] | None:
    """With ``dictation.describing_parts``: "3 enhancing lesions: R cerebellar 12mm, L occipital 8mm, R frontal 5mm"
    -> one statement per item ("R cerebellar enhancing lesion", "12mm"), so each keeps its own side, place and
    size; a head with a count other than the number of items ("multiple nodules") stays a statement of its own.
    None: not such a list."""
    if not _profile().describing_parts or len(parts) < 2:
        return None
    m = _COLON_HEAD.match(parts[0])
    if m is None or _NEG_ANY_RE.search(m.group("head")):
        return None
    head = m.group("head").strip()
    expanded_head, _ = _expand_tokens(head)
    last = _singular(expanded_head).rsplit(" ", 1)[-1].lower()
    if not (_mentions_finding(expanded_head) or last in _profile().finding_nouns or last in _COUNTED_NOUNS):
        return None
    items = [m.group("first"), *parts[1:]]
    n = 0
    while n < len(items) and _PLACE_MEASURE.match(items[n].strip()):
        n += 1
    if n < 2:
        return None
    count = _COUNT_WORD.match(head)
    noun = _singular(head[count.end():] if count else head)
    if noun[1:2].islower():
        noun = noun[:1].lower() + noun[1:]  # "Enhancing lesions: L frontal ..." -> "left frontal enhancing lesion"
    out: list[list[str]] = []
    said = count.group("count").lower() if count else ""
    if count and not (said.isdigit() and int(said) == n or _NUMBERS.get(said) == n):
        out.append([head])  # "multiple nodules", "5 nodules" with three listed: the count is a fact of its own
    for i, item in enumerate(items[:n]):
        place = _PLACE_MEASURE.match(item.strip())
        clause = [f"{place.group('place').strip()} {noun}", place.group("size").strip()]
        if i == n - 1:
            clause += items[n:]  # what follows the list ("w/ surrounding edema") goes on with its last item
        out.append(clause)
    return out


def _hedge_targets(expanded: list[tuple[str, bool]]) -> list[bool]:
    """Which comma parts a trailing '?' hedges: its own, unless the part only qualifies the one before
    ("nodule, 4 x 3 mm?", "effusion, severe?"): then that one, whose finding the clinician questions."""
    hedged = [q for _, q in expanded]
    for k in range(len(expanded) - 1, 0, -1):
        if hedged[k] and _qualifying_tail(expanded[k][0]):
            hedged[k], hedged[k - 1] = False, True
    return hedged


def _parse(text: str) -> list[str]:
    text = clean_text(text)
    sentences: list[str] = []
    clauses: list[list[str]] = []
    for parts in _clauses(text):
        clauses += _distributed_list(parts) or [parts]
    for parts in clauses:
        expanded: list[tuple[str, bool]] = []
        for raw in parts:
            if raw.isupper() and sum(ch.isalpha() for ch in raw) >= 3 and len(raw.split()) > 1:
                raw = raw.lower()  # ALL-CAPS dictation; acronyms come back from the table
            exp, q = _expand_tokens(raw)
            if exp or q:
                expanded.append((exp, q))
        # a trailing "?" hedges its own comma part, or the statement a qualifying part describes
        hedged = _hedge_targets(expanded)
        texts = [_hedge_statement(e) if q else e for (e, _), q in zip(expanded, hedged)]
        texts = [t for text in texts for t in _slashed_subjects(text)]
        for part in _merge_lists(texts):
            for piece in _split_and(part):
                done = _finish(piece)
                if done and sentences and _joins_previous(done, sentences[-1]):
                    sentences[-1] = f"{sentences[-1].rstrip('.')}, {done[:1].lower()}{done[1:]}"
                elif done:
                    sentences.append(done)
    return sentences


