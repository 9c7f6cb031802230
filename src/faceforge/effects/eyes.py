"""Eyes in a warped face, shared by animate and swap.

A dense warp moves a photo's pixels to new landmarks. When the new landmarks close an eye, the
photo's iris points (MediaPipe still reports an iris behind a closed lid) would pin the open
eye in place: the lids' triangles fold over the iris's and the open eye shows through. So as
the lids close, the iris points go where the closing eye contour carries them.
"""

from __future__ import annotations

import numpy as np

from faceforge.faces import topology as t
from faceforge.faces.measures import eye_openness

#: The mesh points of both eyes' lid contours and irises: a warp keeps them sharp (PointWarp's
#: `sharp`), since its displacement blur would average a blink away.
EYELIDS = np.concatenate([t.right_eye(), t.left_eye(), np.arange(468, 478)])

#: Eye openness (lid gap / eye width) below which the iris points stop steering the warp.
EYE_CLOSED, EYE_OPEN = 0.12, 0.28
_IRISES = ((np.arange(468, 473), t.right_eye, 0), (np.arange(473, 478), t.left_eye, 1))


def settle_irises(target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Target landmarks with the iris points moved, as the eye closes, to where the eye's
    contour carries the source's irises (an affine fit of the source's eye contour onto the
    target's). MediaPipe still reports an iris behind a closed lid; warping the source's iris
    there would paint an open eye over the closed one."""
    out = target.copy()
    openness = eye_openness(target)
    for iris, contour, side in _IRISES:
        w = float(np.clip((openness[side] - EYE_CLOSED) / (EYE_OPEN - EYE_CLOSED), 0.0, 1.0))
        if w >= 1.0:
            continue
        loop = contour()
        a, *_ = np.linalg.lstsq(np.c_[source[loop, :2], np.ones(len(loop))], target[loop, :2], rcond=None)
        carried = np.c_[source[iris, :2], np.ones(len(iris))] @ a
        out[iris, :2] = w * target[iris, :2] + (1.0 - w) * carried
    return out
