"""The plugin manager: built-in plugins, entry-point discovery, typed hook calls.

Use :func:`get_plugin_manager` (a factory, never an import-time global):

>>> from pixtralogist.core.plugins import get_plugin_manager
>>> plugins = get_plugin_manager()
>>> sorted(plugins.specialties())            # doctest: +SKIP
['dermatology', 'ophthalmology', 'pathology', 'radiology']

Third-party plugins are found through the ``pixtralogist`` entry-point group
unless ``PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD`` is set. Each plugin adds its
specialty bundles in ``pixtralogist_register`` (:mod:`pixtralogist.core.registry`);
the host dispatches per-specialty work to the bundle of that specialty. A plugin
that fails to import, to register, or whose hook or bundle function raises, is
reported in :attr:`PluginHost.failures` and skipped: it never takes the host down.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pluggy

from pixtralogist import __version__
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
from pixtralogist.core.registry import Registry, SpecialtyBundle, load

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "pixtralogist"
#: The plugin name the generic model drafter records in provenance (``Provenance.plugin``).
GENERIC_MODEL_PLUGIN = "model"
DISABLE_AUTOLOAD_ENV = "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD"

#: Built-in plugins, registered explicitly in this order.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "pixtralogist.plugins.radiology.plugin",
    "pixtralogist.plugins.pathology.plugin",
    "pixtralogist.plugins.dermatology.plugin",
    "pixtralogist.plugins.ophthalmology.plugin",
)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or whose hook failed."""

    plugin: str
    stage: str  # "import", "register", "hook:<name>", "result:<name>"
    error: str


def call_hook(pm: pluggy.PluginManager, hook: str, on_error: Callable[[str, BaseException], None], *,
              plugins: set[str] | None = None, **kwargs: Any) -> list[Any]:
    """Call every implementation of ``hook`` separately (LIFO, like pluggy), isolating failures.

    The one guarded call the host and the contract checker (:mod:`pixtralogist.core.testing`) share:
    an implementation that raises is passed to ``on_error(plugin_name, exc)`` and skipped; ``None``
    results are dropped; when the hookspec says ``firstresult`` the first non-None result is returned
    alone. ``plugins`` limits the call to those registered plugin names.
    """
    caller = getattr(pm.hook, hook)
    first = bool(caller.spec and caller.spec.opts.get("firstresult"))
    results: list[Any] = []
    for impl in reversed(caller.get_hookimpls()):
        if plugins is not None and impl.plugin_name not in plugins:
            continue
        try:
            res = impl.function(**{name: kwargs[name] for name in impl.argnames})
        except Exception as exc:  # a broken plugin must not crash the host
            on_error(impl.plugin_name, exc)
            continue
        if res is not None:
            results.append(res)
            if first:
                break
    return results


@dataclass
class PluginHost:
    """Typed access to the registered specialties and the cross-plugin hooks, with failure isolation."""

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)
    #: Site configuration (:func:`pixtralogist.core.config.load_settings`); when set, its model
    #: settings override the plugins' defaults in :meth:`model_config`.
    settings: Any = None
    _registry: Registry | None = field(default=None, repr=False)
    _loaded: dict[tuple[str, str], list[Any]] = field(default_factory=dict, repr=False)

    # -- low level -------------------------------------------------------------

    def plugin_names(self) -> list[str]:
        return [name for name, _ in self.pm.list_name_plugin()]

    def _call(self, hook: str, **kwargs: Any) -> list[Any]:
        return call_hook(self.pm, hook, lambda plugin, exc: self._fail(plugin, f"hook:{hook}", exc), **kwargs)

    def _fail(self, plugin: str, stage: str, exc: BaseException | str) -> None:
        msg = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        failure = PluginFailure(plugin=plugin, stage=stage, error=msg)
        if failure not in self.failures:
            self.failures.append(failure)
            log.warning("plugin %s failed at %s: %s", plugin, stage, msg)

    def _typed(self, items: Iterable[Any], cls: type, what: str, plugin: str = "?") -> list[Any]:
        out = []
        for item in items:
            if isinstance(item, cls):
                out.append(item)
            else:
                self._fail(plugin, f"result:{what}", f"expected {cls.__name__}, got {type(item).__name__}")
        return out

    # -- the registry ----------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """The specialty bundles every plugin added in ``pixtralogist_register`` (built on first use)."""
        if self._registry is None:
            registry = Registry()
            for impl in self.pm.hook.pixtralogist_register.get_hookimpls():
                registry.current_plugin = impl.plugin_name
                try:
                    impl.function(**{name: registry for name in impl.argnames})
                except Exception as exc:  # a duplicate or a broken plugin is reported, never fatal
                    self._fail(impl.plugin_name, "hook:pixtralogist_register", exc)
            registry.current_plugin = ""
            self._registry = registry
        return self._registry

    def bundle(self, specialty: str) -> SpecialtyBundle:
        """The bundle of ``specialty``; :class:`UnknownSpecialtyError` when no plugin registered it."""
        key = (specialty or "").strip().lower()
        found = self.registry.get(key)
        if found is None:
            raise UnknownSpecialtyError(f"no installed plugin provides the specialty {specialty!r}; installed: "
                                        f"{', '.join(sorted(self.registry.names())) or 'none'}")
        return found

    def _load(self, bundle: SpecialtyBundle, part: str, cls: type) -> list[Any]:
        """A bundle's templates / guidelines / examples, loaded once per host; a loader that raises is reported."""
        key = (bundle.name, part)
        if key not in self._loaded:
            try:
                items = load(getattr(bundle, part))
            except Exception as exc:
                self._fail(bundle.plugin, f"bundle:{part}", exc)
                items = []
            self._loaded[key] = self._typed(items, cls, part, bundle.plugin)
        return self._loaded[key]

    # -- identity --------------------------------------------------------------

    def specialties(self) -> dict[str, Specialty]:
        """Installed specialties by name, in registration order."""
        return {b.name: b.specialty for b in self.registry}

    def specialty(self, name: str) -> Specialty:
        return self.bundle(name).specialty

    def templates(self, specialty: str | None = None) -> list[Template]:
        """Templates of one specialty, or of all when ``specialty`` is None, in registration order.

        A template id registered twice (the first registration wins) or a template naming another
        specialty is reported and skipped.
        """
        if specialty:
            self.bundle(specialty)  # UnknownSpecialtyError for a specialty nobody registered
        out: list[Template] = []
        seen: set[str] = set()
        for b in self.registry:
            for tpl in self._load(b, "templates", Template):
                if tpl.specialty != b.name:
                    self._fail(b.plugin, "result:templates",
                               f"template {tpl.id!r} says specialty {tpl.specialty!r}, registered under {b.name!r}")
                elif tpl.id in seen:
                    self._fail(b.plugin, "result:templates", f"template id {tpl.id!r} registered twice; give each "
                               "template a unique id (prefix it with the specialty)")
                else:
                    seen.add(tpl.id)
                    out.append(tpl)
        return [t for t in out if specialty is None or t.specialty == specialty.strip().lower()]

    def template(self, template_id: str) -> Template:
        for tpl in self.templates():
            if tpl.id == template_id:
                return tpl
        known = ", ".join(t.id for t in self.templates())
        raise PluginError(f"no template {template_id!r}; installed templates: {known}")

    # -- routing ---------------------------------------------------------------

    def route(self, case: Case) -> list[RouteScore]:
        """Scores of every installed template for ``case`` (the templates' declared signals, the bundles'
        bespoke signals, competition between specialties), best first; ties keep registration order."""
        from pixtralogist.core.routing import score_templates

        bespoke = {}
        for b in self.registry:
            if b.signals is not None:
                bespoke[b.name] = self._guarded(b, "signals", b.signals)
        return sorted(score_templates(case, self.templates(), bespoke), key=lambda s: -s.score)

    def _guarded(self, bundle: SpecialtyBundle, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn`` with a raise reported as the bundle's failure (and ``None`` returned)."""

        def call(*args: Any) -> Any:
            try:
                return fn(*args)
            except Exception as exc:
                self._fail(bundle.plugin, f"bundle:{part}", exc)
                return None

        return call

    # -- drafting --------------------------------------------------------------

    def model_config(self, specialty: str) -> ModelConfig:
        """The specialty's default model configuration, with the site settings over it when the host has any.

        Raises :class:`~pixtralogist.core.errors.ConfigError` when the site settings cannot work.
        """
        found = self.registry.get(specialty)
        default = found.model if found is not None else ModelConfig()
        if self.settings is not None:
            return self.settings.model_for(specialty, default)
        return default

    def drafter(self, specialty: str, template: Template, model: ModelConfig | None = None) -> Drafter:
        """The bundle's drafter for ``template``; for a model backend the bundle does not handle, the
        generic :class:`~pixtralogist.core.model_drafter.ModelDrafter` (prompted from the template)."""
        bundle = self.bundle(specialty)
        model = model or self.model_config(specialty)
        made = self._guarded(bundle, "drafter", bundle.drafter)(template, model) if bundle.drafter else None
        if made is None and model.backend != "offline":
            from pixtralogist.core.model_drafter import ModelDrafter

            made = ModelDrafter(model, specialty=specialty, plugin=GENERIC_MODEL_PLUGIN, plugin_version=__version__)
        if not isinstance(made, Drafter):
            raise PluginError(
                f"no plugin provides a drafter for specialty {specialty!r}, template {template.id!r}, "
                f"backend {model.backend!r}")
        return made

    def region_sorter(self, specialty: str, template: Template) -> RegionSorter:
        bundle = self.bundle(specialty)
        made = self._guarded(bundle, "sorter", bundle.sorter)(template) if bundle.sorter else None
        if not isinstance(made, RegionSorter):
            raise PluginError(f"no plugin provides a region sorter for template {template.id!r}")
        return made

    # -- knowledge and checks --------------------------------------------------

    def guidelines(self, specialty: str) -> list[GuidelineSnippet]:
        """The specialty's guideline corpus plus the snippets other plugins add through the hook."""
        out: list[GuidelineSnippet] = []
        seen: set[str] = set()
        found = self.registry.get(specialty)
        groups = [self._load(found, "guidelines", GuidelineSnippet)] if found is not None else []
        groups += self._call("pixtralogist_guidelines", specialty=specialty)
        for group in groups:
            for snip in self._typed(group, GuidelineSnippet, "pixtralogist_guidelines"):
                if snip.id in seen:
                    raise DuplicateRegistrationError(
                        f"guideline snippet id {snip.id!r} is registered twice; give each snippet a unique id"
                    )
                seen.add(snip.id)
                out.append(snip)
        return out

    def guideline_vectors(self, specialty: str) -> Any:
        """The precomputed vectors of the specialty's guideline corpus
        (:class:`~pixtralogist.core.snippet_vectors.SnippetVectors`), or None (then the index embeds
        them). Snippets other plugins add have none: they are embedded."""
        found = self.registry.get(specialty)
        if found is None or found.guideline_vectors is None:
            return None
        key = (found.name, "guideline_vectors")
        if key not in self._loaded:
            try:
                self._loaded[key] = [found.guideline_vectors()]
            except Exception as exc:
                self._fail(found.plugin, "bundle:guideline_vectors", exc)
                self._loaded[key] = [None]
        return self._loaded[key][0]

    def examples(self, specialty: str) -> list[ExampleCase]:
        """The example cases of ``specialty`` (a wrong-typed one is reported and skipped; the first of an id wins)."""
        found = self.registry.get(specialty)
        seen: dict[str, ExampleCase] = {}
        for ex in self._load(found, "examples", ExampleCase) if found is not None else []:
            seen.setdefault(ex.id, ex)
        return list(seen.values())

    def verify(self, draft: Draft, case: Case, template: Template, snippets: list[GuidelineSnippet]) -> list[Flag]:
        """The rules of the draft's specialty, then every plugin's ``pixtralogist_verify``."""
        flags: list[Flag] = []
        found = self.registry.get(draft.specialty)
        groups = []
        if found is not None and found.rules is not None:
            groups.append(self._guarded(found, "rules", found.rules)(draft, case, template, snippets) or [])
        groups += self._call("pixtralogist_verify", draft=draft, case=case, template=template, snippets=snippets)
        for group in groups:
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
    host._registry = None  # the next use asks every plugin, this one included, to register again
    host._loaded.clear()
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


def get_site_plugin_manager(config: Any = None, **kwargs: Any) -> PluginHost:
    """The plugin host the app and the CLI use: plugins plus the site configuration.

    :param config: path of the site YAML file; ``None`` finds it as
        :func:`pixtralogist.core.config.load_settings` does (``PIXTRALOGIST_CONFIG``,
        then ``$PIXTRALOGIST_HOME/config.yaml``), and no file means plugin defaults.
    :param kwargs: passed on to :func:`get_plugin_manager`.
    """
    from pixtralogist.core.config import load_settings

    return get_plugin_manager(settings=load_settings(config), **kwargs)
