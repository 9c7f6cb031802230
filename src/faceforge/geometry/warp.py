"""Dense, smooth warps driven by control points (landmarks plus rings and borders).

`PointWarp` triangulates the control points once in *source* space (Delaunay).
For each target configuration it rasterises the target triangles into a
triangle-id map at a working resolution, and each pixel gets the affine map of
its triangle back to the source (a piecewise-affine backward map). The map is
computed only over the region where points move (plus a margin), at a
resolution where that region is ≈ `map_size` pixels, then upsampled; the final
`cv2.remap` samples the full-resolution source. Points on the image border are
fixed by the caller, so the warp never tears at the border.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay


class PointWarp:
    """Warps an image so that `source_points` move to given target positions."""

    def __init__(
        self,
        source_points: np.ndarray,
        image_shape: tuple[int, ...],
        map_size: int = 320,
        smoothing: float = 0.0,
        sharp: np.ndarray | None = None,
    ) -> None:
        """smoothing: Gaussian sigma in source pixels applied to the displacement field.
        sharp: indices of control points whose triangles are left unsmoothed (eyelids: a
        blink moves the upper lid a few pixels against a still lower lid, which the blur
        would average away)."""
        self.source = np.asarray(source_points, dtype=np.float64)
        self.height, self.width = image_shape
        self.map_size = map_size
        self.smoothing = smoothing
        self.triangles = Delaunay(self.source).simplices.astype(np.int32)
        in_sharp = np.zeros(len(self.source), bool)
        if sharp is not None:
            in_sharp[np.asarray(sharp, dtype=np.int64)] = True
        self.sharp_triangles = np.flatnonzero(in_sharp[self.triangles].any(axis=1))

    def backward_map(
        self, target: np.ndarray, depth: np.ndarray | None = None
    ) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
        """(roi x0,y0,x1,y1; map_x; map_y) in full-res pixels for the moving region, or None
        when nothing moves. Pixels of the roi sample the source at (map_x, map_y).

        depth: optional per-point depth of the target (smaller = nearer). Where the
        target folds over itself (a turned head), the nearer triangle wins.
        """
        target = np.asarray(target, dtype=np.float64)
        moved = np.abs(target - self.source).max(axis=1) > 0.05
        if not moved.any():
            return None
        # Every triangle touching a moved point changes; the roi covers them (in both spaces).
        touched = moved[self.triangles].any(axis=1)
        corners = np.vstack(
            [target[self.triangles[touched]].reshape(-1, 2), self.source[self.triangles[touched]].reshape(-1, 2)]
        )
        x0, y0 = np.floor(corners.min(axis=0)).astype(int)
        x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, self.width), min(y1, self.height)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
        step = max(1.0, max(x1 - x0, y1 - y0) / self.map_size)
        mw, mh = int(np.ceil((x1 - x0) / step)) + 1, int(np.ceil((y1 - y0) / step)) + 1

        coef, ok = _triangle_affines(target[self.triangles], self.source[self.triangles])

        # Rasterise target triangles (in map coordinates) into an id map; later wins.
        ids = np.full((mh, mw), len(self.triangles), dtype=np.int32)  # last row of coef = identity
        scaled = np.round((target[self.triangles] - (x0, y0)) / step * 16).astype(np.int32)
        order = np.flatnonzero(touched & ok)
        if depth is not None:
            order = order[np.argsort(-np.asarray(depth)[self.triangles[order]].mean(axis=1), kind="stable")]
        for k in order:
            cv2.fillConvexPoly(ids, scaled[k], int(k), lineType=cv2.LINE_8, shift=4)

        px = (np.arange(mw, dtype=np.float32) * step + x0)[None, :]
        py = (np.arange(mh, dtype=np.float32) * step + y0)[:, None]
        c = coef[ids]  # mh×mw×6: source = (a·x + b·y + c, d·x + e·y + f)
        map_x = c[..., 0] * px + c[..., 1] * py + c[..., 2]
        map_y = c[..., 3] * px + c[..., 4] * py + c[..., 5]
        if self.smoothing > 0:
            # Piecewise-affine maps kink along triangle edges; where neighbouring
            # landmarks move differently that shows as zig-zags. A light blur of
            # the displacement (not of the image) removes the kinks.
            sigma = self.smoothing / step
            smooth_x = px + cv2.GaussianBlur(map_x - px, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
            smooth_y = py + cv2.GaussianBlur(map_y - py, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
            keep = self._sharp_mask(scaled, (mh, mw), sigma)
            if keep is None:
                map_x, map_y = smooth_x, smooth_y
            else:
                map_x = keep * map_x + (1.0 - keep) * smooth_x
                map_y = keep * map_y + (1.0 - keep) * smooth_y
        full_w, full_h = x1 - x0, y1 - y0
        if step > 1.0:
            # Upsample the (smooth) map to full resolution over the roi.
            grid_x = (np.arange(full_w) / step).astype(np.float32)
            grid_y = (np.arange(full_h) / step).astype(np.float32)
            gxf, gyf = np.meshgrid(grid_x, grid_y)
            map_x = cv2.remap(map_x, gxf, gyf, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            map_y = cv2.remap(map_y, gxf, gyf, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return (x0, y0, x1, y1), map_x[:full_h, :full_w], map_y[:full_h, :full_w]

    def _sharp_mask(self, scaled: np.ndarray, shape: tuple[int, int], sigma: float) -> np.ndarray | None:
        """Float32 map-sized weight of the unsmoothed map: 1 over the sharp triangles (at their
        target positions), feathered over `sigma` so no seam shows; None without any."""
        if not len(self.sharp_triangles):
            return None
        mask = np.zeros(shape, np.uint8)
        for k in self.sharp_triangles:
            cv2.fillConvexPoly(mask, scaled[k], 255, lineType=cv2.LINE_8, shift=4)
        if not mask.any():
            return None
        return cv2.GaussianBlur(mask.astype(np.float32) / 255.0, (0, 0), max(sigma / 2, 0.5))

    def warp(self, image: np.ndarray, target: np.ndarray, depth: np.ndarray | None = None) -> np.ndarray:
        """The source image warped so that its control points land on `target`."""
        result = self.backward_map(target, depth)
        out = image.copy()
        if result is None:
            return out
        (x0, y0, x1, y1), map_x, map_y = result
        out[y0:y1, x0:x1] = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
        return out


def _triangle_affines(tri_t: np.ndarray, tri_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-triangle affine coefficients (a, b, c, d, e, f) mapping target → source,
    plus one extra identity row at the end (for pixels outside every triangle)."""
    t0, s0 = tri_t[:, 0], tri_s[:, 0]
    et = np.stack([tri_t[:, 1] - t0, tri_t[:, 2] - t0], axis=2)  # K×2×2, columns = edges
    es = np.stack([tri_s[:, 1] - s0, tri_s[:, 2] - s0], axis=2)
    det = et[:, 0, 0] * et[:, 1, 1] - et[:, 0, 1] * et[:, 1, 0]
    ok = np.abs(det) > 1e-9
    safe = np.where(ok, det, 1.0)
    inv = np.empty_like(et)
    inv[:, 0, 0], inv[:, 1, 1] = et[:, 1, 1] / safe, et[:, 0, 0] / safe
    inv[:, 0, 1], inv[:, 1, 0] = -et[:, 0, 1] / safe, -et[:, 1, 0] / safe
    lin = es @ inv  # K×2×2: source offset = lin · (target − t0)
    off = s0 - np.einsum("kij,kj->ki", lin, t0)
    coef = np.zeros((len(tri_t) + 1, 6), dtype=np.float32)
    coef[:-1] = np.column_stack([lin[:, 0, 0], lin[:, 0, 1], off[:, 0], lin[:, 1, 0], lin[:, 1, 1], off[:, 1]])
    coef[-1] = (1, 0, 0, 0, 1, 0)
    return coef, ok
