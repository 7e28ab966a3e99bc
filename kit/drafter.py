"""The one offline dictation drafter: dictation -> indication, findings by region, impression.

``KitDrafter(sorter, lexicon, plugin=..., plugin_version=...).draft(case, template)``:

1. :func:`~pixtralogist.kit.dictation.parse_dictation` turns ``case.notes`` into sentences with
   the lexicon's shorthand, subjects and dictation settings.
2. :func:`triage` sorts the sentences: demographics and the clinical question ("65M SOB",
   "eval for PNA": the lexicon's ``context`` concepts, in a sentence without a finding, or its
   ``clinical_question`` opening the sentence: "Eval for mets."; the lexicon's ``presenting_reason`` opening
   a sentence of the dictation's opening lines, even with a finding word: "Glaucoma suspect. CDR 0.7 OD.",
   "Floaters and flashes OS 2/7. OS: horseshoe tear ...") go to the draft's ``indication``; recommendations ("recommend CT in 3 months": ``recommendation``
   concepts, opening the sentence or in a sentence without a finding) go to the impression, after
   the findings, never to a findings region; a short sentence that is nothing but qualifiers and
   names no anatomy ("Mild.", "Suspicious.") is listed in ``not_placed``, never guessed into a region
   ("Stable." is a statement: it compares with the last study); everything else is a finding.
3. The findings go through :class:`~pixtralogist.core.drafting.DictationDraftBase` (region
   sorter, rewritten multi-region sentences that never claim more than dictated, template
   defaults for the regions nothing was dictated for, provenance).
4. The impression lists the abnormal, non-negated findings in template region order (hedged ones
   keep their hedge), capped at ``impression.max_items``, then the recommendations.

A specialty passes its lexicon and sorter and overrides :meth:`KitDrafter.conclude` or
:meth:`KitDrafter.complete` for its bespoke rules (a grade, a staging); nothing else.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from pixtralogist.core.drafting import (
    DictationDraftBase,
    Row,
    cap_impression,
    coverage_flags,
    impression_from_findings,
    require_sorter,
)
from pixtralogist.core.errors import DraftingError
from pixtralogist.core.models import Case, Draft, Finding, Flag, Template
from pixtralogist.core.nlp import mentions_finding
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.kit.context import (history_after_demographics, history_first, plan_heads_re, route_context,
                                      settle_draft)
from pixtralogist.kit.dictation import parse_dictation
from pixtralogist.kit.extractor import Extractor
from pixtralogist.kit.layout import demographics_apart, lay_out
from pixtralogist.kit.lexicon import Lexicon, iter_terms
from pixtralogist.kit.placement import concept_prototypes, settle_rows

__all__ = ["KitDrafter", "Statement", "StatementKind", "triage", "HEDGE_RE"]

#: "impression": a line the clinician dictated as the impression (a specialty reader that finds an impression
#: section marks it so); it is no finding of a region.
StatementKind = Literal["finding", "indication", "recommendation", "not_placed", "summary", "impression"]

#: Hedge words already present in a statement (the impression then keeps the statement's own words).
HEDGE_RE = re.compile(
    r"\b(?:possible|possibly|probable|probably|likely|questionable|questionably|question of|suspicious|"
    r"suspected|suspect|may|might|could|cannot (?:be )?(?:excluded|exclude|ruled out)|not excluded|versus|"
    r"concerning for|suggestive of|suggests?|favou?rs?|favou?red|differential|equivocal|borderline|indeterminate|"
    r"uncertain)\b",
    re.I,
)


#: A sentence that opens by interpreting what the dictation just described ("C/w subacute hematoma.",
#: "Possible glioblastoma versus metastasis.", "DDx sarcoid vs lymphoma."): with the lexicon's
#: ``dictation.conclusions: true`` it follows the finding before it and is an impression item.
CONCLUSION_RE = re.compile(
    r"^(?:possible|possibly|probable|probably|likely|most likely|questionable|suspected|presumed|query|"
    r"(?:most )?(?:consistent|compatible) with|in keeping with|(?:suspicious|concerning|worrisome) for|"
    r"suggestive of|suggests?|favou?r(?:s|ed)?|differential(?: diagnosis)?(?: includes?)?(?: of)?|ddx|"
    r"(?:may|could|likely) represent|"
    r"(?:meets|fulfil+s|satisfies))\b\W*\w",  # "Meets DIS and DIT.", "Fulfils McDonald criteria.": the finding's reading
    re.I,
)


#: The interpretive openings (not a plain hedge such as "probable", whose sentence is a finding of its own).
_INTERPRETS = re.compile(
    r"^(?:(?:most )?(?:consistent|compatible) with|in keeping with|(?:suspicious|concerning|worrisome) for|"
    r"suggestive of|suggests?|favou?r(?:s|ed)?|differential|ddx|(?:may|could|likely) represent)\b", re.I)

#: An interpretation dictated as a comma part of a finding ("foci of susceptibility, c/w amyloid angiopathy"; "without
#: restricted diffusion, in keeping with PRES"): the diagnosis the radiologist drew, which the impression must carry.
INTERPRETATION_PART_RE = re.compile(
    r"[,;]\s*((?:(?:most )?(?:consistent|compatible) with|in keeping with|typical of|characteristic of|diagnostic of|"
    r"c/w)\s+[^,;.]*\w)", re.I)


def interpretations_left(findings: Iterable[Finding], items: Sequence[str]) -> list[str]:
    """The interpretation parts (:data:`INTERPRETATION_PART_RE`) of the dictated findings that ``items`` do not already
    say, as impression lines ("Findings in keeping with posterior reversible encephalopathy syndrome."): a diagnosis stays in
    the impression even when the statement it closes is a negative ("Without restricted diffusion, in keeping with
    PRES.") or was not counted as abnormal."""
    said = " ".join(items).lower()
    out: list[str] = []
    for f in findings:
        m = None if f.is_default else INTERPRETATION_PART_RE.search(f.text)
        if m is None or m.group(1).lower() in said:
            continue
        clause = m.group(1).strip()
        out.append(f"Findings {clause[0].lower()}{clause[1:]}.")
        said += " " + clause.lower()
    return out


#: A sentence that counts what the one before it named, without naming it ("2 enhancing, active.",
#: "None restrict."): with ``dictation.conclusions`` it is about the finding before it.
ELLIPSIS_RE = re.compile(r"^(?:\d+|one|two|three|four|five|several|some|a few|few|multiple|many|most|none|all|both)"
                         r"(?: of (?:them|these|the lesions))?\s+[a-z]", re.I)

#: A sentence that only speaks of the finding dictated before it: a denial of more of the same ("No other AVMs.", "No
#: additional nodules.") or whether a component of it is there ("Saddle component absent.", "Cystic portion present.",
#: "No central component." as a reader writes the absent one):
#: when the sorter gives it no region of its own it follows that finding's region (see ``DictationDrafter._follows``).
POINTS_BACK_RE = re.compile(
    r"^(?:no (?:other|additional|further|second|separate)\s+\S"
    r"|no\s+(?:[a-z-]+\s+){1,2}(?:component|portion|element|extension|involvement)\b"  # "Central component absent." as a reader denies it
    r"|(?:[a-z-]+\s+){1,2}(?:component|portion|element|extension|involvement)\s+(?:is\s+|are\s+)?"
    r"(?:absent|present|not (?:seen|identified|present)|seen|noted|identified)\.?$)", re.I)

@lru_cache(maxsize=32)
def _feature_denial_re(words: tuple[str, ...]) -> re.Pattern[str]:
    """"No <feature>." for the given feature nouns (one optional word before the noun)."""
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(r"^(?:no|without)\s+(?:[a-z-]+\s+)?(?:" + alts + r")\.?$", re.I)


#: An interpretation this short is an appositive of the finding before it ("Consistent with subacute hematoma.").
_SHORT_CONCLUSION = 5

@dataclass(frozen=True)
class Statement:
    """One dictated sentence and where it belongs."""

    text: str
    kind: StatementKind = "finding"


@lru_cache(maxsize=64)
def _kind_re(lexicon: Lexicon, kind: str, but: str = "") -> re.Pattern[str] | None:
    """The terms of the lexicon's concepts of ``kind`` (all but the concept ``but``)."""
    alts = []
    for _, term, is_pattern in iter_terms(tuple(c for c in lexicon.of_kind(kind) if c.id != but)):
        alts.append(term if is_pattern else r"\s+".join(re.escape(w) for w in term.lower().split()))
    return re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")", re.I) if alts else None


def triage(sentences: Iterable[str], lexicon: Lexicon, *, extractor: Extractor | None = None,
           finding_terms: Sequence[str] = (), placeable: Callable[[str], bool] | None = None) -> list[Statement]:
    """Each sentence with its kind (see the module docstring). A sentence with a finding word is
    a finding even when it also names the clinical context ("65M with R effusion"); ``placeable`` (the
    template sorter has a rule for a text: "R mastectomy + SLNB" is the procedure's) splits the demographics
    from a comma part that a region holds though it names no finding ("R mastectomy + SLNB, 47F.")."""
    ex = extractor or Extractor(lexicon)
    context, recommend = _kind_re(lexicon, "context"), _kind_re(lexicon, "recommendation")
    # a presenting reason counts only where it opens the dictation (below), not anywhere in a sentence:
    # "Likely POAG OS > OD." late in the dictation is a conclusion
    context_anywhere = _kind_re(lexicon, "context", "presenting_reason")
    question = _question_re(lexicon)
    terms = tuple(finding_terms)

    def has_finding(s: str) -> bool:
        return mentions_finding(s, extra_terms=terms) or ex.mentions(s)

    reason = _concept_re(lexicon, "presenting_reason")
    demographics = _concept_re(lexicon, "demographics")
    sentences = _demographics_apart(sentences, context, has_finding, placeable)
    out: list[Statement] = []
    for i, s in enumerate(sentences):
        # the opening lines: only indications (or a bare study line with no finding, "OCTA 6x6 OS.") so far
        opening = i < len(sentences) - 1 and all(o.kind == "indication" or _bare_study_line(o, has_finding) for o in out)
        ctx = context if opening else context_anywhere  # a presenting reason counts in the opening lines only
        if opening and reason is not None and reason.match(s) and not (recommend and recommend.match(s)):
            out.append(Statement(s, "indication"))  # "Glaucoma suspect. CDR 0.7 OD ...": why the patient came
        elif ctx is not None and ctx.match(s) and not has_finding(_context_out(ctx, s)) and not (
                recommend and recommend.match(s)):
            out.append(Statement(s, "indication"))  # "58F, T2DM, annual screen.": who and why, not a plan
        elif history_opening(s, demographics):
            out.append(Statement(s, "indication"))  # "72F post CABG.", "81M known CHF.": who, and their history
        elif recommend is not None and not PAST_TREATMENT.match(s) and (
                recommend.match(s) or _TRAILING_RECOMMENDATION.search(s) or FIRST_PERSON_PLAN.match(s) or (
                recommend.search(s) and len(s.split()) <= _SHORT_RECOMMENDATION and not has_finding(s))):
            out.append(Statement(s, "recommendation"))  # a finding with a recommendation in it stays a finding
        elif context is not None and (_opens_with_question(question, s) or (
                ctx is not None and ctx.search(s) and not has_finding(_context_out(ctx, s)))):
            out.append(Statement(s, "indication"))  # "Eval for mets." is the question even with a finding word
        elif (len(s.split()) <= _SHORT and not has_finding(s) and ex.is_qualifier(s) and not ex.names_anatomy(s)
              and ex.qualifier_concepts(s) - _STATEMENT_QUALIFIERS):
            out.append(Statement(s, "not_placed"))
        else:
            out.append(Statement(s, "finding"))
    # plans, history and referral context, and demographics with the question, wherever dictated (kit/context.py)
    return route_context(out, demographics=demographics, context=context, has_finding=has_finding)


def _context_out(context: re.Pattern[str], sentence: str) -> str:
    """``sentence`` without its clinical-context words (demographics, presenting symptoms, history): what is
    left is what may name a finding ("61F reduced vision." leaves nothing: "reduced" is the symptom's, not a
    finding's)."""
    return context.sub(" ", sentence)


#: the most words of a study line that opens a dictation ("OCTA 6x6 in the left eye.", "OCT angiography.")
_STUDY_LINE_WORDS = 6


def _bare_study_line(statement: Statement, has_finding: Callable[[str], bool]) -> bool:
    """A short statement with no finding word ("OCTA 6x6 in the left eye.", "OCT angiography."): it names the
    study, and the presenting reason after it still opens the dictation."""
    return (statement.kind in ("finding", "recommendation") and len(statement.text.split()) <= _STUDY_LINE_WORDS
            and not has_finding(statement.text))


#: The age and sex as a sentence says them ("65M", "71 yo F", "71-year-old female").
_AGE_SEX = (r"\d{1,3}[\s-]?(?:(?:yo|y/o|year[- ]old|years? old)(?:[\s-]?(?:m|f|male|female|man|woman|boy|girl))?"
            r"|(?:m|f|male|female|man|woman|boy|girl))")
_DEMOGRAPHICS_HEAD = re.compile(rf"^(?P<head>{_AGE_SEX}\b)(?:,\s*|\s+(?:with|w/)\s+)(?P<rest>.+)$", re.I)


def _demographics_apart(sentences: Iterable[str], context, has_finding,
                        placeable: Callable[[str], bool] | None = None) -> list[str]:
    """"65M with R effusion." -> "65M." (the indication) and "R effusion." (a finding): a sentence that
    opens with the patient's age and sex, then a finding; with ``placeable`` also then what a region holds
    though it names no finding ("47F, R mastectomy + SLNB.": the procedure), unless it reads as their history,
    and the age and sex said after it ("R mastectomy + SLNB, 47F." -> "R mastectomy + SLNB." and "47F.")."""
    def holds(rest: str) -> bool:
        return has_finding(rest) or (placeable is not None and placeable(rest)
                                     and _HISTORY_MARKER.match(rest) is None and not history_after_demographics(rest))

    out: list[str] = []
    for s in sentences:
        m = _DEMOGRAPHICS_HEAD.match(s) if context is not None else None
        t = _DEMOGRAPHICS_TAIL.match(s) if context is not None and placeable is not None and m is None else None
        if m and context.match(m.group("head")) and holds(m.group("rest")) and not (
                history_first(m.group("rest")) and not _MEASURED.search(m.group("rest"))):
            # "36F, 2nd L ptx." is who and their history, not a finding ("65M, R effusion." is split)
            rest = m.group("rest")
            out += [m.group("head") + ".", rest[:1].upper() + rest[1:]]
        elif t and context.match(t.group("head")) and _DEMOGRAPHICS_HEAD.match(t.group("lead")) is None \
                and holds(t.group("lead")):
            # what follows them is read as after any demographics ("ILC classic, 80F, R WLE.": the procedure too)
            out += [t.group("lead").rstrip(" ,;") + "."] + _demographics_apart(
                [(t.group("head") + (t.group("after") or "")).rstrip(". ") + "."], context, has_finding, placeable)
        else:
            out.append(s)
    return out


#: The age and sex said after what a region holds ("R mastectomy + SLNB, 47F.", "L WLE, 71F - re-excision case."):
#: the lead, the demographics and what follows them.
_DEMOGRAPHICS_TAIL = re.compile(rf"^(?P<lead>[^,;]{{2,80}}?),\s*(?P<head>{_AGE_SEX})"
                                r"\b(?P<after>\s*(?:[,;:]|-+|\u2013|\u2014)\s*\S.*?)?\.?$", re.I)


#: What opens a patient's history after their age and sex ("72F post CABG", "81M known CHF", "70M hx COPD").
_HISTORY_MARKER = re.compile(r"(?:with |w/ )?(?:a )?(?:(?:known|hx|h/o|pmhx?|history|status post|s/p|post|prior|previous|"
                             r"former|remote|on)\b(?: of\b)?|(?:ex|former|current)[- ]?smoker\b)", re.I)
#: The most words of a history after its marker that still read as history, not a report of findings.
_HISTORY_WORDS = 6


def history_opening(sentence: str, demographics: re.Pattern[str] | None) -> bool:
    """Whether ``sentence`` is the patient's age and sex then their history: "72F post CABG.", "81M known CHF.",
    "45M hx MS.", "82M on warfarin." (the indication, even when the history names a disease a finding word
    matches); a long or measured rest ("70M hx COPD, now 3 cm RUL mass") is not."""
    m = demographics.match(sentence.strip()) if demographics is not None else None
    if m is None:
        return False
    rest = sentence.strip()[m.end():].lstrip(" ,;:")
    marker = _HISTORY_MARKER.match(rest)
    tail = rest[marker.end():].strip(" .") if marker else ""
    return bool(marker and tail) and len(tail.split()) <= _HISTORY_WORDS and not _MEASURED.search(tail) \
        and not re.search(r"\b(?:now|new|today|currently)\b", tail, re.I)


def _question_re(lexicon: Lexicon) -> re.Pattern[str] | None:
    """The lexicon's ``clinical_question`` context concept (the base lexicon's, with a specialty's additions)."""
    return _concept_re(lexicon, "clinical_question")


@lru_cache(maxsize=64)
def _concept_re(lexicon: Lexicon, concept_id: str) -> re.Pattern[str] | None:
    """The terms of the lexicon's ``context`` concept ``concept_id``, or None when it has none."""
    concepts = [c for c in lexicon.of_kind("context") if c.id == concept_id]
    alts = [term if is_pattern else r"\s+".join(re.escape(w) for w in term.lower().split())
            for _, term, is_pattern in iter_terms(concepts)]
    return re.compile(r"(?:" + "|".join(alts) + r")", re.I) if alts else None


def _opens_with_question(question: re.Pattern[str] | None, s: str) -> bool:
    """A sentence that opens with the clinical question ("Eval for PE.", "Hx of breast cancer."), even
    with a finding word in it; not one that opens with a hedge ("Query effusion." is a hedged finding).
    Demographics do not count: "65M with R effusion" is a finding."""
    m = question.match(s) if question is not None else None
    return m is not None and not re.match(r"(?:query|\?)", m.group(0), re.I)


#: A sentence that ends by recommending what it names ("Chest tube recommended.", "MRI is advised.").
_TRAILING_RECOMMENDATION = re.compile(r"\b(?:is |are |was |would be |may be )?(?:strongly )?(?:recommended|advised|suggested)\W*$", re.I)
#: A sentence in which the clinician says what they will do or have arranged ("I will refer him to the
#: medical retina clinic for OCT.", "I have booked an excision.", "We'll see her in 4 weeks."): a plan,
#: whatever finding words it names; "I can see ..." and "I have reviewed ..." are not plans.
FIRST_PERSON_PLAN = re.compile(
    r"^(?:(?:so|then|therefore|and)\s+)?(?:i|we)(?:'ll|'ve|\s+will|\s+have|\s+would|\s+shall|\s+plan\s+to|\s+am\s+going\s+to"
    r"|\s+are\s+going\s+to|\s+intend\s+to|\s+need\s+to)?(?:\s+(?:also|therefore|now|then|today|accordingly|urgently))?"
    r"\s+(?:(?:like|want|need)\s+to\s+)?(?:refer|arrang|book|request|list|see\b|start|commenc|treat|fill(?:ed)?\s+in|repeat|"
    r"organi[sz]|schedul|send\b|sent\b|ask|advis|recommend|suggest|prescrib|excis|biops|perform|follow|bring|give\b|gave\b|"
    r"offer|plan|add\b|added\b|switch|stop|continu|proceed|inject|laser|review\s+(?:her|him|them|the\s+patient|in)\b)",
    re.I)
#: A treatment already given ("Previous full PRP in both eyes.", "S/p excision 2019."): a finding, not a plan.
PAST_TREATMENT = re.compile(r"^(?:previous(?:ly)?|prior|post|s/p|status\s+post|history\s+of|h/o|had|has\s+had|completed|"
                            r"(?:already|previously)\s+(?:treated|had|received))\b", re.I)
#: Only a statement this short can be nothing but qualifiers ("Mild.", "Suspicious, old.").
_SHORT = 6
#: A recommendation that does not open its sentence is one only in a short sentence without a
#: finding ("A dedicated CT is recommended."); a long one describes something and stays a finding.
_SHORT_RECOMMENDATION = 10
#: Qualifiers that make a statement on their own: "Stable." compares the study with the last one.
_STATEMENT_QUALIFIERS = frozenset({"temporality"})


class KitDrafter(DictationDraftBase):
    """The offline drafter of any specialty whose language is a kit lexicon.

    :param sorter: the template's region sorter (``classify()`` and ``sort()``).
    :param lexicon: the template's lexicon (:func:`~pixtralogist.kit.lexicon.load_lexicon`).
    :param plugin: the plugin name recorded in provenance.
    :param plugin_version: the plugin's version, recorded in every provenance.
    :param extra_terms: finding words for the sentence analyser (default: the lexicon's
        ``dictation.vocabulary`` and ``dictation.finding_terms``, :attr:`Lexicon.finding_terms`).
    :param fallback_region: where a sentence goes when the sorter names no region of the template.
    :param hedge_re: hedge words that let an impression item keep its own words.
    """

    #: Templates whose regions are attributes of one subject (a lesion's size, a tumour's laterality)
    #: set this: a bare value the sorter places in a region is a finding there (see :meth:`placed`).
    place_bare_values: bool = False

    def __init__(
        self,
        sorter: RegionSorter,
        lexicon: Lexicon,
        *,
        plugin: str,
        plugin_version: str,
        extra_terms: Iterable[str] | None = None,
        fallback_region: str | None = None,
        hedge_re: re.Pattern[str] = HEDGE_RE,
    ) -> None:
        terms = lexicon.finding_terms if extra_terms is None else tuple(extra_terms)
        super().__init__(plugin=plugin, plugin_version=plugin_version, extra_terms=terms)
        self.sorter = require_sorter(sorter, type(self).__name__)
        self.lexicon = lexicon
        self.extractor = Extractor(lexicon)
        self.fallback_region = fallback_region
        self.hedge_re = hedge_re
        # the impression's order (:meth:`conclude`, :meth:`_significant`): the lexicon's patterns, compiled once
        self._incidental_re = _dictation_pattern(lexicon, "incidental")
        self._significant_re = _dictation_pattern(lexicon, "significant")
        self._local = threading.local()

    # -- reading ------------------------------------------------------------------
    def read(self, case: Case) -> list[Statement]:
        pending = getattr(self._local, "statements", None)
        if pending is not None and pending[0] is case:
            return pending[1]
        return self.statements(case)

    def statements(self, case: Case) -> list[Statement]:
        """The dictation of ``case`` read and triaged (a specialty with its own reader overrides this;
        :meth:`read` calls it once per draft)."""
        try:
            sentences = parse_dictation(case.notes, lexicon=self.lexicon)
        except Exception as exc:  # pragma: no cover - parse_dictation accepts any text
            raise DraftingError(f"could not read the dictation: {exc}") from exc
        return self.placed(triage(sentences, self.lexicon, extractor=self.extractor, finding_terms=self.extra_terms,
                                  placeable=self.placeable))

    def placeable(self, text: str) -> bool:
        """Whether a region of the template holds ``text`` though it names no finding (a synoptic element such as
        the procedure: "R mastectomy + SLNB"), so the age and sex said beside it are split from it. Off here: a
        sorter with a rule for every word (radiology's, dermatology's) would split symptoms off ("45M, chest
        pain"); a specialty whose sorter rules are its elements turns it on."""
        return False

    @property
    def conclusions(self) -> bool:
        """The lexicon's ``dictation.conclusions``: interpretations follow their finding (see :data:`CONCLUSION_RE`)."""
        return bool(self.lexicon.dictation.get("conclusions"))

    def _summary_re(self) -> re.Pattern[str] | None:
        pattern = self.lexicon.dictation.get("summary")
        return re.compile(str(pattern), re.I) if pattern else None

    def placed(self, statements: Sequence[Statement]) -> list[Statement]:
        """With :attr:`place_bare_values`, a bare value the sorter has a rule for ("Irregular." for a
        lesion's border, "Multifocal." for a tumour's extent) is a finding, not
        ``not_placed``; one it places only by default ("Mild.") stays not placed. With
        :attr:`conclusions`, an interpretation of two words or more ("Likely infectious bronchiolitis.")
        or, after a finding, a count of what it named ("3 enhancing, likely active.") is a finding; a sentence the lexicon's ``dictation.summary`` pattern matches ("No acute
        intracranial abnormality.") is a ``summary``: a finding that is also an impression line."""
        summary = self._summary_re()
        out: list[Statement] = []
        for s in statements:
            after_finding = bool(out) and out[-1].kind == "finding"
            if s.kind == "not_placed" and (
                    (self.place_bare_values and self._has_rule_for(s.text))
                    or (self.conclusions and CONCLUSION_RE.match(s.text) and len(s.text.split()) >= 2)
                    or (self.conclusions and after_finding and ELLIPSIS_RE.match(s.text))):
                s = replace(s, kind="finding")
            if s.kind == "finding" and summary is not None and summary.match(s.text):
                s = replace(s, kind="summary")
            out.append(s)
        return out

    def finding(self, row, text: str, a, prov) -> Finding:
        """Core's finding; one that states a measure over the lexicon's ``dictation.abnormal_measures`` limit for what
        it measures ("Ascending aorta 4.6 cm": over 4.0 cm) is abnormal although it names no finding word."""
        if not a.abnormal and not a.negated and self._over_limit(text):
            a = replace(a, abnormal=True)
        return super().finding(row, text, a, prov)

    def _over_limit(self, text: str) -> bool:
        rules = _abnormal_measures(self.lexicon)
        if not rules:
            return False
        for structure, limit in rules:
            m = structure.search(text)
            if m is None:
                continue
            size = _SIZE_AFTER.match(text, m.end())
            if size is not None:
                value = float(size.group("value")) * (0.1 if size.group("unit").lower() == "mm" else 1.0)
                if value > limit:
                    return True
        return False

    def _has_rule_for(self, text: str) -> bool:
        explain = getattr(self.sorter, "explain", None)
        if callable(explain):
            return getattr(explain(text), "source", "default") != "default"
        catch_all = getattr(self.sorter, "catch_all", None) or "others"
        return bool(set(self.sorter.classify(text)) - {catch_all})

    def rows(self, statements, template):
        """Finding statements -> rows; a statement whose tail only qualifies its head ("R hilar mass
        ~4 cm, suspicious for malignancy"; with :attr:`conclusions` also an interpretation: "calvarial
        lesion, lytic, possible metastasis versus hemangioma") goes whole to the head's region."""
        findings = [s.text for s in statements if s.kind in ("finding", "summary")]
        sorter = self.region_sorter(template)
        names = set(template.region_names)
        catch_all = getattr(sorter, "catch_all", None) or "others"
        out: list[Row] = []
        for text in findings:
            before = out[-1].region if out else None
            if (self.conclusions and before and before != catch_all and not self.extractor.names_anatomy(text)
                    and self._follows(text, before, sorter, names - {catch_all})):
                out.append(Row(before, text, text))  # "C/w subacute hematoma." interprets the finding before it
                continue
            lead, comma, last = text.rstrip(".").rpartition(", ")
            first, with_, clause = lead.partition(" with ") if comma and "," not in lead else ("", "", "")
            last_regions = set(sorter.classify(clause)) & names - {catch_all} if with_ else set()
            first_regions = set(sorter.classify(first)) & names - {catch_all} if with_ else set()
            if (self.conclusions and CONCLUSION_RE.match(last) and len(last_regions) == 1 and len(first_regions) == 1
                    and first_regions != last_regions):
                # "Large R PTX with mediastinal shift to the L, possible tension": the hedge is the "with"
                # clause's (another region's), not the first finding's; it follows that clause as its own statement
                conclusion = f"{last[:1].upper()}{last[1:]}."
                out.extend(super().rows([f"{lead}."], template))
                out.append(Row(next(iter(last_regions)), conclusion, conclusion))
                continue
            head, _, tail = text.partition(", ")
            parts = tail.split(", ") if tail else []
            if parts and all(len(p.split()) <= _SHORT and (self.extractor.is_qualifier(p) or (
                    self.conclusions and CONCLUSION_RE.match(p))) for p in parts):
                regs = set(sorter.classify(head)) & names
                # a head the sorter only gives the catch-all ("Filling defect") takes the region its
                # tail names ("..., consistent with venous sinus thrombosis"): see the whole sentence
                if len(regs) == 1 and (regs != {catch_all} or not set(sorter.classify(text)) & names - regs):
                    out.append(Row(next(iter(regs)), text, text))
                    continue
            out.extend(super().rows([text], template))
        return out

    #: Whether a statement no sorter rule placed and that is no fragment asks the MiniLM prototype embedder
    #: (:func:`~pixtralogist.kit.placement.settle_rows`); rules-only when the model is not installed.
    embed_unknown: bool = False
    #: The embedder's (threshold, margin) when :attr:`embed_unknown` is set (see :func:`~pixtralogist.kit.embedder.decide`).
    embed_cut: tuple[float, float] = (0.40, 0.03)

    def settled(self, rows: list[Row], template: Template) -> list[Row]:
        """A fragment no rule placed ("6th displaced.") joins the statement before it; with :attr:`embed_unknown`,
        another unplaced statement goes to the region of its nearest lexicon prototype (:mod:`~pixtralogist.kit.placement`)."""
        sorter = self.region_sorter(template)
        catch_all = getattr(sorter, "catch_all", None) or "others"
        explain = getattr(sorter, "explain", None)
        if not callable(explain):
            return rows

        demographics = _concept_re(self.lexicon, "demographics")

        def unplaced(text: str, region: str) -> bool:
            # no rule fired: the catch-all by default, or a guess of the sorter's own embedder (the CXR sorter's);
            # the patient ("72F.") is never more of the statement before it (the indication's, kit/context.py)
            if demographics is not None and demographics.match(text.strip()):
                return False
            source = getattr(explain(text), "source", None)
            return source == "embedder" or (source == "default" and region == catch_all)

        def names_finding(text: str) -> bool:
            return mentions_finding(text, extra_terms=self.extra_terms) or self.extractor.mentions(text)

        embedder = self._embedder(template, catch_all) if self.embed_unknown else None

        def embed(text: str) -> str | None:
            got = embedder.classify(text) if embedder is not None else None
            return next(iter(got[0])) if got is not None else None

        return settle_rows(rows, catch_all=catch_all, unplaced=unplaced, names_finding=names_finding,
                           embed=embed if embedder is not None else None, qualifies=self.extractor.is_qualifier)

    def _rule_region(self, template: Template, catch_all: str) -> Callable[[str], str | None]:
        """text -> the one region the sorter's rules give it (the catch-all only by a rule of its own), or None."""
        explain = getattr(self.region_sorter(template), "explain", None)

        def place(text: str) -> str | None:
            got = explain(text) if callable(explain) else None
            regions = set(getattr(got, "regions", ()) or ())
            source = getattr(got, "source", "default")
            if len(regions) != 1 or source in ("default", "embedder", "weak", "weak-rules", "device"):
                return None
            return next(iter(regions))

        return place

    def _embedder(self, template: Template, catch_all: str):
        cache = self.__dict__.setdefault("_embedders", {})
        if template.id not in cache:
            from pixtralogist.kit.embedder import PrototypeEmbedder

            protos = concept_prototypes(self.lexicon, template.region_names, self._rule_region(template, catch_all))
            cache[template.id] = PrototypeEmbedder(protos, catch_all=catch_all, threshold=self.embed_cut[0],
                                                margin=self.embed_cut[1]) if protos else None
        return cache[template.id]

    def _follows(self, text: str, before: str, sorter, regions: set[str]) -> bool:
        """Whether ``text`` is about the finding before it (in region ``before``): an interpretation
        ("Likely infectious.") or a count of it that names nothing of its own ("3 enhancing.",
        "Some of which are calcified.") that the sorter gives no region; a short interpretation
        ("C/w subacute hematoma.") also when the sorter's region is not the one before (its finding
        word alone would place it elsewhere); never a hedged finding ("Probable mild edema.")."""
        own = set(sorter.classify(text)) & regions
        explain = getattr(sorter, "explain", None)
        if own and callable(explain) and getattr(explain(text), "source", None) == "finding" and self._denies_a_feature(text):
            return True  # "No nodularity.": a feature the finding before it lacks, though its noun has a usual home
        if not own:
            return bool(CONCLUSION_RE.match(text) or POINTS_BACK_RE.match(text) or self._denies_a_feature(text)) or (
                bool(ELLIPSIS_RE.match(text)) and not self._has_rule_for(text) and not self.extractor.mentions(text))
        return (bool(_INTERPRETS.match(text)) and before not in own and len(text.split()) <= _SHORT_CONCLUSION
                and self._interprets_as_diagnosis(text))

    def _denies_a_feature(self, text: str) -> bool:
        """A denial of one feature of a finding and nothing else ("No calcification.", "No fat.", "No internal
        septations."): one of the lexicon's ``dictation.descriptor_nouns`` with at most one word before it; split
        off the finding it describes ("pleural thickening, smooth, no calcification"), it follows that finding."""
        words = tuple(str(w) for w in self.lexicon.dictation.get("descriptor_nouns") or ())
        if not words:
            return False
        rx = _feature_denial_re(words)
        return rx.match(text.strip()) is not None

    def _interprets_as_diagnosis(self, text: str) -> bool:
        """Whether an interpretation names what a finding may be (the lexicon's ``dictation.diagnoses``: "C/w
        subacute hematoma."), not a finding of its own region ("Suspicious for pleural thickening."); with no
        such list, any interpretation may."""
        words = [str(w) for w in self.lexicon.dictation.get("diagnoses") or ()]
        return not words or re.search(r"\b(?:" + "|".join(map(re.escape, words)) + r")(?:e?s)?\b", text, re.I) is not None

    # -- concluding ------------------------------------------------------------------
    def conclude(
        self, statements: Sequence[Statement], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """The abnormal findings in region order (hedges kept; with :attr:`conclusions`, the dictated
        interpretations too; those the lexicon's ``dictation.significant`` names first, its ``dictation.incidental``
        ones left out when another is left, see :meth:`_significant`), capped, then the summary lines ("No acute intracranial abnormality."),
        then the recommendations; the coverage flags."""
        include = (lambda f: f.abnormal or bool(CONCLUSION_RE.match(f.text) or INTERPRETATION_PART_RE.search(f.text))
                   ) if self.conclusions else None
        major = self._significant_re
        items = impression_from_findings(self._significant(findings, include), template, hedge_re=self.hedge_re,
                                         include=include,
                                         first=(lambda f: bool(major.search(f.text))) if major is not None else None)
        if self.conclusions:
            items = items + interpretations_left(findings, items)
        recs = [s.text for s in statements if s.kind == "recommendation"]
        summaries = [s.text for s in statements if s.kind == "summary"]
        impression, truncated = cap_impression(items, template) if items or not summaries else ([], 0)
        impression = impression + [t for t in summaries if t.lower() not in {i.lower() for i in impression}] + recs
        dictated = any(s.kind == "finding" for s in statements) or bool(statements)
        return impression, coverage_flags(template, dictated=dictated, defaults=defaults, truncated=truncated)

    def laid_out(self, case: Case) -> tuple[Case, list[str]]:
        """``case`` with its dictation's generic forms written plainly (:func:`~pixtralogist.kit.layout.lay_out`:
        SOAP labels, section headings, inline numbered lists, part labels, eye and region headers over bullet
        lines, spelled-out units, voice-recognition splits of the lexicon's words, a plan after a spaced dash,
        first-person plans, letter courtesies), for every specialty's reader; and the narrative demographic
        openings taken out of it (:func:`~pixtralogist.kit.layout.demographics_apart`), which are the indication's.
        A line "names a finding" when the analyser or the lexicon finds one in it or it carries a measurement."""
        notes = case.notes or ""

        def is_finding(s: str) -> bool:
            return bool(_MEASURED.search(s) or mentions_finding(s, extra_terms=self.extra_terms) or self.extractor.mentions(s))

        laid = lay_out(notes, words=layout_words(self.lexicon), is_finding=is_finding)
        heads, plain = demographics_apart(laid, is_finding=lambda s: is_finding(s) or self.placeable(s))
        return (case if plain == notes else case.model_copy(update={"notes": plain})), heads

    def _significant(self, findings: list[Finding], include: Callable[[Finding], bool] | None) -> list[Finding]:
        """``findings`` less the incidental ones (the lexicon's ``dictation.incidental`` pattern: "old healed rib
        fracture", "degenerative change", "calcified granuloma", "..., incidental"; never one that also matches
        ``dictation.significant``: "new", "suspicious") when another impression finding is left: the impression
        leads with what matters and an incidental finding stays in its region only. With only incidental findings,
        all stay (the impression never reads normal over a dictated finding)."""
        minor, major = self._incidental_re, self._significant_re
        if minor is None:
            return findings
        counts = include or (lambda f: f.abnormal)

        def incidental(f: Finding) -> bool:
            return bool(minor.search(f.text)) and not (major is not None and major.search(f.text))

        kept = [f for f in findings if not incidental(f)]
        if any(counts(f) and not f.is_default and not f.negated for f in kept):
            return kept
        return findings

    def draft(self, case: Case, template: Template) -> Draft:
        dictated = case.notes or ""  # as dictated: the layout takes the demographics out of it
        case, heads = self.laid_out(case)
        statements = self.read(case)
        self._local.statements = (case, statements)  # read once: the base class's draft() reuses them
        try:
            draft = super().draft(case, template)
        finally:
            self._local.statements = None
        indication = " ".join([f"{h[:1].upper()}{h[1:]}." for h in heads]
                              + [_unlabelled(_as_dictated(s.text, case.notes or "")) for s in statements
                                 if s.kind == "indication"]) or None
        not_placed = [s.text for s in statements if s.kind == "not_placed"]
        if indication is not None or not_placed:
            draft = draft.model_copy(update={"indication": indication, "not_placed": not_placed})
        return self.settled_draft(draft, dictated, template)

    def settled_draft(self, draft: Draft, notes: str, template: Template | None = None) -> Draft:
        """``draft`` with the plans, contexts and dictated conclusions a reader left in the wrong place moved
        (:func:`~pixtralogist.kit.context.settle_draft`)."""
        def expand(text: str) -> str:
            return " ".join(parse_dictation(text, lexicon=self.lexicon)) or text

        def has_finding(text: str) -> bool:
            return mentions_finding(text, extra_terms=self.extra_terms) or self.extractor.mentions(text)

        return settle_draft(draft, notes, demographics=_concept_re(self.lexicon, "demographics"),
                            context=_kind_re(self.lexicon, "context"), has_finding=has_finding, expand=expand,
                            context_alone=_kind_re(self.lexicon, "context", "presenting_reason"),
                            normal=template.impression.normal if template is not None else None,
                            recommend=_kind_re(self.lexicon, "recommendation"),
                            catch_all=(getattr(self.region_sorter(template), "catch_all", None) or "others")
                            if template is not None else None,
                            plan_heads=plan_heads_re(self.lexicon.dictation.get("plan_heads") or ()))


#: a measured thing is a finding in every specialty ("... with a rapidly growing lump, 1.5 cm")
_MEASURED = re.compile(r"\d(?:\.\d+)?\s?(?:mm|cm)\b", re.I)


#: The first measure after a measured structure's name, within a few words ("ascending aorta 4.6 cm", "main PA
#: measures 3.4 cm", "aortic root up to 45 mm").
_SIZE_AFTER = re.compile(r"[^.;\d]{0,30}?(?P<value>\d{1,3}(?:\.\d+)?)\s?(?P<unit>cm|mm)\b", re.I)


@lru_cache(maxsize=64)
def _abnormal_measures(lexicon: Lexicon) -> tuple[tuple[re.Pattern[str], float], ...]:
    """The lexicon's ``dictation.abnormal_measures`` (``[{pattern, above_cm}]``) compiled: what a structure measures
    over ``above_cm`` is abnormal."""
    out = []
    for item in lexicon.dictation.get("abnormal_measures") or ():
        out.append((re.compile(str(item["pattern"]), re.I), float(item["above_cm"])))
    return tuple(out)


@lru_cache(maxsize=64)
def _dictation_pattern(lexicon: Lexicon, key: str) -> re.Pattern[str] | None:
    """The lexicon's ``dictation.<key>`` pattern compiled (case-insensitive), or None when it has none."""
    pattern = lexicon.dictation.get(key)
    return re.compile(str(pattern), re.I) if pattern else None


def layout_words(lexicon: Lexicon) -> frozenset[str]:
    """The lexicon's long words (its terms, abbreviation expansions and finding words): a word voice
    recognition split in two ("derma scopy") is joined only into one of these."""
    texts = [term for _, term, is_pattern in iter_terms(lexicon.concepts) if not is_pattern]
    texts += [str(v) for v in lexicon.abbreviations.values()] + list(lexicon.finding_terms)
    return frozenset(w for t in texts for w in re.findall(r"[a-z]+", t.lower()) if len(w) >= 6)


#: the label of a dictated history section: the draft's indication field is that section already
_INDICATION_LABEL = re.compile(r"^(?:clinical(?:\s+(?:history|information|details|indications?|question|notes?))?|history|hx|"
                               r"indications?|reason for (?:exam|study|referral))\s*:\s*(?=\S)", re.I)


def _unlabelled(sentence: str) -> str:
    """"CLINICAL HISTORY: 60M cough." -> "60M cough." (the indication field says what it is)."""
    rest = _INDICATION_LABEL.sub("", sentence)
    first = rest.split(None, 1)[0] if rest.strip() else ""
    return rest[:1].upper() + rest[1:] if first.islower() or rest != sentence else rest  # "71F, dyspnoea" -> "Dyspnoea."


def _as_dictated(sentence: str, notes: str) -> str:
    """``sentence`` in the letter case the clinician dictated ("65M SOB.", not "65m sob.")."""
    body = sentence.rstrip(".")
    m = re.search(re.escape(body), notes, re.I) if body else None
    return (m.group(0) + sentence[len(body):]) if m else sentence
