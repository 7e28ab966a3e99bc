"""The base class of a ``pixtralogist`` sub-command.

Sub-commands live next to what they drive (``cli.py`` for the core ones,
``finetune/cli.py`` and ``finetune/eval_cli.py`` for training and evaluation)
and import only this module at import time, so ``pixtralogist --help`` stays
fast and no module imports the CLI that lists it.
"""

from __future__ import annotations

import argparse

__all__ = ["Command", "CommandGroup"]


class Command:
    """One sub-command: ``name`` and ``help`` for the parser, ``configure`` adds its
    arguments, ``run`` does the work (heavy imports inside) and returns the exit status."""

    name: str = ""
    help: str = ""

    def configure(self, parser: argparse.ArgumentParser) -> None:  # pragma: no cover - interface
        pass

    def run(self, args: argparse.Namespace) -> int:  # pragma: no cover - interface
        raise NotImplementedError


class CommandGroup(Command):
    """A command whose work is done by one of its ``subcommands`` (``pixtralogist audit verify``).

    ``metavar`` names the choice in the usage line; the chosen sub-command runs.
    """

    subcommands: tuple[type[Command], ...] = ()
    metavar: str = "ACTION"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest=f"{self.name}_command", required=True, metavar=self.metavar)
        for cls in self.subcommands:
            cmd = cls()
            sp = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
            cmd.configure(sp)
            sp.set_defaults(_command=cmd)
