"""The plugin manager: built-in plugins, entry-point discovery, typed hook calls.

Use :func:`get_plugin_manager` (a factory, never an import-time global):

>>> from pixtralogist.core.plugins import get_plugin_manager
>>> plugins = get_plugin_manager()
>>> sorted(plugins.specialties())            # doctest: +SKIP
['dermatology', 'ophthalmology', 'pathology', 'radiology']

Third-party plugins are found through the ``pixtralogist`` entry-point group
unless ``PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD`` is set. A plugin that fails to
import, to register, or whose hook raises, is reported in
:attr:`PluginHost.failures` and skipped: it never takes the host down.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pluggy

from pixtralogist.core import hookspecs
from pixtralogist.core.errors import DuplicateRegistrationError, PluginError, UnknownSpecialtyError
from pixtralogist.core.models import (
    Case,
    Draft,
    ExampleCase,
    Flag,
    GuidelineSnippet,
    ModelConfig,
    RouteScore,
    Specialty,
    Template,
)
from pixtralogist.core.protocols import Drafter, RegionSorter

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "pixtralogist"
DISABLE_AUTOLOAD_ENV = "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD"

#: Built-in plugins, registered explicitly in this order.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "pixtralogist.plugins.radiology.plugin",
    "pixtralogist.plugins.pathology.plugin",
    "pixtralogist.plugins.dermatology.plugin",
    "pixtralogist.plugins.ophthalmology.plugin",
    "pixtralogist.core.model_plugin",
)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or whose hook failed."""

    plugin: str
    stage: str  # "import", "register", "hook:<name>", "result:<name>"
    error: str


@dataclass
class PluginHost:
    """Typed access to the hooks, one method per hook, with failure isolation."""

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    #: Site configuration (:func:`pixtralogist.core.config.load_settings`); when set, its model
    #: settings override the plugins' defaults in :meth:`model_config`.
    settings: Any = None

    # -- low level -------------------------------------------------------------

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    def _call(self, hook: str, *, first: bool = False, **kwargs: Any) -> list[Any]:
        """Call every implementation of ``hook`` separately (LIFO, like pluggy).

        An implementation that raises is reported and skipped. With
        ``first=True`` the first non-None result is returned alone.
        """
        caller = getattr(self.pm.hook, hook)
        results: list[Any] = []
        for impl in reversed(caller.get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                res = impl.function(**args)
            except Exception as exc:  # a broken plugin must not crash the host
                self._fail(impl.plugin_name, f"hook:{hook}", exc)
                continue
            if res is not None:
                results.append(res)
                if first:
                    break
        return results

    def _fail(self, plugin: str, stage: str, exc: BaseException | str) -> None:
        msg = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        failure = PluginFailure(plugin=plugin, stage=stage, error=msg)
        if failure not in self.failures:
            self.failures.append(failure)
            log.warning("plugin %s failed at %s: %s", plugin, stage, msg)

    def _owner(self, result: Any, hook: str, **kwargs: Any) -> str:
        caller = getattr(self.pm.hook, hook)
        for impl in caller.get_hookimpls():
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                if impl.function(**args) is result:
                    return impl.plugin_name
            except Exception:
                continue
        return "?"

    def _typed(self, items: Iterable[Any], cls: type, hook: str) -> list[Any]:
        out = []
        for item in items:
            if isinstance(item, cls):
                out.append(item)
            else:
                self._fail("?", f"result:{hook}", f"expected {cls.__name__}, got {type(item).__name__}")
        return out

    # -- identity --------------------------------------------------------------

    def specialties(self) -> dict[str, Specialty]:
        """Installed specialties by name (first registered wins on a clash, the clash is reported)."""
        out: dict[str, Specialty] = {}
        for spec in reversed(self._typed(self._call("pixtralogist_specialty"), Specialty, "pixtralogist_specialty")):
            if spec.name in out:
                self._fail(spec.name, "result:pixtralogist_specialty", f"specialty {spec.name!r} declared twice")
                continue
            out[spec.name] = spec
        return out

    def specialty(self, name: str) -> Specialty:
        specs = self.specialties()
        key = (name or "").strip().lower()
        if key not in specs:
            raise UnknownSpecialtyError(
                f"no installed plugin provides the specialty {name!r}; installed: {', '.join(sorted(specs)) or 'none'}"
            )
        return specs[key]

    def templates(self, specialty: str | None = None) -> list[Template]:
        """Templates of one specialty, or of all when ``specialty`` is None."""
        names = [specialty] if specialty else list(self.specialties())
        out: list[Template] = []
        seen: set[str] = set()
        for name in names:
            for group in self._call("pixtralogist_templates", specialty=name):
                for tpl in self._typed(group, Template, "pixtralogist_templates"):
                    if tpl.id in seen:
                        self._fail(tpl.specialty, "result:pixtralogist_templates", f"template id {tpl.id!r} registered twice")
                        continue
                    seen.add(tpl.id)
                    out.append(tpl)
        return out

    def template(self, template_id: str) -> Template:
        for tpl in self.templates():
            if tpl.id == template_id:
                return tpl
        known = ", ".join(t.id for t in self.templates())
        raise PluginError(f"no template {template_id!r}; installed templates: {known}")

    # -- routing ---------------------------------------------------------------

    def route(self, case: Case) -> list[RouteScore]:
        """Every plugin's scores for ``case``, best first (ties keep registration order)."""
        scores: list[RouteScore] = []
        for group in self._call("pixtralogist_route", case=case):
            group = [group] if isinstance(group, RouteScore) else group
            scores.extend(self._typed(group, RouteScore, "pixtralogist_route"))
        return sorted(scores, key=lambda s: -s.score)

    # -- drafting --------------------------------------------------------------

    def model_config(self, specialty: str) -> ModelConfig:
        """The plugin's default model configuration, with the site settings over it when the host has any.

        Raises :class:`~pixtralogist.core.errors.ConfigError` when the site settings cannot work.
        """
        res = self._call("pixtralogist_model_config", first=True, specialty=specialty)
        default = res[0] if res and isinstance(res[0], ModelConfig) else ModelConfig()
        if self.settings is not None:
            return self.settings.model_for(specialty, default)
        return default

    def drafter(self, specialty: str, template: Template, model: ModelConfig | None = None) -> Drafter:
        model = model or self.model_config(specialty)
        res = self._call("pixtralogist_drafter", first=True, specialty=specialty, template=template, model=model)
        if not res or not isinstance(res[0], Drafter):
            raise PluginError(
                f"no plugin provides a drafter for specialty {specialty!r}, template {template.id!r}, "
                f"backend {model.backend!r}"
            )
        return res[0]

    def region_sorter(self, specialty: str, template: Template) -> RegionSorter:
        res = self._call("pixtralogist_region_sorter", first=True, specialty=specialty, template=template)
        if not res or not isinstance(res[0], RegionSorter):
            raise PluginError(f"no plugin provides a region sorter for template {template.id!r}")
        return res[0]

    # -- knowledge and checks --------------------------------------------------

    def guidelines(self, specialty: str) -> list[GuidelineSnippet]:
        out: list[GuidelineSnippet] = []
        seen: set[str] = set()
        for group in self._call("pixtralogist_guidelines", specialty=specialty):
            for snip in self._typed(group, GuidelineSnippet, "pixtralogist_guidelines"):
                if snip.id in seen:
                    raise DuplicateRegistrationError(
                        f"guideline snippet id {snip.id!r} is registered twice; give each snippet a unique id"
                    )
                seen.add(snip.id)
                out.append(snip)
        return out

    def examples(self, specialty: str) -> list[ExampleCase]:
        """The example cases of ``specialty`` (a wrong-typed result is reported and skipped; the
        first example of an id wins)."""
        seen: dict[str, ExampleCase] = {}
        for group in self._call("pixtralogist_examples", specialty=specialty):
            for ex in self._typed(group or [], ExampleCase, "pixtralogist_examples"):
                seen.setdefault(ex.id, ex)
        return list(seen.values())

    def verify(self, draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
        flags: list[Flag] = []
        for group in self._call("pixtralogist_verify", draft=draft, case=case, template=template, snippets=snippets):
            flags.extend(self._typed(group, Flag, "pixtralogist_verify"))
        return flags


def _register(host: PluginHost, plugin: object, name: str) -> bool:
    try:
        host.pm.register(plugin, name=name)
    except Exception as exc:  # PluginValidationError, ValueError (duplicate name), ...
        host._fail(name, "register", exc)
        return False
    unknown = [
        attr
        for attr in dir(plugin)
        if attr.startswith(f"{hookspecs.PROJECT}_") and not hasattr(hookspecs, attr) and callable(getattr(plugin, attr))
    ]
    if unknown:
        host.pm.unregister(plugin)
        host._fail(name, "register", f"unknown hook(s) {unknown}; see pixtralogist.core.hookspecs for the names")
        return False
    return True


def _load_entry_points(host: PluginHost, group: str) -> None:
    for ep in importlib.metadata.entry_points(group=group):
        if host.pm.has_plugin(ep.name) or host.pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            host._fail(ep.name, "import", exc)
            continue
        _register(host, plugin, ep.name)


def autoload_enabled(env: dict[str, str] | None = None) -> bool:
    value = (env if env is not None else os.environ).get(DISABLE_AUTOLOAD_ENV, "")
    return value.strip().lower() in ("", "0", "false", "no")


def get_plugin_manager(
    *,
    autoload: bool | None = None,
    builtins: Iterable[str] = BUILTIN_PLUGINS,
    extra: Iterable[object] = (),
    entry_point_group: str = ENTRY_POINT_GROUP,
    settings: Any = None,
) -> PluginHost:
    """Build a fresh plugin host.

    :param autoload: load third-party plugins from entry points; ``None``
        means "unless ``PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD`` is set".
    :param builtins: module names of built-in plugins to register.
    :param extra: plugin objects or modules to register as well (tests, embedding apps).
    :param settings: site configuration (:class:`pixtralogist.core.config.Settings`) whose model
        settings override the plugins' defaults; ``None`` uses the plugin defaults only.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm=pm, settings=settings)
    for modname in builtins:
        try:
            module = importlib.import_module(modname)
        except Exception as exc:
            host._fail(modname, "import", exc)
            continue
        _register(host, module, modname)
    for plugin in extra:
        _register(host, plugin, getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{id(plugin)}")
    if autoload if autoload is not None else autoload_enabled():
        _load_entry_points(host, entry_point_group)
    return host


HookCaller = Callable[..., Any]


def get_site_plugin_manager(config: Any = None, **kwargs: Any) -> PluginHost:
    """The plugin host the app and the CLI use: plugins plus the site configuration.

    :param config: path of the site YAML file; ``None`` finds it as
        :func:`pixtralogist.core.config.load_settings` does (``PIXTRALOGIST_CONFIG``,
        then ``$PIXTRALOGIST_HOME/config.yaml``), and no file means plugin defaults.
    :param kwargs: passed on to :func:`get_plugin_manager`.
    """
    from pixtralogist.core.config import load_settings

    return get_plugin_manager(settings=load_settings(config), **kwargs)
