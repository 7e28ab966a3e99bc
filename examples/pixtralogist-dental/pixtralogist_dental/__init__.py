"""pixtralogist-dental: an example third-party Pixtralogist plugin for dental radiographs.

Registered through the ``pixtralogist`` entry-point group (see ``pyproject.toml``);
the hooks live in :mod:`pixtralogist_dental.plugin`. Modules, one concern each:

- :mod:`~pixtralogist_dental.templates` - the report template (``data/templates.yaml``)
- :mod:`~pixtralogist_dental.routing` - how well a case fits (DICOM ``IO``/``PX``, words)
- :mod:`~pixtralogist_dental.sorter` - sentence -> template regions
- :mod:`~pixtralogist_dental.drafter` - offline drafter from the clinician's dictation
- :mod:`~pixtralogist_dental.rules` - a structural rule check (tooth number named)
- :mod:`~pixtralogist_dental.examples` - example cases with synthetic images

A teaching example: its guideline snippets are about report structure only and it
makes no clinical claim.
"""

NAME = "dental"
__version__ = "0.1.0"
