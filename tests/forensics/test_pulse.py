"""The pulse signal on synthetic pulsing faces (the astronaut photo) and on one real talking clip."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from faceforge.faces.analyzer import analyze
from faceforge.faces.face import Face
from faceforge.forensics.pulse import ROI_NAMES, PulseSignal, _combine_patches, pos_pulse, roi_means, roi_polygons
from faceforge.forensics.signal import TrackSignal

# Blood-volume-pulse colour signature of skin (relative R, G, B change; Wang et al. 2017).
PBV = np.array([0.33, 0.77, 0.53])


@pytest.fixture(scope="module")
def astro(astronaut: np.ndarray) -> tuple[np.ndarray, Face]:
    """The astronaut's face cut out with a margin (small frames keep the synthetic clips fast),
    and its Face record moved into the cut-out's coordinates."""
    face = analyze(astronaut)[0]
    assert face.masks is not None
    x0, y0, x1, y1 = (int(v) for v in face.box)
    x0, y0, x1, y1 = max(x0 - 25, 0), max(y0 - 25, 0), x1 + 25, y1 + 25
    shift = np.array([x0, y0, 0], dtype=np.float32)
    masks = dataclasses.replace(
        face.masks,
        face=face.masks.face[y0:y1, x0:x1],
        eyes=face.masks.eyes[y0:y1, x0:x1],
        mouth=face.masks.mouth[y0:y1, x0:x1],
    )
    box = (face.box[0] - x0, face.box[1] - y0, face.box[2] - x0, face.box[3] - y0)
    moved = dataclasses.replace(face, landmarks=face.landmarks - shift, box=box, masks=masks)
    return np.ascontiguousarray(astronaut[y0:y1, x0:x1]), moved


def pulsing_clip(
    astro: tuple[np.ndarray, Face],
    *,
    seconds: float,
    fps: float = 15.0,
    hz: float = 1.2,
    amplitude: float = 0.01,
    signature: np.ndarray = PBV,
    noise: float = 2.0,
    grey: bool = False,
    seed: int = 0,
) -> list[tuple[np.ndarray, Face, float]]:
    """The still face with its skin colour modulated at `hz` inside the face mask, sensor noise
    (σ in levels) on every frame, and sub-pixel landmark wobble as a tracker would give."""
    image, face = astro
    rng = np.random.default_rng(seed)
    assert face.masks is not None
    mask = face.masks.face.astype(np.float32)[..., None] / 255.0
    base = image.astype(np.float32)
    frames = []
    for i in range(int(round(seconds * fps))):
        t = i / fps
        gain = 1.0 + amplitude * signature * np.sin(2 * np.pi * hz * t)
        frame = base * (1 - mask) + base * gain * mask + rng.normal(0.0, noise, base.shape)
        out = np.clip(np.round(frame), 0, 255).astype(np.uint8)
        if grey:
            out = np.repeat(out.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
        lm = face.landmarks + rng.normal(0.0, 0.2, face.landmarks.shape).astype(np.float32)
        frames.append((out, dataclasses.replace(face, landmarks=lm), t))
    return frames


def score_clip(frames: list[tuple[np.ndarray, Face, float]], fps: float = 15.0):
    acc = PulseSignal().start(fps)
    for image, f, t in frames:
        acc.add(image, f, t)
    return acc.result()


def test_follows_the_track_signal_contract():
    assert isinstance(PulseSignal(), TrackSignal)
    assert PulseSignal.info.name == "pulse"
    with pytest.raises(ValueError, match="fps"):
        PulseSignal().start(0.0)


def test_skin_patches_avoid_eyes_and_mouth_and_stay_on_the_face(astro):
    image, face = astro
    assert face.masks is not None
    face_mask, eyes, mouth = face.masks.face > 127, face.masks.eyes > 0, face.masks.mouth > 0
    for name, poly in roi_polygons(face.landmarks).items():
        region = np.zeros(image.shape[:2], np.uint8)
        cv2.fillConvexPoly(region, np.round(poly).astype(np.int32), 1)
        inside = region > 0
        assert inside.sum() > 40, name
        assert face_mask[inside].mean() > 0.99, name
        assert not (eyes & inside).any() and not (mouth & inside).any(), name
    rgb, counts = roi_means(image, face.landmarks)
    assert np.isfinite(rgb).all() and (counts > 40).all()
    assert (rgb[:, 0] > rgb[:, 2]).all()  # skin: more red than blue


def test_pos_rejects_brightness_changes_and_keeps_the_pulse():
    fs, t = 15.0, np.arange(90) / 15.0
    skin = np.array([170.0, 120.0, 100.0])
    wave = np.sin(2 * np.pi * 1.2 * t)[:, None]
    flicker = pos_pulse(skin * (1 + 0.05 * wave), fs)  # brightness only: same change in every channel
    pulse = pos_pulse(skin * (1 + 0.003 * PBV * wave), fs)
    assert np.abs(flicker).max() < 1e-9
    assert abs(np.corrcoef(pulse, wave[:, 0])[0, 1]) > 0.95


def test_a_patch_dropping_out_leaves_no_step_in_the_combined_colour():
    skin = np.array([[180.0, 120.0, 100.0], [205.0, 110.0, 90.0], [160.0, 125.0, 110.0]])
    colours = np.repeat(skin[None], 60, axis=0)
    colours[20:40, 1] = np.nan  # the right cheek turns away for 20 frames
    combined, mean_skin = _combine_patches(colours, np.full((60, 3), 200))
    assert np.allclose(combined, 1.0)
    assert np.all((mean_skin > skin.min(axis=0)) & (mean_skin < skin.max(axis=0)))


def test_finds_a_72_bpm_pulse_and_calls_it_real(astro):
    result = score_clip(pulsing_clip(astro, seconds=6.0))
    assert result.score is not None and result.score < 0.3
    assert abs(result.details["bpm"] - 72.0) < 5.0
    assert result.details["coherence"] > 0.5
    assert result.details["seconds"] == pytest.approx(6.0, abs=0.1)
    assert all(abs(result.details[f"bpm_{n}"] - 72.0) < 8.0 for n in ROI_NAMES)


def test_no_pulse_scores_much_higher(astro):
    pulsing = score_clip(pulsing_clip(astro, seconds=6.0))
    flat = score_clip(pulsing_clip(astro, seconds=6.0, amplitude=0.0, seed=1))
    assert flat.score is not None and pulsing.score is not None
    assert flat.score > 0.7
    assert flat.score > pulsing.score + 0.4


def test_brightness_flicker_is_not_a_pulse(astro):
    grey_signature = np.ones(3)  # the whole face brightens and darkens at 72 bpm (a lamp, not blood)
    result = score_clip(pulsing_clip(astro, seconds=6.0, amplitude=0.03, signature=grey_signature))
    assert result.score is not None and result.score > 0.6


def test_uneven_frame_times_and_gaps_still_find_the_pulse(astro):
    frames = pulsing_clip(astro, seconds=8.0, fps=30.0, hz=1.5)
    rng = np.random.default_rng(3)
    kept = [f for i, f in enumerate(frames) if rng.random() < 0.45 and not 60 <= i < 66]  # ~13 fps, a 0.2 s hole
    result = score_clip(kept, fps=13.0)
    assert result.score is not None and result.score < 0.4
    assert abs(result.details["bpm"] - 90.0) < 6.0


def test_short_track_is_not_judged(astro):
    result = score_clip(pulsing_clip(astro, seconds=1.2))
    assert result.score is None
    assert result.reason == "needs at least 3 s of video with the face visible (got 1.2 s)"
    assert PulseSignal().start(15.0).result().score is None


def test_greyscale_video_is_not_judged(astro):
    result = score_clip(pulsing_clip(astro, seconds=6.0, grey=True))
    assert result.score is None
    assert "colour" in result.reason


def test_real_talking_clip_gives_a_plausible_heart_rate(shared_data):
    from faceforge.faces.tracker import FaceTracker, TrackerOptions
    from faceforge.media.video import probe_video, read_video

    path = shared_data / "talking/voxceleb/LIA/data/vox/driving2.mp4"
    step = max(1, round(probe_video(path).fps / 15))
    tracker = FaceTracker(TrackerOptions(smoothing=0))
    acc = PulseSignal().start(15.0)
    for frame in read_video(path):
        if frame.index % step == 0 and (faces := tracker.update(frame.image, frame.time)):
            acc.add(frame.image, faces[0], frame.time)
    tracker.close()
    result = acc.result()
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert 40.0 <= result.details["bpm"] <= 180.0
    assert result.details["seconds"] > 8.0
