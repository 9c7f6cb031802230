"""`ProvenanceLabeler`: the `Labeler` that marks every faceforge output as AI-generated.

Two labels that tie together through one content id:

1. in the pixels, per image or video frame (`label_image`): an optional small visible mark,
   then the invisible watermark (`watermark.py`) carrying generator, operation and a fresh
   content id;
2. on the file (`finalize_file`, before the output writer renames it into place): a C2PA
   manifest signed with the local key (`c2pa_manifest.py`), which records the same payload.

Use one labeler per output file, so each file gets its own content id:

    labeler = ProvenanceLabeler("swap", ingredients=[source, target], consent=require_consent(flag))
    write_image("out.jpg", result, labeler=labeler)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from faceforge.media._arrays import check_rgb
from faceforge.provenance import keys
from faceforge.provenance.c2pa_manifest import Ingredient, WatermarkRecord, build_manifest, sign_file
from faceforge.provenance.consent import CONSENT_OPERATIONS, Consent, ConsentRequired, config_file
from faceforge.provenance.watermark import (
    FACEFORGE_GENERATOR,
    OPERATIONS,
    WatermarkLabeler,
    WatermarkPayload,
    new_content_id,
)

VISIBLE_TEXT = "AI-generated · faceforge"
_PARTIAL_NAME = re.compile(r"\.(?P<name>.+)\.partial-[0-9a-f]+(\.[^.]*)?")


class VisibleLabel:
    """A small semi-transparent "AI-generated · faceforge" mark in the bottom-right corner.

    The mark scales with the image (text height ≈ 1/28 of the shorter side, at least 8 px)
    and is rendered once per frame size; `apply` blends only the corner patch.
    """

    def __init__(self, text: str = VISIBLE_TEXT, *, opacity: float = 0.75) -> None:
        if not 0.0 < opacity <= 1.0:
            raise ValueError(f"opacity must be in (0, 1], got {opacity}")
        self.text = text
        self.opacity = opacity
        self._patches: dict[tuple[int, int], tuple[int, int, np.ndarray, np.ndarray]] = {}

    def apply(self, image: np.ndarray) -> np.ndarray:
        """Return a marked copy of an H×W×3 uint8 RGB image."""
        image = check_rgb(image, "image")
        h, w = image.shape[:2]
        if (h, w) not in self._patches:
            self._patches[(h, w)] = self._render(h, w)
        y0, x0, colour, alpha = self._patches[(h, w)]
        out = image.copy()
        region = out[y0:, x0:].astype(np.float32)
        out[y0:, x0:] = np.rint(region + alpha * (colour - region)).astype(np.uint8)
        return out

    def _render(self, h: int, w: int) -> tuple[int, int, np.ndarray, np.ndarray]:
        """(y0, x0, colour H'×W'×3, alpha H'×W'×1) of the corner patch, as float32."""
        text, font, size = self._fit(h, w)
        left, top, right, bottom = (int(v) for v in font.getbbox(text))  # whole pixels already
        pad = max(2, size // 4)
        pw, ph = min(w, right - left + 2 * pad), min(h, bottom - top + 2 * pad)
        margin_x, margin_y = min(pad, w - pw), min(pad, h - ph)
        text_mask = Image.new("L", (pw, ph), 0)
        ImageDraw.Draw(text_mask).text((pad - left, pad - top), text, fill=255, font=font)
        text_alpha = np.asarray(text_mask, np.float32)[..., None] / 255.0
        # White text on a dark box: readable on any background, the picture still shows through.
        box_alpha = 0.45 * self.opacity
        alpha = box_alpha + (self.opacity - box_alpha) * text_alpha
        colour = np.broadcast_to(255.0 * text_alpha * self.opacity / np.maximum(alpha, 1e-6), (ph, pw, 3))
        y0, x0 = h - ph - margin_y, w - pw - margin_x
        # Patch to the image corner, so `apply` can blend `out[y0:, x0:]` in one slice.
        full_colour = np.zeros((h - y0, w - x0, 3), np.float32)
        full_alpha = np.zeros((h - y0, w - x0, 1), np.float32)
        full_colour[:ph, :pw] = colour
        full_alpha[:ph, :pw] = alpha
        return y0, x0, full_colour, full_alpha

    def _fit(self, h: int, w: int) -> tuple[str, ImageFont.FreeTypeFont | ImageFont.ImageFont, int]:
        """The largest font (≈ 1/28 of the shorter side, 6 px at least) whose text fits the
        width; on a tiny image the text shortens to "AI-generated", then "AI"."""
        for text in (self.text, self.text.split(" ")[0], "AI"):
            for size in range(max(8, round(min(h, w) / 28)), 5, -1):
                font = ImageFont.load_default(size=size)
                left, _, right, _ = font.getbbox(text)
                if right - left + 2 * max(2, size // 4) <= w:
                    return text, font, size
        return "AI", ImageFont.load_default(size=6), 6


class ProvenanceLabeler:
    """A `faceforge.media.output.Labeler` that watermarks pixels and signs a C2PA manifest.

    operation: a key of `watermark.OPERATIONS` ("animate", "swap", ...); it picks the
        operation code in the watermark and the IPTC digital source type in the manifest.
    ingredients: the input files; recorded by name and SHA-256 only (hashed now, so a missing
        file fails before any work is done).
    consent: required (ConsentRequired otherwise) for operations on a real person's face
        (`consent.CONSENT_OPERATIONS`); recorded in the manifest when given.
    visible_label: also draw a small "AI-generated · faceforge" mark before the watermark.
    signing_key: defaults to the local key in the config folder, created on first use.

    Raises ValueError for an unknown operation, ConsentRequired, MediaNotFound for a missing
    ingredient, OutputError/InputError when the signing key cannot be made or read.
    """

    def __init__(
        self,
        operation: str,
        *,
        ingredients: Iterable[str | Path],
        consent: Consent | None,
        visible_label: bool = False,
        signing_key: keys.SigningKey | None = None,
    ) -> None:
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(sorted(OPERATIONS))}, got {operation!r}")
        if operation in CONSENT_OPERATIONS and consent is None:
            raise ConsentRequired(config_file())
        self.operation = operation
        self.consent = consent
        self.visible_label = visible_label
        self.ingredients = tuple(Ingredient.from_file(path) for path in ingredients)
        self.payload = WatermarkPayload(
            generator=FACEFORGE_GENERATOR, operation=OPERATIONS[operation], content_id=new_content_id()
        )
        self._watermark = WatermarkLabeler(self.payload)
        self._visible = VisibleLabel() if visible_label else None
        self._key = signing_key if signing_key is not None else keys.signing_key()

    @property
    def content_id(self) -> int:
        """The id shared by the watermark and the manifest of this labeler's output."""
        return int(self.payload.content_id)

    def label_image(self, image: np.ndarray) -> np.ndarray:
        if self._visible is not None:
            image = self._visible.apply(image)
        return self._watermark.label_image(image)

    def finalize_file(self, path: Path, kind: Literal["image", "video"]) -> None:
        self._watermark.finalize_file(path, kind)
        sign_file(path, self.manifest(output_name(path)), self._key)

    def manifest(self, title: str) -> dict[str, Any]:
        """The C2PA manifest definition for an output named `title`."""
        record = WatermarkRecord(
            generator=int(self.payload.generator),
            operation=int(self.payload.operation),
            operation_name=self.operation,
            content_id=self.content_id,
            visible_label=self.visible_label,
        )
        return build_manifest(
            title=title,
            operation=self.operation,
            ingredients=self.ingredients,
            consent=self.consent,
            watermark=record,
        )


def output_name(path: Path) -> str:
    """The final file name for the output writer's temporary `.{name}.partial-XXXX{suffix}`."""
    match = _PARTIAL_NAME.fullmatch(path.name)
    return match.group("name") if match else path.name


__all__ = ["VISIBLE_TEXT", "ProvenanceLabeler", "VisibleLabel", "output_name"]
