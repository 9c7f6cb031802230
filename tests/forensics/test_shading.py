"""The shading signal: a photo moved about (its shading glued to the skin) against the same photo
under light that moves across the face, unwrapping, short and tiny tracks, the calibration."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from faceforge.faces.face import Face
from faceforge.forensics.shading import (
    CANON_SIZE,
    Calibration,
    PairMeasure,
    ShadingSignal,
    fit_calibration,
    landmark_motion,
    load_calibration,
    ratio_score,
    shading_band,
    unwrap_face,
)
from faceforge.forensics.signal import TrackSignal
from tests.forensics.conftest import assert_maps_change_no_number

FPS = 8.0


def moving_photo(image: np.ndarray, face: Face, frames: int, *, light: float = 0.0):
    """The photo turning and drifting (the face moved along); with `light`, a pattern of light and
    shadow of that contrast drifting across the picture, as a moving head under a lamp shows."""
    h, w = image.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for i in range(frames):
        t = i / FPS
        m = cv2.getRotationMatrix2D((w / 2, h / 2), 4.0 * np.sin(t), 1.0 + 0.03 * np.sin(t / 2))
        m[:, 2] += (6 * np.sin(t / 1.3), 4 * np.cos(t / 1.7))
        frame = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if light:
            shade = 1.0 + light * np.sin((xx * 0.8 + yy * 0.6) / 9.0 + 2.5 * t) * np.cos(yy / 13.0 - 1.5 * t)
            frame = np.clip(frame * shade[..., None], 0, 255).astype(np.uint8)
        lm = face.landmarks.copy()
        lm[:, :2] = face.landmarks[:, :2] @ m[:, :2].T + m[:, 2]
        yield frame, dataclasses.replace(face, landmarks=lm), t


def run(frames) -> object:
    acc = ShadingSignal().start(FPS)
    for image, face, t in frames:
        acc.add(image, face, t)
    return acc.result()


def test_is_a_track_signal():
    assert isinstance(ShadingSignal(), TrackSignal)
    assert ShadingSignal.info.name == "shading"
    with pytest.raises(ValueError, match="fps"):
        ShadingSignal().start(0)


def test_unwrapping_follows_the_face(astronaut, astronaut_face):
    """The same face turned, moved and scaled unwraps to the same picture; another part of the
    photo does not."""
    frames = list(moving_photo(astronaut, astronaut_face, 12))
    a = shading_band(unwrap_face(frames[0][0], frames[0][1].landmarks_2d)[0])
    b = shading_band(unwrap_face(frames[9][0], frames[9][1].landmarks_2d)[0])
    shifted = frames[9][1].landmarks_2d + [60.0, 0.0]
    c = shading_band(unwrap_face(frames[9][0], shifted)[0])
    assert a.shape == (CANON_SIZE, CANON_SIZE)

    def ncc(x, y):
        x, y = x - x.mean(), y - y.mean()
        return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))

    assert ncc(a, b) > 0.9 > 0.5 > ncc(a, c)
    assert landmark_motion(frames[0][1].landmarks_2d, frames[9][1].landmarks_2d) > 0.01
    assert landmark_motion(frames[0][1].landmarks_2d, frames[0][1].landmarks_2d * 2.0 + 5.0) < 1e-6


def test_glued_shading_scores_higher_than_moving_light(astronaut, astronaut_face):
    glued = run(moving_photo(astronaut, astronaut_face, 24))
    lit = run(moving_photo(astronaut, astronaut_face, 24, light=0.25))
    assert glued.score is not None and lit.score is not None
    assert glued.details["log_ratio"] < lit.details["log_ratio"] - 1.0
    assert glued.score > lit.score + 0.3
    # Frames 7..23 each find a partner (0.875 s is close enough to 1 s).
    assert "less over a second than" in glued.reason and glued.details["pairs"] == 17
    # The report's picture: the unwrapped face and a map that lights up where the shading stayed.
    assert glued.crop.shape == (CANON_SIZE, CANON_SIZE, 3) and glued.heatmap.shape == (CANON_SIZE, CANON_SIZE)
    assert 0.0 <= lit.heatmap.min() and glued.heatmap.max() <= 1.0
    assert glued.heatmap.sum() > 2 * lit.heatmap.sum()


def test_without_maps_the_score_is_the_same_and_no_picture_is_drawn(astronaut, astronaut_face):
    """maps=False (no report asked for) skips the local maps and changes no number."""
    plain = assert_maps_change_no_number(ShadingSignal(), list(moving_photo(astronaut, astronaut_face, 24)), FPS)
    assert not plain._map_weight.any()


def test_a_still_picture_shown_as_video_is_not_judged(astronaut, astronaut_face):
    """Identical frames: the shading cannot move, but that is not a face carried from a photo."""
    result = run((astronaut, astronaut_face, i / FPS) for i in range(24))
    assert result.score is None and "does not change" in result.reason


def test_a_face_cut_by_the_frame_edge_is_compared_on_its_visible_part(astronaut, astronaut_face):
    """Beyond the frame edge the unwrapped face is the edge pixels smeared out, not the face's
    shading: the visible part alone is compared, and reads like the whole face."""
    x_cut = int(astronaut_face.landmarks[:, 0].min() + 0.3 * np.ptp(astronaut_face.landmarks[:, 0]))
    cut = np.ascontiguousarray(astronaut[:, x_cut:])
    face = dataclasses.replace(astronaut_face, landmarks=astronaut_face.landmarks - np.float32([x_cut, 0, 0]))
    grey, in_frame = unwrap_face(cut, face.landmarks_2d)
    assert 0.3 < in_frame.mean() < 0.8 and not in_frame[:, :10].any()  # the left of the face is gone
    whole = run(moving_photo(astronaut, astronaut_face, 24, light=0.25))
    lit = run(moving_photo(cut, face, 24, light=0.25))
    assert lit.score is not None and abs(lit.details["log_ratio"] - whole.details["log_ratio"]) < 0.3
    assert lit.score < 0.5
    gone = dataclasses.replace(astronaut_face, landmarks=astronaut_face.landmarks - np.float32([x_cut + 40, 0, 0]))
    mostly_out = run(moving_photo(np.ascontiguousarray(astronaut[:, x_cut + 40 :]), gone, 24, light=0.25))
    assert mostly_out.score is None and "outside the frame" in mostly_out.reason


def test_short_and_tiny_tracks_are_not_judged(astronaut, astronaut_face):
    short = run(moving_photo(astronaut, astronaut_face, 10, light=0.25))  # 1.1 s: 3 pairs
    assert short.score is None and "1 s apart" in short.reason
    small = cv2.resize(astronaut, None, fx=0.15, fy=0.15, interpolation=cv2.INTER_AREA)
    face = dataclasses.replace(astronaut_face, landmarks=astronaut_face.landmarks * np.float32([0.15, 0.15, 0.15]))
    tiny = run(moving_photo(small, face, 24, light=0.25))
    assert tiny.score is None and "narrower than" in tiny.reason


def test_calibration_fit_and_shipped_file():
    rng = np.random.default_rng(0)
    motion = np.exp(rng.uniform(np.log(0.01), np.log(0.2), 400))
    ncc = 1.0 - np.exp(0.2 + 0.9 * np.log(motion) + rng.normal(0, 0.1, motion.size))
    pairs = [PairMeasure(float(c), float(m)) for c, m in zip(ncc, motion)]
    intercept, slope = fit_calibration(pairs)
    assert intercept == pytest.approx(0.2, abs=0.1) and slope == pytest.approx(0.9, abs=0.05)
    with pytest.raises(ValueError, match="at least"):
        fit_calibration(pairs[:5])
    shipped = load_calibration()
    assert shipped.slope > 0 and shipped.meta["pairs"] > 100
    assert float(Calibration(0.0, 1.0).expected(0.1)) == pytest.approx(0.1)
    assert ratio_score(-1.0) > 0.5 > ratio_score(0.0)


def test_local_scores_show_which_part_of_a_track_is_glued(astronaut, astronaut_face):
    """Light moving over the face for 4 s, then glued shading for 4 s: the score near each moment
    follows, where the whole track's score would be an average of both."""
    lit = list(moving_photo(astronaut, astronaut_face, 32, light=0.25))
    glued = list(moving_photo(astronaut, astronaut_face, 64))[32:]
    acc = ShadingSignal().start(FPS)
    for image, face, t in lit + glued:
        acc.add(image, face, t)
    local = acc.local_scores([1.5, 2.0, 6.0, 6.5, 20.0])
    assert local[-1] is None
    assert max(local[:2]) + 0.3 < min(local[2:4])
    assert ShadingSignal().start(FPS).local_scores([1.0, 2.0]) == [None, None]
