"""Import LangGraph without running two package ``__init__`` files the agent never needs: :func:`load`.

Importing ``langgraph.runtime`` (what :mod:`pixtralogist.agents.graph` starts with) costs about a
second of one core on the project's 2-core machines, before the engine can draft its first case
(``benchmarks/cold_start.py``). Two parts of it import a whole package for one small module:

- ``langgraph.runtime`` imports ``BaseUser`` from ``langgraph_sdk.auth.types``; the package's
  ``langgraph_sdk/__init__.py`` first imports the LangGraph Platform HTTP client (httpx, its async
  and sync clients, the streaming transports): about 0.15 s;
- ``langsmith.run_trees`` (under ``langchain_core``'s tracers) imports ``RunSelectField`` from
  ``langsmith.types.run_select_field``; ``langsmith/types/__init__.py`` first imports every one of
  the ~150 generated LangSmith API types (pydantic models): about 0.35 s.

:func:`load` imports LangGraph with a one-shot import hook that gives those two packages
(:data:`DEFERRED`) a module whose ``__init__`` runs on first use instead: their submodules import
as usual (the package's ``__path__`` is set), and the first attribute asked of the package itself
(``from langgraph_sdk import get_client``, ``langsmith.types.Run``, ``dir()``) runs its ``__init__`` then, so
nothing that uses them sees a difference (``tests/test_langgraph_import.py``). A package already
imported is left as it is. The agent runs neither: nothing here talks to LangGraph Platform or to
LangSmith.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Any

__all__ = ["DEFERRED", "deferred", "load"]

#: Packages whose ``__init__`` runs on first use of the package itself (see the module docstring).
DEFERRED = ("langgraph_sdk", "langsmith.types")

_LOCK = threading.Lock()
#: The packages this process gave a deferred ``__init__`` whose ``__init__`` has not run yet.
_WAITING: set[str] = set()


class _DeferredInit(importlib.abc.Loader):
    """Loads a package without executing its ``__init__``, which runs (through the real loader) on the
    first attribute lookup the module cannot answer: a submodule import only needs ``__path__``."""

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


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the packages of :data:`DEFERRED` as the path finder does, with a deferred ``__init__``."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        loader = getattr(spec, "loader", None) if spec is not None else None
        if loader is None or spec.submodule_search_locations is None or not hasattr(loader, "exec_module"):
            return spec  # not a plain package on disk: imported as usual
        spec.loader = _DeferredInit(loader)
        return spec


def load() -> None:
    """Import what the agent's graph imports of LangGraph (``langgraph.runtime``, ``langgraph.types``,
    ``langgraph.graph``), with :data:`DEFERRED` deferred when they are not imported yet."""
    with _LOCK:
        if "langgraph.runtime" not in sys.modules:
            finder = _Finder()
            sys.meta_path.insert(0, finder)
            try:
                import langgraph.runtime  # noqa: F401
            finally:
                sys.meta_path.remove(finder)
    import langgraph.graph  # noqa: F401
    import langgraph.types  # noqa: F401


def deferred() -> frozenset[str]:
    """The packages of :data:`DEFERRED` whose ``__init__`` this process has not run (yet)."""
    return frozenset(_WAITING)
