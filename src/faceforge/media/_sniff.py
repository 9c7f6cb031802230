"""Decide what a file is from its first bytes, not from its name.

Extensions lie (a PNG saved as `.jpg`, a text file named `.mp4`), so every reader in
`faceforge.media` sniffs the content first and picks the decoder from the magic bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from faceforge.errors import MediaNotFound, UnsupportedMedia

SniffKind = Literal["image", "video", "audio", "unsupported-image"]

#: Image formats that may hold an animation, read as video (APNG included).
ANIMATED_FORMATS: tuple[str, ...] = ("gif", "webp", "png")

_HEAD_BYTES = 512
# ISO-BMFF brands that mean a still image (HEIC/AVIF) or audio only (iTunes audio).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
# Old QuickTime files start straight with one of these atoms instead of `ftyp`.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}
# Sizes of the BMP info headers (BITMAPCOREHEADER ... BITMAPV5HEADER); "BM" alone is too weak.
_BMP_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of a file say it is.

    `kind` is "image" (a still or animated picture faceforge reads), "video" (a container
    that may hold video; the streams decide), "audio" (a container that holds audio only)
    or "unsupported-image" (HEIC/AVIF). `name` is a short lower-case format name.
    """

    kind: SniffKind
    name: str


def check_input_file(path: str | Path) -> Path:
    """Return `path` as a `Path` if it is a non-empty regular file.

    Raises MediaNotFound when nothing is there, UnsupportedMedia for a folder, something
    that is not a regular file, or an empty file.
    """
    path = Path(path)
    if not path.exists():
        raise MediaNotFound(path)
    if path.is_dir():
        raise UnsupportedMedia(path, "is a folder, not a file", "give the path of one image or video")
    if not path.is_file():
        raise UnsupportedMedia(path, "is not a regular file", "give the path of one image or video")
    if path.stat().st_size == 0:
        raise UnsupportedMedia(path, "is empty (0 bytes)", "the file was not written completely; export it again")
    return path


#: A file under one of these names is taken from a folder even when its first bytes are not
#: recognised, so that a damaged or empty photo or video is reported rather than passed over.
MEDIA_NAME_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".gif", ".heic", ".heif", ".avif"}
    | {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".3gp"}
)


@dataclass(frozen=True)
class FolderMedia:
    """What `media_in_folder` found: the media files, how many other files it passed over, and the
    subfolders it could not open (no permission, removed meanwhile)."""

    files: list[Path]
    passed_over: int
    unreadable: list[Path]


def media_in_folder(folder: Path) -> FolderMedia:
    """The images and videos in `folder` and its subfolders. Folder by folder: a folder's files in
    name order, then its subfolders, each in name order.

    A file counts by its content (`sniff_file` says image, video, or a HEIC/AVIF still, whose
    reader then says why it cannot be read) or by a photo's or video's name. Audio, every other
    file and whatever is not a regular file (a pipe, a socket) are passed over; hidden files and
    folders (names starting with ".") are not looked at; links to folders are not followed.
    """
    found: list[Path] = []
    unreadable: list[Path] = []
    passed_over = 0
    for root, folders, names in os.walk(folder, onerror=lambda error: unreadable.append(Path(error.filename))):
        folders[:] = sorted(d for d in folders if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(root) / name
            if _looks_like_media(path):
                found.append(path)
            else:
                passed_over += 1
    return FolderMedia(found, passed_over, unreadable)


def _looks_like_media(path: Path) -> bool:
    if not path.is_file():  # opening a named pipe to sniff it would wait for a writer
        return False
    if path.suffix.lower() in MEDIA_NAME_SUFFIXES:
        return True
    try:
        sniffed = sniff_file(path)
    except OSError:
        return False
    return sniffed is not None and sniffed.kind in ("image", "video", "unsupported-image")


def sniff_file(path: Path) -> Sniffed | None:
    """Sniff the first bytes of an existing file; None when the content is not recognised."""
    with open(path, "rb") as handle:
        return sniff_bytes(handle.read(_HEAD_BYTES))


def sniff_bytes(head: bytes) -> Sniffed | None:
    """Name the format of a file from its first bytes (at least 12, ideally 512)."""
    image = _sniff_image(head)
    if image is not None:
        return Sniffed("image", image)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return Sniffed("unsupported-image", "heif")
        if brand in _AUDIO_BRANDS:
            return Sniffed("audio", "m4a")
        return Sniffed("video", "mov" if brand == b"qt  " else "mp4")
    if head[4:8] in _QUICKTIME_ATOMS:
        return Sniffed("video", "mov")
    return _sniff_other_container(head)


def _sniff_image(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "bmp"
    return None


def _sniff_other_container(head: bytes) -> Sniffed | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "matroska")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("video", "avi")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "wav")
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return Sniffed("video", "asf")
    if head.startswith(b"FLV"):
        return Sniffed("video", "flv")
    if head.startswith(b"OggS"):
        return Sniffed("video", "ogg")
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return Sniffed("video", "mpeg")
    if len(head) > 188 and head[0] == 0x47 and head[188] == 0x47:
        return Sniffed("video", "mpegts")
    if head.startswith(b"YUV4MPEG2"):
        return Sniffed("video", "y4m")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed("audio", "mp3")
    return None
