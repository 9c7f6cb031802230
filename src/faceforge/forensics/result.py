"""What `detect` returns: per file a verdict, per face track the evidence, per frame a timeline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from faceforge.forensics.fusion import Risk
from faceforge.forensics.signal import SignalScore

MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class TimelinePoint:
    """The fused probability of the most suspicious face in one analysed video frame (the track
    signals that can judge moments judged near it: see `faceforge.forensics.pipeline`)."""

    frame: int
    time: float
    probability: float
    # the signal scores fused into it (not in the JSON: 7 numbers a frame would swamp it)
    scores: dict[str, float | None] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class SuspiciousFrame:
    """One of the frames the report shows: a crop around the face and where the signals look.

    image: h×w×3 uint8 RGB crop; heatmaps: signal name → h×w float32 0..1 over the crop.
    """

    frame: int
    time: float | None
    track: int
    probability: float
    image: np.ndarray = field(repr=False)
    heatmaps: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    scores: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class FaceVerdict:
    """One face track (the one face of a still image is track 0)."""

    track: int
    probability: float | None  # None when no signal could judge this face
    risk: Risk | None
    frames: tuple[int, ...]  # analysed frame indices where the face was found
    frames_scored: int  # of those, how many the frame signals looked at
    signals: dict[str, SignalScore]
    contributions: dict[str, float]  # log-odds each signal added (positive = towards fake)
    # (frame, time, frame-signal scores) of every frame the frame signals looked at
    samples: tuple[tuple[int, float, dict[str, float | None]], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Detection:
    """The verdict on one image or video.

    fake_probability: calibrated 0..1 (see `faceforge.forensics.fusion`), None when there was
    nothing to judge (no face, or every face too small) — never "real" by default.
    signals: the verdict's evidence — each signal for the most suspicious face, plus provenance.
    """

    path: Path
    kind: MediaKind
    fake_probability: float | None
    risk: Risk | None
    summary: str
    faces: list[FaceVerdict]
    signals: dict[str, SignalScore]
    timeline: list[TimelinePoint] = field(default_factory=list)
    suspicious: list[SuspiciousFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    width: int = 0
    height: int = 0
    duration: float | None = None
    frames_analysed: int = 0
    seconds: float = 0.0  # processing time

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "kind": self.kind,
            "fake_probability": _round(self.fake_probability),
            "risk": self.risk,
            "summary": self.summary,
            "faces": [
                {
                    "track": f.track,
                    "score": _round(f.probability),
                    "risk": f.risk,
                    "frames": list(f.frames),
                    "frames_scored": f.frames_scored,
                    "signals": {name: signal_dict(s) for name, s in f.signals.items()},
                }
                for f in self.faces
            ],
            "signals": {name: signal_dict(s) for name, s in self.signals.items()},
            "timeline": [
                {"frame": p.frame, "time": round(p.time, 3), "score": _round(p.probability)} for p in self.timeline
            ]
            if self.kind == "video"
            else None,
            "notes": self.notes,
            "media": {"width": self.width, "height": self.height, "duration_s": self.duration},
            "frames_analysed": self.frames_analysed,
            "processing_s": round(self.seconds, 3),
        }


def signal_dict(s: SignalScore) -> dict[str, Any]:
    out: dict[str, Any] = {"score": _round(s.score) if s.score is not None else "n/a"}
    if s.reason:
        out["reason"] = s.reason
    if s.details:
        out["details"] = {k: _round(v) if isinstance(v, float) else v for k, v in s.details.items()}
    return out


def _round(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return round(float(x), 4)
