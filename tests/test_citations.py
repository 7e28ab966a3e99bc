"""Citations say how they were attached: retrieved with a real similarity, or cited by a rule (no score);
a stance only where a rule computed one; no rule cites a guideline its own applicability test rejects."""

from __future__ import annotations

import json

import pytest

from pixtralogist.agents.graph import attach_rule_citations
from pixtralogist.agents.types import Citation, Turn
from pixtralogist.core.export import to_json
from pixtralogist.core.imaging import build_case
from pixtralogist.core.models import Case, Draft, Flag, GuidelineSnippet, Provenance
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.ui import render

from test_ui import shown


def snippet(sid: str, text: str = "A fact.") -> GuidelineSnippet:
    return GuidelineSnippet(id=sid, specialty="radiology", text=text, source="A source",
                            regions=["lung"], applicability="Where it applies.")


# --- the type ----------------------------------------------------------------------------


def test_retrieved_needs_a_score_and_a_rule_citation_has_none():
    with pytest.raises(ValueError, match="similarity"):
        Citation(snippet=snippet("a"))
    with pytest.raises(ValueError, match="no similarity"):
        Citation(snippet=snippet("a"), origin="rule", score=1.0)
    with pytest.raises(ValueError, match="rule that computed"):
        Citation(snippet=snippet("a"), origin="rule", stance="supports")
    c = Citation(snippet=snippet("a"), origin="rule", rule_ids=["r"], stance="contradicts")
    assert c.score is None and c.describe() == "cited by rule r; the rule found the report in conflict with it"


@pytest.mark.parametrize(("old", "origin", "score"), [
    ({"score": 1.0, "stance": "supports"}, "rule", None),      # made up by the old verify step
    ({"score": 1.0, "stance": "contradicts"}, "rule", None),
    ({"score": 0.62, "stance": "related"}, "retrieved", 0.62),  # a real retrieval
    ({"score": 0.71, "stance": "contradicts"}, "retrieved", 0.71),  # retrieved, stance invented later
    ({"score": 0.5}, "retrieved", 0.5),
])
def test_citations_stored_by_older_versions_load_without_invented_facts(old, origin, score):
    c = Citation.model_validate({"snippet": snippet("a").model_dump(mode="json"), **old})
    assert (c.origin, c.score, c.stance, c.rule_ids) == (origin, score, None, [])
    assert "score 1.00" not in shown(render._citation_item(c))


# --- attaching the snippets a rule names ----------------------------------------------------


def test_attach_rule_citations_keeps_similarity_and_adds_the_rule():
    snips = [snippet("ret"), snippet("rule-only"), snippet("both")]
    retrieved = {"f1": [Citation(snippet=snips[0], score=0.61), Citation(snippet=snips[2], score=0.55)]}
    flags = [
        Flag(code="info-rule", severity="info", message="m", finding_id="f1", snippet_ids=["rule-only", "both"]),
        Flag(code="conflict", severity="warning", message="m", finding_id="f1", snippet_ids=["both"],
             stance="contradicts"),
        Flag(code="agrees", severity="info", message="m", finding_id="f1", snippet_ids=["both"], stance="supports"),
        Flag(code="unknown-snippet", severity="info", message="m", finding_id="f2", snippet_ids=["not-installed"]),
    ]
    out = attach_rule_citations(retrieved, flags, snips)
    by = {c.snippet.id: c for c in out["f1"]}
    assert (by["ret"].origin, by["ret"].score, by["ret"].rule_ids, by["ret"].stance) == ("retrieved", 0.61, [], None)
    # an info flag does not make a stance: the old code called it "supports, score 1.00"
    assert (by["rule-only"].origin, by["rule-only"].score, by["rule-only"].stance) == ("rule", None, None)
    assert by["rule-only"].rule_ids == ["info-rule"]
    # retrieved and cited: the similarity stays; a conflict is not overwritten by a later agreement
    assert (by["both"].origin, by["both"].score) == ("retrieved", 0.55)
    assert by["both"].rule_ids == ["info-rule", "conflict", "agrees"] and by["both"].stance == "contradicts"
    assert "f2" not in out  # a snippet that is not installed is not invented
    assert retrieved["f1"][1].rule_ids == []  # pure: the input is unchanged


def test_render_says_cited_by_rule_and_shows_similarity_only_for_retrieved():
    rule = Citation(snippet=snippet("fleischner-x"), origin="rule", rule_ids=["cxr-nodule-ct-first"])
    ret = Citation(snippet=snippet("bts"), score=0.4321)
    md = shown(render.region_notes_md([], [ret, rule]))
    assert "cited by rule cxr-nodule-ct-first" in md and "retrieved, similarity 0.43" in md
    assert "score" not in md and "supports" not in md
    assert md.index("fleischner-x") < md.index("bts")  # rule citations before retrieved ones


# --- the radiology rules' applicability ---------------------------------------------------------


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def _draft(template, texts: dict[str, list[str]], *, impression=()) -> Draft:
    from pixtralogist.core.editing import make_findings

    prov = Provenance(source="dictation", engine="test", plugin="radiology", plugin_version="1",
                      template_id=template.id, template_version="1")
    findings = [f for region, ts in texts.items() for f in make_findings(ts, region, prov)]
    return Draft(case_id="case-1", specialty="radiology", template_id=template.id, template_version="1",
                 regions=template.region_names, findings=findings, impression=list(impression), provenance=prov)


def _verify(host, template_id, texts, *, indication="", impression=()):
    template = host.template(template_id)
    case = Case(indication=indication)
    draft = _draft(template, texts, impression=impression)
    return host.verify(draft, case, template, host.guidelines("radiology"))


def test_radiograph_nodule_cites_no_fleischner_snippet(host):
    flags = _verify(host, "cxr", {"lung": ["7 mm right upper lobe nodule."]})
    cited = {s for f in flags for s in f.snippet_ids}
    assert {f.code for f in flags} == {"cxr-nodule-ct-first", "cxr-nodule-recommendation-missing"}
    assert cited == {"local-convention-cxr-nodule-ct-first"}
    assert not any(s.startswith("fleischner") for s in cited)
    assert all(f.stance is None for f in flags)
    assert "not applied to a radiograph" in flags[0].message
    # a recommendation in the report: only the pointer to the convention stays
    flags = _verify(host, "cxr", {"lung": ["7 mm right upper lobe nodule."]},
                    impression=["Nodule. Recommend CT chest."])
    assert [f.code for f in flags] == ["cxr-nodule-ct-first"]
    # no size on a radiograph: no Fleischner measurement advice either (it is defined on CT)
    flags = _verify(host, "cxr", {"lung": ["Right upper lobe nodule."]})
    assert "nodule-size-missing" not in {f.code for f in flags}


def test_ct_nodule_still_gets_its_fleischner_category(host):
    flags = _verify(host, "ct_chest", {"lungs_airways": ["7 mm solid nodule in the right upper lobe."]})
    cat = next(f for f in flags if f.code == "fleischner-category")
    assert "fleischner-2017-solid-single-6-8mm" in cat.snippet_ids and cat.stance is None


def test_ctr_criterion_is_not_applied_to_an_ap_film(host):
    pa = _verify(host, "cxr", {"heart": ["Heart size normal, CTR 0.56."]})
    assert {f.code: f.stance for f in pa}["ctr-above-threshold"] == "contradicts"
    ap = _verify(host, "cxr", {"heart": ["Heart size normal, CTR 0.56."]}, indication="Portable AP film.")
    assert "ctr-above-threshold" not in {f.code for f in ap}
    ap = _verify(host, "cxr", {"heart": ["Cardiomegaly, CTR 0.45."]}, indication="Portable AP film.")
    codes = {f.code: f for f in ap}
    assert "ctr-below-threshold" not in codes and codes["cardiomegaly-ap-film"].stance is None


def test_pneumothorax_stance_comes_from_the_size_comparison(host):
    flags = _verify(host, "cxr", {"lung": ["Small right pneumothorax, 25 mm rim at the hilum."]})
    assert {f.code: f.stance for f in flags}["pneumothorax-size-inconsistent"] == "contradicts"
    flags = _verify(host, "cxr", {"lung": ["Small right pneumothorax, 10 mm rim at the hilum."]})
    assert {f.code: f.stance for f in flags}["pneumothorax-size"] == "supports"
    flags = _verify(host, "cxr", {"lung": ["Right pneumothorax, 10 mm rim at the hilum."]})
    assert {f.code: f.stance for f in flags}["pneumothorax-size"] is None  # no size word to compare


def test_adrenal_categories_not_applied_with_a_known_cancer(host):
    texts = {"upper_abdomen": ["25 mm left adrenal nodule."]}
    plain = {f.code for f in _verify(host, "ct_chest", texts, indication="Cough.")}
    assert "acr-adrenal-category" in plain
    staged = _verify(host, "ct_chest", texts, indication="Staging, known lung cancer.")
    assert {f.code for f in staged} == {"acr-adrenal-not-applicable"}
    assert staged[0].snippet_ids == []


# --- end to end: service, checkpoint, chat, export ------------------------------------------------


def test_radiograph_nodule_citations_end_to_end(service, png):
    turn = service.start(build_case([png], notes="7 mm RUL nodule, heart nl", indication="Cough. Chest x-ray."))
    nodule = next(f for f in turn.draft.findings if "nodule" in f.text.lower())
    cits = turn.citations[nodule.id]
    rule = [c for c in cits if c.rule_ids]
    assert [c.snippet.id for c in rule] == ["local-convention-cxr-nodule-ct-first"]
    for c in cits:
        if c.origin == "retrieved":
            assert c.score is not None and 0 < c.score < 1  # a real similarity, never a made-up 1.0
        else:
            assert c.score is None
        assert c.stance is None  # nothing compared the nodule with a guideline
        assert not (c.snippet.id.startswith("fleischner") and c.rule_ids)
    # the chat names the rule that cites the snippet
    turn = service.message(turn.case_id, "why is the nodule flagged?")
    assert "cited by rule cxr-nodule-recommendation-missing" in turn.messages[-1].text
    # JSON export: origin and a null score for the rule's citation
    doc = json.loads(to_json(turn.draft, citations=turn.citations))
    exported = {c["snippet"]["id"]: c for c in doc["citations"][nodule.id]}
    assert exported["local-convention-cxr-nodule-ct-first"]["origin"] == "rule"
    assert exported["local-convention-cxr-nodule-ct-first"]["score"] is None


def test_a_checkpoint_with_old_citations_still_opens(service, png):
    turn = service.start(build_case([png], notes="small L effusion, 7 mm RUL nodule", indication="Cough. Chest x-ray."))
    nodule = next(f for f in turn.draft.findings if "nodule" in f.text.lower())
    snip = service.runtime.host.guidelines("radiology")[0].model_dump(mode="json")
    old = {nodule.id: [{"snippet": snip, "score": 1.0, "stance": "supports"},
                       {"snippet": {**snip, "id": snip["id"]}, "score": 0.66, "stance": "related"}]}
    service.graph.update_state(service._config(turn.case_id), {"citations": old}, as_node="verify")
    loaded = service.get(turn.case_id)
    assert isinstance(loaded, Turn) and loaded.status == "review"
    first, second = loaded.citations[nodule.id]
    assert (first.origin, first.score, first.stance) == ("rule", None, None)
    assert (second.origin, second.score, second.stance) == ("retrieved", 0.66, None)
    # and the case goes on: an edit re-runs retrieval and the rules with the new format
    turn = service.message(turn.case_id, "add mild cardiomegaly")
    assert all(c.origin in ("retrieved", "rule") for cs in turn.citations.values() for c in cs)
