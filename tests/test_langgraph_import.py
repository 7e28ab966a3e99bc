"""agents.langgraph_import: LangGraph imports with two package inits deferred, and nothing using them
sees a difference (each check in a fresh interpreter: the deferral only happens on a first import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("langgraph")

_NAMES = """
import json, sys
import langgraph_sdk, langsmith.types
print(json.dumps({m: sorted(n for n in dir(sys.modules[m]) if not n.startswith('_')) for m in
                  ('langgraph_sdk', 'langsmith.types')}))
"""


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.strip().splitlines()[-1]


def test_the_two_package_inits_wait_and_run_on_first_use():
    got = json.loads(_run("""
import json, sys
from pixtralogist.agents.langgraph_import import deferred, load
load()
before = sorted(deferred())
loaded_client = 'langgraph_sdk.client' in sys.modules
from langgraph.runtime import Runtime
from langgraph_sdk.auth.types import BaseUser          # what langgraph uses: the submodule, no init
assert sorted(deferred()) == before
from langgraph_sdk import get_client                    # the package itself: its init runs now
from langsmith.types import Run                         # the same
print(json.dumps({"before": before, "after": sorted(deferred()), "client_at_load": loaded_client,
                  "client_after": 'langgraph_sdk.client' in sys.modules, "get_client": callable(get_client),
                  "run": Run.__name__}))
"""))
    assert got["before"] == ["langgraph_sdk", "langsmith.types"] and got["client_at_load"] is False
    assert got["after"] == [] and got["client_after"] and got["get_client"] and got["run"] == "Run"


def test_a_deferred_package_has_the_same_names_as_a_plain_import_once_used():
    plain = json.loads(_run(_NAMES))
    deferred = json.loads(_run("from pixtralogist.agents.langgraph_import import load; load()\n" + _NAMES))
    assert deferred == plain and len(plain["langsmith.types"]) > 100


def test_already_imported_packages_are_left_alone():
    got = _run("""
import langgraph_sdk
from pixtralogist.agents.langgraph_import import deferred, load
load()
print(sorted(deferred()), type(langgraph_sdk.__loader__).__name__)
""")
    assert got == "['langsmith.types'] SourceFileLoader"
