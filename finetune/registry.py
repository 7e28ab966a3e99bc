"""The adapter registry: versioned LoRA adapters per plugin, a gated active pointer, rollback.

Layout (one folder per plugin under a registry root, e.g. ``adapters/``)::

    adapters/<plugin>/<version>/adapter_config.json, adapter_model.safetensors
    adapters/<plugin>/<version>/metadata.json     base model, data fingerprint, training
                                                   config, metrics, date, intended use
    adapters/<plugin>/registry.json               {"active": "<version>", "history": [...]}

With a shared database (``AdapterRegistry(root, database=url)``, or :meth:`AdapterRegistry.for_site`
when the storage setting names PostgreSQL) the metadata, the active pointer and the history are
rows instead (see :class:`pixtralogist.persistence.adapters.AdapterStore`): every app server sees one
active version, and a promotion or rollback is one transaction holding the plugin's pointer row.

* :meth:`AdapterRegistry.promote` makes a version active only when it beats
  the active one on the validation split by the configured metric: a
  ``score(adapter_dir, split) -> float`` callable (higher is better; e.g.
  :class:`pixtralogist.finetune.train.ValidationLossScorer`, or the evaluation
  module's per-region scores averaged) or a metric already stored in each
  version's ``metadata.json`` (with its direction). The first version is
  promoted when its score is finite. ``force=True`` skips the gate (recorded).
* The previous version stays on disk; :meth:`AdapterRegistry.rollback` makes
  the version that was active before the current one active again.
* :func:`~pixtralogist.persistence.adapters.active_adapter` (re-exported here) is what the site configuration uses
  (``adapter_registry:`` in ``config.yaml``) to give a specialty's
  transformers backend its active adapter and version.

The reading side (:mod:`pixtralogist.persistence.adapters`) imports only the standard library; the app reads it at start.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from pixtralogist.persistence.adapters import (
    METADATA_FILE,
    POINTER_FILE,
    AdapterStore,
    AdapterVersion,
    RegistryError,
    active_adapter,
    read_metadata,
)

__all__ = [
    "METADATA_FILE",
    "POINTER_FILE",
    "AdapterRegistry",
    "AdapterVersion",
    "GateDecision",
    "RegistryError",
    "active_adapter",
    "read_metadata",
    "update_metadata",
    "write_metadata",
]

Score = Callable[[Path, str], float]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    os.replace(tmp, path)


def write_metadata(
    adapter_dir: str | Path,
    *,
    base_model: str,
    plugin: str,
    version: str,
    template_id: str | None,
    data_fingerprint: str,
    training_config: dict[str, Any],
    metrics: dict[str, float],
    intended_use: str,
    method: str = "lora-sft",
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``metadata.json`` for an adapter version (the provenance every adapter carries)."""
    from importlib import metadata as importlib_metadata

    libs = {}
    for lib in ("torch", "transformers", "peft", "trl", "accelerate", "bitsandbytes"):
        try:
            libs[lib] = importlib_metadata.version(lib)
        except importlib_metadata.PackageNotFoundError:
            continue
    from pixtralogist import __version__

    meta = {
        "format": 1,
        "plugin": plugin,
        "version": version,
        "method": method,
        "base_model": base_model,
        "base_model_name": Path(base_model).name,
        "template_id": template_id,
        "data_fingerprint": data_fingerprint,
        "training_config": training_config,
        "metrics": metrics,
        "created_at": _now(),
        "intended_use": intended_use,
        "pixtralogist_version": __version__,
        "libraries": libs,
        **(extra or {}),
    }
    path = Path(adapter_dir) / METADATA_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_json(path, meta)
    from pixtralogist.finetune.cards import write_model_card

    write_model_card(adapter_dir, meta)
    return path


def update_metadata(adapter_dir: str | Path, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into a version's ``metadata.json`` (and refresh its model card); returns the result."""
    from pixtralogist.finetune.cards import write_model_card

    meta = read_metadata(adapter_dir)
    meta.update(changes)
    _write_json(Path(adapter_dir) / METADATA_FILE, meta)
    write_model_card(adapter_dir, meta)
    return meta


@dataclass(frozen=True)
class GateDecision:
    """The outcome of :meth:`AdapterRegistry.promote`."""

    promoted: bool
    version: str
    previous: str | None
    metric: str
    candidate_score: float | None
    current_score: float | None
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


class AdapterRegistry(AdapterStore):
    """Adapters under ``root/<plugin>/<version>`` with an active pointer per plugin (see the module docstring):
    the reading side of :class:`~pixtralogist.persistence.adapters.AdapterStore` plus promotion, rollback and writing."""

    @classmethod
    def for_site(cls, root: str | Path, env: Any = None) -> "AdapterRegistry":
        """The registry under ``root`` with its records where the site keeps them: the shared PostgreSQL
        database when the storage setting (``PIXTRALOGIST_CHECKPOINTER_URL``) names one, else files."""
        from pixtralogist.core.storage import StorageSettings

        return cls(root, database=StorageSettings.from_sources(None, os.environ if env is None else env).database)

    def update_metadata(self, plugin: str, version: str, **changes: Any) -> dict[str, Any]:
        """Merge ``changes`` into a version's metadata record (and its folder's copy and model card)."""
        from pixtralogist.finetune.cards import write_model_card

        path = self.plugin_dir(plugin) / version
        meta = {**self._metadata(plugin, version, path), **changes}
        self._records.save_metadata(plugin, version, path, meta)
        write_model_card(path, meta)
        return meta

    def register(self, plugin: str, version: str) -> AdapterVersion:
        """(Re-)read a version folder's ``metadata.json`` into the records (with a shared database;
        a folder is also registered when first seen). Returns the version."""
        path = self.plugin_dir(plugin) / version
        meta = read_metadata(path)
        self._records.save_metadata(plugin, version, path, meta)
        return self.version(plugin, version)

    # -- the gate ----------------------------------------------------------------------------

    @staticmethod
    def _stored(v: AdapterVersion, metric: str, higher_is_better: bool) -> float:
        value = (v.metadata.get("metrics") or {}).get(metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise RegistryError(f"{v.plugin} {v.version} has no numeric metric {metric!r} in its metadata.json; "
                                "pass a score function or evaluate it first")
        return float(value) if higher_is_better else -float(value)

    def promote(
        self,
        plugin: str,
        version: str,
        *,
        score: Score | None = None,
        metric: str = "val_loss",
        higher_is_better: bool = False,
        split: str = "val",
        min_delta: float = 0.0,
        force: bool = False,
        actor: str | None = None,
    ) -> GateDecision:
        """Make ``version`` active if it beats the active version by more than ``min_delta``.

        :param score: ``score(adapter_dir, split) -> float``, higher is better;
            when given it is computed for both versions on ``split`` (and
            stored in each ``metadata.json`` under ``metrics['gate:<metric>:<split>']``).
            Without it, ``metric`` is read from each version's metadata
            (``higher_is_better`` says which way it goes; the default,
            ``val_loss``, is lower-is-better).
        :param force: promote without comparing (recorded as forced).
        :return: a :class:`GateDecision`; a refused version stays on disk, inactive.
        """
        cand = self.version(plugin, version)
        current = self.active(plugin)
        if current is not None and current.version == version:
            return GateDecision(False, version, version, metric, None, None, f"{version} is already active")

        def value(v: AdapterVersion) -> float:
            if score is None:
                return self._stored(v, metric, higher_is_better)
            result = float(score(v.path, split))
            self._record_metric(v, f"gate:{metric}:{split}", result)
            return result

        if force:
            decision = GateDecision(True, version, current.version if current else None, metric, None, None,
                                    "forced (gate skipped)")
        else:
            cand_score = value(cand)
            if not math.isfinite(cand_score):
                return GateDecision(False, version, current.version if current else None, metric, cand_score,
                                    None, f"{version} scored {cand_score} on {split}; not promoted")
            if current is None:
                decision = GateDecision(True, version, None, metric, cand_score, None,
                                        f"first adapter for {plugin} (score {cand_score:.4g} on {split})")
            else:
                cur_score = value(current)
                better = cand_score > cur_score + min_delta or not math.isfinite(cur_score)
                why = (f"{version} scores {cand_score:.4g} vs {cur_score:.4g} for the active {current.version} "
                       f"on {split} ({metric}, higher is better after orientation; min_delta {min_delta})")
                decision = GateDecision(better, version, current.version, metric, cand_score, cur_score,
                                        ("promoted: " if better else "refused: ") + why)
        if decision.promoted and not self._set_active(plugin, version, action="promote", decision=decision,
                                                      actor=actor, expect=self._UNSET if force else decision.previous):
            active = self.active_name(plugin)
            return GateDecision(False, version, active, metric, decision.candidate_score, decision.current_score,
                                f"refused: the active {plugin} adapter became {active} while {version} was "
                                "being compared (another promotion); run promote again")
        return decision

    def apply_decision(self, plugin: str, decision: GateDecision, *, actor: str | None = None) -> GateDecision:
        """Record a decision made elsewhere (the learning loop's bootstrap gate) and act on it.

        The decision is appended to the version's ``metadata.json`` (``decisions``);
        a promoted one becomes active (``registry.json`` history, like :meth:`promote`).
        """
        v = self.version(plugin, decision.version)
        record = {"at": _now(), "promoted": decision.promoted, "previous": decision.previous,
                  "metric": decision.metric, "candidate_score": decision.candidate_score,
                  "current_score": decision.current_score, "reason": decision.reason, **decision.details}
        meta = dict(v.metadata)
        meta["decisions"] = [*meta.get("decisions", []), record]
        self._records.save_metadata(plugin, v.version, v.path, meta)
        from pixtralogist.finetune.cards import write_model_card

        write_model_card(v.path, meta)
        if decision.promoted:
            self._set_active(plugin, decision.version, action="promote", decision=decision, actor=actor)
        return decision

    def activated_by(self, plugin: str, version: str) -> dict[str, Any] | None:
        """The latest history entry that made ``version`` active (its ``previous`` is what it replaced)."""
        for entry in reversed(self._pointer(plugin)["history"]):
            if entry.get("version") == version and entry.get("action") in ("promote", "rollback"):
                return entry
        return None

    def _record_metric(self, v: AdapterVersion, key: str, value: float) -> None:
        meta = self._metadata(v.plugin, v.version, v.path)
        meta.setdefault("metrics", {})[key] = value
        self._records.save_metadata(v.plugin, v.version, v.path, meta)

    _UNSET: Any = object()

    def _set_active(self, plugin: str, version: str, *, action: str, decision: GateDecision | None = None,
                    actor: str | None = None, expect: Any = _UNSET) -> bool:
        """Point ``plugin`` at ``version`` in one locked change; ``False`` (nothing written) when ``expect``
        is given and the active version is no longer it (another server promoted meanwhile)."""
        with self._records.changing(plugin, self.plugin_dir(plugin)) as data:
            if expect is not self._UNSET and data["active"] != expect:
                return False
            entry: dict[str, Any] = {"at": _now(), "action": action, "version": version,
                                     "previous": data["active"]}
            if decision is not None:
                entry.update(metric=decision.metric, candidate_score=decision.candidate_score,
                             current_score=decision.current_score, reason=decision.reason)
            if actor:
                entry["actor"] = actor
            data["active"] = version
            data["history"].append(entry)
        return True

    def rollback(self, plugin: str, *, actor: str | None = None, reason: str | None = None) -> str:
        """Re-activate the version that was active before the current one; returns its name.

        ``reason`` (e.g. the live edit-burden check's figures) goes into the history entry.
        """
        with self._records.changing(plugin, self.plugin_dir(plugin)) as data:
            return self._rollback(plugin, data, actor=actor, reason=reason)

    def _rollback(self, plugin: str, data: dict[str, Any], *, actor: str | None, reason: str | None) -> str:
        current = data["active"]
        if current is None:
            raise RegistryError(f"{plugin} has no active adapter to roll back")
        # Walk back through activations: the last entry that activated `current` names its predecessor.
        for entry in reversed(data["history"]):
            if entry.get("version") == current and entry.get("action") in ("promote", "rollback"):
                target = entry.get("previous")
                break
        else:
            target = None
        if target is None:
            raise RegistryError(f"{plugin}: {current} is the first adapter promoted; there is no earlier version "
                                "to roll back to")
        if not (self.plugin_dir(plugin) / target).is_dir():
            raise RegistryError(f"{plugin}: the previous version {target!r} is no longer on disk")
        # Find what was active before `target` became active, so a second rollback keeps going back.
        before = None
        for entry in reversed(data["history"]):
            if entry.get("version") == target and entry.get("action") in ("promote", "rollback"):
                before = entry.get("previous")
                break
        data["active"] = target
        rec = {"at": _now(), "action": "rollback", "version": target, "previous": before, "rolled_back": current}
        if reason:
            rec["reason"] = reason
        if actor:
            rec["actor"] = actor
        data["history"].append(rec)
        return target
