"""Test-only fault points: pause at a named point so a test can kill the process there.

Off by default: :func:`pause_point` does nothing unless the environment names
the point. The crash tests (``tests/test_reliability_crash.py``) and
``benchmarks/reliability.py`` set::

    PIXTRALOGIST_TEST_PAUSE_AT=feedback.record_report:30

and the process, on reaching that point, writes ``PIXTRALOGIST-PAUSED <point>``
to stderr and sleeps 30 seconds (the test kills it with SIGKILL meanwhile).
Several points are separated by commas. Points in the code:

- ``feedback.record_report``: inside the sign-off's feedback transaction, after
  the report row and before the per-region rows (the graph has already
  checkpointed the signed draft; the ``learn`` step is half written);
- ``service.after_sign``: the graph finished signing; the audit event is not
  written yet;
- ``audit.after_commit``: an audit event is committed; its anchor is not
  written yet.

Never set this variable in production.
"""

from __future__ import annotations

import os
import sys
import time

PAUSE_ENV = "PIXTRALOGIST_TEST_PAUSE_AT"
MARKER = "PIXTRALOGIST-PAUSED"


def pause_point(name: str) -> None:
    """Sleep here when ``$PIXTRALOGIST_TEST_PAUSE_AT`` names ``name`` (``name:seconds``, default 60)."""
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    for item in spec.split(","):
        point, _, seconds = item.strip().partition(":")
        if point == name:
            sys.stderr.write(f"{MARKER} {name}\n")
            sys.stderr.flush()
            time.sleep(float(seconds or 60))
            return
