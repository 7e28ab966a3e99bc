"""``pixtralogist learn`` and ``pixtralogist quality`` (see :mod:`.learn` and :mod:`.quality`).

Heavy libraries are imported inside ``run``. Exit codes of ``learn``: 0 a
version was promoted or the loop is waiting for cases, 1 the gate refused
the new version, 2 bad settings or data (printed as ``error: ...``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pixtralogist.core.command import Command

__all__ = ["LearnCommand", "QualityCommand"]


def _feedback_arg(value: str) -> Path | str:
    """``--feedback-db``: a SQLite file or the site's ``postgresql://`` URL."""
    from pixtralogist.persistence.feedback import feedback_location

    return feedback_location(value)


def _default_feedback_db() -> Path | str:
    """The site's shared database when its storage setting names one, else the local data folder's file."""
    from pixtralogist.agents.service import default_data_dir
    from pixtralogist.core.config import load_settings

    shared = getattr(load_settings().storage, "database", None)
    return shared or default_data_dir() / "feedback.sqlite"


class LearnCommand(Command):
    name = "learn"
    help = ("train a new adapter version from signed reports when enough are new, evaluate it against the active "
            "one and promote it only when a paired bootstrap shows an improvement (also rolls back a version "
            "whose live edit burden is worse)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--specialty", default=None, help="the specialty (plugin) to learn for, e.g. radiology")
        p.add_argument("--config", type=Path, default=None, metavar="YAML",
                       help="learning settings (LearnConfig fields; see docs/finetune.md); flags override it")
        p.add_argument("--feedback-db", dest="feedback_db", type=_feedback_arg, default=None, metavar="PATH|URL",
                       help="the feedback store (default: $PIXTRALOGIST_HOME/feedback.sqlite)")
        p.add_argument("--registry", type=Path, default=None, metavar="DIR", help="adapter registry root")
        p.add_argument("--base", dest="base_model", type=Path, default=None, metavar="DIR",
                       help="base checkpoint directory")
        p.add_argument("--audit-db", dest="audit_db", type=Path, default=None, metavar="PATH",
                       help="audit log to append every decision to (default: $PIXTRALOGIST_HOME/audit.sqlite "
                            "when it exists)")
        p.add_argument("--min-new-cases", dest="min_new_cases", type=int, default=None,
                       help="train only when at least this many cases were signed since the active version (50)")
        p.add_argument("--eval-cases", dest="eval_cases", type=int, default=None,
                       help="most recent untrained signed cases kept for evaluation (20)")
        p.add_argument("--margin", type=float, default=None,
                       help="required lower 95%% bound of the mean improvement (0.0)")
        p.add_argument("--metric", choices=["edit", "comparator"], default=None,
                       help="edit: 1 - normalised edit distance to the signed text (default); comparator: the "
                            "offline comparator's score")
        p.add_argument("--dpo", action="store_true", default=None, help="also DPO on the edited regions after SFT")
        p.add_argument("--version", default=None, help="name of the new version (default: UTC time)")
        p.add_argument("--max-steps", type=int, default=None, help="SFT optimizer steps")
        p.add_argument("--lr", dest="learning_rate", type=float, default=None, help="SFT learning rate")
        p.add_argument("--force", action="store_true", default=None, help="train even below --min-new-cases")
        p.add_argument("--check-live", action="store_true",
                       help="only run the live edit-burden check (and roll back if it fails)")
        p.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.agents.service import default_data_dir
        from pixtralogist.core.errors import ConfigError
        from pixtralogist.finetune.learn import LearnConfig, live_check, run_learn

        over = {k: getattr(args, k) for k in ("specialty", "feedback_db", "registry", "base_model", "audit_db",
                                              "min_new_cases", "eval_cases", "margin", "metric", "dpo", "version",
                                              "force")}
        if over["feedback_db"] is None and args.config is None:
            over["feedback_db"] = _default_feedback_db()
        if over["audit_db"] is None and args.config is None and (default_data_dir() / "audit.sqlite").is_file():
            over["audit_db"] = default_data_dir() / "audit.sqlite"
        if args.config is not None:
            cfg = LearnConfig.from_yaml(args.config, **over)
        else:
            missing = [f"--{k.replace('_', '-')}" for k in ("specialty", "registry", "base_model") if over[k] is None]
            if missing:
                raise ConfigError(f"learn needs {', '.join(missing).replace('--base-model', '--base')} "
                                  "(or --config learn.yaml)")
            cfg = LearnConfig(**{k: v for k, v in over.items() if v is not None})
        train = dict(cfg.train)
        if args.max_steps is not None:
            train["max_steps"] = args.max_steps
        if args.learning_rate is not None:
            train["learning_rate"] = args.learning_rate
        cfg.train = train
        if args.check_live:
            from pixtralogist.persistence.feedback import FeedbackStore
            from pixtralogist.finetune.registry import AdapterRegistry

            store = FeedbackStore.open_existing(cfg.feedback_db)
            try:
                res = live_check(store, AdapterRegistry.for_site(cfg.registry), cfg.specialty, first_m=cfg.live_first_m,
                                 margin=cfg.live_margin, audit_db=cfg.audit_db)
            finally:
                store.close()
            print(json.dumps(res.__dict__, indent=2) if args.json else f"{res.status}: {res.reason}")
            return 0
        outcome = run_learn(cfg)
        if args.json:
            print(json.dumps(outcome.to_dict(), indent=2, default=str))
        else:
            if outcome.live is not None and outcome.live.status in ("rolled-back", "passed"):
                print(f"live check: {outcome.live.reason}")
            print(outcome.reason)
            if outcome.evaluation:
                ev = outcome.evaluation
                print(f"evaluation ({ev['n_cases']} cases, metric {ev['metric']}): "
                      f"{ev['candidate']['version']} {ev['candidate']['mean']:.3f} vs "
                      f"{ev['active']['version']} {ev['active']['mean']:.3f}")
                for r, v in ev["candidate"]["regions"].items():
                    a = ev["active"]["regions"].get(r)
                    print(f"  {r:12s} {'-' if v is None else f'{v:.3f}'}  vs  {'-' if a is None else f'{a:.3f}'}")
            print(f"active: {outcome.active}")
        return 1 if outcome.status == "refused" else 0


class QualityCommand(Command):
    name = "quality"
    help = "the edit burden of signed cases: edit rate, edit distance and comparator score by region and version"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--feedback-db", dest="feedback_db", type=_feedback_arg, default=None, metavar="PATH|URL",
                       help="the feedback store (default: $PIXTRALOGIST_HOME/feedback.sqlite)")
        p.add_argument("--specialty", default=None, help="only this specialty")
        p.add_argument("--by", default="specialty,region,adapter_version,week",
                       help="comma-separated grouping: any of specialty, region, adapter_version, week")
        p.add_argument("--json", action="store_true", help="print the groups as JSON")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.core.errors import DataError
        from pixtralogist.persistence.feedback import FeedbackStore
        from pixtralogist.finetune.quality import format_table, summarize

        db = args.feedback_db or _default_feedback_db()
        by = [k.strip() for k in args.by.split(",") if k.strip()]
        store = FeedbackStore.open_existing(db)
        try:
            try:
                groups = summarize(store.quality_rows(args.specialty), by)
            except ValueError as exc:
                raise DataError(str(exc)) from None
        finally:
            store.close()
        if args.json:
            print(json.dumps(groups, indent=2))
        elif not groups:
            print("no signed cases yet")
        else:
            print(format_table(groups, by))
        return 0
