"""Blinks in a video: does an effect's output blink when its driving or target face does?

The eye openness of the main face per frame (`Face.eye_openness`, both eyes averaged), tracked
without smoothing so a blink keeps its depth; the blinks in it as the behaviour signal counts
them (`faceforge.forensics.behaviour.find_blinks`: a run below 0.6 × the median); and, frame
by frame against the driving (or target) video, which of its blinks the output follows.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def eye_openness_trace(frames: Iterable[np.ndarray], fps: float = 25.0) -> np.ndarray:
    """Per frame (H×W×3 uint8 RGB), the largest face's mean eye openness; NaN without a face."""
    from faceforge.faces.tracker import FaceTracker, TrackerOptions

    tracker = FaceTracker(TrackerOptions(smoothing=0.0))
    out = []
    try:
        for i, frame in enumerate(frames):
            faces = tracker.update(frame, i / fps)
            big = max(faces, key=lambda f: f.box[2] - f.box[0]) if faces else None
            out.append(float(np.mean(big.eye_openness)) if big is not None else np.nan)
    finally:
        tracker.close()
    return np.array(out, dtype=np.float64)


def blink_count(openness: np.ndarray, fps: float = 25.0) -> int:
    """Blinks in an `eye_openness_trace` (frames without a face left out); 0 when the eyes are
    never clearly open."""
    from faceforge.forensics.behaviour import find_blinks

    seen = np.flatnonzero(~np.isnan(openness))
    if len(seen) < 2:
        return 0
    times = seen / fps
    blinks = find_blinks(openness[seen], times, float(times[-1] - times[0]) + 1.0 / fps)
    return 0 if blinks is None else blinks.count


def blinks_followed(
    driving: np.ndarray, output: np.ndarray, *, closed: float = 0.5, followed: float = 0.7, window: int = 2
) -> tuple[int, int]:
    """(blinks in `driving`, how many of them `output` follows), from two `eye_openness_trace`s
    of the same frames. A driving blink is a run below `closed` × its median; the output follows
    it when its openness drops below `followed` × its own median within `window` frames of the
    run. The output's threshold is looser: MediaPipe reads painted closed lids (animate) as
    about 60 % open, a real closed eye as under 30 %."""
    d = driving / np.nanmedian(driving)
    o = output / np.nanmedian(output)
    shut = np.nan_to_num(d, nan=1.0) < closed
    edges = np.diff(np.concatenate([[0], shut.astype(np.int8), [0]]))
    runs = list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
    hits = 0
    for start, end in runs:
        near = o[max(0, start - window) : min(len(o), end + window)]
        hits += bool(np.any(np.nan_to_num(near, nan=1.0) < followed))
    return len(runs), hits


__all__ = ["blink_count", "blinks_followed", "eye_openness_trace"]
