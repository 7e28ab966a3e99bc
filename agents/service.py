"""The agent's facade for the app and the CLI: one method per clinician action.

A case is one LangGraph thread (thread id = case id) in a SQLite or PostgreSQL
checkpointer: it survives a restart of the process and resumes where it paused.
Every method returns a :class:`~pixtralogist.agents.types.Turn`.

Several app servers may share one PostgreSQL database (:mod:`pixtralogist.core.storage`):
each action holds its case's lock (:mod:`pixtralogist.agents.case_lock`) for its
whole read-modify-write, and an action given the ``expect_version`` of the case
as its clinician saw it is refused (:class:`~pixtralogist.core.errors.StaleCaseError`,
carrying the fresh case) when the case changed since. A sign-off is recorded
everywhere or, after a crash, completed from its checkpoint (the checkpoint is
the outbox): :meth:`ReportingService.recover` at start, :meth:`ReportingService.get` on read.

Each clinician action is ONE graph run (:attr:`ReportingService.graph_runs` counts them): a Save
of any number of boxes (:meth:`ReportingService.save`), a chat message, a sign-off with the boxes
still pending on screen.

>>> svc = ReportingService.create(Path("/tmp/pixtralogist"))      # doctest: +SKIP
>>> turn = svc.start(case)                                         # doctest: +SKIP
>>> turn = svc.message(turn.case_id, "add small right pleural effusion")  # doctest: +SKIP
>>> turn = svc.save(turn.case_id, {"heart": "Mild cardiomegaly."}, None)  # doctest: +SKIP
>>> turn = svc.sign(turn.case_id, "Dr A. Example")                 # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pixtralogist.agents.case_lock import CaseLocks
from pixtralogist.agents.cases import CaseList
from pixtralogist.agents.commands import Edits, Message, Sign
from pixtralogist.agents.engine import Engine
from pixtralogist.agents.recovery import reconcile_records, recover_all, rerun_interrupted
from pixtralogist.agents.state import STATE_TYPES, load_state
from pixtralogist.agents.status import interrupt_of, turn_from_snapshot
from pixtralogist.agents.types import CaseSummary, Turn
from pixtralogist.core import logs
from pixtralogist.persistence.audit import AuditLog, current_actor
from pixtralogist.core.errors import CaseError, PixtralogistError, StaleCaseError
from pixtralogist.core.identity import IDENTITY_FILE, CaseIdentity, case_identity
from pixtralogist.core.models import Case, ExampleCase, Specialty
from pixtralogist.core.plugins import PluginHost
from pixtralogist.core.storage import StorageSettings
from pixtralogist.persistence.checkpoints import CheckpointStore
from pixtralogist.persistence.compaction import compact_signed
from pixtralogist.persistence.identity import IdentityStore
from pixtralogist.core.text import ensure_plain_case_text, ensure_plain_text

log = logging.getLogger(__name__)

HOME_ENV = "PIXTRALOGIST_HOME"



def default_data_dir() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".pixtralogist")


class ReportingService:
    """Thread-safe, and safe across processes and servers: one lock per case serialises actions on it.

    A facade: the graph runs through :class:`~pixtralogist.agents.engine.Engine`, where a case stands
    is read by :mod:`pixtralogist.agents.status`, crash recovery is :mod:`pixtralogist.agents.recovery`,
    the case list :mod:`pixtralogist.agents.cases`; this class holds the case's lock around each
    action and writes the audit log.
    """

    def __init__(self, runtime, graph, checkpoints: CheckpointStore, data_dir: Path | None,
                 audit: AuditLog | None = None, identity: IdentityStore | None = None,
                 locks: CaseLocks | None = None) -> None:
        self.runtime = runtime
        #: patient and study identity by case id, apart from the case (see pixtralogist.core.identity)
        self._identity = identity if identity is not None else IdentityStore.open(None)
        #: append-only record of who drafted, edited and signed what (see pixtralogist.persistence.audit)
        self.audit = audit if audit is not None else AuditLog.open(None)
        #: who is acting, for the audit log, when the caller does not say (a callable; None or an empty
        #: answer falls back to pixtralogist.persistence.audit.current_actor(): acting_as(...) or 'local')
        self.actor_source = None
        self.graph = graph
        self._engine = Engine(graph, runtime)
        self._checkpoints = checkpoints
        if getattr(runtime, "images", None) is None:  # the nodes read the cases' images from the case store
            runtime.images = getattr(checkpoints, "images", None)
        self._cases = CaseList(checkpoints.cases)
        self.data_dir = data_dir
        #: one writer per case (threads, processes on this data dir, or servers on one database)
        self._case_locks = locks if locks is not None else CaseLocks.open(None)
        #: actions running now (SIGTERM waits for them: :meth:`drain`)
        self._inflight = 0
        self._inflight_cv = threading.Condition()
        self.draining = False

    @classmethod
    def create(cls, data_dir: Path | None = None, *, host: PluginHost | None = None,
               retrieval: bool = True, storage: StorageSettings | None = None) -> "ReportingService":
        """Open (or create) the service's stores under ``data_dir`` (default ``$PIXTRALOGIST_HOME``
        or ``~/.pixtralogist``): ``agent.sqlite`` (checkpoints and case index), ``feedback.sqlite``,
        ``audit.sqlite`` with ``audit.key`` and ``audit.anchor`` (:mod:`pixtralogist.persistence.audit`),
        ``identity.sqlite`` (patient and study identity, owner-only), ``guidelines/`` (chromadb).

        :param storage: PostgreSQL for checkpoints and the case list and/or a Chroma server for the
            guideline index (:mod:`pixtralogist.core.storage`); default: the site configuration's
            ``storage`` (``PIXTRALOGIST_CHECKPOINTER_URL`` / ``PIXTRALOGIST_CHROMA_URL``), else embedded.
        :raises AuditError: the audit log was keyed but its key file is missing or unusable.
        """
        from pixtralogist.agents import langgraph_import

        langgraph_import.load()  # before the graph module: without two package inits the agent never runs
        from pixtralogist.agents.runtime import AgentRuntime

        data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        data_dir.mkdir(parents=True, exist_ok=True)
        if host is None:
            from pixtralogist.core.plugins import get_site_plugin_manager

            host = get_site_plugin_manager()
        if storage is None:  # the site configuration's choice, else the environment's, else embedded
            storage = getattr(host.settings, "storage", None) or StorageSettings.from_sources(None)
        shared = storage.database  # the site's PostgreSQL for every store, else SQLite files in data_dir
        # The stores open on a thread (new SQLite files mostly wait for fsync: ~0.25 s on a fresh data
        # folder) while this one imports the graph and chromadb (CPU); the audit log still opens first,
        # so that a missing audit key stops the start before any other store is opened.
        opening = _StoreOpening(data_dir, storage)
        try:
            from pixtralogist.agents.graph import build_graph

            if retrieval:
                from pixtralogist.core.retrieval import _chromadb

                _chromadb()  # the import only (the index opens below, once the stores are open)
        except BaseException:
            opening.abandon()
            raise
        audit, checkpoints, identity, feedback = opening.result()
        try:
            runtime = AgentRuntime.create(data_dir, host=host, retrieval=retrieval, storage=storage, feedback=feedback)
        except Exception:
            identity.close()
            checkpoints.close()
            audit.close()
            raise
        return cls(runtime, build_graph(checkpoints.saver), checkpoints, data_dir, audit=audit,
                   identity=identity, locks=CaseLocks.open(data_dir, shared))

    def warm_up(self) -> None:
        """Load the embedder, guideline indexes and NLP pipeline now (the app does it in the
        background at start) so that the first clinician does not wait for them; it steps aside
        while actions run (:func:`pixtralogist.agents.warmup.warm_up`). Never raises."""
        try:
            self.runtime.warm_up(busy=lambda: self._inflight > 0)
        except Exception:  # noqa: BLE001 - the first draft will load what is missing
            log.exception("warm-up failed; the first draft will be slower")

    def close(self) -> None:
        self._case_locks.close()
        self._checkpoints.close()
        self.runtime.feedback.close()
        if self.runtime.store is not None:
            self.runtime.store.close()
        self.audit.close()
        self._identity.close()

    # -- what the app reads (no reaching into the runtime) -----------------------------------

    def specialties(self) -> dict[str, Specialty]:
        """The installed specialties, by name."""
        return dict(self.runtime.host.specialties())

    def examples(self) -> list[ExampleCase]:
        """Every installed plugin's example case (for "Try an example")."""
        from pixtralogist.core.examples import list_examples

        return list_examples(self.runtime.host)

    def example(self, example_id: str | None) -> ExampleCase:
        """The installed example ``example_id``; :class:`CaseError` (readable) when there is none."""
        from pixtralogist.core.examples import find_example

        return find_example(self.runtime.host, example_id)

    def settings(self) -> Any:
        """The site configuration (:class:`pixtralogist.core.config.Settings`; None without one): the app's
        PACS settings and the model servers ``/readyz`` checks are read from it."""
        return getattr(self.runtime.host, "settings", None)

    def check_stores(self) -> list[str]:
        """What does not answer among the service's stores (``/readyz``): the stores' database (shared or
        this machine's), the checkpointer's, the guideline index (a Chroma server); empty when all do.
        Names and exception types only (nothing about a case)."""
        problems = []
        try:
            self.runtime.feedback.has_report("readyz")  # the stores' database (shared or this machine's)
            self.list_cases(limit=1)  # the checkpointer's database
        except Exception as exc:  # noqa: BLE001
            problems.append(f"database: {type(exc).__name__}")
        client = getattr(self.runtime.store, "_client", None)
        if client is not None:
            try:
                client.heartbeat()
            except Exception as exc:  # noqa: BLE001
                problems.append(f"guideline index: {type(exc).__name__}")
        return problems

    def quality_rows(self) -> list:
        """The edit burden of signed cases (:meth:`~pixtralogist.persistence.feedback.FeedbackStore.quality_rows`)
        for the app's Quality tab: counts and rates, no report text."""
        return self.runtime.feedback.quality_rows()

    @property
    def graph_runs(self) -> int:
        """Graph invocations and resumes by this process (a Save of any number of boxes is one)."""
        return self._engine.runs

    def stats(self) -> dict[str, int]:
        """Counters for monitoring: ``graph_runs`` (see :attr:`graph_runs`) and ``in_flight`` (actions running)."""
        return {"graph_runs": self.graph_runs, "in_flight": self.in_flight}

    # -- helpers ---------------------------------------------------------------------

    def _lock(self, case_id: str):
        """Hold ``case_id`` for one whole action (counted in flight for :meth:`drain`)."""
        return _Held(self, case_id)

    def drain(self, timeout: float = 30.0) -> bool:
        """Refuse new actions and wait up to ``timeout`` s for those running; True when none is left."""
        import time

        self.draining = True
        deadline = time.monotonic() + timeout
        with self._inflight_cv:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._inflight_cv.wait(left)
        return True

    @property
    def in_flight(self) -> int:
        return self._inflight

    _config = staticmethod(Engine.config)
    _interrupt = staticmethod(interrupt_of)

    def _resume(self, case_id: str, expect: str, value: Any, expect_version: str | None = None) -> Turn:
        """Run one clinician action; the caller holds the case's lock."""
        from langgraph.types import Command

        snap, _ = rerun_interrupted(self._engine, case_id, self._engine.snapshot(case_id))
        intr = interrupt_of(snap)
        if expect_version:
            current = turn_from_snapshot(case_id, snap)
            if current.version != expect_version:
                raise StaleCaseError(
                    f"case {case_id} was changed (by a colleague, or in another window) after your screen "
                    "showed it; your change was NOT applied. The case as it now stands is shown: check it "
                    "and make your change again if it is still needed.", current)
        if intr is None or intr.get("kind") != expect:
            state = "signed" if load_state(snap.values).signed else (intr or {}).get("kind")
            raise CaseError(f"case {case_id} is not waiting for {expect.replace('_', ' ')} (it is {state or 'finished'})")
        turn = self._engine.run(case_id, Command(resume=value))
        self._cases.record(turn)
        return turn

    # -- audit -----------------------------------------------------------------------------

    def _actor(self) -> str:
        who = None
        if self.actor_source is not None:
            try:
                who = self.actor_source()
            except Exception:  # noqa: BLE001 - never let identity lookup break an action
                log.exception("actor_source failed")
        return (who or "").strip() or current_actor()

    def _record(self, action: str, case_id: str, turn: Turn | None, actor: str, **detail: Any) -> None:
        """Append to the audit log; a failure is logged (case id only), the saved work stands."""
        try:
            status = turn.status if turn is not None else None
            self.audit.record(action, case_id, actor=actor, status=status, **detail)
            if action == "message" and turn is not None and turn.status == "signed":  # "sign as ..." in chat
                self.audit.record("sign", case_id, actor=actor, status="signed",
                                  signed_by=turn.draft.signed_by if turn.draft else None)
        except Exception:  # noqa: BLE001
            log.exception("case %s: could not write the audit log", case_id)

    def _act(self, case_id: str, expect: str, value: Any, expect_version: str | None,
             audit: list[tuple[str, dict[str, Any]]]) -> Turn:
        """One action: resume the case with ``value`` (a review command carries the acting user, kept in
        the checkpoint so a step finished after a crash is attributed), then write ``audit``'s events."""
        actor = self._actor()
        if isinstance(value, (Edits, Message, Sign)):
            value = value.model_copy(update={"user": actor})
        with self._lock(case_id):  # the whole read-modify-write: checkpoint, case list, audit log
            turn = self._resume(case_id, expect, value, expect_version)  # the graph's run (checkpointed)
            for action, detail in audit:  # then its audit events
                self._record(action, case_id, turn, actor, **detail)
            if turn.status == "signed":  # the sign-off is complete: keep only the case's final checkpoint
                compact_signed(self._checkpoints, case_id)
        return turn

    def recover(self) -> int:
        """At start: re-run the steps a crash cut off (unsigned cases) and complete half-recorded
        sign-offs (signed cases whose report is missing from the feedback store); returns how many
        cases changed."""
        feedback = self.runtime.feedback
        return recover_all(self.list_cases(limit=100_000), feedback.reported_case_ids(), self.get,
                           feedback.has_report)

    # -- public API ---------------------------------------------------------------------

    def start(self, case: Case) -> Turn:
        """Route, draft, retrieve and verify ``case``; pause at review or at the specialty choice.

        Case text with markup (HTML, Markdown images or links, web addresses) is refused with
        :class:`~pixtralogist.core.errors.MarkupError` before anything is saved: it would reach the report.
        """
        ensure_plain_case_text(case)
        if case.specialty_hint:
            self.runtime.host.specialty(case.specialty_hint)  # unknown specialty: clear error before anything runs
        with self._lock(case.id):
            if self._engine.exists(case.id):
                raise CaseError(f"case {case.id} already exists; reopen it instead")
            log.info("case %s: start (%d images)", case.id, len(case.images))
            identity = case_identity(case)
            if identity is not None:  # identity goes to its own store; the graph gets the case without it
                self._identity.put(case.id, identity)
            images = getattr(self._checkpoints, "images", None)
            if images is not None:  # the images stored once (committed first); the state names them
                case = images.detach(case)
            turn = self._engine.run(case.id, {"case": case})
            self._cases.record(turn, case.indication)
            self._record("draft", case.id, turn, self._actor(), images=len(case.images),
                         specialty=turn.draft.specialty if turn.draft else None)
        return turn

    def choose_specialty(self, case_id: str, specialty: str) -> Turn:
        name = self.runtime.host.specialty(specialty).name
        return self._act(case_id, "choose_specialty", name, None, [("choose_specialty", {"specialty": name})])

    # ``expect_version``: the :attr:`Turn.version` the clinician's screen showed; when the case has
    # changed since, the action is refused with StaleCaseError (carrying the fresh case), never applied.

    def message(self, case_id: str, text: str, *, clinician: str | None = None,
                expect_version: str | None = None) -> Turn:
        if not (text or "").strip():
            raise CaseError("the message is empty")
        if len(text) > 5000:
            raise CaseError("the message is too long (5,000 characters at most)")
        return self._act(case_id, "review", Message(text=text, clinician=clinician), expect_version,
                         [("message", {})])

    @staticmethod
    def _edits(regions: Mapping[str, str] | None, impression: str | None, clinician: str | None) -> Edits:
        regions = {str(name): text or "" for name, text in (regions or {}).items()}
        for text in regions.values():
            ensure_plain_text(text, "The region text")
        if impression is not None:
            ensure_plain_text(impression, "The impression")
        return Edits(regions=regions, impression=impression, clinician=clinician)

    @staticmethod
    def _edit_events(edits: Edits) -> list[tuple[str, dict[str, Any]]]:
        """One audit event per changed box, as one call per box wrote them before the Save."""
        events = [("edit_region", {"region": name}) for name in edits.regions]
        if edits.impression is not None:
            events.append(("edit_impression", {}))
        return events

    def save(self, case_id: str, regions: Mapping[str, str], impression: str | None = None, *,
             clinician: str | None = None, expect_version: str | None = None) -> Turn:
        """Apply the changed region boxes (``regions``: region name -> new text) and the impression
        (None: unchanged) in ONE graph run: the edits in order, then retrieve and verify once.

        Each changed box is its own edit in the feedback store and its own event in the audit log;
        "undo" in chat reverts the whole save. A bad text or region refuses the whole save (the case
        stays as it was; the turn's messages say why).
        """
        edits = self._edits(regions, impression, clinician)
        if edits.empty:
            raise CaseError("there is nothing to save: no region or impression was given")
        return self._act(case_id, "review", edits, expect_version, self._edit_events(edits))

    def edit_region(self, case_id: str, region: str, text: str, *, clinician: str | None = None,
                    expect_version: str | None = None) -> Turn:
        """One region box (a :meth:`save` of one region)."""
        return self.save(case_id, {region: text or ""}, None, clinician=clinician, expect_version=expect_version)

    def edit_impression(self, case_id: str, text: str, *, clinician: str | None = None,
                        expect_version: str | None = None) -> Turn:
        """The impression (a :meth:`save` of the impression alone); it then stays as written."""
        return self.save(case_id, {}, text or "", clinician=clinician, expect_version=expect_version)

    def sign(self, case_id: str, clinician: str, *, regions: Mapping[str, str] | None = None,
             impression: str | None = None, expect_version: str | None = None) -> Turn:
        """Sign as ``clinician``, after applying the boxes still changed on screen (``regions``,
        ``impression``) in the same graph run: edits, then retrieve and verify over them, then the
        signature. What the clinician saw is what is signed."""
        if not (clinician or "").strip():
            raise CaseError("a clinician's name is required to sign")
        ensure_plain_text(clinician, "The signer's name")
        edits = self._edits(regions, impression, None)
        cmd = Sign(clinician=clinician.strip(), edits=None if edits.empty else edits)
        return self._act(case_id, "review", cmd, expect_version,
                         [*self._edit_events(edits), ("sign", {"signed_by": clinician.strip()})])

    def get(self, case_id: str) -> Turn:
        """The case as it stands; what a crash interrupted is re-run first (:mod:`pixtralogist.agents.recovery`)."""
        with self._lock(case_id):
            snap, _ = rerun_interrupted(self._engine, case_id, self._engine.snapshot(case_id))
            turn = turn_from_snapshot(case_id, snap)
            reconcile_records(case_id, turn, load_state(snap.values), self._cases, self.audit, self._record,
                              current_actor)
        return turn

    def identity_for_export(self, case_id: str) -> CaseIdentity | None:
        """The patient and study identity of ``case_id``, for exports only (:meth:`export`): identified
        ones go back to the originating system with it, research ones replace its UIDs. None when the
        case has none (PNG/JPEG only, or started before the identity store). Nothing else reads it."""
        self._engine.snapshot(case_id)  # an unknown case is a CaseError, as everywhere
        return self._identity.get(case_id)

    @property
    def deidentify_exports(self) -> bool:
        """Whether the site configuration asks for de-identified research exports (``exports.deidentify``)."""
        exports = getattr(getattr(self.runtime.host, "settings", None), "exports", None)
        return bool(getattr(exports, "deidentify", False))

    def export(self, case_id: str, fmt: str, *, deidentify: bool | None = None) -> bytes:
        """The bytes of one export of ``case_id``'s current draft (:func:`pixtralogist.core.export.export_bytes`).

        ``deidentify`` None follows the site configuration. Identified exports carry the case's
        patient and study from the identity store; research exports read only its UIDs there, to
        replace them with new ones (nothing identifying is written).
        """
        from pixtralogist.core import export

        turn = self.get(case_id)
        if turn.draft is None:
            raise CaseError("There is no draft to export yet.")
        try:
            case = self.case(case_id)
        except PixtralogistError:
            case = None
        try:
            template = self.runtime.host.template(turn.draft.template_id)
        except Exception:  # noqa: BLE001 - a plugin removed since: export without its code
            template = None
        research = self.deidentify_exports if deidentify is None else bool(deidentify)
        return export.export_bytes(
            fmt, turn.draft, case, citations=turn.citations, template=template,
            identity=self.identity_for_export(case_id),
            deidentify=research, research_key=self.research_key() if research else None,
        )

    def research_key(self) -> bytes:
        """This installation's secret for research exports' UIDs and pseudonyms (never exported)."""
        return self._identity.research_key()

    def case(self, case_id: str) -> Case:
        """The case as it was started, images included."""
        state = load_state(self._engine.snapshot(case_id).values)
        if state.case is None:
            raise CaseError(f"case {case_id} has no case data")
        return self.runtime.case_of(state)

    def list_cases(self, limit: int = 200) -> list[CaseSummary]:
        return self._cases.list(limit)

    def case_list_version(self) -> str:
        """A tag of the case list that changes whenever :meth:`list_cases` would answer differently."""
        return self._cases.version()


class _StoreOpening:
    """The service's stores opened on a thread, in :meth:`ReportingService.create`'s order: the audit log
    (a missing key stops here), the checkpointer and case list, identity, feedback. :meth:`result` waits
    and returns them, or raises what stopped the opening (what was opened is closed first)."""

    def __init__(self, data_dir: Path, storage: StorageSettings) -> None:
        # What the thread would import, imported here: two threads importing the same modules at once
        # can meet a partly initialised one.
        if storage.checkpointer is None:
            import langgraph.checkpoint.sqlite  # noqa: F401
        else:
            try:
                import langgraph.checkpoint.postgres  # noqa: F401
                import psycopg  # noqa: F401
            except ImportError:
                pass  # the opening raises the readable error (the 'postgres' extra)
        self._serde = state_serializer()
        self._args = (data_dir, storage)
        self._stores: tuple[Any, ...] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._open, name="pixtralogist-open-stores", daemon=True)
        self._thread.start()

    def _open(self) -> None:
        from pixtralogist.persistence.checkpoints import open_checkpoint_store
        from pixtralogist.persistence.feedback import FeedbackStore

        data_dir, storage = self._args
        shared = storage.database
        opened: list[Any] = []
        try:
            opened.append(AuditLog.open(shared or data_dir / "audit.sqlite"))
            opened.append(open_checkpoint_store(data_dir, storage, serde=self._serde))
            opened.append(IdentityStore.open(shared or data_dir / IDENTITY_FILE))
            opened.append(FeedbackStore.open(shared or data_dir / "feedback.sqlite"))
            self._stores = tuple(opened)
        except BaseException as exc:  # noqa: BLE001 - raised again by result()
            for store in reversed(opened):
                store.close()
            self._error = exc

    def result(self) -> tuple[Any, ...]:
        """(audit, checkpoints, identity, feedback), once open; raises what stopped the opening."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._stores is not None
        return self._stores

    def abandon(self) -> None:
        """Wait for the opening and close what it opened (the start failed elsewhere)."""
        self._thread.join()
        for store in reversed(self._stores or ()):
            store.close()


def state_serializer():
    """The checkpointer's serializer: LangGraph's msgpack, rebuilding the agent's state types
    (:data:`~pixtralogist.agents.state.STATE_TYPES`) and LangGraph's safe types, nothing else."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    return JsonPlusSerializer(allowed_msgpack_modules=[(t.__module__, t.__name__) for t in STATE_TYPES])


class _Held:
    """One action in flight on one case: the case's lock, counted for :meth:`ReportingService.drain`."""

    def __init__(self, svc: ReportingService, case_id: str) -> None:
        self._svc, self._case_id = svc, case_id
        self._cm = None
        self._log_token = None

    def __enter__(self) -> None:
        svc = self._svc
        with svc._inflight_cv:
            if svc.draining:
                raise CaseError("this server is shutting down and takes no new actions; your work is saved. "
                                "Reload the page to continue on another server.")
            svc._inflight += 1
        try:
            self._cm = svc._case_locks.hold(self._case_id)
            self._cm.__enter__()
        except BaseException:
            self._done()
            raise
        self._log_token = logs._case.set(self._case_id)  # log lines name the case (pixtralogist.core.logs)

    def __exit__(self, *exc: Any) -> None:
        try:
            logs._case.reset(self._log_token)
            self._cm.__exit__(*exc)
        finally:
            self._done()

    def _done(self) -> None:
        svc = self._svc
        with svc._inflight_cv:
            svc._inflight -= 1
            svc._inflight_cv.notify_all()
