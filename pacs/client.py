"""Talking to a PACS: one interface (:class:`PacsClient`) over DICOMweb or DIMSE.

- :class:`DicomWebClient`: QIDO-RS (search), WADO-RS (retrieve), STOW-RS (store) with ``dicomweb-client``.
- :class:`DimseClient`: C-ECHO, C-FIND (study root), C-GET, C-STORE with ``pynetdicom``.

Whatever the archive answers is checked before use: a study row without a Study Instance UID, an answer
that is not DICOM JSON, an instance whose bytes are not DICOM, all become
:class:`~pixtralogist.pacs.errors.PacsInputError` with a message naming what was wrong (never the
patient). A PACS that cannot be reached, or answers with a server error, is
:class:`~pixtralogist.pacs.errors.PacsUnavailableError` (the outbox retries those).
"""

from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pixtralogist.pacs.errors import PacsError, PacsInputError, PacsUnavailableError
from pixtralogist.pacs.settings import DicomWebSettings, DimseSettings, PacsSettings

if TYPE_CHECKING:  # pragma: no cover
    from pydicom.dataset import Dataset

__all__ = ["DicomWebClient", "DimseClient", "InstanceRef", "PacsClient", "StudyQuery", "StudyRow", "make_client"]

log = logging.getLogger(__name__)

_DATE_RE = re.compile(r"^\d{8}$")
_UID_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")

#: Attributes asked for in a study search (QIDO-RS includefield / C-FIND return keys).
_STUDY_FIELDS = ("StudyInstanceUID", "PatientID", "PatientName", "StudyDate", "StudyTime", "AccessionNumber",
                 "ModalitiesInStudy", "StudyDescription", "NumberOfStudyRelatedInstances")
#: Attributes asked for per instance (enough to choose images and estimate the series' size before retrieving).
_INSTANCE_FIELDS = ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "SOPClassUID", "Modality",
                    "SeriesNumber", "InstanceNumber", "Rows", "Columns", "NumberOfFrames", "BitsAllocated",
                    "SamplesPerPixel")


@dataclass(frozen=True)
class StudyQuery:
    """A worklist search. Dates are ``YYYYMMDD`` (either end may be open); empty fields match everything."""

    date_from: str | None = None
    date_to: str | None = None
    modality: str | None = None
    accession: str | None = None
    patient_id: str | None = None
    study_uid: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                cleaned = value.replace("-", "").strip()
                if not _DATE_RE.match(cleaned):
                    raise PacsInputError(f"The {name.replace('_', ' ')} must be a date like 2026-12-06, got {value!r}.")
                object.__setattr__(self, name, cleaned)
            else:
                object.__setattr__(self, name, None)
        for name in ("modality", "accession", "patient_id"):
            value = (getattr(self, name) or "").strip()
            if any(c in value for c in "\\*?\x00\n"):
                raise PacsInputError(f"The {name.replace('_', ' ')} may not contain \\, *, ? or control characters.")
            object.__setattr__(self, name, value or None)
        if self.study_uid is not None:
            _uid(self.study_uid, "the Study Instance UID")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise PacsInputError("The date range ends before it starts.")
        if not 0 < self.limit <= 1000:
            raise PacsInputError("The result limit must be between 1 and 1000.")

    def filters(self) -> dict[str, str]:
        """DICOM matching keys (PS3.4 C.2.2.2): a date range ``A-B``, single values matched exactly."""
        out: dict[str, str] = {}
        if self.date_from or self.date_to:
            out["StudyDate"] = f"{self.date_from or ''}-{self.date_to or ''}"
        if self.modality:
            out["ModalitiesInStudy"] = self.modality.upper()
        if self.accession:
            out["AccessionNumber"] = self.accession
        if self.patient_id:
            out["PatientID"] = self.patient_id
        if self.study_uid:
            out["StudyInstanceUID"] = self.study_uid
        return out


@dataclass(frozen=True)
class StudyRow:
    study_uid: str
    patient_id: str = ""
    patient_name: str = ""
    study_date: str = ""
    study_time: str = ""
    accession: str = ""
    modalities: tuple[str, ...] = ()
    description: str = ""
    instances: int | None = None


@dataclass(frozen=True)
class InstanceRef:
    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str
    modality: str = ""
    series_number: int | None = None
    instance_number: int | None = None
    rows: int | None = None
    columns: int | None = None
    frames: int = 1
    bits_allocated: int | None = None
    samples: int = 1
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_image(self) -> bool:
        return bool(self.rows and self.columns)

    @property
    def estimated_bytes(self) -> int:
        """The pixel data's size from the header (rows x columns x frames x samples x bytes per sample)."""
        if not self.is_image:
            return 0
        return int(self.rows) * int(self.columns) * max(1, self.frames) * max(1, self.samples) * max(
            1, (self.bits_allocated or 8) // 8)


class PacsClient(Protocol):
    """What the worklist and the filer need from an archive."""

    def check(self) -> dict[str, Any]: ...
    def search(self, query: StudyQuery) -> list[StudyRow]: ...
    def instances(self, study_uid: str) -> list[InstanceRef]: ...
    def retrieve(self, ref: InstanceRef) -> bytes: ...
    def store(self, data: bytes) -> None: ...
    def has_instance(self, study_uid: str, sop_uid: str) -> bool: ...


# --- reading DICOM JSON / data sets safely ------------------------------------------------------------


def _malformed(what: str) -> PacsInputError:
    return PacsInputError(f"The PACS sent a malformed answer ({what}); the study cannot be listed or opened. "
                          "Ask the PACS administrator to check the archive's DICOMweb service.")


def _uid(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > 64 or not _UID_RE.match(value):
        raise _malformed(f"{what} is missing or not a DICOM UID")
    return value


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\\".join(_text(v) for v in value)
    return str(value).replace("\x00", "").strip()


def _from_dataset(ds: Any, keyword: str) -> Any:
    value = ds.get(keyword) if hasattr(ds, "get") else None
    if value is None:
        return None
    if type(value).__name__ == "MultiValue":
        return list(value)
    return value


def _dataset_from_json(item: Any) -> "Dataset":
    from pydicom.dataset import Dataset

    if not isinstance(item, dict):
        raise _malformed("an entry is not a DICOM JSON object")
    try:
        return Dataset.from_json(item)
    except Exception as exc:  # noqa: BLE001 - untrusted JSON
        raise _malformed(f"an entry is not DICOM JSON: {type(exc).__name__}") from None


def study_row(ds: Any) -> StudyRow:
    """A :class:`StudyRow` from a QIDO-RS/C-FIND answer (a pydicom Dataset)."""
    modalities = _from_dataset(ds, "ModalitiesInStudy")
    if isinstance(modalities, str):
        modalities = [m for m in modalities.split("\\") if m]
    return StudyRow(
        study_uid=_uid(_from_dataset(ds, "StudyInstanceUID"), "Study Instance UID"),
        patient_id=_text(_from_dataset(ds, "PatientID")),
        patient_name=_text(_from_dataset(ds, "PatientName")).replace("^", " ").strip(),
        study_date=_text(_from_dataset(ds, "StudyDate")),
        study_time=_text(_from_dataset(ds, "StudyTime")),
        accession=_text(_from_dataset(ds, "AccessionNumber")),
        modalities=tuple(_text(m) for m in (modalities or []) if _text(m)),
        description=_text(_from_dataset(ds, "StudyDescription")),
        instances=_int(_from_dataset(ds, "NumberOfStudyRelatedInstances")),
    )


def instance_ref(ds: Any, study_uid: str) -> InstanceRef:
    """An :class:`InstanceRef` from a QIDO-RS/C-FIND instance answer."""
    found_study = _from_dataset(ds, "StudyInstanceUID") or study_uid
    return InstanceRef(
        study_uid=_uid(found_study, "Study Instance UID"),
        series_uid=_uid(_from_dataset(ds, "SeriesInstanceUID"), "Series Instance UID"),
        sop_uid=_uid(_from_dataset(ds, "SOPInstanceUID"), "SOP Instance UID"),
        sop_class=_uid(_from_dataset(ds, "SOPClassUID"), "SOP Class UID"),
        modality=_text(_from_dataset(ds, "Modality")),
        series_number=_int(_from_dataset(ds, "SeriesNumber")),
        instance_number=_int(_from_dataset(ds, "InstanceNumber")),
        rows=_int(_from_dataset(ds, "Rows")),
        columns=_int(_from_dataset(ds, "Columns")),
        frames=_int(_from_dataset(ds, "NumberOfFrames")) or 1,
        bits_allocated=_int(_from_dataset(ds, "BitsAllocated")),
        samples=_int(_from_dataset(ds, "SamplesPerPixel")) or 1,
    )


def dataset_bytes(ds: "Dataset") -> bytes:
    """``ds`` as a DICOM Part 10 file."""
    from pydicom import dcmwrite

    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


# --- DICOMweb ----------------------------------------------------------------------------------------------


class DicomWebClient:
    """QIDO-RS, WADO-RS and STOW-RS against ``settings.url`` (``dicomweb-client`` over ``requests``)."""

    def __init__(self, settings: DicomWebSettings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._client = None

    def _api(self):
        if self._client is None:
            import requests
            from dicomweb_client.api import DICOMwebClient

            session = requests.Session()
            if self.settings.token is not None:
                session.headers["Authorization"] = f"Bearer {self.settings.token.reveal()}"
            elif self.settings.username:
                session.auth = (self.settings.username,
                                self.settings.password.reveal() if self.settings.password else "")
            _timeout_session(session, self.timeout)
            client = DICOMwebClient(self.settings.url, session=session)
            # No retry loop inside a call (its default waits ~30 s on a down PACS): the worklist says at
            # once that the PACS cannot be reached, and the outbox retries filing with its own backoff.
            client.set_http_retry_params(retry=False)
            self._client = client
        return self._client

    def _call(self, what: str, fn, *args, **kwargs):
        import requests

        try:
            return fn(*args, **kwargs)
        except PacsError:
            raise
        except requests.exceptions.HTTPError as exc:
            code = exc.response.status_code if exc.response is not None else 0
            if code in (401, 403):
                raise PacsError(f"The PACS refused the credentials for {what} (HTTP {code}); check "
                                "pacs.dicomweb's username and password or token.") from None
            if code >= 500 or code in (408, 429):
                raise PacsUnavailableError(f"The PACS failed {what} (HTTP {code}); it will be tried again.") from None
            raise PacsError(f"The PACS refused {what} (HTTP {code}).") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise PacsUnavailableError(f"The PACS at {self.settings.url} cannot be reached for {what} "
                                       f"({type(exc).__name__}); it will be tried again.") from None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            raise _malformed(f"{what}: {type(exc).__name__}") from None

    def _json_list(self, answer: Any, what: str) -> list:
        if not isinstance(answer, list):
            raise _malformed(f"{what} is not a JSON list")
        return answer

    def check(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        answer = self._json_list(self._call("a study search", self._api().search_for_studies, limit=1),
                                 "the study search")
        return {"ok": True, "kind": "dicomweb", "url": self.settings.url, "studies_seen": len(answer),
                "seconds": round(time.perf_counter() - t0, 3)}

    def search(self, query: StudyQuery) -> list[StudyRow]:
        answer = self._call("a study search", self._api().search_for_studies, search_filters=query.filters(),
                            fields=list(_STUDY_FIELDS), limit=query.limit)
        return [study_row(_dataset_from_json(item)) for item in self._json_list(answer, "the study search")]

    def instances(self, study_uid: str) -> list[InstanceRef]:
        answer = self._call("an instance search", self._api().search_for_instances, study_instance_uid=study_uid,
                            fields=list(_INSTANCE_FIELDS))
        return [instance_ref(_dataset_from_json(item), study_uid)
                for item in self._json_list(answer, "the instance search")]

    def retrieve(self, ref: InstanceRef) -> bytes:
        ds = self._call("an instance retrieval", self._api().retrieve_instance, ref.study_uid, ref.series_uid,
                        ref.sop_uid, media_types=(("application/dicom", "*"),))
        return dataset_bytes(ds)

    def store(self, data: bytes) -> None:
        from pydicom import dcmread

        ds = dcmread(io.BytesIO(data))
        answer = self._call("storing the report", self._api().store_instances, [ds])
        failed = getattr(answer, "FailedSOPSequence", None) if answer is not None else None
        if failed:
            reason = _int(getattr(failed[0], "FailureReason", None))
            raise PacsError(f"The PACS refused the report (STOW-RS failure reason {reason}).")

    def has_instance(self, study_uid: str, sop_uid: str) -> bool:
        answer = self._call("an instance search", self._api().search_for_instances, study_instance_uid=study_uid,
                            search_filters={"SOPInstanceUID": sop_uid})
        return any(isinstance(i, dict) for i in self._json_list(answer, "the instance search"))


def _timeout_session(session, timeout: float) -> None:
    """Every request of ``session`` gets ``timeout`` unless it sets one."""
    original = session.request

    def request(method, url, **kwargs):
        kwargs.setdefault("timeout", timeout)
        return original(method, url, **kwargs)

    session.request = request


# --- DIMSE ---------------------------------------------------------------------------------------------------


class DimseClient:
    """C-ECHO, C-FIND (study root), C-GET and C-STORE with ``pynetdicom`` (one association per operation)."""

    def __init__(self, settings: DimseSettings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def _associate(self, contexts: list, roles: list | None = None):
        from pynetdicom import AE

        ae = AE(ae_title=self.settings.calling_ae)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = self.timeout
        for cx in contexts:
            if isinstance(cx, tuple):
                ae.add_requested_context(*cx)
            else:
                ae.add_requested_context(cx)
        assoc = ae.associate(self.settings.host, self.settings.port, ae_title=self.settings.called_ae,
                             ext_neg=roles or None, evt_handlers=getattr(self, "_handlers", None))
        if assoc.is_established:
            return assoc
        where = f"{self.settings.host}:{self.settings.port} (AE {self.settings.called_ae})"
        if assoc.is_rejected:
            raise PacsError(f"The PACS at {where} rejected the association: check the called AE title and that "
                            f"the PACS knows our calling AE title {self.settings.calling_ae}.")
        raise PacsUnavailableError(f"The PACS at {where} cannot be reached; it will be tried again.")

    def check(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        assoc = self._associate(["1.2.840.10008.1.1"])
        try:
            status = assoc.send_c_echo()
        finally:
            assoc.release()
        if not status or status.Status != 0:
            raise PacsError("The PACS answered C-ECHO with a failure status.")
        return {"ok": True, "kind": "dimse", "host": self.settings.host, "port": self.settings.port,
                "seconds": round(time.perf_counter() - t0, 3)}

    def _find(self, level: str, keys: dict[str, Any]) -> list["Dataset"]:
        from pydicom.dataset import Dataset
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as FIND

        ident = Dataset()
        ident.QueryRetrieveLevel = level
        for keyword, value in keys.items():
            setattr(ident, keyword, value)
        assoc = self._associate([FIND])
        out = []
        try:
            for status, found in assoc.send_c_find(ident, FIND):
                if not status:
                    raise PacsUnavailableError("The PACS stopped answering the C-FIND.")
                if status.Status in (0xFF00, 0xFF01) and found is not None:
                    out.append(found)
                elif status.Status != 0:
                    raise PacsError(f"The PACS answered C-FIND with status 0x{status.Status:04X}.")
        finally:
            assoc.release()
        return out

    def search(self, query: StudyQuery) -> list[StudyRow]:
        keys: dict[str, Any] = {k: None for k in _STUDY_FIELDS}
        keys.update(query.filters())
        return [study_row(ds) for ds in self._find("STUDY", keys)[: query.limit]]

    def instances(self, study_uid: str) -> list[InstanceRef]:
        out = []
        for series in self._find("SERIES", {"StudyInstanceUID": study_uid, "SeriesInstanceUID": "", "Modality": "",
                                            "SeriesNumber": ""}):
            keys = {k: None for k in _INSTANCE_FIELDS if k not in ("Modality", "SeriesNumber")}
            keys.update(StudyInstanceUID=study_uid, SeriesInstanceUID=series.SeriesInstanceUID)
            for ds in self._find("IMAGE", keys):
                ds.Modality = series.get("Modality", "")
                ds.SeriesNumber = series.get("SeriesNumber", "")
                out.append(instance_ref(ds, study_uid))
        return out

    def retrieve(self, ref: InstanceRef) -> bytes:
        from pydicom.dataset import Dataset
        from pynetdicom import build_role, evt
        from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet as GET

        received: list[bytes] = []

        def on_store(event):
            received.append(part10_from_event(event))
            return 0x0000

        self._handlers = [(evt.EVT_C_STORE, on_store)]
        try:
            ts = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
                  "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80",
                  "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.5"]
            assoc = self._associate([GET, (ref.sop_class, ts)], roles=[build_role(ref.sop_class, scp_role=True)])
        finally:
            self._handlers = None
        ident = Dataset()
        ident.QueryRetrieveLevel = "IMAGE"
        ident.StudyInstanceUID, ident.SeriesInstanceUID, ident.SOPInstanceUID = ref.study_uid, ref.series_uid, ref.sop_uid
        try:
            for status, _ in assoc.send_c_get(ident, GET):
                if status and status.Status not in (0x0000, 0xFF00):
                    raise PacsError(f"The PACS answered C-GET with status 0x{status.Status:04X}.")
        finally:
            assoc.release()
        if not received:
            raise PacsInputError("The PACS sent no instance for the C-GET.")
        return received[0]

    def store(self, data: bytes) -> None:
        from pydicom import dcmread

        ds = dcmread(io.BytesIO(data))
        assoc = self._associate([(ds.SOPClassUID, [str(ds.file_meta.TransferSyntaxUID)])])
        try:
            status = assoc.send_c_store(ds)
        finally:
            assoc.release()
        if not status:
            raise PacsUnavailableError("The PACS did not answer the C-STORE; it will be tried again.")
        if status.Status not in (0x0000, 0xB000, 0xB007, 0xB006):
            raise PacsError(f"The PACS refused the report (C-STORE status 0x{status.Status:04X}).")

    def has_instance(self, study_uid: str, sop_uid: str) -> bool:
        return any(self._find("IMAGE", {"StudyInstanceUID": study_uid, "SeriesInstanceUID": "",
                                        "SOPInstanceUID": sop_uid}))


def part10_from_event(event) -> bytes:
    """The Part 10 bytes of a received C-STORE (pynetdicom's encoded data set with its file meta)."""
    buf = io.BytesIO()
    buf.write(b"\x00" * 128 + b"DICM")
    from pydicom.filewriter import write_file_meta_info

    write_file_meta_info(buf, event.file_meta, enforce_standard=True)
    buf.write(event.request.DataSet.getvalue())
    return buf.getvalue()


def make_client(settings: PacsSettings) -> PacsClient:
    """The client for the configured archive (DICOMweb when both are configured)."""
    if settings.dicomweb is not None:
        return DicomWebClient(settings.dicomweb, timeout=settings.timeout_s)
    if settings.dimse is not None:
        return DimseClient(settings.dimse, timeout=settings.timeout_s)
    raise PacsError("No PACS is configured: add a pacs section (dicomweb or dimse) to the site configuration "
                    "(README, \"Connecting a PACS\").")
