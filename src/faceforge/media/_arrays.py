"""Array helpers shared by the readers and writers: the one frame-shape check, rotation, padding."""

from __future__ import annotations

import numpy as np

from faceforge.frames import check_rgb

__all__ = ["check_rgb", "rotate_clockwise", "pad_to_even", "apply_exif_orientation"]


def rotate_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate an H×W×C array clockwise by a multiple of 90 degrees; returns a contiguous array."""
    if degrees % 90:
        raise ValueError(f"degrees must be a multiple of 90, got {degrees}")
    turns = (degrees // 90) % 4
    if turns == 0:
        return image
    # np.rot90 turns counter-clockwise for positive k.
    return np.ascontiguousarray(np.rot90(image, k=-turns))


def pad_to_even(image: np.ndarray) -> np.ndarray:
    """Pad the bottom row and/or right column by edge replication so both sides are even.

    H.264 in 4:2:0 needs even sizes; replicating the edge (not black) keeps the extra
    pixel invisible after chroma subsampling.
    """
    pad_h = image.shape[0] % 2
    pad_w = image.shape[1] % 2
    if not (pad_h or pad_w):
        return image
    return np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def apply_exif_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn an array stored with EXIF orientation 1-8 upright (TIFF 6.0 / EXIF 2.3, tag 0x0112)."""
    if orientation == 2:
        out = image[:, ::-1]
    elif orientation == 3:
        out = image[::-1, ::-1]
    elif orientation == 4:
        out = image[::-1]
    elif orientation == 5:
        out = image.swapaxes(0, 1)  # transpose across the main diagonal
    elif orientation == 6:
        out = np.rot90(image, k=-1)
    elif orientation == 7:
        out = image[::-1, ::-1].swapaxes(0, 1)  # transpose across the anti-diagonal
    elif orientation == 8:
        out = np.rot90(image, k=1)
    else:
        return image
    return np.ascontiguousarray(out)
