"""Logins valid on every server (signed session cookies), health endpoints, JSON logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from pixtralogist.core import logs
from pixtralogist.core.errors import ConfigError
from pixtralogist.ui.sessions import SessionSigner, SharedTokens, SignedSessions, signer_from_env

SECRET = b"k" * 32


def test_a_token_signed_by_one_server_is_accepted_by_another_and_nothing_else_is():
    a, b = SessionSigner(SECRET), SessionSigner(SECRET)  # two servers, one secret
    token = a.sign("dr_a")
    assert b.verify(token) == "dr_a" and a.cookie_id == b.cookie_id
    assert SessionSigner(b"z" * 32).verify(token) is None  # another secret
    body, _, mac = token.rpartition(".")
    forged = body.replace(body.split(".")[1], "ZHJfYg") + "." + mac  # user "dr_b" with dr_a's MAC
    assert b.verify(forged) is None and b.verify("garbage") is None and b.verify(None) is None
    assert b.verify(token, now=10**12) is None  # expired
    with pytest.raises(ConfigError):
        SessionSigner(b"short")


def test_shared_tokens_answer_like_gradios_dict():
    tokens = SharedTokens(SessionSigner(SECRET))
    tokens["random"] = "dr_a"  # what Gradio stores at login
    assert tokens.get("random") == "dr_a"
    signed = SessionSigner(SECRET).sign("dr_b")
    assert signed in tokens and tokens[signed] == "dr_b" and tokens.get("nope") is None
    del tokens[signed]  # logout: nothing stored, nothing raised
    assert "nope" not in tokens


def test_login_cookie_is_rewritten_to_a_signed_token(tmp_path):
    signer = SessionSigner(SECRET, hours=1)

    class GrApp:
        tokens: dict = {}
        cookie_id = "per-process"

    gr_app = GrApp()

    async def app(scope, receive, send):  # Gradio's /login: a random token in two cookies
        gr_app.tokens["rnd123"] = "dr_a"
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"set-cookie", f"access-token-{gr_app.cookie_id}=rnd123; HttpOnly; Path=/".encode()),
            (b"set-cookie", f"access-token-unsecure-{gr_app.cookie_id}=rnd123; HttpOnly".encode()),
            (b"content-type", b"application/json")]})

    sent = []

    async def send(message):
        sent.append(message)

    mw = SignedSessions(app, signer)
    asyncio.run(mw({"type": "http", "path": "/login/", "app": gr_app}, None, send))
    assert gr_app.cookie_id == signer.cookie_id and isinstance(gr_app.tokens, SharedTokens)
    cookies = [v.decode() for k, v in sent[0]["headers"] if k == b"set-cookie"]
    assert len(cookies) == 2 and all("rnd123" not in c and "Max-Age=3600" in c for c in cookies)
    token = cookies[0].split("=", 1)[1].split(";")[0]
    assert SessionSigner(SECRET).verify(token) == "dr_a"


def test_secret_file_must_be_private(tmp_path):
    p = tmp_path / "secret"
    p.write_bytes(SECRET)
    p.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        signer_from_env({"PIXTRALOGIST_SESSION_SECRET_FILE": str(p)})
    p.chmod(0o600)
    assert signer_from_env({"PIXTRALOGIST_SESSION_SECRET_FILE": str(p)}).verify(SessionSigner(SECRET).sign("x")) == "x"
    assert signer_from_env({}) is None


def test_json_logs_name_server_and_case_and_keep_exception_text_out():
    out = io.StringIO()
    assert logs.configure({"PIXTRALOGIST_LOG_FORMAT": "json", "PIXTRALOGIST_SERVER_NAME": "app-2"}, stream=out)
    try:
        log = logging.getLogger("pixtralogist.test")
        with logs.on_case("case-abc"):
            log.warning("case %s: resumed", "case-abc")
            try:
                raise ValueError("Zyxwvutson^Quirinella")  # an exception message may quote input
            except ValueError:
                log.exception("step failed")
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["server"], r["case_id"]) for r in lines] == [("app-2", "case-abc")] * 2
    assert lines[1]["error"].startswith("ValueError at ") and "Zyxwvutson" not in out.getvalue()
