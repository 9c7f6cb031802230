"""Test media for occlusion: a real hand cut out of one photo and laid over a face in another.

`../shared/data` has no clip of a hand in front of a face, but it has photos of hands: a real
hand on a dark shirt (deepface's img59) is cut out along the region the hand model finds,
keeping only its bright pixels, and pasted over a face. The hand's pixels are known exactly,
so a swap that keeps the hand can be checked pixel by pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: The donor photo, relative to `../shared/data` (a hand held open in front of a black shirt).
HAND_DONOR = "portraits/identity-pairs/deepface/tests/unit/dataset/img59.jpg"


@dataclass(frozen=True)
class Cutout:
    """An RGB patch and its 0..1 alpha (H×W float32)."""

    image: np.ndarray
    alpha: np.ndarray


def hand_cutout(donor: np.ndarray, *, min_grey: int = 60) -> Cutout:
    """The lowest hand the hand model finds in `donor` (H×W×3 uint8 RGB), cut out along its
    region, keeping pixels brighter than `min_grey` (the dark background stays behind)."""
    from faceforge.faces.hands import HandFinder

    with HandFinder(video=False) as finder:
        hands = finder.find(donor)
    if not hands:
        raise ValueError("no hand found in the donor image")
    hand = max(hands, key=lambda h: float(h[:, 1].mean()))
    # Generously around the joints (their hull grown by half the palm): the brightness test
    # below does the cutting.
    hull = np.zeros(donor.shape[:2], np.uint8)
    cv2.fillPoly(hull, [cv2.convexHull(hand.astype(np.int32))], 1)
    r = int(0.5 * np.linalg.norm(hand[5] - hand[17]))
    inside = cv2.dilate(hull, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))) > 0
    matte = (inside & (cv2.cvtColor(donor, cv2.COLOR_RGB2GRAY) > min_grey)).astype(np.uint8)
    matte = cv2.morphologyEx(matte, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    ys, xs = np.nonzero(matte)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    alpha = cv2.GaussianBlur(matte[y0:y1, x0:x1].astype(np.float32), (0, 0), 1.5)
    return Cutout(donor[y0:y1, x0:x1].copy(), alpha)


def paste(target: np.ndarray, cutout: Cutout, top_left: tuple[int, int], height: int) -> tuple[np.ndarray, np.ndarray]:
    """(a copy of `target` with `cutout` scaled to `height` px laid over it at (x, y), the
    H×W alpha of the pasted piece in that frame). Parts falling outside the frame are cut."""
    s = height / cutout.image.shape[0]
    patch = cv2.resize(cutout.image, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    alpha = cv2.resize(cutout.alpha, (patch.shape[1], patch.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = target.copy()
    where = np.zeros(target.shape[:2], np.float32)
    x, y = top_left
    h, w = target.shape[:2]
    ys, xs = slice(max(y, 0), min(y + patch.shape[0], h)), slice(max(x, 0), min(x + patch.shape[1], w))
    py, px = slice(ys.start - y, ys.stop - y), slice(xs.start - x, xs.stop - x)
    a = alpha[py, px, None]
    out[ys, xs] = (a * patch[py, px] + (1.0 - a) * out[ys, xs] + 0.5).astype(np.uint8)
    where[ys, xs] = alpha[py, px]
    return out, where


def changed(output: np.ndarray, before: np.ndarray, *, tolerance: int = 12) -> np.ndarray:
    """H×W bool: pixels where `output` differs from `before` by more than `tolerance` grey
    levels in some channel."""
    return np.abs(output.astype(np.int16) - before.astype(np.int16)).max(axis=2) > tolerance


def kept_share(output: np.ndarray, pasted: np.ndarray, alpha: np.ndarray, within: np.ndarray | None = None) -> float:
    """Share of the pasted piece's solid pixels (alpha > 0.9), among those `within` (e.g. the
    ones a swap that ignores the piece paints over), that `output` left as they were (see
    `changed`); NaN when there are none."""
    solid = alpha > 0.9
    if within is not None:
        solid &= within
    if not solid.any():
        return float("nan")
    return float((~changed(output, pasted))[solid].mean())


__all__ = ["HAND_DONOR", "Cutout", "changed", "hand_cutout", "kept_share", "paste"]
