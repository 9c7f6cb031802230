"""Fixtures for the media tests: every test file is generated in tmp_path at test time.

Videos for the reader tests are written with PyAV directly (not with faceforge's
VideoWriter), so a writer bug cannot hide a reader bug.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

SHARED_SKIP = "needs ../shared/data (real media); absent here"


def shared_data_dir() -> Path:
    env = os.environ.get("FACEFORGE_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    root = shared_data_dir()
    if not (root / "MANIFEST.csv").is_file():
        pytest.skip(SHARED_SKIP)
    return root


def gradient_frame(index: int, height: int = 48, width: int = 64) -> np.ndarray:
    """A smooth, frame-dependent RGB picture that survives H.264 with small error."""
    y, x = np.mgrid[0:height, 0:width]
    red = (x * 255 // max(width - 1, 1)).astype(np.uint8)
    green = (y * 255 // max(height - 1, 1)).astype(np.uint8)
    blue = np.full((height, width), (index * 7) % 256, np.uint8)
    return np.dstack([red, green, blue])


def _sine(seconds: float, rate: int, channels: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    return np.repeat(wave[None], channels, axis=0)


def write_pyav_video(
    path: Path,
    frames: Sequence[np.ndarray] | int = 30,
    *,
    rate: Fraction = Fraction(30000, 1001),
    pts: Sequence[int] | None = None,
    time_base: Fraction | None = None,
    rotation_ccw: float | None = None,
    audio_seconds: float | None = None,
    faststart: bool = True,
    pix_fmt: str = "yuv420p",
) -> Path:
    """Write an H.264 MP4 with PyAV: frames (or a count of gradient frames), optional custom
    pts (in `time_base`), display-matrix rotation, and a 440 Hz AAC track."""
    images = [gradient_frame(i) for i in range(frames)] if isinstance(frames, int) else list(frames)
    height, width = images[0].shape[:2]
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        video = container.add_stream("libx264", rate=rate, options={"crf": "10"})
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if time_base is not None:
            video.codec_context.time_base = time_base
        if rotation_ccw is not None:
            video.set_display_rotation(rotation_ccw)
        audio = None
        if audio_seconds is not None:
            audio = container.add_stream("aac", rate=48000)
            audio.layout, audio.format, audio.bit_rate = "mono", "fltp", 96000
        for i, image in enumerate(images):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = pts[i] if pts is not None else i
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            _encode_sine(container, audio, audio_seconds or 0.0, channels=1)
    return path


def write_pyav_audio(path: Path, *, codec: str = "aac", seconds: float = 1.0, fmt: str | None = None) -> Path:
    """Write an audio-only file (AAC in MP4/M4A by default, or e.g. pcm_s16le in WAV)."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=48000)
        stream.layout = "mono"
        stream.format = "fltp" if codec == "aac" else "s16"
        _encode_sine(container, stream, seconds, channels=1)
    return path


def _encode_sine(
    container: av.container.OutputContainer, stream: av.audio.stream.AudioStream, seconds: float, channels: int
) -> None:
    samples = _sine(seconds, 48000, channels)
    planar = stream.format.name == "fltp"
    step = 1024
    for start in range(0, samples.shape[1], step):
        chunk = samples[:, start : start + step]
        if planar:
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="mono")
        else:
            ints = (chunk * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(ints), format="s16", layout="mono")
        frame.sample_rate = 48000
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


@pytest.fixture
def make_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_video(name="v.mp4", frames=30, **options) -> path (see write_pyav_video)."""

    def make(name: str = "v.mp4", frames: Sequence[np.ndarray] | int = 30, **options: object) -> Path:
        return write_pyav_video(tmp_path / name, frames, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_audio(tmp_path: Path) -> Callable[..., Path]:
    """Factory: make_audio(name, codec="aac", seconds=1.0, fmt=None) -> path (see write_pyav_audio)."""

    def make(name: str, **options: object) -> Path:
        return write_pyav_audio(tmp_path / name, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def gradient() -> Callable[..., np.ndarray]:
    """The frame generator the video fixtures use: gradient(index, height=48, width=64)."""
    return gradient_frame


@pytest.fixture
def av_source(tmp_path: Path) -> Path:
    """A 2-second clip (25 fps video + 440 Hz mono AAC) to take audio from."""
    return write_pyav_video(tmp_path / "source.mp4", 50, rate=Fraction(25), audio_seconds=2.0)


@pytest.fixture
def audio_only(tmp_path: Path) -> Path:
    """An .m4a holding one AAC stream and nothing else."""
    return write_pyav_audio(tmp_path / "voice.m4a", fmt="mp4")
