from __future__ import annotations

import numpy as np

from faceforge.eval.blinks import blink_count, blinks_followed, eye_openness_trace


def test_blink_count_finds_dips_and_skips_frames_without_a_face():
    trace = np.full(100, 0.3)
    for start in (10, 40, 80):
        trace[start : start + 3] = (0.15, 0.05, 0.12)
    assert blink_count(trace) == 3
    trace[50:60] = np.nan  # face lost: neither a blink nor a break in the count
    assert blink_count(trace) == 3
    assert blink_count(np.full(50, 0.05)) == 0  # eyes never clearly open
    assert blink_count(np.array([np.nan, 0.3])) == 0


def test_openness_trace_has_one_value_per_frame(astronaut):
    blank = np.zeros_like(astronaut)
    trace = eye_openness_trace([astronaut, blank, astronaut])
    assert trace.shape == (3,)
    assert np.isnan(trace[1]) and 0.15 < trace[0] < 0.5 and 0.15 < trace[2] < 0.5


def test_blinks_followed_pairs_each_driving_blink_with_an_output_dip():
    driving = np.full(60, 0.3)
    output = np.full(60, 0.2)
    for start in (10, 30, 50):
        driving[start : start + 3] = 0.05
    output[11:13] = 0.11  # follows the first blink, a frame late and only to 55 %
    output[31] = 0.16  # 80 %: not followed
    assert blinks_followed(driving, output) == (3, 1)
    output[48] = 0.1  # two frames early: still this blink
    assert blinks_followed(driving, output) == (3, 2)
