"""Built-in sample media, so every command has a default input on a fresh machine.

The portrait is scikit-image's `astronaut()` (Eileen Collins, NASA photo, public
domain), shipped inside the scikit-image wheel: nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

SAMPLE_NAME = "astronaut (built-in sample: NASA portrait of Eileen Collins, public domain)"


def astronaut() -> np.ndarray:
    """512×512×3 uint8 RGB."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())
