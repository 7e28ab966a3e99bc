"""Layering: core imports nothing from the layers above it (plugins, agents, finetune, ui, the CLI).

Walks the syntax tree of every module under core/, so imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parent.parent / "core"
UPPER = ("pixtralogist.plugins", "pixtralogist.agents", "pixtralogist.finetune", "pixtralogist.ui",
         "pixtralogist.cli")


def upward_imports(path: Path) -> set[str]:
    """The modules above core that ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against core's own package
                names = ["pixtralogist.core." + (node.module or "")] if node.level == 1 else ["pixtralogist." + (node.module or "")]
            else:
                names = [node.module or ""]
        else:
            continue
        found |= {n for n in names if any(n == u or n.startswith(u + ".") for u in UPPER)}
    return found


CORE_MODULES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_does_not_import_upward(path):
    rel = str(path.relative_to(CORE))
    assert upward_imports(path) == set(), f"core/{rel} imports from a layer above core"


def test_the_walker_sees_function_level_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from pixtralogist.agents.service import X\n    import pixtralogist.ui.app\n")
    assert upward_imports(probe) == {"pixtralogist.agents.service", "pixtralogist.ui.app"}


def test_the_feedback_store_finds_its_default_scorer_by_entry_point():
    """core/feedback.py scores edits with the offline comparator without importing finetune."""
    from pixtralogist.core.quality import load_scorer

    score = load_scorer()
    value, metric = score("Small left pleural effusion.", "Small left pleural effusion.")
    assert metric and value is not None and value > 0.9
    different, _ = score("Small left pleural effusion.", "No pleural effusion.")
    assert different is not None and different < value
    with pytest.raises(LookupError, match="no edit-burden scorer 'nope'"):
        load_scorer("nope")
