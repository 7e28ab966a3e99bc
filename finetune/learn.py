"""The learning loop: signed reports become a better adapter automatically, safely and visibly.

:func:`run_learn` (``pixtralogist learn --specialty X``, e.g. from cron) does, in order:

1. **Live check** (:func:`live_check`): when the active version has drafted
   its first ``live_first_m`` signed cases and their edit burden (mean
   normalised edit distance per case, :mod:`.quality`) is worse than the
   previous version's last ``live_first_m`` cases by more than
   ``live_margin``, the registry rolls back and says why.
2. **Threshold**: it trains only when at least ``min_new_cases`` cases were
   signed since the active version's data ended (or since it was created).
3. **Sets**: the most recent ``eval_cases`` signed cases that NO version ever
   trained on are the evaluation set; every other signed case is training
   data (signed regions for SFT; edited regions as DPO preference pairs when
   ``dpo`` is on). Written as a Hugging Face ``datasets`` folder with a
   dataset card (:func:`write_training_set`).
4. **Train** with the existing trainers (:func:`pixtralogist.finetune.train.train`,
   then :func:`pixtralogist.finetune.dpo.train_dpo` on top when ``dpo``).
5. **Evaluate** the candidate and the active version (or the base model when
   none is active) on the same evaluation cases, per region
   (:func:`evaluate_versions`).
6. **Gate**: a paired bootstrap over cases (:mod:`.gate`); promoted only
   when the improvement's lower bound is above ``margin``.

Every decision and its figures go to the version's ``metadata.json``
(``learning``, ``decisions``, ``live_check``), its model card, the registry
history and the audit log (``AuditLog.record``; case id ``adapter:<plugin>/<version>``).
Case ids are written only as one-way hashes (:func:`case_key`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pixtralogist.core.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.finetune.registry import GateDecision

log = logging.getLogger(__name__)

__all__ = ["LearnConfig", "LearnOutcome", "LiveCheck", "case_key", "evaluate_versions", "live_check", "gate_version", "run_learn",
           "select_sets", "write_training_set"]

DATASETS_DIR = "_datasets"


def case_key(case_id: str) -> str:
    """A one-way hash of a case id (what metadata, datasets and logs carry instead of the id)."""
    return hashlib.sha256(f"pixtralogist-case:{case_id}".encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class LearnConfig:
    """Settings of one learning run (``pixtralogist learn``; YAML keys are the field names)."""

    specialty: str
    #: A SQLite file or the site's ``postgresql://`` URL (where the app servers keep every store).
    feedback_db: Path | str
    registry: Path
    base_model: Path
    template_id: str | None = None
    #: Train only when at least this many cases were signed since the active version's data ended.
    min_new_cases: int = 50
    #: The most recent signed cases no version trained on, kept for evaluation.
    eval_cases: int = 20
    #: Required lower bound of the bootstrap interval of the mean improvement.
    margin: float = 0.0
    confidence: float = 0.95
    bootstrap: int = 2000
    #: 'edit' (1 - normalised word edit distance to the signed text) or 'comparator' (offline comparator score).
    metric: Literal["edit", "comparator"] = "edit"
    #: Also run DPO on the edited regions after SFT.
    dpo: bool = False
    #: Version name (default: the UTC time, e.g. 20261206-101500).
    version: str | None = None
    #: Where training sets go (default: <registry>/_datasets/<specialty>/<version>).
    datasets: Path | None = None
    #: The audit log (SQLite) to append decisions to (none: metadata and registry history only).
    audit_db: Path | None = None
    #: SFT settings (TrainConfig fields), e.g. {max_steps: 40, learning_rate: 0.02}.
    train: dict[str, Any] = field(default_factory=dict)
    #: DPO settings (DPOTrainConfig fields).
    dpo_train: dict[str, Any] = field(default_factory=dict)
    max_new_tokens: int = 256
    seed: int = 0
    #: Ignore min_new_cases (train now).
    force: bool = False
    #: Live check: compare the active version's first M signed cases with the previous version's last M.
    live_first_m: int = 20
    live_margin: float = 0.05

    def __post_init__(self) -> None:
        from pixtralogist.persistence.feedback import feedback_location

        self.feedback_db = feedback_location(self.feedback_db)
        for name in ("registry", "base_model", "datasets", "audit_db"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                setattr(self, name, Path(value).expanduser())
        if self.min_new_cases < 1 or self.eval_cases < 2:
            raise ConfigError("learn: min_new_cases must be >= 1 and eval_cases >= 2")
        if self.metric not in ("edit", "comparator"):
            raise ConfigError(f"learn: metric must be 'edit' or 'comparator', not {self.metric!r}")
        if not 0 < self.confidence < 1 or self.bootstrap < 100:
            raise ConfigError("learn: confidence must be in (0, 1) and bootstrap >= 100 resamples")
        if self.live_first_m < 1:
            raise ConfigError("learn: live_first_m must be >= 1")

    @classmethod
    def from_yaml(cls, path: str | Path, **overrides: Any) -> "LearnConfig":
        import dataclasses

        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read the learning settings {path}: {exc}") from exc
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown learning setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        data.update({k: v for k, v in overrides.items() if v is not None})
        missing = [k for k in ("specialty", "feedback_db", "registry", "base_model") if k not in data]
        if missing:
            raise ConfigError(f"learning settings lack {', '.join(missing)} (in {path} or as flags)")
        return cls(**data)


@dataclass
class LiveCheck:
    """The outcome of :func:`live_check`."""

    status: Literal["no-active", "collecting", "no-baseline", "passed", "rolled-back", "checked"]
    version: str | None
    previous: str | None = None
    burden: float | None = None
    previous_burden: float | None = None
    cases: int = 0
    reason: str = ""
    rolled_back_to: str | None = None


@dataclass
class LearnOutcome:
    """What :func:`run_learn` did."""

    status: Literal["waiting", "promoted", "refused"]
    reason: str
    version: str | None = None
    active: str | None = None
    new_cases: int = 0
    train_cases: int = 0
    eval_cases: int = 0
    preference_pairs: int = 0
    bootstrap: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    live: LiveCheck | None = None
    dataset: Path | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["dataset"] = str(self.dataset) if self.dataset else None
        return d


# --- audit -------------------------------------------------------------------------------


def _audit(audit_db: Path | None, action: str, plugin: str, subject: str | None, **detail: Any) -> None:
    """Append one event through the audit log's public API (no report text, no case ids)."""
    if audit_db is None:
        return
    from pixtralogist.persistence.audit import AuditLog

    audit = AuditLog.open(audit_db)
    try:
        audit.record(action, f"adapter:{plugin}/{subject or '-'}", **detail)
    finally:
        audit.close()


# --- live check ----------------------------------------------------------------------------


def live_check(store, registry, plugin: str, *, first_m: int = 20, margin: float = 0.05,
               audit_db: Path | None = None) -> LiveCheck:
    """Roll the active version back when its first ``first_m`` cases carry more edit burden than before.

    The active version's burden is the mean, over its first ``first_m``
    signed cases (by signing time), of each case's mean normalised edit
    distance; the previous version's (the one this promotion replaced, or the
    base model) is the same over ITS last ``first_m`` cases. When the new one
    is worse by more than ``margin`` the registry rolls back, and the reason
    goes to the version's ``metadata.json`` (``live_check``), the registry
    history and the audit log. A check that passed is recorded once.
    """
    from pixtralogist.finetune.quality import BASE_VERSION, case_burden
    active = registry.active(plugin)
    if active is None:
        return LiveCheck("no-active", None, reason=f"{plugin}: no active adapter")
    label = str(active.metadata.get("version") or active.version)
    entry = registry.activated_by(plugin, active.version) or {}
    prev = entry.get("previous")
    prev_label = BASE_VERSION
    if prev:
        try:
            prev_label = str(registry.version(plugin, prev).metadata.get("version") or prev)
        except Exception:  # noqa: BLE001 - a removed folder: its label is its name
            prev_label = prev
    done = active.metadata.get("live_check") or {}
    if done.get("status") == "passed" and done.get("activated_at") == entry.get("at"):
        return LiveCheck("checked", label, prev_label, reason=done.get("reason", ""))
    since = entry.get("at") or ""
    rows = [r for r in store.quality_rows(plugin, adapter_version=label) if r.signed_at >= since[:19]]
    burden = case_burden(rows)
    order = sorted({r.case_id: r.signed_at for r in rows}.items(), key=lambda kv: (kv[1], kv[0]))
    mine = [c for c, _ in order[:first_m]]
    if len(mine) < first_m:
        return LiveCheck("collecting", label, prev_label, cases=len(mine),
                         reason=f"{label}: {len(mine)} of the {first_m} signed cases the live check needs")
    prev_rows = store.quality_rows(plugin, adapter_version=prev_label)
    prev_burden = case_burden(prev_rows)
    prev_order = sorted({r.case_id: r.signed_at for r in prev_rows}.items(), key=lambda kv: (kv[1], kv[0]))
    theirs = [c for c, _ in prev_order[-first_m:]]
    if not theirs:
        return LiveCheck("no-baseline", label, prev_label, cases=len(mine),
                         reason=f"{label}: no signed cases drafted by {prev_label} to compare with")
    b_new = sum(burden[c] for c in mine) / len(mine)
    b_old = sum(prev_burden[c] for c in theirs) / len(theirs)
    figures = (f"edit burden {b_new:.3f} over the first {len(mine)} cases of {label} vs {b_old:.3f} over the last "
               f"{len(theirs)} cases of {prev_label} (margin {margin:.3f})")
    if b_new - b_old > margin and prev:
        reason = f"rolled back: {figures}"
        target = registry.rollback(plugin, reason=reason)
        registry.update_metadata(plugin, active.version, live_check={
            "at": _now(), "status": "rolled-back", "reason": reason,
            "burden": b_new, "previous_burden": b_old, "cases": len(mine),
            "rolled_back_to": target, "activated_at": entry.get("at")})
        _audit(audit_db, "adapter_rollback", plugin, active.version, decision="rolled-back", figures=figures,
               version=target)
        return LiveCheck("rolled-back", label, prev_label, b_new, b_old, len(mine), reason, target)
    if b_new - b_old > margin:  # first adapter ever: nothing to roll back to
        reason = f"worse than the base model but no earlier adapter to roll back to: {figures}"
        registry.update_metadata(plugin, active.version, live_check={
            "at": _now(), "status": "worse-no-target", "reason": reason,
            "activated_at": entry.get("at")})
        _audit(audit_db, "adapter_rollback", plugin, active.version, decision="worse-no-target", figures=figures)
        return LiveCheck("passed", label, prev_label, b_new, b_old, len(mine), reason)
    reason = f"passed: {figures}"
    registry.update_metadata(plugin, active.version, live_check={
        "at": _now(), "status": "passed", "reason": reason, "burden": b_new,
        "previous_burden": b_old, "cases": len(mine),
        "activated_at": entry.get("at")})
    _audit(audit_db, "adapter_live_check", plugin, active.version, decision="passed", figures=figures)
    return LiveCheck("passed", label, prev_label, b_new, b_old, len(mine), reason)


# --- sets ------------------------------------------------------------------------------------


def _trained_keys(registry, plugin: str) -> set[str]:
    keys: set[str] = set()
    for v in registry.versions(plugin):
        keys.update((v.metadata.get("learning") or {}).get("train_cases") or [])
    return keys


def select_sets(signed: list[dict], trained_keys: set[str], eval_cases: int) -> tuple[list[str], list[str]]:
    """``(train case ids, evaluation case ids)``.

    The evaluation set is the most recent ``eval_cases`` signed cases whose
    key no version ever trained on; everything else signed is training data.
    """
    untrained = [c["case_id"] for c in signed if case_key(c["case_id"]) not in trained_keys]
    eval_ids = untrained[-eval_cases:]
    chosen = set(eval_ids)
    return [c["case_id"] for c in signed if c["case_id"] not in chosen], eval_ids


def write_training_set(store, folder: Path, template, specialty: str, train_ids: list[str], eval_ids: list[str],
                       *, version: str, signed: list[dict]) -> dict[str, int]:
    """The training set as a ``datasets``-loadable folder (``sft.jsonl``, ``preference.jsonl``, images, card).

    Records carry hashed case ids, the case's text context, the signed text by
    region and image paths; no DICOM metadata. Preference pairs come from the
    training cases only.
    """
    from pixtralogist.finetune.cards import write_dataset_card
    from pixtralogist.finetune.data import _case_context, target_text

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    reports = {r["case_id"]: r for r in store.reports(specialty) if r["template_id"] == template.id}
    split = {**{c: "train" for c in train_ids}, **{c: "val" for c in eval_ids}}
    counts = {"train_cases": 0, "eval_cases": 0, "preference_pairs": 0, "images": 0, "skipped_missing_images": 0}

    def images_of(case: dict) -> list[str] | None:
        rels = []
        for meta in case.get("images") or []:
            sha = str(meta.get("sha256", ""))
            png = store.image(sha)
            if png is None or not sha.isalnum():
                return None
            rel = f"images/{sha}.png"
            if not (folder / rel).is_file():
                (folder / rel).write_bytes(png)
                counts["images"] += 1
            rels.append(rel)
        return rels

    with open(folder / "sft.jsonl", "w", encoding="utf-8") as sft, \
            open(folder / "preference.jsonl", "w", encoding="utf-8") as pref:
        for case_id in [*train_ids, *eval_ids]:
            r = reports.get(case_id)
            if r is None:
                continue
            imgs = images_of(r["case"])
            if not imgs:
                counts["skipped_missing_images"] += 1
                continue
            key, context = case_key(case_id), _case_context(r["case"])
            final = r["final"]
            sft.write(json.dumps({"case_id": key, "split": split[case_id], "template_id": template.id,
                                  "images": imgs, "context": context, "target": final.region_dict(),
                                  "impression": list(final.impression)}, ensure_ascii=False) + "\n")
            counts["train_cases" if split[case_id] == "train" else "eval_cases"] += 1
            if split[case_id] != "train":
                continue
            draft = r["draft"].region_dict()
            for region in final.regions:
                before, after = draft.get(region, ""), final.region_dict().get(region, "")
                if before == after or not after.strip():
                    continue
                pref.write(json.dumps({
                    "case_id": key, "region": region, "template_id": template.id, "images": imgs, "context": context,
                    "chosen": target_text(template, {**draft, region: after}, r["draft"].impression),
                    "rejected": target_text(template, draft, r["draft"].impression)}, ensure_ascii=False) + "\n")
                counts["preference_pairs"] += 1
    dates = [c["signed_at"] for c in signed if c["case_id"] in split]
    write_dataset_card(folder, specialty=specialty, template_id=template.id, counts=counts,
                       first_signed=min(dates) if dates else None, last_signed=max(dates) if dates else None,
                       version=version)
    return counts


# --- evaluation ------------------------------------------------------------------------------


def draft_cases(host, specialty: str, template, cases: dict[str, Any], *, base_model: Path,
                adapter: Path | None, adapter_version: str | None, max_new_tokens: int) -> dict[str, dict[str, str]]:
    """``{case id: {region: drafted text}}`` with the transformers backend (adapter or base)."""
    from pixtralogist.core.models import ModelConfig

    model = ModelConfig(backend="transformers", base_model=str(base_model), adapter=str(adapter) if adapter else None,
                        adapter_version=adapter_version, temperature=0.0, max_new_tokens=max_new_tokens)
    drafter = host.drafter(specialty, template, model)
    return {cid: drafter.draft(case, template).region_dict() for cid, case in cases.items()}


def evaluate_versions(host, specialty: str, template, store, eval_ids: list[str], *, base_model: Path,
                      candidate: tuple[str, Path], active: tuple[str, Path | None], metric: str = "edit",
                      max_new_tokens: int = 256, scorer=None) -> dict[str, Any]:
    """Draft the evaluation cases with both versions and score them per case and per region."""
    from pixtralogist.finetune.data import feedback_examples
    from pixtralogist.finetune.gate import case_scores, region_means

    examples = {e.id: e for e in feedback_examples(store, specialty, template.id)}
    ids = [c for c in eval_ids if c in examples]
    if len(ids) < 2:
        raise DataError(f"only {len(ids)} evaluation cases have their images in the feedback store; need >= 2")
    cases = {c: examples[c].case() for c in ids}
    refs = {c: examples[c].regions for c in ids}
    regions = template.region_names
    out: dict[str, Any] = {"metric": metric, "n_cases": len(ids), "active_version": active[0]}
    for role, (name, path) in (("candidate", candidate), ("active", active)):
        drafts = draft_cases(host, specialty, template, cases, base_model=base_model, adapter=path,
                             adapter_version=name, max_new_tokens=max_new_tokens)
        per_case, per_region = case_scores(refs, drafts, regions, metric=metric, scorer=scorer)
        out[role] = {"version": name, "cases": [per_case[c] for c in ids],
                     "mean": sum(per_case.values()) / len(per_case), "regions": region_means(per_region, regions)}
    out["case_keys"] = [case_key(c) for c in ids]
    return out


# --- the loop ----------------------------------------------------------------------------------


def _default_version() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


def run_learn(cfg: LearnConfig, *, host=None) -> LearnOutcome:
    """One pass of the learning loop (see the module docstring)."""
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.config import DPOTrainConfig, TrainConfig
    from pixtralogist.finetune.registry import AdapterRegistry
    from pixtralogist.finetune.train import resolve_template

    t0 = time.perf_counter()
    if not (Path(cfg.base_model) / "config.json").is_file():
        raise ConfigError(f"base_model {cfg.base_model} is not a local transformers checkpoint (no config.json)")
    host = host or get_plugin_manager()
    template = resolve_template(cfg.specialty, cfg.template_id)
    registry = AdapterRegistry.for_site(cfg.registry)
    plugin = cfg.specialty
    store = FeedbackStore.open_existing(cfg.feedback_db)
    try:
        live = live_check(store, registry, plugin, first_m=cfg.live_first_m, margin=cfg.live_margin,
                          audit_db=cfg.audit_db)
        active = registry.active(plugin)
        signed = store.signed_cases(plugin)
        since = ""
        if active is not None:
            learning = active.metadata.get("learning") or {}
            since = learning.get("data_until") or active.metadata.get("created_at") or ""
        new = [c for c in signed if c["signed_at"] > since]
        if len(new) < cfg.min_new_cases and not cfg.force:
            reason = (f"waiting: {len(new)} new signed {plugin} cases since "
                      f"{'the active version ' + active.version + ' was trained' if active else 'the start'}; "
                      f"training needs {cfg.min_new_cases}")
            _audit(cfg.audit_db, "learn_decision", plugin, active.version if active else None, decision="waiting",
                   figures=f"{len(new)} of {cfg.min_new_cases} new cases")
            return LearnOutcome("waiting", reason, active=active.version if active else None, new_cases=len(new),
                                live=live, seconds=time.perf_counter() - t0)
        train_ids, eval_ids = select_sets(signed, _trained_keys(registry, plugin), cfg.eval_cases)
        if len(eval_ids) < 2 or not train_ids:
            raise DataError(f"{plugin}: {len(train_ids)} training and {len(eval_ids)} evaluation cases; the loop "
                            "needs at least one signed case to train on and two no version trained on")
        version = cfg.version or _default_version()
        out = registry.plugin_dir(plugin) / version
        if out.exists():
            raise ConfigError(f"{out} exists already; choose another version name")
        data_dir = (cfg.datasets or registry.root / DATASETS_DIR / plugin) / version
        counts = write_training_set(store, data_dir, template, plugin, train_ids, eval_ids, version=version,
                                    signed=signed)
        if counts["train_cases"] == 0:
            raise DataError(f"{plugin}: no training case has its images in the feedback store")

        # -- train ----------------------------------------------------------------------------
        train_kw = {"progress": False, "device": "cpu", "eval_split": "val", "seed": cfg.seed, **cfg.train}
        sft_out = out if not cfg.dpo else data_dir / "sft-adapter"
        from pixtralogist.finetune.train import train

        result = train(TrainConfig(plugin=plugin, base_model=cfg.base_model, out=sft_out, data=data_dir,
                                   template_id=template.id, version=version, **train_kw))
        method = "lora-sft"
        if cfg.dpo and counts["preference_pairs"]:
            from pixtralogist.finetune.dpo import train_dpo

            dpo_kw = {"progress": False, "device": "cpu", "seed": cfg.seed, "with_images": True, **cfg.dpo_train}
            train_dpo(DPOTrainConfig(plugin=plugin, base_model=cfg.base_model, pairs=data_dir / "preference.jsonl",
                                     adapter=sft_out, out=out, template_id=template.id, version=version, **dpo_kw))
            method = "lora-sft+dpo"
        elif cfg.dpo:  # nothing to prefer: the SFT adapter is the version
            shutil.copytree(sft_out, out, ignore=shutil.ignore_patterns("checkpoints"))
            method = "lora-sft (no preference pairs for DPO)"
        shutil.rmtree(out / "checkpoints", ignore_errors=True)

        # -- evaluate and decide ----------------------------------------------------------------
        decision, boot, evaluation = _evaluate_and_decide(
            cfg, host, template, store, registry, version, out, active, eval_ids,
            {"method": method, "train_cases": [case_key(c) for c in train_ids],
             "data_until": max(c["signed_at"] for c in signed), "new_cases": len(new),
             "min_new_cases": cfg.min_new_cases, "dataset": {"path": str(data_dir), **counts},
             "train_metrics": result.metrics})
        promote, reason = decision.promoted, decision.reason
        return LearnOutcome("promoted" if promote else "refused", reason, version=version,
                            active=registry.active_name(plugin), new_cases=len(new), train_cases=counts["train_cases"],
                            eval_cases=evaluation["n_cases"], preference_pairs=counts["preference_pairs"],
                            bootstrap=boot.to_dict(), evaluation=_summary(evaluation),
                            live=live, dataset=data_dir, seconds=time.perf_counter() - t0)
    finally:
        store.close()


def gate_version(cfg: LearnConfig, version: str, *, host=None) -> "GateDecision":
    """Evaluate an EXISTING version against the active one on a fresh evaluation set and apply the gate.

    For versions trained outside the loop (e.g. by hand): the same evaluation
    set rule, the same bootstrap decision, recorded the same way.
    """
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.registry import AdapterRegistry
    from pixtralogist.finetune.train import resolve_template

    host = host or get_plugin_manager()
    template = resolve_template(cfg.specialty, cfg.template_id)
    registry = AdapterRegistry.for_site(cfg.registry)
    cand = registry.version(cfg.specialty, version)
    store = FeedbackStore.open(cfg.feedback_db)
    try:
        signed = store.signed_cases(cfg.specialty)
        _, eval_ids = select_sets(signed, _trained_keys(registry, cfg.specialty), cfg.eval_cases)
        decision, _, _ = _evaluate_and_decide(cfg, host, template, store, registry, version, cand.path,
                                              registry.active(cfg.specialty), eval_ids,
                                              dict(cand.metadata.get("learning") or {}))
    finally:
        store.close()
    return decision


def _summary(evaluation: dict) -> dict:
    """The evaluation figures without the per-case keys (those go to ``eval_cases``)."""
    return {k: v for k, v in evaluation.items() if k != "case_keys"}


def _evaluate_and_decide(cfg: LearnConfig, host, template, store, registry, version: str, path: Path, active,
                         eval_ids: list[str], learning: dict) -> tuple["GateDecision", Any, dict]:
    """Evaluate ``version`` (at ``path``) and the active version on ``eval_ids``, decide with the paired
    bootstrap, and record the decision: ``learning`` plus the figures in the version's metadata, the
    registry (promotion or refusal) and the audit log. Returns the decision, the bootstrap and the evaluation."""
    from pixtralogist.finetune.gate import decide, paired_bootstrap
    from pixtralogist.finetune.registry import GateDecision

    plugin = cfg.specialty
    act = (active.version, active.path) if active else ("base", None)
    evaluation = evaluate_versions(host, plugin, template, store, eval_ids, base_model=Path(cfg.base_model),
                                   candidate=(version, path), active=act, metric=cfg.metric,
                                   max_new_tokens=cfg.max_new_tokens)
    boot = paired_bootstrap(evaluation["candidate"]["cases"], evaluation["active"]["cases"],
                            resamples=cfg.bootstrap, confidence=cfg.confidence, seed=cfg.seed)
    promote, reason = decide(boot, cfg.margin)
    reason = f"{version} vs {act[0]}: {reason}"
    verdict = "promoted" if promote else "refused"
    registry.update_metadata(plugin, version, learning={
        **learning, "at": _now(), "eval_cases": evaluation["case_keys"],
        "evaluation": _summary(evaluation), "bootstrap": boot.to_dict(),
        "margin": cfg.margin, "decision": verdict, "reason": reason})
    decision = GateDecision(promote, version, active.version if active else None, f"paired-bootstrap:{cfg.metric}",
                            evaluation["candidate"]["mean"], evaluation["active"]["mean"], reason,
                            {"bootstrap": boot.to_dict(), "margin": cfg.margin})
    registry.apply_decision(plugin, decision)
    _audit(cfg.audit_db, "learn_decision", plugin, version, decision=verdict,
           figures=(f"mean {boot.mean:+.3f} [{boot.lower:+.3f}, {boot.upper:+.3f}] n={boot.n_cases} "
                    f"margin {cfg.margin:+.3f}"), version=version)
    return decision, boot, evaluation
