"""Every store on both engines: the same tests on SQLite (one machine) and on a real local PostgreSQL
(several app servers sharing one database).

Each PostgreSQL test gets a fresh database in one throw-away cluster (``pg_fixtures``).
"Two servers" are two store objects (two connections) on the same database.
"""

from __future__ import annotations

import threading
import time

import pytest

from pixtralogist.core.errors import AuditError
from pg_fixtures import fresh_database, on_postgres, pg_cluster  # noqa: F401 (fixture)
from servers import postgres_bin

BACKENDS = ["sqlite", on_postgres()]


@pytest.fixture(params=BACKENDS)
def target(request, tmp_path):
    """A factory: ``target("feedback")`` is a SQLite path in ``tmp_path`` or one fresh PostgreSQL database
    (the same for every store of the test, as on a site)."""
    if request.param == "sqlite":
        return lambda name: tmp_path / f"{name}.sqlite"
    url = fresh_database(request.getfixturevalue("pg_cluster"))
    return lambda name: url


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """A real case, its AI draft and a signed final with the lung region edited (drafted once)."""
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from test_reliability_support import write_png

    tmp = tmp_path_factory.mktemp("drafted")
    png = write_png(tmp / "f.png")
    case = build_case([str(png)], notes="small L effusion, heart nl", specialty_hint="radiology")
    svc = ReportingService.create(tmp / "data", host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        draft = svc.start(case).draft
        final = svc.edit_region(case.id, "lung", "Moderate left pleural effusion.").draft.sign("Dr Ada Example")
    finally:
        svc.close()
    return case, draft, final


def test_feedback_store_round_trip_and_idempotence(target, drafted):
    from pixtralogist.persistence.feedback import FeedbackStore

    a, b = FeedbackStore.open(target("feedback")), FeedbackStore.open(target("feedback"))  # two servers
    try:
        case, draft, final = drafted
        assert a.log_edit("e1:0", case.id, "edit_region", "Clear.", "Small left pleural effusion.", region="lung")
        assert not b.log_edit("e1:0", case.id, "edit_region", "Clear.", "again", region="lung")  # same edit id
        assert not a.has_report(case.id)
        a.record_report(case, draft, final)
        b.record_report(case, draft, final)  # replayed (an outbox after a crash): still one report
        assert b.has_report(case.id) and b.reported_case_ids() == {case.id}
        [rep] = b.reports()
        assert rep["final"].is_signed and rep["final"].region_dict()["lung"] == "Moderate left pleural effusion."
        assert [e["after"] for e in b.edits(case.id)] == ["Small left pleural effusion."]
        assert b.image(case.images[0].meta.sha256) == case.images[0].png
        edited = {r.region for r in b.quality_rows() if r.edited}
        assert edited == {"lung"} and len(b.quality_rows()) == len(final.regions)
        assert [p["region"] for p in b.preference_pairs()] == ["lung"]
    finally:
        a.close()
        b.close()


def test_identity_store_and_one_research_key(target):
    from pixtralogist.core.identity import CaseIdentity, ImageIdentity
    from pixtralogist.persistence.identity import IdentityStore

    a, b = IdentityStore.open(target("identity")), IdentityStore.open(target("identity"))
    try:
        ident = CaseIdentity(images=[ImageIdentity(label="image-1.dcm", source_sha256="0" * 64, patient_id="P1",
                                                   study_instance_uid="1.2.3")])
        a.put("case-1", ident)
        assert b.get("case-1") == ident and b.get("nope") is None
        assert a.research_key() == b.research_key()  # made once, read by every server
        assert b.delete("case-1") and a.get("case-1") is None
    finally:
        a.close()
        b.close()


def test_two_servers_append_to_one_audit_chain(target, audit_key):
    from pixtralogist.persistence.audit import AuditLog

    a, b = AuditLog.open(target("audit")), AuditLog.open(target("audit"))
    try:
        def write(log, who, n):
            for i in range(n):
                log.record("edit_region", f"case-{i % 3}", actor=who, region="lung")

        threads = [threading.Thread(target=write, args=(log, who, 15)) for log, who in ((a, "dr_a"), (b, "dr_b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result = b.check()
        assert result.ok, result.reason
        assert result.events == 30 and not result.notes
        assert [e.seq for e in a.events()] == list(range(1, 31))
        assert {e.actor for e in a.events()} == {"dr_a", "dr_b"}
    finally:
        a.close()
        b.close()


def test_audit_tampering_is_detected(target, audit_key):
    from pixtralogist.persistence.audit import AuditLog

    log = AuditLog.open(target("audit"))
    try:
        for i in range(4):
            log.record("edit_region", "case-1", actor="dr_a", region=f"r{i}")
        raw = log._conn
        with pytest.raises(Exception, match="append-only"):
            raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        if log._db.is_postgres:
            raw.execute("ALTER TABLE audit DISABLE TRIGGER USER")
        else:
            raw.execute("DROP TRIGGER audit_no_update")
        raw.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        result = log.check()
        assert not result.ok and "event 2" in result.reason
    finally:
        log.close()


def test_shared_audit_log_needs_the_configured_key(tmp_path, monkeypatch, request):
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server programs not installed")
    from pixtralogist.persistence.audit import AuditLog

    url = request.getfixturevalue("pg_cluster")
    monkeypatch.delenv("PIXTRALOGIST_AUDIT_KEY_FILE", raising=False)
    with pytest.raises(AuditError, match="same key"):
        AuditLog.open(url)
    monkeypatch.setenv("PIXTRALOGIST_AUDIT_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(AuditError, match="never makes one"):
        AuditLog.open(url)
    assert not (tmp_path / "absent.key").exists()


@pytest.mark.parametrize("backend", BACKENDS)
def test_case_lock_is_held_across_servers(backend, tmp_path, request):
    from pixtralogist.agents.case_lock import CaseBusyError, CaseLocks

    database = request.getfixturevalue("pg_cluster") if backend == "postgres" else None
    a = CaseLocks.open(tmp_path, database, timeout=5)
    b = CaseLocks.open(tmp_path, database, timeout=0.3)  # another server (another lock file handle / session)
    order: list[str] = []
    try:
        with a.hold("case-x"):
            with pytest.raises(CaseBusyError, match="busy"):
                with b.hold("case-x"):
                    pass
            with b.hold("case-y"):  # other cases are free
                order.append("y")
            t = threading.Thread(target=lambda: (b.__setattr__("timeout", 5), b.hold("case-x").__enter__(),
                                                 order.append("b got x")))
            t.start()
            time.sleep(0.3)
            order.append("a releases x")
        t.join(10)
        assert order == ["y", "a releases x", "b got x"]
    finally:
        a.close()
        b.close()


@pytest.fixture
def two_services(target, audit_key, tmp_path):
    """Two reporting services (two app servers) on the same stores."""
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.storage import StorageSettings

    url = target("shared")
    storage = StorageSettings(checkpointer=url if isinstance(url, str) else None)
    if storage.checkpointer is None:  # SQLite: two services on one data folder (two processes on one machine)
        dirs = (tmp_path / "data", tmp_path / "data")
    else:
        dirs = (tmp_path / "a", tmp_path / "b")
    svcs = [ReportingService.create(d, host=get_plugin_manager(autoload=False), retrieval=False, storage=storage)
            for d in dirs]
    yield svcs
    for s in svcs:
        s.close()


def test_stale_action_is_refused_with_the_fresh_case(two_services):
    from pixtralogist.core.errors import StaleCaseError
    from pixtralogist.core.imaging import build_case
    from test_reliability_support import write_png

    import tempfile
    from pathlib import Path

    a, b = two_services
    png = write_png(Path(tempfile.mkdtemp()) / "f.png")
    t = a.start(build_case([str(png)], notes="small L effusion, heart nl", specialty_hint="radiology"))
    seen_by_b = b.get(t.case_id)
    assert seen_by_b.version == t.version
    t2 = a.edit_region(t.case_id, "bone", "Old healed right rib fracture.", expect_version=t.version)
    with pytest.raises(StaleCaseError, match="NOT applied") as err:
        b.edit_region(t.case_id, "bone", "Normal.", expect_version=seen_by_b.version)
    fresh = err.value.current
    assert fresh.version == t2.version and fresh.draft.region_dict()["bone"] == "Old healed right rib fracture."
    assert b.get(t.case_id).draft.region_dict()["bone"] == "Old healed right rib fracture."  # not overwritten
    signed = b.sign(t.case_id, "Dr Ada Example", expect_version=fresh.version)
    assert signed.status == "signed"
    # recorded everywhere: feedback store, case list, audit (one chain, both servers' events)
    assert a.runtime.feedback.has_report(t.case_id) and a.list_cases()[0].status == "signed"
    assert [e.action for e in a.audit.events(t.case_id)] == ["draft", "edit_region", "sign"]
    assert a.audit.check().ok and b.audit.check().ok


def test_concurrent_edits_through_two_servers_are_serialised(two_services):
    """Two clinicians edit two regions of one case at the same moment through two servers: both edits
    are in the case afterwards (neither silently overwrote the other)."""
    from pixtralogist.core.imaging import build_case
    from test_reliability_support import write_png

    import tempfile
    from pathlib import Path

    a, b = two_services
    png = write_png(Path(tempfile.mkdtemp()) / "f.png")
    t = a.start(build_case([str(png)], notes="small L effusion, heart nl", specialty_hint="radiology"))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def edit(svc, region, text):
        barrier.wait()
        try:
            svc.edit_region(t.case_id, region, text)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=edit, args=(a, "bone", "Old rib fracture.")),
               threading.Thread(target=edit, args=(b, "heart", "Mild cardiomegaly."))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    regions = a.get(t.case_id).draft.region_dict()
    assert regions["bone"] == "Old rib fracture." and regions["heart"] == "Mild cardiomegaly."
    assert sorted(e["region"] for e in a.runtime.feedback.edits(t.case_id)) == ["bone", "heart"]


def test_a_half_recorded_signoff_is_completed_at_start(two_services, tmp_path):
    """The outbox: a sign-off whose report never reached the feedback store (as a crash can leave it) is
    recorded by the next start's recover(), from the signed checkpoint."""
    from pixtralogist.core.imaging import build_case
    from test_reliability_support import write_png

    a, b = two_services
    png = write_png(tmp_path / "f.png")
    t = a.start(build_case([str(png)], notes="small L effusion, heart nl", specialty_hint="radiology"))
    a.sign(t.case_id, "Dr Ada Example")
    fb = a.runtime.feedback
    with fb._db.tx() as tx:  # what the crash left: checkpoint, list and audit signed, no report
        for table in ("quality", "regions", "reports"):
            tx.execute(f"DELETE FROM {table} WHERE case_id = ?", (t.case_id,))
    assert not b.runtime.feedback.has_report(t.case_id)
    assert b.recover() == 1
    assert b.runtime.feedback.has_report(t.case_id)
    assert b.recover() == 0  # idempotent
    assert len(b.runtime.feedback.reports()) == 1


def test_two_servers_share_the_adapter_registry(target, tmp_path):
    """The registry's records in the shared database (on one machine: the JSON files of the folder, under a
    file lock): a promotion on one server is the active adapter on the other, and two promotions racing on
    two servers leave one active version and a consistent history."""
    from pixtralogist.persistence.adapters import active_adapter
    from pixtralogist.finetune.registry import AdapterRegistry, write_metadata

    root = tmp_path / "adapters"  # the shared volume holding the weights
    for name in ("v1", "v2", "v3"):
        d = root / "radiology" / name
        d.mkdir(parents=True)
        write_metadata(d, base_model="/models/base", plugin="radiology", version=name, template_id="cxr",
                       data_fingerprint="sha256:x", training_config={}, metrics={}, intended_use="drafting")
    shared = target("adapters")
    database = shared if isinstance(shared, str) else None  # SQLite: the one-machine default, files
    a = AdapterRegistry(root, database=database)
    b = AdapterRegistry(root, database=database)
    try:
        assert a.promote("radiology", "v1", force=True).promoted
        assert b.active_name("radiology") == "v1"
        assert active_adapter(root, "radiology", database=database)[1] == "v1"
        assert (root / "radiology" / "registry.json").exists() is (database is None)

        scores = {"v1": 0.1, "v2": 0.5, "v3": 0.6}  # both candidates beat v1
        both_compared = threading.Barrier(2, timeout=20)

        def score(path, split):
            if path.name == "v1":
                both_compared.wait()  # each server has read v1 as active before either writes
            return scores[path.name]

        decisions = {}

        def promote(reg, version):
            decisions[version] = reg.promote("radiology", version, score=score, metric="green")

        threads = [threading.Thread(target=promote, args=(a, "v2")), threading.Thread(target=promote, args=(b, "v3"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [v for v, d in decisions.items() if d.promoted]
        assert len(won) == 1, decisions
        lost = ({"v2", "v3"} - set(won)).pop()
        assert "another promotion" in decisions[lost].reason
        assert a.active_name("radiology") == b.active_name("radiology") == won[0]
        history = b.history("radiology")
        assert [(h["version"], h["previous"]) for h in history] == [("v1", None), (won[0], "v1")]
        # the loser promotes again, now against the winner; a rollback on the other server undoes it
        assert (a if lost == "v2" else b).promote("radiology", lost, score=score, metric="green").promoted == (
            scores[lost] > scores[won[0]])
        before = a.active_name("radiology")
        if before == lost:
            assert b.rollback("radiology") == won[0] and a.active_name("radiology") == won[0]
        assert a.history("radiology") == b.history("radiology")
    finally:
        a.close()
        b.close()
