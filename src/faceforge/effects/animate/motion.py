"""Motion transfer: what a driving face does, relative to a reference frame, applied to a source face.

Each face's 478 landmarks are split by a weighted 3D similarity fit to the mean
face (`faceforge.faces.pose.face_model`) into a head pose (rotation, scale,
translation) and a canonical shape (the landmarks with the pose undone). The
driving motion at frame t is relative to a driving reference frame r:

    rotation R_t·R_rᵀ, scale s_t/s_r, translation (t_t − t_r)/s_r, expression C_t − C_r

and the source face gets them on top of its own pose and canonical shape, so
a source face keeps its own shape and position (FOMM's "relative motion",
Siarohin et al. 2019). Expression deltas are rescaled per axis by the ratio of
the two faces' canonical extents, so a wide face is not squeezed by a narrow one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

from faceforge.faces import topology as t
from faceforge.faces.pose import face_model
from faceforge.geometry.alignment import Similarity, fit_similarity

Region = Literal["all", "expression", "pose", "eyes", "lips"]
REGIONS: tuple[str, ...] = ("all", "expression", "pose", "eyes", "lips")


@dataclass(frozen=True)
class FaceState:
    """A face split into head pose and canonical (pose-free, unit-scale) shape."""

    pose: Similarity  # canonical → image pixels (3D)
    canonical: np.ndarray  # 478×3


def face_state(landmarks: np.ndarray) -> FaceState:
    shape, weights = face_model()
    pose = fit_similarity(shape, landmarks.astype(np.float64), weights)
    return FaceState(pose, pose.inverse_apply(landmarks.astype(np.float64)))


@dataclass(frozen=True)
class MotionFrame:
    """Motion of one frame relative to the reference. `present` is False for frames
    where the driving face was not found (then the motion is held / eased to rest)."""

    rotation: np.ndarray  # 3×3
    translation: np.ndarray  # 2, in units of the reference face scale
    scale: float
    expression: np.ndarray  # 478×3 canonical delta
    present: bool = True

    @staticmethod
    def rest() -> MotionFrame:
        return MotionFrame(np.eye(3), np.zeros(2), 1.0, np.zeros((478, 3)), True)


def canonical_extent(state: FaceState) -> np.ndarray:
    """Width and height of the canonical face (what expression deltas are scaled by)."""
    return np.ptp(state.canonical[:468, :2], axis=0)


def relative_motion(frame: FaceState, reference: FaceState) -> MotionFrame:
    rot = frame.pose.rotation @ reference.pose.rotation.T
    trans = (frame.pose.translation[:2] - reference.pose.translation[:2]) / reference.pose.scale
    return MotionFrame(rot, trans, frame.pose.scale / reference.pose.scale, frame.canonical - reference.canonical)


def blend(a: MotionFrame, b: MotionFrame, w: float) -> MotionFrame:
    """(1−w)·a + w·b, rotations interpolated on the sphere."""
    ra, rb = Rotation.from_matrix(a.rotation), Rotation.from_matrix(b.rotation)
    rot = (ra * Rotation.from_rotvec(w * (ra.inv() * rb).as_rotvec())).as_matrix()
    return MotionFrame(
        rot,
        (1 - w) * a.translation + w * b.translation,
        float((1 - w) * a.scale + w * b.scale),
        (1 - w) * a.expression + w * b.expression,
        True,
    )


def fill_missing(motions: list[MotionFrame], fps: float, hold_s: float = 0.3, ease_s: float = 0.6) -> list[MotionFrame]:
    """Frames without a driving face: hold the last motion, then ease back to rest."""
    out: list[MotionFrame] = []
    last, missing = MotionFrame.rest(), 0
    hold, ease = int(round(hold_s * fps)), max(1, int(round(ease_s * fps)))
    for m in motions:
        if m.present:
            last, missing = m, 0
            out.append(m)
            continue
        missing += 1
        w = min(1.0, max(0.0, (missing - hold) / ease))
        w = w * w * (3 - 2 * w)  # smoothstep
        out.append(replace(blend(last, MotionFrame.rest(), w), present=False))
    return out


@dataclass(frozen=True)
class TransferOptions:
    """pose / expression: multipliers (0 = none, 1 = as driven). region: which part moves."""

    pose: float = 1.0
    expression: float = 1.0
    region: Region = "all"

    def __post_init__(self) -> None:
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, got {self.region!r}")
        if not (0.0 <= self.pose <= 3.0 and 0.0 <= self.expression <= 3.0):
            raise ValueError("pose and expression multipliers must be in 0..3")


def _region_weights(canonical: np.ndarray, region: Region) -> np.ndarray:
    """Per-landmark weight of the expression delta for a region: smooth vertical
    ramps between the eyes and the nose tip (canonical y points down the face)."""
    if region in ("all", "expression"):
        return np.ones(len(canonical))
    if region == "pose":
        return np.zeros(len(canonical))
    y = canonical[:, 1]
    eye_y = canonical[list(t.RIGHT_EYE_CORNERS + t.LEFT_EYE_CORNERS), 1].mean()
    nose_y = canonical[t.NOSE_TIP, 1]
    mouth_y = canonical[list(t.MOUTH_CORNERS), 1].mean()
    if region == "eyes":  # brows, lids, irises: everything above the middle of the nose
        mid = (eye_y + nose_y) / 2
        return np.clip((mid - y) / (0.5 * (mid - eye_y)), 0.0, 1.0)
    # lips: lips, jaw and chin, everything below the nose tip
    return np.clip((y - nose_y) / (0.5 * (mouth_y - nose_y)), 0.0, 1.0)


class MotionTransfer:
    """Applies driving motion to one source face."""

    def __init__(
        self, source_landmarks: np.ndarray, reference_extent: np.ndarray, options: TransferOptions = TransferOptions()
    ):
        """reference_extent: `canonical_extent` of the driving reference face."""
        self.source = face_state(source_landmarks)
        self.options = options
        src_ext = canonical_extent(self.source)
        self.axis_ratio = np.array([src_ext[0] / reference_extent[0], src_ext[1] / reference_extent[1], 1.0])
        self.weights = _region_weights(self.source.canonical, options.region)[:, None]

    def target_landmarks(self, motion: MotionFrame) -> np.ndarray:
        """478×3 landmarks of the source face moved by `motion` (image pixels)."""
        o = self.options
        k_pose = 0.0 if o.region in ("expression", "eyes", "lips") else o.pose
        k_expr = 0.0 if o.region == "pose" else o.expression
        canonical = self.source.canonical + k_expr * self.weights * motion.expression * self.axis_ratio
        rotvec = Rotation.from_matrix(motion.rotation).as_rotvec() * k_pose
        rot = Rotation.from_rotvec(rotvec).as_matrix() @ self.source.pose.rotation
        scale = self.source.pose.scale * motion.scale**k_pose
        trans = self.source.pose.translation.copy()
        trans[:2] += k_pose * motion.translation * self.source.pose.scale
        # Rotate about the face's own centre, not the canonical origin.
        return (scale * canonical @ rot.T + trans).astype(np.float32)


def choose_reference(states: list[FaceState | None], source: FaceState) -> int:
    """The driving frame whose pose and expression are closest to the source
    (Avatarify's reference search): smallest canonical-shape distance plus head-angle difference."""
    best, best_cost = 0, np.inf
    src_rot = Rotation.from_matrix(source.pose.rotation)
    src_shape = source.canonical - source.canonical.mean(axis=0)
    for i, st in enumerate(states):
        if st is None:
            continue
        shape = st.canonical - st.canonical.mean(axis=0)
        angle = (Rotation.from_matrix(st.pose.rotation) * src_rot.inv()).magnitude()
        cost = float(np.abs(shape[:468] - src_shape[:468]).mean()) + 0.05 * angle
        if cost < best_cost:
            best, best_cost = i, cost
    return best
