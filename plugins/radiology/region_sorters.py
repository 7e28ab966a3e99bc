"""Region sorters of the CT chest and brain MRI templates (rules only, no model).

    sorter = sorter_for("ct_chest")
    sorter.classify("Enlarged 16 mm subcarinal lymph node.")   # frozenset({"mediastinum_hila"})
    sorter.sort("7 mm nodule in the right upper lobe. No pleural effusion.")
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist.plugins.radiology import lexicon_ct, lexicon_mri
from pixtralogist.plugins.radiology.lexicon_sorter import LexiconSorter
from pixtralogist.plugins.radiology.templates import CT_CHEST_REGIONS, MRI_BRAIN_REGIONS

__all__ = ["ct_chest_sorter", "mri_brain_sorter", "sorter_for", "LEXICON_TEMPLATES"]

#: Templates served by a lexicon sorter.
LEXICON_TEMPLATES = ("ct_chest", "mri_brain")


@lru_cache(maxsize=1)
def ct_chest_sorter() -> LexiconSorter:
    """The sorter of the ``ct_chest`` template (shared; it holds no per-case state)."""
    return LexiconSorter("ct_chest", CT_CHEST_REGIONS, lexicon_ct.RULES, device=lexicon_ct.DEVICE)


@lru_cache(maxsize=1)
def mri_brain_sorter() -> LexiconSorter:
    """The sorter of the ``mri_brain`` template (shared; it holds no per-case state)."""
    return LexiconSorter("mri_brain", MRI_BRAIN_REGIONS, lexicon_mri.RULES, device=lexicon_mri.DEVICE)


def sorter_for(template_id: str) -> LexiconSorter:
    """The lexicon sorter of ``template_id`` (``KeyError`` for a template without one)."""
    if template_id == "ct_chest":
        return ct_chest_sorter()
    if template_id == "mri_brain":
        return mri_brain_sorter()
    raise KeyError(f"no lexicon sorter for template {template_id!r}; have {LEXICON_TEMPLATES}")
