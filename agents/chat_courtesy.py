"""Courtesy words typed in shorthand ("pls", "plz", "thx") are read as the words they stand for.

The chat's readers know "please" and "thanks" around an edit ("please make the effusion small", "left, thanks");
a clinician types them short. :func:`spell_out` writes them out before any reader sees the message, so every
family that knows "please" knows "pls" too. Only whole words are written out; no finding vocabulary lives here.
"""

from __future__ import annotations

import re

#: shorthand -> the word the readers know
COURTESY = {"pls": "please", "plz": "please", "plse": "please", "pl0x": "please", "thx": "thanks",
            "thnx": "thanks", "tks": "thanks", "ta": "thanks"}
#: "ta" is "thanks" only as the message's last word ("left, ta"); elsewhere it may be anything
_TAIL_ONLY = frozenset({"ta"})
_WORD = re.compile(r"(?<![\w'/-])(" + "|".join(sorted(COURTESY, key=len, reverse=True)) + r")(?![\w'/-])", re.I)


def spell_out(text: str) -> str:
    """``text`` with its courtesy shorthand written out ("pls remove X" -> "please remove X")."""
    def sub(m: re.Match[str]) -> str:
        word = m.group(1).lower()
        if word in _TAIL_ONLY and text[m.end():].strip(" .!?,"):
            return m.group(0)
        return COURTESY[word]

    return _WORD.sub(sub, text)
