"""`detect(path)`: find and follow the faces, run every signal, pool, fuse, explain.

Frame sampling for video (what makes it fast on a CPU): about `analysis_fps` frames a second are
analysed (6 by default: a pulse up to 180 bpm is still below the Nyquist rate, and most blinks,
which last 100–400 ms, show in at least one frame; `faceforge.media.video.FrameSampler` keeps that
rate when only the reference frames are decoded). When that is every second frame or sparser,
the decoder skips the frames nothing depends on (most files' B-frames: about half the decoding),
and the analysed frames are converted to RGB already scaled down to `analysis_short_side` (480 px:
faces stay larger than the 128 px model crops need, and the fused model was fitted on 256 px
video). The track signals (pulse, behaviour, temporal, shading, seam) see every analysed frame; the
frame signals (blending, frequency, noise), which cost a neural network or an FFT per face, see
about `frame_samples` frames per face spread evenly over the video. Frame scores are pooled per
track with a top-quarter mean; a video is as suspicious as its most suspicious face track (a
video with one swapped face among several real ones is fake). The timeline has a point for every
analysed frame: the fusion of the frame signals at the nearest sampled frame and of the track
signals near that moment (those that can judge a stretch of the track: frame-to-frame detail,
shading, seam flicker; the others over the whole track), so a stretch that was manipulated stands out, and a
note points at it when only that stretch reaches 'high'. The label check (C2PA manifest; the
watermark in the first full-size frame that is not black, in the first 8 when that one shows a
trace of it) runs on a helper thread; the frames are decoded on another and the faces tracked on
a third, each a few frames ahead of the next stage (`faceforge.media.prefetch`): they overlap on
two cores because decoding, MediaPipe and OpenCV release the GIL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cv2
import numpy as np

from faceforge.faces.face import Face
from faceforge.forensics.fusion import Combiner, Fusion, load_fusion
from faceforge.forensics.pooling import top_k_mean
from faceforge.forensics.result import Detection, FaceVerdict, MediaKind, SuspiciousFrame, TimelinePoint
from faceforge.forensics.signal import (
    FaceEvidence,
    FrameSignal,
    LocalTrackAccumulator,
    SignalInfo,
    SignalScore,
    TrackAccumulator,
    TrackSignal,
)

if TYPE_CHECKING:
    from faceforge.faces.tracker import TrackerOptions
    from faceforge.media.video import VideoInfo

Progress = Callable[[int, int | None], None]  # (frames done, frames expected or None)

FRAME_SIGNALS = ("blending", "frequency", "noise")
TRACK_SIGNALS = ("pulse", "behaviour", "temporal", "shading", "seam")
_CROP_SIDE = 320  # report crops are at most this many pixels on a side
# The label check of a video: its first frame that is not black, and its first 8 when that frame
# shows a trace of a watermark (`quick`; `faceforge verify` reads 30: ~3× the face analysis at 720p).
WATERMARK_FRAMES = 8
_LOW_BITS_PER_PIXEL = 0.015  # video below this (per pixel per frame) is heavily compressed (web 720p ≈ 0.05)


@dataclass(frozen=True)
class DetectOptions:
    """analysis_fps: video frames analysed per second (about). frame_samples: frames per face track that
    the frame signals score. max_duration: seconds of video analysed from the start (None = all).
    suspicious_frames: crops kept for the report. analysis_short_side: larger video frames are
    scaled down to this short side (pixels) for the analysis (None = full size). photo_megapixels:
    larger photos are scaled down to this many megapixels for the analysis (None = full size).
    thorough_search: a photo's faces are searched as the effects search them, also in the
    mirror-padded border, which finds small faces cut by the frame edge but also takes logos and
    lettering for faces (see `_detect_image`)."""

    # 6 fps at ≤ 480 px, not 5 fps at ≤ 360 px (2026-11-28, bench/detect.py, both benchmarks run
    # side by side, the track signals recalibrated at 5 fps): the cheaper pair took 27 % less time on
    # the 10 s 720p clip (0.72 s vs 0.99 s) but cost the video benchmark (pooled AUC 0.918 vs 0.923;
    # mean over 5 fold draws 0.922 vs 0.931; the pulse n/a on 20 of 89 clips, under its 5 fps floor).
    # 360 px alone (8 % less time) changed no corpus figure (its videos are 256 px) and the original
    # videos' AUC little (0.942 vs 0.939), but left the face of a 1080p wide shot (DFDC) too small for
    # the temporal, shading and seam signals.
    analysis_fps: float = 6.0
    analysis_short_side: int | None = 480
    # 6, not 12 (2026-11-27, bench/detect.py): the video combiner gives the frame signals little
    # weight, and halving their samples changed no benchmark figure beyond its noise (pooled video
    # AUC 0.931 vs 0.928; mean over 5 fold draws 0.924 vs 0.923) while the 10 s 720p clip took
    # 11 % less time (0.940 s vs 1.036 s, 7 runs side by side).
    frame_samples: int = 6
    # 2.1 MP: the benchmark measured every signal on images up to 1920×1080 (2.07 MP), and the face
    # search works at 1152 px anyway (`FaceDetector.WORK_SIDE`). A 14 MP camera JPEG then decodes
    # at half size (DCT scaling); its faces keep 39 % of their width, so one under about 40 px
    # between the eyes at full size becomes too small for the blending signal (`--thorough`
    # analyses at full size). bench/detect_big.py (2026-11-28): on the 23 real photos of
    # ../shared/data over 2.1 MP and a swap made from each, the probability 0.013 apart (median; at
    # most 0.12), real against swapped AUC 0.72 scaled, 0.73 full size, the risk the same on 37 of
    # 46 (most still-image probabilities sit near the 'medium' line); those of 8 MP and more took
    # 0.24 s against 0.57 s.
    photo_megapixels: float | None = 2.1
    max_duration: float | None = None
    suspicious_frames: int = 3
    heatmaps: bool = True
    thorough_search: bool = False

    def __post_init__(self) -> None:
        if not 1.0 <= self.analysis_fps <= 60.0:
            raise ValueError(f"analysis_fps must be in 1..60, got {self.analysis_fps}")
        if self.frame_samples < 1:
            raise ValueError(f"frame_samples must be at least 1, got {self.frame_samples}")
        if self.max_duration is not None and self.max_duration <= 0:
            raise ValueError(f"max_duration must be positive seconds or None, got {self.max_duration}")
        if self.analysis_short_side is not None and self.analysis_short_side < 64:
            raise ValueError(f"analysis_short_side must be >= 64 pixels or None, got {self.analysis_short_side}")
        if self.photo_megapixels is not None and not self.photo_megapixels >= 0.01:
            raise ValueError(f"photo_megapixels must be >= 0.01 or None, got {self.photo_megapixels}")


def tracker_options() -> TrackerOptions:
    """How `detect` follows faces in video. Raw landmarks: smoothing would hide the jitter the
    behaviour signal measures. The periodic search for faces that appear while others are
    followed skips the detector's tiles (~100 ms a search at 720p): a face under a tenth of the
    frame's longer side is too small for most signals to judge anyway."""
    from faceforge.faces.tracker import TrackerOptions

    return TrackerOptions(smoothing=0.0, newcomer_tiles=False)


@cache
def frame_signals() -> tuple[FrameSignal, ...]:
    from faceforge.forensics.blending import BlendingSignal
    from faceforge.forensics.frequency import FrequencySignal
    from faceforge.forensics.noise import NoiseSignal

    return (BlendingSignal(), FrequencySignal(), NoiseSignal())


@cache
def track_signals() -> tuple[TrackSignal, ...]:
    from faceforge.forensics.behaviour import BehaviourSignal
    from faceforge.forensics.pulse import PulseSignal
    from faceforge.forensics.seam import SeamSignal
    from faceforge.forensics.shading import ShadingSignal
    from faceforge.forensics.temporal import TemporalSignal

    return (PulseSignal(), BehaviourSignal(), TemporalSignal(), ShadingSignal(), SeamSignal())


def all_signal_infos() -> list[SignalInfo]:
    """SignalInfo of every signal, in report order."""
    from faceforge.forensics.provenance import ProvenanceSignal

    return [s.info for s in frame_signals()] + [s.info for s in track_signals()] + [ProvenanceSignal.info]


def detect(
    path: str | Path,
    options: DetectOptions = DetectOptions(),
    *,
    fusion: Fusion | Combiner | None = None,
    progress: Progress | None = None,
) -> Detection:
    """Screen one image or video for manipulated faces.

    Raises the media errors of `faceforge.media` for files that cannot be read (MediaNotFound,
    UnsupportedMedia, CorruptMedia, MediaTooLarge). A file without a face is not an error: its
    Detection has fake_probability None and says "no face found; nothing to judge".
    `fusion`: the combiners to use (default: the shipped ones); a single combiner is used for
    images and videos alike.
    """
    from faceforge.media.image import image_info
    from faceforge.media.video import read_media

    started = time.perf_counter()
    fusion = fusion or load_fusion()
    kind, payload = read_media(path, image_megapixels=options.photo_megapixels)
    model = fusion.for_kind(kind) if isinstance(fusion, Fusion) else fusion
    path = Path(path)
    # The label check (C2PA, and the watermark searched in the image or in the first full-size
    # video frame that is not black: the first 8 when that one shows a trace of it) runs beside
    # the analysis, on the image's pixels already decoded (a large photo's scaled down: the
    # watermark reader shrinks it further anyway, its tile scales with the picture).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="faceforge-label") as pool:
        pending = pool.submit(read_label, path, payload if isinstance(payload, np.ndarray) else None)
        if isinstance(payload, np.ndarray):
            info = image_info(path)
            result = _detect_image(path, payload, (info.height, info.width), options, model)
        else:
            result = _detect_video(path, payload, options, model, progress)
        label = pending.result()
    result = _with_provenance(result, label)
    return _replace(result, seconds=time.perf_counter() - started)


# ----------------------------------------------------------------------------- images


def _detect_image(
    path: Path, image: np.ndarray, size: tuple[int, int], options: DetectOptions, fusion: Combiner
) -> Detection:
    """size: the photo's own (height, width); `image` may be scaled down from it."""
    from faceforge.faces.analyzer import analyze

    # Not the thorough search of the effects: every face found is judged and any one can raise
    # the photo's risk, so a false face is a false alarm. The lighter search finds none of the
    # 7 false faces the thorough one finds on the 200 marked portraits, loses 3 of 214 faces
    # (small, cut by the edges of a group selfie) and takes half the time (bench/faces.py).
    faces = analyze(image, masks=False, thorough=options.thorough_search)
    notes = _skill_notes(fusion, "still images") + _image_notes(path, size)
    if not faces:
        return _nothing(path, "image", "no face found; nothing to judge", size, notes)
    verdicts, crops = [], []
    for track, face in enumerate(faces):
        evidence = {s.info.name: s.score_face(image, face, want_heatmap=options.heatmaps) for s in frame_signals()}
        signals = {
            name: SignalScore(ev.score, ev.reason or _default_reason(ev), ev.details) for name, ev in evidence.items()
        }
        for s in track_signals():
            signals[s.info.name] = SignalScore(None, "needs a video: a still image has no pulse, blinks or motion")
        samples = ((0, 0.0, {name: ev.score for name, ev in evidence.items()}),)
        verdict = _verdict(track, signals, (0,), fusion, samples)
        verdicts.append(verdict)
        if verdict.probability is not None:
            crops.append(_suspicious(image, face, 0, None, track, verdict.probability, evidence))
    crops.sort(key=lambda c: -c.probability)
    return _combine(
        path,
        "image",
        verdicts,
        [],
        crops[: options.suspicious_frames],
        notes,
        size,
        None,
        1,
        fusion.deciding_signals,
    )


def _skill_notes(fusion: Combiner, what: str) -> list[str]:
    """A plain warning when the combiner used has not shown skill on faceforge's benchmark (it then
    never says 'high' either: `Combiner.risk`)."""
    if fusion.shows_skill:
        return []
    measured = fusion.measured_auc_interval
    interval = f", 95 % interval {measured[0]:.2f}–{measured[1]:.2f}" if measured else ""
    return [
        f"faceforge's screening of {what} has not yet shown skill on its benchmark (AUC "
        f"{fusion.measured_auc:.2f} out-of-fold{interval}, 0.5 is chance): read this verdict as exploration, "
        "not as evidence; it goes no higher than medium risk"
    ]


def _image_notes(path: Path, size: tuple[int, int]) -> list[str]:
    notes = []
    try:
        bits = path.stat().st_size * 8 / (size[0] * size[1])
    except OSError:
        bits = None
    if bits is not None and bits < 0.6 and path.suffix.lower() in {".jpg", ".jpeg", ".webp"}:
        notes.append(
            f"heavily compressed ({bits:.2f} bits per pixel): compression erases the fine traces the "
            "frequency and noise signals look for, so they are less reliable here"
        )
    if min(size) < 160:
        notes.append(f"small image ({size[1]}×{size[0]}): little detail to judge")
    return notes


# ----------------------------------------------------------------------------- video


@dataclass
class _Track:
    track_id: int
    accumulators: dict[str, TrackAccumulator]
    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # of those frames, seconds
    frame_scores: dict[str, list[float]] = field(default_factory=dict)
    sampled: list[tuple[int, float, dict[str, float | None]]] = field(default_factory=list)
    candidates: list[SuspiciousFrame] = field(default_factory=list)  # the sampled frames' report crops
    peaks: dict[str, tuple[float, float, str | None]] = field(default_factory=dict)  # signal → (score, time, reason)


def _detect_video(
    path: Path, info: VideoInfo, options: DetectOptions, fusion: Combiner, progress: Progress | None
) -> Detection:
    from faceforge.faces.tracker import FaceTracker
    from faceforge.media.prefetch import prefetched
    from faceforge.media.video import VideoFrame, read_video

    duration = info.duration if options.max_duration is None else min(info.duration, options.max_duration)
    step = 1.0 / min(options.analysis_fps, max(info.fps, 1.0))
    expected = max(1, int(duration / step) + 1)
    stride = max(1, round(expected / options.frame_samples))
    notes = _skill_notes(fusion, "videos") + _video_notes(path, info, options)
    tracker = FaceTracker(tracker_options())
    tracks: dict[int, _Track] = {}
    analysed = 0

    def tracked(stream: Iterator[VideoFrame]) -> Iterator[tuple[VideoFrame, list[Face]]]:
        for frame in stream:
            if options.max_duration is not None and frame.time > options.max_duration:
                return
            yield frame, tracker.update(frame.image, frame.time)

    try:
        frames = read_video(
            path,
            interval=step,
            max_short_side=options.analysis_short_side,
            skip_nonreference=step >= 2.0 / max(info.fps, 1.0),
            decoder_threads=1,  # the tracking and the signals keep both cores busy
        )
        # Three stages, each on its own thread a few frames ahead of the next (see
        # media.prefetch): decoding, face tracking (MediaPipe), the signals here. On two cores
        # the tracking of the next frames overlaps the signals of this one. `closing`: whatever
        # ends the loop, the helpers stop and the file is closed right here.
        with (
            closing(prefetched(frames, name="faceforge-decode")) as stream,
            closing(prefetched(tracked(stream), name="faceforge-track")) as faces_by_frame,
        ):
            for frame, faces in faces_by_frame:
                for face in faces:
                    _observe(tracks, face, frame.image, frame.index, frame.time, stride, info.fps, options, fusion)
                analysed += 1
                if progress is not None:
                    progress(analysed, expected)
    finally:
        tracker.close()  # after the tracking helper has stopped: `closing` joined it
    if not tracks:
        return _nothing(
            path, "video", "no face found; nothing to judge", (info.height, info.width), notes, info.duration, analysed
        )

    verdicts: list[FaceVerdict] = []
    timeline_by_frame: dict[int, TimelinePoint] = {}
    crops: list[SuspiciousFrame] = []
    for tr in tracks.values():
        signals: dict[str, SignalScore] = {}
        for name in FRAME_SIGNALS:
            signals[name] = _pooled(name, tr)
        for name, acc in tr.accumulators.items():
            signals[name] = acc.result()
        verdict = _verdict(tr.track_id, signals, tuple(tr.frames), fusion, tuple(tr.sampled))
        verdicts.append(verdict)
        if verdict.probability is None:  # not judged: no timeline points or crops with a made-up score
            continue
        track_scores = {n: signals[n].score for n in TRACK_SIGNALS if n in signals}
        moments = dict(zip(tr.frames, _moment_scores(tr, track_scores, tr.times)))
        sample_times = np.array([t for _, t, _ in tr.sampled])
        for index, t in zip(tr.frames, tr.times):
            _, _, frame_scores = tr.sampled[_nearest(sample_times, t)]
            scores = {**frame_scores, **moments[index]}
            p = fusion.probability(scores)
            if index not in timeline_by_frame or p > timeline_by_frame[index].probability:
                timeline_by_frame[index] = TimelinePoint(index, t, p, scores)
        for crop in tr.candidates:  # sampled frames are analysed frames: their moments are known
            crops.append(_replace_crop(crop, fusion.probability({**crop.scores, **moments[crop.frame]})))
    timeline = [timeline_by_frame[k] for k in sorted(timeline_by_frame)]
    notes += stretch_notes(timeline, fusion)
    crops.sort(key=lambda c: -c.probability)
    shape = (info.height, info.width)
    return _combine(
        path,
        "video",
        verdicts,
        timeline,
        crops[: options.suspicious_frames],
        notes,
        shape,
        info.duration,
        analysed,
        fusion.deciding_signals,
    )


STRETCH_MIN_S = 2.0  # a stretch of the timeline shorter than this is not pointed out (see stretch_notes)
_STRETCH_MAX_GAP_S = 1.0  # timeline points further apart (the face was away) end a stretch
_STRETCH_WHOLE = 0.8  # stretches covering this share of the timeline are the whole clip, not a part


def timeline_stretches(
    timeline: Sequence[TimelinePoint], threshold: float, min_seconds: float = STRETCH_MIN_S
) -> list[tuple[float, float]]:
    """(start, end) seconds of the runs of consecutive timeline points at or above `threshold`
    that last at least `min_seconds`."""
    stretches: list[tuple[float, float]] = []
    start: float | None = None  # of the run going on
    end = 0.0  # its last point so far
    for point in timeline:
        above = point.probability >= threshold
        if start is not None and (not above or point.time - end > _STRETCH_MAX_GAP_S):
            if end - start >= min_seconds:
                stretches.append((start, end))
            start = None
        if above:
            start = point.time if start is None else start
            end = point.time
    if start is not None and end - start >= min_seconds:
        stretches.append((start, end))
    return stretches


def stretch_notes(timeline: Sequence[TimelinePoint], fusion: Combiner) -> list[str]:
    """Where to look, when only part of the clip reaches 'high' (a face swapped or animated for a
    stretch only). The local estimates are noisier than the whole track's: out of fold, stretches
    of 1 s flagged 13 % of the benchmark's real clips, stretches of 2 s (STRETCH_MIN_S) 5 %, as
    many as reach 'high' as a whole (`bench/README.md`, section detect)."""
    if len(timeline) < 2 or not fusion.shows_skill:  # a combiner without skill says no 'high'
        return []
    stretches = timeline_stretches(timeline, fusion.high)
    span = timeline[-1].time - timeline[0].time
    covered = sum(end - start for start, end in stretches)
    if not stretches or covered >= _STRETCH_WHOLE * span:
        return []
    where = ", ".join(f"{start:.1f}–{end:.1f} s" for start, end in stretches[:3])
    more = f" and {len(stretches) - 3} more" if len(stretches) > 3 else ""
    return [f"the timeline reaches 'high' at {where}{more} while the rest of the clip stays lower: look there first"]


def _moment_scores(tr: _Track, track_scores: dict[str, float | None], times: Sequence[float]) -> list[dict]:
    """The track signals' scores at each time for the timeline: a signal that can judge moments
    (`LocalTrackAccumulator`) gives its score from the evidence near that time; the others, and
    every signal at a time with too little evidence nearby, their score for the whole track."""
    moments = [dict(track_scores) for _ in times]
    for name, acc in tr.accumulators.items():
        if track_scores.get(name) is None or not isinstance(acc, LocalTrackAccumulator):
            continue
        for moment, local in zip(moments, acc.local_scores(times)):
            if local is not None:
                moment[name] = local
    return moments


def _nearest(times: np.ndarray, t: float) -> int:
    """Index of the value in `times` (ascending, not empty) nearest to t."""
    i = int(np.searchsorted(times, t))
    if i == len(times) or (i > 0 and t - times[i - 1] <= times[i] - t):
        return i - 1
    return i


def _observe(
    tracks: dict[int, _Track],
    face: Face,
    image: np.ndarray,
    index: int,
    t: float,
    stride: int,
    fps: float,
    options: DetectOptions,
    fusion: Combiner,
) -> None:
    track_id = face.track_id if face.track_id is not None else 0
    tr = tracks.get(track_id)
    if tr is None:
        tr = tracks[track_id] = _Track(
            track_id,
            {s.info.name: s.start(min(fps, options.analysis_fps), maps=options.heatmaps) for s in track_signals()},
        )
    for acc in tr.accumulators.values():
        acc.add(image, face, t)
    if len(tr.frames) % stride == 0:
        evidence = {s.info.name: s.score_face(image, face, want_heatmap=options.heatmaps) for s in frame_signals()}
        scores = {name: ev.score for name, ev in evidence.items()}
        for name, ev in evidence.items():
            if ev.score is not None:
                tr.frame_scores.setdefault(name, []).append(ev.score)
                if name not in tr.peaks or ev.score > tr.peaks[name][0]:
                    tr.peaks[name] = (ev.score, t, ev.reason)
        tr.sampled.append((index, t, scores))
        # Every sampled frame is a candidate for the report's most suspicious frames: which ones
        # are is known only at the end, when the track signals can say how suspicious each moment
        # was (the frame signals alone would pick other frames than the timeline's peaks).
        if options.suspicious_frames:
            tr.candidates.append(_suspicious(image, face, index, t, track_id, fusion.probability(scores), evidence))
    tr.frames.append(index)
    tr.times.append(t)


def _default_reason(ev: FaceEvidence) -> str:
    if ev.score is None:
        return "could not judge this face"
    return "strong sign of manipulation" if ev.score >= 0.8 else ("some sign" if ev.score >= 0.5 else "no clear sign")


def _pooled(name: str, tr: _Track) -> SignalScore:
    values = tr.frame_scores.get(name, [])
    if not values:
        reasons = "face too small or not judgeable in every sampled frame"
        return SignalScore(None, reasons)
    pooled = top_k_mean(values)
    details = {"frames": float(len(values)), "median": float(np.median(values)), "max": float(np.max(values))}
    reason = f"mean of the most suspicious quarter of {len(values)} sampled frames (median {np.median(values):.2f})"
    if name in tr.peaks:  # what the signal saw where it scored highest, in its own words
        peak, when, finding = tr.peaks[name]
        reason += f"; highest {peak:.2f} at {when:.1f} s" + (f": {finding}" if finding else "")
    return SignalScore(pooled, reason, details)


def _video_notes(path: Path, info: VideoInfo, options: DetectOptions) -> list[str]:
    notes = []
    if options.max_duration is not None and info.duration > options.max_duration:
        notes.append(f"only the first {options.max_duration:g} s of {info.duration:.1f} s were analysed")
    if info.duration < 3.0:
        notes.append(f"short clip ({info.duration:.1f} s): the pulse signal needs at least 3 s")
    try:
        bpp = path.stat().st_size * 8 / max(info.duration, 1e-3) / (info.width * info.height * max(info.fps, 1.0))
    except OSError:
        bpp = None
    if bpp is not None and bpp < _LOW_BITS_PER_PIXEL:
        notes.append(
            f"heavily compressed ({bpp:.3f} bits per pixel per frame): fine traces are lost, "
            "so the frequency, noise and pulse signals are less reliable, and a real face's fine "
            "detail can look frozen from frame to frame"
        )
    return notes


# ----------------------------------------------------------------------------- verdicts


def _verdict(
    track: int,
    signals: dict[str, SignalScore],
    frames: tuple[int, ...],
    fusion: Combiner,
    samples: tuple[tuple[int, float, dict[str, float | None]], ...],
) -> FaceVerdict:
    scores = {name: s.score for name, s in signals.items()}
    if not fusion.judges(scores):  # every signal n/a, or only those that alone tell nothing
        return FaceVerdict(track, None, None, frames, len(samples), signals, {}, samples)
    p = fusion.probability(scores)
    return FaceVerdict(track, p, fusion.risk(p), frames, len(samples), signals, fusion.contributions(scores), samples)


def _combine(
    path: Path,
    kind: MediaKind,
    verdicts: list[FaceVerdict],
    timeline: list[TimelinePoint],
    crops: list[SuspiciousFrame],
    notes: list[str],
    shape: tuple[int, ...],
    duration: float | None,
    analysed: int,
    deciding: Sequence[str],
) -> Detection:
    """The file's verdict: its most suspicious solid face track's. `deciding`: the combiner's
    `deciding_signals`, named when no face could be judged."""
    judged = [v for v in verdicts if v.probability is not None]
    if not judged:
        shown = max(verdicts, key=lambda v: len(v.frames))
        summary = _unjudged_summary(shown, deciding)
        return Detection(
            path,
            kind,
            None,
            None,
            summary,
            verdicts,
            dict(shown.signals),
            timeline,
            [],
            notes,
            shape[1],
            shape[0],
            duration,
            analysed,
        )
    solid = solid_tracks(judged, frames=lambda v: len(v.frames), scored=lambda v: v.frames_scored)
    worst = max(solid, key=lambda v: v.probability or 0.0)
    p = worst.probability or 0.0
    fusion_risk = worst.risk
    summary = _summary(p, fusion_risk, len(verdicts), worst)
    return Detection(
        path,
        kind,
        p,
        fusion_risk,
        summary,
        verdicts,
        dict(worst.signals),
        timeline,
        crops,
        notes,
        shape[1],
        shape[0],
        duration,
        analysed,
    )


T = TypeVar("T")


def solid_tracks(tracks: Sequence[T], *, frames: Callable[[T], int], scored: Callable[[T], int]) -> list[T]:
    """Tracks seen in very few frames (a passer-by, a false detection) do not decide a video
    alone: keep those scored in ≥ 2 frames or seen in ≥ 4, or all when none is."""
    solid = [t for t in tracks if scored(t) >= 2 or frames(t) >= 4]
    return solid or list(tracks)


def _unjudged_summary(verdict: FaceVerdict, deciding: Sequence[str]) -> str:
    """Why no face was judged: every signal n/a, or the deciding ones (with the first one's reason)."""
    titles = {info.name: info.title.lower() for info in all_signal_infos()}
    names = [titles.get(n, n) for n in deciding if n in verdict.signals]
    if not names or all(s.score is None for s in verdict.signals.values()):
        return "faces found, but too small or unclear for any signal to judge; nothing to say"
    first = next((verdict.signals[n].reason for n in deciding if n in verdict.signals), "")
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    which = "the signal that tells" if len(names) == 1 else "the signals that tell"
    return (
        f"faces found, but not judged: {listed} ({which} fakes apart on faceforge's benchmark) could not "
        f"judge them{': ' + first if first else ''}; the other signals alone are no evidence, so nothing to say"
    )


def _summary(p: float, risk: str | None, n_faces: int, worst: FaceVerdict) -> str:
    faces = "the face" if n_faces == 1 else f"the most suspicious of {n_faces} faces"
    strongest = sorted(worst.contributions.items(), key=lambda kv: -kv[1])
    titles = {info.name: info.title.lower() for info in all_signal_infos()}
    push = [titles.get(name, name) for name, c in strongest if c > 0.5][:2]
    why = f" (mostly {', then '.join(push)})" if push and risk != "low" else ""
    words = {"high": "likely manipulated", "medium": "possibly manipulated", "low": "no sign of manipulation found"}
    return f"{words[risk or 'low']}: {faces} scores {p:.0%}{why}"


def _nothing(
    path: Path,
    kind: MediaKind,
    summary: str,
    shape: tuple[int, ...],
    notes: list[str],
    duration: float | None = None,
    analysed: int = 1,
) -> Detection:
    return Detection(path, kind, None, None, summary, [], {}, [], [], notes, shape[1], shape[0], duration, analysed)


def read_label(path: Path, pixels: np.ndarray | None = None) -> SignalScore:
    """The provenance signal as `detect` reads it: C2PA, and the quick watermark check of a video.
    pixels: an image's decoded pixels, when already read."""
    from faceforge.forensics.provenance import ProvenanceSignal

    return ProvenanceSignal().check(path, max_video_frames=WATERMARK_FRAMES, quick=True, pixels=pixels)


def _with_provenance(result: Detection, label: SignalScore) -> Detection:
    """A label that declares AI generation settles the question whatever the pixels say."""
    signals = {**result.signals, "provenance": label}
    if label.score is not None and label.score >= 0.5:
        p = max(result.fake_probability or 0.0, 0.99)
        summary = f"declared AI-generated by its own label ({label.reason})"
        return _replace(result, signals=signals, fake_probability=p, risk="high", summary=summary)
    return _replace(result, signals=signals)


# ----------------------------------------------------------------------------- report crops


def _suspicious(
    image: np.ndarray, face: Face, index: int, t: float | None, track: int, p: float, evidence: dict[str, FaceEvidence]
) -> SuspiciousFrame:
    x0, y0, x1, y1 = face.box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, 0.8 * max(x1 - x0, y1 - y0)
    h, w = image.shape[:2]
    a, b = int(max(0, cx - half)), int(max(0, cy - half))
    c, d = int(min(w, cx + half)), int(min(h, cy + half))
    crop = image[b:d, a:c]
    scale = min(1.0, _CROP_SIDE / max(crop.shape[:2]))
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    maps = {}
    for name, ev in evidence.items():
        if ev.heatmap is not None:
            maps[name] = cv2.resize(ev.heatmap[b:d, a:c].astype(np.float32), size, interpolation=cv2.INTER_AREA)
    scores = {name: ev.score for name, ev in evidence.items()}
    return SuspiciousFrame(index, t, track, p, cv2.resize(crop, size, interpolation=cv2.INTER_AREA), maps, scores)


def _replace_crop(crop: SuspiciousFrame, p: float) -> SuspiciousFrame:
    return SuspiciousFrame(crop.frame, crop.time, crop.track, p, crop.image, crop.heatmaps, crop.scores)


def _replace(result: Detection, **changes: Any) -> Detection:
    return replace(result, **changes)
