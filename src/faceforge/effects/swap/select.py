"""Which faces: the source face (from one or several photos of one person) and the target faces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from faceforge.errors import InputError, NoFaceFound
from faceforge.faces.face import Face
from faceforge.faces.identity import SAME_PERSON_THRESHOLD, face_embedding, identity_distance
from faceforge.text import plural

#: Faces smaller than this (pixels, face height) give too little texture to swap.
MIN_SOURCE_PX = 40


@dataclass(frozen=True)
class SourceFace:
    """The person put into the target.

    image: the photo whose texture is used (the most frontal one), H×W×3 uint8 RGB.
    landmarks: 478×3 landmarks of that photo's face (averaged tracking passes).
    canonical: 478×3 pose-free face shape, averaged over every source photo.
    embedding: 128-d identity of the texture face.
    notes: what was chosen, for the user.
    """

    image: np.ndarray
    landmarks: np.ndarray
    canonical: np.ndarray
    embedding: np.ndarray
    notes: tuple[str, ...] = ()


def pick_face(faces: list[Face], name: str, index: int | None) -> tuple[Face, str]:
    """The face of one source photo: `index` (0 = largest), else the largest, with a note."""
    if not faces:
        raise NoFaceFound(name, "use a source photo where a face is clearly visible")
    if index is not None:
        if not 0 <= index < len(faces):
            raise InputError(
                f"{name}: --source-face {index} does not exist: {plural(len(faces), 'face')} found (0..{len(faces) - 1})"
            )
        return faces[index], ""
    note = ""
    if len(faces) > 1:
        note = f"{name}: {len(faces)} faces found; using #0 (the largest); choose another with --source-face N"
    return faces[0], note


def prepare_source(images: Sequence[tuple[np.ndarray, str]], face_index: int | None = None) -> SourceFace:
    """Combine photos of one person: the most frontal face gives the texture, the
    canonical shapes of all are averaged (for `SwapOptions.shape`)."""
    from faceforge.effects.animate.motion import face_state
    from faceforge.effects.animate.source import stable_landmarks
    from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer

    if not images:
        raise InputError("give at least one --source photo")
    analyzer = FaceAnalyzer(AnalyzeOptions(masks=False))
    chosen: list[tuple[np.ndarray, Face, str]] = []
    notes: list[str] = []
    try:
        for image, name in images:
            face, note = pick_face(analyzer.analyze(image), name, face_index)
            if face.height < MIN_SOURCE_PX:
                raise InputError(
                    f"{name}: the face is too small to swap ({face.height:.0f} px tall, need {MIN_SOURCE_PX}); use a closer photo"
                )
            chosen.append((image, face, name))
            if note:
                notes.append(note)
    finally:
        analyzer.close()
    frontal = min(range(len(chosen)), key=lambda i: chosen[i][1].pose.yaw ** 2 + chosen[i][1].pose.pitch ** 2)
    image, face, name = chosen[frontal]
    landmarks = stable_landmarks(image, face)
    canonicals = [
        face_state(landmarks if i == frontal else f.landmarks).canonical for i, (_, f, _) in enumerate(chosen)
    ]
    if len(chosen) > 1:
        notes.append(f"{len(chosen)} source photos: texture from {name} (the most frontal), face shape averaged")
    embedding = face_embedding(image, face.box)
    return SourceFace(image, landmarks, np.mean(canonicals, axis=0), embedding, tuple(notes))


def reference_embedding(image: np.ndarray, name: str) -> np.ndarray:
    """Identity embedding of the (largest) face of a --reference photo."""
    from faceforge.faces.analyzer import analyze

    faces = analyze(image, masks=False)
    if not faces:
        raise NoFaceFound(name, "the --reference photo must show the person to replace")
    return face_embedding(image, faces[0].box)


def choose_targets(image: np.ndarray, faces: list[Face], *, many: bool, reference: np.ndarray | None) -> list[Face]:
    """The faces of one still image to swap: the reference person's, all, or the largest."""
    if reference is not None:
        return [f for f, _ in map_targets(image, faces, [reference])]
    if many:
        return list(faces)
    return faces[:1]


def best_reference(image: np.ndarray, face: Face, references: Sequence[np.ndarray]) -> int | None:
    """Index of the reference person `face` is (the closest under the same-person threshold),
    or None when it is none of them."""
    e = face_embedding(image, face.box)
    dist = [identity_distance(e, r) for r in references]
    best = int(np.argmin(dist))
    return best if dist[best] < SAME_PERSON_THRESHOLD else None


def map_targets(image: np.ndarray, faces: list[Face], references: Sequence[np.ndarray]) -> list[tuple[Face, int]]:
    """--map in a still image: each face with the index of the reference person it is;
    faces that are nobody's are left out."""
    picks = [(f, best_reference(image, f, references)) for f in faces]
    return [(f, i) for f, i in picks if i is not None]


class MapSelector:
    """--map in a video: which reference person each track is, decided once per track."""

    def __init__(self, references: Sequence[np.ndarray]) -> None:
        self.references = list(references)
        self._decided: dict[int, int | None] = {}

    def select(self, image: np.ndarray, faces: list[Face]) -> list[tuple[Face, int]]:
        out = []
        for f in faces:
            tid = -1 if f.track_id is None else f.track_id
            if tid not in self._decided:
                self._decided[tid] = best_reference(image, f, self.references)
            if (reference := self._decided[tid]) is not None:
                out.append((f, reference))
        return out


class TrackSelector:
    """The same choice for a video, made once per track so it follows each person."""

    def __init__(self, *, many: bool, reference: np.ndarray | None) -> None:
        self.many = many
        self._reference = MapSelector([reference]) if reference is not None else None
        self._main: int | None = None

    def select(self, image: np.ndarray, faces: list[Face]) -> list[Face]:
        if self._reference is not None:
            return [f for f, _ in self._reference.select(image, faces)]
        if self.many:
            return list(faces)
        ids = [f.track_id for f in faces]
        if self._main not in ids and faces:
            self._main = faces[0].track_id  # the largest face present takes over
        return [f for f in faces if f.track_id == self._main][:1]
