"""The lock and pyproject.toml cannot drift apart silently.

`make run` and `make test` install lock/cpu.txt (every package at an exact version,
written by `make lock` from pyproject.toml). These tests fail when a package named in
pyproject.toml is missing from the lock, when a pin falls outside pyproject's range,
when the GPU lock differs from the CPU lock by more than torch, and when the running
environment is not the locked one.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def read_lock(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        m = PIN.match(line)
        if m:
            name = canonicalize_name(m.group(1))
            assert name not in pins, f"{path.name} pins {name} twice"
            pins[name] = m.group(2)
    return pins


def pyproject_requirements() -> list[tuple[str, Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [("dependencies", Requirement(r)) for r in project["dependencies"]]
    for extra, items in project["optional-dependencies"].items():
        for item in items:
            req = Requirement(item)
            if canonicalize_name(req.name) == "pixtralogist":  # the `all` extra names the others
                continue
            reqs.append((extra, req))
    return reqs


CPU = read_lock(REPO / "lock" / "cpu.txt")
GPU = read_lock(REPO / "lock" / "gpu.txt")


def test_every_package_pyproject_names_is_pinned_within_its_range():
    problems = []
    for where, req in pyproject_requirements():
        name = canonicalize_name(req.name)
        if name not in CPU:
            problems.append(f"{req.name} ({where}) is not in lock/cpu.txt: run `make lock`")
        elif not req.specifier.contains(Version(CPU[name]), prereleases=True):
            problems.append(f"{req.name}=={CPU[name]} in the lock is outside pyproject's {req} ({where})")
    assert not problems, "\n".join(problems)


def test_torch_is_the_cpu_build_and_no_cuda_package_is_locked():
    assert CPU["torch"].endswith("+cpu")
    constraint = (REPO / "constraints" / "cpu.txt").read_text()
    assert f"torch=={CPU['torch'].split('+')[0]}" in constraint
    assert not [n for n in CPU if n.startswith("nvidia-")], "CUDA packages in the CPU lock"


def test_gpu_lock_is_the_cpu_lock_without_torch():
    assert "torch" not in GPU
    assert {n: v for n, v in CPU.items() if n != "torch"} == GPU
    assert "bitsandbytes" in GPU


def test_the_makefile_installs_the_lock_and_locks_reproducibly():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^LOCK\s+\?= lock/cpu.txt$", makefile, re.M)
    assert "-r $(LOCK)" in makefile
    assert re.search(r"--exclude-newer \$\(LOCK_EXCLUDE_NEWER\)", makefile), "make lock must have a cut-off date"
    for lock in ("cpu.txt", "gpu.txt"):
        assert "make lock" in (REPO / "lock" / lock).read_text().splitlines()[1]


def test_the_running_environment_is_the_locked_one():
    try:
        md.version("pixtralogist")
    except md.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        pytest.skip("pixtralogist is not installed in this environment")
    drift = []
    for name, pinned in CPU.items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            drift.append(f"{name}=={pinned} is locked but not installed")
            continue
        if Version(installed) != Version(pinned):
            drift.append(f"{name}: installed {installed}, locked {pinned}")
    assert not drift, "the environment is not the locked one (run `make venv`):\n" + "\n".join(drift)
