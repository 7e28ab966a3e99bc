"""The offline drafter of the radiology templates: the kit's dictation drafter with radiology's lexicons.

``DictationDrafter(sorter, plugin_version=..., template="cxr").draft(case, template)``: the
dictation is read with the template's lexicon (``data/lexicon/<template>.yaml``), demographics
and the clinical question go to the indication, recommendations to the impression, and the
findings are sorted into the template's regions (:class:`pixtralogist.kit.KitDrafter`).
"""

from __future__ import annotations

from pixtralogist.core.drafting import ENGINE
from pixtralogist.core.protocols import RegionSorter
from pixtralogist.kit import KitDrafter
from pixtralogist.plugins.radiology.lexicons import lexicon_for

__all__ = ["DictationDrafter", "ENGINE"]


class DictationDrafter(KitDrafter):
    """:class:`~pixtralogist.kit.KitDrafter` with the lexicon of ``template`` (``cxr`` by default)."""

    def __init__(self, sorter: RegionSorter, *, plugin_version: str, template: str = "cxr",
                 plugin: str = "radiology", fallback_region: str | None = None) -> None:
        super().__init__(sorter, lexicon_for(template), plugin=plugin, plugin_version=plugin_version,
                         fallback_region=fallback_region)
