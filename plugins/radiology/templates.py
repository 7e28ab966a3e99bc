"""Radiology templates, loaded from the plugin's data files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from pixtralogist.core.models import Template

CXR_REGIONS = ("lung", "heart", "mediastinal", "bone", "others")


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    text = resources.files("pixtralogist.plugins.radiology").joinpath("data/templates.yaml").read_text("utf-8")
    return tuple(Template.model_validate(item) for item in yaml.safe_load(text))


def get_template(template_id: str = "cxr") -> Template:
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(template_id)
