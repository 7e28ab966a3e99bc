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
    r"^(?:known|k/c/o|kco|background\s+of|(?:hx|h/o|pmhx?|history)(?:\s+of)?|(?:referred|ref|referral)\s+(?:by|from|for|with)"
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


def is_plan(text: str) -> bool:
    """Whether a sentence opens as a plan (see the module docstring)."""
    return PLAN_OPENING.match(text.strip()) is not None


def is_context(text: str) -> bool:
    """Whether a sentence is a short clinical-context statement opened by a history, referral or follow-up marker."""
    s = text.strip().rstrip(".")
    m = CONTEXT_OPENING.match(s)
    return (m is not None and len(s.split()) <= _CONTEXT_WORDS and _NOT_CONTEXT.search(s) is None
            and not is_plan(s))


def demographics_with_question(text: str, demographics: re.Pattern[str] | None,
                               context: re.Pattern[str] | None = None,
                               has_finding: Callable[[str], bool] | None = None) -> bool:
    """Whether a sentence is the patient's age and sex, then the clinical question or their history."""
    s = text.strip().rstrip(".")
    m = demographics.match(s) if demographics is not None else None
    if m is None:
        return False
    rest = s[m.end():]
    rest = rest[_AFTER_DEMOGRAPHICS.match(rest).end():]
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


def dictated_conclusions(notes: str) -> list[str]:
    """The conclusions dictated with a label in ``notes`` (label gone, "c/w" written "consistent with")."""
    out = []
    for m in _CONCLUSION.finditer(notes or ""):
        x = m.group("x").strip(" ,:-")
        x = _HEDGE_LEAD.sub(lambda h: "Consistent with " if "c/w" in h.group(0).lower() else h.group(0)[:1].upper()
                            + h.group(0)[1:], x)
        if x:
            out.append(f"{x[:1].upper()}{x[1:]}.")
    return out


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


def _lexicon_context(text: str, context: re.Pattern[str] | None, has_finding: Callable[[str], bool] | None,
                     recommend: re.Pattern[str] | None) -> bool:
    """A sentence of nothing but the lexicon's clinical context ("Itchy lesion.", "New confusion."), no plan ("Weight
    loss advice." is one); the presenting reasons that count only where they open the dictation are not passed."""
    s = text.strip()
    return (context is not None and has_finding is not None and context.match(s) is not None
            and not (_words(context.sub(" ", s)) - _QUESTION_WORDS) and not is_plan(s) and not _PLAN_ITEM.match(s)
            and not (recommend is not None and recommend.search(s)) and len(s.split()) <= _CONTEXT_WORDS)


def settle_draft(draft, notes: str, *, demographics: re.Pattern[str] | None = None,
                 context: re.Pattern[str] | None = None, has_finding: Callable[[str], bool] | None = None,
                 expand: Callable[[str], str] | None = None, normal: str | None = None,
                 recommend: re.Pattern[str] | None = None, context_alone: re.Pattern[str] | None = None):
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
                  or _lexicon_context(s, context_alone, has_finding, recommend)):
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
                    or _lexicon_context(s, context_alone, has_finding, recommend)):
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
    said = _words(" ".join(impression))
    lead = []
    for c in dictated_conclusions(notes):
        words = _words(expand(c) if expand else c)
        if words and not words <= said and not (_words(c) <= said):
            lead.append(expand(c) if expand else c)
            said |= words
        else:  # dictated and drafted: the clinician's conclusion leads
            lead += [i for i in impression if i not in lead and words and (words <= _words(i) or _words(i) <= words)][:1]
    impression = [i for i in impression if i not in lead]
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
