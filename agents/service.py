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

>>> svc = ReportingService.create(Path("/tmp/pixtralogist"))      # doctest: +SKIP
>>> turn = svc.start(case)                                         # doctest: +SKIP
>>> turn = svc.message(turn.case_id, "add small right pleural effusion")  # doctest: +SKIP
>>> turn = svc.sign(turn.case_id, "Dr A. Example")                 # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from pixtralogist.agents.case_lock import CaseLocks
from pixtralogist.agents.types import CaseSummary, ChatMessage, Citation, Turn
from pixtralogist.core import logs
from pixtralogist.persistence.audit import AuditLog, current_actor
from pixtralogist.core.errors import CaseError, PixtralogistError, StaleCaseError
from pixtralogist.core.identity import IDENTITY_FILE, CaseIdentity, case_identity
from pixtralogist.core.models import Case, Draft, Flag, RouteScore
from pixtralogist.core.plugins import PluginHost
from pixtralogist.core.storage import StorageSettings
from pixtralogist.persistence.checkpoints import CheckpointStore
from pixtralogist.persistence.identity import IdentityStore
from pixtralogist.core.text import ensure_plain_case_text, ensure_plain_text

log = logging.getLogger(__name__)

HOME_ENV = "PIXTRALOGIST_HOME"



def default_data_dir() -> Path:
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".pixtralogist")


class ReportingService:
    """Thread-safe, and safe across processes and servers: one lock per case serialises actions on it."""

    def __init__(self, runtime, graph, checkpoints: CheckpointStore, data_dir: Path | None,
                 audit: AuditLog | None = None, identity: IdentityStore | None = None,
                 locks: CaseLocks | None = None) -> None:
        self.runtime = runtime
        #: patient and study identity by case id, apart from the case (see pixtralogist.core.identity)
        self._identity = identity if identity is not None else IdentityStore.open(None)
        #: append-only record of who drafted, edited and signed what (see pixtralogist.persistence.audit)
        self.audit = audit if audit is not None else AuditLog.open(None)
        #: who is acting, for the audit log (the app sets it to read the logged-in user);
        #: None or an empty answer falls back to pixtralogist.persistence.audit.current_actor() ('local')
        self.actor_source = None
        self.graph = graph
        self._checkpoints = checkpoints
        self._cases = checkpoints.cases
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
        from pixtralogist.agents.graph import build_graph
        from pixtralogist.agents.runtime import AgentRuntime
        from pixtralogist.persistence.checkpoints import open_checkpoint_store

        data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        data_dir.mkdir(parents=True, exist_ok=True)
        if host is None:
            from pixtralogist.core.plugins import get_site_plugin_manager

            host = get_site_plugin_manager()
        if storage is None:  # the site configuration's choice, else the environment's, else embedded
            storage = getattr(host.settings, "storage", None) or StorageSettings.from_sources(None)
        # First, so that a missing audit key stops the start before anything else is opened.
        shared = storage.database  # the site's PostgreSQL for every store, else SQLite files in data_dir
        audit = AuditLog.open(shared or data_dir / "audit.sqlite")
        try:
            checkpoints = open_checkpoint_store(data_dir, storage)
        except Exception:
            audit.close()
            raise
        try:
            identity = IdentityStore.open(shared or data_dir / IDENTITY_FILE)
        except Exception:
            checkpoints.close()
            audit.close()
            raise
        try:
            runtime = AgentRuntime.create(data_dir, host=host, retrieval=retrieval, storage=storage)
        except Exception:
            identity.close()
            checkpoints.close()
            audit.close()
            raise
        return cls(runtime, build_graph(runtime, checkpoints.saver), checkpoints, data_dir, audit=audit,
                   identity=identity, locks=CaseLocks.open(data_dir, shared))

    def warm_up(self) -> None:
        """Load the embedder, guideline indexes and NLP pipeline now (the app does it in the
        background at start) so that the first clinician does not wait for them. Never raises."""
        try:
            self.runtime.warm_up()
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

    @staticmethod
    def _config(case_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": case_id}}

    def _snapshot(self, case_id: str):
        snap = self.graph.get_state(self._config(case_id))
        if not snap.values:
            raise CaseError(f"no case {case_id!r}; open one from the case list or start a new one")
        return snap

    @staticmethod
    def _interrupt(snap) -> dict | None:
        for task in snap.tasks:
            for intr in task.interrupts:
                return intr.value
        return None

    def _index(self, case_id: str, turn: Turn, indication: str | None = None) -> None:
        self._cases.upsert(case_id, turn.status, turn.draft.specialty if turn.draft else None, indication or "")

    def _run(self, case_id: str, payload: Any) -> Turn:
        try:
            # durability='sync': each step is checkpointed before the next starts, so a crash never
            # loses a finished step (with 'async', a sign-off killed mid-way was lost wholesale)
            self.graph.invoke(payload, self._config(case_id), durability="sync")
        except PixtralogistError as exc:
            log.warning("case %s: %s", case_id, type(exc).__name__)
            turn = self._turn(case_id)
            turn.status, turn.error = "error", str(exc)
            return turn
        return self._turn(case_id)

    def _turn(self, case_id: str) -> Turn:
        snap = self._snapshot(case_id)
        values = snap.values
        intr = self._interrupt(snap)
        draft = Draft.model_validate(values["draft"]) if values.get("draft") else None
        if intr and intr.get("kind") == "choose_specialty":
            status = "choose_specialty"
        elif draft is not None and draft.is_signed:
            status = "signed"
        elif intr and intr.get("kind") == "review":
            status = "review"
        else:
            status = "error"
        candidates = [RouteScore.model_validate(c) for c in (intr or {}).get("candidates", [])] if status == "choose_specialty" else []
        return Turn(
            case_id=case_id,
            status=status,
            draft=draft,
            flags=[Flag.model_validate(f) for f in values.get("flags") or []],
            citations={k: [Citation.model_validate(c) for c in v] for k, v in (values.get("citations") or {}).items()},
            candidates=candidates,
            messages=[ChatMessage.model_validate(m) for m in values.get("messages") or []],
            error=(intr or {}).get("reason") if status == "choose_specialty" else None,
            version=case_version(values, status),
        )

    def _resume(self, case_id: str, expect: str, value: Any, expect_version: str | None = None) -> Turn:
        """Run one clinician action; the caller holds the case's lock."""
        from langgraph.types import Command

        snap = self._unstrand(case_id, self._snapshot(case_id))
        intr = self._interrupt(snap)
        if self._cut_off(snap):
            try:
                self.graph.invoke(None, self._config(case_id), durability="sync")  # finish a step cut off by a crash
            except PixtralogistError as exc:  # the saved checkpoint stands; report, don't crash
                log.warning("case %s: resuming a cut-off step failed: %s", case_id, type(exc).__name__)
            snap = self._snapshot(case_id)
            intr = self._interrupt(snap)
        if expect_version:
            current = self._turn(case_id)
            if current.version != expect_version:
                raise StaleCaseError(
                    f"case {case_id} was changed (by a colleague, or in another window) after your screen "
                    "showed it; your change was NOT applied. The case as it now stands is shown: check it "
                    "and make your change again if it is still needed.", current)
        if intr is None or intr.get("kind") != expect:
            state = "signed" if (snap.values.get("draft") or {}).get("status") == "signed" else (intr or {}).get("kind")
            raise CaseError(f"case {case_id} is not waiting for {expect.replace('_', ' ')} (it is {state or 'finished'})")
        turn = self._run(case_id, Command(resume=value))
        self._index(case_id, turn)
        if turn.status == "signed":
            self._complete_signoff(case_id, turn)
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
            if action != "sign" and turn is not None and turn.status == "signed":  # e.g. "sign as ..." in chat
                self.audit.record("sign", case_id, actor=actor, status="signed",
                                  signed_by=turn.draft.signed_by if turn.draft else None)
        except Exception:  # noqa: BLE001
            log.exception("case %s: could not write the audit log", case_id)

    def _act(self, action: str, case_id: str, expect: str, value: Any, expect_version: str | None = None,
             **detail: Any) -> Turn:
        actor = self._actor()
        if isinstance(value, dict):
            value = {**value, "actor": actor}  # kept in the checkpoint: a step finished after a crash is attributed
        with self._lock(case_id):  # the whole read-modify-write: checkpoint, case list, audit log
            turn = self._resume(case_id, expect, value, expect_version)  # the graph's run (checkpointed)
            self._record(action, case_id, turn, actor, **detail)  # then its audit event
        return turn

    def _complete_signoff(self, case_id: str, turn: Turn) -> bool:
        """A signed checkpoint is the outbox of its sign-off: record the signed report in the feedback
        store if it is not there (idempotent). Returns whether it had to be recorded."""
        if self.runtime.feedback.has_report(case_id):
            return False
        values = self._snapshot(case_id).values
        if not values.get("original_draft") or not values.get("case"):
            return False
        self.runtime.feedback.record_report(Case.model_validate(values["case"]),
                                            Draft.model_validate(values["original_draft"]),
                                            Draft.model_validate(values["draft"]))
        log.warning("case %s: the signed report was missing from the feedback store; recorded from the checkpoint",
                    case_id)
        return True

    def _reconcile(self, case_id: str, turn: Turn) -> None:
        """After a crash: bring the feedback store, the case list and the audit log in line with the
        checkpoint (the caller holds the case's lock)."""
        if turn.status == "signed":
            self._complete_signoff(case_id, turn)
        if self._cases.status(case_id) != turn.status:
            self._index(case_id, turn)
        if turn.status == "signed" and not any(e.action == "sign" and e.detail.get("status") == "signed"
                                               for e in self.audit.events(case_id)):
            pending = self._snapshot(case_id).values.get("pending") or {}
            self._record("sign", case_id, turn, str(pending.get("actor") or "") or current_actor(),
                         signed_by=turn.draft.signed_by if turn.draft else None, recovered="after a restart")

    def recover(self) -> int:
        """At start: finish the steps a crash cut off (unsigned cases) and complete half-recorded
        sign-offs (signed cases whose report is missing from the feedback store); returns how many
        cases changed."""
        changed = 0
        reported = self.runtime.feedback.reported_case_ids()
        for summary in self.list_cases(limit=100_000):
            if summary.status == "signed" and summary.case_id in reported:
                continue
            try:
                turn = self.get(summary.case_id)
                if turn.status != summary.status or (turn.status == "signed"
                                                     and self.runtime.feedback.has_report(summary.case_id)):
                    changed += 1
            except PixtralogistError:
                log.warning("case %s: could not be recovered", summary.case_id)
        return changed

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
            if self.graph.get_state(self._config(case.id)).values:
                raise CaseError(f"case {case.id} already exists; reopen it instead")
            log.info("case %s: start (%d images)", case.id, len(case.images))
            identity = case_identity(case)
            if identity is not None:  # identity goes to its own store; the graph gets the case without it
                self._identity.put(case.id, identity)
            turn = self._run(case.id, {"case": case.model_dump(mode="json")})
            self._index(case.id, turn, case.indication)
            self._record("draft", case.id, turn, self._actor(), images=len(case.images),
                         specialty=turn.draft.specialty if turn.draft else None)
        return turn

    def choose_specialty(self, case_id: str, specialty: str) -> Turn:
        name = self.runtime.host.specialty(specialty).name
        return self._act("choose_specialty", case_id, "choose_specialty", name, specialty=name)

    # ``expect_version``: the :attr:`Turn.version` the clinician's screen showed; when the case has
    # changed since, the action is refused with StaleCaseError (carrying the fresh case), never applied.

    def message(self, case_id: str, text: str, *, clinician: str | None = None,
                expect_version: str | None = None) -> Turn:
        if not (text or "").strip():
            raise CaseError("the message is empty")
        if len(text) > 5000:
            raise CaseError("the message is too long (5,000 characters at most)")
        return self._act("message", case_id, "review", {"action": "message", "text": text, "clinician": clinician,
                                                        "edit_id": uuid.uuid4().hex}, expect_version)

    def edit_region(self, case_id: str, region: str, text: str, *, clinician: str | None = None,
                    expect_version: str | None = None) -> Turn:
        ensure_plain_text(text, "The region text")
        return self._act("edit_region", case_id, "review", {"action": "edit_region", "region": region,
                                                            "text": text or "", "clinician": clinician,
                                                            "edit_id": uuid.uuid4().hex}, expect_version,
                         region=region)

    def edit_impression(self, case_id: str, text: str, *, clinician: str | None = None,
                        expect_version: str | None = None) -> Turn:
        ensure_plain_text(text, "The impression")
        return self._act("edit_impression", case_id, "review", {"action": "edit_impression", "text": text or "",
                                                                "clinician": clinician, "edit_id": uuid.uuid4().hex},
                         expect_version)

    def sign(self, case_id: str, clinician: str, *, expect_version: str | None = None) -> Turn:
        if not (clinician or "").strip():
            raise CaseError("a clinician's name is required to sign")
        ensure_plain_text(clinician, "The signer's name")
        return self._act("sign", case_id, "review", {"action": "sign", "clinician": clinician.strip(),
                                                     "edit_id": uuid.uuid4().hex}, expect_version,
                         signed_by=clinician.strip())

    @classmethod
    def _cut_off(cls, snap) -> bool:
        """Whether a crash cut a step off: a step to run (``next``), or a step whose results are saved
        but not the checkpoint after it, with no pause.

        LangGraph saves a step's results (its "writes") and then the checkpoint after the step, from
        worker threads. A kill between the two leaves the thread looking finished: ``next`` is empty
        (LangGraph leaves out a task whose writes are saved) while ``tasks`` still holds that task.
        Running the graph on (``invoke(None)``) applies the saved writes and goes on. Missing this
        after a sign-off's ``finalize`` step left a signed case whose ``learn`` step never ran: the
        feedback store never got the signed report (the reliability benchmark's ``fb_signed=False``,
        2 kills in 22 on a busy machine, where the worker threads lag).
        """
        if cls._interrupt(snap) is not None:
            return False
        return bool(snap.next) or any(not t.interrupts for t in snap.tasks)

    def _unstrand(self, case_id: str, snap):
        """A crash can leave an unsigned draft with no step to run, no saved step to finish and no
        pause to resume (the thread looks finished). Nothing tells which steps after the draft really
        ran, so they are run again: retrieve (citations) and verify (flags) over the draft as it stands
        (every edit kept), then the case pauses in review."""
        draft = snap.values.get("draft") or {}
        if (self._cut_off(snap) or self._interrupt(snap) is not None or not draft
                or draft.get("status") == "signed"):
            return snap
        log.warning("case %s: found without a pending step after a restart; re-running retrieve and verify",
                    case_id)
        self.graph.update_state(self._config(case_id), None, as_node="draft")  # next: retrieve -> verify -> review
        self._run(case_id, None)
        return self._snapshot(case_id)

    def get(self, case_id: str) -> Turn:
        """The case as it stands; a step cut off by a crash is completed first."""
        with self._lock(case_id):
            snap = self._unstrand(case_id, self._snapshot(case_id))
            if self._cut_off(snap):
                turn = self._run(case_id, None)
            else:
                turn = self._turn(case_id)
            self._reconcile(case_id, turn)
        return turn

    def identity_for_export(self, case_id: str) -> CaseIdentity | None:
        """The patient and study identity of ``case_id``, for exports only (:meth:`export`): identified
        ones go back to the originating system with it, research ones replace its UIDs. None when the
        case has none (PNG/JPEG only, or started before the identity store). Nothing else reads it."""
        self._snapshot(case_id)  # an unknown case is a CaseError, as everywhere
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
        return Case.model_validate(self._snapshot(case_id).values["case"])

    def list_cases(self, limit: int = 200) -> list[CaseSummary]:
        return self._cases.list(limit)


def case_version(values: dict, status: str) -> str:
    """A fingerprint of the case as a clinician sees it: its draft, status and conversation."""
    seen = [status, values.get("draft"), len(values.get("messages") or [])]
    return hashlib.sha256(json.dumps(seen, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


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
