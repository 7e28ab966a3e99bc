"""The feedback store: what the AI drafted, what the clinician changed, what was signed.

SQLite (WAL, one transaction per write) on one machine, or the site's shared
PostgreSQL database (:mod:`pixtralogist.persistence.database`) when several app
servers share one (``storage.checkpointer``, :mod:`pixtralogist.core.storage`). The fine-tuning module reads it to
build supervised pairs (case context -> signed report) and preference pairs
(chosen = the clinician's final text, rejected = the AI draft), per region.

No patient identifiers are stored: cases carry only what ingestion kept
(no DICOM identifying tags), images are stored once by content hash.

The ``quality`` table holds the edit burden of every signed case, region by
region (:mod:`pixtralogist.core.quality`; summarised by :mod:`pixtralogist.finetune.quality`): whether the clinician changed
the AI text, the normalised edit distance, the comparator's score of the draft
against the signed text, and the adapter version that drafted it (from the
draft's provenance). Databases written before the table existed get it when
opened; their rows are filled in on first read (:meth:`FeedbackStore.backfill_quality`).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pixtralogist.persistence.database import Database, is_postgres_url
from pixtralogist.core.errors import DataError
from pixtralogist.core.models import Case, Draft
from pixtralogist.core.quality import BASE_VERSION, QualityRow, load_scorer, normalized_edit_distance

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
CREATE TABLE IF NOT EXISTS quality (
    case_id TEXT NOT NULL,
    region TEXT NOT NULL,
    specialty TEXT NOT NULL,
    adapter_version TEXT NOT NULL,
    edited INTEGER NOT NULL,
    edit_distance REAL NOT NULL,
    score REAL,
    metric TEXT,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (case_id, region)
);
CREATE INDEX IF NOT EXISTS quality_version ON quality(specialty, adapter_version, signed_at);
"""
#: The same tables on PostgreSQL (images as BYTEA).
PG_SCHEMA = SCHEMA.replace("png BLOB NOT NULL", "png BYTEA NOT NULL")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def feedback_location(value: "str | Path | None") -> "str | Path | None":
    """A feedback store's location as configured: a ``postgresql://`` URL as given, else a path (``~`` expanded)."""
    if value is None or is_postgres_url(value):
        return value
    return Path(value).expanduser()


class FeedbackStore:
    """Open with :meth:`open`; safe to share between threads (one lock, one connection)."""

    def __init__(self, db: Database, path: Path | str | None) -> None:
        self._db = db
        self._lock = db.lock
        self.path = path
        #: ``scorer(reference, candidate) -> (score, metric)`` for the quality table; ``None`` means the
        #: scorer registered as ``offline`` (:func:`pixtralogist.core.quality.load_scorer`), made on first use.
        self.scorer = None

    @classmethod
    def open_existing(cls, location: "str | Path") -> "FeedbackStore":
        """Open a store that must already hold data: a SQLite file that exists, or a ``postgresql://`` URL.

        :raises DataError: when the file does not exist (a typo must not start an empty store).
        """
        if not is_postgres_url(location) and not Path(location).is_file():
            raise DataError(f"feedback store {location} does not exist")
        return cls.open(location)

    @classmethod
    def open(cls, path: str | Path | None) -> "FeedbackStore":
        """A store at ``path`` (created if absent), a ``postgresql://`` URL, or ``None`` (in memory)."""
        target = path if is_postgres_url(path) else (Path(path) if path is not None else None)
        db = Database.open(target, sqlite_schema=SCHEMA, postgres_schema=PG_SCHEMA, what="feedback store")
        return cls(db, db.where if db.is_postgres else target)

    @property
    def _conn(self) -> Any:
        """The underlying connection (tests read SQLite's pragmas through it)."""
        return self._db.raw

    def close(self) -> None:
        self._db.close()

    def _tx(self):
        return self._db.tx()

    # -- writes ------------------------------------------------------------------

    def log_edit(self, edit_id: str, case_id: str, kind: str, before: str, after: str,
                 *, region: str | None = None, actor: str | None = None) -> bool:
        """Record one clinician edit; idempotent by ``edit_id``. Returns whether it was new."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO edits (edit_id, case_id, kind, region, before, after, actor, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (edit_id) DO NOTHING",
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
        quality = self._quality_rows(case.id, final.specialty, draft, final, final.signed_at.isoformat())
        with self._tx() as c:  # one transaction: the report row and its details, or nothing
            self._write_report_row(c, case, case_obj, draft, final)
            self._write_report_details(c, case, draft, final, quality)

    @staticmethod
    def _write_report_row(c: Any, case: Case, case_obj: dict, draft: Draft, final: Draft) -> None:
        """The sign-off's first step: its ``reports`` row (the case, the AI draft, the signed report)."""
        c.execute(
            "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET "
            "specialty=excluded.specialty, template_id=excluded.template_id, case_json=excluded.case_json, "
            "draft_json=excluded.draft_json, final_json=excluded.final_json, model=excluded.model, "
            "adapter_version=excluded.adapter_version, signed_by=excluded.signed_by, "
            "signed_at=excluded.signed_at",
            (
                case.id, final.specialty, final.template_id, json.dumps(case_obj), draft.model_dump_json(),
                final.model_dump_json(), final.provenance.model, final.provenance.adapter_version,
                final.signed_by, final.signed_at.isoformat(),
            ),
        )

    @classmethod
    def _write_report_details(cls, c: Any, case: Case, draft: Draft, final: Draft, quality: list) -> None:
        """The sign-off's second step, in the same transaction: one row per region (AI text, signed
        text, edited), the case's images, and the edit-burden rows."""
        d_regions, f_regions = draft.region_dict(), final.region_dict()
        for region in final.regions:
            d, f = d_regions.get(region, ""), f_regions.get(region, "")
            c.execute("INSERT INTO regions VALUES (?, ?, ?, ?, ?) ON CONFLICT (case_id, region) DO UPDATE SET "
                      "draft_text=excluded.draft_text, final_text=excluded.final_text, edited=excluded.edited",
                      (case.id, region, d, f, int(d != f)))
        for img in case.images:
            c.execute("INSERT INTO images VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING",
                      (img.meta.sha256, img.png))
        cls._insert_quality(c, quality)

    # -- edit burden -------------------------------------------------------------

    def _scorer(self):
        if self.scorer is None:
            self.scorer = load_scorer()
        return self.scorer

    def warm_up(self) -> None:
        """Load the edit-burden scorer now (its comparator's patterns: half a second), not at the first sign-off."""
        self._scorer()

    def _quality_rows(self, case_id: str, specialty: str, draft: Draft, final: Draft, signed_at: str) -> list:
        d_regions, f_regions = draft.region_dict(), final.region_dict()
        version = draft.provenance.adapter_version or draft.provenance.adapter or BASE_VERSION
        score = self._scorer()
        rows = []
        for region in final.regions:
            d, f = d_regions.get(region, ""), f_regions.get(region, "")
            value, metric = score(f, d)
            rows.append(QualityRow(case_id=case_id, specialty=specialty, region=region, adapter_version=str(version),
                                   edited=" ".join(d.split()) != " ".join(f.split()),
                                   edit_distance=normalized_edit_distance(d, f), score=value, metric=metric,
                                   signed_at=signed_at))
        return rows

    @staticmethod
    def _insert_quality(c: Any, rows: list) -> None:
        for r in rows:
            c.execute("INSERT INTO quality VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, region) DO UPDATE "
                      "SET specialty=excluded.specialty, adapter_version=excluded.adapter_version, "
                      "edited=excluded.edited, edit_distance=excluded.edit_distance, score=excluded.score, "
                      "metric=excluded.metric, signed_at=excluded.signed_at",
                      (r.case_id, r.region, r.specialty, r.adapter_version, int(r.edited), r.edit_distance,
                       r.score, r.metric, r.signed_at))

    def backfill_quality(self) -> int:
        """Compute the quality rows of signed reports stored before the table existed; returns how many cases."""
        rows = self._db.execute(
            "SELECT case_id, specialty, draft_json, final_json, signed_at FROM reports "
            "WHERE case_id NOT IN (SELECT DISTINCT case_id FROM quality)")
        for case_id, specialty, draft_json, final_json, signed_at in rows:
            quality = self._quality_rows(case_id, specialty, Draft.model_validate_json(draft_json),
                                         Draft.model_validate_json(final_json), signed_at)
            with self._tx() as c:
                self._insert_quality(c, quality)
        return len(rows)

    def quality_rows(self, specialty: str | None = None, adapter_version: str | None = None) -> list:
        """The edit burden rows (:class:`pixtralogist.core.quality.QualityRow`), oldest first."""
        self.backfill_quality()
        q = ("SELECT case_id, specialty, region, adapter_version, edited, edit_distance, score, metric, signed_at "
             "FROM quality WHERE 1=1")
        args: list = []
        if specialty:
            q += " AND specialty = ?"
            args.append(specialty)
        if adapter_version:
            q += " AND adapter_version = ?"
            args.append(adapter_version)
        rows = self._db.execute(q + " ORDER BY signed_at, case_id, region", args)
        return [QualityRow(case_id=r[0], specialty=r[1], region=r[2], adapter_version=r[3], edited=bool(r[4]),
                           edit_distance=float(r[5]), score=r[6], metric=r[7], signed_at=r[8]) for r in rows]

    def signed_cases(self, specialty: str | None = None) -> list[dict]:
        """``case_id``, ``signed_at`` and the drafting ``adapter_version`` of every signed case, oldest first."""
        q, args = "SELECT case_id, signed_at, draft_json FROM reports", ()
        if specialty:
            q, args = q + " WHERE specialty = ?", (specialty,)
        rows = self._db.execute(q + " ORDER BY signed_at, case_id", args)
        out = []
        for case_id, signed_at, draft_json in rows:
            prov = Draft.model_validate_json(draft_json).provenance
            out.append({"case_id": case_id, "signed_at": signed_at,
                        "adapter_version": prov.adapter_version or prov.adapter or BASE_VERSION})
        return out

    # -- reads -------------------------------------------------------------------

    def edits(self, case_id: str | None = None) -> list[dict]:
        q = "SELECT edit_id, case_id, kind, region, before, after, actor, at FROM edits"
        args: tuple = ()
        if case_id:
            q += " WHERE case_id = ?"
            args = (case_id,)
        rows = self._db.execute(q + " ORDER BY at, edit_id", args)
        keys = ("edit_id", "case_id", "kind", "region", "before", "after", "actor", "at")
        return [dict(zip(keys, r)) for r in rows]

    def reports(self, specialty: str | None = None) -> list[dict]:
        q = "SELECT case_id, specialty, template_id, case_json, draft_json, final_json FROM reports"
        args: tuple = ()
        if specialty:
            q += " WHERE specialty = ?"
            args = (specialty,)
        rows = self._db.execute(q + " ORDER BY signed_at", args)
        return [
            {"case_id": r[0], "specialty": r[1], "template_id": r[2], "case": json.loads(r[3]),
             "draft": Draft.model_validate_json(r[4]), "final": Draft.model_validate_json(r[5])}
            for r in rows
        ]

    def image(self, sha256: str) -> bytes | None:
        row = self._db.one("SELECT png FROM images WHERE sha256 = ?", (sha256,))
        return bytes(row[0]) if row else None

    def has_report(self, case_id: str) -> bool:
        """Whether the signed report of ``case_id`` is recorded (report row and its region rows, one transaction)."""
        return self._db.one("SELECT 1 FROM reports WHERE case_id = ?", (case_id,)) is not None

    def reported_case_ids(self) -> set[str]:
        """The ids of every case whose signed report is recorded."""
        return {r[0] for r in self._db.execute("SELECT case_id FROM reports")}

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
