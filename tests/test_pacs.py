"""PACS in, PACS out, against a real Orthanc (DICOMweb plugin) started on loopback ports from a generated
configuration (tests/servers.py; ``make pacs`` installs orthanc, orthanc-dicomweb and dcmtk)."""

from __future__ import annotations

import http.server
import io
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from servers import OrthancServer, free_port, orthanc_available

pytestmark = [pytest.mark.skipif(not orthanc_available(), reason="Orthanc not installed: run `make pacs`"),
              pytest.mark.timeout(240)]

PASSWORD = "test-secret"


def study_bytes(n: int, *, source: str = "CT_small.dcm", date: str = "20260101", **changes) -> tuple[bytes, dict]:
    """pydicom's ``source`` test file as study ``n`` of its own patient (new UIDs, patient id, accession)."""
    from pydicom.uid import generate_uid

    from test_radiology_ct_mri import dicom

    ids = {"PatientID": f"PX{n:04d}", "PatientName": f"Test^Patient{n}", "AccessionNumber": f"ACC{n:05d}",
           "StudyInstanceUID": generate_uid(), "SeriesInstanceUID": generate_uid(), "SOPInstanceUID": generate_uid(),
           "StudyDate": date, "StudyID": f"S{n}"}
    ids.update(changes)
    return dicom(source, **ids), ids


@pytest.fixture(scope="module")
def orthanc(tmp_path_factory):
    server = OrthancServer(tmp_path_factory.mktemp("orthanc"))
    server.start()
    yield server
    server.stop()


def settings_for(server: OrthancServer, **extra):
    from pixtralogist.pacs.settings import PacsSettings

    raw = {"dicomweb": {"url": server.dicomweb_url, "username": server.user, "password_env": "PACS_PW"},
           "retry_base_s": 0.05, "retry_max_s": 0.2, **extra}
    return PacsSettings.from_sources(raw, {"PACS_PW": server.password})


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager

    svc = ReportingService.create(tmp_path_factory.mktemp("data"), host=get_plugin_manager(autoload=False),
                                  retrieval=False)
    yield svc
    svc.close()


@pytest.fixture
def worklist(service, orthanc, tmp_path):
    from pixtralogist.pacs.worklist import Worklist

    wl = Worklist.open(service, settings_for(orthanc), data_dir=tmp_path)
    yield wl
    wl.close()


def sr_instances(server: OrthancServer, study_uid: str) -> list[dict]:
    found = [s for s in server.rest("/studies?expand") if s["MainDicomTags"]["StudyInstanceUID"] == study_uid]
    if not found:
        return []
    out = []
    for series in server.rest(f"/studies/{found[0]['ID']}/series?expand"):
        if series["MainDicomTags"].get("Modality") == "SR":
            out += server.rest(f"/series/{series['ID']}/instances?expand")
    return out


# --- the round trip -------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_search_open_sign_file_round_trip(orthanc, worklist, tmp_path):
    from pydicom import dcmread

    from dciodvfy import problems, run_dciodvfy
    from pixtralogist.pacs.client import StudyQuery

    data, ids = study_bytes(1, date="20261201")
    orthanc.upload(data)
    orthanc.upload(study_bytes(2, date="20250101")[0])
    rows = worklist.search(StudyQuery(patient_id="PX0001", modality="CT", date_from="2026-11-01", date_to="2026-12-31"))
    assert [r.study.study_uid for r in rows] == [ids["StudyInstanceUID"]]
    assert rows[0].state == "new" and rows[0].study.accession == "ACC00001"
    assert worklist.search(StudyQuery(accession="ACC00002"))[0].study.patient_id == "PX0002"
    assert worklist.search(StudyQuery(patient_id="PX0001", modality="MR")) == []

    opened = worklist.open_study(ids["StudyInstanceUID"], notes="small L effusion, heart nl", study=rows[0].study)
    assert opened.images == [ids["SOPInstanceUID"]]
    case_id = opened.turn.case_id
    assert not opened.turn.draft.is_signed
    assert worklist.service.identity_for_export(case_id).images[0].patient_id == "PX0001"  # identity store
    worklist.sign(case_id, "Dr A. Example")
    assert worklist.filing_status(case_id) == "filed"
    row = worklist.search(StudyQuery(patient_id="PX0001"))[0]
    assert (row.state, row.case_id, row.filing) == ("opened", case_id, "filed")

    srs = sr_instances(orthanc, ids["StudyInstanceUID"])
    assert len(srs) == 1
    sr_file = tmp_path / "filed-sr.dcm"
    sr_file.write_bytes(orthanc_file(orthanc, srs[0]["ID"]))
    sr = dcmread(sr_file)
    assert (sr.PatientID, sr.StudyInstanceUID, sr.AccessionNumber) == ("PX0001", ids["StudyInstanceUID"], "ACC00001")
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.ReferencedSOPSequence[0].ReferencedSOPInstanceUID == ids["SOPInstanceUID"]
    assert sr.ConceptNameCodeSequence[0].CodingSchemeDesignator == "LN"
    assert problems(run_dciodvfy(sr_file), identified=True) == []

    # filing again (a second sign-off click, a retry) never files a second report
    assert worklist.file(case_id) == "filed"
    assert len(sr_instances(orthanc, ids["StudyInstanceUID"])) == 1


def orthanc_file(server: OrthancServer, instance_id: str) -> bytes:
    import base64
    import urllib.request

    req = urllib.request.Request(f"{server.url}/instances/{instance_id}/file")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{server.user}:{server.password}".encode()).decode())
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.read()


def test_prior_report_fills_the_comparison(orthanc, worklist):
    earlier, ids = study_bytes(3, date="20250601")
    orthanc.upload(earlier)
    first = worklist.open_study(ids["StudyInstanceUID"], notes="7 mm RUL nodule")
    worklist.sign(first.turn.case_id, "Dr A. Example")
    later, ids2 = study_bytes(3, date="20260601")  # the same patient, a new study
    orthanc.upload(later)
    second = worklist.open_study(ids2["StudyInstanceUID"], notes="heart nl")
    case = worklist.service.case(second.turn.case_id)
    assert second.prior == "Prior CT 2025-06-01"
    assert case.comparison == "Prior CT 2025-06-01"
    assert "nodule" in case.prior_report.lower()


def test_the_clinician_chooses_other_images(orthanc, worklist):
    from pixtralogist.pacs.errors import PacsInputError

    data, ids = study_bytes(4)
    orthanc.upload(data)
    images, default = worklist.candidates(ids["StudyInstanceUID"])
    assert [r.sop_uid for r in default] == [ids["SOPInstanceUID"]]
    with pytest.raises(PacsInputError, match="Choose 1 to 4"):
        worklist.open_study(ids["StudyInstanceUID"], images=["1.2.3.4"])
    assert worklist.open_study(ids["StudyInstanceUID"], images=[images[0].sop_uid]).images == [images[0].sop_uid]


def test_choose_images_takes_the_middle_of_each_series():
    from pixtralogist.pacs.client import InstanceRef
    from pixtralogist.pacs.worklist import choose_images

    refs = [InstanceRef("1.1", f"1.2.{s}", f"1.3.{s}.{i}", "1.2.840.10008.5.1.4.1.1.2", series_number=s,
                        instance_number=i, rows=8, columns=8) for s in (3, 1, 2, 4, 5) for i in range(1, 8)]
    chosen = choose_images(refs)
    assert [(r.series_number, r.instance_number) for r in chosen] == [(1, 4), (2, 4), (3, 4), (4, 4)]


# --- bad input from the network --------------------------------------------------------------------------------


def test_study_with_no_images(orthanc, worklist):
    from pixtralogist.pacs.errors import PacsInputError

    data, ids = study_bytes(10, SOPClassUID="1.2.840.10008.5.1.4.1.1.88.11", Rows=None, Columns=None, PixelData=None,
                            Modality="SR")
    orthanc.upload(data)
    with pytest.raises(PacsInputError, match="no images"):
        worklist.open_study(ids["StudyInstanceUID"])
    assert worklist.inbox.get(ids["StudyInstanceUID"]).state == "failed"


def test_unsupported_sop_class(orthanc, worklist):
    from pixtralogist.pacs.errors import PacsInputError

    data, ids = study_bytes(11, SOPClassUID="1.2.840.10008.5.1.4.1.1.104.1", Rows=None, Columns=None,
                            PixelData=None, Modality="DOC")
    orthanc.upload(data)
    with pytest.raises(PacsInputError, match="Encapsulated PDF Storage .unsupported SOP class"):
        worklist.open_study(ids["StudyInstanceUID"])


def test_oversize_series(orthanc, worklist):
    from pixtralogist.pacs.errors import PacsInputError

    # the header says 4096 frames of 512 x 512 16-bit pixels: 2 GB, refused before anything is retrieved
    data, ids = study_bytes(12, Rows=512, Columns=512, NumberOfFrames=4096)
    orthanc.upload(data)
    with pytest.raises(PacsInputError, match=r"about 2\.0 GB .* limit of 512\.0 MB"):
        worklist.open_study(ids["StudyInstanceUID"])
    assert worklist.service.list_cases() == [] or all(
        c.case_id != (worklist.inbox.get(ids["StudyInstanceUID"]).case_id) for c in worklist.service.list_cases())


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b'[{"0020000D": {"vr": "UI", "Value": ["not a uid"]}}]' if "studies" in self.path else b"<html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/dicom+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_malformed_dicomweb_answer(service, tmp_path):
    from pixtralogist.pacs.client import StudyQuery
    from pixtralogist.pacs.errors import PacsInputError
    from pixtralogist.pacs.settings import PacsSettings
    from pixtralogist.pacs.worklist import Worklist

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/dicom-web"
        wl = Worklist.open(service, PacsSettings.from_sources({"dicomweb": {"url": url}}, {}), data_dir=tmp_path)
        with pytest.raises(PacsInputError, match="malformed answer .Study Instance UID is missing or not a DICOM UID"):
            wl.search(StudyQuery())
        wl.close()
    finally:
        httpd.shutdown()


def test_unreachable_pacs_says_so(service, tmp_path):
    from pixtralogist.pacs.client import StudyQuery
    from pixtralogist.pacs.errors import PacsUnavailableError
    from pixtralogist.pacs.settings import PacsSettings
    from pixtralogist.pacs.worklist import Worklist

    url = f"http://127.0.0.1:{free_port()}/dicom-web"
    wl = Worklist.open(service, PacsSettings.from_sources({"dicomweb": {"url": url}}, {}), data_dir=tmp_path)
    with pytest.raises(PacsUnavailableError, match="cannot be reached"):
        wl.search(StudyQuery())
    wl.close()


# --- the outbox: down, restart, retry, once ---------------------------------------------------------------------


@pytest.mark.slow
def test_outbox_waits_while_the_pacs_is_down_and_files_once_after_a_restart(service, tmp_path):
    from pixtralogist.pacs.outbox import OUTBOX_FILE, Outbox
    from pixtralogist.pacs.worklist import Worklist

    server = OrthancServer(tmp_path / "orthanc")
    server.start()
    data, ids = study_bytes(20)
    server.upload(data)
    wl = Worklist.open(service, settings_for(server), data_dir=tmp_path / "pacs")
    opened = wl.open_study(ids["StudyInstanceUID"], notes="heart nl")
    case_id = opened.turn.case_id
    server.stop()
    wl.sign(case_id, "Dr A. Example")  # the PACS is down: the report waits
    status = wl.filing_status(case_id)
    assert status.startswith("waiting to file (PACS: 1 try, last error: The PACS at ") and "cannot be reached" in status
    time.sleep(0.06)
    wl.filer.run_once()
    assert "2 tries" in wl.filing_status(case_id)
    wl.close()  # the app stops

    queued = Outbox.open(tmp_path / "pacs" / OUTBOX_FILE)
    assert [(i.state, i.tries) for i in queued.items(case_id)] == [("waiting", 2)]
    queued.close()
    server.start()
    wl = Worklist.open(service, settings_for(server), data_dir=tmp_path / "pacs")  # the app starts again
    time.sleep(0.25)
    results = wl.filer.run_once()
    assert [(r.case_id, r.filed) for r in results] == [(case_id, True)]
    assert wl.filing_status(case_id) == "filed"
    # queued again and retried again: still one SR in the PACS
    assert wl.file(case_id) == "filed"
    assert wl.filer.run_once() == []
    srs = sr_instances(server, ids["StudyInstanceUID"])
    assert len(srs) == 1
    wl.close()
    server.stop()


def test_a_report_stored_before_a_crash_is_not_stored_again(orthanc, worklist):
    from pixtralogist.pacs.filing import queue_report

    data, ids = study_bytes(21)
    orthanc.upload(data)
    case_id = worklist.open_study(ids["StudyInstanceUID"], notes="heart nl").turn.case_id
    worklist.service.sign(case_id, "Dr A. Example")
    queue_report(worklist.service, worklist.outbox, case_id, worklist.settings)
    item = worklist.outbox.items(case_id)[0]
    orthanc.upload(item.payload)  # the PACS got it, then the process died before marking it filed
    results = worklist.filer.run_once(case_id)
    assert [(r.filed, r.already_there) for r in results] == [(True, True)]
    assert len(sr_instances(orthanc, ids["StudyInstanceUID"])) == 1


def test_backoff_doubles_up_to_the_cap():
    from pixtralogist.pacs.outbox import backoff

    assert [backoff(n, 5, 60) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]


# --- FHIR -------------------------------------------------------------------------------------------------------


class _Fhir(http.server.BaseHTTPRequestHandler):
    """A FHIR R4 endpoint for DiagnosticReport with conditional create; fails the first ``fail`` POSTs."""

    store: dict = {}
    fail = 0

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        cls = type(self)
        if cls.fail > 0:
            cls.fail -= 1
            self.send_response(503)
            self.end_headers()
            return
        condition = self.headers.get("If-None-Exist", "")
        status = 200 if condition in cls.store else 201
        cls.store.setdefault(condition, json.loads(body))
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_fhir_diagnostic_report_posted_once_after_a_failure(orthanc, service, tmp_path):
    from pixtralogist.pacs.worklist import Worklist

    _Fhir.store, _Fhir.fail = {}, 1
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Fhir)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        settings = settings_for(orthanc, fhir={"url": f"http://127.0.0.1:{httpd.server_address[1]}/fhir"})
        wl = Worklist.open(service, settings, data_dir=tmp_path)
        data, ids = study_bytes(30)
        orthanc.upload(data)
        case_id = wl.open_study(ids["StudyInstanceUID"], notes="heart nl").turn.case_id
        wl.sign(case_id, "Dr A. Example")
        assert wl.filing_status(case_id) == ("waiting to file (FHIR server: 1 try, last error: The FHIR server "
                                             "failed the DiagnosticReport (HTTP 503).)")
        time.sleep(0.06)
        wl.filer.run_once()
        wl.outbox.retry_now()
        wl.filer.run_once()
        assert wl.filing_status(case_id) == "filed"
        assert len(_Fhir.store) == 1
        (condition, resource), = _Fhir.store.items()
        sop = sr_instances(orthanc, ids["StudyInstanceUID"])[0]["MainDicomTags"]["SOPInstanceUID"]
        assert condition == f"identifier=urn:dicom:uid|urn:oid:{sop}"
        assert resource["status"] == "final" and resource["subject"]
        assert any("ImagingStudy" in json.dumps(r) for r in [resource])
        wl.close()
    finally:
        httpd.shutdown()


# --- the listener -----------------------------------------------------------------------------------------------


def listener_settings(**listener):
    from pixtralogist.pacs.settings import PacsSettings

    return PacsSettings.from_sources({"listener": {"ae_title": "PIXTRALOGIST", "allowed_calling_aes": ["MODALITY1"],
                                                   **listener}}, {})


@pytest.mark.skipif(shutil.which("storescu") is None, reason="dcmtk not installed: run `make pacs`")
def test_listener_receives_a_storescu_push_and_refuses_a_wrong_ae_title(service, tmp_path):
    from pixtralogist.pacs.listener import DicomListener
    from pixtralogist.pacs.worklist import Worklist

    wl = Worklist.open(service, listener_settings(), data_dir=tmp_path)
    listener = DicomListener(wl.settings, wl.inbox, port=free_port()).start()
    try:
        data, ids = study_bytes(40, source="MR_small.dcm", Modality="MR")
        f = tmp_path / "push.dcm"
        f.write_bytes(data)
        ok = subprocess.run(["storescu", "-aet", "MODALITY1", "-aec", "PIXTRALOGIST", "127.0.0.1", str(listener.port),
                             str(f)], capture_output=True, text=True, timeout=60)
        assert ok.returncode == 0, ok.stderr
        rows = wl.search()
        assert [(r.study.study_uid, r.source, r.state) for r in rows] == [(ids["StudyInstanceUID"], "received", "new")]
        assert rows[0].study.patient_id == "PX0040" and rows[0].study.modalities == ("MR",)

        bad = subprocess.run(["storescu", "-aet", "INTRUDER", "-aec", "PIXTRALOGIST", "127.0.0.1",
                              str(listener.port), str(f)], capture_output=True, text=True, timeout=60)
        assert bad.returncode != 0
        assert "Calling AE Title Not Recognized" in bad.stdout + bad.stderr
        assert "Refused a push from AE title 'INTRUDER'" in wl.inbox.events()[0][1]

        opened = wl.open_study(ids["StudyInstanceUID"], notes="normal")
        assert opened.images == [ids["SOPInstanceUID"]]
        assert wl.search()[0].state == "opened"
        received = list((tmp_path / "pacs-received").rglob("*.dcm"))
        assert received and all(p.stat().st_mode & 0o077 == 0 for p in received)
    finally:
        listener.stop()
        wl.close()


@pytest.mark.skipif(shutil.which("storescu") is None, reason="dcmtk not installed: run `make pacs`")
def test_listener_drafts_on_arrival_when_asked(service, tmp_path):
    from pixtralogist.pacs.listener import DicomListener
    from pixtralogist.pacs.worklist import Worklist

    wl = Worklist.open(service, listener_settings(draft_on_arrival=True), data_dir=tmp_path)
    listener = DicomListener(wl.settings, wl.inbox, port=free_port(),
                             on_study=lambda uid: wl.open_study(uid)).start()
    try:
        data, ids = study_bytes(41, Modality="DX", BodyPartExamined="CHEST")
        f = tmp_path / "push.dcm"
        f.write_bytes(data)
        subprocess.run(["storescu", "-aet", "MODALITY1", "-aec", "PIXTRALOGIST", "127.0.0.1", str(listener.port),
                        str(f)], check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and wl.search()[0].state != "opened":
            time.sleep(0.2)
        row = wl.search()[0]
        assert row.state == "opened" and row.case_id
        turn = wl.service.get(row.case_id)
        assert turn.status == "review" and not turn.draft.is_signed
    finally:
        listener.stop()
        wl.close()


def test_listener_refuses_to_start_without_an_allow_list(tmp_path):
    from pixtralogist.core.errors import ConfigError
    from pixtralogist.pacs.inbox import Inbox
    from pixtralogist.pacs.listener import DicomListener
    from pixtralogist.pacs.settings import PacsSettings

    with pytest.raises(ConfigError, match="allowed_calling_aes is empty"):
        DicomListener(PacsSettings(), Inbox.open(tmp_path))


# --- settings and pacs check ----------------------------------------------------------------------------------------


def test_secrets_come_from_the_environment_or_an_owner_only_file(tmp_path):
    from pixtralogist.core.errors import ConfigError
    from pixtralogist.pacs.settings import PacsSettings

    with pytest.raises(ConfigError, match="do not write secrets in the configuration file"):
        PacsSettings.from_sources({"dicomweb": {"url": "http://x/dicom-web", "username": "u", "password": "p"}}, {})
    secret = tmp_path / "pw"
    secret.write_text("s3cr3t-value\n")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by other users"):
        PacsSettings.from_sources({"dicomweb": {"url": "http://x/dicom-web", "username": "u",
                                                "password_file": str(secret)}}, {})
    secret.chmod(0o600)
    s = PacsSettings.from_sources({"dicomweb": {"url": "http://x/dicom-web", "username": "u",
                                                "password_file": str(secret)}}, {})
    assert s.dicomweb.password.reveal() == "s3cr3t-value"
    assert "s3cr3t" not in repr(s) and "s3cr3t" not in json.dumps(s.describe())
    with pytest.raises(ConfigError, match="PACS_PW, which is not set"):
        PacsSettings.from_sources({"dicomweb": {"url": "http://x/dicom-web", "username": "u",
                                                "password_env": "PACS_PW"}}, {})
    with pytest.raises(ConfigError, match="credentials do not belong in the URL") as err:
        PacsSettings.from_sources({"dicomweb": {"url": "http://u:s3cr3t@x/dicom-web"}}, {})
    assert "s3cr3t" not in str(err.value)
    with pytest.raises(ConfigError, match="unknown key 'hots'"):
        PacsSettings.from_sources({"dimse": {"hots": "x"}}, {})


def test_pacs_check_command(orthanc, tmp_path, monkeypatch, capsys):
    from pixtralogist.cli import main

    config = tmp_path / "config.yaml"
    config.write_text(f"pacs:\n  dicomweb:\n    url: {orthanc.dicomweb_url}\n    username: {orthanc.user}\n"
                      "    password_env: PACS_PW\n")
    monkeypatch.setenv("PACS_PW", orthanc.password)
    assert main(["pacs", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"PACS: dicomweb {orthanc.dicomweb_url} (auth basic, secret set) - OK" in out
    assert orthanc.password not in out
    monkeypatch.setenv("PACS_PW", "wrong")
    assert main(["pacs", "check", "--config", str(config)]) == 1
    assert "refused the credentials" in capsys.readouterr().out


def test_dimse_search_retrieve_and_store(orthanc):
    from pixtralogist.pacs.client import StudyQuery, make_client
    from pixtralogist.pacs.settings import PacsSettings

    data, ids = study_bytes(50)
    orthanc.upload(data)
    client = make_client(PacsSettings.from_sources(
        {"dimse": {"calling_ae": "PIXTRALOGIST", "called_ae": orthanc.aet, "host": "127.0.0.1",
                   "port": orthanc.dicom_port}}, {}))
    assert client.check()["ok"]
    rows = client.search(StudyQuery(patient_id="PX0050"))
    assert [r.study_uid for r in rows] == [ids["StudyInstanceUID"]]
    refs = client.instances(ids["StudyInstanceUID"])
    assert [r.sop_uid for r in refs] == [ids["SOPInstanceUID"]]
    from pydicom import dcmread

    assert dcmread(io.BytesIO(client.retrieve(refs[0]))).SOPInstanceUID == ids["SOPInstanceUID"]
    copy, copy_ids = study_bytes(51)
    client.store(copy)
    assert client.has_instance(copy_ids["StudyInstanceUID"], copy_ids["SOPInstanceUID"])


def test_dimse_wrong_called_ae_title_is_named(orthanc):
    from pixtralogist.pacs.client import make_client
    from pixtralogist.pacs.errors import PacsError
    from pixtralogist.pacs.settings import PacsSettings

    client = make_client(PacsSettings.from_sources(
        {"dimse": {"calling_ae": "PIXTRALOGIST", "called_ae": "NOT-ORTHANC", "host": "127.0.0.1",
                   "port": orthanc.dicom_port}}, {}))
    with pytest.raises(PacsError, match="rejected the association: check the called AE title"):
        client.check()


def test_readme_shows_the_orthanc_configuration_the_tests_use(tmp_path):
    import re as _re

    from conftest import REPO
    from servers import orthanc_config

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = _re.search(r"A working example: Orthanc.*?```json\n(.*?)```", readme, _re.S).group(1)
    shown = json.loads(block)
    used = orthanc_config(tmp_path, 8042, 4242)
    assert set(shown) == set(used)
    for key in set(used) - {"StorageDirectory", "IndexDirectory", "RegisteredUsers"}:
        assert shown[key] == used[key], key
    assert list(shown["RegisteredUsers"]) == list(used["RegisteredUsers"])
