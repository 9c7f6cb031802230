"""Head pose from the mesh: a weighted rigid fit of a 3D mean face to the landmarks.

The mean face (`faceforge/data/face_model.npz`, 478×3 plus per-point weights)
is built by `scripts/build_face_model.py` with generalised Procrustes analysis
over real frontal frames and then made left/right symmetric. The fit is the
closed-form similarity alignment of Umeyama (1991), which under MediaPipe's
weak-perspective landmarks gives the head rotation directly.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from faceforge.faces.face import HeadPose


@cache
def face_model() -> tuple[np.ndarray, np.ndarray]:
    """(mean shape 478×3 float64, centred, unit RMS; rigidity weights 478 in 0..1)."""
    with resources.files("faceforge.data").joinpath("face_model.npz").open("rb") as fh:
        data = np.load(fh)
        return data["shape"].astype(np.float64), data["weights"].astype(np.float64)


#: Iris mirror pairs: both rings run right, top, left, bottom around their centre.
_IRIS_MIRROR = {468: 473, 469: 476, 470: 475, 471: 474, 472: 477}


@cache
def mirror_index() -> np.ndarray:
    """(478,) int: each landmark's partner across the face's midline (itself on the midline),
    from the left/right symmetric mean face; the irises from their ring order."""
    shape, _ = face_model()
    flipped = shape[:468] * np.array([-1.0, 1.0, 1.0])
    dist = np.linalg.norm(flipped[:, None, :] - shape[None, :468, :], axis=2)
    index = np.concatenate([dist.argmin(axis=1), np.arange(468, 478)])
    for a, b in _IRIS_MIRROR.items():
        index[a], index[b] = b, a
    return index


def rigid_rotation(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Rotation R (3×3, det +1) minimising Σ w‖R·s + t − c·target‖² (Kabsch/Umeyama)."""
    w = weights / weights.sum()
    s = source - w @ source
    t = target - w @ target
    cov = (t * w[:, None]).T @ s
    u, _, vt = np.linalg.svd(cov)
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def rotation_to_pose(r: np.ndarray) -> HeadPose:
    """Yaw/pitch/roll in degrees from a model→image rotation (x right, y down, z away)."""
    forward = r @ np.array([0.0, 0.0, -1.0])  # the nose points at the camera at rest
    side = r @ np.array([1.0, 0.0, 0.0])
    yaw = np.degrees(np.arctan2(forward[0], -forward[2]))
    pitch = np.degrees(np.arctan2(-forward[1], np.hypot(forward[0], forward[2])))
    roll = np.degrees(np.arctan2(side[1], side[0]))
    return HeadPose(yaw=float(yaw), pitch=float(pitch), roll=float(roll))


def head_pose(landmarks: np.ndarray) -> HeadPose:
    """Head pose of a face from its 478×3 pixel landmarks."""
    shape, weights = face_model()
    r = rigid_rotation(shape, landmarks[: len(shape)].astype(np.float64), weights)
    return rotation_to_pose(r)
