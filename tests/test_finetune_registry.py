"""Fine-tuning settings (YAML validation), the adapter registry, the site-config wiring and the CLI (no torch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixtralogist.cli import main
from pixtralogist.core.errors import ConfigError
from pixtralogist.finetune.config import DPOTrainConfig, TrainConfig, config_help, load_yaml_config
from pixtralogist.finetune.registry import AdapterRegistry, RegistryError, active_adapter, write_metadata
from pg_fixtures import RECORDS, pg_cluster, records  # noqa: F401 (fixtures)


def _yaml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cfg.yaml"
    p.write_text(text, "utf-8")
    return p


# --- settings -----------------------------------------------------------------------------------


def test_yaml_fills_the_config_and_flags_override(tmp_path):
    p = _yaml(tmp_path, "base_model: /models/base\ndata: /data/quiz\nout: adapters/radiology/v7\nlora_r: 8\n"
                        "learning_rate: 2.0e-4\nquantization: none\n")
    cfg = load_yaml_config(TrainConfig, p, {"lora_r": 32, "max_steps": None})
    assert cfg.lora_r == 32 and cfg.learning_rate == 2e-4 and cfg.quantization is None
    assert cfg.base_model == Path("/models/base") and cfg.version == "v7"
    assert all(help_text for help_text in config_help(TrainConfig).values())  # every field documented


@pytest.mark.parametrize("text, match", [
    ("base_model: /b\ndata: /d\nout: /o\nlearnig_rate: 0.1\n", "unknown fine-tuning setting 'learnig_rate'"),
    ("base_model: /b\ndata: /d\nout: /o\nlora_r: four\n", "'lora_r'.*whole number"),
    ("base_model: /b\ndata: /d\nout: /o\nlora_dropout: 1.5\n", "'lora_dropout'.*< 1"),
    ("data: /d\nout: /o\n", "'base_model'.*required"),
    ("base_model: /b\nout: /o\n", "'data'"),
    ("base_model: /b\ndata: /d\nout: /o\nquantization: 4bit\ndevice: cpu\n", "QLoRA.*CUDA"),
    ("base_model: /b\ndata: /d\nout: /o\ntarget_modules: '(q_proj'\n", "not a valid regex"),
    ("base_model: /b\ndata: /d\nout: /o\nlearning_rate: -1\n", "'learning_rate'.*> 0"),
    ("base_model: /b\ndata: /d\nout: /o\neval_split: dev\n", "'eval_split'"),
    ("- a\n- b\n", "must hold a mapping"),
])
def test_yaml_config_errors_name_the_problem(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_yaml_config(TrainConfig, _yaml(tmp_path, text))


def test_dpo_config_needs_pairs():
    with pytest.raises(ConfigError, match="feedback store"):
        DPOTrainConfig(base_model="/b", out="/o")
    assert DPOTrainConfig(base_model="/b", out="/o", pairs="p.jsonl").beta == 0.1


# --- registry ---------------------------------------------------------------------------------
# Each registry test runs with the records in files (one machine) and in a real local PostgreSQL
# (the site's shared database, several app servers); the weights are files under the root in both.


def _version(root: Path, name: str, val_loss: float | None, plugin: str = "radiology") -> Path:
    d = root / plugin / name
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text("{}")
    write_metadata(d, base_model="/models/base", plugin=plugin, version=name, template_id="cxr",
                   data_fingerprint="sha256:x", training_config={"lora_r": 8},
                   metrics={} if val_loss is None else {"val_loss": val_loss}, intended_use="drafting assistance")
    return d


def test_gate_on_stored_metric_and_rollback(tmp_path, records):
    reg = AdapterRegistry(tmp_path, database=records)
    for name, loss in (("v1", 2.0), ("v2", 1.5), ("v3", 1.8)):
        _version(tmp_path, name, loss)
    assert reg.active("radiology") is None
    assert reg.promote("radiology", "v1").promoted
    d2 = reg.promote("radiology", "v2")
    assert d2.promoted and d2.previous == "v1" and d2.candidate_score == -1.5 and d2.current_score == -2.0
    d3 = reg.promote("radiology", "v3")
    assert not d3.promoted and reg.active_name("radiology") == "v2"
    # a higher-is-better metric goes the other way
    assert not reg.promote("radiology", "v1", metric="val_loss", higher_is_better=False).promoted
    assert reg.promote("radiology", "v3", min_delta=0.0, force=True).reason.startswith("forced")
    assert reg.rollback("radiology") == "v2"
    assert reg.rollback("radiology") == "v1"
    with pytest.raises(RegistryError, match="no earlier version"):
        reg.rollback("radiology")
    assert [v.version for v in reg.versions("radiology")] == ["v1", "v2", "v3"]
    assert [v.active for v in reg.versions("radiology")] == [True, False, False]
    assert [h["action"] for h in reg.history("radiology")] == ["promote", "promote", "promote", "rollback", "rollback"]
    # the records live where the site said: the pointer file exists only without a database
    assert (tmp_path / "radiology" / "registry.json").is_file() is (records is None)
    assert AdapterRegistry(tmp_path, database=records).history("radiology") == reg.history("radiology")


def test_gate_with_a_score_callable_and_missing_metrics(tmp_path, records):
    reg = AdapterRegistry(tmp_path, database=records)
    _version(tmp_path, "a", None)
    _version(tmp_path, "b", None)
    with pytest.raises(RegistryError, match="no numeric metric"):
        reg.promote("radiology", "a")
    scores = {"a": 0.4, "b": 0.6}
    seen = []

    def score(path: Path, split: str) -> float:
        seen.append((path.name, split))
        return scores[path.name]

    assert reg.promote("radiology", "a", score=score, metric="green", split="val").promoted
    d = reg.promote("radiology", "b", score=score, metric="green", split="val", min_delta=0.25)
    assert not d.promoted and seen == [("a", "val"), ("b", "val"), ("a", "val")]
    assert reg.promote("radiology", "b", score=score, metric="green").promoted
    assert reg.version("radiology", "b").metadata["metrics"]["gate:green:val"] == 0.6
    assert AdapterRegistry(tmp_path, database=records).version("radiology", "a").metadata["metrics"] == {
        "gate:green:val": 0.4}
    assert not reg.promote("radiology", "b", score=score).promoted  # already active
    with pytest.raises(RegistryError, match="no adapter version 'zz'"):
        reg.promote("radiology", "zz")


def test_site_config_uses_the_active_adapter(tmp_path, records):
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.models import ModelConfig

    base = tmp_path / "base"
    base.mkdir()
    reg_root = tmp_path / "adapters"
    _version(reg_root, "v1", 2.0)
    _version(reg_root, "v2", 1.0)
    cfg = _yaml(tmp_path, f"adapter_registry: adapters\nspecialties:\n  radiology:\n    backend: transformers\n"
                          f"    base_model: {base}\n" + (f"storage:\n  checkpointer: {records}\n" if records else ""))
    settings = load_settings(cfg, env={})
    assert settings.storage.database == records
    assert settings.model_for("radiology", ModelConfig()).adapter is None  # nothing promoted yet
    AdapterRegistry(reg_root, database=records).promote("radiology", "v1")
    m = settings.model_for("radiology", ModelConfig())
    assert Path(m.adapter) == (reg_root / "radiology" / "v1").resolve() and m.adapter_version == "v1"
    AdapterRegistry(reg_root, database=records).promote("radiology", "v2")
    assert settings.model_for("radiology", ModelConfig()).adapter_version == "v2"  # read at each lookup
    assert active_adapter(reg_root, "radiology", database=records)[1] == "v2"
    # an adapter set by the site wins; other specialties and backends are untouched
    explicit = tmp_path / "mine"
    explicit.mkdir()
    env = {"PIXTRALOGIST_RADIOLOGY_ADAPTER": str(explicit)}
    assert load_settings(cfg, env=env).model_for("radiology", ModelConfig()).adapter == str(explicit)
    assert settings.model_for("dermatology", ModelConfig()).adapter is None
    # a missing registry folder is an error at load time
    bad = _yaml(tmp_path, "adapter_registry: nowhere\n")
    with pytest.raises(ConfigError, match="adapter_registry"):
        load_settings(bad, env={})


# --- CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["train", "dpo", "promote", "rollback", "list", "data"])
def test_finetune_subcommand_help(action, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["finetune", action, "--help"])
    assert exc.value.code == 0
    assert "usage: pixtralogist finetune " + action in capsys.readouterr().out


def test_cli_list_promote_rollback(tmp_path, capsys, records, monkeypatch):
    monkeypatch.delenv("PIXTRALOGIST_CHECKPOINTER_URL", raising=False)
    if records:
        monkeypatch.setenv("PIXTRALOGIST_CHECKPOINTER_URL", records)
    for name, loss in (("v1", 2.0), ("v2", 2.5)):
        _version(tmp_path, name, loss)
    args = ["--registry", str(tmp_path), "--plugin", "radiology"]
    assert main(["finetune", "promote", "v1", *args]) == 0
    assert main(["finetune", "promote", "v2", *args]) == 1  # worse validation loss: refused
    assert "refused" in capsys.readouterr().out
    assert main(["finetune", "promote", "v2", "--force", *args]) == 0
    assert "forced" in capsys.readouterr().out
    assert main(["finetune", "list", "--json", *args]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["active"] == "v2" and [v["version"] for v in listing["versions"]] == ["v1", "v2"]
    assert main(["finetune", "rollback", *args]) == 0
    assert "now v1" in capsys.readouterr().out
    assert main(["finetune", "list", *args]) == 0
    out = capsys.readouterr().out
    assert "* v1" in out and "val_loss=2" in out
    assert main(["finetune", "rollback", *args]) == 2  # nothing earlier than v1
    assert [h["action"] for h in AdapterRegistry(tmp_path, database=records).history("radiology")] == [
        "promote", "promote", "rollback"]


@pytest.mark.parametrize("records", RECORDS[1:], indirect=True)
def test_file_registry_moves_into_the_database(tmp_path, records):
    """A registry kept in files before the site moved to PostgreSQL keeps its active version and history."""
    for name, loss in (("v1", 2.0), ("v2", 1.0)):
        _version(tmp_path, name, loss)
    old = AdapterRegistry(tmp_path)
    old.promote("radiology", "v1")
    old.promote("radiology", "v2")
    shared = AdapterRegistry(tmp_path, database=records)
    assert shared.active_name("radiology") == "v2" and shared.history("radiology") == old.history("radiology")
    assert shared.rollback("radiology") == "v1"
    assert old.active_name("radiology") == "v2"  # the file is left as it was; the database is the record now
    assert AdapterRegistry(tmp_path, database=records).active_name("radiology") == "v1"


def test_cli_exports_feedback_pairs(tmp_path, capsys):
    import io

    from PIL import Image

    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.data import read_preference_jsonl, read_sft_jsonl

    buf = io.BytesIO()
    Image.linear_gradient("L").resize((40, 52)).save(buf, format="PNG")
    host = get_plugin_manager()
    template = host.template("cxr")
    db = tmp_path / "fb.db"
    store = FeedbackStore.open(db)
    case = build_case([buf.getvalue()], notes="small L effusion, heart nl", indication="cough")
    draft = host.drafter("radiology", template).draft(case, template)
    findings = [f.model_copy(update={"text": "Large left pleural effusion."}) if f.region == "lung" else f
                for f in draft.findings]
    store.record_report(case, draft, draft.model_copy(update={"findings": findings}).sign("Dr Test"))
    store.close()
    out = tmp_path / "export"
    assert main(["finetune", "data", "--feedback-db", str(db), "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out) == {"out": str(out), "sft": 1, "preference": 1}
    sft = read_sft_jsonl(out / "sft.jsonl")
    assert sft[0].regions["lung"] == "Large left pleural effusion." and sft[0].images[0].is_file()
    assert sft[0].context["indication"] == "cough"
    pref = read_preference_jsonl(out / "preference.jsonl")
    chosen, rejected = json.loads(pref[0].chosen), json.loads(pref[0].rejected)
    assert pref[0].region == "lung" and chosen["lung"] == "Large left pleural effusion."
    assert rejected["lung"] != chosen["lung"] and chosen["heart"] == rejected["heart"]
