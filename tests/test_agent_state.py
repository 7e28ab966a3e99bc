"""The typed agent: routers, review commands, one graph run per clinician action, old checkpoints, recovery.

Real LangGraph over real SQLite; the old-shape checkpoints in ``tests/fixtures/checkpoints_v1`` were
written by the code before the typed state (see its ``make.py``).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3

import pytest

from pixtralogist.agents.commands import Edits, Message, Sign, parse_command
from pixtralogist.agents.graph import after_apply, after_verify
from pixtralogist.agents.service import ReportingService
from pixtralogist.agents.state import AgentState, load_state
from pixtralogist.core.errors import CaseError
from pixtralogist.core.imaging import build_case
from pixtralogist.core.models import Draft
from pixtralogist.core.plugins import get_plugin_manager

from conftest import REPO

V1 = REPO / "tests" / "fixtures" / "checkpoints_v1" / "agent.sqlite"
V1_REVIEW, V1_SIGNED = "case-fa48577d5405", "case-ac5e15214f9c"


def chest(png, notes):
    return build_case([png], notes=notes, indication="Cough. Chest x-ray.", specialty_hint="radiology")


def codes(turn, region=None):
    return {f.code for f in turn.flags if region is None or f.region == region}


# --- routers and commands (pure) -------------------------------------------------------


def _draft(signed: bool = False) -> Draft:
    prov = {"source": "dictation", "engine": "offline-dictation", "plugin": "radiology", "plugin_version": "1",
            "template_id": "cxr", "template_version": "1"}
    d = Draft.model_validate({"case_id": "c", "specialty": "radiology", "template_id": "cxr",
                              "template_version": "1", "regions": ["lung"], "provenance": prov})
    return d.sign("Dr A") if signed else d


def test_after_apply_rechecks_a_change_signs_when_asked_else_reviews():
    assert after_apply(AgentState(changed=True)) == "retrieve"
    assert after_apply(AgentState(changed=True, sign_as="Dr A")) == "retrieve"  # check the edits, then sign
    assert after_apply(AgentState(sign_as="Dr A")) == "finalize"
    assert after_apply(AgentState()) == "review"


def test_after_verify_signs_only_a_requested_unsigned_sign_off():
    assert after_verify(AgentState(draft=_draft())) == "review"
    assert after_verify(AgentState(draft=_draft(), sign_as="Dr A")) == "finalize"
    assert after_verify(AgentState(draft=_draft(signed=True), sign_as="Dr A")) == "review"


def test_old_pending_inputs_read_as_typed_commands():
    e = parse_command({"action": "edit_region", "region": "bone", "text": "Rib fracture.", "edit_id": "e1",
                       "actor": "dr_a", "changed": True})
    assert e == Edits(regions={"bone": "Rib fracture."}, edit_id="e1", user="dr_a")
    assert parse_command({"action": "edit_impression", "text": "Normal."}).impression == "Normal."
    assert isinstance(parse_command({"action": "message", "text": "undo"}), Message)
    s = parse_command({"action": "sign", "clinician": "Dr A"})
    assert isinstance(s, Sign) and s.clinician == "Dr A" and s.edits is None
    assert parse_command(s.model_dump(mode="json")) == s  # the new shape round-trips
    state = load_state({"pending": {"action": "edit_region", "region": "bone", "text": "x", "changed": True}})
    assert state.changed and isinstance(state.pending, Edits)


# --- one graph run per action -------------------------------------------------------------


def test_a_save_of_three_regions_is_one_graph_run(service, png):
    turn = service.start(chest(png, "small L effusion, heart nl"))
    cid, runs = turn.case_id, service.graph_runs
    edits = {"lung": "Small left pleural effusion. No pleural effusion.",  # contradicts itself
             "heart": "Mild cardiomegaly.", "bone": "Old healed right rib fracture."}
    saved = service.save(cid, edits, None, clinician="Dr Ada", expect_version=turn.version)
    assert service.graph_runs == runs + 1
    assert service.stats() == {"graph_runs": runs + 1, "in_flight": 0}
    assert saved.status == "review" and all(saved.draft.region_dict()[r] == t for r, t in edits.items())
    assert "contradiction" in codes(saved, "lung")  # retrieve and verify ran over the saved text
    assert any("cardiomegaly" in i.lower() for i in saved.draft.impression)  # rebuilt from the regions
    rows = service.runtime.feedback.edits(cid)
    assert sorted((e["kind"], e["region"]) for e in rows) == [("edit_region", r) for r in sorted(edits)]
    assert {e["actor"] for e in rows} == {"Dr Ada"}
    assert [(e.action, e.detail.get("region")) for e in service.audit.events(cid)][1:] == [
        ("edit_region", "lung"), ("edit_region", "heart"), ("edit_region", "bone")]
    # one undo step for the whole save
    undone = service.message(cid, "undo")
    assert undone.draft.region_dict() == turn.draft.region_dict()


def test_a_sign_with_pending_edits_is_one_graph_run_and_signs_what_was_checked(service, png):
    turn = service.start(chest(png, "heart nl"))
    cid, runs = turn.case_id, service.graph_runs
    signed = service.sign(cid, "Dr Ada Example", regions={"lung": "Small left pleural effusion. No pleural effusion."},
                          impression="Left pleural effusion, small.", expect_version=turn.version)
    assert service.graph_runs == runs + 1
    assert signed.status == "signed" and signed.draft.signed_by == "Dr Ada Example"
    assert signed.draft.region_dict()["lung"].startswith("Small left pleural effusion.")
    assert signed.draft.impression == ["Left pleural effusion, small."]
    assert "contradiction" in {f.code for f in signed.draft.flags}  # the signed draft carries the re-check
    report = next(r for r in service.runtime.feedback.reports() if r["case_id"] == cid)
    assert report["final"].region_dict()["lung"] == signed.draft.region_dict()["lung"]
    assert sorted(e["kind"] for e in service.runtime.feedback.edits(cid)) == ["edit_region", "impression"]
    assert [e.action for e in service.audit.events(cid)] == ["draft", "edit_region", "edit_impression", "sign"]
    assert any(c.case_id == cid and c.status == "signed" for c in service.list_cases())


def test_a_bad_save_changes_nothing(service, png):
    turn = service.start(chest(png, "heart nl"))
    with pytest.raises(CaseError, match="nothing to save"):
        service.save(turn.case_id, {}, None)
    bad = service.save(turn.case_id, {"heart": "Mild cardiomegaly.", "nowhere": "x"}, None)
    assert bad.draft.region_dict() == turn.draft.region_dict()  # refused whole
    assert bad.messages[-1].role == "system"
    assert not service.runtime.feedback.edits(turn.case_id)


# --- checkpoints written by the old code ------------------------------------------------------


@pytest.fixture()
def old_data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(V1, data / "agent.sqlite")
    return data


def test_the_fixture_holds_the_old_state_shape(old_data):
    """Guard: the fixture's checkpoints are the old JSON dicts (else the next test proves nothing)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    saver = SqliteSaver(sqlite3.connect(old_data / "agent.sqlite", check_same_thread=False))
    values = saver.get({"configurable": {"thread_id": V1_REVIEW}})["channel_values"]
    assert isinstance(values["draft"], dict) and isinstance(values["case"], dict)
    assert values["pending"]["action"] == "edit_impression" and isinstance(values["messages"][0], dict)


def test_checkpoints_written_by_the_old_code_open_export_and_resume(old_data, caplog):
    svc = ReportingService.create(old_data, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        assert {c.case_id: c.status for c in svc.list_cases()} == {V1_REVIEW: "review", V1_SIGNED: "signed"}
        review = svc.get(V1_REVIEW)
        assert review.status == "review" and review.draft.region_dict()["bone"] == "Old healed right rib fracture."
        assert review.draft.impression == ["Small bilateral pleural effusions.", "7 mm right upper lobe nodule."]
        assert [m.role for m in review.messages] == ["clinician", "assistant"] and review.flags
        signed = svc.get(V1_SIGNED)
        assert signed.status == "signed" and signed.draft.signed_by == "Dr Old Example"
        assert b"Mild cardiomegaly." in svc.export(V1_SIGNED, "text")
        assert b"UNSIGNED" in svc.export(V1_REVIEW, "text").upper() or b"AI" in svc.export(V1_REVIEW, "text")
        assert svc.case(V1_REVIEW).indication == "Cough."
        # the old case goes on: the impression stays locked as the clinician wrote it, then sign
        saved = svc.save(V1_REVIEW, {"heart": "Mild cardiomegaly."}, None, expect_version=review.version)
        assert saved.draft.impression == review.draft.impression
        done = svc.sign(V1_REVIEW, "Dr New Example")
        assert done.status == "signed" and svc.runtime.feedback.has_report(V1_REVIEW)
        # the fixture has no feedback store: opening the old signed case re-ran its learn step
        reports = {r["case_id"]: r for r in svc.runtime.feedback.reports()}
        assert set(reports) == {V1_REVIEW, V1_SIGNED}
        assert reports[V1_SIGNED]["final"].region_dict()["heart"] == "Mild cardiomegaly."
        assert reports[V1_SIGNED]["draft"].region_dict()["heart"] != "Mild cardiomegaly."
    finally:
        svc.close()
    assert not [r for r in caplog.records if "Blocked deserialization" in r.getMessage()
                or "unregistered type" in r.getMessage()]


def test_new_checkpoints_rebuild_the_typed_state(tmp_path, png, caplog):
    caplog.set_level(logging.WARNING)
    svc = ReportingService.create(tmp_path, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        cid = svc.start(chest(png, "small L effusion")).case_id
        svc.save(cid, {"heart": "Mild cardiomegaly."}, None)
    finally:
        svc.close()
    svc = ReportingService.create(tmp_path, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        values = svc.graph.get_state(svc._config(cid)).values
        assert isinstance(values["draft"], Draft) and isinstance(values["pending"], Edits)
        assert svc.get(cid).draft.region_dict()["heart"] == "Mild cardiomegaly."
    finally:
        svc.close()
    assert not [r for r in caplog.records if "deserializ" in r.getMessage().lower()]


# --- recovery re-runs the step, it does not pretend -----------------------------------------


def test_a_signed_case_whose_learn_step_was_lost_re_runs_learn(tmp_path, png):
    svc = ReportingService.create(tmp_path, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        t = svc.start(chest(png, "small L effusion"))
        svc.sign(t.case_id, "Dr Ada Example", regions={"bone": "Old right rib fracture."})
        with svc.runtime.feedback._db.tx() as tx:  # what a crash after finalize, before learn, leaves
            for table in ("quality", "regions", "reports"):
                tx.execute(f"DELETE FROM {table} WHERE case_id = ?", (t.case_id,))
        runs = svc.graph_runs
        assert svc.recover() == 1
        assert svc.graph_runs == runs + 1  # learn ran again, through the graph
        report = next(r for r in svc.runtime.feedback.reports() if r["case_id"] == t.case_id)
        assert report["final"].region_dict()["bone"] == "Old right rib fracture."
        assert svc.recover() == 0 and svc.graph_runs == runs + 1
        assert svc.get(t.case_id).status == "signed"
    finally:
        svc.close()


# --- the app: Save and Sign through the controller, acting as the logged-in user -------------------


def test_the_app_saves_and_signs_in_one_run_each_as_the_logged_in_user(service, png):
    """The controller sends every changed box in one Save and signs with pending boxes in one run; the
    audit log names the user the app reports, and the shared service is left as it was."""
    from pixtralogist.ui.controller import TURN_KEYS, Controller, new_session
    from pixtralogist.ui.review import MAX_REGIONS

    ctl = Controller(service, service.specialties(), user=lambda: "dr_z")
    value = lambda update: update["value"] if isinstance(update, dict) else update  # noqa: E731
    out = dict(zip(TURN_KEYS, ctl.draft(new_session(), [str(png)], "Cough.", "", "", "small L effusion, heart nl",
                                        "radiology")))
    session = out["session"]
    cid = session["case_id"]
    regions = session["cases"][cid]["regions"]
    texts = [value(out[f"region_{i}"]) or "" for i in range(MAX_REGIONS)]
    texts[regions.index("heart")] = "Mild cardiomegaly."
    texts[regions.index("bone")] = "Old healed right rib fracture."
    runs = service.graph_runs
    out = dict(zip(TURN_KEYS, ctl.save_edits(session, value(out["impression"]), *texts)))
    assert service.graph_runs == runs + 1 and "Saved 2 edits" in out["status"]
    session = out["session"]
    texts[regions.index("mediastinal")] = "Normal mediastinal contours."
    out = dict(zip(TURN_KEYS, ctl.sign(session, "Dr Z Example", value(out["impression"]), *texts)))
    assert service.graph_runs == runs + 2 and "Saved 1 edit and signed" in out["status"]
    final = service.get(cid).draft
    assert final.is_signed and final.region_dict()["mediastinal"] == "Normal mediastinal contours."
    events = service.audit.events(cid)
    assert [e.action for e in events] == ["draft", "edit_region", "edit_region", "edit_region", "sign"]
    assert {e.actor for e in events} == {"dr_z"}
    assert service.actor_source is None  # the app did not change the shared service
