"""Make the pictures in the README with the real pipeline: docs/animate-presets.jpg, docs/swap-before-after.jpg.

    python scripts/docs_images.py [--data ../shared/data]

Only public-domain faces go into the README: the built-in sample (scikit-image's `astronaut()`,
NASA photo of Eileen Collins) and Leonardo's Mona Lisa (a painting in the public domain; the
602 px reproduction is read from `../shared/data`, nothing is copied into the repo but the
result). Every cell made by faceforge carries a small "AI" tag: a sheet cannot carry a watermark
that survives downscaling, so the tag is the label here.

animate-presets: the photo's head (first column), then frames of four built-in motions.
swap-before-after: per row, the face photo, the target, the result, and the target and the
result zoomed on the face.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from faceforge import analyze
from faceforge.effects.animate.pipeline import AnimateOptions, animate
from faceforge.effects.swap.pipeline import swap
from faceforge.eval.contact_sheet import contact_sheet, letterbox
from faceforge.media.image import read_image
from faceforge.media.output import write_bytes
from faceforge.media.video import read_video
from faceforge.samples import astronaut

ROOT = Path(__file__).resolve().parent.parent
MONA_LISA = "portraits/avatar/avatarify-python/avatars/mona.jpg"
PRESETS = ("dragostea", "look-around", "blink-and-nod", "talking")
FRAMES_PER_PRESET = 6
CELL = 150
SWAP_CELL = 220
JPEG_QUALITY = 88


def _tagged(image: np.ndarray, cell: int) -> np.ndarray:
    """`image` scaled to fit `cell` with a small "AI" tag in its bottom-right corner (generated cells)."""
    out = letterbox(image, cell)
    scale, thickness = cell / 400, max(1, round(cell / 250))
    (tw, th), base = cv2.getTextSize("AI", cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    x0, y0 = cell - tw - 8, cell - th - base - 6
    out[y0:, x0:] = (out[y0:, x0:].astype(np.float32) * 0.3).astype(np.uint8)
    cv2.putText(
        out, "AI", (x0 + 4, cell - base - 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness, cv2.LINE_AA
    )
    return out


def _head_box(image: np.ndarray, margin: float = 0.75) -> tuple[int, int, int, int]:
    """A square around the largest face with `margin` face widths on each side, inside the image."""
    faces = analyze(image)
    if not faces:
        raise RuntimeError("no face in a docs image")
    x0, y0, x1, y1 = max(faces, key=lambda f: f.box[2] - f.box[0]).box
    side = min((x1 - x0) * (1 + 2 * margin), *image.shape[:2])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(np.clip(cx - side / 2, 0, image.shape[1] - side))
    top = int(np.clip(cy - side / 2, 0, image.shape[0] - side))
    return left, top, left + int(side), top + int(side)


def _crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1]


def _frames_at(video: Path, count: int) -> list[np.ndarray]:
    frames = [f.image for f in read_video(video)]
    picks = np.linspace(len(frames) * 0.1, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in picks]


def animate_presets(out: Path, work: Path) -> Path:
    photo = astronaut()
    box = _head_box(photo)
    rows, labels = [], []
    for name in PRESETS:
        clip = work / f"{name}.mp4"
        animate(photo, clip, preset=name, options=AnimateOptions())
        frames = [_tagged(_crop(f, box), CELL) for f in _frames_at(clip, FRAMES_PER_PRESET)]
        rows.append([_crop(photo, box), *frames])
        labels.append(name)
    return _write_jpeg(out, contact_sheet(rows, labels=labels, cell=CELL))


def swap_before_after(out: Path, work: Path, data: Path) -> Path:
    mona_path = data / MONA_LISA
    if not mona_path.is_file():
        sys.exit(f"{mona_path}: not found; pass --data with the shared test media (../shared/data)")
    photo, mona = astronaut(), read_image(mona_path)
    into_mona, into_photo = work / "into-mona.png", work / "into-photo.png"
    swap(photo, mona_path, into_mona)
    swap(mona, photo, into_photo)
    rows = []
    for face, target, result_path in ((photo, mona, into_mona), (mona, photo, into_photo)):
        result = read_image(result_path)
        box = _head_box(target, margin=0.3)
        rows.append(
            [face, target, _tagged(result, SWAP_CELL), _crop(target, box), _tagged(_crop(result, box), SWAP_CELL)]
        )
    return _write_jpeg(out, contact_sheet(rows, cell=SWAP_CELL))


def _write_jpeg(path: Path, rgb: np.ndarray) -> Path:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError(f"could not encode {path}")
    write_bytes(path, buf.tobytes())
    print(f"wrote {path.relative_to(ROOT)} ({rgb.shape[1]}×{rgb.shape[0]})")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="faceforge-docs-") as tmp:
        work = Path(tmp)
        animate_presets(ROOT / "docs" / "animate-presets.jpg", work)
        swap_before_after(ROOT / "docs" / "swap-before-after.jpg", work, args.data)


if __name__ == "__main__":
    main()
