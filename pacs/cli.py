"""``pixtralogist pacs check|search|file|status`` and ``pixtralogist dicom-listen``.

:data:`COMMANDS` is what the CLI registers (one line there); nothing heavy is imported at import time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pixtralogist.core.command import Command, CommandGroup

__all__ = ["COMMANDS", "DicomListenCommand", "PacsCommand"]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=None, help="site configuration YAML (default: as `serve` finds it)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="where cases are kept (default: $PIXTRALOGIST_HOME or ~/.pixtralogist)")


def _settings(args):
    from pixtralogist.core.config import load_settings
    from pixtralogist.pacs.settings import pacs_settings

    return pacs_settings(load_settings(args.config))


def _worklist(args):
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_site_plugin_manager
    from pixtralogist.pacs.worklist import Worklist

    host = get_site_plugin_manager(args.config)
    svc = ReportingService.create(args.data_dir, host=host, retrieval=False)
    return svc, Worklist.open(svc, _settings(args))


class PacsCheckCommand(Command):
    name = "check"
    help = "show the PACS settings (no secrets) and whether the PACS and the FHIR server answer"

    def configure(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default=None, help="site configuration YAML")
        p.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.core.errors import PixtralogistError
        from pixtralogist.pacs.client import make_client

        try:
            settings = _settings(args)
        except PixtralogistError as exc:
            print(f"CONFIG ERROR: {exc}", file=sys.stderr)
            return 2
        out = settings.describe()
        ok = True
        if settings.configured:
            try:
                out["check"] = make_client(settings).check()
            except PixtralogistError as exc:
                out["check"] = {"ok": False, "error": str(exc)}
                ok = False
        else:
            out["check"] = {"ok": False, "error": "no PACS configured (pacs.dicomweb or pacs.dimse)"}
            ok = False
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            a = out["archive"]
            where = a.get("url") or (f"{a.get('host')}:{a.get('port')} AE {a.get('called_ae')}" if a["kind"] == "dimse"
                                     else "")
            line = f"PACS: {a['kind']} {where}".rstrip()
            if a["kind"] == "dicomweb":
                line += f" (auth {a['auth']}, secret {a['secret']})"
            chk = out["check"]
            line += f" - OK, answered in {chk['seconds']} s" if chk.get("ok") else f" - FAILED: {chk['error']}"
            print(line)
            ls = out["listener"]
            print(f"listener: {ls['ae_title']} on {ls['host']}:{ls['port']}, allowed: "
                  f"{', '.join(ls['allowed_calling_aes']) or '(none: dicom-listen refuses to start)'}")
            print(f"FHIR server: {out['fhir'] or '(none)'}")
        return 0 if ok else 1


class PacsSearchCommand(Command):
    name = "search"
    help = "list studies from the PACS and the listener (date range, modality, accession, patient id)"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _common(p)
        p.add_argument("--from", dest="date_from", default=None, help="first study date (YYYY-MM-DD)")
        p.add_argument("--to", dest="date_to", default=None, help="last study date (YYYY-MM-DD)")
        p.add_argument("--modality", default=None)
        p.add_argument("--accession", default=None)
        p.add_argument("--patient-id", default=None)

    def run(self, args: argparse.Namespace) -> int:
        from pixtralogist.pacs.client import StudyQuery

        svc, wl = _worklist(args)
        try:
            rows = wl.search(StudyQuery(date_from=args.date_from, date_to=args.date_to, modality=args.modality,
                                        accession=args.accession, patient_id=args.patient_id))
        finally:
            wl.close()
            svc.close()
        for r in rows:
            s = r.study
            print("\t".join([s.study_date, "/".join(s.modalities), s.patient_id, s.accession, r.source, r.state,
                             r.case_id or "", r.filing or "", s.study_uid]))
        return 0


class PacsFileCommand(Command):
    name = "file"
    help = "file signed reports waiting in the outbox now (--watch: keep filing until interrupted)"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _common(p)
        p.add_argument("case_id", nargs="?", default=None, help="queue and file this signed case")
        p.add_argument("--watch", action="store_true")
        p.add_argument("--interval", type=float, default=5.0)

    def run(self, args: argparse.Namespace) -> int:
        svc, wl = _worklist(args)
        try:
            if args.case_id:
                print(f"{args.case_id}: {wl.file(args.case_id)}")
                return 0 if wl.filing_status(args.case_id) == "filed" else 1
            wl.outbox.retry_now()
            while True:
                for r in wl.filer.run_once():
                    print(f"{r.case_id} {r.target}: " + ("filed" if r.filed else f"waiting ({r.error})"))
                if not args.watch:
                    break
                time.sleep(args.interval)
            return 0 if wl.outbox.counts().get("waiting", 0) == 0 else 1
        except KeyboardInterrupt:
            return 0
        finally:
            wl.close()
            svc.close()


class PacsCommand(CommandGroup):
    name = "pacs"
    help = "the PACS connection: check it, search studies, file signed reports"
    subcommands = (PacsCheckCommand, PacsSearchCommand, PacsFileCommand)


class DicomListenCommand(Command):
    name = "dicom-listen"
    help = "receive studies pushed by a modality or the PACS (DICOM storage SCP with a calling-AE allow-list)"

    def configure(self, p: argparse.ArgumentParser) -> None:
        _common(p)
        p.add_argument("--port", type=int, default=None, help="port (default: pacs.listener.port)")

    def run(self, args: argparse.Namespace) -> int:
        import logging
        import threading

        from pixtralogist.pacs.listener import DicomListener

        logging.getLogger("pixtralogist.pacs").setLevel(logging.INFO)  # what arrives, refusals (no patient data)
        svc, wl = _worklist(args)
        on_study = (lambda uid: wl.open_study(uid)) if wl.settings.listener.draft_on_arrival else None
        listener = DicomListener(wl.settings, wl.inbox, port=args.port, on_study=on_study).start()
        print(f"listening as {wl.settings.listener.ae_title} on {wl.settings.listener.host}:{listener.port}",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            listener.stop()
            wl.close()
            svc.close()
        return 0


#: The commands this package adds to ``pixtralogist``.
COMMANDS: tuple[type[Command], ...] = (PacsCommand, DicomListenCommand)
