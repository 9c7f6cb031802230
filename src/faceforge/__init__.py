"""faceforge: local, privacy-first AI face effects and fake-face screening."""

from faceforge.errors import (
    CorruptMedia,
    DependencyError,
    FaceforgeError,
    InputError,
    MediaNotFound,
    MediaTooLarge,
    NoFaceFound,
    OutputError,
    UnsupportedMedia,
)
from faceforge.faces.face import Face, FaceMasks, HeadPose

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Heavy entry points load on first use, so `import faceforge` stays fast."""
    if name == "analyze":
        from faceforge.faces.analyzer import analyze

        return analyze
    if name == "detect":
        from faceforge.forensics.pipeline import detect

        return detect
    if name == "analyze_video":
        from faceforge.faces.video_analysis import analyze_video

        return analyze_video
    raise AttributeError(f"module 'faceforge' has no attribute {name!r}")


__all__ = [
    "__version__",
    "analyze",
    "analyze_video",
    "detect",
    "Face",
    "FaceMasks",
    "HeadPose",
    "FaceforgeError",
    "InputError",
    "MediaNotFound",
    "UnsupportedMedia",
    "CorruptMedia",
    "MediaTooLarge",
    "NoFaceFound",
    "OutputError",
    "DependencyError",
]
