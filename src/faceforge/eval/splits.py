"""Which real media may train faceforge's detectors and which are kept for evaluating them.

Split by source and identity: nothing under a TRAIN prefix is ever scored by `bench/detect.py`,
and nothing under an EVAL prefix ever trains a model (the blending CNN, the frequency classifier).
The fusion combiner is fitted on EVAL items only with identity-grouped cross-validation, so its
reported figures are always out-of-fold. Paths are relative to `../shared/data`.
"""

from __future__ import annotations

from pathlib import Path

DETECT_TRAIN_PREFIXES = (
    "portraits/",
    "restoration/",
    "talking/voxceleb2/",
)
DETECT_EVAL_PREFIXES = (
    "talking/mead/",
    "talking/voxceleb/",
    "talking/speech/",
    "talking/hdtf/",
    "forensics/",
)


def detect_split(relative_path: str | Path) -> str:
    """'train', 'eval' or 'unused' for a path relative to the shared data folder."""
    p = str(relative_path).replace("\\", "/")
    if p.startswith(DETECT_TRAIN_PREFIXES):
        return "train"
    if p.startswith(DETECT_EVAL_PREFIXES):
        return "eval"
    return "unused"
