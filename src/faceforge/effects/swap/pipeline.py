"""`swap()`: put one person's face into a photo or a video."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from faceforge.effects.swap.render import FaceRenderer, RenderOptions
from faceforge.effects.swap.select import (
    MapSelector,
    SourceFace,
    TrackSelector,
    choose_targets,
    map_targets,
    prepare_source,
    reference_embedding,
)
from faceforge.errors import InputError
from faceforge.faces.hands import HandFinder

Progress = Callable[[str, int, int | None], None]  # (phase, done, total)
ImageInput = np.ndarray | str | Path


@dataclass(frozen=True)
class SwapOptions:
    """shape: 0..1 share of the source's face shape (0 = only the skin). mouth_mask: keep
    the target's open mouth interior. occlusion: keep the target's occluders: obvious non-skin
    ones (hair, glasses) and hands. many_faces: swap every target face (default: the largest).
    source_face: which face of each source photo (default: the largest). fade_start /
    fade_end: |yaw| in degrees where the swap starts to fade out / is gone. smoothing:
    landmark smoothing of video tracks 0..1. max_size: cap on an output's longer side.
    max_frames: only the first N video frames."""

    shape: float = 0.4
    mouth_mask: bool = True
    occlusion: bool = True
    many_faces: bool = False
    source_face: int | None = None
    fade_start: float = 35.0
    fade_end: float = 60.0
    smoothing: float = 0.5
    max_size: int = 1920
    max_frames: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.shape <= 1.0:
            raise ValueError(f"shape must be in 0..1, got {self.shape}")
        if not 0.0 <= self.fade_start < self.fade_end <= 90.0:
            raise ValueError(f"need 0 <= fade_start < fade_end <= 90, got {self.fade_start}, {self.fade_end}")
        if not 0.0 <= self.smoothing <= 1.0:
            raise ValueError(f"smoothing must be in 0..1, got {self.smoothing}")

    def render(self) -> RenderOptions:
        return RenderOptions(
            shape=self.shape,
            keep_mouth=self.mouth_mask,
            occlusion=self.occlusion,
            fade=(self.fade_start, self.fade_end),
        )


@dataclass(frozen=True)
class SwapResult:
    """output: the written file. kind: "image" or "video". frames: frames written.
    swapped_frames: frames where at least one face was swapped. faces: faces swapped
    (image) or tracks swapped (video). notes: what was chosen, for the user."""

    output: Path | None
    kind: str
    frames: int
    swapped_frames: int
    faces: int
    size: tuple[int, int]
    fps: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _load(image: ImageInput, name: str) -> tuple[np.ndarray, str]:
    from faceforge.media.image import read_image

    if isinstance(image, np.ndarray):
        return image, name
    return read_image(image), str(image)


def _cap(image: np.ndarray, max_size: int) -> np.ndarray:
    h, w = image.shape[:2]
    if max(h, w) <= max_size:
        return image
    s = max_size / max(h, w)
    return cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)


def load_source(sources: ImageInput | Sequence[ImageInput], options: SwapOptions = SwapOptions()) -> SourceFace:
    """The source person from one or several photos (paths or H×W×3 uint8 RGB arrays)."""
    items = [sources] if isinstance(sources, (np.ndarray, str, Path)) else list(sources)
    loaded = [_load(s, f"source image {i}") for i, s in enumerate(items)]
    return prepare_source([(_cap(im, options.max_size), name) for im, name in loaded], options.source_face)


#: --map: (source face, identity embedding of the target person it replaces) pairs.
Mapping = Sequence[tuple[SourceFace, np.ndarray]]


def swap_image(
    source: SourceFace | None,
    target: np.ndarray,
    options: SwapOptions = SwapOptions(),
    *,
    reference: np.ndarray | None = None,
    mapping: Mapping | None = None,
) -> tuple[np.ndarray, int]:
    """(target with the source face swapped in, number of faces swapped). target: H×W×3
    uint8 RGB, unchanged when it has no (matching) face. reference: identity embedding.
    mapping: instead of one source, each target person matching one of the references
    gets that pair's source (`source` is then ignored)."""
    from faceforge.faces.analyzer import analyze, check_frame

    check_frame(target, "target")
    faces = analyze(target, masks=False)
    if mapping:
        renderers = [FaceRenderer(src, options.render()) for src, _ in mapping]
        chosen = map_targets(target, faces, [ref for _, ref in mapping])
    elif source is not None:
        renderers = [FaceRenderer(source, options.render())]
        chosen = [(f, 0) for f in choose_targets(target, faces, many=options.many_faces, reference=reference)]
    else:
        raise InputError("give a source face or a mapping")
    hands: list[np.ndarray] = []
    if chosen and options.occlusion:
        with HandFinder(video=False) as finder:
            hands = finder.find(target)
    out = target.copy()
    done = sum(renderers[i].render(out, f.landmarks, f.pose.yaw, hands=hands) is not None for f, i in chosen)
    return out, done


def swap(
    source: ImageInput | Sequence[ImageInput] | None,
    target: str | Path | np.ndarray,
    output: str | Path | None,
    *,
    options: SwapOptions = SwapOptions(),
    reference: ImageInput | None = None,
    mapping: Sequence[tuple[ImageInput | Sequence[ImageInput], ImageInput]] | None = None,
    labeler: Any = None,
    on_progress: Progress | None = None,
) -> SwapResult:
    """Put the face of `source` (one or several photos of one person) into `target`
    (an image or a video path, or an H×W×3 uint8 RGB array) and write `output` through
    the labelled output writer (an image for an image, an H.264 MP4 with the target's
    audio for a video).

    A target without any face is written unchanged and `SwapResult.faces` is 0. With
    `reference` only the person who looks like that photo is swapped; when nobody in the
    target matches, an InputError is raised and nothing is written.

    mapping (instead of `source`, which is then None): (source photo(s), reference photo)
    pairs; each target person who looks like a pair's reference gets that pair's source
    face, everyone else is left alone (`--map SRC=REF`).
    """
    from faceforge.media.output import write_image
    from faceforge.media.video import read_media

    progress = on_progress or (lambda phase, done, total: None)
    progress("reading the source face", 0, None)
    if (source is None) == (not mapping):
        raise InputError("give either a source face or a --map of sources to people, not both")
    if mapping and reference is not None:
        raise InputError("--reference and --map do not go together: --map names the person for each source")
    pairs: list[tuple[SourceFace, np.ndarray]] = []
    for src_input, ref_input in mapping or ():
        ref_image, ref_name = _load(ref_input, "reference image")
        pairs.append((load_source(src_input, options), reference_embedding(ref_image, ref_name)))
    src = load_source(source, options) if source is not None else None
    ref = None
    if reference is not None:
        ref_image, ref_name = _load(reference, "reference image")
        ref = reference_embedding(ref_image, ref_name)
    notes = tuple(n for face in ([src] if src is not None else [p for p, _ in pairs]) for n in face.notes)
    if isinstance(target, np.ndarray):
        image = target
    else:
        _, media = read_media(target)
        if not isinstance(media, np.ndarray):  # a video
            return _swap_video(src, Path(target), output, options, ref, labeler, progress, pairs, notes)
        image = media
    image = _cap(image, options.max_size)
    out, done = swap_image(src, image, options, reference=ref, mapping=pairs)
    if (ref is not None or pairs) and done == 0:
        who = "the --reference person" if ref is not None else "any --map person"
        raise InputError(f"{_name(target)}: nobody matches {who}; nothing written")
    if output is not None:
        write_image(output, out, labeler=labeler)
    h, w = out.shape[:2]
    return SwapResult(Path(output) if output else None, "image", 1, int(done > 0), done, (w, h), None, notes)


def _name(target: object) -> str:
    return "target image" if isinstance(target, np.ndarray) else str(target)


class VideoSwapper:
    """Per-video state of a swap: the face tracker (smoothed landmarks, stable ids), which
    tracks are swapped and each track's colour statistics. Call `frame()` in order."""

    def __init__(
        self,
        source: SourceFace | None,
        options: SwapOptions = SwapOptions(),
        *,
        reference: np.ndarray | None = None,
        mapping: Mapping | None = None,
    ) -> None:
        """source: the face to put in; or with `mapping` (--map) None, and each tracked person
        matching a pair's reference gets that pair's source."""
        from faceforge.faces.tracker import FaceTracker, TrackerOptions

        self.options = options
        self.map_selector = MapSelector([ref for _, ref in mapping]) if mapping else None
        self.selector = TrackSelector(many=options.many_faces, reference=reference)
        sources = [src for src, _ in mapping] if mapping else [source]
        self.renderers = []
        for src in sources:
            if src is None:
                raise InputError("give a source face or a mapping")
            self.renderers.append(FaceRenderer(src, options.render()))
        self.tracker = FaceTracker(TrackerOptions(max_faces=8, smoothing=options.smoothing))
        self.hands = HandFinder(video=True) if options.occlusion else None

    def frame(self, image: np.ndarray, time: float | None) -> tuple[np.ndarray, list[int | None]]:
        """(the frame with the chosen faces swapped, the track ids swapped)."""
        image = _cap(image, self.options.max_size)
        tracked = self.tracker.update(image, time)
        if self.map_selector is not None:
            chosen = [(f, self.renderers[i]) for f, i in self.map_selector.select(image, tracked)]
        else:
            chosen = [(f, self.renderers[0]) for f in self.selector.select(image, tracked)]
        hands = self.hands.find(image) if chosen and self.hands is not None else []
        out = image.copy()
        done = [
            f.track_id
            for f, renderer in chosen
            if renderer.render(out, f.landmarks, f.pose.yaw, f.track_id, hands=hands) is not None
        ]
        return out, done

    def close(self) -> None:
        self.tracker.close()
        if self.hands is not None:
            self.hands.close()


def swap_frames(
    source: SourceFace | None,
    frames: Any,
    options: SwapOptions = SwapOptions(),
    *,
    reference: np.ndarray | None = None,
    mapping: Mapping | None = None,
) -> Any:
    """Generator: for each (image, time) of a video, (swapped image, faces swapped, track ids).
    Faces are tracked (smoothed landmarks, stable ids), so the choice of faces and the
    colour statistics follow each person over time."""
    swapper = VideoSwapper(source, options, reference=reference, mapping=mapping)
    try:
        for image, time in frames:
            out, done = swapper.frame(image, time)
            yield out, len(done), done
    finally:
        swapper.close()


def _swap_video(
    src: SourceFace | None,
    path: Path,
    output: str | Path | None,
    options: SwapOptions,
    ref: np.ndarray | None,
    labeler: Any,
    progress: Progress,
    mapping: Mapping,
    notes: tuple[str, ...],
) -> SwapResult:
    from faceforge.media.output import VideoWriter
    from faceforge.media.video import probe_video, read_video

    info = probe_video(path)
    total = info.frame_count if options.max_frames is None else min(info.frame_count, options.max_frames)
    frames = ((f.image, f.time) for f in read_video(path, max_frames=options.max_frames))
    count = swapped = 0
    tracks: set[int | None] = set()
    size = (info.width, info.height)
    if output is None:
        raise InputError("give an output file for a video target")
    with VideoWriter(output, info.fps, audio_from=path, labeler=labeler) as writer:
        for out, n, ids in swap_frames(src, frames, options, reference=ref, mapping=mapping):
            writer.write(out)
            count += 1
            swapped += n > 0
            tracks.update(ids)
            size = (out.shape[1], out.shape[0])
            progress("swapping", count, total)
        if (ref is not None or mapping) and swapped == 0:
            # Raised inside the writer: the partial file is discarded, nothing is written.
            who = "the --reference person" if ref is not None else "any --map person"
            raise InputError(f"{path}: nobody matches {who}; nothing written")
    return SwapResult(Path(output), "video", count, swapped, len(tracks), size, info.fps, notes)
