"""setuptools' build backend, without its information-only note on editable installs.

The repository root is the ``pixtralogist`` package (``package-dir = {"pixtralogist" = "."}``),
so ``pip install -e .`` needs setuptools' meta-path finder, and setuptools then prints an
"Editable installation" note (class ``InformationOnly``, not a problem) on every install.
This in-tree backend (PEP 517 ``backend-path``) is setuptools' own with that one class
silenced; every real warning still prints.
"""

from __future__ import annotations

import warnings

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403 - the whole PEP 517/660 interface
from setuptools.warnings import InformationOnly


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InformationOnly)
        return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
