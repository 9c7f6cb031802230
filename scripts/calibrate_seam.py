"""Calibrate the seam signal on real camera footage of the TRAIN split.

    .venv/bin/python scripts/calibrate_seam.py [--data ../shared/data]

Writes src/faceforge/data/detect/seam.json (read by `faceforge.forensics.seam`): the score is
σ((log ratio − log mid) / slope), where ratio is a clip's median rim/inner residual ratio. `mid`
is the 95th percentile of the TRAIN clips' ratios (a real clip reaches score 0.5 about 5 % of the
time) and `slope` the spread (standard deviation) of their log ratios, at least 0.05.

Data and reading: those of `scripts/calibrate_temporal.py` (its `train_pairs`). ~15 s.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "scripts"))
from calibrate_temporal import calibration_args, train_meta, train_pairs  # noqa: E402
from faceforge.forensics.seam import INNER, RIM, Calibration, SeamTrack  # noqa: E402
from faceforge.forensics.temporal import MIN_PAIRS  # noqa: E402
from faceforge.media.output import write_text  # noqa: E402

OUT = REPO / "src" / "faceforge" / "data" / "detect" / "seam.json"
MID_QUANTILE = 0.95
MIN_SLOPE = 0.05


def main(argv: list[str] | None = None) -> None:
    args = calibration_args(__doc__, OUT, argv)
    started = time.time()
    placeholder = Calibration(1.0, 1.0)  # the pairs do not depend on it
    per_clip = train_pairs(args.data, lambda: SeamTrack(placeholder))
    ratios = np.array([float(np.median(ps)) for _, ps in per_clip if len(ps) >= MIN_PAIRS])
    if ratios.size < 5:
        sys.exit(f"only {ratios.size} TRAIN clips with {MIN_PAIRS} or more usable frame pairs: too few to calibrate")
    logs = np.log(ratios)
    record = {
        "mid": round(float(np.quantile(ratios, MID_QUANTILE)), 4),
        "slope": round(max(float(logs.std()), MIN_SLOPE), 4),
        "units": (
            f"ratio = mean |residual| on the face's rim ({RIM[0]:g}-{RIM[1]:g} of the face width inside the oval) "
            f"over that on the inner skin (> {INNER:g} inside), after DIS flow, faces scaled to 96 px; "
            "a clip's ratio is the median over its frame pairs"
        ),
        "meta": train_meta(
            "calibrate_seam.py",
            int(ratios.size),
            sum(len(ps) for _, ps in per_clip),
            started,
            real_median_ratio=round(float(np.median(ratios)), 3),
            real_ratio_min=round(float(ratios.min()), 3),
            real_ratio_max=round(float(ratios.max()), 3),
            mid_quantile=MID_QUANTILE,
        ),
    }
    assert math.isfinite(record["mid"]) and record["mid"] > 0
    write_text(args.out, json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
