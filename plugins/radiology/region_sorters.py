"""Region sorters of the CT chest and brain MRI templates: the kit's lexicon sorter on radiology's lexicons.

    sorter = sorter_for("ct_chest")
    sorter.classify("Enlarged 16 mm subcarinal lymph node.")   # frozenset({"mediastinum_hila"})
"""

from __future__ import annotations

from functools import lru_cache

from pixtralogist.kit import LexiconSorter
from pixtralogist.plugins.radiology.lexicons import lexicon_for

__all__ = ["sorter_for", "LEXICON_TEMPLATES"]

#: Templates served by a lexicon sorter (their lexicons have a ``sorter`` section).
LEXICON_TEMPLATES = ("ct_chest", "mri_brain")


@lru_cache(maxsize=None)
def sorter_for(template_id: str) -> LexiconSorter:
    """The lexicon sorter of ``template_id`` (shared; ``KeyError`` for a template without one)."""
    if template_id not in LEXICON_TEMPLATES:
        raise KeyError(f"no lexicon sorter for template {template_id!r}; have {LEXICON_TEMPLATES}")
    return LexiconSorter.from_lexicon(template_id, lexicon_for(template_id))
