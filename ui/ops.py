"""What a load balancer and an orchestrator need from an app server.

- ``GET /healthz``: 200 ``{"status": "up"}`` while the process serves (liveness);
- ``GET /readyz``: 200 when the shared database, the guideline index and the
  model servers answer, 503 with what failed otherwise, and 503 while the
  server drains (readiness: the balancer stops sending new sessions);
- ``GET /stats``: 200 with the service's counters (``ReportingService.stats()``: graph runs
  since the process started, actions in flight) and whether it is warmed up; counts only;
- SIGTERM: the server stops taking actions (readiness turns 503, a new action
  gets a clear "shutting down" message), waits for the actions in flight to
  finish (``PIXTRALOGIST_DRAIN_SECONDS``, default 30), then exits.

None of them needs a login or returns data about cases.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from typing import Any, Callable
from urllib.parse import urlsplit

__all__ = ["DRAIN_ENV", "OpsEndpoints", "install_drain", "readiness", "service_stats"]

log = logging.getLogger(__name__)

DRAIN_ENV = "PIXTRALOGIST_DRAIN_SECONDS"


def _model_servers(service: Any) -> set[str]:
    """Base URLs of the OpenAI-compatible servers the site's specialties draft with (the service's
    site configuration, :meth:`~pixtralogist.agents.service.ReportingService.settings`)."""
    settings = service.settings() if callable(getattr(service, "settings", None)) else None
    layers = [getattr(settings, "defaults", None) or {}, *(getattr(settings, "specialties", None) or {}).values(),
              *(getattr(settings, "env", None) or {}).values()]
    return {v.rstrip("/") for layer in layers if isinstance(layer, dict)
            for v in [layer.get("endpoint")] if isinstance(v, str) and v.startswith("http")}


def _check_models(service: Any, timeout: float = 2.0) -> list[str]:
    import httpx

    problems = []
    for url in sorted(_model_servers(service)):
        base = url if url.endswith("/v1") else f"{url}/v1"
        try:
            httpx.get(f"{base}/models", timeout=timeout).raise_for_status()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"model server {urlsplit(url).netloc}: {type(exc).__name__}")
    return problems


def readiness(service: Any) -> tuple[bool, dict[str, Any]]:
    """Whether this server should get traffic, and why not."""
    from pixtralogist.core.errors import PixtralogistError

    try:
        if getattr(service, "draining", False):
            return False, {"status": "draining", "in_flight": getattr(service, "in_flight", 0)}
        problems = list(service.check_stores()) + _check_models(service)
    except PixtralogistError as exc:  # the engine process is gone (pixtralogist.ui.engine_process)
        problems = [f"engine: {type(exc).__name__}"]
    return (not problems), {"status": "ready" if not problems else "not ready", "problems": problems,
                            "server": os.environ.get("PIXTRALOGIST_SERVER_NAME") or os.uname().nodename}


def service_stats(service: Any, warm: Any = None) -> dict[str, Any]:
    """The service's counters (``stats()`` when it has one; else what it exposes: actions in flight)
    plus ``warm`` (whether the warm-up, a :class:`~pixtralogist.ui.serving.WarmUp`, finished; None
    without one) and ``server``. Numbers only: nothing about a case."""
    stats = getattr(service, "stats", None)
    body: dict[str, Any] = dict(stats()) if callable(stats) else {"in_flight": getattr(service, "in_flight", 0)}
    body["warm"] = warm.done if warm is not None else None
    body["server"] = os.environ.get("PIXTRALOGIST_SERVER_NAME") or os.uname().nodename
    return body


class OpsEndpoints:
    """ASGI middleware answering ``/healthz``, ``/readyz`` and ``/stats`` before the app (no login,
    no case data)."""

    def __init__(self, app, service_ref: Callable[[], Any], warm_ref: Callable[[], Any] | None = None) -> None:
        self.app = app
        self._service = service_ref
        self._warm = warm_ref or (lambda: None)

    async def __call__(self, scope, receive, send) -> None:
        path = (scope.get("path") or "").rstrip("/")
        if scope.get("type") != "http" or path not in ("/healthz", "/readyz", "/stats"):
            await self.app(scope, receive, send)
            return
        if path == "/healthz":
            code, body = 200, {"status": "up"}
        elif path == "/stats":
            code, body = 200, service_stats(self._service(), self._warm())
        else:
            import anyio

            ok, body = await anyio.to_thread.run_sync(readiness, self._service())
            code = 200 if ok else 503
        data = json.dumps(body).encode("utf-8")
        await send({"type": "http.response.start", "status": code,
                    "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


def install_drain(service: Any, *, seconds: float | None = None) -> None:
    """On SIGTERM: drain ``service`` (no new actions, wait for those in flight), then stop the app
    the way Ctrl-C does (the main thread's ``KeyboardInterrupt``). Call from the main thread."""
    if seconds is None:
        try:
            seconds = float(os.environ.get(DRAIN_ENV) or 30)
        except ValueError:
            seconds = 30.0

    def on_term(signum, frame) -> None:  # noqa: ARG001
        from pixtralogist.core.errors import PixtralogistError

        try:
            log.info("SIGTERM: draining (%d actions in flight)", service.in_flight)
            done = service.drain(seconds)
            log.info("drained: %s", "all actions finished" if done else f"{service.in_flight} still running, stopping")
        except PixtralogistError as exc:  # the engine process is gone: nothing left to wait for
            log.warning("SIGTERM: could not drain (%s), stopping", type(exc).__name__)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
