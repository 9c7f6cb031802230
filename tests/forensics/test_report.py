"""Report pieces: how a signal's push on the verdict is written."""

from __future__ import annotations

from faceforge.forensics.report import _signal_row
from faceforge.forensics.signal import SignalInfo, SignalScore


def test_push_column_says_which_way_and_nothing_for_zero():
    infos = {"x": SignalInfo("x", "Signal X", "looks at x")}
    s = SignalScore(0.5, "found x")
    assert "+1.2 → fake" in _signal_row("x", s, 1.23, infos)
    assert "-0.7 → real" in _signal_row("x", s, -0.7, infos)
    zero = _signal_row("x", s, 0.0, infos)
    assert "±0.0" in zero and "→" not in zero
    assert "Signal X" in zero and "found x" in zero
