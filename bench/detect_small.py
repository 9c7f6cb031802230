"""Small faces in a wide video frame: what `detect` says when its best video signals cannot judge.

    python bench/detect_small.py    # needs the corpus (python bench/detect_corpus.py);
                                    # updates bench/README.md ("detect-small")

Every third corpus video (real and fake; 256 px, see bench/detect_corpus.py) is pasted, scaled so
the picture is `SIZES` pixels tall, onto a grey 1280×720 frame (H.264 CRF 20, 25 fps, ≤ 6 s), as a
person far from the camera would be, and given to `faceforge.detect` with its defaults (analysed at
480 px: a 240 px tall picture keeps the face about 110 px wide there, 80 px about 35). Below about
40 px, frame-to-frame detail, shading and seam flicker, the signals with skill alone on the
benchmark, cannot judge the face; `detect` then gives no probability (`FusionModel.deciding_signals`).
"Without that rule" is what the shipped combiner would have said from the other signals (blinks and
head pose, pulse, blending, frequency, noise: each near chance alone on the corpus videos).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import detect as bench  # noqa: E402
from _common import git_revision, machine, table, update_readme, write_h264  # noqa: E402

SIZES = (240, 150, 80)  # pixels: the pasted picture's height in the 720p frame
OUT = bench.BENCH / "out" / "detect" / "small"


def _wide_clip(src: Path, size: int) -> Path:
    """`src` (a corpus video) pasted `size` px tall onto a grey 1280×720 frame, made once."""
    import cv2

    from faceforge.media.video import read_video

    clip = OUT / f"{src.parent.name}__{src.stem}__{size}.mp4"
    if clip.exists():
        return clip

    def canvases():  # noqa: ANN202
        for frame in read_video(src, max_frames=150):
            h, w = frame.image.shape[:2]
            small = cv2.resize(frame.image, (round(w * size / h) // 2 * 2, size), interpolation=cv2.INTER_AREA)
            canvas = np.full((720, 1280, 3), 110, np.uint8)
            canvas[300 : 300 + small.shape[0], 500 : 500 + small.shape[1]] = small
            yield canvas

    return write_h264(clip, canvases(), rate=25, options={"crf": "20"})


def main() -> None:
    from faceforge.forensics.fusion import load_fusion
    from faceforge.forensics.pipeline import DetectOptions, detect

    revision = git_revision()
    index = bench.CORPUS / "index.csv"
    if not index.exists():
        sys.exit(f"no corpus at {index}: run python bench/detect_corpus.py first")
    with open(index, newline="") as fh:
        videos = [r for r in csv.DictReader(fh) if r["kind"] == "video"][::3]
    video = load_fusion().for_kind("video")
    options = DetectOptions(heatmaps=False, suspicious_frames=0)
    rows = []
    for size in SIZES:
        said = {"real": [], "fake": []}  # (what detect said, the risk without the rule or None)
        for r in videos:
            result = detect(_wide_clip(bench.CORPUS / r["file"], size), options)
            if not result.faces:
                said[r["label"]].append(("no face", None))
                continue
            face = max(result.faces, key=lambda f: len(f.frames))
            scores = {n: s.score for n, s in face.signals.items()}
            before = video.risk(video.probability(scores)) if any(v is not None for v in scores.values()) else None
            said[r["label"]].append((result.risk or "not judged", before))
        for label in ("real", "fake"):
            got = said[label]
            count = {k: sum(a == k for a, _ in got) for k in ("low", "medium", "high", "not judged", "no face")}
            before = {k: sum(b == k for _, b in got) for k in ("medium", "high")}
            rows.append(
                [
                    f"{size} px",
                    f"{label} ({len(got)})",
                    count["low"],
                    count["medium"],
                    count["high"],
                    count["not judged"],
                    count["no face"],
                    f"{before['medium']} medium, {before['high']} high",
                ]
            )
    head = ["picture height in 720p", "clips", "low", "medium", "high", "not judged", "no face", "without that rule"]
    body = f"""### Small faces in a wide frame (`python bench/detect_small.py`)

Machine: {machine()} · revision {revision} · {dt.date.today().isoformat()}

Every third corpus video pasted small onto a grey 1280×720 frame and screened with `detect`'s
defaults: what it said, and what the shipped video combiner would have said from the signals
without skill alone had it not required one with skill (see the script's docstring):

{table(head, rows)}"""
    print(body)
    update_readme("detect-small", body)


if __name__ == "__main__":
    main()
