"""docs/plugins.md documents every hook with its exact signature and merge rule, and its snippets
match the code (entry-point group, autoload variable, the example plugin's pyproject, the contract helper)."""

from __future__ import annotations

import inspect
import re
import tomllib

import pytest

from pixtralogist.core import hookspecs, testing
from pixtralogist.core.plugins import DISABLE_AUTOLOAD_ENV, ENTRY_POINT_GROUP

from conftest import REPO

DOC = REPO / "docs" / "plugins.md"
_DEF = re.compile(r"^def (pixtralogist_\w+)\((.*)\) -> (.+?):?\s*$", re.M)


def hookspec_names() -> list[str]:
    return sorted(n for n, f in vars(hookspecs).items() if n.startswith("pixtralogist_") and callable(f))


def canonical(fn) -> str:
    """``name(arg: Ann, ...) -> Ret`` with string annotations unquoted (hookspecs use them for typing only)."""

    def ann(a) -> str:
        a = a if isinstance(a, str) else inspect.formatannotation(a)
        while len(a) >= 2 and a[0] == a[-1] and a[0] in "'\"":
            a = a[1:-1]
        return a

    sig = inspect.signature(fn)
    params = ", ".join(f"{p.name}: {ann(p.annotation)}" for p in sig.parameters.values())
    return f"{fn.__name__}({params}) -> {ann(sig.return_annotation)}"


def doc_text() -> str:
    return DOC.read_text("utf-8")


def reference_section() -> str:
    text = doc_text()
    assert "## Hook reference" in text
    return text.split("## Hook reference", 1)[1]


def documented() -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _DEF.finditer(reference_section()):
        name = m.group(1)
        assert name not in out, f"{name} is documented twice in the hook reference"
        out[name] = f"{name}({m.group(2).strip()}) -> {m.group(3).strip()}"
    return out


def test_every_hookspec_is_documented_with_its_exact_signature():
    docs = documented()
    specs = hookspec_names()
    assert specs, "no hookspecs found"
    missing = [n for n in specs if n not in docs]
    assert not missing, f"hooks missing from docs/plugins.md: {missing}"
    unknown = [n for n in docs if n not in specs]
    assert not unknown, f"docs/plugins.md documents hooks that do not exist: {unknown}"
    for name in specs:
        assert docs[name] == canonical(getattr(hookspecs, name)), f"signature of {name} differs from core/hookspecs.py"


@pytest.mark.parametrize("name", hookspec_names())
def test_merge_rule_matches_the_hookspec(name):
    section = reference_section().split(f"### {name}\n", 1)
    assert len(section) == 2, f"no '### {name}' heading in the hook reference"
    body = section[1].split("\n### ", 1)[0]
    rule = re.search(r"Merge: (collected|first result)", body)
    assert rule, f"no 'Merge:' line for {name}"
    first = getattr(hookspecs, name).pixtralogist_spec["firstresult"]
    assert rule.group(1) == ("first result" if first else "collected")


def test_signature_canonical_form_is_what_the_code_says():
    # guards the comparison itself: a changed argument or return type would not match
    assert canonical(hookspecs.pixtralogist_verify) == (
        "pixtralogist_verify(draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet])"
        " -> list[Flag] | None"
    )


def test_entry_point_snippet_env_var_and_contract_helper():
    text = doc_text()
    assert f"[project.entry-points.{ENTRY_POINT_GROUP}]" in text
    assert DISABLE_AUTOLOAD_ENV in text
    for name in ("check_plugin", "assert_plugin_contract", "contract_test", "PluginContractError"):
        assert name in text and hasattr(testing, name)
    # the entry-point snippet is the example plugin's real one
    pyproject = tomllib.loads((REPO / "examples" / "pixtralogist-dental" / "pyproject.toml").read_text("utf-8"))
    [(ep_name, ep_value)] = pyproject["project"]["entry-points"][ENTRY_POINT_GROUP].items()
    assert f'{ep_name} = "{ep_value}"' in text
    # every check family of the helper is in the doc's table
    for check in ("specialty", "templates", "examples", "route", "drafter", "region_sorter", "guidelines",
                  "verify", "isolation"):
        assert f"| `{check}` |" in text, check


def test_linked_from_readme():
    assert "docs/plugins.md" in (REPO / "README.md").read_text("utf-8")
