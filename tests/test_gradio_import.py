"""ui.gradio_import: Gradio imported without its import-time stub writing and Jinja doc rendering, the same
Gradio otherwise (every event listener's docstring compared with a plain import, in fresh processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pixtralogist.ui.gradio_import import _render_doc

_PROBE = r"""
import inspect, json, sys, time
start = time.process_time()
if sys.argv[1] == "patched":
    from pixtralogist.ui import gradio_import
    gr = gradio_import.load()
    patched = sorted(gradio_import.patched())
else:
    import gradio as gr
    patched = []
cpu = time.process_time() - start
docs = {}
for name, obj in sorted(vars(gr).items()):
    if inspect.isclass(obj):
        for attr in dir(obj):
            value = getattr(obj, attr, None)
            if callable(value) and isinstance(getattr(value, "__doc__", None), str):
                docs[f"{name}.{attr}"] = value.__doc__
import gradio.component_meta as meta
json.dump({"docs": docs, "patched": patched, "cpu": cpu,
           "writer": getattr(meta.create_or_modify_pyi, "__module__", "")}, sys.stdout)
"""


def _probe(mode: str) -> dict:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, env=env,
                         timeout=180, check=True)
    return json.loads(out.stdout)


@pytest.mark.slow
def test_patched_import_gives_the_same_docs_and_skips_the_stub_writer():
    plain, patched = _probe("plain"), _probe("patched")
    assert patched["patched"] == ["create_or_modify_pyi", "set_doc"]
    assert plain["writer"] == "gradio.component_meta"  # the plain import keeps Gradio's own writer
    assert patched["writer"] == "pixtralogist.ui.gradio_import"
    assert len(plain["docs"]) > 1000
    assert patched["docs"] == plain["docs"]  # every listener's docstring as Jinja rendered it
    rendered = [d for k, d in patched["docs"].items() if k.startswith("Textbox.") and "Textbox" in d]
    assert rendered and not any("{{" in d for d in rendered)


def test_render_doc_matches_jinja_or_declines():
    from jinja2 import Template

    for doc in ["Triggered when the {{ component }} is clicked.", "A {{component}} and {{  component }}.\n",
                "No placeholder at all.", "Two lines\n\nof {{ component }}\n\n"]:
        assert _render_doc(doc, "Textbox") == Template(doc).render(component="Textbox")
    # any other template syntax, or Windows line ends, is left to Jinja
    for doc in ["{% if x %}a{% endif %} {{ component }}", "{{ component | upper }}", "{# note #}",
                "a\r\nb {{ component }}"]:
        assert _render_doc(doc, "Textbox") is None


def test_load_returns_gradio_and_leaves_no_import_hook():
    from pixtralogist.ui import gradio_import

    first = gradio_import.load()
    assert first is sys.modules["gradio"] and gradio_import.load() is first
    from pixtralogist.core import deferred_imports

    assert not any(isinstance(f, deferred_imports._Finder) for f in sys.meta_path)


def test_app_deferred_builds_the_server_app_only_at_launch():
    """ui.gradio_build: inside app_deferred a Blocks gets no FastAPI app (Gradio builds three it throws away);
    other threads still get theirs, and launch() builds the one it serves."""
    import threading

    from pixtralogist.ui import gradio_build, gradio_import

    gr = gradio_import.load()
    with gradio_build.app_deferred() as ok:
        assert ok
        other: list = []
        worker = threading.Thread(target=lambda: other.append(gr.Blocks().app))
        worker.start()
        worker.join()
        with gr.Blocks() as demo:
            gr.Textbox()
        demo.queue()
        assert demo.app is None
    assert other and other[0] is not None  # another thread building at the same time is not affected
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True)
    try:
        assert demo.app is not None and demo.local_url
        import urllib.request

        with urllib.request.urlopen(demo.local_url + "config", timeout=30) as resp:
            assert resp.status == 200 and b"textbox" in resp.read()
    finally:
        demo.close()
    with gr.Blocks() as outside:  # outside the block: Gradio as usual
        pass
    assert outside.app is not None
