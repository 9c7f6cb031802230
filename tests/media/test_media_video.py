"""probe_video, read_video, read_media and is_video_file on generated files."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from faceforge.errors import CorruptMedia, MediaNotFound, UnsupportedMedia
from faceforge.media import VideoFrame, VideoWriter, is_video_file, probe_video, read_media, read_video
from faceforge.media._arrays import rotate_clockwise
from faceforge.media.video import FrameSampler

RED = np.array([255, 0, 0])


def _corner_frame(height: int = 32, width: int = 64) -> np.ndarray:
    """Grey frame with a red block in the stored top-left corner."""
    image = np.full((height, width, 3), 128, np.uint8)
    image[:8, :8] = RED
    return image


def _is_red(pixel: np.ndarray) -> bool:
    return bool(np.abs(pixel.astype(int) - RED).max() < 60)


# ----------------------------------------------------------------------------- probe


def test_probe_constant_rate_mp4(make_video) -> None:
    info = probe_video(make_video("clip.mp4", 30))
    assert info.path.name == "clip.mp4"
    assert (info.width, info.height) == (64, 48)
    assert info.fps == pytest.approx(30000 / 1001)
    assert info.frame_count == 30
    assert info.duration == pytest.approx(30 * 1001 / 30000, abs=1e-3)
    assert info.rotation == 0
    assert info.video_codec == "h264"
    assert (info.has_audio, info.audio_codec) == (False, None)
    assert info.variable_frame_rate is False


def test_probe_reports_audio(av_source: Path) -> None:
    info = probe_video(av_source)
    assert (info.has_audio, info.audio_codec) == (True, "aac")
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == 50


def test_probe_counts_frames_without_a_sample_table(tmp_path: Path, gradient) -> None:
    # Matroska has no per-frame index, so the frame count comes from demuxing.
    path = tmp_path / "clip.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(17):
            frame = av.VideoFrame.from_ndarray(gradient(i), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    info = probe_video(path)
    assert info.frame_count == 17
    assert info.fps == pytest.approx(25.0)
    assert len(list(read_video(path))) == 17


def test_variable_frame_rate(make_video) -> None:
    # Millisecond timestamps with one long gap (a dropped-frame pattern).
    stamps = [0, 40, 80, 120, 320, 360, 400, 440]
    path = make_video("vfr.mp4", len(stamps), rate=Fraction(25), pts=stamps, time_base=Fraction(1, 1000))
    info = probe_video(path)
    assert info.variable_frame_rate is True
    assert info.frame_count == len(stamps)
    times = [frame.time for frame in read_video(path)]
    assert times == pytest.approx([s / 1000 for s in stamps], abs=1e-3)


# ----------------------------------------------------------------------------- read


def test_read_all_frames_in_order(make_video, gradient) -> None:
    path = make_video("clip.mp4", 30)
    frames = list(read_video(path))
    assert [f.index for f in frames] == list(range(30))
    assert all(isinstance(f, VideoFrame) for f in frames)
    assert [f.time for f in frames] == pytest.approx([i * 1001 / 30000 for i in range(30)], abs=1e-6)
    for frame in (frames[0], frames[17]):
        assert frame.image.dtype == np.uint8 and frame.image.shape == (48, 64, 3)
        error = np.abs(frame.image.astype(int) - gradient(frame.index)).mean()
        assert error < 3  # RGB channel order and BT.601/709 matrix both right


def test_interval_thins_frames_but_keeps_indices_and_times(make_video, gradient) -> None:
    path = make_video("clip.mp4", 30)  # 29.97 fps
    frames = list(read_video(path, interval=0.1))
    assert [f.index for f in frames] == list(range(0, 30, 3))  # one per 0.1 s: every 3rd frame
    assert frames[1].time == pytest.approx(3 * 1001 / 30000, abs=1e-6)
    error = np.abs(frames[2].image.astype(int) - gradient(6)).mean()
    assert error < 3  # the yielded frame is the one its index says
    with pytest.raises(ValueError, match="interval"):
        read_video(path, interval=-1)


def test_frame_sampler_keeps_the_rate_when_frames_come_slightly_early() -> None:
    """Reference frames every 160 ms (a 25 fps file with its B-frames skipped), 6 wanted a second:
    a strict 167 ms minimum would keep every other one (3 a second)."""
    sampler = FrameSampler(1 / 6)
    times = [0.16 * k for k in range(63)]  # 10 s
    kept = [t for t in times if sampler.take(t)]
    assert 55 <= len(kept) <= 61
    assert min(b - a for a, b in zip(kept, kept[1:])) >= 1 / 12 - 1e-9
    every = FrameSampler(0.0)
    assert all(every.take(t) for t in times)


def test_frame_sampler_does_not_burst_after_a_gap() -> None:
    sampler = FrameSampler(0.2)
    times = [0.0, 0.2, 0.4, *[2.0 + k / 30 for k in range(30)]]  # 1.6 s without frames, then 30 fps
    kept = [t for t in times if sampler.take(t)]
    after = [t for t in kept if t >= 2.0]
    assert min(b - a for a, b in zip(after, after[1:])) >= 0.1 - 1e-9
    assert 4 <= len(after) <= 6  # about one per 0.2 s over that last second


def test_max_short_side_scales_down_and_keeps_the_picture(make_video, gradient) -> None:
    path = make_video("clip.mp4", 4)  # 64×48
    small = next(iter(read_video(path, max_short_side=24)))
    assert small.image.shape == (24, 32, 3)
    expected = gradient(0)[1::2, 1::2].astype(int)  # 2×2 area mean of a smooth gradient ≈ its samples
    assert np.abs(small.image.astype(int) - expected).mean() < 6
    assert next(iter(read_video(path, max_short_side=480))).image.shape == (48, 64, 3)  # never scaled up
    with pytest.raises(ValueError, match="max_short_side"):
        read_video(path, max_short_side=4)


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv444p", "yuvj420p"])
def test_scaled_read_matches_the_full_size_read_scaled(make_video, gradient, pix_fmt) -> None:
    # The scaled path (planes scaled, then swscale's fast conversion) against the exact
    # full-size conversion followed by an area resize: no colour shift beyond a grey level or so.
    import cv2

    frames = [gradient(i, 240, 320) for i in range(3)]
    path = make_video("big.mp4", frames, pix_fmt=pix_fmt)
    full = next(iter(read_video(path))).image
    small = next(iter(read_video(path, max_short_side=120))).image
    assert small.shape == (120, 160, 3)
    reference = cv2.resize(full.astype(np.float32), (160, 120), interpolation=cv2.INTER_AREA)
    error = small.astype(np.float32) - reference
    assert abs(float(error.mean())) < 1.5
    assert float(np.abs(error).mean()) < 3.0


def test_scaled_read_keeps_the_rotation(make_video) -> None:
    path = make_video("rot.mp4", [_corner_frame(64, 128)] * 3, rotation_ccw=90.0)
    upright = next(iter(read_video(path))).image
    small = next(iter(read_video(path, max_short_side=32))).image
    assert upright.shape == (128, 64, 3)
    assert small.shape == (64, 32, 3)
    # The red corner lands in the same place, at half the size.
    red_full = np.argwhere(np.all(np.abs(upright.astype(int) - RED) < 60, axis=2)).mean(axis=0)
    red_small = np.argwhere(np.all(np.abs(small.astype(int) - RED) < 60, axis=2)).mean(axis=0)
    assert np.abs(red_small * 2 - red_full).max() < 4


def test_one_decoder_thread_gives_the_same_frames(make_video) -> None:
    path = make_video("clip.mp4", 12)
    threaded = list(read_video(path))
    single = list(read_video(path, decoder_threads=1))
    assert [f.index for f in single] == [f.index for f in threaded]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(single, threaded))
    with pytest.raises(ValueError, match="decoder_threads"):
        read_video(path, decoder_threads=0)


def test_skip_nonreference_decodes_fewer_frames_with_true_indices(make_video, gradient) -> None:
    path = make_video("clip.mp4", 60)  # libx264 defaults: B-frames, which nothing references
    every = list(read_video(path))
    kept = list(read_video(path, skip_nonreference=True))
    assert 10 < len(kept) < len(every)
    assert [f.index for f in kept] == sorted({f.index for f in kept})
    for frame in kept:
        assert frame.time == pytest.approx(every[frame.index].time, abs=1e-6)
        assert np.abs(frame.image.astype(int) - gradient(frame.index)).mean() < 3  # the frame its index says
    thinned = list(read_video(path, skip_nonreference=True, interval=0.2))
    assert all(b.time - a.time >= 0.1 - 1e-6 for a, b in zip(thinned, thinned[1:]))
    assert abs(len(thinned) - every[-1].time / 0.2) <= 2  # about one per 0.2 s


def test_skip_nonreference_still_notices_a_cut_file(tmp_path: Path) -> None:
    full = _written_mp4(tmp_path / "full.mp4")
    with av.open(str(full)) as container:
        samples = sorted((entry.pos, entry.size) for entry in container.streams.video[0].index_entries)
    pos, size = samples[10]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: pos + size])
    with pytest.raises(CorruptMedia, match=r"the file ends early \(40 frames expected\)"):
        list(read_video(cut, skip_nonreference=True))


def test_high_444_h264_decodes(make_video, gradient) -> None:
    # H.264 High 4:4:4 Predictive, as in some of the real clips.
    path = make_video("444.mp4", 5, pix_fmt="yuv444p")
    with av.open(str(path)) as container:
        assert "4:4:4" in (container.streams.video[0].profile or "")
    frames = list(read_video(path))
    assert len(frames) == 5 and probe_video(path).frame_count == 5
    assert np.abs(frames[3].image.astype(int) - gradient(3)).mean() < 2


def test_max_frames(make_video) -> None:
    path = make_video("clip.mp4", 30)
    assert [f.index for f in read_video(path, max_frames=5)] == [0, 1, 2, 3, 4]
    assert list(read_video(path, max_frames=0)) == []
    with pytest.raises(ValueError, match="max_frames"):
        read_video(path, max_frames=-1)


@pytest.mark.parametrize(
    "rotation_ccw,expected_rotation,red_corner",
    [
        (-90, 90, (0, -1)),  # a phone held upright: the player turns it 90° clockwise
        (90, 270, (-1, 0)),
        (180, 180, (-1, -1)),
    ],
)
def test_rotation_metadata_is_applied(make_video, rotation_ccw, expected_rotation, red_corner) -> None:
    path = make_video("rot.mp4", [_corner_frame()] * 3, rotation_ccw=rotation_ccw)
    info = probe_video(path)
    assert info.rotation == expected_rotation
    swapped = expected_rotation in (90, 270)
    assert (info.width, info.height) == ((32, 64) if swapped else (64, 32))
    frame = next(read_video(path))
    assert frame.image.shape == ((64, 32, 3) if swapped else (32, 64, 3))
    row, col = red_corner
    row_slice = slice(0, 4) if row == 0 else slice(-4, None)
    col_slice = slice(0, 4) if col == 0 else slice(-4, None)
    assert _is_red(frame.image[row_slice, col_slice].reshape(-1, 3).mean(axis=0))
    assert not _is_red(frame.image[:4, :4].reshape(-1, 3).mean(axis=0))


def test_rotate_clockwise_helper() -> None:
    image = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    np.testing.assert_array_equal(rotate_clockwise(image, 90)[:, :, 0], [[3, 0], [4, 1], [5, 2]])
    np.testing.assert_array_equal(rotate_clockwise(image, 270)[:, :, 0], [[2, 5], [1, 4], [0, 3]])
    np.testing.assert_array_equal(rotate_clockwise(image, 180)[:, :, 0], [[5, 4, 3], [2, 1, 0]])
    assert rotate_clockwise(image, 0) is image
    with pytest.raises(ValueError):
        rotate_clockwise(image, 45)


# ----------------------------------------------------------------------------- damaged input


def _written_mp4(path: Path, count: int = 40) -> Path:
    noise = np.random.default_rng(0)
    with VideoWriter(path, 25) as writer:
        for _ in range(count):  # noise: big packets, so a cut lands inside the stream
            writer.write(noise.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    return path


def test_mp4_cut_in_half_raises_while_decoding(tmp_path: Path) -> None:
    data = _written_mp4(tmp_path / "full.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    frames = read_video(cut)  # the index (moov) is at the front, so it opens
    decoded = 0
    with pytest.raises(CorruptMedia, match=r"decoding failed at frame \d+") as caught:
        for frame in frames:
            decoded = frame.index + 1
    assert f"frame {decoded}" in str(caught.value)
    assert "cut.mp4" in str(caught.value)
    assert 0 < decoded < 40


def test_mp4_cut_between_frames_is_not_silently_short(tmp_path: Path) -> None:
    full = _written_mp4(tmp_path / "full.mp4")
    with av.open(str(full)) as container:
        # Copy the numbers out: index entries point into the open container.
        samples = sorted((entry.pos, entry.size) for entry in container.streams.video[0].index_entries)
    assert len(samples) == 40
    pos, size = samples[10]
    cut = tmp_path / "cut.mp4"
    # faststart puts the index first and the samples after it, back to back.
    cut.write_bytes(full.read_bytes()[: pos + size])
    with pytest.raises(CorruptMedia, match=r"decoding failed at frame \d+: the file ends early \(40 frames expected\)"):
        list(read_video(cut))


def test_damaged_packet_mid_stream(tmp_path: Path) -> None:
    full = _written_mp4(tmp_path / "full.mp4")
    with av.open(str(full)) as container:
        samples = sorted((entry.pos, entry.size) for entry in container.streams.video[0].index_entries)
    data = bytearray(full.read_bytes())
    pos, size = samples[10]
    data[pos : pos + size] = b"\xff" * size  # the sample is there but is garbage
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CorruptMedia, match=r"decoding failed at frame \d+: Invalid data"):
        list(read_video(damaged))


def test_mp4_without_index_fails_at_open(make_video, tmp_path: Path) -> None:
    path = make_video("late_moov.mp4", 30, faststart=False)  # moov written at the end
    data = path.read_bytes()
    cut = tmp_path / "no_moov.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia, match="container cannot be parsed"):
        probe_video(cut)
    with pytest.raises(CorruptMedia):
        read_video(cut)  # at the call, before iterating


def test_audio_only_m4a(audio_only: Path) -> None:
    with pytest.raises(UnsupportedMedia, match=r"has no video stream \(audio only\?\)"):
        probe_video(audio_only)
    with pytest.raises(UnsupportedMedia, match="has no video stream"):
        read_video(audio_only)


def test_audio_only_mp4_with_a_video_brand(make_audio) -> None:
    # An MP4 whose ftyp says "isom": only the streams reveal there is no video.
    path = make_audio("voice.mp4", fmt="mp4")
    with av.open(str(path)) as container:
        assert not container.streams.video
    with pytest.raises(UnsupportedMedia, match="has no video stream"):
        probe_video(path)


def test_wav_named_mp3(make_audio) -> None:
    path = make_audio("speech.mp3", codec="pcm_s16le", fmt="wav")
    with pytest.raises(UnsupportedMedia, match="has no video stream"):
        probe_video(path)


def test_still_image_is_not_a_video(tmp_path: Path) -> None:
    Image.new("RGB", (8, 8)).save(tmp_path / "photo.png")
    with pytest.raises(UnsupportedMedia, match="is a still image, not a video"):
        probe_video(tmp_path / "photo.png")
    with pytest.raises(UnsupportedMedia, match="still image"):
        read_video(tmp_path / "photo.png")


def test_not_media(tmp_path: Path) -> None:
    (tmp_path / "notes.mp4").write_text("definitely not a video\n" * 50)
    with pytest.raises(UnsupportedMedia, match="not a video or image"):
        probe_video(tmp_path / "notes.mp4")


def test_missing_folder_empty(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFound):
        probe_video(tmp_path / "missing.mp4")
    with pytest.raises(MediaNotFound):
        read_video(tmp_path / "missing.mp4")
    with pytest.raises(UnsupportedMedia, match="folder"):
        probe_video(tmp_path)
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(UnsupportedMedia, match="empty"):
        probe_video(tmp_path / "empty.mp4")


# ----------------------------------------------------------------------------- animations


def _animation(path: Path, durations: list[int], **options) -> list[np.ndarray]:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    images = [np.full((20, 30, 3), colour, np.uint8) for colour in colours[: len(durations)]]
    pil = [Image.fromarray(image) for image in images]
    pil[0].save(path, save_all=True, append_images=pil[1:], duration=durations, loop=0, **options)
    return images


@pytest.mark.parametrize("name,options", [("anim.gif", {}), ("anim.webp", {"lossless": True})])
def test_animated_image_is_a_variable_rate_video(tmp_path: Path, name: str, options: dict) -> None:
    path = tmp_path / name
    images = _animation(path, [100, 200, 300], **options)
    info = probe_video(path)
    assert (info.width, info.height, info.frame_count) == (30, 20, 3)
    assert info.duration == pytest.approx(0.6)
    assert info.fps == pytest.approx(5.0)
    assert info.variable_frame_rate is True
    assert info.rotation == 0 and info.has_audio is False
    frames = list(read_video(path))
    assert [f.time for f in frames] == pytest.approx([0.0, 0.1, 0.3])
    for frame, image in zip(frames, images, strict=True):
        np.testing.assert_array_equal(frame.image, image)
    assert len(list(read_video(path, max_frames=2))) == 2


def test_animation_with_zero_delays_plays_at_browser_speed(tmp_path: Path) -> None:
    path = tmp_path / "fast.gif"
    _animation(path, [0, 0])
    info = probe_video(path)
    assert info.duration == pytest.approx(0.2) and info.variable_frame_rate is False


# ----------------------------------------------------------------------------- sniffing


def test_read_media_sniffs_content(tmp_path: Path, make_video) -> None:
    Image.new("RGB", (5, 4), (1, 2, 3)).save(tmp_path / "photo.dat", format="PNG")
    kind, image = read_media(tmp_path / "photo.dat")
    assert kind == "image" and image.shape == (4, 5, 3)
    kind, info = read_media(make_video("clip.jpg", 3))  # a video with a photo's name
    assert kind == "video" and info.frame_count == 3
    _animation(tmp_path / "anim.gif", [100, 100])
    assert read_media(tmp_path / "anim.gif")[0] == "video"
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnsupportedMedia):
        read_media(tmp_path / "notes.txt")


def test_is_video_file(tmp_path: Path, make_video, audio_only: Path) -> None:
    assert is_video_file(make_video("clip.mp4", 3))
    assert not is_video_file(audio_only)
    Image.new("RGB", (4, 4)).save(tmp_path / "still.gif")
    assert not is_video_file(tmp_path / "still.gif")
    _animation(tmp_path / "anim.gif", [100, 100])
    assert is_video_file(tmp_path / "anim.gif")
    (tmp_path / "notes.mp4").write_text("hello")
    assert not is_video_file(tmp_path / "notes.mp4")
    assert not is_video_file(tmp_path / "missing.mp4")
