"""The learning loop: edit burden, thresholds, evaluation set, bootstrap gate, hot swap, live rollback, PHI.

Fast tests use the offline drafter and adapter folders with metadata only;
the end-to-end test (marked slow) builds a tiny random LLaVA-NeXT, signs cases
from DICOMs with planted identifiers through the real app service, runs
``learn`` and searches every file it wrote.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pixtralogist.finetune.gate import decide, paired_bootstrap
from pixtralogist.finetune.quality import case_burden, normalized_edit_distance, summarize
from pg_fixtures import fresh_database, on_postgres, pg_cluster, records  # noqa: F401 (fixtures: the registry on files and on PostgreSQL)


# --- helpers ------------------------------------------------------------------------------------


def _record(store, host, *, version: str | None, heart: str | None, seed: int, when: datetime | None = None):
    """Store one signed case whose draft came from ``version`` (provenance); ``heart`` rewrites that region."""
    from pixtralogist.finetune.simulate import synthetic_case

    template = host.template("cxr")
    case = synthetic_case(seed)
    draft = host.drafter("radiology", template).draft(case, template)
    prov = draft.provenance.model_copy(update={"adapter": version, "adapter_version": version})
    draft = draft.model_copy(update={"provenance": prov})
    findings = [f.model_copy(update={"text": heart}) if (heart and f.region == "heart") else f for f in draft.findings]
    final = draft.model_copy(update={"findings": findings}).sign("Dr Test")
    if when is not None:
        final = final.model_copy(update={"signed_at": when})
    store.record_report(case, draft, final)
    return case.id


@pytest.fixture
def host():
    from pixtralogist.core.plugins import get_plugin_manager

    return get_plugin_manager(autoload=False)


def _version(root: Path, name: str, **learning):
    from pixtralogist.finetune.registry import write_metadata

    d = root / "radiology" / name
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text("{}", "utf-8")
    write_metadata(d, base_model="/models/tiny", plugin="radiology", version=name, template_id="cxr",
                   data_fingerprint="none", training_config={}, metrics={}, intended_use="test",
                   extra={"learning": learning} if learning else None)
    return d


# --- edit burden --------------------------------------------------------------------------------


def test_normalized_edit_distance():
    assert normalized_edit_distance("The lungs are clear.", "the  lungs are clear.") == 0.0
    assert normalized_edit_distance("", "") == 0.0 and normalized_edit_distance("", "Heart normal.") == 1.0
    assert normalized_edit_distance("Heart size is normal.", "Heart size is enlarged.") == pytest.approx(0.25)
    assert normalized_edit_distance("a b c d", "x y") == 1.0


def test_signed_cases_get_quality_rows_with_the_drafting_version(tmp_path, host):
    from pixtralogist.persistence.feedback import FeedbackStore

    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    a = _record(store, host, version="v1", heart="The cardiac silhouette is within normal limits.", seed=1)
    b = _record(store, host, version=None, heart=None, seed=2)
    rows = store.quality_rows("radiology")
    by = {(r.case_id, r.region): r for r in rows}
    assert {r.adapter_version for r in rows if r.case_id == a} == {"v1"}
    assert {r.adapter_version for r in rows if r.case_id == b} == {"base"}
    assert by[(a, "heart")].edited and by[(a, "heart")].edit_distance > 0.3
    assert not by[(a, "lung")].edited and by[(a, "lung")].edit_distance == 0.0
    assert by[(a, "lung")].score == 1.0 and by[(a, "lung")].metric == "offline-finding-match"
    assert not any(r.edited for r in rows if r.case_id == b)
    groups = summarize(rows, ("region", "adapter_version"))
    heart_v1 = next(g for g in groups if g["region"] == "heart" and g["adapter_version"] == "v1")
    assert heart_v1["edit_rate"] == 1.0 and heart_v1["cases"] == 1
    burden = case_burden(rows)
    assert burden[a] > 0 and burden[b] == 0.0
    store.close()


def test_existing_database_without_the_quality_table_is_migrated(tmp_path, host):
    from pixtralogist.persistence.feedback import FeedbackStore

    path = tmp_path / "old.sqlite"
    store = FeedbackStore.open(path)
    cid = _record(store, host, version="v0", heart="Heart normal in size.", seed=3)
    store.close()
    with sqlite3.connect(path) as conn:  # the database as an older version wrote it
        conn.execute("DROP TABLE quality")
    store = FeedbackStore.open(path)
    rows = store.quality_rows()
    assert {r.case_id for r in rows} == {cid} and len(rows) == 5
    assert next(r for r in rows if r.region == "heart").edited
    assert store.backfill_quality() == 0  # filled once
    store.close()


def test_quality_cli_prints_groups(tmp_path, host, capsys):
    from pixtralogist.cli import main
    from pixtralogist.persistence.feedback import FeedbackStore

    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    _record(store, host, version="v1", heart="The cardiac silhouette is within normal limits.", seed=1)
    store.close()
    assert main(["quality", "--feedback-db", str(tmp_path / "fb.sqlite"), "--by", "region,adapter_version"]) == 0
    out = capsys.readouterr().out
    heart = next(line for line in out.splitlines() if line.startswith("heart"))
    assert "v1" in heart and "1.00" in heart
    assert main(["quality", "--feedback-db", str(tmp_path / "fb.sqlite"), "--by", "colour"]) == 2
    assert main(["quality", "--feedback-db", str(tmp_path / "missing.sqlite")]) == 2


def test_quality_view_for_the_app(tmp_path, host):
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.ui.quality import quality_view

    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    assert quality_view(store)[0].startswith("No signed cases")
    for i in range(3):
        _record(store, host, version="v1", heart="The cardiac silhouette is within normal limits.", seed=i)
    summary, edits, scores, table, weeks = quality_view(store)
    assert "3 signed cases" in summary
    assert set(edits["series"]) == {f"{r} · v1" for r in ("lung", "heart", "mediastinal", "bone", "others")}
    heart = next(row for row in table if row[1] == "heart")
    assert heart[2] == "v1" and heart[3] == 3 and heart[5] == 1.0
    assert all(row[0].count("-W") == 1 for row in weeks)
    store.close()


# --- the gate ---------------------------------------------------------------------------------


def test_bootstrap_promotes_a_clear_improvement_and_refuses_noise():
    clear = paired_bootstrap([0.9, 0.95, 1.0, 0.92, 0.97, 0.99] * 3, [0.8, 0.82, 0.85, 0.8, 0.81, 0.86] * 3)
    assert clear.lower > 0 and decide(clear)[0]
    assert not decide(clear, margin=0.5)[0]  # the margin is configurable
    noisy = paired_bootstrap([0.9, 0.6, 0.95, 0.5, 0.8, 0.7], [0.6, 0.9, 0.5, 0.95, 0.7, 0.8])
    assert noisy.lower < 0 < noisy.upper
    promote, reason = decide(noisy)
    assert not promote and "refused" in reason and "interval" in reason
    one_lucky = paired_bootstrap([1.0, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5])  # better mean, one case
    assert one_lucky.mean > 0 and not decide(one_lucky)[0]
    assert paired_bootstrap([1, 2], [0, 1], seed=3) == paired_bootstrap([1, 2], [0, 1], seed=3)


def test_evaluation_set_is_recent_and_never_trained_on():
    from pixtralogist.finetune.learn import case_key, select_sets

    signed = [{"case_id": f"c{i}", "signed_at": f"2026-12-01T00:00:{i:02d}"} for i in range(10)]
    trained = {case_key("c8")}  # an earlier version trained on c8
    train_ids, eval_ids = select_sets(signed, trained, 3)
    assert eval_ids == ["c6", "c7", "c9"]
    assert set(train_ids) == {"c0", "c1", "c2", "c3", "c4", "c5", "c8"}
    assert not set(train_ids) & set(eval_ids)


def test_learn_waits_below_the_threshold(tmp_path, host):
    from pixtralogist.persistence.audit import AuditLog
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.finetune.learn import LearnConfig, run_learn

    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    for i in range(4):
        _record(store, host, version=None, heart=None, seed=i)
    store.close()
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}", "utf-8")
    cfg = LearnConfig(specialty="radiology", feedback_db=tmp_path / "fb.sqlite", registry=tmp_path / "adapters",
                      base_model=base, min_new_cases=5, audit_db=tmp_path / "audit.sqlite")
    out = run_learn(cfg, host=host)
    assert out.status == "waiting" and out.new_cases == 4 and "needs 5" in out.reason
    assert not (tmp_path / "adapters" / "radiology").exists()
    events = AuditLog.open(tmp_path / "audit.sqlite").events()
    assert [(e.action, e.detail["decision"]) for e in events] == [("learn_decision", "waiting")]


def test_new_cases_are_counted_since_the_active_versions_data(tmp_path, host):
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.finetune.learn import LearnConfig, run_learn
    from pixtralogist.finetune.registry import AdapterRegistry

    t0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    for i in range(6):
        _record(store, host, version=None, heart=None, seed=i, when=t0 + timedelta(hours=i))
    store.close()
    reg = AdapterRegistry(tmp_path / "adapters")
    _version(tmp_path / "adapters", "v1", data_until=(t0 + timedelta(hours=3)).isoformat())
    reg.promote("radiology", "v1", force=True)
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}", "utf-8")
    cfg = LearnConfig(specialty="radiology", feedback_db=tmp_path / "fb.sqlite", registry=tmp_path / "adapters",
                      base_model=base, min_new_cases=3)
    out = run_learn(cfg, host=host)
    assert out.status == "waiting" and out.new_cases == 2  # hours 4 and 5


# --- live check and rollback -------------------------------------------------------------------


def test_live_check_rolls_back_a_version_with_more_edit_burden(tmp_path, host, records):
    from pixtralogist.persistence.audit import AuditLog
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.finetune.learn import live_check
    from pixtralogist.finetune.registry import AdapterRegistry

    root = tmp_path / "adapters"
    _version(root, "v1")
    _version(root, "v2")
    reg = AdapterRegistry(root, database=records)
    reg.promote("radiology", "v1", force=True)
    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    for i in range(4):  # v1's drafts were signed as they were
        _record(store, host, version="v1", heart=None, seed=i)
    reg.promote("radiology", "v2", force=True)
    audit = tmp_path / "audit.sqlite"
    for i in range(2):  # v2's drafts get the heart rewritten
        _record(store, host, version="v2", heart="The cardiac silhouette is within normal limits.", seed=10 + i)
    waiting = live_check(store, reg, "radiology", first_m=3, margin=0.05, audit_db=audit)
    assert waiting.status == "collecting" and waiting.cases == 2 and reg.active_name("radiology") == "v2"
    _record(store, host, version="v2", heart="The cardiac silhouette is within normal limits.", seed=12)
    res = live_check(store, reg, "radiology", first_m=3, margin=0.05, audit_db=audit)
    assert res.status == "rolled-back" and res.rolled_back_to == "v1" and reg.active_name("radiology") == "v1"
    assert res.burden > res.previous_burden + 0.05 and res.previous_burden == 0.0
    meta = reg.version("radiology", "v2").metadata
    assert meta["live_check"]["status"] == "rolled-back" and "edit burden" in meta["live_check"]["reason"]
    assert reg.history("radiology")[-1]["reason"].startswith("rolled back: edit burden")
    assert "rolled back" in (root / "radiology" / "v2" / "README.md").read_text()
    events = [e for e in AuditLog.open(audit).events() if e.action == "adapter_rollback"]
    assert len(events) == 1 and events[0].case_id == "adapter:radiology/v2" and events[0].detail["version"] == "v1"
    store.close()


def test_live_check_passes_a_version_that_is_not_worse(tmp_path, host, records):
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.finetune.learn import live_check
    from pixtralogist.finetune.registry import AdapterRegistry

    root = tmp_path / "adapters"
    _version(root, "v1")
    reg = AdapterRegistry(root, database=records)
    store = FeedbackStore.open(tmp_path / "fb.sqlite")
    for i in range(3):  # base drafts: the heart rewritten every time
        _record(store, host, version=None, heart="The cardiac silhouette is within normal limits.", seed=i)
    reg.promote("radiology", "v1", force=True)
    for i in range(3):
        _record(store, host, version="v1", heart=None, seed=10 + i)
    res = live_check(store, reg, "radiology", first_m=3, margin=0.05)
    assert res.status == "passed" and res.previous == "base" and reg.active_name("radiology") == "v1"
    assert live_check(store, reg, "radiology", first_m=3).status == "checked"  # recorded once
    assert AdapterRegistry(root, database=records).version("radiology", "v1").metadata["live_check"]["status"] == (
        "passed")  # in the records every server reads
    store.close()


def test_learn_and_tiny_model_commands_have_help(capsys):
    from pixtralogist.cli import main

    for argv in (["learn", "--help"], ["quality", "--help"], ["finetune", "tiny-model", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--min-new-cases" in out and "--margin" in out and "RANDOM-WEIGHT" in out


# --- end to end on a tiny model -----------------------------------------------------------------


def _phi_dx_dicom(path: Path, seed: int) -> Path:
    """A chest DX DICOM with the planted identifiers of the security tests."""
    import pydicom

    from test_reliability_support import PHI
    from test_ui import make_dx_dicom

    make_dx_dicom(path, size=64)
    ds = pydicom.dcmread(path)
    for key, value in PHI.items():
        setattr(ds, key, value)
    ds.StudyDescription = f"CHEST {PHI['PatientName'].split('^')[0]} follow-up"
    ds.PixelData = bytes((b + seed) % 256 for b in ds.PixelData)
    ds.save_as(path)
    return path


@pytest.mark.slow
def test_learn_end_to_end_hot_swap_and_no_phi_in_anything_written(tmp_path):
    import datasets
    import pydicom
    import yaml

    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.learn import LearnConfig, run_learn
    from pixtralogist.finetune.registry import AdapterRegistry
    from pixtralogist.finetune.simulate import HabitClinician
    from pixtralogist.finetune.tiny import build_tiny_for_trying
    from test_reliability_support import PHI_NEEDLES
    from test_security_phi import scan

    base = build_tiny_for_trying(tmp_path / "tiny")
    assert "RANDOM" in (base / "README.md").read_text()
    (tmp_path / "config.yaml").write_text(
        "adapter_registry: adapters\nspecialties:\n  radiology:\n    backend: transformers\n"
        f"    base_model: {base}\n    max_new_tokens: 24\n", "utf-8")
    (tmp_path / "adapters").mkdir()
    host = get_plugin_manager(settings=load_settings(tmp_path / "config.yaml", env={}), autoload=False)
    service = ReportingService.create(tmp_path / "app", host=host, retrieval=False)
    clinician = HabitClinician()
    uids: set[str] = set()
    for i in range(8):
        dcm = _phi_dx_dicom(tmp_path / f"study{i}.dcm", i)
        ds = pydicom.dcmread(dcm)
        uids |= {str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)}
        clinician.handle(service, build_case([dcm], indication="cough", specialty_hint="radiology"))
    open_turn = service.start(build_case([_phi_dx_dicom(tmp_path / "open.dcm", 99)], specialty_hint="radiology"))
    assert open_turn.draft.provenance.adapter_version is None

    datasets_dir = tmp_path / "datasets"
    cfg = LearnConfig(specialty="radiology", feedback_db=tmp_path / "app" / "feedback.sqlite",
                      registry=tmp_path / "adapters", base_model=base, min_new_cases=8, eval_cases=3, version="v1",
                      datasets=datasets_dir, audit_db=tmp_path / "learn-audit.sqlite", max_new_tokens=24,
                      bootstrap=200, train={"max_steps": 2, "learning_rate": 1e-2, "lora_r": 4, "batch_size": 2})
    out = run_learn(cfg, host=host)
    assert out.status in ("promoted", "refused") and out.train_cases == 5 and out.eval_cases == 3
    reg = AdapterRegistry(tmp_path / "adapters")
    meta = reg.version("radiology", "v1").metadata
    learning = meta["learning"]
    assert learning["bootstrap"]["n_cases"] == 3 and learning["decision"] == out.status
    assert not set(learning["eval_cases"]) & set(learning["train_cases"])
    assert meta["decisions"][-1]["reason"] == out.reason
    # a standard peft folder with a model card
    vdir = tmp_path / "adapters" / "radiology" / "v1"
    assert (vdir / "adapter_config.json").is_file() and (vdir / "adapter_model.safetensors").is_file()
    card = (vdir / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["library_name"] == "peft" and header["base_model"] == base.name
    assert "not for unsupervised clinical use" in card
    assert {m["name"].split()[0] for m in header["model-index"][0]["results"][0]["metrics"]} >= {"heart", "lung"}
    # the training set loads with `datasets`
    folder = datasets_dir / "v1"
    sft = datasets.load_dataset(str(folder), "sft", split="train")
    assert sorted(sft["split"]) == ["train"] * 5 + ["val"] * 3
    pref = datasets.load_dataset(str(folder), "preference", split="train")
    assert len(pref) == 5 and set(pref["region"]) == {"heart"}
    assert "De-identification" in (folder / "README.md").read_text()

    # hot swap: promote v1 (if the gate refused it on 3 cases) and the running service drafts with it
    if reg.active_name("radiology") != "v1":
        reg.promote("radiology", "v1", force=True)
    new = service.start(build_case([_phi_dx_dicom(tmp_path / "new.dcm", 50)], specialty_hint="radiology"))
    assert new.draft.provenance.adapter_version == "v1"
    still = service.get(open_turn.case_id)
    assert still.status == "review" and still.draft.provenance.adapter_version is None
    clinician.review(service, open_turn.case_id)
    service.close()

    # no identifier, UID or name in anything learn wrote (adapter, card, dataset, audit log)
    needles = sorted(set(PHI_NEEDLES) | uids | {"Dr Simulated", "Simulated"})
    for root in (tmp_path / "adapters", datasets_dir):
        assert scan(root, needles) == [], root
    audit_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("learn-audit.sqlite*"))
    assert b"learn_decision" in audit_bytes and not [n for n in needles if n.encode() in audit_bytes]
    # the UIDs are really kept by the app (in its identity store, for exports back to the PACS),
    # so the search above could have found them
    kept = scan(tmp_path / "app", sorted(uids))
    assert [hit for hit in kept if "identity" in str(hit[0])]
    assert not [hit for hit in kept if "feedback" in str(hit[0])]


@pytest.fixture(params=["sqlite", on_postgres()])
def feedback_at(request, tmp_path):
    """Where the learning loop reads signed reports: a SQLite file, or the site's shared PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "fb.sqlite")
    return fresh_database(request.getfixturevalue("pg_cluster"), "fb")


def test_the_learning_commands_read_a_feedback_store_on_the_shared_database(feedback_at, tmp_path, host, capsys):
    """Several app servers keep their feedback on PostgreSQL: `quality` and `finetune data` read it there."""
    from pixtralogist.cli import main
    from pixtralogist.persistence.feedback import FeedbackStore, feedback_location

    store = FeedbackStore.open(feedback_location(feedback_at))
    _record(store, host, version="v1", heart="The cardiac silhouette is within normal limits.", seed=1)
    store.close()
    assert main(["quality", "--feedback-db", feedback_at, "--by", "region,adapter_version"]) == 0
    heart = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("heart"))
    assert "v1" in heart
    out = tmp_path / "export"
    assert main(["finetune", "data", "--feedback-db", feedback_at, "--out", str(out)]) == 0
    import json

    rows = [json.loads(line) for line in (out / "sft.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == 1 and rows[0]["template_id"] == "cxr"
    assert "within normal limits" in json.dumps(rows[0])  # the clinician's signed text is the target


def test_a_missing_feedback_file_is_refused_not_created(tmp_path):
    from pixtralogist.core.errors import DataError
    from pixtralogist.persistence.feedback import FeedbackStore

    with pytest.raises(DataError, match="does not exist"):
        FeedbackStore.open_existing(tmp_path / "typo.sqlite")
    assert not (tmp_path / "typo.sqlite").exists()
