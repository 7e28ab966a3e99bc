"""The clinician app: ``create_ui(service)`` builds it, ``serve()`` runs it.

Layout (one module per part, LLaMA-Factory style)::

    Report tab
      left : intake (images + DICOM window, indication, comparison, prior
             report, dictation, specialty, Draft)  |  chat with the agent
      right: status, AI/sign-off banner, specialty choice, one box per region
             with its flags and guideline citations, impression, Save edits,
             sign-off, export (text / JSON / FHIR R4; DICOM SR for DICOM studies), provenance
    Cases tab: the case list; open one to continue
    Quality tab: the edit burden (edit rate, comparator score) per region and adapter version over time
    Worklist tab: studies from the PACS and the DICOM listener; open one to draft it; signed reports are filed
      back (the filing line under the review shows "filed" or "waiting to file (...)")

Every event is wired in one line to a :class:`~pixtralogist.ui.controller.Controller`
method, which calls the service and renders. Per-user data lives in a
``gr.State`` (nothing module-level is mutable). Nothing is contacted over the
network: analytics are off, fonts are local, run history is disabled (it would
keep clinical text in the browser).
"""

from __future__ import annotations

import _thread
import ipaddress
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pixtralogist import __version__
from pixtralogist.core.models import AI_DISCLAIMER

if TYPE_CHECKING:  # Gradio is imported when the app is built: serve() starts the engine process before
    import gradio as gr  # noqa: F401

    from pixtralogist.ui import worklist

TITLE = "Pixtralogist"

CSS = """
.gradio-container { max-width: 1500px !important; margin: 0 auto; }
#px-header { display: flex; align-items: baseline; gap: 14px; padding: 4px 2px 8px;
  border-bottom: 1px solid var(--border-color-primary); margin-bottom: 4px; }
#px-header h1 { font-size: 1.45rem; margin: 0; font-weight: 650; letter-spacing: .01em; }
#px-header .px-sub { color: var(--body-text-color-subdued); font-size: .9rem; }
.px-banner { padding: 10px 14px; border-radius: 6px; font-weight: 600; font-size: .95rem; }
.px-unsigned { background: #fff4e5; color: #7a4100; border: 1px solid #f0b35a; }
.px-signed { background: #e9f7ef; color: #145a32; border: 1px solid #7dcea0; }
.px-empty { background: var(--background-fill-secondary); color: var(--body-text-color-subdued);
  border: 1px dashed var(--border-color-primary); font-weight: 400; }
.dark .px-unsigned { background: #3d2a10; color: #ffd8a8; }
.dark .px-signed { background: #13301f; color: #b6f0cc; }
.px-region { border-left: 3px solid var(--color-accent-soft); padding-left: 8px !important; gap: 4px !important; }
.px-notes { font-size: .86rem; }
.px-sev { display: inline-block; min-width: 4.6em; text-align: center; padding: 0 6px; margin-right: 4px;
  border-radius: 3px; font-size: .74rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
.px-critical { background: #fde2e1; color: #8a1c13; border: 1px solid #f1a29b; }
.px-warning { background: #fff1d6; color: #7a4a00; border: 1px solid #f0c36d; }
.px-info { background: #e8eef7; color: #2c4a72; border: 1px solid #b7c7de; }
.px-notes details { margin: 2px 0 2px 6px; }
.px-notes summary { cursor: pointer; color: var(--body-text-color-subdued); }
.px-section h4 { margin: 6px 0 0 0 !important; }
.px-hint { font-size: .8rem; color: var(--body-text-color-subdued); }
#status { min-height: 1.5em; }
#window-apply { align-self: flex-end; margin-bottom: 6px; }
footer { display: none !important; }
"""

HEADER = (
    f'<div id="px-header"><h1>{TITLE}</h1>'
    f'<span class="px-sub">Reporting assistant · v{__version__} · {AI_DISCLAIMER}</span></div>'
)


def theme() -> gr.themes.Base:
    import gradio as gr

    return gr.themes.Default(primary_hue="blue", secondary_hue="slate", neutral_hue="slate", radius_size="sm",
                             text_size="sm", spacing_size="sm")


def worklist_view(service: Any) -> worklist.WorklistView:
    """The Worklist tab's callbacks over the site's PACS settings (a settings error is shown in the tab)."""
    from pixtralogist.core.errors import PixtralogistError
    from pixtralogist.pacs.worklist import Worklist
    from pixtralogist.ui import worklist

    try:
        return worklist.WorklistView(Worklist.open(service))
    except PixtralogistError as exc:
        return worklist.WorklistView(None, problem=f"The PACS settings cannot be used: {exc}")


def create_ui(service: Any, *, export_dir: Path | None = None, worklist_callbacks: Any = None,
              settings: Any = None) -> gr.Blocks:
    """Build the app around a :class:`~pixtralogist.agents.service.ReportingService` without launching it.

    ``worklist_callbacks``: the Worklist tab's :class:`~pixtralogist.ui.worklist.WorklistView` (default: over
    the site configuration's ``pacs`` section). ``settings``: the :class:`~pixtralogist.ui.serving.ServeSettings`
    (how many actions run at once; default from the environment)."""
    from pixtralogist.ui import gradio_build

    with gradio_build.app_deferred():  # the server app is built once, by launch()
        return _build_ui(service, export_dir=export_dir, worklist_callbacks=worklist_callbacks, settings=settings)


def _build_ui(service: Any, *, export_dir: Path | None, worklist_callbacks: Any, settings: Any) -> gr.Blocks:
    from pixtralogist.ui import gradio_import

    gr = gradio_import.load()  # without Gradio's import-time stub writing (see the module)
    from pixtralogist.ui import cases, chat, gradio_signatures, intake, quality, review, worklist
    from pixtralogist.ui.controller import (
        CASES_KEYS,
        EXAMPLE_KEYS,
        EXPORT_KEYS,
        NEW_CASE_KEYS,
        PREVIEW_KEYS,
        PRESET_KEYS,
        TURN_KEYS,
        Controller,
        new_session,
    )
    from pixtralogist.ui.serving import ServeSettings

    gradio_signatures.install()  # each event's outputs: Gradio reads its components' signatures once
    settings = settings if settings is not None else ServeSettings.from_env()
    installed = service.specialties()
    wl = worklist_callbacks if worklist_callbacks is not None else worklist_view(service)
    # the audit log names the logged-in user ('local' without a login): each callback acts as them
    ctl = Controller(service, installed, export_dir=export_dir, user=request_user)
    c: dict[str, Any] = {}
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 7200)) as demo:
        c["session"] = gr.State(new_session())
        gr.HTML(HEADER)
        with gr.Tabs(elem_id="tabs") as c["tabs"]:
            with gr.Tab("Report", id="report", elem_id="tab-report"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=5, min_width=380):
                        c.update(intake.build(installed, ctl.example_choices()))
                        c.update(chat.build())
                    with gr.Column(scale=7, min_width=480):
                        c.update(review.build())
                        c.update(worklist.build_filing())
            with gr.Tab("Cases", id="cases", elem_id="tab-cases"):
                c.update(cases.build())
            with gr.Tab("Quality", id="quality", elem_id="tab-quality") as c["quality_tab"]:
                c.update(quality.build())
            with gr.Tab("Worklist", id="worklist", elem_id="tab-worklist"):
                c.update(worklist.build())

        def out(keys: tuple[str, ...]) -> list:
            return [c[k] for k in keys]

        regions = [c[f"region_{i}"] for i in range(review.MAX_REGIONS)]
        turn = out(TURN_KEYS)
        form = [c["files"], c["indication"], c["comparison"], c["prior_report"], c["notes"], c["specialty"]]
        s = c["session"]

        c["files"].change(ctl.preview, [s, c["files"]], out(PREVIEW_KEYS))
        c["window_preset"].input(ctl.window_preset, [c["window_preset"]], out(PRESET_KEYS))
        c["window_apply"].click(ctl.apply_window, [s, c["files"], c["window_image"], c["window_center"],
                                                   c["window_width"]], out(PREVIEW_KEYS))
        # The agent's actions share one pool of `workers` (pixtralogist.ui.serving): they compete for the same CPU.
        agent = {"concurrency_id": "agent", "concurrency_limit": settings.workers}
        c["draft_btn"].click(ctl.draft, [s, *form], turn, **agent)
        c["new_case"].click(ctl.new_case, [s], out(NEW_CASE_KEYS))
        c["example_btn"].click(ctl.try_example, [c["example_pick"]], out(EXAMPLE_KEYS))
        c["choose_btn"].click(ctl.choose, [s, c["choose_radio"]], turn, **agent)
        c["save_btn"].click(ctl.save_edits, [s, c["impression"], *regions], turn, **agent)
        c["chat_send"].click(ctl.send_message, [s, c["chat_input"]], turn, **agent)
        c["chat_input"].submit(ctl.send_message, [s, c["chat_input"]], turn, **agent)
        c["sign_btn"].click(ctl.sign, [s, c["sign_name"], c["impression"], *regions], turn, **agent).then(
            wl.filing, [s], c["filing"])
        c["export_text"].click(ctl.export_text, [s], out(EXPORT_KEYS))
        c["export_json"].click(ctl.export_json, [s], out(EXPORT_KEYS))
        c["export_fhir"].click(ctl.export_fhir, [s], out(EXPORT_KEYS))
        c["export_dicom_sr"].click(ctl.export_dicom_sr, [s], out(EXPORT_KEYS))
        c["cases_refresh"].click(ctl.refresh_cases, None, out(CASES_KEYS))
        c["cases_open"].click(ctl.open_case, [s, c["cases_pick"]], turn, **agent).then(_to_report, None, c["tabs"])
        c["cases_table"].select(ctl.open_selected, [s], turn, **agent).then(_to_report, None, c["tabs"])
        demo.load(ctl.refresh_cases, None, out(CASES_KEYS))
        wl_query = [c["wl_from"], c["wl_to"], c["wl_modality"], c["wl_accession"], c["wl_patient"]]
        c["wl_search"].click(wl.search, wl_query, out(worklist.SEARCH_KEYS))
        c["wl_pick"].input(wl.pick, [c["wl_pick"]], out(worklist.PICK_KEYS))

        def open_opened(session: dict, case_id: str | None) -> list:
            return ctl.open_case(session, case_id) if case_id else [gr.skip()] * len(turn)

        def wl_open(study_uid: str | None, images: list[str] | None, notes: str) -> list:
            with ctl.acting():  # the draft is audited as the logged-in user's
                return wl.open(study_uid, images, notes)

        c["wl_open"].click(wl_open, [c["wl_pick"], c["wl_images"], c["wl_notes"]], out(worklist.OPEN_KEYS)).then(
            open_opened, [s, c["wl_case"]], turn).then(_to_report_if, [c["wl_case"]], c["tabs"])

        def show_quality() -> tuple:
            return quality.quality_view(service)

        c["quality_refresh"].click(show_quality, None, out(quality.QUALITY_KEYS))
        c["quality_tab"].select(show_quality, None, out(quality.QUALITY_KEYS))
    # Actions beyond `workers` wait in Gradio's queue, first come first served (pixtralogist.ui.serving).
    demo.queue(default_concurrency_limit=settings.workers)
    demo.px_components = c  # for tests and embedding apps: component by key
    demo.px_controller = ctl
    demo.px_worklist = wl
    return demo


def _to_report() -> gr.Tabs:
    import gradio as gr

    return gr.Tabs(selected="report")


def _to_report_if(case_id: str | None) -> Any:
    import gradio as gr

    return gr.Tabs(selected="report") if case_id else gr.skip()


def request_user() -> str | None:
    """The logged-in user of the Gradio event being processed (None without a login or outside an event)."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    return getattr(request, "username", None) if request is not None else None


# --- launching -------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_warning(host: str, auth: Callable[[str, str], bool] | None) -> str | None:
    """The warning to print when the app would be reachable from other machines without a login."""
    if is_loopback(host) or auth is not None:
        return None
    from pixtralogist.ui.auth import USERS_FILE_ENV

    return (
        f"WARNING: serving on {host} (reachable from other machines) without a login. "
        f"Set {USERS_FILE_ENV} to a users file (see pixtralogist.ui.auth) and put the app behind HTTPS."
    )


def launch_options() -> dict[str, Any]:
    """``Blocks.launch`` options the app always uses (no analytics, no run history, local assets only)."""
    return {
        "theme": theme(),
        "css": CSS,
        "footer_links": [],
        "run_history": False,
        "ssr_mode": False,
        "mcp_server": False,
        "enable_monitoring": False,
        "share": False,
        "show_error": False,
        "max_file_size": "64mb",
        **_no_self_check(),
    }


def _no_self_check() -> dict[str, Any]:
    """Skip Gradio's start-up self-check (a HEAD of its own page with a 3 s timeout, whose failure stops
    the launch with "When localhost is not accessible, a shareable link must be created"): on a busy
    machine, the warm-up running beside it, the page can take longer and the app died at start. The
    app never makes a share link, so the check has nothing to decide. Only where the installed Gradio
    takes the option (``_frontend``, gradio 6)."""
    import inspect

    import gradio as gr

    return {"_frontend": False} if "_frontend" in inspect.signature(gr.Blocks.launch).parameters else {}


def _middleware(service: Any, auth: Callable[[str, str], bool] | None, signer: Any = None,
                warm: Any = None) -> dict[str, Any]:
    """``launch`` options: ``/healthz``, ``/readyz`` and ``/stats`` (:mod:`pixtralogist.ui.ops`; ``warm``: the
    :class:`~pixtralogist.ui.serving.WarmUp` whose state ``/stats`` reports); with a login, every API
    route needs it (:class:`~pixtralogist.ui.auth.RequireLogin`), and with a shared session secret the login
    is valid on every server (:class:`~pixtralogist.ui.sessions.SignedSessions`)."""
    from starlette.middleware import Middleware

    from pixtralogist.ui.auth import RequireLogin
    from pixtralogist.ui.ops import OpsEndpoints
    from pixtralogist.ui.sessions import SignedSessions

    stack = [Middleware(OpsEndpoints, service_ref=lambda: service, warm_ref=lambda: warm)]
    if auth is not None and signer is not None:
        stack.append(Middleware(SignedSessions, signer=signer))
    if auth is not None:
        stack.append(Middleware(RequireLogin))
    return {"app_kwargs": {"middleware": stack}}


def serve(
    host: str = "127.0.0.1",
    port: int = 7860,
    data_dir: Path | None = None,
    auth: Callable[[str, str], bool] | None = None,
    *,
    prevent_thread_lock: bool = False,
) -> int:
    """Open the service under ``data_dir`` and run the app until interrupted; returns an exit status
    (1 when the engine process died under it).

    Binds the loopback interface by default. ``auth`` defaults to the users
    file named by ``PIXTRALOGIST_USERS_FILE`` (see :mod:`pixtralogist.ui.auth`);
    binding another address without it prints a warning. Workers, torch threads and where the engine
    runs come from :class:`~pixtralogist.ui.serving.ServeSettings` (environment): by default the engine
    has its own process (:mod:`pixtralogist.ui.engine_process`), started first, so that it opens its
    stores, recovers and warms up while this process imports Gradio and builds the app (called from
    another thread than the main one, the engine runs in this process: a forked engine dies with the
    thread that forked it); the warm-up runs
    in the background and "Pixtralogist is ready to draft at URL" is printed when it and the server are done.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from pixtralogist.ui import gradio_import
    from pixtralogist.ui.serving import ServeSettings, WarmUp

    settings = ServeSettings.from_env()
    settings.apply_torch_threads()  # before anything imports torch
    from pixtralogist.core import logs
    from pixtralogist.ui.auth import auth_from_env
    from pixtralogist.ui.sessions import signer_from_env

    logs.configure()  # JSON lines with the server name and case id when PIXTRALOGIST_LOG_FORMAT=json
    if auth is None:
        auth = auth_from_env()
    signer = signer_from_env() if auth is not None else None  # logins valid on every server
    warning = bind_warning(host, auth)
    if warning:
        print(warning, file=sys.stderr)
    main_thread = threading.current_thread() is threading.main_thread()
    engine = None
    if settings.engine == "process" and main_thread:  # (the engine dies with the thread that forks it)
        from pixtralogist.ui.engine_process import EngineProcess

        engine = EngineProcess.start(data_dir)  # before Gradio: both start on their own core
        gradio_import.load()  # while the engine opens its stores, recovers and warms up

        service = engine.connect()
    else:
        from pixtralogist.agents.service import ReportingService

        service = ReportingService.create(data_dir)
        service.recover()  # finish what a crash cut off (e.g. a sign-off), so the case list is right
    died = threading.Event()
    warm = WarmUp(service).start()  # the embedder, guideline indexes, plugin data: while the server starts
    demo = create_ui(service, settings=settings)
    filing = demo.px_worklist.start_filing()  # signed reports waiting in the outbox are filed in the background
    if not prevent_thread_lock and main_thread:
        from pixtralogist.ui.ops import install_drain

        install_drain(service)  # SIGTERM: finish the actions in flight, then stop
    try:
        if engine is not None:  # the engine died (a crash, an OOM kill): stop, the supervisor restarts the app
            engine.watch(lambda: (died.set(), _thread.interrupt_main()))
        demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=True,
                    auth_message="Pixtralogist: sign in with your clinician account." if auth else None,
                    **launch_options(), **_middleware(service, auth, signer, warm))
        warm.listening(demo.local_url or f"http://{host}:{port}/")
        if not prevent_thread_lock:
            demo.block_thread()  # until Ctrl-C, SIGTERM (install_drain) or the engine's death
    except KeyboardInterrupt:
        pass
    finally:
        if not prevent_thread_lock:
            demo.close()
            if filing is not None:
                filing.stop()
            demo.px_worklist.close()
            if engine is not None:
                engine.stop()
            else:
                service.close()
    return 1 if died.is_set() else 0
