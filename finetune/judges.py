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
unscored, never as 0 or 1). Heavy imports (torch, transformers) happen on
first use.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

from pixtralogist.core.errors import BackendError, ConfigError
from pixtralogist.finetune.green import GREEN_METRIC, JudgeResult, build_prompt, parse_judge_output

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

    :param model_dir: a local causal LM directory (tokenizer included).
    :param batch_size: prompts per ``generate`` call (the reference implementation uses 8).
    :param max_new_tokens: the answer's length limit.
    :param max_length: prompts are truncated (from the left) to this many tokens.
    :param device: ``'auto'`` (CUDA when available), ``'cpu'`` or ``'cuda[:N]'``.

    The prompt goes through the tokenizer's chat template when it has one
    (the message carries both ``role``/``content`` and the GREEN models'
    ``from``/``value`` keys), else it is used as it is. Only the generated
    tokens are decoded.
    """

    metric = GREEN_METRIC

    def __init__(self, model_dir: str | Path, *, batch_size: int = 8, max_new_tokens: int = 1024,
                 max_length: int = 2048, device: str = "auto") -> None:
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise ConfigError(f"judge model directory not found: {self.model_dir}")
        if batch_size < 1 or max_new_tokens < 1:
            raise ConfigError("batch_size and max_new_tokens must be >= 1")
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
            tok = AutoTokenizer.from_pretrained(str(self.model_dir))
            model = AutoModelForCausalLM.from_pretrained(str(self.model_dir), dtype=dtype)
        except Exception as exc:
            raise BackendError(f"cannot load the judge model from {self.model_dir}: {exc}") from exc
        tok.padding_side = "left"  # decoder-only: pad on the left so generation continues the prompt
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token or tok.unk_token
        model.to(device).eval()
        self._model, self._tok, self._device = model, tok, device
        return model, tok

    def _text(self, prompt: str) -> str:
        tok = self._tok
        if getattr(tok, "chat_template", None):
            msg = {"role": "user", "content": prompt, "from": "human", "value": prompt}
            try:
                return tok.apply_chat_template([msg], tokenize=False, add_generation_prompt=True)
            except Exception:  # a template that wants other keys: the plain prompt
                pass
        return prompt

    def generate(self, prompts: Sequence[str]) -> list[str]:
        """The judge's raw answers to ``prompts`` (greedy), in order."""
        import torch

        model, tok = self._load()
        out: list[str] = []
        for i in range(0, len(prompts), self.batch_size):
            texts = [self._text(p) for p in prompts[i : i + self.batch_size]]
            tok.truncation_side = "left"
            enc = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_length,
                      add_special_tokens=not getattr(tok, "chat_template", None))
            enc = {k: v.to(self._device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
            with torch.inference_mode():
                gen = model.generate(
                    **enc, do_sample=False, max_new_tokens=self.max_new_tokens,
                    pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                )
            new = gen[:, enc["input_ids"].shape[1]:]
            out.extend(tok.batch_decode(new, skip_special_tokens=True))
        return out

    def judge(self, pairs: Sequence[Pair]) -> list[JudgeResult]:
        prompts = [build_prompt(r, c) for r, c in pairs]
        return [parse_judge_output(a) for a in self.generate(prompts)] if prompts else []

    def describe(self) -> dict:
        return {"judge": "local", "metric": self.metric, "model_dir": str(self.model_dir),
                "batch_size": self.batch_size, "max_new_tokens": self.max_new_tokens}


class OpenAIJudge:
    """A GREEN judge model behind an OpenAI-compatible server (``POST /v1/chat/completions``).

    Reuses :class:`pixtralogist.core.backends.openai_backend.OpenAIBackend`'s
    HTTP client (endpoint normalisation, API key from ``api_key_env``,
    timeouts, retries on connection errors / 429 / 5xx, clear
    :class:`~pixtralogist.core.errors.BackendError` messages). One text-only
    request per pair, temperature 0, up to ``concurrency`` in flight (vLLM
    batches them on the server). A pair whose request fails is unscored
    (``score=None``, the error in ``explanation``); if every request fails the
    error is raised.
    """

    metric = GREEN_METRIC

    def __init__(self, endpoint: str, model: str, *, api_key_env: str | None = None, concurrency: int = 8,
                 max_new_tokens: int = 1024, timeout_s: float = 300.0, max_retries: int = 2) -> None:
        from pixtralogist.core.backends.openai_backend import OpenAIBackend
        from pixtralogist.core.models import ModelConfig

        if not model:
            raise ConfigError("the openai judge needs a model name: --judge openai:<url>#<model>")
        cfg = ModelConfig(backend="openai", endpoint=endpoint, model_name=model, api_key_env=api_key_env,
                          timeout_s=timeout_s, max_retries=max_retries, max_new_tokens=max_new_tokens)
        self.client = OpenAIBackend(cfg)
        self.model = model
        self.concurrency = max(1, concurrency)
        self.max_new_tokens = max_new_tokens

    def ask(self, prompt: str) -> str:
        """One chat completion: the judge's raw answer."""
        body = {
            "model": self.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": self.max_new_tokens,
            "temperature": 0.0,
        }
        response = self.client._open("POST", "/chat/completions", body)
        return self.client._message_text(self.client._read_json(response, "the judge's chat completion"))

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
                "concurrency": self.concurrency}


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
