"""How a clinician lays out a dictation, read before any specialty's reader: the form, not the content.

:func:`lay_out` rewrites the generic forms of dictation into the plain form every specialty's reader
already understands; it never adds a finding, drops one, or changes a word's meaning:

* the courtesies of a clinic letter go ("Dear Dr Jones,", "thank you for referring this ...", "Kind regards,
  Dr Smith", "Thank you for the referral.", "Dictated but not read");
* punctuation spoken into voice recognition ("full stop", "new paragraph") is punctuation;
* a self-correction said into the dictation keeps only what it corrects to ("8 mm - sorry, 6 mm - confined" ->
  "6 mm confined", "3 o'clock liq... correction, 9 o'clock" -> "9 o'clock", "R, sorry, left" -> "left"); one that
  does not say which words it corrects is left as dictated;
* sizes with the unit spelled out or split by voice recognition: "9 by 7 millimetre" -> "9 x 7 mm",
  "4 milli metre" -> "4 mm", "two centimetres" -> "2 cm", "1.2 centimeters" -> "1.2 cm" (an area,
  "square millimetres", is left as dictated);
* a number said in words where a report writes digits: a grade or score ("grade two" -> "grade 2"), a count
  ("two of fourteen" -> "2 of 14"), a time, clock hour or count of quadrants ("six weeks", "ten o'clock");
* voice-recognition splits of one word, joined only when the joined word is a word of the study's
  lexicon ("derma scopy" -> "dermoscopy", "lympho vascular" -> "lymphovascular"; see ``words``);
* SOAP notes (at least two of the labels S:/O:/A:/P: or Subjective:/Objective:/Assessment:/Plan:):
  the subjective and objective labels go (what they hold is read as any dictation: demographics and
  the clinical question still go to the indication, findings to their regions), "A:" becomes
  "Impression:" and "P:" "Plan:", each on its own line;
* an examination label ("O/E:", "Examination:", "Macroscopic:", "Microscopic:") goes, on a new line, and a
  management label ("Mx:") is "Plan:";
* a section heading alone on its line without a colon ("FINDINGS", "Impression") labels the line after it
  ("IMPRESSION\\nSmall effusion." -> "IMPRESSION: Small effusion."); one with nothing after it goes;
* the impression's label, however abbreviated ("IMP:", "Impr:"), is "Impression:";
* a label followed by a spaced dash ("Impression - ...", "Plan - ...") is a label ("Impression: ...");
* markdown emphasis and heading marks go ("**Impression:** ..." -> "Impression: ...", "## Findings" -> "Findings");
* bullets of every mark ("\u2022", "\u2013", "*", "\u25aa") are written "- ";
* numbered lists written inline ("1) ... 2) ...", "(3) ...", "... 2. ...") break into lines, so no
  number is left as a fragment (a number alone on its line goes too), also when the items run on without a stop
  ("1. 37F 2. vesicles 3. ...", counting from 1 to at least 3); part labels of a multi-part dictation ("A. Right breast ...
  B. Left breast ...", at least two of them) go, each part on its own line;
* a header alone on its line followed by bullet lines: an eye or side header ("OD:", "Left eye:") or a
  region or field header of one or two words ("Lungs:", "Optic disc:", "Border:") is repeated on each of its
  bullet lines ("OD:\\n- disc: CDR 0.3" -> "OD: disc: CDR 0.3", "Lungs:\\n- clear" -> "Lungs: clear"; a line that
  names a finding of its own stands alone: "Pleura:\\n- small R effusion"); a bare
  generic header ("Lesion:", "Examination:") goes; a header of several words that is no section label
  ("Left breast, lumpectomy:") is a statement of its own ("Left breast, lumpectomy.");
* a field dictated with only an absence for its value is that absence ("RESIDUAL INVASIVE: none." -> "No residual
  invasive.", "Effusion: nil" -> "No effusion."); a section's label ("Plan: none") stays;
* the clinician's own seeing goes ("On dermoscopy I can see an atypical network" -> "On dermoscopy an atypical
  network");
* an eye opening a narrative sentence ("In the right eye there are ...", "The left eye shows ...") is an
  eye header for that sentence only, on a line of its own ("Right eye: there are ...");
* a plan or impression dictated in the first person ("I will refer him to the retina clinic", "... and I have
  arranged an excision", "My impression is that this is ...") gets its "Plan:" or "Impression:" label;
* a plan after a spaced dash inside a sentence ("NG tube tip in the distal oesophagus - advance
  10 cm") starts a sentence of its own, so the finding keeps its region and the plan reaches the
  impression.

Everything else is left as dictated. Pure string work on the whole text (newlines kept).

:func:`demographics_apart` then takes a narrative opening with the patient's age out of the text ("This is a
61-year-old gentleman referred by his GP with a pigmented lesion ..."): the demographics are the indication's,
the finding after them stays whole. :meth:`pixtralogist.kit.KitDrafter.draft` applies both, for every specialty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

__all__ = ["demographics_apart", "lay_out"]

_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_TENS = {w: str(10 * i) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_UNITS_1_9 = {w: _NUMBER_WORDS[w] for w in "one two three four five six seven eight nine".split()}
#: "twenty five", "twenty-five" -> 25; then the single words, longest first ("seventeen" before "seven")
_NUMBER_WORDS.update({f"{t}{sep}{u}": str(int(tv) + int(uv)) for t, tv in _TENS.items() for u, uv in _UNITS_1_9.items()
                      for sep in (" ", "-")})
_NUMBER_WORDS.update(_TENS)
_NUMBER_ALTS = "|".join(re.escape(w) for w in sorted(_NUMBER_WORDS, key=len, reverse=True))
_NUM = r"(?:\d+(?:\.\d+)?|" + _NUMBER_ALTS + r")"
_ONE = r"(?:" + _NUM + r"(?:[ \t]+point[ \t]+" + _NUM + r")?)"
#: a size: numbers (digits or words, "one point five") joined by "by"/"x", then a length unit spelled out, split by
#: voice recognition or abbreviated (not an area: "square millimetres")
_SIZE = re.compile(
    r"(?<![\w.])(?P<chain>" + _ONE + r"(?:[ \t]*(?:by|x|\u00d7)[ \t]*" + _ONE + r")*)(?P<sep>[ \t]*(?:-[ \t]*)?)"
    r"(?P<unit>milli[ \t-]?met(?:re|er)s?|centi[ \t-]?met(?:re|er)s?|mms|cms|mm|cm)(?![\w\u00b2])", re.I)
_WORD_NUM = re.compile(r"\b(?:" + _NUMBER_ALTS + r")\b", re.I)

#: first halves of a word that voice recognition splits ("derma scopy", "vitreo retinal")
_SPLIT_HEAD = re.compile(
    r"\b(?P<a>derma|dermo|derm|vitreo|lympho|micro|macro|neo|peri|intra|extra|sub|supra|infra|pre|retro|hyper|hypo|"
    r"para|trans|endo|epi|inter|multi|tel|angio|chorio|papillo)\s+(?P<b>[a-z]{3,})\b", re.I)

_SOAP = re.compile(r"(?:^|(?<=[.;!?\n])|(?<=\n))[ \t]*(?P<label>s|o|a|p|subjective|objective|assessment|plan)"
                   r"(?:[ \t]*:|[ \t]+[-\u2013\u2014][ \t]+)[ \t]*", re.I | re.M)
_SOAP_SAY = {"s": "", "subjective": "", "o": "", "objective": "", "a": "Impression: ", "assessment": "Impression: ",
             "p": "Plan: ", "plan": "Plan: "}

#: other clinical-note labels: the examination's goes (what follows is read as findings), management is the plan
_NOTE_LABEL = re.compile(r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?P<label>o/e|on examination|examination|exam|mx|management|"
                         r"(?:gross|macroscopic|microscopic)(?: description)?|macro|micro)"
                         r"[ \t]*:[ \t]*", re.I | re.M)
_NOTE_SAY = {"mx": "Plan: ", "management": "Plan: "}

#: the impression's label however it is abbreviated ("IMP:", "Impr:", "Impressions:"), written the one way every reader knows
_IMPRESSION_LABEL = re.compile(r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?:imp|impr|imps|impressions?)[ \t]*:[ \t]*", re.I | re.M)

_LABEL_DASH = re.compile(r"(?:^|(?<=[.;!?]\s)|(?<=\n))(?P<label>impressions?|imp|plan|conclusions?|recommendations?|rec|"
                         r"diagnosis|dx)[ \t]+[-\u2013\u2014]+[ \t]+", re.I | re.M)

#: the number or letter of an inline list item ("1) ", "2. ", "(3) ", "a) ", "(b) "): at a line start, or after a sentence end
#: / colon / semicolon (never the decimal point of "CDR 0.3. Maculae"); the item may open with a number ("1) 47F, ...")
_LIST_NUMBER = re.compile(r"(?:(?<=[.;:])(?<!\d\.)|(?<=^))[ \t]*(?:\((?P<p>\d{1,2}|[a-h])\)|(?P<n>\d{1,2})[.)]|(?P<l>[a-h])\))"
                          r"[ \t]+(?=[A-Za-z(]|\d)", re.M)
_PART_LABEL = re.compile(r"(?:(?<=[.;])|(?<=^))[ \t]*(?:part[ \t]+)?(?P<part>[A-H])[.:)][ \t]+(?=[A-Z])", re.M)

_HEADER_LINE = re.compile(r"^[ \t]*(?P<head>[A-Za-z][\w ,/'-]{0,40}?)[ \t]*:[ \t]*$")
_BULLET_LINE = re.compile(r"^[ \t]*(?:-|\(?\d{1,2}[.)])[ \t]+")
_SIDE_HEAD = re.compile(r"^(?:(?:octa|oct-?a|oct|fundus|fundi|fundoscopy|dfe|dilated fundus (?:exam|examination))\s+)?"
                        r"(?P<side>od|os|ou|re|le|be|r|l|right|left|both|bilateral|right eye|left eye|both eyes|"
                        r"right side|left side)$", re.I)
_GENERIC_HEAD = re.compile(r"^(?:lesion|findings?|exam|examination|on examination|o/e|description|report|details)$", re.I)

#: what opens a plan dictated after a spaced dash ("- advance 10 cm", "- recommend repositioning")
_PLAN_AFTER_DASH = re.compile(
    r"(?<=[\w)%])[ \t]+(?:-|--|\u2013|\u2014)[ \t]+(?=(?:recommend|suggest|advise|advance|withdraw|retract|pull back|"
    r"reposition|resite|re-site|refer|arrange|consider|repeat|f/u|follow[- ]?up|needs?|requires?|please|"
    r"for (?:urgent |same[- ]day |early )?(?:laser|surgery|excision|biopsy|review|repeat|referral|mohs|follow)|"
    r"urgent|book|start|review|recall|discuss|plan)\b)", re.I)


#: a plan dictated in the first person ("I will refer him to ...", "... and I have arranged an excision"):
#: the plan's own words after a "Plan:" label; "I have" only with a verb of planning ("I have reviewed" is no plan)
_NARRATIVE_PLAN = re.compile(
    r"(?:(?:^|(?<=[.;!?]\s)|(?<=\n))|[ \t,]+(?:and|so)[ \t]+)(?:I|we)[ \t]+(?:(?:will|shall|plan to|would like to|am going to|"
    r"are going to)[ \t]+|(?:have|'ve)[ \t]+(?=(?:arranged|requested|booked|referred|organi[sz]ed|ordered|sent|started|"
    r"prescribed|listed|scheduled|advised|recommended)\b))", re.I | re.M)
#: "My impression is that this is a melanoma ..." -> "Impression: melanoma ..."
_NARRATIVE_IMPRESSION = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))(?:my|our|the)[ \t]+(?:impression|diagnosis|conclusion)[ \t]+is[ \t]+(?:that[ \t]+)?"
    r"(?:(?:this|it)[ \t]+is[ \t]+|these[ \t]+are[ \t]+)?(?:(?:a|an)[ \t]+)?", re.I | re.M)


#: an eye opening a narrative sentence ("In the right eye there are ...", "The left eye shows ...", "Right eye there
#: is ..."): an eye header, the way every eye reader takes it ("Right eye: there are ...")
_EYE_NARRATIVE = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))(?:in[ \t]+)?(?:the[ \t]+)?(?P<eye>right|left)[ \t]+eye,?[ \t]+"
    r"(?:(?:shows|has|demonstrates|reveals)[ \t]+(?:only[ \t]+)?|(?=there[ \t]+(?:is|are)\b))"
    r"(?P<rest>(?:[^.;\n]|\.(?=\d))*[.;]?)[ \t]*", re.I | re.M)


#: the clinician's own seeing ("On dermoscopy I can see ...", "I note a small effusion"): the report states what is seen
_FIRST_PERSON_SEEING = re.compile(r"\b(?:I|we)[ \t]+(?:can[ \t]+|could[ \t]+)?(?:see|saw|note|noted|observe|observed|identify|"
                                  r"identified)[ \t]+(?:that[ \t]+)?(?=\w)", re.I)


#: the courtesies of a clinic letter: "Dear Dr Jones," opening it, "thank you for referring this ..." before the
#: patient, and sign-offs ("Kind regards, Dr Smith", "Thank you for the referral.", "Dictated but not read")
_SALUTATION = re.compile(r"^[ \t]*dear[ \t]+[^,.\n]{1,40}[,.]?[ \t]*", re.I | re.M)
_THANKS_FOR = re.compile(
    r"\b(?:many[ \t]+)?thank(?:s|[ \t]+you)(?:[ \t]+very[ \t]+much)?[ \t]+for[ \t]+(?:referring|seeing|sending|"
    r"asking[ \t]+(?:me|us)[ \t]+to[ \t]+see)[ \t]+(?:(?:this|these|the|your)[ \t]+)?(?=\w)", re.I)
_SIGN_OFF = re.compile(
    r"(?:^|(?<=[.!?][ \t])|(?<=\n))[ \t]*(?:(?:kind(?:est)?|best|warm)[ \t]+(?:regards|wishes)|regards|"
    r"yours[ \t]+(?:sincerely|faithfully)|dictated[ \t]+(?:but[ \t]+)?not[ \t]+(?:read|checked)|electronically[ \t]+signed|"
    r"end[ \t]+of[ \t]+(?:report|dictation))\b[^\n]*"
    r"|(?:^|(?<=[.!?][ \t])|(?<=\n))[ \t]*(?:many[ \t]+)?thank(?:s|[ \t]+you)(?:[ \t]+very[ \t]+much)?"
    r"(?:[ \t]+for[ \t]+(?:your|the|this)[ \t]+(?:kind[ \t]+)?referral)?[ \t]*(?:[.!]|$)", re.I | re.M)


def _narrative_plan(m: re.Match[str]) -> str:
    return ("" if m.group(0)[:1] not in " \t," else ". ") + "Plan: "


#: a number said in words where a report writes digits: a grade or score ("grade two", "Fazekas three"), a count of
#: a count ("two of fourteen"), a time, clock hour or count of quadrants ("six weeks", "ten o'clock", "four quadrants")
_GRADE_WORD = re.compile(r"\b(?P<what>grade|score|level|type|stage|class|category|fazekas|frisen|tier)[ \t]+"
                         r"(?P<n>" + _NUMBER_ALTS + r")\b", re.I)
_COUNT_WORDS = re.compile(r"\b(?P<a>" + _NUMBER_ALTS + r")[ \t]+(?P<of>of|out of)[ \t]+(?P<b>" + _NUMBER_ALTS + r")\b", re.I)
_BEFORE_UNIT_WORD = re.compile(
    r"\b(?P<n>" + _NUMBER_ALTS + r")(?P<sep>[ \t-])(?=(?:days?|weeks?|months?|years?|hours?|wks?|mos?|yrs?|o'?[ \t]?clock|"
    r"disc diameters?|disc areas?|quadrants?|clock hours?)\b)", re.I)


def _digits(word: str) -> str:
    return _NUMBER_WORDS.get(word.lower(), word)


def _numbers_in_words(text: str) -> str:
    text = _GRADE_WORD.sub(lambda m: f"{m.group('what')} {_digits(m.group('n'))}", text)
    text = _COUNT_WORDS.sub(lambda m: f"{_digits(m.group('a'))} {m.group('of')} {_digits(m.group('b'))}", text)
    return _BEFORE_UNIT_WORD.sub(lambda m: _digits(m.group("n")) + (" " if m.group("sep") != "-" else "-"), text)


def _size(m: re.Match[str]) -> str:
    """"nine by seven millimetre" -> "9 x 7 mm", "one point five centimetres" -> "1.5 cm"; a size already
    written plainly ("4 mm", "2x3cm") is left as dictated."""
    chain, unit = m.group("chain"), m.group("unit").lower()
    if unit in ("mm", "cm") and not re.search(r"[a-z]", chain.replace("x", ""), re.I):
        return m.group(0)
    chain = _WORD_NUM.sub(lambda w: _NUMBER_WORDS[w.group(0).lower()], chain)
    chain = re.sub(r"(\d)[ \t]+point[ \t]+(\d)", r"\1.\2", chain, flags=re.I)
    chain = re.sub(r"[ \t]*(?:\bby\b|x|\u00d7)[ \t]*", " x ", chain, flags=re.I)
    return f"{chain} {'mm' if unit.startswith('m') else 'cm'}"


def _join_splits(text: str, words: Collection[str]) -> str:
    def join(m: re.Match[str]) -> str:
        a, b = m.group("a"), m.group("b")
        for head in dict.fromkeys((a, a[:-1] + "o" if a[-1:] in "ai" else a)):
            joined = (head + b).lower()
            if joined in words or joined.rstrip("s") in words:
                return head + b
        return m.group(0)

    return _SPLIT_HEAD.sub(join, text) if words else text


def _soap(text: str) -> str:
    labels = {m.group("label").lower()[0] for m in _SOAP.finditer(text)}
    if len(labels) < 2:
        return text
    return _SOAP.sub(lambda m: "\n" + _SOAP_SAY[m.group("label").lower()], text)


def _parts(text: str) -> str:
    parts = [m.group("part").upper() for m in _PART_LABEL.finditer(text)]
    if len(parts) < 2 or parts[:2] != ["A", "B"]:
        return text
    return _PART_LABEL.sub("\n", text)


#: a bullet of a list on several lines, whatever its mark ("\u2013", "\u2022", "\u25aa", "*"): written "- " for every reader
_BULLET_MARK = re.compile(r"^[ \t]*(?:[\u2022\u2023\u25e6\u25cf\u25aa\u25a0\u00b7\u2219]+[ \t]*|(?:[\u2013\u2014*>]+|-{1,2})[ \t]+)"
                          r"(?=\S)", re.M)
#: a self-correction said into the dictation: "8 mm - sorry, 6 mm -", "3 o'clock liq... correction, 9 o'clock",
#: "three rib spaces, I mean two rib spaces"
_CORRECTION = re.compile(
    r"(?P<lead>[ \t]*(?:[-\u2013\u2014,;:]|\.{2,}|\u2026)[ \t]*|[ \t]+)"
    r"(?:sorry|correction|i[ \t]+mean|scratch[ \t]+that|or[ \t]+rather)\b[ \t]*[,:]?[ \t]*(?:[-\u2013\u2014][ \t]*)?", re.I)
#: what a correction says: up to the next comma, stop, semicolon, line end or spaced dash, at most six words
_CORRECTED = re.compile(r"[^,;.\n\u2013\u2014]+?(?=[ \t]*(?:[,;\n]|\.(?!\d)|[ \t][-\u2013\u2014][ \t]|$))")
_WORD = re.compile(r"\S+")
#: the sides a correction may say alone for another ("effusion R, sorry, left")
_SIDE_WORDS = frozenset("l r lt rt left right".split())
#: words too common to say which words a correction corrects
_GLUE_WORDS = frozenset("a an the of in on at to and or with by from for is are was".split())


def _norm_word(word: str) -> str:
    return word.strip(".,;:()'\"").lower()


def _self_corrections(text: str) -> str:
    """``text`` with each self-correction applied: the words the correction names replace the ones they correct,
    matched by their last word ("approximately three rib spaces - sorry, two rib spaces - compared with ..." ->
    "approximately two rib spaces compared with ..."; a stutter between is the corrected words' too: "3 o'clock
    liq... correction, 9 o'clock" -> "9 o'clock"). A correction whose last word is none of the last words before
    it is left as dictated (nothing to say which words it corrects)."""
    out, pos = [], 0
    for m in _CORRECTION.finditer(text):
        if m.start() < pos:
            continue
        said = _CORRECTED.match(text, m.end())
        if said is None:
            continue
        said_words = list(_WORD.finditer(text, said.start(), said.end()))
        if not 1 <= len(said_words) <= 6:
            continue
        start = max(max(text.rfind(ch, pos, m.start()) for ch in ".;\n") + 1, pos)
        before = list(_WORD.finditer(text, start, m.start()))
        found = None
        for k in range(len(said_words), 0, -1):  # the correction is the longest run of what follows that ends on
            head = _norm_word(said_words[k - 1].group(0))  # a word said just before it ("right breast" of "right breast WLE")
            if head in _GLUE_WORDS:
                continue
            # the corrected words end on that word (a side for a side said alone: "R, sorry, left"), at most two
            # (stutter) words before the correction
            ends = _SIDE_WORDS if k == 1 and head in _SIDE_WORDS else {head}
            at = next((i for i in range(len(before) - 1, max(len(before) - 4, -1), -1)
                       if _norm_word(before[i].group(0)) in ends), None)
            if at is not None:
                found = (k, at)
                break
        if found is None:
            continue
        k, at = found
        new = text[said_words[0].start():said_words[k - 1].end()]
        first = max(0, at - k + 1)
        old = " ".join(w.group(0) for w in before[first:at + 1])
        if _norm_word(old) == new.lower():
            continue
        rest_at = said_words[k - 1].end()
        closing = re.match(r"[ \t]+[-\u2013\u2014][ \t]+", text[rest_at:])
        if closing and m.group("lead").strip() in ("-", "\u2013", "\u2014"):
            rest_at += closing.end() - 1  # the dashes that set the correction apart close with it
        out.append(text[pos:before[first].start()] + new)
        pos = rest_at
    out.append(text[pos:])
    return "".join(out)


#: punctuation spoken into voice recognition and written out as words ("full stop", "new paragraph")
_SPOKEN_STOP = re.compile(r"[ \t]*\bfull[ \t]+stop\b[ \t]*", re.I)
#: (never "comma", a dermoscopic vessel; never "new line", a catheter)
_SPOKEN_LINE = re.compile(r"[ \t.]*\b(?:new|next)[ \t]+paragraph\b[ \t.]*", re.I)
#: the last word of a section label ("Clinical history:", "Impression:"): such a header stays a label
_LABEL_WORDS = frozenset({"history", "hx", "information", "indication", "indications", "impression", "impressions", "imp",
                          "findings", "finding", "diagnosis", "dx", "plan", "comment", "comments", "conclusion",
                          "conclusions", "recommendation", "recommendations", "technique", "comparison", "examination",
                          "exam", "dermoscopy", "assessment", "description", "details", "summary", "note", "notes"})


def _content_header(line: str, nxt: str) -> str:
    """"Left breast, lumpectomy:" over bullet lines is a statement of its own ("Left breast, lumpectomy."), not a
    label: a header of several words whose last word is no section label."""
    m = _HEADER_LINE.match(line)
    if m is None or not _BULLET_LINE.match(nxt):
        return line
    words = re.findall(r"[\w'/-]+", m.group("head"))
    if len(words) < 2 or words[-1].lower() in _LABEL_WORDS or _SIDE_HEAD.match(m.group("head").strip()):
        return line
    return m.group("head").strip() + "."


#: a list number alone on its line ("1.", "(2)"): its item is on the next line
_NUMBER_ALONE = re.compile(r"^[ \t]*(?:\(\d{1,2}\)|\d{1,2}[.)])[ \t]*$")


def _list_items(matches: list[re.Match[str]]) -> list[re.Match[str]]:
    """The markers of ``matches`` that count a list: 1, 2, 3, ... (or a, b, c, ...), each kind on its own, a list
    starting again at 1 (one list per eye); a marker out of count ("Grade: 2." inside an item) is no list's."""
    keep: list[re.Match[str]] = []
    for kind in ("digit", "letter"):
        want, run = 1, []
        for m in matches:
            mark = m.group("p") or m.group("n") or m.group("l")
            if mark.isdigit() != (kind == "digit"):
                continue
            value = int(mark) if mark.isdigit() else ord(mark) - ord("a") + 1
            if value == 1:  # a list (again) from its first item
                if len(run) > 1:
                    keep.extend(run)
                run = []
            elif value != want:
                continue
            run.append(m)
            want = value + 1
        if len(run) > 1:
            keep.extend(run)
    return sorted(keep, key=lambda m: m.start())


def _list_numbers(text: str) -> str:
    """Inline list markers go (each item on its own line), only those that count 1, 2, ... (or a, b, ...): a lone
    "Grade: 2. Margins ..." is a value, not a list."""
    # "Right lumpectomy: 1) IDC ...": the colon before the list closes its heading
    if len(_list_items(list(_LIST_NUMBER.finditer(text)))) < 2:
        return text
    # ("Findings: 1) ...", "Impression: 1) ...": a section's label stays the label of the items under it)
    text = re.sub(r"(?P<w>[\w'/-]*)[ \t]*:[ \t]*(?=(?:\([1a]\)|1[.)]|a\))[ \t])",
                  lambda m: m.group(0) if m.group("w").lower() in _LABEL_WORDS else m.group("w") + ". ", text, count=1)
    for m in reversed(_list_items(list(_LIST_NUMBER.finditer(text)))):
        text = text[:m.start()] + "\n" + text[m.end():]
    return text


#: the number of a list item written with no stop before it ("... itchy episodes 2. deep-seated vesicles ...")
_BARE_NUMBER = re.compile(r"(?<=[\w)'\"%])[ \t]+(?:\((?P<p>\d{1,2})\)|(?P<n>\d{1,2})[.)])[ \t]+(?=[A-Za-z(])")
_FIRST_ITEM = re.compile(r"^[ \t]*(?:\(1\)|1[.)])[ \t]+", re.M)


def _bare_list_numbers(text: str) -> str:
    """An inline list whose numbers follow the words of the item before without a stop ("1. 37F, hairdresser
    2. vesicles on fingers 3. no erythema"): each item on its own line. Only on a line that opens with item 1 and
    only for the numbers that count on from it, at least to 3 (a lone "grade 2." inside item 1 is a value)."""
    out = []
    for line in text.split("\n"):
        if _FIRST_ITEM.match(line):
            cuts, want = [], 2
            for m in _BARE_NUMBER.finditer(line):
                if int(m.group("p") or m.group("n")) == want:
                    cuts.append(m)
                    want += 1
            if len(cuts) >= 2:
                for m in reversed(cuts):
                    line = line[:m.start()] + ".\n" + line[m.end():]
                line = _FIRST_ITEM.sub("", line)
        out.append(line)
    return "\n".join(out)


#: a section heading alone on its line, without a colon ("FINDINGS", "Impression"): the label of the line after it
_BARE_HEADING = re.compile(
    r"^[ \t]*(?P<label>findings|impressions?|conclusions?|(?:clinical[ \t]+)?history|indications?|clinical[ \t]+information|"
    r"comparison|technique|plan|recommendations?|comments?|diagnosis|assessment|summary|opinion)[ \t]*$", re.I)


def _bare_headings(text: str) -> str:
    """"IMPRESSION\nSmall effusion." -> "IMPRESSION: Small effusion."; over bullet lines the heading gets its colon."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _BARE_HEADING.match(lines[i])
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if m and nxt.strip() and not _BARE_HEADING.match(nxt):
            if _BULLET_LINE.match(nxt) or _BULLET_MARK.match(nxt):
                out.append(m.group("label") + ":")
            else:
                out.append(f"{m.group('label')}: {nxt.strip()}")
                i += 1
        elif not m:
            out.append(lines[i])
        i += 1
    return "\n".join(out)


def _field_header(head: str) -> bool:
    """A header of one or two words that names a region or field ("Lungs", "Optic disc", "Border", "Margins"),
    not a section that spans lines ("Impression", "Plan") nor a generic one ("Lesion")."""
    words = re.findall(r"[\w'/-]+", head)
    return (0 < len(words) <= 2 and "," not in head and words[-1].lower() not in _LABEL_WORDS - {"dermoscopy"}
            and not _GENERIC_HEAD.match(head.strip()))


def _headers(text: str, is_finding: Callable[[str], bool]) -> str:
    """An eye/side or a region/field header alone on its line goes onto each bullet line under it ("OD:\n- disc:
    pink" -> "OD: disc: pink", "Lungs:\n- clear" -> "Lungs: clear"); a generic one goes."""
    out: list[str] = []
    side: str | None = None
    header = ""
    used = field = False
    for line in text.split("\n"):
        m = _HEADER_LINE.match(line)
        if side is not None and not used and not (m is None and _BULLET_LINE.match(line)):
            out.append(f"{header}:")  # a side header with no bullet lines under it stays as dictated
        eye = _SIDE_HEAD.match(m.group("head").strip()) if m else None
        if eye:
            side, header, used, field = eye.group("side"), m.group("head").strip(), False, False
            continue
        if m and _field_header(m.group("head")):
            side = header = m.group("head").strip()  # "Lungs:\n- clear" -> "Lungs: clear"
            used, field = False, True
            continue
        if m and _GENERIC_HEAD.match(m.group("head").strip()):
            side = None
            continue
        if side is not None and _BULLET_LINE.match(line):
            item = _BULLET_LINE.sub("", line)
            # a finding under a region header stands alone ("Pleura:\n- small R effusion"); a bare value takes it
            out.append(item if field and is_finding(item) else f"{side}: {item}")
            used = True
            continue
        side = None
        out.append(line)
    if side is not None and not used:
        out.append(f"{header}:")
    return "\n".join(out)


#: a field dictated with only "none" or "nil" for its value ("RESIDUAL INVASIVE: none.", "Effusion: nil"): the absence of
#: what the field names ("No residual invasive."), never a bare "None." beside it; a value that is a statement of its own
#: ("LVI: not identified") stays
_FIELD_NONE = re.compile(
    r"(?:^[ \t]*|(?<=[.;!?][ \t]))(?P<label>[A-Za-z][A-Za-z0-9 /'-]{0,40}?)[ \t]*:[ \t]*"
    r"(?P<none>none(?:[ \t]+(?:seen|identified|detected|found|present))?|nil)[ \t]*(?P<end>[.;]|$)", re.I | re.M)


def _field_none(m: re.Match[str]) -> str:
    """"RESIDUAL INVASIVE: none." -> "No residual invasive."; a section's label ("Plan: none", "Comparison: none")
    and a side or eye header stay as dictated."""
    label = m.group("label").strip()
    words = label.split()
    if not words or words[-1].lower() in _LABEL_WORDS or _SIDE_HEAD.match(label) or words[0].lower() in ("no", "not"):
        return m.group(0)
    said = " ".join(w.lower() if w.isupper() and len(w) > 4 else w for w in words)  # "RESIDUAL" -> "residual", "LVI" stays
    said = said if said[:1].isupper() and said[1:2].isupper() else said[:1].lower() + said[1:]
    return f"No {said}{m.group('end') or '.'}"


#: markdown typed into a dictation: bold or underlined emphasis ("**Impression:**") and heading marks ("## Findings")
_MARKDOWN = re.compile(r"\*\*|__|^[ \t]*#{1,6}[ \t]+", re.M)


def lay_out(text: str, *, words: Collection[str] = (), is_finding: Callable[[str], bool] = lambda _: False) -> str:
    """``text`` with the generic forms of dictation written plainly (see the module docstring).

    :param text: the dictation (any text; it is only data).
    :param words: the study's vocabulary (lower case): a voice-recognition split is joined only when the joined
        word is in it.
    :param is_finding: whether a bullet line under a region header names a finding of its own ("small R effusion"
        under "Pleura:" stands alone; "clear" under "Lungs:" becomes "Lungs: clear"); by default none does.
    """
    if not text:
        return text
    text = text.replace("\r\n", "\n")
    text = _MARKDOWN.sub("", text)
    text = _bare_headings(text)
    text = _BULLET_MARK.sub("- ", text)
    text = _SIGN_OFF.sub("", _THANKS_FOR.sub("", _SALUTATION.sub("", text)))
    text = _SPOKEN_STOP.sub(". ", text)
    text = _SPOKEN_LINE.sub(".\n", text)
    text = _SIZE.sub(_size, text)
    text = _numbers_in_words(text)
    text = _self_corrections(text)
    text = _join_splits(text, words)
    text = _soap(text)
    text = _NOTE_LABEL.sub(lambda m: "\n" + _NOTE_SAY.get(m.group("label").lower(), ""), text)  # a new line ends a section
    text = _LABEL_DASH.sub(lambda m: m.group("label") + ": ", text)
    text = _IMPRESSION_LABEL.sub("Impression: ", text)
    text = _parts(text)
    text = _headers(text, is_finding)
    text = _bare_list_numbers(_list_numbers(text))
    lines = text.split("\n")
    text = "\n".join(_content_header(line, nxt) for line, nxt in zip(lines, lines[1:] + [""]))
    text = _FIELD_NONE.sub(_field_none, text)
    text = _PLAN_AFTER_DASH.sub(". ", text)
    text = _NARRATIVE_IMPRESSION.sub("Impression: ", text)
    # the eye holds for its sentence only: the sentence goes on a line of its own
    text = _EYE_NARRATIVE.sub(lambda m: f"\n{m.group('eye').capitalize()} eye: {m.group('rest')}\n", text)
    text = _NARRATIVE_PLAN.sub(_narrative_plan, text)
    text = _FIRST_PERSON_SEEING.sub("", text)
    text = demographics_last(text)
    return "\n".join(line.strip() for line in text.split("\n")
                     if any(ch.isalnum() for ch in line) and not _NUMBER_ALONE.match(line))


_AGE_WORDS = "|".join(re.escape(w) for w in sorted((w for w in _NUMBER_WORDS if w != "zero"), key=len, reverse=True))
#: a narrative opening with the patient's age ("This is a 61-year-old gentleman referred by his GP with ...",
#: "Patient is an 83 year old man with ...", "72 yo woman, ..."): the head is the demographics
_DEMOGRAPHICS = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*"
    r"(?:(?:this is|the patient is|patient is|pt is|she is|he is|this|patient|pt)\s+(?:(?:a|an)\s+)?|(?:a|an)\s+)?"
    r"(?P<head>(?:\d{1,3}|" + _AGE_WORDS + r")(?:[- ](?:years?|yrs?)[- ]old|\s?(?:yo|y/o))"
    r"(?:\s?[mf]\b|\s+(?:[a-z-]+\s+)?(?:man|woman|male|female|gentleman|lady|boy|girl|patient|pt|child|myope|"
    r"diabetic|smoker|ex-smoker)|\s+[a-z-]+(?=\s+(?:with|w/|has|had|presents)\s))?"
    r"(?:\s+(?:referred|brought|seen|sent|attends|attending|attended|who|presenting|presents|presented)\b[^,.;\n]*?)?)"
    r"(?P<end>\s+(?:with|w/|has|had|has\s+had|presents\s+with)\s+|\s*,\s*|\s*(?=[.;\n]|$))", re.I | re.M)


_SENTENCE_REST = re.compile(r"(?:[^.;\n]|\.(?=\d))*")

#: a statement that ends with whom it is from ("Left lumpectomy from a 19-year-old woman.", "Skin ellipse of a 52 yo
#: man."): the patient is said first, as a sentence of its own, and the statement stays whole
_DEMOGRAPHICS_AFTER = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?P<stmt>[^.;:\n]{3,80}?)[ \t,]+(?:from|of|in)[ \t]+(?:a|an|this|the)[ \t]+"
    r"(?P<d>(?:\d{1,3}|" + _AGE_WORDS + r")(?:[- ](?:years?|yrs?)[- ]old|\s?(?:yo|y/o))"
    r"(?:[ \t]+[a-z-]+)?[ \t]+(?:man|woman|male|female|gentleman|lady|boy|girl|patient))[ \t]*(?=[.;\n]|$)", re.I | re.M)


def demographics_last(text: str) -> str:
    """A statement that ends with whom it is from, with the patient said first ("Left lumpectomy from a 19-year-old
    woman." -> "19-year-old woman. Left lumpectomy."): the statement keeps its region, the patient is the indication's."""
    return _DEMOGRAPHICS_AFTER.sub(lambda m: f"{m.group('d')}. {m.group('stmt')[:1].upper()}{m.group('stmt')[1:]}", text)


def demographics_apart(text: str, *, is_finding: Callable[[str], bool] = lambda _: True) -> tuple[list[str], str]:
    """The narrative demographic openings of ``text`` (as dictated, without "This is a") and the text without
    them: "This is a 61-year-old gentleman referred by his GP with a pigmented lesion on the right calf." ->
    (["61-year-old gentleman referred by his GP"], "A pigmented lesion on the right calf."). The rest of the
    sentence stays whole for the reader when ``is_finding`` says it names a finding; else ("45 yo M with fever
    and cough") the whole sentence is the demographics and the clinical question, and goes."""
    heads: list[str] = []
    pieces: list[str] = []
    pos = 0
    for m in _DEMOGRAPHICS.finditer(text):
        if m.start() < pos:
            continue
        rest = _SENTENCE_REST.match(text, m.end()).group(0)
        pieces.append(text[pos:m.start()])
        if rest.strip() and not is_finding(rest):
            heads.append((m.group("head") + m.group("end") + rest).strip())
            pos = m.end() + len(rest)
            continue
        heads.append(m.group("head").strip())
        whole = not rest.strip()
        first = rest.split(None, 1)[0] if rest.strip() else ""
        pieces.append("" if whole else "\n")
        pos = m.end()
        if first.islower():  # "a pigmented lesion ..." -> "A pigmented lesion ..." ("pT2" stays)
            pieces.append(text[pos:m.end() + rest.index(first)] + first[:1].upper())
            pos = m.end() + rest.index(first) + 1
    if not heads:
        return heads, text
    out = "".join(pieces) + text[pos:]
    lines = []
    for line in out.split("\n"):
        line = re.sub(r"(?<=[.;!?])\s+[.;](?=\s|$)", "", line).strip()  # "Nodule RUL. He is a 70 yo smoker."
        if line.startswith((".", ";")):
            line = line[1:].strip()
        if line:
            lines.append(line)
    return heads, "\n".join(lines)
