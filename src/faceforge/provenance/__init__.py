"""Provenance: every output faceforge generates says so, and `faceforge verify` reads it back.

    watermark.py       invisible watermark in the pixels (generator, operation, content id)
    c2pa_manifest.py   signed C2PA manifest on the file (what was done, inputs as hashes, consent)
    keys.py            the local signing key, made on first use in the config folder
    consent.py         the acknowledgement needed before animating or swapping a real face
    labeler.py         `ProvenanceLabeler`: both labels, plugged into `faceforge.media.output`
    verify.py          `verify_file`: read both labels back from any image or MP4

Names load on first use, so `import faceforge.provenance` is cheap (c2pa-python loads a
native library).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS: dict[str, str] = {
    "Consent": "consent",
    "ConsentRequired": "consent",
    "require_consent": "consent",
    "consent_from_config": "consent",
    "SigningKey": "keys",
    "config_dir": "keys",
    "signing_key": "keys",
    "ProvenanceLabeler": "labeler",
    "VisibleLabel": "labeler",
    "Ingredient": "c2pa_manifest",
    "build_manifest": "c2pa_manifest",
    "sign_file": "c2pa_manifest",
    "VerifyReport": "verify",
    "C2paReport": "verify",
    "ManifestInfo": "verify",
    "WatermarkReport": "verify",
    "verify_file": "verify",
    "WatermarkPayload": "watermark",
    "WatermarkResult": "watermark",
    "WatermarkLabeler": "watermark",
    "embed_watermark": "watermark",
    "detect_watermark": "watermark",
    "detect_watermark_video": "watermark",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'faceforge.provenance' has no attribute {name!r}")
    return getattr(import_module(f"faceforge.provenance.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = sorted(_EXPORTS)
