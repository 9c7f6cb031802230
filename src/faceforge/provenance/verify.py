"""`verify_file`: read the provenance labels of an image or video back, faceforge's and others'.

Two independent checks:

- C2PA: every manifest in the file's manifest store (faceforge's and third parties'): claim
  generator, actions and digital source type, ingredients, consent, signer, and c2pa-rs's
  validation (signature, hashes of the content). faceforge configures no trust list and works
  offline, so every signer is untrusted to c2pa-rs; one whose certificate chains to this
  computer's local faceforge CA is reported as `signer="this-computer"`.
- Watermark: decoded from the pixels (a video: its first frames), which survives re-encoding
  and screenshots that strip the manifest.

When both are faceforge's, `labels_match` says whether they carry the same content id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import c2pa
import numpy as np

from faceforge.errors import InputError, UnsupportedMedia
from faceforge.media._sniff import check_input_file, sniff_file
from faceforge.media.image import is_animated_image, read_image
from faceforge.media.video import read_video
from faceforge.provenance import keys
from faceforge.provenance.c2pa_manifest import (
    CLAIM_GENERATOR,
    CONSENT_LABEL,
    INGREDIENT_HASH_KEY,
    WATERMARK_LABEL,
    settings,
)
from faceforge.provenance.watermark import FACEFORGE_GENERATOR, OPERATIONS, detect_watermark, detect_watermark_video

#: Frames of a video searched for the watermark.
VIDEO_WATERMARK_FRAMES = 30
UNTRUSTED_CODE = "signingCredential.untrusted"
_MIME_FOR_SNIFFED = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "bmp": "image/bmp",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "heif": "image/heic",
    "avi": "video/avi",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
}

Kind = Literal["image", "video", "other"]
Signer = Literal["this-computer", "untrusted", "none"]


@dataclass(frozen=True)
class ActionInfo:
    action: str
    digital_source_type: str | None = None
    software_agent: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class IngredientInfo:
    title: str | None
    format: str | None
    relationship: str | None
    sha256: str | None  # faceforge records it; other tools usually do not
    has_manifest: bool = False
    has_thumbnail: bool = False


@dataclass(frozen=True)
class ManifestInfo:
    """One manifest of the store. `claim_generator` is "name version" of the tool that signed it."""

    label: str
    active: bool
    claim_generator: str
    is_faceforge: bool
    title: str | None
    actions: tuple[ActionInfo, ...]
    ingredients: tuple[IngredientInfo, ...]
    consent: dict[str, Any] | None
    watermark_content_id: int | None
    signature_issuer: str | None
    signature_common_name: str | None
    signature_time: str | None
    has_thumbnail: bool


@dataclass(frozen=True)
class ValidationIssue:
    code: str
    explanation: str
    url: str | None = None


@dataclass(frozen=True)
class C2paReport:
    """The C2PA side. `state` is c2pa-rs's validation_state with no trust list: "Invalid" or "Valid".

    signature_valid: the claim signature and every content hash check out (an untrusted signer
        does not count against it). `errors`: the failures other than the untrusted signer.
    signer: "this-computer" (chains to this computer's local faceforge CA: still not a trusted
        CA, c2pa-rs reports it untrusted too), "untrusted" (any other signer: faceforge
        configures no trust list), "none" (no manifest).
    read_error: C2PA data is there but could not be read (damaged manifest).
    """

    present: bool
    state: str | None = None
    signature_valid: bool = False
    signer: Signer = "none"
    errors: tuple[ValidationIssue, ...] = ()
    manifests: tuple[ManifestInfo, ...] = ()
    read_error: str | None = None

    @property
    def active(self) -> ManifestInfo | None:
        return next((m for m in self.manifests if m.active), None)

    def summary(self) -> str:
        if self.read_error is not None:
            return f"C2PA data present but unreadable: {self.read_error}"
        if not self.present:
            return "no C2PA manifest"
        active = self.active
        if not self.signature_valid:
            return "INVALID: " + "; ".join(f"{e.code} ({e.explanation})" for e in self.errors)
        if self.signer == "this-computer":
            return "valid; signed by this computer's local faceforge key, not a trusted CA"
        if active is not None and active.is_faceforge:
            return "valid; signed by a local faceforge key (another computer's), not a trusted CA"
        return "valid; signer untrusted (not on a trust list faceforge knows)"


@dataclass(frozen=True)
class WatermarkReport:
    """The watermark side. `checked` is False when no pixels could be decoded (`error` says why)."""

    checked: bool
    present: bool = False
    generator: int | None = None
    is_faceforge: bool = False
    operation: int | None = None
    operation_name: str | None = None
    content_id: int | None = None
    confidence: float = 0.0
    bit_errors_corrected: int = 0
    frames_checked: int | None = None
    error: str | None = None

    def summary(self) -> str:
        if not self.checked:
            return f"not checked ({self.error})" if self.error else "not checked"
        if not self.present:
            return "absent"
        who = "faceforge" if self.is_faceforge else f"generator {self.generator}"
        what = self.operation_name or f"operation {self.operation}"
        return f"present: {who}, {what}, content id {_hex(self.content_id)} (confidence {self.confidence:.2f})"


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    kind: Kind
    c2pa: C2paReport
    watermark: WatermarkReport = field(default_factory=lambda: WatermarkReport(checked=False))

    @property
    def faceforge_content_id(self) -> int | None:
        active = self.c2pa.active
        return active.watermark_content_id if active is not None and active.is_faceforge else None

    @property
    def labels_match(self) -> bool | None:
        """True/False when both a faceforge manifest and a faceforge watermark are present, else None."""
        manifest_id = self.faceforge_content_id
        if manifest_id is None or not (self.watermark.present and self.watermark.is_faceforge):
            return None
        return manifest_id == self.watermark.content_id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["c2pa"]["summary"] = self.c2pa.summary()
        data["watermark"]["summary"] = self.watermark.summary()
        data["labels_match"] = self.labels_match
        return data


def verify_file(
    path: str | Path,
    *,
    max_video_frames: int = VIDEO_WATERMARK_FRAMES,
    quick: bool = False,
    pixels: np.ndarray | None = None,
) -> VerifyReport:
    """Read the C2PA manifests and the watermark of an image or video (MP4/MOV, animated GIF/WebP).

    quick: a video whose first frame that is not black shows no trace of the watermark is answered
    from that frame (see `detect_watermark_video`); for screening, where the full read costs too much.
    Its frames are decoded on one thread: screening runs beside other work.
    pixels: a still image's pixels as `faceforge.media.read_image` decodes the file, when the
    caller has them already (a 12 MP JPEG costs ~0.15 s to decode); ignored for video.

    Raises MediaNotFound / UnsupportedMedia (a folder, an empty file, or a file that is
    neither media nor carries C2PA data). A damaged file is reported, not raised: its
    manifest fails validation or its pixels do not decode (`watermark.error`).
    """
    path = check_input_file(path)
    sniffed = sniff_file(path)
    kind: Kind = "other"
    if sniffed is not None and sniffed.kind == "image":
        kind = "video" if is_animated_image(path, sniffed) else "image"
    elif sniffed is not None and sniffed.kind == "video":
        kind = "video"
    mime = _MIME_FOR_SNIFFED.get(sniffed.name) if sniffed is not None else None
    report = read_c2pa(path, mime)
    if kind == "other":
        if not report.present:
            raise UnsupportedMedia(path, "is not an image or video and carries no C2PA manifest")
        return VerifyReport(path, kind, report, WatermarkReport(checked=False, error="not an image or video"))
    return VerifyReport(path, kind, report, _watermark(path, kind, max_video_frames, quick, pixels))


# ----------------------------------------------------------------------------- C2PA


def read_c2pa(path: Path, mime: str | None = None) -> C2paReport:
    """The C2PA manifest store of a file, validated offline (never raises for bad C2PA data).

    Validation runs without any trust anchor, so c2pa-rs reports every signer as untrusted,
    faceforge's local key included. When the active manifest names the local faceforge CA
    as issuer, a second pass with that CA as the only anchor tells whether it really chains
    to this computer's key (`signer="this-computer"`).
    """
    try:
        store = _read_store(path, mime, anchors=None)
    except c2pa.C2paError.ManifestNotFound:
        return C2paReport(present=False)
    except c2pa.C2paError.NotSupported:
        return C2paReport(present=False)
    except c2pa.C2paError as exc:
        if _is_unparsable_asset(exc):
            return C2paReport(present=False)
        return C2paReport(present=True, read_error=str(exc))
    report = _report_from_store(store)
    active = report.active
    anchors = keys.local_ca_pem()
    if report.signature_valid and anchors and active is not None and active.signature_issuer == keys.ORGANIZATION:
        try:
            local = _read_store(path, mime, anchors=anchors).get("validation_state") == "Trusted"
        except c2pa.C2paError:
            local = False
        if local:
            report = replace(report, signer="this-computer")
    return report


def _read_store(path: Path, mime: str | None, *, anchors: bytes | None) -> dict[str, Any]:
    try:
        with (
            c2pa.Context.from_dict(settings(trust_anchors=anchors)) as context,
            open(path, "rb") as stream,
            c2pa.Reader(mime, stream, None, context) as reader,
        ):
            store: dict[str, Any] = json.loads(reader.json())
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return store


def _is_unparsable_asset(exc: Exception) -> bool:
    # c2pa-rs reports a file it cannot parse as its format (not media) as "Other: asset could
    # not be parsed"; that is "no manifest here", not a damaged manifest.
    return "asset could not be parsed" in str(exc)


def _report_from_store(store: dict[str, Any]) -> C2paReport:
    active_label = store.get("active_manifest")
    manifests = tuple(
        _manifest_info(label, manifest, active=label == active_label)
        for label, manifest in (store.get("manifests") or {}).items()
    )
    failures = _failures(store)
    errors = tuple(issue for issue in failures if issue.code != UNTRUSTED_CODE)
    state = store.get("validation_state")
    valid = not errors and state != "Invalid"
    return C2paReport(
        present=True, state=state, signature_valid=valid, signer="untrusted", errors=errors, manifests=manifests
    )


def _failures(store: dict[str, Any]) -> list[ValidationIssue]:
    results = store.get("validation_results")
    raw: list[dict[str, Any]] = []
    if isinstance(results, dict):
        raw += (results.get("activeManifest") or {}).get("failure") or []
        for delta in results.get("ingredientDeltas") or []:
            raw += ((delta or {}).get("validationDeltas") or {}).get("failure") or []
    else:
        raw = store.get("validation_status") or []
    issues = [ValidationIssue(str(r.get("code")), str(r.get("explanation", "")), r.get("url")) for r in raw]
    return list(dict.fromkeys(issues))  # same failure listed twice: keep one


def _manifest_info(label: str, manifest: dict[str, Any], *, active: bool) -> ManifestInfo:
    generator = _claim_generator(manifest)
    assertions = {a.get("label", ""): a.get("data") for a in manifest.get("assertions") or []}
    watermark = assertions.get(WATERMARK_LABEL) or {}
    signature = manifest.get("signature_info") or {}
    content_id = watermark.get("content_id") if isinstance(watermark, dict) else None
    consent = assertions.get(CONSENT_LABEL)
    return ManifestInfo(
        label=label,
        active=active,
        claim_generator=generator,
        is_faceforge=generator.split(" ")[0] == CLAIM_GENERATOR,
        title=manifest.get("title"),
        actions=tuple(_actions(assertions)),
        ingredients=tuple(_ingredient(i) for i in manifest.get("ingredients") or []),
        consent=consent if isinstance(consent, dict) else None,
        watermark_content_id=int(content_id) if isinstance(content_id, int) else None,
        signature_issuer=signature.get("issuer"),
        signature_common_name=signature.get("common_name"),
        signature_time=signature.get("time"),
        has_thumbnail="thumbnail" in manifest or any(k.startswith("c2pa.thumbnail") for k in assertions),
    )


def _claim_generator(manifest: dict[str, Any]) -> str:
    infos = manifest.get("claim_generator_info") or []
    if infos and isinstance(infos[0], dict) and infos[0].get("name"):
        first = infos[0]
        return f"{first['name']} {first['version']}" if first.get("version") else str(first["name"])
    return str(manifest.get("claim_generator") or "unknown")


def _actions(assertions: dict[str, Any]) -> Iterator[ActionInfo]:
    for label, data in assertions.items():
        if not label.startswith("c2pa.actions") or not isinstance(data, dict):
            continue
        for action in data.get("actions") or []:
            agent = action.get("softwareAgent")
            if isinstance(agent, dict):
                agent = " ".join(str(agent[k]) for k in ("name", "version") if agent.get(k))
            yield ActionInfo(
                action=str(action.get("action")),
                digital_source_type=action.get("digitalSourceType"),
                software_agent=agent if isinstance(agent, str) else None,
                description=action.get("description"),
            )


def _ingredient(data: dict[str, Any]) -> IngredientInfo:
    metadata = data.get("metadata") or {}
    return IngredientInfo(
        title=data.get("title"),
        format=data.get("format"),
        relationship=data.get("relationship"),
        sha256=metadata.get(INGREDIENT_HASH_KEY) if isinstance(metadata, dict) else None,
        has_manifest=bool(data.get("active_manifest")),
        has_thumbnail="thumbnail" in data,
    )


# ----------------------------------------------------------------------------- watermark


def _watermark(path: Path, kind: Kind, max_frames: int, quick: bool, pixels: np.ndarray | None) -> WatermarkReport:
    frames_checked: int | None = None
    try:
        if kind == "image":
            result = detect_watermark(read_image(path) if pixels is None else pixels)
        else:
            counter = _Counter()
            decoded = read_video(path, max_frames=max_frames, decoder_threads=1 if quick else None)
            try:
                frames = counter.count(frame.image for frame in decoded)
                result = detect_watermark_video(frames, max_frames=max_frames, quick=quick)
            finally:
                getattr(decoded, "close", lambda: None)()  # the detector may stop early: release the file
            frames_checked = counter.n
    except InputError as exc:  # CorruptMedia, MediaTooLarge: a damaged file is a finding here
        return WatermarkReport(checked=False, error=str(exc))
    payload = result.payload if result.present else None
    if payload is None:
        return WatermarkReport(checked=True, frames_checked=frames_checked, confidence=float(result.confidence))
    is_faceforge = int(payload.generator) == int(FACEFORGE_GENERATOR)
    names = {code: name for name, code in OPERATIONS.items()}
    return WatermarkReport(
        checked=True,
        present=True,
        generator=int(payload.generator),
        is_faceforge=is_faceforge,
        operation=int(payload.operation),
        operation_name=names.get(int(payload.operation)) if is_faceforge else None,
        content_id=int(payload.content_id),
        confidence=float(result.confidence),
        bit_errors_corrected=result.bit_errors_corrected or 0,  # set whenever a payload was found
        frames_checked=frames_checked,
    )


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def count(self, frames: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for frame in frames:
            self.n += 1
            yield frame


def _hex(value: int | None) -> str:
    return "?" if value is None else f"{value:#x}"


__all__ = [
    "ActionInfo",
    "C2paReport",
    "IngredientInfo",
    "ManifestInfo",
    "ValidationIssue",
    "VerifyReport",
    "WatermarkReport",
    "read_c2pa",
    "verify_file",
]
