"""read_image, image_info, is_image_file and write_image_bytes on generated files."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from faceforge.errors import CorruptMedia, InputError, MediaNotFound, MediaTooLarge, UnsupportedMedia
from faceforge.media import image_info, is_image_file, read_image, write_image_bytes
from faceforge.media._arrays import apply_exif_orientation

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def _rgb_pattern(height: int = 20, width: int = 40) -> np.ndarray:
    """Distinct colours in the four corners so any rotation or flip shows."""
    image = np.full((height, width, 3), 128, np.uint8)
    image[:5, :5] = RED
    image[:5, -5:] = GREEN
    image[-5:, :5] = BLUE
    image[-5:, -5:] = WHITE
    return image


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize("suffix,options", [(".png", {}), (".webp", {"lossless": True}), (".bmp", {}), (".tif", {})])
def test_lossless_formats_read_back_exactly(tmp_path: Path, suffix: str, options: dict) -> None:
    pattern = _rgb_pattern()
    path = tmp_path / f"pattern{suffix}"
    Image.fromarray(pattern).save(path, **options)
    result = read_image(path)
    assert result.dtype == np.uint8 and result.shape == (20, 40, 3)
    np.testing.assert_array_equal(result, pattern)


def test_jpeg_reads_close_to_original(tmp_path: Path) -> None:
    pattern = _rgb_pattern(64, 64)
    Image.fromarray(pattern).save(tmp_path / "p.jpg", quality=95)
    result = read_image(tmp_path / "p.jpg")
    assert result.shape == (64, 64, 3)
    assert np.abs(result.astype(int) - pattern).mean() < 4


def test_content_decides_not_the_name(tmp_path: Path) -> None:
    pattern = _rgb_pattern()
    path = tmp_path / "actually_a_png.jpg"
    Image.fromarray(pattern).save(path, format="PNG")
    np.testing.assert_array_equal(read_image(path), pattern)


def test_grey_8bit_png_becomes_three_equal_channels(tmp_path: Path) -> None:
    grey = np.arange(256, dtype=np.uint8).reshape(16, 16)
    Image.fromarray(grey).save(tmp_path / "g.png")
    result = read_image(tmp_path / "g.png")
    assert result.shape == (16, 16, 3)
    for channel in range(3):
        np.testing.assert_array_equal(result[:, :, channel], grey)


def test_grey_16bit_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[0, 257 * 100, 32768, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode.startswith("I;16")
    result = read_image(tmp_path / "g16.png")
    # Clipping would turn every value above 255 white.
    np.testing.assert_array_equal(result[0, :, 0], [0, 100, 128, 255])
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 2])


def test_rgb_16bit_png_scales_each_channel(tmp_path: Path) -> None:
    rgb16 = np.zeros((4, 6, 3), np.uint16)
    rgb16[..., 0] = 65535
    rgb16[..., 1] = 257 * 77 + 128  # rounds to 77.5 -> 78 with rounding, 77 with truncation
    rgb16[..., 2] = 300
    assert cv2.imwrite(str(tmp_path / "c16.png"), rgb16[:, :, ::-1])
    result = read_image(tmp_path / "c16.png")
    expected = np.rint(rgb16.astype(np.float64) * 255 / 65535).astype(np.uint8)
    np.testing.assert_array_equal(result, expected)


def test_rgb_16bit_tiff(tmp_path: Path) -> None:
    rgb16 = np.zeros((4, 6, 3), np.uint16)
    rgb16[..., 0] = 40000
    rgb16[..., 2] = 1000
    assert cv2.imwrite(str(tmp_path / "c16.tif"), rgb16[:, :, ::-1])
    result = read_image(tmp_path / "c16.tif")
    np.testing.assert_array_equal(result[0, 0], [156, 0, 4])


def _tiff_rgb16(pixels: np.ndarray, orientation: int) -> bytes:
    """A minimal little-endian, uncompressed 16-bit RGB TIFF with an Orientation tag."""
    height, width, _ = pixels.shape
    data = pixels.astype("<u2").tobytes()
    entries = [  # (tag, type, count, value); type 3 = SHORT, 4 = LONG
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 3, 0),  # BitsPerSample: 3 values, stored after the IFD
        (259, 3, 1, 1),
        (262, 3, 1, 2),
        (273, 4, 1, 0),  # StripOffsets: patched below
        (274, 3, 1, orientation),
        (277, 3, 1, 3),
        (278, 4, 1, height),
        (279, 4, 1, len(data)),
        (284, 3, 1, 1),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    bits_at = 8 + ifd_size
    data_at = bits_at + 6
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        value = {258: bits_at, 273: data_at}.get(tag, value)
        packed = struct.pack("<HH", value, 0) if kind == 3 and tag != 258 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 4 + struct.pack("<3H", 16, 16, 16) + data


def test_rgb_16bit_tiff_with_orientation_is_turned_once(tmp_path: Path) -> None:
    stored = np.zeros((2, 4, 3), np.uint16)
    stored[0, 0] = (65535, 0, 0)  # red in the stored top-left corner
    (tmp_path / "rot16.tif").write_bytes(_tiff_rgb16(stored, orientation=6))
    result = read_image(tmp_path / "rot16.tif")
    assert result.shape == (4, 2, 3)
    np.testing.assert_array_equal(result[0, 1], [255, 0, 0])  # now top-right
    assert result[0, 0].max() == 0 and result[1:].max() == 0


def test_rgb_16bit_png_with_orientation_is_turned_once(tmp_path: Path) -> None:
    stored = np.zeros((2, 4, 3), np.uint16)
    stored[0, 0] = (65535, 0, 0)
    assert cv2.imwrite(str(tmp_path / "plain16.png"), stored[:, :, ::-1])
    exif = Image.Exif()
    exif[0x0112] = 6
    data = (tmp_path / "plain16.png").read_bytes()
    ihdr_end = 8 + 25  # signature + IHDR chunk
    exif_chunk = _png_chunk(b"eXIf", exif.tobytes()[6:])  # without the "Exif\0\0" JPEG prefix
    (tmp_path / "rot16.png").write_bytes(data[:ihdr_end] + exif_chunk + data[ihdr_end:])
    result = read_image(tmp_path / "rot16.png")
    assert result.shape == (4, 2, 3)
    np.testing.assert_array_equal(result[0, 1], [255, 0, 0])


def test_rgba_16bit_png_composites_over_white(tmp_path: Path) -> None:
    bgra = np.zeros((2, 2, 4), np.uint16)
    bgra[..., 2] = 65535  # red
    bgra[0, 0, 3] = 65535  # opaque
    bgra[0, 1, 3] = 0  # transparent
    assert cv2.imwrite(str(tmp_path / "a16.png"), bgra)
    result = read_image(tmp_path / "a16.png")
    np.testing.assert_array_equal(result[0, 0], RED)
    np.testing.assert_array_equal(result[0, 1], WHITE)


def test_grey_alpha_16bit_png(tmp_path: Path) -> None:
    # Pillow and OpenCV cannot write 16-bit grey+alpha, so build the PNG by hand.
    rows = np.array([[[65535, 65535], [0, 0]]], dtype=">u2")  # white opaque, black transparent
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)
    ihdr = struct.pack(">IIBBBBB", 2, 1, 16, 4, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw))
        + _png_chunk(b"IEND", b"")
    )
    (tmp_path / "la16.png").write_bytes(png)
    result = read_image(tmp_path / "la16.png")
    np.testing.assert_array_equal(result[0], [WHITE, WHITE])


def test_palette_png(tmp_path: Path) -> None:
    pattern = _rgb_pattern()
    palette_image = Image.fromarray(pattern).quantize(colors=8)
    palette_image.save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), np.asarray(palette_image.convert("RGB")))


def test_palette_png_with_transparent_index_is_white(tmp_path: Path) -> None:
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.putpixel((0, 0), 0)
    image.putpixel((1, 0), 1)
    image.save(tmp_path / "t.png", transparency=1)
    np.testing.assert_array_equal(read_image(tmp_path / "t.png")[0], [RED, WHITE])


def test_rgba_png_alpha_over_white(tmp_path: Path) -> None:
    rgba = np.zeros((1, 3, 4), np.uint8)
    rgba[..., 0] = 255  # red
    rgba[0, :, 3] = [255, 0, 128]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    result = read_image(tmp_path / "a.png")
    np.testing.assert_array_equal(result[0, 0], RED)
    np.testing.assert_array_equal(result[0, 1], WHITE)
    np.testing.assert_array_equal(result[0, 2], [255, 127, 127])  # 255·a + 255·(1-a) ; 0·a + 255·(1-a)


def test_grey_alpha_png(tmp_path: Path) -> None:
    Image.new("LA", (1, 1), (0, 0)).save(tmp_path / "la.png")
    np.testing.assert_array_equal(read_image(tmp_path / "la.png")[0, 0], WHITE)


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    # No ICC profile here: ImageCms cannot create a CMYK profile, so this covers the fallback.
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=100)
    assert Image.open(tmp_path / "cmyk.jpg").mode == "CMYK"
    result = read_image(tmp_path / "cmyk.jpg")
    assert result.shape == (8, 8, 3)
    red, green, blue = result[4, 4].astype(int)
    assert red > 230 and green < 25 and blue < 25


def test_gif_still_image(tmp_path: Path) -> None:
    pattern = _rgb_pattern()
    Image.fromarray(pattern).save(tmp_path / "still.gif")
    np.testing.assert_array_equal(read_image(tmp_path / "still.gif"), pattern)


def test_one_pixel_image_is_valid(tmp_path: Path) -> None:
    Image.new("RGB", (1, 1), (10, 20, 30)).save(tmp_path / "dot.png")
    result = read_image(tmp_path / "dot.png")
    assert result.shape == (1, 1, 3)
    np.testing.assert_array_equal(result[0, 0], [10, 20, 30])


# ----------------------------------------------------------------------------- orientation


def test_exif_orientation_6_rotates_clockwise(tmp_path: Path) -> None:
    stored = _rgb_pattern(20, 40)  # red top-left, green top-right, blue bottom-left
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "rot.jpg", exif=exif, quality=98)
    result = read_image(tmp_path / "rot.jpg")
    assert result.shape == (40, 20, 3)  # portrait now
    # Turning 90° clockwise moves the top-left corner to the top-right,
    # and the bottom-left corner to the top-left.
    assert np.abs(result[1, -2].astype(int) - RED).max() < 40
    assert np.abs(result[1, 1].astype(int) - BLUE).max() < 40
    assert np.abs(result[-2, -2].astype(int) - GREEN).max() < 40


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_exif_orientations_match_pillow(tmp_path: Path, orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    Image.fromarray(_rgb_pattern(20, 40)).save(path, exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    np.testing.assert_array_equal(read_image(path), expected)


@pytest.mark.parametrize("suffix", [".tif", ".webp", ".png"])
def test_exif_orientation_in_other_formats(tmp_path: Path, suffix: str) -> None:
    # Pillow turns TIFFs upright on its own; the result must be rotated once, not twice.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / f"rot{suffix}"
    Image.fromarray(_rgb_pattern(20, 40)).save(path, exif=exif, **({"lossless": True} if suffix == ".webp" else {}))
    result = read_image(path)
    np.testing.assert_array_equal(result, np.rot90(_rgb_pattern(20, 40), k=-1))
    info = image_info(path)
    assert (info.width, info.height, info.exif_rotated) == (20, 40, True)


def test_apply_exif_orientation_keeps_unknown_values() -> None:
    image = _rgb_pattern()
    assert apply_exif_orientation(image, 0) is image
    assert apply_exif_orientation(image, 9) is image


# ----------------------------------------------------------------------------- scaled-down reads


def _smooth(height: int, width: int) -> np.ndarray:
    """A smooth picture (gradients, a disc) that any careful scaling keeps recognisable."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.stack([255 * x / width, 255 * y / height, np.full_like(x, 90)], axis=2)
    image[(x - width / 3) ** 2 + (y - height / 2) ** 2 < (min(height, width) / 5) ** 2] = (250, 250, 250)
    return image.astype(np.uint8)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_fit_megapixels_scales_down_keeping_the_aspect(tmp_path: Path, suffix: str) -> None:
    picture = _smooth(1200, 1600)  # 1.92 MP
    path = tmp_path / f"big{suffix}"
    Image.fromarray(picture).save(path, **({"quality": 95} if suffix == ".jpg" else {}))
    result = read_image(path, fit_megapixels=0.3)
    h, w = result.shape[:2]
    assert h * w <= 0.3e6 and h * w > 0.29e6 and abs(w / h - 4 / 3) < 0.01
    expected = cv2.resize(picture, (w, h), interpolation=cv2.INTER_AREA)
    assert np.abs(result.astype(int) - expected).mean() < 2.5  # the JPEG's half-size decode included


def test_fit_megapixels_leaves_smaller_images_alone(tmp_path: Path) -> None:
    path = tmp_path / "small.jpg"
    Image.fromarray(_smooth(300, 400)).save(path, quality=95)
    np.testing.assert_array_equal(read_image(path, fit_megapixels=0.12), read_image(path))
    with pytest.raises(ValueError, match="fit_megapixels"):
        read_image(path, fit_megapixels=0)


def test_fit_megapixels_of_a_turned_jpeg_is_upright(tmp_path: Path) -> None:
    stored = cv2.resize(_rgb_pattern(20, 40), (1600, 800), interpolation=cv2.INTER_NEAREST)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(tmp_path / "rot.jpg", exif=exif, quality=98)
    result = read_image(tmp_path / "rot.jpg", fit_megapixels=0.08)
    h, w = result.shape[:2]
    assert (w, h) == (200, 400)  # portrait, 0.08 MP
    assert np.abs(result[4, -5].astype(int) - RED).max() < 40  # top-left went to the top-right
    assert np.abs(result[4, 4].astype(int) - BLUE).max() < 40


# ----------------------------------------------------------------------------- size guard


def _bomb_png(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A valid PNG header announcing a huge image, followed by a tiny bogus IDAT.

    If anything decoded it, it would fail with CorruptMedia (or run out of memory), so a
    fast MediaTooLarge shows the header was checked first.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    path.write_bytes(data + _png_chunk(b"IEND", b""))
    return path


def test_huge_image_refused_from_header_quickly(tmp_path: Path) -> None:
    bomb = _bomb_png(tmp_path / "bomb.png")
    started = time.perf_counter()
    with pytest.raises(MediaTooLarge) as caught:
        read_image(bomb)
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert "bomb.png" in message
    assert "900.0 megapixels" in message and "150 MP limit" in message
    assert "--max-megapixels" in message and "FACEFORGE_MAX_MEGAPIXELS" in message


def test_limit_from_argument(tmp_path: Path) -> None:
    Image.new("RGB", (100, 100)).save(tmp_path / "small.png")
    with pytest.raises(MediaTooLarge, match="over the 0.005 MP limit"):
        read_image(tmp_path / "small.png", max_megapixels=0.005)
    assert read_image(tmp_path / "small.png", max_megapixels=0.01).shape == (100, 100, 3)


def test_limit_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("RGB", (100, 100)).save(tmp_path / "small.png")
    monkeypatch.setenv("FACEFORGE_MAX_MEGAPIXELS", "0.005")
    with pytest.raises(MediaTooLarge):
        read_image(tmp_path / "small.png")
    # The argument wins over the environment.
    assert read_image(tmp_path / "small.png", max_megapixels=1).shape == (100, 100, 3)
    monkeypatch.setenv("FACEFORGE_MAX_MEGAPIXELS", "lots")
    with pytest.raises(InputError, match="FACEFORGE_MAX_MEGAPIXELS"):
        read_image(tmp_path / "small.png")


def test_raised_limit_lets_a_big_header_through_to_the_decoder(tmp_path: Path) -> None:
    # Over Pillow's own bomb limit (~179 MP) but under ours: Pillow's check must be off, and
    # the bogus pixel data then fails as corrupt, not as too large.
    bomb = _bomb_png(tmp_path / "big.png", width=20000, height=10000)
    with pytest.raises(CorruptMedia):
        read_image(bomb, max_megapixels=250)


def test_bad_limit_argument() -> None:
    with pytest.raises(ValueError, match="max_megapixels"):
        read_image("whatever.png", max_megapixels=0)


# ----------------------------------------------------------------------------- bad input


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(MediaNotFound, match="no such file"):
        read_image(tmp_path / "nope.jpg")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMedia, match="is a folder"):
        read_image(tmp_path)


def test_zero_byte_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(UnsupportedMedia, match="empty"):
        read_image(tmp_path / "empty.jpg")


def test_text_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("this is not a picture\n" * 20)
    with pytest.raises(UnsupportedMedia) as caught:
        read_image(tmp_path / "notes.jpg")
    assert "not an image (content is not JPEG/PNG/WebP/BMP/TIFF" in str(caught.value)
    assert "notes.jpg" in str(caught.value)


def test_truncated_jpeg_is_corrupt(tmp_path: Path) -> None:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format="JPEG", quality=90)
    data = buffer.getvalue()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia, match="cut.jpg"):
        read_image(tmp_path / "cut.jpg")


def test_truncated_png_is_corrupt(tmp_path: Path) -> None:
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia):
        read_image(tmp_path / "cut.png")


def test_video_given_as_image(make_video) -> None:
    with pytest.raises(UnsupportedMedia, match="is a video"):
        read_image(make_video("clip.mp4", 3))


def test_pillow_stays_strict_about_truncation() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# ----------------------------------------------------------------------------- info, sniffing


def test_image_info_reports_displayed_size(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(_rgb_pattern(20, 40)).save(tmp_path / "rot.jpg", exif=exif)
    info = image_info(tmp_path / "rot.jpg")
    assert (info.width, info.height) == (20, 40)
    assert info.format == "jpeg" and info.mode == "RGB" and info.exif_rotated is True
    assert info.path == tmp_path / "rot.jpg"


def test_image_info_does_not_decode(tmp_path: Path) -> None:
    bomb = _bomb_png(tmp_path / "bomb.png")
    started = time.perf_counter()
    info = image_info(bomb)
    assert time.perf_counter() - started < 1.0
    assert (info.width, info.height, info.format, info.exif_rotated) == (30000, 30000, "png", False)


def test_is_image_file(tmp_path: Path, make_video) -> None:
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    (tmp_path / "t.png").write_text("text")
    frames = [Image.new("RGB", (4, 4), c) for c in (RED, GREEN)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    assert is_image_file(tmp_path / "a.png")
    assert not is_image_file(tmp_path / "t.png")
    assert not is_image_file(tmp_path / "anim.gif")  # animated: a video
    assert not is_image_file(tmp_path / "missing.png")
    assert not is_image_file(tmp_path)
    assert not is_image_file(make_video("v.png", 2))  # an MP4 with a misleading name


# ----------------------------------------------------------------------------- encoding


def test_write_image_bytes_png_round_trip() -> None:
    pattern = _rgb_pattern()
    data = write_image_bytes(pattern, "png")
    assert data.startswith(b"\x89PNG")
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), pattern)


@pytest.mark.parametrize("fmt,magic", [("jpeg", b"\xff\xd8\xff"), ("JPG", b"\xff\xd8\xff"), ("webp", b"RIFF")])
def test_write_image_bytes_lossy(fmt: str, magic: bytes) -> None:
    pattern = _rgb_pattern(64, 64)
    data = write_image_bytes(pattern, fmt, quality=95)
    assert data.startswith(magic)
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert np.abs(decoded.astype(int) - pattern).mean() < 5


def test_write_image_bytes_quality_changes_size() -> None:
    noise = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert len(write_image_bytes(noise, "jpeg", quality=30)) < len(write_image_bytes(noise, "jpeg", quality=95))


def test_write_image_bytes_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="fmt"):
        write_image_bytes(_rgb_pattern(), "gif")
    with pytest.raises(ValueError, match="image"):
        write_image_bytes(np.zeros((4, 4), np.uint8), "png")
    with pytest.raises(ValueError, match="uint8"):
        write_image_bytes(np.zeros((4, 4, 3), np.float32), "png")
    with pytest.raises(ValueError, match="quality"):
        write_image_bytes(_rgb_pattern(), "jpeg", quality=0)
