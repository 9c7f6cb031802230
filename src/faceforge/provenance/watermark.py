"""Invisible watermark in the pixels of every image and video frame faceforge generates.

The payload is 48 bits: generator (8, faceforge = 0x46 "F"), operation (8, `OPERATIONS`) and
a random content id (32) that the C2PA manifest repeats. It is read blind, without the
original, after JPEG, resizing, cropping, small rotations, brightness/contrast changes,
screenshot-like resampling and H.264 re-encoding (numbers in bench/README.md).

Design (own; the ideas come from the papers cited in the private modules):

- Coding (`_wm_code`): payload + CRC-24, scrambled, rate-1/3 convolutional code (K=7) → 234
  coded bits, decoded by soft Viterbi.
- Pattern (`_wm_pattern`): a 32×32 tile of ±1 chips (3 chips per coded bit, 322 sync chips),
  rendered band-limited at a period of a sixth of the short side (at least 88 px) and repeated
  over the whole image, so a crop is a cyclic shift and rotation/scale show in its spectrum.
- Embedding (`_wm_embed`): added to the luminance, scaled by local texture (flat skin gets about
  one grey level, texture up to 4.5), whole-image RMS limited so PSNR ≥ 40 dB.
- Detection (`_wm_detect`): the spectral lines of the tiling give rotation and scale, the tiles
  are folded onto one, correlation with the sync chips gives the shift, the message chips give
  soft bits. A video adds the evidence of its first frames.

False positives. The decision is the CRC: a `WatermarkResult` is `present` only when the
decoded 72-bit word (payload + CRC-24) checks. For an unmarked image the decoder's output is
an arbitrary word (the keyed scrambler makes the all-zero word of a flat image invalid), which
passes with probability 2⁻²⁴. `detect_watermark` tries at most 2 words (the two
best-synchronised lattices) and `detect_watermark_video` at most 4 (the first frame, the first
8 frames, then all frames at the two best lattices), so by the union bound

    P(false positive) ≤ 4 · 2⁻²⁴ ≈ 2.4·10⁻⁷  < 10⁻⁶  per image or video.

That bound does not depend on the image content; bench/watermark.py checks it on every unmarked
image and sampled video frame of the shared test media.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from faceforge.media._arrays import check_rgb
from faceforge.provenance import _wm_code as code
from faceforge.provenance import _wm_detect as detector
from faceforge.provenance import _wm_embed as embedder

FACEFORGE_GENERATOR = 0x46  # "F"
OPERATIONS: dict[str, int] = {"other": 0, "animate": 1, "swap": 2, "stylize": 3, "restore": 4, "anonymize": 5}
PAYLOAD_BITS = code.PAYLOAD_BITS  # 48
MIN_SIDE = embedder.MIN_SIDE  # smaller images are returned unmarked (see `can_embed`)
CONTENT_ID_BITS = 32
_DECODE_ATTEMPTS = 2  # words checked per image: the CRC bound above counts them
_LATTICE_FRAMES = 8  # video frames whose spectra choose the lattice
# `quick` video check: below this sync z the first frame shows no trace of a mark. Measured in
# bench/watermark.py ("Quick video check"): unmarked first frames reach 3.4-5.1, first frames of
# marked clips that the full read decodes 6.6 and up.
QUICK_GIVE_UP_Z = 6.0
# Grey levels (RMS) a frame needs before "absent" is decided on it: black or dark frames carry
# little of the mark. The first frames of the shared test videos have 23 and up.
_QUICK_MIN_CONTRAST = 20.0


@dataclass(frozen=True)
class WatermarkPayload:
    """What the watermark carries: generator id, operation code, content id."""

    generator: int  # 0..255; faceforge = FACEFORGE_GENERATOR
    operation: int  # 0..255; faceforge's codes in OPERATIONS
    content_id: int  # 0..2³²−1; new_content_id() makes a random one

    def __post_init__(self) -> None:
        for name, value, bits in (
            ("generator", self.generator, 8),
            ("operation", self.operation, 8),
            ("content_id", self.content_id, CONTENT_ID_BITS),
        ):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value < 1 << bits:
                raise ValueError(f"{name} must be an integer in 0..{(1 << bits) - 1}, got {value!r}")

    def to_bits(self) -> np.ndarray:
        """The 48 payload bits (uint8 0/1, most significant first: generator, operation, content id)."""
        word = (int(self.generator) << 40) | (int(self.operation) << 32) | int(self.content_id)
        return np.array([(word >> (PAYLOAD_BITS - 1 - i)) & 1 for i in range(PAYLOAD_BITS)], np.uint8)

    @classmethod
    def from_bits(cls, bits: np.ndarray | Iterable[int]) -> WatermarkPayload:
        """Inverse of `to_bits`; raises ValueError unless given 48 values that are 0 or 1."""
        array = np.asarray(list(bits) if not isinstance(bits, np.ndarray) else bits).ravel()
        if array.shape != (PAYLOAD_BITS,) or not np.isin(array, (0, 1)).all():
            raise ValueError(f"bits must be {PAYLOAD_BITS} values of 0 or 1, got shape {array.shape}")
        word = 0
        for bit in array.astype(np.int64).tolist():
            word = (word << 1) | bit
        return cls(generator=(word >> 40) & 0xFF, operation=(word >> 32) & 0xFF, content_id=word & 0xFFFFFFFF)


@dataclass(frozen=True)
class WatermarkResult:
    """What `detect_watermark` found.

    present: a payload decoded and its CRC-24 checked (false positives ≤ 2.4·10⁻⁷).
    confidence: 0..1; when present, the share of coded bits read right mapped from 0.5..1 to
        0..1 (1 = a clean copy); when absent, 0.
    bit_errors_corrected: coded bits (of 234) the error-correcting code fixed, when present.
    """

    present: bool
    payload: WatermarkPayload | None
    confidence: float
    bit_errors_corrected: int | None = None


NOT_FOUND = WatermarkResult(present=False, payload=None, confidence=0.0)


def new_content_id() -> int:
    """A random 32-bit content id (from `secrets`)."""
    return secrets.randbits(CONTENT_ID_BITS)


def can_embed(image: np.ndarray) -> bool:
    """True when the image is big enough to carry the watermark (both sides ≥ MIN_SIDE = 64)."""
    return min(image.shape[:2]) >= MIN_SIDE


def embed_watermark(image: np.ndarray, payload: WatermarkPayload, *, strength: float = 1.0) -> np.ndarray:
    """A watermarked copy of an H×W×3 uint8 RGB image (the input is not modified).

    strength scales the mark; at 1.0 the PSNR is at least 40 dB. Images smaller than 64 px on
    a side cannot hold a tile: they come back as an unchanged copy (`can_embed` says which).
    Raises ValueError for a bad image, payload or strength.
    """
    check_rgb(image, "image")
    if not isinstance(payload, WatermarkPayload):
        raise ValueError(f"payload must be a WatermarkPayload, got {type(payload).__name__}")
    if not (isinstance(strength, int | float) and math.isfinite(strength) and strength > 0):
        raise ValueError(f"strength must be a positive number, got {strength!r}")
    if not can_embed(image):
        return image.copy()
    return embedder.embed(image, code.encode_message(payload.to_bits()), float(strength))


def detect_watermark(image: np.ndarray) -> WatermarkResult:
    """Read the watermark of an H×W×3 uint8 RGB image, blind. Never raises for small images."""
    check_rgb(image, "image")
    if not can_embed(image):
        return NOT_FOUND
    return _decode(_readings_alone(detector.prepare(image))[:_DECODE_ATTEMPTS])


def _readings_alone(prepared: detector.Prepared) -> list[detector.Reading]:
    """One frame searched on its own: its lattices from its own spectrum, best sync first."""
    sums = detector.FoldSum(detector.find_lattices([prepared]), prepared.residual.shape)
    sums.add(prepared)
    return sums.readings()


def detect_watermark_video(
    frames: Iterable[np.ndarray], max_frames: int = 30, *, quick: bool = False
) -> WatermarkResult:
    """Read the watermark of a video from its first `max_frames` frames (H×W×3 uint8 RGB).

    The first 8 frames choose the lattice (their spectra add up). Each frame's folded tile is
    aligned on its own sync peak and added with a weight that grows with that peak, so the soft
    bits average over the frames where the mark survived. Tries the first frame alone (in H.264
    the intra-coded one), then the first 8 frames together, and stops there if either decodes;
    otherwise reads on to `max_frames`. Frames of another size than the first are skipped.

    quick: for screening many files. The first frame that is not black or dark is searched on its
    own first: absent when its sync peak stays at the level of unmarked frames (z <
    QUICK_GIVE_UP_Z), present when it decodes, otherwise read on as above. Most unmarked videos
    then cost one frame, not eight. A mark weakened in a slow fade-in from black can be missed
    this way where the full read finds it.
    """
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, got {max_frames}")
    iterator = iter(frames)
    first: list[detector.Prepared] = []
    seen = 0
    searched_alone = False  # `quick`: one frame was searched on its own lattice
    for frame in iterator:
        seen += 1
        prepared = _prepare_frame(frame)
        if prepared is not None and (not first or prepared.residual.shape == first[0].residual.shape):
            first.append(prepared)
            if quick and not searched_alone and float(frame[::4, ::4].std()) >= _QUICK_MIN_CONTRAST:
                searched_alone = True
                settled = _searched_alone(prepared)
                if settled is not None:
                    return settled
        if len(first) >= _LATTICE_FRAMES or seen >= max_frames:
            break
    if not first:
        return NOT_FOUND
    sums = detector.FoldSum(detector.find_lattices(first), first[0].residual.shape)
    for prepared in first:
        sums.add(prepared)
    # words checked: first frame, first frames combined, all frames (2 lattices) — 4 in all;
    # `quick` checked one frame at its own lattice instead of the first at the combined one
    tries = [sums.readings()[:1]] if searched_alone else [sums.readings(first_only=True)[:1], sums.readings()[:1]]
    for readings in tries:
        early = _decode(readings)
        if early.present:
            return early
    if seen >= max_frames:
        return early
    for frame in iterator:
        seen += 1
        prepared = _prepare_frame(frame)
        if prepared is not None:
            sums.add(prepared)
        if seen >= max_frames:
            break
    return _decode(sums.readings()[:_DECODE_ATTEMPTS])


def _searched_alone(prepared: detector.Prepared) -> WatermarkResult | None:
    """`quick`'s verdict from one frame searched on its own: NOT_FOUND, a decoded mark, or None (read on)."""
    readings = _readings_alone(prepared)
    if not readings or readings[0].sync_z < QUICK_GIVE_UP_Z:
        return NOT_FOUND
    found = _decode(readings[:1])
    return found if found.present else None


def _prepare_frame(frame: np.ndarray) -> detector.Prepared | None:
    check_rgb(frame, "frame")
    return detector.prepare(frame) if can_embed(frame) else None


def _decode(readings: list[detector.Reading]) -> WatermarkResult:
    for reading in readings:
        if not np.any(reading.soft):
            continue
        bits, crc_ok, errors = code.decode_message(reading.soft)
        if crc_ok:
            confidence = max(0.0, 1.0 - 2.0 * errors / code.CODED_BITS)
            return WatermarkResult(True, WatermarkPayload.from_bits(bits), confidence, errors)
    return NOT_FOUND


class WatermarkLabeler:
    """A `faceforge.media.output.Labeler` that watermarks pixels (the file is left to C2PA).

    Keeps the payload's coded bits; the pattern for each frame size is cached, so labelling the
    frames of a video costs only the masking and the addition. `unmarked` counts images that
    were too small to carry the mark and went out unchanged.
    """

    def __init__(self, payload: WatermarkPayload, *, strength: float = 1.0) -> None:
        if not isinstance(payload, WatermarkPayload):
            raise ValueError(f"payload must be a WatermarkPayload, got {type(payload).__name__}")
        if not (isinstance(strength, int | float) and math.isfinite(strength) and strength > 0):
            raise ValueError(f"strength must be a positive number, got {strength!r}")
        self.payload = payload
        self.strength = float(strength)
        self.unmarked = 0
        self._coded = code.encode_message(payload.to_bits())

    def label_image(self, image: np.ndarray) -> np.ndarray:
        check_rgb(image, "image")
        if not can_embed(image):
            self.unmarked += 1
            return image.copy()
        return embedder.embed(image, self._coded, self.strength)

    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None:
        return None


def live_labeler(operation: str) -> WatermarkLabeler:
    """A pixel labeler for a live stream (window or virtual camera): every frame carries
    the watermark, with one fresh content id for the session."""
    return WatermarkLabeler(WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS[operation], new_content_id()))


__all__ = [
    "live_labeler",
    "CONTENT_ID_BITS",
    "FACEFORGE_GENERATOR",
    "MIN_SIDE",
    "OPERATIONS",
    "PAYLOAD_BITS",
    "WatermarkLabeler",
    "WatermarkPayload",
    "WatermarkResult",
    "can_embed",
    "detect_watermark",
    "detect_watermark_video",
    "embed_watermark",
    "new_content_id",
]
