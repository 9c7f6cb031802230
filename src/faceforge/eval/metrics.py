"""Full-reference image metrics: L1, PSNR, SSIM.

Inputs: two images of the same shape, H×W (grey) or H×W×C (e.g. RGB), each
either uint8 in 0..255 or float in 0..1 (they may differ in dtype). All metrics
are computed on the [0, 1] scale, so uint8 and float versions of one image
score the same.
"""

from __future__ import annotations

import numpy as np

from faceforge.eval._checks import unit_pair


def l1(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference in [0, 1] (0 = identical; 1/255 ≈ 0.0039 per grey level)."""
    ua, ub = unit_pair(a, b)
    return float(np.mean(np.abs(ua - ub)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB, 10·log10(1 / MSE) on the [0, 1] scale.

    inf for identical images; ≈ 30-40 dB is typical for good lossy copies.
    """
    ua, ub = unit_pair(a, b)
    mse = float(np.mean((ua - ub) ** 2))
    if mse == 0.0:
        return float("inf")
    return float(10.0 * np.log10(1.0 / mse))


# Wang et al., "Image quality assessment: from error visibility to structural
# similarity", IEEE TIP 2004: 11×11 Gaussian window, sigma 1.5, population
# covariance, K1 = 0.01, K2 = 0.03.
_SSIM_SIGMA = 1.5
_SSIM_MIN_SIDE = 11


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Structural similarity (Wang et al. 2004) in [-1, 1], 1 for identical images.

    Colour images are scored per channel and averaged (scikit-image's
    `structural_similarity` with `channel_axis=-1`, Gaussian window as in the
    paper, data range 1 on the [0, 1] scale ≡ 255 for uint8). Both sides must be
    at least 11 px.
    """
    from skimage.metrics import structural_similarity

    ua, ub = unit_pair(a, b)
    if min(ua.shape[:2]) < _SSIM_MIN_SIDE:
        raise ValueError(f"a and b must be at least {_SSIM_MIN_SIDE}×{_SSIM_MIN_SIDE} px for SSIM, got {ua.shape}")
    return float(
        structural_similarity(
            ua,
            ub,
            data_range=1.0,
            channel_axis=-1 if ua.ndim == 3 else None,
            gaussian_weights=True,
            sigma=_SSIM_SIGMA,
            use_sample_covariance=False,
        )
    )


__all__ = ["l1", "psnr", "ssim"]
