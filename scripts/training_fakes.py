"""Fakes that faceforge itself makes from TRAIN-split real stills, as extra training positives.

Used by `scripts/train_blending.py`: besides self-blended images (which teach "a blend seam is
there"), the detector sees real face swaps and animations made with faceforge's own `swap` and
`animate` from people of the train split. The evaluation corpus (`bench/detect_corpus.py`) makes
its faceforge fakes from EVAL-split people only, so no person is shared; but the family is, and
the benchmark reports faceforge-swap / faceforge-animate as "seen families" for that reason.

Every fake records its target's and its source's group (the person or folder), so the training
script can hold out whole groups for validation and drop fakes whose source person is held out.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

SWAPS = 360  # still swaps: a source person into a target still
ANIMATIONS = 60  # stills animated with a built-in preset motion
FRAMES_PER_ANIMATION = 3  # frames kept per animation, from its middle and end (the start is the photo)
SWAP_SHAPES = (0.0, 0.4, 0.8)  # SwapOptions.shape: how much of the source's face shape is carried over


def made_fakes_cache(
    data: Path,
    stills: Sequence[dict[str, str]],
    group_of: Callable[[str], str],
    crop_face: Callable[[np.ndarray, object], tuple[np.ndarray, np.ndarray] | None],
    cache_dir: Path,
    seed: int,
    log: Callable[[str], None],
) -> dict[str, np.ndarray]:
    """Aligned crops of faceforge-made fakes (cached under `cache_dir`).

    stills: MANIFEST rows of TRAIN-split real stills to draw targets and sources from.
    crop_face(image, face) → (crop, crop-space landmarks), or None for a face too small to use.
    Returns crops, landmarks, kind ("swap" / "animate"), target_group, source_group, name.
    """
    key = hashlib.sha256(
        json.dumps([[r["file"] for r in stills], SWAPS, ANIMATIONS, FRAMES_PER_ANIMATION, SWAP_SHAPES, seed]).encode()
    ).hexdigest()[:16]
    path = cache_dir / f"made_fakes_{key}.npz"
    found = load_cache(path, "made-fake cache", log)
    if found is not None:
        return found

    rng = np.random.default_rng([seed, 31])
    t0 = time.time()
    out: dict[str, list] = {k: [] for k in ("crops", "landmarks", "kind", "target_group", "source_group", "name")}

    def keep(image: np.ndarray, kind: str, target: str, source: str, name: str) -> bool:
        from faceforge.faces.analyzer import analyze

        faces = analyze(image, max_faces=1, masks=False)
        cropped = crop_face(image, faces[0]) if faces else None
        if cropped is None:
            return False
        out["crops"].append(cropped[0])
        out["landmarks"].append(cropped[1].astype(np.float32))
        out["kind"].append(kind)
        out["target_group"].append(group_of(target))
        out["source_group"].append(group_of(source))
        out["name"].append(name)
        return True

    images: dict[str, np.ndarray] = {}

    def load(row: dict[str, str]) -> np.ndarray:
        from faceforge.media.image import read_image

        if row["file"] not in images:
            images[row["file"]] = read_image(data / row["file"])
        return images[row["file"]]

    _make_swaps(stills, group_of, load, keep, rng, log, t0)
    images.clear()
    _make_animations(stills, load, keep, rng, log, t0)

    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = {
        "crops": np.stack(out["crops"]),
        "landmarks": np.stack(out["landmarks"]),
        **{k: np.array(out[k]) for k in ("kind", "target_group", "source_group", "name")},
    }
    np.savez(path, **cache)
    kinds = {k: int((cache["kind"] == k).sum()) for k in ("swap", "animate")}
    log(f"made-fake cache: {len(cache['crops'])} faces {kinds} in {time.time() - t0:.0f} s -> {path}")
    return cache


def load_cache(path: Path, what: str, log: Callable[[str], None]) -> dict[str, np.ndarray] | None:
    """The arrays of a cached .npz (logged as `what`), or None when it is not there yet."""
    if not path.is_file():
        return None
    log(f"{what}: {path}")
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _make_swaps(stills, group_of, load, keep, rng, log, t0) -> None:
    from faceforge.effects.swap.pipeline import SwapOptions, load_source, swap_image
    from faceforge.errors import FaceforgeError

    made = tries = 0
    while made < SWAPS and tries < 3 * SWAPS:
        tries += 1
        target, source = (stills[int(i)] for i in rng.integers(len(stills), size=2))
        if group_of(target["file"]) == group_of(source["file"]):
            continue
        options = SwapOptions(
            shape=float(rng.choice(SWAP_SHAPES)),
            mouth_mask=bool(rng.random() < 0.7),
            occlusion=bool(rng.random() < 0.7),
        )
        try:
            face = load_source(load(source), options)
            swapped, n = swap_image(face, load(target), options)
        except FaceforgeError:
            continue
        if n and keep(swapped, "swap", target["file"], source["file"], f"swap:{source['file']}>{target['file']}"):
            made += 1
        if made and made % 50 == 0:
            log(f"  {made}/{SWAPS} swaps ({tries} tries), {time.time() - t0:.0f} s")


def _make_animations(stills, load, keep, rng, log, t0) -> None:
    from faceforge.effects.animate.pipeline import AnimateOptions, render_frames
    from faceforge.effects.animate.source import prepare_source
    from faceforge.effects.animate.template import load_preset, preset_names
    from faceforge.errors import FaceforgeError

    presets = {name: load_preset(name) for name in preset_names()}
    made = tries = 0
    while made < ANIMATIONS and tries < 3 * ANIMATIONS:
        tries += 1
        row = stills[int(rng.integers(len(stills)))]
        name = str(rng.choice(sorted(presets)))
        motion = presets[name]
        options = AnimateOptions(pose=float(rng.uniform(0.6, 1.4)), expression=float(rng.uniform(0.6, 1.4)))
        try:
            rig = prepare_source(load(row), name=row["file"], face_index=None, all_faces=False, max_size=1024)
        except FaceforgeError:
            continue
        n = len(motion.frames)
        wanted = set(np.linspace(n // 3, n - 1, FRAMES_PER_ANIMATION).round().astype(int).tolist())
        kept = 0
        for i, frame in enumerate(render_frames(rig, motion, options)):
            if i in wanted:
                kept += keep(frame, "animate", row["file"], row["file"], f"animate:{name}:{row['file']}#{i}")
            if i >= max(wanted):
                break
        made += kept > 0
        if made and made % 20 == 0 and kept:
            log(f"  {made}/{ANIMATIONS} animations, {time.time() - t0:.0f} s")


def contact_sheet(crops: np.ndarray, path: Path, per_row: int = 12, cell: int = 96) -> None:
    """A grid of the first crops, written as PNG (to look at what the detector learns from)."""
    n = min(len(crops), per_row * 8)
    cells = [cv2.resize(c, (cell, cell), interpolation=cv2.INTER_AREA) for c in crops[:n]]
    cells += [np.zeros_like(cells[0])] * (-n % per_row)
    rows = [np.concatenate(cells[i : i + per_row], axis=1) for i in range(0, len(cells), per_row)]
    cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))
