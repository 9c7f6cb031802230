"""The output writer: write_image, VideoWriter / write_video, atomicity and labeler hooks."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
import pytest
from PIL import Image

from faceforge.errors import MediaNotFound, OutputError
from faceforge.media import (
    Labeler,
    NoLabel,
    VideoWriter,
    exact_rate,
    probe_video,
    read_image,
    read_video,
    write_image,
    write_text,
    write_video,
)


class CountingLabeler:
    """Marks the top-left 8×8 block magenta (big enough to survive 4:2:0) and records every call."""

    def __init__(self) -> None:
        self.images = 0
        self.finalized: list[tuple[Path, str, bool]] = []

    def label_image(self, image: np.ndarray) -> np.ndarray:
        self.images += 1
        labelled = image.copy()
        labelled[:8, :8] = (255, 0, 255)
        return labelled

    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None:
        self.finalized.append((path, kind, path.exists()))


class FailingFinalizer(NoLabel):
    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None:
        raise RuntimeError("manifest signing failed")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def _audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.audio[0]) if p.size]


# ----------------------------------------------------------------------------- images


@pytest.mark.parametrize("name", ["out.png", "out.jpg", "out.JPEG", "out.webp"])
def test_write_image_formats(tmp_path: Path, name: str, gradient) -> None:
    image = gradient(0)
    result = write_image(tmp_path / name, image)
    assert result == tmp_path / name
    back = read_image(result)
    assert back.shape == image.shape
    tolerance = 0 if name.endswith(".png") else 4
    assert np.abs(back.astype(int) - image).mean() <= tolerance
    assert _leftovers(tmp_path) == []


def test_write_image_creates_the_folder(tmp_path: Path, gradient) -> None:
    target = tmp_path / "a" / "b" / "out.png"
    assert write_image(target, gradient(0)).is_file()


def test_write_image_unsupported_suffix(tmp_path: Path, gradient) -> None:
    with pytest.raises(OutputError) as caught:
        write_image(tmp_path / "out.gif", gradient(0))
    message = str(caught.value)
    assert "out.gif" in message and ".png" in message and ".jpg" in message and ".webp" in message
    assert not (tmp_path / "out.gif").exists()


def test_write_image_validates_the_array(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="image must have shape"):
        write_image(tmp_path / "out.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="image must have dtype uint8"):
        write_image(tmp_path / "out.png", np.zeros((4, 4, 3), np.float64))
    assert list(tmp_path.iterdir()) == []


def test_write_image_into_a_folder_path(tmp_path: Path, gradient) -> None:
    (tmp_path / "taken.png").mkdir()
    with pytest.raises(OutputError, match="folder"):
        write_image(tmp_path / "taken.png", gradient(0))


def test_write_image_failure_leaves_existing_file_untouched(tmp_path: Path, gradient) -> None:
    target = tmp_path / "out.png"
    target.write_bytes(b"previous result")
    with pytest.raises(RuntimeError, match="manifest"):
        write_image(target, gradient(0), labeler=FailingFinalizer())
    assert target.read_bytes() == b"previous result"
    assert _leftovers(tmp_path) == []


def test_write_image_labeler_hooks(tmp_path: Path, gradient) -> None:
    labeler = CountingLabeler()
    assert isinstance(labeler, Labeler)
    path = write_image(tmp_path / "out.png", gradient(0), labeler=labeler)
    assert labeler.images == 1
    np.testing.assert_array_equal(read_image(path)[0, 0], [255, 0, 255])  # the label reached the file
    [(temp, kind, existed)] = labeler.finalized
    assert kind == "image" and existed
    assert temp.parent == tmp_path and temp.name.startswith(".out.png.partial-") and temp.suffix == ".png"
    assert not temp.exists()  # renamed into place


def test_no_label_is_a_no_op(gradient) -> None:
    image = gradient(0)
    assert NoLabel().label_image(image) is image
    assert isinstance(NoLabel(), Labeler)


# ----------------------------------------------------------------------------- video


def test_video_round_trip_with_copied_audio(tmp_path: Path, av_source: Path, gradient) -> None:
    frames = [gradient(i) for i in range(30)]
    path = write_video(tmp_path / "out.mp4", frames, 29.97, audio_from=av_source)
    info = probe_video(path)
    assert info.fps == pytest.approx(29.97, abs=1e-3)
    assert info.frame_count == 30
    assert (info.width, info.height) == (64, 48)
    assert info.video_codec == "h264"
    assert (info.has_audio, info.audio_codec) == (True, "aac")
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.average_rate == Fraction(30000, 1001)
        assert video.codec_context.pix_fmt == "yuv420p"
    # Stream copy: the AAC packets are the source's, byte for byte (up to the video's end).
    copied, original = _audio_packets(path), _audio_packets(av_source)
    assert 40 <= len(copied) < len(original)
    assert copied == original[: len(copied)]
    decoded = list(read_video(path))
    assert len(decoded) == 30
    for frame in decoded[::7]:
        error = np.abs(frame.image.astype(int) - frames[frame.index])
        # A wrong YUV matrix or range gives a mean error of 7 or more on this picture.
        assert error.mean() < 3 and error.max() < 40


def test_audio_longer_than_video_is_cut(tmp_path: Path, av_source: Path, gradient) -> None:
    path = write_video(tmp_path / "short.mp4", [gradient(i) for i in range(10)], 25, audio_from=av_source)
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        audio_seconds = float(audio.duration * audio.time_base)
    assert 0.4 - 0.001 <= audio_seconds < 0.4 + 0.05  # 10 frames at 25 fps; source has 2 s


def test_audio_that_mp4_cannot_hold_is_transcoded_to_aac(tmp_path: Path, make_audio, gradient) -> None:
    wav = make_audio("voice.wav", codec="pcm_s16le", seconds=2.0)
    path = write_video(tmp_path / "out.mp4", [gradient(i) for i in range(25)], 25, audio_from=wav)
    info = probe_video(path)
    assert (info.has_audio, info.audio_codec) == (True, "aac")
    with av.open(str(path)) as container:
        audio = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(audio))
    assert samples / 48000 == pytest.approx(1.0, abs=0.05)  # cut to the 1 s of video


def test_audio_source_without_audio_adds_none(tmp_path: Path, make_video, gradient) -> None:
    silent = make_video("silent.mp4", 5)
    info = probe_video(write_video(tmp_path / "out.mp4", [gradient(0)] * 5, 25, audio_from=silent))
    assert info.has_audio is False


def test_missing_audio_source(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFound):
        VideoWriter(tmp_path / "out.mp4", 25, audio_from=tmp_path / "nope.mp4")


def test_odd_sizes_are_padded_by_edge_replication(tmp_path: Path) -> None:
    image = np.zeros((33, 47, 3), np.uint8)
    image[:, -1] = (250, 250, 250)  # a bright last column and bottom row
    image[-1, :] = (250, 250, 250)
    path = write_video(tmp_path / "odd.mp4", [image] * 3, 25)
    info = probe_video(path)
    assert (info.width, info.height) == (48, 34)
    frame = next(read_video(path)).image
    assert frame[:, -1].mean() > 200 and frame[-1, :].mean() > 200  # replicated, not black


def test_frame_size_is_fixed_by_the_first_frame(tmp_path: Path, gradient) -> None:
    with pytest.raises(ValueError, match=r"frame must have shape \(48, 64, 3\)"):
        with VideoWriter(tmp_path / "out.mp4", 25) as writer:
            writer.write(gradient(0))
            writer.write(gradient(0, height=50))
    assert not (tmp_path / "out.mp4").exists()
    assert _leftovers(tmp_path) == []


def test_video_frames_are_validated(tmp_path: Path) -> None:
    with VideoWriter(tmp_path / "out.mp4", 25) as writer:
        with pytest.raises(ValueError, match="frame must have dtype uint8"):
            writer.write(np.zeros((8, 8, 3), np.float32))
        writer.write(np.zeros((8, 8, 3), np.uint8))
    assert probe_video(tmp_path / "out.mp4").frame_count == 1


def test_exception_in_block_leaves_nothing(tmp_path: Path, av_source: Path, gradient) -> None:
    with pytest.raises(KeyError):
        with VideoWriter(tmp_path / "out.mp4", 25, audio_from=av_source) as writer:
            for i in range(5):
                writer.write(gradient(i))
            raise KeyError("effect crashed")
    assert list(tmp_path.iterdir()) == [av_source]


def test_exception_in_block_keeps_existing_output(tmp_path: Path, gradient) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"yesterday's render")
    with pytest.raises(RuntimeError):
        with VideoWriter(target, 25) as writer:
            writer.write(gradient(0))
            raise RuntimeError("boom")
    assert target.read_bytes() == b"yesterday's render"
    assert _leftovers(tmp_path) == []


def test_successful_write_replaces_existing_output(tmp_path: Path, gradient) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    write_video(target, [gradient(0)] * 2, 25)
    assert probe_video(target).frame_count == 2


def test_no_frames_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no video frames"):
        with VideoWriter(tmp_path / "out.mp4", 25):
            pass
    assert list(tmp_path.iterdir()) == []


def test_video_labeler_hooks(tmp_path: Path, gradient) -> None:
    labeler = CountingLabeler()
    path = write_video(tmp_path / "out.mp4", [gradient(i) for i in range(12)], 25, labeler=labeler)
    assert labeler.images == 12
    [(temp, kind, existed)] = labeler.finalized
    assert kind == "video" and existed and temp.name.startswith(".out.mp4.partial-")
    assert not temp.exists() and path.exists()
    first = next(read_video(path)).image
    red, green, blue = first[2:6, 2:6].reshape(-1, 3).mean(axis=0)
    assert red > 200 and green < 60 and blue > 200  # the magenta label survived encoding


def test_video_finalizer_failure_leaves_nothing(tmp_path: Path, gradient) -> None:
    with pytest.raises(RuntimeError, match="manifest"):
        write_video(tmp_path / "out.mp4", [gradient(0)] * 3, 25, labeler=FailingFinalizer())
    assert list(tmp_path.iterdir()) == []


def test_writer_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"\.mp4"):
        VideoWriter(tmp_path / "out.avi", 25)
    with pytest.raises(ValueError, match="crf"):
        VideoWriter(tmp_path / "out.mp4", 25, crf=60)
    with pytest.raises(ValueError, match="fps"):
        VideoWriter(tmp_path / "out.mp4", 0)


def test_closed_writer_refuses_frames(tmp_path: Path, gradient) -> None:
    writer = VideoWriter(tmp_path / "out.mp4", 25)
    writer.write(gradient(0))
    assert writer.close() == tmp_path / "out.mp4"
    with pytest.raises(ValueError, match="closed"):
        writer.write(gradient(0))


@pytest.mark.parametrize(
    "fps,expected",
    [
        (29.97, Fraction(30000, 1001)),
        (30000 / 1001, Fraction(30000, 1001)),
        (23.976, Fraction(24000, 1001)),
        (59.94, Fraction(60000, 1001)),
        (25, Fraction(25)),
        (12.5, Fraction(25, 2)),
        (Fraction(7, 3), Fraction(7, 3)),
    ],
)
def test_exact_rate(fps, expected) -> None:
    assert exact_rate(fps) == expected


@pytest.mark.parametrize("fps", [0, -5, float("inf"), float("nan"), 5000])
def test_exact_rate_rejects(fps) -> None:
    with pytest.raises(ValueError, match="fps"):
        exact_rate(fps)


def test_image_file_written_as_video_frame_source(tmp_path: Path) -> None:
    # The writer accepts frames straight from read_image (shape/dtype contract shared).
    Image.new("RGB", (20, 10), (0, 128, 255)).save(tmp_path / "in.png")
    frame = read_image(tmp_path / "in.png")
    assert probe_video(write_video(tmp_path / "out.mp4", [frame] * 2, 10)).frame_count == 2


def test_write_text_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "faces.json"
    assert write_text(target, '{"faces": []}\n') == target
    assert target.read_text() == '{"faces": []}\n'
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write output"):
        write_text(blocker / "sub" / "r.json", "{}")
    with pytest.raises(UnicodeEncodeError):
        write_text(tmp_path / "r.txt", "é", encoding="ascii")
    assert _leftovers(tmp_path) == [] and _leftovers(tmp_path / "reports") == []


def test_animated_image_as_audio_source(tmp_path: Path, gradient) -> None:
    frames = [Image.fromarray(gradient(i)) for i in range(3)]
    frames[0].save(tmp_path / "anim.webp", save_all=True, append_images=frames[1:], duration=100)
    path = write_video(tmp_path / "out.mp4", [gradient(0)] * 3, 10, audio_from=tmp_path / "anim.webp")
    assert probe_video(path).has_audio is False
