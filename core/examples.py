"""Example cases contributed by plugins (``pixtralogist_examples``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pixtralogist.core.errors import CaseError
from pixtralogist.core.models import Case, ExampleCase

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.core.plugins import PluginHost

__all__ = ["example_choices", "example_to_case", "find_example", "list_examples", "write_example_images"]


def list_examples(host: "PluginHost", specialty: str | None = None) -> list[ExampleCase]:
    """Every example case of ``specialty`` (or of every specialty), in plugin order, ids unique."""
    names = [specialty] if specialty else list(host.specialties())  # specialties() is a dict by name
    seen: dict[str, ExampleCase] = {}
    for name in names:
        for ex in host.examples(name):
            seen.setdefault(ex.id, ex)
    return list(seen.values())


def example_to_case(example: ExampleCase) -> Case:
    """Ingest an example's images through the normal pipeline and build its :class:`Case`."""
    from pixtralogist.core.imaging import build_case

    return build_case(
        [img.data for img in example.images],
        indication=example.indication,
        comparison=example.comparison,
        notes=example.notes,
        specialty_hint=example.specialty_hint,
    )


# --- for the app's "try an example" menu ---------------------------------------------------


def example_choices(examples: list[ExampleCase], labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """``(label, example id)`` pairs for a dropdown; ``labels`` maps specialty names to their labels."""
    labels = labels or {}
    return [(f"{labels.get(ex.specialty, ex.specialty)}: {ex.title}", ex.id) for ex in examples]


def find_example(host: "PluginHost", example_id: str | None) -> ExampleCase:
    """The installed example with id ``example_id``; :class:`CaseError` (readable) when there is none."""
    if not example_id:
        raise CaseError("Choose an example case from the list first.")
    for ex in list_examples(host):
        if ex.id == example_id:
            return ex
    raise CaseError(f"There is no example case {example_id!r}; the installed plugins may have changed. "
                    "Reload the page and choose again.")


def write_example_images(example: ExampleCase, root: Path | None = None) -> list[Path]:
    """Write the example's images into a new folder under ``root`` (default: the system temp
    folder's ``pixtralogist-examples``) and return their paths, in order.

    Every call gets its own folder, so two users trying the same example never share files.
    File names come from :class:`~pixtralogist.core.models.ExampleImage`, whose pattern allows
    no folder separators.
    """
    root = Path(root) if root is not None else Path(tempfile.gettempdir()) / "pixtralogist-examples"
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{example.id}-", dir=root))
    paths = []
    for i, img in enumerate(example.images, 1):
        path = folder / (img.filename if len(example.images) == 1 else f"{i}-{img.filename}")
        path.write_bytes(img.data)
        paths.append(path)
    return paths
