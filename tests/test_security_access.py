"""Access: with a login configured every data route refuses anonymous requests; the audit log is append-only.

The real app runs in its own process on 127.0.0.1 with a users file and is
probed with plain HTTP: pages and API (``/config``, ``/gradio_api/*`` incl.
``/queue/join``, ``/run``, ``/call``, ``/upload``, ``/cancel``, ``/stream``,
``/heartbeat``) and file downloads (``/gradio_api/file=...``). A logged-in
user then drafts, edits and signs through the API and the audit log names
them.
"""

from __future__ import annotations

import sqlite3

import pytest

from pixtralogist.persistence.audit import LOCAL_ACTOR, AuditLog, acting_as, current_actor
from pixtralogist.core.errors import DataError

from test_reliability_support import free_port, start_server, stop_server, users_file, write_png

# (method, path) of every route family that returns or changes data.
PROTECTED = [
    ("GET", "/config"), ("GET", "/gradio_api/info"), ("GET", "/gradio_api/openapi.json"),
    ("GET", "/gradio_api/queue/status"), ("GET", "/gradio_api/queue/data?session_hash=x"),
    ("GET", "/gradio_api/file=/etc/hostname"), ("GET", "/gradio_api/file={upload}"),
    ("GET", "/gradio_api/upload_progress?upload_id=x"), ("GET", "/gradio_api/heartbeat/x"),
    ("GET", "/gradio_api/call/draft/x"), ("GET", "/monitoring"),
    ("POST", "/gradio_api/queue/join"), ("POST", "/gradio_api/run/draft"), ("POST", "/gradio_api/api/draft"),
    ("POST", "/gradio_api/call/draft"), ("POST", "/gradio_api/upload"), ("POST", "/gradio_api/component_server"),
    ("POST", "/gradio_api/cancel"), ("POST", "/gradio_api/reset"), ("POST", "/gradio_api/stream/x"),
    ("POST", "/gradio_api/stream/x/close"),
]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_routes_refuse_anonymous_requests_and_audit_names_the_user(tmp_path):
    import httpx
    from gradio_client import Client, handle_file

    png = write_png(tmp_path / "f.png")
    users = users_file(tmp_path / "users", {"dr_a": "s3cret", "dr_b": "other"})
    port = free_port()
    server = start_server(tmp_path / "data", port, users_file=users, export_dir=tmp_path / "tmp")
    base = f"http://127.0.0.1:{port}"
    try:
        client = Client(base + "/", auth=("dr_a", "s3cret"), verbose=False)
        out = client.predict([handle_file(str(png))], "cough", "", "", "small L effusion, heart nl", "radiology",
                             api_name="/draft")
        status = next(o for o in out if isinstance(o, str) and "**Case**" in o)
        cid = status.split("`")[1]
        # An uploaded file the logged-in user can fetch, and an anonymous one cannot.
        with httpx.Client(base_url=base, timeout=10) as authed:
            assert authed.post("/login", data={"username": "dr_a", "password": "s3cret"}).status_code == 200
            up = authed.post("/gradio_api/upload", files={"files": ("x.png", png.read_bytes(), "image/png")})
            assert up.status_code == 200, up.text
            upload = up.json()[0]
            assert authed.get(f"/gradio_api/file={upload}").status_code == 200
            assert authed.get("/config").status_code == 200
        with httpx.Client(base_url=base, timeout=10) as anon:
            page = anon.get("/")
            assert page.status_code == 200 and "auth_required" in page.text and "intake-files" not in page.text
            for method, path in PROTECTED:
                path = path.format(upload=upload)
                r = anon.request(method, path, json={"data": [], "fn_index": 3, "session_hash": "x",
                                                     "event_id": "x"})
                assert r.status_code in (401, 403), (method, path, r.status_code, r.text[:200])
            assert anon.post("/login", data={"username": "dr_a", "password": "wrong"}).status_code == 400
            assert anon.get("/gradio_api/info", cookies={"access-token-x": "forged"}).status_code == 401
        client.predict("Old healed right rib fracture.", api_name="/send_message")
        client.predict("sign as Dr A Example", api_name="/send_message")
    finally:
        stop_server(server)
    log = AuditLog.open(tmp_path / "data" / "audit.sqlite")
    try:
        events = log.events(cid)
        assert [e.action for e in events] == ["draft", "message", "message", "sign"]
        assert {e.actor for e in events} == {"dr_a"}
        assert events[-1].detail == {"signed_by": "Dr A Example", "status": "signed"}
        assert log.verify() == len(log.events())
    finally:
        log.close()


# --- the audit log itself ---------------------------------------------------------------------


def test_audit_log_is_append_only(tmp_path):
    log = AuditLog.open(tmp_path / "audit.sqlite")
    with acting_as("dr_a"):
        assert current_actor() == "dr_a"
        log.record("draft", "case-1", status="review", notes="small L effusion")  # notes: not a detail key
        log.record("edit_region", "case-1", region="lung", status="review")
    assert current_actor() == LOCAL_ACTOR
    log.record("sign", "case-1", signed_by="Dr A", status="signed")
    events = log.events("case-1")
    assert [(e.action, e.actor) for e in events] == [("draft", "dr_a"), ("edit_region", "dr_a"), ("sign", "local")]
    assert events[0].detail == {"status": "review"}  # clinical text never stored
    assert events[0].at <= events[1].at <= events[2].at
    with pytest.raises(ValueError, match="unknown audit action"):
        log.record("delete_everything", "case-1")
    log.close()
    con = sqlite3.connect(tmp_path / "audit.sqlite")
    for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit", "DELETE FROM audit WHERE seq = 1"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    assert con.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == 3
    # Bypassing the triggers is detected by the keyed chain (every attack: tests/test_security_audit.py).
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    con.commit()
    con.close()
    log = AuditLog.open(tmp_path / "audit.sqlite")  # re-creates the trigger
    with pytest.raises(DataError, match="altered at event 1"):
        log.verify()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log._conn.execute("UPDATE audit SET actor = 'x'")
    log.close()


def test_service_records_who_did_what(tmp_path):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager

    svc = ReportingService.create(tmp_path, host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        png = write_png(tmp_path / "f.png")
        turn = svc.start(build_case([png], notes="heart nl", specialty_hint="radiology"))
        cid = turn.case_id
        with acting_as("dr_b"):
            svc.edit_region(cid, "bone", "Old right rib fracture.")
            svc.edit_impression(cid, "Old right rib fracture.")
        svc.actor_source = lambda: "dr_c"  # the app's hook (logged-in user) wins over the context
        svc.sign(cid, "Dr C Example")
        got = [(e.action, e.actor, e.detail.get("region"), e.detail.get("status")) for e in svc.audit.events(cid)]
        assert got == [("draft", "local", None, "review"), ("edit_region", "dr_b", "bone", "review"),
                       ("edit_impression", "dr_b", None, "review"), ("sign", "dr_c", None, "signed")]
        with pytest.raises(Exception):
            svc.sign(cid, "Dr Again")  # already signed: refused, and not audited as a sign-off
        assert [e.action for e in svc.audit.events(cid)].count("sign") == 1
    finally:
        svc.close()


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_what_the_readme_says_about_access(tmp_path):
    """README, "Access, audit and reliability": with a login, anyone may load the page shell (the login
    form, no app configuration) and its static assets; ``/config``, the API and file downloads answer
    401 to anonymous requests and 200 once logged in; the login form's own API routes stay open."""
    import re

    import httpx

    from pixtralogist.ui.auth import API_PREFIX, PUBLIC_API_PATHS

    png = write_png(tmp_path / "f.png")
    users = users_file(tmp_path / "users", {"dr_a": "s3cret"})
    port = free_port()
    server = start_server(tmp_path / "data", port, users_file=users, export_dir=tmp_path / "tmp")
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as authed, httpx.Client(base_url=base, timeout=10) as anon:
            assert authed.post("/login", data={"username": "dr_a", "password": "s3cret"}).status_code == 200
            upload = authed.post("/gradio_api/upload", files={"files": ("x.png", png.read_bytes(), "image/png")})
            assert upload.status_code == 200, upload.text
            file_route = f"/gradio_api/file={upload.json()[0]}"
            # The page shell: served to anyone, but only the login form without a login.
            shell = anon.get("/")
            assert shell.status_code == 200 and '"auth_required":true' in shell.text.replace(" ", "")
            assert "intake-files" not in shell.text
            mine = authed.get("/")
            assert mine.status_code == 200 and "intake-files" in mine.text
            # Its static assets (scripts, styles) are public too.
            assets = re.findall(r'(?:src|href)="(\./assets/[^"]+|/assets/[^"]+)"', shell.text)
            assert assets, shell.text[:500]
            assert anon.get(assets[0].lstrip(".")).status_code == 200
            # Data routes: 401 anonymous, 200 logged in.
            for path in ("/config", "/gradio_api/info", file_route):
                assert anon.get(path).status_code == 401, path
                assert authed.get(path).status_code == 200, path
            # The login form's own API routes answer anonymous requests (and carry no app data).
            for rest in sorted(PUBLIC_API_PATHS - {"/login_check"}):
                r = anon.get(API_PREFIX + rest)
                assert r.status_code != 401, (rest, r.status_code)
                assert "intake-files" not in r.text
            # ... login_check is the form's question "am I logged in?"
            assert anon.get(API_PREFIX + "/login_check").status_code == 401
            assert authed.get(API_PREFIX + "/login_check").status_code == 200
    finally:
        stop_server(server)
