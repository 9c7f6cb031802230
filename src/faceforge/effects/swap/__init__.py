"""Swap: put one person's face into a photo or a video (dense mesh warp, colour match, blend)."""

from faceforge.effects.swap.pipeline import (
    SwapOptions,
    SwapResult,
    VideoSwapper,
    load_source,
    swap,
    swap_frames,
    swap_image,
)
from faceforge.effects.swap.render import FaceRenderer, RenderOptions, shaped_landmarks
from faceforge.effects.swap.select import SourceFace

__all__ = [
    "FaceRenderer",
    "RenderOptions",
    "SourceFace",
    "SwapOptions",
    "SwapResult",
    "VideoSwapper",
    "load_source",
    "shaped_landmarks",
    "swap",
    "swap_frames",
    "swap_image",
]
