"""`faceforge animate` in-process, plus one real subprocess run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceforge.media.video import probe_video
from tests.conftest import run_cli


def test_preset_on_the_builtin_sample_is_labelled(capsys, tmp_path):
    out = tmp_path / "a.mp4"
    code, stdout, err = run_cli(capsys, "animate", "--preset", "smile", "--max-frames", "8", "-o", str(out))
    assert code == 0, err
    assert "8 frames" in stdout and probe_video(out).frame_count == 8
    from faceforge.provenance.verify import verify_file

    report = verify_file(out).to_dict()
    assert report["watermark"]["present"] and report["labels_match"]


def test_a_real_photo_needs_consent(capsys, tmp_path, astronaut):
    photo = tmp_path / "me.png"
    Image.fromarray(astronaut).save(photo)
    out = tmp_path / "a.mp4"
    code, _, err = run_cli(capsys, "animate", "-s", str(photo), "--preset", "smile", "-o", str(out))
    assert code == 2 and "consent" in err and not out.exists()
    code, _, err = run_cli(
        capsys, "animate", "-s", str(photo), "--preset", "smile", "--max-frames", "4", "-o", str(out), "--consent"
    )
    assert code == 0, err and out.exists()


def test_list_presets(capsys):
    code, out, _ = run_cli(capsys, "animate", "--list-presets")
    assert code == 0 and {"look-around", "smile", "blink-and-nod", "talking", "dragostea"} <= set(out.split())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--preset", "smile", "--template", "x.npz", "-o", "o.mp4"], "exactly one of"),
        (["-o", "o.mp4"], "exactly one of"),
        (["--preset", "smile"], "-o OUT.mp4"),
        (["--preset", "smile", "-o", "o.gif"], "must be a video"),
        (["--preset", "moonwalk", "-o", "o.mp4"], "unknown preset"),
        (["--preset", "smile", "--region", "nose", "-o", "o.mp4"], "--region"),
    ],
)
def test_bad_usage_is_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "animate", *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert not any(tmp_path.glob("*.mp4"))


def test_source_without_face(capsys, tmp_path):
    photo = tmp_path / "wall.png"
    Image.fromarray(np.full((300, 300, 3), 128, np.uint8)).save(photo)
    code, _, err = run_cli(
        capsys, "animate", "-s", str(photo), "--preset", "smile", "-o", str(tmp_path / "o.mp4"), "--consent"
    )
    assert code == 2 and "no face found" in err and str(photo) in err
    assert not (tmp_path / "o.mp4").exists()


def test_save_template_then_replay(capsys, tmp_path):
    tpl = tmp_path / "m.npz"
    code, stdout, err = run_cli(capsys, "animate", "--preset", "talking", "--save-template", str(tpl))
    assert code == 0 and tpl.exists() and "no face image" in stdout, err
    out = tmp_path / "b.mp4"
    code, _, err = run_cli(capsys, "animate", "--template", str(tpl), "--max-frames", "5", "-o", str(out))
    assert code == 0 and probe_video(out).frame_count == 5, err


def test_subprocess_default_animation(tmp_path):
    out = tmp_path / "x.mp4"
    exe = Path(sys.executable).with_name("faceforge")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "faceforge"]
    env = {"FACEFORGE_CONFIG_DIR": str(tmp_path / "cfg"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [*cmd, "animate", "--preset", "blink-and-nod", "--max-frames", "6", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert probe_video(out).frame_count == 6 and proc.stderr.strip() == ""


def test_live_with_a_real_photo_needs_consent(capsys, tmp_path, astronaut):
    photo = tmp_path / "me.png"
    Image.fromarray(astronaut).save(photo)
    code, _, err = run_cli(capsys, "animate", "-s", str(photo), "--webcam", "0")
    assert code == 2 and "consent" in err  # refused before any camera is opened


def test_live_animates_the_sample_until_the_camera_ends(capsys, fake_webcam):
    code, out, err = run_cli(capsys, "animate", "--webcam", "0")
    assert code == 0, err
    assert len(fake_webcam) == 12 and all(frame.shape == (512, 512, 3) for frame in fake_webcam)
    assert "[q] quit" in out and "12 frames, median latency" in out


def test_follow_camera_needs_a_motion_with_a_camera(capsys, tmp_path):
    """A preset has no camera to follow and a webcam avatar keeps its background: both say so (exit 2)."""
    out = tmp_path / "a.mp4"
    code, _, err = run_cli(capsys, "animate", "--preset", "smile", "--follow-camera", "-o", str(out))
    assert code == 2 and "no camera motion" in err and "--driving" in err
    assert not out.exists()
    code, _, err = run_cli(capsys, "animate", "--webcam", "0", "--follow-camera")
    assert code == 2 and "--follow-camera is for a driving video" in err
