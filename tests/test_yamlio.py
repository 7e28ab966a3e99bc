"""The libyaml loader reads every YAML file of the package into the same data as PyYAML's Python one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pixtralogist.core.yamlio import safe_load

REPO = Path(__file__).resolve().parents[1]
FILES = sorted(p for folder in ("core", "kit", "plugins", "benchmarks/data", "examples")
               for p in (REPO / folder).rglob("*.yaml"))


def test_there_are_files_to_compare():
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_data_as_the_python_loader(path):
    text = path.read_text(encoding="utf-8")
    assert safe_load(text) == yaml.safe_load(text)


def test_errors_stay_yaml_errors_and_unsafe_tags_are_refused():
    with pytest.raises(yaml.YAMLError):
        safe_load("a: [1, 2")
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")
