"""The shared offline dictation draft assembly (:mod:`pixtralogist.core.drafting`), with the real NLP and the
chest X-ray template; the four specialty drafters built on it have their own suites."""

from __future__ import annotations

import re

import pytest

from pixtralogist.core.drafting import (
    ENGINE,
    CoverageMessages,
    DictationDraftBase,
    cap_impression,
    coverage_flags,
    fallback_region,
    impression_from_findings,
    require_sorter,
    split_sentence,
)
from pixtralogist.core.errors import DraftingError
from pixtralogist.core.models import Case, Finding
from pixtralogist.core.nlp import analyze
from pixtralogist.plugins.radiology.templates import get_template

TPL = get_template("cxr")


def attrs(sentence: str):
    """The analysis with the chest words the radiology template brings (core has none of its own)."""
    return analyze(sentence, extra_terms=TPL.finding_terms)
ORDER = {r: i for i, r in enumerate(TPL.region_names)}
HEDGES = re.compile(r"\b(?:possible|probable|suspected)\b", re.I)


class TableSorter:
    """A protocol-conforming sorter that answers from fixed tables (sentence -> labels, sentence -> parts)."""

    def __init__(self, labels: dict[str, set[str]], parts: dict[str, dict[str, str]] | None = None) -> None:
        self.labels, self.parts = labels, parts or {}

    def classify(self, sentence):
        return frozenset(self.labels.get(sentence, set()))

    def sort(self, text):
        return dict(self.parts.get(text, {}))


class Plain(DictationDraftBase):
    """The smallest drafter on the base: one sentence per line, the standard impression and flags."""

    def __init__(self, sorter, **kw) -> None:
        kw.setdefault("extra_terms", TPL.finding_terms)  # the chest words are radiology's, not core's
        super().__init__(plugin="test", plugin_version="9.9", **kw)
        self.sorter = sorter

    def read(self, case):
        return [line.strip() for line in (case.notes or "").splitlines() if line.strip()]

    def conclude(self, statements, findings, defaults, template):
        impression, truncated = cap_impression(impression_from_findings(findings, template, hedge_re=HEDGES), template)
        return impression, coverage_flags(template, dictated=bool(statements), defaults=defaults, truncated=truncated)


def test_require_sorter_and_fallback():
    with pytest.raises(DraftingError, match="X needs a region sorter"):
        require_sorter(object(), "X")
    assert fallback_region(TPL) == "others"
    assert fallback_region(TPL, "bone") == "bone"
    assert fallback_region(TPL, "no-such-region") == "others"


def test_split_sentence_single_unknown_and_multi_region():
    s = "Cardiomegaly and small effusion."
    sorter = TableSorter({s: {"heart", "lung"}, "Odd.": {"nowhere"}},
                         {s: {"lung": "Small effusion.", "heart": "Cardiomegaly.", "bone": "", "others": ""}})
    assert split_sentence(sorter, "Odd.", ORDER, "others") == [("others", "Odd.")]
    assert split_sentence(sorter, "Unknown.", ORDER, "others") == [("others", "Unknown.")]
    assert split_sentence(sorter, s, ORDER, "others") == [("lung", "Small effusion."), ("heart", "Cardiomegaly.")]


def test_split_sentence_unsplit_labels_policy():
    s = "Effusion, heart and bones."
    sorter = TableSorter({s: {"heart", "lung", "bone"}}, {s: {"lung": "Effusion.", "mediastinal": "Wide."}})
    # every classified region gets its part or the whole sentence; a region only the rewrite names gets its part
    assert split_sentence(sorter, s, ORDER, "others") == [
        ("lung", "Effusion."), ("heart", s), ("mediastinal", "Wide."), ("bone", s)]
    # parts only
    assert split_sentence(sorter, s, ORDER, "others", keep_unsplit_labels=False) == [
        ("lung", "Effusion."), ("mediastinal", "Wide.")]
    no_parts = TableSorter({s: {"bone", "heart"}})
    assert split_sentence(no_parts, s, ORDER, "others", keep_unsplit_labels=False) == [("heart", s)]


def test_split_sentence_wraps_sorter_failures():
    class Broken(TableSorter):
        def sort(self, text):
            raise RuntimeError("boom")

    with pytest.raises(DraftingError, match="region sorter failed.*boom"):
        split_sentence(Broken({"a b": {"heart", "lung"}}), "a b", ORDER, "others")


def test_faithful_keeps_negation_and_hedge():
    d = Plain(TableSorter({}))
    sentence = "No effusion or cardiomegaly."
    whole, part = attrs(sentence), attrs("Cardiomegaly.")
    assert d.faithful(part, whole, "Cardiomegaly.", sentence, TPL) == (whole, sentence)

    sentence = "Possible cardiomegaly and small effusion."
    a, text = d.faithful(attrs("Small effusion."), attrs(sentence), "Small effusion.", sentence, TPL)
    assert text == f"{TPL.impression.uncertain_prefix} small effusion." and a.uncertain and a.abnormal
    # a part that is already faithful is kept as written
    kept = attrs("Small effusion.")
    assert d.faithful(kept, attrs("Small effusion and cardiomegaly."), "Small effusion.", "x", TPL) == (
        kept, "Small effusion.")


def test_hedge_policy():
    d = Plain(TableSorter({}))
    assert d.hedge("CT shows a mass.", "Possible") == "Possible CT shows a mass."
    assert d.hedge("Mass.", "Possible") == "Possible mass."
    d.hedge_keeps_initialisms = False
    assert d.hedge("CT shows a mass.", "Possible") == "Possible cT shows a mass."


def test_draft_assembles_regions_defaults_provenance_and_flags():
    s = "Possible cardiomegaly and small left effusion."
    sorter = TableSorter({s: {"heart", "lung"}, "Old right rib fracture.": {"bone"}},
                         {s: {"heart": "Possible cardiomegaly.", "lung": "Small left effusion."}})
    d = Plain(sorter).draft(Case(notes=f"{s}\nOld right rib fracture."), TPL)
    assert d.regions == TPL.region_names and d.template_id == TPL.id and d.provenance.source == "dictation"
    assert [f.region for f in d.findings] == sorted((f.region for f in d.findings), key=ORDER.__getitem__)
    by = {f.region: f for f in d.findings}
    assert by["lung"].text == f"{TPL.impression.uncertain_prefix} small left effusion."  # hedge carried over
    assert by["lung"].uncertain and by["lung"].laterality == "left" and not by["lung"].is_default
    assert by["heart"].text == "Possible cardiomegaly." and by["heart"].uncertain
    defaults = [f.region for f in d.findings if f.is_default]
    assert defaults == [r for r in TPL.region_names if r not in {"heart", "lung", "bone"}]
    for f in d.findings:
        assert f.provenance.engine == ENGINE and f.provenance.plugin == "test" and f.provenance.plugin_version == "9.9"
        assert f.provenance.source == ("template-default" if f.is_default else "dictation")
        if f.is_default:
            assert f.text == TPL.region(f.region).normal
    assert [f.code for f in d.flags] == ["default-regions"]
    assert d.impression and all(not i.lower().startswith("no ") for i in d.impression)


def test_empty_dictation_is_all_default():
    d = Plain(TableSorter({})).draft(Case(notes=""), TPL)
    assert all(f.is_default for f in d.findings) and d.provenance.source == "template-default"
    assert [f.code for f in d.flags] == ["no-dictation", "default-regions"]
    assert d.impression == [TPL.impression.normal]


def test_impression_order_hedges_and_cap():
    prov = Plain(TableSorter({})).provenance(TPL, "dictation")
    f = lambda region, text, **kw: Finding(region=region, text=text, provenance=prov, **kw)  # noqa: E731
    findings = [
        f("bone", "Rib fracture.", abnormal=True),
        f("lung", "possible consolidation", abnormal=True, uncertain=True),
        f("lung", "Effusion.", abnormal=True),
        f("heart", "Cardiomegaly.", abnormal=True, negated=True),
        f("heart", "Heart normal.", abnormal=True, is_default=True),
        f("others", "rib fracture", abnormal=True),
    ]
    items = impression_from_findings(findings, TPL, hedge_re=HEDGES)
    assert items == ["Effusion.", "Possible consolidation.", "Rib fracture."]
    first = impression_from_findings(findings, TPL, hedge_re=HEDGES, first=lambda x: x.region == "bone")
    assert first[0] == "Rib fracture."
    assert cap_impression(items * 0, TPL) == ([TPL.impression.normal], 0)
    many = [f"Item {i}." for i in range(TPL.impression.max_items + 2)]
    assert cap_impression(many, TPL) == (many[: TPL.impression.max_items], 2)


def test_coverage_flag_messages_are_the_plugins():
    msgs = CoverageMessages(no_dictation="none", default_regions="defaults: {labels}", truncated="{truncated}/{max_items}")
    flags = coverage_flags(TPL, dictated=False, defaults=["heart"], truncated=3, messages=msgs)
    assert [(x.code, x.severity) for x in flags] == [
        ("no-dictation", "warning"), ("default-regions", "info"), ("impression-truncated", "info")]
    assert flags[0].message == "none" and flags[1].region == "heart"
    assert flags[1].message == f"defaults: {TPL.region('heart').label} (heart)"
    assert flags[2].message == f"3/{TPL.impression.max_items}"
    assert coverage_flags(TPL, dictated=True, defaults=[]) == []
