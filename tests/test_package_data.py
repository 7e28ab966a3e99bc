"""Every data file a plugin or the kit reads at run time is listed in pyproject.toml's package-data, so a
wheel (not only an editable install) carries it."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_data_file_is_in_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]
    root = REPO / config["package-dir"]["pixtralogist"]
    folders = {package: root.joinpath(*package.split(".")[1:]) for package in config["packages"]}
    with_data = [package for package, folder in folders.items() if (folder / "data").is_dir()]
    missing = []
    for package in with_data:
        listed = patterns.get(package, [])
        for f in sorted(p for p in (folders[package] / "data").rglob("*") if p.is_file()):
            rel = f.relative_to(folders[package]).as_posix()
            if not any(fnmatch.fnmatch(rel, pat) and rel.count("/") == pat.count("/") for pat in listed):
                missing.append(f"{package}: {rel}")
    assert "pixtralogist.plugins.pathology" in with_data and not missing, f"data files a wheel would leave out: {missing}"
