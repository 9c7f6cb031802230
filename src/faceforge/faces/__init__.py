"""Faces: detection, landmarks, pose, masks, tracking, identity.

The records (`Face`, `HeadPose`, `FaceMasks`) import instantly; the model-backed
entry points load MediaPipe on first use.
"""

from importlib import import_module

from faceforge.faces.face import Face, FaceMasks, HeadPose

_LAZY = {
    "AnalyzeOptions": "faceforge.faces.analyzer",
    "FaceAnalyzer": "faceforge.faces.analyzer",
    "analyze": "faceforge.faces.analyzer",
    "FaceTracker": "faceforge.faces.tracker",
    "TrackerOptions": "faceforge.faces.tracker",
    "VideoAnalysis": "faceforge.faces.video_analysis",
    "analyze_video": "faceforge.faces.video_analysis",
    "face_embedding": "faceforge.faces.identity",
    "same_person": "faceforge.faces.identity",
    "identity_distance": "faceforge.faces.identity",
    "cluster_identities": "faceforge.faces.identity",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'faceforge.faces' has no attribute {name!r}")


__all__ = ["Face", "FaceMasks", "HeadPose", *_LAZY]
