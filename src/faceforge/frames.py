"""The frame convention of faceforge: H×W×3 uint8 RGB numpy arrays, checked in one place."""

from __future__ import annotations

import numpy as np


def check_rgb(image: object, name: str = "image") -> np.ndarray:
    """Return `image` if it is an H×W×3 uint8 RGB array, else raise ValueError naming `name`."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array (H×W×3 uint8 RGB), got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{name} must have shape (H, W, 3) (uint8 RGB), got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8 (values 0-255), got {image.dtype}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {image.shape}")
    return image
