"""The interfaces a plugin's drafter and region sorter implement.

They are structural (:class:`typing.Protocol`): any object with these methods
works, no base class to inherit.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pixtralogist.core.models import Case, Draft, Template


@runtime_checkable
class RegionSorter(Protocol):
    """Sorts findings text into the regions of one template."""

    regions: tuple[str, ...]

    def classify(self, sentence: str) -> frozenset[str]:
        """The set of regions one sentence talks about (never empty; a catch-all region when unsure)."""
        ...

    def sort(self, text: str) -> dict[str, str]:
        """``{region: text}`` with exactly the template's regions as keys (empty string where nothing).

        Multi-region sentences are rewritten so that each region gets the part
        that concerns it.
        """
        ...


@runtime_checkable
class Drafter(Protocol):
    """Writes a :class:`Draft` for a case with one template."""

    name: str

    def draft(self, case: Case, template: Template) -> Draft:
        """Draft every region of ``template`` for ``case``.

        Regions the source does not mention get the template's normal
        statement marked ``is_default=True`` so the clinician verifies them.
        Raise :class:`pixtralogist.core.errors.DraftingError` on failure.
        """
        ...
