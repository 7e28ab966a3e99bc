"""The transformers backend on tiny local checkpoints built in the test (no downloads, no mocks).

A session fixture trains a byte-level BPE tokenizer and writes a tiny
LLaVA-NeXT (with two LoRA adapters) and a tiny Pixtral-style model with
``pixtralogist.finetune.tiny``. Their output is gibberish: the tests check the
plumbing (inputs, adapters, caching, streaming, quantization, drafting).
"""

from __future__ import annotations

import io

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from PIL import Image  # noqa: E402

from pixtralogist.core.backends.transformers_backend import (  # noqa: E402
    ModelCache,
    PixtralPilProcessor,
    TransformersBackend,
)
from pixtralogist.core.errors import BackendError  # noqa: E402
from pixtralogist.core.models import Draft, ModelConfig  # noqa: E402


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Tiny checkpoints: LLaVA-NeXT base + adapters A and B, and a Pixtral-style model."""
    from pixtralogist.finetune.tiny import build_tiny_llava_next, build_tiny_pixtral, make_lora_adapter, train_tokenizer

    root = tmp_path_factory.mktemp("tiny-models")
    tok = train_tokenizer()
    # The base is saved BEFORE any peft wrapping (make_lora_adapter loads its own copy).
    llava = build_tiny_llava_next(root / "tiny-llava-next", tokenizer=tok, seed=0)
    adapter_a = make_lora_adapter(llava, root / "adapter-radiology", seed=1)
    adapter_b = make_lora_adapter(llava, root / "adapter-other", seed=2)
    pixtral = build_tiny_pixtral(root / "tiny-pixtral", seed=0)
    return {"llava": llava, "a": adapter_a, "b": adapter_b, "pixtral": pixtral}


def images(n: int = 2) -> list[Image.Image]:
    base = [Image.linear_gradient("L").resize((40, 52)), Image.new("RGB", (64, 48), (200, 30, 30)),
            Image.radial_gradient("L").resize((48, 48)), Image.new("L", (30, 70), 128)]
    return base[:n]


def backend(path, cache: ModelCache | None = None, **kw) -> TransformersBackend:
    return TransformersBackend(ModelConfig(backend="transformers", base_model=str(path), max_new_tokens=12, **kw),
                               cache=cache if cache is not None else ModelCache())


# --- LLaVA-NeXT ----------------------------------------------------------------------------


def test_llava_next_generates_greedily_with_the_chat_template(tiny):
    b = backend(tiny["llava"])
    loaded = b.load()
    assert type(loaded.model).__name__ == "LlavaNextForConditionalGeneration"
    assert loaded.device == "cpu" and loaded.dtype == torch.float32
    text, templated = b.build_text(loaded, 2, "Describe the lungs.")
    assert templated and text.startswith("[INST]") and text.count("<image>") == 2 and "Describe the lungs." in text
    out1 = b.generate(images(2), "Describe the lungs.")
    out2 = b.generate(images(2), "Describe the lungs.")
    assert isinstance(out1, str) and out1 == out2  # temperature 0 -> greedy, deterministic


def test_streaming_pieces_join_to_the_generate_output(tiny):
    b = backend(tiny["llava"])
    full = b.generate(images(1), "Heart?", max_new_tokens=16)
    pieces = list(b.stream(images(1), "Heart?", max_new_tokens=16))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces) == full
    # a consumer that stops early ends generation and releases the model
    gen = b.stream(images(1), "Heart?", max_new_tokens=64)
    next(gen, None)
    gen.close()
    assert b.generate(images(1), "Heart?", max_new_tokens=16) == full


def test_all_images_go_in_one_request(tiny):
    b = backend(tiny["llava"])
    loaded = b.load()
    one = b.prepare_inputs(loaded, images(1), "x")
    four = b.prepare_inputs(loaded, images(4), "x")
    assert one["pixel_values"].shape[0] == 1 and four["pixel_values"].shape[0] == 4
    assert four["input_ids"].shape[0] == 1
    with pytest.raises(BackendError, match="1-4 images"):
        b.prepare_inputs(loaded, images(4) + images(1), "x")


def test_two_adapters_switch_per_call_on_one_base(tiny):
    cache = ModelCache()
    b = backend(tiny["llava"], cache=cache)
    prompt, imgs = "Findings?", images(1)
    base = b.generate(imgs, prompt)
    out_a = b.generate(imgs, prompt, adapter=str(tiny["a"]))
    out_b = b.generate(imgs, prompt, adapter=str(tiny["b"]))
    assert len({base, out_a, out_b}) == 3, (base, out_a, out_b)
    # switching back, by path or by the attached name, gives the same outputs again
    assert b.generate(imgs, prompt, adapter=str(tiny["a"])) == out_a
    assert b.generate(imgs, prompt) == base  # no adapter: adapters disabled, the base runs
    loaded = b.load()
    assert len(loaded.adapters) == 2
    name_b = loaded.adapters[str(tiny["b"].resolve())]
    assert b.generate(imgs, prompt, adapter=name_b) == out_b
    # a second backend object (another specialty) shares the same base model
    other = backend(tiny["llava"], cache=cache, adapter=str(tiny["b"]))
    assert other.generate(imgs, prompt, adapter=str(tiny["b"])) == out_b
    assert list(cache.loads.values()) == [1]  # the base was loaded once
    assert b.describe()["adapters_attached"] == sorted(loaded.adapters.values())


def test_unknown_adapter_and_missing_model_are_backend_errors(tiny, tmp_path):
    b = backend(tiny["llava"])
    with pytest.raises(BackendError, match="adapter 'nope' not found"):
        b.generate(images(1), "x", adapter="nope")
    with pytest.raises(BackendError, match="does not exist"):
        backend(tmp_path / "missing").generate(images(1), "x")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackendError, match="no config.json"):
        backend(tmp_path / "empty").check()


# --- Pixtral ----------------------------------------------------------------------------------


def test_pixtral_loads_with_the_pil_fallback_processor(tiny):
    b = backend(tiny["pixtral"])
    loaded = b.load()
    assert type(loaded.model).__name__ == "LlavaForConditionalGeneration"
    assert loaded.model.config.vision_config.model_type == "pixtral"
    # PixtralProcessor needs torchvision; without it the documented fallback is used
    try:
        import torchvision  # noqa: F401
    except ImportError:
        assert isinstance(loaded.processor, PixtralPilProcessor)
    proc = loaded.processor
    text, templated = b.build_text(loaded, 2, "Describe.")
    assert not templated and text.count("[IMG]") == 2  # no chat template: plain prompt with image tokens
    if isinstance(proc, PixtralPilProcessor):
        imgs = images(2)  # 40x52 and 64x48: different sizes, so different token grids
        inputs = b.prepare_inputs(loaded, imgs, "Describe.")
        ids = inputs["input_ids"][0].tolist()
        tok = loaded.tokenizer
        img, brk, end = (tok.convert_tokens_to_ids(t) for t in ("[IMG]", "[IMG_BREAK]", "[IMG_END]"))
        sizes = inputs["image_sizes"].tolist()
        rows = sum(h // 8 for h, _ in sizes)
        assert ids.count(img) == sum((h // 8) * (w // 8) for h, w in sizes)
        assert ids.count(end) == 2 and ids.count(brk) == rows - 2
    out = b.generate(images(2), "Describe.")
    assert isinstance(out, str)
    assert "".join(b.stream(images(2), "Describe.")) == out


def test_pixtral_fallback_processor_uses_a_chat_template_when_present(tiny):
    import dataclasses

    b = backend(tiny["pixtral"])
    loaded = b.load()
    if not isinstance(loaded.processor, PixtralPilProcessor):  # pragma: no cover - torchvision installed
        pytest.skip("the real PixtralProcessor is in use")
    template = ("{% for m in messages %}<s>[INST]{% for c in m['content'] %}{% if c['type'] == 'image' %}[IMG]"
                "{% else %}{{ c['text'] }}{% endif %}{% endfor %}[/INST]{% endfor %}")
    proc = PixtralPilProcessor(loaded.tokenizer, loaded.processor.image_processor, patch_size=8,
                               chat_template=template)
    with_template = dataclasses.replace(loaded, processor=proc)
    text, templated = b.build_text(with_template, 2, "Describe.")
    assert templated and text == "<s>[INST][IMG][IMG]Describe.[/INST]"
    ids = b.prepare_inputs(with_template, images(2), "Describe.")["input_ids"][0].tolist()
    assert ids.count(loaded.tokenizer.bos_token_id) == 1  # the template's BOS, not a second one


# --- quantization --------------------------------------------------------------------------


def _bitsandbytes_ok() -> str | None:
    try:
        import bitsandbytes  # noqa: F401
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"bitsandbytes cannot be imported here: {exc}"
    return None


def test_4bit_load_keeps_the_vision_tower_unquantized(tiny):
    reason = _bitsandbytes_ok()
    if reason:
        pytest.skip(reason)
    cache = ModelCache()
    b = backend(tiny["llava"], cache=cache, quantization="4bit")  # text hidden 64: 4-bit needs in_features >= 64
    try:
        loaded = b.load()
    except BackendError as exc:  # pragma: no cover - depends on the bitsandbytes build
        pytest.skip(f"bitsandbytes cannot load 4-bit on this machine: {exc}")
    kinds = {name: type(m).__name__ for name, m in loaded.model.named_modules()}
    assert any(k == "Linear4bit" for n, k in kinds.items() if "language_model" in n)
    assert not any(k == "Linear4bit" for n, k in kinds.items() if "vision_tower" in n or n.endswith("lm_head"))
    out = b.generate(images(1), "x", max_new_tokens=6)
    assert isinstance(out, str)
    # adapters attach to the quantized base too
    assert isinstance(b.generate(images(1), "x", adapter=str(tiny["a"]), max_new_tokens=6), str)
    assert b.describe()["quantization"] == "4bit"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_is_chosen_automatically_in_half_precision(tiny):  # pragma: no cover - GPU machines
    b = backend(tiny["llava"])
    loaded = b.load()
    assert loaded.device == "cuda" and loaded.dtype in (torch.bfloat16, torch.float16)
    assert isinstance(b.generate(images(2), "x", adapter=str(tiny["a"])), str)


# --- drafting end to end -----------------------------------------------------------------------


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def test_draft_case_end_to_end_through_the_site_settings(tiny, tmp_path):
    from pixtralogist.core.config import load_settings
    from pixtralogist.core.imaging import build_case
    from pixtralogist.core.pipeline import draft_case
    from pixtralogist.core.plugins import get_plugin_manager

    env = {
        "PIXTRALOGIST_HOME": str(tmp_path),
        "PIXTRALOGIST_RADIOLOGY_BACKEND": "transformers",
        "PIXTRALOGIST_RADIOLOGY_BASE_MODEL": str(tiny["llava"]),
        "PIXTRALOGIST_RADIOLOGY_ADAPTER": str(tiny["a"]),
        "PIXTRALOGIST_RADIOLOGY_ADAPTER_VERSION": "2026.11-test",
        "PIXTRALOGIST_RADIOLOGY_MAX_NEW_TOKENS": "24",
    }
    host = get_plugin_manager(autoload=False, settings=load_settings(env=env))
    cfg = host.model_config("radiology")
    assert cfg.backend == "transformers" and cfg.adapter == str(tiny["a"])

    case = build_case([_png(im) for im in images(2)], modality="DX", body_part="CHEST",
                      indication="Cough.", notes="small L effusion")
    draft, decision = draft_case(case, host)
    assert decision.choice.specialty == "radiology"
    Draft.model_validate(draft.model_dump())  # a valid draft
    assert draft.status == "ai-draft-unsigned" and not draft.is_signed
    by_region = draft.by_region()
    assert all(by_region[r] for r in draft.regions)  # every region present
    prov = draft.provenance
    assert prov.engine == "transformers" and prov.source == "model"
    assert prov.model == tiny["llava"].name and prov.adapter == tiny["a"].name
    assert prov.adapter_version == "2026.11-test" and prov.plugin == "radiology"
    assert prov.template_id == "cxr"
    # gibberish output: defaults are marked and flagged
    defaults = [f for f in draft.findings if f.is_default]
    assert defaults and all(f.provenance.source == "template-default" for f in defaults)
    assert all(not f.abnormal for f in defaults)
    codes = {f.code for f in draft.flags}
    assert codes & {"model-output-unparseable", "model-region-missing"}
    assert draft.impression


def test_models_command_checks_a_local_model_and_adapter(tiny, tmp_path, monkeypatch, capsys):
    from pixtralogist.cli import main

    monkeypatch.setenv("PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD", "1")
    cfg = tmp_path / "site.yaml"
    cfg.write_text(f"specialties:\n  radiology:\n    backend: transformers\n    base_model: {tiny['llava']}\n"
                   f"    adapter: {tiny['a']}\n    adapter_version: '1.0'\n", "utf-8")
    assert main(["models", "--config", str(cfg), "--check"]) == 0
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("radiology:")][0]
    assert "transformers" in line and "OK: LlavaNextForConditionalGeneration" in line and "adapter " in line
