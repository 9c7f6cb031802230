"""Swap benchmark: identity, kept expression and pose, flicker and speed on real media.

    python bench/swap.py            # full run, updates bench/README.md (section "swap")
    python bench/swap.py --quick    # 2 sources × 2 clips × 20 frames, prints only

Also a `--shape` sweep (0..1): identity distance to the source against the landmark error
to the target, which is how the default 0.4 was chosen.

Identity: source portraits (../shared/data/portraits: swap-pairs, identity-pairs and the
built-in astronaut) swapped into real talking clips (../shared/data/talking, first N
frames each). A frame counts when the output face's dlib embedding is closer to the source
person than to the target person (the target frame itself); frames where no HOG face is
found in the output count as failures.
Expression and pose kept from the target: independent dlib-68 landmarks of output vs
target frame, normalised by the inter-ocular distance (`faceforge.eval.landmarks`), and
the head-pose difference (yaw, pitch, roll mean absolute degrees) from `faceforge.faces.analyze`,
on every 4th frame.
Flicker: `faceforge.eval.flicker.temporal_flicker` of the outputs, beside a naive
baseline (the same warp with a plain feathered alpha blend: no colour or lighting match,
no occlusion or mouth handling) and the target clip itself.
Blinks: the built-in astronaut swapped into the first BLINK_FRAMES frames of each clip (and of
one with frequent blinks); blinks in the target clip and in the output, counted alike
(`faceforge.eval.blinks`).
Hands: a real hand (cut out of a photo, `faceforge.eval.occluders`) laid over the target's face
and moving across it during HAND_FRAMES frames of a clip: the share of the hand's pixels the swap
leaves as they were, with hand finding (default) and with `--no-occlusion`, and the frames in
which a hand was found.
Speed: median per-frame time of `swap_frames` (tracking + landmarks + warp + colour +
blend; no decode or encode) at 512² and at 1280×720, and the whole `swap()` (decode →
track → swap → H.264 encode with audio, no labels) as frames per second of wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, git_revision, machine, shared_data, table, update_readme  # noqa: E402
from faceforge.effects.swap import (  # noqa: E402
    FaceRenderer,
    RenderOptions,
    SwapOptions,
    VideoSwapper,
    load_source,
    swap,
    swap_frames,
)
from faceforge.errors import NoFaceFound  # noqa: E402
from faceforge.eval.blinks import blink_count, eye_openness_trace  # noqa: E402
from faceforge.eval.contact_sheet import save_contact_sheet  # noqa: E402
from faceforge.eval.flicker import temporal_flicker  # noqa: E402
from faceforge.eval.identity import image_embedding  # noqa: E402
from faceforge.eval.landmarks import landmark_error_images  # noqa: E402
from faceforge.eval.occluders import HAND_DONOR, changed, hand_cutout, kept_share, paste  # noqa: E402
from faceforge.faces import analyze  # noqa: E402
from faceforge.faces.hands import HAND_EVERY  # noqa: E402
from faceforge.faces.identity import identity_distance  # noqa: E402
from faceforge.media import read_image  # noqa: E402
from faceforge.media.video import read_video  # noqa: E402
from faceforge.samples import astronaut  # noqa: E402

SOURCES = {
    "astronaut (built-in)": None,
    "chenglong (swap-pairs)": "portraits/swap-pairs/SimSwap/docs/img/id/chenglong.jpg",
    "img10 (identity-pairs)": "portraits/identity-pairs/deepface/tests/unit/dataset/img10.jpg",
    # A turned source (yaw 34°): its far cheek is foreshortened and left to the target.
    "ljm2 (swap-pairs, turned 34°)": "portraits/swap-pairs/SimSwap/crop_224/ljm2.jpg",
}
QUICK_SOURCES = {"astronaut (built-in)": None, "anni (swap-pairs)": "portraits/swap-pairs/SimSwap/docs/img/id/anni.jpg"}
CLIPS = {
    "hdtf KatieHill": "talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4",
    "hdtf AOC": "talking/hdtf/SadTalker/examples/ref_video/WDA_AlexandriaOcasioCortez_000.mp4",
    "retalking 5": "talking/speech/video-retalking/examples/face/5.mp4",
    "voxceleb TPSMM": "talking/voxceleb/Thin-Plate-Spline-Motion-Model/assets/driving.mp4",
}
BLINK_CLIPS = {**CLIPS, "retalking 3": "talking/speech/video-retalking/examples/face/3.mp4"}
BLINK_FRAMES = 200
NAIVE = RenderOptions(keep_mouth=False, occlusion=False, shading=False, color_match=False, multiband=False)


def frames_of(path: Path, n: int) -> list[tuple[np.ndarray, float]]:
    return [(f.image, f.time) for f in read_video(path, max_frames=n)]


def run_swap(source, frames, render: RenderOptions | None = None, shape: float = 0.4) -> list[np.ndarray]:
    swapper = VideoSwapper(source, SwapOptions(shape=shape))
    if render is not None:
        swapper.renderers = [FaceRenderer(source, render)]
    try:
        return [swapper.frame(image, t)[0] for image, t in frames]
    finally:
        swapper.close()


def embedding_or_none(image: np.ndarray) -> np.ndarray | None:
    try:
        return image_embedding(image)
    except NoFaceFound:
        return None


def pose_difference(a: np.ndarray, b: np.ndarray) -> float | None:
    fa, fb = analyze(a, masks=False), analyze(b, masks=False)
    if not fa or not fb:
        return None
    pa, pb = fa[0].pose, fb[0].pose
    return float(np.mean([abs(pa.yaw - pb.yaw), abs(pa.pitch - pb.pitch), abs(pa.roll - pb.roll)]))


def quality(data: Path, sources: dict, clips: dict, n: int) -> tuple[list[list[object]], dict, list]:
    rows, totals, sheet = (
        [],
        {"closer": 0, "frames": 0, "lm": [], "pose": [], "flicker": [], "naive": [], "target": []},
        [],
    )
    target_cache: dict[str, tuple[list, list]] = {}
    for s_name, s_path in sources.items():
        image = astronaut() if s_path is None else read_image(data / s_path)
        source = load_source(image)
        e_src = image_embedding(image)
        for c_name, c_path in clips.items():
            frames = frames_of(data / c_path, n)
            if c_name not in target_cache:
                target_cache[c_name] = ([embedding_or_none(f) for f, _ in frames], [f for f, _ in frames])
            e_tgts, targets = target_cache[c_name]
            outs = run_swap(source, frames)
            naive = run_swap(source, frames, NAIVE)
            closer = 0
            for out, e_tgt in zip(outs, e_tgts):
                e_out = embedding_or_none(out)
                if e_out is not None and (
                    e_tgt is None or identity_distance(e_out, e_src) < identity_distance(e_out, e_tgt)
                ):
                    closer += 1
            lms, poses = [], []
            for i in range(0, len(outs), 4):
                try:
                    lms.append(landmark_error_images(outs[i], targets[i]))
                except NoFaceFound:
                    pass
                d = pose_difference(outs[i], targets[i])
                if d is not None:
                    poses.append(d)
            fl, fl_naive, fl_tgt = temporal_flicker(outs), temporal_flicker(naive), temporal_flicker(targets)
            totals["closer"] += closer
            totals["frames"] += len(outs)
            totals["lm"] += lms
            totals["pose"] += poses
            totals["flicker"].append(fl)
            totals["naive"].append(fl_naive)
            totals["target"].append(fl_tgt)
            rows.append(
                [
                    s_name,
                    c_name,
                    f"{closer}/{len(outs)}",
                    f"{np.mean(lms):.3f}",
                    f"{np.mean(poses):.1f}",
                    f"{fl:.4f}",
                    f"{fl_naive:.4f}",
                    f"{fl_tgt:.4f}",
                ]
            )
            print(*rows[-1], flush=True)
            mid = len(outs) // 2
            sheet.append(
                (
                    [
                        targets[mid],
                        outs[mid],
                        naive[mid],
                        cv2.resize(image, (256, 256 * image.shape[0] // image.shape[1])),
                    ],
                    f"{s_name} → {c_name}",
                )
            )
    return rows, totals, sheet


def blinks(data: Path, clips: dict[str, str], n: int) -> list[tuple[str, int, int]]:
    """(clip, blinks in the target, blinks in the astronaut swapped into it) per clip."""
    source = load_source(astronaut())
    out = []
    for name, rel in clips.items():
        frames = frames_of(data / rel, n)
        swapped = run_swap(source, frames)
        out.append(
            (name, blink_count(eye_openness_trace(f for f, _ in frames)), blink_count(eye_openness_trace(swapped)))
        )
        print("blinks", *out[-1], flush=True)
    return out


HAND_FRAMES = 60


def hand_frames(data: Path, n: int) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """(frame with a real hand over the face, time, the hand's alpha) for n frames of
    KatieHill: the hand sweeps from the chin and left cheek up over the eyes and back."""
    cutout = hand_cutout(read_image(data / HAND_DONOR))
    out = []
    for i, (image, t) in enumerate(frames_of(data / CLIPS["hdtf KatieHill"], n)):
        phase = 0.5 - 0.5 * np.cos(2 * np.pi * i / max(n - 1, 1))  # 0 → 1 → 0
        x, y = int(60 + 120 * phase), int(300 - 150 * phase)
        pasted, alpha = paste(image, cutout, (x, y), 250)
        out.append((pasted, t, alpha))
    return out


def hands(data: Path, n: int) -> tuple[dict[str, float], list[list[np.ndarray]]]:
    """({"kept": share of the hand pixels that a swap without hand finding paints over which the
    default swap keeps, "over face": share of the hand's pixels painted over without it,
    "found": frames where a hand was found}, contact-sheet rows: the frame with the hand, its
    swap, the swap with `--no-occlusion`)."""
    source = load_source(astronaut())
    frames = hand_frames(data, n)
    shown = (n // 4, n // 2)
    rows: dict[int, list[np.ndarray]] = {i: [frames[i][0]] for i in shown}
    outs: dict[str, list[np.ndarray]] = {"default": [], "no occlusion": []}
    found = 0
    for name, options in (("default", SwapOptions()), ("no occlusion", SwapOptions(occlusion=False))):
        swapper = VideoSwapper(source, options)
        try:
            for image, t, _ in frames:
                outs[name].append(swapper.frame(image, t)[0])
                found += swapper.hands is not None and bool(swapper.hands.last)
        finally:
            swapper.close()
    # Over the hand pixels the swap without hand finding paints over.
    kept, painted, solid = [], 0, 0
    for (image, _, alpha), out, bare in zip(frames, outs["default"], outs["no occlusion"]):
        over = changed(bare, image)
        kept.append(kept_share(out, image, alpha, within=over))
        painted += int(((alpha > 0.9) & over).sum())
        solid += int((alpha > 0.9).sum())
    for i in shown:
        rows[i] += [outs["default"][i], outs["no occlusion"][i]]
    result = {"kept": float(np.nanmean(kept)), "over face": painted / max(solid, 1), "found": found}
    return result, list(rows.values())


def speed(data: Path, n: int) -> dict[str, float]:
    source = load_source(astronaut())
    clip = data / CLIPS["hdtf KatieHill"]
    frames = frames_of(clip, n)
    wide = []
    for image, t in frames:  # the 512² clip placed in a 1280×720 frame (face ≈ 330 px tall)
        canvas = cv2.resize(image, (720, 720))
        wide.append((cv2.copyMakeBorder(canvas, 0, 0, 280, 280, cv2.BORDER_REFLECT), t))
    out: dict[str, float] = {}
    for name, seq in (("512²", frames), ("1280×720", wide)):
        times, t0 = [], time.perf_counter()
        for _ in swap_frames(source, seq):
            t1 = time.perf_counter()
            times.append(t1 - t0)
            t0 = t1
        out[name] = 1.0 / statistics.median(times[3:])
        out[f"{name} mean"] = len(times[3:]) / sum(times[3:])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = swap(astronaut(), clip, Path(tmp) / "o.mp4", options=SwapOptions(max_frames=n))
        out["512² whole swap()"] = result.frames / (time.perf_counter() - t0 - 0.0)
    return out


def shape_sweep(data: Path, n: int) -> list[list[object]]:
    """Identity vs expression as --shape grows: 2 sources × 2 clips, every 2nd frame."""
    rows = []
    pairs = [(None, CLIPS["hdtf KatieHill"]), (SOURCES["chenglong (swap-pairs)"], CLIPS["hdtf AOC"])]
    prepared = []
    for s_path, c_path in pairs:
        image = astronaut() if s_path is None else read_image(data / s_path)
        frames = frames_of(data / c_path, n)[::2]
        prepared.append((load_source(image), image_embedding(image), frames, [embedding_or_none(f) for f, _ in frames]))
    for shape in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        dists, closer, lms, total = [], 0, [], 0
        for source, e_src, frames, e_tgts in prepared:
            outs = run_swap(source, frames, shape=shape)
            for out, (target, _), e_tgt in zip(outs, frames, e_tgts):
                total += 1
                e_out = embedding_or_none(out)
                if e_out is None:
                    continue
                dists.append(identity_distance(e_out, e_src))
                closer += e_tgt is None or dists[-1] < identity_distance(e_out, e_tgt)
                try:
                    lms.append(landmark_error_images(out, target))
                except NoFaceFound:
                    pass
        rows.append([f"{shape:.1f}", f"{np.mean(dists):.3f}", f"{closer}/{total}", f"{np.mean(lms):.3f}"])
        print("shape", *rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    data = shared_data()
    n = 20 if args.quick else args.frames
    sources = QUICK_SOURCES if args.quick else SOURCES
    clips = dict(list(CLIPS.items())[:2]) if args.quick else CLIPS
    t_start = time.time()
    # The machine is shared: time three times (start, middle, end of the run) and keep
    # each measure's best, with the load average seen while timing.
    timings = [speed(data, 60 if not args.quick else 30)]
    loads = [os.getloadavg()[0]]
    print("speed", timings[-1], "load", loads[-1], flush=True)
    sweep = shape_sweep(data, 20 if args.quick else 40)
    timings.append(speed(data, 60 if not args.quick else 30))
    loads.append(os.getloadavg()[0])
    print("speed", timings[-1], "load", loads[-1], flush=True)
    rows, totals, sheet = quality(data, sources, clips, n)
    blink_rows = blinks(
        data, dict(list(BLINK_CLIPS.items())[:2]) if args.quick else BLINK_CLIPS, n if args.quick else BLINK_FRAMES
    )
    n_hand = 30 if args.quick else HAND_FRAMES
    hand, hand_rows = hands(data, n_hand)
    print("hands", hand, flush=True)
    timings.append(speed(data, 60 if not args.quick else 30))
    loads.append(os.getloadavg()[0])
    print("speed", timings[-1], "load", loads[-1], flush=True)
    fps = {k: max(t[k] for t in timings) for k in timings[0]}
    share = totals["closer"] / max(totals["frames"], 1)
    out_dir = BENCH / "out" / "swap"
    save_contact_sheet(out_dir / "swap.png", [r for r, _ in sheet], cell=256)
    save_contact_sheet(out_dir / "hands.png", hand_rows, cell=256)
    (out_dir / "swap.txt").write_text(
        "columns: target, swap, naive baseline, source\n" + "\n".join(lbl for _, lbl in sheet) + "\n"
    )
    summary = table(
        ["measure", "result", "target"],
        [
            [
                "identity: frames closer to the source than to the target",
                f"{share:.1%} ({totals['closer']}/{totals['frames']})",
                "≥ 95 %",
            ],
            ["expression kept: dlib-68 error, output vs target (÷ inter-ocular)", f"{np.mean(totals['lm']):.3f}", ""],
            ["head pose kept: mean |Δ yaw, pitch, roll|", f"{np.mean(totals['pose']):.1f}°", ""],
            [
                "flicker: swap / naive warp+alpha / target clip",
                f"{np.mean(totals['flicker']):.4f} / {np.mean(totals['naive']):.4f} / {np.mean(totals['target']):.4f}",
                "≈ target",
            ],
            [
                f"blinks carried: output / target (astronaut, {len(blink_rows)} clips)",
                f"{sum(r[2] for r in blink_rows)} / {sum(r[1] for r in blink_rows)} ("
                + ", ".join(f"{r[0]} {r[2]}/{r[1]}" for r in blink_rows)
                + ")",
                "= target",
            ],
            [
                f"hand over the face (a real hand pasted, {n_hand} frames): share of the hand pixels that "
                "`--no-occlusion` paints over which the swap keeps",
                f"{hand['kept']:.0%} (hand found in {hand['found']:.0f} of {n_hand} frames)",
                "",
            ],
            ["speed 512²: median fps (track + swap)", f"{fps['512²']:.1f}", "≥ 30"],
            ["speed 1280×720: median fps (track + swap)", f"{fps['1280×720']:.1f}", "≥ 15"],
            [
                "frames per second of wall time, 512² / 1280×720 (with the hand search every "
                f"{HAND_EVERY} frames, which the median skips)",
                f"{fps['512² mean']:.1f} / {fps['1280×720 mean']:.1f}",
                "",
            ],
            ["whole swap() 512² (decode → encode, with audio)", f"{fps['512² whole swap()']:.1f} fps", ""],
        ],
    )
    per_pair = table(
        ["source", "target clip", "closer to source", "dlib-68 err", "pose Δ°", "flicker", "naive", "target"], rows
    )
    body = (
        f"Command: `python bench/swap.py{' --quick' if args.quick else ''}` ({n} frames per clip, "
        f"{len(sources)} sources × {len(clips)} clips; {time.time() - t_start:.0f} s). Machine: {machine()}, "
        f"shared with other jobs: speed is the best of 3 timings, 1-min load average while timing "
        f"{', '.join(f'{x:.1f}' for x in loads)}. "
        f"Revision: {git_revision()}.\n\n{summary}\n\n{per_pair}\n\n"
        "`--shape` (share of the source's face shape; default 0.4), astronaut → KatieHill and chenglong → AOC, "
        "every 2nd frame: identity distance of the output to the source (lower = more like the source), and "
        "the dlib-68 error against the target frame (lower = target's expression and outline kept):\n\n"
        + table(["shape", "identity distance to source", "closer to source", "dlib-68 err vs target"], sweep)
        + "\n\n"
        "Contact sheets: `bench/out/swap/swap.png` (columns: target frame, swap, naive baseline, source), "
        "`bench/out/swap/hands.png` (columns: frame with the pasted hand, swap, swap with `--no-occlusion`)."
    )
    print(body)
    if not args.quick:
        update_readme("swap", body)


if __name__ == "__main__":
    main()
