"""Live swap: the face in a webcam replaced by the source person, in a window or a virtual camera.

Written against `FrameSource` (media/live.py) so tests play a video file as the camera.
Keys: q = quit. The window/virtual-camera sinks and the latency overlay are animate's.
"""

from __future__ import annotations

from faceforge.effects.animate.live import Sink, run_loop
from faceforge.effects.swap.pipeline import VideoSwapper
from faceforge.media.live import FrameSource
from faceforge.media.output import Labeler


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
