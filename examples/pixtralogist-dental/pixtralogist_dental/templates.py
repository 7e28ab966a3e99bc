"""The dental template, loaded from the package's data file."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from pixtralogist.core.models import Template

TEMPLATE_ID = "dental"
REGIONS = ("teeth", "periodontal", "periapical", "restorations", "others")


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    """Every template in ``data/templates.yaml``, validated."""
    text = resources.files("pixtralogist_dental").joinpath("data/templates.yaml").read_text("utf-8")
    return tuple(Template.model_validate(item) for item in yaml.safe_load(text))


def get_template(template_id: str = TEMPLATE_ID) -> Template:
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(template_id)
