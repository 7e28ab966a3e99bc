"""Radiology dictation, read by the kit with radiology's lexicons (``data/lexicon/*.yaml``).

>>> parse_dictation("small L effusion, heart nl, old R rib fx")
['Small left pleural effusion.', 'Heart size is normal.', 'Old right rib fracture.']

The reading steps are the kit's (:mod:`pixtralogist.kit.dictation`); the words (shorthand,
subjects, "no acute", implied "pleural") are the template's lexicon.
"""

from __future__ import annotations

from pixtralogist.kit import dictation as _kit
from pixtralogist.plugins.radiology.lexicons import lexicon_for

__all__ = ["expand_shorthand", "parse_dictation"]


def parse_dictation(text: str | None, *, template: str = "cxr") -> list[str]:
    """Report sentences from the dictation of a ``template`` study (chest radiograph by default)."""
    return _kit.parse_dictation(text, lexicon=lexicon_for(template))


def expand_shorthand(text: str, *, template: str = "cxr") -> str:
    """The shorthand of one phrase written out (no splitting, no sentence finishing)."""
    return _kit.expand_shorthand(text, lexicon=lexicon_for(template))
