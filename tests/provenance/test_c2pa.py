"""C2PA signing of faceforge outputs: key, consent, manifest contents, per format."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import c2pa
import numpy as np
import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

import faceforge
from faceforge.errors import InputError, MediaNotFound, OutputError
from faceforge.media.output import VideoWriter, write_image
from faceforge.provenance import keys
from faceforge.provenance.c2pa_manifest import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
    sign_file,
)
from faceforge.provenance.consent import Consent, ConsentRequired, consent_from_config, require_consent
from tests.provenance import gradient, picture, sign_as_third_party, watermark  # noqa: F401  (watermark: stand-in if needed)

from faceforge.provenance.labeler import ProvenanceLabeler, VisibleLabel, output_name  # isort: skip


@pytest.fixture
def config(monkeypatch, tmp_path) -> Path:
    path = tmp_path / "config"
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "face.png"
    write_image(path, picture(seed=3))
    return path


def read_store(path: Path) -> dict:
    with c2pa.Reader(str(path)) as reader:
        return json.loads(reader.json())


def active(store: dict) -> dict:
    return store["manifests"][store["active_manifest"]]


def assertion(manifest: dict, label: str) -> dict:
    return next(a["data"] for a in manifest["assertions"] if a["label"] == label)


# ----------------------------------------------------------------------------- key


def test_key_is_created_once_with_private_permissions(config):
    key = keys.signing_key()
    assert key.folder == config / "c2pa"
    assert stat.S_IMODE(key.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.folder.stat().st_mode) == 0o700
    assert keys.signing_key().private_key_pem == key.private_key_pem  # loaded, not remade
    signer, ca = (x509.load_pem_x509_certificate(pem) for pem in keys._split_pem(key.chain_pem))
    assert signer.issuer == ca.subject != signer.subject  # c2pa-rs refuses self-signed signers
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).critical
    assert signer.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert (
        ExtendedKeyUsageOID.EMAIL_PROTECTION in signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    assert not signer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert keys.local_ca_pem() == key.ca_pem


def test_config_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FACEFORGE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert keys.config_dir() == tmp_path / "home" / ".config" / "faceforge"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert keys.config_dir() == tmp_path / "xdg" / "faceforge"
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(tmp_path / "ff"))
    assert keys.config_dir() == tmp_path / "ff"


def test_key_that_does_not_match_its_certificate_is_refused(config, tmp_path):
    key = keys.signing_key()
    other = keys.signing_key(tmp_path / "other")
    key.key_path.write_bytes(other.private_key_pem)
    with pytest.raises(InputError, match="does not match the certificate"):
        keys.signing_key()


# ----------------------------------------------------------------------------- consent


def test_no_consent_raises_consent_required(config):
    with pytest.raises(ConsentRequired) as info:
        require_consent(False)
    assert isinstance(info.value, InputError)
    message = str(info.value)
    assert message.startswith("animating or swapping a real person's face needs their consent: pass --consent")
    assert f'consent = "always-acknowledged" in {config / "config.toml"}' in message


def test_consent_from_flag_and_from_config(config):
    assert require_consent(True) == Consent(method="cli-flag")
    config.mkdir()
    (config / "config.toml").write_text('consent = "always-acknowledged"\n')
    assert require_consent(False).to_assertion() == {
        "acknowledged": True,
        "method": "config",
        "subject": "person in the source photo",
    }
    (config / "config.toml").write_text('consent = "yes"\n')
    with pytest.raises(InputError, match="consent must be"):
        consent_from_config()
    (config / "config.toml").write_text("consent = \n")
    with pytest.raises(InputError, match="cannot read the faceforge settings"):
        consent_from_config()


def test_labeler_refuses_a_swap_without_consent(config, source):
    with pytest.raises(ConsentRequired):
        ProvenanceLabeler("swap", ingredients=[source], consent=None)
    with pytest.raises(ValueError, match="operation must be one of"):
        ProvenanceLabeler("teleport", ingredients=[source], consent=Consent("cli-flag"))
    with pytest.raises(MediaNotFound):
        ProvenanceLabeler("swap", ingredients=[source.with_name("gone.png")], consent=Consent("cli-flag"))


# ----------------------------------------------------------------------------- signed outputs


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_signed_image_has_the_faceforge_manifest(config, source, tmp_path, suffix):
    labeler = ProvenanceLabeler("swap", ingredients=[source], consent=Consent("cli-flag"))
    out = write_image(tmp_path / f"out{suffix}", picture(), labeler=labeler)
    store = read_store(out)
    manifest = active(store)
    assert manifest["claim_generator_info"][0]["name"] == "faceforge"
    assert manifest["claim_generator_info"][0]["version"] == faceforge.__version__
    assert manifest["title"] == out.name
    action = assertion(manifest, "c2pa.actions.v2")["actions"][0]
    assert action["action"] == "c2pa.created"
    assert action["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    (ingredient,) = manifest["ingredients"]
    assert ingredient["title"] == "face.png"
    assert ingredient["metadata"]["org.faceforge.sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert "thumbnail" not in json.dumps(store)  # neither a claim nor an ingredient thumbnail
    assert assertion(manifest, "org.faceforge.consent") == {
        "acknowledged": True,
        "method": "cli-flag",
        "subject": "person in the source photo",
    }
    assert assertion(manifest, "org.faceforge.watermark")["content_id"] == labeler.content_id
    # Untrusted (local CA) is the only complaint: signature and content hash are fine.
    assert [f["code"] for f in store["validation_results"]["activeManifest"]["failure"]] == [
        "signingCredential.untrusted"
    ]
    assert manifest["signature_info"]["issuer"] == keys.ORGANIZATION


def test_signed_mp4_has_the_faceforge_manifest(config, source, tmp_path):
    labeler = ProvenanceLabeler("animate", ingredients=[source], consent=Consent("config"))
    with VideoWriter(tmp_path / "out.mp4", 10, labeler=labeler) as writer:
        for i in range(4):
            writer.write(picture(seed=i))
    store = read_store(tmp_path / "out.mp4")
    manifest = active(store)
    action = assertion(manifest, "c2pa.actions.v2")["actions"][0]
    assert action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert (
        manifest["ingredients"][0]["metadata"]["org.faceforge.sha256"]
        == hashlib.sha256(source.read_bytes()).hexdigest()
    )
    assert assertion(manifest, "org.faceforge.consent")["method"] == "config"
    assert store["validation_state"] == "Valid"
    from faceforge.media.video import probe_video

    assert probe_video(tmp_path / "out.mp4").frame_count == 4  # still a playable MP4


def test_ingredient_manifest_and_thumbnail_are_not_copied(config, tmp_path):
    """An input that carries its own manifest (with a thumbnail of the face) stays out of ours."""
    plain = write_image(tmp_path / "plain.jpg", picture(seed=5))
    signed_input = tmp_path / "from-acme.jpg"
    sign_as_third_party(plain, signed_input)
    assert "thumbnail" in json.dumps(read_store(signed_input))
    labeler = ProvenanceLabeler("swap", ingredients=[signed_input], consent=Consent("cli-flag"))
    store = read_store(write_image(tmp_path / "out.jpg", picture(), labeler=labeler))
    assert len(store["manifests"]) == 1
    assert "thumbnail" not in json.dumps(store)


def test_signing_failure_is_an_output_error_and_leaves_the_file(config, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not media")
    with pytest.raises(OutputError, match="cannot embed a C2PA manifest"):
        sign_file(path, {}, keys.signing_key())
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    with pytest.raises(OutputError, match="cannot sign the C2PA manifest"):
        sign_file(broken, {"claim_generator_info": [{"name": "faceforge"}]}, keys.signing_key())
    assert broken.read_bytes() == b"\x89PNG\r\n\x1a\n" + b"\0" * 40
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png", "config", "notes.txt"]


# ----------------------------------------------------------------------------- pixels


def test_visible_label_marks_the_bottom_right_corner_only(config, source):
    image = gradient(120, 200)
    before = image.copy()
    marked = VisibleLabel().apply(image)
    assert np.array_equal(image, before)  # input untouched
    changed = np.argwhere(np.any(marked != image, axis=-1))
    assert changed.size and changed[:, 0].min() > 120 * 0.75 and changed[:, 1].min() > 200 * 0.2
    tiny = VisibleLabel().apply(np.zeros((6, 9, 3), np.uint8))
    assert tiny.shape == (6, 9, 3)
    labeler = ProvenanceLabeler("swap", ingredients=[source], consent=Consent("cli-flag"), visible_label=True)
    # The visible mark goes on first, the watermark over it (so the watermark covers the mark too).
    assert np.array_equal(labeler.label_image(image), watermark.embed_watermark(marked, labeler.payload))


def test_output_name_strips_the_writers_temporary_name():
    assert output_name(Path("/x/.clip.mp4.partial-1a2b3c4d.mp4")) == "clip.mp4"
    assert output_name(Path("/x/photo.jpg")) == "photo.jpg"
