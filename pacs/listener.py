"""``pixtralogist dicom-listen``: a DICOM storage SCP a modality or the PACS can push studies to.

- Only calling AE titles in ``pacs.listener.allowed_calling_aes`` may associate (and only with our own
  AE title as the called AE); a refused association is recorded and shown in the worklist. An empty
  allow-list is refused at start: an open listener is never the default.
- Each received instance is kept (owner-only) and its study appears in the worklist as new.
- A study beyond ``pacs.max_series_bytes`` is refused instance by instance (status A700, out of resources).
- With ``draft_on_arrival``, a study is opened (drafted) when the association that brought it is released.

Logs name AE titles and counts, never a patient or a UID.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pixtralogist.core.errors import ConfigError
from pixtralogist.pacs.client import instance_ref, part10_from_event, study_row
from pixtralogist.pacs.inbox import Inbox
from pixtralogist.pacs.settings import PacsSettings

__all__ = ["DicomListener"]

log = logging.getLogger(__name__)

_OUT_OF_RESOURCES = 0xA700
_CANNOT_UNDERSTAND = 0xC000


class DicomListener:
    """Start with :meth:`start` (non-blocking), stop with :meth:`stop`."""

    def __init__(self, settings: PacsSettings, inbox: Inbox, *, port: int | None = None,
                 on_study: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.inbox = inbox
        self.port = port if port is not None else settings.listener.port
        self.on_study = on_study
        self._server = None
        self._pending: dict[int, set[str]] = {}
        self._lock = threading.Lock()
        if not settings.listener.allowed_calling_aes:
            raise ConfigError("pacs.listener.allowed_calling_aes is empty: name the AE titles allowed to push "
                              "studies (the PACS's, the modalities')")

    def start(self) -> "DicomListener":
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification

        ls = self.settings.listener
        ae = AE(ae_title=ls.ae_title)
        ae.require_calling_aet = list(ls.allowed_calling_aes)
        ae.require_called_aet = True
        ae.maximum_pdu_size = 0
        for cx in AllStoragePresentationContexts:
            ae.add_supported_context(cx.abstract_syntax, ALL_TRANSFER_SYNTAXES)
        ae.add_supported_context(Verification)
        handlers = [(evt.EVT_C_STORE, self._on_store), (evt.EVT_REJECTED, self._on_rejected),
                    (evt.EVT_RELEASED, self._on_released), (evt.EVT_ABORTED, self._on_released)]
        self._server = ae.start_server((ls.host, self.port), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]
        log.info("DICOM listener %s on %s:%d (allowed calling AE titles: %s)", ls.ae_title, ls.host, self.port,
                 ", ".join(ls.allowed_calling_aes))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    # -- events -------------------------------------------------------------------------------------------------

    def _on_rejected(self, event) -> None:
        calling = _ae_text(getattr(event.assoc.requestor, "ae_title", ""))
        called = _ae_text(getattr(event.assoc.acceptor, "ae_title", ""))
        msg = (f"Refused a push from AE title '{calling}' (called '{called}'): only "
               f"{', '.join(self.settings.listener.allowed_calling_aes)} may push to "
               f"{self.settings.listener.ae_title} (pacs.listener.allowed_calling_aes).")
        log.warning(msg)
        self.inbox.event(msg)

    def _on_store(self, event) -> int:
        try:
            ds = event.dataset
            ds.file_meta = event.file_meta
            study, ref = study_row(ds), instance_ref(ds, "")
        except Exception as exc:  # noqa: BLE001 - an unreadable push must not stop the listener
            calling = _ae_text(event.assoc.requestor.ae_title)
            self.inbox.event(f"An instance pushed by '{calling}' could not be read ({type(exc).__name__}); refused.")
            return _CANNOT_UNDERSTAND
        data = part10_from_event(event)
        if self.inbox.received_bytes(study.study_uid) + len(data) > self.settings.max_series_bytes:
            calling = _ae_text(event.assoc.requestor.ae_title)
            self.inbox.event(f"A study pushed by '{calling}' is larger than this site's limit "
                             f"({self.settings.max_series_bytes:,} bytes, pacs.max_series_bytes); "
                             "the instances beyond it were refused.")
            return _OUT_OF_RESOURCES
        self.inbox.receive(study, ref, data)
        with self._lock:
            self._pending.setdefault(id(event.assoc), set()).add(study.study_uid)
        return 0x0000

    def _on_released(self, event) -> None:
        with self._lock:
            studies = self._pending.pop(id(event.assoc), set())
        if not studies:
            return
        calling = _ae_text(event.assoc.requestor.ae_title)
        log.info("received %d stud%s from %s", len(studies), "y" if len(studies) == 1 else "ies", calling)
        if self.settings.listener.draft_on_arrival and self.on_study is not None:
            for uid in studies:
                threading.Thread(target=self._draft, args=(uid,), name="pixtralogist-draft-on-arrival",
                                 daemon=True).start()

    def _draft(self, study_uid: str) -> None:
        try:
            self.on_study(study_uid)
        except Exception as exc:  # noqa: BLE001 - recorded on the study; the listener goes on
            self.inbox.record_failed(study_uid, str(exc))
            log.warning("draft on arrival failed: %s", type(exc).__name__)


ALL_TRANSFER_SYNTAXES = [
    "1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
    "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
    "1.2.840.10008.1.2.5",
]


def _ae_text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return "".join(c for c in str(value).strip() if c.isprintable())[:16]
