"""Identity preservation: does the output still show the same person?

Faces are found with dlib's HOG detector (largest face, one upsampling) and
embedded with dlib's ResNet encoder (`faceforge.faces.identity`); the score is
the Euclidean embedding distance, under 0.6 (`SAME_PERSON_THRESHOLD`) meaning
"same person".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from faceforge.errors import NoFaceFound
from faceforge.eval._detect import largest_face
from faceforge.faces.identity import (
    EMBEDDING_SIZE,
    _check_embedding,
    _check_image,
    face_embedding,
    identity_distance,
)

Box = tuple[float, float, float, float]


def image_embedding(image: np.ndarray, what: str = "image") -> np.ndarray:
    """128-d float32 embedding of the largest HOG face in `image` (H×W×3 uint8 RGB).

    Raises NoFaceFound(what) when the detector finds no face.
    """
    frame = _check_image(image, what)
    return face_embedding(frame, largest_face(frame, what))


def identity_distance_images(a_img: np.ndarray, b_img: np.ndarray) -> float:
    """Embedding distance (≥ 0; < 0.6 = same person) between the largest faces.

    a_img, b_img: H×W×3 uint8 RGB, any sizes.
    Raises NoFaceFound("a_img") or NoFaceFound("b_img") when one has no face.
    """
    return identity_distance(image_embedding(a_img, "a_img"), image_embedding(b_img, "b_img"))


def identity_distances(
    frames: Sequence[np.ndarray],
    reference: np.ndarray,
    *,
    boxes: Sequence[Box | None] | None = None,
    on_missing: Literal["nan", "raise"] = "nan",
) -> np.ndarray:
    """Distance of each frame's face to one reference embedding (e.g. a video vs its source).

    frames: N frames, each H×W×3 uint8 RGB.
    reference: 128-d embedding (from `image_embedding` or `faces.identity.face_embedding`).
    boxes: optional face box per frame (x0, y0, x1, y1 pixels, e.g. from a
        tracker); None, or a None entry, means "largest HOG face".
    on_missing: a frame without a face gives NaN ("nan", default) or raises
        NoFaceFound("frames[i]") ("raise").
    Returns an N float64 array of distances (NaN where no face was found).
    """
    ref = _check_embedding(reference, "reference")
    if ref.shape != (EMBEDDING_SIZE,):
        raise ValueError(f"reference must be a {EMBEDDING_SIZE}-d embedding, got shape {ref.shape}")
    if boxes is not None and len(boxes) != len(frames):
        raise ValueError(f"boxes must have one entry per frame: {len(boxes)} boxes, {len(frames)} frames")
    if on_missing not in ("nan", "raise"):
        raise ValueError(f"on_missing must be 'nan' or 'raise', got {on_missing!r}")
    out = np.full(len(frames), np.nan)
    for i, frame in enumerate(frames):
        what = f"frames[{i}]"
        image = _check_image(frame, what)
        box = boxes[i] if boxes is not None else None
        try:
            if box is None:
                box = largest_face(image, what)
        except NoFaceFound:
            if on_missing == "raise":
                raise
            continue
        out[i] = identity_distance(face_embedding(image, box), ref)
    return out


__all__ = ["image_embedding", "identity_distance_images", "identity_distances"]
