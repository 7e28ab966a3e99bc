"""What a plugin author imports.

.. code-block:: python

    # my_plugin.py
    from pixtralogist.core.plugin import hookimpl
    from pixtralogist.core.models import Specialty

    @hookimpl
    def pixtralogist_specialty():
        return Specialty(name="dental", label="Dental radiographs", version="0.1.0")

Make it discoverable from your package's ``pyproject.toml``:

.. code-block:: toml

    [project.entry-points.pixtralogist]
    dental = "my_plugin"

Every hook and its arguments are documented in :mod:`pixtralogist.core.hookspecs`;
``docs/plugins.md`` is the guide. Set ``PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD=1``
to load only the built-in plugins.
"""

from __future__ import annotations

import pluggy

from pixtralogist.core.hookspecs import PROJECT

hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["hookimpl"]
