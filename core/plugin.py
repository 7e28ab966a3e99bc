"""What a plugin author imports.

.. code-block:: python

    # my_plugin.py
    from pixtralogist.core.models import Specialty
    from pixtralogist.core.plugin import hookimpl
    from pixtralogist.core.registry import SpecialtyBundle

    @hookimpl
    def pixtralogist_register(registry):
        registry.add(SpecialtyBundle(
            specialty=Specialty(name="dental", label="Dental radiographs", version="0.1.0"),
            templates=load_templates, sorter=..., drafter=..., rules=..., examples=...))

Make it discoverable from your package's ``pyproject.toml``:

.. code-block:: toml

    [project.entry-points.pixtralogist]
    dental = "my_plugin"

The bundle's fields are documented in :mod:`pixtralogist.core.registry`, every hook and its
arguments in :mod:`pixtralogist.core.hookspecs`;
``docs/plugins.md`` is the guide. Set ``PIXTRALOGIST_DISABLE_PLUGIN_AUTOLOAD=1``
to load only the built-in plugins.
"""

from __future__ import annotations

import pluggy

from pixtralogist.core.hookspecs import PROJECT

hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["hookimpl"]
