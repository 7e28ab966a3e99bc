"""Guideline snippet files: load, validate, fingerprint.

A plugin ships its guideline snippets as a YAML (or JSON) file: a list of
mappings with the fields of :class:`~pixtralogist.core.models.GuidelineSnippet`.
:func:`load_snippet_file` reads one, validates every item and reports problems
with the file name, the item's index and id, and the offending field, so that
whoever edits the file can fix it::

    from importlib.resources import files
    from pixtralogist.core.guidelines import load_snippet_file

    snippets = load_snippet_file(
        files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml"),
        specialty="radiology",
    )

:func:`corpus_hash` gives a stable fingerprint of a set of snippets; the
guideline store (:mod:`pixtralogist.core.retrieval`) rebuilds its index only
when that fingerprint changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, Union

from pydantic import ValidationError

from pixtralogist.core.errors import DataError
from pixtralogist.core.models import GuidelineSnippet

__all__ = [
    "canonical_json",
    "corpus_hash",
    "load_snippet_file",
    "parse_snippets",
    "snippet_hash",
]


class _Readable(Protocol):  # importlib.resources Traversable, pathlib.Path
    name: str

    def read_text(self, encoding: str = ...) -> str: ...


SnippetSource = Union[str, "os.PathLike[str]", _Readable]


def load_snippet_file(path_or_resource: SnippetSource, *, specialty: str | None = None) -> list[GuidelineSnippet]:
    """Read and validate a YAML/JSON file of guideline snippets.

    :param path_or_resource: a file path (``str`` / :class:`~pathlib.Path`) or an
        :mod:`importlib.resources` traversable, e.g.
        ``files("pixtralogist.plugins.radiology").joinpath("data/guidelines.yaml")``.
    :param specialty: if given, every snippet must belong to this specialty.
    :return: the snippets, in file order.
    :raises DataError: the file is missing or unreadable, is not valid YAML, is
        not a list, or an item is invalid (the message names the file, the item
        index and id, and each invalid field), or two items share an id.
    """
    if isinstance(path_or_resource, (str, os.PathLike)):
        resource: _Readable = Path(path_or_resource)
    else:
        resource = path_or_resource
    label = str(resource)
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"guideline snippet file not found: {label}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read guideline snippet file {label}: {exc}") from exc
    return parse_snippets(text, source=label, specialty=specialty)


def parse_snippets(text: str, *, source: str = "<string>", specialty: str | None = None) -> list[GuidelineSnippet]:
    """Validate the YAML/JSON ``text`` of a snippet file (``source`` names it in errors)."""
    import yaml  # light, but only needed here

    from pixtralogist.core.yamlio import safe_load as safe_load_yaml

    try:
        data = safe_load_yaml(text)
    except yaml.YAMLError as exc:
        raise DataError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        raise DataError(f"{source}: the file is empty; expected a list of guideline snippets")
    if not isinstance(data, list):
        raise DataError(
            f"{source}: expected a list of guideline snippets at the top level, got {type(data).__name__}"
        )

    snippets: list[GuidelineSnippet] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        where = _item_label(source, index, item)
        if not isinstance(item, dict):
            raise DataError(f"{where}: expected a mapping of snippet fields, got {type(item).__name__}")
        try:
            snippet = GuidelineSnippet.model_validate(_strip_strings(item))
        except ValidationError as exc:
            raise DataError(f"{where}: invalid guideline snippet: {_describe(exc)}") from exc
        if specialty is not None and snippet.specialty != specialty:
            raise DataError(
                f"{where}: specialty is {snippet.specialty!r} but this file holds {specialty!r} snippets"
            )
        if snippet.id in seen:
            raise DataError(f"{where}: duplicate id {snippet.id!r} (first used by item {seen[snippet.id]})")
        seen[snippet.id] = index
        snippets.append(snippet)
    return snippets


def canonical_json(snippets: Iterable[GuidelineSnippet]) -> str:
    """Canonical JSON of ``snippets``: sorted by id, sorted keys, no whitespace, UTF-8 text."""
    items = sorted((s.model_dump(mode="json") for s in snippets), key=lambda d: d["id"])
    return json.dumps(items, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def corpus_hash(snippets: Iterable[GuidelineSnippet]) -> str:
    """SHA-256 (hex) of :func:`canonical_json`: independent of order, changes with any field of any snippet."""
    return hashlib.sha256(canonical_json(snippets).encode("utf-8")).hexdigest()


def snippet_hash(snippet: GuidelineSnippet) -> str:
    """SHA-256 (hex) of one snippet's canonical JSON."""
    payload = json.dumps(snippet.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- helpers ------------------------------------------------------------------


def _item_label(source: str, index: int, item: Any) -> str:
    sid = item.get("id") if isinstance(item, dict) else None
    return f"{source}: item {index}" + (f" (id {sid!r})" if isinstance(sid, str) and sid else "")


def _strip_strings(item: dict[str, Any]) -> dict[str, Any]:
    """Trim surrounding whitespace (YAML block scalars leave some); a blank text or source then fails validation."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, str):
            value = value.strip()
        elif isinstance(value, list):
            value = [v.strip() if isinstance(v, str) else v for v in value]
        out[key] = value
    return out


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(item)"
        parts.append(f"field {loc!r}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)
