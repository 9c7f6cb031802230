"""Self-blended images: training fakes made from one real face, and their blending-boundary maps.

A self-blended image (SBI; Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended Images",
CVPR 2022) blends a slightly altered copy of a real face back into the same face. It has no
identity change at all, only what every face swap leaves behind: a seam where two images with
slightly different colour, sharpness and geometry meet. A detector trained on SBIs learns to look
for that seam instead of memorising one face-swap method.

The target the detector also learns to draw is Face X-ray's boundary (Li et al., "Face X-ray for
More General Face Forgery Detection", CVPR 2020): with M the soft blend mask in 0..1,

    fake = M · source + (1 − M) · target,        B = 4 · M · (1 − M),

so B is 1 where the two images are mixed half and half and 0 where a pixel comes from one only.

Everything here is pure NumPy + OpenCV and draws its randomness from the `np.random.Generator`
it is given, so one seed always gives the same fake.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Blend ratios as in SBI: mostly a full replacement, sometimes a partial (ghostly) blend.
_BLEND_RATIOS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)


@dataclass(frozen=True)
class SelfBlend:
    """One self-blended fake.

    image: H×W×3 uint8 RGB, the fake.
    boundary: H×W float32 in 0..1, Face X-ray's B = 4·M·(1−M).
    mask: H×W float32 in 0..1, the blend mask M (weight of the altered source).
    """

    image: np.ndarray
    boundary: np.ndarray
    mask: np.ndarray


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """Face X-ray's blending boundary B = 4·M·(1−M) (Li et al. 2020, eq. 2).

    mask: H×W float in 0..1. Returns H×W float32 in 0..1, peaking (1) where M = 0.5.
    """
    m = np.clip(mask.astype(np.float32), 0.0, 1.0)
    return 4.0 * m * (1.0 - m)


def self_blend(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> SelfBlend:
    """A self-blended fake of one real face crop.

    image: H×W×3 uint8 RGB, an aligned face crop (the whole face with some margin).
    landmarks: N×2 float (N ≥ 3; MediaPipe's 478 mesh points work best), pixel coordinates of
        the face in `image`.
    rng: the source of every random choice (one seed → one fake).

    The source is a copy of `image` with jittered colour/contrast/hue, sharpened or blurred,
    and slightly rescaled and shifted; the mask is the landmarks' convex hull (sometimes cut
    below the forehead), elastically deformed, dilated or eroded, blurred with a random kernel
    and multiplied by a random blend ratio. Colour and sharpness jitter go to the source or, half
    the time, to the target instead (as in SBI) — either way the two sides of the seam differ.
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be H×W×3 uint8, got {image.shape} {image.dtype}")
    pts = np.asarray(landmarks, dtype=np.float32).reshape(-1, 2)
    if len(pts) < 3:
        raise ValueError(f"landmarks must hold at least 3 points, got {len(pts)}")
    target = image.astype(np.float32)
    source = target.copy()
    face_size = float(np.ptp(pts[:, 0]) + np.ptp(pts[:, 1])) / 2.0
    if rng.random() < 0.5:
        source = _jitter_appearance(source, rng)
    else:
        target = _jitter_appearance(target, rng)
    source = _jitter_geometry(source, pts, face_size, rng)
    mask = blend_mask(image.shape[:2], pts, rng)
    mask *= float(rng.choice(_BLEND_RATIOS))
    m3 = mask[..., None]
    fake = m3 * source + (1.0 - m3) * target
    fake_u8 = np.clip(fake + 0.5, 0, 255).astype(np.uint8)
    return SelfBlend(fake_u8, boundary_map(mask), mask)


def blend_mask(shape: tuple[int, ...], landmarks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random soft face mask (before the blend ratio): H×W float32 in 0..1.

    shape: (H, W). landmarks: N×2 float pixel coordinates. The hull is sometimes cut between the
    top of the face and the brows (many swaps replace only the inner face), stretched by up to
    ±10 %, elastically deformed, dilated or eroded and finally blurred with a random Gaussian.
    """
    h, w = shape
    pts = np.asarray(landmarks, dtype=np.float32).reshape(-1, 2)
    face_size = float(np.ptp(pts[:, 0]) + np.ptp(pts[:, 1])) / 2.0
    if rng.random() < 0.5:
        # Keep the points below a line between the top of the face and a quarter of the way down (the brows).
        top, bottom = float(pts[:, 1].min()), float(pts[:, 1].max())
        cut = top + rng.uniform(0.0, 0.25) * (bottom - top)
        kept = pts[pts[:, 1] >= cut]
        if len(kept) >= 3:
            pts = kept
    centre = pts.mean(axis=0)
    pts = centre + (pts - centre) * rng.uniform(0.9, 1.1, size=2).astype(np.float32)
    hull = cv2.convexHull(np.round(pts).astype(np.int32))
    mask = np.zeros((h, w), np.float32)
    cv2.fillConvexPoly(mask, hull, 1.0, lineType=cv2.LINE_AA)
    mask = _elastic(mask, amplitude=rng.uniform(0.0, 0.04) * face_size, rng=rng)
    mask = _dilate_or_erode(mask, radius=int(rng.integers(0, max(2, int(0.06 * face_size)))), rng=rng)
    sigma = rng.uniform(0.5, 0.08 * face_size + 0.5)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
    return np.clip(mask, 0.0, 1.0)


def jitter_appearance(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The source jitter of `self_blend` applied to a whole image: H×W×3 uint8 RGB → same.

    A detector should call this REAL — the whole picture changed alike, with no seam — so
    training shows it to the network as a real example too, lest it learn "looks different from
    the face I memorised" instead of "has a seam".
    """
    out = _jitter_appearance(image.astype(np.float32), rng)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _jitter_appearance(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Colour, contrast, hue and sharpness jitter on a float32 RGB image in 0..255."""
    out = img * rng.uniform(0.85, 1.15) + rng.uniform(-20.0, 20.0)  # contrast, brightness
    out = out + rng.uniform(-12.0, 12.0, size=3).astype(np.float32)  # per-channel shift
    hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-10.0, 10.0)) % 360.0  # hue in degrees
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.8, 1.2), 0.0, 1.0)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255.0
    kind = rng.integers(0, 4)
    if kind == 0:  # unsharp mask
        soft = cv2.GaussianBlur(out, (0, 0), sigmaX=rng.uniform(0.8, 2.0))
        out = out + rng.uniform(0.3, 1.0) * (out - soft)
    elif kind == 1:  # blur
        out = cv2.GaussianBlur(out, (0, 0), sigmaX=rng.uniform(0.5, 1.5))
    elif kind == 2:  # lose resolution
        h, w = out.shape[:2]
        f = rng.uniform(0.4, 0.85)
        small = cv2.resize(out, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(out, 0.0, 255.0).astype(np.float32)


def _jitter_geometry(img: np.ndarray, pts: np.ndarray, face_size: float, rng: np.random.Generator) -> np.ndarray:
    """Rescale by up to ±5 % (x and y apart) about the face centre and shift by up to ±3 % of the face."""
    cx, cy = pts.mean(axis=0)
    sx, sy = rng.uniform(0.95, 1.05, size=2)
    tx, ty = rng.uniform(-0.03, 0.03, size=2) * face_size
    m = np.array([[sx, 0.0, cx - sx * cx + tx], [0.0, sy, cy - sy * cy + ty]], dtype=np.float64)
    h, w = img.shape[:2]
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def _elastic(mask: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    """Warp a mask by a smooth random displacement field (a coarse 5×5 grid upsampled cubically)."""
    if amplitude < 0.5:
        return mask
    h, w = mask.shape
    grid = rng.uniform(-amplitude, amplitude, size=(2, 5, 5)).astype(np.float32)
    dx = cv2.resize(grid[0], (w, h), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(grid[1], (w, h), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


def _dilate_or_erode(mask: np.ndarray, radius: int, rng: np.random.Generator) -> np.ndarray:
    if radius < 1:
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask, kernel) if rng.random() < 0.5 else cv2.erode(mask, kernel)
