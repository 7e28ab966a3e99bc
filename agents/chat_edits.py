"""Plain-language edits of a draft: the clinician's statements and imperatives, understood offline.

A statement ("effusion is small", "no, it's the left side", "there is also a small left apical
pneumothorax") is dictation merged into the draft: it changes what the draft says about the same
finding, or is added to its region. An imperative ("make the effusion small", "drop the
atelectasis", "move the granuloma to lungs", "change left to right in the effusion") works
without a fixed syntax. :meth:`EditReader.read` turns a message into an :class:`Edit` (or None
when it is not an edit); :func:`apply_edit` applies it to a draft.

"The same finding" is found with the specialty kit's :class:`~pixtralogist.kit.Extractor` on the
routed template's lexicon (a synonym added to the lexicon is understood here too), then by the
words the message shares with a finding or names of its region. No finding vocabulary lives in
this module: only the generic attribute words (laterality, the lexicon's severity scale,
temporality, sizes, numbers, presence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Literal

from pixtralogist.agents.chat_phrasing import canonical
from pixtralogist.agents.chat_merge import contradicted, denial_kept, merged as contradiction, normal_of_region, part_size, unit_value
from pixtralogist.agents.chat_forms import severity_swap, terse_impression
from pixtralogist.core import editing
from pixtralogist.core.concepts import concepts as core_concepts
from pixtralogist.core.models import Draft, Finding, Template
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.core.spelling import americanize, matching_form
from pixtralogist.core.text import clean_text, split_sentences, upper_first

EditKind = Literal["add", "remove", "move", "modify", "statement", "impression", "unimpress"]

# --- generic attribute words -----------------------------------------------------------------

_LATERALITY = {"left": "left", "right": "right", "bilateral": "bilateral", "both": "bilateral",
               "od": "right", "os": "left", "ou": "bilateral"}
#: How each laterality is written where the draft writes the other side (word -> its mirror).
_MIRROR = {"left": "right", "right": "left", "od": "OS", "os": "OD", "lt": "rt", "rt": "lt"}
_AGE_UNITS = frozenset("year years yr yrs month months week weeks day days".split())
_TEMPORAL = ("acute", "subacute", "chronic", "old", "healed", "healing", "new", "recent", "remote")
_PRESENT = ("present", "positive", "involved", "identified", "seen", "noted", "detected")
_ABSENT = ("absent", "negative", "normal", "clear", "unremarkable", "healthy", "resolved")
#: Everyday words for "normal" ("SCP density is fine", "the disc looks ok"): read as normal, written as "normal".
_NORMAL_SPOKEN = ("fine", "ok", "okay", "preserved", "intact")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
#: A count ("2/12", "1 of 3", "3 out of 10"): the number of positives of a number examined.
_COUNT = re.compile(r"(?<![\w.])(\d+)\s*(?:/|of|out of)\s*(\d+)(?![\w.%])", re.I)
#: A grade, score or level said in words or Roman numerals ("grade three", "grade II"): written in digits.
_SPOKEN_NUMBER = re.compile(r"\b(grade|score|level|category|stage|type|class)\s+(one|two|three|four|five|i|ii|iii|iv|v)\b",
                            re.I)
_DIGITS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "i": "1", "ii": "2", "iii": "3", "iv": "4",
           "v": "5"}
_SIZE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:\s*(?:x|by)\s*\d+(?:\.\d+)?)*)\s*(mm|cm)\b", re.I)
_FILLER = frozenset("""
a an the is are was were be been it it's its this that these those there here in on at of to for
with and or but as by from into please also just now still actually really sorry oops wait okay ok
well yes no not correction instead side sided sentence sentences line statement about should say says
one which where what finding findings change changed changes make set mark call put move drop remove delete
take out strike get rid add include insert report draft must need needs read reads swap switch flip only
up down bit stuff thing things comment comments mention bump upgrade downgrade revise amend adjust alter
modify fix edit update increase decrease
""".split())
#: a ratio of the two sides' structures ("right ventricle/left ventricle", "right atrium to left atrium"): its name
#: says no side
_SIDE_RATIO = re.compile(r"\b(?:right|left)\s+([a-z]+)\s*(?:/|:|\bto\b|\bvs\.?|\bover\b)\s*(?:right|left)\s+\1\b")
#: Words that point back at a finding already in the draft ("it", "the lesion", "the tumour"): with
#: nothing more specific, a statement made with them is about the draft's main finding.
#: The generic words for a side ("the eye should be OS", "the side is left", "laterality is right").
#: With a size said, the words that only say it is a size ("diameter is 11 mm", "it's 7 mm across"): no finding.
_SIZE_WORDS = frozenset("mm cm sized measures measuring measure measured diameter diam across wide long width length "
                        "dimension dimensions greatest maximal maximum largest axis big".split())
_SIDE_WORDS = frozenset("eye eyes side sides laterality".split())
_ANAPHORA = frozenset("it this that they them these those lesion lesions tumour tumor mass one thing spot all "
                      "everything".split())
#: A value phrase of a finding sentence ("not identified", "negative", "present"), by polarity.
_VALUE_ABSENT = re.compile(r"\b(?:not (?:identified|seen|present|involved|detected|amplified)|absent|negative|neg|"
                           r"uninvolved|free|clear|none)\b", re.I)
_VALUE_PRESENT = re.compile(r"\b(?:present|identified|seen|positive|pos|involved|detected|noted)\b", re.I)
#: The copula of a statement ("X is Y", "X should be Y", "X measures Y").
_COPULA = r"(?:is|are|was|were|should\s+(?:be|read|say)|must\s+be|needs\s+to\s+be|measures|measuring|looks|look|" \
          r"appears|appear|seems|seem|=)"
_ANTONYM_PREFIXES = ("ir", "un", "in", "non", "non-", "a", "im", "dis")

_LEAD = re.compile(r"^(?:(?:no|nope)\s*[,:!-]\s*|(?:no|nope)\s+(?=(?:the|it|it's|its|that|that's|this|they|we|i)\b)|(?:actually|sorry|oops|wait|correction|well|ok|okay|hmm|so|and|but)\b[,:!]?\s*)+", re.I)
_THERE_ALSO = re.compile(r"^(?:there(?:\s+is|\s+are|'s|\u2019s)\s+also|there(?:\s+is|\s+are|'s|\u2019s)|also)\b\s*", re.I)
_NOT_TAIL = re.compile(r",?\s*(?:not|rather than|instead of)\s+(?:the\s+|an?\s+)?(?P<old>[\w.\- ]+)$", re.I)
#: A negated presence value ("not identified", "not seen"): a value, never a correction tail.
_NEGATED_VALUE = re.compile(r"^,?\s*not\s+(?:identified|seen|present|involved|detected|amplified|visuali[sz]ed|"
                            r"evident|noted)\b", re.I)
#: Words a clinician adds around an edit that are no part of it ("..., actually", "... please", "I think ...").
_TRAIL = re.compile(r"(?:,?\s+(?:actually|please|thanks|thank you|i think|i believe|then|again|instead))+\s*$", re.I)
#: Subjects that are the patient, not a finding ("the patient is not diabetic", "she is left handed").
_PERSON = re.compile(r"\b(?:patient|pt|he|she|him|her|they|we|i|history|hx|referrer|clinician|family)\b", re.I)
#: Words after "not" that deny nothing of the draft ("not sure", "not yet", "not now").
_NOT_A_FINDING = frozenset("sure yet now really quite so too that this exactly certain bad much many all convinced "
                           "needed necessary important relevant".split())
#: A statement about the patient rather than the images or the specimen ("the patient is a smoker", "she was
#: treated with neoadjuvant chemo", "he has a history of ..."): history, never written as a finding.
_ABOUT_PATIENT = re.compile(r"^(?:the\s+)?(?:patient|pt|he|she)(?:\s+(?:is|was)|['\u2019]s)\b(?!\s+(?:got|having)\b)"
                            r"|^(?:the\s+)?(?:patient|pt|he|she)\s+(?:has|had)\s+(?:a\s+)?(?:history|hx|pmh)\b", re.I)
#: Clinical history said of the patient: a past treatment or event ("she had neoadjuvant chemo last year", "pt
#: underwent a contralateral mastectomy in 2015", "he presented with aphasia this morning", "s/p CABG"). None of
#: the templates has a region for history, so it is never written as a finding (:func:`is_history`).
_HISTORY_SUBJECT = r"^(?:the\s+)?(?:patient|pt|he|she|they)\s+"
_HISTORY = re.compile(
    _HISTORY_SUBJECT + r"(?:has\s+had|had\s+(?:an?\s+|her\s+|his\s+)?(?:\w+\s+){0,3}?(?:chemo\w*|radio\w*|"
    r"radiation|surgery|operation|\w+ectomy|\w+otomy|\w+plasty|laser|injections?|treatment|therapy|transplant|"
    r"biopsy|excision|stroke|mi|infarct)\b|underwent|received|completed|finished|started|presented|"
    r"(?:was|were)\s+(?:treated|given|seen|operated|diagnosed|referred|admitted))\b"
    r"|" + _HISTORY_SUBJECT + r"(?:has|had)\b.*\b(?:ago|last\s+(?:year|month|week|time)|previously|before|prior|"
    r"(?:in|since)\s+(?:19|20)\d\d|yesterday|this\s+morning|years?|months?)\b"
    r"|^(?:history|hx|h/o|pmh|s/p|status\s+post)\b", re.I)


#: A recommendation to add ("add a rec for repeat CXR in 6 weeks", "recommend dermoscopic follow-up in 3 months",
#: "suggest correlation with imaging", "add recommendation: refer to retina"): what the impression says, never a
#: finding. (A recommendation's own words follow the verb: "rec" / "recommendation" / "recommend" / "suggest".)
_RECOMMENDATION = re.compile(
    r"^(?:please\s+)?(?:(?:add|include|put|insert)\s+(?:in\s+)?(?:an?\s+|the\s+)?(?:recs?|recommendations?)\b"
    r"(?:\s+(?:for|of|to))?\s*:?|(?:recommend|suggest|advise)(?:ed)?\b)\s*(?P<x>\S.*)$", re.I)


#: the impression named as the place at the end of a recommendation ("put a rec for excision in the impression")
_IN_IMPRESSION_TAIL = re.compile(r"\s+(?:in|into|to)\s+(?:the\s+)?(?:impression|conclusion|summary)\s*$", re.I)
#: a hedge or an emphasis between the copula and the value ("nodule is actually LUL", "it is really 9 mm")
_MID_FILLER = re.compile(r"\b(is|are|was|were|it['\u2019]s|that['\u2019]s)\s+(?:actually|really|definitely|in\s+fact|"
                         r"indeed|clearly|probably\s+more)\s+", re.I)


def is_history(text: str) -> bool:
    """Whether a chat statement is clinical history of the patient rather than a finding of the images or
    the specimen (see :data:`_HISTORY`)."""
    return bool(_HISTORY.search(clean_text(text).strip()))


_POLITE_LEAD = re.compile(r"^(?:i think|i believe|i'd say|i would say)\s+", re.I)
#: The verbs of each imperative form: one list per form, so the patterns below and :data:`IMPERATIVE` (the polite
#: "can you ...?" test) can never disagree.
_REMOVE_VERBS = ("remove", "delete", "drop", "strike", "scratch", "erase", "eliminate", "exclude", r"take\s+out",
                 r"take\s+away", r"take\s+off", r"leave\s+out", r"get\s+rid\s+of", "omit", "cut", "lose", "ditch", "bin",
                 "scrap", "nix", "kill", r"throw\s+out", r"throw\s+away", r"chuck\s+out", "chuck", r"cross\s+out",
                 r"rub\s+out", "wipe", "nuke", "axe", "trash", "dump")
#: (the everyday verbs of putting, "stick/pop/throw X in <region>", are moves too: never a sentence to write)
_MOVE_VERBS = ("move", "put", "place", "shift", "transfer", "relocate", "stick", "pop", "throw", "slip", "bung")
_SET_VERBS = ("make", "change", "set", "mark", "call", "update", "correct", "swap", "switch", "flip", "turn", "upgrade",
              "downgrade", "bump", "revise", "amend", "adjust", "alter", "modify", "fix", "edit", "increase", "decrease",
              "list", "record", "describe")
_FROM_TO_VERBS = ("change", "switch", "swap", "correct", "update", "flip", "make")
_REPLACE_VERBS = ("replace", "substitute", "swap")
_SAY_VERBS = ("say", "state", "write", "note")
_ADD_VERBS = ("add", "insert", "include", "also")  # (last: "also" is no verb, so never a polite request's)


def _verbs(verbs: tuple[str, ...]) -> str:
    return r"^(?:please\s+)?(?:" + "|".join(verbs) + ")"


_REMOVE = re.compile(_verbs(_REMOVE_VERBS) + r"\s+(?P<x>.+)$", re.I)
#: "<verb> the ...": an imperative whose verb the reader does not know (never appended as a statement)
_UNKNOWN_VERB = re.compile(r"^(?P<v>[a-z]+)\s+(?:(?:up|down|off|out|away|back|over|at)\s+)?"
                           r"(?:the|this|that|these|those|it|its|all|any)\b", re.I)
_NOT_VERBS = frozenset("there no also and but so then now just still only".split())
#: "move/put X to|in|into|under (the) R (region)": the verb, each place the region may start, the region word's tail
_MOVE_HEAD = re.compile(_verbs(_MOVE_VERBS) + r"\s+", re.I)
#: A move verb that is the noun a statement opens with ("Shift of the midline is 4 mm", "placement of the
#: line is satisfactory", "shift is 3 mm"): a statement, never a move.
_NOUN_HEAD = re.compile(_verbs(_MOVE_VERBS) + r"(?:ment)?(?:\s+of\b|\s+(?:is|are|was|were|measures|measuring)\b)", re.I)
_MOVE_CUT = re.compile(r"\s+(?:to|into|in|under)\s+(?:the\s+)?", re.I)
_MOVE_TAIL = re.compile(r"\s+(?:region|section|box|heading)$", re.I)
#: "the hernia belongs in upper abdomen", "the clips go under other": a move said as a statement (only when the
#: place is a region of the template)
_BELONGS = re.compile(r"^(?P<x>.+?)\s+(?:belongs?|goes|go|should\s+go|should\s+be|sits?)\s+(?:in|into|under)\s+(?:the\s+)?"
                      r"(?P<r>[\w /-]+?)(?:\s+(?:region|section|box|heading))?$", re.I)
_SWAP = re.compile(r"^(?:please\s+)?(?:change|replace|switch|correct)\s+(?P<a>[\w.+/%-]+)\s+(?:to|with|by)\s+(?P<b>[\w.+/%-]+)\s+(?:in|of|for|on)\s+(?P<x>.+)$", re.I)
_SET = re.compile(_verbs(_SET_VERBS) + r"\s+(?P<x>.+?)(?:\s+(?:to|as|into)\s+(?P<v>(?:(?!\s(?:to|as|into)\s).)+))?$", re.I)
#: "change the effusion from right to left"
_FROM_TO = re.compile(_verbs(_FROM_TO_VERBS) + r"\s+(?P<x>.+?)\s+from\s+(?P<a>.+?)\s+(?:to|into)\s+(?P<b>.+)$", re.I)
_REPLACE = re.compile(_verbs(_REPLACE_VERBS) + r"\s+(?P<a>.+?)\s+(?:with|by|for)\s+(?P<b>.+)$", re.I)
_SAY = re.compile(_verbs(_SAY_VERBS) + r"\s+(?:that\s+)?(?P<s>.+)$", re.I)
_ADD = re.compile(_verbs(_ADD_VERBS) + r"\b\s*:?\s*(?P<s>.+)$", re.I)
#: The verbs an edit opens with ("can you remove the ...?" is an edit, not a question): every form's verbs above, so
#: a verb the reader acts on when said plainly ("kill the ...", "substitute ...") is read the same when asked
#: politely (the edit is shown as a before/after line, as any other)
IMPERATIVE = re.compile(_verbs(tuple(dict.fromkeys(_REMOVE_VERBS + _MOVE_VERBS + _SET_VERBS + _FROM_TO_VERBS
                                                   + _REPLACE_VERBS + _SAY_VERBS + _ADD_VERBS[:-1]))) + r"\b", re.I)
#: "... from/out of/in the impression": the place of a removal that leaves the findings as they are
_FROM_IMPRESSION = re.compile(r"\s+(?:from|out\s+of|in|off)\s+(?:the\s+)?(?:impression|conclusion)$", re.I)
_ABOUT = re.compile(r"^(?:the\s+)?(?:sentence|line|statement|part|bit|mention|finding)s?\s+(?:about|on|of|with|mentioning)\s+", re.I)


def resolve_region(name: str, regions: dict[str, str]) -> str | None:
    """The region a clinician's word names: its name or label ("lungs", "Additional findings"), or the
    one region whose label has that word ("pleura" -> "Lungs and pleura"); "impression"; else None."""
    w = re.sub(r"\s+", " ", name.strip().lower())
    w = re.sub(r"^(?:the|a)\s+", "", w)
    if w in ("impression", "conclusion"):
        return "impression"
    for r, label in regions.items():
        if w in (r, r.replace("_", " "), label.lower()) or _stem(w) in (_stem(r), _stem(label.lower())):
            return r
    having = [r for r, label in regions.items()
              if _stem(w) in {_stem(x) for x in _words(f"{r.replace('_', ' ')} {label}") if len(x) > 3}]
    if len(having) == 1:
        return having[0]
    # the clinician's shorthand of a region's words: "upper abdo", "upper abd", "mediastinal", "extra-axial"
    short = [r for r, label in regions.items() if _shortens(w, f"{r.replace('_', ' ')} {label}")]
    return short[0] if len(short) == 1 else None


_REGION_GLUE = frozenset("and or of the in to section region box heading".split())


def _shortens(said: str, label: str) -> bool:
    """Whether every word of ``said`` is a region word cut short (a prefix of three letters or more: "abdo" of
    "abdomen") or another form of it (six letters in common: "mediastinal" of "mediastinum")."""
    words = [w for w in re.findall(r"[a-z]+", said.lower()) if w not in _REGION_GLUE]
    names = [x for x in re.findall(r"[a-z]+", label.lower()) if x not in _REGION_GLUE]

    def cut(w: str, x: str) -> bool:
        if len(w) >= 3 and x.startswith(w):
            return True
        common = next((i for i, (a, b) in enumerate(zip(w, x)) if a != b), min(len(w), len(x)))
        return common >= 6
    return bool(words) and all(any(cut(w, x) for x in names) for w in words)


def _words(text: str) -> list[str]:
    """The words of ``text`` as they are matched: lower case, American spelling ("haemorrhages" ->
    "hemorrhages"), so a message and a draft sentence match whichever spelling each was written in."""
    text = re.sub(r"['\u2019](?:s|re|ll|ve|d|m)\b", "", matching_form(text))
    return [w for w in re.findall(r"[a-z0-9][a-z0-9+%-]*", text) if len(w) > 1 or w.isdigit()]


def _stems(text: str) -> set[str]:
    """The stems of a draft sentence's words, with the parts of its hyphenated words ("cup-to-disc" also
    gives "cup" and "disc"), so "the cup disc ratio" names "The cup-to-disc ratio is 0.4."."""
    words = _words(text)
    return {_stem(w) for w in words} | {_stem(p) for w in words if "-" in w for p in w.split("-") if len(p) > 1}


#: Inflection endings a finding name takes ("ulcerated"/"ulceration", "calcified"/"calcification",
#: "enhancing"/"enhancement"), the longest first, each with what replaces it.
_ENDINGS = (("ifications", "if"), ("ification", "if"), ("ified", "if"), ("ations", ""), ("ation", ""),
            ("ated", ""), ("ating", ""), ("ements", ""), ("ement", ""), ("ments", ""), ("ment", ""),
            ("ions", ""), ("ion", ""), ("ing", ""), ("ed", ""), ("ly", ""), ("ic", ""), ("ar", ""), ("y", ""))
#: The shortest stem an inflection ending is taken from ("port" of "portion" stays "portion").
_MIN_STEM = 5
#: Endings that make an adjective or a participle of a noun ("scaly", "scaling", "scaled" of "scale";
#: "crusty" of "crust"): they may leave a four-letter stem, as the noun's own stem is four letters too.
_SHORT_ENDINGS = frozenset({"y", "ly", "ic", "ing", "ed"})


#: everyday words that mean the same in a report ("the nearest margin" is "Closest margin ...")
_SAME_WORD = {"nearest": "closest", "narrowest": "closest"}


def _stem(w: str) -> str:
    """A light stem: plurals ("nodules" -> "nodule") and the inflections of a finding name
    ("ulcerated", "ulceration", "ulcers" -> "ulcer"; "calcified", "calcification" -> "calcif"), in
    American spelling. Only an ending that leaves at least five letters is taken, so short words
    ("sided", "noted", "lobes") keep their own stem and do not meet unrelated ones."""
    w = americanize(w.rstrip("+").lower())
    w = _SAME_WORD.get(w, w)
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        # "lobes" -> "lobe", "masses" -> "masse" (-> "mass" below); a Latin singular keeps its "s" ("sinus",
        # "thrombus", "stenosis"), so it meets its plural ("sinuses" -> "sinus")
        w = w[:-1]
    for suf, repl in _ENDINGS:
        least = 4 if suf in _SHORT_ENDINGS else _MIN_STEM
        if suf == "y" and (len(w) < 5 or w[-2] in "aeiouy"):
            continue  # "grey", "day", "ray": no adjective ending
        if w.endswith(suf) and len(w) - len(suf) + len(repl) >= least:
            w = w[: -len(suf)] + repl
            if suf in _SHORT_ENDINGS and len(w) > 4 and w[-1] == w[-2] and w[-1] not in "sl":
                w = w[:-1]  # "scarring" -> "scar"
            break
    return w[:-1] if w.endswith("e") and len(w) > 4 else w


@dataclass(frozen=True)
class Attributes:
    """What a message says about a finding's attributes (None where it says nothing)."""

    laterality: str | None = None
    severity: str | None = None
    size: str | None = None  # the size as written ("9 mm")
    temporal: str | None = None
    number: str | None = None  # a bare number ("grade is 3")
    polarity: Literal["present", "absent"] | None = None

    def any(self) -> bool:
        return any((self.laterality, self.severity, self.size, self.temporal, self.number, self.polarity))


@dataclass
class Edit:
    """One edit read from a message (see :class:`EditReader`)."""

    kind: EditKind
    text: str = ""  # the statement to write (add/replace/impression)
    subject: tuple[str, ...] = ()  # the words naming the finding
    attrs: Attributes = field(default_factory=Attributes)
    region: str | None = None  # move/add target
    swap: tuple[str, str] | None = None  # (old word, new word)
    words: tuple[str, ...] = ()  # other value words (e.g. "irregular")
    also: bool = False  # "there is also ...": a new finding, not a change of one
    predicate: str = ""  # what a statement says its subject is ("present" of "LVI is present")
    flip: bool = False  # "swap the side of the infarct": the other side
    #: "the eye should be OS", "the side is left": the subject is only the generic word for a side, so
    #: the side of the case's findings (every sentence stating the other side) changes
    case_side: bool = False
    #: "it's not ulcerated", "not calcified": the finding named by ``subject`` is denied (removed, or
    #: written as a denial when it is all its sentence says)
    deny: bool = False
    #: "the granuloma is not calcified": the finding a denied word is said of (its sentence is the one changed,
    #: never another that shares only the denied word: "Coronary artery calcification.")
    of: tuple[str, ...] = ()
    #: the message as read (cleaned, without the words around an edit): what :mod:`chat_values` looks in
    said: str = ""


@dataclass
class EditResult:
    draft: Draft
    changed: bool
    summary: str  # what was done (or why nothing was)
    regions: list[str] = field(default_factory=list)
    impression_changed: bool = False
    #: False: the message named nothing this draft has (a free-form turn for a language model, if any)
    understood: bool = True


class EditReader:
    """Reads plain-language edits with the routed template's lexicon (see the module docstring)."""

    def __init__(self, lexicon=None, regions: dict[str, str] | None = None, terms: tuple[str, ...] = (),
                 specimen: tuple[str, ...] = ()) -> None:
        """:param terms: the template's finding vocabulary (``Template.finding_terms``), with the
        lexicon's: multi-word finding names ("small vessel disease") are read as names, never as
        an attribute ("small") and a word.
        :param specimen: the words naming what the template reports on (its id and body parts:
        "breast", "resection"): "actually it's the left breast" is about the case's side."""
        from pixtralogist.kit import Extractor, base_lexicon

        self.lexicon = lexicon if lexicon is not None else base_lexicon()
        self.extractor = Extractor(self.lexicon)
        self.severity = tuple(dict.fromkeys((*self.lexicon.severity, *base_lexicon().severity)))
        #: values of one kind that replace one another (the lexicon's ``value_groups``; see chat_values.py)
        self.value_groups = {g: tuple(v) for g, v in (getattr(self.lexicon, "value_groups", None) or {}).items()}
        self.regions = regions or {}
        self.specimen = frozenset(_stem(w) for w in specimen)
        vocab = {t.lower() for t in terms}
        vocab |= {str(t).lower() for t in (self.lexicon.dictation or {}).get("finding_terms") or ()}
        vocab |= {syn.lower() for c in self.lexicon.of_kind("finding", "device") for syn in c.synonyms}
        self.vocabulary = frozenset(v for v in vocab if v.strip())
        #: two-word openings of multi-word names that start with an attribute word ("small vessel")
        attr_words = set(self.severity) | set(_TEMPORAL)
        names = self.vocabulary | {k.lower() for k in self.lexicon.subjects}
        self._names = frozenset(" ".join(w.split()[:2]) for w in names
                                if len(w.split()) > 1 and w.split()[0] in attr_words)
        terms_re = sorted(self.vocabulary, key=len, reverse=True)
        self._terms_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(t) for t in terms_re) + r")(?![\w-])", re.I) \
            if terms_re else None

    # -- reading ------------------------------------------------------------------------------

    def expand(self, text: str) -> str:
        from pixtralogist.kit import expand_abbreviations

        return expand_abbreviations(text, self.lexicon)

    def attribute_words(self, text: str, scale) -> list[str]:
        """The words of ``text`` on ``scale`` (severity or temporality) that are not the opening of a
        multi-word finding name ("small" of "small vessel disease")."""
        words = _words(text.lower())
        return [w for i, w in enumerate(words) if w in scale
                and not (i + 1 < len(words) and f"{w} {words[i + 1]}" in self._names)
                and not (w == "old" and i and words[i - 1] in _AGE_UNITS)]  # "45 years old" is an age

    def severity_range(self, text: str) -> str | None:
        """A range of two severity words ("moderate to severe", "mild-moderate") as "<a> to <b>", or None."""
        words = "|".join(re.escape(w) for w in sorted(self.severity, key=len, reverse=True))
        m = re.search(rf"\b({words})\s*(?:to|-|/|\u2013)\s*({words})\b", text, re.I) if words else None
        return f"{m.group(1).lower()} to {m.group(2).lower()}" if m and m.group(1).lower() != m.group(2).lower() \
            else None

    def names_finding(self, text: str) -> bool:
        """Whether ``text`` names a finding of the specialty's vocabulary (lexicon or template terms)."""
        from pixtralogist.core.spelling import americanize

        low = americanize(self.expand(text)).lower()
        return bool(self.concepts_of(text)) or bool(self._terms_re and self._terms_re.search(low))

    def attributes(self, text: str) -> Attributes:
        low = text.lower()
        words = _words(low)
        sided = _SIDE_RATIO.sub(" ", low)  # "right ventricle/left ventricle (ratio)": a ratio's name, no side
        lat = next((_LATERALITY[w] for w in re.findall(r"[a-z]+", sided) if w in _LATERALITY and w != "both"), None)
        if lat is None and re.search(r"\bboth (?:sides|eyes|lungs)\b", low):
            lat = "bilateral"
        if lat is None and (one := re.search(r"(?<![\w'\u2019.])([LR])(?![\w'\u2019])", text)):
            lat = {"L": "left", "R": "right"}[one.group(1)]  # "no, L", "R not L": the clinician's shorthand
        # "moderate to severe", "mild-moderate": the range as said, never only its first word
        sev = self.severity_range(text) or next(iter(self.attribute_words(text, self.severity)), None)
        size_m = _SIZE.search(text)
        size = f"{size_m.group(1)} {size_m.group(2).lower()}" if size_m else None
        temporal = next(iter(self.attribute_words(text, _TEMPORAL)), None)
        rest = _SIZE.sub(" ", text)
        num = _NUMBER.search(rest)
        count = _COUNT.search(rest)
        polarity = None
        if re.search(r"^(?:there\s+(?:is|are)\s+)?no\b|\b(?:not (?:seen|present|identified|involved|detected|amplified)|"
                     r"absent|negative for)\b", low):
            polarity = "absent"
        elif any(w in _ABSENT for w in words):
            polarity = "absent"
        elif any(w in _PRESENT for w in words):
            polarity = "present"
        number = f"{count.group(1)} of {count.group(2)}" if count else num.group() if num else None
        if num and not count and re.search(r"(?:^|[\s(])[-\u2212]$", rest[:num.start()]):
            number = "-" + number  # "-5 HU": the sign is part of the value
        return Attributes(lat, sev, size, temporal, number, polarity)

    def subject_words(self, text: str, sized: bool = False) -> tuple[str, ...]:
        """The words of ``text`` naming what it is about; ``sized``: a size is said elsewhere in the message
        ("diameter" of "diameter is 11 mm" only says that it is a size)."""
        skip = set(_FILLER) | set(_LATERALITY) | set(_PRESENT) | set(_ABSENT)
        skip |= _SIZE_WORDS if sized or _SIZE.search(text) else set()
        skip |= {"eye", "eyes", "sides"} if self.attributes(text).laterality else set()
        attr = set(self.attribute_words(text, self.severity)) | set(self.attribute_words(text, _TEMPORAL))
        out = [w for w in _words(_SIZE.sub(" ", text)) if w not in skip and w not in attr and not _NUMBER.fullmatch(w)
               and not ("-" in w and all(p in skip or p in attr or p in self.severity for p in w.split("-"))
                        and not self.names_finding(w))]
        # ("right-sided", "mild-moderate"; a finding's name of such parts stays: "drop-out")
        return tuple(dict.fromkeys(out))

    def _move(self, text: str) -> tuple[str, str] | None:
        """(what, region) of "move/put X to|in|into|under R": the first "to/in/into/under" whose rest names a region
        of the template or the impression ("put melanoma in situ vs early invasive melanoma in the impression": the
        last "in"); None when no rest names one."""
        head = _MOVE_HEAD.match(text)
        if head is None:
            return None
        body = text[head.end():]
        for cut in _MOVE_CUT.finditer(body):
            what, where = body[:cut.start()].strip(), _MOVE_TAIL.sub("", body[cut.end():].strip())
            if what and re.fullmatch(r"[\w /-]+", where) and (region := self.resolve_region(where)) is not None:
                return what, region
        return None

    def resolve_region(self, name: str) -> str | None:
        """:func:`resolve_region`, the name's abbreviations expanded by the lexicon first ("CVS", "abdo")."""
        found = resolve_region(name, self.regions)
        if found is None and (expanded := self.expand(name)) != name:
            found = resolve_region(expanded, self.regions)
        return found

    def _names_case(self, body: str, subject: tuple[str, ...], attrs: Attributes) -> bool:
        """Whether a side is said of the case itself: "it's the right eye" (one exam, one eye), "actually it's
        the left breast" (the specimen): the message names no finding, only "eye(s)" or what the template
        reports on, so every finding stated on the other side moves (never only the main one)."""
        if attrs.laterality not in ("left", "right") or attrs.size or attrs.severity or attrs.number:
            return False
        rest = [w for w in subject if w not in _ANAPHORA]
        said = set(_words(body.lower()))
        if not rest:
            return bool(said & {"eye", "eyes"})
        # the specimen's side: only a template that reports the specimen's laterality ("it's the left chest" of a
        # chest radiograph is no such statement)
        sided = any(_ATTRIBUTE_REGION["laterality"] & {_stem(w) for w in _words(f"{r.replace('_', ' ')} {label}")}
                    for r, label in self.regions.items())
        return sided and all(_stem(w) in self.specimen for w in rest)

    def read(self, message: str) -> Edit | None:
        """The edit a message asks for, or None when it is not one (a greeting, a remark)."""
        text = clean_text(message).strip().rstrip(".!")
        if not text:
            return None
        text = _LEAD.sub("", text).strip()
        text = _TRAIL.sub("", _POLITE_LEAD.sub("", text)).strip()
        text = terse_impression(text) or text  # "X not in the impression" (chat_forms)
        text = canonical(text, self.resolve_region)  # "take the X out", "call it X in the impression": the plain forms (chat_phrasing)
        # "its the left side", "its on the right": "it's" typed without its apostrophe
        text = re.sub(r"^its\s+(?=(?:the|a|an|on|in|at|not|now|actually|really|more|just)\b)", "it is ", text, flags=re.I)
        # "the border's regular": "'s" is "is" where what follows names no finding (not "the nodule's size ...")
        if (m := re.match(r"^((?:the\s+)?[a-z][\w-]*)['\u2019]s\s+(\S+(?:\s+\S+){0,2})$", text, re.I)) \
                and m.group(1).lower() not in ("it", "that", "this", "what", "there", "he", "she") \
                and not self.names_finding(m.group(2)):
            text = f"{m.group(1)} is {m.group(2)}"
        # "on the R forearm", "in the left eye": a place said alone is what "it is" on or in
        text = re.sub(r"^(?=(?:on|in|at|over)\s+(?:the|her|his|their)\s)", "it is ", text, flags=re.I)
        if (swap := severity_swap(text, self.severity)) is not None:
            text = swap  # "change moderate to mild": the old and the new value, never a range (chat_forms)
        elif rng := self.severity_range(text):  # "make it mild to moderate": the range's "to" is no "set X to Y"
            a, b = rng.split(" to ")
            text = re.sub(rf"\b{re.escape(a)}\s+to\s+{re.escape(b)}\b", f"{a}-{b}", text, flags=re.I)
        text = _SPOKEN_NUMBER.sub(lambda m: f"{m.group(1)} {_DIGITS[m.group(2).lower()]}", text)  # "grade three"
        text = _MID_FILLER.sub(r"\1 ", text)  # "the nodule is actually LUL not RUL": "the nodule is LUL not RUL"
        edit = self._read(text)
        if edit is not None and not edit.said:
            edit.said = text
        return edit

    def _read(self, text: str) -> Edit | None:
        if m := _RECOMMENDATION.match(text):  # "add a rec for repeat CXR in 6 weeks": the impression's
            rest = _IN_IMPRESSION_TAIL.sub("", m.group("x").strip())  # "... for excision in the impression": the place
            return Edit("impression", text=f"Recommend {rest}" if not re.match(r"(?:recommend|suggest|advise)", rest, re.I)
                        else rest)
        if is_history(text):
            return None  # "she had neoadjuvant chemo last year": history, never a finding
        if _ABOUT_PATIENT.match(text) and not self.attributes(text).any():
            # "the patient is post CABG", "she has a history of melanoma": history, not a finding ("she is left
            # handed", "the patient is 65" go on, and the reply says what was read and that nothing matched)
            return None
        # "he has macular oedema in the right eye": a finding of the patient ("he" is no abbreviation here)
        text = re.sub(r"^(?:he|she|they|the patient|patient|pt)\s+(?:has|have|had|shows?|showed)\s+(?:got\s+)?",
                      "there is ", text, flags=re.I)
        # negations said with a contraction: "there isn't any effusion" -> "there is no effusion"
        text = re.sub(r"\b(is|are|was|were|does|do|has|have)n['\u2019]?t\b", r"\1 not", text, flags=re.I)
        text = re.sub(r"^there\s+(is|are|was|were)\s+not\s+(?:any|an?)\s+", r"there \1 no ", text, flags=re.I)
        text = re.sub(r"^there\s+(is|are)\s+no\s+longer\s+(?:any\s+|an?\s+)?", r"there \1 no ", text, flags=re.I)
        if (lead := re.match(r"^not\s+(\w+)\b", text, re.I)) and lead.group(1).lower() in _NOT_A_FINDING:
            return None  # "not sure, just ...", "not yet": a remark, nothing of the draft
        # "isn't ulcerated, just crusted", "not a papule but a nodule": "it is crusted, not ulcerated" (a decimal
        # point stays in a value: "not 2.5 cm but 3.2 cm")
        text = re.sub(r"^(?:(?:it|that|this|they)(?:['\u2019]s|['\u2019]re|\s+is|\s+are)\s+|is\s+|are\s+)?not\s+"
                      r"(?:an?\s+|the\s+)?(?P<x>(?:[\w -]|(?<=\d)\.(?=\d))+?)\s*,?\s+(?:(?:it|that)(?:['\u2019]s|\s+is)\s+|"
                      r"just\s+|but\s+|only\s+|rather\s+)+(?:an?\s+|the\s+)?(?P<y>(?:[\w -]|(?<=\d)\.(?=\d))+)$",
                      lambda m: m.group() if set(_words(m.group("x"))) & _NOT_A_FINDING  # "not sure, just ..."
                      else f"it is {m.group('y')}, not {m.group('x')}", text, flags=re.I)
        wrong = re.fullmatch(r"(?:(?:that|it|this)(?:['\u2019]s| is| was)\s+)?(?:the\s+)?wrong\s+(?:side|eye|laterality)"
                             r"(?:\s*[,;:.!-]+\s*(?P<rest>.+))?", text, re.I)
        if wrong and not wrong.group("rest"):
            return Edit("modify", flip=True, case_side=True)  # "wrong eye": the case's findings, the other side
        if wrong:  # "wrong eye, it's the right": the case's findings, on the side said
            side = self.attributes(self.expand(wrong.group("rest"))).laterality
            rest = set(_words(wrong.group("rest"))) - _FILLER - set(_LATERALITY) - _SIDE_WORDS - {"on", "in"}
            if side in ("left", "right") and not rest:
                return Edit("modify", attrs=Attributes(laterality=side), case_side=True)
            inner = self._read(wrong.group("rest"))  # "wrong side, it's the left cheek": the place's side
            if inner is not None and inner.kind == "statement" and (inner.subject or inner.case_side) \
                    and side in ("left", "right") \
                    and inner.attrs == Attributes(laterality=side):
                return inner
            return None  # "wrong side, it's small": which change is meant is not guessed
        if m := _REMOVE.match(text):
            x = _ABOUT.sub("", m.group("x"))
            if imp := _FROM_IMPRESSION.search(x):  # "remove the cyst from the impression": the impression only
                x = x[:imp.start()]
                return Edit("unimpress", subject=self.subject_words(self.expand(x)), attrs=self.attributes(self.expand(x)))
            return Edit("remove", subject=self.subject_words(self.expand(x)), attrs=self.attributes(self.expand(x)))
        if (moved := self._move(text)) is not None:
            x, region = moved
            if region == "impression":
                return Edit("impression", text=x)
            x = _ABOUT.sub("", x)
            return Edit("move", subject=self.subject_words(self.expand(x)), region=region)
        if (m := _BELONGS.match(text)) and self.resolve_region(m.group("r")) not in (None, "impression"):
            x = _ABOUT.sub("", m.group("x"))  # "the hernia belongs in upper abdomen"
            return Edit("move", subject=self.subject_words(self.expand(x)), region=self.resolve_region(m.group("r")))
        if m and re.search(r"\b(?:belongs?|goes|go)\s+(?:in|into|under)\b", text, re.I) \
                and self.resolve_region(m.group("r")) is None:
            return None  # "the hernia goes under <no region of this template>": a move, never a finding to write
        if m := _FROM_TO.match(text):  # "change the effusion from right to left"
            subject = self.subject_words(self.expand(m.group("x")))
            attrs = self.attributes(self.expand(m.group("b")))
            if attrs.any():
                return Edit("modify", subject=subject, attrs=attrs)
            a, b = m.group("a").strip(), m.group("b").strip()
            return Edit("modify", subject=subject, swap=(a.lower(), b))
        if (m := _REPLACE.match(text)) and not _SWAP.match(text):  # "replace moderate with small"
            a, b = (x.strip().strip("'\"\u2018\u2019\u201c\u201d") for x in (m.group("a"), m.group("b")))
            return Edit("modify", subject=tuple(w for w in self.subject_words(self.expand(a))), swap=(a.lower(), b))
        if m := _SWAP.match(text):
            return Edit("modify", subject=self.subject_words(self.expand(m.group("x"))),
                        swap=(m.group("a").lower(), m.group("b")))
        if m := _ADD.match(text):
            s = self.expand(re.sub(r"^(?:an?|some)\s+", "", m.group("s"), flags=re.I))
            return Edit("add", text=s, subject=self.subject_words(s), attrs=self.attributes(s), also=True)
        if m := _SAY.match(text):
            text = m.group("s")
        elif (m := _SET.match(text)) and not re.search(r"\b(?:is|are|was|were)\b", text, re.I):
            x, v = m.group("x"), m.group("v")
            if v is None and (neg_v := re.search(r"\s+(?=not\s+\w+$)", x)) \
                    and _NEGATED_VALUE.match(x[neg_v.end() - 1:]):
                x, v = x[:neg_v.start()], x[neg_v.end():]  # "make the LVI not identified": "... to not identified"
            if v is None:  # "make the effusion small": the value is the attribute words, or the last word
                attrs = self.attributes(self.expand(x))
                words = _words(x)
                if re.match(r"(?:swap|switch|flip)\b", text, re.I) and {"side", "sides", "eye", "eyes", "laterality"} & set(words):
                    # "swap the side of the infarct": the other side
                    subject = tuple(w for w in self.subject_words(self.expand(x)) if w not in ("eye", "eyes", "laterality"))
                    return Edit("modify", subject=subject, flip=True)
                value = () if attrs.any() or len(words) < 2 else (words[-1],)
                subject = self.subject_words(self.expand(" ".join(words[:-1]) if value else x))
                said = f"{x.rsplit(None, 1)[0]} is {words[-1]}" if attrs.polarity and len(words) > 1 else ""
                return Edit("modify", text=said, subject=subject, attrs=attrs, words=value,
                            predicate=words[-1] if said else "")
            v = _cut_not_tail(v)[0]
            attrs = self.attributes(self.expand(v))
            value = () if attrs.any() else tuple(_words(v))
            subject = self.subject_words(self.expand(x))
            state = re.fullmatch(r"[a-z]+ed", x.strip(), re.I)  # "change enlarged to normal"
            only_polarity = attrs.polarity and not (attrs.laterality or attrs.severity or attrs.size or attrs.temporal
                                                    or attrs.number)
            if (not attrs.any() or (state and only_polarity)) \
                    and not re.match(r"(?:the|a|an|this|that|these|those|its?)\b", x, re.I) \
                    and not self.attributes(self.expand(x)).any() and self.resolve_region(x) is None \
                    and (not self.names_finding(x) or self.names_finding(v)) \
                    and re.match(r"(?:change|replace|switch|swap|correct|update)\b", text, re.I):
                # "change papule to nodule", "change solid to part solid": one wording of the draft for another
                return Edit("modify", subject=subject, swap=(x.strip().lower(), v.strip()))
            case_side = bool(attrs.laterality and subject and set(subject) <= _SIDE_WORDS)
            if attrs.laterality:  # "change the eye to right": the side of the main finding
                subject = tuple(w for w in subject if w not in _SIDE_WORDS)
            return Edit("modify", text=f"{x} is {v}", subject=subject, attrs=attrs, words=value, predicate=v,
                        case_side=case_side)
        # a statement
        if _MOVE_HEAD.match(text) and not _NOUN_HEAD.match(text):
            return None  # a move the form above could not read ("put X in <no region>"): never a finding to write
        m = _UNKNOWN_VERB.match(text)
        if m and m.group("v").lower() not in _NOT_VERBS and not self.names_finding(m.group("v")) \
                and not self.attributes(m.group("v")).any() and m.group("v").lower() not in self.severity:
            return None  # "scratch the atrophy" with an unknown verb: not a finding to append
        text = re.sub(r"\b(it|that|this|what)['\u2019]s\b", r"\1 is", text, flags=re.I)
        text = re.sub(r"\b(they|these|those)['\u2019]re\b", r"\1 are", text, flags=re.I)
        text, old = _cut_not_tail(text)
        text = re.sub(r"\s+(?:too|as well)$", " also", text, flags=re.I).strip()
        text = re.sub(r"^([\w' -]{1,30}?)\s*:\s+(?=\S)", r"\1 is ", text)  # "colour: dark brown"
        neg = re.match(r"^(?:(?P<x>(?:[\w-]+\s+){0,4}?)(?:is|are|was|were)\s+)?not\s+(?P<y>[\w -]+)$", text, re.I)
        if neg and (_PERSON.search(neg.group("x") or "") or set(_words(neg.group("y"))) & _NOT_A_FINDING):
            return None  # "the patient is not diabetic", "not sure", "not yet": nothing of the draft is denied
        if neg and not _NEGATED_VALUE.match(" not " + neg.group("y")):
            y = self.expand(neg.group("y"))
            if self.subject_words(y) and not self.attributes(y).any():
                # "it's not ulcerated", "the nodule is not calcified": the finding named is denied
                of = tuple(w for w in self.subject_words(self.expand(neg.group("x") or "")) if w not in _ANAPHORA)
                return Edit("remove", text=neg.group("y").strip(), subject=self.subject_words(y), deny=True, of=of)
        said = re.split(r"\b(?:is|are|was|were)\b", text, flags=re.I)[-1].strip()  # "pathology is ductal not lobular"
        said = re.sub(r"^(?:an?\s+|the\s+)", "", said, flags=re.I)
        if old and said and not self.attributes(self.expand(old)).any() and not self.attributes(self.expand(said)).any() \
                and len(said.split()) <= 4:
            # "it's a macule, not a papule": the draft's wording ("papule") is replaced by the new one
            return Edit("modify", subject=self.subject_words(self.expand(old)), swap=(old.lower(), said.strip()))
        if old and said and (moved := self._place_correction(text, old, said)) is not None:
            return moved
        also = bool(re.search(r"\balso\b", text, re.I))
        negated_there = re.match(r"^there(?:\s+is|\s+are|'s|\u2019s)\s+no\b", text, re.I)
        body = self.expand(_THERE_ALSO.sub("", text))
        body = re.sub(r"\s+also\b", "", body, flags=re.I)
        body = re.sub(r"\b(?:should|must)\s+(?:be|read|say)\b|\bneeds\s+to\s+be\b", "is", body, flags=re.I)
        # "SCP density is fine", "the disc looks ok": the report says "normal"
        spoken = re.search(r"(?<=\s)(?:(?:is|are|looks?|appears?|seems?)\s+)(?:" + "|".join(_NORMAL_SPOKEN) + r")\s*$",
                           body, re.I)
        if spoken and not self.names_finding(body[:spoken.start()]):  # "the effusion is fine" is no normal effusion
            body = body[:spoken.start()] + "is normal"
        attrs = self.attributes(body)
        subject = self.subject_words(body)
        m = re.match(r"^(?P<x>.*?)\b" + _COPULA + r"(?:\s+(?:now|actually|really))?\b\s*(?P<v>.*)$", body, re.I)
        value: tuple[str, ...] = ()
        predicate = ""
        if m and m.group("x").strip():
            predicate = m.group("v")
            subject = self.subject_words(m.group("x"), sized=bool(attrs.size)) or subject  # "DCP density is reduced"
            v_attrs = self.attributes(predicate)
            if not v_attrs.any():
                value = tuple(w for w in _words(predicate) if w not in _FILLER)
        case_side = bool(attrs.laterality and subject and set(subject) <= _SIDE_WORDS) \
            or self._names_case(body, subject, attrs)
        if case_side:  # "the eye should be OS", "the side is left": the side of the case's findings
            subject = ()
        statement = re.sub(r"^(?:it|that|this|they|these|those)(?:'s| is| was| are| were)\s+", "", body, flags=re.I)
        statement = re.sub(r"^(?:a|an)\s+", "", statement, flags=re.I)
        statement = re.sub(r"\b(is|are|was|were)\s+(?:now|actually|really)\s+", r"\1 ", statement, flags=re.I)
        statement = re.sub(r"^(?:there(?:\s+is|\s+are|'s|\u2019s)\s+)(no\b)", r"\1", statement, flags=re.I)
        return Edit("statement", text=statement, subject=subject, attrs=attrs, words=value, also=also
                    or bool(_THERE_ALSO.match(text) and not negated_there), predicate=predicate, case_side=case_side)

    def _place_correction(self, text: str, old: str, said: str) -> Edit | None:
        """"the consolidation is lingular, not LLL", "the nodule is in the RUL, not the LLL": the place the draft
        states (written out: "left lower lobe") is replaced by the one said, in the finding named; None when the
        old words are no place written out as a phrase (sizes and grades have their own forms)."""
        said = re.sub(r"^(?:in|at|on|within|involving)\s+(?:the\s+)?", "", said.strip(), flags=re.I)
        words = said.split()
        for i in range(1, len(words)):  # "nodule RML not RLL" (no verb): the place is what follows the name
            if self.names_finding(" ".join(words[:i])) and not self.names_finding(" ".join(words[i:])):
                said = re.sub(r"^(?:in|at|on|within|involving)\s+(?:the\s+)?", "", " ".join(words[i:]), flags=re.I)
                break
        old_x = self.expand(old).strip()
        if re.search(r"\d", old + said) or len(old_x.split()) < 2 or len(said.split()) > 4:
            return None
        head = re.split(r"\b(?:is|are|was|were)\b", text, flags=re.I)[0]
        subject = tuple(w for w in self.subject_words(self.expand(head)) if w not in _ANAPHORA)
        if not subject or not self.names_finding(self.expand(head)):
            return None
        return Edit("modify", subject=subject, swap=(old_x.lower(), self.expand(said)))

    # -- finding the same finding ------------------------------------------------------------

    def concepts_of(self, text: str) -> set[str]:
        found = {m.concept for m in self.extractor.extract(text) if m.kind in ("finding", "device")}
        return found | core_concepts(text, self.lexicon.check_concepts)

    def score(self, edit: Edit, f: Finding, draft: Draft) -> float:
        if not edit.subject:
            return 0.0
        text = self.expand(f.text)
        fwords = _stems(text)
        rwords = {_stem(w) for w in _words(f.region.replace("_", " ") + " " + draft.region_labels.get(f.region, ""))}
        subj = _specific(edit.subject)
        s = float(len(subj & fwords)) + 1.5 * len(subj & rwords)
        if len(subj) > 1 and subj <= fwords:
            s += 1.0  # a sentence that says the whole name ("Perineural invasion not identified.") outranks one
            # that shares a word of it with its region's label ("Lymphovascular invasion ..." under "Lymphovascular invasion")
        if s and self.concepts_of(" ".join(edit.subject)) & self.concepts_of(text):
            s += 2.0
        elif not s and not f.is_default and self.concepts_of(" ".join(edit.subject)) & self.concepts_of(text):
            # (a template sentence shares only umbrella concepts: "eye findings"); a sentence that shares only a
            # concept ranks below one that says the word ("remove the dropout": "Capillary dropout ...", never
            # "Reduced SCP density ..." through a shared density concept)
            s = 0.9
        return s

    def targets(self, edit: Edit, draft: Draft) -> list[Finding]:
        """The findings the edit is about (see :meth:`find`)."""
        return self.find(edit, draft)[0]

    def find(self, edit: Edit, draft: Draft) -> tuple[list[Finding], str]:
        """``(findings, how)``: the findings the edit is about, best-scoring first (one of identical
        sentences), and how they were found: ``"text"`` (their words or finding concepts), ``"region"``
        (only their region's name or label), ``"attribute"`` (a message that names no finding of the
        draft, "it measures 6 mm", "actually it's the left breast": the finding that states the
        attribute it changes), or ``""`` (none)."""
        if edit.swap and not edit.subject:  # "replace moderate with small": the one sentence that says it
            having = [f for f in draft.findings if not f.is_default and re.search(
                r"(?<![\w-])" + re.escape(edit.swap[0]) + r"(?![\w-])", f.text, re.I)]
            return (having, "text") if len(having) == 1 else ([], "")
        opposite = [f for f in draft.findings if any(_antonyms(w, h) for w in edit.words for h in _words(f.text))]
        if not edit.subject and len({f.text for f in opposite}) == 1:
            return opposite[:1], "text"  # "make it macula-off" for "... macula-on ...": the one sentence saying it
        if not edit.subject:  # "no, it's the left side", "it measures 6 mm": the main finding
            found = self._by_attribute(edit, draft, anaphora=True)
            return found, "attribute" if found else ""
        # "the lesion is symmetric": the sentence that says the opposite ("Asymmetric.") is the one to change
        opposite = [f for f in draft.findings if any(_antonyms(w, h) for w in edit.words for h in _words(f.text))]
        if opposite:
            return opposite[:1], "text"
        scored = [(self.score(edit, f, draft), i, f) for i, f in enumerate(draft.findings)]
        scored = [x for x in scored if x[0] > 0]
        if any(not f.is_default and self._named(edit, f) for _, _, f in scored):
            # a finding the message names by its words, never a template sentence only its region's name shares
            # ("remove the vessel disease": "Mild small vessel disease.", not "The major ... flow voids ...")
            scored = [x for x in scored if not x[2].is_default or self._named(edit, x[2])]
        if not scored:
            return self._fallback(edit, draft)
        best = max(s for s, _, _ in scored)
        out, seen = [], set()
        for s, _, f in scored:
            if s == best and f.text.lower() not in seen:
                seen.add(f.text.lower())
                out.append(f)
        # prefer non-default findings over template defaults that merely share a word
        out = [f for f in out if not f.is_default] or out
        # of several, the ones that state the attribute the edit changes ("the plaque is on the left
        # shin": "Right shin.", not "Plaque.")
        kind = _attribute_kind(edit.attrs)
        if kind and len(out) > 1:
            out = [f for f in out if self.has_slot(f.text, kind)] or out
        if kind and not any(self.has_slot(f.text, kind) for f in out):
            # "the macule is on the right forearm": the sentence that states the side and names the place
            said = {_stem(w) for w in _words(self.expand(edit.predicate))} - {_stem(w) for w in _FILLER}
            # (a place's words: never a number, a unit, a side or a severity, which any sentence may share)
            said = {w for w in said if not _NUMBER.fullmatch(w) and w not in _LATERALITY and w not in self.severity
                    and w not in ("mm", "cm") and w not in _SIDE_WORDS and w not in ("eye", "both")}
            placed = [f for f in draft.findings if not f.is_default and self.has_slot(f.text, kind)
                      and said & {_stem(w) for w in _words(self.expand(f.text))}]
            if placed:
                return placed[:1], "text"
        if kind in _ATTRIBUTE_REGION and not any(self.has_slot(f.text, kind) for f in out) \
                and any(self._named(edit, f) for f in out) and self.names_finding(" ".join(edit.subject)):
            # "the carcinoma is 2.3 cm" where the template keeps sizes in a region of their own
            own = self._by_attribute(edit, draft, anaphora=False, own_region=True)
            if own:
                return own, "attribute"
        how = "text" if any(self._named(edit, f) for f in out) else "region"
        if how == "region":
            found, via = self._fallback(edit, draft)
            if found:
                return found, via
        return out, how

    def _named(self, edit: Edit, f: Finding) -> bool:
        """Whether the edit's subject names ``f`` by its words or a finding concept (not only its region)."""
        subj = _specific(edit.subject)
        if subj & _stems(self.expand(f.text)):
            return True
        return bool(self.concepts_of(" ".join(edit.subject)) & self.concepts_of(self.expand(f.text)))

    def _fallback(self, edit: Edit, draft: Draft) -> tuple[list[Finding], str]:
        """No finding is named: a message about "it" / "the tumour", or one naming no finding
        ("it's the left breast"), changes the finding that states its attribute."""
        if not edit.attrs.any() or edit.also:
            return [], ""
        subject = [w for w in edit.subject if w not in _ANAPHORA]
        if not subject:
            found = self._by_attribute(edit, draft, anaphora=True)
        elif all(_stem(w) in self.specimen for w in subject):  # "the left breast": the case's own value
            found = self._by_attribute(edit, draft, anaphora=False)
        else:  # "she is left handed", "the photo is 2 cm off": about nothing of the draft
            found = []
        return found, "attribute" if found else ""

    def has_slot(self, text: str, kind: str) -> bool:
        """Whether ``text`` states an attribute of ``kind`` (size, laterality, severity, temporal, number)."""
        if kind == "size":
            return bool(_SIZE.search(text))
        if kind == "laterality":
            return _has_side(text)
        if kind == "severity":
            return bool(self.attribute_words(text, self.severity))
        if kind == "temporal":
            return bool(self.attribute_words(text, _TEMPORAL))
        if kind == "number":
            return bool(_NUMBER.search(_SIZE.sub(" ", text)))
        return False

    def _by_attribute(self, edit: Edit, draft: Draft, *, anaphora: bool, own_region: bool = False) -> list[Finding]:
        """The finding stating the attribute the edit changes: in the region kept for that attribute
        ("Tumor size", "Specimen laterality") when the template has one, else the draft's first
        (main) abnormal finding that states it. Without a pronoun (``anaphora`` False) only a
        sentence that is a bare value ("3.4 cm.", "Right.") qualifies."""
        kind = "laterality" if edit.flip else _attribute_kind(edit.attrs)
        if kind is None:
            return []
        if edit.case_side and kind == "laterality":
            return self._case_side(edit, draft)
        cands = [f for f in draft.findings if not f.is_default and not f.negated and self.has_slot(f.text, kind)
                 and self.attributes(f.text).polarity != "absent"]
        if anaphora:
            cands = [f for f in cands if f.abnormal] or cands
        else:
            cands = [f for f in cands if not self.names_finding(f.text)]
        own = [f for f in cands if _ATTRIBUTE_REGION.get(kind) and _ATTRIBUTE_REGION[kind] & {
            _stem(w) for w in _words(f.region.replace("_", " ") + " " + draft.region_labels.get(f.region, ""))}]
        cands = own if own or own_region else cands
        if kind == "number" and " of " in (edit.attrs.number or ""):  # "actually 2/3": the sentence with a count
            cands = [f for f in cands if _COUNT.search(f.text)]
        if kind == "laterality":  # the one that says another side, with the sentences of its region on that side
            cands = [f for f in cands if edit.flip or self.attributes(f.text).laterality != edit.attrs.laterality] or cands
            if cands and anaphora:
                side = self.attributes(cands[0].text).laterality
                return [f for f in cands if f.region == cands[0].region and self.attributes(f.text).laterality == side]
        return cands[:1]


    def _case_side(self, edit: Edit, draft: Draft) -> list[Finding]:
        """"the eye should be OS": the abnormal findings stating the other side (the sentences stating it
        when none is abnormal); with a template's own laterality region (the specimen's side), every sentence
        stating that side; none (nothing is guessed) when the draft's findings state both sides, or the
        message asks for both."""
        new = edit.attrs.laterality
        other = {"left": "right", "right": "left"}.get(new or "")
        stated = [f for f in draft.findings if not f.is_default and not f.negated
                  and self.attributes(f.text).laterality not in (None, "bilateral")]
        # the abnormal findings' side ("OD: hemes. OS normal."): a normal statement keeps its side
        pool = [f for f in stated if f.abnormal] or stated
        if edit.flip:  # "wrong eye": the findings' one side, whichever it is, goes to the other
            sides = {self.attributes(f.text).laterality for f in pool}
            other = next(iter(sides)) if len(sides) == 1 else None
        if other is None or {self.attributes(f.text).laterality for f in pool} != {other}:
            return []
        own = [f for f in pool if _ATTRIBUTE_REGION["laterality"] & {
            _stem(w) for w in _words(f.region.replace("_", " ") + " " + draft.region_labels.get(f.region, ""))}]
        if own:  # the specimen's side ("Specimen laterality: Left."): every sentence naming that side says it
            # ("Left breast mastectomy.", "Left breast, upper outer quadrant."), so all of them follow
            return [f for f in stated if self.attributes(f.text).laterality == other]
        return pool


def _attribute_kind(a: Attributes) -> str | None:
    """The attribute a message changes, the most specific first."""
    for kind in ("size", "laterality", "severity", "temporal", "number"):
        if getattr(a, kind):
            return kind
    return None


#: Region words of a template region kept for one attribute ("Tumor size", "Specimen laterality").
_ATTRIBUTE_REGION = {"size": {_stem("size")}, "laterality": {_stem("laterality"), _stem("side")}}


def _antonyms(a: str, b: str) -> bool:
    """"irregular"/"regular", "asymmetric"/"symmetric"/"symmetrical", "nonspecific"/"specific"."""
    a, b = (w[:-2] if w.endswith("ical") else w for w in (a.lower(), b.lower()))  # "symmetrical" = "symmetric"
    # "macula-on"/"macula-off", "HER2-positive"/"HER2-negative": one head, opposite states after a hyphen
    pair = re.fullmatch(r"(.+)-(on|off|positive|negative|in|out)", a), re.fullmatch(r"(.+)-(on|off|positive|negative|in|out)", b)
    if pair[0] and pair[1] and pair[0].group(1) == pair[1].group(1):
        return {pair[0].group(2), pair[1].group(2)} in ({"on", "off"}, {"positive", "negative"}, {"in", "out"})
    return a != b and any(a == p + b or b == p + a for p in _ANTONYM_PREFIXES)


def _cut_not_tail(text: str) -> tuple[str, str]:
    """``(text, old)``: a correction tail cut off ("the infarct is subacute, not acute" -> ("the infarct is
    subacute", "acute")); a negated value ("LVI is not identified") or predicate ("it is not ulcerated",
    "not ulcerated") is no tail and stays."""
    m = _NOT_TAIL.search(text)
    if not m:
        return text, ""
    head = text[:m.start()].rstrip()
    if _NEGATED_VALUE.match(text[m.start():]) or not head or re.search(
            r"(?:\b(?:is|are|was|were|be|been|as|to|should|must|does|do|did|has|have|can|could|would|will)|['\u2019]s)$",
            head, re.I):
        return text, ""
    return head, m.group("old").strip()


def _severity_form(new: str, old: str, scale: tuple[str, ...]) -> str:
    """``new`` in the form of the word it replaces: "mildly" where the draft said "moderately", "mild" where it
    said "moderate" ("Mild cardiomegaly.", never "Mildly cardiomegaly.")."""
    if old.lower().endswith("ly") and not new.endswith("ly"):
        adverb = (new[:-1] if new.endswith("e") and new[:-1] + "ly" in scale else new) + "ly"
        return adverb if adverb in scale or new + "ly" in scale else new
    if new.endswith("ly") and not old.lower().endswith("ly"):
        for base in (new[:-2], new[:-2] + "e"):
            if base in scale:
                return base
    return new


#: Words a run of modifiers before a finding's name never crosses ("with vasogenic oedema": "with").
_NOT_MODIFIERS = frozenset("with without and or of in at on the a an no is are was were to from by for than x "
                           "mm cm measuring measures".split())


def _modifiers_start(text: str, at: int) -> int:
    """Where the modifiers before the word at ``at`` start ("Left pleural effusion": 0; "... with vasogenic
    oedema": at "vasogenic"), so a severity or a side said for the finding is written before them, in the
    order reports use ("Small left pleural effusion.", "with mild vasogenic oedema")."""
    start = at
    for m in reversed(list(re.finditer(r"[A-Za-z][A-Za-z-]*", text[:at]))):
        between = text[m.end():start]
        if between.strip() or m.group().lower() in _NOT_MODIFIERS:
            break
        start = m.start()
    return start


def _has_side(text: str) -> bool:
    return bool(re.search(r"\b(?:left|right|bilateral|OD|OS|OU)\b|\bboth (?:eyes|sides)\b", text, re.I))


# --- applying ----------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    return (upper_first(text) + ".") if text else ""


def _sub_word(text: str, old: str, new: str) -> str:
    def repl(m: re.Match[str]) -> str:
        w = m.group()
        if w.isupper() and len(w) > 1:
            return new.upper()
        return new[:1].upper() + new[1:] if w[:1].isupper() else new
    return re.sub(r"(?<![\w-])" + re.escape(old) + r"(?![\w-])", repl, text, flags=re.I)


def _find_word(text: str, word: str) -> re.Match[str] | None:
    """The first word of ``text`` that is ``word`` in any spelling or inflection ("haemorrhages" for
    "hemorrhage", "ulcerated" for "ulceration"), or None."""
    stem = _stem(word)
    for token in (r"[A-Za-z0-9][A-Za-z0-9+%-]*", r"[A-Za-z0-9][A-Za-z0-9+%]*"):  # "cup-to-disc"; "right" of "right-sided"
        m = next((m for m in re.finditer(token, text) if _stem(m.group()) == stem), None)
        if m:
            return m
    return re.search(r"(?<![\w-])" + re.escape(word), text, re.I)


def _unit_after(text: str, number: str) -> str | None:
    """The unit said right after ``number`` in ``text`` ("6 HU" -> "HU", "1.8 cm" -> "cm"), None when none is."""
    m = re.search(r"(?<![\w.])" + re.escape(number) + r"\s*(%|[A-Za-z\u00b5]{1,10}\b)", text)
    return m.group(1) if m and m.group(1).lower() in _MEASURE_UNITS else None


#: Units of a measure ("6 HU", "1.8 cm", "45 mmHg"): a number said in one never replaces a number in another.
_MEASURE_UNITS = frozenset("mm cm m % hu ml cc mmhg degrees deg bpm suv g kg mg dd um \u00b5m microns".split())


def modify_text(reader: EditReader, edit: Edit, text: str) -> str:
    """``text`` with the edit's attribute values written in place of the ones it states."""
    out = text
    a = edit.attrs
    if edit.swap:
        old, new = edit.swap
        follow = re.search(r"(?<![\w-])" + re.escape(old) + r"(?![\w-])\s+([\w-]+)", out, re.I)
        if follow and len(new.split()) > 1 and new.split()[-1].lower() == follow.group(1).lower():
            new = new.rsplit(None, 1)[0]  # "R PCA territory, not L MCA": "right PCA territory", never "territory territory"
        return _sub_word(out, old, new)
    head = next((w for w in edit.subject if _find_word(out, w)), None)
    moved = _anatomy_swap(reader, edit, out)
    if moved is not None:
        out = moved

    def insert_before_head(word: str) -> str:
        at = 0
        if head:
            m = _find_word(out, head)
            at = _modifiers_start(out, m.start()) if m else 0
        if at == 0:
            first = out.split(None, 1)[0] if out.strip() else ""
            kept = out if any(c.isupper() for c in first[1:]) else out[:1].lower() + out[1:]  # "FAZ", "MCA" stay
            return word[:1].upper() + word[1:] + " " + kept
        return out[:at] + word + " " + out[at:]

    if edit.flip:
        return re.sub(r"\b(?:left|right|OD|OS|lt|rt)\b",
                      lambda m: _sub_word(m.group(), m.group(), _MIRROR[m.group().lower()]), out, flags=re.I)
    if a.laterality == "bilateral" and re.search(r"\bthe (?:right|left) eye\b", out, re.I):
        out = re.sub(r"\bthe (?:right|left) eye\b", "both eyes", out, flags=re.I)  # not "the bilateral eye"
    elif a.laterality:
        sides = [w for w in re.findall(r"\b(?:left|right|bilateral|OD|OS|OU|lt|rt)\b", out, re.I)]
        both = re.search(r"\bboth (eyes|sides)\b", out, re.I)
        if both and a.laterality in ("left", "right"):  # "in both eyes" -> "in the right eye"
            out = out[:both.start()] + f"the {a.laterality} {both.group(1)[:-1]}" + out[both.end():]
        elif sides:
            for w in dict.fromkeys(s.lower() for s in sides):
                if _LATERALITY.get(w, w) != a.laterality:
                    target = a.laterality if w in ("left", "right", "bilateral", "lt", "rt") else \
                        {"right": "OD", "left": "OS", "bilateral": "OU"}[a.laterality]
                    out = _sub_word(out, w, target)
        else:
            out = insert_before_head(a.laterality)
    if a.severity:
        have = reader.attribute_words(out, reader.severity)
        rng = reader.severity_range(out)
        if rng and (m := re.search(r"\b" + re.escape(rng.split()[0]) + r"\s*(?:to|-|/|\u2013)\s*"
                                   + re.escape(rng.split()[-1]) + r"\b", out, re.I)):
            new = a.severity if m.start() else a.severity[:1].upper() + a.severity[1:]
            out = out[:m.start()] + new + out[m.end():]  # a range said before is replaced whole
        elif have:
            out = _sub_word(out, have[0], _severity_form(a.severity, have[0], reader.severity))
        else:
            out = insert_before_head(a.severity)
    if a.temporal:
        have = reader.attribute_words(out, _TEMPORAL)
        out = _sub_word(out, have[0], a.temporal) if have else insert_before_head(a.temporal)
        out = _without_contrary_times(out, a.temporal, have[1:])
    if a.size:
        if _SIZE.search(out):
            out = _SIZE.sub(a.size, out, count=1)
        else:
            out = out.rstrip(".") + f", {a.size}."
    elif a.number and " of " in a.number:  # "2/12 positive" for "1 of 12 lymph nodes positive"
        m = _COUNT.search(out)
        if m:
            sep = out[m.end(1):m.start(2)]
            new_a, new_b = a.number.split(" of ")
            out = out[:m.start(1)] + new_a + sep + new_b + out[m.end(2):]
            value = _value_word(edit.text or edit.predicate or edit.said)
            if a.polarity == "present" and value and int(new_a) > 0 and not _VALUE_PRESENT.search(out) \
                    and not _VALUE_ABSENT.search(out):  # "0 of 3 sentinel lymph nodes." -> "1 of 3 ... positive."
                clause = re.search(r"[,;.]|\s+with\b|$", out[m.end(2):])
                at = m.end(2) + clause.start()
                out = out[:at] + " " + value + out[at:]
    elif a.number:
        # the number after the subject in its clause ("The cup-to-disc ratio is 0.4"), else the clause's only one
        at = _find_word(out, head) if head else None
        m = re.compile(r"[^,;.\d]*?(\d+(?:\.\d+)?)").match(out, at.end()) if at else None
        if m is None:
            # (a sentence's closing full stop ends its number: "RV/LV ratio 0.8.")
            nums = list(re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?)(?!\w|\.\d)", _SIZE.sub(lambda x: "#" * len(x.group()), out)))
            m = nums[0] if len(nums) == 1 else None
            sizes = list(_SIZE.finditer(out))
            if m is None and not nums and len(sizes) == 1 and re.fullmatch(r"\d+(?:\.\d+)?", sizes[0].group(1)):
                m = sizes[0]  # "size is 3.4" for "3 cm.": the number of the one size, its unit kept
        unit = _unit_after(edit.text or edit.predicate or "", a.number)
        if m and unit and _unit_after(out[m.start(1):], m.group(1)) not in (unit, None):
            # "the adrenal nodule measures 6 HU" for "nodule 1.8 cm": another measure, written beside the size
            out = out.rstrip().rstrip(".") + f", {a.number} {unit}."
        elif m:
            out = out[:m.start(1)] + a.number + out[m.end(1):]
    if a.polarity:
        value = _value_word(edit.text or edit.predicate) or ("present" if a.polarity == "present" else "absent")
        swapped = _swap_value(out, edit.subject, value)
        if swapped is not None:
            out = swapped
    for w in edit.words:
        for have in _words(out):
            if _antonyms(w, have):
                out = _sub_word(out, have, w)
                break
    return out


#: Times that contradict one another: a recent one ("acute") is never written beside an old one ("healed").
_RECENT = frozenset("acute subacute new recent".split())
_OLD = frozenset("chronic old healed remote".split())


def _without_contrary_times(text: str, new: str, others: list[str]) -> str:
    """``text`` without the time words ``others`` that contradict the time ``new`` just written ("Acute healed
    rib fracture." -> "Acute rib fracture."); "acute on chronic" (two times joined by "on") is kept."""
    contrary = _OLD if new in _RECENT else _RECENT if new in _OLD else frozenset()
    for w in dict.fromkeys(o.lower() for o in others if o.lower() in contrary):
        m = _find_word(text, w)
        if m is None or re.match(r"\s+on\b", text[m.end():]) or re.search(r"\bon\s+$", text[:m.start()]):
            continue
        cut = text[:m.start()] + text[m.end():].lstrip()
        text = upper_first(cut) if m.start() == 0 else cut
    return text


def _region_label(draft: Draft, region: str) -> str:
    return draft.region_labels.get(region, region)


def _replace(draft: Draft, old: Finding, texts: list[str], region: str, template: Template) -> list[Finding]:
    prov = editing.clinician_provenance(draft)
    new = editing.make_findings(texts, region, prov, extra_terms=template.finding_terms) if texts else []
    out: list[Finding] = []
    for f in draft.findings:
        if f.id == old.id:
            out.extend(new)
        else:
            out.append(f)
    return out


#: text -> ``[(region, sentence)]``: the specialty's own dictation reader run on a statement.
Dictate = Callable[[str], list[tuple[str, str]]]


def apply_edit(reader: EditReader, edit: Edit, draft: Draft, template: Template, sorter: RegionSorter | None,
               *, rebuild_impression: bool = True, dictate: Dictate | None = None) -> EditResult:
    """Apply ``edit`` to ``draft`` (a new Draft; ``changed`` False with the reason when nothing applies).

    :param dictate: the specialty's dictation reader; a new finding is written and placed as a
        dictated one would be (the region sorter places the raw statement when it is None or
        finds no finding in it).
    """
    if edit.kind == "impression":
        written = [t for _, t in dictate(edit.text)] if dictate is not None else []
        said = reader.expand(edit.text)
        # the dictation's wording only when it keeps every word said ("no acute cardiopulmonary process" is
        # never split into a pulmonary and a cardiac sentence in the clinician's own impression)
        item = " ".join(_sentence(t) for t in written) if written and _keeps_words(said, " ".join(written)) \
            else _sentence(said)
        rest = [i for i in draft.impression if i != item]
        # a recommendation closes the impression, after the diagnoses it follows from
        items = rest + [item] if re.match(r"(?:recommend|suggest|advise)", item, re.I) else [item] + rest
        new = draft.model_copy(update={"impression": items})
        return EditResult(new, True, f"Impression: added '{item}'", [], True)
    if edit.kind == "unimpress":
        return _unimpress(edit, draft)
    if edit.kind == "add" or (edit.kind == "statement" and edit.also):
        return _add(reader, edit, draft, template, sorter, rebuild_impression, dictate)
    edit = _spelled_as_draft(reader, edit, draft)
    listed = _field_values(reader, edit, draft, template, rebuild_impression, dictate)
    if listed is not None:  # "ER 90%, PR 60%, HER2 negative": each named value set or replaced
        return listed
    from pixtralogist.agents.chat_values import group_edit

    grouped = group_edit(reader, edit, draft, template, rebuild_impression)
    if grouped is not None:  # "no, it's lobular" for "Invasive ductal carcinoma."
        return grouped
    targets, how = reader.find(edit, draft)
    if (asked := _which_size(reader, edit, draft, how)) is not None:
        return asked  # "make it 2 mm" where several findings state a size: which one is asked, never guessed
    edit, targets = _side_selects(reader, edit, targets, draft)
    if edit.kind == "remove":
        if edit.of:  # "the granuloma is not calcified": the sentences that name both
            of = {_stem(w) for w in edit.of}
            said_of = [f for f in draft.findings if not f.is_default and of & _stems(reader.expand(f.text))
                       and {_stem(w) for w in edit.subject} & _stems(reader.expand(f.text))]
            targets = said_of or targets  # ("the nodule is not ulcerated" for "Nodule." "Ulcerated surface.")
        return _remove(reader, edit, draft, template, targets, rebuild_impression)
    if edit.kind == "move":
        if not targets:
            return EditResult(draft, False, f"No finding about '{' '.join(edit.subject)}' is in the draft; nothing was moved.")
        label = _region_label(draft, edit.region or "")
        moving = [f for f in targets if f.region != edit.region]
        if not moving:
            return EditResult(draft, False, f"'{targets[0].text}' is already in {label}; nothing was moved.")
        ids = {f.id for f in moving}
        prov = editing.clinician_provenance(draft)
        kept = [f for f in draft.findings if f.id not in ids and not (f.region == edit.region and f.is_default)]
        moved = [f.model_copy(update={"region": edit.region, "provenance": prov}) for f in moving]
        new = editing._with(draft, kept + moved, template, rebuild_impression=rebuild_impression)
        regions = sorted({f.region for f in moving} | {edit.region}, key=draft.regions.index)
        return EditResult(new, True, f"Moved to {label}: " + " ".join(f"'{f.text}'" for f in moving), regions)
    if how == "region":
        # named only by a region's name: safe to change a value the sentence states, never to write
        # an attribute into a sentence about something else ("Small the major ... flow voids ...")
        targets = [t for t in targets if not _inserts(reader, edit, t) or normal_of_region(edit, t, draft)]
    elif edit.kind == "modify" and not reader.names_finding(" ".join(edit.subject)):
        # nor into a template sentence or one about a structure rather than a finding ("make the surface moderate")
        targets = [t for t in targets if not _inserts(reader, edit, t)]
    if not targets:
        if edit.kind == "statement" and (how != "region" or reader.names_finding(edit.text)) \
                and _is_finding_statement(reader, edit, template):
            return _add(reader, edit, draft, template, sorter, rebuild_impression, dictate)
        return _region_value(reader, edit, draft, template, rebuild_impression) \
            or EditResult(draft, False, _not_matched(edit), understood=False)
    findings = list(draft.findings)
    touched: list[str] = []
    changed_any = False
    other_side: list[Finding] = []
    for t in targets:
        if edit.attrs.polarity and edit.attrs.laterality in ("left", "right") and not edit.case_side \
                and reader.attributes(t.text).laterality not in (None, edit.attrs.laterality):
            other_side.append(t)  # "the left FAZ is normal" says nothing of "Enlarged FAZ in the right eye."
            continue
        if edit.kind == "statement" and edit.attrs.size and len(_SIZE.findall(edit.text)) == 1 \
                and (resized := part_size(edit.subject, edit.attrs.size, t.text)) is not None:
            texts = [resized]  # "the solid core measures 6 mm" for "... 11 mm with 4 mm solid core." (chat_merge)
        elif edit.kind == "statement" and not edit.attrs.size and (valued := unit_value(edit.said or edit.text, t.text)):
            texts = [valued]  # "it's nearer 6 DD across" for "... ~4 DD ...": the value in the draft's unit (chat_merge)
        elif edit.kind == "statement" and not (edit.attrs.size or edit.attrs.number) \
                and (said := contradiction(reader, edit.text, t)) is not None:
            texts = said  # "both discs are swollen" for "The optic discs are flat ...": replaced (chat_merge)
        elif (split := _one_side_of_both(reader, edit, t)) is not None:
            texts = split  # "the left effusion is moderate" for "Small bilateral pleural effusions.": one per side
        elif edit.kind == "statement" and t.is_default:
            texts = [_sentence(edit.text)]
        elif edit.kind == "statement" and (named := _direction_added(edit.predicate or edit.text, t.text)) is not None:
            # "the closest margin is medial" for "Margins negative. Nearest margin 2 mm.": the name written beside
            # the distance, the rest kept (a size said with it replaces the distance)
            texts = [_SIZE.sub(edit.attrs.size, named, count=1) if edit.attrs.size else named]
        elif edit.kind == "statement" and _conflicts(reader, edit, t):
            texts = [_restate(reader, edit, t)]
        elif edit.kind == "statement" and (placed := _reposition(reader, edit, t)) is not None:
            texts = [placed]  # "the ETT tip is 5 cm above the carina" for "Endotracheal tube 2 cm above carina."
        elif edit.kind == "statement" and _position_swap(edit.predicate or edit.text, t.text) is not None:
            texts = [_sentence(modify_text(reader, edit, t.text))]  # "it's on the lower back" for "Upper back."
        elif edit.kind == "statement" and (elsewhere := _predicate_elsewhere(edit, t, draft, sorter)) is not None:
            # "the plaques are lichenified" for "Plaques.": the surface's word goes to the Surface region
            there, texts_there = elsewhere
            current = draft.model_copy(update={"findings": findings})
            findings = _replace(current, there, texts_there, there.region, template)
            touched.append(there.region)
            changed_any = True
            continue
        elif edit.kind == "statement" and how != "attribute" and _novel(reader, edit, t, draft) \
                and not _changes_in_place(reader, edit, t, draft):
            texts = [t.text, _sentence(edit.text)]
        elif edit.kind == "statement" and _describes(reader, edit, t):
            texts = [t.text, _sentence(edit.text)]  # "the top two sternal wires are broken" for "Sternotomy wires."
        elif edit.kind == "statement" and _inserts(reader, edit, t) and (t.is_default or not reader.names_finding(
                " ".join(edit.subject))):
            continue  # "the surface is moderate": an attribute for a structure, not a finding: not guessed
        else:
            texts = [_sentence(modify_text(reader, edit, t.text))]
            if texts == [t.text] and edit.kind == "modify" and edit.attrs.polarity and edit.text \
                    and _conflicts(reader, edit, t):  # "make the FAZ normal" for "The FAZ is enlarged."
                texts = [_restate(reader, edit, t)]
        if texts == [t.text]:
            continue
        current = draft.model_copy(update={"findings": findings})
        findings = _replace(current, t, texts, t.region, template)
        touched.append(t.region)
        changed_any = True
    if not changed_any and other_side and len(other_side) == len(targets):
        return EditResult(draft, False, f"The draft states this on the other side ('{other_side[0].text}'), not on the "
                          f"{edit.attrs.laterality}; nothing was changed.")
    if not changed_any:
        if any(_inserts(reader, edit, t) for t in targets):
            return _region_value(reader, edit, draft, template, rebuild_impression) \
                or EditResult(draft, False, _not_matched(edit), understood=False)
        return EditResult(draft, False, f"The draft already says '{targets[0].text}'; nothing was changed.")
    new = editing._with(draft, findings, template, rebuild_impression=rebuild_impression)
    regions = sorted(set(touched), key=draft.regions.index)
    return EditResult(new, True, "Changed " + ", ".join(_region_label(draft, r) for r in regions) + ".", regions)


def _predicate_elsewhere(edit: Edit, t: Finding, draft: Draft, sorter: RegionSorter | None
                         ) -> tuple[Finding, list[str]] | None:
    """A predicate the region sorter places wholly in another region of the template than the finding's ("the
    plaques are lichenified": Surface, not Morphology): ``(finding, texts)`` of that region (its template default
    replaced, or its last sentence followed by the new one); None for a value of the finding itself (a side, a size,
    a severity, a number, a time), a predicate of more than three words, or one the sorter places with the finding,
    in several regions or in its catch-all region."""
    a = edit.attrs
    pred = (edit.predicate or "").strip()
    if sorter is None or not pred or len(pred.split()) > 3 or edit.also or edit.swap or edit.deny \
            or a.laterality or a.size or a.number or a.severity or a.temporal or a.polarity:
        return None
    if _stems(pred) & _stems(t.text) or any(_antonyms(w, h) for w in _words(pred) for h in _words(t.text)):
        return None  # "the detachment is macula-on" for "... macula-off ...": a state of the finding's own sentence
    placed = {r: x for r, x in sorter.sort(pred).items() if x and x.strip()}
    catch_all = getattr(sorter, "catch_all", None) or "others"
    if len(placed) != 1:
        return None
    region, text = next(iter(placed.items()))
    if region in (t.region, catch_all) or region not in draft.regions:
        return None
    here = [f for f in draft.findings if f.region == region]
    if not here:
        return None
    if all(f.is_default for f in here):
        return here[0], [text]
    if any(text.lower().rstrip(".") in f.text.lower() for f in here):
        return None  # already said there
    return here[-1], [here[-1].text, text]


def _one_side_of_both(reader: EditReader, edit: Edit, t: Finding) -> list[str] | None:
    """A value said for one side of a sentence said of both ("moderate on the left" for "Small bilateral pleural
    effusions.", "CDR 0.6 OS" for "CDR 0.4 OU"): that sentence for the other side, then the edited one for the side
    said; None when the edit gives no value besides its side or the sentence names no both sides."""
    from pixtralogist.agents.chat_values import per_side

    a = edit.attrs
    if edit.kind not in ("statement", "modify") or edit.case_side or edit.flip or edit.swap \
            or a.laterality not in ("left", "right") or not (a.severity or a.size or a.number or a.temporal):
        return None
    mine = per_side(t.text, a.laterality)
    other = per_side(t.text, "right" if a.laterality == "left" else "left")
    if mine is None or other is None:
        return None
    edited = _sentence(modify_text(reader, replace(edit, attrs=replace(a, laterality=None)), mine))
    return None if edited == mine else [other, edited]


#: One value of a list of named values ("ER 90%", "HER2 negative", "Ki-67: 20%", "HER2 2+ equivocal"): a short name,
#: then a number, a score or a result word.
_FIELD = re.compile(r"^(?P<n>[A-Za-z][A-Za-z0-9/-]{0,7})\s*(?:(?:is|was|=|:)\s*)?(?P<v>(?:<|>|~)?\d[\w.%+/-]*(?:\s+\S+){0,3}"
                    r"|(?:positive|negative|pos|neg|equivocal|amplified|not\s+amplified|low|high|intermediate|"
                    r"present|absent|weak|strong|focal|[0-3]\+)(?:\s+\S+){0,2})$", re.I)


def _field_values(reader: EditReader, edit: Edit, draft: Draft, template: Template, rebuild: bool,
                  dictate: Dictate | None) -> EditResult | None:
    """A list of named values ("ER 90%, PR 60%, HER2 negative"; "Ki-67 20%, HER2 1+"): each value whose name
    a draft sentence of the region the specialty's reader places the list in already gives is replaced there
    ("ER positive, PR positive, HER2 negative." -> "ER 90%, PR 60%, HER2 negative."), the others are added to
    that sentence; with no such sentence the list is written as dictated. None when the message is no such
    list (two values at least, each a short name and a number or result word, all placed in one region)."""
    if edit.kind != "statement" or edit.also or dictate is None:
        return None
    said = re.sub(r"^(?:the\s+)?(?:receptors?|receptor status|markers?|biomarkers?|stains?)\s*(?:are|is|:)\s*", "",
                  edit.said.strip().rstrip("."), flags=re.I)
    parts = [p.strip() for p in re.split(r"\s*[,;]\s*|\s+and\s+", said) if p.strip()]
    fields = [_FIELD.match(p) for p in parts]
    if len(parts) < 2 or not all(fields) or any(m.group("n").lower() in _FILLER for m in fields):
        return None
    placed = [(r, t) for r, t in dictate(said) if r in draft.regions]
    if not placed or len({r for r, _ in placed}) != 1:
        return None
    region = placed[0][0]
    new = {m.group("n").lower(): p for m, p in zip(fields, parts)}
    name_of = lambda piece: (piece.split() or [""])[0].rstrip(":").lower()  # noqa: E731
    for f in draft.findings:
        if f.region != region or f.is_default:
            continue
        sentences = split_sentences(f.text)
        out, hit = [], False
        for sent in sentences:
            pieces = [p for p in re.split(r"\s*[,;]\s*", sent.strip().rstrip(".")) if p]
            if not any(name_of(p) in new for p in pieces):
                out.append(sent)
                continue
            hit = True
            names = [name_of(p) for p in pieces]
            pieces = [new.get(name_of(p), p) for p in pieces] + [p for n, p in new.items() if n not in names]
            out.append(_sentence(", ".join(pieces)))
        if hit:
            text = " ".join(_sentence(x) for x in out)
            if text == f.text:
                return EditResult(draft, False, f"The draft already says '{f.text}'; nothing was changed.")
            findings = _replace(draft, f, [text], region, template)
            changed = editing._with(draft, findings, template, rebuild_impression=rebuild)
            return EditResult(changed, True, f"Changed {_region_label(draft, region)}.", [region])
    changed, regions = editing.add_findings(draft, placed, template, rebuild_impression=rebuild)
    return EditResult(changed, True, "Added to " + ", ".join(_region_label(draft, r) for r in regions) + ".", regions)


def _keeps_words(said: str, written: str) -> bool:
    """Whether ``written`` keeps every content word of ``said`` (a stem, or a word spelled nearly alike)."""
    import difflib

    stems = _stems(written)
    return all(_stem(w) in stems or any(difflib.SequenceMatcher(None, _stem(w), s).ratio() >= 0.8 for s in stems)
               for w in _words(said) if w not in _FILLER and len(w) > 2 and not w.isdigit())


def _near(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` mistyped: two letters swapped, one letter missing or extra, or (six letters
    or more) one letter wrong ("fractrue", "efusion", "menigioma"); never for words under five letters."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b or a[0] != b[0]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (len(diff) == 1 and len(a) >= 6) or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


def _spelled_as_draft(reader: EditReader, edit: Edit, draft: Draft) -> Edit:
    """The edit with a mistyped finding word written as the draft writes it ("the rib fractrue is on the
    right" -> "fracture"), when exactly one word of the draft's findings is that word mistyped."""
    if not edit.subject or edit.swap:
        return edit
    words = {w for f in draft.findings if not f.is_default for w in _words(reader.expand(f.text))}
    stems = {_stem(w) for w in words}
    fixed: dict[str, str] = {}
    for w in edit.subject:
        if _stem(w) in stems or reader.names_finding(w) or w in _FILLER:
            continue
        near = {d for d in words if _near(w, d) and reader.names_finding(d)}  # a finding's name, never "cheek"
        if len(near) == 1:
            fixed[w] = near.pop()
    if not fixed:
        return edit

    def fix(text: str) -> str:
        for w, d in fixed.items():
            text = re.sub(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", d, text, flags=re.I)
        return text
    return replace(edit, subject=tuple(fixed.get(w, w) for w in edit.subject), text=fix(edit.text),
                   predicate=fix(edit.predicate))


def _side_selects(reader: EditReader, edit: Edit, targets: list[Finding], draft: Draft
                  ) -> tuple[Edit, list[Finding]]:
    """"the right cup-to-disc ratio is 0.7", "CDR 0.8 OS", "the right one is large" where the draft states the
    finding once per eye (or side): the side picks the sentence to change, it is not a new side for both."""
    a = edit.attrs
    if not a.laterality or not (a.size or a.number or a.severity or a.temporal or edit.words):
        return edit, targets
    if len(targets) == 1 and not [w for w in edit.subject if w not in _ANAPHORA]:
        # "the right one is large" for "Small right pleural effusion. Moderate left pleural effusion."
        kind = _attribute_kind(replace(a, laterality=None))
        same = [f for f in draft.findings if not f.is_default and not f.negated and f.abnormal
                and reader.attributes(f.text).laterality == a.laterality and (kind is None or reader.has_slot(f.text, kind))
                and _stems(f.text) & _stems(targets[0].text) - {_stem(w) for w in ("left", "right", "eye")}]
        if len(same) == 1 and same[0].id != targets[0].id:
            return replace(edit, attrs=replace(a, laterality=None)), same
    if len(targets) < 2:
        return edit, targets
    sides = [reader.attributes(t.text).laterality for t in targets]
    mine = [t for t, s in zip(targets, sides) if s == a.laterality]
    if not mine or len(set(sides)) < 2:
        return edit, targets
    return replace(edit, attrs=replace(a, laterality=None)), mine


def _region_value(reader: EditReader, edit: Edit, draft: Draft, template: Template, rebuild: bool
                  ) -> EditResult | None:
    """"the colour is black", "stage is pT1c N0", "make the surface smooth": a value for a region named by its
    name or label, written as the region's text when the region holds only template defaults or values
    that name no finding ("Pigmented.", "Not reported."). A severity, a side or a time alone is no such
    value ("make the surface moderate" changes nothing); None when this does not apply."""
    a = edit.attrs
    value = (edit.predicate or " ".join(edit.words)).strip().strip("'\"")
    if edit.kind not in ("statement", "modify") or edit.also or not value or not edit.subject \
            or a.severity or a.laterality or a.temporal or a.size or a.number or edit.swap or edit.flip:
        return None
    region = reader.resolve_region(" ".join(edit.subject))
    if region in (None, "impression") or region not in draft.regions:
        return None
    here = [f for f in draft.findings if f.region == region]
    if not here or any(not f.is_default and reader.names_finding(f.text) for f in here):
        return None  # the region states a finding ("Ulcerated."): not overwritten by a value
    first = value.split()[0]
    text = value if not first.isalpha() or not first.islower() else value[:1].upper() + value[1:]
    text = text.rstrip(".") + "."
    if [f.text for f in here] == [text]:
        return None
    findings = [f for f in draft.findings if f.region != region]
    findings = _replace(draft.model_copy(update={"findings": [*findings, here[0]]}), here[0], [text], region, template)
    new = editing._with(draft, findings, template, rebuild_impression=rebuild)
    return EditResult(new, True, f"Changed {_region_label(draft, region)}.", [region])


def _unimpress(edit: Edit, draft: Draft) -> EditResult:
    """Remove from the impression the items that name the finding said; the findings stay as they are. No item
    naming it, or no word naming anything: nothing is changed and the reply says so (never a guess)."""
    want = {_stem(w) for w in edit.subject if w not in _ANAPHORA}
    hits = [i for i in draft.impression if want and want <= _stems(i)]
    if not hits:
        return EditResult(draft, False, f"No impression item names '{' '.join(edit.subject)}'; nothing was changed.",
                          understood=bool(want))
    new = draft.model_copy(update={"impression": [i for i in draft.impression if i not in hits]})
    return EditResult(new, True, "Impression: removed " + ", ".join(f"'{i}'" for i in hits), [], True)


_PRONOUNS = frozenset("it its this that they them these those one".split())


def _which_size(reader: EditReader, edit: Edit, draft: Draft, how: str) -> EditResult | None:
    """The question back for a size said of no finding ("make it 2 mm", "it's 6 mm") where more than one of the
    draft's sentences states a size (a tumour and a margin distance, two papules); else None."""
    if how != "attribute" or not edit.attrs.size or edit.kind not in ("modify", "statement") \
            or set(edit.subject) - _PRONOUNS:
        return None  # ("the tumour is 35 mm": the tumour's, never asked)
    sized = list(dict.fromkeys(f.text for f in draft.findings if not f.is_default and not f.negated
                               and _SIZE.search(f.text)))
    if len(sized) < 2:
        return None
    listed = "; ".join(f"'{t}'" for t in sized[:4])
    return EditResult(draft, False, f"Which finding should measure {edit.attrs.size}? Several sentences state a size "
                                    f"({listed}); nothing was changed. Name it ('the <finding> measures "
                                    f"{edit.attrs.size}').")


def _not_matched(edit: Edit) -> str:
    """What was understood of an edit that matches no finding of the draft (nothing is changed)."""
    if edit.swap:
        return (f"I read this as replacing '{edit.swap[0]}' with '{edit.swap[1]}', but no one sentence of this draft "
                f"clearly says '{edit.swap[0]}'; nothing was changed.")
    what = " ".join(edit.subject) or ("the side of the case's findings" if edit.case_side else "that")
    a = edit.attrs
    values = [v for v in (a.laterality, a.severity, a.size, a.temporal, a.number, a.polarity) if v] + list(edit.words)
    if values:
        return (f"I read this as setting '{' '.join(values)}' on '{what}', but no finding of this draft clearly "
                "matches it; nothing was changed.")
    return f"No finding about '{what}' is in the draft; nothing was changed."


def _inserts(reader: EditReader, edit: Edit, t: Finding) -> bool:
    """Whether the edit would write an attribute ``t`` does not state (rather than change one it does)."""
    a = edit.attrs
    for kind in ("laterality", "severity", "temporal", "size", "number"):
        if getattr(a, kind) and not reader.has_slot(t.text, kind):
            return True
    if edit.words and not any(_antonyms(w, h) for w in edit.words for h in _words(t.text)):
        return True
    # a statement that contradicts the sentence restates it ("the heart size is normal" for "Mild cardiomegaly.")
    if a.polarity and not (edit.text and _conflicts(reader, edit, t)) \
            and not _VALUE_ABSENT.search(t.text) and not _VALUE_PRESENT.search(t.text) \
            and not (a.number and " of " in a.number and _COUNT.search(t.text)):  # "1/3 positive" for "0 of 3 ..."
        return True
    return False


#: Words that judge a finding rather than describe it ("the effusion is fine", "that's wrong"): never written.
_VAGUE = frozenset(_NORMAL_SPOKEN) | frozenset("good bad better worse same wrong correct right true false weird odd "
                                               "off strange important relevant irrelevant".split())


def _describes(reader: EditReader, edit: Edit, t: Finding) -> bool:
    """A statement that says something new of a finding (or device) the draft states ("the top two sternal wires
    are broken", "the effusion is loculated", "both nodules are spiculated"): its value words are no attribute
    (side, size, severity, time, number, presence) and no antonym of a word of ``t``, ``t`` is a finding or
    device (no normal statement) the subject names by its own words, so the statement is written beside it as said."""
    a = edit.attrs
    if not edit.words or a.laterality or a.size or a.severity or a.temporal or a.polarity or t.is_default \
            or t.negated or not reader.names_finding(t.text):
        return False
    if reader.attributes(t.text).polarity == "absent":
        return False  # a normal statement ("The ventricles are normal.") is not described further
    if set(edit.words) & _VAGUE or any(_antonyms(w, h) for w in edit.words for h in _words(t.text)) \
            or {_stem(w) for w in edit.words} <= _stems(reader.expand(t.text)):
        return False
    return bool(_specific(edit.subject) & _stems(reader.expand(t.text)))


def _changes_in_place(reader: EditReader, edit: Edit, t: Finding, draft: Draft) -> bool:
    """A statement that re-states ``t`` with another side, size, severity, time or place ("the plaque
    is on the left shin" for "Right shin.", "the nodule is in the left lower lobe"): its other words
    are the finding's own, those of another finding of the draft, or the place it names."""
    if _anatomy_swap(reader, edit, t.text) is not None:
        return True
    kind = _attribute_kind(edit.attrs)
    if kind is None or not reader.has_slot(t.text, kind):
        return False
    known = {_stem(w) for f in draft.findings for w in _words(reader.expand(f.text))}
    extra = {_stem(w) for w in edit.subject if w not in _ANAPHORA} - known - {"eye", "eyes"}
    return not extra


def _anatomy_swap(reader: EditReader, edit: Edit, text: str) -> str | None:
    """``text`` with its place replaced by the one the message names ("left upper lobe" -> "left lower
    lobe"), when both name a place of the same lexicon anatomy concept; else None."""
    said = edit.predicate or edit.text
    if not said:
        return None
    ext = reader.extractor
    mine = [(m.group(), ext._anatomy_concepts[m.lastgroup].id) for m in ext._anatomy.finditer(ext.normalise(said).lower())]
    if not mine:
        return _position_swap(said, text)
    low = text.lower()
    for m in ext._anatomy.finditer(low):
        cid = ext._anatomy_concepts[m.lastgroup].id
        new = next((w for w, c in mine if c == cid), None)
        if new and new != m.group():
            return text[:m.start()] + new + text[m.end():]
    return _position_swap(said, text)


#: the words that say where on a part a place is ("upper back", "distal forearm", "medial canthus")
_POSITIONS = frozenset("upper lower mid middle proximal distal medial lateral anterior posterior superior inferior "
                       "inner outer central peripheral dorsal ventral volar palmar plantar apical basal".split())
_POSITIONED = re.compile(r"\b((?:(?:" + "|".join(sorted(_POSITIONS)) + r")[\s-]+)+)([a-z]{3,})\b", re.I)


def _position_swap(said: str, text: str) -> str | None:
    """``text`` with the position words of a part replaced by those said of the same part ("Upper back." +
    "it's on the lower back" -> "Lower back."); None when the message names no positioned part the text has."""
    for m in _POSITIONED.finditer(said):
        head, new = m.group(2).lower(), " ".join(m.group(1).lower().split())
        if head in _POSITIONS:
            continue
        for n in _POSITIONED.finditer(text):
            if n.group(2).lower() == head and " ".join(n.group(1).lower().split()) != new:
                old = n.group(1)
                repl = new + " " if old[:1].islower() else upper_first(new) + " "
                return text[:n.start(1)] + repl + text[n.end(1):]
    return _direction_swap(said, text) or _direction_added(said, text)


#: the closest margin's distance in a sentence ("Nearest margin 2 mm", "closest margin is 1.5 mm")
_CLOSEST_DISTANCE = re.compile(r"\b(?:closest|nearest)\b[^.;\d]{0,40}?\d+(?:\.\d+)?\s*(?:mm|cm)\b", re.I)


def _direction_added(said: str, text: str) -> str | None:
    """``text`` with the one margin name said written after the closest margin's distance when it names none
    ("the nearest margin, 2 mm, is medial" for "Margins negative. Nearest margin 2 mm." -> "... 2 mm medial.");
    None otherwise (a name already there is swapped by :func:`_direction_swap`, never doubled)."""
    names = [w for w in re.findall(r"[a-z]+", said.lower()) if w in _MARGIN_NAMES]
    if len(set(names)) != 1 or re.search(r"\b(?:" + "|".join(sorted(_MARGIN_NAMES)) + r")\b", text, re.I):
        return None
    m = _CLOSEST_DISTANCE.search(text)
    return None if m is None else text[:m.end()] + " " + names[0] + text[m.end():]


#: the pairs of opposite directions; a margin's name is any of the margin set ("closest margin is anterior")
_AXES = (("anterior", "posterior"), ("superior", "inferior"), ("medial", "lateral"), ("proximal", "distal"),
         ("upper", "lower"), ("inner", "outer"), ("central", "peripheral"), ("dorsal", "ventral"),
         ("deep", "superficial"))
_MARGIN_NAMES = frozenset("anterior posterior superior inferior medial lateral deep superficial peripheral".split())


def _direction_swap(said: str, text: str) -> str | None:
    """``text`` with its one direction word replaced by the one said alone ("closest margin is anterior at 1 mm"
    for "Margins negative, posterior closest 2 mm."); None unless the text has exactly one word of the said
    word's axis (or, for a margin, of the margin names) that differs from it."""
    for w in re.findall(r"[a-z]+", said.lower()):
        group = set(next((a for a in _AXES if w in a), ()))
        if re.search(r"\b(?:margins?|closest)\b", text, re.I) and w in _MARGIN_NAMES:
            group |= _MARGIN_NAMES
        if not group:
            continue
        part = re.search(r"\b" + w + r"[\s-]+([a-z]{3,})\b", said.lower())
        if part and part.group(1) not in ("margin", "margins", "closest", "and", "aspect", "side", "edge"):
            return None  # "on the lower arm": the position of another part, never this text's
        found = [m for m in re.finditer(r"\b(" + "|".join(sorted(group)) + r")\b", text, re.I)]
        if len(found) == 1 and found[0].group(1).lower() != w:
            m = found[0]
            new = upper_first(w) if m.group(1)[:1].isupper() else w
            return text[:m.start(1)] + new + text[m.end(1):]
        return None
    return None


def _restate(reader: EditReader, edit: Edit, t: Finding) -> str:
    """The finding restated with the statement's presence or value: the value phrase of the clause
    naming the subject is swapped when the statement only gives a value ("HER2 is positive" for "ER
    positive, PR positive, HER2 negative."); else the sentence (or comma part) about the subject is
    replaced and the rest of the finding kept."""
    said = edit.predicate or edit.text
    if edit.attrs.polarity == "absent" and not edit.predicate:
        # "there is no cyst" for "Cystic lesion left adrenal 1 cm.": the lesion stays, not cystic
        dropped = _drop_modifier(reader, t.text, edit.subject, any_rest=True)
        if dropped is not None:
            return dropped
    value = _value_word(said)
    subj = {_stem(w) for w in edit.subject}
    # "the deep margin is involved" for "Margins negative. Closest margin 3 mm deep.": the value is said of a part
    # ("deep") the value's clause does not name, so the sentences about the subject are restated, not its value
    clause = next((c for c in re.findall(r"[^,;.]+", t.text) if _VALUE_ABSENT.search(c) or _VALUE_PRESENT.search(c)), "")
    narrower = _specific(edit.subject) - _stems(reader.expand(clause)) - _stems(_region_words(t)) - _STATUS_WORDS \
        if clause and subj & _stems(reader.expand(clause)) else set()
    if value and not {_stem(w) for w in _rest_words(said, value)} - subj and not narrower:
        swapped = _swap_value(t.text, edit.subject, value)
        if swapped is not None:
            return swapped
    if narrower:
        values = {_stem(w) for w in _PRESENT + _ABSENT + ("not", "involved")}
        other_part = _stems(reader.expand(clause)) - subj - values - {_stem(w) for w in _FILLER}
        if other_part:  # "the anterior margin is negative" for "The deep margin is involved.": another part, added
            return f"{t.text} {_sentence(edit.text)}"
    names = lambda p: bool(subj & {_stem(w) for w in _words(reader.expand(p))})  # noqa: E731
    parts = split_sentences(t.text)
    if len(parts) == 1:  # "ER positive, PR positive, HER2 negative.": the comma part about the subject
        pieces = re.split(r"(?:,|;)\s+", parts[0].rstrip("."))
        about = [i for i, p in enumerate(pieces) if names(p)]
        if len(pieces) > 1 and about and len(about) < len(pieces):
            new = edit.text.strip().rstrip(".")
            out = [new if i == about[0] else p for i, p in enumerate(pieces) if i == about[0] or i not in about]
            return _sentence(", ".join(out))
        return _sentence(edit.text)
    keep = [p for p in parts if not names(p)]
    if keep and len(keep) < len(parts):
        first = next(i for i, p in enumerate(parts) if p not in keep)
        out = [p for p in parts[:first] if p in keep] + [_sentence(edit.text)] + [p for p in parts[first:] if p in keep]
        return " ".join(_sentence(p) for p in out)
    return _sentence(edit.text)


#: Where a device (or a finding) lies: an optional verb, an optional distance, a place preposition ("5 cm above
#: the carina", "terminates in the SVC", "at the cavoatrial junction", "projects over the stomach").
_POSITION = (r"(?:(?:is|are|now|actually|still|located|positioned|situated|seen|projects?|projecting|projected|"
             r"terminates?|terminating|ends?|ending|lies|lying|sits|sitting|courses?|coursing|extends?|extending)\s+)*"
             r"(?:\d+(?:\.\d+)?\s*(?:mm|cm)\s+)?(?:at|in|within|above|below|beyond|into|over|overlying|near|just\s+"
             r"(?:above|below|beyond)|proximal\s+to|distal\s+to|at\s+the\s+level\s+of)\b")
#: The words that name a part of a device or its place, not a new finding ("tip" of "the ETT tip is ...").
_PART_WORDS = frozenset("tip tips end ends position positioned location located level course".split())


def _reposition(reader: EditReader, edit: Edit, t: Finding) -> str | None:
    """``t`` with its device's place replaced by the one the statement gives ("the ETT tip is 5 cm above the
    carina" for "Endotracheal tube 2 cm above carina." -> "Endotracheal tube 5 cm above the carina."): the
    statement's subject and ``t`` name the same device of the lexicon, the statement says only a place (an
    optional distance and a place preposition), and ``t`` says one (its phrase, to the end of its clause, is
    replaced); else None."""
    said = (edit.predicate or "").strip().rstrip(".")
    if not said and (at := re.compile(r"\s" + _POSITION, re.I).search(edit.text)):
        said = edit.text[at.start():].strip().rstrip(".")  # "ETT tip now in the right atrium": no verb said
    if not said or not re.match(_POSITION, said, re.I):
        return None
    devices = {c.id for c in reader.lexicon.of_kind("device")}
    text = reader.expand(t.text)
    if not devices & reader.concepts_of(" ".join(edit.subject)) & reader.concepts_of(text) or t.is_default:
        return None
    named = [_find_word(t.text, w) for w in edit.subject if w not in _PART_WORDS]
    named = [m for m in named if m is not None]
    if not named:
        return None
    after = max(m.end() for m in named)
    old = re.compile(r"[\s,]+" + _POSITION + r"[^,;.]*", re.I).search(t.text, after)
    if old is None:
        return None
    new = re.sub(r"^(?:(?:is|are|now|actually|still)\s+)+", "", said, flags=re.I)
    return _sentence(t.text[:old.start()] + " " + new + t.text[old.end():])


#: Words that name a value's kind, not a part of what it is said of ("HER2 status is positive").
_STATUS_WORDS = frozenset(_stem(w) for w in "status result results value level score".split())


def _region_words(t: Finding) -> str:
    return t.region.replace("_", " ")


def _value_word(text: str) -> str | None:
    """The presence value a message gives ("present", "not identified", "positive", "involved")."""
    m = re.search(r"\bnot (?:identified|seen|present|involved|detected)\b|\b(?:" + "|".join(_PRESENT + _ABSENT) + r")\b",
                  text or "", re.I)
    return m.group().lower() if m else None


def _rest_words(predicate: str, value: str) -> set[str]:
    return set(_words(predicate.lower().replace(value, " "))) - _FILLER


def _swap_value(text: str, subject: tuple[str, ...], value: str) -> str | None:
    """``text`` with the presence value of the clause naming ``subject`` replaced by ``value``, or None."""
    positive = bool(_VALUE_PRESENT.fullmatch(value)) or value in _PRESENT
    pattern = _VALUE_ABSENT if positive else _VALUE_PRESENT
    subj = {_stem(w) for w in subject}
    clauses = list(re.finditer(r"[^,;.]+", text))
    # "ENE absent" for "2 of 12 lymph nodes positive with extranodal extension.": the "with" phrase names the
    # subject, so its own value is written ("..., extranodal extension absent."), never the count's
    for c in clauses:
        w = re.search(r"\s+(with|without)\s+(?P<p>[^,;.]+)$", c.group(), re.I)
        if w and subj & {_stem(x) for x in _words(w.group("p"))} \
                and not subj & {_stem(x) for x in _words(c.group()[:w.start()])} \
                and (w.group(1).lower() == "with") != positive:
            start, end = c.start() + w.start(), c.start() + w.end()
            return text[:start] + f", {w.group('p').strip()} {value}" + text[end:]
    order = [c for c in clauses if subj & {_stem(w) for w in _words(c.group())}] or clauses
    for c in order:
        m = pattern.search(c.group())
        if m:
            start, end = c.start() + m.start(), c.start() + m.end()
            word = value.upper() if m.group().isupper() and len(m.group()) > 1 else value
            return text[:start] + word + text[end:]
        lead = re.match(r"\s*no\s+", c.group(), re.I)
        if lead and positive:  # "No lymphovascular invasion." -> "Lymphovascular invasion present."
            rest = c.group()[lead.end():].rstrip()
            return text[:c.start()] + (" " if c.start() else "") + rest[:1].upper() + rest[1:] + " " + value + text[c.end():]
    named = [c for c in clauses if subj & {_stem(w) for w in _words(c.group())}]
    if not positive and named and not _VALUE_ABSENT.search(named[0].group()) \
            and not re.search(r"\b(?:is|are|was|were|measures?|shows?|has|have|no|not)\b", named[0].group(), re.I):
        # "the microaneurysms are not seen" for "Few microaneurysms in the right eye.": "No microaneurysms in the
        # right eye." (its amount, size and severity go with it)
        c = named[0]
        rest = re.sub(r"^\s*(?:(?:few|a few|some|several|scattered|many|multiple|numerous|occasional|rare|an?|the|"
                      r"trace|minimal|tiny|mild|moderate|severe|small|large|\d+(?:\.\d+)?\s*(?:mm|cm))\s+)*", "", c.group(), flags=re.I)
        if rest.strip():
            lead = " " if c.start() else ""
            return text[:c.start()] + lead + "No " + rest[:1].lower() + rest[1:] + text[c.end():]
    return None


def _is_finding_statement(reader: EditReader, edit: Edit, template) -> bool:
    """Whether a statement that matches no finding of the draft states a finding of its own."""
    from pixtralogist.core.nlp import mentions_finding

    if not edit.subject:
        return False
    # a severity or a time says a finding is meant ("hydrothorax is large"); a side, a size or a number
    # alone does not ("she is left handed", "the patient is 65", "the photo is 2 cm off")
    return bool(reader.concepts_of(edit.text)) or reader.names_finding(edit.text) \
        or bool(edit.attrs.severity or edit.attrs.temporal) \
        or mentions_finding(edit.text, extra_terms=template.finding_terms) \
        or _measured_subject(reader, edit)


def _measured_subject(reader: EditReader, edit: Edit) -> bool:
    """A number or a size given to a structure or measure the specialty's lexicon names as a subject ("CDR is 0.5
    in the right eye", "the aortic root is 4.4 cm"): a value for the report even when the draft has none yet."""
    if not (edit.attrs.number or edit.attrs.size):
        return False
    said = " ".join(_words(" ".join(edit.subject)))
    names = {" ".join(_words(k)) for k in getattr(reader.lexicon, "subjects", {}) or {}}
    return any(n and (said == n or said.endswith(" " + n)) for n in names)


def focus(text: str, subject: tuple[str, ...]) -> str:
    """The sentences of ``text`` that name a subject word (all of it when none does)."""
    subj = {_stem(w) for w in subject}
    parts = [s for s in re.split(r"(?<=[.;])\s+", text) if subj & {_stem(w) for w in _words(s)}]
    return " ".join(parts) or text


def _conflicts(reader: EditReader, edit: Edit, t: Finding) -> bool:
    """The statement says the opposite of the finding (present vs absent/normal)."""
    mine = edit.attrs.polarity
    theirs = reader.attributes(focus(t.text, edit.subject)).polarity
    if mine is None:  # a finding stated as present ("small left pneumothorax") against "No pneumothorax."
        kind = _attribute_kind(edit.attrs)
        if kind in ("size", "number") and reader.has_slot(t.text, kind) and not t.negated:
            return False  # "the closest margin is 1 mm" for "Margins negative, closest 2 mm.": a value update
        if theirs != "absent" or edit.case_side:
            return False  # "the eye is OS" never restates "The FAZ is normal in the right eye."
        if kind == "laterality" and not (edit.words or edit.attrs.severity or edit.attrs.temporal):
            # a side alone contradicts a denial of the same finding ("No pneumothorax."), not a normal statement
            return _same_finding(reader, edit, t) and bool(
                t.negated or _VALUE_ABSENT.search(t.text) or re.search(r"^\s*no\b", t.text, re.I))
        return True
    return mine != (theirs or "present")


def _novel(reader: EditReader, edit: Edit, t: Finding, draft: Draft) -> bool:
    """The statement names things the finding does not mention (a new fact about it)."""
    fwords = _stems(reader.expand(t.text))
    rwords = {_stem(w) for w in _words(t.region.replace("_", " ") + " " + draft.region_labels.get(t.region, ""))}
    # words of a lexicon synonym of a concept the finding states ("pleural fluid" for "effusion") are not new
    theirs = reader.concepts_of(t.text)
    synonym = {_stem(w) for m in reader.extractor.extract(edit.text) if m.concept in theirs for w in _words(m.text)}
    extra = {_stem(w) for w in edit.subject} - fwords - rwords - synonym - {"eye", "eyes"} - _GENERIC_HEADS
    return bool(extra) and not edit.words


#: Head nouns that name no fact of their own ("small vessel disease" for "small vessel ischemic change"): never
#: what makes a statement a new finding beside the one it names.
_GENERIC_HEADS = frozenset(_stem(w) for w in "disease diseases process abnormality abnormalities change changes "
                           "appearance".split())


def _specific(subject: tuple[str, ...]) -> set[str]:
    """The stems of a subject's words without its generic head nouns when it has other words: "the sinus
    disease" is about "sinus", never any sentence that says "disease" ("Mild small vessel disease.")."""
    stems = {_stem(w) for w in subject}
    return (stems - _GENERIC_HEADS) or stems


def _same_finding(reader: EditReader, edit: Edit, f: Finding) -> bool:
    """Whether ``f`` names the finding the edit states: a finding concept of both, or a shared word that
    names a finding ("nodule"), never only a place word ("upper" of "The imaged upper abdomen is
    unremarkable." for "a nodule in the left upper lobe")."""
    text = reader.expand(f.text)
    if reader.concepts_of(" ".join(edit.subject)) & reader.concepts_of(text):
        return True
    shared = {_stem(w) for w in edit.subject} & {_stem(w) for w in _words(text)}
    # the shared word names a finding in the message's form or the draft's ("hemorrhagic" / "hemorrhage")
    theirs = [w for w in _words(text) if _stem(w) in shared]
    # ... or the shared words name one together ("midline shift": neither word alone names a finding)
    together = " ".join(w for w in edit.subject if _stem(w) in shared)
    return any(_stem(w) in shared and reader.names_finding(w) for w in edit.subject) \
        or any(reader.names_finding(w) for w in theirs) or (len(shared) > 1 and reader.names_finding(together))


def _add(reader: EditReader, edit: Edit, draft: Draft, template: Template, sorter: RegionSorter | None,
         rebuild: bool, dictate: Dictate | None = None) -> EditResult:
    text = _sentence(edit.text)
    # a statement of a finding the draft denies replaces the denial ("No pneumothorax.")
    denied = [f for f in reader.targets(edit, draft) if reader.attributes(f.text).polarity == "absent"
              and edit.attrs.polarity != "absent" and _same_finding(reader, edit, f)] if edit.subject else []
    placed = [(r, t) for r, t in (dictate(text) if dictate is not None else []) if r in draft.regions]
    placed, unwritten = _findings_only(reader, placed)
    kept: list[tuple[Finding, list[str]]] = []
    if edit.attrs.polarity != "absent":
        # the denial of its concept in the region it is written to, on its side or both (chat_imperatives) ...
        from pixtralogist.agents.chat_imperatives import head_regions, of_other_side, same_side_denials

        placed = head_regions(placed, dictate)  # "NVE at the edge of the non-perfused area": NVE's region only
        denied += [f for f in same_side_denials(reader, placed, list(draft.findings), edit.attrs.laterality)
                   if f not in denied]
        denied = [f for f in denied if not of_other_side(reader, f, edit.attrs.laterality)  # the other eye's stays
                  and (not placed or f.region in {r for r, _ in placed})]  # and another region's ("No pericardial X.")
        # ... and a normal statement or denial of the same structure there ("Macula dry." for "macular oedema"):
        # replaced, its other side kept ("No tears in the left eye."; chat_merge). Said as one more finding
        # ("there is also ...") it replaces a denial only: "Macula dry." stays beside "there is also macular drusen"
        also = bool(re.search(r"\b(?:also|too|as\s+well)\b", edit.said or edit.text, re.I))
        kept = [(f, k) for f, k in contradicted(reader, edit.text, draft, {r for r, _ in placed}, denials_only=also)
                if f not in denied]
        denied = denied + [f for f, _ in kept]
    if edit.attrs.laterality in ("left", "right"):  # a denial of both sides keeps the other ("No X in the left eye.")
        kept += [(f, [o]) for f in denied if f not in [k for k, _ in kept]
                 and (o := denial_kept(reader, edit.attrs.laterality, f.text)) is not None]
    base = draft
    if denied:
        ids = {f.id for f in denied}
        base = draft.model_copy(update={"findings": [f for f in draft.findings if f.id not in ids]})
    for f, texts in kept:
        if texts:
            base, _ = editing.add_findings(base, [(f.region, x) for x in texts], template, rebuild_impression=False)
    if placed:
        new, regions = editing.add_findings(base, placed, template, rebuild_impression=rebuild)
    else:
        new, regions = editing.add_statement(base, text, template, sorter, rebuild_impression=rebuild)
    regions = sorted(set(regions) | {f.region for f in denied}, key=draft.regions.index)
    if not regions:
        return EditResult(draft, False, "That could not be placed in any region; nothing was added.")
    note = " Not written (it names no finding): " + "; ".join(f"'{u.rstrip('.')}'" for u in unwritten) + "." if unwritten else ""
    return EditResult(new, True, "Added to " + ", ".join(_region_label(draft, r) for r in regions) + "." + note,
                      regions)


#: a participle that links a consequence to what was said: "..., leaving erosions", "..., causing mass effect"
_CONSEQUENCE = re.compile(r"^(?:leaving|causing|producing|resulting\s+in|giving|forming|creating|with\s+resultant)\s+",
                          re.I)


def _findings_only(reader: EditReader, placed: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """The sentences of a statement to add that name a finding, each without a linking participle ("Leaving
    erosions." -> "Erosions."), and the clauses that name none ("some of them have ruptured"): these are a
    remark about the finding, never a sentence of their own (when no sentence names a finding, all are kept)."""
    placed = [(r, upper_first(_CONSEQUENCE.sub("", t))) for r, t in placed]
    named = [(r, t) for r, t in placed if reader.names_finding(t)]
    if not named or len(named) == len(placed):
        return placed, []
    return named, [t for r, t in placed if (r, t) not in named]


def _without_clause(reader: EditReader, part: str, subj: set[str]) -> str | None:
    """``part`` without its "with ..."/"and ..." clause that names the subject, when another clause names
    a finding of its own; else None."""
    pieces = re.split(r"(\s+(?:with|and|plus|along with)\s+)", part.strip().rstrip("."), flags=re.I)
    texts, seps = pieces[0::2], pieces[1::2]
    names = [bool(subj & _stems(reader.expand(p))) for p in texts]
    if len(texts) < 2 or all(names) or not any(names):
        return None
    if names[0] and re.search(r"\bwith\b", seps[0], re.I):
        return None  # "drop the consolidation" for "Consolidation with air bronchograms": all of it goes
    kept = [i for i, n in enumerate(names) if not n]
    out = texts[kept[0]] + "".join(seps[i - 1] + texts[i] for i in kept[1:])
    # the place the last clause gives applies to them all ("... and cotton wool spots in the right eye")
    tail = re.search(r"\s+(?:in|at|on|of|within|involving)\s+(?:the\s+|both\s+)?[\w -]+$", texts[-1], re.I)
    if names[-1] and tail and not subj & _stems(reader.expand(tail.group())):
        out += tail.group()
    return out if reader.names_finding(out) else None


def _denial(said: str) -> str:
    """The report's wording of a denied finding: "Not ulcerated." for "ulcerated", "No scale." for "scale"."""
    said = re.sub(r"^(?:the|a|an|any)\s+", "", said.strip().rstrip("."), flags=re.I)
    last = said.split()[-1].lower() if said.split() else ""
    return _sentence(("not " if re.search(r"(?:ed|ic|al|y|ous|ive|ing)$", last) else "no ") + said)


def _denial_of(sentence: str, said: str) -> str:
    """The denial of ``said`` where ``sentence`` opens with it and says what it is about: "FAZ not enlarged in
    the left eye." for "Enlarged FAZ in the left eye.", "Surface not pearly." for "Pearly surface."; else
    :func:`_denial` ("Not ulcerated.")."""
    word = said.strip().rstrip(".")
    m = re.match(r"^" + re.escape(word) + r"\s+(?P<np>[^,;.]+?)(?P<tail>\s+(?:in|of|at|on|within|along|involving)\b[^.]*)?\.?$",
                 sentence.strip(), re.I)
    if " " in word or not m or not re.search(r"(?:ed|ic|al|y|ous|ive|ing)$", word.lower()):
        return _denial(said)
    np = m.group("np")
    np = np if any(c.isupper() for c in np.split()[0][1:]) else np[:1].upper() + np[1:]
    return _sentence(f"{np} not {word.lower()}{m.group('tail') or ''}")


def _drop_modifier(reader: EditReader, part: str, subject: tuple[str, ...], *, said_as_modifier: bool = False,
                   any_rest: bool = False) -> str | None:
    """``part`` without the word that names the subject only as a modifier of another finding
    ("Calcified granuloma" -> "Granuloma" for "the calcification"), or None when the subject is named
    as itself ("Calcification.", "Ulcerated surface.": the rest names no finding). With
    ``said_as_modifier`` ("the granuloma is not calcified") the word may be the one the draft has."""
    out = part
    for w in subject:
        m = _find_word(out, w)
        if m is None or (m.group().lower() == w and not said_as_modifier) \
                or not re.search(r"(?:ed|ing|ic|al|ous)$", m.group(), re.I):
            return None
        out = (out[:m.start()] + out[m.end():]).strip()
    out = re.sub(r"\s{2,}", " ", out).strip(" ,")
    if not out or not (reader.names_finding(out) or (any_rest and len(out.split()) > 1)):
        return None
    return _sentence(out) if part.strip().endswith(".") or part[:1].isupper() else out


def _remove(reader: EditReader, edit: Edit, draft: Draft, template: Template, targets: list[Finding],
            rebuild: bool) -> EditResult:
    what = " ".join(([edit.attrs.laterality] if edit.attrs.laterality else []) + list(edit.subject)) or "that"
    if edit.attrs.laterality:
        targets = [f for f in targets if reader.attributes(f.text).laterality == edit.attrs.laterality]
    if {_stem(w) for w in edit.subject} & _GENERIC_HEADS and not edit.deny:
        # "remove the sinus disease" where the draft only says the sinuses are clear: no disease to remove
        targets = [f for f in targets if not f.is_default and reader.attributes(f.text).polarity != "absent"]
    if not targets and what.lower() in ("that", "it", "this", "them", "those", "these", "one"):
        # "take it out" with nothing named: which finding is meant is asked, never guessed
        return EditResult(draft, False, "Which finding should I remove? Nothing was changed; name it "
                                        "('remove the <finding>').")
    if not targets:
        return EditResult(draft, False, f"There is no {what} in the draft; nothing was removed.")
    subj = {_stem(w) for w in edit.subject}
    findings = list(draft.findings)
    regions = []
    for t in targets:
        # remove only the sentences / comma parts that name the subject when the finding says more
        parts = [p for s in split_sentences(t.text) for p in re.split(r"(?<=[.;])\s+|,\s+", s) if p.strip()]
        said = list(parts)
        # "drop the atelectasis" for "Small right pleural effusion with basilar atelectasis.": the clause goes
        parts = [_without_clause(reader, p, subj) or p for p in parts]
        keep = [p for p in parts if not subj & {_stem(w) for w in _words(reader.expand(p))}]
        # "drop the calcification" for "Calcified granuloma ...": the modifier goes, the finding stays
        modifier = [_drop_modifier(reader, p, edit.subject, said_as_modifier=edit.deny) for p in parts]
        if all(m is not None for m, p in zip(modifier, parts) if p not in keep) and len(keep) < len(parts):
            keep = [p if p in keep else m for p, m in zip(parts, modifier)]
        current = draft.model_copy(update={"findings": findings})
        texts = [" ".join(_sentence(p) for p in keep)] if keep and keep != said else []
        if edit.deny and not texts:  # "it's not ulcerated" for "Ulcerated.": the denial is what the report says
            texts = [_denial_of(t.text, edit.text)]
        findings = _replace(current, t, texts, t.region, template)
        regions.append(t.region)
    new = editing._with(draft, findings, template, rebuild_impression=rebuild)
    done = "Denied: " if edit.deny else "Removed: "
    return EditResult(new, True, done + " ".join(f"'{t.text}'" for t in targets),
                      sorted(set(regions), key=draft.regions.index))
