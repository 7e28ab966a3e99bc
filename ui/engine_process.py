"""The agent's engine in its own process under ``pixtralogist serve`` (``PIXTRALOGIST_ENGINE=process``).

Why: the app's Python (Gradio's events, rendering the views) and the engine's (drafting,
retrieval, checkpoints) each take about a tenth of a CPU second per draft, and one process runs
Python on one core at a time (the GIL). In two processes they run on two cores: at start, the
engine opens its stores, runs :meth:`~pixtralogist.agents.service.ReportingService.recover` and
the warm-up while the app imports Gradio and builds its pages; under load, the app renders one
clinician's view while the engine drafts another's case.

How:

- :meth:`EngineProcess.start` forks the engine from the app's main thread before Gradio is
  imported (a fork copies only the few modules loaded so far and whatever the caller installed,
  such as the crash tests' kill points). The engine dies with the app (``PR_SET_PDEATHSIG``:
  SIGKILL when the app's process is gone, however it went) and ignores SIGINT/SIGTERM: the app
  drains and stops it (:meth:`RemoteService.close`), so a Ctrl-C or a SIGTERM sent to the whole
  process group does not cut actions off.
- The app calls the engine through :class:`RemoteService`, which has the methods and properties of
  the :class:`~pixtralogist.agents.service.ReportingService` that the app uses (:data:`METHODS`,
  :data:`PROPERTIES`; a property is one call). Each calling thread has its own connection (a Unix
  socket in the abstract namespace, keyed with a random secret), and the engine serves each
  connection in its own thread: concurrent Gradio workers stay concurrent, the case locks in the
  engine serialise what must be. Arguments, results and exceptions travel pickled; an exception
  raised in the engine is raised in the app as the same type with the same message (what the
  clinician reads). The acting user (:func:`pixtralogist.persistence.audit.acting_as`) travels
  with each call, for the audit log.
- When the engine dies (a crash, an OOM kill, a crash test's kill point) the app logs one line
  and stops with exit status 1 (:meth:`EngineProcess.watch`): its supervisor (systemd, compose)
  starts it again and :meth:`~pixtralogist.agents.service.ReportingService.recover` finishes what
  the kill cut off. The app does not restart the engine itself: a crash that repeats would then
  loop inside one process, where the supervisor's restart limits and logs make it visible.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
from multiprocessing.connection import Client, Connection, Listener, Pipe
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import EngineUnavailableError, PixtralogistError

__all__ = ["METHODS", "PROPERTIES", "EngineProcess", "RemoteService"]

log = logging.getLogger(__name__)

#: The ReportingService methods the app calls (the UI, ``/readyz`` and ``/stats``, the drain on
#: SIGTERM, the worklist and the filing of signed reports).
METHODS = (
    "start", "choose_specialty", "message", "save", "edit_region", "edit_impression", "sign", "get", "export",
    "case", "list_cases", "case_list_version", "specialties", "examples", "example", "stats", "drain",
    "settings", "check_stores", "quality_rows", "recover",
)
#: ReportingService properties the app reads (each is one call).
PROPERTIES = ("in_flight", "graph_runs", "draining", "deidentify_exports")
_PR_SET_PDEATHSIG = 1


class EngineProcess:
    """The engine's process, seen from the app: start it, get its :class:`RemoteService`, watch it, stop it."""

    def __init__(self, pid: int, address: str, authkey: bytes, status: Connection) -> None:
        self.pid = pid
        self._address, self._authkey, self._status = address, authkey, status
        self._exited = threading.Event()
        self._stopping = False
        #: the engine's wait status once it exited (``os.waitpid``), else None
        self.exit_status: int | None = None
        self.service: RemoteService | None = None
        self._on_death = None
        threading.Thread(target=self._reaper, name="pixtralogist-engine-reaper", daemon=True).start()

    @classmethod
    def start(cls, data_dir: Path | None) -> "EngineProcess":
        """Fork the engine now: it opens the service over ``data_dir``, recovers, listens, then warms up.
        Call from the main thread (the engine dies when the thread that forked it ends) and before
        Gradio is imported."""
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the engine process must be started from the main thread")
        address = f"\0pixtralogist-engine-{os.getpid()}-{secrets.token_hex(8)}"  # abstract: no file left
        authkey = secrets.token_bytes(32)
        ours, theirs = Pipe(duplex=False)  # (reader, writer)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the engine
            code = 1
            try:
                ours.close()
                code = _engine_main(address, authkey, data_dir, parent, theirs)
            except BaseException:  # noqa: BLE001 - whatever happens, this process never returns into the app
                log.exception("the engine process failed")
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        theirs.close()
        return cls(pid, address, authkey, ours)

    def connect(self, timeout: float | None = None) -> "RemoteService":
        """Wait until the engine listens (its service is open and recovered) and return the service.

        :raises: the engine's own start error (e.g. :class:`~pixtralogist.core.errors.AuditError`), or
            :class:`~pixtralogist.core.errors.EngineUnavailableError` when it died or did not answer.
        """
        if self.service is not None:
            return self.service
        try:
            if timeout is not None and not self._status.poll(timeout):
                raise EngineUnavailableError(f"the engine process did not start within {timeout:.0f} s")
            kind, value = self._status.recv()
        except (EOFError, OSError):
            self._exited.wait(5)
            raise EngineUnavailableError(f"the engine process exited while starting ({self.describe_exit()})") from None
        finally:
            self._status.close()
        if kind == "error":
            self._exited.wait(5)
            raise value
        self.service = RemoteService(self._address, self._authkey, data_dir=Path(value), on_close=self._stopped)
        return self.service

    def watch(self, on_death) -> None:
        """When the engine exits and the app did not stop it: log one line and call ``on_death()`` (from a
        background thread; at once when it is already gone)."""
        self._on_death = on_death
        if self._exited.is_set():
            self._died()

    def _reaper(self) -> None:
        try:
            _, self.exit_status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self._exited.set()
        self._died()

    def _died(self) -> None:
        on_death, self._on_death = self._on_death, None
        if on_death is None or self._stopping:
            return
        log.error("the engine process (pid %d) %s: the app stops (exit status 1); restart it and recovery "
                  "finishes what was cut off", self.pid, self.describe_exit())
        print(f"Pixtralogist: the engine process (pid {self.pid}) {self.describe_exit()}; the app stops.",
              file=sys.stderr, flush=True)
        on_death()

    @property
    def alive(self) -> bool:
        return not self._exited.is_set()

    def describe_exit(self) -> str:
        status = self.exit_status
        if status is None:
            return "is running"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            return f"was killed by signal {sig} ({signal.Signals(sig).name})"
        return f"exited with status {os.WEXITSTATUS(status)}"

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the engine (it closes its stores), waiting up to ``timeout`` s; SIGKILL it if it hangs."""
        self._stopping = True
        if self.service is not None:
            self.service.close()
        if not self._exited.wait(timeout) and self.alive:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._exited.wait(5)

    def _stopped(self) -> None:
        self._stopping = True


class RemoteService:
    """The engine's :class:`~pixtralogist.agents.service.ReportingService`, called from the app's process.

    Methods (:data:`METHODS`) and properties (:data:`PROPERTIES`) as the service's; each call sends the
    acting user with it. A lost engine raises :class:`~pixtralogist.core.errors.EngineUnavailableError`.
    """

    def __init__(self, address: str, authkey: bytes, *, data_dir: Path | None = None, on_close=None) -> None:
        self._address, self._authkey = address, authkey
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._on_close = on_close
        #: the engine's data folder (the app's worklist keeps its study list and outbox there)
        self.data_dir = data_dir

    def _conn(self) -> Connection:
        """A connection of this thread that no call of it is using (a signal handler may call in between)."""
        free = self._local.__dict__.setdefault("free", [])
        if free:
            return free.pop()
        if self._closed:
            raise EngineUnavailableError("the app is stopping; the engine takes no more actions")
        try:
            conn = Client(self._address, family="AF_UNIX", authkey=self._authkey)
        except (OSError, EOFError) as exc:
            raise EngineUnavailableError(_LOST) from exc
        with self._lock:
            self._all.append(conn)
        return conn

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        from pixtralogist.persistence.audit import current_actor

        conn = self._conn()
        try:
            conn.send((name, current_actor(), args, kwargs))
            ok, value = conn.recv()
        except (OSError, EOFError) as exc:
            conn.close()
            raise EngineUnavailableError(_LOST) from exc
        self._local.free.append(conn)
        if ok:
            return value
        raise value

    def warm_up(self) -> None:
        """Wait until the engine's own warm-up (started when it listened) has finished. Never raises (as
        the service's): an engine gone meanwhile is the watcher's to report."""
        try:
            self._call("warm_up")
        except EngineUnavailableError:
            log.info("the engine stopped before its warm-up finished")

    def close(self) -> None:
        """Stop the engine: it closes its stores and exits (the app calls this once, when it stops)."""
        if self._closed:
            return
        if self._on_close is not None:
            self._on_close()
        try:
            self._call("stop")
        except EngineUnavailableError:
            pass  # already gone
        self._closed = True
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


_LOST = ("The reporting engine of this app stopped; nothing you saved is lost. The app restarts: reload "
         "the page in a minute and open the case from the Cases tab.")


def _method(name: str):
    def call(self: RemoteService, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``ReportingService.{name}`` in the engine process."
    return call


def _property(name: str) -> property:
    return property(lambda self: self._call(name), doc=f"``ReportingService.{name}`` in the engine process.")


for _name in METHODS:
    setattr(RemoteService, _name, _method(_name))
for _name in PROPERTIES:
    setattr(RemoteService, _name, _property(_name))


# --- the engine's side ---------------------------------------------------------------------


class _Engine:
    """The service in the engine process, and what it answers on each connection."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.warm = threading.Event()

    def warm_up(self) -> None:
        try:
            self.service.warm_up()
        finally:
            self.warm.set()

    def answer(self, name: str, actor: str, args: tuple, kwargs: dict) -> Any:
        """One call. Besides :data:`METHODS` and :data:`PROPERTIES`: ``warm_up`` waits for the warm-up the
        engine started on its own (``stop``, which ends the process, is answered by :meth:`serve`)."""
        from pixtralogist.persistence.audit import acting_as

        if name == "warm_up":
            self.warm.wait()
            return None
        if name in PROPERTIES:
            return getattr(self.service, name)
        if name not in METHODS:
            raise AttributeError(f"the engine process does not answer {name!r}")
        with acting_as(actor):
            return getattr(self.service, name)(*args, **kwargs)

    def serve(self, conn: Connection) -> None:
        """Answer one connection's calls, one after the other, until the app closes it."""
        with conn:
            while True:
                try:
                    name, actor, args, kwargs = conn.recv()
                except (EOFError, OSError):
                    return
                if name == "stop":
                    self._stop(conn)
                try:
                    reply = (True, self.answer(name, actor, args, kwargs))
                except Exception as exc:  # noqa: BLE001 - raised again in the app, same type and message
                    if not isinstance(exc, PixtralogistError):
                        log.exception("engine call %s failed", name)
                    reply = (False, exc)
                try:
                    conn.send(reply)
                except (EOFError, OSError):
                    return
                except Exception as exc:  # noqa: BLE001 - a result or an error that does not pickle
                    log.exception("engine call %s: the answer cannot be sent", name)
                    conn.send((False, PixtralogistError(f"the engine's answer to {name} could not be sent "
                                                        f"({type(exc).__name__})")))

    def _stop(self, conn: Connection) -> None:
        """Close the service, answer, and end the process (no new connection is served after this)."""
        try:
            self.service.close()
        except Exception:  # noqa: BLE001
            log.exception("closing the service failed")
        try:
            conn.send((True, None))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def _die_with(parent: int) -> None:
    """SIGKILL this process when its parent's forking thread ends (``prctl(PR_SET_PDEATHSIG)``, Linux);
    if the parent is already gone, exit now."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the app's stop() still ends the engine
        log.warning("the engine cannot ask to die with the app on this system")
    if os.getppid() != parent:
        os._exit(0)


def _engine_main(address: str, authkey: bytes, data_dir: Path | None, parent: int, status: Connection) -> int:
    """The engine process: open the service, recover, listen, warm up, answer the app's calls."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the app drains, then stops us (EngineProcess.stop)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        from pixtralogist.agents.service import ReportingService

        listener = Listener(address, family="AF_UNIX", authkey=authkey, backlog=64)
        service = ReportingService.create(data_dir)
        service.recover()  # finish what a crash cut off (e.g. a sign-off), so the case list is right
        service.examples()  # the app's page lists them: drawn now, not while the warm-up holds the GIL
    except BaseException as exc:  # noqa: BLE001 - the app raises it (the same start error as in one process)
        try:
            status.send(("error", exc))
        except Exception:  # noqa: BLE001 - an error that does not pickle
            status.send(("error", EngineUnavailableError(f"the engine did not start: {type(exc).__name__}: {exc}")))
        return 1
    engine = _Engine(service)
    threading.Thread(target=engine.warm_up, name="pixtralogist-warm-up", daemon=True).start()
    status.send(("ready", str(service.data_dir)))
    status.close()
    while True:
        try:
            conn = listener.accept()
        except Exception:  # noqa: BLE001 - a client that failed the handshake (wrong key)
            continue
        threading.Thread(target=engine.serve, args=(conn,), name="pixtralogist-engine-conn", daemon=True).start()
