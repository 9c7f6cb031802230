"""Dense landmarks: the 478-point MediaPipe mesh for one face at a time.

MediaPipe's mesh graph has its own short-range detector, which misses small
faces. We give it a square crop centred on a face we already know about (from
the detector or from the previous frame), scaled so the face fills about half
of the crop, and map the landmarks back. Because the crop follows the face, a
video-mode graph keeps tracking inside it without re-detecting.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from faceforge.faces import _mediapipe
from faceforge.faces.detector import Box

CROP_SIZE = 256  # pixels the crop is resampled to before MediaPipe sees it
CROP_SCALE = 2.0  # crop side / face box side


def crop_window(box: Box, scale: float = CROP_SCALE) -> tuple[float, float, float]:
    """Square window (cx, cy, side) around a face box."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = max(box[2] - box[0], box[3] - box[1]) * scale
    return cx, cy, max(side, 8.0)


def _crop(image: np.ndarray, cx: float, cy: float, side: float, mirror: bool) -> np.ndarray:
    """Affine crop to CROP_SIZE². Outside the image: black, or with `mirror` the
    image reflected at its edge, which completes a face cut by the frame."""
    s = CROP_SIZE / side
    matrix = np.array([[s, 0, CROP_SIZE / 2 - s * cx], [0, s, CROP_SIZE / 2 - s * cy]], dtype=np.float64)
    interpolation = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    return cv2.warpAffine(
        image,
        matrix,
        (CROP_SIZE, CROP_SIZE),
        flags=interpolation,
        borderMode=cv2.BORDER_REFLECT_101 if mirror else cv2.BORDER_CONSTANT,
    )


class FaceLandmarker:
    """Landmarks for one face given a rough box. `video=True` keeps MediaPipe's
    tracking state between calls, so use one instance per tracked face."""

    def __init__(self, *, video: bool = False, min_score: float = 0.5) -> None:
        self.video = video
        self.min_score = min_score
        self._graph: Any = None

    def landmarks(self, image: np.ndarray, box: Box) -> np.ndarray | None:
        """478×3 float32 pixel landmarks of the face nearest the box centre, or None."""
        if self._graph is None:
            self._graph = _mediapipe.face_mesh(video=self.video, min_score=self.min_score)
        cx, cy, side = crop_window(box)
        h, w = image.shape[:2]
        cut = box[0] < 0 or box[1] < 0 or box[2] > w or box[3] > h
        result = self._graph.process(_crop(image, cx, cy, side, mirror=cut))
        if not result.multi_face_landmarks:
            return None
        lm = result.multi_face_landmarks[0].landmark
        pts = np.array([(p.x, p.y, p.z) for p in lm], dtype=np.float32)
        # Normalised crop coordinates → image pixels (z shares x's scale).
        pts[:, 0] = cx + (pts[:, 0] - 0.5) * side
        pts[:, 1] = cy + (pts[:, 1] - 0.5) * side
        pts[:, 2] *= side
        return pts

    def close(self) -> None:
        if self._graph is not None:
            self._graph.close()
            self._graph = None
