"""The specialty registry: what a plugin hands the host in its ``pixtralogist_register`` hook.

A plugin adds one :class:`SpecialtyBundle` per specialty it provides::

    @hookimpl
    def pixtralogist_register(registry):
        registry.add(SpecialtyBundle(
            specialty=Specialty(name="dental", label="Dental radiographs", version="0.1.0"),
            templates=load_templates,          # a sequence, or a function returning one (called once)
            sorter=lambda template: ...,        # optional factories (template -> object or None)
            drafter=lambda template, model: ...,
            rules=verify,                       # checks of this specialty's drafts
            guidelines=load_snippets, examples=examples,
        ))

The host then asks the bundle of the routed specialty for its templates, sorter, drafter,
rules, guideline corpus, examples and default model: no hook implementation checks
"is this my specialty?". Hooks that cross plugins (``pixtralogist_verify``,
``pixtralogist_guidelines``) stay hooks (:mod:`pixtralogist.core.hookspecs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar, Union

from pixtralogist.core.errors import DuplicateRegistrationError
from pixtralogist.core.models import (
    Case,
    Draft,
    ExampleCase,
    Flag,
    GuidelineSnippet,
    ModelConfig,
    Specialty,
    Template,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.core.protocols import Drafter, RegionSorter
    from pixtralogist.core.routing import Evidence

__all__ = ["Registry", "SpecialtyBundle", "guideline_file", "lazy", "load", "template_file"]

T = TypeVar("T")
#: A sequence, or a function of no argument returning one (called when first needed).
Loader = Union[Sequence[T], Callable[[], Sequence[T]]]


def load(loader: "Loader[T]") -> list[T]:
    """The items of a :data:`Loader`."""
    return list(loader() if callable(loader) else loader)


def lazy(target: str, *bound: Any) -> Callable[..., Any]:
    """``"package.module:function"`` as a function that imports it on first call (so registering a
    bundle imports nothing heavy); ``bound`` arguments go first."""
    module, _, attr = target.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), attr)(*bound, *args, **kwargs)

    call.__qualname__ = call.__name__ = f"lazy({target})"
    return call


def guideline_file(package: str, specialty: str | None = None, path: str = "data/guidelines.yaml"
                   ) -> Callable[[], list[GuidelineSnippet]]:
    """A loader of the guideline snippets in ``path`` inside ``package`` (see :mod:`pixtralogist.core.guidelines`)."""

    def snippets() -> list[GuidelineSnippet]:
        from importlib import resources

        from pixtralogist.core.guidelines import load_snippet_file

        kwargs = {"specialty": specialty} if specialty else {}
        return load_snippet_file(resources.files(package).joinpath(path), **kwargs)

    return snippets


def template_file(package: str, path: str = "data/templates.yaml") -> Callable[[], list[Template]]:
    """A loader of the templates in the YAML list ``path`` inside ``package`` (validated, read once)."""
    from functools import lru_cache

    @lru_cache(maxsize=1)
    def templates() -> tuple[Template, ...]:
        from importlib import resources

        from pixtralogist.core.yamlio import safe_load as safe_load_yaml

        text = resources.files(package).joinpath(path).read_text("utf-8")
        return tuple(Template.model_validate(item) for item in safe_load_yaml(text))

    return lambda: list(templates())


@dataclass(frozen=True)
class SpecialtyBundle:
    """Everything one specialty brings (see ``docs/plugins.md``).

    :ivar specialty: name, label, version, description.
    :ivar templates: the report templates (YAML data, each with its routing signals and export code).
    :ivar sorter: ``sorter(template) -> RegionSorter | None``: sorts dictated sentences into the
        template's regions.
    :ivar drafter: ``drafter(template, model) -> Drafter | None``: drafts a report. ``None`` (or a
        factory returning ``None`` for a model backend) leaves model backends to the host's generic
        :class:`~pixtralogist.core.model_drafter.ModelDrafter`.
    :ivar rules: ``rules(draft, case, template, snippets) -> list[Flag]``: checks of this specialty's
        drafts, called only for them.
    :ivar guidelines: the specialty's guideline corpus (other plugins may add snippets through the
        ``pixtralogist_guidelines`` hook).
    :ivar guideline_vectors: ``() -> SnippetVectors | None``: the corpus's precomputed vectors
        (:mod:`pixtralogist.core.snippet_vectors`), so that a fresh index does not embed them.
    :ivar examples: example cases with synthetic images.
    :ivar model: the default model/adapter configuration (site configuration overrides it).
    :ivar lexicon: the specialty's vocabulary (concepts, synonyms, regions) for the clinical-language kit.
    :ivar signals: bespoke routing evidence beyond what the templates declare:
        ``signals(case, template) -> Evidence | None`` (e.g. an image-colour cue).
    :ivar plugin: the registered plugin that added the bundle (set by the registry).
    """

    specialty: Specialty
    templates: Loader[Template]
    sorter: "Callable[[Template], RegionSorter | None] | None" = None
    drafter: "Callable[[Template, ModelConfig], Drafter | None] | None" = None
    rules: Callable[[Draft, Case, Template, list[GuidelineSnippet]], "list[Flag] | None"] | None = None
    guidelines: Loader[GuidelineSnippet] = ()
    guideline_vectors: "Callable[[], Any] | None" = None
    examples: Loader[ExampleCase] = ()
    model: ModelConfig = field(default_factory=ModelConfig)
    lexicon: Any = None
    signals: "Callable[[Case, Template], Evidence | None] | None" = None
    plugin: str = ""

    @property
    def name(self) -> str:
        return self.specialty.name

    @classmethod
    def from_package(cls, package: str, specialty: Specialty, **fields: Any) -> "SpecialtyBundle":
        """A bundle laid out the built-ins' way: ``<package>.templates:load_templates``,
        ``<package>.rules:verify``, ``<package>.examples:examples`` (each imported when first
        needed), ``<package>/data/guidelines.yaml`` and its precomputed vectors
        ``<package>/data/guidelines.vectors.npz`` (if shipped); ``fields`` add to or replace them."""
        defaults: dict[str, Any] = {
            "templates": lazy(f"{package}.templates:load_templates"), "rules": lazy(f"{package}.rules:verify"),
            "guidelines": guideline_file(package, specialty.name), "examples": lazy(f"{package}.examples:examples"),
            "guideline_vectors": lazy("pixtralogist.core.snippet_vectors:package_vectors", package),
        }
        return cls(specialty=specialty, **{**defaults, **fields})


class Registry:
    """The specialties plugins registered, by name; :meth:`add` rejects a second bundle of a name."""

    def __init__(self) -> None:
        self._bundles: dict[str, SpecialtyBundle] = {}
        #: The plugin whose ``pixtralogist_register`` is running (set by the host).
        self.current_plugin = ""

    def add(self, bundle: SpecialtyBundle) -> None:
        """Register ``bundle``.

        :raises TypeError: ``bundle`` is not a :class:`SpecialtyBundle`.
        :raises DuplicateRegistrationError: its specialty name is taken; the message names both plugins.
        """
        if not isinstance(bundle, SpecialtyBundle):
            raise TypeError(f"registry.add() takes a SpecialtyBundle, not {type(bundle).__name__}")
        Specialty.model_validate(bundle.specialty.model_dump())
        name = bundle.specialty.name
        if name in self._bundles:
            first = self._bundles[name].plugin or "another plugin"
            raise DuplicateRegistrationError(
                f"specialty {name!r} is already registered by {first}; give this plugin's specialty another "
                f"name, or extend {name!r} through the pixtralogist_guidelines / pixtralogist_verify hooks "
                f"instead of registering it again")
        from dataclasses import replace

        self._bundles[name] = replace(bundle, plugin=bundle.plugin or self.current_plugin)

    def get(self, name: str) -> SpecialtyBundle | None:
        return self._bundles.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._bundles

    def __iter__(self) -> Iterator[SpecialtyBundle]:
        return iter(self._bundles.values())

    def __len__(self) -> int:
        return len(self._bundles)

    def names(self) -> list[str]:
        return list(self._bundles)
