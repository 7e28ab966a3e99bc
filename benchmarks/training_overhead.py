"""Time per optimizer step: the finetune module vs a bare peft loop on the same tiny model and batch.

One run each (no downloads: a tiny LLaVA-NeXT and a two-case quiz data set are
built in a temporary folder). The finetune module's step includes everything
it does per step (accelerate, gradient clipping, scheduler, loss bookkeeping, and
image ingestion + tokenisation of the batch: done on first use, then served from
the encoded-example cache, ``encoded_cache_mb``); the bare loop runs
forward/backward/AdamW on the pre-collated batch with the same LoRA settings.
Prints both medians (first step excluded as warm-up), wall-clock and process CPU time
(the latter is the fairer figure on a shared, busy machine), and the ratios; target <= 1.2.

    python benchmarks/training_overhead.py [--steps 8]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _png(i: int, size=(40, 52)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).rotate(15 * i).save(buf, format="PNG")
    return buf.getvalue()


def build(root: Path):
    from pixtralogist.core.structured import build_prompt
    from pixtralogist.finetune.annotation import AnnotationEntry, write_annotation
    from pixtralogist.finetune.data import read_annotation_examples
    from pixtralogist.finetune.tiny import build_tiny_llava_next, report_sentences, train_tokenizer
    from pixtralogist.plugins.radiology.templates import get_template

    data = root / "data"
    reports = [{"lung": "Small left pleural effusion.", "heart": "The heart is normal.", "bone": "No fracture."},
               {"lung": "The lungs are clear.", "heart": "The heart is enlarged.", "mediastinal": "Normal."}]
    entries = []
    for i, rep in enumerate(reports):
        (data / "images" / f"P{i}").mkdir(parents=True)
        paths = []
        for k in range(i + 1):
            (data / "images" / f"P{i}" / f"{k}.png").write_bytes(_png(i + k))
            paths.append(f"P{i}/{k}.png")
        entries.append(AnnotationEntry(id=f"P{i}", image_path=paths, report=rep, split="train", indication="cough"))
    write_annotation(data, entries)
    template = get_template("cxr")
    prompts = [build_prompt(template, e.case()) for e in read_annotation_examples(data)]
    tok = train_tokenizer(report_sentences() + prompts * 3, vocab_size=1000)
    base = build_tiny_llava_next(root / "base", tokenizer=tok)
    return base, data, template


def module_steps(base, data, root, steps: int) -> list[float]:
    from pixtralogist.finetune.config import TrainConfig
    from pixtralogist.finetune.train import train

    cfg = TrainConfig(base_model=base, data=data, out=root / "adapter", max_steps=steps, batch_size=2, lora_r=8,
                      lora_dropout=0.0, learning_rate=1e-3, eval_split=None, save_every=0, progress=False,
                      device="cpu")
    result = train(cfg)
    return result.step_seconds, result.step_cpu_seconds


def bare_steps(base, data, template, steps: int) -> list[float]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from pixtralogist.finetune.config import DEFAULT_TARGET_MODULES
    from pixtralogist.finetune.data import Encoder, collate, read_annotation_examples

    model = AutoModelForImageTextToText.from_pretrained(str(base), local_files_only=True)
    processor = AutoProcessor.from_pretrained(str(base), local_files_only=True)
    enc = Encoder(processor, template)
    batch = collate([enc.encode(e) for e in read_annotation_examples(data)], enc.pad_token_id)
    torch.manual_seed(0)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=32, lora_dropout=0.0,
                                             target_modules=DEFAULT_TARGET_MODULES, bias="none"))
    model.train()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    times, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=8)
    args = ap.parse_args(argv)
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base, data, template = build(root)
        bare, bare_cpu = bare_steps(base, data, template, args.steps)
        mod, mod_cpu = module_steps(base, data, root, args.steps)
    b, m = statistics.median(bare[1:]), statistics.median(mod[1:])
    bc, mc = statistics.median(bare_cpu[1:]), statistics.median(mod_cpu[1:])
    print(f"torch threads: {torch.get_num_threads()}; steps: {args.steps} (first excluded); batch: 2 cases, 1+2 images")
    print(f"bare peft loop : {b * 1000:8.1f} ms/step wall, {bc * 1000:8.1f} ms/step CPU (medians)")
    print(f"finetune module: {m * 1000:8.1f} ms/step wall, {mc * 1000:8.1f} ms/step CPU (medians)")
    print(f"ratio module/bare: {m / b:.3f} wall, {mc / bc:.3f} CPU time (target <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
