"""The dental plugin's hook implementations (found through the ``pixtralogist`` entry point).

Every hook that takes a ``specialty`` returns ``None`` for other specialties, so
the plugin never answers for a specialty it does not provide.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

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
from pixtralogist.core.plugin import hookimpl

from pixtralogist_dental import NAME, __version__ as VERSION


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(name=NAME, label="Dental radiographs", version=VERSION,
                     description="Intra-oral (IO) and panoramic (PX) dental radiographs (example plugin).")


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist_dental.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist_dental.routing import score_case

    return [score_case(case)]


@lru_cache(maxsize=1)
def _sorter():
    from pixtralogist_dental.sorter import DentalSorter

    return DentalSorter()


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME or template.id != "dental":
        return None
    return _sorter()


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    # Only the offline engine here: for a model backend ('transformers' / 'openai') the
    # built-in fallback plugin supplies a ModelDrafter that prompts with this template.
    if specialty != NAME or template.id != "dental" or model.backend != "offline":
        return None
    from pixtralogist_dental.drafter import DentalDictationDrafter

    return DentalDictationDrafter(_sorter(), plugin=NAME, plugin_version=VERSION)


@hookimpl
def pixtralogist_model_config(specialty: str) -> ModelConfig | None:
    if specialty != NAME:
        return None
    # A plugin that ships a LoRA adapter would return e.g.
    # ModelConfig(backend="transformers", base_model=..., adapter=..., adapter_version="0.1.0").
    return ModelConfig(backend="offline")


@lru_cache(maxsize=1)
def _snippets() -> tuple[GuidelineSnippet, ...]:
    from pixtralogist.core.guidelines import load_snippet_file

    return tuple(load_snippet_file(resources.files("pixtralogist_dental").joinpath("data/guidelines.yaml"),
                                   specialty=NAME))


@hookimpl
def pixtralogist_guidelines(specialty: str) -> list[GuidelineSnippet] | None:
    if specialty != NAME:
        return None
    return list(_snippets())


@hookimpl
def pixtralogist_verify(draft: Draft, case: Case, template: Template,
                        snippets: list[GuidelineSnippet]) -> list[Flag] | None:
    if draft.specialty != NAME:
        return None
    from pixtralogist_dental.rules import verify

    return verify(draft, case, template, snippets)


@hookimpl
def pixtralogist_examples(specialty: str) -> list[ExampleCase] | None:
    if specialty != NAME:
        return None
    from pixtralogist_dental.examples import example_cases

    return list(example_cases())
