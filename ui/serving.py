"""How one app process serves: how many actions run at once, how many threads torch may use, and
the warm-up that makes the first draft as fast as the next (with the line saying it is done).

Measure them with ``benchmarks/app_load.py`` (20 clinicians drafting, editing and signing
at once on a real ``pixtralogist serve``); override them on bigger hosts with the
environment variables below.

- ``PIXTRALOGIST_WORKERS`` (default 2, measured on the 2-core reference machine with the engine
  in its own process): the agent's actions (draft, choose, save, chat, sign, open) that run at
  once in this process, all together (one Gradio concurrency group, ``concurrency_id="agent"``);
  other events (previews, exports) get as many each (``default_concurrency_limit``). The rest
  wait in Gradio's queue, first come first served. An action's Python runs partly in the app's
  process (events, rendering: about 0.06-0.08 s CPU per draft) and mostly in the engine's
  (drafting: about 0.11-0.13 s), each under its own GIL. ``benchmarks/app_load.py`` (20
  clinicians; engine process; a quiet 2-core machine, one run each): 2 workers: 5.57 drafts/s,
  time to draft p50 2.45 s / p95 3.58 s, save p95 2.76 s; 4: 5.39 drafts/s, p50 2.56 / p95 3.65 s,
  save p95 2.73 s; 8: 5.30 drafts/s, p50 2.97 / p95 3.71 s, sign p95 3.29 s; the engine in the
  app's process (``inline``, 2 workers): 4.41 drafts/s, p50 3.33 / p95 4.53 s. More actions at once
  than cores only make each wait longer (and cost more CPU each). With a model server (vLLM) the
  app mostly waits on the network: raise it.
- ``PIXTRALOGIST_ENGINE`` (default ``process``): where the agent's engine (the
  :class:`~pixtralogist.agents.service.ReportingService`: drafting, retrieval, checkpoints)
  runs. ``process``: its own process (:mod:`pixtralogist.ui.engine_process`), forked first by
  ``pixtralogist serve``, so that on two cores its start (stores, recovery, warm-up) runs while
  the app imports Gradio and builds its pages, and under load the app's Python (events,
  rendering) and the engine's run on different cores instead of taking turns under one GIL.
  When the engine dies the app stops with exit status 1 (its supervisor restarts it; recovery
  finishes what was cut off); when the app dies the engine dies with it. ``inline``: the engine
  in the app's process, as before (one process to debug or profile).
- ``PIXTRALOGIST_TORCH_THREADS`` (default 1): threads per torch operation (the sentence
  embedder of the guideline index, a local VLM). Parallelism comes from serving several
  clinicians at once; a torch operation spreading over every core of a busy machine spins
  and waits for the others (measured here: 1.0 s instead of 0.07 s to embed a draft's
  findings with 2 threads on a loaded 2-core machine). A host that drafts with a local VLM
  on CPU and serves few clinicians may raise it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pixtralogist.core.errors import ConfigError

__all__ = ["ENGINE_ENV", "ENGINE_MODES", "READY_LINE", "TORCH_THREADS_ENV", "WORKERS_ENV", "ServeSettings", "WarmUp"]

WORKERS_ENV = "PIXTRALOGIST_WORKERS"
TORCH_THREADS_ENV = "PIXTRALOGIST_TORCH_THREADS"
ENGINE_ENV = "PIXTRALOGIST_ENGINE"
#: Where the agent's engine runs: its own process (default) or the app's.
ENGINE_MODES = ("process", "inline")
#: Printed (``Pixtralogist is ready to draft at URL ...``) when a draft no longer waits for loading.
READY_LINE = "ready to draft"


@dataclass(frozen=True)
class ServeSettings:
    """The process-wide serving settings (see the module docstring for the defaults' reasons)."""

    workers: int = 2
    torch_threads: int = 1
    engine: str = "process"

    def __post_init__(self) -> None:
        for name in ("workers", "torch_threads"):
            if not 1 <= getattr(self, name) <= 256:
                raise ConfigError(f"{name} must be between 1 and 256, not {getattr(self, name)}")
        if self.engine not in ENGINE_MODES:
            raise ConfigError(f"{ENGINE_ENV} must be one of {', '.join(ENGINE_MODES)}, not {self.engine!r}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "ServeSettings":
        """The defaults, overridden by ``PIXTRALOGIST_WORKERS`` / ``PIXTRALOGIST_TORCH_THREADS`` /
        ``PIXTRALOGIST_ENGINE``.

        :raises ConfigError: a value that is not a whole number from 1 to 256, an unknown engine mode.
        """
        env = os.environ if env is None else env
        values: dict = {}
        engine = (env.get(ENGINE_ENV) or "").strip().lower()
        if engine:
            values["engine"] = engine
        for field, var in (("workers", WORKERS_ENV), ("torch_threads", TORCH_THREADS_ENV)):
            raw = (env.get(var) or "").strip()
            if not raw:
                continue
            try:
                values[field] = int(raw)
            except ValueError:
                raise ConfigError(f"{var} must be a whole number (1 to 256), not {raw!r}") from None
        try:
            return cls(**values)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (from {WORKERS_ENV} / {TORCH_THREADS_ENV} / {ENGINE_ENV})") from None

    def apply_torch_threads(self) -> None:
        """Limit torch's threads for this process: through the environment before torch is imported
        (OpenMP reads ``OMP_NUM_THREADS`` once; this setting replaces it), and through
        ``torch.set_num_threads`` when torch already is."""
        import sys

        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(self.torch_threads)
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(self.torch_threads)


class WarmUp:
    """``service.warm_up()`` in a background thread, and the line that says the app is ready to draft.

    The line (:data:`READY_LINE`) is printed once both have happened: the warm-up finished (or
    failed: the first draft then loads what is missing) and the server listens (:meth:`listening`).
    """

    def __init__(self, service: object, *, out: Callable[[str], None] | None = None) -> None:
        self._service = service
        self._out = out or (lambda line: print(line, flush=True))
        self._t0 = time.monotonic()
        self._warm = threading.Event()
        self._url: str | None = None
        self._lock = threading.Lock()
        self._announced = False
        #: seconds the warm-up took (None until it finished)
        self.seconds: float | None = None

    @property
    def done(self) -> bool:
        return self._warm.is_set()

    def start(self) -> "WarmUp":
        threading.Thread(target=self._run, name="pixtralogist-warm-up", daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        return self._warm.wait(timeout)

    def listening(self, url: str) -> None:
        """The server accepts connections at ``url``."""
        with self._lock:
            self._url = url
        self._announce()

    def _run(self) -> None:
        t = time.monotonic()
        try:
            self._service.warm_up()  # never raises (it logs what failed)
        finally:
            self.seconds = time.monotonic() - t
            self._warm.set()
            self._announce()

    def _announce(self) -> None:
        with self._lock:
            if self._announced or self._url is None or not self._warm.is_set():
                return
            self._announced = True
            url = self._url
        self._out(f"Pixtralogist is {READY_LINE} at {url} (warm-up {self.seconds:.1f} s, "
                  f"{time.monotonic() - self._t0:.1f} s after start)")
