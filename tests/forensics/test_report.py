"""Report pieces: how a signal's push on the verdict is written."""

from __future__ import annotations

from pathlib import Path

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
    # A signal the combiner gives no weight says so, instead of a bare ±0.0 beside its score.
    unweighed = _signal_row("x", SignalScore(0.97, "found x"), 0.0, infos, weighed=False)
    assert "not weighed" in unweighed and "±0.0" not in unweighed and "0.97" in unweighed


def test_frame_map_is_the_signal_that_counts_or_none():
    """A suspicious frame shows the map of the localising signal with the most weight in the
    combiner used; a map of a signal the combiner ignores would point at the wrong evidence."""
    import numpy as np

    from faceforge.forensics.report import _frame_figure
    from faceforge.forensics.result import SuspiciousFrame

    maps = {"blending": np.zeros((8, 8), np.float32), "noise": np.ones((8, 8), np.float32)}
    frame = SuspiciousFrame(3, 0.1, 0, 0.8, np.zeros((8, 8, 3), np.uint8), maps)
    assert "where the noise signal looks" in _frame_figure(frame, {"blending": 0.0, "noise": 0.2})
    assert "where the blending signal looks" in _frame_figure(frame, {"blending": 0.9, "noise": 0.2})
    neither = _frame_figure(frame, {"blending": 0.0, "noise": 0.0, "temporal": 1.4})
    assert "signal looks" not in neither and neither.count("<img") == 1


def test_signals_table_quotes_the_web_video_figure_when_measured():
    from faceforge.forensics.fusion import Fusion, FusionModel
    from faceforge.forensics.report import _signals_section
    from faceforge.forensics.signal import SignalInfo

    stats = {"fused": {"auc": 0.85, "eer": 0.2, "n": 89}, "fused_web": {"auc": 0.66, "eer": 0.36, "n": 65}}

    def model(meta: dict) -> FusionModel:
        return FusionModel(("x",), (1.0,), 0.0, (0.0,), (1.0,), meta=meta)

    infos = [SignalInfo("x", "Signal X", "looks at x")]
    with_web = _signals_section(Fusion(image=model({}), video=model({"signal_stats": stats})), infos)
    assert "real web video only" in with_web and "AUC 0.66, equal error rate 36% (65 items)" in with_web
    assert "AUC 0.85" in with_web
    stats.pop("fused_web")
    without = _signals_section(Fusion(image=model({}), video=model({"signal_stats": stats})), infos)
    assert "web video only" not in without


def test_a_long_timeline_is_thinned_but_keeps_its_peaks():
    from faceforge.forensics.fusion import FusionModel
    from faceforge.forensics.report import _MAX_TIMELINE_POINTS, _timeline_svg
    from faceforge.forensics.result import TimelinePoint

    model = FusionModel(("x",), (1.0,), 0.0, (0.0,), (1.0,))
    points = [TimelinePoint(i, i / 6, 0.2) for i in range(6 * 3600)]  # an hour at 6 analysed fps
    points[12345] = TimelinePoint(12345, 12345 / 6, 0.97)
    svg = _timeline_svg(points, model, 3600.0)
    assert svg.count("<circle") == _MAX_TIMELINE_POINTS
    assert "(frame 12345): 97%" in svg
    short = _timeline_svg(points[:30], model, 5.0)
    assert short.count("<circle") == 30 and "r='3'" in short


def test_files_are_named_below_the_folder_they_share(tmp_path):
    """A folder of frame folders holds many files of the same name: the report names each by
    its path below the shared folder, so the overview's rows can be told apart."""
    from faceforge.forensics.report import file_labels

    a, b = tmp_path / "clip1" / "000001.jpg", tmp_path / "clip2" / "000001.jpg"
    assert file_labels([a, b]) == [str(Path("clip1") / "000001.jpg"), str(Path("clip2") / "000001.jpg")]
    assert file_labels([a, tmp_path / "clip1" / "000002.jpg"]) == ["000001.jpg", "000002.jpg"]
    assert file_labels([a]) == ["000001.jpg"]


def test_timeline_ticks_are_round_seconds():
    from faceforge.forensics.report import _tick_step

    assert _tick_step(7.4) == 1.0  # 0 1 2 … 7 s
    assert _tick_step(4.0) == 0.5
    assert _tick_step(58.6) == 10.0
    assert _tick_step(3600.0) == 600.0
    for seconds in (0.3, 2.0, 9.9, 45.0, 700.0, 20000.0):
        assert 1 <= seconds / _tick_step(seconds) <= 10


def test_signals_table_says_a_track_signal_needs_a_video_instead_of_not_measured():
    from faceforge.forensics.fusion import Fusion, FusionModel
    from faceforge.forensics.report import _signals_section
    from faceforge.forensics.signal import SignalInfo

    flat = FusionModel(("x",), (1.0,), 0.0, (0.0,), (1.0,))
    infos = [SignalInfo("pulse", "Pulse", "skin colour"), SignalInfo("provenance", "Labels", "C2PA")]
    rows = _signals_section(Fusion(image=flat, video=flat), infos).split("<tr>")
    pulse, labels = next(r for r in rows if "Pulse" in r), next(r for r in rows if "Labels" in r)
    assert "needs a video" in pulse
    assert "needs a video" not in labels and "not measured" in labels


def test_how_to_read_gives_no_high_threshold_for_a_combiner_without_skill():
    from faceforge.forensics.fusion import Fusion, FusionModel
    from faceforge.forensics.report import _how_to_read

    def model(auc_value: float, high: float) -> FusionModel:
        meta = {"signal_stats": {"fused": {"auc": auc_value, "eer": 0.3, "n": 60}}}
        return FusionModel(("x",), (1.0,), 0.0, (0.0,), (1.0,), 0.5, high, meta=meta)

    text = _how_to_read(Fusion(image=model(0.59, 0.65), video=model(0.93, 0.91)))
    assert "<b>high</b> from 91% for a video (" in text and "65%" not in text
    assert "The model for still images has not shown skill" in text and "at most <b>medium</b>" in text
    both = _how_to_read(Fusion(image=model(0.7, 0.65), video=model(0.93, 0.91)))
    assert "91% for a video and 65% for an image" in both and "not shown skill" not in both
