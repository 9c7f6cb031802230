"""Motion templates: the motion of a driving video without any image of the driving face.

A template is an `.npz` file (NumPy arrays only, loaded with allow_pickle=False,
so a shared template cannot run code): per frame the relative head rotation,
translation and scale, the canonical expression delta (float16) and whether a
face was present, plus the frame rate and the extent of the reference face; and, when the
motion was taken with `follow_camera`, the driving camera's per-frame transform (2×3, in
normalised frame coordinates) and the driving body's against it (2×3, in face units: origin
the reference chin, unit the reference face height; `faceforge.effects.animate.camera`).
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
    camera: np.ndarray | None = None  # N×2×3 driving camera motion from the reference frame, or None
    body: np.ndarray | None = None  # N×2×3 driving body motion against the camera, face units, or None

    def head(self, n: int) -> MotionTemplate:
        """Only the first n frames."""
        camera = None if self.camera is None else self.camera[:n]
        body = None if self.body is None else self.body[:n]
        return MotionTemplate(self.fps, self.frames[:n], self.reference_extent, camera, body)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        extra = {
            k: np.asarray(v, dtype=np.float32)
            for k, v in (("camera", self.camera), ("body", self.body))
            if v is not None
        }
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
            **extra,
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
                camera, body = (z[k].astype(np.float64) if k in z.files else None for k in ("camera", "body"))
                for what, m in (("camera", camera), ("body", body)):
                    if m is not None and m.shape != (len(frames), 2, 3):
                        raise ValueError(f"{what} motion has shape {m.shape} for {len(frames)} frames")
                return MotionTemplate(float(z["fps"]), frames, z["reference_extent"].astype(np.float64), camera, body)
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
