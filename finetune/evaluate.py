"""Evaluate drafts region by region against the signed reports: the quiz's result table.

Each case of a split is drafted (the plugin's offline dictation drafter, or
the transformers backend with a LoRA adapter), then candidate and reference
are compared **region by region** by a judge (:mod:`.judges`: GREEN through a
local model or a server, or the offline comparator). Reference regions that
are empty are skipped; the ``others`` region is not scored. A region's score
is the mean over its scored pairs; pairs whose judge answer could not be read
(``score=None``) are counted apart, never as 0 or 1.

Outputs (:func:`write_outputs`) in ``out_dir``:

* ``results.md``: the table (rows Lung, Heart, Mediastinal, Bone; columns the
  splits, e.g. validation and test), also printed by the CLI;
* ``region_scores.csv``: ``metric,region,split,mean,n_scored,n_unscored``;
* ``region_scores.png``: a grouped bar chart (matplotlib, Agg backend);
* ``pairs.jsonl``: one line per judged pair: case id, split, region,
  reference, candidate, score, matched findings, error counts by
  sub-category (significant and insignificant), the listed errors and the
  judge's explanation;
* ``summary.json``: metric, judge, adapter, counts.

**Promotion gate.** :func:`evaluate_adapter` returns ONE number for an
adapter on a split (the mean of the four region means; higher is better;
NaN when nothing could be scored), and :func:`make_scorer` wraps it as the
``score(adapter_dir, split) -> float`` callable that
:meth:`pixtralogist.finetune.registry.AdapterRegistry.promote` takes::

    from pixtralogist.finetune.evaluate import make_scorer
    registry.promote("radiology", "v3", score=make_scorer("data/iu", judge="offline"),
                     metric="offline-finding-match", higher_is_better=True, split="val")
"""

from __future__ import annotations

import csv
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from pixtralogist.core.errors import DataError
from pixtralogist.finetune.green import JudgeResult

log = logging.getLogger(__name__)

__all__ = [
    "SCORED_REGIONS",
    "EvalReport",
    "PairRecord",
    "draft_regions",
    "evaluate",
    "evaluate_adapter",
    "make_scorer",
    "region_table",
    "score_pairs",
    "table_markdown",
    "write_outputs",
]

#: Regions in the result table ("others" is not scored).
SCORED_REGIONS: tuple[str, ...] = ("lung", "heart", "mediastinal", "bone")
REGION_LABELS = {"lung": "Lung", "heart": "Heart", "mediastinal": "Mediastinal", "bone": "Bone"}
#: Annotation split name -> column label.
SPLIT_LABELS = {"train": "train", "val": "validation", "test": "test"}
_SPLIT_ALIASES = {"validation": "val", "valid": "val", "dev": "val"}


def normalize_split(split: str) -> str:
    """``'validation'`` -> ``'val'``; ``'train'``, ``'val'``, ``'test'`` unchanged."""
    s = _SPLIT_ALIASES.get(split.strip().lower(), split.strip().lower())
    if s not in SPLIT_LABELS:
        raise DataError(f"unknown split {split!r}: use train, val (validation) or test")
    return s


@dataclass
class PairRecord:
    """One judged region: reference and candidate text and the judge's result."""

    case_id: str
    split: str
    region: str
    reference: str
    candidate: str
    result: JudgeResult

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "case_id": self.case_id,
            "split": self.split,
            "region": self.region,
            "metric": r.metric,
            "reference": self.reference,
            "candidate": self.candidate,
            "score": r.score,
            "matched": r.matched,
            "significant": r.significant,
            "insignificant": r.insignificant,
            "significant_errors": r.significant_items,
            "insignificant_errors": r.insignificant_items,
            "matched_findings": r.matched_items,
            "explanation": r.explanation,
            "judge_output": r.raw,
        }


def score_pairs(
    items: Iterable[tuple[str, str, dict[str, str], dict[str, str]]],
    judge,
    regions: Sequence[str] = SCORED_REGIONS,
) -> list[PairRecord]:
    """Judge ``(case_id, split, reference_regions, candidate_regions)`` items region by region.

    Regions whose reference text is empty are skipped; all pairs go to the
    judge in one call (so a batched or concurrent judge can use it).
    """
    keys: list[tuple[str, str, str, str, str]] = []
    for case_id, split, ref, cand in items:
        for region in regions:
            r = (ref.get(region) or "").strip()
            if not r:
                continue
            keys.append((case_id, split, region, r, (cand.get(region) or "").strip()))
    results = judge.judge([(k[3], k[4]) for k in keys]) if keys else []
    if len(results) != len(keys):  # pragma: no cover - a judge breaking its contract
        raise RuntimeError(f"the judge returned {len(results)} results for {len(keys)} pairs")
    return [PairRecord(*k, result=res) for k, res in zip(keys, results)]


@dataclass(frozen=True)
class Cell:
    mean: float | None
    n_scored: int
    n_unscored: int


def region_table(records: Iterable[PairRecord], splits: Sequence[str],
                 regions: Sequence[str] = SCORED_REGIONS) -> dict[str, dict[str, Cell]]:
    """``table[region][split]``: mean score, scored and unscored pair counts."""
    acc: dict[tuple[str, str], list[float | None]] = {}
    for rec in records:
        acc.setdefault((rec.region, rec.split), []).append(rec.result.score)
    table: dict[str, dict[str, Cell]] = {}
    for region in regions:
        table[region] = {}
        for split in splits:
            vals = acc.get((region, split), [])
            scored = [v for v in vals if v is not None]
            table[region][split] = Cell(sum(scored) / len(scored) if scored else None, len(scored),
                                        len(vals) - len(scored))
    return table


def table_markdown(table: dict[str, dict[str, Cell]], metric: str) -> str:
    """The table as Markdown: one row per region, one column per split (``n`` scored pairs beside each)."""
    splits = list(next(iter(table.values())).keys()) if table else []
    head = "| Region | " + " | ".join(f"{SPLIT_LABELS.get(s, s).capitalize()} ({metric})" for s in splits) + " |"
    sep = "|---|" + "---:|" * len(splits)
    rows = [head, sep]
    for region, cells in table.items():
        parts = []
        for s in splits:
            c = cells[s]
            val = "n/a" if c.mean is None else f"{c.mean:.3f}"
            extra = f", {c.n_unscored} unscored" if c.n_unscored else ""
            parts.append(f"{val} (n={c.n_scored}{extra})")
        rows.append(f"| {REGION_LABELS.get(region, region)} | " + " | ".join(parts) + " |")
    return "\n".join(rows) + "\n"


def _plot(table: dict[str, dict[str, Cell]], metric: str, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    regions = list(table)
    splits = list(next(iter(table.values())).keys()) if table else []
    width = 0.8 / max(1, len(splits))
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    for i, s in enumerate(splits):
        vals = [table[r][s].mean if table[r][s].mean is not None else 0.0 for r in regions]
        xs = [j + (i - (len(splits) - 1) / 2) * width for j in range(len(regions))]
        bars = ax.bar(xs, vals, width, label=SPLIT_LABELS.get(s, s))
        for b, r in zip(bars, regions):
            c = table[r][s]
            ax.annotate("n/a" if c.mean is None else f"{c.mean:.2f}", (b.get_x() + b.get_width() / 2, b.get_height()),
                        ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(regions)), [REGION_LABELS.get(r, r) for r in regions])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_outputs(records: Sequence[PairRecord], out_dir: str | Path, *, metric: str, splits: Sequence[str],
                  summary: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write results.md, region_scores.csv, region_scores.png, pairs.jsonl and summary.json; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = region_table(records, splits)
    paths = {
        "markdown": out / "results.md",
        "csv": out / "region_scores.csv",
        "png": out / "region_scores.png",
        "pairs": out / "pairs.jsonl",
        "summary": out / "summary.json",
    }
    md = table_markdown(table, metric)
    paths["markdown"].write_text(
        md + f"\nMetric: {metric}. Mean per-pair score by region; empty reference regions skipped; "
        "'others' not scored. AI-generated drafts evaluated for development, not for clinical use.\n", "utf-8")
    with paths["csv"].open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["metric", "region", "split", "mean", "n_scored", "n_unscored"])
        for region, cells in table.items():
            for split, c in cells.items():
                w.writerow([metric, region, SPLIT_LABELS.get(split, split),
                            "" if c.mean is None else f"{c.mean:.6f}", c.n_scored, c.n_unscored])
    _plot(table, metric, paths["png"], f"{metric} by region")
    with paths["pairs"].open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec.to_json(), ensure_ascii=False) + "\n")
    summ = {"metric": metric, "splits": [SPLIT_LABELS.get(s, s) for s in splits], "pairs": len(records),
            "unscored": sum(1 for r in records if r.result.score is None),
            "table": {r: {SPLIT_LABELS.get(s, s): c.__dict__ for s, c in cells.items()} for r, cells in table.items()},
            **(summary or {})}
    paths["summary"].write_text(json.dumps(summ, indent=2, default=str), "utf-8")
    return paths


# --- drafting ----------------------------------------------------------------------------------


def _adapter_base_model(adapter_dir: Path) -> str | None:
    for name, key in (("metadata.json", "base_model"), ("adapter_config.json", "base_model_name_or_path")):
        p = adapter_dir / name
        if p.is_file():
            try:
                value = json.loads(p.read_text("utf-8")).get(key)
            except (OSError, ValueError):
                continue
            if value:
                return str(value)
    return None


def resolve_adapter(adapter: str | Path | None, *, registry: str | Path | None = None,
                    plugin: str = "radiology") -> Path | None:
    """An adapter directory from a path or a registry version name (``None`` = no adapter)."""
    if adapter in (None, "", "none", "offline"):
        return None
    p = Path(adapter)
    if p.is_dir():
        return p
    if registry is not None:
        from pixtralogist.finetune.registry import AdapterRegistry, RegistryError

        try:
            return AdapterRegistry.for_site(registry).version(plugin, str(adapter)).path
        except RegistryError as exc:
            raise DataError(str(exc)) from None
    raise DataError(f"adapter {adapter!r} is neither a directory nor (without --registry) a registry version")


def draft_regions(entries: Sequence[Any], data_dir: str | Path, *, adapter_dir: Path | None = None,
                  base_model: str | None = None, host=None, specialty: str = "radiology",
                  template_id: str = "cxr") -> dict[str, dict[str, str]]:
    """``{entry id: {region: drafted text}}`` for annotation entries.

    Without ``adapter_dir`` the plugin's offline drafter drafts each case from
    its (empty) dictation: the template's normal statements, a baseline. With
    an adapter the transformers backend drafts from the images, with the
    adapter's base model (``base_model`` or the one its metadata names).
    Entries whose images are missing are skipped for the model path.
    """
    from pixtralogist.core.models import Case, ModelConfig
    from pixtralogist.core.plugins import get_plugin_manager

    host = host or get_plugin_manager()
    template = host.template(template_id)
    root = Path(data_dir)
    if adapter_dir is None:
        model = ModelConfig(backend="offline")
    else:
        base = base_model or _adapter_base_model(adapter_dir)
        if not base:
            raise DataError(f"no base model for adapter {adapter_dir}: pass --base-model")
        model = ModelConfig(backend="transformers", base_model=base, adapter=str(adapter_dir), temperature=0.0)
    drafter = host.drafter(specialty, template, model)
    out: dict[str, dict[str, str]] = {}
    for e in entries:
        images = []
        paths = [root / "images" / p for p in getattr(e, "image_path", [])]
        if all(p.is_file() for p in paths):
            from pixtralogist.core.imaging import load_image

            images = [load_image(p, index=i + 1) for i, p in enumerate(paths)]
        elif adapter_dir is not None:
            log.warning("case %s: images missing, skipped", e.id)
            continue
        extra = getattr(e, "model_extra", None) or {}
        case = Case(images=images, indication=str(extra.get("indication") or ""),
                    comparison=str(extra.get("comparison") or ""))
        draft = drafter.draft(case, template)
        out[e.id] = draft.region_dict()
    return out


@dataclass
class EvalReport:
    """What :func:`evaluate` produced."""

    metric: str
    records: list[PairRecord]
    table: dict[str, dict[str, Cell]]
    markdown: str
    paths: dict[str, Path] = field(default_factory=dict)

    def mean(self, split: str) -> float:
        """The mean of the region means on ``split`` (NaN when no region could be scored)."""
        vals = [c[split].mean for c in self.table.values() if split in c and c[split].mean is not None]
        return sum(vals) / len(vals) if vals else math.nan


def evaluate(data_dir: str | Path, splits: Sequence[str], judge, *, adapter_dir: Path | None = None,
             base_model: str | None = None, out_dir: str | Path | None = None, limit: int | None = None,
             host=None, summary: dict | None = None) -> EvalReport:
    """Draft every case of ``splits`` and score it per region with ``judge``; write outputs when ``out_dir``."""
    from pixtralogist.core.annotation import read_annotation
    from pixtralogist.finetune.judges import make_judge

    if isinstance(judge, str):
        judge = make_judge(judge)
    splits = [normalize_split(s) for s in splits]
    data = read_annotation(data_dir)
    items = []
    for split in splits:
        entries = data.get(split, [])[: limit or None]
        drafts = draft_regions(entries, data_dir, adapter_dir=adapter_dir, base_model=base_model, host=host)
        items.extend((e.id, split, dict(e.report), drafts[e.id]) for e in entries if e.id in drafts)
    records = score_pairs(items, judge)
    table = region_table(records, splits)
    report = EvalReport(judge.metric, records, table, table_markdown(table, judge.metric))
    if out_dir is not None:
        info = {"judge": judge.describe(), "adapter": str(adapter_dir) if adapter_dir else None,
                "drafter": "transformers+adapter" if adapter_dir else "offline (template defaults, no dictation)",
                "cases": len(items), **(summary or {})}
        report.paths = write_outputs(records, out_dir, metric=judge.metric, splits=splits, summary=info)
    return report


def evaluate_adapter(adapter_dir: str | Path | None, data_dir: str | Path, split: str = "val",
                     judge: Any = "offline", *, base_model: str | None = None, limit: int | None = None,
                     out_dir: str | Path | None = None) -> float:
    """ONE score for an adapter on a split: the mean of the four region means (higher is better).

    :param adapter_dir: a LoRA adapter directory (drafts with the transformers
        backend and the adapter's base model), or ``None`` for the offline
        drafter baseline.
    :param data_dir: the annotation layout (``annotation.json`` + ``images/``).
    :param split: ``'val'`` (``'validation'``) for the promotion gate, or ``'test'``.
    :param judge: a judge spec (``'offline'``, ``'local:<dir>'``,
        ``'openai:<url>#<model>'``) or a judge object.
    :returns: a float in [0, 1], or NaN when no pair could be scored (a
        registry gate treats a non-finite score as "not better").
    """
    adapter = Path(adapter_dir) if adapter_dir is not None else None
    return evaluate(data_dir, [split], judge, adapter_dir=adapter, base_model=base_model, limit=limit,
                    out_dir=out_dir).mean(normalize_split(split))


def make_scorer(data_dir: str | Path, judge: Any = "offline", *, base_model: str | None = None,
                limit: int | None = None) -> Callable[[Path, str], float]:
    """A ``score(adapter_dir, split) -> float`` for :meth:`AdapterRegistry.promote` (see the module docstring)."""
    from pixtralogist.finetune.judges import make_judge

    j = make_judge(judge) if isinstance(judge, str) else judge

    def score(adapter_dir: Path, split: str) -> float:
        return evaluate_adapter(adapter_dir, data_dir, split, j, base_model=base_model, limit=limit)

    return score
