"""Patient identifiers in a DICOM never reach logs, the feedback store, the checkpointer, the audit log or exports.

A copy of pydicom's CT_small carries a recognisable patient name, id, birth
date, accession number, institution, referring physician and address (also
typed into its descriptions), and the upload's file name is the patient's
name. The whole flow runs through the app's callbacks on the real service:
preview, draft, edit, chat, sign, every export, the case list, with logging
at DEBUG to a file. Then every file the app wrote (SQLite databases with
their WAL files included, read byte-wise) is searched for every identifier.
"""

from __future__ import annotations

import logging
import shutil

import pytest

gr = pytest.importorskip("gradio")

from pixtralogist.agents.service import ReportingService  # noqa: E402
from pixtralogist.core.plugins import get_plugin_manager  # noqa: E402
from pixtralogist.ui.app import create_ui  # noqa: E402
from pixtralogist.ui.controller import EXPORT_KEYS, TURN_KEYS, new_session  # noqa: E402

from test_reliability_support import PHI, PHI_NEEDLES, write_phi_dicom, write_png  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def encodings(needle: str) -> list[bytes]:
    """The byte forms an identifier could be stored in (UTF-8, UTF-16, any case; DICOM PN with spaces)."""
    forms = {needle, needle.upper(), needle.lower(), needle.replace("^", " ")}
    out = []
    for f in forms:
        out += [f.encode("utf-8"), f.encode("utf-16-le")]
    return out


def scan(root, needles) -> list[tuple[str, str]]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for needle in needles:
            if any(form in data for form in encodings(needle)):
                hits.append((str(path.relative_to(root)), needle))
    return hits


def run_phi_flow(tmp_path):
    """The whole flow over a DICOM with planted identifiers; returns (hits, written folder, case id, exports)."""
    uploads, written = tmp_path / "uploads", tmp_path / "written"
    uploads.mkdir()
    data_dir, export_dir, log_file = written / "data", written / "exports", written / "app.log"
    written.mkdir()
    dcm = write_phi_dicom(uploads / f"{PHI['PatientName'].replace('^', '_')}_{PHI['PatientID']}.dcm")
    png = write_png(uploads / "lateral.png")
    assert all(any(f in dcm.read_bytes() for f in encodings(n)) for n in PHI.values())  # the test can fail

    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    svc = ReportingService.create(data_dir, host=get_plugin_manager(autoload=False))
    try:
        ctl = create_ui(svc, export_dir=export_dir).px_controller
        files = [str(dcm), str(png)]
        ctl.preview(new_session(), files)
        out = dict(zip(TURN_KEYS, ctl.draft(new_session(), files, "Cough. Chest CT.", "none", "",
                                            "small L effusion, heart nl, 7 mm RUL nodule", "radiology")))
        session = out["session"]
        cid = session["case_id"]
        assert svc.get(cid).status == "review"
        regions = [svc.get(cid).draft.region_text(r) for r in session["cases"][cid]["regions"]]
        regions[0] = regions[0] + " Stable."
        out = dict(zip(TURN_KEYS, ctl.save_edits(session, session["cases"][cid]["impression"], *regions)))
        session = out["session"]
        out = dict(zip(TURN_KEYS, ctl.send_message(session, "add old right rib fracture")))
        session = out["session"]
        out = dict(zip(TURN_KEYS, ctl.sign(session, "Dr Signer", session["cases"][cid]["impression"],
                                           *[svc.get(cid).draft.region_text(r)
                                             for r in session["cases"][cid]["regions"]])))
        session = out["session"]
        assert svc.get(cid).status == "signed"
        exported = []
        for fn in (ctl.export_text, ctl.export_json, ctl.export_fhir):
            res = dict(zip(EXPORT_KEYS, fn(session)))
            exported.append(res["export_file"]["value"])
        ctl.refresh_cases()
        ctl.open_case(session, cid)
        # A failing upload of the same file (too many images) logs and reports without identifiers too.
        ctl.draft(session, files * 3, "", "", "", "", "radiology")
        svc.recover()
    finally:
        svc.close()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    return scan(written, PHI_NEEDLES), written, cid, exported, dcm


def test_planted_identifiers_never_leave_the_dicom(tmp_path):
    hits, written, cid, exported, dcm = run_phi_flow(tmp_path)
    export_dir, log_file = written / "exports", written / "app.log"
    assert len(exported) == 3 and all(p.startswith(str(export_dir)) for p in exported)
    written_files = {p.name for p in written.rglob("*") if p.is_file()}
    assert {"agent.sqlite", "feedback.sqlite", "audit.sqlite", "app.log"} <= written_files
    assert log_file.read_text("utf-8").count(cid) >= 1  # logs carry the case id
    assert hits == [], hits
    # Control: the scanner finds the identifiers when they are there.
    shutil.copy(dcm, written / "control.dcm")
    assert scan(written, PHI_NEEDLES)
