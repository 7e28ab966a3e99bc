"""Clinician edits are analysed with the template's own finding words (Template.finding_terms)."""

from __future__ import annotations

import pytest

from pixtralogist.core.editing import replace_region
from pixtralogist.core.models import Draft, Provenance


def _empty_draft(tpl):
    prov = Provenance(source="template-default", engine="offline-dictation", plugin=tpl.specialty, plugin_version="1",
                      template_id=tpl.id, template_version=tpl.version)
    return Draft(case_id="case-t", specialty=tpl.specialty, template_id=tpl.id, template_version=tpl.version,
                 regions=tpl.region_names, provenance=prov)


@pytest.mark.parametrize("module, template_id, region, text", [
    ("pixtralogist.plugins.pathology.templates", "breast-resection", "lvi", "Lymphovascular invasion present."),
    ("pixtralogist.plugins.ophthalmology.templates", "fundus", "optic_disc", "Neovascularization of the disc."),
])
def test_edited_plugin_finding_is_abnormal(module, template_id, region, text):
    import importlib

    tpl = next(t for t in importlib.import_module(module).load_templates() if t.id == template_id)
    assert tpl.finding_terms
    if region not in tpl.region_names:  # region names are the plugin's; pick the first that exists
        region = tpl.region_names[0]
    plain = replace_region(_empty_draft(tpl), region, text, tpl.model_copy(update={"finding_terms": ()}))
    edited = replace_region(_empty_draft(tpl), region, text, tpl)
    assert [f.abnormal for f in edited.findings] == [True]
    assert [f.abnormal for f in plain.findings] == [False]  # the core vocabulary alone misses it
    negated = replace_region(_empty_draft(tpl), region, "No " + text[0].lower() + text[1:], tpl)
    assert negated.findings[0].negated and not negated.findings[0].abnormal
