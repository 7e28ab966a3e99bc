"""The region-organised annotation layout used for training and evaluation.

Layout (the report-generation quiz layout)::

    <root>/annotation.json          {"train": [...], "val": [...], "test": [...]}
    <root>/images/<patient>/<n>.png 1-4 images per patient

Each entry: ``{"id", "image_path": ["<patient>/0.png", ...], "report": {region: text}, "split"}``.
The region keys are those of the template (chest X-ray: lung, heart, mediastinal,
bone, others; "others" is not scored).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from pixtralogist.core.errors import DataError

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")


class AnnotationEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    image_path: list[str] = Field(default_factory=list, max_length=4)
    report: dict[str, str]
    split: Split


def assign_split(patient_id: str, ratios: tuple[float, float, float] = (0.7, 0.1, 0.2), seed: str = "pixtralogist") -> Split:
    """Deterministic split by patient: the same id always lands in the same split."""
    if abs(sum(ratios) - 1.0) > 1e-6 or any(r < 0 for r in ratios):
        raise ValueError(f"split ratios must be non-negative and sum to 1, got {ratios}")
    h = int.from_bytes(hashlib.sha256(f"{seed}:{patient_id}".encode()).digest()[:8], "big") / 2**64
    if h < ratios[0]:
        return "train"
    if h < ratios[0] + ratios[1]:
        return "val"
    return "test"


def write_annotation(root: str | Path, entries: Iterable[AnnotationEntry]) -> Path:
    """Write ``annotation.json`` under ``root`` (atomically); returns its path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    data: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for e in entries:
        data[e.split].append(e.model_dump())
    path = root / "annotation.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    tmp.replace(path)
    return path


def read_annotation(root: str | Path) -> dict[Split, list[AnnotationEntry]]:
    """Read and validate ``<root>/annotation.json`` (or the file itself)."""
    path = Path(root)
    if path.is_dir():
        path = path / "annotation.json"
    if not path.is_file():
        raise DataError(f"no annotation file at {path}")
    try:
        raw = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path}: expected an object with train/val/test lists")
    out: dict[Split, list[AnnotationEntry]] = {}
    for split in SPLITS:
        items = raw.get(split, [])
        try:
            out[split] = [AnnotationEntry.model_validate({**item, "split": item.get("split", split)}) for item in items]
        except Exception as exc:
            raise DataError(f"{path}: invalid entry in {split!r}: {exc}") from exc
    return out
