"""Patient and study identity, kept apart from clinical text.

Ingestion (:mod:`pixtralogist.core.imaging`) splits every DICOM upload in two:

- what drafting needs (modality, body part, view, descriptions, pixels) goes
  into the :class:`~pixtralogist.core.models.Case`, which the agent's state,
  the logs, the feedback store, chat history, training data and metrics see;
- who and which study (:class:`ImageIdentity`: the source's patient and study
  modules, its instance UIDs and the SHA-256 of the uploaded bytes) rides
  along in memory only (a private attribute of
  :class:`~pixtralogist.core.models.StudyImage`, never serialised) until the
  service files it in the :class:`IdentityStore`, keyed by case id.

The identity store is its own SQLite file (``identity.sqlite`` under
``$PIXTRALOGIST_HOME``), created owner-only (0600, its WAL and shared-memory
files too), or the ``identity`` table of the site's shared PostgreSQL database
when app servers share one (:mod:`pixtralogist.core.storage`; its research
secret is then made once for all servers). Only exports that go back to the originating system read it
(:meth:`pixtralogist.agents.service.ReportingService.identity_for_export`), so
that a DICOM SR or FHIR report carries the right patient and study. Research
exports (``exports.deidentify`` in the site configuration) use only its UIDs,
to replace each with a new one, consistent per case (:func:`research_uid`),
and show a pseudonym (:func:`research_pseudonym`), both keyed with the
store's own random secret; nothing identifying is written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pixtralogist.core.errors import DataError
from pixtralogist.core.models import DICOM_UID_PATTERN

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

    from pixtralogist.core.database import Database

    from pixtralogist.core.models import Case

__all__ = [
    "IDENTITY_FILE",
    "RESEARCH_SIGNER",
    "CaseIdentity",
    "IdentityStore",
    "ImageIdentity",
    "case_identity",
    "image_identity",
    "research_pseudonym",
    "research_uid",
]

log = logging.getLogger(__name__)

#: The identity store's file name under the data directory.
IDENTITY_FILE = "identity.sqlite"
#: What research exports show for the signing clinician (clinician names are identifying too, PS3.15).
RESEARCH_SIGNER = "Reviewer"
_UID_RE = re.compile(DICOM_UID_PATTERN)

#: ImageIdentity field -> DICOM keyword: the Patient and General Study modules (PS3.3 C.7.1.1, C.7.2.1)
#: and the instance's own UIDs. Values are kept as the source wrote them (PN, DA, TM strings).
_KEYWORDS = {
    "patient_name": "PatientName",
    "patient_id": "PatientID",
    "issuer_of_patient_id": "IssuerOfPatientID",
    "patient_birth_date": "PatientBirthDate",
    "patient_sex": "PatientSex",
    "study_instance_uid": "StudyInstanceUID",
    "study_date": "StudyDate",
    "study_time": "StudyTime",
    "study_id": "StudyID",
    "accession_number": "AccessionNumber",
    "referring_physician_name": "ReferringPhysicianName",
    "series_instance_uid": "SeriesInstanceUID",
    "sop_instance_uid": "SOPInstanceUID",
    "sop_class_uid": "SOPClassUID",
    "frame_of_reference_uid": "FrameOfReferenceUID",
}
_UID_FIELDS = ("study_instance_uid", "series_instance_uid", "sop_instance_uid", "sop_class_uid",
               "frame_of_reference_uid")
#: File meta keyword used when the data set itself lacks the UID.
_META_FALLBACK = {"sop_instance_uid": "MediaStorageSOPInstanceUID", "sop_class_uid": "MediaStorageSOPClassUID"}


class ImageIdentity(BaseModel):
    """Who and which study one uploaded image belongs to. Never part of a :class:`Case`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(description="The image's neutral label in its case ('image-1.dcm'), to pair it with its ImageMeta.")
    source_sha256: str = Field(description="SHA-256 of the uploaded bytes (identifies the source file).")
    patient_name: str | None = None
    patient_id: str | None = None
    issuer_of_patient_id: str | None = None
    patient_birth_date: str | None = None
    patient_sex: str | None = None
    study_instance_uid: str | None = None
    study_date: str | None = None
    study_time: str | None = None
    study_id: str | None = None
    accession_number: str | None = None
    referring_physician_name: str | None = None
    series_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    sop_class_uid: str | None = None
    frame_of_reference_uid: str | None = None

    @field_validator(*_UID_FIELDS)
    @classmethod
    def _uid(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if len(v) > 64 or not _UID_RE.match(v):
            raise ValueError("not a DICOM UID (dot-separated digits, at most 64 characters)")
        return v

    @property
    def referenceable(self) -> bool:
        """Whether a DICOM SR can reference this instance (study, series, SOP instance and class UIDs known)."""
        return all((self.study_instance_uid, self.series_instance_uid, self.sop_instance_uid, self.sop_class_uid))


class CaseIdentity(BaseModel):
    """The identity of a case's images, in upload order (PNG/JPEG: only the SHA-256 of the upload)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    images: list[ImageIdentity] = Field(default_factory=list)

    def for_label(self, label: str) -> ImageIdentity | None:
        return next((i for i in self.images if i.label == label), None)

    @property
    def referenceable(self) -> list[ImageIdentity]:
        return [i for i in self.images if i.referenceable]


def _value(ds: Any, keyword: str, limit: int = 64) -> str | None:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - untrusted header
        return None
    if value is None:
        return None
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0] if len(value) else ""
    text = str(value).replace("\x00", "").strip()
    return text[:limit] or None


def image_identity(ds: "Dataset", data: bytes, label: str) -> ImageIdentity:
    """The identity of one DICOM data set (``data`` are the uploaded bytes). A malformed UID is dropped."""
    fields: dict[str, str | None] = {}
    meta = getattr(ds, "file_meta", None)
    for name, keyword in _KEYWORDS.items():
        value = _value(ds, keyword)
        if value is None and name in _META_FALLBACK and meta is not None:
            value = _value(meta, _META_FALLBACK[name])
        if name in _UID_FIELDS and value is not None and not _UID_RE.match(value):
            value = None
        fields[name] = value
    return ImageIdentity(label=label, source_sha256=hashlib.sha256(data).hexdigest(), **fields)


def raster_identity(data: bytes, label: str) -> ImageIdentity:
    """A PNG/JPEG upload's identity: only the SHA-256 of its bytes."""
    return ImageIdentity(label=label, source_sha256=hashlib.sha256(data).hexdigest())


def case_identity(case: "Case") -> CaseIdentity | None:
    """The identity ingestion attached (in memory) to ``case``'s images, or None when there is none.

    A case read back from the agent's checkpoints has none: ask the
    :class:`IdentityStore` instead.
    """
    images = [img.identity for img in case.images if img.identity is not None]
    return CaseIdentity(images=images) if images else None


# --- research (de-identified) exports --------------------------------------------------------------


def research_uid(key: bytes, case_id: str, uid: str) -> str:
    """A new UID for ``uid`` in a research export of ``case_id``: the same for every export of the case,
    different across cases, and not derivable from the source UID without ``key`` (``2.25.<128-bit>``, PS3.5 B.2)."""
    digest = hmac.new(key, f"uid\x00{case_id}\x00{uid}".encode("utf-8"), hashlib.sha256).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def research_pseudonym(key: bytes, case_id: str) -> str:
    """The pseudonym standing for the patient in research exports of ``case_id`` (``ANON-`` and 12 hex digits)."""
    digest = hmac.new(key, f"patient\x00{case_id}".encode("utf-8"), hashlib.sha256).hexdigest()
    return f"ANON-{digest[:12].upper()}"


# --- the store -----------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS identity (
    case_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE IF NOT EXISTS secret (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
"""
_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS identity (
    case_id TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
);
CREATE TABLE IF NOT EXISTS secret (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
"""
_OWNER_ONLY = 0o600


def _owner_only(path: Path) -> None:
    """Create ``path`` with mode 0600 if absent; tighten it (and its WAL/SHM files) when broader."""
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, _OWNER_ONLY))
        except FileExistsError:  # created meanwhile by another process
            pass
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = p.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode != _OWNER_ONLY:
            log.warning("identity store file %s had mode %o; set to 600 (owner only)", p.name, mode)
            os.chmod(p, _OWNER_ONLY)


class IdentityStore:
    """Patient and study identity by case id, in an owner-only SQLite file. Thread-safe.

    >>> store = IdentityStore.open(home / "identity.sqlite")        # doctest: +SKIP
    >>> store.put(case.id, case_identity(case))                     # doctest: +SKIP
    """

    def __init__(self, db: "Database", path: Path | str | None) -> None:
        self._db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None) -> "IdentityStore":
        """Open (or create, mode 0600) the store at ``path``, a ``postgresql://`` URL (the site's shared
        database), or ``None`` (in memory, tests)."""
        from pixtralogist.core.database import Database, is_postgres_url

        if is_postgres_url(path):
            db = Database.open(path, sqlite_schema=_SCHEMA, postgres_schema=_PG_SCHEMA, what="identity store")
            return cls(db, db.where)
        p = Path(path) if path is not None else None
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
            _owner_only(p)
        db = Database.open(p, sqlite_schema=_SCHEMA, postgres_schema=_PG_SCHEMA, what="identity store")
        if p is not None:
            _owner_only(p)  # WAL and shared-memory files now exist
        return cls(db, p)

    def close(self) -> None:
        self._db.close()

    def put(self, case_id: str, identity: CaseIdentity) -> None:
        """File ``identity`` for ``case_id`` (replacing what was there)."""
        record = identity.model_dump_json()
        with self._db.tx() as tx:
            tx.execute("INSERT INTO identity (case_id, record) VALUES (?, ?) "
                       "ON CONFLICT (case_id) DO UPDATE SET record = excluded.record", (case_id, record))

    def get(self, case_id: str) -> CaseIdentity | None:
        """The identity filed for ``case_id``; None when there is none (PNG/JPEG cases, older cases)."""
        row = self._db.one("SELECT record FROM identity WHERE case_id = ?", (case_id,))
        if row is None:
            return None
        try:
            return CaseIdentity.model_validate(json.loads(row[0]))
        except (ValueError, ValidationError):
            raise DataError(f"the identity record of case {case_id} in the identity store is damaged") from None

    def delete(self, case_id: str) -> bool:
        with self._db.tx() as tx:
            return tx.execute("DELETE FROM identity WHERE case_id = ?", (case_id,)).rowcount > 0

    def research_key(self) -> bytes:
        """This installation's secret for research UIDs and pseudonyms (32 random bytes, made once:
        the first server to ask writes it, every other one reads that one)."""
        with self._db.tx() as tx:
            tx.execute("INSERT INTO secret (name, value) VALUES ('research', ?) ON CONFLICT (name) DO NOTHING",
                       (secrets.token_bytes(32),))
            row = tx.execute("SELECT value FROM secret WHERE name = 'research'").fetchone()
        return bytes(row[0])
