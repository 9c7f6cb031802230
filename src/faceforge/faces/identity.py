"""Face identity: 128-d dlib embeddings, distances and clustering.

The embedding is dlib's ResNet face encoder (King, "High quality face
recognition with deep metric learning", dlib blog 2017): the face is aligned by
dlib's 5-point shape predictor to a 150×150 chip, and the network maps it to a
128-d vector in which two photos of one person lie closer than
``SAME_PERSON_THRESHOLD`` (Euclidean).

Boxes may come from any detector. MediaPipe boxes (the extent of the 478 mesh
points, as in `Face.box`) are on average 0.94× as wide and 1.13× as tall as dlib
HOG boxes and centred 2 % higher, but the 5-point predictor hardly notices:
measured on the 61 deepface identity photos in the shared data, its points move
by 0.8 % of the eye distance on average (2 % at most) between the two boxes, and
pair accuracy is the same with either (also with a MediaPipe box remapped to
dlib's shape), so boxes are used as given.

Threshold: dlib's published 0.6, checked on the shared deepface identity
photos (largest HOG face per photo, no photo without a face). Tuning set: the
220 pairs of ``face-recognition-pivot.csv`` that are not in ``master.csv``:
0.6 scores 218/220 (99.1 %); the best range, 0.58-0.59, scores 219/220 - one
pair, not enough evidence to leave the published value. Held-out set: the 300
pairs of ``master.csv`` (38 same, 262 different): 0.6 scores 299/300 (99.7 %;
the miss is a same-person pair at 0.608). tests/faces/test_identity.py
re-measures it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from faceforge.faces import dlib_models
from faceforge.frames import check_rgb

if TYPE_CHECKING:
    from faceforge.faces.face import Face

EMBEDDING_SIZE = 128

# dlib's published decision threshold for the ResNet encoder (Euclidean distance).
SAME_PERSON_THRESHOLD = 0.6


def _check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Validate an H×W×3 uint8 RGB frame; return it C-contiguous (dlib needs that)."""
    return np.ascontiguousarray(check_rgb(image, name))


def _rectangle(box: tuple[float, float, float, float], name: str = "box") -> Any:
    """dlib.rectangle (inclusive corners) from an (x0, y0, x1, y1) float pixel box."""
    import dlib

    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be four numbers (x0, y0, x1, y1), got {box!r}") from exc
    if not all(np.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ValueError(f"{name} must be finite, got {box!r}")
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise ValueError(f"{name} must have x1 > x0 and y1 > y0 (at least 1 px), got {box!r}")
    return dlib.rectangle(round(x0), round(y0), round(x1) - 1, round(y1) - 1)


def _check_embedding(vec: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(vec, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a 1-D embedding, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def face_embedding(
    image: np.ndarray,
    box: tuple[float, float, float, float],
    *,
    num_jitters: int = 0,
) -> np.ndarray:
    """128-d identity embedding of the face inside `box`.

    image: H×W×3 uint8 RGB.
    box: (x0, y0, x1, y1) float pixels from any detector; may extend past the frame.
    num_jitters: 0 (default) embeds the aligned chip once; n > 1 averages n
        randomly jittered chips (about n times slower, slightly more stable).
    Returns a 128 float32 vector with unit-ish norm (compare with `identity_distance`).
    """
    frame = _check_image(image)
    rect = _rectangle(box)
    if num_jitters < 0:
        raise ValueError(f"num_jitters must be >= 0, got {num_jitters}")
    shape = dlib_models.shape_predictor_5()(frame, rect)
    # compute_face_descriptor aligns the 150×150 chip (padding 0.25) itself, the
    # same crop as dlib.get_face_chip; extracting the chip first gave identical
    # embeddings, so the one-call path is used.
    descriptor = dlib_models.face_encoder().compute_face_descriptor(frame, shape, num_jitters)
    return np.asarray(descriptor, dtype=np.float32)


def embed_face(image: np.ndarray, face: Face, *, num_jitters: int = 0) -> np.ndarray:
    """`face_embedding` of a detected `Face` (uses `face.box`)."""
    return face_embedding(image, face.box, num_jitters=num_jitters)


def identity_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two embeddings (same length); ≥ 0.

    Under ``SAME_PERSON_THRESHOLD`` (0.6) the two faces are probably one person.
    """
    va = _check_embedding(a, "a")
    vb = _check_embedding(b, "b")
    if va.shape != vb.shape:
        raise ValueError(f"a and b must have the same length, got {va.shape} and {vb.shape}")
    return float(np.linalg.norm(va - vb))


def same_person(a: np.ndarray, b: np.ndarray, threshold: float = SAME_PERSON_THRESHOLD) -> bool:
    """True when the embeddings are closer than `threshold` (Euclidean)."""
    return identity_distance(a, b) < threshold


def cluster_identities(
    embeddings: Sequence[np.ndarray],
    threshold: float = SAME_PERSON_THRESHOLD,
) -> list[int]:
    """Group embeddings by person: one label per embedding.

    Agglomerative clustering with average linkage (UPGMA) on Euclidean
    distances, cut where the mean distance between two groups reaches
    `threshold`. Labels are 0..k-1, numbered in order of first appearance.
    embeddings: N vectors of one length (128 for dlib); N may be 0.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    if threshold <= 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    vectors = [_check_embedding(e, f"embeddings[{i}]") for i, e in enumerate(embeddings)]
    if not vectors:
        return []
    if len({v.shape for v in vectors}) != 1:
        raise ValueError("embeddings must all have the same length")
    if len(vectors) == 1:
        return [0]
    tree = linkage(pdist(np.stack(vectors)), method="average")
    # fcluster keeps merges whose linkage distance is <= t; a pair exactly at the
    # threshold is "different" for same_person, so cut just below it.
    raw = fcluster(tree, t=np.nextafter(threshold, 0.0), criterion="distance")
    order: dict[int, int] = {}
    return [order.setdefault(int(c), len(order)) for c in raw]


__all__ = [
    "EMBEDDING_SIZE",
    "SAME_PERSON_THRESHOLD",
    "face_embedding",
    "embed_face",
    "identity_distance",
    "same_person",
    "cluster_identities",
]
