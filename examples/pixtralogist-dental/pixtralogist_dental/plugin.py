"""The dental plugin: one hook that registers the dental specialty bundle.

Found through the ``pixtralogist`` entry point (see ``pyproject.toml``). The template, with its
routing signals, is data (``data/templates.yaml``); so are the guideline snippets.
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist.core.models import ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle, guideline_file, lazy

from pixtralogist_dental import NAME, __version__ as VERSION


@lru_cache(maxsize=1)
def _sorter():
    from pixtralogist_dental.sorter import DentalSorter

    return DentalSorter()


def drafter_for(template: Template, model: ModelConfig):
    # Only the offline engine here: for a model backend ('transformers' / 'openai') Pixtralogist
    # supplies a ModelDrafter that prompts with this template.
    if model.backend != "offline":
        return None
    from pixtralogist_dental.drafter import DentalDictationDrafter

    return DentalDictationDrafter(_sorter(), plugin=NAME, plugin_version=VERSION)


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle(
        specialty=Specialty(name=NAME, label="Dental radiographs", version=VERSION,
                            description="Intra-oral (IO) and panoramic (PX) dental radiographs (example plugin)."),
        templates=lazy("pixtralogist_dental.templates:load_templates"),
        sorter=lambda template: _sorter(),
        drafter=drafter_for,
        rules=lazy("pixtralogist_dental.rules:verify"),
        guidelines=guideline_file("pixtralogist_dental", NAME),
        examples=lazy("pixtralogist_dental.examples:example_cases"),
        # A plugin that ships a LoRA adapter would give e.g.
        # ModelConfig(backend="transformers", base_model=..., adapter=..., adapter_version="0.1.0").
        model=ModelConfig(backend="offline"),
    ))
