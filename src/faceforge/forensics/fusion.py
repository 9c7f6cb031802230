"""The calibrated combiner: every signal's score in, one fake probability out.

One combiner per kind of media (`Fusion`: image, video). A still image has only the frame signals,
each scored once; a video has frame scores pooled over half a dozen frames plus the track signals. The
same number means different things in the two, so each kind has its own weights, calibration and
risk thresholds, fitted on items of that kind only. Each is a logistic regression (weights ≥ 0: no signal's alarm may count as evidence of "real") over the
signals that could judge the item (Platt 1999 is the same model on
one score): each available signal contributes w_s · z_s, where z_s is its score as a clipped logit,
standardised with the training mean and spread; a signal that said "n/a" contributes 0 (= an
average item), so a still image is judged by the frame signals alone and nothing is made up.
The benchmark may hold a signal's weight at 0 for one kind (`use` in `fit_fusion`): the image
combiner weighs the blending CNN only, because the corpus's few images cannot support more.
The weights are fitted by `bench/detect.py --fit` on the evaluation corpus with identity-grouped
cross-validation (the figures it reports are out-of-fold) and stored with their provenance in
`faceforge/data/detect/fusion.json` — plain JSON, no pickle.

Risk levels come from two thresholds on the probability, also in that file and chosen by the
benchmark by split-conformal reasoning on its real items' out-of-fold scores: "high" is the
lowest threshold that a new real item of that kind reaches with probability at most 5 % (medium: 20 %).
A combiner whose out-of-fold AUC on the benchmark is below `MIN_SKILL_AUC` never says "high": its
"high" would be reached by real items about as often as by fakes (still images, 2026-11: 3.6 % of
real photos and 5.9 % of fakes with the threshold chosen on other folds), so it says "medium" there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from faceforge.errors import DependencyError

Risk = Literal["low", "medium", "high"]
_CLIP = 6.0  # |logit| cap: a score of 0.9975 says no more than one of 0.9999
_MODEL_FILE = "fusion.json"
MIN_SKILL_AUC = 0.6  # a combiner measured below this AUC has no skill to speak of: no "high" from it


def score_logit(score: float) -> float:
    p = min(max(float(score), 1e-6), 1.0 - 1e-6)
    return float(np.clip(math.log(p / (1.0 - p)), -_CLIP, _CLIP))


@dataclass(frozen=True)
class FusionModel:
    """p(fake) = σ(bias + Σ_available w_s · (logit(score_s) − mean_s) / std_s)."""

    signals: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    stds: tuple[float, ...]
    medium: float = 0.35
    high: float = 0.7
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def features(self, scores: Mapping[str, float | None]) -> np.ndarray:
        """The standardised feature vector (0 where a signal is n/a)."""
        z = np.zeros(len(self.signals))
        for i, name in enumerate(self.signals):
            s = scores.get(name)
            if s is not None:
                z[i] = (score_logit(s) - self.means[i]) / self.stds[i]
        return z

    def probability(self, scores: Mapping[str, float | None]) -> float:
        t = self.bias + float(np.dot(self.weights, self.features(scores)))
        return float(1.0 / (1.0 + math.exp(-t)))

    def contributions(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """Each available signal's push on the log-odds (positive = towards fake)."""
        z = self.features(scores)
        return {n: float(w * v) for n, w, v in zip(self.signals, self.weights, z) if scores.get(n) is not None}

    @property
    def measured_auc(self) -> float | None:
        """The combiner's out-of-fold AUC on the benchmark it was fitted on (None: not measured)."""
        return self.meta.get("signal_stats", {}).get("fused", {}).get("auc")

    @property
    def shows_skill(self) -> bool:
        """False when the benchmark measured this combiner below `MIN_SKILL_AUC`."""
        return self.measured_auc is None or self.measured_auc >= MIN_SKILL_AUC

    @property
    def deciding_signals(self) -> tuple[str, ...]:
        """The signals a verdict needs at least one of: those weighed here whose score alone
        reached `MIN_SKILL_AUC` on the benchmark (every weighed one when the benchmark measured
        none of them, or none reached it). The others only shift a verdict those make: the video
        combiner weighs blinks and head pose (alone AUC 0.42) and the pulse (0.56), and where a face
        was too small or too briefly seen for frame-to-frame detail, shading and seam flicker, those
        alone would put 6 of 13 real corpus clips pasted 80 px tall into a 720p frame at 'medium'
        (bench/detect_small.py, 2026-11-28)."""
        stats = self.meta.get("signal_stats", {})
        weighed = tuple(n for n, w in zip(self.signals, self.weights) if w > 0)
        skilled = tuple(n for n in weighed if stats.get(n, {}).get("auc", 0.0) >= MIN_SKILL_AUC)
        return skilled or weighed

    def judges(self, scores: Mapping[str, float | None]) -> bool:
        """Whether `scores` hold a deciding signal's score: else its probability means nothing."""
        return any(scores.get(n) is not None for n in self.deciding_signals)

    def risk(self, probability: float) -> Risk:
        """low / medium / high by the thresholds; never high from a combiner without skill."""
        if probability >= self.high and self.shows_skill:
            return "high"
        return "medium" if probability >= self.medium else "low"

    # ------------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        return {
            "signals": list(self.signals),
            "weights": list(self.weights),
            "bias": self.bias,
            "means": list(self.means),
            "stds": list(self.stds),
            "thresholds": {"medium": self.medium, "high": self.high},
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FusionModel:
        n = len(data["signals"])
        for key in ("weights", "means", "stds"):
            if len(data[key]) != n:
                raise ValueError(f"fusion model: {key} has {len(data[key])} values for {n} signals")
        return cls(
            signals=tuple(data["signals"]),
            weights=tuple(float(x) for x in data["weights"]),
            bias=float(data["bias"]),
            means=tuple(float(x) for x in data["means"]),
            stds=tuple(max(float(x), 1e-6) for x in data["stds"]),
            medium=float(data["thresholds"]["medium"]),
            high=float(data["thresholds"]["high"]),
            meta=dict(data.get("meta", {})),
        )

    def save(self, path: str | Path) -> None:
        from faceforge.media.output import write_text

        write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")


MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class Fusion:
    """The combiners for still images and for videos (see the module docstring)."""

    image: FusionModel
    video: FusionModel

    def for_kind(self, kind: str) -> FusionModel:
        if kind == "image":
            return self.image
        if kind == "video":
            return self.video
        raise ValueError(f"kind must be 'image' or 'video', got {kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image.to_dict(), "video": self.video.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fusion:
        return cls(image=FusionModel.from_dict(data["image"]), video=FusionModel.from_dict(data["video"]))

    def save(self, path: str | Path) -> None:
        from faceforge.media.output import write_text

        write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")


def load_fusion(path: str | Path | None = None) -> Fusion:
    """The shipped combiners (or those at `path`). DependencyError when missing or unreadable."""
    try:
        if path is None:
            text = resources.files("faceforge.data").joinpath("detect", _MODEL_FILE).read_text()
        else:
            text = Path(path).read_text()
        return Fusion.from_dict(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        where = path or f"faceforge/data/detect/{_MODEL_FILE}"
        raise DependencyError(
            f"the detection fusion model {where} is missing or damaged ({exc}); "
            "reinstall faceforge or refit it with `python bench/detect.py --fit`"
        ) from exc


def fit_fusion(
    rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    signals: Sequence[str],
    *,
    l2: float = 1.0,
    sample_weight: Sequence[float] | None = None,
    use: Collection[str] | None = None,
    meta: dict[str, Any] | None = None,
) -> FusionModel:
    """Fit the combiner: L2-penalised logistic regression with non-negative weights (bias free).

    rows: per item, signal name → score (None = n/a). labels: 1 fake, 0 real.
    use: the signals allowed a weight (None = all); the others stay in the model with weight 0,
    so they are still scored and reported but do not move the probability.
    A signal with fewer than 3 available values gets weight 0.
    """
    unknown = set(use or ()) - set(signals)
    if unknown:
        raise ValueError(f"fit_fusion: use names signals that are not in the model: {sorted(unknown)}")
    y = np.asarray(labels, dtype=np.float64)
    if y.size != len(rows) or y.size == 0:
        raise ValueError("fit_fusion needs one label per row and at least one row")
    if y.min() == y.max():
        raise ValueError("fit_fusion needs both real (0) and fake (1) items")
    sw = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    means, stds = [], []
    for name in signals:
        vals = np.array([score_logit(r[name]) for r in rows if r.get(name) is not None])
        means.append(float(vals.mean()) if vals.size >= 3 else 0.0)
        stds.append(float(max(vals.std(), 0.05)) if vals.size >= 3 else 1.0)
    proto = FusionModel(tuple(signals), tuple(0.0 for _ in signals), 0.0, tuple(means), tuple(stds))
    x = np.stack([proto.features(r) for r in rows])
    usable = np.array([sum(r.get(n) is not None for r in rows) >= 3 and (use is None or n in use) for n in signals])
    x[:, ~usable] = 0.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        t = x @ w + b
        # log(1 + e^t) − y·t, stable
        ll = np.logaddexp(0.0, t) - y * t
        p = 1.0 / (1.0 + np.exp(-t))
        g = sw * (p - y)
        value = float((sw * ll).sum() + 0.5 * l2 * (w**2).sum())
        grad = np.concatenate([x.T @ g + l2 * w, [g.sum()]])
        return value, grad

    # Every signal is built so that a higher score means "more likely fake"; a weight below zero
    # would let a signal's alarm argue for "real" because of a quirk of the fitting data, so the
    # weights are kept ≥ 0 (a signal that does not help gets 0). The bias is free.
    bounds = [(0.0, None)] * len(signals) + [(None, None)]
    from scipy.optimize import minimize  # fitting only (the benchmark); loading a model needs none of it

    res = minimize(loss, np.zeros(len(signals) + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    w = np.where(usable, res.x[:-1], 0.0)
    return FusionModel(
        tuple(signals), tuple(float(v) for v in w), float(res.x[-1]), tuple(means), tuple(stds), meta=meta or {}
    )
