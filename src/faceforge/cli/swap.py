"""`faceforge swap`: put one person's face into a photo or a video."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faceforge.cli import EXIT_NOTHING_FOUND, app
from faceforge.cli._console import Console
from faceforge.errors import InputError, MediaNotFound
from faceforge.text import plural

_IMAGE_OUT = (".png", ".jpg", ".jpeg", ".webp")
_VIDEO_OUT = (".mp4", ".m4v", ".mov")

if TYPE_CHECKING:
    from faceforge.effects.swap import SwapOptions


@app.command("swap")
def swap_command(
    source: Annotated[
        list[Path] | None,
        typer.Option("--source", "-s", help="Photo of the person to put in (repeat for several photos of them)."),
    ] = None,
    target: Annotated[Path | None, typer.Option("--target", "-t", help="Image or video to put the face into.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output image (.png/.jpg/.webp) or video (.mp4).")
    ] = None,
    webcam: Annotated[int | None, typer.Option(help="Live: swap the face in this camera instead of a file.")] = None,
    virtual_camera: Annotated[
        bool, typer.Option("--virtual-camera", help="Live: send to a virtual camera (needs the 'live' extra).")
    ] = False,
    reference: Annotated[Path | None, typer.Option(help="Swap only the person who looks like this photo.")] = None,
    many_faces: Annotated[bool, typer.Option("--many-faces", help="Swap every face of the target.")] = False,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="SRC=REF",
            help="Instead of --source: put SRC's face on the person who looks like photo REF (repeat per person).",
        ),
    ] = None,
    source_face: Annotated[
        int | None, typer.Option(min=0, help="Which face of each source photo (default: the largest).")
    ] = None,
    shape: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of the source's face shape, 0..1.")] = 0.4,
    mouth_mask: Annotated[
        bool, typer.Option("--mouth-mask/--no-mouth-mask", help="Keep the target's open mouth interior.")
    ] = True,
    occlusion: Annotated[
        bool,
        typer.Option(
            "--occlusion/--no-occlusion", help="Keep what covers the target's face: hair, glasses rims, hands."
        ),
    ] = True,
    max_size: Annotated[int, typer.Option(min=64, help="Cap on the output's longer side, pixels.")] = 1920,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Only the first N video frames.")] = None,
    consent: Annotated[
        bool, typer.Option("--consent", help="Confirm the person in the source photo agreed (recorded in the label).")
    ] = False,
    visible_label: Annotated[
        bool, typer.Option("--visible-label", help="Add a small visible 'AI-generated' mark.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail.")] = False,
) -> None:
    """Face swap: the face of --source put into --target (a photo or a video; the video's audio
    is kept), or with --map each listed person's own new face. The output is labelled as
    AI-generated. A target without faces is written unchanged and the exit code is 1."""
    from faceforge.effects.swap import SwapOptions, swap
    from faceforge.media.video import is_video_file
    from faceforge.provenance.consent import require_consent
    from faceforge.provenance.labeler import ProvenanceLabeler

    console = Console(quiet=quiet, verbose=verbose)
    options = SwapOptions(
        shape=shape,
        mouth_mask=mouth_mask,
        occlusion=occlusion,
        many_faces=many_faces,
        source_face=source_face,
        max_size=max_size,
        max_frames=max_frames,
    )
    pairs = [_map_pair(item) for item in mapping or ()]
    if bool(source) == bool(pairs):
        raise InputError("give --source PHOTO (one person) or --map SRC=REF (one or more people), not both")
    if pairs and (reference is not None or many_faces):
        raise InputError("--map already says whom to swap: leave out --reference and --many-faces")
    source = list(source or [])
    for path in (
        *source,
        *(p for pair in pairs for p in pair),
        *([target] if target else []),
        *([reference] if reference else []),
    ):
        if not path.exists():
            raise MediaNotFound(path)
    if webcam is not None:
        if target is not None or output is not None:
            raise InputError("--webcam shows the swap live: give no --target or --output")
        if pairs:
            raise InputError("--map works on a --target photo or video, not --webcam")
        require_consent(consent)
        _live(list(source), webcam, options, virtual_camera=virtual_camera, console=console)
        return
    if target is None or output is None:
        raise InputError("give --target IMAGE|VIDEO and -o OUT (or --webcam N for a live swap)")
    allowed = _VIDEO_OUT if is_video_file(target) else _IMAGE_OUT
    if output.suffix.lower() not in allowed:
        kind = "a video (.mp4)" if allowed is _VIDEO_OUT else "an image (.png, .jpg or .webp)"
        raise InputError(f"{output}: the output for {target} must be {kind}")
    consent_record = require_consent(consent)
    labeler = ProvenanceLabeler(
        "swap",
        ingredients=[*source, *(src for src, _ in pairs), target],
        consent=consent_record,
        visible_label=visible_label,
    )
    with console.progress("swapping", None) as advance:

        def on_progress(phase: str, done: int, total: int | None) -> None:
            advance()

        result = swap(
            source or None,
            target,
            output,
            options=options,
            reference=reference,
            mapping=pairs or None,
            labeler=labeler,
            on_progress=on_progress,
        )
    for note in result.notes:
        console.print(note)
    w, h = result.size
    if result.faces == 0:
        console.print(f"no face found in {target}: wrote it unchanged → {output}")
        raise typer.Exit(EXIT_NOTHING_FOUND)
    if result.kind == "video":
        console.print(
            f"swapped {plural(result.faces, 'face track')} in {result.swapped_frames}/{result.frames} frames, {w}×{h} → {output}"
        )
    else:
        console.print(f"swapped {plural(result.faces, 'face')}, {w}×{h} → {output}")


def _map_pair(item: str) -> tuple[Path, Path]:
    """`SRC=REF` of --map as two paths."""
    src, sep, ref = item.partition("=")
    if not sep or not src or not ref:
        raise InputError(f"--map {item!r}: write it as SOURCE_PHOTO=REFERENCE_PHOTO")
    return Path(src), Path(ref)


def _live(sources: list[Path], camera: int, options: SwapOptions, *, virtual_camera: bool, console: Console) -> None:
    """The webcam's face replaced by the source person, in a window or a virtual camera, until `q`."""
    from faceforge.cli._webcam import run_webcam
    from faceforge.effects.swap.live import run_live
    from faceforge.effects.swap.pipeline import VideoSwapper, load_source
    from faceforge.provenance.watermark import live_labeler

    swapper = VideoSwapper(load_source(sources, options), options)
    try:
        run_webcam(
            console,
            camera,
            lambda cam, sink: run_live(cam, swapper, sink, labeler=live_labeler("swap")),
            virtual_camera=virtual_camera,
            frame_size=lambda cam: cam.size,
            title="faceforge swap",
            keys="live swap: [q] quit",
        )
    finally:
        swapper.close()
