"""Pathology templates and their CAP core elements, loaded from the plugin's data files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

from pixtralogist.core.errors import DataError
from pixtralogist.core.models import Template
from pixtralogist.core.yamlio import safe_load as safe_load_yaml

__all__ = ["BREAST_RESECTION_REGIONS", "CoreSeverity", "core_elements", "get_template", "load_templates"]

BREAST_RESECTION_REGIONS = (
    "procedure", "site", "laterality", "histologic_type", "grade", "size", "extent", "margins",
    "lymph_nodes", "lvi", "stage", "others",
)
CoreSeverity = Literal["info", "warning", "critical"]
_PKG = "pixtralogist.plugins.pathology"


def _data(name: str):
    return safe_load_yaml(resources.files(_PKG).joinpath(f"data/{name}").read_text("utf-8"))


@lru_cache(maxsize=1)
def load_templates() -> tuple[Template, ...]:
    from pixtralogist.plugins.pathology.drafter import EXTRA_TERMS
    from pixtralogist.plugins.pathology.lexicon import LEXICON

    # The plugin's finding words go with the template, so clinician edits are analysed like dictation.
    return tuple(Template.model_validate({**item, "finding_terms": EXTRA_TERMS, "concepts": LEXICON.check_concepts}) for item in _data("templates.yaml"))


def get_template(template_id: str = "breast-resection") -> Template:
    for tpl in load_templates():
        if tpl.id == template_id:
            return tpl
    raise KeyError(template_id)


@lru_cache(maxsize=1)
def _core_table() -> dict[str, dict[str, str]]:
    table = _data("core_elements.yaml") or {}
    templates = {t.id: t for t in load_templates()}
    for tid, elements in table.items():
        if tid not in templates:
            raise DataError(f"core_elements.yaml: unknown template {tid!r}")
        for region, severity in elements.items():
            if region not in templates[tid].region_names:
                raise DataError(f"core_elements.yaml: template {tid!r} has no region {region!r}")
            if severity not in ("info", "warning", "critical"):
                raise DataError(f"core_elements.yaml: {tid}.{region}: severity must be info, warning or critical")
    return table


def core_elements(template_id: str) -> dict[str, CoreSeverity]:
    """``{region: severity}`` of the CAP core elements of ``template_id`` (empty for an unknown template)."""
    return dict(_core_table().get(template_id, {}))
