"""Similarity alignment of landmark sets (Umeyama 1991) in 2D and 3D."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Similarity:
    """x ↦ scale · R·x + t, for row vectors: `apply(x) = scale * x @ R.T + t`."""

    scale: float
    rotation: np.ndarray  # d×d, det +1
    translation: np.ndarray  # d

    def apply(self, points: np.ndarray) -> np.ndarray:
        return self.scale * points @ self.rotation.T + self.translation

    def inverse_apply(self, points: np.ndarray) -> np.ndarray:
        return ((points - self.translation) @ self.rotation) / self.scale


def fit_similarity(source: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None) -> Similarity:
    """Least-squares similarity mapping `source` onto `target` (N×d each), optionally weighted."""
    src = np.asarray(source, dtype=np.float64)
    dst = np.asarray(target, dtype=np.float64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    mu_s, mu_d = w @ src, w @ dst
    s, d = src - mu_s, dst - mu_d
    cov = (d * w[:, None]).T @ s
    u, sig, vt = np.linalg.svd(cov)
    sign = np.ones(src.shape[1])
    sign[-1] = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag(sign) @ vt
    var = (w * (s**2).sum(axis=1)).sum()
    scale = float((sig * sign).sum() / var) if var > 0 else 1.0
    return Similarity(scale, rot, mu_d - scale * mu_s @ rot.T)
