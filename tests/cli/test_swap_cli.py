"""`faceforge swap` in-process, plus one real subprocess run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import faceforge.cli.swap  # noqa: F401  (registers the command until main() imports it)
from tests.conftest import grid, run_cli

PAIRS = Path("portraits/identity-pairs/deepface/tests/unit/dataset")


@pytest.fixture
def photos(tmp_path, astronaut) -> tuple[Path, Path]:
    """(source photo, target photo with two faces: the astronaut mirrored and shrunk, twice)."""
    src = tmp_path / "me.png"
    Image.fromarray(astronaut).save(src)
    face = np.ascontiguousarray(astronaut[20:300, 100:380][:, ::-1])
    tgt = tmp_path / "group.png"
    Image.fromarray(grid([face, face], cols=2, cell=260)).save(tgt)
    return src, tgt


def test_swap_needs_consent_then_writes_a_labelled_image(capsys, tmp_path, photos):
    src, tgt = photos
    out = tmp_path / "o.png"
    code, _, err = run_cli(capsys, "swap", "-s", str(src), "-t", str(tgt), "-o", str(out))
    assert code == 2 and "consent" in err and not out.exists()
    code, stdout, err = run_cli(
        capsys, "swap", "-s", str(src), "-t", str(tgt), "-o", str(out), "--consent", "--many-faces"
    )
    assert code == 0, err
    assert "swapped 2 faces" in stdout and out.exists()
    from faceforge.provenance.verify import verify_file

    report = verify_file(out).to_dict()
    assert report["watermark"]["present"] and report["labels_match"]


def test_target_without_face_exits_1_with_an_unchanged_copy(capsys, tmp_path, photos):
    src, _ = photos
    wall = tmp_path / "wall.png"
    Image.fromarray(np.full((200, 300, 3), 100, np.uint8)).save(wall)
    out = tmp_path / "o.png"
    code, stdout, _ = run_cli(capsys, "swap", "-s", str(src), "-t", str(wall), "-o", str(out), "--consent")
    assert code == 1 and "no face found" in stdout and out.exists()


def test_reference_matching_nobody_writes_nothing(capsys, tmp_path, photos, shared_data):
    src, tgt = photos
    out = tmp_path / "o.png"
    stranger = shared_data / PAIRS / "img8.jpg"
    code, _, err = run_cli(
        capsys, "swap", "-s", str(src), "-t", str(tgt), "-o", str(out), "--consent", "--reference", str(stranger)
    )
    assert code == 2 and "nobody matches" in err and not out.exists()


def test_live_swap_shows_every_camera_frame(capsys, photos, fake_webcam):
    src, _ = photos
    code, out, err = run_cli(capsys, "swap", "-s", str(src), "--webcam", "0", "--consent")
    assert code == 0, err
    assert len(fake_webcam) == 12 and all(frame.shape == (240, 320, 3) for frame in fake_webcam)
    assert "live swap: [q] quit" in out and "12 frames, median latency" in out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["-o", "o.mp4"], "must be an image"),
        (["-o", "o.png", "--shape", "2"], "shape"),
        (["--webcam", "0", "-o", "o.png"], "--webcam"),
        ([], "-o OUT"),
    ],
)
def test_bad_usage_is_one_line(capsys, tmp_path, monkeypatch, photos, extra, message):
    src, tgt = photos
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "swap", "-s", str(src), "-t", str(tgt), "--consent", *extra)
    assert code == 2 and message in err and "Traceback" not in err
    assert not any(tmp_path.glob("o.*"))


def test_map_is_checked_before_anything_runs(capsys, tmp_path, photos):
    src, tgt = photos
    out = tmp_path / "o.png"
    for extra, message in (
        (["--map", f"{src}"], "SOURCE_PHOTO=REFERENCE_PHOTO"),
        (["--map", f"{src}={tmp_path / 'missing.jpg'}"], "missing.jpg"),
        (["-s", str(src), "--map", f"{src}={src}"], "not both"),
        (["--map", f"{src}={src}", "--many-faces"], "leave out --reference and --many-faces"),
        ([], "give --source"),
    ):
        code, _, err = run_cli(capsys, "swap", "-t", str(tgt), "-o", str(out), "--consent", *extra)
        assert code == 2 and message in err, (extra, err)
        assert not out.exists()


@pytest.mark.shared
def test_map_swaps_the_mapped_person(capsys, tmp_path, astronaut, shared_data):
    a, b = (np.asarray(Image.open(shared_data / PAIRS / n).convert("RGB")) for n in ("img10.jpg", "img8.jpg"))
    tgt, me, ref = tmp_path / "pair.png", tmp_path / "me.png", tmp_path / "ref.png"
    pair = grid([a, b], cols=2, cell=320)
    Image.fromarray(pair).save(tgt)
    Image.fromarray(astronaut).save(me)
    Image.fromarray(b).save(ref)
    out = tmp_path / "o.png"
    code, stdout, err = run_cli(capsys, "swap", "--map", f"{me}={ref}", "-t", str(tgt), "-o", str(out), "--consent")
    assert code == 0, err
    assert "swapped 1 face," in stdout
    changed = np.abs(np.asarray(Image.open(out).convert("RGB")).astype(int) - pair).sum(axis=2) > 30
    assert changed[:, :320].sum() < 50 and changed[:, 320:].sum() > 1000  # only the mapped person


def test_source_without_face(capsys, tmp_path, photos):
    _, tgt = photos
    wall = tmp_path / "wall.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(wall)
    code, _, err = run_cli(capsys, "swap", "-s", str(wall), "-t", str(tgt), "-o", str(tmp_path / "o.png"), "--consent")
    assert code == 2 and "no face found" in err and str(wall) in err
    assert not (tmp_path / "o.png").exists()


def test_subprocess_swap(tmp_path, photos):
    src, tgt = photos
    out = tmp_path / "x.jpg"
    env = {"FACEFORGE_CONFIG_DIR": str(tmp_path / "cfg"), "PATH": "/usr/bin:/bin"}
    # The console script's own entry point (`faceforge.cli.run`); `swap` is registered by
    # importing its module, as main() does once the command is on its import line.
    code = "import faceforge.cli.swap; from faceforge.cli import run; run()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "swap", "-s", str(src), "-t", str(tgt), "-o", str(out), "--consent"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and proc.stderr.strip() == "" and "swapped 1 face," in proc.stdout
