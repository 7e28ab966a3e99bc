"""Round 12 (fixer chatimp): chat imperatives and undo as SHAPES, tested with NONCE finding words (made-up findings,
remarks and reasons) over real drafts of the four specialties and the pure readers (``agents/chat_imperatives.py``):

- an undo said with a remark that the draft was right before ("go back, that was right before", "undo, it was
  fine", "I prefer the original, revert it please"), the remark alone when it says *before* ("it was right before"),
  and wordings the plain reader lacked ("go back a step", "revert to before");
- an addition said with a particle ("put in X", "stick X in", "pop in X too", "..., I forgot it");
- a sentence put into a region by its name ("put '<sentence>' in the dermoscopy");
- a removal said last with a negated copula ("that X isn't real, take it out"), after "I was wrong about the X",
  and with the object said first ("the X one - lose it, it was artefact"), its object the draft's own words;
- phrasal changes ("tone the X down to mild", "turn X into Y", "swap X for Y");
- an ambiguous command asks and changes nothing ("take it out" with nothing named; a size said of "it" where
  several sentences state a size).
"""

from __future__ import annotations

import itertools
import re

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_imperatives import (object_first, particle_add, phrasal_change, put_in_region,
                                                  trailing_removal, undo_said)

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)

NONCE = ["zorvic granuloma", "blorvic cyst", "kellner plaque", "tramulent nodule"]
WHY = ["an artefact", "projection", "a morlith reflection", "not there"]


def _names(*words):
    return lambda text: any(w in text.lower() for w in words)


def _plain_undo(text: str) -> bool:
    return bool(chat._UNDO.match(text))


# --- undo -------------------------------------------------------------------------------------------------------

UNDO_HEADS = ["go back", "undo", "revert", "scratch that", "change it back", "put it back", "revert it please",
              "no, go back"]
RIGHT_BEFORE = ["that was right before", "it was fine", "the original was correct", "I prefer the original",
                "it was better before", "my mistake", "that was a mistake", "the previous version was right"]


@pytest.mark.parametrize("head, remark", list(itertools.product(UNDO_HEADS, RIGHT_BEFORE)))
def test_an_undo_with_a_remark_before_or_after(head, remark):
    assert undo_said(f"{head}, {remark}", _plain_undo)
    assert undo_said(f"{remark} - {head}", _plain_undo)
    assert chat.parse_intent(f"{head}, {remark}", {}).kind == "undo"


@pytest.mark.parametrize("said", ["it was right before", "that was better before", "actually it was correct before",
                                  "the original was fine", "it was fine originally", "I preferred the previous wording",
                                  "go back a step", "go back one", "go back to what it was", "revert to before",
                                  "revert to the original", "undo it please", "go back to how it was before"])
def test_undo_wordings_alone(said):
    assert undo_said(said, _plain_undo) and chat.parse_intent(said, {}).kind == "undo"


@pytest.mark.parametrize("said", ["it was fine", "that's correct", "my mistake", "the {x} was right before",
                                  "the {x} is fine, go back to the {y}", "was it right before?", "go back to the {x}",
                                  "it was right sided before", "revert the {x} to 8 mm"])
@pytest.mark.parametrize("x, y", [("zorvic granuloma", "blorvic cyst"), ("kellner plaque", "tramulent nodule")])
def test_not_an_undo(said, x, y):
    # a remark with no "before" is no undo alone; a finding named is the finding's (or a named undo's) edit
    assert not undo_said(said.format(x=x, y=y), _plain_undo)


# --- additions said with a particle ------------------------------------------------------------------------------

ADD_FORMS = ["put in {y}", "stick in {y}", "pop in {y}", "throw in {y}", "put {y} in", "stick {y} in", "pop {y} in",
             "add in {y}", "put in {y} as well", "throw in {y} too", "pls pop in {y}", "put in {y}, I forgot it",
             "I missed one - put in {y}", "also stick in {y} please", "put in {y} with a {z} rim"]


@pytest.mark.parametrize("form", ADD_FORMS)
@pytest.mark.parametrize("y", ["a small zorvic effusion", "blorvic nodules", "kellner cysts"])
def test_an_addition_said_with_a_particle(form, y):
    said = particle_add(form.format(y=y, z="tramulent"), _names("effusion", "nodule", "cyst"))
    assert said is not None and said.startswith("add ") and y in said, said
    assert not re.search(r"\b(?:forgot|missed|as well|too|please|pls)\b", said), said


@pytest.mark.parametrize("said", ["put it in", "put in the impression: zorvic change", "put them in", "put it back in",
                                  "put the zorvic cyst in", "pop in for review", "put in the dermoscopy: zorvic net",
                                  "put in the size 8 mm", "put in a morlith request"])
def test_not_an_addition(said):
    # what names no finding, or names one the draft has ("the ..."), is never added as a new finding
    assert particle_add(said, _names("zorvic")) is None


# --- a sentence put into a region by name -------------------------------------------------------------------------

def _resolve(name: str):
    return {"dermoscopy": "dermoscopy", "the dermoscopy": "dermoscopy", "margins": "margins", "fovea": "faz",
            "impression": "impression"}.get(name.lower())


@pytest.mark.parametrize("verb", ["put", "stick", "pop", "add", "write", "throw"])
@pytest.mark.parametrize("prep", ["in", "into", "under"])
@pytest.mark.parametrize("text", ["no zorvic features of blorvic", "kellner structures absent"])
def test_a_quoted_sentence_put_into_a_region(verb, prep, text):
    got = put_in_region(f"{verb} '{text}' {prep} the dermoscopy", _resolve, lambda x: False, {})
    assert got == (text[:1].upper() + text[1:] + ".", "dermoscopy")


def test_words_not_quoted_go_only_to_a_region_said_by_its_name():
    labels = {"faz": "Foveal avascular zone", "dermoscopy": "Dermoscopy"}
    # a place of the finding that a region's name resembles is never read as the region
    assert put_in_region("add patchy zorvic dropout temporal to fovea", _resolve, lambda x: False, labels) is None
    assert put_in_region("put a blorvic net in the dermoscopy", _resolve, lambda x: False, labels) == \
        ("A blorvic net.", "dermoscopy")
    # what the draft already states is a move, the plain reader's
    assert put_in_region("put the blorvic net in the dermoscopy", _resolve, lambda x: True, labels) is None
    assert put_in_region("put 'zorvic' in the impression", _resolve, lambda x: False, labels) is None


# --- removals, changes, the object said first -----------------------------------------------------------------------

@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("form", ["that {x} isn't real, take it out", "the {x} isn't there - lose it",
                                  "{x} is not {w}, delete", "I was wrong about the {x}, take it out",
                                  "the {x} one doesn't exist, scrap it"])
def test_a_removal_said_last(x, form):
    said = trailing_removal(form.format(x=x, w=WHY[0]), _names(x.split()[0]))
    assert said is not None and said.lower() == f"remove {x}", said


@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("form, out", [
    ("the {x} one - lose it", "lose the {x}"),
    ("that {x}, get rid of it - it was {w}", "get rid of the {x}"),
    ("the {x} line: kill it", "kill the {x}"),
    ("the {x} one, tone it down to mild", "tone the {x} down to mild"),
    ("that {x} - lose it, they were just {w}", "lose the {x}"),
])
def test_the_object_said_first(x, form, out):
    assert object_first(form.format(x=x, w=WHY[2]), _names(x.split()[0])) == out.format(x=x)


def test_the_object_said_first_needs_one_pronoun_and_a_finding():
    assert object_first("that zorvic granuloma, keep it and lose it", _names("zorvic")) is None
    assert object_first("the morning list - lose it", _names("zorvic")) is None


@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("form, out", [
    ("tone the {x} down to mild", "change {x} to mild"),
    ("tone down the {x} to mild", "change {x} to mild"),
    ("bump the {x} up to severe", "change {x} to severe"),
    ("dial the {x} back to moderate", "change {x} to moderate"),
    ("turn the {x} into a kellner scar", "change {x} to a kellner scar"),
    ("swap the {x} for a kellner scar", "replace {x} with a kellner scar"),
])
def test_a_phrasal_change(x, form, out):
    assert phrasal_change(form.format(x=x)) == out.format(x=f"the {x}")


# --- real drafts of the four specialties, nonce findings ------------------------------------------------------------

CASES = [
    ("cxr", "Zorvic opacity RUL. Heart size normal. Small blorvic hernia.", "blorvic hernia", "others"),
    ("mri_brain", "Mild chronic small vessel ischemic change. Small blorvic cyst in the left frontal lobe.",
     "blorvic cyst", "parenchyma"),
    ("breast-resection", "R lumpectomy. IDC 2.2 cm grade 2. Margins negative. Kellner change present.",
     "kellner change", None),
    ("skin_lesion", "Brown macule 7 mm on the upper back. Dermoscopy: zorvic network.", "zorvic network", "dermoscopy"),
    ("fundus", "OD: scattered hard exudates. OS: tramulent patch. CDR 0.3 OU.", "tramulent patch", None),
]


def _region_of(d, x):
    regions = [r for r, t in d.region_dict().items() if x.split()[0] in t.lower()]
    assert len(regions) == 1, d.region_dict()
    return regions[0]


@pytest.mark.parametrize("template, dictation, x, region", CASES)
@pytest.mark.parametrize("form", ["that {x} isn't real, take it out", "the {x} one - lose it, it was {w}",
                                  "I was wrong about the {x}, take it out", "that {x}, get rid of it - it was {w}"])
def test_a_removal_shape_on_a_real_draft(host, template, dictation, x, region, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    region = region or _region_of(d, x)
    res = chat.handle(form.format(x=x, w=WHY[2]), d, ctx)
    assert res.changed and "→" in res.reply, res.reply
    after = res.draft.region_dict()
    assert x.split()[0] not in after[region].lower(), after[region]
    assert all(after[r] == t for r, t in d.region_dict().items() if r != region)
    assert "morlith" not in " ".join(after.values()).lower()


@pytest.mark.parametrize("template, dictation, x, region", CASES)
@pytest.mark.parametrize("said", ["go back, that was right before", "scratch that, it was fine", "it was right before",
                                  "I prefer the original, revert it please", "revert to before", "go back a step",
                                  "put it back the way it was"])
def test_an_undo_shape_on_a_real_draft(host, template, dictation, x, region, said):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    removed = chat.handle(f"remove the {x}", d, ctx)
    assert removed.changed, removed.reply
    history = [{"draft": d.model_dump(mode="json"), "impression_locked": False}]
    d2, ctx2 = removed.draft, drafted(host, template, dictation, history=history)[1]
    back = chat.handle(said, d2, ctx2)
    assert back.changed and back.draft.region_dict() == d.region_dict(), back.reply
    assert "→" in back.reply


@pytest.mark.parametrize("template, dictation, x, region", CASES)
@pytest.mark.parametrize("form", ["put in {y}", "pop {y} in", "throw in {y} too", "put in {y}, I forgot it"])
def test_a_particle_addition_on_a_real_draft(host, template, dictation, x, region, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(y="a small morlith nodule"), d, ctx)  # (a nonce kind of the vocabulary's nodule)
    assert res.changed and "→" in res.reply, res.reply
    text = " ".join(res.draft.region_dict().values()).lower()
    assert "morlith nodule" in text and not re.search(r"\b(?:put|pop|throw|forgot|too)\b", text), text
    assert len([r for r, t in res.draft.region_dict().items() if t != d.region_dict()[r]]) == 1  # one edit


@pytest.mark.parametrize("template, dictation, region", [
    ("skin_lesion", "Brown macule 7 mm on the upper back. Dermoscopy: zorvic network.", "dermoscopy"),
    ("breast-resection", "R lumpectomy. IDC 2.2 cm grade 2. Margins negative. LVI present.", "margins"),
])
@pytest.mark.parametrize("verb", ["put", "stick", "pop"])
def test_a_quoted_sentence_into_a_named_region_on_a_real_draft(host, template, dictation, region, verb):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(f"{verb} 'no kellner features of blorvic' in the {region}", d, ctx)
    assert res.changed and "→" in res.reply, res.reply
    after = res.draft.region_dict()
    assert "No kellner features of blorvic." in after[region] and verb not in after[region].lower()
    assert all(after[r] == t for r, t in d.region_dict().items() if r != region)


@pytest.mark.parametrize("template, dictation, said", [
    ("skin_lesion", "Zorvic papule 5 mm on the chest. Zorvic papule 7 mm on the back.", "make it 6 mm"),
    ("breast-resection", "R WLE. IDC grade 2, 21 mm. Margins clear, closest 3 mm inferior. Kellner deposit 4 mm.",
     "make it 2 mm"),
    ("cxr", "Zorvic mass 4 cm RUL. Blorvic nodule 8 mm LLL. Heart normal.", "it's 5 cm"),
    ("cxr", "Zorvic opacity RUL. Heart size normal.", "take it out"),
    ("fundus", "OD: tramulent patch. OS: normal.", "get rid of it"),
])
def test_an_ambiguous_command_asks_and_changes_nothing(host, template, dictation, said):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(said, d, ctx)
    assert not res.changed and res.draft.region_dict() == d.region_dict()
    assert "which" in res.reply.lower(), res.reply


def test_a_size_of_it_with_one_sized_finding_is_still_changed(host):  # noqa: F811
    d, ctx = drafted(host, "cxr", "Zorvic mass 4 cm RUL. Heart normal.")
    res = chat.handle("make it 5 cm", d, ctx)
    assert res.changed and "5 cm" in res.draft.region_dict()["lung"], res.reply
