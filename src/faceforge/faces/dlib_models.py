"""Lazy loaders for dlib's face models (shipped by `face_recognition_models`).

The model files are located through the package's import spec, without
importing it: its ``__init__`` imports ``pkg_resources``, which is slow and
deprecated. Each loader builds its model once, on first use, and caches it;
nothing is loaded at import time.

Models (all by Davis King, dlib; see the `face_recognition_models` licence):

- ``shape_predictor_68_face_landmarks.dat``: 68-point iBUG 300-W landmarks.
- ``shape_predictor_5_face_landmarks.dat``: 5 points (eye corners, nose base),
  the alignment the face encoder was trained with.
- ``dlib_face_recognition_resnet_model_v1.dat``: ResNet-34 variant that maps an
  aligned 150×150 face chip to a 128-d embedding (99.38 % on LFW).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from faceforge.errors import DependencyError

_PACKAGE = "face_recognition_models"

SHAPE_68_FILE = "shape_predictor_68_face_landmarks.dat"
SHAPE_5_FILE = "shape_predictor_5_face_landmarks.dat"
ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"


def _dlib() -> Any:
    try:
        import dlib
    except ImportError as exc:  # pragma: no cover - dlib-bin is a hard dependency
        raise DependencyError("dlib is not installed; install the 'dlib-bin' package") from exc
    return dlib


@cache
def models_dir() -> Path:
    """The folder holding the `face_recognition_models` .dat files.

    Raises DependencyError when the package is not installed.
    """
    spec = importlib.util.find_spec(_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise DependencyError(f"the '{_PACKAGE}' package is not installed; install face-recognition-models==0.3.0")
    return Path(locations[0]) / "models"


def model_path(name: str) -> Path:
    """Full path of one model file; DependencyError when it is missing."""
    path = models_dir() / name
    if not path.is_file():
        raise DependencyError(f"dlib model file missing: {path} (reinstall face-recognition-models==0.3.0)")
    return path


@cache
def shape_predictor_68() -> Any:
    """dlib.shape_predictor for the 68 iBUG 300-W landmarks."""
    return _dlib().shape_predictor(str(model_path(SHAPE_68_FILE)))


@cache
def shape_predictor_5() -> Any:
    """dlib.shape_predictor for 5 points (outer/inner eye corners, nose base)."""
    return _dlib().shape_predictor(str(model_path(SHAPE_5_FILE)))


@cache
def face_encoder() -> Any:
    """dlib.face_recognition_model_v1: aligned face → 128-d embedding."""
    return _dlib().face_recognition_model_v1(str(model_path(ENCODER_FILE)))


@cache
def hog_detector() -> Any:
    """dlib's frontal face detector (HOG + linear SVM)."""
    return _dlib().get_frontal_face_detector()


__all__ = [
    "models_dir",
    "model_path",
    "shape_predictor_68",
    "shape_predictor_5",
    "face_encoder",
    "hog_detector",
]
