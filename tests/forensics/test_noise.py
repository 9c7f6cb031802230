"""The noise signal: a face whose noise or JPEG grid differs from its surroundings scores higher, and the
heatmap lights up inside it (the public-domain astronaut)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from faceforge.faces.masks import face_mask
from faceforge.forensics.noise import (
    GRID_MIN,
    MIN_FACE_PX,
    NoiseSignal,
    blockiness,
    grid_profile,
    noise_level,
    noise_residual,
)
from faceforge.forensics.signal import FrameSignal


@pytest.fixture(scope="module")
def face_region(astronaut, astronaut_face) -> np.ndarray:
    """H×W bool: the face oval."""
    return face_mask(astronaut_face.landmarks, astronaut.shape[:2]) > 127


def _paste(base: np.ndarray, other: np.ndarray, region: np.ndarray) -> np.ndarray:
    return np.where(region[..., None], other, base)


def _noisy(image: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0.0, sigma, image.shape)
    return np.clip(np.rint(image + noise), 0, 255).astype(np.uint8)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


@pytest.mark.parametrize("sigma", [3.0, 6.0])
def test_noise_level_of_white_noise(sigma):
    ramp = np.tile(np.linspace(40, 200, 256, dtype=np.float32), (256, 1))  # smooth structure cancels
    grey = ramp + np.random.default_rng(1).normal(0.0, sigma, ramp.shape).astype(np.float32)
    level, used = noise_level(noise_residual(grey), np.ones(grey.shape, bool))
    assert used > 0.4 * grey.size
    assert level == pytest.approx(sigma, rel=0.15)


def test_noisy_face_in_a_clean_picture_scores_higher_and_lights_up(astronaut, astronaut_face, face_region):
    signal = NoiseSignal()
    original = signal.score_face(astronaut, astronaut_face, want_heatmap=True)
    fake = signal.score_face(_paste(astronaut, _noisy(astronaut, 8.0), face_region), astronaut_face, want_heatmap=True)
    assert original.score is not None and fake.score is not None
    assert fake.score > 0.95 and fake.score > original.score + 0.3
    assert "grainier" in fake.reason
    heat = fake.heatmap
    assert heat is not None and heat.shape == astronaut.shape[:2] and heat.dtype == np.float32
    assert 0.0 <= heat.min() and heat.max() <= 1.0
    inside = heat[face_region].mean()
    ring = heat[~face_region & (heat > 0)]
    assert inside > 0.4 and inside > ring.mean() + 0.2
    assert inside > original.heatmap[face_region].mean() + 0.3
    assert heat[-100:].max() == 0.0 and heat[:, -100:].max() == 0.0  # far from the face: not looked at


def test_clean_face_in_a_noisy_picture_scores_higher(astronaut, astronaut_face, face_region):
    signal = NoiseSignal()
    original = signal.score_face(astronaut, astronaut_face)
    fake = signal.score_face(_paste(_noisy(astronaut, 8.0), astronaut, face_region), astronaut_face)
    assert fake.score is not None and fake.score > original.score + 0.3
    assert "smoother" in fake.reason and fake.details["noise_log2_ratio"] < -0.5


def test_face_with_a_shifted_jpeg_grid_is_flagged(astronaut, astronaut_face, face_region):
    signal = NoiseSignal()
    compressed = _jpeg(astronaut, 60)
    # The face comes from a JPEG whose 8×8 grid sat 4 pixels off this frame's.
    shifted = np.roll(_jpeg(np.roll(astronaut, (4, 4), (0, 1)), 60), (-4, -4), (0, 1))
    original = signal.score_face(compressed, astronaut_face)
    spliced = signal.score_face(_paste(compressed, shifted, face_region), astronaut_face)
    assert original.details["blockiness_surroundings"] > GRID_MIN and original.details["grid_z"] < 2.0
    assert spliced.details["grid_z"] >= 3.0 and spliced.score > 0.99 > original.score
    assert "block grid" in spliced.reason


def test_jpeg_grid_phase():
    image = np.random.default_rng(2).integers(60, 200, (128, 128, 3)).astype(np.uint8)
    image = cv2.GaussianBlur(image, (0, 0), 2.0)
    grey = _jpeg(image, 40).astype(np.float32).mean(axis=2)
    profile = grid_profile(grey, np.ones(grey.shape, bool), (0, 0))
    for axis in (0, 1):
        strength, phase = blockiness(profile[axis])
        assert phase == 7 and strength > GRID_MIN  # the step from pixel 7 to 8 of each block
    shifted = grid_profile(grey[3:, 5:], np.ones(grey[3:, 5:].shape, bool), (0, 0))
    assert blockiness(shifted[0])[1] == 2 and blockiness(shifted[1])[1] == 4


def test_cannot_judge_says_why(astronaut, astronaut_face):
    signal = NoiseSignal()
    flat = np.full_like(astronaut, 128)
    result = signal.score_face(flat, astronaut_face)
    assert result.score is None and "too clean or flat" in result.reason

    scale = 0.15
    tiny = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    landmarks = astronaut_face.landmarks.copy()
    landmarks[:, :2] *= scale
    result = signal.score_face(tiny, replace(astronaut_face, landmarks=landmarks))
    assert result.score is None and "too small" in result.reason and f"< {MIN_FACE_PX} px" in result.reason

    x0, y0, x1, y1 = (int(v) for v in astronaut_face.box)
    crop = np.ascontiguousarray(astronaut[y0:y1, x0:x1])  # the face fills the frame: no surroundings
    landmarks = astronaut_face.landmarks.copy()
    landmarks[:, :2] -= (x0, y0)
    result = signal.score_face(crop, replace(astronaut_face, landmarks=landmarks))
    assert result.score is None and "surroundings" in result.reason


def test_is_a_frame_signal():
    assert isinstance(NoiseSignal(), FrameSignal) and NoiseSignal.info.name == "noise"
