"""`verify_file`: both labels read back; tampering, third-party manifests, unlabelled and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from faceforge.errors import MediaNotFound, UnsupportedMedia
from faceforge.media.output import VideoWriter, write_image
from faceforge.provenance.c2pa_manifest import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
from faceforge.provenance.consent import Consent
from tests.provenance import picture, sign_as_third_party, watermark  # noqa: F401  (stand-in if needed)

from faceforge.provenance.labeler import ProvenanceLabeler  # isort: skip
from faceforge.provenance.verify import verify_file  # isort: skip


@pytest.fixture
def config(monkeypatch, tmp_path) -> Path:
    path = tmp_path / "config"
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(path))
    return path


def swapped(tmp_path: Path, name: str = "out.jpg") -> tuple[Path, ProvenanceLabeler]:
    source = write_image(tmp_path / "face.png", picture(seed=3))
    labeler = ProvenanceLabeler("swap", ingredients=[source], consent=Consent("cli-flag"))
    return write_image(tmp_path / name, picture(), labeler=labeler), labeler


def test_faceforge_image_reports_both_labels(config, tmp_path):
    out, labeler = swapped(tmp_path)
    report = verify_file(out)
    assert report.kind == "image"
    c2pa = report.c2pa
    assert c2pa.present and c2pa.signature_valid and c2pa.errors == ()
    assert c2pa.state == "Valid"  # c2pa-rs: valid but not trusted (local CA)
    assert c2pa.signer == "this-computer"
    assert c2pa.summary() == "valid; signed by this computer's local faceforge key, not a trusted CA"
    manifest = c2pa.active
    assert manifest is not None and manifest.is_faceforge and len(c2pa.manifests) == 1
    assert manifest.actions[0].digital_source_type == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert manifest.ingredients[0].title == "face.png" and manifest.ingredients[0].sha256
    assert not manifest.has_thumbnail and not manifest.ingredients[0].has_thumbnail
    assert manifest.consent == Consent("cli-flag").to_assertion()
    mark = report.watermark
    assert mark.present and mark.is_faceforge and mark.operation_name == "swap"
    assert mark.content_id == labeler.content_id == manifest.watermark_content_id
    assert report.labels_match is True
    data = report.to_dict()
    assert data["path"] == str(out) and data["labels_match"] is True
    assert data["c2pa"]["manifests"][0]["claim_generator"].startswith("faceforge ")


def test_faceforge_mp4_reports_both_labels(config, tmp_path):
    source = write_image(tmp_path / "face.png", picture(seed=3))
    labeler = ProvenanceLabeler("animate", ingredients=[source], consent=Consent("cli-flag"))
    with VideoWriter(tmp_path / "clip.mp4", 10, labeler=labeler) as writer:
        for i in range(4):
            writer.write(picture(seed=i))
    report = verify_file(tmp_path / "clip.mp4")
    assert report.kind == "video"
    assert report.c2pa.signature_valid and report.c2pa.active.is_faceforge
    assert report.watermark.present and report.watermark.operation_name == "animate"
    assert 1 <= report.watermark.frames_checked <= 4
    assert report.labels_match is True


def test_tampered_image_fails_validation(config, tmp_path):
    out, _ = swapped(tmp_path, "out.png")
    data = bytearray(out.read_bytes())
    start = data.index(b"IDAT") + 40  # inside the compressed pixels
    data[start : start + 4] = bytes(b ^ 0xFF for b in data[start : start + 4])
    out.write_bytes(bytes(data))
    report = verify_file(out)
    assert report.c2pa.present and not report.c2pa.signature_valid
    assert report.c2pa.state == "Invalid"
    assert "assertion.dataHash.mismatch" in {e.code for e in report.c2pa.errors}
    assert report.c2pa.summary().startswith("INVALID: assertion.dataHash.mismatch")
    assert report.c2pa.signer == "untrusted"


def test_damaged_manifest_is_reported_not_raised(config, tmp_path):
    out, _ = swapped(tmp_path, "out.png")
    data = bytearray(out.read_bytes())
    # Break the JUMBF superbox header right after the PNG chunk type: the store cannot be
    # parsed at all (flipping bytes deeper in hit signatures or padding, depending on the
    # random content id, which made this test flaky).
    start = data.index(b"caBX") + 4
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    out.write_bytes(bytes(data))
    report = verify_file(out)
    assert report.c2pa.present and report.c2pa.read_error and not report.c2pa.signature_valid
    assert report.c2pa.summary().startswith("C2PA data present but unreadable")


def test_third_party_manifest_is_reported_as_theirs(config, tmp_path):
    plain = write_image(tmp_path / "photo.jpg", picture(seed=7))
    signed = tmp_path / "acme.jpg"
    sign_as_third_party(plain, signed)
    report = verify_file(signed)
    manifest = report.c2pa.active
    assert manifest is not None and manifest.claim_generator == "acme-studio 2.1" and not manifest.is_faceforge
    assert manifest.signature_issuer == "Acme" and manifest.signature_common_name == "Acme Studio signer"
    assert manifest.actions[0].action == "c2pa.created" and manifest.has_thumbnail
    assert report.c2pa.signature_valid and report.c2pa.signer == "untrusted"
    assert report.c2pa.summary() == "valid; signer untrusted (not on a trust list faceforge knows)"
    assert not report.watermark.present and report.labels_match is None


def test_faceforge_key_of_another_computer_is_not_this_computer(config, tmp_path, monkeypatch):
    out, _ = swapped(tmp_path)
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(tmp_path / "another-computer"))
    report = verify_file(out)
    assert report.c2pa.signature_valid and report.c2pa.signer == "untrusted"
    assert "another computer's" in report.c2pa.summary()


def test_unlabelled_image_and_bad_inputs(config, tmp_path):
    plain = write_image(tmp_path / "plain.webp", picture())
    report = verify_file(plain)
    assert not report.c2pa.present and report.c2pa.summary() == "no C2PA manifest"
    assert report.watermark.checked and not report.watermark.present
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedMedia):
        verify_file(text)
    with pytest.raises(MediaNotFound):
        verify_file(tmp_path / "missing.jpg")
    assert not config.exists()  # verifying never creates a key
