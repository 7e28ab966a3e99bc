"""The dental plugin: one hook that registers the dental specialty bundle on the Pixtralogist kit.

Found through the ``pixtralogist`` entry point (see ``pyproject.toml``). Everything is data in
``data/``: the template with its routing signals (``templates.yaml``), the language - shorthand,
finding words, region-sorter rules - (``lexicon.yaml``) and the guideline snippets
(``guidelines.yaml``). The kit's sorter and dictation drafter run on the lexicon; ``rules.py``
holds the one bespoke rule; ``examples.py`` draws the synthetic example images.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist.core.models import ModelConfig, Specialty, Template
from pixtralogist.core.plugin import hookimpl
from pixtralogist.core.registry import Registry, SpecialtyBundle, guideline_file, lazy, template_file
from pixtralogist.kit import KitDrafter, Lexicon, LexiconSorter, load_lexicon

from pixtralogist_dental import NAME, __version__ as VERSION


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The kit's base lexicon plus ``data/lexicon.yaml``."""
    with resources.as_file(resources.files("pixtralogist_dental").joinpath("data/lexicon.yaml")) as path:
        return load_lexicon(path)


@lru_cache(maxsize=1)
def sorter() -> LexiconSorter:
    return LexiconSorter.from_lexicon("dental", lexicon())


def drafter(template: Template, model: ModelConfig) -> KitDrafter | None:
    # Dictation only; for a model backend ('transformers' / 'openai') Pixtralogist's generic
    # model drafter prompts with this template.
    return KitDrafter(sorter(), lexicon(), plugin=NAME, plugin_version=VERSION) if model.backend == "offline" else None


@hookimpl
def pixtralogist_register(registry: Registry) -> None:
    registry.add(SpecialtyBundle(
        specialty=Specialty(name=NAME, label="Dental radiographs", version=VERSION,
                            description="Intra-oral (IO) and panoramic (PX) dental radiographs (example plugin)."),
        templates=template_file("pixtralogist_dental"),
        lexicon=lexicon,
        sorter=lambda template: sorter(),
        drafter=drafter,
        rules=lazy("pixtralogist_dental.rules:verify"),
        guidelines=guideline_file("pixtralogist_dental", NAME),
        examples=lazy("pixtralogist_dental.examples:example_cases"),
        model=ModelConfig(backend="offline"),  # a plugin shipping a LoRA adapter names it here
    ))
