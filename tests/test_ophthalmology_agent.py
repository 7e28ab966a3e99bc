"""The ophthalmology plugin end to end: the real agent (LangGraph + SQLite + chromadb) on the offline
engine, the plugin contract, and drafting through a tiny local transformers model."""

from __future__ import annotations

import base64

import pytest

from pixtralogist.core.examples import example_to_case, list_examples
from pixtralogist.core.plugins import get_plugin_manager

SPEC = "ophthalmology"
RULE_WARNINGS = {"icdr-grade-mismatch", "icdr-grade-missing", "eye-laterality-mismatch", "dme-missing-from-impression"}


@pytest.fixture(scope="module")
def examples():
    return {ex.id: ex for ex in list_examples(get_plugin_manager(autoload=False), SPEC)}


def codes(turn) -> set[str]:
    return {f.code for f in turn.flags}


def test_example_case_through_the_agent_to_a_signed_fhir_report(service, examples):
    from pixtralogist.core.export import to_fhir

    case = example_to_case(examples["oph-fundus-pdr-dicom"])
    turn = service.start(case)
    assert turn.status == "review", turn.error
    d = turn.draft
    assert (d.specialty, d.template_id) == (SPEC, "fundus") and not d.is_signed
    regions = d.region_dict()
    assert "neovascularization of the disc" in regions["optic_disc"].lower() and "right eye" in regions["optic_disc"]
    assert "vitreous hemorrhage" in regions["periphery"].lower()
    nvd = next(f for f in d.findings if "of the disc" in f.text)
    assert nvd.laterality == "right" and nvd.abnormal and nvd.provenance.source == "dictation"
    # citations: ICDR snippets retrieved for the findings
    cited = {c.snippet.id for cs in turn.citations.values() for c in cs}
    assert "icdr-2003-pdr" in cited
    assert set(nvd.provenance.guideline_ids) <= cited
    # PDR signs dictated without a grade: the drafter states the level they support, to confirm
    assert d.impression[0].startswith("Proliferative diabetic retinopathy in the right eye")
    assert {"icdr-grade-drafted", "icdr-grade-derived"} <= codes(turn) and not codes(turn) & RULE_WARNINGS
    # the clinician removes it: the rule asks for the grade
    turn = service.edit_impression(turn.case_id, "\n".join(d.impression[1:]))
    missing = next(f for f in turn.flags if f.code == "icdr-grade-missing")
    assert "PDR" in missing.message and "icdr-2003-pdr" in missing.snippet_ids

    # the clinician states the grade: the flag goes, nothing contradicts
    impression = "\n".join(["PDR in the right eye."] + d.impression[1:])
    turn = service.edit_impression(turn.case_id, impression)
    assert not codes(turn) & RULE_WARNINGS, [f.message for f in turn.flags if f.code in RULE_WARNINGS]
    turn = service.edit_region(turn.case_id, "others", "Media clear; image quality adequate.")
    assert turn.draft.region_dict()["others"] == "Media clear; image quality adequate."
    turn = service.sign(turn.case_id, "Dr Iris Example")
    assert turn.status == "signed" and turn.draft.signed_by == "Dr Iris Example"

    fhir = to_fhir(turn.draft, service.case(turn.case_id), citations=turn.citations)
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    text = base64.b64decode(fhir["presentedForm"][0]["data"]).decode()
    assert "PDR in the right eye" in text and "neovascularization of the disc" in text.lower()
    assert "PDR in the right eye" in fhir["conclusion"]


def test_consistent_example_raises_no_rule_warning(service, examples):
    turn = service.start(example_to_case(examples["oph-fundus-npdr-png"]))
    assert turn.status == "review" and turn.draft.template_id == "fundus"
    assert not codes(turn) & RULE_WARNINGS, [f.message for f in turn.flags if f.code in RULE_WARNINGS]
    assert turn.draft.impression[:2] == ["Moderate non-proliferative diabetic retinopathy in the right eye.",
                                         "Mild non-proliferative diabetic retinopathy in the left eye."]


def test_octa_example_drafts_the_octa_regions(service, examples):
    turn = service.start(example_to_case(examples["oph-octa-dicom"]))
    d = turn.draft
    assert d.template_id == "octa"
    regions = d.region_dict()
    assert "FAZ" in regions["faz"] and "SCP" in regions["superficial_plexus"] and "DCP" in regions["deep_plexus"]
    assert all("left eye" in regions[r] for r in ("faz", "superficial_plexus", "deep_plexus", "non_perfusion"))
    assert any(f.code == "default-unverified" for f in turn.flags)  # 'others' holds the template default


def test_laterality_and_dme_flags_fire_after_edits(service, examples):
    from pixtralogist.core.imaging import build_case

    ex = examples["oph-fundus-npdr-png"]
    case = build_case([ex.images[0].data], indication="Type 2 diabetes, screening",
                      notes="OD: NVD, scattered MAs. macular edema OD")
    turn = service.start(case)
    assert turn.draft.specialty == SPEC
    turn = service.edit_impression(turn.case_id, "PDR in the left eye.")
    c = codes(turn)
    assert "eye-laterality-mismatch" in c and "dme-missing-from-impression" in c
    lat = next(f for f in turn.flags if f.code == "eye-laterality-mismatch")
    assert "local-convention-eye-laterality" in lat.snippet_ids


def test_plugin_contract():
    from pixtralogist.core.testing import assert_plugin_contract

    problems = assert_plugin_contract("ophthalmology")
    assert not problems, problems  # no warnings either


# --- a configured model backend: a tiny local LLaVA-NeXT -------------------------------------------------


@pytest.fixture(scope="module")
def tiny_llava(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from pixtralogist.finetune.tiny import build_tiny_llava_next, train_tokenizer

    return build_tiny_llava_next(tmp_path_factory.mktemp("tiny") / "tiny-llava-next", tokenizer=train_tokenizer(), seed=0)


def test_drafting_through_a_tiny_transformers_model(tiny_llava, tmp_path, examples):
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.models import Draft
    from pixtralogist.core.pipeline import draft_case
    from pixtralogist.plugins.ophthalmology.model_drafter import EyeModelDrafter

    env = {
        "PIXTRALOGIST_HOME": str(tmp_path),
        "PIXTRALOGIST_OPHTHALMOLOGY_BACKEND": "transformers",
        "PIXTRALOGIST_OPHTHALMOLOGY_BASE_MODEL": str(tiny_llava),
        "PIXTRALOGIST_OPHTHALMOLOGY_MAX_NEW_TOKENS": "24",
    }
    host = get_plugin_manager(autoload=False, settings=load_settings(env=env))
    case = example_to_case(examples["oph-octa-dicom"])
    tpl = host.template("octa")
    assert isinstance(host.drafter(SPEC, tpl), EyeModelDrafter)
    draft, decision = draft_case(case, host)
    assert (decision.choice.specialty, decision.choice.template_id) == (SPEC, "octa")
    Draft.model_validate(draft.model_dump())
    assert draft.regions == tpl.region_names and all(draft.by_region()[r] for r in draft.regions)
    assert not draft.is_signed
    prov = draft.provenance
    assert (prov.engine, prov.source, prov.plugin, prov.template_id) == ("transformers", "model", SPEC, "octa")
    assert prov.model == tiny_llava.name
    defaults = [f for f in draft.findings if f.is_default]
    assert defaults and all(f.provenance.source == "template-default" and not f.abnormal for f in defaults)
    assert {f.code for f in draft.flags} & {"model-output-unparseable", "model-region-missing"}
    assert draft.impression
