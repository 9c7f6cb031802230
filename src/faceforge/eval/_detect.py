"""Independent face finding for evaluation: dlib's HOG detector, largest face.

Evaluation deliberately does not use faceforge's own (MediaPipe) detector, so a
benchmark does not grade the pipeline with the pipeline's own eyes.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceforge.errors import NoFaceFound
from faceforge.faces import dlib_models
from faceforge.faces.identity import _check_image

Box = tuple[float, float, float, float]

# HOG with one upsampling finds faces down to about 40 px; on a 4000 px photo
# that costs seconds, so large frames are searched at this size (their faces are
# large too) and the box is scaled back.
DETECT_MAX_SIDE = 1280
_CONFIDENT_FRACTION = 0.5


def hog_faces(
    image: np.ndarray, *, upsample: int = 1, max_side: int | None = DETECT_MAX_SIDE
) -> list[tuple[Box, float]]:
    """All HOG faces as (box, score), largest box first.

    image: H×W×3 uint8 RGB. Boxes are (x0, y0, x1, y1) float pixels of `image`;
    scores are the detector's SVM margins (> 0; ~1+ for a clear frontal face).
    max_side: search a copy shrunk to this longest side (None: full size).
    """
    frame = _check_image(image)
    h, w = frame.shape[:2]
    scale = 1.0
    if max_side is not None and max(h, w) > max_side:
        scale = max_side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        frame = np.ascontiguousarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
    rects, scores, _ = dlib_models.hog_detector().run(frame, upsample, 0.0)
    # dlib rectangles have inclusive right/bottom corners.
    found = [
        ((r.left() / scale, r.top() / scale, (r.right() + 1) / scale, (r.bottom() + 1) / scale), float(s))
        for r, s in zip(rects, scores)
    ]
    return sorted(found, key=lambda f: (f[0][2] - f[0][0]) * (f[0][3] - f[0][1]), reverse=True)


def largest_face(
    image: np.ndarray,
    what: str = "image",
    *,
    upsample: int = 1,
    max_side: int | None = DETECT_MAX_SIDE,
) -> Box:
    """Box of the largest confident HOG face; NoFaceFound(what) when there is none.

    "Confident" = score at least half the best score in the frame: weak hits
    (a mission patch on the astronaut sample scores 0.12 next to her face's
    1.16, at nearly the same size) do not win on size alone.
    """
    found = hog_faces(image, upsample=upsample, max_side=max_side)
    if not found:
        raise NoFaceFound(what, "dlib's HOG detector found no frontal face")
    floor = _CONFIDENT_FRACTION * max(score for _, score in found)
    return next((box for box, score in found if score >= floor), found[0][0])
