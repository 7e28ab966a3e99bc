"""Reports are plain text: markup and control characters are refused at every entry point
(core edits, the agent and its service, the app's controller), and what is shown is escaped."""

from __future__ import annotations

import logging

import pytest

from pixtralogist.agents.types import ChatMessage
from pixtralogist.core import editing
from pixtralogist.core.errors import CaseError, MarkupError
from pixtralogist.core.imaging import build_case
from pixtralogist.core.text import ensure_plain_text, markup_problem
from pixtralogist.ui import render

from test_ui import shown

BEACON = "http://127.0.0.1:9/x.png"
PAYLOADS = [
    f'<img src="{BEACON}" onerror="window.__pwned=1">',
    "<script>alert(1)</script>",
    "< iframe src=x>",
    "</p><b>bold</b>",
    "<!-- hidden -->",
    f"![chart]({BEACON})",
    "[click](javascript:alert(1))",
    "[ref]: http://evil.example/x",
    f"see {BEACON}",
    "visit www.example.org",
    "javascript:alert(1)",
    "data:image/png;base64,AAAA",
    "&lt;img src=x&gt;",
    "&#60;img&#62;",
    "small effusion\x00",
    "right\u202eleft",
    "zero\u200bwidth",
    "bell\x07",
]
CLINICAL = [
    "7 mm RUL nodule, <6 mm satellite",
    "Adrenal nodule < 1 cm, 8 HU.",
    "CTR 0.55 > 0.5 on PA film.",
    "Nodule [RUL] (7 mm).",
    "AP & lateral views; ratio 3:1.",
    "Follow-up: CT at 6-12 months.",
    "Line 1\nLine 2\twith a tab",
    "Grade 2 (3+2+2 = 7); ER 90%.",
    "Data: none. Note: see prior.",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_markup_and_control_characters_are_refused(text):
    assert markup_problem(text) is not None
    with pytest.raises(MarkupError, match="was not saved: it contains") as info:
        ensure_plain_text(text, "The text")
    assert isinstance(info.value, CaseError)
    assert text not in str(info.value)  # the refusal does not repeat the payload


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_text_passes(text):
    assert markup_problem(text) is None
    assert ensure_plain_text(text) == text


# --- the agent and its service ------------------------------------------------------------------


@pytest.fixture(scope="module")
def case_id(service, png):
    return service.start(build_case([png], notes="small L effusion, heart nl", indication="Cough. Chest x-ray.")).case_id


@pytest.mark.parametrize("field", ["notes", "indication", "comparison", "prior_report"])
def test_case_text_with_markup_is_refused_before_anything_is_saved(service, png, field):
    case = build_case([png], **{"notes": "heart nl", field: f"heart nl {PAYLOADS[0]}"})
    with pytest.raises(MarkupError):
        service.start(case)
    with pytest.raises(CaseError, match="no case"):
        service.get(case.id)


def test_cli_draft_refuses_markup_in_the_notes(png, capsys):
    from pixtralogist.cli import main

    assert main(["draft", "--image", str(png), "--notes", f"heart nl {PAYLOADS[5]}", "--specialty", "radiology"]) == 2
    err = capsys.readouterr().err
    assert "The notes text was not saved" in err and BEACON not in err
    assert main(["draft", "--image", str(png), "--notes", "heart nl, <6 mm nodule", "--specialty", "radiology"]) == 0


def _report(service, case_id) -> str:
    return service.get(case_id).draft.to_text()


@pytest.mark.parametrize("payload", PAYLOADS[:7] + PAYLOADS[14:16])
def test_chat_edits_with_markup_are_refused_and_never_reach_the_report(service, case_id, payload):
    before = service.get(case_id).draft
    for command in (f"add {payload}", f"rewrite others: {payload}", f"rewrite impression: {payload}"):
        turn = service.message(case_id, command)
        assert turn.status == "review"
        assert "was not saved" in turn.messages[-1].text and turn.messages[-1].role == "system"
        assert turn.draft.region_dict() == before.region_dict() and turn.draft.impression == before.impression
    assert "__pwned" not in _report(service, case_id) and BEACON not in _report(service, case_id)


def test_service_edits_and_signature_with_markup_are_refused(service, case_id):
    before = service.get(case_id).draft
    with pytest.raises(MarkupError):
        service.edit_region(case_id, "others", PAYLOADS[0])
    with pytest.raises(MarkupError):
        service.edit_impression(case_id, PAYLOADS[5])
    with pytest.raises(MarkupError):
        service.sign(case_id, "Dr <b>X</b>")
    turn = service.message(case_id, "sign as Dr <img src=x>")
    assert turn.status == "review" and "not saved" in turn.messages[-1].text
    after = service.get(case_id)
    assert after.status == "review" and after.draft.region_dict() == before.region_dict()


def test_core_edits_refuse_markup_directly(service, case_id):
    turn = service.get(case_id)
    template = service.runtime.host.template(turn.draft.template_id)
    with pytest.raises(MarkupError):
        editing.replace_region(turn.draft, "others", PAYLOADS[1], template)
    with pytest.raises(MarkupError):
        editing.add_statement(turn.draft, PAYLOADS[5], template, None)
    with pytest.raises(MarkupError):
        editing.set_impression(turn.draft, PAYLOADS[8])
    with pytest.raises(MarkupError):
        turn.draft.sign("Dr\x00X")


# --- what the browser gets ---------------------------------------------------------------------------


def test_chat_messages_are_escaped_for_every_role():
    msgs = [ChatMessage(role=r, text=f"{PAYLOADS[0]} {PAYLOADS[5]}") for r in ("clinician", "assistant", "system")]
    for m in render.chat_messages(msgs):
        content = m["content"]
        assert "<img" not in content and "![" not in content and "](" not in content and "http:" not in content
        assert "&lt;img" in content and PAYLOADS[0] in shown(content)  # shown as typed


# --- the app's controller (no browser) --------------------------------------------------------------


@pytest.fixture(scope="module")
def ctl(service, tmp_path_factory):
    pytest.importorskip("gradio")
    from pixtralogist.ui.app import create_ui

    return create_ui(service, export_dir=tmp_path_factory.mktemp("exports")).px_controller


def test_controller_refuses_markup_at_intake_and_in_edits(ctl, service, png):
    from pixtralogist.ui.controller import TURN_KEYS, new_session

    n_cases = len(service.list_cases())
    with pytest.warns(UserWarning):
        out = dict(zip(TURN_KEYS, ctl.draft(new_session(), [str(png)], f"Cough {PAYLOADS[0]}", "", "", "heart nl",
                                            "auto")))
    assert "was not saved" in out["intake_status"] and "<img" not in out["intake_status"]
    assert len(service.list_cases()) == n_cases

    out = dict(zip(TURN_KEYS, ctl.draft(new_session(), [str(png)], "Cough. Chest x-ray.", "", "", "small L effusion", "auto")))
    session = out["session"]
    cid = session["case_id"]
    shown = session["cases"][cid]
    texts = [shown["region_text"].get(r, "") for r in shown["regions"]]
    before = service.get(cid).draft

    # Save edits with markup in a region box: refused, nothing saved
    texts_bad = list(texts)
    texts_bad[shown["regions"].index("others")] = PAYLOADS[0]
    with pytest.warns(UserWarning):
        out = dict(zip(TURN_KEYS, ctl.save_edits(session, shown["impression"], *texts_bad)))
    assert "was not saved" in out["status"] and "<img" not in out["status"]
    # sign with markup in the name: refused, not signed
    with pytest.warns(UserWarning):
        out = dict(zip(TURN_KEYS, ctl.sign(session, "Dr <b>X</b>", shown["impression"], *texts)))
    assert "was not saved" in out["status"]
    # the chat: the command is refused, and both the message and the refusal are escaped
    out = dict(zip(TURN_KEYS, ctl.send_message(session, f"add {PAYLOADS[0]}")))
    user, reply = out["chat"][-2:]
    assert "<img" not in user["content"] and "&lt;img" in user["content"]
    assert "was not saved" in reply["content"]
    after = service.get(cid)
    assert after.status == "review" and after.draft.region_dict() == before.region_dict()


# --- the text analysis: a failure is reported, never passed off as normal -------------------------------


def test_an_analysis_error_is_flagged_and_logged_without_clinical_text(monkeypatch, caplog, service, png):
    from pixtralogist.core import checks, nlp

    sentence = "Large left pleural effusion with a rare zebra sign."

    def broken(text):  # fault injection: the real size parser, failing on this one sentence
        if "zebra" in text:
            raise RuntimeError("parser bug")
        return real(text)

    real = nlp.parse_size_mm
    monkeypatch.setattr(nlp, "parse_size_mm", broken)
    with caplog.at_level(logging.WARNING, logger="pixtralogist.core.nlp"):
        attrs = nlp.analyze(sentence)
    assert attrs.analysis_failed and not attrs.abnormal
    assert "RuntimeError" in caplog.text and "zebra" not in caplog.text and "effusion" not in caplog.text
    assert not nlp.analyze("Large left pleural effusion.").analysis_failed

    turn = service.start(build_case([png], notes=sentence + " No pleural effusion.", indication="Cough. Chest x-ray."))
    codes = [f.code for f in turn.flags]
    assert "analysis-failed" in codes
    flag = next(f for f in turn.flags if f.code == "analysis-failed")
    assert "could not run" in flag.message and flag.finding_id
    monkeypatch.setattr(nlp, "parse_size_mm", real)
    assert not checks.check_analysis(turn.draft, service.runtime.host.template(turn.draft.template_id))
