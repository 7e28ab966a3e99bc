"""The agent's engine in its own process under ``pixtralogist serve`` (pixtralogist.ui.engine_process).

Real ``pixtralogist serve`` processes on 127.0.0.1 (no mocks): a draft through the HTTP API, an engine
error shown to the clinician, the engine's stores opened by the engine only, and the two processes'
lifetimes (the engine dies with the app; the app stops, exit status 1, when the engine dies; SIGTERM
stops both). The errors the engine raises travel pickled: every one must come back as itself.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_reliability_support import (
    CHECK_DRIVER,
    check_consistency,
    child_env,
    concurrent_drafts,
    free_port,
    python_cmd,
    run_driver,
    write_png,
)

REPO = Path(__file__).resolve().parents[1]

#: Modules that define the project's error types (core.errors and those beside their code).
ERROR_MODULES = ("pixtralogist.core.errors", "pixtralogist.agents.case_lock", "pixtralogist.pacs.errors",
                 "pixtralogist.persistence.adapters", "pixtralogist.core.testing")


def _error_types() -> list[type]:
    from pixtralogist.core.errors import PixtralogistError

    for name in ERROR_MODULES:
        importlib.import_module(name)
    seen, todo = [], [PixtralogistError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo += cls.__subclasses__()
    return seen


def test_every_error_type_comes_back_from_the_engine_as_itself():
    """Each pixtralogist error (with its extra fields: the fresh case of a StaleCaseError, the candidates
    of a RoutingError) survives pickling with its type, message and fields."""
    types = _error_types()
    assert {"StaleCaseError", "CaseBusyError", "MarkupError", "RoutingError", "EngineUnavailableError",
            "PacsUnavailableError"} <= {t.__name__ for t in types}
    for cls in types:
        extra = [p for p in list(inspect.signature(cls.__init__).parameters.values())[2:]
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        args = [f"{cls.__name__}: what went wrong and what to do"] + [{"field": p.name} for p in extra]
        err = cls(*args)
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is cls and str(back) == str(err), cls
        assert back.__dict__ == err.__dict__, cls


def test_engine_setting():
    from pixtralogist.core.errors import ConfigError
    from pixtralogist.ui.serving import ServeSettings

    assert ServeSettings.from_env({}).engine == "process"
    assert ServeSettings.from_env({"PIXTRALOGIST_ENGINE": " Inline "}).engine == "inline"
    with pytest.raises(ConfigError, match="PIXTRALOGIST_ENGINE must be one of process, inline"):
        ServeSettings.from_env({"PIXTRALOGIST_ENGINE": "thread"})


# --- a real `pixtralogist serve` ---------------------------------------------------------------------


class Served:
    """``python -m pixtralogist serve`` on a free port; its output is collected to a file."""

    def __init__(self, tmp: Path, name: str = "serve", *, kill_at: str | None = None, **env: str) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.data = tmp / "data"
        self.log = (tmp / f"{name}.log").open("w+")
        cmd = python_cmd("-m", "pixtralogist.cli", "serve", "--port", str(self.port), "--data-dir", str(self.data),
                         kill_at=kill_at)
        self.proc = subprocess.Popen(cmd, cwd=REPO.parent, env=child_env(TMPDIR=str(tmp), **env),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while True:
            try:
                httpx.get(self.url + "gradio_api/info", timeout=2)
                break
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise AssertionError(f"the server did not start (rc={self.proc.returncode}):\n{self.output()}")
                time.sleep(0.3)

    def engine_pid(self) -> int:
        kids = [int(k) for task in Path(f"/proc/{self.proc.pid}/task").iterdir()
                for k in (task / "children").read_text().split()]
        assert len(kids) == 1, f"expected one engine process under the app, found {kids}"
        return kids[0]

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self.log.close()


def _gone(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` ended within ``timeout`` s (a zombie waiting to be reaped counts as ended)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def _open_files(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.add(os.readlink(fd))
        except OSError:
            pass
    return out


def _port_free(port: int) -> bool:
    """Whether nothing listens on ``port`` (closed connections waiting out TIME_WAIT do not count)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_serve_drafts_through_the_engine_process_and_sigterm_stops_both(tmp_path):
    from gradio_client import Client, handle_file

    server = Served(tmp_path)
    try:
        engine = server.engine_pid()
        png = write_png(tmp_path / "f.png")
        drafts = concurrent_drafts(server.url, png, 2, timeout=240)
        assert [set(d["draft"].split()) >= {f"{d['i'] + 3}", "mm"} for d in drafts] == [True, True]
        # the case stores are the engine's: the app's own process never opens them
        agent_db = str(server.data / "agent.sqlite")
        assert agent_db in _open_files(engine)
        assert agent_db not in _open_files(server.proc.pid)
        # an error raised in the engine reaches the clinician as its message (MarkupError, case not saved)
        client = Client(server.url, verbose=False)
        out = client.predict([handle_file(str(png))], "cough", "", "", "see <b>here</b>", "radiology",
                             api_name="/draft")
        client.close()
        status = next(o for o in out if isinstance(o, str) and "not saved" in o)
        assert "HTML tag" in status
        import httpx

        stats = httpx.get(server.url + "stats", timeout=10).json()
        assert stats["graph_runs"] == 2 and stats["in_flight"] == 0
        server.proc.send_signal(signal.SIGTERM)  # drain, then both stop
        assert server.proc.wait(60) == 0, server.output()
        assert _gone(engine, 10), "the engine outlived the app after SIGTERM"
        assert _port_free(server.port)
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("killed", ["app", "engine"])
def test_a_killed_process_takes_the_other_down(tmp_path, killed):
    """SIGKILL of the app: its engine dies too (nothing keeps the data or the port). SIGKILL of the
    engine: the app stops with exit status 1 and one line saying why (its supervisor restarts it)."""
    server = Served(tmp_path)
    try:
        engine = server.engine_pid()
        os.kill(server.proc.pid if killed == "app" else engine, signal.SIGKILL)
        code = server.proc.wait(60)
        if killed == "app":
            assert _gone(engine, 10), "the engine process outlived the app (SIGKILL)"
        else:
            assert code == 1, server.output()
            assert f"the engine process (pid {engine}) was killed by signal 9 (SIGKILL)" in server.output()
        assert _port_free(server.port)
    finally:
        server.stop()
    again = Served(tmp_path, "again")  # nothing left holds the data: a new app starts over them
    again.stop()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_kill_point_in_the_served_engine_kills_it_and_the_restart_completes_the_sign_off(tmp_path):
    """The crash tests' kill points reach the engine process (it is forked with them installed): killed
    between the signed checkpoint and the sign-off's audit event, the app stops (status 1); the next
    start's recovery, in the new engine, records the sign-off before anyone asks for the case."""
    from gradio_client import Client, handle_file
    from kill_points import MARKER

    sys.path.insert(0, str(REPO / "benchmarks"))
    from app_load import _regions, layout

    from pixtralogist.persistence.audit import AuditLog
    from pixtralogist.persistence.feedback import FeedbackStore

    png = write_png(tmp_path / "f.png")
    server = Served(tmp_path, kill_at="service.after_sign")
    try:
        engine = server.engine_pid()
        client = Client(server.url, verbose=False)
        out = client.predict([handle_file(str(png))], "cough", "", "", "4 mm RUL nodule, heart nl", "radiology",
                             api_name="/draft")
        case_id = next(m.group(1) for o in out if isinstance(o, str) for m in [re.search(r"`(case-[0-9a-f]+)`", o)]
                       if m)
        regions, impression, _ = _regions(out, layout(client))
        try:
            client.predict("Dr Kill", impression, *regions, api_name="/sign")
        except Exception:  # noqa: BLE001 - the app may stop before it answers
            pass
        client.close()
        assert server.proc.wait(120) == 1, server.output()
        text = server.output()
        assert f"{MARKER} service.after_sign" in text
        assert f"the engine process (pid {engine}) was killed by signal 9 (SIGKILL)" in text
    finally:
        server.stop()
    feedback = FeedbackStore.open(server.data / "feedback.sqlite")
    assert feedback.has_report(case_id)  # the sign-off's report was written before the kill point
    feedback.close()
    audit = AuditLog.open(server.data / "audit.sqlite")
    assert "sign" not in [e.action for e in audit.events(case_id)]  # killed before its audit event
    audit.close()
    again = Served(tmp_path, "again")  # the app starts again over what the kill left (recover() ran)
    again.proc.send_signal(signal.SIGTERM)
    assert again.proc.wait(60) == 0, again.output()
    again.stop()
    after = run_driver(CHECK_DRIVER, server.data)  # as the crash tests check: nothing lost, all consistent
    lost, problems = check_consistency(after, {})
    assert lost == 0 and not problems, problems
    (case,) = [e for e in after if e["kind"] == "case"]
    assert case["status"] == "signed" and case["signed_by"] == "Dr Kill"
    assert [a[0] for a in case["audit"]].count("sign") == 1
