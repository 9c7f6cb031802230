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

The body below the head (the segmented person from a quarter face height under the chin down,
outside the head) is tracked the same way: shoulders and chest sway on their own when the
speaker leans or breathes, while the camera holds still or follows the head. Its motion is kept
against the camera's and in face units (`body_relative`), so it carries over to a photo whose
face sits elsewhere and at another size (bench/animate.py, self-reenactment with
--follow-camera, the body alone: mean L1 0.0409 → 0.0405, lower on 19 of 52 clips, higher on 2).

Transforms are kept in normalised coordinates (origin at the frame centre, unit = the short
side), so a camera motion measured on a 16:9 driving video applies to a portrait photo of
another size and shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 240  # short side of the grey copy the motion is measured on, pixels
STILL_PX = 0.12  # a step moving the frame corners less than this (at WORK_SIDE) is no motion
MIN_TRACKS = 12  # fewer good tracks than this: the step is unknown, taken as still
MIN_SCENERY_TRACKS = 30  # the scenery alone (person segmented out) needs this many to be trusted
SEGMENT_EVERY = 2  # the person is segmented on every n-th frame
MIN_BODY_TRACKS = 20  # the body below the head needs this many, or it moves with the camera
BODY_BELOW_CHIN = 0.25  # the body is measured from this far below the chin (face heights) down

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def _compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 2×3 transform `a` applied after `b`."""
    return a[:, :2] @ b + np.hstack([np.zeros((2, 2)), a[:, 2:]])


def _invert(m: np.ndarray) -> np.ndarray:
    lin = np.linalg.inv(m[:, :2])
    return np.hstack([lin, -lin @ m[:, 2:]])


class CameraTracker:
    """Feed every driving frame in order; then `transforms` holds, per frame, the normalised 2×3
    similarity from the first frame's coordinates to that frame's, and `bodies` the same for the
    body below the head (shoulders, chest)."""

    def __init__(self) -> None:
        from faceforge.faces.masks import PersonSegmenter

        self.shape: tuple[int, int] | None = None  # (h, w) of the driving frames
        # Per frame: None (the first, or the frame size changed: start again from identity) or
        # the measured steps from the previous frame (normalised; None where unknown).
        self._steps: list[_Steps | None] = []
        self._previous: np.ndarray | None = None  # grey work copy
        self._previous_masks: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
        self._person: np.ndarray | None = None  # the last person mask (work copy size)
        self._segmenter = PersonSegmenter()

    def update(self, image: np.ndarray, landmarks: np.ndarray | None) -> None:
        """image: H×W×3 uint8 RGB; landmarks: the driving face's (pixels) or None."""
        h, w = image.shape[:2]
        k = WORK_SIDE / min(h, w)
        size = (max(2, round(w * k)), max(2, round(h * k)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        face = None if landmarks is None else landmarks[:, :2] * k
        outside_head = _background_mask(grey.shape, face)
        # The person moves little in a frame: segmenting every other one halves the tracker's
        # largest cost (the masks only choose where corners are looked for, and are eroded anyway).
        if self._person is None or self._person.shape != grey.shape or len(self._steps) % SEGMENT_EVERY == 0:
            self._person = self._segmenter.person_mask(small)
        person = self._person
        masks = (
            cv2.bitwise_and(outside_head, _not_person(person)),
            outside_head,
            _body_mask(person, outside_head, face),
        )
        if self._previous is None or self._previous_masks is None or self._previous.shape != grey.shape:
            self.shape = (h, w)
            self._steps.append(None)
        else:
            scenery, outside, body = self._previous_masks
            measured = _steps(self._previous, grey, [scenery, outside, body])
            norm = [None if m is None else _normalise(m, grey.shape) for m, _ in measured]
            self._steps.append(_Steps(norm[0], measured[0][1], norm[1], norm[2], measured[2][1]))
        self._previous, self._previous_masks = grey, masks

    @property
    def transforms(self) -> list[np.ndarray]:
        return self._accumulate(body=False)

    @property
    def bodies(self) -> list[np.ndarray]:
        return self._accumulate(body=True)

    def _accumulate(self, body: bool) -> list[np.ndarray]:
        """The steps composed into one transform per frame from the first.

        The camera: the scenery's step where it has `MIN_SCENERY_TRACKS` tracks, otherwise
        everything but the face's. (Trusting the scenery down to `MIN_TRACKS` in clips where it
        mostly has enough: WDA_KatieHill unchanged, 00098 0.082 → 0.101 L1 with --follow-camera.)
        The body: its own step where it has `MIN_BODY_TRACKS` tracks, otherwise it moves with
        the camera."""
        out: list[np.ndarray] = []
        for s in self._steps:
            if s is None:
                out.append(IDENTITY.copy())
                continue
            trusted = s.scenery_tracks >= MIN_SCENERY_TRACKS and s.scenery is not None
            step = s.scenery if trusted else s.outside_head
            if body and s.body is not None and s.body_tracks >= MIN_BODY_TRACKS:
                step = s.body
            out.append(_compose(IDENTITY if step is None else step, out[-1]))
        return out

    def close(self) -> None:
        self._segmenter.close()


@dataclass(frozen=True)
class _Steps:
    """One frame's measured motion from the previous (normalised 2×3, None = unknown)."""

    scenery: np.ndarray | None
    scenery_tracks: int
    outside_head: np.ndarray | None
    body: np.ndarray | None
    body_tracks: int


def relative_to(transforms: list[np.ndarray], reference: int) -> np.ndarray:
    """N×2×3: each frame's transform from the reference frame's coordinates."""
    back = _invert(transforms[reference])
    return np.stack([_compose(m, back) for m in transforms])


def body_relative(
    bodies: list[np.ndarray],
    cameras: list[np.ndarray],
    reference: int,
    shape: tuple[int, int],
    chin: np.ndarray,
    height: float,
) -> np.ndarray:
    """N×2×3: each frame's body motion from the reference frame, with the camera's taken out, in
    face units: origin at the reference face's chin, unit = its height (pixels of a frame of this
    (h, w)), so it applies to any photo's face (`body_in_pixels`)."""
    body, camera = relative_to(bodies, reference), relative_to(cameras, reference)
    s, c = _unit_and_centre(shape)
    to_norm = np.array([[height / s, 0.0, (chin[0] - c[0]) / s], [0.0, height / s, (chin[1] - c[1]) / s]])
    back = _invert(to_norm)
    return np.stack([_compose(back, _compose(_invert(cm), _compose(bm, to_norm))) for bm, cm in zip(body, camera)])


def body_in_pixels(m: np.ndarray, chin: np.ndarray, height: float) -> np.ndarray:
    """A face-unit body transform (`body_relative`) as a pixel one for a face with this chin and height."""
    to_px = np.array([[height, 0.0, chin[0]], [0.0, height, chin[1]]])
    return _compose(to_px, _compose(m, _invert(to_px)))


def _unit_and_centre(shape: tuple[int, ...]) -> tuple[float, np.ndarray]:
    """Normalised coordinates of an image of this (h, w): unit = short side, origin = centre."""
    h, w = shape
    return float(min(h, w)), np.array([(w - 1) / 2.0, (h - 1) / 2.0])


def in_pixels(m: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
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


def _body_mask(person: np.ndarray, outside_head: np.ndarray, landmarks: np.ndarray | None) -> np.ndarray | None:
    """255 on the body: the person below the chin, outside the head (None without a face)."""
    if landmarks is None:
        return None
    from faceforge.faces.topology import CHIN

    height = float(np.ptp(landmarks[:, 1]))
    top = int(np.clip(landmarks[CHIN, 1] + BODY_BELOW_CHIN * height, 0, person.shape[0]))
    body = np.where(person >= 192, 255, 0).astype(np.uint8)
    body = cv2.erode(body, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    body[:top] = 0
    return cv2.bitwise_and(body, outside_head)


def _not_person(person: np.ndarray) -> np.ndarray:
    """255 on the scenery: clearly not the person (the segmentation's edge grown by a margin)."""
    scenery = np.where(person < 64, 255, 0).astype(np.uint8)
    return cv2.erode(scenery, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))


def _steps(
    previous: np.ndarray, current: np.ndarray, masks: list[np.ndarray | None]
) -> list[tuple[np.ndarray | None, int]]:
    """Per mask (None = skip it): the pixel similarity from the previous frame to this one of
    the corners found in it (identity when still, None when there are fewer than `MIN_TRACKS`
    good tracks: unknown) and how many tracks agree with it. Corners are found per mask but
    tracked together, in one forward and one backward Lucas-Kanade pass."""
    found = [
        None
        if m is None
        else cv2.goodFeaturesToTrack(previous, maxCorners=300, qualityLevel=0.005, minDistance=6, mask=m)
        for m in masks
    ]
    sizes = [0 if c is None or len(c) < MIN_TRACKS else len(c) for c in found]
    if not sum(sizes):
        return [(None, 0) for _ in masks]
    corners = np.vstack([c for c, n in zip(found, sizes) if n and c is not None])
    params = {"winSize": (21, 21), "maxLevel": 3}
    moved, ok, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, **params)
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(current, previous, moved, None, **params)
    good = (ok[:, 0] == 1) & (ok_back[:, 0] == 1) & (np.linalg.norm((back - corners)[:, 0], axis=1) < 0.5)
    out, start = [], 0
    for n in sizes:
        part = slice(start, start + n)
        out.append(_fit(corners[part][good[part]], moved[part][good[part]], previous.shape) if n else (None, 0))
        start += n
    return out


def _fit(corners: np.ndarray, moved: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray | None, int]:
    """A similarity fitted to good tracks with RANSAC (see `_steps`) and its inlier count."""
    if len(corners) < MIN_TRACKS:
        return None, len(corners)
    m, inliers = cv2.estimateAffinePartial2D(corners, moved, method=cv2.RANSAC, ransacReprojThreshold=1.0, maxIters=500)
    count = 0 if inliers is None else int(inliers.sum())
    if m is None or count < MIN_TRACKS:
        return None, count
    h, w = shape
    box = np.array([[0, 0, 1], [w - 1, 0, 1], [0, h - 1, 1], [w - 1, h - 1, 1]], dtype=np.float64)
    moved_px = np.abs(box @ m.T - box[:, :2]).max()
    if moved_px < STILL_PX or moved_px > 0.25 * min(h, w):  # no motion, or an implausible jump (a cut)
        return IDENTITY.copy(), count
    return m, count
