"""Round 11 (the imperative families of benchmarks/chat_shapes.py): imperative turns the plain readers missed, tested
over real drafts of every specialty and, for the shapes, with NONCE words (made-up findings, remarks, impression and
plan words), so no test leans on the vocabulary (``agents/chat_imperatives.py``).

- a removal with a remark after it, or with its verb said last ("take the X out, <remark>", "X is <why>, delete");
- "add that <clause>": the clause, placed by the drafter;
- "X should be mentioned in the impression", "the impression should also mention X";
- "change the <structure> to <finding>": the structure's normal sentence gives way, its denials stay;
- a finding added in one eye where the draft denies it in both: the other eye's denial stays, restated;
- an undo that names what the last change touched ("bring the X back", "no, revert the X"), and one that names
  something else, which undoes nothing and says so;
- an edit of the findings keeps the dictated impression items the lexicon does not know.
"""

from __future__ import annotations

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_imperatives import (add_that, mention_in_impression,
                                                  removal_with_remark, trailing_removal, undo_of)

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_phrasing7 import DRAFTS

NONCE = ["zorvic granuloma", "blorvic cyst", "kellner lesion", "tramulent nodule"]
REMARKS = ["I didn't actually measure it", "irrelevant here", "not needed for the blorvic clinic", "wrong series"]
WHY = ["projection artefact", "unnecessary", "irrelevant for this question", "a morlith artefact"]


def _names(words):
    return lambda text: any(w in text.lower() for w in words)


def _remove_head(head: str) -> bool:
    return head.lower().startswith(("remove", "delete", "take", "scrap", "drop", "get rid"))


@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("form", ["take the {x} out, {r}", "delete the bit about the {x}, {r}", "remove the {x} - {r}",
                                  "scrap the {x}; {r}"])
def test_a_removal_keeps_its_head_and_drops_the_remark(x, form):
    r = [m for m in REMARKS if x.split()[0] not in m][len(form) % 3]  # a remark that names the finding is no remark
    head = removal_with_remark(form.format(x=x, r=r), _names([x.split()[0]]), _remove_head)
    assert head is not None and x in head and r not in head


def test_a_remark_that_names_a_finding_is_kept():
    # "remove the zorvic granuloma, the blorvic cyst too": the tail names a finding, never dropped as a remark
    assert removal_with_remark("remove the zorvic granuloma, the blorvic cyst too", _names(["zorvic", "blorvic"]),
                               _remove_head) is None


@pytest.mark.parametrize("x", NONCE)
@pytest.mark.parametrize("form", ["{X} is {w}, delete", "that {x} is {w}, take it out", "the {x} is {w}, get rid of it",
                                  "{X} is {w} - lose it", "'{x}' is {w}, delete", "{X} are {w} here, lose them"])
def test_a_removal_verb_said_last(x, form):
    w = WHY[len(form) % len(WHY)]
    said = trailing_removal(form.format(x=x, X=x.capitalize(), w=w), _names([x.split()[0]]))
    assert said is not None and said.lower() == f"remove {x}"


def test_a_pronoun_alone_is_never_removed():
    assert trailing_removal("it's wrong, delete it", _names(["zorvic"])) is None
    assert trailing_removal("that is unnecessary, delete", _names(["zorvic"])) is None


@pytest.mark.parametrize("form, said", [("add that they scrape off easily", "there is also scrape off easily"),
                                        ("add that it has a zorvic rim", "there is also a zorvic rim"),
                                        ("mention that there is a blorvic cyst", "there is also there is a blorvic cyst"),
                                        ("please add that the lesion is kellner-shaped", "there is also kellner-shaped")])
def test_add_that_is_the_clause(form, said):  # ("write/say/note that ..." stay the plain reader's statements)
    got = add_that(form)
    assert got is not None and got.endswith(said.split("also ", 1)[1].replace("there is ", "", 1)
                                            if "there is a blorvic" in said else said.split("also ", 1)[1])


@pytest.mark.parametrize("form", ["the impression should also mention {t}", "{t} should be mentioned in the impression",
                                  "impression should mention {t}", "{t} needs to go in the impression"])
def test_mention_in_the_impression(form):
    t = "blorvic degeneration"
    assert mention_in_impression(form.format(t=t)) == f"add {t} to the impression"


@pytest.mark.parametrize("text, side, said", [
    ("No zorvic granuloma in either eye.", "right", "No zorvic granuloma in the left eye."),
    ("No zorvic granuloma OU.", "left", "No zorvic granuloma OD."),
    ("No blorvic cyst in both eyes.", "right", "No blorvic cyst in the left eye."),
    ("No kellner effusion bilaterally.", "left", "No kellner effusion on the right."),
])
def test_a_denial_of_both_sides_is_restated_for_the_other(text, side, said):
    from pixtralogist.agents.chat_edits import EditReader
    from pixtralogist.agents.chat_merge import denial_kept
    from pixtralogist.kit import base_lexicon

    assert denial_kept(EditReader(base_lexicon()), side, text) == said


def test_a_denial_of_one_side_is_not_restated():
    from pixtralogist.agents.chat_edits import EditReader
    from pixtralogist.agents.chat_merge import denial_kept
    from pixtralogist.kit import base_lexicon

    assert denial_kept(EditReader(base_lexicon()), "right", "No zorvic granuloma in the left eye.") is None


@pytest.mark.parametrize("form, named", [("bring the zorvic granuloma back", "zorvic granuloma"),
                                         ("no, revert the blorvic cyst", "blorvic cyst"),
                                         ("put the kellner lesion back as it was", "kellner lesion"),
                                         ("hmm bring the tramulent sentence back", "tramulent"),
                                         ("scrap that, put the zorvic back", "zorvic"),
                                         ("oops, restore the blorvic cyst as it was", "blorvic cyst")])
def test_an_undo_that_names_what_it_reverts(form, named):
    assert undo_of(form) == named
    assert chat.parse_intent(form, {}).kind == "undo"


@pytest.mark.parametrize("form", ["restore the contrast", "revert the size to 8 mm", "bring it back",
                                  "put the zorvic granuloma back in the lungs"])
def test_not_an_undo_of_a_named_thing(form):
    assert undo_of(form) is None


# --- real drafts of every specialty ------------------------------------------------------------------------------


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", ["take the {x} out, {r}", "{X} is {w}, delete", "delete the bit about the {x}, {r}",
                                  "that {x} is {w}, take it out"])
def test_removal_with_remark_on_real_drafts(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x, X=x[:1].upper() + x[1:], r=REMARKS[0], w=WHY[0]), d, ctx)
    assert res.changed and "→" in res.reply, res.reply
    assert x.split()[-1].lower()[:5] not in res.draft.region_dict()[region].lower(), res.draft.region_dict()[region]
    for r, text in d.region_dict().items():
        if r != region:
            assert res.draft.region_dict()[r] == text, r
    assert not any(w.lower() in res.draft.region_dict()[region].lower() for w in ("measure", "irrelevant", "artefact"))


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
def test_named_undo_reverts_only_what_the_last_change_touched(host, template, dictation, x, region, kept):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    removed = chat.handle(f"remove the {x}", d, ctx)
    assert removed.changed, removed.reply
    history = [{"draft": d.model_dump(mode="json"), "impression_locked": False}]
    d2, ctx2 = removed.draft, drafted(host, template, dictation, history=history)[1]
    other = chat.handle(f"bring the {kept} back", d2, ctx2)  # the last change did not touch it
    assert not other.changed and "did not touch" in other.reply
    back = chat.handle(f"no, bring the {x} back", d2, ctx2)
    assert back.changed and back.draft.region_dict() == d.region_dict(), back.reply


@pytest.mark.parametrize("dictation, said, region, gone", [
    ("Zorvic opacity RUL. Heart size normal. No pneumothorax.", "change the heart to mild cardiomegaly", "heart",
     "normal"),
    ("Nodule 6 mm RUL. Lungs otherwise clear. No pneumothorax.", "pls change the lungs to left basal consolidation",
     "lung", "clear"),
])
def test_a_structure_changed_to_a_finding(host, dictation, said, region, gone):  # noqa: F811
    d, ctx = drafted(host, "cxr", dictation)
    res = chat.handle(said, d, ctx)
    after = res.draft.region_dict()[region].lower()
    assert res.changed and "→" in res.reply, res.reply
    assert said.rsplit(" ", 1)[1] in after and gone not in after, after
    assert "no pneumothorax" in res.draft.region_dict()["lung"].lower()  # a denial of another finding stays


@pytest.mark.parametrize("template, dictation, said, region", [
    ("fundus", "OD: PDR with NVD. OS: moderate NPDR, no neovascularization. Maculae dry.",
     "add NVE along the superotemporal arcade in the right eye", "periphery"),
    ("octa", "Capillary non-perfusion superotemporal OD. No NV OU.",
     "add NVE at the edge of the non-perfused area in the right eye", "neovascularization"),
])
def test_an_added_finding_keeps_the_other_eyes_denial(host, template, dictation, said, region):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(said, d, ctx)
    text = res.draft.region_dict()[region].lower()
    assert res.changed and "no neovascularization in the left eye" in text and "right eye" in text, text
    assert res.draft.region_dict().get("non_perfusion") == d.region_dict().get("non_perfusion")  # placed once


def test_an_edit_keeps_the_dictated_diagnosis_the_lexicon_does_not_know(host):  # noqa: F811
    d, ctx = drafted(host, "skin_lesion", "Pitted keratolysis: crateriform pits 1-3mm over both soles, white "
                                          "macerated background, hyperhidrosis + malodour. Topical clindamycin.")
    assert any("keratolysis" in i.lower() for i in d.impression), d.impression
    res = chat.handle("take the size out, I didn't actually measure them", d, ctx)
    assert res.changed, res.reply
    assert [i for i in d.impression if "measure" not in i.lower()] == \
        [i for i in res.draft.impression if "measure" not in i.lower()], res.draft.impression


# --- guideline questions naming a scheme no installed snippet states ---------------------------------------------


class _Snip:
    def __init__(self, text: str, source: str = "", keywords=()):
        self.text, self.source, self.keywords, self.id = text, source, list(keywords), "s-1"


_SNIPPETS = [_Snip("For a single solid pulmonary nodule larger than 8 mm, CT at 3 months.", "Fleischner Society 2017"),
             _Snip("The International Clinical Diabetic Retinopathy scale has five levels.", "Wilkinson 2003")]


@pytest.mark.parametrize("question, name", [
    ("which Zorvic-RADS category is a 9 mm solid nodule?", "Zorvic-RADS"),
    ("how many nodes make it qN7b?", "qN7b"),
    ("where should a BLORV tip sit?", "BLORV"),
    ("Kellner grade for a large solid nodule?", "Kellner"),
    ("what does the Morlith classification say about a solid nodule?", "Morlith"),
])
def test_a_scheme_no_snippet_states_is_named_as_uncovered(question, name):
    from pixtralogist.agents.chat_guidelines import uncovered_name

    assert uncovered_name(question, _SNIPPETS) == name


@pytest.mark.parametrize("question", ["what does Fleischner say for a 9 mm solid nodule?",
                                      "ICDR - which levels are there?", "what does the scale say for 7 mm?",
                                      "Nodule of 9 mm, what now?"])
def test_a_name_a_snippet_states_or_its_initials_is_covered(question):
    from pixtralogist.agents.chat_guidelines import uncovered_name

    assert uncovered_name(question, _SNIPPETS) is None


@pytest.mark.parametrize("form, said", [
    ("zorvic cyst size should read 17 mm", "the zorvic cyst measures 17 mm"),
    ("size is 3.6 cm - I measured on the wrong series", "it measures 3.6 cm"),
    ("the blorvic nodule diameter is 9 mm", "the blorvic nodule measures 9 mm"),
    ("size: 12 mm", "it measures 12 mm"),
])
def test_a_size_said_of_the_size_word(form, said):
    from pixtralogist.agents.chat_imperatives import size_of

    assert size_of(form, _names(["zorvic", "blorvic"])) == said


@pytest.mark.parametrize("form", ["my remeasured size is 9 mm", "size is 9 mm, the zorvic cyst 4 mm"])
def test_a_size_of_no_finding_or_with_another_number_is_not_guessed(form):
    from pixtralogist.agents.chat_imperatives import size_of

    assert size_of(form, _names(["zorvic"])) is None


def test_one_lesion_drafted_into_two_regions_keeps_one_size(host):  # noqa: F811
    d, ctx = drafted(host, "mri_brain", "Epidermoid cyst L CPA 3.1 cm, restricted diffusion, no enhancement. "
                                        "No hydrocephalus.")
    stating = [r for r, t in d.region_dict().items() if "3.1 cm" in t]
    res = chat.handle("size is 3.6 cm - I measured on the wrong series", d, ctx)
    assert res.changed, res.reply
    for r in stating:
        assert "3.6 cm" in res.draft.region_dict()[r] and "3.1" not in res.draft.region_dict()[r], r
    assert "wrong series" not in " ".join(res.draft.region_dict().values()).lower()


def test_an_abbreviation_of_a_snippet_word_is_covered():
    from pixtralogist.agents.chat_guidelines import uncovered_name

    snip = [_Snip("A large zorvithorax has a rim of 2 cm or more at the hilum.", "Kellner Society (KS) 2010")]
    assert uncovered_name("when is a ZTX called large by KS?", snip) is None
    assert uncovered_name("when is a QRV called large by KS?", snip) == "QRV"
