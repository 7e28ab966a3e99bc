"""The ophthalmology plugin: registers its specialty bundle (a built-in).

Templates ``fundus`` (optic disc, macula, vessels, periphery, others) and ``octa`` (foveal avascular
zone, superficial and deep capillary plexus, non-perfusion, neovascularization, others) are data with
their routing signals; a fundus-photograph image cue is the bespoke routing signal; an offline
drafter from dictation and the model drafter with eye-report instructions; ICDR / DME / laterality
rule checks; guideline snippets; synthetic example cases.
"""

from __future__ import annotations


from pixtralogist import __version__
from pixtralogist.core.models import Case, ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle
from pixtralogist.core.routing import Evidence

NAME = "ophthalmology"
VERSION = __version__
PACKAGE = "pixtralogist.plugins.ophthalmology"


def sorter_for(template: Template):
    """The (shared, stateless) kit region sorter of one ophthalmology template, or None."""
    from pixtralogist.plugins.ophthalmology.lexicon import sorter_for as lexicon_sorter

    return lexicon_sorter(template.id)


def drafter_for(template: Template, model: ModelConfig):
    if model.backend != "offline":
        from pixtralogist.plugins.ophthalmology.model_drafter import EyeModelDrafter

        return EyeModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    if sorter_for(template) is None:
        return None
    from pixtralogist.plugins.ophthalmology.drafter import EyeDictationDrafter

    return EyeDictationDrafter(template, plugin_version=VERSION, plugin=NAME)


def signals(case: Case, template: Template) -> Evidence | None:
    """A colour photograph that looks like a fundus (round bright field on black): a hint, never enough alone."""
    from pixtralogist.plugins.ophthalmology.routing import fundus_like

    if not any(fundus_like(img) for img in case.images):
        return None
    return Evidence(0.25 if template.id == "fundus" else 0.15,
                    ("image looks like a colour fundus photograph (round bright field on black)",))


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle.from_package(
        PACKAGE, Specialty(
            name=NAME, label="Ophthalmology", version=VERSION,
            description="Fundus photographs and OCT angiography: findings by region with the eye (OD/OS) kept; "
                        "ICDR diabetic retinopathy checks."),
        sorter=sorter_for, drafter=drafter_for, signals=signals,
    ))
