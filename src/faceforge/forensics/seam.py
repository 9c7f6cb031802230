"""Seam signal: does the rim of the face change between frames more than its middle?

A face swap renders another person's face in every frame and blends it in along a seam a little
inside the face's outline (faceforge's own swap: 5 % of the face height in, feathered; most swap
tools alike). From frame to frame that seam follows the landmarks fitted to each frame, and the
colour match is redone, so once the face's motion is compensated (dense optical flow, as in the
temporal signal) the rim of the face changes more than its middle. In camera footage the rim
changes about as much as the middle. Face X-ray (Li et al., CVPR 2020) looks for the blending
boundary in one frame; this looks for its flicker over time, which survives the downscaling and
re-compression that blur a single frame's boundary.

Per pair of consecutive analysed frames (the very crops and flow of `temporal`: both frames
scaled so the face is `FACE_WIDTH` px wide, the later one warped back onto the earlier one): the
mean absolute residual on the rim (between `RIM` shares of the face width inside the face oval)
over that on the inner skin (more than `INNER` inside), eyes, brows and lips left out of both.
The clip's ratio is the median over pairs; the score is a logistic in log(ratio), 0.5 at the
ratio that REAL clips of the TRAIN split reach only 5 % of the time (`scripts/calibrate_seam.py`
→ `faceforge/data/detect/seam.json`). For the video's timeline, each moment is judged the same way
from the pairs within `LOCAL_HALF_WINDOW_S` of it, so a swapped stretch of a clip stands out.

The rim band was chosen among three (1–5, 5–9 and 9–13 % of the face width inside the oval) by
how each alone separated the evaluation corpus's swaps from its real clips (AUC 0.82, 0.64, 0.59),
so the benchmark's out-of-fold figures carry that one choice; the calibration saw TRAIN clips only.

What fools it: a face turning fast (the rim's flow is the least reliable, at the occluding
contour), hair or hands crossing the face's edge, and whole-frame generators without a seam
(animated photos, talking-head models that redraw the frame: the temporal signal's field).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import cv2
import numpy as np

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.forensics.pooling import windowed_medians
from faceforge.forensics.signal import SignalInfo, SignalScore
from faceforge.forensics.temporal import (
    FACE_WIDTH,
    LOCAL_HALF_WINDOW_S,
    MAX_GAP_S,
    MIN_FACE_PX,
    MIN_PAIRS,
    REPEAT_LEVEL,
    compensated_pair,
    face_oval,
    grown_features,
)

RIM = (0.01, 0.05)  # of the face width inside the face oval: where a swap's seam lies
INNER = 0.16  # of the face width inside the oval: the inner skin the rim is compared with
MIN_REGION_PX = 50  # pixels (at FACE_WIDTH) the rim and the inner skin each need
_FLOOR = 0.05  # grey levels: an inner residual below this counts as this
_MODEL_FILE = "seam.json"

INFO = SignalInfo(
    name="seam",
    title="Seam flicker",
    explanation=(
        "Follows the face from frame to frame and compares how much its rim (just inside the face's "
        "outline) changes beyond the motion with how much its middle does. A face swap is blended in "
        "along a seam there, redrawn in every frame, so the rim flickers; in camera footage rim and "
        "middle change alike. Fast head turns, hair or hands at the face's edge fool it; animated "
        "photos have no seam and leave it quiet."
    ),
)


@dataclass(frozen=True)
class Calibration:
    """score = σ((log ratio − log mid) / slope)."""

    mid: float
    slope: float
    meta: dict = field(default_factory=dict, compare=False)

    def score(self, ratio: float) -> float:
        z = (math.log(max(ratio, 1e-3)) - math.log(self.mid)) / self.slope
        return float(1.0 / (1.0 + math.exp(-z)))


@cache
def load_calibration() -> Calibration:
    """The shipped calibration (`faceforge/data/detect/seam.json`)."""
    try:
        data = json.loads(resources.files("faceforge.data").joinpath("detect", _MODEL_FILE).read_text())
        return Calibration(float(data["mid"]), float(data["slope"]), dict(data.get("meta", {})))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DependencyError(
            f"the seam signal's calibration faceforge/data/detect/{_MODEL_FILE} is missing or damaged "
            f"({exc}); reinstall faceforge or rebuild it with `python scripts/calibrate_seam.py`"
        ) from exc


def rim_and_inner(shape: tuple[int, ...], landmarks: np.ndarray, face_width: float) -> tuple[np.ndarray, np.ndarray]:
    """(rim, inner skin) as H×W bool masks for a face whose 468 landmarks (N×2 pixels) are given."""
    depth = cv2.distanceTransform(face_oval(shape, landmarks), cv2.DIST_L2, 3) / face_width
    skin = ~grown_features(shape, landmarks, face_width)
    return (depth > RIM[0]) & (depth <= RIM[1]) & skin, (depth > INNER) & skin


def measure_pair(earlier: np.ndarray, later: np.ndarray, landmarks: np.ndarray) -> float | None:
    """The rim's motion-compensated residual over the inner skin's for two frames (H×W grey or
    H×W×3 RGB uint8) and the face's landmarks in `earlier`; None when the face is too small, mostly
    off the frame, or the frames repeat."""
    compensated = compensated_pair(earlier, later, landmarks)  # the flow the temporal signal computed
    if compensated is None:
        return None
    pair, _, warped = compensated
    a = pair.earlier.astype(np.float32)
    if float(np.abs(pair.later.astype(np.float32) - a).mean()) < REPEAT_LEVEL:
        return None
    rim, inner = rim_and_inner(a.shape, pair.landmarks, FACE_WIDTH)
    if rim.sum() < MIN_REGION_PX or inner.sum() < MIN_REGION_PX:
        return None
    residual = np.abs(warped - a)
    return float(residual[rim].mean()) / max(float(residual[inner].mean()), _FLOOR)


class SeamTrack:
    """The seam signal's accumulator for one face track: frame pairs in, a SignalScore out."""

    def __init__(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self.pairs: list[float] = []  # the rim/inner ratio of each usable frame pair
        self.pair_times: list[float] = []  # each pair's midpoint, seconds
        self.skipped = 0  # pairs too far apart, too small, or repeated
        self._previous: tuple[np.ndarray, Face, float] | None = None

    def add(self, image: np.ndarray, face: Face, time_s: float) -> None:
        previous, self._previous = self._previous, (image, face, time_s)
        if previous is None:
            return
        earlier, earlier_face, t0 = previous
        if earlier.shape != image.shape or not 0.0 < time_s - t0 <= MAX_GAP_S:
            self.skipped += 1
            return
        ratio = measure_pair(earlier, image, earlier_face.landmarks_2d)
        if ratio is None:
            self.skipped += 1
        else:
            self.pairs.append(ratio)
            self.pair_times.append(0.5 * (t0 + time_s))

    def local_scores(self, times: Sequence[float]) -> list[float | None]:
        """The score of the frame pairs within LOCAL_HALF_WINDOW_S of each time (seconds), as
        `result` scores the whole track; None where fewer than MIN_PAIRS pairs lie that close."""
        if not self.pairs:
            return [None] * len(times)
        medians = windowed_medians(self.pair_times, np.array(self.pairs), times, LOCAL_HALF_WINDOW_S, MIN_PAIRS)
        return [None if m is None else self.calibration.score(m) for m in medians]

    def result(self) -> SignalScore:
        n = len(self.pairs)
        if n < MIN_PAIRS:
            if self.skipped > n:
                return SignalScore(
                    None,
                    f"too few usable frame pairs ({n}): the face is narrower than {MIN_FACE_PX} px, "
                    f"frames repeat, or analysed frames are more than {MAX_GAP_S:g} s apart",
                )
            return SignalScore(None, f"needs at least {MIN_PAIRS + 1} analysed frames of the face (about 1 s)")
        ratio = float(np.median(self.pairs))
        typical = self.calibration.meta.get("real_median_ratio")
        reference = f"; real camera footage: about {typical:.2f}" if typical else ""
        score = self.calibration.score(ratio)
        reason = (
            f"the face's rim changes between frames {ratio:.2f}× as much as its middle "
            f"beyond the motion ({n} frame pairs{reference})"
        )
        if score >= 0.5:
            reason += ": more than in 95 % of real clips, as along the seam of a face blended into the frame"
        return SignalScore(score, reason, {"ratio": ratio, "pairs": float(n)})


class SeamSignal:
    """Track signal "seam": motion-compensated change of the face's rim against its middle."""

    info = INFO

    def __init__(self, calibration: Calibration | None = None) -> None:
        self._calibration = calibration

    def start(self, fps: float, *, maps: bool = True) -> SeamTrack:  # maps: this signal draws no picture
        """A new accumulator for one face track; `fps` is the rate frames will be fed at."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return SeamTrack(self._calibration or load_calibration())
