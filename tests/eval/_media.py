"""Photos from the shared deepface identity pairs, read as H×W×3 uint8 RGB."""

from __future__ import annotations

from pathlib import Path

import numpy as np

PAIRS_DIR = Path("portraits/identity-pairs/deepface/tests/unit/dataset")
# Same person (a "Yes" group in master.csv) and a different person.
PERSON_A = ("img10.jpg", "img11.jpg")
PERSON_B = "img8.jpg"  # same aspect ratio as img10


def read_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.ascontiguousarray(np.asarray(im.convert("RGB")))


def pair_photo(shared_data: Path, name: str) -> np.ndarray:
    return read_rgb(shared_data / PAIRS_DIR / name)
