"""Structured logs for servers: one JSON object a line, naming the server and the case.

``pixtralogist serve`` with ``PIXTRALOGIST_LOG_FORMAT=json`` writes every log
record to stderr as ``{"at", "level", "logger", "server", "case_id", "message"}``
(plus ``error`` with the exception's type for a failure). ``server`` is
``PIXTRALOGIST_SERVER_NAME`` (else the host name); ``case_id`` is the case the
current action holds (:func:`on_case`, set by the reporting service). The app
logs case ids, step names and error types, never notes, report text or patient
identity, so neither do these lines; a traceback is reduced to its exception
type and the file and line where it was raised.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

__all__ = ["LOG_FORMAT_ENV", "SERVER_NAME_ENV", "JsonFormatter", "configure", "current_case", "on_case",
           "server_name"]

LOG_FORMAT_ENV = "PIXTRALOGIST_LOG_FORMAT"
SERVER_NAME_ENV = "PIXTRALOGIST_SERVER_NAME"

_case: ContextVar[str | None] = ContextVar("pixtralogist_log_case", default=None)


def server_name() -> str:
    return os.environ.get(SERVER_NAME_ENV) or os.uname().nodename


def current_case() -> str | None:
    return _case.get()


@contextmanager
def on_case(case_id: str | None) -> Iterator[None]:
    """Name ``case_id`` in the log lines written in this block (this thread or task)."""
    token = _case.set(case_id)
    try:
        yield
    finally:
        _case.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, server: str | None = None) -> None:
        super().__init__()
        self.server = server or server_name()

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "server": self.server,
            "case_id": getattr(record, "case_id", None) or current_case(),
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            tb = record.exc_info[2]
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb else ""
            out["error"] = f"{record.exc_info[0].__name__} at {where}"  # no message: it may quote input
        return json.dumps(out, ensure_ascii=False)


def configure(env: dict[str, str] | None = None, stream=None) -> bool:
    """JSON lines on stderr when ``PIXTRALOGIST_LOG_FORMAT=json``; returns whether it was configured."""
    env = os.environ if env is None else env
    if (env.get(LOG_FORMAT_ENV) or "").strip().lower() != "json":
        return False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(env.get(SERVER_NAME_ENV) or None))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    return True
