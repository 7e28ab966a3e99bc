"""The radiology plugin's hook implementations (registered as a built-in)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist import __version__
from pixtralogist.core.models import (
    Case,
    ExampleCase,
    GuidelineSnippet,
    ModelConfig,
    RouteScore,
    Specialty,
    Template,
)
from pixtralogist.core.plugin import hookimpl

NAME = "radiology"
VERSION = __version__


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(
        name=NAME,
        label="Radiology",
        version=VERSION,
        description=(
            "Chest radiographs (lung, heart, mediastinal, bone, others), CT chest (lungs and airways, pleura, "
            "mediastinum and hila, heart and great vessels, chest wall and bones, upper abdomen, others) and "
            "brain MRI (parenchyma, ventricles and extra-axial spaces, vessels, skull and soft tissues, others): "
            "region-organised findings."
        ),
    )


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.radiology.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist.plugins.radiology.routing import score_all

    return score_all(case)


@lru_cache(maxsize=None)
def _sorter():
    from pixtralogist.plugins.radiology.sorter import ChestXraySorter

    return ChestXraySorter()


def _template_sorter(template_id: str):
    if template_id == "cxr":
        return _sorter()
    from pixtralogist.plugins.radiology.region_sorters import LEXICON_TEMPLATES, sorter_for

    return sorter_for(template_id) if template_id in LEXICON_TEMPLATES else None


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME:
        return None
    return _template_sorter(template.id)


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if specialty == NAME and model.backend != "offline":
        from pixtralogist.core.model_drafter import ModelDrafter

        return ModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    if specialty != NAME or model.backend != "offline":
        return None
    sorter = _template_sorter(template.id)
    if sorter is None:
        return None
    from pixtralogist.plugins.radiology.drafter import DictationDrafter

    return DictationDrafter(sorter, plugin_version=VERSION, template=template.id)


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


@hookimpl
def pixtralogist_examples(specialty: str) -> list[ExampleCase] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.radiology.examples import radiology_examples

    return radiology_examples()
