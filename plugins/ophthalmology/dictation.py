"""Turn an eye clinician's dictation or shorthand into full report sentences, keeping the eye.

>>> parse_dictation("OD: CDR 0.3, disc pink sharp. scattered MAs, no NV")
['The cup-to-disc ratio is 0.3 in the right eye.', 'The optic disc is pink and sharp in the right eye.',
 'Scattered microaneurysms in the right eye.', 'No neovascularization in the right eye.']

What it does, in order:

1. Clean the text, drop bullets and section headers ("Findings:"), and read eye
   headers: a line or segment starting "OD:", "OS:", "OU:", "RE:", "LE:",
   "Right eye:" ... gives its eye to every statement after it (until the next
   header or the end of the line).
2. Split into statements on newlines, semicolons, sentence periods (not
   decimals such as "0.3"), then on commas. A list closed by "or"/"nor" after a
   negation ("no MAs, hemes or NV") stays one statement so the negation keeps
   its scope; a comma part that names nothing ("sharp", "2 quadrants") stays
   with the statement before it.
3. Expand shorthand with the eye lexicon's ``abbreviations`` (``data/lexicon/eye.yaml``)
   ("MAs" -> "microaneurysms", "CDR" -> "cup-to-disc ratio", "VH" -> "vitreous
   hemorrhage"); eye tokens inside a statement ("NVD OD") become the
   statement's eye; "?" is a hedge ("?NVE" / "NVE?" -> "possible NVE"); "2q"
   -> "2 quadrants".
4. Rewrite terse "subject predicate" statements ("disc pink sharp" -> "The optic
   disc is pink and sharp", "CDR 0.3" -> "The cup-to-disc ratio is 0.3"), add
   the eye ("... in the right eye") when the statement has one, capitalise and
   end with a period.

Which eye a statement is about (docs/kit.md, "Ophthalmology"): a header's eye holds to the next
header; an eye a sentence opens with holds for the following sentences until another eye is named
(not after a whole-eye statement, "OD nl"); the eye a one-eye dictation opens with holds for its later
lines that name none ("LE, post PPV." then a line "Periphery: flat"); in a sentence, parts after one that names an eye are
about it, and a lesion list closed by an eye is the list's; a part naming another eye never merges
into a statement; "C:D 0.6 OD 0.65 OS" is one statement per eye; "OD > OS" is "right eye greater
than left eye"; "R eye" is an eye token.

Every word it knows (shorthand, subjects, predicates, descriptor words, eye tokens) is the eye
lexicon's data. It is the one piece of the plugin not yet on the kit: :func:`pixtralogist.kit.parse_dictation`
has no per-eye sections ("OD: ... OS: ...") or eye carry-over yet.

Negation and hedging words are always kept; nothing is made more certain than
dictated and no eye is guessed. Any text - including text that looks like
instructions - is only data: it becomes sentences, never behaviour.
"""

from __future__ import annotations

import re

from pixtralogist.core.text import clean_text
from pixtralogist.kit.dictation import CLINICIAN_SEES, dash_list, strip_lead_conjunction, correct_spelling, differential_as_alternatives, feature_none_as_denial, is_list_item, join_negated_list, protect_abbreviation_dots
from pixtralogist.kit.extractor import context_expansion
from pixtralogist.plugins.ophthalmology import lexicon

__all__ = ["parse_dictation"]

_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2023\u25e6>]+|\(?\d{1,2}[.)])\s+")
_HEADER = re.compile(r"^\s*(?:findings?|impressions?|dictation|notes?|comments?|fundus|fundi|oct-?a?|octa|"
                     r"(?:dilated\s+)?fundoscopy|(?:dilated\s+)?fundus\s+exam\w*|dfe|examination|on\s+examination|o/e)\s*:\s*"
                     # a sentence that only names the examination ("Dilated fundoscopy.", "OCTA both eyes.") says nothing
                     r"|^\s*(?:dilated\s+)?(?:fundoscopy|funduscopy|fundus\s+exam\w*|dfe|oct-?a|octa)(?:\s+(?:OU|both\s+eyes))?\s*\.\s*",
                     re.I)
#: a section label that opens a sentence inside a line ("... dry. Impression: bilateral NPDR"): dropped
_MID_HEADER = re.compile(r"(?<=[.;]\s)(?:impressions?|imp|diagnosis|dx|findings?|comments?|conclusion|"
                         r"(?:dilated\s+)?(?:fundus|fundi|fundoscopy|funduscopy|dfe)(?:\s+(?:exam\w*|OU|both\s+eyes))?)\s*:\s*"
                         # the impression's label said without its colon ("... OS nl. Imp optic pit maculopathy OD.")
                         r"|(?<=[.;]\s)(?:impression|imp)\s+(?:[-\u2013\u2014]\s+)?(?=[^\W\d_])(?!(?:is|was|of|that)\b)", re.I)
#: a priority label that opens the dictation ("URGENT: 48M, ...", "STAT - ..."): said as a plan at its end ("Urgent."), so that
#: what it opens (the patient, the first finding) is read as if it opened the dictation
_PRIORITY_LABEL = re.compile(r"^\s*(?P<p>urgent|emergency|stat|asap)\s*(?::|!+|\s-+|\u2013|\u2014)\s*(?=\S)", re.I)


def _priority_last(text: str) -> str:
    m = _PRIORITY_LABEL.match(text)
    if m is None:
        return text
    rest = text[m.end():].rstrip()
    return f"{rest}{'' if rest.endswith(('.', '!', '?')) else '.'} Urgent."  # STAT, ASAP, emergency: the same priority


#: where a "Plan:" label opens a sentence inside a line (the label stays, on a line of its own)
_PLAN_LABEL_START = re.compile(r"(?<=[.;])\s+(?=(?:plan|management|recommendations?)\s*:)", re.I)
#: "R1M0", "R3A M1 P1": a diabetic eye screening grade (the lexicon's ``dictation.screening_grades``)
_GRADES: dict[str, str] = {str(k).upper(): str(v) for k, v in (lexicon.EYE.dictation.get("screening_grades") or {}).items()}
_SCREENING_GRADE = re.compile(r"(?<![\w/])(?P<r>R[0-3][AS]?)\s*(?P<m>M[01])?\s*(?P<p>P[01])?(?![\w/])"
                              r"(?=\s*(?:,|;|\.|$|(?:right|left|OD|OS|OU|RE|LE|both)\b))")


def _screening_grade(m: re.Match[str]) -> str:
    return " and ".join(_GRADES.get(g.upper(), g) for g in (m.group("r"), m.group("m"), m.group("p")) if g)


#: "Plan: refer MR clinic, OCT macula": one plan, its comma parts its items (never findings)
_PLAN_SENTENCE = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?P<label>plan|p|management|recommendations?)\s*:\s*(?P<body>[^.;]*)", re.I)
_EYE_WORD = r"(?:OD|OS|RE|LE|R|L|right(?:\s+eye)?|left(?:\s+eye)?)"
#: "Severe NPDR right, mild left", "Dry AMD both eyes, advanced OS": the second eye's grade leaves out the disease
#: it grades (the lexicon's ``dictation.grade_ellipsis``: grade and type words, graded diseases)
_ELLIPSIS = lexicon.EYE.dictation.get("grade_ellipsis") or {}
_GRADE_WORD = r"(?:" + "|".join(sorted(_ELLIPSIS.get("grades") or ["mild"], key=len, reverse=True)) + r")"
_GRADED = r"(?:" + "|".join(sorted(_ELLIPSIS.get("diseases") or ["NPDR"], key=len, reverse=True)) + r")"
_FIRST_EYE = r"(?:" + _EYE_WORD + r"|OU|BE|both(?:\s+eyes)?|bilateral(?:ly)?)"
_GRADE_ELLIPSIS = re.compile(
    r"(?P<a>\b(?:" + _GRADE_WORD + r"[\s,]+(?:and\s+)?){1,2}(?P<noun>" + _GRADED + r")\s+(?:in\s+(?:the\s+)?)?(?P<e1>"
    + _FIRST_EYE + r"))\s*(?:,|;|and|&|but|whereas|while)\s*(?:and\s+|but\s+)?"
    r"(?:(?P<sev>" + _GRADE_WORD + r")\s+(?:in\s+(?:the\s+)?)?(?P<e2>" + _EYE_WORD + r")"
    r"|(?:the\s+)?(?P<e3>" + _EYE_WORD + r")\s+(?:is\s+)?(?P<sev3>" + _GRADE_WORD + r"))"
    r"(?=\s*(?:[.;,]|$))", re.I)


def _grade_ellipsis(m: re.Match[str]) -> str:
    """"Dry AMD both eyes, advanced OS" -> "Dry AMD both eyes, advanced AMD OS"."""
    sev, eye = (m.group("sev"), m.group("e2")) if m.group("sev") else (m.group("sev3"), m.group("e3"))
    return f"{m.group('a')}, {sev} {m.group('noun')} {eye}"


#: "with" opening a statement that stayed on its own ("..., with inferior rim thinning on the right")
_WITH_LEAD = re.compile(r"^(?:with|w/)\s+(?=\w)", re.I)
#: the cup-to-disc ratio spelled out ("cup to disc ratio", "cup disc ratios")
_CUP_DISC = re.compile(r"\bcup[\s-]+(?:to[\s-]+)?disc\s+ratios?\b", re.I)
#: "OS CDR 0.45, otherwise as OD": the fellow eye, not a statement about it
_AS_FELLOW = re.compile(r"\b(?:as|same\s+as|similar\s+to|as\s+per|like)\s+(?:the\s+)?(?:OD|OS|RE|LE|right\s+eye|left\s+eye|R|L"
                        r"|(?:right|left)(?=\s*(?:[.;,]|$)))\b(?!\s*:)", re.I)
#: "Fundus OU:", "OCTA OD -": the study word before an eye header says nothing
_STUDY_BEFORE_EYE = re.compile(r"^\s*(?:fundus|fundi|fundoscopy|dilated\s+fundus\s+exam\w*|dfe|oct-?a?|octa)\s+"
                               r"(?=(?:OD|OS|OU|RE|LE|right\s+eye|left\s+eye|both\s+eyes)\s*[:\u2013\u2014-])", re.I)
_EYE_HEADER = re.compile(
    r"(?:(?:(?<=^)|(?<=[\s.;,]))(?P<eye>OD|OS|OU|RE|LE|(?:R|L|Rt|Lt)\.?\s+eye|right\s+eye|left\s+eye|both\s+eyes|bilat(?:eral(?:ly)?)?|B/?E|"
    r"(?:right|left|rt|lt|r|l)\s+fund(?:us|i)|R|L|Rt|Lt|RT|LT|right|left)\s*:"
    # a dash after the eye is a header only where a statement starts ("OD - CDR 0.4"), not in "PDR OS - PRP today"
    r"|(?:(?<=^)|(?<=[.;,:]\s)|(?<=[.;,:]))\s*(?P<eye2>OD|OS|OU|RE|LE|(?:R|L|Rt|Lt)\.?\s+eye|right\s+eye|left\s+eye|"
    r"both\s+eyes|bilat(?:eral(?:ly)?)?|B/?E|(?:right|left|rt|lt|r|l)\s+fund(?:us|i)|R|L|Rt|Lt|RT|LT)\s*[\u2013\u2014-])\s+",
    re.I,
)
_STRONG_SPLIT = re.compile(r";+|!+|(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)")
_COMMA_SPLIT = re.compile(r"(?<!\d),|,(?!\d)")
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<slash>[^\W\d_]{1,4}[/:][^\W\d_]{1,4}(?![\w/]))|(?P<num>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<word>[^\W_]+(?:['\u2019\-][^\W_]+)*)|(?P<other>.)",
    re.S,
)
_EYES = lexicon.EYE.data["eyes"]
_EYE_TOKENS: dict[str, str] = dict(_EYES["tokens"])
_CASE_SENSITIVE_EYES = frozenset(_EYES["case_sensitive"])  # "re"/"le" in lower case are not eye tokens
_NEG_START = re.compile(r"^\s*(?:no|not|without|negative\s+for|none|free\s+of|nor|neither|absence\s+of)\b", re.I)
_NEG_ANY = re.compile(r"\b(?:no|not|without|negative|none|nor|neither)\b", re.I)
_HEDGE = re.compile(r"\b(?:possible|possibly|probable|probably|likely|questionable|suspect\w*|suspicious|may|might|"
                    r"cannot\s+exclude|not\s+excluded|query|versus)\b", re.I)
_LEAD_CONJ = re.compile(r"^(?:and|or|nor|also|plus)\s+", re.I)

_DICTATION = lexicon.EYE.dictation
_SUBJECTS = lexicon.EYE.subjects  # "disc" -> how the sentence names it, and whether it is plural
_PREDICATES = tuple(_DICTATION["predicates"])
_ADVERBS = tuple(_DICTATION["adverbs"])
_VALUED = frozenset(_DICTATION["valued"])  # subjects whose number is their value ("CDR 0.3")
_ACRONYMS = frozenset(_DICTATION["acronyms"])
_WHOLE_EYE = frozenset(_DICTATION["whole_eye_predicates"])  # an eye alone with these: "OS nl", "OD stable"
#: an eye alone with these says them of one structure: "OS flat" -> "The retina is flat in the left eye."
_EYE_ALONE_SUBJECTS: dict[str, str] = {str(k).lower(): str(v) for k, v in (_DICTATION.get("eye_alone_subjects") or {}).items()}
_PRED_WORD = "(?:" + "|".join(re.escape(p) for p in sorted(_PREDICATES, key=len, reverse=True)) + ")"
_SUBJECT_RE = re.compile(
    r"^(?:the\s+)?(?P<subj>" + "|".join(re.escape(s) for s in sorted(_SUBJECTS, key=len, reverse=True)) + r")\b"
    r"\s*:?\s*(?P<rest>.*)$",
    re.I | re.S,
)
_PRED_RE = re.compile(
    r"^(?P<body>(?:(?:" + "|".join(_ADVERBS) + r")\s+)*" + _PRED_WORD
    + r"(?:\s*(?:,|and|&|/)?\s*(?:(?:" + "|".join(_ADVERBS) + r")\s+)*" + _PRED_WORD + r")*)\b(?P<tail>.*)$",
    re.I | re.S,
)
_VALUE_RE = re.compile(r"^(?P<value>(?:of\s+|is\s+|=\s*|~\s*)?(?:approximately\s+)?\d+(?:\.\d+)?(?:\s*(?:-|to)\s*\d+(?:\.\d+)?)?"
                       r"(?:\s*(?:mm2|mm|%|/10|microns?|um|µm))?)(?P<tail>.*)$", re.I)
_VERBS = {"is", "are", "was", "were", "appears", "appear", "looks", "look", "seems", "remains", "remain", "shows", "show"}


# --- splitting -----------------------------------------------------------------------------------


def _segments(line: str) -> list[tuple[str, frozenset[str]]]:
    """(text, eyes) segments of one line, cut at eye headers ("OD: ... OS: ...")."""
    out: list[tuple[str, frozenset[str]]] = []
    pos = 0
    eyes: frozenset[str] = frozenset()
    for m in _EYE_HEADER.finditer(line):
        token = m.group("eye") or m.group("eye2")
        if token.upper() in _CASE_SENSITIVE_EYES and token != token.upper():
            continue
        if token.lower() in ("be", "b/e") and token != token.upper():
            continue  # "be:" is a word
        if token.lower() in ("r", "l", "rt", "lt") and token[0] != token[0].upper():
            continue  # "r:"/"l:" in lower case are no eye headers
        before = line[pos:m.start()]
        cut = max((b.end() for b in _STRONG_SPLIT.finditer(before)), default=0)
        label = before[cut:]
        if m.group("eye") and label.strip() and not _GENERIC_LABEL.fullmatch(label.strip()):
            # "CRVO OD: flame hems": the words just before an "eye:" header, in its sentence, are that eye's
            # (a statement of their own), not the eye before
            if before[:cut].strip():
                out.append((before[:cut], eyes))
            out.append((label.rstrip() + ".", _eyes_of_token(token)))
        elif before.strip():
            out.append((before, eyes))
        eyes = _eyes_of_token(token)
        pos = m.end()
    if line[pos:].strip():
        out.append((line[pos:], eyes))
    return out


#: a spaced dash between words closes a statement ("no peripheral loop - inactive"); "3 - 4 mm" stays
_DASH = re.compile(r"(?<=[^\W\d_])\s+[-\u2013\u2014]+\s+(?=[^\W\d_]|\d\s*(?:/\s*4\s*)?(?:q|quads?|quadrants?)\b)")
_EYE_ONLY = re.compile(r"\b(?:in\s+)?(?:the\s+)?(?:OD|OS|OU|RE|LE|right\s+eye|left\s+eye|both\s+eyes)\b", re.I)


#: what a dash part may only say to stay with the statement before it: its severity, or since when it is so
_DASH_GRADE = re.compile(r"(?:(?:very|mildly|slightly|moderately|markedly|severely)\s+)?(?:mild|moderate|severe|minimal|marked|"
                         r"slight|trace|early|advanced|new|old|stable|unchanged|improved|worse|worsened|progressed|progressing)"
                         r"(?:\s+(?:since|from|vs|versus|compared\s+(?:to|with))\s+(?:the\s+)?(?:prior|previous|last)"
                         r"(?:\s+(?:visit|exam|scan|study|images?|photos?))?)?", re.I)


def _dash_parts(clause: str) -> list[str]:
    """A clause cut at its spaced dashes (:data:`_DASH`), except a dash part that only grades or dates the
    statement before it (:data:`_DASH_GRADE`), with or without an eye ("Cherry red spot, unchanged - mild right eye",
    "Drop-out, LE - mild"): that part stays a comma part of the statement (never one under a denial)."""
    parts = _DASH.split(clause)
    out = parts[:1]
    for part in parts[1:]:
        bare = _EYE_ONLY.sub(" ", part).strip(" ,")
        if _DASH_GRADE.fullmatch(bare) and not _NEG_START.match(out[-1]):
            out[-1] = f"{out[-1]}, {part}"
        elif _listed(f"{out[-1]} - {part}") is not None:
            out[-1] = f"{out[-1]} - {part}"  # "Drusen - perifoveal, along the arcade": the finding and where it is
        else:
            out.append(part)
    return out


def _listed(clause: str) -> tuple[str, str, str] | None:
    """The kit's dash list (:func:`~pixtralogist.kit.dictation.dash_list`) read with the eye lexicon: a finding, a
    spaced dash and a comma list of its places or parts, which stays one statement."""
    from pixtralogist.core.nlp import mentions_finding

    return dash_list(clause, describes=lambda p: _describes_previous(p) and not _names_something(p),
                     own_finding=lambda p: _names_lesion(p) or mentions_finding(p, extra_terms=lexicon.NLP_TERMS),
                     lexicon=lexicon.EYE)


def _eye_after(expanded: list[tuple[str, frozenset[str]]], eyes: frozenset[str]) -> None:
    """An eye said alone after its statement ("Narrowing, RE.", "C/w CSME, mild, LE") is the eye of the parts
    before it that named none (back to the last part that named one)."""
    k = len(expanded)
    while k > 0 and not expanded[k - 1][1]:
        k -= 1
    expanded[k:] = [(text, eyes) for text, _ in expanded[k:]]


#: words before an "eye:" header that only introduce it ("Findings OD:", "Exam OS:")
_GENERIC_LABEL = re.compile(r"(?:findings?|impressions?|dictation|notes?|comments?|exam\w*|o/e|on\s+examination|"
                            r"fundus|fundi|fundoscopy|dfe|oct-?a?|octa|eyes?|and|then|also|while|whereas|but)", re.I)


def _eyes_of_token(token: str) -> frozenset[str]:
    low = re.sub(r"\s+fund(?:us|i)$", " eye", _SPACES.sub(" ", token.lower()))  # "Right fundus:" is the right eye's
    low = {"rt eye": "r eye", "lt eye": "l eye", "rt. eye": "r eye", "lt. eye": "l eye", "r. eye": "r eye",
           "l. eye": "l eye"}.get(low, low)
    side = _EYE_TOKENS.get(low) or {"r eye": "right", "l eye": "left", "right eye": "right", "left eye": "left",
                                     "both eyes": "both", "r": "right", "l": "left", "rt": "right", "lt": "left",
                                     "right": "right", "left": "left", "bilat": "both", "bilateral": "both",
                                     "bilaterally": "both", "be": "both", "b/e": "both"}.get(low)
    if side == "both":
        return frozenset({"right", "left"})
    return frozenset({side}) if side else frozenset()




def _names_something(text: str) -> bool:
    """Whether a phrase names an anatomy, a lesion or a finding (else it describes the previous one)."""
    from pixtralogist.core.nlp import mentions_finding

    if _SUBJECT_RE.match(text):
        return True
    sorters = (lexicon.sorter_for("fundus"), lexicon.sorter_for("octa"))
    return bool(any(s.scan(text) for s in sorters) or mentions_finding(text, extra_terms=lexicon.NLP_TERMS))


def _names_finding(text: str) -> bool:
    """Whether a statement names a lesion or an anatomy of the fundus or OCTA sorters (not only a plan)."""
    return any(tag != "others" and not tag.startswith("weak:") for s in (lexicon.sorter_for("fundus"), lexicon.sorter_for("octa"))
               for tag, _ in s.scan(text))


def _is_bare(text: str) -> bool:
    """A bare item of a dictated list (the kit's rule, with the eye lexicon's subjects)."""
    return is_list_item(text, lexicon=lexicon.EYE)


_DESCRIBING_LEAD = re.compile(r"^(?:not\s+|without\s+)?(?:with(?!out)|involving|sparing|spares|threatening|extending|affecting|"
                             r"within|w/in|close\s+to|near|adjacent\s+to|encroaching"
                             # where it stands to the centre ("..., not centre", "not centre-involving", "extrafoveal")
                             r"|(?:cent(?:re|er)(?:[- ]involv\w*)?|(?:sub|juxta|extra|para)?foveal(?:ly)?)(?=\s*(?:OD|OS|OU|RE|LE)?\s*$)"
                             # a comparison with another place or eye ("diffuse DCP loss, worse than SCP", ", OS > OD")
                             r"|(?:much\s+|slightly\s+|far\s+)?(?:worse|better|more|less|greater|milder|denser|larger|smaller|"
                             r"wider|deeper|lesser)(?:\s+\w+)?\s+than(?=\s+\w)(?!\s+(?:the\s+|in\s+the\s+)?(?:OD|OS|OU|RE|LE|R|L|right|left|"
                             r"fellow|other)\b))\b", re.I)
_DESCRIPTORS = frozenset(w.lower() for w in _DICTATION["attachments"]) | {p.lower() for p in _PREDICATES} \
    | {a.lower() for a in _ADVERBS}
_HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_FILLER = re.compile(r"\d+(?:\.\d+)?|\b(?:mm2|mm|um|µm|microns?|dd|disc\s+(?:diameters?|areas?)|x|and|or|the|of|in|at|to|"
                     r"about|approximately|approx|around|roughly|nearly|almost)\b|[^\w\s]", re.I)


#: a hedged verdict or a risk level of the statement before it ("Choroidal naevus, likely benign", ", low risk")
_VERDICT = re.compile(r"(?:(?:likely|probably|presumed|possibly|most\s+likely|clinically)\s+(?:benign|malignant|active|inactive|"
                      r"quiescent|stable|old|chronic|acute|significant|insignificant|innocent|artefactual)|(?:very\s+)?(?:low|high|"
                      r"moderate|intermediate)\s+risk)(?:\s+(?:OD|OS|OU))?\.?$", re.I)


def _describes_previous(part: str) -> bool:
    """A comma part that only describes the statement before it: its extent or place relative to
    the fovea ("not involving fovea", "centre-involving"), or descriptor words, sizes and numbers only
    ("large, confluent", "full thickness, ~400 um", "irregular")."""
    if _DESCRIBING_LEAD.match(part) or _VERDICT.match(part.strip()):
        return True
    rest = _FILLER.sub(" ", _HYPHEN_IN_WORD.sub("_", part.lower()))  # "macula-off" is one descriptor
    words = rest.split()
    if not words:
        return bool(re.search(r"\d", part))  # a value alone ("0.38 mm2")
    return all(w in _DESCRIPTORS or w.replace("_", "-") in _DESCRIPTORS or all(x in _DESCRIPTORS for x in w.split("_"))
               for w in words) and not _NEG_ANY.search(part)


def _merge(parts: list[str], eyes: list[frozenset[str]] | None = None) -> list[str]:
    return _merge_with_eyes(parts, eyes)[0]


def _merge_with_eyes(parts: list[str], eyes: list[frozenset[str]] | None = None
                     ) -> tuple[list[str], list[frozenset[str]]]:
    """Keep "no A, B or C" together; attach parts that name nothing to the part before them (never a
    part that names another eye than it: "wet AMD OS, dry OD" stays two statements)."""
    out: list[str] = []
    out_eyes: list[frozenset[str]] = []  # the eyes each merged statement names
    eyes = list(eyes) if eyes else [frozenset()] * len(parts)
    parts = list(parts)
    while (len(parts) > 1 and _describes_what_was_named(parts[0]) and not re.search(r"\d", parts[0])
           and _names_something(parts[1]) and not _NEG_ANY.search(parts[1]) and (not eyes[0] or eyes[0] == eyes[1])):
        # "enlarged, irregular FAZ": describing words listed before their noun describe it
        parts[:2], eyes[:2] = [f"{parts[0]}, {parts[1]}"], [eyes[0] or eyes[1]]
    for k, part in enumerate(parts):
        own = eyes[k] if eyes else frozenset()
        both = _BOTH_PRED.match(part)
        if both and len(out) >= 2 and not own and _describes_previous(both.group("pred")) \
                and not any(_NEG_START.match(o) for o in out[-2:]):
            # "SCP VD 38%, DCP VD 41%, both reduced": the predicate is each of the two statements before it's
            out[-2:] = [f"{o}, {both.group('pred')}" for o in out[-2:]]
            continue
        other_eye = bool(out and own and out_eyes[-1] and own != out_eyes[-1])
        before = len(out)
        subject = _SUBJECT_RE.match(out[-1]) if out else None
        if other_eye and subject and _PRED_RE.match(part) and not _SUBJECT_RE.match(part):
            # "FAZ enlarged OD (0.42 mm2), normal OS (0.28 mm2)": the other eye's predicate keeps the subject
            _merge_one(out, f"{subject.group('subj')} {part}", True)
            out_eyes.append(own)
            continue
        if other_eye and _describes_previous(part) and (own < out_eyes[-1] or (
                _VALUE_ONLY.fullmatch(part.strip()) and _VALUE_ONLY.search(out[-1]))):
            # "FAZ enlarged OU, 0.38 mm2 OD, 0.36 OS": a value of one of the statement's eyes stays with
            # it, each part saying its eye
            head = out[-1] if lexicon.eyes_of(out[-1]) else f"{out[-1]} {_eye_phrase(out_eyes[-1])}"
            out[-1] = f"{head}, {part} {_eye_phrase(own)}"
            continue
        _merge_one(out, part, other_eye)
        if len(out) > before:
            out_eyes.append(own)
        else:  # joined to the last statement, or a list folded into one
            out_eyes[len(out) - 1:] = [frozenset().union(own, *out_eyes[len(out) - 1:])]
    return out, out_eyes


#: "both reduced", "both normal": a predicate of the two statements before it
_BOTH_PRED = re.compile(r"^(?:both|each)\s+(?!eyes?\b)(?P<pred>.+)$", re.I)
#: a measure alone ("0.4 mm2"), or a statement that ends with one
_VALUE_ONLY = re.compile(r"~?\d+(?:\.\d+)?\s*(?:mm2|mm|%|um|µm|microns?)(?:\s+(?:OD|OS|RE|LE))?\s*$")


def _continues(rest: str, before: str) -> bool:
    """Whether the words after "also" only say where else the finding before it is ("nasal to disc", "temporal
    to the FAZ"): no finding of their own (a place may name an anatomy), no denial, after a statement not denied."""
    from pixtralogist.core.nlp import mentions_finding

    return (bool(rest.strip()) and len(rest.split()) <= 6 and not _NEG_ANY.search(rest) and not _NEG_START.match(before)
            and not mentions_finding(rest, extra_terms=lexicon.NLP_TERMS) and not _names_lesion(rest))


def _names_lesion(text: str) -> bool:
    """Whether ``text`` names a lesion of the fundus or OCTA sorters' finding rules (not only a place)."""
    return any(tag.startswith("finding:") for s in (lexicon.sorter_for("fundus"), lexicon.sorter_for("octa"))
               for tag, _ in s.scan(text))


def _merge_one(out: list[str], part: str, other_eye: bool) -> None:
    """Add one comma part to the merged statements (see :func:`_merge`)."""
    lead = _LEAD_CONJ.match(part)
    conj = lead.group(0).strip().lower() if lead else ""
    if out and conj == "also" and not other_eye and _continues(part[lead.end():], out[-1]):
        out[-1] = f"{out[-1]}, {part}"  # "MAs scattered, also nasal to disc": more places of the same finding
        return
    if out and not conj and not other_eye and ((_describes_previous(part)
                                                and not (part[:4].lower() == "with" and _NEG_START.match(out[-1]))) or (
            not _NEG_ANY.search(part) and not _HEDGE.search(part) and not _names_something(part)
            and not _NEG_START.match(out[-1]))):  # "no cup, autofluorescent": never put under the denial
        joiner = " and " if re.fullmatch(_PRED_WORD, part.strip(), re.I) and _SUBJECT_RE.match(out[-1]) else ", "
        out[-1] = f"{out[-1]}{joiner}{part}"
        return
    if not conj and re.search(r"\b(?:or|nor)\b", part, re.I) and len(part.split()) <= 6 and not _NEG_ANY.search(part):
        conj = "or"  # "no MAs, hemes or NV": the last item carries the "or"
    if out and conj in ("or", "nor") and join_negated_list(out, part, lexicon=lexicon.EYE):
        return  # "no MAs, hemes or NV": the kit's walk back to the negation head
    out.append(part)


# --- expansion -----------------------------------------------------------------------------------


_WITH = re.compile(r"\bw/(?=\s)", re.I)
#: the eye language with both templates' sorter words: the words a typo is checked against
_SPELLING = lexicon.lexicon_for("fundus").extend(lexicon.lexicon_for("octa"))


def _context(low: str, toks: list[tuple[str, str]], i: int, prev, nxt) -> str | None:
    """The lexicon's ``context_abbreviations`` (the kit's rules): "post" before "pole" is "posterior", "GA" near
    "weeks" or "BW" gestational age."""
    rule = lexicon.EYE.context_abbreviations.get(low)
    if not rule:
        return None
    return context_expansion(rule, prev[1] if prev else "", nxt[1] if nxt else "",
                             [t for k, t in toks[max(0, i - 24):i] if k == "word"],
                             [t for k, t in toks[i + 1:i + 25] if k == "word"])


def _expand(text: str) -> tuple[str, frozenset[str], bool]:
    """Expand shorthand in one statement: (text, eyes named by eye tokens, trailing '?')."""
    text = _WITH.sub("with ", text)  # "NVE w/ preretinal heme"
    toks = [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    eyes: set[str] = set()
    trailing_q = False
    for i, (kind, tok) in enumerate(toks):
        low = tok.lower().replace("\u2019", "'")
        nxt = next((t for t in toks[i + 1:] if t[0] != "ws"), None)
        prev = next((t for t in reversed(toks[:i]) if t[0] != "ws"), None)
        if kind == "ws":
            out.append(" ")
        elif kind == "word" and low in _EYE_TOKENS and (tok.upper() not in _CASE_SENSITIVE_EYES or tok.isupper()):
            eyes |= {"right", "left"} if _EYE_TOKENS[low] == "both" else {_EYE_TOKENS[low]}
            while out and out[-1] == " ":
                out.pop()
            while out and out[-1].lower() in ("in", "on", "of", "the", " "):
                out.pop()  # "in OD", "in the OD", "on the OS", "of the OS" -> the eye phrase is added at the end
            out.append(" ")
        elif tok == "?":
            if nxt is not None and nxt[0] in ("word", "slash", "num"):
                out.append(" possible ")
            elif prev is not None:
                trailing_q = True
        elif kind == "word" and re.fullmatch(r"[1-4]q", low):
            out.append(f"{low[0]} quadrants")
        elif kind == "word" and low in ("q", "qs", "quad", "quads", "quadrant", "quadrants") and prev is not None and prev[0] == "num":
            while out and out[-1] == " ":
                out.pop()
            out.append(" quadrant" if prev[1] == "1" else " quadrants")
        elif kind == "num":
            out.append("0" + tok if tok.startswith(".") else tok)
            if nxt is not None and nxt[0] == "word" and nxt[1].lower() in ("mm", "mm2", "um") and toks[i + 1][0] != "ws":
                out.append(" ")
        elif kind == "word" and low == "x" and prev is not None and prev[0] == "num" and nxt is not None and nxt[0] == "num":
            out.append(" x ")
        elif kind == "word" and _context(low, toks, i, prev, nxt):
            out.append(_context(low, toks, i, prev, nxt))
        elif kind in ("word", "slash"):
            exp = lexicon.EYE.expansion(low)
            if exp is None and kind == "slash" and low not in ("c/d", "a/v", "s/p", "w/o", "c/w", "h/o"):
                words = [lexicon.EYE.expansion(p) or p for p in tok.split("/")]
                expanded = words != tok.split("/")  # "NVD/NVE": two findings, one "or" ("no NVD or NVE")
                exp = (" or " if expanded and _NEG_ANY.search(text) else " and " if expanded else "/").join(words)
            if exp is None and kind == "word":
                exp = correct_spelling(tok, lexicon=_SPELLING)  # "haemorrhges" -> "haemorrhages"
            out.append(exp if exp is not None else tok)
        elif tok == "&":
            out.append("and")
        else:
            out.append(tok)
    text = _SPACES.sub(" ", "".join(out)).strip(" ,;:-")
    text = _STUDY_SHOWS.sub("", text, count=1)  # "Fundoscopy (of OS) demonstrates a macular hole"
    text = _I_SEE.sub("", text, count=1)  # "I can see a few drusen"
    if eyes:  # "The OS shows occasional MAs", "OU have had PRP", "The OD is normal": the eye was the subject
        text = _EYE_SUBJECT_VERB.sub(lambda m: "previous " if m.group("past") else "", text, count=1)
    return text, frozenset(eyes), trailing_q


#: the verb left at the start when the eye that was its subject is taken out ("shows ...", "has had ...")
_EYE_SUBJECT_VERB = re.compile(r"^(?:(?P<past>(?:has|have)\s+(?:had|undergone|received)|had|underwent|received)"
                               r"|shows?|showed|has|have|demonstrates?|demonstrated|reveals?|revealed|displays?|exhibits?"
                               r"|(?:is|are)\s+notable\s+for|is|are|was|were|looks?|appears?|remains?)\s+(?=\S)", re.I)
#: the clinician seeing what follows ("I can see a few drusen", "I note ...")
_I_SEE = re.compile("^" + CLINICIAN_SEES)
#: the study that "shows" what follows, opening a statement ("OCTA shows ...", "Fundoscopy of the OS demonstrates ...")
_STUDY_SHOWS = re.compile(r"^(?:(?:the\s+)?(?:dilated\s+)?(?:fundoscopy|funduscopy|fundus\s+(?:examination|exam|photograph\w*|photos?|imaging)|"
                          r"examination|oct-?a|octa|oct\s+angiogra\w+|angiogra\w+|(?:wide-?field\s+)?imaging|scan|image|photograph)"
                          r"(?:\s+(?:of|in))?\s+)(?:shows|showed|demonstrates|demonstrated|reveals|revealed)\s+(?:an?\s+)?(?=\S)", re.I)


# --- sentences -----------------------------------------------------------------------------------


def _subject_sentence(text: str) -> str | None:
    """'disc pink sharp' -> 'the optic disc is pink and sharp'; 'CDR 0.3' -> 'the cup-to-disc ratio is 0.3'."""
    m = _SUBJECT_RE.match(text)
    if m is None:
        return None
    rest = m.group("rest").strip()
    if rest.split(" ", 1)[0].lower() in _VERBS:
        return None  # already a sentence
    key = m.group("subj").lower()
    name, plural = _SUBJECTS[key].say, _SUBJECTS[key].plural
    verb = "are" if plural else "is"
    v = _VALUE_RE.match(rest)
    if v is not None and key in _VALUED:
        value = re.sub(r"^(?:of|is|=|~)\s*", "", v.group("value").strip(), flags=re.I)
        return f"{name} {verb} {value}{v.group('tail')}"
    p = _PRED_RE.match(rest)
    if p is None:
        return None
    body = re.sub(r"\bwithin\s+normal\s+limits\b", "within_normal_limits", p.group("body").strip(), flags=re.I)
    words = re.split(r"\s*(?:,|\band\b|&|/)\s*|\s+(?=" + _PRED_WORD + r"\b)", body, flags=re.I)
    words = [w.replace("within_normal_limits", "within normal limits") for w in (w.strip() for w in words) if w]
    for i in range(len(words) - 2, -1, -1):  # "mildly enlarged": an adverb stays with its predicate
        if re.fullmatch("(?:" + "|".join(_ADVERBS) + ")", words[i], re.I):
            words[i:i + 2] = [f"{words[i]} {words[i + 1]}"]
    body = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{name} {verb} {body.lower()}{p.group('tail')}"


#: "2 quadrants", "2/4 quadrants" (a count of the four: one number, never "2/in 4")
_QUADRANTS = re.compile(r"(?<!\bin )(?<!\bof )(?<!\beach )(?<!\ball )(?<![\d/])\b((?:\d\s*/\s*)?\d|one|two|three|four|all four|all)"
                        r"\s+(quadrants?)\b", re.I)
_BARE_PLACE = re.compile(
    r"\b(to|at|near|of|in|involving|around)\s+(fovea|macula|disc|optic disc|periphery|arcades?)\b", re.I)
_TRAILING_PLACE = re.compile(
    r"(?P<head>\b(?:reduced|decreased|increased|enlarged|non-perfusion|ha?emorrhages?|exudates|microaneurysms|drusen|"
    r"neovascularization|drop-?out|edema|density))\s+(?P<place>(?:(?:superior|inferior|nasal|temporal|central)\s+)?"
    r"(?:SCP|DCP|macula|periphery|mid-?periphery|posterior pole|fovea|superficial capillary plexus|deep capillary plexus)\b)"
    r"(?!\s+(?:(?:and|&)\s+\w+\s+)?(?:density|vessel|vd)\b)",
    re.I,
)


def _locate(text: str) -> str:
    """Prepositions dictation leaves out: 'MAs 2 quadrants' -> 'in 2 quadrants', 'to fovea' -> 'to the fovea',
    'reduced SCP' -> 'reduced in the SCP', 'non-perfusion temporal macula' -> '... in the temporal macula'."""
    text = _QUADRANTS.sub(lambda m: f"in {m.group(1)} {m.group(2)}", text)
    # "4q blot haems" -> "blot haemorrhages in 4 quadrants" (the count said first; also after "CRVO with")
    text = re.sub(r"(?:^|(?<=\s))in\s+(\S+\s+quadrants?)\s+(?!(?:in|of|with|and)\b)([^,;]+?)(\s+in\s+(?:the\s+)?(?:right|left)\s+eye|\s+in\s+both\s+eyes)?$",
                  lambda m: f"{m.group(2)} in {m.group(1)}{m.group(3) or ''}", text, flags=re.I)
    text = _BARE_PLACE.sub(lambda m: f"{m.group(1)} the {m.group(2)}", text)
    return _TRAILING_PLACE.sub(lambda m: f"{m.group('head')} in the {m.group('place')}", text)


def _hedged(text: str) -> str:
    """A statement dictated with a trailing '?', hedged without becoming more certain."""
    if _HEDGE.search(text):
        return text
    if _NEG_START.match(text):
        return "uncertain: " + text
    return "possible " + (text[0].lower() + text[1:] if text[:1].isupper() and not text.split(" ", 1)[0].isupper() else text)


def _eye_phrase(eyes: frozenset[str], negated: bool = False) -> str:
    if len(eyes) == 2:
        return "in either eye" if negated else "in both eyes"
    return f"in the {next(iter(eyes))} eye"


def _finish(text: str, eyes: frozenset[str]) -> str | None:
    text = _SPACES.sub(" ", text).strip(" \t,;:-\u2013\u2014")
    text = strip_lead_conjunction(text, lexicon.EYE).strip()
    if not any(ch.isalnum() for ch in text):
        return None
    stmt = _subject_sentence(text.rstrip(".!"))
    if stmt is not None:
        text = stmt
    text = text.rstrip(" .!,;:")
    if eyes and text.lower() in _WHOLE_EYE:  # "OS nl" -> "The left eye is normal"
        if text.lower() in ("nil", "no abnormality detected"):  # "OS nil" -> "Left eye: no abnormality detected."
            return f"{'Both eyes' if len(eyes) == 2 else f'{next(iter(eyes)).capitalize()} eye'}: no abnormality detected."
        return f"{'Both eyes are' if len(eyes) == 2 else f'The {next(iter(eyes))} eye is'} {text.lower()}."
    if eyes and text.lower() in _EYE_ALONE_SUBJECTS:  # "OS flat" -> "The retina is flat in the left eye"
        subject = _EYE_ALONE_SUBJECTS[text.lower()]
        return f"{subject[:1].upper()}{subject[1:]} is {text.lower()} {_eye_phrase(eyes)}."
    if eyes and not lexicon.eyes_of(text):
        # "CWS in the right eye": the eye was read off, its preposition stays ("CWS in"): the eye phrase has its own
        # (only "in": "Macula on" is the macula's status)
        text = re.sub(r"\s+in(?:\s+the)?$", "", text, flags=re.I)
        text = f"{text} {_eye_phrase(eyes, bool(_NEG_START.match(text)))}"
    text = re.sub(r"(\d)\s*(mm2|mm|um)\b", r"\1 \2", text)
    text = _locate(text)
    first = text.split(" ", 1)[0]
    if first not in _ACRONYMS:
        text = text[0].upper() + text[1:]
    return text + "."


#: "SCP, DCP normal": subjects listed before one predicate share it ("SCP and DCP normal")
_SUBJ_WORDS = "|".join(re.escape(k) for k in sorted(_SUBJECTS, key=len, reverse=True))
_SUBJECT_LIST = re.compile(rf"\b(?P<a>{_SUBJ_WORDS})\s*,\s*(?=(?:{_SUBJ_WORDS})\s+(?:(?:{'|'.join(_ADVERBS)})\s+)*{_PRED_WORD}\b)",
                           re.I)
#: what may stand before the first subject of a list that shares one predicate ("the disc, macula normal")
_LIST_LEAD = re.compile(r"(?:the|both|and|also|OD|OS|OU|RE|LE|[^\w\s]+)?\s*", re.I)


def _subject_list(m: re.Match[str]) -> str:
    """'disc, macula normal' -> 'disc and macula normal'; not when the first subject has its own words before it
    ('dilated tortuous veins, disc swollen': the veins are described, the predicate is only the disc's)."""
    if not _list_opens_part(m):
        return m.group(0)
    return f"{m.group('a')} and "


def _list_opens_part(m: re.Match[str]) -> bool:
    """Whether the subject list ``m`` opens its comma part (only :data:`_LIST_LEAD` words before it)."""
    return bool(_LIST_LEAD.fullmatch(re.split(r"[,;:]", m.string[:m.start()])[-1]))


#: "maculae, vessels, periphery nl OU": three subjects or more listed before one predicate: each one's
_LIST_THEN_PRED = re.compile(rf"\b(?P<list>(?:{_SUBJ_WORDS})(?:\s*,\s*(?:{_SUBJ_WORDS})){{1,}}(?:\s*,?\s*(?:and|&)\s*(?:{_SUBJ_WORDS}))?"
                             rf"|(?:{_SUBJ_WORDS})\s*,\s*(?:{_SUBJ_WORDS})\s*,?\s*(?:and|&)\s*(?:{_SUBJ_WORDS}))"
                             rf"\s+(?P<pred>(?:(?:{'|'.join(_ADVERBS)})\s+)*(?:{_PRED_WORD}|nl|wnl))\b(?P<eye>\s+(?:OD|OS|OU|RE|LE|both\s+eyes|right\s+eye|left\s+eye)\b)?", re.I)


def _list_then_predicate(m: re.Match[str]) -> str:
    if not _list_opens_part(m):  # "dilated veins, disc swollen": the veins have their own words
        return m.group(0)
    subjects = [s for s in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("list")) if s]
    pred = {"nl": "normal", "wnl": "within normal limits"}.get(m.group("pred").lower(), m.group("pred"))
    return ", ".join(f"{s} {pred}{m.group('eye') or ''}" for s in subjects)


#: "normal disc, macula, vessels and periphery": one predicate before a list of subjects is each one's
_PRED_BEFORE_LIST = re.compile(rf"\b(?P<pred>normal|healthy|unremarkable)\s+(?P<list>(?:{_SUBJ_WORDS})(?:\s*,\s*(?:{_SUBJ_WORDS}))*"
                               rf"\s*,?\s*(?:and|&)\s+(?:{_SUBJ_WORDS}))\b", re.I)


def _spread_predicate(m: re.Match[str]) -> str:
    subjects = [s for s in re.split(r"\s*(?:,|\band\b|&)\s*", m.group("list")) if s]
    return ", ".join(f"{s} {m.group('pred')}" for s in subjects)


#: "Macula OS: ...": a region label with an eye header is the eye header, then the label
_REGION_EYE_HEADER = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?P<region>macula|maculae|optic\s+discs?|discs?|vessels|periphery|"
                                r"fundus)\s+(?P<eye>OD|OS|OU|RE|LE)\s*:\s*", re.I)
#: "C/D 0.3/0.4", "IOP 18/20": a measure said right eye first, then left, with no eye named (never a visual
#: acuity, whose "6/12" is one value)
_RIGHT_LEFT_PAIR = re.compile(r"(?<![\w/])(?P<what>c/d|c:d|cdr|cup[- ]to[- ]disc(?:\s+ratio)?|iop)\s+(?:of\s+)?"
                              r"(?P<r>(?:0?\.\d{1,2}|\d{1,2}))\s*/\s*(?P<l>(?:0?\.\d{1,2}|\d{1,2}))(?![\d/.]*\s*(?:OD|OS|OU|RE|LE)\b)"
                              r"(?![\w/]|\.\d)", re.I)
#: "OS 3x3mm:", "OD 6x6 -", "Left eye OCTA:": an eye header with the scan size or the study between the eye and its colon
_EYE_SCAN_HEADER = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:(?:oct-?a?|octa)\s+)?(?P<eye>OD|OS|OU|RE|LE|right\s+eye|left\s+eye|"
                              r"both\s+eyes)\s+(?:(?P<scan>\d+(?:\.\d+)?\s*[x\u00d7]\s*\d+(?:\.\d+)?\s*(?:mm)?)|"
                              r"oct-?a?|octa|fundus|fundi|fundoscopy|photos?|images?)\s*[:\u2013\u2014-]\s*", re.I)
#: "irregular FAZ (0.48 OD, 0.51 OS)": a value per eye in brackets is read as one without them (one statement per eye)
_BRACKETED_EYE_VALUES = re.compile(r"\s*\((?P<inner>[^()]*\b(?:OD|OS|RE|LE)\b[^()]*,[^()]*\b(?:OD|OS|RE|LE)\b[^()]*)\)")
#: "refer HES": the Hospital Eye Service, not hard exudates
_HES = re.compile(r"\b(refer(?:red|ral)?(?:\s+to)?|to|via|under|in|by)\s+(?:the\s+)?HES\b", re.I)
_EYE_COMPARE = re.compile(r"\b(OD|OS|RE|LE)\s*(>>?|<<?)\s*(OD|OS|RE|LE)\b", re.I)
_EYE_WORD = {"od": "right eye", "re": "right eye", "os": "left eye", "le": "left eye"}


def _compare_eyes(m: re.Match[str]) -> str:
    """"OD > OS" -> "right eye greater than left eye" (both eyes, and which is worse)."""
    rel = {">": "greater than", "<": "less than", ">>": "much greater than", "<<": "much less than"}[m.group(2)]
    return f"{_EYE_WORD[m.group(1).lower()]} {rel} {_EYE_WORD[m.group(3).lower()]}"


def _list_then_eye(statements: list[str], stmt_eyes: list[frozenset[str]]) -> bool:
    """Whether a sentence is a list of lesions whose last item alone names the eye ("dot hems, MAs, CWS
    OD"): then the eye is the whole list's. Not when an earlier item is a statement about a structure
    ("media clear, C/D 0.4 OU")."""
    eyed = [i for i, eyes in enumerate(stmt_eyes) if eyes]
    if not eyed or eyed[0] == 0:
        return False
    return all(_is_bare(st) and _SUBJECT_RE.match(st) is None and _names_something(st) for st in statements[:eyed[0]])


_LEADING_EYE = re.compile(r"^\s*(?:OD|OS|OU|RE|LE|right\s+eye|left\s+eye|both\s+eyes|r\s+eye|l\s+eye)\b(?!\s*[:\u2013\u2014-])")


#: "C:D 0.6 OD 0.65 OS", "CDR 0.8 OD, 0.5 OS": one measure, a value per eye -> one statement per eye
_VALUE_PER_EYE = re.compile(
    r"(?<![\w:/\-])(?P<subj>(?:[^\W\d_][\w:/\-]*\s+){0,2}[^\W\d_][\w:/\-]*)\s+(?P<v1>~?\d+(?:\.\d+)?(?:/\d+)?(?:%|\s*(?:mm2|mm|um|µm))?)"
    r"\s*(?P<e1>OD|OS|RE|LE)\b\s*(?:,|;|/|and|&|vs\.?|versus)?\s*(?P<v2>~?\d+(?:\.\d+)?(?:/\d+)?(?:%|\s*(?:mm2|mm|um|µm))?)"
    r"\s*(?P<e2>OD|OS|RE|LE)\b")
#: "FAZ 0.29/0.33 mm2 OD/OS", "VD 42/45% RE/LE": a value pair, then the eye pair it follows -> a value per eye
_PAIR_THEN_EYES = re.compile(r"(?P<v1>~?\d+(?:\.\d+)?)\s*/\s*(?P<v2>~?\d+(?:\.\d+)?)\s*(?P<unit>%|mm2|mm|um|µm)?\s*"
                             r"(?P<e1>OD|RE|OS|LE)\s*/\s*(?P<e2>OS|LE|OD|RE)\b")
def _pair_then_eyes(m: re.Match[str]) -> str:
    unit = m.group("unit") or ""
    unit = unit if unit in ("", "%") else f" {unit}"
    return f"{m.group('v1')}{unit} {m.group('e1')}, {m.group('v2')}{unit} {m.group('e2')}"


#: "0.31 (OD) and 0.47 (OS)": an eye in brackets after its value
_EYE_IN_BRACKETS = re.compile(r"\s*\(\s*(?P<eye>OD|OS|OU|RE|LE)\s*\)")
#: "FAZ enlarged OD 0.5 mm2 OS 0.4 mm2", "0.3mm2 OD / 0.28mm2 OS": a value with its unit per eye -> "0.5 mm2 OD, 0.4 mm2 OS"
_EYE_THEN_VALUE = re.compile(
    r"\b(?P<e1>OD|OS|RE|LE)\s+(?P<v1>~?\d+(?:\.\d+)?\s*(?:mm2|mm|%|um|µm|microns?)?)\s*(?:,|;|/|and|&)?\s*"
    r"(?P<e2>OD|OS|RE|LE)\s+(?P<v2>~?\d+(?:\.\d+)?\s*(?:mm2|mm|%|um|µm|microns?)?)(?![\w.])")
_VALUE_UNIT_PER_EYE = re.compile(
    r"(?P<v1>~?\d+(?:\.\d+)?\s*(?:mm2|mm|%|um|µm|microns?))\s*(?P<e1>OD|OS|RE|LE)\s*(?:,|;|/|and|&)\s*"
    r"(?P<v2>~?\d+(?:\.\d+)?\s*(?:mm2|mm|%|um|µm|microns?))\s*(?P<e2>OD|OS|RE|LE)\b")
#: "rescreen 6/12", "review 3/52": a time in months or weeks (a "6/12" alone is a visual acuity)
_FOLLOW_UP_TIME = re.compile(r"\b(?P<w>review|r/v|rescreen|recall|f/u|fu|follow[- ]?up|see|photos?|repeat|rv|check|recheck|"
                             r"clinic|appointment|appt|visit|oct|fields?|injection)\s+(?:in\s+)?"
                             r"(?P<n>\d{1,2})/(?P<u>12|52)\b", re.I)
#: "6/12 review": the time before the word
_TIME_FIRST = re.compile(r"\b(?P<n>\d{1,2})/(?P<u>12|52)\s+(?P<w>review|rescreen|recall|follow[- ]?up|f/u|check|oct|fields?|clinic|"
                         r"appointment|injection)\b", re.I)
#: "FU 6m", "rescreen 1y", "see 2 wks": an interval in shorthand units after a follow-up word, written out
_FOLLOW_UP_UNIT = re.compile(r"\b(?P<w>review|r/v|rv|rescreen|recall|f/u|fu|follow[- ]?up|see|return|reassess|recheck|repeat\s+\w+|"
                             r"observe|monitor|"
                             r"next\s+(?:visit|review|appt|appointment)|photos?|oct|fields?|injections?)\s+(?P<in>in\s+)?"
                             r"(?P<n>\d{1,2})\s*(?P<u>y|yrs?|m|mo|mos|mths?|w|wks?|d)\b(?![/.]\w)", re.I)
_UNIT_WORD = {"y": "year", "yr": "year", "yrs": "year", "m": "month", "mo": "month", "mos": "month", "mth": "month",
              "mths": "month", "w": "week", "wk": "week", "wks": "week", "d": "day"}


def _follow_up_unit(m: re.Match[str]) -> str:
    unit = _UNIT_WORD[m.group("u").lower()]
    during = m.group("w").lower() in ("observe", "monitor")  # "observe 12 mo": for that long, not after it
    return f"{m.group('w')} {'for' if during else 'in'} {m.group('n')} {unit}{'' if m.group('n') == '1' else 's'}"


#: "... CNV OS -> anti-VEGF": an arrow between statements closes the one before it
_ARROW = re.compile(r"\s*(?:->|-->|=>|\u2192)\s*")
#: the study line that carries the indication ("OCTA OU, sickle cell.", "OCT angiography of the right eye in a patient
#: with chronic CSCR.", "Fundus photos for DR screening."): the study, then "Indication: ..." (the kit's indication label)
_STUDY_WORDS = (r"(?:oct-?a|octa|oct\s+angiogra\w+|(?:dilated\s+)?fundus(?:\s+(?:photo\w*|exam\w*|imaging))?|fundoscopy|"
                r"funduscopy|dfe|(?:colou?r\s+|wide-?field\s+|ultra-?wide-?field\s+)?(?:fundus\s+)?(?:photo\w*|imaging)|"
                r"(?:macular\s+)?scans?)")
_STUDY_INDICATION = re.compile(
    r"^(?P<study>\s*" + _STUDY_WORDS + r"(?:\s+(?:of\s+|in\s+)?(?:the\s+|both\s+)?(?:OU|OD|OS|RE|LE|eyes?|right\s+eye|left\s+eye|"
    r"\d+\s*x\s*\d+(?:\s*mm)?|macula\w*|disc|onh|scan|cube|performed|done|obtained|taken))*)"
    r"(?P<link>\s*,\s*|\s+(?:in|for|on)\s+(?:an?\s+|this\s+|the\s+|our\s+)?(?:\d{1,3}\s*(?:yo|y/o|year[- ]old)\s*)?"
    r"(?:patient|pt|man|woman|male|female|gentleman|lady|boy|girl|child|diabetic)\s+(?:with|w/|known\s+to\s+have|who\s+has)\s+"
    r"|\s+(?:for|re|regarding|indication)\s*:?\s+|\s*[-\u2013\u2014]\s+)"
    r"(?P<ind>[^.;]+?)\s*(?:[.;]|$)", re.I)
#: why the patient is examined (the lexicon's context concepts): a study line's comma part that is one
_CONTEXT = re.compile(r"(?:" + "|".join(p for c in ("presenting_reason", "diabetes_history", "clinical_question")
                                         for p in lexicon.EYE.concept(c).patterns) + r")", re.I)


def _study_indication(text: str) -> str:
    """"OCTA OU, sickle cell. FAZ ..." -> "OCTA OU. Indication: sickle cell. FAZ ...": only when the part after the
    study is a patient's condition ("in a patient with ..."), or a context the lexicon knows, or names no finding."""
    m = _STUDY_INDICATION.match(text)
    if m is None:
        return text
    ind, link = m.group("ind").strip(), m.group("link").strip().lower()
    patient = bool(re.search(r"\b(?:with|w/|has|have)$", link))
    if not patient and not _CONTEXT.match(ind) and (_names_finding(ind) or lexicon.eyes_of(ind) or re.search(r"\d", ind)):
        return text
    return f"{m.group('study').strip()}. Indication: {ind}.{text[m.end():] and ' ' + text[m.end():].lstrip()}"


#: "CRVO OS 6/12 ago: diffuse DCP loss", "Hx BRAO OD: ...": a history label before a colon is a sentence of its own
_HISTORY_LABEL = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?P<label>[^.:;\n]{0,60}?\bago|(?:known|hx|h/o|history\s+of|s/p|status\s+post)"
                            r"\s+[^.:;\n]{1,50}?)\s*:\s+(?=\S)", re.I)
#: the patient's age and sex: "68M", "54 yo F", "45-year-old man", "F 61"
_AGE_SEX = (r"(?:\d{1,3}\s*(?:yo|y/o|y\.o\.|-?year-old|years?\s+old|yrs?)?\s*(?:m|f|male|female|man|woman|boy|girl|gentleman|lady)"
            r"|(?:m|f|male|female)\s*,?\s*\d{1,3})(?![\w/])")
#: "Seen today, 68M, HTN.": the visit said before the patient's demographics says nothing of the eye
_VISIT_LEAD = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:(?:pt|patient)\s+)?(?:seen|reviewed|examined|attended|assessed|new\s+patient)"
                         r"(?:\s+(?:today|in\s+(?:clinic|eye\s+casualty|ed|a&e)))?\s*[,:\u2013-]?\s*(?=" + _AGE_SEX + r")", re.I)
#: "Flame haems OU in this 68M with HTN, ...": the demographics (and history) said inside a finding's sentence
_MID_DEMOGRAPHICS = re.compile(r"\s*,?\s+(?:in|on|of|for)\s+(?:this|a|an|the|our)\s+(?P<demo>" + _AGE_SEX
                               + r"(?:\s+(?:patient|pt))?(?:\s+(?:with|w/|known\s+to\s+have)\s+(?P<hist>[^,.;]+))?)(?=\s*(?:[,.;]|$))",
                               re.I)


def _demographics_first(text: str) -> str:
    """"Seen today, 68M, HTN." -> "68M, HTN."; "Flame haems OU in this 68M with HTN, disc swelling OU." -> "Indication:
    68M with HTN. Flame haems OU, disc swelling OU." (the indication first, the finding's sentence without it)."""
    text = _VISIT_LEAD.sub("", text)
    said: list[str] = []

    def take(m: re.Match[str]) -> str:
        said.append(m.group("demo").strip())
        return ""

    text = _MID_DEMOGRAPHICS.sub(take, text)
    return "".join(f"Indication: {d}.\n" for d in said) + text


#: an area's unit in its other spellings
_SQUARE_MM = re.compile(r"(?<=\d)\s*(?:mm\u00b2|mm\^2|sq\.?\s*mm|square\s+mm)(?![\w^\u00b2])", re.I)
#: a bare "dropout" is capillary dropout (the word a report uses)
_BARE_DROPOUT = re.compile(r"(?<!capillary )(?<!capillary\s)\b(drop[- ]?outs?)\b", re.I)
#: a plan ("rescreen in 6 months", "refer VR"): it keeps only an eye it names itself, never a carried one
_PLAN = re.compile("|".join(lexicon.EYE.concept("eye_recommendation").patterns), re.I)
#: "R eye clear": the eye said as a side and "eye" is an eye token like "OD"
_SIDE_EYE = re.compile(r"\b(?:(?P<r>r|rt|right)|(?P<l>l|lt|left)|(?P<b>both))\s+eyes?\b(?!\s*[:\u2013\u2014-])"
                       # "laser on the left and review": the side alone after "on/in the" is an eye
                       r"|(?<=\b(?:on|in) the )(?:(?P<r4>right)|(?P<l4>left))(?=\s*(?:[,;.]|$|(?:and|but|with|today)\b))"
                       # "CDR 0.35 R, 0.4 L": a side letter right after a value; "ratio right 0.5, left 0.8": a side
                       # word right before one
                       r"|(?<=\d )(?-i:(?P<r5>R|RT|Rt)|(?P<l5>L|LT|Lt))(?=\s*(?:[,;./]|$))"
                       r"|\b(?:(?P<r6>right)|(?P<l6>left))(?=\s+~?\d+(?:\.\d+)?(?:\s*(?:mm2|mm|%|um|µm))?\s*(?:[,;/]|$|(?:and|vs|versus|left|right)\b))"
                       # "the right disc", "the left macula": a structure of that eye
                       r"|(?<=\bthe )(?:(?P<r3>right)|(?P<l3>left))\s+(?=(?:optic\s+)?(?:disc|macula|fovea|fundus|retina|periphery)\b)"
                       # "R1M0 right, R2M1 left", "CDR 0.5 right": a bare side ending its part, after a value or word
                       r"|(?<=[\w)%] )(?<!\bthe )(?<!\bto )(?:(?P<r2>right)|(?P<l2>left))(?=\s*(?:[,;.]|$|(?:and|&)\s+~?\d))"
                       # "haemorrhages right and left": both eyes
                       r"|(?P<b2>(?:right|left)\s+(?:and|&)\s+(?:right|left))(?=\s*(?:[,;.]|$))"
                       # "Right fundus: ...", "Left fundus normal": the fundus of that eye
                       r"|\b(?:(?P<r7>right)|(?P<l7>left))\s+fund(?:us|i)\b(?!\s+(?:photograph|photo|camera|exam))", re.I)


#: "Rule out CNV.", "R/o CNV - OCT.": the question to answer (the indication when it opens the dictation)
_RULE_OUT = re.compile(r"^(?:to\s+)?(?:rule\s+out|r/o|exclude)\s+(?=\w)", re.I)


def _late_rule_out(out: list[str]) -> list[str]:
    """"Dry AMD. Rule out CNV." -> "... Exclude CNV.": a "rule out" said after a finding is the plan's work-up,
    not the clinical question (which opens the dictation, before any finding)."""
    seen = False
    for k, sentence in enumerate(out):
        if seen and _RULE_OUT.match(sentence):
            out[k] = "Exclude " + sentence[_RULE_OUT.match(sentence).end():]
        seen = seen or _names_finding(sentence)
    return out


#: a slash before a label ("... / macula: dry"): the labelled part is a sentence of its own
_SLASH_LABEL = re.compile(r"\s+/\s+(?=[^\W\d_][^\W\d_ ]*(?:\s[^\W\d_]+){0,2}\s*:\s)")
#: a count per eye after its finding, with no subject words of its own ("..., 3 OD 2 OS", "CWS x3 OD x1 OS")
_COUNT_PER_EYE = re.compile(r"(?:\s*,\s*|\s+)(?P<v1>(?:x\s*)?\d{1,2})\s*(?P<e1>OD|OS|RE|LE)\s*(?:,|;|/|and|&)?\s*"
                            r"(?P<v2>(?:x\s*)?\d{1,2})\s*(?P<e2>OD|OS|RE|LE)\b(?![\w.])")


def _count_per_eye(m: re.Match[str]) -> str:
    """" 3 OD 2 OS" -> " (3 in the right eye and 2 in the left eye)": one statement, each count with its eye."""
    def count(v: str) -> str:
        return re.sub(r"^x\s*", "", v)
    return (f" ({count(m.group('v1'))} in the {_EYE_WORD[m.group('e1').lower()]} and {count(m.group('v2'))} in the "
            f"{_EYE_WORD[m.group('e2').lower()]})")


def _per_eye_values(m: re.Match[str]) -> str:
    return f"{m.group('subj')} {m.group('v1')} {m.group('e1')}, {m.group('subj')} {m.group('v2')} {m.group('e2')}"


def _side_eye(m: re.Match[str]) -> str:
    if m.group("r3") or m.group("l3"):  # "the right disc" -> "the disc OD"
        return ""
    if m.group("b") or m.group("b2"):
        return "OU"
    return "OD" if m.group("r") or m.group("r2") or m.group("r4") or m.group("r5") or m.group("r6") or m.group("r7") else "OS"


def _structure_eye(m: re.Match[str]) -> str:
    """"the right disc" -> "the disc OD" (the eye token is read as the statement's eye); "Left fundus normal"
    stays for the whole-eye reading ("The left eye is normal.")."""
    if m.group("what").lower() == "fundus" and not m.string[:m.start()].lower().endswith("the "):
        return m.group(0)
    return f"{m.group('what')} {'OD' if m.group('side').lower() == 'right' else 'OS'}"


#: "the right disc", "Right disc is cupped", "Left CDR 0.5": a side word before the structure (or its measure) it
#: belongs to, after "the" or opening a clause, is that structure's eye
_STRUCTURE_EYE = re.compile(r"(?:(?<=\bthe )|(?<=^)|(?<=^\s)|(?<=[.;,:]\s)|(?<=\band\s))(?P<side>right|left)\s+"
                            r"(?P<what>(?:optic\s+)?(?:discs?|nerve(?:\s+head)?|maculae?|fovea|fundus|retina|periphery|"
                            r"cdr|c/d|cup(?:-to-disc\s+ratio)?|cup-to-disc\s+ratio|vessels|arcades?))\b", re.I)


def _describes_what_was_named(stmt: str) -> bool:
    """A sentence of descriptor words only ("Ischaemic type.", "Active."), not a whole-eye verdict ("Normal.")."""
    words = _FILLER.sub(" ", _HYPHEN_IN_WORD.sub("_", stmt.lower())).split()
    return bool(words) and stmt.strip(" .").lower() not in _WHOLE_EYE and _describes_previous(stmt)


def _described(out: list[str], said: list[tuple[frozenset[str], bool]], eyes: frozenset[str]) -> int | None:
    """Which earlier sentence a descriptor-only sentence describes: the last one (about the same eye, neither
    a plan nor a denial) that names a diagnosis ("CRVO ..., disc swelling. Ischaemic type." is the CRVO's),
    else the sentence just before it; None when there is none."""
    fits = [k for k, (e, plan_or_denial) in enumerate(said) if not plan_or_denial and (not eyes or not e or e == eyes)]
    named = [k for k in fits if lexicon.DIAGNOSIS_RE.search(out[k])]
    if named:
        return named[-1]
    return fits[-1] if fits and fits[-1] == len(out) - 1 else None


_EYE_END = re.compile(r"\s+in\s+(?:the\s+(?:right|left)\s+eye|both\s+eyes|either\s+eye)\.$")


#: labels whose "none" / "nil" is no feature's denial ("OS: nil", "Other: none")
_NONE_KEEP = frozenset(_EYE_TOKENS) | frozenset(str(w).lower() for w in _DICTATION.get("none_labels") or ())


#: a part that is only a value ("0.6" once its eye "OS" is read off)
_VALUED_AT = re.compile(r"\b(?P<subj>" + "|".join(re.escape(s) for s in sorted(_VALUED, key=len, reverse=True))
                        + r")\s*:?\s*(?:of\s+|is\s+|=\s*|~\s*)?\d", re.I)
_BARE_VALUE = re.compile(r"~?\s*\d+(?:\.\d+)?(?:\s*(?:mm2|mm|%|um|µm))?")


def _valued_ellipsis(exp: str, eyes: frozenset[str], last: str | None) -> tuple[str, str | None]:
    """'OD CDR 0.85 ..., OS 0.6': a bare value with its own eye is a value of the valued subject last given one.

    :return: the part (with that subject put back when it was a bare value) and the valued subject now last.
    """
    m = _VALUED_AT.search(exp)
    if m is not None:
        return exp, m.group("subj")
    if last and eyes and _BARE_VALUE.fullmatch(exp.strip()):
        return f"{last} {exp.strip()}", last
    return exp, last


def _with_descriptor(sentence: str, descriptor: str) -> str:
    """"Central retinal vein occlusion in the right eye." + "ischaemic type" -> "..., ischaemic type in the right eye."."""
    words = descriptor.strip(" .")
    words = words if words.split(" ", 1)[0] in _ACRONYMS else words[:1].lower() + words[1:]
    m = _EYE_END.search(sentence)
    cut = m.start() if m else len(sentence.rstrip("."))
    return f"{sentence[:cut]}, {words}{sentence[cut:] if m else '.'}"


def _opening_eye(text: str) -> frozenset[str]:
    """The eye a dictation opens with ("LE, 2/12 post PPV ...\nDisc: pink\nPeriphery: flat under oil") when it names no
    other eye anywhere: its later lines that name none are about that eye. Empty otherwise."""
    lines = [l for l in text.split("\n") if l.strip()]
    if len(lines) < 2:
        return frozenset()
    first = _STUDY_BEFORE_EYE.sub("", _HEADER.sub("", _BULLET.sub("", lines[0]))).strip()
    m = re.match(r"^(?:OD|OS|RE|LE|right\s+eye|left\s+eye|r\s+eye|l\s+eye)\b", first, re.I)
    if m is None or (m.group().upper() in _CASE_SENSITIVE_EYES and not m.group().isupper()):
        return frozenset()
    if re.search(r"\b(?:both|bilateral\w*|each|either|fellow|other\s+eye)\b", text, re.I):
        return frozenset()  # "Both discs are pink": the dictation speaks of the other eye too
    eyes: set[str] = set()
    for line in lines:
        for raw in re.split(r"[.;,:]\s+|\s+-\s+", line):
            eyes |= _expand(raw)[1] | lexicon.eyes_of(raw)
    opening = _expand(m.group())[1] | lexicon.eyes_of(m.group())
    return frozenset(opening) if len(opening) == 1 and eyes == opening else frozenset()


def parse_dictation(text: str | None) -> list[str]:
    """Full report sentences from dictation or shorthand (``[]`` for empty text).

    :param text: free text; anything is accepted and treated as data.
    :return: sentences, capitalised and ending with a period, in dictation order, each naming
        its eye when the dictation gave one.
    """
    if not text or not isinstance(text, str):
        return []
    out: list[str] = []
    said: list[tuple[frozenset[str], bool]] = []  # per sentence of ``out``: its eyes, and whether it is a plan or denial
    last_valued: str | None = None  # the valued subject last given a value ("CDR 0.7"), for "OS 0.5" after it
    # "... LE: CDR 0.55. Impression: glaucoma suspect": a section label ends the eye headers' line
    text = _PLAN_LABEL_START.sub("\n", _MID_HEADER.sub("\n", _priority_last(clean_text(text))))
    text = feature_none_as_denial(text, keep=_NONE_KEEP, bare=True)  # "NV: none", "Non-perfusion nil": denied
    text = _SQUARE_MM.sub(" mm2", text)  # "0.36mm\u00b2", "0.4 mm^2", "0.3 sq mm": one unit the value rules know
    text = _HISTORY_LABEL.sub(lambda m: f"{m.group('label')}. ", _study_indication(_demographics_first(text)))
    text = _SCREENING_GRADE.sub(_screening_grade, text)
    text = _GRADE_ELLIPSIS.sub(_grade_ellipsis, text)
    opening_eye = _opening_eye(text)  # a one-eye dictation's opening eye holds for its labelled lines
    for line_no, line in enumerate(l for l in text.split("\n") if l.strip()):
        line = _STUDY_BEFORE_EYE.sub("", _HEADER.sub("", _BULLET.sub("", protect_abbreviation_dots(line, lexicon=lexicon.EYE))))
        line = _ARROW.sub(". ", differential_as_alternatives(line))
        line = _PLAN_SENTENCE.sub(lambda m: "Plan: " + re.sub(r"\s*,\s*(?:and\s+)?", " and ", m.group("body").strip()), line)
        line = _SLASH_LABEL.sub(". ", line)  # "CDR 0.4 / macula: dry / vessels: IRMA": each label opens a sentence
        line = _CUP_DISC.sub("CDR", line)  # "cup to disc ratio", "cup disc ratios": one subject word for the pairs below
        line = _REGION_EYE_HEADER.sub(lambda m: f"{m.group('eye')}: {m.group('region')}: ", line)
        line = _RIGHT_LEFT_PAIR.sub(lambda m: f"{m.group('what')} {m.group('r')} OD, {m.group('what')} {m.group('l')} OS", line)
        line = _EYE_SCAN_HEADER.sub(lambda m: f"{m.group('eye')}: " + (f"{m.group('scan')} scan. " if m.group("scan") else ""),
                                    line)
        line = _BRACKETED_EYE_VALUES.sub(lambda m: f" {m.group('inner')}", line)
        line = _HES.sub(lambda m: f"{m.group(1)} the hospital eye service", line)
        line = _AS_FELLOW.sub("similar to the fellow eye", line)
        line = re.sub(r"\b(esp|approx|incl|resp)\.(?=\s)", lambda m: {"esp": "especially", "approx": "approximately",
                                                                      "incl": "including", "resp": "respectively"}[m.group(1).lower()],
                      line, flags=re.I)
        for segment, seg_eyes in _segments(line):
            # the eye a sentence opens with ("OD hard exudates ...") holds for the sentences after it
            # that name no eye, until another eye is named (as an "OD:" header does)
            carried = seg_eyes or (opening_eye if line_no else frozenset())
            after_dash: frozenset[str] | None = None  # the eye of the statement a dash closed, for the one after it
            pieces = [(p, k > 0) for clause in _STRONG_SPLIT.split(segment) for k, p in enumerate(_dash_parts(clause))]
            for clause, dashed in pieces:
                restore = None
                if dashed and after_dash:  # "PVD OS, 360 indentation - no breaks": still the left eye
                    restore, carried = carried, after_dash
                clause = _EYE_COMPARE.sub(_compare_eyes, _SIDE_EYE.sub(_side_eye, _STRUCTURE_EYE.sub(_structure_eye, clause)))
                clause = _LIST_THEN_PRED.sub(_list_then_predicate, clause)
                clause = _SUBJECT_LIST.sub(_subject_list, clause)
                clause = _PRED_BEFORE_LIST.sub(_spread_predicate, clause)
                clause = _PAIR_THEN_EYES.sub(_pair_then_eyes, _EYE_IN_BRACKETS.sub(lambda m: f" {m.group('eye')}", clause))
                clause = _VALUE_PER_EYE.sub(_per_eye_values, clause)
                clause = _EYE_THEN_VALUE.sub(lambda m: f"{m.group('v1')} {m.group('e1')}, {m.group('v2')} {m.group('e2')}",
                                             clause)
                clause = _VALUE_UNIT_PER_EYE.sub(
                    lambda m: f"{m.group('v1')} {m.group('e1')}, {m.group('v2')} {m.group('e2')}", clause)
                clause = _VALUE_PER_EYE.sub(_per_eye_values, clause)  # "CDR OD 0.6 OS 0.7" is "CDR 0.6 OD, 0.7 OS" now
                clause = _COUNT_PER_EYE.sub(_count_per_eye, clause)  # "haems post pole, 3 OD 2 OS", "CWS x3 OD x1 OS"
                clause = re.sub(r"(?<=[^\W\d_])\s*\+\s+(?=[^\W\d_])", " and ", clause)  # "MAs + HE"; not "+ve"
                clause = _BARE_DROPOUT.sub(lambda m: "capillary " + m.group(1).lower(), clause)
                clause = _TIME_FIRST.sub(lambda m: f"{m.group('w')} in {m.group('n')} "
                                         f"{'months' if m.group('u') == '12' else 'weeks'}", clause)
                clause = _FOLLOW_UP_UNIT.sub(_follow_up_unit, clause)
                clause = _FOLLOW_UP_TIME.sub(lambda m: f"{m.group('w')} in {m.group('n')} "
                                             f"{'months' if m.group('u') == '12' else 'weeks'}", clause)
                expanded = []
                lead_eyes: frozenset[str] = frozenset()  # "In the left eye, the disc is pale": a part that is only an eye
                listed = _listed(clause)
                if listed is not None:  # "hard exudates - circinate, temporal macula": one statement with its list
                    lead, head, rest = listed
                    raws = [p.strip() for p in _COMMA_SPLIT.split(lead) if p.strip()] + [head.strip()]
                    raws += [p.strip() for p in _COMMA_SPLIT.split(rest) if p.strip()]
                else:
                    raws = [p.strip() for p in _COMMA_SPLIT.split(clause) if p.strip()]
                for i, raw in enumerate(raws):
                    if raw.isupper() and sum(ch.isalpha() for ch in raw) >= 8:
                        # ALL-CAPS dictation; acronyms come back from the table, an eye said in capitals stays one
                        # ("A FEW OLD EXUDATES RE": the right eye, not "re")
                        raw = re.sub(r"[^\W\d_]+", lambda w: w.group(0) if w.group(0) in _CASE_SENSITIVE_EYES
                                     else w.group(0).lower(), raw)
                    exp, eyes, q = _expand(raw)
                    exp, last_valued = _valued_ellipsis(exp, eyes, last_valued)
                    if exp:
                        expanded.append((_hedged(exp) if q else exp, eyes or lexicon.eyes_of(exp) or lead_eyes))
                        lead_eyes = frozenset()
                    elif eyes and expanded and all(_describes_previous(r) for r in raws[i + 1:]):
                        _eye_after(expanded, eyes)  # "Narrowing, RE.", "Drop-out, LE, mild": the statement's eye
                    elif eyes:
                        lead_eyes = eyes
                named = {eyes for _, eyes in expanded if eyes}
                sentence_eyes = next(iter(named)) if len(named) == 1 else frozenset()
                statements, stmt_eyes = _merge_with_eyes([e for e, _ in expanded], [eyes for _, eyes in expanded])
                before: frozenset[str] = frozenset()  # the eye of the last part that named one
                if len(statements) > 1 and sentence_eyes and _list_then_eye(statements, stmt_eyes):
                    before = sentence_eyes  # "dot hems, MAs, CWS OD": the eye is the whole list's
                for stmt, own in zip(statements, stmt_eyes):
                    # the parts after one that names an eye are about that eye ("OS BRVO, flame hemes, CME"),
                    # not those before it ("media clear, C/D 0.4 OU")
                    plan = _PLAN.match(stmt) or (_PLAN.search(stmt) and not _names_finding(stmt))
                    eyes_used = own if plan else own or before or carried
                    if len(statements) == 1 and not own and _describes_what_was_named(stmt):
                        k = _described(out, said, eyes_used)
                        if k is not None:  # "CRVO OD. Ischaemic type.": the kind of what was just named
                            out[k] = _with_descriptor(out[k], stmt)
                            continue
                    done = _finish(_WITH_LEAD.sub("", stmt), eyes_used)  # a "with ..." part left on its own
                    before = own or before
                    if done:
                        out.append(done)
                        said.append((eyes_used, bool(plan) or bool(_NEG_START.match(stmt))))
                after_dash = before or carried
                if restore is not None and not named:
                    carried = restore
                if len(statements) == 1 and statements[0].strip(" .").lower() in _WHOLE_EYE and seg_eyes and not named:
                    # "OS: normal." says all there is about that eye: the header's eye ends here
                    seg_eyes = carried = frozenset()
                    continue
                if named:
                    whole_eye = len(statements) == 1 and statements[0].strip(" .").lower() in _WHOLE_EYE
                    carried = sentence_eyes if (sentence_eyes and _LEADING_EYE.match(clause)
                                                and not whole_eye) else seg_eyes
    return _late_rule_out(out)
