"""The identity store across restarts, the ``pixtralogist export`` command in both modes, and the FHIR
export against the FHIR R4B models of ``fhir.resources`` (when installed)."""

from __future__ import annotations

import json

import pydicom
import pytest

from pixtralogist.agents.service import ReportingService
from pixtralogist.cli import main
from pixtralogist.core.imaging import build_case
from pixtralogist.core.plugins import get_plugin_manager

from test_dicom_sr import PLANTED_ID, PLANTED_NAME, planted_ct, png_file

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def stored_case(tmp_path_factory):
    """A DICOM case started and signed in one service, then closed: (data dir, case id, source dataset)."""
    root = tmp_path_factory.mktemp("identity")
    src = planted_ct(root / "Quibblewick.dcm")
    svc = ReportingService.create(root / "data", host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        case = build_case([png_file(root / "f.png"), src], indication="Cough.", notes="small L effusion, heart nl")
        turn = svc.start(case)
        svc.sign(turn.case_id, "Example, Anna")
    finally:
        svc.close()
    return root / "data", turn.case_id, pydicom.dcmread(src)


def export(data_dir, case_id, out, *args) -> int:
    return main(["export", case_id, "--data-dir", str(data_dir), "--out", str(out), *args])


def test_cli_identified_sr_after_a_restart_carries_the_patient_and_study(stored_case, tmp_path, capsys,
                                                                          monkeypatch):
    data_dir, cid, src = stored_case
    monkeypatch.setenv("PIXTRALOGIST_HOME", str(tmp_path))  # no site file: identified by default
    assert export(data_dir, cid, tmp_path, "--format", "dicom-sr") == 0
    assert "identified, for the originating system" in capsys.readouterr().out
    sr = pydicom.dcmread(tmp_path / f"{cid}-dicom-sr.dcm")
    assert (str(sr.PatientName), sr.PatientID, sr.StudyInstanceUID) == (PLANTED_NAME, PLANTED_ID,
                                                                         src.StudyInstanceUID)
    assert (sr.CompletionFlag, sr.VerificationFlag) == ("COMPLETE", "VERIFIED")
    from dciodvfy import check_sr

    check_sr(sr, identified=True)


def test_cli_research_exports_from_flag_and_from_site_config(stored_case, tmp_path, capsys, monkeypatch):
    data_dir, cid, src = stored_case
    monkeypatch.setenv("PIXTRALOGIST_HOME", str(tmp_path))
    first, second = tmp_path / "flag", tmp_path / "config"
    first.mkdir()
    second.mkdir()
    assert export(data_dir, cid, first, "--format", "dicom-sr", "--deidentify") == 0
    (tmp_path / "config.yaml").write_text("exports:\n  deidentify: true\n", "utf-8")
    assert export(data_dir, cid, second, "--format", "dicom-sr") == 0
    assert capsys.readouterr().out.count("de-identified for research") == 2
    a = pydicom.dcmread(first / f"{cid}-dicom-sr.dcm")
    b = pydicom.dcmread(second / f"{cid}-dicom-sr.dcm")
    assert a.PatientIdentityRemoved == "YES" and a.PatientID.startswith("ANON-")
    # the same new UIDs and pseudonym across exports and processes (the key lives in identity.sqlite)
    assert (a.StudyInstanceUID, a.SeriesInstanceUID, a.PatientID) == (b.StudyInstanceUID, b.SeriesInstanceUID,
                                                                      b.PatientID)
    assert a.StudyInstanceUID != src.StudyInstanceUID
    blob = (first / f"{cid}-dicom-sr.dcm").read_bytes()
    for needle in (PLANTED_NAME, PLANTED_ID, "Quibblewick", src.StudyInstanceUID, src.SOPInstanceUID, "Anna"):
        assert needle.encode() not in blob, needle
    # --identified overrides the site configuration
    assert export(data_dir, cid, second, "--format", "fhir", "--identified") == 0
    fhir = json.loads((second / f"{cid}-fhir-diagnosticreport.json").read_text("utf-8"))
    assert fhir["subject"]["identifier"]["value"] == PLANTED_ID


def test_cli_unknown_case_is_a_clear_error(stored_case, tmp_path, capsys, monkeypatch):
    data_dir, _, _ = stored_case
    monkeypatch.setenv("PIXTRALOGIST_HOME", str(tmp_path))
    assert export(data_dir, "case-000000000000", tmp_path) == 2
    assert "no case 'case-000000000000'" in capsys.readouterr().err


def test_fhir_exports_validate_against_fhir_resources_r4b(stored_case, tmp_path, monkeypatch):
    """Skipped unless ``fhir.resources`` is installed (it is not a dependency of the project)."""
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    data_dir, cid, _ = stored_case
    monkeypatch.setenv("PIXTRALOGIST_HOME", str(tmp_path))
    for flag in ("--identified", "--deidentify"):
        assert export(data_dir, cid, tmp_path, "--format", "fhir", flag) == 0
        path = tmp_path / f"{cid}-fhir-diagnosticreport.json"
        report = DiagnosticReport.model_validate(json.loads(path.read_text("utf-8")))
        assert (report.subject.identifier is not None) is (flag == "--identified")


def test_export_help(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["export", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--deidentify" in text and "--identified" in text and "dicom-sr" in text
