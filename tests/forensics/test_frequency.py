"""The frequency signal: the spectrum features behave as physics says, and the shipped model separates
an up-sampled face from the original (the public-domain astronaut)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from faceforge.forensics.frequency import (
    MIN_FACE_PX,
    N_BINS,
    FrequencyModel,
    FrequencySignal,
    face_window,
    feature_count,
    radial_spectrum,
    resampling_periodicity,
)
from faceforge.forensics.signal import FrameSignal


@pytest.fixture(scope="module")
def signal() -> FrequencySignal:
    return FrequencySignal()


def test_white_noise_spectrum_is_flat_and_blur_makes_it_fall():
    noise = np.random.default_rng(0).normal(128.0, 20.0, (128, 128)).astype(np.float32)
    flat = radial_spectrum(noise)
    assert flat.shape == (N_BINS,)
    assert np.ptp(flat[2:]) < 0.6  # within a factor of 4 everywhere
    assert abs(flat[-8:].mean() - flat[2:10].mean()) < 0.2
    falling = radial_spectrum(cv2.GaussianBlur(noise, (0, 0), 2.0))
    assert falling[-8:].mean() < falling[2:10].mean() - 3.0  # 1000× less power at high frequencies
    assert np.all(np.diff(falling[4:-6]) < 0.05)  # and it falls steadily


def test_spectrum_shape_does_not_depend_on_window_size():
    rng = np.random.default_rng(1)
    blur = 1.5
    small = radial_spectrum(cv2.GaussianBlur(rng.normal(0, 1, (64, 64)), (0, 0), blur))
    large = radial_spectrum(cv2.GaussianBlur(rng.normal(0, 1, (200, 200)), (0, 0), blur))
    # Bins are fractions of Nyquist: the same blur gives the same fall-off (the level differs).
    fall_small, fall_large = small[2:] - small[2], large[2:] - large[2]
    assert np.abs(fall_small - fall_large)[:16].max() < 0.5


def test_resampling_periodicity_finds_whole_factor_upsampling():
    noise = np.random.default_rng(2).normal(128.0, 20.0, (64, 64)).astype(np.float32)
    plain = resampling_periodicity(cv2.resize(noise, (128, 128), interpolation=cv2.INTER_AREA))
    upsampled = resampling_periodicity(cv2.resize(noise, (128, 128), interpolation=cv2.INTER_LINEAR))
    assert upsampled[2] > plain[2] + 1.0  # a clear peak at period 2


def test_shipped_model_loads_and_was_validated():
    model = FrequencyModel.load()
    assert model.mean.shape == (feature_count(model.n_bins),)
    assert model.weights.shape == (2 * feature_count(model.n_bins),)
    report = model.meta
    assert report["seed"] == 0 and report["counts"]["real"] == report["counts"]["fake"] > 1000
    assert report["validation"]["auc"] > 0.7


def test_model_round_trip_without_pickle(tmp_path):
    model = FrequencyModel.load()
    path = tmp_path / "m.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    again = FrequencyModel.load(path)
    x = np.random.default_rng(3).normal(size=(5, feature_count()))
    np.testing.assert_allclose(again.probability(x), model.probability(x))


def _upsampled(image: np.ndarray, how: str) -> np.ndarray:
    h, w = image.shape[:2]
    small = cv2.resize(image, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    if how == "nearest":
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    # Zero insertion + a [1 3 3 1] kernel: a stride-2 transposed convolution.
    z = np.zeros((h, w, 3), np.float32)
    z[::2, ::2] = small
    k = np.array([1, 3, 3, 1], np.float32) / 2.0
    return np.clip(np.rint(cv2.sepFilter2D(z, -1, k, k)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("how", ["nearest", "zero-insertion"])
def test_upsampled_face_scores_higher_than_the_original(astronaut, astronaut_face, signal, how):
    original = signal.score_face(astronaut, astronaut_face)
    fake = signal.score_face(_upsampled(astronaut, how), astronaut_face)
    assert original.score is not None and fake.score is not None
    assert fake.score > original.score + 0.1
    assert original.score < 0.5
    assert original.details["face_scale"] == 1.0 and original.details["face_px"] > 100


def test_small_face_is_not_applicable(astronaut, astronaut_face, signal):
    scale = 0.25
    tiny = cv2.resize(astronaut, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    landmarks = astronaut_face.landmarks.copy()
    landmarks[:, :2] = (landmarks[:, :2] + 0.5) * scale - 0.5
    face = replace(astronaut_face, landmarks=landmarks)
    assert face_window(tiny, face).face_px < MIN_FACE_PX
    result = signal.score_face(tiny, face)
    assert result.score is None and "too small" in result.reason
    assert result.details["face_px"] < MIN_FACE_PX


def test_large_face_is_downscaled_and_says_so(astronaut, astronaut_face, signal):
    big = cv2.resize(astronaut, None, fx=2.5, fy=2.5, interpolation=cv2.INTER_CUBIC)
    landmarks = astronaut_face.landmarks.copy()
    landmarks[:, :2] = (landmarks[:, :2] + 0.5) * 2.5 - 0.5
    result = signal.score_face(big, replace(astronaut_face, landmarks=landmarks))
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert result.details["face_scale"] < 1.0 and result.details["face_px"] > 256


def test_flat_frame_is_not_applicable(astronaut_face, signal):
    grey = np.full((512, 512, 3), 128, np.uint8)
    result = signal.score_face(grey, astronaut_face)
    assert result.score is None and "flat" in result.reason


def test_is_a_frame_signal(signal):
    assert isinstance(signal, FrameSignal) and signal.info.name == "frequency"
