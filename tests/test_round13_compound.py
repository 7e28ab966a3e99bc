"""Round 13 (fixer compound): a chat turn of CLAUSES, tested with NONCE finding words over the pure readers
(``agents/chat_imperatives.compound_command`` / ``lead_in_dropped``) and real drafts of the four specialties:

- a reason or remark said before or after a command ("<reason> - drop the X", "drop the X, the Y were fine") is
  dropped, never written;
- "<statement>, add it" / "- please include it": the pronoun is the statement beside it (with the place the
  observation before it said, when the statement says none);
- a lead-in before a colon ("forgot one:") and a trailing "though" are dropped; plain statement clauses are the
  turn's edits, in order;
- a clause that is not understood applies nothing (the turn changes nothing and says so).
"""

from __future__ import annotations

import itertools

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_imperatives import compound_command, lead_in_dropped

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)

NONCE = ["zorvic granuloma", "blorvic cyst", "kellner plaque", "tramulent nodule"]
REASONS = ["AP view so I can't comment on {y}", "the {y} were fine", "it was just a morlith artefact",
           "the edge is a little uneven", "because the {y} looked normal"]
COMMANDS = ["drop the {x}", "remove the {x} statement", "please lose the {x}", "call the {x} mild",
            "make the {x} 6 mm"]


def _names(*words):
    return lambda text: any(w.split()[0] in text.lower() for w in words)


@pytest.mark.parametrize("x, y", list(itertools.permutations(NONCE, 2))[:6])
@pytest.mark.parametrize("reason, command", list(itertools.product(REASONS, COMMANDS)))
def test_a_reason_beside_a_command_is_dropped(x, y, reason, command):
    names = _names(x, y)
    r, c = reason.format(y=y), command.format(x=x)
    assert compound_command(f"{r} - {c}", names) == [c]
    assert compound_command(f"{c}, {r}", names) == [c]
    assert compound_command(f"{r}; {c}", names) == [c]


@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("add", ["add it", "please include it", "put it in", "mention it too", "add that please"])
def test_a_statement_then_add_it(x, add):
    names = _names(x)
    assert compound_command(f"there is a small {x} in the left lobe, {add}", names) == \
        [f"there is a small {x} in the left lobe"]
    assert compound_command(f"I can see a thin morlith line at the right apex - small {x}, {add}", names) == \
        [f"small {x} at the right apex"]


@pytest.mark.parametrize("x, y", list(itertools.permutations(NONCE, 2))[:6])
def test_not_a_compound_command(x, y):
    names = _names(x, y)
    assert compound_command(f"drop the {x}", names) is None  # one clause
    assert compound_command(f"drop the {x}, make the {y} small", names) is None  # two commands
    assert compound_command(f"the {y} is large - drop the {x}", names) is None  # a statement and a command
    assert compound_command("the morlith was odd, add it", names) == []  # "it" with no finding beside it
    assert compound_command(f"the {x} is there, lose it", names) is None  # the older readers take the pronoun


@pytest.mark.parametrize("x, y", list(itertools.permutations(NONCE, 2))[:6])
@pytest.mark.parametrize("lead", ["forgot one", "one more", "also", "missed this"])
def test_a_lead_in_and_two_statements(x, y, lead):
    names = _names(x, y)
    assert lead_in_dropped(f"{lead}: a second {x} sits in the left lobe", names) == [f"a second {x} sits in the left lobe"]
    assert lead_in_dropped(f"the {x} sits in the right lobe - the {y} really is on the left though", names) == \
        [f"the {x} sits in the right lobe", f"the {y} really is on the left"]
    assert lead_in_dropped(f"the {x} sits in the right lobe", names) is None  # one clause, no lead-in
    assert lead_in_dropped(f"the {x} sits in the right lobe - drop the {y}", names) is None  # a command
    assert lead_in_dropped(f"the {x} sits in the right lobe - the morlith is odd", names) is None  # names nothing


from test_round12_chatimp import CASES, _region_of  # the same nonce cases over real drafts of four specialties


@pytest.mark.parametrize("template, dictation, x, region", CASES)
@pytest.mark.parametrize("form", ["morlith view so I can't comment on it - remove the {x}",
                                  "remove the {x}, the morlith one was fine",
                                  "the morlith edge is a little uneven; drop the {x}"])
def test_a_removal_with_a_reason_on_a_real_draft(host, template, dictation, x, region, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    region = region or _region_of(d, x)
    res = chat.handle(form.format(x=x), d, ctx)
    assert res.changed and "→" in res.reply, res.reply
    after = res.draft.region_dict()
    assert x.split()[0] not in after[region].lower(), after[region]
    assert all(after[r] == t for r, t in d.region_dict().items() if r != region)
    assert "morlith" not in " ".join(after.values()).lower()


@pytest.mark.parametrize("template, dictation, x, region", CASES)
@pytest.mark.parametrize("form", ["morlith view so I can't comment - remove the glorpish frabble",
                                  "the morlith was odd, add it"])
def test_a_clause_not_understood_changes_nothing(host, template, dictation, x, region, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form, d, ctx)
    assert not res.changed and res.draft.region_dict() == d.region_dict(), res.reply


# -- a remark that a region is empty says where a bare "put X" goes (read after fresh13 was scored) ------------------

@pytest.mark.parametrize("remark", ["{r} is blank", "the {r}'s missing", "{r} not filled in"])
@pytest.mark.parametrize("value", ["pT2(m) pN0", "ypT1c ypN0"])
def test_an_empty_region_remark_says_where_put_goes(host, remark, value):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "L mastectomy: IDC 22 mm, G2. LN 0/4.")
    res = chat.handle(f"{remark.format(r='stage')}, put {value}", d, ctx)
    assert res.changed, res.reply
    stage = " ".join(f.text for f in res.draft.findings if f.region == "stage")
    assert value in stage, stage  # written as said: never "PT2(m)", never the remark ("Blank, put ...")
    assert "blank" not in stage.lower() and "put" not in stage.lower()
    others = {f.region: f.text for f in res.draft.findings if f.region != "stage"}
    assert others == {f.region: f.text for f in d.findings if f.region != "stage"}


def test_a_put_with_no_place_said_is_not_guessed(host):  # noqa: F811
    d, ctx = drafted(host, "breast-resection", "L mastectomy: IDC 22 mm, G2. LN 0/4.")
    res = chat.handle("zorvic is blank, put pT2 pN0", d, ctx)  # the remark names no region
    assert not res.changed or "Zorvic" not in " ".join(f.text for f in res.draft.findings)
