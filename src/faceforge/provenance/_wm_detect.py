"""Blind detection: find the tiling, fold it, find the shift, read the soft bits.

1. `prepare`: the luminance, downscaled so a tile is at most `CANON` pixels (never upscaled: a
   shrunk copy may have 1.4 px chips), band-passed over the pattern's band (difference of
   Gaussians) and divided by the local contrast. The embedder's mark grows with texture and so
   does the host's own residual; dividing by the contrast gives the matched 1/σ weighting.
2. `find_lattices`: the mark is periodic, so its spectrum is a lattice of lines whatever the
   shift (the self-reference idea of Kutter 1998, "Watermarking resisting to translation,
   rotation and scaling", there read from the autocorrelation). The power spectrum, divided by
   its local mean so that the host's smooth spectrum flattens and the lines stand out, is scored
   on the comb of lines each (period, rotation) would make; coarse grid, then fine grid and a
   parabola through the peak. The rule the embedder used for this image size gives one more
   candidate ("no geometric change"), the only one for images with fewer than two tiles.
3. `fold` resamples the residual onto a candidate lattice and sums all tiles (mod one tile):
   every copy of the mark adds up. `read_fold` whitens the folded tile's spectrum, finds the
   cyclic shift by correlation with the sync chips (a crop is a cyclic shift of a periodic mark)
   and despreads the message chips into soft coded bits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
import scipy.fft

from faceforge.frames import luma
from faceforge.provenance import _wm_embed as embedder
from faceforge.provenance import _wm_pattern as pattern

CANON = 128  # samples per tile side when folding (4 per chip)
SCALE_RANGE = (0.45, 2.2)  # period found / period expected: covers resize, crop, rescale
MAX_ROTATION = 10.0  # degrees searched either way
BAND = (0.6, 4.0)  # DoG sigmas (px): the pattern's band, down to 1.4 px chips
CONTRAST_SIGMA = 2.5
BILATERAL = (9, 30.0, 3.0)  # diameter, range sigma (grey levels), space sigma (px)
SHARP_FROM = 0.75  # tiles at least this fraction of the expected size are read from `sharp`
SEARCH_SIDE = 640  # the lattice search reads a central crop at most this big (the mark is periodic)
CANDIDATES = 3  # lattices from the spectrum, besides "no geometric change"


@dataclass(frozen=True)
class Prepared:
    """Whitened residuals of one image and the lattice the embedder's size rule predicts for it.

    `residual` (difference of Gaussians) serves the lattice search and tiles shrunk below
    SHARP_FROM of the expected size; `sharp` (edge-preserving prediction) serves the others.
    """

    residual: np.ndarray  # float32, downscaled so that a tile is at most CANON px
    sharp: np.ndarray  # same size: the luminance minus its bilateral-filtered self
    expected: np.ndarray  # 2×2, columns = tile vectors in residual pixels


@dataclass(frozen=True)
class Reading:
    """The folded tile at one lattice, read out."""

    soft: np.ndarray  # soft coded bits (positive = 1), unit RMS
    sync_z: float  # sync correlation peak in standard deviations over all shifts
    lattice: np.ndarray


def prepare(image: np.ndarray) -> Prepared:
    y = luma(image)
    height, width = y.shape
    period = embedder.tile_period(min(height, width))
    scale = min(1.0, CANON / period)
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    small = cv2.resize(y, size, interpolation=cv2.INTER_AREA) if scale < 1 else y
    smooth = cv2.GaussianBlur(small, (0, 0), BAND[0])
    band = smooth - cv2.GaussianBlur(small, (0, 0), BAND[1])
    # A bilateral filter predicts the host across edges without the mark (a few grey levels,
    # below its range sigma), so its residual holds less of the host than a linear band-pass
    # (estimating the host with a denoiser before correlating, e.g. Voloshynovskiy et al.
    # 1999). It also eats chips shrunk to ~1.5 px, hence the band-pass for shrunk copies.
    sharp = smooth - cv2.bilateralFilter(small, BILATERAL[0], BILATERAL[1], BILATERAL[2])
    sharp -= cv2.GaussianBlur(sharp, (0, 0), BAND[1])
    expected = np.diag([period * size[0] / width, period * size[1] / height])
    return Prepared(_normalise(band), _normalise(sharp), expected)


def _normalise(band: np.ndarray) -> np.ndarray:
    """Divide by the local contrast (plus a floor, so flat areas do not amplify rounding noise)."""
    contrast = np.sqrt(cv2.GaussianBlur(band * band, (0, 0), CONTRAST_SIGMA))
    typical = float(np.median(contrast[::3, ::3]))  # every 9th pixel: the same median, 7× cheaper at 720p
    return (band / (contrast + 0.25 + 0.1 * typical)).astype(np.float32)


# ----------------------------------------------------------------------------- lattice search


def find_lattices(prepared: Sequence[Prepared]) -> list[np.ndarray]:
    """Candidate tilings (2×2, columns = tile vectors in residual pixels), "no change" first.

    Several frames of one video add their spectra: the same lattice, more evidence.
    """
    first = prepared[0]
    window = _central(first.residual)
    power = sum(whitened_power(_central(p.residual)) for p in prepared)
    expected = float(np.sqrt(abs(np.linalg.det(first.expected))))
    longest = min(window.shape) / 2  # a period shows as lines only where the image holds two
    return [first.expected] + _search(np.asarray(power, np.float32), expected, longest, CANDIDATES)


def _central(residual: np.ndarray) -> np.ndarray:
    h, w = residual.shape
    top, left = max(0, (h - SEARCH_SIDE) // 2), max(0, (w - SEARCH_SIDE) // 2)
    return residual[top : top + SEARCH_SIDE, left : left + SEARCH_SIDE]


def _even_fast_len(n: int) -> int:
    size = scipy.fft.next_fast_len(n)
    while size % 2:
        size = scipy.fft.next_fast_len(size + 1)
    return size


def whitened_power(residual: np.ndarray) -> np.ndarray:
    """|FFT|² of the residual (zero-padded 2×; rfft half plane, rows centred) over its local mean."""
    shape = (_even_fast_len(2 * residual.shape[0]), _even_fast_len(2 * residual.shape[1]))
    spectrum = scipy.fft.rfft2(residual - residual.mean(), s=shape, workers=-1)
    power = np.fft.fftshift((spectrum.real**2 + spectrum.imag**2).astype(np.float32), axes=0)
    background = cv2.GaussianBlur(power, (0, 0), 6.0)
    return power / (background + 1e-6 * float(background.mean()) + 1e-30)


@lru_cache(maxsize=1)
def _comb() -> np.ndarray:
    """The tile's frequency vectors (k, m) inside the pattern's band, one of each ± pair."""
    top = pattern.CHIPS // 2 - 1
    n = np.array([(k, m) for k in range(-top, top + 1) for m in range(0, top + 1) if m > 0 or k > 0], np.float64)
    radius = np.hypot(n[:, 0], n[:, 1])
    return n[(radius >= pattern.LOW_CUT) & (radius <= top)]


def _comb_scores(power: np.ndarray, periods: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Mean whitened power on the spectral lines of each lattice P·R(θ): (len(periods), len(angles))."""
    comb = _comb()
    rows, full_cols = power.shape[0], 2 * power.shape[1] - 2
    cos, sin = np.cos(angles)[:, None], np.sin(angles)[:, None]
    # line n of the lattice P·R(θ) lies at f = R(θ)·n / P cycles per pixel
    fx = cos * comb[:, 0] - sin * comb[:, 1]
    fy = sin * comb[:, 0] + cos * comb[:, 1]
    flip = np.where(fx < 0, -1.0, 1.0)  # a real image's spectrum is point-symmetric: read the stored half
    fx, fy = (fx * flip * full_cols).astype(np.float32), (fy * flip * rows).astype(np.float32)
    inverse = (1.0 / periods).astype(np.float32)[:, None, None]
    map_x = (fx[None] * inverse).reshape(len(periods), -1)
    map_y = (fy[None] * inverse + np.float32(rows // 2)).reshape(len(periods), -1)
    values = cv2.remap(power, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return values.reshape(len(periods), len(angles), len(comb)).mean(axis=-1)


def _search(power: np.ndarray, expected: float, longest: float, count: int) -> list[np.ndarray]:
    low, high = expected * SCALE_RANGE[0], min(expected * SCALE_RANGE[1], longest)
    if high <= low:
        return []
    # coarse: 0.8 % period steps and 0.5° on the spectrum max-filtered over 3×3 bins
    periods = low * np.exp(np.arange(0.0, np.log(high / low), np.log(1.008)))
    angles = np.deg2rad(np.arange(-MAX_ROTATION, MAX_ROTATION + 1e-9, 0.5))
    score = _comb_scores(cv2.dilate(power, np.ones((3, 3), np.uint8)), periods, angles)
    found = []
    for _ in range(count):
        i, j = np.unravel_index(int(np.argmax(score)), score.shape)
        if not np.isfinite(score[i, j]):
            break
        found.append(_refine(power, periods[i], angles[j]))
        near = (np.abs(np.log(periods / periods[i]))[:, None] < 0.04) & (np.abs(angles - angles[j])[None, :] < 0.035)
        score[near] = -np.inf
    return found


def _refine(power: np.ndarray, period: float, angle: float) -> np.ndarray:
    """Fine grid (0.2 %, 0.1°) around a coarse hit, then the vertex of a parabola."""
    periods = period * np.exp(np.linspace(-0.012, 0.012, 13))
    angles = angle + np.deg2rad(np.linspace(-0.6, 0.6, 13))
    fine = _comb_scores(power, periods, angles)
    i, j = (int(k) for k in np.unravel_index(int(np.argmax(fine)), fine.shape))
    best_p = periods[i] * np.exp(0.002 * _vertex(fine[:, j], i))
    best_a = angles[j] + np.deg2rad(0.1) * _vertex(fine[i, :], j)
    return best_p * np.array([[np.cos(best_a), -np.sin(best_a)], [np.sin(best_a), np.cos(best_a)]])


def _vertex(values: np.ndarray, index: int) -> float:
    """Sub-step offset of the parabola through values[index-1 : index+2]."""
    if index == 0 or index == len(values) - 1:
        return 0.0
    left, centre, right = (float(v) for v in values[index - 1 : index + 2])
    denom = left - 2 * centre + right
    return 0.0 if denom >= 0 else float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))


# ----------------------------------------------------------------------------- folding and reading


def fold(residual: np.ndarray, lattice: np.ndarray) -> np.ndarray | None:
    """Resample the residual onto the tiling and sum all tiles: CANON×CANON (None if degenerate)."""
    h, w = residual.shape
    if abs(np.linalg.det(lattice)) < 16.0:
        return None
    to_tile = CANON * np.linalg.inv(lattice)  # residual pixels → tile samples
    corners = to_tile @ np.array([[0, w, 0, w], [0, 0, h, h]], np.float64)
    start = np.floor(corners.min(axis=1) / CANON) * CANON
    stop = np.ceil(corners.max(axis=1) / CANON) * CANON
    nx, ny = int(round((stop[0] - start[0]) / CANON)), int(round((stop[1] - start[1]) / CANON))
    if nx * ny > 4096:
        return None
    forward = lattice / CANON  # tile samples → residual pixels
    matrix = np.hstack([forward, (forward @ start)[:, None]])
    warped = cv2.warpAffine(
        residual,
        matrix,
        (nx * CANON, ny * CANON),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    )
    return warped.reshape(ny, CANON, nx, CANON).sum(axis=(0, 2), dtype=np.float64)


@lru_cache(maxsize=1)
def _sync_spectrum() -> np.ndarray:
    return np.conj(np.fft.fft2(pattern.render(pattern.sync_chips(), CANON)))


@lru_cache(maxsize=1)
def _radius_bins() -> np.ndarray:
    freq = np.fft.fftfreq(CANON, 1.0 / CANON)
    return np.rint(np.hypot(freq[:, None], freq[None, :])).astype(np.int64)


def _whiten(spectrum: np.ndarray) -> np.ndarray:
    """Divide a folded tile's spectrum by its radially averaged magnitude.

    What is left of the host in the fold is far from white (most of it at low frequencies);
    whitening before correlating is the matched filter for coloured noise (cf. the
    symmetrical phase-only matched filter of Kalker et al. 1999, which whitens per bin).
    """
    bins = _radius_bins().ravel()
    power = np.abs(spectrum.ravel()) ** 2
    mean = np.bincount(bins, power) / np.maximum(np.bincount(bins), 1)
    return spectrum / np.sqrt(mean[_radius_bins()] + 1e-12)


def read_fold(folded: np.ndarray, lattice: np.ndarray) -> Reading:
    """Shift search and despreading of a folded tile."""
    aligned, z = _align(folded)
    soft = pattern.soft_bits(pattern.chip_estimates(aligned))
    rms = float(np.sqrt(np.mean(soft**2)))
    return Reading(soft / rms if rms > 0 else soft, z, lattice)


def _align(folded: np.ndarray) -> tuple[np.ndarray, float]:
    """The whitened fold rolled so that the sync pattern sits at the origin, and the sync z-score."""
    spectrum = _whiten(np.fft.fft2(folded))
    corr = np.fft.ifft2(spectrum * _sync_spectrum()).real
    spread = float(corr.std())
    white = np.fft.ifft2(spectrum).real
    if not spread > 0:
        return white, 0.0
    dy, dx = np.unravel_index(int(np.argmax(corr)), corr.shape)
    z = (float(corr[dy, dx]) - float(corr.mean())) / spread
    return np.roll(white, (-dy, -dx), axis=(0, 1)), z


class FoldSum:
    """Folded tiles at fixed candidate lattices, combined over the frames added (a video).

    Each frame's fold is aligned on its own sync peak before it is added, weighted by how far
    that peak stands out (z − Z_NOISE, the z of an unmarked frame being about 3.5-4.5): H.264
    motion compensation drags the mark along with moving content, so the shift drifts from
    frame to frame, and frames where the mark is lost should not dilute the others.
    """

    Z_NOISE = 4.0

    def __init__(self, lattices: list[np.ndarray], shape: tuple[int, ...]) -> None:
        self.lattices = lattices
        self.shape = shape
        self.sums: list[np.ndarray | None] = [None] * len(lattices)
        self.single: list[np.ndarray | None] = [None] * len(lattices)
        self.frames = 0

    def add(self, prepared: Prepared) -> None:
        if prepared.residual.shape != self.shape:
            return  # a frame of another size cannot share the lattice
        self.frames += 1
        expected = np.sqrt(abs(np.linalg.det(prepared.expected)))
        for i, lattice in enumerate(self.lattices):
            shrunk = np.sqrt(abs(np.linalg.det(lattice))) < SHARP_FROM * expected
            folded = fold(prepared.residual if shrunk else prepared.sharp, lattice)
            if folded is None:
                continue
            if self.frames == 1:
                self.single[i] = folded
            aligned, z = _align(folded)
            weighted = max(z - self.Z_NOISE, 0.0) * aligned
            current = self.sums[i]
            self.sums[i] = weighted if current is None else current + weighted

    def readings(self, *, first_only: bool = False) -> list[Reading]:
        """One reading per usable lattice, best sync first.

        first_only: the first frame's folds alone. In H.264 that is the intra-coded frame,
        usually the best copy of the mark: later frames are predicted from it and lose some.
        """
        folds = self.single if first_only or self.frames == 1 else self.sums
        out = [read_fold(f, lat) for f, lat in zip(folds, self.lattices) if f is not None and np.any(f)]
        return sorted(out, key=lambda r: -r.sync_z)
