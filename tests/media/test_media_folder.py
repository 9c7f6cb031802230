"""`media_in_folder`: the images and videos a folder stands for on the command line."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from faceforge.media import FolderMedia, media_in_folder, write_image


def test_finds_media_by_content_or_name_in_path_order_and_passes_over_the_rest(tmp_path: Path) -> None:
    grey = np.full((32, 48, 3), 90, np.uint8)
    write_image(tmp_path / "b.png", grey)
    (tmp_path / "sub").mkdir()
    write_image(tmp_path / "sub" / "a.jpg", grey)
    (tmp_path / "sub" / "photo-without-suffix").write_bytes((tmp_path / "b.png").read_bytes())
    (tmp_path / "sub" / "cut.mp4").write_bytes(b"")  # a damaged video is reported by its reader, not dropped
    (tmp_path / "notes.txt").write_text("not media")
    (tmp_path / "song.mp3").write_bytes(b"ID3" + bytes(100))  # audio only: nothing to look at
    (tmp_path / ".thumbs").mkdir()
    write_image(tmp_path / ".thumbs" / "c.png", grey)  # hidden folders are not looked at
    write_image(tmp_path / ".hidden.png", grey)
    os.mkfifo(tmp_path / "pipe.mp4")  # not a regular file: never opened (it would block)

    folder = media_in_folder(tmp_path)

    assert [p.relative_to(tmp_path).as_posix() for p in folder.files] == [
        "b.png",
        "sub/a.jpg",
        "sub/cut.mp4",
        "sub/photo-without-suffix",
    ]
    assert folder.passed_over == 3  # notes.txt, song.mp3, the pipe
    assert folder.unreadable == []


def test_an_empty_folder_gives_nothing(tmp_path: Path) -> None:
    assert media_in_folder(tmp_path) == FolderMedia([], 0, [])


def test_a_subfolder_that_cannot_be_opened_is_named(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "locked").mkdir()
    write_image(tmp_path / "a.png", np.full((32, 48, 3), 90, np.uint8))
    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202 (as if "locked" had no read permission; tests run as root)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    folder = media_in_folder(tmp_path)
    assert folder.files == [tmp_path / "a.png"]
    assert folder.unreadable == [tmp_path / "locked"]
