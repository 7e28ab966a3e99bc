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
