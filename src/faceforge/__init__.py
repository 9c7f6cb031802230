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

__all__ = [
    "__version__",
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
