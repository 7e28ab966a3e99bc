"""The offline ophthalmology drafter: the kit's :class:`~pixtralogist.kit.KitDrafter` with the eye's rules.

``EyeDictationDrafter(template, plugin_version=...).draft(case, template)``:

1. :func:`~pixtralogist.plugins.ophthalmology.dictation.parse_dictation` turns ``case.notes``
   ("OD: CDR 0.3, scattered MAs, no NV") into sentences that name their eye; the kit triages
   them (recommendations to the impression, demographics and the question to the indication,
   bare qualifiers to "not placed").
2. The kit sorts the findings into the template's regions (``data/lexicon/<template>.yaml``);
   a rewritten part never claims more than the dictated sentence, and one that lost the eye
   gets the whole sentence. A finding's laterality is the eye it names, never guessed.
3. The impression: dictated ICDR grade statements first ("Mild non-proliferative diabetic
   retinopathy in the right eye": they go to no findings region), then, for each eye whose
   dictated lesions support a level the dictation did not state, that level
   (:func:`~pixtralogist.plugins.ophthalmology.grading.drafted_grades`: only for diabetic
   retinopathy, never more certain than the lesions, marked for confirmation), then the
   abnormal findings and the recommendations.
"""

from __future__ import annotations

import re
from typing import Sequence

from pixtralogist.core.drafting import Row, cap_impression, coverage_flags, impression_from_findings
from pixtralogist.core.models import Case, Finding, Flag, Provenance, Template
from pixtralogist.core.nlp import FindingAttributes
from pixtralogist.kit import KitDrafter, triage
from pixtralogist.plugins.ophthalmology import lexicon
from pixtralogist.plugins.ophthalmology.dictation import parse_dictation
from pixtralogist.plugins.ophthalmology.grading import Described, drafted_grades, is_grade_statement, stated_grades

__all__ = ["EyeDictationDrafter"]


class EyeDictationDrafter(KitDrafter):
    """Drafts every region of an ophthalmology template from ``case.notes`` (see the module docstring)."""

    def __init__(self, template: Template, *, plugin_version: str, plugin: str = "ophthalmology") -> None:
        super().__init__(lexicon.sorter_for(template.id), lexicon.lexicon_for(template.id), plugin=plugin,
                         plugin_version=plugin_version, extra_terms=lexicon.NLP_TERMS)

    def read(self, case: Case) -> list:
        pending = getattr(self._local, "statements", None)
        if pending is not None and pending[0] is case:
            return pending[1]
        statements = _Dictation(self.placed(triage(parse_dictation(case.notes), self.lexicon, extractor=self.extractor,
                                                   finding_terms=self.extra_terms)))
        statements.diabetic = any(lexicon.DIABETIC_CONTEXT_RE.search(t or "")
                                  for t in (case.indication, case.notes, case.prior_report))
        return statements

    def rows(self, statements: Sequence, template: Template) -> list[Row]:
        """The kit's rows without the grade statements (the impression's), each with its sentence's eyes."""
        kept = [s for s in statements if not (s.kind in ("finding", "summary") and is_grade_statement(s.text))]
        rows = [Row(r.region, r.text, r.sentence, lexicon.eyes_of(r.sentence)) for r in super().rows(kept, template)]
        rows = _signs_follow_lesion(_split_and_pairs(rows, template.id), template.id)
        return _descriptions_follow_finding(rows, template)

    def faithful(
        self, part: FindingAttributes, whole: FindingAttributes, text: str, sentence: str, template: Template
    ) -> tuple[FindingAttributes, str]:
        """A rewritten part may not claim more than the dictated sentence (negation, hedge, eye)."""
        if lexicon.eyes_of(sentence) and lexicon.eyes_of(text) != lexicon.eyes_of(sentence):
            return whole, sentence
        return super().faithful(part, whole, text, sentence, template)

    def finding(self, row: Row, text: str, a: FindingAttributes, prov: Provenance) -> Finding:
        """The laterality is the eye the statement (or else its sentence) names, never guessed."""
        named = lexicon.eyes_of(text) or row.context or frozenset()
        laterality = "bilateral" if len(named) == 2 else next(iter(named), None)
        return Finding(region=row.region, text=text, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                       laterality=laterality, size_mm=a.size_mm, provenance=prov)

    def conclude(
        self, statements: Sequence, findings: list[Finding], defaults: list[str], template: Template
    ) -> tuple[list[str], list[Flag]]:
        """Dictated grades, drafted grades, abnormal findings, recommendations (module docstring)."""
        stated = [s.text for s in statements if s.kind == "finding" and is_grade_statement(s.text)]
        described = [Described(f.text, lexicon.eyes_of(f.text) or _eyes(f.laterality), f.id)
                     for f in findings if not f.is_default]
        impression, truncated, said = self._grades_and_items(described, stated, findings, template,
                                                             diabetic=getattr(statements, "diabetic", False))
        # a whole-study line ("Normal fundi.": the lexicon's dictation.summary) after the findings' items; with
        # nothing abnormal dictated it is the impression (not beside the template's normal line)
        summaries = [s.text for s in statements if s.kind == "summary"]
        if summaries and not said and not any(f.abnormal for f in findings if not f.is_default):
            impression, truncated = summaries, 0
        else:
            seen = {i.lower() for i in impression}
            impression += [t for t in summaries if t.lower() not in seen]
        impression += [s.text for s in statements if s.kind == "recommendation"]
        return impression, coverage_flags(template, dictated=bool(statements), defaults=defaults, truncated=truncated)

    def _grades_and_items(self, described: list[Described], stated: list[str], findings: list[Finding],
                          template: Template, *, diabetic: bool) -> tuple[list[str], bool, bool]:
        """(impression, truncated, said): the stated grades, the drafted ones, then the abnormal findings; ``said``:
        whether there was any of them (else the impression is the template's normal statement)."""
        # a grade dictated with its lesions ("Severe NPDR OS (IRMA 2 quads)") is stated too: no drafted level
        # contradicts or repeats it
        in_findings = [d.text for d in described if _graded_text(d.text)]
        drafted = drafted_grades(described, stated + in_findings, diabetic=diabetic)
        items = impression_from_findings(findings, template, hedge_re=self.hedge_re,
                                         include=lambda f: f.abnormal or _graded(f) or _diagnosis(f),
                                         first=lambda f: _graded(f) or _diagnosis(f))
        seen = {i.lower() for i in stated + drafted}
        impression, truncated = cap_impression(stated + drafted + [i for i in items if i.lower() not in seen], template)
        return impression, truncated, bool(stated or drafted or items)

    def reconclude(self, findings: list[Finding], template: Template, previous: Sequence[str]) -> list[str]:
        """The impression after a chat edit of ``findings``, by :meth:`conclude`'s rules: an ICDR grade of
        ``previous`` (dictated or drafted) is kept only while the edited findings still support it for its
        eye(s) ("Mild NPDR in the right eye" goes once the lesions are said of the left eye, or once cotton
        wool spots make the eye moderate); each eye whose level is then unstated gets the drafted level
        (marked for confirmation); then the abnormal findings, then ``previous``'s other items that restate
        no finding (recommendations). A grade is never stated twice."""
        from pixtralogist.plugins.ophthalmology.grading import DRAFTED_NOTE, derive, scope

        described = [Described(f.text, lexicon.eyes_of(f.text) or _eyes(f.laterality), f.id)
                     for f in findings if not f.is_default]
        levels = scope(derive(described), described)
        grades = [i for i in previous if stated_grades([i])]
        diabetic = bool(grades)

        def holds(item: str) -> bool:
            for g in stated_grades([item]):
                keys = sorted(g.eyes) if g.eyes and "any" not in levels else ["any"]
                for k in keys:
                    d = levels.get(k)
                    if d is None:  # no lesion left in that eye: only "no retinopathy" still holds
                        if g.low > 0:
                            return False
                    elif not d.accepts(g.low, g.high):
                        return False
            return True

        stated = [i for i in grades if DRAFTED_NOTE not in i and holds(i)]
        impression, _, _ = self._grades_and_items(described, stated, findings, template, diabetic=diabetic)
        # what else the impression said: the recommendations ("Refer to retina clinic."), never a finding's
        # restatement (the finding may have changed)
        rest = [i for i in previous if i not in grades and i not in impression]
        others = [t.text for t in triage(rest, self.lexicon, extractor=self.extractor, finding_terms=self.extra_terms)
                  if t.kind == "recommendation"] if rest else []
        normal = template.impression.normal
        return [i for i in impression if i != normal or not others] + [i for i in others if i != normal]


_EYE_TAIL = re.compile(r"\s+in\s+(?:the\s+(?:right|left)\s+eye|both\s+eyes|either\s+eye)\.?$", re.I)
_AND = re.compile(r"\s+and\s+", re.I)
_NEG_OR_HEDGE_LEAD = re.compile(r"^(?:no|not|without|possible|probable|likely|query|suspected)\b", re.I)


def _split_and_pairs(rows: list[Row], template_id: str) -> list[Row]:
    """A statement the sorter could only give whole to two regions, made of two findings joined by "and"
    ("Cotton wool spots and macular oedema in the right eye."), is one statement per finding, each in its
    region and each with the eye; anything else ("Macula and periphery normal.") stays as it is."""
    sorter = lexicon.sorter_for(template_id)
    if sorter is None:
        return rows
    from pixtralogist.core.nlp import mentions_finding

    out: list[Row] = []
    done: set[str] = set()
    for row in rows:
        twins = [r for r in rows if r.text == row.text and r.sentence == row.sentence]
        if len(twins) < 2:
            out.append(row)
            continue
        if row.text in done:
            continue
        tail = _EYE_TAIL.search(row.text)
        body = row.text[: tail.start()] if tail else row.text.rstrip(".")
        parts = _AND.split(body)
        regions = [sorter.classify(p) for p in parts]
        if (len(parts) == 2 and not _NEG_OR_HEDGE_LEAD.match(body) and "," not in body
                and not re.search(r"\b(?:with|without|w/)\b", body, re.I)  # "BRVO with flame and blot haems"
                and all(len(r) == 1 for r in regions) and regions[0] != regions[1]
                and {next(iter(r)) for r in regions} == {t.region for t in twins}
                and all(len(p.split()) >= 2 and (mentions_finding(p, extra_terms=lexicon.NLP_TERMS)
                                                 or sorter.explain(p).source == "finding") for p in parts)):
            done.add(row.text)
            eye = tail.group(0).rstrip(".") if tail else ""
            for part, region in zip(parts, regions):
                text = f"{part[:1].upper()}{part[1:]}{eye}."
                out.append(Row(next(iter(region)), text, row.sentence, row.context))
            continue
        out.append(row)
    return out


def _signs_follow_lesion(rows: list[Row], template_id: str) -> list[Row]:
    """A statement that only names a lesion's associated sign, denied or placed on it ("No subretinal fluid.",
    "Overlying drusen."), right after the lesion's statement (or after other such signs, or other statements of
    the lesion's region), goes to the lesion's region (the lexicon's ``data.lesion_signs``); so does one the sorter
    only places by default ("No elevation."). A sign statement that names a place of its own ("drusen at the
    macula") keeps its region."""
    table = lexicon.lesion_signs(template_id)
    sorter = lexicon.sorter_for(template_id)
    if table is None or sorter is None:
        return rows
    lesions, signs, attached = table
    out: list[Row] = []
    home: str | None = None  # the region of the lesion the statements are about
    for row in rows:
        text = row.text
        if home is not None and row.region != home and signs.search(text) and attached.search(text) \
                and sorter.explain(text).source in ("finding", "default") and not any(rx.search(text) for rx in lesions.values()):
            out.append(Row(home, row.text, row.sentence, row.context))
            continue
        named = [region for region, rx in lesions.items() if rx.search(text) and region == row.region]
        home = named[0] if named else (home if row.region == home else None)
        out.append(row)
    return out


_DESCRIPTION_STOP = re.compile(r"[,;:()\d]|\b(?:not|possible|possibly|probable|probably|likely|query|suspected|suspect|"
                               r"consistent|suggestive|favou?r\w*|c/w|i\.e|=)\b|[=?]"
                               # a clause about the patient or the team, not a description of what is seen
                               r"|^(?:she|he|they|we|i|patient|pt)\b|\b(?:is|are|was|were|has|have|had|will|aware|informed|"
                               r"notified|discussed|explained|counsell?ed|consented|agreed|declined|wishes|prefers)\b", re.I)


def _descriptions_follow_finding(rows: list[Row], template: Template) -> list[Row]:
    """A statement the sorter places only by default (it names no region nor any finding of the lexicon), said of
    the same eye right after a finding of a region, describes that finding ("Sector of grouped pigmentation
    inferonasally. Clusters of small flat black spots. No elevation." -> all three in the periphery;
    "Lamellar macular hole ... Epiretinal proliferation at the edge." -> macula); it follows the finding's region.
    Only a plain description moves: two words or more, no comma, number, verdict or hedge (those are a list, a
    measure, a conclusion), and never a plan or context sentence."""
    sorter = lexicon.sorter_for(template.id)
    if sorter is None:
        return rows
    from pixtralogist.kit.context import is_context, is_plan
    from pixtralogist.kit.placement import is_fragment  # a fragment joins the finding's sentence there ("Extending nasally.")

    catch_all = lexicon.lexicon_for(template.id).catch_all
    out: list[Row] = []
    home: tuple[str, frozenset[str]] | None = None  # (region, eyes) of the finding just said
    for row in rows:
        source = sorter.explain(row.text).source
        tail = _EYE_TAIL.search(row.text)
        body = (row.text[: tail.start()] if tail else row.text).strip().rstrip(".")
        if (home is not None and row.region == catch_all and source == "default" and row.context <= home[1]
                and len(body.split()) >= 2 and not _DESCRIPTION_STOP.search(body)
                and not is_plan(body) and not is_context(body) and not is_fragment(row.text)):
            out.append(Row(home[0], row.text, row.sentence, row.context))
            continue
        home = (row.region, row.context) if row.region != catch_all and source in ("finding", "anatomy") else None
        out.append(row)
    return out


class _Dictation(list):
    """The triaged statements, and whether the case is diabetic (the ICDR grade applies)."""

    diabetic: bool = False


def _diagnosis(f: Finding) -> bool:
    """A statement that names a diagnosis ("Central retinal vein occlusion in the right eye")."""
    return bool(lexicon.DIAGNOSIS_RE.search(f.text))


def _graded(f: Finding) -> bool:
    return _graded_text(f.text)


def _graded_text(text: str) -> bool:
    return bool(stated_grades([text]))


def _eyes(laterality: str | None) -> frozenset[str]:
    if laterality == "bilateral":
        return frozenset({"right", "left"})
    return frozenset({laterality}) if laterality in ("right", "left") else frozenset()
