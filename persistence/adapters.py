"""Reading the adapter registry: which adapter version of a plugin is active (standard library only).

The records (each version's metadata, the active version per plugin, the promotion history) are
JSON files in the registry folder on one machine, or tables in the site's shared database
(``storage: checkpointer: postgresql://...``) when several app servers must see one active adapter;
the weights are files under the registry folder in both cases.

The site configuration (``adapter_registry:`` in ``config.yaml``) reads the active pointer through
:func:`active_adapter`; :class:`pixtralogist.finetune.registry.AdapterRegistry` adds promotion,
rollback and writing on top of :class:`AdapterStore`. Layout: see :mod:`pixtralogist.finetune.registry`.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS adapter_versions (
    plugin TEXT NOT NULL, version TEXT NOT NULL, folder TEXT NOT NULL, metadata TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (plugin, version));
CREATE TABLE IF NOT EXISTS adapter_active (plugin TEXT PRIMARY KEY, version TEXT);
CREATE TABLE IF NOT EXISTS adapter_history (
    plugin TEXT NOT NULL, seq INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY (plugin, seq));
"""


class _FileRecords:
    """The one-machine records: ``registry.json`` per plugin and ``metadata.json`` per version folder.

    A change to the pointer happens under an exclusive ``flock`` on ``<plugin>/.registry.lock``,
    so two processes on one machine promoting at once write one after the other."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def pointer(self, plugin_dir: Path) -> dict[str, Any]:
        return _read_pointer(plugin_dir)

    @contextmanager
    def changing(self, plugin: str, plugin_dir: Path) -> Iterator[dict[str, Any]]:
        import fcntl

        plugin_dir.mkdir(parents=True, exist_ok=True)
        with open(plugin_dir / ".registry.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = _read_pointer(plugin_dir)
                yield data
                _write_json(plugin_dir / POINTER_FILE, data)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def metadata(self, plugin: str, version: str, path: Path) -> dict[str, Any]:
        return read_metadata(path)

    def save_metadata(self, plugin: str, version: str, path: Path, meta: dict[str, Any]) -> None:
        _write_json(path / METADATA_FILE, meta)

    def listing(self, plugin: str, plugin_dir: Path) -> list[tuple[str, Path, dict[str, Any]]]:
        return _scan(plugin_dir)

    def close(self) -> None:
        pass


class _DbRecords:
    """The shared records: tables ``adapter_versions`` (metadata and folder of each version),
    ``adapter_active`` (the pointer, one row per plugin) and ``adapter_history`` in the site's database.

    A pointer change is one transaction holding the plugin's ``adapter_active`` row (``FOR UPDATE``
    on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite). A version folder found on the shared volume with a
    ``metadata.json`` but no record is registered when first seen; a plugin with no records but a
    ``registry.json`` (a registry kept in files before) has its pointer and history imported once."""

    def __init__(self, root: Path, target: str | Path) -> None:
        from pixtralogist.persistence.database import Database

        self.root = root
        self.db = Database.open(target, sqlite_schema=_SCHEMA, postgres_schema=_SCHEMA,
                                what="adapter registry")
        self._for_update = " FOR UPDATE" if self.db.is_postgres else ""

    def _folder(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _path(self, folder: str) -> Path:
        p = Path(folder)
        return p if p.is_absolute() else self.root / p

    def pointer(self, plugin_dir: Path) -> dict[str, Any]:
        plugin = plugin_dir.name
        row = self.db.one("SELECT version FROM adapter_active WHERE plugin = ?", (plugin,))
        if row is None and (plugin_dir / POINTER_FILE).is_file():
            with self.changing(plugin, plugin_dir) as data:  # imports the file pointer once
                return {"active": data["active"], "history": list(data["history"])}
        history = [json.loads(r[0]) for r in self.db.execute(
            "SELECT entry FROM adapter_history WHERE plugin = ? ORDER BY seq", (plugin,))]
        return {"active": row[0] if row else None, "history": history}

    @contextmanager
    def changing(self, plugin: str, plugin_dir: Path) -> Iterator[dict[str, Any]]:
        with self.db.tx() as tx:
            fresh = tx.execute("INSERT INTO adapter_active (plugin, version) VALUES (?, NULL) "
                               "ON CONFLICT (plugin) DO NOTHING", (plugin,)).rowcount == 1
            active = tx.execute(f"SELECT version FROM adapter_active WHERE plugin = ?{self._for_update}",
                                (plugin,)).fetchone()[0]
            history = [json.loads(r[0]) for r in tx.execute(
                "SELECT entry FROM adapter_history WHERE plugin = ? ORDER BY seq", (plugin,)).fetchall()]
            if fresh and not history and (plugin_dir / POINTER_FILE).is_file():
                legacy = _read_pointer(plugin_dir)
                active, history = legacy["active"], []
                for entry in legacy["history"]:
                    self._append(tx, plugin, len(history), entry)
                    history.append(entry)
                tx.execute("UPDATE adapter_active SET version = ? WHERE plugin = ?", (active, plugin))
            data = {"active": active, "history": list(history)}
            yield data
            for i, entry in enumerate(data["history"][len(history):]):
                self._append(tx, plugin, len(history) + i, entry)
            if data["active"] != active:
                tx.execute("UPDATE adapter_active SET version = ? WHERE plugin = ?", (data["active"], plugin))

    @staticmethod
    def _append(tx: Any, plugin: str, seq: int, entry: dict[str, Any]) -> None:
        tx.execute("INSERT INTO adapter_history (plugin, seq, entry) VALUES (?, ?, ?)",
                   (plugin, seq, json.dumps(entry, default=str)))

    def register(self, plugin: str, version: str, path: Path, meta: dict[str, Any], *, replace: bool) -> None:
        conflict = ("DO UPDATE SET folder = excluded.folder, metadata = excluded.metadata, "
                    "created_at = excluded.created_at") if replace else "DO NOTHING"
        self.db.execute("INSERT INTO adapter_versions (plugin, version, folder, metadata, created_at) "
                        f"VALUES (?, ?, ?, ?, ?) ON CONFLICT (plugin, version) {conflict}",
                        (plugin, version, self._folder(path), json.dumps(meta, default=str),
                         str(meta.get("created_at", ""))))

    def metadata(self, plugin: str, version: str, path: Path) -> dict[str, Any]:
        row = self.db.one("SELECT metadata FROM adapter_versions WHERE plugin = ? AND version = ?",
                          (plugin, version))
        if row is not None:
            return json.loads(row[0])
        meta = read_metadata(path)
        self.register(plugin, version, path, meta, replace=False)
        return self.metadata(plugin, version, path)

    def save_metadata(self, plugin: str, version: str, path: Path, meta: dict[str, Any]) -> None:
        self.register(plugin, version, path, meta, replace=True)
        try:  # the folder keeps a readable copy (the model card is written from it)
            _write_json(path / METADATA_FILE, meta)
        except OSError:
            pass

    def listing(self, plugin: str, plugin_dir: Path) -> list[tuple[str, Path, dict[str, Any]]]:
        known = {r[0] for r in self.db.execute("SELECT version FROM adapter_versions WHERE plugin = ?", (plugin,))}
        for name, path, meta in _scan(plugin_dir):
            if name not in known:
                self.register(plugin, name, path, meta, replace=False)
        out = []
        for name, folder, meta in self.db.execute(
                "SELECT version, folder, metadata FROM adapter_versions WHERE plugin = ?", (plugin,)):
            path = self._path(folder)
            if path.is_dir():
                out.append((name, path, json.loads(meta)))
        return out

    def close(self) -> None:
        self.db.close()


def _read_pointer(plugin_dir: Path) -> dict[str, Any]:
    path = plugin_dir / POINTER_FILE
    if not path.is_file():
        return {"active": None, "history": []}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RegistryError(f"cannot read the registry pointer {path}: {exc}") from exc
    data.setdefault("active", None)
    data.setdefault("history", [])
    return data


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    os.replace(tmp, path)


def _scan(plugin_dir: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    if not plugin_dir.is_dir():
        return []
    out = []
    for d in plugin_dir.iterdir():
        if d.is_dir() and (d / METADATA_FILE).is_file():
            try:
                out.append((d.name, d, read_metadata(d)))
            except RegistryError:
                continue
    return out


class AdapterStore:
    """The adapters under ``root/<plugin>/<version>`` and each plugin's active pointer, read only.

    ``database`` (the site's shared database: a ``postgresql://`` URL, or a SQLite path) keeps the
    records (metadata, active version, history) in tables so every app server sees the same active
    adapter; without it they are the JSON files of the registry folder. The weights stay files under
    ``root`` either way."""

    def __init__(self, root: str | Path, *, database: str | Path | None = None) -> None:
        self.root = Path(root).expanduser()
        self._records: _FileRecords | _DbRecords = (
            _DbRecords(self.root, database) if database is not None else _FileRecords(self.root))

    @property
    def shared(self) -> bool:
        """True when the records live in a database."""
        return isinstance(self._records, _DbRecords)

    def close(self) -> None:
        self._records.close()

    # -- reading ---------------------------------------------------------------------------

    def plugin_dir(self, plugin: str) -> Path:
        if not _NAME.match(plugin or ""):
            raise RegistryError(f"invalid plugin name {plugin!r}")
        return self.root / plugin

    def _pointer(self, plugin: str) -> dict[str, Any]:
        return self._records.pointer(self.plugin_dir(plugin))

    def _metadata(self, plugin: str, version: str, path: Path) -> dict[str, Any]:
        return self._records.metadata(plugin, version, path)

    def version(self, plugin: str, version: str) -> AdapterVersion:
        """One version (must exist and carry metadata.json)."""
        if not _NAME.match(version or ""):
            raise RegistryError(f"invalid version name {version!r}")
        path = self.plugin_dir(plugin) / version
        if not path.is_dir():
            known = ", ".join(v.version for v in self.versions(plugin)) or "none"
            raise RegistryError(f"{plugin} has no adapter version {version!r} under {self.plugin_dir(plugin)} "
                                f"(versions: {known})")
        return AdapterVersion(plugin, version, path, self._metadata(plugin, version, path),
                              self.active_name(plugin) == version)

    def versions(self, plugin: str) -> list[AdapterVersion]:
        """Every version folder with metadata, oldest first (by its creation date)."""
        pdir = self.plugin_dir(plugin)
        rows = self._records.listing(plugin, pdir)
        if not rows:
            return []
        active = self.active_name(plugin)
        out = [AdapterVersion(plugin, name, path, meta, name == active) for name, path, meta in rows]
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
        return AdapterVersion(plugin, name, path, self._metadata(plugin, name, path), True)

    def history(self, plugin: str) -> list[dict[str, Any]]:
        return list(self._pointer(plugin)["history"])


_shared_stores: dict[tuple[str, str], AdapterStore] = {}
_shared_lock = threading.Lock()


def active_adapter(root: str | Path, plugin: str, *,
                   database: str | Path | None = None) -> tuple[Path, str] | None:
    """``(adapter_dir, version)`` of ``plugin``'s active adapter under ``root``, or ``None`` if none is active.

    ``database``: the site's shared database holding the records (see :class:`AdapterStore`); one
    connection per ``(root, database)`` is kept for the process, since the pointer is read at each lookup.

    Raises :class:`~pixtralogist.core.errors.ConfigError` when the pointer names
    a version that is gone (the site must not silently draft without it).
    """
    if database is None:
        reg = AdapterStore(root)
    else:
        key = (str(root), str(database))
        with _shared_lock:
            reg = _shared_stores.get(key)
            if reg is None:
                reg = _shared_stores[key] = AdapterStore(root, database=database)
    try:
        v = reg.active(plugin)
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
    if v is None:
        return None
    return v.path.resolve(), str(v.metadata.get("version") or v.version)
