"""Index sets of the 478-point MediaPipe face mesh (468 mesh points + 2×5 iris points).

The contours come from MediaPipe's published connection lists and are turned
into ordered polygons here once. "Right"/"left" are the *person's* sides, so the
person's right eye is on the image's left in a frontal photo.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as _mc

NUM_LANDMARKS = 478

# Eye aspect ratio pairs (upper lid, lower lid) and corners (outer, inner).
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
RIGHT_EYE_LIDS = ((160, 144), (159, 145), (158, 153))
LEFT_EYE_LIDS = ((385, 380), (386, 374), (387, 373))
RIGHT_IRIS_CENTER = 468
LEFT_IRIS_CENTER = 473

# Mouth: outer corners and inner-lip pairs (upper, lower).
MOUTH_CORNERS = (61, 291)
INNER_MOUTH_CORNERS = (78, 308)
INNER_LIP_PAIRS = ((82, 87), (13, 14), (312, 317))

NOSE_TIP = 1
CHIN = 152
FOREHEAD = 10


def mesh_ids(*connections: frozenset[tuple[int, int]]) -> np.ndarray:
    """The sorted landmark indices that MediaPipe connection lists (e.g. FACEMESH_LIPS) touch."""
    return np.array(sorted({i for c in connections for edge in c for i in edge}), dtype=np.int64)


def _ordered_loop(edges: frozenset[tuple[int, int]]) -> np.ndarray:
    """Walk a closed contour given as an unordered set of edges."""
    neighbours: dict[int, list[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    start = min(neighbours)
    loop = [start]
    previous, current = -1, start
    while True:
        nxt = [n for n in neighbours[current] if n != previous]
        if not nxt or nxt[0] == start:
            break
        previous, current = current, nxt[0]
        loop.append(current)
    return np.array(loop, dtype=np.int32)


def _lip_loop(inner: bool) -> np.ndarray:
    """The lips edge set holds two loops (outer and inner); pick one by its corner."""
    corner = INNER_MOUTH_CORNERS[0] if inner else MOUTH_CORNERS[0]
    edges = frozenset(_mc.FACEMESH_LIPS)
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    # Flood from the corner to collect its connected component, then order it.
    component, todo = {corner}, [corner]
    while todo:
        for n in neighbours[todo.pop()]:
            if n not in component:
                component.add(n)
                todo.append(n)
    return _ordered_loop(frozenset(e for e in edges if e[0] in component))


@cache
def face_oval() -> np.ndarray:
    return _ordered_loop(frozenset(_mc.FACEMESH_FACE_OVAL))


@cache
def right_eye() -> np.ndarray:
    return _ordered_loop(frozenset(_mc.FACEMESH_RIGHT_EYE))


@cache
def left_eye() -> np.ndarray:
    return _ordered_loop(frozenset(_mc.FACEMESH_LEFT_EYE))


@cache
def inner_lips() -> np.ndarray:
    return _lip_loop(inner=True)


@cache
def outer_lips() -> np.ndarray:
    return _lip_loop(inner=False)
