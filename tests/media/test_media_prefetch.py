"""prefetched(): same items in the same order, errors at the right item, early stop releases the source."""

from __future__ import annotations

import threading

import pytest

from faceforge.media.prefetch import prefetched


def test_items_come_in_order_and_all_of_them():
    assert list(prefetched(range(50), depth=3)) == list(range(50))
    assert list(prefetched([])) == []


def test_source_runs_on_the_helper_thread():
    seen = []

    def source():
        for i in range(3):
            seen.append(threading.current_thread().name)
            yield i

    assert list(prefetched(source(), name="decoder-x")) == [0, 1, 2]
    assert seen == ["decoder-x"] * 3


def test_an_error_reaches_the_caller_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("broken at frame 3")

    got = []
    with pytest.raises(ValueError, match="broken at frame 3"):
        for item in prefetched(source()):
            got.append(item)
    assert got == [1, 2]


def test_stopping_early_closes_the_source_and_the_thread():
    closed = threading.Event()
    produced = []

    def source():
        try:
            for i in range(10_000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    before = threading.active_count()
    it = prefetched(source(), depth=2)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()
    assert closed.is_set()  # released before close() returned
    assert threading.active_count() == before
    assert len(produced) < 10  # it ran at most a few items ahead


def test_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        list(prefetched([1], depth=0))
