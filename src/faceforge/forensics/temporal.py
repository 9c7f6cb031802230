"""Temporal signal: does the face's fine detail live from frame to frame, like camera footage?

A camera records every frame afresh: sensor noise, the shimmer of compression, small changes of
shading and skin as the face moves. A face made by warping ONE photo (photo animation such as
faceforge animate, Avatarify or Deep Nostalgia, and most talking-head generators: SadTalker,
DreamTalk) carries the same frozen pixels from frame to frame, only moved. So we follow the face
between consecutive analysed frames with dense optical flow (DIS, Kroeger et al., ECCV 2016), warp
the later frame back onto the earlier one, and measure what the motion does NOT explain: the mean
absolute grey-level residual on the flattest skin (face oval without eyes, brows and lips; the 40 %
of it with the least gradient, where a slightly wrong flow leaves no trace), with both frames
scaled so the face is `FACE_WIDTH` pixels wide. This is the "motion-compensated temporal noise"
that video codecs and denoisers estimate; here it is evidence of a living picture.

The residual grows with motion (interpolation, shading, occlusion), so each frame pair is compared
with what real camera footage shows at the same flow: `expected = a + b · flow`, a line fitted on
REAL talking-head clips of the TRAIN split only, normalised exactly like the benchmark corpus
(`scripts/calibrate_temporal.py` → `faceforge/data/detect/temporal.json`). It also grows with how
grainy the footage is to begin with: a heavily compressed real clip has little grain left, and
little to renew. So the expected residual is scaled by the frame's own spatial grain (mean
|Laplacian| on the same flat skin, `grain`) as (grain / g₀)^k, with k and g₀ fitted on the same
TRAIN clips (log-linear regression of residual / line on grain). An animated photo keeps its
photo's grain but does not renew it, so it still stands out. The clip's ratio is the
median over pairs of residual / expected (≈ 1 for camera footage like the calibration clips); the
score is a logistic in log(ratio), 0.5 at `RATIO_MID`.

For the report, each pair's residual per pixel (over its expected value) is also warped into an
aligned face crop and averaged over the clip: the picture shows WHERE the skin stayed frozen.

What fools it: heavy compression or denoising (a real face at a low bitrate also looks frozen),
very clean studio footage, and generators that render every frame anew (face swaps, which
re-render the face per frame, are caught less well than animations). A video whose frames repeat
(a still picture shown as video) says "n/a".
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import cv2
import numpy as np
import numpy.typing as npt
from mediapipe.python.solutions import face_mesh_connections as _mc

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.faces.topology import mesh_ids
from faceforge.forensics.crops import aligned_face, alignment_matrix
from faceforge.forensics.pooling import windowed_medians
from faceforge.forensics.signal import SignalInfo, SignalScore

FACE_WIDTH = 96  # pixels: both frames of a pair are scaled so the face is this wide
MIN_FACE_PX = 40  # narrower faces (frame pixels) hold too little detail to judge
MIN_PAIRS = 6  # about 1 s at the default 6 analysed frames per second
FLAT_SHARE = 0.4  # the flattest 40 % of the skin is where the residual is measured
MAX_GAP_S = 0.3  # frames further apart are not compared (the face may have changed too much)
LOCAL_HALF_WINDOW_S = 1.0  # `local_scores`: the pairs within this of a moment judge it (~12 at 6 fps)
REPEAT_LEVEL = 0.05  # grey levels: a pair differing less than this (before motion) is a repeated frame
RATIO_MID = 0.7  # score 0.5: the face's detail changes 30 % less than camera footage at that motion
RATIO_SLOPE = 0.2  # in log(ratio): ratio 0.5 → 0.84, ratio 1.0 → 0.15
_MODEL_FILE = "temporal.json"
_MIN_GRAIN = 0.05  # grey levels: flatter skin than this (a synthetic or blown-out face) counts as this
_LAPLACE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)  # Immerkær's noise mask
MAP_SIZE = 112  # the report's picture: an aligned face crop (context 1.6) and the frozen map over it
_MAP_CONTEXT = 1.6
_MAP_BLUR = 3.0  # pixels at FACE_WIDTH: the map shows regions, not single pixels
_MARGIN = 0.1  # of the face width, around the landmarks' extent


FEATURE_GROWTH = 0.08  # of the face width: eyes, brows and lips grown by this are not skin


@cache
def _mesh_regions() -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """(face oval, the features left out: eyes, brows, lips) as mesh indices."""
    holes = (
        mesh_ids(_mc.FACEMESH_LEFT_EYE),
        mesh_ids(_mc.FACEMESH_RIGHT_EYE),
        mesh_ids(_mc.FACEMESH_LEFT_EYEBROW),
        mesh_ids(_mc.FACEMESH_RIGHT_EYEBROW),
        mesh_ids(_mc.FACEMESH_LIPS),
    )
    return mesh_ids(_mc.FACEMESH_FACE_OVAL), holes


def face_oval(shape: tuple[int, ...], landmarks: np.ndarray) -> np.ndarray:
    """uint8 H×W, 1 inside the face oval of the 468 landmarks (N×2 pixels)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(landmarks[_mesh_regions()[0]].astype(np.int32)), 1)
    return mask


def grown_features(shape: tuple[int, ...], landmarks: np.ndarray, face_width: float) -> np.ndarray:
    """bool H×W: the eyes, brows and lips, grown by FEATURE_GROWTH of the face width."""
    features = np.zeros(shape, np.uint8)
    for ids in _mesh_regions()[1]:
        cv2.fillConvexPoly(features, cv2.convexHull(landmarks[ids].astype(np.int32)), 1)
    grow = max(3, int(round(FEATURE_GROWTH * face_width)))
    return cv2.dilate(features, np.ones((grow, grow), np.uint8)) > 0  # grown together: the same as one by one


def skin_mask(shape: tuple[int, ...], landmarks: np.ndarray, face_width: float) -> np.ndarray:
    """bool H×W: the face oval, pulled in by 6 % of the face width, without the eyes, brows and lips
    (grown by 8 %): the skin whose look changes only with light, noise and the face's motion."""
    shrink = max(3, int(round(0.06 * face_width)))
    mask = cv2.erode(face_oval(shape, landmarks), np.ones((shrink, shrink), np.uint8))
    mask[grown_features(shape, landmarks, face_width)] = 0
    return mask > 0


@dataclass(frozen=True)
class PairMeasure:
    """One pair of consecutive analysed frames: what the flow explains and what it does not."""

    residual: float  # mean |later warped onto earlier − earlier| on flat skin, median removed, grey levels
    flow: float  # mean flow magnitude on the skin, pixels at FACE_WIDTH
    change: float  # mean |later − earlier| before any motion compensation, grey levels
    grain: float | None = None  # mean |Laplacian| of the earlier frame on the flat skin, grey levels
    # For the report's picture: the residual per pixel (blurred; 0 off the skin), the skin mask
    # (float 0/1) and the affine map from that crop to the frame.
    residual_map: np.ndarray | None = field(default=None, compare=False, repr=False)
    skin: np.ndarray | None = field(default=None, compare=False, repr=False)
    crop_to_frame: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FacePair:
    """Two frames' crops around one face, scaled so that the face is FACE_WIDTH px wide.

    earlier, later: grey uint8 crops (same size); landmarks: the earlier frame's 468 landmarks in
    crop pixels; crop_to_frame: the affine map from crop to frame pixels."""

    earlier: np.ndarray
    later: np.ndarray
    landmarks: np.ndarray
    crop_to_frame: np.ndarray


def face_pair(earlier: np.ndarray, later: np.ndarray, landmarks: np.ndarray) -> FacePair | None:
    """The crops of two frames (H×W grey or H×W×3 RGB uint8, same size) around the face whose 478
    (or 468) landmarks (N×2 pixels) were found in `earlier`. None when the face is narrower than
    MIN_FACE_PX or mostly off the frame."""
    pts = landmarks[:468, :2].astype(np.float64)
    width = float(np.ptp(pts[:, 0]))
    if width < MIN_FACE_PX:
        return None
    h, w = earlier.shape[:2]
    x0, y0 = np.floor(pts.min(axis=0) - _MARGIN * width).astype(int)
    x1, y1 = np.ceil(pts.max(axis=0) + _MARGIN * width).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 0.5 * width or y1 - y0 < 0.5 * width:
        return None
    scale = FACE_WIDTH / width
    size = (max(16, round((x1 - x0) * scale)), max(16, round((y1 - y0) * scale)))
    interp = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    a = cv2.resize(_grey(earlier[y0:y1, x0:x1]), size, interpolation=interp)
    b = cv2.resize(_grey(later[y0:y1, x0:x1]), size, interpolation=interp)
    sx, sy = size[0] / (x1 - x0), size[1] / (y1 - y0)
    crop_to_frame = np.array([[1.0 / sx, 0.0, x0], [0.0, 1.0 / sy, y0]])
    return FacePair(a, b, (pts - [x0, y0]) * [sx, sy], crop_to_frame)


_last_pair = threading.local()  # see `compensated_pair`


def compensated_pair(
    earlier: np.ndarray, later: np.ndarray, landmarks: np.ndarray
) -> tuple[FacePair, np.ndarray, np.ndarray] | None:
    """`face_pair` and its `motion_compensated` (pair, flow, warped), or None.

    The temporal and the seam signal measure the same frame pairs: the last result of each thread
    is kept (with the very frame arrays it was computed from, so an identity check cannot be
    fooled by a reused id) and handed to the next caller with the same frames and landmarks, so
    the optical flow runs once per pair."""
    last = getattr(_last_pair, "value", None)
    if last is not None and last[0] is earlier and last[1] is later and np.array_equal(last[2], landmarks):
        return last[3]
    pair = face_pair(earlier, later, landmarks)
    result = None if pair is None else (pair, *motion_compensated(pair))
    _last_pair.value = (earlier, later, np.array(landmarks, copy=True), result)
    return result


def motion_compensated(pair: FacePair) -> tuple[np.ndarray, np.ndarray]:
    """(flow H×W×2 from the earlier crop to the later one, the later crop warped back onto the
    earlier one as float32): what is left of their difference is what the motion does not explain."""
    a, b = pair.earlier, pair.later
    flow = _flow().calc(a, b, None)
    map_x = flow[..., 0] + np.arange(a.shape[1], dtype=np.float32)
    map_y = flow[..., 1] + np.arange(a.shape[0], dtype=np.float32)[:, None]
    warped = cv2.remap(b.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return flow, warped


def measure_pair(
    earlier: np.ndarray, later: np.ndarray, landmarks: np.ndarray, *, with_map: bool = True
) -> PairMeasure | None:
    """Compare two frames (H×W grey or H×W×3 RGB uint8, same size) around the face whose 478 (or
    468) landmarks (N×2 pixels) were found in `earlier`. None when the face is too small or mostly
    off the frame. with_map=False leaves out the maps for the report's picture (residual_map,
    skin: None)."""
    compensated = compensated_pair(earlier, later, landmarks)
    if compensated is None:
        return None
    pair, flow, warped = compensated
    a, b = pair.earlier, pair.later
    mask = skin_mask(a.shape, pair.landmarks, FACE_WIDTH)
    if mask.sum() < 0.1 * FACE_WIDTH**2:
        return None
    af = a.astype(np.float32)
    # Flat skin only: where the earlier frame's gradient is in the lower FLAT_SHARE of the skin's.
    # A slightly wrong flow leaves residual along edges (wrinkles, nostrils, the jaw line) in any
    # video; on flat skin what remains is the frame's own fresh noise. The median difference
    # (a change of exposure or of a swap's colour match) is taken out.
    smooth = cv2.GaussianBlur(af, (0, 0), 1.0)
    gradient = np.hypot(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    flat = mask & (gradient <= np.percentile(gradient[mask], 100 * FLAT_SHARE))
    offset = float(np.median((warped - af)[flat]))
    difference = np.abs(warped - af - offset)
    skin = mask.astype(np.float32)
    return PairMeasure(
        residual=float(difference[flat].mean()),
        flow=float(np.sqrt((flow[mask] ** 2).sum(axis=1)).mean()),
        change=float(np.abs(b.astype(np.float32) - af)[mask].mean()),
        grain=float(np.abs(cv2.filter2D(af, -1, _LAPLACE))[flat].mean()),
        residual_map=cv2.GaussianBlur(difference * skin, (0, 0), _MAP_BLUR) if with_map else None,
        skin=cv2.GaussianBlur(skin, (0, 0), _MAP_BLUR) if with_map else None,
        crop_to_frame=pair.crop_to_frame,
    )


def _grey(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 3:
        return cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(crop)


def _flow() -> cv2.DISOpticalFlow:
    # A fresh instance per call: DIS keeps state between calls, and track accumulators may run in
    # parallel threads. Creating one costs microseconds. The FAST preset: on the benchmark's videos
    # the MEDIUM one (5× slower) changed this signal's AUC by less than 0.01.
    return cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)


@dataclass(frozen=True)
class Calibration:
    """Camera footage's residual at a given flow and grain:
    expected = (intercept + slope · flow) · (grain / grain_reference) ^ grain_exponent."""

    intercept: float
    slope: float
    grain_exponent: float = 0.0
    grain_reference: float = 1.0
    meta: dict = field(default_factory=dict, compare=False)

    def expected(self, flow: npt.ArrayLike, grain: npt.ArrayLike | None = None) -> np.ndarray:
        line = np.maximum(self.intercept + self.slope * np.asarray(flow, np.float64), 1e-3)
        if grain is None or self.grain_exponent == 0.0:
            return line
        relative = np.maximum(np.asarray(grain, np.float64), _MIN_GRAIN) / self.grain_reference
        return line * relative**self.grain_exponent

    def pair_expected(self, pairs: Sequence[PairMeasure]) -> np.ndarray:
        """`expected` for each pair (a pair measured without its grain: the flow line alone)."""
        flow = np.array([p.flow for p in pairs], np.float64)
        if any(p.grain is None for p in pairs):
            return self.expected(flow)
        return self.expected(flow, np.array([p.grain for p in pairs], np.float64))


@cache
def load_calibration() -> Calibration:
    """The shipped calibration (`faceforge/data/detect/temporal.json`)."""
    try:
        data = json.loads(resources.files("faceforge.data").joinpath("detect", _MODEL_FILE).read_text())
        return Calibration(
            float(data["intercept"]),
            float(data["slope"]),
            float(data.get("grain_exponent", 0.0)),
            float(data.get("grain_reference", 1.0)),
            dict(data.get("meta", {})),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DependencyError(
            f"the temporal signal's calibration faceforge/data/detect/{_MODEL_FILE} is missing or damaged "
            f"({exc}); reinstall faceforge or rebuild it with `python scripts/calibrate_temporal.py`"
        ) from exc


def median_line(x: np.ndarray, y: np.ndarray, bins: int = 10) -> tuple[float, float]:
    """A line through the medians of (x, y) in each of `bins` quantile bins of x: robust to the
    few frame pairs with a cut, a hand or a failed flow or mesh. Returns (intercept, slope)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 * bins:
        raise ValueError(f"need at least {2 * bins} frame pairs to calibrate, got {len(x)}")
    edges = np.quantile(x, np.linspace(0.0, 1.0, bins + 1))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    mx = np.array([np.median(x[which == k]) for k in range(bins) if np.any(which == k)])
    my = np.array([np.median(y[which == k]) for k in range(bins) if np.any(which == k)])
    slope, intercept = np.polyfit(mx, my, 1)
    return float(intercept), float(slope)


def fit_calibration(pairs: Sequence[PairMeasure], bins: int = 10) -> tuple[float, float]:
    """The line through the per-decile medians of (flow, residual) of real footage."""
    return median_line(np.array([p.flow for p in pairs]), np.array([p.residual for p in pairs]), bins)


def fit_grain(pairs: Sequence[PairMeasure], intercept: float, slope: float) -> tuple[float, float]:
    """How real footage's residual (over the flow line) grows with its grain: the least-squares
    line log(residual / line) = c + k · log(grain). Returns (k, g₀ = the grain where the factor is 1)."""
    line = Calibration(intercept, slope)
    kept = [p for p in pairs if p.grain is not None and p.grain > _MIN_GRAIN]
    if len(kept) < 20:
        raise ValueError(f"need at least 20 frame pairs with their grain to calibrate, got {len(kept)}")
    y = np.log(np.array([p.residual for p in kept]) / line.expected([p.flow for p in kept]))
    x = np.log(np.array([p.grain for p in kept], np.float64))
    k, c = np.polyfit(x, y, 1)
    return float(k), float(math.exp(-c / k)) if abs(k) > 1e-6 else 1.0


def ratio_score(ratio: float) -> float:
    """Fakeness in 0..1 from the clip's residual ratio (1 = like camera footage)."""
    z = -(math.log(max(ratio, 1e-3)) - math.log(RATIO_MID)) / RATIO_SLOPE
    return float(1.0 / (1.0 + math.exp(-z)))


class TemporalTrack:
    """The temporal signal's accumulator for one face track: frame pairs in, a SignalScore out."""

    def __init__(self, calibration: Calibration, *, maps: bool = True) -> None:
        self.calibration = calibration
        self.maps = maps  # False: no picture for the report (saves ~4 % of a video's analysis)
        self.pairs: list[PairMeasure] = []
        self.pair_times: list[float] = []  # each pair's midpoint, seconds
        self.repeats = 0
        self.small = 0
        self.far_apart = 0
        self._previous: tuple[np.ndarray, Face, float] | None = None
        # The report's picture, accumulated in aligned-face coordinates: Σ residual / expected,
        # Σ weight, and one aligned crop of the face.
        self._map_sum = np.zeros((MAP_SIZE, MAP_SIZE), np.float32)
        self._map_weight = np.zeros((MAP_SIZE, MAP_SIZE), np.float32)
        self._crop: np.ndarray | None = None

    def add(self, image: np.ndarray, face: Face, time_s: float) -> None:
        # Only a reference to the frame is kept (the reader hands out a new array per frame); the
        # face's crop is converted to grey when the pair is measured.
        previous, self._previous = self._previous, (image, face, time_s)
        if previous is None:
            return
        earlier, earlier_face, t0 = previous
        if earlier.shape != image.shape or time_s <= t0:
            return
        if time_s - t0 > MAX_GAP_S:
            self.far_apart += 1
            return
        pair = measure_pair(earlier, image, earlier_face.landmarks_2d, with_map=self.maps)
        if pair is None:
            self.small += 1
        elif pair.change < REPEAT_LEVEL:
            self.repeats += 1
        else:
            if self.maps:
                self._add_to_map(pair, earlier, earlier_face)
            # Keep the numbers only: the maps are summed already (an hour of video is ~29 000 pairs).
            self.pairs.append(dataclasses.replace(pair, residual_map=None, skin=None, crop_to_frame=None))
            self.pair_times.append(0.5 * (t0 + time_s))

    def _add_to_map(self, pair: PairMeasure, image: np.ndarray, face: Face) -> None:
        assert pair.crop_to_frame is not None and pair.residual_map is not None and pair.skin is not None  # with_map
        to_map = alignment_matrix(face, MAP_SIZE, _MAP_CONTEXT) @ np.vstack([pair.crop_to_frame, [0.0, 0.0, 1.0]])
        expected = float(self.calibration.pair_expected([pair])[0])
        size = (MAP_SIZE, MAP_SIZE)
        self._map_sum += cv2.warpAffine(pair.residual_map / expected, to_map, size, flags=cv2.INTER_LINEAR)
        self._map_weight += cv2.warpAffine(pair.skin, to_map, size, flags=cv2.INTER_LINEAR)
        if len(self.pairs) == MIN_PAIRS - 1:  # a crop from early on, once the track is judged
            self._crop = aligned_face(image, face, MAP_SIZE, _MAP_CONTEXT).image

    def frozen_map(self) -> np.ndarray:
        """0..1 over the aligned crop: 1 where the skin's detail did not change at all between
        frames, 0 where it changed as much as camera footage or more (and off the skin)."""
        ratio = self._map_sum / np.maximum(self._map_weight, 1e-6)
        frozen = np.clip(1.0 - ratio, 0.0, 1.0)
        # Fade out where few pairs saw skin (the edge of the mask, the eyes and mouth).
        seen = np.clip(self._map_weight / max(float(self._map_weight.max()), 1e-6) * 2.0, 0.0, 1.0)
        return (frozen * seen).astype(np.float32)

    def local_scores(self, times: Sequence[float]) -> list[float | None]:
        """The score of the frame pairs within LOCAL_HALF_WINDOW_S of each time (seconds), as
        `result` scores the whole track; None where fewer than MIN_PAIRS pairs lie that close."""
        if not self.pairs:
            return [None] * len(times)
        medians = windowed_medians(self.pair_times, self._ratios(), times, LOCAL_HALF_WINDOW_S, MIN_PAIRS)
        return [None if m is None else ratio_score(m) for m in medians]

    def _ratios(self) -> np.ndarray:
        """Each pair's residual over camera footage's at its flow and grain."""
        return np.array([p.residual for p in self.pairs]) / self.calibration.pair_expected(self.pairs)

    def result(self) -> SignalScore:
        n = len(self.pairs)
        if self.repeats > max(n, MIN_PAIRS // 2):
            return SignalScore(None, "the face does not change between frames (a still picture shown as video?)")
        if n < MIN_PAIRS:
            if self.small > n:
                return SignalScore(None, f"face narrower than {MIN_FACE_PX} px: too little detail to follow")
            if self.far_apart > n:
                return SignalScore(
                    None,
                    f"analysed frames more than {MAX_GAP_S:g} s apart: too far to compare (analyse ≥ 4 per second)",
                )
            return SignalScore(None, f"needs at least {MIN_PAIRS + 1} analysed frames of the face (about 1 s)")
        flow = np.array([p.flow for p in self.pairs])
        ratio = float(np.median(self._ratios()))
        score = ratio_score(ratio)
        if ratio < 1.0:
            finding = f"the skin's fine detail changes {100 * (1 - ratio):.0f} % less between frames than"
        else:
            finding = f"the skin's fine detail changes between frames as much as (ratio {ratio:.2f})"
        details = {"ratio": ratio, "pairs": float(n), "median_flow_px": float(np.median(flow))}
        if all(p.grain is not None for p in self.pairs):
            details["median_grain"] = float(np.median([p.grain for p in self.pairs]))
        reason = finding + f" real camera footage with the same motion and grain ({n} frame pairs)"
        heatmap = self.frozen_map() if self.maps else None
        return SignalScore(score, reason, details, crop=self._crop, heatmap=heatmap)


class TemporalSignal:
    """Track signal "temporal": motion-compensated frame-to-frame change of the skin's detail."""

    info = SignalInfo(
        name="temporal",
        title="Frame-to-frame detail",
        explanation=(
            "Follows the face from frame to frame and measures how much its fine detail changes beyond "
            "what the motion explains. A camera records every frame afresh (noise, shading, skin), while "
            "a face animated from one photo carries the same frozen pixels along. Heavy compression, "
            "denoising and very clean studio video make real faces look frozen too; face swaps, which "
            "redraw the face in every frame, are caught less well than animated photos."
        ),
        map_legend=(
            "where the skin's fine detail stayed frozen from frame to frame, averaged over the clip "
            "(red = unchanged, like a moved photo; no colour = changed like camera footage)"
        ),
    )

    def __init__(self, calibration: Calibration | None = None) -> None:
        self._calibration = calibration

    def start(self, fps: float, *, maps: bool = True) -> TemporalTrack:
        """A new accumulator for one face track; `fps` is the rate frames will be fed at; maps:
        also build the report's picture of where the skin stayed frozen."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return TemporalTrack(self._calibration or load_calibration(), maps=maps)
