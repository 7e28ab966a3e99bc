"""Direct preference optimisation on clinicians' corrections (TRL ``DPOTrainer``).

:func:`train_dpo` runs a :class:`~pixtralogist.finetune.config.DPOTrainConfig`:

* pairs from the feedback store (:func:`pixtralogist.finetune.data.preference_examples`)
  or an exported ``preference.jsonl``: for each region the clinician changed,
  the drafting prompt, chosen = the AI draft's JSON with that region replaced
  by the signed text, rejected = the AI draft's JSON;
* the prompt is rendered exactly as the transformers backend renders it at
  inference (chat template, one image token per image); with
  ``with_images`` the study images go to the model (TRL's vision collator
  runs the checkpoint's processor), otherwise the prompt is text-only;
* the policy is a LoRA on the language model: a fresh one (the base is the
  reference), or ``adapter`` (an SFT adapter, trained further; TRL keeps a
  frozen copy of it as the reference);
* the result is a normal adapter version directory (``adapter_config.json``,
  weights, ``metadata.json`` with ``method: lora-dpo``, ``loss_curve.png``)
  for the registry's gate.

Check of the installed API: trl 1.x ``DPOConfig`` / ``DPOTrainer(model,
args=, train_dataset=, processing_class=, peft_config=)``; a dataset with an
``images`` column is treated as a vision dataset (processing on the fly).
The vision path needs a transformers ``ProcessorMixin`` processor (LLaVA-NeXT
and most checkpoints); Pixtral checkpoints loaded with the torchvision-free
fallback processor train text-only (``with_images: false``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pixtralogist.core.errors import ConfigError, DataError
from pixtralogist.finetune.config import DPOTrainConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pixtralogist.finetune.data import Encoder, PreferenceExample

log = logging.getLogger(__name__)

__all__ = ["DPOResult", "build_dpo_records", "load_pairs", "train_dpo"]


@dataclass
class DPOResult:
    out: Path
    steps: int
    losses: list[tuple[int, float]]
    metrics: dict[str, float]
    pairs: int
    seconds: float


def load_pairs(cfg: DPOTrainConfig, template) -> list["PreferenceExample"]:
    """The preference pairs named by ``cfg`` (store or exported JSONL)."""
    from pixtralogist.finetune.data import preference_examples, read_preference_jsonl

    if cfg.pairs is not None:
        if not Path(cfg.pairs).is_file():
            raise DataError(f"preference pairs file {cfg.pairs} does not exist")
        return read_preference_jsonl(cfg.pairs)
    from pixtralogist.persistence.feedback import FeedbackStore

    store = FeedbackStore.open_existing(cfg.feedback_db)
    try:
        return preference_examples(store, template, cfg.plugin)
    finally:
        store.close()


def build_dpo_records(pairs: list["PreferenceExample"], encoder: "Encoder", template, *, with_images: bool) -> list[dict]:
    """TRL records: ``prompt`` (rendered as at inference), ``chosen``, ``rejected`` (+ ``images``)."""
    from pixtralogist.core.structured import build_prompt

    records = []
    for p in pairs:
        case = p.case()
        if with_images and not case.images:
            raise DataError(f"pair for case {p.id} has no images; set with_images: false to train on text only")
        prompt = build_prompt(template, case)
        n = len(case.images) if with_images else 0
        rec = {
            "prompt": encoder.prompt_text(n, prompt),
            "chosen": encoder.answer_text(n, prompt, p.chosen),
            "rejected": encoder.answer_text(n, prompt, p.rejected),
        }
        if with_images:
            rec["images"] = [img.pil().convert("RGB") for img in case.images]
        records.append(rec)
    return records


def train_dpo(cfg: DPOTrainConfig) -> DPOResult:
    """Run DPO for ``cfg`` (see the module docstring)."""
    import torch
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    from pixtralogist.finetune.data import Encoder
    from pixtralogist.finetune.registry import write_metadata
    from pixtralogist.finetune.train import build_model, lora_config, plot_loss, resolve_template

    t0 = time.perf_counter()
    out = Path(cfg.out)
    if (out / "adapter_config.json").exists():
        raise ConfigError(f"{out} already holds an adapter; choose a new version directory")
    template = resolve_template(cfg.plugin, cfg.template_id)
    pairs = load_pairs(cfg, template)
    if not pairs:
        raise DataError("no preference pairs: the clinicians have not changed any AI-drafted region yet")

    cpu = cfg.device == "cpu" or not torch.cuda.is_available()
    device = torch.device("cpu") if cpu else torch.device("cuda" if cfg.device == "auto" else cfg.device)
    dtype = torch.float32 if cpu else (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)
    model, processor = build_model(cfg, device, dtype)
    encoder = Encoder(processor, template, max_length=cfg.max_length, base_path=cfg.base_model)
    records = build_dpo_records(pairs, encoder, template, with_images=cfg.with_images)
    dataset = Dataset.from_list(records)

    peft_config = None
    if cfg.adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(cfg.adapter), is_trainable=True)
    else:
        torch.manual_seed(cfg.seed)
        peft_config = lora_config(cfg)
    if cfg.gradient_checkpointing:
        model.config.use_cache = False

    args = DPOConfig(
        output_dir=str(out / "dpo-trainer"),
        per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.learning_rate,
        weight_decay=cfg.weight_decay,
        max_steps=cfg.max_steps or -1,
        num_train_epochs=cfg.num_epochs,
        beta=cfg.beta,
        max_length=cfg.max_length,
        logging_steps=1,
        save_strategy="no",
        report_to=[],
        use_cpu=cpu,
        bf16=(not cpu) and dtype == torch.bfloat16,
        fp16=(not cpu) and dtype == torch.float16,
        gradient_checkpointing=cfg.gradient_checkpointing,
        seed=cfg.seed,
        disable_tqdm=not cfg.progress,
        remove_unused_columns=False,
    )
    processing_class = processor if cfg.with_images else encoder.tokenizer
    if cfg.with_images and not hasattr(processor, "image_processor"):
        raise ConfigError("vision DPO needs the checkpoint's transformers processor; set with_images: false")
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=processing_class,
                         peft_config=peft_config)
    trainer.train()

    history = trainer.state.log_history
    losses = [(int(h["step"]), float(h["loss"])) for h in history if "loss" in h and "step" in h]
    metrics: dict[str, float] = {"steps": int(trainer.state.global_step)}
    for key in ("rewards/accuracies", "rewards/margins"):
        vals = [h[key] for h in history if key in h]
        if vals:
            metrics[key.replace("/", "_")] = float(vals[-1])
    if losses:
        metrics["dpo_loss_first"], metrics["dpo_loss_last"] = losses[0][1], losses[-1][1]
    out.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(out, selected_adapters=["default"])
    import shutil

    shutil.rmtree(out / "dpo-trainer", ignore_errors=True)  # the HF Trainer's output_dir (nothing kept there)
    plot_loss(losses, out / "loss_curve.png", title=f"{cfg.plugin} {cfg.version} (DPO)")
    (out / "training_log.json").write_text(json.dumps({"log_history": history}, indent=1, default=str), "utf-8")
    write_metadata(
        out, base_model=str(Path(cfg.base_model).resolve()), plugin=cfg.plugin, version=str(cfg.version),
        template_id=template.id, data_fingerprint=_pairs_fingerprint(records), training_config=cfg.to_dict(),
        metrics=metrics, intended_use=cfg.intended_use, method="lora-dpo",
        extra={"pairs": len(records), "reference": str(cfg.adapter) if cfg.adapter else "base model"},
    )
    return DPOResult(out=out, steps=int(trainer.state.global_step), losses=losses, metrics=metrics,
                     pairs=len(records), seconds=time.perf_counter() - t0)


def _pairs_fingerprint(records: list[dict]) -> str:
    import hashlib
    import io

    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps([r["prompt"], r["chosen"], r["rejected"]]).encode())
        for img in r.get("images", []):
            buf = io.BytesIO()
            img.save(buf, format="PNG")
            h.update(buf.getvalue())
    return "sha256:" + h.hexdigest()
