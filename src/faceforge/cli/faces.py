"""`faceforge faces INPUT`: find, measure and track the faces in a photo or video."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from faceforge.cli import EXIT_NOTHING_FOUND, app
from faceforge.cli._console import Console
from faceforge.errors import InputError
from faceforge.faces.face import Face
from faceforge.text import plural


def _face_record(face: Face, landmarks: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "box": [round(v, 1) for v in face.box],
        "score": round(face.score, 3),
        "pose": {k: round(v, 1) for k, v in face.pose.__dict__.items()},
        "eye_openness": [round(v, 3) for v in face.eye_openness],
        "mouth_openness": round(face.mouth_openness, 3),
    }
    if face.track_id is not None:
        record = {"track_id": face.track_id, **record}
    if landmarks:
        record["landmarks"] = np.round(face.landmarks, 1).tolist()
    return record


def _face_table(faces: list[Face]) -> Table:
    table = Table(box=None, pad_edge=False)
    for col in ("face", "box (x0, y0, x1, y1)", "score", "yaw", "pitch", "roll", "eyes R/L", "mouth"):
        table.add_column(col, justify="right")
    for i, f in enumerate(faces):
        table.add_row(
            f"#{i}",
            ", ".join(f"{v:.0f}" for v in f.box),
            f"{f.score:.2f}",
            f"{f.pose.yaw:+.0f}°",
            f"{f.pose.pitch:+.0f}°",
            f"{f.pose.roll:+.0f}°",
            f"{f.eye_openness[0]:.2f}/{f.eye_openness[1]:.2f}",
            f"{f.mouth_openness:.2f}",
        )
    return table


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    from faceforge.media.output import write_text

    write_text(path, json.dumps(payload, indent=2) + "\n")


def _check_output_suffix(path: Path | None, allowed: set[str], what: str) -> None:
    if path is not None and path.suffix.lower() not in allowed:
        raise InputError(f"{path}: {what} must end in one of {', '.join(sorted(allowed))}")


@app.command("faces")
def faces_command(
    input: Annotated[
        Path | None,
        typer.Argument(help="Photo or video. Without it, the built-in sample portrait is used.", show_default=False),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the faces as JSON to this file.")] = None,
    preview: Annotated[
        Path | None,
        typer.Option(help="Write an annotated preview: .png/.jpg/.webp (for a video: a sheet of frames) or .mp4."),
    ] = None,
    max_faces: Annotated[int, typer.Option(min=1, help="Keep at most this many faces (the largest).")] = 20,
    min_score: Annotated[float, typer.Option(min=0.05, max=0.95, help="Detector confidence threshold.")] = 0.5,
    smoothing: Annotated[float, typer.Option(min=0.0, max=1.0, help="Video: landmark smoothing strength.")] = 0.5,
    landmarks: Annotated[bool, typer.Option("--landmarks", help="Include the 478 landmarks in the JSON.")] = False,
    max_frames: Annotated[int | None, typer.Option(min=1, help="Video: analyse only the first N frames.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail; library logs on stderr.")] = False,
) -> None:
    """Find the faces in a photo or video: boxes, head pose, eyes and mouth, identities.

    Exit code 1 when no face is found (the JSON and preview are still written)."""
    from faceforge.media.video import VideoInfo, read_media

    console = Console(quiet=quiet, verbose=verbose)
    _check_output_suffix(json_out, {".json"}, "--json")
    _check_output_suffix(preview, {".png", ".jpg", ".jpeg", ".webp", ".mp4"}, "--preview")
    media: np.ndarray | VideoInfo
    if input is None:
        from faceforge.samples import SAMPLE_NAME, astronaut

        console.print(f"No INPUT given: using {SAMPLE_NAME}.")
        media, name = astronaut(), "astronaut"
    else:
        (_, media), name = read_media(input), str(input)
    if not isinstance(media, np.ndarray):  # a video
        assert input is not None
        found = _video(input, media, console, json_out, preview, max_faces, min_score, smoothing, landmarks, max_frames)
    else:
        image = media
        _check_output_suffix(preview, {".png", ".jpg", ".jpeg", ".webp"}, "--preview for a photo")
        found = _image(image, name, console, json_out, preview, max_faces, min_score, landmarks)
    if not found:
        raise typer.Exit(EXIT_NOTHING_FOUND)


def _image(
    image: np.ndarray,
    name: str,
    console: Console,
    json_out: Path | None,
    preview: Path | None,
    max_faces: int,
    min_score: float,
    landmarks: bool,
) -> int:
    from faceforge.faces.analyzer import AnalyzeOptions, FaceAnalyzer
    from faceforge.faces.draw import annotate
    from faceforge.media.output import write_image

    analyzer = FaceAnalyzer(AnalyzeOptions(max_faces=max_faces, min_score=min_score, masks=False))
    faces = analyzer.analyze(image)
    analyzer.close()
    h, w = image.shape[:2]
    if faces:
        console.print(f"{name}: {len(faces)} face{'s' if len(faces) != 1 else ''} in a {w}×{h} image")
        console.print(_face_table(faces))
    else:
        console.print(f"{name}: no face found in a {w}×{h} image")
    if json_out is not None:
        payload = {
            "input": name,
            "kind": "image",
            "width": w,
            "height": h,
            "faces": [_face_record(f, landmarks) for f in faces],
        }
        _write_json(json_out, payload)
        console.info(f"wrote {json_out}")
    if preview is not None:
        write_image(preview, annotate(image, faces), labeler=_preview_labeler(name))
        console.info(f"wrote {preview}")
    return len(faces)


def _video(
    path: Path,
    info: Any,
    console: Console,
    json_out: Path | None,
    preview: Path | None,
    max_faces: int,
    min_score: float,
    smoothing: float,
    landmarks: bool,
    max_frames: int | None,
) -> int:
    from faceforge.faces.tracker import TrackerOptions
    from faceforge.faces.video_analysis import analyze_video

    total = info.frame_count if max_frames is None else min(max_frames, info.frame_count or max_frames)
    options = TrackerOptions(max_faces=max_faces, min_score=min_score, smoothing=smoothing)
    with console.progress(f"tracking faces in {path.name}", total or None) as advance:
        result = analyze_video(path, options, max_frames=max_frames, on_frame=lambda _i: advance())
    n_frames = len(result.frames)
    with_face = sum(1 for f in result.frames if f)
    audio = f", audio {info.audio_codec}" if info.has_audio else ", no audio"
    console.print(
        f"{path}: {info.width}×{info.height}, {info.fps:.2f} fps, {n_frames} frames analysed"
        f" ({info.duration:.1f} s{audio})"
    )
    persons = len([p for p in result.persons if p >= 0])
    console.print(
        f"faces in {with_face} of {n_frames} frames; {plural(len(result.tracks), 'track')}, "
        f"{plural(persons, 'person', 'people')}"
    )
    table = Table(box=None, pad_edge=False)
    for col in ("track", "person", "frames", "first", "last"):
        table.add_column(col, justify="right")
    for tr in result.tracks.values():
        table.add_row(
            f"#{tr.track_id}",
            "?" if tr.person < 0 else f"P{tr.person}",
            str(tr.frames),
            str(tr.first_frame),
            str(tr.last_frame),
        )
    if result.tracks:
        console.print(table)
    if json_out is not None:
        payload = {
            "input": str(path),
            "kind": "video",
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "frames_analysed": n_frames,
            "has_audio": info.has_audio,
            "tracks": [
                {
                    "track_id": t.track_id,
                    "person": t.person,
                    "frames": t.frames,
                    "first_frame": t.first_frame,
                    "last_frame": t.last_frame,
                }
                for t in result.tracks.values()
            ],
            "frames": [[_face_record(f, landmarks) for f in faces] for faces in result.frames],
        }
        _write_json(json_out, payload)
    if preview is not None:
        _video_preview(path, result, preview, max_frames)
    return len(result.tracks)


def _preview_labeler(source: str) -> Any:
    """Previews are files faceforge makes, so they carry its labels too (operation "other")."""
    from faceforge.provenance.labeler import ProvenanceLabeler

    ingredients = [Path(source)] if Path(source).is_file() else []
    return ProvenanceLabeler("other", ingredients=ingredients, consent=None)


def _video_preview(path: Path, result: Any, preview: Path, max_frames: int | None) -> None:
    """An annotated .mp4 (source audio kept) or a sheet of 8 annotated frames."""
    from faceforge.faces.draw import annotate
    from faceforge.media.output import VideoWriter
    from faceforge.media.video import read_video

    labels = {
        t.track_id: f"#{t.track_id} P{t.person}" if t.person >= 0 else f"#{t.track_id}" for t in result.tracks.values()
    }
    frames = read_video(path, max_frames=max_frames)
    if preview.suffix.lower() == ".mp4":
        with VideoWriter(preview, result.fps, audio_from=path, labeler=_preview_labeler(str(path))) as writer:
            for frame, faces in zip(frames, result.frames):
                writer.write(annotate(frame.image, faces, [labels[f.track_id] for f in faces]))
        return
    from faceforge.eval.contact_sheet import save_contact_sheet

    n = len(result.frames)
    picks = set(np.linspace(0, n - 1, min(8, n)).round().astype(int).tolist())
    cells = [
        annotate(fr.image, result.frames[fr.index], [labels[f.track_id] for f in result.frames[fr.index]])
        for fr in frames
        if fr.index in picks
    ]
    save_contact_sheet(preview, [cells[:4], cells[4:]] if len(cells) > 4 else [cells])
