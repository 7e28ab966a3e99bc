"""The worklist: studies from the PACS and from the listener, opened as cases, signed and filed back.

>>> wl = Worklist.open(service)                                     # doctest: +SKIP
>>> rows = wl.search(StudyQuery(modality="CT", date_from="20260101"))  # doctest: +SKIP
>>> opened = wl.open_study(rows[0].study.study_uid)                  # doctest: +SKIP
>>> wl.sign(opened.turn.case_id, "Dr A. Example")                    # doctest: +SKIP
>>> wl.filing_status(opened.turn.case_id)                            # 'filed' or 'waiting to file (...)'

Opening a study: its instances are listed (QIDO-RS / C-FIND, or the listener's copy), checked (no
images, only unsupported SOP classes, more instances or bytes than the site allows: a clear
:class:`~pixtralogist.pacs.errors.PacsInputError`), 1-4 representative images are chosen (the middle
image of each series, first four series; the clinician may name others), retrieved, and ingested
exactly as uploads are (:func:`pixtralogist.core.imaging.load_study`: every transfer syntax the
decoders support, identity split off into the identity store). The newest earlier report of the same
patient in the PACS (a DICOM SR of an earlier study) fills the comparison and the prior report.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import CaseError, IngestError, MarkupError
from pixtralogist.pacs.client import InstanceRef, PacsClient, StudyQuery, StudyRow, make_client
from pixtralogist.pacs.errors import PacsError, PacsInputError
from pixtralogist.pacs.filing import Filer, queue_report
from pixtralogist.pacs.inbox import Inbox
from pixtralogist.pacs.outbox import OUTBOX_FILE, Outbox
from pixtralogist.pacs.settings import PacsSettings, pacs_settings

__all__ = ["Opened", "Worklist", "WorklistRow", "choose_images", "sr_text"]

log = logging.getLogger(__name__)

#: Structured reports (prior reports, ours included) by SOP Class UID: Basic Text, Enhanced, Comprehensive SR.
SR_CLASSES = frozenset({"1.2.840.10008.5.1.4.1.1.88.11", "1.2.840.10008.5.1.4.1.1.88.22",
                        "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.88.34"})
MAX_IMAGES = 4


@dataclass(frozen=True)
class WorklistRow:
    study: StudyRow
    source: str  # 'pacs' or 'received'
    state: str  # 'new' (never opened), 'opened', 'failed'
    case_id: str | None = None
    filing: str | None = None  # 'filed', 'waiting to file (...)', None
    error: str | None = None


@dataclass
class Opened:
    turn: Any
    images: list[str]  # the SOP Instance UIDs ingested, in case order
    prior: str | None = None  # 'CT 20240101' when a prior report filled the comparison
    notes: list[str] = field(default_factory=list)


def _name(sop_class: str) -> str:
    from pydicom.uid import UID

    name = UID(sop_class).name
    return name if name and name != sop_class else f"SOP class {sop_class}"


def choose_images(refs: list[InstanceRef], limit: int = MAX_IMAGES) -> list[InstanceRef]:
    """1-``limit`` representative images: the middle image (by Instance Number) of each series, series in
    Series Number order, first ``limit`` series; a single series gives its middle image."""
    series: dict[str, list[InstanceRef]] = {}
    for r in refs:
        series.setdefault(r.series_uid, []).append(r)
    ordered = sorted(series.values(), key=lambda s: (s[0].series_number is None, s[0].series_number or 0,
                                                     s[0].series_uid))
    chosen = []
    for group in ordered[:limit]:
        group = sorted(group, key=lambda r: (r.instance_number is None, r.instance_number or 0, r.sop_uid))
        chosen.append(group[(len(group) - 1) // 2])
    return chosen


def sr_text(data: bytes, limit: int = 20_000) -> str:
    """The text of a DICOM SR: each TEXT item as ``Heading: text`` lines, in document order."""
    from pydicom import dcmread

    ds = dcmread(io.BytesIO(data), stop_before_pixels=True)
    lines: list[str] = []

    def walk(items, depth=0):
        for item in items or []:
            vt = str(item.get("ValueType", ""))
            name = ""
            if item.get("ConceptNameCodeSequence"):
                name = str(item.ConceptNameCodeSequence[0].get("CodeMeaning", ""))
            if vt == "TEXT" and item.get("TextValue"):
                lines.append(f"{name}: {item.TextValue}" if name else str(item.TextValue))
            if depth < 8:
                walk(item.get("ContentSequence"), depth + 1)

    walk(ds.get("ContentSequence"))
    return "\n".join(lines)[:limit]


class Worklist:
    """The PACS side of the app, over a :class:`~pixtralogist.agents.service.ReportingService`."""

    def __init__(self, service: Any, settings: PacsSettings, *, inbox: Inbox, outbox: Outbox,
                 client: PacsClient | None = None) -> None:
        self.service = service
        self.settings = settings
        self.inbox = inbox
        self.outbox = outbox
        self._client = client
        self.filer = Filer(outbox, settings, client_factory=self._pacs)
        self._open_lock = threading.Lock()

    @classmethod
    def open(cls, service: Any, settings: PacsSettings | None = None, *, data_dir: Path | None = None,
             client: PacsClient | None = None) -> "Worklist":
        """The worklist of ``service``: settings from its site configuration unless given; the study list and
        outbox under ``data_dir`` (default the service's data folder)."""
        if settings is None:
            settings = pacs_settings(service.settings())
        data_dir = Path(data_dir) if data_dir is not None else service.data_dir
        inbox = Inbox.open(data_dir)
        outbox = Outbox.open(data_dir / OUTBOX_FILE if data_dir is not None else None)
        return cls(service, settings, inbox=inbox, outbox=outbox, client=client)

    def close(self) -> None:
        self.inbox.close()
        self.outbox.close()

    def _pacs(self) -> PacsClient:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    # -- search -------------------------------------------------------------------------------------------

    def _row(self, study: StudyRow, source: str) -> WorklistRow:
        rec = self.inbox.get(study.study_uid)
        if rec is None:
            return WorklistRow(study=study, source=source, state="new")
        filing = self.outbox.status(rec.case_id) if rec.case_id else None
        return WorklistRow(study=study, source=rec.source if source == "received" else source, state=rec.state,
                           case_id=rec.case_id, filing=filing, error=rec.error)

    def search(self, query: StudyQuery | None = None) -> list[WorklistRow]:
        """Studies pushed to the listener, then the PACS's (when one is configured) matching ``query``.

        :raises PacsError: the PACS cannot be searched (the message says why); received studies are still
            listed by :meth:`received`.
        """
        query = query or StudyQuery()
        rows = [self._row(r.study, "received") for r in self.inbox.received(query)]
        seen = {r.study.study_uid for r in rows}
        if self.settings.configured:
            rows += [self._row(s, "pacs") for s in self._pacs().search(query) if s.study_uid not in seen]
        return rows

    def received(self, query: StudyQuery | None = None) -> list[WorklistRow]:
        return [self._row(r.study, "received") for r in self.inbox.received(query)]

    # -- opening ----------------------------------------------------------------------------------------------

    def _source(self, study_uid: str) -> tuple[str, list[InstanceRef]]:
        received = self.inbox.instances(study_uid)
        if received:
            return "received", received
        if not self.settings.configured:
            raise PacsInputError("This study is not among the received studies and no PACS is configured.")
        return "pacs", self._pacs().instances(study_uid)

    def _retrieve(self, source: str, ref: InstanceRef) -> bytes:
        if source == "received":
            return Path(ref.extra["path"]).read_bytes()
        return self._pacs().retrieve(ref)

    def candidates(self, study_uid: str) -> tuple[list[InstanceRef], list[InstanceRef]]:
        """The study's images and the default choice among them (:func:`choose_images`).

        :raises PacsInputError: no images, only unsupported SOP classes, too many instances or bytes.
        """
        _, refs = self._source(study_uid)
        return self._check(refs)

    def _check(self, refs: list[InstanceRef]) -> tuple[list[InstanceRef], list[InstanceRef]]:
        s = self.settings
        if len(refs) > s.max_instances:
            raise PacsInputError(f"The study has {len(refs)} instances, more than this site opens "
                                 f"({s.max_instances}, pacs.max_instances). Open it in the PACS viewer.")
        images = [r for r in refs if r.is_image and r.sop_class not in SR_CLASSES]
        if not images:
            others = sorted({_name(r.sop_class) for r in refs if r.sop_class not in SR_CLASSES})
            if others:
                raise PacsInputError("The study holds no image the assistant can report, only "
                                     f"{', '.join(others)} (unsupported SOP class).")
            raise PacsInputError("The study has no images" + (" (only reports)." if refs else " in the PACS.")
                                 + " Check that the modality sent its images.")
        by_series: dict[str, int] = {}
        for r in images:
            by_series[r.series_uid] = by_series.get(r.series_uid, 0) + r.estimated_bytes
        worst = max(by_series.values())
        if worst > s.max_series_bytes:
            raise PacsInputError(f"A series of this study is about {_size(worst)} (from its headers), above this "
                                 f"site's limit of {_size(s.max_series_bytes)} (pacs.max_series_bytes). "
                                 "Open it in the PACS viewer.")
        return images, choose_images(images)

    def _prior(self, study: StudyRow | None) -> tuple[str, str] | None:
        """(comparison, prior report text) from the newest earlier SR of the same patient in the PACS."""
        if study is None or not study.patient_id or not self.settings.configured:
            return None
        try:
            client = self._pacs()
            earlier = [s for s in client.search(StudyQuery(patient_id=study.patient_id, limit=50))
                       if s.study_uid != study.study_uid and (not study.study_date or s.study_date <= study.study_date)]
            for prior in sorted(earlier, key=lambda s: (s.study_date, s.study_time), reverse=True):
                reports = [r for r in client.instances(prior.study_uid) if r.sop_class in SR_CLASSES]
                if not reports:
                    continue
                text = sr_text(client.retrieve(reports[-1]))
                if not text.strip():
                    continue
                from pixtralogist.core.text import ensure_plain_text

                ensure_plain_text(text, "The prior report")
                label = " ".join(x for x in ("/".join(m for m in prior.modalities if m != "SR") or "Study",
                                             _date(prior.study_date)) if x)
                return f"Prior {label}", text
        except (PacsError, MarkupError, CaseError, ValueError) as exc:
            log.warning("prior report not used: %s", type(exc).__name__)
        return None

    def _study_row(self, study_uid: str) -> StudyRow | None:
        """The study's own row from the PACS (patient id and date, for the prior report)."""
        try:
            found = self._pacs().search(StudyQuery(study_uid=study_uid, limit=1))
        except PacsError:
            return None
        return found[0] if found else None

    def open_study(self, study_uid: str, *, images: list[str] | None = None, notes: str = "", indication: str = "",
                   study: StudyRow | None = None, specialty: str | None = None) -> Opened:
        """Open ``study_uid`` as a new case (or return the case it already is) and draft it.

        :param images: SOP Instance UIDs to ingest instead of the default choice (1-4 of the study's images).
        :param study: the study's row from :meth:`search` (for the prior report's patient and date).
        :param specialty: skip routing and draft with this specialty.
        :raises PacsInputError: the study cannot be opened (the message says why); nothing is saved then.
        :raises IngestError: an image cannot be decoded (as for an upload).
        """
        with self._open_lock:
            rec = self.inbox.get(study_uid)
            if rec is not None and rec.case_id and images is None:
                return Opened(turn=self.service.get(rec.case_id), images=[], notes=["already open as this case"])
            source, refs = self._source(study_uid)
            try:
                all_images, default = self._check(refs)
                if images:
                    by_uid = {r.sop_uid: r for r in all_images}
                    unknown = [u for u in images if u not in by_uid]
                    if unknown or not 0 < len(images) <= MAX_IMAGES:
                        raise PacsInputError(f"Choose 1 to {MAX_IMAGES} of this study's images.")
                    chosen = [by_uid[u] for u in images]
                else:
                    chosen = default
                data = [self._retrieve(source, r) for r in chosen]
                from pixtralogist.core.imaging import build_case

                study = study or (rec.study if rec is not None else None)
                if study is None and source == "pacs":
                    study = self._study_row(study_uid)
                prior = self._prior(study)
                case = build_case(data, notes=notes, indication=indication, specialty_hint=specialty,
                                  comparison=prior[0] if prior else "", prior_report=prior[1] if prior else "")
            except (PacsInputError, IngestError) as exc:
                self.inbox.record_failed(study_uid, str(exc))
                raise
            turn = self.service.start(case)
            row = study or StudyRow(study_uid=study_uid)
            self.inbox.record_opened(row, source if rec is None else rec.source, case.id)
            return Opened(turn=turn, images=[r.sop_uid for r in chosen], prior=prior[0] if prior else None)

    # -- signing and filing ------------------------------------------------------------------------------------

    def sign(self, case_id: str, clinician: str) -> Any:
        """Sign ``case_id`` and file it (queued first, so nothing is lost if the PACS is down)."""
        turn = self.service.sign(case_id, clinician)
        self.file(case_id)
        return turn

    def file(self, case_id: str) -> str:
        """Queue ``case_id``'s signed report (once) and try to file it now; returns :meth:`filing_status`."""
        if not self.settings.configured:
            raise PacsError("No PACS is configured to file the report with (README, \"Connecting a PACS\").")
        queue_report(self.service, self.outbox, case_id, self.settings)
        self.filer.run_once(case_id)
        return self.filing_status(case_id) or "not filed"

    def filing_status(self, case_id: str) -> str | None:
        return self.outbox.status(case_id)


def _size(n: int) -> str:
    for unit, step in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{n} bytes"


def _date(da: str) -> str:
    return f"{da[:4]}-{da[4:6]}-{da[6:8]}" if len(da) == 8 and da.isdigit() else da
