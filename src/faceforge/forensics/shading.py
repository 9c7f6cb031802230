"""Shading signal: does the light and shadow on the skin shift over time, like camera footage?

On camera, the pattern of light and shadow on a face is not painted on the skin: as the head
turns under the light and the expression moves the skin (cheeks rise, folds deepen, the brow
lifts), the shading moves across the face. A face re-rendered from ONE photo — photo animation
(faceforge animate, Avatarify, Deep Nostalgia), talking-head generators (SadTalker, DreamTalk) and
face swaps that paste a source photo (faceforge swap, roop-style) — carries that photo's shading
glued to the skin: warped along, recoloured perhaps, but the same pattern.

So every analysed frame's face is unwrapped into the face's own coordinates: the 468-point mesh is
mapped onto faceforge's mean face (`faceforge/data/face_model.npz`, seen from the front) by
piecewise-affine warping over a Delaunay triangulation of it, `CANON_SIZE` pixels wide. The
unwrapped grey face is band-passed (a difference of Gaussians, `BAND`: the scale of shading and
skin folds, above pixel noise and compression), and frames `GAP_S` apart are compared by their
normalised cross-correlation on the skin (face oval without eyes, brows and lips, as in the
temporal signal). The decorrelation 1 − ncc grows with how much the face moved and changed
between the two frames, so each pair is compared with camera footage at the same landmark motion
(RMS change of the centred, scale-normalised landmarks): log(1 − ncc) expected = a + b · log(motion),
a line fitted on REAL clips of the TRAIN split normalised like the benchmark corpus
(`scripts/calibrate_shading.py` → `faceforge/data/detect/shading.json`). The clip's measure is
the median over pairs of log(observed / expected decorrelation): ≈ 0 for footage like the
calibration clips, below 0 where the shading stayed put. The score is a logistic in it, 0.5 at
`LOG_RATIO_MID`.

Where it differs from the temporal signal: that one compares consecutive frames' finest detail
(fresh sensor noise); this one compares frames a second apart at the scale of shading, which
compression does not erase and which a swap's per-frame re-rendering does not refresh.

What fools it: flat, frontal light (a face lit evenly from all sides shows little shading to
move), a face that barely moves (few pairs differ at all: the comparison with camera footage at
the same small motion is then weak), and generators that re-light every frame.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.faces.measures import landmark_box
from faceforge.forensics.pooling import windowed_medians
from faceforge.forensics.signal import SignalInfo, SignalScore

CANON_SIZE = 112  # pixels: the unwrapped face's side
BAND = (2.0, 6.0)  # difference-of-Gaussians sigmas, unwrapped pixels: shading and folds
GAP_S = 1.0  # frames this far apart are compared
GAP_TOLERANCE_S = 0.2  # … give or take this
MIN_FACE_PX = 40  # narrower faces (frame pixels) are not unwrapped
MIN_PAIRS = 4
LOCAL_HALF_WINDOW_S = 1.5  # `local_scores`: the pairs centred within this of a moment judge it
MIN_MOTION = 0.002  # landmark motion (share of the face's RMS radius) floor for the calibration line
STILL_LEVEL = 0.05  # grey levels: frames whose face region differs less than this are the same picture
MIN_VISIBLE_SKIN = 0.5  # a pair is compared only if this share of the skin is inside both frames
LOG_RATIO_MID = -0.5  # score 0.5: the shading decorrelated 40 % less than on camera at that motion
LOG_RATIO_SLOPE = 0.25  # log ratio −1.0 → 0.88, 0.0 → 0.12
_MAP_BLUR = 4.0  # unwrapped pixels: the report's map shows regions
_MODEL_FILE = "shading.json"
_MESH = 468


@dataclass(frozen=True)
class _Unwrap:
    """The mean face's layout at CANON_SIZE: which pixels lie inside the mesh and how each one
    interpolates its triangle's three landmarks; and the skin mask the pairs are compared on."""

    pixels: np.ndarray  # M flat indices (row · size + col) inside the mesh
    interpolate: Any  # sparse M×468: each pixel's barycentric weights of its triangle's 3 landmarks
    skin: np.ndarray  # size×size bool


@cache
def _unwrap() -> _Unwrap:
    from scipy.sparse import csr_matrix
    from scipy.spatial import Delaunay

    from faceforge.faces.pose import face_model
    from faceforge.forensics.temporal import skin_mask

    shape = face_model()[0][:_MESH, :2]  # x right, y down: the mean face seen from the front
    low, high = shape.min(axis=0), shape.max(axis=0)
    template = (shape - low) / float((high - low).max()) * (CANON_SIZE - 8) + 4
    triangles = Delaunay(template)
    gy, gx = np.mgrid[0:CANON_SIZE, 0:CANON_SIZE]
    points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float64)
    simplex = triangles.find_simplex(points)
    inside = np.flatnonzero(simplex >= 0)
    transform = triangles.transform[simplex[inside]]
    b = np.einsum("nij,nj->ni", transform[:, :2], points[inside] - transform[:, 2])
    weights = np.concatenate([b, 1.0 - b.sum(axis=1, keepdims=True)], axis=1)
    in_mesh = np.zeros(CANON_SIZE * CANON_SIZE, bool)
    in_mesh[inside] = True
    skin = skin_mask((CANON_SIZE, CANON_SIZE), template, float(np.ptp(template[:, 0])))
    skin &= in_mesh.reshape(CANON_SIZE, CANON_SIZE)
    # 2 px further from the eyes, brows, lips and the mesh's edge: the band-pass reaches a few
    # pixels, and what moves there (a swap keeps the target's own eyes and mouth) is not shading.
    skin = cv2.erode(skin.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    vertices = triangles.simplices[simplex[inside]]
    rows = np.repeat(np.arange(len(inside)), 3)
    interpolate = csr_matrix((weights.ravel(), (rows, vertices.ravel())), shape=(len(inside), _MESH))
    return _Unwrap(inside, interpolate, skin)


def unwrap_face(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The face of `image` (H×W×3 RGB or H×W grey uint8) with 468+ landmarks (N×2 pixels) mapped
    onto the mean face: (CANON_SIZE² float32 grey, the mesh's inside only (outside: its mean);
    CANON_SIZE² bool, the unwrapped pixels that came from inside the frame, a band-pass reach
    away from its edge — a face cut by the frame edge is compared on its visible part only)."""
    u = _unwrap()
    pts = landmarks[:_MESH, :2].astype(np.float32)
    map_x = np.full(CANON_SIZE * CANON_SIZE, -1.0, np.float32)
    map_y = np.full(CANON_SIZE * CANON_SIZE, -1.0, np.float32)
    inside = u.interpolate @ pts
    map_x[u.pixels] = inside[:, 0]
    map_y[u.pixels] = inside[:, 1]
    shape = (CANON_SIZE, CANON_SIZE)
    face = cv2.remap(
        image, map_x.reshape(shape), map_y.reshape(shape), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    grey = (cv2.cvtColor(face, cv2.COLOR_RGB2GRAY) if face.ndim == 3 else face).astype(np.float32).ravel()
    outside = np.ones(grey.size, bool)
    outside[u.pixels] = False
    grey[outside] = grey[u.pixels].mean()
    h, w = image.shape[:2]
    seen = (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1) & ~outside
    reach = 2 * int(math.ceil(BAND[0])) + 1
    in_frame = cv2.erode(seen.reshape(shape).astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    return grey.reshape(shape), in_frame


def shading_band(unwrapped: np.ndarray) -> np.ndarray:
    """The shading scale of an unwrapped face: difference of Gaussians at BAND."""
    return cv2.GaussianBlur(unwrapped, (0, 0), BAND[0]) - cv2.GaussianBlur(unwrapped, (0, 0), BAND[1])


def landmark_motion(a: np.ndarray, b: np.ndarray) -> float:
    """RMS change between two landmark sets (N×2), each centred and scaled to unit RMS radius:
    head turn, nod, tilt and expression together, free of position and size."""

    def normalised(p: np.ndarray) -> np.ndarray:
        p = p[:_MESH, :2].astype(np.float64)
        p = p - p.mean(axis=0)
        return p / max(float(np.sqrt((p**2).sum(axis=1).mean())), 1e-9)

    return float(np.sqrt(((normalised(a) - normalised(b)) ** 2).sum(axis=1).mean()))


@dataclass(frozen=True)
class PairMeasure:
    """Two frames GAP_S apart: how much their shading decorrelated, and how much the face moved."""

    ncc: float  # normalised cross-correlation of the band-passed skin
    motion: float  # landmark_motion
    # local correlation per unwrapped pixel (Gaussian window), for the report's map
    local: np.ndarray | None = field(default=None, compare=False, repr=False)


def measure_pair(
    earlier: np.ndarray, later: np.ndarray, motion: float, where: np.ndarray | None = None, *, with_map: bool = True
) -> PairMeasure:
    """Compare two band-passed unwrapped faces (CANON_SIZE², from `shading_band`) on the skin
    (and within `where`, CANON_SIZE² bool, when given). with_map=False: no local map (None)."""
    skin = _unwrap().skin if where is None else _unwrap().skin & where
    a, b = earlier[skin], later[skin]
    a, b = a - a.mean(), b - b.mean()
    ncc = float((a * b).sum() / math.sqrt(float((a * a).sum() * (b * b).sum()) + 1e-9))
    if not with_map:
        return PairMeasure(ncc, motion)
    blur = (0, 0)
    ab = cv2.GaussianBlur(earlier * later, blur, _MAP_BLUR)
    aa = cv2.GaussianBlur(earlier * earlier, blur, _MAP_BLUR)
    bb = cv2.GaussianBlur(later * later, blur, _MAP_BLUR)
    local = ab / np.sqrt(aa * bb + 1e-6)
    return PairMeasure(ncc, motion, local.astype(np.float32))


@dataclass(frozen=True)
class Calibration:
    """Camera footage's shading decorrelation at a given landmark motion:
    log(1 − ncc) = intercept + slope · log(motion)."""

    intercept: float
    slope: float
    meta: dict = field(default_factory=dict, compare=False)

    def expected(self, motion: npt.ArrayLike) -> np.ndarray:
        """Expected decorrelation 1 − ncc (in 0..2) at `motion`."""
        m = np.maximum(np.asarray(motion, np.float64), MIN_MOTION)
        return np.clip(np.exp(self.intercept + self.slope * np.log(m)), 1e-3, 2.0)


def log_ratios(pairs: Sequence[PairMeasure], calibration: Calibration) -> np.ndarray:
    """Per pair: log(observed decorrelation / camera footage's at that motion)."""
    observed = np.maximum(1.0 - np.array([p.ncc for p in pairs]), 1e-3)
    return np.log(observed) - np.log(calibration.expected([p.motion for p in pairs]))


def fit_calibration(pairs: Sequence[PairMeasure], bins: int = 10) -> tuple[float, float]:
    """The line through the per-decile medians of (log motion, log decorrelation) of real footage."""
    from faceforge.forensics.temporal import median_line

    motion = np.log(np.maximum([p.motion for p in pairs], MIN_MOTION))
    decorrelation = np.log(np.maximum(1.0 - np.array([p.ncc for p in pairs]), 1e-3))
    return median_line(motion, decorrelation, bins)


@cache
def load_calibration() -> Calibration:
    """The shipped calibration (`faceforge/data/detect/shading.json`)."""
    try:
        data = json.loads(resources.files("faceforge.data").joinpath("detect", _MODEL_FILE).read_text())
        return Calibration(float(data["intercept"]), float(data["slope"]), dict(data.get("meta", {})))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DependencyError(
            f"the shading signal's calibration faceforge/data/detect/{_MODEL_FILE} is missing or damaged "
            f"({exc}); reinstall faceforge or rebuild it with `python scripts/calibrate_shading.py`"
        ) from exc


def ratio_score(log_ratio: float) -> float:
    """Fakeness in 0..1 from the clip's median log ratio (0 = like camera footage)."""
    return float(1.0 / (1.0 + math.exp((log_ratio - LOG_RATIO_MID) / LOG_RATIO_SLOPE)))


@dataclass
class _Frame:
    time: float
    band: np.ndarray
    landmarks: np.ndarray
    grey: np.ndarray  # the unwrapped face
    in_frame: np.ndarray  # its pixels that came from inside the frame
    box: tuple[int, int, int, int]  # the face's landmark box in the frame, clipped to it
    pixels: np.ndarray  # the frame's pixels in that box


def _face_box(landmarks: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    left, top, right, bottom = landmark_box(landmarks)
    x0, y0 = max(math.floor(left), 0), max(math.floor(top), 0)
    x1, y1 = min(math.ceil(right), w), min(math.ceil(bottom), h)
    return x0, y0, max(x1, x0), max(y1, y0)


def _same_picture(earlier: _Frame, image: np.ndarray) -> bool:
    """Whether the earlier frame's face region is unchanged in `image` (a still shown as video)."""
    x0, y0, x1, y1 = earlier.box
    later = image[y0:y1, x0:x1]
    if later.shape != earlier.pixels.shape or later.size == 0:
        return False
    return cv2.norm(later, earlier.pixels, cv2.NORM_L1) / later.size < STILL_LEVEL  # mean |difference|


class ShadingTrack:
    """The shading signal's accumulator for one face track: frames in, a SignalScore out."""

    def __init__(self, calibration: Calibration, *, maps: bool = True) -> None:
        self.calibration = calibration
        self.maps = maps  # False: no picture for the report
        self.pairs: list[PairMeasure] = []
        self.pair_times: list[float] = []  # each pair's midpoint, seconds
        self.small = 0
        self.still = 0  # pairs in which the face did not move at all
        self.cut = 0  # pairs with under half the skin inside both frames
        self._recent: deque[_Frame] = deque()
        self._map_sum = np.zeros((CANON_SIZE, CANON_SIZE), np.float32)
        self._map_weight = np.zeros((CANON_SIZE, CANON_SIZE), np.float32)
        self._face: np.ndarray | None = None
        self._duration = (math.inf, -math.inf)

    def add(self, image: np.ndarray, face: Face, time_s: float) -> None:
        landmarks = face.landmarks_2d
        if float(np.ptp(landmarks[:_MESH, 0])) < MIN_FACE_PX:
            self.small += 1
            return
        self._duration = (min(self._duration[0], time_s), max(self._duration[1], time_s))
        grey, in_frame = unwrap_face(image, landmarks)
        points = landmarks[:_MESH, :2].copy()
        box = _face_box(points, image.shape)
        pixels = image[box[1] : box[3], box[0] : box[2]].copy()
        frame = _Frame(time_s, shading_band(grey), points, grey, in_frame, box, pixels)
        while self._recent and self._recent[0].time < time_s - GAP_S - GAP_TOLERANCE_S:
            self._recent.popleft()
        partner = min(self._recent, key=lambda f: abs(time_s - f.time - GAP_S), default=None)
        if partner is not None and abs(time_s - partner.time - GAP_S) <= GAP_TOLERANCE_S:
            where = partner.in_frame & frame.in_frame
            skin = _unwrap().skin
            if _same_picture(partner, image):
                self.still += 1
            elif (skin & where).sum() < MIN_VISIBLE_SKIN * skin.sum():
                self.cut += 1
            else:
                motion = landmark_motion(partner.landmarks, frame.landmarks)
                pair = measure_pair(partner.band, frame.band, motion, where, with_map=self.maps)
                if self.maps:
                    self._add_to_map(pair, partner.grey, where)
                self.pairs.append(PairMeasure(pair.ncc, pair.motion))
                self.pair_times.append(0.5 * (partner.time + time_s))
        self._recent.append(frame)

    def _add_to_map(self, pair: PairMeasure, grey: np.ndarray, where: np.ndarray) -> None:
        # Where the shading kept still: 1 where the local decorrelation is 0, 0 where it reaches
        # half of camera footage's at this motion or more (shading on camera does not move
        # everywhere at once, so a milder shortfall is no sign by itself).
        if pair.local is None:
            return
        expected = float(self.calibration.expected(pair.motion))
        self._map_sum += np.clip(1.0 - 2.0 * (1.0 - pair.local) / expected, 0.0, 1.0) * where
        self._map_weight += where
        if self._face is None:
            self._face = grey

    def glued_map(self) -> np.ndarray:
        """0..1 over the unwrapped face: 1 where the shading did not move at all between frames a
        second apart, 0 where it moved at least half as much as on camera footage (and off the skin)."""
        skin = cv2.GaussianBlur(_unwrap().skin.astype(np.float32), (0, 0), 1.5)
        return (self._map_sum / np.maximum(self._map_weight, 1.0) * skin).astype(np.float32)

    def local_scores(self, times: Sequence[float]) -> list[float | None]:
        """The score of the frame pairs centred within LOCAL_HALF_WINDOW_S of each time (seconds),
        as `result` scores the whole track; None where fewer than MIN_PAIRS pairs lie that close."""
        if not self.pairs:
            return [None] * len(times)
        ratios = log_ratios(self.pairs, self.calibration)
        medians = windowed_medians(self.pair_times, ratios, times, LOCAL_HALF_WINDOW_S, MIN_PAIRS)
        return [None if m is None else ratio_score(m) for m in medians]

    def result(self) -> SignalScore:
        n = len(self.pairs)
        if self.still > max(n, MIN_PAIRS // 2):
            return SignalScore(None, "the face does not change at all between frames (a still picture shown as video?)")
        if n < MIN_PAIRS:
            if self.small > n:
                return SignalScore(None, f"face narrower than {MIN_FACE_PX} px: too little shading to follow")
            if self.cut > n:
                return SignalScore(None, "the face is mostly outside the frame: too little skin to compare")
            seen = max(0.0, self._duration[1] - self._duration[0])
            return SignalScore(
                None,
                f"needs the face in view for about {GAP_S + MIN_PAIRS / 8:.1f} s or more "
                f"(frames {GAP_S:g} s apart to compare; seen for {seen:.1f} s)",
            )
        ratios = log_ratios(self.pairs, self.calibration)
        log_ratio = float(np.median(ratios))
        score = ratio_score(log_ratio)
        share = math.exp(log_ratio)
        if share < 1.0:
            finding = f"the shading on the skin shifted {100 * (1 - share):.0f} % less over a second than"
        else:
            finding = f"the shading on the skin shifted over a second as much as (ratio {share:.2f})"
        details = {
            "log_ratio": log_ratio,
            "pairs": float(n),
            "median_ncc": float(np.median([p.ncc for p in self.pairs])),
            "median_motion": float(np.median([p.motion for p in self.pairs])),
        }
        reason = finding + f" on real camera footage with the same motion ({n} frame pairs {GAP_S:g} s apart)"
        crop = None
        if self._face is not None:
            crop = cv2.cvtColor(np.clip(self._face, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2RGB)
        heatmap = self.glued_map() if self.maps else None
        return SignalScore(score, reason, details, crop=crop, heatmap=heatmap)


class ShadingSignal:
    """Track signal "shading": light and shadow on the skin, a second apart, in the face's own coordinates."""

    info = SignalInfo(
        name="shading",
        title="Shading over time",
        explanation=(
            "Unwraps the face onto a standard face shape in every frame and compares its pattern of light "
            "and shadow between frames a second apart. On camera, the shading shifts across the skin as the "
            "head turns and the expression moves; a face animated or swapped in from one photo carries that "
            "photo's shading glued to the skin. Each comparison is judged against real footage with the same "
            "amount of head and face motion. Flat, even lighting and a face that barely moves make it weak."
        ),
        map_legend=(
            "the face unwrapped onto a standard shape: where its shading stayed glued to the skin over a "
            "second (red = did not move, like a photo carried along; no colour = moved at least half as "
            "much as on camera footage)"
        ),
    )

    def __init__(self, calibration: Calibration | None = None) -> None:
        self._calibration = calibration

    def start(self, fps: float, *, maps: bool = True) -> ShadingTrack:
        """A new accumulator for one face track; `fps` is the rate frames will be fed at; maps:
        also build the report's picture of where the shading stayed glued to the skin."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return ShadingTrack(self._calibration or load_calibration(), maps=maps)
