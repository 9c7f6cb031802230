"""Face anonymisation: blur, pixelate, mask or replace every face in a photo or video.

Recall comes first: a missed face leaks an identity, an extra region only hides a
patch of background. So:

- every face is looked for with the tiled full-range BlazeFace detector
  (`faceforge.faces.detector`), at a LOW score threshold (`low_score`, 0.3);
- a detection gets a mesh where one can be fitted, and is anonymised as a padded
  box where not (profile, tiny or blurred faces often have no mesh);
- in video, the tracker (a mesh that follows each face between detections) AND
  the detector's raw boxes of every frame are used, and each region is held for
  `hold_frames` frames after its face was last seen, grown to allow for motion,
  so a detection that flickers out for a frame or two leaks nothing;
- every region is padded, by default 25 % of the face box on each side.

Modes (`Mode`):

- ``blur``: the face is first reduced to ~6 samples across (area averaging), then
  smoothed: detail finer than 1/6 of the face is gone for good, so no deblurring
  can bring it back (a plain Gaussian of a noise-free image can be inverted).
- ``pixelate``: blocks of 1/8 of the face size (`pixel_blocks`) over the padded box.
- ``mask``: a solid ellipse fitted to the face oval (enlarged by the pad), or the
  padded box when there is no mesh.
- ``swap-synthetic``: the face is replaced by a drawn, stylised face of no one:
  faceforge's mean face shape (`faceforge/data/face_model.npz`) posed like the
  original by a weak-perspective fit, shaded from its own 3D normals, with eyes,
  brows, nose, lips and a "persona" (proportions, glasses or moustache), on the
  colour and lighting of a heavy blur of the original face's skin.
  Only the position, size and pose of the original survive. The persona is the
  first (else the farthest) whose dlib identity distance to the original is at
  least 0.8, and must be at least 0.65 (0.6 = same person); a face no persona gets
  that far from, a box without a mesh and a held region are blurred instead.

Frames are H×W×3 uint8 RGB; the input is never modified.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any, Literal, get_args

import cv2
import numpy as np

from faceforge.faces.detector import Box, Detection, FaceDetector
from faceforge.faces.landmarker import FaceLandmarker
from faceforge.media._arrays import check_rgb
from faceforge.media.output import Labeler

_log = logging.getLogger(__name__)


def _topology() -> Any:
    """The mesh index sets (`faceforge.faces.topology`): importing them imports MediaPipe
    (~1 s), so only the code that draws with them does, and the CLI starts fast."""
    from faceforge.faces import topology

    return topology


def _landmark_box(points: np.ndarray) -> Box:
    """Box of a point set's extent (`faceforge.faces.measures.landmark_box`, without its import)."""
    x0, y0 = points[:, :2].min(axis=0)
    x1, y1 = points[:, :2].max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


Mode = Literal["blur", "pixelate", "mask", "swap-synthetic"]
MODES: tuple[Mode, ...] = get_args(Mode)

#: Blur: samples kept across the face before smoothing (information is lost here).
BLUR_SAMPLES = 6
#: Swap: the drawn eyes are this much more open than the mean face's.
EYE_OPENING = 1.7
#: Extra padding per frame a held region has been missing (relative to the face size).
HOLD_GROWTH = 0.1
#: A box at least this much inside an already kept region is the same face.
_SAME_FACE_INSIDE = 0.85


@dataclass(frozen=True)
class AnonymizeOptions:
    """pad: padding on each side of a face box, relative to its size (0.25 = 25 %).
    min_score: detector confidence for faces the tracker follows with a mesh (video).
    low_score: detector confidence from which a raw box is anonymised (≤ min_score).
    max_faces: faces handled per frame, largest first.
    hold_frames: video: frames a region stays anonymised after its face was last seen.
    detect_every: video: run the raw detector every N frames (1 = every frame, safest).
    mask_color: RGB fill of ``mask`` mode.
    pixel_blocks: ``pixelate`` blocks across the face (8: blocks of 1/8 of the face;
        fewer, larger blocks also defeat more face detectors)."""

    pad: float = 0.25
    min_score: float = 0.5
    low_score: float = 0.3
    max_faces: int = 50
    hold_frames: int = 5
    detect_every: int = 1
    mask_color: tuple[int, int, int] = (0, 0, 0)
    pixel_blocks: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.pad <= 2.0:
            raise ValueError(f"pad must be in 0..2, got {self.pad}")
        if not 0.0 < self.low_score <= self.min_score < 1.0:
            raise ValueError(
                f"need 0 < low_score <= min_score < 1, got low_score={self.low_score}, min_score={self.min_score}"
            )
        if self.max_faces < 1:
            raise ValueError(f"max_faces must be at least 1, got {self.max_faces}")
        if self.hold_frames < 0:
            raise ValueError(f"hold_frames must be >= 0, got {self.hold_frames}")
        if self.detect_every < 1:
            raise ValueError(f"detect_every must be >= 1, got {self.detect_every}")
        if not 2 <= self.pixel_blocks <= 64:
            raise ValueError(f"pixel_blocks must be in 2..64, got {self.pixel_blocks}")
        if len(self.mask_color) != 3 or not all(0 <= int(c) <= 255 for c in self.mask_color):
            raise ValueError(f"mask_color must be three values in 0..255, got {self.mask_color!r}")


@dataclass(frozen=True, eq=False)
class FaceRegion:
    """One area to anonymise. box: the face (x0, y0, x1, y1) float pixels, unpadded.
    landmarks: 478×3 mesh, or None for a detector box without a mesh.
    held: frames since the face was last seen (0 = seen in this frame).
    region_id: the same face across video frames (None in a still image)."""

    box: Box
    landmarks: np.ndarray | None = None
    held: int = 0
    region_id: int | None = None

    @property
    def size(self) -> float:
        return max(self.box[2] - self.box[0], self.box[3] - self.box[1], 1.0)

    def padded(self, pad: float) -> Box:
        """The box grown by `pad` × its width/height on each side (more while held)."""
        pad = pad + HOLD_GROWTH * self.held
        x0, y0, x1, y1 = self.box
        dx, dy = (x1 - x0) * pad, (y1 - y0) * pad
        return x0 - dx, y0 - dy, x1 + dx, y1 + dy


@dataclass(frozen=True)
class VideoReport:
    """What `anonymize_video` did. faces: distinct faces (regions followed across
    frames); regions: face regions anonymised, summed over frames."""

    path: Path
    frames: int
    frames_with_faces: int
    faces: int
    regions: int


# ----------------------------------------------------------------------------- boxes


def _fraction_inside(a: Box, b: Box) -> float:
    """Share of box a's area that lies inside box b."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return ix * iy / area if area > 0 else 1.0


def _union(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _pixel_box(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) covering `box`, clipped to the frame; may be empty."""
    h, w = shape[:2]
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[2])), min(h, math.ceil(box[3]))
    return x0, y0, max(x0, x1), max(y0, y1)


def _add_boxes(regions: list[FaceRegion], detections: list[Detection], pad: float) -> list[FaceRegion]:
    """Regions plus each detection that no region already covers."""
    out = list(regions)
    for det in detections:
        if not any(_fraction_inside(det.box, r.padded(pad)) >= _SAME_FACE_INSIDE for r in out):
            out.append(FaceRegion(det.box))
    return out


# ----------------------------------------------------------------------------- finding faces


class FaceAnonymizer:
    """Finds and anonymises the faces of still images; holds the models (lazy, reused)."""

    def __init__(self, options: AnonymizeOptions = AnonymizeOptions()) -> None:
        self.options = options
        self.detector = FaceDetector(min_score=options.low_score)
        self.landmarker = FaceLandmarker(video=False, min_score=0.5)

    def find(self, image: np.ndarray) -> list[FaceRegion]:
        """Every face region of an H×W×3 uint8 RGB image, meshes first, then bare boxes."""
        check_rgb(image, "image")
        meshed: list[FaceRegion] = []
        bare: list[Detection] = []
        for det in self.detector.detect(image)[: self.options.max_faces]:
            pts = self.landmarker.landmarks(image, det.box)
            # The mesh must sit on this detection (a crop can hold a neighbour's face).
            if pts is not None and _fraction_inside(det.box, _landmark_box(pts)) > 0.5:
                region = FaceRegion(_union(det.box, _landmark_box(pts)), pts)
                if not any(_fraction_inside(region.box, r.box) >= _SAME_FACE_INSIDE for r in meshed):
                    meshed.append(region)
            else:
                bare.append(det)
        regions = _add_boxes(meshed, bare, self.options.pad)
        _log.debug("found %d face regions (%d with a mesh)", len(regions), len(meshed))
        return regions

    def anonymize(self, image: np.ndarray, mode: Mode = "blur") -> tuple[np.ndarray, int]:
        """(anonymised copy, number of face regions)."""
        regions = self.find(image)
        return render(image, regions, mode, self.options), len(regions)

    def close(self) -> None:
        self.detector.close()
        self.landmarker.close()


class _OncePerFrameDetector(FaceDetector):
    """Detects once per frame: the tracker's own search reuses this frame's boxes
    (a thorough search also answers a later fast one). Always with tiles, whatever the
    tracker asks: recall first."""

    def __init__(self, min_score: float) -> None:
        super().__init__(min_score)
        self._frame: np.ndarray | None = None
        self._thorough = False
        self._found: list[Detection] = []

    def detect(
        self, image: np.ndarray, *, thorough: bool = True, tiles: bool | Literal["fallback"] = True
    ) -> list[Detection]:
        if image is not self._frame or (thorough and not self._thorough):
            self._frame, self._thorough = image, thorough
            self._found = super().detect(image, thorough=thorough)
        return self._found

    def searched(self, image: np.ndarray) -> bool:
        return image is self._frame


@dataclass
class _Remembered:
    region_id: int
    box: Box
    missed: int = 0


@dataclass
class _RegionMemory:
    """Follows regions across frames by overlap and holds lost ones for `hold` frames."""

    hold: int
    _entries: list[_Remembered] = field(default_factory=list)
    _ids: count = field(default_factory=count)
    faces_seen: int = 0

    def update(self, current: list[FaceRegion]) -> list[FaceRegion]:
        """This frame's regions (with region ids) plus the held ones (`held` > 0)."""
        unmatched = list(self._entries)
        named = []
        for region in sorted(current, key=lambda r: -r.size):
            match = max(unmatched, key=lambda e: _overlap(region.box, e.box), default=None)
            if match is not None and _overlap(region.box, match.box) > 0.3:
                unmatched.remove(match)
                match.box, match.missed = region.box, 0
            else:
                match = _Remembered(next(self._ids), region.box)
                self._entries.append(match)
                self.faces_seen += 1
            named.append(replace(region, region_id=match.region_id))
        for entry in unmatched:
            entry.missed += 1
        self._entries = [e for e in self._entries if e.missed <= self.hold]
        held = [FaceRegion(e.box, held=e.missed, region_id=e.region_id) for e in self._entries if e.missed > 0]
        return named + held


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: a face whose box changes shape still matches."""
    inside = _fraction_inside(a, b)
    return max(inside, _fraction_inside(b, a)) if inside > 0 else 0.0


class VideoFaceFinder:
    """Face regions of consecutive video frames: tracked meshes + raw detector boxes,
    held for `options.hold_frames` after they are lost. Call `regions` for each frame
    in order."""

    def __init__(self, options: AnonymizeOptions = AnonymizeOptions()) -> None:
        from faceforge.faces.tracker import FaceTracker, TrackerOptions

        self.options = options
        self._detector = _OncePerFrameDetector(options.low_score)
        # No smoothing: a smoothed mesh lags a moving face, and the lag would leak.
        self._tracker = FaceTracker(
            TrackerOptions(
                max_faces=options.max_faces,
                min_score=options.min_score,
                smoothing=0.0,
                detect_every=options.detect_every,
            )
        )
        self._tracker.detector = self._detector
        self._memory = _RegionMemory(options.hold_frames)
        self._index = 0

    @property
    def faces_seen(self) -> int:
        """Distinct faces so far (a region followed across frames counts once)."""
        return self._memory.faces_seen

    def regions(self, image: np.ndarray, time: float | None = None) -> list[FaceRegion]:
        check_rgb(image, "image")
        faces = self._tracker.update(image, time)
        current = [FaceRegion(f.box, f.landmarks) for f in faces]
        if self._index % self.options.detect_every == 0 or self._detector.searched(image):
            # The first frame gets the thorough search (faces cut by the edge), like the tracker's.
            found = self._detector.detect(image, thorough=self._index == 0)
            current = _add_boxes(current, found[: self.options.max_faces], self.options.pad)
        self._index += 1
        regions = self._memory.update(current)
        _log.debug("frame %d: %d face regions, %d held", self._index - 1, len(regions), len(regions) - len(current))
        return regions

    def close(self) -> None:
        self._tracker.close()
        self._detector.close()


# ----------------------------------------------------------------------------- rendering


def render(
    image: np.ndarray,
    regions: list[FaceRegion],
    mode: Mode = "blur",
    options: AnonymizeOptions = AnonymizeOptions(),
    identities: SyntheticIdentities | None = None,
) -> np.ndarray:
    """A copy of `image` (H×W×3 uint8 RGB) with every region anonymised in `mode`.

    identities: for ``swap-synthetic`` in a video, one `SyntheticIdentities` for the
    whole video keeps each face's synthetic persona stable (regions need region ids)."""
    check_rgb(image, "image")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    out = image.copy()
    if mode == "swap-synthetic":
        identities = identities or SyntheticIdentities()
        for region in regions:
            _swap_synthetic(out, region, options, image, identities)
    else:
        for region in regions:
            _RENDERERS[mode](out, region, options)
    return out


def _blend(roi: np.ndarray, layer: np.ndarray, alpha: np.ndarray) -> None:
    """roi ← roi·(1−α) + layer·α in place; α is H×W float32 in 0..1."""
    a = alpha[..., None]
    roi[:] = np.clip(roi * (1.0 - a) + layer * a + 0.5, 0, 255).astype(np.uint8)


def _blur(frame: np.ndarray, region: FaceRegion, options: AnonymizeOptions) -> None:
    """Ellipse over the padded box: reduce to BLUR_SAMPLES per face, then smooth; feathered edge."""
    step = region.size / BLUR_SAMPLES
    feather = max(1.0, 0.06 * region.size)
    pb = region.padded(options.pad)
    x0, y0, x1, y1 = _pixel_box(
        (pb[0] - 2 * feather, pb[1] - 2 * feather, pb[2] + 2 * feather, pb[3] + 2 * feather), frame.shape
    )
    if x1 - x0 < 1 or y1 - y0 < 1:
        return
    roi = frame[y0:y1, x0:x1]
    h, w = roi.shape[:2]
    nx, ny = max(1, round(w / step)), max(1, round(h / step))
    small = cv2.resize(roi, (nx, ny), interpolation=cv2.INTER_AREA)  # the detail is lost here
    # Smooth the blocks away at 4 pixels per sample (a Gaussian of half a sample), then scale up.
    mid = cv2.GaussianBlur(cv2.resize(small, (4 * nx, 4 * ny), interpolation=cv2.INTER_LINEAR), (0, 0), 2.0)
    smooth = cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR)
    # Full strength everywhere inside the padded box's ellipse; the feather lies outside it.
    centre = ((pb[0] + pb[2]) / 2 - x0, (pb[1] + pb[3]) / 2 - y0)
    axes = ((pb[2] - pb[0]) / 2 + feather, (pb[3] - pb[1]) / 2 + feather)
    alpha = _ellipse_mask((h, w), centre, axes, 0.0)
    alpha = cv2.GaussianBlur(alpha, (0, 0), feather / 2)
    _blend(roi, smooth.astype(np.float32), alpha)


def _ellipse_mask(
    shape: tuple[int, int], centre: tuple[float, float], axes: tuple[float, float], angle: float
) -> np.ndarray:
    """H×W float32 in 0..1: a filled, anti-aliased ellipse (axes are half-lengths)."""
    mask = np.zeros(shape, np.uint8)
    _fill_ellipse(mask, centre, axes, angle, 255)
    return mask.astype(np.float32) / 255.0


def _fill_ellipse(
    image: np.ndarray,
    centre: tuple[float, float],
    axes: tuple[float, float],
    angle: float,
    color: int | tuple[int, int, int],
) -> None:
    shift = 4  # 1/16 pixel precision
    s = 1 << shift
    c = (round(centre[0] * s), round(centre[1] * s))
    a = (max(1, round(axes[0] * s)), max(1, round(axes[1] * s)))
    cv2.ellipse(image, c, a, angle, 0, 360, color, -1, cv2.LINE_AA, shift)


def _pixelate(frame: np.ndarray, region: FaceRegion, options: AnonymizeOptions) -> None:
    """The padded box as blocks of 1/pixel_blocks of the face, aligned to the box corner."""
    block = max(2, round(region.size / options.pixel_blocks))
    x0, y0, x1, y1 = _pixel_box(region.padded(options.pad), frame.shape)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return
    roi = frame[y0:y1, x0:x1]
    h, w = roi.shape[:2]
    nx, ny = -(-w // block), -(-h // block)
    # Edge-replicate to whole blocks so every block is the exact mean of its pixels.
    full = cv2.copyMakeBorder(roi, 0, ny * block - h, 0, nx * block - w, cv2.BORDER_REPLICATE)
    means = cv2.resize(full, (nx, ny), interpolation=cv2.INTER_AREA)
    roi[:] = cv2.resize(means, (nx * block, ny * block), interpolation=cv2.INTER_NEAREST)[:h, :w]


def _mask(frame: np.ndarray, region: FaceRegion, options: AnonymizeOptions) -> None:
    """A solid ellipse fitted to the face oval and enlarged by the pad; the padded box without a mesh."""
    color = tuple(int(c) for c in options.mask_color)
    if region.landmarks is None or region.held:
        x0, y0, x1, y1 = _pixel_box(region.padded(options.pad), frame.shape)
        frame[y0:y1, x0:x1] = color
        return
    oval = _topology().face_oval()
    (cx, cy), (w, h), angle = cv2.fitEllipse(region.landmarks[oval, :2].astype(np.float32))
    # Enlarge by the pad, and at least enough to hold every landmark (a turned face's
    # oval is no ellipse): the largest normalised radius of the mesh, plus 5 %.
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    dx, dy = region.landmarks[:, 0] - cx, region.landmarks[:, 1] - cy
    u, v = (dx * c + dy * s) / max(w / 2, 1e-6), (-dx * s + dy * c) / max(h / 2, 1e-6)
    scale = max(1.0 + options.pad, 1.05 * float(np.sqrt((u * u + v * v).max())))
    _fill_ellipse(frame, (cx, cy), (w / 2 * scale, h / 2 * scale), angle, color)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- synthetic face
#
# A synthetic face is faceforge's mean face shape, posed like the original, with
# one "persona" applied: feature proportions and accessories.
# One drawn mean face is not enough: an average face is close to everyone, and
# with the original's hair and outline around it dlib placed it within 0.6 of the
# original for 8 of 38 real faces (talking clips and photos). Distinct personas,
# the farthest one picked for each face, kept all 38 beyond 0.67 (a skin-tone
# shift per persona made no difference, so the skin keeps the original's). Each pick is
# verified with dlib (`SWAP_MIN_DISTANCE`); a face no persona gets far enough
# from is blurred instead.

# Feature contours of the 478-point mesh (person's right = image left in a frontal view).
_RIGHT_BROW = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
_LEFT_BROW = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
_RIGHT_UPPER_LID = (33, 246, 161, 160, 159, 158, 157, 173, 133)
_LEFT_UPPER_LID = (263, 466, 388, 387, 386, 385, 384, 398, 362)
_UPPER_INNER_LIP = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
_LOWER_INNER_LIP = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
_UPPER_OUTER_LIP = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
_NOSE_BASE = (98, 97, 2, 326, 327)
_NOSE_WINGS = ((115, 48, 64, 98), (344, 278, 294, 327))
_RIGHT_IRIS = tuple(range(468, 473))
_LEFT_IRIS = tuple(range(473, 478))
# Iris radius / eye width (corner to corner): an iris is 11-12 mm across, an eye ~30 mm wide.
_IRIS_RADIUS = 0.21
# Light from the upper left, mostly from the camera (camera coordinates: x right, y down, z away).
_LIGHT = np.array([-0.3, -0.4, -1.0]) / np.linalg.norm([-0.3, -0.4, -1.0])

#: A synthetic face must be at least this far from the original (dlib distance; < 0.6 = same person).
SWAP_MIN_DISTANCE = 0.65
#: Personas are tried in order until one is this far; otherwise the farthest is kept.
SWAP_GOOD_DISTANCE = 0.8
#: Video: a face's persona is checked again every this many frames (the face may have turned).
SWAP_RECHECK_EVERY = 15


@dataclass(frozen=True)
class _Persona:
    """How a drawn face departs from the mean face (distances in mean-face units, ~1/3 face)."""

    eye_spread: float = 0.0  # eyes moved apart (+) or together (−)
    eye_scale: float = 1.0
    brow_lift: float = 0.0  # brows moved up (−) or down (+)
    nose_width: float = 1.0
    mouth_width: float = 1.0
    mouth_drop: float = 0.0  # mouth moved down (+) or up (−)
    glasses: bool = False
    moustache: bool = False


_PERSONAS = (
    _Persona(eye_spread=0.12, eye_scale=1.2, nose_width=1.4, mouth_width=1.3, glasses=True),
    _Persona(eye_spread=0.12, eye_scale=1.2, nose_width=1.4, mouth_width=1.3, moustache=True),
    _Persona(brow_lift=-0.1, eye_scale=0.9, mouth_drop=0.1, glasses=True, moustache=True),
    _Persona(eye_scale=1.3, nose_width=1.2, mouth_width=1.25, mouth_drop=-0.05, moustache=True),
    _Persona(eye_spread=-0.06, eye_scale=0.85, brow_lift=0.05, nose_width=0.8, mouth_width=0.85, glasses=True),
)


@dataclass(frozen=True)
class _MeanFace:
    shape: np.ndarray  # 478×3 mean face, unit RMS
    weights: np.ndarray  # 478 rigidity weights
    triangles: np.ndarray  # T×3 vertex indices
    normals: np.ndarray  # T×3 unit normals, facing the camera at rest


@cache
def _mean_face() -> _MeanFace:
    from scipy.spatial import Delaunay

    from faceforge.faces.pose import face_model

    shape, weights = face_model()
    tri = Delaunay(shape[:468, :2]).simplices
    a, b, c = shape[tri[:, 0]], shape[tri[:, 1]], shape[tri[:, 2]]
    normals = np.cross(b - a, c - a)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-12
    normals[normals[:, 2] > 0] *= -1  # z points away from the camera
    return _MeanFace(shape, weights, tri, normals)


@cache
def _persona_shape(index: int) -> np.ndarray:
    """478×3: the mean face with persona `index`'s proportions (and eyes opened: the
    mean of many faces has half-shut eyes)."""
    p, shape, t = _PERSONAS[index], _mean_face().shape, _topology()
    drawn = shape.copy()
    for eye, iris, brow, side in (
        (t.right_eye(), _RIGHT_IRIS, _RIGHT_BROW, -1.0),
        (t.left_eye(), _LEFT_IRIS, _LEFT_BROW, 1.0),
    ):
        ids = [*eye, *iris]
        cx, cy = shape[eye, 0].mean(), shape[eye, 1].mean()
        drawn[ids, 0] = cx + (shape[ids, 0] - cx) * p.eye_scale + side * p.eye_spread
        drawn[ids, 1] = cy + (shape[ids, 1] - cy) * p.eye_scale * EYE_OPENING
        drawn[list(brow), 0] += side * p.eye_spread
        drawn[list(brow), 1] += p.brow_lift
    nose = sorted({*_NOSE_BASE, *(i for wing in _NOSE_WINGS for i in wing)})
    drawn[nose, 0] = shape[nose, 0] * p.nose_width  # the face's midline is x = 0
    lips = sorted({*t.outer_lips(), *_UPPER_INNER_LIP, *_LOWER_INNER_LIP})
    drawn[lips, 0] = shape[lips, 0] * p.mouth_width
    drawn[lips, 1] += p.mouth_drop
    return drawn


def _pose_mean_face(landmarks: np.ndarray, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(478×2 `drawn` projected like the face, 3×3 model→camera rotation).

    Weak-perspective (affine) camera fitted to the mean face by weighted least
    squares, so the drawn face takes the face's position, size and pose but none
    of its shape.
    """
    mean = _mean_face()
    ones = np.ones((len(mean.shape), 1))
    w = np.sqrt(mean.weights)[:, None]
    proj, *_ = np.linalg.lstsq(
        np.hstack([mean.shape, ones]) * w, landmarks[: len(ones), :2].astype(np.float64) * w, rcond=None
    )
    r1 = proj[:3, 0] / (np.linalg.norm(proj[:3, 0]) + 1e-12)
    r2 = proj[:3, 1] - (proj[:3, 1] @ r1) * r1
    r2 /= np.linalg.norm(r2) + 1e-12
    return np.hstack([drawn, ones]) @ proj, np.stack([r1, r2, np.cross(r1, r2)])


def _poly(points: np.ndarray, origin: tuple[int, int]) -> np.ndarray:
    """Float pixel points → int32 points in ROI coordinates at 1/16 pixel (shift 4)."""
    return np.round((points - np.asarray(origin, np.float64)) * 16).astype(np.int32)


def _paint(canvas: np.ndarray, draw: Callable[[np.ndarray], None], color: np.ndarray, opacity: float) -> None:
    """Blend `color` into the float canvas where `draw` marks an 8-bit mask (anti-aliased)."""
    mask = np.zeros(canvas.shape[:2], np.uint8)
    draw(mask)
    a = (mask.astype(np.float32) * (opacity / 255.0))[..., None]
    canvas += (np.asarray(color, np.float32) - canvas) * a


def _masked_blur(roi: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of roi over `mask` only (normalised convolution): lighting, no detail.

    Computed at a scale where sigma is ~2 pixels (the result is smooth anyway)."""
    h, w = mask.shape
    f = min(1.0, 2.0 / max(sigma, 1e-6))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    m = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    small = cv2.resize(roi.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    num = cv2.GaussianBlur(small * m[..., None], (0, 0), sigma * f)
    den = cv2.GaussianBlur(m, (0, 0), sigma * f)[..., None]
    return cv2.resize(num / np.maximum(den, 1e-3), (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass(frozen=True)
class _Layer:
    """A rendered patch: `colour` (H×W×3 float32) over `alpha` (H×W 0..1) at frame (x0, y0)."""

    x0: int
    y0: int
    colour: np.ndarray
    alpha: np.ndarray

    def apply(self, frame: np.ndarray, origin: tuple[int, int] = (0, 0)) -> None:
        """Blend into `frame`, whose pixel (0, 0) is the full frame's `origin` (clipped to it)."""
        x0, y0 = self.x0 - origin[0], self.y0 - origin[1]
        h, w = self.alpha.shape
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(frame.shape[1], x0 + w), min(frame.shape[0], y0 + h)
        if fx1 <= fx0 or fy1 <= fy0:
            return
        part = (slice(fy0 - y0, fy1 - y0), slice(fx0 - x0, fx1 - x0))
        _blend(frame[fy0:fy1, fx0:fx1], self.colour[part], self.alpha[part])


def _synthetic_layer(source: np.ndarray, landmarks: np.ndarray, size: float, persona: int) -> _Layer | None:
    """The persona's face drawn over the face of `source` (unmodified frame); None if off-frame."""
    mean = _mean_face()
    q, rot = _pose_mean_face(landmarks, _persona_shape(persona))
    margin = 0.15 * size
    box = _union(_landmark_box(landmarks), _landmark_box(q))
    x0, y0, x1, y1 = _pixel_box((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), source.shape)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    roi = source[y0:y1, x0:x1]
    shape, origin, t = roi.shape[:2], (x0, y0), _topology()
    oval = t.face_oval()
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(1, round(0.04 * size)) + 1,) * 2)

    # Where the new face goes: the original oval and the posed mean oval, grown a little.
    cover = np.zeros(shape, np.uint8)
    for outline in (landmarks[oval, :2], q[oval]):  # one call each: fillPoly XORs overlapping polygons
        cv2.fillPoly(cover, [_poly(outline, origin)], 255, cv2.LINE_AA, 4)
    cover = cv2.dilate(cover, disc)
    inner = np.zeros(shape, np.uint8)
    cv2.fillPoly(inner, [_poly(landmarks[oval, :2], origin)], 1, cv2.LINE_8, 4)
    inner = cv2.erode(inner, disc)
    # Skin only: without the eyes, brows and lips, which would darken the tone.
    features = np.zeros(shape, np.uint8)
    for ids in (t.right_eye(), t.left_eye(), _RIGHT_BROW, _LEFT_BROW, t.outer_lips()):
        cv2.fillPoly(features, [_poly(landmarks[list(ids), :2], origin)], 1, cv2.LINE_8, 4)
    skin_mask = inner & (1 - cv2.dilate(features, disc))
    if not skin_mask.any():
        skin_mask = inner if inner.any() else (cover > 127).astype(np.uint8)

    # Skin: colour and light of the original, blurred far below any identity detail.
    skin = _masked_blur(roi, skin_mask, max(1.0, size / 5))
    canvas = skin * _shading(shape, q - origin, rot, mean)[..., None]
    tone = np.median(roi[skin_mask > 0].reshape(-1, 3), axis=0).astype(np.float32)
    _draw_features(canvas, q, origin, size, tone, _PERSONAS[persona])
    canvas = cv2.GaussianBlur(canvas, (0, 0), max(0.5, size / 250))
    alpha = cv2.GaussianBlur(cover.astype(np.float32) / 255.0, (0, 0), max(0.7, 0.02 * size))
    return _Layer(x0, y0, canvas, alpha)


def _shading(shape: tuple[int, ...], q: np.ndarray, rot: np.ndarray, mean: _MeanFace) -> np.ndarray:
    """H×W float32 Lambert shading of the posed mean mesh, ≈1 on average, 1 outside it."""
    lambert = np.clip((mean.normals @ rot.T) @ _LIGHT, 0.0, 1.0)
    levels = np.round(lambert * 31).astype(np.int32)
    polys = _poly(q, (0, 0))[mean.triangles]
    shade = np.zeros(shape, np.float32)
    covered = np.zeros(shape, np.uint8)
    for level in np.unique(levels):
        cv2.fillPoly(shade, list(polys[levels == level]), float(level) / 31.0, cv2.LINE_8, 4)
    cv2.fillPoly(covered, list(polys), 1, cv2.LINE_8, 4)
    size = max(float(np.ptp(q[:, 0])), float(np.ptp(q[:, 1])), 1.0)
    mean_shade = float(shade[covered > 0].mean()) if covered.any() else 1.0
    shade = np.where(covered > 0, 0.7 + 0.3 * shade / max(mean_shade, 1e-3), 1.0).astype(np.float32)
    return cv2.GaussianBlur(shade, (0, 0), max(0.7, size / 40))


def _draw_features(
    canvas: np.ndarray, q: np.ndarray, origin: tuple[int, int], size: float, tone: np.ndarray, persona: _Persona
) -> None:
    """Stylised eyes, brows, nose, lips and the persona's accessories at the drawn face's positions."""
    aa, s, t = cv2.LINE_AA, 4, _topology()
    thick = max(1, round(size / 70))  # whole pixels: OpenCV does not shift thickness

    def pts(ids: tuple[int, ...] | np.ndarray) -> np.ndarray:
        return _poly(q[list(ids)], origin)

    def fill(p: np.ndarray) -> Callable[[np.ndarray], None]:
        return lambda m: cv2.fillPoly(m, [p], 255, aa, s)

    def line(p: np.ndarray) -> Callable[[np.ndarray], None]:
        return lambda m: cv2.polylines(m, [p], False, 255, thick, aa, s)

    dark = np.array([45, 32, 30], np.float32)
    brow = tone * 0.42
    lip = np.clip(tone * np.array([0.92, 0.62, 0.62], np.float32), 0, 255)
    sclera = 0.25 * tone + 0.75 * np.array([236, 232, 226], np.float32)
    iris_colour = np.array([92, 64, 46], np.float32)

    for ids in (_RIGHT_BROW, _LEFT_BROW):
        _paint(canvas, fill(pts(ids)), brow, 0.85)
    for eye in (t.right_eye(), t.left_eye()):
        _paint(canvas, fill(pts(eye)), sclera, 1.0)
    irises = ((468, t.RIGHT_EYE_CORNERS, t.right_eye()), (473, t.LEFT_EYE_CORNERS, t.left_eye()))
    for centre, corners, eye in irises:
        radius = _IRIS_RADIUS * float(np.linalg.norm(q[corners[0]] - q[corners[1]]))
        c = tuple(int(v) for v in pts((centre,))[0])
        eye_mask = np.zeros(canvas.shape[:2], np.uint8)
        cv2.fillPoly(eye_mask, [pts(eye)], 255, aa, s)

        def disc(r: float, c: tuple[int, ...] = c, em: np.ndarray = eye_mask) -> Callable[[np.ndarray], None]:
            def draw(m: np.ndarray) -> None:
                cv2.circle(m, c[:2], max(1, round(r * 16)), 255, -1, aa, s)
                np.minimum(m, em, out=m)  # the lids cover the rest of the disc

            return draw

        _paint(canvas, disc(radius), iris_colour, 1.0)
        _paint(canvas, disc(radius * 0.45), dark * 0.4, 1.0)
    for lid in (_RIGHT_UPPER_LID, _LEFT_UPPER_LID):
        _paint(canvas, line(pts(lid)), dark, 0.9)
    for wing in _NOSE_WINGS:
        _paint(canvas, line(pts(wing)), tone * 0.6, 0.45)
    _paint(canvas, line(pts(_NOSE_BASE)), tone * 0.5, 0.6)
    _paint(canvas, fill(pts(t.outer_lips())), lip, 0.9)
    # A closed mouth: the line midway between the inner lips.
    mouth = _poly((q[list(_UPPER_INNER_LIP)] + q[list(_LOWER_INNER_LIP)]) / 2, origin)
    _paint(canvas, line(mouth), dark, 0.7)
    if persona.moustache:
        lip_top = q[list(_UPPER_OUTER_LIP)]
        above = lip_top - np.array([0.0, 0.07 * size])
        shape = _poly(np.vstack([lip_top, above[::-1]]), origin)
        _paint(canvas, fill(shape), tone * 0.3, 0.9)
    if persona.glasses:
        frame_thick = max(1, round(size / 45))
        rims = []
        for a, b in (t.RIGHT_EYE_CORNERS, t.LEFT_EYE_CORNERS):
            centre, radius = (q[a] + q[b]) / 2, 0.75 * float(np.linalg.norm(q[a] - q[b]))
            rims.append((tuple(int(v) for v in _poly(centre[None], origin)[0]), max(1, round(radius * 16))))

        def glasses(m: np.ndarray) -> None:
            for centre, r16 in rims:
                cv2.circle(m, centre, r16, 255, frame_thick, aa, s)
            bridge = _poly(q[[t.RIGHT_EYE_CORNERS[1], t.LEFT_EYE_CORNERS[1]]], origin)
            cv2.polylines(m, [bridge], False, 255, frame_thick, aa, s)

        _paint(canvas, glasses, np.array([25, 22, 22], np.float32), 0.95)


class SyntheticIdentities:
    """Which persona each face wears in `swap-synthetic` mode, verified with dlib.

    Keep one per video: a face (by `FaceRegion.region_id`) keeps its persona from
    frame to frame and is re-checked every `SWAP_RECHECK_EVERY` frames; without a
    region id the choice is made afresh."""

    def __init__(self) -> None:
        self._chosen: dict[int, tuple[int, int]] = {}  # region id → (persona, frames since checked)

    def layer(self, source: np.ndarray, region: FaceRegion) -> _Layer | None:
        """The synthetic face for `region`, or None when no persona is far enough from it."""
        assert region.landmarks is not None
        rid = region.region_id
        current = None
        if rid is not None and rid in self._chosen:
            current, age = self._chosen[rid]
            if age + 1 < SWAP_RECHECK_EVERY:
                self._chosen[rid] = (current, age + 1)
                return _synthetic_layer(source, region.landmarks, region.size, current)
        persona, layer = self._choose(source, region, current)
        if rid is not None:
            if persona is None:
                self._chosen.pop(rid, None)
            else:
                self._chosen[rid] = (persona, 0)
        return layer

    def _choose(
        self, source: np.ndarray, region: FaceRegion, current: int | None = None
    ) -> tuple[int | None, _Layer | None]:
        """(persona, its layer); the face's `current` persona is kept while it is far enough."""
        from faceforge.faces.identity import face_embedding, identity_distance

        assert region.landmarks is not None
        # Embed in a crop around the face: cheaper than the whole frame, same result.
        x0, y0, x1, y1 = _pixel_box(region.padded(0.6), source.shape)
        crop = source[y0:y1, x0:x1]
        box = (region.box[0] - x0, region.box[1] - y0, region.box[2] - x0, region.box[3] - y0)
        try:
            original = face_embedding(crop, box)
        except ValueError:  # a box too small for dlib: nothing to compare, take the first
            return 0, _synthetic_layer(source, region.landmarks, region.size, 0)
        best: tuple[float, int | None, _Layer | None] = (-1.0, None, None)
        order = [p for p in range(len(_PERSONAS)) if p != current]
        for persona in order if current is None else [current, *order]:
            layer = _synthetic_layer(source, region.landmarks, region.size, persona)
            if layer is None:
                return None, None
            trial = crop.copy()
            layer.apply(trial, (x0, y0))
            distance = identity_distance(original, face_embedding(trial, box))
            if distance > best[0]:
                best = (distance, persona, layer)
            # A face keeps its persona while it passes (no flicker between personas).
            if distance >= (SWAP_MIN_DISTANCE if persona == current else SWAP_GOOD_DISTANCE):
                break
        _log.debug("swap: persona %s at identity distance %.2f", best[1], best[0])
        if best[0] < SWAP_MIN_DISTANCE:
            return None, None
        return best[1], best[2]


def _swap_synthetic(
    frame: np.ndarray,
    region: FaceRegion,
    options: AnonymizeOptions,
    source: np.ndarray,
    identities: SyntheticIdentities,
) -> None:
    """A persona's face over the face; a blur where there is no mesh (a bare or held box)
    or where no persona is far enough from the original identity."""
    layer = None if region.landmarks is None or region.held else identities.layer(source, region)
    if layer is None:
        _blur(frame, region, options)
    else:
        layer.apply(frame)


_RENDERERS: dict[str, Callable[[np.ndarray, FaceRegion, AnonymizeOptions], None]] = {
    "blur": _blur,
    "pixelate": _pixelate,
    "mask": _mask,
}


# ----------------------------------------------------------------------------- public API


@cache
def _shared_anonymizer(options: AnonymizeOptions) -> FaceAnonymizer:
    return FaceAnonymizer(options)


def anonymize_image(
    image: np.ndarray, mode: Mode = "blur", options: AnonymizeOptions = AnonymizeOptions()
) -> tuple[np.ndarray, int]:
    """Anonymise every face of a still image.

    image: H×W×3 uint8 RGB (not modified). mode: see `Mode`.
    Returns (anonymised copy, number of face regions anonymised); with no face the
    copy equals the input. Models are loaded once per `options` and reused.
    """
    check_rgb(image, "image")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    return _shared_anonymizer(options).anonymize(image, mode)


def anonymize_video(
    path: str | Path,
    out: str | Path,
    mode: Mode = "blur",
    options: AnonymizeOptions = AnonymizeOptions(),
    *,
    max_frames: int | None = None,
    on_frame: Callable[[int], None] | None = None,
    labeler: Labeler | None = None,
) -> VideoReport:
    """Anonymise every face of a video (or animated image) into an MP4/MOV at `out`.

    The source's audio is kept (`VideoWriter(audio_from=path)`); the frame rate is the
    source's average rate. Every frame is written, with or without faces, so a video
    without faces comes out as an unchanged (re-encoded) copy. `on_frame(i)` is called
    after frame i is written (progress bars). Raises like `read_video` for bad input
    and OutputError when `out` cannot be written (nothing appears at `out` then).
    """
    from faceforge.media.output import VideoWriter
    from faceforge.media.video import probe_video, read_video

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    info = probe_video(path)
    frames = with_faces = regions_total = 0
    finder, identities = VideoFaceFinder(options), SyntheticIdentities()
    try:
        with VideoWriter(out, info.fps, audio_from=path, labeler=labeler) as writer:
            for frame in read_video(path, max_frames=max_frames):
                regions = finder.regions(frame.image, frame.time)
                writer.write(render(frame.image, regions, mode, options, identities))
                frames += 1
                with_faces += bool(regions)
                regions_total += len(regions)
                if on_frame is not None:
                    on_frame(frame.index)
    finally:
        finder.close()
    return VideoReport(Path(out), frames, with_faces, finder.faces_seen, regions_total)


__all__ = [
    "Mode",
    "MODES",
    "AnonymizeOptions",
    "FaceRegion",
    "FaceAnonymizer",
    "VideoFaceFinder",
    "VideoReport",
    "anonymize_image",
    "anonymize_video",
    "render",
    "SyntheticIdentities",
]
