"""Fault injection lives in the tests: the product has no test-only pause, sleep or environment switch,
and every kill point the crash tests install (tests/kill_points.py) wraps a step the product has."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import kill_points
from test_reliability_support import REPO, child_env, python_cmd

#: The product's packages (tests/ and benchmarks/ are where fault injection belongs).
PRODUCT = ["core", "kit", "plugins", "persistence", "agents", "finetune", "pacs", "ui", "cli.py", "__init__.py"]
#: The names of the fault injection that used to live in production code.
OLD_NAMES = re.compile(r"pause_point|PIXTRALOGIST_TEST_PAUSE_AT|PIXTRALOGIST-PAUSED|core\.faults|core import faults")


def test_no_fault_injection_left_in_the_product():
    assert not (REPO / "core" / "faults.py").exists()
    hits = []
    for top in PRODUCT:
        root = REPO / top
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        assert files, top
        for f in files:
            for n, line in enumerate(f.read_text("utf-8").splitlines(), 1):
                if OLD_NAMES.search(line):
                    hits.append(f"{f.relative_to(REPO)}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize("point", sorted(kill_points.POINTS))
def test_every_kill_point_wraps_a_step_the_product_has(point):
    cls, method, _ = kill_points.step(point)
    assert callable(getattr(cls, method))


def test_an_unknown_or_renamed_point_is_a_clear_error(monkeypatch):
    with pytest.raises(KeyError, match="unknown kill point 'nowhere'"):
        kill_points.step("nowhere")
    monkeypatch.setitem(kill_points.POINTS, "gone", ("pixtralogist.persistence.audit", "AuditLog", "_nope", None))
    with pytest.raises(AttributeError, match="AuditLog._nope no longer exists"):
        kill_points.step("gone")


#: A program run through the launcher: it records two audit events; the launcher's point kills it
#: after the first event's commit (its sys.argv is the one `python -c` gives).
AUDIT_PROGRAM = """
import sys
from pixtralogist.persistence.audit import AuditLog
print("argv", sys.argv[1:], flush=True)
log = AuditLog.open(sys.argv[1])
log.record("draft", "case-1", actor="dr_a", status="review")
print("not killed", flush=True)
"""


def test_the_launcher_kills_for_real_at_the_point_and_only_there(tmp_path):
    db = tmp_path / "audit.sqlite"
    proc = subprocess.run(python_cmd("-c", AUDIT_PROGRAM, str(db), "x", kill_at="audit.after_commit"),
                          cwd=REPO.parent, env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr[-2000:]  # SIGKILL: no cleanup ran
    assert proc.stdout.splitlines() == [f"argv {[str(db), 'x']}"]
    assert f"{kill_points.MARKER} audit.after_commit" in proc.stderr
    # without the launcher the same program runs to its end
    proc = subprocess.run(python_cmd("-c", AUDIT_PROGRAM, str(tmp_path / "b.sqlite")), cwd=REPO.parent,
                          env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "not killed", proc.stderr[-2000:]


def test_the_launcher_runs_a_module_like_python_m(tmp_path):
    proc = subprocess.run(python_cmd("-m", "pixtralogist.cli", "--help", kill_at="service.after_sign"),
                          cwd=REPO.parent, env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage" in proc.stdout.lower()


def test_the_launcher_refuses_a_bad_command_line():
    proc = subprocess.run([sys.executable, str(kill_points.__file__), "audit.after_commit", "script.py"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "POINT -c CODE" in proc.stderr
