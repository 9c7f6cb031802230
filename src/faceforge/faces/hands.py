"""Hands in a frame, and the region they cover (MediaPipe Hands, bundled in the wheel).

A hand in front of a face is skin-coloured, so the colour test of the swap's occluders cannot
see it; the hand model can. Each hand comes as MediaPipe's 21 landmarks (wrist, four joints
per finger) in pixels; `hand_region` turns them into the area the hand covers: the
palm with the start of the forearm below the wrist, and each finger as a band along its joints.

The "full" model (complexity 1): the lite one found hands in faces (MEAD M030 fear frame 80,
VoxCeleb2 00015 frame 0, score 0.84) where the full one finds none. Its palm detector costs
~11 ms per 512² frame on 2 cores, so a video looks for new hands every HAND_EVERY frames and
follows a hand it has found on every frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceforge.faces._mediapipe import hands as _mp_hands

#: While no hand is in view, a video looks for one every this many frames (a hand entering
#: the face is missed for at most HAND_EVERY - 1 frames, 80 ms at 25 fps).
HAND_EVERY = 3

#: Half a finger's width, as a share of the palm's width (index to little finger knuckle,
#: about three fingers' widths between their middles), with a margin for the landmarks' error.
FINGER_HALF_WIDTH = 0.22

#: How far the forearm is drawn below the wrist, in palm lengths (wrist to middle knuckle).
FOREARM = 0.8

_WRIST, _INDEX_MCP, _MIDDLE_MCP, _PINKY_MCP = 0, 5, 9, 17


class HandFinder:
    """Finds hands in frames: `find(image)` → a list of 21×2 float32 pixel landmarks.
    video=True: frames in order, hands followed from frame to frame (see HAND_EVERY)."""

    def __init__(self, *, video: bool, min_score: float = 0.5) -> None:
        self._graph = _mp_hands(video=video, min_score=min_score)
        self._video = video
        self._skipped = 0
        #: The hands found in the last frame looked at.
        self.last: list[np.ndarray] = []

    def find(self, image: np.ndarray) -> list[np.ndarray]:
        """Hands in an H×W×3 uint8 RGB image."""
        if self._video and not self.last:
            self._skipped = (self._skipped + 1) % HAND_EVERY
            if self._skipped != 1:
                return []
        h, w = image.shape[:2]
        result = self._graph.process(np.ascontiguousarray(image))
        found = [
            np.array([(p.x * w, p.y * h) for p in hand.landmark], dtype=np.float32)
            for hand in (result.multi_hand_landmarks or [])
        ]
        self.last = found
        return found

    def close(self) -> None:
        self._graph.close()

    def __enter__(self) -> HandFinder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: MediaPipe's hand landmarks: the palm's outline points and each finger's joint chain.
_PALM = (0, 5, 9, 13, 17)
_FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))


def palm_outline(landmarks: np.ndarray) -> np.ndarray:
    """The palm with the start of the forearm below the wrist: a convex polygon, N×2 float32."""
    p = np.asarray(landmarks, dtype=np.float32)[:, :2]
    wrist = p[_WRIST]
    down = wrist - p[_MIDDLE_MCP]
    length = float(np.linalg.norm(down)) + 1e-6
    down /= length
    across = np.array([-down[1], down[0]], dtype=np.float32)
    half = 0.5 * float(np.linalg.norm(p[_INDEX_MCP] - p[_PINKY_MCP]))
    arm = wrist + FOREARM * length * down
    points = np.vstack([p[list(_PALM)], [arm + half * across, arm - half * across]])
    return cv2.convexHull(points).reshape(-1, 2)


def hand_region(
    hands: list[np.ndarray], shape: tuple[int, int], origin: tuple[float, float] = (0.0, 0.0), scale: float = 1.0
) -> np.ndarray:
    """H×W uint8 mask (255 = hand) of `hands` (as `HandFinder.find` gives them) over an image
    of `shape` whose pixel (0, 0) is at `origin` in the frame, drawn at `scale`: the palm and
    each finger as a band along its joints, so what shows between spread fingers stays visible."""
    mask = np.zeros(shape, np.uint8)
    for hand in hands:
        p = (np.asarray(hand, dtype=np.float32)[:, :2] - np.asarray(origin, dtype=np.float32)) * scale
        palm = float(np.linalg.norm(p[_INDEX_MCP] - p[_PINKY_MCP]))
        width = max(1, int(round(2 * FINGER_HALF_WIDTH * palm)))
        cv2.fillPoly(mask, [np.round(palm_outline(p)).astype(np.int32)], 255)
        for finger in _FINGERS:
            chain = np.round(p[list(finger)]).astype(np.int32)
            cv2.polylines(mask, [chain], False, 255, thickness=width, lineType=cv2.LINE_8)
            for joint in chain:  # round finger tips and knuckles
                cv2.circle(mask, (int(joint[0]), int(joint[1])), width // 2, 255, -1)
    return mask


__all__ = ["HAND_EVERY", "HandFinder", "hand_region", "palm_outline"]
