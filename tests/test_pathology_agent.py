"""Pathology end to end: the agent (real LangGraph, SQLite, chromadb) and a tiny transformers model."""

from __future__ import annotations

import base64

import pytest

from pixtralogist.agents.service import ReportingService
from pixtralogist.core.examples import example_to_case, list_examples
from pixtralogist.core.export import to_fhir
from pixtralogist.core.plugins import get_plugin_manager

RULE_CODES = {"cap-core-element-missing", "nottingham-grade-mismatch", "nottingham-component-out-of-range",
              "nottingham-total-mismatch", "synoptic-laterality-mismatch", "lymph-nodes-involved-exceeds-examined"}


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


@pytest.fixture(scope="module")
def service(tmp_path_factory, host):
    svc = ReportingService.create(tmp_path_factory.mktemp("path-data"), host=host)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def examples(host):
    return {ex.id: ex for ex in list_examples(host, "pathology")}


def codes(turn) -> set[str]:
    return {f.code for f in turn.flags}


def test_consistent_example_end_to_end(host, service, examples):
    case = example_to_case(examples["pathology-breast-lumpectomy"])
    turn = service.start(case)
    assert turn.status == "review", turn.error
    d = turn.draft
    assert d.specialty == "pathology" and d.template_id == "breast-resection" and not d.is_signed
    assert d.region_dict()["stage"] == "pT2 pN1a."
    # retrieval: the grade statement cites the Nottingham snippets, provenance records it
    grade = next(f for f in d.findings if f.region == "grade")
    cited = {c.snippet.id for c in turn.citations.get(grade.id, [])}
    assert {"nottingham-components", "nottingham-grade-bands"} & cited
    assert set(grade.provenance.guideline_ids) <= cited
    assert all(c.snippet.specialty == "pathology" for cs in turn.citations.values() for c in cs)
    # a consistent case: the pathology rules do not complain
    assert not (codes(turn) & RULE_CODES), [f.message for f in turn.flags if f.code in RULE_CODES]
    assert "nottingham-grade" in codes(turn)

    # the pathologist edits an element: a grade that no longer fits its scores is flagged ...
    turn = service.edit_region(turn.case_id, "grade", "Nottingham grade 3 (tubules 3, pleomorphism 2, mitoses 2).")
    assert "nottingham-grade-mismatch" in codes(turn)
    # ... and the fix clears it
    turn = service.edit_region(turn.case_id, "grade", "Nottingham grade 2 (tubules 3, pleomorphism 2, mitoses 2).")
    assert "nottingham-grade-mismatch" not in codes(turn)
    assert next(f for f in turn.draft.findings if f.region == "grade").provenance.source == "clinician"

    turn = service.sign(turn.case_id, "Dr Path Example")
    assert turn.status == "signed" and turn.draft.signed_by == "Dr Path Example"
    fhir = to_fhir(turn.draft, case, citations=turn.citations, template=host.template(turn.draft.template_id))
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    assert fhir["category"][0]["coding"][0]["code"] == "PAT"  # the template's service section
    text = base64.b64decode(fhir["presentedForm"][0]["data"]).decode("utf-8")
    assert "pT2 pN1a." in text and "Nottingham grade 2" in text and "Dr Path Example" in text


def test_discrepant_example_fires_every_rule(service, examples):
    turn = service.start(example_to_case(examples["pathology-breast-mastectomy-discrepant"]))
    assert turn.status == "review" and turn.draft.specialty == "pathology"
    c = codes(turn)
    assert {"cap-core-element-missing", "nottingham-grade-mismatch", "synoptic-laterality-mismatch",
            "lymph-nodes-involved-exceeds-examined"} <= c
    missing = {f.region: f.severity for f in turn.flags if f.code == "cap-core-element-missing"}
    assert missing == {"site": "warning", "extent": "warning", "margins": "critical"}
    lat = next(f for f in turn.flags if f.code == "synoptic-laterality-mismatch")
    assert lat.region == "laterality" and lat.snippet_ids == ["cap-core-laterality"]
    # fixing the node count in the editor clears that flag
    turn = service.edit_region(turn.case_id, "lymph_nodes", "Lymph nodes 3 of 5 positive.")
    assert "lymph-nodes-involved-exceeds-examined" not in codes(turn)


def test_tiny_model_drafts_the_synoptic_template(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.pipeline import draft_case
    from pixtralogist.finetune.tiny import build_tiny_llava_next, train_tokenizer
    from pixtralogist.plugins.pathology.examples import example_cases

    model_dir = build_tiny_llava_next(tmp_path / "tiny-llava", tokenizer=train_tokenizer(), seed=0)
    env = {"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_PATHOLOGY_BACKEND": "transformers",
           "PIXTRALOGIST_PATHOLOGY_BASE_MODEL": str(model_dir), "PIXTRALOGIST_PATHOLOGY_MAX_NEW_TOKENS": "16"}
    host = get_plugin_manager(autoload=False, settings=load_settings(env=env))
    assert host.model_config("pathology").backend == "transformers"
    assert host.model_config("radiology").backend == "offline"  # the setting is per specialty
    case = example_to_case(example_cases()[0])
    draft, decision = draft_case(case, host)
    assert decision.choice.specialty == "pathology"
    assert draft.regions == host.template("breast-resection").region_names
    assert all(draft.by_region()[r] for r in draft.regions)
    prov = draft.provenance
    assert (prov.engine, prov.source, prov.plugin, prov.template_id) == ("transformers", "model", "pathology",
                                                                          "breast-resection")
    assert prov.model == model_dir.name
    defaults = [f for f in draft.findings if f.is_default]
    assert defaults and all(f.provenance.source == "template-default" and not f.abnormal for f in defaults)
    assert {f.code for f in draft.flags} & {"model-output-unparseable", "model-region-missing"}
    # gibberish never passes for a report: the core elements it did not give are flagged
    flags = host.verify(draft, case, host.template("breast-resection"), host.guidelines("pathology"))
    assert "cap-core-element-missing" in {f.code for f in flags}
