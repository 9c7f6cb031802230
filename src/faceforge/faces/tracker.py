"""Face tracking in video: stable ids, re-detection, smoothed landmarks.

Each track owns a video-mode landmarker that follows its face in a crop that
moves with it, so the expensive detector runs only every `detect_every`
frames (to pick up new faces), when a track loses its face, and on every frame
while no face is tracked. A track that
misses its face for `max_missed` frames ends; a face found again later gets a
new id unless its position matches a recently lost track.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Literal

import numpy as np

from faceforge.faces.analyzer import build_face, check_frame
from faceforge.faces.detector import Box, FaceDetector, iou
from faceforge.faces.face import Face
from faceforge.faces.landmarker import FaceLandmarker
from faceforge.faces.measures import landmark_box
from faceforge.faces.smoothing import LandmarkSmoother


@dataclass(frozen=True)
class TrackerOptions:
    """max_faces: faces tracked at once. smoothing: One Euro strength 0..1 (0 = raw).
    detect_every: frames between searches for new faces. max_missed: frames a
    track survives without its face (it is re-detected meanwhile). newcomer_tiles:
    whether the periodic search for new faces, while faces are being followed, also
    runs the detector tile by tile (~100 ms a frame at 720p); without, it finds only
    faces taller than `FaceDetector.SMALL_FACE` of the frame's longer side. A frame
    with no face followed is always searched with tiles — without newcomer tiles, only
    when the whole-image passes find no face there (the first frame of a video with a
    big face then costs 2 detector runs instead of ~30)."""

    max_faces: int = 20
    min_score: float = 0.5
    smoothing: float = 0.5
    detect_every: int = 24
    max_missed: int = 15
    newcomer_tiles: bool = True

    def __post_init__(self) -> None:
        if self.max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {self.max_faces}")
        if not 0.0 <= self.smoothing <= 1.0:
            raise ValueError(f"smoothing must be in 0..1, got {self.smoothing}")
        if self.detect_every < 1 or self.max_missed < 0:
            raise ValueError("detect_every must be ≥ 1 and max_missed ≥ 0")


@dataclass
class _Track:
    track_id: int
    box: Box
    score: float
    landmarker: FaceLandmarker
    smoother: LandmarkSmoother
    missed: int = 0
    age: int = 0
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def predicted_box(self) -> Box:
        dx, dy = self.velocity
        x0, y0, x1, y1 = self.box
        return (x0 + dx, y0 + dy, x1 + dx, y1 + dy)


class FaceTracker:
    """Call `update(frame, time)` for each frame in order; returns that frame's faces
    (with `track_id`), largest first."""

    def __init__(self, options: TrackerOptions = TrackerOptions()) -> None:
        self.options = options
        self.detector = FaceDetector(min_score=options.min_score)
        self._tracks: list[_Track] = []
        self._ids = count()
        self._frame = 0

    def _new_track(self, box: Box, score: float) -> _Track:
        return _Track(
            track_id=next(self._ids),
            box=box,
            score=score,
            landmarker=FaceLandmarker(video=True, min_score=0.5),
            smoother=LandmarkSmoother(self.options.smoothing),
        )

    def _follow(self, track: _Track, image: np.ndarray) -> np.ndarray | None:
        pts = track.landmarker.landmarks(image, track.predicted_box())
        if pts is None:
            return None
        new_box = landmark_box(pts)
        # A crop that slid onto another tracked face: treat as lost.
        if any(t is not track and t.missed == 0 and iou(new_box, t.box) > 0.5 for t in self._tracks):
            return None
        old_c = np.array([(track.box[0] + track.box[2]) / 2, (track.box[1] + track.box[3]) / 2])
        new_c = np.array([(new_box[0] + new_box[2]) / 2, (new_box[1] + new_box[3]) / 2])
        track.velocity = 0.5 * track.velocity + 0.5 * (new_c - old_c)
        track.box = new_box
        return pts

    def update(self, image: np.ndarray, time: float | None = None) -> list[Face]:
        check_frame(image)
        t = float(self._frame) / 30.0 if time is None else float(time)
        found: dict[int, np.ndarray] = {}
        lost_any = False
        for track in self._tracks:
            pts = self._follow(track, image)
            if pts is None:
                track.missed += 1
                lost_any = True
                track.smoother.reset()
            else:
                track.missed = 0
                found[track.track_id] = pts
        self._tracks = [tr for tr in self._tracks if tr.missed <= self.options.max_missed]

        # Search when a face was lost, when nothing is tracked (a face may come
        # back any frame), and every `detect_every` frames for newcomers.
        periodic = self._frame % self.options.detect_every == 0
        if lost_any or not found or periodic:
            # A search only for lost faces that were big needs no tiles: at 720p the tiles
            # cost ~100 ms a frame, for every frame a face stays lost.
            side = float(max(image.shape[:2]))
            big_lost = all(
                tr.box[3] - tr.box[1] >= FaceDetector.SMALL_FACE * side
                for tr in self._tracks
                if tr.track_id not in found
            )
            tiles: bool | Literal["fallback"] = (periodic and self.options.newcomer_tiles) or not big_lost
            if not self._tracks:
                tiles = True if self.options.newcomer_tiles else "fallback"
            self._adopt_detections(image, found, tiles=tiles)
        self._frame += 1

        faces = []
        for track in self._tracks:
            if track.track_id in found:
                track.age += 1
                smooth = track.smoother(found[track.track_id], t)
                faces.append(build_face(smooth, track.score, track.track_id))
        faces.sort(key=lambda f: (-f.width * f.height, f.track_id))
        return faces

    def _adopt_detections(
        self, image: np.ndarray, found: dict[int, np.ndarray], *, tiles: bool | Literal["fallback"] = True
    ) -> None:
        """Re-attach lost tracks to detections, and start tracks for new faces."""
        # The first frame gets the thorough search; later checks the fast one.
        for det in self.detector.detect(image, thorough=self._frame == 0, tiles=tiles):
            active = [tr for tr in self._tracks if tr.track_id in found]
            if any(iou(det.box, tr.box) > 0.2 for tr in active):
                continue
            lost = [tr for tr in self._tracks if tr.track_id not in found]
            match = max(lost, key=lambda tr: iou(det.box, tr.predicted_box()), default=None)
            if match is not None and iou(det.box, match.predicted_box()) > 0.1:
                track = match
                track.box, track.velocity = det.box, np.zeros(2)
            elif len(self._tracks) < self.options.max_faces:
                track = self._new_track(det.box, det.score)
                self._tracks.append(track)
            else:
                continue
            pts = track.landmarker.landmarks(image, det.box)
            if pts is not None:
                # Once more from the mesh's own box, the crop every later frame is followed in:
                # a detector box frames the face differently, and the mesh it gives can be
                # offset by a few % of the face width, a jump between this frame and the next.
                pts = track.landmarker.landmarks(image, landmark_box(pts))
            if pts is not None:
                track.box, track.missed, track.score = landmark_box(pts), 0, det.score
                found[track.track_id] = pts

    def close(self) -> None:
        self.detector.close()
        for track in self._tracks:
            track.landmarker.close()
        self._tracks = []
