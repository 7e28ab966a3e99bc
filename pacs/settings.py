"""The ``pacs:`` section of the site configuration.

.. code-block:: yaml

    pacs:
      dicomweb:                       # an archive with DICOMweb (QIDO-RS, WADO-RS, STOW-RS)
        url: http://127.0.0.1:8042/dicom-web
        username: pixtralogist        # HTTP basic authentication, or
        password_env: PACS_PASSWORD   # ... the password from this environment variable
        # password_file: /etc/pixtralogist/pacs-password   (owner-only file)
        # token_env / token_file: a bearer token instead of basic authentication
      dimse:                          # an archive without DICOMweb (C-ECHO, C-FIND, C-GET, C-STORE)
        calling_ae: PIXTRALOGIST
        called_ae: ORTHANC
        host: 127.0.0.1
        port: 4242
      listener:                       # pixtralogist dicom-listen
        ae_title: PIXTRALOGIST
        host: 127.0.0.1
        port: 11112
        allowed_calling_aes: [ORTHANC, CT1]
        draft_on_arrival: false
      fhir:                           # optional: a FHIR R4 server that receives a DiagnosticReport per signed report
        url: http://127.0.0.1:8080/fhir
        token_env: FHIR_TOKEN
      max_series_bytes: 536870912     # a study's image bytes beyond this are refused (512 MiB)
      max_instances: 2000
      timeout_s: 30
      retry_base_s: 5                 # outbox backoff: 5 s, 10 s, 20 s ... at most retry_max_s
      retry_max_s: 600

When ``dicomweb`` and ``dimse`` are both given, DICOMweb is used. The environment overrides the
file: ``PIXTRALOGIST_PACS_DICOMWEB_URL``, ``PIXTRALOGIST_PACS_USERNAME``, ``PIXTRALOGIST_PACS_PASSWORD``,
``PIXTRALOGIST_PACS_TOKEN``, ``PIXTRALOGIST_FHIR_URL``, ``PIXTRALOGIST_FHIR_TOKEN``.

Secrets are held in :class:`Secret`, whose ``repr``/``str`` are ``'***'``: they never reach a log
line, an error message or ``pixtralogist pacs check``'s output.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import ConfigError

__all__ = ["DicomWebSettings", "DimseSettings", "FhirSettings", "ListenerSettings", "PacsSettings", "Secret",
           "pacs_settings"]

_AE_RE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")  # PS3.5 AE: 16 characters, no backslash or control
_MIB = 1024 * 1024


class Secret:
    """A password or token: shown as ``***`` everywhere; :meth:`reveal` gives the value to the one caller that sends it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(raw: Mapping, name: str, where: str, env: Mapping[str, str], env_override: str | None) -> Secret | None:
    """``<name>_env`` (an environment variable's name) or ``<name>_file`` (an owner-only file); a literal
    ``<name>`` in the file is refused: secrets do not belong in configuration files."""
    if name in raw:
        raise ConfigError(f"{where}.{name}: do not write secrets in the configuration file; use {name}_env "
                          f"(an environment variable's name) or {name}_file (an owner-only file)")
    if env_override and env.get(env_override):
        return Secret(env[env_override])
    var, path = raw.get(f"{name}_env"), raw.get(f"{name}_file")
    if var is not None and path is not None:
        raise ConfigError(f"{where}: give {name}_env or {name}_file, not both")
    if var is not None:
        if not isinstance(var, str) or not var:
            raise ConfigError(f"{where}.{name}_env must name an environment variable")
        if not env.get(var):
            raise ConfigError(f"{where}.{name}_env names {var}, which is not set in the environment")
        return Secret(env[var])
    if path is not None:
        p = Path(str(path)).expanduser()
        try:
            mode = p.stat().st_mode
        except OSError:
            raise ConfigError(f"{where}.{name}_file: {p} cannot be read") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"{where}.{name}_file: {p} is readable by other users (mode {mode & 0o777:o}); "
                              f"run `chmod 600 {p}`")
        value = p.read_text(encoding="utf-8").strip()
        if not value:
            raise ConfigError(f"{where}.{name}_file: {p} is empty")
        return Secret(value)
    return None


def _mapping(raw: Any, where: str, known: tuple[str, ...]) -> Mapping:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping, got {type(raw).__name__}")
    unknown = [str(k) for k in raw if k not in known]
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in {where}. Known keys: {', '.join(known)}")
    return raw


def _url(value: Any, where: str) -> str:
    from urllib.parse import urlsplit

    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{where} must be an http:// or https:// URL")
    if "@" in urlsplit(value).netloc:
        raise ConfigError(f"{where}: credentials do not belong in the URL (it is shown and logged); use "
                          "username with password_env or password_file")
    return value.rstrip("/")


def _ae(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _AE_RE.match(value.strip() or "?"):
        raise ConfigError(f"{where} must be an AE title of 1 to 16 characters (no backslash), got {value!r}")
    return value.strip()


def _port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ConfigError(f"{where} must be a port number (1-65535), got {value!r}")
    return value


def _positive(value: Any, where: str, kind: type = int) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where} must be a positive number, got {value!r}")
    return kind(value)


@dataclass(frozen=True)
class DicomWebSettings:
    url: str
    username: str | None = None
    password: Secret | None = None
    token: Secret | None = None

    def describe(self) -> dict[str, Any]:
        auth = "bearer token" if self.token else ("basic" if self.username else "none")
        return {"kind": "dicomweb", "url": self.url, "auth": auth,
                "secret": ("set" if (self.token or self.password) else "not set")}


@dataclass(frozen=True)
class DimseSettings:
    calling_ae: str
    called_ae: str
    host: str
    port: int

    def describe(self) -> dict[str, Any]:
        return {"kind": "dimse", "calling_ae": self.calling_ae, "called_ae": self.called_ae,
                "host": self.host, "port": self.port}


@dataclass(frozen=True)
class ListenerSettings:
    ae_title: str = "PIXTRALOGIST"
    host: str = "127.0.0.1"
    port: int = 11112
    #: Calling AE titles allowed to push; empty refuses every push (an open listener is never the default).
    allowed_calling_aes: tuple[str, ...] = ()
    draft_on_arrival: bool = False


@dataclass(frozen=True)
class FhirSettings:
    url: str
    token: Secret | None = None


@dataclass(frozen=True)
class PacsSettings:
    dicomweb: DicomWebSettings | None = None
    dimse: DimseSettings | None = None
    listener: ListenerSettings = field(default_factory=ListenerSettings)
    fhir: FhirSettings | None = None
    max_series_bytes: int = 512 * _MIB
    max_instances: int = 2000
    timeout_s: float = 30.0
    retry_base_s: float = 5.0
    retry_max_s: float = 600.0

    @property
    def configured(self) -> bool:
        """Whether an archive is configured (DICOMweb or DIMSE)."""
        return self.dicomweb is not None or self.dimse is not None

    def describe(self) -> dict[str, Any]:
        """What ``pixtralogist pacs check`` shows: no secret, only whether it is set."""
        archive = (self.dicomweb or self.dimse).describe() if self.configured else {"kind": "none"}
        return {"archive": archive, "fhir": self.fhir.url if self.fhir else None,
                "listener": {"ae_title": self.listener.ae_title, "host": self.listener.host,
                             "port": self.listener.port, "allowed_calling_aes": list(self.listener.allowed_calling_aes),
                             "draft_on_arrival": self.listener.draft_on_arrival}}

    @classmethod
    def from_sources(cls, raw: Any, env: Mapping[str, str] | None = None, where: str = "pacs") -> "PacsSettings":
        """Validate the ``pacs:`` section ``raw`` (None: nothing configured) with the environment's overrides.

        :raises ConfigError: with the offending key and what to write instead.
        """
        env = os.environ if env is None else env
        top = _mapping(raw, where, ("dicomweb", "dimse", "listener", "fhir", "max_series_bytes", "max_instances",
                                    "timeout_s", "retry_base_s", "retry_max_s"))
        dw_raw = _mapping(top.get("dicomweb"), f"{where}.dicomweb",
                          ("url", "username", "password", "password_env", "password_file", "token", "token_env",
                           "token_file"))
        dicomweb = None
        url = env.get("PIXTRALOGIST_PACS_DICOMWEB_URL") or dw_raw.get("url")
        if url:
            username = env.get("PIXTRALOGIST_PACS_USERNAME") or dw_raw.get("username")
            dicomweb = DicomWebSettings(
                url=_url(url, f"{where}.dicomweb.url"), username=str(username) if username else None,
                password=_secret(dw_raw, "password", f"{where}.dicomweb", env, "PIXTRALOGIST_PACS_PASSWORD"),
                token=_secret(dw_raw, "token", f"{where}.dicomweb", env, "PIXTRALOGIST_PACS_TOKEN"))
            if dicomweb.password is not None and not dicomweb.username:
                raise ConfigError(f"{where}.dicomweb: a password is set but no username")
        elif dw_raw:
            raise ConfigError(f"{where}.dicomweb needs url (the DICOMweb base URL, e.g. http://pacs:8042/dicom-web)")
        dimse = None
        dm_raw = _mapping(top.get("dimse"), f"{where}.dimse", ("calling_ae", "called_ae", "host", "port"))
        if dm_raw:
            missing = [k for k in ("called_ae", "host", "port") if k not in dm_raw]
            if missing:
                raise ConfigError(f"{where}.dimse needs {', '.join(missing)}")
            dimse = DimseSettings(calling_ae=_ae(dm_raw.get("calling_ae", "PIXTRALOGIST"), f"{where}.dimse.calling_ae"),
                                  called_ae=_ae(dm_raw["called_ae"], f"{where}.dimse.called_ae"),
                                  host=str(dm_raw["host"]), port=_port(dm_raw["port"], f"{where}.dimse.port"))
        ls_raw = _mapping(top.get("listener"), f"{where}.listener",
                          ("ae_title", "host", "port", "allowed_calling_aes", "draft_on_arrival"))
        allowed = ls_raw.get("allowed_calling_aes") or []
        if isinstance(allowed, str) or not isinstance(allowed, (list, tuple)):
            raise ConfigError(f"{where}.listener.allowed_calling_aes must be a list of AE titles")
        draft_on_arrival = ls_raw.get("draft_on_arrival", False)
        if not isinstance(draft_on_arrival, bool):
            raise ConfigError(f"{where}.listener.draft_on_arrival must be true or false")
        listener = ListenerSettings(
            ae_title=_ae(ls_raw.get("ae_title", "PIXTRALOGIST"), f"{where}.listener.ae_title"),
            host=str(ls_raw.get("host", "127.0.0.1")),
            port=_port(ls_raw.get("port", 11112), f"{where}.listener.port"),
            allowed_calling_aes=tuple(_ae(a, f"{where}.listener.allowed_calling_aes") for a in allowed),
            draft_on_arrival=draft_on_arrival)
        fh_raw = _mapping(top.get("fhir"), f"{where}.fhir", ("url", "token", "token_env", "token_file"))
        fhir = None
        fhir_url = env.get("PIXTRALOGIST_FHIR_URL") or fh_raw.get("url")
        if fhir_url:
            fhir = FhirSettings(url=_url(fhir_url, f"{where}.fhir.url"),
                                token=_secret(fh_raw, "token", f"{where}.fhir", env, "PIXTRALOGIST_FHIR_TOKEN"))
        numbers = {}
        for key, kind in (("max_series_bytes", int), ("max_instances", int), ("timeout_s", float),
                          ("retry_base_s", float), ("retry_max_s", float)):
            if key in top:
                numbers[key] = _positive(top[key], f"{where}.{key}", kind)
        return cls(dicomweb=dicomweb, dimse=dimse, listener=listener, fhir=fhir, **numbers)


def pacs_settings(settings: Any, env: Mapping[str, str] | None = None) -> PacsSettings:
    """The PACS settings of a site configuration (:class:`pixtralogist.core.config.Settings`, or None)."""
    source = getattr(settings, "source", None)
    return PacsSettings.from_sources(getattr(settings, "pacs", None), env,
                                     where=f"{source}: pacs" if source else "pacs")
