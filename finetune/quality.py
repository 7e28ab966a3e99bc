"""Edit burden: how much clinicians change the AI's drafts, the in-practice quality measure.

For every signed case and every region of its template the feedback store
keeps one row (:meth:`pixtralogist.persistence.feedback.FeedbackStore.quality_rows`):

* ``edited`` - whether the signed text differs from the AI text (whitespace
  ignored);
* ``edit_distance`` - the word-level Levenshtein distance between the AI text
  and the signed text divided by the longer of the two (0 = unchanged,
  1 = entirely rewritten); see :func:`normalized_edit_distance`;
* ``score`` - the comparator's score of the draft against the signed text
  (the offline finding-match comparator by default,
  :class:`pixtralogist.finetune.comparator.OfflineComparator`, or a configured
  GREEN judge; ``None`` when the signed region is empty);
* ``adapter_version`` - the adapter version that drafted the case, from the
  draft's provenance (``'base'`` when no adapter was used).

:func:`summarize` groups rows by specialty, region, adapter version and ISO
week (what ``pixtralogist quality`` prints and the app's Quality tab plots).
:func:`case_burden` is the per-case figure the live rollback check uses.

Only the standard library at import time (the comparator is imported when a
score is computed).
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from pixtralogist.core.quality import BASE_VERSION, QualityRow, Scorer, iso_week, normalized_edit_distance

__all__ = [
    "BASE_VERSION",
    "QualityRow",
    "Scorer",
    "case_burden",
    "comparator_scorer",
    "iso_week",
    "normalized_edit_distance",
    "summarize",
]


def comparator_scorer() -> Scorer:
    """The offline comparator as a scorer: ``(score of the draft against the signed text, metric)``."""
    from pixtralogist.finetune.comparator import OfflineComparator

    comp = OfflineComparator()

    def score(reference: str, candidate: str) -> tuple[float | None, str]:
        if not (reference or "").strip():
            return None, comp.metric
        return comp.compare(reference, candidate).score, comp.metric

    return score


def judge_scorer(judge) -> Scorer:
    """A :mod:`pixtralogist.finetune.judges` judge (e.g. GREEN through a local model) as a scorer."""

    def score(reference: str, candidate: str) -> tuple[float | None, str]:
        if not (reference or "").strip():
            return None, judge.metric
        return judge.judge([(reference, candidate)])[0].score, judge.metric

    return score


def case_burden(rows: Iterable[QualityRow]) -> dict[str, float]:
    """``{case_id: mean normalised edit distance over its regions}`` (the live check's per-case figure)."""
    sums: dict[str, list[float]] = {}
    for r in rows:
        sums.setdefault(r.case_id, []).append(r.edit_distance)
    return {k: sum(v) / len(v) for k, v in sums.items()}


GROUP_KEYS = ("specialty", "region", "adapter_version", "week")


def summarize(rows: Iterable[QualityRow], by: Sequence[str] = GROUP_KEYS) -> list[dict[str, Any]]:
    """Rows grouped by ``by`` (any of specialty, region, adapter_version, week), sorted by those keys.

    Each group: ``cases`` (distinct), ``regions`` (rows), ``edit_rate`` (share of
    regions changed), ``mean_edit_distance``, ``mean_score`` (over scored rows;
    ``None`` when none) and ``metric``.
    """
    for key in by:
        if key not in GROUP_KEYS:
            raise ValueError(f"cannot group by {key!r}; use any of {', '.join(GROUP_KEYS)}")
    groups: dict[tuple, list[QualityRow]] = {}
    for r in rows:
        d = r.to_dict()
        groups.setdefault(tuple(d[k] for k in by), []).append(r)
    out = []
    for key in sorted(groups):
        members = groups[key]
        scores = [r.score for r in members if r.score is not None and math.isfinite(r.score)]
        metrics = sorted({r.metric for r in members if r.metric})
        out.append({
            **dict(zip(by, key)),
            "cases": len({r.case_id for r in members}),
            "regions": len(members),
            "edit_rate": sum(r.edited for r in members) / len(members),
            "mean_edit_distance": sum(r.edit_distance for r in members) / len(members),
            "mean_score": (sum(scores) / len(scores)) if scores else None,
            "metric": ",".join(metrics) or None,
        })
    return out


def format_table(groups: list[dict[str, Any]], by: Sequence[str] = GROUP_KEYS) -> str:
    """A plain-text table of :func:`summarize` output (what ``pixtralogist quality`` prints)."""
    head = [*by, "cases", "regions", "edit_rate", "mean_edit_dist", "mean_score"]
    lines = [head]
    for g in groups:
        lines.append([str(g[k]) for k in by] + [
            str(g["cases"]), str(g["regions"]), f"{g['edit_rate']:.2f}", f"{g['mean_edit_distance']:.3f}",
            "-" if g["mean_score"] is None else f"{g['mean_score']:.3f}"])
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in lines)
