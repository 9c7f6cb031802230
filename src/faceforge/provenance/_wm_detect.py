"""Blind detection: find the tiling, fold it, find the shift, read the soft bits.

1. Rescale the luminance so that the tile period the embedder would have used for an image of
   this size becomes `CANON` pixels, and whiten it: a difference-of-Gaussians band-pass over the
   pattern's band, divided by the local contrast (texture carries both a stronger mark and more
   host noise, so 1/σ is the matched weighting).
2. The mark is periodic, so the autocorrelation of the residual has peaks on the tiling lattice
   whatever the shift (Kutter 1998, "Watermarking resisting to translation, rotation and scaling";
   the self-reference idea). A grid search over rotation and period scores lattices on the
   autocorrelation; the best are refined by least squares on sub-pixel peak positions, which
   gives a general 2×2 lattice (rotation, scale, aspect change, shear).
3. For each candidate lattice (plus "no geometric change", needed for images with one tile)
   the residual is resampled onto the lattice and folded modulo one tile, which adds up every
   tile's copy of the mark. Cyclic cross-correlation with the sync chips gives the shift (a
   crop is a cyclic shift of a periodic mark) and a z-score; the best candidate is read out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import scipy.fft

from faceforge.provenance import _wm_embed as embedder
from faceforge.provenance import _wm_pattern as pattern
from faceforge.provenance._wm_code import CODED_BITS

CANON = 128  # tile period in the canonical image (4 px per chip)
SCALE_RANGE = (0.5, 2.1)  # period found / period expected: resize, crop and rescale attacks
MAX_ROTATION = 10.0  # degrees searched either way
BAND = (1.0, 5.0)  # DoG sigmas (canonical px): keeps ~0.015-0.15 cycles/px, the pattern's band
CONTRAST_SIGMA = 8.0
CANDIDATES = 3  # lattices from the autocorrelation, besides "no geometric change"
# Lattice vectors (in periods) scored in the autocorrelation; symmetric ones are implied.
_LATTICE_POINTS = np.array([(1, 0), (0, 1), (1, 1), (1, -1), (2, 0), (0, 2)], np.float64)
_REFINE_POINTS = np.array([(k, m) for k in range(-3, 4) for m in range(0, 4) if m > 0 or k > 0], np.float64)


@dataclass(frozen=True)
class Reading:
    """What one image (or several frames) gives at the best lattice."""

    soft: np.ndarray  # soft coded bits (positive = 1), unit RMS
    sync_z: float  # sync correlation peak in standard deviations of all the shifts
    lattice: np.ndarray  # 2×2, columns = tile vectors in canonical pixels


@dataclass(frozen=True)
class Prepared:
    """A whitened canonical residual and what the embedder's size rule predicts for it."""

    residual: np.ndarray
    expected: np.ndarray  # 2×2 lattice with no geometric change


def prepare(image: np.ndarray) -> Prepared:
    y = embedder.luma(image)
    height, width = y.shape
    period = embedder.tile_period(min(height, width))
    scale = CANON / period
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    canon = cv2.resize(y, size, interpolation=interp)
    band = cv2.GaussianBlur(canon, (0, 0), BAND[0]) - cv2.GaussianBlur(canon, (0, 0), BAND[1])
    contrast = np.sqrt(cv2.GaussianBlur(band * band, (0, 0), CONTRAST_SIGMA))
    residual = band / (contrast + 0.25 + 0.1 * float(np.median(contrast)))
    expected = np.diag([period * size[0] / width, period * size[1] / height])
    return Prepared(residual.astype(np.float32), expected)


def power_spectrum(residual: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """|FFT|² of the zero-padded residual; summed over frames for a video."""
    spectrum = scipy.fft.rfft2(residual - residual.mean(), s=shape, workers=-1)
    return (spectrum.real**2 + spectrum.imag**2).astype(np.float32)


def acf_shape(shape: tuple[int, int]) -> tuple[int, int]:
    """FFT size: enough zero padding that lags up to the image size do not wrap."""
    return (scipy.fft.next_fast_len(2 * shape[0]), scipy.fft.next_fast_len(2 * shape[1]))


def autocorrelation(power: np.ndarray, shape: tuple[int, int], image_shape: tuple[int, int]) -> np.ndarray:
    """Normalised autocorrelation, fft-shifted (lag 0 at the centre), unbiased by the overlap."""
    acf = scipy.fft.irfft2(power, s=shape, workers=-1)
    acf = np.fft.fftshift(acf)
    h, w = image_shape
    cy, cx = shape[0] // 2, shape[1] // 2
    ly = np.abs(np.arange(shape[0]) - cy)
    lx = np.abs(np.arange(shape[1]) - cx)
    overlap = np.maximum(h - ly, 0)[:, None] * np.maximum(w - lx, 0)[None, :]
    valid = overlap >= 0.2 * h * w
    acf = np.where(valid, acf / np.maximum(overlap, 1), 0.0)
    return (acf / max(float(acf[cy, cx]), 1e-12)).astype(np.float32)


def lattice_candidates(acf: np.ndarray, expected: float, count: int) -> list[np.ndarray]:
    """The `count` best tiling lattices (2×2, columns = tile vectors) in the autocorrelation."""
    smooth = cv2.GaussianBlur(acf, (0, 0), 1.5)
    cy, cx = acf.shape[0] // 2, acf.shape[1] // 2
    periods = np.arange(expected * SCALE_RANGE[0], expected * SCALE_RANGE[1], 1.0)
    angles = np.deg2rad(np.arange(-MAX_ROTATION, MAX_ROTATION + 1e-9, 0.4))
    p, a = np.meshgrid(periods, angles, indexing="ij")
    cos, sin = np.cos(a), np.sin(a)
    # lattice point (k, m) = k·v1 + m·v2 with v1 = P(cos, sin), v2 = P(−sin, cos)
    k, m = _LATTICE_POINTS[:, 0], _LATTICE_POINTS[:, 1]
    x = p[..., None] * (k * cos[..., None] - m * sin[..., None])
    y = p[..., None] * (k * sin[..., None] + m * cos[..., None])
    values = cv2.remap(
        smooth,
        (x + cx).astype(np.float32).reshape(len(periods), -1),
        (y + cy).astype(np.float32).reshape(len(periods), -1),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    ).reshape(x.shape)
    score = values.mean(axis=-1)
    found = []
    for _ in range(count):
        i, j = np.unravel_index(int(np.argmax(score)), score.shape)
        if not np.isfinite(score[i, j]) or score[i, j] <= 0:
            break
        lattice = p[i, j] * np.array([[cos[i, j], -sin[i, j]], [sin[i, j], cos[i, j]]])
        found.append(refine_lattice(acf, lattice))
        # suppress this lattice and its neighbours (and period harmonics stay as separate candidates)
        near = (np.abs(p - p[i, j]) < 0.06 * p[i, j]) & (np.abs(a - a[i, j]) < np.deg2rad(3.0))
        score[near] = -np.inf
    return found


def refine_lattice(acf: np.ndarray, lattice: np.ndarray, radius: int = 3) -> np.ndarray:
    """Least-squares lattice from the sub-pixel positions of the autocorrelation peaks near it."""
    cy, cx = acf.shape[0] // 2, acf.shape[1] // 2
    rows, targets, weights = [], [], []
    for n in _REFINE_POINTS:
        px, py = lattice @ n
        ix, iy = round(px + cx), round(py + cy)
        if not (radius + 1 <= iy < acf.shape[0] - radius - 1 and radius + 1 <= ix < acf.shape[1] - radius - 1):
            continue
        window = acf[iy - radius : iy + radius + 1, ix - radius : ix + radius + 1]
        wy, wx = np.unravel_index(int(np.argmax(window)), window.shape)
        peak = float(window[wy, wx])
        if peak <= 0 or wy in (0, 2 * radius) or wx in (0, 2 * radius):
            continue
        y0, x0 = iy - radius + wy, ix - radius + wx
        dx = _vertex(acf[y0, x0 - 1], peak, acf[y0, x0 + 1])
        dy = _vertex(acf[y0 - 1, x0], peak, acf[y0 + 1, x0])
        rows.append(n)
        targets.append((x0 + dx - cx, y0 + dy - cy))
        weights.append(peak)
    if len(rows) < 3:
        return lattice
    n_arr, t_arr, w_arr = np.array(rows), np.array(targets), np.array(weights)[:, None]
    # minimise Σ w‖t − L n‖²  →  L = (Σ w t nᵀ)(Σ w n nᵀ)⁻¹
    gram = (n_arr * w_arr).T @ n_arr
    if abs(np.linalg.det(gram)) < 1e-9:
        return lattice
    refined = ((t_arr * w_arr).T @ n_arr) @ np.linalg.inv(gram)
    return refined if np.all(np.abs(refined - lattice) < 0.1 * np.abs(lattice).max()) else lattice


def _vertex(left: float, centre: float, right: float) -> float:
    """Sub-sample offset of a parabola's vertex through three samples."""
    denom = left - 2 * centre + right
    return 0.0 if denom >= 0 else float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))


def fold(residual: np.ndarray, lattice: np.ndarray) -> np.ndarray:
    """Resample the residual onto the tiling and sum all tiles: CANON×CANON."""
    h, w = residual.shape
    to_tile = CANON * np.linalg.inv(lattice)  # canonical pixels → tile samples
    corners = to_tile @ np.array([[0, w, 0, w], [0, 0, h, h]], np.float64)
    start = np.floor(corners.min(axis=1) / CANON) * CANON
    stop = np.ceil(corners.max(axis=1) / CANON) * CANON
    nx, ny = int((stop[0] - start[0]) // CANON), int((stop[1] - start[1]) // CANON)
    if nx * ny > 4096:
        raise ValueError("lattice too small")
    forward = lattice / CANON  # tile samples → canonical pixels
    matrix = np.hstack([forward, (forward @ start)[:, None]])
    warped = cv2.warpAffine(
        residual,
        matrix.astype(np.float64),
        (nx * CANON, ny * CANON),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    )
    return warped.reshape(ny, CANON, nx, CANON).sum(axis=(0, 2))


@lru_cache(maxsize=1)
def _sync_spectrum() -> np.ndarray:
    return np.conj(np.fft.fft2(pattern.render(pattern.sync_chips(), CANON)))


def read_fold(folded: np.ndarray) -> tuple[np.ndarray, float]:
    """Shift search and despreading of a folded tile → (soft bits with unit RMS, sync z-score)."""
    corr = np.fft.ifft2(np.fft.fft2(folded) * _sync_spectrum()).real
    spread = float(corr.std())
    if spread <= 0 or not np.isfinite(spread):
        return np.zeros(CODED_BITS), 0.0
    dy, dx = np.unravel_index(int(np.argmax(corr)), corr.shape)
    z = (float(corr[dy, dx]) - float(corr.mean())) / spread
    aligned = np.roll(folded, (-dy, -dx), axis=(0, 1))
    soft = pattern.soft_bits(pattern.chip_estimates(aligned))
    rms = float(np.sqrt(np.mean(soft**2)))
    return (soft / rms if rms > 0 else soft), z


def read(prepared: Sequence[Prepared]) -> list[Reading]:
    """Readings at every candidate lattice, best sync first; several frames share one lattice."""
    first = prepared[0]
    shape = acf_shape(first.residual.shape)
    power = sum(power_spectrum(p.residual, shape) for p in prepared if p.residual.shape == first.residual.shape)
    acf = autocorrelation(power, shape, first.residual.shape)
    expected = float(np.sqrt(abs(np.linalg.det(first.expected))))
    lattices = [first.expected] + lattice_candidates(acf, expected, CANDIDATES)
    readings = []
    for lattice in lattices:
        try:
            folded = sum(fold(p.residual, lattice) for p in prepared if p.residual.shape == first.residual.shape)
        except (ValueError, np.linalg.LinAlgError):
            continue
        soft, z = read_fold(np.asarray(folded, np.float64))
        readings.append(Reading(soft, z, lattice))
    return sorted(readings, key=lambda r: -r.sync_z)
