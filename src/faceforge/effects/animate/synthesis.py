"""Rendering an animated frame: dense warp of the source photo plus mouth interior.

Control points per face: the 478 landmarks, and three rings around the face
(at 1.3×, 1.8× and 2.5× the face-oval radius) that carry the head's rigid motion
with decreasing weight, so hair and neck follow the head and fade into the
still background; the person mask (selfie segmentation) keeps rings on the
background from dragging it along (unless it missed the face, as on some paintings).
Points on the image border never move, unless the driving camera's motion is followed
(`render(..., camera=M)`): then the border, points beyond it and the rings' still ends
move by the camera transform, and the background moves the way the driving video's does.
With the driving body's motion (`render(..., bodies=[B])`), a grid of points on the person
below the head, the rings' still ends there and the border where the body crosses it (sliding
along the edge) move by it too, fading in from the chin down (`BODY_RAMP`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceforge.effects.eyes import EYELIDS, settle_irises
from faceforge.faces import topology as t
from faceforge.faces.measures import eye_openness, lid_closure, mouth_openness
from faceforge.geometry.alignment import fit_similarity
from faceforge.geometry.warp import PointWarp

RING_RADII = (1.3, 1.8, 2.5)
# The rings' share of the head's motion, and the share a ring point on the background (person
# mask 0) keeps: the backdrop next to a slim head stays put instead of sliding with it. Chosen
# with bench/animate.py's self-reenactment on the even-numbered clips and checked on the odd
# ones, together with BODY_RAMP and NOISE_SHRINK (odd clips, mean L1 --follow-camera 0.0398 →
# 0.0384, better on 26 of 26; default 0.0428 → 0.0420; was (1.0, 0.55, 0.2) and 0.1).
RING_WEIGHTS = (1.0, 0.4, 0.1)
BACKGROUND_RING_WEIGHT = 0.0
BORDER_POINTS = 12  # per side
SOURCE_OPEN_MOUTH = 0.1  # above this mouth openness the source's own interior is warped
NARROW_START = 0.4  # an open-mouthed photo's interior starts receding once the mouth is this much narrower
INTERIOR_SHADOW = 0.55  # the shadow between nearly closed lips: the lip colour this much darker
BODY_SPACING = 0.4  # body control points: a grid this many face heights apart below the head
BODY_RAMP = (-0.2, 0.3)  # from this far below the chin (face heights; − = above) to this, the person joins the body
# Landmark displacement below this share of the face height is noise. The centred smoothing of a
# driving video's landmarks leaves less of it than there was when this came in (0.008): at 0.005
# the still-face flicker is 0.00006 against 0.00005 (the driving video's own: 0.00002).
NOISE_SHRINK = 0.005


def _rigid_weights() -> np.ndarray:
    from faceforge.faces.pose import face_model

    return face_model()[1]


@dataclass
class _FaceRig:
    landmarks: np.ndarray  # 478×2 source positions
    ring: np.ndarray  # R×2 source positions
    ring_weight: np.ndarray  # R
    anchor: np.ndarray  # R: the face-oval landmark each ring point hangs from
    free_ring: np.ndarray  # R×2: the ring before being pulled into the image (used with a moving camera)
    mouth_open: float
    eyes_open: tuple[float, float]
    lid_skin: tuple[np.ndarray, np.ndarray]  # upper-lid skin colour per eye, from the photo
    body: np.ndarray  # B×2: control points on the body (shoulders, chest), moved by the body's motion
    ring_body: np.ndarray  # R: how much each ring point's still end moves with the body (0..1)


def _sample(mask: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The mask's values (float) at these points, clipped into the image."""
    h, w = mask.shape
    xi = np.clip(points[:, 0].round().astype(int), 0, w - 1)
    yi = np.clip(points[:, 1].round().astype(int), 0, h - 1)
    return mask[yi, xi].astype(np.float64)


def _trusted(person: np.ndarray | None, landmarks: np.ndarray) -> np.ndarray | None:
    """The person mask, or None where the segmentation missed this face (a painting, a drawing)."""
    if person is None or _sample(person, landmarks[t.face_oval(), :2]).mean() < 128:
        return None
    return person


def _rings(landmarks: np.ndarray, person: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Ring points (R×2) and their weights; ring i·36+j hangs from face-oval point j.
    person: the trusted person mask (`_trusted`) or None."""
    oval = landmarks[t.face_oval(), :2]
    centre = landmarks[:468, :2].mean(axis=0)
    chin_dir = landmarks[t.CHIN, :2] - centre
    chin_dir /= np.linalg.norm(chin_dir) + 1e-9
    points, weights = [], []
    for radius, weight in zip(RING_RADII, RING_WEIGHTS):
        ring = centre + (oval - centre) * radius
        # Below the chin the neck joins a still body: it follows the head less.
        down = np.clip(((ring - centre) @ chin_dir) / (np.linalg.norm(ring - centre, axis=1) + 1e-9), 0, 1)
        wgt = weight * (1.0 - 0.5 * down)
        if person is not None:
            wgt = wgt * (BACKGROUND_RING_WEIGHT + (1.0 - BACKGROUND_RING_WEIGHT) * _sample(person, ring) / 255.0)
        points.append(ring)
        weights.append(wgt)
    return np.vstack(points), np.concatenate(weights)


def _below_chin(landmarks: np.ndarray, points: np.ndarray) -> np.ndarray:
    """0..1 per point: from the chin's level (0) down onto the body (1), along the face's down axis."""
    centre = landmarks[:468, :2].mean(axis=0)
    chin = landmarks[t.CHIN, :2]
    down = (chin - centre) / (np.linalg.norm(chin - centre) + 1e-9)
    height = float(np.ptp(landmarks[:, 1]))
    depth = ((points - chin) @ down) / height
    return np.clip((depth - BODY_RAMP[0]) / (BODY_RAMP[1] - BODY_RAMP[0]), 0.0, 1.0)


def _body_share(landmarks: np.ndarray, mask: np.ndarray | None, points: np.ndarray) -> np.ndarray:
    """0..1 per point: how much it moves with the body (on the person, below the chin); 0 without a mask."""
    if mask is None:
        return np.zeros(len(points))
    return _below_chin(landmarks, points) * _sample(mask, points) / 255.0


def _body_points(landmarks: np.ndarray, ring: np.ndarray, person: np.ndarray | None) -> np.ndarray:
    """Control points on the person's body below the head: a grid on the segmented person,
    beyond the head's rings (B×2; none without a trusted person mask)."""
    if person is None:
        return np.zeros((0, 2))
    h, w = person.shape
    height = float(np.ptp(landmarks[:, 1]))
    chin = landmarks[t.CHIN, :2]
    step = BODY_SPACING * height
    xs = np.arange(chin[0] - 3 * height, chin[0] + 3 * height + 1, step)
    ys = np.arange(chin[1] + step, h, step)
    # A step clear of the image edge: the border there only slides along it, and a body point
    # close to it would squeeze what lies between (a letterbox bar bent into a wave).
    grid = np.array([(x, y) for y in ys for x in xs if step < x < w - 1 - step and y < h - 1 - step])
    if not len(grid):
        return np.zeros((0, 2))
    on_person = _sample(person, grid) >= 192
    clear = np.linalg.norm(grid[:, None] - ring[None], axis=2).min(axis=1) > 0.5 * step
    keep = on_person & clear & (_below_chin(landmarks, grid) >= 1.0)
    return grid[keep]


def _beyond(shape: tuple[int, ...]) -> np.ndarray:
    """Eight points far outside the image (beyond any ring), so a moving border never uncovers a gap."""
    h, w = shape
    m = 1.5 * max(h, w)
    xs, ys = (-m, (w - 1) / 2, w - 1 + m), (-m, (h - 1) / 2, h - 1 + m)
    return np.array([(x, y) for y in ys for x in xs if not (x == xs[1] and y == ys[1])], dtype=np.float64)


def _apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ m[:, :2].T + m[:, 2]


def _border(shape: tuple[int, ...]) -> np.ndarray:
    h, w = shape
    xs, ys = np.linspace(0, w - 1, BORDER_POINTS), np.linspace(0, h - 1, BORDER_POINTS)
    pts = [(x, 0) for x in xs] + [(x, h - 1) for x in xs] + [(0, y) for y in ys[1:-1]] + [(w - 1, y) for y in ys[1:-1]]
    return np.array(pts, dtype=np.float64)


class FrameRenderer:
    """Renders the source photo with its faces moved to target landmarks."""

    def __init__(self, image: np.ndarray, faces_landmarks: list[np.ndarray], person: np.ndarray | None = None):
        self.image = image
        shape = image.shape[:2]
        self.rigs: list[_FaceRig] = []
        points = []
        masks = [_trusted(person, lm) for lm in faces_landmarks]
        for lm, mask in zip(faces_landmarks, masks):
            ring, wgt = _rings(lm, mask)
            # Keep ring points strictly inside the image (border points are fixed).
            free_ring, ring = ring, np.clip(ring, 1.0, [shape[1] - 2.0, shape[0] - 2.0])
            anchor = np.tile(t.face_oval(), len(RING_RADII))
            body = _body_points(lm[:, :2], ring, mask)
            ring_body = _body_share(lm[:, :2], mask, ring)
            self.rigs.append(
                _FaceRig(
                    lm[:, :2].astype(np.float64),
                    ring,
                    wgt,
                    anchor,
                    free_ring,
                    mouth_openness(lm),
                    eye_openness(lm),
                    lid_skin(image, lm),
                    body,
                    ring_body,
                )
            )
            points += [lm[:, :2], ring, body]
        self.border = _border(shape)
        self._border_owner, self._border_slide = self._border_weights(masks)
        face_size = max(float(np.ptp(lm[:, 1])) for lm in faces_landmarks) if faces_landmarks else 100.0
        # Eyelids stay out of the displacement blur (see PointWarp), or blinks are lost.
        offsets = np.cumsum([0] + [len(p) for p in points])[:-1:3]  # where each face's landmarks start
        self._points = np.vstack(points + [self.border])
        self._warp_options = {
            "smoothing": 0.012 * face_size,
            "sharp": np.concatenate([start + EYELIDS for start in offsets]) if len(offsets) else None,
        }
        self.warp = PointWarp(self._points, shape, **self._warp_options)  # type: ignore[arg-type]
        self._beyond = _beyond(shape)
        # The moving-camera warp and the control points it uses, built when first needed.
        self._camera_warp: tuple[PointWarp, np.ndarray] | None = None
        self._rigid = _rigid_weights()

    def _border_weights(self, masks: list[np.ndarray | None]) -> tuple[np.ndarray, np.ndarray]:
        """Per border point: the face whose body it lies on, and (N×2) how much of that body's
        motion it takes in x and y: only along its edge (top/bottom slide in x, sides in y,
        corners not at all), so the frame stays covered."""
        weights = np.zeros((max(len(masks), 1), len(self.border)))
        for i, (rig, mask) in enumerate(zip(self.rigs, masks)):
            weights[i] = _body_share(rig.landmarks, mask, self.border)
        owner = weights.argmax(axis=0)
        h, w = self.image.shape[:2]
        on_x_edge = np.isin(self.border[:, 0], (0.0, w - 1.0))
        on_y_edge = np.isin(self.border[:, 1], (0.0, h - 1.0))
        along = np.column_stack([on_y_edge & ~on_x_edge, on_x_edge & ~on_y_edge]).astype(np.float64)
        return owner, along * weights[owner, np.arange(len(self.border))][:, None]

    def _border_targets(self, bodies: list[np.ndarray] | None) -> np.ndarray:
        """Border points: still, except where the body crosses the edge; there they slide along
        the edge with it (never off it, so the frame stays covered)."""
        if bodies is None:
            return self.border
        moved = self.border.copy()
        for i, body in enumerate(bodies):
            sel = (self._border_owner == i) & self._border_slide.any(axis=1)
            moved[sel] += (_apply(body, self.border[sel]) - self.border[sel]) * self._border_slide[sel]
        return moved

    @staticmethod
    def _denoise(rig: _FaceRig, target: np.ndarray) -> np.ndarray:
        """Soft-shrink each landmark's displacement by the landmark noise level.

        MediaPipe landmarks jitter by ~0.3% of the face size even on a still face;
        warping by that noise only blurs and shimmers. Shrinking every displacement
        by that amount (soft thresholding) leaves real motion nearly intact.
        """
        tau = NOISE_SHRINK * float(np.ptp(rig.landmarks[:, 1]))
        d = target[:, :2] - rig.landmarks
        length = np.linalg.norm(d, axis=1, keepdims=True)
        out = target.copy()
        out[:, :2] = rig.landmarks + d * (np.maximum(length - tau, 0.0) / np.maximum(length, 1e-9))
        return out

    def targets(
        self, targets: list[np.ndarray], camera: np.ndarray | None = None, bodies: list[np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """All control points' target positions and depths for these face landmark targets
        (rings, body and border lie behind every face). camera: the background's 2×3 pixel
        transform (None = still); then the points beyond the border follow too. bodies: per
        face, its body's 2×3 pixel transform against the camera (None = the body stays)."""
        still = (lambda p: p) if camera is None else (lambda p: _apply(camera, p))
        pts, depth = [], []
        far = max(float(tg[:, 2].max()) for tg in targets) + 1.0
        for i, (rig, target) in enumerate(zip(self.rigs, targets)):
            body = (lambda p: p) if bodies is None else (lambda p, m=bodies[i]: _apply(m, p))
            head = fit_similarity(rig.landmarks, target[:, :2].astype(np.float64), self._rigid)
            # Each ring point keeps its offset from its face-oval point (turned with
            # the head), so the skin between oval and ring never folds over. With a moving
            # camera the rings keep their places beyond the image edge (see _camera_keep).
            ring = rig.ring if camera is None else rig.free_ring
            offset = (ring - rig.landmarks[rig.anchor]) @ (head.scale * head.rotation.T)
            attached = target[rig.anchor, :2] + offset
            # A ring point's still end is where the background or the body below the head puts it.
            base = still(ring + rig.ring_body[:, None] * (body(ring) - ring))
            pts += [target[:, :2], base + rig.ring_weight[:, None] * (attached - base), still(body(rig.body))]
            depth += [target[:, 2], np.full(len(ring), far), np.full(len(rig.body), far)]
        pts.append(still(self._border_targets(bodies)))
        depth.append(np.full(len(self.border), far + 1.0))
        if camera is not None:
            pts.append(still(self._beyond))
            depth.append(np.full(8, far + 1.0))
        return np.vstack(pts), np.concatenate(depth)

    def render(
        self, targets: list[np.ndarray], camera: np.ndarray | None = None, bodies: list[np.ndarray] | None = None
    ) -> np.ndarray:
        """The photo with its faces at these landmark targets; camera: the background's 2×3
        pixel transform (None or identity = a still background); bodies: per face, the 2×3
        pixel transform of its body below the head against the camera (None = still)."""
        targets = [settle_irises(self._denoise(rig, tg), rig.landmarks) for rig, tg in zip(self.rigs, targets)]
        if camera is not None and np.allclose(camera, [[1, 0, 0], [0, 1, 0]]):
            camera = None
        points, depth = self.targets(targets, camera, bodies)
        if camera is None:
            frame = self.warp.warp(self.image, points, depth)
        else:
            warp, keep = self._camera_points_warp()
            frame = warp.warp(self.image, points[keep], depth[keep])
        for rig, target in zip(self.rigs, targets):
            paint_mouth(frame, target, rig.mouth_open)
            paint_eyelids(frame, target, rig.eyes_open, rig.lid_skin)
        return frame

    def _camera_keep(self) -> np.ndarray:
        """Which control points the moving-camera warp uses: every landmark and ring point
        (rings where they are, even beyond the image edge), the points far beyond the border,
        and only the border points outside every face's outer ring. A border point held by the
        camera right beside a ring held by the head would crease the hair between them."""
        near = np.zeros(len(self.border), bool)
        for rig in self.rigs:
            centre = rig.landmarks[:468].mean(axis=0)
            reach = float(np.linalg.norm(rig.free_ring - centre, axis=1).max())
            near |= np.linalg.norm(self.border - centre, axis=1) < 1.15 * reach
        keep = [np.ones(len(rig.landmarks) + len(rig.ring) + len(rig.body), bool) for rig in self.rigs]
        return np.concatenate(keep + [~near, np.ones(8, bool)])

    def _camera_points_warp(self) -> tuple[PointWarp, np.ndarray]:
        """The warp with a moving camera (free rings, beyond points) and which of `targets()`'s
        points it takes; built once."""
        if self._camera_warp is None:
            keep = self._camera_keep()
            faces = [p for rig in self.rigs for p in (rig.landmarks, rig.free_ring, rig.body)]
            points = np.vstack(faces + [self.border, self._beyond])[keep]
            warp = PointWarp(points, self.image.shape[:2], **self._warp_options)  # type: ignore[arg-type]
            self._camera_warp = (warp, keep)
        return self._camera_warp


def _box_around(points: np.ndarray, shape: tuple[int, ...], before: int, after: int) -> tuple[int, int, int, int]:
    """x0, y0, x1, y1: the points' bounding box grown by `before` / `after` pixels, inside the image."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - before
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + after
    h, w = shape[:2]
    return max(int(x0), 0), max(int(y0), 0), min(int(x1), w), min(int(y1), h)


def _polygon_mask(shape: tuple[int, ...], polygon: np.ndarray) -> np.ndarray:
    """uint8 mask (255 inside) of a sub-pixel polygon, antialiased."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)
    return mask


def paint_mouth(frame: np.ndarray, target: np.ndarray, source_open: float) -> None:
    """Where the target mouth opens wider than the source's, paint a mouth interior
    (dark cavity, upper and lower teeth) instead of showing stretched lips. In place."""
    opening = mouth_openness(target)
    # A source that already shows its mouth interior (teeth) stretches it
    # convincingly; painting is for mouths that are closed in the photo.
    if source_open > SOURCE_OPEN_MOUTH:
        narrowed = 1.0 - opening / source_open
        if narrowed > NARROW_START:
            shade_interior(frame, target, strength=min(1.0, (narrowed - NARROW_START) / (1.0 - NARROW_START)))
        return
    extra = opening - max(source_open, 0.02)
    if extra <= 0.015:
        return
    inner = target[t.inner_lips(), :2].astype(np.float32)
    x0, y0, x1, y1 = _box_around(inner, frame.shape, 2, 3)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    mask = _polygon_mask(roi.shape, inner - (x0, y0))

    # Skin brightness around the mouth sets the light level of cavity and teeth.
    ring = cv2.dilate(mask, np.ones((7, 7), np.uint8)) - mask
    around = roi[ring > 0].mean(axis=0) if (ring > 0).any() else np.array([150, 110, 100], np.float32)
    light = float(np.clip(around.mean() / 140.0, 0.5, 1.3))
    cavity_top = np.array([70, 30, 32], np.float32) * light
    cavity_deep = np.array([38, 14, 16], np.float32) * light
    teeth = np.clip(np.array([228, 218, 202], np.float32) * light, 0, 240)

    mouth_w = float(np.linalg.norm(target[t.INNER_MOUTH_CORNERS[0], :2] - target[t.INNER_MOUTH_CORNERS[1], :2]))
    gap = opening * mouth_w
    # Cavity: darker towards the throat (vertical gradient between the lips).
    ys = np.arange(roi.shape[0], dtype=np.float32)[:, None, None]
    upper = _lip_edge(target, upper=True) - (x0, y0)
    lower = _lip_edge(target, upper=False) - (x0, y0)
    mid = (upper[:, 1].mean() + lower[:, 1].mean()) / 2
    depth = np.clip(1 - np.abs(ys - mid) / max(gap / 2, 1), 0, 1)
    interior = cavity_top * (1 - depth) + cavity_deep * depth
    interior = np.broadcast_to(interior, roi.shape).copy()
    # Upper teeth hang from the upper inner lip; lower teeth show only when wide open.
    t_up = min(0.5 * gap, 0.16 * mouth_w)
    t_low = max(0.0, min(0.35 * (gap - 0.25 * mouth_w), 0.1 * mouth_w))
    for edge, tooth_depth, sign, shade in ((upper, t_up, 1, 1.0), (lower, t_low, -1, 0.8)):
        if tooth_depth < 0.7:
            continue
        centre_x = edge[:, 0].mean()
        half = max(np.ptp(edge[:, 0]) / 2, 1)
        taper = np.clip(1.25 - np.abs(edge[::-1, 0] - centre_x) / half, 0, 1)  # narrower at the corners
        band = np.vstack([edge, np.column_stack([edge[::-1, 0], edge[::-1, 1] + sign * tooth_depth * taper])])
        band_mask = np.zeros(roi.shape[:2], np.uint8)
        cv2.fillPoly(band_mask, [np.round(band * 4).astype(np.int32)], 255, cv2.LINE_AA, shift=2)
        tm = cv2.GaussianBlur(band_mask, (3, 3), 0).astype(np.float32)[..., None] / 255.0
        interior = interior * (1 - tm) + teeth * shade * tm
    k = max(3, int(mouth_w * 0.03) | 1)
    interior = cv2.GaussianBlur(interior, (k, k), 0)
    # Cover the whole opening; feather only outwards, onto the lips' inner edge.
    soft = (
        cv2.GaussianBlur(cv2.dilate(mask, np.ones((3, 3), np.uint8)), (3, 3), 0).astype(np.float32)[..., None] / 255.0
    )
    strength = float(np.clip(extra / 0.06, 0, 1))
    a = soft * strength
    frame[y0:y1, x0:x1] = np.clip(roi * (1 - a) + interior * a, 0, 255).astype(np.uint8)


def shade_interior(frame: np.ndarray, target: np.ndarray, strength: float) -> None:
    """An open-mouthed photo driven towards closed lips: the squeezed interior (a line of
    teeth in the warp) recedes into the shadow between the lips, as teeth do behind lips
    that nearly meet. The shadow is the lips' own colour, darkened. In place."""
    inner = target[t.inner_lips(), :2].astype(np.float32)
    outer = target[t.outer_lips(), :2].astype(np.float32)
    x0, y0, x1, y1 = _box_around(outer, frame.shape, 2, 3)
    if x1 - x0 < 6 or y1 - y0 < 3:
        return
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    lips = _polygon_mask(roi.shape, outer - (x0, y0))
    gap = _polygon_mask(roi.shape, inner - (x0, y0))
    ring = np.round((inner - (x0, y0)) * 4).astype(np.int32)
    cv2.polylines(gap, [ring], True, 255, 1, cv2.LINE_AA, shift=2)
    body = (lips > 128) & (gap == 0)
    if body.sum() < 10:
        return
    shade = roi[body]
    luma = shade.mean(axis=1)
    shadow = np.median(shade[luma <= np.median(luma)], axis=0) * INTERIOR_SHADOW
    a = cv2.GaussianBlur(gap, (3, 3), 0).astype(np.float32)[..., None] / 255.0 * strength
    frame[y0:y1, x0:x1] = np.clip(roi * (1 - a) + shadow * a, 0, 255).astype(np.uint8)


def lid_skin(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per eye (person's right, left), the colour (float32 RGB) of the photo's upper-lid skin:
    the median of a strip between the open eye and the brow, over the eye's middle. Taken once
    from the photo, where the lid is where the mesh says (in a warped frame it need not be)."""
    h, w = image.shape[:2]
    out = []
    for loop, corners in ((t.right_eye(), t.RIGHT_EYE_CORNERS), (t.left_eye(), t.LEFT_EYE_CORNERS)):
        eye = landmarks[loop, :2]
        width = float(np.linalg.norm(landmarks[corners[0], :2] - landmarks[corners[1], :2]))
        top = float(eye[:, 1].min())
        ys = slice(int(np.clip(top - 0.42 * width, 0, h - 1)), int(np.clip(top - 0.18 * width, 1, h)))
        xs = slice(
            int(np.clip(eye[:, 0].min() + 0.25 * width, 0, w - 1)), int(np.clip(eye[:, 0].max() - 0.25 * width, 1, w))
        )
        strip = image[ys, xs].reshape(-1, 3).astype(np.float32)
        if not len(strip):  # a degenerate eye at the photo's edge: the cheek under it will do
            cx, cy = np.clip(eye.mean(axis=0).astype(int) + (0, int(0.5 * width)), 0, (w - 1, h - 1))
            strip = image[cy : cy + 1, cx : cx + 1].reshape(-1, 3).astype(np.float32)
        out.append(np.median(strip, axis=0))
    return out[0], out[1]


def paint_eyelids(
    frame: np.ndarray, target: np.ndarray, source_open: tuple[float, float], skin: tuple[np.ndarray, np.ndarray]
) -> None:
    """Where a target eye closes (a blink), cover what is left of the eye between the warped
    lids with eyelid skin (`lid_skin` of the photo) and a lash line where the lids meet. The
    warp brings the lids together; this hides the sliver of iris and white between them. In place."""
    for loop, corners, opened, closed, colour in zip(
        (t.right_eye(), t.left_eye()),
        (t.RIGHT_EYE_CORNERS, t.LEFT_EYE_CORNERS),
        source_open,
        eye_openness(target),
        skin,
    ):
        closure = lid_closure(opened, closed)  # 0 when shut or squinting in the photo already
        if closure <= 0.0:
            continue
        eye = target[loop, :2].astype(np.float32)
        width = float(np.linalg.norm(target[corners[0], :2] - target[corners[1], :2]))
        pad = int(width * 0.6) + 2
        x0, y0, x1, y1 = _box_around(eye, frame.shape, pad, pad)
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        roi = frame[y0:y1, x0:x1].astype(np.float32)
        local = eye - (x0, y0)
        mask = _polygon_mask(roi.shape, local)
        lid = np.empty_like(roi)
        lid[:] = colour
        # Lash line along the lower lid, where the closed lids meet.
        lower = local[local[:, 1] >= np.median(local[:, 1])]
        lower = lower[np.argsort(lower[:, 0])]
        lash = np.zeros(roi.shape[:2], np.uint8)
        cv2.polylines(
            lash, [np.round(lower * 4).astype(np.int32)], False, 255, max(1, int(width * 0.05)), cv2.LINE_AA, shift=2
        )
        lm = cv2.GaussianBlur(lash, (3, 3), 0).astype(np.float32)[..., None] / 255.0
        lid = lid * (1 - 0.8 * lm) + colour * 0.35 * 0.8 * lm
        # Only the gap between the warped lids: opaque inside from half closure on (a half-covered
        # eye looks like a ghost), feathered over a pixel or two at the lids.
        soft = cv2.GaussianBlur(mask, (0, 0), max(0.7, width * 0.02)).astype(np.float32)[..., None] / 255.0
        a = np.clip(soft * 1.5, 0.0, 1.0) * min(1.0, 2.0 * closure)
        frame[y0:y1, x0:x1] = np.clip(roi * (1 - a) + lid * a, 0, 255).astype(np.uint8)


def _lip_edge(target: np.ndarray, upper: bool) -> np.ndarray:
    """Inner lip contour from corner to corner, upper or lower half."""
    loop = t.inner_lips()
    pts = target[loop, :2].astype(np.float32)
    left = int(np.argmin(pts[:, 0]))
    right = int(np.argmax(pts[:, 0]))
    n = len(loop)
    path_a = [(left + i) % n for i in range((right - left) % n + 1)]
    path_b = [(left - i) % n for i in range((left - right) % n + 1)]
    mean_a, mean_b = pts[path_a, 1].mean(), pts[path_b, 1].mean()
    upper_path = path_a if mean_a < mean_b else path_b
    lower_path = path_b if upper_path is path_a else path_a
    return pts[upper_path if upper else lower_path]
