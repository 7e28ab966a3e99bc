"""Import a heavy library without the parts of its import this process never uses: :func:`import_deferring`.

The engine's first draft waits for its imports (``benchmarks/cold_start.py``): LangGraph, chromadb
and spaCy are most of a cold start on a 2-core machine, and part of each is work for features the
agent never runs. Two ways to leave it out, both during one import only (a one-shot import hook,
removed afterwards; a module already imported is left as it is):

- **deferred package inits**: some packages are imported for one small submodule
  (``langgraph_sdk.auth.types``), but their ``__init__`` first imports the whole library (an HTTP
  client, a CLI, 150 API types). A package named in ``deferred`` gets a module whose ``__init__``
  runs on first use instead: its submodules import as usual (the package's ``__path__`` is set),
  and the first attribute asked of the package itself (``from httpx import Client``, ``dir()``)
  runs its ``__init__`` then, so nothing that uses it sees a difference;
- **blocked optional imports**: a module a library imports in ``try: ... except ImportError`` for an
  extra it offers (``httpx._main``: httpx's command line, with click, rich and pygments) is reported
  missing during the import, so the library takes its fallback; a later import of it works;
- **overrides**: names replaced in a module for the time of the import only (``overrides``: the
  decorator ``@override`` of the ``overrides`` package, which chromadb puts on ~150 methods and which
  reads each class statement's bytecode to check the signature against the base class: a
  development check chromadb's own tests run), then put back;
- **patches after execution**: a function called with a module of the library right after its code
  ran, before the rest of the library imports from it (Gradio's stub writer replaced before its
  component classes are defined: :mod:`pixtralogist.ui.gradio_import`). Unlike overrides, they stay.

:func:`waiting` says which deferred packages have not run their ``__init__`` (yet).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["import_deferring", "waiting"]

_LOCK = threading.RLock()
_WAITING: set[str] = set()


class _DeferredInit(importlib.abc.Loader):
    """Loads a package without executing its ``__init__``, which runs (through the real loader) on the
    first attribute lookup the module cannot answer, or on ``dir()``."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        lock = threading.RLock()
        loader = self.loader
        name = module.__name__

        def init() -> None:
            with lock:
                if module.__dict__.get("__getattr__") is __getattr__:
                    del module.__dict__["__getattr__"]
                    del module.__dict__["__dir__"]
                    module.__loader__ = loader
                    if module.__spec__ is not None:
                        module.__spec__.loader = loader
                    _WAITING.discard(name)
                    loader.exec_module(module)  # the package's own __init__, in this module

        def __getattr__(attr: str) -> Any:  # noqa: N807 - the module-level hooks (PEP 562)
            init()
            return getattr(module, attr)

        def __dir__() -> list[str]:  # noqa: N807
            init()
            return dir(module)

        module.__getattr__ = __getattr__
        module.__dir__ = __dir__
        _WAITING.add(name)

    def __getattr__(self, attr: str) -> Any:  # resource readers and the like: the real loader's
        return getattr(self.loader, attr)


class _ExecThenPatch(importlib.abc.Loader):
    """Loads a module as its own loader does, then calls ``patch(module)``."""

    def __init__(self, loader: Any, patch: Callable[[ModuleType], None]) -> None:
        self.loader = loader
        self.patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, attr: str) -> Any:  # resource readers and the like: the real loader's
        return getattr(self.loader, attr)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules named as the path finder does: packages in ``names`` with a deferred ``__init__``,
    modules in ``patches`` patched once executed."""

    def __init__(self, names: Iterable[str], blocked: Iterable[str] = (),
                 patches: Mapping[str, Callable[[ModuleType], None]] | None = None) -> None:
        self.names = frozenset(names)
        self.blocked = frozenset(blocked)
        self.patches = dict(patches or {})

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname in self.blocked:
            raise ModuleNotFoundError(f"{fullname} is not imported here (an optional part)", name=fullname)
        patch = self.patches.get(fullname)
        if fullname not in self.names and patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = getattr(spec, "loader", None) if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec  # not a plain module on disk: imported as usual
        if patch is not None:
            spec.loader = _ExecThenPatch(loader, patch)
        elif spec.submodule_search_locations is not None:  # a package: its __init__ deferred
            spec.loader = _DeferredInit(loader)
        return spec


def import_deferring(modules: Iterable[str], *, deferred: Iterable[str] = (), blocked: Iterable[str] = (),
                     overrides: Mapping[str, Mapping[str, Any]] | None = None,
                     patches: Mapping[str, Callable[[ModuleType], None]] | None = None) -> list[ModuleType]:
    """Import ``modules`` (in order; each already imported is simply returned) with the packages in
    ``deferred`` given a deferred ``__init__``, the modules in ``blocked`` reported missing and each
    module of ``patches`` passed to its function as soon as its code ran, when this import is the
    first, and, for its duration, ``overrides[module][name]`` set in those modules (imported first;
    put back afterwards)."""
    modules = list(modules)
    if all(m in sys.modules for m in modules):
        return [sys.modules[m] for m in modules]
    with _LOCK:
        saved: list[tuple[ModuleType, str, Any]] = []
        for target, names in (overrides or {}).items():
            module = importlib.import_module(target)
            for attr, value in names.items():
                saved.append((module, attr, getattr(module, attr)))
                setattr(module, attr, value)
        finder = _Finder(deferred, blocked, patches)
        sys.meta_path.insert(0, finder)
        try:
            return [importlib.import_module(m) for m in modules]
        finally:
            sys.meta_path.remove(finder)
            for module, attr, value in reversed(saved):
                setattr(module, attr, value)


def waiting() -> frozenset[str]:
    """The deferred packages of this process whose ``__init__`` has not run (yet)."""
    return frozenset(_WAITING)
