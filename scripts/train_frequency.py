"""Train the frequency signal's classifier (`faceforge.forensics.frequency`).

    .venv/bin/python scripts/train_frequency.py            # ~3 min on one CPU core

Data: REAL faces only, from the images and frames of `../shared/data` whose path
`faceforge.eval.splits.detect_split` puts in "train" (portraits, restoration, VoxCeleb2 frames;
paintings and statues — label "mixed" — and the scribbled inpainting inputs are left out). Each
face gives `PAIRS` (real, pseudo-fake) pairs. Per pair, in this order:

1. the same re-scale for both: the face (the signal's window side) to 60–250 px, never enlarged;
2. a pseudo-fake made from the re-scaled real with what generators and face tools do to pixels:
   - up-sampling from ½–¼ size: nearest, bilinear, bicubic, or zero insertion + a 2- to 4-tap
     kernel (a transposed convolution, Durall et al. CVPR 2020; Odena et al. 2016 on its
     checkerboard), of the whole picture (a generated image) or blended into the face (a swap);
   - re-synthesis: a smooth random warp (bilinear re-sampling), sometimes also re-sampled down and
     up, blended into the face;
   - a smoothed copy (Gaussian, bilateral or median filter) blended into the face (beauty filters);
3. the same compression for both: JPEG quality 50–95 (15 % of pairs stay uncompressed).

Validation holds out whole sources (manifest `family`) in turn: each source's pairs are scored by
a model fitted on the other sources, and the pooled out-of-fold AUC is reported with each
source's. The shipped model is then fitted on all sources. Logistic regression (on the
standardised features and their squares) with an L2 penalty, fitted with L-BFGS (numpy/scipy, no scikit-learn). Output: the model
(`src/faceforge/data/detect/frequency.npz`, no pickle) and its report (`frequency.json`: command,
seed, counts, AUCs). Reproducible: one fixed seed, one random generator per image.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import minimize

from faceforge.eval.detection import auc as detection_auc
from faceforge.eval.splits import detect_split
from faceforge.faces.analyzer import analyze
from faceforge.faces.face import Face
from faceforge.faces.masks import face_mask
from faceforge.forensics.frequency import (
    AXIS_BANDS,
    AXIS_DEGREES,
    CONTEXT,
    LOW_BINS,
    N_BINS,
    FrequencyModel,
    face_window,
    frequency_features,
)
from faceforge.media.image import read_image

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
DEFAULT_OUT = REPO / "src" / "faceforge" / "data" / "detect" / "frequency.npz"
PAIRS = 4  # (real, fake) pairs per face
FRAME_STRIDE = 4  # VoxCeleb2 frames: every 4th of each clip (neighbours are near-duplicates)
MIN_SOURCE_FACE_PX = 60
FACE_PX_RANGE = (60.0, 250.0)
JPEG_RANGE = (50, 95)
JPEG_PROBABILITY = 0.85
L2 = 1e-2  # penalty on the standardised weights (per sample)
EXCLUDED = ("masked_faces/",)  # white scribbles painted over the face: not a camera image


@dataclass(frozen=True)
class Sample:
    features: np.ndarray
    label: int  # 1 = pseudo-fake
    source: str
    kind: str  # "real" or the manipulation


# ----------------------------------------------------------------------------- data


def real_images(data_dir: Path) -> list[tuple[str, str]]:
    """(relative path, source) of every real training image and (subsampled) frame."""
    with open(data_dir / "MANIFEST.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: list[tuple[str, str]] = []
    seen_per_folder: Counter[str] = Counter()
    for row in sorted(rows, key=lambda r: r["file"]):
        path = row["file"]
        if row["label"] != "real" or row["kind"] not in ("image", "frame") or detect_split(path) != "train":
            continue
        if any(part in path for part in EXCLUDED):
            continue
        if row["kind"] == "frame":
            folder = path.rsplit("/", 1)[0]
            seen_per_folder[folder] += 1
            if (seen_per_folder[folder] - 1) % FRAME_STRIDE:
                continue
        out.append((path, row["family"]))
    return out


def face_region(image: np.ndarray, face: Face, scale: float) -> tuple[np.ndarray, Face]:
    """A square region of side 2 × the signal's window around the face, re-scaled by `scale` ≤ 1."""
    window = face_window(image, face, context=CONTEXT)
    side = 2.0 * window.face_px
    cx, cy = np.mean(face.landmarks_2d[[33, 263, 1, 61, 291]], axis=0)
    h, w = image.shape[:2]
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(w, int(cx + side / 2)), min(h, int(cy + side / 2))
    region = image[y0:y1, x0:x1]
    landmarks = face.landmarks.copy()
    landmarks[:, :2] -= (x0, y0)
    if scale < 1.0:
        size = (max(8, round(region.shape[1] * scale)), max(8, round(region.shape[0] * scale)))
        sx, sy = size[0] / region.shape[1], size[1] / region.shape[0]
        region = cv2.resize(region, size, interpolation=cv2.INTER_AREA)
        # Pixel centres: x' + 0.5 = (x + 0.5) · s.
        landmarks[:, 0] = (landmarks[:, 0] + 0.5) * sx - 0.5
        landmarks[:, 1] = (landmarks[:, 1] + 0.5) * sy - 0.5
        landmarks[:, 2] *= (sx + sy) / 2
    xy = landmarks[:, :2]
    box = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
    return np.ascontiguousarray(region), replace(face, landmarks=landmarks, box=box, masks=None)


# ----------------------------------------------------------------------------- pseudo-fakes


def _blend(base: np.ndarray, other: np.ndarray, face: Face, rng: np.random.Generator, alpha: float = 1.0) -> np.ndarray:
    """`other` blended into `base` inside a feathered, randomly grown or shrunk face oval."""
    landmarks = face.landmarks.copy()
    centre = landmarks[:, :2].mean(axis=0)
    landmarks[:, :2] = centre + (landmarks[:, :2] - centre) * rng.uniform(0.9, 1.08)
    mask = face_mask(landmarks, base.shape[:2], feather=float(rng.uniform(0.02, 0.08))).astype(np.float32)
    m = (mask * (alpha / 255.0))[..., None]
    out = base.astype(np.float32) * (1.0 - m) + other.astype(np.float32) * m
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _transposed_2x(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Stride-2 transposed convolution: zero insertion, then a separable kernel with gain 2 per axis."""
    h, w = x.shape[:2]
    z = np.zeros((2 * h, 2 * w, x.shape[2]), np.float32)
    z[::2, ::2] = x
    return cv2.sepFilter2D(z, -1, kernel, kernel, borderType=cv2.BORDER_REFLECT_101)


def _kernel(rng: np.random.Generator) -> np.ndarray:
    choice = int(rng.integers(4))
    taps = [np.array([1.0, 1.0]), np.array([1.0, 2.0, 1.0]), np.array([1.0, 3.0, 3.0, 1.0])]
    k = taps[choice] if choice < 3 else rng.uniform(0.2, 1.0, size=int(rng.integers(2, 5)))
    return (2.0 * k / k.sum()).astype(np.float32)


def upsampled(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    h, w = image.shape[:2]
    method = ("nearest", "bilinear", "bicubic", "transposed")[int(rng.integers(4))]
    if method == "transposed":
        steps = int(rng.integers(1, 3))
        k = 2**steps
        small = cv2.resize(image, (math.ceil(w / k), math.ceil(h / k)), interpolation=cv2.INTER_AREA)
        out = small.astype(np.float32)
        for _ in range(steps):
            out = _transposed_2x(out, _kernel(rng))
        return np.clip(np.rint(out[:h, :w]), 0, 255).astype(np.uint8), method
    # Generators up-sample by whole factors; a face resized to fit a frame, by any factor.
    f = float(rng.integers(2, 5)) if rng.random() < 0.5 else rng.uniform(2.0, 4.0)
    small = cv2.resize(image, (max(4, round(w / f)), max(4, round(h / f))), interpolation=cv2.INTER_AREA)
    flag = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}[method]
    return cv2.resize(small, (w, h), interpolation=flag), method


def warped(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooth random warp (displacements up to a few pixels), sometimes re-sampled down and up."""
    h, w = image.shape[:2]
    grid = int(rng.integers(3, 7))
    amplitude = rng.uniform(0.5, 3.0)
    dx = cv2.resize(rng.normal(size=(grid, grid)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(size=(grid, grid)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = cv2.remap(
        image, xx + amplitude * dx, yy + amplitude * dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    if rng.random() < 0.5:
        f = rng.uniform(1.2, 2.0)
        small = cv2.resize(out, (max(4, round(w / f)), max(4, round(h / f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return out


def smoothed(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    choice = int(rng.integers(3))
    if choice == 0:
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.6, 2.0))
    if choice == 1:
        return cv2.bilateralFilter(image, int(rng.integers(5, 10)), rng.uniform(20, 60), rng.uniform(3, 7))
    return cv2.medianBlur(image, 3 if rng.random() < 0.6 else 5)


def pseudo_fake(image: np.ndarray, face: Face, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A manipulated copy of an H×W×3 uint8 RGB region and the name of what was done."""
    what = int(rng.integers(3))
    if what == 0:
        up, method = upsampled(image, rng)
        if rng.random() < 0.4:
            return up, f"upsample-{method}-whole"
        return _blend(image, up, face, rng), f"upsample-{method}-face"
    if what == 1:
        return _blend(image, warped(image, rng), face, rng), "warp"
    return _blend(image, smoothed(image, rng), face, rng, alpha=float(rng.uniform(0.5, 1.0))), "smooth"


def jpeg(image: np.ndarray, quality: int | None) -> np.ndarray:
    if quality is None:
        return image
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def face_samples(image: np.ndarray, face: Face, source: str, rng: np.random.Generator) -> list[Sample]:
    native = face_window(image, face, context=CONTEXT).face_px
    samples: list[Sample] = []
    for _ in range(PAIRS):
        target = rng.uniform(*FACE_PX_RANGE)
        region, rface = face_region(image, face, min(1.0, target / native))
        fake, kind = pseudo_fake(region, rface, rng)
        quality = int(rng.integers(JPEG_RANGE[0], JPEG_RANGE[1] + 1)) if rng.random() < JPEG_PROBABILITY else None
        real_x, _, _ = frequency_features(jpeg(region, quality), rface)
        fake_x, _, _ = frequency_features(jpeg(fake, quality), rface)
        if real_x is None or fake_x is None:
            continue
        samples += [Sample(real_x, 0, source, "real"), Sample(fake_x, 1, source, kind)]
    return samples


def collect(data_dir: Path, seed: int) -> list[Sample]:
    samples: list[Sample] = []
    images = real_images(data_dir)
    for i, (rel, source) in enumerate(images):
        image = read_image(data_dir / rel)
        rng = np.random.default_rng([seed, i])
        for face in analyze(image, max_faces=3, masks=False):
            if face_window(image, face, context=CONTEXT).face_px >= MIN_SOURCE_FACE_PX:
                samples += face_samples(image, face, source, rng)
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{len(images)} images, {len(samples)} samples", file=sys.stderr)
    return samples


# ----------------------------------------------------------------------------- model


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> FrequencyModel:
    """L2-penalised logistic regression on [z, z²] of the standardised features (mean log-loss + l2/2·|w|²)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    n = x.shape[1]
    phi = FrequencyModel(mean=mean, scale=scale, weights=np.zeros(2 * n), bias=0.0).expand(x)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        t = phi @ w + b
        # log(1 + e^t) − y·t, stable for large |t|.
        value = np.mean(np.logaddexp(0.0, t) - y * t) + 0.5 * l2 * w @ w
        residual = 1.0 / (1.0 + np.exp(-t)) - y
        grad = np.append(phi.T @ residual / len(y) + l2 * w, residual.mean())
        return float(value), grad

    result = minimize(loss, np.zeros(2 * n + 1), jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return FrequencyModel(mean=mean, scale=scale, weights=result.x[:-1], bias=float(result.x[-1]))


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties count half): `faceforge.eval.detection.auc` with this script's argument order."""
    return detection_auc(labels, scores)


def leave_one_source_out(x: np.ndarray, y: np.ndarray, sources: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    out_of_fold = np.zeros(len(y))
    per_source: dict[str, float] = {}
    for source in sorted(set(sources)):
        held = sources == source
        model = fit_logistic(x[~held], y[~held])
        out_of_fold[held] = model.probability(x[held])
        per_source[source] = round(auc(out_of_fold[held], y[held]), 4)
    return out_of_fold, per_source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (MANIFEST.csv)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model .npz (the report goes beside it)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    started = time.monotonic()

    samples = collect(args.data, args.seed)
    x = np.stack([s.features for s in samples])
    y = np.array([s.label for s in samples], dtype=np.float64)
    sources = np.array([s.source for s in samples])
    out_of_fold, per_source = leave_one_source_out(x, y, sources)
    model = fit_logistic(x, y)
    kinds = np.array([s.kind for s in samples])
    fake_kinds = sorted(set(kinds) - {"real"})
    # Per manipulation: out-of-fold AUC of that kind's fakes against all reals.
    per_kind = {k: round(auc(out_of_fold[(kinds == k) | (y == 0)], y[(kinds == k) | (y == 0)]), 4) for k in fake_kinds}
    report = {
        "command": " ".join(["python scripts/train_frequency.py", *(sys.argv[1:] if argv is None else argv)]),
        "seed": args.seed,
        "features": {
            "n_bins": N_BINS,
            "low_bins": LOW_BINS,
            "context": CONTEXT,
            "axis_bands": AXIS_BANDS,
            "axis_degrees": AXIS_DEGREES,
            "plus": "log2(face_px / 128); model on [z, z^2]",
        },
        "l2": L2,
        "pairs_per_face": PAIRS,
        "counts": {
            "real": int((y == 0).sum()),
            "fake": int((y == 1).sum()),
            "real_per_source": dict(Counter(str(s) for s, lab in zip(sources, y) if lab == 0)),
            "fake_per_kind": dict(Counter(str(k) for k in kinds if k != "real")),
        },
        "validation": {
            "scheme": "leave one source out (manifest family), pooled out-of-fold scores",
            "auc": round(auc(out_of_fold, y), 4),
            "auc_per_source": per_source,
            "auc_per_manipulation": per_kind,
        },
        "train_auc": round(auc(model.probability(x), y), 4),
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "opencv": cv2.__version__},
    }
    model = replace(model, meta=report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    args.out.with_suffix(".json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(json.dumps(report["validation"], indent=2))
    print(f"{len(samples)} samples, {time.monotonic() - started:.0f} s → {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
