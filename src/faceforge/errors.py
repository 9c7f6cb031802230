"""The faceforge exception tree.

    FaceforgeError                  root: everything faceforge raises on purpose
    ├── InputError                  the user's input cannot be used (CLI exit 2, API 4xx)
    │   ├── MediaNotFound           path missing
    │   ├── UnsupportedMedia        not a file we can read: folder, empty, wrong content, no video stream
    │   ├── CorruptMedia            a known format, but broken (truncated, undecodable)
    │   ├── MediaTooLarge           refused by the decompression-bomb guard
    │   └── NoFaceFound             no face where one is needed
    ├── OutputError                 the output cannot be written (CLI exit 3)
    └── DependencyError             a bundled model or optional package is missing (CLI exit 4)

Every error carries the facts (`path`, `reason`) so the CLI and the server can
print one specific line without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class FaceforgeError(Exception):
    """Root of every error faceforge raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(FaceforgeError):
    """The user's input cannot be used; the fix is on the user's side."""


class _PathError(InputError):
    """An input error about one file: the message names the file."""

    def __init__(self, path: str | Path, reason: str, hint: str = "") -> None:
        self.path = Path(path)
        self.reason = reason
        self.hint = hint
        text = f"{self.path}: {reason}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class MediaNotFound(_PathError):
    def __init__(self, path: str | Path) -> None:
        super().__init__(path, "no such file", "check the path")


class UnsupportedMedia(_PathError):
    """Not something faceforge can read: a folder, an empty file, another format."""


class CorruptMedia(_PathError):
    """A format faceforge reads, but the file is damaged or truncated."""


class MediaTooLarge(_PathError):
    """Refused by the decompression-bomb guard (see `faceforge.media.image.ImageLimits`)."""


class NoFaceFound(InputError):
    def __init__(self, what: str, hint: str = "") -> None:
        self.what = what
        text = f"{what}: no face found"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class OutputError(FaceforgeError):
    """The output cannot be written (folder missing, no permission, disk full)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot write output: {reason}")


class DependencyError(FaceforgeError):
    """A bundled model file or an optional package is missing."""


__all__ = [
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
