"""Model backends: one small interface, several engines.

A backend turns images plus a prompt into text. Drafting logic (the prompt,
parsing the answer into regions, findings, provenance) lives in
:mod:`pixtralogist.core.structured` and :mod:`pixtralogist.core.model_drafter`
and is the same for every backend.

=============== ==================================================================
``backend``     engine
=============== ==================================================================
``offline``     no model: the plugin's dictation drafter (not a backend here)
``transformers`` a local image-text-to-text checkpoint (LLaVA-NeXT, Pixtral, ...)
                with per-specialty LoRA adapters switched by name
                (:mod:`.transformers_backend`)
``openai``      an OpenAI-compatible server (vLLM, Ollama, llama.cpp server,
                hosted APIs) over HTTP (:mod:`.openai_backend`)
=============== ==================================================================

>>> from pixtralogist.core.models import ModelConfig
>>> backend = get_backend(ModelConfig(backend="openai", endpoint="http://gpu:8000", model_name="pixtral"))
>>> backend.describe()["endpoint"]
'http://gpu:8000/v1'

Every failure a backend meets (not loadable, server down, bad answer) is a
:class:`~pixtralogist.core.errors.BackendError` whose message says what to
check. Heavy libraries (torch, transformers) are imported on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Protocol, runtime_checkable

from pixtralogist.core.errors import ConfigError
from pixtralogist.core.models import ModelConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

__all__ = ["Backend", "BACKENDS", "get_backend"]

#: Backends that run a model (``offline`` is the dictation drafter, no model).
BACKENDS: tuple[str, ...] = ("transformers", "openai")


@runtime_checkable
class Backend(Protocol):
    """What every model backend provides.

    ``adapter`` selects a LoRA adapter per call (a local adapter directory
    for ``transformers``; the served adapter's name for ``openai``); ``None``
    runs the base model. ``max_new_tokens`` / ``temperature`` default to the
    backend's :class:`~pixtralogist.core.models.ModelConfig`; temperature 0
    means greedy decoding.
    """

    #: ``'transformers'`` or ``'openai'`` (goes into the draft's provenance as the engine).
    name: str

    def generate(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> str:
        """The model's whole answer for ``images`` (1-4, sent together) and ``prompt``."""
        ...

    def stream(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]:
        """The same answer as text pieces as they are produced (for the UI); joined they equal :meth:`generate`."""
        ...

    def describe(self) -> dict[str, Any]:
        """What is configured (no secrets), for ``pixtralogist models``; does not load anything."""
        ...

    def check(self) -> dict[str, Any]:
        """Load / contact the model now; returns details, raises ``BackendError`` with the reason if it cannot."""
        ...


def get_backend(config: ModelConfig) -> Backend:
    """The backend for ``config``.

    Transformers backends share loaded base models through a process-wide
    cache (keyed by path, quantization and device), so creating one per
    draft is cheap. ``backend='offline'`` has no model backend: ask the plugin
    host for the offline (dictation) drafter instead.
    """
    if config.backend == "transformers":
        from pixtralogist.core.backends.transformers_backend import TransformersBackend

        return TransformersBackend(config)
    if config.backend == "openai":
        from pixtralogist.core.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(config)
    if config.backend == "offline":
        raise ConfigError(
            "backend 'offline' has no model: it drafts from the clinician's dictation with the plugin's "
            "dictation drafter. Configure backend 'transformers' or 'openai' to use a vision-language model."
        )
    raise ConfigError(f"unknown backend {config.backend!r}; choose one of: offline, {', '.join(BACKENDS)}")
