"""deploy/compose.yaml against docs/deployment.md and against the settings the code reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pixtralogist.core.storage import StorageSettings

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "deploy" / "compose.yaml"
DOC = REPO / "docs" / "deployment.md"
#: What every app server needs to share state with the others.
SHARED = ("PIXTRALOGIST_CHECKPOINTER_URL", "PIXTRALOGIST_CHROMA_URL", "PIXTRALOGIST_AUDIT_KEY_FILE",
          "PIXTRALOGIST_SESSION_SECRET_FILE", "PIXTRALOGIST_USERS_FILE", "PIXTRALOGIST_SERVER_NAME",
          "PIXTRALOGIST_LOG_FORMAT")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def app_services(spec: dict) -> dict[str, dict]:
    return {name: s for name, s in spec["services"].items() if "pixtralogist" in " ".join(s.get("command") or [])
            and "serve" in (s.get("command") or [])}


def code_text() -> str:
    """Every Python source of the package (not the tests): the settings it reads appear there as literals."""
    parts = []
    for sub in ("core", "kit", "persistence", "agents", "ui", "finetune", "pacs", "plugins"):
        parts += [p.read_text("utf-8") for p in (REPO / sub).rglob("*.py")]
    return "\n".join(parts)


def test_compose_parses_and_names_every_service_the_doc_names():
    spec = compose()
    services = set(spec["services"])
    table = DOC.read_text("utf-8").split("## Services", 1)[1].split("\n## ", 1)[0]
    documented = {name for row in table.splitlines() if row.startswith("| `")
                  for name in re.findall(r"`([a-z0-9-]+)`", row.split("|")[1])}
    assert documented == services, (documented ^ services)
    assert len(app_services(spec)) >= 2
    assert spec["services"]["vllm"]["profiles"] == ["gpu"]
    assert "lb_policy cookie" in (REPO / "deploy" / "Caddyfile").read_text("utf-8")  # session affinity


def test_app_settings_in_compose_are_the_ones_the_code_reads():
    spec = compose()
    source = code_text()
    doc = DOC.read_text("utf-8")
    names = set()
    for name, service in app_services(spec).items():
        env = {k: str(v) for k, v in (service.get("environment") or {}).items()}
        for key in SHARED:
            assert key in env, (name, key)
        for key in env:
            if key.startswith("PIXTRALOGIST_"):
                assert f'"{key}"' in source, f"{name}: {key} is not read by the code"
                assert f"`{key}`" in doc, f"{key} is not documented in docs/deployment.md"
        # the storage settings parse, and point at the services of this file
        storage = StorageSettings.from_sources(None, env=env)
        assert storage.database and storage.database.split("@")[1].split(":")[0] in spec["services"]
        assert storage.guidelines.split("//")[1].split(":")[0] in spec["services"]
        assert ":" not in storage.database.split("//")[1].split("@")[0]  # no password in the URL
        # secret files are mounted secrets
        for key in ("PIXTRALOGIST_AUDIT_KEY_FILE", "PIXTRALOGIST_SESSION_SECRET_FILE", "PIXTRALOGIST_USERS_FILE"):
            secret = env[key].removeprefix("/run/secrets/")
            assert secret in service["secrets"] and secret in spec["secrets"], (name, key)
        names.add(env["PIXTRALOGIST_SERVER_NAME"])
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
    assert len(names) == len(app_services(spec))  # each server has its own name in the logs


def test_readme_points_to_the_deployment_doc():
    assert "docs/deployment.md" in (REPO / "README.md").read_text("utf-8")
