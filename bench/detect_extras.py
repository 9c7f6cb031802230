"""Would one of the signals' own measures add to the video combiner? Candidate inputs, judged honestly.

    python bench/detect_extras.py    # scores the corpus if needed (cached, as bench/detect.py does),
                                     # evaluates the candidates, updates bench/README.md ("detect-extras")

Each signal hands the combiner one score but measures more on the way (`SignalScore.details`: the
blink rate, how much the face moves, the pulse's coherence, the skin's grain, ...). A candidate here
is one such measure, on a log scale where it is a size, standardised over the corpus's face tracks
(median and spread, no labels) and tried both ways round, because the combiner's weights are
non-negative: "higher is more like a fake" and "lower is". For each: its AUC alone on the corpus
videos, and the out-of-fold AUC of the video combiner refitted with it as one more input
(identity-grouped 5-fold, the folds of bench/detect.py).

Picking the best of many candidates on the same folds flatters the winner, so the last table
repeats the whole choice inside each training fold (nested cross-validation): the candidate, or
none, that does best on the training folds' own out-of-fold AUC is the one its held-out fold is
scored with. Only that figure says what "add the best measure" is worth on new clips. And a
measure can help for a reason that has nothing to do with manipulation (a property of where the
corpus's real and fake clips come from); no AUC tells that apart: read what the measure is.
Everything is repeated over several draws of the folds: on 89 videos, the draw alone moves the
shipped combiner's out-of-fold AUC by ±0.013.

What is shipped (run of 2026-11-27, bench/README.md "detect-extras"): none. The only candidate
with a gain on every fold draw is the face's landmark motion, taken as "the less the face moves,
the more like a fake" (+0.013 on average). The choice does not survive nesting (the chosen
candidate's out-of-fold AUC averages what the shipped inputs reach: 0.922 against 0.923 over the
draws), and what it rewards is a property of the corpus's sources, not of manipulation: the
generated talking heads (SadTalker, DreamTalk) move less than the real web clips do, so it would
hold a calm real speaker, a news reader or a webcam call, against them.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import statistics
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import detect as bench  # noqa: E402
from _common import git_revision, machine, table, update_readme  # noqa: E402
from faceforge.eval.detection import auc  # noqa: E402

Measure = Callable[[Mapping[str, Mapping[str, float]]], float | None]


def _detail(signal: str, key: str, log_offset: float | None = None) -> Measure:
    """A track's `details[signal][key]`; with log_offset, log(value + offset) (a size)."""

    def measure(details: Mapping[str, Mapping[str, float]]) -> float | None:
        value = details.get(signal, {}).get(key)
        if value is None or not math.isfinite(value):
            return None
        if log_offset is None:
            return float(value)
        return math.log(max(value + log_offset, 1e-9))

    return measure


# name → (what it measures, how it is read from a track's details)
CANDIDATES: dict[str, tuple[str, Measure]] = {
    "blink rate": ("blinks a minute (behaviour)", _detail("behaviour", "blinks_per_minute", 3.0)),
    "pose inconsistency": (
        "variation of the inner vs outer face pose, ° (behaviour)",
        _detail("behaviour", "pose_inconsistency_deg", 0.1),
    ),
    "head rotation": (
        "how far the head turns over the track, ° (behaviour)",
        _detail("behaviour", "head_rotation_deg", 0.5),
    ),
    "landmark jitter": ("trembling of the face's rigid points (behaviour)", _detail("behaviour", "jitter", 1e-4)),
    "jitter per motion": (
        "that trembling over the points' own motion (behaviour)",
        _detail("behaviour", "jitter_to_motion", 1e-3),
    ),
    "pulse SNR": ("the pulse peak over the rest of the spectrum, dB (pulse)", _detail("pulse", "snr_db")),
    "pulse coherence": ("agreement of the forehead's and cheeks' pulse (pulse)", _detail("pulse", "coherence")),
    "pulse rate spread": ("spread of the regions' pulse rates, bpm (pulse)", _detail("pulse", "bpm_spread")),
    "detail ratio": ("fine detail renewed vs expected (temporal)", _detail("temporal", "ratio", 1e-3)),
    "face motion (flow)": ("optical flow on the skin, px (temporal)", _detail("temporal", "median_flow_px", 0.1)),
    "skin grain": ("Laplacian of the flat skin, grey levels (temporal)", _detail("temporal", "median_grain", 0.05)),
    "shading log ratio": ("shading change vs expected (shading)", _detail("shading", "log_ratio")),
    "shading similarity": ("median NCC of the shading a second apart (shading)", _detail("shading", "median_ncc")),
    "face motion (landmarks)": (
        "landmark motion between the shading pairs (shading)",
        _detail("shading", "median_motion", 1e-3),
    ),
    "rim/middle ratio": ("the rim's residual over the middle's (seam)", _detail("seam", "ratio", 1e-3)),
}
_Z_CLIP = 5.0  # standardised values beyond this are clipped (the combiner caps logits at 6)


def add_candidates(items: Sequence[bench.Item]) -> list[str]:
    """Put every candidate, both ways round, into each track's "signals" as a score in (0, 1)
    whose logit is the standardised measure; returns the input names."""
    names = []
    for name, (_, measure) in CANDIDATES.items():
        values = [measure(t.get("details", {})) for it in items for t in it.tracks]
        known = [v for v in values if v is not None]
        if len(known) < 3:  # a measure these tracks do not have
            continue
        centre = statistics.median(known)
        spread = max(1.4826 * statistics.median(abs(v - centre) for v in known), 1e-6)
        for sign, arrow in ((1.0, "↑"), (-1.0, "↓")):
            key = f"{name} {arrow}"
            names.append(key)
            for it in items:
                for t in it.tracks:
                    v = measure(t.get("details", {}))
                    z = None if v is None else float(np.clip(sign * (v - centre) / spread, -_Z_CLIP, _Z_CLIP))
                    t["signals"][key] = None if z is None else 1.0 / (1.0 + math.exp(-z))
    return names


def _auc(items: Sequence[bench.Item], scores: Mapping[str, float | None]) -> float:
    kept = [it for it in items if scores.get(it.id) is not None]
    return auc([it.label for it in kept], [scores[it.id] for it in kept])


def alone_auc(items: Sequence[bench.Item], name: str) -> float | None:
    pairs = [(it.label, bench.signal_score(it, name)) for it in items]
    pairs = [(y, s) for y, s in pairs if s is not None]
    return auc([y for y, _ in pairs], [s for _, s in pairs]) if pairs else None


def nested(
    items: Sequence[bench.Item], names: Sequence[str], fold: Mapping[str, int]
) -> tuple[dict[str, float | None], list[str]]:
    """Out-of-fold scores where each outer fold's extra input (or none) was chosen on its training
    folds alone (by their own out-of-fold AUC); and the choice per fold."""
    scores: dict[str, float | None] = {}
    chosen = []
    for k in range(bench.FOLDS):
        train = [it for it in items if fold[it.group] != k]
        inner = {
            extra: _auc(train, bench.out_of_fold(train, video_extra=extra)) for extra in [(), *((n,) for n in names)]
        }
        best = max(inner, key=lambda extra: inner[extra])
        chosen.append(best[0] if best else "none")
        model = bench.fit(train, video_extra=best)
        scores.update({it.id: bench.fused_score(it, model) for it in items if fold[it.group] == k})
    return scores, chosen


DRAWS = 5  # fold draws (seeds 0..4; seed 0 gives bench/detect.py's folds): one draw alone misleads


def main() -> None:
    index = bench.CORPUS / "index.csv"
    if not index.exists():
        raise SystemExit(f"{index} is missing: build the corpus first with `python bench/detect_corpus.py`")
    with open(index, newline="") as fh:
        rows = list(csv.DictReader(fh))
    items = bench.score_corpus(rows, rescore=False)
    judged = [it for it in items if any(any(v is not None for v in t["signals"].values()) for t in it.tracks)]
    # The folds are drawn over every judged item, images too, as bench/detect.py draws them: with
    # seed 0 "shipped inputs only" is the video AUC of its tables.
    folds = [bench.folds_of(judged, seed=seed) for seed in range(DRAWS)]
    videos = [it for it in judged if it.kind == "video"]
    names = add_candidates(videos)
    base = [_auc(videos, bench.out_of_fold(videos, fold=fold)) for fold in folds]
    results = []
    for name in names:
        with_it = [_auc(videos, bench.out_of_fold(videos, fold=fold, video_extra=(name,))) for fold in folds]
        results.append((name, alone_auc(videos, name), with_it))
    results.sort(key=lambda r: -statistics.mean(r[2]))
    shown = [r for r in results if r[1] is not None and r[1] >= 0.5][:12]

    def spread(values: Sequence[float]) -> str:
        return f"{statistics.mean(values):.3f} ({min(values):.3f}–{max(values):.3f})"

    rows_out = [["none (the shipped inputs)", "", "", f"{base[0]:.3f}", spread(base), ""]]
    for name, alone, fused in shown:
        gain = statistics.mean(f - b for f, b in zip(fused, base))
        rows_out.append(
            [name, CANDIDATES[name[:-2]][0], f"{alone:.3f}", f"{fused[0]:.3f}", spread(fused), f"{gain:+.3f}"]
        )
    nested_rows = []
    nested_auc = []
    for seed, fold in enumerate(folds):
        scores, picks = nested(videos, names, fold)
        nested_auc.append(_auc(videos, scores))
        nested_rows.append([str(seed), f"{base[seed]:.3f}", f"{nested_auc[-1]:.3f}", "; ".join(picks)])
    nested_rows.append(["mean", f"**{statistics.mean(base):.3f}**", f"**{statistics.mean(nested_auc):.3f}**", ""])
    n_real = sum(it.label == 0 for it in videos)
    body = f"""### Extra inputs for the video combiner (`python bench/detect_extras.py`)

Machine: {machine()} · revision {git_revision()} · {dt.date.today().isoformat()}

The corpus videos of bench/detect.py ({n_real} real, {len(videos) - n_real} fake). Each candidate is
one measure a signal already takes (its `details`), standardised, tried both ways round (↑: higher
is more like a fake; ↓: lower is). "With it": the out-of-fold video AUC of the combiner refitted
with the candidate as one more input, on bench/detect.py's folds and as the mean (lowest–highest)
over {DRAWS} draws of the identity-grouped folds; Δ: the mean gain over the same draws. The
{len(shown)} best of {len(names)} (those with an AUC alone of at least 0.5):

{table(["candidate", "what it measures", "AUC alone", "with it", f"with it, {DRAWS} fold draws", "Δ"], rows_out)}

**The choice itself, nested**: each held-out fold scored with the candidate, or none, that did best
on its own training folds (their own out-of-fold AUC), per fold draw:

{table(["fold draw", "shipped inputs only", "plus the chosen candidate", "chosen per fold (1–5)"], nested_rows)}

The shipped combiner weighs none of them: see "What is shipped" in bench/detect_extras.py."""
    print(body)
    update_readme("detect-extras", body)


if __name__ == "__main__":
    main()
