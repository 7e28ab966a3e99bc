"""Site configuration: YAML + PIXTRALOGIST_* environment over plugin defaults; validation; `pixtralogist models`."""

from __future__ import annotations

import json
import os
import socket
import textwrap

import pytest

from pixtralogist.core.config import CONFIG_ENV, load_settings
from pixtralogist.core.errors import ConfigError
from pixtralogist.core.models import ModelConfig


def write(path, text: str):
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


@pytest.fixture
def model_dirs(tmp_path):
    base = tmp_path / "models" / "llava-tiny"
    adapter = tmp_path / "adapters" / "radiology-cxr"
    base.mkdir(parents=True)
    adapter.mkdir(parents=True)
    return base, adapter


def test_no_file_and_no_env_leaves_plugin_defaults(tmp_path):
    settings = load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path)})
    assert settings.source is None
    default = ModelConfig(backend="offline", max_new_tokens=300)
    assert settings.model_for("radiology", default) == default


def test_yaml_file_over_plugin_default(tmp_path, model_dirs):
    base, adapter = model_dirs
    cfg = write(tmp_path / "site.yaml", f"""
        defaults:
          max_new_tokens: 256
        specialties:
          radiology:
            backend: transformers
            base_model: {base}
            adapter: {adapter}
            adapter_version: 2026.11
            quantization: 4bit
    """)
    settings = load_settings(cfg, env={})
    m = settings.model_for("radiology", ModelConfig(backend="offline", temperature=0.2))
    assert (m.backend, m.base_model, m.adapter, m.adapter_version) == ("transformers", str(base), str(adapter), "2026.11")
    assert m.quantization == "4bit" and m.max_new_tokens == 256 and m.temperature == 0.2
    # defaults apply to other specialties too
    assert settings.model_for("dermatology", ModelConfig()).max_new_tokens == 256


def test_environment_overrides_the_file(tmp_path, model_dirs):
    base, _ = model_dirs
    cfg = write(tmp_path / "config.yaml", f"""
        specialties:
          radiology: {{backend: transformers, base_model: {base}, max_new_tokens: 100}}
    """)
    env = {
        "PIXTRALOGIST_HOME": str(tmp_path),  # config.yaml found there by default
        "PIXTRALOGIST_RADIOLOGY_BACKEND": "openai",
        "PIXTRALOGIST_RADIOLOGY_ENDPOINT": "http://gpu:8000",
        "PIXTRALOGIST_RADIOLOGY_MODEL_NAME": "pixtral-12b",
        "PIXTRALOGIST_RADIOLOGY_ADAPTER": "radiology-cxr",
        "PIXTRALOGIST_RADIOLOGY_ADAPTER_VERSION": "7",
        "PIXTRALOGIST_RADIOLOGY_TEMPERATURE": "0.3",
        "PIXTRALOGIST_RADIOLOGY_API_KEY_ENV": "VLM_KEY",
        "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD": "1",  # other project variables are ignored
        "PIXTRALOGIST_USERS_FILE": "/x",
    }
    settings = load_settings(env=env)
    assert settings.source == cfg
    m = settings.model_for("radiology", ModelConfig())
    assert (m.backend, m.endpoint, m.model_name, m.adapter, m.adapter_version) == (
        "openai", "http://gpu:8000", "pixtral-12b", "radiology-cxr", "7")
    assert m.temperature == 0.3 and m.max_new_tokens == 100 and m.api_key_env == "VLM_KEY"
    assert "PIXTRALOGIST_RADIOLOGY_BACKEND" in settings.sources_for("radiology")


def test_config_env_var_names_the_file(tmp_path):
    cfg = write(tmp_path / "elsewhere.yaml", "defaults: {max_new_tokens: 64}\n")
    assert load_settings(env={CONFIG_ENV: str(cfg)}).model_for("x", ModelConfig()).max_new_tokens == 64
    with pytest.raises(ConfigError, match="PIXTRALOGIST_CONFIG names .*does not exist"):
        load_settings(env={CONFIG_ENV: str(tmp_path / "nope.yaml")})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml", env={})


def test_switching_backend_does_not_inherit_the_plugins_model_location(tmp_path, model_dirs):
    base, adapter = model_dirs
    plugin_default = ModelConfig(backend="transformers", base_model=str(base), adapter=str(adapter),
                                 max_new_tokens=333)
    env = {"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_BACKEND": "openai",
           "PIXTRALOGIST_RADIOLOGY_ENDPOINT": "http://h:1", "PIXTRALOGIST_RADIOLOGY_MODEL_NAME": "m"}
    m = load_settings(env=env).model_for("radiology", plugin_default)
    assert m.adapter is None and m.base_model is None and m.max_new_tokens == 333
    # same backend: the plugin's adapter is kept, the site only swaps what it names
    env = {"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_MAX_NEW_TOKENS": "12"}
    m = load_settings(env=env).model_for("radiology", plugin_default)
    assert m.adapter == str(adapter) and m.max_new_tokens == 12


@pytest.mark.parametrize("yaml_text, pattern", [
    ("specialties:\n  radiology:\n    adapterr: x\n", r"unknown key 'adapterr' in .*specialties.radiology"),
    ("specialties:\n  radiology:\n    api_key: sk-123\n", r"unknown key 'api_key'.*api_key_env"),
    ("defaults:\n  temprature: 0.1\n", r"unknown key 'temprature' in .*defaults"),
    ("model: llava\n", r"unknown key 'model' at the top"),
    ("specialties:\n  radiology:\n    max_new_tokens: lots\n", r"invalid value .*max_new_tokens"),
    ("specialties:\n  radiology:\n    quantization: 3bit\n", r"invalid value .*quantization"),
    ("specialties: [1, 2]\n", r"'specialties' must map"),
    ("[not, a, mapping]\n", r"must hold a mapping"),
    ("a: [unclosed\n", r"not valid YAML"),
])
def test_invalid_files_name_the_problem(tmp_path, yaml_text, pattern):
    cfg = write(tmp_path / "bad.yaml", yaml_text)
    with pytest.raises(ConfigError, match=pattern):
        load_settings(cfg, env={})


def test_invalid_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="PIXTRALOGIST_RADIOLOGY_TEMPERATURE"):
        load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_TEMPERATURE": "hot"})


def test_missing_model_directories_are_config_errors(tmp_path, model_dirs):
    base, _ = model_dirs
    cfg = write(tmp_path / "c.yaml", f"specialties:\n  radiology: {{backend: transformers, base_model: {tmp_path}/missing}}\n")
    with pytest.raises(ConfigError, match="base_model directory .*missing does not exist"):
        load_settings(cfg, env={})
    cfg = write(tmp_path / "d.yaml", f"specialties:\n  radiology: {{backend: transformers, base_model: {base}, "
                                     f"adapter: {tmp_path}/no-adapter}}\n")
    with pytest.raises(ConfigError, match="adapter directory .*no-adapter does not exist"):
        load_settings(cfg, env={})
    # incomplete site sections are checked against the merged result
    settings = load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_BACKEND": "transformers"})
    with pytest.raises(ConfigError, match="needs base_model"):
        settings.model_for("radiology", ModelConfig())
    settings = load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_BACKEND": "openai"})
    with pytest.raises(ConfigError, match="needs endpoint"):
        settings.model_for("radiology", ModelConfig())


def test_empty_or_none_clears_an_optional_field(tmp_path):
    env = {"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_ADAPTER": "",
           "PIXTRALOGIST_RADIOLOGY_QUANTIZATION": "none"}
    m = load_settings(env=env).model_for("radiology", ModelConfig(adapter="x", quantization="8bit"))
    assert m.adapter is None and m.quantization is None


def test_host_uses_site_settings_over_the_plugin_default(tmp_path):
    from pixtralogist.core.plugins import get_plugin_manager

    assert get_plugin_manager(autoload=False).model_config("radiology").backend == "offline"
    settings = load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path), "PIXTRALOGIST_RADIOLOGY_BACKEND": "openai",
                                  "PIXTRALOGIST_RADIOLOGY_ENDPOINT": "http://h:1",
                                  "PIXTRALOGIST_RADIOLOGY_MODEL_NAME": "m"})
    host = get_plugin_manager(autoload=False, settings=settings)
    assert host.model_config("radiology").backend == "openai"
    drafter = host.drafter("radiology", host.template("cxr"))
    assert drafter.name == "openai" and drafter.plugin == "radiology"


# --- pixtralogist models -------------------------------------------------------------------------


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_models_command_lists_and_checks_without_tracebacks(tmp_path, monkeypatch, capsys):
    from pixtralogist.cli import main

    monkeypatch.setenv("PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("PIXTRALOGIST_HOME", str(tmp_path))
    keep = {"PIXTRALOGIST_HOME", "PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD"}
    for var in [v for v in os.environ if v.startswith("PIXTRALOGIST_") and v not in keep]:
        monkeypatch.delenv(var)
    cfg = write(tmp_path / "site.yaml", f"""
        specialties:
          dental:
            backend: openai
            endpoint: http://127.0.0.1:{_closed_port()}
            model_name: pixtral-12b
            api_key_env: DENTAL_KEY_NOT_SET
    """)
    assert main(["models", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "radiology: offline - dictation drafter" in out
    assert "dental: (no plugin installed) openai" in out and "api_key=MISSING" in out

    assert main(["models", "--config", str(cfg), "--check"]) == 1
    captured = capsys.readouterr()
    line = [ln for ln in captured.out.splitlines() if ln.startswith("dental:")][0]
    assert "FAILED" in line and "DENTAL_KEY_NOT_SET" in line  # the key variable is checked before sending
    assert "Traceback" not in captured.out + captured.err

    assert main(["models", "--config", str(cfg), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["specialty"] for r in data["specialties"]} >= {"radiology", "dental"}

    bad = write(tmp_path / "bad.yaml", "specialties:\n  radiology:\n    adaptr: x\n")
    assert main(["models", "--config", str(bad)]) == 2
    assert "unknown key 'adaptr'" in capsys.readouterr().err


def test_models_help_is_fast_and_documented():
    from pixtralogist.cli import build_parser

    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices["models"]  # noqa: SLF001
    text = sub.format_help()
    assert "--config" in text and "--check" in text


def test_exports_deidentify_from_the_file_and_the_environment(tmp_path):
    assert load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path)}).exports.deidentify is False
    cfg = tmp_path / "config.yaml"
    cfg.write_text("exports:\n  deidentify: true\n", "utf-8")
    assert load_settings(cfg, env={}).exports.deidentify is True
    assert load_settings(cfg, env={"PIXTRALOGIST_EXPORTS_DEIDENTIFY": "false"}).exports.deidentify is False
    assert load_settings(env={"PIXTRALOGIST_HOME": str(tmp_path / "none"),
                              "PIXTRALOGIST_EXPORTS_DEIDENTIFY": "yes"}).exports.deidentify is True


@pytest.mark.parametrize(("text", "env", "pattern"), [
    ("exports:\n  deidentify: maybe\n", {}, "deidentify must be true or false"),
    ("exports:\n  anonymise: true\n", {}, "unknown key 'anonymise'"),
    ("exports: yes\n", {}, "must be a mapping"),
    ("exports:\n  deidentify: true\n", {"PIXTRALOGIST_EXPORTS_DEIDENTIFY": "sometimes"},
     "PIXTRALOGIST_EXPORTS_DEIDENTIFY must be true or false"),
])
def test_bad_exports_settings_are_config_errors(tmp_path, text, env, pattern):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=pattern):
        load_settings(cfg, env=env)
