"""What the worklist remembers: studies pushed to the listener (and their instances on disk), which study
became which case, and the listener's refusals (shown in the worklist).

Its own SQLite file (``pacs-studies.sqlite``, owner-only: it holds the studies' patient ids and names,
what a worklist shows). Received instances are kept under ``pacs-received/`` (folders 0700, files 0600),
named by a hash of their UIDs, never by a patient's name.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pixtralogist.pacs.client import InstanceRef, StudyQuery, StudyRow
from pixtralogist.pacs.db import open_private
from pixtralogist.pacs.errors import PacsInputError

__all__ = ["INBOX_FILE", "RECEIVED_DIR", "Inbox", "StudyRecord"]

INBOX_FILE = "pacs-studies.sqlite"
RECEIVED_DIR = "pacs-received"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    study_uid TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    case_id TEXT,
    patient_id TEXT NOT NULL DEFAULT '',
    patient_name TEXT NOT NULL DEFAULT '',
    study_date TEXT NOT NULL DEFAULT '',
    study_time TEXT NOT NULL DEFAULT '',
    accession TEXT NOT NULL DEFAULT '',
    modalities TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    error TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS instances (
    sop_uid TEXT PRIMARY KEY,
    study_uid TEXT NOT NULL,
    series_uid TEXT NOT NULL,
    sop_class TEXT NOT NULL,
    modality TEXT NOT NULL DEFAULT '',
    series_number INTEGER,
    instance_number INTEGER,
    rows_ INTEGER,
    columns_ INTEGER,
    frames INTEGER NOT NULL DEFAULT 1,
    bits INTEGER,
    samples INTEGER NOT NULL DEFAULT 1,
    path TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_study ON instances (study_uid);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    message TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StudyRecord:
    study: StudyRow
    source: str  # 'received' (pushed to the listener) or 'pacs' (opened from a search)
    state: str  # 'new', 'opened', 'failed'
    case_id: str | None
    error: str | None


def _hash(uid: str) -> str:
    return hashlib.sha256(uid.encode()).hexdigest()[:32]


class Inbox:
    def __init__(self, conn, root: Path | None) -> None:
        self._conn = conn
        self.root = root
        self._lock = threading.Lock()

    @classmethod
    def open(cls, data_dir: str | Path | None) -> "Inbox":
        root = Path(data_dir) if data_dir is not None else None
        conn = open_private(root / INBOX_FILE if root else None, schema=_SCHEMA, what="PACS study list")
        return cls(conn, root)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- received instances ------------------------------------------------------------------------------

    def received_bytes(self, study_uid: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM instances WHERE study_uid = ?",
                                     (study_uid,)).fetchone()
        return int(row[0])

    def receive(self, study: StudyRow, ref: InstanceRef, data: bytes) -> None:
        """Keep one pushed instance (file first, then its row: a crash leaves at worst an unlisted file)."""
        if self.root is None:
            raise PacsInputError("the listener needs a data folder to keep received studies")
        folder = self.root / RECEIVED_DIR / _hash(study.study_uid)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root / RECEIVED_DIR, 0o700)
        path = folder / f"{_hash(ref.sop_uid)}.dcm"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        now = time.time()
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO instances (sop_uid, study_uid, series_uid, sop_class, modality, series_number, "
                "instance_number, rows_, columns_, frames, bits, samples, path, size) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ref.sop_uid, study.study_uid, ref.series_uid, ref.sop_class, ref.modality, ref.series_number,
                 ref.instance_number, ref.rows, ref.columns, ref.frames, ref.bits_allocated, ref.samples, str(path),
                 len(data)))
            modalities = {m for m in self._study_modalities(study.study_uid) if m} | ({ref.modality} - {""})
            self._conn.execute(
                "INSERT INTO studies (study_uid, source, state, patient_id, patient_name, study_date, study_time, "
                "accession, modalities, description, updated_at) VALUES (?, 'received', 'new', ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (study_uid) DO UPDATE SET modalities = excluded.modalities, updated_at = excluded.updated_at",
                (study.study_uid, study.patient_id, study.patient_name, study.study_date, study.study_time,
                 study.accession, "\\".join(sorted(modalities)), study.description, now))

    def _study_modalities(self, study_uid: str) -> list[str]:
        rows = self._conn.execute("SELECT DISTINCT modality FROM instances WHERE study_uid = ?", (study_uid,))
        return [r[0] for r in rows]

    def instances(self, study_uid: str) -> list[InstanceRef]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT study_uid, series_uid, sop_uid, sop_class, modality, series_number, instance_number, rows_, "
                "columns_, frames, bits, samples, path FROM instances WHERE study_uid = ?", (study_uid,)).fetchall()
        return [InstanceRef(*r[:12], extra={"path": r[12]}) for r in rows]

    # -- studies -------------------------------------------------------------------------------------------

    def record_opened(self, study: StudyRow, source: str, case_id: str) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO studies (study_uid, source, state, case_id, patient_id, patient_name, study_date, "
                "study_time, accession, modalities, description, updated_at) "
                "VALUES (?, ?, 'opened', ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (study_uid) DO UPDATE SET "
                "state = 'opened', case_id = excluded.case_id, error = NULL, updated_at = excluded.updated_at",
                (study.study_uid, source, case_id, study.patient_id, study.patient_name, study.study_date,
                 study.study_time, study.accession, "\\".join(study.modalities), study.description, time.time()))

    def record_failed(self, study_uid: str, error: str) -> None:
        """Keep why ``study_uid`` could not be opened (shown in the worklist); an opened study stays opened."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO studies (study_uid, source, state, error, updated_at) VALUES (?, 'pacs', 'failed', ?, ?) "
                "ON CONFLICT (study_uid) DO UPDATE SET state = 'failed', error = excluded.error, "
                "updated_at = excluded.updated_at WHERE studies.state != 'opened'", (study_uid, error[:500], time.time()))

    def get(self, study_uid: str) -> StudyRecord | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_STUDY_COLUMNS} FROM studies WHERE study_uid = ?",
                                     (study_uid,)).fetchone()
        return _record(row) if row else None

    def received(self, query: StudyQuery | None = None) -> list[StudyRecord]:
        """Studies pushed to the listener that match ``query`` (newest first)."""
        with self._lock:
            rows = self._conn.execute(f"SELECT {_STUDY_COLUMNS} FROM studies WHERE source = 'received' "
                                      "ORDER BY updated_at DESC").fetchall()
        out = [_record(r) for r in rows]
        return [r for r in out if query is None or _matches(r.study, query)]

    def by_case(self, case_id: str) -> StudyRecord | None:
        with self._lock:
            row = self._conn.execute(f"SELECT {_STUDY_COLUMNS} FROM studies WHERE case_id = ?", (case_id,)).fetchone()
        return _record(row) if row else None

    # -- events ---------------------------------------------------------------------------------------------

    def event(self, message: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("INSERT INTO events (at, message) VALUES (?, ?)", (time.time(), message[:500]))

    def events(self, limit: int = 10) -> list[tuple[float, str]]:
        with self._lock:
            return [tuple(r) for r in self._conn.execute(
                "SELECT at, message FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()]


_STUDY_COLUMNS = ("study_uid, patient_id, patient_name, study_date, study_time, accession, modalities, description, "
                  "source, state, case_id, error")


def _record(row) -> StudyRecord:
    study = StudyRow(study_uid=row[0], patient_id=row[1], patient_name=row[2], study_date=row[3], study_time=row[4],
                     accession=row[5], modalities=tuple(m for m in row[6].split("\\") if m), description=row[7])
    return StudyRecord(study=study, source=row[8], state=row[9], case_id=row[10], error=row[11])


def _matches(study: StudyRow, q: StudyQuery) -> bool:
    if q.date_from and (not study.study_date or study.study_date < q.date_from):
        return False
    if q.date_to and (not study.study_date or study.study_date > q.date_to):
        return False
    if q.modality and q.modality.upper() not in study.modalities:
        return False
    if q.accession and q.accession != study.accession:
        return False
    return not (q.patient_id and q.patient_id != study.patient_id)
