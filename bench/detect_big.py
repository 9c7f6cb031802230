"""Large photos: `detect` on a copy scaled down to `DetectOptions.photo_megapixels` against full size.

    python bench/detect_big.py    # updates bench/README.md ("detect-big")

Every real photo of ../shared/data over that size (camera portraits, 4 to 14 MP), and a fake made
from each: the face of the next photo in the list swapped in by `faceforge.effects.swap` at the
photo's own size (SwapOptions(max_size=...) lifted, no label, JPEG 95). Each file is screened with
`detect`'s defaults and with `photo_megapixels=None` (full size), the two runs alternating so both
see the same machine load. Reported: how often the two agree (risk, whether the face was judged),
how far their probabilities lie apart, the AUC of real against swapped under each, and the time.
The fakes are re-encoded JPEGs and the real photos are not, so the AUC here mixes manipulation and
encoding; it is shown to compare the two sizes, not as the detector's skill (bench/detect.py).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, git_revision, machine, shared_data, still_images, table, update_readme  # noqa: E402

OUT = BENCH / "out" / "detect" / "big"
REPEATS = 3  # timed runs per file and size; the scores are the same every run


def big_photos(data: Path, megapixels: float) -> list[Path]:
    """The real still images of the manifest with more than `megapixels`, in manifest order."""
    from faceforge.media.image import image_info

    out = []
    for r in still_images(data, ("real",)):
        info = image_info(data / r["file"])
        if info.width * info.height > megapixels * 1e6:
            out.append(data / r["file"])
    return out


def swapped(target: Path, source: Path) -> Path | None:
    """`source`'s face swapped into `target` at `target`'s own size, made once; None if no face."""
    from faceforge.effects.swap import SwapOptions, swap
    from faceforge.errors import FaceforgeError

    out = OUT / f"{target.parent.name}__{target.stem}__swap.jpg"
    if out.exists():
        return out
    try:
        result = swap(source, target, out, options=SwapOptions(max_size=100_000), labeler=None)
    except FaceforgeError as exc:
        print(f"skipped {target.name} <- {source.name}: {exc}")
        return None
    if result.faces < 1:
        out.unlink(missing_ok=True)
        return None
    return out


def screen(path: Path, options, fusion) -> tuple[object, float]:  # noqa: ANN001
    """(Detection, median seconds over REPEATS runs)."""
    from faceforge.forensics.pipeline import detect

    times, result = [], None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = detect(path, options, fusion=fusion)
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def main() -> None:
    from faceforge.eval.detection import auc
    from faceforge.forensics.fusion import load_fusion
    from faceforge.forensics.pipeline import DetectOptions

    revision = git_revision()
    data = shared_data()
    fusion = load_fusion()
    scaled = DetectOptions(heatmaps=False, suspicious_frames=0)  # detect's defaults without a report
    full = replace(scaled, photo_megapixels=None)
    reals = big_photos(data, scaled.photo_megapixels)
    fakes = [swapped(t, reals[(i + 1) % len(reals)]) for i, t in enumerate(reals)]
    items = [(p, 0) for p in reals] + [(p, 1) for p in fakes if p is not None]
    screen(items[0][0], scaled, fusion)  # warm up: models loaded, caches filled
    rows = []
    for path, label in items:
        a, ta = screen(path, scaled, fusion)
        b, tb = screen(path, full, fusion)
        rows.append((path, label, a, b, ta, tb))
        print(
            f"{path.name:32s} {'fake' if label else 'real'} {a.width}×{a.height} scaled {a.risk} {ta:.2f} s, full {b.risk} {tb:.2f} s"
        )

    def p(d) -> float:  # noqa: ANN001
        return d.fake_probability if d.fake_probability is not None else float("nan")

    both = [r for r in rows if r[2].fake_probability is not None and r[3].fake_probability is not None]
    deltas = [abs(p(r[2]) - p(r[3])) for r in both]
    summary = []
    for name, pick in (("real photos", 0), ("swapped", 1)):
        sel = [r for r in rows if r[1] == pick]
        judged_a = sum(r[2].fake_probability is not None for r in sel)
        judged_b = sum(r[3].fake_probability is not None for r in sel)
        same = sum((r[2].risk or "not judged") == (r[3].risk or "not judged") for r in sel)
        high = (sum(r[2].risk == "high" for r in sel), sum(r[3].risk == "high" for r in sel))
        summary.append([name, len(sel), f"{judged_a} / {judged_b}", f"{same} of {len(sel)}", f"{high[0]} / {high[1]}"])
    differ = [
        f"{r[0].name} ({'fake' if r[1] else 'real'}, {r[2].width}×{r[2].height}): {r[2].risk} {p(r[2]):.2f} scaled, "
        f"{r[3].risk} {p(r[3]):.2f} full size"
        for r in rows
        if r[2].risk != r[3].risk
    ]
    labels = [r[1] for r in both]
    megapixels = [r[2].width * r[2].height / 1e6 for r in rows]
    big = [r for r, mp in zip(rows, megapixels, strict=True) if mp >= 8]
    times = []
    for name, sel in (("all", rows), ("8 MP and more", big)):
        if sel:
            ta, tb = statistics.median(r[4] for r in sel), statistics.median(r[5] for r in sel)
            times.append([f"{name} ({len(sel)})", f"{ta * 1000:.0f} ms", f"{tb * 1000:.0f} ms", f"{tb / ta:.1f}×"])
    body = f"""### Large photos: scaled down or full size (`python bench/detect_big.py`)

Machine: {machine()} · revision {revision} · {dt.date.today().isoformat()}

The {len(reals)} real photos of ../shared/data over {scaled.photo_megapixels:g} MP
({min(megapixels):.1f} to {max(megapixels):.1f} MP) and {len(items) - len(reals)} fakes made from them
(another photo's face swapped in at full size, JPEG 95), screened with `detect`'s defaults (scaled down
to {scaled.photo_megapixels:g} MP) and at full size (`photo_megapixels=None`, what `--thorough` does),
alternating; see the script's docstring:

{table(["photos", "files", "judged (scaled / full)", "same risk", "high (scaled / full)"], summary)}

Probability, scaled against full size, on the {len(both)} files judged both ways: median difference
{statistics.median(deltas):.3f}, largest {max(deltas):.3f}. Risk differs on: {"; ".join(differ) or "none"}. AUC of real against swapped: scaled
{auc(labels, [p(r[2]) for r in both]):.3f}, full size {auc(labels, [p(r[3]) for r in both]):.3f}
(the fakes are also re-encoded: compare the two, not with the benchmark).

{table(["photos", "scaled down", "full size", "full / scaled"], times)}

Median of {REPEATS} runs per file and size, without the report's pictures."""
    print(body)
    update_readme("detect-big", body)


if __name__ == "__main__":
    main()
