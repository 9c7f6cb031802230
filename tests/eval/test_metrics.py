from __future__ import annotations

import math

import numpy as np
import pytest

from faceforge.eval import l1, psnr, ssim


def _const(value: int, shape=(32, 32, 3)) -> np.ndarray:
    return np.full(shape, value, np.uint8)


def test_l1_is_on_the_unit_scale():
    assert l1(_const(0), _const(51)) == pytest.approx(0.2)
    assert l1(_const(7), _const(7)) == 0.0
    # uint8 and float versions of one image agree
    assert l1(_const(0), np.full((32, 32, 3), 0.2)) == pytest.approx(0.2)


def test_psnr_of_a_known_mse():
    # every pixel off by 10 grey levels: MSE = (10/255)², PSNR = 20·log10(25.5)
    assert psnr(_const(100), _const(110)) == pytest.approx(20 * math.log10(25.5))
    # half the pixels off by 255, half exact: MSE = 0.5 → 3.01 dB
    b = _const(0)
    b[:16] = 255
    assert psnr(_const(0), b) == pytest.approx(10 * math.log10(2))
    assert psnr(_const(3), _const(3)) == math.inf


def test_ssim_identical_noise_and_grey():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert ssim(img, img) == pytest.approx(1.0)
    other = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert ssim(img, other) < 0.1
    smooth = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (64, 1))
    noisy = np.clip(smooth + rng.normal(0, 20, smooth.shape), 0, 255).astype(np.uint8)
    assert 0.1 < ssim(smooth, noisy) < 0.9  # 2-D grey works, and noise costs
    assert ssim(smooth, smooth / 255.0) == pytest.approx(1.0)


def _wang_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM written out from Wang et al. 2004 eq. (13): 11×11 Gaussian window
    (sigma 1.5), population (co)variances, C1 = (0.01 L)², C2 = (0.03 L)², mean
    over the pixels whose window lies inside the image."""
    from scipy.ndimage import gaussian_filter

    x, y = a / 255.0, b / 255.0

    def blur(z):
        return gaussian_filter(z, 1.5, truncate=3.5, mode="reflect")  # radius 5 → 11 taps

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return float(s[5:-5, 5:-5].mean())


def test_ssim_matches_the_paper_formula():
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(3)
    a = gaussian_filter(rng.uniform(0, 255, (48, 40)), 1).astype(np.uint8)
    b = np.clip(a + rng.normal(0, 15, a.shape), 0, 255).astype(np.uint8)
    assert ssim(a, b) == pytest.approx(_wang_ssim(a.astype(float), b.astype(float)), abs=1e-9)
    # colour: the mean of the per-channel scores
    rgb_a = np.stack([a, a[::-1], a[:, ::-1]], axis=2)
    rgb_b = np.stack([b, b[::-1], b[:, ::-1]], axis=2)
    expected = np.mean([_wang_ssim(rgb_a[..., c].astype(float), rgb_b[..., c].astype(float)) for c in range(3)])
    assert ssim(rgb_a, rgb_b) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("fn", [l1, psnr, ssim])
def test_bad_inputs_name_the_parameter(fn):
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        fn(_const(0), _const(0, (32, 31, 3)))
    with pytest.raises(ValueError, match="b must be uint8"):
        fn(_const(0), np.zeros((32, 32, 3), np.int32))
    with pytest.raises(ValueError, match="a is float with values"):
        fn(np.full((32, 32, 3), 255.0), _const(0))
    with pytest.raises(ValueError, match="a must be a numpy array"):
        fn([[0]], _const(0))


def test_ssim_needs_eleven_pixels():
    with pytest.raises(ValueError, match="at least 11"):
        ssim(_const(0, (10, 40, 3)), _const(0, (10, 40, 3)))
