"""Import Gradio without the work it does for its own developers: :func:`load`.

Importing Gradio (6.x) costs about 3.7 s of one core on the project's 2-core machines, and the
app cannot answer before it is done. About half of it is not needed to run an app:

- every component class Gradio defines runs ``component_meta.create_or_modify_pyi``, which re-reads
  the class's source file, parses it with ``ast`` and rewrites the type stub (``.pyi``) next to it
  when it differs. The stubs ship in Gradio's wheel; at run time this is either a no-op that
  parses ~80 source files, or a write into the installed package;
- every event listener of every component renders its docstring as a Jinja template
  (``EventListener.set_doc``); the only placeholder in those docstrings is ``{{ component }}``.

:func:`load` imports Gradio with a one-shot import hook that, right after those two modules are
executed, replaces the stub writer with a no-op and renders docstrings that hold no other Jinja
syntax by plain substitution (the same text Jinja gives them: ``tests/test_gradio_import.py``
compares every listener's docstring with and without it). Anything that does not look as expected
(another Gradio version, a docstring with other template syntax) takes Gradio's own path. If
Gradio is already imported, nothing is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import re
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["load", "patched"]

_LOCK = threading.Lock()
_PATCHED: set[str] = set()

#: The one placeholder Gradio's event docstrings use, and any other Jinja syntax (which is left to Jinja).
_COMPONENT = re.compile(r"{{\s*component\s*}}")
_OTHER_JINJA = re.compile(r"{{|}}|{%|%}|{#|#}")


def _render_doc(doc: str, component: str) -> str | None:
    """``Template(doc).render(component=component)`` for a docstring whose only template syntax is
    ``{{ component }}``; None when the docstring needs Jinja."""
    if "\r" in doc or _OTHER_JINJA.search(_COMPONENT.sub("", doc)):
        return None
    text = _COMPONENT.sub(lambda _m: component, doc)
    return text[:-1] if text.endswith("\n") else text  # Jinja drops one trailing newline


def _patch_component_meta(module: ModuleType) -> None:
    if callable(getattr(module, "create_or_modify_pyi", None)):
        module.create_or_modify_pyi = lambda *args, **kwargs: None
        _PATCHED.add("create_or_modify_pyi")


def _patch_events(module: ModuleType) -> None:
    listener = getattr(module, "EventListener", None)
    original = getattr(listener, "set_doc", None)
    if listener is None or not callable(original):
        return

    def set_doc(self: Any, component: str) -> None:
        doc = getattr(self.listener, "__doc__", None)
        rendered = _render_doc(doc, component) if isinstance(doc, str) and doc else None
        if rendered is None:
            original(self, component)
        else:
            self.listener.__doc__ = rendered

    listener.set_doc = set_doc
    _PATCHED.add("set_doc")


_PATCHES = {"gradio.component_meta": _patch_component_meta, "gradio.events": _patch_events}


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules in :data:`_PATCHES` as the normal path finder does and patches them once executed."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = getattr(spec, "loader", None) if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        exec_module = loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            patch(module)

        loader.exec_module = exec_and_patch  # this spec's own loader object: other modules are not affected
        return spec


def load() -> ModuleType:
    """Import Gradio (patched as the module docstring says when it is not imported yet) and return it."""
    with _LOCK:
        if "gradio" not in sys.modules:
            finder = _Finder()
            sys.meta_path.insert(0, finder)
            try:
                import gradio  # noqa: F401
            finally:
                sys.meta_path.remove(finder)
    import gradio

    return gradio


def patched() -> frozenset[str]:
    """Which of Gradio's import-time steps this process skipped or shortened."""
    return frozenset(_PATCHED)
