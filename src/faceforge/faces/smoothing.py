"""Landmark smoothing with the One Euro filter (Casiez, Roussel & Vogel, CHI 2012).

A low-pass filter whose cutoff rises with speed: strong smoothing when a face
is still (no jitter), little lag when it moves fast. Applied to whole landmark
arrays at once. Positions are divided by the face size first, so one setting
behaves the same for a small and a large face.
"""

from __future__ import annotations

import math

import numpy as np


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

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._x is None or self._t is None or t <= self._t:
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
        s = math.exp(out[-1, 2])
        result = out[:-1] * s
        result[:, :2] += out[-1, :2] * s
        return result.astype(np.float32)

    def reset(self) -> None:
        if self._filter is not None:
            self._filter.reset()
