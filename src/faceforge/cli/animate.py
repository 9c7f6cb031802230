"""`faceforge animate`: make a still photo move (driving video, template, preset or webcam)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from faceforge.cli import app
from faceforge.cli._console import Console
from faceforge.errors import InputError
from faceforge.text import plural

if TYPE_CHECKING:
    import numpy as np

    from faceforge.effects.animate.pipeline import AnimateOptions
    from faceforge.provenance.consent import Consent


@app.command("animate")
def animate_command(
    source: Annotated[
        list[Path] | None,
        typer.Option(
            "--source",
            "-s",
            help="Photo to animate (repeat for several avatars with --webcam). Default: the built-in sample.",
        ),
    ] = None,
    driving: Annotated[Path | None, typer.Option("--driving", "-d", help="Driving video (its audio is kept).")] = None,
    preset: Annotated[str | None, typer.Option(help="Built-in motion (see --list-presets).")] = None,
    template: Annotated[Path | None, typer.Option(help="Motion template made with --save-template.")] = None,
    webcam: Annotated[int | None, typer.Option(help="Live: drive from this camera index.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Output video (.mp4).")] = None,
    save_template: Annotated[
        Path | None, typer.Option(help="Also save the driving motion (no face image) to this .npz.")
    ] = None,
    reference_frame: Annotated[
        int | None, typer.Option(min=0, help="Driving frame the motion is relative to (default: closest to the photo).")
    ] = None,
    pose: Annotated[float, typer.Option(min=0.0, max=3.0, help="Head-pose multiplier.")] = 1.0,
    expression: Annotated[float, typer.Option(min=0.0, max=3.0, help="Expression multiplier.")] = 1.0,
    region: Annotated[str, typer.Option(help="What moves: all, expression, pose, eyes or lips.")] = "all",
    face: Annotated[int | None, typer.Option(min=0, help="Which face of the photo (default: the largest).")] = None,
    all_faces: Annotated[bool, typer.Option("--all-faces", help="Animate every face of the photo.")] = False,
    max_size: Annotated[int, typer.Option(min=64, help="Cap on the output's longer side, pixels.")] = 1920,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Only the first N frames of the motion.")] = None,
    follow_camera: Annotated[
        bool,
        typer.Option(
            "--follow-camera",
            help="Move the photo's background the way the driving video's camera moves (pans, zooms), "
            "and its shoulders the way the driving body sways; default: a still background and body.",
        ),
    ] = False,
    consent: Annotated[
        bool,
        typer.Option(
            "--consent", help="Confirm the person in the photo agreed to be animated (recorded in the label)."
        ),
    ] = False,
    visible_label: Annotated[
        bool, typer.Option("--visible-label", help="Add a small visible 'AI-generated' mark.")
    ] = False,
    virtual_camera: Annotated[
        bool, typer.Option("--virtual-camera", help="Live: send to a virtual camera (needs the 'live' extra).")
    ] = False,
    list_presets: Annotated[bool, typer.Option("--list-presets", help="List the built-in motions and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail.")] = False,
) -> None:
    """Animate a photo: Avatarify-style from a driving video or webcam, or Deep-Nostalgia-style
    from a built-in motion. Output: H.264 MP4 at the photo's resolution, labelled as AI-generated."""
    from faceforge.effects.animate import AnimateOptions, animate, preset_names

    console = Console(quiet=quiet, verbose=verbose)
    sources: list[Path] = list(source) if isinstance(source, (list, tuple)) else ([source] if source else [])
    if list_presets:
        for name in preset_names():
            console.out.print(name)
        return
    motions = [x for x in (driving, preset, template, webcam) if x is not None]
    if len(motions) != 1:
        raise InputError("give exactly one of --driving VIDEO, --preset NAME, --template FILE or --webcam N")
    options = AnimateOptions(
        pose=pose,
        expression=expression,
        region=region,  # type: ignore[arg-type]
        reference_frame=reference_frame,
        face=face,
        all_faces=all_faces,
        max_size=max_size,
        max_frames=max_frames,
        follow_camera=follow_camera,
    )
    if region not in ("all", "expression", "pose", "eyes", "lips"):
        raise InputError(f"--region must be all, expression, pose, eyes or lips, not {region!r}")
    if webcam is not None:
        if follow_camera:
            raise InputError(
                "--follow-camera is for a driving video (--driving); a --webcam avatar keeps its background still"
            )
        from faceforge.provenance.consent import require_consent

        if sources:
            require_consent(consent)  # a real person's photo, live: same rule as a file

        _live(sources, webcam, options, virtual_camera=virtual_camera, console=console)
        return
    if len(sources) > 1:
        raise InputError("give one --source photo (several are for switching avatars with --webcam)")
    if output is None and save_template is None:
        raise InputError("give an output video with -o OUT.mp4 (or only --save-template FILE)")
    if output is not None and output.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise InputError(f"{output}: the output must be a video (.mp4)")
    if save_template is not None and save_template.suffix.lower() != ".npz":
        raise InputError(f"{save_template}: a motion template is saved as .npz")
    image, ingredients, consent_record = _source(sources[0] if sources else None, consent, console)
    labeler = None
    if output is not None:
        from faceforge.provenance.labeler import ProvenanceLabeler

        labeler = ProvenanceLabeler(
            "animate",
            ingredients=ingredients + ([driving] if driving is not None else []),
            consent=consent_record,
            visible_label=visible_label,
        )
    with console.progress("animating", None) as advance:
        state = {"phase": ""}

        def on_progress(phase: str, done: int, total: int | None) -> None:
            if phase != state["phase"]:
                state["phase"] = phase
                console.info(phase)
            advance()

        result = animate(
            image,
            output,
            driving=driving,
            template=template,
            preset=preset,
            options=options,
            labeler=labeler,
            save_template=save_template,
            on_progress=on_progress,
        )
    if result.note:
        console.print(result.note)
    if output is not None:
        w, h = result.size
        console.print(
            f"animated {plural(result.faces, 'face')}: {plural(result.frames, 'frame')} at {result.fps:.2f} fps, {w}×{h} → {output}"
        )
    if save_template is not None:
        console.print(f"motion template ({result.frames} frames, no face image) → {save_template}")


def _source(source: Path | None, consent_flag: bool, console: Console) -> tuple[np.ndarray | Path, list[Path], Consent]:
    """(image, ingredient paths, consent) for the photo; the built-in sample is public domain."""
    from faceforge.provenance.consent import Consent, require_consent

    if source is None:
        from faceforge.samples import SAMPLE_NAME, astronaut

        console.print(f"No --source given: using {SAMPLE_NAME}.")
        return astronaut(), [], Consent(method="public-domain-sample", subject="NASA portrait (public domain)")
    consent = require_consent(consent_flag)
    return source, [source], consent


def _live(sources: list[Path], camera: int, options: AnimateOptions, *, virtual_camera: bool, console: Console) -> None:
    """The avatars moved by the webcam's face, in a window or a virtual camera, until `q`."""
    from faceforge.cli._webcam import run_webcam
    from faceforge.effects.animate.live import LiveAnimator, run_live
    from faceforge.media.image import read_image
    from faceforge.provenance.watermark import live_labeler
    from faceforge.samples import astronaut

    animator = LiveAnimator([read_image(p) for p in sources] or [astronaut()], options)
    h, w = animator.rigs[0].image.shape[:2]
    try:
        run_webcam(
            console,
            camera,
            lambda cam, sink: run_live(cam, animator, sink, labeler=live_labeler("animate")),
            virtual_camera=virtual_camera,
            frame_size=lambda cam: (w, h),
            title="faceforge",
            keys="live: [n] next avatar, [r] take current face as rest pose, [q] quit",
        )
    finally:
        animator.close()
