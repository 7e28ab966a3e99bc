"""OpenAI-compatible servers over HTTP: vLLM, Ollama, llama.cpp server, hosted APIs.

Standard library only (``urllib``). One request per draft:
``POST {endpoint}/v1/chat/completions`` (the endpoint is accepted with or
without ``/v1``) with one user message whose content is the images as
``image_url`` parts (base64 PNG ``data:`` URLs, all of them, in order)
followed by the prompt as a ``text`` part.

* **Adapters by name.** Servers that serve LoRA adapters select them by the
  ``model`` field (vLLM ``--enable-lora --lora-modules radiology-cxr=/path``):
  with an adapter, the request's ``model`` is the adapter's name; without,
  it is ``model_name``.
* **API key** from the environment variable NAMED in ``api_key_env`` (sent as
  ``Authorization: Bearer ...``); the key is never stored or logged.
* **Timeouts and retries.** Every request has ``timeout_s``. Connection
  errors (refused, reset, DNS, connect timeout), HTTP 429 and 5xx are retried
  up to ``max_retries`` times with exponential backoff (0.5 s, 1 s, 2 s, ...
  capped at 8 s; a 429's ``Retry-After`` is honoured up to the cap). A read
  timeout is not retried (the server is up but slow; retrying would only
  queue the same work again). Other 4xx answers are not retried.
* **Clear failures.** Everything ends in a
  :class:`~pixtralogist.core.errors.BackendError` saying what happened: not
  reachable, HTTP status with the server's own message, not JSON, no
  ``choices``.
* **Streaming** with ``"stream": true``: server-sent events
  (``data: {...}`` lines, ``data: [DONE]`` at the end), yielding each
  ``choices[0].delta.content``. A server that ignores ``stream`` and answers
  one JSON object is handled too.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from pixtralogist.core.errors import BackendError
from pixtralogist.core.models import ModelConfig

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL.Image import Image

log = logging.getLogger(__name__)

__all__ = ["OpenAIBackend", "image_data_url", "normalize_endpoint"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))
CHECK_TIMEOUT_S = 5.0
_BODY_SNIPPET = 300


def normalize_endpoint(endpoint: str) -> str:
    """``http://host:8000``, ``http://host:8000/``, ``http://host:8000/v1/`` -> ``http://host:8000/v1``."""
    base = endpoint.strip().rstrip("/")
    for suffix in ("/chat/completions", "/models"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    return base if base.endswith("/v1") else base + "/v1"


def image_data_url(image: "Image") -> str:
    """A PNG ``data:`` URL of ``image`` (modes PNG cannot store are converted to RGB)."""
    if image.mode not in ("L", "LA", "RGB", "RGBA", "P", "I;16"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _snippet(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= _BODY_SNIPPET else text[: _BODY_SNIPPET - 1] + "…"


def _server_message(body: bytes) -> str:
    """The server's own error message from a JSON error body, else a snippet of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        return _snippet(body) or "(empty body)"
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message") or err
        if err:
            return _snippet(str(err))
    return _snippet(body)


def _is_connection_error(exc: BaseException) -> bool:
    """Refused, reset, DNS failure, connect timeout, dropped connection: worth retrying."""
    if isinstance(exc, urllib.error.URLError):
        return isinstance(exc.reason, OSError)  # not e.g. "unknown url type"
    return isinstance(exc, (http.client.HTTPException, OSError))


class OpenAIBackend:
    """An OpenAI-compatible chat-completions server; see the module docstring."""

    name = "openai"

    def __init__(
        self,
        config: ModelConfig,
        *,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not config.endpoint:
            raise BackendError("the openai backend needs endpoint, the server's base URL (e.g. http://host:8000)")
        self.config = config
        self.base_url = normalize_endpoint(config.endpoint)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._env = env

    # -- request plumbing ------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        name = self.config.api_key_env
        if name:
            env = os.environ if self._env is None else self._env
            key = env.get(name)
            if not key:
                raise BackendError(
                    f"the API key variable {name} (api_key_env) is not set; export it before starting pixtralogist"
                )
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _delay(self, attempt: int, retry_after: str | None = None) -> float:
        delay = self.backoff_s * (2 ** attempt)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        return min(delay, self.max_backoff_s)

    def _open(
        self, method: str, path: str, body: dict | None = None, *, timeout: float | None = None,
        retries: int | None = None,
    ):
        """Send one request with retries; the open response (status 2xx) or a ``BackendError``."""
        url = self.base_url + path
        data = json.dumps(body).encode("utf-8") if body is not None else None
        timeout = self.config.timeout_s if timeout is None else timeout
        attempts = (self.config.max_retries if retries is None else retries) + 1
        last = ""
        for attempt in range(attempts):
            request = urllib.request.Request(url, data=data, method=method, headers=self._headers())
            retry_after = None
            try:
                return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - configured http(s) URL
            except urllib.error.HTTPError as exc:
                payload = exc.read() if exc.fp is not None else b""
                message = _server_message(payload)
                exc.close()
                if exc.code not in RETRY_STATUSES:
                    hint = ""
                    if exc.code in (401, 403):
                        hint = (f" Check the API key in ${self.config.api_key_env}." if self.config.api_key_env
                                else " The server wants an API key: name its environment variable in api_key_env.")
                    elif exc.code == 404:
                        hint = " Check the endpoint and the model/adapter name the server serves (GET /v1/models)."
                    raise BackendError(
                        f"the model server at {self.base_url} answered HTTP {exc.code} to {method} {path}: {message}.{hint}"
                    ) from None
                last = f"HTTP {exc.code}: {message}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
            except TimeoutError as exc:  # the server accepted the connection but did not answer in time
                raise BackendError(
                    f"the model server at {self.base_url} did not answer within {timeout:g} s "
                    f"({method} {path}); raise timeout_s or check the server's load"
                ) from exc
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"{type(reason).__name__}: {reason}"
                if not _is_connection_error(exc):  # pragma: no cover - defensive
                    raise BackendError(f"request to {url} failed: {last}") from exc
                if attempt == attempts - 1:
                    raise BackendError(
                        f"the model server at {self.base_url} is not reachable ({last}) after {attempts} "
                        f"attempt{'s' if attempts != 1 else ''}; is it running, and is the endpoint right?"
                    ) from None
            if attempt < attempts - 1:
                delay = self._delay(attempt, retry_after)
                log.warning("model server %s: %s; retrying in %.1fs (%d/%d)", self.base_url, last, delay,
                            attempt + 1, attempts - 1)
                time.sleep(delay)
        raise BackendError(
            f"the model server at {self.base_url} kept failing ({last}) after {attempts} "
            f"attempt{'s' if attempts != 1 else ''}; check its logs"
        )

    def _read_json(self, response, what: str) -> Any:
        try:
            with response:
                raw = response.read()
        except TimeoutError as exc:
            raise BackendError(
                f"the model server at {self.base_url} stopped answering {what} (timeout {self.config.timeout_s:g} s)"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise BackendError(f"the model server at {self.base_url} broke off its answer to {what}: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError:
            raise BackendError(
                f"the model server at {self.base_url} answered {what} with something that is not JSON: {_snippet(raw)!r}"
            ) from None

    # -- payloads --------------------------------------------------------------------------

    def model_field(self, adapter: str | None) -> str:
        """The request's ``model``: the adapter's served name when one is asked for, else ``model_name``."""
        model = adapter or self.config.model_name
        if not model:
            raise BackendError("no model name configured for the openai backend: set model_name (or adapter)")
        return model

    def payload(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None,
        max_new_tokens: int | None,
        temperature: float | None,
        stream: bool,
    ) -> dict[str, Any]:
        if not 1 <= len(images) <= 4:
            raise BackendError(f"a request takes 1-4 images, got {len(images)}")
        temperature = self.config.temperature if temperature is None else temperature
        content: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": image_data_url(im)}} for im in images
        ]
        content.append({"type": "text", "text": prompt})
        body: dict[str, Any] = {
            "model": self.model_field(adapter),
            "messages": [{"role": "user", "content": content}],
            "max_tokens": max_new_tokens or self.config.max_new_tokens,
            "temperature": temperature,
            "stream": stream,
        }
        if temperature > 0 and self.config.top_p < 1.0:
            body["top_p"] = self.config.top_p
        return body

    @staticmethod
    def _text_of(content: Any) -> str:
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if isinstance(content, list):  # some servers answer with content parts
            return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
        raise BackendError(f"the model server answered content of type {type(content).__name__}, expected text")

    def _message_text(self, data: Any) -> str:
        if not isinstance(data, dict):
            raise BackendError(f"the model server at {self.base_url} answered JSON that is not an object: {_snippet(json.dumps(data))!r}")
        if "error" in data and not data.get("choices"):
            raise BackendError(f"the model server at {self.base_url} reported an error: {_server_message(json.dumps(data).encode())}")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise BackendError(
                f"the model server at {self.base_url} answered without 'choices' (is it an OpenAI-compatible "
                f"chat-completions endpoint?): {_snippet(json.dumps(data))!r}"
            )
        message = choices[0].get("message")
        if not isinstance(message, dict):
            raise BackendError(f"the model server at {self.base_url} answered a choice without 'message'")
        return self._text_of(message.get("content"))

    # -- the interface -----------------------------------------------------------------------

    def generate(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> str:
        body = self.payload(images, prompt, adapter=adapter, max_new_tokens=max_new_tokens,
                            temperature=temperature, stream=False)
        response = self._open("POST", "/chat/completions", body)
        return self._message_text(self._read_json(response, "the chat completion"))

    def complete_text(self, prompt: str, *, system: str | None = None, max_new_tokens: int | None = None) -> str:
        """A text-only chat completion (no images): the assistant's answer to ``prompt``.

        Used by the review chat for turns its rules cannot read; greedy unless the config says otherwise.
        """
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        body = {"model": self.model_field(None), "messages": messages,
                "max_tokens": max_new_tokens or self.config.max_new_tokens,
                "temperature": self.config.temperature, "stream": False}
        response = self._open("POST", "/chat/completions", body)
        return self._message_text(self._read_json(response, "the chat completion"))

    def stream(
        self,
        images: "list[Image]",
        prompt: str,
        *,
        adapter: str | None = None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]:
        body = self.payload(images, prompt, adapter=adapter, max_new_tokens=max_new_tokens,
                            temperature=temperature, stream=True)
        response = self._open("POST", "/chat/completions", body)
        ctype = (response.headers.get("Content-Type") or "").lower()
        if "text/event-stream" not in ctype:  # the server ignored "stream": one JSON answer
            text = self._message_text(self._read_json(response, "the chat completion"))
            if text:
                yield text
            return
        with response:
            yield from self._events(response)

    def _events(self, response) -> Iterator[str]:
        data_lines: list[str] = []
        try:
            for raw in response:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("data:"):
                    data_lines.append(line[5:].lstrip(" "))
                    continue
                if line or not data_lines:
                    continue  # comments (":"), event:/id: fields, blank keep-alives
                payload, data_lines = "\n".join(data_lines), []
                if payload.strip() == "[DONE]":
                    return
                piece = self._delta(payload)
                if piece:
                    yield piece
            if data_lines:  # stream ended without a blank line after the last event
                payload = "\n".join(data_lines)
                if payload.strip() != "[DONE]":
                    piece = self._delta(payload)
                    if piece:
                        yield piece
        except TimeoutError as exc:
            raise BackendError(
                f"the model server at {self.base_url} stopped streaming (no data for {self.config.timeout_s:g} s)"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise BackendError(f"the model server at {self.base_url} broke off the stream: {exc}") from exc

    def _delta(self, payload: str) -> str:
        try:
            event = json.loads(payload)
        except ValueError:
            raise BackendError(
                f"the model server at {self.base_url} streamed an event that is not JSON: {_snippet(payload)!r}"
            ) from None
        if not isinstance(event, dict):
            raise BackendError(f"the model server at {self.base_url} streamed a non-object event: {_snippet(payload)!r}")
        if event.get("error"):
            raise BackendError(f"the model server at {self.base_url} reported an error while streaming: "
                               f"{_server_message(payload.encode())}")
        choices = event.get("choices")
        if not isinstance(choices, list):
            raise BackendError(f"the model server at {self.base_url} streamed an event without 'choices': {_snippet(payload)!r}")
        if not choices:  # e.g. a final usage-only chunk
            return ""
        delta = choices[0].get("delta") if isinstance(choices[0], dict) else None
        if not isinstance(delta, dict):
            return ""
        return self._text_of(delta.get("content"))

    # -- reporting ---------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        cfg = self.config
        env = os.environ if self._env is None else self._env
        return {
            "backend": self.name,
            "endpoint": self.base_url,
            "model": cfg.model_name,
            "adapter": cfg.adapter,
            "adapter_version": cfg.adapter_version,
            "request_model": cfg.adapter or cfg.model_name,
            "api_key_env": cfg.api_key_env,
            "api_key_set": bool(cfg.api_key_env and env.get(cfg.api_key_env)),
            "timeout_s": cfg.timeout_s,
            "max_retries": cfg.max_retries,
            "max_new_tokens": cfg.max_new_tokens,
            "temperature": cfg.temperature,
        }

    def list_models(self, timeout: float = CHECK_TIMEOUT_S) -> list[str]:
        """Model ids the server serves (``GET /v1/models``), with a short timeout and no retries."""
        data = self._read_json(self._open("GET", "/models", timeout=timeout, retries=0), "GET /models")
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise BackendError(f"the model server at {self.base_url} answered /models without a 'data' list")
        return [str(m.get("id")) for m in items if isinstance(m, dict) and m.get("id") is not None]

    def check(self) -> dict[str, Any]:
        """Reach the server and see whether it serves the configured model/adapter."""
        models = self.list_models()
        wanted = self.config.adapter or self.config.model_name
        return {
            "ok": True,
            "endpoint": self.base_url,
            "models": models,
            "model": wanted,
            "served": wanted in models if wanted else None,
        }
