"""Soft masks of face regions, from the mesh, and of the person, from selfie segmentation.

All masks are H×W uint8 in 0..255 at the size of the analysed frame. Polygon
edges are feathered by a blur proportional to the face size, so effects that
use them blend without visible seams.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from faceforge.faces import _mediapipe
from faceforge.faces import topology as t


def _polygons_mask(shape: tuple[int, ...], polygons: list[np.ndarray], feather: float) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(p * 4).astype(np.int32) for p in polygons], 255, cv2.LINE_AA, shift=2)
    if feather >= 0.5:
        k = int(feather * 3) | 1
        mask = cv2.GaussianBlur(mask, (k, k), feather)
    return mask


def _face_size(landmarks: np.ndarray) -> float:
    xy = landmarks[:, :2]
    return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])))


def face_mask(landmarks: np.ndarray, shape: tuple[int, ...], feather: float = 0.01) -> np.ndarray:
    """Face oval (forehead to chin, cheek to cheek). `feather` is relative to face size."""
    return _polygons_mask(shape, [landmarks[t.face_oval(), :2]], feather * _face_size(landmarks))


def mouth_mask(landmarks: np.ndarray, shape: tuple[int, ...], feather: float = 0.005) -> np.ndarray:
    """Mouth interior: inside the inner lip contour (empty when the lips are closed)."""
    return _polygons_mask(shape, [landmarks[t.inner_lips(), :2]], feather * _face_size(landmarks))


def eyes_mask(landmarks: np.ndarray, shape: tuple[int, ...], feather: float = 0.005) -> np.ndarray:
    """Both eye openings (inside the eyelid contours)."""
    polys = [landmarks[t.right_eye(), :2], landmarks[t.left_eye(), :2]]
    return _polygons_mask(shape, polys, feather * _face_size(landmarks))


class PersonSegmenter:
    """Person/background from MediaPipe selfie segmentation (lazy graph)."""

    def __init__(self) -> None:
        self._graph: Any = None

    def person_mask(self, image: np.ndarray) -> np.ndarray:
        """H×W uint8, 255 = person."""
        if self._graph is None:
            self._graph = _mediapipe.selfie_segmentation()
        result = self._graph.process(np.ascontiguousarray(image))
        return np.clip(result.segmentation_mask * 255.0 + 0.5, 0, 255).astype(np.uint8)

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
