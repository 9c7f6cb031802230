"""`faceforge anonymize`: in-process through main() plus one real subprocess run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import faceforge.cli.anonymize  # noqa: F401  (registers the command until main() imports it)
from faceforge.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def save(image: np.ndarray, path: Path) -> Path:
    Image.fromarray(image).save(path)
    return path


@pytest.mark.parametrize("mode", ["blur", "swap-synthetic"])
def test_photo_is_anonymised_with_a_summary_line(capsys, tmp_path, astronaut, mode):
    src, out = save(astronaut, tmp_path / "a.png"), tmp_path / "out.jpg"
    code, stdout, err = run_cli(capsys, "anonymize", str(src), "-o", str(out), "--mode", mode)
    assert code == 0, err
    assert stdout.strip() == f"anonymised 1 face in 1 frame → {out}"
    result = np.asarray(Image.open(out).convert("RGB"))
    assert result.shape == astronaut.shape
    assert np.abs(result[150:200, 200:260].astype(int) - astronaut[150:200, 200:260]).mean() > 10  # the face


def test_file_names_with_brackets_are_printed_as_they_are(capsys, tmp_path, astronaut):
    """Rich would read "[draft]" as a markup tag and drop it from the summary line."""
    src, out = save(astronaut, tmp_path / "me [draft].png"), tmp_path / "blurred [v2].png"
    code, stdout, err = run_cli(capsys, "anonymize", str(src), "-o", str(out))
    assert code == 0, err
    assert stdout.strip() == f"anonymised 1 face in 1 frame → {out}"


def test_no_face_exits_1_and_writes_an_unchanged_copy(capsys, tmp_path):
    wall = np.full((90, 120, 3), 128, np.uint8)
    wall[30:60, 40:80] = (10, 200, 30)
    src, out = save(wall, tmp_path / "wall.png"), tmp_path / "copy.png"
    code, stdout, _ = run_cli(capsys, "anonymize", str(src), "-o", str(out))
    assert code == 1
    assert "no face found" in stdout and "unchanged copy" in stdout
    assert np.array_equal(np.asarray(Image.open(out)), wall)


def test_usage_errors_exit_2(capsys, tmp_path, astronaut):
    src = save(astronaut, tmp_path / "a.png")
    code, _, err = run_cli(capsys, "anonymize", str(src), "-o", str(tmp_path / "a.mp4"))
    assert code == 2 and "must end in one of .png" in err
    code, _, err = run_cli(capsys, "anonymize", str(src), "-o", str(src))
    assert code == 2 and "overwrite the input" in err
    code, _, err = run_cli(capsys, "anonymize", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"))
    assert code == 2 and "no such file" in err
    code, _, _ = run_cli(capsys, "anonymize", str(src), "-o", str(tmp_path / "o.png"), "--mode", "sketch")
    assert code == 2
    assert not (tmp_path / "o.png").exists()


def test_video_keeps_audio_and_counts_frames(capsys, tmp_path, astronaut):
    from faceforge.media.video import probe_video
    from tests.media.conftest import write_pyav_video

    face = cv2.resize(astronaut[30:270, 110:350], (100, 100))
    frames = []
    for i in range(12):
        canvas = np.full((200, 240, 3), 60, np.uint8)
        canvas[50:150, 20 + 5 * i : 120 + 5 * i] = face
        frames.append(canvas)
    src = write_pyav_video(tmp_path / "in.mp4", frames, audio_seconds=0.6)
    out = tmp_path / "out.mp4"
    code, stdout, err = run_cli(capsys, "anonymize", str(src), "-o", str(out), "--mode", "mask", "-q")
    assert code == 0, err
    assert stdout == ""
    info = probe_video(out)
    assert info.frame_count == 12 and info.has_audio
    code, stdout, _ = run_cli(capsys, "anonymize", str(src), "-o", str(out), "--max-frames", "5")
    assert code == 0 and stdout.strip() == f"anonymised 1 face in 5 frames → {out}"


def test_real_subprocess_run(tmp_path, astronaut):
    """The installed console script, as a user runs it: exit code, summary, quiet stderr."""
    src, out = save(astronaut, tmp_path / "a.png"), tmp_path / "o.png"
    # The console script's own entry point, run(); importing the command module first
    # registers it whether or not main() does yet.
    code = "import sys, faceforge.cli.anonymize; from faceforge.cli import run; sys.argv[0] = 'faceforge'; run()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "anonymize", str(src), "-o", str(out), "--mode", "pixelate"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"anonymised 1 face in 1 frame → {out}"
    assert proc.stderr.strip() == ""  # no native MediaPipe log noise
    assert out.exists()
