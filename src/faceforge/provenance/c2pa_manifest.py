"""C2PA manifests for faceforge outputs: what goes in them and signing a file with one (c2pa-python).

A faceforge manifest holds:

- claim generator `faceforge` + `faceforge.__version__`;
- a `c2pa.actions` assertion whose first action is `c2pa.created` with the IPTC digital source
  type (`trainedAlgorithmicMedia` for a face made whole by a model, e.g. an animated portrait;
  `compositeWithTrainedAlgorithmicMedia` for generated content put into real media, e.g. a
  swapped face), linked to the ingredients;
- one ingredient per input file, as facts only: file name, format and the SHA-256 of the
  bytes (`metadata["org.faceforge.sha256"]`). No thumbnail, no pixels, and no manifest
  copied from the input (it could carry a thumbnail of the face): thumbnails are switched
  off and ingredients are never read by c2pa;
- `org.faceforge.consent`: how the user acknowledged consent (see `consent.py`);
- `org.faceforge.watermark`: the payload of the invisible watermark in the pixels, so the
  two labels can be matched (`faceforge verify` compares the content ids).

Offline only: no timestamp authority, no remote manifests, no OCSP.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa

from faceforge.errors import OutputError
from faceforge.media._sniff import check_input_file
from faceforge.provenance.consent import Consent
from faceforge.provenance.keys import SigningKey

CLAIM_GENERATOR = "faceforge"
IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPES + "trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = IPTC_SOURCE_TYPES + "compositeWithTrainedAlgorithmicMedia"
CONSENT_LABEL = "org.faceforge.consent"
WATERMARK_LABEL = "org.faceforge.watermark"
INGREDIENT_HASH_KEY = "org.faceforge.sha256"
#: Operations whose whole output is made by a model; every other one composites generated
#: content into real media.
FULLY_GENERATED_OPERATIONS = frozenset({"animate", "generate"})

MIME_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Ingredient:
    """An input file as the manifest records it: name, format and SHA-256 (hex), nothing else."""

    title: str
    sha256: str
    format: str

    @classmethod
    def from_file(cls, path: str | Path) -> Ingredient:
        """Hash a file (streamed, any size). Raises MediaNotFound / UnsupportedMedia for a bad path."""
        path = check_input_file(path)
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        return cls(path.name, digest.hexdigest(), mime_type(path) or "application/octet-stream")


@dataclass(frozen=True)
class WatermarkRecord:
    """The watermark payload as stored in the manifest (`org.faceforge.watermark`)."""

    generator: int
    operation: int
    operation_name: str
    content_id: int
    visible_label: bool = False

    def to_assertion(self) -> dict[str, Any]:
        return {
            "content_id": self.content_id,
            "generator": self.generator,
            "operation": self.operation,
            "operation_name": self.operation_name,
            "visible_label": self.visible_label,
        }


def digital_source_type(operation: str) -> str:
    """The IPTC digital source type URI for a faceforge operation name."""
    if operation in FULLY_GENERATED_OPERATIONS:
        return TRAINED_ALGORITHMIC_MEDIA
    return COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def mime_type(path: str | Path) -> str | None:
    """The MIME type c2pa uses for a file name, None for a suffix it does not know."""
    return MIME_TYPES.get(Path(path).suffix.lower())


def build_manifest(
    *,
    title: str,
    operation: str,
    ingredients: Sequence[Ingredient] = (),
    consent: Consent | None = None,
    watermark: WatermarkRecord | None = None,
) -> dict[str, Any]:
    """The manifest definition (c2pa-python's JSON) for one faceforge output named `title`."""
    from faceforge import __version__

    ingredient_ids = [f"faceforge:input:{i}" for i in range(len(ingredients))]
    action: dict[str, Any] = {
        "action": "c2pa.created",
        "digitalSourceType": digital_source_type(operation),
        "softwareAgent": {"name": CLAIM_GENERATOR, "version": __version__},
        "description": f"faceforge {operation}",
    }
    if ingredients:
        action["parameters"] = {"ingredientIds": ingredient_ids}
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions", "data": {"actions": [action]}}]
    if consent is not None:
        assertions.append({"label": CONSENT_LABEL, "data": consent.to_assertion()})
    if watermark is not None:
        assertions.append({"label": WATERMARK_LABEL, "data": watermark.to_assertion()})
    return {
        "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": __version__}],
        "title": title,
        "format": mime_type(title) or "application/octet-stream",
        "ingredients": [
            {
                "title": ing.title,
                "format": ing.format,
                "relationship": "inputTo",
                "instance_id": iid,
                "metadata": {INGREDIENT_HASH_KEY: ing.sha256},
            }
            for ing, iid in zip(ingredients, ingredient_ids)
        ],
        "assertions": assertions,
    }


def settings(*, trust_anchors: bytes | None = None) -> dict[str, Any]:
    """c2pa settings for faceforge: no thumbnails, nothing fetched from the network.

    `trust_anchors`: PEM certificates to treat as trusted (verify passes the local CA so that
    "signed on this computer" can be told apart from "signed by someone else").
    """
    config: dict[str, Any] = {
        "builder": {"thumbnail": {"enabled": False}},
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    }
    if trust_anchors:
        config["trust"] = {"user_anchors": trust_anchors.decode("ascii")}
    return config


def sign_file(path: Path, manifest: dict[str, Any], key: SigningKey, *, mime: str | None = None) -> None:
    """Embed `manifest`, signed with `key` (ES256, no timestamp), into the file at `path`, in place.

    `mime` defaults to the one for the suffix. Raises OutputError when the format cannot
    carry a manifest or signing fails; the file is then left as it was.
    """
    mime = mime or mime_type(path)
    if mime is None:
        raise OutputError(path, f"cannot embed a C2PA manifest in a {path.suffix or 'suffix-less'} file")
    signed = path.with_name(path.name + ".c2pa-signing")
    try:
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, key.chain_pem, key.private_key_pem, None)
        with (
            c2pa.Context.from_dict(settings()) as context,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest, context=context) as builder,
            open(path, "rb") as source,
            open(signed, "w+b") as dest,
        ):
            builder.sign(signer, mime, source, dest)
        os.replace(signed, path)
    except (c2pa.C2paError, OSError) as exc:
        signed.unlink(missing_ok=True)
        raise OutputError(path, f"cannot sign the C2PA manifest: {exc}") from exc


__all__ = [
    "CLAIM_GENERATOR",
    "COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA",
    "CONSENT_LABEL",
    "INGREDIENT_HASH_KEY",
    "TRAINED_ALGORITHMIC_MEDIA",
    "WATERMARK_LABEL",
    "Ingredient",
    "WatermarkRecord",
    "build_manifest",
    "digital_source_type",
    "mime_type",
    "settings",
    "sign_file",
]
