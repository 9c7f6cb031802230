"""Putting the source face onto one target face: dense warp, colour match, blend.

For each target face the source photo is warped with the shared dense landmark warp
(`faceforge.geometry.warp.PointWarp`) so that the source landmarks land on the target's
landmarks, rendered straight into the target frame's geometry. The control points of the
source are first brought next to the target by a similarity fit (Umeyama), so the warp's
region of interest is only the face; the backward map is then taken back to the source
photo's pixels by the inverse similarity and sampled once with `cv2.remap`.

`shape` > 0 replaces part of the target's face shape by the source's: the canonical
(pose-free) shapes are blended and posed like the target (see `shaped_landmarks`), so
the result resembles the source person and not only their skin.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from faceforge.effects.eyes import EYELIDS, settle_irises
from faceforge.effects.swap import blend, color
from faceforge.effects.swap.select import SourceFace
from faceforge.faces import topology as t
from faceforge.faces.measures import eye_openness, lid_closure, mouth_openness
from faceforge.faces.pose import mirror_index
from faceforge.geometry.alignment import fit_similarity
from faceforge.geometry.warp import PointWarp


@dataclass(frozen=True)
class RenderOptions:
    """shape: 0..1 share of the source's face shape. keep_mouth: keep the target's open
    mouth interior. occlusion: keep the target's occluders (non-skin ones, and hands). fade: |yaw| degrees
    where the swap starts fading and where it is gone. shading: relight with the target's
    low-frequency lightness. multiband: Laplacian-pyramid blend (else a feathered alpha
    blend, the naive baseline). mirror: fill the far side of a turned source from its mirror
    image (else leave it to the target)."""

    shape: float = 0.4
    keep_mouth: bool = True
    occlusion: bool = True
    fade: tuple[float, float] = (35.0, 60.0)
    shading: bool = True
    color_match: bool = True
    multiband: bool = True
    mirror: bool = True


@cache
def _shape_weights() -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Per-landmark share of the source shape (1 for the outline, nose and brows, 0 for the
    lips, eyelids and irises) and those expression regions (lips, right eye, left eye), which
    move only rigidly, by their region's mean shift."""
    w = np.ones(478)
    for loop in (t.inner_lips(), t.outer_lips(), t.right_eye(), t.left_eye()):
        w[loop] = 0.0
    w[468:] = 0.0
    lips = np.union1d(t.inner_lips(), t.outer_lips())
    right = np.concatenate([t.right_eye(), np.arange(468, 473)])
    left = np.concatenate([t.left_eye(), np.arange(473, 478)])
    return w, (lips, right, left)


def shaped_landmarks(target: np.ndarray, source_canonical: np.ndarray, amount: float) -> np.ndarray:
    """Target landmarks (478×3) with `amount` of the source's face shape, posed like the target.

    The outline, nose and brows take the source's canonical positions; lips and eyes take
    only the mean shift of their region, so the target's expression (mouth and eye opening)
    is kept.
    """
    if amount <= 0:
        return target
    from faceforge.effects.animate.motion import face_state

    state = face_state(target)
    # Compare the two shapes at the same scale and position (canonical frames differ slightly).
    fit = fit_similarity(source_canonical, state.canonical)
    delta = fit.apply(source_canonical) - state.canonical
    weights, regions = _shape_weights()
    shift = delta * weights[:, None]
    for region in regions:
        shift[region] = delta[region].mean(axis=0)
    return state.pose.apply(state.canonical + amount * shift).astype(np.float32)


#: Far/near half-width ratio of the source face (1 = frontal) from which the far side is
#: trusted fully, and at which it is not trusted at all; share of the far half (from the
#: midline) that is always kept.
FAR_TRUSTED, FAR_UNTRUSTED, FAR_KEPT = 0.9, 0.65, 0.35

#: Where the mirrored source takes over the far side of a turned one: from this share of the
#: far half (from the midline) to that one (see `far_side_weight`).
MIRROR_RAMP = (0.05, 0.35)

#: Share of a track's eye open level forgotten per frame (see `FaceRenderer._eyes_closed`).
OPEN_LEVEL_DECAY = 0.01

#: Narrowing of the target's eye (share of its open level) from which its own lids replace the
#: source's eye entirely. Lower than animate's: a half-blended eye (the source's open eye
#: through the target's closing lid) reads as half open, so a blink seen at 40 % of the open
#: eye came out at 60 %; from 35 % narrowing (a smile) the handover starts, as in animate.
LIDS_SHUT = 0.65


def _turn(source: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float, float]:
    """(how untrusted the far side of the source's face is, 0..1; nose bridge; unit eye-line
    axis; the face's extent on either side of the bridge along it)."""
    pts = source[:, :2].astype(np.float64)
    axis = pts[473] - pts[468]  # left iris − right iris: along the eye line, in the photo
    axis /= max(float(np.linalg.norm(axis)), 1e-6)
    centre = pts[168]  # nose bridge between the eyes
    oval = (pts[t.face_oval()] - centre) @ axis
    neg, pos = float(-oval.min()), float(oval.max())
    if min(neg, pos) <= 0:
        return 0.0, centre, axis, neg, pos
    ratio = min(neg, pos) / max(neg, pos)
    amount = float(np.clip((FAR_TRUSTED - ratio) / (FAR_TRUSTED - FAR_UNTRUSTED), 0.0, 1.0))
    return amount, centre, axis, neg, pos


def mirrored_source(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The source photo flipped left to right, with its landmarks renumbered to match
    (`faceforge.faces.pose.mirror_index`): the same person, whose near cheek is now on the
    other side. A turned source's far side is filled from it (faces are close to symmetric;
    soft symmetry as in Hassner et al., "Effective Face Frontalization", CVPR 2015)."""
    flipped = np.ascontiguousarray(image[:, ::-1])
    marks = landmarks[mirror_index()].copy()
    marks[:, 0] = image.shape[1] - 1 - marks[:, 0]
    return flipped, marks


def far_side_weight(
    source: np.ndarray, src_x: np.ndarray, src_y: np.ndarray, kept: float = FAR_KEPT, full: float = 1.0
) -> np.ndarray:
    """H×W float32 0..1 over a warped roi: how much each pixel's source sample lies in the
    foreshortened far side of a turned source face, where a few source pixels are stretched
    over a whole cheek (smeared streaks) and the mesh outline runs past the visible cheek into
    the background. 0 for a frontal source and on the near half; from `kept` of the far half
    (from the midline) it rises to its full value at `full`.

    source: the source's 478×3 landmarks; src_x, src_y: the roi's sample positions in the
    source photo. Positions are measured along the eye line from the nose bridge; each half
    is scaled by its own extent (the face oval's), so 1 is the outline.
    """
    amount, centre, axis, neg, pos = _turn(source)
    if amount <= 0:
        return np.zeros(src_x.shape, np.float32)
    along = (src_x - centre[0]) * axis[0] + (src_y - centre[1]) * axis[1]
    far = along / pos if pos < neg else -along / neg  # 0 at the midline, 1 at the far outline
    x = np.clip((far - kept) / (full - kept), 0.0, 1.0)
    return (amount * x * x * (3.0 - 2.0 * x)).astype(np.float32)


@dataclass
class FaceRender:
    """What one face swap produced, for smoothing and tests."""

    roi: tuple[int, int, int, int]
    alpha: np.ndarray
    stats: color.ColorStats | None


def _warp_onto(
    image: np.ndarray, src2d: np.ndarray, base: PointWarp, target: np.ndarray, frame_shape: tuple[int, ...]
) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray, np.ndarray] | None:
    """(roi, `image` warped from its landmarks `src2d` onto `target`'s over that roi, the
    roi's sample positions x and y in `image`) or None. `base`: the warp made once for
    `src2d` (its triangulation is reused)."""
    tgt2d = target[:, :2].astype(np.float64)
    sim = fit_similarity(src2d, tgt2d)
    aligned = sim.apply(src2d)
    size = float(np.ptp(tgt2d[:468, 1]))
    warp = copy.copy(base)
    warp.source, (warp.height, warp.width), warp.smoothing = aligned, frame_shape, 0.01 * size
    result = warp.backward_map(tgt2d, depth=target[:, 2])
    if result is None:
        return None
    roi, map_x, map_y = result
    # Aligned coordinates → source photo pixels (inverse similarity, 2D).
    rot, s, tr = sim.rotation, sim.scale, sim.translation
    dx, dy = map_x - tr[0], map_y - tr[1]
    src_x = ((dx * rot[0, 0] + dy * rot[1, 0]) / s).astype(np.float32)
    src_y = ((dx * rot[0, 1] + dy * rot[1, 1]) / s).astype(np.float32)
    texture = cv2.remap(image, src_x, src_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    return roi, texture, src_x, src_y


class FaceRenderer:
    """Renders one source face onto target faces. Holds the source and per-track colour state."""

    def __init__(self, source: SourceFace, options: RenderOptions = RenderOptions()) -> None:
        self.source = source
        self.options = options
        self._src2d = source.landmarks[:, :2].astype(np.float64)
        self._colors: dict[int, color.ColorStats] = {}
        self._open_levels: dict[int, tuple[float, float]] = {}
        # The triangulation of the source landmarks, made once: a similarity moves the points
        # but keeps their Delaunay triangulation, so each face reuses it.
        self._warp = PointWarp(self._src2d, source.image.shape[:2], map_size=256, sharp=EYELIDS)
        # A turned source: its mirror image fills the far side (see `warp_source`).
        self._mirror: tuple[np.ndarray, np.ndarray, PointWarp] | None = None
        if options.mirror and _turn(source.landmarks)[0] > 0:
            image, marks = mirrored_source(source.image, source.landmarks)
            src2d = marks[:, :2].astype(np.float64)
            self._mirror = image, src2d, PointWarp(src2d, image.shape[:2], map_size=256, sharp=EYELIDS)

    def warp_source(
        self, target: np.ndarray, frame_shape: tuple[int, ...]
    ) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
        """(roi, source texture warped onto `target` landmarks over that roi, the share of
        each roi pixel left to the target: the far side of a turned source (see
        `far_side_weight`), 0 where the mirrored source fills it) or None."""
        warped = _warp_onto(self.source.image, self._src2d, self._warp, target, frame_shape)
        if warped is None:
            return None
        roi, texture, src_x, src_y = warped
        far = far_side_weight(self.source.landmarks, src_x, src_y)
        if self._mirror is not None and far.any():
            mirrored = _warp_onto(*self._mirror, target, frame_shape)
            if mirrored is not None:
                # The two warps' rois differ a little (each spans its own source's points):
                # the mirror fills the far side where they overlap.
                (x0, y0, x1, y1), (mx0, my0, mx1, my1) = roi, mirrored[0]
                ix0, iy0, ix1, iy1 = max(x0, mx0), max(y0, my0), min(x1, mx1), min(y1, my1)
                if ix0 < ix1 and iy0 < iy1:
                    fill = texture.copy()
                    covered = np.zeros(far.shape, np.float32)
                    fill[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = mirrored[1][
                        iy0 - my0 : iy1 - my0, ix0 - mx0 : ix1 - mx0
                    ]
                    covered[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = 1.0
                    # From near the midline: the far flank of the nose is smeared too.
                    mirror = far_side_weight(self.source.landmarks, src_x, src_y, *MIRROR_RAMP)
                    w = (mirror * covered)[..., None]
                    texture = (texture * (1.0 - w) + fill * w + 0.5).astype(np.uint8)
                    far = far * (1.0 - covered)
        return roi, texture, far

    def _eyes_closed(self, landmarks: np.ndarray, track: int | None) -> tuple[float, float]:
        """Per eye, how far the target's lids are closed (`lid_closure`). In a video its eyes'
        open level is followed per track (the highest recent openness, forgetting OPEN_LEVEL_DECAY
        a frame, so a long squint becomes the new level); in a photo it is the source's.

        Both eyes get the larger of the two closures: the mesh often reads one eye of a blink
        as half open (a narrow eye, a turned head: VoxCeleb TPSMM frame 60 reads 47 % and 92 %
        narrowed), and handing an eye to the target's own lids is right whatever they do (a
        wink shows the target's open eye beside its closed one)."""
        now = eye_openness(landmarks)
        if track is None:
            level = eye_openness(self.source.landmarks)
        else:
            previous = self._open_levels.get(track, now)
            keep = 1.0 - OPEN_LEVEL_DECAY
            level = (max(now[0], previous[0] * keep), max(now[1], previous[1] * keep))
            self._open_levels[track] = level
        closed = max(lid_closure(level[0], now[0], LIDS_SHUT), lid_closure(level[1], now[1], LIDS_SHUT))
        return closed, closed

    def render(
        self,
        frame: np.ndarray,
        landmarks: np.ndarray,
        yaw: float,
        track: int | None = None,
        hands: Sequence[np.ndarray] = (),
    ) -> FaceRender | None:
        """Swap the face with these landmarks (478×3) in `frame` (H×W×3 uint8 RGB), in place.
        hands: the frame's hands (`faceforge.faces.hands.HandFinder`); with `occlusion` on, a
        hand over the face is kept."""
        o = self.options
        fade = blend.pose_fade(yaw, *o.fade)
        if fade <= 0:
            return None
        target = shaped_landmarks(settle_irises(landmarks, self.source.landmarks), self.source.canonical, o.shape)
        warped = self.warp_source(target, frame.shape[:2])
        if warped is None:
            return None
        (x0, y0, x1, y1), texture, far = warped
        tgt_roi = frame[y0:y1, x0:x1]
        size = float(np.ptp(target[:468, 1]))
        mask = blend.face_blend_mask(
            target,
            (x0, y0),
            (y1 - y0, x1 - x0),
            keep_mouth=o.keep_mouth,
            mouth_open=mouth_openness(landmarks),
            within=landmarks,
            eyes_closed=self._eyes_closed(landmarks, track),
        )
        stats = None
        tgt_lab = color.to_lab(tgt_roi)
        src_lab = color.to_lab(texture)
        # Statistics and occluders are measured where the face is ~WORK_PX tall.
        f = min(1.0, blend.WORK_PX / max(size, 1.0))
        small = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        tgt_small, src_small = (cv2.resize(x, small, interpolation=cv2.INTER_AREA) for x in (tgt_lab, src_lab))
        mask_small = cv2.resize(mask, small, interpolation=cv2.INTER_AREA)
        keep_small = np.ones_like(mask_small)
        if o.occlusion:
            # Keep the target's occluders, and do not paint the source's (its hair, glasses).
            origin = np.array([x0, y0], np.float32)
            lm_small, tg_small = (landmarks[:, :2] - origin) * f, (target[:, :2] - origin) * f
            keep_small = (1.0 - blend.occluder_mask(tgt_small, lm_small, (0, 0), mask_small)) * (
                1.0 - blend.occluder_mask(src_small, tg_small, (0, 0), mask_small)
            )
        hand_small = None
        if o.occlusion and hands:
            hand_small = blend.hand_mask(hands, mask_small.shape, (x0, y0), f, size * f)
        keep = cv2.resize(keep_small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        if o.color_match:
            seen = mask_small * keep_small * (1.0 if hand_small is None else 1.0 - hand_small)
            stats = color.measure(src_small, tgt_small, seen)
            if stats is not None and track is not None:
                previous = self._colors.get(track)
                stats = stats if previous is None else previous.blend(stats, 0.8)
                self._colors[track] = stats
            if stats is not None:
                src_lab = color.transfer(src_lab, stats)
                if o.shading:
                    src_lab = color.match_shading(src_lab, tgt_lab, mask * keep, sigma=0.12 * size)
                texture = color.to_rgb(src_lab)
        # Keep the target's own cheek where the source shows only a sliver of its far side.
        alpha = mask * keep * fade * (1.0 - far)
        mix = blend.laplacian_blend if o.multiband else blend.alpha_blend
        mixed = mix(tgt_roi, texture, alpha)
        if hand_small is not None:
            # A hand is in front of the face: laid over the blend, not cut out of it (a large
            # hole in a multi-band blend lets the target's lips and eyes bleed in around it).
            hand = cv2.resize(hand_small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
            alpha = alpha * (1.0 - hand)
            mixed = blend.alpha_blend(mixed, tgt_roi, hand)
        frame[y0:y1, x0:x1] = mixed
        return FaceRender((x0, y0, x1, y1), alpha, stats)
