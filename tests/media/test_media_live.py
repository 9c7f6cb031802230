"""Live sources: FileSource (the camera test double) and WebcamSource."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from faceforge.errors import InputError
from faceforge.media import FileSource, FrameSource, WebcamSource, write_video


def test_file_source_plays_a_file(make_video) -> None:
    with FileSource(make_video("clip.mp4", 12)) as source:
        assert isinstance(source, FrameSource)
        assert source.fps == pytest.approx(30000 / 1001)
        assert source.size == (64, 48)
        frames = list(iter(source.read, None))
    assert [f.index for f in frames] == list(range(12))
    assert frames[0].image.shape == (48, 64, 3)


def test_file_source_loop_keeps_counting(make_video) -> None:
    source = FileSource(make_video("clip.mp4", 5), loop=True)
    frames = [source.read() for _ in range(12)]
    source.close()
    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(12))
    times = [f.time for f in frames]
    assert all(b > a for a, b in zip(times, times[1:]))
    assert times[5] == pytest.approx(5 * 1001 / 30000, abs=1e-6)  # second pass follows the first
    assert source.read() is None  # closed


def test_file_source_realtime_paces_frames(make_video) -> None:
    with FileSource(make_video("clip.mp4", 10), realtime=True) as source:
        started = time.monotonic()
        count = sum(1 for _ in source)
        elapsed = time.monotonic() - started
    assert count == 10
    assert elapsed >= 9 * 1001 / 30000 * 0.9  # the last frame is shown ~0.3 s after the first


def test_file_source_without_pacing_is_fast(make_video) -> None:
    # At 2 fps, pacing would take 4.5 s for these 10 frames.
    with FileSource(make_video("slow.mp4", 10, rate=Fraction(2))) as source:
        started = time.monotonic()
        assert sum(1 for _ in source) == 10
    assert time.monotonic() - started < 2.0


def test_missing_camera_has_a_clear_error() -> None:
    with pytest.raises(InputError) as caught:
        WebcamSource(97)
    assert str(caught.value) == "camera 97 cannot be opened: is it connected and not used by another program?"


def test_webcam_source_converts_bgr_to_rgb(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # OpenCV opens a file path like a stream URL, which stands in for a camera here.
    red = np.zeros((48, 64, 3), np.uint8)
    red[..., 0] = 230
    path = write_video(tmp_path / "red.mp4", [red] * 5, 25)
    try:
        source = WebcamSource(str(path))
    except InputError:
        pytest.skip("this OpenCV build cannot read MP4 files")
    with source:
        assert isinstance(source, FrameSource)
        assert source.size == (64, 48) and source.fps == pytest.approx(25)
        frame = source.read()
        assert frame is not None and frame.index == 0 and frame.time == 0.0
        assert frame.image.shape == (48, 64, 3)
        r, g, b = frame.image.reshape(-1, 3).mean(axis=0)
        assert r > 200 and g < 40 and b < 40
        assert len(list(source)) == 4
        assert source.read() is None
    assert source.read() is None
