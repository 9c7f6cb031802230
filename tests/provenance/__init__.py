"""Tests of faceforge.provenance.

`watermark` is the real `faceforge.provenance.watermark` once it exists; until then a
stand-in with the same API is registered under that name (`_install_stand_in`), so the C2PA
and verify tests run either way. The stand-in's mark is crude (black/white 8×8 blocks in the
top-left 64×64 corner, readable after JPEG/WebP/H.264) and only meant for these tests.
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _install_stand_in() -> types.ModuleType:
    module = types.ModuleType("faceforge.provenance.watermark")
    module.__doc__ = "Test stand-in for faceforge.provenance.watermark (see tests/provenance/__init__.py)."

    @dataclass(frozen=True)
    class WatermarkPayload:
        generator: int
        operation: int
        content_id: int

    @dataclass(frozen=True)
    class WatermarkResult:
        present: bool
        payload: WatermarkPayload | None
        confidence: float
        bit_errors_corrected: int

    sync, block = 0xA5C3, 8

    def bits_of(payload: WatermarkPayload) -> list[int]:
        word = (sync << 48) | (payload.generator << 40) | (payload.operation << 32) | payload.content_id
        return [(word >> (63 - i)) & 1 for i in range(64)]

    def embed_watermark(image: np.ndarray, payload: WatermarkPayload) -> np.ndarray:
        out = image.copy()
        for i, bit in enumerate(bits_of(payload)):
            r, c = divmod(i, 8)
            out[r * block : (r + 1) * block, c * block : (c + 1) * block] = 255 * bit
        return out

    def detect_watermark(image: np.ndarray) -> WatermarkResult:
        if image.shape[0] < 8 * block or image.shape[1] < 8 * block:
            return WatermarkResult(False, None, 0.0, 0)
        cells = image[: 8 * block, : 8 * block].astype(np.float32).reshape(8, block, 8, block, 3)
        means = cells[:, 2:-2, :, 2:-2].mean(axis=(1, 3, 4)).ravel()
        word = 0
        for value in means:
            word = (word << 1) | int(value > 127)
        clean = float(np.mean(np.abs(means - 127.5) / 127.5))
        if word >> 48 != sync or clean < 0.6:
            return WatermarkResult(False, None, 0.0, 0)
        payload = WatermarkPayload((word >> 40) & 0xFF, (word >> 32) & 0xFF, word & 0xFFFFFFFF)
        return WatermarkResult(True, payload, round(clean, 3), 0)

    def detect_watermark_video(frames: Iterable[np.ndarray], max_frames: int = 30) -> WatermarkResult:
        best = WatermarkResult(False, None, 0.0, 0)
        for i, frame in enumerate(frames):
            if i >= max_frames:
                break
            result = detect_watermark(frame)
            if result.present:
                return result
        return best

    class WatermarkLabeler:
        def __init__(self, payload: WatermarkPayload) -> None:
            self.payload = payload

        def label_image(self, image: np.ndarray) -> np.ndarray:
            return embed_watermark(image, self.payload)

        def finalize_file(self, path: Path, kind: str) -> None:
            return None

    module.WatermarkPayload = WatermarkPayload
    module.WatermarkResult = WatermarkResult
    module.OPERATIONS = {"animate": 1, "swap": 2, "stylize": 3, "restore": 4}
    module.FACEFORGE_GENERATOR = 0x46
    module.new_content_id = lambda: secrets.randbits(32)
    module.embed_watermark = embed_watermark
    module.detect_watermark = detect_watermark
    module.detect_watermark_video = detect_watermark_video
    module.WatermarkLabeler = WatermarkLabeler
    module.IS_TEST_STAND_IN = True
    sys.modules[module.__name__] = module
    import faceforge.provenance

    faceforge.provenance.watermark = module  # type: ignore[attr-defined]
    return module


def _watermark() -> types.ModuleType:
    name = "faceforge.provenance.watermark"
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is not None:
        return importlib.import_module(name)
    return _install_stand_in()


watermark = _watermark()
WATERMARK_IS_STAND_IN = bool(getattr(watermark, "IS_TEST_STAND_IN", False))
