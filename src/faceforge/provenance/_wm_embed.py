"""Embedding: the tiled pattern, scaled by a perceptual mask, added to the luminance.

Tile period: 88 px (2.75 px per chip) up to a 528 px short side, then a sixth of the short
side. Small images get as many whole tiles as fit with chips that still survive halving (the
number of tile copies is what the detector adds up); large ones get chips that grow with the
image, so a 4K frame shown and captured at 1080p or less keeps chips of 2.75 px or more.

Strength follows local texture (texture masks noise; e.g. Watson 1993, and the noise
visibility function of Voloshynovskiy et al. 1999): busy regions take up to 4.5 grey levels
RMS, flat skin 1.2. A global limiter keeps the PSNR above 40 dB whatever the content. The same
change goes to R, G and B, so only the luminance moves (no colour noise).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from faceforge.frames import luma
from faceforge.provenance import _wm_pattern as pattern

MIN_SIDE = 64  # smaller images are left unmarked: too few pixels for one tile
MIN_PERIOD = 88  # pixels per tile (2.75 px per chip) for images up to 528 px
TILES_ABOVE = 6  # larger images: six tiles along the short side, so chips grow with the image
FLAT_AMPLITUDE = 1.2  # grey levels (RMS) where the image is flat
MAX_AMPLITUDE = 4.5  # grey levels (RMS) in the busiest regions
TEXTURE_GAIN = 0.5  # amplitude per grey level of local texture (RMS band-pass contrast)
MAX_RMS = 2.4  # whole-image RMS change at strength 1: PSNR ≥ 20·log10(255/2.4) = 40.5 dB


def tile_period(short_side: int) -> int:
    """Pixels per tile for an image whose shorter side is `short_side` (≥ MIN_SIDE)."""
    return min(short_side, max(MIN_PERIOD, short_side // TILES_ABOVE))


@lru_cache(maxsize=2)  # a 4K pattern is 33 MB
def tiled_pattern(coded: bytes, period: int, height: int, width: int) -> np.ndarray:
    """The unit-RMS periodic pattern for these coded bits, covering height×width (cached per size)."""
    tile = pattern.render(pattern.chips_for(np.frombuffer(coded, np.uint8)), period)
    reps = (-(-height // period), -(-width // period))
    return np.ascontiguousarray(np.tile(tile, reps)[:height, :width])


def amplitude(image: np.ndarray, period: int) -> np.ndarray:
    """Per-pixel watermark amplitude (grey levels, H×W float32) from the local texture of the luminance."""
    height, width = image.shape[:2]
    factor = max(1, int(period / pattern.CHIPS / 2))  # ~2 px per chip is enough for a smooth mask
    if factor > 1:
        image = cv2.resize(image, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA)
    small = luma(image)
    band = small - cv2.GaussianBlur(small, (0, 0), 3.0)
    texture = cv2.sqrt(cv2.GaussianBlur(band * band, (0, 0), 4.0))
    amp = np.clip(TEXTURE_GAIN * texture, FLAT_AMPLITUDE, MAX_AMPLITUDE)
    if factor > 1:
        amp = cv2.resize(amp, (width, height), interpolation=cv2.INTER_LINEAR)
    return amp


def embed(image: np.ndarray, coded: np.ndarray, strength: float) -> np.ndarray:
    """Add the watermark carrying `coded` to an H×W×3 uint8 RGB image (≥ MIN_SIDE on both sides)."""
    height, width = image.shape[:2]
    period = tile_period(min(height, width))
    wave = tiled_pattern(coded.astype(np.uint8).tobytes(), period, height, width)
    delta = cv2.multiply(amplitude(image, period), wave)
    rms = cv2.norm(delta, cv2.NORM_L2) / np.sqrt(delta.size)
    delta *= strength * min(1.0, MAX_RMS / max(rms, 1e-6))
    # the same change on R, G and B; cv2.add rounds and saturates to uint8 in one pass
    return cv2.add(image.astype(np.float32), cv2.merge([delta, delta, delta]), dtype=cv2.CV_8U)
