"""Tests of faceforge.provenance.

`watermark` is the real `faceforge.provenance.watermark` once it exists; until then a
stand-in with the same API is registered under that name (`_install_stand_in`), so the C2PA
and verify tests run either way. The stand-in's mark is crude (black/white 8×8 blocks in the
top-left 64×64 corner, readable after JPEG/WebP/H.264) and only meant for these tests.
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def _install_stand_in() -> types.ModuleType:
    module = types.ModuleType("faceforge.provenance.watermark")
    module.__doc__ = "Test stand-in for faceforge.provenance.watermark (see tests/provenance/__init__.py)."

    @dataclass(frozen=True)
    class WatermarkPayload:
        generator: int
        operation: int
        content_id: int

    @dataclass(frozen=True)
    class WatermarkResult:
        present: bool
        payload: WatermarkPayload | None
        confidence: float
        bit_errors_corrected: int

    sync, block = 0xA5C3, 8

    def bits_of(payload: WatermarkPayload) -> list[int]:
        word = (sync << 48) | (payload.generator << 40) | (payload.operation << 32) | payload.content_id
        return [(word >> (63 - i)) & 1 for i in range(64)]

    def embed_watermark(image: np.ndarray, payload: WatermarkPayload) -> np.ndarray:
        out = image.copy()
        for i, bit in enumerate(bits_of(payload)):
            r, c = divmod(i, 8)
            out[r * block : (r + 1) * block, c * block : (c + 1) * block] = 255 * bit
        return out

    def detect_watermark(image: np.ndarray) -> WatermarkResult:
        if image.shape[0] < 8 * block or image.shape[1] < 8 * block:
            return WatermarkResult(False, None, 0.0, 0)
        cells = image[: 8 * block, : 8 * block].astype(np.float32).reshape(8, block, 8, block, 3)
        means = cells[:, 2:-2, :, 2:-2].mean(axis=(1, 3, 4)).ravel()
        word = 0
        for value in means:
            word = (word << 1) | int(value > 127)
        clean = float(np.mean(np.abs(means - 127.5) / 127.5))
        if word >> 48 != sync or clean < 0.6:
            return WatermarkResult(False, None, 0.0, 0)
        payload = WatermarkPayload((word >> 40) & 0xFF, (word >> 32) & 0xFF, word & 0xFFFFFFFF)
        return WatermarkResult(True, payload, round(clean, 3), 0)

    def detect_watermark_video(frames: Iterable[np.ndarray], max_frames: int = 30) -> WatermarkResult:
        best = WatermarkResult(False, None, 0.0, 0)
        for i, frame in enumerate(frames):
            if i >= max_frames:
                break
            result = detect_watermark(frame)
            if result.present:
                return result
        return best

    class WatermarkLabeler:
        def __init__(self, payload: WatermarkPayload) -> None:
            self.payload = payload

        def label_image(self, image: np.ndarray) -> np.ndarray:
            return embed_watermark(image, self.payload)

        def finalize_file(self, path: Path, kind: str) -> None:
            return None

    module.WatermarkPayload = WatermarkPayload
    module.WatermarkResult = WatermarkResult
    module.OPERATIONS = {"animate": 1, "swap": 2, "stylize": 3, "restore": 4}
    module.FACEFORGE_GENERATOR = 0x46
    module.new_content_id = lambda: secrets.randbits(32)
    module.embed_watermark = embed_watermark
    module.detect_watermark = detect_watermark
    module.detect_watermark_video = detect_watermark_video
    module.WatermarkLabeler = WatermarkLabeler
    module.IS_TEST_STAND_IN = True
    sys.modules[module.__name__] = module
    import faceforge.provenance

    faceforge.provenance.watermark = module  # type: ignore[attr-defined]
    return module


def _watermark() -> types.ModuleType:
    name = "faceforge.provenance.watermark"
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is not None:
        return importlib.import_module(name)
    return _install_stand_in()


watermark = _watermark()


def gradient(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A smooth H×W×3 uint8 RGB test picture (compresses well, survives JPEG/H.264)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = seed * 0.7
    rgb = [127 + 100 * np.sin(x / 17 + phase), 127 + 100 * np.cos(y / 13 + phase), (x + y) * 255 / (height + width)]
    return np.stack(rgb, axis=-1).clip(0, 255).astype(np.uint8)


def picture(seed: int = 0) -> np.ndarray:
    """A real 256×256 photo (the built-in astronaut, halved), shifted by `seed`: texture for the
    real watermark to hide in, so the tests hold for it as well as for the stand-in."""
    from faceforge.samples import astronaut

    return np.ascontiguousarray(np.roll(astronaut()[::2, ::2], 5 * seed, axis=1))


def sign_as_third_party(source: Path, dest: Path, *, generator: str = "acme-studio", version: str = "2.1") -> None:
    """Sign `source` into `dest` as another tool would: its own test CA, key and claim generator,
    a c2pa.created (digitalCapture) action and a claim thumbnail (c2pa's default)."""
    import datetime as dt

    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    from faceforge.provenance.c2pa_manifest import mime_type

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme")]
        )

    now = dt.datetime.now(dt.UTC)
    ku = {
        k: False
        for k in (
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "encipher_only",
            "decipher_only",
        )
    }
    ca_key, ee_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Acme Test CA"))
        .issuer_name(name("Acme Test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True, **ku), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ee = (
        x509.CertificateBuilder()
        .subject_name(name("Acme Studio signer"))
        .issuer_name(ca.subject)
        .public_key(ee_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False, **ku), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = ee.public_bytes(pem) + ca.public_bytes(pem)
    key = ee_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    manifest = {
        "claim_generator_info": [{"name": generator, "version": version}],
        "title": dest.name,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                        }
                    ]
                },
            }
        ],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
        with open(source, "rb") as src, open(dest, "w+b") as out:
            builder.sign(signer, mime_type(source), src, out)
