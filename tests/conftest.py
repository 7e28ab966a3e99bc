"""Shared fixtures. Everything runs offline on real components."""

from __future__ import annotations

import contextlib
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


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A reporting service with the built-in plugins, embedded storage in a fresh folder (one per module)."""
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager

    svc = ReportingService.create(tmp_path_factory.mktemp("data"), host=get_plugin_manager(autoload=False))
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def png(tmp_path_factory):
    """A 128 x 128 grayscale gradient PNG (one per module)."""
    from PIL import Image

    p = tmp_path_factory.mktemp("img") / "frontal.png"
    Image.linear_gradient("L").resize((128, 128)).save(p)
    return p


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


# --- the example third-party plugin (examples/pixtralogist-dental) ----------------------------

EXAMPLE_PLUGINS = REPO / "examples"


def pip_install_local(source: Path, target: Path) -> Path:
    """``pip install`` a local project into ``target`` without network, dependencies or build isolation.

    The source is copied first so the build leaves nothing (``build/``, ``*.egg-info``) in the tree.
    """
    import shutil
    import subprocess

    work = target.parent / f"{source.name}-src"
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
           "--disable-pip-version-check", "--target", str(target), str(work)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"pip install of {source} failed:\n{res.stdout}\n{res.stderr}")
    return target


@pytest.fixture(scope="session")
def dental_site(tmp_path_factory) -> Path:
    """examples/pixtralogist-dental installed (once per session) into a temporary site folder."""
    root = tmp_path_factory.mktemp("dental")
    return pip_install_local(EXAMPLE_PLUGINS / "pixtralogist-dental", root / "site")


@contextlib.contextmanager
def plugin_site(site: Path):
    """``site`` on ``sys.path`` with plugin autoload enabled; afterwards the folder leaves
    ``sys.path`` and its ``pixtralogist_dental`` modules leave ``sys.modules``."""
    from pixtralogist.core.plugins import DISABLE_AUTOLOAD_ENV

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
        mp.syspath_prepend(str(site))
        try:
            yield site
        finally:
            for name in [m for m in sys.modules if m == "pixtralogist_dental" or m.startswith("pixtralogist_dental.")]:
                del sys.modules[name]


@pytest.fixture
def dental_installed(dental_site):
    """The dental example plugin visible to ``importlib.metadata`` entry points for one test;
    nothing stays installed afterwards."""
    with plugin_site(dental_site) as site:
        yield site


@pytest.fixture(scope="module")
def dental_installed_module(dental_site):
    """Like ``dental_installed``, for every test of one module (to share a service between them)."""
    with plugin_site(dental_site) as site:
        yield site


# --- every DICOM SR a test writes is checked with dciodvfy (tests/dciodvfy.py) -----------------------


@pytest.fixture(autouse=True)
def _dciodvfy_every_sr(monkeypatch):
    """Wrap ``to_dicom_sr`` so that each SR any test makes is written and checked by dciodvfy:
    errors fail the test, and so do identity warnings in identified exports."""
    from pixtralogist.core import dicom_sr

    from dciodvfy import check_sr

    original = dicom_sr.to_dicom_sr

    def checked(*args, **kwargs):
        ds = original(*args, **kwargs)
        check_sr(ds, identified=not kwargs.get("deidentify", False))
        return ds

    monkeypatch.setattr(dicom_sr, "to_dicom_sr", checked)
    yield


@pytest.fixture
def audit_key(tmp_path, monkeypatch):
    """A site's shared audit key file (``PIXTRALOGIST_AUDIT_KEY_FILE``, as the app servers of one database use)."""
    key = tmp_path / "site-audit.key"
    key.write_text("5e" * 32 + "\n")
    key.chmod(0o600)
    monkeypatch.setenv("PIXTRALOGIST_AUDIT_KEY_FILE", str(key))
    return key
