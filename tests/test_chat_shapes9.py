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


# --- "X not in the impression": the impression loses X, as "remove X from the impression" does ---------------

NOT_IN_IMPRESSION = ["{x} not in the impression", "{X} not in impression", "the {x} shouldn't be in the impression",
                     "{x} should not be in the impression", "the {x} doesn't belong in the impression",
                     "{x} is not part of the impression", "pls, {x} not in the conclusion"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", NOT_IN_IMPRESSION)
def test_not_in_the_impression(host, template, dictation, x, region, kept, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    plain = chat.handle(f"remove the {kept} from the impression", d, ctx)
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=kept, X=kept.capitalize()), d, ctx)
    assert res.draft.impression == plain.draft.impression, res.reply
    assert res.draft.region_dict() == d.region_dict(), res.reply  # the findings stay
    if res.changed:
        assert "\u2192" in res.reply


@pytest.mark.parametrize("message", ["it not in the impression", "that should not be in the impression"])
def test_not_in_the_impression_needs_a_name(message):
    from pixtralogist.agents.chat_forms import terse_impression

    assert terse_impression(message) is None


# --- "change moderate to mild": the old and the new severity, never the range "moderate to mild" -------------

SEVERITY_DRAFTS = [("cxr", "Moderate cardiomegaly. Small L effusion.", "cardiomegaly", "heart"),
                   ("skin_lesion", "Moderate vessels. Papule R shin.", "vessels", "dermoscopy"),
                   ("fundus", "OD: moderate copper wiring. OS: pallor.", "copper wiring", "vessels"),
                   ("mri_brain", "Moderate small vessel ischemic change.", "small vessel", "parenchyma"),
                   ("octa", "OD: moderate capillary dropout DCP.", "dropout", "non_perfusion")]
SWAP_FORMS = ["change moderate to {b}", "switch moderate to {b}", "change it from moderate to {b}",
              "pls change moderate to {b}", "change the {x} from moderate to {b}", "correct moderate to {b}"]


@pytest.mark.parametrize("template, dictation, x, region", SEVERITY_DRAFTS)
@pytest.mark.parametrize("form", SWAP_FORMS)
@pytest.mark.parametrize("b", ["mild", "severe"])
def test_change_one_severity_to_another(host, template, dictation, x, region, form, b):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert "moderate" in d.region_dict()[region].lower()
    res = chat.handle(form.format(b=b, x=x), d, ctx)
    after = res.draft.region_dict()[region].lower()
    assert res.changed and b in after and "moderate" not in after and " to " not in after, res.reply
    assert all(t == d.region_dict()[r] for r, t in res.draft.region_dict().items() if r != region)


@pytest.mark.parametrize("message", ["make it moderate to severe", "the cardiomegaly is mild to moderate"])
def test_a_range_is_still_a_range(host, message):  # noqa: F811
    d, ctx = drafted(host, "cxr", "Mild cardiomegaly. Small L effusion.")
    res = chat.handle(message, d, ctx)
    text = " ".join(res.draft.region_dict().values()).lower()
    assert res.changed and ("moderate to severe" in text or "mild to moderate" in text or "mild-moderate" in text), \
        res.reply


# --- a hyphenated finding name whose parts are words the reader skips ("drop-out": "drop", "out") -------------

def _hyphenated_terms():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from phrasing_shapes import TEMPLATES, candidate_terms

    return [(t, term) for t in TEMPLATES for term in sorted(candidate_terms(t)) if "-" in term]


@pytest.mark.parametrize("template, term", _hyphenated_terms())
def test_hyphenated_finding_names_are_subjects(host, template, term):  # noqa: F811
    d, ctx = drafted(host, template, "OD: drusen." if template in ("fundus", "octa") else "Papule.")
    reader = chat.reader_for(d, ctx.lexicon, ctx.template)
    for message in (f"remove the {term}", f"the {term} is mild", f"move the {term} to others"):
        subject = reader.subject_words(reader.expand(message))
        assert any("-" in w or w in term.split("-") for w in subject), (message, subject)


# --- a place said alone, without a side ("parietal", "actually in the occipital lobe", "apex") ----------------

def _places(template: str, concept_id: str, old: str) -> list[str]:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from lexicon_coverage import lexicon_of

    syn = [str(s).lower() for c in lexicon_of(template).concepts if c.id == concept_id for s in c.synonyms]
    return [s for s in syn if s not in old and old not in s and " " not in s.strip() and len(s) > 4][:8]


PLACE_DRAFTS = [("mri_brain", "Neoplasm in the frontal lobe. Herniation.", "brain_region", "frontal lobe", "parenchyma"),
                ("cxr", "Opacity at the right base. Cardiomegaly.", "lung_zone", "base", "lung")]
PLACE_FORMS = ["{p}", "actually {p}", "it's in the {p}", "in the {p}", "no, {p}", "pls {p}"]


@pytest.mark.parametrize("template, dictation, concept, old, region", PLACE_DRAFTS)
@pytest.mark.parametrize("form", PLACE_FORMS)
def test_a_place_said_alone_replaces_the_place(host, template, dictation, concept, old, region, form):  # noqa: F811
    for p in _places(template, concept, old):
        d, ctx = drafted(host, template, dictation)
        res = chat.handle(form.format(p=p), d, ctx)
        after = res.draft.region_dict()[region].lower()
        assert res.changed and p in after and old not in after.replace(p, ""), (p, res.reply)
        assert len(after.split(". ")) == len(d.region_dict()[region].split(". ")), after  # replaced, not added
        assert all(t == d.region_dict()[r] for r, t in res.draft.region_dict().items() if r != region)


@pytest.mark.parametrize("message", ["lobe", "frontal", "the frontal lobe"])
def test_the_same_or_a_vaguer_place_changes_nothing(host, message):  # noqa: F811
    from pixtralogist.agents.chat_forms import place_alone

    d, ctx = drafted(host, "mri_brain", "Neoplasm in the frontal lobe. Herniation.")
    reader = chat.reader_for(d, ctx.lexicon, ctx.template)
    assert place_alone(message, [f.text for f in d.findings if not f.is_default], reader) is None


# --- "not A but B" with a decimal value ("not 2.5 cm but 3.2 cm") ----------------------------------------------

DECIMAL_DRAFTS = [("breast-resection", "Mastectomy. Tumor 2.5cm. LVI present.", "2.5 cm", "3.2 cm", "size"),
                  ("ct_chest", "7.5 mm nodule RUL. Emphysema.", "7.5 mm", "9.5 mm", "lungs_airways"),
                  ("skin_lesion", "Papule L forearm 4.5 mm.", "4.5 mm", "6.5 mm", "size")]
DECIMAL_FORMS = ["not {a} but {b}", "it's not {a} but {b}", "not {a}, rather {b}", "{b}, not {a}",
                 "not {a}, it's {b}"]


@pytest.mark.parametrize("template, dictation, a, b, region", DECIMAL_DRAFTS)
@pytest.mark.parametrize("form", DECIMAL_FORMS)
def test_not_a_but_b_with_decimals(host, template, dictation, a, b, region, form):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    assert a in d.region_dict()[region]
    res = chat.handle(form.format(a=a, b=b), d, ctx)
    after = res.draft.region_dict()[region]
    assert res.changed and b in after and a not in after, res.reply
