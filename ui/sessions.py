"""Logins valid on every app server: session cookies signed with a secret the servers share.

Gradio keeps its logins in the memory of one process (a random token in a
cookie, mapped to the user). Behind a load balancer with several servers, a
clinician would be logged out whenever a request reached another server, or
after a server restart. With ``PIXTRALOGIST_SESSION_SECRET_FILE`` naming a
file that holds the site's session secret (at least 32 bytes; the same file on
every server), :class:`SignedSessions`:

- rewrites the cookie Gradio sets at login into ``v1.<user>.<expiry>.<HMAC-SHA256>``
  (the user name base64url-encoded, the expiry in Unix seconds, the MAC over
  both with the secret); every server checks it without asking another one,
  so the same user name reaches the audit log whichever server acts;
- names the cookie after the secret, not after the process (Gradio's default),
  so all servers read the same cookie;
- lets a login live ``PIXTRALOGIST_SESSION_HOURS`` (default 12) hours.

Logging out clears the cookie in that browser; a copied cookie stays valid
until it expires (there is no server-side list to revoke it from): keep the
lifetime short and serve over HTTPS only. Changing the secret logs everyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
import time
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import ConfigError

__all__ = ["SESSION_HOURS_ENV", "SESSION_SECRET_ENV", "SessionSigner", "SharedTokens", "SignedSessions",
           "signer_from_env"]

SESSION_SECRET_ENV = "PIXTRALOGIST_SESSION_SECRET_FILE"
SESSION_HOURS_ENV = "PIXTRALOGIST_SESSION_HOURS"
_PREFIX = "v1"


class SessionSigner:
    """Signs and checks session tokens with the shared secret."""

    def __init__(self, secret: bytes, *, hours: float = 12.0) -> None:
        if len(secret) < 32:
            raise ConfigError("the session secret must hold at least 32 bytes")
        self._secret = secret
        self.lifetime = int(hours * 3600)

    @property
    def cookie_id(self) -> str:
        """The cookie name's suffix: the same on every server that shares the secret."""
        return hmac.new(self._secret, b"pixtralogist-session-cookie", hashlib.sha256).hexdigest()[:24]

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).hexdigest()

    def sign(self, user: str, *, now: float | None = None) -> str:
        name = base64.urlsafe_b64encode(user.encode("utf-8")).decode("ascii").rstrip("=")
        body = f"{_PREFIX}.{name}.{int((now if now is not None else time.time()) + self.lifetime)}"
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str | None, *, now: float | None = None) -> str | None:
        """The user of a valid, unexpired token; None otherwise."""
        if not token or token.count(".") != 3:
            return None
        body, _, mac = token.rpartition(".")
        prefix, name, expiry = body.split(".")
        if prefix != _PREFIX or not expiry.isdigit() or not hmac.compare_digest(mac, self._mac(body)):
            return None
        if int(expiry) < (now if now is not None else time.time()):
            return None
        try:
            return base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode("utf-8") or None
        except (ValueError, UnicodeDecodeError):
            return None


def signer_from_env(env: dict[str, str] | None = None) -> SessionSigner | None:
    """The signer configured by ``PIXTRALOGIST_SESSION_SECRET_FILE`` (None when unset)."""
    env = os.environ if env is None else env
    path = (env.get(SESSION_SECRET_ENV) or "").strip()
    if not path:
        return None
    p = Path(path).expanduser()
    try:
        st = p.stat()
        secret = p.read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read the session secret {p} ({exc.strerror}); check {SESSION_SECRET_ENV}") from None
    if st.st_mode & (stat.S_IWGRP | stat.S_IRWXO):
        raise ConfigError(f"the session secret {p} is open to other users; run `chmod 600 {p}`")
    try:
        hours = float(env.get(SESSION_HOURS_ENV) or 12)
    except ValueError:
        raise ConfigError(f"{SESSION_HOURS_ENV} must be a number of hours") from None
    return SessionSigner(secret, hours=hours)


class SharedTokens(dict):
    """Gradio's ``app.tokens`` (cookie token -> user), answering for signed tokens from any server.

    Gradio stores a random token at login (kept here until :class:`SignedSessions` swaps it for a
    signed one in the same response) and looks tokens up with ``get`` / ``in``.
    """

    def __init__(self, signer: SessionSigner) -> None:
        super().__init__()
        self.signer = signer

    def get(self, token: Any, default: Any = None) -> Any:
        if dict.__contains__(self, token):
            return dict.__getitem__(self, token)
        user = self.signer.verify(token) if isinstance(token, str) else None
        return user if user is not None else default

    def __contains__(self, token: object) -> bool:
        return self.get(token) is not None

    def __getitem__(self, token: Any) -> Any:
        user = self.get(token)
        if user is None:
            raise KeyError(token)
        return user

    def __delitem__(self, token: Any) -> None:
        self.pop(token, None)  # a signed token is not stored: logging out clears the cookie


class SignedSessions:
    """ASGI middleware: installs :class:`SharedTokens` and the shared cookie name on the Gradio app,
    and turns the token of a successful login into a signed one."""

    def __init__(self, app, signer: SessionSigner) -> None:
        self.app = app
        self.signer = signer

    def _install(self, gr_app: Any) -> None:
        if gr_app is not None and not isinstance(getattr(gr_app, "tokens", None), SharedTokens):
            gr_app.tokens = SharedTokens(self.signer)
            gr_app.cookie_id = self.signer.cookie_id

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        gr_app = scope.get("app")
        self._install(gr_app)
        if scope["type"] != "http" or (scope.get("path") or "").rstrip("/").split("/")[-1] != "login":
            await self.app(scope, receive, send)
            return
        tokens = getattr(gr_app, "tokens", None)

        async def send_signed(message) -> None:
            if message.get("type") == "http.response.start" and isinstance(tokens, SharedTokens):
                message = {**message, "headers": [self._rewrite(k, v, tokens) for k, v in message.get("headers", [])]}
            await send(message)

        await self.app(scope, receive, send_signed)

    def _rewrite(self, key: bytes, value: bytes, tokens: SharedTokens) -> tuple[bytes, bytes]:
        if key.lower() != b"set-cookie" or not value.startswith(b"access-token-"):
            return key, value
        name, _, rest = value.decode("latin-1").partition("=")
        token, sep, attrs = rest.partition(";")
        user = dict.get(tokens, token)
        if user is None:
            return key, value
        signed = self.signer.sign(user)
        attrs = f"{attrs}; Max-Age={self.signer.lifetime}" if "max-age" not in attrs.lower() else attrs
        return key, f"{name}={signed}{sep}{attrs}".encode("latin-1")
