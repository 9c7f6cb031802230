"""Every bad input of the spine issue: one line naming the file and the problem, a
non-zero exit code (or the documented behaviour), no traceback, no partial output."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from faceforge.cli import main


def run_faces(capsys, src: Path, tmp_path: Path) -> tuple[int, str, str, list[Path]]:
    out_json, preview = tmp_path / "out" / "f.json", tmp_path / "out" / "p.png"
    code = main(["faces", str(src), "--json", str(out_json), "--preview", str(preview)])
    out, err = capsys.readouterr()
    written = sorted(p for p in (tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else []
    return code, out, err, written


def assert_clean_error(code: int, err: str, written: list[Path], src: Path, *words: str) -> None:
    assert code == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, err  # one line, no traceback
    assert "Traceback" not in err and str(src) in lines[0]
    for w in words:
        assert w in lines[0].lower(), lines[0]
    assert written == []  # no partial output


def _mp4(path: Path, frames: int = 30, audio: bool = False, video: bool = True) -> Path:
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=25) if video else None
        if vs is not None:
            vs.width, vs.height, vs.pix_fmt = 64, 64, "yuv420p"
        aus = c.add_stream("aac", rate=16000) if audio else None
        if vs is not None:
            for i in range(frames):
                img = np.full((64, 64, 3), (i * 8) % 255, np.uint8)
                for p in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                    c.mux(p)
            for p in vs.encode():
                c.mux(p)
        if aus is not None:
            for k in range(20):
                t = (np.arange(1024) + k * 1024) / 16000
                frame = av.AudioFrame.from_ndarray(
                    (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None], format="fltp", layout="mono"
                )
                frame.sample_rate = 16000
                for p in aus.encode(frame):
                    c.mux(p)
            for p in aus.encode():
                c.mux(p)
    return path


def test_missing_path(capsys, tmp_path):
    src = tmp_path / "nope.jpg"
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "no such file")


def test_folder(capsys, tmp_path):
    src = tmp_path / "dir.jpg"
    src.mkdir()
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "folder")


def test_zero_byte_file(capsys, tmp_path):
    src = tmp_path / "empty.jpg"
    src.write_bytes(b"")
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "empty")


def test_text_named_jpg(capsys, tmp_path):
    src = tmp_path / "notes.jpg"
    src.write_text("these are not pixels\n" * 20)
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "not an image")


def test_truncated_jpeg(capsys, tmp_path, astronaut):
    buf = io.BytesIO()
    Image.fromarray(astronaut).save(buf, "JPEG", quality=90)
    src = tmp_path / "cut.jpg"
    src.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "truncated")


def test_truncated_mp4(capsys, tmp_path):
    full = _mp4(tmp_path / "full.mp4")
    src = tmp_path / "cut.mp4"
    src.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert code == 2 and "Traceback" not in err and str(src) in err
    assert written == []


def test_audio_only_file(capsys, tmp_path):
    src = _mp4(tmp_path / "voice.m4a", audio=True, video=False)
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "no video stream")


def test_video_container_without_video_stream(capsys, tmp_path):
    src = _mp4(tmp_path / "novideo.mp4", audio=True, video=False)
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "no video stream")


def test_one_pixel_image_is_no_face(capsys, tmp_path):
    src = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (200, 100, 50)).save(src)
    code, out, _, _ = run_faces(capsys, src, tmp_path)
    assert code == 1 and "no face found" in out and "1×1" in out


def test_huge_image_is_refused_before_decoding(capsys, tmp_path):
    src = tmp_path / "bomb.png"
    Image.new("1", (30000, 30000)).save(src)  # a few hundred KB on disk, 900 MP decoded
    code, _, err, written = run_faces(capsys, src, tmp_path)
    assert_clean_error(code, err, written, src, "megapixel")


def test_sixteen_bit_png(capsys, tmp_path, astronaut):
    grey16 = (astronaut.mean(axis=2) * 257).astype(np.uint16)
    src = tmp_path / "deep.png"
    Image.fromarray(grey16).save(src)
    code, out, err, _ = run_faces(capsys, src, tmp_path)
    assert code == 0 and "1 face" in out, err


def test_cmyk_jpeg(capsys, tmp_path, astronaut):
    src = tmp_path / "print.jpg"
    Image.fromarray(astronaut).convert("CMYK").save(src, "JPEG", quality=92)
    code, out, err, _ = run_faces(capsys, src, tmp_path)
    assert code == 0 and "1 face" in out, err


def test_exif_rotated_photo(capsys, tmp_path, astronaut):
    """Stored sideways with orientation 6 (display = rotate 90° clockwise): the face is upright."""
    stored = np.ascontiguousarray(np.rot90(astronaut, k=1))  # what a sideways camera writes
    exif = Image.Exif()
    exif[0x0112] = 6
    src = tmp_path / "phone.jpg"
    Image.fromarray(stored).save(src, "JPEG", exif=exif.tobytes())
    out_json = tmp_path / "r.json"
    assert main(["faces", str(src), "--json", str(out_json)]) == 0
    import json

    face = json.loads(out_json.read_text())["faces"][0]
    assert abs(face["pose"]["roll"]) < 20  # upright, not lying on its side


def test_output_folder_is_created_and_error_when_unwritable(capsys, tmp_path, astronaut):
    src = tmp_path / "a.png"
    Image.fromarray(astronaut).save(src)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["faces", str(src), "--preview", str(blocker / "sub" / "p.png")])
    err = capsys.readouterr().err
    assert code == 3 and "cannot write" in err and "Traceback" not in err


def test_subprocess_error_is_one_line(tmp_path):
    src = tmp_path / "missing.png"
    exe = Path(sys.executable).with_name("faceforge")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "faceforge"]
    proc = subprocess.run([*cmd, "faces", str(src)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and str(src) in proc.stderr


@pytest.mark.parametrize("max_faces", ["0", "-3"])
def test_bad_option_value(capsys, max_faces):
    assert main(["faces", "--max-faces", max_faces]) == 2
