"""Ophthalmology templates (``fundus`` and ``octa``), loaded from the plugin's data file."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist.core.models import Template
from pixtralogist.core.yamlio import safe_load as safe_load_yaml

FUNDUS_REGIONS = ("optic_disc", "macula", "vessels", "periphery", "others")
OCTA_REGIONS = ("faz", "superficial_plexus", "deep_plexus", "non_perfusion", "neovascularization", "others")
TEMPLATE_IDS = ("fundus", "octa")


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    """Every ophthalmology template, validated."""
    text = resources.files("pixtralogist.plugins.ophthalmology").joinpath("data/templates.yaml").read_text("utf-8")
    from pixtralogist.plugins.ophthalmology.lexicon import EYE, NLP_TERMS

    # The plugin's finding words go with the template, so clinician edits are analysed like dictation.
    return tuple(Template.model_validate({**item, "finding_terms": NLP_TERMS, "concepts": EYE.check_concepts}) for item in safe_load_yaml(text))


def get_template(template_id: str = "fundus") -> Template:
    """One template by id (``KeyError`` naming the known ids otherwise)."""
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(f"no ophthalmology template {template_id!r}; known: {', '.join(TEMPLATE_IDS)}")
