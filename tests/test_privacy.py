"""Privacy by construction: no network, private temporary folders, no face data in logs."""

from __future__ import annotations

import ast
import logging
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "faceforge"

# ----------------------------------------------------------------------------- network

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
NETWORK_MODULES = (
    "socket",
    "urllib.request",
    "http.client",
    "requests",
    "httpx",
    "urllib3",
    "aiohttp",
    "ftplib",
    "smtplib",
)


def _host(address: object) -> str | None:
    """The host of a socket address; None for a unix socket path."""
    if isinstance(address, (str, bytes)):
        return None
    if isinstance(address, tuple) and address:
        return str(address[0])
    return str(address)


@pytest.fixture
def no_network(monkeypatch):
    """Refuse and record every connection and name lookup that is not loopback or a unix socket."""
    attempts: list[str] = []

    def check(what: str, host: str | None) -> None:
        if host is not None and host not in LOOPBACK:
            attempts.append(f"{what} {host}")
            raise OSError(f"test_privacy: network access refused ({what} {host})")

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def connect(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            check("connect", _host(address))
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            check("connect_ex", _host(address))
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        check("create_connection", _host(address))
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        check("getaddrinfo", None if host is None else str(host.decode() if isinstance(host, bytes) else host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_the_guard_refuses_the_network_and_allows_loopback(no_network):
    with pytest.raises(OSError, match="refused"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)  # TEST-NET-1: never routed
    with pytest.raises(OSError, match="refused"):
        socket.getaddrinfo("example.com", 443)
    assert no_network == ["create_connection 192.0.2.1", "getaddrinfo example.com"]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=2):
        pass
    server.close()
    assert len(no_network) == 2


def _face_clip(path: Path, astronaut: np.ndarray, n: int = 6) -> Path:
    from faceforge.media.output import write_video

    face = cv2.resize(astronaut[30:270, 110:350], (96, 96))
    frames = []
    for i in range(n):
        canvas = np.full((160, 192, 3), 70, np.uint8)
        canvas[30:126, 20 + 8 * i : 116 + 8 * i] = face
        frames.append(canvas)
    return write_video(path, frames, 25)


def test_library_calls_never_touch_the_network(no_network, astronaut, tmp_path):
    """Representative calls, each loading its models afresh, with the network refused."""
    from faceforge.effects.anonymize import FaceAnonymizer, anonymize_image, anonymize_video
    from faceforge.faces import analyze
    from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer
    from faceforge.faces.identity import face_embedding
    from faceforge.faces.video_analysis import analyze_video
    from faceforge.media.image import read_image
    from faceforge.media.output import write_image

    faces = analyze(astronaut)
    analyzer = FaceAnalyzer(AnalyzeOptions(max_faces=3))  # fresh graphs: model loading included
    assert len(analyzer.analyze(astronaut)) == 1
    analyzer.close()
    face_embedding(astronaut, faces[0].box)
    clip = _face_clip(tmp_path / "clip.mp4", astronaut)
    assert len(analyze_video(clip).tracks) == 1
    out, n = anonymize_image(astronaut, "swap-synthetic")
    anonymizer = FaceAnonymizer()
    anonymizer.anonymize(astronaut, "blur")
    anonymizer.close()
    write_image(tmp_path / "out.jpg", out)
    read_image(tmp_path / "out.jpg")
    anonymize_video(clip, tmp_path / "anon.mp4", "pixelate")
    assert n == 1
    assert no_network == []


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
            "import_module",
            "__import__",
        ):
            names |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return names


def test_no_module_imports_a_network_library():
    """Only a future `server/` package (bound to loopback) may open sockets."""
    offenders = []
    modules = [p for p in SRC.rglob("*.py") if "server" not in p.relative_to(SRC).parts]
    assert len(modules) > 20
    for path in modules:
        for name in _imports(ast.parse(path.read_text(), str(path))):
            if any(name == m or name.startswith(m + ".") for m in NETWORK_MODULES):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def test_the_import_check_sees_every_form():
    tree = ast.parse(
        "import socket\nfrom urllib import request\nfrom http.client import HTTPConnection\n"
        "importlib.import_module('httpx')\n"
    )
    names = _imports(tree)
    assert {"socket", "urllib.request", "http.client", "httpx"} <= names


# ----------------------------------------------------------------------------- temporary files


def test_private_tempdir_is_owner_only_and_removed():
    from faceforge.tempfiles import private_tempdir

    with private_tempdir() as folder:
        assert folder.is_dir() and not any(folder.iterdir())
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        (folder / "frame.png").write_bytes(b"face")
        (folder / "sub").mkdir()
        (folder / "sub" / "crop.npy").write_bytes(b"more")
    assert not folder.exists()


def test_private_tempdir_is_removed_on_error_even_under_a_loose_umask():
    from faceforge.tempfiles import private_tempdir

    old = os.umask(0)
    try:
        with pytest.raises(RuntimeError), private_tempdir() as folder:
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            (folder / "frame.png").write_bytes(b"face")
            raise RuntimeError("boom")
    finally:
        os.umask(old)
    assert not folder.exists()


def test_private_tempdir_is_removed_at_exit_when_the_block_is_never_left(tmp_path):
    """A folder still open when the interpreter exits is removed by the atexit hook."""
    script = (
        "import sys\n"
        "from faceforge.tempfiles import private_tempdir\n"
        f"ctx = private_tempdir(dir={str(tmp_path)!r})\n"
        "folder = ctx.__enter__()\n"
        "(folder / 'frame.png').write_bytes(b'face')\n"
        "print(folder)\n"
        "sys.exit(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    folder = Path(proc.stdout.strip())
    assert folder.parent == tmp_path and folder.name.startswith("faceforge-")
    assert not folder.exists()


# ----------------------------------------------------------------------------- logs

# Two or more numbers in brackets ("[12.5, 80.1", "[[ 1  2"), numpy reprs, or long digit runs.
_NUMBER = r"-?\d+\.?\d*(?:[eE][-+]?\d+)?"
_DATA_IN_TEXT = re.compile(rf"\[\s*\[?\s*{_NUMBER}(?:\s*,\s*|\s+){_NUMBER}|array\(|dtype=|\d{{6,}}")


def test_the_log_heuristic_catches_data():
    assert _DATA_IN_TEXT.search(str(np.zeros((2, 3))))
    assert _DATA_IN_TEXT.search(f"landmarks {[12.5, 80.25, 3.0]}")
    assert _DATA_IN_TEXT.search(repr(np.ones(3)))
    assert _DATA_IN_TEXT.search("box [10, 20, 30, 40]")
    assert not _DATA_IN_TEXT.search("frame 12: 2 face regions, 0 held")
    assert not _DATA_IN_TEXT.search("[12] tracks in /tmp/x.mp4")


def test_logs_hold_no_face_data(caplog, astronaut, tmp_path):
    """At DEBUG, an analysis and an anonymisation log counts only: no landmarks, embeddings or pixels."""
    from faceforge.effects.anonymize import FaceAnonymizer, anonymize_video
    from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer
    from faceforge.faces.identity import face_embedding

    caplog.set_level(logging.DEBUG)  # every logger, faceforge's and its dependencies'
    analyzer = FaceAnalyzer(AnalyzeOptions())
    faces = analyzer.analyze(astronaut)
    analyzer.close()
    face_embedding(astronaut, faces[0].box)
    anonymizer = FaceAnonymizer()
    anonymizer.anonymize(astronaut, "swap-synthetic")
    anonymizer.close()
    anonymize_video(_face_clip(tmp_path / "c.mp4", astronaut, 4), tmp_path / "o.mp4", "blur")
    messages = [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("faceforge") for r in caplog.records)  # the check is not vacuous
    leaking = [m for m in messages if _DATA_IN_TEXT.search(m)]
    assert leaking == []
