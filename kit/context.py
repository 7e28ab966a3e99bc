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
from functools import lru_cache
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


#: Round 12: a plan dictated as a bare noun phrase after its diagnosis ("Ischaemic BRVO; widefield FFA, sectoral PRP if NVE
#: develops.", "..., neurology, IV methylpred + IVIG.", "ENT/skull base MDT.", "7) Urgent MRI pituitary."): its head is a
#: test, treatment, referral or team (a plan head), what it is for follows a cut word ("for", "if", "once", ","), and
#: its head names no finding. The generic heads are every specialty's (a team "-ology", MDT, clinic, bloods, serology,
#: cultures, imaging by its name, a route of a drug); a specialty adds its own tests and treatments as data
#: (``dictation.plan_heads`` of its lexicon).
GENERIC_PLAN_HEADS: tuple[str, ...] = (
    r"[a-z]+olog(?:y|ist)", r"neurosurg\w*", "mdt", "multidisciplinary", "clinic", "team", "referral", "input", "opinion",
    "bloods", "serology", "cultures?", "swabs?", "mri", "mra", "mrv", "ct", "cta", "ctpa", "pet",
    "pet-ct", "x-?ray", "ultrasound", "uss?", "doppler", "echo(?:cardiogra(?:m|phy))?", "ecg", "genetics?", "genetic testing",
    "iv", "intravenous", "antibiotics?", "steroids?", "prophylaxis", "isolation", "admission", "lp",
    "lumbar puncture", "csf", "ace", "hba1c", "lipids", "screen", "work-?up", "fbc", "crp", "esr", "inform", "notify", "liaise", "involve",
    "escalate",
)
#: A history or the time of a finding opens the sentence ("On admission ...", "Post IV antibiotics ..."): no plan.
_NOT_PLAN_OPENING = re.compile(r"^(?:on|at|since|after|before|during|post|prior|previous(?:ly)?|s/p|known|hx|h/o|history|"
                               r"following|no|not|nil|already|recent|recently|completed|had|has|uses?|using|takes?|taking)\b",
                               re.I)
#: Words that may open a plan before its head ("urgent MRI", "formal visual fields", "repeat echo").
_PLAN_MODIFIER = re.compile(r"^(?:\d{1,2}\s*[.)]\s+|[a-z]\)\s+)?(?:(?:urgent|urgently|routine|early|same[- ]day|soon|stat|"
                            r"baseline|formal|further|repeat|dedicated|also|then|and|plus|\+)\s+)*", re.I)
#: Where a plan's head ends and what it is for begins ("FFA | for arteriolar wall staining", "PRP | if NVE develops").
_PLAN_CUT = re.compile(r"\s+(?:if|for|to|once|when|unless|after|pending|given|re|in\s+case|as|until|before|this|now|"
                       r"today|tomorrow|within|at|prior|with|then|and|in|of|incl|including|via|per)\b|\s*[,;:(+&]|\s+-\s+",
                       re.I)
#: What a head never holds: a copula or a verb of seeing (a sentence about what was found), a denial, a measure.
_NOT_PLAN_HEAD = re.compile(r"\b(?:is|are|was|were|has|have|shows?|showing|shown|demonstrat\w*|reveal\w*|seen|noted|"
                            r"identified|present|absent|normal|unremarkable|no|not|without|negative|positive|unchanged|stable|"
                            r"changed?|changes|vs|versus|compared|site|cavity|scar|tract|clip|specimen|results?|report|"
                            # what a test found ("Structural OCT dry.", "B-scan retina flat."), a plan already carried
                            # out or reported ("Oncotype sent.", "Neurosurgery informed.", "PRP'd")
                            r"dry|wet|flat|clear|quiet|active|inactive|quiescent|sent|done|performed|taken|informed|aware|"
                            r"notified|contacted|called|discussed|spoken|phoned|emailed|\w+'d)\b|"
                            r"(?<![\w-])\d+(?:[./]\d+)?(?![\w-])|"  # a count or a year ("0/12", "2019"), not "x3" or "10-2"
                            r"\d(?:\.\d+)?\s?(?:mm|cm)\b|%|\b\d+(?:\.\d+)?\s*x\s*\d", re.I)  # "OCTA 6x6": a study's scan
#: The most words of a plan fragment's head, its modifiers apart.
_PLAN_HEAD_WORDS = 5
#: Plan heads that are a drug's route: only opening a plan, with the drug after them.
_ROUTES = frozenset({"iv", "intravenous"})
#: The most words after the plan head itself ("MRI pituitary", "sputum AFB x3"); more describe what a test showed
#: ("OCT parafoveal ellipsoid loss").
_PLAN_HEAD_AFTER = 2
#: A word before a test that makes it the evidence, not the plan ("on FAF", "by CT").
_EVIDENCE_BEFORE = re.compile(r"^(?:on|in|at|by|with|from|of|via|per|under|during|than)$", re.I)


def plan_heads_re(extra: Sequence[str] = ()) -> re.Pattern[str]:
    """The plan heads (:data:`GENERIC_PLAN_HEADS` and a specialty's ``extra`` words) as one pattern."""
    return _plan_heads_re(tuple(str(w) for w in extra))


@lru_cache(maxsize=16)
def _plan_heads_re(extra: tuple[str, ...]) -> re.Pattern[str]:
    words = list(GENERIC_PLAN_HEADS) + [r"\s+".join(re.escape(p) for p in w.lower().split()) for w in extra]
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?![\w-])", re.I)


def is_plan_fragment(text: str, heads: re.Pattern[str] | None,
                     has_finding: Callable[[str], bool] | None = None) -> bool:
    """Whether ``text`` is a plan dictated as a noun phrase (see :data:`GENERIC_PLAN_HEADS`): after its modifiers
    ("urgent", "formal", a list number), its head, up to the first cut word, is at most :data:`_PLAN_HEAD_WORDS`
    words with a plan head among its first three, at most :data:`_PLAN_HEAD_AFTER` after it, and no finding word,
    copula, denial, comparison, count or measure."""
    return plan_fragment_head(text, heads, has_finding) is not None


def plan_fragment_head(text: str, heads: re.Pattern[str] | None,
                       has_finding: Callable[[str], bool] | None = None) -> str | None:
    """The head of ``text`` when it is a plan fragment (:func:`is_plan_fragment`), else None."""
    if heads is None:
        return None
    body = _PLAN_MODIFIER.sub("", text.strip().rstrip(".").strip(), count=1)
    body = re.sub(r"\s*\([^()]*\)", "", body)  # an aside is what a test showed ("B-scan (calcified) drusen")
    if _NOT_PLAN_OPENING.match(body):
        return None
    cut = _PLAN_CUT.search(body)
    if cut is not None and cut.group(0).strip() == ":":
        return None  # "CT chest: ..." labels what was found
    head = body[: cut.start()].strip() if cut is not None else body
    words = head.split()
    if not words or len(words) > _PLAN_HEAD_WORDS or _NOT_PLAN_HEAD.search(head):
        return None
    m = heads.search(head)
    before = head[: m.start()].split() if m is not None else []
    if m is None or len(before) > 2 or len(head[m.end():].split()) > _PLAN_HEAD_AFTER:
        return None
    if any(_NOT_PLAN_OPENING.match(b) or re.match(r"\d", b) for b in before):
        return None  # "45F taking methotrexate": the patient's history, not a plan
    if before and _EVIDENCE_BEFORE.match(before[-1]):
        return None  # "autofluorescent on FAF": what a test showed
    if m.group(0).lower() in _ROUTES and (before or not head[m.end():].strip()):
        return None  # a route opens its plan with the drug after it ("IV methylpred"); "stage IV" is a stage
    return head if has_finding is None or not has_finding(head) else None


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
#: A conclusion whose marker is part of what the impression says (round 12): the diagnosis named with how sure the
#: clinician is, the marker kept ("Typical PRES", "Picture fits X", "Appearances would fit X", "Favour X over Y",
#: "Fits X", "Picture is X"), opening a sentence or a clause after ";"; or "overall X" (the marker gone).
_CONCLUSION_KEEP = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n)|(?<=;))[ \t]*(?P<x>(?:"
    r"typical(?:[ \t]+(?:appearances?|features|picture)[ \t]+of|[ \t]+of)?[ \t]+(?!(?:for|in|and|with|size|age)\b)"
    r"|(?:the[ \t]+)?(?:overall[ \t]+)?(?:appearances?|features|findings|picture|imaging)[ \t]+(?:(?:would|could|may|might|do|does)[ \t]+)?"
    r"(?:fits?|fitting)(?:[ \t]+(?:best[ \t]+)?with)?[ \t]+"
    r"|(?:the[ \t]+)?(?:overall[ \t]+)?(?:picture|appearances?)[ \t]+(?:is|are)[ \t]+(?:that[ \t]+of[ \t]+|those[ \t]+of[ \t]+|"
    r"(?:most[ \t]+)?(?:likely|probably)[ \t]+)?(?!(?:normal|unremarkable|stable|unchanged|similar|not|no|improved|worse|"
    r"better|as|otherwise|within|of|typical|in|consistent|compatible|suggestive|characteristic|diagnostic)\b)"
    r"|(?:(?:would|could|may|might)[ \t]+)?fits?[ \t]+(?:best[ \t]+)?(?:with[ \t]+)?(?!(?:since|for|and|in|x[ \t]*\d|started|began|the[ \t]+)\b)"
    r"|favou?r(?:s|ed)?[ \t]+(?!(?:the|this|that|a|an|it)\b))[^\W\d_?](?:[^.;!?\n]|(?<=[ \t,])\?(?=\w)){1,120})",
    re.I | re.M)
#: "overall X": the summing-up word goes, the diagnosis as dictated stays ("overall LAM, ?TSC").
_OVERALL = re.compile(
    r"(?:^|(?<=[.;!?]\s)|(?<=\n)|(?<=;))[ \t]*overall[ \t]*[,:]?[ \t]+(?!(?:size|dimensions?|the|there|no|not|normal|"
    r"unremarkable|stable|unchanged|c/w|consistent|compatible|in[ \t]+keeping|likely|probabl\w*|suggest\w*|appearances?|"
    r"picture|features|findings|imaging)\b)(?P<x>[^\W\d_](?:[^.;!?\n]|(?<=[ \t,])\?(?=\w)){1,120})",
    re.I | re.M)
#: "X would fit Y", "X fits Y" inside a sentence: the finding, then the diagnosis it fits (marker kept).
_FITS_INSIDE = re.compile(r"(?:^|(?<=[.;!?]\s)|(?<=\n)|(?<=;))[ \t]*(?P<x>[^\W\d_][^.;!?\n]{0,80}?[^\W\d_][ \t]+"
                          r"(?:(?:would|could|may|might)[ \t]+fit|fits)(?:[ \t]+(?:best[ \t]+)?with)?[ \t]+"
                          r"(?!(?:since|for|and|in|started|began|today|daily|x[ \t]*\d|(?:the[ \t]+)?(?:criteria|description|pattern|bill))\b)"
                          r"[^\W\d_][^.;!?\n]{1,120})", re.I | re.M)
#: what a conclusion's clause says after its diagnosis about where it was read ("... in this clinical context")
_CONTEXT_TAIL = re.compile(r"[ \t,]+(?:in|given)[ \t]+(?:this|the)[ \t]+(?:clinical[ \t]+)?(?:context|setting|history|scenario)"
                           r"(?:[ \t]+of[ \t]+[^,;]+)?$", re.I)
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
    for rx in (_CONCLUSION_SHAPE, _CONCLUSION_KEEP, _OVERALL, _FITS_INSIDE, _CONCLUSION_AFTER, _EQUALS_INSIDE,
               _NOT_CONCLUSION):
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
            x = _CONTEXT_TAIL.sub("", x).strip(" ,:;-")
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
#: An impression item that only denies ("No restricted diffusion.", "Without haemorrhage."): a pertinent negative.
_DENIAL_ITEM = re.compile(r"^\s*(?:no|not|without|nil|negative\s+for|absent)\b", re.I)
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


#: The most words of a diagnosis said as a bare label (:func:`_label_sentences`).
_LABEL_WORDS = 6
_NOTE_CLAUSES = re.compile(r"[^.;|\n]+")  # (a "|" separates the fields of a one-line form)


def _clauses(notes: str) -> list[str]:
    return [c.group(0).strip() for c in _NOTE_CLAUSES.finditer(notes or "") if c.group(0).strip(" ,")]


def _plan_siblings(notes: str, fragment: Callable[[str], bool], has_finding: Callable[[str], bool] | None,
                   expand: Callable[[str], str] | None) -> list[set[str]]:
    """The words of each part of a dictated list of plans that names no plan of its own ("CK, myositis Abs, malignancy
    screen incl CT CAP": "CK" and "myositis Abs" are tests too): a list one of whose parts is a plan is a list of plans,
    its short parts without a finding word included."""
    out: list[set[str]] = []
    for clause in _clauses(notes)[1:]:  # (the opening clause is the specimen's or the study's, never a plan list)
        parts = [p.strip() for p in re.split(r",\s*|\s+\+\s+", clause) if p.strip()]
        if len(parts) < 2 or not any(fragment(p) for p in parts):
            continue
        for p in parts:
            if is_plan(p) or len(p.split()) > 3 or (has_finding is not None and has_finding(p)):
                continue
            w = (_short_words(p) | _short_words(expand(p) if expand else "")) - _QUESTION_WORDS
            if w:
                out.append(w)
    return out


def _among(sentence: str, siblings: Sequence[set[str]]) -> bool:
    """Whether ``sentence`` is one of the ``siblings`` (:func:`_plan_siblings`) as drafted."""
    w = _short_words(sentence) - _QUESTION_WORDS
    return bool(w) and any(w <= s for s in siblings)


def _short_words(text: str) -> set[str]:
    """:func:`_words`, two-letter words too (a test's initials: "CK", "LP")."""
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1 and w not in _STOP}


def _label_sentences(notes: str, demographics: re.Pattern[str] | None, fragment: Callable[[str], bool],
                     has_finding: Callable[[str], bool] | None, expand: Callable[[str], str] | None,
                     context: re.Pattern[str] | None) -> list[tuple[set[str], bool]]:
    """The words of the sentences that say a diagnosis as a bare label: the opening one when the patient's age and sex
    follow it ("ADFK. 48M."), and the last one before the closing plans ("Posterior scleritis RE. B-scan for T-sign,
    start oral prednisolone."); short, no demographics, context, plan, measure or denial."""
    sentences = [c.group(0).strip() for c in re.finditer(r"[^.;!?\n]+", notes or "") if c.group(0).strip(" ,")]

    def planned(c: str) -> bool:
        return any(is_plan(p) or fragment(p) for p in re.split(r",\s*", c) if p.strip())

    def label(c: str) -> bool:
        return (len(c.split()) <= _LABEL_WORDS and not planned(c) and not _demographics_only(c, demographics)
                and not is_context(c) and not (context is not None and context.match(c)) and not re.search(r"\d", c)
                and not re.match(r"^(?:no|not|nil|normal|without)\b", c, re.I) and ":" not in c)

    picked: list[tuple[str, bool]] = []
    if len(sentences) >= 2 and _demographics_only(sentences[1], demographics) and label(sentences[0]):
        picked.append((sentences[0], True))
    i = len(sentences) - 1
    while i >= 0 and planned(sentences[i]):
        i -= 1
    if 0 < i < len(sentences) - 1 and label(sentences[i]):
        picked.append((sentences[i], False))
    return [((_words(c) | _words(expand(c) if expand else "")) - _QUESTION_WORDS, opening) for c, opening in picked]


def settle_draft(draft, notes: str, *, demographics: re.Pattern[str] | None = None,
                 context: re.Pattern[str] | None = None, has_finding: Callable[[str], bool] | None = None,
                 expand: Callable[[str], str] | None = None, normal: str | None = None,
                 recommend: re.Pattern[str] | None = None, context_alone: re.Pattern[str] | None = None,
                 catch_all: str | None = None, plan_heads: re.Pattern[str] | None = None):
    """``draft`` with what a reader still left in the wrong place moved, for every specialty: a plan in a findings
    region goes to the impression, demographics or a clinical context in a findings region or the impression to the
    indication; a dictated conclusion ("Imp: X", "Overall c/w X") missing from the impression leads it; and the
    impression lists its plans after its findings and conclusions (and its dictated abnormal findings instead of the
    template's ``normal`` impression line, which says nothing was stated). ``expand`` writes a conclusion's shorthand out
    (the lexicon's reading) before it is compared with the impression."""
    indication = [draft.indication] if draft.indication else []
    first = re.split(r"[.;\n]", (notes or "").strip(), maxsplit=1)[0]
    opening = _words(first) | _words(expand(first) if expand else "")  # the study line ("CTA chest.") as read

    def fragment(text: str) -> bool:
        # a plan said as a noun phrase (round 12), never the study line that opens the dictation ("CT chest.")
        head = plan_fragment_head(text, plan_heads, has_finding)
        said = _words(head or "") - _QUESTION_WORDS
        return head is not None and not (said and said <= opening)

    plans: list[str] = []
    # (a list of plans is known by any part with a plan head, a finding word or the study line apart)
    siblings = _plan_siblings(notes, lambda t: plan_fragment_head(t, plan_heads) is not None, has_finding, expand)
    findings = []
    changed = False
    for f in draft.findings:
        if f.is_default:
            findings.append(f)
            continue
        keep = []
        for s in _SENTENCE.split(f.text):
            if is_plan(s) or fragment(s) or _among(s, siblings):
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
    if catch_all:
        # a diagnosis said as a bare label no region took (round 12): the opening label before the patient ("ADFK.
        # 48M. ...") or the last statement before the closing plans ("... LE normal. Posterior scleritis RE. B-scan
        # for T-sign, ...") leads the impression
        labels = _label_sentences(notes, demographics, fragment, has_finding, expand, context)
        for item in impression:
            w = _words(item) - _QUESTION_WORDS
            if w and item not in lead and any(w <= lw for lw, at_opening in labels if at_opening) and not is_plan(item):
                lead.insert(0, item)  # the opening label the reader already took for the impression leads it
        for f in findings:
            if f.region != catch_all or f.is_default:
                continue
            for x in _SENTENCE.split(f.text):
                w = _words(x) - _QUESTION_WORDS
                matched = [at_opening for lw, at_opening in labels if w and w <= lw]
                if matched and not is_plan(x) and not fragment(x) and not _demographics_only(x, demographics) \
                        and not (w <= said):
                    # the opening label names the diagnosis before anything else; the closing one follows the others
                    if matched[0]:
                        lead.insert(0, x)
                    else:
                        lead.append(x)
                    said |= w
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
    plan_items = [i for i in impression if is_plan(i) or _PLAN_ITEM.match(i) or fragment(i)]
    rest = [i for i in impression if i not in plan_items]
    if lead:
        # under a dictated diagnosis the positive findings that support it come next; a pertinent negative ("No
        # haemorrhage on SWI.") follows them (round 12). With no diagnosis dictated, a negative that answers the
        # question ("No PE." on a CTPA) may lead, as the specialty's reader put it.
        rest = [i for i in rest if not _DENIAL_ITEM.match(i)] + [i for i in rest if _DENIAL_ITEM.match(i)]
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
