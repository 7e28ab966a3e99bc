"""Fine-tuning configuration: one dataclass per trainer, every field documented and validated.

:class:`TrainConfig` drives supervised LoRA/QLoRA training
(:func:`pixtralogist.finetune.train.train`), :class:`DPOTrainConfig` drives
preference optimisation (:func:`pixtralogist.finetune.dpo.train_dpo`). Each
field's ``metadata["help"]`` is its documentation (``pixtralogist finetune
train --help`` and ``docs/finetune.md`` show it). Validation happens in
``__post_init__``: a bad value is a :class:`~pixtralogist.core.errors.ConfigError`
naming the field and saying how to fix it.

A YAML file fills the same fields (:func:`load_yaml_config`); an unknown key is
an error (typos must not be silently ignored), and command-line values given
explicitly override the file:

.. code-block:: yaml

    # radiology-lora.yaml
    plugin: radiology
    base_model: /models/llava-v1.6-mistral-7b-hf
    data: /data/cxr-quiz            # annotation.json + images/
    out: adapters/radiology/2026.11
    quantization: 4bit              # QLoRA (CUDA)
    lora_r: 16
    learning_rate: 1.0e-4
    num_epochs: 2
    gradient_checkpointing: true
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, TypeVar

from pixtralogist.core.errors import ConfigError

__all__ = [
    "DEFAULT_TARGET_MODULES",
    "DPOTrainConfig",
    "TrainConfig",
    "config_help",
    "load_yaml_config",
]

#: LoRA targets: the attention and MLP projections of the LANGUAGE model only. The regex is
#: matched against the full module path, so the vision tower's q/k/v projections are not hit.
DEFAULT_TARGET_MODULES = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"

_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def _help(text: str, **kw: Any) -> Any:
    """A dataclass field with its documentation in ``metadata['help']``."""
    return field(metadata={"help": " ".join(text.split())}, **kw)


def _fail(name: str, message: str) -> None:
    raise ConfigError(f"invalid fine-tuning setting {name!r}: {message}")


def _positive(cfg: Any, *names: str, allow_zero: bool = False) -> None:
    for name in names:
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            _fail(name, f"expected a number, got {value!r}")
        if value < 0 or (value == 0 and not allow_zero):
            _fail(name, f"must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")


def _integers(cfg: Any, *names: str) -> None:
    for name in names:
        value = getattr(cfg, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            _fail(name, f"expected a whole number, got {value!r}")


def _feedback_or_none(cfg: Any) -> None:
    """``feedback_db``: a SQLite file (a path) or the site's ``postgresql://`` URL (kept as given)."""
    from pixtralogist.persistence.feedback import feedback_location

    if cfg.feedback_db is not None and not isinstance(cfg.feedback_db, (str, Path)):
        _fail("feedback_db", f"expected a path or a postgresql:// URL, got {type(cfg.feedback_db).__name__}")
    cfg.feedback_db = feedback_location(cfg.feedback_db)


def _path_or_none(cfg: Any, *names: str) -> None:
    for name in names:
        value = getattr(cfg, name)
        if value is not None and not isinstance(value, (str, Path)):
            _fail(name, f"expected a path, got {type(value).__name__}")
        if isinstance(value, str):
            setattr(cfg, name, Path(value).expanduser())


def _choice(cfg: Any, name: str, choices: tuple) -> None:
    value = getattr(cfg, name)
    if value not in choices:
        _fail(name, f"must be one of {', '.join(map(repr, choices))}, got {value!r}")


@dataclass
class _Common:
    """Fields shared by the SFT and the DPO trainer."""

    plugin: str = _help("The plugin (specialty) the adapter is for, e.g. 'radiology'; names the template "
                        "and the registry folder adapters/<plugin>/.", default="radiology")
    base_model: Path | None = _help("Local directory of the base vision-language checkpoint (config, weights, "
                                    "processor). Required. Nothing is downloaded.", default=None)
    out: Path | None = _help("Output directory of this adapter version, e.g. adapters/radiology/2026.11 "
                             "(adapter weights, metadata.json, loss curve, checkpoints/). Required.", default=None)
    template_id: str | None = _help("Template whose regions the adapter drafts (default: the plugin's first "
                                    "template, 'cxr' for radiology).", default=None)
    version: str | None = _help("Version label stored in metadata.json (default: the name of 'out').", default=None)
    intended_use: str = _help(
        "Intended use written to metadata.json.",
        default="Drafting assistance only: AI-generated drafts that a qualified clinician reviews, edits and "
                "signs. Not for diagnostic use without clinician review.",
    )
    quantization: Literal["4bit"] | None = _help(
        "'4bit' loads the base in NF4 through bitsandbytes (QLoRA; meant for CUDA GPUs, the vision tower, "
        "projector and lm_head stay unquantized); none trains on the full-precision base.", default=None)
    device: str = _help("'auto' (CUDA when available, else CPU), 'cpu', 'cuda' or 'cuda:N'. Under "
                        "`accelerate launch` the launcher decides.", default="auto")
    lora_r: int = _help("LoRA rank.", default=16)
    lora_alpha: int = _help("LoRA scaling numerator (scale = alpha / r).", default=32)
    lora_dropout: float = _help("Dropout on the LoRA input (0 <= p < 1).", default=0.05)
    target_modules: str | list[str] = _help(
        "LoRA target modules: a regex matched against full module paths, or a list of module-name suffixes. "
        "The default restricts LoRA to the language model (the vision tower is not adapted).",
        default=DEFAULT_TARGET_MODULES)
    learning_rate: float = _help("Peak learning rate (AdamW).", default=1e-4)
    weight_decay: float = _help("AdamW weight decay.", default=0.0)
    batch_size: int = _help("Examples per device per micro-batch.", default=1)
    grad_accum: int = _help("Micro-batches accumulated per optimizer step.", default=1)
    max_steps: int | None = _help("Stop after this many optimizer steps (default: run num_epochs).", default=None)
    max_length: int = _help("Maximum tokens per example (prompt + image tokens + answer). The answer is cut "
                            "to fit; an example whose prompt alone is longer is skipped.", default=4096)
    gradient_checkpointing: bool = _help("Recompute activations in the backward pass (less memory, slower).",
                                         default=False)
    seed: int = _help("Random seed (LoRA init, data order, dropout).", default=0)
    progress: bool = _help("Show tqdm progress bars.", default=True)

    def _validate_common(self) -> None:
        if not isinstance(self.plugin, str) or not re.match(r"^[a-z][a-z0-9_-]*$", self.plugin or ""):
            _fail("plugin", f"expected a plugin/specialty name such as 'radiology', got {self.plugin!r}")
        _path_or_none(self, "base_model", "out")
        if self.base_model is None:
            _fail("base_model", "required: the local directory of the base checkpoint (--base or base_model:)")
        if self.out is None:
            _fail("out", "required: the adapter version directory to write, e.g. adapters/radiology/<version>")
        if self.version is None:
            self.version = self.out.name
        if not _VERSION_RE.match(str(self.version)):
            _fail("version", f"use letters, digits and . _ + - only, got {self.version!r}")
        if self.quantization in ("none", "", "null"):
            self.quantization = None
        _choice(self, "quantization", (None, "4bit"))
        if not isinstance(self.device, str) or not re.match(r"^(auto|cpu|cuda(:\d+)?)$", self.device):
            _fail("device", f"use 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}")
        if self.quantization and self.device == "cpu":
            _fail("quantization", "QLoRA (4bit) needs a CUDA GPU; use device 'auto'/'cuda' or quantization none")
        _integers(self, "lora_r", "lora_alpha", "batch_size", "grad_accum", "max_steps", "max_length", "seed")
        _positive(self, "lora_r", "lora_alpha", "learning_rate", "batch_size", "grad_accum", "max_length")
        _positive(self, "weight_decay", "lora_dropout", allow_zero=True)
        if self.lora_dropout >= 1:
            _fail("lora_dropout", f"must be < 1, got {self.lora_dropout}")
        if self.max_steps is not None and self.max_steps <= 0:
            _fail("max_steps", f"must be > 0 (or omitted to run num_epochs), got {self.max_steps}")
        if isinstance(self.target_modules, str):
            try:
                re.compile(self.target_modules)
            except re.error as exc:
                _fail("target_modules", f"not a valid regex: {exc}")
        elif not (isinstance(self.target_modules, list) and self.target_modules
                  and all(isinstance(t, str) and t for t in self.target_modules)):
            _fail("target_modules", "expected a regex string or a non-empty list of module names")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (paths as strings), for metadata.json."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = str(v) if isinstance(v, Path) else v
        return out


@dataclass
class TrainConfig(_Common):
    """Supervised LoRA / QLoRA fine-tuning on region-organised reports (see the module docstring)."""

    data: Path | None = _help(
        "Data directory: the quiz layout (annotation.json with train/val/test + images/<patient>/<n>.png, as "
        "written by `pixtralogist data iu-xray`) and/or sft.jsonl written by `pixtralogist finetune data`.",
        default=None)
    feedback_db: Path | str | None = _help(
        "Optional feedback store (a SQLite file or a postgresql:// URL) whose signed reports are added as supervised pairs; each case goes "
        "to train/val/test deterministically by its id.", default=None)
    train_split: str = _help("Split used for training.", default="train")
    eval_split: str | None = _help("Split used for the validation loss (none to skip it).", default="val")
    missing_images: Literal["skip", "error"] = _help(
        "What to do with an entry whose image files are missing (e.g. IU X-Ray text without the image "
        "folder): 'skip' it (counted in the summary) or stop with an 'error'.", default="skip")
    max_train_samples: int | None = _help("Use at most this many training examples (quick runs).", default=None)
    max_eval_samples: int | None = _help("Use at most this many validation examples.", default=64)
    num_epochs: float = _help("Passes over the training data (when max_steps is not set).", default=1.0)
    warmup_steps: int = _help("Linear learning-rate warm-up steps (then linear decay to 0).", default=0)
    max_grad_norm: float = _help("Gradient clipping norm (0 disables clipping).", default=1.0)
    train_projector: bool = _help("Also train the multimodal projector (saved in full with the adapter).",
                                  default=False)
    encoded_cache_mb: int = _help(
        "Keep encoded examples (tokens and image tensors) in memory up to this many MiB, so that later "
        "epochs skip image ingestion and tokenisation; 0 re-encodes every time.", default=1024)
    save_every: int = _help("Write a resumable checkpoint every N optimizer steps (0: only at the end).",
                            default=50)
    keep_checkpoints: int = _help("How many checkpoints to keep (oldest are deleted).", default=2)
    eval_every: int = _help("Compute the validation loss every N steps (0: only at the end).", default=0)
    log_every: int = _help("Record the training loss every N steps (the loss curve).", default=1)
    resume: bool | Path = _help(
        "Resume from the latest checkpoint in out/checkpoints (true) or from a given checkpoint directory.",
        default=False)

    def __post_init__(self) -> None:
        self._validate_common()
        _path_or_none(self, "data")
        _feedback_or_none(self)
        if self.data is None and self.feedback_db is None:
            _fail("data", "give a data directory (--data) and/or a feedback store (--feedback-db)")
        _choice(self, "missing_images", ("skip", "error"))
        _integers(self, "max_train_samples", "max_eval_samples", "warmup_steps", "save_every", "encoded_cache_mb",
                  "keep_checkpoints", "eval_every", "log_every")
        _positive(self, "num_epochs", "log_every", "keep_checkpoints")
        _positive(self, "warmup_steps", "save_every", "eval_every", "max_grad_norm", "encoded_cache_mb",
                  allow_zero=True)
        for name in ("max_train_samples", "max_eval_samples"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                _fail(name, "must be > 0 (or omitted)")
        for name in ("train_split", "eval_split"):
            value = getattr(self, name)
            if value is not None and value not in ("train", "val", "test"):
                _fail(name, f"must be 'train', 'val' or 'test', got {value!r}")
        if isinstance(self.resume, str):
            self.resume = Path(self.resume).expanduser()
        if not isinstance(self.resume, (bool, Path)):
            _fail("resume", f"expected true/false or a checkpoint directory, got {self.resume!r}")


@dataclass
class DPOTrainConfig(_Common):
    """Direct preference optimisation (TRL ``DPOTrainer``) on the feedback store's preference pairs.

    Each pair is one region the clinician changed: the chosen answer is the AI
    draft's JSON with that region replaced by the signed text, the rejected
    answer is the AI draft's JSON, after the same drafting prompt.
    """

    feedback_db: Path | str | None = _help("The feedback store (a SQLite file or a postgresql:// URL) with signed "
                                           "reports. Required unless "
                                     "'pairs' is given.", default=None)
    pairs: Path | None = _help("preference.jsonl written by `pixtralogist finetune data` (instead of the "
                               "store; images under its images/ folder).", default=None)
    adapter: Path | None = _help("Start from this SFT adapter (its copy is the DPO reference); default: a fresh "
                                 "LoRA on the base (the base is the reference).", default=None)
    with_images: bool = _help("Give the study images to the model (vision DPO); false trains on the text "
                              "prompt only.", default=True)
    beta: float = _help("DPO beta: how far the policy may move from the reference.", default=0.1)
    learning_rate: float = _help("Peak learning rate.", default=5e-6)
    max_steps: int | None = _help("Optimizer steps (default: one epoch).", default=None)
    num_epochs: float = _help("Passes over the pairs (when max_steps is not set).", default=1.0)
    max_length: int = _help("Maximum tokens of prompt + answer.", default=4096)

    def __post_init__(self) -> None:
        self._validate_common()
        _path_or_none(self, "pairs", "adapter")
        _feedback_or_none(self)
        if self.feedback_db is None and self.pairs is None:
            _fail("feedback_db", "give the feedback store (--feedback-db) or an exported preference.jsonl (--pairs)")
        _positive(self, "beta", "num_epochs")


C = TypeVar("C", TrainConfig, DPOTrainConfig)


def config_help(cls: type) -> dict[str, str]:
    """``{field: help}`` for a config class (used by the CLI and the docs)."""
    return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}


def load_yaml_config(cls: type[C], path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> C:
    """Build ``cls`` from a YAML file plus ``overrides`` (which win); validates everything.

    Unknown keys are errors that list the known ones. Relative paths in the
    file stay relative to the working directory (like the CLI's).
    """
    values: dict[str, Any] = {}
    if path is not None:
        import yaml

        p = Path(path).expanduser()
        if not p.is_file():
            raise ConfigError(f"fine-tuning configuration file {p} does not exist")
        try:
            data = yaml.safe_load(p.read_text("utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{p} is not valid YAML: {exc}") from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{p} must hold a mapping of settings, got {type(data).__name__}")
        values.update(data)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = {f.name for f in dataclasses.fields(cls)}
    for key in values:
        if key not in known:
            where = f"in {path}" if path is not None else "in the settings"
            raise ConfigError(f"unknown fine-tuning setting {key!r} {where}. Known settings: {', '.join(sorted(known))}")
    try:
        return cls(**values)
    except TypeError as exc:  # pragma: no cover - keys were checked above
        raise ConfigError(str(exc)) from None
