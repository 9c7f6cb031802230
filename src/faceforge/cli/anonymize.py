"""`faceforge anonymize INPUT -o OUT`: hide every face of a photo or video."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faceforge.cli import EXIT_NOTHING_FOUND, app
from faceforge.cli._console import Console
from faceforge.effects.anonymize import AnonymizeOptions, Mode
from faceforge.errors import InputError
from faceforge.media.output import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Labeler
from faceforge.text import plural

if TYPE_CHECKING:
    import numpy as np

    from faceforge.media.video import VideoInfo


def _check_output(input: Path, output: Path, suffixes: dict[str, str], what: str) -> None:
    if output.suffix.lower() not in suffixes:
        raise InputError(f"{output}: the output of a {what} must end in one of {', '.join(suffixes)}")
    if output.exists() and input.exists() and output.resolve() == input.resolve():
        raise InputError(f"{output}: the output would overwrite the input; choose another file")


@app.command("anonymize")
def anonymize_command(
    input: Annotated[Path, typer.Argument(help="Photo or video.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Where to write: .png/.jpg/.webp for a photo, .mp4/.mov for a video.",
            show_default=False,
        ),
    ],
    mode: Annotated[
        Mode,
        typer.Option(
            help="blur (strong, irreversible), pixelate (blocks of 1/8 face), mask (solid ellipse), "
            "swap-synthetic (a drawn face of no one)."
        ),
    ] = "blur",
    pad: Annotated[float, typer.Option(min=0.0, max=2.0, help="Padding around each face, share of its size.")] = 0.25,
    min_score: Annotated[
        float, typer.Option(min=0.05, max=0.95, help="Detector confidence from which a box is anonymised.")
    ] = 0.3,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Video: process only the first N frames.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail (frames with faces, regions).")] = False,
) -> None:
    """Hide every face in a photo or video, including small and turned-away faces.

    Recall first: a low detection threshold, padded regions, tracking plus raw detections in video, and regions held a few frames after a face is lost. A video keeps its audio.

    Exit code 1 when no face was found: the output is still written, as an unchanged copy (a video is re-encoded), so pipelines can go on."""
    import numpy as np

    from faceforge.media.video import read_media
    from faceforge.provenance.labeler import ProvenanceLabeler

    console = Console(quiet=quiet, verbose=verbose)
    options = AnonymizeOptions(pad=pad, low_score=min_score, min_score=max(min_score, 0.5))
    _, media = read_media(input)
    # The output is edited media: watermark + C2PA record "anonymize" (no consent needed).
    labeler = ProvenanceLabeler("anonymize", ingredients=[input], consent=None)
    if isinstance(media, np.ndarray):  # a photo
        _check_output(input, output, IMAGE_SUFFIXES, "photo")
        faces, frames = _image(media, output, mode, options, labeler), 1
    else:
        _check_output(input, output, VIDEO_SUFFIXES, "video")
        faces, frames = _video(input, media, output, mode, options, console, max_frames, labeler)
    if faces:
        console.print(f"anonymised {plural(faces, 'face')} in {plural(frames, 'frame')} → {output}")
    else:
        console.print(f"no face found in {input}; wrote an unchanged copy → {output}")
        raise typer.Exit(EXIT_NOTHING_FOUND)


def _image(image: np.ndarray, output: Path, mode: Mode, options: AnonymizeOptions, labeler: Labeler) -> int:
    from faceforge.effects.anonymize import FaceAnonymizer
    from faceforge.media.output import write_image

    anonymizer = FaceAnonymizer(options)
    try:
        out, faces = anonymizer.anonymize(image, mode)
    finally:
        anonymizer.close()
    # No face: an exact copy, not edited media, so no label either.
    write_image(output, out, labeler=labeler if faces else None)
    return faces


def _video(
    path: Path,
    info: VideoInfo,
    output: Path,
    mode: Mode,
    options: AnonymizeOptions,
    console: Console,
    max_frames: int | None,
    labeler: Labeler,
) -> tuple[int, int]:
    from faceforge.effects.anonymize import anonymize_video

    total = info.frame_count if max_frames is None else min(max_frames, info.frame_count or max_frames)
    with console.progress(f"anonymising {path.name}", total or None) as advance:
        report = anonymize_video(
            path, output, mode, options, max_frames=max_frames, on_frame=lambda _i: advance(), labeler=labeler
        )
    console.info(f"{report.frames_with_faces} of {report.frames} frames had a face; {report.regions} regions")
    return report.faces, report.frames
