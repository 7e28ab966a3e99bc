"""Turn a clinician's chest X-ray dictation or shorthand into full report sentences.

>>> parse_dictation("small L effusion, heart nl, old R rib fx")
['Small left pleural effusion.', 'Heart size is normal.', 'Old right rib fracture.']

What it does, in order:

1. Clean the text (NFC, no control characters), drop bullet/list markers and
   section headers ("Findings:"), and expand "L>R"-style comparisons.
2. Split into clauses on newlines, semicolons, sentence periods (not decimals,
   not "vs."), exclamation marks, then on commas (not inside numbers). A comma
   list closed by "or"/"nor" ("no eff, ptx, or consol") stays one sentence so
   the negation keeps its scope.
3. Expand shorthand with the curated :data:`ABBREVIATIONS` table and the
   context-dependent rules in :data:`CONTEXT_RULES` (L/R/B only as laterality
   tokens; "cm" after a number is centimetres, otherwise cardiomegaly; "?" is a
   hedge and becomes "possible").
4. Split on " and " only where it joins two independent findings
   ("heart nl and lungs clear", "small L eff and R ptx"), never where it would
   take a finding out of the scope of a negation ("no eff and R ptx") or of a
   shared modifier ("bibasilar eff and atx").
5. Rewrite terse "subject predicate" statements into sentences ("lungs clear"
   -> "The lungs are clear.", "heart nl" -> "Heart size is normal."), add
   "pleural" to a bare chest "effusion", normalise numbers and units ("8mm" ->
   "8 mm", "2x3cm" -> "2 x 3 cm"), capitalise and end with a period.

Negation and hedging words are always kept; nothing is ever made more certain
than dictated. Text that is not shorthand passes through as sentences, and any
text - including text that looks like instructions - is only data: it becomes
sentences, never behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field

from pixtralogist.core.nlp import FINDING_TERMS, mentions_finding
from pixtralogist.core.text import clean_text

__all__ = [
    "ABBREVIATIONS", "CONTEXT_RULES", "CXR_PROFILE", "DictationProfile", "expand_shorthand", "parse_dictation",
    "table_size",
]

#: Unconditional shorthand expansions (token, case-insensitive -> words). Acronyms that stay
#: acronyms are listed with their canonical capitalisation.
ABBREVIATIONS: dict[str, str] = {
    # normal statements
    "nl": "normal",
    "nml": "normal",
    "wnl": "within normal limits",
    "unrem": "unremarkable",
    "nad": "no abnormality detected",
    # findings
    "fx": "fracture",
    "fxs": "fractures",
    "fx's": "fractures",
    "ptx": "pneumothorax",
    "ptxs": "pneumothoraces",
    "htx": "hemothorax",
    "eff": "effusion",
    "effs": "effusions",
    "atx": "atelectasis",
    "consol": "consolidation",
    "consols": "consolidations",
    "opac": "opacity",
    "opacs": "opacities",
    "opacif": "opacification",
    "nod": "nodule",
    "nods": "nodules",
    "ggo": "ground-glass opacity",
    "ggos": "ground-glass opacities",
    "pna": "pneumonia",
    "dz": "disease",
    "chf": "congestive heart failure",
    "copd": "COPD",
    "ild": "interstitial lung disease",
    "mets": "metastases",
    "djd": "degenerative joint disease",
    "ddd": "degenerative disc disease",
    "degen": "degenerative",
    "calc": "calcified",
    "emphys": "emphysema",
    "cardiomeg": "cardiomegaly",
    # anatomy
    "rul": "right upper lobe",
    "rml": "right middle lobe",
    "rll": "right lower lobe",
    "lul": "left upper lobe",
    "lll": "left lower lobe",
    "ling": "lingula",
    "bilat": "bilateral",
    "bil": "bilateral",
    "bibas": "bibasilar",
    "bibasil": "bibasilar",
    "pl": "pleural",
    "pulm": "pulmonary",
    "vasc": "vascular",
    "cong": "congestion",
    "interstit": "interstitial",
    "cpa": "costophrenic angle",
    "cpas": "costophrenic angles",
    "cms": "cardiomediastinal silhouette",
    "cardiomed": "cardiomediastinal",
    "mediast": "mediastinal",
    "t-spine": "thoracic spine",
    "tspine": "thoracic spine",
    "c-spine": "cervical spine",
    "l-spine": "lumbar spine",
    "subq": "subcutaneous",
    "sub-q": "subcutaneous",
    "sq": "subcutaneous",
    "svc": "SVC",
    "ivc": "IVC",
    # tubes, lines, devices
    "ett": "endotracheal tube",
    "ngt": "nasogastric tube",
    "ogt": "orogastric tube",
    "ng": "nasogastric",
    "og": "orogastric",
    "cvc": "central venous catheter",
    "cvl": "central venous line",
    "ij": "internal jugular",
    "ppm": "pacemaker",
    "pacer": "pacemaker",
    "aicd": "AICD",
    "icd": "ICD",
    "cabg": "CABG",
    "trach": "tracheostomy tube",
    # modifiers and connectives
    "s/p": "status post",
    "w/": "with",
    "w/o": "without",
    "c/w": "consistent with",
    "h/o": "history of",
    "r/o": "rule out",
    "hx": "history",
    "sm": "small",
    "sml": "small",
    "lg": "large",
    "mod": "moderate",
    "sl": "slight",
    "incr": "increased",
    "decr": "decreased",
    "unch": "unchanged",
    "stbl": "stable",
    "approx": "approximately",
    "appx": "approximately",
    "postop": "postoperative",
    "post-op": "postoperative",
    "vs": "versus",
    "neg": "negative",
    "lat": "lateral",
    "ap": "AP",
    "pa": "PA",
    "cxr": "chest radiograph",
    "ddx": "differential diagnosis",
    "prob": "probable",
    "poss": "possible",
    "susp": "suspicious",
    "&": "and",
}

#: Context-dependent shorthand: token -> (expansion, when it applies). Documentation and tests
#: read this table; the logic is in :func:`_expand_tokens`.
CONTEXT_RULES: dict[str, tuple[str, str]] = {
    "l": ("left", "laterality token: followed by a word (not a number), not after a number ('2 L')"),
    "r": ("right", "laterality token: followed by a word (not a number), not after a number"),
    "b": ("bilateral", "laterality token: followed by a word other than 'line(s)', not after 'Kerley'"),
    "lt": ("left", "laterality token: followed by a word"),
    "rt": ("right", "laterality token: followed by a word"),
    "cm": ("cardiomegaly", "'cm' after a number is centimetres ('2 cm'); otherwise cardiomegaly"),
    "min": ("minimal", "not after a number ('5 min')"),
    "abd": ("abdomen / abdominal", "'abdominal' before a noun ('abd wall'), otherwise 'abdomen'"),
    "picc": ("PICC line", "'PICC' when followed by 'line' or 'catheter'"),
    "cp": ("costophrenic", "only before 'angle(s)'"),
    "?": ("possible", "hedge: 'possible' before a finding; a trailing '?' hedges the whole statement"),
    "L>R": ("left greater than right", "also R>L"),
    "no acute": ("No acute cardiopulmonary abnormality.", "when it is the whole statement"),
}


def table_size() -> int:
    """Number of shorthand entries (unconditional + context-dependent)."""
    return len(ABBREVIATIONS) + len(CONTEXT_RULES)


@dataclass(frozen=True)
class DictationProfile:
    """What changes with the kind of study being dictated (the rest of the parsing is shared).

    :param name: unique name; compiled patterns are cached under it.
    :param abbreviations: extra shorthand (checked before :data:`ABBREVIATIONS`, so it may override).
    :param subjects: extra "subject predicate" subjects: words -> (how the sentence names it, plural).
    :param no_acute: the sentence a bare "no acute" becomes.
    :param pleural_effusions: add "pleural" to a bare "effusion" (chest studies).
    :param cm_is_cardiomegaly: a "cm" not after a number means cardiomegaly (chest studies).
    :param cp_angle: what "cp" means before "angle(s)".
    """

    name: str
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    subjects: Mapping[str, tuple[str, bool]] = field(default_factory=dict)
    no_acute: str = "No acute cardiopulmonary abnormality."
    pleural_effusions: bool = True
    cm_is_cardiomegaly: bool = True
    cp_angle: str = "costophrenic"


#: The chest radiograph profile (the default; the behaviour documented above).
CXR_PROFILE = DictationProfile(name="cxr")
_PROFILE: ContextVar[DictationProfile] = ContextVar("pixtralogist_dictation_profile", default=CXR_PROFILE)


_LATERALITY = {"l": "left", "r": "right", "b": "bilateral", "lt": "left", "rt": "right"}
_UNITS = {"mm", "cm", "cms", "mms", "ml", "cc"}
_NON_PLEURAL_BEFORE_EFFUSION = {
    "pleural", "pericardial", "joint", "knee", "elbow", "ankle", "hip", "shoulder", "wrist", "subpulmonic",
    "peritoneal", "parapneumonic",
}
_HEDGE_WORDS_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|question|suspicious|suspected|suspect|"
    r"may|might|could|cannot exclude|not excluded|versus|concerning|suggestive|equivocal|borderline|"
    r"indeterminate)\b",
    re.I,
)
_NEG_START_RE = re.compile(r"^\s*(?:no|not|without|negative for|none|free of|nor|neither)\b", re.I)
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

# subject words -> (how the sentence names it, plural)
_SUBJECTS: dict[str, tuple[str, bool]] = {
    "heart": ("the heart", False),
    "heart size": ("heart size", False),
    "cardiac size": ("heart size", False),
    "cardiac silhouette": ("the cardiac silhouette", False),
    "cardiomediastinal silhouette": ("the cardiomediastinal silhouette", False),
    "cardiomediastinal contours": ("the cardiomediastinal contours", True),
    "cardiomediastinal": ("the cardiomediastinal silhouette", False),
    "heart and mediastinum": ("the heart and mediastinum", True),
    "heart and lungs": ("the heart and lungs", True),
    "lungs": ("the lungs", True),
    "lung": ("the lung", False),
    "lung fields": ("the lung fields", True),
    "lung volumes": ("lung volumes", True),
    "mediastinum": ("the mediastinum", False),
    "mediastinal contours": ("the mediastinal contours", True),
    "mediastinal silhouette": ("the mediastinal silhouette", False),
    "hila": ("the hila", True),
    "hilum": ("the hilum", False),
    "hilar contours": ("the hilar contours", True),
    "pulmonary vasculature": ("the pulmonary vasculature", False),
    "pulmonary vascular": ("the pulmonary vasculature", False),
    "vasculature": ("the pulmonary vasculature", False),
    "bones": ("the bones", True),
    "osseous structures": ("the osseous structures", True),
    "osseous": ("the osseous structures", True),
    "bony thorax": ("the bony thorax", False),
    "ribs": ("the ribs", True),
    "spine": ("the spine", False),
    "thoracic spine": ("the thoracic spine", False),
    "soft tissues": ("the soft tissues", True),
    "aorta": ("the aorta", False),
    "thoracic aorta": ("the thoracic aorta", False),
    "trachea": ("the trachea", False),
    "diaphragm": ("the diaphragm", False),
    "hemidiaphragm": ("the hemidiaphragm", False),
    "hemidiaphragms": ("the hemidiaphragms", True),
    "costophrenic angle": ("the costophrenic angle", False),
    "costophrenic angles": ("the costophrenic angles", True),
    "pleura": ("the pleura", False),
    "pleural spaces": ("the pleural spaces", True),
    "upper abdomen": ("the upper abdomen", False),
    "abdomen": ("the abdomen", False),
    "tubes and lines": ("the tubes and lines", True),
    "lines and tubes": ("the lines and tubes", True),
}
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

def _subject_patterns(subjects: Mapping[str, tuple[str, bool]]) -> tuple[re.Pattern[str], re.Pattern[str]]:
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


_PROFILE_SUBJECTS: dict[str, tuple[dict[str, tuple[str, bool]], re.Pattern[str], re.Pattern[str]]] = {}


def _subjects() -> tuple[dict[str, tuple[str, bool]], re.Pattern[str], re.Pattern[str]]:
    """The active profile's subjects and their compiled patterns (the chest X-ray ones by default)."""
    profile = _PROFILE.get()
    if not profile.subjects:
        return _SUBJECTS, _SUBJECT_RE, _REVERSE_RE
    got = _PROFILE_SUBJECTS.get(profile.name)
    if got is None:
        merged = {**_SUBJECTS, **{k.lower(): v for k, v in profile.subjects.items()}}
        got = (merged, *_subject_patterns(merged))
        _PROFILE_SUBJECTS[profile.name] = got
    return got


_SUBJECT_RE = re.compile(
    r"^(?:the\s+)?(?P<side>(?:left|right|bilateral)\s+)?(?P<subj>"
    + "|".join(re.escape(s) for s in sorted(_SUBJECTS, key=len, reverse=True))
    + r")\b\s*:?\s*(?P<rest>.*)$",
    re.I | re.S,
)
_PRED_RE = re.compile(
    r"^(?P<adv>(?:(?:" + "|".join(sorted(_ADVERBS | set(_HEDGE_ADVERB), key=len, reverse=True)) + r")\s+)*)"
    r"(?P<pred>" + "|".join(re.escape(p) for p in sorted(_PREDICATES, key=len, reverse=True)) + r")\b(?P<tail>.*)$",
    re.I | re.S,
)
_REVERSE_RE = re.compile(
    r"^(?P<pred>normal|clear|unremarkable)\s+(?:the\s+)?(?P<side>(?:left|right)\s+)?(?P<subj>"
    + "|".join(re.escape(s) for s in sorted(_SUBJECTS, key=len, reverse=True))
    + r")$",
    re.I,
)


def _subject_sentence(text: str, hedge: bool) -> str | None:
    """'lungs clear' -> 'The lungs are clear' (no final period); None when it is not that shape."""
    subjects, subject_re, reverse_re = _subjects()
    m = subject_re.match(text)
    pred_m = None
    if m:
        rest = m.group("rest").strip()
        if rest.split(" ", 1)[0].lower() in _VERBS:
            return None  # already a sentence ("lungs are clear")
        pred_m = _PRED_RE.match(rest)
    if m is None or pred_m is None:
        r = reverse_re.match(text.strip())
        if r is None:
            return None
        return _subject_sentence(f"{(r.group('side') or '')}{r.group('subj')} {r.group('pred')}", hedge)
    side = (m.group("side") or "").strip().lower()
    subj_key = m.group("subj").lower()
    name, plural = subjects[subj_key]
    if side:
        name = name.replace("the ", f"the {side} ", 1) if name.startswith("the ") else f"{side} {name}"
    adv_words = [_HEDGE_ADVERB.get(w.lower(), w.lower()) for w in pred_m.group("adv").split()]
    if hedge and not any(_HEDGE_WORDS_RE.search(w) for w in adv_words):
        adv_words.insert(0, "possibly")
    pred = pred_m.group("pred").lower()
    tail = pred_m.group("tail")
    adv = " ".join(adv_words)
    verb = "are" if plural else "is"
    heartish = subj_key in {"heart", "heart size", "cardiac size"} and not side
    if heartish and pred in {"normal in size", "normal size"}:
        pred = "normal"
    if subj_key in {"heart size", "cardiac size"} or (heartish and pred in {"normal", "within normal limits", "grossly normal"}):
        return _join("heart size is", adv, pred, tail)  # "heart nl" -> "Heart size is normal."
    if subj_key == "mediastinum" and not adv_words and pred in {"normal", "within normal limits", "unremarkable"}:
        return _join("the mediastinal contours are", "", pred, tail)
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
    low = word.lower().replace("\u2019", "'")
    extra = _PROFILE.get().abbreviations
    if low in extra:
        return extra[low]
    if low in ABBREVIATIONS:
        return ABBREVIATIONS[low]
    return None


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
            if nxt is not None and nxt[0] == "word" and nxt[1].lower() in _UNITS and toks[i + 1][0] != "ws":
                out.append(" ")
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
            if low == "cm":
                out.append("cardiomegaly" if _PROFILE.get().cm_is_cardiomegaly else tok)
                continue
            if low in _LATERALITY:
                is_letter = len(low) == 1
                ok = next_word and not prev_num
                if ok and low == "b":
                    ok = nxt[1].lower() not in {"line", "lines", "cell", "cells"} and (
                        prev is None or prev[1].lower() not in {"kerley", "vitamin", "hepatitis", "type", "group"}
                    )
                if not ok and is_letter and nxt is None and prev is not None and prev[1].lower() in {"the", "on"}:
                    ok = True  # "effusion on the L"
                out.append(_LATERALITY[low] if ok else tok)
                continue
            if low == "min":
                out.append(tok if prev_num else "minimal")
                continue
            if low == "abd":
                noun_next = next_word and nxt[1].lower() not in {"is", "are", "nl", "normal", "wnl", "unremarkable", "and", "or"}
                out.append("abdominal" if noun_next else "abdomen")
                continue
            if low == "picc":
                follows = nxt is not None and nxt[1].lower() in {"line", "catheter", "tip"}
                out.append("PICC" if follows else "PICC line")
                continue
            if low == "cp":
                out.append(_PROFILE.get().cp_angle if (nxt is not None and nxt[1].lower() in {"angle", "angles"}) else tok)
                continue
            if "-" in low and low not in ABBREVIATIONS:
                head, _, rest = low.partition("-")
                if head in _LATERALITY and rest in {"sided", "side"}:
                    out.append(f"{_LATERALITY[head]}-{rest}")
                    continue
            exp = _expand_word(tok)
            out.append(exp if exp is not None else tok)
            continue
        if kind == "slash":
            exp = _expand_word(tok)
            if exp is None:
                parts = tok.split("/")
                exp = "/".join(_expand_word(p) or p for p in parts)
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
_PROTECT = re.compile(r"\b(vs|approx|appx|dr|incl|cf|e\.g|i\.e)\.", re.I)
_PROTECTED = {"e.g": "for example", "i.e": "that is"}
_TRAILING_Q = re.compile(r"(?<=[^\s?,;:])(\?+)(?=\s+\S)")
_COMMA_SPLIT = re.compile(r"(?<!\d),|,(?!\d)")


def _compare_sub(m: re.Match[str]) -> str:
    a = "left" if m.group(1).lower() == "l" else "right"
    b = "left" if m.group(3).lower() == "l" else "right"
    rel = "greater than" if m.group(2) == ">" else "less than"
    return f"{a} {rel} {b}"


def _clauses(text: str) -> list[list[str]]:
    """Clauses (strong punctuation) of comma parts, raw (not yet expanded)."""
    clauses: list[list[str]] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line)
        line = _HEADER.sub("", line)
        line = _COMPARE.sub(_compare_sub, line)
        line = _TRAILING_Q.sub(r"\1;", line)  # "RLL opacity? no ptx": the '?' closes its statement
        line = _PROTECT.sub(lambda m: _PROTECTED.get(m.group(1).lower(), m.group(1)), line)  # "vs." is no sentence end
        for clause in _STRONG_SPLIT.split(line):
            parts = [p.strip() for p in _COMMA_SPLIT.split(clause)]
            parts = [p for p in parts if p]
            if parts:
                clauses.append(parts)
    return clauses


_LEAD_CONJ = re.compile(r"^(?:and|or|nor|also|plus)\s+", re.I)


def _is_bare(text: str) -> bool:
    """A short item of a list: a few words, a finding, no negation of its own, not a statement."""
    words = text.split()
    return 0 < len(words) <= 4 and not _NEG_ANY_RE.search(text) and _subject_sentence(text, False) is None


_ATTACH_START = re.compile(
    r"^(?:-?\d|(?:the )?(?:largest|biggest|dominant)\b|(?:measuring|measures|measured|at|in|on|with|along|extending|involving|overlying|projecting|near|"
    r"up to|approximately|about|rim|tip|sized?|unchanged|stable|new|increased|decreased|increasing|decreasing|"
    r"improved|improving|worse|worsened|worsening|similar|since|from|compared|likely|possibly|probably|"
    r"which|that|slightly|minimally|mildly|grossly)\b)",
    re.I,
)


def _is_attachment(text: str) -> bool:
    """A comma part that only describes the previous statement (size, place, change, hedge)."""
    return (
        _ATTACH_START.match(text) is not None
        and not mentions_finding(text)
        and not _NEG_ANY_RE.search(text)
        and _subject_sentence(text, False) is None
    )


_INNER_OR = re.compile(r"^(.+?)\s+(?:or|nor)\s+\S", re.I)


def _merge_lists(parts: list[str]) -> list[str]:
    """Keep "no A, B, or C" together (negation scope) and "A, B, or C" (alternatives);
    "small A, B, and C" become separate items."""
    out: list[str] = []
    for part in parts:
        lead = _LEAD_CONJ.match(part)
        conj = lead.group(0).strip().lower() if lead else ""
        if out and not conj and _is_attachment(part):
            out[-1] = f"{out[-1]}, {part}"  # "small R ptx, 3 cm rim at the hilum": one statement
            continue
        inner = _INNER_OR.match(part)
        if out and not conj and inner and _is_bare(inner.group(1)):
            # "no A, B or C" without the serial comma: the last item is "B or C"; the negation
            # governs it as well ("no eff, ptx or consol" never asserts a pneumothorax)
            j = len(out) - 1
            while j > 0 and _is_bare(out[j]):
                j -= 1
            if _NEG_START_RE.match(out[j]):
                out[j:] = [", ".join(out[j:] + [part])]
                continue
        if not out or conj not in ("or", "nor", "and"):
            out.append(part)
            continue
        j = len(out) - 1  # walk back over the bare items to the head of the list
        while j > 0 and _is_bare(out[j]):
            j -= 1
        if _NEG_START_RE.match(out[j]):
            start = j  # "no A, B, or C" / "no A, B, and C": one negated list
        elif conj in ("or", "nor"):
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


def _split_and(text: str) -> list[str]:
    """Split on ' and ' where it joins two independent findings."""
    pieces = re.split(r"\s+and\s+", text)
    if len(pieces) == 1:
        return [text]
    out = [pieces[0]]
    for right in pieces[1:]:
        left = out[-1]
        left_complete = mentions_finding(left) or _subject_sentence(left, False) is not None
        right_stmt = _subject_sentence(right, False) is not None
        right_neg = bool(_LEAD_CUE.match(right))  # its own leading negation or hedge
        right_complete = right_stmt or right_neg or (mentions_finding(right) and len(right.split()) >= 2)
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
        if left_complete and right_complete and not keeps_scope:
            out.append(right)
        else:
            out[-1] = f"{left} and {right}"
    return out


_EFFUSION_RE = re.compile(r"\b(effusions?)\b", re.I)


def _pleural(text: str) -> str:
    """'left effusion' -> 'left pleural effusion' (chest context); 'bilateral effusion' -> plural."""
    if not _EFFUSION_RE.search(text):
        return text
    words = text.split(" ")
    out: list[str] = []
    for i, w in enumerate(words):
        m = _EFFUSION_RE.fullmatch(w.rstrip(".,;:!?"))
        if m is None:
            out.append(w)
            continue
        prev = words[i - 1].lower().strip(",;:()") if i else ""
        if prev in _NON_PLEURAL_BEFORE_EFFUSION:
            out.append(w)
            continue
        if "bilateral" in (x.lower() for x in words[max(0, i - 3) : i]) and not m.group(1).lower().endswith("s"):
            w = w.replace(m.group(1), m.group(1) + "s", 1)
        out.append("pleural " + w)
    return " ".join(out)


_FINDING_NOUNS = frozenset(t.split()[-1] for t in FINDING_TERMS)
_TRAILING_LOCATION = re.compile(
    r"^(?P<head>.*?\b(?P<noun>[\w-]+))\s+(?P<loc>(?:right|left) (?:upper|middle|lower) lobe|lingula|"
    r"(?:right|left) (?:base|apex|lung|hemithorax)|bases|apices)(?P<end>[.!]?)$",
    re.I,
)


def _locate(text: str) -> str:
    """'ground-glass opacity right upper lobe' -> '... opacity in the right upper lobe'."""
    m = _TRAILING_LOCATION.match(text)
    if m is None or m.group("noun").lower() not in _FINDING_NOUNS:
        return text
    return f"{m.group('head')} in the {m.group('loc')}{m.group('end')}"


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
    text = _LEAD_CONJ.sub("", text).strip()
    if not any(ch.isalnum() for ch in text):
        return None
    low = text.lower().rstrip(".!")
    if low in ("no acute", "no acute findings", "no acute change", "no acute changes", "nothing acute"):
        return _PROFILE.get().no_acute
    stmt = _subject_sentence(text.rstrip(".!"), False)
    if stmt is not None:
        text = stmt
    else:
        text = _locate(text)
    if _PROFILE.get().pleural_effusions:
        text = _pleural(text)
    for rx, fn in _NUMBER_FIXES:
        text = rx.sub(fn, text)
    text = text[0].upper() + text[1:]
    text = text.rstrip(" ,;:")
    if text[-1] not in ".!":
        text += "."
    elif text.endswith("!"):
        text = text[:-1] + "."
    return text


def expand_shorthand(text: str) -> str:
    """Expand the shorthand of one phrase (no splitting, no sentence finishing)."""
    expanded, _ = _expand_tokens(text)
    return expanded


def parse_dictation(text: str | None, *, profile: DictationProfile | None = None) -> list[str]:
    """Full report sentences from dictation or shorthand (``[]`` for empty text).

    :param text: free text; anything is accepted and treated as data.
    :param profile: the kind of study (:data:`CXR_PROFILE` by default; see
        :mod:`pixtralogist.plugins.radiology.dictation_profiles` for CT chest and brain MRI).
    :return: sentences, capitalised and ending with a period, in dictation order.
    """
    if not text or not isinstance(text, str):
        return []
    token = _PROFILE.set(profile or CXR_PROFILE)
    try:
        return _parse(text)
    finally:
        _PROFILE.reset(token)


def _parse(text: str) -> list[str]:
    text = clean_text(text)
    sentences: list[str] = []
    for parts in _clauses(text):
        expanded: list[tuple[str, bool]] = []
        for raw in parts:
            if raw.isupper() and sum(ch.isalpha() for ch in raw) >= 3:
                raw = raw.lower()  # ALL-CAPS dictation; acronyms come back from the table
            exp, q = _expand_tokens(raw)
            if exp or q:
                expanded.append((exp, q))
        # a trailing "?" hedges its own comma part
        texts = [_hedge_statement(e) if q else e for e, q in expanded]
        for part in _merge_lists(texts):
            for piece in _split_and(part):
                done = _finish(piece)
                if done:
                    sentences.append(done)
    return sentences


