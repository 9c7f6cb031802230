"""Temporal flicker: the warping error between consecutive frames.

Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018, §5: warp
frame t-1 onto frame t with the optical flow between them and measure what the
motion does not explain, over pixels that are not occluded. Real motion is
absorbed by the flow, so a smoothly moving face scores low while frame-to-frame
noise, popping textures or jittering masks score high.

Differences from the paper: the flow is OpenCV's DIS (Kroeger et al., ECCV
2016) on grey frames instead of FlowNet2, and the per-pixel error is the mean
absolute difference on the [0, 1] scale (not the squared L2 norm), so values
read like `metrics.l1`. Occlusions are found with the forward-backward
consistency test of Ruder et al., "Artistic style transfer for videos", GCPR
2016 (the test Lai et al. use):
    |w + ŵ|² > 0.01 (|w|² + |ŵ|²) + 0.5  → occluded,
where w is the flow t → t-1 at a pixel and ŵ the flow t-1 → t at the point it lands.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from faceforge.eval._checks import rgb_frames

# Ruder et al. 2016, eq. (7).
_FB_RELATIVE = 0.01
_FB_ABSOLUTE = 0.5


def _flow(src_grey: np.ndarray, dst_grey: np.ndarray) -> np.ndarray:
    """Dense flow H×W×2 (dx, dy) such that src(x) ≈ dst(x + flow(x))."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    return dis.calc(src_grey, dst_grey, None)


def _sample(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _pair_error(prev: np.ndarray, cur: np.ndarray, grid_x: np.ndarray, grid_y: np.ndarray) -> float:
    prev_grey = cv2.cvtColor(prev, cv2.COLOR_RGB2GRAY)
    cur_grey = cv2.cvtColor(cur, cv2.COLOR_RGB2GRAY)
    back = _flow(cur_grey, prev_grey)  # t → t-1
    fwd = _flow(prev_grey, cur_grey)  # t-1 → t
    map_x = grid_x + back[..., 0]
    map_y = grid_y + back[..., 1]
    warped = _sample(prev, map_x, map_y).astype(np.float32)
    fwd_at = _sample(fwd, map_x, map_y)
    h, w = cur_grey.shape
    round_trip = np.sum((back + fwd_at) ** 2, axis=2)
    magnitude = np.sum(back**2, axis=2) + np.sum(fwd_at**2, axis=2)
    valid = round_trip <= _FB_RELATIVE * magnitude + _FB_ABSOLUTE
    valid &= (map_x >= 0) & (map_x <= w - 1) & (map_y >= 0) & (map_y <= h - 1)
    if not valid.any():
        return float("nan")
    diff = np.abs(cur.astype(np.float32) - warped).mean(axis=2)
    return float(diff[valid].mean() / 255.0)


def temporal_flicker_pairs(frames: Sequence[np.ndarray]) -> np.ndarray:
    """Warping error of each consecutive pair: (N-1,) float64 in [0, 1].

    frames: N ≥ 2 frames, H×W×3 uint8 RGB, one shape.
    Entry t-1 scores frame t against frame t-1 warped onto it; NaN when every
    pixel of the pair fails the occlusion test (e.g. a scene cut to noise).
    """
    items = rgb_frames(frames, "frames", minimum=2)
    h, w = items[0].shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return np.array([_pair_error(items[t - 1], items[t], grid_x, grid_y) for t in range(1, len(items))])


def temporal_flicker(frames: Sequence[np.ndarray]) -> float:
    """Mean warping error over consecutive pairs, in [0, 1] (≈0 = temporally stable).

    frames: N ≥ 2 frames, H×W×3 uint8 RGB, one shape. Pairs with no
    unoccluded pixel are skipped; NaN if every pair is.
    """
    values = temporal_flicker_pairs(frames)
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")


__all__ = ["temporal_flicker", "temporal_flicker_pairs"]
