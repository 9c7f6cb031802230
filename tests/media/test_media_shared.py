"""The readers on real media from ../shared/data (skipped when that folder is absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from faceforge.errors import UnsupportedMedia
from faceforge.media import is_image_file, is_video_file, probe_video, read_image, read_video

pytestmark = pytest.mark.shared

VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def _files(root: Path, suffixes: set[str]) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def _manifest(shared_data: Path) -> dict[str, dict[str, str]]:
    with open(shared_data / "MANIFEST.csv", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def test_first_frames_of_every_talking_video(shared_data: Path) -> None:
    videos = _files(shared_data / "talking", VIDEO_SUFFIXES)
    assert videos, "no videos under talking/"
    for path in videos:
        info = probe_video(path)
        frames = list(read_video(path, max_frames=10))
        assert len(frames) == min(10, info.frame_count), path
        assert [f.index for f in frames] == list(range(len(frames))), path
        for frame in frames:
            assert frame.image.dtype == np.uint8, path
            assert frame.image.shape == (info.height, info.width, 3), path
        assert frames[0].time == pytest.approx(0.0, abs=1e-6), path
        assert all(b.time > a.time for a, b in zip(frames, frames[1:])), path


def test_every_portrait_reads(shared_data: Path) -> None:
    images = _files(shared_data / "portraits", IMAGE_SUFFIXES)
    assert images, "no images under portraits/"
    for path in images:
        assert is_image_file(path), path
        image = read_image(path)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, path
        assert image.flags.c_contiguous, path


def test_probe_matches_the_manifest(shared_data: Path) -> None:
    manifest = _manifest(shared_data)
    rows = [row for row in manifest.values() if row["kind"] == "video" and row["file"].startswith("talking/")]
    assert rows
    for row in rows:
        info = probe_video(shared_data / row["file"])
        assert (info.width, info.height) == (int(row["w"]), int(row["h"])), row["file"]
        assert info.duration == pytest.approx(float(row["duration_s"]), abs=0.15), row["file"]
        assert info.frame_count == pytest.approx(info.duration * info.fps, rel=0.05, abs=2), row["file"]
        assert info.video_codec in {"h264", "mpeg4", "hevc"}, row["file"]


def test_known_clips(shared_data: Path) -> None:
    talking = shared_data / "talking"
    driving = probe_video(talking / "voxceleb/LIA/data/vox/driving2.mp4")
    assert (driving.frame_count, driving.fps, driving.has_audio) == (221, 25.0, True)
    assert driving.audio_codec == "aac" and driving.variable_frame_rate is False
    # This speech clip drops frames: 30 fps timestamps with gaps, so it is variable rate and
    # the frame times must follow the timestamps, not index / fps.
    speech = talking / "speech/video-retalking/examples/face/1.mp4"
    info = probe_video(speech)
    assert info.variable_frame_rate is True and info.frame_count == 135
    times = [f.time for f in read_video(speech, max_frames=6)]
    steps = np.round(np.diff(times) * 30).astype(int)
    assert set(steps) <= {1, 2} and 2 in steps


def test_wav_named_mp3_is_not_a_video(shared_data: Path) -> None:
    wav = shared_data / "talking/voxceleb2/Talking-Face_PC-AVS/misc/Audio_Source/681600002.mp3"
    if not wav.is_file():
        pytest.skip("the sample audio file is not in this copy of ../shared/data")
    assert not is_video_file(wav)
    with pytest.raises(UnsupportedMedia, match="has no video stream"):
        probe_video(wav)


def test_animated_gifs_from_the_forensics_set(shared_data: Path) -> None:
    gifs = _files(shared_data / "forensics", {".gif"})
    if not gifs:
        pytest.skip("no GIFs in this copy of ../shared/data")
    for path in gifs:
        info = probe_video(path)
        frames = list(read_video(path, max_frames=3))
        assert frames[0].image.shape == (info.height, info.width, 3), path
