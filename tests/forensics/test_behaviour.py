"""The behaviour signal on synthetic face tracks (the astronaut's mesh, moved) and one real clip."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from faceforge.faces.analyzer import analyze
from faceforge.faces.face import Face
from faceforge.forensics.behaviour import BehaviourSignal, find_blinks, pose_regions, rigid_points
from faceforge.forensics.signal import SignalScore, TrackSignal

FPS = 15.0


@pytest.fixture(scope="module")
def face(astronaut: np.ndarray) -> Face:
    return analyze(astronaut, masks=False)[0]


def _rotate(points: np.ndarray, centre: np.ndarray, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (points - centre) @ rot.T + centre


def synthetic_track(
    face: Face,
    *,
    seconds: float,
    blink_every: float | None = None,
    jitter: float = 0.0005,
    central_wobble_deg: float = 0.0,
    seed: int = 0,
) -> list[tuple[Face, float]]:
    """The astronaut's mesh moving smoothly (roll ±8°, drift ±15 px, zoom ±4 %), with landmark
    noise of σ = `jitter` × face width, optional blinks (0.2 s closures) and an optional
    in-plane wobble of the eyes-nose-mouth region against the rest of the head (a bad swap)."""
    rng = np.random.default_rng(seed)
    base = face.landmarks.astype(np.float64)
    width = float(np.ptp(base[:468, 0]))
    centre = base[:, :2].mean(axis=0)
    central, _ = pose_regions()
    open_eyes = face.eye_openness
    out = []
    for i in range(int(round(seconds * FPS))):
        t = i / FPS
        lm = base.copy()
        if central_wobble_deg:
            pivot = base[central, :2].mean(axis=0)
            lm[central, :2] = _rotate(lm[central, :2], pivot, central_wobble_deg * np.sin(2 * np.pi * 0.7 * t))
        xy = _rotate(lm[:, :2], centre, 8.0 * np.sin(2 * np.pi * 0.25 * t))
        xy = centre + (xy - centre) * (1.0 + 0.04 * np.sin(2 * np.pi * 0.15 * t))
        xy += 15.0 * np.array([np.sin(2 * np.pi * 0.2 * t), np.cos(2 * np.pi * 0.13 * t)])
        lm[:, :2] = xy + rng.normal(0.0, jitter * width, xy.shape)
        blinking = blink_every is not None and (t % blink_every) >= blink_every - 0.2
        eyes = (0.04, 0.05) if blinking else open_eyes
        out.append((dataclasses.replace(face, landmarks=lm.astype(np.float32), eye_openness=eyes), t))
    return out


def score_track(track: list[tuple[Face, float]]) -> SignalScore:
    acc = BehaviourSignal().start(FPS)
    image = np.zeros((8, 8, 3), np.uint8)  # the behaviour signal never looks at the pixels
    for f, t in track:
        acc.add(image, f, t)
    return acc.result()


def test_follows_the_track_signal_contract():
    assert isinstance(BehaviourSignal(), TrackSignal)
    assert BehaviourSignal.info.name == "behaviour"
    with pytest.raises(ValueError, match="fps"):
        BehaviourSignal().start(-1.0)


def test_landmark_sets_are_sensible():
    central, outer = pose_regions()
    assert len(set(central) & set(outer)) == 0 and len(central) + len(outer) == 468
    assert 1 in central and 152 in outer and 10 in outer  # nose tip inside; chin, forehead outside
    rigid = set(rigid_points().tolist())
    assert 1 in rigid and len(rigid) >= 40
    assert not rigid & {159, 145, 386, 374, 13, 14, 152}  # no eyelids, lips or chin


def test_a_face_that_never_blinks_is_suspicious_and_one_that_blinks_is_not(face):
    still = score_track(synthetic_track(face, seconds=20.0))
    blinking = score_track(synthetic_track(face, seconds=20.0, blink_every=3.0))
    assert still.details["blinks"] == 0 and still.details["blink_score"] > 0.8
    assert blinking.details["blinks"] == 6
    assert blinking.details["blink_score"] < 0.05
    assert blinking.details["blink_mean_s"] == pytest.approx(0.2, abs=0.07)
    assert still.score is not None and blinking.score is not None
    assert still.score > blinking.score + 0.25


def test_blinks_are_counted_at_the_clip_edges():
    times = np.arange(30) / 15.0
    openness = np.full(30, 0.3)
    openness[:2] = openness[14:17] = openness[-1] = 0.05
    blinks = find_blinks(openness, times, 2.0)
    assert blinks is not None and blinks.count == 3
    assert find_blinks(np.full(30, 0.05), times, 2.0) is None  # eyes never open: not judged


def test_smooth_rigid_head_motion_is_neither_jitter_nor_pose_inconsistency(face):
    result = score_track(synthetic_track(face, seconds=6.0))
    assert result.details["jitter"] < 0.0015
    assert result.details["jitter_score"] < 0.05
    assert result.details["pose_inconsistency_deg"] < 1.0
    assert result.score is not None and result.score < 0.1
    assert "blink_score" not in result.details  # 6 s is too short to expect a blink


def test_added_landmark_jitter_is_measured(face):
    calm = score_track(synthetic_track(face, seconds=6.0))
    shaky = score_track(synthetic_track(face, seconds=6.0, jitter=0.006))
    # The second-difference estimator recovers the noise σ (as a fraction of the face width).
    assert shaky.details["jitter"] == pytest.approx(0.006, rel=0.3)
    assert shaky.details["jitter_score"] > 0.3
    assert shaky.details["jitter_to_motion"] > 2 * calm.details["jitter_to_motion"]
    assert shaky.score is not None and calm.score is not None and shaky.score > calm.score + 0.15


def test_central_face_turning_against_the_head_is_caught(face):
    consistent = score_track(synthetic_track(face, seconds=6.0))
    swapped = score_track(synthetic_track(face, seconds=6.0, central_wobble_deg=6.0))
    assert swapped.details["pose_inconsistency_deg"] > 3.0
    assert swapped.details["pose_score"] > 0.5
    assert consistent.details["pose_score"] < 0.05


def test_short_track_is_not_judged(face):
    result = score_track(synthetic_track(face, seconds=1.5))
    assert result.score is None
    assert result.reason == "needs at least 2 s of video with the face visible (got 1.5 s)"
    assert BehaviourSignal().start(FPS).result().score is None


def test_real_talking_clip_behaves_naturally(shared_data):
    from faceforge.faces.tracker import FaceTracker, TrackerOptions
    from faceforge.media.video import probe_video, read_video

    path = shared_data / "talking/voxceleb/LIA/data/vox/driving2.mp4"
    step = max(1, round(probe_video(path).fps / 15))
    tracker = FaceTracker(TrackerOptions(smoothing=0))  # unsmoothed: jitter must be visible
    acc = BehaviourSignal().start(15.0)
    for frame in read_video(path):
        if frame.index % step == 0 and (faces := tracker.update(frame.image, frame.time)):
            acc.add(frame.image, faces[0], frame.time)
    tracker.close()
    result = acc.result()
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert result.details["seconds"] > 8.0
    assert result.details["blinks"] >= 1  # this speaker blinks several times
    assert 0.0005 < result.details["jitter"] < 0.006
    assert result.details["pose_inconsistency_deg"] < 2.0


@pytest.mark.parametrize(
    ("blinks", "words"), [(0.0, "0 blinks in 12 s"), (1.0, "1 blink in 12 s"), (3.0, "3 blinks in 12 s")]
)
def test_the_finding_counts_blinks_in_plain_english(blinks, words):
    from faceforge.forensics.behaviour import _finding

    details = {"blinks": blinks, "seconds": 12.0, "pose_inconsistency_deg": 0.5}
    assert words in _finding({"pose": 0.1}, details)
