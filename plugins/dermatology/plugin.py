"""The dermatology plugin: registers its specialty bundle (a built-in).

One template, ``skin_lesion`` (data, with its routing signals); a morphology sorter, a dictation
drafter and a model drafter with skin-report instructions; ABCDE / 7-point rule checks.
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist import __version__
from pixtralogist.core.models import ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle

NAME = "dermatology"
VERSION = __version__
TEMPLATE_ID = "skin_lesion"
PACKAGE = "pixtralogist.plugins.dermatology"


@lru_cache(maxsize=None)
def _sorter():
    from pixtralogist.plugins.dermatology.sorter import SkinLesionSorter

    return SkinLesionSorter()


def sorter_for(template: Template):
    return _sorter() if template.id == TEMPLATE_ID else None


def drafter_for(template: Template, model: ModelConfig):
    from pixtralogist.plugins.dermatology.drafter import DermatologyModelDrafter, DictationDrafter

    if model.backend != "offline":
        return DermatologyModelDrafter(model, plugin_version=VERSION)
    return DictationDrafter(_sorter(), plugin_version=VERSION) if template.id == TEMPLATE_ID else None


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle.from_package(
        PACKAGE, Specialty(
            name=NAME, label="Dermatology", version=VERSION,
            description="Skin lesions from clinical and dermoscopic photographs: morphology, size, color, border, "
                        "surface, site and dermoscopy, with ABCDE and 7-point checklist checks."),
        sorter=sorter_for, drafter=drafter_for,
    ))
