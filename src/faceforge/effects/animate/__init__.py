"""Animate: a still photo moved by a driving video, a motion template or a preset (Avatarify, Deep Nostalgia)."""

from faceforge.effects.animate.pipeline import AnimateOptions, AnimateResult, animate
from faceforge.effects.animate.template import MotionTemplate, load_preset, load_template, preset_names

__all__ = [
    "AnimateOptions",
    "AnimateResult",
    "MotionTemplate",
    "animate",
    "load_preset",
    "load_template",
    "preset_names",
]
