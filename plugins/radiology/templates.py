"""Radiology templates (chest radiograph ``cxr``, CT chest ``ct_chest``, MRI brain ``mri_brain``),
loaded from the plugin's data files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pixtralogist.core.models import Template
from pixtralogist.core.yamlio import safe_load as safe_load_yaml

CXR_REGIONS = ("lung", "heart", "mediastinal", "bone", "others")
CT_CHEST_REGIONS = (
    "lungs_airways", "pleura", "mediastinum_hila", "heart_vessels", "chest_wall_bones", "upper_abdomen", "others",
)
MRI_BRAIN_REGIONS = ("parenchyma", "ventricles_extraaxial", "vessels", "skull_soft_tissues", "others")
#: Regions of every radiology template, by template id.
REGIONS_BY_TEMPLATE: dict[str, tuple[str, ...]] = {
    "cxr": CXR_REGIONS,
    "ct_chest": CT_CHEST_REGIONS,
    "mri_brain": MRI_BRAIN_REGIONS,
}


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    text = resources.files("pixtralogist.plugins.radiology").joinpath("data/templates.yaml").read_text("utf-8")
    from pixtralogist.plugins.radiology.lexicons import lexicon_for

    # The template's finding words go with it (the radiology vocabulary of common.yaml, which core
    # does not hold, and the template's own), so clinician edits are analysed like dictation.
    return tuple(Template.model_validate(
        {**item, "finding_terms": lexicon_for(item["id"]).finding_terms,
         "concepts": lexicon_for(item["id"]).check_concepts})
        for item in safe_load_yaml(text))


def get_template(template_id: str = "cxr") -> Template:
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(template_id)
