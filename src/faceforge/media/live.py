"""Live frame sources: a webcam, or a video file played as if it were one (the test double).

Both give `VideoFrame`s with H×W×3 uint8 RGB images; `read()` returns None when the
stream ends or the source is closed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import cv2
import numpy as np

from faceforge.errors import InputError
from faceforge.media.video import VideoFrame, VideoInfo, probe_video, read_video

_FALLBACK_FPS = 30.0


@runtime_checkable
class FrameSource(Protocol):
    """A stream of frames: `read()` gives the next one, or None at the end."""

    @property
    def fps(self) -> float: ...

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        ...

    def read(self) -> VideoFrame | None: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameSource: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class _SourceBase:
    """Context manager and iteration shared by the sources."""

    def read(self) -> VideoFrame | None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[VideoFrame]:
        while (frame := self.read()) is not None:
            yield frame


class WebcamSource(_SourceBase):
    """Frames from a camera through OpenCV.

    `index` is the camera number (0 = default) or a device path / stream URL OpenCV
    understands. `width`/`height` request a capture size; the camera may pick another,
    `size` reports what it delivers. `time` is seconds since the first frame was read.
    """

    def __init__(self, index: int | str = 0, *, width: int | None = None, height: int | None = None) -> None:
        self._name = f"camera {index}" if isinstance(index, int) else f"camera {index!r}"
        self._capture: cv2.VideoCapture | None = _open_capture(index, self._name)
        if width is not None:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height is not None:
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        reported = self._capture.get(cv2.CAP_PROP_FPS)
        self._fps = reported if 0 < reported < 1000 else _FALLBACK_FPS
        self._size = (
            int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        self._index = 0
        self._start: float | None = None

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    def read(self) -> VideoFrame | None:
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        if not ok or image is None:
            return None
        now = time.monotonic()
        if self._start is None:
            self._start = now
        rgb = _bgr_to_rgb(image)
        self._size = (rgb.shape[1], rgb.shape[0])
        frame = VideoFrame(self._index, now - self._start, rgb)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class FileSource(_SourceBase):
    """A video file played as a live source (for tests and demos).

    `loop=True` starts over at the end (indexes and times keep increasing);
    `realtime=True` paces `read()` at the file's frame times, like a camera would.
    """

    def __init__(self, path: str | Path, *, loop: bool = False, realtime: bool = False) -> None:
        self._info: VideoInfo = probe_video(path)
        self._loop = loop
        self._realtime = realtime
        self._frames: Iterator[VideoFrame] | None = read_video(self._info.path)
        self._index = 0
        self._offset = 0.0  # time of the current pass's first frame
        self._pass_frames = 0
        self._last_time = 0.0
        self._clock_start: float | None = None

    @property
    def info(self) -> VideoInfo:
        return self._info

    @property
    def fps(self) -> float:
        return self._info.fps

    @property
    def size(self) -> tuple[int, int]:
        return (self._info.width, self._info.height)

    def read(self) -> VideoFrame | None:
        if self._frames is None:
            return None
        frame = next(self._frames, None)
        if frame is None and self._loop and self._pass_frames > 0:
            self._offset = self._last_time + 1.0 / (self.fps or _FALLBACK_FPS)
            self._pass_frames = 0
            self._frames = read_video(self._info.path)
            frame = next(self._frames, None)
        if frame is None:
            return None
        self._pass_frames += 1
        self._last_time = self._offset + frame.time
        out = VideoFrame(self._index, self._last_time, frame.image)
        self._index += 1
        if self._realtime:
            self._wait_until(out.time)
        return out

    def close(self) -> None:
        if self._frames is not None:
            close = getattr(self._frames, "close", None)
            if close is not None:
                close()
            self._frames = None

    def _wait_until(self, media_time: float) -> None:
        now = time.monotonic()
        if self._clock_start is None:
            self._clock_start = now - media_time
        delay = self._clock_start + media_time - now
        if delay > 0:
            time.sleep(delay)


def _open_capture(index: int | str, name: str) -> cv2.VideoCapture:
    # OpenCV logs its failed backend attempts to stderr; the library must not print,
    # so it is silenced for the open and the error below says what happened.
    level = cv2.getLogLevel()
    cv2.setLogLevel(0)
    try:
        capture = cv2.VideoCapture(index)
        opened = capture.isOpened()
    finally:
        cv2.setLogLevel(level)
    if not opened:
        capture.release()
        raise InputError(f"{name} cannot be opened: is it connected and not used by another program?")
    return capture


def _bgr_to_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


__all__ = ["FileSource", "FrameSource", "WebcamSource"]
