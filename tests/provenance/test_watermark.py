"""The invisible watermark: payload, round trips, attacks, invisibility, false positives, labeler."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from faceforge.media.image import read_image
from faceforge.media.output import VideoWriter, write_image
from faceforge.media.video import read_video
from faceforge.provenance import _wm_code
from faceforge.provenance.watermark import (
    FACEFORGE_GENERATOR,
    OPERATIONS,
    WatermarkLabeler,
    WatermarkPayload,
    can_embed,
    detect_watermark,
    detect_watermark_video,
    embed_watermark,
    new_content_id,
)

PAYLOAD = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["swap"], 0xC0FFEE42)
REAL_FACE = "talking/voxceleb/LIA/data/vox/macron.png"  # 256², a real face: the small, hard case
REAL_CLIP = "talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4"  # 512² talking head
UNMARKED_SHARED = [
    "portraits/photo/face_recognition/examples/biden.jpg",
    "portraits/identity-pairs/deepface/tests/unit/dataset/img1.jpg",
    "talking/voxceleb/LIA/data/vox/mona_lisa.png",
    "talking/voxceleb/LIA/data/vox/taylor.png",
    "portraits/swap-pairs/SimSwap/crop_224/jl.jpg",
    "portraits/identity-pairs/deepface/tests/unit/dataset/img16.jpg",
]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / mse)


def assert_decodes(image: np.ndarray, payload: WatermarkPayload = PAYLOAD) -> None:
    result = detect_watermark(image)
    assert result.present, "watermark not found"
    assert result.payload == payload
    assert 0.0 < result.confidence <= 1.0
    assert result.bit_errors_corrected is not None


# ----------------------------------------------------------------------------- attacks


def jpeg(image: np.ndarray, quality: int = 50) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def resize(image: np.ndarray, factor: float, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
    return cv2.resize(image, size, interpolation=interpolation)


def crop(image: np.ndarray, keep: float = 0.9) -> np.ndarray:
    """Keep `keep` of each side, off-centre (10 % crop: a cyclic shift of the tiling)."""
    h, w = image.shape[:2]
    ch, cw = round(h * keep), round(w * keep)
    top, left = (h - ch) // 3, 2 * (w - cw) // 3
    return np.ascontiguousarray(image[top : top + ch, left : left + cw])


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def brightness_contrast(image: np.ndarray, brightness: float, contrast: float) -> np.ndarray:
    out = (image.astype(np.float32) - 128.0) * (1.0 + contrast) + 128.0 + 255.0 * brightness
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def screenshot(image: np.ndarray) -> np.ndarray:
    """A non-integer rescale with bicubic interpolation, a slight blur, then PNG."""
    shot = cv2.GaussianBlur(resize(image, 0.77, cv2.INTER_CUBIC), (0, 0), 0.6)
    buffer = io.BytesIO()
    Image.fromarray(shot).save(buffer, "PNG")
    return np.asarray(Image.open(buffer).convert("RGB"))


ATTACKS = {
    "jpeg50": jpeg,
    "resize50": lambda im: resize(im, 0.5),
    "crop10": crop,
    "rotate+5": lambda im: rotate(im, 5.0),
    "rotate-5": lambda im: rotate(im, -5.0),
    "brighter20": lambda im: brightness_contrast(im, 0.2, 0.0),
    "darker20": lambda im: brightness_contrast(im, -0.2, 0.0),
    "contrast+20": lambda im: brightness_contrast(im, 0.0, 0.2),
    "contrast-20": lambda im: brightness_contrast(im, 0.0, -0.2),
    "screenshot": screenshot,
}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def marked_astronaut(astronaut: np.ndarray) -> np.ndarray:
    return embed_watermark(astronaut, PAYLOAD)


@pytest.fixture(scope="module")
def real_face(shared_data: Path) -> np.ndarray:
    return read_image(shared_data / REAL_FACE)


@pytest.fixture(scope="module")
def marked_face(real_face: np.ndarray) -> np.ndarray:
    return embed_watermark(real_face, PAYLOAD)


# ----------------------------------------------------------------------------- payload


def test_payload_bits_round_trip() -> None:
    payload = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["anonymize"], new_content_id())
    bits = payload.to_bits()
    assert bits.shape == (48,) and bits.dtype == np.uint8
    assert WatermarkPayload.from_bits(bits) == payload
    assert WatermarkPayload.from_bits(PAYLOAD.to_bits().tolist()) == PAYLOAD
    assert PAYLOAD.to_bits()[:8].tolist() == [0, 1, 0, 0, 0, 1, 1, 0]  # 0x46 "F" first


@pytest.mark.parametrize("fields", [(256, 0, 0), (0, -1, 0), (0, 0, 1 << 32), (0.5, 0, 0), (True, 0, 0)], ids=str)
def test_payload_rejects_out_of_range_fields(fields: tuple) -> None:
    with pytest.raises(ValueError):
        WatermarkPayload(*fields)


def test_payload_from_bits_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="48"):
        WatermarkPayload.from_bits(np.zeros(47, np.uint8))
    with pytest.raises(ValueError):
        WatermarkPayload.from_bits(np.full(48, 2))


def test_operations_and_content_ids() -> None:
    assert OPERATIONS["other"] == 0 and len(set(OPERATIONS.values())) == len(OPERATIONS)
    ids = {new_content_id() for _ in range(64)}
    assert len(ids) > 60 and all(0 <= i < 1 << 32 for i in ids)


def test_flat_image_decodes_to_an_invalid_word() -> None:
    """Zero evidence (a flat image) must not decode to a word whose CRC checks."""
    _, crc_ok, _ = _wm_code.decode_message(np.zeros(_wm_code.CODED_BITS))
    assert not crc_ok


def test_code_corrects_errors() -> None:
    coded = _wm_code.encode_message(PAYLOAD.to_bits())
    soft = 2.0 * coded - 1.0
    soft[::9] *= -1  # 26 of 234 coded bits wrong
    bits, crc_ok, errors = _wm_code.decode_message(soft)
    assert crc_ok and errors == 26
    assert WatermarkPayload.from_bits(bits) == PAYLOAD


# ----------------------------------------------------------------------------- round trips


def test_round_trip_astronaut(astronaut: np.ndarray, marked_astronaut: np.ndarray) -> None:
    original = astronaut.copy()
    assert marked_astronaut.shape == astronaut.shape and marked_astronaut.dtype == np.uint8
    np.testing.assert_array_equal(astronaut, original)  # input not modified
    assert psnr(astronaut, marked_astronaut) >= 40.0
    assert_decodes(marked_astronaut)


@pytest.mark.shared
def test_round_trip_real_face(real_face: np.ndarray, marked_face: np.ndarray) -> None:
    assert psnr(real_face, marked_face) >= 40.0
    assert_decodes(marked_face)


@pytest.mark.parametrize("shape", [(176, 176), (150, 400), (1080, 1920), (2160, 3840)], ids=str)
def test_round_trip_sizes(astronaut: np.ndarray, shape: tuple[int, int]) -> None:
    image = cv2.resize(astronaut, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    marked = embed_watermark(image, PAYLOAD)
    assert psnr(image, marked) >= 40.0
    assert_decodes(marked)


def test_smallest_images_are_marked_but_may_not_decode(astronaut: np.ndarray) -> None:
    """From 64 px a side the mark is embedded; under ~128 px a textured image is too small
    to hold 72 bits at 40 dB, and detection then says "absent", never a wrong payload."""
    image = cv2.resize(astronaut, (64, 64), interpolation=cv2.INTER_AREA)
    assert can_embed(image)
    marked = embed_watermark(image, PAYLOAD)
    assert psnr(image, marked) >= 40.0 and not np.array_equal(marked, image)
    result = detect_watermark(marked)
    assert result.payload in (None, PAYLOAD)


def test_psnr_on_noise_and_flat_images() -> None:
    rng = np.random.default_rng(1)
    for image in (rng.integers(0, 256, (300, 400, 3), dtype=np.uint8), np.full((200, 200, 3), 90, np.uint8)):
        assert psnr(image, embed_watermark(image, PAYLOAD)) >= 40.0


def test_flat_skin_gets_a_faint_mark() -> None:
    """On flat skin the change stays around one grey level (no visible pattern)."""
    skin = np.empty((256, 256, 3), np.uint8)
    skin[:] = (224, 172, 140)
    change = embed_watermark(skin, PAYLOAD).astype(np.float64) - skin
    assert np.sqrt(np.mean(change**2)) <= 1.5
    assert np.abs(change).max() <= 8
    # the same change on R, G and B: luminance only, no colour noise
    assert np.abs(change[..., 0] - change[..., 1]).max() <= 1


def test_strength_scales_the_mark(astronaut: np.ndarray) -> None:
    weak = embed_watermark(astronaut, PAYLOAD, strength=0.5)
    assert psnr(astronaut, weak) > psnr(astronaut, embed_watermark(astronaut, PAYLOAD)) + 4
    with pytest.raises(ValueError, match="strength"):
        embed_watermark(astronaut, PAYLOAD, strength=0.0)


# ----------------------------------------------------------------------------- attacks


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_survives_attack_astronaut(marked_astronaut: np.ndarray, attack: str) -> None:
    assert_decodes(ATTACKS[attack](marked_astronaut))


@pytest.mark.shared
@pytest.mark.parametrize("attack", ["jpeg50", "resize50", "crop10", "rotate+5", "contrast-20", "screenshot"])
def test_survives_attack_real_face(marked_face: np.ndarray, attack: str) -> None:
    assert_decodes(ATTACKS[attack](marked_face))


def _h264_round_trip(frames: list[np.ndarray], tmp_path: Path, payload: WatermarkPayload) -> list[np.ndarray]:
    path = tmp_path / "clip.mp4"
    with VideoWriter(path, 25, crf=28, labeler=WatermarkLabeler(payload)) as writer:
        for frame in frames:
            writer.write(frame)
    return [frame.image for frame in read_video(path)]


def test_survives_h264_crf28_panning_clip(astronaut: np.ndarray, tmp_path: Path) -> None:
    """10 frames of a slow pan over the astronaut: the content moves under the fixed mark."""
    frames = [np.ascontiguousarray(astronaut[8 + i : 488 + i, 10 + 2 * i : 490 + 2 * i]) for i in range(10)]
    decoded = _h264_round_trip(frames, tmp_path, PAYLOAD)
    assert len(decoded) == 10
    result = detect_watermark_video(iter(decoded))
    assert result.present and result.payload == PAYLOAD


class _Pulled:
    """Counts the frames a detector takes from an iterator."""

    def __init__(self, frames: list[np.ndarray]) -> None:
        self.frames, self.n = frames, 0

    def __iter__(self):  # noqa: ANN204
        for frame in self.frames:
            self.n += 1
            yield frame


def test_quick_video_check_answers_from_the_first_frame(astronaut: np.ndarray, tmp_path: Path) -> None:
    frames = [np.ascontiguousarray(astronaut[8 + i : 488 + i, 10 + 2 * i : 490 + 2 * i]) for i in range(10)]
    unmarked = _Pulled(frames)
    assert not detect_watermark_video(unmarked, max_frames=8, quick=True).present
    assert unmarked.n == 1  # no trace of a mark in frame 1: nothing more is read
    thorough = _Pulled(frames)
    assert not detect_watermark_video(thorough, max_frames=8).present
    assert thorough.n == 8
    marked = _Pulled(_h264_round_trip(frames, tmp_path, PAYLOAD))
    result = detect_watermark_video(marked, max_frames=8, quick=True)
    assert result.present and result.payload == PAYLOAD
    assert marked.n == 1  # decoded from frame 1
    # Black frames first (a cut from black): "absent" is never decided on them.
    black = np.zeros_like(frames[0])
    late = _Pulled(_h264_round_trip([black, black, *frames[:8]], tmp_path, PAYLOAD))
    result = detect_watermark_video(late, max_frames=8, quick=True)
    assert result.present and result.payload == PAYLOAD
    assert late.n == 3


@pytest.mark.shared
def test_survives_h264_crf28_real_clip(shared_data: Path, tmp_path: Path) -> None:
    frames = [frame.image for frame in read_video(shared_data / REAL_CLIP, max_frames=10)]
    decoded = _h264_round_trip(frames, tmp_path, PAYLOAD)
    result = detect_watermark_video(decoded)
    assert result.present and result.payload == PAYLOAD
    assert detect_watermark_video(decoded, quick=True).payload == PAYLOAD


# ----------------------------------------------------------------------------- false positives


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128), (224, 172, 140)], ids=str)
def test_flat_colours_are_unmarked(colour: tuple[int, int, int]) -> None:
    image = np.empty((240, 320, 3), np.uint8)
    image[:] = colour
    assert not detect_watermark(image).present


def test_unmarked_astronaut_and_noise(astronaut: np.ndarray) -> None:
    noise = np.random.default_rng(7).integers(0, 256, (384, 512, 3), dtype=np.uint8)
    for image in (astronaut, noise, jpeg(astronaut), rotate(astronaut, 3.0)):
        result = detect_watermark(image)
        assert not result.present and result.payload is None and result.confidence == 0.0


@pytest.mark.shared
@pytest.mark.parametrize("name", UNMARKED_SHARED, ids=lambda n: Path(n).name)
def test_unmarked_shared_images(shared_data: Path, name: str) -> None:
    assert not detect_watermark(read_image(shared_data / name)).present


@pytest.mark.shared
def test_unmarked_shared_video(shared_data: Path) -> None:
    frames = [frame.image for frame in read_video(shared_data / REAL_CLIP, max_frames=12)]
    assert not detect_watermark_video(frames, max_frames=12).present
    assert not detect_watermark_video(frames, max_frames=12, quick=True).present


def test_marked_with_another_payload_reads_that_payload(astronaut: np.ndarray) -> None:
    other = WatermarkPayload(7, OPERATIONS["restore"], 1)
    result = detect_watermark(embed_watermark(astronaut, other))
    assert result.present and result.payload == other


# ----------------------------------------------------------------------------- small images, labeler


@pytest.mark.parametrize("shape", [(32, 32), (63, 500), (1, 1)], ids=str)
def test_too_small_images_are_left_unmarked(shape: tuple[int, int]) -> None:
    image = np.full(shape + (3,), 120, np.uint8)
    assert not can_embed(image)
    out = embed_watermark(image, PAYLOAD)
    np.testing.assert_array_equal(out, image)
    assert out is not image
    assert not detect_watermark(image).present
    labeler = WatermarkLabeler(PAYLOAD)
    np.testing.assert_array_equal(labeler.label_image(image), image)
    assert labeler.unmarked == 1


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="image"):
        embed_watermark(np.zeros((100, 100), np.uint8), PAYLOAD)
    with pytest.raises(ValueError, match="image"):
        detect_watermark(np.zeros((100, 100, 3), np.float32))
    with pytest.raises(ValueError, match="payload"):
        embed_watermark(np.zeros((100, 100, 3), np.uint8), (0x46, 1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_frames"):
        detect_watermark_video([], max_frames=0)
    assert not detect_watermark_video([]).present


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_labeler_through_the_output_writer(astronaut: np.ndarray, tmp_path: Path, suffix: str) -> None:
    labeler = WatermarkLabeler(PAYLOAD)
    path = write_image(tmp_path / f"out{suffix}", astronaut, labeler=labeler)
    assert labeler.unmarked == 0
    back = read_image(path)
    if suffix == ".png":  # lossless: exactly the labelled pixels
        assert psnr(astronaut, back) >= 40.0
    assert_decodes(back)
    labeler.finalize_file(path, "image")  # the pixels-only labeler leaves files alone
    np.testing.assert_array_equal(read_image(path), back)
