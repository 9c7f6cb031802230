"""The only place that constructs MediaPipe graphs (lazily, never at import)."""

from __future__ import annotations

import os

# Quiet the C++ logging of MediaPipe/TFLite before the first import of mediapipe.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from typing import Any  # noqa: E402

from faceforge.errors import DependencyError  # noqa: E402


def solutions() -> Any:
    try:
        from mediapipe.python import solutions as mp_solutions
    except ImportError as exc:  # pragma: no cover - the package pins it
        raise DependencyError(
            f"mediapipe cannot be imported ({exc}); reinstall faceforge with its pinned dependencies"
        ) from exc
    return mp_solutions


def face_detection(full_range: bool, min_score: float) -> Any:
    """BlazeFace: full range (faces up to ~5 m, 192² input) or short range (selfies, 128² input)."""
    return solutions().face_detection.FaceDetection(
        model_selection=1 if full_range else 0, min_detection_confidence=min_score
    )


def face_mesh(*, video: bool, min_score: float) -> Any:
    """Face mesh with attention refinement: 478 landmarks (468 + irises)."""
    return solutions().face_mesh.FaceMesh(
        static_image_mode=not video,
        max_num_faces=1,
        refine_landmarks=True,
        min_detection_confidence=min_score,
        min_tracking_confidence=min_score,
    )


def hands(*, video: bool, min_score: float) -> Any:
    """Hands: palm detector + 21 hand landmarks, the full model (see `faceforge.faces.hands`)."""
    return solutions().hands.Hands(
        static_image_mode=not video,
        max_num_hands=2,
        model_complexity=1,
        min_detection_confidence=min_score,
        min_tracking_confidence=min_score,
    )


def selfie_segmentation() -> Any:
    return solutions().selfie_segmentation.SelfieSegmentation(model_selection=0)
