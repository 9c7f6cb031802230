"""Input checks shared by the evaluation metrics."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def to_unit(image: np.ndarray, name: str) -> np.ndarray:
    """uint8 (0..255) or float (0..1) image → float64 in [0, 1]; ValueError naming `name`."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(f"{name} must be H×W or H×W×C, got shape {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float64) / 255.0
    if np.issubdtype(image.dtype, np.floating):
        if not np.all(np.isfinite(image)):
            raise ValueError(f"{name} contains NaN or inf")
        if image.min() < 0.0 or image.max() > 1.0:
            raise ValueError(
                f"{name} is float with values in [{image.min():g}, {image.max():g}]; float images must lie in [0, 1]"
            )
        return image.astype(np.float64)
    raise ValueError(f"{name} must be uint8 (0..255) or float (0..1), got {image.dtype}")


def unit_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both images in [0, 1] float64, checked to share one shape."""
    ua = to_unit(a, "a")
    ub = to_unit(b, "b")
    if ua.shape != ub.shape:
        raise ValueError(f"a and b must have the same shape, got {ua.shape} and {ub.shape}")
    return ua, ub


def rgb_frames(frames: Sequence[np.ndarray], name: str = "frames", minimum: int = 1) -> list[np.ndarray]:
    """Check a sequence of H×W×3 uint8 frames of one shape (at least `minimum`)."""
    items = list(frames)
    if len(items) < minimum:
        raise ValueError(f"{name} needs at least {minimum} frames, got {len(items)}")
    for i, f in enumerate(items):
        if not isinstance(f, np.ndarray) or f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 3:
            desc = f"{f.dtype} {f.shape}" if isinstance(f, np.ndarray) else type(f).__name__
            raise ValueError(f"{name}[{i}] must be an H×W×3 uint8 RGB array, got {desc}")
        if f.shape != items[0].shape:
            raise ValueError(f"{name}[{i}] has shape {f.shape}, {name}[0] has {items[0].shape}")
    return items
