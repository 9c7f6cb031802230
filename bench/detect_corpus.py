"""Evaluation corpus for the detection benchmark (issue #6): real and fake media, all normalised alike.

    python bench/detect_corpus.py                  # build or complete bench/out/detect/corpus/
    python bench/detect_corpus.py --limit 3        # quick: at most 3 items per family
    python bench/detect_corpus.py --force          # rebuild every file
    python bench/detect_corpus.py --check-groups   # also list look-alike faces in different groups (dlib)

What goes in: only media where `faceforge.eval.splits.detect_split(path) == "eval"` (the TRAIN
part trains the detectors and never appears here):
- real: the talking clips (MEAD, VoxCeleb, speeches, HDTF; family `real-talking`), their stills
  (`real-photo`; the Mona Lisa is left out: a painting is neither a real photo nor a fake), frames
  taken from real clips (`real-talking`, kind image) and the real items of the forensics sets, which
  keep their dataset's family (`dfdc`, `ffpp-frames`, `mesonet` with label real) so that a family can
  be scored real-against-fake from the same source;
- fake: the forensics sets (MANIFEST family: dfdc, dreamtalk, sadtalker, stylegan, ffpp-frames,
  mesonet, liquify) and fakes made here with faceforge's own effects from the ORIGINAL real clips:
  `faceforge-swap` (`swap()`: the first frame of a clip of another identity swapped into a clip;
  and stills: a frame at `STILL_TIME_S` of a clip, whose unswapped twin is also in the corpus as a
  real frame) and `faceforge-animate` (`animate()`: the first frame of clip A driven by clip B of
  another identity). Made fakes are written with labeler=None: no watermark, no C2PA manifest (the
  benchmark measures the detection of unlabelled fakes; the library asks no consent flag, the CLI does).
  Skipped: masks, label files, audio, anything that is not an image or a video.

Normalisation (the confound guard): real and fake media differ in resolution, bitrate, length and
source, and a detector can learn those instead of manipulation; so every item, real or fake, is
re-encoded the same way (constants below) before anything scores it. Videos (animated GIF/WebP
included): short side `SHORT_SIDE` px (INTER_AREA down, bicubic up, even sides), `FPS` frames per
second (each output time k/FPS shows the source frame on screen then: frames are dropped or
repeated by timestamp), H.264 yuv420p CRF `CRF` preset `PRESET`, the first `MAX_SECONDS` s, no
audio. Images: short side `SHORT_SIDE` px, JPEG quality `JPEG_QUALITY`, no metadata. What the
original was like stays in index.csv (orig_* columns) so the benchmark can show what resolution
alone and bitrate alone would reach.

Groups (for identity-grouped cross-validation: one person, or one source scene, never on both
sides of a split): MEAD by person id (M030, W009, W011), HDTF by the name in WDA_<Name>_NNN, the
LIA clips and stills named after a person by that name, `SAME_PERSON` for clips whose names do not
show a person seen elsewhere (found with --check-groups and checked by eye), otherwise one group
per clip; DFDC by the real video a fake was made from (metadata.json, `original`), crops by their
video; DreamTalk by the source portrait (after the last @); all SadTalker GIFs one group (its docs
reuse a few AI-art portraits); FF++ by scene (`FFPP_SCENES`); other forensics items by file.
Made fakes take the group of their TARGET clip (swap) or of their SOURCE PHOTO's clip (animate):
the face in a swap is another person's, but the scene, head and motion are the target's.

Output, in bench/out/detect/ (gitignored): corpus/<family>/<name>.mp4|.jpg, corpus/index.csv
(`COLUMNS`), corpus/params.json (what each file was made with: files whose parameters still match
are kept on the next run), corpus/contact_sheet.jpg; made/ holds the made fakes before
normalisation (made/params.json as well).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, shared_data  # noqa: E402
from faceforge.errors import FaceforgeError  # noqa: E402
from faceforge.eval.splits import detect_split  # noqa: E402
from faceforge.media.image import image_info, read_image  # noqa: E402
from faceforge.media.output import VideoWriter, write_image, write_text  # noqa: E402
from faceforge.media.video import is_video_file, probe_video, read_video  # noqa: E402

# ----------------------------------------------------------------------------- normalisation

#: Short side of every normalised image and video, pixels (VoxCeleb/MEAD crops are 256²).
SHORT_SIDE = 256
#: Frame rate of every normalised video; frames are dropped or repeated by timestamp.
FPS = 25
#: x264 quality and speed of every normalised video (yuv420p, BT.709 tags: `VideoWriter`).
CRF = 23
PRESET = "veryfast"
#: Only the first MAX_SECONDS of a video are kept (and made fakes are only rendered that far).
MAX_SECONDS = 8.0
#: JPEG quality of every normalised image (Pillow's default 4:2:0 chroma, no EXIF/ICC).
JPEG_QUALITY = 90
#: Timestamps closer than this (seconds) count as equal: millisecond time bases round 29.97 fps.
TIME_EPS = 1e-3
NORMALISATION = {
    "short_side": SHORT_SIDE,
    "fps": FPS,
    "crf": CRF,
    "preset": PRESET,
    "max_seconds": MAX_SECONDS,
    "jpeg_quality": JPEG_QUALITY,
    "video": "h264 yuv420p, no audio; INTER_AREA down, bicubic up, even sides",
}

# ----------------------------------------------------------------------------- made fakes

#: Seed of every random choice (which clips, which pairs): the corpus is the same on every run.
SEED = 6
N_SWAP_VIDEOS = 20
N_ANIMATE_VIDEOS = 20
N_SWAP_STILLS = 10
#: Time in a target clip (s) of the frame a swapped still is made from (and its real twin).
STILL_TIME_S = 2.0
#: Time in a clip (s) of the frame used as a source face (swap) or source photo (animate).
SOURCE_TIME_S = 0.0
#: A made video counts only if at least this share of its frames had a face swapped.
MIN_SWAPPED_SHARE = 0.8
#: Partner clips tried per target before the target is given up.
MAX_TRIES = 4

OUT = BENCH / "out" / "detect"
CORPUS = OUT / "corpus"
MADE = OUT / "made"

# index.csv. orig_bitrate_kbps: videos (GIFs too) file bytes·8 / duration / 1000 (kbit/s, audio
# included); images file bytes·8 / (w·h) · 1000, i.e. milli-bits per pixel, so the two kinds are
# never comparable with each other, only within a kind. orig_duration_s and orig_fps are empty for
# images. For made fakes orig_* describe the made file (faceforge's CRF 18 output at the target's
# size, at most MAX_SECONDS long), i.e. what a detector would have been given without normalisation.
COLUMNS = [
    "id",
    "file",
    "source",
    "label",
    "family",
    "kind",
    "group",
    "orig_w",
    "orig_h",
    "orig_short_side",
    "orig_bitrate_kbps",
    "orig_duration_s",
    "orig_fps",
]

# ----------------------------------------------------------------------------- groups

_MEAD_PERSON = re.compile(r"^([MW]\d{3})_")
_HDTF_PERSON = re.compile(r"^WD[AR]_([A-Za-z]+)_\d+$")
#: LIA file stems that name the person shown.
NAMED_PEOPLE = frozenset({"obama", "macron", "monroe", "taylor"})
#: Clips whose names do not show that the person is one seen elsewhere. speech/3.mp4 is the HDTF
#: WDA_AlexandriaOcasioCortez clip's speaker: dlib distance 0.13 between first frames, same by eye.
SAME_PERSON = {"talking/speech/video-retalking/examples/face/3.mp4": "AlexandriaOcasioCortez"}
#: FF++ example frames by scene (checked by eye): the FF++ example and its two manipulations, and
#: the Google/Jigsaw DFD actor with its manipulation.
FFPP_SCENES = {
    "ex_original": "ff-example",
    "ex_deepfakes": "ff-example",
    "ex_neuraltextures": "ff-example",
    "ex_original_actors": "dfd-actor",
    "ex_deepfakedetection": "dfd-actor",
}
DFDC_METADATA = "forensics/dfdc/DeepFake-Detect/train_sample_videos/metadata.json"


@dataclass(frozen=True)
class Item:
    """One corpus entry before normalisation.

    id: "<family>/<name>-<6 hex of source>"; the corpus file is id + ".mp4" or ".jpg".
    source: path relative to shared/data; "path@2.00s" for a frame of a clip; "target|other" for made fakes.
    path: the file that is normalised (in shared/data, or a made file in bench/out/detect/made).
    """

    id: str
    source: str
    label: str
    family: str
    kind: str
    group: str
    path: Path

    @property
    def file(self) -> str:
        return self.id + (".mp4" if self.kind == "video" else ".jpg")


def make_id(family: str, name: str, source: str) -> str:
    """Readable, unique and stable: "<family>/<name, filesystem-safe>-<6 hex of sha1(source)>"."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:48] or "item"
    return f"{family}/{safe}-{hashlib.sha1(source.encode()).hexdigest()[:6]}"


def group_for(rel: str, dfdc_originals: Mapping[str, str] | None = None) -> str:
    """Identity/source group of a path relative to shared/data (see the module docstring).

    dfdc_originals: DFDC video id (no suffix) → the id of the real video it was made from.
    """
    parts = rel.replace("\\", "/").split("/")
    stem = Path(parts[-1]).stem
    if rel in SAME_PERSON:
        return f"person:{SAME_PERSON[rel]}"
    if parts[0] == "talking":
        if m := _MEAD_PERSON.match(stem):
            return f"person:{m.group(1)}"
        if m := _HDTF_PERSON.match(stem):
            return f"person:{m.group(1)}"
        if stem.lower() in NAMED_PEOPLE:
            return f"person:{stem.lower()}"
        return f"clip:{parts[2] if len(parts) > 3 else parts[1]}/{stem}"
    family = parts[1] if parts[0] == "forensics" and len(parts) > 2 else parts[0]
    if family == "dfdc":
        video = stem.split("-")[0]  # crops are <video>-<frame>-<face>.png
        return f"dfdc:{(dfdc_originals or {}).get(video, video)}"
    if family == "dreamtalk":
        return f"dreamtalk:{stem.rsplit('@', 1)[-1]}"
    if family == "sadtalker":
        return "sadtalker:portraits"
    if family == "ffpp-frames":
        return f"ffpp:{FFPP_SCENES.get(stem, stem)}"
    return f"{family}:{stem}"


def classify(row: Mapping[str, str], is_video: bool) -> tuple[str, str, str] | None:
    """(family, label, kind) of a MANIFEST row, or None when it does not belong in the corpus.

    is_video: the content is a video or an animated image (decided from the file, not the name).
    """
    rel = row["file"]
    if detect_split(rel) != "eval":
        return None
    if row["label"] not in ("real", "fake") or row["kind"] not in ("image", "video"):
        return None  # masks, label files, audio
    if row.get("content", "").lower().startswith("painting"):
        return None
    kind = "video" if is_video else "image"
    if rel.startswith("talking/"):
        return ("real-talking" if is_video else "real-photo"), "real", kind
    return row["family"], row["label"], kind


def dfdc_originals(data: Path) -> dict[str, str]:
    """DFDC fake video id → the real video it was made from (empty when metadata.json is absent)."""
    path = data / DFDC_METADATA
    if not path.is_file():
        return {}
    meta = json.loads(path.read_text())
    return {Path(k).stem: Path(v["original"]).stem for k, v in meta.items() if v.get("original")}


def collect_real(data: Path, manifest: Iterable[Mapping[str, str]]) -> list[Item]:
    """Items from MANIFEST rows in the EVAL split (real and forensics fakes), sorted by id."""
    originals = dfdc_originals(data)
    items = []
    for row in manifest:
        path = data / row["file"]
        if detect_split(row["file"]) != "eval" or not path.is_file():
            continue
        got = classify(row, is_video_file(path))
        if got is None:
            continue
        family, label, kind = got
        rel = row["file"]
        items.append(
            Item(make_id(family, Path(rel).stem, rel), rel, label, family, kind, group_for(rel, originals), path)
        )
    return sorted(items, key=lambda it: it.id)


# ----------------------------------------------------------------------------- resampling, resizing


def target_size(width: int, height: int, short_side: int = SHORT_SIDE, *, even: bool = True) -> tuple[int, int]:
    """(w, h) with the short side `short_side` and the aspect kept; both even when `even`."""
    if width <= 0 or height <= 0:
        raise ValueError(f"width and height must be positive, got {width}×{height}")
    scale = short_side / min(width, height)

    def side(v: int) -> int:
        return max(2, 2 * round(v * scale / 2)) if even else max(1, round(v * scale))

    return side(width), side(height)


def resize_short_side(image: np.ndarray, short_side: int = SHORT_SIDE, *, even: bool = True) -> np.ndarray:
    """H×W×3 uint8 RGB → the same picture with short side `short_side` (H'×W'×3 uint8).

    INTER_AREA when shrinking (averages, no aliasing), bicubic when enlarging.
    """
    h, w = image.shape[:2]
    tw, th = target_size(w, h, short_side, even=even)
    if (tw, th) == (w, h):
        return image
    interp = cv2.INTER_AREA if tw * th < w * h else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(image), (tw, th), interpolation=interp)


def resample_frames(
    frames: Iterable[tuple[float, np.ndarray]],
    fps: float = FPS,
    max_seconds: float = MAX_SECONDS,
    last_frame_s: float = 1.0 / FPS,
) -> Iterator[np.ndarray]:
    """Constant-rate frames from timestamped ones: output k (time k/fps) is the source frame on
    screen at that time, i.e. the last one with time ≤ k/fps (± TIME_EPS); frames are dropped or
    repeated. Times count from the first frame. The output ends at min(max_seconds, end of the
    source), the source ending `last_frame_s` after its last frame; the source is read no further
    than needed. Yields the source arrays themselves (a repeated frame is the same object).
    """
    if fps <= 0 or max_seconds <= 0:
        raise ValueError(f"fps and max_seconds must be positive, got {fps}, {max_seconds}")
    limit = math.ceil(max_seconds * fps - TIME_EPS)  # output frames at most
    k = 0
    held: np.ndarray | None = None
    held_time = start = 0.0
    for time_s, image in frames:
        if held is None:
            start = time_s
        t = time_s - start
        while held is not None and k < limit and k / fps < t - TIME_EPS:
            yield held
            k += 1
        if k >= limit:
            return
        held, held_time = image, t
    while held is not None and k < limit and k / fps < held_time + last_frame_s - TIME_EPS:
        yield held
        k += 1


# ----------------------------------------------------------------------------- normalising


def normalise_video(src: Path, dst: Path) -> int:
    """Write `src` (any video faceforge reads) normalised to the H.264 MP4 `dst`; returns frames written."""
    info = probe_video(src)
    last = 1.0 / info.fps if info.fps > 0 else 1.0 / FPS
    frames = read_video(src)
    cached: tuple[int, np.ndarray] | None = None
    try:
        with VideoWriter(dst, FPS, crf=CRF, preset=PRESET, labeler=None) as writer:
            for image in resample_frames(((f.time, f.image) for f in frames), FPS, MAX_SECONDS, last):
                if cached is None or cached[0] != id(image):
                    cached = (id(image), resize_short_side(image, even=True))
                writer.write(cached[1])
    finally:
        frames.close()  # type: ignore[attr-defined]
    return writer.frames_written


def normalise_image(src: Path, dst: Path) -> None:
    """Write the still `src` normalised to the JPEG `dst` (pixels only: no EXIF, ICC or comments)."""
    write_image(dst, resize_short_side(read_image(src), even=False), quality=JPEG_QUALITY, labeler=None)


def orig_stats(path: Path, kind: str) -> dict[str, object]:
    """The orig_* columns of a file (see COLUMNS for the bitrate units)."""
    size = path.stat().st_size
    if kind == "video":
        info = probe_video(path)
        w, h, duration = info.width, info.height, info.duration
        kbps: float | str = round(size * 8 / duration / 1000, 1) if duration > 0 else ""
        dur: object = round(duration, 3)
        fps: object = round(info.fps, 3)
    else:
        meta = image_info(path)
        w, h = meta.width, meta.height
        kbps, dur, fps = round(size * 8 / (w * h) * 1000, 1), "", ""
    return {
        "orig_w": w,
        "orig_h": h,
        "orig_short_side": min(w, h),
        "orig_bitrate_kbps": kbps,
        "orig_duration_s": dur,
        "orig_fps": fps,
    }


def file_key(path: Path, extra: object = None) -> str:
    """What a file was made from, as 16 hex: its path, size and mtime, plus `extra` parameters."""
    st = path.stat()
    blob = json.dumps([str(path.resolve()), st.st_size, st.st_mtime_ns, extra], sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


class ParamStore:
    """A JSON file: key → the parameters (or record) a file was made with; saved after every change."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, object] = json.loads(path.read_text()) if path.is_file() else {}

    def get(self, key: str) -> object:
        return self.data.get(key)

    def set(self, key: str, value: object) -> None:
        self.data[key] = value
        write_text(self.path, json.dumps(self.data, indent=1, sort_keys=True))


def normalise_item(item: Item, corpus: Path, store: ParamStore, *, force: bool = False) -> bool:
    """Normalise `item` into `corpus` unless a file made with the same parameters is there; True if written."""
    dst = corpus / item.file
    params = file_key(item.path, NORMALISATION)
    if not force and dst.is_file() and store.get(item.id) == params:
        return False
    if item.kind == "video":
        normalise_video(item.path, dst)
    else:
        normalise_image(item.path, dst)
    store.set(item.id, params)
    return True


def index_row(item: Item) -> dict[str, object]:
    return {
        "id": item.id,
        "file": item.file,
        "source": item.source,
        "label": item.label,
        "family": item.family,
        "kind": item.kind,
        "group": item.group,
        **orig_stats(item.path, item.kind),
    }


def write_index(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


# ----------------------------------------------------------------------------- made fakes


def round_robin(items: Sequence[Item], rng: random.Random) -> list[Item]:
    """All `items`, one per group in turn (groups and the items within each in a seeded random order)."""
    by_group: dict[str, list[Item]] = defaultdict(list)
    for it in sorted(items, key=lambda it: it.id):
        by_group[it.group].append(it)
    queues = []
    for group in rng.sample(sorted(by_group), len(by_group)):
        members = by_group[group][:]
        rng.shuffle(members)
        queues.append(members)
    out: list[Item] = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def partners(target: Item, clips: Sequence[Item], rng: random.Random, n: int = MAX_TRIES) -> list[Item]:
    """Up to `n` clips of OTHER groups than `target`'s, in a seeded random order."""
    others = [c for c in sorted(clips, key=lambda c: c.id) if c.group != target.group]
    return rng.sample(others, min(n, len(others)))


@dataclass(frozen=True)
class Recipe:
    """A made fake: op "swap-video" | "swap-still" | "animate"; `target` is the clip whose group the
    fake takes (swap: the clip swapped into; animate: the clip the source photo comes from), `other`
    the partner (swap: the source-face clip; animate: the driving clip)."""

    op: str
    target: Item
    other: Item

    @property
    def family(self) -> str:
        return "faceforge-animate" if self.op == "animate" else "faceforge-swap"

    @property
    def source(self) -> str:
        if self.op == "swap-still":
            return f"{self.target.source}@{STILL_TIME_S:.2f}s|{self.other.source}@{SOURCE_TIME_S:.2f}s"
        if self.op == "animate":
            return f"{self.target.source}@{SOURCE_TIME_S:.2f}s|{self.other.source}"
        return f"{self.target.source}|{self.other.source}@{SOURCE_TIME_S:.2f}s"

    def item(self, made: Path) -> Item:
        kind = "image" if self.op == "swap-still" else "video"
        name = f"{Path(self.target.source).stem}__{Path(self.other.source).stem}"
        item_id = make_id(self.family, name, self.source)
        path = made / (item_id + (".png" if kind == "image" else ".mp4"))
        return Item(item_id, self.source, "fake", self.family, kind, self.target.group, path)

    def params(self) -> dict[str, object]:
        return {"source": self.source, "op": self.op, "max_seconds": MAX_SECONDS, "still_s": STILL_TIME_S}


def real_frame_item(clip: Item, made: Path) -> Item:
    """The real twin of a swapped still: the same frame of the clip, unswapped (family real-talking)."""
    source = f"{clip.source}@{STILL_TIME_S:.2f}s"
    item_id = make_id("real-talking", f"{Path(clip.source).stem}_frame", source)
    return Item(item_id, source, "real", "real-talking", "image", clip.group, made / (item_id + ".png"))


class Rejected(Exception):
    """A made fake that is not good enough to count (e.g. too few frames had a face swapped)."""


def frame_at(path: Path, time_s: float) -> np.ndarray:
    """The frame of a video on screen at `time_s` (the last one if the clip is shorter): H×W×3 uint8 RGB."""
    frames = read_video(path)
    last = None
    try:
        for f in frames:
            if last is not None and f.time > time_s + TIME_EPS:
                break
            last = f.image
    finally:
        frames.close()  # type: ignore[attr-defined]
    if last is None:
        raise Rejected(f"{path}: no frames")
    return last


def frames_for(path: Path) -> int:
    """Frames of `path` that cover MAX_SECONDS (made fakes are rendered no further)."""
    return math.ceil(MAX_SECONDS * probe_video(path).fps) + 1


def render(recipe: Recipe, dst: Path) -> str:
    """Make the fake of `recipe` at `dst` (labeler=None); returns a short note.

    Raises FaceforgeError (e.g. NoFaceFound) or Rejected; nothing is left at `dst` then.
    """
    from faceforge.effects.animate import AnimateOptions, animate
    from faceforge.effects.swap import SwapOptions, swap

    source_frame = frame_at(recipe.other.path if recipe.op != "animate" else recipe.target.path, SOURCE_TIME_S)
    if recipe.op == "swap-video":
        options = SwapOptions(max_frames=frames_for(recipe.target.path))
        result = swap(source_frame, recipe.target.path, dst, options=options, labeler=None)
        share = result.swapped_frames / max(1, result.frames)
        if share < MIN_SWAPPED_SHARE:
            dst.unlink(missing_ok=True)
            raise Rejected(f"only {share:.0%} of the frames had a face swapped")
        return f"{result.frames} frames, {share:.0%} swapped"
    if recipe.op == "swap-still":
        target = frame_at(recipe.target.path, STILL_TIME_S)
        result = swap(source_frame, target, dst, options=SwapOptions(), labeler=None)
        if result.faces < 1:
            dst.unlink(missing_ok=True)
            raise Rejected("no face was swapped")
        return "1 face swapped"
    options = AnimateOptions(max_frames=frames_for(recipe.other.path))
    result = animate(source_frame, dst, driving=recipe.other.path, options=options, labeler=None)
    return f"{result.frames} frames"


def plan(clips: Sequence[Item], counts: Mapping[str, int]) -> list[tuple[str, Item, list[Item]]]:
    """(op, target, partner candidates) for every fake to make; seeded, independent of what fails."""
    out = []
    for op, n in counts.items():
        rng = random.Random(f"{SEED}-{op}")
        for target in round_robin(clips, rng)[:n]:
            out.append((op, target, partners(target, clips, rng)))
    return out


def make_fakes(
    clips: Sequence[Item],
    counts: Mapping[str, int],
    made: Path,
    *,
    force: bool,
    on_step: Callable[[str], None],
    on_done: Callable[[], None],
    failures: list[str],
) -> list[Item]:
    """Make (or reuse) the fakes of `plan(clips, counts)`; a target whose partners all fail is reported."""
    store = ParamStore(made / "params.json")
    items: list[Item] = []
    for op, target, candidates in plan(clips, counts):
        if op == "swap-still":
            twin = real_frame_item(target, made)
            on_step(f"frame {twin.id}")
            key = {"frame_of": twin.source}
            if force or not twin.path.is_file() or store.get(twin.id) != key:
                write_image(twin.path, frame_at(target.path, STILL_TIME_S), labeler=None)
                store.set(twin.id, key)
            items.append(twin)
        for other in candidates:
            recipe = Recipe(op, target, other)
            item = recipe.item(made)
            on_step(f"{op} {item.id}")
            record = store.get(item.id)
            params = recipe.params()
            if not force and isinstance(record, dict) and record.get("params") == params:
                if record.get("ok") and item.path.is_file():
                    items.append(item)
                    break
                if not record.get("ok"):
                    failures.append(f"{item.source} ({op}): {record.get('note')} [cached]")
                    continue
            try:
                note, ok = render(recipe, item.path), True
            except (FaceforgeError, Rejected) as exc:
                note, ok = str(exc), False
                failures.append(f"{item.source} ({op}): {note}")
            store.set(item.id, {"params": params, "ok": ok, "note": note})
            if ok:
                items.append(item)
                break
        else:
            failures.append(f"{target.source} ({op}): gave up after {len(candidates)} partners")
        on_done()
    return items


# ----------------------------------------------------------------------------- checks and summary


def first_frame(path: Path) -> np.ndarray:
    if path.suffix.lower() == ".mp4":
        frames = read_video(path, max_frames=1)
        return next(iter(frames)).image
    return read_image(path)


def caption(image: np.ndarray, text: str, cell: int = 192) -> np.ndarray:
    """`image` letterboxed into cell×cell with `text` on a dark strip at the bottom."""
    from faceforge.eval.contact_sheet import letterbox

    out = letterbox(image, cell).copy()
    out[cell - 18 :, :] = (out[cell - 18 :, :] * 0.3).astype(np.uint8)
    cv2.putText(out, text[:30], (4, cell - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def sheet_items(items: Sequence[Item], total: int = 30) -> list[Item]:
    """~`total` items for the contact sheet: most made fakes, then a few of every other family."""
    quota = {"faceforge-swap": 10, "faceforge-animate": 8}
    by_family: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_family[it.family].append(it)
    chosen: list[Item] = []
    for family in sorted(by_family, key=lambda f: (f not in quota, f)):
        members = by_family[family]
        take = quota.get(family, 2)
        step = max(1, len(members) // take)
        chosen += members[::step][:take]
    return chosen[:total]


def write_contact_sheet(items: Sequence[Item], corpus: Path, path: Path) -> Path:
    from faceforge.eval.contact_sheet import contact_sheet

    cells = [caption(first_frame(corpus / it.file), f"{it.family}/{it.label} {it.kind[0]}") for it in items]
    rows = [cells[i : i + 6] for i in range(0, len(cells), 6)]
    return write_image(path, contact_sheet(rows, cell=192), quality=90)


def look_alikes(items: Sequence[Item], corpus: Path, threshold: float = 0.45) -> list[tuple[float, str, str]]:
    """Pairs of REAL items in different groups whose first-frame faces are closer than `threshold`
    (dlib embedding distance; 0.6 is dlib's same-person line, 0.45 keeps false alarms down)."""
    from faceforge.eval.identity import image_embedding
    from faceforge.faces.identity import identity_distance

    embeddings = []
    for it in items:
        if it.label != "real":
            continue
        try:
            embeddings.append((it, image_embedding(first_frame(corpus / it.file))))
        except FaceforgeError:
            continue
    pairs = []
    for i, (a, ea) in enumerate(embeddings):
        for b, eb in embeddings[i + 1 :]:
            d = identity_distance(ea, eb)
            if a.group != b.group and d < threshold:
                pairs.append((round(d, 3), a.id, b.id))
    return sorted(pairs)


def summary(rows: Sequence[Mapping[str, object]]) -> tuple[list[list[object]], int]:
    """(rows of family, label, kind, items, groups; sorted) and the number of groups overall."""
    counts = Counter((r["family"], r["label"], r["kind"]) for r in rows)
    groups: dict[tuple, set] = defaultdict(set)
    for r in rows:
        groups[(r["family"], r["label"], r["kind"])].add(r["group"])
    table = [[*key, n, len(groups[key])] for key, n in sorted(counts.items())]
    return table, len({r["group"] for r in rows})


def limit_per_family(items: Sequence[Item], limit: int | None) -> list[Item]:
    if limit is None:
        return list(items)
    seen: Counter[str] = Counter()
    out = []
    for it in items:
        if seen[it.family] < limit:
            out.append(it)
            seen[it.family] += 1
    return out


def prune(corpus: Path, keep: set[str]) -> int:
    """Delete normalised media in `corpus` that the index does not list (from older runs)."""
    removed = 0
    for path in corpus.glob("*/*"):
        if path.suffix in (".mp4", ".jpg") and path.relative_to(corpus).as_posix() not in keep:
            path.unlink()
            removed += 1
    return removed


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild every made fake and every normalised file")
    parser.add_argument("--limit", type=int, default=None, help="at most N items per family (quick run)")
    parser.add_argument("--check-groups", action="store_true", help="list look-alike real faces in different groups")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    console = Console()
    t0 = time.perf_counter()
    data = shared_data()
    with open(data / "MANIFEST.csv", newline="") as fh:
        manifest = list(csv.DictReader(fh))
    real = collect_real(data, manifest)
    clips = [it for it in real if it.family == "real-talking" and it.kind == "video"]
    counts = {"swap-video": N_SWAP_VIDEOS, "animate": N_ANIMATE_VIDEOS, "swap-still": N_SWAP_STILLS}
    if args.limit is not None:
        counts = {op: min(n, args.limit) for op, n in counts.items()}
    failures: list[str] = []
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("making fakes", total=len(plan(clips, counts)))
        made = make_fakes(
            clips,
            counts,
            MADE,
            force=args.force,
            on_step=lambda text: bar.update(task, description=f"making {text[:60]}"),
            on_done=lambda: bar.advance(task),
            failures=failures,
        )
        bar.update(task, description="made fakes")
        items = limit_per_family(real, args.limit) + made
        store = ParamStore(CORPUS / "params.json")
        norm = bar.add_task("normalising", total=len(items))
        rows, written = [], 0
        for it in items:
            bar.update(norm, description=f"normalising {it.id[:60]}")
            try:
                written += normalise_item(it, CORPUS, store, force=args.force)
                rows.append(index_row(it))
            except FaceforgeError as exc:
                failures.append(f"{it.source}: {exc}")
            bar.advance(norm)
    write_index(CORPUS / "index.csv", rows)
    kept = {r["file"] for r in rows}
    removed = prune(CORPUS, kept) if args.limit is None else 0
    listed = [it for it in items if it.file in kept]
    sheet = write_contact_sheet(sheet_items(listed), CORPUS, CORPUS / "contact_sheet.jpg")

    table_rows, n_groups = summary(rows)
    table = Table(title=f"detection corpus: {len(rows)} items, {n_groups} groups")
    for name in ("family", "label", "kind", "items", "groups"):
        table.add_column(name, justify="right" if name in ("items", "groups") else "left")
    for r in table_rows:
        table.add_row(*(str(c) for c in r))
    console.print(table)
    console.print(f"groups: {', '.join(sorted({str(r['group']) for r in rows}))}")
    console.print(
        f"{written} files (re)written, {len(rows) - written} kept, {removed} stale removed; "
        f"index {CORPUS / 'index.csv'}; contact sheet {sheet}; {time.perf_counter() - t0:.0f} s"
    )
    for line in failures:
        console.print(f"[yellow]failed:[/yellow] {line}", markup=True, highlight=False)
    if args.check_groups:
        pairs = look_alikes(listed, CORPUS)
        console.print(f"look-alike real faces in different groups (dlib < 0.45): {len(pairs)}")
        for d, a, b in pairs:
            console.print(f"  {d:.3f}  {a}  {b}")


if __name__ == "__main__":
    main()
