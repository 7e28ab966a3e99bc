"""Filing signed reports: from the outbox to the PACS (DICOM SR) and, when configured, a FHIR R4 server.

:func:`queue_report` builds the identified SR once (its SOP Instance UID is the report's identity) and,
with a FHIR server, the DiagnosticReport carrying that UID as an identifier; both go into the
:class:`~pixtralogist.pacs.outbox.Outbox` in one call. :class:`Filer` sends what is due:

- to the PACS: first asks whether the instance is already there (a crash between storing and marking
  it filed, or a PACS that accepted it before timing out), then STOW-RS / C-STORE;
- to the FHIR server: a conditional create (``If-None-Exist: identifier=urn:dicom:uid|urn:oid:<uid>``),
  so the server keeps one resource per report whatever the number of tries.

A failure keeps the item waiting (tries, last error, next attempt with backoff). :class:`FilingWorker`
runs the filer in a background thread (the app and ``pixtralogist pacs file --watch``).
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pixtralogist.core.errors import CaseError
from pixtralogist.pacs.client import PacsClient
from pixtralogist.pacs.errors import PacsError, PacsUnavailableError
from pixtralogist.pacs.outbox import Outbox, OutboxItem
from pixtralogist.pacs.settings import FhirSettings, PacsSettings

__all__ = ["Filer", "FilingResult", "FilingWorker", "post_fhir", "queue_report"]

log = logging.getLogger(__name__)

DICOM_UID_SYSTEM = "urn:dicom:uid"


def queue_report(service: Any, outbox: Outbox, case_id: str, settings: PacsSettings) -> list[str]:
    """Queue ``case_id``'s signed report for filing; returns the targets newly queued (empty when it
    already was: queuing again never files again).

    :raises CaseError: the report is not signed.
    :raises ExportError: the case has no DICOM image to reference (nothing to file the SR with).
    """
    from pydicom import dcmread

    turn = service.get(case_id)
    if turn.draft is None or not turn.draft.is_signed:
        raise CaseError("Only a signed report is filed: sign it first.")
    signed_at = turn.draft.signed_at.isoformat() if turn.draft.signed_at else "signed"
    queued = [i for i in outbox.items(case_id) if i.signed_at == signed_at]
    targets = ["pacs"] + (["fhir"] if settings.fhir is not None else [])
    missing = [t for t in targets if t not in {i.target for i in queued}]
    if not missing:
        return []
    pacs_item = next((i for i in queued if i.target == "pacs"), None)
    if pacs_item is not None:
        sr_bytes = pacs_item.payload
    else:  # the filed SR is always the identified one: it goes back to the originating system
        sr_bytes = service.export(case_id, "dicom-sr", deidentify=False)
    sr = dcmread(io.BytesIO(sr_bytes), stop_before_pixels=True)
    sop_uid, study_uid = str(sr.SOPInstanceUID), str(sr.StudyInstanceUID)
    out = []
    for target in missing:
        if target == "pacs":
            payload = sr_bytes
        else:
            resource = json.loads(service.export(case_id, "fhir", deidentify=False))
            resource.setdefault("identifier", []).append({"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{sop_uid}"})
            payload = json.dumps(resource, ensure_ascii=False).encode("utf-8")
        if outbox.queue(case_id=case_id, target=target, key=sop_uid, study_uid=study_uid, signed_at=signed_at,
                        payload=payload):
            out.append(target)
    if out:
        log.info("case %s: signed report queued for filing (%s)", case_id, ", ".join(out))
    return out


def post_fhir(settings: FhirSettings, resource: bytes, sop_uid: str, timeout: float = 30.0) -> int:
    """POST a DiagnosticReport to ``settings.url`` as a conditional create; returns the HTTP status.

    :raises PacsUnavailableError: the server cannot be reached or answers 5xx/408/429.
    :raises PacsError: any other refusal (4xx), with the status.
    """
    req = urllib.request.Request(f"{settings.url}/DiagnosticReport", data=resource, method="POST")
    req.add_header("Content-Type", "application/fhir+json")
    req.add_header("Accept", "application/fhir+json")
    req.add_header("If-None-Exist", f"identifier={DICOM_UID_SYSTEM}|urn:oid:{sop_uid}")
    if settings.token is not None:
        req.add_header("Authorization", f"Bearer {settings.token.reveal()}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise PacsUnavailableError(f"The FHIR server failed the DiagnosticReport (HTTP {exc.code}).") from None
        raise PacsError(f"The FHIR server refused the DiagnosticReport (HTTP {exc.code}).") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PacsUnavailableError(f"The FHIR server at {settings.url} cannot be reached "
                                   f"({type(reason).__name__}).") from None


@dataclass(frozen=True)
class FilingResult:
    case_id: str
    target: str
    filed: bool
    already_there: bool = False
    error: str | None = None


class Filer:
    """Send what is due in the outbox. Safe to run from several threads (a lock serialises runs)."""

    def __init__(self, outbox: Outbox, settings: PacsSettings,
                 client_factory: Callable[[], PacsClient] | None = None) -> None:
        from pixtralogist.pacs.client import make_client

        self.outbox = outbox
        self.settings = settings
        self._client_factory = client_factory or (lambda: make_client(settings))
        self._client: PacsClient | None = None
        self._run_lock = threading.Lock()

    def _pacs(self) -> PacsClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def _send(self, item: OutboxItem) -> bool:
        """Send one item; True when it was already there (nothing sent)."""
        if item.target == "pacs":
            client = self._pacs()
            if client.has_instance(item.study_uid, item.key):
                return True
            client.store(item.payload)
            return False
        if self.settings.fhir is None:
            raise PacsError("No FHIR server is configured any more (pacs.fhir); the report waits for one.")
        post_fhir(self.settings.fhir, item.payload, item.key, timeout=self.settings.timeout_s)
        return False

    def run_once(self, case_id: str | None = None, now: float | None = None) -> list[FilingResult]:
        """Try every due item (or only ``case_id``'s, due or not); each success is marked filed at once."""
        results = []
        with self._run_lock:
            if case_id is None:
                items = self.outbox.due(now)
            else:
                items = [i for i in self.outbox.items(case_id) if i.state == "waiting"]
            for item in items:
                try:
                    already = self._send(item)
                except PacsError as exc:
                    tries = self.outbox.mark_failed(item.id, str(exc), base=self.settings.retry_base_s,
                                                    cap=self.settings.retry_max_s, now=now)
                    log.warning("case %s: filing to %s failed (try %d): %s", item.case_id, item.target, tries, exc)
                    results.append(FilingResult(item.case_id, item.target, False, error=str(exc)))
                    continue
                except Exception as exc:  # noqa: BLE001 - a broken library must not lose the report
                    msg = f"{type(exc).__name__} while filing"
                    self.outbox.mark_failed(item.id, msg, base=self.settings.retry_base_s,
                                            cap=self.settings.retry_max_s, now=now)
                    log.exception("case %s: filing to %s failed", item.case_id, item.target)
                    results.append(FilingResult(item.case_id, item.target, False, error=msg))
                    continue
                self.outbox.mark_filed(item.id, now)
                log.info("case %s: filed to %s%s", item.case_id, item.target, " (already there)" if already else "")
                results.append(FilingResult(item.case_id, item.target, True, already_there=already))
        return results


class FilingWorker:
    """Runs :meth:`Filer.run_once` every ``interval`` seconds in a daemon thread until :meth:`stop`."""

    def __init__(self, filer: Filer, interval: float = 2.0) -> None:
        self.filer = filer
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "FilingWorker":
        self._thread = threading.Thread(target=self._loop, name="pixtralogist-filing", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.filer.run_once()
            except Exception:  # noqa: BLE001 - keep the worker alive; the outbox keeps the reports
                log.exception("filing run failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
