"""Import Gradio without the work it does for its own developers: :func:`load`.

Importing Gradio (6.x) costs about 3.7 s of one core on the project's 2-core machines, and the
app cannot answer before it is done. About half of it is not needed to run an app:

- every component class Gradio defines runs ``component_meta.create_or_modify_pyi``, which re-reads
  the class's source file, parses it with ``ast`` and rewrites the type stub (``.pyi``) next to it
  when it differs. The stubs ship in Gradio's wheel; at run time this is either a no-op that
  parses ~80 source files, or a write into the installed package;
- every event listener of every component renders its docstring as a Jinja template
  (``EventListener.set_doc``); the only placeholder in those docstrings is ``{{ component }}``.

:func:`load` imports Gradio with a one-shot import hook
(:func:`pixtralogist.core.deferred_imports.import_deferring`'s ``patches``) that, right after those
two modules are executed, replaces the stub writer with a no-op and renders docstrings that hold no other Jinja
syntax by plain substitution (the same text Jinja gives them: ``tests/test_gradio_import.py``
compares every listener's docstring with and without it). Anything that does not look as expected
(another Gradio version, a docstring with other template syntax) takes Gradio's own path. If
Gradio is already imported, nothing is changed.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

__all__ = ["load", "patched"]

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


def load() -> ModuleType:
    """Import Gradio (patched as the module docstring says when it is not imported yet) and return it."""
    from pixtralogist.core.deferred_imports import import_deferring

    return import_deferring(["gradio"], patches=_PATCHES)[0]


def patched() -> frozenset[str]:
    """Which of Gradio's import-time steps this process skipped or shortened."""
    return frozenset(_PATCHED)
