"""The pathology plugin's hook implementations (registered as a built-in)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist import __version__
from pixtralogist.core.models import Case, ExampleCase, GuidelineSnippet, ModelConfig, RouteScore, Specialty, Template
from pixtralogist.core.plugin import hookimpl

NAME = "pathology"
VERSION = __version__


def _ours(template: Template) -> bool:
    from pixtralogist.plugins.pathology.templates import load_templates

    return template.specialty == NAME and template.id in {t.id for t in load_templates()}


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(
        name=NAME,
        label="Pathology",
        version=VERSION,
        description="Surgical pathology: CAP-style synoptic reports (breast resection), Nottingham grade checks.",
    )


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.pathology.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist.plugins.pathology.routing import score_case

    return [score_case(case, "breast-resection")]


@lru_cache(maxsize=None)
def _sorter(regions: tuple[str, ...]):
    from pixtralogist.plugins.pathology.sorter import SynopticSorter

    return SynopticSorter(regions)


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME or not _ours(template):
        return None
    return _sorter(tuple(template.region_names))


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if specialty != NAME:
        return None
    if model.backend != "offline":
        from pixtralogist.plugins.pathology.drafter import PathologyModelDrafter

        return PathologyModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    if not _ours(template):
        return None
    from pixtralogist.plugins.pathology.drafter import SynopticDictationDrafter

    return SynopticDictationDrafter(_sorter(tuple(template.region_names)), plugin_version=VERSION)


@hookimpl
def pixtralogist_model_config(specialty: str) -> ModelConfig | None:
    if specialty != NAME:
        return None
    return ModelConfig(backend="offline")


@lru_cache(maxsize=1)
def _snippets() -> tuple[GuidelineSnippet, ...]:
    from pixtralogist.core.guidelines import load_snippet_file

    return tuple(load_snippet_file(resources.files("pixtralogist.plugins.pathology").joinpath("data/guidelines.yaml"),
                                   specialty=NAME))


@hookimpl
def pixtralogist_guidelines(specialty: str) -> list[GuidelineSnippet] | None:
    if specialty != NAME:
        return None
    return list(_snippets())


@hookimpl
def pixtralogist_verify(draft, case, template, snippets):
    if draft.specialty != NAME:
        return None
    from pixtralogist.plugins.pathology.rules import verify

    return verify(draft, case, template, snippets)


@hookimpl
def pixtralogist_examples(specialty: str) -> list[ExampleCase] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.pathology.examples import example_cases

    return example_cases(NAME)
