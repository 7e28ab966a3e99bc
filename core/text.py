"""Small text utilities shared across the project (no heavy imports)."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t]+")

#: What plain report text must not carry, each with the words the refusal uses. Clinical text
#: keeps working: "<6 mm", "< 1 cm", "CTR 0.55 > 0.5", "[RUL]" and "AP & lateral" are all accepted.
_MARKUP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<\s*/?\s*[a-z!?]", re.I), "an HTML tag"),
    (re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.I), "an HTML character reference"),
    (re.compile(r"!\["), "a Markdown image"),
    (re.compile(r"\]\(|\]\["), "a Markdown link"),
    (re.compile(r"^\s{0,3}\[[^\]\n]+\]:", re.M), "a Markdown link definition"),
    (re.compile(r"\b(?:javascript|vbscript|livescript)\s*:|\bdata:[a-z]+/", re.I), "a script or data address"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://|\bwww\.", re.I), "a web address"),
)
#: Control, zero-width and bidi-override characters (tab, newline and carriage return are allowed).
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """Normalise user text: NFC, no control or bidi-override characters, tidy spaces.

    Newlines are kept (dictation uses them); everything else invisible is removed.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def markup_problem(text: str) -> str | None:
    """What makes ``text`` unfit for a plain-text report (markup or control characters), or None."""
    if not text:
        return None
    m = _FORBIDDEN_CONTROL.search(text)
    if m:
        return f"a control or invisible character (U+{ord(m.group(0)):04X}) at character {m.start() + 1}"
    for rx, what in _MARKUP:
        m = rx.search(text)
        if m:
            return f"{what} at character {m.start() + 1}"
    return None


def ensure_plain_text(text: str | None, what: str = "The text") -> str:
    """Return ``text`` unchanged, or raise :class:`~pixtralogist.core.errors.MarkupError`.

    The one gate for everything that is written into a report or a case (region edits, added
    findings, the impression, the signer's name, case notes and indication): reports are plain
    text, so HTML tags, HTML character references, Markdown images, links and link definitions,
    web/script/data addresses and control or bidi-override characters are refused with a message
    that says what was found and where. The text itself is not repeated in the message.
    """
    problem = markup_problem(text or "")
    if problem is not None:
        from pixtralogist.core.errors import MarkupError

        raise MarkupError(
            f"{what} was not saved: it contains {problem}. Reports are plain text; remove the markup "
            "or address and try again."
        )
    return text or ""


#: The case fields whose text can reach a report, with the words a refusal uses.
CASE_TEXT_FIELDS = (("indication", "The indication"), ("comparison", "The comparison"),
                    ("prior_report", "The prior report"), ("notes", "The notes text"))


def ensure_plain_case_text(case: object) -> None:
    """:func:`ensure_plain_text` for every text field of a case (before it is drafted or saved)."""
    for name, what in CASE_TEXT_FIELDS:
        ensure_plain_text(getattr(case, name, "") or "", what)


def upper_first(text: str) -> str:
    """``text`` with a capital first letter, as a sentence starts, unless its first word is written in
    mixed case ("pT1c N0", "ypT2", "mRNA", "eGFR"): such a word is kept as written, never "PT1c"."""
    first = text.split(None, 1)[0] if text.strip() else ""
    if any(c.isupper() for c in first[1:]):
        return text
    return text[:1].upper() + text[1:]


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
