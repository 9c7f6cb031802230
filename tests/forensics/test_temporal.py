"""The temporal signal: a photo moved about (frozen detail) against the same with a living camera's
fresh noise, repeated frames, short and tiny tracks, the calibration, and one real clip."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from faceforge.faces.face import Face
from faceforge.forensics.signal import TrackSignal
from faceforge.forensics.temporal import (
    Calibration,
    PairMeasure,
    TemporalSignal,
    fit_calibration,
    fit_grain,
    load_calibration,
    ratio_score,
)
from tests.forensics.conftest import assert_maps_change_no_number

FPS = 8.0


def moving_photo(image: np.ndarray, face: Face, frames: int, *, noise: float = 0.0, seed: int = 0):
    """The photo drifting and turning slightly (sub-pixel steps), with optional fresh Gaussian
    noise of σ `noise` grey levels in every frame (a camera), and the face moved along."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    for i in range(frames):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 1.5 * np.sin(i / 5), 1.0 + 0.01 * np.sin(i / 7))
        m[:, 2] += (4 * np.sin(i / 6), 3 * np.cos(i / 9))
        frame = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if noise:
            frame = np.clip(frame + rng.normal(0.0, noise, frame.shape), 0, 255).astype(np.uint8)
        lm = face.landmarks.copy()
        lm[:, :2] = face.landmarks[:, :2] @ m[:, :2].T + m[:, 2]
        yield frame, dataclasses.replace(face, landmarks=lm), i / FPS


def run(frames) -> object:
    acc = TemporalSignal().start(FPS)
    for image, face, t in frames:
        acc.add(image, face, t)
    return acc.result()


def test_is_a_track_signal():
    assert isinstance(TemporalSignal(), TrackSignal)
    assert TemporalSignal.info.name == "temporal"
    with pytest.raises(ValueError, match="fps"):
        TemporalSignal().start(0)


def test_frozen_photo_scores_higher_than_a_living_picture(astronaut, astronaut_face):
    # Each frozen frame is a fresh bilinear resampling of the (grainy) photo, which alone leaves
    # some residual; camera noise of σ 3 grey levels leaves much more — about what real footage
    # of that grain renews (the noise also raises the grain the residual is compared with).
    frozen = run(moving_photo(astronaut, astronaut_face, 24))
    living = run(moving_photo(astronaut, astronaut_face, 24, noise=3.0))
    assert frozen.score is not None and living.score is not None
    assert frozen.details["ratio"] < 0.6 and living.details["ratio"] > 0.85
    assert living.details["median_grain"] > 1.5 * frozen.details["median_grain"]
    assert frozen.score > living.score + 0.5 and living.score < 0.25
    assert "less between frames than real camera footage" in frozen.reason and frozen.details["pairs"] == 23
    # The report's picture: an aligned crop, and a map that lights up the frozen skin only.
    assert frozen.crop.shape == (112, 112, 3) and frozen.heatmap.shape == (112, 112)
    assert frozen.heatmap.max() <= 1.0 and living.heatmap.min() >= 0.0
    assert frozen.heatmap.max() > 0.3 and frozen.heatmap.sum() > 3 * living.heatmap.sum()


def test_track_keeps_numbers_not_maps(astronaut, astronaut_face):
    """Each pair's residual map goes into the running picture and is dropped: a long video must
    not hold a map per frame pair."""
    acc = TemporalSignal().start(FPS)
    for image, face, t in moving_photo(astronaut, astronaut_face, 10, noise=3.0):
        acc.add(image, face, t)
    assert len(acc.pairs) == 9 and all(p.residual_map is None and p.skin is None for p in acc.pairs)


def test_without_maps_the_score_is_the_same_and_no_picture_is_drawn(astronaut, astronaut_face):
    """maps=False (no report asked for) skips the picture's work and changes no number."""
    frames = list(moving_photo(astronaut, astronaut_face, 12))
    plain = assert_maps_change_no_number(TemporalSignal(), frames, FPS)
    assert not plain._map_weight.any()


def test_repeated_frames_are_not_judged(astronaut, astronaut_face):
    result = run((astronaut, astronaut_face, i / FPS) for i in range(20))
    assert result.score is None and "does not change" in result.reason


def test_short_and_gappy_tracks_are_not_judged(astronaut, astronaut_face):
    short = run(moving_photo(astronaut, astronaut_face, 5, noise=4.0))
    assert short.score is None and "about 1 s" in short.reason
    # Frames 1 s apart are never compared.
    spaced = [(im, f, float(i)) for i, (im, f, _) in enumerate(moving_photo(astronaut, astronaut_face, 12, noise=4.0))]
    result = run(spaced)
    assert result.score is None and "too far to compare" in result.reason


def test_tiny_face_is_not_judged(astronaut, astronaut_face):
    small = cv2.resize(astronaut, None, fx=0.15, fy=0.15, interpolation=cv2.INTER_AREA)
    face = dataclasses.replace(astronaut_face, landmarks=astronaut_face.landmarks * np.float32([0.15, 0.15, 0.15]))
    result = run(moving_photo(small, face, 16, noise=4.0))
    assert result.score is None and "narrower than" in result.reason


def test_calibration_fit_and_shipped_file():
    rng = np.random.default_rng(0)
    flow = rng.uniform(0.2, 6.0, 400)
    pairs = [PairMeasure(1.2 + 0.3 * f + rng.normal(0, 0.05), f, 2.0) for f in flow]
    intercept, slope = fit_calibration(pairs)
    assert intercept == pytest.approx(1.2, abs=0.1) and slope == pytest.approx(0.3, abs=0.05)
    with pytest.raises(ValueError, match="at least"):
        fit_calibration(pairs[:5])
    shipped = load_calibration()
    assert shipped.intercept > 0 and shipped.slope > 0 and shipped.meta["pairs"] > 100
    assert 0.0 < shipped.grain_exponent < 1.5 and shipped.grain_reference > 0
    assert ratio_score(0.4) > 0.5 > ratio_score(1.0)


def test_grain_fit_and_expected_residual():
    """Real footage renews more where it is grainier: the residual over the flow line grows as
    grain^k; the fit recovers k, and a frame twice as grainy expects 2^k times the residual."""
    rng = np.random.default_rng(1)
    flow = rng.uniform(0.2, 6.0, 400)
    grain = np.exp(rng.uniform(np.log(0.8), np.log(4.0), 400))
    line = 1.0 + 0.3 * flow
    residual = line * (grain / 2.0) ** 0.5 * np.exp(rng.normal(0, 0.05, 400))
    pairs = [PairMeasure(float(r), float(f), 2.0, float(g)) for r, f, g in zip(residual, flow, grain)]
    k, reference = fit_grain(pairs, 1.0, 0.3)
    assert k == pytest.approx(0.5, abs=0.05) and reference == pytest.approx(2.0, rel=0.1)
    calibration = Calibration(1.0, 0.3, k, reference)
    assert calibration.expected(1.0, 4.0) / calibration.expected(1.0, 2.0) == pytest.approx(2**k)
    # Pairs measured without their grain (older callers) fall back to the flow line alone.
    assert calibration.pair_expected([PairMeasure(1.0, 1.0, 2.0)])[0] == pytest.approx(1.3)
    with pytest.raises(ValueError, match="at least 20"):
        fit_grain(pairs[:5], 1.0, 0.3)


def test_real_training_clip_reads_like_camera_footage(shared_data):
    """A real VoxCeleb2 clip (TRAIN split: one of the calibration clips) stays below 0.5."""
    from faceforge.faces.tracker import FaceTracker, TrackerOptions
    from faceforge.media.video import read_video

    path = shared_data / "talking/voxceleb2/Talking-Face_PC-AVS/misc/Input/00098.mp4"
    if not path.exists():
        pytest.skip(f"{path} is not in ../shared/data")
    acc = TemporalSignal().start(8)
    tracker = FaceTracker(TrackerOptions(smoothing=0.0))
    try:
        for frame in read_video(path, interval=1 / 8):
            faces = tracker.update(frame.image, frame.time)
            if faces:
                acc.add(frame.image, faces[0], frame.time)
    finally:
        tracker.close()
    result = acc.result()
    assert result.score is not None and result.score < 0.5, result.reason


def test_animated_photo_scores_higher_than_its_real_clip(shared_data, tmp_path):
    """End to end on real media: a MEAD clip (EVAL split) against faceforge animate's
    self-reenactment of its first frame, both through `detect`: the animation's skin detail is
    frozen, the camera's is not (and the shading signal sees the photo's shading stay put)."""
    from faceforge.effects.animate import AnimateOptions, animate
    from faceforge.forensics.pipeline import DetectOptions, detect
    from faceforge.media.video import read_video

    clip = shared_data / "talking/mead/dreamtalk/data/style_clip/video/W011_front_sad_level3_001.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} is not in ../shared/data")
    first = next(iter(read_video(clip))).image
    fake = tmp_path / "animated.mp4"
    animate(first, fake, driving=clip, options=AnimateOptions(max_frames=75))  # 3 s
    options = DetectOptions(max_duration=3.0, heatmaps=False, suspicious_frames=0)
    real, fake = detect(clip, options).signals, detect(fake, options).signals
    real_t, fake_t = real["temporal"], fake["temporal"]
    assert real_t.score is not None and fake_t.score is not None
    assert fake_t.details["ratio"] < 0.8 < 1.0 < real_t.details["ratio"], (fake_t.reason, real_t.reason)
    assert fake_t.score > real_t.score + 0.3 and real_t.score < 0.1
    # The shading signal, on the same two clips: the photo's light and shadow stay on the skin.
    real_s, fake_s = real["shading"], fake["shading"]
    assert real_s.score is not None and fake_s.score is not None
    assert fake_s.details["log_ratio"] < real_s.details["log_ratio"] - 0.5, (fake_s.reason, real_s.reason)


def test_local_scores_show_which_part_of_a_track_is_frozen(astronaut, astronaut_face):
    """A camera-like first half (fresh noise in every frame), a frozen second half: the score near
    each moment tells them apart, where the whole track's score cannot."""
    living = list(moving_photo(astronaut, astronaut_face, 24, noise=3.0))
    frozen = list(moving_photo(astronaut, astronaut_face, 48))[24:]
    acc = TemporalSignal().start(FPS)
    for image, face, t in living + frozen:
        acc.add(image, face, t)
    times = [0.5, 1.0, 2.0, 4.0, 4.5, 5.5, 30.0]
    local = acc.local_scores(times)
    assert local[-1] is None  # no pair within a second of 30 s
    assert max(local[:2]) < 0.3 and min(local[4:6]) > 0.7
    assert local[2] is not None  # next to the change: both kinds of pair count
    assert TemporalSignal().start(FPS).local_scores([1.0]) == [None]
