"""Face detection: where are the faces? (boxes and scores, no landmarks yet).

MediaPipe's full-range BlazeFace sees the whole image at 192×192, so a face
that is small in a large photo (a group shot, a wide scene) shrinks to a few
pixels. We therefore also run it on overlapping tiles when the image is large,
and merge everything with non-maximum suppression. Faces cut by the frame edge
(the big face in a selfie) are hard for BlazeFace; the whole-image passes run on
a mirror-padded copy, where the reflection completes a cut face, and keep only
detections that are mostly inside the real image. Both the full-range and the
short-range model run on that copy (the short-range one is better at close-ups).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np

from faceforge.faces import _mediapipe

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Detection:
    box: Box  # x0, y0, x1, y1 in pixels
    score: float


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _overlap_of_smaller(a: Box, b: Box) -> float:
    """Intersection over the smaller box: a tile's cut-off half face inside a full box."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0


def non_max_suppression(dets: list[Detection], threshold: float = 0.4) -> list[Detection]:
    kept: list[Detection] = []
    for det in sorted(dets, key=lambda d: d.score, reverse=True):
        if all(iou(det.box, k.box) < threshold and _overlap_of_smaller(det.box, k.box) < 0.7 for k in kept):
            kept.append(det)
    return kept


def _tiles(width: int, height: int, tile: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (x0, y0, x1, y1) covering the image, 1/3 overlap."""
    stride = max(1, tile * 2 // 3)

    def starts(n: int) -> list[int]:
        if n <= tile:
            return [0]
        s = list(range(0, n - tile, stride))
        return s + [n - tile]

    return [(x, y, min(x + tile, width), min(y + tile, height)) for y in starts(height) for x in starts(width)]


class FaceDetector:
    """Finds faces in an H×W×3 uint8 RGB image. Holds two MediaPipe graphs (lazy)."""

    #: Images whose longer side exceeds this are also searched tile by tile; a
    #: 384² tile shrinks by 2× to the model's 192², so faces down to ~25 px are
    #: found. Tiles grow to a third of the image side on large images (cost).
    TILE_ABOVE = 400
    TILE_SIZE = 384
    #: Mirror padding for the whole-image passes, as a share of the longer side.
    PAD = 0.2
    #: A detection must have this share of its box inside the real image.
    MIN_INSIDE = 0.4
    #: Score a detection needs when its box reaches past the frame edge. 0.75: at 0.7 the
    #: mirror of lettering at a photo's top edge passed on the scaled copy (0.715); on the
    #: 200 marked portraits 0.75 finds every face 0.7 did.
    MIN_SCORE_CUT = 0.75
    #: Faces at least this share of the image's longer side tall are found without tiles
    #: (at BlazeFace's 192² input such a face is ≥ 19 px).
    SMALL_FACE = 0.1
    #: Larger images are searched on a copy scaled down to this longer side (area filter).
    #: Above it the tiles are a third of the image side, so every tile reaches the model
    #: shrunk by the same factor either way: the same faces are found, but each model run
    #: gets a 384² tile instead of, on a 12 MP photo, a 1344² one (12× fewer pixels to copy
    #: and resample: a 14 MP photo's search went from 0.53 s to 0.35 s on one core; the rest
    #: is the models themselves, ~5.6 ms a full-range run whatever the input size).
    WORK_SIDE = 3 * TILE_SIZE
    # Tried on the 200 marked portraits (214 faces; bench/data/portrait_faces.csv) and not kept
    # (2026-11-27): the short-range model on tiles 1.5× or 2× larger than the full-range ones
    # (−26 % / −35 % model runs) misses 2 or 3 faces (selfie-many-people, img59); tiling only
    # the image and a border of a third of a tile instead of the whole mirror padding (−15 %
    # runs) finds every face but adds 13 false ones (39 against 26).

    def __init__(self, min_score: float = 0.5) -> None:
        self.min_score = min_score
        # (full range, short range) per worker: a graph serves one thread at a time. The
        # tiles of a search are shared by two workers (MediaPipe releases the GIL while it
        # runs: ~1.9× on two cores); the first pair also does the whole-image passes.
        self._graphs: list[tuple[Any, Any]] = []

    def _pair(self, worker: int) -> tuple[Any, Any]:
        while len(self._graphs) <= worker:
            self._graphs.append(
                (
                    _mediapipe.face_detection(full_range=True, min_score=self.min_score),
                    _mediapipe.face_detection(full_range=False, min_score=self.min_score),
                )
            )
        return self._graphs[worker]

    def _run_all(self, jobs: list[tuple[bool, np.ndarray, tuple[int, int]]]) -> list[Detection]:
        """Run (full range?, image, offset) jobs, split over two workers; results in job order."""
        results: list[list[Detection]] = [[] for _ in jobs]
        # Balance by cost: a full-range run (192² input) takes ~3× a short-range one (128²).
        owner, load = [], [0, 0]
        for use_full, _, _ in jobs:
            worker = int(load[1] < load[0])
            owner.append(worker)
            load[worker] += 3 if use_full else 1

        def work(worker: int) -> None:
            full, short = self._pair(worker)
            for i, (use_full, crop, offset) in enumerate(jobs):
                if owner[i] == worker:
                    results[i] = self._run(full if use_full else short, crop, offset)

        self._pair(1)  # created here, not in the helper thread
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="faceforge-detect") as pool:
            other = pool.submit(work, 1)
            work(0)
            other.result()
        return [d for found in results for d in found]

    def _run(self, graph: Any, image: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[Detection]:
        h, w = image.shape[:2]
        result = graph.process(np.ascontiguousarray(image))
        found = []
        for d in result.detections or []:
            rb = d.location_data.relative_bounding_box
            x0 = rb.xmin * w + offset[0]
            y0 = rb.ymin * h + offset[1]
            found.append(Detection((x0, y0, x0 + rb.width * w, y0 + rb.height * h), float(d.score[0])))
        return found

    def detect(
        self, image: np.ndarray, *, thorough: bool = True, tiles: bool | Literal["fallback"] = True
    ) -> list[Detection]:
        """All faces, largest first. A face cut by the frame edge keeps its whole
        box, which then reaches outside the image.

        thorough=True (stills) also tiles the mirror-padded border with both
        models, which finds faces cut by the frame edge; False (periodic checks
        while tracking) tiles only the image itself with the full-range model.
        tiles=False: the whole-image passes only (2 model runs instead of ~17 on a
        720p frame), for faces taller than SMALL_FACE of the image's longer side.
        tiles="fallback": the tiles only when the whole-image passes find no face.
        """
        h, w = image.shape[:2]
        if max(h, w) <= self.WORK_SIDE:
            return self._search(image, thorough, tiles)
        scale = self.WORK_SIDE / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        sx, sy = w / size[0], h / size[1]
        return [
            Detection((d.box[0] * sx, d.box[1] * sy, d.box[2] * sx, d.box[3] * sy), d.score)
            for d in self._search(small, thorough, tiles)
        ]

    def _search(self, image: np.ndarray, thorough: bool, tiles: bool | Literal["fallback"]) -> list[Detection]:
        h, w = image.shape[:2]
        full, short = self._pair(0)
        pad = int(self.PAD * max(h, w))
        padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REFLECT_101)
        found = self._run(full, padded, (-pad, -pad)) + self._run(short, padded, (-pad, -pad))
        if tiles == "fallback":
            tiles = not self._inside(found, w, h)
        if tiles and max(h, w) > self.TILE_ABOVE:
            tile = max(self.TILE_SIZE, max(h, w) // 3)
            if thorough:
                ph, pw = padded.shape[:2]
                jobs = [
                    (use_full, padded[y0:y1, x0:x1], (x0 - pad, y0 - pad))
                    for x0, y0, x1, y1 in _tiles(pw, ph, tile)
                    for use_full in (True, False)
                ]
            else:
                jobs = [(True, image[y0:y1, x0:x1], (x0, y0)) for x0, y0, x1, y1 in _tiles(w, h, tile)]
            found += self._run_all(jobs)
        kept = non_max_suppression(self._inside(found, w, h))
        return sorted(kept, key=lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]), reverse=True)

    def _inside(self, found: list[Detection], w: int, h: int) -> list[Detection]:
        """The detections of the real w×h image, not of its mirror padding."""
        inside = []
        for d in found:
            b = d.box
            area = (b[2] - b[0]) * (b[3] - b[1])
            iw = max(0.0, min(float(w), b[2]) - max(0.0, b[0]))
            ih = max(0.0, min(float(h), b[3]) - max(0.0, b[1]))
            # Mirror copies in the padding fall mostly outside; a cut face is mostly inside.
            if area <= 0 or iw * ih / area < self.MIN_INSIDE or iw <= 2 or ih <= 2:
                continue
            # The mirror can also make a face out of a symmetric pattern at the
            # edge (a collar, a shirt): a box reaching outside needs more confidence.
            if iw * ih < 0.95 * area and d.score < self.MIN_SCORE_CUT:
                continue
            inside.append(d)
        return inside

    def close(self) -> None:
        for pair in self._graphs:
            for graph in pair:
                graph.close()
        self._graphs = []
