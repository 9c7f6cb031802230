"""`faceforge verify`: in-process through main() plus one real subprocess run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from faceforge.media.output import VideoWriter, write_image
from faceforge.provenance.consent import Consent
from tests.conftest import REPO
from tests.provenance import picture, watermark  # noqa: F401  (stand-in if needed)

import faceforge.cli.verify  # noqa: E402,F401  isort: skip  (registers the command until cli/__init__ imports it)
from faceforge.cli import main  # isort: skip
from faceforge.provenance.labeler import ProvenanceLabeler  # isort: skip


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def labelled(monkeypatch, tmp_path) -> tuple[Path, Path]:
    """A signed + watermarked JPEG and MP4, made with a temporary config folder."""
    monkeypatch.setenv("FACEFORGE_CONFIG_DIR", str(tmp_path / "config"))
    source = write_image(tmp_path / "face.png", picture(seed=3))
    image = write_image(
        tmp_path / "swap.jpg",
        picture(),
        labeler=ProvenanceLabeler("swap", ingredients=[source], consent=Consent("cli-flag")),
    )
    labeler = ProvenanceLabeler("animate", ingredients=[source], consent=Consent("config"))
    with VideoWriter(tmp_path / "talk.mp4", 10, labeler=labeler) as writer:
        for i in range(3):
            writer.write(picture(seed=i))
    return image, tmp_path / "talk.mp4"


def test_text_and_json_report(capsys, tmp_path, labelled):
    image, video = labelled
    plain = write_image(tmp_path / "plain.png", picture())
    report = tmp_path / "out" / "report.json"
    code, out, err = run_cli(capsys, "verify", str(image), str(video), str(plain), "--json", str(report))
    assert code == 0, err
    assert "signed by this computer's local faceforge key, not a trusted CA" in out
    assert "compositeWithTrainedAlgorithmicMedia" in out and "trainedAlgorithmicMedia" in out
    assert "consent acknowledged (cli-flag)" in out
    assert out.count("labels agree") == 2
    assert "no C2PA manifest" in out and "watermark: absent" in out
    files = json.loads(report.read_text())["files"]
    assert [f["kind"] for f in files] == ["image", "video", "image"]
    assert files[0]["c2pa"]["manifests"][0]["ingredients"][0]["title"] == "face.png"
    assert files[0]["watermark"]["present"] and files[0]["labels_match"] is True
    assert files[2]["c2pa"]["present"] is False


def test_unreadable_file_exits_2_and_the_rest_is_still_reported(capsys, tmp_path, labelled):
    image, _ = labelled
    report = tmp_path / "r.json"
    code, out, err = run_cli(capsys, "verify", str(tmp_path / "missing.jpg"), str(image), "--json", str(report))
    assert code == 2
    assert "missing.jpg: no such file" in err
    assert "labels agree" in out
    files = json.loads(report.read_text())["files"]
    assert "no such file" in files[0]["error"] and files[1]["labels_match"] is True


def test_a_folder_stands_for_its_images_and_videos(capsys, tmp_path, labelled):
    image, video = labelled  # tmp_path also holds face.png (unlabelled) and the config folder
    code, out, err = run_cli(capsys, "verify", str(tmp_path))
    assert code == 0, err
    assert str(image) in out and str(video) in out and "face.png" in out
    assert out.count("labels agree") == 2
    assert "passed over" in err  # the config folder's key files are not media


def test_bad_json_suffix_is_a_usage_error(capsys, tmp_path, labelled):
    code, _, err = run_cli(capsys, "verify", str(labelled[0]), "--json", str(tmp_path / "r.txt"))
    assert code == 2 and "--json must end in .json" in err


def test_real_subprocess_run(tmp_path, labelled):
    """A real process through `faceforge.cli.run()`: exit code, stdout, and a quiet stderr."""
    image, _ = labelled
    report = tmp_path / "sub.json"
    # Registers the command the way cli/__init__.py will (and the watermark stand-in if needed).
    code = "import tests.provenance, faceforge.cli.verify; from faceforge.cli import run; run()"
    env = {**os.environ, "FACEFORGE_CONFIG_DIR": str(tmp_path / "config"), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", code, "verify", str(image), "--json", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "faceforge" in proc.stdout and "labels agree" in proc.stdout
    assert proc.stderr.strip() == ""
    assert json.loads(report.read_text())["files"][0]["c2pa"]["signer"] == "this-computer"
