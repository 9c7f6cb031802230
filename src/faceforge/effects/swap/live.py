"""Live swap: the face in a webcam replaced by the source person, in a window or a virtual camera.

Written against `FrameSource` (media/live.py) so tests play a video file as the camera.
Keys: q = quit. The window/virtual-camera sinks and the latency overlay are animate's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from faceforge.effects.animate.live import Sink, run_loop, virtual_camera_sink, window_sink
from faceforge.effects.swap.pipeline import SwapOptions, VideoSwapper, load_source
from faceforge.media.live import FrameSource
from faceforge.media.output import Labeler

if TYPE_CHECKING:
    from faceforge.cli._console import Console


def run_live(
    source: FrameSource,
    swapper: VideoSwapper,
    sink: Sink,
    *,
    max_frames: int | None = None,
    labeler: Labeler | None = None,
) -> list[float]:
    """Live swap until the source ends, `q` is pressed or max_frames (see animate's `run_loop`)."""
    return run_loop(
        source, lambda frame: swapper.frame(frame.image, frame.time)[0], sink, max_frames=max_frames, labeler=labeler
    )


def run_live_cli(
    sources: list[Path], camera: int, options: SwapOptions, *, virtual_camera: bool, console: Console
) -> None:
    import cv2

    from faceforge.media.live import WebcamSource
    from faceforge.provenance.watermark import live_labeler

    swapper = VideoSwapper(load_source(sources, options), options)
    close: Callable[[], None] = cv2.destroyAllWindows
    with WebcamSource(camera) as cam:
        if virtual_camera:
            w, h = cam.size
            sink, close = virtual_camera_sink(w, h, cam.fps or 30.0)
        else:
            sink = window_sink("faceforge swap")
        console.print("live swap: [q] quit")
        try:
            latencies = run_live(cam, swapper, sink, labeler=live_labeler("swap"))
        finally:
            close()
            swapper.close()
    if latencies:
        console.print(f"{len(latencies)} frames, median latency {np.median(latencies) * 1000:.0f} ms")
