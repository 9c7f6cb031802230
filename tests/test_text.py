"""Words shared by messages and reports."""

from __future__ import annotations

from faceforge.text import plural


def test_counts_read_as_english():
    assert plural(1, "face") == "1 face"
    assert plural(0, "face") == "0 faces"
    assert plural(2, "face track") == "2 face tracks"
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"
