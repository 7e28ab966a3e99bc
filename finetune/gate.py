"""The learning loop's promotion gate: a paired bootstrap over evaluation cases.

Both versions (the candidate and the active one, or the base model when none
is active) draft the SAME evaluation cases; each case gets one score per
version (:func:`case_scores`: the mean over its regions of ``1 -`` the
normalised edit distance between the draft and the signed text, or of the
comparator's score). The improvement of case *i* is ``d_i = cand_i -
active_i``; :func:`paired_bootstrap` resamples the cases with replacement and
gives the mean improvement with its two-sided interval. The candidate is
promoted only when the interval's LOWER bound is above ``margin``
(:func:`decide`): a better mean on a handful of cases is not enough.

Standard library only (``random``), so the decision is reproducible from the
stored per-case figures and a seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Any, Literal, Mapping, Sequence

__all__ = ["BootstrapResult", "GateMetric", "case_scores", "decide", "paired_bootstrap", "region_means"]

GateMetric = Literal["edit", "comparator"]


@dataclass(frozen=True)
class BootstrapResult:
    """Mean paired improvement (candidate - active) and its bootstrap interval over cases."""

    n_cases: int
    mean: float
    lower: float
    upper: float
    confidence: float
    resamples: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_bootstrap(candidate: Sequence[float], active: Sequence[float], *, resamples: int = 2000,
                     confidence: float = 0.95, seed: int = 0) -> BootstrapResult:
    """Percentile bootstrap of the mean of ``candidate[i] - active[i]`` over cases ``i``."""
    if len(candidate) != len(active):
        raise ValueError("paired bootstrap needs one candidate and one active score per case")
    if not candidate:
        raise ValueError("paired bootstrap needs at least one case")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    diffs = [c - a for c, a in zip(candidate, active)]
    n = len(diffs)
    rng = random.Random(seed)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    alpha = (1 - confidence) / 2
    lo = means[max(0, min(resamples - 1, int(math.floor(alpha * resamples))))]
    hi = means[max(0, min(resamples - 1, int(math.ceil((1 - alpha) * resamples)) - 1))]
    return BootstrapResult(n_cases=n, mean=sum(diffs) / n, lower=lo, upper=hi, confidence=confidence,
                           resamples=resamples, seed=seed)


def decide(result: BootstrapResult, margin: float = 0.0) -> tuple[bool, str]:
    """``(promote, reason)``: promote only when the interval's lower bound is above ``margin``."""
    pct = int(round(result.confidence * 100))
    figures = (f"mean improvement {result.mean:+.3f}, {pct}% interval [{result.lower:+.3f}, {result.upper:+.3f}] "
               f"over {result.n_cases} evaluation cases")
    if result.lower > margin:
        return True, f"promoted: {figures}; lower bound above the margin {margin:+.3f}"
    return False, f"refused: {figures}; lower bound not above the margin {margin:+.3f}"


def _region_value(reference: str, candidate: str, metric: GateMetric, scorer) -> float | None:
    from pixtralogist.finetune.quality import normalized_edit_distance

    if not (reference or "").strip():
        return None
    if metric == "edit":
        return 1.0 - normalized_edit_distance(candidate, reference)
    value, _ = scorer(reference, candidate)
    return value


def case_scores(references: Mapping[str, Mapping[str, str]], drafts: Mapping[str, Mapping[str, str]],
                regions: Sequence[str], *, metric: GateMetric = "edit", scorer=None
                ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Per-case scores and per-region values for one version's drafts.

    :param references: ``{case: {region: signed text}}``.
    :param drafts: ``{case: {region: drafted text}}`` (a missing case scores 0).
    :return: ``({case: mean over scored regions}, {case: {region: value}})``;
        regions whose signed text is empty are not scored.
    """
    if metric == "comparator" and scorer is None:
        from pixtralogist.finetune.quality import comparator_scorer

        scorer = comparator_scorer()
    per_case: dict[str, float] = {}
    per_region: dict[str, dict[str, float]] = {}
    for case, ref in references.items():
        got = drafts.get(case, {})
        vals = {}
        for r in regions:
            v = _region_value(ref.get(r, ""), got.get(r, ""), metric, scorer)
            if v is not None and math.isfinite(v):
                vals[r] = v
        per_region[case] = vals
        per_case[case] = sum(vals.values()) / len(vals) if vals else 0.0
    return per_case, per_region


def region_means(per_region: Mapping[str, Mapping[str, float]], regions: Sequence[str]) -> dict[str, float | None]:
    """``{region: mean over cases}`` (``None`` for a region no case scored)."""
    out: dict[str, float | None] = {}
    for r in regions:
        vals = [v[r] for v in per_region.values() if r in v]
        out[r] = sum(vals) / len(vals) if vals else None
    return out
