"""Contact sheets: a grid of frames for eyeballing benchmark results.

Each row is one sequence (e.g. source, output, reference) laid out left to
right; every frame is letterboxed into a cell×cell square, and an optional
label per row is written on a left margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

_BACKGROUND = (24, 24, 24)
_TEXT = (235, 235, 235)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _check_frame(frame: np.ndarray, name: str) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        desc = f"{frame.dtype} {frame.shape}" if isinstance(frame, np.ndarray) else type(frame).__name__
        raise ValueError(f"{name} must be an H×W×3 uint8 RGB array, got {desc}")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(f"{name} is empty, shape {frame.shape}")


def letterbox(frame: np.ndarray, cell: int) -> np.ndarray:
    """`frame` (H×W×3 uint8) scaled to fit cell×cell, aspect kept, centred on the background."""
    h, w = frame.shape[:2]
    scale = cell / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(frame), size, interpolation=interp)
    out = np.empty((cell, cell, 3), np.uint8)
    out[:] = _BACKGROUND
    y0 = (cell - size[1]) // 2
    x0 = (cell - size[0]) // 2
    out[y0 : y0 + size[1], x0 : x0 + size[0]] = resized
    return out


def _label_layout(labels: Sequence[str], cell: int) -> tuple[float, int, int]:
    """(font scale, thickness, margin width) so the longest label fits beside a cell."""
    scale = max(0.4, cell / 400)
    thickness = max(1, round(cell / 200))
    widest = max((cv2.getTextSize(t, _FONT, scale, thickness)[0][0] for t in labels), default=0)
    return scale, thickness, widest + 2 * max(6, cell // 24)


def contact_sheet(
    rows: Sequence[Sequence[np.ndarray]],
    *,
    labels: Sequence[str] | None = None,
    cell: int = 256,
    gap: int = 2,
) -> np.ndarray:
    """Grid image of frames: H×W×3 uint8 RGB.

    rows: R rows, each a sequence of frames (H×W×3 uint8 RGB, any sizes); rows
        may differ in length, short rows end in empty cells.
    labels: R row labels (ASCII; OpenCV's Hershey font) drawn on a left margin, or None.
    cell: side of the square each frame is letterboxed into, in px (≥ 16).
    gap: background pixels between cells.
    Output size: R·cell + (R+1)·gap tall, margin + C·cell + (C+1)·gap wide,
    C the longest row.
    """
    if cell < 16:
        raise ValueError(f"cell must be at least 16 px, got {cell}")
    if gap < 0:
        raise ValueError(f"gap must be >= 0, got {gap}")
    rows = [list(r) for r in rows]
    if not rows or not any(rows):
        raise ValueError("rows must hold at least one frame")
    for r, row in enumerate(rows):
        for c, frame in enumerate(row):
            _check_frame(frame, f"rows[{r}][{c}]")
    if labels is not None:
        labels = [str(t) for t in labels]
        if len(labels) != len(rows):
            raise ValueError(f"labels must have one entry per row: {len(labels)} labels, {len(rows)} rows")

    cols = max(len(r) for r in rows)
    font_scale, thickness, margin = _label_layout(labels, cell) if labels else (0.0, 0, 0)
    height = len(rows) * cell + (len(rows) + 1) * gap
    width = margin + cols * cell + (cols + 1) * gap
    sheet = np.empty((height, width, 3), np.uint8)
    sheet[:] = _BACKGROUND
    for r, row in enumerate(rows):
        y = gap + r * (cell + gap)
        for c, frame in enumerate(row):
            x = margin + gap + c * (cell + gap)
            sheet[y : y + cell, x : x + cell] = letterbox(frame, cell)
        if labels:
            (_, text_h), _ = cv2.getTextSize(labels[r], _FONT, font_scale, thickness)
            origin = (max(6, cell // 24), y + (cell + text_h) // 2)
            cv2.putText(sheet, labels[r], origin, _FONT, font_scale, _TEXT, thickness, cv2.LINE_AA)
    return sheet


def save_contact_sheet(
    path: str | Path,
    rows: Sequence[Sequence[np.ndarray]],
    *,
    labels: Sequence[str] | None = None,
    cell: int = 256,
    gap: int = 2,
) -> Path:
    """Write `contact_sheet(rows, ...)` as a PNG at `path` (must end in .png); returns the path.

    Written atomically by `faceforge.media.output.write_image` (a missing parent
    folder is created); OutputError when it cannot be written.
    """
    from faceforge.media.output import write_image

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png (contact sheets are lossless), got {path.name!r}")
    return write_image(path, contact_sheet(rows, labels=labels, cell=cell, gap=gap))


__all__ = ["contact_sheet", "save_contact_sheet", "letterbox"]
