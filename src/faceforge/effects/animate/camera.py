"""The driving video's camera motion: how its background moves, for `--follow-camera`.

A face-tracked or handheld driving clip moves its whole frame: the crop follows the head, the
camera pans and zooms. By default the animated photo keeps a still background (only the head,
hair and neck move); with `follow_camera` the photo's background moves the way the driving
video's background does, as the motion models of FOMM and TPSMM do (Siarohin et al. 2019;
Zhao & Zhang 2022 predict a separate background transform).

Estimated frame to frame on a small grey copy: corners tracked with pyramidal Lucas-Kanade
(kept where the backward track returns to the start) and a similarity (rotation, scale, shift)
fitted to them with RANSAC; the steps are composed into one transform per frame from the first.
The corners come first from the scenery (the person segmented out with MediaPipe's selfie
segmentation), which tells the camera best; where that gives fewer than `MIN_SCENERY_TRACKS`
good tracks (a blurred studio backdrop, a person filling the frame), from everything but the
face and the hair above it: in a face-tracked crop the body moves with the frame (measured on
../shared/data/talking: the scenery alone, ECC-aligned, gained nothing on such clips; long hair
and shoulders taken for the camera are what still loses, on WDA_KatieHill). A step too small to
be camera motion (under `STILL_PX` at the frame corners), one with too few tracks, or a jump of a
quarter frame (a cut) counts as none, so a tripod shot stays exactly still instead of drifting
by accumulated noise.

Transforms are kept in normalised coordinates (origin at the frame centre, unit = the short
side), so a camera motion measured on a 16:9 driving video applies to a portrait photo of
another size and shape.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 240  # short side of the grey copy the motion is measured on, pixels
STILL_PX = 0.12  # a step moving the frame corners less than this (at WORK_SIDE) is no motion
MIN_TRACKS = 12  # fewer good tracks than this: the step is unknown, taken as still
MIN_SCENERY_TRACKS = 30  # the scenery alone (person segmented out) needs this many to be trusted

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 2×3 transform `a` applied after `b`."""
    return a[:, :2] @ b + np.hstack([np.zeros((2, 2)), a[:, 2:]])


def _invert(m: np.ndarray) -> np.ndarray:
    lin = np.linalg.inv(m[:, :2])
    return np.hstack([lin, -lin @ m[:, 2:]])


class CameraTracker:
    """Feed every driving frame in order; `transforms` holds, per frame, the normalised 2×3
    similarity from the first frame's coordinates to that frame's."""

    def __init__(self) -> None:
        from faceforge.faces.masks import PersonSegmenter

        self.transforms: list[np.ndarray] = []
        self._previous: np.ndarray | None = None  # grey work copy
        self._previous_mask: np.ndarray | None = None
        self._previous_scenery: np.ndarray | None = None
        self._segmenter = PersonSegmenter()

    def update(self, image: np.ndarray, landmarks: np.ndarray | None) -> None:
        """image: H×W×3 uint8 RGB; landmarks: the driving face's (pixels) or None."""
        h, w = image.shape[:2]
        k = WORK_SIDE / min(h, w)
        size = (max(2, round(w * k)), max(2, round(h * k)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        mask = _background_mask(grey.shape, None if landmarks is None else landmarks[:, :2] * k)
        scenery = cv2.bitwise_and(mask, _not_person(self._segmenter.person_mask(small)))
        if self._previous is None or self._previous.shape != grey.shape:
            self.transforms.append(IDENTITY.copy())
        else:
            # The scenery behind the person tells the camera's motion best; only where it has
            # too few corners (a blurred studio backdrop) is the body taken as moving with it.
            step = _step(self._previous, grey, self._previous_scenery, min_tracks=MIN_SCENERY_TRACKS)
            if step is None:
                step = _step(self._previous, grey, self._previous_mask)
            step = IDENTITY.copy() if step is None else step
            self.transforms.append(_compose(_normalise(step, grey.shape), self.transforms[-1]))
        self._previous, self._previous_mask, self._previous_scenery = grey, mask, scenery

    def close(self) -> None:
        self._segmenter.close()


def relative_to(transforms: list[np.ndarray], reference: int) -> np.ndarray:
    """N×2×3: each frame's transform from the reference frame's coordinates."""
    back = _invert(transforms[reference])
    return np.stack([_compose(m, back) for m in transforms])


def _unit_and_centre(shape: tuple[int, int]) -> tuple[float, np.ndarray]:
    """Normalised coordinates of an image of this (h, w): unit = short side, origin = centre."""
    h, w = shape
    return float(min(h, w)), np.array([(w - 1) / 2.0, (h - 1) / 2.0])


def in_pixels(m: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A normalised 2×3 transform as one on an image of this (h, w)."""
    s, c = _unit_and_centre(shape)
    lin = m[:, :2]
    return np.hstack([lin, (c + s * m[:, 2] - lin @ c)[:, None]])


def _normalise(m: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A pixel 2×3 transform on an image of this (h, w) in normalised coordinates."""
    s, c = _unit_and_centre(shape)
    lin = m[:, :2]
    return np.hstack([lin, ((m[:, 2] + lin @ c - c) / s)[:, None]])


def _background_mask(shape: tuple[int, int], landmarks: np.ndarray | None) -> np.ndarray:
    """255 where the camera is measured: all but the face and the hair above it (grown a little)."""
    if landmarks is None:
        return np.full(shape, 255, np.uint8)
    height = float(np.ptp(landmarks[:, 1]))
    lifted = landmarks - [0.0, 0.6 * height]
    hull = cv2.convexHull(np.vstack([landmarks, lifted]).astype(np.float32)).astype(np.int32)
    head = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(head, hull, 255)
    grow = max(1, int(0.1 * height))
    head = cv2.dilate(head, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))
    return cv2.bitwise_not(head)


def _not_person(person: np.ndarray) -> np.ndarray:
    """255 on the scenery: clearly not the person (the segmentation's edge grown by a margin)."""
    scenery = np.where(person < 64, 255, 0).astype(np.uint8)
    return cv2.erode(scenery, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))


def _step(
    previous: np.ndarray, current: np.ndarray, mask: np.ndarray | None, min_tracks: int = MIN_TRACKS
) -> np.ndarray | None:
    """Pixel similarity from the previous frame to this one: identity when still, None when
    there are fewer than `min_tracks` good tracks (unknown)."""
    corners = cv2.goodFeaturesToTrack(previous, maxCorners=300, qualityLevel=0.005, minDistance=6, mask=mask)
    if corners is None or len(corners) < min_tracks:
        return None
    params = {"winSize": (21, 21), "maxLevel": 3}
    moved, ok, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, **params)
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(current, previous, moved, None, **params)
    good = (ok[:, 0] == 1) & (ok_back[:, 0] == 1) & (np.linalg.norm((back - corners)[:, 0], axis=1) < 0.5)
    if good.sum() < min_tracks:
        return None
    m, inliers = cv2.estimateAffinePartial2D(
        corners[good], moved[good], method=cv2.RANSAC, ransacReprojThreshold=1.0, maxIters=500
    )
    if m is None or inliers is None or int(inliers.sum()) < min_tracks:
        return None
    h, w = previous.shape
    box = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], dtype=np.float64)
    moved_px = np.abs(box @ m.T - box[:, :2]).max()
    if moved_px < STILL_PX or moved_px > 0.25 * min(h, w):  # no motion, or an implausible jump (a cut)
        return IDENTITY.copy()
    return m
