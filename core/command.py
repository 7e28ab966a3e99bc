"""The base class of a ``pixtralogist`` sub-command.

Sub-commands live next to what they drive (``core/cli.py`` for the core ones,
``finetune/cli.py`` and ``finetune/eval_cli.py`` for training and evaluation)
and import only this module at import time, so ``pixtralogist --help`` stays
fast and no module imports the CLI that lists it.
"""

from __future__ import annotations

import argparse

__all__ = ["Command"]


class Command:
    """One sub-command: ``name`` and ``help`` for the parser, ``configure`` adds its
    arguments, ``run`` does the work (heavy imports inside) and returns the exit status."""

    name: str = ""
    help: str = ""

    def configure(self, parser: argparse.ArgumentParser) -> None:  # pragma: no cover - interface
        pass

    def run(self, args: argparse.Namespace) -> int:  # pragma: no cover - interface
        raise NotImplementedError
