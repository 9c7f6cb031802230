"""Command-line inputs: a folder given in place of a file stands for the images and videos in it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from faceforge.cli._console import Console
from faceforge.media import media_in_folder
from faceforge.text import plural


def media_inputs(paths: Sequence[Path], console: Console) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to work on, in order, and the folders that could not give any: (files, [(folder,
    message)]) for a folder without images or videos and for a subfolder that could not be opened.

    A file stays as given (its reader says what is wrong with it, if anything); a folder becomes
    the images and videos in it and in its subfolders (`faceforge.media.media_in_folder`), and a
    note says how many other files it passed over.
    """
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        folder = media_in_folder(path)
        if folder.passed_over:
            console.note(f"{path}: passed over {plural(folder.passed_over, 'file')} that are not images or videos")
        for unreadable in folder.unreadable:
            problems.append((unreadable, f"{unreadable}: could not open this folder (no permission?); not looked at"))
        if not folder.files:
            problems.append((path, f"{path}: the folder holds no image or video (its subfolders included)"))
        files += folder.files
    return files, problems
