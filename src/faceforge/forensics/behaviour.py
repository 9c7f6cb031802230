"""Behaviour signal: does the face blink, turn and move like one rigid, living head?

Three sub-measures over a face track, each with its source:

* **Blinks** (Li, Chang & Lyu, "In Ictu Oculi", WIFS 2018: early deepfakes rarely blink). A
  blink is a run of frames whose eye openness (`Face.eye_openness`, the eye aspect ratio of
  Soukupová & Čech 2016) falls below 0.6 × the track's median. People blink about 17 times a
  minute at rest and 26 in conversation, 4.5 when reading (Bentivoglio et al., Mov. Disord.
  1997); we take 6/min as a conservative floor, and the blink sub-score is the Poisson
  probability of seeing *more* blinks than we saw at that floor rate: no blink in 10 s → 0.63,
  in 30 s → 0.95; several blinks → ≈0. Judged only on ≥ 10 s, where the floor expects at least
  one blink.
* **Head-pose consistency** (Yang, Li & Lyu, "Exposing deep fakes using inconsistent head
  poses", ICASSP 2019: a swap replaces the central face, so the pose fitted to the eyes, nose
  and mouth disagrees with the pose of the whole head). We fit the 3D mean face of
  `faceforge.faces.pose` separately to the central landmarks and to the outer ones (cheeks,
  forehead, jaw line) and measure how much their relative rotation *varies* over the track —
  a fixed offset is just this person's face shape. The sub-score rises from 0 at 1.5° to 1 at
  4.5° RMS variation (real clips of the TRAIN split, VoxCeleb2 at 224 px, vary 0.5-1.5°).
* **Landmark jitter**: generators and swaps render each frame on its own, so the face's rigid
  parts (nose, cheekbones, between the brows) tremble from frame to frame. After removing the
  head's similarity motion (Umeyama fit of each frame to the first), we take the second temporal
  difference of the face-size-normalised trajectories, a high-pass that white noise passes with
  gain √6 and that smooth motion barely passes; jitter = its median RMS / √6, as a fraction of
  the face width. The tracker's own noise grows with motion, so we also report it relative to
  the per-frame motion of those points. MediaPipe's noise on real web video (TRAIN split,
  VoxCeleb2 at 224 px, tracked unsmoothed at ~12 fps) is 0.13-0.43 % of the face width, median
  0.2 %; the sub-score rises from 0 at 0.3 % to 1 at 0.9 %.

The landmarks must be unsmoothed: the tracker's One Euro smoothing (`TrackerOptions.smoothing`,
0.5 by default) hides jitter and shallows blinks; track with `TrackerOptions(smoothing=0)`.
The signal's score is the highest of the sub-scores that could be judged (one implausible
behaviour is enough); pose and jitter use a logistic ramp (0.05 and 0.95 at the bounds below).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as _mc
from scipy.spatial import Delaunay
from scipy.special import pdtrc  # Poisson survival function (scipy.stats.poisson.sf without importing scipy.stats)

from faceforge.faces.face import Face
from faceforge.faces.pose import face_model, rigid_rotation
from faceforge.faces.topology import mesh_ids
from faceforge.forensics.signal import SignalInfo, SignalScore
from faceforge.geometry.alignment import fit_similarity

MIN_SECONDS = 2.0
_MAX_GAP_S = 0.5  # a longer gap without the face splits the track (no differences across it)

# Blinks.
_BLINK_CLOSED = 0.6  # closed: openness below this fraction of the track's median (open) level
_BLINK_FLOOR_PER_MIN = 6.0
_BLINK_MIN_SECONDS = 10.0
_MIN_OPEN_LEVEL = 0.12  # median openness below this: eyes hidden or shut, blinks not judged
_LONG_CLOSURE_S = 1.0

# Head pose: RMS variation of the central-vs-outer rotation, degrees.
_POSE_LOW, _POSE_HIGH = 1.5, 4.5
# Jitter: fraction of the face width.
_JITTER_LOW, _JITTER_HIGH = 0.003, 0.009


@cache
def pose_regions() -> tuple[np.ndarray, np.ndarray]:
    """(central, outer) landmark indices: inside / outside the hull of eyes, brows, nose and lips
    on the mean face. Both index the 468 mesh points (irises excluded)."""
    shape, _ = face_model()
    features = mesh_ids(
        _mc.FACEMESH_LEFT_EYE,
        _mc.FACEMESH_RIGHT_EYE,
        _mc.FACEMESH_LEFT_EYEBROW,
        _mc.FACEMESH_RIGHT_EYEBROW,
        _mc.FACEMESH_NOSE,
        _mc.FACEMESH_LIPS,
    )
    hull = Delaunay(shape[features, :2])
    inside = hull.find_simplex(shape[:468, :2]) >= 0
    return np.flatnonzero(inside), np.flatnonzero(~inside)


@cache
def rigid_points() -> np.ndarray:
    """Landmarks that move only with the skull: the mean face's rigid points (weight ≥ 0.9) at
    or above the nose tip and away from the eyelids (blinks) — nose, cheekbones, glabella."""
    shape, weights = face_model()
    eyes = mesh_ids(_mc.FACEMESH_LEFT_EYE, _mc.FACEMESH_RIGHT_EYE)
    eye_gap = np.linalg.norm(shape[33] - shape[263])
    to_eye = np.linalg.norm(shape[:468, None, :2] - shape[None, eyes, :2], axis=2).min(axis=1)
    upper = shape[:468, 1] <= shape[1, 1]  # y grows downwards; landmark 1 is the nose tip
    keep = (weights[:468] >= 0.9) & (to_eye > 0.2 * eye_gap) & upper
    return np.flatnonzero(keep)


@cache
def _rigid_radius_to_width() -> float:
    """RMS radius of the rigid points over the face width (x extent of the mesh), on the mean face."""
    shape, _ = face_model()
    pts = shape[rigid_points(), :2]
    radius = float(np.sqrt(((pts - pts.mean(axis=0)) ** 2).sum(axis=1).mean()))
    return radius / float(np.ptp(shape[:468, 0]))


def face_width_from_rigid(points: np.ndarray) -> float:
    """Face width (pixels) estimated from the rigid points (K×2): unlike the landmark box, it
    does not change when the mouth opens or the jaw line is mis-tracked."""
    radius = float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))
    return radius / _rigid_radius_to_width()


def rotation_angle(r: np.ndarray) -> np.ndarray:
    """Angle in degrees of rotation matrices (…×3×3)."""
    cos = (np.trace(r, axis1=-2, axis2=-1) - 1.0) / 2.0
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def mean_rotation(r: np.ndarray) -> np.ndarray:
    """Chordal L2 mean of rotations (n×3×3): the projection of their average onto SO(3)."""
    u, _, vt = np.linalg.svd(r.mean(axis=0))
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    return u @ np.diag([1.0, 1.0, d]) @ vt


@dataclass(frozen=True)
class Blinks:
    """Blinks found in an eye-openness trace."""

    count: int
    per_minute: float
    mean_duration_s: float
    max_duration_s: float
    long_closures: int  # closures longer than 1 s


def find_blinks(openness: np.ndarray, times: np.ndarray, seconds: float) -> Blinks | None:
    """Blinks in a trace of eye openness (n float, both eyes averaged) at `times` (n, seconds).

    None when the eyes are never clearly open (median openness below 0.12). A closure still
    running at either end of the trace counts (it is a blink cut by the clip).
    """
    level = float(np.median(openness))
    if level < _MIN_OPEN_LEVEL:
        return None
    closed = openness < _BLINK_CLOSED * level
    edges = np.diff(np.concatenate([[0], closed.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    durations = np.array([times[e - 1] - times[s] + dt for s, e in zip(starts, ends)])
    count = len(durations)
    return Blinks(
        count=count,
        per_minute=60.0 * count / max(seconds, 1e-9),
        mean_duration_s=float(durations.mean()) if count else 0.0,
        max_duration_s=float(durations.max()) if count else 0.0,
        long_closures=int((durations > _LONG_CLOSURE_S).sum()),
    )


def blink_fakeness(blinks: Blinks, seconds: float) -> float:
    """P(more blinks than seen | a person blinking at the floor rate of 6/min) — Poisson."""
    expected = _BLINK_FLOOR_PER_MIN * seconds / 60.0
    return float(pdtrc(blinks.count, expected))


def _soft(x: float, low: float, high: float) -> float:
    """A logistic ramp: 0.05 at `low`, 0.5 halfway, 0.95 at `high`. Unlike a clipped ramp it keeps
    the order of values outside [low, high], which the fusion can use."""
    mid, scale = (low + high) / 2.0, (high - low) / (2.0 * 2.944)  # logit(0.95) = 2.944
    return float(1.0 / (1.0 + np.exp(-(x - mid) / scale)))


def second_difference_rms(points: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per-frame RMS of x[t+1] − 2x[t] + x[t−1] over points and coordinates, divided by √6
    (= the noise σ for white noise), for frames whose two neighbours are about equally spaced.

    points: n×K×2; times: n seconds (one gap-free segment). Returns m float (m ≤ n − 2).
    """
    if len(points) < 3:
        return np.zeros(0)
    step = np.diff(times)
    even = np.abs(step[1:] - step[:-1]) <= 0.5 * np.minimum(step[1:], step[:-1])
    d2 = points[2:] - 2.0 * points[1:-1] + points[:-2]
    rms = np.sqrt((d2**2).mean(axis=(1, 2))) / np.sqrt(6.0)
    return rms[even]


def first_difference_rms(points: np.ndarray) -> np.ndarray:
    """Per-step RMS of x[t+1] − x[t] over points and coordinates, divided by √2. n×K×2 → n−1."""
    if len(points) < 2:
        return np.zeros(0)
    return np.sqrt((np.diff(points, axis=0) ** 2).mean(axis=(1, 2))) / np.sqrt(2.0)


def _segments(times: np.ndarray, max_gap: float) -> list[slice]:
    breaks = np.flatnonzero(np.diff(times) > max_gap) + 1
    bounds = np.concatenate([[0], breaks, [len(times)]])
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


@dataclass
class _BehaviourTrack:
    """Per-track state: per-frame measures (no images, no full meshes)."""

    fps: float
    times: list[float] = field(default_factory=list)
    openness: list[float] = field(default_factory=list)
    relative: list[np.ndarray] = field(default_factory=list)  # central·outerᵀ rotation, 3×3
    outer: list[np.ndarray] = field(default_factory=list)  # outer-region head rotation, 3×3
    aligned: list[np.ndarray] = field(default_factory=list)  # K×2 float32, similarity-aligned, face widths
    placed: list[np.ndarray] = field(default_factory=list)  # K×2 float32, frame position / face width
    _reference: np.ndarray | None = None

    def add(self, image: np.ndarray, face: Face, time_s: float) -> None:
        if self.times and time_s <= self.times[-1]:
            return
        lm = np.asarray(face.landmarks, dtype=np.float64)
        shape, weights = face_model()
        central, outer = pose_regions()
        r_central = rigid_rotation(shape[central], lm[central], weights[central])
        r_outer = rigid_rotation(shape[outer], lm[outer], weights[outer])

        pts = lm[rigid_points(), :2]
        size = face_width_from_rigid(pts)
        if size < 1e-6:
            return
        if self._reference is None:
            self._reference = (pts - pts.mean(axis=0)) / size
        aligned = fit_similarity(pts, self._reference).apply(pts)

        self.times.append(float(time_s))
        self.openness.append(float(np.mean(face.eye_openness)))
        self.relative.append(r_central @ r_outer.T)
        self.outer.append(r_outer)
        self.aligned.append(aligned.astype(np.float32))
        self.placed.append((pts / size).astype(np.float32))

    def result(self) -> SignalScore:
        times = np.asarray(self.times)
        if len(times) < 3:
            return SignalScore(None, _too_short(0.0))
        dt = float(np.median(np.diff(times)))
        segments = [s for s in _segments(times, max(_MAX_GAP_S, 2.5 * dt)) if s.stop - s.start >= 3]
        seconds = float(sum(times[s.stop - 1] - times[s.start] + dt for s in segments))
        if seconds < MIN_SECONDS:
            return SignalScore(None, _too_short(seconds), {"seconds": seconds})

        details: dict[str, float] = {"seconds": seconds, "fps": 1.0 / dt}
        scores: dict[str, float] = {}

        openness = np.asarray(self.openness)
        blinks = find_blinks(openness, times, seconds)
        if blinks is not None:
            details.update(
                blinks=float(blinks.count),
                blinks_per_minute=blinks.per_minute,
                blink_mean_s=blinks.mean_duration_s,
                blink_max_s=blinks.max_duration_s,
                long_closures=float(blinks.long_closures),
            )
            if seconds >= _BLINK_MIN_SECONDS:
                scores["blink"] = blink_fakeness(blinks, seconds)

        relative = np.stack(self.relative)
        outer = np.stack(self.outer)
        pose_var = float(np.sqrt(np.mean(rotation_angle(relative @ mean_rotation(relative).T) ** 2)))
        head_turn = float(np.sqrt(np.mean(rotation_angle(outer @ mean_rotation(outer).T) ** 2)))
        details.update(pose_inconsistency_deg=pose_var, head_rotation_deg=head_turn)
        scores["pose"] = _soft(pose_var, _POSE_LOW, _POSE_HIGH)

        aligned, placed = np.stack(self.aligned), np.stack(self.placed)
        jitter_parts = [second_difference_rms(aligned[s].astype(np.float64), times[s]) for s in segments]
        motion_parts = [first_difference_rms(placed[s].astype(np.float64)) for s in segments]
        jitter_all = np.concatenate(jitter_parts)
        motion_all = np.concatenate(motion_parts)
        if len(jitter_all):
            jitter = float(np.median(jitter_all))
            motion = float(np.median(motion_all))
            details.update(jitter=jitter, motion=motion, jitter_to_motion=jitter / max(motion, 1e-9))
            scores["jitter"] = _soft(jitter, _JITTER_LOW, _JITTER_HIGH)

        details.update({f"{k}_score": v for k, v in scores.items()})
        # One implausible behaviour is enough: the score is the worst sub-score.
        score = float(max(scores.values()))
        return SignalScore(score, _finding(scores, details), details)


def _too_short(seconds: float) -> str:
    return f"needs at least {MIN_SECONDS:.0f} s of video with the face visible (got {seconds:.1f} s)"


def _finding(scores: dict[str, float], details: dict[str, float]) -> str:
    parts = []
    if "blinks" in details:
        n = round(details["blinks"])
        parts.append(f"{n} blink{'' if n == 1 else 's'} in {details['seconds']:.0f} s")
    parts.append(f"pose disagreement {details['pose_inconsistency_deg']:.1f}°")
    if "jitter" in details:
        parts.append(f"landmark jitter {100 * details['jitter']:.2f} % of face width")
    worst = max(scores, key=lambda k: scores[k])
    lead = "unnatural " + worst if scores[worst] >= 0.5 else "natural behaviour"
    return f"{lead}: " + ", ".join(parts)


class BehaviourSignal:
    """Track signal "behaviour": blinks, head-pose consistency and landmark jitter."""

    info = SignalInfo(
        name="behaviour",
        title="Blinks, head pose and jitter",
        explanation=(
            "Looks at how the face behaves over time: whether it blinks at a human rate, whether the "
            "eyes-nose-mouth region turns together with the rest of the head, and whether the face's "
            "rigid parts tremble from frame to frame. Modern generators blink and move smoothly, and "
            "a shaky, blurry or low-resolution video makes real faces jitter too."
        ),
    )

    def start(self, fps: float, *, maps: bool = True) -> _BehaviourTrack:  # maps: this signal draws no picture
        """A new accumulator for one face track; `fps` is the rate frames will be fed at."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return _BehaviourTrack(float(fps))
