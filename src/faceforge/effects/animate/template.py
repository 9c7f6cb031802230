"""Motion templates: the motion of a driving video without any image of the driving face.

A template is an `.npz` file (NumPy arrays only, loaded with allow_pickle=False,
so a shared template cannot run code): per frame the relative head rotation,
translation and scale, the canonical expression delta (float16) and whether a
face was present, plus the frame rate and the extent of the reference face.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from faceforge.effects.animate.motion import MotionFrame
from faceforge.errors import CorruptMedia, InputError, MediaNotFound

FORMAT_VERSION = 1


@dataclass(frozen=True)
class MotionTemplate:
    fps: float
    frames: list[MotionFrame]
    reference_extent: np.ndarray  # canonical width, height of the reference face

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            version=np.array(FORMAT_VERSION),
            fps=np.array(self.fps),
            reference_extent=np.asarray(self.reference_extent, dtype=np.float32),
            rotation=np.stack([m.rotation for m in self.frames]).astype(np.float32),
            translation=np.stack([m.translation for m in self.frames]).astype(np.float32),
            scale=np.array([m.scale for m in self.frames], dtype=np.float32),
            expression=np.stack([m.expression for m in self.frames]).astype(np.float16),
            present=np.array([m.present for m in self.frames], dtype=bool),
        )
        return buf.getvalue()

    @staticmethod
    def from_bytes(data: bytes, name: str = "template") -> MotionTemplate:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                if int(z["version"]) != FORMAT_VERSION:
                    raise InputError(f"{name}: motion template version {int(z['version'])} is not supported")
                frames = [
                    MotionFrame(r.astype(np.float64), t.astype(np.float64), float(s), e.astype(np.float64), bool(p))
                    for r, t, s, e, p in zip(z["rotation"], z["translation"], z["scale"], z["expression"], z["present"])
                ]
                return MotionTemplate(float(z["fps"]), frames, z["reference_extent"].astype(np.float64))
        except (OSError, KeyError, ValueError) as exc:
            raise CorruptMedia(
                name, f"is not a faceforge motion template ({exc})", "make one with --save-template"
            ) from exc


def load_template(path: str | Path) -> MotionTemplate:
    path = Path(path)
    if not path.is_file():
        raise MediaNotFound(path)
    return MotionTemplate.from_bytes(path.read_bytes(), str(path))


def preset_names() -> list[str]:
    folder = resources.files("faceforge.data").joinpath("presets")
    return sorted(p.name[: -len(".npz")] for p in folder.iterdir() if p.name.endswith(".npz"))


def load_preset(name: str) -> MotionTemplate:
    names = preset_names()
    if name not in names:
        raise InputError(f"unknown preset {name!r}: choose one of {', '.join(names)}")
    data = resources.files("faceforge.data").joinpath("presets", f"{name}.npz").read_bytes()
    return MotionTemplate.from_bytes(data, f"preset {name}")
