"""Shared fixtures. Everything runs offline on real components."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def host():
    """A fresh plugin host with the built-in plugins only."""
    from pixtralogist.core.plugins import get_plugin_manager

    return get_plugin_manager(autoload=False)


def make_dist(root: Path, dist: str, module: str, source: str, entry_points: dict[str, str]) -> Path:
    """Create an importable module plus a ``.dist-info`` with entry points under ``root``.

    ``importlib.metadata`` discovers it exactly like an installed distribution
    once ``root`` is on ``sys.path``.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(textwrap.dedent(source), "utf-8")
    info = root / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n", "utf-8")
    eps = "[pixtralogist]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(eps, "utf-8")
    return root


@pytest.fixture
def on_sys_path(monkeypatch):
    """Put folders on sys.path for the duration of a test (and drop cached modules)."""

    def add(path: Path) -> None:
        monkeypatch.syspath_prepend(str(path))

    yield add
    for name in [m for m in sys.modules if m.startswith("thirdparty_")]:
        del sys.modules[name]
