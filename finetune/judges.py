"""Judge backends: who reads a (reference, candidate) pair and says what is wrong with it.

=============================== ===================================================================
spec (``--judge``)              judge
=============================== ===================================================================
``offline``                     :class:`OfflineJudge`: the deterministic comparator
                                (:mod:`.comparator`), metric ``offline-finding-match`` (not GREEN)
``local:<dir>``                 :class:`LocalJudge`: a causal LM directory (GREEN-RadLlama2-7b,
                                GREEN-Phi2, ...) with transformers, greedy, batched; metric GREEN
``openai:<url>#<model>``        :class:`OpenAIJudge`: an OpenAI-compatible server of a judge model
                                (vLLM: the fast path at scale), concurrent requests; metric GREEN
=============================== ===================================================================

Every judge has ``metric`` (the label results are tabulated under) and
``judge(pairs) -> list[JudgeResult]`` for ``pairs`` of ``(reference,
candidate)`` texts, one result per pair in order. A GREEN judge's answer goes
through :func:`pixtralogist.finetune.green.parse_judge_output`: an answer that
does not follow the format gives ``score=None`` (the pair is counted as
unscored, never as 0 or 1). Both GREEN judges feed the model the reference
implementation's input framing (:mod:`.green_input`). Heavy imports (torch, transformers) happen on
first use.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

from pixtralogist.core.errors import BackendError, ConfigError
from pixtralogist.finetune.green import GREEN_METRIC, JudgeResult, build_prompt, parse_judge_output
from pixtralogist.finetune.green_input import GREEN_CHAT_TEMPLATE, GREEN_MAX_LENGTH, green_messages, render_green_input

log = logging.getLogger(__name__)

__all__ = ["Judge", "LocalJudge", "OfflineJudge", "OpenAIJudge", "make_judge"]

Pair = tuple[str, str]


@runtime_checkable
class Judge(Protocol):
    """Scores (reference, candidate) pairs."""

    metric: str

    def judge(self, pairs: Sequence[Pair]) -> list[JudgeResult]:  # pragma: no cover - interface
        ...

    def describe(self) -> dict:  # pragma: no cover - interface
        ...


class OfflineJudge:
    """The offline comparator as a judge (metric ``offline-finding-match``)."""

    def __init__(self, **options) -> None:
        from pixtralogist.finetune.comparator import OfflineComparator

        self.comparator = OfflineComparator(**options)
        self.metric = self.comparator.metric

    def judge(self, pairs: Sequence[Pair]) -> list[JudgeResult]:
        return self.comparator.compare_many(pairs)

    def describe(self) -> dict:
        return {"judge": "offline", "metric": self.metric}


class LocalJudge:
    """A GREEN judge model on this machine (transformers ``AutoModelForCausalLM``), greedy and batched.

    It reads its input exactly as in the reference implementation (see
    :mod:`.green_input`): the tokenizer is loaded with ``add_eos_token=True``,
    ``padding_side="left"`` and ``pad_token = eos_token``; its chat template is
    replaced by :data:`~.green_input.GREEN_CHAT_TEMPLATE`, whatever it ships
    with; each prompt is one ``{"from": "human", "value": prompt}`` message
    rendered with the generation prompt; the batch is encoded with
    ``padding=True, truncation=True, max_length=max_length`` (the tokenizer's
    special tokens added, as the reference's call does) and decoded greedily
    with ``max_length`` tokens in all, the prompt included. Only the generated
    tokens are decoded.

    :param model_dir: a local causal LM directory (tokenizer included).
    :param batch_size: prompts per ``generate`` call.
    :param max_length: the reference's budget, 2048 tokens for prompt and answer together.
    :param max_new_tokens: an extra cap on the answer (``None``, the default, as in the
        reference: only ``max_length`` limits it); for smoke tests.
    :param device: ``'auto'`` (CUDA when available), ``'cpu'`` or ``'cuda[:N]'``.
    """

    metric = GREEN_METRIC

    def __init__(self, model_dir: str | Path, *, batch_size: int = 8, max_length: int = GREEN_MAX_LENGTH,
                 max_new_tokens: int | None = None, device: str = "auto") -> None:
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise ConfigError(f"judge model directory not found: {self.model_dir}")
        if batch_size < 1 or max_length < 2 or (max_new_tokens is not None and max_new_tokens < 1):
            raise ConfigError("batch_size and max_new_tokens must be >= 1, max_length >= 2")
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.max_length = max_length
        self.device = device
        self._model = None
        self._tok = None

    def _load(self):
        if self._model is not None:
            return self._model, self._tok
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - the training extra is missing
            raise BackendError(f"the local judge needs torch and transformers: {exc}") from exc
        device = self.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            # the reference's tokenizer options (green_score/green.py)
            tok = AutoTokenizer.from_pretrained(str(self.model_dir), add_eos_token=True, use_fast=True,
                                                padding_side="left")
            model = AutoModelForCausalLM.from_pretrained(str(self.model_dir), dtype=dtype)
        except Exception as exc:
            raise BackendError(f"cannot load the judge model from {self.model_dir}: {exc}") from exc
        if tok.eos_token is None:
            raise BackendError(f"the judge tokenizer in {self.model_dir} has no eos_token: the GREEN template needs one")
        tok.chat_template = GREEN_CHAT_TEMPLATE
        tok.pad_token = tok.eos_token
        tok.padding_side = "left"  # decoder-only: pad on the left so generation continues the prompt
        model.to(device).eval()
        self._model, self._tok, self._device = model, tok, device
        return model, tok

    def render(self, prompt: str) -> str:
        """The text the judge reads for ``prompt`` (the reference's chat template, generation prompt added)."""
        _, tok = self._load()
        return tok.apply_chat_template(green_messages(prompt), tokenize=False, add_generation_prompt=True)

    def generate(self, prompts: Sequence[str]) -> list[str]:
        """The judge's raw answers to ``prompts`` (greedy), in order."""
        import torch

        model, tok = self._load()
        out: list[str] = []
        for i in range(0, len(prompts), self.batch_size):
            texts = [self.render(p) for p in prompts[i : i + self.batch_size]]
            enc = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_length)
            n_prompt = enc["input_ids"].shape[1]
            if n_prompt >= self.max_length:
                log.warning("a judge prompt fills the %d-token budget: no room for the answer (unscored)",
                            self.max_length)
                out.extend([""] * len(texts))
                continue
            enc = {k: v.to(self._device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
            limits = {"max_length": self.max_length}
            if self.max_new_tokens is not None:
                limits = {"max_new_tokens": min(self.max_new_tokens, self.max_length - n_prompt)}
            with torch.inference_mode():
                gen = model.generate(
                    **enc, do_sample=False, **limits,
                    pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                )
            new = gen[:, n_prompt:]
            out.extend(tok.batch_decode(new, skip_special_tokens=True))
        return out

    def judge(self, pairs: Sequence[Pair]) -> list[JudgeResult]:
        prompts = [build_prompt(r, c) for r, c in pairs]
        return [parse_judge_output(a) for a in self.generate(prompts)] if prompts else []

    def describe(self) -> dict:
        return {"judge": "local", "metric": self.metric, "model_dir": str(self.model_dir),
                "input": "GREEN reference chat template", "batch_size": self.batch_size,
                "max_length": self.max_length, "max_new_tokens": self.max_new_tokens}


OPENAI_APIS = ("completions", "chat")


class OpenAIJudge:
    """A GREEN judge model behind an OpenAI-compatible server (vLLM), fed the reference's input.

    Two ways to make the server's model read exactly what the reference feeds it
    (:mod:`.green_input`):

    * ``api="completions"`` (default): the judge renders the reference chat template
      itself (:func:`~.green_input.render_green_input` with ``eos_token``, ``</s>`` for
      GREEN-RadLlama2-7b, ``<|endoftext|>`` for GREEN-Phi2) and sends the text to
      ``POST /v1/completions``; the server only tokenizes it (vLLM adds the BOS token there,
      as the reference's tokenizer call does). Works with any server configuration.
    * ``api="chat"``: the bare prompt goes to ``POST /v1/chat/completions`` as one user
      message, with ``add_special_tokens: true`` (a vLLM request field: the reference's
      tokenizer call adds BOS). The server must render it with the shipped template:
      ``vllm serve <judge> --chat-template <green_input.chat_template_path()>``;
      with the model's own template the judge reads another framing.

    ``max_new_tokens=None`` (default) sends no ``max_tokens``: vLLM then allows up to
    ``--max-model-len`` minus the prompt, so ``--max-model-len 2048`` reproduces the
    reference's 2048-token budget, prompt included.

    Reuses :class:`pixtralogist.core.backends.openai_backend.OpenAIBackend`'s
    HTTP client (endpoint normalisation, API key from ``api_key_env``,
    timeouts, retries on connection errors / 429 / 5xx, clear
    :class:`~pixtralogist.core.errors.BackendError` messages). One request per
    pair, temperature 0, up to ``concurrency`` in flight (vLLM batches them on
    the server). A pair whose request fails is unscored (``score=None``, the
    error in ``explanation``); if every request fails the error is raised.
    """

    metric = GREEN_METRIC

    def __init__(self, endpoint: str, model: str, *, api: str = "completions", eos_token: str = "</s>",
                 api_key_env: str | None = None, concurrency: int = 8, max_new_tokens: int | None = None,
                 timeout_s: float = 300.0, max_retries: int = 2) -> None:
        from pixtralogist.core.backends.openai_backend import OpenAIBackend
        from pixtralogist.core.models import ModelConfig

        if not model:
            raise ConfigError("the openai judge needs a model name: --judge openai:<url>#<model>")
        if api not in OPENAI_APIS:
            raise ConfigError(f"judge api {api!r}: use one of {', '.join(OPENAI_APIS)}")
        if api == "completions" and not eos_token:
            raise ConfigError("the completions api renders the GREEN template itself: give the judge's eos_token")
        cfg = ModelConfig(backend="openai", endpoint=endpoint, model_name=model, api_key_env=api_key_env,
                          timeout_s=timeout_s, max_retries=max_retries, max_new_tokens=max_new_tokens or 1024)
        self.client = OpenAIBackend(cfg)
        self.model = model
        self.api = api
        self.eos_token = eos_token
        self.concurrency = max(1, concurrency)
        self.max_new_tokens = max_new_tokens

    def request(self, prompt: str) -> tuple[str, dict]:
        """The path and JSON body sent for ``prompt``."""
        body: dict = {"model": self.model, "temperature": 0.0}
        if self.max_new_tokens is not None:
            body["max_tokens"] = self.max_new_tokens
        if self.api == "completions":
            body["prompt"] = render_green_input(prompt, self.eos_token)
            return "/completions", body
        body["messages"] = [{"role": "user", "content": prompt}]
        body["add_special_tokens"] = True
        return "/chat/completions", body

    def ask(self, prompt: str) -> str:
        """One completion: the judge's raw answer."""
        path, body = self.request(prompt)
        response = self.client._open("POST", path, body)
        data = self.client._read_json(response, "the judge's completion")
        if self.api == "chat":
            return self.client._message_text(data)
        try:
            return str(data["choices"][0]["text"] or "")
        except (KeyError, IndexError, TypeError) as exc:
            raise BackendError(f"the model server at {self.client.base_url} answered /completions without "
                               f"choices[0].text (is it an OpenAI-compatible completions endpoint?)") from exc

    def judge(self, pairs: Sequence[Pair]) -> list[JudgeResult]:
        prompts = [build_prompt(r, c) for r, c in pairs]
        if not prompts:
            return []

        def one(prompt: str) -> JudgeResult | BackendError:
            try:
                return parse_judge_output(self.ask(prompt))
            except BackendError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts))) as pool:
            answers = list(pool.map(one, prompts))
        errors = [a for a in answers if isinstance(a, BackendError)]
        if errors and len(errors) == len(answers):
            raise errors[0]
        out = []
        for a in answers:
            if isinstance(a, BackendError):
                log.warning("judge request failed: %s", a)
                out.append(JudgeResult(score=None, matched=None, explanation=f"judge request failed: {a}"))
            else:
                out.append(a)
        return out

    def describe(self) -> dict:
        return {"judge": "openai", "metric": self.metric, "endpoint": self.client.base_url, "model": self.model,
                "api": self.api, "eos_token": self.eos_token if self.api == "completions" else None,
                "input": "GREEN reference chat template", "concurrency": self.concurrency}


def make_judge(spec: str | None, **options) -> Judge:
    """A judge from its spec: ``offline``, ``local:<dir>`` or ``openai:<url>#<model>`` (see the module docstring).

    ``options`` go to the judge's constructor (e.g. ``batch_size``, ``api_key_env``).
    """
    spec = (spec or "offline").strip()
    if spec == "offline":
        return OfflineJudge(**options)
    kind, _, rest = spec.partition(":")
    if kind == "local" and rest:
        return LocalJudge(rest, **options)
    if kind == "openai" and rest:
        url, _, model = rest.partition("#")
        if not url or not model:
            raise ConfigError(f"judge {spec!r}: write openai:<url>#<model>, e.g. openai:http://gpu:8000#GREEN-RadLlama2-7b")
        return OpenAIJudge(url, model, **options)
    raise ConfigError(
        f"unknown judge {spec!r}: use 'offline', 'local:<model dir>' or 'openai:<url>#<model>'"
    )
