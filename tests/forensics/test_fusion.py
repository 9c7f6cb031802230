"""The combiner: fitted weights point the right way, n/a signals are neutral, the file round-trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from faceforge.errors import DependencyError
from faceforge.forensics.fusion import (
    Fusion,
    FusionModel,
    RealReferenceModel,
    combiner_from_dict,
    conformal_p,
    fit_fusion,
    fit_real_reference,
    load_fusion,
)
from faceforge.forensics.pooling import top_k_mean, windowed_medians

SIGNALS = ("a", "b", "c")


def _data(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    rows = []
    for label in y:
        a = 1 / (1 + np.exp(-(rng.normal(1.5 if label else -1.5, 1.0))))  # informative
        b = float(rng.uniform(0.01, 0.99))  # noise
        c = None if rng.random() < 0.5 else 1 / (1 + np.exp(-(rng.normal(-1.0 if label else 1.0, 1.0))))  # inverted
        rows.append({"a": a, "b": b, "c": c})
    return rows, y.tolist()


def test_fit_learns_direction_and_ignores_noise():
    rows, y = _data()
    model = fit_fusion(rows, y, SIGNALS)
    w = dict(zip(model.signals, model.weights))
    assert w["a"] > 1.0
    assert w["c"] == 0.0  # inverted on this data: ignored, never turned into evidence of "real"
    assert 0.0 <= w["b"] < 0.5 * w["a"]
    probs = [model.probability(r) for r in rows]
    from faceforge.eval.detection import auc

    assert auc(y, probs) > 0.9


def test_use_keeps_other_signals_at_weight_zero():
    rows, y = _data()
    model = fit_fusion(rows, y, SIGNALS, use=("b",))
    w = dict(zip(model.signals, model.weights))
    assert model.signals == SIGNALS and w["a"] == 0.0 and w["c"] == 0.0  # informative, but not allowed
    assert model.contributions(rows[0])["a"] == 0.0
    with pytest.raises(ValueError, match="not in the model"):
        fit_fusion(rows, y, SIGNALS, use=("a", "zz"))


def test_missing_signal_is_neutral_and_probability_monotonic():
    rows, y = _data()
    model = fit_fusion(rows, y, SIGNALS)
    only_a = model.probability({"a": 0.9, "b": None, "c": None})
    assert model.probability({"a": 0.99, "b": None, "c": None}) > only_a > model.probability({"a": 0.2})
    assert model.contributions({"a": 0.9, "b": None}).keys() == {"a"}


def test_fit_rejects_one_class():
    with pytest.raises(ValueError, match="both real"):
        fit_fusion([{"a": 0.5}] * 4, [1, 1, 1, 1], ("a",))


def test_round_trip_and_thresholds(tmp_path):
    rows, y = _data()
    video = fit_fusion(rows, y, SIGNALS, meta={"corpus": "synthetic"})
    image = FusionModel.from_dict({**fit_fusion(rows, y, ("a",)).to_dict(), "thresholds": {"medium": 0.4, "high": 0.8}})
    path = tmp_path / "fusion.json"
    Fusion(image=image, video=video).save(path)
    again = load_fusion(path)
    assert again.video == video and again.image == image and again.video.meta["corpus"] == "synthetic"
    assert again.for_kind("image").signals == ("a",) and again.for_kind("image").high == 0.8
    for model in (again.video, again.image):
        assert model.risk(model.high) == "high" and model.risk(model.medium) == "medium" and model.risk(0.0) == "low"
    with pytest.raises(ValueError, match="kind"):
        again.for_kind("audio")


def test_damaged_model_is_a_dependency_error(tmp_path):
    bad = tmp_path / "fusion.json"
    bad.write_text(json.dumps({"signals": ["a"], "weights": [1, 2]}))
    with pytest.raises(DependencyError, match="missing or damaged"):
        load_fusion(bad)


def test_shipped_model_loads_and_uses_every_signal():
    fusion = load_fusion()
    for kind in ("image", "video"):
        model = fusion.for_kind(kind)
        assert set(model.signals) == {
            "blending",
            "frequency",
            "noise",
            "pulse",
            "behaviour",
            "temporal",
            "shading",
            "seam",
        }
        assert 0.0 < model.medium < model.high < 1.0
        assert model.meta["kind"] == kind and "signal_stats" in model.meta  # the report quotes them
    # A still image has no track signals: its combiner cannot have learned a weight for them.
    weights = dict(zip(fusion.image.signals, fusion.image.weights))
    assert all(weights[name] == 0.0 for name in ("pulse", "behaviour", "temporal", "shading", "seam"))
    # Still images: blending and noise against the benchmark's real images (bench/detect.py FUSED).
    assert isinstance(fusion.image, RealReferenceModel) and isinstance(fusion.video, FusionModel)
    assert {n for n, w in weights.items() if w > 0} == {"blending", "noise"}
    assert len(fusion.image.references[fusion.image.signals.index("blending")]) >= 20


# ----------------------------------------------------------------------------- against real faces only


def _reference_model(shares: tuple[float, float] = (1.0, 1.0)) -> RealReferenceModel:
    # Real faces scored a: 0.1 … 0.9 (9 values), b: 0.2 … 0.6 (5); c is not weighed.
    refs = (tuple(round(0.1 * i, 1) for i in range(1, 10)), (0.2, 0.3, 0.4, 0.5, 0.6), ())
    return RealReferenceModel(SIGNALS, refs, (*shares, 0.0), slope=1.0, bias=-1.0)


def test_reference_p_values_and_surprise():
    model = _reference_model()
    p = model.p_values({"a": 0.85, "b": 0.3, "c": 0.99})
    # a: 0.85 lies halfway between the real 0.8 and 0.9, so 1.5 real scores count as "at least as high"
    assert p == {"a": pytest.approx(2.5 / 10), "b": pytest.approx(5 / 6)}  # c has no reference: not weighed
    assert model.surprise({"a": 0.85, "b": 0.3}) == pytest.approx(-np.log(2 * 2.5 / 10))  # Bonferroni: × 2
    assert model.p_values({"a": 0.5}) == {"a": pytest.approx(6 / 10)}  # a tie counts as "at least as high"
    assert model.p_values({"a": 2.0}) == {"a": pytest.approx(1 / 10)}  # beyond every real face: the floor
    assert model.surprise({"c": 0.9}) is None and model.weights == (1.0, 1.0, 0.0)
    # Weighted: a holds 3 of the 4 shares, so its p-value costs 4/3 and b's 4.
    weighted = _reference_model((3.0, 1.0))
    assert weighted.adjusted({"a": 0.85, "b": 0.65}) == {"a": pytest.approx(0.25 * 4 / 3), "b": pytest.approx(4 / 6)}
    assert weighted.adjusted({"b": 0.65}) == {"b": pytest.approx(1 / 6)}  # alone: no cost
    with pytest.raises(ValueError, match="share"):
        RealReferenceModel(SIGNALS, ((0.1, 0.2, 0.3), (), ()), (1.0, 1.0, 0.0), 1.0, 0.0)


def test_conformal_p_is_the_count_made_continuous():
    reference = (0.1, 0.2, 0.4, 0.8)
    values = np.linspace(0.0, 1.0, 401)
    p = np.array([conformal_p(reference, v) for v in values])
    assert np.all(np.diff(p) <= 1e-12) and p[0] == 1.0 and p[-1] == pytest.approx(1 / 5)
    for v in reference:  # at a real score it is the plain count (1 + #{≥ v}) / (n + 1)
        assert conformal_p(reference, v) == pytest.approx((1 + sum(r >= v for r in reference)) / 5)
    assert np.abs(np.diff(p[values < 0.79])).max() < 0.02  # no steps between real scores


def test_reference_model_any_one_unusual_signal_raises_the_probability():
    model = _reference_model()
    typical = model.probability({"a": 0.5, "b": 0.4})
    assert model.probability({"a": 0.95, "b": 0.4}) > typical  # a alone unlike every real face
    assert model.probability({"a": 0.5, "b": 0.95}) > typical  # b alone
    assert model.probability({"a": 0.95}) > model.probability({"a": 0.95, "b": 0.4})  # m = 1: no Bonferroni cost
    pushes = model.contributions({"a": 0.5, "b": 0.95, "c": 0.1})
    assert pushes["a"] == 0.0 and pushes["c"] == 0.0 and pushes["b"] == pytest.approx(-np.log(2 / 6))
    assert model.probability({"c": 0.99}) == pytest.approx(1 / (1 + np.exp(1.0)))  # nothing weighed: the bias


def test_fit_real_reference_keeps_only_real_scores_and_ranks_fakes_higher():
    rows, y = _data(300, seed=2)
    model = fit_real_reference(rows, y, SIGNALS, use={"a": 2.0, "b": 1.0})
    real_a = sorted(r["a"] for r, label in zip(rows, y) if label == 0)
    assert model.references[0] == tuple(real_a) and model.references[2] == ()  # c: not in `use`
    assert model.shares == (2.0, 1.0, 0.0) and model.slope > 0.0
    probs = np.array([model.probability(r) for r in rows])
    assert probs[np.array(y) == 1].mean() > probs[np.array(y) == 0].mean() + 0.1
    with pytest.raises(ValueError, match="both"):
        fit_real_reference(rows[:5], [0] * 5, SIGNALS, use={"a": 1.0})


def test_reference_model_round_trips_and_the_file_names_its_kind(tmp_path):
    model = _reference_model()
    again = combiner_from_dict(json.loads(json.dumps(model.to_dict())))
    assert isinstance(again, RealReferenceModel) and again == model
    both = Fusion(image=model, video=FusionModel(SIGNALS, (1.0, 0.0, 0.0), 0.0, (0.0,) * 3, (1.0,) * 3))
    both.save(tmp_path / "fusion.json")
    loaded = load_fusion(tmp_path / "fusion.json")
    assert loaded.image == model and isinstance(loaded.video, FusionModel)
    with pytest.raises(ValueError, match="unknown model"):
        combiner_from_dict({**model.to_dict(), "model": "forest"})


def test_top_k_mean():
    assert top_k_mean([0.1, 0.2, 0.9, 0.8]) == pytest.approx(0.9)
    assert top_k_mean([0.1] * 7 + [0.9]) == pytest.approx(0.5)  # ceil(0.25·8) = 2 values
    assert top_k_mean([None, 0.3]) == pytest.approx(0.3)
    assert top_k_mean([]) is None
    with pytest.raises(ValueError):
        top_k_mean([0.1], fraction=0.0)


def test_model_shape_errors():
    with pytest.raises(ValueError, match="weights"):
        FusionModel.from_dict(
            {
                "signals": ["a"],
                "weights": [],
                "bias": 0,
                "means": [0],
                "stds": [1],
                "thresholds": {"medium": 0.3, "high": 0.7},
            }
        )


def test_windowed_medians():
    times = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]
    values = [1.0, 2.0, 3.0, 4.0, 100.0, 5.0]
    out = windowed_medians(times, values, [0.0, 1.0, 2.0, 3.0, 9.0], half_window=0.5, min_count=2)
    assert out == [1.5, 3.0, 52.0, None, None]  # 3 s: only itself within 0.5 s; 9 s: nothing
    # The times need not come sorted; the windows include their edges.
    shuffled = windowed_medians(times[::-1], values[::-1], [1.0], half_window=0.5, min_count=3)
    assert shuffled == [3.0]
    assert windowed_medians([], [], [1.0], 1.0, 1) == [None]
    with pytest.raises(ValueError, match="differ in length"):
        windowed_medians([0.0], [1.0, 2.0], [0.0], 1.0, 1)


def test_deciding_signals_are_the_weighed_ones_with_skill_alone():
    signals = ("a", "b", "c", "d")
    stats = {"a": {"auc": 0.85}, "b": {"auc": 0.55}, "c": {"auc": 0.9}, "d": {"auc": 0.7}}

    def model(weights, meta):  # noqa: ANN001, ANN202
        return FusionModel(signals, weights, 0.0, (0.0,) * 4, (1.0,) * 4, meta=meta)

    # c has skill but no weight; b has weight but no skill.
    m = model((1.0, 1.0, 0.0, 0.5), {"signal_stats": stats})
    assert m.deciding_signals == ("a", "d")
    assert m.judges({"a": None, "b": 0.9, "d": 0.2}) and not m.judges({"a": None, "b": 0.9, "c": 0.9, "d": None})
    # No weighed signal measured, or none with skill: every weighed one decides (the combiner's own
    # skill note then speaks for it).
    assert model((1.0, 1.0, 0.0, 0.0), {}).deciding_signals == ("a", "b")
    assert model((0.0, 1.0, 0.0, 0.0), {"signal_stats": stats}).deciding_signals == ("b",)


def test_the_shipped_video_combiner_is_decided_by_the_track_signals_with_skill():
    video = load_fusion().for_kind("video")
    assert {"temporal", "shading"} <= set(video.deciding_signals)
    assert not {"behaviour", "pulse"} & set(video.deciding_signals)  # alone near chance on the benchmark
    assert not video.judges({"behaviour": 0.9, "pulse": 0.9, "noise": 0.9})
