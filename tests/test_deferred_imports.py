"""core.deferred_imports on chromadb's import (core.retrieval._chromadb): httpx's command line left out,
``@override`` without its signature check during the import only, and a store that works. Each check
runs in a fresh interpreter (the import hook only acts on a first import)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("chromadb")


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_chromadb_imports_without_the_httpx_cli_and_with_overrides_put_back():
    got = _run("""
import json, sys
import overrides
original = (overrides.override, overrides.overrides)
from pixtralogist.core.retrieval import _chromadb
chromadb, settings = _chromadb()
from chromadb.api.rust import RustBindingsAPI
cli_at_import = [m for m in ("rich", "pygments", "click") if m in sys.modules]
marked = [n for n, f in vars(RustBindingsAPI).items() if callable(f) and getattr(f, "__override__", False)]
import httpx, httpx._main                              # blocked during the import only
print(json.dumps({                  "put_back": (overrides.override, overrides.overrides) == original,
                  "marked": len(marked), "client": callable(httpx.Client), "cli_at_import": cli_at_import}))
""")
    assert got["put_back"] and got["client"] and got["marked"] > 20 and got["cli_at_import"] == []


def test_an_override_check_failure_is_no_longer_raised_but_enforced_marks_still_are():
    """What the fast decorator keeps: EnforceOverrides still refuses an unmarked override."""
    got = _run("""
import json
from overrides import EnforceOverrides
from pixtralogist.core.retrieval import _marked_override
class Base(EnforceOverrides):
    def f(self, x): return x
class Good(Base):
    @_marked_override
    def f(self, x): return 2 * x
try:
    class Bad(Base):
        def f(self, x): return 3 * x
    refused = False
except TypeError:
    refused = True
print(json.dumps({"good": Good().f(2), "refused": refused}))
""")
    assert got == {"good": 4, "refused": True}


def test_a_store_opened_after_the_fast_import_indexes_and_searches():
    got = _run("""
import json, sys
from pixtralogist.core.retrieval import GuidelineStore
from pixtralogist.core.plugins import get_plugin_manager
host = get_plugin_manager(autoload=False)
with GuidelineStore.open(None) as store:
    store.sync("radiology", host.guidelines("radiology"), vectors=host.guideline_vectors("radiology"))
    hits = store.search("radiology", "7 mm solid nodule in the right upper lobe", region="lung")
print(json.dumps({"top": hits[0].id, "cli": "rich" in sys.modules}))
""")
    assert got["top"].startswith("fleischner") and got["cli"] is False


def test_a_patch_runs_right_after_its_module_executes_and_only_on_a_first_import():
    """``patches``: the function gets the module once its code ran, before the importer uses it; a module
    already imported is not patched again, and no hook is left behind."""
    got = _run("""
import json, sys
from pixtralogist.core import deferred_imports
seen = []
def patch(module):
    seen.append(module.__name__)
    module.hsv_to_rgb = lambda *a: "patched"
(colorsys,) = deferred_imports.import_deferring(["colorsys"], patches={"colorsys": patch})
again = deferred_imports.import_deferring(["colorsys"], patches={"colorsys": patch})[0]
print(json.dumps({"seen": seen, "patched": colorsys.hsv_to_rgb(0, 0, 0), "same": again is colorsys,
                  "rgb_to_hsv": colorsys.rgb_to_hsv(1, 0, 0),
                  "hooks": sum(isinstance(f, deferred_imports._Finder) for f in sys.meta_path)}))
""")
    assert got["seen"] == ["colorsys"] and got["patched"] == "patched" and got["same"]
    assert got["rgb_to_hsv"] == [0.0, 1.0, 1] and got["hooks"] == 0
