"""The ophthalmology plugin's hook implementations (registered as a built-in).

Templates ``fundus`` (optic disc, macula, vessels, periphery, others) and
``octa`` (foveal avascular zone, superficial and deep capillary plexus,
non-perfusion, neovascularization, others); routing on DICOM OP/OPT, body part
EYE, descriptions, words and a fundus image cue; an offline drafter from
dictation and the model drafter with eye-report instructions; ICDR / DME /
laterality rule checks; guideline snippets; synthetic example cases.
"""

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

NAME = "ophthalmology"
VERSION = __version__
TEMPLATE_IDS = ("fundus", "octa")


@hookimpl
def pixtralogist_specialty() -> Specialty:
    return Specialty(
        name=NAME,
        label="Ophthalmology",
        version=VERSION,
        description="Fundus photographs and OCT angiography: findings by region with the eye (OD/OS) kept; "
                    "ICDR diabetic retinopathy checks.",
    )


@hookimpl
def pixtralogist_templates(specialty: str) -> list[Template] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.ophthalmology.templates import load_templates

    return list(load_templates())


@hookimpl
def pixtralogist_route(case: Case) -> list[RouteScore]:
    from pixtralogist.plugins.ophthalmology.routing import score_case

    return score_case(case)


@hookimpl
def pixtralogist_region_sorter(specialty: str, template: Template):
    if specialty != NAME or template.id not in TEMPLATE_IDS:
        return None
    from pixtralogist.plugins.ophthalmology.lexicon import sorter_for

    return sorter_for(template.id)


@hookimpl
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if specialty != NAME:
        return None
    if model.backend != "offline":
        from pixtralogist.plugins.ophthalmology.model_drafter import EyeModelDrafter

        return EyeModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    if template.id not in TEMPLATE_IDS:
        return None
    from pixtralogist.plugins.ophthalmology.drafter import EyeDictationDrafter

    return EyeDictationDrafter(template, plugin_version=VERSION, plugin=NAME)


@hookimpl
def pixtralogist_model_config(specialty: str) -> ModelConfig | None:
    if specialty != NAME:
        return None
    return ModelConfig(backend="offline")


@lru_cache(maxsize=1)
def _snippets() -> tuple[GuidelineSnippet, ...]:
    from pixtralogist.core.guidelines import load_snippet_file

    path = resources.files("pixtralogist.plugins.ophthalmology").joinpath("data/guidelines.yaml")
    return tuple(load_snippet_file(path, specialty=NAME))


@hookimpl
def pixtralogist_guidelines(specialty: str) -> list[GuidelineSnippet] | None:
    if specialty != NAME:
        return None
    return list(_snippets())


@hookimpl
def pixtralogist_verify(draft, case, template, snippets):
    if draft.specialty != NAME:
        return None
    from pixtralogist.plugins.ophthalmology.rules import verify

    return verify(draft, case, template, snippets)


@hookimpl
def pixtralogist_examples(specialty: str) -> list[ExampleCase] | None:
    if specialty != NAME:
        return None
    from pixtralogist.plugins.ophthalmology.examples import examples

    return examples()
