"""Face crops for the detection signals: the same face, aligned the same way, for every signal.

`aligned_face` maps five mesh points (iris centres, nose tip, mouth corners) onto a fixed
template with a similarity transform, so the eyes sit in the same place in every crop whatever
the head's roll and size. The template is the widely used 5-point ArcFace layout for a 112×112
crop (Deng et al. 2019): left eye (38.29, 51.70), right eye (73.53, 51.50), nose (56.03, 71.74),
mouth corners (41.55, 92.37) and (70.73, 92.20) — in image terms "left" is the viewer's left.
`context` > 1 zooms out around the template centre so the crop also holds the face's outline and
some background (a blending boundary lies there).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceforge.faces.face import Face
from faceforge.geometry.alignment import fit_similarity

# MediaPipe mesh indices: iris centres (viewer's left = person's right eye: 468), nose tip, mouth corners.
_POINTS = (468, 473, 1, 61, 291)
_TEMPLATE_112 = np.array(
    [[38.29, 51.70], [73.53, 51.50], [56.03, 71.74], [41.55, 92.37], [70.73, 92.20]], dtype=np.float64
)
_CENTRE_112 = np.array([56.0, 60.0])  # a little above the crop centre: the template's face centre


@dataclass(frozen=True)
class AlignedCrop:
    """An aligned face crop and the 2×3 affine matrix that maps frame pixels into it."""

    image: np.ndarray  # size×size×3 uint8 RGB
    matrix: np.ndarray  # 2×3 float64, frame → crop

    def to_frame(self, heatmap: np.ndarray, frame_shape: tuple[int, ...]) -> np.ndarray:
        """Warp a crop-sized float map back onto the frame (zero outside the crop)."""
        h, w = frame_shape[:2]
        size = self.image.shape[0]
        hm = cv2.resize(heatmap.astype(np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
        inverse = cv2.invertAffineTransform(self.matrix)
        # Warp only into the box the crop covers in the frame (the rest stays zero): a face
        # covers a small part of most frames, and this runs for every scored frame of a video.
        corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], np.float64) @ inverse.T
        x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 2, (w, h))
        out = np.zeros((h, w), np.float32)
        if x1 > x0 and y1 > y0:
            shifted = inverse - np.array([[0.0, 0.0, x0], [0.0, 0.0, y0]])
            out[y0:y1, x0:x1] = cv2.warpAffine(
                hm, shifted, (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
            )
        return out


def template_points(size: int, context: float) -> np.ndarray:
    """The five template points for a `size`×`size` crop zoomed out by `context`."""
    pts = (_TEMPLATE_112 - _CENTRE_112) / context + np.array([56.0, 56.0])
    return pts * (size / 112.0)


def alignment_matrix(face: Face, size: int, context: float) -> np.ndarray:
    """2×3 affine (similarity) mapping frame pixels to the aligned crop."""
    src = face.landmarks_2d[list(_POINTS)].astype(np.float64)
    sim = fit_similarity(src, template_points(size, context))
    return np.hstack([sim.scale * sim.rotation, sim.translation[:, None]])


def aligned_face(image: np.ndarray, face: Face, size: int = 128, context: float = 1.6) -> AlignedCrop:
    """The face in `image` aligned to the template, `size`×`size`, borders reflected.

    Downscaling uses area averaging (no aliasing); upscaling is bilinear. Signals that look at
    fine texture (frequency, noise) should also check `face_scale` so they know how much the face
    was resampled.
    """
    matrix = alignment_matrix(face, size, context)
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    source, m = image, matrix
    if scale < 0.5:
        # warpAffine does not area-average: shrink first so it resamples by at most 2×.
        pre = int(1.0 / (2.0 * scale))
        h, w = image.shape[:2]
        source = cv2.resize(image, (max(1, w // pre), max(1, h // pre)), interpolation=cv2.INTER_AREA)
        sx, sy = w / source.shape[1], h / source.shape[0]
        m = matrix @ np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], dtype=np.float64)
    flags = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    crop = cv2.warpAffine(source, m, (size, size), flags=flags, borderMode=cv2.BORDER_REFLECT_101)
    return AlignedCrop(crop, matrix)


def face_scale(face: Face, size: int = 128, context: float = 1.6) -> float:
    """Crop pixels per frame pixel for `aligned_face(…, size, context)`: > 1 means the face was upscaled."""
    m = alignment_matrix(face, size, context)
    return float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
