"""`prefetched(items)`: run an iterator a few items ahead on a helper thread.

Video decoding (PyAV) and the face analysis after it (MediaPipe, OpenCV, NumPy) release the GIL
for most of their work, so on two cores the next frames can be decoded while the current one is
analysed. The helper thread owns the source iterator from start to end: it is advanced, closed
and its errors raised there, and each error reaches the caller at the item where it happened.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_END = object()
_POLL_S = 0.05  # how often a blocked helper looks whether the caller has stopped


def prefetched(items: Iterable[T], depth: int = 4, *, name: str = "faceforge-prefetch") -> Generator[T, None, None]:
    """Yield `items` in order, produced up to `depth` ahead on a daemon thread.

    Closing the returned iterator early (a `break`, an error in the caller) stops the helper
    after the item it is producing and closes the source before returning, so a file it reads
    is released when the caller goes on.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    slots: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(entry: tuple[object, BaseException | None]) -> bool:
        """Put one entry, unless the caller stopped first; True when it was put."""
        while not stop.is_set():
            try:
                slots.put(entry, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not hand_over((item, None)):
                    return
            hand_over((_END, None))
        except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread and raised there)
            hand_over((_END, exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    helper = threading.Thread(target=produce, name=name, daemon=True)
    helper.start()
    try:
        while True:
            item, error = slots.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        helper.join()


__all__ = ["prefetched"]
