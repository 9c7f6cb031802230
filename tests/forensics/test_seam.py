"""The seam signal: a living picture against the same with a face blended in along a seam that is
redone in every frame, short and repeated tracks, the calibration, the timeline, and real clips."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.faces.masks import face_mask
from faceforge.forensics.seam import Calibration, SeamSignal, load_calibration, measure_pair
from faceforge.forensics.signal import LocalTrackAccumulator, TrackSignal
from tests.forensics.test_temporal import FPS, moving_photo


def swapped(image, face, frames: int, *, seed: int = 1):
    """A living picture (fresh camera noise in every frame) whose face is replaced by the same photo
    moved along without noise (rendered from a still), darker and recoloured, blended in along a
    feathered seam 5 % inside the face oval; the mask and the colour match are redone per frame (the
    seam moves by a pixel or two, the gain changes a little), as a face swap does."""
    rng = np.random.default_rng(seed)
    living = moving_photo(image, face, frames, noise=3.0)
    rendered = moving_photo(image, face, frames, noise=0.0)
    for (frame, moved, t), (source, _, _) in zip(living, rendered):
        lm = moved.landmarks[:, :2]
        mask = face_mask(lm + rng.uniform(-1.5, 1.5, size=2), frame.shape[:2], feather=0.02)
        erode = max(3, int(0.05 * float(np.ptp(lm[:, 0]))))
        mask = cv2.erode(mask.astype(np.float32) / 255.0, np.ones((erode, erode), np.uint8))[..., None]
        recoloured = np.clip(source * (np.array([0.85, 0.8, 0.78]) * rng.uniform(0.97, 1.03)), 0, 255)
        yield (mask * recoloured + (1 - mask) * frame).astype(np.uint8), moved, t


def run(frames):
    acc = SeamSignal().start(FPS)
    for image, face, t in frames:
        acc.add(image, face, t)
    return acc, acc.result()


def test_is_a_track_signal_that_judges_moments():
    assert isinstance(SeamSignal(), TrackSignal)
    assert SeamSignal.info.name == "seam"
    assert isinstance(SeamSignal().start(FPS), LocalTrackAccumulator)
    with pytest.raises(ValueError, match="fps"):
        SeamSignal().start(0)


def test_a_seam_redone_every_frame_scores_higher_than_the_living_picture(astronaut, astronaut_face):
    _, living = run(moving_photo(astronaut, astronaut_face, 24, noise=3.0))
    _, swap = run(swapped(astronaut, astronaut_face, 24))
    assert living.score is not None and swap.score is not None
    assert swap.details["ratio"] > 1.3 * living.details["ratio"]
    assert swap.score > living.score + 0.2
    assert "rim" in swap.reason and swap.details["pairs"] >= 20
    assert ("seam of a face" in swap.reason) == (swap.score >= 0.5) and "seam of a face" not in living.reason


def test_pair_measure_is_none_for_repeated_or_tiny_faces(astronaut, astronaut_face):
    lm = astronaut_face.landmarks
    assert measure_pair(astronaut, astronaut, lm) is None  # the same frame twice
    small = cv2.resize(astronaut, None, fx=0.1, fy=0.1, interpolation=cv2.INTER_AREA)
    assert measure_pair(small, small[:, ::-1].copy(), lm * 0.1) is None  # face ~12 px wide


def test_short_and_repeated_tracks_say_why(astronaut, astronaut_face):
    _, short = run(moving_photo(astronaut, astronaut_face, 3, noise=3.0))
    assert short.score is None and "at least" in short.reason
    still = ((astronaut, astronaut_face, i / FPS) for i in range(12))
    _, frozen = run(still)
    assert frozen.score is None and "repeat" in frozen.reason


def test_local_scores_follow_the_swapped_stretch(astronaut, astronaut_face):
    living = list(moving_photo(astronaut, astronaut_face, 48, noise=3.0))
    mixed = living[:24] + list(swapped(astronaut, astronaut_face, 48))[24:]
    acc, _ = run(mixed)
    early, late = acc.local_scores([0.8, 4.8])
    assert early is not None and late is not None and late > early + 0.2
    assert acc.local_scores([100.0]) == [None]


def test_calibration_is_shipped_and_monotone():
    cal = load_calibration()
    assert cal.mid > 0.5 and cal.slope > 0 and cal.meta["clips"] >= 5
    assert cal.score(cal.mid) == pytest.approx(0.5)
    assert cal.score(0.8 * cal.mid) < 0.5 < cal.score(1.25 * cal.mid)
    assert Calibration(1.0, 0.2).score(1.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "clip",
    [
        "talking/mead/dreamtalk/data/style_clip/video/M030_front_neutral_level1_001.mp4",
        "talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    ],
)
def test_real_clips_do_not_reach_the_midpoint(shared_data, clip):
    """Camera footage (evaluation split: never used to calibrate) stays under score 0.5."""
    from faceforge.faces.tracker import FaceTracker
    from faceforge.forensics.pipeline import tracker_options
    from faceforge.media.video import read_video

    path = shared_data / clip
    if not path.exists():
        pytest.skip(f"{clip} is not in ../shared/data")
    acc = SeamSignal().start(6.0)
    tracker = FaceTracker(tracker_options())
    try:
        for frame in read_video(path, interval=1 / 6, max_short_side=480, max_frames=240):
            for face in tracker.update(frame.image, frame.time)[:1]:
                acc.add(frame.image, face, frame.time)
    finally:
        tracker.close()
    result = acc.result()
    assert result.score is not None and result.score < 0.5, result.reason


def test_the_temporal_and_seam_signals_share_one_flow_per_pair(astronaut, astronaut_face, monkeypatch):
    from faceforge.forensics import temporal

    calls = []
    make = temporal._flow

    def counting():  # noqa: ANN202
        flow = make()
        calls.append(1)
        return flow

    monkeypatch.setattr(temporal, "_flow", counting)
    frames = list(moving_photo(astronaut, astronaut_face, 10, noise=3.0))
    both = [temporal.TemporalSignal().start(FPS), SeamSignal().start(FPS)]
    for image, face, t in frames:
        for acc in both:
            acc.add(image, face, t)
    assert len(both[0].pairs) == len(both[1].pairs) == 9
    assert len(calls) == 9  # one optical flow per frame pair, not one per signal
