"""Probing and decoding videos (PyAV), including animated GIF/WebP/PNG (Pillow).

Decoding always runs from the first packet to the last and never seeks: seeking is
unreliable on some real clips (H.264 High 4:4:4, broken indexes) and faceforge processes
whole clips anyway. Frames come out upright (rotation metadata applied) as H×W×3 uint8 RGB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import av.error
import cv2
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, Interpolation, VideoReformatter
from PIL import Image

from faceforge.errors import CorruptMedia, InputError, UnsupportedMedia
from faceforge.media._arrays import rotate_clockwise
from faceforge.media._sniff import Sniffed, check_input_file, sniff_file
from faceforge.media.image import ImageLimits, is_animated_image, open_pillow, pillow_to_rgb, read_image

# swscale's defaults sample chroma off-centre and truncate: a write + read round trip darkened
# every frame by ~1.2 levels (0.005 of L1). Accurate rounding with full chroma interpolation
# removes that bias (measured -0.03 levels). Used for every YUV<->RGB conversion.
EXACT_SCALING = (
    Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT | Interpolation.FULL_CHR_H_INP
)

_CORRUPT_HINT = "the file is damaged or truncated (was a download or recording interrupted?)"
# Browsers show GIF/WebP frames with a delay of 10 ms or less at 100 ms; so do we.
_MIN_ANIMATION_DELAY_MS = 10
_DEFAULT_ANIMATION_DELAY_MS = 100
# Timestamp jitter tolerated before a stream counts as variable frame rate: millisecond
# time bases round 29.97 fps to alternating 33/34 ms steps, which is still constant.
_VFR_RATIO = 1.1
_VFR_MIN_SPREAD_S = 0.002
_AVCOL_SPC_UNSPECIFIED = 2


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, read without seeking.

    width, height: as displayed, i.e. AFTER rotation.
    fps: average frame rate (frames / duration for variable-frame-rate clips).
    frame_count: exact: from the container's sample table when it has one (MP4/MOV),
        otherwise by counting the packets of the video stream (one pass, no decoding).
    duration: seconds (stream duration, else container duration, else frames / fps).
    rotation: clockwise degrees (0, 90, 180, 270) a player turns the stored picture to show
        it upright; frames from `read_video` are already turned. A phone held upright gives 90.
    video_codec, audio_codec: FFmpeg codec names ("h264", "aac", "gif"...).
    variable_frame_rate: True when the frame intervals differ by more than ~10 %.
    """

    path: Path
    width: int
    height: int
    fps: float
    frame_count: int
    duration: float
    rotation: int
    has_audio: bool
    audio_codec: str | None
    video_codec: str
    variable_frame_rate: bool


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame: `index` from 0, `time` in seconds from the first frame (from the
    presentation timestamps, so variable frame rate is honoured), `image` H×W×3 uint8 RGB."""

    index: int
    time: float
    image: np.ndarray


def probe_video(path: str | Path) -> VideoInfo:
    """Describe a video file (or animated GIF/WebP/PNG) without seeking.

    Decodes the first frame only (to read rotation) and, for containers without a sample
    table, demuxes (does not decode) the rest to count frames.

    Raises MediaNotFound; UnsupportedMedia for a folder, an empty file, a still image,
    something that is not media, or a file without a video stream; CorruptMedia when the
    container cannot be parsed or the first frame cannot be decoded.
    """
    path = check_input_file(path)
    sniffed = _check_video_content(path)
    if sniffed is not None and sniffed.kind == "image":
        return _probe_animated(path, sniffed.name)
    container = _open_container(path, sniffed)
    try:
        return _probe_container(path, container)
    finally:
        container.close()


def read_video(
    path: str | Path,
    *,
    max_frames: int | None = None,
    interval: float = 0.0,
    max_short_side: int | None = None,
    skip_nonreference: bool = False,
    decoder_threads: int | None = None,
) -> Iterator[VideoFrame]:
    """Decode a video from its first frame, yielding upright H×W×3 uint8 RGB frames.

    The file is checked when this is called (same errors as `probe_video`); decoding happens
    while iterating. A stream that breaks mid-way raises CorruptMedia("decoding failed at
    frame N: ..."), also when an MP4 ends before the frame count its index promises.
    `max_frames` stops early (None = all). Closing the iterator releases the file.
    `interval` (seconds) thins the frames to about one per interval (see `FrameSampler`; indices
    and times stay those of the full video). Frames passed over are decoded but not converted to
    RGB, which is most of the cost at 720p and above.
    `max_short_side` (pixels) scales larger frames down, keeping the aspect ratio, while they are
    converted to RGB (cheaper than converting at full size and resizing after); None = full size.
    `skip_nonreference` asks the decoder to skip frames no other frame depends on (the B-frames
    of most H.264/HEVC files: about half the decoding work), for callers that thin the frames
    anyway; indices then come from the timestamps, and `max_frames` counts skipped frames too.
    `decoder_threads`: None lets FFmpeg decode on every core; 1 suits a caller that keeps the
    cores busy itself (threaded decoding costs a 720p H.264 file ~30 % more CPU in all).
    """
    if max_frames is not None and max_frames < 0:
        raise ValueError(f"max_frames must be >= 0 or None, got {max_frames}")
    if interval < 0:
        raise ValueError(f"interval must be >= 0 seconds, got {interval}")
    if max_short_side is not None and max_short_side < 16:
        raise ValueError(f"max_short_side must be >= 16 pixels or None, got {max_short_side}")
    if decoder_threads is not None and decoder_threads < 1:
        raise ValueError(f"decoder_threads must be >= 1 or None, got {decoder_threads}")
    path = check_input_file(path)
    sniffed = _check_video_content(path)
    if sniffed is not None and sniffed.kind == "image":
        frames = _thinned(_read_animated(path, sniffed.name, max_frames), interval)
        return frames if max_short_side is None else _shrunk(frames, max_short_side)
    # Open once now so a bad file fails at the call, not at the first next().
    container = _open_container(path, sniffed)
    try:
        _video_stream(path, container)
    finally:
        container.close()
    return _decode_container(path, sniffed, max_frames, interval, max_short_side, skip_nonreference, decoder_threads)


class FrameSampler:
    """About one frame per `interval` seconds, whatever rhythm the frames come in.

    A frame is taken when it reaches the next due time, or comes at most a quarter of an
    interval before it; each taken frame moves the due time one interval on, and to at least
    three quarters of one past that frame: taken frames are never closer than half an interval,
    and a gap in the stream is not followed by a burst. A strict minimum spacing would halve the
    rate whenever frames come slightly faster than the interval but not twice as fast, as the
    reference frames between the skipped B-frames of a 25 fps H.264 file do (every 160 ms,
    against 167 ms for 6 a second). `interval` 0 takes every frame.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._due: float | None = None

    def take(self, time: float) -> bool:
        if self._due is not None and time < self._due - 0.25 * self.interval - 1e-6:
            return False
        due = time if self._due is None else self._due
        self._due = max(due + self.interval, time + 0.75 * self.interval)
        return True


def _thinned(frames: Iterator[VideoFrame], interval: float) -> Iterator[VideoFrame]:
    sampler = FrameSampler(interval)
    for frame in frames:
        if sampler.take(frame.time):
            yield frame


def _shrunk(frames: Iterator[VideoFrame], max_short_side: int) -> Iterator[VideoFrame]:
    for frame in frames:
        h, w = frame.image.shape[:2]
        size = _scaled_size(w, h, max_short_side)
        image = frame.image if size == (w, h) else cv2.resize(frame.image, size, interpolation=cv2.INTER_AREA)
        yield VideoFrame(frame.index, frame.time, image)


def _scaled_size(width: int, height: int, max_short_side: int | None) -> tuple[int, int]:
    """(width, height) with the short side at most `max_short_side`, even sides when scaled."""
    if max_short_side is None or min(width, height) <= max_short_side:
        return width, height
    s = max_short_side / min(width, height)
    return max(2, round(width * s / 2) * 2), max(2, round(height * s / 2) * 2)


_IMAGE_NAME_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif"}


def read_media(
    path: str | Path, *, image_megapixels: float | None = None
) -> tuple[Literal["image"], np.ndarray] | tuple[Literal["video"], VideoInfo]:
    """Read an image or describe a video, deciding by content: ("image", array) or ("video", info).

    Animated GIF/WebP/PNG are videos. Anything else raises like `read_image` / `probe_video`.
    image_megapixels: a larger image comes back scaled down to about that many (`read_image`'s
    fit_megapixels).
    """
    path = check_input_file(path)
    sniffed = sniff_file(path)
    if sniffed is not None and sniffed.kind == "image" and not is_animated_image(path, sniffed):
        return ("image", read_image(path, fit_megapixels=image_megapixels))
    if sniffed is not None and sniffed.kind == "unsupported-image":
        read_image(path)  # raises the HEIC/AVIF message
    if sniffed is None and path.suffix.lower() in _IMAGE_NAME_SUFFIXES:
        read_image(path)  # unknown content under a photo's name: raises "not an image"
    return ("video", probe_video(path))


def is_video_file(path: str | Path) -> bool:
    """True if the content is a video with a video stream (or an animated GIF/WebP/PNG).

    Reads the container header only; never raises.
    """
    try:
        path = check_input_file(path)
        sniffed = sniff_file(path)
        if sniffed is None or sniffed.kind in ("audio", "unsupported-image"):
            return False
        if sniffed.kind == "image":
            return is_animated_image(path, sniffed)
        with av.open(str(path)) as container:
            return _first_video_stream(container) is not None
    except (OSError, ValueError, av.error.FFmpegError, InputError):
        return False


# ----------------------------------------------------------------------------- containers


def _check_video_content(path: Path) -> Sniffed | None:
    sniffed = sniff_file(path)
    if sniffed is None or sniffed.kind == "video":
        return sniffed
    if sniffed.kind == "audio":
        raise UnsupportedMedia(path, "has no video stream (audio only?)", "give a video file")
    if sniffed.kind == "unsupported-image" or not is_animated_image(path, sniffed):
        raise UnsupportedMedia(path, "is a still image, not a video", "use read_image for photos")
    return sniffed


def _open_container(path: Path, sniffed: Sniffed | None) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        if sniffed is None:
            raise UnsupportedMedia(
                path,
                "not a video or image (content is not a known media format)",
                "give a video such as MP4, MOV, MKV, WebM or AVI",
            ) from exc
        raise CorruptMedia(
            path, f"the {sniffed.name.upper()} container cannot be parsed: {_reason(exc)}", _CORRUPT_HINT
        ) from exc


def _first_video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        # Cover art in audio files is a one-picture "video" stream flagged attached_pic.
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _video_stream(path: Path, container: av.container.InputContainer) -> av.video.stream.VideoStream:
    stream = _first_video_stream(container)
    if stream is None:
        raise UnsupportedMedia(path, "has no video stream (audio only?)", "give a video file")
    return stream


def _probe_container(path: Path, container: av.container.InputContainer) -> VideoInfo:
    stream = _video_stream(path, container)
    time_base = stream.time_base or Fraction(1, 1_000_000)
    index_times = [entry.timestamp for entry in stream.index_entries]
    # MP4/MOV list every sample in their index; elsewhere count packets in one demux pass.
    known = stream.frames > 0 and len(index_times) == stream.frames
    first, packet_times = _first_frame_and_packet_times(path, container, stream, count_all=not known)
    times = index_times if known else packet_times
    frame_count = len(times)
    if frame_count == 0:
        raise CorruptMedia(path, "the video stream has no frames", _CORRUPT_HINT)

    if stream.duration:
        duration = float(stream.duration * time_base)
    elif container.duration:
        duration = container.duration / av.time_base
    else:
        duration = 0.0
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else (frame_count / duration if duration > 0 else 0.0)
    if duration <= 0 and fps > 0:
        duration = frame_count / fps

    # The decoded frame is the truth; some containers leave the stream size at 0.
    rotation = _clockwise_rotation(first) if first is not None else 0
    width = first.width if first is not None else stream.codec_context.width
    height = first.height if first is not None else stream.codec_context.height
    if rotation in (90, 270):
        width, height = height, width
    audio = container.streams.audio[0] if container.streams.audio else None
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=fps,
        frame_count=frame_count,
        duration=duration,
        rotation=rotation,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        video_codec=stream.codec_context.name,
        variable_frame_rate=_is_variable_rate(times, time_base),
    )


def _first_frame_and_packet_times(
    path: Path, container: av.container.InputContainer, stream: av.video.stream.VideoStream, *, count_all: bool
) -> tuple[av.VideoFrame | None, list[int]]:
    """Decode until the first frame (for its size and rotation); optionally demux on to the end."""
    first: av.VideoFrame | None = None
    times: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.size > 0:
                stamp = packet.pts if packet.pts is not None else packet.dts
                times.append(stamp if stamp is not None else len(times))
            if first is None:  # an empty packet drains the decoder: the first frame may wait there
                decoded = packet.decode()
                first = decoded[0] if decoded else None
            if first is not None and not count_all:
                break
    except av.error.FFmpegError as exc:
        where = "decoding failed at frame 0" if first is None else f"the stream breaks after packet {len(times)}"
        raise CorruptMedia(path, f"{where}: {_reason(exc)}", _CORRUPT_HINT) from exc
    return first, times


def _clockwise_rotation(frame: av.VideoFrame) -> int:
    # PyAV reports the display matrix as counter-clockwise degrees in [-180, 180].
    return int(round(-frame.rotation / 90.0)) * 90 % 360


def _is_variable_rate(times: list[int], time_base: Fraction) -> bool:
    if len(times) < 3:
        return False
    steps = np.diff(np.sort(np.asarray(times, dtype=np.int64)))
    steps = steps[steps > 0]
    if steps.size < 2:
        return False
    low, high = int(steps.min()), int(steps.max())
    return high > low * _VFR_RATIO and float((high - low) * time_base) > _VFR_MIN_SPREAD_S


# ----------------------------------------------------------------------------- decoding


def _decode_container(
    path: Path,
    sniffed: Sniffed | None,
    max_frames: int | None,
    interval: float = 0.0,
    max_short_side: int | None = None,
    skip_nonreference: bool = False,
    decoder_threads: int | None = None,
) -> Iterator[VideoFrame]:
    container = _open_container(path, sniffed)
    try:
        stream = _video_stream(path, container)
        if decoder_threads == 1:
            stream.codec_context.thread_count = 1
        else:
            stream.thread_type = "AUTO"
            if decoder_threads is not None:
                stream.codec_context.thread_count = decoder_threads
        if skip_nonreference:
            stream.codec_context.skip_frame = "NONREF"
        expected = stream.frames
        start = stream.start_time
        fps = float(stream.average_rate or stream.guessed_rate or 25)
        if max_frames == 0:
            return
        reformatter = _Reformatter()
        index = 0  # of the next decoded frame (skipping: of the last one, from its timestamp)
        coded = 0  # frame packets seen: every frame, decoded or skipped
        sampler = FrameSampler(interval)
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets, None)
                frames = packet.decode() if packet is not None else []
            except av.error.FFmpegError as exc:
                raise CorruptMedia(path, f"decoding failed at frame {index}: {_reason(exc)}", _CORRUPT_HINT) from exc
            if packet is None:
                break
            coded += packet.size > 0
            for frame in frames:
                if start is None and frame.pts is not None:
                    start = frame.pts
                time = _frame_time(frame, start, index, fps)
                if skip_nonreference:  # frames were skipped: the index comes from the timestamp
                    index = max(index, round(time * fps))
                if max_frames is not None and index >= max_frames:
                    return
                if sampler.take(time):
                    yield VideoFrame(index, time, _frame_to_rgb(frame, reformatter, max_short_side))
                if not skip_nonreference:
                    index += 1
        # MP4/MOV promise a frame count; a file cut at a packet boundary just stops early.
        if expected and max(index, coded) < expected:
            raise CorruptMedia(
                path,
                f"decoding failed at frame {index}: the file ends early ({expected} frames expected)",
                _CORRUPT_HINT,
            )
    finally:
        container.close()


def _frame_time(frame: av.VideoFrame, start: int | None, index: int, fps: float) -> float:
    if frame.pts is None or frame.time_base is None:
        return index / fps
    return float((frame.pts - (start or 0)) * frame.time_base)


@dataclass
class _Reformatter:
    """The stream's scaler contexts, reused from frame to frame (worth ~20 % at 1080p): one for
    the colour conversion, one for scaling down before it."""

    convert: VideoReformatter = field(default_factory=VideoReformatter)
    scale: VideoReformatter = field(default_factory=VideoReformatter)


def _frame_to_rgb(frame: av.VideoFrame, reformatter: _Reformatter, max_short_side: int | None = None) -> np.ndarray:
    """Convert a decoded frame to upright RGB with the matrix and range it is tagged with.

    Untagged video is read the way players read it: BT.709 from 720 lines up, else BT.601.
    """
    rotation = _clockwise_rotation(frame)
    colorspace = frame.colorspace
    if colorspace == _AVCOL_SPC_UNSPECIFIED:
        colorspace = Colorspace.ITU709 if frame.height >= 720 else Colorspace.ITU601
    color_range = frame.color_range
    if color_range not in (ColorRange.MPEG, ColorRange.JPEG):
        color_range = ColorRange.JPEG if frame.format.name.startswith("yuvj") else ColorRange.MPEG
    width, height = _scaled_size(frame.width, frame.height, max_short_side)
    if (width, height) == (frame.width, frame.height):
        # Full size: no rounding or chroma-siting bias (see media/output.py).
        interpolation = EXACT_SCALING
    else:
        # Scaled down for analysis: the planes are scaled with an area filter first, in the
        # frame's own pixel format, then converted by swscale's fast path. At 720p → 480p that
        # costs half of scaling and converting in one step (0.8 ms a frame instead of 1.7), and
        # is nearer the exact conversion: against full-size EXACT_SCALING then an area resize,
        # a mean error of −1.1 to −1.3 grey levels on the benchmark's clips, where the one-step
        # area conversion was −1.5 to −2.5.
        if frame.format.name.startswith("yuv"):
            frame = reformatter.scale.reformat(
                frame, width=width, height=height, format=frame.format.name, interpolation=Interpolation.AREA
            )
            interpolation = None
        else:
            interpolation = Interpolation.AREA
    converted = reformatter.convert.reformat(
        frame,
        width=width,
        height=height,
        format="rgb24",
        src_colorspace=colorspace,
        src_color_range=color_range,
        interpolation=interpolation,
    )
    rgb = np.ascontiguousarray(converted.to_ndarray())
    return rotate_clockwise(rgb, rotation)


def _reason(exc: BaseException) -> str:
    """FFmpeg's message without PyAV's errno prefix."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).rstrip(".")


# ----------------------------------------------------------------------------- animations


def _animation_delays_ms(im: Image.Image) -> list[float]:
    delays = []
    for index in range(getattr(im, "n_frames", 1)):  # only the animated formats' plugins have it
        im.seek(index)
        if "duration" not in im.info:
            im.load()  # WebP only reports a frame's duration once it is decoded
        delay = float(im.info.get("duration") or 0)
        delays.append(delay if delay > _MIN_ANIMATION_DELAY_MS else _DEFAULT_ANIMATION_DELAY_MS)
    return delays


def _probe_animated(path: Path, fmt: str) -> VideoInfo:
    with open_pillow(path, fmt) as im:
        ImageLimits.resolve().check(path, *im.size)
        try:
            delays = _animation_delays_ms(im)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptMedia(path, f"the animation cannot be read: {exc}", _CORRUPT_HINT) from exc
        width, height = im.size
    duration = sum(delays) / 1000.0
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=len(delays) / duration,
        frame_count=len(delays),
        duration=duration,
        rotation=0,
        has_audio=False,
        audio_codec=None,
        video_codec={"png": "apng"}.get(fmt, fmt),
        variable_frame_rate=len(set(delays)) > 1,
    )


def _read_animated(path: Path, fmt: str, max_frames: int | None) -> Iterator[VideoFrame]:
    with open_pillow(path, fmt) as im:
        ImageLimits.resolve().check(path, *im.size)
        count = getattr(im, "n_frames", 1)
    if max_frames is not None:
        count = min(count, max_frames)
    return _decode_animated(path, fmt, count)


def _decode_animated(path: Path, fmt: str, count: int) -> Iterator[VideoFrame]:
    with open_pillow(path, fmt) as im:
        time_ms = 0.0
        for index in range(count):
            try:
                im.seek(index)
                im.load()
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise CorruptMedia(path, f"decoding failed at frame {index}: {exc}", _CORRUPT_HINT) from exc
            delay = float(im.info.get("duration") or 0)
            yield VideoFrame(index, time_ms / 1000.0, pillow_to_rgb(path, im))
            time_ms += delay if delay > _MIN_ANIMATION_DELAY_MS else _DEFAULT_ANIMATION_DELAY_MS


__all__ = [
    "FrameSampler",
    "VideoFrame",
    "VideoInfo",
    "is_video_file",
    "probe_video",
    "read_media",
    "read_video",
]
