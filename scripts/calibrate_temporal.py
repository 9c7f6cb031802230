"""Calibrate the temporal signal on real camera footage of the TRAIN split.

    .venv/bin/python scripts/calibrate_temporal.py [--data ../shared/data]

Writes src/faceforge/data/detect/temporal.json (read by `faceforge.forensics.temporal`): the line
`expected residual = intercept + slope · flow` that real talking-head footage follows, fitted
through the per-decile medians of every frame pair's (flow, residual), and how the residual over
that line grows with the frame's own grain: (grain / grain_reference) ^ grain_exponent, a
least-squares line in log-log over the same pairs.

Data: the real videos and frame sequences (≥ 25 frames, read as 25 fps) under paths that
`faceforge.eval.splits.detect_split` calls "train" (VoxCeleb2 crops); nothing of the evaluation
corpus. Each clip is first normalised exactly as `bench/detect_corpus.py` normalises the corpus
(short side 256, 25 fps, H.264 CRF 23, ≤ 8 s), then read the way `faceforge.detect` reads video
(6 analysed frames per second, short side ≤ 480, B-frames skipped) and tracked without smoothing.
Deterministic; about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from detect_corpus import CRF, FPS, MAX_SECONDS, NORMALISATION, PRESET, normalise_video, resize_short_side  # noqa: E402
from faceforge.eval.splits import detect_split  # noqa: E402
from faceforge.faces.tracker import FaceTracker  # noqa: E402
from faceforge.forensics.pipeline import DetectOptions, tracker_options  # noqa: E402
from faceforge.forensics.temporal import (  # noqa: E402
    Calibration,
    PairMeasure,
    TemporalTrack,
    fit_calibration,
    fit_grain,
)
from faceforge.media.output import VideoWriter, write_text  # noqa: E402
from faceforge.media.video import read_media, read_video  # noqa: E402

OUT = REPO / "src" / "faceforge" / "data" / "detect" / "temporal.json"
MIN_SEQUENCE = 25  # frames in a folder for it to count as a clip


def calibration_args(doc: str, out: Path, argv: list[str] | None) -> argparse.Namespace:
    """The command line every calibration script takes: --data (the shared folder), --out."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=out)
    return parser.parse_args(argv)


def train_meta(script: str, clips: int, pairs: int, started: float, **measured: object) -> dict[str, object]:
    """The provenance every calibration file records: command, date, data, its size, `measured`."""
    return {
        "command": f"python scripts/{script}",
        "fitted": dt.date.today().isoformat(),
        "data": "TRAIN-split real clips (faceforge.eval.splits), normalised like the benchmark corpus",
        "normalisation": NORMALISATION,
        "clips": clips,
        "pairs": pairs,
        **measured,
        "wall_time_s": round(time.time() - started, 1),
    }


def train_clips(data: Path) -> list[tuple[str, list[Path]]]:
    """(name, files): each TRAIN-split real video, and each folder of ≥ MIN_SEQUENCE real frames."""
    rows = list(csv.DictReader((data / "MANIFEST.csv").open()))
    videos, folders = [], defaultdict(list)
    for r in rows:
        rel = r["file"]
        if detect_split(rel) != "train" or r.get("label", "real") != "real":
            continue
        path = data / rel
        if path.suffix.lower() in {".mp4", ".mov", ".avi", ".mkv", ".webm"}:
            videos.append((rel, [path]))
        elif path.suffix.lower() in {".jpg", ".jpeg", ".png"} and r.get("kind") == "frame":
            folders[str(Path(rel).parent)].append(path)
    sequences = [(name, sorted(files)) for name, files in sorted(folders.items()) if len(files) >= MIN_SEQUENCE]
    return sorted(videos) + sequences


def normalised(name: str, files: list[Path], folder: Path) -> Path:
    dst = folder / (name.replace("/", "__") + ".mp4")
    if len(files) == 1:
        normalise_video(files[0], dst)
    else:
        with VideoWriter(dst, FPS, crf=CRF, preset=PRESET, labeler=None) as writer:
            for f in files[: int(MAX_SECONDS * FPS)]:
                image = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
                writer.write(resize_short_side(image, even=True))
    return dst


def clip_pairs(path: Path, start: Callable[[], Any]) -> list:
    """The frame pairs of the face track with the most, with `path` read and tracked the way
    `faceforge.detect` does; `start()` makes a track signal's accumulator (one per face track)."""
    options = DetectOptions()
    _, info = read_media(path)
    step = 1.0 / min(options.analysis_fps, max(info.fps, 1.0))
    tracker = FaceTracker(tracker_options())
    tracks: dict[int, Any] = {}
    try:
        for frame in read_video(
            path,
            interval=step,
            max_short_side=options.analysis_short_side,
            skip_nonreference=step >= 2.0 / max(info.fps, 1.0),
        ):
            for face in tracker.update(frame.image, frame.time):
                key = face.track_id if face.track_id is not None else 0
                tracks.setdefault(key, start()).add(frame.image, face, frame.time)
    finally:
        tracker.close()
    return max((t.pairs for t in tracks.values()), key=len, default=[])


def train_pairs(data: Path, start: Callable[[], Any]) -> list[tuple[str, list]]:
    """(clip name, its frame pairs) for every TRAIN-split real clip, normalised like the corpus and
    measured by the accumulators `start()` makes. Exits with a message when there is none."""
    clips = train_clips(data)
    if not clips:
        sys.exit(f"no TRAIN-split real videos under {data} (see faceforge.eval.splits)")
    per_clip = []
    with tempfile.TemporaryDirectory(prefix="faceforge-calibration-") as tmp:
        for name, files in clips:
            found = clip_pairs(normalised(name, files, Path(tmp)), start)
            per_clip.append((name, found))
            print(f"{name}: {len(found)} frame pairs", flush=True)
    return per_clip


def main(argv: list[str] | None = None) -> None:
    args = calibration_args(__doc__, OUT, argv)
    started = time.time()
    placeholder = Calibration(1.0, 0.0)  # the pairs do not depend on it
    per_clip = train_pairs(args.data, lambda: TemporalTrack(placeholder))
    pairs: list[PairMeasure] = [p for _, ps in per_clip for p in ps]
    intercept, slope = fit_calibration(pairs)
    exponent, reference = fit_grain(pairs, intercept, slope)
    calibration = Calibration(intercept, slope, exponent, reference)
    ratios = {
        name: float(np.median([p.residual for p in ps] / calibration.pair_expected(ps)))
        for name, ps in per_clip
        if len(ps) >= 6
    }
    record = {
        "intercept": round(intercept, 4),
        "slope": round(slope, 4),
        "grain_exponent": round(exponent, 4),
        "grain_reference": round(reference, 4),
        "units": (
            "residual: mean absolute grey level (0-255) on flat skin, median removed; flow: pixels at a face "
            "96 px wide; grain: mean |Laplacian| (Immerkær's mask) on the same flat skin, grey levels"
        ),
        "meta": train_meta(
            "calibrate_temporal.py",
            len(per_clip),
            len(pairs),
            started,
            clip_ratio_median=round(float(np.median(list(ratios.values()))), 3),
            clip_ratio_min=round(float(min(ratios.values())), 3),
            clip_ratio_max=round(float(max(ratios.values())), 3),
        ),
    }
    write_text(args.out, json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
