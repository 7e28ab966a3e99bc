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

from conftest import REPO, make_dist

GOOD_PLUGIN = '''
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.models import Specialty, Template, RegionSpec, ImpressionRules, RouteScore

@hookimpl
def pixtralogist_specialty():
    return Specialty(name="dental", label="Dental radiographs", version="0.1.0")

@hookimpl
def pixtralogist_templates(specialty):
    if specialty != "dental":
        return None
    return [Template(id="dental-bitewing", specialty="dental", title="Bitewing",
                     regions=[RegionSpec(name="teeth", label="Teeth", normal="No caries.")],
                     impression=ImpressionRules(normal="Normal bitewing."))]

@hookimpl
def pixtralogist_route(case):
    score = 0.9 if "tooth" in case.notes else 0.0
    return [RouteScore(specialty="dental", template_id="dental-bitewing", score=score)]
'''


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
        def pixtralogist_specialty(self):
            return Specialty(name="extra", label="Extra", version="1")

    host = get_plugin_manager(autoload=False, extra=[Extra()])
    assert set(host.specialties()) >= {"radiology", "extra"}


def test_entry_point_plugin_is_discovered(tmp_path, on_sys_path):
    on_sys_path(make_dist(tmp_path, "thirdparty-dental", "thirdparty_dental", GOOD_PLUGIN,
                          {"dental": "thirdparty_dental"}))
    host = get_plugin_manager(autoload=True)
    assert host.failures == []
    assert "dental" in host.specialties()
    assert [t.id for t in host.templates("dental")] == ["dental-bitewing"]
    best = host.route(Case(notes="chipped tooth"))[0]
    assert (best.specialty, best.score) == ("dental", 0.9)


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
def pixtralogist_specialtyy():
    return None
''', {"typo": "thirdparty_typo"})
    make_dist(tmp_path / "c", "thirdparty-raises", "thirdparty_raises", '''
from pixtralogist.core.plugin import hookimpl
@hookimpl
def pixtralogist_route(case):
    raise ValueError("scoring exploded")
@hookimpl
def pixtralogist_specialty():
    return "not a Specialty"
''', {"raises": "thirdparty_raises"})
    make_dist(tmp_path / "d", "thirdparty-badargs", "thirdparty_badargs", '''
from pixtralogist.core.plugin import hookimpl
@hookimpl
def pixtralogist_templates(specialty, extra_argument):
    return []
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
    assert ("raises", "hook") in stages
    assert any(f.stage == "result:pixtralogist_specialty" for f in host.failures)
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
    assert len(specs) >= 8
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
