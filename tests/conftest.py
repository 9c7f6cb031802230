"""Shared fixtures: the real media in ../shared/data and synthetic test frames."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("FACEFORGE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def _private_config_dir(tmp_path_factory, monkeypatch):
    """No test touches the user's real config (signing keys, consent setting)."""
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(tmp_path_factory.getbasetemp() / "faceforge-config"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: tests on real media need it (CI has it)."""
    path = shared_data_dir()
    if not (path / "MANIFEST.csv").is_file():
        pytest.skip(f"needs the real test media in {path} (absent here; CI has it)")
    return path


@pytest.fixture(scope="session")
def manifest(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "MANIFEST.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    from faceforge.samples import astronaut

    return astronaut()


def grid(images: list[np.ndarray], cols: int, cell: int) -> np.ndarray:
    """Tile images (resized to cell×cell) into one frame: synthetic group photos."""
    import cv2

    rows = (len(images) + cols - 1) // cols
    out = np.full((rows * cell, cols * cell, 3), 127, np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        out[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = cv2.resize(im, (cell, cell))
    return out


@pytest.fixture
def fake_webcam(tmp_path, monkeypatch, astronaut) -> list[np.ndarray]:
    """`--webcam N` without a camera or a screen: the camera plays a 12-frame clip of the
    astronaut, the window sink records what it is shown (returned) and presses no key."""
    import cv2

    from faceforge.effects.animate import live
    from faceforge.media import live as media_live
    from faceforge.media.output import VideoWriter

    clip = tmp_path / "webcam.mp4"
    with VideoWriter(clip, 25) as writer:
        for i in range(12):
            canvas = np.full((240, 320, 3), 90, np.uint8)
            canvas[20:220, 40 + i : 240 + i] = cv2.resize(astronaut[20:300, 110:390], (200, 200))
            writer.write(canvas)
    shown: list[np.ndarray] = []

    def window_sink(title: str = "") -> live.Sink:
        return lambda image: shown.append(image) or ""

    monkeypatch.setattr(media_live, "WebcamSource", lambda index: media_live.FileSource(clip))
    monkeypatch.setattr(live, "window_sink", window_sink)
    monkeypatch.setattr(cv2, "destroyAllWindows", lambda: None)
    return shown


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `faceforge ARGS` in-process; returns (exit code, stdout, stderr)."""
    from faceforge.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def load_bench(name: str):  # noqa: ANN201 (a module)
    """Import bench/<name>.py (not a package) so tests can reach its pure helpers."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
