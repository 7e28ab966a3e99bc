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

:func:`load` imports LangGraph with those two packages (:data:`DEFERRED`) given a deferred
``__init__`` (:func:`pixtralogist.core.deferred_imports.import_deferring`): it runs on the first use
of the package itself (``from langgraph_sdk import get_client``, ``langsmith.types.Run``), so nothing
that uses them sees a difference (``tests/test_langgraph_import.py``). The agent uses neither:
nothing here talks to LangGraph Platform or to LangSmith.
"""

from __future__ import annotations

from pixtralogist.core.deferred_imports import import_deferring, waiting

__all__ = ["DEFERRED", "deferred", "load"]

#: Packages whose ``__init__`` runs on first use of the package itself (see the module docstring).
DEFERRED = ("langgraph_sdk", "langsmith.types")


def load() -> None:
    """Import what the agent's graph imports of LangGraph (``langgraph.runtime``, ``langgraph.types``,
    ``langgraph.graph``), with :data:`DEFERRED` deferred when they are not imported yet."""
    import_deferring(["langgraph.runtime", "langgraph.types", "langgraph.graph"], deferred=DEFERRED)


def deferred() -> frozenset[str]:
    """The packages of :data:`DEFERRED` whose ``__init__`` this process has not run (yet)."""
    return waiting() & frozenset(DEFERRED)
