"""Still images as given: `detect` on every real and fake photo of ../shared/data, not re-encoded.

    python bench/detect_photos.py    # updates bench/README.md ("detect-photos")

The benchmark (bench/detect.py) measures on copies re-encoded alike (short side 256, JPEG 90) so
that resolution and compression cannot give the answer away; this is the other view: the files as
a user would give them, at their own size and compression. The real photos are mostly not in the
benchmark (portraits, identity pairs, degraded and old photos); the fakes are the originals of the
benchmark's fake images, so for them this is not new data, only their own size. Reported: what
`detect` said, and the AUC of the shipped still-image combiner and of each signal alone (the most
suspicious face of each photo), with the share of fakes caught where 2, 10 and 20 % of the real
photos are flagged.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import detect as bench  # noqa: E402  (bench/detect.py: the corpus, its scores and folds)
from _common import git_revision, machine, shared_data, still_images, table, update_readme  # noqa: E402

FLAGGED = (0.02, 0.10, 0.20)  # shares of real photos flagged at which the fakes caught are read


def caught(labels: np.ndarray, scores: np.ndarray, flagged: float) -> float:
    """The share of fakes scoring above the level that `flagged` of the real photos exceed."""
    level = np.quantile(scores[~labels], 1.0 - flagged)
    return float(np.mean(scores[labels] > level))


def ranking(labels: np.ndarray, scores: np.ndarray) -> list[str]:
    """AUC and the fakes caught at each of FLAGGED, over the photos with a score (not NaN)."""
    from faceforge.eval.detection import auc

    ok = ~np.isnan(scores)
    y, s = labels[ok], scores[ok]
    return [f"{auc(y, s):.3f}", *(f"{caught(y, s, f):.2f}" for f in FLAGGED)]


def main() -> None:
    from faceforge.errors import FaceforgeError
    from faceforge.forensics.fusion import load_fusion
    from faceforge.forensics.pipeline import DetectOptions, detect

    revision = git_revision()
    data = shared_data()
    fusion = load_fusion()
    options = DetectOptions(heatmaps=False, suspicious_frames=0)
    rows = still_images(data, ("real", "fake"))
    said: dict[str, Counter] = {"real": Counter(), "fake": Counter()}
    scored: list[tuple[bool, dict[str, float | None], float]] = []  # (fake?, signals, probability)
    faces: list[tuple[bool, list[dict[str, float | None]]]] = []  # (fake?, every face's signals)
    for r in rows:
        try:
            result = detect(data / r["file"], options, fusion=fusion)
        except FaceforgeError as exc:
            said[r["label"]]["could not be read"] += 1
            print(f"{r['file']}: {exc}")
            continue
        if result.kind != "image":
            continue
        said[r["label"]][result.risk or ("no face" if not result.faces else "not judged")] += 1
        if result.fake_probability is not None:
            worst = max((f for f in result.faces if f.probability is not None), key=lambda f: f.probability)
            scores = {n: s.score for n, s in worst.signals.items()}
            scored.append((r["label"] == "fake", scores, result.fake_probability))
            faces.append((r["label"] == "fake", [{n: v.score for n, v in f.signals.items()} for f in result.faces]))
    labels = np.array([fake for fake, _, _ in scored])
    counts = []
    for label in ("real", "fake"):
        c = said[label]
        counts.append(
            [
                f"{label} ({sum(c.values())})",
                *(c[k] for k in ("low", "medium", "high", "not judged", "no face", "could not be read")),
            ]
        )
    ranked = [["shipped combiner (fake probability)", np.array([p for _, _, p in scored])]]
    for name in ("blending", "frequency", "noise"):
        ranked.append(
            [f"{name} alone", np.array([s.get(name) if s.get(name) is not None else np.nan for _, s, _ in scored])]
        )
    auc_rows = []
    for name, scores in ranked:
        ok = ~np.isnan(scores)
        auc_rows.append([name, f"{int((~labels[ok]).sum())}/{int(labels[ok].sum())}", *ranking(labels, scores)])
    no_high = (
        ""
        if fusion.image.shows_skill
        else "\n\nThe still-image combiner says 'high' for no photo (its benchmark AUC is not told from chance): "
        "'medium' is as far as a photo's pixels go."
    )
    body = f"""### Still images as given (`python bench/detect_photos.py`)

Machine: {machine()} · revision {revision} · {dt.date.today().isoformat()}

Every real and fake still image of ../shared/data at its own size and compression, screened with
`detect`'s defaults (the benchmark's re-encoded copies are in "detect" above; the fakes here are
their originals; see the script's docstring). What `detect` said:

{table(["photos", "low", "medium", "high", "not judged", "no face", "could not be read"], counts)}

How well each ranks the fake photos above the real ones (the most suspicious face of each photo
with a verdict; "caught": the share of fakes above the level that 2 / 10 / 20 % of the real photos
exceed):

{table(["score", "real/fake", "AUC", "caught at 2 %", "at 10 %", "at 20 %"], auc_rows)}{no_high}"""
    body += "\n\n" + variants_section(faces)
    print(body)
    update_readme("detect-photos", body)


# The still-image combiners compared (`RealReferenceModel` shares; bench/detect.py ships IMAGE_SHARES).
VARIANTS = {
    "blending alone": {"blending": 1.0},
    "blending + noise, 1 : 1": {"blending": 1.0, "noise": 1.0},
    "blending + noise, 2 : 1": {"blending": 2.0, "noise": 1.0},
    "blending + noise, 4 : 1": {"blending": 4.0, "noise": 1.0},
    "blending + noise + frequency, 2 : 1 : 1": {"blending": 2.0, "noise": 1.0, "frequency": 1.0},
}
DRAWS = 3  # draws of the corpus folds


def variants_section(faces: list[tuple[bool, list[dict[str, float | None]]]]) -> str:
    """Each variant's ranking (its surprise; calibration does not change it): out of fold on the
    benchmark's re-encoded images, and on these photos against all the benchmark's real images."""
    from faceforge.eval.detection import auc

    with open(bench.CORPUS / "index.csv", newline="") as fh:
        items = bench.score_corpus(list(csv.DictReader(fh)), False)
    images = [it for it in items if it.kind == "image" and bench._tracks(it)]
    labels = np.array([fake for fake, _ in faces])
    rows = []
    for name, shares in VARIANTS.items():
        corpus = []
        for seed in range(DRAWS):
            fold = bench.folds_of(images, seed=seed)
            scores = {}
            for k in range(bench.FOLDS):
                model = _reference([it for it in images if fold[it.group] != k and it.label == 0], shares)
                for it in images:
                    if fold[it.group] == k:
                        scores[it.id] = model.surprise({n: bench.signal_score(it, n) for n in shares})
            kept = [it for it in images if scores[it.id] is not None]
            corpus.append(auc([it.label for it in kept], [scores[it.id] for it in kept]))
        model = _reference([it for it in images if it.label == 0], shares)
        wild = np.array([_most_unusual(model, fs) for _, fs in faces])
        rows.append([name, f"{min(corpus):.2f}–{max(corpus):.2f}", *ranking(labels, wild)])
    return (
        "**Still-image combiner variants** (`RealReferenceModel` with these shares; its ranking only). "
        f"Benchmark: out of fold over {DRAWS} draws of the folds, the real images of the other folds as the "
        "reference. These photos: against all the benchmark's real images, caught as above:\n\n"
        + table(["signals and shares", "benchmark AUC", "AUC here", "caught at 2 %", "at 10 %", "at 20 %"], rows)
    )


def _most_unusual(model, faces: list[dict[str, float | None]]) -> float:  # noqa: ANN001
    """The photo's highest surprise over its faces (NaN: none could be judged)."""
    values = [v for f in faces if (v := model.surprise(f)) is not None]
    return max(values) if values else float("nan")


def _reference(reals: list, shares: dict[str, float]):  # noqa: ANN202
    """A RealReferenceModel over `shares` with these real corpus items as its references."""
    from faceforge.forensics.fusion import RealReferenceModel

    names = tuple(shares)
    references = tuple(tuple(sorted(v for it in reals if (v := bench.signal_score(it, n)) is not None)) for n in names)
    return RealReferenceModel(names, references, tuple(shares.values()), 1.0, 0.0)


if __name__ == "__main__":
    main()
