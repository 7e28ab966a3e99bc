"""The plugin contract (core/testing.py) on every installed plugin, on the example plugin, and on
deliberately broken plugins (so the checks are shown to catch what they claim to catch)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pixtralogist.core.models import (
    Draft,
    ExampleCase,
    ExampleImage,
    Finding,
    Flag,
    GuidelineSnippet,
    ImpressionRules,
    Provenance,
    RegionSpec,
    Specialty,
    Template,
)
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.plugins import get_plugin_manager
from pixtralogist.core.registry import SpecialtyBundle
from pixtralogist.core.testing import (
    ContractProblem,
    PluginContractError,
    assert_plugin_contract,
    check_plugin,
    contract_test,
    installed_specialties,
)

# Collected when the module is imported: every specialty the built-in plugins provide today
# (other plugins are being added; the list follows BUILTIN_PLUGINS).
BUILTIN_SPECIALTIES = installed_specialties()


def test_builtin_plugins_load_without_failures():
    host = get_plugin_manager(autoload=False)
    assert host.failures == []
    assert "radiology" in host.specialties()
    assert BUILTIN_SPECIALTIES == sorted(host.specialties())


@pytest.mark.parametrize("specialty", BUILTIN_SPECIALTIES)
def test_builtin_plugin_contract(specialty):
    warnings = assert_plugin_contract(specialty, host=get_plugin_manager(autoload=False))
    assert all(p.severity == "warning" for p in warnings)


def test_example_plugin_contract_through_its_entry_point(dental_installed):
    host = get_plugin_manager()  # autoload: finds the example through the `pixtralogist` entry point
    assert "dental" in host.plugin_names() and "dental" in host.specialties()
    assert assert_plugin_contract("dental", host=host, strict=True) == []


def test_example_plugin_contract_by_module_and_ready_made_test(dental_installed):
    import pixtralogist_dental.plugin as module

    assert check_plugin(module) == []  # registered into a fresh built-ins-only host
    assert check_plugin("pixtralogist_dental.plugin") == []  # by module name
    test = contract_test("pixtralogist_dental.plugin", strict=True)
    test()  # what a plugin author assigns to `test_contract` in their own suite


def test_example_plugin_is_not_installed_outside_its_fixtures():
    import importlib
    import importlib.metadata

    assert "dental" not in {ep.name for ep in importlib.metadata.entry_points(group="pixtralogist")}
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("pixtralogist_dental")
    assert "dental" not in get_plugin_manager().specialties()


# --- the checks catch broken plugins ----------------------------------------------------------


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (20, 20), 60).save(buf, format="PNG")
    return buf.getvalue()


TPL = Template(
    id="broken-tpl", specialty="broken", title="Broken",
    regions=[RegionSpec(name="part", label="Part", normal="Normal part."),
             RegionSpec(name="extra", label="", normal=" ")],
    impression=ImpressionRules(normal="Normal."),
)


class BrokenDrafter:
    name = "broken"

    def draft(self, case, template):
        prov = Provenance(source="dictation", engine="broken", plugin="broken", plugin_version="",
                          template_id="elsewhere", template_version="1")
        return Draft(case_id="not-the-case", specialty="broken", template_id=template.id,
                     template_version=template.version, regions=["part"],
                     findings=[Finding(region="part", text="Default text.", is_default=True, provenance=prov)],
                     flags=[Flag(code="Bad Code", severity="info", message="m", region="nowhere")],
                     impression=[], provenance=prov)


class BrokenSorter:
    regions = ("part", "ghost")

    def classify(self, sentence):
        return frozenset({"ghost"})

    def sort(self, text):
        return {"part": text}


def _broken_signals(case, template):
    if "Contract check" in case.indication:
        raise RuntimeError("cannot read foreign cases")
    return None


def _broken_rules(draft, case, template, snippets):
    return [Flag(code="x", severity="warning", message="m", snippet_ids=["unknown-snippet"], finding_id="f-unknown")]


class Broken:
    """Breaks one rule per part of its bundle, and per cross-plugin hook."""

    @hookimpl
    def pixtralogist_register(self, registry):
        registry.add(SpecialtyBundle(
            specialty=Specialty(name="broken", label="Broken", version="one"),
            templates=[TPL],
            examples=lambda: [ExampleCase(id="broken-1", specialty="broken", title="Broken",
                                          images=[ExampleImage(filename="a.png", data=_png())],
                                          notes="part abnormal", expected_template="broken-tpl")],
            drafter=lambda template, model: BrokenDrafter(),
            sorter=lambda template: BrokenSorter(),
            guidelines=[GuidelineSnippet(id="b-1", specialty="broken", text="t", source=" ", regions=["nowhere"],
                                         template_ids=["missing-tpl"])],
            rules=_broken_rules,
            signals=_broken_signals,
        ))

    @hookimpl
    def pixtralogist_guidelines(self, specialty):  # answers for every specialty
        return [GuidelineSnippet(id=f"b-{specialty}", specialty=specialty, text="t", source="s")]

    @hookimpl
    def pixtralogist_verify(self, draft, case, template, snippets):  # flags every specialty's drafts
        return [Flag(code="y", severity="info", message="m")]


def _has(problems: list[ContractProblem], check: str, *words: str, severity: str = "error") -> bool:
    return any(p.check == check and p.severity == severity and all(w in p.message for w in words) for p in problems)


def test_broken_plugin_problems_are_each_reported():
    problems = check_plugin(Broken())
    expected = [
        ("specialty", ("version 'one'",)),
        ("templates", ("region 'extra' has no normal",)),
        ("templates", ("region 'extra' has no label",)),
        ("guidelines", ("no source",)),
        ("guidelines", ("regions", "nowhere")),
        ("guidelines", ("templates", "missing-tpl")),
        ("route", ("not routed confidently",)),
        ("region_sorter", ("ghost",)),
        ("region_sorter", ("sort() returned keys",)),
        ("drafter", ("without a statement", "extra")),
        ("drafter", ("regions ['part'] are not",)),
        ("drafter", ("case_id",)),
        ("drafter", ("no impression",)),
        ("drafter", ("provenance names template elsewhere",)),
        ("drafter", ("lacks the plugin",)),
        ("drafter", ("has provenance source",)),
        ("drafter", ("names region 'nowhere'",)),
        ("verify", ("unknown-snippet",)),
        ("verify", ("names a finding",)),
        ("isolation", ("pixtralogist_guidelines answered",)),
        ("isolation", ("RuntimeError on a case of another specialty",)),
    ]
    missing = [(c, w) for c, w in expected if not _has(problems, c, *w)]
    assert not missing, "\n".join(map(str, problems))
    assert _has(problems, "templates", "'others'", severity="warning")
    assert _has(problems, "drafter", "Bad Code", severity="warning")
    assert _has(problems, "isolation", "flagged a draft", severity="warning")
    assert _has(problems, "templates", "declares no routing signal", severity="warning")
    with pytest.raises(PluginContractError) as info:
        assert_plugin_contract(Broken())
    assert isinstance(info.value, AssertionError)
    assert "unknown-snippet" in str(info.value) and len(info.value.problems) >= len(expected)


def test_unknown_names_and_unregistrable_plugins_are_problems_not_crashes():
    [p] = check_plugin("no_such_module_xyz")
    assert p.check == "import" and "no_such_module_xyz" in p.message

    class Misspelt:
        @hookimpl
        def pixtralogist_register(self, registry):
            return None

        def pixtralogist_registr(self, registry):  # not a hook: registration refuses the plugin
            return None

    problems = check_plugin(Misspelt())
    assert [p.check for p in problems] == ["register"] and "pixtralogist_registr" in problems[0].message


def test_a_plugin_with_no_specialty_and_no_examples():
    class Extender:
        @hookimpl
        def pixtralogist_guidelines(self, specialty):
            return None

    problems = check_plugin(Extender())
    assert _has(problems, "specialty", "registers no specialty")
