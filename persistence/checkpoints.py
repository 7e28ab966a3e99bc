"""Open the stores that :class:`~pixtralogist.core.storage.StorageSettings` names.

The checkpointer, the case list and the cases' images (:mod:`pixtralogist.persistence.images`)
share one database (SQLite ``<data dir>/agent.sqlite`` or PostgreSQL); the guideline index is
chromadb on disk or a Chroma server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from pixtralogist.core.errors import ConfigError
from pixtralogist.core.storage import StorageSettings, _redact

# --- checkpoints and the case list ---------------------------------------------------------


@dataclass
class CheckpointStore:
    """A LangGraph checkpointer plus the case list and the cases' images, in one database."""

    saver: Any
    cases: "Any"  # pixtralogist.persistence.case_index.CaseIndex
    location: str
    _close: Callable[[], None]
    #: compact a case's checkpoints once its sign-off is complete (:mod:`pixtralogist.persistence.compaction`)
    compaction: bool = True
    #: the cases' images, stored once (:class:`~pixtralogist.persistence.images.ImageStore`; None: kept in the state)
    images: "Any" = None

    def close(self) -> None:
        self._close()


def open_checkpoint_store(data_dir: Path, storage: StorageSettings | None = None, *,
                          serde: Any = None) -> CheckpointStore:
    """Open the checkpointer and case list (SQLite in ``data_dir`` or PostgreSQL).

    :param serde: the checkpointer's serializer (LangGraph's ``SerializerProtocol``); the agent passes
        the one that rebuilds its own state types (``pixtralogist.agents.service.state_serializer``);
        default: LangGraph's.
    """
    from pixtralogist.persistence.case_index import CaseIndex
    from pixtralogist.persistence.images import ImageStore

    storage = storage or StorageSettings()
    if storage.checkpointer is None:
        from langgraph.checkpoint.sqlite import SqliteSaver

        from pixtralogist.persistence.compaction import prepare_new_sqlite
        from pixtralogist.persistence.sqlite import open_durable

        conn = open_durable(Path(data_dir) / "agent.sqlite", what="case store")
        prepare_new_sqlite(conn)  # a new file frees the pages of compacted cases (incremental vacuum)
        saver = SqliteSaver(conn, serde=serde)
        saver.setup()
        return CheckpointStore(saver, CaseIndex.sqlite(conn, saver.lock), str(Path(data_dir) / "agent.sqlite"),
                               _closer(conn, saver.lock), images=ImageStore.sqlite(conn, saver.lock))
    try:
        import psycopg
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
    except ImportError as exc:
        raise ConfigError("a PostgreSQL checkpointer needs the 'postgres' extra: "
                          "pip install 'pixtralogist[postgres]'") from exc
    try:
        conn = psycopg.connect(storage.checkpointer, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except psycopg.Error as exc:
        raise ConfigError(f"cannot reach the PostgreSQL checkpointer at {_redact(storage.checkpointer)}: "
                          f"{type(exc).__name__}") from None
    saver = PostgresSaver(conn, serde=serde)
    from pixtralogist.persistence.database import schema_lock

    with schema_lock(conn):  # servers starting together migrate once
        saver.setup()
        images = ImageStore.postgres(conn, saver.lock)
    return CheckpointStore(saver, CaseIndex.postgres(conn, saver.lock), _redact(storage.checkpointer),
                           _closer(conn, saver.lock), images=images)


def _closer(conn: Any, lock: Any) -> Callable[[], None]:
    """Close ``conn`` once no checkpoint or case-list statement is running on it."""
    def close() -> None:
        with lock:
            conn.close()

    return close


def open_guideline_store(data_dir: Path | None, storage: StorageSettings | None = None):
    """The guideline index: chromadb on disk under ``data_dir`` (in memory without one) or a Chroma server."""
    from pixtralogist.core.retrieval import GuidelineStore

    storage = storage or StorageSettings()
    if storage.guidelines is None:
        return GuidelineStore.open(Path(data_dir) / "guidelines" if data_dir else None)
    parts = urlsplit(storage.guidelines)
    port = parts.port or (443 if parts.scheme == "https" else 8000)
    return GuidelineStore.connect(parts.hostname, port, ssl=parts.scheme == "https")
