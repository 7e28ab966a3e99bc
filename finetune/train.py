"""Supervised LoRA / QLoRA fine-tuning of a vision-language model on region-organised reports.

:func:`train` runs one :class:`~pixtralogist.finetune.config.TrainConfig`:

1. examples from the quiz layout / the feedback store
   (:func:`pixtralogist.finetune.data.load_examples`), encoded exactly as the
   transformers backend builds its inputs at inference, labels only on the
   answer (:class:`~pixtralogist.finetune.data.Encoder`);
2. the base checkpoint from a local directory (``AutoModelForImageTextToText``),
   in NF4 through bitsandbytes for QLoRA (vision tower, projector and
   ``lm_head`` kept unquantized), LoRA through peft on the language model only
   (``target_modules`` is a module-path regex), the projector optionally trained
   in full (``modules_to_save``), gradient checkpointing optional;
3. an ``accelerate.Accelerator`` loop (single CPU/GPU, or several GPUs under
   ``accelerate launch``): AdamW, linear warm-up/decay, gradient accumulation
   and clipping, tqdm progress, the training loss every ``log_every`` steps, the
   validation loss every ``eval_every`` steps and at the end;
4. resumable checkpoints in ``out/checkpoints/step-NNNNNN/`` (adapter weights,
   optimizer, scheduler, RNG states, data position); ``resume`` continues
   from the latest one and gives the same result as an uninterrupted run;
5. at the end: the adapter in ``out/`` (``adapter_config.json``,
   ``adapter_model.safetensors``: loadable by the transformers backend by
   path), ``metadata.json`` (:func:`pixtralogist.finetune.registry.write_metadata`),
   ``training_log.json`` and ``loss_curve.png``.

:class:`ValidationLossScorer` is a ``score(adapter_dir, split) -> float``
for the registry's gate (minus the answer-token loss on a split).

Heavy libraries (torch, transformers, peft, accelerate) are imported inside
the functions.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from pixtralogist.core.errors import ConfigError, DataError
from pixtralogist.finetune.config import TrainConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.core.models import Template
    from pixtralogist.finetune.data import Encoder, Example

log = logging.getLogger(__name__)

__all__ = [
    "CHECKPOINT_DIR",
    "TrainResult",
    "ValidationLossScorer",
    "build_model",
    "latest_checkpoint",
    "lora_config",
    "plot_loss",
    "resolve_template",
    "train",
]

CHECKPOINT_DIR = "checkpoints"
LOG_FILE = "training_log.json"
PLOT_FILE = "loss_curve.png"


@dataclass
class TrainResult:
    """What :func:`train` did."""

    out: Path
    steps: int
    losses: list[tuple[int, float]]
    metrics: dict[str, float]
    data: dict[str, int]
    resumed_from: Path | None = None
    seconds: float = 0.0
    step_seconds: list[float] = field(default_factory=list)
    step_cpu_seconds: list[float] = field(default_factory=list)  # process CPU time (robust to a busy machine)


# --- pieces -----------------------------------------------------------------------------


def resolve_template(plugin: str, template_id: str | None = None) -> "Template":
    """The template to train for: ``template_id``, else the plugin's first template."""
    from pixtralogist.core.plugins import get_plugin_manager

    host = get_plugin_manager()
    if template_id:
        template = host.template(template_id)
        if template.specialty != plugin:
            raise ConfigError(f"template {template_id!r} belongs to {template.specialty!r}, not {plugin!r}")
        return template
    templates = host.templates(plugin)
    if not templates:
        raise ConfigError(f"no installed plugin provides templates for {plugin!r}; check `pixtralogist plugins`")
    return templates[0]


def lora_config(cfg):
    """The peft ``LoraConfig`` for a config (language model only; projector in full if asked)."""
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.target_modules,
        bias="none",
        modules_to_save=["multi_modal_projector"] if getattr(cfg, "train_projector", False) else None,
    )


def _device_and_dtype(cfg, accelerator):
    import torch

    device = accelerator.device
    if device.type == "cuda":
        return device, (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    return device, torch.float32


def build_model(cfg, device, dtype):
    """Load the base (NF4 for QLoRA) and its processor as the transformers backend would."""
    from transformers import AutoModelForImageTextToText

    from pixtralogist.core.backends.transformers_backend import QUANT_SKIP_MODULES, _load_processor

    base = Path(cfg.base_model)
    if not (base / "config.json").is_file():
        raise ConfigError(f"base_model {base} is not a local transformers checkpoint (no config.json)")
    kwargs: dict[str, Any] = {"local_files_only": True, "dtype": dtype}
    if cfg.quantization == "4bit":
        try:
            import bitsandbytes  # noqa: F401
            from transformers import BitsAndBytesConfig
        except Exception as exc:
            raise ConfigError(f"QLoRA needs bitsandbytes ({type(exc).__name__}: {exc}); install the 'gpu' extra") from exc
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=dtype,
            bnb_4bit_use_double_quant=True, llm_int8_skip_modules=list(QUANT_SKIP_MODULES),
        )
        kwargs["device_map"] = {"": device}
    model = AutoModelForImageTextToText.from_pretrained(str(base), **kwargs)
    if cfg.quantization is None:
        model = model.to(device)
    processor = _load_processor(base, model)
    return model, processor


def _wrap_lora(model, cfg, seed: int):
    import torch
    from peft import get_peft_model

    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    torch.manual_seed(seed)
    peft_model = get_peft_model(model, lora_config(cfg))
    vision_hits = [n for n, _ in peft_model.named_modules() if "lora_A" in n and ("vision" in n)]
    if vision_hits:
        raise ConfigError(f"target_modules {cfg.target_modules!r} also adapts the vision tower "
                          f"({vision_hits[0]}); restrict it to the language model by module path")
    return peft_model


def latest_checkpoint(out: str | Path) -> Path | None:
    """The newest ``out/checkpoints/step-*`` with a complete state, or ``None``."""
    root = Path(out) / CHECKPOINT_DIR
    if not root.is_dir():
        return None
    done = [d for d in root.glob("step-*") if (d / "state.json").is_file()]
    return max(done, key=lambda d: int(d.name.split("-")[1])) if done else None


class _ListSampler:
    """Yields a fixed list of indices (one epoch's seeded order)."""

    def __init__(self, order: Sequence[int]) -> None:
        self.order = list(order)

    def __iter__(self) -> Iterator[int]:
        return iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


class _EncodedDataset:
    """Examples encoded lazily (images ingested and tokenized when a batch first needs them) and
    kept, up to ``cache_mb`` MiB of tensors, for the following epochs."""

    def __init__(self, examples: list["Example"], encoder: "Encoder", cache_mb: int = 0) -> None:
        self.examples = examples
        self.encoder = encoder
        self._budget = cache_mb * 1024 * 1024
        self._cache: dict[int, dict] = {}
        self._cached_bytes = 0

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict:
        hit = self._cache.get(i)
        if hit is not None:
            return hit
        item = self.encoder.encode(self.examples[i])
        size = sum(v.numel() * v.element_size() for v in item.values() if hasattr(v, "element_size"))
        if self._cached_bytes + size <= self._budget:
            self._cache[i] = item
            self._cached_bytes += size
        return item


def _epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    order = list(range(n))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return order


def _loader(dataset, order, cfg, pad_id):
    from functools import partial

    from torch.utils.data import DataLoader

    from pixtralogist.finetune.data import collate

    return DataLoader(dataset, batch_size=cfg.batch_size, sampler=_ListSampler(order),
                      collate_fn=partial(collate, pad_token_id=pad_id), num_workers=0)


def _to_model(batch: dict, dtype) -> dict:
    """Floating tensors (pixel values) in the model's dtype; accelerate already placed them."""
    return {k: (v.to(dtype) if hasattr(v, "is_floating_point") and v.is_floating_point() else v) for k, v in batch.items()}


def evaluate_loss(model, dataset, cfg, pad_id, accelerator, dtype) -> float:
    """Mean loss per answer token over ``dataset`` (no gradient)."""
    import torch

    loader = accelerator.prepare_data_loader(_loader(dataset, range(len(dataset)), cfg, pad_id))
    was_training = model.training
    model.eval()
    total = torch.zeros(2, device=accelerator.device, dtype=torch.float64)
    with torch.no_grad():
        for batch in loader:
            batch = _to_model(batch, dtype)
            labels = batch["labels"]
            n_tokens = (labels[:, 1:] != -100).sum()
            with accelerator.autocast():
                loss = model(**batch).loss
            total += torch.stack([loss.double() * n_tokens, n_tokens.double()])
    total = accelerator.reduce(total, reduction="sum")
    if was_training:
        model.train()
    return float(total[0] / total[1]) if total[1] > 0 else float("nan")


def plot_loss(losses: list[tuple[int, float]], out_png: str | Path, val: list[tuple[int, float]] | None = None,
              title: str = "training loss") -> Path:
    """Write the loss curve (matplotlib, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    if losses:
        ax.plot([s for s, _ in losses], [v for _, v in losses], label="train", linewidth=1.2)
    if val:
        ax.plot([s for s, _ in val], [v for _, v in val], "o-", label="validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (answer tokens)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out_png = Path(out_png)
    fig.savefig(out_png)
    plt.close(fig)
    return out_png


def _rng_state() -> dict:
    import torch

    state = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import torch

    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _save_checkpoint(out: Path, step: int, unwrapped, optimizer, scheduler, state: dict, keep: int) -> Path:
    import torch

    root = out / CHECKPOINT_DIR
    ckpt = root / f"step-{step:06d}"
    tmp = root / f".tmp-step-{step:06d}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    unwrapped.save_pretrained(tmp / "adapter")
    torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
    torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
    torch.save(_rng_state(), tmp / "rng.pt")
    (tmp / "state.json").write_text(json.dumps(state, indent=1), "utf-8")  # written last: marks it complete
    if ckpt.exists():
        shutil.rmtree(ckpt)
    tmp.rename(ckpt)
    done = sorted((d for d in root.glob("step-*") if d.is_dir()), key=lambda d: int(d.name.split("-")[1]))
    for old in done[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return ckpt


def _load_adapter_weights(peft_model, adapter_dir: Path) -> None:
    from peft.utils import set_peft_model_state_dict

    st = adapter_dir / "adapter_model.safetensors"
    if st.is_file():
        from safetensors.torch import load_file

        weights = load_file(str(st))
    else:
        import torch

        weights = torch.load(adapter_dir / "adapter_model.bin", map_location="cpu")
    result = set_peft_model_state_dict(peft_model, weights)
    unexpected = getattr(result, "unexpected_keys", None)
    if unexpected:
        raise ConfigError(f"checkpoint {adapter_dir} does not match this LoRA configuration "
                          f"(unexpected keys such as {unexpected[0]}); resume with the same settings")


def _split(examples: list["Example"], split: str | None, limit: int | None) -> list["Example"]:
    if split is None:
        return []
    chosen = [e for e in examples if e.split == split]
    return chosen[:limit] if limit else chosen


# --- the trainer -----------------------------------------------------------------------


def train(cfg: TrainConfig, *, accelerator=None) -> TrainResult:
    """Run supervised fine-tuning for ``cfg`` (see the module docstring). Returns a :class:`TrainResult`."""
    import torch
    from accelerate import Accelerator
    from tqdm.auto import tqdm

    from pixtralogist.finetune.data import Encoder, fingerprint, load_examples
    from pixtralogist.finetune.registry import write_metadata

    t_start = time.perf_counter()
    if accelerator is None:
        cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
        bf16 = not cpu and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        accelerator = Accelerator(gradient_accumulation_steps=cfg.grad_accum, cpu=cpu,
                                  mixed_precision="bf16" if bf16 else "no")
    out = Path(cfg.out)
    template = resolve_template(cfg.plugin, cfg.template_id)

    stats: dict[str, int] = {}
    examples = load_examples(cfg, stats)
    train_ex = _split(examples, cfg.train_split, cfg.max_train_samples)
    eval_ex = _split(examples, cfg.eval_split, cfg.max_eval_samples)
    if not train_ex:
        raise DataError(f"no usable {cfg.train_split!r} examples in {cfg.data or cfg.feedback_db} "
                        f"({stats.get('skipped_missing_images', 0)} skipped for missing images)")
    data_info = {"train": len(train_ex), "eval": len(eval_ex), **stats}

    resume_from: Path | None = None
    if cfg.resume:
        resume_from = latest_checkpoint(out) if cfg.resume is True else Path(cfg.resume)
        if resume_from is None or not (resume_from / "state.json").is_file():
            raise ConfigError(f"resume was asked but there is no complete checkpoint in "
                              f"{resume_from or out / CHECKPOINT_DIR}")
    elif accelerator.is_main_process and out.exists() and (out / "adapter_config.json").exists():
        raise ConfigError(f"{out} already holds an adapter; choose a new version directory or set resume")

    device, dtype = _device_and_dtype(cfg, accelerator)
    model, processor = build_model(cfg, device, dtype)
    model = _wrap_lora(model, cfg, cfg.seed)
    if resume_from is not None:
        _load_adapter_weights(model, resume_from / "adapter")
    model.train()

    encoder = Encoder(processor, template, max_length=cfg.max_length, base_path=cfg.base_model)
    train_ds = _EncodedDataset(train_ex, encoder, cfg.encoded_cache_mb)
    eval_ds = _EncodedDataset(eval_ex, encoder, cfg.encoded_cache_mb)

    per_step = cfg.batch_size * accelerator.num_processes * cfg.grad_accum
    steps_per_epoch = max(1, math.ceil(len(train_ex) / per_step))
    total_steps = cfg.max_steps or max(1, math.ceil(steps_per_epoch * cfg.num_epochs))

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    def lr_lambda(step: int) -> float:
        if cfg.warmup_steps and step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        return max(0.0, (total_steps - step) / max(1, total_steps - cfg.warmup_steps))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    state: dict[str, Any] = {"step": 0, "epoch": 0, "micro": 0, "losses": [], "val": []}
    if resume_from is not None:
        optimizer.load_state_dict(torch.load(resume_from / "optimizer.pt", map_location="cpu", weights_only=False))
        scheduler.load_state_dict(torch.load(resume_from / "scheduler.pt", weights_only=False))
        state = json.loads((resume_from / "state.json").read_text("utf-8"))
        _set_rng_state(torch.load(resume_from / "rng.pt", weights_only=False))
        if accelerator.is_main_process:
            log.info("resuming from %s (step %d)", resume_from, state["step"])
    else:
        torch.manual_seed(cfg.seed)
        random.seed(cfg.seed)

    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    unwrapped = accelerator.unwrap_model(model)
    pad_id = encoder.pad_token_id

    bar = tqdm(total=total_steps, initial=state["step"], desc=f"finetune {cfg.plugin} {cfg.version}",
               disable=not (cfg.progress and accelerator.is_local_main_process), unit="step")
    step_seconds: list[float] = []
    step_cpu: list[float] = []
    window: list[float] = []
    t_step, c_step = time.perf_counter(), time.process_time()
    while state["step"] < total_steps:
        order = _epoch_order(len(train_ds), cfg.seed, state["epoch"])
        loader = accelerator.prepare_data_loader(_loader(train_ds, order, cfg, pad_id))
        if state["micro"]:
            loader = accelerator.skip_first_batches(loader, state["micro"])
        for batch in loader:
            batch = _to_model(batch, dtype)
            with accelerator.accumulate(model):
                with accelerator.autocast():
                    loss = model(**batch).loss
                accelerator.backward(loss)
                if accelerator.sync_gradients and cfg.max_grad_norm:
                    accelerator.clip_grad_norm_(params, cfg.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
            state["micro"] += 1
            window.append(float(accelerator.gather(loss.detach().float().reshape(1)).mean()))
            if not accelerator.sync_gradients:
                continue
            state["step"] += 1
            now = time.perf_counter()
            step_seconds.append(now - t_step)
            step_cpu.append(time.process_time() - c_step)
            step_loss = sum(window) / len(window)
            window.clear()
            if not math.isfinite(step_loss):
                raise DataError(f"the training loss became {step_loss} at step {state['step']}; "
                                "lower learning_rate or check the data")
            if state["step"] % cfg.log_every == 0 or state["step"] == total_steps:
                state["losses"].append([state["step"], step_loss])
            bar.update(1)
            bar.set_postfix(loss=f"{step_loss:.4f}")
            if cfg.eval_every and eval_ex and state["step"] % cfg.eval_every == 0 and state["step"] < total_steps:
                state["val"].append([state["step"], evaluate_loss(model, eval_ds, cfg, pad_id, accelerator, dtype)])
            if cfg.save_every and state["step"] % cfg.save_every == 0 and state["step"] < total_steps:
                accelerator.wait_for_everyone()
                if accelerator.is_main_process:
                    _save_checkpoint(out, state["step"], unwrapped, optimizer, scheduler, state, cfg.keep_checkpoints)
            t_step, c_step = time.perf_counter(), time.process_time()
            if state["step"] >= total_steps:
                break
        else:  # the epoch ran out
            state["epoch"] += 1
            state["micro"] = 0
            continue
        break
    bar.close()

    metrics: dict[str, float] = {"steps": state["step"]}
    if state["losses"]:
        tail = [v for _, v in state["losses"][-max(1, min(5, len(state["losses"]))):]]
        metrics["train_loss_first"] = state["losses"][0][1]
        metrics["train_loss_last"] = sum(tail) / len(tail)
    if eval_ex:
        val_loss = evaluate_loss(model, eval_ds, cfg, pad_id, accelerator, dtype)
        state["val"].append([state["step"], val_loss])
        metrics["val_loss"] = val_loss
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        unwrapped.save_pretrained(out)
        (out / LOG_FILE).write_text(json.dumps({"losses": state["losses"], "val": state["val"], "data": data_info,
                                                "step_seconds": step_seconds}, indent=1), "utf-8")
        plot_loss([tuple(x) for x in state["losses"]], out / PLOT_FILE, [tuple(x) for x in state["val"]],
                  title=f"{cfg.plugin} {cfg.version}")
        write_metadata(
            out, base_model=str(Path(cfg.base_model).resolve()), plugin=cfg.plugin, version=str(cfg.version),
            template_id=template.id, data_fingerprint=fingerprint(train_ex + eval_ex, template),
            training_config=cfg.to_dict(), metrics=metrics, intended_use=cfg.intended_use,
            method="qlora-sft" if cfg.quantization else "lora-sft",
            extra={"data": data_info, "eval_split": cfg.eval_split,
                   "resumed_from": str(resume_from) if resume_from else None},
        )
    return TrainResult(out=out, steps=state["step"], losses=[(s, v) for s, v in state["losses"]], metrics=metrics,
                       data=data_info, resumed_from=resume_from, seconds=time.perf_counter() - t_start,
                       step_seconds=step_seconds, step_cpu_seconds=step_cpu)


# --- the gate's metric ------------------------------------------------------------------


class ValidationLossScorer:
    """``score(adapter_dir, split) -> -loss``: minus the answer-token loss of an adapter on a data split.

    The examples are read and encoded once; the base is loaded fresh for each
    adapter (peft modifies a base in place). Higher is better, as the
    registry's gate expects.
    """

    def __init__(self, base_model: str | Path, data: str | Path | None, *, plugin: str = "radiology",
                 template_id: str | None = None, feedback_db: str | Path | None = None,
                 max_samples: int | None = 64, max_length: int = 4096, batch_size: int = 1) -> None:
        self.cfg = TrainConfig(plugin=plugin, base_model=base_model, out=Path("unused"), data=data,
                               feedback_db=feedback_db, template_id=template_id, max_length=max_length,
                               batch_size=batch_size, max_eval_samples=max_samples, progress=False, device="cpu")
        self._examples: list | None = None
        self._cache: dict[tuple, float] = {}
        self.calls: list[tuple[str, str, float]] = []

    def __call__(self, adapter_dir: str | Path, split: str = "val") -> float:
        import torch
        from accelerate import Accelerator
        from peft import PeftModel

        from pixtralogist.finetune.data import Encoder, load_examples

        cfg = self.cfg
        weights = sorted(Path(adapter_dir).glob("adapter_model.*"))
        key = (str(Path(adapter_dir).resolve()), split, tuple((w.name, w.stat().st_mtime_ns) for w in weights))
        if key in self._cache:  # the same adapter files were scored on this split already
            return self._cache[key]
        if self._examples is None:
            self._examples = load_examples(cfg)
        chosen = _split(self._examples, split, cfg.max_eval_samples)
        if not chosen:
            raise DataError(f"no {split!r} examples to score adapters on")
        accelerator = Accelerator(cpu=not torch.cuda.is_available())
        device, dtype = _device_and_dtype(cfg, accelerator)
        base, processor = build_model(cfg, device, dtype)
        model = PeftModel.from_pretrained(base, str(adapter_dir))
        template = resolve_template(cfg.plugin, cfg.template_id)
        encoder = Encoder(processor, template, max_length=cfg.max_length, base_path=cfg.base_model)
        loss = evaluate_loss(model, _EncodedDataset(chosen, encoder), cfg, encoder.pad_token_id, accelerator, dtype)
        self.calls.append((str(adapter_dir), split, loss))
        self._cache[key] = -loss
        return -loss
