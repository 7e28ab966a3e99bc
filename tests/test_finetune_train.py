"""Fine-tuning on a tiny LLaVA-NeXT built in the test (no downloads): SFT, resume, gate, drafting, DPO.

One module fixture trains a LoRA for a few steps on a small quiz-layout data
set; the tests check what that run produced and reuse it (resume, gate,
registry -> site config -> drafter). The tokenizer is trained on report
sentences and drafting prompts so that sequences stay short.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")
pytest.importorskip("accelerate")

from PIL import Image  # noqa: E402

from pixtralogist.core.annotation import AnnotationEntry, write_annotation  # noqa: E402
from pixtralogist.finetune.config import DPOTrainConfig, TrainConfig  # noqa: E402

REPORTS = [
    {"lung": "The lungs are clear.", "heart": "The heart is normal.", "mediastinal": "", "bone": "No fracture.", "others": ""},
    {"lung": "Small left pleural effusion.", "heart": "The heart is enlarged.", "mediastinal": "The mediastinum is normal.",
     "bone": "", "others": ""},
    {"lung": "Right lower lobe consolidation.", "heart": "", "mediastinal": "", "bone": "Old rib fracture.", "others": ""},
    {"lung": "No pneumothorax.", "heart": "The heart is normal.", "mediastinal": "", "bone": "", "others": "Soft tissues normal."},
]


def _png(i: int, size=(40, 52)) -> bytes:
    buf = io.BytesIO()
    Image.linear_gradient("L").resize(size).rotate(15 * i).save(buf, format="PNG")
    return buf.getvalue()


def _write_quiz(root: Path) -> Path:
    entries = []
    for i in range(8):
        pid = f"P{i}"
        paths = []
        for k in range(1 + i % 3):  # 1-3 images per case
            d = root / "images" / pid
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{k}.png").write_bytes(_png(i + k, (40 + 8 * k, 52)))
            paths.append(f"{pid}/{k}.png")
        entries.append(AnnotationEntry(id=pid, image_path=paths, report=REPORTS[i % 4],
                                       split="train" if i < 6 else "val", indication="cough",
                                       impression="Small effusion." if i % 2 else "No acute abnormality."))
    # an IU X-Ray-like entry whose images are not there: skipped
    entries.append(AnnotationEntry(id="CXR9", image_path=["CXR9/0.png"], report=REPORTS[0], split="train"))
    write_annotation(root, entries)
    return root


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from pixtralogist.core.structured import build_prompt
    from pixtralogist.finetune.data import read_annotation_examples
    from pixtralogist.finetune.tiny import build_tiny_llava_next, report_sentences, train_tokenizer
    from pixtralogist.plugins.radiology.templates import get_template

    root = tmp_path_factory.mktemp("finetune")
    data = _write_quiz(root / "data")
    template = get_template("cxr")
    prompts = [build_prompt(template, e.case()) for e in read_annotation_examples(data)[:3]]
    tok = train_tokenizer(report_sentences() + prompts * 3, vocab_size=1000)
    base = build_tiny_llava_next(root / "base", tokenizer=tok, seed=0)
    return {"root": root, "data": data, "base": base, "template": template}


def _cfg(tiny, out, **kw) -> TrainConfig:
    values = dict(base_model=tiny["base"], data=tiny["data"], out=out, max_steps=6, learning_rate=1e-2, lora_r=8,
                  lora_dropout=0.0, batch_size=2, max_train_samples=2, save_every=3, progress=False, device="cpu")
    values.update(kw)
    return TrainConfig(**values)


@pytest.fixture(scope="module")
def run(tiny):
    from pixtralogist.finetune.train import train

    return train(_cfg(tiny, tiny["root"] / "adapters" / "radiology" / "v1"))


# --- SFT --------------------------------------------------------------------------------------


def test_training_lowers_the_loss_and_saves_adapter_with_metadata(run, tiny):
    from pixtralogist.finetune.registry import read_metadata

    losses = [v for _, v in run.losses]
    assert run.steps == 6 and len(losses) == 6
    assert losses[-1] < losses[0] - 0.1, losses  # the same two examples each step: the loss must fall
    assert run.data["train"] == 2 and run.data["eval"] == 2 and run.data["skipped_missing_images"] == 1
    out = run.out
    assert (out / "adapter_config.json").is_file() and (out / "adapter_model.safetensors").is_file()
    assert (out / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = read_metadata(out)
    assert meta["base_model"] == str(Path(tiny["base"]).resolve())
    assert meta["data_fingerprint"].startswith("sha256:") and meta["version"] == "v1"
    assert meta["template_id"] == "cxr" and "not for diagnostic use" in meta["intended_use"].lower()
    assert meta["training_config"]["lora_r"] == 8 and meta["method"] == "lora-sft"
    assert meta["metrics"]["val_loss"] == pytest.approx(run.metrics["val_loss"]) and meta["created_at"]
    # LoRA is on the language model only: no vision-tower module in the saved weights
    from safetensors.torch import load_file

    keys = list(load_file(str(out / "adapter_model.safetensors")))
    assert keys and all("language_model" in k for k in keys)


def test_labels_mask_prompt_image_tokens_and_padding(tiny):
    from transformers import AutoProcessor

    from pixtralogist.finetune.data import IGNORE_INDEX, Encoder, collate, read_annotation_examples, target_text

    processor = AutoProcessor.from_pretrained(str(tiny["base"]), local_files_only=True)
    enc = Encoder(processor, tiny["template"], max_length=4096)
    examples = [e for e in read_annotation_examples(tiny["data"]) if len(e.images) in (1, 3)][:2]
    items = [enc.encode(e) for e in examples]
    image_id = processor.tokenizer.convert_tokens_to_ids("<image>")
    for ex, it in zip(examples, items):
        ids, labels = it["input_ids"], it["labels"]
        learned = labels != IGNORE_INDEX
        first = int(learned.nonzero()[0])
        assert not learned[:first].any() and learned[first:].all()  # prompt masked, answer learned
        assert (ids[:first] == image_id).sum() > 0 and not (ids[first:] == image_id).any()
        assert it["pixel_values"].shape[0] == len(ex.images)  # every image of the case in one example
        answer = processor.tokenizer.decode(ids[first:])
        assert answer.strip() == target_text(tiny["template"], ex.regions, ex.impression) + "</s>"
        assert json.loads(answer.strip().removesuffix("</s>"))["lung"] == ex.regions["lung"]
    batch = collate(items, enc.pad_token_id)
    short = min(range(2), key=lambda i: items[i]["input_ids"].shape[0])
    n = items[short]["input_ids"].shape[0]
    assert (batch["labels"][short, n:] == IGNORE_INDEX).all() and (batch["attention_mask"][short, n:] == 0).all()
    assert batch["pixel_values"].shape[0] == sum(len(e.images) for e in examples)
    # the answer is cut to fit max_length; a prompt that cannot fit is refused
    tight = Encoder(processor, tiny["template"], max_length=items[0]["input_ids"].shape[0] - 5)
    assert tight.encode(examples[0])["input_ids"].shape[0] == items[0]["input_ids"].shape[0] - 5
    from pixtralogist.core.errors import DataError

    with pytest.raises(DataError, match="raise max_length"):
        Encoder(processor, tiny["template"], max_length=20).encode(examples[0])


def test_resume_from_checkpoint_matches_the_uninterrupted_run(run, tiny, tmp_path):
    from safetensors.torch import load_file

    from pixtralogist.finetune.train import latest_checkpoint, train

    ckpts = sorted((run.out / "checkpoints").glob("step-*"))
    assert [c.name for c in ckpts] == ["step-000003"]
    out = tmp_path / "v1-resumed"
    (out / "checkpoints").mkdir(parents=True)
    shutil.copytree(ckpts[0], out / "checkpoints" / ckpts[0].name)  # as if the run had stopped after step 3
    assert latest_checkpoint(out).name == "step-000003"
    resumed = train(_cfg(tiny, out, resume=True))
    assert resumed.resumed_from.name == "step-000003" and resumed.steps == 6
    assert [round(v, 4) for _, v in resumed.losses] == [round(v, 4) for _, v in run.losses]
    a, b = load_file(str(run.out / "adapter_model.safetensors")), load_file(str(out / "adapter_model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-4, atol=1e-6)


def test_trained_adapter_is_the_active_registry_version_and_drafts(run, tiny, tmp_path):
    from pixtralogist.core.backends.transformers_backend import MODEL_CACHE
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.finetune.registry import AdapterRegistry

    reg_root = tmp_path / "adapters"
    shutil.copytree(run.out, reg_root / "radiology" / "v1", ignore=shutil.ignore_patterns("checkpoints"))
    assert AdapterRegistry(reg_root).promote("radiology", "v1").promoted  # first version, finite val_loss
    cfg_file = tmp_path / "config.yaml"
    cfg_file.write_text(
        "adapter_registry: adapters\n"
        "specialties:\n  radiology:\n    backend: transformers\n"
        f"    base_model: {tiny['base']}\n    max_new_tokens: 24\n", "utf-8")
    host = get_plugin_manager(settings=load_settings(cfg_file, env={}))
    model = host.model_config("radiology")
    assert Path(model.adapter) == (reg_root / "radiology" / "v1").resolve() and model.adapter_version == "v1"
    template = host.template("cxr")
    case = build_case([_png(1), _png(2)], indication="cough")
    draft = host.drafter("radiology", template).draft(case, template)
    assert draft.provenance.adapter == "v1" and draft.provenance.adapter_version == "v1"
    assert draft.status == "ai-draft-unsigned" and set(draft.regions) == set(template.region_names)
    assert {f.region for f in draft.findings} == set(template.region_names)  # garbage output -> normal defaults
    codes = {f.code for f in draft.flags}
    assert codes & {"model-output-unparseable", "model-region-missing", "model-region-unknown"} or not any(
        f.is_default for f in draft.findings)
    loaded = MODEL_CACHE.peek(model.base_model, None, "auto")
    assert loaded is not None and str(Path(model.adapter)) in loaded.adapters


def test_gate_promotes_a_better_version_refuses_a_worse_one_and_rolls_back(run, tiny, tmp_path):
    from pixtralogist.finetune.registry import AdapterRegistry, write_metadata
    from pixtralogist.finetune.tiny import make_lora_adapter
    from pixtralogist.finetune.train import ValidationLossScorer

    root = tmp_path / "adapters"
    for name, seed in (("noise-a", 1), ("noise-b", 2)):  # random LoRA perturbations: worse than training
        d = make_lora_adapter(tiny["base"], root / "radiology" / name, seed=seed, r=8, scale=0.3)
        write_metadata(d, base_model=str(tiny["base"]), plugin="radiology", version=name, template_id="cxr",
                       data_fingerprint="none", training_config={}, metrics={}, intended_use="test")
    shutil.copytree(run.out, root / "radiology" / "trained", ignore=shutil.ignore_patterns("checkpoints"))
    reg = AdapterRegistry(root)
    score = ValidationLossScorer(tiny["base"], tiny["data"], plugin="radiology")

    first = reg.promote("radiology", "noise-a", score=score)
    assert first.promoted and reg.active_name("radiology") == "noise-a"
    better = reg.promote("radiology", "trained", score=score)
    assert better.promoted, better.reason
    assert better.candidate_score > better.current_score and better.previous == "noise-a"
    worse = reg.promote("radiology", "noise-b", score=score)
    assert not worse.promoted and worse.candidate_score < worse.current_score
    assert reg.active_name("radiology") == "trained" and "refused" in worse.reason
    assert len(score.calls) == 3  # each adapter scored once on val, then cached
    assert reg.version("radiology", "trained").metadata["metrics"]["gate:val_loss:val"] == pytest.approx(
        better.candidate_score)
    assert reg.rollback("radiology") == "noise-a" and reg.active_name("radiology") == "noise-a"
    assert (root / "radiology" / "trained" / "adapter_model.safetensors").is_file()  # kept for roll-forward


def test_cli_train_from_yaml(tiny, tmp_path):
    from pixtralogist.cli import main

    out = tmp_path / "adapters" / "radiology" / "cli-v1"
    cfg = tmp_path / "train.yaml"
    cfg.write_text(f"base_model: {tiny['base']}\ndata: {tiny['data']}\nmax_steps: 1\nbatch_size: 1\n"
                   "lora_r: 4\neval_split: null\nprogress: false\ndevice: cpu\nmax_train_samples: 1\n", "utf-8")
    assert main(["finetune", "train", "--config", str(cfg), "--out", str(out), "--lr", "0.001"]) == 0
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["training_config"]["learning_rate"] == 0.001 and meta["training_config"]["lora_r"] == 4
    assert meta["metrics"]["steps"] == 1 and "val_loss" not in meta["metrics"]
    assert main(["finetune", "train", "--config", str(cfg), "--out", str(out)]) == 2  # will not overwrite


# --- DPO ----------------------------------------------------------------------------------------


def _feedback_store(path: Path, n: int = 2):
    from pixtralogist.persistence.feedback import FeedbackStore
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.plugins import get_plugin_manager

    host = get_plugin_manager()
    template = host.template("cxr")
    store = FeedbackStore.open(path)
    for i in range(n):
        case = build_case([_png(i), _png(i + 3)][: 1 + i % 2], notes="small L effusion, heart nl", indication="cough")
        draft = host.drafter("radiology", template).draft(case, template)
        findings = [f.model_copy(update={"text": "Moderate left pleural effusion."}) if f.region == "lung" else f
                    for f in draft.findings]
        store.record_report(case, draft, draft.model_copy(update={"findings": findings}).sign("Dr Test"))
    return store


def test_dpo_step_runs_on_preference_pairs_with_images(tiny, tmp_path):
    pytest.importorskip("trl")
    from safetensors.torch import load_file

    from pixtralogist.finetune.dpo import train_dpo
    from pixtralogist.finetune.registry import read_metadata

    db = tmp_path / "feedback.db"
    store = _feedback_store(db)
    n_pairs = len(store.preference_pairs())
    store.close()
    assert n_pairs == 2
    out = tmp_path / "adapters" / "radiology" / "dpo-v1"
    result = train_dpo(DPOTrainConfig(base_model=tiny["base"], feedback_db=db, out=out, max_steps=1, batch_size=2,
                                      lora_r=4, lora_dropout=0.0, learning_rate=1e-3, progress=False, device="cpu"))
    assert result.steps == 1 and result.pairs == 2 and result.losses
    weights = load_file(str(out / "adapter_model.safetensors"))
    lora_b = [v for k, v in weights.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b)  # fresh lora_B is zero: the step updated it
    meta = read_metadata(out)
    assert meta["method"] == "lora-dpo" and meta["pairs"] == 2 and not (out / "dpo-trainer").exists()


# --- QLoRA (GPU) ----------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="QLoRA (4-bit bitsandbytes) training needs a CUDA GPU")
def test_qlora_trains_on_cuda(tmp_path):
    pytest.importorskip("bitsandbytes")
    from pixtralogist.finetune.tiny import build_tiny_llava_next
    from pixtralogist.finetune.train import train

    data = _write_quiz(tmp_path / "data")
    base = build_tiny_llava_next(tmp_path / "base", text_hidden=128, vision_hidden=64)  # 4-bit needs in_features >= 64
    result = train(TrainConfig(base_model=base, data=data, out=tmp_path / "qlora", quantization="4bit", max_steps=4,
                               learning_rate=1e-2, batch_size=2, max_train_samples=2, progress=False,
                               gradient_checkpointing=True))
    assert result.losses[-1][1] < result.losses[0][1]
    assert json.loads((tmp_path / "qlora" / "metadata.json").read_text())["method"] == "qlora-sft"


def test_encoded_examples_are_cached_within_the_budget():
    import torch

    from pixtralogist.finetune.train import _EncodedDataset

    class CountingEncoder:  # a stand-in for the processor-backed Encoder: counts encodings
        calls = 0

        def encode(self, example):
            CountingEncoder.calls += 1
            return {"input_ids": torch.arange(example), "pixel_values": torch.zeros(1024, 256)}  # 1 MiB

    ds = _EncodedDataset([3, 4, 5], CountingEncoder(), cache_mb=3)
    first = [ds[i] for i in range(3)]
    again = [ds[i] for i in range(3)]
    assert CountingEncoder.calls == 3 + 1  # the third example did not fit in 3 MiB: encoded again
    assert again[0] is first[0] and again[1] is first[1] and again[2] is not first[2]
    assert torch.equal(again[2]["input_ids"], first[2]["input_ids"])
    CountingEncoder.calls = 0
    nocache = _EncodedDataset([3], CountingEncoder(), cache_mb=0)
    nocache[0], nocache[0]
    assert CountingEncoder.calls == 2
