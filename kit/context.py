"""Where the non-finding parts of a dictation go, wherever they are dictated (start, middle or end).

:func:`route_context` is the last step of :func:`~pixtralogist.kit.drafter.triage`, for every specialty: it
re-reads the statements triage took for findings (or left not placed) with the generic forms of a plan and of the
clinical context, which hold in every specialty:

* a **plan** opens its sentence with a plan label or an arrow ("Plan: excise.", "Rec: f/u CT.", "Mx - PRP.",
  "=> anti-VEGF.", "-> CT."), with "For ..." ("For MDT.", "For excision biopsy.") or with a verb of management
  ("Discuss at MDT.", "Review in 3/12.", "Refer to retina.", "Reassure and discharge.", "Continue treat and extend.",
  "Recall 12 months."): a ``recommendation`` (the impression's, after the findings), never a finding of a region;
* the **clinical context** opens its sentence with a history, referral or follow-up marker ("Known glioma, post-op
  f/u.", "Hx of melanoma.", "Referred by GP for a changing mole.", "F/u of BRVO.", "Pre-op.", "Post-op.") and is
  short, measures nothing and compares nothing ("Known RUL mass, increased." stays a finding): the ``indication``;
* the **demographics with the question** ("73-year-old man f/u of pneumonia.", "32 yo F - ?pneumonia.",
  "25 year old woman - eval for mets.", "44 yo F r/o PTX."): the patient's age and sex, then the clinical question
  (a hedge, a rule-out, an evaluation, a history or a context of the lexicon), is the indication as a whole.

The words here are generic (labels, arrows, verbs of management, history markers); a specialty's own context words
("post-NAC", "on hydroxychloroquine") are its lexicon's ``context`` concepts, which triage reads before this step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.kit.drafter import Statement

__all__ = ["PLAN_OPENING", "CONTEXT_OPENING", "route_context", "is_plan", "is_context"]

#: A plan label, an arrow, "For ..." or a verb of management opening the sentence.
PLAN_OPENING = re.compile(
    r"^(?:(?:plan|plans|rec|recs|recommendations?|management|mx|action|advice|disposal|disposition)\s*(?::|-+|\u2013|\u2014)\s*(?=\S)"
    r"|(?:=+>|-+>|>+|\u2192|\u21d2)\s*(?=[^\W\d_])"  # not a count (">20 haemorrhages")
    r"|for\s+(?!comparison\b|example\b|instance\b|reference\b|the\s+(?:most|first|second|past|last)\b|which\b|this\b|these\b"
    # a duration is no plan ("For 3 months.", "For several years.")
    r"|\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an|several|many|some|few|a\s+few)\s+"
    r"(?:days?|weeks?|months?|years?|yrs?|wks?|mo|mos|decades?)\b|years\b|months\b|weeks\b|days\b|ages\b|life\b)(?=[\w/-])"
    r"|(?:discuss(?:ed)?\s+(?:at|with|in)|re-?refer(?:ral)?|refer(?:red)?\s+(?:to|on)|refer\b|review(?:ed)?\s+(?:in|at|after|post|with|by|"
    r"when|once|on)|reassur\w*|continue|arrange|book|recall|await|list\s+for|urgent\s+(?:referral|review|treatment|"
    r"excision|appointment)|routine\s+(?:referral|review)|2ww|two\s+week\s+wait|needs?\s+(?=\w)|requires?\s+(?=\w)"
    # an imperative of management ("Rec CT.", "Excise.", "Monitor 6-monthly.", "Start PPI.", "Rx: emollients.")
    r"|recs?\s+(?=\w)|excise|monitor|observe|watch\s+and\s+wait|start|commence|trial\s+of|(?:rx|tx)(?=\s*:)|treat\s+with"
    r"|request|organi[sz]e|arrange)\b)",
    re.I)

#: A history, referral or follow-up marker opening the sentence: the clinical context.
CONTEXT_OPENING = re.compile(
    r"^(?:known|k/c/o|kco|background\s+of|(?:(?:gp|optom\w*|optician|ed|a&e|dentist|school|midwife|pharmacist|nurse|self|external|community)\s+)?referral(?=,?\s*(?:\?|for\b|from\b|query\b|re\b|possible\b))"
    r"|(?:[\w-]+\s+)?(?:exam|examination|screening)\s+for|(?:hx|h/o|pmhx?|history)(?:\s+of)?|(?:referred|ref|referral)\s+(?:by|from|for|with)"
    r"|(?:f/u|follow[- ]?up|followup|surveillance)\s+(?:of|for)|(?:pre|post)[- ]?(?:op|operative|procedure|procedural)"
    r"|(?:staging|restaging)\s+(?:of|for)|eval(?:uation|uate)?\s+(?:for|of)|assess(?:ment)?\s+(?:for|of)"
    r"|family\s+(?:history|hx)(?:\s+of)?|fhx?(?:\s+of)?"
    # a procedure or treatment the study follows, the whole sentence ("Post line insertion.", "Post chemo x3.")
    r"|(?:pre|post)[- ]?(?:[\w/-]+\s+){0,2}?(?:insertion|placement|chemo\w*|radiotherapy|treatment|therapy|surgery)"
    r"(?:\s*x\s*\d+)?\W*$)\b", re.I)

#: What a context's tail never holds: a measure, a comparison, a finding reported now, a plan's interval.
_NOT_CONTEXT = re.compile(
    r"\d(?:\.\d+)?\s?(?:mm|cm)\b|\b(?:now|new|today|currently|again|stable|unchanged|increased|increasing|decreased|"
    r"decreasing|enlarg\w*|interval|since|measur\w*|seen|noted|shows?|showing|demonstrat\w*|there|recommended|advised|"
    r"suggested)\b|\bin\s+\d|\d+\s?(?:/12|/52|mo|mos|months?|wks?|weeks?)\b", re.I)
#: The most words a context sentence has.
_CONTEXT_WORDS = 10

#: The question after the demographics: a hedge (a dictated "?" is read as "possible"), a rule-out, an evaluation.
_QUESTION_AFTER = re.compile(
    r"^(?:\?|possible\b|query\b|r/o\b|rule\s+out\b|to\s+exclude\b|eval\w*\s+(?:for|of)\b|assess\w*\s+(?:for|of)\b|"
    r"c/o\b|complains?\s+of\b|presents?\s+with\b|presenting\s+with\b)", re.I)
#: Between the demographics and the question: a comma, a dash, a colon or nothing ("with" introduces a finding).
_AFTER_DEMOGRAPHICS = re.compile(r"^\s*(?:[,:;]|-+|\u2013|\u2014)?\s*")


#: A plan by its shape, whatever the drug, test or condition is called (round 9): an imperative of treatment or work-up
#: opening the sentence ("Give zorvatide.", "Admit for IV X.", "Proceed to X.", "Will need X.", "Topical X bd.",
#: "Extend to 14/52.", "Check X.", "Please X.", "Consider X."), "X testing/counselling, ...", a specimen sent for a test
#: ("Vitreous tap for PCR."), a test "to confirm"/"to exclude", a modal of management ("X should be excluded with Y",
#: "X would be confirmatory", "X and Y recommended"), no follow-up or treatment needed, and an interval of management
#: ("Routine digital screening 12/12.", "Annual surveillance.").
_PLAN_SHAPE_OPENING = re.compile(
    r"^(?:will\s+need|proceed\s+(?:to|with)|admit\b|give\b|commence\b|check\s+(?!film\b)(?=\w)|please\b|consider\b|"
    r"suggest\b|recommend\b|advise\b|discuss\b(?!ed)|send\b|obtain\b|perform\b|repeat\b|"
    r"discharge(?:\s+(?:back|to|home)\b|\s+from\s+(?:clinic|follow|care|the\s+clinic)|\W*$)|"
    r"(?:extend|shorten|reduce|increase)\b(?:\s+[\w-]+){0,3}?\s+to\s+\d|"
    r"(?:iv|intravenous|topical|intravitreal|intralesional|potent)\s+(?!mucosa|cavity|contrast\b|drug\b)"
    r"(?=[^\W\d_])|"
    r"no\s+(?:further\s+)?(?:follow[- ]?up|f/u|treatment|tx|action|intervention|imaging|review)\b"
    r"(?:\s+(?:is\s+)?(?:needed|required|necessary|indicated))?(?:\s+(?:in|of|for|at)\s+(?:the\s+|both\s+)?[\w-]+(?:\s+[\w-]+)?)?\W*$|"
    r"(?:[\w/().+-]+\s+){0,3}?(?:testing|counsell?ing|referral(?!,?\s*(?:\?|for\b|from\b|query\b|re\b|possible\b)))\b)", re.I)
_PLAN_SHAPE_ANYWHERE = re.compile(
    r"\b(?:should|must|will|would|could|can|may)\s+be\s+(?:excluded|considered|performed|obtained|arranged|sought|"
    r"confirmed|assessed|evaluated|repeated|sampled|discussed|treated|correlated|checked|referred|biopsied|offered)\b|"
    r"\bwould\s+be\s+(?:confirmatory|helpful|useful|diagnostic|informative|advisable|prudent)\b|"
    r"\b(?:is|are)\s+(?:recommended|advised|suggested|warranted|indicated|required|needed)\b|"
    # round 11: a plan left to someone's judgement or still to be weighed ("Re-excision at surgeon's discretion.",
    # "Completion surgery to be considered.", "X is to be discussed")
    r"\bat\s+(?:the\s+)?[\w-]+(?:['\u2019]s|s['\u2019])?\s+discretion\b|\bat\s+the\s+discretion\s+of\b|"
    r"\b(?:is\s+|are\s+)?to\s+be\s+(?:considered|discussed|arranged|offered|decided)\W*$|"
    r"\b(?:recommended|advised|suggested|warranted)\W*$|"
    r"\bfor\s+(?:pcr|culture|cytology|histology|mc&s|microscopy|genotyping|sequencing|serology)\b|"
    r"^(?![^,;]*\btoo\s+[\w-]+\s+to\b)[^,;]{1,40}?\bto\s+(?:confirm|exclude|rule\s+out|characteri[sz]e|complete|"
    r"assess\s+for)\b", re.I)
#: A management noun with an interval ("Routine digital screening 12/12.", "Annual surveillance.", "Monitor 6/12").
_PLAN_INTERVAL = re.compile(
    r"^(?:[\w-]+\s+){0,3}?(?:screening|screen|review|surveillance|recall|follow[- ]?up|f/u|monitoring|check|appointment|"
    r"clinic|visit|injections?|fields|imaging)\b(?:\s+[\w-]+){0,3}?\s*(?:\b(?:in\s+)?\d+\s*/\s*(?:12|52)|\b\d+\s*"
    r"(?:weeks?|wks?|months?|mo|years?|yrs?)\b)(?:\s+(?:in|of|for|at)\s+(?:the\s+|both\s+)?[\w-]+(?:\s+[\w-]+)?)?\W*$|^(?:annual|yearly|6-?monthly|3-?monthly|monthly)\s+[\w-]+(?:\s+[\w-]+)?(?:\s+(?:in|of|for|at)\s+(?:the\s+|both\s+)?[\w-]+(?:\s+[\w-]+)?)?\W*$",
    re.I)


def is_plan(text: str) -> bool:
    """Whether a sentence opens as a plan (see the module docstring), or has a plan's shape in any words."""
    s = text.strip()
    return (PLAN_OPENING.match(s) is not None or _PLAN_SHAPE_OPENING.match(s) is not None
            or _PLAN_SHAPE_ANYWHERE.search(s) is not None or _PLAN_INTERVAL.match(s) is not None)


def is_context(text: str) -> bool:
    """Whether a sentence is a short clinical-context statement opened by a history, referral or follow-up marker."""
    s = text.strip().rstrip(".")
    m = CONTEXT_OPENING.match(s)
    return (m is not None and len(s.split()) <= _CONTEXT_WORDS and _NOT_CONTEXT.search(s) is None
            and not is_plan(s))


#: A priority label before the demographics ("URGENT: 48M, ...").
_PRIORITY = re.compile(r"^(?:urgent|routine|soon|stat|2ww)\s*(?::|-+|\u2013)\s*", re.I)
#: A duration or time ago of a symptom or history ("5 days", "x 3/12", "1 month ago", "since childhood", "2 weeks ago").
_DURATION = re.compile(
    r"(?:\bx\s*|\bfor\s+)?\b\d+\s*(?:/12|/52|days?|d|wks?|weeks?|months?|mo|mos|yrs?|years?)\b(?:\s+ago\b)?"
    r"|\bsince\s+(?:childhood|birth|infancy|youth|adolescence|age\s+\d+)\b", re.I)
#: What makes the clauses after the demographics their history or question, whatever the condition is called: a hedge
#: ("?X", "possible X", "query X"), a history marker ("known X", "on X", "hx X", "background X") or a time ago.
_HISTORY_CLAUSE = re.compile(
    r"(?:^|[\s,;(])(?:\?\s*(?=\w)|on\s+(?!the\b|both\b|an?\b|this\b|that\b|its\b|his\b|her\b|their\b|either\b|"
    r"each\b|all\b|left\b|right\b|dermoscopy\b|exam\w*|imaging\b|palpation\b|review\b)|"
    r"(?:possible|query|known|hx|h/o|pmhx?|background|previous|prior|recurrent|ex|"
    r"2nd|3rd|[4-9]th|second|third)\s+"
    r"(?=\w))|\bago\b|\bsince\s+(?:childhood|birth|infancy|youth|adolescence|age)\b|(?:^|[\s,])x\s*\d+\s*/\s*(?:12|52)\b"
    r"|\b\d+\s*(?:days?|wks?|weeks?|months?|yrs?|years?)\b",
    re.I)


def history_after_demographics(rest: str) -> bool:
    """Whether ``rest`` (what follows the demographics) is the patient's condition with a hedge or history in any
    words ("COPD, ?exacerbation ?pna", "with blorvic degeneration, ?Tansley syndrome", "red painful eye 5 days,
    shingles 1 month ago", "quintaritis, on kelvocin", "- Merrin disease since childhood"): a short rest with no
    measure, no comparison and no plan, one of whose clauses holds a hedge, a history marker or a time ago."""
    r = re.sub(r"^(?:with|w/)\s+", "", rest.strip(" ,;:-\u2013\u2014"), flags=re.I)
    if not r or len(r.split()) > _CONTEXT_WORDS + 4 or is_plan(r):
        return False
    bare = _DURATION.sub(" ", r)
    return _HISTORY_CLAUSE.search(r) is not None and _NOT_CONTEXT.search(bare) is None


_HISTORY_FIRST = re.compile(r"^(?:(?:with|w/)\s+)?(?:a\s+)?(?:2nd|3rd|[4-9]th|second|third|recurrent|previous|prior|known|"
                            r"hx|h/o|pmhx?|background)\b", re.I)


def history_first(rest: str) -> bool:
    """Whether what follows the demographics opens as their history ("2nd L ptx", "recurrent X", "known X"): the
    patient's story even where it names a finding; a short rest of :func:`history_after_demographics` only."""
    return _HISTORY_FIRST.match(rest.strip(" ,;:-")) is not None and history_after_demographics(rest)


def demographics_with_question(text: str, demographics: re.Pattern[str] | None,
                               context: re.Pattern[str] | None = None,
                               has_finding: Callable[[str], bool] | None = None) -> bool:
    """Whether a sentence is the patient's age and sex, then the clinical question or their history."""
    s = _PRIORITY.sub("", text.strip().rstrip("."))
    m = demographics.match(s) if demographics is not None else None
    if m is None:
        return False
    rest = s[m.end():]
    rest = rest[_AFTER_DEMOGRAPHICS.match(rest).end():]
    if rest and history_after_demographics(rest):
        return True
    if not rest or len(rest.split()) > _CONTEXT_WORDS or _NOT_CONTEXT.search(rest):
        return False
    if _QUESTION_AFTER.match(rest) or is_context(rest):
        return True
    if context is not None and has_finding is not None and context.match(rest):
        return not has_finding(context.sub(" ", rest))
    return False


def route_context(statements: Sequence["Statement"], *, demographics: re.Pattern[str] | None = None,
                  context: re.Pattern[str] | None = None,
                  has_finding: Callable[[str], bool] | None = None) -> list["Statement"]:
    """``statements`` with the plans, contexts and demographics-with-question that triage took for findings (or
    left not placed) given their kind: ``recommendation`` or ``indication``."""
    out = []
    for s in statements:
        if s.kind in ("finding", "not_placed"):
            if is_plan(s.text):
                s = replace(s, kind="recommendation")
            elif is_context(s.text) or demographics_with_question(s.text, demographics, context, has_finding):
                s = replace(s, kind="indication")
        elif s.kind == "recommendation" and (is_context(s.text) and not is_plan(s.text)):
            s = replace(s, kind="indication")  # "F/u of BRVO." is why the patient came, not a follow-up to book
        out.append(s)
    return out


# --- the drafted report: what a specialty's reader still left in the wrong place ---------------------------------

#: Sentences of a region's text (a finding's text may hold several).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9?])")
#: An impression item that is a plan in any wording ("Recommend ...", "Suggest ...", "Refer ...", "Plan: ...").
_PLAN_ITEM = re.compile(r"^(?:recommend\w*|suggest\w*|consider\b|advis\w*|refer\w*|repeat\b|rpt\b|follow[- ]?up\b|f/u\b|"
                        r"urgent\b|routine\b|discuss\w*|review\b)", re.I)
#: A conclusion the clinician dictated with its label ("Imp: X.", "Conclusion - X.", "Overall c/w X.", "Summary: X.",
#: "Findings c/w X."): what follows the label must reach the impression.
_CONCLUSION = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?:(?:imp|impr|impressions?|conclusions?|summary|dx|diagnosis|opinion)[ \t]*(?::|-+|\u2013|\u2014)"
    r"|overall(?=[ \t]+(?:c/w|consistent|compatible|in[ \t]+keeping|likely|probabl|suggest))|(?:findings|appearances)"
    r"(?=[ \t]+(?:c/w|consistent|compatible|in[ \t]+keeping|suggest))"
    # a short sentence that is nothing but a likely diagnosis ("Likely DCIS.", "Most likely BCC.")
    r"|(?=(?:most[ \t]+)?(?:likely|probable)[ \t]+[^.;!?\n,]{2,40}(?:[.;!?\n]|$)))[ \t]*(?P<x>[^.;!?\n]{2,120})",
    re.I | re.M)
_HEDGE_LEAD = re.compile(r"^(?:(?:are|is)\s+)?(?:c/w|consistent with|compatible with|in keeping with|suggestive of)\s+", re.I)
_STOP = frozenset("the a an of and or with in on at to is are for likely possible probable overall findings".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2 and w not in _STOP}


def _demographics_only(text: str, demographics: re.Pattern[str] | None) -> bool:
    s = text.strip().rstrip(".").strip()
    m = demographics.match(s) if demographics is not None else None
    return m is not None and not s[m.end():].strip(" ,;:-")


#: A conclusion by its marker, whatever the diagnosis is called (round 9), opening a sentence: "= X", "C/w X",
#: "Consistent with / In keeping with X", "(Highly) suggestive of X", "Appearances suggest X", "Features favour X",
#: "Picture is typical of X", "This is (likely) X", "Suspect X", "Probable X", "Ddx X"; also after a spaced dash
#: ("honeycombing absent - probable UIP pattern").
_CONCLUSION_SHAPE = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n)|(?<=\s-\s))[ \t]*(?:=[ \t]*(?=[^\W\d_])|(?:c/w|consistent[ \t]+with|in[ \t]+keeping[ \t]+with|"
    r"compatible[ \t]+with)[ \t]+|(?:(?:highly|strongly|most|very)[ \t]+)?suggestive[ \t]+of[ \t]+|"
    r"(?:the[ \t]+)?(?:appearances?|features|findings|picture|imaging)[ \t]+(?:are[ \t]+|is[ \t]+)?(?:most[ \t]+)?"
    r"(?:suggest(?:s|ive[ \t]+of)?|favou?rs?|typical[ \t]+of|characteristic[ \t]+of|diagnostic[ \t]+of|supportive[ \t]+of|"
    r"in[ \t]+keeping[ \t]+with|consistent[ \t]+with|compatible[ \t]+with|(?:those[ \t]+)?of)[ \t]+|"
    r"(?:this|these)[ \t]+(?:is|are|represents?)[ \t]+(?:(?:most[ \t]+)?(?:likely|probably)[ \t]+)?"
    r"(?!(?:an?[ \t]+)?(?:\d|[\w-]*year|pleasant|patient|man\b|woman\b|lady\b|gentleman\b|boy\b|girl\b|child\b))|"
    r"suspect(?:ed)?[ \t]+|probable[ \t]+|(?:ddx|differential(?:[ \t]+diagnosis)?)[ \t]*(?::|-+|includes?)?[ \t]*)"
    r"(?P<x>[^\W\d_][^.;!?\n]{1,120})", re.I | re.M)
#: A conclusion whose marker follows it: "X is the leading consideration", "X suspected", "X favoured", "X not excluded",
#: "X cannot be ruled out", or a finding
#: then " = X" inside its sentence ("LLL volume loss = rounded atelectasis", "... = L vestibular schwannoma, Koos 2").
_CONCLUSION_AFTER = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?:in[ \t]+this[ \t]+context,?[ \t]+)?(?P<x>[^\W\d_][^.;!?\n]{1,80}?)[ \t]+"
    r"(?:(?:is|are)[ \t]+(?:the[ \t]+)?(?:leading|favou?red|most[ \t]+likely|likely|probable|main|working|preferred|chief|"
    r"primary|principal)[ \t]+(?:consideration|diagnosis|differential|possibility|concern)|suspected|favou?red|"
    r"(?:is[ \t]+|are[ \t]+)?(?:not|cannot[ \t]+be)[ \t]+(?:excluded|ruled[ \t]+out))[ \t]*"
    r"(?=[.;!?\n]|[ \t]+-|,[ \t]+(?!(?:and|or|with|which|but)\b)|$)",
    re.I | re.M)
_EQUALS_INSIDE = re.compile(r"[^.;!?\n=]\s=\s*(?P<x>[^\W\d_][^.;!?\n=]{2,120})")
#: "X - not Y." / "X - no Y.": a conclusion that rules out what was asked ("Large physiological cups - not glaucoma").
_NOT_CONCLUSION = re.compile(r"(?:^|(?<=[.;!?]\s)|(?<=\n))[ \t]*(?P<x>[^\W\d_][^.;!?\n-]{2,60}[ \t]+-[ \t]+(?:not|no)[ \t]+"
                             r"[^\W\d_][^.;!?\n]{1,40})(?=[.;!?\n]|$)", re.I | re.M)


#: what a test reads, after "=": a value, not a diagnosis ("HER2/CEP17 ratio 1.3 = negative (group 5)")
_VALUE_LEAD = re.compile(r"(?:negative|positive|neg|pos|normal|abnormal|equivocal|borderline|low|high|raised|elevated|"
                         r"reduced|amplified|non-?amplified|not amplified|present|absent|intact|lost|retained)\b", re.I)


def _shaped_conclusions(notes: str) -> list[str]:
    """The conclusions dictated in a shape of :data:`_CONCLUSION_SHAPE`, :data:`_CONCLUSION_AFTER`, a " = X" inside a
    sentence or "X - not Y" (the marker gone, the diagnosis as dictated up to its sentence's end)."""
    out = []
    # the last sentence (or clause) before the closing plans: only there "X - not Y" concludes
    last = None
    for c in reversed(list(re.finditer(r"[^.;\n]+", notes or ""))):
        if c.group(0).strip(" ,") and not is_plan(c.group(0)):
            last = c
            break
    for rx in (_CONCLUSION_SHAPE, _CONCLUSION_AFTER, _EQUALS_INSIDE, _NOT_CONCLUSION):
        for m in rx.finditer(notes or ""):
            if rx is _NOT_CONCLUSION and (last is None or not last.start() <= m.start("x") < last.end()):
                continue  # "X - not Y" concludes only where nothing but plans follows it
            # a marker after the diagnosis keeps its hedge ("X is the leading consideration", "X suspected"): only
            # the words before the diagnosis go, never its uncertainty
            x = (m.string[m.start("x"):m.end()] if rx is _CONCLUSION_AFTER else m.group("x")).strip(" ,:;-")
            x = re.split(r"[;,]\s*(?=(?:which|and\s+)?(?:is\s+)?(?:self|start|commence|refer|admit|review|for\b|plan|rec\b|"
                         r"discuss|proceed|will|please|suggest|recommend))", x, maxsplit=1, flags=re.I)[0]
            x = re.split(r"\s+-\s+(?=(?:admit|start|commence|refer|review|for\b|plan|discuss|proceed|will|please|"
                         r"suggest|recommend|observe|monitor|discharge|reassure))", x, maxsplit=1, flags=re.I)[0]
            if rx is _EQUALS_INSIDE and _VALUE_LEAD.match(x):
                continue  # "ratio 1.3 = negative (group 5)": a test's value, not a diagnosis
            if len(re.findall(r"[^\W\d_]{2,}", x)) and not is_plan(x):
                out.append(f"{x[:1].upper()}{x[1:]}.")
    return out


def dictated_conclusions(notes: str) -> list[str]:
    """The conclusions dictated with a label in ``notes`` (label gone, "c/w" written "consistent with"), and those
    dictated in a conclusion's shape whatever the diagnosis is called (:func:`_shaped_conclusions`)."""
    out = []
    labelled = list(_CONCLUSION.finditer(notes or ""))
    for m in labelled:
        x = m.group("x").strip(" ,:-")
        x = _HEDGE_LEAD.sub(lambda h: "Consistent with " if "c/w" in h.group(0).lower() else h.group(0)[:1].upper()
                            + h.group(0)[1:], x)
        if x:
            out.append(f"{x[:1].upper()}{x[1:]}.")
    said = _words(" ".join(out))
    for x in _shaped_conclusions(notes):
        if not _words(x) <= said:
            out.append(x)
            said |= _words(x)
    return out


#: The words of a conclusion's marker ("X is the leading consideration", "Appearances suggest X", "X suspected").
_MARKER_WORDS = frozenset("this these likely suspected suspect leading consideration appearances appearance suggest "
                          "suggests features favour favor favours picture typical consistent keeping highly suggestive "
                          "diagnosis probable most main working".split())
#: Words a drafted clinical question may add to the dictated one ("?PE" -> "Possible PE in the right eye").
_QUESTION_WORDS = frozenset("possible possibly query rule out right left eye eyes both bilateral".split())
#: The most dictated findings that lead an impression that was plans only.
_LEAD_FINDINGS = 3
#: A question dictated as a hedge: "?X", "Query X", "R/o X".
_HEDGED_QUESTION = re.compile(r"^\s*(?:\?\s*|query\s+|r/o\s+|rule\s+out\s+)(?=\w)", re.I)
_NOTE_SENTENCES = re.compile(r"[^.;\n]+")


_PATIENT_IS = re.compile(r"^(?:the\s+)?(?:pt|patient)\s+is\s+an?\s+", re.I)


def _demo_match(s: str, demographics: re.Pattern[str] | None):
    """The demographics opening ``s`` ("65M", "Pt is a 70-year-old man"): (match, the text after it) or None."""
    if demographics is None:
        return None
    lead = _PATIENT_IS.match(s)
    body = s[lead.end():] if lead else s
    m = demographics.match(body)
    return (m, body[m.end():]) if m else None


def dictated_questions(notes: str, demographics: re.Pattern[str] | None) -> list[str]:
    """The clinical questions dictated as a hedge next to the demographics: the opening one
    (:func:`opening_question`) and any joined to the demographics anywhere ("... 66 y/o M, query AMD. ...")."""
    out = [q for q in [opening_question(notes, demographics)] if q]
    for raw in _NOTE_SENTENCES.findall(notes or ""):
        hit = _demo_match(raw.strip(), demographics)
        if hit is not None:
            rest = hit[1].strip(" ,:;-\u2013\u2014")
            if rest and _HEDGED_QUESTION.match(rest) and len(rest.split()) <= 5 and rest not in out:
                out.append(rest)
    return out


def opening_question(notes: str, demographics: re.Pattern[str] | None) -> str | None:
    """The clinical question a dictation opens with as a hedge ("?PE.", "Query lymphoma.") next to the demographics:
    after them ("86F. ?PE."), joined to them ("33 y/o F, query lymphoma.") or just before them ("?PE. 86F."); None
    when a finding or another question comes first (then "?X" is the reader's hedge) or no demographics are near."""
    said = [x.strip() for x in _NOTE_SENTENCES.findall(notes or "") if x.strip()]
    seen_demographics = False
    for i, s in enumerate(said):
        hit = _demo_match(s, demographics)
        if hit is not None:
            rest = hit[1].strip(" ,:;-\u2013\u2014")
            if not rest:
                seen_demographics = True
                continue  # demographics alone: the question may follow
            return rest if _HEDGED_QUESTION.match(rest) and len(rest.split()) <= 5 else None
        if not (_HEDGED_QUESTION.match(s) and len(s.split()) <= 5):
            return None
        # alone, "?X" opening the dictation is the question only next to the demographics ("86F. ?PE.", "?PE. 86F."):
        # without them it is the clinician's working diagnosis ("?Porokeratosis. Annular plaque ...")
        after = said[i + 1] if i + 1 < len(said) else ""
        hit2 = _demo_match(after, demographics) if after else None
        return s if seen_demographics or (hit2 is not None and not hit2[1].strip(" ,:;-")) else None
    return None


def _said_again(question: str, notes: str) -> bool:
    """Whether the words of the opening question are dictated again after it (a finding or a conclusion)."""
    at = (notes or "").find(question)
    later = _words(notes[at + len(question):]) if at >= 0 else set()
    key = _words(question) - _QUESTION_WORDS
    return bool(key) and key <= later


#: A condition then its treatment or course, split from the demographics by a reader ("Quintaritis, on kelvocin.",
#: "Merrin disease, since childhood.").
_ORPHAN_HISTORY = re.compile(r"^[^\W\d_][^,;:.]{1,40},\s*(?:on|since|known|hx|h/o)\s+(?!the\b|both\b|an?\b|this\b|that\b|"
                             r"its\b|either\b|each\b|all\b|left\b|right\b|dermoscopy\b|exam\w*|imaging\b|palpation\b|review\b|"
                             r"[A-Z]{2,5}\b)[\w-]+(?:\s+[\w-]+)?\W*$", re.I)


def _orphan_history(text: str, has_finding: Callable[[str], bool] | None) -> bool:
    s = text.strip()
    return has_finding is not None and _ORPHAN_HISTORY.match(s) is not None and not has_finding(s) and not is_plan(s)


def _lexicon_context(text: str, context: re.Pattern[str] | None, has_finding: Callable[[str], bool] | None,
                     recommend: re.Pattern[str] | None) -> bool:
    """A sentence of nothing but the lexicon's clinical context ("Itchy lesion.", "New confusion."), no plan ("Weight
    loss advice." is one); the presenting reasons that count only where they open the dictation are not passed."""
    s = text.strip()
    return (context is not None and has_finding is not None and context.match(s) is not None
            and not (_words(context.sub(" ", s)) - _QUESTION_WORDS) and not is_plan(s) and not _PLAN_ITEM.match(s)
            and not (recommend is not None and recommend.search(s)) and len(s.split()) <= _CONTEXT_WORDS)


#: Words a reader adds writing out a history ("?X" -> "possible X", "x 3/12" -> "for 3 months", "Hx" -> "history").
_HISTORY_WORDS = frozenset("possible possibly query history for months month weeks week days day years year ago on "
                           "known since".split()) | _QUESTION_WORDS


_AGE_LEAD = re.compile(r"^(?:aged\s+)?\d{1,3}\s*(?:months?|mos?|m/o|years?|yrs?|y/?o|weeks?|wks?|days?)(?:\s+old)?\b", re.I)


def dictated_histories(notes: str, demographics: re.Pattern[str] | None) -> list[str]:
    """The history or question joined to the demographics anywhere in ``notes`` ("61F, quintaritis x 3/12.",
    "81 yo F with X, ?Y.", "M 51, X, on Y."): the rest after them, where :func:`history_after_demographics` holds."""
    out = []
    for raw in _NOTE_SENTENCES.findall(notes or ""):
        hit = _demo_match(_PRIORITY.sub("", raw.strip()), demographics)
        if hit is not None:
            # the age said after a person-first word ("Infant 9 months with ...") is the patient's, not a duration
            rest = _AGE_LEAD.sub("", hit[1].strip(" ,:;-\u2013\u2014")).strip(" ,:;-\u2013\u2014")
            if rest and history_after_demographics(rest):
                out.append(rest)
    return out


def settle_draft(draft, notes: str, *, demographics: re.Pattern[str] | None = None,
                 context: re.Pattern[str] | None = None, has_finding: Callable[[str], bool] | None = None,
                 expand: Callable[[str], str] | None = None, normal: str | None = None,
                 recommend: re.Pattern[str] | None = None, context_alone: re.Pattern[str] | None = None,
                 catch_all: str | None = None):
    """``draft`` with what a reader still left in the wrong place moved, for every specialty: a plan in a findings
    region goes to the impression, demographics or a clinical context in a findings region or the impression to the
    indication; a dictated conclusion ("Imp: X", "Overall c/w X") missing from the impression leads it; and the
    impression lists its plans after its findings and conclusions (and its dictated abnormal findings instead of the
    template's ``normal`` impression line, which says nothing was stated). ``expand`` writes a conclusion's shorthand out
    (the lexicon's reading) before it is compared with the impression."""
    indication = [draft.indication] if draft.indication else []
    plans: list[str] = []
    findings = []
    changed = False
    for f in draft.findings:
        if f.is_default:
            findings.append(f)
            continue
        keep = []
        for s in _SENTENCE.split(f.text):
            if is_plan(s):
                plans.append(s)
            elif (_demographics_only(s, demographics) or is_context(s)
                  or demographics_with_question(s, demographics, context, has_finding)
                  or _lexicon_context(s, context_alone, has_finding, recommend) or _orphan_history(s, has_finding)):
                indication.append(s)
            else:
                keep.append(s)
        if len(keep) != len(_SENTENCE.split(f.text)):
            changed = True
            if keep:
                findings.append(f.model_copy(update={"text": " ".join(keep)}))
        else:
            findings.append(f)
    impression = []
    for item in draft.impression:
        kept = []
        for s in _SENTENCE.split(item.strip()):
            if (_demographics_only(s, demographics) or (is_context(s) and not is_plan(s))
                    or demographics_with_question(s, demographics, context, has_finding)
                    or _lexicon_context(s, context_alone, has_finding, recommend) or _orphan_history(s, has_finding)):
                indication.append(s)
            elif s:
                kept.append(s)
        if kept:
            impression.append(item if len(kept) == len(_SENTENCE.split(item.strip())) else " ".join(kept))
        changed |= len(kept) != len(_SENTENCE.split(item.strip()))
    for question in dictated_questions(notes, demographics):
        if _said_again(question, notes):
            continue  # "58F ?ischaemic CRVO OD. ... Ischaemic CRVO OD - monthly review.": the later one concludes
        # the question dictated as a hedge ("?PE.", "65M. Query lymphoma.", "66M, query AMD."), read as a hedged finding
        qwords = _words(expand(question) if expand else question) | _words(question) | _QUESTION_WORDS
        key = _words(question) | _words(expand(question) if expand else "")

        def is_question(text: str) -> bool:
            w = _words(text)
            return bool(w) and w <= qwords and bool(w & key)

        moved = any(is_question(x) for f in findings if not f.is_default for x in _SENTENCE.split(f.text)) or any(
            is_question(i) for i in impression)
        findings = [f if f.is_default else f.model_copy(update={"text": " ".join(
            x for x in _SENTENCE.split(f.text) if not is_question(x))}) for f in findings]
        findings = [f for f in findings if f.text.strip()]
        impression = [i for i in impression if not is_question(i)]
        if moved:
            changed = True
            if not key <= _words(" ".join(indication)):
                indication.append(question)
    for rest in dictated_histories(notes, demographics):
        # the history a reader split from the demographics ("61F." + "Quintaritis x 3/12.") rejoins the indication
        rwords = _words(rest)

        def is_history(text: str) -> bool:
            w = _words(text) - _HISTORY_WORDS
            return bool(w) and w <= rwords and not is_plan(text)

        moved = [x for f in findings if not f.is_default for x in _SENTENCE.split(f.text) if is_history(x)]
        moved += [i for i in impression if is_history(i)]
        if moved:
            changed = True
            findings = [f if f.is_default else f.model_copy(update={"text": " ".join(
                x for x in _SENTENCE.split(f.text) if not is_history(x))}) for f in findings]
            findings = [f for f in findings if f.text.strip()]
            impression = [i for i in impression if not is_history(i)]
            if not rwords <= _words(" ".join(indication)):
                indication.extend(moved)
    said = _words(" ".join(impression))
    lead = []
    for c in dictated_conclusions(notes):
        words = _words(expand(c) if expand else c)
        if words and not words <= said and not (_words(c) <= said):
            lead.append(expand(c) if expand else c)
            said |= words
        else:  # dictated and drafted: the clinician's conclusion leads
            lead += [i for i in impression if i not in lead and words and (words <= _words(i) or _words(i) <= words)][:1]
    lead_words = _words(" ".join(lead))
    # a drafted item that only repeats a leading conclusion ("= left vestibular schwannoma." under "Left vestibular
    # schwannoma, Koos 2.") goes
    impression = [i for i in impression if i not in lead and not (_words(i) and _words(i) <= lead_words
                                                                   and not is_plan(i) and not _PLAN_ITEM.match(i))]
    if catch_all and lead:
        # a conclusion the reader left in the catch-all region ("This is likely X.") now leads the impression
        said_now = _words(" ".join(lead))
        lead_sets = [_words(c) - _QUESTION_WORDS - _MARKER_WORDS for c in lead]
        kept_findings = []
        for f in findings:
            if f.region != catch_all or f.is_default:
                kept_findings.append(f)
                continue
            sents = _SENTENCE.split(f.text)
            # only a sentence with a conclusion's marker: a dictated finding whose home is the catch-all ("DCIS.")
            # stays even when the conclusion restates it
            keep = [x for x in sents if not (_words(x) - _QUESTION_WORDS - _MARKER_WORDS in lead_sets
                                             and _words(x) & _MARKER_WORDS
                                             and _words(x) - _QUESTION_WORDS - _MARKER_WORDS) and not (
                dictated_conclusions(x) and _words(" ".join(dictated_conclusions(x))) <= said_now)]
            if len(keep) != len(sents):
                changed = True
            if keep:
                kept_findings.append(f if len(keep) == len(sents) else f.model_copy(update={"text": " ".join(keep)}))
        findings = kept_findings
    plan_items = [i for i in impression if is_plan(i) or _PLAN_ITEM.match(i)]
    rest = [i for i in impression if i not in plan_items]
    if not lead and not rest and plan_items:
        # an impression of plans only over dictated findings: the findings lead it
        rest = [f.text for f in findings if not f.is_default and not f.negated][:_LEAD_FINDINGS]
    elif not lead and normal and rest == [normal]:
        # the template's normal impression over dictated abnormal findings: the findings, not "nothing stated"
        rest = [f.text for f in findings if not f.is_default and not f.negated and f.abnormal][:_LEAD_FINDINGS] or rest
    ordered = lead + rest + plan_items + [p for p in plans if p.lower() not in {i.lower() for i in plan_items}]
    if not changed and ordered == list(draft.impression):
        return draft
    ind = " ".join(dict.fromkeys(s.strip() for s in indication if s and s.strip())) or None
    return draft.model_copy(update={"findings": findings, "impression": ordered, "indication": ind})
