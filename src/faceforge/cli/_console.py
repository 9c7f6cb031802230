"""Console output for the CLI: results on stdout, messages and progress on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console as RichConsole
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class Console:
    def __init__(self, *, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.out = RichConsole(highlight=False, soft_wrap=True)
        self.err = RichConsole(file=sys.stderr, highlight=False, soft_wrap=True)

    def print(self, *objects: Any) -> None:
        """Plain text on stdout (unless quiet): brackets in a file name or a key hint such as
        "[q] quit" are printed as they are, not read as Rich markup."""
        if not self.quiet:
            self.out.print(*objects, markup=False)

    def styled(self, text: str) -> None:
        """Rich markup on stdout (unless quiet); every value in `text` must be `escape`d."""
        if not self.quiet:
            self.out.print(text)

    def info(self, message: str) -> None:
        if self.verbose:
            self.err.print(f"[dim]{escape(message)}[/dim]")

    def note(self, message: str) -> None:
        """A message on stderr that is not an error (unless quiet)."""
        if not self.quiet:
            self.err.print(f"[dim]{escape(message)}[/dim]")

    def error(self, message: str) -> None:
        self.err.print(f"[bold red]error:[/bold red] {escape(message)}", markup=True, highlight=False)

    @contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Any]:
        """Yields advance(n=1); a Rich bar on stderr unless quiet."""
        if self.quiet:
            yield lambda n=1: None
            return
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
        with Progress(*columns, console=self.err, transient=True) as bar:
            task = bar.add_task(escape(description), total=total)
            yield lambda n=1: bar.advance(task, n)
