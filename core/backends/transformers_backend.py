"""Local vision-language models with ``transformers``, and per-specialty LoRA adapters.

Any image-text-to-text checkpoint in a LOCAL directory loads through
``AutoModelForImageTextToText`` + ``AutoProcessor`` (``local_files_only=True``):
LLaVA-NeXT, LLaVA-style Pixtral (``LlavaForConditionalGeneration`` with a
Pixtral vision tower), and the others transformers supports.

* **One base, many adapters.** A base model is loaded once per process
  (:data:`MODEL_CACHE`, keyed by path, quantization and device). Each
  plugin's LoRA adapter is attached to it by name with ``load_adapter(path,
  adapter_name=...)`` the first time it is asked for and selected per call
  with ``set_adapter``; a call without an adapter runs the base with the
  adapters disabled. Calls on one base model are serialised by a lock (the
  active adapter is model state).
* **Device and dtype** are automatic: CUDA in bfloat16 (float16 where bf16 is
  not supported) when a GPU is present, otherwise CPU float32.
  ``ModelConfig.device`` overrides the device.
* **Quantization**: ``quantization='4bit'`` (NF4) or ``'8bit'`` loads the
  language model through bitsandbytes; the vision tower, projector and
  ``lm_head`` stay unquantized (:data:`QUANT_SKIP_MODULES`). bitsandbytes >= 0.45
  also runs on CPU (4-bit needs Linear in-features >= 64).
* **Prompt**: the processor's chat template when it has one (images first,
  then the text, one user turn); otherwise a plain prompt with one image
  token per image in front of the text. All images (1-4) go in one request.
* **Decoding**: greedy when ``temperature == 0``, else sampling with
  ``temperature`` and ``top_p``. :meth:`TransformersBackend.stream` runs
  ``generate`` in a thread with a ``TextIteratorStreamer``.

Pixtral without torchvision
---------------------------
transformers' ``PixtralProcessor`` requires torchvision. Where it is missing
(this project's CPU machines must not install it), a checkpoint whose vision
tower is Pixtral loads with :class:`PixtralPilProcessor` instead: the
tokenizer, the PIL image processor (``PixtralImageProcessorPil``) and the
``[IMG]``/``[IMG_BREAK]``/``[IMG_END]`` expansion of ``PixtralProcessor``
(one ``[IMG]`` per patch, ``[IMG_BREAK]`` after each row, ``[IMG_END]`` last),
reading ``patch_size``/``spatial_merge_size``/token names from
``processor_config.json`` and the chat template from ``chat_template.jinja``
(or ``chat_template.json``) when present. It produces the same inputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import threading
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from pixtralogist.core.errors import BackendError
from pixtralogist.core.models import ModelConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

log = logging.getLogger(__name__)

__all__ = [
    "MODEL_CACHE",
    "LoadedModel",
    "ModelCache",
    "PixtralPilProcessor",
    "QUANT_SKIP_MODULES",
    "TransformersBackend",
    "pick_device",
]

#: Modules kept in full precision when quantizing (regexes as transformers matches them:
#: from the start of the module path to a module boundary, or as a suffix).
QUANT_SKIP_MODULES: list[str] = [
    r".*vision_tower",
    r".*vision_model",
    r".*visual",
    r".*multi_modal_projector",
    "lm_head",
]


def pick_device(preference: str = "auto"):
    """``(device, dtype)``: CUDA bf16 (fp16 without bf16 support) when available, else CPU float32."""
    import torch

    if preference == "cpu" or (preference == "auto" and not torch.cuda.is_available()):
        return "cpu", torch.float32
    if not torch.cuda.is_available():
        raise BackendError(f"device {preference!r} was configured but no CUDA GPU is available; use device 'auto' or 'cpu'")
    device = "cuda" if preference == "auto" else preference
    return device, (torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16)


@contextlib.contextmanager
def _quiet_transformers():
    """Silence transformers' load reports (e.g. other adapters' keys listed as 'missing')."""
    from transformers.utils import logging as hf_logging

    before = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(before)


# --- Pixtral processor fallback ------------------------------------------------------


class PixtralPilProcessor:
    """``PixtralProcessor`` without torchvision: tokenizer + PIL image processor + token expansion.

    Only what the backend needs: ``__call__(text=, images=)``,
    ``apply_chat_template``, ``chat_template``, ``tokenizer``, ``image_token``,
    ``decode``.
    """

    def __init__(
        self,
        tokenizer,
        image_processor,
        *,
        patch_size: int = 16,
        spatial_merge_size: int = 1,
        image_token: str = "[IMG]",
        image_break_token: str = "[IMG_BREAK]",
        image_end_token: str = "[IMG_END]",
        chat_template: str | None = None,
    ) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.patch_size = patch_size
        self.spatial_merge_size = spatial_merge_size
        self.image_token = image_token
        self.image_break_token = image_break_token
        self.image_end_token = image_end_token
        self.chat_template = chat_template
        unk = tokenizer.unk_token_id
        for tok in (image_token, image_break_token, image_end_token):
            tid = tokenizer.convert_tokens_to_ids(tok)
            if tid is None or (unk is not None and tid == unk):
                raise BackendError(f"the tokenizer has no {tok!r} token, which a Pixtral checkpoint needs")

    @classmethod
    def from_pretrained(cls, path: str | Path) -> "PixtralPilProcessor":
        from transformers import AutoTokenizer
        from transformers.models.pixtral.image_processing_pil_pixtral import PixtralImageProcessorPil

        path = Path(path)
        cfg: dict[str, Any] = {}
        if (path / "processor_config.json").is_file():
            cfg = json.loads((path / "processor_config.json").read_text("utf-8"))
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        image_processor = PixtralImageProcessorPil.from_pretrained(str(path), local_files_only=True)
        chat_template = None
        if (path / "chat_template.jinja").is_file():
            chat_template = (path / "chat_template.jinja").read_text("utf-8")
        elif (path / "chat_template.json").is_file():
            chat_template = json.loads((path / "chat_template.json").read_text("utf-8")).get("chat_template")
        else:
            chat_template = getattr(tokenizer, "chat_template", None)
        patch = cfg.get("patch_size")
        if patch is None:
            patch = getattr(image_processor, "patch_size", None)
            patch = patch.get("height") if isinstance(patch, dict) else patch
        return cls(
            tokenizer,
            image_processor,
            patch_size=int(patch or 16),
            spatial_merge_size=int(cfg.get("spatial_merge_size", 1)),
            image_token=cfg.get("image_token", "[IMG]"),
            image_break_token=cfg.get("image_break_token", "[IMG_BREAK]"),
            image_end_token=cfg.get("image_end_token", "[IMG_END]"),
            chat_template=chat_template,
        )

    def apply_chat_template(self, conversation, *, add_generation_prompt: bool = True, tokenize: bool = False, **kw):
        return self.tokenizer.apply_chat_template(
            conversation, chat_template=self.chat_template, add_generation_prompt=add_generation_prompt,
            tokenize=tokenize, **kw,
        )

    def _expansion(self, height: int, width: int) -> str:
        step = self.patch_size * self.spatial_merge_size
        rows, cols = height // step, width // step
        tokens = ([self.image_token] * cols + [self.image_break_token]) * rows
        tokens[-1] = self.image_end_token
        return "".join(tokens)

    def __call__(self, *, text: str, images: list, return_tensors: str = "pt", add_special_tokens: bool = True):
        from transformers import BatchFeature

        image_inputs = self.image_processor(
            images, patch_size=self.patch_size * self.spatial_merge_size, return_tensors=return_tensors
        )
        parts = text.split(self.image_token)
        if len(parts) - 1 != len(images):
            raise BackendError(f"the prompt has {len(parts) - 1} image tokens for {len(images)} images")
        sizes = image_inputs["image_sizes"]
        out = [parts[0]]
        for i, rest in enumerate(parts[1:]):
            h, w = (int(v) for v in sizes[i])
            out += [self._expansion(h, w), rest]
        text_inputs = self.tokenizer("".join(out), return_tensors=return_tensors, add_special_tokens=add_special_tokens)
        return BatchFeature(data={**text_inputs, **image_inputs})

    def decode(self, *args, **kwargs) -> str:
        return self.tokenizer.decode(*args, **kwargs)


# --- loading and caching -----------------------------------------------------------------


@dataclass
class LoadedModel:
    """A base model in memory with its processor and the adapters attached to it."""

    key: tuple[str, str | None, str]
    path: Path
    model: Any
    processor: Any
    device: str
    dtype: Any
    quantization: str | None
    load_seconds: float
    adapters: dict[str, str] = field(default_factory=dict)  # resolved adapter dir -> adapter name
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def tokenizer(self):
        return getattr(self.processor, "tokenizer", self.processor)

    @property
    def uses_fallback_processor(self) -> bool:
        return isinstance(self.processor, PixtralPilProcessor)


class ModelCache:
    """Base models by ``(path, quantization, device)``: loaded once, shared by every backend object.

    ``loads`` counts actual loads per key (tests and ``pixtralogist models``
    use it to show that switching adapters never reloads the base).
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str | None, str], LoadedModel] = {}
        self._key_locks: dict[tuple[str, str | None, str], threading.Lock] = {}
        self._lock = threading.Lock()
        self.loads: Counter[tuple[str, str | None, str]] = Counter()

    def get(self, path: str | Path, quantization: str | None, device_pref: str = "auto") -> LoadedModel:
        device, dtype = pick_device(device_pref)
        resolved = Path(path).expanduser().resolve()
        key = (str(resolved), quantization, device)
        with self._lock:
            if key in self._entries:
                return self._entries[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one load per key even when several threads ask at once
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            loaded = _load(resolved, quantization, device, dtype, key)
            with self._lock:
                self._entries[key] = loaded
                self.loads[key] += 1
            return loaded

    def peek(self, path: str | Path, quantization: str | None, device_pref: str = "auto") -> LoadedModel | None:
        """The loaded entry if any (never loads)."""
        try:
            device, _ = pick_device(device_pref)
        except BackendError:
            return None
        key = (str(Path(path).expanduser().resolve()), quantization, device)
        with self._lock:
            return self._entries.get(key)

    def clear(self) -> None:
        """Forget every loaded model (frees their memory once nothing else refers to them)."""
        with self._lock:
            self._entries.clear()
            self._key_locks.clear()
            self.loads.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: The process-wide cache used by :class:`TransformersBackend` unless one is passed.
MODEL_CACHE = ModelCache()


class _OnceFilter(logging.Filter):
    """Let a repeated log message through once."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle, self.seen = needle, False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.needle not in record.getMessage():
            return True
        if self.seen:
            return False
        self.seen = True
        return True


def _quantization_config(quantization: str | None, dtype):
    if quantization is None:
        return None
    try:
        import bitsandbytes  # noqa: F401
        from transformers import BitsAndBytesConfig
    except Exception as exc:  # ImportError, or a broken native library
        raise BackendError(
            f"quantization {quantization!r} needs bitsandbytes, which cannot be imported here "
            f"({type(exc).__name__}: {exc}); install the 'gpu' extra or set quantization to none"
        ) from exc
    if quantization == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=dtype,
            bnb_4bit_use_double_quant=False,
            llm_int8_skip_modules=list(QUANT_SKIP_MODULES),
        )
    if quantization == "8bit":
        # bitsandbytes logs "inputs will be cast ... to float16" on EVERY 8-bit matmul; once is enough.
        bnb_log = logging.getLogger("bitsandbytes.autograd._functions")
        if not any(isinstance(f, _OnceFilter) for f in bnb_log.filters):
            bnb_log.addFilter(_OnceFilter("inputs will be cast"))
        return BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=list(QUANT_SKIP_MODULES))
    raise BackendError(f"unknown quantization {quantization!r}; use '4bit', '8bit' or none")


def _is_pixtral(model) -> bool:
    vision = getattr(model.config, "vision_config", None)
    return getattr(vision, "model_type", None) == "pixtral"


def _load_processor(path: Path, model):
    from transformers import AutoProcessor

    try:
        with _quiet_transformers():
            processor = AutoProcessor.from_pretrained(str(path), local_files_only=True)
    except ImportError as exc:  # e.g. PixtralProcessor needs torchvision
        if not _is_pixtral(model):
            raise
        log.info("AutoProcessor failed (%s); using the PIL Pixtral processor", exc)
        return PixtralPilProcessor.from_pretrained(path)
    if _is_pixtral(model) and type(processor).__name__ != "PixtralProcessor":
        # A Pixtral tower behind a generic processor (no processor_config.json): the generic
        # processor would count image tokens the LLaVA way; use the Pixtral expansion instead.
        return PixtralPilProcessor.from_pretrained(path)
    return processor


def _load(path: Path, quantization: str | None, device: str, dtype, key) -> LoadedModel:
    if not path.is_dir():
        raise BackendError(f"the base model directory {path} does not exist; set base_model to a local checkpoint")
    if not (path / "config.json").is_file():
        raise BackendError(f"{path} is not a transformers checkpoint (no config.json); point base_model at one")
    t0 = time.perf_counter()
    try:
        from transformers import AutoModelForImageTextToText

        qconfig = _quantization_config(quantization, dtype)
        kwargs: dict[str, Any] = {"local_files_only": True, "dtype": dtype}
        if qconfig is not None:
            kwargs["quantization_config"] = qconfig
            kwargs["device_map"] = {"": device}
        with _quiet_transformers():
            model = AutoModelForImageTextToText.from_pretrained(str(path), **kwargs)
        if qconfig is None:
            model = model.to(device)
        model.eval()
        processor = _load_processor(path, model)
    except BackendError:
        raise
    except Exception as exc:
        raise BackendError(
            f"cannot load the model in {path} ({type(exc).__name__}: {exc}). It must be a local "
            "image-text-to-text checkpoint (config, weights, processor and tokenizer files)."
        ) from exc
    seconds = time.perf_counter() - t0
    log.info("loaded %s on %s (%s, quantization=%s) in %.1fs", path, device, dtype, quantization, seconds)
    return LoadedModel(key=key, path=path, model=model, processor=processor, device=device, dtype=dtype,
                       quantization=quantization, load_seconds=seconds)


def adapter_name_for(path: Path) -> str:
    """A stable, module-safe adapter name for an adapter directory (its name plus a short hash of the path)."""
    stem = re.sub(r"\W+", "_", path.name).strip("_") or "adapter"
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:8]
    return f"{stem}_{digest}"


# --- the backend ---------------------------------------------------------------------------


class _Cancelled:
    """A stopping criterion that ends generation once the stream's consumer has gone away."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device)


class TransformersBackend:
    """A local checkpoint through transformers; see the module docstring."""

    name = "transformers"

    def __init__(self, config: ModelConfig, *, cache: ModelCache | None = None) -> None:
        if not config.base_model:
            raise BackendError("the transformers backend needs base_model: a local checkpoint directory")
        self.config = config
        self.cache = cache if cache is not None else MODEL_CACHE

    # -- loading ------------------------------------------------------------------------

    def load(self) -> LoadedModel:
        """The base model and processor (loaded on first use, then shared)."""
        return self.cache.get(self.config.base_model, self.config.quantization, self.config.device)

    def _select_adapter(self, loaded: LoadedModel, adapter: str | None) -> str | None:
        """Attach (first time) and activate ``adapter``; disable adapters for ``None``. Call under the lock."""
        model = loaded.model
        if adapter is None:
            if loaded.adapters:
                model.disable_adapters()
            return None
        path = Path(adapter).expanduser()
        if path.is_dir():
            resolved = str(path.resolve())
            name = loaded.adapters.get(resolved)
            if name is None:
                name = adapter_name_for(Path(resolved))
                try:
                    with _quiet_transformers(), warnings.catch_warnings():
                        # peft warns that a second adapter makes "multiple adapters": that is the point.
                        warnings.filterwarnings("ignore", message=".*multiple adapters.*")
                        model.load_adapter(resolved, adapter_name=name, hotswap=False)
                except Exception as exc:
                    raise BackendError(
                        f"cannot attach the LoRA adapter {resolved} to {loaded.path.name} "
                        f"({type(exc).__name__}: {exc}); was it trained on this base model?"
                    ) from exc
                loaded.adapters[resolved] = name
        elif adapter in loaded.adapters.values():
            name = adapter
        else:
            raise BackendError(
                f"LoRA adapter {adapter!r} not found: it is not a directory and no adapter of that name is "
                f"attached to {loaded.path.name}; set adapter to the adapter's directory"
            )
        model.enable_adapters()
        model.set_adapter(name)
        return name

    # -- inputs -------------------------------------------------------------------------

    def build_text(self, loaded: LoadedModel, n_images: int, prompt: str) -> tuple[str, bool]:
        """The model's input text for ``n_images`` images and ``prompt``; ``(text, from_chat_template)``."""
        processor = loaded.processor
        image_token = (
            getattr(processor, "image_token", None)
            or getattr(loaded.tokenizer, "image_token", None)
            or "<image>"
        )
        if getattr(processor, "chat_template", None):
            messages = [{
                "role": "user",
                "content": [{"type": "image"} for _ in range(n_images)] + [{"type": "text", "text": prompt}],
            }]
            text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
            if isinstance(text, list):
                text = text[0]
            found = text.count(image_token)
            if found < n_images:  # a text-only template: put the missing image tokens first
                text = image_token * (n_images - found) + "\n" + text
            return text, True
        return "".join(f"{image_token}\n" for _ in range(n_images)) + prompt, False

    def prepare_inputs(self, loaded: LoadedModel, images: "list[Image]", prompt: str):
        """Processor output on the model's device (floating tensors in the model's dtype)."""
        import torch

        if not 1 <= len(images) <= 4:
            raise BackendError(f"a request takes 1-4 images, got {len(images)}")
        rgb = [im if im.mode == "RGB" else im.convert("RGB") for im in images]
        text, templated = self.build_text(loaded, len(rgb), prompt)
        kwargs: dict[str, Any] = {}
        bos = getattr(loaded.tokenizer, "bos_token", None)
        if templated and bos and text.startswith(bos):
            kwargs["add_special_tokens"] = False  # the template already wrote BOS
        try:
            batch = loaded.processor(text=text, images=rgb, return_tensors="pt", **kwargs)
        except BackendError:
            raise
        except Exception as exc:
            raise BackendError(f"the processor of {loaded.path.name} rejected the input ({type(exc).__name__}: {exc})") from exc
        out = {}
        for key, value in dict(batch).items():
            if isinstance(value, torch.Tensor):
                value = value.to(loaded.device)
                if value.is_floating_point():
                    value = value.to(loaded.dtype)
            out[key] = value
        return out

    def generation_kwargs(self, loaded: LoadedModel, max_new_tokens: int | None, temperature: float | None) -> dict:
        """``generate`` keyword arguments: greedy at temperature 0, else sampling with temperature/top_p."""
        temperature = self.config.temperature if temperature is None else temperature
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens or self.config.max_new_tokens}
        if temperature > 0:
            kwargs.update(do_sample=True, temperature=temperature, top_p=self.config.top_p)
        else:
            kwargs.update(do_sample=False)
        tok = loaded.tokenizer
        pad = getattr(tok, "pad_token_id", None)
        kwargs["pad_token_id"] = pad if pad is not None else getattr(tok, "eos_token_id", None)
        return kwargs

    # -- generation ------------------------------------------------------------------------

    def generate(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> str:
        import torch

        loaded = self.load()
        inputs = self.prepare_inputs(loaded, images, prompt)
        gen = self.generation_kwargs(loaded, max_new_tokens, temperature)
        with loaded.lock:
            self._select_adapter(loaded, adapter)
            try:
                with torch.inference_mode():
                    out = loaded.model.generate(**inputs, **gen)
            except Exception as exc:
                raise BackendError(f"generation with {loaded.path.name} failed ({type(exc).__name__}: {exc})") from exc
        new_tokens = out[0, inputs["input_ids"].shape[1]:]
        return loaded.tokenizer.decode(new_tokens, skip_special_tokens=True)

    def stream(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        loaded = self.load()
        inputs = self.prepare_inputs(loaded, images, prompt)
        gen = self.generation_kwargs(loaded, max_new_tokens, temperature)
        streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancelled = _Cancelled()
        errors: list[BaseException] = []

        def work() -> None:
            try:
                with loaded.lock:
                    self._select_adapter(loaded, adapter)
                    with torch.inference_mode():
                        loaded.model.generate(
                            **inputs, **gen, streamer=streamer, stopping_criteria=StoppingCriteriaList([cancelled])
                        )
            except BaseException as exc:  # reported to the consumer below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=work, name="pixtralogist-generate", daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if errors:
                    break
                if piece:
                    yield piece
        finally:
            cancelled.event.set()  # consumer stopped early: end generation at the next token
            thread.join()
        if errors:
            exc = errors[0]
            if isinstance(exc, BackendError):
                raise exc
            raise BackendError(f"generation with {loaded.path.name} failed ({type(exc).__name__}: {exc})") from exc

    # -- reporting ------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        cfg = self.config
        loaded = self.cache.peek(cfg.base_model, cfg.quantization, cfg.device)
        info: dict[str, Any] = {
            "backend": self.name,
            "base_model": cfg.base_model,
            "model": Path(cfg.base_model).name,
            "adapter": cfg.adapter,
            "adapter_version": cfg.adapter_version,
            "quantization": cfg.quantization,
            "device": cfg.device,
            "max_new_tokens": cfg.max_new_tokens,
            "temperature": cfg.temperature,
            "loaded": loaded is not None,
        }
        if loaded is not None:
            info.update(
                device=loaded.device,
                dtype=str(loaded.dtype).removeprefix("torch."),
                model_class=type(loaded.model).__name__,
                processor_class=type(loaded.processor).__name__,
                adapters_attached=sorted(loaded.adapters.values()),
            )
        return info

    def check(self) -> dict[str, Any]:
        """Load the processor, the model and the configured adapter; details on success."""
        loaded = self.load()
        adapter_name = None
        if self.config.adapter:
            with loaded.lock:
                adapter_name = self._select_adapter(loaded, self.config.adapter)
        n_params = sum(p.numel() for p in loaded.model.parameters())
        return {
            "ok": True,
            "model_class": type(loaded.model).__name__,
            "processor_class": type(loaded.processor).__name__,
            "device": loaded.device,
            "dtype": str(loaded.dtype).removeprefix("torch."),
            "parameters": n_params,
            "adapter": adapter_name,
            "load_seconds": round(loaded.load_seconds, 2),
        }
