"""Built-in fallback plugin: model drafting for every specialty.

When a specialty's model configuration names a model backend
(``transformers`` or ``openai``) and its own plugin supplies no drafter for
it, this plugin's :func:`pixtralogist_drafter` (registered ``trylast``)
returns a generic :class:`~pixtralogist.core.model_drafter.ModelDrafter`, so
a new plugin gets model drafting from its templates alone. It never handles
``backend='offline'`` (that is each plugin's dictation drafter).
"""

from __future__ import annotations

from pixtralogist import __version__
from pixtralogist.core.models import ModelConfig, Template
from pixtralogist.core.plugin import hookimpl

NAME = "model"


@hookimpl(trylast=True)
def pixtralogist_drafter(specialty: str, template: Template, model: ModelConfig):
    if model.backend == "offline":
        return None
    from pixtralogist.core.model_drafter import ModelDrafter

    return ModelDrafter(model, specialty=specialty, plugin=NAME, plugin_version=__version__)
