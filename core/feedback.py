"""The feedback store: what the AI drafted, what the clinician changed, what was signed.

SQLite (WAL, one transaction per write). The fine-tuning module reads it to
build supervised pairs (case context -> signed report) and preference pairs
(chosen = the clinician's final text, rejected = the AI draft), per region.

No patient identifiers are stored: cases carry only what ingestion kept
(no DICOM identifying tags), images are stored once by content hash.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pixtralogist.core.errors import DataError
from pixtralogist.core.faults import pause_point
from pixtralogist.core.models import Case, Draft

SCHEMA = """
CREATE TABLE IF NOT EXISTS edits (
    edit_id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    region TEXT,
    before TEXT NOT NULL,
    after TEXT NOT NULL,
    actor TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edits_case ON edits(case_id);
CREATE TABLE IF NOT EXISTS reports (
    case_id TEXT PRIMARY KEY,
    specialty TEXT NOT NULL,
    template_id TEXT NOT NULL,
    case_json TEXT NOT NULL,
    draft_json TEXT NOT NULL,
    final_json TEXT NOT NULL,
    model TEXT,
    adapter_version TEXT,
    signed_by TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS regions (
    case_id TEXT NOT NULL,
    region TEXT NOT NULL,
    draft_text TEXT NOT NULL,
    final_text TEXT NOT NULL,
    edited INTEGER NOT NULL,
    PRIMARY KEY (case_id, region)
);
CREATE TABLE IF NOT EXISTS images (
    sha256 TEXT PRIMARY KEY,
    png BLOB NOT NULL
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class FeedbackStore:
    """Open with :meth:`open`; safe to share between threads (one lock, one connection)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.path = path

    @classmethod
    def open(cls, path: str | Path | None) -> "FeedbackStore":
        """A store at ``path`` (created if absent); ``None`` means in memory."""
        from pixtralogist.core.sqlite import open_durable

        p = Path(path) if path is not None else None
        conn = open_durable(p, schema=SCHEMA, what="feedback store", isolation_level=None)
        return cls(conn, p)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- writes ------------------------------------------------------------------

    def log_edit(self, edit_id: str, case_id: str, kind: str, before: str, after: str,
                 *, region: str | None = None, actor: str | None = None) -> bool:
        """Record one clinician edit; idempotent by ``edit_id``. Returns whether it was new."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT OR IGNORE INTO edits (edit_id, case_id, kind, region, before, after, actor, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (edit_id, case_id, kind, region, before, after, actor, _now()),
            )
            return cur.rowcount == 1

    def record_report(self, case: Case, draft: Draft, final: Draft) -> None:
        """Store the AI draft and the signed report, region by region (idempotent per case)."""
        if not final.is_signed:
            raise DataError("only signed reports go to the feedback store")
        case_json = case.model_dump_json(exclude={"images"})
        meta = [img.meta.model_dump(mode="json") for img in case.images]
        case_obj = json.loads(case_json)
        case_obj["images"] = meta
        d_regions, f_regions = draft.region_dict(), final.region_dict()
        with self._tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    case.id, final.specialty, final.template_id, json.dumps(case_obj), draft.model_dump_json(),
                    final.model_dump_json(), final.provenance.model, final.provenance.adapter_version,
                    final.signed_by, final.signed_at.isoformat(),
                ),
            )
            pause_point("feedback.record_report")  # test-only; see pixtralogist.core.faults
            for region in final.regions:
                d, f = d_regions.get(region, ""), f_regions.get(region, "")
                c.execute("INSERT OR REPLACE INTO regions VALUES (?, ?, ?, ?, ?)", (case.id, region, d, f, int(d != f)))
            for img in case.images:
                c.execute("INSERT OR IGNORE INTO images VALUES (?, ?)", (img.meta.sha256, img.png))

    # -- reads -------------------------------------------------------------------

    def edits(self, case_id: str | None = None) -> list[dict]:
        q = "SELECT edit_id, case_id, kind, region, before, after, actor, at FROM edits"
        args: tuple = ()
        if case_id:
            q += " WHERE case_id = ?"
            args = (case_id,)
        with self._lock:
            rows = self._conn.execute(q + " ORDER BY at, rowid", args).fetchall()
        keys = ("edit_id", "case_id", "kind", "region", "before", "after", "actor", "at")
        return [dict(zip(keys, r)) for r in rows]

    def reports(self, specialty: str | None = None) -> list[dict]:
        q = "SELECT case_id, specialty, template_id, case_json, draft_json, final_json FROM reports"
        args: tuple = ()
        if specialty:
            q += " WHERE specialty = ?"
            args = (specialty,)
        with self._lock:
            rows = self._conn.execute(q + " ORDER BY signed_at", args).fetchall()
        return [
            {"case_id": r[0], "specialty": r[1], "template_id": r[2], "case": json.loads(r[3]),
             "draft": Draft.model_validate_json(r[4]), "final": Draft.model_validate_json(r[5])}
            for r in rows
        ]

    def image(self, sha256: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute("SELECT png FROM images WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def sft_pairs(self, specialty: str | None = None) -> list[dict]:
        """Supervised pairs: the case context and the signed report by region."""
        return [
            {"case_id": r["case_id"], "case": r["case"], "target": r["final"].region_dict(),
             "impression": r["final"].impression, "template_id": r["template_id"]}
            for r in self.reports(specialty)
        ]

    def preference_pairs(self, specialty: str | None = None) -> list[dict]:
        """Per-region preference pairs where the clinician changed the AI text (chosen = final)."""
        out = []
        for r in self.reports(specialty):
            d, f = r["draft"].region_dict(), r["final"].region_dict()
            for region in r["final"].regions:
                if d.get(region, "") != f.get(region, "") and f.get(region, "").strip():
                    out.append({"case_id": r["case_id"], "case": r["case"], "region": region,
                                "chosen": f[region], "rejected": d.get(region, ""), "template_id": r["template_id"]})
        return out
