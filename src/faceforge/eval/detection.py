"""Detection metrics with bootstrap intervals: AUC, equal error rate, average precision.

Labels are 1 = fake (positive), 0 = real. Scores: higher = more likely fake. Plain numpy, so
benchmarks and tests need no scikit-learn. The intervals are percentile bootstraps over items
(Efron & Tibshirani 1993); with groups given, whole groups are resampled, which is the honest
choice when items of one person or one source are correlated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U with ties counted half). NaN without both classes."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def eer(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Equal error rate: where the false-positive and false-negative rates cross (interpolated)."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.all() or not y.any():
        return float("nan")
    thresholds = np.unique(np.concatenate([s, [np.inf]]))
    fpr = np.array([(s[~y] >= t).mean() for t in thresholds])
    fnr = np.array([(s[y] < t).mean() for t in thresholds])
    diff = fpr - fnr  # decreasing in t
    i = int(np.argmax(diff <= 0))
    if i == 0:
        return float((fpr[0] + fnr[0]) / 2)
    d0, d1 = diff[i - 1], diff[i]
    w = d0 / (d0 - d1) if d0 != d1 else 0.5
    return float((1 - w) * (fpr[i - 1] + fnr[i - 1]) / 2 + w * (fpr[i] + fnr[i]) / 2)


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """AP = Σ (R_n − R_{n−1}) P_n over the ranked list (ties broken by order)."""
    y = np.asarray(labels, dtype=bool)
    if not y.any():
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = y[order]
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].sum() / hits.sum())


def false_positive_rate(labels: Sequence[int], scores: Sequence[float], threshold: float) -> float:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    return float((s[~y] >= threshold).mean()) if (~y).any() else float("nan")


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        if np.isnan(self.value):
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap(
    metric: Callable[[np.ndarray, np.ndarray], float],
    labels: Sequence[int],
    scores: Sequence[float],
    *,
    groups: Sequence[str] | None = None,
    rounds: int = 1000,
    seed: int = 0,
) -> Estimate:
    """metric on all items plus a 95 % percentile interval from `rounds` resamples."""
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    value = metric(y, s)
    rng = np.random.default_rng(seed)
    if groups is None:
        units = [np.array([i]) for i in range(len(y))]
    else:
        g = np.asarray(groups)
        units = [np.flatnonzero(g == u) for u in np.unique(g)]
    stats = []
    for _ in range(rounds):
        pick = np.concatenate([units[i] for i in rng.integers(0, len(units), len(units))])
        v = metric(y[pick], s[pick])
        if not np.isnan(v):
            stats.append(v)
    if not stats:
        return Estimate(value, float("nan"), float("nan"), len(y))
    low, high = np.percentile(stats, [2.5, 97.5])
    return Estimate(float(value), float(low), float(high), len(y))
