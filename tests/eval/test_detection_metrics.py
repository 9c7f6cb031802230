"""Detection metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from faceforge.eval.detection import auc, average_precision, bootstrap, eer, false_positive_rate


def test_auc_known_values():
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert auc([0, 1], [0.5, 0.5]) == 0.5  # ties count half
    assert auc([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == 0.75
    assert np.isnan(auc([1, 1], [0.1, 0.2]))


def test_eer_and_ap():
    assert eer([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 0.0
    assert eer([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]) == pytest.approx(0.5)
    assert average_precision([0, 1, 0, 1], [0.9, 0.8, 0.3, 0.2]) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert false_positive_rate([0, 0, 0, 1], [0.1, 0.8, 0.9, 0.9], 0.7) == pytest.approx(2 / 3)


def test_bootstrap_interval_contains_value_and_narrows_with_data():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    s = y + rng.normal(0, 1.0, 400)
    est = bootstrap(auc, y, s, rounds=300)
    assert est.low <= est.value <= est.high
    small = bootstrap(auc, y[:40], s[:40], rounds=300)
    assert (small.high - small.low) > (est.high - est.low)
    grouped = bootstrap(auc, y, s, groups=[str(i // 10) for i in range(400)], rounds=300)
    assert grouped.n == 400 and grouped.low < grouped.value < grouped.high
