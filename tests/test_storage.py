"""Storage choices: SQLite + embedded chromadb by default, PostgreSQL and a Chroma server for bigger sites."""

from __future__ import annotations

import pytest

from pixtralogist.core.config import load_settings
from pixtralogist.core.errors import ConfigError
from pixtralogist.core.storage import CHECKPOINTER_ENV, CHROMA_ENV, StorageSettings
from pixtralogist.persistence.checkpoints import open_checkpoint_store
from servers import chroma_server, postgres_bin, postgres_server


def test_defaults_are_embedded():
    s = StorageSettings.from_sources(None, env={})
    assert (s.checkpointer, s.guidelines) == (None, None)
    assert (s.checkpointer_kind, s.guidelines_kind) == ("sqlite", "embedded")
    assert StorageSettings.from_sources({"checkpointer": "sqlite", "guidelines": "embedded"}, env={}) == s


def test_environment_wins_over_the_file():
    s = StorageSettings.from_sources({"checkpointer": "postgresql://a@h/db"},
                                     env={CHECKPOINTER_ENV: "postgresql://b:secret@h2/db", CHROMA_ENV: "http://c:8000"})
    assert s.checkpointer == "postgresql://b:secret@h2/db" and s.guidelines == "http://c:8000"


@pytest.mark.parametrize("section, match", [
    ({"checkpointer": "postgresql://u:hunter2@db/x"}, "password"),
    ({"checkpointer": "mysql://db/x"}, "postgresql://"),
    ({"guidelines": "ftp://x"}, "Chroma server"),
    ({"checkpoint": "sqlite"}, "unknown key"),
    ("postgresql://db", "mapping"),
])
def test_bad_storage_settings_are_config_errors(section, match):
    with pytest.raises(ConfigError, match=match) as err:
        StorageSettings.from_sources(section, env={})
    assert "hunter2" not in str(err.value)


def test_config_file_storage_section(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("storage:\n  guidelines: http://chroma.example:8000\n")
    assert load_settings(cfg, env={}).storage.guidelines == "http://chroma.example:8000"
    cfg.write_text("storage:\n  checkpointer: postgresql://u:pw@db/x\n")
    with pytest.raises(ConfigError, match="password"):
        load_settings(cfg, env={})


def test_unreachable_postgres_is_a_config_error(tmp_path):
    from servers import free_port

    url = f"postgresql://nobody@127.0.0.1:{free_port()}/x"
    with pytest.raises(ConfigError, match="cannot reach the PostgreSQL"):
        open_checkpoint_store(tmp_path, StorageSettings(checkpointer=url))


def test_sqlite_case_index_round_trip(tmp_path):
    store = open_checkpoint_store(tmp_path)
    try:
        store.cases.upsert("case-1", "review", "radiology", "Cough")
        store.cases.upsert("case-1", "signed", None)
        [row] = store.cases.list()
        assert (row.case_id, row.status, row.specialty, row.indication) == ("case-1", "signed", "radiology", "Cough")
        assert store.cases.status("case-1") == "signed" and store.cases.status("nope") is None
        # one connection, one transaction at a time: the list shares the checkpointer's lock
        assert store.cases._lock is store.saver.lock
    finally:
        store.close()
    assert (tmp_path / "agent.sqlite").exists()


needs_postgres = pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL server programs not installed")


@needs_postgres
@pytest.mark.slow
def test_service_on_postgres_and_a_chroma_server(tmp_path, tmp_path_factory, monkeypatch):
    """A case drafted against PostgreSQL + a Chroma server resumes in a new service (a restart)."""
    import io

    from PIL import Image

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager

    buf = io.BytesIO()
    Image.linear_gradient("L").resize((96, 96)).save(buf, "PNG")
    case = build_case([buf.getvalue()], notes="small L effusion, heart nl", indication="Cough. Chest x-ray.")
    key = tmp_path / "site-audit.key"  # the servers' shared audit key (required on a shared database)
    key.write_text("ab" * 32)
    key.chmod(0o600)
    monkeypatch.setenv("PIXTRALOGIST_AUDIT_KEY_FILE", str(key))
    with postgres_server() as pg, chroma_server(tmp_path_factory.mktemp("chroma")) as ch:
        storage = StorageSettings(checkpointer=pg, guidelines=ch)
        svc = ReportingService.create(tmp_path / "a", host=get_plugin_manager(autoload=False), storage=storage)
        try:
            turn = svc.start(case)
            assert turn.status == "review" and turn.citations  # guideline hits came from the Chroma server
            turn = svc.edit_region(turn.case_id, "heart", "Mild cardiomegaly.")
        finally:
            svc.close()
        for name in ("agent.sqlite", "guidelines", "feedback.sqlite", "audit.sqlite", "identity.sqlite"):
            assert not (tmp_path / "a" / name).exists(), name  # every store lives on the servers
        # another app node (another data dir) on the same servers sees and continues the case
        svc = ReportingService.create(tmp_path / "b", host=get_plugin_manager(autoload=False), storage=storage)
        try:
            assert [c.case_id for c in svc.list_cases()] == [case.id]
            again = svc.get(case.id)
            assert again.status == "review" and again.draft.region_dict()["heart"] == "Mild cardiomegaly."
            assert svc.sign(case.id, "Dr Ada Example").status == "signed"
            assert svc.list_cases()[0].status == "signed"
            assert [r["case_id"] for r in svc.runtime.feedback.reports()] == [case.id]
            assert [e.action for e in svc.audit.events(case.id)] == ["draft", "edit_region", "sign"]
            assert svc.audit.check().ok
        finally:
            svc.close()
