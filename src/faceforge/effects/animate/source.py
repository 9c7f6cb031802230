"""The source photo: its faces, stable landmarks and the renderer that moves them."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceforge.effects.animate.synthesis import FrameRenderer
from faceforge.errors import InputError, NoFaceFound
from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer
from faceforge.faces.face import Face
from faceforge.faces.landmarker import FaceLandmarker
from faceforge.text import plural

#: Faces smaller than this (pixels, face height) cannot be animated convincingly.
MIN_FACE_PX = 40


@dataclass
class SourceRig:
    image: np.ndarray  # possibly downscaled to the output cap
    faces: list[Face]  # the faces that will move
    landmarks: list[np.ndarray]  # stabilised 478×3 per face
    renderer: FrameRenderer
    note: str = ""  # e.g. "3 faces found; animating #0 (the largest)"


def stable_landmarks(image: np.ndarray, face: Face, passes: int = 6) -> np.ndarray:
    """Landmarks of a still face averaged over repeated tracking passes.

    One MediaPipe pass jitters by ~0.5 px (2 px on the brows) with the crop it
    is given; driving landmarks come from tracking, so the source is measured
    the same way and averaged, which keeps brows and lips from twitching.
    """
    landmarker = FaceLandmarker(video=True)
    runs = []
    box = face.box
    for _ in range(passes):
        pts = landmarker.landmarks(image, box)
        if pts is not None:
            runs.append(pts)
    landmarker.close()
    return np.mean(runs[1:] or runs or [face.landmarks], axis=0).astype(np.float32)


def prepare_source(
    image: np.ndarray, *, name: str, face_index: int | None, all_faces: bool, max_size: int
) -> SourceRig:
    h, w = image.shape[:2]
    if max(h, w) > max_size:
        s = max_size / max(h, w)
        image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    analyzer = FaceAnalyzer(AnalyzeOptions(masks=True))
    faces = analyzer.analyze(image)
    analyzer.close()
    if not faces:
        raise NoFaceFound(name, "use a photo where a face is clearly visible")
    note = ""
    if all_faces:
        chosen = faces
    elif face_index is not None:
        if not 0 <= face_index < len(faces):
            found = f"{plural(len(faces), 'face')} found (0..{len(faces) - 1})"
            raise InputError(f"{name}: --face {face_index} does not exist: {found}")
        chosen = [faces[face_index]]
    else:
        chosen = [faces[0]]
        if len(faces) > 1:
            note = f"{len(faces)} faces found; animating #0 (the largest); use --face N or --all-faces"
    small = [i for i, f in enumerate(chosen) if f.height < MIN_FACE_PX]
    if small and len(small) == len(chosen):
        raise InputError(
            f"{name}: the face is too small to animate ({chosen[0].height:.0f} px tall, need {MIN_FACE_PX}); "
            "use a closer or larger photo"
        )
    chosen = [f for f in chosen if f.height >= MIN_FACE_PX]
    landmarks = [stable_landmarks(image, f) for f in chosen]
    person = chosen[0].masks.person if chosen[0].masks is not None else None
    return SourceRig(image, chosen, landmarks, FrameRenderer(image, landmarks, person), note)
