"""Reading and encoding still images.

Everything returned is an H×W×3 uint8 RGB array, upright (EXIF orientation applied),
with transparency composited over white. Decoding is strict: a truncated file raises
`CorruptMedia`, never a half-grey picture.
"""

from __future__ import annotations

import io
import math
import os
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from faceforge.errors import CorruptMedia, InputError, MediaTooLarge, UnsupportedMedia
from faceforge.media._arrays import apply_exif_orientation, check_rgb
from faceforge.media._sniff import ANIMATED_FORMATS, Sniffed, check_input_file, sniff_file

DEFAULT_MAX_MEGAPIXELS = 150.0
MAX_MEGAPIXELS_ENV = "FACEFORGE_MAX_MEGAPIXELS"

_PILLOW_FORMATS = {
    "jpeg": ["JPEG", "MPO"],  # camera JPEGs with a preview image open as MPO
    "png": ["PNG"],
    "webp": ["WEBP"],
    "bmp": ["BMP"],
    "tiff": ["TIFF"],
    "gif": ["GIF"],
}
# What Pillow raises for damaged data: OSError ("image file is truncated"), SyntaxError (bad
# chunk), plus the low-level errors a few plugins let through.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)
_CORRUPT_HINT = "the file is damaged or truncated; export or download it again"
_ENCODERS = {"png": "PNG", "jpeg": "JPEG", "jpg": "JPEG", "webp": "WEBP"}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class ImageLimits:
    """The decompression-bomb guard: images over `max_megapixels` are refused before decoding.

    A 30000×30000 PNG is a few kilobytes on disk but 2.7 GB once decoded; the pixel count
    in the header is checked first so such a file costs nothing.
    """

    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS

    @classmethod
    def resolve(cls, max_megapixels: float | None = None) -> ImageLimits:
        """Use `max_megapixels` if given, else $FACEFORGE_MAX_MEGAPIXELS, else the default."""
        if max_megapixels is None:
            raw = os.environ.get(MAX_MEGAPIXELS_ENV, "").strip()
            if not raw:
                return cls()
            try:
                max_megapixels = float(raw)
            except ValueError:
                raise InputError(
                    f"{MAX_MEGAPIXELS_ENV}={raw!r} is not a number (set it to a megapixel limit such as 300)"
                ) from None
            if not max_megapixels > 0:
                raise InputError(f"{MAX_MEGAPIXELS_ENV}={raw!r} must be a positive number of megapixels")
        elif not max_megapixels > 0:  # also rejects NaN
            raise ValueError(f"max_megapixels must be a positive number, got {max_megapixels!r}")
        return cls(float(max_megapixels))

    def check(self, path: Path, width: int, height: int) -> None:
        """Raise MediaTooLarge if width×height is over the limit."""
        megapixels = width * height / 1e6
        if megapixels > self.max_megapixels:
            raise MediaTooLarge(
                path,
                f"{width}×{height} is {megapixels:.1f} megapixels, over the {self.max_megapixels:g} MP limit",
                f"raise it with --max-megapixels or {MAX_MEGAPIXELS_ENV}",
            )


@dataclass(frozen=True)
class ImageInfo:
    """What the header of an image says. `width`/`height` are as displayed (after EXIF rotation).

    `format` is the sniffed format ("jpeg", "png", "webp", "bmp", "tiff", "gif"); `mode` is
    Pillow's mode string ("RGB", "RGBA", "L", "I;16", "CMYK", "P", ...).
    """

    path: Path
    width: int
    height: int
    format: str
    mode: str
    exif_rotated: bool


def read_image(
    path: str | Path, *, max_megapixels: float | None = None, fit_megapixels: float | None = None
) -> np.ndarray:
    """Read a still image as an H×W×3 uint8 RGB array, upright and without transparency.

    Reads JPEG, PNG (8/16-bit, grey, palette, alpha), WebP, BMP, TIFF and GIF (first frame).
    16-bit samples are scaled to 8 bits (v·255/65535, rounded); alpha is composited over
    white; CMYK goes through the embedded ICC profile when there is one. Images over
    `max_megapixels` (default: $FACEFORGE_MAX_MEGAPIXELS or 150) are refused from the header.

    fit_megapixels: an image with more pixels comes back scaled down (area average) to about
    that many, aspect kept. A JPEG is then decoded at 1/2, 1/4 or 1/8 of its size to start with
    (libjpeg's DCT-domain scaling: a 14 MP photo decodes in about half the time), never below
    the size asked for; other formats are decoded whole first.

    Raises MediaNotFound, UnsupportedMedia (folder, empty, not an image), MediaTooLarge,
    CorruptMedia (truncated or undecodable).
    """
    limits = ImageLimits.resolve(max_megapixels)
    if fit_megapixels is not None and not fit_megapixels > 0:
        raise ValueError(f"fit_megapixels must be a positive number or None, got {fit_megapixels!r}")
    path = check_input_file(path)
    fmt = _image_format(path)
    with open_pillow(path, fmt) as im:
        limits.check(path, *im.size)
        sixteen_bit = _is_16bit_colour(im)  # the tile list that tells is gone after load()
        wanted = fitted_size(im.size, fit_megapixels)
        if fmt == "jpeg" and wanted != im.size:
            im.draft(None, wanted)  # the largest 1/2^k scale not under it
        _load_strict(path, im)
        # Read after load(): Pillow (and OpenCV) turn TIFFs upright themselves and Pillow then
        # drops the tag, so only what is left still needs turning.
        orientation = _orientation(im)
        rgb = _decode_16bit_colour(path) if sixteen_bit else None
        if rgb is None:
            rgb = pillow_to_rgb(path, im)
    size = (rgb.shape[1], rgb.shape[0])  # as decoded: maybe drafted smaller, a TIFF maybe turned already
    wanted = fitted_size(size, fit_megapixels)
    if wanted != size:
        rgb = cv2.resize(rgb, wanted, interpolation=cv2.INTER_AREA)
    return apply_exif_orientation(rgb, orientation)


def fitted_size(size: tuple[int, int], megapixels: float | None) -> tuple[int, int]:
    """(width, height) scaled down, aspect kept, to at most `megapixels` (None: unchanged)."""
    width, height = size
    if megapixels is None or width * height <= megapixels * 1e6:
        return size
    scale = math.sqrt(megapixels * 1e6 / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def image_info(path: str | Path) -> ImageInfo:
    """Read the header of an image (no pixel decoding, no size limit)."""
    path = check_input_file(path)
    fmt = _image_format(path)
    with open_pillow(path, fmt) as im:
        # PNG's getexif() would decode the whole image to find a trailing eXIf chunk;
        # a header read only looks at what came before the pixels.
        orientation = _orientation(im) if fmt != "png" else _orientation_from_info(im)
        width, height = im.size
        mode = im.mode
        if orientation in (5, 6, 7, 8) and not _size_is_upright(im):
            width, height = height, width
    return ImageInfo(path, width, height, fmt, mode, exif_rotated=orientation not in (0, 1))


def is_image_file(path: str | Path) -> bool:
    """True if the content (not the name) is a still image faceforge reads.

    Animated GIF/WebP/PNG count as video, not image. Never raises.
    """
    try:
        path = check_input_file(path)
        sniffed = sniff_file(path)
        return sniffed is not None and sniffed.kind == "image" and not is_animated_image(path, sniffed)
    except (OSError, InputError):
        return False


def is_animated_image(path: Path, sniffed: Sniffed) -> bool:
    """True for a GIF/WebP/PNG file with more than one frame (reads the header only)."""
    if sniffed.kind != "image" or sniffed.name not in ANIMATED_FORMATS:
        return False
    try:
        with open_pillow(path, sniffed.name) as im:
            return bool(getattr(im, "is_animated", False))
    except (InputError, *_DECODE_ERRORS):
        return False


def write_image_bytes(image: np.ndarray, fmt: str, *, quality: int = 95) -> bytes:
    """Encode an H×W×3 uint8 RGB array as PNG, JPEG or WebP bytes.

    `fmt` is "png", "jpeg"/"jpg" or "webp" (case-insensitive); `quality` (1-100) applies to
    JPEG and WebP. This is a pure encoder: files are written by `faceforge.media.output`.
    """
    key = fmt.lower().lstrip(".")
    if key not in _ENCODERS:
        raise ValueError(f"fmt must be one of 'png', 'jpeg', 'webp', got {fmt!r}")
    check_rgb(image, "image")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be between 1 and 100, got {quality}")
    pil = Image.fromarray(np.ascontiguousarray(image))
    buffer = io.BytesIO()
    if _ENCODERS[key] == "PNG":
        pil.save(buffer, format="PNG", compress_level=6)
    elif _ENCODERS[key] == "JPEG":
        pil.save(buffer, format="JPEG", quality=quality)
    else:
        pil.save(buffer, format="WEBP", quality=quality, method=4)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- internals


def _image_format(path: Path) -> str:
    """The sniffed still-image format of `path`, or UnsupportedMedia saying what it is instead."""
    sniffed = sniff_file(path)
    if sniffed is not None and sniffed.kind == "image":
        return sniffed.name
    if sniffed is not None and sniffed.kind == "unsupported-image":
        raise UnsupportedMedia(path, "is a HEIC/AVIF image, which faceforge cannot read", "convert it to JPEG or PNG")
    if sniffed is not None and sniffed.kind == "video":
        raise UnsupportedMedia(path, f"is a video ({sniffed.name}), not an image", "use read_video for videos")
    if sniffed is not None and sniffed.kind == "audio":
        raise UnsupportedMedia(path, f"is audio ({sniffed.name}), not an image", "give a photo")
    raise UnsupportedMedia(
        path, "not an image (content is not JPEG/PNG/WebP/BMP/TIFF/GIF)", "give a photo in one of these formats"
    )


@contextmanager
def open_pillow(path: Path, fmt: str) -> Iterator[Image.Image]:
    """Open `path` with Pillow restricted to the sniffed format; header errors → CorruptMedia."""
    # faceforge's own guard (ImageLimits) replaces Pillow's, which would refuse anything over
    # ~179 MP with its own error even when the user raised our limit.
    Image.MAX_IMAGE_PIXELS = None
    try:
        im = Image.open(path, formats=_PILLOW_FORMATS[fmt])
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise CorruptMedia(
            path, f"looks like {fmt.upper()} but its header cannot be read: {exc}", _CORRUPT_HINT
        ) from exc
    try:
        yield im
    finally:
        im.close()


def _load_strict(path: Path, im: Image.Image) -> None:
    # LOAD_TRUNCATED_IMAGES is Pillow's global default False; if anything flipped it, a cut
    # file would come back half grey, so refuse to run that way.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True; faceforge needs strict decoding")
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise CorruptMedia(path, f"cannot be decoded: {exc}", _CORRUPT_HINT) from exc


def _orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not make a good picture unreadable
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _size_is_upright(im: Image.Image) -> bool:
    """Pillow turns TIFFs upright itself (size included) and drops the tag once loaded."""
    tags = getattr(im, "tag_v2", None)
    if tags is None:
        return False
    return im.size != (tags.get(256), tags.get(257))  # ImageWidth, ImageLength as stored


def _orientation_from_info(im: Image.Image) -> int:
    if "exif" not in im.info:
        return 1
    try:
        exif = Image.Exif()
        exif.load(im.info["exif"])
        value = exif.get(_EXIF_ORIENTATION, 1)
    except Exception:
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def pillow_to_rgb(path: Path, im: Image.Image) -> np.ndarray:
    """Convert a loaded Pillow image (any mode) to H×W×3 uint8 RGB, alpha over white."""
    mode = im.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        grey = _high_bit_grey_to_uint8(np.asarray(im))
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "CMYK":
        return _cmyk_to_rgb(im)
    if im.has_transparency_data:
        rgba = np.asarray(im.convert("RGBA"))
        return _over_white(rgba[:, :, :3].astype(np.float32), rgba[:, :, 3].astype(np.float32) / 255.0)
    if mode == "RGB":
        return np.array(im)
    try:
        return np.array(im.convert("RGB"))
    except ValueError as exc:
        raise UnsupportedMedia(path, f"colour mode {mode} is not supported: {exc}", "save it as 8-bit RGB") from exc


def _is_16bit_colour(im: Image.Image) -> bool:
    """True for 16-bit RGB(A) and grey+alpha PNG/TIFF, which Pillow loads as 8-bit by truncation."""
    tile = getattr(im, "tile", None)  # files' images only (ImageFile)
    if im.mode not in ("RGB", "RGBA") or not tile:
        return False
    args = tile[0].args
    rawmode = args[0] if isinstance(args, tuple) and args else args
    return isinstance(rawmode, str) and ";16" in rawmode


def _decode_16bit_colour(path: Path) -> np.ndarray | None:
    # OpenCV keeps all 16 bits. IMREAD_UNCHANGED leaves PNG EXIF orientation to us but, like
    # Pillow, turns TIFFs upright on its own.
    # Pillow has already decoded the file strictly, so a None here is unexpected: fall back.
    data = np.fromfile(path, dtype=np.uint8)
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.dtype != np.uint16 or decoded.ndim != 3:
        return None
    scale = 255.0 / 65535.0
    rgb = decoded[:, :, 2::-1].astype(np.float32) * scale
    if decoded.shape[2] == 4:
        return _over_white(rgb, decoded[:, :, 3].astype(np.float32) / 65535.0)
    return np.rint(rgb).astype(np.uint8)


def _high_bit_grey_to_uint8(values: np.ndarray) -> np.ndarray:
    """Scale 16-bit, 32-bit integer or float grey to uint8 (rounded, never clipped)."""
    values = values.astype(np.float64)
    if values.size == 0:
        return values.astype(np.uint8)
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 1.0 and values.dtype.kind == "f":
        scaled = values * 255.0
    elif low >= 0 and high <= 65535:
        scaled = values * (255.0 / 65535.0)
    elif math.isfinite(low) and math.isfinite(high) and high > low:
        scaled = (values - low) * (255.0 / (high - low))  # out-of-range data: stretch to fit
    else:
        scaled = np.zeros_like(values)
    return np.rint(scaled).astype(np.uint8)


def _cmyk_to_rgb(im: Image.Image) -> np.ndarray:
    icc = im.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if source.profile.xcolor_space.strip() == "CMYK":
                srgb = ImageCms.createProfile("sRGB")
                converted = ImageCms.profileToProfile(im, source, srgb, outputMode="RGB")
                if converted is not None:
                    return np.array(converted)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: Pillow's naive conversion is still a fair picture
    return np.array(im.convert("RGB"))


def _over_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite float RGB (0-255) with float alpha (0-1) over a white background."""
    alpha = alpha[:, :, None]
    out = rgb * alpha + 255.0 * (1.0 - alpha)
    return np.rint(out).clip(0, 255).astype(np.uint8)


__all__ = [
    "DEFAULT_MAX_MEGAPIXELS",
    "MAX_MEGAPIXELS_ENV",
    "ImageInfo",
    "ImageLimits",
    "image_info",
    "is_image_file",
    "read_image",
    "write_image_bytes",
]
