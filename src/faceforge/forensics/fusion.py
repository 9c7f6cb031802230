"""The calibrated combiners: every signal's score in, one fake probability out.

One combiner per kind of media (`Fusion`: image, video). A still image has only the frame signals,
each scored once; a video has frame scores pooled over half a dozen frames plus the track signals. The
same number means different things in the two, so each kind has its own combiner, calibration and
risk thresholds, fitted on items of that kind only.

Videos: `FusionModel`, a logistic regression (weights ≥ 0: no signal's alarm may count as evidence
of "real") over the signals that could judge the item (Platt 1999 is the same model on one score):
each available signal contributes w_s · z_s, where z_s is its score as a clipped logit,
standardised with the training mean and spread; a signal that said "n/a" contributes 0 (= an
average item), so nothing is made up.

Still images: `RealReferenceModel`. The benchmark's images are too few and too mixed to fit weights
on (see `FUSED` in bench/detect.py), so each weighed signal (the blending CNN, noise) is compared
with the scores real faces got, and the face is as suspicious as its most unusual signal; only the
calibration of that one number is fitted on fakes. A kind of fake the benchmark never had is then
judged as any other: left out of the fit, generated (stylegan) faces went from AUC 0.41 to 0.77 and
a liquified one from 0.32 to 0.86, the pooled image AUC from 0.60 to 0.65, and on the photos of
../shared/data as given from 0.77 to 0.91 (2026-11-28, bench/detect.py and bench/detect_photos.py).

Both are fitted by `bench/detect.py --fit` on the evaluation corpus with identity-grouped
cross-validation (the figures it reports are out-of-fold) and stored with their provenance in
`faceforge/data/detect/fusion.json` — plain JSON, no pickle.

Risk levels come from two thresholds on the probability, also in that file and chosen by the
benchmark by split-conformal reasoning on its real items' out-of-fold scores: "high" is the
lowest threshold that a new real item of that kind reaches with probability at most 5 % (medium: 20 %).
A combiner whose out-of-fold AUC on the benchmark is below `MIN_SKILL_AUC`, or whose AUC's 95 %
interval reaches down to chance, never says "high": its "high" would be reached by real items about
as often as by fakes (still images, 2026-11-28: AUC 0.65 [0.46, 0.77]; with the threshold chosen on
the other folds, 7.1 % of real photos and 5.9 % of fakes reached it).
"""

from __future__ import annotations

import bisect
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from faceforge.errors import DependencyError

Risk = Literal["low", "medium", "high"]
_CLIP = 6.0  # |logit| cap: a score of 0.9975 says no more than one of 0.9999
_MODEL_FILE = "fusion.json"
MIN_SKILL_AUC = 0.6  # a combiner measured below this AUC has no skill to speak of: no "high" from it


def _sigmoid(t: float) -> float:
    return float(1.0 / (1.0 + math.exp(-t)))


def _write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    from faceforge.media.output import write_text

    write_text(path, json.dumps(data, indent=2) + "\n")


def score_logit(score: float) -> float:
    p = min(max(float(score), 1e-6), 1.0 - 1e-6)
    return float(np.clip(math.log(p / (1.0 - p)), -_CLIP, _CLIP))


class Combiner(ABC):
    """What both kinds of combiner share: skill, deciding signals, risk, saving. A subclass is a
    frozen dataclass with these fields and the three abstract methods."""

    signals: tuple[str, ...]
    weights: tuple[float, ...]  # per signal; > 0: weighed
    medium: float
    high: float
    meta: dict[str, Any]

    @abstractmethod
    def probability(self, scores: Mapping[str, float | None]) -> float:
        """p(fake) from the signals' scores (None = n/a)."""

    @abstractmethod
    def contributions(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """Each available signal's push on the log-odds (positive = towards fake)."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """What `save` writes and `combiner_from_dict` reads back."""

    @property
    def measured_auc(self) -> float | None:
        """The combiner's out-of-fold AUC on the benchmark it was fitted on (None: not measured)."""
        return self.meta.get("signal_stats", {}).get("fused", {}).get("auc")

    @property
    def measured_auc_interval(self) -> tuple[float, float] | None:
        """That AUC's 95 % bootstrap interval (None: not measured)."""
        fused = self.meta.get("signal_stats", {}).get("fused", {})
        return (fused["auc_low"], fused["auc_high"]) if "auc_low" in fused and "auc_high" in fused else None

    @property
    def shows_skill(self) -> bool:
        """False when the benchmark measured this combiner below `MIN_SKILL_AUC`, or could not tell
        it from chance (the lower end of its AUC's 95 % interval at 0.5 or below)."""
        auc, interval = self.measured_auc, self.measured_auc_interval
        return (auc is None or auc >= MIN_SKILL_AUC) and (interval is None or interval[0] > 0.5)

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

    def save(self, path: str | Path) -> None:
        _write_json(path, self.to_dict())


@dataclass(frozen=True)
class FusionModel(Combiner):
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
        return _sigmoid(t)

    def contributions(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """Each available signal's push on the log-odds (positive = towards fake)."""
        z = self.features(scores)
        return {n: float(w * v) for n, w, v in zip(self.signals, self.weights, z) if scores.get(n) is not None}

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


@dataclass(frozen=True)
class RealReferenceModel(Combiner):
    """How unusual the face is for a real one, by its most unusual signal.

    Each weighed signal's score becomes a conformal p-value against the scores real faces of the
    benchmark got (`references`, sorted): p_s = (1 + #{real ≥ score}) / (n_s + 1) (Vovk, Gammerman
    & Shafer 2005, "Algorithmic Learning in a Random World"; the count interpolated between real
    scores: `conformal_p`). The available p-values are pooled by
    their minimum with weighted Bonferroni factors (Tippett 1931; weighted: Genovese, Roeder &
    Wasserman 2006): surprise = −log(min_s p_s · W / w_s), w_s the signal's `shares`, W their sum
    over the available signals; then p(fake) = σ(bias + slope · surprise) (Platt 1999 on that one
    number). Nothing here is learned from fakes but the last two numbers, which do not change the
    ranking: a kind of fake the benchmark never saw is flagged as soon as one signal finds it unlike
    the real faces, where a logistic combiner would weigh the signals by the fakes it was fitted on.
    """

    signals: tuple[str, ...]
    references: tuple[tuple[float, ...], ...]  # per signal, the real faces' scores, sorted; () = not weighed
    shares: tuple[float, ...]  # per signal, its Bonferroni weight (0 = not weighed)
    slope: float
    bias: float
    medium: float = 0.35
    high: float = 0.7
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    weights: tuple[float, ...] = field(init=False, repr=False, compare=False)  # slope × share

    def __post_init__(self) -> None:
        if not len(self.signals) == len(self.references) == len(self.shares):
            raise ValueError("fusion model: one list of references and one share per signal are needed")
        if any(share < 0 or (share > 0) != bool(ref) for share, ref in zip(self.shares, self.references)):
            raise ValueError("fusion model: a weighed signal needs references and a positive share, others neither")
        object.__setattr__(self, "weights", tuple(self.slope * share for share in self.shares))  # frozen

    def p_values(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """The weighed, available signals' p-values (small = unlike the real faces)."""
        return {
            name: conformal_p(ref, score)
            for name, ref in zip(self.signals, self.references)
            if ref and (score := scores.get(name)) is not None
        }

    def adjusted(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """Each available weighed signal's p-value times W / w_s (its Bonferroni-adjusted value)."""
        p = self.p_values(scores)
        share = dict(zip(self.signals, self.shares))
        total = sum(share[n] for n in p)
        return {n: v * total / share[n] for n, v in p.items()}

    def surprise(self, scores: Mapping[str, float | None]) -> float | None:
        """−log of the smallest adjusted p-value: None when no weighed signal could judge."""
        adjusted = self.adjusted(scores)
        return -math.log(min(adjusted.values())) if adjusted else None

    def probability(self, scores: Mapping[str, float | None]) -> float:
        t = self.bias + self.slope * (self.surprise(scores) or 0.0)
        return _sigmoid(t)

    def contributions(self, scores: Mapping[str, float | None]) -> dict[str, float]:
        """The push on the log-odds: all of it from the most unusual signal (the others move
        nothing while it stands), 0 for every other available signal."""
        pushes = {n: 0.0 for n in self.signals if scores.get(n) is not None}
        adjusted = self.adjusted(scores)
        if adjusted:
            most = min(adjusted, key=adjusted.__getitem__)
            pushes[most] = -self.slope * math.log(adjusted[most])
        return pushes

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "real-reference",
            "signals": list(self.signals),
            "references": [list(ref) for ref in self.references],
            "shares": list(self.shares),
            "slope": self.slope,
            "bias": self.bias,
            "thresholds": {"medium": self.medium, "high": self.high},
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RealReferenceModel:
        return cls(
            signals=tuple(data["signals"]),
            references=tuple(tuple(sorted(float(x) for x in ref)) for ref in data["references"]),
            shares=tuple(float(x) for x in data["shares"]),
            slope=float(data["slope"]),
            bias=float(data["bias"]),
            medium=float(data["thresholds"]["medium"]),
            high=float(data["thresholds"]["high"]),
            meta=dict(data.get("meta", {})),
        )


def conformal_p(reference: Sequence[float], value: float) -> float:
    """(1 + #{reference ≥ value}) / (n + 1) for a sorted reference, with the count interpolated
    linearly between neighbouring reference values, so that a score between two real ones gets a
    p-value between theirs instead of a step (28 real images make 29 steps); at or beyond the
    highest real score it is the plain count."""
    n = len(reference)
    above = bisect.bisect_right(reference, value)  # reference values ≤ value
    if above == 0:
        return 1.0
    if above == n:
        return (1 + (reference[-1] == value)) / (n + 1)
    lo, hi = reference[above - 1], reference[above]
    return (1 + n - above + (hi - value) / (hi - lo)) / (n + 1)


def combiner_from_dict(data: Mapping[str, Any]) -> FusionModel | RealReferenceModel:
    """Either combiner, by the "model" its JSON names (none: the logistic one)."""
    kind = data.get("model", "logistic")
    if kind == "logistic":
        return FusionModel.from_dict(data)
    if kind == "real-reference":
        return RealReferenceModel.from_dict(data)
    raise ValueError(f"fusion model: unknown model {kind!r}")


MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class Fusion:
    """The combiners for still images and for videos (see the module docstring)."""

    image: FusionModel | RealReferenceModel
    video: FusionModel | RealReferenceModel

    def for_kind(self, kind: str) -> FusionModel | RealReferenceModel:
        if kind == "image":
            return self.image
        if kind == "video":
            return self.video
        raise ValueError(f"kind must be 'image' or 'video', got {kind!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image.to_dict(), "video": self.video.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fusion:
        return cls(image=combiner_from_dict(data["image"]), video=combiner_from_dict(data["video"]))

    def save(self, path: str | Path) -> None:
        _write_json(path, self.to_dict())


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
    _check_rows(rows, labels, signals, use)
    y = np.asarray(labels, dtype=np.float64)
    sw = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    means, stds = [], []
    for name in signals:
        vals = np.array([score_logit(v) for r in rows if (v := r.get(name)) is not None])
        means.append(float(vals.mean()) if vals.size >= 3 else 0.0)
        stds.append(float(max(vals.std(), 0.05)) if vals.size >= 3 else 1.0)
    proto = FusionModel(tuple(signals), tuple(0.0 for _ in signals), 0.0, tuple(means), tuple(stds))
    x = np.stack([proto.features(r) for r in rows])
    usable = np.array([sum(r.get(n) is not None for r in rows) >= 3 and (use is None or n in use) for n in signals])
    x[:, ~usable] = 0.0
    weights, bias = _logistic(x, y, sw, l2)
    w = np.where(usable, weights, 0.0)
    return FusionModel(tuple(signals), tuple(float(v) for v in w), bias, tuple(means), tuple(stds), meta=meta or {})


def fit_real_reference(
    rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    signals: Sequence[str],
    *,
    use: Mapping[str, float],
    l2: float = 1.0,
    sample_weight: Sequence[float] | None = None,
    meta: dict[str, Any] | None = None,
) -> RealReferenceModel:
    """Fit a `RealReferenceModel`: `use` maps the signals to weigh to their shares; their references
    are the real rows' scores (a signal with fewer than 3 is not weighed). Slope and bias are a
    logistic regression of the labels on the surprise, each real row's taken against the other
    real rows (leave one out), as a new real face's would be."""
    _check_rows(rows, labels, signals, use)
    y = np.asarray(labels, dtype=np.float64)
    sw = np.ones_like(y) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    references, shares = [], []
    for name in signals:
        ref = sorted(float(v) for r, lab in zip(rows, labels) if lab == 0 and (v := r.get(name)) is not None)
        weighed = name in use and use[name] > 0 and len(ref) >= 3
        references.append(tuple(ref) if weighed else ())
        shares.append(float(use[name]) if weighed else 0.0)
    model = RealReferenceModel(tuple(signals), tuple(references), tuple(shares), 1.0, 0.0)
    surprise = np.zeros((len(rows), 1))
    for i, (r, lab) in enumerate(zip(rows, labels)):
        judge = model if lab == 1 else replace(model, references=_without(model, r))
        surprise[i, 0] = judge.surprise(r) or 0.0
    (slope,), bias = _logistic(surprise, y, sw, l2)
    return RealReferenceModel(tuple(signals), tuple(references), tuple(shares), float(slope), bias, meta=meta or {})


def _without(model: RealReferenceModel, row: Mapping[str, float | None]) -> tuple[tuple[float, ...], ...]:
    """The references without the scores of `row`, a real row they were made from."""
    out = []
    for name, ref in zip(model.signals, model.references):
        value = row.get(name)
        if ref and value is not None:
            i = bisect.bisect_left(ref, float(value))
            ref = ref[:i] + ref[i + 1 :]
        out.append(ref)
    return tuple(out)


def _check_rows(
    rows: Sequence[Mapping[str, float | None]],
    labels: Sequence[int],
    signals: Sequence[str],
    use: Collection[str] | None,
) -> None:
    unknown = set(use or ()) - set(signals)
    if unknown:
        raise ValueError(f"fit_fusion: use names signals that are not in the model: {sorted(unknown)}")
    if len(labels) != len(rows) or not rows:
        raise ValueError("fit_fusion needs one label per row and at least one row")
    if min(labels) == max(labels):
        raise ValueError("fit_fusion needs both real (0) and fake (1) items")


def _logistic(x: np.ndarray, y: np.ndarray, sw: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """L2-penalised, weighted logistic regression with weights ≥ 0 and a free bias: (weights, bias).

    Every signal is built so that a higher score means "more likely fake"; a weight below zero
    would let a signal's alarm argue for "real" because of a quirk of the fitting data, so the
    weights are kept ≥ 0 (a signal that does not help gets 0)."""
    from scipy.optimize import minimize  # fitting only (the benchmark); loading a model needs none of it

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        t = x @ w + b
        ll = np.logaddexp(0.0, t) - y * t  # log(1 + e^t) − y·t, stable
        p = 1.0 / (1.0 + np.exp(-t))
        g = sw * (p - y)
        value = float((sw * ll).sum() + 0.5 * l2 * (w**2).sum())
        return value, np.concatenate([x.T @ g + l2 * w, [g.sum()]])

    bounds = [(0.0, None)] * x.shape[1] + [(None, None)]
    res = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:-1], float(res.x[-1])
