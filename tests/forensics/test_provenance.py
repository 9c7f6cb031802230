"""The provenance signal: faceforge's labels and AI-declaring C2PA manifests are flagged, plain files are n/a."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from faceforge.forensics.provenance import NO_AI_DECLARED, NO_LABEL, ProvenanceSignal, _score, source_type_name
from faceforge.forensics.signal import SignalScore
from faceforge.media.output import write_image
from faceforge.provenance.labeler import ProvenanceLabeler
from faceforge.provenance.verify import (
    ActionInfo,
    C2paReport,
    ManifestInfo,
    ValidationIssue,
    VerifyReport,
    WatermarkReport,
)
from faceforge.provenance.watermark import FACEFORGE_GENERATOR, OPERATIONS, WatermarkLabeler, WatermarkPayload
from tests.provenance import picture, sign_as_third_party


def test_faceforge_output_is_flagged_with_both_labels(tmp_path):
    source = write_image(tmp_path / "in.png", picture(seed=1))
    labeler = ProvenanceLabeler("anonymize", ingredients=[source], consent=None)
    out = write_image(tmp_path / "out.png", picture(seed=1), labeler=labeler)
    result = ProvenanceSignal().check(out)
    assert isinstance(result, SignalScore)
    assert result.score == 1.0
    assert "compositeWithTrainedAlgorithmicMedia" in result.reason and "faceforge" in result.reason
    assert "watermark found (anonymize" in result.reason
    assert result.details["c2pa_ai_declared"] == 1.0 and result.details["c2pa_valid"] == 1.0
    assert result.details["watermark_present"] == 1.0


def test_watermark_alone_survives_a_stripped_manifest(tmp_path):
    payload = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["swap"], 0x1234ABCD)
    marked = WatermarkLabeler(payload).label_image(picture(seed=2))
    out = write_image(tmp_path / "screenshot.png", marked)  # pixels only: no manifest
    result = ProvenanceSignal().check(out)
    assert result.score == 1.0
    assert result.details["c2pa_present"] == 0.0 and result.details["watermark_present"] == 1.0


def test_plain_png_is_not_applicable(tmp_path):
    out = write_image(tmp_path / "plain.png", picture(seed=3))
    result = ProvenanceSignal().check(out)
    assert result.score is None and result.reason == NO_LABEL
    assert result.details["watermark_checked"] == 1.0 and result.details["c2pa_present"] == 0.0


def test_camera_manifest_without_ai_declaration_is_not_applicable(tmp_path):
    plain = write_image(tmp_path / "photo.jpg", picture(seed=4))
    signed = tmp_path / "acme.jpg"
    sign_as_third_party(plain, signed)  # c2pa.created with digitalCapture
    result = ProvenanceSignal().check(signed)
    assert result.score is None
    assert result.reason.startswith(NO_AI_DECLARED) and "acme-studio 2.1" in result.reason


def test_bad_inputs_never_raise(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    for path in (text, tmp_path / "missing.jpg", tmp_path):
        result = ProvenanceSignal().check(path)
        assert result.score is None and result.reason.startswith(NO_LABEL)


def _manifest(source_type: str, *, active: bool = True) -> ManifestInfo:
    return ManifestInfo(
        label="urn:test",
        active=active,
        claim_generator="genco 1.0",
        is_faceforge=False,
        title="x.jpg",
        actions=(ActionInfo("c2pa.opened"), ActionInfo("c2pa.edited", digital_source_type=source_type)),
        ingredients=(),
        consent=None,
        watermark_content_id=None,
        signature_issuer="GenCo",
        signature_common_name="GenCo signer",
        signature_time=None,
        has_thumbnail=False,
    )


def test_third_party_ai_declaration_counts_even_when_invalid(tmp_path):
    iptc = "http://cv.iptc.org/newscodes/digitalsourcetype/"
    broken = C2paReport(
        present=True,
        state="Invalid",
        signature_valid=False,
        signer="untrusted",
        errors=(ValidationIssue("assertion.dataHash.mismatch", "edited after signing"),),
        manifests=(
            _manifest("http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"),
            _manifest(iptc + "algorithmicMedia", active=False),
        ),
    )
    report = VerifyReport(tmp_path / "x.jpg", "image", broken, WatermarkReport(checked=True))
    result = _score(report)
    assert result.score == 1.0
    assert "algorithmicMedia (c2pa.edited) by genco 1.0" in result.reason
    assert "ingredient" in result.reason and "INVALID: assertion.dataHash.mismatch" in result.reason
    assert result.details["c2pa_valid"] == 0.0
    camera = replace(broken, manifests=(_manifest(iptc + "digitalCapture"),), errors=(), signature_valid=True)
    result = _score(replace(report, c2pa=camera))
    assert result.score is None and result.reason.startswith(NO_AI_DECLARED)


def test_source_type_names():
    assert source_type_name("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia") == (
        "trainedAlgorithmicMedia"
    )
    assert source_type_name("algorithmicMedia") == "algorithmicMedia"
    assert source_type_name(None) is None
    assert np.isscalar(ProvenanceSignal.info.name) and ProvenanceSignal.info.name == "provenance"
