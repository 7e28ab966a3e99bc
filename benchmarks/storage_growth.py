"""Checkpointer growth: bytes per case and per signed case after N drafted cases through ReportingService.

Drafts ``--cases`` cases (default 400) through the real service on the offline drafter, specialties in
turn (radiology, dermatology, ophthalmology, pathology; a 96 px PNG per case, a different one each time);
every third case is edited (two regions and the impression) and signed, like the issue-15 measurement.
Then it prints, for the SQLite checkpointer (``agent.sqlite``):

- the file size after a WAL checkpoint (TRUNCATE), per case;
- the checkpoint rows' payload bytes (checkpoints + pending writes, and the case's images stored beside them
  once: :mod:`pixtralogist.persistence.images`), per signed and per open case;
- the median time to draft (``start``) of the first and the last 50 cases, and to sign.

It runs twice by default: ``before`` (compaction off: main's behaviour before issue 15) and ``after``
(a signed case is compacted at its sign-off, :mod:`pixtralogist.persistence.compaction`). ``--open``
adds a third pass that also compacts open cases after each action (not what the app does; it measures
what that would save). Exits 1 when ``after`` keeps more than 30 KB per signed case.

``--postgres`` runs the same passes on PostgreSQL (every store in one database, as app servers share
it): a throw-away cluster on 127.0.0.1 (Debian's server programs, as the tests use) or the database
given by ``--postgres-url`` (each pass in a new database of that server). It then prints the checkpoint
tables' size on disk (``pg_total_relation_size`` after ``VACUUM``) instead of the SQLite file's.

    python benchmarks/storage_growth.py [--cases 400] [--only before|after] [--open] [--postgres [--postgres-url URL]]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_SIGNED_BYTES = 30 * 1024

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # test_reliability_support.write_png

#: (specialty, note template) in turn; ``{n}`` makes every note different.
CASES = [
    ("radiology", "small L effusion, heart nl, {n} mm RUL nodule"),
    ("dermatology", "{n} mm pigmented lesion on the left forearm, irregular border, asymmetric"),
    ("ophthalmology", "cup to disc ratio 0.{d}, few dot haemorrhages, no exudates"),
    ("pathology", "invasive ductal carcinoma {n} mm, margins clear by 3 mm, grade 2"),
]


@dataclass
class Pass:
    name: str
    cases: int
    signed: int
    file_bytes: int
    signed_bytes: int
    open_bytes: int
    draft_ms_first: float
    draft_ms_last: float
    sign_ms: float
    seconds: float
    store: str = "sqlite"

    @property
    def per_signed(self) -> float:
        return self.signed_bytes / max(self.signed, 1)

    @property
    def per_open(self) -> float:
        return self.open_bytes / max(self.cases - self.signed, 1)


#: the checkpointer's tables on PostgreSQL (langgraph-checkpoint-postgres)
#: the checkpointer's tables, and the cases' images stored beside them (pixtralogist.persistence.images)
PG_TABLES = ("checkpoints", "checkpoint_writes", "checkpoint_blobs", "pixtralogist_images")


def pass_database(server_url: str, name: str) -> str:
    """A new, empty database for one pass on the server of ``server_url``; returns its URL."""
    import psycopg
    from urllib.parse import urlsplit, urlunsplit

    db = "growth_" + "".join(c if c.isalnum() else "_" for c in name) + f"_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db}")
        conn.execute(f"CREATE DATABASE {db}")
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def postgres_table_bytes(url: str) -> int:
    """The checkpointer tables' size on disk (with indexes and TOAST) after VACUUM (a table the code
    under test does not create counts 0)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        total = 0
        for table in PG_TABLES:
            if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
                continue
            conn.execute(f"VACUUM {table}")
            total += conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()[0]
    return total


def run_pass(name: str, n: int, work: Path, *, compact_signed: bool, compact_open: bool,
             retrieval: bool = True, database: str | None = None) -> Pass:
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.storage import StorageSettings
    from pixtralogist.persistence.compaction import checkpoint_bytes, compact_thread
    from test_reliability_support import write_png

    data = work / name
    images = work / f"{name}-img"
    images.mkdir(parents=True)
    svc = ReportingService.create(data, host=get_plugin_manager(autoload=False), retrieval=retrieval,
                                  storage=StorageSettings(checkpointer=database))
    store = svc._checkpoints
    store.compaction = compact_signed
    draft_ms: list[float] = []
    sign_ms: list[float] = []
    signed: list[str] = []
    opened: list[str] = []
    t_all = time.perf_counter()
    try:
        for i in range(n):
            specialty, note = CASES[i % len(CASES)]
            png = write_png(images / f"{i}.png", seed=i)
            case = build_case([str(png)], notes=note.format(n=5 + i % 40, d=3 + i % 6), specialty_hint=specialty)
            t0 = time.perf_counter()
            turn = svc.start(case)
            draft_ms.append((time.perf_counter() - t0) * 1000)
            if turn.status != "review":
                raise SystemExit(f"case {i} ({specialty}) did not reach review: {turn.status} {turn.error}")
            if i % 3 == 2:  # a third edited and signed
                regions = turn.draft.regions
                for r in regions[:2]:
                    svc.edit_region(turn.case_id, r, f"Reviewed {r} finding {i}.")
                    if compact_open:
                        compact_thread(store, turn.case_id)
                svc.edit_impression(turn.case_id, f"Impression reviewed for case {i}.")
                t0 = time.perf_counter()
                if svc.sign(turn.case_id, "Dr Ada Example").status != "signed":
                    raise SystemExit(f"case {i} was not signed")
                sign_ms.append((time.perf_counter() - t0) * 1000)
                signed.append(turn.case_id)
            else:
                if compact_open:
                    compact_thread(store, turn.case_id)
                opened.append(turn.case_id)
        seconds = time.perf_counter() - t_all
        signed_bytes = checkpoint_bytes(store, signed)
        open_bytes = checkpoint_bytes(store, opened)
        if database is None:
            with store.saver.lock:
                store.saver.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        svc.close()
    file_bytes = (data / "agent.sqlite").stat().st_size if database is None else postgres_table_bytes(database)
    k = min(50, len(draft_ms))
    return Pass(name, n, len(signed), file_bytes, signed_bytes, open_bytes,
                statistics.median(draft_ms[:k]), statistics.median(draft_ms[-k:]), statistics.median(sign_ms), seconds,
                "sqlite" if database is None else "postgres")


def report(p: Pass) -> None:
    print(f"[{p.name}] {p.cases} cases ({p.signed} signed) in {p.seconds:.0f} s")
    where = "agent.sqlite after WAL checkpoint" if p.store == "sqlite" else "PostgreSQL checkpoint tables after VACUUM"
    print(f"  {where}: {p.file_bytes / 1e6:.2f} MB = {p.file_bytes / p.cases / 1024:.1f} KB per case")
    print(f"  checkpoint rows (+ the cases' images): {p.per_signed / 1024:.1f} KB per signed case, {p.per_open / 1024:.1f} KB per open case")
    print(f"  draft (start) median: first 50 {p.draft_ms_first:.0f} ms, last 50 {p.draft_ms_last:.0f} ms; "
          f"sign median {p.sign_ms:.0f} ms (with its compaction when on)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=400, help="cases to draft per pass (default 400)")
    ap.add_argument("--only", choices=("before", "after"), default=None, help="run one pass only")
    ap.add_argument("--open", action="store_true", help="add a pass that also compacts open cases")
    ap.add_argument("--no-retrieval", action="store_true",
                    help="skip the guideline index (faster; drafts then carry rule citations only)")
    ap.add_argument("--postgres", action="store_true",
                    help="PostgreSQL instead of SQLite: a throw-away cluster, or --postgres-url's server")
    ap.add_argument("--postgres-url", default=None,
                    help="a PostgreSQL server to use with --postgres (a new database per pass is created on it)")
    args = ap.parse_args(argv)
    if args.cases < 3:
        ap.error("--cases must be at least 3 (every third case is signed)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    passes = [("before", False, False), ("after", True, False)]
    if args.only:
        passes = [p for p in passes if p[0] == args.only]
    if args.open:
        passes.append(("after+open", True, True))
    results: dict[str, Pass] = {}
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="pixtralogist-growth-"))
        server = None
        if args.postgres:
            server = args.postgres_url
            if server is None:
                from servers import postgres_server

                server = stack.enter_context(postgres_server())
            key = Path(tmp) / "audit.key"  # the servers' shared audit key a PostgreSQL audit log requires
            key.write_text(os.urandom(32).hex() + "\n")
            key.chmod(0o600)
            os.environ["PIXTRALOGIST_AUDIT_KEY_FILE"] = str(key)
        for name, signed, opened in passes:
            database = pass_database(server, name) if server else None
            results[name] = run_pass(name, args.cases, Path(tmp), compact_signed=signed, compact_open=opened,
                                     retrieval=not args.no_retrieval, database=database)
            report(results[name])
    ok = True
    if "before" in results and "after" in results:
        b, a = results["before"], results["after"]
        print(f"per signed case: before {b.per_signed / 1024:.1f} KB -> after {a.per_signed / 1024:.1f} KB; "
              f"on disk per case: before {b.file_bytes / b.cases / 1024:.1f} KB -> "
              f"after {a.file_bytes / a.cases / 1024:.1f} KB")
    if "after" in results:
        a = results["after"]
        ok = a.per_signed <= TARGET_SIGNED_BYTES
        print(f"target <= {TARGET_SIGNED_BYTES // 1024} KB per signed case: "
              f"{a.per_signed / 1024:.1f} KB {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
