"""The app's callbacks: thin methods that call the service and core, then render.

Each public method is wired to one event in :mod:`pixtralogist.ui.app` and
returns its outputs in the order of a key tuple (``TURN_KEYS``, ...); the app
maps the same keys to components, so no callback looks a widget up by identity.

The controller holds no per-user data: the session (current case, each case's
region order and last rendered text, DICOM windows) lives in a ``gr.State``
that is passed in and returned, keyed by case id. The service is shared; it
keeps cases in its checkpointer and serialises actions per case.

User mistakes (bad file, unknown specialty, empty message, ...) raise
:class:`~pixtralogist.core.errors.PixtralogistError`; :func:`guard` turns
those into a warning toast plus a status line. An unexpected exception is
logged with its traceback on the server and shown to the user as one
sentence, never as a stack trace; the session stays usable.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from pixtralogist.agents.types import Turn
from pixtralogist.core import export
from pixtralogist.core.errors import CaseError, PixtralogistError, StaleCaseError
from pixtralogist.core.models import Specialty
from pixtralogist.persistence.audit import acting_as
from pixtralogist.ui import intake, render
from pixtralogist.ui.review import MAX_REGIONS

log = logging.getLogger(__name__)


def _slot_keys(n: int) -> tuple[str, ...]:
    return tuple(f"slot_{i}" for i in range(n)) + tuple(f"region_{i}" for i in range(n)) + tuple(
        f"notes_{i}" for i in range(n)
    )


#: Everything a Turn changes on screen (plus the session), in output order.
TURN_KEYS: tuple[str, ...] = (
    "session", "intake_status", "status", "banner", "choose_group", "choose_reason", "choose_radio", "draft_panel",
    *_slot_keys(MAX_REGIONS),
    "general_flags", "impression", "save_btn", "sign_name", "sign_btn", "export_text", "export_json", "export_fhir",
    "export_file", "provenance", "provenance_box", "chat", "chat_input", "chat_send", "cases_table", "cases_pick",
    "export_dicom_sr",
)
PREVIEW_KEYS = (
    "session", "gallery", "window_group", "window_image", "window_preset", "window_center", "window_width",
    "intake_status",
)
PRESET_KEYS = ("window_center", "window_width")
EXPORT_KEYS = ("export_file", "status")
CASES_KEYS = ("cases_table", "cases_pick")
INTAKE_FORM_KEYS = ("files", "indication", "comparison", "prior_report", "notes", "specialty")
NEW_CASE_KEYS = INTAKE_FORM_KEYS + PREVIEW_KEYS[1:-1] + TURN_KEYS
#: What "Try example" fills in: the intake form and its status line.
EXAMPLE_KEYS = INTAKE_FORM_KEYS + ("intake_status",)

_STATUS_KEYS = ("status", "intake_status")

#: Outputs whose properties (visibility, label, interactivity, choices) only the turn's events set
#: (through :meth:`Controller._outputs`): within one case, one whose properties did not change is
#: sent as its value alone (or not at all). Gradio rebuilds a component for every property update,
#: ``gr.skip()`` included: a value alone costs a third of that. Left out: what other events change
#: (``export_file``: exports; ``cases_pick``: the case list) or the clinician (``provenance_box``, opened
#: and closed in the browser).
SCREEN_KEYS: frozenset[str] = frozenset({
    "choose_group", "choose_radio", "draft_panel", *_slot_keys(MAX_REGIONS)[:2 * MAX_REGIONS], "impression",
    "save_btn", "sign_name", "sign_btn", "export_text", "export_json", "export_fhir", "export_dicom_sr",
    "chat_input", "chat_send",
})
#: Sessions whose last sent screen the controller remembers (older ones get every property again).
_SCREENS = 4096


def new_session() -> dict[str, Any]:
    """The initial ``gr.State`` value (Gradio deep-copies it for every browser session)."""
    return {"case_id": None, "cases": {}, "windows": {}, "cases_version": None, "screen": None}


def _is_update(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type__") == "update"


def guard(keys: Sequence[str]) -> Callable:
    """Turn errors into a readable warning and a status line; other outputs are left as they are."""

    def deco(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self: "Controller", *args: Any) -> list:
            try:
                with self.acting():
                    return method(self, *args)
            except PixtralogistError as exc:
                message = str(exc)
            except ValueError as exc:  # invalid values from the form (window numbers, ...)
                message = str(exc)
            except Exception as exc:  # a bug: log it server-side, show one sentence
                log.exception("callback %s failed", method.__name__)
                message = (
                    f"Something went wrong ({type(exc).__name__}). Nothing was lost; try again, "
                    "or reopen the case from the Cases tab."
                )
            gr.Warning(html.escape(message))
            out = {k: render.error_md(message) for k in _STATUS_KEYS if k in keys}
            return pack(keys, out)

        return wrapper

    return deco


def pack(keys: Sequence[str], values: Mapping[str, Any]) -> list:
    """Outputs in ``keys`` order; a key without a value is not updated."""
    return [values[k] if k in values else gr.skip() for k in keys]


class Controller:
    """Callbacks over one shared :class:`~pixtralogist.agents.service.ReportingService`."""

    def __init__(self, service: Any, installed: Mapping[str, Specialty], *, export_dir: Path | None = None,
                 user: Callable[[], str | None] | None = None) -> None:
        self.service = service
        self.installed = dict(installed)
        #: the logged-in user of the event being handled (None: no login); the service's audit log names them
        self.user = user
        self.export_dir = Path(export_dir) if export_dir else Path(tempfile.gettempdir()) / "pixtralogist-exports"
        #: Where "Try example" writes the example's images (under the system temp folder, which Gradio serves).
        self.examples_dir = Path(tempfile.gettempdir()) / "pixtralogist-examples"
        #: screen id -> number of the screen last sent to it (see :meth:`_outputs`)
        self._screens: OrderedDict[str, int] = OrderedDict()
        self._screens_lock = threading.Lock()
        self._screen_seq = 0

    def acting(self):
        """The block of one callback, acting as the logged-in user (the service reads it for its audit
        log: :func:`pixtralogist.persistence.audit.acting_as`); nothing changes without a login."""
        who = self.user() if self.user is not None else None
        return acting_as(who) if who else contextlib.nullcontext()

    # -- rendering -----------------------------------------------------------------------

    def _cases(self) -> dict[str, Any]:
        cases = self.service.list_cases()
        return {
            "cases_table": render.cases_rows(cases),
            "cases_pick": gr.update(choices=[c.case_id for c in cases]),
        }

    def _cases_if_changed(self, session: dict[str, Any]) -> dict[str, Any]:
        """The case list when it changed since this session last got it (the case index's
        :meth:`~pixtralogist.agents.service.ReportingService.case_list_version`), else nothing: the
        list on screen stays and neither the list nor its table is read or sent again."""
        version_of = getattr(self.service, "case_list_version", None)
        version = version_of() if callable(version_of) else None
        if version is not None and version == session.get("cases_version"):
            return {}
        session["cases_version"] = version
        return self._cases()

    def view(self, session: Mapping | None, turn: Turn | None, *, note: str | None = None) -> dict[str, Any]:
        """Every on-screen consequence of ``turn`` (``None``: the empty review area)."""
        session = dict(session or new_session())
        session["cases"] = dict(session.get("cases") or {})
        out: dict[str, Any] = {}
        draft = turn.draft if turn else None
        if draft is not None and len(draft.regions) > MAX_REGIONS:
            raise CaseError(
                f"template {draft.template_id!r} has {len(draft.regions)} regions; this app shows at most "
                f"{MAX_REGIONS}. Ask the plugin author to split the template."
            )
        signed = bool(draft and draft.is_signed)
        editable = draft is not None and turn is not None and turn.status == "review"

        if turn is not None:
            session["case_id"] = turn.case_id
            previous = (session["cases"].get(turn.case_id) or {}).get("dicom")
            session["cases"][turn.case_id] = {
                "status": turn.status,
                "regions": list(draft.regions) if draft else [],
                "region_text": draft.region_dict() if draft else {},
                "impression": render.impression_text(draft),
                "dicom": previous if previous is not None else self._has_dicom(turn.case_id),
                "version": turn.version,  # sent back with each action: a stale one is refused
            }
        else:
            session["case_id"] = None
        out["session"] = session

        if turn is not None and turn.status == "error" and turn.error:
            gr.Warning(html.escape(turn.error))
        status = render.status_md(turn)
        if note:
            status = f"{status}\n\n{note}" if status else note
        out["status"] = status
        out["intake_status"] = ""
        out["banner"] = render.banner_html(draft)

        choosing = turn is not None and turn.status == "choose_specialty"
        out["choose_group"] = gr.update(visible=choosing)
        if choosing:
            choices = render.candidate_choices(turn.candidates, self.installed)
            out["choose_reason"] = f"**Routing needs your choice.** {render.esc(turn.error or '')}"
            out["choose_radio"] = gr.update(choices=choices, value=choices[0][1] if choices else None)
        out["draft_panel"] = gr.update(visible=draft is not None)

        flags_by_region, general = render.region_flags(draft, turn.flags) if draft else ({}, [])
        cites = render.region_citations(draft, turn.citations) if draft else {}
        regions = list(draft.regions) if draft else []
        for i in range(MAX_REGIONS):
            if i < len(regions):
                name = regions[i]
                out[f"slot_{i}"] = gr.update(visible=True)
                out[f"region_{i}"] = gr.update(
                    value=draft.region_text(name), label=render.region_label(draft, name), interactive=editable
                )
                out[f"notes_{i}"] = render.region_notes_md(flags_by_region.get(name, []), cites.get(name, []))
            else:
                out[f"slot_{i}"] = gr.update(visible=False)
                out[f"region_{i}"] = gr.update(value="", interactive=False)
                out[f"notes_{i}"] = ""
        out["general_flags"] = render.general_flags_md(general)
        out["impression"] = gr.update(value=render.impression_text(draft), interactive=editable)
        out["save_btn"] = gr.update(interactive=editable)
        out["sign_name"] = gr.update(interactive=editable, **({"value": draft.signed_by} if signed else {}))
        out["sign_btn"] = gr.update(interactive=editable, value="Signed" if signed else "Sign report")
        for k in ("export_text", "export_json", "export_fhir"):
            out[k] = gr.update(interactive=draft is not None)
        # DICOM SR only for a case with DICOM images: it is filed with the source study.
        has_dicom = bool(turn is not None and session["cases"][turn.case_id].get("dicom"))
        out["export_dicom_sr"] = gr.update(visible=has_dicom, interactive=draft is not None and has_dicom)
        out["export_file"] = gr.update(value=None, visible=False)  # an export is a snapshot: clear it
        out["provenance"] = render.provenance_md(draft)
        out["provenance_box"] = gr.update(open=signed)
        out["chat"] = render.chat_messages(turn.messages) if turn else []
        out["chat_input"] = gr.update(interactive=editable)
        out["chat_send"] = gr.update(interactive=editable)
        out.update(self._cases_if_changed(session))
        return out

    def _turn_out(self, session: Mapping, turn: Turn | None, note: str | None = None, **extra: Any) -> list:
        out = self.view(session, turn, note=note)
        out.update(extra)
        return self._outputs(TURN_KEYS, out)

    def _outputs(self, keys: Sequence[str], out: dict[str, Any]) -> list:
        """``out`` in ``keys`` order, each :data:`SCREEN_KEYS` update whose properties the screen already
        shows reduced to its value (or skipped).

        The session remembers the properties it was last sent (``session["screen"]``), numbered; the
        controller remembers each screen's last number. Only a remembered screen showing the same
        case is trusted: a session state that two actions at once both started from (the second to
        finish has an older number), another case, a new case or a forgotten screen get every
        property, as before."""
        session = out.get("session")
        if not isinstance(session, dict):
            return pack(keys, out)
        record = session.get("screen") or {}
        case = session.get("case_id")
        with self._screens_lock:
            screen = record.get("id") or uuid.uuid4().hex
            trusted = (case is not None and record.get("case") == case
                       and self._screens.get(screen) == record.get("seq"))
            self._screen_seq += 1
            self._screens[screen] = seq = self._screen_seq
            self._screens.move_to_end(screen)
            while len(self._screens) > _SCREENS:
                self._screens.popitem(last=False)
        shown: dict[str, dict[str, Any]] = dict(record.get("props") or {}) if trusted else {}
        for key in SCREEN_KEYS.intersection(out):
            update = out[key]
            if not _is_update(update):
                continue
            props = {k: v for k, v in update.items() if k not in ("__type__", "value")}
            before = shown.get(key)
            if before is not None and all(k in before and before[k] == v for k, v in props.items()):
                out[key] = update["value"] if "value" in update else gr.skip()
            shown[key] = {**(before or {}), **props}
        session["screen"] = {"id": screen, "seq": seq, "case": case, "props": shown}
        return pack(keys, out)

    @staticmethod
    def _case_id(session: Mapping | None) -> str:
        cid = (session or {}).get("case_id")
        if not cid:
            raise CaseError("No case is open. Draft a new report, or open a case from the Cases tab.")
        return cid

    # -- intake ------------------------------------------------------------------------------

    @guard(PREVIEW_KEYS)
    def preview(self, session: dict, files: Sequence[str] | None) -> list:
        """Files changed: ingest them for the gallery (a bad file is reported here, before drafting)."""
        session = {**(session or new_session()), "windows": {}}
        paths = intake.paths(files)
        if not paths:
            return pack(PREVIEW_KEYS, {"session": session, "gallery": gr.update(value=[], visible=False),
                                       "window_group": gr.update(visible=False), "intake_status": ""})
        try:
            images = intake.load_preview(paths, {})
        except PixtralogistError as exc:  # clear the previous preview too: it no longer matches the files
            gr.Warning(html.escape(str(exc)))
            return pack(PREVIEW_KEYS, {"session": session, "gallery": gr.update(value=[], visible=False),
                                       "window_group": gr.update(visible=False),
                                       "intake_status": render.error_md(str(exc))})
        dicoms = intake.dicom_choices(images)
        out: dict[str, Any] = {
            "session": session,
            "gallery": gr.update(value=intake.gallery_items(images), visible=True),
            "window_group": gr.update(visible=bool(dicoms)),
            "intake_status": f"{len(images)} image{'s' if len(images) != 1 else ''} ready.",
        }
        if dicoms:
            first = images[dicoms[0][1] - 1].meta
            out.update({
                "window_image": gr.update(choices=dicoms, value=dicoms[0][1]),
                "window_preset": intake.FILE_WINDOW,
                "window_center": first.window_center,
                "window_width": first.window_width,
            })
        return pack(PREVIEW_KEYS, out)

    @guard(PRESET_KEYS)
    def window_preset(self, preset: str) -> list:
        values = intake.WINDOW_PRESETS.get(preset)
        if values is None:
            return pack(PRESET_KEYS, {})
        return pack(PRESET_KEYS, {"window_center": values[0], "window_width": values[1]})

    @guard(PREVIEW_KEYS)
    def apply_window(self, session: dict, files: Sequence[str] | None, index: int | None,
                     center: float | None, width: float | None) -> list:
        """Re-window one DICOM image; the draft will use the same window."""
        paths = intake.paths(files)
        if not paths or not index:
            raise CaseError("Upload a DICOM image first.")
        if center is None or width is None:
            raise ValueError("Enter a window center and a width (width at least 1).")
        windows = {**intake.windows_of(session or {}), int(index): (float(center), float(width))}
        images = intake.load_preview(paths, windows)
        session = {**(session or new_session()), "windows": {str(k): list(v) for k, v in windows.items()}}
        return pack(PREVIEW_KEYS, {
            "session": session,
            "gallery": intake.gallery_items(images),
            "intake_status": f"Window applied to image {int(index)}: center {center:g}, width {width:g}.",
        })

    @guard(TURN_KEYS)
    def draft(self, session: dict, files: Sequence[str] | None, indication: str, comparison: str,
              prior_report: str, notes: str, specialty: str | None) -> list:
        """Build the case from the intake and start the agent (route, draft, retrieve, verify)."""
        case = intake.make_case(
            intake.paths(files), intake.windows_of(session or {}), indication=indication, comparison=comparison,
            prior_report=prior_report, notes=notes, specialty=specialty,
        )
        turn = self.service.start(case)
        # whether "Export DICOM SR" is offered: known from the case just built (no read of the case back)
        session = dict(session or new_session())
        session["cases"] = {**(session.get("cases") or {}),
                            turn.case_id: {"dicom": any(img.meta.format == "dicom" for img in case.images)}}
        return self._turn_out(session, turn)

    @guard(NEW_CASE_KEYS)
    def new_case(self, session: dict) -> list:
        """Clear the intake and the review area (the open case stays in the case list)."""
        out = self.view({**(session or new_session()), "windows": {}}, None)
        out.update({"files": None, "indication": "", "comparison": "", "prior_report": "", "notes": "",
                    "specialty": intake.AUTO, "gallery": gr.update(value=[], visible=False),
                    "window_group": gr.update(visible=False)})
        return self._outputs(NEW_CASE_KEYS, out)

    # -- example cases ("try an example") ----------------------------------------------------

    def example_choices(self) -> list[tuple[str, str]]:
        """``(label, id)`` of every installed plugin's example case, for the intake's example menu."""
        from pixtralogist.core.examples import example_choices

        examples = getattr(self.service, "examples", None)
        if examples is None:
            return []
        return example_choices(examples(), {n: s.label for n, s in self.installed.items()})

    @guard(EXAMPLE_KEYS)
    def try_example(self, example_id: str | None) -> list:
        """Load an example case into the intake (images, indication, comparison, notes); the clinician
        then presses "Draft report" as with any case. The files' change event previews the images."""
        from pixtralogist.core.examples import write_example_images

        if getattr(self.service, "example", None) is None:
            raise CaseError("No plugins are available to provide example cases.")
        ex = self.service.example(example_id)
        paths = write_example_images(ex, self.examples_dir)
        hint = ex.specialty_hint if ex.specialty_hint in self.installed else intake.AUTO
        n = len(paths)
        return pack(EXAMPLE_KEYS, {
            "files": [str(p) for p in paths], "indication": ex.indication, "comparison": ex.comparison,
            "prior_report": "", "notes": ex.notes, "specialty": hint,
            "intake_status": f"Example loaded: **{render.esc(ex.title)}** ({n} synthetic image{'s' if n != 1 else ''}, "
                             "invented notes). Press *Draft report*.",
        })

    # -- review ------------------------------------------------------------------------------

    @guard(TURN_KEYS)
    def choose(self, session: dict, specialty: str | None) -> list:
        if not specialty:
            raise CaseError("Choose a specialty from the list first.")
        return self._turn_out(session, self.service.choose_specialty(self._case_id(session), specialty))

    @staticmethod
    def _shown_version(session: Mapping, cid: str) -> str | None:
        """The version of the case this screen shows (None: unknown, no check)."""
        return ((session.get("cases") or {}).get(cid) or {}).get("version") or None

    def _changed_boxes(self, session: Mapping, impression: str, texts: Sequence[str]) -> tuple[dict[str, str], str | None]:
        """The region boxes (name -> text) and the impression (None: unchanged) that differ from what
        the screen last showed."""
        cid = self._case_id(session)
        shown = (session.get("cases") or {}).get(cid) or {}
        regions = {name: text or "" for name, text in zip(shown.get("regions", []), texts)
                   if (text or "").strip() != (shown.get("region_text", {}).get(name) or "").strip()}
        changed = (impression or "").strip() != (shown.get("impression") or "").strip()
        return regions, (impression or "") if changed else None

    @staticmethod
    def _n_edits(regions: Mapping[str, str], impression: str | None) -> int:
        return len(regions) + (impression is not None)

    def _stale(self, session: dict, exc: StaleCaseError) -> list:
        """A stale action: say so and show the case as it now stands (nothing was applied)."""
        gr.Warning(html.escape(str(exc)))
        return self._turn_out(session, exc.current, note=f"**Not applied.** {render.esc(str(exc))}")

    @guard(TURN_KEYS)
    def save_edits(self, session: dict, impression: str, *texts: str) -> list:
        """Save every changed box at once: one action, checked against the version the screen showed
        (a colleague's change meanwhile refuses it whole, nothing applied)."""
        cid = self._case_id(session)
        regions, impr = self._changed_boxes(session, impression, texts)
        n = self._n_edits(regions, impr)
        if not n:
            gr.Info("No changes to save.")
            return self._turn_out(session, self.service.get(cid), note="No changes to save.")
        try:
            turn = self.service.save(cid, regions, impr, expect_version=self._shown_version(session, cid))
        except StaleCaseError as exc:
            return self._stale(session, exc)
        return self._turn_out(session, turn, note=f"Saved {n} edit{'s' if n != 1 else ''}.")

    @guard(TURN_KEYS)
    def send_message(self, session: dict, text: str) -> list:
        cid = self._case_id(session)
        try:
            turn = self.service.message(cid, text or "", expect_version=self._shown_version(session, cid))
        except StaleCaseError as exc:
            return self._stale(session, exc)
        out = self.view(session, turn)
        out["chat_input"] = gr.update(value="", interactive=turn.status == "review")
        return self._outputs(TURN_KEYS, out)

    @guard(TURN_KEYS)
    def sign(self, session: dict, clinician: str, impression: str, *texts: str) -> list:
        """Sign what is in the boxes: the changed ones are saved and signed in one action (what the
        clinician sees is what is signed)."""
        if not (clinician or "").strip():
            raise CaseError("Enter your name to sign the report.")
        cid = self._case_id(session)
        regions, impr = self._changed_boxes(session, impression, texts)
        n = self._n_edits(regions, impr)
        try:
            turn = self.service.sign(cid, clinician.strip(), regions=regions, impression=impr,
                                     expect_version=self._shown_version(session, cid))
        except StaleCaseError as exc:
            return self._stale(session, exc)
        note = f"Saved {n} edit{'s' if n != 1 else ''} and signed." if n and turn.status == "signed" else None
        return self._turn_out(session, turn, note=note)

    # -- export --------------------------------------------------------------------------------

    def _export(self, session: Mapping, fmt: str) -> list:
        cid = self._case_id(session)
        turn = self.service.get(cid)
        if turn.draft is None:
            raise CaseError("There is no draft to export yet.")
        # Identified (back to the originating system) or de-identified, as the site configuration says.
        data = self.service.export(cid, fmt)
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=self._export_root()))
        path = folder / export.export_filename(turn.draft, fmt)
        path.write_bytes(data)
        state = "signed report" if turn.draft.is_signed else "UNSIGNED AI draft"
        if self.service.deidentify_exports:
            state += ", de-identified for research"
        return pack(EXPORT_KEYS, {"export_file": gr.update(value=str(path), visible=True), "status": f"{render.status_md(turn)}\n\n"
                                  f"Exported {fmt.upper()} ({state}): `{path.name}`"})

    def _has_dicom(self, case_id: str) -> bool:
        """Whether the case has a DICOM image (decides whether "Export DICOM SR" is offered)."""
        try:
            case = self.service.case(case_id)
        except PixtralogistError:
            return False
        return any(img.meta.format == "dicom" for img in case.images)

    def _export_root(self) -> Path:
        self.export_dir.mkdir(parents=True, exist_ok=True)
        return self.export_dir

    @guard(EXPORT_KEYS)
    def export_text(self, session: dict) -> list:
        return self._export(session, "text")

    @guard(EXPORT_KEYS)
    def export_json(self, session: dict) -> list:
        return self._export(session, "json")

    @guard(EXPORT_KEYS)
    def export_fhir(self, session: dict) -> list:
        return self._export(session, "fhir")

    @guard(EXPORT_KEYS)
    def export_dicom_sr(self, session: dict) -> list:
        """DICOM Comprehensive SR; a case without DICOM images gets a readable message (ExportError)."""
        return self._export(session, "dicom-sr")

    # -- cases -----------------------------------------------------------------------------------

    @guard(CASES_KEYS)
    def refresh_cases(self) -> list:
        return pack(CASES_KEYS, self._cases())

    @guard(TURN_KEYS)
    def open_case(self, session: dict, case_id: str | None) -> list:
        if not case_id:
            raise CaseError("Pick a case from the list first.")
        return self._turn_out(session, self.service.get(case_id), note=f"Opened case `{case_id}`.")

    @guard(TURN_KEYS)
    def open_selected(self, session: dict, evt: gr.SelectData) -> list:
        row = evt.row_value or []
        return self.open_case.__wrapped__(self, session, row[0] if row else None)
