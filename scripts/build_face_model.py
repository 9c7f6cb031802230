"""Build faceforge/data/face_model.npz: the 3D mean face used for head pose.

    python scripts/build_face_model.py [--data ../shared/data]

Generalised Procrustes analysis (Gower 1975) of MediaPipe meshes from the
frontal talking-head clips in ../shared/data (MEAD "front" clips, VoxCeleb and
HDTF crops, which look at the camera), then mirror-symmetrised so that yaw and
roll are exactly zero for the mean face; pitch zero is the average of these
people looking into the camera. Per-point weights favour rigid points (low
residual variance across expressions), so mouth and jaw movement does not move
the pose estimate.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import av
import numpy as np
from scipy.optimize import linear_sum_assignment

from faceforge.faces.detector import FaceDetector
from faceforge.faces.landmarker import FaceLandmarker
from faceforge.faces.pose import rigid_rotation

MESH = 468  # the iris points follow the eyes; the rigid model uses the mesh only


def frames(path: Path, every: int, limit: int):
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i // every >= limit:
                return
            if i % every == 0:
                yield frame.to_ndarray(format="rgb24")


def normalise(shape: np.ndarray) -> np.ndarray:
    centred = shape - shape.mean(axis=0)
    return centred / np.sqrt((centred**2).sum(axis=1).mean())


def collect(data: Path) -> list[np.ndarray]:
    detector, landmarker = FaceDetector(), FaceLandmarker()
    shapes = []
    with open(data / "MANIFEST.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "video" and r["label"] == "real"]
    for row in rows:
        if row["family"] not in {"mead", "voxceleb", "hdtf"}:
            continue
        if row["family"] == "mead" and "_front_" not in row["file"]:
            continue
        for image in frames(data / row["file"], every=7, limit=12):
            dets = detector.detect(image)
            if dets:
                pts = landmarker.landmarks(image, dets[0].box)
                if pts is not None:
                    shapes.append(normalise(pts[:MESH].astype(np.float64)))
    return shapes


def procrustes_mean(shapes: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    raw_mean = normalise(np.mean(shapes, axis=0))
    mean = raw_mean
    uniform = np.ones(MESH)
    for _ in range(10):
        aligned = [s @ rigid_rotation(s, mean, uniform).T for s in shapes]
        mean = normalise(np.mean(aligned, axis=0))
        # Keep the camera's average orientation: no drift of the reference frame.
        mean = mean @ rigid_rotation(mean, raw_mean, uniform).T
    return mean, aligned


def symmetrise(mean: np.ndarray) -> np.ndarray:
    mirrored = mean * np.array([-1.0, 1.0, 1.0])
    cost = np.linalg.norm(mean[:, None, :] - mirrored[None, :, :], axis=2)
    _, partner = linear_sum_assignment(cost)
    # The symmetry plane's normal: mean direction from each point to its partner.
    d = mean - mean[partner]
    d = d[np.linalg.norm(d, axis=1) > 1e-3]
    d *= np.sign(d[:, :1])
    normal = d.mean(axis=0)
    normal /= np.linalg.norm(normal)
    # Rotate the normal onto +x with the smallest rotation (Rodrigues).
    x = np.array([1.0, 0.0, 0.0])
    v, c = np.cross(normal, x), float(normal @ x)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    rot = np.eye(3) + vx + vx @ vx / (1 + c)
    upright = mean @ rot.T
    flipped = upright[partner] * np.array([-1.0, 1.0, 1.0])
    return normalise((upright + flipped) / 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parents[1] / "src/faceforge/data/face_model.npz"
    )
    args = parser.parse_args()
    shapes = collect(args.data)
    mean, aligned = procrustes_mean(shapes)
    model = symmetrise(mean)
    residual = np.std(np.stack(aligned) - mean, axis=0).mean(axis=1)
    weights = np.clip(np.median(residual) / residual, 0.0, 1.0) ** 2
    # Irises move with the gaze, not the head: zero weight.
    shape478 = np.vstack([model, np.zeros((10, 3))])
    weights478 = np.concatenate([weights, np.zeros(10)])
    for eye, ring in ((468, [33, 133]), (473, [263, 362])):
        shape478[eye : eye + 5] = model[ring].mean(axis=0)
    np.savez_compressed(args.out, shape=shape478.astype(np.float32), weights=weights478.astype(np.float32))
    print(f"{len(shapes)} faces → {args.out} (median residual {np.median(residual):.4f})")


if __name__ == "__main__":
    main()
