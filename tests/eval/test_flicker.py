from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.eval import temporal_flicker, temporal_flicker_pairs


@pytest.fixture(scope="module")
def base(astronaut: np.ndarray) -> np.ndarray:
    return cv2.resize(astronaut, (192, 192), interpolation=cv2.INTER_AREA)


def _noisy(img: np.ndarray, rng: np.random.Generator, sigma: float = 8.0) -> np.ndarray:
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def _shifted(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, img.shape[1::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _naive_l1(frames: list[np.ndarray]) -> float:
    return float(np.mean([np.abs(b.astype(float) - a).mean() / 255 for a, b in zip(frames, frames[1:])]))


def test_static_sequence_has_no_flicker(base):
    assert temporal_flicker([base] * 5) == pytest.approx(0.0, abs=1e-6)


def test_noise_raises_flicker(base):
    rng = np.random.default_rng(0)
    noisy = [_noisy(base, rng) for _ in range(5)]
    assert temporal_flicker(noisy) > 0.02


def test_smooth_motion_is_explained_by_the_flow(base):
    rng = np.random.default_rng(1)
    moving = [_shifted(base, 1.5 * t, 0.7 * t) for t in range(5)]
    noisy = [_noisy(base, rng) for _ in range(5)]
    moving_flicker = temporal_flicker(moving)
    # without flow, consecutive frames differ a lot; with it, little is left
    assert moving_flicker < 0.3 * _naive_l1(moving)
    assert moving_flicker < 0.5 * temporal_flicker(noisy)


def test_occluded_pixels_are_left_out(monkeypatch):
    """A textured square slides over a textured background: the strip it uncovers
    has no match in the previous frame and must not count as flicker."""
    import faceforge.eval.flicker as flicker

    rng = np.random.default_rng(3)
    background = cv2.GaussianBlur(rng.integers(0, 256, (160, 160, 3), dtype=np.uint8), (0, 0), 2)
    square = cv2.GaussianBlur(rng.integers(0, 256, (60, 60, 3), dtype=np.uint8), (0, 0), 2)
    frames = []
    for t in range(4):
        f = background.copy()
        f[50:110, 30 + 10 * t : 90 + 10 * t] = square
        frames.append(f)
    masked = temporal_flicker(frames)
    monkeypatch.setattr(flicker, "_FB_ABSOLUTE", float("inf"))  # switch the check off
    unmasked = temporal_flicker(frames)
    assert masked < 0.7 * unmasked


def test_pairs_localise_a_glitch(base):
    rng = np.random.default_rng(2)
    frames = [base.copy() for _ in range(5)]
    frames[2] = _noisy(base, rng, sigma=20)
    pairs = temporal_flicker_pairs(frames)
    assert pairs.shape == (4,)
    assert pairs[0] < 1e-6 and pairs[3] < 1e-6
    assert pairs[1] > 0.03 and pairs[2] > 0.03
    assert temporal_flicker(frames) == pytest.approx(pairs.mean())


def test_accepts_non_contiguous_views(base):
    flipped = base[:, ::-1]
    assert temporal_flicker([flipped, flipped]) == pytest.approx(0.0, abs=1e-6)


def test_bad_inputs_name_the_parameter(base):
    with pytest.raises(ValueError, match="at least 2 frames"):
        temporal_flicker([base])
    with pytest.raises(ValueError, match=r"frames\[1\] has shape"):
        temporal_flicker([base, base[:100]])
    with pytest.raises(ValueError, match=r"frames\[0\] must be an H×W×3 uint8"):
        temporal_flicker_pairs([base.astype(np.float32), base])
