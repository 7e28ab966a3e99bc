"""Layering: every package imports only from the layers below it.

    core  <-  kit  <-  plugins  <-  persistence  <-  agents  <-  finetune, pacs  <-  ui  <-  cli

(``core``: domain types, ingestion, exports; ``kit``: the clinical-language engine;
``plugins``: specialty knowledge as data; ``persistence``: every store; ``agents``: the
LangGraph agent and its service; ``finetune`` and ``pacs``: the learning loop and the
PACS link, side by side, neither importing the other; ``ui``: the Gradio app; ``cli``: the
command-line entry point on top.) The walk reads every module's syntax tree, so imports
inside functions and under ``TYPE_CHECKING`` count too. There are no exceptions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: package -> rank; a module may import its own package and any package of a LOWER rank.
LAYERS = {
    "core": 0,
    "kit": 1,
    "plugins": 2,
    "persistence": 3,
    "agents": 4,
    "finetune": 5,
    "pacs": 5,
    "ui": 6,
    "cli": 7,
    "__main__": 8,  # python -m pixtralogist: runs the CLI
}


def package_of(module: str) -> str | None:
    """``pixtralogist.agents.graph`` -> ``agents``; None for modules outside the project."""
    parts = module.split(".")
    if parts[0] != "pixtralogist" or len(parts) < 2:
        return None
    return parts[1]


def imports_of(path: Path, package: str) -> set[str]:
    """Every pixtralogist module ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = ["pixtralogist", package] if node.level == 1 else ["pixtralogist"]
                names = [".".join(base + ([node.module] if node.module else []))]
            else:
                names = [node.module or ""]
        else:
            continue
        found |= {n for n in names if n.startswith("pixtralogist.")}
    return found


def upward_imports(path: Path, package: str) -> set[str]:
    """The imports of ``path`` (in ``package``) that point up or sideways."""
    rank = LAYERS[package]
    bad = set()
    for name in imports_of(path, package):
        target = package_of(name)
        if target is None or target == package or target not in LAYERS:
            continue
        if LAYERS[target] >= rank:
            bad.add(name)
    return bad


def project_modules() -> list[tuple[str, Path]]:
    out = []
    for package in LAYERS:
        single = ROOT / f"{package}.py"
        if single.is_file():
            out.append((package, single))
        folder = ROOT / package
        if folder.is_dir():
            out.extend((package, p) for p in sorted(folder.rglob("*.py")))
    return out


MODULES = project_modules()


def test_every_package_has_a_layer():
    """A new top-level package must be given a place in LAYERS (and so in the picture above)."""
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    import re

    listed = pyproject.split("packages = [", 1)[1].split("]", 1)[0]
    declared = {package_of(p) for p in re.findall(r'"(pixtralogist\.[a-z_]+)', listed)} - {None}
    assert declared <= set(LAYERS), f"packages without a layer: {sorted(declared - set(LAYERS))}"


@pytest.mark.parametrize("package,path", MODULES, ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
def test_imports_point_down(package, path):
    rel = path.relative_to(ROOT)
    assert upward_imports(path, package) == set(), f"{rel} ({package}) imports from its own layer's siblings or above"


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from pixtralogist.agents.service import X\n    import pixtralogist.ui.app\n"
                     "from ..persistence import feedback\nfrom pixtralogist.core import models\n")
    assert upward_imports(probe, "persistence") == {"pixtralogist.agents.service", "pixtralogist.ui.app"}
    assert upward_imports(probe, "core") == {"pixtralogist.agents.service", "pixtralogist.ui.app",
                                             "pixtralogist.persistence"}
    assert upward_imports(probe, "ui") == set()


def test_sibling_layers_do_not_import_each_other(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from pixtralogist.pacs.client import X\n")
    assert upward_imports(probe, "finetune") == {"pixtralogist.pacs.client"}


def test_the_feedback_store_finds_its_default_scorer_by_entry_point():
    """persistence/feedback.py scores edits with the offline comparator without importing finetune."""
    from pixtralogist.core.quality import load_scorer

    score = load_scorer()
    value, metric = score("Small left pleural effusion.", "Small left pleural effusion.")
    assert metric and value is not None and value > 0.9
    different, _ = score("Small left pleural effusion.", "No pleural effusion.")
    assert different is not None and different < value
    with pytest.raises(LookupError, match="no edit-burden scorer 'nope'"):
        load_scorer("nope")
