"""The contract every detection signal follows.

There are two kinds of signal, and each lives in its own module under `faceforge.forensics`:

* A **frame signal** judges one face in one frame (blending boundary, frequency spectrum, noise):
  `score_face(image, face) -> FaceEvidence`. The pipeline calls it on a sample of frames of each
  face track (all of them for a still image) and pools the scores.
* A **track signal** needs a face followed over time (pulse, blink and head pose): the pipeline
  makes one instance per face track with `start(fps)`, feeds it every analysed frame with
  `add(image, face, time_s)` and asks `result()` at the end. A still image gives "n/a". Those
  that can also judge moments of the track (`local_scores(times)`: frame-to-frame detail, shading)
  shape the video's timeline.

Scores are "fakeness" in 0..1 (higher = more likely manipulated) but need not be calibrated: the
fusion (`faceforge.forensics.fusion`) learns how much each one is worth and calibrates the whole.
A signal that cannot judge says so with `score=None` and a plain-language `reason` — never a
made-up 0.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from faceforge.faces.face import Face


@dataclass(frozen=True)
class FaceEvidence:
    """One frame signal's verdict on one face in one frame.

    heatmap: optional float32 map in 0..1 of where the signal sees manipulation, in frame
    coordinates (same H×W as the frame; zeros where the signal did not look). Only signals that
    localise (blending boundary, noise) return one, and only when asked (`want_heatmap`).
    """

    score: float | None
    reason: str = ""
    heatmap: np.ndarray | None = field(default=None, compare=False, repr=False)
    details: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SignalScore:
    """A signal's verdict on a whole face track (or on the one face of a still image).

    crop, heatmap: optional picture for the report from a track signal that localises — an
    aligned face crop (h×w×3 uint8 RGB) and a float32 map in 0..1 over it of where the signal
    sees manipulation. Not part of the JSON."""

    score: float | None
    reason: str = ""  # why n/a, or a one-line finding in plain language
    details: dict[str, float] = field(default_factory=dict)  # raw measures for the JSON and report
    crop: np.ndarray | None = field(default=None, compare=False, repr=False)
    heatmap: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SignalInfo:
    """What the report says about a signal."""

    name: str  # key in the JSON, e.g. "blending"
    title: str  # e.g. "Blending boundary"
    explanation: str  # plain language: what it looks at, what fools it
    map_legend: str = ""  # for a signal whose SignalScore carries a heatmap: what its colours mean


@runtime_checkable
class FrameSignal(Protocol):
    info: SignalInfo

    def score_face(self, image: np.ndarray, face: Face, *, want_heatmap: bool = False) -> FaceEvidence: ...


class TrackAccumulator(Protocol):
    def add(self, image: np.ndarray, face: Face, time_s: float) -> None: ...

    def result(self) -> SignalScore: ...


@runtime_checkable
class LocalTrackAccumulator(TrackAccumulator, Protocol):
    """A track accumulator that can also judge the moments of a track (for the video's timeline):
    its score from the evidence near each time (seconds), None where there is too little."""

    def local_scores(self, times: Sequence[float]) -> list[float | None]: ...


@runtime_checkable
class TrackSignal(Protocol):
    info: SignalInfo

    def start(self, fps: float, *, maps: bool = True) -> TrackAccumulator:
        """An accumulator for one face track fed at `fps` frames a second. maps: also build the
        picture for the report (`SignalScore.crop`, `heatmap`) where the signal draws one; False
        saves that work when no report is wanted."""
        ...
