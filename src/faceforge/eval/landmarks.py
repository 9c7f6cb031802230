"""Landmark agreement measured with an independent model: dlib's 68 points.

faceforge tracks faces with MediaPipe; grading its output with MediaPipe would
let the pipeline mark its own homework, so evaluation uses dlib's 68-point
shape predictor (iBUG 300-W markup: 0-16 jaw, 17-26 brows, 27-35 nose,
36-41 / 42-47 eyes, 48-67 mouth).
"""

from __future__ import annotations

import numpy as np

from faceforge.eval._detect import largest_face
from faceforge.faces import dlib_models
from faceforge.faces.identity import _check_image, _rectangle

Box = tuple[float, float, float, float]

# Outer eye corners in the 68-point markup (0-based).
OUTER_EYE_CORNERS = (36, 45)


def dlib_landmarks(image: np.ndarray, box: Box | None = None) -> np.ndarray:
    """68×2 float32 (x, y) pixel landmarks of one face.

    image: H×W×3 uint8 RGB.
    box: (x0, y0, x1, y1) pixels of the face; None finds the largest face with
        dlib's HOG detector (NoFaceFound("image") when there is none).
    """
    frame = _check_image(image)
    if box is None:
        box = largest_face(frame, "image")
    shape = dlib_models.shape_predictor_68()(frame, _rectangle(box))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)


def _check_points(points: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.shape != (68, 2):
        raise ValueError(f"{name} must be 68×2 landmarks, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def landmark_error(pred68: np.ndarray, ref68: np.ndarray) -> float:
    """Mean point-to-point distance normalised by the reference's inter-ocular distance.

    pred68, ref68: 68×2 pixel landmarks (dlib / iBUG 300-W order).
    Inter-ocular distance = distance between the outer eye corners (points 36
    and 45) of `ref68`, the 300-W convention (Sagonas et al., "300 Faces
    In-the-Wild Challenge", IMAVIS 2016). Returns ≥ 0; 0.0 for identical
    points, roughly 0.02-0.05 for a good landmarker against ground truth.
    """
    pred = _check_points(pred68, "pred68")
    ref = _check_points(ref68, "ref68")
    iod = float(np.linalg.norm(ref[OUTER_EYE_CORNERS[0]] - ref[OUTER_EYE_CORNERS[1]]))
    if iod <= 0:
        raise ValueError("ref68 has coincident outer eye corners (points 36 and 45)")
    return float(np.linalg.norm(pred - ref, axis=1).mean() / iod)


def landmark_error_images(a: np.ndarray, b: np.ndarray) -> float:
    """`landmark_error` of the largest face in `a` against the largest face in `b`.

    a, b: H×W×3 uint8 RGB of the same size (points are compared in pixels, so
    they must share a frame; b is the reference). Raises NoFaceFound("a") /
    NoFaceFound("b") when a face is missing.
    """
    fa = _check_image(a, "a")
    fb = _check_image(b, "b")
    if fa.shape != fb.shape:
        raise ValueError(f"a and b must have the same shape, got {fa.shape} and {fb.shape}")
    pred = dlib_landmarks(fa, largest_face(fa, "a"))
    ref = dlib_landmarks(fb, largest_face(fb, "b"))
    return landmark_error(pred, ref)


__all__ = ["OUTER_EYE_CORNERS", "dlib_landmarks", "landmark_error", "landmark_error_images"]
