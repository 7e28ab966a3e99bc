"""Build a Gradio app without the server apps Gradio throws away: :func:`app_deferred`.

Gradio (6.x) builds a FastAPI app (about 80 routes, each analysed by FastAPI and pydantic) when a
``Blocks`` is created (its ``queue()``), when its ``with`` block ends, and on every ``queue()``
call; ``launch()`` then builds the one it serves. Measured on the 2-core machine, the three unused
ones were about 0.5 s of ``create_ui``'s 0.7-1.0 s, paid before the app can answer.

Inside :func:`app_deferred` (on this thread only), ``gradio.routes.App.create_app`` returns None,
so a ``Blocks`` built there has ``app = None`` until it is launched (or mounted, which builds its
own app as always). Other threads, and code outside the block, get Gradio's own function.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["app_deferred"]

_STATE = threading.local()
_LOCK = threading.Lock()


def _install() -> bool:
    """Wrap ``App.create_app`` once (process-wide); False where the installed Gradio has no such method."""
    from pixtralogist.ui import gradio_import

    gradio_import.load()  # (first, so that Gradio is imported without its stub writing)
    try:
        from gradio.routes import App
    except ImportError:  # pragma: no cover - another Gradio layout
        return False
    with _LOCK:
        current = App.__dict__.get("create_app")
        if not isinstance(current, staticmethod):
            return False
        original = current.__func__
        if getattr(original, "_px_deferrable", False):
            return True

        def create_app(*args: Any, **kwargs: Any) -> Any:
            if getattr(_STATE, "depth", 0):
                return None  # built again, for real, by launch() or mount_gradio_app()
            return original(*args, **kwargs)

        create_app._px_deferrable = True  # type: ignore[attr-defined]
        create_app.__wrapped__ = original  # type: ignore[attr-defined]
        create_app.__doc__ = original.__doc__
        App.create_app = staticmethod(create_app)
        return True


@contextlib.contextmanager
def app_deferred() -> Iterator[bool]:
    """While inside, Blocks built on this thread get no server app until launched; yields whether the
    installed Gradio allowed it (when not, nothing changes)."""
    ok = _install()
    _STATE.depth = getattr(_STATE, "depth", 0) + 1
    try:
        yield ok
    finally:
        _STATE.depth -= 1
