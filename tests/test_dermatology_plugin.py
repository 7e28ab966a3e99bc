"""The dermatology plugin end to end: contract, examples, guidelines, the agent service, a tiny model."""

from __future__ import annotations

import pytest

from pixtralogist.core.examples import example_to_case, list_examples
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.plugins.dermatology import plugin
from pixtralogist.plugins.dermatology.examples import examples


@pytest.fixture(scope="module")
def host():
    return get_plugin_manager(autoload=False)


def test_registered_as_a_builtin(host):
    assert "dermatology" in host.specialties()
    assert [t.id for t in host.templates("dermatology")] == ["skin_lesion"]
    assert not host.failures


def test_plugin_contract():
    from pixtralogist.core.testing import assert_plugin_contract

    assert_plugin_contract("pixtralogist.plugins.dermatology.plugin", strict=True)


def test_guidelines_cite_the_allowed_sources_and_cover_the_regions(host):
    snippets = host.guidelines("dermatology")
    ids = {s.id for s in snippets}
    assert {"abcde-melanoma", "seven-point-checklist", "seven-point-threshold", "lesion-description-morphology"} <= ids
    tpl = host.template("skin_lesion")
    assert {r for s in snippets for r in s.regions} >= set(tpl.region_names)
    for s in snippets:
        assert s.applicability and s.keywords and s.source
        assert any(k in s.source for k in ("ABCDE", "Argenziano", "description conventions", "Local convention"))
    seven = [s for s in snippets if s.id.startswith("seven-point-")]
    assert all("Argenziano" in s.source and s.regions == ["dermoscopy"] for s in seven)
    # the rules cite only snippets that exist
    from pixtralogist.plugins.dermatology import rules

    cited = {c.snippet_id for c in rules.CRITERIA} | set(rules._ABCDE_SNIPPETS.values())
    assert cited <= ids


def test_examples_are_synthetic_small_deterministic_and_ingest(host):
    from pixtralogist.plugins.dermatology.examples import _build

    exs = list_examples(host, "dermatology")
    assert len(exs) == 3 and len({e.id for e in exs}) == 3
    first = [img.data for e in exs for img in e.images]
    _build.cache_clear()
    again = [img.data for e in examples() for img in e.images]
    assert first == again  # same bytes every time
    formats = set()
    for ex in exs:
        assert all(len(img.data) < 200_000 for img in ex.images)
        case = example_to_case(ex)
        formats |= {img.meta.format for img in case.images}
        assert all(img.meta.channels == 3 for img in case.images)
        best = host.route(case)[0]
        assert best.specialty == "dermatology" and best.template_id == ex.expected_template
    assert formats == {"png", "dicom", "jpeg"}
    dcm = example_to_case(next(e for e in exs if e.id == "derm-naevus-dicom-xc"))
    assert dcm.modality == "XC" and dcm.images[0].meta.photometric == "RGB"


# --- through the agent service ---------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory, host):
    from pixtralogist.agents.service import ReportingService

    svc = ReportingService.create(tmp_path_factory.mktemp("derm-data"), host=host)
    yield svc
    svc.close()


def codes(turn):
    return {f.code for f in turn.flags}


def test_service_end_to_end_on_an_example(service, host):
    from pixtralogist.core.export import to_fhir

    ex = next(e for e in list_examples(host, "dermatology") if e.id == "derm-changing-pigmented-lesion")
    case = example_to_case(ex)
    turn = service.start(case)
    assert turn.status == "review", turn.error
    d = turn.draft
    assert d.specialty == "dermatology" and d.template_id == "skin_lesion" and not d.is_signed
    assert "Atypical pigment network" in d.region_dict()["dermoscopy"]
    # rules fire on this case, built to trigger them
    assert {"seven-point-score", "seven-point-action-missing", "abcde-features"} <= codes(turn)
    warn = next(f for f in turn.flags if f.code == "seven-point-action-missing")
    assert "seven-point-threshold" in warn.snippet_ids
    # citations: retrieved guideline snippets for the dictated findings
    network = next(f for f in d.findings if "pigment network" in f.text.lower())
    cited = {c.snippet.id for c in turn.citations.get(network.id, [])}
    assert cited and any(i.startswith("seven-point") for i in cited), cited
    assert all(i.split("-")[0] in {"seven", "abcde", "lesion", "local"} for cs in turn.citations.values()
               for i in (c.snippet.id for c in cs))
    # the clinician states the plan: the warning goes, the score stays
    turn = service.edit_impression(turn.case_id, "Suspicious for melanoma. Excision biopsy with 2 mm margins.")
    assert "seven-point-action-missing" not in codes(turn) and "seven-point-score" in codes(turn)
    # edit a region, then sign and export
    turn = service.edit_region(turn.case_id, "surface", "Smooth surface, no ulceration.")
    assert turn.draft.region_dict()["surface"] == "Smooth surface, no ulceration."
    assert next(f for f in turn.draft.findings if f.region == "surface").provenance.source == "clinician"
    turn = service.sign(turn.case_id, "Dr Derm Example")
    assert turn.status == "signed" and turn.draft.signed_by == "Dr Derm Example"
    fhir = to_fhir(turn.draft, service.case(turn.case_id), citations=turn.citations)
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    assert "Excision biopsy" in fhir["conclusion"]


def test_service_consistent_case_has_no_rule_warnings(service, host):
    ex = next(e for e in list_examples(host, "dermatology") if e.id == "derm-naevus-dicom-xc")
    turn = service.start(example_to_case(ex))
    assert turn.status == "review" and turn.draft.specialty == "dermatology"
    ours = {"seven-point-action-missing", "seven-point-score-mismatch", "abcde-benign-without-comment",
            "lesion-size-missing", "lesion-site-missing"}
    assert not codes(turn) & ours, codes(turn)
    assert turn.draft.impression[0] == "Benign naevus."


def test_service_flags_missing_size(service, host):
    ex = next(e for e in list_examples(host, "dermatology") if e.id == "derm-scaly-plaques-jpeg")
    turn = service.start(example_to_case(ex))
    assert "lesion-size-missing" in codes(turn) and "lesion-site-missing" not in codes(turn)


# --- a tiny vision-language model through the transformers backend ------------------------------


def test_drafting_through_a_tiny_model(tmp_path, host):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.pipeline import draft_case
    from pixtralogist.finetune.tiny import build_tiny_llava_next, train_tokenizer

    base = build_tiny_llava_next(tmp_path / "tiny-llava", tokenizer=train_tokenizer(), seed=0)
    env = {"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_DERMATOLOGY_BACKEND": "transformers",
           "PIXTRALOGIST_DERMATOLOGY_BASE_MODEL": str(base), "PIXTRALOGIST_DERMATOLOGY_MAX_NEW_TOKENS": "16"}
    tiny_host = get_plugin_manager(autoload=False, settings=load_settings(env=env))
    assert tiny_host.model_config("dermatology").backend == "transformers"
    ex = next(e for e in list_examples(host, "dermatology") if e.id == "derm-changing-pigmented-lesion")
    draft, decision = draft_case(example_to_case(ex), tiny_host)
    assert decision.choice.specialty == "dermatology"
    assert draft.regions == tiny_host.template("skin_lesion").region_names
    assert all(draft.by_region()[r] for r in draft.regions)  # every region present (model text or fallback)
    prov = draft.provenance
    assert (prov.engine, prov.source, prov.plugin, prov.template_id) == ("transformers", "model", "dermatology", "skin_lesion")
    assert prov.model == base.name and not draft.is_signed
    defaults = [f for f in draft.findings if f.is_default]
    assert defaults and all(f.provenance.source == "template-default" and not f.abnormal for f in defaults)
    assert {f.code for f in draft.flags} & {"model-output-unparseable", "model-region-missing"}
    # the rules run on a model draft too (nothing measured: size and site are flagged)
    flags = tiny_host.verify(draft, example_to_case(ex), tiny_host.template("skin_lesion"),
                             tiny_host.guidelines("dermatology"))
    assert "lesion-size-missing" in {f.code for f in flags}
