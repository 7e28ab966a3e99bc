"""Round 9 (generated chat shapes, benchmarks/chat_shapes.py): families found by the generated benchmark, tested over
real drafts of every specialty (the built-in plugins' offline drafters; inputs written for these tests).

- courtesy shorthand ("pls", "plz", "thx") around any edit reads as the word written out: the edit is the same as
  without it, and never written into the report.
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_courtesy import COURTESY, spell_out

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_phrasing7 import DRAFTS

EDITS = ["remove the {x}", "drop the {x}", "delete the {x}", "no {x}", "move the {x} to the impression"]
COURTESY_FORMS = ["pls {m}", "{m} pls", "plz {m}", "{m}, pls", "Pls {m}", "{m} thx", "{m}, ta", "PLS {m}"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", COURTESY_FORMS)
@pytest.mark.parametrize("edit", EDITS[:3])
def test_courtesy_shorthand_is_the_same_edit(host, template, dictation, x, region, kept, form, edit):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    plain = chat.handle(edit.format(x=x), d, ctx)
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(m=edit.format(x=x)), d, ctx)
    assert res.draft.region_dict() == plain.draft.region_dict(), res.reply
    assert plain.changed == res.changed
    for text in res.draft.region_dict().values():
        assert not any(w in text.lower().split() for w in ("pls", "plz", "thx", "please")), text


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS[:3])
@pytest.mark.parametrize("form", ["pls undo that", "undo pls", "plz revert", "pls go back"])
def test_courtesy_shorthand_undo(host, template, dictation, x, region, kept, form):  # noqa: F811
    assert chat.parse_intent(form, {}).kind == "undo"


@pytest.mark.parametrize("word", sorted(COURTESY))
def test_spell_out_whole_words_only(word):
    assert spell_out(f"{word} make it mild") == f"{COURTESY[word]} make it mild" or word == "ta"
    assert spell_out(f"make it mild, {word}") == f"make it mild, {COURTESY[word]}"
    # inside or joined to another word it stays: "plsd", "pls-x", "tank", "data"
    assert spell_out(f"{word}d {word}-x t{word}") == f"{word}d {word}-x t{word}"
    assert spell_out("beta data metastasis") == "beta data metastasis"
