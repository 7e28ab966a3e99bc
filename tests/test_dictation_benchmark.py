"""The instrument of ``benchmarks/dictation.py`` (issue 13), tested on hand-made drafts.

No drafter runs here: the drafts are written by hand, so these tests check the scorer
itself (fact matching, orphans, chat verdicts) and that the frozen development sets load.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from pixtralogist.core.models import Draft, Finding, Flag, Provenance

REPO = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("dictation_bench", REPO / "benchmarks" / "dictation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["dictation_bench"] = mod
    spec.loader.exec_module(mod)
    return mod


bench = _load_bench()

CXR_REGIONS = ["lung", "heart", "mediastinal", "bone", "others"]
DEFAULTS = {
    "lung": "The lungs are clear. No pleural effusion or pneumothorax.",
    "heart": "Heart size is normal.",
    "mediastinal": "The mediastinal and hilar contours are normal.",
    "bone": "No acute osseous abnormality.",
    "others": "No other significant finding.",
}


def _prov(source: str = "dictation") -> Provenance:
    return Provenance(source=source, engine="offline-dictation", plugin="radiology", plugin_version="1",
                      template_id="cxr", template_version="1")


def make_draft(regions: dict[str, str], impression: list[str] | None = None) -> Draft:
    """A chest radiograph draft: the given region texts, template defaults elsewhere."""
    findings = []
    for r in CXR_REGIONS:
        if r in regions:
            findings.append(Finding(region=r, text=regions[r], provenance=_prov()))
        else:
            findings.append(Finding(region=r, text=DEFAULTS[r], is_default=True, provenance=_prov("template-default")))
    return Draft(case_id="case-test", specialty="radiology", template_id="cxr", template_version="1",
                 regions=CXR_REGIONS, region_labels={"lung": "Lungs and pleura", "heart": "Heart",
                                                     "mediastinal": "Mediastinum and hila", "bone": "Bones",
                                                     "others": "Other"},
                 findings=findings, impression=impression or [], provenance=_prov())


@pytest.fixture(scope="module")
def dictation_set():
    return bench.load_dictation_set()


@pytest.fixture(scope="module")
def chat_items(dictation_set):
    return {c.id: c for c in bench.load_chat_set(synonyms=dictation_set[0])}


def _item(dictation_set, item_id):
    return next(i for i in dictation_set[1] if i.id == item_id)


# --- the frozen sets ---------------------------------------------------------------------------


def test_sets_load_and_have_the_size_the_issue_asks(dictation_set, chat_items):
    _, items = dictation_set
    assert len(items) >= 200
    per = Counter(i.specialty for i in items)
    assert set(per) == {"radiology", "dermatology", "ophthalmology", "pathology"}
    assert min(per.values()) >= 40
    assert {i.template for i in items if i.specialty == "radiology"} == {"cxr", "ct_chest", "mri_brain"}
    assert len(chat_items) >= 60
    assert {c.kind for c in chat_items.values()} == set(bench.CHAT_KINDS)
    # the split is the fixed rule, about 30% holdout
    for row in list(items) + list(chat_items.values()):
        assert row.split == bench.split_of(row.id)
    share = sum(i.split == "holdout" for i in items) / len(items)
    assert 0.2 < share < 0.4


def test_a_bad_row_is_refused_with_its_id(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"synonyms: {{}}\nitems:\n- id: x-1\n  split: {bench.split_of('x-1')}\n  specialty: radiology\n  template: cxr\n"
                   "  dictation: small L effusion\n  facts:\n  - {region: lungs, all: [effusion]}\n", "utf-8")
    with pytest.raises(bench.DataError, match="x-1: region 'lungs'"):
        bench.load_dictation_set(bad)


# --- facts ----------------------------------------------------------------------------------------

CORRECT_CXR_001 = {
    "lung": "Moderate right pleural effusion with basilar atelectasis. No pneumothorax.",
    "heart": "Mild cardiomegaly.",
    "bone": "Degenerative changes of the thoracic spine.",
    "others": "Pacemaker in the left chest wall, leads in the right atrium and right ventricle.",
}


def test_a_correct_draft_scores_every_fact(dictation_set):
    item = _item(dictation_set, "cxr-001")
    score = bench.score_draft(make_draft(CORRECT_CXR_001), item.facts)
    assert [s for _, s in score.statuses] == ["correct"] * len(item.facts)
    assert score.orphans == []
    # the draft model lists what the drafter could not place (Draft.not_placed); here nothing
    assert (score.unplaced, score.has_unplaced) == (0, True)


def test_a_dropped_severity_loses_that_fact_only(dictation_set):
    item = _item(dictation_set, "cxr-001")
    score = bench.score_draft(make_draft({**CORRECT_CXR_001, "heart": "Cardiomegaly."}), item.facts)
    bad = [(f.region, s) for f, s in score.statuses if s != "correct"]
    assert bad == [("heart", "distorted")]


def test_orphans_and_demographics_in_findings_are_counted(dictation_set):
    item = _item(dictation_set, "cxr-001")
    draft = make_draft({**CORRECT_CXR_001, "heart": "Cardiomegaly.",
                        "others": "65m sob. Mild. Pacemaker left chest. Leads in RA/RV."})
    score = bench.score_draft(draft, item.facts)
    assert score.orphans == [("others", "65m sob."), ("others", "Mild.")]
    status = {f.region: s for f, s in score.statuses if f.region in ("indication", "heart")}
    assert status == {"indication": "misplaced", "heart": "distorted"}


def test_qualifier_in_another_region_is_not_the_fact(dictation_set):
    item = _item(dictation_set, "cxr-002")  # R hilar mass ~4 cm, suspicious for malignancy
    split = make_draft({"lung": "Suspicious for malignancy. The lungs are otherwise clear.",
                        "mediastinal": "Right hilar mass ~4 cm."})
    whole = make_draft({"lung": "The lungs are otherwise clear.",
                        "mediastinal": "Right hilar mass, approximately 4 cm, suspicious for malignancy."},
                       impression=["Right hilar mass, suspicious for malignancy."])
    first = bench.score_draft(split, item.facts).statuses[0][1]
    assert first == "distorted"
    assert bench.score_draft(whole, item.facts).statuses[0][1] == "correct"


def test_wrong_side_and_negation_are_not_the_fact():
    fact = bench.Fact("lung", (("effusion",), ("right",)), forbidden=("left",))
    assert bench.sentence_states(fact, "Small right pleural effusion.")
    assert not bench.sentence_states(fact, "Small left pleural effusion.")
    assert not bench.sentence_states(fact, "No right pleural effusion.")
    neg = bench.Fact("lung", (("pneumothorax",),), polarity="negative")
    assert bench.sentence_states(neg, "No pneumothorax.")
    assert bench.sentence_states(neg, "Moderate effusion without pneumothorax.")
    assert not bench.sentence_states(neg, "Small left apical pneumothorax.")
    lvi = bench.Fact("lvi", (("lymphovascular invasion",),), polarity="negative")
    assert bench.sentence_states(lvi, "Lymphovascular invasion not identified.")
    assert not bench.sentence_states(lvi, "Lymphovascular invasion present.")


def test_normalisation_accepts_spacing_and_units():
    size = bench.Fact("size", (("4.1 cm",),))
    assert bench.sentence_states(size, "ILC 4.1cm.")
    assert not bench.sentence_states(size, "ILC 14.1 cm.")
    er = bench.Fact("others", (("er",), ("positive",)), polarity="any")
    assert bench.sentence_states(er, "ER+ PR+ HER2 negative.")


def test_a_term_matches_its_regular_plural_only():
    papule = bench.Fact("morphology", (("papule",),))
    assert bench.sentence_states(papule, "Papules and plaques.")
    assert bench.sentence_states(papule, "Papule.")
    assert not bench.sentence_states(papule, "Papulosquamous rash.")
    opacity = bench.Fact("lungs", (("airspace opacity",),))
    assert bench.sentence_states(opacity, "Patchy airspace opacities.")
    eye = bench.Fact("macula", (("drusen",), ("od",)))
    assert not bench.sentence_states(eye, "Drusen in the ods.")  # two-letter words keep their exact form
    assert bench.sentence_states(eye, "Drusen OD.")


# --- chat verdicts -------------------------------------------------------------------------------


def test_chat_correct_edit_not_understood_and_wrong_side_edit(chat_items):
    item = chat_items["chat-001"]  # "no, it's the left side" on a right effusion
    before = make_draft({"lung": "Moderate right pleural effusion. No pneumothorax."})
    right = make_draft({"lung": "Moderate left pleural effusion. No pneumothorax."})
    assert bench.judge_turn(item, before, right, "Lungs and pleura: Moderate left pleural effusion.", []).verdict == "correct"
    assert bench.judge_turn(item, before, before, "I did not recognise that.", []).verdict == "not_understood"

    wrong = chat_items["chat-037"]  # "delete the left effusion": there is none; the right one must stay
    removed = make_draft({"lung": "No pneumothorax."})
    told = bench.judge_turn(wrong, before, removed, "Removed: 'Moderate right pleural effusion.'", [])
    assert (told.verdict, told.silent) == ("wrong_edit", False)
    silent = bench.judge_turn(wrong, before, removed, "Done.", [])
    assert (silent.verdict, silent.silent) == ("wrong_edit", True)
    refused = bench.judge_turn(wrong, before, before, "No finding matches 'left effusion'. Nothing was removed.", [])
    assert refused.verdict == "correct"


def test_chat_edit_touching_another_region_is_wrong(chat_items):
    item = chat_items["chat-021"]  # "make the effusion small"
    before = make_draft({"lung": "Moderate right pleural effusion with basilar atelectasis.", "heart": "Heart size is normal."})
    after = make_draft({"lung": "Small right pleural effusion with basilar atelectasis.", "heart": "Mild cardiomegaly."})
    out = bench.judge_turn(item, before, after, "Lungs and pleura: Small right pleural effusion.", [])
    assert out.verdict == "wrong_edit"
    assert any("region heart changed" in r for r in out.reasons)


def test_flag_question_must_explain_the_flag_or_say_none(chat_items):
    item = chat_items["chat-049"]  # "why is the heart flagged?"
    draft = make_draft({"lung": "Moderate right pleural effusion."})
    assert bench.judge_turn(item, draft, draft, "Nothing about the heart is flagged on this draft.", []).verdict == "correct"
    snippets = "From the guideline snippets (verify against the source):\n1. Cardiothoracic ratio above 0.5 ..."
    assert bench.judge_turn(item, draft, draft, snippets, []).verdict == "wrong_answer"
    flag = Flag(code="cardiomegaly-ap-film", severity="warning", region="heart",
                message="Cardiomegaly is called on an AP film, where the heart looks larger.")
    assert bench.judge_turn(item, draft, draft, "- [warning] " + flag.message, [flag]).verdict == "correct"
    assert bench.judge_turn(item, draft, draft, "Nothing about the heart is flagged.", [flag]).verdict == "wrong_answer"


def test_undo_must_restore_the_state_before_the_last_edit(chat_items):
    item = chat_items["chat-043"]
    original = make_draft({"lung": "Moderate right pleural effusion with basilar atelectasis."})
    edited = make_draft({"lung": "Moderate right pleural effusion."})
    target = (original.region_dict(), tuple(original.impression))
    assert bench.judge_turn(item, edited, original, "Undone.", [], undo_target=target).verdict == "correct"
    assert bench.judge_turn(item, edited, edited, "I did not recognise that.", [], undo_target=target).verdict == "not_understood"
    assert bench.judge_turn(item, edited, edited, "", [], undo_target=None).verdict == "setup_failed"


def test_a_move_already_in_place_is_not_correct_when_the_reply_did_not_understand(chat_items):
    item = chat_items["chat-023"]  # "move the granuloma to lungs"
    draft = make_draft({"lung": "Calcified granuloma, 5 mm."})
    assert bench.judge_turn(item, draft, draft, "The granuloma is already under Lungs and pleura.", []).verdict == "correct"
    out = bench.judge_turn(item, draft, draft, "I did not recognise that as a command or a question.", [])
    assert out.verdict == "not_understood"
