"""Reading the adapter registry: which adapter version of a plugin is active (standard library only).

The site configuration (``adapter_registry:`` in ``config.yaml``) reads the active pointer through
:func:`active_adapter`; :class:`pixtralogist.finetune.registry.AdapterRegistry` adds promotion,
rollback and writing on top of :class:`AdapterStore`. Layout: see :mod:`pixtralogist.finetune.registry`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pixtralogist.core.errors import ConfigError, PixtralogistError

__all__ = ["METADATA_FILE", "POINTER_FILE", "AdapterStore", "AdapterVersion", "RegistryError", "active_adapter",
           "read_metadata"]

METADATA_FILE = "metadata.json"
POINTER_FILE = "registry.json"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class RegistryError(PixtralogistError):
    """An adapter version or registry operation is invalid (unknown version, nothing to roll back, ...)."""


def read_metadata(adapter_dir: str | Path) -> dict[str, Any]:
    """An adapter version's ``metadata.json`` (a :class:`RegistryError` when missing or broken)."""
    path = Path(adapter_dir) / METADATA_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path.parent} has no {METADATA_FILE}; it was not written by `pixtralogist finetune`") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise RegistryError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RegistryError(f"{path} must hold an object")
    return data


@dataclass(frozen=True)
class AdapterVersion:
    """One version folder of a plugin's adapters."""

    plugin: str
    version: str
    path: Path
    metadata: dict[str, Any]
    active: bool = False


class AdapterStore:
    """The adapters under ``root/<plugin>/<version>`` and each plugin's active pointer, read only."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    # -- reading ---------------------------------------------------------------------------

    def plugin_dir(self, plugin: str) -> Path:
        if not _NAME.match(plugin or ""):
            raise RegistryError(f"invalid plugin name {plugin!r}")
        return self.root / plugin

    def _pointer(self, plugin: str) -> dict[str, Any]:
        path = self.plugin_dir(plugin) / POINTER_FILE
        if not path.is_file():
            return {"active": None, "history": []}
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RegistryError(f"cannot read the registry pointer {path}: {exc}") from exc
        data.setdefault("active", None)
        data.setdefault("history", [])
        return data

    def version(self, plugin: str, version: str) -> AdapterVersion:
        """One version (must exist and carry metadata.json)."""
        if not _NAME.match(version or ""):
            raise RegistryError(f"invalid version name {version!r}")
        path = self.plugin_dir(plugin) / version
        if not path.is_dir():
            known = ", ".join(v.version for v in self.versions(plugin)) or "none"
            raise RegistryError(f"{plugin} has no adapter version {version!r} under {self.plugin_dir(plugin)} "
                                f"(versions: {known})")
        return AdapterVersion(plugin, version, path, read_metadata(path), self.active_name(plugin) == version)

    def versions(self, plugin: str) -> list[AdapterVersion]:
        """Every version folder with a metadata.json, oldest first (by its creation date)."""
        pdir = self.plugin_dir(plugin)
        if not pdir.is_dir():
            return []
        active = self.active_name(plugin)
        out = []
        for d in pdir.iterdir():
            if d.is_dir() and (d / METADATA_FILE).is_file():
                try:
                    meta = read_metadata(d)
                except RegistryError:
                    continue
                out.append(AdapterVersion(plugin, d.name, d, meta, d.name == active))
        return sorted(out, key=lambda v: (str(v.metadata.get("created_at", "")), v.version))

    def plugins(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(d.name for d in self.root.iterdir() if d.is_dir() and _NAME.match(d.name))

    def active_name(self, plugin: str) -> str | None:
        return self._pointer(plugin)["active"]

    def active(self, plugin: str) -> AdapterVersion | None:
        """The active version, or ``None`` when none was promoted."""
        name = self.active_name(plugin)
        if name is None:
            return None
        path = self.plugin_dir(plugin) / name
        if not path.is_dir():
            raise RegistryError(f"the active {plugin} adapter {name!r} is missing from {path.parent}; "
                                "restore it or run `pixtralogist finetune rollback`")
        return AdapterVersion(plugin, name, path, read_metadata(path), True)

    def history(self, plugin: str) -> list[dict[str, Any]]:
        return list(self._pointer(plugin)["history"])


def active_adapter(root: str | Path, plugin: str) -> tuple[Path, str] | None:
    """``(adapter_dir, version)`` of ``plugin``'s active adapter under ``root``, or ``None`` if none is active.

    Raises :class:`~pixtralogist.core.errors.ConfigError` when the pointer names
    a version that is gone (the site must not silently draft without it).
    """
    reg = AdapterStore(root)
    try:
        v = reg.active(plugin)
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
    if v is None:
        return None
    return v.path.resolve(), str(v.metadata.get("version") or v.version)
