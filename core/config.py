"""Site configuration: which model each specialty drafts with.

One YAML file plus ``PIXTRALOGIST_*`` environment variables, over each
plugin's default (:func:`pixtralogist.core.hookspecs.pixtralogist_model_config`).

Where the file is: ``load_settings(path)`` (the CLI's ``--config``), else the
file named by ``PIXTRALOGIST_CONFIG``, else ``$PIXTRALOGIST_HOME/config.yaml``
(``~/.pixtralogist/config.yaml`` without ``PIXTRALOGIST_HOME``) if it exists;
no file is fine (plugin defaults and environment only).

.. code-block:: yaml

    # config.yaml
    defaults:                       # every specialty (optional)
      max_new_tokens: 512
      temperature: 0.0
    specialties:
      radiology:
        backend: transformers       # offline | transformers | openai
        base_model: /models/llava-v1.6-mistral-7b-hf
        adapter: /models/adapters/radiology-cxr
        adapter_version: "2026.11"
        quantization: 4bit          # 4bit | 8bit | none
      dermatology:
        backend: openai
        endpoint: http://gpu-host:8000     # with or without /v1
        model_name: mistral-community/pixtral-12b
        adapter: derm-lora          # a vLLM --lora-modules name: sent as the model
        api_key_env: DERM_API_KEY   # the NAME of the variable; never the key itself
        timeout_s: 60
        max_retries: 2

``exports: {deidentify: true}`` makes every export a de-identified research
export (:mod:`pixtralogist.core.identity`): no patient name, id, birth date,
sex, accession number or study/report dates, new UIDs consistent per case, a
pseudonym for the patient. The default (``false``) exports go back to the
originating system and carry the patient and study from the identity store.
``PIXTRALOGIST_EXPORTS_DEIDENTIFY=true|false`` overrides the file.

``adapter_registry: /models/adapters`` (top level, relative to the file) names
an adapter registry (:mod:`pixtralogist.finetune.registry`): a specialty on
the transformers backend whose site settings set no ``adapter`` uses the
registry's ACTIVE version for it (``adapter`` and ``adapter_version``).

Environment variables override the file per specialty and field:
``PIXTRALOGIST_<SPECIALTY>_<FIELD>`` with the field in upper case, e.g.
``PIXTRALOGIST_RADIOLOGY_BACKEND=openai``, ``PIXTRALOGIST_RADIOLOGY_ENDPOINT=...``,
``PIXTRALOGIST_RADIOLOGY_BASE_MODEL``, ``..._ADAPTER``, ``..._ADAPTER_VERSION``,
``..._MODEL_NAME``, ``..._MAX_NEW_TOKENS``, ``..._TEMPERATURE``,
``..._QUANTIZATION``. A ``-`` in a specialty name is ``_`` in the variable;
an empty value or ``none`` clears an optional field.

Precedence, lowest first: the plugin's default < ``defaults`` < the
specialty's section < environment. When the site switches a specialty to a
different backend than the plugin's default, the plugin's location fields
(base model, adapter, endpoint, model name, quantization, API key variable,
device) are not carried over; generation settings are.

Validation happens here, at the boundary: an unknown key (a typo, or an
``api_key`` that belongs in the environment) is a
:class:`~pixtralogist.core.errors.ConfigError` naming the key; so is a bad
value, a transformers backend whose ``base_model`` (or adapter) directory
does not exist, and an openai backend without an endpoint or model name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from pydantic import ValidationError

from pixtralogist.core.errors import ConfigError
from pixtralogist.core.models import ModelConfig

__all__ = [
    "CONFIG_ENV",
    "DEIDENTIFY_ENV",
    "ExportSettings",
    "ENV_PREFIX",
    "HOME_ENV",
    "Settings",
    "default_config_path",
    "load_settings",
    "validate_model_config",
]

CONFIG_ENV = "PIXTRALOGIST_CONFIG"
HOME_ENV = "PIXTRALOGIST_HOME"
ENV_PREFIX = "PIXTRALOGIST_"
TOP_LEVEL_KEYS = ("version", "defaults", "specialties", "adapter_registry", "storage", "exports", "pacs")
#: Environment variable that overrides ``exports.deidentify`` (true/false).
DEIDENTIFY_ENV = "PIXTRALOGIST_EXPORTS_DEIDENTIFY"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")

#: Fields describing WHERE the model is; not inherited from a plugin default of another backend.
LOCATION_FIELDS = ("base_model", "adapter", "adapter_version", "endpoint", "model_name", "quantization",
                   "api_key_env", "device")

_HINTS = {
    "api_key": "put the key in an environment variable and name that variable in 'api_key_env'",
    "model": "use 'base_model' (transformers: a local directory) or 'model_name' (openai: the served name)",
    "lora": "use 'adapter'",
    "url": "use 'endpoint'",
    "base_url": "use 'endpoint'",
}


def _fields() -> tuple[str, ...]:
    return tuple(ModelConfig.model_fields)


def _nullable(name: str) -> bool:
    return ModelConfig.model_fields[name].default is None


def _is_text(name: str) -> bool:
    return ModelConfig.model_fields[name].annotation in (str, str | None)


def _where_key(where: str, key: str) -> str:
    known = ", ".join(_fields())
    hint = f"; {_HINTS[key]}" if key in _HINTS else ""
    return f"unknown key {key!r} in {where}{hint}. Known keys: {known}"


def _clean_overrides(raw: Any, where: str) -> dict[str, Any]:
    """Validate one block of model settings (keys and values) and return the values to apply."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping of model settings, got {type(raw).__name__}")
    fields = _fields()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key not in fields:
            raise ConfigError(_where_key(where, key))
        if isinstance(value, str) and _nullable(key) and value.strip().lower() in ("", "none", "null"):
            value = None
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and _is_text(key):
            value = str(value)  # YAML reads `adapter_version: 1.0` as a number
        values[key] = value
    try:
        checked = ModelConfig.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid value in {where}: {problems}") from None
    return {k: getattr(checked, k) for k in values}


def validate_model_config(cfg: ModelConfig, specialty: str) -> ModelConfig:
    """Check that ``cfg`` can work for ``specialty`` (paths exist, required fields set)."""
    env_name = f"{ENV_PREFIX}{specialty.upper().replace('-', '_')}"
    if cfg.backend == "transformers":
        if not cfg.base_model:
            raise ConfigError(
                f"{specialty}: backend 'transformers' needs base_model, a local checkpoint directory "
                f"(specialties.{specialty}.base_model or {env_name}_BASE_MODEL)"
            )
        if not Path(cfg.base_model).expanduser().is_dir():
            raise ConfigError(
                f"{specialty}: base_model directory {cfg.base_model} does not exist; point it at a local "
                f"checkpoint (specialties.{specialty}.base_model or {env_name}_BASE_MODEL)"
            )
        if cfg.adapter and not Path(cfg.adapter).expanduser().is_dir():
            raise ConfigError(
                f"{specialty}: adapter directory {cfg.adapter} does not exist; the transformers backend takes "
                f"a local LoRA adapter directory (specialties.{specialty}.adapter or {env_name}_ADAPTER)"
            )
    elif cfg.backend == "openai":
        if not cfg.endpoint:
            raise ConfigError(
                f"{specialty}: backend 'openai' needs endpoint, the server's base URL "
                f"(specialties.{specialty}.endpoint or {env_name}_ENDPOINT)"
            )
        if not cfg.endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"{specialty}: endpoint {cfg.endpoint!r} must start with http:// or https://")
        if not (cfg.model_name or cfg.adapter):
            raise ConfigError(
                f"{specialty}: backend 'openai' needs model_name, the model's name on the server "
                f"(specialties.{specialty}.model_name or {env_name}_MODEL_NAME)"
            )
    return cfg


@dataclass(frozen=True)
class ExportSettings:
    """How reports are exported (``exports:`` in the site configuration)."""

    #: True: de-identified research exports (no identity, no dates, new UIDs per case, a pseudonym).
    #: False (default): exports for the originating system, with the patient and study.
    deidentify: bool = False

    @classmethod
    def from_sources(cls, raw: Any, env: Mapping[str, str], where: str) -> "ExportSettings":
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be a mapping such as {{deidentify: true}}, got {type(raw).__name__}")
        unknown = [str(k) for k in raw if k != "deidentify"]
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r} in {where}. Known keys: deidentify")
        value = raw.get("deidentify", False)
        if not isinstance(value, bool):
            raise ConfigError(f"{where}.deidentify must be true or false, got {value!r}")
        text = (env.get(DEIDENTIFY_ENV) or "").strip().lower()
        if text:
            if text not in _TRUE + _FALSE:
                raise ConfigError(f"{DEIDENTIFY_ENV} must be true or false, got {env[DEIDENTIFY_ENV]!r}")
            value = text in _TRUE
        return cls(deidentify=value)


def _env_key(specialty: str) -> str:
    return specialty.strip().lower().replace("-", "_")


@dataclass(frozen=True)
class Settings:
    """Validated site settings. Build with :func:`load_settings`."""

    defaults: dict[str, Any] = field(default_factory=dict)
    specialties: dict[str, dict[str, Any]] = field(default_factory=dict)
    env: dict[str, dict[str, Any]] = field(default_factory=dict)  # specialty (env spelling) -> values
    env_vars: dict[str, list[str]] = field(default_factory=dict)  # specialty (env spelling) -> variable names
    source: Path | None = None
    #: Adapter registry root (``adapter_registry:`` in the file; see :mod:`pixtralogist.finetune.registry`).
    adapter_registry: Path | None = None
    #: Where checkpoints, the case list and the guideline index live (:mod:`pixtralogist.core.storage`).
    storage: Any = None
    #: Identified (default) or de-identified research exports.
    exports: ExportSettings = field(default_factory=ExportSettings)
    #: The ``pacs:`` section as written (a mapping or None); :mod:`pixtralogist.pacs.settings` validates it.
    pacs: Any = None

    def _with_registry(self, cfg: ModelConfig, site: dict[str, Any], specialty: str) -> ModelConfig:
        """A transformers config without a site-set adapter gets the registry's active adapter, if any."""
        if self.adapter_registry is None or cfg.backend != "transformers" or "adapter" in site:
            return cfg
        active_adapter = _adapter_lookup()
        shared = getattr(self.storage, "database", None)  # the site's PostgreSQL keeps the records when set
        found = active_adapter(self.adapter_registry, specialty, database=shared)
        if found is None:
            return cfg
        return cfg.model_copy(update={"adapter": str(found[0]), "adapter_version": found[1]})

    def overrides_for(self, specialty: str) -> dict[str, Any]:
        """The site's values for ``specialty`` (defaults < file section < environment)."""
        out = dict(self.defaults)
        for name, values in self.specialties.items():
            if _env_key(name) == _env_key(specialty):
                out.update(values)
        out.update(self.env.get(_env_key(specialty), {}))
        return out

    def sources_for(self, specialty: str) -> list[str]:
        """Where the site's values for ``specialty`` come from (for ``pixtralogist models``)."""
        out = []
        if self.source and (self.defaults or any(_env_key(n) == _env_key(specialty) for n in self.specialties)):
            out.append(str(self.source))
        out += self.env_vars.get(_env_key(specialty), [])
        return out

    def model_for(self, specialty: str, plugin_default: ModelConfig | None = None) -> ModelConfig:
        """The model configuration in force for ``specialty``: site settings over ``plugin_default``.

        Raises :class:`ConfigError` when the result cannot work (missing
        directories, missing endpoint, ...).
        """
        base = plugin_default if plugin_default is not None else ModelConfig()
        site = self.overrides_for(specialty)
        if not site:
            return validate_model_config(self._with_registry(base, site, specialty), specialty)
        inherited = base.model_dump()
        if "backend" in site and site["backend"] != base.backend:
            for name in LOCATION_FIELDS:
                inherited.pop(name, None)
        try:
            merged = ModelConfig.model_validate({**inherited, **site})
        except ValidationError as exc:  # pragma: no cover - values were validated one by one
            raise ConfigError(f"{specialty}: invalid model settings: {exc}") from None
        return validate_model_config(self._with_registry(merged, site, specialty), specialty)

    def configured_specialties(self) -> list[str]:
        """Specialties named in the file or the environment (env spelling for env-only ones)."""
        names = list(self.specialties)
        seen = {_env_key(n) for n in names}
        names += [n for n in self.env if n not in seen]
        return names


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    home = Path(env.get(HOME_ENV) or Path.home() / ".pixtralogist").expanduser()
    return home / "config.yaml"


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping with 'defaults' and/or 'specialties', got {type(data).__name__}")
    return data


def _from_env(env: Mapping[str, str]) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    fields = sorted(_fields(), key=len, reverse=True)  # ADAPTER_VERSION before ADAPTER
    values: dict[str, dict[str, Any]] = {}
    names: dict[str, list[str]] = {}
    for var in sorted(env):
        if not var.startswith(ENV_PREFIX):
            continue
        rest = var[len(ENV_PREFIX):]
        for name in fields:
            suffix = "_" + name.upper()
            if rest.endswith(suffix) and len(rest) > len(suffix):
                specialty = rest[: -len(suffix)].lower()
                one = _clean_overrides({name: env[var]}, f"environment variable {var}")
                values.setdefault(specialty, {}).update(one)
                names.setdefault(specialty, []).append(var)
                break
    return values, names


#: Entry-point group naming the function that reads an adapter registry's active version
#: (``pixtralogist.persistence.adapters:active_adapter``): the records are a store, above core.
ADAPTER_LOOKUP_GROUP = "pixtralogist.adapter_lookup"


def _adapter_lookup():
    """``active_adapter(root, specialty, *, database=None) -> (path, version) | None``, found by entry point."""
    from importlib.metadata import entry_points

    found = entry_points(group=ADAPTER_LOOKUP_GROUP, name="registry")
    if not found:
        raise ConfigError(f"no adapter-registry reader is registered under {ADAPTER_LOOKUP_GROUP!r}; "
                          "reinstall pixtralogist (pip install -e .)")
    return next(iter(found)).load()


def load_settings(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the site configuration (see the module docstring).

    :param path: the YAML file (must exist); default: ``PIXTRALOGIST_CONFIG``,
        then ``$PIXTRALOGIST_HOME/config.yaml`` if present.
    :param env: the environment to read (default ``os.environ``).
    """
    env = os.environ if env is None else env
    source: Path | None = None
    if path is not None:
        source = Path(path).expanduser()
        if not source.is_file():
            raise ConfigError(f"configuration file {source} does not exist")
    elif env.get(CONFIG_ENV):
        source = Path(env[CONFIG_ENV]).expanduser()
        if not source.is_file():
            raise ConfigError(f"{CONFIG_ENV} names {source}, which does not exist")
    else:
        candidate = default_config_path(env)
        if candidate.is_file():
            source = candidate

    data = _read_yaml(source) if source is not None else {}
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(
                f"unknown key {key!r} at the top of {source}; expected {', '.join(TOP_LEVEL_KEYS)} "
                "(model settings go under 'defaults' or 'specialties.<name>')"
            )
    defaults = _clean_overrides(data.get("defaults"), f"{source}: defaults")
    raw_specs = data.get("specialties") or {}
    if not isinstance(raw_specs, Mapping):
        raise ConfigError(f"{source}: 'specialties' must map specialty names to model settings")
    specialties = {
        str(name).strip().lower(): _clean_overrides(block, f"{source}: specialties.{name}")
        for name, block in raw_specs.items()
    }
    env_values, env_vars = _from_env(env)
    registry = data.get("adapter_registry")
    if registry is not None:
        if not isinstance(registry, str) or not registry.strip():
            raise ConfigError(f"{source}: 'adapter_registry' must be a directory path")
        registry = (source.parent / Path(registry).expanduser()) if source is not None else Path(registry)
        if not registry.is_dir():
            raise ConfigError(f"{source}: adapter_registry {registry} does not exist; point it at the folder "
                              "holding <specialty>/<version>/ adapters (see `pixtralogist finetune list`)")
    from pixtralogist.core.storage import StorageSettings

    storage = StorageSettings.from_sources(data.get("storage"), env, where=f"{source}: storage")
    exports = ExportSettings.from_sources(data.get("exports"), env, where=f"{source}: exports")
    settings = Settings(defaults=defaults, specialties=specialties, env=env_values, env_vars=env_vars, source=source,
                        adapter_registry=registry, storage=storage, exports=exports,
                        pacs=data.get("pacs"))
    # Fail early where the site names a backend together with its location (a missing directory,
    # a bad URL); incomplete sections are completed by the plugin default and checked in model_for.
    for name in settings.configured_specialties():
        site = settings.overrides_for(name)
        complete = (site.get("backend") == "transformers" and site.get("base_model")) or (
            site.get("backend") == "openai" and site.get("endpoint") and (site.get("model_name") or site.get("adapter"))
        )
        if complete:
            validate_model_config(ModelConfig.model_validate(site), name)
    return settings
