"""Private temporary folders: the one way faceforge keeps intermediate files.

Frames, crops and partial outputs of someone's face are personal data, so a
temporary folder is readable by its owner only (mode 0700, as
`tempfile.mkdtemp` creates it on POSIX) and is deleted when the work ends: on
success, on an exception, and, through `atexit`, when the interpreter exits
while the folder is still open (a block that was never left, e.g. in a
generator that was not closed). A process killed by a signal it does
not handle (SIGKILL, or SIGTERM without a handler) or ended by `os._exit` runs
no Python code at all; its folder is left in the system temporary directory,
still readable by its owner only.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "faceforge-"


def _remove(path: Path, owner_pid: int) -> None:
    # A forked child inherits the atexit list; only the creating process removes the folder.
    if os.getpid() == owner_pid:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def private_tempdir(prefix: str = PREFIX, dir: str | Path | None = None) -> Iterator[Path]:
    """A new, empty folder only its owner can enter (0700), removed with everything in it
    when the block ends, however it ends. `dir`: where to create it (default: the system
    temporary folder, see `tempfile.gettempdir`)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
    # mkdtemp creates it 0700 whatever the umask; chmod states it rather than relying on that.
    os.chmod(path, stat.S_IRWXU)
    cleanup = functools.partial(_remove, path, os.getpid())  # its own object: unregister removes only this one
    atexit.register(cleanup)
    try:
        yield path
    finally:
        cleanup()
        atexit.unregister(cleanup)


__all__ = ["private_tempdir"]
