"""The blend mask of a swapped face and the blend itself.

The mask is the target's face oval (from the mesh), eroded a little so the seam lies on
skin rather than on the jaw line or hair, then feathered. The target's own mouth interior
(teeth, tongue) is kept when its mouth is open, and occluders are left alone where they
can be told apart (see `occluder_mask`). The final blend is multi-band (Laplacian pyramid,
`laplacian_blend`) in the face's region of interest, on top of the colour and lighting
match (`color.py`); `alpha_blend` is the plain feathered blend.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from faceforge.effects.swap.color import fast_blur
from faceforge.faces import topology as t
from faceforge.faces.hands import hand_region

#: Mask erosion and feather, as shares of the face height.
ERODE = 0.05
FEATHER = 0.02
#: Masks are built where the face is this many pixels tall.
WORK_PX = 160
#: Above this target mouth openness its mouth interior is kept (teeth, tongue).
OPEN_MOUTH = 0.04


def _poly(mask: np.ndarray, points: np.ndarray) -> None:
    cv2.fillPoly(mask, [np.round(points * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)


def face_blend_mask(
    landmarks: np.ndarray,
    origin: tuple[int, int],
    shape: tuple[int, int],
    *,
    keep_mouth: bool,
    mouth_open: float,
    within: np.ndarray | None = None,
    eyes_closed: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """H×W float32 0..1 mask of the new face in a roi at `origin` (x0, y0) of size `shape`.
    It is exactly 0 outside the face oval of `within` (the target's own landmarks), so
    nothing outside the target's face ever changes.

    eyes_closed: per eye (person's right, left), how far the target's lids are closed
    (`faceforge.faces.measures.lid_closure`); that share of the eye and its lids is left to
    the target, so a blink shows the target's own closing lids instead of the source's open
    eye pressed into a slit (a warp cannot close an eye it was not given closed)."""
    # Built at a working scale where the face is ~WORK_PX tall (erosion and feathering are
    # smooth operations), then scaled up to the roi.
    size = float(np.ptp(landmarks[:468, 1]))
    f = min(1.0, WORK_PX / max(size, 1.0))
    small = (max(1, round(shape[0] * f)), max(1, round(shape[1] * f)))
    pts = np.subtract(landmarks[:, :2], np.asarray(origin, dtype=np.float32)) * f
    mask = np.zeros(small, np.uint8)
    _poly(mask, _lowered_forehead(pts))
    r = max(1, int(round(ERODE * size * f)))
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    if keep_mouth and mouth_open > OPEN_MOUTH:
        mouth = np.zeros(small, np.uint8)
        _poly(mouth, pts[t.inner_lips()])
        mask = cv2.subtract(mask, mouth)
    own = pts if within is None else np.subtract(within[:, :2], np.asarray(origin, dtype=np.float32)) * f
    for loop, corners, closure in zip(
        (t.right_eye(), t.left_eye()), (t.RIGHT_EYE_CORNERS, t.LEFT_EYE_CORNERS), eyes_closed
    ):
        if closure > 0.0:
            mask = cv2.subtract(mask, _lids_region(own, loop, corners, small, closure))
    soft = cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(0.7, FEATHER * size * f))
    soft = cv2.resize(soft, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    hard = np.zeros(shape, np.uint8)
    _poly(hard, (landmarks if within is None else within)[t.face_oval(), :2] - np.asarray(origin, dtype=np.float32))
    return soft * (hard > 127)


#: The target's eye region kept in a blink: the eye contour grown by this share of the eye's
#: width (lids and lashes, not the brows).
LIDS_MARGIN = 0.3


def _lids_region(
    pts: np.ndarray, loop: np.ndarray, corners: tuple[int, int], shape: tuple[int, int], closure: float
) -> np.ndarray:
    """uint8 mask, `closure`·255 over the eye contour grown by LIDS_MARGIN of its width."""
    eye = np.zeros(shape, np.uint8)
    _poly(eye, pts[loop])
    width = float(np.linalg.norm(pts[corners[0]] - pts[corners[1]]))
    r = max(1, int(round(LIDS_MARGIN * width)))
    eye = cv2.dilate(eye, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return (eye.astype(np.float32) * float(closure)).astype(np.uint8)


#: The mask stops this share of the way from the brows to the top of the forehead:
#: above it hair and fringes are common, and the target's own forehead joins its hairline.
FOREHEAD_KEEP = 0.45
_BROW_TOPS = (105, 66, 334, 296)


def _lowered_forehead(pts: np.ndarray) -> np.ndarray:
    """The face oval with its top flattened at FOREHEAD_KEEP above the brows (along the
    face's own vertical axis, so a tilted head is cut along its own brow line)."""
    oval = pts[t.face_oval()].astype(np.float64)
    chin, top = pts[t.CHIN].astype(np.float64), pts[t.FOREHEAD].astype(np.float64)
    up = top - chin
    length = float(np.linalg.norm(up)) + 1e-9
    up /= length
    brow = float(((pts[list(_BROW_TOPS)] - chin) @ up).mean())
    limit = brow + FOREHEAD_KEEP * (length - brow)
    height = (oval - chin) @ up
    over = np.maximum(height - limit, 0.0)
    return (oval - over[:, None] * up).astype(np.float32)


def pose_fade(yaw: float, start: float, end: float) -> float:
    """1 up to |yaw| = start degrees, 0 from `end`, smoothstep between: profiles fade out
    to the untouched target instead of showing a broken half face."""
    x = float(np.clip((end - abs(yaw)) / max(end - start, 1e-6), 0.0, 1.0))
    return x * x * (3 - 2 * x)


def occluder_mask(
    target_lab: np.ndarray, landmarks: np.ndarray, origin: tuple[int, int], face: np.ndarray
) -> np.ndarray:
    """H×W float32 0..1: pixels of the target's face region that are probably not its skin
    (dark hair, a non-skin-coloured object), to be kept from the target. Used on the warped
    source too, so the source's own fringe is not painted onto the target.

    Simple and honest: a pixel is an occluder when its Lab colour is far from the target's
    own skin colour (robust median and spread, measured on forehead, cheeks, nose and chin);
    on the eyes, brows, lips and nostrils, which differ from skin by nature, only a colour
    very far from it counts (a blue or green object). Dark glasses rims are found (the eyes'
    own zone ends EYE_MARGIN beyond their contour); a hand is skin-coloured and is not seen here (`hand_mask` does that).
    """
    pts = np.subtract(landmarks[:, :2], np.asarray(origin, dtype=np.float32))
    shape = target_lab.shape[:2]
    size = float(np.ptp(landmarks[:468, 1]))
    pts = pts.astype(np.float32)
    features = np.zeros(shape, np.uint8)
    _poly(features, pts[t.outer_lips()])
    for p in pts[list(_NOSTRILS)]:
        cv2.circle(features, (int(p[0]), int(p[1])), max(1, int(0.03 * size)), 255, -1)
    r = max(1, int(0.04 * size))
    features = cv2.dilate(features, np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    # The brows' hair only (a glasses rim often runs just below them).
    for p in pts[list(_BROWS)]:
        cv2.circle(features, (int(p[0]), int(p[1])), max(1, int(BROW_MARGIN * size)), 255, -1)
    # The eyes with their lashes only: a glasses rim a little further out is an occluder.
    eyes = np.zeros(shape, np.uint8)
    for loop in (t.right_eye(), t.left_eye()):
        _poly(eyes, pts[loop])
    r_eye = max(1, int(EYE_MARGIN * size))
    features |= cv2.dilate(eyes, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r_eye + 1, 2 * r_eye + 1)))
    skin = np.zeros(shape, np.uint8)
    for idx in _SKIN_SAMPLES:
        p = pts[idx]
        cv2.circle(skin, (int(p[0]), int(p[1])), max(1, int(0.05 * size)), 255, -1)
    samples = target_lab[(skin > 0) & (features == 0)]
    if len(samples) < 10:
        return np.zeros(shape, np.float32)
    med = np.median(samples, axis=0)
    # Robust spread (MAD), capped: an occluder over several sample spots must not widen it.
    mad = np.median(np.abs(samples - med), axis=0) * 1.4826
    spread = np.minimum(mad, _SPREAD_CAP) + np.array([6.0, 3.0, 3.0], np.float32)
    z = np.abs((target_lab - med) / spread)
    # Far in chroma, or far darker than skin (dark hair); shadows on the skin keep its chroma
    # and are rarely below half its lightness, highlights are never occluders.
    # On the eyes, brows, lips and nostrils only colours far from any face part count.
    chroma = np.maximum(z[..., 1], z[..., 2])
    on_skin = features == 0
    far = np.where(on_skin, (chroma > 5.0) | (target_lab[..., 0] < 0.5 * med[0]), chroma > 6.5)
    far &= face > 0.05
    # Drop specks (pores, noise), not thin long shapes: a glasses rim is 2-3 px wide at this
    # scale and a morphological opening would erase it with the specks.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(far.astype(np.uint8), connectivity=8)
    big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= max(6.0, (MIN_OCCLUDER * size) ** 2))
    occ = np.isin(labels, big[big > 0]).astype(np.uint8)
    # Grown a little before feathering, so a thin occluder is kept whole, not half-painted over.
    grow = max(1, int(round(0.01 * size)))
    occ = cv2.dilate(occ, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    return fast_blur(occ.astype(np.float32), max(1.0, 0.01 * size))


def hand_mask(
    hands: Sequence[np.ndarray], shape: tuple[int, int], origin: tuple[float, float], scale: float, size: float
) -> np.ndarray:
    """H×W float32 0..1: the hands (`faceforge.faces.hands`) over a roi at `origin` in the
    frame, drawn at `scale`, feathered like the other occluders (`size`: the face's height
    at that scale). A hand is skin-coloured: `occluder_mask` cannot see it."""
    sigma = max(1.0, 0.01 * size)
    region = hand_region(list(hands), shape, origin, scale)
    # Grown by the feather's width first, so the hand's own edge stays whole.
    r = max(1, int(round(2.0 * sigma)))
    region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return fast_blur(region.astype(np.float32) / 255.0, sigma)


#: Around each brow landmark, the radius (share of the face height) taken as brow hair.
BROW_MARGIN = 0.045

#: Occluder pieces smaller than this share of the face height, squared, are specks.
MIN_OCCLUDER = 0.03

#: Around each eye, the margin (share of the face height) taken as the eye's own (lashes, lid
#: crease); darker-than-skin pixels further out are occluders (glasses rims).
EYE_MARGIN = 0.025

# Eyebrow landmarks of the MediaPipe mesh (both brows, upper and lower edges).
_BROWS = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46, 300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
_NOSTRILS = (98, 327, 2, 97, 326)
_SPREAD_CAP = np.array([10.0, 4.0, 4.0], np.float32)
# Forehead, nose bridge, cheeks and chin: where skin colour is measured (the median of
# all, so an occluder over a few of them does not move it).
_SKIN_SAMPLES = (151, 6, 50, 280, 117, 346, 205, 425, 187, 411, 199)


def alpha_blend(target: np.ndarray, face: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 target·(1−α) + face·α for H×W float α."""
    a = alpha[..., None]
    return (target.astype(np.float32) * (1.0 - a) + face.astype(np.float32) * a + 0.5).astype(np.uint8)


def laplacian_blend(target: np.ndarray, face: np.ndarray, alpha: np.ndarray, levels: int | None = None) -> np.ndarray:
    """Multi-band blend (Burt & Adelson 1983): each Laplacian band of `face` and `target`
    is mixed with the mask blurred to that band's scale, so fine detail switches over a
    narrow seam and broad shading over a wide one. Pixels where α = 0 stay the target's
    exactly (the result is gated by the mask), so nothing outside the face changes."""
    h, w = alpha.shape
    if levels is None:
        levels = int(np.clip(np.log2(max(min(h, w), 1) / 16), 1, 5))
    tgt, src = target.astype(np.float32), face.astype(np.float32)
    gauss_a = [alpha.astype(np.float32)]
    lap_t, lap_s = [], []
    for _ in range(levels):
        small_t, small_s = cv2.pyrDown(tgt), cv2.pyrDown(src)
        size = (tgt.shape[1], tgt.shape[0])
        lap_t.append(tgt - cv2.pyrUp(small_t, dstsize=size))
        lap_s.append(src - cv2.pyrUp(small_s, dstsize=size))
        tgt, src = small_t, small_s
        gauss_a.append(cv2.pyrDown(gauss_a[-1]))
    a = gauss_a[levels][..., None]
    out = tgt * (1 - a) + src * a
    for level in range(levels - 1, -1, -1):
        size = (lap_t[level].shape[1], lap_t[level].shape[0])
        a = gauss_a[level][..., None]
        out = cv2.pyrUp(out, dstsize=size) + lap_t[level] * (1 - a) + lap_s[level] * a
    gate = np.clip(alpha * 3.0, 0.0, 1.0)[..., None]
    mixed = target.astype(np.float32) * (1 - gate) + out * gate
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
