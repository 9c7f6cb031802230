"""Frequency signal: the azimuthally averaged power spectrum of the face and a logistic-regression classifier.

Generators and face-effect tools make their pixels by up-sampling (nearest, bilinear, transposed
convolutions) and by re-rendering; both leave the high-frequency end of the spectrum distorted —
too little energy, or periodic bumps (Durall, Keuper & Keuper, "Watch your up-convolution", CVPR
2020, who classify the 1-D azimuthal average of the log spectrum with a linear model). We do the same
on the inner face:

1. A square window centred on the aligned face (the `crops.aligned_face` template at `CONTEXT`
   1.1: brows to chin, cheek to cheek, little background), taken at the frame's own resolution.
   We crop axis-aligned rather than warp: the average over angles makes roll irrelevant, and the
   bilinear resampling of a rotating warp is itself a low-pass filter — exactly what we measure.
   A window wider than `MAX_SIDE` is area-downscaled to it (`face_scale` < 1 records by how much).
2. Grey (ITU-R 601 luma), mean removed, 2-D Hann window (against edge leakage), FFT, log10 power.
3. Mean log power per ring of integer radius, interpolated to `N_BINS` rings of equal width in
   0..Nyquist (so windows of any size give the same feature), minus the mean of the `LOW_BINS`
   lowest rings: the spectrum's shape, independent of the face's contrast.
4. Three "axis excess" values: log power within ±8° of the frequency axes minus elsewhere, in
   three bands of the upper three quarters of the spectrum. Nearest-neighbour and
   transposed-convolution up-sampling act row by row and column by column and put their blocks
   and checkerboards on the pixel grid's axes (Odena et al., "Deconvolution and checkerboard
   artifacts", Distill 2016); the azimuthal average alone mostly hides them.
5. Three resampling-periodicity values (`resampling_periodicity`): up-sampling makes the
   interpolation residual periodic (Popescu & Farid 2005), which shows as peaks in its spectrum.
6. Features = those values and log2(face size / 128 px); standardised; logistic regression on
   the standardised features and their squares. The weights and standardisation are in
   `faceforge/data/detect/frequency.npz`, trained by `scripts/train_frequency.py` on real faces
   against pseudo-fakes made from them (its report, with the validation AUC, is
   `frequency.json` beside it).

A face narrower than `MIN_FACE_PX` (window side in frame pixels) is "n/a": there are too few
pixels for a spectrum, and such faces were almost always up-scaled by whoever shared them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.forensics.crops import alignment_matrix
from faceforge.forensics.signal import FaceEvidence, SignalInfo
from faceforge.frames import luma

CONTEXT = 1.1  # aligned-face zoom: the inner face, so the background does not dominate the spectrum
MAX_SIDE = 256  # larger windows are area-downscaled to this many pixels
MIN_FACE_PX = 56  # smaller faces: n/a
N_BINS = 32  # radial bins from 0 to Nyquist
LOW_BINS = 3  # the lowest rings set the reference level
AXIS_BANDS = ((0.25, 0.5), (0.5, 0.75), (0.75, 1.0))  # radial bands (fractions of Nyquist) of `axis_excess`
AXIS_DEGREES = 8.0
Z_CLIP = 6.0  # standardised features are clipped to ±Z_CLIP before squaring
MIN_CONTRAST = 2.0  # grey-level standard deviation below which the window is "flat"
_REFERENCE_SIZE = 128
_MODEL_FILE = "frequency.npz"
_FORMAT = 2  # bumped whenever the features change
_PERIODICITY_FEATURES = 3
_LAPLACE = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)

INFO = SignalInfo(
    name="frequency",
    title="Frequency spectrum",
    explanation=(
        "Looks at how much fine detail the face has at each scale (its power spectrum). Image generators and "
        "face-effect tools build faces by enlarging smaller pictures, which leaves too little or oddly regular "
        "fine detail. Fooled by faces that were simply enlarged, blurred, or strongly compressed after capture, "
        "and blind on small faces."
    ),
)


@dataclass(frozen=True)
class FaceWindow:
    """The square face window the spectrum is taken from.

    grey: side×side float32 luma in 0..255 (side ≤ MAX_SIDE).
    face_px: the window's side in frame pixels (the face size this signal sees).
    face_scale: window pixels per frame pixel (1.0, or < 1 when area-downscaled to MAX_SIDE).
    """

    grey: np.ndarray
    face_px: float
    face_scale: float


def face_window(image: np.ndarray, face: Face, *, context: float = CONTEXT, max_side: int = MAX_SIDE) -> FaceWindow:
    """The axis-aligned square window around the aligned face in an H×W×3 uint8 RGB frame.

    Centre and side come from the `crops` alignment (template centre, template crop side at
    `context`) so they follow the same five landmarks as every other signal; pixels outside the
    frame are reflected.
    """
    m = alignment_matrix(face, _REFERENCE_SIZE, context)
    scale = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    face_px = _REFERENCE_SIZE / scale
    centre = cv2.invertAffineTransform(m) @ np.array([_REFERENCE_SIZE / 2, _REFERENCE_SIZE / 2, 1.0])
    side = max(8, int(round(face_px)))
    x0 = int(round(centre[0] - side / 2))
    y0 = int(round(centre[1] - side / 2))
    grey = luma(_padded_crop(image, x0, y0, side))
    face_scale = 1.0
    if side > max_side:
        grey = cv2.resize(grey, (max_side, max_side), interpolation=cv2.INTER_AREA)
        face_scale = max_side / side
    return FaceWindow(grey, face_px, face_scale)


def _padded_crop(image: np.ndarray, x0: int, y0: int, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(w, x0 + side), min(h, y0 + side)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.zeros((side, side, 3), np.uint8)
    crop = image[cy0:cy1, cx0:cx1]
    pads = (cy0 - y0, y0 + side - cy1, cx0 - x0, x0 + side - cx1)
    if any(pads):
        # Reflection needs a border narrower than the crop; fall back to replication otherwise.
        small = min(crop.shape[:2]) <= max(pads)
        crop = cv2.copyMakeBorder(crop, *pads, cv2.BORDER_REPLICATE if small else cv2.BORDER_REFLECT_101)
    return crop


def log_power_spectrum(grey: np.ndarray) -> np.ndarray:
    """log10 power of the real FFT (`rfft2` layout) of an N×M float image, mean removed, Hann-windowed."""
    if grey.ndim != 2 or min(grey.shape) < 8:
        raise ValueError(f"grey must be a 2-D image at least 8×8, got shape {grey.shape}")
    window = _spectrum_geometry(*grey.shape).window
    g = grey.astype(np.float64)
    return np.log10(np.abs(np.fft.rfft2((g - g.mean()) * window)) ** 2 + 1e-6)


def radial_spectrum(grey: np.ndarray, n_bins: int = N_BINS, *, log_power: np.ndarray | None = None) -> np.ndarray:
    """Azimuthal average of the log10 power spectrum of an N×M float image, in `n_bins` rings.

    Returns n_bins float64 values (log10 power), ring k centred on (k + 0.5)/n_bins of Nyquist:
    the mean over each ring of integer radius, linearly interpolated to those centres. The DC term
    is not used. `log_power`: the image's `log_power_spectrum`, when already computed.
    """
    lp = log_power_spectrum(grey) if log_power is None else log_power
    geometry = _spectrum_geometry(*grey.shape)
    sums = np.bincount(geometry.ring, weights=lp.ravel(), minlength=geometry.counts.size)
    radii = np.flatnonzero(geometry.counts)  # ring 0 (the DC term) has count 0
    profile = sums[radii] / geometry.counts[radii]
    centres = (np.arange(n_bins) + 0.5) / n_bins * geometry.nyquist
    return np.interp(centres, radii.astype(np.float64), profile)


def axis_excess(grey: np.ndarray, *, log_power: np.ndarray | None = None) -> np.ndarray:
    """Mean log10 power near the frequency axes minus elsewhere, in AXIS_BANDS (fractions of Nyquist).

    Up-sampling by nearest neighbour or a transposed convolution works row by row and column by
    column, so its blocks and checkerboards put energy along the pixel grid's axes (within
    ±AXIS_DEGREES); natural detail spreads over all angles. Returns len(AXIS_BANDS) float64 values.
    """
    lp = (log_power_spectrum(grey) if log_power is None else log_power).ravel()
    geometry = _spectrum_geometry(*grey.shape)
    out = np.empty(len(AXIS_BANDS))
    for i, band in enumerate(geometry.bands):
        on_axis = band & geometry.on_axis
        out[i] = lp[on_axis].mean() - lp[band & ~geometry.on_axis].mean()
    return out


def resampling_periodicity(grey: np.ndarray) -> np.ndarray:
    """Periodic peaks left by up-sampling, 3 float64 values (log peak-to-median ratios).

    Up-sampling makes the interpolation error periodic with the up-sampling factor (Popescu &
    Farid, IEEE TSP 2005; Kirchner, ACM MM&Sec 2008 find it as peaks in the spectrum of a
    prediction residual). Here the residual is Immerkær's Laplacian difference, its magnitude is
    averaged over rows (and over columns), and the 1-D spectra are searched for (1) the strongest
    peak away from the JPEG grid's harmonics (multiples of 1/8 cycle per pixel), (2) the peak at
    1/8 (how strong a JPEG grid is, for contrast), (3) the peak at Nyquist (period 2).
    Averaged over the two directions.
    """
    residual = np.abs(cv2.filter2D(grey.astype(np.float32), -1, _LAPLACE, borderType=cv2.BORDER_REFLECT_101))
    out = np.zeros((2, 3))
    for i, profile in enumerate((residual.mean(axis=0), residual.mean(axis=1))):
        n = profile.size
        spectrum = np.abs(np.fft.rfft(profile - profile.mean()))
        k = np.arange(spectrum.size)
        median = float(np.median(spectrum[2:])) + 1e-9
        jpeg = np.zeros(spectrum.size, bool)
        for j in range(1, 5):
            jpeg |= np.abs(k - n * j / 8.0) <= 1.0
        band = (k >= max(2, n // 16)) & ~jpeg
        peak = spectrum[band].max() if band.any() else median
        out[i] = (
            np.log(peak / median),
            np.log(max(float(spectrum[np.abs(k - n / 8.0) <= 1.0].max()), 1e-9) / median),
            np.log(max(float(spectrum[-2:].max()), 1e-9) / median),
        )
    return out.mean(axis=0)


@dataclass(frozen=True)
class _Geometry:
    window: np.ndarray  # h×w Hann window
    ring: np.ndarray  # integer radius of each rfft2 bin (cycles per min(h, w)); beyond Nyquist → 0
    counts: np.ndarray  # bins per ring (ring 0 set to 0: DC and corners are not used)
    nyquist: float
    on_axis: np.ndarray  # bool per rfft2 bin: within AXIS_DEGREES of an axis
    bands: tuple[np.ndarray, ...]  # bool per rfft2 bin, one per AXIS_BANDS entry


@lru_cache(maxsize=16)
def _spectrum_geometry(h: int, w: int) -> _Geometry:
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    nyquist = min(h, w) / 2.0
    radius = (np.hypot(fy, fx) * min(h, w)).ravel()
    ring = np.rint(radius).astype(np.int64)
    ring[radius > nyquist + 0.5] = 0
    counts = np.bincount(ring)
    counts[0] = 0
    angle = np.degrees(np.arctan2(np.abs(fy), np.abs(fx))).ravel()
    on_axis = (angle < AXIS_DEGREES) | (angle > 90.0 - AXIS_DEGREES)
    bands = tuple((radius > lo * nyquist) & (radius <= hi * nyquist) for lo, hi in AXIS_BANDS)
    window = np.outer(np.hanning(h), np.hanning(w))
    return _Geometry(window, ring, counts, nyquist, on_axis, bands)


def spectrum_features(window: FaceWindow, n_bins: int = N_BINS, low_bins: int = LOW_BINS) -> np.ndarray:
    """The classifier's input, `feature_count(n_bins)` float64 values: the radial spectrum's shape
    (minus its lowest rings' level), the axis excess, the resampling periodicity, and
    log2(face size / 128 px)."""
    log_power = log_power_spectrum(window.grey)
    profile = radial_spectrum(window.grey, n_bins, log_power=log_power)
    shape = profile - profile[:low_bins].mean()
    axes = axis_excess(window.grey, log_power=log_power)
    periodicity = resampling_periodicity(window.grey)
    return np.concatenate([shape, axes, periodicity, [np.log2(window.face_px / _REFERENCE_SIZE)]])


def frequency_features(
    image: np.ndarray,
    face: Face,
    *,
    context: float = CONTEXT,
    n_bins: int = N_BINS,
    low_bins: int = LOW_BINS,
) -> tuple[np.ndarray | None, FaceWindow, str]:
    """(features or None, the window, why None) for one face in an H×W×3 uint8 RGB frame.

    None (with a plain-language reason) for a face under MIN_FACE_PX or a flat window. The
    training script calls this too, so training and scoring measure exactly the same thing.
    """
    window = face_window(image, face, context=context)
    if window.face_px < MIN_FACE_PX:
        return None, window, f"face too small for a spectrum ({window.face_px:.0f} px < {MIN_FACE_PX} px)"
    if float(window.grey.std()) < MIN_CONTRAST:
        return None, window, "face region is flat (no detail to analyse)"
    return spectrum_features(window, n_bins, low_bins), window, ""


def feature_count(n_bins: int = N_BINS) -> int:
    """Length of `spectrum_features`' output."""
    return n_bins + len(AXIS_BANDS) + _PERIODICITY_FEATURES + 1


@dataclass(frozen=True)
class FrequencyModel:
    """Logistic regression on the standardised features and their squares.

    z = clip((x − mean) / scale, ±Z_CLIP);  p(fake) = σ(bias + w · [z, z²]).
    The squares let a linear model flag a spectrum that is atypical in either direction (too
    little fine detail after bilinear up-sampling, too much after nearest-neighbour).
    mean, scale: F float64; weights: 2F float64, F = `feature_count(n_bins)`.
    """

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    n_bins: int = N_BINS
    low_bins: int = LOW_BINS
    context: float = CONTEXT
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = feature_count(self.n_bins)
        for name, shape in (("mean", (n,)), ("scale", (n,)), ("weights", (2 * n,))):
            if np.shape(getattr(self, name)) != shape:
                raise ValueError(f"{name} must have shape {shape}, got {np.shape(getattr(self, name))}")

    def expand(self, features: np.ndarray) -> np.ndarray:
        """K×F (or F) raw features → K×2F (or 2F) [z, z²]."""
        z = np.clip((np.asarray(features, np.float64) - self.mean) / self.scale, -Z_CLIP, Z_CLIP)
        return np.concatenate([z, z * z], axis=-1)

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(fake) for K×F (or F) features, in 0..1."""
        t = self.expand(features) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-t))

    def save(self, path: str | Path) -> None:
        """Write as a plain .npz (no pickle); `meta` goes in as a JSON string."""
        np.savez(
            path,
            format=np.int64(_FORMAT),
            mean=self.mean,
            scale=self.scale,
            weights=self.weights,
            bias=np.float64(self.bias),
            n_bins=np.int64(self.n_bins),
            low_bins=np.int64(self.low_bins),
            context=np.float64(self.context),
            axis_bands=np.array(AXIS_BANDS, np.float64),
            axis_degrees=np.float64(AXIS_DEGREES),
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> FrequencyModel:
        """Load the model (default: the one shipped with faceforge).

        Raises DependencyError when the file is missing or was trained on other features.
        """
        try:
            if path is None:
                source = resources.files("faceforge.data").joinpath("detect", _MODEL_FILE)
                with source.open("rb") as fh:
                    data = dict(np.load(fh, allow_pickle=False))
            else:
                with np.load(path, allow_pickle=False) as npz:
                    data = dict(npz)
        except (FileNotFoundError, OSError) as exc:
            raise DependencyError(
                f"the frequency model {path or _MODEL_FILE} is missing; run scripts/train_frequency.py"
            ) from exc
        same_features = (
            int(data.get("format", -1)) == _FORMAT
            and np.array_equal(data["axis_bands"], np.array(AXIS_BANDS, np.float64))
            and float(data["axis_degrees"]) == AXIS_DEGREES
        )
        if not same_features:
            raise DependencyError(
                f"the frequency model {path or _MODEL_FILE} was trained on other features; "
                "run scripts/train_frequency.py"
            )
        return cls(
            mean=data["mean"],
            scale=data["scale"],
            weights=data["weights"],
            bias=float(data["bias"]),
            n_bins=int(data["n_bins"]),
            low_bins=int(data["low_bins"]),
            context=float(data["context"]),
            meta=json.loads(str(data["meta"])),
        )


class FrequencySignal:
    """`FrameSignal` "frequency": P(fake) from the face's azimuthal power spectrum (no heatmap)."""

    info = INFO

    def __init__(self, model: FrequencyModel | None = None) -> None:
        self._model = model

    @property
    def model(self) -> FrequencyModel:
        if self._model is None:
            self._model = FrequencyModel.load()
        return self._model

    def features(self, image: np.ndarray, face: Face) -> tuple[np.ndarray | None, FaceWindow, str]:
        """(features or None, the window, why None) for one face in an H×W×3 uint8 RGB frame."""
        m = self.model
        return frequency_features(image, face, context=m.context, n_bins=m.n_bins, low_bins=m.low_bins)

    def score_face(self, image: np.ndarray, face: Face, *, want_heatmap: bool = False) -> FaceEvidence:
        features, window, why = self.features(image, face)
        details = {"face_px": round(window.face_px, 1), "face_scale": round(window.face_scale, 4)}
        if features is None:
            return FaceEvidence(None, reason=why, details=details)
        score = float(self.model.probability(features))
        n = self.model.n_bins
        # Mean spectrum level of the top quarter of frequencies relative to the lowest rings (log10).
        details["high_frequency_level"] = round(float(features[n - n // 4 : n].mean()), 3)
        verdict = "atypical of camera images" if score >= 0.5 else "typical of camera images"
        return FaceEvidence(score, reason=f"fine-detail spectrum {verdict}", details=details)


__all__ = [
    "CONTEXT",
    "INFO",
    "MIN_FACE_PX",
    "N_BINS",
    "FaceWindow",
    "FrequencyModel",
    "FrequencySignal",
    "axis_excess",
    "face_window",
    "feature_count",
    "frequency_features",
    "log_power_spectrum",
    "radial_spectrum",
    "resampling_periodicity",
    "spectrum_features",
]
