"""Build the built-in animation presets: src/faceforge/data/presets/*.npz.

    python scripts/build_presets.py [--data ../shared/data]

Expression units (smile, jaw open, blink, brow raise) are measured as canonical
landmark deltas on real MEAD-style clips in ../shared/data (the dreamtalk
style clips, MIT licence); only these deltas are kept, never an image. Head
motion is procedural. "talking" replays the measured expression of a real
talking clip. Each preset is a motion template (see effects/animate/template.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from faceforge.effects.animate.driving import track_driving
from faceforge.effects.animate.motion import MotionFrame, _region_weights, canonical_extent, face_state
from faceforge.effects.animate.template import MotionTemplate
from faceforge.faces.measures import eye_openness, mouth_openness

FPS = 25.0
CLIPS = "talking/mead/dreamtalk/data/style_clip/video"


def clip_states(data: Path, name: str, smoothing: float = 0.6) -> list:
    _, landmarks = track_driving(data / CLIPS / name, smoothing=smoothing, max_frames=None)
    return [face_state(lm) for lm in landmarks if lm is not None], [lm for lm in landmarks if lm is not None]


def units(data: Path) -> tuple[dict[str, np.ndarray], np.ndarray, list[np.ndarray]]:
    neutral, neutral_lm = clip_states(data, "W009_front_neutral_level1_001.mp4")
    rest = min(range(len(neutral)), key=lambda i: mouth_openness(neutral_lm[i]))
    base = neutral[rest].canonical
    happy, happy_lm = clip_states(data, "W009_front_happy_level3_001.mp4")
    width = [np.ptp(s.canonical[[61, 291], 0]) for s in happy]
    smile_i = int(np.argmax([w - 3 * mouth_openness(lm) for w, lm in zip(width, happy_lm)]))
    surprised, surprised_lm = clip_states(data, "W009_front_surprised_level3_001.mp4")
    jaw_i = int(np.argmax([mouth_openness(lm) for lm in surprised_lm]))
    # A real blink, tracked without smoothing (smoothing would soften it).
    blinking, blinking_lm = clip_states(data, "W009_front_happy_level3_001.mp4", smoothing=0.0)
    eyes = [sum(eye_openness(lm)) / 2 for lm in blinking_lm]
    blink_i, open_i = int(np.argmin(eyes)), int(np.argmax(eyes))
    # Scale the lid motion so that a full blink closes the eye (aspect ratio ~0.03).
    closure = (eyes[open_i] - 0.03) / max(eyes[open_i] - eyes[blink_i], 1e-3)
    lips_w = _region_weights(base, "lips")[:, None]
    eyes_w = _region_weights(base, "eyes")[:, None]
    brow_w = eyes_w * (base[:, 1:2] < base[[33, 263], 1].mean())  # above the eye corners
    u = {
        "smile": (happy[smile_i].canonical - base) * lips_w,
        "jaw": (surprised[jaw_i].canonical - base) * lips_w,
        "blink": (blinking[blink_i].canonical - blinking[open_i].canonical) * eyes_w * closure,
        "brows": (surprised[jaw_i].canonical - base) * brow_w,
    }
    talk = [(s.canonical - base) for s in neutral]
    return u, canonical_extent(neutral[rest]), talk


def frame(yaw=0.0, pitch=0.0, roll=0.0, dx=0.0, dy=0.0, expr=None) -> MotionFrame:
    rot = Rotation.from_euler("yxz", [-yaw, pitch, roll], degrees=True).as_matrix()
    return MotionFrame(rot, np.array([dx, dy]), 1.0, np.zeros((478, 3)) if expr is None else expr, True)


def blink_curve(t: float, at: list[float]) -> float:
    """Lids closing and opening around each time in `at` (a blink lasts ~0.3 s)."""
    return max([np.exp(-(((t - a) / 0.1) ** 4)) for a in at] + [0.0])


def presets(u: dict[str, np.ndarray], talk: list[np.ndarray]) -> dict[str, list[MotionFrame]]:
    out: dict[str, list[MotionFrame]] = {}
    n = int(6 * FPS)
    ts = np.arange(n) / FPS
    out["look-around"] = [
        frame(
            yaw=14 * np.sin(2 * np.pi * t / 6),
            pitch=5 * np.sin(2 * np.pi * t / 3 + 0.6),
            roll=2 * np.sin(2 * np.pi * t / 6 + 1.0),
            expr=u["blink"] * blink_curve(t, [1.4, 4.2]) + 0.3 * u["smile"] * (0.5 - 0.5 * np.cos(2 * np.pi * t / 6)),
        )
        for t in ts
    ]
    out["smile"] = [
        frame(
            pitch=-3 * np.sin(np.pi * t / 6),
            roll=3 * np.sin(np.pi * t / 6),
            expr=u["smile"] * float(np.clip(np.sin(np.pi * t / 6) * 1.6, 0, 1)) + u["blink"] * blink_curve(t, [2.5]),
        )
        for t in ts
    ]
    out["blink-and-nod"] = [
        frame(
            pitch=-7 * np.sin(2 * np.pi * t / 2.0) * (t > 1.5),
            yaw=3 * np.sin(2 * np.pi * t / 6),
            expr=u["blink"] * blink_curve(t, [0.6, 1.2, 3.3, 5.1]),
        )
        for t in ts
    ]
    out["talking"] = [
        frame(
            yaw=4 * np.sin(2 * np.pi * i / FPS / 4.3),
            pitch=2.5 * np.sin(2 * np.pi * i / FPS / 2.1),
            roll=1.5 * np.sin(2 * np.pi * i / FPS / 5.0),
            expr=talk[i],
        )
        for i in range(len(talk))
    ]
    # "Dragostea din tei" (O-Zone, 2003, ~130 BPM): side-to-side head bob on the beat
    # with a sung "ma-ia-hii" jaw and a smile.
    beat = 130 / 60
    out["dragostea"] = [
        frame(
            roll=9 * np.sin(np.pi * beat * t),
            yaw=6 * np.sin(np.pi * beat * t + 0.4),
            dy=0.04 * abs(np.sin(np.pi * beat * t)),
            expr=u["smile"] * 0.6 + u["jaw"] * 0.7 * max(0.0, np.sin(2 * np.pi * beat * t)) ** 2,
        )
        for t in np.arange(int(8 * FPS)) / FPS
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=root / "src/faceforge/data/presets")
    args = parser.parse_args()
    u, extent, talk = units(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frames in presets(u, talk).items():
        path = args.out / f"{name}.npz"
        path.write_bytes(MotionTemplate(FPS, frames, extent).to_bytes())
        print(f"{name}: {len(frames)} frames, {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
