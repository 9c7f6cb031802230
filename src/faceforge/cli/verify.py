"""`faceforge verify FILE...`: show the provenance labels (C2PA manifests, watermark) of files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from faceforge.cli import EXIT_BAD_INPUT, app
from faceforge.cli._console import Console
from faceforge.cli._inputs import media_inputs
from faceforge.errors import InputError

if TYPE_CHECKING:
    from faceforge.provenance.verify import ManifestInfo, VerifyReport


@app.command("verify")
def verify_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Images or videos to check; a folder stands for every image and video in it and its subfolders.",
            show_default=False,
        ),
    ],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the reports as JSON to this file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail, e.g. every validation code.")] = False,
) -> None:
    """Show the content credentials (C2PA) and the faceforge watermark of images and videos.

    Works offline. Exit code 0 when every file was checked, whatever was found; 2 when a
    file could not be read or a folder held no image or video (the others are still checked
    and reported)."""
    from faceforge.provenance.verify import verify_file

    console = Console(quiet=quiet, verbose=verbose)
    if json_out is not None and json_out.suffix.lower() != ".json":
        raise InputError(f"{json_out}: --json must end in .json")
    records: list[dict[str, Any]] = []
    files, folder_problems = media_inputs(inputs, console)
    for folder, message in folder_problems:
        console.error(message)
        records.append({"path": str(folder), "error": message})
    failed = len(folder_problems)
    for path in files:
        try:
            report = verify_file(path)
        except InputError as error:
            console.error(str(error))
            records.append({"path": str(path), "error": str(error)})
            failed += 1
            continue
        records.append(report.to_dict())
        _print_report(console, report)
    if json_out is not None:
        from faceforge.media.output import write_text

        write_text(json_out, json.dumps({"files": records}, indent=2) + "\n")
        console.info(f"wrote {json_out}")
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


def _print_report(console: Console, report: VerifyReport) -> None:
    c2pa, mark = report.c2pa, report.watermark
    console.styled(f"[bold]{escape(str(report.path))}[/bold] ({report.kind})")
    console.styled(f"  C2PA: {escape(c2pa.summary())}")
    for manifest in c2pa.manifests:
        _print_manifest(console, manifest)
    if console.verbose and c2pa.errors:
        for issue in c2pa.errors:
            console.styled(
                f"    {escape(issue.code)}: {escape(issue.explanation)} [dim]{escape(issue.url or '')}[/dim]"
            )
    frames = f" (first {mark.frames_checked} frames)" if mark.frames_checked is not None else ""
    console.styled(f"  watermark: {escape(mark.summary())}{frames}")
    if report.labels_match is True:
        console.styled("  labels agree: manifest and watermark carry the same content id")
    elif report.labels_match is False:
        console.styled(
            f"  [bold]labels disagree[/bold]: manifest content id {report.faceforge_content_id:#x}, "
            f"watermark {mark.content_id:#x}"
        )


def _print_manifest(console: Console, m: ManifestInfo) -> None:
    active = " (active)" if m.active else ""
    console.styled(f"    • {escape(m.claim_generator)}{active}: {escape(m.title or '(untitled)')}")
    for action in m.actions:
        source = (action.digital_source_type or "").rsplit("/", 1)[-1]
        console.styled(f"      action {escape(action.action)}" + (f" · {escape(source)}" if source else ""))
    for ing in m.ingredients:
        digest = f"sha256 {ing.sha256[:16]}…" if ing.sha256 else "no hash"
        console.styled(f"      ingredient {escape(ing.title or '?')} ({escape(ing.relationship or '?')}, {digest})")
    if m.consent is not None:
        method = m.consent.get("method", "?")
        subject = m.consent.get("subject", "")
        state = "acknowledged" if m.consent.get("acknowledged") else "NOT acknowledged"
        console.styled(f"      consent {state} ({escape(str(method))}): {escape(str(subject))}")
    if m.watermark_content_id is not None:
        console.styled(f"      watermark content id {m.watermark_content_id:#x}")
    signer = ", ".join(x for x in (m.signature_common_name, m.signature_issuer) if x) or "unknown"
    when = f" at {m.signature_time}" if m.signature_time else ""
    console.styled(f"      signed by {escape(signer)}{escape(when)}")
