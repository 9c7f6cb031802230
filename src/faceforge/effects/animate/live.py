"""Live animation: a webcam drives one of several avatars, shown in a window or a virtual camera.

The loop is written against `FrameSource` (media/live.py), so tests drive it with
`FileSource` (a video played as a camera) and a sink that records frames.
Keys: n = next avatar, r = take the current face as the new rest pose, q = quit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

from faceforge.effects.animate.motion import FaceState, MotionTransfer, canonical_extent, face_state, relative_motion
from faceforge.effects.animate.pipeline import AnimateOptions
from faceforge.effects.animate.source import SourceRig, prepare_source
from faceforge.faces.tracker import FaceTracker, TrackerOptions
from faceforge.media.live import FrameSource
from faceforge.media.output import Labeler
from faceforge.media.video import VideoFrame

#: A sink shows a frame and returns the key pressed meanwhile ("" for none).
Sink = Callable[[np.ndarray], str]


class LiveAnimator:
    def __init__(self, avatars: list[np.ndarray], options: AnimateOptions = AnimateOptions()) -> None:
        self.options = options
        self.rigs: list[SourceRig] = [
            prepare_source(a, name=f"avatar {i}", face_index=options.face, all_faces=False, max_size=options.max_size)
            for i, a in enumerate(avatars)
        ]
        self.current = 0
        self.tracker = FaceTracker(TrackerOptions(max_faces=1, smoothing=options.smoothing))
        self._reference: FaceState | None = None
        self._transfer: MotionTransfer | None = None

    def next_avatar(self) -> None:
        self.current = (self.current + 1) % len(self.rigs)
        self._transfer = None

    def reset_reference(self) -> None:
        self._reference = None
        self._transfer = None

    def render(self, frame: np.ndarray, time_s: float) -> np.ndarray:
        """The current avatar moved like the face in `frame` (the avatar at rest when no face)."""
        rig = self.rigs[self.current]
        faces = self.tracker.update(frame, time_s)
        if not faces:
            return rig.image.copy()
        state = face_state(faces[0].landmarks)
        if self._reference is None:
            self._reference = state
        if self._transfer is None:
            self._transfer = MotionTransfer(
                rig.landmarks[0], canonical_extent(self._reference), self.options.transfer()
            )
        target = self._transfer.target_landmarks(relative_motion(state, self._reference))
        return rig.renderer.render([target])

    def close(self) -> None:
        self.tracker.close()


def overlay(image: np.ndarray, text: str) -> np.ndarray:
    out = image.copy()
    scale = max(0.4, image.shape[1] / 1000)
    cv2.putText(out, text, (8, int(24 * scale) + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, text, (8, int(24 * scale) + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def run_loop(
    source: FrameSource,
    render: Callable[[VideoFrame], np.ndarray],
    sink: Sink,
    *,
    status: Callable[[], str] = lambda: "[q]uit",
    on_key: Callable[[str], None] = lambda key: None,
    max_frames: int | None = None,
    labeler: Labeler | None = None,
) -> list[float]:
    """The live loop shared by every live effect: read a frame, render it, label it, show it
    with the latency and `status()`, hand keys other than `q` to `on_key`. Runs until the
    source ends, `q` is pressed or max_frames; returns per-frame latencies (s)."""
    latencies: list[float] = []
    while max_frames is None or len(latencies) < max_frames:
        grabbed = time.perf_counter()
        frame = source.read()
        if frame is None:
            break
        out = render(frame)
        if labeler is not None:
            out = labeler.label_image(out)
        latency = time.perf_counter() - grabbed
        latencies.append(latency)
        key = sink(overlay(out, f"{latency * 1000:.0f} ms  {status()}"))
        if key == "q":
            break
        if key:
            on_key(key)
    return latencies


def run_live(
    source: FrameSource,
    animator: LiveAnimator,
    sink: Sink,
    *,
    max_frames: int | None = None,
    labeler: Labeler | None = None,
) -> list[float]:
    """Live animation: keys n = next avatar, r = rest pose, q = quit (see `run_loop`)."""

    def on_key(key: str) -> None:
        if key == "n":
            animator.next_avatar()
        elif key == "r":
            animator.reset_reference()

    return run_loop(
        source,
        lambda frame: animator.render(frame.image, frame.time),
        sink,
        status=lambda: f"avatar {animator.current + 1}/{len(animator.rigs)}  [n]ext [r]est [q]uit",
        on_key=on_key,
        max_frames=max_frames,
        labeler=labeler,
    )


def window_sink(title: str = "faceforge") -> Sink:
    def show(image: np.ndarray) -> str:
        cv2.imshow(title, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        code = cv2.waitKey(1) & 0xFF
        return chr(code).lower() if code != 255 else ""

    return show


def virtual_camera_sink(width: int, height: int, fps: float) -> tuple[Sink, Callable[[], None]]:
    from faceforge.errors import DependencyError

    try:
        import pyvirtualcam
    except ImportError as exc:
        raise DependencyError("--virtual-camera needs pyvirtualcam: pip install 'faceforge[live]'") from exc
    cam = pyvirtualcam.Camera(width=width, height=height, fps=fps)

    def send(image: np.ndarray) -> str:
        cam.send(np.ascontiguousarray(image))
        cam.sleep_until_next_frame()
        return ""

    return send, cam.close
