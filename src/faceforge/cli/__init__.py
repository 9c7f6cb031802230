"""The `faceforge` command line: parses, calls the library, prints.

Exit codes (also in README and `faceforge --help`):
  0  success
  1  ran, but found nothing to work on (e.g. no face in the input)
  2  bad input or bad usage (missing/corrupt/unsupported file, wrong option)
  3  the output cannot be written
  4  a bundled model or optional package is missing
  70 internal error (a bug: please report it with the --verbose output)
  130 interrupted (Ctrl-C)
"""

from __future__ import annotations

import os
import sys

import typer

from faceforge.cli._console import Console
from faceforge.errors import DependencyError, FaceforgeError, InputError, OutputError

EXIT_OK, EXIT_NOTHING_FOUND, EXIT_BAD_INPUT, EXIT_OUTPUT, EXIT_DEPENDENCY = 0, 1, 2, 3, 4
EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130

app = typer.Typer(
    name="faceforge",
    help="Local, privacy-first AI face effects and fake-face screening. Nothing leaves this machine.\n\n"
    "Exit codes: 0 ok · 1 nothing found · 2 bad input · 3 cannot write output · "
    "4 missing model/package · 70 internal error · 130 interrupted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", is_eager=True),
) -> None:
    """Local, privacy-first AI face effects and fake-face screening."""
    if version:
        from faceforge import __version__

        typer.echo(f"faceforge {__version__}")
        raise typer.Exit(EXIT_OK)


def exit_code_for(error: FaceforgeError) -> int:
    if isinstance(error, InputError):
        return EXIT_BAD_INPUT
    if isinstance(error, OutputError):
        return EXIT_OUTPUT
    if isinstance(error, DependencyError):
        return EXIT_DEPENDENCY
    return EXIT_INTERNAL


def _silence_native_stderr() -> None:
    """MediaPipe/TFLite write log lines straight to file descriptor 2. Point fd 2 at
    /dev/null and keep Python's sys.stderr on a copy of the real one."""
    try:
        real = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")
    except OSError:  # pragma: no cover - no fd 2 (embedded use)
        pass


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: maps errors to one line and an exit code."""
    from faceforge.cli import animate, anonymize, detect, faces, swap, verify  # noqa: F401  (registers the commands)

    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    console = Console(quiet=False, verbose=verbose)
    try:
        # Typer/Click handle usage errors themselves (message + exit 2) and raise SystemExit.
        app(args=args, standalone_mode=True)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else EXIT_BAD_INPUT)
    except FaceforgeError as error:
        console.error(str(error))
        return exit_code_for(error)
    except KeyboardInterrupt:
        console.error("interrupted")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the one place that turns bugs into a line
        if verbose:
            import traceback

            traceback.print_exc()
        console.error(f"internal error: {type(error).__name__}: {error} (run with --verbose for details)")
        return EXIT_INTERNAL
    return EXIT_OK


def run() -> None:
    """The `faceforge` console script."""
    if not ("--verbose" in sys.argv or "-v" in sys.argv):
        _silence_native_stderr()
    sys.exit(main())
