"""Annotated previews: boxes, mesh points, ids and pose axes drawn on a copy of the frame."""

from __future__ import annotations

import cv2
import numpy as np

from faceforge.faces import topology as t
from faceforge.faces.face import Face

_COLOURS = [(0, 200, 255), (255, 120, 0), (60, 220, 60), (255, 60, 160), (160, 90, 255), (255, 220, 0)]


def colour_for(index: int) -> tuple[int, int, int]:
    return _COLOURS[index % len(_COLOURS)]


def annotate(image: np.ndarray, faces: list[Face], labels: list[str] | None = None) -> np.ndarray:
    """A copy of `image` (H×W×3 uint8 RGB) with each face's box, contours, irises,
    pose axes and label ("#0", or the given labels) drawn on it."""
    out = image.copy()
    scale = max(1, round(max(image.shape[:2]) / 600))
    for i, face in enumerate(faces):
        key = face.track_id if face.track_id is not None else i
        colour = colour_for(key)
        x0, y0, x1, y1 = (int(round(v)) for v in face.box)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, scale, cv2.LINE_AA)
        for loop in (t.face_oval(), t.right_eye(), t.left_eye(), t.outer_lips(), t.inner_lips()):
            pts = np.round(face.landmarks[loop, :2]).astype(np.int32)
            cv2.polylines(out, [pts], True, colour, max(1, scale // 2), cv2.LINE_AA)
        for iris in (t.RIGHT_IRIS_CENTER, t.LEFT_IRIS_CENTER):
            cx, cy = face.landmarks[iris, :2]
            cv2.circle(out, (int(cx), int(cy)), max(1, scale), (255, 255, 255), -1, cv2.LINE_AA)
        _draw_axes(out, face, scale)
        text = labels[i] if labels else f"#{key}"
        size = 0.5 * scale
        cv2.putText(out, text, (x0, max(12, y0 - 4)), cv2.FONT_HERSHEY_SIMPLEX, size, (0, 0, 0), scale + 2, cv2.LINE_AA)
        cv2.putText(out, text, (x0, max(12, y0 - 4)), cv2.FONT_HERSHEY_SIMPLEX, size, colour, scale, cv2.LINE_AA)
    return out


def _draw_axes(out: np.ndarray, face: Face, scale: int) -> None:
    """Nose direction from yaw/pitch: a line from the nose tip."""
    yaw, pitch = np.radians(face.pose.yaw), np.radians(face.pose.pitch)
    length = 0.5 * face.width
    nx, ny = face.landmarks[t.NOSE_TIP, :2]
    tip = (int(nx + length * np.sin(yaw) * np.cos(pitch)), int(ny - length * np.sin(pitch)))
    cv2.line(out, (int(nx), int(ny)), tip, (255, 40, 40), max(1, scale), cv2.LINE_AA)
