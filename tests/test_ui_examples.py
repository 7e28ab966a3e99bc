"""The intake's "Try example" menu (issue 7), without a browser: the example cases of every installed
plugin (here the example third-party dental plugin, found through its entry point) are listed, one is
loaded into the intake fields, previewed and drafted through the real service."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

gr = pytest.importorskip("gradio")

from pixtralogist.core.errors import CaseError  # noqa: E402
from pixtralogist.core.examples import (  # noqa: E402
    example_choices,
    find_example,
    list_examples,
    write_example_images,
)
from pixtralogist.core.plugins import get_plugin_manager  # noqa: E402
from pixtralogist.ui.app import create_ui  # noqa: E402
from pixtralogist.ui.controller import EXAMPLE_KEYS, PREVIEW_KEYS, TURN_KEYS, new_session  # noqa: E402
from pixtralogist.ui.review import MAX_REGIONS  # noqa: E402

from test_ui import shown  # noqa: E402


def as_dict(keys, values):
    assert len(keys) == len(values)
    return dict(zip(keys, values))


def upd(v, attr):
    return v.get(attr) if isinstance(v, dict) else v


@pytest.fixture(scope="module")
def host(dental_installed_module):
    return get_plugin_manager()  # autoload: the dental example plugin comes from its entry point


@pytest.fixture(scope="module")
def service(host, tmp_path_factory):
    from pixtralogist.agents.service import ReportingService

    svc = ReportingService.create(tmp_path_factory.mktemp("data"), host=host)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def examples_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("examples")


@pytest.fixture(scope="module")
def demo(service, tmp_path_factory, examples_dir):
    demo = create_ui(service, export_dir=tmp_path_factory.mktemp("exports"))
    demo.px_controller.examples_dir = examples_dir
    return demo


@pytest.fixture(scope="module")
def ctl(demo):
    return demo.px_controller


# --- core helpers ---------------------------------------------------------------------------------


def test_helpers(host, tmp_path):
    examples = list_examples(host)
    ids = [e.id for e in examples]
    assert {"dental-bitewing", "dental-panoramic"} <= set(ids) and len(ids) == len(set(ids))
    choices = example_choices(examples, {"dental": "Dental radiographs"})
    assert ("Dental radiographs: " + examples[ids.index("dental-bitewing")].title, "dental-bitewing") in choices
    ex = find_example(host, "dental-panoramic")
    with pytest.raises(CaseError, match="Choose an example"):
        find_example(host, None)
    with pytest.raises(CaseError, match="no example case 'nope'"):
        find_example(host, "nope")
    a, b = write_example_images(ex, tmp_path), write_example_images(ex, tmp_path)
    assert a != b and a[0].parent.parent == tmp_path  # one folder per call
    assert [p.read_bytes() for p in a] == [i.data for i in ex.images]
    assert a[0].name == "panoramic.png"


# --- layout and wiring ----------------------------------------------------------------------------


def test_menu_lists_the_installed_examples_and_is_wired(demo, ctl):
    comps = {c["props"].get("elem_id"): c for c in demo.config["components"] if c["props"].get("elem_id")}
    assert comps["example-pick"]["type"] == "dropdown" and comps["example-btn"]["type"] == "button"
    values = [v for _, v in comps["example-pick"]["props"]["choices"]]
    assert {"dental-bitewing", "dental-panoramic"} <= set(values)
    assert values == [v for _, v in ctl.example_choices()]
    c = demo.px_components
    deps = [d for d in demo.config["dependencies"] if [c["example_btn"]._id, "click"] in [list(t) for t in d["targets"]]]
    assert len(deps) == 1
    assert demo.fns[deps[0]["id"]].fn == ctl.try_example
    assert deps[0]["inputs"] == [c["example_pick"]._id]
    assert deps[0]["outputs"] == [c[k]._id for k in EXAMPLE_KEYS]


def test_menu_hidden_without_examples(tmp_path):
    from pixtralogist.agents.service import ReportingService

    svc = ReportingService.create(tmp_path / "data", host=get_plugin_manager(autoload=False, builtins=()), retrieval=False)
    try:
        demo = create_ui(svc, export_dir=tmp_path / "exports")
        assert demo.px_controller.example_choices() == []
        row = next(c for c in demo.config["components"] if c["props"].get("elem_id") == "example-row")
        assert row["props"]["visible"] is False
    finally:
        svc.close()


# --- the callback -----------------------------------------------------------------------------------


def test_try_example_fills_the_intake_then_previews_and_drafts(ctl, service, host, examples_dir):
    ex = find_example(host, "dental-bitewing")
    out = as_dict(EXAMPLE_KEYS, ctl.try_example("dental-bitewing"))
    files = out["files"]
    assert len(files) == 1 and Path(files[0]).read_bytes() == ex.images[0].data
    assert Path(files[0]).is_relative_to(examples_dir)
    assert (out["indication"], out["comparison"], out["notes"]) == (ex.indication, ex.comparison, ex.notes)
    assert out["prior_report"] == "" and out["specialty"] == "auto"
    assert ex.title in shown(out["intake_status"]) and "synthetic" in out["intake_status"]

    # what the files' change event then does: a preview of the synthetic DICOM (modality IO)
    prev = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), files))
    [(img, caption)] = upd(prev["gallery"], "value")
    assert "IO" in caption and upd(prev["window_group"], "visible") is True

    # and "Draft report" with the loaded fields: routed to the plugin, one box per region
    turn = as_dict(TURN_KEYS, ctl.draft(prev["session"], files, out["indication"], out["comparison"],
                                        out["prior_report"], out["notes"], out["specialty"]))
    cid = turn["session"]["case_id"]
    draft = service.get(cid).draft
    assert draft.specialty == "dental" and service.get(cid).status == "review"
    labels = [upd(turn[f"region_{i}"], "label") for i in range(MAX_REGIONS) if upd(turn[f"slot_{i}"], "visible")]
    assert labels == [draft.region_labels[r] for r in draft.regions]
    assert "caries" in upd(turn["region_0"], "value").lower()


def test_try_example_errors_are_readable(ctl):
    with pytest.warns(UserWarning):
        out = as_dict(EXAMPLE_KEYS, ctl.try_example(None))
    assert "Choose an example" in out["intake_status"]
    assert all(isinstance(out[k], dict) and out[k].get("__type__") == "update" for k in EXAMPLE_KEYS[:-1])
    with pytest.warns(UserWarning):
        out = as_dict(EXAMPLE_KEYS, ctl.try_example("dental-deleted"))
    assert "no example case" in out["intake_status"]


def test_default_examples_folder_is_served_by_gradio(service):
    from pixtralogist.ui.controller import Controller

    ctl = Controller(service, {})
    assert ctl.examples_dir.is_relative_to(Path(tempfile.gettempdir()))


def _builtin_examples():
    from pixtralogist.core.examples import list_examples

    return [(ex.id, ex.specialty, ex.expected_template)
            for ex in list_examples(get_plugin_manager(autoload=False))]


@pytest.mark.parametrize("example_id, specialty, template_id", _builtin_examples())
def test_every_builtin_example_through_the_app_to_a_signed_fhir_export(ctl, service, example_id, specialty,
                                                                       template_id):
    """Each specialty's example: loaded in the app, drafted, signed and exported as FHIR."""
    import json

    out = as_dict(EXAMPLE_KEYS, ctl.try_example(example_id))
    turn = as_dict(TURN_KEYS, ctl.draft(new_session(), out["files"], out["indication"], out["comparison"],
                                        out["prior_report"], out["notes"], out["specialty"]))
    session = turn["session"]
    t = service.get(session["case_id"])
    assert t.status == "review", t.error
    assert (t.draft.specialty, t.draft.template_id) == (specialty, template_id or t.draft.template_id)
    texts = [upd(turn[f"region_{i}"], "value") for i in range(MAX_REGIONS) if upd(turn[f"slot_{i}"], "visible")]
    assert len(texts) == len(t.draft.regions)
    signed = as_dict(TURN_KEYS, ctl.sign(session, "Dr Ada Example", "\n".join(t.draft.impression), *texts))
    assert service.get(session["case_id"]).status == "signed", signed["status"]
    exported = as_dict(("export_file", "status"), ctl.export_fhir(session))
    fhir = json.loads(Path(upd(exported["export_file"], "value")).read_text())
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    assert fhir["performer"] and "Dr Ada Example" in json.dumps(fhir["performer"])
