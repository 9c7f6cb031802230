"""The webcam side of the live commands (`animate --webcam`, `swap --webcam`): open the camera,
show the effect's frames in a window or a virtual camera, say the keys and the latency."""

from __future__ import annotations

from collections.abc import Callable

from faceforge.cli._console import Console
from faceforge.effects.animate.live import Sink
from faceforge.media.live import FrameSource


def run_webcam(
    console: Console,
    camera: int,
    loop: Callable[[FrameSource, Sink], list[float]],
    *,
    virtual_camera: bool,
    frame_size: Callable[[FrameSource], tuple[int, int]],
    title: str,
    keys: str,
) -> None:
    """Run `loop(camera, sink)` until it returns its per-frame latencies (seconds).
    frame_size: (width, height) of the frames the effect shows, for the virtual camera;
    title: the window's; keys: the key hint printed first."""
    import cv2
    import numpy as np

    from faceforge.effects.animate import live
    from faceforge.media.live import WebcamSource

    close: Callable[[], None] = cv2.destroyAllWindows
    with WebcamSource(camera) as cam:
        if virtual_camera:
            w, h = frame_size(cam)
            sink, close = live.virtual_camera_sink(w, h, cam.fps or 30.0)
        else:
            sink = live.window_sink(title)
        console.print(keys)
        try:
            latencies = loop(cam, sink)
        finally:
            close()
    if latencies:
        console.print(f"{len(latencies)} frames, median latency {np.median(latencies) * 1000:.0f} ms")
