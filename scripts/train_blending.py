"""Train the blending-boundary detector on self-blended images and export it to ONNX.

    .venv/bin/pip install -e ".[train]"      # torch 2.13.0 (CPU) and onnx, for training only
    .venv/bin/python scripts/train_blending.py [--data ../shared/data]

Writes src/faceforge/data/detect/blending.onnx and blending.json (read by
`faceforge.forensics.blending`); `--out DIR` writes them elsewhere. Measured: the shipped model's
full run (face cache included) took 21.8 minutes wall time on the shared 2-core development
machine (AMD EPYC, other jobs running; torch 2.13.0 CPU) and reached validation AUC 0.84; both
are in blending.json ("wall_time_s", "val_auc"). Two runs gave bit-identical ONNX files (the
made-fake option was added since, without changing the random stream when it is off).

Tried on 2026-11-26 and NOT shipped (per-family AUCs of the CNN alone, `bench/detect.py`): 40
frames per training video (836 faces; `FRAMES_PER_VIDEO`) with 24 epochs reached validation AUC
0.91, and adding `--made-share 0.35` reached 0.89 on SBI and 0.91 on held-out faceforge-made
fakes; but neither did better than the shipped model on the corpus's unseen families (DFDC
0.74 / 0.73 against 0.81, FaceForensics++ frames 0.79 / 0.63 against 0.91, DreamTalk 0.16 /
0.10 against 0.40), and the made fakes only lifted faceforge-swap videos (0.62 against 0.48),
a family they had seen. The option stays for further work.

What it does:

1. Collects REAL faces only from paths `faceforge.eval.splits.detect_split` calls "train"
   (portraits/, restoration/, talking/voxceleb2/: stills, a few frames per frame folder and per
   video), finds the faces with `faceforge.faces.analyzer.analyze` and caches aligned crops
   (192 px, context 2.4 — the 128 px / context 1.6 model crop plus a margin for jitter) with
   crop-space landmarks under build/forensics/ (gitignored). About 15 % of the sources, chosen
   whole by source folder or video, are held out for validation.
2. Only with `--made-share` > 0 (default 0): makes faceforge's own fakes from TRAIN-split
   stills (`scripts/training_fakes.py`: 360 face swaps between different people and 60 stills
   animated with the built-in preset motions, 3 frames each) and caches their aligned crops the same way. The evaluation corpus makes its
   faceforge fakes from EVAL-split people only, so no person is shared, but the family is: the
   benchmark calls faceforge-swap and faceforge-animate "seen" families.
3. Trains a small CNN (plain 3×3 convolutions, 0.65 M parameters) with two heads — an image
   logit (real vs fake) and a 32×32 blending-boundary map — on real/fake pairs made on the fly:
   the fake is a self-blend of the real face (`faceforge.forensics.sbi`, Shiohara & Yamasaki
   2022; Face X-ray target, Li et al. 2020) or, for `--made-share` of the pairs, one of
   the faceforge-made fakes (no boundary target; the map loss skips it). Half the reals get the
   blend's colour/sharpness jitter all over (no seam: still real).
   Real and fake go through the same augmentation: alignment jitter, flip, colour, the
   resolution of a face 16-100 px between the eyes, JPEG 50-95, mild blur and noise.
   One torch thread trains while one DataLoader worker makes the pairs (2 cores in all).
4. Exports to ONNX (dynamic batch), checks onnxruntime against torch, and writes the JSON with
   the input size, crop context, normalisation and the training record (command, data counts,
   seed, epochs, wall time, validation AUC on the held-out real/SBI pairs).

Everything is seeded (data by per-sample keys, so worker timing does not matter): a rerun on the
same data and machine gives the same model.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from faceforge.eval.detection import auc as detection_auc
from faceforge.eval.splits import detect_split
from faceforge.forensics.crops import aligned_face
from faceforge.forensics.sbi import jitter_appearance, self_blend

sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_fakes import contact_sheet, load_cache, made_fakes_cache  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CACHE_DIR = REPO / "build" / "forensics"
OUT_DIR = REPO / "src" / "faceforge" / "data" / "detect"

SIZE = 128  # model input, px
CONTEXT = 1.6  # `aligned_face` context: the whole face outline and some background
CACHE_SIZE = 192  # cached crop: same pixel scale as the model crop (192 / 2.4 = 128 / 1.6)
CACHE_CONTEXT = CONTEXT * CACHE_SIZE / SIZE
MAP_SIZE = 32  # boundary map, 1/4 of the input
MEAN = (0.5, 0.5, 0.5)
STD = (0.5, 0.5, 0.5)
IRIS = (468, 473)  # MediaPipe iris centres
CROP_IOD = float(np.hypot(73.53 - 38.29, 51.50 - 51.70)) * SIZE / 112.0 / CONTEXT  # eye distance in the crop
MIN_SOURCE_IOD = 20.0  # px between the eyes in the source image: smaller faces are too blurry to teach
FRAMES_PER_FOLDER = 24
FRAMES_PER_VIDEO = 10  # per training video (40 was tried: see the docstring)
EXCLUDE = ("/masked_faces/",)  # CodeFormer inpainting inputs: real photos with painted-over regions


@dataclass(frozen=True)
class Config:
    data: Path
    seed: int = 1234
    epochs: int = 18
    steps: int = 200  # per epoch
    pairs: int = 32  # real/fake pairs per step (batch of 64 images)
    lr: float = 2e-3
    boundary_weight: float = 2.0
    weight_decay: float = 0.05
    val_fraction: float = 0.15
    workers: int = 1
    threads: int = 1
    made_share: float = 0.0  # share of fakes that are faceforge-made swaps/animations (the rest: SBI)


# ----------------------------------------------------------------------------- data collection


def training_sources(data: Path) -> list[dict[str, str]]:
    """MANIFEST rows of real images, frames and videos that the split allows for training."""
    with open(data / "MANIFEST.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    keep = []
    for r in rows:
        if detect_split(r["file"]) != "train" or r["label"] != "real" or r["kind"] not in ("image", "frame", "video"):
            continue
        if any(x in "/" + r["file"] for x in EXCLUDE):
            continue
        keep.append(r)
    # A few evenly spaced frames per frame folder, not hundreds of near-duplicates.
    frames: dict[str, list[dict[str, str]]] = {}
    for r in keep:
        if r["kind"] == "frame":
            frames.setdefault(str(Path(r["file"]).parent), []).append(r)
    chosen = [r for r in keep if r["kind"] != "frame"]
    for folder in sorted(frames):
        items = sorted(frames[folder], key=lambda r: r["file"])
        idx = np.unique(np.linspace(0, len(items) - 1, min(FRAMES_PER_FOLDER, len(items))).round().astype(int))
        chosen += [items[i] for i in idx]
    return sorted(chosen, key=lambda r: r["file"])


def source_group(rel: str) -> str:
    """Validation is held out by group: the video id for talking clips, the folder for stills."""
    p = Path(rel)
    if rel.startswith("talking/"):
        return "video:" + (p.parent.name if p.suffix.lower() in (".jpg", ".png") else p.stem)
    return "folder:" + str(p.parent)


def source_images(data: Path, row: dict[str, str]) -> list[np.ndarray]:
    """The RGB frames to analyse for one MANIFEST row (one for a still, a few for a video)."""
    from faceforge.media.image import read_image
    from faceforge.media.video import probe_video, read_video

    path = data / row["file"]
    if row["kind"] != "video":
        return [read_image(path)]
    n = probe_video(path).frame_count
    wanted = set(np.linspace(0, max(0, n - 1), FRAMES_PER_VIDEO).round().astype(int).tolist())
    return [f.image for f in read_video(path) if f.index in wanted]


def build_cache(data: Path, log) -> dict[str, np.ndarray]:
    """Aligned 192 px crops + crop-space landmarks of every usable face, cached under build/."""
    from faceforge.faces.analyzer import analyze

    rows = training_sources(data)
    key = hashlib.sha256(
        json.dumps(
            [[r["file"], r["w"], r["h"]] for r in rows] + [CACHE_SIZE, CACHE_CONTEXT, MIN_SOURCE_IOD, FRAMES_PER_VIDEO]
        ).encode()
    ).hexdigest()[:16]
    path = CACHE_DIR / f"blending_faces_{key}.npz"
    found = load_cache(path, "face cache", log)
    if found is not None:
        return found
    crops, marks, groups, files = [], [], [], []
    t0 = time.time()
    for i, row in enumerate(rows):
        for image in source_images(data, row):
            for face in analyze(image, max_faces=4, masks=False):
                cropped = crop_face(image, face)
                if cropped is None:
                    continue
                crops.append(cropped[0])
                marks.append(cropped[1].astype(np.float32))
                groups.append(source_group(row["file"]))
                files.append(row["file"])
        if (i + 1) % 50 == 0:
            log(f"  analysed {i + 1}/{len(rows)} sources, {len(crops)} faces, {time.time() - t0:.0f} s")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cache = {
        "crops": np.stack(crops),
        "landmarks": np.stack(marks),
        "groups": np.array(groups),
        "files": np.array(files),
        "n_sources": np.array(len(rows)),
    }
    np.savez(path, **cache)
    log(
        f"face cache: {len(crops)} faces from {len(rows)} sources in {time.time() - t0:.0f} s -> {path.relative_to(REPO)}"
    )
    return cache


def crop_face(image: np.ndarray, face) -> tuple[np.ndarray, np.ndarray] | None:
    """(192 px cached crop, crop-space landmarks) of a face, or None when it is too small to teach."""
    iod = float(np.linalg.norm(face.landmarks_2d[IRIS[0]] - face.landmarks_2d[IRIS[1]]))
    if iod < MIN_SOURCE_IOD:
        return None
    crop = aligned_face(image, face, CACHE_SIZE, CACHE_CONTEXT)
    return crop.image, cv2.transform(face.landmarks_2d[None].astype(np.float64), crop.matrix)[0]


def build_made_cache(data: Path, seed: int, log) -> dict[str, np.ndarray]:
    """Crops of fakes faceforge makes from TRAIN-split stills (`scripts/training_fakes.py`)."""
    stills = [r for r in training_sources(data) if r["kind"] != "video"]
    return made_fakes_cache(data, stills, source_group, crop_face, CACHE_DIR, seed, log)


def split_groups(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of validation faces: whole groups, in a seeded order, until ~`fraction` of faces."""
    names, counts = np.unique(groups, return_counts=True)
    order = np.random.default_rng([seed, 7]).permutation(len(names))
    n, target, val = len(groups), fraction * len(groups), set()
    taken = 0
    for i in order:
        if taken >= target:
            break
        if taken + counts[i] <= 1.3 * target:  # skip a group that would overshoot (one big folder)
            val.add(names[i])
            taken += counts[i]
    return np.array([g in val for g in groups]) if n else np.zeros(0, bool)


# ----------------------------------------------------------------------------- augmentation


def degrade(img: np.ndarray, bmap: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """What evaluation media go through, applied alike to real and fake.

    img: 192×192×3 uint8 cached crop (real or SBI); bmap: 192×192 float32 boundary (zeros for
    real). Returns the 128×128×3 uint8 model crop and the 32×32 float32 boundary target (max
    over each 4×4 cell: "a seam passes here").
    """
    # Alignment jitter (landmark noise, and against memorising faces): ±10 % scale, ±8°, ±6 px,
    # then the central 128 px.
    s = rng.uniform(0.9, 1.1)
    m = cv2.getRotationMatrix2D((CACHE_SIZE / 2, CACHE_SIZE / 2), rng.uniform(-8, 8), s)
    m[:, 2] += rng.uniform(-6, 6, size=2) - (CACHE_SIZE - SIZE) / 2
    out = cv2.warpAffine(img, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    b = cv2.warpAffine(bmap, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    if rng.random() < 0.5:
        out, b = out[:, ::-1], b[:, ::-1]
    f = out.astype(np.float32)
    if rng.random() < 0.8:  # global colour: exposure, contrast, white balance, saturation
        f = f * rng.uniform(0.75, 1.25) * rng.uniform(0.92, 1.08, size=3).astype(np.float32) + rng.uniform(-25, 25)
        grey = f.mean(axis=2, keepdims=True)
        f = grey + (f - grey) * (0.0 if rng.random() < 0.05 else rng.uniform(0.5, 1.5))
    if rng.random() < 0.15:
        f = cv2.GaussianBlur(f, (0, 0), sigmaX=rng.uniform(0.3, 1.0))
    if rng.random() < 0.15:
        f = f + rng.normal(0.0, rng.uniform(1.0, 4.0), size=f.shape).astype(np.float32)
    out = np.clip(f + 0.5, 0, 255).astype(np.uint8)
    # Resolution: a face with 16-100 px between the eyes in the frame, JPEG-compressed there.
    r = min(2.0, math.exp(rng.uniform(math.log(16.0), math.log(100.0))) / CROP_IOD)
    side = max(8, round(SIZE * r))
    if side != SIZE:
        out = cv2.resize(out, (side, side), interpolation=cv2.INTER_AREA if r < 1 else cv2.INTER_LINEAR)
    if rng.random() < 0.85:
        bgr = cv2.cvtColor(out, cv2.COLOR_RGB2BGR)
        _, enc = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 96))])
        out = cv2.cvtColor(cv2.imdecode(enc, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    if side != SIZE:
        out = cv2.resize(out, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR if r < 1 else cv2.INTER_AREA)
    cell = SIZE // MAP_SIZE
    target = np.ascontiguousarray(b).reshape(MAP_SIZE, cell, MAP_SIZE, cell).max(axis=(1, 3))
    return np.ascontiguousarray(out), target.astype(np.float32)


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """H×W×3 uint8 RGB → 3×H×W float32 normalised as in the JSON."""
    x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
    return (x - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


class PairSet(torch.utils.data.Dataset):
    """Item `key` → (real, fake) of random cached faces; every choice seeded by (seed, key).

    The fake is a self-blend of the real face, or (with probability `made_share`) a random
    faceforge-made fake, which has no boundary target (its map weight is 0)."""

    def __init__(
        self, crops: np.ndarray, landmarks: np.ndarray, made: np.ndarray, made_share: float, seed: int
    ) -> None:
        self.crops, self.landmarks, self.made, self.seed = crops, landmarks, made, seed
        self.made_share = made_share if len(made) else 0.0

    def __len__(self) -> int:
        return len(self.crops)

    def __getitem__(self, key: int):
        rng = np.random.default_rng([self.seed, key])
        j = int(rng.integers(len(self.crops)))
        crop = self.crops[j]
        # No extra random draw when there are no made fakes: the SBI-only stream stays as it was.
        made = self.made_share > 0 and rng.random() < self.made_share
        fake = None if made else self_blend(crop, self.landmarks[j], rng)
        # Half the reals get the same colour/sharpness jitter as a blend's source, all over: without
        # it the network memorised the few hundred training faces ("differs from memory" = fake).
        real = jitter_appearance(crop, rng) if rng.random() < 0.5 else crop
        real_img, real_b = degrade(real, np.zeros(crop.shape[:2], np.float32), rng)
        if fake is None:
            other = self.made[int(rng.integers(len(self.made)))]
            fake_img, fake_b = degrade(other, np.zeros(other.shape[:2], np.float32), rng)
            map_weight = 0.0
        else:
            fake_img, fake_b = degrade(fake.image, fake.boundary, rng)
            map_weight = 1.0
        return (
            torch.stack([to_tensor(real_img), to_tensor(fake_img)]),
            torch.from_numpy(np.stack([real_b, fake_b])),
            torch.tensor([0.0, 1.0]),
            torch.tensor([1.0, map_weight]),
        )


def _worker_init(_: int) -> None:
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


# ----------------------------------------------------------------------------- model


def _conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class ConvBlock(nn.Module):
    """Plain 3×3 convolution, residual when shapes match."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv = _conv_bn(cin, cout, 3, stride)
        self.residual = cin == cout and stride == 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return x + y if self.residual else y


class BlendingNet(nn.Module):
    """128×128 crop → (logit, 32×32 boundary logits). Encoder at 1/2…1/32, a small FPN decoder to 1/4.

    Plain 3×3 convolutions: a depthwise-separable version (MobileNet-style, 220 k parameters)
    cost as much per step on this CPU but reached the same validation AUC only after 3× as many
    steps (0.83 after 3000 steps against 0.82 after 1000).
    """

    def __init__(self, widths: tuple[int, ...] = (16, 32, 48, 96, 160), decoder: int = 32) -> None:
        super().__init__()
        w = widths
        block = ConvBlock
        self.stem = _conv_bn(3, w[0], 3, 2)
        self.s4 = nn.Sequential(block(w[0], w[1], 2), block(w[1], w[1]))
        self.s8 = nn.Sequential(block(w[1], w[2], 2), block(w[2], w[2]))
        self.s16 = nn.Sequential(block(w[2], w[3], 2), block(w[3], w[3]), block(w[3], w[3]))
        self.s32 = nn.Sequential(block(w[3], w[4], 2), block(w[4], w[4]))
        self.lat16 = nn.Conv2d(w[3], decoder, 1)
        self.lat8 = nn.Conv2d(w[2], decoder, 1)
        self.lat4 = nn.Conv2d(w[1], decoder, 1)
        self.dec8 = ConvBlock(decoder, decoder)
        self.dec4 = ConvBlock(decoder, decoder)
        self.boundary = nn.Conv2d(decoder, 1, 3, padding=1)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * w[4], 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f4 = self.s4(self.stem(x))
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        f32 = self.s32(f16)
        d = F.interpolate(self.lat16(f16), scale_factor=2.0, mode="bilinear", align_corners=False) + self.lat8(f8)
        d = self.dec8(d)
        d = F.interpolate(d, scale_factor=2.0, mode="bilinear", align_corners=False) + self.lat4(f4)
        d = self.dec4(d)
        pooled = torch.cat([f32.mean(dim=(2, 3)), f32.amax(dim=(2, 3))], dim=1)
        return self.fc(self.drop(pooled))[:, 0], self.boundary(d)[:, 0]


class Exported(nn.Module):
    """What the ONNX file holds: logit (N,) and boundary probabilities (N×32×32)."""

    def __init__(self, net: BlendingNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logit, boundary = self.net(x)
        return logit, torch.sigmoid(boundary)


# ----------------------------------------------------------------------------- training


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC (Mann-Whitney, ties count half): `faceforge.eval.detection.auc` with this script's argument order."""
    return detection_auc(labels, scores)


def validation_set(crops: np.ndarray, landmarks: np.ndarray, seed: int, reps: int = 4):
    """Fixed real/SBI pairs of the held-out faces (same augmentation as training, own seeds)."""
    xs, ys = [], []
    for j in range(len(crops)):
        for k in range(reps):
            rng = np.random.default_rng([seed, 99, j, k])
            fake = self_blend(crops[j], landmarks[j], rng)
            real_img, _ = degrade(crops[j], np.zeros(crops[j].shape[:2], np.float32), rng)
            fake_img, _ = degrade(fake.image, fake.boundary, rng)
            xs += [to_tensor(real_img), to_tensor(fake_img)]
            ys += [0, 1]
    return torch.stack(xs), np.array(ys)


def made_validation_set(made: np.ndarray, seed: int, reps: int = 2) -> torch.Tensor:
    """Held-out faceforge-made fakes, degraded like the training data (own seeds)."""
    xs = []
    for j in range(len(made)):
        for k in range(reps):
            rng = np.random.default_rng([seed, 98, j, k])
            img, _ = degrade(made[j], np.zeros(made[j].shape[:2], np.float32), rng)
            xs.append(to_tensor(img))
    return torch.stack(xs) if xs else torch.zeros(0, 3, SIZE, SIZE)


@torch.no_grad()
def predict(net: nn.Module, x: torch.Tensor, batch: int = 128) -> np.ndarray:
    net.eval()
    return torch.cat([net(x[i : i + batch])[0] for i in range(0, len(x), batch)]).numpy()


def made_val_auc(net: nn.Module, real_logits: np.ndarray, made_x: torch.Tensor) -> float | None:
    """AUC of held-out reals against held-out faceforge-made fakes (None without any)."""
    if not len(made_x):
        return None
    made_logits = predict(net, made_x)
    labels = np.r_[np.zeros(len(real_logits)), np.ones(len(made_logits))]
    return auc(np.r_[real_logits, made_logits], labels)


def train(cfg: Config, log) -> dict:
    t_start = time.time()
    cache = build_cache(cfg.data, log)
    crops, marks, groups = cache["crops"], cache["landmarks"], cache["groups"]
    is_val = split_groups(groups, cfg.val_fraction, cfg.seed)
    log(
        f"faces: {len(crops)} ({len(np.unique(groups))} groups); train {int((~is_val).sum())}, "
        f"validation {int(is_val.sum())} ({len(np.unique(groups[is_val]))} groups)"
    )
    val_x, val_y = validation_set(crops[is_val], marks[is_val], cfg.seed)
    made = build_made_cache(cfg.data, cfg.seed, log) if cfg.made_share > 0 else None
    if made is not None:
        val_groups = set(groups[is_val].tolist())
        made_val = np.array([g in val_groups for g in made["target_group"]])
        # A fake whose source person is held out would leak that person into training: drop it.
        made_train = ~made_val & np.array([g not in val_groups for g in made["source_group"]])
        made_val_x = made_validation_set(made["crops"][made_val], cfg.seed)
        log(
            f"faceforge-made fakes: {len(made['crops'])}; train {int(made_train.sum())}, validation {int(made_val.sum())}"
        )
        contact_sheet(made["crops"][made_train][:: max(1, int(made_train.sum()) // 96)], CACHE_DIR / "made_fakes.png")
        train_made = made["crops"][made_train]
    else:
        made_val_x, train_made = torch.zeros(0, 3, SIZE, SIZE), np.zeros((0, CACHE_SIZE, CACHE_SIZE, 3), np.uint8)
    train_set = PairSet(crops[~is_val], marks[~is_val], train_made, cfg.made_share, cfg.seed)

    torch.manual_seed(cfg.seed)
    # One training thread + one data worker fill the 2 cores. Two intra-op threads were 7× slower
    # per step than one whenever another process shared the machine (OpenMP threads spin-waiting).
    torch.set_num_threads(cfg.threads)
    net = BlendingNet().to(memory_format=torch.channels_last)  # 2× faster convolutions on CPU
    n_params = sum(p.numel() for p in net.parameters())
    log(f"model: {n_params} parameters")
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = cfg.epochs * cfg.steps
    warmup = min(200, total // 10)

    def lr_at(step: int) -> float:  # linear warm-up, then cosine to zero
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    history = []
    # One loader for the whole run: item keys are unique per (epoch, step, pair), so every
    # sample is fixed by the seed whatever the worker timing.
    loader = torch.utils.data.DataLoader(
        train_set,
        batch_size=cfg.pairs,
        sampler=range(total * cfg.pairs),
        num_workers=cfg.workers,
        worker_init_fn=_worker_init if cfg.workers else None,
        persistent_workers=False,
        prefetch_factor=4 if cfg.workers else None,
    )
    t_train = time.time()
    sums = np.zeros(3)
    for step, (x, b, y, w) in enumerate(loader):
        net.train()
        x, b, y = x.flatten(0, 1).contiguous(memory_format=torch.channels_last), b.flatten(0, 1), y.flatten()
        w = w.flatten()
        logit, bmap = net(x)
        loss_cls = F.binary_cross_entropy_with_logits(logit, y)
        if cfg.made_share > 0:  # made fakes have no boundary target: weight 0 in the map loss
            per_map = F.binary_cross_entropy_with_logits(bmap, b, reduction="none").mean(dim=(1, 2))
            loss_map = (per_map * w).sum() / w.sum().clamp(min=1.0)
        else:
            loss_map = F.binary_cross_entropy_with_logits(bmap, b)
        loss = loss_cls + cfg.boundary_weight * loss_map
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        sums += [loss.item(), loss_cls.item(), loss_map.item()]
        if (step + 1) % cfg.steps:
            continue
        epoch = (step + 1) // cfg.steps
        sums /= cfg.steps
        val_logits = predict(net, val_x)
        val_auc = auc(val_logits, val_y)
        val_real = float(np.median(1 / (1 + np.exp(-val_logits[val_y == 0]))))
        made_auc = made_val_auc(net, val_logits[val_y == 0], made_val_x)
        history.append(
            {
                "epoch": epoch,
                "loss": round(float(sums[0]), 4),
                "val_auc": round(val_auc, 4),
                "val_made_auc": None if made_auc is None else round(made_auc, 4),
                "val_real_median": round(val_real, 4),
            }
        )
        log(
            f"epoch {epoch}/{cfg.epochs}: loss {sums[0]:.4f} (cls {sums[1]:.4f}, map {sums[2]:.4f}), "
            f"val AUC {val_auc:.4f} (SBI), {made_auc if made_auc is not None else float('nan'):.4f} (faceforge-made), "
            f"median score of held-out reals {val_real:.3f}, {time.time() - t_train:.0f} s"
        )
        sums = np.zeros(3)
    return {
        "net": net,
        "n_params": n_params,
        "val": (val_x, val_y),
        "made_val_x": made_val_x,
        "history": history,
        "counts": {
            "sources": int(cache["n_sources"]),
            "faces": len(crops),
            "groups": len(np.unique(groups)),
            "train_faces": int((~is_val).sum()),
            "val_faces": int(is_val.sum()),
            "val_groups": len(np.unique(groups[is_val])),
            "val_pairs": len(val_y) // 2,
            "made_fakes_train": int(len(train_made)),
            "made_fakes_val": int(len(made_val_x)),
        },
        "t_start": t_start,
    }


def export(result: dict, cfg: Config, argv: list[str], out_dir: Path, log) -> None:
    import onnxruntime as ort

    net = result["net"].eval().to(memory_format=torch.contiguous_format)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "blending.onnx"
    torch.onnx.export(
        Exported(net),
        (torch.zeros(1, 3, SIZE, SIZE),),
        str(onnx_path),
        input_names=["image"],
        output_names=["logit", "boundary"],
        dynamic_axes={"image": {0: "batch"}, "logit": {0: "batch"}, "boundary": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    val_x, val_y = result["val"]
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    onnx_logits = np.concatenate(
        [sess.run(["logit"], {"image": val_x[i : i + 128].numpy()})[0] for i in range(0, len(val_x), 128)]
    )
    gap = float(np.abs(onnx_logits - predict(net, val_x)).max())
    if gap > 1e-3:
        raise RuntimeError(f"ONNX and torch disagree by {gap:.2e} on the validation logits")
    val_auc = auc(onnx_logits, val_y)
    wall = time.time() - result["t_start"]
    meta = {
        "model": "blending",
        "description": "Blending-boundary detector: small CNN trained on self-blended images of real faces",
        "input": {
            "name": "image",
            "layout": "NCHW",
            "size": SIZE,
            "colour": "RGB",
            "crop": "faceforge.forensics.crops.aligned_face(image, face, size, context)",
            "context": CONTEXT,
            "normalisation": {"scale": 1 / 255, "mean": list(MEAN), "std": list(STD)},
        },
        "outputs": {
            "logit": "N: fake-vs-real logit (score = sigmoid)",
            "boundary": f"N×{MAP_SIZE}×{MAP_SIZE}: blending-boundary probability, crop coordinates",
        },
        "training": {
            "command": " ".join(["python", "scripts/train_blending.py", *argv]),
            "seed": cfg.seed,
            "epochs": cfg.epochs,
            "steps_per_epoch": cfg.steps,
            "pairs_per_step": cfg.pairs,
            "lr": cfg.lr,
            "boundary_weight": cfg.boundary_weight,
            "weight_decay": cfg.weight_decay,
            "parameters": result["n_params"],
            "data": result["counts"],
            "data_split": "faceforge.eval.splits.detect_split == 'train', label real; validation by source group",
            "wall_time_s": round(wall, 1),
            "machine": f"{torch.get_num_threads()} torch threads, torch {torch.__version__}",
            "val_auc": round(val_auc, 4),
            "val_made_auc": result["history"][-1].get("val_made_auc") if result["history"] else None,
            "made_share": cfg.made_share,
            "history": result["history"],
        },
    }
    (out_dir / "blending.json").write_text(json.dumps(meta, indent=2) + "\n")
    size_mb = onnx_path.stat().st_size / 1e6
    log(f"exported {onnx_path} ({size_mb:.2f} MB), ONNX val AUC {val_auc:.4f}, wall {wall / 60:.1f} min")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--seed", type=int, default=Config.seed)
    p.add_argument("--epochs", type=int, default=Config.epochs)
    p.add_argument("--steps", type=int, default=Config.steps, help="steps per epoch")
    p.add_argument(
        "--made-share", type=float, default=Config.made_share, help="share of faceforge-made fakes (0: SBI only)"
    )
    p.add_argument("--out", type=Path, default=OUT_DIR, help="folder for blending.onnx/.json (default: the package's)")
    args = p.parse_args(argv)
    cfg = Config(
        data=args.data.resolve(), seed=args.seed, epochs=args.epochs, steps=args.steps, made_share=args.made_share
    )
    cv2.setNumThreads(1)

    def log(msg: str) -> None:
        print(msg, flush=True)

    result = train(cfg, log)
    export(result, cfg, argv, args.out, log)


if __name__ == "__main__":
    main(sys.argv[1:])
