"""Provenance signal: does the file itself say it was made by AI? (file-level, not per face)

Two labels are read back with `faceforge.provenance.verify.verify_file`:

* C2PA manifests (any manifest of the store: the active one and those of its ingredients) whose
  actions carry an IPTC digital source type of generated media — `trainedAlgorithmicMedia`,
  `compositeWithTrainedAlgorithmicMedia` or `algorithmicMedia`
  (https://cv.iptc.org/newscodes/digitalsourcetype/). A declaration counts even when the
  manifest fails validation (the file was edited after signing): someone declared it generated;
  the reason says whether the signature holds and who signed.
* faceforge's invisible watermark, which survives screenshots and re-encoding that strip the
  manifest.

Either gives score 1.0. Finding neither proves nothing — most generated media carry no label,
and labels are easy to strip — so the score is then None ("n/a"), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceforge.errors import InputError
from faceforge.forensics.signal import SignalInfo, SignalScore
from faceforge.provenance.verify import (
    VIDEO_WATERMARK_FRAMES,
    C2paReport,
    ManifestInfo,
    VerifyReport,
    WatermarkReport,
    verify_file,
)

#: IPTC digital source types that declare generated media (the last path segment of the URI).
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia"})
NO_LABEL = "no provenance label found — absence proves nothing"
NO_AI_DECLARED = "C2PA manifest present, no AI declared"

INFO = SignalInfo(
    name="provenance",
    title="Provenance labels",
    explanation=(
        "Reads the labels a file can carry about how it was made: a C2PA content credential (a signed "
        "manifest) that declares AI generation, or faceforge's invisible watermark. A label is strong evidence; "
        "no label proves nothing, because most tools add none and labels are easily stripped."
    ),
)


@dataclass(frozen=True)
class AiDeclaration:
    """One C2PA manifest that declares generated media."""

    manifest: ManifestInfo
    source_type: str  # the short IPTC name, e.g. "trainedAlgorithmicMedia"
    action: str


def source_type_name(uri: str | None) -> str | None:
    """'…/digitalsourcetype/trainedAlgorithmicMedia' (or the bare name) → 'trainedAlgorithmicMedia'."""
    if not uri:
        return None
    return uri.rstrip("/").rsplit("/", 1)[-1].split("#")[-1]


def ai_declarations(report: C2paReport) -> list[AiDeclaration]:
    """Every (manifest, action) of the store whose digital source type declares generated media, active first."""
    found: list[AiDeclaration] = []
    for manifest in sorted(report.manifests, key=lambda m: not m.active):
        for action in manifest.actions:
            name = source_type_name(action.digital_source_type)
            if name in AI_SOURCE_TYPES:
                found.append(AiDeclaration(manifest, name, action.action))
                break
    return found


class ProvenanceSignal:
    """File-level signal "provenance": 1.0 when a C2PA manifest or faceforge's watermark says AI-made, else n/a."""

    info = INFO

    def check(
        self,
        path: str | Path,
        *,
        max_video_frames: int = VIDEO_WATERMARK_FRAMES,
        quick: bool = False,
        pixels: np.ndarray | None = None,
    ) -> SignalScore:
        """Read the labels of an image or video file. Never raises for a readable or unreadable plain file.

        max_video_frames: frames the watermark detector reads from a video (fewer is faster; a
        faceforge output is labelled in every frame, so a few suffice unless it was heavily re-encoded).
        quick: stop at the first frame of a video that is not black when it shows no trace of a watermark.
        pixels: a still image's decoded pixels, when the caller has them (see `verify_file`)."""
        try:
            report = verify_file(path, max_video_frames=max_video_frames, quick=quick, pixels=pixels)
        except InputError as exc:
            return SignalScore(None, reason=f"{NO_LABEL} (file not checked: {exc})")
        return _score(report)


def _score(report: VerifyReport) -> SignalScore:
    c2pa, mark = report.c2pa, report.watermark
    declarations = ai_declarations(c2pa) if c2pa.present else []
    faceforge_mark = mark.present and mark.is_faceforge
    details = {
        "c2pa_present": float(c2pa.present),
        "c2pa_valid": float(c2pa.signature_valid),
        "c2pa_ai_declared": float(bool(declarations)),
        "watermark_checked": float(mark.checked),
        "watermark_present": float(faceforge_mark),
    }
    if faceforge_mark:
        details["watermark_confidence"] = round(mark.confidence, 3)
    findings = []
    if declarations:
        findings.append(_declaration_text(declarations[0], c2pa))
    if faceforge_mark:
        findings.append(_watermark_text(mark))
    if findings:
        return SignalScore(1.0, reason="; ".join(findings), details=details)
    if c2pa.present:
        return SignalScore(None, reason=f"{NO_AI_DECLARED} ({_manifest_text(c2pa)})", details=details)
    extra = f"; watermark {mark.summary()}" if mark.present else ""  # another generator's mark
    return SignalScore(None, reason=NO_LABEL + extra, details=details)


def _declaration_text(declaration: AiDeclaration, c2pa: C2paReport) -> str:
    m = declaration.manifest
    which = "" if m.active else " (in an ingredient's manifest)"
    signer = m.signature_common_name or m.signature_issuer or "unknown signer"
    return (
        f"C2PA manifest declares AI generation{which}: {declaration.source_type} ({declaration.action}) "
        f"by {m.claim_generator}, signed by {signer}; signature {c2pa.summary()}"
    )


def _manifest_text(c2pa: C2paReport) -> str:
    active = c2pa.active
    if active is None:
        return c2pa.summary()
    signer = active.signature_common_name or active.signature_issuer or "unknown signer"
    return f"by {active.claim_generator}, signed by {signer}; {c2pa.summary()}"


def _watermark_text(mark: WatermarkReport) -> str:
    what = mark.operation_name or f"operation {mark.operation}"
    return f"faceforge watermark found ({what}, confidence {mark.confidence:.2f})"


__all__ = ["AI_SOURCE_TYPES", "INFO", "NO_AI_DECLARED", "NO_LABEL", "ProvenanceSignal", "ai_declarations"]
