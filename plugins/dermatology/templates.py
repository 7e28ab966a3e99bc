"""Dermatology templates, loaded from the plugin's data files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist.core.models import Template
from pixtralogist.core.yamlio import safe_load as safe_load_yaml

SKIN_LESION = "skin_lesion"
SKIN_LESION_REGIONS = (
    "morphology", "size", "color", "border", "surface", "distribution_site", "dermoscopy", "others",
)


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    text = resources.files("pixtralogist.plugins.dermatology").joinpath("data/templates.yaml").read_text("utf-8")
    from pixtralogist.plugins.dermatology.lexicon import EXTRA_TERMS, LEXICON

    # The plugin's finding words go with the template, so clinician edits are analysed like dictation.
    return tuple(Template.model_validate({**item, "finding_terms": EXTRA_TERMS, "concepts": LEXICON.check_concepts}) for item in safe_load_yaml(text))


def get_template(template_id: str = SKIN_LESION) -> Template:
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(template_id)
