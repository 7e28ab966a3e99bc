"""Radiology's lexicons (``data/lexicon/<template>.yaml``) on the kit, one per template."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pixtralogist.kit import Lexicon, load_lexicon

__all__ = ["TEMPLATES", "lexicon_for"]

_DIR = Path(__file__).resolve().parent / "data" / "lexicon"
#: Templates with a lexicon file.
TEMPLATES = ("cxr", "ct_chest", "mri_brain")


@lru_cache(maxsize=None)
def lexicon_for(template_id: str) -> Lexicon:
    """The lexicon of ``template_id`` (the chest radiograph one for a template without its own file)."""
    return load_lexicon(_DIR / f"{template_id if template_id in TEMPLATES else 'cxr'}.yaml")
