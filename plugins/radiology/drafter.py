"""The offline drafter of the radiology templates: the kit's dictation drafter with radiology's lexicons.

``DictationDrafter(sorter, plugin_version=..., template="cxr").draft(case, template)``: the
dictation is read with the template's lexicon (``data/lexicon/<template>.yaml``), demographics
and the clinical question go to the indication, recommendations to the impression, and the
findings are sorted into the template's regions (:class:`pixtralogist.kit.KitDrafter`).

A dictation with its own impression section ("... Impression: RLL pneumonia. F/u CXR 6 wks.")
keeps it: what follows the label ("Impression:", "IMP:", "Conclusion:", "Assessment:") is the
draft's impression, as dictated (shorthand written out, recommendations after it). Each impression
line is also a finding of its region unless the findings already say it in the same words, so a
region never keeps a template default ("No acute infarct.") that the impression contradicts.

A pertinent negative that answers the study's question ("No pulmonary embolism." on a CT for PE, "No
pneumothorax." after a line, "No acute infarct." on a stroke study) opens the kit's impression (after the
significant findings, which lead it) as well as staying in its region: the lexicon's ``dictation.question_negatives`` say which negated findings answer a question
and which words of the indication or dictation ask it (:func:`question_answers`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from pixtralogist.core.drafting import ENGINE, cap_impression, coverage_flags
from pixtralogist.core.models import Case, Draft, Finding, Flag, Template
from pixtralogist.core.nlp import mentions_finding
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.kit import KitDrafter, Lexicon, LexiconError, Statement, parse_dictation, triage
from pixtralogist.plugins.radiology.arrows import write_out_arrows
from pixtralogist.plugins.radiology.lexicons import lexicon_for

__all__ = ["DictationDrafter", "ENGINE", "question_answers"]

#: The label that opens a dictated impression: at the start, after a sentence end or on a new line.
#: (without a colon only "Impression" opening a sentence: "Impression CHF."; never an anatomical impression,
#: "Impression on the trachea by the aortic arch.")
_IMPRESSION_LABEL = re.compile(r"(?:^|(?<=[.;!?\n])|(?<=\n)\s*)\s*(?:(?:impressions?|imp|conclusions?|assessment)\s*:\s*|"
                               r"impression\s+(?!(?:of|on|upon|onto|by|from|into|is|was|are|were|and|or|with|limited)\b)"
                               r"(?=[\w?]))",
                               re.I)


@lru_cache(maxsize=16)
def _question_rules(lexicon: Lexicon) -> tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]:
    """The lexicon's ``dictation.question_negatives`` compiled: (what the negated finding names, what asks it)."""
    rules = []
    for raw in lexicon.dictation.get("question_negatives") or ():
        if not isinstance(raw, Mapping) or not raw.get("finding"):
            raise LexiconError(f"{lexicon.name}: dictation.question_negatives needs a 'finding' pattern per rule: {raw!r}")
        asked = raw.get("asked_by")
        rules.append((re.compile(str(raw["finding"]), re.I), re.compile(str(asked), re.I) if asked else None))
    return tuple(rules)


def question_answers(findings: Sequence[Finding], context: str, lexicon: Lexicon) -> list[str]:
    """The dictated negated findings that answer the study's question, as impression lines: a rule of the
    lexicon's ``dictation.question_negatives`` names the finding and either needs no asking (dictating "no PE"
    is the question) or finds its ``asked_by`` words in ``context`` (the indication and the dictation)."""
    rules = _question_rules(lexicon)
    out: list[str] = []
    for f in findings:
        if not f.negated or f.is_default:
            continue
        answering = [rx for rx, asked in rules if rx.search(f.text) and (asked is None or asked.search(context))]
        if answering:
            line = _answer_line(f.text, answering)
            if line.lower() not in {o.lower() for o in out}:
                out.append(line)
    return out


_DENIED_LIST = re.compile(r"^(?:there (?:is|are) )?(?P<neg>no|negative for|without)(?: (?:evidence|signs?) of)?\s+(?P<rest>.+)$", re.I)
_SEEN_TAIL = re.compile(r"\s+(?:is |are )?(?:identified|seen|noted|present|evident|demonstrated|visuali[sz]ed|appreciated)\b.*$",
                        re.I)
_LIST_SPLIT = re.compile(r",\s*(?:(?:or|and|nor)\s+)?|\s+(?:or|nor|and)\s+", re.I)


def _answer_line(text: str, answering: Sequence[re.Pattern[str]]) -> str:
    """The impression line of a negative that answers the question: the sentence as dictated, or, for a denied list
    of which only some items answer it ("No focal consolidation, effusion or pneumothorax."), those items ("No
    pneumothorax.")."""
    body = text.strip().rstrip(".")
    line = body[:1].upper() + body[1:] + "."
    m = _DENIED_LIST.match(body)
    if m is None:
        return line
    items = [i.strip() for i in _LIST_SPLIT.split(_SEEN_TAIL.sub("", m.group("rest"))) if i.strip()]
    keep = [i for i in items if any(rx.search(i) for rx in answering)]
    if len(items) < 2 or not keep or len(keep) == len(items):
        return line
    neg = {"no": "No", "without": "No"}.get(m.group("neg").lower(), "Negative for")
    return f"{neg} {' or '.join(keep)}."


#: An impression line that denies ("No acute intracranial abnormality."): never a significant finding.
_DENIAL = re.compile(r"^(?:no|negative|without|normal|unremarkable)\b", re.I)
#: A line that names the study's protocol: it says what the study asks ("Stroke protocol.", "CTPA:", "PE study").
_PROTOCOL = re.compile(r"\bprotocol\b|^(?:ct ?pa|cta(?: chest| head)?|pe study|ct pulmonary angiogra\w*)\b", re.I)

#: Words of an indication that ask about no finding of their own ("follow-up", "history", "pain", "incidental").
_NOT_ASKING = frozenset({"follow", "followup", "history", "known", "prior", "previous", "incidental", "incidentally",
                         "chest", "pain", "shortness", "breath", "evaluation", "evaluate", "assess", "assessment",
                         "screening", "surveillance", "staging", "restaging", "protocol", "study", "exam", "imaging",
                         "patient", "smoker", "former", "current", "years", "months", "weeks", "status", "check",
                         "interval", "change", "routine", "preop", "postop", "abnormal", "finding", "findings",
                         "suspected", "possible", "query", "rule", "exclude", "contrast", "without", "with", "after",
                         "acute", "chronic", "worsening", "new", "left", "right", "bilateral", "lower", "upper"})


@lru_cache(maxsize=256)
def _asked_words(indication: str) -> re.Pattern[str] | None:
    """The words of an indication that name what it asks about ("nodule follow-up" -> "nodule"), as a pattern that
    also matches their plural; None when it names nothing."""
    words = {w for w in re.findall(r"[a-z]+", indication.lower()) if len(w) >= 5 and w not in _NOT_ASKING}
    words = {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words}
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words))) + r")(?:e?s)?\b", re.I)


class DictationDrafter(KitDrafter):
    """:class:`~pixtralogist.kit.KitDrafter` with the lexicon of ``template`` (``cxr`` by default)."""

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, template: str = "cxr",
                 plugin: str = "radiology", fallback_region: str | None = None) -> None:
        super().__init__(sorter, lexicon_for(template), plugin=plugin, plugin_version=plugin_version,
                         fallback_region=fallback_region)
        self._asked = threading.local()  # the case being drafted: what its indication and dictation ask

    def draft(self, case: Case, template: Template) -> Draft:
        self._asked.indication, self._asked.heads = case.indication, []
        try:
            return super().draft(case, template)
        finally:
            self._asked.indication, self._asked.heads = None, []

    def _question(self, statements: Sequence[Statement]) -> str:
        """What the study asks: the case's indication, the dictated demographics, history and clinical question,
        and a protocol line ("Stroke protocol.", "CTPA:"); never the findings (a pacemaker seen is not one placed)."""
        said = [s.text for s in statements if s.kind == "indication" or (s.kind in ("finding", "summary")
                                                                           and _PROTOCOL.search(s.text))]
        return "\n".join([getattr(self._asked, "indication", None) or "", *getattr(self._asked, "heads", []), *said])

    def laid_out(self, case: Case) -> tuple[Case, list[str]]:
        """The kit's layout, then each conclusion arrow written out ("A -> f/u CT": a recommendation; "A -> benign":
        an interpretation of A; :func:`~pixtralogist.plugins.radiology.arrows.write_out_arrows`)."""
        case, heads = super().laid_out(case)
        self._asked.heads = list(heads)
        notes = write_out_arrows(case.notes or "", self._names_finding)
        return (case if notes == (case.notes or "") else case.model_copy(update={"notes": notes})), heads

    def _significant(self, findings: list[Finding], include) -> list[Finding]:
        """The kit's choice of impression findings, and every finding the indication asks about even when it reads
        as incidental ("nodule follow-up": "RUL nodule, stable x 2 yrs, benign" is the answer, not an aside)."""
        kept = super()._significant(findings, include)
        asked = _asked_words(getattr(self._asked, "indication", None) or "")
        if asked is None:
            return kept
        ids = {id(f) for f in kept}
        return [f for f in findings if id(f) in ids or (not f.negated and asked.search(f.text))]

    def _names_finding(self, text: str) -> bool:
        return mentions_finding(text, extra_terms=self.extra_terms) or self.extractor.mentions(text)

    def _read(self, text: str) -> list[Statement]:
        return self.placed(triage(parse_dictation(text, lexicon=self.lexicon), self.lexicon,
                                  extractor=self.extractor, finding_terms=self.extra_terms))

    def statements(self, case: Case) -> list[Statement]:
        """The kit's statements; after an impression label, the dictated impression lines (kind ``impression``)."""
        notes = case.notes or ""
        m = _IMPRESSION_LABEL.search(notes)
        if m is None or not notes[m.end():].strip():
            return super().statements(case)
        conclusion = [replace(s, kind="impression") if s.kind in ("finding", "summary", "not_placed") else s
                      for s in self._read(notes[m.end():])]
        return self._read(notes[: m.start()]) + conclusion

    def rows(self, statements, template):
        """The kit's rows; a dictated impression line the findings do not already state is a finding too."""
        said = {s.text.lower() for s in statements if s.kind in ("finding", "summary")}
        return super().rows([replace(s, kind="finding") if s.kind == "impression" and s.text.lower() not in said
                             else s for s in statements], template)

    def conclude(
        self, statements: Sequence[Statement], findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """The dictated impression, when there is one, then the recommendations; else the kit's impression."""
        dictated = list(dict.fromkeys(s.text for s in statements if s.kind == "impression"))
        if not dictated:
            impression, flags = super().conclude(statements, findings, defaults, template)
            answers = question_answers(findings, self._question(statements), self.lexicon)
            said = {i.lower() for i in impression}
            answers = [a for a in answers if a.lower() not in said]
            major = self._significant_re  # the significant findings lead; the answer to the question comes next
            lead = 0
            while (major is not None and lead < len(impression) and major.search(impression[lead])
                   and not _DENIAL.match(impression[lead])):
                lead += 1
            return impression[:lead] + answers + impression[lead:], flags
        items, truncated = cap_impression(dictated, template)
        recs = [s.text for s in statements if s.kind == "recommendation" and s.text not in items]
        return items + recs, coverage_flags(template, dictated=True, defaults=defaults, truncated=truncated)
