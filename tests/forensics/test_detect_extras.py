"""bench/detect_extras.py: a signal's own measure as one more combiner input, judged out of fold and nested."""

from __future__ import annotations

import numpy as np

from tests.conftest import load_bench

bd = load_bench("detect")
bx = load_bench("detect_extras")

MOTION = "face motion (landmarks)"


def _videos(n: int = 30, seed: int = 0) -> list:
    """n real and n fake videos, one track each, each its own person: the shipped signals are
    noise, and the fakes' faces move less (shading's landmark motion) than the real ones'."""
    rng = np.random.default_rng(seed)
    items = []
    for label in (0, 1):
        for i in range(n):
            motion = float(np.exp(rng.normal(-2.4 if label == 0 else -3.4, 0.3)))
            track = {
                "frames": 40,
                "scored": 12,
                "signals": {name: float(rng.uniform(0.05, 0.95)) for name in bd.SIGNALS},
                "samples": [],
                "details": {"shading": {"median_motion": motion}, "pulse": {"snr_db": float(rng.normal(0, 3))}},
            }
            items.append(
                bd.Item(f"{label}-{i}", None, label, "f", "video", f"g{label}-{i}", 256.0, 500.0, [track], 1.0)
            )
    return items


def _auc(items: list, scores: dict) -> float:
    return bx._auc(items, scores)


def test_candidates_come_both_ways_round_and_only_for_measures_the_tracks_have() -> None:
    items = _videos()
    names = bx.add_candidates(items)
    assert set(names) == {f"{MOTION} ↑", f"{MOTION} ↓", "pulse SNR ↑", "pulse SNR ↓"}
    down = [it.tracks[0]["signals"][f"{MOTION} ↓"] for it in items]
    up = [it.tracks[0]["signals"][f"{MOTION} ↑"] for it in items]
    np.testing.assert_allclose(np.array(down) + np.array(up), 1.0)  # σ(−z) = 1 − σ(z)
    assert bx.alone_auc(items, f"{MOTION} ↓") > 0.9  # fakes move less
    assert bx.alone_auc(items, f"{MOTION} ↑") < 0.1


def test_an_informative_measure_lifts_the_out_of_fold_combiner_and_is_chosen_when_nested() -> None:
    items = _videos()
    names = bx.add_candidates(items)
    base = _auc(items, bd.out_of_fold(items))
    with_motion = _auc(items, bd.out_of_fold(items, video_extra=(f"{MOTION} ↓",)))
    assert base < 0.75  # the shipped inputs are noise here
    assert with_motion > 0.9
    scores, chosen = bx.nested(items, names, bd.folds_of(items))
    assert chosen.count(f"{MOTION} ↓") >= 4  # of 5 folds
    assert _auc(items, scores) > 0.9


def test_a_measure_of_noise_gains_nothing_when_the_choice_is_nested() -> None:
    items = _videos(seed=1)
    rng = np.random.default_rng(7)
    for it in items:  # now the motion says nothing either
        it.tracks[0]["details"]["shading"]["median_motion"] = float(np.exp(rng.normal()))
    names = bx.add_candidates(items)
    fold = bd.folds_of(items)
    base = _auc(items, bd.out_of_fold(items, fold=fold))
    scores, _ = bx.nested(items, names, fold)
    assert _auc(items, scores) < base + 0.1


def test_signal_family_matrix_scores_each_family_against_the_real_items_of_its_kind() -> None:
    """bench/detect.py's "which signal catches which family": a signal that ranks one family's
    fakes above every real item reads 1.00 there; a signal that cannot judge a kind reads —."""

    def item(i: int, label: int, family: str, kind: str, signals: dict) -> object:
        track = {"frames": 40, "scored": 12, "signals": signals, "samples": [], "details": {}}
        return bd.Item(f"{family}-{i}", None, label, family, kind, f"g{i}", 256.0, 500.0, [track], 1.0)

    video = {name: 0.5 for name in bd.SIGNALS}
    items = [item(i, 0, "real", "video", {**video, "temporal": 0.1 + 0.01 * i}) for i in range(5)]
    items += [item(10 + i, 1, "animate", "video", {**video, "temporal": 0.9}) for i in range(3)]
    items += [item(20 + i, 1, "swap", "video", {**video, "temporal": 0.05}) for i in range(2)]
    still = {name: None for name in bd.SIGNALS} | {"blending": 0.5}
    items += [item(30 + i, 0, "photo", "image", still) for i in range(3)]
    items += [item(40, 1, "gan", "image", still)]
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in bd.signal_family_matrix(items).splitlines()}
    col = 2 + bd.SIGNALS.index("temporal")
    assert rows["animate (videos)"][1] == "5/3" and rows["animate (videos)"][col] == "1.00"
    assert rows["swap (videos)"][col] == "0.00"  # below every real clip
    assert rows["gan (images)"][col].strip(" |") == "—"  # a still has no motion to judge
    assert rows["gan (images)"][2 + bd.SIGNALS.index("blending")] == "0.50"
