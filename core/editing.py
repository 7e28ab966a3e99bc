"""Pure edits of a draft by the clinician. Every function returns a new Draft.

Clinician text becomes findings with ``source='clinician'`` provenance; it
replaces the template defaults of the region it lands in. Nothing here logs
or persists: the agent records every edit in the feedback store.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from pixtralogist.core.errors import CaseError
from pixtralogist.core.impression import build_impression
from pixtralogist.core.models import Draft, Finding, Provenance, Template
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.core.text import clean_text, ensure_plain_text, split_sentences, upper_first


def clinician_provenance(draft: Draft) -> Provenance:
    return draft.provenance.model_copy(update={"source": "clinician", "engine": "clinician", "guideline_ids": []})


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = upper_first(text)  # "pT1c N0" stays as written
    return text if text[-1] in ".!?" else text + "."


def make_findings(texts: list[str], region: str, prov: Provenance, *, extra_terms: tuple[str, ...] = ()) -> list[Finding]:
    """Findings of ``region`` from sentences, analysed for negation, hedging, laterality and size.

    :param extra_terms: the template's own finding words (:attr:`Template.finding_terms`).
    """
    from pixtralogist.core.nlp import analyze

    out = []
    for t in texts:
        t = _sentence(t)
        if not t:
            continue
        a = analyze(t, extra_terms=extra_terms)
        out.append(
            Finding(region=region, text=t, abnormal=a.abnormal, negated=a.negated, uncertain=a.uncertain,
                    laterality=a.laterality, size_mm=a.size_mm, provenance=prov)
        )
    return out


def _with(draft: Draft, findings: list[Finding], template: Template, *, rebuild_impression: bool) -> Draft:
    order = {r: i for i, r in enumerate(draft.regions)}
    findings = sorted(findings, key=lambda f: order[f.region])  # stable: keeps order within a region
    update: dict = {"findings": findings}
    if rebuild_impression:
        update["impression"] = build_impression(findings, template)
    return draft.model_copy(update=update)


def _check_region(draft: Draft, region: str) -> None:
    if region not in draft.regions:
        raise CaseError(f"unknown region {region!r}; this template has: {', '.join(draft.regions)}")


def replace_region(draft: Draft, region: str, text: str, template: Template, *, rebuild_impression: bool = True) -> Draft:
    """The clinician's own text for a whole region (an empty text clears it)."""
    _check_region(draft, region)
    ensure_plain_text(text, f"The {draft.region_labels.get(region) or region} text")
    new = make_findings(split_sentences(clean_text(text)), region, clinician_provenance(draft),
                        extra_terms=template.finding_terms)
    kept = [f for f in draft.findings if f.region != region]
    return _with(draft, kept + new, template, rebuild_impression=rebuild_impression)


def add_statement(
    draft: Draft, text: str, template: Template, sorter: RegionSorter | None, *, rebuild_impression: bool = True
) -> tuple[Draft, list[str]]:
    """Add the clinician's statement to the region(s) it belongs to; returns the regions touched.

    Template defaults in a touched region are replaced (the region is no longer unverified).
    """
    text = clean_text(ensure_plain_text(text, "The finding to add"))
    if not text:
        raise CaseError("nothing to add: give the finding, e.g. 'add a 5 mm nodule in the left upper lobe'")
    parts = sorter.sort(text) if sorter is not None else {draft.regions[-1]: text}
    prov = clinician_provenance(draft)
    findings = list(draft.findings)
    touched = []
    for region, part in parts.items():
        if not part.strip() or region not in draft.regions:
            continue
        touched.append(region)
        findings = [f for f in findings if not (f.region == region and f.is_default)]
        findings += make_findings(split_sentences(part), region, prov, extra_terms=template.finding_terms)
    return _with(draft, findings, template, rebuild_impression=rebuild_impression), touched


def add_findings(
    draft: Draft, placed: list[tuple[str, str]], template: Template, *, rebuild_impression: bool = True
) -> tuple[Draft, list[str]]:
    """Add the clinician's sentences to the regions given (``[(region, sentence)]``, e.g. from the
    specialty's dictation reader); returns the regions touched. Template defaults there are replaced."""
    prov = clinician_provenance(draft)
    findings = list(draft.findings)
    touched: list[str] = []
    for region, sentence in placed:
        _check_region(draft, region)
        if region not in touched:
            touched.append(region)
            findings = [f for f in findings if not (f.region == region and f.is_default)]
        findings += make_findings([ensure_plain_text(sentence, "The finding to add")], region, prov,
                                  extra_terms=template.finding_terms)
    return _with(draft, findings, template, rebuild_impression=rebuild_impression), touched


_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "of", "in", "on", "at", "is", "are", "with", "and", "or", "to", "there", "finding"}


def _tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def match_findings(draft: Draft, query: str, *, threshold: float = 0.5,
                   concept_table: Mapping[str, Iterable[str]] | None = None) -> list[Finding]:
    """Findings whose words cover at least ``threshold`` of the query's words (best matches first);
    a shared concept (core's generic table plus ``concept_table``, the template's
    :attr:`Template.concepts`) counts as a good match."""
    from pixtralogist.core.concepts import concepts

    q = _tokens(query)
    qc = concepts(query, concept_table)
    if not q:
        return []
    scored = []
    for f in draft.findings:
        t = _tokens(f.text)
        overlap = len(q & t) / len(q)
        if qc and qc & concepts(f.text, concept_table):
            overlap = max(overlap, 0.75)
        if overlap >= threshold:
            scored.append((overlap, f))
    scored.sort(key=lambda x: -x[0])
    best = scored[0][0] if scored else 0
    return [f for s, f in scored if s == best]


def remove_matching(
    draft: Draft, query: str, template: Template, *, rebuild_impression: bool = True
) -> tuple[Draft, list[Finding]]:
    """Remove the findings that best match ``query``; a region left empty gets no default back
    (the clinician removed it on purpose; the region-empty check will ask for a statement)."""
    gone = match_findings(draft, query, concept_table=template.concepts)
    if not gone:
        return draft, []
    ids = {f.id for f in gone}
    kept = [f for f in draft.findings if f.id not in ids]
    return _with(draft, kept, template, rebuild_impression=rebuild_impression), gone


def set_impression(draft: Draft, text: str) -> Draft:
    ensure_plain_text(text, "The impression")
    items = [_sentence(s) for s in split_sentences(clean_text(text))]
    items = [re.sub(r"^\d+[.)]\s*", "", i) for i in items if i]
    return draft.model_copy(update={"impression": [i for i in items if i]})


def shorten_impression(draft: Draft, max_items: int = 2) -> Draft:
    """Fewer, terser impression items: the first ``max_items``, each cut to its first clause."""
    short = []
    for item in draft.impression[:max_items]:
        head = re.split(r"[;,](?![^()]*\))|\s+-\s+", item, maxsplit=1)[0].strip().rstrip(".")
        short.append(head + ".")
    return draft.model_copy(update={"impression": short})
