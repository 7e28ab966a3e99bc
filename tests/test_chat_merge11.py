"""Statements merged as dictation (round 10, ``agents/chat_merge.py``): asides stripped, a contradicted normal
statement or denial replaced (its other side kept), a named part's size corrected, a region's structure said
normal. Generated over made-up finding words spliced into each shape, so no test names a benchmark row's words."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

import pytest

from pixtralogist.agents.chat_edits import EditReader
from pixtralogist.agents.chat_merge import contradicts, merged, part_size, without_asides

RNG = random.Random(1110)
SYL = ["bl", "qu", "zan", "tor", "vel", "mip", "sor", "kel", "dra", "fen", "lox", "pim", "rug", "tas", "wob"]


def nonce(n: int = 3) -> str:
    return "".join(RNG.choice(SYL) for _ in range(n)) + RNG.choice(["a", "o", "um", "ix", "en"])


NOUNS = [nonce() for _ in range(6)]
ADJS = [nonce(2) + "ic" for _ in range(4)]
STATEMENTS = [f"the {n} is {a}" for n, a in zip(NOUNS, ADJS)] + \
             [f"there is a small {a} {n} in the left {NOUNS[0]}" for n, a in zip(NOUNS[1:4], ADJS)] + \
             [f"both {n}s are {a}" for n, a in zip(NOUNS[2:4], ADJS[1:])]
LEADS = ["sorry, ", "sorry - ", "my mistake - ", "my bad, ", "oops, ", "correction: ", "I missed that - ",
         "I forgot this one earlier, ", "just seen the lateral - ", "having checked the OCT, ", "apologies, "]
TAILS = [", I missed that", ", sorry", " - my mistake", ", I missed it first time round", " after all",
         ", I didn't mention it before", " on second thoughts", " on my recheck of the coronal post-contrast",
         " on my review", ", on my remeasurement of the sagittal"]


@pytest.mark.parametrize("lead,statement", list(itertools.product(LEADS, STATEMENTS[:5])))
def test_lead_aside_is_stripped(lead, statement):
    assert without_asides(lead + statement) == statement


@pytest.mark.parametrize("tail,statement", list(itertools.product(TAILS, STATEMENTS[4:])))
def test_tail_aside_is_stripped(tail, statement):
    assert without_asides(statement + tail) == statement


@pytest.mark.parametrize("statement", STATEMENTS)
def test_statement_without_aside_is_unchanged(statement):
    assert without_asides(statement) == statement


@pytest.mark.parametrize("said", ["wrong {p} - {s}", "wrong {p}, it's the {s} one", "the wrong {p}: {s}",
                                  "wrong {p} - should be {s}", "that's the wrong {p}, it's the {s} {p}"])
def test_wrong_part_with_a_side_is_the_wrong_side(said):
    for p, side in zip(NOUNS[:3], ("left", "right", "left")):
        assert without_asides(said.format(p=p, s=side)) == f"wrong side, {side}"
    assert without_asides(f"wrong {NOUNS[0]} - it's the {NOUNS[1]}") == f"wrong {NOUNS[0]} - it's the {NOUNS[1]}"


def test_aside_alone_or_mid_sentence():
    n, a = NOUNS[0], ADJS[0]
    assert without_asides(f"remeasured with the {n} ruler it is 7mm across") == "it is 7mm across"
    assert without_asides(f"I rechecked it on the {ADJS[1]} {n} series it's 12 mm") == "it's 12 mm"
    assert without_asides("sorry") == "sorry"  # nothing left: the message is left as it is
    assert without_asides("I missed that") == "I missed that"
    assert without_asides(f"the {n} is {a} actually, 40% both eyes") == f"the {n} is {a}, 40% both eyes"
    assert without_asides(f"there is a {a} {n} after all, about 5 mm") == f"there is a {a} {n}, about 5 mm"
    assert without_asides(f"there IS {a} {n}") == f"there is {a} {n}"
    # a place said after a comma belongs to the finding
    assert without_asides(f"{a} {n}, into the left {NOUNS[1]}") == f"{a} {n} into the left {NOUNS[1]}"


@pytest.fixture(scope="module")
def reader():
    """The kit's base lexicon, with the made-up structure words as the subjects a specialty lexicon names."""
    from dataclasses import replace

    from pixtralogist.kit import base_lexicon
    from pixtralogist.kit.lexicon import Subject

    lex = base_lexicon()
    subjects = dict(lex.subjects)
    for n in NOUNS:
        subjects[n] = Subject(say=f"the {n}")
        subjects[n + "s"] = Subject(say=f"the {n}s", plural=True)
    return EditReader(replace(lex, subjects=subjects))


def F(text, *, abnormal=False, negated=None):
    neg = text.lower().startswith("no ") if negated is None else negated
    return SimpleNamespace(text=text, abnormal=abnormal, negated=neg, is_default=False, id=text, region="r")


@pytest.mark.parametrize("noun,adj", list(zip(NOUNS, ADJS + ADJS)))
def test_normal_statement_of_the_structure_is_replaced(reader, noun, adj):
    t = F(f"The {noun} is normal.")
    assert merged(reader, f"the {noun} is {adj}", t) == [f"The {noun} is {adj}."]
    # the structure's adjective form ("-ar") is the same structure
    t2 = F(f"{noun.capitalize()} normal in the right eye.")
    assert merged(reader, f"{noun}ar {adj}ity in the right eye", t2) == [f"{noun.capitalize()}ar {adj}ity in the right eye."]


@pytest.mark.parametrize("noun,adj", list(zip(NOUNS, ADJS + ADJS)))
@pytest.mark.parametrize("side,other", [("left", "right"), ("right", "left")])
def test_one_side_of_a_both_sides_statement_splits_it(reader, noun, adj, side, other):
    t = F(f"The {noun} is normal in both eyes.")
    out = merged(reader, f"the {noun} is {adj} in the {side} eye", t)
    assert out == [f"The {noun} is normal in the {other} eye.", f"The {noun} is {adj} in the {side} eye."]
    # said of both, with no side phrase of its own: written with the sentence's sides
    out = merged(reader, f"both {noun}s are {adj}", F(f"The {noun}s are normal in both eyes."))
    assert out == [f"{noun.capitalize()}s are {adj} in both eyes."]
    # the other eye's statement is no contradiction
    assert merged(reader, f"the {noun} is {adj} in the {side} eye", F(f"The {noun} is normal in the {other} eye.")) is None


@pytest.mark.parametrize("kind,head,other", [(ADJS[0], NOUNS[0], ADJS[1]), (ADJS[2], NOUNS[1], ADJS[3])])
def test_denial_of_the_same_kind_is_contradicted(reader, kind, head, other):
    denial = F(f"No {kind} {head}.")
    assert merged(reader, f"{kind} {NOUNS[2]} into the left {NOUNS[3]}", denial) is not None
    assert merged(reader, f"small {kind} {head}", denial) is not None
    # another kind of the same head is no contradiction ("No pericardial effusion." for a pleural effusion)
    assert merged(reader, f"small {other} {head}", denial) is None
    # a denial said as a clause of a normal statement: its other side stays
    t = F(f"{NOUNS[4].capitalize()} flat with no {head}s in both eyes.", negated=True)
    assert merged(reader, f"{NOUNS[5]} {head} at 2 o'clock in the right eye", t) == [
        f"{NOUNS[4].capitalize()} flat with no {head}s in the left eye.",
        f"{NOUNS[5].capitalize()} {head} at 2 o'clock in the right eye."]


def test_no_contradiction_for_normal_statements_requests_or_abnormal_sentences(reader):
    n, a = NOUNS[0], ADJS[0]
    assert not contradicts(reader, f"the {n} is normal", F(f"The {n} is normal."))
    assert not contradicts(reader, f"the {n} is {a}", F(f"The {n} is {ADJS[1]}.", abnormal=True))
    assert not contradicts(reader, f"the {n}s are irrelevant here, drop them", F(f"{n.capitalize()}s intact."))
    assert not contradicts(reader, f"the {NOUNS[1]} is {a}", F(f"The {n} is normal."))
    # a normal statement of what the lexicon names no structure (a device, a finding left unflagged) stays
    assert not contradicts(reader, f"the {nonce(4)} is {a}", F(f"The {nonce(4)} is normal."))
    # a severity said, or a sentence that states one: a value changed in place, never a new statement
    assert not contradicts(reader, f"the {n} is mild", F(f"The {n} is normal."))
    assert not contradicts(reader, f"the {n} is {a}", F(f"Moderate {n} change."))


@pytest.mark.parametrize("part,whole", list(zip(NOUNS[:3], NOUNS[3:])))
def test_named_part_size_is_corrected(part, whole):
    text = f"{whole.capitalize()} 11 mm with 4 mm {ADJS[0]} {part}."
    assert part_size((ADJS[0], part), "6 mm", text) == f"{whole.capitalize()} 11 mm with 6 mm {ADJS[0]} {part}."
    assert part_size((whole,), "13 mm", text) == f"{whole.capitalize()} 13 mm with 4 mm {ADJS[0]} {part}."
    assert part_size((whole,), "13 mm", f"{whole.capitalize()} 11 mm.") is None  # one size: the reader's own
    assert part_size((nonce(4),), "13 mm", text) is None  # no size next to a word said: not guessed


# -- through the chat, on real drafts of each specialty ----------------------------------------------------------

@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.storage import StorageSettings

    s = ReportingService.create(tmp_path_factory.mktemp("merge11"), host=get_plugin_manager(autoload=False),
                                storage=StorageSettings.from_sources(None, env={}))
    yield s
    s.close()


def _turn(svc, specialty, modality, body, notes, message):
    from pixtralogist.core.models import Case

    t = svc.start(Case(notes=notes, indication="", modality=modality, body_part=body, specialty_hint=specialty))
    if t.status == "choose_specialty":
        t = svc.choose_specialty(t.case_id, specialty)
    before = t.draft.region_dict()
    after = svc.message(t.case_id, message)
    reply = next(m.text for m in reversed(after.messages) if m.role in ("assistant", "system"))
    return before, after.draft.region_dict(), reply


CASES = [  # (specialty, modality, body part, dictation, region, aside-wrapped statement, said, gone)
    ("radiology", "CT", "chest", "Mild emphysema. No pericardial effusion. Heart normal size.", "heart_vessels",
     "sorry, I missed it - there is a small pericardial effusion", "pericardial effusion", "No pericardial effusion"),
    ("radiology", "MRI", "brain", "Right frontal glioma 3 cm. No intraventricular hemorrhage.", "ventricles_extraaxial",
     "there IS intraventricular extension after all, into the right frontal horn", "Intraventricular extension",
     "No intraventricular hemorrhage"),
    ("ophthalmology", "fundus photograph", "eye", "Optic discs pink OU. Macula flat OU.", "optic_disc",
     "the left disc is pale, my mistake", "left disc is pale", "in both eyes"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[4] for c in CASES])
def test_statement_through_the_chat(svc, case):
    specialty, modality, body, notes, region, message, said, gone = case
    before, after, reply = _turn(svc, specialty, modality, body, notes, message)
    assert said.lower() in after[region].lower()
    assert gone.lower() not in after[region].lower()
    assert "sorry" not in after[region].lower() and "mistake" not in after[region].lower()
    assert "\u2192" in reply  # shown as a before/after line
    assert all(after[r] == before[r] for r in before if r != region)


@pytest.mark.parametrize("noun,adj", list(zip(NOUNS[:3], ADJS)))
@pytest.mark.parametrize("side,other", [("left", "right"), ("right", "left")])
def test_denial_of_either_eye_keeps_the_other_eye(reader, noun, adj, side, other):
    from pixtralogist.agents.chat_merge import denial_kept

    t = F(f"No {adj} {noun} in either eye.")
    for said in (f"{adj} {noun} in the {side} eye", f"the {side} eye has {adj} {noun}"):
        assert merged(reader, said, t) == [f"No {adj} {noun} in the {other} eye.",
                                           f"{adj.capitalize()} {noun} in the {side} eye."]
    assert denial_kept(reader, side, t.text) == f"No {adj} {noun} in the {other} eye."
    assert denial_kept(reader, side, f"No {adj} {noun}.") is None  # a denial of no side goes whole
