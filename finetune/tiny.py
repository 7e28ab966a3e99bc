"""Tiny, random-weight vision-language checkpoints built locally (no downloads).

For tests, benchmarks and fine-tuning dry runs. Every builder writes a normal
``save_pretrained`` directory that ``AutoModelForImageTextToText`` and
``AutoProcessor`` load with ``local_files_only=True``, exactly like a real
checkpoint:

>>> from pixtralogist.finetune.tiny import build_tiny_llava_next, make_lora_adapter
>>> base = build_tiny_llava_next("/tmp/tiny-llava")              # doctest: +SKIP
>>> a = make_lora_adapter(base, "/tmp/adapter-a", seed=1)        # doctest: +SKIP

* :func:`train_tokenizer` - a byte-level BPE trained with ``tokenizers`` on a
  few hundred generated report sentences (vocabulary ~300), wrapped in a
  ``PreTrainedTokenizerFast``.
* :func:`build_tiny_llava_next` - ``LlavaNextForConditionalGeneration`` (CLIP
  vision tower + Llama text model) and a ``LlavaNextProcessor`` with a
  chat template (``[INST] <image>\\n... [/INST]``, the LLaVA-NeXT-Mistral layout).
* :func:`build_tiny_pixtral` - ``LlavaForConditionalGeneration`` with a Pixtral
  vision tower and a Mistral text model, a ``PixtralImageProcessorPil`` and the
  ``[IMG]``/``[IMG_BREAK]``/``[IMG_END]`` tokens. Its ``processor_config.json``
  names ``PixtralProcessor`` like the real checkpoints; that class needs
  torchvision, so without it the transformers backend uses its documented
  fallback (:class:`pixtralogist.core.backends.transformers_backend.PixtralPilProcessor`).
* :func:`make_lora_adapter` - a LoRA adapter (peft) on a saved base, with the
  ``lora_B`` weights perturbed so that it changes the output (fresh LoRA is a
  no-op); the base directory is never modified.

Sizes: the defaults give ~150k parameters (milliseconds per forward on a CPU).
``size="real"`` in the benchmark builds a ~1B-parameter text model instead
(hidden 2048, 16 layers) for GPU timing; pass the sizes explicitly.

Heavy imports (torch, transformers, peft) happen inside the functions.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Iterable, Sequence

__all__ = [
    "IMAGE_TOKEN",
    "build_tiny_for_trying",
    "LLAVA_NEXT_CHAT_TEMPLATE",
    "PIXTRAL_IMAGE_TOKENS",
    "build_tiny_llava_next",
    "build_tiny_pixtral",
    "make_lora_adapter",
    "report_sentences",
    "train_tokenizer",
]

IMAGE_TOKEN = "<image>"
PIXTRAL_IMAGE_TOKENS = ("[IMG]", "[IMG_BREAK]", "[IMG_END]")
BASE_SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")

#: LLaVA-NeXT (Mistral) style processor chat template: images first, then the text.
LLAVA_NEXT_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}[INST] "
    "{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}<image>\n{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %} [/INST]"
    "{% else %}"
    "{% for item in message['content'] %}{% if item['type'] == 'text' %} {{ item['text'] }}{% endif %}{% endfor %}</s>"
    "{% endif %}"
    "{% endfor %}"
)

_SUBJECTS = (
    "The lungs", "The heart", "The mediastinum", "The hila", "The bones", "The ribs", "The pleura",
    "The cardiac silhouette", "The trachea", "The aorta", "The spine", "The soft tissues",
)
_PREDICATES = (
    "are clear", "is normal", "is enlarged", "is unremarkable", "are within normal limits",
    "show no acute abnormality", "are stable", "is midline", "is tortuous", "show degenerative change",
)
_FINDINGS = (
    "pleural effusion", "pneumothorax", "consolidation", "nodule", "mass", "atelectasis", "edema",
    "cardiomegaly", "fracture", "opacity", "granuloma", "emphysema", "scoliosis", "lymphadenopathy",
)
_SIDES = ("left", "right", "bilateral", "")
_HEDGES = ("No", "Possible", "Small", "Large", "Mild", "Moderate", "New", "Old")


def report_sentences(n: int = 400, seed: int = 0) -> list[str]:
    """``n`` short chest-report-like sentences (deterministic), plus JSON-ish region lines.

    The JSON lines teach the tokenizer the characters of the structured answer
    (braces, quotes, colons, region names) so that tokenisation stays compact.
    """
    rng = random.Random(seed)
    out: list[str] = []
    pairs = list(itertools.product(_SUBJECTS, _PREDICATES))
    rng.shuffle(pairs)
    for subj, pred in pairs[: n // 2]:
        out.append(f"{subj} {pred}.")
    while len(out) < n:
        hedge, side, finding = rng.choice(_HEDGES), rng.choice(_SIDES), rng.choice(_FINDINGS)
        size = f"{rng.randint(2, 40)} mm " if rng.random() < 0.3 else ""
        words = " ".join(w for w in (hedge, size.strip(), side, finding) if w)
        out.append(words[0].upper() + words[1:] + ".")
        if rng.random() < 0.15:
            region = rng.choice(("lung", "heart", "mediastinal", "bone", "others"))
            out.append(json.dumps({region: out[-1], "impression": [out[-1]]}))
    return out


def train_tokenizer(
    sentences: Iterable[str] | None = None,
    *,
    vocab_size: int = 300,
    extra_specials: Sequence[str] = (IMAGE_TOKEN,),
    image_token: str = IMAGE_TOKEN,
):
    """A byte-level BPE ``PreTrainedTokenizerFast`` trained on ``sentences``.

    Specials: ``<pad> <s> </s> <unk>`` plus ``extra_specials`` (by default the
    LLaVA ``<image>`` token; Pixtral builds pass ``[IMG] [IMG_BREAK] [IMG_END]``).
    ``image_token`` is exposed as ``tokenizer.image_token`` / ``image_token_id``.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    corpus = list(sentences) if sentences is not None else report_sentences()
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[*BASE_SPECIALS, *extra_specials],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": image_token},
    )


def _seed(seed: int) -> None:
    import torch

    torch.manual_seed(seed)


def build_tiny_llava_next(
    out_dir: str | Path,
    *,
    text_hidden: int = 64,
    text_layers: int = 2,
    text_heads: int = 4,
    text_kv_heads: int = 2,
    vision_hidden: int = 32,
    vision_layers: int = 2,
    vision_heads: int = 2,
    image_size: int = 32,
    patch_size: int = 8,
    vocab_size: int | None = None,
    chat_template: str | None = LLAVA_NEXT_CHAT_TEMPLATE,
    tokenizer=None,
    seed: int = 0,
    dtype=None,
    lm_head_std: float | None = None,
) -> Path:
    """Write a random-weight LLaVA-NeXT checkpoint (model + processor) to ``out_dir``.

    :param vocab_size: model vocabulary (default: the tokenizer's length; a
        larger value pads the embedding as real checkpoints do).
    :param chat_template: the processor's chat template; ``None`` for none
        (the backend then writes a plain prompt with ``<image>`` tokens).
    :param dtype: torch dtype to save the weights in (default float32).
    :param lm_head_std: re-draw the output projection from ``N(0, lm_head_std)``. With the
        default initialisation (std 0.02) a 64-wide model's logits stay within about +-1.3, so a
        LoRA on the attention/MLP layers alone cannot make any token likely (the loss stays near
        ``log(vocab)``); about 0.3 lets a few dozen LoRA steps learn a fixed wording.
    :return: ``out_dir`` as a :class:`Path`.
    """
    from transformers import (
        CLIPVisionConfig,
        LlamaConfig,
        LlavaNextConfig,
        LlavaNextForConditionalGeneration,
        LlavaNextProcessor,
    )
    from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else train_tokenizer()
    pinpoints = [[image_size, image_size * 2], [image_size * 2, image_size], [image_size * 2, image_size * 2]]
    config = LlavaNextConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=vision_hidden,
            intermediate_size=vision_hidden * 2,
            num_hidden_layers=vision_layers,
            num_attention_heads=vision_heads,
            image_size=image_size,
            patch_size=patch_size,
        ),
        text_config=LlamaConfig(
            hidden_size=text_hidden,
            intermediate_size=text_hidden * 2 if text_hidden < 1024 else int(text_hidden * 2.75),
            num_hidden_layers=text_layers,
            num_attention_heads=text_heads,
            num_key_value_heads=text_kv_heads,
            vocab_size=max(vocab_size or 0, len(tok)),
            max_position_embeddings=4096,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        ),
        image_token_index=tok.convert_tokens_to_ids(IMAGE_TOKEN),
        image_grid_pinpoints=pinpoints,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
    )
    _seed(seed)
    model = LlavaNextForConditionalGeneration(config)
    if lm_head_std is not None:
        import torch

        with torch.no_grad():
            model.lm_head.weight.normal_(0.0, lm_head_std)
    if dtype is not None:
        model = model.to(dtype)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(out)
    processor = LlavaNextProcessor(
        image_processor=LlavaNextImageProcessorPil(
            size={"shortest_edge": image_size},
            crop_size={"height": image_size, "width": image_size},
            image_grid_pinpoints=pinpoints,
        ),
        tokenizer=tok,
        patch_size=patch_size,
        vision_feature_select_strategy="default",
        image_token=IMAGE_TOKEN,
        num_additional_image_tokens=1,
        chat_template=chat_template,
    )
    processor.save_pretrained(out)
    return out


def build_tiny_pixtral(
    out_dir: str | Path,
    *,
    text_hidden: int = 64,
    text_layers: int = 2,
    text_heads: int = 4,
    text_kv_heads: int = 2,
    vision_hidden: int = 64,
    vision_layers: int = 2,
    vision_heads: int = 2,
    image_size: int = 64,
    patch_size: int = 8,
    chat_template: str | None = None,
    tokenizer=None,
    seed: int = 0,
) -> Path:
    """Write a random-weight Pixtral-style checkpoint to ``out_dir``.

    ``LlavaForConditionalGeneration`` + ``PixtralVisionConfig`` + ``MistralConfig``,
    the tokenizer (with ``[IMG] [IMG_BREAK] [IMG_END]``), a
    ``PixtralImageProcessorPil`` (``longest_edge=image_size``) and a
    ``processor_config.json`` naming ``PixtralProcessor`` as the real
    checkpoints do. No chat template by default (the plain-prompt path).
    """
    from transformers import LlavaConfig, LlavaForConditionalGeneration, MistralConfig, PixtralVisionConfig
    from transformers.models.pixtral.image_processing_pil_pixtral import PixtralImageProcessorPil

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer if tokenizer is not None else train_tokenizer(
        extra_specials=PIXTRAL_IMAGE_TOKENS, image_token=PIXTRAL_IMAGE_TOKENS[0]
    )
    config = LlavaConfig(
        vision_config=PixtralVisionConfig(
            hidden_size=vision_hidden,
            intermediate_size=vision_hidden * 2,
            num_hidden_layers=vision_layers,
            num_attention_heads=vision_heads,
            head_dim=vision_hidden // vision_heads,
            image_size=image_size,
            patch_size=patch_size,
        ),
        text_config=MistralConfig(
            hidden_size=text_hidden,
            intermediate_size=text_hidden * 2,
            num_hidden_layers=text_layers,
            num_attention_heads=text_heads,
            num_key_value_heads=text_kv_heads,
            head_dim=text_hidden // text_heads,
            vocab_size=len(tok),
            max_position_embeddings=4096,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        ),
        image_token_index=tok.convert_tokens_to_ids(PIXTRAL_IMAGE_TOKENS[0]),
        vision_feature_layer=-1,
        vision_feature_select_strategy="full",
        projector_hidden_act="gelu",
        multimodal_projector_bias=True,
    )
    _seed(seed)
    model = LlavaForConditionalGeneration(config)
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(out)
    tok.save_pretrained(out)
    PixtralImageProcessorPil(size={"longest_edge": image_size}, patch_size=patch_size).save_pretrained(out)
    proc_cfg = {
        "processor_class": "PixtralProcessor",
        "patch_size": patch_size,
        "spatial_merge_size": 1,
        "image_token": PIXTRAL_IMAGE_TOKENS[0],
        "image_break_token": PIXTRAL_IMAGE_TOKENS[1],
        "image_end_token": PIXTRAL_IMAGE_TOKENS[2],
    }
    (out / "processor_config.json").write_text(json.dumps(proc_cfg, indent=2), "utf-8")
    if chat_template:
        (out / "chat_template.jinja").write_text(chat_template, "utf-8")
    return out


def make_lora_adapter(
    base_dir: str | Path,
    out_dir: str | Path,
    *,
    seed: int = 1,
    r: int = 4,
    scale: float = 0.5,
    target_modules: str | Sequence[str] = r".*language_model.*\.(q_proj|v_proj|o_proj)",
) -> Path:
    """Save a LoRA adapter for the model in ``base_dir`` to ``out_dir``.

    The base is loaded fresh (``base_dir`` is not modified); ``lora_B`` is
    filled with ``N(0, scale)`` noise from ``seed`` so different seeds give
    adapters with different outputs. ``target_modules`` defaults to the text
    model's attention projections only (a plain ``["q_proj", "v_proj"]``
    would also hit the vision tower).
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForImageTextToText

    base = AutoModelForImageTextToText.from_pretrained(str(base_dir), local_files_only=True)
    peft_model = get_peft_model(
        base,
        LoraConfig(r=r, lora_alpha=2 * r, lora_dropout=0.0, target_modules=target_modules, bias="none"),
    )
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * scale)
    out = Path(out_dir)
    peft_model.save_pretrained(out)
    return out


TRY_README = """# Tiny random-weight LLaVA-NeXT (for trying the tools only)

Written by `pixtralogist finetune tiny-model`. The weights are RANDOM: this
checkpoint knows nothing about images or medicine and its drafts are
meaningless until it is trained. It exists so that `pixtralogist finetune
train`, `finetune dpo`, `eval`, `learn` and `quality` can be tried end to end
on a laptop CPU in minutes, with no download. Never use it for patients.

- architecture: LlavaNextForConditionalGeneration (CLIP vision tower 32x32,
  Llama text model, hidden {hidden}, {layers} layers); about {params} parameters;
- tokenizer: a byte-level BPE (vocabulary {vocab}) trained on generated report
  sentences and the {plugin} templates' drafting prompts;
- seed: {seed}.
"""


def build_tiny_for_trying(out_dir: str | Path, *, plugin: str = "radiology", seed: int = 0,
                          text_hidden: int = 64, text_layers: int = 2, vocab_size: int = 4000,
                          lm_head_std: float = 0.3) -> Path:
    """A tiny random LLaVA-NeXT whose tokenizer knows ``plugin``'s prompts (compact token sequences).

    For trying the tools (``pixtralogist finetune tiny-model``): writes the
    checkpoint and a ``README.md`` that says the weights are random.
    """
    from pixtralogist.core.models import Case
    from pixtralogist.core.plugins import get_plugin_manager
    from pixtralogist.core.structured import build_prompt

    host = get_plugin_manager()
    corpus = list(report_sentences(seed=seed))
    for template in host.templates(plugin):
        prompt = build_prompt(template, Case(indication="cough", notes="follow-up"))
        corpus += [prompt] * 3
        for r in template.regions:
            corpus += [r.normal, json.dumps({r.name: r.normal})] * 3
    tok = train_tokenizer([c for c in corpus if c], vocab_size=vocab_size)
    out = build_tiny_llava_next(out_dir, tokenizer=tok, seed=seed, text_hidden=text_hidden, text_layers=text_layers,
                                lm_head_std=lm_head_std)
    import math

    from safetensors import safe_open

    total = 0
    for f in Path(out).glob("*.safetensors"):
        with safe_open(str(f), "pt") as fh:
            total += sum(math.prod(fh.get_slice(k).get_shape()) for k in fh.keys())
    (Path(out) / "README.md").write_text(TRY_README.format(hidden=text_hidden, layers=text_layers,
                                                           params=f"{total:,}", vocab=len(tok), plugin=plugin,
                                                           seed=seed), "utf-8")
    return Path(out)
