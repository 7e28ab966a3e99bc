"""Kill points for the crash tests: test code only, installed by the tests, never by the product.

A kill point names a boundary between two steps of a real write path. Installing it wraps the
step AFTER the boundary (a function the product already calls there) so that the process, on
reaching it, writes ``KILLED-AT <point>`` to stderr and dies of SIGKILL right away: no cleanup
handler runs, no transaction is committed, exactly as a power cut or an OOM kill would leave it.

- ``feedback.record_report``: inside the sign-off's feedback transaction, after the report row
  and before the per-region rows (``FeedbackStore._write_report_details``); the graph has
  already checkpointed the signed draft;
- ``service.after_sign``: the graph finished signing; the sign-off's audit event is not written
  yet (``ReportingService._record`` for the action ``sign``);
- ``audit.after_commit``: an audit event is committed; its anchor file is not moved yet
  (``AuditLog._anchor_committed``).

The launcher runs a program with one point installed, the way ``python`` would run it::

    python tests/kill_points.py POINT -c CODE [ARG ...]
    python tests/kill_points.py POINT -m pixtralogist.cli serve [ARG ...]
"""

from __future__ import annotations

import functools
import importlib
import os
import runpy
import signal
import sys
from collections.abc import Callable
from pathlib import Path

#: What the process writes to stderr just before it kills itself.
MARKER = "KILLED-AT"


def _sign_only(action: str, *args, **kwargs) -> bool:
    return action == "sign"


#: point -> (module, class, method, when): the method whose call is the step after the boundary;
#: ``when`` (the call's arguments) picks the calls that count (None: every call).
POINTS: dict[str, tuple[str, str, str, Callable[..., bool] | None]] = {
    "feedback.record_report": ("pixtralogist.persistence.feedback", "FeedbackStore", "_write_report_details", None),
    "service.after_sign": ("pixtralogist.agents.service", "ReportingService", "_record", _sign_only),
    "audit.after_commit": ("pixtralogist.persistence.audit", "AuditLog", "_anchor_committed", None),
}


def step(point: str) -> tuple[type, str, Callable[..., bool] | None]:
    """The class and method name a point wraps (an unknown point or a step renamed away raises)."""
    if point not in POINTS:
        raise KeyError(f"unknown kill point {point!r}; known: {', '.join(POINTS)}")
    module, cls_name, method, when = POINTS[point]
    cls = getattr(importlib.import_module(module), cls_name)
    if not callable(getattr(cls, method, None)):
        raise AttributeError(f"kill point {point!r}: {cls_name}.{method} no longer exists; update tests/kill_points.py")
    return cls, method, when


def die(point: str) -> None:
    """Announce the point on stderr, then SIGKILL this process (never returns)."""
    sys.stderr.write(f"{MARKER} {point}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str) -> None:
    """Wrap the point's step in this process: the first call that counts kills the process before it runs."""
    cls, method, when = step(point)
    raw = cls.__dict__[method]
    kind = type(raw) if isinstance(raw, (staticmethod, classmethod)) else None
    original = raw.__func__ if kind else raw

    @functools.wraps(original)
    def killed_before(*args, **kwargs):
        call_args = args if kind is staticmethod else args[1:]  # without self / cls
        if when is None or when(*call_args, **kwargs):
            die(point)
        return original(*args, **kwargs)

    setattr(cls, method, kind(killed_before) if kind else killed_before)


def main(argv: list[str]) -> None:
    """``POINT -c CODE ARGS...`` or ``POINT -m MODULE ARGS...``: install the point, run the program."""
    if len(argv) < 3 or argv[1] not in ("-c", "-m"):
        raise SystemExit(__doc__)
    point, flag, target, *args = argv
    install(point)
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p != here]  # as `python -c` / `python -m` would see it
    if flag == "-c":
        sys.path.insert(0, "")
        sys.argv = ["-c", *args]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    else:
        sys.path.insert(0, os.getcwd())
        sys.argv = [target, *args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
