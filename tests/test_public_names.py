"""Every name a module exports in ``__all__`` exists (a name left behind by a move breaks ``import *``
and the API docs)."""

from __future__ import annotations

import importlib
import pkgutil

import pixtralogist

#: folders of the repository root that are not part of the importable package's API
_NOT_API = ("pixtralogist.tests", "pixtralogist.benchmarks", "pixtralogist.tools", "pixtralogist.deploy",
            "pixtralogist.examples")


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(pixtralogist.__path__, "pixtralogist.", onerror=lambda name: None):
        if info.name.endswith("__main__") or info.name.startswith(_NOT_API):
            continue
        names.append(info.name)
    return names


def test_every_exported_name_exists():
    modules = _modules()
    assert "pixtralogist.core.storage" in modules and "pixtralogist.persistence.checkpoints" in modules
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        missing += [f"{name}.{n}" for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert not missing, f"__all__ names that do not exist: {missing}"
