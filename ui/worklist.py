"""Worklist tab: studies from the PACS and the DICOM listener; open one to draft it in the Report tab.

The callbacks are thin over :class:`pixtralogist.pacs.worklist.Worklist`: each turns its result into
table rows and a plain-text status line (everything from the network is shown as text, never markup),
and turns a :class:`~pixtralogist.core.errors.PixtralogistError` into that status line.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from pixtralogist.core.errors import PixtralogistError

__all__ = ["COLUMNS", "WorklistView", "build", "build_filing", "table_rows"]

log = logging.getLogger(__name__)

COLUMNS = ["Date", "Modality", "Patient ID", "Patient", "Accession", "Description", "From", "State", "Filing"]
SEARCH_KEYS = ("wl_table", "wl_pick", "wl_status")
PICK_KEYS = ("wl_images", "wl_status")
OPEN_KEYS = ("wl_status", "wl_case")


def build() -> dict[str, gr.components.Component]:
    c: dict[str, gr.components.Component] = {}
    with gr.Row(equal_height=True):
        c["wl_from"] = gr.Textbox(label="From (YYYY-MM-DD)", scale=1, elem_id="wl-from")
        c["wl_to"] = gr.Textbox(label="To (YYYY-MM-DD)", scale=1, elem_id="wl-to")
        c["wl_modality"] = gr.Textbox(label="Modality", scale=1, elem_id="wl-modality")
        c["wl_accession"] = gr.Textbox(label="Accession number", scale=1, elem_id="wl-accession")
        c["wl_patient"] = gr.Textbox(label="Patient ID", scale=1, elem_id="wl-patient")
        c["wl_search"] = gr.Button("Search", variant="primary", scale=1, elem_id="wl-search")
    c["wl_status"] = gr.Textbox(label="Worklist status", interactive=False, lines=2, elem_id="wl-status")
    c["wl_table"] = gr.Dataframe(headers=COLUMNS, datatype=["str"] * len(COLUMNS), type="array", interactive=False,
                                 wrap=True, max_height=420, label="Studies (received by the listener first)",
                                 elem_id="wl-table")
    with gr.Row(equal_height=True):
        c["wl_pick"] = gr.Dropdown(label="Study", choices=[], scale=3, elem_id="wl-pick")
        c["wl_notes"] = gr.Textbox(label="Dictation (optional)", scale=3, elem_id="wl-notes")
        c["wl_open"] = gr.Button("Open and draft", variant="primary", scale=1, elem_id="wl-open")
    c["wl_images"] = gr.CheckboxGroup(label="Images to report (1-4; the middle image of each series is proposed)",
                                      choices=[], elem_id="wl-images")
    c["wl_case"] = gr.Textbox(visible=False, elem_id="wl-case")  # the case just opened (one gr.State per app)
    return c


def build_filing() -> dict[str, gr.components.Component]:
    """The filing line under the sign-off in the Report tab."""
    return {"filing": gr.Textbox(label="Filing to the PACS", interactive=False, elem_id="filing-status")}


def table_rows(rows: list) -> list[list[str]]:
    out = []
    for r in rows:
        s = r.study
        date = f"{s.study_date[:4]}-{s.study_date[4:6]}-{s.study_date[6:8]}" if len(s.study_date) == 8 else s.study_date
        state = r.state + (f" ({r.error})" if r.error and r.state == "failed" else "")
        out.append([date, "/".join(s.modalities), s.patient_id, s.patient_name, s.accession, s.description,
                    "listener" if r.source == "received" else "PACS", state, r.filing or ""])
    return out


def _label(r) -> str:
    s = r.study
    return f"{s.study_date} {'/'.join(s.modalities)} {s.patient_id} {s.accession}".strip() + f" [{s.study_uid}]"


class WorklistView:
    """The tab's callbacks over one :class:`~pixtralogist.pacs.worklist.Worklist` (or the reason there is none)."""

    def __init__(self, worklist: Any | None, problem: str | None = None) -> None:
        self.worklist = worklist
        self.problem = problem

    def _need(self):
        if self.worklist is None:
            raise PixtralogistError(self.problem or "No PACS is configured (README, \"Connecting a PACS\").")
        return self.worklist

    def search(self, date_from: str, date_to: str, modality: str, accession: str, patient_id: str) -> list:
        from pixtralogist.pacs.client import StudyQuery

        try:
            wl = self._need()
            query = StudyQuery(date_from=date_from or None, date_to=date_to or None, modality=modality or None,
                               accession=accession or None, patient_id=patient_id or None)
            problem = None
            try:
                rows = wl.search(query)
            except PixtralogistError as exc:  # the PACS failed: still list what the listener received
                rows, problem = wl.received(query), str(exc)
        except PixtralogistError as exc:
            return [gr.skip(), gr.skip(), str(exc)]
        events = self.worklist.inbox.events(1)
        status = problem or f"{len(rows)} stud{'y' if len(rows) == 1 else 'ies'}."
        if events:
            status += f" Listener: {events[0][1]}"
        choices = [(_label(r), r.study.study_uid) for r in rows]
        return [table_rows(rows), gr.update(choices=choices, value=None), status]

    def pick(self, study_uid: str | None) -> list:
        if not study_uid:
            return [gr.update(choices=[], value=[]), gr.skip()]
        try:
            images, default = self._need().candidates(study_uid)
        except PixtralogistError as exc:
            return [gr.update(choices=[], value=[]), str(exc)]
        choices = [(f"series {r.series_number or '?'} image {r.instance_number or '?'} ({r.modality or '?'})",
                    r.sop_uid) for r in images[:200]]
        return [gr.update(choices=choices, value=[r.sop_uid for r in default]),
                f"{len(images)} image{'s' if len(images) != 1 else ''}; {len(default)} proposed."]

    def open(self, study_uid: str | None, images: list[str] | None, notes: str) -> list:
        if not study_uid:
            return ["Pick a study first.", None]
        try:
            opened = self._need().open_study(study_uid, images=list(images) or None if images else None,
                                             notes=notes or "")
        except PixtralogistError as exc:
            return [str(exc), None]
        prior = f" Comparison: {opened.prior}." if opened.prior else ""
        return [f"Opened as case {opened.turn.case_id}.{prior}", opened.turn.case_id]

    def start_filing(self, interval: float = 5.0) -> Any:
        """Start the background filer (a :class:`~pixtralogist.pacs.filing.FilingWorker`); None without a PACS."""
        if self.worklist is None or not self.worklist.settings.configured:
            return None
        from pixtralogist.pacs.filing import FilingWorker

        return FilingWorker(self.worklist.filer, interval=interval).start()

    def close(self) -> None:
        if self.worklist is not None:
            self.worklist.close()

    def filing(self, session: dict) -> str:
        """After a sign-off: queue the signed report and try to file it now; the case's filing status."""
        case_id = (session or {}).get("case_id")
        if not case_id or self.worklist is None or not self.worklist.settings.configured:
            return "" if self.worklist is None or not case_id else "No PACS configured: the report is not filed."
        try:
            turn = self.worklist.service.get(case_id)
            if turn.draft is None or not turn.draft.is_signed:
                return self.worklist.filing_status(case_id) or ""
            return self.worklist.file(case_id)
        except PixtralogistError as exc:
            return f"Not filed: {exc}"
