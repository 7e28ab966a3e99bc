"""pixtralogist-dental: an example third-party Pixtralogist plugin for dental radiographs.

Registered through the ``pixtralogist`` entry-point group (see ``pyproject.toml``); the one hook
lives in :mod:`pixtralogist_dental.plugin`. A specialty on the kit is data plus small functions:

- ``data/templates.yaml`` - the report template and its routing signals (DICOM ``IO``/``PX``, words)
- ``data/lexicon.yaml`` - shorthand, finding words and region-sorter rules for the kit
- ``data/guidelines.yaml`` - guideline snippets (report structure only)
- :mod:`~pixtralogist_dental.plugin` - the specialty bundle: the kit's sorter and drafter on the lexicon
- :mod:`~pixtralogist_dental.rules` - a structural rule check (tooth number named)
- :mod:`~pixtralogist_dental.examples` - example cases with synthetic images

A teaching example: its guideline snippets are about report structure only and it makes no
clinical claim.
"""

NAME = "dental"
__version__ = "0.1.0"
