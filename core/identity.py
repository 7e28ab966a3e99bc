"""Patient and study identity, kept apart from clinical text.

Ingestion (:mod:`pixtralogist.core.imaging`) splits every DICOM upload in two:

- what drafting needs (modality, body part, view, descriptions, pixels) goes
  into the :class:`~pixtralogist.core.models.Case`, which the agent's state,
  the logs, the feedback store, chat history, training data and metrics see;
- who and which study (:class:`ImageIdentity`: the source's patient and study
  modules, its instance UIDs and the SHA-256 of the uploaded bytes) rides
  along in memory only (a private attribute of
  :class:`~pixtralogist.core.models.StudyImage`, never serialised) until the
  service files it in the identity store
  (:class:`pixtralogist.persistence.identity.IdentityStore`), keyed by case id.

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

    from pixtralogist.core.models import Case

__all__ = [
    "IDENTITY_FILE",
    "RESEARCH_SIGNER",
    "CaseIdentity",
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
