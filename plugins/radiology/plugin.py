"""The radiology plugin: registers its specialty bundle (a built-in).

Templates ``cxr``, ``ct_chest`` and ``mri_brain`` are data (``data/templates.yaml``, with their routing
signals and export codes); the chest X-ray sorter and the lexicon sorters for CT and MRI sort
dictation into regions; the dictation drafter realises it; ``rules.verify`` checks the drafts.
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist import __version__
from pixtralogist.core.models import ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle, lazy

NAME = "radiology"
VERSION = __version__
PACKAGE = "pixtralogist.plugins.radiology"


def sorter_for(template: Template):
    """The (shared, stateless) region sorter of a radiology template, or None."""
    return _sorter(template.id)


@lru_cache(maxsize=None)
def _sorter(template_id: str):
    if template_id == "cxr":
        from pixtralogist.plugins.radiology.sorter import ChestXraySorter

        return ChestXraySorter()
    from pixtralogist.plugins.radiology.region_sorters import LEXICON_TEMPLATES
    from pixtralogist.plugins.radiology.region_sorters import sorter_for as lexicon_sorter

    return lexicon_sorter(template_id) if template_id in LEXICON_TEMPLATES else None


def drafter_for(template: Template, model: ModelConfig):
    if model.backend != "offline":
        from pixtralogist.core.model_drafter import ModelDrafter

        return ModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    sorter = sorter_for(template)
    if sorter is None:
        return None
    from pixtralogist.plugins.radiology.drafter import DictationDrafter

    return DictationDrafter(sorter, plugin_version=VERSION, template=template.id)


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle.from_package(
        PACKAGE, Specialty(
            name=NAME, label="Radiology", version=VERSION,
            description=(
                "Chest radiographs (lung, heart, mediastinal, bone, others), CT chest (lungs and airways, pleura, "
                "mediastinum and hila, heart and great vessels, chest wall and bones, upper abdomen, others) and "
                "brain MRI (parenchyma, ventricles and extra-axial spaces, vessels, skull and soft tissues, others): "
                "region-organised findings."),
        ),
        sorter=sorter_for, drafter=drafter_for,
        examples=lazy(f"{PACKAGE}.examples:radiology_examples"),
    ))
