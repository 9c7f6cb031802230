"""Face analysis benchmark: speed and accuracy on real media.

    python bench/faces.py            # full run, updates bench/README.md (~5 min on 2 cores)
    python bench/faces.py --quick    # fewer repeats, does not touch README.md

Speed: median frames per second of
  - still analysis (`FaceAnalyzer.analyze`, detector + mesh + pose, no masks), and
  - video tracking (`FaceTracker.update` on consecutive frames, the analysis stage of
    every video effect), at 256², 512² and 1080p with one face and with six faces.
Single-face frames come from the 512² HDTF clip; six-face frames tile six different
real talking clips in a 3×2 grid.
Accuracy: faces found in ../shared/data/portraits against counts a person marked
(bench/data/portrait_faces.csv), and same/different-person accuracy on the
identity-pairs list (deepface's master.csv) with MediaPipe boxes + dlib embeddings.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, git_revision, machine, median_time, shared_data, table, update_readme  # noqa: E402
from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer  # noqa: E402
from faceforge.faces.identity import SAME_PERSON_THRESHOLD, face_embedding, identity_distance  # noqa: E402
from faceforge.faces.tracker import FaceTracker, TrackerOptions  # noqa: E402
from faceforge.media.image import read_image  # noqa: E402
from faceforge.media.video import read_video  # noqa: E402

SINGLE = "talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4"
SIX = [
    "talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "talking/hdtf/SadTalker/examples/ref_video/WDA_AlexandriaOcasioCortez_000.mp4",
    "talking/speech/video-retalking/examples/face/1.mp4",
    "talking/speech/video-retalking/examples/face/3.mp4",
    "talking/mead/dreamtalk/data/style_clip/video/W009_front_happy_level3_001.mp4",
    "talking/voxceleb/LIA/data/vox/driving2.mp4",
]
RECALL_HEADER = ["search", "kind", "images", "faces marked", "found", "recall", "extra", "complete", "ms"]
SIZES = {"256²": (256, 256), "512²": (512, 512), "1080p": (1920, 1080)}


def clip(path: Path, n: int) -> list[np.ndarray]:
    return [f.image for f in read_video(path, max_frames=n)]


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Scale a frame to fit `size` (w, h) and centre it on a grey canvas."""
    w, h = size
    s = min(w / frame.shape[1], h / frame.shape[0])
    small = cv2.resize(frame, (round(frame.shape[1] * s), round(frame.shape[0] * s)), interpolation=cv2.INTER_AREA)
    out = np.full((h, w, 3), 110, np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def six_grid(frames: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
    w, h = size
    cw, ch = w // 3, h // 2
    out = np.full((h, w, 3), 110, np.uint8)
    for i, fr in enumerate(frames):
        r, c = divmod(i, 3)
        out[r * ch : (r + 1) * ch, c * cw : (c + 1) * cw] = fit(fr, (cw, ch))
    return out


def speed(data: Path, n_frames: int, repeats: int) -> list[list[object]]:
    single = clip(data / SINGLE, n_frames)
    six = [clip(data / p, n_frames) for p in SIX]
    rows = []
    for name, size in SIZES.items():
        for faces, frames in (
            (1, [fit(f, size) for f in single]),
            (6, [six_grid([c[i % len(c)] for c in six], size) for i in range(n_frames)]),
        ):
            analyzer, first = FaceAnalyzer(AnalyzeOptions(masks=False)), frames[0]
            found = len(analyzer.analyze(first))
            still = median_time(lambda a=analyzer, f=first: a.analyze(f), repeats)
            analyzer.close()
            tracker = FaceTracker(TrackerOptions())
            per_frame, counts = [], []
            for i, fr in enumerate(frames):
                t0 = time.perf_counter()
                counts.append(len(tracker.update(fr, i / 25)))
                per_frame.append(time.perf_counter() - t0)
            tracker.close()
            track = float(np.median(per_frame[3:]))
            rows.append([name, faces, found, f"{1 / still:.0f}", f"{1 / track:.0f}", f"{np.mean(counts):.2f}"])
            print(rows[-1], flush=True)
    return rows


SEARCHES = {
    "thorough (the effects)": True,
    "image tiles only (`detect`)": False,
}


def portrait_recall(data: Path) -> tuple[list[list[object]], str]:
    """Faces found per image kind with each search (`AnalyzeOptions.thorough`), the two
    searches image by image in one loop so that their times compare; then the totals."""
    truth = list(csv.DictReader(open(BENCH / "data" / "portrait_faces.csv", newline="")))
    analyzers = {name: FaceAnalyzer(AnalyzeOptions(masks=False, thorough=t)) for name, t in SEARCHES.items()}
    per_kind: dict[tuple[str, str], list[int]] = {}
    seconds: dict[str, list[float]] = {name: [] for name in SEARCHES}
    misses = []
    for row in truth:
        image = read_image(data / row["file"])
        expected, extra_ok = int(row["faces"]), int(row["small_or_hard"])
        for name, analyzer in analyzers.items():
            t0 = time.perf_counter()
            found = len(analyzer.analyze(image))
            seconds[name].append(time.perf_counter() - t0)
            for kind in (row["kind"], "all"):
                k = per_kind.setdefault((name, kind), [0, 0, 0, 0, 0])
                k[0] += 1
                k[1] += expected
                k[2] += min(found, expected)
                k[3] += max(0, found - expected - extra_ok)
                k[4] += int(found >= expected)
            if found < expected:
                misses.append(f"{row['file']} ({found}/{expected}, {name})")
    for analyzer in analyzers.values():
        analyzer.close()
    rows = []
    for name in SEARCHES:
        kinds = sorted(k for n, k in per_kind if n == name and k != "all") + ["all"]
        for kind in kinds:
            n, exp, hit, extra, ok = per_kind[(name, kind)]
            ms = f"{1000 * float(np.median(seconds[name])):.0f}" if kind == "all" else ""
            rows.append([name, kind, n, exp, hit, f"{100 * hit / max(exp, 1):.1f}%", extra, ok, ms])
    return rows, "; ".join(misses) or "none"


def identity_accuracy(data: Path) -> tuple[int, int, int, float]:
    folder = data / "portraits/identity-pairs/deepface/tests/unit/dataset"
    pairs = list(csv.DictReader(open(folder / "master.csv", newline="")))
    analyzer = FaceAnalyzer(AnalyzeOptions(masks=False))
    cache: dict[str, np.ndarray | None] = {}

    def embed(name: str) -> np.ndarray | None:
        if name not in cache:
            image = read_image(folder / name)
            faces = analyzer.analyze(image)
            cache[name] = face_embedding(image, faces[0].box) if faces else None
        return cache[name]

    correct = no_face = 0
    for p in pairs:
        a, b = embed(p["file_x"]), embed(p["file_y"])
        if a is None or b is None:
            no_face += 1
            continue
        same = identity_distance(a, b) < SAME_PERSON_THRESHOLD
        correct += int(same == (p["Decision"].strip().lower() == "yes"))
    analyzer.close()
    scored = len(pairs) - no_face
    return len(pairs), scored, no_face, correct / max(scored, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer frames; do not write README.md")
    args = parser.parse_args()
    data = shared_data()
    n_frames, repeats = (30, 5) if args.quick else (120, 15)

    speed_rows = speed(data, n_frames, repeats)
    recall_rows, misses = portrait_recall(data)
    print(table(RECALL_HEADER, recall_rows))
    n_pairs, scored, no_face, acc = identity_accuracy(data)
    print(f"identity pairs: {n_pairs}, scored {scored}, no face {no_face}, accuracy {acc:.3f}")

    body = f"""
### Face analysis (`python bench/faces.py`)

Run {time.strftime("%Y-%m-%d")} at commit {git_revision()} on {machine()}.

**Speed** (median frames per second; "still" = `FaceAnalyzer.analyze` on one image with
detection on every call; "tracking" = `FaceTracker.update` on consecutive video frames,
{n_frames} frames; one face = the 512² HDTF clip scaled into the frame, six faces = six real
clips in a 3×2 grid):

{table(["frame", "faces", "found (still)", "still fps", "tracking fps", "faces/frame tracked"], speed_rows)}

**Faces found** in `../shared/data/portraits` against the faces a person marked
(`bench/data/portrait_faces.csv`; "extra" = detections beyond the marked and the
small/hard faces, an upper bound on false positives; "complete" = images with every
marked face found; ms = median `analyze` time per image, the two searches taking turns
image by image). The thorough search (every effect) also tiles the mirror-padded border
with both detector models, which finds small faces cut by the frame edge; `detect` tiles
only the image itself with the full-range model, because every face it finds is judged
and a false face can raise a false alarm:

{table(RECALL_HEADER, recall_rows)}

Missed: {misses}

**Same/different person** on identity-pairs (`master.csv`): {n_pairs} pairs, {scored} scored,
{no_face} without a detectable face, accuracy **{100 * acc:.1f}%** at distance threshold
{SAME_PERSON_THRESHOLD} (MediaPipe box → dlib 5-point alignment → dlib ResNet embedding).
"""
    if args.quick:
        print(body)
    else:
        update_readme("faces", body)
        print("updated bench/README.md")


if __name__ == "__main__":
    main()
