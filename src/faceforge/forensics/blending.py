"""Blending-boundary signal: a small CNN that looks for the seam a face swap leaves around the face.

Every face swap, and many face-effect tools, paste a generated face into a real frame. Where the
pasted face meets the original, two images with slightly different colour, sharpness, noise and
geometry are mixed. The network looks for that seam.

It was trained by `scripts/train_blending.py` on real faces only: fakes were self-blended images
(`faceforge.forensics.sbi`; Shiohara & Yamasaki, CVPR 2022) — a real face blended with a slightly
altered copy of itself — so it never learned any one swap method, only the seam. Besides the
fake-vs-real logit it draws where the seam is (Face X-ray's boundary map, Li et al., CVPR 2020),
which we warp back onto the frame as the heatmap.

The model is `faceforge/data/detect/blending.onnx` and runs with onnxruntime (no torch at run
time); `blending.json` beside it holds the crop size, context and normalisation it expects and its
training record (validation AUC on held-out real/self-blended pairs).

A face with fewer than `MIN_IOD_PX` pixels between the eye centres is "n/a": at that size (a face
about 35 px wide) the seam is a pixel or two wide and JPEG blocks hide it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.forensics.crops import AlignedCrop, aligned_face
from faceforge.forensics.signal import FaceEvidence, SignalInfo

MIN_IOD_PX = 15.0  # pixels between the iris centres; smaller faces: n/a
_IRIS = (468, 473)  # MediaPipe mesh: iris centres
_MODEL_FILE = "blending.onnx"
_META_FILE = "blending.json"

INFO = SignalInfo(
    name="blending",
    title="Blending boundary",
    explanation=(
        "Looks for the seam around the face where a swapped or edited face was pasted into the original picture: "
        "a fine edge where colour, sharpness or texture change. It was trained only on real faces blended with "
        "altered copies of themselves, so it is not tied to one fake-making tool. Fooled by fakes with no seam "
        "(a whole picture made by a generator, or re-animated faces), by careful colour matching and heavy "
        "blurring or compression, and it can be misled by real seams such as glasses edges, make-up, or hair "
        "across the face. Blind on very small faces."
    ),
)


@dataclass(frozen=True)
class BlendingModel:
    """The loaded network and the crop it expects.

    session: an onnxruntime InferenceSession with input "image" (N×3×size×size float32) and
    outputs "logit" (N) and "boundary" (N×m×m in 0..1).
    """

    session: Any
    size: int
    context: float
    scale: float
    mean: np.ndarray  # 3 float32
    std: np.ndarray  # 3 float32
    meta: dict

    @classmethod
    def load(cls, model_path: str | Path | None = None, *, threads: int = 1) -> BlendingModel:
        """Load the ONNX network and its JSON (default: the ones shipped with faceforge).

        model_path: the .onnx file; its JSON is the same name with ".json". threads: onnxruntime
        intra-op threads (1 or 2). Raises DependencyError when either file is missing or unreadable.
        """
        name = str(model_path or _MODEL_FILE)
        try:
            if model_path is None:
                folder = resources.files("faceforge.data").joinpath("detect")
                onnx_bytes = folder.joinpath(_MODEL_FILE).read_bytes()
                meta_text = folder.joinpath(_META_FILE).read_text()
            else:
                path = Path(model_path)
                onnx_bytes = path.read_bytes()
                meta_text = path.with_suffix(".json").read_text()
        except OSError as exc:
            raise DependencyError(
                f"the blending model {name} (or its .json) is missing; run scripts/train_blending.py"
            ) from exc
        try:
            meta = json.loads(meta_text)
            spec = meta["input"]
            norm = spec["normalisation"]
            size, context = int(spec["size"]), float(spec["context"])
            scale = float(norm["scale"])
            mean, std = np.asarray(norm["mean"], np.float32), np.asarray(norm["std"], np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise DependencyError(f"the blending model's JSON for {name} is corrupt: {exc}") from exc
        session = _session(onnx_bytes, name, threads)
        return cls(session, size, context, scale, mean, std, meta)

    def run(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """crops: N×size×size×3 uint8 RGB. Returns logits (N float32) and boundary maps (N×m×m float32 in 0..1)."""
        x = (crops.astype(np.float32) * self.scale - self.mean) / self.std
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        logit, boundary = self.session.run(["logit", "boundary"], {"image": x})
        return logit.reshape(-1).astype(np.float32), boundary.reshape(len(x), *boundary.shape[-2:]).astype(np.float32)


def _session(onnx_bytes: bytes, name: str, threads: int) -> Any:
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise DependencyError("the blending signal needs onnxruntime: pip install onnxruntime") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, min(2, threads))
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(onnx_bytes, sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types (InvalidProtobuf, Fail, ...)
        raise DependencyError(
            f"the blending model {name} cannot be loaded ({exc.__class__.__name__}); run scripts/train_blending.py"
        ) from exc


def inter_ocular(face: Face) -> float:
    """Pixels between the two iris centres of `face`."""
    a, b = face.landmarks_2d[_IRIS[0]], face.landmarks_2d[_IRIS[1]]
    return float(np.hypot(*(a - b)))


def _finding(score: float, boundary_max: float) -> str:
    """The CNN's output in words: what it saw, not a verdict (the combiner weighs it)."""
    if score >= 0.5:
        return f"the seam detector sees a blend boundary around the face (its map peaks at {boundary_max:.2f})"
    return f"the seam detector sees no clear blend boundary (its map peaks at {boundary_max:.2f})"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


class BlendingSignal:
    """`FrameSignal` "blending": P(fake) from the blending-boundary CNN, and where the seam is.

    model_path: another .onnx (with its .json) instead of the shipped one. The model is loaded
    on first use and reused.
    """

    info = INFO

    def __init__(self, model_path: str | Path | None = None, *, threads: int = 1) -> None:
        self._model_path = model_path
        self._threads = threads
        self._model: BlendingModel | None = None

    @property
    def model(self) -> BlendingModel:
        if self._model is None:
            self._model = BlendingModel.load(self._model_path, threads=self._threads)
        return self._model

    def score_face(self, image: np.ndarray, face: Face, *, want_heatmap: bool = False) -> FaceEvidence:
        """image: H×W×3 uint8 RGB frame; face: a face in it. Score in 0..1 (higher = more likely blended)."""
        return self.score_faces(image, [face], want_heatmap=want_heatmap)[0]

    def score_faces(self, image: np.ndarray, faces: list[Face], *, want_heatmap: bool = False) -> list[FaceEvidence]:
        """`score_face` for several faces of one frame, with one network call."""
        model = self.model
        judged: list[tuple[int, AlignedCrop, float]] = []
        out: list[FaceEvidence | None] = [None] * len(faces)
        for i, face in enumerate(faces):
            iod = inter_ocular(face)
            if iod < MIN_IOD_PX:
                out[i] = FaceEvidence(
                    None,
                    f"face too small to see a blending seam ({iod:.0f} px between the eyes, needs {MIN_IOD_PX:.0f})",
                    details={"iod_px": iod},
                )
                continue
            judged.append((i, aligned_face(image, face, model.size, model.context), iod))
        if judged:
            logits, maps = model.run(np.stack([crop.image for _, crop, _ in judged]))
            for (i, crop, iod), logit, bmap in zip(judged, logits, maps):
                heatmap = None
                if want_heatmap:
                    heatmap = crop.to_frame(np.clip(bmap, 0.0, 1.0), image.shape[:2])
                score = float(_sigmoid(logit))
                out[i] = FaceEvidence(
                    score,
                    _finding(score, float(bmap.max())),
                    heatmap=heatmap,
                    details={"logit": float(logit), "boundary_max": float(bmap.max()), "iod_px": iod},
                )
        return [ev for ev in out if ev is not None]
