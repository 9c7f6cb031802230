"""`analyze(image)`: every face in a still image with landmarks, pose, openness and masks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from faceforge.faces.detector import FaceDetector, iou
from faceforge.faces.face import Face, FaceMasks
from faceforge.faces.landmarker import FaceLandmarker
from faceforge.faces.masks import PersonSegmenter, eyes_mask, face_mask, mouth_mask
from faceforge.faces.measures import eye_openness, landmark_box, mouth_openness
from faceforge.faces.pose import head_pose
from faceforge.frames import check_rgb


@dataclass(frozen=True)
class AnalyzeOptions:
    """max_faces: keep at most this many faces (the largest). min_score: detector
    confidence in 0..1. masks: also compute face/mouth/eyes/person masks. thorough: the
    detector also searches the mirror-padded border tile by tile with both models, which
    finds small faces cut by the frame edge; False searches the image's own tiles with the
    full-range model only: about half the time, and on the 200 marked portraits 210 of 214
    faces instead of 213 (the 3 lost are small faces cut by the edges of a group selfie) but
    no false face instead of 7 (`python bench/faces.py`)."""

    max_faces: int = 20
    min_score: float = 0.5
    masks: bool = True
    thorough: bool = True

    def __post_init__(self) -> None:
        if self.max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {self.max_faces}")
        if not 0.0 < self.min_score < 1.0:
            raise ValueError(f"min_score must be in (0, 1), got {self.min_score}")


def build_face(landmarks: np.ndarray, score: float, track_id: int | None = None) -> Face:
    """A Face record from landmarks (the measures every caller wants)."""
    return Face(
        box=landmark_box(landmarks),
        score=score,
        landmarks=landmarks,
        pose=head_pose(landmarks),
        eye_openness=eye_openness(landmarks),
        mouth_openness=mouth_openness(landmarks),
        track_id=track_id,
    )


def face_masks(face: Face, image: np.ndarray, person: np.ndarray | None = None) -> FaceMasks:
    shape = image.shape[:2]
    return FaceMasks(
        face=face_mask(face.landmarks, shape),
        mouth=mouth_mask(face.landmarks, shape),
        eyes=eyes_mask(face.landmarks, shape),
        person=person,
    )


def check_frame(image: np.ndarray, name: str = "image") -> np.ndarray:
    """Frames are H×W×3 uint8 RGB; raise a ValueError naming the parameter otherwise."""
    return check_rgb(image, name)


class FaceAnalyzer:
    """Holds the models for still-image analysis (loaded lazily, reused)."""

    def __init__(self, options: AnalyzeOptions = AnalyzeOptions()) -> None:
        self.options = options
        self.detector = FaceDetector(min_score=options.min_score)
        self.landmarker = FaceLandmarker(video=False, min_score=0.5)
        self.segmenter = PersonSegmenter()

    def analyze(self, image: np.ndarray) -> list[Face]:
        """Faces largest first, at most `options.max_faces`."""
        check_frame(image)
        faces: list[Face] = []
        for det in self.detector.detect(image, thorough=self.options.thorough):
            if len(faces) >= self.options.max_faces:
                break
            pts = self.landmarker.landmarks(image, det.box)
            if pts is None:
                continue
            face = build_face(pts, det.score)
            # Two detections of one face (tile seams) give the same mesh: keep one.
            if any(iou(face.box, f.box) > 0.5 for f in faces):
                continue
            faces.append(face)
        faces.sort(key=lambda f: (-f.width * f.height, f.box[0], f.box[1]))
        if self.options.masks and faces:
            person = self.segmenter.person_mask(image)
            faces = [Face(**{**f.__dict__, "masks": face_masks(f, image, person)}) for f in faces]
        return faces

    def close(self) -> None:
        self.detector.close()
        self.landmarker.close()
        self.segmenter.close()


@cache
def _shared_analyzer(options: AnalyzeOptions) -> FaceAnalyzer:
    return FaceAnalyzer(options)


def analyze(
    image: np.ndarray | str | Path,
    *,
    max_faces: int = 20,
    min_score: float = 0.5,
    masks: bool = True,
    thorough: bool = True,
) -> list[Face]:
    """Every face in a still image, largest first.

    image: H×W×3 uint8 RGB array, or a path to an image file (read with
    `faceforge.media.read_image`: EXIF orientation applied, any mode → RGB).
    thorough: see `AnalyzeOptions`. Returns [] when there is no face. Models are loaded once and reused.
    """
    if isinstance(image, (str, Path)):
        from faceforge.media.image import read_image

        image = read_image(image)
    return _shared_analyzer(AnalyzeOptions(max_faces, min_score, masks, thorough)).analyze(image)
