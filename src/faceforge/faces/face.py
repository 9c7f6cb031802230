"""The `Face` record that every stage of faceforge passes around.

Coordinates are pixels of the analysed frame: x to the right, y down, origin at
the top-left corner of the top-left pixel. Landmark z is MediaPipe's relative
depth scaled to pixels (same scale as x; smaller = closer to the camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees: yaw (+ = turned to the image's right),
    pitch (+ = looking up), roll (+ = head tilted clockwise in the image)."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class FaceMasks:
    """Soft masks, each H×W uint8 in 0..255, same size as the analysed frame."""

    face: np.ndarray
    mouth: np.ndarray
    eyes: np.ndarray
    person: np.ndarray | None = None  # selfie segmentation; None when not computed


@dataclass(frozen=True)
class Face:
    """One face in one frame.

    box: (x0, y0, x1, y1) float pixels, from the landmarks' extent.
    score: detector confidence in 0..1.
    landmarks: 478×3 float32 (MediaPipe face mesh with irises), pixels.
    pose: head pose from fitting a 3D face model to the landmarks.
    eye_openness: (right eye, left eye) of the *person*, eyelid gap / eye width (≈0.25-0.35 open, <0.1 closed).
    mouth_openness: inner-lip gap / mouth width (0 closed, ≈0.5+ wide open).
    track_id: stable id across frames of a video; None for a still image.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray
    pose: HeadPose
    eye_openness: tuple[float, float]
    mouth_openness: float
    track_id: int | None = None
    masks: FaceMasks | None = field(default=None, compare=False, repr=False)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    @property
    def landmarks_2d(self) -> np.ndarray:
        """478×2 float32 pixel coordinates."""
        return self.landmarks[:, :2]
