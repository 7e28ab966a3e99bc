"""Plugin system: built-ins, entry-point discovery, autoload switch, broken plugins."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

from pixtralogist.core import hookspecs
from pixtralogist.core.errors import DuplicateRegistrationError, PluginError, UnknownSpecialtyError
from pixtralogist.core.models import Case, Specialty
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.plugins import DISABLE_AUTOLOAD_ENV, autoload_enabled, get_plugin_manager
from pixtralogist.core.registry import Registry, SpecialtyBundle

from conftest import REPO, make_dist

GOOD_PLUGIN = '''
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.models import Specialty, Template, RegionSpec, ImpressionRules
from pixtralogist.core.registry import SpecialtyBundle

TEMPLATE = Template(id="dental-bitewing", specialty="dental", title="Bitewing",
                    regions=[RegionSpec(name="teeth", label="Teeth", normal="No caries.")],
                    impression=ImpressionRules(normal="Normal bitewing."),
                    routing={"words": [{"label": "dental words", "words": ["tooth", "teeth"], "weight": 0.9}]})

@hookimpl
def pixtralogist_register(registry):
    registry.add(SpecialtyBundle(specialty=Specialty(name="dental", label="Dental radiographs", version="0.1.0"),
                                 templates=[TEMPLATE]))
'''


def bundle(name: str, **kw) -> SpecialtyBundle:
    return SpecialtyBundle(specialty=Specialty(name=name, label=name.capitalize(), version="1"), templates=(), **kw)


def test_builtins_register_and_contribute(host):
    assert host.failures == []
    specs = host.specialties()
    assert "radiology" in specs
    tpl = host.template("cxr")
    assert tpl.region_names == ["lung", "heart", "mediastinal", "bone", "others"]
    assert all(r.normal for r in tpl.regions)
    sorter = host.region_sorter("radiology", tpl)
    assert tuple(sorter.regions) == tuple(tpl.region_names)
    assert host.drafter("radiology", tpl).name == "offline-dictation"
    assert host.model_config("radiology").backend == "offline"
    snippets = host.guidelines("radiology")
    assert snippets and all(s.source for s in snippets)


def test_unknown_specialty_is_a_clear_error(host):
    with pytest.raises(UnknownSpecialtyError, match="installed: .*radiology"):
        host.specialty("astrology")
    with pytest.raises(PluginError, match="no template 'nope'"):
        host.template("nope")


def test_extra_plugin_object_is_registered():
    class Extra:
        @hookimpl
        def pixtralogist_register(self, registry):
            registry.add(bundle("extra"))

    host = get_plugin_manager(autoload=False, extra=[Extra()])
    assert set(host.specialties()) >= {"radiology", "extra"}
    assert host.bundle("extra").plugin.startswith("Extra-")


def test_a_specialty_registered_twice_is_rejected_with_a_fix():
    class Again:
        @hookimpl
        def pixtralogist_register(self, registry):
            registry.add(bundle("radiology"))

    host = get_plugin_manager(autoload=False, extra=[Again()])
    assert host.bundle("radiology").plugin == "pixtralogist.plugins.radiology.plugin"  # the first one stays
    [failure] = host.failures
    assert failure.stage == "hook:pixtralogist_register" and failure.plugin.startswith("Again-")
    assert "already registered by pixtralogist.plugins.radiology.plugin" in failure.error
    assert "give this plugin's specialty another name" in failure.error
    registry = Registry()
    with pytest.raises(TypeError, match="SpecialtyBundle"):
        registry.add(Specialty(name="x", label="X", version="1"))


def test_the_host_asks_only_the_bundle_of_the_specialty():
    asked = []

    class Two:
        @hookimpl
        def pixtralogist_register(self, registry):
            for name in ("one", "two"):
                registry.add(bundle(name, sorter=lambda t, name=name: asked.append(name),
                                    rules=lambda d, c, t, s, name=name: asked.append(name)))

    host = get_plugin_manager(autoload=False, extra=[Two()])
    tpl = host.template("cxr")
    with pytest.raises(PluginError, match="no plugin provides a region sorter"):
        host.region_sorter("two", tpl)
    assert asked == ["two"]


def test_entry_point_plugin_is_discovered(tmp_path, on_sys_path):
    on_sys_path(make_dist(tmp_path, "thirdparty-dental", "thirdparty_dental", GOOD_PLUGIN,
                          {"dental": "thirdparty_dental"}))
    host = get_plugin_manager(autoload=True)
    assert host.failures == []
    assert "dental" in host.specialties()
    assert [t.id for t in host.templates("dental")] == ["dental-bitewing"]
    best = host.route(Case(notes="chipped tooth"))[0]
    assert (best.specialty, best.score) == ("dental", 0.9)
    assert best.reasons == ["dental words in the request: tooth"]


def test_autoload_can_be_disabled(tmp_path, on_sys_path, monkeypatch):
    on_sys_path(make_dist(tmp_path, "thirdparty-dental", "thirdparty_dental", GOOD_PLUGIN,
                          {"dental": "thirdparty_dental"}))
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    assert not autoload_enabled()
    assert "dental" not in get_plugin_manager().specialties()
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "0")
    assert "dental" in get_plugin_manager().specialties()


def test_broken_plugins_are_reported_and_skipped(tmp_path, on_sys_path):
    make_dist(tmp_path / "a", "thirdparty-boom", "thirdparty_boom", "raise RuntimeError('boom at import')",
              {"boom": "thirdparty_boom"})
    make_dist(tmp_path / "b", "thirdparty-typo", "thirdparty_typo", '''
from pixtralogist.core.plugin import hookimpl
@hookimpl
def pixtralogist_registerr(registry):
    return None
''', {"typo": "thirdparty_typo"})
    make_dist(tmp_path / "c", "thirdparty-raises", "thirdparty_raises", '''
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.models import ImpressionRules, RegionSpec, Specialty, Template
from pixtralogist.core.registry import SpecialtyBundle
TEMPLATE = Template(id="boomy", specialty="boomy", title="Boomy", impression=ImpressionRules(normal="Fine."),
                    regions=[RegionSpec(name="all", label="All", normal="Fine.")])
@hookimpl
def pixtralogist_register(registry):
    def explode(case, template):
        raise ValueError("scoring exploded")
    registry.add(SpecialtyBundle(specialty=Specialty(name="boomy", label="Boomy", version="1"),
                                 templates=lambda: [TEMPLATE, "not a Template"], signals=explode))
    raise RuntimeError("registration exploded")
''', {"raises": "thirdparty_raises"})
    make_dist(tmp_path / "d", "thirdparty-badargs", "thirdparty_badargs", '''
from pixtralogist.core.plugin import hookimpl
@hookimpl
def pixtralogist_register(registry, extra_argument):
    return None
''', {"badargs": "thirdparty_badargs"})
    for sub in "abcd":
        on_sys_path(tmp_path / sub)
    host = get_plugin_manager(autoload=True)
    # The host still works: radiology routes and drafts.
    assert "radiology" in host.specialties()
    scores = host.route(Case(indication="cough, chest x-ray"))
    assert scores[0].specialty == "radiology"
    stages = {(f.plugin, f.stage.split(":")[0]) for f in host.failures}
    assert ("boom", "import") in stages
    assert ("typo", "register") in stages
    assert ("badargs", "register") in stages
    assert ("raises", "hook") in stages  # registration exploded (after adding its bundle)
    assert ("raises", "bundle") in stages  # its routing signals exploded
    assert ("raises", "result") in stages  # its templates are not Templates
    assert any("boom at import" in f.error for f in host.failures)


def test_duplicate_snippet_ids_are_rejected():
    from pixtralogist.core.models import GuidelineSnippet

    class Dup:
        @hookimpl
        def pixtralogist_guidelines(self, specialty):
            return [GuidelineSnippet(id="dup", specialty=specialty, text="t", source="s")] * 2

    host = get_plugin_manager(autoload=False, extra=[Dup()])
    with pytest.raises(DuplicateRegistrationError, match="'dup'"):
        host.guidelines("radiology")


def test_every_hookspec_is_documented_and_prefixed():
    specs = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("pixtralogist_")]
    assert {f.__name__ for f in specs} == {"pixtralogist_register", "pixtralogist_guidelines", "pixtralogist_verify"}
    for f in specs:
        assert f.__doc__ and len(f.__doc__.strip()) > 40, f.__name__


def test_cli_lists_entry_point_plugin(tmp_path):
    make_dist(tmp_path, "thirdparty-dental", "thirdparty_dental", GOOD_PLUGIN, {"dental": "thirdparty_dental"})
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop(DISABLE_AUTOLOAD_ENV, None)
    out = subprocess.run([sys.executable, "-m", "pixtralogist", "plugins", "--json"], env=env,
                         capture_output=True, text=True, check=True, cwd=REPO.parent)
    data = json.loads(out.stdout)
    assert "dental" in data["specialties"] and "radiology" in data["specialties"]
    assert data["specialties"]["dental"]["templates"][0]["id"] == "dental-bitewing"


def test_the_guarded_call_reads_firstresult_from_the_hookspec():
    import pluggy

    from pixtralogist.core.plugins import call_hook

    spec = pluggy.HookspecMarker("probe")
    impl = pluggy.HookimplMarker("probe")

    class Specs:
        @spec(firstresult=True)
        def probe_first(self, x): ...

        @spec
        def probe_all(self, x): ...

    def plugin(name, value):
        class P:
            @impl
            def probe_first(self, x):
                if value is None:
                    raise RuntimeError(f"{name} broke")
                return value * x

            @impl
            def probe_all(self, x):
                return self.probe_first(x)
        return P()

    pm = pluggy.PluginManager("probe")
    pm.add_hookspecs(Specs)
    for name, value in (("a", 1), ("b", None), ("c", 3)):
        pm.register(plugin(name, value), name=name)
    errors = []
    on_error = lambda plugin_name, exc: errors.append((plugin_name, str(exc)))  # noqa: E731
    assert call_hook(pm, "probe_all", on_error, x=2) == [6, 2]  # LIFO, the broken one skipped
    assert errors == [("b", "b broke")]
    assert call_hook(pm, "probe_first", on_error, x=2) == [6]  # firstresult: the first non-None only
    assert call_hook(pm, "probe_all", on_error, plugins={"a"}, x=2) == [2]
