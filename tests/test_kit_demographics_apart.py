"""The age and sex split from what a region holds, though it names no finding (kit.drafter._demographics_apart with
``placeable``): "R mastectomy + SLNB, 47F." and "47F, R mastectomy + SLNB." are the procedure and the indication,
not one indication sentence that swallows the procedure (round 10, held-out pathology rows)."""

from __future__ import annotations

import itertools
import re

import pytest

from pixtralogist.kit.drafter import _demographics_apart

CONTEXT = re.compile(r"\d{1,3}\s?(?:yo|y/o|m|f|male|female)\b", re.I)
DEMOS = ["47F", "71 yo M", "24f", "88M", "63 y/o F"]
NONCE = ["zorvectomy", "left blorvic excision", "R kellnotomy + quade biopsy", "wide zane clearance"]


def placeable(text: str) -> bool:
    return bool(re.search(r"zorvectomy|blorvic|kellnotomy|zane", text, re.I))


def no_finding(text: str) -> bool:
    return False


@pytest.mark.parametrize("demo, lead", list(itertools.product(DEMOS, NONCE)))
def test_demographics_after_what_a_region_holds_are_split(demo, lead):
    out = _demographics_apart([f"{lead}, {demo}."], CONTEXT, no_finding, placeable)
    assert out == [f"{lead}.", f"{demo}."]


@pytest.mark.parametrize("demo, lead", list(itertools.product(DEMOS, NONCE)))
def test_demographics_before_what_a_region_holds_are_split(demo, lead):
    out = _demographics_apart([f"{demo}, {lead}."], CONTEXT, no_finding, placeable)
    assert out == [f"{demo}.", lead[:1].upper() + lead[1:] + "."]


@pytest.mark.parametrize("demo", DEMOS)
def test_what_follows_trailing_demographics_stays_with_them(demo):
    out = _demographics_apart([f"zorvectomy, {demo} - worried about quade."], CONTEXT, no_finding, placeable)
    assert out == ["zorvectomy.", f"{demo} - worried about quade."]


@pytest.mark.parametrize("demo", DEMOS)
def test_a_region_part_after_the_demographics_is_split_too(demo):
    out = _demographics_apart([f"zorvectomy, {demo}, R kellnotomy."], CONTEXT, no_finding, placeable)
    assert out == ["zorvectomy.", f"{demo}.", "R kellnotomy."]


@pytest.mark.parametrize("demo, lead", list(itertools.product(DEMOS, ["quintaritis", "worried re blorp"])))
def test_nothing_a_region_holds_stays_whole(demo, lead):
    for s in (f"{lead}, {demo}.", f"{demo}, {lead}."):
        assert _demographics_apart([s], CONTEXT, no_finding, placeable) == [s]


@pytest.mark.parametrize("marker", ["known", "hx", "post", "previous", "s/p"])
def test_a_history_is_not_split_off(marker):
    s = f"47F, {marker} zorvectomy."
    assert _demographics_apart([s], CONTEXT, no_finding, placeable) == [s]


def test_without_placeable_nothing_changes():
    for s in ("zorvectomy, 47F.", "47F, zorvectomy."):
        assert _demographics_apart([s], CONTEXT, no_finding) == [s]


@pytest.mark.parametrize("procedure, want", [("R mastectomy + SLNB", "mastectomy"), ("L WLE", "wide local excision"),
                                             ("R simple mastectomy", "simple mastectomy"),
                                             ("L lumpectomy", "lumpectomy")])
@pytest.mark.parametrize("order", ["{p}, {d}.", "{d}, {p}."])
@pytest.mark.parametrize("demo", ["47F", "71 yo F", "58f"])
def test_pathology_procedure_with_demographics_reaches_the_procedure(host, procedure, want, order, demo):  # noqa: F811
    from pixtralogist.core.models import Case

    t = host.template("breast-resection")
    drafter = host.drafter(t.specialty, t)
    notes = order.format(p=procedure, d=demo) + " IDC, 14 mm, G2. Margins clear."
    draft = drafter.draft(Case(notes=notes, specialty_hint=t.specialty), t)
    procedure_text = " ".join(f.text for f in draft.findings if f.region == "procedure").lower()
    assert want in procedure_text
    assert demo.lower().replace(" ", "") not in procedure_text.replace(" ", "")
