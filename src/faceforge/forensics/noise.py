"""Noise signal: does the face carry the same sensor noise and JPEG block grid as its surroundings?

Every pixel of a camera image carries noise from the same sensor and the same processing, and a
JPEG's 8×8 block grid runs through the whole frame. A face pasted from elsewhere, or re-rendered
by a generator, usually has a different noise level (a generator's output is smoother; a face
from another photo has that photo's noise) and a weaker or shifted block grid. This signal
compares the face (mesh face oval, eroded) with a ring of surroundings in the same frame; it is
unsupervised — nothing is trained, only four constants measured on real photos (below).

Noise level: Immerkær's operator (Immerkær, "Fast noise variance estimation", CVIU 1996) — the
Laplacian difference L = [[1,-2,1],[-2,4,-2],[1,-2,1]] cancels smooth image structure, and for
white noise of standard deviation σ, E|L| = 6σ·√(2/π), so σ̂ = √(π/2) · mean|L| / 6. As Tai &
Yang (ICSPCS 2008) do, edge pixels are left out first (blurred Sobel gradient above the median of
the looked-at area), and so are pixels next to clipped ones (≤2 or ≥253). A region's level is σ̂
over its remaining pixels. Texture still adds to σ̂, which is why the comparison is calibrated on
real faces rather than expected to be 1.

Block grid: the mean absolute difference between horizontal (and vertical) neighbours, per
column (row) phase mod 8 in frame coordinates; a JPEG grid makes the step across block
boundaries larger than inside blocks (the blocking measure of Fan & de Queiroz, IEEE TIP 2003).
`blockiness` is that excess at the surroundings' strongest phase.

Score (0..1, documented mapping, `REAL_*` constants measured on the real faces of the
detect-train split — nothing else is fitted):

* noise: d = log2((level_face + 0.05) / (level_ring + 0.05)); z_noise = (d − REAL_LOG_RATIO) /
  REAL_LOG_SPREAD (two-sided: a face grainier or smoother than real faces usually are);
* grid, only on an axis where the surroundings show a grid (blockiness ≥ `GRID_MIN`):
  z_grid = how much weaker the face's grid is than on real faces, in robust spreads (one-sided),
  or `GRID_MISMATCH_Z` when the face's grid peaks at another phase on both axes;
* score = erf(max(|z_noise|, z_grid) / √2), i.e. 1 − the two-sided normal p-value of the larger
  deviation. The noise part alone would spread real faces evenly over 0..1; with the grid part
  the train-split real faces average 0.64. A face 2 spreads off scores 0.95, 3 spreads 0.997.

Heatmap: each block's noise level (log2 σ̂, smoothed over neighbouring blocks) in robust spreads
of the ring's blocks from their median, |z|, mapped by clip((|z| − 1) / 2, 0, 1); over the face,
the gap and the ring (zero elsewhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from faceforge.faces.face import Face
from faceforge.faces.masks import face_mask
from faceforge.forensics.signal import FaceEvidence, SignalInfo
from faceforge.frames import luma

MIN_FACE_PX = 48  # face oval width below which the signal says n/a
MIN_PIXELS = 400  # usable pixels needed in the face and in the ring
MIN_RING_IN_FRAME = 0.3  # a tighter crop leaves too little of the surroundings to compare with
GRID_MIN_PIXELS = 4000  # pixels the face and the ring each need for comparing block grids
EDGE_QUANTILE = 0.5  # pixels with a stronger gradient than this quantile are edges, not used
_EDGE_SAMPLE = 1 << 17  # pixels: larger samples are thinned for the edge threshold (`noise_residual`)
RING_WIDTH = 0.35  # ring of surroundings, as a fraction of the face size
RING_GAP = 0.04  # left out between the face and the ring (the blending boundary itself)
FACE_EROSION = 0.06  # the face region stays this far inside the face oval
FLAT_SIGMA = 0.05  # grey levels: both levels below this → too clean or flat to measure
LEVEL_FLOOR = 0.05  # grey levels added to both levels: keeps the ratio finite and steady near zero
GRID_MIN = 0.15  # blockiness of the surroundings (per axis) from which the grid is compared
GRID_MISMATCH_Z = 3.0  # the grid part's z when the face's grid sits at another phase on both axes
# Medians and robust spreads (1.4826 · MAD) measured on the real faces of the detect-train split
# (`faceforge.eval.splits`; 355 faces for the noise, 449 face/axis pairs with a grid).
REAL_LOG_RATIO = 0.31  # log2(face level / surroundings' level)
REAL_LOG_SPREAD = 0.35
REAL_GRID_LOG_RATIO = -0.095  # log2((1 + face blockiness) / (1 + surroundings' blockiness))
REAL_GRID_SPREAD = 0.25
_LAPLACE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
_SIGMA_PER_MEAN = math.sqrt(math.pi / 2.0) / 6.0  # Immerkær 1996: σ = √(π/2) · E|L| / 6

INFO = SignalInfo(
    name="noise",
    title="Noise and compression",
    explanation=(
        "Compares the fine grain (sensor noise) and the JPEG block pattern of the face with the area around it. "
        "A face pasted in or re-drawn by a generator often has smoother or grainier skin than the rest of the "
        "photo, or a broken block pattern. Fooled when the whole picture was re-generated or heavily "
        "re-compressed, and by make-up filters, strong skin retouching, or uneven lighting."
    ),
)


@dataclass(frozen=True)
class NoiseResidual:
    """Immerkær's residual of a grey image and the pixels fit to estimate noise from.

    magnitude: H×W float32 |L ∗ grey|; usable: H×W bool — not near a clipped pixel and not on
    an edge (blurred Sobel gradient at most the `EDGE_QUANTILE` quantile of `where`).
    """

    magnitude: np.ndarray
    usable: np.ndarray


def noise_residual(grey: np.ndarray, where: np.ndarray | None = None) -> NoiseResidual:
    """The residual of an H×W float32 grey image (0..255); edge threshold from the pixels in `where`."""
    g = grey.astype(np.float32)
    magnitude = np.abs(cv2.filter2D(g, -1, _LAPLACE, borderType=cv2.BORDER_REFLECT_101))
    smooth = cv2.GaussianBlur(g, (0, 0), 1.0)
    gradient = np.abs(cv2.Sobel(smooth, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    sample = gradient[where] if where is not None and where.any() else gradient.ravel()
    # Over 2^18 pixels, the median of a regular subsample of ≥ 2^17: on the 5 M pixels around
    # the face of a 14 MP photo it moved the threshold by 0.4 % (15.12 → 15.05 grey levels, 0.15 %
    # of the pixels change sides) and saves ~50 ms.
    flat = gradient <= np.quantile(sample[:: max(1, sample.size // _EDGE_SAMPLE)], EDGE_QUANTILE)
    clipped = cv2.dilate(((g <= 2.0) | (g >= 253.0)).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return NoiseResidual(magnitude, flat & ~clipped)


def noise_level(residual: NoiseResidual, mask: np.ndarray) -> tuple[float, int]:
    """(σ̂ in grey levels, pixels used) over the usable pixels of an H×W bool `mask`; (nan, 0) if none."""
    m = mask & residual.usable
    n = int(m.sum())
    if n == 0:
        return float("nan"), 0
    return _SIGMA_PER_MEAN * float(residual.magnitude[m].mean()), n


def noise_map(residual: NoiseResidual, block: int) -> np.ndarray:
    """rows×cols float32 σ̂ per `block`×`block` tile (partial tiles dropped); NaN where under a quarter is usable."""
    if block < 4:
        raise ValueError(f"block must be at least 4, got {block}")
    h, w = residual.magnitude.shape
    rows, cols = h // block, w // block

    def tiles(a: np.ndarray) -> np.ndarray:
        return a[: rows * block, : cols * block].reshape(rows, block, cols, block).sum(axis=(1, 3))

    usable = residual.usable.astype(np.float32)
    counts = tiles(usable)
    sums = tiles(residual.magnitude * usable)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = _SIGMA_PER_MEAN * sums / counts
    return np.where(counts >= block * block / 4, sigma, np.nan).astype(np.float32)


def grid_profile(grey: np.ndarray, mask: np.ndarray, origin: tuple[int, int]) -> np.ndarray:
    """Mean |neighbour difference| per phase mod 8, 2×8 float64 (row 0 horizontal, row 1 vertical).

    Phase p is the step between pixel x ≡ p and x + 1 (mod 8, frame coordinates): a JPEG grid
    anchored at the frame's corner makes phase 7 the largest. `mask`: H×W bool, pixels to use.
    """
    return grid_profiles(grey, [mask], origin)[0]


def grid_profiles(grey: np.ndarray, masks: Sequence[np.ndarray], origin: tuple[int, int]) -> list[np.ndarray]:
    """`grid_profile` of one image under several masks (the differences are taken once)."""
    g = grey.astype(np.float32)
    dh, dv = np.abs(np.diff(g, axis=1)), np.abs(np.diff(g, axis=0))
    phase_x = (np.arange(dh.shape[1]) + origin[0]) % 8
    phase_y = (np.arange(dv.shape[0]) + origin[1]) % 8
    out = []
    for mask in masks:
        mh, mv = mask[:, 1:] & mask[:, :-1], mask[1:] & mask[:-1]
        # Sum each column (row) of used steps first, then the columns (rows) of each phase.
        sums = np.stack(
            [
                np.bincount(phase_x, (dh * mh).sum(axis=0, dtype=np.float64), minlength=8),
                np.bincount(phase_y, (dv * mv).sum(axis=1, dtype=np.float64), minlength=8),
            ]
        )
        counts = np.stack(
            [np.bincount(phase_x, mh.sum(axis=0), minlength=8), np.bincount(phase_y, mv.sum(axis=1), minlength=8)]
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
    return out


def blockiness(profile: np.ndarray, phase: int | None = None) -> tuple[float, int]:
    """(excess of the step at `phase` — default: the largest — over the mean of the others, that phase).

    `profile`: one row (8 values) of `grid_profile`. 0.0 for no grid, or when it has no data.
    """
    if not np.all(np.isfinite(profile)):
        return 0.0, 0 if phase is None else phase
    p = int(np.argmax(profile)) if phase is None else phase
    base = float(np.delete(profile, p).mean())
    if base <= 1e-6:
        return 0.0, p
    return float(profile[p] / base - 1.0), p


@dataclass(frozen=True)
class GridComparison:
    """The JPEG grid of the face against its surroundings' (both axes pooled).

    z: one-sided, how much weaker the face's grid is than real faces' (0 when the surroundings
    show no grid); mismatch: on every axis with a grid, the face's strongest phase is another one.
    """

    blockiness_face: float
    blockiness_surroundings: float
    z: float
    mismatch: bool


def compare_grids(face_profile: np.ndarray, ring_profile: np.ndarray) -> GridComparison:
    """Compare two 2×8 `grid_profile`s, axis by axis, at the surroundings' grid phase."""
    zs: list[float] = []
    mismatches: list[bool] = []
    face_values, ring_values = [], []
    for axis in (0, 1):
        ring_block, phase = blockiness(ring_profile[axis])
        if ring_block < GRID_MIN:
            continue
        face_block, _ = blockiness(face_profile[axis], phase)
        face_own, face_phase = blockiness(face_profile[axis])
        log_ratio = math.log2(max(1.0 + face_block, 1e-3) / (1.0 + ring_block))
        zs.append(max(0.0, (REAL_GRID_LOG_RATIO - log_ratio) / REAL_GRID_SPREAD))
        mismatches.append(face_phase != phase and face_own - face_block >= GRID_MIN)
        face_values.append(face_block)
        ring_values.append(ring_block)
    if not zs:
        return GridComparison(0.0, 0.0, 0.0, False)
    mismatch = all(mismatches) and len(mismatches) == 2
    z = max(float(np.mean(zs)), GRID_MISMATCH_Z if mismatch else 0.0)
    return GridComparison(float(np.mean(face_values)), float(np.mean(ring_values)), z, mismatch)


@dataclass(frozen=True)
class _Regions:
    roi: tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels (x0, y0 multiples of the block)
    face: np.ndarray  # bool, ROI-sized
    ring: np.ndarray  # bool, ROI-sized
    looked: np.ndarray  # bool, ROI-sized: the face, the gap and the ring
    face_px: float
    block: int
    ring_in_frame: float  # fraction of the ring that lies inside the frame


def _regions(shape: tuple[int, ...], face: Face) -> _Regions:
    """Face, ring and looked-at masks in a block-aligned ROI of the frame.

    The masks are drawn on a canvas that may reach past the frame and then cut to it, so
    `ring_in_frame` can tell how much of the intended ring the frame actually holds.
    """
    landmarks = face.landmarks
    xy = landmarks[:, :2]
    size = float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1])))
    block = 8 * int(np.clip(round(size / 96.0), 1, 4))
    margin = (RING_WIDTH + RING_GAP) * size + block
    cx0 = int(math.floor((xy[:, 0].min() - margin) / block)) * block
    cy0 = int(math.floor((xy[:, 1].min() - margin) / block)) * block
    cx1 = int(math.ceil(xy[:, 0].max() + margin))
    cy1 = int(math.ceil(xy[:, 1].max() + margin))
    local = landmarks.copy()
    local[:, :2] -= (cx0, cy0)
    oval = face_mask(local, (cy1 - cy0, cx1 - cx0), feather=0.0) > 127
    # Grow and shrink by distance transforms (a large structuring element is slow).
    outside = cv2.distanceTransform((~oval).astype(np.uint8), cv2.DIST_L2, 3)
    inside = cv2.distanceTransform(oval.astype(np.uint8), cv2.DIST_L2, 3)
    outer = outside <= (RING_GAP + RING_WIDTH) * size
    ring = outer & (outside > RING_GAP * size)
    h, w = shape
    x0, y0, x1, y1 = max(0, cx0), max(0, cy0), min(w, cx1), min(h, cy1)
    cut = (slice(y0 - cy0, y1 - cy0), slice(x0 - cx0, x1 - cx0))
    ring_total = max(1, int(ring.sum()))
    ring = ring[cut]
    return _Regions(
        roi=(x0, y0, x1, y1),
        face=(inside > FACE_EROSION * size)[cut],
        ring=ring,
        looked=outer[cut],
        face_px=float(np.ptp(xy[:, 0])),
        block=block,
        ring_in_frame=float(ring.sum()) / ring_total,
    )


class NoiseSignal:
    """`FrameSignal` "noise": the face's noise level and JPEG grid against its surroundings'."""

    info = INFO

    def score_face(self, image: np.ndarray, face: Face, *, want_heatmap: bool = False) -> FaceEvidence:
        regions = _regions(image.shape[:2], face)
        if regions.face_px < MIN_FACE_PX:
            return FaceEvidence(
                None, reason=f"face too small to measure its noise ({regions.face_px:.0f} px < {MIN_FACE_PX} px)"
            )
        if regions.face.sum() < MIN_PIXELS:
            return FaceEvidence(None, reason="too little of the face is inside the frame")
        x0, y0, x1, y1 = regions.roi
        grey = luma(image[y0:y1, x0:x1])
        residual = noise_residual(grey, regions.looked)
        level_face, n_face = noise_level(residual, regions.face)
        level_ring, n_ring = noise_level(residual, regions.ring)
        if n_face < MIN_PIXELS:
            return FaceEvidence(None, reason="too little usable skin in the face (covered, blown out or too dark)")
        if n_ring < MIN_PIXELS or regions.ring_in_frame < MIN_RING_IN_FRAME:
            return FaceEvidence(None, reason="not enough surroundings in the frame to compare the face with")
        if max(level_face, level_ring) < FLAT_SIGMA:
            return FaceEvidence(None, reason="the picture is too clean or flat to measure noise (no grain at all)")
        log_ratio = math.log2((level_face + LEVEL_FLOOR) / (level_ring + LEVEL_FLOOR))
        z_noise = (log_ratio - REAL_LOG_RATIO) / REAL_LOG_SPREAD
        grid = GridComparison(0.0, 0.0, 0.0, False)
        if min(regions.face.sum(), regions.ring.sum()) >= GRID_MIN_PIXELS:
            face_profile, ring_profile = grid_profiles(grey, [regions.face, regions.ring], (x0, y0))
            grid = compare_grids(face_profile, ring_profile)
        score = math.erf(max(abs(z_noise), grid.z) / math.sqrt(2.0))
        details = {
            "noise_face": round(level_face, 3),
            "noise_surroundings": round(level_ring, 3),
            "noise_log2_ratio": round(log_ratio, 3),
            "noise_z": round(z_noise, 3),
            "blockiness_face": round(grid.blockiness_face, 4),
            "blockiness_surroundings": round(grid.blockiness_surroundings, 4),
            "grid_z": round(grid.z, 3),
        }
        heatmap = None
        if want_heatmap:
            heatmap = _heatmap(image.shape[:2], noise_map(residual, regions.block), regions)
        return FaceEvidence(score, reason=_finding(log_ratio, z_noise, grid), heatmap=heatmap, details=details)


def _heatmap(shape: tuple[int, ...], sigma: np.ndarray, regions: _Regions) -> np.ndarray:
    """H×W float32 0..1: how far each block's noise level is from the surroundings' blocks.

    log2 σ̂ per block, smoothed over neighbouring blocks (NaN-aware Gaussian, 1 block); z against
    the median and robust spread of the ring's blocks; heat = clip((|z| − 1) / 2, 0, 1), so the
    surroundings' own variation stays dark and a face 3 spreads off is white.
    """
    block = regions.block
    rows, cols = sigma.shape
    valid = np.isfinite(sigma).astype(np.float32)
    values = np.log2(np.nan_to_num(sigma, nan=0.0) + LEVEL_FLOOR) * valid
    weight = cv2.GaussianBlur(valid, (0, 0), 1.0, borderType=cv2.BORDER_CONSTANT)
    smooth = cv2.GaussianBlur(values, (0, 0), 1.0, borderType=cv2.BORDER_CONSTANT) / np.maximum(weight, 1e-6)
    in_ring = _tile_mean(regions.ring, block, rows, cols) > 0.5
    ring_values = smooth[in_ring & (weight > 0.2)]
    if ring_values.size < 4:
        return np.zeros(shape, np.float32)
    centre = float(np.median(ring_values))
    spread = max(1.4826 * float(np.median(np.abs(ring_values - centre))), 0.1)
    heat = np.clip((np.abs(smooth - centre) / spread - 1.0) / 2.0, 0.0, 1.0).astype(np.float32)
    heat[weight <= 0.2] = 0.0
    x0, y0, x1, y1 = regions.roi
    local = np.zeros((y1 - y0, x1 - x0), np.float32)
    local[: rows * block, : cols * block] = cv2.resize(
        heat, (cols * block, rows * block), interpolation=cv2.INTER_LINEAR
    )
    local *= regions.looked
    out = np.zeros(shape, np.float32)
    out[y0:y1, x0:x1] = local
    return out


def _tile_mean(mask: np.ndarray, block: int, rows: int, cols: int) -> np.ndarray:
    m = mask[: rows * block, : cols * block].astype(np.float32)
    return m.reshape(rows, block, cols, block).mean(axis=(1, 3))


def _finding(log_ratio: float, z_noise: float, grid: GridComparison) -> str:
    if grid.z > abs(z_noise) and grid.z >= 2.0:
        if grid.mismatch:
            return "the face's JPEG block grid is shifted against its surroundings'"
        return "the face lacks the JPEG block pattern of its surroundings"
    if abs(z_noise) < 1.0:
        return "face noise level consistent with its surroundings"
    side = "grainier" if z_noise > 0 else "smoother"
    return f"face is {side} than its surroundings ({2.0**log_ratio:.2f}× their noise level)"


__all__ = [
    "INFO",
    "MIN_FACE_PX",
    "GridComparison",
    "NoiseResidual",
    "NoiseSignal",
    "blockiness",
    "compare_grids",
    "grid_profile",
    "grid_profiles",
    "noise_level",
    "noise_map",
    "noise_residual",
]
