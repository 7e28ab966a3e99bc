"""Check DICOM files against the standard with dicom3tools' ``dciodvfy`` (``make dicom3tools``).

``conftest.py`` wraps :func:`pixtralogist.core.dicom_sr.to_dicom_sr` for every test, so each SR
any test writes goes through :func:`check_sr`: an ``Error`` line fails the test, and so does a
warning about an identity attribute (patient, study) in an identified export, the export that must
let a PACS file the report with its patient and study.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Attributes an identified export must fill; a dciodvfy warning naming one (e.g. "Missing attribute or
#: value that would be needed to build DICOMDIR" for an empty Patient ID) fails an identified export.
IDENTITY_ATTRIBUTES = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "StudyID",
    "AccessionNumber", "ReferringPhysicianName", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
)


#: dciodvfy names an attribute as ``</PatientID(0010,0020)>`` (top level) in its messages.
_IDENTITY_RE = re.compile(r"</(" + "|".join(IDENTITY_ATTRIBUTES) + r")\(")


class DicomValidationError(AssertionError):
    """dciodvfy found errors (or identity warnings in an identified export)."""


def dciodvfy_path() -> str | None:
    return shutil.which("dciodvfy")


def run_dciodvfy(path: str | Path) -> list[str]:
    """dciodvfy's report on ``path``, one line per entry (it writes to standard error)."""
    exe = dciodvfy_path()
    if exe is None:
        raise DicomValidationError("dciodvfy (dicom3tools) is not installed: run `make dicom3tools` "
                                   "(apt-get install -y dicom3tools)")
    proc = subprocess.run([exe, "-new", str(path)], capture_output=True, text=True, timeout=60, check=False)
    return [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]


def problems(lines: list[str], *, identified: bool) -> list[str]:
    """The lines that fail a check: every error; identity warnings too when ``identified``."""
    bad = [line for line in lines if line.startswith("Error")]
    if identified:
        bad += [line for line in lines if line.startswith("Warning") and _IDENTITY_RE.search(line)]
    return bad


def check_sr(ds, *, identified: bool) -> list[str]:
    """Write ``ds`` (a pydicom Dataset) to a temporary Part 10 file, run dciodvfy, raise on problems.

    Returns dciodvfy's lines (for tests that look at warnings themselves).
    """
    from pydicom import dcmwrite

    with tempfile.TemporaryDirectory(prefix="dciodvfy-") as tmp:
        path = Path(tmp) / "sr.dcm"
        dcmwrite(path, ds, enforce_file_format=True)
        lines = run_dciodvfy(path)
    bad = problems(lines, identified=identified)
    if bad:
        mode = "identified" if identified else "de-identified"
        raise DicomValidationError(f"dciodvfy rejects this {mode} SR:\n" + "\n".join(bad))
    return lines
