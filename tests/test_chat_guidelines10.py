"""The guideline answer's relevance check (agents/chat_guidelines.py), generated over every installed snippet
and over nonce subjects no snippet is about."""

from __future__ import annotations

import glob
import itertools
from types import SimpleNamespace

import pytest
import yaml

from pixtralogist.agents.chat_guidelines import about, key_terms, none_covers, relevant

_ROOT = __file__.rsplit("/tests/", 1)[0]
SNIPPETS = [SimpleNamespace(id=s["id"], text=s["text"], source=s["source"], keywords=s.get("keywords") or [])
            for f in sorted(glob.glob(f"{_ROOT}/plugins/*/data/guidelines.yaml"))
            for s in yaml.safe_load(open(f, encoding="utf-8"))]
ASKS = ["what does the guideline say about {x}?", "remind me of the rule for {x}", "how is {x} defined?",
        "quick question - {x}, what's the recommendation?", "{x}: which criteria apply?"]
NONCE = ["zorvatide dosing", "the Kellner sign", "blorvic degeneration", "the Marrow-Tesk index",
         "quintal plexopathy staging", "a trellin catheter tip", "the Vossberg criteria for DIS",
         "Hadley class M4 grading", "pT9q cut-off", "the Dunmore score for crenular scarring"]


def test_snippets_installed():
    assert len(SNIPPETS) > 50


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_a_question_in_a_snippets_own_words_is_about_it(snippet):
    phrases = [k for k in snippet.keywords if key_terms(k)] or [snippet.id.replace("-", " ")]
    for phrase, ask in itertools.product(phrases, ASKS):
        q = ask.format(x=phrase)
        assert about(q, snippet), (q, snippet.id)


@pytest.mark.parametrize("subject", NONCE)
def test_a_nonce_subject_is_about_no_installed_snippet(subject):
    for ask in ASKS:
        q = ask.format(x=subject)
        hits = [SimpleNamespace(snippet=s, score=0.9) for s in SNIPPETS]
        assert relevant(q, hits) == [], (q, [c.snippet.id for c in relevant(q, hits)])


@pytest.mark.parametrize("subject", NONCE)
def test_the_reply_names_the_subject_and_quotes_nothing(subject):
    q = ASKS[0].format(x=subject)
    reply = none_covers(q)
    assert reply.startswith("None of the installed guideline snippets covers")
    assert all(t in reply for t in key_terms(q))
    assert not any(s.text[:40] in reply for s in SNIPPETS)


@pytest.mark.parametrize("q", ["what's the 4-2-1 rule?", "how far above the carina should it be?",
                               "what makes it pT1c?", "per ICDR what defines mild NPDR?"])
def test_key_terms_keep_rule_numbers_abbreviations_and_content_words(q):
    terms = {t.lower() for t in key_terms(q)}
    assert terms and not terms & {"what", "the", "rule", "should", "makes", "defines", "per"}


# --- a size asked about as a bound: the snippet whose range holds it, not the one ending at the bound ---

from pixtralogist.agents.chat import size_matches  # noqa: E402
from pixtralogist.agents.chat_guidelines import asked_size  # noqa: E402

ABOVE = ["above {n}", "over {n}", "more than {n}", "larger than {n}", "greater than {n}", "> {n}", "bigger than {n}"]
BELOW = ["under {n}", "below {n}", "less than {n}", "smaller than {n}", "< {n}"]
ASK_SIZE = ["what does the guideline say for a zorvic nodule {b}?", "Kellner management for a single lesion {b}?"]


@pytest.mark.parametrize("form,ask,n", list(itertools.product(ABOVE + BELOW, ASK_SIZE, [4, 6, 8, 12])))
def test_a_bound_picks_the_range_past_it(form, ask, n):
    q = ask.format(b=form.format(n=f"{n} mm"))
    size = asked_size(q)
    above = form in ABOVE
    assert size == (n + 0.5 if above else n - 0.5)
    ending_at = f"A nodule of {n - 2} to {n} mm calls for a Kellner scan." if above else \
        f"A nodule of {n} to {n + 2} mm calls for a Kellner scan."
    past = f"A nodule larger than {n} mm calls for a Kellner scan." if above else \
        f"A nodule smaller than {n} mm needs no Kellner scan."
    assert size_matches(past, size) and not size_matches(ending_at, size)


@pytest.mark.parametrize("q", ["what does Fleischner say for a 7 mm nodule?", "how large is a 2 cm zorvic cyst?",
                               "is 8 mm big?"])
def test_a_size_said_plainly_is_no_bound(q):
    assert asked_size(q) is None


def test_centimetres_are_millimetres_past_the_bound():
    assert asked_size("a Kellner mass over 1 cm?") == 10.5
