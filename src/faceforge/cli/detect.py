"""`faceforge detect INPUT... [--json FILE] [--report FILE.html]`: screen images and videos for fake faces."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from faceforge.cli import EXIT_BAD_INPUT, EXIT_NOTHING_FOUND, app
from faceforge.cli._console import Console
from faceforge.cli._inputs import media_inputs
from faceforge.errors import InputError

if TYPE_CHECKING:
    from faceforge.forensics.result import Detection

_RISK_STYLE = {"high": "bold red", "medium": "bold yellow", "low": "green"}


@app.command("detect")
def detect_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Images or videos to screen; a folder stands for every image and video in it and its subfolders.",
            show_default=False,
        ),
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the results as JSON to this file.")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report to this file.")
    ] = None,
    analysis_fps: Annotated[
        float | None,
        typer.Option(min=1.0, max=60.0, help="Video frames analysed per second (default 6; more is slower)."),
    ] = None,
    max_duration: Annotated[
        float | None, typer.Option(min=0.1, help="Video: analyse only the first N seconds (default: all).")
    ] = None,
    thorough: Annotated[
        bool,
        typer.Option(
            "--thorough",
            help="Photos: analyse large photos at full size (small faces in a group photo) and also look for "
            "small faces cut by the picture's edge (slower; can take a logo for a face).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print every signal's score.")] = False,
) -> None:
    """Screen faces in images and videos for signs of manipulation (swaps, reenactment, generation).

    Several independent signals (blending boundary, frequency spectrum, noise, pulse, blinks and head pose, frame-to-frame detail, shading over time, seam flicker at the face's rim, provenance labels) are combined into a calibrated fake probability and a risk level. A low risk is not proof that a face is real. Everything runs on this machine.

    Exit code 0 when every file was screened, whatever the verdict; 1 when no file had a face to judge; 2 when a file could not be read or a folder held no image or video (the others are still screened and reported)."""
    from faceforge.forensics.fusion import load_fusion
    from faceforge.forensics.pipeline import DetectOptions, detect

    console = Console(quiet=quiet, verbose=verbose)
    if json_out is not None and json_out.suffix.lower() != ".json":
        raise InputError(f"{json_out}: --json must end in .json")
    if report is not None and report.suffix.lower() not in {".html", ".htm"}:
        raise InputError(f"{report}: --report must end in .html")
    options = DetectOptions(max_duration=max_duration, thorough_search=thorough)
    if thorough:
        options = replace(options, photo_megapixels=None)
    if report is None:  # heatmaps and suspicious-frame crops only feed the HTML report
        options = replace(options, heatmaps=False, suspicious_frames=0)
    if analysis_fps is not None:
        options = replace(options, analysis_fps=analysis_fps)
    fusion = load_fusion()
    records: list[dict[str, Any]] = []
    results: list[Detection] = []
    files, folder_problems = media_inputs(inputs, console)
    for folder, message in folder_problems:
        console.error(message)
        records.append({"file": str(folder), "error": message})
    unreadable = 0
    shown_notes: set[str] = set()  # a note that applies to many files (e.g. about still images) is printed once
    for i, path in enumerate(files, 1):
        where = f" ({i} of {len(files)})" if len(files) > 1 else ""
        try:
            with console.progress(f"screening {path.name}{where}", None) as advance:
                result = detect(path, options, fusion=fusion, progress=lambda done, total: advance())
        except InputError as error:
            console.error(str(error))
            records.append({"file": str(path), "error": str(error)})
            unreadable += 1
            continue
        results.append(result)
        records.append(result.to_dict())
        _print(console, result, shown_notes)
    if len(files) > 1:
        console.styled(_summary(results, unreadable))
    if json_out is not None:
        from faceforge.media.output import write_text

        write_text(json_out, json.dumps({"files": records}, indent=2) + "\n")
        console.info(f"wrote {json_out}")
    if report is not None and results:
        from faceforge.forensics.pipeline import all_signal_infos
        from faceforge.forensics.report import render_report
        from faceforge.media.output import write_text

        write_text(report, render_report(results, fusion, all_signal_infos()))
        console.print(f"report → {report}")
    if unreadable or folder_problems:
        raise typer.Exit(EXIT_BAD_INPUT)
    if results and all(r.fake_probability is None for r in results):
        raise typer.Exit(EXIT_NOTHING_FOUND)


def _summary(results: list[Detection], unreadable: int) -> str:
    """One line over several files: how many reached each risk level, had no face, could not be read."""
    counts = {risk: sum(r.risk == risk for r in results if r.fake_probability is not None) for risk in _RISK_STYLE}
    parts = [f"[{_RISK_STYLE[risk]}]{n} {risk}[/{_RISK_STYLE[risk]}]" for risk, n in counts.items()]
    line = f"\n[bold]{len(results) + unreadable} files[/bold]: " + ", ".join(parts) + " risk"
    unjudged = sum(r.fake_probability is None for r in results)
    if unjudged:
        line += f"; {unjudged} not judged (no face, or none the signals could judge)"
    if unreadable:
        line += f"; {unreadable} could not be read"
    return line


def _print(console: Console, r: Detection, shown_notes: set[str]) -> None:
    if r.fake_probability is None:
        console.styled(f"[bold]{escape(str(r.path))}[/bold]: {escape(r.summary)}")
    else:
        style = _RISK_STYLE.get(r.risk or "", "")
        console.styled(
            f"[bold]{escape(str(r.path))}[/bold]: [{style}]{r.risk} risk[/{style}] "
            f"({r.fake_probability:.0%}) — {escape(r.summary)}"
        )
    for note in r.notes:
        if note in shown_notes:
            continue
        shown_notes.add(note)
        console.styled(f"  [dim]note: {escape(note)}[/dim]")
    if console.verbose:
        for name, s in r.signals.items():
            score = "n/a" if s.score is None else f"{s.score:.2f}"
            console.styled(f"  {name:<10} {score:>5}  [dim]{escape(s.reason)}[/dim]")
