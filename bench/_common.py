"""Helpers shared by the benchmarks: where the data is, machine description, timing, README tables."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def shared_data() -> Path:
    path = Path(os.environ.get("FACEFORGE_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (path / "MANIFEST.csv").is_file():
        raise SystemExit(f"benchmark needs the real media in {path} (set FACEFORGE_SHARED_DATA)")
    return path


STILL_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def still_images(data: Path, labels: tuple[str, ...]) -> list[dict[str, str]]:
    """The MANIFEST rows of still images (by suffix) whose label is one of `labels`, in order."""
    import csv

    with open(data / "MANIFEST.csv", newline="") as fh:
        return [
            r
            for r in csv.DictReader(fh)
            if r["label"] in labels and Path(r["file"]).suffix.lower() in STILL_IMAGE_SUFFIXES
        ]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}, {platform.system()} {platform.machine()}"


def git_revision() -> str:
    """The commit measured; "+uncommitted" when tracked files other than Markdown differ from it
    (the figures then belong to code that no commit holds yet; a README that one bench has just
    rewritten before the next one runs is no such difference)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    revision = out.stdout.strip() or "unknown"
    code = [line for line in changed.stdout.splitlines() if not line.rstrip().endswith(".md")]
    return revision + "+uncommitted" if code else revision


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 2) -> float:
    """Median wall time of fn() in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def update_readme(section: str, body: str) -> None:
    """Replace the text between <!-- SECTION:start --> and <!-- SECTION:end --> in bench/README.md."""
    readme = BENCH / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    tmp = readme.with_suffix(".md.tmp")
    tmp.write_text(text)
    tmp.replace(readme)


def write_h264(path: Path, frames: Iterable[np.ndarray], *, rate: int, options: dict[str, str]) -> Path:
    """An unlabelled H.264 clip (yuv420p) of H×W×3 uint8 RGB frames, its size the first frame's,
    written atomically (a benchmark input: not faceforge's labelled output writer)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part" + path.suffix)
    with av.open(str(part), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.pix_fmt, stream.options = "yuv420p", dict(options)
        for i, image in enumerate(frames):
            if i == 0:
                stream.height, stream.width = image.shape[:2]
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    part.replace(path)
    return path
