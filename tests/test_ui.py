"""The Gradio app without a browser: layout and event wiring through ``demo.config``,
and the callbacks called directly with real files against the real service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
from PIL import Image

gr = pytest.importorskip("gradio")

from pixtralogist.core.plugins import get_plugin_manager  # noqa: E402
from pixtralogist.ui import auth  # noqa: E402
from pixtralogist.ui.app import bind_warning, create_ui, is_loopback  # noqa: E402
from pixtralogist.ui.controller import (  # noqa: E402
    CASES_KEYS,
    EXPORT_KEYS,
    NEW_CASE_KEYS,
    PREVIEW_KEYS,
    PRESET_KEYS,
    SCREEN_KEYS,
    TURN_KEYS,
    new_session,
)
from pixtralogist.ui.review import MAX_REGIONS  # noqa: E402

from conftest import REPO  # noqa: E402

PATIENT_NAME = "Testperson^Jane"
PATIENT_ID = "PID-998877"
NOTES = "small L effusion, heart nl, 7 mm RUL nodule, old R rib fx"


# --- test data (also used by test_ui_browser.py) --------------------------------------


def make_png(path, size: int = 192):
    """A grey gradient 'radiograph' PNG."""
    Image.linear_gradient("L").resize((size, size)).save(path)
    return path


def make_dx_dicom(path, size: int = 192):
    """A chest radiograph DICOM (DX, CHEST, PA, 12-bit) carrying a patient name and id."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    sop_class = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = PATIENT_NAME, PATIENT_ID, "19700101"
    ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber = "20260105", "093000", "ST1", "ACC1"
    ds.Modality, ds.BodyPartExamined, ds.ViewPosition = "DX", "CHEST", "PA"
    yy, xx = np.mgrid[0:size, 0:size]
    pixels = (2048 + 1500 * np.sin(xx / 17.0) * np.cos(yy / 23.0)).astype(np.uint16)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = 2048, 3000
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("uploads")
    pydicom_data = pytest.importorskip("pydicom.data")
    return {
        "png": str(make_png(d / "frontal.png")),
        "dx": str(make_dx_dicom(d / "Testperson_Jane.dcm")),
        "ct": pydicom_data.get_testdata_file("CT_small.dcm"),
        "txt": str(_write(d / "notes.txt", b"not an image at all")),
        "gif": str(_write(d / "scan.png", b"GIF89a" + b"\x00" * 64)),  # a GIF named .png
    }


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def demo(service, tmp_path_factory):
    return create_ui(service, export_dir=tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def ctl(demo):
    return demo.px_controller


def shown(markdown: str) -> str:
    """What Markdown escaped by ``render.esc`` displays: backslash escapes and entities resolved."""
    import html
    import re

    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def as_dict(keys, values):
    assert len(keys) == len(values)
    return dict(zip(keys, values))


def is_update(v) -> bool:
    return isinstance(v, dict) and v.get("__type__") == "update" and len(v) > 1


def is_skip(v) -> bool:
    return isinstance(v, dict) and v.get("__type__") == "update" and len(v) == 1


def upd(v, attr):
    """A property of an update (gr.update dict) or a plain value."""
    return v.get(attr) if isinstance(v, dict) else v


class Screen:
    """What the browser shows of each output: its properties and value, as Gradio applies each event's
    outputs (an update sets the properties it names, a plain value the value, a skip nothing)."""

    def __init__(self) -> None:
        self.props: dict[str, dict] = {}

    def apply(self, keys, values) -> dict:
        out = as_dict(keys, values)
        for key, v in out.items():
            shown = self.props.setdefault(key, {})
            if isinstance(v, dict) and v.get("__type__") == "update":
                shown.update({k: x for k, x in v.items() if k != "__type__"})
            else:
                shown["value"] = v
        return out

    def __getitem__(self, key: str) -> dict:
        return self.props.get(key, {})


# --- layout and wiring ------------------------------------------------------------------


ELEM_IDS = {
    "intake-files": "file", "intake-gallery": "gallery", "window-center": "number", "window-width": "number",
    "window-preset": "dropdown", "window-apply": "button", "indication": "textbox", "comparison": "textbox",
    "prior-report": "textbox", "notes": "textbox", "specialty": "dropdown", "draft-btn": "button",
    "new-case": "button", "chat": "chatbot", "chat-input": "textbox", "chat-send": "button", "status": "markdown",
    "banner": "html", "choose-radio": "radio", "choose-btn": "button", "impression": "textbox",
    "save-btn": "button", "sign-name": "textbox", "sign-btn": "button", "export-text": "button",
    "export-json": "button", "export-fhir": "button", "export-file": "file", "provenance": "markdown",
    "cases-table": "dataframe", "cases-pick": "dropdown", "cases-open": "button", "cases-refresh": "button",
    "intake-status": "markdown", "general-flags": "markdown",
    **{f"region-{i}": "textbox" for i in range(MAX_REGIONS)},
    **{f"region-{i}-notes": "markdown" for i in range(MAX_REGIONS)},
}


def _by_elem_id(demo):
    return {c["props"].get("elem_id"): c for c in demo.config["components"] if c["props"].get("elem_id")}


def test_components_exist_with_their_elem_ids(demo):
    comps = _by_elem_id(demo)
    for elem_id, kind in ELEM_IDS.items():
        assert elem_id in comps, elem_id
        assert comps[elem_id]["type"] == kind, (elem_id, comps[elem_id]["type"])
    assert comps["intake-files"]["props"]["file_count"] == "multiple"
    assert demo.config["analytics_enabled"] is False


def test_cached_signatures_leave_every_block_config_as_it_was(demo):
    """ui.gradio_signatures: Gradio reads each component's signature once; the configs it builds (for a
    session, and for each prop update of an event's outputs) are the same as without the cache."""
    import importlib
    import inspect

    import gradio as gr

    from pixtralogist.ui import gradio_signatures

    assert gradio_signatures.installed()  # create_ui installed it
    blocks_config = demo.default_config

    def configs() -> dict:
        out = {i: blocks_config.config_for_block(i, [], b) for i, b in demo.blocks.items()}
        tb = gr.Textbox(value="x", label="Region 1", interactive=False, render=False)  # an output's update
        out["update"] = blocks_config.config_for_block(tb._id, [], tb)
        out["update"].pop("id"), out["update"].pop("key", None)
        return out

    cached = configs()
    modules = [importlib.import_module(name) for name in gradio_signatures._MODULES]
    try:
        for m in modules:
            m.inspect = inspect
        assert not gradio_signatures.installed()
        plain = configs()
    finally:
        assert gradio_signatures.install() and gradio_signatures.installed()
    assert cached == plain and len(plain) > 100
    spec = gradio_signatures._INSPECT.getfullargspec(gr.Textbox.__init__)
    spec.args.append("mutated")  # a caller's change to what it got does not reach the cache
    assert "mutated" not in gradio_signatures._INSPECT.getfullargspec(gr.Textbox.__init__).args


def test_specialty_menu_lists_auto_and_installed(demo):
    choices = [c[1] for c in _by_elem_id(demo)["specialty"]["props"]["choices"]]
    assert choices[0] == "auto"
    assert set(get_plugin_manager(autoload=False).specialties()) <= set(choices)


def test_session_state_is_per_user(demo):
    states = [c for c in demo.config["components"] if c["type"] == "state"]
    assert len(states) == 1
    a, b = new_session(), new_session()
    assert a == b and a is not b and a["cases"] is not b["cases"]


# (trigger key, event, controller method, input keys, output keys)
REGIONS = tuple(f"region_{i}" for i in range(MAX_REGIONS))
FORM = ("files", "indication", "comparison", "prior_report", "notes", "specialty")
WIRING = [
    ("files", "change", "preview", ("session", "files"), PREVIEW_KEYS),
    ("window_preset", "input", "window_preset", ("window_preset",), PRESET_KEYS),
    ("window_apply", "click", "apply_window",
     ("session", "files", "window_image", "window_center", "window_width"), PREVIEW_KEYS),
    ("draft_btn", "click", "draft", ("session", *FORM), TURN_KEYS),
    ("new_case", "click", "new_case", ("session",), NEW_CASE_KEYS),
    ("choose_btn", "click", "choose", ("session", "choose_radio"), TURN_KEYS),
    ("save_btn", "click", "save_edits", ("session", "impression", *REGIONS), TURN_KEYS),
    ("chat_send", "click", "send_message", ("session", "chat_input"), TURN_KEYS),
    ("chat_input", "submit", "send_message", ("session", "chat_input"), TURN_KEYS),
    ("sign_btn", "click", "sign", ("session", "sign_name", "impression", *REGIONS), TURN_KEYS),
    ("export_text", "click", "export_text", ("session",), EXPORT_KEYS),
    ("export_json", "click", "export_json", ("session",), EXPORT_KEYS),
    ("export_fhir", "click", "export_fhir", ("session",), EXPORT_KEYS),
    ("cases_refresh", "click", "refresh_cases", (), CASES_KEYS),
    ("cases_open", "click", "open_case", ("session", "cases_pick"), TURN_KEYS),
    ("cases_table", "select", "open_selected", ("session",), TURN_KEYS),
]


@pytest.mark.parametrize(("trigger", "event", "method", "inputs", "outputs"), WIRING, ids=[w[2] + ":" + w[1] for w in WIRING])
def test_event_wiring(demo, ctl, trigger, event, method, inputs, outputs):
    c = demo.px_components
    deps = [d for d in demo.config["dependencies"] if (c[trigger]._id, event) in [tuple(t) for t in d["targets"]]]
    assert len(deps) == 1, f"{trigger}.{event} should be wired exactly once"
    dep = deps[0]
    assert demo.fns[dep["id"]].fn == getattr(ctl, method)
    assert dep["inputs"] == [c[k]._id for k in inputs]
    assert dep["outputs"] == [c[k]._id for k in outputs]
    assert dep["collects_event_data"] is (method == "open_selected")


def test_case_list_loads_with_the_page(demo, ctl):
    loads = [d for d in demo.config["dependencies"] if any(t[1] == "load" for t in d["targets"])]
    assert [demo.fns[d["id"]].fn for d in loads] == [ctl.refresh_cases]


# --- intake callbacks -------------------------------------------------------------------


def test_preview_png_and_dicom(ctl, files):
    out = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["png"], files["ct"]]))
    gallery = upd(out["gallery"], "value")
    assert upd(out["gallery"], "visible") is True
    assert [caption.split(" ")[0] for _, caption in gallery] == ["image-1.png", "image-2.dcm"]
    assert all(isinstance(img, Image.Image) for img, _ in gallery)
    assert upd(out["window_group"], "visible") is True
    assert upd(out["window_image"], "choices") == [("image-2.dcm", 2)]
    assert isinstance(out["window_center"], float) and out["window_width"] >= 1
    assert "2 images ready" in out["intake_status"]
    # no patient identifier or uploaded file name on screen
    assert "CompressedSamples" not in json.dumps([c for _, c in gallery])


def test_window_preset_and_apply(ctl, files):
    assert ctl.window_preset("lung") == [-600.0, 1500.0]
    assert all(is_skip(v) for v in ctl.window_preset("file default"))
    session = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["png"], files["ct"]]))["session"]
    first = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["png"], files["ct"]]))
    before = upd(first["gallery"], "value")[1][0]
    out = as_dict(PREVIEW_KEYS, ctl.apply_window(session, [files["png"], files["ct"]], 2, -600, 1500))
    img, caption = out["gallery"][1]
    assert "W 1500 / C -600" in caption
    assert np.asarray(img).tolist() != np.asarray(before).tolist()
    assert out["session"]["windows"] == {"2": [-600.0, 1500.0]}


def test_window_on_a_png_is_refused_readably(ctl, files):
    with pytest.warns(UserWarning, match="DICOM"):
        out = as_dict(PREVIEW_KEYS, ctl.apply_window(new_session(), [files["png"]], 1, 40, 400))
    assert "DICOM images only" in out["intake_status"]
    assert is_skip(out["gallery"])


@pytest.mark.parametrize(("kind", "expected"), [("txt", "not a PNG, JPEG or DICOM"), ("gif", "GIF")])
def test_bad_upload_is_a_readable_message(ctl, files, kind, expected):
    with pytest.warns(UserWarning):
        out = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["png"], files[kind]]))
    assert expected in out["intake_status"] and "Image 2" in out["intake_status"]
    assert "Traceback" not in out["intake_status"]
    assert upd(out["gallery"], "visible") is False and upd(out["window_group"], "visible") is False


def test_too_many_images(ctl, files):
    with pytest.warns(UserWarning):
        out = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["png"]] * 5))
    assert "at most 4" in out["intake_status"]


def test_errors_without_a_case_keep_the_session_usable(ctl, files):
    session = new_session()
    with pytest.warns(UserWarning):
        out = as_dict(TURN_KEYS, ctl.send_message(session, "what does Fleischner say?"))
    assert "No case is open" in out["status"]
    assert all(is_skip(out[k]) for k in TURN_KEYS if k not in ("status", "intake_status"))
    with pytest.warns(UserWarning):
        out = as_dict(TURN_KEYS, ctl.draft(session, None, "", "", "", "", "auto"))
    assert "No image was given" in out["intake_status"]
    with pytest.warns(UserWarning):
        out = as_dict(EXPORT_KEYS, ctl.export_fhir(session))
    assert "No case is open" in out["status"]


# --- the whole review loop through the callbacks ----------------------------------------------


def _region_index(out, word):
    """The slot of the region whose label names ``word``, in a turn's outputs or on a :class:`Screen`."""
    for i in range(MAX_REGIONS):
        box = out[f"region_{i}"]
        label = box.get("label") if isinstance(out, Screen) else upd(box, "label")
        if word.lower() in (label or "").lower():
            return i
    raise AssertionError(f"no region labelled like {word!r}")


def test_draft_edit_chat_sign_export(ctl, service, files):
    screen = Screen()
    out = screen.apply(TURN_KEYS, ctl.draft(new_session(), [files["png"], files["dx"]], "Cough. Chest x-ray.", "none",
                                       "", NOTES, "auto"))
    session = out["session"]
    cid = session["case_id"]
    turn = service.get(cid)
    assert turn.status == "review"
    draft = turn.draft
    # one visible, editable, labelled box per template region; the rest hidden
    for i in range(MAX_REGIONS):
        if i < len(draft.regions):
            name = draft.regions[i]
            assert upd(out[f"slot_{i}"], "visible") is True
            assert upd(out[f"region_{i}"], "label") == draft.region_labels[name]
            assert upd(out[f"region_{i}"], "value") == draft.region_text(name)
            assert upd(out[f"region_{i}"], "interactive") is True
        else:
            assert upd(out[f"slot_{i}"], "visible") is False
    assert "not signed" in out["banner"]
    assert upd(out["draft_panel"], "visible") is True and upd(out["choose_group"], "visible") is False
    lung = _region_index(out, "lung")
    assert "effusion" in upd(out[f"region_{lung}"], "value").lower()
    # flags and guideline citations shown beside the nodule's region
    assert "Fleischner" in out[f"notes_{lung}"] or "fleischner" in out[f"notes_{lung}"]
    assert "<details>" in out[f"notes_{lung}"]
    assert upd(out["impression"], "value") == "\n".join(draft.impression)
    assert cid in [r[0] for r in out["cases_table"]]
    assert PATIENT_NAME.split("^")[0] not in json.dumps(out["cases_table"]) + out["status"]

    # edit a region and save
    texts = [upd(out[f"region_{i}"], "value") or "" for i in range(MAX_REGIONS)]
    heart = _region_index(out, "heart")
    texts[heart] = "Mild cardiomegaly."
    out = screen.apply(TURN_KEYS, ctl.save_edits(session, upd(out["impression"], "value"), *texts))
    assert "Saved 1 edit" in out["status"]
    assert service.get(cid).draft.region_text("heart") == "Mild cardiomegaly."
    assert upd(out[f"region_{heart}"], "value") == "Mild cardiomegaly."
    session = out["session"]

    # nothing changed: nothing sent
    texts = [upd(out[f"region_{i}"], "value") or "" for i in range(MAX_REGIONS)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "no changes" is information, not a warning
        out = as_dict(TURN_KEYS, ctl.save_edits(session, upd(out["impression"], "value"), *texts))
    assert "No changes" in out["status"]

    # a guideline question in the chat
    out = screen.apply(TURN_KEYS, ctl.send_message(session, "what does Fleischner say for 7 mm?"))
    assert upd(out["chat_input"], "value") == ""
    chat = out["chat"]
    assert chat[-2]["role"] == "user" and shown(chat[-2]["content"]) == "what does Fleischner say for 7 mm?"
    assert chat[-1]["role"] == "assistant" and "fleischner" in chat[-1]["content"].lower()
    stale_session, session = session, out["session"]  # the app keeps the state each answer returns

    # sign: boxes locked, banner and provenance say who signed
    texts = [upd(out[f"region_{i}"], "value") or "" for i in range(MAX_REGIONS)]
    out = screen.apply(TURN_KEYS, ctl.sign(session, "Dr A. Example", upd(out["impression"], "value"), *texts))
    assert service.get(cid).status == "signed"
    assert "Signed by <b>Dr A. Example</b>" in out["banner"]
    assert all(screen[f"region_{i}"]["interactive"] is False for i in range(MAX_REGIONS))
    assert screen["impression"]["interactive"] is False and screen["save_btn"]["interactive"] is False
    assert screen["sign_btn"]["interactive"] is False and screen["chat_input"]["interactive"] is False
    assert "Dr A. Example" in shown(out["provenance"]) and "offline" in out["provenance"]

    # a signed report cannot be edited: through a screen drawn before the sign-off the action is
    # refused as stale (and the signed case shown); through the current one, it is not in review
    with pytest.warns(UserWarning):
        again = as_dict(TURN_KEYS, ctl.send_message(stale_session, "add small right pleural effusion"))
    assert "Not applied" in again["status"] and "Signed by" in again["banner"]
    with pytest.warns(UserWarning):
        again = as_dict(TURN_KEYS, ctl.send_message(out["session"], "add small right pleural effusion"))
    assert "not waiting" in again["status"]
    assert service.get(cid).status == "signed"

    # exports
    res = as_dict(EXPORT_KEYS, ctl.export_fhir(out["session"]))
    assert upd(res["export_file"], "visible") is True
    fhir = json.loads(open(upd(res["export_file"], "value"), encoding="utf-8").read())
    assert fhir["resourceType"] == "DiagnosticReport" and fhir["status"] == "final"
    assert fhir["conclusion"] and fhir["resultsInterpreter"] == [{"display": "Dr A. Example"}]
    assert fhir["code"]["coding"][0]["code"] == "36643-5"  # two views
    assert len(fhir["media"]) == 2
    text = open(upd(as_dict(EXPORT_KEYS, ctl.export_text(out["session"]))["export_file"], "value"),
                encoding="utf-8").read()
    assert "Mild cardiomegaly." in text and "Signed by Dr A. Example" in text
    doc = json.loads(open(upd(as_dict(EXPORT_KEYS, ctl.export_json(out["session"]))["export_file"], "value")).read())
    assert doc["status"] == "signed"
    for blob in (text, json.dumps(doc)):  # text and JSON never carry identity
        assert "Testperson" not in blob and PATIENT_ID not in blob
    # the FHIR export goes back to the originating system: it names the patient (identity store)
    assert fhir["subject"]["identifier"]["value"] == PATIENT_ID


def test_unconfident_routing_asks_then_drafts(ctl, service, files):
    # a CT with no chest words: the router will not guess
    out = as_dict(TURN_KEYS, ctl.draft(new_session(), [files["ct"]], "staging", "", "", "mass", "auto"))
    session = out["session"]
    assert service.get(session["case_id"]).status == "choose_specialty"
    assert upd(out["choose_group"], "visible") is True and upd(out["draft_panel"], "visible") is False
    choices = upd(out["choose_radio"], "choices")
    assert "radiology" in [v for _, v in choices]
    assert "choose the specialty" in out["status"]
    with pytest.warns(UserWarning):
        bad = as_dict(TURN_KEYS, ctl.choose(session, None))
    assert "Choose a specialty" in bad["status"]
    out = as_dict(TURN_KEYS, ctl.choose(session, "radiology"))
    assert service.get(session["case_id"]).status == "review"
    assert upd(out["choose_group"], "visible") is False and upd(out["draft_panel"], "visible") is True


def test_hint_skips_routing_and_windows_reach_the_case(ctl, service, files):
    session = as_dict(PREVIEW_KEYS, ctl.preview(new_session(), [files["ct"]]))["session"]
    session = as_dict(PREVIEW_KEYS, ctl.apply_window(session, [files["ct"]], 1, 40, 400))["session"]
    out = as_dict(TURN_KEYS, ctl.draft(session, [files["ct"]], "", "", "", "heart nl", "radiology"))
    cid = out["session"]["case_id"]
    assert service.get(cid).status == "review"
    meta = service.case(cid).images[0].meta
    assert (meta.window_center, meta.window_width) == (40.0, 400.0)


def test_cases_open_and_new_case(ctl, service, files):
    out = as_dict(TURN_KEYS, ctl.draft(new_session(), [files["png"]], "Chest x-ray", "", "", "heart nl", "radiology"))
    cid = out["session"]["case_id"]
    table, pick = ctl.refresh_cases()
    assert cid in [r[0] for r in table] and cid in upd(pick, "choices")
    other = new_session()  # another browser: nothing open until it opens the case
    reopened = as_dict(TURN_KEYS, ctl.open_case(other, cid))
    assert reopened["session"]["case_id"] == cid and other["case_id"] is None
    assert f"Opened case `{cid}`" in reopened["status"]
    assert upd(reopened["draft_panel"], "visible") is True
    with pytest.warns(UserWarning):
        missing = as_dict(TURN_KEYS, ctl.open_case(other, "case-doesnotexist"))
    assert "no case" in missing["status"]
    cleared = as_dict(NEW_CASE_KEYS, ctl.new_case(reopened["session"]))
    assert cleared["files"] is None and cleared["notes"] == "" and cleared["specialty"] == "auto"
    assert cleared["session"]["case_id"] is None and cid in cleared["session"]["cases"]
    assert upd(cleared["draft_panel"], "visible") is False


def test_case_list_is_sent_only_when_it_changed(ctl, service, files):
    """A turn brings the case list only when the case index changed since this session got it."""
    screen = Screen()
    first = screen.apply(TURN_KEYS, ctl.draft(new_session(), [files["png"]], "Cough", "", "", NOTES, "radiology"))
    cid = first["session"]["case_id"]
    assert cid in [r[0] for r in first["cases_table"]] and cid in upd(first["cases_pick"], "choices")
    version = service.case_list_version()
    assert first["session"]["cases_version"] == version
    again = screen.apply(TURN_KEYS, ctl.open_case(first["session"], cid))  # reading a case changes no list
    assert service.case_list_version() == version
    assert is_skip(again["cases_table"]) and is_skip(again["cases_pick"])
    assert cid in again["status"] and upd(again["region_0"], "value")  # the rest of the turn is there
    # a colleague drafts: the list changed, so this session's next turn brings it, once
    other = as_dict(TURN_KEYS, ctl.draft(new_session(), [files["png"]], "Fever", "", "", "heart nl", "radiology"))
    assert service.case_list_version() != version
    after = screen.apply(TURN_KEYS, ctl.open_case(again["session"], cid))
    assert other["session"]["case_id"] in [r[0] for r in after["cases_table"]]
    assert is_skip(as_dict(TURN_KEYS, ctl.open_case(after["session"], cid))["cases_table"])
    # an edit moves the case in the list (its status and time): sent again
    region = _region_index(screen, "lung")
    texts = [screen[f"region_{i}"].get("value") or "" for i in range(MAX_REGIONS)]
    texts[region] = texts[region] + " Reviewed."
    saved = as_dict(TURN_KEYS, ctl.save_edits(after["session"], upd(after["impression"], "value"), *texts))
    assert "Saved 1 edit" in saved["status"] and cid == saved["cases_table"][0][0]


def test_a_turn_sends_only_the_properties_that_changed(ctl, service, files):
    """Within one case, an output whose properties the screen already shows is sent as its value alone
    (Gradio rebuilds a component for every property update, a skip included); what the browser then
    shows is what a full render of the same turn shows. Two actions started from one session state:
    the second to finish sends every property again."""
    screen = Screen()
    out = screen.apply(TURN_KEYS, ctl.draft(new_session(), [files["png"]], "Cough", "", "", NOTES, "radiology"))
    assert all(is_update(out[f"region_{i}"]) for i in range(MAX_REGIONS))  # a new case: every property
    session, heart = out["session"], _region_index(out, "heart")
    texts = [screen[f"region_{i}"].get("value") or "" for i in range(MAX_REGIONS)]
    texts[heart] = "Mild cardiomegaly."
    impression = screen["impression"]["value"]
    saved = screen.apply(TURN_KEYS, ctl.save_edits(session, impression, *texts))
    assert "Saved 1 edit" in saved["status"]
    # the boxes' labels and interactivity did not change: their values alone
    assert all(isinstance(saved[f"region_{i}"], str) for i in range(MAX_REGIONS))
    assert saved[f"region_{heart}"] == "Mild cardiomegaly." and isinstance(saved["impression"], str)
    assert is_skip(saved["draft_panel"]) and is_skip(saved["slot_0"]) and is_skip(saved["save_btn"])
    full = Screen()  # a browser that gets the same turn drawn in full
    full.apply(TURN_KEYS, ctl.open_case(new_session(), session["case_id"]))
    for key in SCREEN_KEYS:
        assert screen[key] == {k: v for k, v in full[key].items() if k in screen[key]}, key
        assert set(full[key]) <= set(screen[key]), key
    # a colleague's concurrent action from the same state: both are answered; the later one in full
    texts[heart] = "Mild cardiomegaly, unchanged."
    first = as_dict(TURN_KEYS, ctl.save_edits(saved["session"], impression, *texts))
    texts[heart] = "Mild cardiomegaly, stable."
    second = as_dict(TURN_KEYS, ctl.save_edits(saved["session"], impression, *texts))
    assert isinstance(first[f"region_{heart}"], str)
    assert "Not applied" in second["status"] and is_update(second[f"region_{heart}"])
    # signing locks the boxes: that property changed, so it is sent
    signed = Screen()
    signed.props = {k: dict(v) for k, v in screen.props.items()}
    out = signed.apply(TURN_KEYS, ctl.sign(second["session"], "Dr Screen", impression, *texts))
    assert service.get(session["case_id"]).status == "signed"
    assert all(signed[f"region_{i}"]["interactive"] is False for i in range(MAX_REGIONS))
    assert upd(out[f"region_{heart}"], "interactive") is False


def test_serve_settings_from_the_environment(service):
    from pixtralogist.core.errors import ConfigError
    from pixtralogist.ui.serving import TORCH_THREADS_ENV, WORKERS_ENV, ServeSettings

    assert ServeSettings.from_env({}) == ServeSettings(workers=2, torch_threads=1, engine="process")
    assert ServeSettings.from_env({WORKERS_ENV: " 6 ", TORCH_THREADS_ENV: "4"}) == ServeSettings(6, 4)
    for bad in ("0", "many", "-1", "1000", "2.5"):
        with pytest.raises(ConfigError, match=WORKERS_ENV):
            ServeSettings.from_env({WORKERS_ENV: bad})
    # the agent's actions share one pool of `workers`; the app's queue uses it as its default
    demo = create_ui(service, settings=ServeSettings(workers=3))
    ctl = demo.px_controller
    heavy = {ctl.draft, ctl.save_edits, ctl.sign, ctl.send_message, ctl.choose, ctl.open_case}
    fns = [f for f in demo.fns.values() if f.fn in heavy]
    assert {f.fn for f in fns} == heavy
    assert {(f.concurrency_id, f.concurrency_limit) for f in fns} == {("agent", 3)}
    assert demo._queue.default_concurrency_limit == 3
    assert all(f.concurrency_id != "agent" for f in demo.fns.values() if f.fn == ctl.export_text)


def test_dicom_sr_export_only_for_dicom_cases(demo, ctl, service, files):
    import pydicom

    c = demo.px_components
    assert c["export_dicom_sr"].elem_id == "export-dicom-sr" and c["export_dicom_sr"].visible is False
    (dep,) = [d for d in demo.config["dependencies"] if [c["export_dicom_sr"]._id, "click"] in
              [list(t) for t in d["targets"]]]
    assert demo.fns[dep["id"]].fn == ctl.export_dicom_sr
    assert dep["outputs"] == [c[k]._id for k in EXPORT_KEYS]

    # a PNG-only case: no button, and a stale click gets a readable message, no file
    out = as_dict(TURN_KEYS, ctl.draft(new_session(), [files["png"]], "Cough", "", "", NOTES, "radiology"))
    assert upd(out["export_dicom_sr"], "visible") is False
    with pytest.warns(UserWarning, match="PNG/JPEG"):
        res = as_dict(EXPORT_KEYS, ctl.export_dicom_sr(out["session"]))
    assert "only PNG/JPEG images" in res["status"] and is_skip(res["export_file"])

    # a DICOM case: the button is shown and writes a .dcm SR filed with the source study
    out = as_dict(TURN_KEYS, ctl.draft(new_session(), [files["dx"], files["png"]], "Cough", "", "", NOTES, "auto"))
    assert service.get(out["session"]["case_id"]).status == "review"
    assert upd(out["export_dicom_sr"], "visible") is True and upd(out["export_dicom_sr"], "interactive") is True
    res = as_dict(EXPORT_KEYS, ctl.export_dicom_sr(out["session"]))
    path = upd(res["export_file"], "value")
    assert path.endswith(".dcm") and "DICOM-SR (UNSIGNED AI draft)" in res["status"]
    sr, src = pydicom.dcmread(path), pydicom.dcmread(files["dx"])
    assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.33" and sr.StudyInstanceUID == src.StudyInstanceUID
    assert sr.CompletionFlag == "PARTIAL" and sr.VerificationFlag == "UNVERIFIED"
    # identified (the default): filed with its patient and study, from the identity store
    assert (sr.PatientID, str(sr.PatientName), sr.AccessionNumber) == (PATIENT_ID, PATIENT_NAME, "ACC1")


def test_unexpected_errors_show_one_sentence(ctl, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("internal detail /secret/path")

    monkeypatch.setattr(ctl.service, "list_cases", boom)
    with pytest.warns(UserWarning):
        out = as_dict(CASES_KEYS, ctl.refresh_cases())
    assert all(is_skip(v) for v in out.values())  # no status among these outputs; the toast says it
    monkeypatch.setattr(ctl.service, "get", boom)
    with pytest.warns(UserWarning, match="Something went wrong"):
        out = as_dict(TURN_KEYS, ctl.open_case(new_session(), "case-x"))
    assert "RuntimeError" in out["status"] and "/secret/path" not in out["status"]


# --- serving and login ------------------------------------------------------------------------


def test_loopback_and_bind_warning():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    assert bind_warning("127.0.0.1", None) is None
    assert "without a login" in bind_warning("0.0.0.0", None)
    assert bind_warning("0.0.0.0", lambda u, p: True) is None


def test_users_file(tmp_path):
    line = auth.hash_password("s3cret", iterations=1000)
    assert auth.verify_password("s3cret", line) and not auth.verify_password("wrong", line)
    f = tmp_path / "users"
    f.write_text(f"# clinicians\n\ndr_a:{line}\n", "utf-8")
    check = auth.make_auth(f)
    assert check("dr_a", "s3cret") and not check("dr_a", "nope") and not check("nobody", "s3cret")
    f.write_text("dr_a:plaintext\n", "utf-8")
    with pytest.raises(auth.ConfigError, match="line 1"):
        auth.load_users(f)
    assert auth.auth_from_env({}) is None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_binds_loopback_with_login(tmp_path):
    """``serve()`` in its own process: loopback, login from the users file, app answers."""
    import httpx

    users = tmp_path / "users"
    users.write_text(f"dr_a:{auth.hash_password('s3cret', iterations=1000)}\n", "utf-8")
    port = _free_port()
    env = {**os.environ, "PIXTRALOGIST_USERS_FILE": str(users), "GRADIO_ANALYTICS_ENABLED": "False",
           "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    code = f"from pixtralogist.ui.app import serve; serve(port={port}, data_dir={str(tmp_path / 'data')!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                r = httpx.get(f"{base}/config", timeout=2)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(proc.stdout.read() if proc.poll() is not None else "server did not start")
                time.sleep(0.3)
        assert r.status_code == 401  # the app's config needs a login
        with httpx.Client(base_url=base, timeout=5) as client:
            assert client.post("/login", data={"username": "dr_a", "password": "wrong"}).status_code == 400
            assert client.post("/login", data={"username": "dr_a", "password": "s3cret"}).status_code == 200
            cfg = client.get("/config").json()
            assert cfg["analytics_enabled"] is False and cfg["run_history"] is False
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "WARNING" not in out  # loopback: no exposure warning



@pytest.mark.slow
@pytest.mark.timeout(600)
def test_serve_prints_ready_line_and_answers_stats(tmp_path):
    """``pixtralogist serve``: the line saying it is ready to draft comes once the warm-up is done and the
    server listens; ``GET /stats`` answers without a login, with counts and no case data."""
    import threading

    import httpx
    from gradio_client import Client, handle_file

    from pixtralogist.ui.serving import READY_LINE

    port = _free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD": "1",
           "PIXTRALOGIST_HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("PIXTRALOGIST_USERS_FILE", None)
    proc = subprocess.Popen([sys.executable, "-m", "pixtralogist", "serve", "--port", str(port),
                             "--data-dir", str(tmp_path / "data")], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line)
            if READY_LINE in line:
                ready.set()
        ready.set()  # the server exited: the assertions below say so

    threading.Thread(target=pump, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert ready.wait(480) and proc.poll() is None, "".join(lines)[-3000:]
        (line,) = [ln for ln in lines if READY_LINE in ln]
        assert f"ready to draft at http://127.0.0.1:{port}" in line and "warm-up" in line
        assert any("Running on local URL" in ln for ln in lines[:lines.index(line)])  # after the server listens
        stats = httpx.get(f"{base}/stats", timeout=10)
        assert stats.status_code == 200 and stats.headers["cache-control"] == "no-store"
        body = stats.json()
        assert body["warm"] is True and body["in_flight"] == 0
        assert all(isinstance(v, (int, float, bool, str)) for v in body.values())
        client = Client(base + "/", verbose=False, download_files=False)
        png = make_png(tmp_path / "f.png")
        out = client.predict([handle_file(str(png))], "Cough", "", "", NOTES, "radiology", api_name="/draft")
        status = next(o for o in out if isinstance(o, str) and "**Case**" in o)
        client.close()
        after = httpx.get(f"{base}/stats", timeout=10).json()
        assert after["in_flight"] == 0 and "case-" not in json.dumps(after) and "case-" in status
        if "graph_runs" in body:  # ReportingService.stats(): a draft is one graph run
            assert after["graph_runs"] == body["graph_runs"] + 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
