"""The watermark tile: a 32×32 grid of ±1 chips carrying the sync and the coded payload.

Layout (fixed by `_LAYOUT_SEED`, shared by embedder and detector):
  - 702 chips carry the 234 coded bits, 3 chips each, scattered over the tile so that a local
    loss (a crop, a flat region) hits all bits a little instead of some bits entirely;
  - the other 322 chips form a known ±1 sync pattern, used to find the cyclic shift of the tile.

The tile is rendered at any period P (pixels) as a band-limited periodic function: its 2-D DFT
is zero-padded to P×P (trigonometric interpolation), so P need not be a multiple of 32 and the
rendered tile repeats seamlessly. The lowest frequencies (below `LOW_CUT` cycles per tile) are
removed: they would show as blotches and they are where the host image has most of its energy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from faceforge.provenance._wm_code import CODED_BITS

CHIPS = 32  # chips per tile side
MESSAGE_CHIPS = CODED_BITS * 3  # the other chips are sync
LOW_CUT = 2.5  # cycles per tile: frequencies below this are not used
_LAYOUT_SEED = 0x46_46_54_4C  # "FFTL"


@dataclass(frozen=True)
class TileLayout:
    bit_of_chip: np.ndarray  # (CHIPS, CHIPS) int: coded-bit index, or -1 for a sync chip
    sign: np.ndarray  # (CHIPS, CHIPS) ±1: spreading sign (message chips) or the sync pattern
    band: np.ndarray  # (CHIPS, CHIPS) bool: DFT bins the tile uses


@lru_cache(maxsize=1)
def layout() -> TileLayout:
    rng = np.random.default_rng(_LAYOUT_SEED)
    n = CHIPS * CHIPS
    order = rng.permutation(n)
    bit_of_chip = np.full(n, -1, np.int64)
    bit_of_chip[order[:MESSAGE_CHIPS]] = np.arange(MESSAGE_CHIPS) % CODED_BITS
    sign = rng.choice(np.array([-1.0, 1.0]), n)
    freq = np.fft.fftfreq(CHIPS, 1.0 / CHIPS)
    radius = np.hypot(freq[:, None], freq[None, :])
    band = (radius >= LOW_CUT) & (np.abs(freq[:, None]) < CHIPS / 2) & (np.abs(freq[None, :]) < CHIPS / 2)
    return TileLayout(bit_of_chip.reshape(CHIPS, CHIPS), sign.reshape(CHIPS, CHIPS), band)


def chips_for(coded: np.ndarray) -> np.ndarray:
    """The ±1 chip grid carrying `coded` (234 bits 0/1) and the sync pattern."""
    lay = layout()
    chips = lay.sign.copy()
    message = lay.bit_of_chip >= 0
    chips[message] *= 2.0 * coded[lay.bit_of_chip[message]] - 1.0
    return chips


def sync_chips() -> np.ndarray:
    """The chip grid with only the sync chips (message chips zero)."""
    lay = layout()
    return np.where(lay.bit_of_chip < 0, lay.sign, 0.0)


def render(chips: np.ndarray, period: int) -> np.ndarray:
    """The tile as a period×period float32 image with unit RMS (band-limited interpolation)."""
    spectrum = np.fft.fft2(chips) * layout().band
    padded = np.zeros((period, period), np.complex128)
    half = CHIPS // 2
    index = np.r_[0:half, period - half : period] if period >= CHIPS else None
    if index is None:
        raise ValueError(f"period must be at least {CHIPS}, got {period}")
    padded[np.ix_(index, index)] = spectrum
    tile = np.fft.ifft2(padded).real
    rms = float(np.sqrt(np.mean(tile**2)))
    return (tile / rms).astype(np.float32)


def chip_estimates(fold: np.ndarray) -> np.ndarray:
    """Project a period×period folded tile back onto the 32×32 chips (adjoint of `render`)."""
    period = fold.shape[0]
    half = CHIPS // 2
    index = np.r_[0:half, period - half : period]
    spectrum = np.fft.fft2(fold)[np.ix_(index, index)] * layout().band
    return np.fft.ifft2(spectrum).real


def soft_bits(chips: np.ndarray) -> np.ndarray:
    """Soft coded bits (positive = 1) from chip estimates: despread and sum each bit's chips."""
    lay = layout()
    message = lay.bit_of_chip >= 0
    return np.bincount(lay.bit_of_chip[message], weights=(chips * lay.sign)[message], minlength=CODED_BITS)
