"""Pooling many frame scores into one: a robust top-k mean (multi-instance learning).

A manipulated video is often manipulated only in some frames, or a detector fires only where the
blend is visible (S-MIL, Li et al. ACM MM 2020, learns this pooling; we use its simplest robust
form). The mean of the highest quarter is less fooled by one outlier frame than the max, and less
diluted by clean frames than the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

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
