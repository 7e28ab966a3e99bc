"""``pixtralogist finetune``: train, dpo, promote, rollback, list, data.

One small class per sub-command; heavy libraries are imported inside ``run``
(``pixtralogist --help`` stays fast). Training options come from a YAML file
(``--config``) and/or flags; a flag given on the command line wins.

Exit codes: 0 success, 1 the gate refused a version, 2 a
:class:`~pixtralogist.core.errors.PixtralogistError` (bad settings, missing
data; printed as ``error: ...`` by the main CLI).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pixtralogist.core.command import Command, CommandGroup

__all__ = ["FinetuneCommand"]


def _common_training_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, default=None, metavar="YAML",
                   help="YAML file with the settings (see docs/finetune.md); flags override it")
    p.add_argument("--plugin", default=None, help="plugin/specialty the adapter is for (default: radiology)")
    p.add_argument("--base", dest="base_model", default=None, metavar="DIR", help="local base checkpoint directory")
    p.add_argument("--out", default=None, metavar="DIR", help="adapter version directory, e.g. adapters/radiology/v3")
    p.add_argument("--template", dest="template_id", default=None, help="template id (default: the plugin's first)")
    p.add_argument("--quantization", choices=["4bit", "none"], default=None, help="4bit = QLoRA (CUDA)")
    p.add_argument("--lora-r", dest="lora_r", type=int, default=None)
    p.add_argument("--lr", dest="learning_rate", type=float, default=None, help="peak learning rate")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=None)
    p.add_argument("--grad-accum", dest="grad_accum", type=int, default=None)
    p.add_argument("--max-steps", dest="max_steps", type=int, default=None)
    p.add_argument("--epochs", dest="num_epochs", type=float, default=None)
    p.add_argument("--max-length", dest="max_length", type=int, default=None)
    p.add_argument("--gradient-checkpointing", dest="gradient_checkpointing", action="store_true", default=None)
    p.add_argument("--device", default=None, help="auto, cpu, cuda or cuda:N")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None)


def _overrides(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


_COMMON = ("plugin", "base_model", "out", "template_id", "quantization", "lora_r", "learning_rate", "batch_size",
           "grad_accum", "max_steps", "num_epochs", "max_length", "gradient_checkpointing", "device", "seed", "progress")


class TrainCommand(Command):
    name = "train"
    help = "supervised LoRA/QLoRA fine-tuning on the quiz layout and/or the feedback store"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _common_training_flags(p)
        p.add_argument("--data", default=None, metavar="DIR", help="annotation.json + images/ (and/or sft.jsonl)")
        p.add_argument("--feedback-db", dest="feedback_db", default=None, metavar="PATH",
                       help="feedback store whose signed reports are added")
        p.add_argument("--save-every", dest="save_every", type=int, default=None, help="checkpoint every N steps")
        p.add_argument("--resume", nargs="?", const=True, default=None, metavar="CHECKPOINT",
                       help="resume from the latest checkpoint in --out (or the one given)")
        p.add_argument("--train-projector", dest="train_projector", action="store_true", default=None)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.config import TrainConfig, load_yaml_config
        from pixtralogist.finetune.train import train

        names = _COMMON + ("data", "feedback_db", "save_every", "resume", "train_projector")
        cfg = load_yaml_config(TrainConfig, args.config, _overrides(args, names))
        result = train(cfg)
        print(json.dumps({"out": str(result.out), "steps": result.steps, "metrics": result.metrics,
                          "data": result.data, "seconds": round(result.seconds, 1)}, indent=2))
        return 0


class DPOCommand(Command):
    name = "dpo"
    help = "preference optimisation (TRL DPO) on the regions clinicians corrected"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _common_training_flags(p)
        p.add_argument("--feedback-db", dest="feedback_db", default=None, metavar="PATH", help="the feedback store")
        p.add_argument("--pairs", default=None, metavar="JSONL", help="preference.jsonl from `finetune data`")
        p.add_argument("--adapter", default=None, metavar="DIR", help="SFT adapter to start from (the reference)")
        p.add_argument("--beta", type=float, default=None)
        p.add_argument("--text-only", dest="with_images", action="store_false", default=None,
                       help="train on the text prompt without the images")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.config import DPOTrainConfig, load_yaml_config
        from pixtralogist.finetune.dpo import train_dpo

        names = _COMMON + ("feedback_db", "pairs", "adapter", "beta", "with_images")
        cfg = load_yaml_config(DPOTrainConfig, args.config, _overrides(args, names))
        result = train_dpo(cfg)
        print(json.dumps({"out": str(result.out), "steps": result.steps, "pairs": result.pairs,
                          "metrics": result.metrics, "seconds": round(result.seconds, 1)}, indent=2))
        return 0


def _open_registry(args: argparse.Namespace):
    """The registry under ``--registry``; its records in the site's shared database when the storage
    setting (``PIXTRALOGIST_CHECKPOINTER_URL``) names PostgreSQL, as the app servers read them."""
    from pixtralogist.finetune.registry import AdapterRegistry

    return AdapterRegistry.for_site(args.registry)


def _registry_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", type=Path, default=Path("adapters"), metavar="DIR",
                   help="registry root holding <plugin>/<version>/ (default: ./adapters)")
    p.add_argument("--plugin", default="radiology", help="plugin/specialty (default: radiology)")


class PromoteCommand(Command):
    name = "promote"
    help = "make a version active if it beats the active one on the validation split"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _registry_flags(p)
        p.add_argument("version", help="version folder name under <registry>/<plugin>/")
        p.add_argument("--metric", default="val_loss",
                       help="metric: 'val_loss' (computed now on --data, lower is better) or a key of "
                            "metadata.json's metrics (see --higher-is-better)")
        p.add_argument("--higher-is-better", action="store_true", help="for a stored metric: larger is better")
        p.add_argument("--data", default=None, metavar="DIR",
                       help="with --metric val_loss: compute it now for both versions on this data's split")
        p.add_argument("--base", dest="base_model", default=None, metavar="DIR",
                       help="base checkpoint for scoring (default: the candidate's metadata base_model)")
        p.add_argument("--split", default="val", choices=["train", "val", "test"])
        p.add_argument("--min-delta", type=float, default=0.0, help="required improvement")
        p.add_argument("--force", action="store_true", help="skip the gate (recorded in the history)")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.registry import AdapterRegistry

        reg = _open_registry(args)
        score = None
        if args.metric == "val_loss" and args.data and not args.force:
            from pixtralogist.finetune.train import ValidationLossScorer

            cand = reg.version(args.plugin, args.version)
            base = args.base_model or cand.metadata.get("base_model")
            score = ValidationLossScorer(base, args.data, plugin=args.plugin,
                                         template_id=cand.metadata.get("template_id"))
        decision = reg.promote(args.plugin, args.version, score=score, metric=args.metric,
                               higher_is_better=args.higher_is_better, split=args.split,
                               min_delta=args.min_delta, force=args.force)
        print(decision.reason)
        return 0 if decision.promoted else 1


class RollbackCommand(Command):
    name = "rollback"
    help = "re-activate the adapter version that was active before the current one"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _registry_flags(p)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.registry import AdapterRegistry

        target = _open_registry(args).rollback(args.plugin)
        print(f"{args.plugin}: active adapter is now {target}")
        return 0


class ListCommand(Command):
    name = "list"
    help = "list adapter versions (active marked with *), their metrics and intended use"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _registry_flags(p)
        p.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.finetune.registry import AdapterRegistry

        reg = _open_registry(args)
        rows = [{"version": v.version, "active": v.active, "created_at": v.metadata.get("created_at"),
                 "method": v.metadata.get("method"), "base_model": v.metadata.get("base_model_name"),
                 "metrics": v.metadata.get("metrics", {}), "data_fingerprint": v.metadata.get("data_fingerprint")}
                for v in reg.versions(args.plugin)]
        if args.json:
            print(json.dumps({"plugin": args.plugin, "active": reg.active_name(args.plugin), "versions": rows},
                             indent=2))
            return 0
        if not rows:
            print(f"{args.plugin}: no adapter versions under {reg.plugin_dir(args.plugin)}")
            return 0
        for r in rows:
            metrics = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r["metrics"].items())
            print(f"{'*' if r['active'] else ' '} {r['version']}  {r['created_at']}  {r['method']}  "
                  f"base={r['base_model']}  {metrics}")
        return 0


class ExportDataCommand(Command):
    name = "data"
    help = "export the feedback store's supervised and preference pairs to JSONL (+ images)"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--feedback-db", dest="feedback_db", required=True, metavar="PATH|URL",
                       help="the feedback store: a SQLite file or the site's postgresql:// URL")
        p.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="writes sft.jsonl, preference.jsonl and images/ here")
        p.add_argument("--plugin", default="radiology", help="plugin/specialty (default: radiology)")
        p.add_argument("--template", dest="template_id", default=None)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.persistence.feedback import FeedbackStore
        from pixtralogist.finetune.data import export_feedback
        from pixtralogist.finetune.train import resolve_template

        template = resolve_template(args.plugin, args.template_id)
        store = FeedbackStore.open_existing(args.feedback_db)
        try:
            counts = export_feedback(store, args.out, template, args.plugin)
        finally:
            store.close()
        print(json.dumps({"out": str(args.out), **counts}))
        return 0


class TinyModelCommand(Command):
    name = "tiny-model"
    help = ("write a tiny RANDOM-WEIGHT LLaVA-NeXT checkpoint (about 0.2M parameters) for trying the tools "
            "without a GPU or a download; its drafts are meaningless until trained")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True, type=Path, metavar="DIR", help="where to write the checkpoint")
        p.add_argument("--plugin", default="radiology", help="plugin whose template prompts the tokenizer learns")
        p.add_argument("--seed", type=int, default=0)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.core.errors import ConfigError
        from pixtralogist.finetune.tiny import build_tiny_for_trying

        if (args.out / "config.json").exists():
            raise ConfigError(f"{args.out} already holds a checkpoint; choose a new folder")
        out = build_tiny_for_trying(args.out, plugin=args.plugin, seed=args.seed)
        print(f"{out}: tiny random-weight LLaVA-NeXT for trying the tools only (see {out / 'README.md'})")
        return 0


class SimulateCommand(Command):
    name = "simulate"
    help = ("sign synthetic cases through the app service as a simulated clinician who always rewrites one "
            "region (for trying the learning loop; never for real data)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", required=True, type=Path, metavar="YAML",
                       help="site configuration (config.yaml) naming the backend, base model and adapter_registry")
        p.add_argument("--data-dir", dest="data_dir", required=True, type=Path, metavar="DIR",
                       help="the app's data folder (feedback.sqlite, audit.sqlite, ... are written there)")
        p.add_argument("--cases", type=int, default=60, help="how many cases to draft and sign (default 60)")
        p.add_argument("--specialty", default="radiology")
        p.add_argument("--seed", type=int, default=None, help="first image seed (default: after existing cases)")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.agents.service import ReportingService
        from pixtralogist.core.config import load_settings
        from pixtralogist.core.plugins import get_plugin_manager
        from pixtralogist.finetune.simulate import HabitClinician, synthetic_case

        host = get_plugin_manager(settings=load_settings(args.config))
        service = ReportingService.create(args.data_dir, host=host, retrieval=False)
        clinician = HabitClinician()
        try:
            first = args.seed if args.seed is not None else len(service.runtime.feedback.signed_cases()) + 1
            versions: dict[str, int] = {}
            for i in range(args.cases):
                turn, _ = clinician.handle(service, synthetic_case(first + i, specialty=args.specialty))
                v = turn.draft.provenance.adapter_version or "base"
                versions[v] = versions.get(v, 0) + 1
        finally:
            service.close()
        print(json.dumps({"signed": args.cases, "drafted_by": versions, "habit_region": clinician.region}))
        return 0


class FinetuneCommand(CommandGroup):
    name = "finetune"
    help = "train, DPO-tune, gate and roll back per-plugin LoRA adapters; export feedback pairs"
    subcommands = (TrainCommand, DPOCommand, PromoteCommand, RollbackCommand, ListCommand, ExportDataCommand,
                   TinyModelCommand, SimulateCommand)
