"""PACS in, PACS out, against a real Orthanc (DICOMweb plugin) on loopback ports (``make pacs``).

    python benchmarks/pacs.py [--studies 50]

Loads ``--studies`` studies built from pydicom's test files (ten transfer syntaxes: uncompressed little and
big endian, RLE, JPEG baseline/extended, JPEG-LS, JPEG 2000; every fifth study has a second series) into
Orthanc, each with its own patient and study, then for each: search the worklist by patient id, open it
through the worklist API (retrieve with WADO-RS, ingest, draft), sign, file. Orthanc is stopped after the
first 40% of sign-offs and the app is closed and reopened while it is down (a restart); the next 40% are
signed with the PACS down; Orthanc comes back, the background filer empties the outbox, the rest are
signed with the PACS up. Then Orthanc is asked, study by study, for its SRs.

Prints open-to-draft time per study (cold: every study unseen, fresh caches; p50/p95), sign-to-filed time
with the PACS up (p50/p95) and for the reports that waited, reports filed exactly once, lost, duplicates,
SRs under the wrong patient or study, and dciodvfy errors (and identity warnings) on the filed SRs.
Exits 1 on a miss.

Targets: filed exactly once = all; lost 0; duplicates 0; wrong patient/study 0; dciodvfy errors 0;
open-to-draft p95 <= 5 s (the per-sentence caches emptied before each study; the first study also loads
the NLP pipeline, and is printed on its own).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

SOURCES = ["CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm", "SC_rgb_jpeg_dcmtk.dcm",
           "JPGExtended.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPEGLSNearLossless_16.dcm", "JPEG2000.dcm",
           "MR_small_jp2klossless.dcm"]
#: Dictations, one per study in turn (the per-sentence caches are emptied before each study anyway).
NOTES = ["small L effusion, heart nl", "7 mm RUL nodule, no effusion", "old R rib fx, lungs clear",
         "mild cardiomegaly, no consolidation", "L basal atelectasis, heart nl", "no acute abnormality",
         "R upper lobe consolidation", "small bilat effusions, cardiomegaly", "hyperinflated lungs, no focal lesion",
         "NG tube tip in stomach, lungs clear"]
#: The Patient and General Study attributes a PACS study has (some pydicom test files lack them).
COMPLETE = {"PatientBirthDate": "19700101", "PatientSex": "O", "StudyTime": "120000",
            "ReferringPhysicianName": "Referrer^Test"}
OPEN_P95_TARGET_S = 5.0


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def build_studies(server, n: int) -> list[dict]:
    from test_pacs import study_bytes

    studies = []
    for i in range(n):
        data, ids = study_bytes(1000 + i, source=SOURCES[i % len(SOURCES)], date=f"2026{1 + i % 12:02d}15",
                                **COMPLETE)
        server.upload(data)
        if i % 5 == 0:  # a second series in the same study
            more, _ = study_bytes(1000 + i, source=SOURCES[(i + 1) % len(SOURCES)],
                                  StudyInstanceUID=ids["StudyInstanceUID"], date=ids["StudyDate"],
                                  SeriesNumber=2, **COMPLETE)
            server.upload(more)
        studies.append(ids)
    return studies


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--studies", type=int, default=50)
    args = ap.parse_args()

    from pydicom import dcmread

    from agent_latency import sentence_caches
    from dciodvfy import problems, run_dciodvfy
    from servers import OrthancServer, orthanc_available
    from test_pacs import orthanc_file, settings_for, sr_instances

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.pacs.client import StudyQuery
    from pixtralogist.pacs.filing import FilingWorker
    from pixtralogist.pacs.worklist import Worklist

    if not orthanc_available():
        print("Orthanc with the DICOMweb plugin is not installed: run `make pacs`")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="pixtralogist-bench-pacs-"))
    server = OrthancServer(tmp / "orthanc")
    server.start()
    studies = build_studies(server, args.studies)
    host = get_plugin_manager(autoload=False)
    data = tmp / "data"
    service = ReportingService.create(data, host=host, retrieval=False)
    wl = Worklist.open(service, settings_for(server))

    # open and draft each study, cold
    opened: list[tuple[dict, str]] = []
    open_times = []
    for k, ids in enumerate(studies):
        for clear in sentence_caches():
            clear()
        t0 = time.perf_counter()
        row = wl.search(StudyQuery(patient_id=ids["PatientID"]))[0]
        result = wl.open_study(row.study.study_uid, notes=NOTES[k % len(NOTES)], study=row.study,
                               specialty="radiology")
        assert result.turn.draft is not None, result.turn.status
        open_times.append(time.perf_counter() - t0)
        opened.append((ids, result.turn.case_id))

    n = len(opened)
    first, second = opened[: int(n * 0.4)], opened[int(n * 0.4): int(n * 0.8)]
    rest = opened[int(n * 0.8):]
    up_times: list[float] = []

    def sign_up(batch):
        for _, case_id in batch:
            t0 = time.perf_counter()
            wl.sign(case_id, "Dr A. Example")
            if wl.filing_status(case_id) == "filed":
                up_times.append(time.perf_counter() - t0)

    sign_up(first)
    # the PACS goes down; the app restarts while reports wait
    server.stop()
    signed_down_at = {}
    for _, case_id in second[: len(second) // 2]:
        wl.sign(case_id, "Dr A. Example")
        signed_down_at[case_id] = time.perf_counter()
    wl.close()
    service.close()
    service = ReportingService.create(data, host=host, retrieval=False)
    wl = Worklist.open(service, settings_for(server))
    for _, case_id in second[len(second) // 2:]:
        wl.sign(case_id, "Dr A. Example")
        signed_down_at[case_id] = time.perf_counter()
    waiting = sum(1 for c in signed_down_at if (wl.filing_status(c) or "").startswith("waiting to file"))
    down_s = 3.0
    time.sleep(down_s)
    server.start()
    restarted = time.perf_counter()
    worker = FilingWorker(wl.filer, interval=0.2).start()
    wl.outbox.retry_now()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(wl.filing_status(c) != "filed" for c in signed_down_at):
        time.sleep(0.1)
    drained_s = time.perf_counter() - restarted
    sign_up(rest)
    worker.stop()

    # what the PACS holds
    once = lost = dupes = wrong = dciodvfy_errors = identity_warnings = 0
    for ids, case_id in opened:
        srs = sr_instances(server, ids["StudyInstanceUID"])
        if not srs:
            lost += 1
            continue
        if len(srs) > 1:
            dupes += 1
            continue
        path = tmp / f"{case_id}.dcm"
        path.write_bytes(orthanc_file(server, srs[0]["ID"]))
        sr = dcmread(path)
        if (sr.PatientID, sr.StudyInstanceUID) != (ids["PatientID"], ids["StudyInstanceUID"]):
            wrong += 1
            continue
        lines = run_dciodvfy(path)
        dciodvfy_errors += sum(1 for line in lines if line.startswith("Error"))
        identity_warnings += len(problems(lines, identified=True)) - sum(1 for line in lines if line.startswith("Error"))
        once += 1
    queued_twice = sum(1 for _, c in opened if len([i for i in wl.outbox.items(c) if i.target == "pacs"]) != 1)
    wl.close()
    service.close()
    server.stop()

    print(f"studies: {n} (sources: {len(SOURCES)} transfer syntaxes; every 5th with 2 series)")
    print(f"open-to-draft (cold, search + WADO-RS + ingest + draft): p50 {statistics.median(open_times):.2f} s, "
          f"p95 {pct(open_times, 0.95):.2f} s, first {open_times[0]:.2f} s (target p95 <= {OPEN_P95_TARGET_S} s)")
    print(f"sign-to-filed with the PACS up: p50 {statistics.median(up_times):.3f} s, p95 {pct(up_times, 0.95):.3f} s "
          f"({len(up_times)} reports)")
    print(f"PACS down for {len(signed_down_at)} sign-offs and an app restart: {waiting} waited in the outbox; "
          f"all filed {drained_s:.2f} s after Orthanc came back")
    print(f"filed exactly once: {once}/{n}; lost: {lost}; duplicates: {dupes}; queued twice: {queued_twice}; "
          f"wrong patient/study: {wrong}; dciodvfy errors: {dciodvfy_errors}, identity warnings: {identity_warnings}")
    misses = []
    if once != n:
        misses.append("filed exactly once")
    if lost or dupes or queued_twice or wrong:
        misses.append("lost/duplicates/wrong")
    if dciodvfy_errors or identity_warnings:
        misses.append("dciodvfy")
    if waiting != len(signed_down_at):
        misses.append("reports signed while the PACS was down did not wait")
    if pct(open_times, 0.95) > OPEN_P95_TARGET_S:
        misses.append("open-to-draft p95")
    print("PASS" if not misses else "MISSED: " + ", ".join(misses))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
