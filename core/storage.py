"""Where the agent keeps its state: embedded stores on one machine, servers for bigger sites.

=================  ==========================================  ===========================================
what               default (one machine)                       for sites that outgrow it
=================  ==========================================  ===========================================
case checkpoints   SQLite ``<data dir>/agent.sqlite`` (WAL)    PostgreSQL (``postgresql://...``) through
+ the case list                                                ``langgraph-checkpoint-postgres``
feedback store     ``<data dir>/feedback.sqlite``              the same PostgreSQL database
audit log          ``<data dir>/audit.sqlite`` + ``audit.key``  the same database (``audit`` and
                   + ``audit.anchor``                          ``audit_anchor`` tables); the key is the
                                                               servers' shared secret
                                                               (``PIXTRALOGIST_AUDIT_KEY_FILE``, required)
identity store     ``<data dir>/identity.sqlite`` (0600)       the same database (``identity`` table)
case locks         a lock file per case under ``<data dir>``   a PostgreSQL advisory lock per case
guideline index    chromadb on disk ``<data dir>/guidelines``  a Chroma server (``http://host:8000``)
=================  ==========================================  ===========================================

Set them in the site configuration file (see :mod:`pixtralogist.core.config`)::

    storage:
      checkpointer: postgresql://pixtralogist@db.example:5432/pixtralogist
      guidelines: http://chroma.example:8000

or with ``PIXTRALOGIST_CHECKPOINTER_URL`` / ``PIXTRALOGIST_CHROMA_URL`` (the environment wins).
A database password never goes in the file: use the environment variable, ``PGPASSWORD`` or
``~/.pgpass``. The one ``checkpointer`` setting moves every store (:attr:`StorageSettings.database`):
several app servers pointed at one database share the cases, the feedback the learning loop
trains on, one audit chain and the patient identity (see ``docs/deployment.md``). The stores
themselves are opened by :mod:`pixtralogist.persistence` (``checkpoints.open_checkpoint_store``, ...).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from pixtralogist.core.errors import ConfigError

__all__ = ["CHECKPOINTER_ENV", "CHROMA_ENV", "StorageSettings"]

CHECKPOINTER_ENV = "PIXTRALOGIST_CHECKPOINTER_URL"
CHROMA_ENV = "PIXTRALOGIST_CHROMA_URL"
_EMBEDDED = ("", "sqlite", "embedded", "local")


@dataclass(frozen=True)
class StorageSettings:
    """Validated storage choices; ``None`` means the embedded default."""

    checkpointer: str | None = None
    guidelines: str | None = None

    @property
    def database(self) -> str | None:
        """The shared PostgreSQL database of every store, or None for the embedded SQLite files."""
        return self.checkpointer

    @property
    def checkpointer_kind(self) -> str:
        return "postgres" if self.checkpointer else "sqlite"

    @property
    def guidelines_kind(self) -> str:
        return "chroma-server" if self.guidelines else "embedded"

    @classmethod
    def from_sources(cls, section: Any = None, env: Mapping[str, str] | None = None,
                     where: str = "storage") -> "StorageSettings":
        """From the config file's ``storage:`` section and the environment (which wins)."""
        env = os.environ if env is None else env
        if section is None:
            section = {}
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where} must be a mapping with 'checkpointer' and/or 'guidelines'")
        unknown = set(section) - {"checkpointer", "guidelines"}
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in {where}; "
                              "expected 'checkpointer' and/or 'guidelines'")
        ckpt = _text(section.get("checkpointer"), f"{where}.checkpointer")
        if ckpt and urlsplit(ckpt).password:
            raise ConfigError(f"{where}.checkpointer holds a password: put the URL in {CHECKPOINTER_ENV} "
                              "or the password in PGPASSWORD / ~/.pgpass, never in the configuration file")
        chroma = _text(section.get("guidelines"), f"{where}.guidelines")
        ckpt = env.get(CHECKPOINTER_ENV, ckpt) or None
        chroma = env.get(CHROMA_ENV, chroma) or None
        return cls(checkpointer=_checkpointer_url(ckpt), guidelines=_chroma_url(chroma))


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string")
    return value.strip() or None


def _checkpointer_url(value: str | None) -> str | None:
    if value is None or value.lower() in _EMBEDDED:
        return None
    scheme = urlsplit(value).scheme.lower()
    if scheme not in ("postgres", "postgresql"):
        raise ConfigError(f"checkpointer {_redact(value)!r}: use 'sqlite' (the default) or a postgresql:// URL")
    return value


def _chroma_url(value: str | None) -> str | None:
    if value is None or value.lower() in _EMBEDDED:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"guidelines {value!r}: use 'embedded' (the default) or http(s)://host:port of a Chroma server")
    return value


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
