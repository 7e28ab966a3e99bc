"""The pathology plugin: registers its specialty bundle (a built-in).

CAP-style synoptic templates (data, with their routing signals and export codes), a synoptic sorter
and dictation drafter, Nottingham grade checks; H&E-like image colours are its bespoke routing signal.
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist import __version__
from pixtralogist.core.models import Case, ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle, lazy
from pixtralogist.core.routing import Evidence

NAME = "pathology"
VERSION = __version__
PACKAGE = "pixtralogist.plugins.pathology"


@lru_cache(maxsize=None)
def _sorter(regions: tuple[str, ...]):
    from pixtralogist.plugins.pathology.sorter import SynopticSorter

    return SynopticSorter(regions)


def sorter_for(template: Template):
    return _sorter(tuple(template.region_names))


def drafter_for(template: Template, model: ModelConfig):
    from pixtralogist.plugins.pathology.drafter import PathologyModelDrafter, SynopticDictationDrafter

    if model.backend != "offline":
        return PathologyModelDrafter(model, specialty=NAME, plugin=NAME, plugin_version=VERSION)
    return SynopticDictationDrafter(sorter_for(template), plugin_version=VERSION)


def signals(case: Case, template: Template) -> Evidence | None:
    """Photomicrograph colours (most of an image pink/purple) on a case that is not already DICOM SM."""
    if not case.images or (case.modality or "").upper() in template.modalities:
        return None
    from pixtralogist.plugins.pathology.routing import he_fraction

    best = max(he_fraction(img) for img in case.images)
    return Evidence(0.35, (f"H&E-like colours in {best:.0%} of an image",)) if best >= 0.5 else None


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle.from_package(
        PACKAGE, Specialty(
            name=NAME, label="Pathology", version=VERSION,
            description="Surgical pathology: CAP-style synoptic reports (breast resection), Nottingham grade checks."),
        sorter=sorter_for, drafter=drafter_for, signals=signals,
        examples=lazy(f"{PACKAGE}.examples:example_cases", NAME),
    ))
