"""Pooling many frame scores into one: a robust top-k mean (multi-instance learning); and
windowed medians, which pool a track signal's frame pairs around each moment of a video.

A manipulated video is often manipulated only in some frames, or a detector fires only where the
blend is visible (S-MIL, Li et al. ACM MM 2020, learns this pooling; we use its simplest robust
form). The mean of the highest quarter is less fooled by one outlier frame than the max, and less
diluted by clean frames than the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

TOP_FRACTION = 0.25


def top_k_mean(values: Sequence[float], fraction: float = TOP_FRACTION) -> float | None:
    """Mean of the highest ceil(fraction·n) values; None when there are none."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    v = np.sort(np.asarray([x for x in values if x is not None], dtype=np.float64))
    if v.size == 0:
        return None
    k = max(1, math.ceil(fraction * v.size))
    return float(v[-k:].mean())


def windowed_medians(
    times: npt.ArrayLike, values: npt.ArrayLike, at: npt.ArrayLike, half_window: float, min_count: int
) -> list[float | None]:
    """For each time in `at`: the median of the `values` whose `times` lie within ±`half_window`
    of it; None where fewer than `min_count` do."""
    t = np.asarray(times, np.float64)
    v = np.asarray(values, np.float64)
    if t.shape != v.shape:
        raise ValueError(f"times and values differ in length: {t.size} and {v.size}")
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    centres = np.asarray(at, np.float64)
    lows = np.searchsorted(t, centres - half_window, side="left")
    highs = np.searchsorted(t, centres + half_window, side="right")
    return [float(np.median(v[lo:hi])) if hi - lo >= max(1, min_count) else None for lo, hi in zip(lows, highs)]
