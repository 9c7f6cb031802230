"""Driving motion from a video: track the driving face, pick the reference frame, make a template."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from faceforge.effects.animate.camera import CameraTracker, body_relative, relative_to
from faceforge.effects.animate.motion import (
    FaceState,
    MotionFrame,
    canonical_extent,
    choose_reference,
    face_state,
    fill_missing,
    relative_motion,
)
from faceforge.effects.animate.template import MotionTemplate
from faceforge.effects.eyes import EYELIDS
from faceforge.errors import InputError, NoFaceFound
from faceforge.faces.topology import CHIN
from faceforge.faces.tracker import FaceTracker, TrackerOptions

#: Driving frames that may wait for the camera tracker's thread before the face tracker waits for it.
CAMERA_BACKLOG = 4
#: Frames of Gaussian σ at smoothing 1 (the default 0.6 gives σ ≈ 0.7 frames).
SMOOTHING_SIGMA = 1.2


def track_driving(
    path: Path,
    *,
    smoothing: float,
    max_frames: int | None,
    on_frame: Callable[[int], None] | None = None,
    camera: CameraTracker | None = None,
) -> tuple[float, list[np.ndarray | None]]:
    """Landmarks of the main driving face per frame (None where it is missing).
    The main face is the track seen in the most frames. smoothing 0..1: strength of the
    zero-phase smoothing over time (`smooth_both_ways`). `camera`, when given, is fed every
    frame (with the largest face's landmarks, kept out of the background it measures)."""
    from faceforge.media.video import probe_video, read_video

    info = probe_video(path)
    # Raw landmarks from the tracker: a video file is smoothed afterwards, looking both ways.
    tracker = FaceTracker(TrackerOptions(max_faces=4, smoothing=0.0))
    per_frame: list[dict[int, np.ndarray]] = []
    # The camera tracker runs on a second thread, in frame order, while the next frame is decoded
    # and its face tracked (both release the GIL in OpenCV and MediaPipe); a few frames at most wait.
    pool = ThreadPoolExecutor(max_workers=1) if camera is not None else None
    waiting: deque[Future[None]] = deque()
    try:
        for frame in read_video(path, max_frames=max_frames):
            faces = tracker.update(frame.image, frame.time)
            per_frame.append({f.track_id: f.landmarks for f in faces})  # type: ignore[misc]
            if camera is not None and pool is not None:
                biggest = max(faces, key=lambda f: float(np.ptp(f.landmarks[:, 1])), default=None)
                waiting.append(pool.submit(camera.update, frame.image, None if biggest is None else biggest.landmarks))
                while len(waiting) > CAMERA_BACKLOG:
                    waiting.popleft().result()
            if on_frame is not None:
                on_frame(frame.index)
        while waiting:
            waiting.popleft().result()
    finally:
        tracker.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if len(per_frame) < 2:
        raise InputError(
            f"{path}: a driving video needs at least 2 frames (this one has {len(per_frame)}); give a video"
        )
    counts: dict[int, int] = {}
    for by_track in per_frame:
        for tid in by_track:
            counts[tid] = counts.get(tid, 0) + 1
    if not counts:
        raise NoFaceFound(str(path), "the driving video must show a face")
    main = max(counts, key=lambda k: counts[k])
    # Eyelids and irises stay raw: a blink lasts 2-4 frames and even this light smoothing
    # would make a shallow one vanish (bench/animate.py: blinks followed 21 of 25 against 15 of 25
    # on the clips that had lost some; the still-face flicker is the same).
    main_track = [by_track.get(main) for by_track in per_frame]
    return info.fps, smooth_both_ways(main_track, SMOOTHING_SIGMA * smoothing, keep=EYELIDS)


def smooth_both_ways(
    landmarks: list[np.ndarray | None], sigma: float, keep: np.ndarray | None = None
) -> list[np.ndarray | None]:
    """Each run of frames with a face smoothed by a Gaussian of `sigma` frames, centred;
    the landmarks indexed by `keep` are left raw.

    The live tracker smooths causally (One Euro, Casiez et al. 2012), which trades jitter
    for lag: a smile or a blink arrives late and flattened. A video file is known in full,
    so a centred filter removes the same jitter with no lag (measured with bench/animate.py's
    self-reenactment: lower L1 than the causal filter at the same still-face flicker).
    """
    from scipy.ndimage import gaussian_filter1d

    out = list(landmarks)
    if sigma <= 0:
        return out
    start = 0
    while start < len(out):
        if out[start] is None:
            start += 1
            continue
        end = start
        while end < len(out) and out[end] is not None:
            end += 1
        run = np.stack(out[start:end]).astype(np.float64)  # type: ignore[arg-type]
        smooth = gaussian_filter1d(run, sigma, axis=0, mode="nearest")
        if keep is not None:
            smooth[:, keep] = run[:, keep]
        out[start:end] = [frame.astype(np.float32) for frame in smooth]
        start = end
    return out


def motion_from_landmarks(
    fps: float,
    landmarks: list[np.ndarray | None],
    source: FaceState | None,
    reference_frame: int | None,
    camera: CameraTracker | None = None,
) -> MotionTemplate:
    """Relative motion of every frame against the reference frame (given, or the
    one closest to the source; without a source, the most neutral frontal frame).
    camera: the tracker that watched the driving video; its camera and body motion are kept
    in the template relative to the reference frame."""
    states: list[FaceState | None] = [face_state(lm) if lm is not None else None for lm in landmarks]
    if reference_frame is not None:
        if not 0 <= reference_frame < len(states):
            raise InputError(f"--reference-frame {reference_frame} is outside the video (0..{len(states) - 1})")
        if states[reference_frame] is None:
            raise InputError(f"--reference-frame {reference_frame} has no face; choose another frame")
        ref_index = reference_frame
    elif source is not None:
        ref_index = choose_reference(states, source)
    else:
        ref_index = _most_neutral(states)
    reference = states[ref_index]
    assert reference is not None
    motions = [
        relative_motion(st, reference) if st is not None else replace(MotionFrame.rest(), present=False)
        for st in states
    ]
    relative_camera = body = None
    transforms = camera.transforms if camera is not None else []
    if camera is not None and transforms and camera.shape is not None:
        relative_camera = relative_to(transforms, ref_index)
        ref = landmarks[ref_index]
        assert ref is not None
        body = body_relative(
            camera.bodies, transforms, ref_index, camera.shape, ref[CHIN, :2], float(np.ptp(ref[:, 1]))
        )
    return MotionTemplate(fps, fill_missing(motions, fps), canonical_extent(reference), relative_camera, body)


def _most_neutral(states: list[FaceState | None]) -> int:
    """Frontal head, closed mouth: the frame a template's motion is measured from."""
    from scipy.spatial.transform import Rotation

    from faceforge.faces.measures import mouth_openness

    best, cost = 0, np.inf
    for i, st in enumerate(states):
        if st is None:
            continue
        angle = Rotation.from_matrix(st.pose.rotation).magnitude()
        c = angle + 2.0 * mouth_openness(st.canonical)
        if c < cost:
            best, cost = i, c
    return best
