"""`faceforge faces`: in-process through main() plus one real subprocess run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import grid, run_cli


def save(image: np.ndarray, path: Path, **kw) -> Path:
    Image.fromarray(image).save(path, **kw)
    return path


def test_default_input_is_the_builtin_sample(capsys, tmp_path):
    preview = tmp_path / "p.png"
    code, out, err = run_cli(capsys, "faces", "--preview", str(preview))
    assert code == 0, err
    assert "astronaut" in out and "1 face" in out
    img = np.asarray(Image.open(preview))
    assert img.shape == (512, 512, 3)


def test_json_has_boxes_pose_and_optional_landmarks(capsys, tmp_path, astronaut):
    src = save(astronaut, tmp_path / "a.png")
    out_json = tmp_path / "faces.json"
    code, _, err = run_cli(capsys, "faces", str(src), "--json", str(out_json), "--landmarks", "-q")
    assert code == 0, err
    data = json.loads(out_json.read_text())
    assert data["kind"] == "image" and len(data["faces"]) == 1
    face = data["faces"][0]
    assert set(face["pose"]) == {"yaw", "pitch", "roll"}
    assert np.array(face["landmarks"]).shape == (478, 3)


def test_ten_faces(capsys, tmp_path, astronaut):
    src = save(grid([astronaut[20:300, 100:380]] * 10, cols=5, cell=220), tmp_path / "ten.jpg")
    code, out, _ = run_cli(capsys, "faces", str(src))
    assert code == 0 and "10 faces" in out


def test_no_face_exits_1_and_still_writes_outputs(capsys, tmp_path):
    src = save(np.full((200, 300, 3), 128, np.uint8), tmp_path / "wall.png")
    out_json = tmp_path / "f.json"
    code, out, _ = run_cli(capsys, "faces", str(src), "--json", str(out_json))
    assert code == 1 and "no face found" in out
    assert json.loads(out_json.read_text())["faces"] == []


def test_bad_output_suffix_is_a_usage_error(capsys, tmp_path, astronaut):
    src = save(astronaut, tmp_path / "a.png")
    code, _, err = run_cli(capsys, "faces", str(src), "--preview", str(tmp_path / "p.gif"))
    assert code == 2 and "--preview must end in one of" in err


@pytest.mark.shared
def test_video_tracks_and_persons(capsys, tmp_path, shared_data):
    clip = shared_data / "talking/mead/dreamtalk/data/style_clip/video/M030_front_happy_level3_001.mp4"
    out_json, preview = tmp_path / "t.json", tmp_path / "t.mp4"
    code, out, err = run_cli(
        capsys, "faces", str(clip), "--max-frames", "40", "--json", str(out_json), "--preview", str(preview)
    )
    assert code == 0, err
    data = json.loads(out_json.read_text())
    assert data["frames_analysed"] == 40 and len(data["tracks"]) == 1
    assert all(len(f) == 1 for f in data["frames"])
    from faceforge.media.video import probe_video

    info = probe_video(preview)
    assert info.frame_count == 40 and info.has_audio == probe_video(clip).has_audio
    assert "1 person" in out


def test_real_subprocess_run(tmp_path):
    """The installed console script: exit code, stdout, and no native log noise on stderr."""
    preview = tmp_path / "p.png"
    exe = Path(sys.executable).with_name("faceforge")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "faceforge"]
    proc = subprocess.run([*cmd, "faces", "--preview", str(preview)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 face" in proc.stdout
    assert proc.stderr.strip() == ""
    assert preview.exists()
