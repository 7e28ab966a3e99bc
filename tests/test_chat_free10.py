"""Round 10 (the free-form families of benchmarks/chat_shapes.py): free-form edit wordings, tested over real drafts of
every specialty with NONCE words (made-up findings, impressions and plans), so no test leans on the vocabulary.

- the impression's new text ("make the impression 'X'", "impression should read X", "impression: X");
- a plan item ("put in the plan: X", "plan: X", "add to the plan X"): written in the impression;
- a correction with its reason ("mild, not moderate, on review", "9 mm on my recheck of the coronal") and with the
  old and new value in any order ("please correct A to B", "A should read B", "it should say B instead of A");
- a finding re-labelled ("call that X a Y", "X should be called Y", "it's a Y rather than a X");
- a finding's course ("mark the X as stable", "say it's partially regressed");
- a structure said normal where its region states nothing but its default ("normal pleura");
- a count or grade in words ("three of twelve", "grade should be three").
"""

from __future__ import annotations

import re

import pytest

from pixtralogist.agents import chat
from pixtralogist.agents.chat_free import (correction, course, impression_text, normal_structure, plan_item, relabel,
                                           spoken_numbers, with_course, without_reason)

from test_chat_edits import drafted  # noqa: F401
from test_chat_edits import host  # noqa: F401  (the module-scoped fixture)
from test_chat_phrasing7 import DRAFTS

NONCE_TEXT = ["blorvic degeneration, likely benign", "Kellner sign, in keeping with zorvic change", "morlith dystrophy"]
IMPRESSION_FORMS = ["make the impression '{t}'", 'make the impression "{t}"', "impression should read {t}",
                    "impression: {t}", "change the impression to {t}", "the impression should say {t}",
                    "rewrite the impression as: {t}", "please make the impression {t}"]
PLANS = ["start IV zorvatide", "repeat Kellner scan in 3 months", "refer to the blorvic clinic"]
PLAN_FORMS = ["put in the plan: {p}", "add to the plan {p}", "plan: {p}", "add plan: {p}", "please add to the plan: {p}",
              "plan is {p}", "put {p} in the plan"]


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", IMPRESSION_FORMS)
def test_impression_text_replaces_the_impression(host, template, dictation, x, region, kept, form):  # noqa: F811
    t = NONCE_TEXT[len(form) % len(NONCE_TEXT)]
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(t=t), d, ctx)
    assert res.changed, res.reply
    assert t.split()[0].lower() in " ".join(res.draft.impression).lower(), res.draft.impression
    assert res.draft.region_dict() == d.region_dict(), res.reply  # the findings stay


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS)
@pytest.mark.parametrize("form", PLAN_FORMS)
def test_plan_goes_in_the_impression(host, template, dictation, x, region, kept, form):  # noqa: F811
    p = PLANS[len(form) % len(PLANS)]
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(p=p), d, ctx)
    assert res.changed, res.reply
    key = {"start IV zorvatide": "zorvatide", "repeat Kellner scan in 3 months": "kellner"}.get(p, "blorvic")
    assert key in " ".join(res.draft.impression).lower(), res.draft.impression
    assert res.draft.region_dict() == d.region_dict(), res.reply


@pytest.mark.parametrize("text", ["make the impression shorter", "impression should also mention GA",
                                  "impression: remove the cyst", "put the nodule in the impression"])
def test_impression_text_is_not_an_instruction(text):
    assert impression_text(text) is None


@pytest.mark.parametrize("a, b", [("PICA", "SCA"), ("zorvic", "blorvic"), ("moderate", "mild"), ("2/12", "3/12")])
@pytest.mark.parametrize("form", ["please correct {a} to {b}", "correct {a} -> {b}", "{a} should read {b}",
                                  "{a} is wrong, it should be {b}", "it should say {b} instead of {a}",
                                  "{a} -> {b}"])
def test_correction_any_order(a, b, form):
    assert correction(form.format(a=a, b=b)) == f"change {a} to {b}"


@pytest.mark.parametrize("core", ["mild, not moderate", "9 mm", "the zorvic nodule is 31 mm", "SCA, not PICA"])
@pytest.mark.parametrize("form", ["{c} on review", "{c}, on review", "{c} on my recheck of the coronal",
                                  "{c} on the axial", "on reflection {c}", "on second look, {c}", "{c} on re-measurement",
                                  "{c} when remeasured"])
def test_reason_is_dropped(core, form):
    assert without_reason(form.format(c=core)) == core


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS[:3] + DRAFTS[5:6])
@pytest.mark.parametrize("form", ["call that {x} a {y}", "{X} should be called {y}", "relabel the {x} as {y}",
                                  "rename the {x} to {y}", "it's a {y} rather than a {x}", "call it a {y} instead of {x}"])
def test_relabel_with_a_nonce_name(host, template, dictation, x, region, kept, form):  # noqa: F811
    y = "quessic plaque"
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x, X=x.capitalize(), y=y), d, ctx)
    after = res.draft.region_dict()
    assert y in after[region].lower(), res.reply
    assert x.lower() not in after[region].lower(), after[region]
    assert {r: v for r, v in after.items() if r != region} == {r: v for r, v in d.region_dict().items() if r != region}


@pytest.mark.parametrize("old", ["zorvic blane in situ", "blorvic zane of the quell", "kellner", "zorvic blane"])
@pytest.mark.parametrize("new", ["krell", "an orvane cyst", "dravine body in situ"])
@pytest.mark.parametrize("form", ["call that {x} {a}{y}", "relabel the {x} as {a}{y}", "please call the {x} {a}{y}"])
def test_relabel_takes_the_whole_old_name(old, new, form):
    """The old name is the longest run the draft states before the article, however many words either name has
    ("call that lobular carcinoma in situ a dcis" once read "lobular" -> "carcinoma in situ a dcis")."""
    art = "" if new.startswith("an ") else "a "
    y = new
    text = form.format(x=old, a=art if "as" not in form.split() else "", y=y)
    want_y = re.sub(r"^an\s+", "", y)
    assert relabel(text, [f"{old.capitalize()}.", "Mild effusion."]) == f"replace {old} with {want_y}"


def test_relabel_needs_the_old_name_in_the_draft():
    assert relabel("call that zorvic a blorvic cyst", ["Mild effusion."]) is None
    assert relabel("call that effusion a blorvic cyst", ["Mild effusion."]) == "replace effusion with blorvic cyst"


@pytest.mark.parametrize("template, dictation, x, region, kept", DRAFTS[:3] + DRAFTS[5:6])
@pytest.mark.parametrize("form, status", [("mark the {x} as stable", "stable"), ("the {x} is now unchanged", "unchanged"),
                                          ("say the {x} has partially regressed", "partially regressed"),
                                          ("{X}: increased", "increased")])
def test_course_of_a_named_finding(host, template, dictation, x, region, kept, form, status):  # noqa: F811
    d, ctx = drafted(host, template, dictation)
    res = chat.handle(form.format(x=x, X=x.capitalize()), d, ctx)
    after = res.draft.region_dict()
    assert status in after[region].lower() and x.lower() in after[region].lower(), res.reply
    assert {r: v for r, v in after.items() if r != region} == {r: v for r, v in d.region_dict().items() if r != region}


@pytest.mark.parametrize("text, said", [("say it's partially regressed", ("it", "partially regressed")),
                                        ("it's stable", ("it", "stable")), ("now improved", ("it", "improved")),
                                        ("the zorvic cyst is stable", ("zorvic cyst", "stable")),
                                        ("mark the kellner lesion as progressed", ("kellner lesion", "progressed")),
                                        ("the effusion is small", None), ("remove the cyst", None)])
def test_course_forms(text, said):
    assert course(text) == said


def test_with_course_replaces_the_old_course():
    assert with_course("Zorvic cyst, stable.", "increased") == "Zorvic cyst, increased."
    assert with_course("Zorvic cyst.", "resolved") == "Zorvic cyst has resolved."


@pytest.mark.parametrize("text, structure", [("the macula is normal in both eyes", "macula"),
                                             ("left lung is clear", "lung"), ("normal pleura", "pleura"),
                                             ("zorvic body unremarkable", "zorvic body"),
                                             ("FAZ is normal in the left eye", "FAZ"), ("it's normal", None)])
def test_normal_structure_forms(text, structure):
    got = normal_structure(text)
    assert (got[0] if got else None) == structure


def test_normal_structure_is_written_in_its_region(host):  # noqa: F811
    d, ctx = drafted(host, "ct_chest", "9 mm solid nodule LLL. Mild paraseptal emphysema.")
    res = chat.handle("normal pleura", d, ctx)
    assert "normal" in res.draft.region_dict()["pleura"].lower(), res.reply
    assert res.draft.region_dict()["lungs_airways"] == d.region_dict()["lungs_airways"]


@pytest.mark.parametrize("text, out", [("three of twelve nodes positive", "3 of 12 nodes positive"),
                                       ("grade should be three", "grade should be 3"),
                                       ("two out of twelve", "2 out of 12"), ("grade is two", "grade is 2"),
                                       ("one of the nodes", "one of the nodes")])
def test_spoken_numbers(text, out):
    assert spoken_numbers(text) == out
