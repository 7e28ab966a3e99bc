"""Turn a clinician's skin lesion dictation or shorthand into full report sentences.

>>> [s.text for s in parse_dictation("6mm asym pigm macule L upper back, irreg border, derm: APN, BWV, no regression")]
['6 mm asymmetric pigmented macule left upper back.', 'Irregular border.', 'Atypical pigment network.', 'Blue-whitish veil.', 'No regression.']

The reading is the kit's (:func:`pixtralogist.kit.parse_dictation` with dermatology's lexicon,
``data/lexicon/skin_lesion.yaml``: its shorthand, subjects and predicates). This module adds what
is dermatology's own:

* each :class:`Statement` carries the section it was dictated under: ``dermoscopy`` after
  "derm:", "dermoscopy:", "DS:" (what follows describes the dermoscopic appearance, even
  "asymmetric"); ``impression`` after "imp:", "dx:", "ddx:", "plan:" ("plan: exc bx, photograph"
  is one plan) and for any sentence that names a diagnosis or a plan ("?melanoma", "excise");
  a region after a region label ("site: L shin", "size: 7x5mm"); ``None`` otherwise (the region
  sorter decides). A label holds to the end of its sentence or line, or to "clinically".
* shorthand the kit's tokens cannot tell apart: "MM" (capitals, not after a number) is melanoma;
  "lt" before a colour is "light"; "3/12" and "6/52" are 3 months and 6 weeks ("review 3/12" ->
  "review in 3 months"); "tan/brown" is "tan and brown"; "7-pt 5" is a 7-point checklist score;
  a distribution word after a comma ("trunk, multiple") stays with what it describes; "MC&S" is
  microscopy and culture; a one-letter typo of a short lesion, colour, hedge or plan word (the lexicon's
  ``dictation.short_spelling``: "nodul", "brwn", "likey") is corrected.
* what is history, not the plan or the site: the medication the patient is on ("28F on OCP"), triggers and
  symptoms ("recent sore throat", "can't sleep on R side"), change the patient reports ("(darker + bigger
  over 6/12)"); the patient's age and sex said inside a sentence ("... in a 52 year old man", "Pt (58F)") is a
  sentence of its own (the indication), and an opening visit reason ("Routine mole check.") is the indication.
* the plan: the lexicon's plan words (procedures, treatments by name, tests, referrals, review) send a
  sentence to the impression, and a plan after an arrow ("7-pt 5 -> excise") is a sentence of its own; a
  sentence that only denies a non-malignant feature ("No angioedema.") is a finding, and a diagnosis or plan
  word that names where a lesion is ("beyond the acne scar", "at site of previous excision") is no impression.
* a colour list after its count ("4 colours incl blue + white areas") is one colour statement.
* abbreviations with several meanings ("PG", "BP", "EM") are read by the dictation's other words
  (:mod:`pixtralogist.plugins.dermatology.abbreviations`) or left as written; " | " separates a record's fields;
  a test said with its result ("HIV+", "CD4 low") is history; "Bleeding - mild" is mild bleeding; "R/o X"
  opening a sentence is a query like "?X"; "Scale: none" denies the scale; under "morphology:" a size or a
  surface part goes to its region; a bare "yrs" after a comma is how long the lesion has been there.

Negation and hedge words are always kept; nothing is made more certain than dictated; text that
looks like an instruction is only data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pixtralogist.core.text import clean_text
from pixtralogist.kit import expand_shorthand as kit_expand
from pixtralogist.kit import parse_dictation as kit_parse
from pixtralogist.kit.dictation import (CLINICIAN_SEES, differential_as_alternatives, feature_none_as_denial,
                                        protect_abbreviation_dots)
from pixtralogist.plugins.dermatology.abbreviations import resolve_ambiguous
from pixtralogist.plugins.dermatology.lexicon import LEXICON, WORDS, word_re

__all__ = ["Statement", "expand_shorthand", "is_demographics", "is_visit_reason", "parse_dictation"]


@dataclass(frozen=True)
class Statement:
    """One dictated sentence, the section it was dictated under (``None``: let the sorter decide) and
    its kind for the kit drafter (``finding``, ``indication``, ``recommendation`` or ``not_placed``)."""

    text: str
    section: str | None = None
    kind: str = "finding"


_DICTATION = LEXICON.dictation
#: Section labels ("derm:", "site:", "imp:") -> the region (or impression / plan) they introduce.
_SECTION_REGION: dict[str, str] = _DICTATION["sections"]
#: the labels the lexicon reads as dermoscopy ("derm", "ds", "dsc", ...), for the rewrites that name dermoscopy
_DERMOSCOPY_LABELS = "|".join(sorted((re.escape(k) for k, v in _SECTION_REGION.items() if v == "dermoscopy"), key=len, reverse=True))
_SECTION = re.compile(
    r"(?:^|(?<=[;.,]))\s*(?P<label>" + "|".join(sorted(map(re.escape, _SECTION_REGION), key=len, reverse=True))
    + r")\s*[:\-]\s*",
    re.I,
)
#: "on dermoscopy, irregular dots": the rest of the sentence describes the dermoscopic appearance
_ON_DERMOSCOPY = re.compile(r"(?:^|(?<=[;.,]))\s*(?:on|at|by|with|under)\s+(?:" + _DERMOSCOPY_LABELS + r")\b\s*[:,]?\s*",
                            re.I)
_CLINICAL = re.compile(r"(?:^|(?<=[;.,]))\s*(?:" + "|".join(map(re.escape, _DICTATION["clinical"])) + r")\b[:,]?\s*", re.I)
#: a full stop that ends a sentence: before a letter, or before a size that opens the next statement
#: ("Hx: new mole R arm. 6mm macule ...": the label's section ends there)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_%)\]])\.\s+(?=[^\W\d_]|\?|\d+(?:\.\d+)?\s?(?:mm|cm)\b)|(?<=\d)\.\s+(?=[A-Z?]|\d+(?:\.\d+)?\s?(?:mm|cm)\b)")
_DIAGNOSIS = word_re(*WORDS["diagnosis"])
#: a body site or a size in a sentence that names a diagnosis ("actinic keratoses scalp vertex")
_NAMED_LESION_SITE = word_re(*[w for w in WORDS["body_sites"] if w not in ("sites?", "locat(?:ed|ion)", "acral")],
                             *WORDS["size"][:1])
_HEDGED = re.compile(r"\b(?:possible|possibly|probable|probably|likely|suspect\w*|suspicious|query|versus|vs|"
                     r"cannot exclude|differential|consider|\?)", re.I)
#: "Nodular BCC suspected: pearly papule ...", "Impression nodular melanoma": the diagnosis said as a label
_DIAGNOSIS_LABEL = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?P<dx>[^.;:]{3,60}?\s(?:suspected|likely|probable|query|favou?red))\s*:\s*",
                              re.I)
_IMPRESSION_WORD = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:impression|diagnosis|clinical diagnosis|dx|ddx|imp)\s+(?=[\w?])", re.I)
#: a body site followed by a side letter that ends its phrase ("Eyebrow R:", "upper back Lt,")
_SITE_THEN_SIDE = re.compile(
    r"(?<![\w-])(?P<site>(?:(?:upper|lower|mid|medial|lateral|dorsal|anterior|posterior)\s+)?(?:"
    + "|".join(sorted((w for w in WORDS["body_sites"] if w not in ("sites?", "locat(?:ed|ion)", "acral", "dorsal")
                       and "\\d" not in w), key=len, reverse=True))
    + r"))(?:\s*,)?\s+(?P<side>(?-i:R|L|Rt|Lt|RT|LT))(?=\s*(?:[:,.;]|$))", re.I)
#: a label at the start of a sentence ("Review of atypical naevus: ...")
_LABEL = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?P<label>[^.;:?]{3,60}?)\s*:\s+(?=\S)")
#: "size 5 mm" (a label without its colon)
_SIZE_WORD = re.compile(r"(?:(?<=^)|(?<=[.;]\s))size\s+(?=\d)", re.I)
#: "Pt c/o itchy rash both shins": what the patient brings is described like any finding (the rash, its site,
#: the itch), not as "Patient complains rash."
_COMPLAINS = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:(?:the\s+)?(?:pt|patient)\s+)?(?:c/o|complains?\s+of|complaining\s+of|"
                        r"presents?\s+with|presenting\s+with)\s+(?:an?\s+)?", re.I)
#: "Hutchinson sign neg", "Darier's sign +ve": a sign and its result -> "no Hutchinson sign", "Darier's sign present"
_SIGN_RESULT = re.compile(r"\b(?P<sign>[A-Z][\w']+(?:\s+\w+)?\s+sign)\s*(?::\s*)?(?:(?P<neg>neg(?:ative)?|-ve|absent|not\s+present)"
                          r"|pos(?:itive)?|\+ve|\+)(?![\w+])", re.I)
#: "no response to emollients": what was tried, then that it did not help ("emollients tried without response"),
#: so the treatment is not read as denied
_NO_RESPONSE = re.compile(r"\b(?:no|poor|little|minimal)\s+(?:response|improvement|benefit)\s+(?:to|with|from)\s+"
                          r"(?P<what>[^.,;:]+?)(?=\s*(?:[.,;:]|$))", re.I)
#: "lymph nodes not palpable", "LNs impalpable" -> "no palpable lymph nodes" (the denial before what it denies)
_NODES_NOT_PALPABLE = re.compile(r"\b(?P<what>(?:(?:regional|local|axillary|inguinal|cervical|submandibular|draining)\s+)?"
                                 r"(?:lymph\s+)?nodes|lns|lymphadenopathy)\s+(?:(?:are|is|were)\s+)?(?:not\s+palpable|impalpable|"
                                 r"non-?palpable)\b", re.I)
#: "Examination reveals a 12 mm plaque", "Inspection shows ...": the report states what was seen
_EXAM_REVEALS = re.compile(r"(?:(?<=^)|(?<=[.;:]\s))(?:(?:on\s+)?(?:examination|exam|inspection|clinical\s+examination|palpation)\s+)?"
                           r"(?:reveals|revealed|shows|showed|demonstrates|demonstrated|finds|found)\s+(?:an?\s+)?(?=\w)", re.I)
#: "On dermoscopy I can see an atypical network", "I note a ...": the report states what was seen
_I_SEE = re.compile(r"\b" + CLINICIAN_SEES)
#: "papule which bleeds easily", "a plaque that has grown": the relative clause is a statement of its own
_RELATIVE_CLAUSE = re.compile(r"\s+(?:which|that)\s+(?=(?:bleed|itch|weep|ooze|crust|grow|enlarg|chang|darken|ulcerat|hurt|"
                              r"recur|fluctuat)\w*\b|(?:is|are|was|were|has|have)\s+(?:been\s+)?(?:bleed|itch|grow|enlarg|"
                              r"chang|darken|tender|painful|sore|new|recurr)\w*\b)", re.I)
#: "Derm globular pattern, ...": the dermoscopy label said without its colon, opening a sentence of features
_DERM_NO_COLON = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(" + _DERMOSCOPY_LABELS + r")\s+(?!(?:shows?|showed|reveals?|revealed|"
                            r"demonstrates?|demonstrated|not|n/p|performed|was|is|are|were|done|of|on|with|findings?|"
                            r"features?\s+(?:are|were|of))\b)(?=[a-z])", re.I)
#: "there is a 6mm macule", "there are irregular streaks": the report states the finding
_THERE_IS = re.compile(r"\bthere(?:\s+(?:is|are|was|were)|['\u2019]s)\s+(?:an?\s+|some\s+)?", re.I)
#: commas inside brackets list one thing's parts ("3 colours (light brown, dark brown, black)")
_BRACKETED = re.compile(r"\(([^()]*,[^()]*)\)")
_PLAN = word_re(*WORDS["plan"])
_COLOURS = "|".join(map(re.escape, _DICTATION["colours_after_lt"]))
_COLOUR_WORD = r"(?:light|dark|mid)?[ -]?(?:brown|tan|black|blue(?:-gr[ae]y)?|gr[ae]y|white|red|pink|brn|blk)"
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "seb derm" is seborrhoeic dermatitis, not a dermoscopy label
    (re.compile(r"\bseb(?:orrh?o?eic)?\.?\s*derm(?:atitis)?\b", re.I), "seborrhoeic dermatitis"),
    (re.compile(r"(?<!\d)(?<!\d )(?<![\d.] )\b(?:MM|mm)\b(?!\s*(?:\d|x\b|by\b))"), "melanoma"),  # "fhx mm", not "4 mm"
    (re.compile(r"\b5[- ]?FU\b", re.I), "5-fluorouracil"),
    # "swab for MC&S": microscopy, culture and sensitivity (not molluscum contagiosum, "MC")
    (re.compile(r"\bM\s?C\s?&\s?S\b", re.I), "microscopy and culture"),
    (re.compile(r"\bIL\s+(?:TCS|steroids?|CS)\b"), "intralesional corticosteroid"),
    # procedures and tests written with an ampersand (the "&" would be read as "and")
    (re.compile(r"\bI\s?&\s?D\b", re.I), "incision and drainage"),
    (re.compile(r"\bED\s?&\s?C\b", re.I), "electrodesiccation and curettage"),
    (re.compile(r"\bC\s?&\s?C\b", re.I), "curettage and cautery"),
    (re.compile(r"\bU\s?&\s?Es?\b", re.I), "urea and electrolytes"),
    (re.compile(r"\b2\s?ww\b", re.I), "two-week-wait"),
    (re.compile(r"(?<![\w/])w(?=\s+[a-z])"), "with"),  # "papule w telangiectasia"
    (re.compile(rf"\blt(?=[ /-](?:{_COLOURS})\b)", re.I), "light"),
    (re.compile(rf"(?<=\w)(?<!\bw)/(?={_COLOUR_WORD}\b)|(?<=brown|black|white)/(?=\w)|(?<=tan|red)/(?=\w)"
                r"|(?<=grey|gray|pink)/(?=\w)", re.I), " and "),
    (re.compile(r"(?<=[^\W\d_])\s*\+\s+(?=[^\W\d_])"), " and "),  # "dotted + linear vessels"; not "ER+"
    (re.compile(r"\bseb\.?\s?k(?:s)?\b", re.I), "seborrhoeic keratosis"),
    (re.compile(r"\b(review|r/v|rv|follow-up|f/u|fu|reassess)\s+(?=\d{1,2}/(?:12|52)\b)", re.I), r"\1 in "),
    (re.compile(r"\b1/12(?!\d)"), "1 month"), (re.compile(r"\b(\d{1,2})/12(?!\d)"), r"\1 months"),
    (re.compile(r"\b1/52(?!\d)"), "1 week"), (re.compile(r"\b(\d{1,2})/52(?!\d)"), r"\1 weeks"),
    # a dosing frequency ("5x/day", "3x/wk"), not a ratio
    (re.compile(r"\b(\d)\s?x\s?/\s?(?:day|d)\b", re.I), r"\1 times daily"),
    (re.compile(r"\b(\d)\s?x\s?/\s?(?:wk|week)\b", re.I), r"\1 times a week"),
    (re.compile(r"(?<![\d/])\b1/7(?![\d/])"), "1 day"), (re.compile(r"(?<![\d/])\b(\d{1,2})/7(?![\d/])"), r"\1 days"),
    (re.compile(r"\b(?:7|seven)[- ]?(?:(?:pt|point)s?(?:\s+(?:checklist|score|cl))*|p(?:t)?cl)\s*[:=]?\s*(\d{1,2})\b(?!\s*mm)",
                re.I), r"7-point checklist score \1"),
    # "x3mo", "x 6/52", "x2 yrs": how long, not a count ("CWS x2" stays)
    (re.compile(r"(?<![\w.])x\s?(\d{1,3})\s?(?:/12|mo|mos|mths?|months?)(?![\w/])", re.I), r"for \1 months"),
    (re.compile(r"(?<![\w.])x\s?(\d{1,3})\s?(?:/52|wks?|weeks?)(?![\w/])", re.I), r"for \1 weeks"),
    (re.compile(r"(?<![\w.])x\s?(\d{1,3})\s?(?:/7|d|days?)(?![\w/])", re.I), r"for \1 days"),
    (re.compile(r"(?<![\w.])x\s?(\d{1,3})\s?(?:yrs?|years?)(?![\w/])", re.I), r"for \1 years"),
    # "high suspicion MM" is how a report says "highly suspicious for melanoma"
    (re.compile(r"\b(?:high|strong)\s+(?:index\s+of\s+)?suspicion\s+(?:of\s+|for\s+)?(?=\w)", re.I), "highly suspicious for "),
)


_PRED_WORDS = {p.lower() for p in _DICTATION["predicates"]}
_PRED_WORDS |= {k for k, v in LEXICON.abbreviations.items() if v.lower() in _PRED_WORDS}  # "irreg"
_PRED = "(?:" + "|".join(sorted(map(re.escape, _PRED_WORDS), key=len, reverse=True)) + ")"
_SUBJ = "(?:" + "|".join(sorted(map(re.escape, LEXICON.subjects), key=len, reverse=True)) + ")"
#: "irregular, notched border": adjectives listed before their noun describe it together (not a
#: bare "Irregular." and a "Notched border.")
_COORDINATED = re.compile(rf"\b({_PRED})\s*,\s*(?=(?:{_PRED}\s*,\s*)*{_PRED}\s+{_SUBJ}\b)", re.I)


#: A spaced dash between words closes a statement and its section ("reticular pattern - benign");
#: "3 - 4 mm" stays.
#: " | " between an electronic record's fields ("Site: scalp | Age 3 | Plan: observe"): each field is a line
_FIELD_PIPE = re.compile(r"[ \t]*\|[ \t]*(?=\S)")
#: "Bleeding - mild.", "veil - moderate": a severity after a dash qualifies what precedes it ("Bleeding, mild.")
_DASH_QUALIFIER = re.compile(r"\s+[-\u2013\u2014]+\s+(?=(?:minimal|mild|mildly|moderate|moderately|severe|severely|marked|markedly|"
                             r"slight|extensive|significant|florid)\s*(?:[.;]|$))", re.I)
#: "R/o bleeding.", "Rule out BCC": a query, like "?BCC" (a possibility to exclude, never a denial)
_RULE_OUT = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(?:r/o|rule\s+out)\s+(?=[^\W\d_])", re.I)
_DASH = re.compile(r"(?<=[^\W_])\s+[-\u2013\u2014]+\s+(?=[^\W\d_])")


#: "..., arborising vessels + ulceration on dermoscopy.": only the part after the last comma or "with"
#: describes the dermoscopic appearance; it becomes a "Dermoscopy:" section of its own.
_TRAILING_DERMOSCOPY = re.compile(
    r"(?:\s*,\s*|\s+(?:with|w/|w(?=\s))\s+)(?P<d>[^.,;:]+?)\s+(?:on|at|by|under)\s+(?:" + _DERMOSCOPY_LABELS + r")\b\s*"
    r"(?:(?=[.;]|$)|(?P<more>,\s*))",
    re.I)
#: "Fitz II", "skin type IV", "phototype 3": the patient's skin type is a statement of its own.
_SKIN_TYPE = re.compile(r"\b(?:fitz(?:patrick)?|fst|(?:fitzpatrick\s+)?skin\s*type|photo\s*type)\s*(?:skin\s+)?(?:type\s*)?"
                        r"(?P<t>VI|IV|V|I{1,3}|[1-6])\b\s*[,;.]?", re.I)
#: "ABCDE: A+ B+ C- D+ E-": each criterion said as the finding it scores (the lexicon's ``dictation.abcde``)
_ABCDE = re.compile(r"\bABCDE\s*[:\-]?\s*(?P<marks>(?:[ABCDE]\s*[+\-](?:ve)?\s*[,;/]?\s*){2,5})(?=[.;]|$)", re.I)
_ABCDE_WORDS: dict[str, list[str]] = {k.upper(): list(v) for k, v in _DICTATION["abcde"].items()}


def _abcde(m: re.Match[str]) -> str:
    said = [_ABCDE_WORDS[c.upper()][0 if sign == "+" else 1]
            for c, sign in re.findall(r"([ABCDE])\s*([+\-])", m.group("marks"), re.I)]
    return ". ".join(w[:1].upper() + w[1:] for w in said)


#: "acral MM not excluded", "SCC not ruled out": the hedge the report writes is "cannot exclude ..."
_NOT_EXCLUDED = re.compile(r"(?P<x>(?<=^)|(?<=[.;,:]\s)|(?<=[.;,:]))\s*(?P<what>[^.;,:?]+?)\s+"
                           r"(?:is\s+|are\s+)?(?:not\s+(?:be\s+)?(?:excluded|ruled\s+out)|cannot\s+be\s+(?:excluded|ruled\s+out)"
                           r"|(?:must|should|needs?\s+to|has\s+to)\s+be\s+(?:excluded|ruled\s+out))"
                           r"(?=\s*(?:[-.;,]|$))", re.I)


#: the patient's age and sex or role ("28F", "52 year old fair-skinned man", "34-year-old woman", "6yo boy")
_AGE = r"\d{1,3}(?:\s?|-)(?:years?|yrs?|y)(?:\s|-)old|\d{1,3}\s?(?:yo|y/o|y\.o\.)"
_PERSON = (r"(?:man|woman|male|female|boy|girl|lady|gentleman|patient|child|infant|baby|toddler|teenager|student|"
           r"[a-z]{3,}(?:er|or|ist|ian|ant))")
#: "11y girl", "4 y boy": an age in bare years is the patient's only with the person said after it (">2y" is a duration)
_AGE_Y_PERSON = rf"\d{{1,3}}\s?y\s+(?:{_PERSON})(?![\w-])"
_DEMOGRAPHICS = (rf"(?:\d{{1,3}}\s?(?:yo|y/o|yrs?)\s?[MFmf](?![\w/&])|{_AGE_Y_PERSON}|(?:{_AGE})(?:\s+[\w-]+){{0,2}}?\s+{_PERSON}|(?:{_AGE})(?!\s+{_PERSON})|\d{{1,3}}\s?[MFmf](?![\w/&])"
                 r"|(?:child|boy|girl|man|woman|infant|baby|toddler|male|female),?\s+(?:aged\s+)?\d{1,3}\s?(?:yo|y/o|years?(?:\s+old)?|"
                 r"yrs?|y|months?(?:\s+old)?|mo|m/o)(?![\w/]))")
#: "... in a 52 year old fair-skinned man", "On the R shin of this 80 year old man there is ...": said inside a sentence
_DEMOGRAPHICS_INSIDE = re.compile(rf"\s+(?:in|of|for|on)\s+(?:a|an|this|the|our)\s+(?P<d>{_DEMOGRAPHICS})\b", re.I)
_DEMOGRAPHICS_ALONE = re.compile(rf"(?:(?:a|an|this|the)\s+)?{_DEMOGRAPHICS}", re.I)
#: "inframammary folds bilat, 58f, t2dm: ...", "L shin, 80F: brown macule": the demographics as an item of a comma list
_DEMOGRAPHICS_ITEM = re.compile(rf",\s*(?P<d>{_DEMOGRAPHICS})\s*(?=[,:;.]|$|(?P<dash>(?:-+|\u2013|\u2014)\s))", re.I)
#: "Pt (58F) worried re spot on nose": the demographics in brackets
_DEMOGRAPHICS_BRACKET = re.compile(rf"\s*\(\s*(?P<d>{_DEMOGRAPHICS})\s*\)", re.I)
#: "34-year-old woman with a new ...", "28F on OCP", "This 47 year old gardener has a ...", "A 17 year old girl developed a
#: ...": said first, then the story
_DEMOGRAPHICS_OPENING = re.compile(rf"(?:^|(?<=[.;]))(?P<lead>\s*)(?:(?:a|an|this|the)\s+)?(?P<d>{_DEMOGRAPHICS})\s+"
                                   r"(?:(?:who\s+)?(?:has|had|presents?\s+with|presenting\s+with|with|w/|(?:has\s+|first\s+)?"
                                   r"(?:developed|noticed|noted|reports?|reported|describes?|described|complains?\s+of|"
                                   r"presented\s+with))\s+(?:an?\s+)?"
                                   r"|,?\s*(?=(?:on|taking|c/o|complains|h/o|hx|pmhx?|fhx|history|known|background|previous|prior)\b))"
                                   r"(?P<c>\w)", re.I)


def _demographics_apart(line: str) -> str:
    """The patient's age and sex said with the story or inside a finding's sentence becomes a sentence of its own
    (the indication): "28F on OCP" -> "28F. On OCP", "On the right shin of this 80 year old man there is a ..." ->
    "80 year old man. On the right shin there is a ..."."""
    line = _DEMOGRAPHICS_OPENING.sub(lambda m: f"{m.group('lead')}{m.group('d')}. {m.group('c').upper()}", line)
    m = _DEMOGRAPHICS_INSIDE.search(line) or _DEMOGRAPHICS_BRACKET.search(line) or _DEMOGRAPHICS_ITEM.search(line)
    if m and not re.match(r"\s*[.;]?\s*$", line[:m.start()]):
        start = max(line.rfind(". ", 0, m.start()) + 2, 0) if ". " in line[:m.start()] else 0
        if m.groupdict().get("dash"):  # "Zorvic papule R thigh, 31F - worried about X." : the worry is theirs too
            end = line.find(". ", m.end())
            end = len(line) if end < 0 else end + 1
            said = line[m.start():end].lstrip(", ").rstrip(" .")
            return f"{line[:start]}{said}. {line[start:m.start()].rstrip(' ,')}. {line[end:].lstrip()}".rstrip()
        return f"{line[:start]}{m.group('d')}. {line[start:m.start()]}{line[m.end():]}"
    return line


#: a bracket that tells how the lesion changed ("(darker + bigger over 6/12)"): a history statement of its own
_EVOLUTION_BRACKET = re.compile(r"\s*\((?P<x>[^()]*\b(?:darker|bigger|larger|thicker|lighter|redder|itchier|wider|raised|changed|"
                                r"changing|growing|grown|enlarg\w+|bleeding|bled)\b[^()]*)\)\s*\.?")


def _short_typos() -> dict[str, str]:
    """Variant -> word for the lexicon's ``dictation.short_spelling`` words: one letter dropped or two neighbours
    swapped, never the first letter; a variant that is a word the lexicon knows, one of
    ``short_spelling_real`` or a variant of two words is left alone."""
    targets = [w.lower() for w in _DICTATION.get("short_spelling") or ()]
    known = {w.lower() for w in _DICTATION.get("short_spelling_real") or ()} | set(targets)
    known |= {w for k, v in LEXICON.abbreviations.items() for w in re.findall(r"[a-z]+", f"{k} {v}".lower())}
    known |= {w for alts in WORDS.values() if isinstance(alts, list) for p in alts for w in re.findall(r"(?<![\\a-z])[a-z]{3,}", str(p))}
    seen: dict[str, set[str]] = {}
    for t in targets:
        variants = {t[:i] + t[i + 1:] for i in range(1, len(t))}
        variants |= {t[:i] + t[i + 1] + t[i] + t[i + 2:] for i in range(1, len(t) - 1)}
        for v in variants - {t, t[:-1] if t.endswith("s") else t}:  # "globule" is no typo of "globules"
            seen.setdefault(v, set()).add(t)
    return {v: next(iter(ts)) for v, ts in seen.items() if len(ts) == 1 and len(v) >= 4 and v not in known}


_SHORT_TYPOS = _short_typos()
_WORD = re.compile(r"(?<![\w-])[A-Za-z]{4,14}(?![\w-])")


def _fix_short_typos(line: str) -> str:
    """"Pearly nodul", "tan to brwn", "BCC likey" -> "nodule", "brown", "likely" (see :func:`_short_typos`)."""
    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        hit = _SHORT_TYPOS.get(word.lower())
        return word if hit is None or (word.isupper() and len(word) <= 5) else (hit.capitalize() if word[0].isupper() else hit)
    return _WORD.sub(fix, line)


_COLOUR_SEP = re.compile(r"\s*(?:,|\band\b|\+|/|&)\s*")
_LISTED_COLOUR = (r"(?:(?:light|dark|mid|pale|bright|lt|dk)[ -])?(?:tan|brown|brn|black|blk|blue(?:[- ]gr[ae]y)?|gr[ae]y|white|red|pink|"
                  r"purple|violaceous|yellow|orange|skin[- ]colou?red)")
#: "4 colours incl blue + white areas", "3 colours: tan, brown and black": the list is the colour region's (a colour
#: label holds it together; "white areas" alone would read as a dermoscopic structure)
_COLOUR_COUNT_LIST = re.compile(
    rf"(?P<lead>^\s*|\s*[,;]\s*|(?<=[.])\s*|\s+with\s+)(?P<n>(?:[2-9]|two|three|four|five|six|several|multiple)\s+colou?rs?)\s*"
    rf"(?:incl(?:uding|\.)?|:|with|namely|-)\s*(?P<list>{_LISTED_COLOUR}(?:\s*(?:,|and|\+|/|&)\s*{_LISTED_COLOUR})+"
    r"(?:\s+(?:areas?|zones?|foci))?)(?:(?P<comma>\s*[,;]\s*)|(?=\s*(?:[.]|$)))", re.I)


def _lower_first(text: str) -> str:
    """"Acral MM" -> "acral MM"; an acronym ("SCC") keeps its capitals."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _line_rewrite(line: str) -> str:
    """Rewrites of a whole line before its sections are read (see the module docstring)."""
    line = _fix_short_typos(protect_abbreviation_dots(line, lexicon=LEXICON))  # "KA vs. SCC", "80 y.o. man": no sentence ends
    if sum(ch.isalpha() for ch in line) >= 8 and line.isupper():  # ALL-CAPS dictation: "MM" is still melanoma
        line = re.sub(r"(?<!\d)(?<!\d )\bMM\b", "melanoma", line).lower()
    line = _demographics_apart(line)
    line = _DOSING.sub(_dosing, line)  # "mometasone oint bd 2/52": twice daily (not Bowen's disease, "BD")
    line = _INDEX_VALUE.sub(r"\1 ", line)  # "ABPI: 0.75", "PASI = 12": a measured index and its value, not a label
    line = _TRIGGER_AFTER.sub(lambda m: f". {m.group('w').capitalize()} ", line)
    line = _EVOLUTION_BRACKET.sub(lambda m: f". {m.group('x')[:1].upper()}{m.group('x')[1:]}. ", line)
    line = _COLOUR_COUNT_LIST.sub(lambda m: f"{'. ' if m.group('lead').strip() else m.group('lead')}Colour: {m.group('n')} "
                                  f"including {_COLOUR_SEP.sub(' and ', m.group('list'))}{'. ' if m.group('comma') else ''}", line)
    line = _SKIN_TYPE.sub(lambda m: f"Fitzpatrick skin type {m.group('t').upper()}. ", line)
    line = _ABCDE.sub(_abcde, line)
    line = _SIZE_WORD.sub("size: ", _THERE_IS.sub("", _COMPLAINS.sub("", line)))
    line = _RELATIVE_CLAUSE.sub(", ", _EXAM_REVEALS.sub("", _I_SEE.sub("", line)))
    line = re.sub(r"(?<=, )(?:is|are|was|were|has|have)\s+(?:been\s+)?(?=\w)", "", line)  # ", has darkened" -> ", darkened"
    line = _SIGN_RESULT.sub(lambda m: f"no {m.group('sign')}" if m.group("neg") else f"{m.group('sign')} positive", line)
    line = _NO_RESPONSE.sub(lambda m: f"{m.group('what')} tried without response", line)
    line = re.sub(r"\bcannot\s+(?:r/o|rule\s+out)\b", "cannot exclude", line, flags=re.I)
    line = _NODES_NOT_PALPABLE.sub(lambda m: "no palpable " + ("lymph nodes" if m.group("what").lower() == "lns" else m.group("what").lower()), line)
    line = _BARE_DURATION.sub(lambda m: " present for " + " ".join(_DURATION_WORD.get(w.lower(), w.lower())
                                                                   for w in m.group("n").split()), line)
    line = feature_none_as_denial(line, keep=frozenset(_SECTION_REGION))  # "Scale: none" -> "No scale"
    line = _LABEL_DASH.sub(lambda m: f"{m.group(1)}: ", line)  # "Dermoscopy - atypical network"
    line = _DERM_NO_COLON.sub(lambda m: f"{m.group(1)}: ", line)  # "Derm globular pattern, no atypical features"
    line = re.sub(r"\b([RL])\s+(?=\d(?:st|nd|rd|th)\b)", lambda m: "right " if m.group(1) == "R" else "left ", line)
    # "Eyebrow R:", "shin Lt, 6mm papule": a side after the body site is its side ("right eyebrow")
    line = _SITE_THEN_SIDE.sub(lambda m: f"{'right' if m.group('side')[0] == 'R' else 'left'} {m.group('site').lower()}", line)
    # "ALM ? Urgent excision": a query after its words hedges them, and ends their sentence
    # (x is bounded: its words come back unchanged, so a later start gives the same line, and a long line without
    # punctuation is not scanned to its end from every position)
    line = re.sub(r"(?P<x>[^.;:?!]{1,400}?)\s+\?\s+(?=[A-Z])",
                  lambda m: f"{m.group('x')}?. " if _PLAN.match(line[m.end():]) else m.group(0), line)
    # "pearly papule 5mm ? BCC": a query before a diagnosis opens its own (hedged) statement
    line = re.sub(r"(?<=[\w)])\s+\?\s*(?=[^\W\d_])", lambda m: ". ?" if _DIAGNOSIS.match(line[m.end():]) else m.group(0), line)
    line = re.sub(r"\(\s*([RL])\s*\)", lambda m: "right" if m.group(1) == "R" else "left", line)  # "(R) medial thigh"
    line = _BRACKETED.sub(lambda m: "(" + re.sub(r"\s*,\s*", " / ", m.group(1)) + ")", line)
    line = re.sub(r"\bstuck\s+on\b", "stuck-on", line, flags=re.I)
    # "7-pt score 5 -> excise", "reticular pattern => benign": what follows the arrow is the plan or the conclusion
    line = _ARROW.sub(lambda m: ". " + m.group("c").upper() if _concludes(line[m.start("c"):]) else m.group(0), line)
    line = differential_as_alternatives(line)
    line = _IMPRESSION_WORD.sub("Impression: ", line)
    line = _DIAGNOSIS_LABEL.sub(lambda m: f"{m.group('dx')}. " if _DIAGNOSIS.search(m.group("dx")) else m.group(0), line)
    # "Review of atypical naevus: 6mm brown macule ...": a label that names a diagnosis is a statement of its
    # own; the findings after it are the lesion's, not the diagnosis's sentence
    line = _LABEL.sub(lambda m: f"{m.group('label')}. " if m.group("label").lower() not in _SECTION_REGION
                      and _DIAGNOSIS.search(expand_shorthand(m.group("label"))) else m.group(0), line)
    line = _NOT_EXCLUDED.sub(lambda m: f" cannot exclude {_lower_first(m.group('what').strip())}", line)
    # "..., regular network on derm, no change in 2 yrs": what follows the dermoscopy part is clinical again
    return _TRAILING_DERMOSCOPY.sub(lambda m: f". Dermoscopy: {m.group('d')}" + (". " if m.group("more") else ""), line)


def _rewrite(text: str) -> str:
    for rx, repl in _REWRITES:
        text = rx.sub(repl, text)
    return _COORDINATED.sub(r"\1 and ", text)


def expand_shorthand(text: str) -> str:
    """Expand the shorthand of one phrase (no splitting, no sentence finishing)."""
    return kit_expand(_rewrite(text), lexicon=LEXICON)


_ARROW = re.compile(r"\s*(?:-+>|=+>|\u2192|\u21d2)\s*(?P<c>\S)")


def _concludes(text: str) -> bool:
    """Whether ``text`` opens with a plan or a diagnosis ("excise", "benign naevus", "refer")."""
    return bool(_PLAN.match(text) or _DIAGNOSIS.match(text) or _IMPERATIVE_PLAN.match(text))
_LABEL_DASH = re.compile(r"(?:(?<=^)|(?<=[.;]\s))(" + "|".join(sorted(map(re.escape, _SECTION_REGION), key=len, reverse=True))
                         + r")\s+[-\u2013\u2014]+\s+", re.I)
_FIELDS = frozenset({"morphology", "size", "color", "border", "surface", "distribution_site", "others"})


def _sections(line: str) -> list[tuple[str | None, str]]:
    """``(section, text)`` chunks of one line: a label holds until the next label or the line's end."""
    out: list[tuple[str | None, str]] = []
    header, pos = None, 0
    marks = sorted([(m, _SECTION_REGION[m.group("label").lower()]) for m in _SECTION.finditer(line)]
                   + [(m, "end-field") for m in re.finditer(r";\s*", line)]
                   + [(m, "dermoscopy") for m in _ON_DERMOSCOPY.finditer(line)]
                   + [(m, None) for m in _CLINICAL.finditer(line)] + [(m, None) for m in _SENTENCE_END.finditer(line)],
                   key=lambda x: x[0].start())
    for m, section in marks:
        if section == "end-field":  # "site: R forearm; morph: papule": a semicolon ends a field's label
            if header in _FIELDS:
                out.append((header, line[pos:m.start()]))
                header, pos = None, m.end()
            continue
        out.append((header, line[pos:m.start()]))
        header, pos = section, m.end()
    out.append((header, line[pos:]))
    return [(h, t) for h, t in out if t.strip(" ;.,")]


_INTERPRETATION = re.compile(r"^(?P<finding>.+?),\s*(?P<dx>(?:consistent with|compatible with|suggestive of|likely)\s.+)$",
                             re.I)


def _interpretation_split(sentence: str) -> list[str]:
    """"Milia-like cysts on dermoscopy, consistent with SK." -> the finding and its interpretation
    (an impression statement), so the finding keeps its region."""
    m = _INTERPRETATION.match(sentence)
    if not m or _DIAGNOSIS.search(m.group("finding")) or not _DIAGNOSIS.search(m.group("dx")):
        return [sentence]
    dx = m.group("dx")
    return [m.group("finding").rstrip(" ,") + ".", dx[:1].upper() + dx[1:]]


#: The patient's history ("FHx melanoma", "history of BCC"): other findings, never this lesion's diagnosis.
#: a size or a surface word in a part dictated under "morphology:" (the sorter then splits it by region)
_OTHER_REGION_PART = word_re(*WORDS["size"][:1], *WORDS["rewrite_surface"]) if "rewrite_surface" in WORDS else \
    word_re(*WORDS["size"][:1], *LEXICON.data["rewrite"]["surface_adjectives"])
#: "..., elderly pt, yrs.": a bare span of time said as a comma part is how long the lesion has been there
_BARE_DURATION = re.compile(r"(?<=,)\s*(?P<n>(?:many\s+|several\s+|some\s+)?(?:yrs|years|mos|months|wks|weeks))(?=\s*(?:[.;]|$))", re.I)
_DURATION_WORD = {"yrs": "years", "mos": "months", "wks": "weeks"}
#: a test said with its result ("HIV+", "CD4 low", "ANA positive 1:640", "HbA1c 82"): history; alone in its sentence
_TEST_RESULT = re.compile(
    r"(?:(?:" + "|".join(_DICTATION["test_results"]) + r")\s*(?:[+]|[+]?ve\b|-ve\b|(?<=\w)-|:?\s*(?:positive|pos|negative|neg|"
    r"low|high|raised|elevated|normal|reactive|non-?reactive|detectable|undetectable|(?:\d+(?:[.:/]\d+)?)(?:\s*%|\s*[a-z/]+\d*)?)\b)"
    r"(?:\s*(?:,|and|&|\+)\s*)?)+", re.I)
_HISTORY = re.compile(r"^(?:family history|fhx?\b|past (?:medical )?history|(?:personal )?history of|h/o|hx\b|previous|prior)",
                      re.I)


#: "no response to emollients", "failed 2 courses of terbinafine": what was tried before is history (others),
#: not the plan
_TREATMENT_HISTORY = re.compile(r"\b(?:(?:no|poor|partial|little|minimal|limited)\s+(?:response|improvement|benefit)\s+(?:to|with|from)"
                                r"|(?:failed|tried|refractory\s+to|unresponsive\s+to|resistant\s+to|not\s+helped\s+by|"
                                r"previously\s+treated\s+with|already\s+(?:on|using|tried)|not\s+(?:respond(?:ing|ed)?|improv(?:ing|ed))\s+"
                                r"(?:to|with|on))\b)", re.I)
#: the medication the patient is on ("28F on OCP", "taking methotrexate"): history (others), not the plan
_CURRENT_MEDICATION = re.compile(r"(?:^|,\s*|\b(?:recipient|patient|pt|man|woman|male|female|boy|girl|diabetic|asthmatic|"
                                 r"transplant|smoker|atopic|immunosuppressed|immunocompromised|hiv|hiv\+|hiv positive)s?\s+(?:and\s+)?)"
                                 r"(?:(?:is|was|currently|already|also)\s+)?(?:on|taking|takes|using|uses)\s+"
                                 r"(?:(?:a|an|the|oral|regular|long[- ]term|daily|her|his)\s+)*(?=\w)(?!(?:left|right|r|l|the)\b)", re.I)


#: "No other suspicious lesions on skin check.": about the rest of the skin (others), not this lesion's diagnosis
_OTHER_LESIONS = re.compile(r"^(?:no\s+|nil\s+|several\s+|multiple\s+|few\s+)?(?:other|further|similar|additional)\s+"
                            r"(?:(?:\w+\s+){0,2}(?:lesions?|naevi|nevi|moles|spots)\b"
                            # "No other CALMs on full skin check", "no further zorvules at total body exam": the rest of the skin
                            r"|(?:[\w-]+\s+){1,3}(?:on|at|at\s+the|on\s+the|during)\s+(?:(?:full|total|whole|complete)\s+)?"
                            r"(?:skin|body|mucosal)\s+(?:check|exam\w*|survey|inspection))", re.I)


#: a lesion there since early life and described now ("CMN R flank since birth, ~4cm", "brown macule L arm present since
#: childhood"): a finding with its history, not only history (the sorter gives "since birth" to Other, the rest to theirs)
_SINCE_EARLY_LIFE = re.compile(r"\bsince\s+(?:birth|childhood|infancy|teens|youth)\b", re.I)
_DESCRIBED_NOW = re.compile(r"\d(?:\.\d+)?\s*(?:mm|cm)\b|" + word_re(*WORDS["morphology_nouns"]).pattern, re.I)


#: "... two weeks ago, now multiple oval macules ...": what the lesion is now, after its story
_NOW = re.compile(r"[,;]\s*(?:and\s+|but\s+)?(?:now|currently|today|at\s+present|presently)\b(?P<rest>.+)$", re.I)


def _present_since_described(sentence: str) -> bool:
    """Whether a sentence with the lesion's past also describes it as it is: there since early life and measured or
    named now, or its story then what it is now ("herald patch 2 weeks ago, now multiple salmon macules")."""
    now = _NOW.search(sentence)
    return bool((_SINCE_EARLY_LIFE.search(sentence) or now) and _DESCRIBED_NOW.search(now.group("rest") if now else sentence))


#: a past event ("She started the pill two months ago", "excised in 2019", "present since childhood"): history
_PAST_EVENT = re.compile(r"\b(?:ago|since\s+(?:childhood|birth|infancy|(?:19|20)\d\d|then|last)|in\s+(?:19|20)\d\d)\b", re.I)
#: what the patient feels, with when it happens ("bleeds when she dries her face", "catches on clothing",
#: "painful at night when lying on it"): the history (a symptom), not the lesion's surface or site
_SYMPTOM_TRIGGER = re.compile(r"^(?:\w+\s+){0,3}?(?:bleed(?:s|ing)?|itch(?:es|y|ing)?|sore|painful|pain|tender|hurts?|stings?|"
                              r"burns?|catch(?:es|ing)?|snags?|rubs?)\s+(?:\w+\s+){0,2}?(?:when|whenever|if|after|at\s+night|while|"
                              r"(?:on|with)\s+(?:touch(?:ing)?|contact|scratching|rubbing|friction|pressure|lying|shaving|washing|"
                              r"drying|brushing|combing|clothing|clothes|(?:her|his|the)\s+(?:clothing|clothes|bra|collar|belt)))\b", re.I)
_MEDICATION = word_re(*WORDS["medications"])
#: why the patient came (the lexicon's ``presenting_reason`` concept: "Routine mole check.")
_VISIT_REASON = re.compile("(?:" + "|".join(p for c in LEXICON.concepts if c.id == "presenting_reason" for p in c.patterns) + ")",
                           re.I)
#: a plan said as an imperative opening its sentence ("Check chest X-ray and ASO.", "Rest and NSAIDs.")
_IMPERATIVE_PLAN = re.compile(r"^(?:check|arrange|book|request|order|send|take|start|stop|continue|add|increase|reduce|switch|"
                              r"apply|use|avoid|give|prescribe|repeat|list|discuss|consider|offer|rest(?!\s+of)|recheck|"
                              r"extend|treat|trial|commence|organi[sz]e|see|keep|wear|protect|elevate|optimi[sz]e|soak|wash|cover|"
                              r"limit|minimi[sz]e|encourage|educate|measure)\b", re.I)


#: what is done once an outcome is known ("benzathine penicillin if confirmed", "zorvatide if persistent", "excise if
#: it grows"): a plan, whatever the treatment's name; a symptom's trigger ("bleeds if scratched") is read before this
_CONDITIONAL_PLAN = re.compile(r"^[^,;:]*?[^\W\d_]\s+(?:if|once|when|should\s+(?:it|they|this|these))\s+(?:it\s+|they\s+|this\s+|"
                               r"(?:the\s+)?(?:biopsy|histology|culture|serology|test|swab|scan|result|diagnosis)\s+)?"
                               r"(?:is\s+|are\s+|becomes?\s+|remains?\s+|still\s+)?"
                               r"(?:confirm\w*|proven|positive|negative|persist\w*|recur\w*|worse\w*|spread\w*|enlarg\w*|grow\w*|"
                               r"chang\w*|fail\w*|bothersome|symptomatic|needed|required|indicated|tolerated|unresolved|"
                               r"no\s+(?:improvement|response|better)|not\s+(?:improv\w+|resolv\w+|better|settling|settled))"
                               r"(?:\s+\w+){0,3}\s*\.?$", re.I)


#: a sentence that only denies ("No angioedema.", "Nil fever or arthralgia.")
_DENIED_ONLY = re.compile(r"^(?:no|nil|without|denies|negative\s+for|absence\s+of)\b(?!\s+(?:features?|signs?|evidence|"
                          r"suspicion|concern|clinical|dermoscopic)\b)", re.I)
_MALIGNANT = re.compile(r"\b(?:melanomas?|carcinomas?|malignan\w*|bcc|scc|lentigo maligna|cancer|neoplas\w*|dysplas\w*)\b", re.I)
#: a diagnosis that names where a lesion is ("beyond the acne scar", "in a BCC excision scar"), not what it is
_DIAGNOSIS_AS_SITE = re.compile(r"\b(?:beyond|in|within|on|at|over|around|near|from|along|into|of)\s+(?:(?:the|an?|his|her|"
                                r"original|old|previous|prior|healed)\s+)*(?:[\w-]+\s+){1,4}(?:scars?|sites?)\b"
                                r"|\b(?:at|in|on|within|over)\s+(?:the\s+)?(?:site|scar)\s+of\s+(?:(?:the|an?|previous|prior|old)\s+)*"
                                r"[\w-]+(?:\s+(?:excision|biopsy|surgery|removal|repair|graft))?", re.I)


#: a sign quoted by its name ("'strawberries and cream'", "\"stuck on\""): how the lesion looks, never its diagnosis or plan
_QUOTED = re.compile(r"(?<![\w'])'[^'.;]{2,60}'(?![\w'])|\"[^\".;]{2,60}\"|\u2018[^\u2019.;]{2,60}\u2019|\u201c[^\u201d.;]{2,60}\u201d")
#: a word said with the part of the lesion it lies on ("livedo at the edges", "crust in the centre"): a feature of this
#: lesion, not a diagnosis of its own
_PART_OF_LESION = re.compile(r"(?:(?<=,)|^)\s*[\w-]+(?:\s+[\w-]+)?\s+(?:at|in|on|around|along|towards?)\s+(?:the|its)\s+"
                             r"(?:edges?|periphery|peripheral\s+rim|rim|margins?|borders?|centre|center|middle|base)"
                             r"(?=\s*(?:[,.;]|$))", re.I)


#: what the patient or someone close reports ("Pt says", "Patient reports", "Wife noticed")
_REPORTED = re.compile(r"^(?:the\s+)?(?:pt|patient|she|he|they|partner|wife|husband|mother|father|parents?|gp)\s+"
                       r"(?:says|said|reports?|reported|notes|noted|noticed|states|stated|feels|thinks|describes)\b", re.I)


def _only_symptoms(part: str) -> bool:
    """Whether ``part`` names no lesion attribute but its surface or history ("bled once last week")."""
    from pixtralogist.plugins.dermatology.sorter import classify_rules

    return classify_rules(part).regions <= {"surface", "others"} and not _DIAGNOSIS.search(part)


def _continues_plan(part: str) -> bool:
    """Whether a comma part after a plan names nothing of the lesion (no lesion vocabulary, no history word):
    "tissue viability" after "compression bandaging" is one more step of the plan."""
    from pixtralogist.plugins.dermatology.sorter import classify_rules  # the sorter imports this module's lexicon

    return classify_rules(part).source == "default" and not _DENIED_ONLY.match(part)


#: "plaque L thigh after tick bite 2/52 ago": the trigger after the finding is history, a sentence of its own
_TRIGGER_AFTER = re.compile(r"(?<=\w)\s*,?\s+(?P<w>after|following|post)\s+(?=(?:(?:an?|the|his|her|recent)\s+)?(?:[\w-]+\s+){0,2}?"
                            r"(?:bites?|injury|trauma|sunburn|surgery|illness|infection|vaccination|travel|holiday|contact|"
                            r"exposure|starting|course|insect|tick|scratch|burn|shaving|waxing|piercing|tattoo)\b)", re.I)


#: a dosing frequency after a drug, a dose or a preparation ("oint bd", "100mg od", "cream tds x2/52")
_DOSING = re.compile(r"(?P<pre>(?:\b(?:oint(?:ment)?s?|creams?|gels?|lotions?|shampoos?|foams?|tabs?|tablets?|caps?|capsules?|"
                     r"emollients?|soap substitutes?|pastes?|solutions?|sprays?|"
                     r"applied|apply|po|topical(?:ly)?)|\d\s?(?:mg|mcg|g|ml|%|units?|iu)|\d)\s+(?:[\w-]+\s+){0,3}?)"
                     r"(?P<f>bd|b\.d\.|bid|tds|t\.d\.s\.|tid|qds|q\.d\.s\.|qid|od|o\.d\.|nocte|mane|prn)(?!\w|\.\w)", re.I)
_DOSES = {"bd": "twice daily", "bid": "twice daily", "tds": "three times daily", "tid": "three times daily",
          "qds": "four times daily", "qid": "four times daily", "od": "once daily", "nocte": "at night",
          "mane": "in the morning", "prn": "as needed"}


def _dosing(m: re.Match[str]) -> str:
    return m.group("pre") + _DOSES[m.group("f").lower().replace(".", "")]


_INDEX_VALUE = re.compile(r"\b(ABPI|PASI|DLQI|EASI|SCORAD|BSA|POEM|UAS7|CDLQI)\s*[:=]\s*(?=\d)", re.I)
#: a sentence that opens with what came before ("Following a course of amoxicillin.", "After a tick bite.")
_TRIGGER_LEAD = re.compile(r"^(?:after|following|post|since)\s+(?!(?:excision|biopsy|treatment|review)\b)", re.I)


def is_demographics(sentence: str, *, opening: bool = False) -> bool:
    """Whether ``sentence`` is only the patient's age and sex or role ("Girl, 12 years.", "52 year old man."); with
    ``opening`` (nothing but the indication said before it) a bare age in years ("13y.") is the patient's age too."""
    said = sentence.strip().rstrip(".").strip()
    return bool(_DEMOGRAPHICS_ALONE.fullmatch(said) or (opening and re.fullmatch(r"\d{1,3}\s?y", said, re.I)))


#: the patient's age and sex said before why they came ("34F mole check.", "A 61 year old man, skin check.")
_DEMOGRAPHICS_LEAD = re.compile(rf"(?:(?:a|an|this|the)\s+)?(?:{_DEMOGRAPHICS})\s*[,:;-]?\s+", re.I)


def is_visit_reason(sentence: str) -> bool:
    """Whether ``sentence`` opens with why the patient came ("Routine mole check.", "Referred by GP with ..."), the
    patient's age and sex perhaps said first ("34F mole check.")."""
    lead = _DEMOGRAPHICS_LEAD.match(sentence)
    return bool(_VISIT_REASON.match(sentence) or (lead and _VISIT_REASON.match(sentence, lead.end())))


def _section_of(sentence: str, header: str | None) -> str | None:
    if header in ("impression", "plan"):
        return "impression"
    if header == "morphology" and _OTHER_REGION_PART.search(sentence):
        header = None  # "Morphology: indurated plaque 6 x 4 cm, shiny": the size and surface are their regions'
    if header is not None:
        return header
    if is_visit_reason(sentence):
        return None  # "Routine mole check.", "34F mole check.": why the patient came (the kit reads it as the indication when it opens)
    past = _PAST_EVENT.search(sentence) and not re.search(r"\bcompar\w*|\bunchanged\b|\bstable\b", sentence, re.I) \
        and not _present_since_described(sentence)
    if _HISTORY.match(sentence) or _TREATMENT_HISTORY.search(sentence) or past or (
            _OTHER_LESIONS.search(sentence) and not _PLAN.match(sentence)) or _SYMPTOM_TRIGGER.search(sentence):
        return "others"
    if _REPORTED.match(sentence) and _only_symptoms(sentence):
        return "others"  # "Patient reports it itches and bled once.": what the patient reports is history
    if _TRIGGER_LEAD.match(sentence) and not _DIAGNOSIS.search(sentence):
        return "others"  # "Following a course of amoxicillin.": history, though a course of a drug is also a plan word
    if _TEST_RESULT.fullmatch(sentence.strip().rstrip(".").strip()):
        return "others"  # "HIV+.", "CD4 low.": a result the patient has, not a test to order
    if _IMPERATIVE_PLAN.match(sentence) or (_CONDITIONAL_PLAN.search(sentence) and not _DESCRIBED_NOW.search(sentence)):
        return "impression"
    if _DENIED_ONLY.match(sentence) and not _PLAN.search(sentence) and not _HEDGED.search(sentence) \
            and not _MALIGNANT.search(sentence):
        return None  # "No angioedema.", "No bruising or scarring.": a feature denied is a finding (the sorter's)
    med = _CURRENT_MEDICATION.search(sentence)
    if med and (_PLAN.match(sentence[med.end():]) or _MEDICATION.match(sentence[med.end():])) \
            and not _DIAGNOSIS.search(sentence[:med.start()] + " " + sentence[med.end():]):
        return "others"
    said = _DIAGNOSIS_AS_SITE.sub(" ", sentence)  # "beyond the acne scar", "in the excision scar": where, not what
    said = _QUOTED.sub(" ", _PART_OF_LESION.sub(" ", said))
    return "impression" if _DIAGNOSIS.search(said) or _PLAN.search(said) else None


#: a capitalised label opening a line ("Patient: 6yo boy", "Count: no other CALMs", "Lesion: single macule")
_LINE_LABEL = re.compile(r"^(?P<lead>\s*(?:[-*\u2022]\s*)?)(?P<label>[A-Z][A-Za-z]+(?: [A-Za-z]+)?)\s*:\s+(?=\S)")


def _drop_bare_label(line: str) -> str:
    """A line's opening label that is no section of the report, no body site and no diagnosis ("Patient:", "Count:",
    "Lesion:") only announces what follows: the label goes and what follows is read as it was said; a section label
    ("Site:", "Plan:") or a site or a diagnosis said as a label ("L shin:", "BCC suspected:") stays."""
    from pixtralogist.plugins.dermatology.sorter import classify_rules  # the sorter imports this module's lexicon

    m = _LINE_LABEL.match(line)
    if not m:
        return line
    label = m.group("label")
    if label.lower() in _SECTION_REGION or _CLINICAL.match(label) or _DIAGNOSIS.search(label) or _PLAN.search(label) \
            or _HEDGED.search(label) or _SIDE_WORD.search(label) or classify_rules(label).source not in ("default", "weak-rules") \
            or LEXICON.expansion(label.lower()) or _COUNT_WORD.search(label):
        return line  # "Two lesions:" says how many: it is dictated content, not a label
    return m.group("lead") + line[m.end():]


_COUNT_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|few|numerous|both|single|"
                         r"solitary|some|all)\b", re.I)
_SIDE_WORD = re.compile(r"\b(?:left|right|l|r|lt|rt|bilat\w*|both)\b", re.I)


def parse_dictation(text: str | None) -> list[Statement]:
    """Full report sentences, with their dictated section, from dictation or shorthand (``[]`` for none)."""
    if not text or not isinstance(text, str):
        return []
    out: list[Statement] = []
    text = _FIELD_PIPE.sub("\n", resolve_ambiguous(clean_text(text)))
    for line in text.split("\n"):  # "PG" by its context: pyoderma gangrenosum or granuloma
        line = _drop_bare_label(line)
        for header, chunk in _sections(_DASH.sub(". ", _DASH_QUALIFIER.sub(", ", _RULE_OUT.sub("Possible ", _line_rewrite(line))))):
            if header == "plan":  # "plan: excise, photograph" is one plan
                plan = expand_shorthand(chunk).strip(" ;.,")
                out.append(Statement(f"Plan: {plan}.", "impression"))
                continue
            planned = False  # a part of this chunk was a plan: a bare part after it continues the plan
            reported = False  # the chunk opened with what the patient reports: its symptom parts are history too
            for sentence in kit_parse(_rewrite(chunk), lexicon=LEXICON):
                for part in _interpretation_split(sentence):
                    section = _section_of(part, header)
                    if section is None and planned and header is None and _continues_plan(part):
                        section = "impression"  # "Compression bandaging, tissue viability."
                    planned = section == "impression" and bool(_PLAN.search(part) or _IMPERATIVE_PLAN.match(part))
                    if section is None and reported and header is None and _only_symptoms(part):
                        section = "others"  # "Patient reports it itches and bled once": the bleeding is reported too
                    reported = reported or bool(_REPORTED.match(part))
                    if section == "impression" and header is None and _NAMED_LESION_SITE.search(_DIAGNOSIS.sub(" ", part)) \
                            and not _PLAN.search(part) and not _HEDGED.search(part) and not _IMPERATIVE_PLAN.match(part):
                        # "multiple AKs scalp vertex": the lesions are named by their diagnosis, and where they
                        # are is a finding too
                        out.append(Statement(part, None))
                    out.append(Statement(part, section))
    return out
