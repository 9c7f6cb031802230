"""bench/detect.py's risk thresholds: a new real item reaches 'high' at most 5 % of the time."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tests.conftest import load_bench

bd = load_bench("detect")


def _items(real: np.ndarray, fake: np.ndarray = np.array([])) -> tuple[list, dict]:
    items, oof = [], {}
    for label, scores in ((0, real), (1, fake)):
        for i, score in enumerate(scores):
            item = SimpleNamespace(id=f"{label}-{i}", label=label, kind="video")
            items.append(item)
            oof[item.id] = float(score)
    return items, oof


def test_new_real_items_reach_high_at_most_five_percent_of_the_time() -> None:
    """Split-conformal guarantee, checked by simulation: thresholds from 25 real scores, tried on
    fresh real scores from the same distribution. (The plain 95th percentile of 25 scores, the
    rule before, is reached 2/26 ≈ 7.7 % of the time; the conformal one 1/26 ≈ 3.8 %.)"""
    rng = np.random.default_rng(0)
    reached_high, reached_medium = [], []
    for _ in range(400):
        items, oof = _items(rng.beta(2, 5, 25))
        thresholds = bd.choose_thresholds(items, oof, "video")
        fresh = rng.beta(2, 5, 200)
        reached_high.append(np.mean(fresh >= thresholds["high"]))
        reached_medium.append(np.mean(fresh >= thresholds["medium"]))
    assert np.mean(reached_high) <= 0.05
    assert np.mean(reached_high) > 0.02  # not by setting the bar out of reach
    assert np.mean(reached_medium) <= 0.20


def test_thresholds_are_order_statistics_of_the_real_scores_and_ignore_fakes() -> None:
    real = np.linspace(0.01, 0.70, 38)
    items, oof = _items(real, fake=np.array([0.99, 0.2]))
    thresholds = bd.choose_thresholds(items, oof, "video")
    # high: the ceil(39 · 0.95) = 38th smallest (the largest); medium: the ceil(39 · 0.8) = 32nd.
    assert thresholds["high"] == pytest.approx(real[37] + 1e-3, abs=1e-3)
    assert thresholds["medium"] == pytest.approx(real[31] + 1e-3, abs=1e-3)
    assert thresholds["medium"] < thresholds["high"]
    assert bd.choose_thresholds(items, oof, "image") == {"medium": 0.9, "high": 0.95}  # no real images


def test_too_few_real_items_give_the_cap_and_floors_hold() -> None:
    items, oof = _items(np.linspace(0.0, 0.9, 10))  # 10 < 19: no order statistic guarantees 5 %
    assert bd.choose_thresholds(items, oof, "video")["high"] == 0.95
    items, oof = _items(np.full(40, 0.01))  # very low real scores: the floors apply
    assert bd.choose_thresholds(items, oof, "video") == {"medium": 0.25, "high": 0.5}


def test_calibration_summary_covers_every_scored_item_and_each_kind() -> None:
    items, oof = _items(np.array([0.1, 0.3]), np.array([0.8]))
    image = SimpleNamespace(id="photo", label=1, kind="image")
    unscored = SimpleNamespace(id="no-face", label=0, kind="video")
    oof |= {"photo": 0.4, "no-face": None}
    summary = bd.calibration_summary([*items, image, unscored], oof)
    brier_all = np.mean([0.1**2, 0.3**2, 0.2**2, 0.6**2])
    assert summary["all"][0] == pytest.approx(brier_all)
    assert summary["video"][0] == pytest.approx(np.mean([0.1**2, 0.3**2, 0.2**2]))
    assert summary["image"] == pytest.approx((0.36, 0.6))  # one photo at 0.4 that is fake: off by 0.6
