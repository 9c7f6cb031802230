"""`analyze_video(path)`: track every face through a video and group the tracks by person."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceforge.faces.face import Face
from faceforge.faces.tracker import FaceTracker, TrackerOptions

#: Identity embeddings sampled per track: at its start and then every N frames.
EMBED_EVERY = 45
MAX_EMBEDDINGS_PER_TRACK = 5


@dataclass
class TrackSummary:
    track_id: int
    first_frame: int
    last_frame: int
    frames: int = 0
    person: int = -1  # identity cluster; -1 when no embedding could be made
    embeddings: list[np.ndarray] = field(default_factory=list, repr=False)


@dataclass
class VideoAnalysis:
    """frames[i] lists the faces of frame i (with track ids); tracks by id."""

    path: Path
    fps: float
    frames: list[list[Face]]
    tracks: dict[int, TrackSummary]

    @property
    def persons(self) -> dict[int, list[int]]:
        """Identity cluster → its track ids."""
        out: dict[int, list[int]] = {}
        for tr in self.tracks.values():
            out.setdefault(tr.person, []).append(tr.track_id)
        return out


def track_frames(
    frames: Iterator[tuple[float, np.ndarray]], options: TrackerOptions = TrackerOptions()
) -> Iterator[tuple[np.ndarray, list[Face]]]:
    """Track faces through (time, image) pairs; yields (image, faces) per frame."""
    tracker = FaceTracker(options)
    try:
        for time, image in frames:
            yield image, tracker.update(image, time)
    finally:
        tracker.close()


def analyze_video(
    path: str | Path,
    options: TrackerOptions = TrackerOptions(),
    *,
    identities: bool = True,
    max_frames: int | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> VideoAnalysis:
    """Track all faces of a video file and cluster the tracks by identity.

    on_frame(i) is called after each frame (for progress bars).
    """
    from faceforge.faces.identity import cluster_identities, face_embedding
    from faceforge.media.video import probe_video, read_video

    info = probe_video(path)
    frames: list[list[Face]] = []
    tracks: dict[int, TrackSummary] = {}
    stream = ((f.time, f.image) for f in read_video(path, max_frames=max_frames))
    for index, (image, faces) in enumerate(track_frames(stream, options)):
        frames.append(faces)
        for face in faces:
            assert face.track_id is not None
            tr = tracks.setdefault(face.track_id, TrackSummary(face.track_id, index, index))
            tr.last_frame, tr.frames = index, tr.frames + 1
            due = (index - tr.first_frame) % EMBED_EVERY == 0
            if identities and due and len(tr.embeddings) < MAX_EMBEDDINGS_PER_TRACK:
                tr.embeddings.append(face_embedding(image, face.box))
        if on_frame is not None:
            on_frame(index)
    with_emb = [tr for tr in tracks.values() if tr.embeddings]
    if with_emb:
        means = [np.mean(tr.embeddings, axis=0) for tr in with_emb]
        for tr, label in zip(with_emb, cluster_identities(means)):
            tr.person = label
    return VideoAnalysis(Path(path), info.fps, frames, tracks)
