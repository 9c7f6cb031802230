"""Colour and lighting match of the warped source face to the target face.

Two steps, both inside the face mask:

1. Colour statistics transfer (Reinhard, Ashikhmin, Gooch & Shirley, "Color Transfer
   between Images", IEEE CG&A 2001): per channel of CIE Lab,
   ``out = (src − μ_src) · σ_tgt / σ_src + μ_tgt``.
2. Low-frequency shading from the target: the lightness is multiplied by the ratio of the
   target's blurred lightness to the (colour-matched) source's blurred lightness, so the
   light direction and cast shadows of the target scene fall on the new face. The blur is a
   normalised convolution (blur(x·m)/blur(m)) so the background never leaks in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Shading ratios outside this range are clipped (a hand's shadow, a specular spot).
SHADING_RANGE = (0.6, 1.6)
_MAX_GAIN = np.array([1.2, 1.0, 1.0], np.float32)


@dataclass(frozen=True)
class ColorStats:
    """Lab mean and standard deviation of the source and target face (3 each)."""

    src_mean: np.ndarray
    src_std: np.ndarray
    tgt_mean: np.ndarray
    tgt_std: np.ndarray

    def blend(self, new: ColorStats, keep: float) -> ColorStats:
        """Exponential smoothing over time: `keep` of self, 1 − keep of new."""

        def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return keep * a + (1.0 - keep) * b

        return ColorStats(
            mix(self.src_mean, new.src_mean),
            mix(self.src_std, new.src_std),
            mix(self.tgt_mean, new.tgt_mean),
            mix(self.tgt_std, new.tgt_std),
        )


def to_lab(image: np.ndarray) -> np.ndarray:
    """uint8 RGB → float32 Lab (L 0..100)."""
    return cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def to_rgb(lab: np.ndarray) -> np.ndarray:
    """float32 Lab → uint8 RGB."""
    rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    # max(·, 0) then a saturating scale: one fast pass each instead of np.clip.
    return cv2.convertScaleAbs(cv2.max(rgb, 0.0), alpha=255.0)


def measure(src_lab: np.ndarray, tgt_lab: np.ndarray, mask: np.ndarray) -> ColorStats | None:
    """Statistics of both faces inside `mask` (H×W float 0..1); None when the mask is empty."""
    inside = mask > 0.5
    if inside.sum() < 20:
        return None
    s, t = src_lab[inside], tgt_lab[inside]
    return ColorStats(s.mean(axis=0), s.std(axis=0) + 1e-3, t.mean(axis=0), t.std(axis=0) + 1e-3)


def transfer(src_lab: np.ndarray, stats: ColorStats) -> np.ndarray:
    """Reinhard et al. 2001 in Lab. Std ratios are clipped so a flat (grey) target
    gives a flat result instead of amplified noise."""
    # Contrast is never raised much: more lightness contrast would amplify the source's skin
    # texture (freckles, pores), more chroma contrast turns dark make-up and shadows blue or
    # green once the means move (seen on the benchmark's contact sheet).
    gain = np.clip(stats.tgt_std / stats.src_std, 0.0, _MAX_GAIN)
    # One affine colour transform per pixel: out = gain·src + (μ_tgt − gain·μ_src) ...
    offset = stats.tgt_mean - gain * stats.src_mean
    matrix = np.zeros((3, 4), np.float32)
    matrix[np.arange(3), np.arange(3)] = gain
    matrix[0, 3] = offset[0]
    out = cv2.transform(src_lab, matrix)
    # ... except that the chroma shift fades on dark pixels (weight L / μ_L, at most 1):
    # a shift of the mean skin tone applied to near-black make-up or lashes would tint them.
    weight = np.minimum(src_lab[..., 0] * (1.0 / max(float(stats.src_mean[0]), 1.0)), 1.0)
    out[..., 1] += weight * offset[1]
    out[..., 2] += weight * offset[2]
    return out


def fast_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide blurs run on a downscaled copy (a low-pass image loses nothing
    by it) and are scaled back up: ~20× faster for the face-sized sigmas used here."""
    if sigma <= 3.0:
        return cv2.GaussianBlur(image, (0, 0), sigma)
    h, w = image.shape[:2]
    f = sigma / 2.0
    small = cv2.resize(image, (max(1, round(w / f)), max(1, round(h / f))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 2.0)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def match_shading(src_lab: np.ndarray, tgt_lab: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """`src_lab` with its lightness re-lit by the target's low frequencies (ratio of blurs)."""
    m = mask.astype(np.float32)
    lows = fast_blur(np.dstack([m, tgt_lab[..., 0] * m, src_lab[..., 0] * m]), sigma)
    weight = lows[..., 0] + 1e-4
    tgt_low, src_low = lows[..., 1] / weight, lows[..., 2] / weight
    ratio = cv2.min(cv2.max((tgt_low + 1.0) / (src_low + 1.0), SHADING_RANGE[0]), SHADING_RANGE[1])
    out = src_lab.copy()
    out[..., 0] = cv2.min(cv2.max(src_lab[..., 0] * ratio, 0.0), 100.0)
    return out
