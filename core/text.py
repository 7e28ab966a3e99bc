"""Small text utilities shared across the project (no heavy imports)."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t]+")


def clean_text(text: str) -> str:
    """Normalise user text: NFC, no control or bidi-override characters, tidy spaces.

    Newlines are kept (dictation uses them); everything else invisible is removed.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"'])|\n+")
_ABBREV_END = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|vs|approx|e\.g|i\.e|St|No)\.$", re.I)


def split_sentences(text: str) -> list[str]:
    """Split report text into sentences.

    Splits on sentence-final punctuation followed by an upper-case letter or a
    digit, and on newlines; does not split inside decimals ("2.5 cm") or after
    common abbreviations.
    """
    parts: list[str] = []
    for chunk in _SENT_SPLIT.split(text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        if parts and _ABBREV_END.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {chunk}"
        else:
            parts.append(chunk)
    return parts
