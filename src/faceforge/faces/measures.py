"""Scalar measures read off the mesh: eye and mouth openness.

Eye openness is the eye aspect ratio of Soukupová & Čech (2016): mean eyelid
gap over eye width, ≈0.25-0.35 for an open eye, below ≈0.12 during a blink.
Mouth openness is the same ratio for the inner lips.
"""

from __future__ import annotations

import numpy as np

from faceforge.faces import topology as t


def _aspect(pts: np.ndarray, corners: tuple[int, int], pairs: tuple[tuple[int, int], ...]) -> float:
    width = float(np.linalg.norm(pts[corners[0], :2] - pts[corners[1], :2]))
    if width < 1e-6:
        return 0.0
    gaps = [np.linalg.norm(pts[a, :2] - pts[b, :2]) for a, b in pairs]
    return float(np.mean(gaps) / width)


def eye_openness(landmarks: np.ndarray) -> tuple[float, float]:
    """(person's right eye, person's left eye) aspect ratios."""
    return (
        _aspect(landmarks, t.RIGHT_EYE_CORNERS, t.RIGHT_EYE_LIDS),
        _aspect(landmarks, t.LEFT_EYE_CORNERS, t.LEFT_EYE_LIDS),
    )


#: Below this openness an eye counts as already shut or squinting (nothing left to close).
EYE_SHUT = 0.12


def lid_closure(open_level: float, now: float, shut: float = 0.8) -> float:
    """How far an eye has closed, 0 (open) .. 1 (shut), from its openness `now` against its
    open level (`eye_openness` of the same eye open). The first 35 % of narrowing counts as
    open (a smile, a squint, tracker noise); `shut` narrowing and more is shut."""
    if open_level < EYE_SHUT:
        return 0.0
    return float(np.clip((1.0 - now / open_level - 0.35) / (shut - 0.35), 0.0, 1.0))


def mouth_openness(landmarks: np.ndarray) -> float:
    return _aspect(landmarks, t.INNER_MOUTH_CORNERS, t.INNER_LIP_PAIRS)


def landmark_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """Face box from the mesh extent (more stable than a detector box)."""
    xy = landmarks[:, :2]
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
