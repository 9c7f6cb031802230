"""THE output writer: every image and video file faceforge generates is written here.

This is the single place where generated media reaches the disk, so it is also the single
place where it is labelled as generated: a `Labeler` marks the pixels of every image and
every video frame (`label_image`, e.g. an invisible watermark) and then the finished file
(`finalize_file`, e.g. a C2PA manifest) before it becomes visible. `NoLabel` is the default
until `faceforge.provenance` plugs in; nothing else in faceforge should write media files.

Writes are atomic: the data goes to a hidden temporary file in the destination folder
(`.{name}.partial-<random>{suffix}`) which is renamed over the destination only once it is
complete and labelled. On any error the temporary file is removed, nothing appears at the
destination, and a file already there is left untouched.
"""

from __future__ import annotations

import math
import os
import queue
import secrets
import threading
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, runtime_checkable

import av
import av.error
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from faceforge.errors import CorruptMedia, OutputError
from faceforge.media._arrays import check_rgb, pad_to_even
from faceforge.media._sniff import check_input_file, sniff_file
from faceforge.media.image import write_image_bytes
from faceforge.media.video import EXACT_SCALING

# swscale's defaults sample chroma off-centre and truncate: a write + read round trip
# darkened every frame by ~1.2 levels (0.005 of L1). Accurate rounding with full
# chroma interpolation removes that bias (measured -0.03 levels); shared with video.py.

IMAGE_SUFFIXES: dict[str, str] = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
VIDEO_SUFFIXES: dict[str, str] = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
# Audio codecs the MP4/MOV muxer stores as they are; anything else is re-encoded to AAC.
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "alac", "opus", "ac3", "eac3"})
_AAC_BIT_RATE = 192_000
# NTSC rates: 29.97 means 30000/1001, and an approximate float must not drift over an hour.
_NTSC_BASES = (24, 30, 48, 60, 120, 240)
_AVCOL_BT709 = 1


@runtime_checkable
class Labeler(Protocol):
    """Marks generated media as generated. Called by the output writer only.

    `label_image` gets each H×W×3 uint8 RGB image or video frame and returns the labelled
    array (same shape and dtype) without modifying its input, which the caller still owns. `finalize_file` gets the finished temporary file before
    it is renamed into place and may rewrite it in place (e.g. embed a manifest).
    """

    def label_image(self, image: np.ndarray) -> np.ndarray: ...

    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None: ...


class NoLabel:
    """The default `Labeler`: leaves pixels and files as they are."""

    def label_image(self, image: np.ndarray) -> np.ndarray:
        return image

    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None:
        return None


def write_image(path: str | Path, image: np.ndarray, *, quality: int = 95, labeler: Labeler | None = None) -> Path:
    """Write an H×W×3 uint8 RGB image atomically; the suffix (.png/.jpg/.jpeg/.webp) picks the format.

    `quality` (1-100) applies to JPEG and WebP. The parent folder is created if missing.
    Returns the final path. Raises ValueError for a bad array or quality, OutputError for an
    unsupported suffix or when the file cannot be written.
    """
    path = Path(path)
    fmt = _format_for(path, IMAGE_SUFFIXES, "image")
    check_rgb(image, "image")
    labeler = labeler or NoLabel()
    labelled = _check_labelled(labeler.label_image(image), image.shape)
    data = write_image_bytes(labelled, fmt, quality=quality)
    return _write_atomic(path, data, lambda temp: labeler.finalize_file(temp, "image"))


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write a text file (JSON reports, CSV tables) atomically, creating the parent folder.

    Text carries no pixels to label, so no labeler is involved. Raises OutputError when
    the file cannot be written.
    """
    return write_bytes(path, text.encode(encoding))


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write a data file (a motion template, a report) atomically; no pixels, no label."""
    return _write_atomic(Path(path), data, None)


def _write_atomic(path: Path, data: bytes, finalize: Callable[[Path], None] | None) -> Path:
    """Write `data` to a hidden temp file, let `finalize` label it, then rename it into place."""
    partial = _PartialFile(path)
    try:
        with open(partial.temp, "xb") as handle:
            handle.write(data)
        if finalize is not None:
            finalize(partial.temp)
        partial.commit()
    except OSError as exc:
        partial.discard()
        raise OutputError(path, _os_reason(exc)) from exc
    except BaseException:
        partial.discard()
        raise
    return path


class VideoWriter:
    """Write H×W×3 uint8 RGB frames to an H.264 MP4, optionally with the audio of another file.

    Use as a context manager; the file appears at `path` only when the block ends without
    an exception (or `close()` is called). The video is libx264, yuv420p, BT.709 tagged,
    constant rate `fps` (exact: 29.97 is stored as 30000/1001, other floats as the nearest
    fraction with a denominator up to 1001; pass a `Fraction` to choose), quality `crf`
    (0-51, lower is better; 18 is visually lossless) and x264 `preset` (veryfast by
    default: about twice as fast to encode as medium, for a slightly larger file).

    The first frame fixes the size; odd widths/heights are padded to even by repeating the
    last row/column (H.264 4:2:0 needs even sizes), so such outputs are one pixel larger.

    `audio_from`: the first audio stream of that file is copied unchanged when MP4 can hold
    its codec (AAC, MP3, ALAC, Opus, AC-3, E-AC-3), otherwise re-encoded to AAC. Audio longer
    than the video is cut at the video's end: exactly when re-encoded, at the last packet
    starting before the end when copied (an AAC packet is ~21 ms). It stays in sync with the
    source's first video frame. A file without audio (or an animated image) adds none.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float | Fraction,
        *,
        audio_from: str | Path | None = None,
        crf: int = 18,
        preset: str = "veryfast",
        labeler: Labeler | None = None,
    ) -> None:
        self.path = Path(path)
        self._muxer = _format_for(self.path, VIDEO_SUFFIXES, "video")
        self.rate = exact_rate(fps)
        if not 0 <= crf <= 51:
            raise ValueError(f"crf must be between 0 and 51, got {crf}")
        self._crf = crf
        self._preset = preset
        self._audio_from = check_input_file(audio_from) if audio_from is not None else None
        self._labeler = labeler or NoLabel()
        self._partial: _PartialFile | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._audio: _AudioTrack | None = None
        self._shape: tuple[int, int, int] | None = None
        self._reformatter = VideoReformatter()  # reused: keeps the RGB→YUV scaler context
        self._count = 0  # frames queued
        self._encoded = 0  # frames encoded (by the encoder thread)
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=4)
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        self._closed = False

    @property
    def frames_written(self) -> int:
        return self._count

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()

    def write(self, frame: np.ndarray) -> None:
        """Queue one H×W×3 uint8 RGB frame (same size as the first) for encoding.

        Labelling and encoding run on a background thread while the caller renders the
        next frame (x264 and swscale release the GIL), so do not modify `frame` after
        passing it. An encoding error is raised by a later `write` or by `close`.
        """
        if self._closed:
            raise ValueError(f"VideoWriter for {self.path} is closed")
        check_rgb(frame, "frame")
        if self._shape is None:
            self._open(frame.shape)
            self._worker = threading.Thread(target=self._encode_queued, name="faceforge-encoder", daemon=True)
            self._worker.start()
        elif frame.shape != self._shape:
            raise ValueError(f"frame must have shape {self._shape} like the first frame, got {frame.shape}")
        self._raise_encoder_error()
        self._queue.put(frame)
        self._count += 1

    def _encode_queued(self) -> None:
        """Encoder thread: label and encode queued frames until the None sentinel."""
        while True:
            frame = self._queue.get()
            if frame is None:
                return
            if self._error is not None:
                continue  # drain after a failure
            try:
                self._encode(frame)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                self._error = exc

    def _encode(self, frame: np.ndarray) -> None:
        labelled = _check_labelled(self._labeler.label_image(frame), frame.shape)
        rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(pad_to_even(labelled)), format="rgb24")
        yuv = self._reformatter.reformat(
            rgb,
            format="yuv420p",
            dst_colorspace=Colorspace.ITU709,
            dst_color_range=ColorRange.MPEG,
            interpolation=EXACT_SCALING,
        )
        yuv.pts = self._encoded
        try:
            self._mux(self._stream_or_fail().encode(yuv))
            if self._audio is not None:
                self._audio.mux_until(float((self._encoded + 1) / self.rate))
        except (av.error.FFmpegError, OSError) as exc:
            raise OutputError(self.path, _os_reason(exc)) from exc
        self._encoded += 1

    def _stop_encoder(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()
        self._worker = None

    def _raise_encoder_error(self) -> None:
        if self._error is not None:
            error = self._error
            self._stop_encoder()
            self._abort()
            raise error

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        if self._closed:
            return self.path
        if self._count == 0:
            self._abort()
            raise OutputError(self.path, "no video frames were written")
        self._stop_encoder()
        self._raise_encoder_error()
        stream, partial = self._stream_or_fail(), self._partial
        assert partial is not None and self._container is not None
        try:
            self._mux(stream.encode(None))
            if self._audio is not None:
                self._audio.finish(float(self._count / self.rate))
                self._audio.close()
            self._container.close()
            self._labeler.finalize_file(partial.temp, "video")
            partial.commit()
        except (av.error.FFmpegError, OSError) as exc:
            self._abort()
            raise OutputError(self.path, _os_reason(exc)) from exc
        except BaseException:
            self._abort()
            raise
        self._closed = True
        return self.path

    def _open(self, shape: tuple[int, ...]) -> None:
        height, width, _ = shape
        self._shape = (height, width, 3)
        self._partial = _PartialFile(self.path)
        try:
            container = av.open(
                str(self._partial.temp), mode="w", format=self._muxer, options={"movflags": "+faststart"}
            )
            self._container = container
            stream = container.add_stream(
                "libx264", rate=self.rate, options={"crf": str(self._crf), "preset": self._preset}
            )
            stream.width, stream.height = width + width % 2, height + height % 2
            stream.pix_fmt = "yuv420p"
            context = stream.codec_context
            context.colorspace = context.color_primaries = context.color_trc = _AVCOL_BT709
            context.color_range = ColorRange.MPEG
            self._stream = stream
            if self._audio_from is not None:
                self._audio = _AudioTrack.open(self._audio_from, container)
        except (av.error.FFmpegError, OSError) as exc:
            self._abort()
            raise OutputError(self.path, _os_reason(exc)) from exc
        except BaseException:
            self._abort()
            raise

    def _stream_or_fail(self) -> av.video.stream.VideoStream:
        if self._stream is None:
            raise ValueError(f"VideoWriter for {self.path} has no open stream")
        return self._stream

    def _mux(self, packets: list[av.Packet]) -> None:
        assert self._container is not None
        self._container.mux(packets)

    def _abort(self) -> None:
        """Drop everything written so far; leaves `path` as it was."""
        self._closed = True
        if self._worker is not None and self._worker is not threading.current_thread():
            self._error = self._error or RuntimeError("aborted")  # the encoder drains the rest
            self._stop_encoder()
        if self._audio is not None:
            self._audio.close()
        if self._container is not None:
            try:
                self._container.close()
            except (av.error.FFmpegError, OSError, ValueError):
                pass  # the temporary file is deleted next anyway
            self._container = None
        if self._partial is not None:
            self._partial.discard()

    def __del__(self) -> None:
        # A writer dropped without close() must not leave a .partial file behind.
        if not getattr(self, "_closed", True):
            try:
                self._abort()
            except Exception:
                pass  # interpreter shutdown: best effort only


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    fps: float | Fraction,
    *,
    audio_from: str | Path | None = None,
    crf: int = 18,
    labeler: Labeler | None = None,
) -> Path:
    """Write all `frames` (H×W×3 uint8 RGB) to an MP4 with `VideoWriter`; returns the final path."""
    with VideoWriter(path, fps, audio_from=audio_from, crf=crf, labeler=labeler) as writer:
        for frame in frames:
            writer.write(frame)
    return writer.path


def exact_rate(fps: float | Fraction) -> Fraction:
    """The frame rate as an exact fraction: NTSC rates (29.97, 23.976, 59.94...) snap to n·1000/1001."""
    if isinstance(fps, Fraction):
        rate = fps
    else:
        value = float(fps)
        if not math.isfinite(value):
            raise ValueError(f"fps must be a positive finite number, got {fps!r}")
        rate = Fraction(value).limit_denominator(1001)
        for base in _NTSC_BASES:
            ntsc = Fraction(base * 1000, 1001)
            if abs(value - float(ntsc)) < 0.0015:
                rate = ntsc
                break
    if not 0 < rate <= 1000:
        raise ValueError(f"fps must be between 0 and 1000, got {fps!r}")
    return rate


# ----------------------------------------------------------------------------- audio


class _AudioTrack:
    """The first audio stream of another file, muxed into the output as the video advances."""

    def __init__(
        self,
        source: Path,
        container: av.container.InputContainer,
        stream: av.audio.stream.AudioStream,
        output: av.container.OutputContainer,
    ) -> None:
        self._source = source
        self._input = container
        self._in = stream
        self._output = output
        self._copy = stream.codec_context.name in MP4_AUDIO_CODECS
        self._packets = container.demux(stream)
        self._pending: av.Packet | None = None
        self._done = False
        self._time_base = stream.time_base or Fraction(1, stream.codec_context.sample_rate or 48000)
        # Keep lip sync: the output's first frame is the source video's first frame.
        video = container.streams.video[0] if container.streams.video else None
        self._offset = (
            float(video.start_time * video.time_base) if video and video.start_time and video.time_base else 0.0
        )
        if self._copy:
            self._out = output.add_stream_from_template(stream)
        else:
            rate = stream.codec_context.sample_rate or 48000
            self._out = output.add_stream("aac", rate=rate)
            self._out.bit_rate = _AAC_BIT_RATE
            self._out.format = "fltp"  # the native AAC encoder's only sample format
            # WAV and raw PCM often carry "N channels" without an order, which AAC refuses.
            channels = stream.codec_context.layout.nb_channels if stream.codec_context.layout else 2
            self._out.layout = {1: "mono", 2: "stereo"}.get(channels, "5.1" if channels >= 6 else "stereo")

    @classmethod
    def open(cls, source: Path, output: av.container.OutputContainer) -> _AudioTrack | None:
        sniffed = sniff_file(source)
        if sniffed is not None and sniffed.kind in ("image", "unsupported-image"):
            return None  # an animated GIF/WebP source has no sound to carry over
        try:
            container = av.open(str(source), mode="r", metadata_errors="ignore")
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise CorruptMedia(source, f"cannot be read for its audio: {exc}", "check the audio source") from exc
        if not container.streams.audio:
            container.close()
            return None
        try:
            return cls(source, container, container.streams.audio[0], output)
        except BaseException:
            container.close()
            raise

    def mux_until(self, end: float, *, final: bool = False) -> None:
        """Mux source audio that starts before `end` seconds (output time).

        With `final`, re-encoded audio is also trimmed to end exactly at `end`; copied
        audio can only stop at a packet boundary (an AAC packet is ~21 ms).
        """
        while not self._done:
            packet = self._pending or self._next_packet()
            self._pending = None
            if packet is None:
                self._done = True
                break
            # Before the end only whole packets go in; the one straddling the end of the
            # video waits for `finish`, which knows that this is the end.
            start = self._packet_time(packet)
            stop = start if final else start + float((packet.duration or 0) * self._time_base)
            if stop >= end:
                self._pending = packet
                break
            if self._copy:
                self._copy_packet(packet)
            else:
                self._transcode_packet(packet, end if final else None)

    def finish(self, end: float) -> None:
        """Mux what is left up to the end of the video and drop the rest."""
        self.mux_until(end, final=True)
        self._done = True
        if not self._copy:
            self._output.mux(self._out.encode(None))

    def close(self) -> None:
        self._input.close()

    def _next_packet(self) -> av.Packet | None:
        try:
            for packet in self._packets:
                if packet.size > 0 and packet.pts is not None:
                    return packet
        except av.error.FFmpegError as exc:
            raise CorruptMedia(self._source, f"its audio cannot be read: {exc}", "check the audio source") from exc
        return None

    def _packet_time(self, packet: av.Packet) -> float:
        return float((packet.pts or 0) * self._time_base) - self._offset

    def _copy_packet(self, packet: av.Packet) -> None:
        shift = round(self._offset / self._time_base) if self._offset else 0
        if shift:
            pts = packet.pts or 0  # `_next_packet` hands over timed packets only
            if float((pts + (packet.duration or 0) - shift) * self._time_base) <= 0:
                return  # entirely before the first video frame
            packet.pts = pts - shift
            if packet.dts is not None:
                packet.dts -= shift
        packet.stream = self._out
        self._output.mux(packet)

    def _transcode_packet(self, packet: av.Packet, end: float | None) -> None:
        try:
            decoded = packet.decode()
        except av.error.FFmpegError as exc:
            raise CorruptMedia(self._source, f"its audio cannot be decoded: {exc}", "check the audio source") from exc
        for frame in decoded:
            if not isinstance(frame, av.AudioFrame):
                continue
            untimed = frame.pts is None or frame.time_base is None
            start = self._packet_time(packet) if untimed else float(frame.pts * frame.time_base) - self._offset
            length = frame.samples / frame.sample_rate
            if start + length <= 0 or (end is not None and start >= end):
                continue  # before the first video frame, or after the last
            if end is not None and start + length > end:
                frame = _trim_audio(frame, round((end - start) * frame.sample_rate))
            frame.pts = None  # PyAV resamples to the encoder's format and numbers the samples
            self._output.mux(self._out.encode(frame))


def _trim_audio(frame: av.AudioFrame, samples: int) -> av.AudioFrame:
    """The first `samples` samples of an audio frame."""
    data = frame.to_ndarray()
    keep = samples if frame.format.is_planar else samples * frame.layout.nb_channels
    trimmed = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data[:, :keep]), format=frame.format.name, layout=frame.layout
    )
    trimmed.sample_rate = frame.sample_rate
    return trimmed


# ----------------------------------------------------------------------------- files


class _PartialFile:
    """A hidden temporary file next to `final`, renamed over it on commit."""

    def __init__(self, final: Path) -> None:
        if final.is_dir():
            raise OutputError(final, "it is a folder; give a file name")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(final, f"cannot create the folder {final.parent}: {_os_reason(exc)}") from exc
        self.final = final
        self.temp = final.with_name(f".{final.name}.partial-{secrets.token_hex(4)}{final.suffix}")

    def commit(self) -> None:
        os.replace(self.temp, self.final)

    def discard(self) -> None:
        try:
            self.temp.unlink(missing_ok=True)
        except OSError:
            pass  # nothing better to do; the name is hidden and marked partial


def _format_for(path: Path, suffixes: dict[str, str], kind: str) -> str:
    fmt = suffixes.get(path.suffix.lower())
    if fmt is None:
        supported = ", ".join(suffixes)
        raise OutputError(path, f"unsupported {kind} format {path.suffix or '(no suffix)'!r}; use {supported}")
    return fmt


def _check_labelled(labelled: object, shape: tuple[int, ...]) -> np.ndarray:
    image = check_rgb(labelled, "the labeler's label_image() result")
    if image.shape != shape:
        raise ValueError(f"the labeler's label_image() result must keep the shape {shape}, got {image.shape}")
    return image


def _os_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text)


__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "Labeler",
    "NoLabel",
    "VideoWriter",
    "exact_rate",
    "write_image",
    "write_text",
    "write_video",
]
