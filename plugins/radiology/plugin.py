"""The radiology plugin's hook implementations (registered as a built-in)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist import __version__
from pixtralogist.core.models import Case, GuidelineSnippet, ModelConfig, RouteScore, Specialty, Template
from pixtralogist.core.plugin import hookimpl

NAME = "radiology"
VERSION = __version__


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(
        name=NAME,
        label="Radiology",
        version=VERSION,
        description="Chest radiographs: region-organised findings (lung, heart, mediastinal, bone, others).",
    )


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.radiology.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist.plugins.radiology.routing import score_case

    return [score_case(case, "cxr")]


@lru_cache(maxsize=None)
def _sorter():
    from pixtralogist.plugins.radiology.sorter import ChestXraySorter

    return ChestXraySorter()


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME or template.id != "cxr":
        return None
    return _sorter()


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if specialty == NAME and model.backend != "offline":
        from pixtralogist.core.model_drafter import ModelDrafter

        return ModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    if specialty != NAME or template.id != "cxr" or model.backend != "offline":
        return None
    from pixtralogist.plugins.radiology.drafter import DictationDrafter

    return DictationDrafter(_sorter(), plugin_version=VERSION)


@hookimpl
def pixtralogist_model_config(specialty: str) -> ModelConfig | None:
    if specialty != NAME:
        return None
    return ModelConfig(backend="offline")


@lru_cache(maxsize=1)
def _snippets() -> tuple[GuidelineSnippet, ...]:
    from pixtralogist.core.guidelines import load_snippet_file

    return tuple(load_snippet_file(resources.files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml")))


@hookimpl
def pixtralogist_guidelines(specialty: str) -> list[GuidelineSnippet] | None:
    if specialty != NAME:
        return None
    return list(_snippets())


@hookimpl
def pixtralogist_verify(draft, case, template, snippets):
    if draft.specialty != NAME:
        return None
    from pixtralogist.plugins.radiology.rules import verify

    return verify(draft, case, template, snippets)
