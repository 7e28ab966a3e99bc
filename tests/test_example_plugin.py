"""The example third-party plugin (examples/pixtralogist-dental), pip-installed into a temporary
folder and found through its ``pixtralogist`` entry point, end to end through the agent service:
route -> draft -> retrieve -> verify -> edit -> sign -> FHIR export."""

from __future__ import annotations

import importlib.metadata
import io
import json

import pytest
from PIL import Image

from pixtralogist.core.examples import example_to_case, list_examples
from pixtralogist.core.export import to_fhir
from pixtralogist.core.imaging import build_case
from pixtralogist.core.plugins import DISABLE_AUTOLOAD_ENV, ENTRY_POINT_GROUP, get_plugin_manager
from pixtralogist.core.testing import check_plugin


def _png(size=(96, 64)) -> bytes:
    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def host(dental_installed_module):
    return get_plugin_manager()  # autoload on


@pytest.fixture(scope="module")
def service(host, tmp_path_factory):
    from pixtralogist.agents.service import ReportingService

    svc = ReportingService.create(tmp_path_factory.mktemp("data"), host=host)
    yield svc
    svc.close()


# --- installation and discovery --------------------------------------------------------------------


def test_entry_point_is_installed_and_discovered(dental_installed_module):
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert eps.get("dental") == "pixtralogist_dental.plugin"
    dist = importlib.metadata.distribution("pixtralogist-dental")
    assert dist.version == "0.1.0" and str(dental_installed_module) in str(dist.locate_file(""))
    host = get_plugin_manager()
    assert host.failures == []
    assert host.specialty("dental").label == "Dental radiographs"
    assert [t.id for t in host.templates("dental")] == ["dental"]


def test_autoload_can_be_disabled(dental_installed_module, monkeypatch):
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    assert "dental" not in get_plugin_manager().specialties()
    assert "dental" not in get_plugin_manager(autoload=False).specialties()


# --- the plugin's parts ----------------------------------------------------------------------------


def test_examples_are_synthetic_small_deterministic_and_ingest(host):
    examples = list_examples(host, "dental")
    assert [e.id for e in examples] == ["dental-bitewing", "dental-panoramic"]
    again = list_examples(host, "dental")
    for ex, ex2 in zip(examples, again):
        assert [i.data for i in ex.images] == [i.data for i in ex2.images]
        assert all(len(i.data) < 200_000 for i in ex.images)
    bitewing = example_to_case(examples[0])
    assert (bitewing.modality, bitewing.body_part) == ("IO", "JAW")
    assert bitewing.images[0].meta.format == "dicom"
    assert example_to_case(examples[1]).images[0].meta.format == "png"
    assert examples[0] in list_examples(host)  # listed with every specialty's examples


def test_routing_does_not_steal_and_is_not_stolen(host):
    from pixtralogist.core.routing import decide_route

    chest = build_case([_png()], indication="Cough. Chest x-ray.", notes="heart nl")
    dental_png = build_case([_png()], indication="Bitewing radiographs", notes="caries 36 distal")
    scores = {s.specialty: s.score for s in host.route(chest)}
    assert scores["dental"] == 0.0 and decide_route(host.route(chest)).choice.specialty == "radiology"
    decision = decide_route(host.route(dental_png))
    assert decision.status == "routed" and decision.choice.specialty == "dental"
    ranked = host.route(dental_png)
    assert ranked[0].specialty == "dental" and ranked[0].score - ranked[1].score >= 0.3


@pytest.mark.parametrize(("sentence", "regions"), [
    ("Small distal caries tooth 36.", {"teeth"}),
    ("Tooth 38 is impacted.", {"teeth"}),
    ("Tooth 46 has an intact amalgam restoration.", {"restorations"}),
    ("Root canal filling in 21.", {"restorations"}),
    ("Horizontal bone loss in the lower incisor region.", {"periodontal"}),
    ("Calculus on the lower incisors.", {"periodontal"}),
    ("No periapical radiolucency.", {"periapical"}),
    ("Widened lamina dura at the apex of 46.", {"periapical"}),
    ("Recurrent caries under the crown of 36.", {"teeth", "restorations"}),
    ("Maxillary sinuses are clear.", {"others"}),
    ("Tooth 12.", {"teeth"}),
    ("Comparison with the prior film.", {"others"}),
])
def test_region_sorter(host, sentence, regions):
    sorter = host.region_sorter("dental", host.template("dental"))  # the kit's sorter on the dental lexicon
    assert sorter.classify(sentence) == frozenset(regions)
    sorted_ = sorter.sort(sentence)
    assert set(sorted_) == set(sorter.regions) and all(sentence in sorted_[r] for r in regions)


def test_dictation_keeps_negations_and_hedges(dental_installed_module):
    from pixtralogist.kit import parse_dictation
    from pixtralogist_dental.plugin import lexicon

    # the lexicon's shorthand ("PA", "perio", "amalg", "MOD" stays MOD, not the base's "moderate")
    assert parse_dictation("no PA lucency; ? caries #36, perio nl\nMOD amalg 46", lexicon=lexicon()) == [
        "No periapical lucency.", "Possible caries #36.", "Periodontal normal.", "MOD amalgam 46.",
    ]
    assert parse_dictation("", lexicon=lexicon()) == []


# --- end to end through the agent service ------------------------------------------------------------


def test_example_end_to_end_route_draft_retrieve_verify_edit_sign_export(host, service):
    ex = next(e for e in list_examples(host, "dental") if e.id == "dental-bitewing")
    case = example_to_case(ex)
    turn = service.start(case)
    assert turn.status == "review", turn.error
    d = turn.draft
    assert (d.specialty, d.template_id) == ("dental", "dental")
    assert d.status == "ai-draft-unsigned" and "AI-generated" in d.disclaimer
    assert d.provenance.plugin == "dental" and d.provenance.plugin_version == "0.1.0"
    regions = d.region_dict()
    assert list(regions) == ["teeth", "periodontal", "periapical", "restorations", "others"]
    assert "caries" in regions["teeth"].lower() and "36" in regions["teeth"]
    assert "amalgam" in regions["restorations"].lower()
    assert regions["periapical"] == "No periapical lucency."
    assert next(f for f in d.findings if f.region == "periapical").negated
    assert any("caries" in i.lower() for i in d.impression)
    assert next(f for f in d.findings if f.region == "others").is_default
    # retrieval: citations come from the plugin's own snippets
    cited = {c.snippet.id for cs in turn.citations.values() for c in cs}
    assert cited and all(i.startswith("dental-structure-") for i in cited)
    # every tooth-level statement names its tooth: the structural rule stays quiet
    assert "tooth-number-missing" not in {f.code for f in turn.flags}

    # the clinician edits a region, then signs
    turn = service.edit_region(turn.case_id, "restorations", "Tooth 46 MOD amalgam restoration with an overhang.")
    assert turn.status == "review"
    edited = [f for f in turn.draft.findings if f.region == "restorations"]
    assert [f.text for f in edited] == ["Tooth 46 MOD amalgam restoration with an overhang."]
    assert edited[0].provenance.source == "clinician"
    turn = service.sign(turn.case_id, "Dr D. Example")
    assert turn.status == "signed" and turn.draft.signed_by == "Dr D. Example"

    fhir = to_fhir(turn.draft, service.case(turn.case_id), citations=turn.citations)
    json.dumps(fhir)
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    assert fhir["resultsInterpreter"] == [{"display": "Dr D. Example"}]
    ext = {e["url"]: e for e in fhir["extension"][0]["extension"]}
    assert ext["plugin"]["valueString"] == "dental" and ext["template"]["valueString"] == "dental"
    assert ext["aiGenerated"]["valueBoolean"] is True and ext["clinicianSigned"]["valueBoolean"] is True
    [media] = fhir["contained"]
    assert media["modality"]["coding"][0]["code"] == "IO"


def test_structural_rule_fires_only_when_the_tooth_is_not_named(service):
    vague = build_case([_png()], indication="Bitewing radiographs.", notes="deep caries, perio nl")
    turn = service.start(vague)
    assert turn.status == "review" and turn.draft.specialty == "dental"
    [flag] = [f for f in turn.flags if f.code == "tooth-number-missing"]
    assert flag.severity == "warning" and flag.region == "teeth"
    assert flag.snippet_ids == ["dental-structure-tooth-reference"]
    assert flag.finding_id in {f.id for f in turn.draft.findings}

    named = build_case([_png()], indication="Bitewing radiographs.", notes="deep caries #47, no caries #46")
    turn = service.start(named)
    assert turn.draft.specialty == "dental"
    assert "tooth-number-missing" not in {f.code for f in turn.flags}


def test_example_plugin_passes_the_contract(host):
    assert check_plugin("dental", host=host) == []
