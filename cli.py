"""The ``pixtralogist`` command line.

``main(argv) -> int``; one small class per sub-command. Heavy libraries are
imported inside ``run`` so ``pixtralogist --help`` answers fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from pixtralogist import __version__
from pixtralogist.core.command import Command, CommandGroup
from pixtralogist.core.errors import PixtralogistError, RoutingError
from pixtralogist.finetune.cli import FinetuneCommand
from pixtralogist.finetune.eval_cli import EvalCommand
from pixtralogist.finetune.learn_cli import LearnCommand, QualityCommand
from pixtralogist.pacs.cli import COMMANDS as PACS_COMMANDS

log = logging.getLogger("pixtralogist")




def _host():
    from pixtralogist.core.plugins import get_site_plugin_manager

    return get_site_plugin_manager()


class DraftCommand(Command):
    name = "draft"
    help = "draft a report for a study from its images and the clinician's dictation (offline by default)"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--image", action="append", required=True, metavar="PATH",
                       help="PNG, JPEG or DICOM file; repeat for 1-4 images")
        p.add_argument("--notes", default="", help="dictation or shorthand, e.g. 'small L effusion, heart nl'")
        p.add_argument("--indication", default="", help="the clinical question")
        p.add_argument("--comparison", default="", help="comparison study, if any")
        p.add_argument("--specialty", default=None, help="skip routing and use this specialty")
        p.add_argument("--json", action="store_true", help="print the draft as JSON")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.core.imaging import build_case
        from pixtralogist.core.pipeline import draft_case

        case = build_case(args.image, notes=args.notes, indication=args.indication, comparison=args.comparison)
        host = _host()
        try:
            draft, decision = draft_case(case, host, specialty=args.specialty)
        except RoutingError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
        if args.json:
            print(draft.model_dump_json(indent=2))
        else:
            print(draft.to_text())
            if draft.flags:
                print("\nFLAGS:")
                for f in draft.flags:
                    print(f"  [{f.severity}] {f.message}")
            print(f"\n(routed to {draft.specialty}/{draft.template_id}: {decision.reason})")
        return 0


class SortRegionsCommand(Command):
    name = "sort-regions"
    help = "sort chest X-ray findings text into regions; prints JSON keyed by region"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("text", help="findings text ('-' reads standard input)")
        p.add_argument("--template", default="cxr", help="template id (default: cxr)")

    def run(self, args: argparse.Namespace) -> int:
        text = sys.stdin.read() if args.text == "-" else args.text
        host = _host()
        template = host.template(args.template)
        sorter = host.region_sorter(template.specialty, template)
        print(json.dumps(sorter.sort(text), ensure_ascii=False))
        return 0


class PluginsCommand(Command):
    name = "plugins"
    help = "list installed plugins, their specialties and templates, and plugins that failed to load"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        host = _host()
        specs = host.specialties()
        data = {
            "plugins": host.plugin_names(),
            "specialties": {
                name: {
                    "label": s.label,
                    "version": s.version,
                    "templates": [
                        {"id": t.id, "version": t.version, "title": t.title, "regions": t.region_names}
                        for t in host.templates(name)
                    ],
                }
                for name, s in specs.items()
            },
            "failures": [f.__dict__ for f in host.failures],
        }
        if args.json:
            print(json.dumps(data, indent=2))
            return 0
        for name, s in data["specialties"].items():
            print(f"{name} {s['version']}: {s['label']}")
            for t in s["templates"]:
                print(f"  template {t['id']} v{t['version']}: {t['title']} [{', '.join(t['regions'])}]")
        print("plugins: " + ", ".join(data["plugins"]))
        for f in data["failures"]:
            print(f"FAILED {f['plugin']} ({f['stage']}): {f['error']}")
        return 0


class DataIUXrayCommand(Command):
    name = "iu-xray"
    help = "write a region-organised annotation.json from the IU X-Ray reports"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", required=True, type=Path, help="output folder (annotation.json, images/)")
        p.add_argument("--archive", default=None, help="NLMCXR_reports.tgz (default: the torchxrayvision wheel's copy)")
        p.add_argument("--images", default=None, help="folder with the collection's images named by image id")
        p.add_argument("--limit", type=int, default=None, help="only the first N reports")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.plugins.radiology.iu_xray import ATTRIBUTION, read_reports, to_annotation

        host = _host()
        template = host.template("cxr")
        sorter = host.region_sorter(template.specialty, template)
        reports = read_reports(args.archive)
        if args.limit:
            reports = reports[: args.limit]
        counts = to_annotation(reports, sorter, args.out, images_dir=args.images)
        print(json.dumps(counts))
        print(f"wrote {args.out / 'annotation.json'}  (source: {ATTRIBUTION})")
        return 0


class DataCommand(CommandGroup):
    name = "data"
    help = "import data sets into the training/evaluation layout"
    subcommands = (DataIUXrayCommand,)
    metavar = "DATASET"


class ServeCommand(Command):
    name = "serve"
    help = "run the clinician app (Gradio) on this machine"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
        p.add_argument("--port", type=int, default=7860)
        p.add_argument("--data-dir", type=Path, default=None, help="where cases and indexes are kept")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.ui.app import serve

        return serve(host=args.host, port=args.port, data_dir=args.data_dir)


class ExportCommand(Command):
    name = "export"
    help = ("export a case's report (text, json, fhir, dicom-sr): identified for the originating system, "
            "or de-identified for research (--deidentify, or exports.deidentify in the site configuration)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("case_id", help="the case id (see the app's case list)")
        p.add_argument("--format", choices=("text", "json", "fhir", "dicom-sr"), default="fhir", help="export format (default: fhir)")
        p.add_argument("--out", type=Path, default=None,
                       help="file or folder to write (default: <case id>-<format file name> in this folder)")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--deidentify", dest="deidentify", action="store_true", default=None,
                          help="research export: no patient identity, no dates, new UIDs per case")
        mode.add_argument("--identified", dest="deidentify", action="store_false",
                          help="export for the originating system, with the patient and study")
        p.add_argument("--data-dir", type=Path, default=None,
                       help="where cases are kept (default: $PIXTRALOGIST_HOME or ~/.pixtralogist)")
        p.add_argument("--config", default=None, help="site configuration YAML (default: as `serve` finds it)")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.agents.service import ReportingService
        from pixtralogist.core.export import export_filename
        from pixtralogist.core.plugins import get_site_plugin_manager

        host = get_site_plugin_manager(args.config)
        svc = ReportingService.create(args.data_dir, host=host, retrieval=False)
        try:
            data = svc.export(args.case_id, args.format, deidentify=args.deidentify)
            draft = svc.get(args.case_id).draft
            research = svc.deidentify_exports if args.deidentify is None else args.deidentify
        finally:
            svc.close()
        out = args.out if args.out is not None else Path(export_filename(draft, args.format))
        if out.is_dir():
            out = out / export_filename(draft, args.format)
        out.write_bytes(data)
        state = "signed report" if draft.is_signed else "UNSIGNED AI draft"
        mode = "de-identified for research" if research else "identified, for the originating system"
        print(f"wrote {out} ({args.format}, {state}, {mode})")
        return 0


class ModelsCommand(Command):
    name = "models"
    help = "show which model each specialty drafts with; --check loads each model or contacts each server"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, default=None, metavar="PATH",
                       help="site configuration YAML (default: $PIXTRALOGIST_CONFIG, then $PIXTRALOGIST_HOME/config.yaml)")
        p.add_argument("--check", action="store_true",
                       help="load each transformers model and adapter, GET /v1/models from each server")
        p.add_argument("--json", action="store_true", help="print the result as JSON")

    @staticmethod
    def _summary(desc: dict) -> str:
        keys = ("base_model", "endpoint", "model", "adapter", "adapter_version", "quantization", "api_key_env")
        parts = [f"{k}={desc[k]}" for k in keys if desc.get(k) not in (None, "")]
        if desc.get("api_key_env"):
            parts.append("api_key=" + ("set" if desc.get("api_key_set") else "MISSING"))
        return " ".join(parts)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.core.config import load_settings
        from pixtralogist.core.errors import ConfigError
        from pixtralogist.core.plugins import get_plugin_manager

        settings = load_settings(args.config)
        host = get_plugin_manager(settings=settings)
        installed = list(host.specialties())
        names = installed + [n for n in settings.configured_specialties() if n not in installed]
        rows, failed = [], False
        for name in names:
            row: dict = {"specialty": name, "installed": name in installed, "sources": settings.sources_for(name)}
            rows.append(row)
            try:
                cfg = host.model_config(name)
            except ConfigError as exc:
                row.update(status="config-error", error=str(exc))
                failed = True
                continue
            row["backend"] = cfg.backend
            if cfg.backend == "offline":
                row.update(status="offline", detail="dictation drafter (no model)")
                continue
            try:
                from pixtralogist.core.backends import get_backend

                backend = get_backend(cfg)
                row["config"] = backend.describe()
                row["status"] = "configured"
                if args.check:
                    row["check"] = backend.check()
                    row["status"] = "ok"
            except PixtralogistError as exc:
                row.update(status="failed", error=str(exc))
                failed = True
            except Exception as exc:  # a broken model stack must not print a traceback here
                row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
                failed = True
        if args.json:
            print(json.dumps({"config": str(settings.source) if settings.source else None, "specialties": rows},
                             indent=2, default=str))
            return 1 if failed else 0
        print(f"configuration: {settings.source or '(no file; plugin defaults and environment)'}")
        for row in rows:
            head = f"{row['specialty']}:" + ("" if row["installed"] else " (no plugin installed)")
            if row["status"] == "config-error":
                line = f"{head} CONFIG ERROR: {row['error']}"
            elif row["status"] == "offline":
                line = f"{head} offline - {row['detail']}"
            else:
                line = f"{head} {row['backend']} {self._summary(row.get('config', {}))}".rstrip()
                if row["status"] == "failed":
                    line += f" - FAILED: {row['error']}"
                elif row["status"] == "ok":
                    chk = row["check"]
                    if row["backend"] == "transformers":
                        line += (f" - OK: {chk['model_class']} ({chk['parameters']:,} parameters) on {chk['device']} "
                                 f"{chk['dtype']}" + (f", adapter {chk['adapter']}" if chk.get("adapter") else "")
                                 + f", loaded in {chk['load_seconds']} s")
                    else:
                        served = chk.get("served")
                        line += f" - OK: server answers, {len(chk['models'])} model(s)" + (
                            "" if served is None else (f", serves {chk['model']}" if served
                                                       else f", but does NOT list {chk['model']}"))
            if row.get("sources"):
                line += f"  [from {', '.join(row['sources'])}]"
            print(line)
        return 1 if failed else 0


def _audit_path(args: argparse.Namespace) -> Path:
    import os

    from pixtralogist.core.errors import AuditError

    if args.log is not None and str(args.log).startswith(("postgresql:", "postgres:")):
        return str(args.log)  # the shared audit log of several app servers
    data_dir = args.data_dir or Path(os.environ.get("PIXTRALOGIST_HOME") or Path.home() / ".pixtralogist")
    path = args.log or data_dir / "audit.sqlite"
    if not path.is_file():
        raise AuditError(f"no audit log at {path}; pass --data-dir or --log")
    return path


def _log_location(value: str) -> Path | str:
    return value if value.startswith(("postgresql:", "postgres:")) else Path(value)


def _audit_location(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=None,
                   help="the app's data folder (default: $PIXTRALOGIST_HOME, else ~/.pixtralogist)")
    p.add_argument("--log", type=_log_location, default=None, metavar="PATH",
                   help="the audit database (default: DATA_DIR/audit.sqlite), or the postgresql:// URL of "
                        "the database several app servers share")
    p.add_argument("--key-file", type=Path, default=None, metavar="PATH",
                   help="the HMAC key (default: $PIXTRALOGIST_AUDIT_KEY_FILE, else audit.key beside the log)")


class AuditVerifyCommand(Command):
    name = "verify"
    help = ("check the audit log against its key and anchor; exit 0 when intact, 1 with the reason when not "
            "(2: no log, or its key is missing)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        _audit_location(p)
        p.add_argument("--expect", default=None, metavar="COUNT:HEX",
                       help="a head printed by an earlier run and kept elsewhere; detects a rollback")
        p.add_argument("--json", action="store_true", help="print the result as JSON")

    def run(self, args: argparse.Namespace) -> int:
        import dataclasses

        from pixtralogist.persistence.audit import AuditLog

        path = _audit_path(args)
        audit = AuditLog.open(path, key_file=args.key_file, create=False)
        try:
            result = audit.check(expect=args.expect)
        finally:
            audit.close()
        if args.json:
            print(json.dumps({"log": str(path), **dataclasses.asdict(result)}, indent=2))
        elif result.ok:
            print(f"audit log {path}: intact, {result.events} events, head {result.head} "
                  "(keep this head elsewhere and pass it as --expect to detect a rollback)")
            for note in result.notes:
                print(f"note: {note}")
        else:
            print(f"audit log {path}: FAILED: {result.reason}", file=sys.stderr)
        return 0 if result.ok else 1


class AuditSealCommand(Command):
    name = "seal"
    help = ("once, for a log from an earlier release whose key was provisioned beforehand: anchor its "
            "unkeyed events (the app does it by itself when it creates the key)")

    def configure(self, p: argparse.ArgumentParser) -> None:
        _audit_location(p)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.persistence.audit import AuditLog

        path = _audit_path(args)
        audit = AuditLog.open(path, key_file=args.key_file, seal_legacy=True)
        try:
            result = audit.check()
        finally:
            audit.close()
        if not result.ok:
            print(f"audit log {path}: not sealed: {result.reason}", file=sys.stderr)
            return 1
        print(f"audit log {path}: sealed, {result.events} events ({result.legacy} unkeyed), head {result.head}")
        return 0


class AuditCommand(CommandGroup):
    name = "audit"
    help = "the audit log of who drafted, edited and signed which case"
    subcommands = (AuditVerifyCommand, AuditSealCommand)


class MaintenanceCompactCommand(Command):
    name = "compact"
    help = ("keep only the final checkpoint of every signed case (data folders from before the app did it "
            "at each sign-off); safe while the app runs, and to run again")

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", type=Path, default=None,
                       help="the app's data folder (default: $PIXTRALOGIST_HOME, else ~/.pixtralogist)")
        p.add_argument("--config", default=None, help="site configuration YAML (its storage: section)")
        p.add_argument("--vacuum", action="store_true",
                       help="SQLite: rewrite agent.sqlite once so that it shrinks now and after every "
                            "later compaction (needs free disk space about its size; stop the app first)")
        p.add_argument("--json", action="store_true", help="print the result as JSON")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.agents.case_lock import CaseLocks
        from pixtralogist.agents.service import default_data_dir, state_serializer
        from pixtralogist.core.config import load_settings
        from pixtralogist.core.errors import DataError
        from pixtralogist.core.storage import StorageSettings
        from pixtralogist.persistence import compaction
        from pixtralogist.persistence.checkpoints import open_checkpoint_store

        data_dir = args.data_dir or default_data_dir()
        storage = getattr(load_settings(args.config), "storage", None) or StorageSettings.from_sources(None)
        sqlite_file = data_dir / "agent.sqlite" if storage.checkpointer is None else None
        if sqlite_file is not None and not sqlite_file.is_file():
            raise DataError(f"no case store at {sqlite_file}; pass the app's --data-dir")
        size_before = _store_size(sqlite_file)
        store = open_checkpoint_store(data_dir, storage, serde=state_serializer())  # the agent's typed checkpoints
        locks = CaseLocks.open(data_dir, storage.database)
        try:
            done, skipped = compaction.compact_signed_cases(store, hold=locks.hold)
            space = None
            if sqlite_file is not None:
                space = (compaction.vacuum_to_incremental(store) if args.vacuum
                         else compaction.reclaim_space(store))
                with store.saver.lock:
                    store.saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            locks.close()
            store.close()
        result = {
            "store": store.location, "signed_cases": len(done) + len(skipped),
            "compacted": sum(c.changed for c in done), "skipped": skipped,
            "checkpoints": [sum(c.checkpoints_before for c in done), sum(c.checkpoints_after for c in done)],
            "pending_writes": [sum(c.writes_before for c in done), sum(c.writes_after for c in done)],
            "file_bytes": [size_before, _store_size(sqlite_file)] if sqlite_file is not None else None,
            "auto_vacuum": space.auto_vacuum if space is not None else None,
        }
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        print(f"{store.location}: {result['compacted']} of {result['signed_cases']} signed cases compacted; "
              f"checkpoints {result['checkpoints'][0]} -> {result['checkpoints'][1]}, "
              f"pending writes {result['pending_writes'][0]} -> {result['pending_writes'][1]}")
        for case_id in skipped:
            print(f"skipped {case_id}: listed as signed, but its checkpoint is not (the app reconciles it at start)")
        if sqlite_file is not None:
            print(f"file {size_before:,} -> {result['file_bytes'][1]:,} bytes (auto_vacuum={space.auto_vacuum})")
            if space.auto_vacuum == "none":
                print("note: freed pages are reused by new cases, but the file does not shrink; "
                      "run once with --vacuum (app stopped) to shrink it now and after every sign-off")
        return 0


def _store_size(path: Path | None) -> int:
    """Bytes of a SQLite file with its write-ahead log."""
    if path is None:
        return 0
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.is_file())


class MaintenanceCommand(CommandGroup):
    name = "maintenance"
    help = "keep the data folder lean: compact signed cases' checkpoints"
    subcommands = (MaintenanceCompactCommand,)


COMMANDS: tuple[type[Command], ...] = (DraftCommand, SortRegionsCommand, PluginsCommand, DataCommand, ServeCommand,
                                       ExportCommand, ModelsCommand, AuditCommand, MaintenanceCommand, EvalCommand,
                                       FinetuneCommand, LearnCommand, QualityCommand) + PACS_COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pixtralogist",
        description="Agentic reporting assistant for clinicians. Every draft is AI-generated and "
        "unsigned until a clinician reviews and signs it; not for unsupervised clinical use.",
    )
    parser.add_argument("--version", action="version", version=f"pixtralogist {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cls in COMMANDS:
        cmd = cls()
        sp = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.configure(sp)
        sp.set_defaults(_command=cmd)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args._command.run(args)
    except PixtralogistError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
