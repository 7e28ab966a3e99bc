"""Optional login for the app, from a users file.

Set ``PIXTRALOGIST_USERS_FILE`` to a text file with one user per line::

    # user:pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>
    dr_example:pbkdf2_sha256$600000$3f0c...$9a1b...

Blank lines and lines starting with ``#`` are ignored. Passwords are stored as
PBKDF2-HMAC-SHA256 (``hashlib.pbkdf2_hmac``, 600,000 iterations by default,
16-byte random salt), never in clear. Make a line with::

    python -m pixtralogist.ui.auth USER            # prompts for the password

Gradio calls :func:`make_auth`'s function with the user name and password at
login; the comparison is constant-time. Serve over HTTPS (a reverse proxy)
when the app is reachable from other machines.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from pixtralogist.core.errors import ConfigError

USERS_FILE_ENV = "PIXTRALOGIST_USERS_FILE"
SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` for ``password``."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", (password or "").encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected.lower())


def load_users(path: str | os.PathLike) -> dict[str, str]:
    """``{user: encoded hash}`` from a users file; a malformed line is a :class:`ConfigError` naming its number."""
    p = Path(path)
    try:
        lines = p.read_text("utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the users file {p} ({exc.strerror}); check {USERS_FILE_ENV}") from None
    users: dict[str, str] = {}
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, encoded = line.partition(":")
        parts = encoded.split("$")
        if not sep or not user.strip() or len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
            raise ConfigError(
                f"{p}, line {n}: expected 'user:{SCHEME}$<iterations>$<salt hex>$<hash hex>'; "
                "make one with `python -m pixtralogist.ui.auth USER`"
            )
        users[user.strip()] = encoded
    if not users:
        raise ConfigError(f"the users file {p} lists no user; add one with `python -m pixtralogist.ui.auth USER`")
    return users


def make_auth(path: str | os.PathLike) -> Callable[[str, str], bool]:
    """A ``launch(auth=...)`` function checking logins against the users file."""
    users = load_users(path)

    def check(username: str, password: str) -> bool:
        encoded = users.get(username or "")
        if encoded is None:
            hash_password(password or "x", iterations=1_000)  # spend a little time either way
            return False
        return verify_password(password, encoded)

    return check


def auth_from_env(env: dict[str, str] | None = None) -> Callable[[str, str], bool] | None:
    path = (env if env is not None else os.environ).get(USERS_FILE_ENV, "").strip()
    return make_auth(path) if path else None


#: API paths the login page itself needs before anyone is logged in (under ``/gradio_api``).
PUBLIC_API_PATHS = frozenset({"/startup-events", "/app_id", "/login_check", "/user", "/theme.css"})
API_PREFIX = "/gradio_api"


class RequireLogin:
    """ASGI middleware: with a login configured, every ``/gradio_api/*`` request needs one.

    Gradio checks the login on its data routes (``/config``, ``/gradio_api/info``,
    ``/queue/join``, ``/run/*``, ``/call/*``, ``/upload``, ``/file=...``) but not on a
    few others (``/cancel``, ``/stream/{event}``, ``/heartbeat/...``, ``/reset``). This
    refuses every unauthenticated API request except the handful the login page
    needs (:data:`PUBLIC_API_PATHS`) with Gradio's own 401 answer. Pages and static
    assets outside ``/gradio_api`` are left to Gradio (the page shell holds no data
    and shows the login form). Installed by :func:`pixtralogist.ui.app.serve` when a
    users file is configured.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") in ("http", "websocket") and self._refuse(scope):
            from starlette.responses import JSONResponse

            gr_app = scope.get("app")
            blocks = getattr(gr_app, "blocks", None)
            body = {"detail": {"error": "Not authenticated",
                               "auth_message": getattr(blocks, "auth_message", None)}}
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await JSONResponse(body, status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _refuse(scope) -> bool:
        gr_app = scope.get("app")
        if getattr(gr_app, "auth", None) is None:  # no login configured
            return False
        path = scope.get("path") or ""
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            return False
        rest = path[len(API_PREFIX):].rstrip("/") or "/"
        if rest in PUBLIC_API_PATHS:
            return False
        from starlette.requests import HTTPConnection

        cookies = HTTPConnection(scope).cookies
        cookie_id = getattr(gr_app, "cookie_id", "")
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
        return not (token and token in getattr(gr_app, "tokens", {}))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m pixtralogist.ui.auth USER   (prints a line for the users file)", file=sys.stderr)
        return 2
    password = getpass.getpass(f"password for {args[0]}: ")
    if password != getpass.getpass("again: "):
        print("the passwords differ", file=sys.stderr)
        return 1
    print(f"{args[0]}:{hash_password(password)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
