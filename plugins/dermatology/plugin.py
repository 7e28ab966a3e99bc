"""The dermatology plugin's hook implementations (registered as a built-in)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist import __version__
from pixtralogist.core.models import Case, GuidelineSnippet, ModelConfig, RouteScore, Specialty, Template
from pixtralogist.core.plugin import hookimpl

NAME = "dermatology"
VERSION = __version__
TEMPLATE_ID = "skin_lesion"


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(
        name=NAME,
        label="Dermatology",
        version=VERSION,
        description="Skin lesions from clinical and dermoscopic photographs: morphology, size, color, border, "
                    "surface, site and dermoscopy, with ABCDE and 7-point checklist checks.",
    )


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.dermatology.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist.plugins.dermatology.routing import score_case

    return [score_case(case, TEMPLATE_ID)]


@lru_cache(maxsize=None)
def _sorter():
    from pixtralogist.plugins.dermatology.sorter import SkinLesionSorter

    return SkinLesionSorter()


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME or template.id != TEMPLATE_ID:
        return None
    return _sorter()


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if specialty != NAME or template.specialty != NAME:
        return None
    if model.backend != "offline":
        from pixtralogist.plugins.dermatology.drafter import DermatologyModelDrafter

        return DermatologyModelDrafter(model, plugin_version=VERSION)
    if template.id != TEMPLATE_ID:
        return None
    from pixtralogist.plugins.dermatology.drafter import DictationDrafter

    return DictationDrafter(_sorter(), plugin_version=VERSION)


@hookimpl
def pixtralogist_model_config(specialty: str) -> ModelConfig | None:
    if specialty != NAME:
        return None
    return ModelConfig(backend="offline")


@lru_cache(maxsize=1)
def _snippets() -> tuple[GuidelineSnippet, ...]:
    from pixtralogist.core.guidelines import load_snippet_file

    return tuple(load_snippet_file(
        resources.files("pixtralogist.plugins.dermatology").joinpath("data/guidelines.yaml"), specialty=NAME))


@hookimpl
def pixtralogist_guidelines(specialty: str) -> list[GuidelineSnippet] | None:
    if specialty != NAME:
        return None
    return list(_snippets())


@hookimpl
def pixtralogist_verify(draft, case, template, snippets):
    if draft.specialty != NAME:
        return None
    from pixtralogist.plugins.dermatology.rules import verify

    return verify(draft, case, template, snippets)


@hookimpl
def pixtralogist_examples(specialty: str):
    if specialty != NAME:
        return None
    from pixtralogist.plugins.dermatology.examples import examples

    return examples()
