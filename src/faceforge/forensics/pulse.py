"""Pulse signal: is there a heartbeat in the skin colour, the same one on the forehead and both cheeks?

Each heartbeat pushes blood into the skin and changes its colour very slightly (mostly green:
haemoglobin absorbs it). A camera sees this as a sub-level flicker of the skin's mean colour:
remote photoplethysmography (rPPG). Face swaps and talking-head generators paint each frame anew
and usually lose that flicker, or leave a different one in each region (Ciftci, Demir & Yin,
"FakeCatcher", TPAMI 2020). Per frame we average the RGB of three skin patches (forehead, left
and right cheek) cut from the 478-point mesh away from eyes, brows and mouth; at the end we
resample onto a uniform time grid, extract the pulse with POS ("plane orthogonal to skin",
Wang, den Brinker, Stuijk & de Haan, IEEE TBME 2017), band-pass 0.7-4 Hz (42-240 bpm) and ask
how clear its spectral peak is and how well the three regions agree.

Honesty about the evidence: the pulse is a ~0.1-0.5 % colour change. H.264 at CRF ~23 and
256 px faces (most web video) quantise much of it away, head motion and lighting changes leak
into the band, and a swap that keeps the target's cheeks and forehead keeps their pulse. A weak
pulse is therefore common in real web video too: this signal is weak evidence that the fusion
must weigh, strongest on sharp, steady, lightly compressed video.

More samples do not help on such video: `detect` feeds this signal its analysed frames (6 a
second by default). Scored at every frame instead (25-30 a second), the benchmark's re-encoded
videos (256 px, CRF 23; bench/detect.py) were told apart no better: AUC of this score alone 0.48
against 0.56, of the SNR alone 0.60 against 0.64, and out-of-fold fused 0.924 against 0.923
(mean over 5 fold draws; 2026-11-27). Real clips there show no pulse either (median SNR −1.3 dB).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from faceforge.faces.face import Face
from faceforge.forensics.signal import SignalInfo, SignalScore

# Skin patches as landmark sets of the MediaPipe mesh (their convex hull, shrunk towards its
# centroid so brow hair, eyelid shadow and the nasolabial fold stay out). Checked by eye on the
# astronaut sample; the cheeks are mirror pairs of the mesh. "left"/"right" = the person's.
ROI_LANDMARKS: dict[str, tuple[int, ...]] = {
    "forehead": (69, 108, 151, 337, 299, 296, 336, 9, 107, 66),
    "right_cheek": (117, 118, 119, 101, 36, 205, 187, 123, 50),
    "left_cheek": (346, 347, 348, 330, 266, 425, 411, 352, 280),
}
ROI_NAMES = tuple(ROI_LANDMARKS)
_SHRINK = 0.15  # hull shrunk by this fraction towards its centroid
_MIN_PIXELS = 12  # fewer pixels than this: the patch is too small to average
_MIN_CHEEK_RATIO = 0.35  # a cheek under this fraction of the other's area is turned away: skip it

MIN_SECONDS = 3.0
BAND_HZ = (0.7, 4.0)  # 42-240 bpm
_POS_WINDOW_S = 1.6  # Wang et al. 2017: l = 1.6 s (about one cardiac cycle at the slowest rate)
_MAX_GAP_S = 0.5  # a longer gap without the face splits the track; the longest piece is used
_MIN_FPS = 5.0
_MAX_GRID_FPS = 30.0
_MIN_CHROMA = 0.03  # (max-min channel)/mean of the skin colour below this: no colour in the video
_MIN_BRIGHTNESS = 15.0  # mean skin level (0..255) below this: too dark to see any pulse

# Score mapping (see `pulse_fakeness`). Sensor noise alone (no pulse) gives a peak excess and a
# regional coherence that shrink like 1/sqrt(seconds): measured on white-noise colour traces at
# 10-30 fps, their 90th percentiles are ≈0.85/sqrt(s) and ≈0.35/sqrt(s) (0.49 and 0.20 at 3 s,
# 0.27 and 0.11 at 10 s). A clean pulse reaches excess ≈0.9 and coherence ≈1.
_EXCESS_NOISE_K, _EXCESS_CLEAR = 0.85, 0.75
_COHERENCE_NOISE_K, _COHERENCE_CLEAR = 0.35, 0.7


def roi_polygons(landmarks: np.ndarray) -> dict[str, np.ndarray]:
    """The three skin patches as convex polygons (K×2 float32 pixel coordinates, frame space).

    landmarks: 478×2 or 478×3 pixel landmarks of one face.
    """
    polys = {}
    for name, idx in ROI_LANDMARKS.items():
        pts = np.asarray(landmarks, dtype=np.float32)[list(idx), :2]
        centre = pts.mean(axis=0)
        pts = centre + (pts - centre) * (1.0 - _SHRINK)
        polys[name] = cv2.convexHull(pts).reshape(-1, 2)
    return polys


def _polygon_mean(image: np.ndarray, poly: np.ndarray) -> tuple[np.ndarray, int]:
    """Mean RGB (3 float64) inside a polygon and its pixel count; NaNs when too small or off-frame."""
    h, w = image.shape[:2]
    x0, y0 = np.floor(poly.min(axis=0)).astype(int)
    x1, y1 = np.ceil(poly.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return np.full(3, np.nan), 0
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round((poly - [x0, y0]) * 4).astype(np.int32), 255, cv2.LINE_8, shift=2)
    count = int(cv2.countNonZero(mask))
    if count < _MIN_PIXELS:
        return np.full(3, np.nan), count
    return np.array(cv2.mean(image[y0:y1, x0:x1], mask)[:3], dtype=np.float64), count


def roi_means(image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean RGB of each skin patch: (3 patches × 3 channels float64, NaN row = patch unusable;
    3 pixel counts int). Patches in `ROI_NAMES` order. image: H×W×3 uint8 RGB."""
    rgb = np.full((len(ROI_NAMES), 3), np.nan)
    counts = np.zeros(len(ROI_NAMES), dtype=np.int64)
    for i, poly in enumerate(roi_polygons(landmarks).values()):
        rgb[i], counts[i] = _polygon_mean(image, poly)
    # A cheek seen edge-on (head turned) is mostly shading and background: drop it.
    right, left = counts[1], counts[2]
    if right < _MIN_CHEEK_RATIO * left:
        rgb[1] = np.nan
    if left < _MIN_CHEEK_RATIO * right:
        rgb[2] = np.nan
    return rgb, counts


def pos_pulse(rgb: np.ndarray, fs: float) -> np.ndarray:
    """POS pulse (Wang et al. 2017, Algorithm 1) from a uniformly sampled colour trace.

    rgb: n×3 float (mean skin R, G, B per sample, any positive scale); fs: samples per second.
    Returns n float64 (arbitrary units, zero mean per window). In each sliding window of
    1.6 s the colour is divided by its temporal mean (removes skin tone and slow lighting
    drift), projected onto the plane orthogonal to skin, S1 = G − B, S2 = G + B − 2R, and the two
    projections are combined as h = S1 + (σ(S1)/σ(S2))·S2, which cancels the shared distortion
    (specular and motion); the windows are overlap-added.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    n = len(rgb)
    win = min(n, max(3, int(round(_POS_WINDOW_S * fs))))
    windows = np.lib.stride_tricks.sliding_window_view(rgb, win, axis=0)  # m × 3 × win
    cn = windows / np.maximum(windows.mean(axis=2, keepdims=True), 1e-9)
    s1 = cn[:, 1] - cn[:, 2]
    s2 = cn[:, 1] + cn[:, 2] - 2.0 * cn[:, 0]
    sd1, sd2 = s1.std(axis=1), s2.std(axis=1)
    alpha = np.where(sd2 > 1e-12, sd1 / np.maximum(sd2, 1e-12), 0.0)
    h = s1 + alpha[:, None] * s2
    h -= h.mean(axis=1, keepdims=True)
    out = np.zeros(n)
    hits = np.zeros(n)
    m = len(h)
    for k in range(win):
        out[k : k + m] += h[:, k]
        hits[k : k + m] += 1.0
    return out / np.maximum(hits, 1.0)


def bandpass(x: np.ndarray, fs: float, low: float, high: float) -> np.ndarray:
    """Zero-phase 3rd-order Butterworth band-pass after removing the linear trend."""
    # Imported here: scipy.signal (and the scipy.stats it pulls in) takes ~0.5 s to import, which
    # `faceforge detect photo.jpg` would pay for a signal that only judges video.
    from scipy.signal import butter, sosfiltfilt

    x = np.asarray(x, dtype=np.float64)
    t = np.arange(len(x))
    x = x - np.polyval(np.polyfit(t, x, 1), t)
    sos = butter(3, [low, high], btype="bandpass", fs=fs, output="sos")
    return sosfiltfilt(sos, x, padlen=min(len(x) - 1, 3 * 7))


@dataclass(frozen=True)
class SpectralPeak:
    """The dominant frequency of a pulse trace and how much it stands out.

    freq_hz: peak frequency. fraction: share of the band's power within ±width of the peak and
    its first harmonic. excess: that share above what a flat spectrum gives for the same
    windows, rescaled to 0 (flat) .. 1 (pure tone). snr_db: 10·log10(peak power / rest of band),
    the rPPG SNR of de Haan & Jeanne (IEEE TBME 2013) with the window widened to the frequency
    resolution of short clips.
    """

    freq_hz: float
    fraction: float
    excess: float
    snr_db: float


def spectral_peak(x: np.ndarray, fs: float, band: tuple[float, float]) -> SpectralPeak:
    """Find the dominant frequency of `x` (n float, sampled at `fs`) inside `band` (Hz)."""
    n = len(x)
    duration = n / fs
    nfft = int(2 ** np.ceil(np.log2(max(8 * n, 1024))))
    power = np.abs(np.fft.rfft(x * np.hanning(n), nfft)) ** 2
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    in_band = (freqs >= band[0]) & (freqs <= band[1])
    band_power = power[in_band].sum()
    f0 = float(freqs[in_band][np.argmax(power[in_band])])
    width = max(0.1, 1.0 / duration)  # about the Hann main lobe half-width at this clip length
    near = (np.abs(freqs - f0) <= width) | (np.abs(freqs - 2.0 * f0) <= width)
    peak = in_band & near
    peak_power = power[peak].sum()
    fraction = float(peak_power / band_power) if band_power > 0 else 0.0
    flat = peak.sum() / max(in_band.sum(), 1)
    excess = float(np.clip((fraction - flat) / max(1.0 - flat, 1e-9), 0.0, 1.0))
    rest = max(band_power - peak_power, 1e-30)
    snr_db = float(10.0 * np.log10(max(peak_power, 1e-30) / rest))
    return SpectralPeak(f0, fraction, excess, snr_db)


def pulse_fakeness(excess: float, coherence: float | None, seconds: float) -> float:
    """Map pulse clarity and agreement between regions to a fakeness score in 0..1.

    Each measure is placed between what noise alone reaches on a clip this long (its 90th
    percentile, 0.85/√s for the peak excess and 0.35/√s for the coherence, s = seconds) and what
    a clear pulse reaches (0.75 and 0.7): clarity = clip((excess − 0.85/√s)/(0.75 − 0.85/√s)),
    agreement = clip((coherence − 0.35/√s)/(0.7 − 0.35/√s)), both in 0..1. fakeness =
    1 − mean(clarity, agreement) (1 − clarity when fewer than two regions were usable). A clear
    heartbeat that every region shares gives ≈0; a flat spectrum, or regions that disagree, ≈1.
    Uncalibrated: the fusion rescales it.
    """
    root = np.sqrt(max(seconds, 1e-6))
    clarity = _ramp(excess, min(_EXCESS_NOISE_K / root, _EXCESS_CLEAR - 0.1), _EXCESS_CLEAR)
    if coherence is None:
        return 1.0 - clarity
    agreement = _ramp(coherence, min(_COHERENCE_NOISE_K / root, _COHERENCE_CLEAR - 0.1), _COHERENCE_CLEAR)
    return 1.0 - 0.5 * (clarity + agreement)


def _ramp(x: float, low: float, high: float) -> float:
    """0 at or below `low`, 1 at or above `high`, linear between."""
    return float(np.clip((x - low) / (high - low), 0.0, 1.0))


def longest_segment(times: np.ndarray, max_gap: float) -> slice:
    """The longest run of increasing `times` without a step over `max_gap` seconds."""
    if len(times) == 0:
        return slice(0, 0)
    breaks = np.flatnonzero(np.diff(times) > max_gap) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(times)]])
    spans = times[ends - 1] - times[starts]
    best = int(np.argmax(spans))
    return slice(int(starts[best]), int(ends[best]))


def _fill_gaps(t: np.ndarray, values: np.ndarray) -> np.ndarray | None:
    """Linear interpolation over NaN samples of one trace (n×3); None when under half is valid."""
    ok = np.isfinite(values).all(axis=1)
    if ok.sum() < max(2, len(t) // 2):
        return None
    return np.stack([np.interp(t, t[ok], values[ok, c]) for c in range(values.shape[1])], axis=1)


@dataclass
class _PulseTrack:
    """Per-track state: the frame times and the mean colour of each skin patch."""

    fps: float
    times: list[float] = field(default_factory=list)
    colours: list[np.ndarray] = field(default_factory=list)  # each 3 patches × 3 channels
    counts: list[np.ndarray] = field(default_factory=list)

    def add(self, image: np.ndarray, face: Face, time_s: float) -> None:
        if self.times and time_s <= self.times[-1]:
            return  # repeated or out-of-order frame: keep the trace strictly increasing in time
        rgb, counts = roi_means(image, face.landmarks)
        if not np.isfinite(rgb).any():
            return
        self.times.append(float(time_s))
        self.colours.append(rgb)
        self.counts.append(counts)

    def result(self) -> SignalScore:
        if len(self.times) < 2:
            return SignalScore(None, _too_short(0.0))
        times = np.asarray(self.times)
        dt = float(np.median(np.diff(times)))
        seg = longest_segment(times, max(_MAX_GAP_S, 2.5 * dt))
        t, colours, counts = times[seg], np.stack(self.colours[seg]), np.stack(self.counts[seg])
        dt = float(np.median(np.diff(t))) if len(t) > 1 else dt
        seconds = float(t[-1] - t[0] + dt) if len(t) > 1 else 0.0
        if seconds < MIN_SECONDS:
            return SignalScore(None, _too_short(seconds), {"seconds": seconds})
        if 1.0 / dt < _MIN_FPS:
            reason = f"needs at least {_MIN_FPS:.0f} analysed frames per second (got {1.0 / dt:.1f})"
            return SignalScore(None, reason, {"seconds": seconds})
        combined, skin = _combine_patches(colours, counts)
        problem = _colour_problem(skin)
        if problem:
            return SignalScore(None, problem, {"seconds": seconds})
        return _judge(t, colours, combined, fs=min(1.0 / dt, _MAX_GRID_FPS), seconds=seconds)


def _combine_patches(colours: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One colour trace from all patches (n×3, relative to each patch's mean so that a patch
    dropping out for a few frames causes no step) and the mean skin colour (3, levels).

    colours: n × 3 patches × 3 channels (NaN rows for unusable patches); counts: n × 3 pixels.
    """
    valid = np.isfinite(colours).all(axis=2)
    patch_mean = np.stack([colours[valid[:, i], i].mean(axis=0) if valid[:, i].any() else np.ones(3) for i in range(3)])
    weights = np.where(valid, counts.astype(np.float64), 0.0)
    relative = np.nan_to_num(colours / patch_mean[None])
    combined = (relative * weights[..., None]).sum(axis=1) / np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    share = weights.sum(axis=0) / max(weights.sum(), 1e-9)
    return combined, share @ patch_mean


def _colour_problem(skin: np.ndarray) -> str:
    """Why the skin colour (3 levels, mean RGB) cannot carry a pulse, or ""."""
    brightness = float(skin.mean())
    if brightness < _MIN_BRIGHTNESS:
        return "the face is too dark to see its skin colour change"
    if float(np.ptp(skin)) / max(brightness, 1e-9) < _MIN_CHROMA:
        return "the video has no colour (greyscale), and the pulse shows only in skin colour"
    return ""


def _judge(t: np.ndarray, colours: np.ndarray, combined: np.ndarray, *, fs: float, seconds: float) -> SignalScore:
    """Pulse, spectral peak and regional agreement on a gap-free piece of track (t: n seconds)."""
    grid = np.arange(t[0], t[-1] + 1e-9, 1.0 / fs)
    band = (BAND_HZ[0], min(BAND_HZ[1], 0.45 * fs))

    def pulse_of(trace: np.ndarray) -> np.ndarray:
        uniform = np.stack([np.interp(grid, t, trace[:, c]) for c in range(3)], axis=1)
        return bandpass(pos_pulse(uniform, fs), fs, *band)

    peak = spectral_peak(pulse_of(combined), fs, band)
    regional: list[np.ndarray] = []
    regional_bpm: dict[str, float] = {}
    for i, name in enumerate(ROI_NAMES):
        filled = _fill_gaps(t, colours[:, i])
        if filled is not None:
            regional.append(pulse_of(filled))
            regional_bpm[name] = 60.0 * spectral_peak(regional[-1], fs, band).freq_hz
    coherence = _mean_correlation(regional)
    score = pulse_fakeness(peak.excess, coherence, seconds)

    bpm = 60.0 * peak.freq_hz
    details = {
        "bpm": bpm,
        "snr_db": peak.snr_db,
        "peak_excess": peak.excess,
        "seconds": seconds,
        "fps": fs,
        "regions": float(len(regional)),
    }
    if coherence is not None:
        details["coherence"] = coherence
    if len(regional_bpm) >= 2:
        details["bpm_spread"] = float(np.ptp(list(regional_bpm.values())))
    details.update({f"bpm_{k}": v for k, v in regional_bpm.items()})
    return SignalScore(score, _finding(score, bpm, peak.snr_db, coherence), details)


def _mean_correlation(pulses: list[np.ndarray]) -> float | None:
    """Mean Pearson correlation over all pairs of regional pulses; None with fewer than two."""
    if len(pulses) < 2:
        return None
    corr = np.corrcoef(np.stack(pulses))
    pairs = corr[np.triu_indices(len(pulses), k=1)]
    pairs = pairs[np.isfinite(pairs)]
    return float(pairs.mean()) if len(pairs) else None


def _too_short(seconds: float) -> str:
    return f"needs at least {MIN_SECONDS:.0f} s of video with the face visible (got {seconds:.1f} s)"


def _finding(score: float, bpm: float, snr_db: float, coherence: float | None) -> str:
    agree = "" if coherence is None else f", regions agree {coherence:.2f}"
    if score < 0.35:
        return f"clear skin-colour pulse at {bpm:.0f} bpm (SNR {snr_db:.1f} dB{agree})"
    if score < 0.7:
        return f"weak skin-colour pulse, maybe {bpm:.0f} bpm (SNR {snr_db:.1f} dB{agree})"
    return f"no consistent skin-colour pulse found (SNR {snr_db:.1f} dB{agree})"


class PulseSignal:
    """Track signal "pulse": rPPG heartbeat clarity and agreement between face regions."""

    info = SignalInfo(
        name="pulse",
        title="Pulse (skin colour)",
        explanation=(
            "A real face's skin colour flickers very slightly with each heartbeat, the same on the "
            "forehead and both cheeks. Generated and swapped faces usually lose that rhythm. Needs at "
            "least 3 s of colour video. Strong compression, low resolution, poor light and fast head "
            "motion also hide a real pulse, so a missing pulse is only weak evidence."
        ),
    )

    def start(self, fps: float, *, maps: bool = True) -> _PulseTrack:  # maps: this signal draws no picture
        """A new accumulator for one face track; `fps` is the rate frames will be fed at."""
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return _PulseTrack(float(fps))
