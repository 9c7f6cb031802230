"""Calibrate the shading signal on real camera footage of the TRAIN split.

    .venv/bin/python scripts/calibrate_shading.py [--data ../shared/data]

Writes src/faceforge/data/detect/shading.json (read by `faceforge.forensics.shading`): the line
`log(1 − ncc) = intercept + slope · log(motion)` that real talking-head footage follows, fitted
through the per-decile medians of every frame pair's (landmark motion, shading decorrelation).

Data: the same TRAIN-split real clips as `scripts/calibrate_temporal.py` (VoxCeleb2 crops; nothing
of the evaluation corpus), normalised exactly as `bench/detect_corpus.py` normalises the corpus,
then read and tracked the way `faceforge.detect` reads video. Deterministic; under a minute.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "scripts"))
from calibrate_temporal import calibration_args, train_meta, train_pairs  # noqa: E402
from faceforge.forensics.shading import Calibration, PairMeasure, ShadingTrack, fit_calibration, log_ratios  # noqa: E402
from faceforge.media.output import write_text  # noqa: E402

OUT = REPO / "src" / "faceforge" / "data" / "detect" / "shading.json"


def main(argv: list[str] | None = None) -> None:
    args = calibration_args(__doc__, OUT, argv)
    started = time.time()
    placeholder = Calibration(0.0, 0.0)  # the pairs do not depend on it
    per_clip = train_pairs(args.data, lambda: ShadingTrack(placeholder))
    pairs: list[PairMeasure] = [p for _, ps in per_clip for p in ps]
    intercept, slope = fit_calibration(pairs)
    calibration = Calibration(intercept, slope)
    ratios = [float(np.median(log_ratios(ps, calibration))) for _, ps in per_clip if len(ps) >= 4]
    record = {
        "intercept": round(intercept, 4),
        "slope": round(slope, 4),
        "units": (
            "log(1 - ncc) of the band-passed unwrapped skin (difference of Gaussians 2 and 6 px at 112 px) "
            "between frames 1 s apart; motion: RMS change of centred, unit-radius landmarks"
        ),
        "meta": train_meta(
            "calibrate_shading.py",
            len(per_clip),
            len(pairs),
            started,
            clip_log_ratio_median=round(float(np.median(ratios)), 3),
            clip_log_ratio_min=round(float(min(ratios)), 3),
            clip_log_ratio_max=round(float(max(ratios)), 3),
        ),
    }
    write_text(args.out, json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
