"""Landmark smoothing with the One Euro filter (Casiez, Roussel & Vogel, CHI 2012).

A low-pass filter whose cutoff rises with speed: strong smoothing when a face
is still (no jitter), little lag when it moves fast. Applied to whole landmark
arrays at once. Positions are divided by the face size first, so one setting
behaves the same for a small and a large face.

Blinks pass through. A blink closes the lids in 100-150 ms and opens them in about twice
that (Kwon et al., "High-speed camera characterization of voluntary eye blinking kinematics",
J. R. Soc. Interface 2013): too fast for a filter tuned to still a face, which would halve its
depth (measured on a VoxCeleb clip at strength 0.6: the deepest closure went from 18 % to 48 %
of the open eye). So when the raw and filtered openness of an eye disagree by 25 % or more (a
blink, a wink, a widening of the eyes; tracker noise on a still eye stays far below), that eye's
lid contour takes the raw lids' shape, placed on the filtered eye corners so head jitter stays
filtered, until they agree within 8 % again; the filter goes on from the lids as shown, so they
do not lag behind when the eye reopens.
"""

from __future__ import annotations

import math

import numpy as np

from faceforge.faces import topology as t
from faceforge.faces.measures import eye_openness


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One Euro filter over arrays of any fixed shape.

    min_cutoff (Hz): smoothing at rest (lower = smoother, more lag).
    beta: how fast the cutoff rises with speed (higher = less lag in motion).
    d_cutoff (Hz): cutoff for the speed estimate.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 1.0, d_cutoff: float = 1.0) -> None:
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def set_state(self, x: np.ndarray) -> None:
        """Go on from `x` as the last output (same shape), keeping the speed estimate."""
        if self._x is None or np.shape(x) != self._x.shape:
            raise ValueError("set_state needs a filter that has run, and an array of its shape")
        self._x = np.asarray(x, dtype=np.float64).copy()

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None or self._t is None or t <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = _alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t
        return self._x.copy()


def filter_for_strength(strength: float) -> OneEuroFilter | None:
    """Map a user-facing strength in 0..1 to filter parameters (None = off).

    0.5 (default) gives min_cutoff 1.5 Hz: a still face's landmarks stop
    jittering while speech and head turns follow within a frame or two. Tuned on
    the shared talking-head clips with bench/faces.py (jitter vs. lag).
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"smoothing strength must be in 0..1, got {strength}")
    if strength == 0.0:
        return None
    min_cutoff = 10 ** (1.2 - 2.0 * strength)  # 0.5 → 1.6 Hz, 1.0 → 0.16 Hz
    return OneEuroFilter(min_cutoff=min_cutoff, beta=8.0, d_cutoff=1.0)


class LandmarkSmoother:
    """Smooths one face's 478×3 landmarks in face-size-normalised units."""

    def __init__(self, strength: float) -> None:
        self._filter = filter_for_strength(strength)
        self._lids_moving = [False, False]

    def __call__(self, landmarks: np.ndarray, t: float) -> np.ndarray:
        if self._filter is None:
            return landmarks
        xy = landmarks[:, :2]
        scale = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0))
        centre = xy.mean(axis=0)
        norm = landmarks.astype(np.float64).copy()
        norm[:, :2] -= centre
        norm /= scale
        # Filter the centre/scale and the shape separately: both in face units.
        packed = np.vstack([norm, [[centre[0] / scale, centre[1] / scale, math.log(scale)]]])
        out = self._filter(packed, t)
        if len(landmarks) > _LAST_MESH_POINT and _follow_raw_lids(out[:-1], norm, self._lids_moving):
            # The filter goes on from the lids as shown, so they do not lag after a blink.
            self._filter.set_state(out)
        s = math.exp(out[-1, 2])
        result = out[:-1] * s
        result[:, :2] += out[-1, :2] * s
        return result.astype(np.float32)

    def reset(self) -> None:
        self._lids_moving = [False, False]
        if self._filter is not None:
            self._filter.reset()


_LAST_MESH_POINT = 467
# Relative disagreement of raw and filtered eye openness that starts lid motion (a blink)
# and below which it ends; tracker noise on a still eye stays under the lower one.
_LIDS_MOVE, _LIDS_REST = 0.25, 0.08


def _follow_raw_lids(smoothed: np.ndarray, raw: np.ndarray, moving: list[bool]) -> bool:
    """Give each eye whose lids are moving (see the module docstring) the raw lids' shape,
    placed on the filtered eye corners. `moving`: per eye, updated in place (hysteresis).
    Changes `smoothed` in place; True if it changed any eye."""
    changed = False
    opened_s, opened_r = eye_openness(smoothed), eye_openness(raw)
    for i, (loop, corners) in enumerate(((t.right_eye(), t.RIGHT_EYE_CORNERS), (t.left_eye(), t.LEFT_EYE_CORNERS))):
        disagreement = abs(opened_s[i] - opened_r[i]) / max(opened_s[i], opened_r[i], 1e-6)
        moving[i] = disagreement >= (_LIDS_REST if moving[i] else _LIDS_MOVE)
        if not moving[i]:
            continue
        anchor_s = smoothed[list(corners), :2].mean(axis=0)
        anchor_r = raw[list(corners), :2].mean(axis=0)
        smoothed[loop, :2] = anchor_s + raw[loop, :2] - anchor_r
        changed = True
    return changed
