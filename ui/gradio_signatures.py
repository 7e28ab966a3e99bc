"""Gradio's per-event output handling without re-reading the same signatures: :func:`install`.

Gradio (6.x) builds a component's config from the parameters of its class's ``__init__``, read
anew with ``inspect.signature`` each time (``Block.get_config``), and every component constructor
reads its own ``__init__``'s ``inspect.getfullargspec`` (``component_meta.updateable``). An event
that changes a component's properties (``gr.update(...)``, and also ``gr.skip()``) constructs a new
component and builds its config twice; each browser session's first event builds the config of
every block of the app. Measured on the app's Draft outputs (2-core machine): about half of the
CPU of the output handling, and a third of a new session's, went to re-reading those signatures.

:func:`install` makes those two modules read each plain function's signature once (a bounded
cache keyed by the function object; other objects, e.g. bound methods, are read as before). A
function's signature does not change once it is defined, so the configs are the same
(``tests/test_ui.py`` compares every block's config with and without it). Where the installed
Gradio no longer reads signatures through a module-level ``inspect``, nothing is changed.
"""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any

__all__ = ["install", "installed"]

#: The Gradio modules whose signature reads are cached.
_MODULES = ("gradio.blocks", "gradio.component_meta")


@functools.lru_cache(maxsize=1024)
def _signature(fn: types.FunctionType) -> inspect.Signature:
    return inspect.signature(fn)


@functools.lru_cache(maxsize=1024)
def _fullargspec(fn: types.FunctionType) -> inspect.FullArgSpec:
    return inspect.getfullargspec(fn)


class _CachedInspect(types.ModuleType):
    """The ``inspect`` module as those Gradio modules see it: the same, with cached signatures."""

    def __init__(self) -> None:
        super().__init__("inspect", inspect.__doc__)

    def __getattr__(self, name: str) -> Any:
        return getattr(inspect, name)

    @staticmethod
    def signature(obj: Any, *args: Any, **kwargs: Any) -> inspect.Signature:
        if args or kwargs or type(obj) is not types.FunctionType:
            return inspect.signature(obj, *args, **kwargs)
        return _signature(obj)  # Signature objects are immutable

    @staticmethod
    def getfullargspec(func: Any) -> inspect.FullArgSpec:
        if type(func) is not types.FunctionType:
            return inspect.getfullargspec(func)
        spec = _fullargspec(func)
        # a copy of the mutable parts: a caller changing its lists or dicts does not change the cache
        return spec._replace(args=list(spec.args), kwonlyargs=list(spec.kwonlyargs),
                             kwonlydefaults=dict(spec.kwonlydefaults) if spec.kwonlydefaults else spec.kwonlydefaults,
                             annotations=dict(spec.annotations))


_INSPECT = _CachedInspect()


def install() -> bool:
    """Cache signature reads in Gradio's block and component modules (idempotent, process-wide);
    True when every one of them now reads through the cache."""
    import importlib

    done = True
    for name in _MODULES:
        module = importlib.import_module(name)
        current = getattr(module, "inspect", None)
        if current is inspect:
            module.inspect = _INSPECT
        elif current is not _INSPECT:
            done = False  # this Gradio reads signatures some other way: left as it is
    return done


def installed() -> bool:
    """Whether :func:`install` is in effect in every module it patches."""
    import importlib

    return all(getattr(importlib.import_module(name), "inspect", None) is _INSPECT for name in _MODULES)
