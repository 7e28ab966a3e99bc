"""Patient identifiers in a DICOM reach only the identity store and the identified exports.

A copy of pydicom's CT_small carries a recognisable patient name, id, birth
date, accession number, institution, referring physician and address (also
typed into its descriptions), planted study/series/instance/frame-of-reference
UIDs, study id and date, and the upload's file name is the patient's name. The
whole flow runs through the app's callbacks on the real service: preview,
draft, edit, chat, sign, every export (text, JSON, FHIR, DICOM SR), the case
list, with logging at DEBUG to a file. Then every file the app wrote (SQLite
databases with their WAL files included, read byte-wise) is searched for every
identifier and for the SHA-256 of the uploaded file: only ``identity.sqlite``
(owner-only) and, in identified mode, the FHIR and DICOM SR exports (which go
back to the originating system) may hold them. In research mode
(``exports: {deidentify: true}``) no export holds any.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import stat

import pytest

gr = pytest.importorskip("gradio")

from pixtralogist.agents.service import ReportingService  # noqa: E402
from pixtralogist.core.plugins import get_plugin_manager  # noqa: E402
from pixtralogist.ui.app import create_ui  # noqa: E402
from pixtralogist.ui.controller import EXPORT_KEYS, TURN_KEYS, new_session  # noqa: E402

from test_reliability_support import PHI, PHI_NEEDLES, write_phi_dicom, write_png  # noqa: E402

#: Study identity planted besides the patient identifiers (UIDs are identifiers under DICOM PS3.15).
STUDY = {
    "StudyInstanceUID": "1.2.826.0.1.3680043.99.77123.1",
    "SeriesInstanceUID": "1.2.826.0.1.3680043.99.77123.2",
    "SOPInstanceUID": "1.2.826.0.1.3680043.99.77123.3",
    "FrameOfReferenceUID": "1.2.826.0.1.3680043.99.77123.4",
    "StudyID": "STIDX4417",
    "StudyDate": "19870913",
}
IDENTITY_FILES = ("identity.sqlite", "identity.sqlite-wal", "identity.sqlite-shm")


def write_identified_dicom(path):
    """The PHI DICOM of the reliability tests plus planted study identity."""
    import pydicom

    write_phi_dicom(path)
    ds = pydicom.dcmread(path)
    for key, value in STUDY.items():
        setattr(ds, key, value)
    ds.file_meta.MediaStorageSOPInstanceUID = STUDY["SOPInstanceUID"]
    ds.save_as(path)
    return path

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def encodings(needle: str) -> list[bytes]:
    """The byte forms an identifier could be stored in (UTF-8, UTF-16, any case; DICOM PN with spaces)."""
    forms = {needle, needle.upper(), needle.lower(), needle.replace("^", " ")}
    out = []
    for f in forms:
        out += [f.encode("utf-8"), f.encode("utf-16-le")]
    return out


def snapshot(root) -> dict:
    """Every file under ``root`` and its bytes, now (while the service runs: SQLite WAL files included)."""
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def scan(root, needles, skip=(), files: dict | None = None) -> list[tuple[str, str]]:
    hits = []
    files = snapshot(root) if files is None else files
    for path, data in files.items():
        if path in skip or path.name in skip:
            continue
        for needle in needles:
            if any(form in data for form in encodings(needle)):
                hits.append((str(path.relative_to(root)), needle))
    return hits


def run_phi_flow(tmp_path, deidentify: bool = False):
    """The whole flow over a DICOM with planted identifiers.

    Returns (files the app wrote by name, written folder, case id, exports by format, the DICOM, needles).
    """
    uploads, written = tmp_path / "uploads", tmp_path / "written"
    uploads.mkdir()
    data_dir, export_dir, log_file = written / "data", written / "exports", written / "app.log"
    written.mkdir()
    dcm = write_identified_dicom(uploads / f"{PHI['PatientName'].replace('^', '_')}_{PHI['PatientID']}.dcm")
    png = write_png(uploads / "lateral.png")
    needles = sorted(set(PHI_NEEDLES) | set(STUDY.values()) | {hashlib.sha256(dcm.read_bytes()).hexdigest(),
                                                              hashlib.sha256(png.read_bytes()).hexdigest()})
    assert all(any(f in dcm.read_bytes() for f in encodings(n)) for n in [*PHI.values(), *STUDY.values()])
    config = tmp_path / "config.yaml"
    config.write_text(f"exports:\n  deidentify: {'true' if deidentify else 'false'}\n", "utf-8")
    from pixtralogist.core.config import load_settings

    settings = load_settings(config, env={})
    assert settings.exports.deidentify is deidentify

    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    svc = ReportingService.create(data_dir, host=get_plugin_manager(autoload=False, settings=settings))
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
        exported = {}
        for fmt, fn in (("text", ctl.export_text), ("json", ctl.export_json), ("fhir", ctl.export_fhir),
                        ("dicom-sr", ctl.export_dicom_sr)):
            res = dict(zip(EXPORT_KEYS, fn(session)))
            exported[fmt] = res["export_file"]["value"]
            assert ("de-identified" in res["status"]) is deidentify
        ctl.refresh_cases()
        ctl.open_case(session, cid)
        # A failing upload of the same file (too many images) logs and reports without identifiers too.
        ctl.draft(session, files * 3, "", "", "", "", "radiology")
        svc.recover()
        running = snapshot(written)  # with the stores open: WAL and shared-memory files are there
    finally:
        svc.close()
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()

    return written, cid, exported, dcm, needles, running


def test_identifiers_reach_only_the_identity_store_and_the_identified_exports(tmp_path):
    from pathlib import Path

    import pydicom

    written, cid, exported, dcm, needles, running = run_phi_flow(tmp_path)
    export_dir, log_file = written / "exports", written / "app.log"
    assert set(exported) == {"text", "json", "fhir", "dicom-sr"}
    assert all(p.startswith(str(export_dir)) for p in exported.values())
    running_files = {p.name for p in running}
    assert {"agent.sqlite", "feedback.sqlite", "audit.sqlite", "identity.sqlite", "app.log"} <= running_files
    assert {"agent.sqlite-wal", "feedback.sqlite-wal", "identity.sqlite-wal"} <= running_files  # WAL searched too
    assert log_file.read_text("utf-8").count(cid) >= 1  # logs carry the case id
    identified = {Path(exported["fhir"]), Path(exported["dicom-sr"])}
    skip = {*IDENTITY_FILES, *identified}
    assert scan(written, needles, skip, running) == []  # while running (WAL files)
    assert scan(written, needles, skip) == []  # and after closing
    # The identity store and the identified exports do hold them: the report can be filed.
    store = b"".join(data for p, data in running.items() if p.name in IDENTITY_FILES)
    assert PHI["PatientID"].encode() in store and STUDY["StudyInstanceUID"].encode() in store
    sr = pydicom.dcmread(exported["dicom-sr"])
    assert (str(sr.PatientName), sr.PatientID, sr.AccessionNumber, sr.StudyID, sr.StudyDate) == (
        PHI["PatientName"], PHI["PatientID"], PHI["AccessionNumber"], STUDY["StudyID"], STUDY["StudyDate"])
    assert sr.StudyInstanceUID == STUDY["StudyInstanceUID"]
    fhir = json.loads(Path(exported["fhir"]).read_text("utf-8"))
    assert fhir["subject"]["identifier"]["value"] == PHI["PatientID"]
    study = next(r for r in fhir["contained"] if r["resourceType"] == "ImagingStudy")
    assert {"system": "urn:dicom:uid", "value": f"urn:oid:{STUDY['StudyInstanceUID']}"} in study["identifier"]
    assert any(i.get("value") == PHI["AccessionNumber"] for i in study["identifier"])
    # Control: the scanner finds the identifiers when they are there.
    shutil.copy(dcm, written / "control.dcm")
    assert {*PHI.values(), *STUDY.values()} <= {n for _, n in scan(written, needles, skip)}


def test_identity_store_is_owner_only_with_its_wal(tmp_path):
    from pixtralogist.core.identity import CaseIdentity, ImageIdentity
    from pixtralogist.persistence.identity import IdentityStore

    path = tmp_path / "home" / "identity.sqlite"
    store = IdentityStore.open(path)
    record = CaseIdentity(images=[ImageIdentity(label="image-1.dcm", source_sha256="0" * 64, patient_id="P1")])
    store.put("case-1", record)
    files = [p for p in path.parent.iterdir() if p.name in IDENTITY_FILES]
    assert {p.name for p in files} == set(IDENTITY_FILES)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), [oct(p.stat().st_mode) for p in files]
    assert store.get("case-1") == record and store.get("case-2") is None
    key = store.research_key()
    assert len(key) == 32 and store.research_key() == key
    store.close()
    path.chmod(0o644)  # a copy made with broader rights is tightened when opened
    again = IdentityStore.open(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert again.get("case-1") == record and again.research_key() == key
    assert again.delete("case-1") and again.get("case-1") is None
    again.close()


def test_research_exports_carry_no_identifier_at_all(tmp_path):
    import pydicom

    written, cid, exported, dcm, needles, running = run_phi_flow(tmp_path, deidentify=True)
    assert scan(written, needles, set(IDENTITY_FILES), running) == []  # every export included
    assert scan(written, needles, set(IDENTITY_FILES)) == []
    sr = pydicom.dcmread(exported["dicom-sr"])
    assert sr.PatientIdentityRemoved == "YES" and sr.PatientID.startswith("ANON-")
    assert sr.StudyInstanceUID != STUDY["StudyInstanceUID"]
    from pathlib import Path

    fhir = json.loads(Path(exported["fhir"]).read_text("utf-8"))
    assert "identifier" not in fhir["subject"] and "imagingStudy" not in fhir
    assert "issued" not in fhir and "effectiveDateTime" not in fhir
