"""Example cases contributed by plugins (``pixtralogist_examples``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixtralogist.core.models import Case, ExampleCase

if TYPE_CHECKING:  # pragma: no cover
    from pixtralogist.core.plugins import PluginHost

__all__ = ["example_to_case", "list_examples"]


def list_examples(host: "PluginHost", specialty: str | None = None) -> list[ExampleCase]:
    """Every example case of ``specialty`` (or of every specialty), in plugin order, ids unique."""
    names = [specialty] if specialty else [s.name for s in host.specialties()]
    seen: dict[str, ExampleCase] = {}
    for name in names:
        for results in host._call("pixtralogist_examples", specialty=name):
            for ex in results or []:
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
